//! The `kehu` binary as a user runs it: golden terminal reports, the JSON report, exit codes,
//! the demo and `kehu run` (golden summary and segments.csv), `kehu init`, the generator
//! checked by the importer, and the bundled Online Retail figures and RFM checked against
//! independent computations (scripts/crosscheck/).

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
fn demo_classifies_every_customer_and_agrees_with_an_independent_rfm() {
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
        "segments.csv",
        "run.json",
    ] {
        assert!(out.join(f).exists(), "{f} written");
    }
    let csv = std::fs::read_to_string(out.join("customers.csv")).expect("csv");
    assert_eq!(
        csv.lines().count(),
        4_373,
        "a header and one row per customer"
    );
    // Per scheme, the segments add up to every customer and to the exact net revenue
    // (8,278,519.424: the sum of the accepted rows, checked by online_retail.py).
    let segments = std::fs::read_to_string(out.join("segments.csv")).expect("segments");
    let mut per_scheme: std::collections::BTreeMap<String, (u64, i128)> = Default::default();
    for line in segments.lines().skip(1) {
        let cols = csv_fields(line);
        let entry = per_scheme.entry(cols[0].clone()).or_default();
        entry.0 += cols[3].parse::<u64>().expect("count");
        let (whole, frac) = cols[5].split_once('.').unwrap_or((cols[5].as_str(), ""));
        let frac = format!("{frac:0<4}");
        let sign = if whole.starts_with('-') { -1 } else { 1 };
        entry.1 += sign
            * (whole
                .trim_start_matches('-')
                .parse::<i128>()
                .expect("whole")
                * 10_000
                + frac.parse::<i128>().expect("frac"));
    }
    assert!(per_scheme.len() >= 10, "{per_scheme:?}");
    for (scheme, (customers, revenue)) in &per_scheme {
        assert_eq!(*customers, 4_372, "{scheme}");
        assert_eq!(
            *revenue, 82_785_194_240,
            "{scheme}: 8278519.424 to the cent"
        );
    }
    // Recency, frequency, monetary, the dates, the scores and the value tier of every customer
    // equal an independent standard-library computation of the same definitions.
    let cross = Command::new("python3")
        .arg(repo().join("scripts/crosscheck/online_retail_rfm.py"))
        .arg(out.join("customers.csv"))
        .output()
        .expect("python3 runs");
    assert!(
        cross.status.success(),
        "RFM cross-check differs:\n{}\n{}",
        stdout(&cross),
        String::from_utf8_lossy(&cross.stderr)
    );
}

/// The fields of one CSV line (quoted fields may hold commas and doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

const RUN_FIXTURES: [&str; 3] = [
    "tests/fixtures/run/orders.csv",
    "tests/fixtures/run/customers.csv",
    "tests/fixtures/run/feedback.csv",
];

fn run_fixture(lang: &str, out: &Path) -> Output {
    let mut args = vec!["run"];
    args.extend(RUN_FIXTURES);
    args.extend([
        "--out",
        out.to_str().expect("utf8"),
        "--lang",
        lang,
        "--quiet",
    ]);
    kehu(&args)
}

#[test]
fn run_summary_and_segments_are_golden() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("run");
    let en = run_fixture("en", &out);
    assert_eq!(
        en.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&en.stderr)
    );
    let text = stdout(&en).replace(out.to_str().expect("utf8"), "RUN_DIR");
    insta::assert_snapshot!("run_small_en", text);
    insta::assert_snapshot!(
        "run_small_segments",
        std::fs::read_to_string(out.join("segments.csv")).expect("segments")
    );
    let zh = run_fixture("zh", &out);
    assert_eq!(zh.status.code(), Some(0));
    let text = stdout(&zh).replace(out.to_str().expect("utf8"), "RUN_DIR");
    assert!(
        text.contains("重要价值客户") && text.contains("生命周期"),
        "{text}"
    );
    insta::assert_snapshot!("run_small_zh", text);
}

