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
use crate::text_value::{TextValue, parse_free_text, parse_id, parse_label};
use arrow::array::{
    Array, AsArray, Date32Array, Decimal128Array, LargeStringArray, StringArray, StringViewArray,
};
use arrow::datatypes::{
    DataType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use kehu_domain::{Money, Reason};
use std::borrow::Cow;

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;
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
    fn of(array: &'a dyn Array) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Utf8 => Texts::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Texts::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Texts::Utf8View(array.as_string_view()),
            _ => return None,
        })
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
    /// Text kept as it is by `parse`.
    Text(Texts<'a>, TextParser),
    /// An integer id: its decimal digits (`Cell::Int` → `i.to_string()`).
    IntId(&'a dyn Array),
    /// An exact decimal, in money units.
    Decimal(&'a Decimal128Array, i8),
    /// A date: days for a date field, midnight for a timestamp field.
    Date32(&'a Date32Array),
}

type TextParser = for<'x> fn(&'x str) -> Result<Option<TextValue<'x>>, Reason>;

impl<'a> Source<'a> {
    /// The column-wise intake of `array` for field `spec`, if there is one.
    pub(crate) fn of(spec: &FieldSpec, array: &'a dyn Array) -> Option<Self> {
        let text = |parser: TextParser| Texts::of(array).map(|t| Source::Text(t, parser));
        match (spec.ty, array.data_type()) {
            (FieldType::Id, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                text(parse_id)
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
            (FieldType::Label, _) if spec.name != "gender" => text(parse_label),
            (FieldType::FreeText, _) => text(parse_free_text),
            (FieldType::Money | FieldType::Quantity, DataType::Decimal128(_, scale)) => {
                Some(Source::Decimal(array.as_primitive(), *scale))
            }
            (FieldType::Timestamp | FieldType::Date, DataType::Date32) => {
                Some(Source::Date32(array.as_primitive()))
            }
            _ => None,
        }
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

/// Whether a parser kept `raw` exactly as it is, with no note.
fn kept_as_is(parsed: Result<Option<TextValue<'_>>, Reason>, raw: &str) -> bool {
    matches!(
        parsed,
        Ok(Some(TextValue { value: Cow::Borrowed(v), normalised, warnings }))
            if v.len() == raw.len() && normalised.is_empty() && warnings.is_empty()
    )
}

/// A date32 value as the Parquet reader's cell would hold it (`None`: a cell error).
pub(crate) fn date_of(days: i32) -> Option<NaiveDate> {
    days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// For each row of `batch` (whose columns are the header's), whether it is plain (see the
/// module docs); `None` when the batch has a mapped column this intake does not take.
pub(crate) fn plain_rows(config: &ValidatorConfig, batch: &RecordBatch) -> Option<Vec<bool>> {
    let mapping = &config.mapping;
    if batch.num_columns() != config.header.names.len() {
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
            Source::Text(t, parse) => {
                for (i, p) in plain.iter_mut().enumerate() {
                    *p = *p && kept_as_is(parse(t.value(i)), t.value(i));
                }
                texts.push((t, c));
            }
            Source::IntId(_) => typed = true,
            Source::Decimal(a, scale) => {
                typed = true;
                let amount = spec.name == "amount";
                for (p, &v) in plain.iter_mut().zip(a.values().iter()) {
                    // A negative amount is a refund: noted per row, so left to the row path.
                    *p = *p
                        && matches!(Money::from_scaled(v, scale), Some((m, false)) if !amount || m.units() >= 0);
                }
            }
            Source::Date32(a) => {
                typed = true;
                for (p, &d) in plain.iter_mut().zip(a.values().iter()) {
                    *p = *p
                        && date_of(d).is_some_and(|d| {
                            config.latest_plausible.is_none_or(|l| d <= l)
                                && config.earliest_plausible.is_none_or(|e| d >= e)
                        });
                }
            }
        }
    }
    // Totals rows: text in the first three columns or in a key column (`is_summary_row`).
    let keys = ["customer_id", "order_id", "ts"]
        .into_iter()
        .filter_map(|name| mapping.column_of(name));
    for c in (0..batch.num_columns().min(3)).chain(keys) {
        let array = batch.column(c);
        match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let t = Texts::of(array.as_ref())?;
                for (i, p) in plain.iter_mut().enumerate() {
                    *p = *p && !(array.is_valid(i) && config.is_summary_text(t.value(i)));
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
    fn dates_out_of_chrono_range_are_not_dates() {
        assert_eq!(date_of(0), NaiveDate::from_ymd_opt(1970, 1, 1));
        assert_eq!(date_of(i32::MAX), None);
    }
}
