//! Reading JSON lines (one JSON object per line) into rows.
//!
//! There is no header line: the columns are the union of the top-level keys of every object,
//! in order of first appearance, which takes a first pass over the whole text. Both passes run
//! in parallel over chunks that end at a line break, one sink per chunk.
//!
//! Values keep their written form: a number is handed on as its exact text (`19.90` stays
//! `19.90`, `12345678901234567890` stays whole), never through `f64`.

use crate::ImportError;
use crate::source::{Cell, Header, RawRow, Rejected, RowSink, SinkFactory};
use kehu_domain::{Location, Reason};
use rayon::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// What the JSON lines reader found out about a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonlInfo {
    /// Physical lines, blank ones included.
    pub lines: u64,
    /// The 1-based line of the first object with a key (the header's location).
    pub header_line: u64,
}

/// Chunks are at least this large, so that small files are read by one thread.
const MIN_CHUNK_BYTES: usize = 1 << 20;

/// Reads JSON lines from already decoded text; `file` names it in errors.
///
/// Lines end at `\n`, `\r\n` or a lone `\r`; locations are physical 1-based lines, with the
/// byte offset of the line in `text`. The header's location is the line of the first object
/// that has a key. Each non-blank line must hold one JSON object: its values become cells —
/// strings [`Cell::Text`] (borrowed unless they contain escapes), numbers [`Cell::Text`] of the
/// number exactly as written, `true`/`false` [`Cell::Bool`], `null` and missing keys
/// [`Cell::Empty`], arrays [`Cell::Text`] of their JSON. Nested objects are flattened into
/// `outer.inner` columns (three levels; deeper ones are JSON text). Any other line (bad JSON,
/// an array, a number, an object with a repeated key) is sent as [`Rejected`] with
/// `invalid_json`; blank lines and objects without a non-blank value are sent as blanks.
///
/// Refuses the text with `empty_file` when it has no non-blank line, `header_not_found` when
/// no line is an object with a key, or whatever `prepare` returns.
///
/// # Example
///
/// ```
/// use kehu_domain::Location;
/// use kehu_ingest::read_jsonl;
/// use kehu_ingest::source::{RawRow, Rejected, RowSink, SinkFactory};
/// use std::path::Path;
///
/// /// Counts rows and blanks.
/// #[derive(Default)]
/// struct Count(usize, usize);
/// impl RowSink for Count {
///     fn row(&mut self, _: RawRow<'_>) { self.0 += 1 }
///     fn rejected(&mut self, _: Rejected) {}
///     fn blank(&mut self, _: Location) { self.1 += 1 }
/// }
/// struct Counting;
/// impl SinkFactory for Counting {
///     type Sink = Count;
///     fn sink(&self) -> Count { Count::default() }
/// }
///
/// let text = "{\"customer_id\":\"C1\",\"amount\":19.90}\n\n{\"customer_id\":\"C2\"}\n";
/// let (_, sinks, info) = read_jsonl(text, Path::new("orders.jsonl"), |header| {
///     assert_eq!(header.names, ["customer_id", "amount"]);
///     Ok(Counting)
/// })?;
/// assert_eq!(sinks.iter().map(|s| (s.0, s.1)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)), (2, 1));
/// assert_eq!(info.lines, 3);
/// # Ok::<(), kehu_ingest::ImportError>(())
/// ```
pub fn read_jsonl<F: SinkFactory>(
    text: &str,
    file: &Path,
    prepare: impl FnOnce(&Header) -> Result<F, ImportError>,
) -> Result<(F, Vec<F::Sink>, JsonlInfo), ImportError> {
    let target = (text.len() / (rayon::current_num_threads() * 4)).max(MIN_CHUNK_BYTES);
    read_chunked(text, file, target, prepare)
}

