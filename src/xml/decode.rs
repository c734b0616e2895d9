//! Turns the bytes a repository sent into clean UTF-8 XML 1.0 text, repairing what real
//! repositories get wrong (undeclared gzip, byte-order marks, non-UTF-8 encodings, invalid bytes,
//! characters XML 1.0 forbids) and saying what was repaired.

use std::borrow::Cow;
use std::io::Read;

/// Something that had to be fixed before the document could be parsed. Repairs are logged and
/// counted, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    UndeclaredGzip,
    UndeclaredZlib,
    ByteOrderMark,
    Transcoded {
        from: &'static str,
    },
    /// The declaration said a single-byte encoding but the bytes were valid UTF-8.
    DeclaredEncodingWasUtf8 {
        declared: String,
    },
    InvalidUtf8,
    /// Characters outside the XML 1.0 `Char` production, removed.
    InvalidXmlChars {
        count: usize,
    },
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::UndeclaredGzip => f.write_str("gzip body without Content-Encoding"),
            Repair::UndeclaredZlib => f.write_str("zlib body without Content-Encoding"),
            Repair::ByteOrderMark => f.write_str("byte-order mark removed"),
            Repair::Transcoded { from } => write!(f, "transcoded from {from}"),
            Repair::DeclaredEncodingWasUtf8 { declared } => {
                write!(f, "declared {declared} but the bytes are UTF-8")
            }
            Repair::InvalidUtf8 => f.write_str("invalid UTF-8 bytes replaced by U+FFFD"),
            Repair::InvalidXmlChars { count } => {
                write!(f, "{count} characters not allowed in XML 1.0 removed")
            }
        }
    }
}

/// The largest document (an OAI-PMH page, a feed) essor reads, decompressed: pages are a few
/// MiB, and a page is held whole (plus its decoded text) while it is parsed.
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("empty body")]
    Empty,
    #[error("the body decompresses to more than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    #[error("compressed body cannot be decompressed: {0}")]
    Decompress(std::io::Error),
    #[error("unknown character encoding {0:?}")]
    UnknownEncoding(String),
}

/// Decoded XML text plus the repairs made to get it.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub repairs: Vec<Repair>,
}

/// Decodes a response body. `charset` is the Content-Type charset, used only when the document
/// does not declare its own encoding (XML's declaration wins, as in every XML parser).
pub fn decode<'a>(bytes: &'a [u8], charset: Option<&str>) -> Result<Decoded<'a>, DecodeError> {
    let mut repairs = Vec::new();
    let decompressed = decompress_if_sniffed(bytes, &mut repairs)?;
    let text = match decompressed {
        Cow::Borrowed(bytes) => to_utf8(bytes, charset, &mut repairs)?,
        Cow::Owned(bytes) => Cow::Owned(to_utf8(&bytes, charset, &mut repairs)?.into_owned()),
    };
    let text = remove_invalid_xml_chars(text, &mut repairs);
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(Decoded { text, repairs })
}

fn decompress_if_sniffed<'a>(
    bytes: &'a [u8],
    repairs: &mut Vec<Repair>,
) -> Result<Cow<'a, [u8]>, DecodeError> {
    // Read one byte past the cap to tell "exactly at the cap" from "over it" (a gzip bomb).
    let inflate = |reader: &mut dyn Read| -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        reader
            .take(MAX_DOCUMENT_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(DecodeError::Decompress)?;
        if out.len() > MAX_DOCUMENT_BYTES {
            return Err(DecodeError::TooLarge);
        }
        Ok(out)
    };
    if is_gzip(bytes) {
        let out = inflate(&mut flate2::read::MultiGzDecoder::new(bytes))?;
        repairs.push(Repair::UndeclaredGzip);
        return Ok(Cow::Owned(out));
    }
    if is_zlib(bytes) {
        let out = inflate(&mut flate2::read::ZlibDecoder::new(bytes))?;
        repairs.push(Repair::UndeclaredZlib);
        return Ok(Cow::Owned(out));
    }
    Ok(Cow::Borrowed(bytes))
}

