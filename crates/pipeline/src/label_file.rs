//! A labels file for `[tree]`: a CSV (UTF-8; comma, semicolon, tab or bar) with a customer-id
//! column and the column to learn — a campaign's responses, a survey answer, a sales team's
//! own classification. Read with Arrow's CSV reader, every column as text.

use crate::error::PipelineError;
use arrow::array::{Array, AsArray};
use arrow::csv::ReaderBuilder;
use arrow::csv::reader::Format;
use arrow::datatypes::{DataType, Field, Schema};
use kehu_ingest::fields::{CUSTOMERS, header_matches, normalise_header};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Seek};
use std::path::Path;
use std::sync::Arc;

/// The labels of a file, by customer id.
#[derive(Debug, Clone)]
pub(crate) struct LabelFile {
    /// Label text by customer id (rows with an empty label are left out).
    pub by_id: HashMap<String, String>,
    /// The id column's header, as written.
    pub id_column: String,
    /// Rows read, and rows with an empty label.
    pub rows: usize,
    pub empty: usize,
}

/// Reads `column` of `path`, keyed by the column whose header is a customer-id alias
/// (`customer_id`, `CustomerID`, `ID`, `客户编号`, `会员ID`, …).
pub(crate) fn read_label_file(path: &Path, column: &str) -> Result<LabelFile, PipelineError> {
    let bad = |message: String| PipelineError::Input(format!("{}: {message}", path.display()));
    let mut file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let mut first = String::new();
    BufReader::new(&file)
        .read_line(&mut first)
        .map_err(|e| bad(format!("{e} (save it as UTF-8)")))?;
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    file.rewind().map_err(|e| bad(e.to_string()))?;
    let format = Format::default()
        .with_header(true)
        .with_delimiter(delimiter);
    let (inferred, _) = format
        .infer_schema(&mut file, Some(1))
        .map_err(|e| bad(e.to_string()))?;
    let headers: Vec<String> = inferred.fields().iter().map(|f| f.name().clone()).collect();
    let Some(label_at) = headers.iter().position(|h| h == column).or_else(|| {
        let wanted = normalise_header(column);
        headers.iter().position(|h| normalise_header(h) == wanted)
    }) else {
        return Err(bad(format!(
            "no column `{column}`; the columns are {}",
            headers.join(", ")
        )));
    };
    let id_aliases = CUSTOMERS[0].aliases;
    let Some(id_at) = id_aliases
        .iter()
        .find_map(|alias| headers.iter().position(|h| header_matches(h, alias)))
        .filter(|&at| at != label_at)
    else {
        return Err(bad(format!(
            "no customer-id column (a header like customer_id, CustomerID, ID or 客户编号); the columns are {}",
            headers.join(", ")
        )));
    };
    let text_schema = Arc::new(Schema::new(
        headers
            .iter()
            .map(|h| Field::new(h, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    file.rewind().map_err(|e| bad(e.to_string()))?;
    let reader = ReaderBuilder::new(text_schema)
        .with_format(format)
        .build(file)
        .map_err(|e| bad(e.to_string()))?;
    let mut out = LabelFile {
        by_id: HashMap::new(),
        id_column: headers[id_at].clone(),
        rows: 0,
        empty: 0,
    };
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("{e} (save it as UTF-8 CSV)")))?;
        let ids = batch.column(id_at).as_string::<i32>();
        let labels = batch.column(label_at).as_string::<i32>();
        for row in 0..batch.num_rows() {
            out.rows += 1;
            let label = if labels.is_null(row) {
                ""
            } else {
                labels.value(row).trim()
            };
            if ids.is_null(row) || label.is_empty() {
                out.empty += 1;
                continue;
            }
            let id = canonical_id(ids.value(row));
            if let Some(previous) = out.by_id.insert(id.clone(), label.to_string())
                && previous != label
            {
                return Err(bad(format!(
                    "customer {id} has two labels in `{column}`: `{previous}` and `{label}`; keep one row per customer"
                )));
            }
        }
    }
    Ok(out)
}

/// An id as kehu's importer stores it: trimmed, and `17850.0` (a spreadsheet's float) as
/// `17850`.
fn canonical_id(text: &str) -> String {
    let text = text.trim();
    match text.strip_suffix(".0") {
        Some(whole) if !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) => {
            whole.to_string()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_by_id_from_a_semicolon_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("responses.csv");
        std::fs::write(
            &path,
            "会员ID;Response;note\n17850.0;yes;x\n12346;no;\n99;;empty\n",
        )
        .expect("write");
        let file = read_label_file(&path, "response").expect("reads");
        assert_eq!(file.id_column, "会员ID");
        assert_eq!(file.by_id.get("17850").map(String::as_str), Some("yes"));
        assert_eq!(file.by_id.get("12346").map(String::as_str), Some("no"));
        assert_eq!((file.rows, file.empty), (3, 1));
        let missing = read_label_file(&path, "churned").expect_err("no such column");
        assert!(
            missing
                .to_string()
                .contains("the columns are 会员ID, Response, note"),
            "{missing}"
        );
        std::fs::write(&path, "id,label\n1,a\n1,b\n").expect("write");
        let twice = read_label_file(&path, "label").expect_err("two labels");
        assert!(
            twice.to_string().contains("customer 1 has two labels"),
            "{twice}"
        );
    }
}