fn read_chunked<F: SinkFactory>(
    text: &str,
    file: &Path,
    target: usize,
    prepare: impl FnOnce(&Header) -> Result<F, ImportError>,
) -> Result<(F, Vec<F::Sink>, JsonlInfo), ImportError> {
    let start = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let chunks = split_chunks(text, start, target);
    let scans: Vec<ChunkScan> = chunks
        .par_iter()
        .map(|&(from, to)| scan_keys(text, from, to))
        .collect();

    let mut names: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut first_lines = Vec::with_capacity(scans.len());
    let mut lines: u64 = 0;
    let mut header_line = None;
    let mut any_content = false;
    for scan in &scans {
        first_lines.push(lines + 1);
        if header_line.is_none() {
            header_line = scan.first_key_line.map(|l| lines + l);
        }
        for key in &scan.keys {
            if seen.insert(key.clone()) {
                names.push(key.clone());
            }
        }
        lines += scan.lines;
        any_content |= scan.any_content;
    }
    let Some(header_line) = header_line else {
        return Err(if any_content {
            ImportError::new(file, Reason::HeaderNotFound, "no line holds a JSON object with a key")
                .hint("JSON lines files hold one object per line, such as {\"customer_id\": \"C1\", \"amount\": 19.9}", "JSON lines 文件每行一个对象，例如 {\"customer_id\": \"C1\", \"amount\": 19.9}")
        } else {
            ImportError::new(file, Reason::EmptyFile, "the file has no non-blank line")
        });
    };

    let header = Header {
        names,
        location: Location::Line { line: header_line },
    };
    let factory = prepare(&header)?;
    let columns: HashMap<&str, usize> = header
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let sinks = chunks
        .par_iter()
        .zip(first_lines.par_iter())
        .map(|(&(from, to), &first_line)| {
            let mut sink = factory.sink();
            send_chunk(text, from, to, first_line, &columns, &mut sink);
            sink
        })
        .collect();
    Ok((factory, sinks, JsonlInfo { lines, header_line }))
}

/// Byte ranges of roughly `target` bytes, each ending just after a `\n` (or at the end), so a
/// `\r\n` is never split and every chunk starts at a line.
fn split_chunks(text: &str, start: usize, target: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut from = start;
    while from < bytes.len() {
        let probe = from.saturating_add(target).min(bytes.len());
        let to = memchr::memchr(b'\n', &bytes[probe..]).map_or(bytes.len(), |i| probe + i + 1);
        chunks.push((from, to));
        from = to;
    }
    chunks
}

/// The lines of `text[from..to]`: (byte offset, line without its terminator).
fn lines(text: &str, from: usize, to: usize) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut pos = from;
    std::iter::from_fn(move || {
        if pos >= to {
            return None;
        }
        let start = pos;
        match memchr::memchr2(b'\n', b'\r', &bytes[pos..to]) {
            Some(i) => {
                let end = pos + i;
                pos = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
                    end + 2
                } else {
                    end + 1
                };
                // Both terminators are ASCII, so these are char boundaries.
                Some((start, &text[start..end]))
            }
            None => {
                pos = to;
                Some((start, &text[start..to]))
            }
        }
    })
}

struct ChunkScan {
    lines: u64,
    keys: Vec<String>,
    /// 1-based line within the chunk of the first object with a key.
    first_key_line: Option<u64>,
    any_content: bool,
}

fn scan_keys(text: &str, from: usize, to: usize) -> ChunkScan {
    let mut scan = ChunkScan {
        lines: 0,
        keys: Vec::new(),
        first_key_line: None,
        any_content: false,
    };
    let mut seen: HashSet<Cow<'_, str>> = HashSet::new();
    for (_, line) in lines(text, from, to) {
        scan.lines += 1;
        if line.trim().is_empty() {
            continue;
        }
        scan.any_content = true;
        let Ok(object) = parse_object(line) else {
            continue;
        };
        if !object.is_empty() && scan.first_key_line.is_none() {
            scan.first_key_line = Some(scan.lines);
        }
        for (key, _) in object {
            if !seen.contains(&key) {
                scan.keys.push(key.to_string());
                seen.insert(key);
            }
        }
    }
    scan
}

fn send_chunk(
    text: &str,
    from: usize,
    to: usize,
    first_line: u64,
    columns: &HashMap<&str, usize>,
    sink: &mut impl RowSink,
) {
    for (line_no, (offset, line)) in (first_line..).zip(lines(text, from, to)) {
        let location = Location::Line { line: line_no };
        if line.trim().is_empty() {
            sink.blank(location);
            continue;
        }
        let object = match parse_object(line) {
            Ok(object) => object,
            Err(message) => {
                sink.rejected(Rejected {
                    location,
                    byte_offset: Some(offset as u64),
                    reason: Reason::InvalidJson,
                    column_idx: None,
                    raw: line.to_string(),
                    message,
                });
                continue;
            }
        };
        let mut cells = vec![Cell::Empty; columns.len()];
        for (key, value) in object {
            if let Some(&i) = columns.get(key.as_ref()) {
                cells[i] = value_cell(value);
            }
        }
        if cells.iter().all(Cell::is_blank) {
            sink.blank(location);
            continue;
        }
        sink.row(RawRow {
            location,
            byte_offset: Some(offset as u64),
            cells,
            raw: Cow::Borrowed(line),
            reader_notes: vec![],
        });
    }
}

