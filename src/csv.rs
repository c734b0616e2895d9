//! CSV files as catalogues publish them: bytes → text (UTF-8 with or without BOM, or
//! Windows-1252/Latin-1, sniffed unless declared), the delimiter sniffed from the header line
//! (`;`, `,`, tab, `|`), then RFC 4180 records: quoted fields with doubled quotes and line breaks
//! inside (RNCP's titles), CRLF or LF. Pure, no I/O.

use crate::map::RowValues;
use crate::source::TextEncoding;

/// A parsed file: its header and rows, each row with the line it starts on and its raw text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub delimiter: u8,
    pub encoding: TextEncoding,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// 1-based line of the row's first character.
    pub line: usize,
    pub cells: Vec<String>,
}

/// A row with its table's headers, for the field mapping.
pub struct NamedRow<'a> {
    pub headers: &'a [String],
    pub row: &'a Row,
}

impl RowValues for NamedRow<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| self.row.cells.get(i))
            .map(|v| vec![v.clone()])
            .unwrap_or_default()
    }
}

impl NamedRow<'_> {
    /// The row as a JSON object (header → cell, extra cells under `#n`; keys sorted): what is stored as the
    /// record's raw form and hashed to tell a changed row.
    pub fn to_json(&self) -> String {
        let mut object = serde_json::Map::new();
        for (index, cell) in self.row.cells.iter().enumerate() {
            let key = match self.headers.get(index) {
                Some(header) if !object.contains_key(header) => header.clone(),
                _ => format!("#{}", index + 1),
            };
            object.insert(key, serde_json::Value::String(cell.clone()));
        }
        serde_json::Value::Object(object).to_string()
    }
}

/// Bytes to text: a UTF-8 BOM is dropped; without a declared encoding, valid UTF-8 is UTF-8
/// and anything else is Windows-1252 (a superset of Latin-1's printable characters).
pub fn decode(bytes: &[u8], declared: Option<TextEncoding>) -> (String, TextEncoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let encoding = declared.unwrap_or(if std::str::from_utf8(bytes).is_ok() {
        TextEncoding::Utf8
    } else {
        TextEncoding::Windows1252
    });
    let text = match encoding {
        TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    };
    (text, encoding)
}

/// The delimiter of the header line: the most frequent of `;`, `,`, tab and `|` outside quotes.
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b';', b',', b'\t', b'|'];
    let mut quoted = false;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|c| *c == byte) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, count)| (**count, std::cmp::Reverse(*i)))
        .unwrap_or((0, &0));
    if *count == 0 { b',' } else { candidates[best] }
}

/// Reads a whole file. The first record is the header; blank lines are skipped.
pub fn parse(bytes: &[u8], declared: Option<TextEncoding>, delimiter: Option<u8>) -> Table {
    let (text, encoding) = decode(bytes, declared);
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    let mut records = records(&text, delimiter).into_iter();
    let headers = records
        .next()
        .map(|row| row.cells.into_iter().map(|h| h.trim().to_owned()).collect())
        .unwrap_or_default();
    let rows = records
        .filter(|row| !(row.cells.len() == 1 && row.cells[0].trim().is_empty()))
        .collect();
    Table {
        headers,
        rows,
        delimiter,
        encoding,
    }
}

/// Splits text into records of cells.
fn records(text: &str, delimiter: u8) -> Vec<Row> {
    let delimiter = char::from(delimiter);
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut line = 1;
    let mut row_line = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    cell.push('\n');
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            c if c == delimiter => cells.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                cells.push(std::mem::take(&mut cell));
                rows.push(Row {
                    line: row_line,
                    cells: std::mem::take(&mut cells),
                });
                line += 1;
                row_line = line;
            }
            _ => cell.push(c),
        }
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        rows.push(Row {
            line: row_line,
            cells,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_delimiters_quotes_and_line_breaks() {
        let table = parse(
            b"\xEF\xBB\xBFid;title\r\n1;\"a; b \"\"c\"\"\nd\"\r\n\r\n2;plain\n",
            None,
            None,
        );
        assert_eq!(table.headers, ["id", "title"]);
        assert_eq!(table.delimiter, b';');
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].cells, ["1", "a; b \"c\"\nd"]);
        assert_eq!(table.rows[1].line, 5);
        assert_eq!(table.rows[1].cells, ["2", "plain"]);
    }

    #[test]
    fn latin1_is_sniffed_and_declared_encodings_win() {
        let table = parse(
            b"id,titre\n1,\xC9conomie sociale \x96 solidaire\n",
            None,
            None,
        );
        assert_eq!(table.encoding, TextEncoding::Windows1252);
        assert_eq!(table.delimiter, b',');
        assert_eq!(table.rows[0].cells[1], "Économie sociale – solidaire");
        let utf8 = parse("id\tt\n1\tÉté\n".as_bytes(), Some(TextEncoding::Utf8), None);
        assert_eq!(utf8.encoding, TextEncoding::Utf8);
        assert_eq!(utf8.rows[0].cells, ["1", "Été"]);
    }

    #[test]
    fn rows_become_json_objects() {
        let table = parse(b"a;b\n1;2;3\n", None, None);
        let named = NamedRow {
            headers: &table.headers,
            row: &table.rows[0],
        };
        assert_eq!(named.to_json(), r##"{"#3":"3","a":"1","b":"2"}"##);
        assert_eq!(named.values("b"), ["2"]);
        assert!(named.values("c").is_empty());
    }

    /// Fuzzing (issue 18): CSV files mutated from real catalogue exports are read without a
    /// panic, sniffed or with a declared delimiter.
    #[test]
    fn fuzzed_csv_files_are_read_without_panicking() {
        let dir = crate::test_support::fixtures_dir().join("non-oai");
        let seeds: Vec<Vec<u8>> = [
            "ods-export-csv-fr-esr-parcoursup-2025-excerpt.csv",
            "onisep-ideo-formations-initiales-excerpt.csv",
            "rncp-export-fiches-csv-rome-excerpt.csv",
        ]
        .iter()
        .map(|name| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
        .chain([b"id;title\r\n1;\"a; b \"\"c\"\"\nd\"\r\n".to_vec()])
        .collect();
        let seeds: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        crate::test_support::fuzz("csv", &seeds, |bytes| {
            let _ = parse(bytes, None, None);
            let _ = parse(bytes, Some(TextEncoding::Windows1252), Some(b','));
        });
    }
}
