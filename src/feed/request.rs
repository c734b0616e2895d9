//! An OAI-PMH request's arguments, checked as the protocol demands (section 3.1 and the error
//! table of section 3.6): the first problem found becomes the one `<error>` answered.

use crate::oai::{Datestamp, ErrorCode, OaiError};

fn bad_argument(message: impl Into<String>) -> OaiError {
    OaiError::new(ErrorCode::BadArgument, message)
}

/// A fresh ListIdentifiers/ListRecords request (no resumption token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListArgs {
    pub prefix: String,
    pub set: Option<String>,
    /// From the first second of a day given as a day.
    pub from: Option<Datestamp>,
    /// Up to the last second of a day given as a day.
    pub until: Option<Datestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Identify,
    ListMetadataFormats {
        identifier: Option<String>,
    },
    ListSets {
        token: Option<String>,
    },
    /// ListRecords (`records`) or ListIdentifiers.
    List {
        records: bool,
        args: ListArgs,
    },
    Resume {
        records: bool,
        token: String,
    },
    GetRecord {
        identifier: String,
        prefix: String,
    },
}

const ARGUMENTS: [&str; 7] = [
    "verb",
    "identifier",
    "metadataPrefix",
    "from",
    "until",
    "set",
    "resumptionToken",
];

/// Checks a request's arguments (in the order received, from the query or a form body).
pub fn parse(args: &[(String, String)]) -> Result<Request, OaiError> {
    let verbs: Vec<&str> = args
        .iter()
        .filter(|(k, _)| k == "verb")
        .map(|(_, v)| v.as_str())
        .collect();
    let verb = match verbs.as_slice() {
        [] => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                "the verb argument is missing",
            ));
        }
        [one] => *one,
        _ => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                "the verb argument is repeated",
            ));
        }
    };
    let (required, optional, exclusive): (&[&str], &[&str], Option<&str>) = match verb {
        "Identify" => (&[], &[], None),
        "ListMetadataFormats" => (&[], &["identifier"], None),
        "ListSets" => (&[], &[], Some("resumptionToken")),
        "ListIdentifiers" | "ListRecords" => (
            &["metadataPrefix"],
            &["from", "until", "set"],
            Some("resumptionToken"),
        ),
        "GetRecord" => (&["identifier", "metadataPrefix"], &[], None),
        other => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                format!("\"{other}\" is not an OAI-PMH verb"),
            ));
        }
    };
    let mut given: Vec<(&str, &str)> = Vec::new();
    for (key, value) in args.iter().filter(|(k, _)| k != "verb") {
        if given.iter().any(|(k, _)| k == key) {
            return Err(bad_argument(format!("the argument {key} is repeated")));
        }
        let allowed = required.contains(&key.as_str())
            || optional.contains(&key.as_str())
            || exclusive == Some(key.as_str());
        if !allowed {
            return Err(bad_argument(if ARGUMENTS.contains(&key.as_str()) {
                format!("{verb} does not take the argument {key}")
            } else {
                format!("\"{key}\" is not an OAI-PMH argument")
            }));
        }
        given.push((key, value));
    }
    let get = |name: &str| given.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    if let Some(token) = exclusive.and_then(get) {
        if given.len() > 1 {
            return Err(bad_argument(
                "resumptionToken is exclusive: send it without other arguments",
            ));
        }
        return Ok(match verb {
            "ListSets" => Request::ListSets {
                token: Some(token.to_owned()),
            },
            _ => Request::Resume {
                records: verb == "ListRecords",
                token: token.to_owned(),
            },
        });
    }
    for name in required {
        match get(name) {
            None => {
                return Err(bad_argument(format!("{verb} requires the argument {name}")));
            }
            Some("") => {
                return Err(bad_argument(format!("the argument {name} is empty")));
            }
            Some(_) => {}
        }
    }
    let owned = |name: &str| get(name).map(str::to_owned);
    Ok(match verb {
        "Identify" => Request::Identify,
        "ListMetadataFormats" => Request::ListMetadataFormats {
            identifier: owned("identifier"),
        },
        "ListSets" => Request::ListSets { token: None },
        "GetRecord" => Request::GetRecord {
            identifier: owned("identifier").unwrap_or_default(),
            prefix: owned("metadataPrefix").unwrap_or_default(),
        },
        _ => {
            let from = get("from").map(|v| parse_date(v, "from")).transpose()?;
            let until = get("until").map(|v| parse_date(v, "until")).transpose()?;
            if let (Some(from), Some(until)) = (from, until) {
                if from.granularity() != until.granularity() {
                    return Err(bad_argument(
                        "from and until must have the same granularity (both days or both seconds)",
                    ));
                }
                if from.first_second() > until.last_second() {
                    return Err(bad_argument("from is later than until"));
                }
            }
            Request::List {
                records: verb == "ListRecords",
                args: ListArgs {
                    prefix: owned("metadataPrefix").unwrap_or_default(),
                    set: owned("set"),
                    from,
                    until,
                },
            }
        }
    })
}

