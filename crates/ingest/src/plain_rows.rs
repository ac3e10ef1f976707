//! Column-wise intake of typed batches (Parquet): the rows that row validation would accept
//! unchanged, with no note, found and appended a column at a time.
//!
//! Row validation ([`crate::row_validator`]) turns every cell into a [`crate::source::Cell`],
//! runs the field's parser and appends the value through an enum; on a typed Parquet file that
//! per-row work was most of the import (1e7 rows: 4.3 s of which decoding was under 0.4 s).
//! Here a batch is judged column by column with the *same* parsers and checks, and a row is
//! *plain* only when every one of them would pass it untouched: every mapped cell non-null,
//! text that its parser returns as it is (no trimming, no normalisation, no warning), decimals
//! that scale to [`kehu_domain::Money`] exactly, dates inside the plausible range, and no cell
//! that makes it a totals row or a repeated header. Plain rows are appended in bulk; every other
//! row still takes the row path, in file order, so the import's result (values, counts,
//! quarantine, notes) is the same as before, row for row.
//!
//! Only the shapes below are taken column-wise; a batch with any other mapped column type
//! (times stamps with units, floats, binary, dictionaries, …) is left wholly to the row path.

use crate::fields::{FieldSpec, FieldType, header_matches};
use crate::options::TableKind;
use crate::row_validator::ValidatorConfig;
use crate::text_value::{
    MAX_FREE_TEXT, MAX_SHORT_TEXT, TextValue, parse_free_text, parse_id, parse_label,
};
use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, LargeStringArray, StringArray,
    StringViewArray, TimestampMicrosecondArray,
};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Field, Int8Type, Int16Type, Int32Type, Int64Type, Schema, TimeUnit, UInt8Type,
    UInt16Type, UInt32Type,
};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use kehu_domain::{Money, Reason};
use std::borrow::Cow;
use std::sync::Arc;

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
/// Microseconds in a day.
pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The strings of a string column, whatever its offsets.
#[derive(Clone, Copy)]
pub(crate) enum Texts<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
}

impl<'a> Texts<'a> {
    pub(crate) fn of(array: &'a dyn Array) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Utf8 => Texts::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Texts::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Texts::Utf8View(array.as_string_view()),
            _ => return None,
        })
    }

    /// The bytes of all values, where the array keeps them in one buffer.
    fn all_bytes(&self) -> Option<&'a [u8]> {
        fn between<'x, O: arrow::array::OffsetSizeTrait>(
            offsets: &[O],
            data: &'x [u8],
        ) -> Option<&'x [u8]> {
            let (first, last) = (offsets.first()?.as_usize(), offsets.last()?.as_usize());
            data.get(first..last)
        }
        match self {
            Texts::Utf8(a) => between(a.value_offsets(), a.value_data()),
            Texts::LargeUtf8(a) => between(a.value_offsets(), a.value_data()),
            Texts::Utf8View(_) => None,
        }
    }

    pub(crate) fn value(&self, i: usize) -> &'a str {
        match self {
            Texts::Utf8(a) => a.value(i),
            Texts::LargeUtf8(a) => a.value(i),
            Texts::Utf8View(a) => a.value(i),
        }
    }
}

