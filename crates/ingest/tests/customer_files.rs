//! Customers files as shops and CRMs export them: columns no field names are kept as
//! attributes (`attr_…`) whatever the format, numbers where every value is one, and birthdays
//! are not "before the business started".

use arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use kehu_domain::Reason;
use kehu_ingest::{Import, ImportOptions, TableKind, import_file};
use std::sync::Arc;

/// Column `column` of every batch, each value read by `value` (which also checks the type).
fn cells<T>(
    import: &Import,
    column: &str,
    value: impl Fn(&dyn Array, usize) -> T,
) -> Vec<Option<T>> {
    import
        .batches
        .iter()
        .flat_map(|b| {
            let c = b.column_by_name(column).expect("column");
            (0..c.len())
                .map(|i| (!c.is_null(i)).then(|| value(c.as_ref(), i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn numbers(import: &Import, column: &str) -> Vec<Option<f64>> {
    cells(import, column, |c, i| {
        c.as_primitive::<arrow::datatypes::Float64Type>().value(i)
    })
}

fn texts(import: &Import, column: &str) -> Vec<Option<String>> {
    cells(import, column, |c, i| {
        c.as_string::<i32>().value(i).to_string()
    })
}

#[test]
fn a_member_list_keeps_its_other_columns_and_its_birthdays() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("members.csv");
    std::fs::write(
        &path,
        "会员卡号,姓名,生日,会员等级,积分\n\
         V001,张三,1975-03-02,金卡,1200\n\
         V002,李四,1988-11-30,,80\n\
         V003,王五,2999-01-01,银卡,\n",
    )
    .expect("write");
    let options = ImportOptions {
        latest_plausible_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
        ..ImportOptions::default()
    };
    let import = import_file(&path, &options).expect("imports");
    let r = &import.report;
    assert_eq!(r.kind, TableKind::Customers);
    assert_eq!((r.rows_seen, r.accepted), (3, 3));
    let kept: Vec<&str> = r.extra_columns.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(kept, ["attr_会员等级", "attr_积分"]);
    assert_eq!(
        texts(&import, "attr_会员等级"),
        [Some("金卡".to_string()), None, Some("银卡".to_string())]
    );
    assert_eq!(
        numbers(&import, "attr_积分"),
        [Some(1200.0), Some(80.0), None]
    );
    // Born in 1975 and 1988: before the default earliest plausible date (1990), not flagged;
    // born in 2999: in the future, flagged.
    assert_eq!(r.warnings.get(&Reason::OutOfRangeDate), Some(&1));
}

#[test]
fn a_parquet_customers_file_keeps_its_other_columns() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("crm.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("Tier", DataType::Utf8, true),
        Field::new("Store Visits", DataType::Int64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["a", "b"])),
            Arc::new(StringArray::from(vec![Some("gold"), None])),
            Arc::new(Int64Array::from(vec![Some(3), Some(12)])),
        ],
    )
    .expect("batch");
    let file = std::fs::File::create(&path).expect("create");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let import = import_file(&path, &ImportOptions::default()).expect("imports");
    assert_eq!(import.report.kind, TableKind::Customers);
    assert_eq!(
        texts(&import, "attr_tier"),
        [Some("gold".to_string()), None]
    );
    assert_eq!(
        numbers(&import, "attr_store_visits"),
        [Some(3.0), Some(12.0)]
    );
    assert_eq!(import.schema, import.batches[0].schema());
}