fn value_cell(value: &RawValue) -> Cell<'_> {
    let json = value.get();
    match json.as_bytes().first() {
        Some(b'"') => {
            let inner = &json[1..json.len() - 1];
            if inner.contains('\\') {
                serde_json::from_str::<String>(json).map_or_else(
                    |e| Cell::Error(format!("bad JSON string: {e}")),
                    |s| Cell::Text(Cow::Owned(s)),
                )
            } else {
                Cell::Text(Cow::Borrowed(inner))
            }
        }
        Some(b't') => Cell::Bool(true),
        Some(b'f') => Cell::Bool(false),
        Some(b'n') => Cell::Empty,
        // Numbers, arrays and objects: the JSON text itself.
        _ => Cell::Text(Cow::Borrowed(json)),
    }
}

type Object<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;

/// How deep nested objects are flattened into `outer.inner` columns.
const MAX_NESTING: usize = 3;

/// Parses a line as one JSON object, keeping key order and each value's raw text. Nested
/// objects are flattened, their keys joined with `.` (`{"customer": {"id": "C1"}}` gives
/// `customer.id`, as order exports from shop platforms nest the buyer), up to
/// [`MAX_NESTING`] levels; deeper ones and arrays stay JSON text.
fn parse_object(line: &str) -> Result<Object<'_>, String> {
    let mut object = Vec::new();
    flatten_into(line, None, 1, &mut object)?;
    if object.len() <= 16 {
        for (i, (key, _)) in object.iter().enumerate() {
            if object[..i].iter().any(|(k, _)| k == key) {
                return Err(format!("key `{key}` appears twice"));
            }
        }
    } else {
        let mut keys = HashSet::with_capacity(object.len());
        if let Some((key, _)) = object.iter().find(|(k, _)| !keys.insert(k.as_ref())) {
            return Err(format!("key `{key}` appears twice"));
        }
    }
    Ok(object)
}

/// Parses `text` as a JSON object and appends its values to `out`, the keys prefixed by
/// `prefix` and nested objects flattened below `depth` levels.
fn flatten_into<'a>(
    text: &'a str,
    prefix: Option<&str>,
    depth: usize,
    out: &mut Object<'a>,
) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let object = de
        .deserialize_map(ObjectVisitor)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    for (key, value) in object {
        let key = match prefix {
            Some(p) => Cow::Owned(format!("{p}.{key}")),
            None => key,
        };
        if depth < MAX_NESTING && value.get().starts_with('{') {
            flatten_into(value.get(), Some(&key), depth + 1, out)?;
        } else {
            out.push((key, value));
        }
    }
    Ok(())
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Object<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value: &'de RawValue = map.next_value()?;
            object.push((key, value));
        }
        Ok(object)
    }
}

