//! Reading delimited text: dialect sniffing, preamble and header detection, and parallel
//! parsing in chunks with exact physical line numbers.

use crate::csv_block::{BLOCK_RECORDS, SimpleRecords};
use crate::csv_tokenizer::{Dialect, Record, count_line_breaks, line_end};
use crate::error::ImportError;
use crate::mapping::alias_hits;
use crate::options::{EscapeStyle, ImportOptions};
use crate::source::{Cell, Header, RawRow, Rejected, RowSink, SinkFactory};
use kehu_domain::{Location, Reason};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::path::Path;

/// Records longer than this many bytes are quarantined (B15, DuckDB's default).
pub const MAX_RECORD_BYTES: usize = 2_000_000;
/// Fields longer than this many bytes are quarantined (B15).
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// A quoted field may span at most this many lines before it is taken as an unclosed quote.
const MAX_RECORD_LINES: u64 = 1000;
/// Chunks are at least this large, so that small files are read on one thread.
const MIN_CHUNK_BYTES: usize = 1 << 20;
const SNIFF_RECORDS: usize = 200;

/// What was found about a delimited file.
#[derive(Debug, Clone, Serialize)]
pub struct CsvInfo {
    /// The delimiter.
    pub delimiter: String,
    /// The quote character.
    pub quote: String,
    /// How quotes are escaped.
    pub escape: EscapeStyle,
    /// 1-based physical line of the header (0 without a header).
    pub header_line: u64,
    /// Lines before the header that were skipped (an export's title, date, …).
    pub preamble_lines: u64,
    /// `lf`, `crlf`, `cr` or `mixed`.
    pub line_endings: &'static str,
    /// Every line ends in a delimiter; the phantom empty last column was dropped.
    pub trailing_delimiter: bool,
}

/// Reads delimited text into sinks made by the factory that `prepare` returns.
pub fn read_csv<F: SinkFactory>(
    file: &Path,
    text: &str,
    invalid_lines: &[u64],
    options: &ImportOptions,
    prepare: impl FnOnce(&Header) -> Result<F, ImportError>,
) -> Result<(F, Vec<F::Sink>, CsvInfo), ImportError> {
    let bytes = text.as_bytes();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::new(
            file,
            Reason::EmptyFile,
            "the file has no content",
        ));
    }
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => sniff_delimiter(bytes, options.escape),
    };
    let dialect = Dialect {
        delimiter,
        quote: b'"',
        escape: options.escape,
    };
    if options.escape == EscapeStyle::Doubled
        && let Some(line) = backslash_escaped_quote(bytes, &dialect)
    {
        return Err(ImportError::new(file, Reason::AmbiguousEscape, "quotes inside quoted fields are escaped with backslashes (\\\")")
                .at(Location::Line { line })
                .hint("pass --escape backslash if the file comes from MySQL or PHP, or re-export with doubled quotes", "若文件来自 MySQL 或 PHP，请加 --escape backslash；或重新导出，引号用双写转义"));
    }
    let found = find_header(file, text, &dialect, options)?;
    let factory = prepare(&found.header)?;
    let expected = found.header.names.len();
    let sample_end = bytes.len().min(found.data_start + (1 << 16));
    let sample_lines = memchr::memchr_iter(b'\n', &bytes[found.data_start..sample_end])
        .count()
        .max(1);
    let mean_record_bytes = (sample_end - found.data_start) / sample_lines;
    let ctx = ChunkContext {
        text,
        dialect,
        expected,
        trailing: found.trailing_delimiter,
        invalid_lines,
        factory: &factory,
        mean_record_bytes,
    };

    let chunks = chunk_bounds(bytes, found.data_start, options.threads);
    let first_lines = chunk_first_lines(bytes, &chunks, found.data_first_line);
    let threads = options
        .threads
        .unwrap_or_else(rayon::current_num_threads)
        .max(1);
    let mut results: Vec<ChunkResult<F::Sink>> = if threads > 1 && chunks.len() > 1 {
        chunks
            .par_iter()
            .zip(first_lines.par_iter())
            .map(|(&(s, e), &l)| ctx.parse(s, e, l))
            .collect()
    } else {
        chunks
            .iter()
            .zip(&first_lines)
            .map(|(&(s, e), &l)| ctx.parse(s, e, l))
            .collect()
    };
    // A record that ran past its chunk's end (a quoted field holding line breaks) means the
    // next chunk started inside it: parse that chunk again from where the record ended.
    for k in 1..results.len() {
        let (next, line) = (results[k - 1].next, results[k - 1].next_line);
        if next != chunks[k].0 {
            let end = chunks[k].1.max(next);
            results[k] = ctx.parse(next, end, line);
        }
    }
    let info = CsvInfo {
        delimiter: if delimiter == b' ' {
            "whitespace".to_string()
        } else {
            (delimiter as char).to_string()
        },
        quote: "\"".into(),
        escape: options.escape,
        header_line: found.header_line,
        preamble_lines: found.preamble_lines,
        line_endings: line_endings(bytes),
        trailing_delimiter: found.trailing_delimiter,
    };
    let sinks = results.into_iter().map(|r| r.sink).collect();
    Ok((factory, sinks, info))
}