/// Whether [`decode`] would inflate these bytes (an undeclared gzip or zlib body), which may
/// take long: the harvest then decodes them off its async threads.
pub fn looks_compressed(bytes: &[u8]) -> bool {
    is_gzip(bytes) || is_zlib(bytes)
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// A zlib header: CMF 0x78 and a check value. XML never starts with 'x' followed by these.
fn is_zlib(bytes: &[u8]) -> bool {
    bytes.len() > 2
        && bytes[0] == 0x78
        && (u16::from(bytes[0]) << 8 | u16::from(bytes[1])) % 31 == 0
}

fn to_utf8<'a>(
    bytes: &'a [u8],
    charset: Option<&str>,
    repairs: &mut Vec<Repair>,
) -> Result<Cow<'a, str>, DecodeError> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        repairs.push(Repair::ByteOrderMark);
        let body = &bytes[bom_len..];
        if encoding == encoding_rs::UTF_8 {
            return Ok(utf8_lossy(body, repairs));
        }
        let (text, _, had_errors) = encoding.decode(bytes);
        repairs.push(Repair::Transcoded {
            from: encoding.name(),
        });
        if had_errors {
            repairs.push(Repair::InvalidUtf8);
        }
        return Ok(Cow::Owned(text.into_owned()));
    }
    let label = declared_encoding(bytes).or_else(|| charset.map(str::to_owned));
    let encoding = match &label {
        None => encoding_rs::UTF_8,
        Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| DecodeError::UnknownEncoding(label.clone()))?,
    };
    if encoding == encoding_rs::UTF_8
        || encoding == encoding_rs::UTF_16LE
        || encoding == encoding_rs::UTF_16BE
    {
        // A UTF-16 label without a BOM on ASCII-looking bytes is a lie; read as UTF-8.
        return Ok(utf8_lossy(bytes, repairs));
    }
    // Declared single-byte encodings that are really UTF-8 are common (templates copied between
    // repositories); valid multi-byte UTF-8 sequences almost never occur in real Latin-1 text.
    if let Ok(text) = utf8(bytes) {
        if !text.is_ascii() {
            repairs.push(Repair::DeclaredEncodingWasUtf8 {
                declared: label.unwrap_or_default(),
            });
        }
        return Ok(Cow::Borrowed(text));
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    repairs.push(Repair::Transcoded {
        from: encoding.name(),
    });
    if had_errors {
        repairs.push(Repair::InvalidUtf8);
    }
    Ok(Cow::Owned(text.into_owned()))
}

fn utf8_lossy<'a>(bytes: &'a [u8], repairs: &mut Vec<Repair>) -> Cow<'a, str> {
    // Checking is much faster than `from_utf8_lossy` on the (usual) valid input.
    if let Ok(text) = utf8(bytes) {
        return Cow::Borrowed(text);
    }
    repairs.push(Repair::InvalidUtf8);
    String::from_utf8_lossy(bytes)
}

/// `bytes` as text if they are valid UTF-8, checked with SIMD (several times std's speed on
/// accented text; a whole page is checked).
fn utf8(bytes: &[u8]) -> Result<&str, simdutf8::basic::Utf8Error> {
    simdutf8::basic::from_utf8(bytes)
}

/// The `encoding` pseudo-attribute of the XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(256)];
    let head = std::str::from_utf8(head).unwrap_or_else(|e| {
        // Cut at the first non-UTF-8 byte: the declaration itself is ASCII.
        std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
    });
    let declaration = head.trim_start().strip_prefix("<?xml")?;
    let declaration = &declaration[..declaration.find("?>")?];
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

/// XML 1.0 `Char`: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn remove_invalid_xml_chars<'a>(text: Cow<'a, str>, repairs: &mut Vec<Repair>) -> Cow<'a, str> {
    // Fast path on bytes: C0 controls other than tab/LF/CR, and U+FFFE/U+FFFF (EF BF BE/BF).
    // Branch-free over fixed chunks so the compiler vectorises it.
    let bytes = text.as_bytes();
    let control = bytes.chunks(64).any(|chunk| {
        chunk.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != 0x9) & (b != 0xA) & (b != 0xD))
        })
    });
    let noncharacter = || {
        memchr::memmem::find_iter(bytes, b"\xEF\xBF")
            .any(|i| matches!(bytes.get(i + 2), Some(0xBE | 0xBF)))
    };
    let forbidden_reference = || {
        memchr::memmem::find_iter(bytes, b"&#")
            .any(|i| char_reference_at(&text[i..]).is_some_and(|(c, _)| !is_xml_char(c)))
    };
    if !control && !noncharacter() && !forbidden_reference() {
        return text;
    }
    let mut count = 0;
    let mut cleaned = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(c) = rest.chars().next() {
        // `&#6;` is as forbidden as a raw U+0006, and would make the stored XML ill-formed too.
        if c == '&'
            && let Some((referenced, length)) = char_reference_at(rest)
            && !is_xml_char(referenced)
        {
            count += 1;
            rest = &rest[length..];
            continue;
        }
        if is_xml_char(c) {
            cleaned.push(c);
        } else {
            count += 1;
        }
        rest = &rest[c.len_utf8()..];
    }
    repairs.push(Repair::InvalidXmlChars { count });
    Cow::Owned(cleaned)
}

