//! The feature table as one Arrow batch, with typed column access for the schemes.

use crate::error::PipelineError;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Decimal128Type, Field, Schema, SchemaRef};
use std::sync::Arc;

/// One row per customer, ordered by `customer_id`.
#[derive(Debug, Clone)]
pub struct FeatureFrame {
    batch: RecordBatch,
}

fn arrow_error(e: arrow::error::ArrowError) -> PipelineError {
    PipelineError::Compute(e.to_string())
}

impl FeatureFrame {
    /// Joins the batches of a query result into one.
    pub fn new(schema: SchemaRef, batches: &[RecordBatch]) -> Result<Self, PipelineError> {
        let batch = arrow::compute::concat_batches(&schema, batches).map_err(arrow_error)?;
        Ok(FeatureFrame { batch })
    }

    /// The whole table.
    pub fn batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// Customers.
    pub fn len(&self) -> usize {
        self.batch.num_rows()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a column exists.
    pub fn has(&self, name: &str) -> bool {
        self.batch.schema().index_of(name).is_ok()
    }

    fn column(&self, name: &str) -> Option<&ArrayRef> {
        self.batch.column_by_name(name)
    }

    /// Whether a column exists and holds at least one value.
    pub fn has_values(&self, name: &str) -> bool {
        self.column(name).is_some_and(|c| c.null_count() < c.len())
    }

    /// A numeric column as `f64`, NaN for nulls; `None` when absent or not numeric.
    pub fn numeric(&self, name: &str) -> Option<Vec<f64>> {
        let col = self.column(name)?;
        if !col.data_type().is_numeric() {
            return None;
        }
        let col = cast(col, &DataType::Float64).ok()?;
        let values = col.as_primitive::<arrow::datatypes::Float64Type>();
        Some(
            (0..values.len())
                .map(|i| {
                    if values.is_null(i) {
                        f64::NAN
                    } else {
                        values.value(i)
                    }
                })
                .collect(),
        )
    }

    /// A decimal money column in exact units of 1/10,000 (nulls are 0).
    pub fn money_units(&self, name: &str) -> Option<Vec<i128>> {
        let col = self.column(name)?;
        let DataType::Decimal128(_, scale) = col.data_type() else {
            return None;
        };
        let shift = 10i128.pow(u32::try_from(4 - i32::from(*scale)).ok()?);
        let values = col.as_primitive::<Decimal128Type>();
        Some(
            (0..values.len())
                .map(|i| {
                    if values.is_null(i) {
                        0
                    } else {
                        values.value(i) * shift
                    }
                })
                .collect(),
        )
    }

    /// A text column; `None` when absent.
    pub fn text(&self, name: &str) -> Option<Vec<Option<String>>> {
        let col = cast(self.column(name)?, &DataType::Utf8).ok()?;
        let values = col.as_string::<i32>();
        Some(
            (0..values.len())
                .map(|i| (!values.is_null(i)).then(|| values.value(i).to_string()))
                .collect(),
        )
    }

    /// Appends columns (replacing any of the same name).
    pub fn with_columns(&self, columns: Vec<(Field, ArrayRef)>) -> Result<Self, PipelineError> {
        let schema = self.batch.schema();
        let replaced: Vec<&str> = columns.iter().map(|(f, _)| f.name().as_str()).collect();
        let mut fields: Vec<Arc<Field>> = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (f, a) in schema.fields().iter().zip(self.batch.columns()) {
            if !replaced.contains(&f.name().as_str()) {
                fields.push(f.clone());
                arrays.push(a.clone());
            }
        }
        for (f, a) in columns {
            fields.push(Arc::new(f));
            arrays.push(a);
        }
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)?;
        Ok(FeatureFrame { batch })
    }
}
