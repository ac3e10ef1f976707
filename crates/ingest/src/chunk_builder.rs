//! One chunk's worth of validated rows: Arrow column builders, the quarantine, and the counts.

use crate::canonical_schema::{arrow_type, canonical_schema};
use crate::date_text::DateOrder;
use crate::options::TableKind;
use crate::quarantine::QuarantineEntry;
use crate::row_validator::{Ambiguity, FieldProblem, RowNotes, ValidatorConfig, Value};
use crate::source::{Cell, RawRow, Rejected, RowSink};
use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder,
    StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use kehu_domain::{Location, Reason};
use std::collections::BTreeMap;
use std::sync::Arc;

/// At most this many examples of each warning are kept.
pub const WARNING_EXAMPLES: usize = 5;

/// Row counts of a chunk (and, summed, of a file).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RowCounts {
    /// Data rows seen, blank ones included.
    pub rows_seen: u64,
    /// Rows published.
    pub accepted: u64,
    /// Rows set aside.
    pub quarantined: u64,
    /// Blank rows skipped.
    pub skipped_blank: u64,
    /// Quarantined rows whose problem is malformed input (counted toward the refusal
    /// threshold), as opposed to missing values, duplicates or summary rows.
    pub malformed: u64,
}

/// Per-row facts the merge step needs, kept small: one per accepted row.
#[derive(Debug, Clone, Copy)]
pub struct AcceptedRow {
    /// Hash of the row's raw text, for exact duplicates.
    pub fingerprint: u128,
    /// Physical line (or sheet or Parquet row) of the row.
    pub ordinal: u64,
}

/// An accepted row that the whole file may still quarantine: an ambiguous date, or an amount
/// marked with a currency other than CNY. Rare, so kept apart.
#[derive(Debug, Clone)]
pub struct PendingRow {
    /// Index among the chunk's accepted rows.
    pub index: usize,
    /// The row's text, for the quarantine snippet.
    pub raw: String,
    /// Ambiguous dates of this row.
    pub ambiguous: Vec<Ambiguity>,
    /// Currency marker of the row's money fields.
    pub currency: Option<&'static str>,
    /// Source column of that marker.
    pub currency_column: Option<usize>,
}

/// A flagged (accepted) row, kept as an example for the report.
pub type Flagged = QuarantineEntry;

/// Collects one chunk of rows. Made by [`crate::row_validator::RowValidator`].
#[derive(Debug)]
pub struct ChunkBuilder {
    config: Arc<ValidatorConfig>,
    columns: Vec<ColumnBuilder>,
    is_refund: BooleanBuilder,
    source_line: UInt64Builder,
    /// Counts.
    pub counts: RowCounts,
    /// Quarantine entries, in row order.
    pub quarantine: Vec<QuarantineEntry>,
    /// Accepted rows, in order (parallel to the builders).
    pub accepted_rows: Vec<AcceptedRow>,
    /// Accepted rows still open to a whole-file decision, in row order.
    pub pending: Vec<PendingRow>,
    /// Accepted rows whose amounts were marked as CNY (¥, 元, RMB).
    pub cny_marked: u64,
    /// How this source names places; rows are located by ordinal against it.
    pub location_template: Option<Location>,
    /// Normalisations applied, by reason.
    pub normalised: BTreeMap<Reason, u64>,
    /// Warnings, by reason.
    pub warnings: BTreeMap<Reason, u64>,
    /// First examples of each warning.
    pub warning_examples: Vec<Flagged>,
    /// Unambiguous day-first and month-first dates seen.
    pub order_evidence: [u64; 2],
    values: Vec<Value<'static>>,
    problems: Vec<FieldProblem>,
}

#[derive(Debug)]
enum ColumnBuilder {
    Utf8(StringBuilder),
    Micros(TimestampMicrosecondBuilder),
    Days(Date32Builder),
    Decimal(Decimal128Builder),
    Float(Float64Builder),
}

impl ColumnBuilder {
    fn for_type(data_type: &DataType) -> Self {
        match data_type {
            DataType::Timestamp(..) => ColumnBuilder::Micros(TimestampMicrosecondBuilder::new()),
            DataType::Date32 => ColumnBuilder::Days(Date32Builder::new()),
            DataType::Decimal128(p, s) => ColumnBuilder::Decimal(
                Decimal128Builder::new()
                    .with_precision_and_scale(*p, *s)
                    .unwrap_or_default(),
            ),
            DataType::Float64 => ColumnBuilder::Float(Float64Builder::new()),
            _ => ColumnBuilder::Utf8(StringBuilder::new()),
        }
    }

