//! Small canonical tables written as text, for the unit tests.

use crate::engine::FeatureEngine;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, StringArray, TimestampMicrosecondArray,
    UInt64Array, new_null_array,
};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::record_batch::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use kehu_ingest::{TableKind, canonical_schema};
use std::sync::Arc;

/// A canonical table given as text: the named columns hold the values, `""` is null, every
/// other column is null; `is_refund` follows the amount and `source_line` counts from 2.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    kind: TableKind,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn transactions() -> Self {
        Self::of(TableKind::Transactions)
    }

    pub(crate) fn customers() -> Self {
        Self::of(TableKind::Customers)
    }

    pub(crate) fn feedback() -> Self {
        Self::of(TableKind::Feedback)
    }

    fn of(kind: TableKind) -> Self {
        Table {
            kind,
            columns: Vec::new(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn columns(mut self, names: &[&str]) -> Self {
        self.columns = names.iter().map(|s| s.to_string()).collect();
        self
    }

    pub(crate) fn row(mut self, values: &[&str]) -> Self {
        assert_eq!(values.len(), self.columns.len(), "row width");
        self.rows
            .push(values.iter().map(|s| s.to_string()).collect());
        self
    }

    fn text(&self, column: usize) -> Vec<Option<&str>> {
        self.rows
            .iter()
            .map(|r| Some(r[column].as_str()).filter(|v| !v.is_empty()))
            .collect()
    }

    pub(crate) fn batch(&self) -> RecordBatch {
        let schema = canonical_schema(self.kind);
        let n = self.rows.len();
        let arrays: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|field| {
                let given = self.columns.iter().position(|c| c == field.name());
                match (field.name().as_str(), given) {
                    ("is_refund", _) => {
                        let amount = self.columns.iter().position(|c| c == "amount");
                        Arc::new(BooleanArray::from(
                            (0..n)
                                .map(|r| amount.is_some_and(|a| self.rows[r][a].starts_with('-')))
                                .collect::<Vec<_>>(),
                        )) as ArrayRef
                    }
                    ("source_line", _) => Arc::new(UInt64Array::from_iter_values(2..n as u64 + 2)),
                    (_, None) => new_null_array(field.data_type(), n),
                    (_, Some(c)) => typed(&self.text(c), field.data_type()),
                }
            })
            .collect();
        RecordBatch::try_new(schema, arrays).expect("fixture batch")
    }
}

fn typed(text: &[Option<&str>], ty: &DataType) -> ArrayRef {
    match ty {
        DataType::Timestamp(..) => Arc::new(TimestampMicrosecondArray::from(
            text.iter()
                .map(|v| v.map(|v| timestamp(v).and_utc().timestamp_micros()))
                .collect::<Vec<_>>(),
        )),
        DataType::Date32 => Arc::new(Date32Array::from(
            text.iter()
                .map(|v| {
                    v.map(|v| {
                        let d: NaiveDate = v.parse().expect("date");
                        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
                        i32::try_from((d - epoch).num_days()).expect("day")
                    })
                })
                .collect::<Vec<_>>(),
        )),
        _ => {
            let strings = StringArray::from(text.to_vec());
            arrow::compute::cast(&strings, ty).expect("cast fixture value")
        }
    }
}

fn timestamp(v: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M")
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map(|d| d.and_time(Default::default()))
        })
        .expect("timestamp")
}

/// An engine with the tables registered.
pub(crate) fn engine_with(tables: &[(&str, Table)]) -> FeatureEngine {
    let engine = FeatureEngine::new().expect("engine");
    for (name, table) in tables {
        let batch = table.batch();
        engine
            .register(name, batch.schema(), vec![batch])
            .expect("register");
    }
    engine
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> &'a ArrayRef {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// A text value; panics when the column is not Utf8.
pub(crate) fn str_at(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let c = column(batch, name).as_string::<i32>();
    c.is_valid(row).then(|| c.value(row).to_string())
}

/// An Int64 value; panics when the column is not Int64.
pub(crate) fn i64_at(batch: &RecordBatch, name: &str, row: usize) -> Option<i64> {
    let c = column(batch, name).as_primitive::<Int64Type>();
    c.is_valid(row).then(|| c.value(row))
}

/// A Float64 value; panics when the column is not Float64.
pub(crate) fn f64_at(batch: &RecordBatch, name: &str, row: usize) -> Option<f64> {
    let c = column(batch, name).as_primitive::<Float64Type>();
    c.is_valid(row).then(|| c.value(row))
}

/// A Decimal128(38, 4) value as text; panics on another type.
pub(crate) fn decimal_at(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let c = column(batch, name);
    assert_eq!(c.data_type(), &DataType::Decimal128(38, 4), "{name}");
    c.is_valid(row)
        .then(|| arrow::util::display::array_value_to_string(c, row).expect("display decimal"))
}
