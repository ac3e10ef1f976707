//! The feature table on the bundled UCI Online Retail file (data/README.md): one row per
//! customer with a purchase history (4,372), the summary columns equal to `customer_summary`,
//! and customer 12346, whose only order is cancelled in full the same day.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};
use kehu_features::{
    FEATURE_COLUMNS, FeatureEngine, FeatureOptions, SUMMARY_COLUMNS, customer_summary,
    default_as_of, feature_table,
};
use kehu_ingest::{ImportOptions, import_file};
use std::path::PathBuf;

fn one_batch(batches: &[RecordBatch]) -> RecordBatch {
    arrow::compute::concat_batches(&batches[0].schema(), batches).expect("concat")
}

#[test]
fn online_retail_feature_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/online_retail.csv.gz");
    let import = import_file(&path, &ImportOptions::default()).expect("imports");
    let as_of = default_as_of(&import.batches).expect("as_of");
    assert_eq!(as_of.to_string(), "2011-12-10");
    let engine = FeatureEngine::new().expect("engine");
    engine
        .register("transactions", import.schema.clone(), import.batches)
        .expect("register");
    let features = one_batch(&feature_table(&engine, &FeatureOptions::new(as_of)).expect("f"));
    let summary = one_batch(&customer_summary(&engine, as_of).expect("summary"));
    assert_eq!(features.num_rows(), 4_372);
    assert_eq!(features.num_columns(), FEATURE_COLUMNS.len());
    for name in SUMMARY_COLUMNS {
        let (a, b) = (
            features.column_by_name(name).expect("feature column"),
            summary.column_by_name(name).expect("summary column"),
        );
        assert_eq!(a.as_ref(), b.as_ref(), "{name}");
    }

    let column = |name: &str| features.column_by_name(name).expect(name).clone();
    let ids = column("customer_id");
    let ids = ids.as_string::<i32>();
    let row = (0..ids.len())
        .find(|&r| ids.value(r) == "12346")
        .expect("customer 12346");
    let int = |name: &str| column(name).as_primitive::<Int64Type>().clone();
    let float = |name: &str| column(name).as_primitive::<Float64Type>().clone();
    assert_eq!(int("orders").value(row), 1);
    assert_eq!(int("return_orders").value(row), 1);
    assert_eq!(float("return_rate").value(row), 1.0);
    // The order and its cancellation fall on one day, which nets to zero with a return on it:
    // not a purchase occasion, so no BTYD summary.
    assert!(int("bt_frequency").is_null(row));

    // Internal consistency over every customer.
    let (orders, mean, sd, last_gap) = (
        int("orders"),
        float("interval_mean_days"),
        float("interval_sd_days"),
        float("last_gap_days"),
    );
    for r in 0..features.num_rows() {
        let n = orders.value(r);
        assert_eq!(mean.is_valid(r), n >= 2, "row {r}");
        assert_eq!(last_gap.is_valid(r), n >= 2, "row {r}");
        assert_eq!(sd.is_valid(r), n >= 3, "row {r}");
    }
}