/// How one mapped column is taken column-wise: the pairs of field type and Arrow type that
/// [`crate::row_validator::ValidatorConfig::parse_row`] turns into a value with no note.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// Text kept as it is by its parser.
    Text(Texts<'a>, TextKind),
    /// An integer id: its decimal digits (`Cell::Int` → `i.to_string()`).
    IntId(&'a dyn Array),
    /// An exact decimal, in money units.
    Decimal(&'a Decimal128Array, i8),
    /// A date: days for a date field, midnight for a timestamp field.
    Date32(&'a Date32Array),
    /// A time without a zone, for a timestamp field.
    Micros(&'a TimestampMicrosecondArray),
}

/// Which parser a text field takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// [`parse_id`].
    Id,
    /// [`parse_label`].
    Label,
    /// [`parse_free_text`].
    FreeText,
}

impl TextKind {
    fn parse(self, raw: &str) -> Result<Option<TextValue<'_>>, Reason> {
        match self {
            TextKind::Id => parse_id(raw),
            TextKind::Label => parse_label(raw),
            TextKind::FreeText => parse_free_text(raw),
        }
    }

    /// For text of printable ASCII only (space to `~`): whether the parser keeps it as it is
    /// with no note, without running it, or `None` where only the parser can tell. Such text
    /// is trimmed only of spaces at its ends, has no control character, counts its characters
    /// in bytes, and needs no folding; an id may still look like Excel's scientific notation,
    /// a truncated long number or a whole float (`17850.0`), or start with a text marker (`'`).
    fn plain_ascii(self, v: &[u8]) -> Option<bool> {
        let limit = match self {
            TextKind::FreeText => MAX_FREE_TEXT,
            TextKind::Id | TextKind::Label => MAX_SHORT_TEXT,
        };
        let (&first, &last) = (v.first()?, v.last()?);
        if first == b' ' || last == b' ' || v.len() > limit {
            return Some(false);
        }
        if self == TextKind::Id
            && ((16..=18).contains(&v.len())
                || first == b'\''
                || (first.is_ascii_digit()
                    && ((last == b'0' && v.contains(&b'.'))
                        || v.iter().any(|&b| b == b'e' || b == b'E'))))
        {
            return None;
        }
        Some(true)
    }
}

/// Whether every byte is printable ASCII, space to `~` (no early exit, so that it runs on
/// vector registers).
fn printable_ascii(bytes: &[u8]) -> bool {
    bytes.chunks(256).all(|c| {
        c.iter()
            .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5F))
    })
}

/// Whether a cell could be a totals row's word ([`ValidatorConfig::is_summary_text`]): a
/// printable ASCII text can only when it starts with one of the English words' letters.
fn maybe_summary(config: &ValidatorConfig, t: &str) -> bool {
    match t.as_bytes().first() {
        Some(b't' | b'T' | b's' | b'S' | b'g' | b'G') | None => config.is_summary_text(t),
        Some(&b) if b >= 0x80 || b <= b' ' => config.is_summary_text(t),
        Some(_) => false,
    }
}

impl<'a> Source<'a> {
    /// The column-wise intake of `array` for field `spec`, if there is one.
    pub(crate) fn of(spec: &FieldSpec, array: &'a dyn Array) -> Option<Self> {
        let text = |kind: TextKind| Texts::of(array).map(|t| Source::Text(t, kind));
        match (spec.ty, array.data_type()) {
            (FieldType::Id, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                text(TextKind::Id)
            }
            (
                FieldType::Id,
                DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32,
            ) => Some(Source::IntId(array)),
            // `gender` is normalised to male/female after parsing: row path.
            (FieldType::Label, _) if spec.name != "gender" => text(TextKind::Label),
            (FieldType::FreeText, _) => text(TextKind::FreeText),
            (FieldType::Money | FieldType::Quantity, DataType::Decimal128(_, scale)) => {
                Some(Source::Decimal(array.as_primitive(), *scale))
            }
            (FieldType::Timestamp | FieldType::Date, DataType::Date32) => {
                Some(Source::Date32(array.as_primitive()))
            }
            (FieldType::Timestamp, DataType::Timestamp(TimeUnit::Microsecond, None)) => {
                Some(Source::Micros(array.as_primitive()))
            }
            _ => None,
        }
    }

    /// The whole column `array` (this source's array) as the canonical array of type
    /// `target`, holding the values [`ValidatorConfig::parse_row`] makes of plain cells: UTF-8
    /// strings shared as they are, other strings cast to UTF-8, integer ids written as
    /// `i64::to_string` writes them, decimals scaled to money units, days to midnight. `None` for pairs the builders have to take. Only for arrays whose rows
    /// are all plain.
    pub(crate) fn canonical_array(
        &self,
        array: &ArrayRef,
        target: &DataType,
    ) -> Result<Option<ArrayRef>, ArrowError> {
        Ok(Some(match (self, target) {
            (Source::Text(Texts::Utf8(_), _), DataType::Utf8) => Arc::clone(array),
            (Source::IntId(_), DataType::Utf8) => match array.as_primitive_opt::<Int64Type>() {
                Some(ids) => Arc::new(integer_texts(ids)),
                None => cast(array, target)?,
            },
            (Source::Text(..), DataType::Utf8) => cast(array, target)?,
            (Source::Decimal(a, scale), DataType::Decimal128(..)) => {
                let scale = *scale;
                // Plain values scale up exactly (`exact_range`): one multiplication each.
                let units: Decimal128Array = match scale_up(scale) {
                    Some(factor) => a.unary(|v| v * factor),
                    None => a.unary(|v| Money::from_scaled(v, scale).map_or(0, |(m, _)| m.units())),
                };
                Arc::new(units.with_data_type(target.clone()))
            }
            (Source::Date32(_), DataType::Date32)
            | (Source::Micros(_), DataType::Timestamp(TimeUnit::Microsecond, None)) => {
                Arc::clone(array)
            }
            (Source::Date32(a), DataType::Timestamp(TimeUnit::Microsecond, None)) => {
                let micros: TimestampMicrosecondArray = a.unary(|d| i64::from(d) * MICROS_PER_DAY);
                Arc::new(micros)
            }
            _ => return Ok(None),
        }))
    }