struct ChunkContext<'t, 'f, F> {
    text: &'t str,
    dialect: Dialect,
    expected: usize,
    trailing: bool,
    invalid_lines: &'t [u64],
    factory: &'f F,
    /// Mean length of the first records, to size buffers.
    mean_record_bytes: usize,
}

struct ChunkResult<S> {
    sink: S,
    next: usize,
    next_line: u64,
}

impl<F: SinkFactory> ChunkContext<'_, '_, F> {
    /// Parses the records that start in `[start, end)`; the last may run past `end`.
    fn parse(&self, start: usize, end: usize, first_line: u64) -> ChunkResult<F::Sink> {
        let bytes = self.text.as_bytes();
        let mut sink = self.factory.sink();
        sink.reserve((end.saturating_sub(start)) / self.mean_record_bytes.max(1));
        let mut record = Record::default();
        let mut pos = start;
        let mut line = first_line;
        let mut cells: Vec<Cell<'_>> = Vec::with_capacity(self.expected);
        let takes_blocks = sink.takes_text_blocks();
        let mut block = SimpleRecords::new(self.expected);
        while pos < end && pos < bytes.len() {
            self.dialect.parse_record(bytes, pos, &mut record);
            if takes_blocks && self.is_plain_structure(&record, line) {
                block.push(self.text, &record, line, pos);
                if block.len() >= BLOCK_RECORDS {
                    block.send(self.text, &mut sink);
                }
                (pos, line) = (record.next, line + 1);
                continue;
            }
            // Whatever this record gets comes after the block's rows.
            block.send(self.text, &mut sink);
            let location = Location::Line { line };
            let offset = Some(pos as u64);
            let first_line_end = line_end(bytes, pos);
            let one_line = |reason: Reason, message: String, column: Option<usize>| Rejected {
                location: location.clone(),
                byte_offset: offset,
                reason,
                column_idx: column,
                raw: self.text[pos..first_line_end].to_string(),
                message,
            };
            let bad_encoding = self.invalid_lines.binary_search(&line).is_ok()
                || (record.lines > 1
                    && self
                        .invalid_lines
                        .iter()
                        .any(|l| (line..line + record.lines).contains(l)));
            if bad_encoding {
                sink.rejected(one_line(
                    Reason::InvalidEncoding,
                    "bytes that are not valid UTF-8 on this line".into(),
                    None,
                ));
                (pos, line) = self.skip_line(pos, line);
                continue;
            }
            let multiline_field = record.fields.iter().position(|f| f.multiline);
            let count = self.field_count(&record);
            let swallowed = multiline_field.is_some()
                && (record.unterminated
                    || count != self.expected
                    || record.lines > MAX_RECORD_LINES
                    || self.embedded_lines_look_like_records(&record));
            if record.unterminated || swallowed {
                let column = multiline_field.or(Some(record.fields.len().saturating_sub(1)));
                sink.rejected(one_line(
                    Reason::UnterminatedQuote,
                    "a quoted field is not closed on this line; the next line is read as a new row"
                        .into(),
                    column,
                ));
                (pos, line) = self.skip_line(pos, line);
                continue;
            }
            let longest = record
                .fields
                .iter()
                .enumerate()
                .max_by_key(|(_, f)| f.end - f.start);
            let huge_field = longest
                .filter(|(_, f)| f.end - f.start > MAX_FIELD_BYTES)
                .map(|(i, _)| i);
            if record.content_end - record.start > MAX_RECORD_BYTES || huge_field.is_some() {
                let mut end = (pos + 200).min(bytes.len());
                while !self.text.is_char_boundary(end) {
                    end -= 1;
                }
                let message = format!(
                    "the row is {} bytes long (limits: {MAX_RECORD_BYTES} per row, {MAX_FIELD_BYTES} per field)",
                    record.content_end - record.start
                );
                sink.rejected(Rejected {
                    raw: self.text[pos..end].to_string(),
                    ..one_line(Reason::LineTooLong, message, huge_field)
                });
                (pos, line) = (record.next, line + record.lines);
                continue;
            }
            if let Some(c) = multiline_field.filter(|&c| !self.factory.allows_multiline(c)) {
                sink.rejected(Rejected {
                    raw: self.text[record.start..record.content_end].to_string(),
                    ..one_line(
                        Reason::NewlineInField,
                        "a line break inside a key or typed field".into(),
                        Some(c),
                    )
                });
                (pos, line) = (record.next, line + record.lines);
                continue;
            }
            let raw = &self.text[record.start..record.content_end];
            if count != self.expected {
                let (reason, message) = if count < self.expected {
                    (
                        Reason::MissingColumns,
                        format!("expected {} fields, found {count}", self.expected),
                    )
                } else {
                    (
                        Reason::TooManyColumns,
                        format!("expected {} fields, found {count}", self.expected),
                    )
                };
                if record.fields.iter().all(|f| f.start == f.end) {
                    sink.blank(location);
                } else {
                    sink.rejected(Rejected {
                        raw: raw.to_string(),
                        ..one_line(
                            reason,
                            message,
                            Some(count.min(self.expected).saturating_sub(1)),
                        )
                    });
                }
                (pos, line) = (record.next, line + record.lines);
                continue;
            }
            cells.clear();
            let mut notes = Vec::new();
            for f in record.fields.iter().take(self.expected) {
                if f.stray_quote && !notes.contains(&Reason::UnquotedQuote) {
                    notes.push(Reason::UnquotedQuote);
                }
                cells.push(if f.start == f.end {
                    Cell::Empty
                } else {
                    Cell::Text(self.dialect.field_text(self.text, f))
                });
            }
            let row_cells = std::mem::take(&mut cells);
            sink.row(RawRow {
                location,
                byte_offset: offset,
                cells: row_cells,
                raw: Cow::Borrowed(raw),
                reader_notes: notes,
            });
            (pos, line) = (record.next, line + record.lines);
        }
        block.send(self.text, &mut sink);
        ChunkResult {
            sink,
            next: pos,
            next_line: line,
        }
    }

