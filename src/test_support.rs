//! What the unit tests share: where the shared fixtures are (real OAI-PMH responses, schemas).

use std::path::{Path, PathBuf};

/// `$ESSOR_FIXTURES` (tests/run.sh sets it), or `../shared/fixtures` beside the project.
pub(crate) fn fixtures_dir() -> PathBuf {
    match std::env::var_os("ESSOR_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    }
}

/// Fuzzes `check` with inputs mutated from `seeds` for a bounded time (`ESSOR_FUZZ_MS`
/// milliseconds, 2,000 by default: CI stays quick, a longer run finds more). The mutations are
/// those that break parsers: bytes flipped, inserted, deleted; slices repeated (deep nesting,
/// long runs) or spliced from another seed; markup and escapes inserted; the input cut short.
/// `check` must not panic (it asserts what must hold); a panic is reported with the seed
/// (`ESSOR_TEST_SEED=<seed>` replays the run) and the input, which then becomes a regression
/// test.
pub(crate) fn fuzz(name: &str, seeds: &[&[u8]], mut check: impl FnMut(&[u8])) {
    const TOKENS: &[&[u8]] = &[
        b"<",
        b">",
        b"</",
        b"/>",
        b"&",
        b"&amp;",
        b"&#0;",
        b"&#x1F;",
        b"&lt;",
        b"\"",
        b"'",
        b"=",
        b"<![CDATA[",
        b"]]>",
        b"<!--",
        b"-->",
        b"<?xml",
        b"<!DOCTYPE x [<!ENTITY a \"aa\">]>",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xC3",
        b"\x00",
        b"\r\n",
        b";",
        b",",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b"%",
        b"%ZZ",
        b"%C3%A9",
        b"+",
        b"?",
        b"(",
        b")",
        b"*",
        b"-",
        b"OR",
        b"\\",
        b"\xE2\x80\xAE",
        b"9999999999999999999999",
        b"-1",
    ];
    let budget = std::env::var("ESSOR_FUZZ_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(2_000u64);
    let seed = std::env::var("ESSOR_TEST_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |elapsed| elapsed.as_nanos() as u64)
        });
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = std::time::Instant::now();
    let mut runs = 0u64;
    while started.elapsed().as_millis() < u128::from(budget) {
        let mut input = seeds[rng.usize(..seeds.len())].to_vec();
        for _ in 0..rng.usize(1..=8) {
            mutate(&mut rng, &mut input, seeds, TOKENS);
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!(
                "fuzz {name}: failed after {runs} inputs (ESSOR_TEST_SEED={seed}): {message}\ninput ({} bytes): {:?}",
                input.len(),
                String::from_utf8_lossy(&input[..input.len().min(2_000)])
            );
        }
        runs += 1;
    }
    eprintln!("fuzz {name}: {runs} inputs in {budget} ms, seed {seed}");
}

fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, seeds: &[&[u8]], tokens: &[&[u8]]) {
    let at = |rng: &mut fastrand::Rng, input: &Vec<u8>| rng.usize(..=input.len());
    match rng.u8(..7) {
        0 if !input.is_empty() => {
            let i = rng.usize(..input.len());
            input[i] ^= 1 << rng.u8(..8);
        }
        1 => {
            let i = at(rng, input);
            let token = tokens[rng.usize(..tokens.len())];
            input.splice(i..i, token.iter().copied());
        }
        2 if !input.is_empty() => {
            let start = rng.usize(..input.len());
            let end = (start + rng.usize(1..64)).min(input.len());
            input.drain(start..end);
        }
        3 if !input.is_empty() => {
            // A slice repeated many times: deep nesting, long values.
            let start = rng.usize(..input.len());
            let end = (start + rng.usize(1..32)).min(input.len());
            let slice = input[start..end].to_vec();
            let times = rng.usize(2..2_000);
            let i = at(rng, input);
            input.splice(i..i, slice.repeat(times));
        }
        4 => {
            let other = seeds[rng.usize(..seeds.len())];
            if !other.is_empty() {
                let start = rng.usize(..other.len());
                let end = (start + rng.usize(1..256)).min(other.len());
                let i = at(rng, input);
                input.splice(i..i, other[start..end].iter().copied());
            }
        }
        5 => {
            let keep = at(rng, input);
            input.truncate(keep);
        }
        _ => {
            let i = at(rng, input);
            input.insert(i, rng.u8(..));
        }
    }
}