/// A key borrowed from the line unless it holds escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What a reader sent, with cells made owned.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Event {
        Row {
            location: Location,
            cells: Vec<Cell<'static>>,
            raw: String,
        },
        Rejected(Reason, Location, String),
        Blank(Location),
    }

    /// A sink that records every call.
    #[derive(Debug, Default)]
    pub(crate) struct Recorder(pub(crate) Vec<Event>);

    impl RowSink for Recorder {
        fn row(&mut self, row: RawRow<'_>) {
            let cells = row
                .cells
                .into_iter()
                .map(|c| match c {
                    Cell::Text(t) => Cell::Text(Cow::Owned(t.into_owned())),
                    Cell::Empty => Cell::Empty,
                    Cell::Int(v) => Cell::Int(v),
                    Cell::Float(v) => Cell::Float(v),
                    Cell::Decimal { value, scale } => Cell::Decimal { value, scale },
                    Cell::Date(d) => Cell::Date(d),
                    Cell::DateTime(d) => Cell::DateTime(d),
                    Cell::Bool(b) => Cell::Bool(b),
                    Cell::Error(e) => Cell::Error(e),
                })
                .collect();
            self.0.push(Event::Row {
                location: row.location,
                cells,
                raw: row.raw.into_owned(),
            });
        }
        fn rejected(&mut self, rejected: Rejected) {
            self.0.push(Event::Rejected(
                rejected.reason,
                rejected.location,
                rejected.message,
            ));
        }
        fn blank(&mut self, location: Location) {
            self.0.push(Event::Blank(location));
        }
    }

    /// Makes [`Recorder`]s.
    #[derive(Debug)]
    pub(crate) struct Recording;

    impl SinkFactory for Recording {
        type Sink = Recorder;
        fn sink(&self) -> Recorder {
            Recorder::default()
        }
    }

    /// Every event of every sink, in order.
    pub(crate) fn events(sinks: Vec<Recorder>) -> Vec<Event> {
        sinks.into_iter().flat_map(|s| s.0).collect()
    }

    pub(crate) fn text(s: &str) -> Cell<'static> {
        Cell::Text(Cow::Owned(s.to_string()))
    }

    fn read(input: &str, target: usize) -> Result<(Header, Vec<Event>, JsonlInfo), ImportError> {
        let mut header = None;
        let (_, sinks, info) = read_chunked(input, Path::new("t.jsonl"), target, |h| {
            header = Some(h.clone());
            Ok(Recording)
        })?;
        Ok((header.expect("prepare was called"), events(sinks), info))
    }

    fn line(line: u64) -> Location {
        Location::Line { line }
    }

    #[test]
    fn numbers_keep_their_exact_text_and_keys_their_first_order() {
        let input = "{\"id\":\"C1\",\"amount\":19.90}\n{\"big\":12345678901234567890,\"id\":\"C2\",\"amount\":1e3}\n";
        let (header, events, info) = read(input, MIN_CHUNK_BYTES).expect("reads");
        assert_eq!(header.names, ["id", "amount", "big"]);
        assert_eq!(header.location, line(1));
        assert_eq!(
            info,
            JsonlInfo {
                lines: 2,
                header_line: 1
            }
        );
        assert_eq!(
            events,
            [
                Event::Row {
                    location: line(1),
                    cells: vec![text("C1"), text("19.90"), Cell::Empty],
                    raw: "{\"id\":\"C1\",\"amount\":19.90}".into()
                },
                Event::Row {
                    location: line(2),
                    cells: vec![text("C2"), text("1e3"), text("12345678901234567890")],
                    raw: "{\"big\":12345678901234567890,\"id\":\"C2\",\"amount\":1e3}".into()
                },
            ]
        );
    }

    #[test]
    fn values_of_every_json_type_become_cells() {
        let input = r#"{"s":"a\"b\u00e9","t":true,"f":false,"n":null,"arr":[1, 2],"obj":{"k":"v"},"esc\n":"plain"}"#;
        let (header, events, _) = read(input, MIN_CHUNK_BYTES).expect("reads");
        assert_eq!(header.names, ["s", "t", "f", "n", "arr", "obj.k", "esc\n"]);
        let Event::Row { cells, .. } = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(
            cells,
            &[
                text("a\"bé"),
                Cell::Bool(true),
                Cell::Bool(false),
                Cell::Empty,
                text("[1, 2]"),
                text("v"),
                text("plain")
            ]
        );
    }

    #[test]
    fn nested_objects_become_dotted_columns() {
        let input = concat!(
            r#"{"id":"O1","customer":{"id":"C1","address":{"city":"Hangzhou","geo":{"lat":30.2}}},"total_price":"12.50"}"#,
            "\n",
            r#"{"id":"O2","customer":{"id":"C2"},"total_price":"3.00","note":{}}"#,
            "\n",
            r#"{"customer.id":"C3","customer":{"id":"C4"}}"#,
        );
        let (header, events, _) = read(input, MIN_CHUNK_BYTES).expect("reads");
        assert_eq!(
            header.names,
            [
                "id",
                "customer.id",
                "customer.address.city",
                "customer.address.geo",
                "total_price"
            ]
        );
        let Event::Row { cells, .. } = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(cells[1], text("C1"));
        assert_eq!(cells[2], text("Hangzhou"));
        // Three levels deep at most: the fourth stays JSON text.
        assert_eq!(cells[3], text(r#"{"lat":30.2}"#));
        // A dotted key and a nested one naming the same column: the line is rejected.
        assert!(matches!(events[2], Event::Rejected { .. }), "{events:?}");
    }

    #[test]
    fn bad_lines_are_rejected_with_their_physical_line() {
        let input = "{\"id\":1}\n\n{\"id\":2,}\n[1,2]\n{\"id\":3}{\"id\":4}\n{\"id\":5,\"id\":6}\n   \n{}\n{\"id\":null}\n{\"id\":7}";
        let (_, events, info) = read(input, MIN_CHUNK_BYTES).expect("reads");
        assert_eq!(info.lines, 10);
        let kinds: Vec<(u64, &str)> = events
            .iter()
            .map(|e| match e {
                Event::Row { location, .. } => (location.ordinal(), "row"),
                Event::Rejected(r, location, _) => {
                    assert_eq!(*r, Reason::InvalidJson);
                    (location.ordinal(), "rejected")
                }
                Event::Blank(location) => (location.ordinal(), "blank"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (1, "row"),
                (2, "blank"),
                (3, "rejected"),
                (4, "rejected"),
                (5, "rejected"),
                (6, "rejected"),
                (7, "blank"),
                (8, "blank"),
                (9, "blank"),
                (10, "row")
            ]
        );
        let Event::Rejected(_, _, message) = &events[5] else {
            panic!()
        };
        assert!(message.contains("`id` appears twice"), "{message}");
        let Event::Rejected(_, _, message) = &events[3] else {
            panic!()
        };
        assert!(message.contains("expected a JSON object"), "{message}");
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let input = "\u{FEFF}{\"a\":\"x\"}\r\n\r\n{\"a\":\"y\"}\r{\"a\":\"z\"}\r\n";
        let (header, events, info) = read(input, MIN_CHUNK_BYTES).expect("reads");
        assert_eq!(header.names, ["a"]);
        assert_eq!(info.lines, 4);
        assert_eq!(
            events[0],
            Event::Row {
                location: line(1),
                cells: vec![text("x")],
                raw: "{\"a\":\"x\"}".into()
            }
        );
        assert_eq!(events[1], Event::Blank(line(2)));
        assert_eq!(
            events[2],
            Event::Row {
                location: line(3),
                cells: vec![text("y")],
                raw: "{\"a\":\"y\"}".into()
            }
        );
        assert_eq!(
            events[3],
            Event::Row {
                location: line(4),
                cells: vec![text("z")],
                raw: "{\"a\":\"z\"}".into()
            }
        );
    }

    #[test]
    fn chunked_reading_gives_the_same_rows_as_one_chunk() {
        let mut input = String::new();
        for i in 0..200 {
            match i % 7 {
                0 => input.push_str("\r\n"),
                3 => input.push_str("not json\n"),
                5 => input.push_str(&format!("{{\"late_{}\":{i}}}\r\n", i / 50)),
                _ => input.push_str(&format!("{{\"id\":\"C{i}\",\"n\":{i}.50}}\n")),
            }
        }
        let one = read(&input, usize::MAX / 2).expect("reads");
        let many = read(&input, 64).expect("reads");
        assert_eq!(one.0.names, many.0.names);
        assert_eq!(
            one.0.names,
            ["id", "n", "late_0", "late_1", "late_2", "late_3"]
        );
        assert_eq!(one.1, many.1);
        assert_eq!(one.2, many.2);
        assert_eq!(many.1.len(), 200);
    }

    #[test]
    fn empty_and_keyless_texts_are_refused() {
        let err = read("\n  \r\n", MIN_CHUNK_BYTES).expect_err("refused");
        assert_eq!(err.reason, Reason::EmptyFile);
        let err = read("[1]\n{}\nnope\n", MIN_CHUNK_BYTES).expect_err("refused");
        assert_eq!(err.reason, Reason::HeaderNotFound);
    }

    #[test]
    fn the_header_is_the_first_object_with_a_key() {
        let (header, _, info) = read("oops\n{}\n{\"a\":1}\n", MIN_CHUNK_BYTES).expect("reads");
        assert_eq!(header.location, line(3));
        assert_eq!(info.header_line, 3);
    }
}