#[test]
fn migration_between_two_dates_is_golden() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("run");
    let mut args = vec!["run"];
    args.extend(RUN_FIXTURES);
    args.extend([
        "--out",
        out.to_str().expect("utf8"),
        "--compare-as-of",
        "2024-07-01",
        "--format",
        "xlsx",
        "--quiet",
    ]);
    let run = kehu(&args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = stdout(&run).replace(out.to_str().expect("utf8"), "RUN_DIR");
    let migration = &text[text.find("Migration").expect("a migration section")..];
    insta::assert_snapshot!("migration_small_en", migration);
    insta::assert_snapshot!(
        "migration_small_value_tier",
        std::fs::read_to_string(out.join("migration/value_tier.csv")).expect("table")
    );
    // The later run's workbook carries the migration: every scheme's moves, whose cells for
    // one scheme add up to every customer of either snapshot.
    use calamine::{Data, DataType, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(out.join("customers.xlsx")).expect("workbook");
    let names = book.sheet_names();
    assert_eq!(
        names[names.len() - 3..],
        ["migration_summary", "migration", "migration_alerts"]
    );
    let diff: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("migration/diff.json")).expect("diff.json"),
    )
    .expect("json");
    let everyone = ["common", "new", "lost"]
        .iter()
        .map(|k| diff[k].as_f64().expect("a count"))
        .sum::<f64>();
    let moves = book.worksheet_range("migration").expect("sheet");
    let tier_cells: f64 = moves
        .rows()
        .skip(1)
        .filter(|row| row[0] == Data::String("value_tier".into()))
        .map(|row| row[3].as_f64().expect("customers"))
        .sum();
    assert_eq!(tier_cells, everyone);
}

#[test]
fn init_writes_a_config_that_run_accepts() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("kehu.toml");
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(RUN_FIXTURES[0]);
    let o = kehu(&[
        "init",
        fixture.to_str().expect("utf8"),
        "--out",
        config.to_str().expect("utf8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.contains("customer_id = \"customer_id\""), "{text}");
    assert!(text.contains("[schemes.rfm8]") && text.contains("important_value"));
    let out = dir.path().join("run");
    let r = kehu(&[
        "run",
        "--config",
        config.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    // A typo in a key is a usage error naming the key path and line.
    std::fs::write(&config, text.replace("trend_days = 90", "trend_dayz = 90")).expect("write");
    let bad = kehu(&["run", "--config", config.to_str().expect("utf8"), "--quiet"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("run.trend_dayz") && err.contains("line"),
        "{err}"
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

#[test]
fn run_exit_codes_follow_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").expect("write");
    let out = dir.path().join("out");
    let refused = kehu(&[
        "run",
        empty.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_eq!(refused.status.code(), Some(1), "a refused file");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("kehu check"));
    let customers_only = kehu(&[
        "run",
        RUN_FIXTURES[1],
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_eq!(customers_only.status.code(), Some(2), "no transactions");
    assert!(String::from_utf8_lossy(&customers_only.stderr).contains("no transactions"));
    let bad_format = kehu(&["run", RUN_FIXTURES[0], "--format", "pdf"]);
    assert_eq!(bad_format.status.code(), Some(2));
}

/// A European export (semicolons, decimal commas) without `--decimal-comma` is refused, and
/// the refusal names the option that fixes it, in the user's language; with the option it
/// imports.
#[test]
fn a_refusal_says_what_to_do_in_either_language() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("euro.csv");
    let mut text = String::from("Kundennummer;Bestellung;order_date;amount\n");
    for i in 0..40 {
        text.push_str(&format!(
            "K{};B{i};2024-03-{:02};{},{:02}\n",
            i % 7,
            1 + i % 28,
            10 + i,
            i
        ));
    }
    std::fs::write(&file, text).expect("write");
    let path = file.to_str().expect("utf8");
    let out = dir.path().join("out");
    let maps = [
        "--map",
        "customer_id=Kundennummer",
        "--map",
        "order_id=Bestellung",
    ];
    for (lang, advice, heading) in [
        ("en", "add --decimal-comma", "what to do:"),
        ("zh", "请加 --decimal-comma", "处理建议："),
    ] {
        let mut args = vec!["run", path, "--out", out.to_str().expect("utf8"), "--quiet"];
        args.extend(maps);
        args.extend(["--lang", lang]);
        let refused = kehu(&args);
        assert_eq!(refused.status.code(), Some(1));
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("too_many_quarantined"), "{said}");
        assert!(said.contains(heading) && said.contains(advice), "{said}");
    }
    let mut args = vec!["check", path, "--decimal-comma", "--json"];
    args.extend(maps);
    let fixed = kehu(&args);
    assert_eq!(fixed.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&fixed.stdout).expect("json");
    assert_eq!(report["files"][0]["accepted"], 40, "{report}");
}
