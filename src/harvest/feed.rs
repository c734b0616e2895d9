//! Harvesting an RSS 2.0 or Atom feed (told apart by the root element): observatories announce
//! their studies, panoramas and notes this way. The feed is fetched conditionally with the
//! validators of the last copy read (ETag / Last-Modified, kept as the source's watermark), so
//! an unchanged feed costs one 304. Each item becomes a JSON object of its elements (by local
//! name; an Atom `link` by its `href`, an `author` by its `name`, a `category` by its `term`)
//! and goes through the same mapping and commit path as JSON records; without `[fields]`, the
//! feed's usual elements are mapped. A feed lists only its latest items: one that falls out of
//! it is not a deletion.

use serde_json::{Map, Value};

use super::HarvestError;
use super::fetch::{Conditional, Validators};
use super::json::json_items_as;
use super::state::{Harvest, RunState};
use crate::oai::PageItem;
use crate::source::{FeedEndpoint, FieldMap, Source};
use crate::xml::Element;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// What a plain feed's elements mean, when the source maps nothing itself.
const RSS_FIELDS: &str = "title = \"title\"\nurl = \"link\"\ndate = \"pubDate\"\nabstract = \"description\"\nauthors = \"creator\"\nkeywords = \"category\"\n";
const ATOM_FIELDS: &str = "title = \"title\"\nurl = \"link\"\ndate = \"published\"\nmodified = \"updated\"\nabstract = \"summary\"\nauthors = \"author\"\nkeywords = \"category\"\n";

impl Harvest {
    pub(super) async fn harvest_feed(
        &self,
        feed: &FeedEndpoint,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        if let Some(path) = &feed.saved {
            self.begin(state, None, None).await?;
            let mut items = Vec::new();
            for file in super::saved::saved_files(path).await? {
                let bytes = super::saved::read_saved(&file).await?;
                let location = file.display().to_string();
                let (format, read) = read_feed(&bytes)
                    .map_err(|message| HarvestError::File { location, message })?;
                items.extend(feed_items(&self.source, feed, format, read));
            }
            return self.commit_rows(state, items, false).await;
        }
        let previous: Validators = match (&state.checkpoint.active, &state.checkpoint.watermark) {
            (None, Some(saved)) if !self.full => serde_json::from_str(saved).unwrap_or_default(),
            _ => Validators::default(),
        };
        let fetched = self
            .fetcher
            .fetch_conditional(&self.source, &feed.url, &state.count, &previous)
            .await?;
        let (body, validators) = match fetched {
            Conditional::NotModified => {
                let keep = state.checkpoint.watermark.clone();
                self.begin(state, None, keep).await?;
                tracing::info!(source = %self.source.id, "feed not modified since the last harvest");
                return Ok(());
            }
            Conditional::Fresh { body, validators } => (body, validators),
        };
        let until = (validators != Validators::default())
            .then(|| serde_json::to_string(&validators).unwrap_or_default());
        self.begin(state, None, until).await?;
        let location = feed.url.to_string();
        let (format, items) = tokio::task::spawn_blocking(move || read_feed(&body))
            .await
            .map_err(|e| HarvestError::Setup(e.to_string()))?
            .map_err(|message| HarvestError::File { location, message })?;
        let items = feed_items(&self.source, feed, format, items);
        self.commit_rows(state, items, false).await
    }
}

/// The feed's items through the source's `[fields]`, or a plain feed's usual elements.
pub(super) fn feed_items(
    source: &Source,
    feed: &FeedEndpoint,
    format: &'static str,
    items: Items,
) -> Vec<PageItem> {
    let id = feed.id.clone().unwrap_or_else(|| match format {
        "atom" => "id".into(),
        _ => "guid".into(),
    });
    let mut source = source.clone();
    if source.fields.rules.is_empty() {
        let defaults = if format == "atom" {
            ATOM_FIELDS
        } else {
            RSS_FIELDS
        };
        source.fields = default_fields(defaults);
    }
    // RSS items without a guid are known by their link.
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut item| {
            if feed.id.is_none()
                && format == "rss"
                && item.get("guid").is_none()
                && let Some(link) = item.get("link").cloned()
            {
                item.insert("guid".into(), link);
            }
            Value::Object(item)
        })
        .collect();
    json_items_as(&source, format, &id, &items)
}