    /// Whether `record`, found on `line`, passes every structural check below with nothing to
    /// note, so that it reaches the sink as a row of plain text cells: simple (see
    /// [`SimpleRecords::is_simple`]), the header's number of fields, within the length limits,
    /// on a line that decoded cleanly.
    fn is_plain_structure(&self, record: &Record, line: u64) -> bool {
        SimpleRecords::is_simple(record)
            && self.field_count(record) == self.expected
            && record.content_end - record.start <= MAX_RECORD_BYTES
            && record
                .fields
                .iter()
                .all(|f| f.end - f.start <= MAX_FIELD_BYTES)
            && self.invalid_lines.binary_search(&line).is_err()
    }

    /// Fields in the record, not counting a phantom empty field after a trailing delimiter.
    fn field_count(&self, record: &Record) -> usize {
        let n = record.fields.len();
        match record.fields.last() {
            Some(last) if self.trailing && n == self.expected + 1 && last.start == last.end => {
                self.expected
            }
            _ => n,
        }
    }

    /// B4/B5 guard: a quoted value whose inner lines each hold a full row's delimiters is a
    /// quote that was never closed, not a multi-line text.
    fn embedded_lines_look_like_records(&self, record: &Record) -> bool {
        if self.expected < 2 {
            return false;
        }
        let bytes = self.text.as_bytes();
        record.fields.iter().filter(|f| f.multiline).any(|f| {
            let inner = &bytes[f.start..f.end];
            inner.split(|&b| b == b'\n' || b == b'\r').skip(1).any(|l| {
                memchr::memchr_iter(self.dialect.delimiter, l).count() + 1 >= self.expected
            })
        })
    }