    fn append(&mut self, value: &Value<'_>) {
        match (self, value) {
            (ColumnBuilder::Utf8(b), Value::Text(t)) => b.append_value(t),
            (ColumnBuilder::Micros(b), Value::Micros(m)) => b.append_value(*m),
            (ColumnBuilder::Days(b), Value::Days(d)) => b.append_value(*d),
            (ColumnBuilder::Decimal(b), Value::Decimal(d)) => b.append_value(*d),
            (ColumnBuilder::Float(b), Value::Float(f)) => b.append_value(*f),
            (ColumnBuilder::Utf8(b), _) => b.append_null(),
            (ColumnBuilder::Micros(b), _) => b.append_null(),
            (ColumnBuilder::Days(b), _) => b.append_null(),
            (ColumnBuilder::Decimal(b), _) => b.append_null(),
            (ColumnBuilder::Float(b), _) => b.append_null(),
        }
    }

    /// Makes room for `rows` values (strings: 16 bytes each, a guess that only saves copies).
    fn reserve(&mut self, rows: usize) {
        match self {
            ColumnBuilder::Utf8(b) if b.is_empty() => {
                *b = StringBuilder::with_capacity(rows, rows * 16);
            }
            ColumnBuilder::Micros(b) if b.is_empty() => {
                *b = TimestampMicrosecondBuilder::with_capacity(rows);
            }
            ColumnBuilder::Days(b) if b.is_empty() => *b = Date32Builder::with_capacity(rows),
            ColumnBuilder::Decimal(b) if b.is_empty() => {
                *b = Decimal128Builder::with_capacity(rows).with_data_type(crate::MONEY_TYPE);
            }
            ColumnBuilder::Float(b) if b.is_empty() => *b = Float64Builder::with_capacity(rows),
            _ => {}
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Utf8(b) => Arc::new(b.finish()),
            ColumnBuilder::Micros(b) => Arc::new(b.finish()),
            ColumnBuilder::Days(b) => Arc::new(b.finish()),
            ColumnBuilder::Decimal(b) => Arc::new(b.finish()),
            ColumnBuilder::Float(b) => Arc::new(b.finish()),
        }
    }
}

