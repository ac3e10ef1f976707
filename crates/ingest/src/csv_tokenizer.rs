//! Splitting CSV text into records and fields, with physical line accounting.
//!
//! Hand-written instead of the `csv` crate because that crate is lenient by design in ways
//! that lose rows silently (INGEST-BAD-INPUTS 1.2): an unterminated quote in the last column
//! swallows the rest of the file without an error, and its line numbers drift after blank
//! lines and stay at 1 with CR-only line endings. Here every record knows the physical line it
//! starts on and how many lines it spans, and the caller decides what a line break inside a
//! quoted field means.

use crate::options::EscapeStyle;

/// One field of a record: a byte range of the text and how it was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct FieldSpan {
    /// Start of the content (inside the quotes when quoted).
    pub start: usize,
    /// End of the content (exclusive).
    pub end: usize,
    /// Written in quotes.
    pub quoted: bool,
    /// Contains escaped quotes (`""` or `\"`) that must be unescaped.
    pub escaped: bool,
    /// Contains a line break (only possible when quoted).
    pub multiline: bool,
    /// A quote character inside an unquoted field, or text after a closing quote.
    pub stray_quote: bool,
}

/// One record as the tokenizer found it.
#[derive(Debug, Default)]
pub struct Record {
    /// Byte offset of the record's first character.
    pub start: usize,
    /// End of the record's content, before its line terminator.
    pub content_end: usize,
    /// Offset just after the line terminator (where the next record starts).
    pub next: usize,
    /// Physical lines the record spans (1 unless a quoted field holds line breaks).
    pub lines: u64,
    /// The fields.
    pub fields: Vec<FieldSpan>,
    /// A quoted field ran to the end of the file without a closing quote.
    pub unterminated: bool,
}

/// The delimiter, quote and escape rules of a CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Field delimiter; a space means "runs of spaces and tabs" (whitespace-aligned text
    /// such as CDNOW_master.txt), where quotes are ordinary characters.
    pub delimiter: u8,
    /// Quote character.
    pub quote: u8,
    /// How quotes are escaped inside quoted fields.
    pub escape: EscapeStyle,
}

impl Dialect {
    /// Parses the record starting at `start` into `record` (reusing its field buffer).
    pub fn parse_record(&self, bytes: &[u8], start: usize, record: &mut Record) {
        if self.delimiter == b' ' {
            return parse_whitespace_record(bytes, start, record);
        }
        record.start = start;
        record.lines = 1;
        record.fields.clear();
        record.unterminated = false;
        let len = bytes.len();
        // A line without a quote (most lines) is split at its delimiters in one pass: the loop
        // below reads it the same way, field by field, at two searches a field.
        let line_end = memchr::memchr2(b'\n', b'\r', &bytes[start..]).map_or(len, |i| start + i);
        let line = &bytes[start..line_end];
        if memchr::memchr(self.quote, line).is_none() {
            let mut field_start = start;
            for i in memchr::memchr_iter(self.delimiter, line) {
                record.fields.push(FieldSpan {
                    start: field_start,
                    end: start + i,
                    ..FieldSpan::default()
                });
                field_start = start + i + 1;
            }
            record.fields.push(FieldSpan {
                start: field_start,
                end: line_end,
                ..FieldSpan::default()
            });
            record.content_end = line_end;
            record.next = skip_terminator(bytes, line_end);
            return;
        }
        let mut pos = start;
        loop {
            if pos < len && bytes[pos] == self.quote {
                let (field, after) = self.quoted_field(bytes, pos, &mut record.lines);
                record.fields.push(field);
                match after {
                    QuotedEnd::Closed(p) => pos = p,
                    QuotedEnd::Eof => {
                        record.unterminated = true;
                        record.content_end = len;
                        record.next = len;
                        return;
                    }
                }
            } else {
                let stop = memchr::memchr3(self.delimiter, b'\n', b'\r', &bytes[pos..])
                    .map_or(len, |i| pos + i);
                let stray_quote = memchr::memchr(self.quote, &bytes[pos..stop]).is_some();
                record.fields.push(FieldSpan {
                    start: pos,
                    end: stop,
                    stray_quote,
                    ..FieldSpan::default()
                });
                pos = stop;
            }
            // `pos` is now at a delimiter, a line break or the end.
            if pos < len && bytes[pos] == self.delimiter {
                pos += 1;
                continue;
            }
            record.content_end = pos;
            record.next = skip_terminator(bytes, pos);
            return;
        }
    }