    /// Moves past the physical line starting at `pos`.
    fn skip_line(&self, pos: usize, line: u64) -> (usize, u64) {
        let bytes = self.text.as_bytes();
        let end = line_end(bytes, pos);
        (crate::csv_tokenizer::skip_terminator(bytes, end), line + 1)
    }
}

/// Splits `[data_start, len)` into chunks that end just after a line break.
fn chunk_bounds(bytes: &[u8], data_start: usize, threads: Option<usize>) -> Vec<(usize, usize)> {
    let len = bytes.len();
    let threads = threads.unwrap_or_else(rayon::current_num_threads).max(1);
    let target = ((len - data_start.min(len)) / (threads * 4)).max(MIN_CHUNK_BYTES);
    let mut bounds = Vec::new();
    let mut start = data_start;
    while start < len {
        let mut end = (start + target).min(len);
        if end < len {
            end = memchr::memchr(b'\n', &bytes[end..]).map_or(len, |i| end + i + 1);
        }
        bounds.push((start, end));
        start = end;
    }
    if bounds.is_empty() {
        bounds.push((len, len));
    }
    bounds
}

/// The physical line each chunk starts on.
fn chunk_first_lines(bytes: &[u8], chunks: &[(usize, usize)], first: u64) -> Vec<u64> {
    let breaks: Vec<u64> = chunks
        .par_iter()
        .map(|&(s, e)| count_line_breaks(&bytes[s..e]))
        .collect();
    let mut line = first;
    breaks
        .iter()
        .map(|b| {
            let l = line;
            line += b;
            l
        })
        .collect()
}

fn line_endings(bytes: &[u8]) -> &'static str {
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let crlf = memchr::memmem::find_iter(sample, b"\r\n").count();
    let lf = memchr::memchr_iter(b'\n', sample).count() - crlf;
    let cr = memchr::memchr_iter(b'\r', sample).count() - crlf;
    match (crlf > 0, lf > 0, cr > 0) {
        (true, false, false) => "crlf",
        (false, false, true) => "cr",
        (false, _, false) => "lf",
        _ => "mixed",
    }
}

/// Picks the delimiter among `,`, tab, `;`, `|` that splits the first records most
/// consistently into more than one field.
fn sniff_delimiter(bytes: &[u8], escape: EscapeStyle) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for &d in b",\t;|" {
        let dialect = Dialect {
            delimiter: d,
            quote: b'"',
            escape,
        };
        let mut counts: Vec<usize> = Vec::new();
        let mut record = Record::default();
        let mut pos = 0;
        while pos < bytes.len() && counts.len() < SNIFF_RECORDS {
            dialect.parse_record(bytes, pos, &mut record);
            if record.next <= pos {
                break;
            }
            if record.content_end > record.start {
                counts.push(record.fields.len());
            }
            pos = record.next;
        }
        let mode = mode_of(&counts);
        if mode < 2 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == mode).count();
        if (consistent, mode) > (best.1, best.2) {
            best = (d, consistent, mode);
        }
    }
    if best.2 < 2 && whitespace_aligned(bytes) {
        return b' ';
    }
    best.0
}