impl ChunkBuilder {
    pub(crate) fn new(config: Arc<ValidatorConfig>) -> Self {
        let columns = config
            .mapping
            .fields()
            .iter()
            .map(|f| ColumnBuilder::for_type(&arrow_type(f.ty)))
            .collect();
        ChunkBuilder {
            config,
            columns,
            is_refund: BooleanBuilder::new(),
            source_line: UInt64Builder::new(),
            counts: RowCounts::default(),
            quarantine: Vec::new(),
            accepted_rows: Vec::new(),
            pending: Vec::new(),
            cny_marked: 0,
            location_template: None,
            normalised: BTreeMap::new(),
            warnings: BTreeMap::new(),
            warning_examples: Vec::new(),
            order_evidence: [0, 0],
            values: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The location of a row of this chunk, from its ordinal.
    pub fn location_of(&self, ordinal: u64) -> Location {
        match &self.location_template {
            Some(Location::Cell { sheet, .. }) => Location::Cell {
                sheet: sheet.clone(),
                row: ordinal,
            },
            Some(Location::Row { .. }) => Location::Row { row: ordinal },
            _ => Location::Line { line: ordinal },
        }
    }

    /// The settings shared by all chunks.
    pub fn config(&self) -> &Arc<ValidatorConfig> {
        &self.config
    }

    /// The chunk's accepted rows as a batch of the canonical schema.
    pub fn finish_batch(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let kind = self.config.mapping.kind;
        let mut arrays: Vec<ArrayRef> =
            self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        if kind == TableKind::Transactions {
            arrays.push(Arc::new(self.is_refund.finish()));
        }
        arrays.push(Arc::new(self.source_line.finish()));
        RecordBatch::try_new(canonical_schema(kind), arrays)
    }

    fn quarantine_row(&mut self, row: &RawRow<'_>, problems: &[FieldProblem]) {
        self.counts.quarantined += 1;
        if problems.iter().any(|p| is_malformed(p.reason)) {
            self.counts.malformed += 1;
        }
        for p in problems {
            let column = p.column.map(|c| {
                (
                    c,
                    self.config.header.names.get(c).map_or("", String::as_str),
                )
            });
            let field = p.column.and_then(|c| self.config.mapping.field_of(c));
            self.quarantine.push(
                QuarantineEntry::new(
                    row.location.clone(),
                    row.byte_offset,
                    column,
                    p.reason,
                    &row.raw,
                    p.message.clone(),
                )
                .with_field(field),
            );
        }
    }

    fn flag(&mut self, reason: Reason, column: Option<usize>, row: &RawRow<'_>) {
        let count = self.warnings.entry(reason).or_insert(0);
        *count += 1;
        if *count as usize <= WARNING_EXAMPLES {
            let col = column.map(|c| {
                (
                    c,
                    self.config.header.names.get(c).map_or("", String::as_str),
                )
            });
            self.warning_examples.push(QuarantineEntry::new(
                row.location.clone(),
                row.byte_offset,
                col,
                reason,
                &row.raw,
                reason.describe(kehu_domain::Lang::En),
            ));
        }
    }
}

/// Problems of malformed input, counted toward the refusal threshold. Missing values,
/// duplicates, totals rows and repeated headers are facts about the data, not malformation.
pub fn is_malformed(reason: Reason) -> bool {
    !matches!(
        reason,
        Reason::MissingValue
            | Reason::DuplicateRow
            | Reason::SummaryRow
            | Reason::RepeatedHeader
            | Reason::ConflictingDuplicateKey
    )
}

impl RowSink for ChunkBuilder {
    fn row(&mut self, row: RawRow<'_>) {
        self.counts.rows_seen += 1;
        if row.cells.iter().all(Cell::is_blank) {
            self.counts.skipped_blank += 1;
            return;
        }
        if self.config.is_summary_row(&row.cells) {
            let p = FieldProblem {
                column: None,
                reason: Reason::SummaryRow,
                message: "a totals row, not a transaction".into(),
            };
            self.quarantine_row(&row, &[p]);
            return;
        }
        if self.config.is_repeated_header(&row.cells) {
            let p = FieldProblem {
                column: None,
                reason: Reason::RepeatedHeader,
                message: "the header row again".into(),
            };
            self.quarantine_row(&row, &[p]);
            return;
        }
        let mut notes = RowNotes::default();
        // The buffers are reused across rows; they only ever hold values borrowed from the
        // current row while it is processed.
        let mut values: Vec<Value<'_>> = std::mem::take(&mut self.values)
            .into_iter()
            .map(|_| Value::Null)
            .collect();
        let mut problems = std::mem::take(&mut self.problems);
        problems.clear();
        self.config
            .parse_row(&row.cells, &mut values, &mut notes, &mut problems);
        if !problems.is_empty() {
            self.quarantine_row(&row, &problems);
        } else {
            self.counts.accepted += 1;
            for (builder, value) in self.columns.iter_mut().zip(&values) {
                builder.append(value);
            }
            if self.config.mapping.kind == TableKind::Transactions {
                let amount = crate::fields::tx::AMOUNT;
                let negative = matches!(values[amount], Value::Decimal(d) if d < 0);
                self.is_refund.append_value(negative);
            }
            self.source_line.append_value(row.location.ordinal());
            let foreign = notes.currency.is_some_and(|c| c != "CNY");
            let mut skipped_symbol = false;
            for r in row.reader_notes.iter().chain(&notes.normalised) {
                if r.class() == kehu_domain::ReasonClass::Warning {
                    self.flag(*r, None, &row);
                } else if foreign && *r == Reason::CurrencySymbol && !skipped_symbol {
                    // Counted at the merge if the file turns out to be in this currency.
                    skipped_symbol = true;
                } else {
                    *self.normalised.entry(*r).or_insert(0) += 1;
                }
            }
            for (w, col) in &notes.warnings {
                self.flag(*w, *col, &row);
            }
            for e in &notes.evidence {
                self.order_evidence[usize::from(*e == DateOrder::MonthFirst)] += 1;
            }
            if self.location_template.is_none() {
                self.location_template = Some(row.location.clone());
            }
            if notes.currency == Some("CNY") {
                self.cny_marked += 1;
            }
            if !notes.ambiguous.is_empty() || notes.currency.is_some_and(|c| c != "CNY") {
                self.pending.push(PendingRow {
                    index: self.accepted_rows.len(),
                    raw: row.raw.to_string(),
                    ambiguous: notes.ambiguous,
                    currency: notes.currency,
                    currency_column: notes.currency_column,
                });
            }
            self.accepted_rows.push(AcceptedRow {
                fingerprint: xxhash_rust::xxh3::xxh3_128(row.raw.as_bytes()),
                ordinal: row.location.ordinal(),
            });
        }
        self.problems = problems;
        values.clear();
        self.values = values.into_iter().map(|_| Value::Null).collect();
    }

    fn rejected(&mut self, rejected: Rejected) {
        self.counts.rows_seen += 1;
        self.counts.quarantined += 1;
        if is_malformed(rejected.reason) {
            self.counts.malformed += 1;
        }
        let column = rejected.column_idx.map(|c| {
            (
                c,
                self.config.header.names.get(c).map_or("", String::as_str),
            )
        });
        let field = rejected
            .column_idx
            .and_then(|c| self.config.mapping.field_of(c));
        self.quarantine.push(
            QuarantineEntry::new(
                rejected.location,
                rejected.byte_offset,
                column,
                rejected.reason,
                &rejected.raw,
                rejected.message,
            )
            .with_field(field),
        );
    }

    fn reserve(&mut self, rows: usize) {
        // Sized once instead of doubling through the chunk (copies and page faults showed up
        // as a third of the import's time before).
        let rows = rows.min(1 << 24);
        if self.accepted_rows.is_empty() {
            self.accepted_rows.reserve(rows);
            for column in &mut self.columns {
                column.reserve(rows);
            }
            self.source_line = UInt64Builder::with_capacity(rows);
            self.is_refund = BooleanBuilder::with_capacity(rows);
        }
    }

    fn blank(&mut self, _location: Location) {
        self.counts.rows_seen += 1;
        self.counts.skipped_blank += 1;
    }
}