    /// Parses a quoted field starting at the opening quote. Text between the closing quote and
    /// the next delimiter is kept in the field and flagged as a stray quote.
    fn quoted_field(&self, bytes: &[u8], open: usize, lines: &mut u64) -> (FieldSpan, QuotedEnd) {
        let len = bytes.len();
        let mut field = FieldSpan {
            start: open + 1,
            quoted: true,
            ..FieldSpan::default()
        };
        let mut pos = open + 1;
        let backslash = self.escape == EscapeStyle::Backslash;
        loop {
            let hit = if backslash {
                memchr::memchr3(self.quote, b'\\', b'\n', &bytes[pos..])
                    .or_else(|| memchr::memchr(b'\r', &bytes[pos..]))
            } else {
                memchr::memchr3(self.quote, b'\n', b'\r', &bytes[pos..])
            };
            let Some(i) = hit else {
                field.end = len;
                return (field, QuotedEnd::Eof);
            };
            // A bare `\r` may come before the hit when memchr3 was not given it.
            let i = if backslash {
                memchr::memchr(b'\r', &bytes[pos..pos + i]).unwrap_or(i)
            } else {
                i
            };
            pos += i;
            match bytes[pos] {
                b'\n' => {
                    field.multiline = true;
                    *lines += 1;
                    pos += 1;
                }
                b'\r' => {
                    field.multiline = true;
                    *lines += 1;
                    pos = skip_terminator(bytes, pos);
                }
                b'\\' if backslash => {
                    field.escaped = true;
                    pos = (pos + 2).min(len);
                }
                _ if bytes.get(pos + 1) == Some(&self.quote) => {
                    field.escaped = true;
                    pos += 2;
                }
                _ => {
                    field.end = pos;
                    pos += 1;
                    if pos < len
                        && !matches!(bytes[pos], b'\n' | b'\r')
                        && bytes[pos] != self.delimiter
                    {
                        // Text after the closing quote (`"ab"cd`): keep it, flag it.
                        let stop = memchr::memchr3(self.delimiter, b'\n', b'\r', &bytes[pos..])
                            .map_or(len, |j| pos + j);
                        field.start = open;
                        field.end = stop;
                        field.quoted = false;
                        field.escaped = false;
                        field.stray_quote = true;
                        pos = stop;
                    }
                    return (field, QuotedEnd::Closed(pos));
                }
            }
        }
    }

    /// The unescaped text of a field.
    pub fn field_text<'a>(&self, text: &'a str, field: &FieldSpan) -> std::borrow::Cow<'a, str> {
        let raw = &text[field.start..field.end];
        if !field.escaped {
            return std::borrow::Cow::Borrowed(raw);
        }
        let quote = self.quote as char;
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == quote && chars.peek() == Some(&quote) {
                chars.next();
                out.push(quote);
            } else if c == '\\' && self.escape == EscapeStyle::Backslash {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        std::borrow::Cow::Owned(out)
    }
}

/// Whitespace-separated fields: runs of spaces and tabs separate, leading and trailing ones
/// are ignored.
fn parse_whitespace_record(bytes: &[u8], start: usize, record: &mut Record) {
    record.start = start;
    record.lines = 1;
    record.fields.clear();
    record.unterminated = false;
    let end = line_end(bytes, start);
    let mut pos = start;
    loop {
        while pos < end && matches!(bytes[pos], b' ' | b'\t') {
            pos += 1;
        }
        if pos >= end {
            break;
        }
        let field_start = pos;
        while pos < end && !matches!(bytes[pos], b' ' | b'\t') {
            pos += 1;
        }
        record.fields.push(FieldSpan {
            start: field_start,
            end: pos,
            ..FieldSpan::default()
        });
    }
    if record.fields.is_empty() {
        record.fields.push(FieldSpan {
            start,
            end: start,
            ..FieldSpan::default()
        });
    }
    record.content_end = end;
    record.next = skip_terminator(bytes, end);
}

