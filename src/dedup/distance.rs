//! Normalised Levenshtein similarity, the hot loop of dedup (several per compared pair, tens of
//! millions of pairs for a million records). Same values as `strsim::normalized_levenshtein`,
//! computed on bytes for ASCII text (folded titles almost always are): bit-parallel (Myers /
//! Hyyrö), in one 64-bit word when the shorter string fits, in blocks of 64 otherwise.

/// 1 − edit distance / length of the longer string (in characters); 1 for two empty strings.
pub fn normalized_levenshtein(a: &str, b: &str) -> f64 {
    if !(a.is_ascii() && b.is_ascii()) {
        return strsim::normalized_levenshtein(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let distance = if a == b {
        0
    } else {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        if short.is_empty() {
            long.len()
        } else if short.len() <= 64 {
            myers(short, long)
        } else {
            myers_blocks(short, long)
        }
    };
    1.0 - distance as f64 / longest as f64
}

/// Edit distance with `pattern` (1..=64 bytes) as a bit vector.
fn myers(pattern: &[u8], text: &[u8]) -> usize {
    let mut peq = [0u64; 256];
    for (i, &c) in pattern.iter().enumerate() {
        peq[c as usize] |= 1 << i;
    }
    let last = 1u64 << (pattern.len() - 1);
    let mut pv = !0u64;
    let mut mv = 0u64;
    let mut score = pattern.len();
    for &c in text {
        let eq = peq[c as usize];
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let mut ph = mv | !(xh | pv);
        let mut mh = pv & xh;
        if ph & last != 0 {
            score += 1;
        } else if mh & last != 0 {
            score -= 1;
        }
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
    }
    score
}

/// Edit distance with `pattern` (any length) as blocks of 64 bits (Hyyrö 2003), the
/// horizontal deltas carried from one block to the next.
fn myers_blocks(pattern: &[u8], text: &[u8]) -> usize {
    let words = pattern.len().div_ceil(64);
    let mut peq = vec![0u64; 256 * words];
    for (i, &c) in pattern.iter().enumerate() {
        peq[(c as usize) * words + i / 64] |= 1 << (i % 64);
    }
    let last = 1u64 << ((pattern.len() - 1) % 64);
    let mut vp = vec![!0u64; words];
    let mut vn = vec![0u64; words];
    let mut score = pattern.len();
    for &c in text {
        let row = &peq[(c as usize) * words..(c as usize + 1) * words];
        let mut hp_carry = 1u64;
        let mut hn_carry = 0u64;
        for word in 0..words {
            let x = row[word] | hn_carry;
            let (p, n) = (vp[word], vn[word]);
            let d0 = ((x & p).wrapping_add(p) ^ p) | x | n;
            let mut hp = n | !(d0 | p);
            let mut hn = d0 & p;
            if word == words - 1 {
                if hp & last != 0 {
                    score += 1;
                } else if hn & last != 0 {
                    score -= 1;
                }
            }
            let next_hp_carry = hp >> 63;
            let next_hn_carry = hn >> 63;
            hp = (hp << 1) | hp_carry;
            hn = (hn << 1) | hn_carry;
            hp_carry = next_hp_carry;
            hn_carry = next_hn_carry;
            vp[word] = hn | !(d0 | hp);
            vn[word] = hp & d0;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_strsim_on_random_strings() {
        let mut random = fastrand::Rng::with_seed(7);
        let alphabet = b"abcde fgh";
        let word = |random: &mut fastrand::Rng, len: usize| -> String {
            (0..len)
                .map(|_| alphabet[random.usize(..alphabet.len())] as char)
                .collect()
        };
        for _ in 0..3_000 {
            let len = random.usize(0..300);
            let a = word(&mut random, len);
            let mut b = a.clone();
            if random.bool() || b.is_empty() {
                let len = random.usize(0..300);
                b = word(&mut random, len);
            } else {
                for _ in 0..random.usize(1..6) {
                    let at = random.usize(..=b.len());
                    b.insert(at, 'x');
                }
            }
            let ours = normalized_levenshtein(&a, &b);
            let theirs = strsim::normalized_levenshtein(&a, &b);
            assert!(
                (ours - theirs).abs() < 1e-12,
                "{a:?} {b:?}: {ours} != {theirs}"
            );
        }
        assert_eq!(normalized_levenshtein("", ""), 1.0);
        assert_eq!(
            normalized_levenshtein("économie", "economie"),
            strsim::normalized_levenshtein("économie", "economie")
        );
    }
}