fn default_fields(text: &str) -> FieldMap {
    text.parse::<toml::Table>()
        .ok()
        .and_then(|table| FieldMap::parse(&table).ok())
        .unwrap_or_default()
}

/// A feed's items, each as the JSON object of its elements.
pub(super) type Items = Vec<Map<String, Value>>;

/// The feed's format (`rss` or `atom`) and its items.
pub(super) fn read_feed(bytes: &[u8]) -> Result<(&'static str, Items), String> {
    let decoded = crate::xml::decode(bytes, None).map_err(|e| e.to_string())?;
    let root = crate::xml::parse_document(&decoded.text).map_err(|e| e.to_string())?;
    match (root.namespace.as_ref(), root.name.as_ref()) {
        (ATOM_NS, "feed") => Ok((
            "atom",
            root.children_named(ATOM_NS, "entry").map(item).collect(),
        )),
        (_, "rss") => {
            let channel = root
                .children
                .iter()
                .find(|c| c.name == "channel")
                .ok_or("an RSS feed without a channel")?;
            Ok((
                "rss",
                channel
                    .children
                    .iter()
                    .filter(|c| c.name == "item")
                    .map(item)
                    .collect(),
            ))
        }
        (namespace, name) => Err(format!(
            "neither RSS 2.0 nor Atom: root element {{{namespace}}}{name}"
        )),
    }
}

/// An item's child elements by local name; repeated ones become arrays.
fn item(element: &Element) -> Map<String, Value> {
    let mut object = Map::new();
    for child in &element.children {
        let value = match child.name.as_ref() {
            "link" => child
                .attr("href")
                .filter(|_| child.attr("rel").is_none_or(|r| r == "alternate"))
                .map(str::to_owned)
                .or_else(|| (child.attr("href").is_none()).then(|| child.deep_text())),
            "author" | "contributor" => child
                .children
                .iter()
                .find(|c| c.name == "name")
                .map(Element::deep_text)
                .or_else(|| Some(child.deep_text())),
            "category" => child
                .attr("term")
                .map(str::to_owned)
                .or_else(|| Some(child.deep_text())),
            _ => Some(child.deep_text()),
        };
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        match object.get_mut(child.name.as_ref()) {
            Some(Value::Array(values)) => values.push(Value::String(value)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(value)]);
            }
            None => {
                object.insert(child.name.to_string(), Value::String(value));
            }
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_and_atom_are_told_apart_by_their_root() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Obs</title>
<item><title>Panorama 2024</title><link>https://obs.example/p</link><dc:creator>CRESS</dc:creator><category>emploi</category><category>ESS</category><description><![CDATA[<p>Les chiffres</p>]]></description></item></channel></rss>"#;
        let (format, items) = read_feed(rss).unwrap();
        assert_eq!(format, "rss");
        assert_eq!(items[0]["title"], "Panorama 2024");
        assert_eq!(items[0]["creator"], "CRESS");
        assert_eq!(items[0]["category"], serde_json::json!(["emploi", "ESS"]));
        assert_eq!(items[0]["description"], "<p>Les chiffres</p>");
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Obs</title><entry><id>urn:x:1</id><title>Note</title><link rel="alternate" href="https://obs.example/n"/><link rel="enclosure" href="https://obs.example/n.pdf"/><author><name>ESS France</name></author><category term="conjoncture"/><published>2025-06-10T08:30:00Z</published></entry></feed>"#;
        let (format, items) = read_feed(atom).unwrap();
        assert_eq!(format, "atom");
        assert_eq!(items[0]["link"], "https://obs.example/n");
        assert_eq!(items[0]["author"], "ESS France");
        assert_eq!(items[0]["category"], "conjoncture");
        assert!(read_feed(b"<html><body/></html>").is_err());
        assert!(!default_fields(RSS_FIELDS).rules.is_empty());
        assert!(!default_fields(ATOM_FIELDS).rules.is_empty());
    }
}
