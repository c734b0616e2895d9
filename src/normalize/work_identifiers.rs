//! The identifiers of the work a record describes, gathered from everywhere records put them:
//! `dc:identifier`, OpenAIRE's alternative identifiers in relations, HAL's `dc:source` citation
//! and HAL's OAI identifier. Each one is read by [`Identifier::parse`].

use super::identifiers::{find_hal_in_text, find_nnt_in_text};
use super::{Context, IdKind, Identifier, IdentifierError, Problem, clean_text};
use crate::map::Record;

/// Identifiers of the work: `dc:identifier`s, OpenAIRE alternative identifiers in relations,
/// NNT and HAL ids in HAL's `dc:source`, and the HAL id in HAL's OAI identifier.
pub(super) fn identifiers(
    record: &Record,
    context: &Context<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<Identifier> {
    let mut found: Vec<Identifier> = Vec::new();
    let mut keep =
        |result: Result<Identifier, IdentifierError>, problems: &mut Vec<Problem>| match result {
            Ok(identifier) => {
                if !found.contains(&identifier) {
                    found.push(identifier);
                }
            }
            Err(IdentifierError::Unrecognised(_)) => {}
            Err(error) => problems.push(Problem::new("identifiers", error.to_string())),
        };
    for value in &record.identifiers {
        keep(Identifier::parse(value), problems);
    }
    for relation in &record.relations {
        let lower = relation.trim().to_ascii_lowercase();
        let Some(tail) = lower.strip_prefix("info:eu-repo/semantics/altidentifier/") else {
            continue;
        };
        let value = relation.trim()[relation.trim().len() - tail.len()..].to_owned();
        let (kind, rest) = value.split_once('/').unwrap_or(("", ""));
        let input = match kind.to_ascii_lowercase().as_str() {
            "doi" => format!("doi:{rest}"),
            "isbn" => format!("isbn:{rest}"),
            "handle" | "hdl" => format!("hdl:{rest}"),
            "urn" | "ark" | "url" => rest.to_owned(),
            _ => continue,
        };
        keep(Identifier::parse(&input), problems);
    }
    for source in &record.sources {
        let cleaned = clean_text(source);
        let from_url = cleaned
            .starts_with("http")
            .then(|| Identifier::parse(&cleaned).ok())
            .flatten()
            .filter(|id| matches!(id.kind, IdKind::Hal | IdKind::Nnt));
        for identifier in [
            find_nnt_in_text(&cleaned),
            find_hal_in_text(&cleaned),
            from_url,
        ]
        .into_iter()
        .flatten()
        {
            keep(Ok(identifier), problems);
        }
    }
    if context
        .identifier
        .to_ascii_lowercase()
        .starts_with("oai:hal:")
    {
        keep(Identifier::parse(context.identifier), problems);
    }
    found.sort_by_key(|id| id.kind);
    found
}