/// Whether the first lines split on runs of whitespace into the same number (≥ 2) of fields.
fn whitespace_aligned(bytes: &[u8]) -> bool {
    let counts: Vec<usize> = bytes
        .split(|&b| b == b'\n')
        .take(SNIFF_RECORDS)
        .map(|l| {
            l.split(|b| matches!(b, b' ' | b'\t' | b'\r'))
                .filter(|f| !f.is_empty())
                .count()
        })
        .filter(|&n| n > 0)
        .collect();
    let mode = mode_of(&counts);
    mode >= 2 && counts.iter().filter(|&&c| c == mode).count() * 10 >= counts.len() * 9
}

fn mode_of(counts: &[usize]) -> usize {
    let mut freq = std::collections::BTreeMap::new();
    for &c in counts {
        *freq.entry(c).or_insert(0usize) += 1;
    }
    freq.into_iter()
        .max_by_key(|&(c, n)| (n, c))
        .map_or(0, |(c, _)| c)
}

/// The first line (in the first records) where a quoted field holds `\"` followed by more
/// text: a backslash-escaped quote that RFC 4180 parsing would mis-split.
fn backslash_escaped_quote(bytes: &[u8], dialect: &Dialect) -> Option<u64> {
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let mut line = 1u64;
    let mut record = Record::default();
    let mut pos = 0;
    let mut n = 0;
    while pos < sample.len() && n < 10_000 {
        dialect.parse_record(sample, pos, &mut record);
        for f in &record.fields {
            let content = &sample[f.start.min(sample.len())..f.end.min(sample.len())];
            if (f.quoted || f.stray_quote) && memchr::memmem::find(content, b"\\\"").is_some() {
                return Some(line);
            }
        }
        if record.next <= pos {
            break;
        }
        line += record.lines;
        pos = record.next;
        n += 1;
    }
    None
}

struct FoundHeader {
    header: Header,
    header_line: u64,
    preamble_lines: u64,
    data_start: usize,
    data_first_line: u64,
    trailing_delimiter: bool,
}

