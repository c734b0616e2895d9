//! Resumption tokens: stateless and tamper-evident. A token carries the whole list request and
//! the key of the last entry sent (keyset paging), signed with HMAC-SHA256 under the store's
//! secret: it survives a server restart, and a forged, altered or expired one is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Bytes of the MAC kept in the token (128 bits).
const MAC_BYTES: usize = 16;
const VERSION: u8 = 1;

/// The state of a list harvest between two pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// ListRecords (true) or ListIdentifiers: a token only resumes the verb that issued it.
    pub records: bool,
    pub prefix: String,
    /// `""` for the whole repository.
    pub set: String,
    pub from: u64,
    pub until: u64,
    /// The feed key (datestamp, sequence) of the last entry sent: the next page starts after it.
    pub after: (u64, u64),
    /// Entries sent before this page.
    pub cursor: u64,
    /// The list's size when it began.
    pub total: u64,
    /// Unix seconds after which the token is refused.
    pub expires: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the resumptionToken is not one this repository issued (or it was altered)")]
    Invalid,
    #[error("the resumptionToken expired; start the list again")]
    Expired,
}

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl Signer {
    pub fn new(secret: &[u8]) -> Signer {
        Signer {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }

    pub fn encode(&self, token: &Token) -> String {
        let mut body = vec![VERSION];
        body.extend(serde_json::to_vec(token).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(&body);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES])
        )
    }

    /// The token's content if this server signed it and it has not expired at `now`.
    pub fn decode(&self, text: &str, now: u64) -> Result<Token, TokenError> {
        let (body, tag) = text.split_once('.').ok_or(TokenError::Invalid)?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| TokenError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Invalid)?;
        let mut mac = self.mac();
        mac.update(&body);
        mac.verify_truncated_left(&tag)
            .map_err(|_| TokenError::Invalid)?;
        if tag.len() != MAC_BYTES || body.first() != Some(&VERSION) {
            return Err(TokenError::Invalid);
        }
        let token: Token = serde_json::from_slice(&body[1..]).map_err(|_| TokenError::Invalid)?;
        if token.expires < now {
            return Err(TokenError::Expired);
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Token {
        Token {
            records: true,
            prefix: "oai_dc".into(),
            set: "theme:cooperatives".into(),
            from: 0,
            until: u64::MAX,
            after: (1_700_000_000, 42),
            cursor: 100,
            total: 250,
            expires: 2_000_000_000,
        }
    }

    #[test]
    fn round_trip() {
        let signer = Signer::new(b"secret");
        let text = signer.encode(&sample());
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        assert_eq!(signer.decode(&text, 1_000), Ok(sample()));
    }

    #[test]
    fn forged_altered_expired() {
        let signer = Signer::new(b"secret");
        let text = signer.encode(&sample());
        assert_eq!(
            Signer::new(b"other").decode(&text, 0),
            Err(TokenError::Invalid)
        );
        let mut altered = sample();
        altered.cursor = 0;
        let forged = format!(
            "{}.{}",
            signer.encode(&altered).split_once('.').map_or("", |p| p.0),
            text.split_once('.').map_or("", |p| p.1)
        );
        assert_eq!(signer.decode(&forged, 0), Err(TokenError::Invalid));
        assert_eq!(signer.decode("garbage", 0), Err(TokenError::Invalid));
        assert_eq!(signer.decode("", 0), Err(TokenError::Invalid));
        assert_eq!(
            signer.decode(&text, 2_000_000_001),
            Err(TokenError::Expired)
        );
    }
}