enum QuotedEnd {
    Closed(usize),
    Eof,
}

/// The offset after a line terminator at `pos` (`\r\n`, `\n` or `\r`), or `pos` at the end.
pub fn skip_terminator(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        Some(b'\r') if bytes.get(pos + 1) == Some(&b'\n') => pos + 2,
        Some(b'\r' | b'\n') => pos + 1,
        _ => pos,
    }
}

/// The end of the physical line that starts at `pos` (before its terminator).
pub fn line_end(bytes: &[u8], pos: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &bytes[pos..]).map_or(bytes.len(), |i| pos + i)
}

/// Counts physical lines in `bytes`: each `\n`, and each `\r` not followed by `\n`.
pub fn count_line_breaks(bytes: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count() as u64;
    newlines + lone_cr
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMA: Dialect = Dialect {
        delimiter: b',',
        quote: b'"',
        escape: EscapeStyle::Doubled,
    };

    fn fields(text: &str) -> (Vec<String>, Record) {
        let mut r = Record::default();
        COMMA.parse_record(text.as_bytes(), 0, &mut r);
        let f = r
            .fields
            .iter()
            .map(|f| COMMA.field_text(text, f).into_owned())
            .collect();
        (f, r)
    }

    #[test]
    fn plain_and_quoted_fields() {
        let (f, r) = fields("1,\"Zhang, San\",\"He said \"\"hi\"\"\"\n2,x,y");
        assert_eq!(f, vec!["1", "Zhang, San", "He said \"hi\""]);
        assert_eq!(r.next, 32);
        assert_eq!(r.lines, 1);
    }

    #[test]
    fn embedded_newline_counts_physical_lines() {
        let (f, r) = fields("1,\"Zhang\r\nSan\",3\r\nnext");
        assert_eq!(f, vec!["1", "Zhang\r\nSan", "3"]);
        assert_eq!(r.lines, 2);
        assert!(r.fields[1].multiline);
    }

    #[test]
    fn unterminated_quote_runs_to_end_and_says_so() {
        let (_, r) = fields("1,Zhang,\"10\n2,Li,20\n");
        assert!(r.unterminated);
    }

    #[test]
    fn stray_quote_in_unquoted_field_is_kept_and_flagged() {
        let (f, r) = fields("1,Zh\"ang,10");
        assert_eq!(f[1], "Zh\"ang");
        assert!(r.fields[1].stray_quote);
    }

    #[test]
    fn trailing_delimiter_gives_an_empty_last_field() {
        let (f, _) = fields("a,b,\n");
        assert_eq!(f, vec!["a", "b", ""]);
    }

    #[test]
    fn backslash_escapes_when_asked() {
        let d = Dialect {
            escape: EscapeStyle::Backslash,
            ..COMMA
        };
        let text = "1,\"He said \\\"hi\\\"\",2";
        let mut r = Record::default();
        d.parse_record(text.as_bytes(), 0, &mut r);
        assert_eq!(r.fields.len(), 3);
        assert_eq!(d.field_text(text, &r.fields[1]), "He said \"hi\"");
    }

    #[test]
    fn whitespace_aligned_text_splits_on_runs() {
        let d = Dialect {
            delimiter: b' ',
            ..COMMA
        };
        let text = "  00001 19970101  1   11.77\nnext";
        let mut r = Record::default();
        d.parse_record(text.as_bytes(), 0, &mut r);
        let f: Vec<String> = r
            .fields
            .iter()
            .map(|f| d.field_text(text, f).into_owned())
            .collect();
        assert_eq!(f, vec!["00001", "19970101", "1", "11.77"]);
        assert_eq!(&text[r.next..], "next");
    }

    #[test]
    fn line_breaks_are_counted_for_all_conventions() {
        assert_eq!(count_line_breaks(b"a\r\nb\rc\nd"), 3);
    }
}