/// A `from` or `until` argument: `YYYY-MM-DD` (the whole day) or `YYYY-MM-DDThh:mm:ssZ`.
fn parse_date(value: &str, name: &str) -> Result<Datestamp, OaiError> {
    Datestamp::parse(value).ok_or_else(|| {
        bad_argument(format!(
            "{name} must be a date like 2024-01-31 or 2024-01-31T12:00:00Z, got \"{value}\""
        ))
    })
}

pub(super) fn unknown_id(identifier: &str) -> OaiError {
    OaiError::new(
        ErrorCode::IdDoesNotExist,
        format!("\"{identifier}\" is not an identifier of this repository"),
    )
}

pub(super) fn cannot_disseminate(prefix: &str) -> OaiError {
    OaiError::new(
        ErrorCode::CannotDisseminateFormat,
        format!(
            "metadataPrefix \"{prefix}\" is not offered; ListMetadataFormats lists oai_dc and etdms"
        ),
    )
}

pub(super) fn no_records() -> OaiError {
    OaiError::new(
        ErrorCode::NoRecordsMatch,
        "no record matches these arguments",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oai::Granularity;

    fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn code(pairs: &[(&str, &str)]) -> Option<ErrorCode> {
        parse(&args(pairs)).err().map(|e| e.code)
    }

    #[test]
    fn verbs() {
        assert_eq!(code(&[]), Some(ErrorCode::BadVerb));
        assert_eq!(code(&[("verb", "Frobnicate")]), Some(ErrorCode::BadVerb));
        assert_eq!(
            code(&[("verb", "Identify"), ("verb", "Identify")]),
            Some(ErrorCode::BadVerb)
        );
        assert_eq!(parse(&args(&[("verb", "Identify")])), Ok(Request::Identify));
    }

    #[test]
    fn arguments_illegal_repeated_missing() {
        assert_eq!(
            code(&[("verb", "Identify"), ("set", "x")]),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("foo", "x"),
                ("metadataPrefix", "oai_dc")
            ]),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("metadataPrefix", "oai_dc")
            ]),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[("verb", "ListRecords")]),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[("verb", "GetRecord"), ("metadataPrefix", "oai_dc")]),
            Some(ErrorCode::BadArgument)
        );
    }

    #[test]
    fn resumption_token_is_exclusive() {
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("resumptionToken", "abc"),
                ("metadataPrefix", "oai_dc")
            ]),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            parse(&args(&[
                ("verb", "ListIdentifiers"),
                ("resumptionToken", "abc")
            ])),
            Ok(Request::Resume {
                records: false,
                token: "abc".into()
            })
        );
    }

    #[test]
    fn dates_and_granularity() {
        let list = |from: &str, until: &str| {
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", from),
                ("until", until),
            ])
        };
        assert_eq!(list("2024-01-01", "2024-01-31"), None);
        assert_eq!(list("2024-01-01T00:00:00Z", "2024-01-31T10:00:00Z"), None);
        assert_eq!(
            list("2024-01-01", "2024-01-31T10:00:00Z"),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            list("2024-02-30", "2024-03-01"),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            list("2024-1-01", "2024-03-01"),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            list("2024-03-02", "2024-03-01"),
            Some(ErrorCode::BadArgument)
        );
        assert_eq!(
            list("2024-01-01T00:00:00", "2024-01-02T00:00:00"),
            Some(ErrorCode::BadArgument)
        );
        let Ok(Request::List { args, .. }) = parse(&args(&[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("until", "1970-01-01"),
        ])) else {
            panic!("valid request refused");
        };
        let until = args.until.expect("until was given");
        assert_eq!(until.granularity(), Granularity::Day);
        assert_eq!(until.last_second(), 86_399);
    }

    /// Fuzzing (issue 18): any query string is an OAI-PMH request or an OAI-PMH error, never a
    /// panic.
    #[test]
    fn fuzzed_query_strings_are_requests_or_oai_errors() {
        let seeds: &[&[u8]] = &[
            b"verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-12-31T23:59:59Z&set=type:THESE",
            b"verb=GetRecord&identifier=oai%3Aessor.local%3Aw123&metadataPrefix=oai_dc",
            b"verb=ListIdentifiers&resumptionToken=abc.def",
            b"verb=Identify",
            b"verb=ListSets&verb=ListSets",
        ];
        crate::test_support::fuzz("oai request", seeds, |bytes| {
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(bytes)
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect();
            let _ = parse(&pairs);
        });
    }
}