    /// Appends the digits of integer id `i` (as `i64::to_string` writes them).
    pub(crate) fn write_int(&self, i: usize, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        let Source::IntId(array) = self else {
            return Ok(());
        };
        macro_rules! int {
            ($t:ty) => {
                write!(out, "{}", i64::from(array.as_primitive::<$t>().value(i)))
            };
        }
        match array.data_type() {
            DataType::Int8 => int!(Int8Type),
            DataType::Int16 => int!(Int16Type),
            DataType::Int32 => int!(Int32Type),
            DataType::Int64 => int!(Int64Type),
            DataType::UInt8 => int!(UInt8Type),
            DataType::UInt16 => int!(UInt16Type),
            DataType::UInt32 => int!(UInt32Type),
            _ => Ok(()),
        }
    }
}

/// The digits of each id, as `i64::to_string` writes them (arrow's cast goes through its
/// general display path); nulls stay null.
fn integer_texts(ids: &arrow::array::Int64Array) -> StringArray {
    let mut builder = arrow::array::StringBuilder::with_capacity(ids.len(), ids.len() * 8);
    let mut digits = itoa::Buffer::new();
    for id in ids.iter() {
        match id {
            Some(id) => builder.append_value(digits.format(id)),
            None => builder.append_null(),
        }
    }
    builder.finish()
}

/// Whether a parser kept `raw` exactly as it is, with no note.
fn kept_as_is(parsed: Result<Option<TextValue<'_>>, Reason>, raw: &str) -> bool {
    matches!(
        parsed,
        Ok(Some(TextValue { value: Cow::Borrowed(v), normalised, warnings }))
            if v.len() == raw.len() && normalised.is_empty() && warnings.is_empty()
    )
}

/// For a decimal of `scale` at most [`Money::SCALE`], the values [`Money::from_scaled`] takes
/// exactly (scaling up only multiplies, and overflows outside this range); `None` for larger
/// scales, which may round.
fn exact_range(scale: i8) -> Option<(i128, i128)> {
    let factor = scale_up(scale)?;
    Some((i128::MIN / factor, i128::MAX / factor))
}

/// What a decimal of `scale` is multiplied by to be in money units, when that is exact.
fn scale_up(scale: i8) -> Option<i128> {
    let up = u32::try_from(i64::from(Money::SCALE) - i64::from(scale)).ok()?;
    10i128.checked_pow(up)
}

/// The day numbers (days since 1970-01-01) of plain dates: those chrono can hold, inside the
/// plausible range the config sets.
fn plausible_days(config: &ValidatorConfig) -> (i32, i32) {
    let days = crate::row_validator::day_number;
    let low = config
        .earliest_plausible
        .unwrap_or(NaiveDate::MIN)
        .max(NaiveDate::MIN);
    let high = config
        .latest_plausible
        .unwrap_or(NaiveDate::MAX)
        .min(NaiveDate::MAX);
    (days(low), days(high))
}

/// Whether blocks of text records can be judged column-wise for this mapping: every mapped
/// field is one [`typed_text_batch`] and [`Source::of`] take, and the table's values are not
/// derived per row.
pub(crate) fn takes_text_blocks(config: &ValidatorConfig) -> bool {
    let mapping = &config.mapping;
    if !mapping.extras.is_empty() {
        return false;
    }
    if mapping.kind == TableKind::Transactions
        && (mapping.amount_derived || mapping.column_of("order_id").is_none())
    {
        return false;
    }
    config.dates.pinned.is_none()
        && mapping
            .fields()
            .iter()
            .zip(&mapping.columns)
            .filter(|(_, c)| c.is_some())
            .all(|(spec, _)| match spec.ty {
                FieldType::Label => spec.name != "gender",
                FieldType::Id
                | FieldType::FreeText
                | FieldType::Money
                | FieldType::Quantity
                | FieldType::Date
                | FieldType::Timestamp => true,
                FieldType::Name
                | FieldType::Phone
                | FieldType::Status
                | FieldType::Number { .. } => false,
            })
}