/// The character a `&#N;` / `&#xN;` reference at the start of `text` stands for (`U+FFFD` stands
/// for values that are not characters at all), with the reference's length.
fn char_reference_at(text: &str) -> Option<(char, usize)> {
    let body = text.strip_prefix("&#")?;
    let end = body.find(';').filter(|end| *end <= 10)?;
    let digits = &body[..end];
    let value = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u32>().ok()?,
    };
    // Surrogates and out-of-range values are not characters: treat them as forbidden.
    let c = char::from_u32(value).unwrap_or('\u{0}');
    Some((c, 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_utf8_is_borrowed_without_repairs() {
        let decoded = decode("<?xml version=\"1.0\"?><a>é</a>".as_bytes(), None).unwrap();
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
        assert!(decoded.repairs.is_empty());
    }

    #[test]
    fn bom_and_control_chars_are_removed() {
        let decoded = decode(b"\xEF\xBB\xBF<a>x\x01y\x0Bz</a>", None).unwrap();
        assert_eq!(decoded.text, "<a>xyz</a>");
        assert!(decoded.repairs.contains(&Repair::ByteOrderMark));
        assert!(
            decoded
                .repairs
                .contains(&Repair::InvalidXmlChars { count: 2 })
        );
    }

    #[test]
    fn references_to_forbidden_characters_are_removed() {
        let decoded = decode(b"<a>x&#6;y&#x1F;z&#233;&#xD800;&#65;</a>", None).unwrap();
        assert_eq!(decoded.text, "<a>xyz&#233;&#65;</a>");
        assert!(
            decoded
                .repairs
                .contains(&Repair::InvalidXmlChars { count: 3 })
        );
    }

    #[test]
    fn latin1_declaration_is_honoured() {
        let decoded = decode(
            b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9t\xe9</a>",
            None,
        )
        .unwrap();
        assert!(decoded.text.ends_with("<a>été</a>"));
    }

    #[test]
    fn latin1_declaration_over_utf8_bytes_keeps_utf8() {
        let decoded = decode(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>été</a>".as_bytes(),
            None,
        )
        .unwrap();
        assert!(decoded.text.ends_with("<a>été</a>"));
    }

    #[test]
    fn undeclared_gzip_is_sniffed() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, b"<a>ok</a>").unwrap();
        let gz = encoder.finish().unwrap();
        let decoded = decode(&gz, None).unwrap();
        assert_eq!(decoded.text, "<a>ok</a>");
        assert_eq!(decoded.repairs, vec![Repair::UndeclaredGzip]);
    }

    /// Issue 18: 1 GiB of zeros gzipped is 1 MiB on the wire; it is refused at the cap, not
    /// inflated into memory.
    #[test]
    fn a_gzip_bomb_is_refused_at_the_cap() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(MAX_DOCUMENT_BYTES >> 20) + 1 {
            std::io::Write::write_all(&mut encoder, &zeros).unwrap();
        }
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 4 << 20);
        assert!(matches!(decode(&bomb, None), Err(DecodeError::TooLarge)));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let decoded = decode(b"<a>caf\xC2</a>", None).unwrap();
        assert!(decoded.repairs.contains(&Repair::InvalidUtf8));
        assert!(decoded.text.contains('\u{FFFD}'));
    }

    #[test]
    fn empty_body_is_an_error() {
        assert!(matches!(decode(b"  \n", None), Err(DecodeError::Empty)));
    }
}
