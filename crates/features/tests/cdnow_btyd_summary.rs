//! The BTYD columns of the feature table reproduce the published CDNOW summary.
//!
//! Input: all 69,659 CDNOW purchase records (`data/cdnow_transactions.csv.gz`), imported as any
//! user file is, with features computed as of 1997-10-01 in weeks. The calibration period of
//! the papers ends on 1997-09-30, and `as_of` is the first day not observed.
//!
//! Expected: the 2,357 customers of the standard 1/10 sample (`data/cdnow_sample.txt.gz` maps
//! sample ids to cohort ids), as published in
//!
//! - `data/cdnow_customers_summary_with_transactions.csv` (lifetimes 0.11.3; the data of
//!   Hardie's `bgnbd.xls`, Fader, Hardie & Lee 2005): `x`, `t_x` and `T` in weeks rounded to 2
//!   decimals, `zbar` (mean repeat spend) rounded to cents. Tolerance: half a unit of the last
//!   printed digit, 0.005 (plus 1e-9 for binary floats); `x` exactly.
//! - `data/cdnow_sample_calibration_holdout_summary.csv.gz` (lifetimes'
//!   `calibration_and_holdout_data`, unrounded; data/README.md): `recency_cal_days` and
//!   `T_cal_days` in whole days, divided by 7, must equal `bt_t_x` and `bt_T` exactly, and
//!   `monetary_value_cal` must equal `bt_monetary` to 1e-9.
//!
//! Also Σ frequency = 2,457 with 1,411 customers at 0 (data/README.md).

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};
use kehu_features::{FeatureEngine, FeatureOptions, TimeUnit, feature_table};
use kehu_ingest::{ImportOptions, import_file};
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

/// Half a unit of the published summary's last decimal, plus room for binary floats.
const ROUNDED_TOLERANCE: f64 = 0.005 + 1e-9;
/// Against the unrounded lifetimes summary (floats computed in another order).
const UNROUNDED_TOLERANCE: f64 = 1e-9;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn gunzip(name: &str) -> String {
    let bytes = std::fs::read(data(name)).expect("read");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gunzip");
    text
}

/// CSV rows (header dropped) as maps from column name to text.
fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column].parse().expect("number")
}

#[derive(Debug, Clone, Copy)]
struct Btyd {
    frequency: i64,
    t_x: f64,
    t: f64,
    monetary: Option<f64>,
}

fn btyd_by_customer(batches: &[RecordBatch]) -> HashMap<String, Btyd> {
    let mut out = HashMap::new();
    for b in batches {
        let id = b
            .column_by_name("customer_id")
            .expect("id")
            .as_string::<i32>();
        let f = b.column_by_name("bt_frequency").expect("f");
        let f = f.as_primitive::<Int64Type>();
        let tx = b.column_by_name("bt_t_x").expect("t_x");
        let tx = tx.as_primitive::<Float64Type>();
        let t = b.column_by_name("bt_T").expect("T");
        let t = t.as_primitive::<Float64Type>();
        let m = b.column_by_name("bt_monetary").expect("m");
        let m = m.as_primitive::<Float64Type>();
        for r in 0..b.num_rows() {
            out.insert(
                id.value(r).to_string(),
                Btyd {
                    frequency: f.value(r),
                    t_x: tx.value(r),
                    t: t.value(r),
                    monetary: m.is_valid(r).then(|| m.value(r)),
                },
            );
        }
    }
    out
}

#[test]
fn cdnow_sample_matches_the_published_summary() {
    let import = import_file(
        &data("cdnow_transactions.csv.gz"),
        &ImportOptions::default(),
    )
    .expect("imports");
    let engine = FeatureEngine::new().expect("engine");
    engine
        .register("transactions", import.schema.clone(), import.batches)
        .expect("register");
    let options = FeatureOptions {
        time_unit: TimeUnit::Weeks,
        ..FeatureOptions::new("1997-10-01".parse().expect("date"))
    };
    let features = feature_table(&engine, &options).expect("features");
    let ours = btyd_by_customer(&features);
    // Everyone in the cohort first bought in Q1 1997.
    assert_eq!(ours.len(), 23_570);

    // Sample id → cohort id, from the sample's own records.
    let mut cohort_id: HashMap<u32, String> = HashMap::new();
    for line in gunzip("cdnow_sample.txt.gz").lines() {
        let mut fields = line.split_whitespace();
        let (Some(master), Some(sample)) = (fields.next(), fields.next()) else {
            continue;
        };
        let master: u32 = master.parse().expect("cohort id");
        cohort_id
            .entry(sample.parse().expect("sample id"))
            .or_insert_with(|| master.to_string());
    }
    assert_eq!(cohort_id.len(), 2_357);

    let published = std::fs::read_to_string(data("cdnow_customers_summary_with_transactions.csv"))
        .expect("published summary");
    let published = csv_rows(&published);
    let unrounded = csv_rows(&gunzip("cdnow_sample_calibration_holdout_summary.csv.gz"));
    assert_eq!((published.len(), unrounded.len()), (2_357, 2_357));
    let unrounded: HashMap<u32, &HashMap<String, String>> =
        unrounded.iter().map(|r| (num(r, "ID") as u32, r)).collect();

    let mut mismatches = Vec::new();
    let (mut total_frequency, mut zero_frequency) = (0, 0);
    for row in &published {
        let id = num(row, "ID") as u32;
        let ours = ours[&cohort_id[&id]];
        let full = unrounded[&id];
        total_frequency += ours.frequency;
        zero_frequency += usize::from(ours.frequency == 0);
        let monetary_ok = match ours.monetary {
            None => num(row, "zbar") == 0.0 && num(row, "x") == 0.0,
            Some(m) => {
                (m - num(row, "zbar")).abs() <= ROUNDED_TOLERANCE
                    && (m - num(full, "monetary_value_cal")).abs() <= UNROUNDED_TOLERANCE
            }
        };
        let ok = ours.frequency as f64 == num(row, "x")
            && ours.frequency as f64 == num(full, "frequency_cal")
            && (ours.t_x - num(row, "t_x")).abs() <= ROUNDED_TOLERANCE
            && (ours.t - num(row, "T")).abs() <= ROUNDED_TOLERANCE
            && ours.t_x == num(full, "recency_cal_days") / 7.0
            && ours.t == num(full, "T_cal_days") / 7.0
            && monetary_ok;
        if !ok {
            mismatches.push(format!("sample {id}: ours {ours:?}, published {row:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of 2,357 differ, e.g. {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(5)]
    );
    assert_eq!((total_frequency, zero_frequency), (2_457, 1_411));
}