/// For a block of text records (every column `Utf8`): the columns of money and quantity
/// fields as exact decimals in money units, of date fields as days and of timestamp fields as
/// microseconds, each cell read only in the plainest form, the one the row path reads first
/// and without a note — a decimal [`Money::parse_decimal`] takes without rounding, a date or
/// time [`crate::date_text::iso_fast`] takes (no format is pinned: see
/// [`takes_text_blocks`]). Any other cell is null, so that its row takes the row path and is
/// read there from its text. `None` when the mapping is not one [`takes_text_blocks`] takes.
pub(crate) fn typed_text_batch(
    config: &ValidatorConfig,
    batch: &RecordBatch,
) -> Option<RecordBatch> {
    if !takes_text_blocks(config) {
        return None;
    }
    let mapping = &config.mapping;
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    for (spec, column) in mapping.fields().iter().zip(&mapping.columns) {
        let Some(c) = *column else {
            continue;
        };
        let texts = batch.column(c).as_string_opt::<i32>()?;
        let typed: ArrayRef = match spec.ty {
            FieldType::Money | FieldType::Quantity => Arc::new(
                texts
                    .iter()
                    .map(|t| match Money::parse_decimal(t?) {
                        Ok((m, false)) => Some(m.units()),
                        _ => None,
                    })
                    .collect::<Decimal128Array>()
                    .with_data_type(crate::MONEY_TYPE),
            ),
            FieldType::Date => Arc::new(
                texts
                    .iter()
                    .map(|t| {
                        let t = t.filter(|t| t.len() == 10)?;
                        let at = crate::date_text::iso_fast(t.as_bytes())?;
                        Some(crate::row_validator::day_number(at.date()))
                    })
                    .collect::<Date32Array>(),
            ),
            FieldType::Timestamp => Arc::new(
                texts
                    .iter()
                    .map(|t| {
                        crate::date_text::iso_fast(t?.as_bytes()).map(crate::row_validator::micros)
                    })
                    .collect::<TimestampMicrosecondArray>(),
            ),
            _ => continue,
        };
        fields[c] = Field::new(fields[c].name(), typed.data_type().clone(), true);
        columns[c] = typed;
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).ok()
}

