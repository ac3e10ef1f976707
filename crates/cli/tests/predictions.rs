//! Predictions from the transaction file, as a user gets them: `kehu run` and `kehu backtest`
//! on all 69,659 CDNOW purchase records (`data/cdnow_transactions.csv.gz`, the 23,570-customer
//! cohort), compared with the reference fits of `data/cdnow_lifetimes_reference.json.gz`
//! (`calibration_holdout.master_23570`: lifetimes 0.11.3 on the unrounded summary; lifetimes'
//! optimiser stops at tol 1e-7, so parameters are compared to relative 1e-3 and the LL to 0.05).

use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn master_reference() -> Value {
    let bytes =
        std::fs::read(repo().join("data/cdnow_lifetimes_reference.json.gz")).expect("bundled");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["calibration_holdout"]["master_23570"].clone()
}

fn kehu(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(args)
        .current_dir(dir)
        .env_remove("KEHU_LANG")
        .output()
        .expect("kehu runs")
}

/// A working directory whose kehu.toml asks for weeks (the papers' unit), and the CDNOW file.
fn weekly_cdnow() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("kehu.toml"),
        "[run]\ntime_unit = \"weeks\"\n",
    )
    .expect("config");
    (dir, repo().join("data/cdnow_transactions.csv.gz"))
}

fn close(got: f64, want: f64, relative: f64) -> bool {
    ((got - want) / want).abs() <= relative
}

#[test]
fn run_fits_bg_nbd_from_the_transaction_file() {
    let (dir, data) = weekly_cdnow();
    let out = kehu(
        &[
            "run",
            data.to_str().expect("utf8"),
            "--as-of",
            "1997-10-01",
            "--out",
            "run",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("run/run.json")).expect("run.json"),
    )
    .expect("json");
    let p = &run["predictions"];
    assert_eq!(p["status"], "on", "{p}");
    let reference = &master_reference()["fits_on_unrounded_summary"]["BG/NBD"];
    for (i, name) in ["r", "alpha", "a", "b"].iter().enumerate() {
        let got = p["purchases"]["parameters"][i][1].as_f64().expect("number");
        let want = reference["params"][name].as_f64().expect("number");
        assert!(close(got, want, 1e-3), "{name}: {got} vs {want}");
    }
    let ll = p["purchases"]["log_likelihood"].as_f64().expect("LL");
    assert!(
        (ll - reference["ll_total"].as_f64().expect("LL")).abs() < 0.05,
        "LL {ll}"
    );
    // Every buyer has a P(alive) in [0, 1] and the columns are in the summary.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("BG/NBD (weeks; 23,570 customers"),
        "{stdout}"
    );
    // Same inputs, same bytes, predictions included.
    let again = kehu(
        &[
            "run",
            data.to_str().expect("utf8"),
            "--as-of",
            "1997-10-01",
            "--out",
            "again",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(0));
    for file in ["customers.parquet", "segments.csv"] {
        let read = |run: &str| std::fs::read(dir.path().join(run).join(file)).expect("output");
        assert!(
            read("run") == read("again"),
            "{file} differs between two runs"
        );
    }
    let segments = std::fs::read_to_string(dir.path().join("run/segments.csv")).expect("segments");
    assert!(
        segments.lines().any(|l| l.starts_with("churn_risk,low,")),
        "{segments}"
    );
    assert!(
        segments
            .lines()
            .next()
            .expect("header")
            .ends_with("mean_clv,mean_p_alive")
    );
}

#[test]
fn backtest_reproduces_the_published_holdout() {
    let (dir, data) = weekly_cdnow();
    // 1997-10-01 + 273 days = 1998-07-01: the 39-week holdout of the papers.
    let out = kehu(
        &[
            "backtest",
            data.to_str().expect("utf8"),
            "--as-of",
            "1998-07-01",
            "--holdout-days",
            "273",
            "--json",
            "backtest.json",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("backtest.json")).expect("json"),
    )
    .expect("json");
    let reference = master_reference();
    assert_eq!(result["calibration_end"], "1997-10-01");
    assert_eq!(result["customers"], 23570);
    for score in result["scores"].as_array().expect("scores") {
        let model = score["model"].as_str().expect("name");
        assert_eq!(score["actual_total"].as_f64(), Some(19684.0), "{model}");
        let predicted = score["predicted_total"].as_f64().expect("total");
        let want = reference["holdout_total_predicted"][model]
            .as_f64()
            .expect("reference");
        assert!(
            close(predicted, want, 1e-3),
            "{model}: predicted {predicted} vs {want}"
        );
        let rho = score["correlation"].as_f64().expect("corr");
        let want = reference["holdout_corr_actual_vs_conditional_expectation"][model]
            .as_f64()
            .expect("reference");
        assert!(
            (rho - want).abs() < 1e-3,
            "{model}: correlation {rho} vs {want}"
        );
        let brier = score["brier"].as_f64().expect("brier");
        assert!(brier > 0.0 && brier < 0.25, "{model}: Brier {brier}");
    }
    let tracking = result["tracking_actual"].as_array().expect("tracking");
    assert_eq!(tracking.last().and_then(Value::as_f64), Some(19684.0));
}
