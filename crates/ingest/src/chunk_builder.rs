//! One chunk's worth of validated rows: Arrow column builders, the quarantine, and the counts.

use crate::canonical_schema::arrow_type;
use crate::date_text::DateOrder;
use crate::options::TableKind;
use crate::ordinal_runs::OrdinalRuns;
use crate::plain_rows::{MICROS_PER_DAY, Source};
use crate::quarantine::QuarantineEntry;
use crate::row_validator::{Ambiguity, FieldProblem, RowNotes, ValidatorConfig, Value};
use crate::source::{Cell, RawRow, Rejected, RowSink};
use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanArray, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float64Builder, StringBuilder, TimestampMicrosecondBuilder, UInt64Array, UInt64Builder,
    new_null_array,
};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use kehu_domain::{Location, Money, Reason};
use std::collections::BTreeMap;
use std::ops::Range;
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

/// Null arrays of the fields a source has no column for, one per field for the whole import,
/// that every part takes slices of. A null array of its own per 64Ki-row part allocated and
/// zeroed ~65 bytes a row for the bench's file (three absent decimals, four strings and a
/// date): the kernel clearing those pages was up to 40% of the import's time.
#[derive(Debug, Default)]
pub(crate) struct SharedNulls(std::sync::Mutex<BTreeMap<usize, ArrayRef>>);

impl SharedNulls {
    /// `rows` nulls of field `field`, of type `data_type`.
    fn slice(&self, field: usize, data_type: &DataType, rows: usize) -> ArrayRef {
        let mut arrays = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let array = arrays
            .entry(field)
            .or_insert_with(|| new_null_array(data_type, rows));
        if array.len() < rows {
            *array = new_null_array(data_type, rows);
        }
        array.slice(0, rows)
    }
}

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
    /// Per accepted row, in order: a hash of its raw text or values, for exact duplicates.
    pub fingerprints: Vec<u128>,
    /// Per accepted row, in order: its physical line (or sheet or Parquet row), ascending.
    pub ordinals: OrdinalRuns,
    /// Accepted rows already made into batches, in order; the builders hold the rows after
    /// them.
    parts: Vec<RecordBatch>,
    /// Rows the builders are to be sized for at their first row (see `reserve`).
    reserve_hint: usize,
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
    /// A field the source has no column for: only nulls so far, counted, not stored. It
    /// becomes a real builder at its first value (a derived amount or order id), and a null
    /// array (zeroed memory, never touched) when finished: at 1e7 rows the six absent
    /// fields of the bench's seven-column transactions file held about 600 MB of nulls.
    Absent {
        data_type: DataType,
        rows: usize,
        reserve: usize,
    },
}

impl ColumnBuilder {
    fn absent(data_type: DataType) -> Self {
        ColumnBuilder::Absent {
            data_type,
            rows: 0,
            reserve: 0,
        }
    }

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
        if let ColumnBuilder::Absent {
            data_type,
            rows,
            reserve,
        } = self
        {
            if matches!(value, Value::Null) {
                *rows += 1;
                return;
            }
            let (nulls, reserve) = (*rows, *reserve);
            let data_type = data_type.clone();
            *self = ColumnBuilder::for_type(&data_type);
            self.reserve(reserve.max(nulls + 1));
            self.append_nulls(nulls);
        }
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
            (ColumnBuilder::Absent { rows, .. }, _) => *rows += 1,
        }
    }

    fn append_nulls(&mut self, n: usize) {
        match self {
            ColumnBuilder::Utf8(b) => b.append_nulls(n),
            ColumnBuilder::Micros(b) => b.append_nulls(n),
            ColumnBuilder::Days(b) => b.append_nulls(n),
            ColumnBuilder::Decimal(b) => b.append_nulls(n),
            ColumnBuilder::Float(b) => b.append_nulls(n),
            ColumnBuilder::Absent { rows, .. } => *rows += n,
        }
    }

    /// Appends rows `rows` of a column judged plain by [`crate::plain_rows::plain_rows`]:
    /// the values [`ValidatorConfig::parse_row`] would have made of them.
    fn extend_plain(&mut self, source: &Source<'_>, rows: Range<usize>) {
        match (self, source) {
            (ColumnBuilder::Utf8(b), Source::Text(t, _)) => {
                for i in rows {
                    b.append_value(t.value(i));
                }
            }
            (ColumnBuilder::Utf8(b), id @ Source::IntId(_)) => {
                for i in rows {
                    // Writing into the builder saves the String per row of `to_string`.
                    let _ = id.write_int(i, b);
                    b.append_value("");
                }
            }
            (ColumnBuilder::Decimal(b), Source::Decimal(a, scale)) => {
                for &v in &a.values()[rows] {
                    let units = Money::from_scaled(v, *scale).map_or(0, |(m, _)| m.units());
                    b.append_value(units);
                }
            }
            (ColumnBuilder::Micros(b), Source::Date32(a)) => {
                for &d in &a.values()[rows] {
                    b.append_value(i64::from(d) * MICROS_PER_DAY);
                }
            }
            (ColumnBuilder::Days(b), Source::Date32(a)) => b.append_slice(&a.values()[rows]),
            (ColumnBuilder::Micros(b), Source::Micros(a)) => b.append_slice(&a.values()[rows]),
            (builder, _) => builder.append_nulls(rows.len()),
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
            ColumnBuilder::Absent { reserve, .. } => *reserve = rows,
            _ => {}
        }
    }

    fn finish(&mut self, field: usize, nulls: &SharedNulls) -> ArrayRef {
        match self {
            ColumnBuilder::Utf8(b) => Arc::new(b.finish()),
            ColumnBuilder::Micros(b) => Arc::new(b.finish()),
            ColumnBuilder::Days(b) => Arc::new(b.finish()),
            ColumnBuilder::Decimal(b) => Arc::new(b.finish()),
            ColumnBuilder::Float(b) => Arc::new(b.finish()),
            ColumnBuilder::Absent {
                data_type, rows, ..
            } => nulls.slice(field, data_type, std::mem::take(rows)),
        }
    }
}