/// For each row of `batch` (whose columns are the header's), whether it is plain (see the
/// module docs); `None` when the batch has a mapped column this intake does not take.
pub(crate) fn plain_rows(config: &ValidatorConfig, batch: &RecordBatch) -> Option<Vec<bool>> {
    let mapping = &config.mapping;
    // A customers file's extra attributes are read on the row path (customers files are
    // small; the column-wise intake is for transactions).
    if batch.num_columns() != config.header.names.len() || !mapping.extras.is_empty() {
        return None;
    }
    // Amounts computed from quantity × price and order ids made from customer and time are
    // derived per row.
    if mapping.kind == TableKind::Transactions
        && (mapping.amount_derived || mapping.column_of("order_id").is_none())
    {
        return None;
    }
    let rows = batch.num_rows();
    let mut plain = vec![true; rows];
    let mut typed = false;
    let mut texts: Vec<(Texts<'_>, usize)> = Vec::new();
    for (spec, column) in mapping.fields().iter().zip(&mapping.columns) {
        let Some(c) = *column else {
            continue;
        };
        let array = batch.column(c);
        let source = Source::of(spec, array.as_ref())?;
        if let Some(nulls) = array.logical_nulls() {
            for (p, valid) in plain.iter_mut().zip(nulls.iter()) {
                *p &= valid;
            }
        }
        match source {
            Source::Text(t, kind) => {
                // Printable ASCII, the usual ids and labels, is judged from its bytes: the
                // parsers' checks were a fifth of a typed import's time.
                let printable = t.all_bytes().is_some_and(printable_ascii);
                for (i, p) in plain.iter_mut().enumerate() {
                    if !*p {
                        continue;
                    }
                    let v = t.value(i);
                    let fast = (printable || printable_ascii(v.as_bytes()))
                        .then(|| kind.plain_ascii(v.as_bytes()))
                        .flatten();
                    *p = fast.unwrap_or_else(|| kept_as_is(kind.parse(v), v));
                }
                texts.push((t, c));
            }
            Source::IntId(_) => typed = true,
            Source::Decimal(a, scale) => {
                typed = true;
                // A negative amount is a refund: noted per row, so left to the row path.
                let lowest = if spec.name == "amount" { 0 } else { i128::MIN };
                match exact_range(scale) {
                    Some((low, high)) => {
                        let (low, high) = (low.max(lowest), high);
                        for (p, &v) in plain.iter_mut().zip(a.values().iter()) {
                            *p &= (low..=high).contains(&v);
                        }
                    }
                    None => {
                        for (p, &v) in plain.iter_mut().zip(a.values().iter()) {
                            *p = *p
                                && matches!(Money::from_scaled(v, scale), Some((m, false)) if m.units() >= lowest);
                        }
                    }
                }
            }
            Source::Date32(a) => {
                typed = true;
                let (low, high) = plausible_days(config);
                for (p, &d) in plain.iter_mut().zip(a.values().iter()) {
                    *p &= (low..=high).contains(&d);
                }
            }
            Source::Micros(a) => {
                typed = true;
                // The row path checks the time's UTC day against the range.
                let (low, high) = plausible_days(config);
                let (low, high) = (i64::from(low), i64::from(high));
                for (p, &m) in plain.iter_mut().zip(a.values().iter()) {
                    *p &= (low..=high).contains(&m.div_euclid(MICROS_PER_DAY));
                }
            }
        }
    }
    // Totals rows: text in the first three columns or in a key column (`is_summary_row`).
    let keys = ["customer_id", "order_id", "ts"]
        .into_iter()
        .filter_map(|name| mapping.column_of(name));
    let mut checked: Vec<usize> = (0..batch.num_columns().min(3)).chain(keys).collect();
    checked.sort_unstable();
    checked.dedup();
    for c in checked {
        let array = batch.column(c);
        match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let t = Texts::of(array.as_ref())?;
                for (i, p) in plain.iter_mut().enumerate() {
                    *p = *p && !(array.is_valid(i) && maybe_summary(config, t.value(i)));
                }
            }
            DataType::Null
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
            | DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(..) => {}
            _ => return None,
        }
    }
    // A repeated header is a row whose non-blank cells all name their column: a non-null
    // typed cell, or one mapped text that does not, rules it out.
    if !typed {
        if texts.is_empty() {
            return None;
        }
        for (i, p) in plain.iter_mut().enumerate() {
            *p = *p
                && !texts.iter().all(|(t, c)| {
                    let name = &config.header_trimmed[*c];
                    !name.is_empty() && header_matches(t.value(i), name)
                });
        }
    }
    Some(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parser_that_trims_or_notes_is_not_as_is() {
        assert!(kept_as_is(parse_id("C001"), "C001"));
        assert!(!kept_as_is(parse_id(" C001"), " C001"));
        assert!(!kept_as_is(parse_id("１２"), "１２"));
        assert!(!kept_as_is(
            parse_id("1234567890123000"),
            "1234567890123000"
        ));
        assert!(!kept_as_is(parse_id("1.5E+10"), "1.5E+10"));
        assert!(!kept_as_is(parse_free_text(" a"), " a"));
        assert!(!kept_as_is(parse_label(""), ""));
    }

    #[test]
    fn integer_ids_are_written_as_to_string_writes_them() {
        let values = [
            Some(0),
            Some(7),
            Some(-42),
            None,
            Some(i64::MIN),
            Some(i64::MAX),
        ];
        let texts = integer_texts(&arrow::array::Int64Array::from(values.to_vec()));
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => assert_eq!(texts.value(i), v.to_string()),
                None => assert!(texts.is_null(i)),
            }
        }
    }

    #[test]
    fn the_exact_range_is_where_scaling_to_money_units_is_exact() {
        for scale in [-3_i8, 0, 2, 4] {
            let (low, high) = exact_range(scale).expect("scale up to 4");
            for v in [low, high, low + 1, high - 1, 0, -1] {
                assert!(
                    matches!(Money::from_scaled(v, scale), Some((_, false))),
                    "{v} {scale}"
                );
            }
            for outside in [low.checked_sub(1), high.checked_add(1)]
                .into_iter()
                .flatten()
            {
                assert_eq!(
                    Money::from_scaled(outside, scale),
                    None,
                    "{outside} {scale}"
                );
            }
        }
        assert_eq!(exact_range(5), None, "larger scales may round");
        assert_eq!(exact_range(-60), None, "10^64 is no i128");
    }
}