/// Finds the header: after `skip_rows` records if given; otherwise the first record among the
/// first twenty that has the usual number of fields and reads like names rather than data,
/// preferring the one that names the most known fields (C1 preamble, C3, C7).
fn find_header(
    file: &Path,
    text: &str,
    dialect: &Dialect,
    options: &ImportOptions,
) -> Result<FoundHeader, ImportError> {
    let bytes = text.as_bytes();
    struct Candidate {
        start: usize,
        next: usize,
        line: u64,
        lines: u64,
        names: Vec<String>,
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut record = Record::default();
    let (mut pos, mut line) = (0usize, 1u64);
    while pos < bytes.len() && candidates.len() < 60 {
        dialect.parse_record(bytes, pos, &mut record);
        let names: Vec<String> = record
            .fields
            .iter()
            .map(|f| dialect.field_text(text, f).into_owned())
            .collect();
        if !names.iter().all(|n| n.trim().is_empty()) {
            candidates.push(Candidate {
                start: pos,
                next: record.next,
                line,
                lines: record.lines,
                names,
            });
        }
        if record.next <= pos {
            break;
        }
        line += record.lines;
        pos = record.next;
    }
    let Some(first) = candidates.first() else {
        return Err(ImportError::new(
            file,
            Reason::EmptyFile,
            "the file has no rows",
        ));
    };
    if !options.has_header {
        let width = mode_of(&candidates.iter().map(|c| c.names.len()).collect::<Vec<_>>());
        let names = (1..=width).map(|i| i.to_string()).collect();
        let start = candidates
            .get(options.skip_rows.unwrap_or(0))
            .map_or(first.start, |c| c.start);
        let data_first_line = candidates
            .get(options.skip_rows.unwrap_or(0))
            .map_or(first.line, |c| c.line);
        return Ok(FoundHeader {
            header: Header {
                names,
                location: Location::Line { line: 0 },
            },
            header_line: 0,
            preamble_lines: data_first_line - 1,
            data_start: start,
            data_first_line,
            trailing_delimiter: false,
        });
    }
    let chosen = if let Some(skip) = options.skip_rows {
        candidates.get(skip).ok_or_else(|| {
            ImportError::new(
                file,
                Reason::HeaderNotFound,
                format!("--skip-rows {skip} skips past the end of the file"),
            )
        })?
    } else {
        let width = if candidates.len() == 1 {
            candidates[0].names.len()
        } else {
            mode_of(
                &candidates
                    .iter()
                    .skip(1)
                    .map(|c| c.names.len())
                    .collect::<Vec<_>>(),
            )
            .max(1)
        };
        let plausible: Vec<&Candidate> = candidates
            .iter()
            .take(20)
            .filter(|c| {
                let n = c.names.len();
                let trailing_ok =
                    n == width + 1 && c.names.last().is_some_and(|l| l.trim().is_empty());
                (n == width || trailing_ok || (n == width - 1 && width > 1))
                    && reads_like_header(&c.names)
            })
            .collect();
        let best = plausible
            .iter()
            .max_by_key(|c| (alias_hits(&c.names), std::cmp::Reverse(c.line)))
            .copied();
        match best {
            Some(c) => c,
            None => {
                let first_names = candidates[0].names.join(", ");
                return Err(ImportError::new(
                    file,
                    Reason::HeaderNotFound,
                    format!("no header row was found; the first row is `{}` and looks like data", crate::quarantine::mask_snippet(&first_names)),
                )
                .at(Location::Line { line: candidates[0].line })
                .hint("if the file has no header, pass --no-header with --map field=<column number>; if the header is further down, pass --skip-rows N", "若文件没有表头，请加 --no-header 并用 --map 字段=<列号> 指定列；若表头在更下面的行，请加 --skip-rows N"));
            }
        }
    };
    let mut names = chosen.names.clone();
    // B3: every line ends in a delimiter, giving a phantom empty last column — on the header
    // and the data, or on the data only.
    let data: Vec<&Candidate> = candidates.iter().filter(|c| c.line > chosen.line).collect();
    let data_mode = mode_of(&data.iter().map(|c| c.names.len()).collect::<Vec<_>>());
    let header_trailing = names.len() > 1 && names.last().is_some_and(|l| l.trim().is_empty());
    let trailing_delimiter = if header_trailing {
        data.is_empty() || data_mode == names.len()
    } else {
        !data.is_empty()
            && data_mode == names.len() + 1
            && data
                .iter()
                .filter(|c| c.names.len() == data_mode)
                .all(|c| c.names.last().is_some_and(|l| l.is_empty()))
    };
    if trailing_delimiter && header_trailing {
        names.pop();
    }
    Ok(FoundHeader {
        header: Header {
            names,
            location: Location::Line { line: chosen.line },
        },
        header_line: chosen.line,
        preamble_lines: chosen.line - 1,
        data_start: chosen.next,
        data_first_line: chosen.line + chosen.lines,
        trailing_delimiter,
    })
}

/// A header row is mostly non-empty names that are not numbers or dates.
fn reads_like_header(names: &[String]) -> bool {
    let non_empty: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    if non_empty.len() * 2 < names.len() || non_empty.is_empty() {
        return false;
    }
    let data_like = non_empty
        .iter()
        .filter(|n| {
            let digits = n.chars().filter(|c| c.is_ascii_digit()).count();
            digits * 2 > n.chars().count()
        })
        .count();
    data_like * 3 <= non_empty.len()
}
