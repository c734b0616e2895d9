//! The values a source file holds that need more than serde: durations (`24h`), region codes
//! (`FR-BRE`), base URLs, and toml's errors told with the key they are about.

use std::time::Duration;

/// toml's message says what was expected but not always for which key: name the key from the
/// line the error points at.
pub(super) fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    let Some(span) = error.span() else {
        return message;
    };
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_number = text[..line_start].matches('\n').count() + 1;
    let line = text[line_start..].lines().next().unwrap_or_default();
    match line.split_once('=') {
        Some((key, _)) if !message.contains(&format!("`{}`", key.trim())) => {
            format!("key `{}`: {message} (line {line_number})", key.trim())
        }
        _ => format!("{message} (line {line_number})"),
    }
}

pub(super) fn parse_base_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw)
        .map_err(|e| format!("an http(s) URL is expected, got {raw:?} ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("an http(s) URL is expected, got {raw:?}"));
    }
    if url.query().is_some() {
        return Err(format!(
            "the base URL must not carry a query (OAI-PMH adds `?verb=...`), got {raw:?}"
        ));
    }
    Ok(url)
}

/// `FR-BRE`: a country, a hyphen, one to three letters or digits (the shape, not the list).
pub fn is_iso_3166_2(code: &str) -> bool {
    let Some((country, subdivision)) = code.split_once('-') else {
        return false;
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && (1..=3).contains(&subdivision.len())
        && subdivision
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Parses durations written like `500ms`, `30s`, `15m`, `24h`, `7d` (or a combination: `1h30m`).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let expected = || {
        format!("a duration such as \"30s\", \"15m\", \"24h\" or \"7d\" is expected, got {raw:?}")
    };
    let text = raw.trim();
    if text.is_empty() {
        return Err(expected());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(expected)?;
        if digits == 0 {
            return Err(expected());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| expected())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return Err(expected()),
        };
        total += unit
            .checked_mul(u32::try_from(number).map_err(|_| expected())?)
            .ok_or_else(expected)?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}
