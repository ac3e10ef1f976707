//! Fingerprints of a typed batch's rows for finding exact duplicates, from the values.
//!
//! The row path fingerprints a row by hashing its text (`RawRow::raw`). For the rows a Parquet
//! batch hands over column-wise ([`crate::plain_rows`]) that meant rendering every cell as
//! text first: on the bench's 1e7-line file ~0.7 s of a ~2.9 s import. Here each batch is
//! encoded once by arrow's row format (column by column; distinct values, and null against
//! any value, always give distinct bytes) and each row's bytes are hashed.
//!
//! Two identical rows are both plain or both not (plainness depends on a row's values only),
//! so a plain row is only ever compared with rows fingerprinted the same way; the seed keeps
//! the two kinds of fingerprint apart all the same.

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use arrow::row::{RowConverter, SortField};

/// Separates these fingerprints from the text ones (a fixed, arbitrary value).
const SEED: u64 = 0x6b65_6875_726f_7773;

/// The xxh3-128 hash of each row's values, or `None` where arrow's row format does not take
/// one of the batch's column types.
pub(crate) fn typed_fingerprints(batch: &RecordBatch) -> Option<Vec<u128>> {
    let fields = batch
        .columns()
        .iter()
        .map(|c| SortField::new(c.data_type().clone()))
        .collect();
    let converter = RowConverter::new(fields).ok()?;
    let rows = converter.convert_columns(batch.columns()).ok()?;
    Some(
        rows.iter()
            .map(|row| xxhash_rust::xxh3::xxh3_128_with_seed(row.as_ref(), SEED))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Date32Array, Decimal128Array, Int64Array, StringArray};
    use std::sync::Arc;

    fn batch(ids: Vec<Option<&str>>, orders: Vec<Option<i64>>) -> RecordBatch {
        let n = ids.len();
        let amounts = Decimal128Array::from(vec![1250_i128; n])
            .with_precision_and_scale(18, 2)
            .expect("decimal");
        let days = Date32Array::from(vec![20_000; n]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(Int64Array::from(orders)),
            Arc::new(amounts),
            Arc::new(days),
        ];
        RecordBatch::try_from_iter(["c", "o", "a", "d"].into_iter().zip(columns)).expect("batch")
    }

    #[test]
    fn identical_rows_share_a_fingerprint_and_any_difference_separates() {
        let b = batch(
            vec![
                Some("C1"),
                Some("C1"),
                Some("C2"),
                None,
                Some(""),
                Some("C1"),
            ],
            vec![Some(7), Some(7), Some(7), Some(7), Some(7), None],
        );
        let f = typed_fingerprints(&b).expect("supported types");
        assert_eq!(f[0], f[1]);
        let mut distinct = f[1..].to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        // C1/7, C2/7, null/7, ""/7, C1/null: a null is neither "" nor any value.
        assert_eq!(distinct.len(), 5);
    }

    /// Through a whole import: duplicates among plain rows (across row groups) and among rows
    /// that take the row path (a padded id) are both found, and only they.
    #[test]
    fn duplicates_are_found_on_both_paths_of_a_parquet_import() {
        use crate::{DuplicatePolicy, ImportOptions, import_file};
        use kehu_domain::Reason;
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;

        let ids = vec![
            Some("C1"),
            Some("C1"),
            Some("C2"),
            Some(" C7"),
            Some(" C7"),
            Some("C2"),
        ];
        let mut b = batch(
            ids,
            vec![Some(1), Some(1), Some(2), Some(3), Some(3), Some(2)],
        );
        b = RecordBatch::try_from_iter(
            ["customer_id", "order_id", "amount", "order_date"]
                .into_iter()
                .zip(b.columns().iter().cloned()),
        )
        .expect("renamed");
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("t.parquet");
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .build();
        let file = std::fs::File::create(&path).expect("create");
        let mut writer = ArrowWriter::try_new(file, b.schema(), Some(props)).expect("writer");
        writer.write(&b).expect("write");
        writer.close().expect("close");

        let quarantined = import_file(&path, &ImportOptions::default()).expect("imports");
        let r = &quarantined.report;
        assert_eq!(
            r.quarantine_reasons.get(&Reason::DuplicateRow),
            Some(&3),
            "{r:?}"
        );
        assert_eq!(r.accepted, 3);
        let options = ImportOptions {
            duplicates: DuplicatePolicy::Keep,
            ..ImportOptions::default()
        };
        let kept = import_file(&path, &options).expect("imports");
        assert_eq!(kept.report.warnings.get(&Reason::RepeatedRow), Some(&3));
        assert_eq!(kept.report.accepted, 6);
    }

    #[test]
    fn a_value_fingerprints_the_same_in_any_batch() {
        let a = typed_fingerprints(&batch(vec![Some("C1"), Some("C9")], vec![Some(1), Some(2)]));
        let b = typed_fingerprints(&batch(vec![Some("C9")], vec![Some(2)]));
        assert_eq!(a.expect("a")[1], b.expect("b")[0]);
    }
}
