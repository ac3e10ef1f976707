//! The seam between format readers and row validation.
//!
//! Every format reader (CSV, XLSX, Parquet, JSON lines) does the same three things:
//! it finds the header, hands it to `prepare` (which resolves the column mapping or refuses
//! the file), then streams every row it saw — as a [`RawRow`] of [`Cell`]s, as a structural
//! [`Rejected`] row, or as a blank — into one or more [`RowSink`]s. Readers that work in
//! parallel ask the consumer for one sink per chunk and return them in file order, so the
//! merged result does not depend on the number of threads.

use arrow::record_batch::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use kehu_domain::{Location, Reason};
use std::borrow::Cow;
use std::ops::Range;

/// One cell as the file holds it, before any interpretation by a field's parser.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// An empty cell (an empty CSV field, an empty spreadsheet cell, a JSON or Parquet null).
    Empty,
    /// Text, as written.
    Text(Cow<'a, str>),
    /// An integer from a typed source.
    Int(i64),
    /// A floating-point number from a typed source (spreadsheets store every number so).
    Float(f64),
    /// An exact decimal from a typed source: `value × 10^-scale`.
    Decimal {
        /// Unscaled value.
        value: i128,
        /// Decimal places.
        scale: i8,
    },
    /// A date from a typed source.
    Date(NaiveDate),
    /// A date and time from a typed source (no time zone: wall-clock time).
    DateTime(NaiveDateTime),
    /// A boolean.
    Bool(bool),
    /// A spreadsheet error value such as `#N/A`.
    Error(String),
}

impl Cell<'_> {
    /// True for an empty cell or text that is empty after trimming.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim_matches(|c: char| c.is_whitespace()).is_empty(),
            _ => false,
        }
    }

    /// A short text rendering used for snippets and duplicate fingerprints.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(t) => Cow::Borrowed(t.as_ref()),
            Cell::Int(i) => Cow::Owned(i.to_string()),
            Cell::Float(f) => Cow::Owned(f.to_string()),
            Cell::Decimal { value, scale } => Cow::Owned(format_decimal(*value, *scale)),
            Cell::Date(d) => Cow::Owned(d.to_string()),
            Cell::DateTime(dt) => Cow::Owned(dt.format("%Y-%m-%d %H:%M:%S").to_string()),
            Cell::Bool(b) => Cow::Owned(b.to_string()),
            Cell::Error(e) => Cow::Borrowed(e.as_str()),
        }
    }
}

fn format_decimal(value: i128, scale: i8) -> String {
    if scale <= 0 {
        return (value * 10i128.pow(u32::from(scale.unsigned_abs()))).to_string();
    }
    let digits = value.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, frac) = padded.split_at(padded.len() - scale);
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{whole}.{frac}")
}

/// The header of a source: column names as found (untrimmed), and where it was.
#[derive(Debug, Clone)]
pub struct Header {
    /// Column names in file order.
    pub names: Vec<String>,
    /// Where the header row is.
    pub location: Location,
}

/// A data row that is structurally sound: one cell per header column.
#[derive(Debug)]
pub struct RawRow<'a> {
    /// Where the row starts.
    pub location: Location,
    /// Byte offset of the row's start in the (decoded) file, when the format has one.
    pub byte_offset: Option<u64>,
    /// Exactly one cell per header column.
    pub cells: Vec<Cell<'a>>,
    /// Line or record text for the quarantine snippet (may be longer than 200 bytes; the
    /// quarantine truncates and masks it).
    pub raw: Cow<'a, str>,
    /// Normalisations the reader already applied to this row (for example a stripped
    /// phantom trailing delimiter).
    pub reader_notes: Vec<Reason>,
}

/// A row the reader could not split into the header's columns.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Where the row starts.
    pub location: Location,
    /// Byte offset of the row's start, when known.
    pub byte_offset: Option<u64>,
    /// The structural problem.
    pub reason: Reason,
    /// 0-based column where the problem is, when known.
    pub column_idx: Option<usize>,
    /// The raw text of the row.
    pub raw: String,
    /// What exactly is wrong, for people (English; the reason code carries the meaning).
    pub message: String,
}

/// Receives the rows of one chunk of a source, in file order.
pub trait RowSink: Send {
    /// A structurally sound row.
    fn row(&mut self, row: RawRow<'_>);
    /// A row that could not be split into columns.
    fn rejected(&mut self, rejected: Rejected);
    /// A blank line (or a line of only delimiters).
    fn blank(&mut self, location: Location);

    /// A hint that about `rows` rows are coming, so that buffers can be sized once.
    fn reserve(&mut self, rows: usize) {
        let _ = rows;
    }

    /// For a typed source (Parquet) whose batch columns are the header's: which rows of
    /// `batch` the sink would accept exactly as they are, with no note, so that the reader may
    /// hand them over with [`RowSink::plain_run`] instead of row by row. `None` (the default):
    /// every row goes through [`RowSink::row`].
    fn plain_rows(&mut self, batch: &RecordBatch) -> Option<Vec<bool>> {
        let _ = batch;
        None
    }

    /// Rows `rows` of `batch`, every one judged plain by [`RowSink::plain_rows`] and in file
    /// order with the other rows; `first` is where the first is (a Parquet row, a CSV line),
    /// the others following it one ordinal apart, and `fingerprints[k]` row `rows.start + k`'s
    /// duplicate fingerprint: a 128-bit hash, equal for identical rows (a hash of the `raw`
    /// text [`RowSink::row`] would have received, or of arrow's row format of its values).
    fn plain_run(
        &mut self,
        batch: &RecordBatch,
        rows: Range<usize>,
        first: Location,
        fingerprints: &[u128],
    ) {
        let _ = (batch, rows, first, fingerprints);
    }

    /// Whether a text source (CSV) should gather its simple records (one line, no quotes, the
    /// header's number of fields) into blocks for [`RowSink::typed_text_batch`]. `false` (the
    /// default): every record goes through [`RowSink::row`].
    fn takes_text_blocks(&self) -> bool {
        false
    }

    /// For a block of simple text records (every column `Utf8`, a cell per field, empty for an
    /// empty field): the same block with the columns the sink parses typed (money, dates) in
    /// their types, a cell null where the sink would not read its text plainly. The reader
    /// then proceeds as for a typed source: [`RowSink::plain_rows`] of the typed batch, plain
    /// runs through [`RowSink::plain_run`] (fingerprinted from their raw text, as the row path
    /// does), the other rows through [`RowSink::row`] with their text cells. `None`: every row
    /// of the block through [`RowSink::row`].
    fn typed_text_batch(&self, batch: &RecordBatch) -> Option<RecordBatch> {
        let _ = batch;
        None
    }
}

/// Makes sinks, one per chunk of the source. Shared between reader threads.
pub trait SinkFactory: Sync {
    /// The sink type.
    type Sink: RowSink;
    /// A new, empty sink.
    fn sink(&self) -> Self::Sink;

    /// Whether a value of this (0-based) column may span lines. Text readers quarantine a
    /// line break inside any other column (`newline_in_field`).
    fn allows_multiline(&self, column: usize) -> bool {
        let _ = column;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_render_exactly() {
        assert_eq!(format_decimal(1234, 2), "12.34");
        assert_eq!(format_decimal(-5, 2), "-0.05");
        assert_eq!(format_decimal(7, 0), "7");
        assert_eq!(format_decimal(7, -2), "700");
    }
}
