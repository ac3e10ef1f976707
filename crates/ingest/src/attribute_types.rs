//! A customers file's extra attributes are read as text; a column whose every value is a
//! plain decimal number becomes numbers (Float64), so that rules compare it as one
//! (`attr_kidhome > 0`) and the decision tree can split on it. Codes stay text: a value
//! with a leading zero (`007`, a postcode) or anything else keeps the whole column text.

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// Whether `text` is a plain decimal number: an optional `-`, digits without a leading zero
/// (`0` itself and `0.5` allowed), an optional fraction.
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// The columns of `schema` from `first_extra` on whose values in `batches` are all plain
/// numbers (and at least one is there), made Float64; the schema and batches to match.
pub(crate) fn type_attributes(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    first_extra: usize,
) -> Result<(SchemaRef, Vec<RecordBatch>), arrow::error::ArrowError> {
    let numeric: Vec<usize> = (first_extra..schema.fields().len())
        .filter(|&c| {
            let mut any = false;
            let all = batches.iter().all(|b| {
                let Some(texts) = b.column(c).as_string_opt::<i32>() else {
                    return false;
                };
                texts.iter().flatten().all(|t| {
                    any = true;
                    plain_number(t)
                })
            });
            all && any
        })
        .collect();
    if numeric.is_empty() {
        return Ok((schema, batches));
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(c, f)| {
            if numeric.contains(&c) {
                Field::new(f.name(), DataType::Float64, true)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let typed = Arc::new(Schema::new(fields));
    let batches = batches
        .into_iter()
        .map(|b| {
            let columns: Vec<ArrayRef> = b
                .columns()
                .iter()
                .enumerate()
                .map(|(c, column)| {
                    if !numeric.contains(&c) {
                        return Ok(column.clone());
                    }
                    let texts = column.as_string::<i32>();
                    // Checked above: every value parses.
                    let values: Float64Array = texts
                        .iter()
                        .map(|t| t.and_then(|t| t.parse::<f64>().ok()))
                        .collect();
                    debug_assert_eq!(values.null_count(), texts.null_count());
                    Ok(Arc::new(values) as ArrayRef)
                })
                .collect::<Result<_, arrow::error::ArrowError>>()?;
            RecordBatch::try_new(typed.clone(), columns)
        })
        .collect::<Result<_, _>>()?;
    Ok((typed, batches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;

    #[test]
    fn plain_numbers_and_codes() {
        for yes in ["0", "12", "-3", "0.5", "1234.25", "-0.75"] {
            assert!(plain_number(yes), "{yes}");
        }
        for no in [
            "007", "00", "1.", ".5", "1e3", "12a", "", "-", "1,000", " 1", "+1",
        ] {
            assert!(!plain_number(no), "{no}");
        }
    }

    #[test]
    fn a_column_of_numbers_becomes_numbers_and_codes_stay_text() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Utf8, false),
            Field::new("attr_kids", DataType::Utf8, true),
            Field::new("attr_zip", DataType::Utf8, true),
            Field::new("attr_empty", DataType::Utf8, true),
        ]));
        let batch = |ids: &[&str], kids: &[Option<&str>], zips: &[&str]| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(ids.to_vec())),
                    Arc::new(StringArray::from(kids.to_vec())),
                    Arc::new(StringArray::from(zips.to_vec())),
                    Arc::new(StringArray::from(vec![None::<&str>; ids.len()])),
                ],
            )
            .expect("batch")
        };
        let batches = vec![
            batch(&["a", "b"], &[Some("0"), None], &["10115", "20095"]),
            batch(&["c"], &[Some("2.5")], &["01067"]),
        ];
        let (typed, batches) = type_attributes(schema, batches, 1).expect("typed");
        let types: Vec<&DataType> = typed.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(
            types,
            [
                &DataType::Utf8,
                &DataType::Float64,
                &DataType::Utf8,
                &DataType::Utf8
            ]
        );
        let kids = batches[1]
            .column(1)
            .as_primitive::<arrow::datatypes::Float64Type>();
        assert_eq!(kids.value(0), 2.5);
        assert!(batches[0].column(1).is_null(1));
    }
}