impl ChunkBuilder {
    pub(crate) fn new(config: Arc<ValidatorConfig>) -> Self {
        let mut columns: Vec<ColumnBuilder> = config
            .mapping
            .fields()
            .iter()
            .zip(&config.mapping.columns)
            .map(|(f, column)| match column {
                Some(_) => ColumnBuilder::for_type(&arrow_type(f.ty)),
                None => ColumnBuilder::absent(arrow_type(f.ty)),
            })
            .collect();
        // The extra attributes of a customers file, after the fields (as in `parse_row`).
        columns.extend(
            config
                .mapping
                .extras
                .iter()
                .map(|_| ColumnBuilder::for_type(&DataType::Utf8)),
        );
        ChunkBuilder {
            config,
            columns,
            is_refund: BooleanBuilder::new(),
            source_line: UInt64Builder::new(),
            counts: RowCounts::default(),
            quarantine: Vec::new(),
            fingerprints: Vec::new(),
            ordinals: OrdinalRuns::default(),
            parts: Vec::new(),
            reserve_hint: 0,
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

    /// Accepted rows so far.
    pub fn accepted_len(&self) -> usize {
        self.ordinals.len()
    }

    /// The chunk's accepted rows as batches of the canonical schema, in order, none empty.
    pub fn finish_batches(&mut self) -> Result<Vec<RecordBatch>, arrow::error::ArrowError> {
        self.flush_builders()?;
        Ok(std::mem::take(&mut self.parts))
    }

    /// Makes the rows in the builders a part (when there are any).
    fn flush_builders(&mut self) -> Result<(), arrow::error::ArrowError> {
        if self.source_line.is_empty() {
            return Ok(());
        }
        let kind = self.config.mapping.kind;
        let nulls = &self.config.shared_nulls;
        let mut arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .enumerate()
            .map(|(field, c)| c.finish(field, nulls))
            .collect();
        // The schema's order: the fields, the derived columns, then the extra attributes.
        let extras = arrays.split_off(self.config.mapping.fields().len());
        if kind == TableKind::Transactions {
            arrays.push(Arc::new(self.is_refund.finish()));
        }
        arrays.push(Arc::new(self.source_line.finish()));
        arrays.extend(extras);
        self.parts
            .push(RecordBatch::try_new(self.config.schema.clone(), arrays)?);
        Ok(())
    }

    /// Sizes the builders once, at their first row, for the rows `reserve` announced (copies
    /// and page faults of doubling showed up as a third of the import's time before); a chunk
    /// whose rows all arrive as whole plain batches never allocates them.
    fn reserve_builders(&mut self) {
        let rows = std::mem::take(&mut self.reserve_hint);
        if rows > 0 && self.source_line.is_empty() {
            for column in &mut self.columns {
                column.reserve(rows);
            }
            self.source_line = UInt64Builder::with_capacity(rows);
            self.is_refund = BooleanBuilder::with_capacity(rows);
        }
    }

    /// Whole plain batch `batch` as a part of canonical columns made straight from its arrays
    /// (strings shared, not copied); `None` when a mapped column is not of a shape
    /// [`Source::canonical_array`] takes whole.
    fn direct_part(
        &self,
        batch: &RecordBatch,
        first_ordinal: u64,
    ) -> Result<Option<RecordBatch>, arrow::error::ArrowError> {
        let config = &self.config;
        let mapping = &config.mapping;
        let n = batch.num_rows();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(mapping.fields().len() + 2);
        for (field, (spec, column)) in mapping.fields().iter().zip(&mapping.columns).enumerate() {
            let target = arrow_type(spec.ty);
            let array = match column {
                None => config.shared_nulls.slice(field, &target, n),
                Some(c) => {
                    let array = batch.column(*c);
                    let source = Source::of(spec, array.as_ref());
                    match source.and_then(|s| s.canonical_array(array, &target).transpose()) {
                        Some(array) => array?,
                        None => return Ok(None),
                    }
                }
            };
            arrays.push(array);
        }
        if mapping.kind == TableKind::Transactions {
            // Plain rows have no negative amount (a refund is noted, so it takes the row path).
            arrays.push(Arc::new(BooleanArray::new(
                BooleanBuffer::new_unset(n),
                None,
            )));
        }
        let lines = first_ordinal..first_ordinal + n as u64;
        arrays.push(Arc::new(UInt64Array::from_iter_values(lines)));
        RecordBatch::try_new(config.schema.clone(), arrays).map(Some)
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
            self.reserve_builders();
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
                    index: self.accepted_len(),
                    raw: row.raw.to_string(),
                    ambiguous: notes.ambiguous,
                    currency: notes.currency,
                    currency_column: notes.currency_column,
                });
            }
            self.fingerprints
                .push(xxhash_rust::xxh3::xxh3_128(row.raw.as_bytes()));
            self.ordinals.push(row.location.ordinal());
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
        let rows = rows.min(1 << 24);
        if self.ordinals.is_empty() {
            self.fingerprints.reserve(rows);
            self.reserve_hint = rows;
        }
    }

    fn plain_rows(&mut self, batch: &RecordBatch) -> Option<Vec<bool>> {
        crate::plain_rows::plain_rows(&self.config, batch)
    }

    fn takes_text_blocks(&self) -> bool {
        crate::plain_rows::takes_text_blocks(&self.config)
    }

    fn typed_text_batch(&self, batch: &RecordBatch) -> Option<RecordBatch> {
        crate::plain_rows::typed_text_batch(&self.config, batch)
    }

    fn plain_run(
        &mut self,
        batch: &RecordBatch,
        rows: Range<usize>,
        first: Location,
        fingerprints: &[u128],
    ) {
        let first_ordinal = first.ordinal();
        let n = rows.len();
        let config = Arc::clone(&self.config);
        let mapping = &config.mapping;
        let ordinals = first_ordinal..first_ordinal + n as u64;
        self.fingerprints.extend_from_slice(&fingerprints[..n]);
        self.ordinals.push_run(first_ordinal, n);
        if n > 0 && self.location_template.is_none() {
            self.location_template = Some(first);
        }
        self.counts.rows_seen += n as u64;
        self.counts.accepted += n as u64;
        // A whole batch of plain rows becomes a part of its own, its arrays shared; an
        // error here can only be an internal one (the arrays were checked plain), and it
        // leaves the rows to the builders.
        if rows == (0..batch.num_rows())
            && self.flush_builders().is_ok()
            && let Ok(Some(part)) = self.direct_part(batch, first_ordinal)
        {
            self.parts.push(part);
            return;
        }
        self.reserve_builders();
        for ((builder, spec), column) in self
            .columns
            .iter_mut()
            .zip(mapping.fields())
            .zip(&mapping.columns)
        {
            let source = column.and_then(|c| Source::of(spec, batch.column(c).as_ref()));
            match source {
                Some(source) => builder.extend_plain(&source, rows.clone()),
                None => builder.append_nulls(n),
            }
        }
        if mapping.kind == TableKind::Transactions {
            // Plain rows have no negative amount (a refund is noted, so it takes the row path).
            self.is_refund.append_n(n, false);
        }
        for ordinal in ordinals {
            self.source_line.append_value(ordinal);
        }
    }

    fn blank(&mut self, _location: Location) {
        self.counts.rows_seen += 1;
        self.counts.skipped_blank += 1;
    }
}
