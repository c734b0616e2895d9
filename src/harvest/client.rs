//! What every outbound request of the harvester carries (its User-Agent, so repository
//! managers can tell who reads them) and how a failed request reads in a source's health record
//! (the error's whole chain: reqwest's own message alone says "error sending request").

/// Sent with every request: the trusted sources' client and the untrusted (registration) one.
pub const USER_AGENT: &str = concat!(
    "essor/",
    env!("CARGO_PKG_VERSION"),
    " (OAI-PMH harvester for Social and Solidarity Economy research)"
);

/// A failed request in one line: its kind (timeout, connection, body), then every cause.
pub(super) fn describe_reqwest(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "broken body"
    } else {
        "request failed"
    };
    let mut message = format!("{kind}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}
