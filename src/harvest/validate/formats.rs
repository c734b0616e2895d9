//! ListMetadataFormats: oai_dc is offered (OAI-PMH requires it), and so is the format essor
//! would harvest; the richer thesis formats essor reads (ETD-MS, TEF, TEI) are noted.

use super::{Checks, Probe};
use crate::oai::OAI_NS;
use crate::xml::tree::parse_document;

/// Formats worth telling the repository manager about, by prefix or namespace: essor maps
/// ETD-MS and TEF to richer thesis records than Dublin Core gives.
const THESIS_FORMATS: &[(&str, &str)] = &[
    (
        "etdms",
        "ETD-MS (thesis metadata: degree, discipline, grantor)",
    ),
    ("tef", "TEF (theses.fr's thesis format)"),
    ("xml-tei", "TEI"),
    ("tei", "TEI"),
];

pub(super) async fn check(probe: &mut Probe, metadata_prefix: &str, checks: &mut Checks) {
    let answer = match probe.get(&[("verb", "ListMetadataFormats")]).await {
        Ok(answer) => answer,
        Err(reason) => {
            checks.warn(
                "formats.oai_dc",
                format!("ListMetadataFormats failed: {reason}"),
                "Answer ?verb=ListMetadataFormats (required by OAI-PMH).",
            );
            return;
        }
    };
    let prefixes = match prefixes_of(&answer.text) {
        Ok(prefixes) => prefixes,
        Err(reason) => {
            checks.warn(
                "formats.oai_dc",
                format!("ListMetadataFormats: {reason}"),
                "Answer ?verb=ListMetadataFormats with an OAI-PMH document listing your formats.",
            );
            return;
        }
    };
    let listed = prefixes.join(", ");
    if prefixes.iter().any(|p| p == "oai_dc") {
        checks.pass("formats.oai_dc", format!("formats offered: {listed}"));
    } else {
        checks.warn(
            "formats.oai_dc",
            format!("oai_dc is not among the formats offered ({listed})"),
            "Offer oai_dc: OAI-PMH requires it of every repository.",
        );
    }
    if metadata_prefix != "oai_dc" {
        if prefixes.iter().any(|p| p == metadata_prefix) {
            checks.pass("formats.requested", format!("{metadata_prefix} is offered"));
        } else {
            checks.error(
                "formats.requested",
                format!("{metadata_prefix} is not among the formats offered ({listed})"),
                "Register with a metadata_prefix the repository offers.",
            );
        }
    }
    let thesis_formats: Vec<String> = THESIS_FORMATS
        .iter()
        .filter(|(prefix, _)| {
            prefixes
                .iter()
                .any(|offered| offered.eq_ignore_ascii_case(prefix))
        })
        .map(|(prefix, name)| format!("{prefix}: {name}"))
        .collect();
    if !thesis_formats.is_empty() {
        checks.pass(
            "formats.thesis",
            format!(
                "also offered: {}; register with metadata_prefix set to it for richer thesis \
                 records",
                thesis_formats.join("; ")
            ),
        );
    }
}

/// The `metadataPrefix`es a ListMetadataFormats answer lists.
pub(super) fn prefixes_of(text: &str) -> Result<Vec<String>, String> {
    let root = parse_document(text).map_err(|error| error.to_string())?;
    if root.name != "OAI-PMH" || root.namespace != OAI_NS {
        return Err(format!("not an OAI-PMH answer (root <{}>)", root.name));
    }
    if let Some(error) = root.child(OAI_NS, "error") {
        return Err(format!(
            "OAI-PMH error {}: {}",
            error.attr("code").unwrap_or(""),
            error.deep_text().trim()
        ));
    }
    let list = root
        .child(OAI_NS, "ListMetadataFormats")
        .ok_or("no <ListMetadataFormats>")?;
    Ok(list
        .children_named(OAI_NS, "metadataFormat")
        .filter_map(|format| format.child(OAI_NS, "metadataPrefix"))
        .map(|prefix| prefix.deep_text().trim().to_owned())
        .collect())
}
