//! The `kehu` binary as a user runs it: golden terminal reports, the JSON report, exit codes,
//! the demo, the generator checked by the importer, and the bundled Online Retail figures
//! checked against an independent computation (scripts/crosscheck/online_retail.py).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kehu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("KEHU_LANG")
        .output()
        .expect("kehu runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const SMALL: &str = "tests/fixtures/small_orders.csv";

#[test]
fn check_report_in_english() {
    let o = kehu(&["check", SMALL, "--latest-date", "2025-01-01"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    insta::assert_snapshot!("check_small_en", stdout(&o));
}

#[test]
fn check_report_in_chinese() {
    let o = kehu(&[
        "check",
        SMALL,
        "--latest-date",
        "2025-01-01",
        "--lang",
        "zh",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("接受") && text.contains("隔离原因"), "{text}");
    insta::assert_snapshot!("check_small_zh", text);
}

#[test]
fn check_json_accounts_for_every_row() {
    let o = kehu(&["check", SMALL, "--json", "--latest-date", "2025-01-01"]);
    assert_eq!(o.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&o.stdout).expect("json");
    let f = &json["files"][0];
    assert_eq!(f["rows_seen"], 30);
    assert_eq!(f["accepted"], 25);
    assert_eq!(f["quarantined"], 4);
    assert_eq!(f["skipped_blank"], 1);
    assert_eq!(f["encoding"], "utf-8");
    assert_eq!(f["delimiter"], ",");
    assert_eq!(f["mapping"]["customer_id"], "客户编号");
    assert_eq!(f["quarantine_reasons"]["missing_value"], 1);
    assert_eq!(f["quarantine_reasons"]["invalid_date"], 1);
    assert_eq!(f["quarantine_reasons"]["duplicate_row"], 1);
    assert_eq!(f["quarantine_reasons"]["summary_row"], 1);
    assert_eq!(f["customers"], 9);
    // 24 sales rows: Σ(10.50 + 3i) for i = 1..24 with row 5 written "¥1,299.00" = 2,425.50,
    // less the 25.50 refund.
    assert_eq!(f["sales"], "2425.50");
    assert_eq!(f["revenue"], "2400.00");
    assert_eq!(f["returns"]["rows"], 1);
    assert_eq!(f["returns"]["amount"], "-25.50");
}

#[test]
fn quarantine_file_lists_lines_and_reasons() {
    let dir = tempfile::tempdir().expect("tmp");
    let q = dir.path().join("bad.csv");
    let o = kehu(&["check", SMALL, "--quarantine", q.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&q).expect("quarantine written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "header + 4 entries:\n{text}");
    for (line, code) in [
        (13, "missing_value"),
        (16, "invalid_date"),
        (19, "duplicate_row"),
        (31, "summary_row"),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!(",{line},")) && l.contains(code)),
            "line {line} {code}:\n{text}"
        );
    }
}

#[test]
fn exit_codes_are_decided_in_one_place() {
    let dir = tempfile::tempdir().expect("tmp");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").expect("write");
    let refused = kehu(&["check", empty.to_str().expect("utf8")]);
    assert_eq!(refused.status.code(), Some(1), "a refused file");
    assert!(stdout(&refused).contains("empty_file"));
    assert_eq!(
        kehu(&["check", SMALL, "--strict"]).status.code(),
        Some(1),
        "--strict with quarantined rows"
    );
    assert_eq!(
        kehu(&["check", SMALL, "--map", "nonsense"]).status.code(),
        Some(2),
        "bad --map"
    );
    assert_eq!(kehu(&["check"]).status.code(), Some(2), "no file");
}

#[test]
fn online_retail_agrees_with_an_independent_computation() {
    let data = repo().join("data/online_retail.csv.gz");
    let o = kehu(&["check", "--json", data.to_str().expect("utf8")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("check.json");
    std::fs::write(&json, &o.stdout).expect("write");
    let cross = Command::new("python3")
        .arg(repo().join("scripts/crosscheck/online_retail.py"))
        .arg(&data)
        .arg(&json)
        .output()
        .expect("python3 runs");
    assert!(
        cross.status.success(),
        "cross-check differs:\n{}\n{}",
        stdout(&cross),
        String::from_utf8_lossy(&cross.stderr)
    );
}

#[test]
fn demo_writes_the_summary_of_every_customer() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("demo");
    let o = kehu(&[
        "demo",
        "--out",
        out.to_str().expect("utf8"),
        "--data",
        repo().join("data").to_str().expect("utf8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    assert!(text.contains("4,372 customers"), "{text}");
    for f in [
        "check.json",
        "quarantine.csv",
        "customers.parquet",
        "customers.csv",
    ] {
        assert!(out.join(f).exists(), "{f} written");
    }
    let csv = std::fs::read_to_string(out.join("customers.csv")).expect("csv");
    assert_eq!(
        csv.lines().count(),
        4_373,
        "a header and one row per customer"
    );
}

fn dirt_expectations(truth: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(truth).expect("dirt.csv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            (cols.len() >= 4 && cols[0] == "transactions.csv")
                .then(|| (cols[1].parse().unwrap_or(0), cols[3].to_string()))
        })
        .collect()
}

#[test]
fn generated_dirt_is_quarantined_exactly_where_the_generator_put_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("synth");
    let g = kehu(&[
        "gen",
        "--customers",
        "400",
        "--dirt",
        "heavy",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(
        g.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&g.stderr)
    );
    let c = kehu(&[
        "check",
        "--json",
        "--latest-date",
        "2025-01-01",
        out.join("transactions.csv").to_str().expect("utf8"),
    ]);
    assert_eq!(c.status.code(), Some(0), "{}", stdout(&c));
    let json: Value = serde_json::from_slice(&c.stdout).expect("json");
    let f = &json["files"][0];
    let expected = dirt_expectations(&out.join("truth/dirt.csv"));
    let blanks = expected
        .iter()
        .filter(|(_, e)| e == "skipped_blank")
        .count() as u64;
    let quarantined: Vec<&(u64, String)> = expected
        .iter()
        .filter(|(_, e)| e != "skipped_blank" && e != "normalised")
        .collect();
    assert_eq!(f["skipped_blank"].as_u64(), Some(blanks));
    assert_eq!(f["quarantined"].as_u64(), Some(quarantined.len() as u64));
    let q = dir.path().join("q.csv");
    kehu(&[
        "check",
        "--quarantine",
        q.to_str().expect("utf8"),
        out.join("transactions.csv").to_str().expect("utf8"),
    ]);
    let q = std::fs::read_to_string(&q).expect("quarantine");
    for (line, reason) in quarantined {
        assert!(
            q.lines()
                .any(|l| l.contains(&format!(",{line},")) && l.contains(reason.as_str())),
            "line {line}: {reason}"
        );
    }
}
