//! What comes after the rule schemes, as a user gets it, on the bundled Online Retail data:
//! learned segments (`kehu run` adds k-means and Ward clusters, the decision-tree scheme and
//! the comparisons; the exported tree rules pasted into kehu.toml give every customer the
//! tree's class; same seed, same bytes on any thread count; `kehu cluster`, `kehu tree` and
//! `kehu compare`), the playbook's contact lists, and migration between two snapshots.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn retail() -> String {
    repo()
        .join("data/online_retail.csv.gz")
        .to_str()
        .expect("utf8")
        .to_string()
}

fn kehu(args: &[&str], dir: &Path, threads: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kehu"));
    command.args(args).current_dir(dir).env_remove("KEHU_LANG");
    if let Some(threads) = threads {
        command.env("RAYON_NUM_THREADS", threads);
    }
    command.output().expect("kehu runs")
}

fn ok(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The fields of one CSV line (quoted fields may hold commas).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().expect("field").push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("field").push(c),
        }
    }
    out
}

/// Every sheet of a workbook, by name, with its cells as text.
fn workbook_cells(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(path).expect("xlsx");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|row| row.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

/// `kehu run` on the bundled Online Retail file into `out`, from `dir`, with `extra` options.
fn run_retail(dir: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", "--quiet", "--out", out.to_str().expect("utf8")];
    args.extend(extra);
    let file = retail();
    args.push(&file);
    ok(&kehu(&args, dir, None))
}

fn run_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("run.json"))
        .expect("json")
}

#[test]
fn run_clusters_explains_and_compares() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("run");
    run_retail(dir.path(), &out, &[]);
    let record = run_json(&out);
    let clustering = &record["clustering"];
    let k = clustering["k"].as_u64().expect("k") as usize;
    let choice = &clustering["k_choice"];
    // The default sweep is k = 3..8 and the silhouette decides.
    assert!((3..=8).contains(&k));
    assert_eq!(choice["recommended_k"].as_u64(), Some(k as u64));
    let best = choice["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .max_by(|a, b| {
            a[2].as_f64()
                .unwrap_or(-1.0)
                .total_cmp(&b[2].as_f64().unwrap_or(-1.0))
        })
        .expect("a candidate");
    assert_eq!(best[0].as_u64(), Some(k as u64));
    let clusters = clustering["clusters"].as_array().expect("profiles");
    assert_eq!(clusters.len(), k);
    let sizes: Vec<u64> = clusters
        .iter()
        .map(|c| c["customers"].as_u64().expect("size"))
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "c1 is the largest: {sizes:?}"
    );
    assert_eq!(
        sizes.iter().sum::<u64>(),
        clustering["customers"].as_u64().expect("n")
    );
    assert!(
        clusters
            .iter()
            .all(|c| c["en"].as_str().expect("en").starts_with('C'))
    );
    let ward = &clustering["ward"];
    assert_eq!(ward["clusters"].as_array().expect("ward").len(), k);
    assert!(ward["agreement_with_kmeans"].as_f64().expect("ari") > 0.0);

    // The tree's SQL export, evaluated by the rule engine, equals the tree on every customer.
    let tree = &record["tree"];
    assert_eq!(tree["rule_mismatches"].as_u64(), Some(0));
    assert!(
        tree["test"]["accuracy"].as_f64().expect("accuracy") > 0.8,
        "{tree}"
    );
    assert_eq!(
        tree["rules"].as_array().expect("rules").len() as u64,
        tree["leaves"].as_u64().expect("leaves")
    );

    // Each comparison's table adds up to both schemes' segment sizes.
    let segments = std::fs::read_to_string(out.join("segments.csv")).expect("segments");
    let size_of = |scheme: &str, code: &str| -> u64 {
        segments
            .lines()
            .map(fields)
            .find(|f| f[0] == scheme && f[1] == code)
            .and_then(|f| f[3].parse().ok())
            .unwrap_or(0)
    };
    let table =
        std::fs::read_to_string(out.join("compare/rfm_segment__cluster.csv")).expect("compare");
    let mut rows = std::collections::BTreeMap::<String, u64>::new();
    let mut columns = std::collections::BTreeMap::<String, u64>::new();
    for line in table.lines().skip(1) {
        let f = fields(line);
        let n: u64 = f[4].parse().expect("count");
        *rows.entry(f[0].clone()).or_default() += n;
        *columns.entry(f[2].clone()).or_default() += n;
    }
    for (code, n) in &rows {
        assert_eq!(*n, size_of("rfm_segment", code), "rfm_segment {code}");
    }
    for (code, n) in &columns {
        assert_eq!(*n, size_of("cluster", code), "cluster {code}");
    }

    // kehu compare reads the same run directory.
    let printed = ok(&kehu(
        &[
            "compare",
            out.to_str().expect("utf8"),
            "rfm_segment",
            "cluster",
        ],
        dir.path(),
        None,
    ));
    assert!(printed.contains("Adjusted Rand index"), "{printed}");
    let missing = kehu(
        &[
            "compare",
            out.to_str().expect("utf8"),
            "rfm_segment",
            "nope",
        ],
        dir.path(),
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("its schemes are"));

    // tree_rules.toml pasted into kehu.toml: the custom scheme labels everyone as the tree did.
    let rules = std::fs::read_to_string(out.join("tree_rules.toml")).expect("rules");
    std::fs::write(dir.path().join("kehu.toml"), &rules).expect("config");
    let again = dir.path().join("again");
    run_retail(dir.path(), &again, &[]);
    let agreement =
        std::fs::read_to_string(again.join("compare/rfm_segment__cluster.csv")).expect("compare");
    assert_eq!(agreement, table, "the pasted rules change nothing else");
    let pasted = ok(&kehu(
        &[
            "compare",
            again.to_str().expect("utf8"),
            "tree",
            "cluster_rules",
            "--csv",
            "pasted.csv",
        ],
        dir.path(),
        None,
    ));
    assert!(pasted.contains("Adjusted Rand index 1.00"), "{pasted}");
    let cells = std::fs::read_to_string(dir.path().join("pasted.csv")).expect("csv");
    for line in cells.lines().skip(1) {
        let f = fields(line);
        assert_eq!(f[0], f[2], "tree and pasted rules disagree: {line}");
    }
}

#[test]
fn same_seed_same_bytes_on_any_thread_count() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("run{threads}"));
        ok(&kehu(
            &[
                "run",
                &retail(),
                "--out",
                out.to_str().expect("utf8"),
                "--quiet",
            ],
            dir.path(),
            Some(threads),
        ));
        outputs.push((
            std::fs::read(out.join("customers.parquet")).expect("parquet"),
            std::fs::read(out.join("segments.csv")).expect("segments"),
            std::fs::read(out.join("tree_rules.toml")).expect("rules"),
        ));
    }
    assert!(
        outputs[0] == outputs[1],
        "outputs differ between 1 and 3 threads"
    );
}

#[test]
fn cluster_tree_and_their_errors_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let printed = ok(&kehu(
        &[
            "cluster",
            &retail(),
            "--k",
            "4",
            "--no-ward",
            "--json",
            "c.json",
            "-q",
        ],
        dir.path(),
        None,
    ));
    assert!(
        printed.contains("k = 4") && !printed.contains("Ward:"),
        "{printed}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("c.json")).expect("json"))
            .expect("json");
    assert_eq!(report["clusters"].as_array().expect("clusters").len(), 4);
    assert!(report["k_choice"].is_null());

    let zh = ok(&kehu(
        &[
            "--lang",
            "zh",
            "cluster",
            &retail(),
            "--k-range",
            "3,5",
            "-q",
        ],
        dir.path(),
        None,
    ));
    assert!(zh.contains("选择 k") && zh.contains("轮廓系数"), "{zh}");

    let tree = ok(&kehu(
        &[
            "tree",
            &retail(),
            "--target",
            "value_tier",
            "--max-depth",
            "3",
            "--rules-out",
            "vt.toml",
            "-q",
        ],
        dir.path(),
        None,
    ));
    assert!(
        tree.contains("IF revenue <= ") && tree.contains("Confusion matrix"),
        "{tree}"
    );
    let rules = std::fs::read_to_string(dir.path().join("vt.toml")).expect("rules");
    assert!(
        rules.contains("[[custom]]") && rules.contains("id = \"value_tier_rules\""),
        "{rules}"
    );

    // Churn in a holdout window: trained on the customers as they were 90 days before the end.
    let churn = ok(&kehu(
        &[
            "tree",
            &retail(),
            "--target",
            "churn",
            "--balanced",
            "--json",
            "churn.json",
            "-q",
        ],
        dir.path(),
        None,
    ));
    assert!(churn.contains("No order within 90 days"), "{churn}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("churn.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(report["rule_mismatches"].as_u64(), Some(0));
    let trained =
        report["train_rows"].as_u64().expect("rows") + report["test_rows"].as_u64().expect("rows");
    assert!(
        trained > 3000 && trained < 4338,
        "customers with orders before the holdout: {trained}"
    );

    let bad = kehu(
        &["tree", &retail(), "--target", "no_such_column", "-q"],
        dir.path(),
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no_such_column"));
    let bad_k = kehu(
        &["cluster", &retail(), "--k-range", "5,3", "-q"],
        dir.path(),
        None,
    );
    assert_eq!(bad_k.status.code(), Some(2));
}

#[test]
fn tree_learns_a_column_from_a_labels_file() {
    // Each customer's market from the raw file (United Kingdom or abroad): a label the
    // feature table does not hold, given the way a campaign's responses would be.
    let dir = tempfile::tempdir().expect("tmp");
    let mut raw = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(retail()).expect("bundled")),
        &mut raw,
    )
    .expect("gzip");
    let mut market = std::collections::BTreeMap::new();
    for line in raw.lines().skip(1) {
        let f = fields(line);
        if !f[6].is_empty() {
            market
                .entry(f[6].clone())
                .or_insert(if f[7] == "United Kingdom" {
                    "UK"
                } else {
                    "Abroad"
                });
        }
    }
    let mut csv = String::from("CustomerID;Market\n");
    for (id, m) in &market {
        csv.push_str(&format!("{id};{m}\n"));
    }
    std::fs::write(dir.path().join("markets.csv"), csv).expect("labels");
    let printed = ok(&kehu(
        &[
            "tree",
            &retail(),
            "--labels",
            "markets.csv",
            "--target",
            "Market",
            "--rules-out",
            "market.toml",
            "--json",
            "m.json",
            "-q",
        ],
        dir.path(),
        None,
    ));
    assert!(
        printed.contains("THEN UK") || printed.contains("THEN Abroad"),
        "{printed}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.json")).expect("json"))
            .expect("json");
    assert_eq!(report["rule_mismatches"].as_u64(), Some(0));
    assert_eq!(report["classes"][0][0], "abroad");
    assert_eq!(report["classes"][1][1], "UK");
    let trained =
        report["train_rows"].as_u64().expect("n") + report["test_rows"].as_u64().expect("n");
    assert!(
        trained > 4000 && trained <= market.len() as u64,
        "{trained} of {}",
        market.len()
    );

    // The exported scheme is a valid kehu.toml as it stands.
    std::fs::copy(dir.path().join("market.toml"), dir.path().join("kehu.toml")).expect("config");
    let out = dir.path().join("run");
    run_retail(dir.path(), &out, &[]);
    let record = run_json(&out);
    let schemes = record["schemes"].as_array().expect("schemes");
    assert!(
        schemes
            .iter()
            .any(|s| s["id"] == "market_rules" && s["status"] == "done"),
        "{schemes:?}"
    );
}

/// customers.csv of a run directory, by customer id: column name → value.
fn customers_csv(
    dir: &Path,
) -> std::collections::HashMap<String, std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("customers.csv")).expect("customers.csv");
    let mut lines = text.lines();
    // customers.csv starts with a byte-order mark, for spreadsheets.
    let header = fields(lines.next().expect("header").trim_start_matches('\u{feff}'));
    lines
        .map(|line| {
            let row: std::collections::HashMap<String, String> =
                header.iter().cloned().zip(fields(line)).collect();
            (row["customer_id"].clone(), row)
        })
        .collect()
}

#[test]
fn playbook_lists_hold_only_customers_with_the_targeted_labels() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("run");
    run_retail(dir.path(), &out, &["--format", "csv"]);
    let customers = customers_csv(&out);
    let record = run_json(&out);
    let actions = record["playbook"]["actions"].as_array().expect("actions");
    let mut listed = 0;
    for action in actions {
        let code = action["code"].as_str().expect("code");
        let text = std::fs::read_to_string(out.join(format!("actions/{code}.csv"))).expect("list");
        let mut lines = text.lines();
        let header = fields(lines.next().expect("header"));
        let at = |name: &str| header.iter().position(|h| h == name).expect(name);
        let mut rows = 0;
        for line in lines {
            let f = fields(line);
            let customer = &customers[&f[at("customer_id")]];
            // Primary lists: the customer's primary action is this one.
            assert_eq!(customer["primary_action"], code);
            // The segment column names labels the customer has.
            for pair in f[at("segment")].split("; ") {
                let (scheme, label) = pair.split_once('=').expect("scheme=label");
                assert_eq!(customer[scheme], label, "{code}: {pair} for {}", f[0]);
            }
            rows += 1;
        }
        assert_eq!(
            rows,
            action["listed"].as_u64().expect("listed") as usize,
            "{code}"
        );
        listed += rows;
    }
    // `lists = "primary"`: every customer with an action is on exactly one list.
    let with_action = customers
        .values()
        .filter(|c| !c["primary_action"].is_empty())
        .count();
    assert_eq!(listed, with_action);
    assert_eq!(
        with_action + record["playbook"]["without_action"].as_u64().expect("n") as usize,
        customers.len()
    );

    // Renaming a label changes the lists' words, not who is on them.
    std::fs::write(
        dir.path().join("kehu.toml"),
        "[schemes.value_tier.labels.high]\nen = \"Top customers\"\nzh = \"顶级客户\"\n",
    )
    .expect("config");
    let renamed = dir.path().join("renamed");
    ok(&kehu(
        &[
            "run",
            &retail(),
            "--out",
            renamed.to_str().expect("utf8"),
            "--quiet",
        ],
        dir.path(),
        None,
    ));
    let ids = |dir: &Path| -> Vec<String> {
        let text =
            std::fs::read_to_string(dir.join("actions/win_back_valuable.csv")).expect("list");
        text.lines().skip(1).map(|l| fields(l)[0].clone()).collect()
    };
    assert_eq!(ids(&out), ids(&renamed));
    let words =
        std::fs::read_to_string(renamed.join("actions/win_back_valuable.csv")).expect("list");
    assert!(words.contains("Value tier: Top customers"), "{words}");
}

/// segments.csv of a run directory: (scheme, label) → customers.
fn segment_sizes(dir: &Path) -> std::collections::HashMap<(String, String), u64> {
    let text = std::fs::read_to_string(dir.join("segments.csv")).expect("segments");
    text.lines()
        .skip(1)
        .map(fields)
        .map(|f| ((f[0].clone(), f[1].clone()), f[3].parse().expect("count")))
        .collect()
}

#[test]
fn migration_matrices_add_up_to_both_snapshots() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("run");
    let printed = run_retail(
        dir.path(),
        &out,
        &["--compare-as-of", "2011-09-01", "--format", "xlsx"],
    );
    assert!(
        printed.contains("Migration 2011-09-01 → 2011-12-10"),
        "{printed}"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("migration/diff.json")).expect("diff"),
    )
    .expect("json");
    let (before, now) = (segment_sizes(&out.join("previous")), segment_sizes(&out));
    let migrations = report["migrations"].as_array().expect("migrations");
    assert!(migrations.len() >= 10);
    for m in migrations {
        let scheme = m["scheme"].as_str().expect("scheme");
        let rows = m["rows"].as_array().expect("rows");
        let columns = m["columns"].as_array().expect("columns");
        let cell = |r: usize, c: usize| m["customers"][r * columns.len() + c].as_u64().expect("n");
        // Each row (a label of the earlier run) adds up to its segment size then; each column
        // (a label now) to its size now; `new` and `lost` close the two margins.
        for (r, row) in rows.iter().enumerate().take(rows.len() - 1) {
            let code = row[0].as_str().expect("code").to_string();
            let total: u64 = (0..columns.len()).map(|c| cell(r, c)).sum();
            assert_eq!(
                total,
                before
                    .get(&(scheme.to_string(), code.clone()))
                    .copied()
                    .unwrap_or(0),
                "{scheme} {code}"
            );
        }
        for (c, column) in columns.iter().enumerate().take(columns.len() - 1) {
            let code = column[0].as_str().expect("code").to_string();
            let total: u64 = (0..rows.len()).map(|r| cell(r, c)).sum();
            assert_eq!(
                total,
                now.get(&(scheme.to_string(), code.clone()))
                    .copied()
                    .unwrap_or(0),
                "{scheme} {code}"
            );
        }
        let new: u64 = (0..columns.len()).map(|c| cell(rows.len() - 1, c)).sum();
        assert_eq!(new, report["new"].as_u64().expect("new"));
    }
    // The later run's report now shows who moved.
    let report = std::fs::read_to_string(out.join("report.html")).expect("report");
    assert!(
        report.contains(r#"<section id="migration">"#) && report.contains("<path"),
        "migration flows in the report"
    );
    // kehu diff on the two directories writes the same tables.
    let again = dir.path().join("again");
    ok(&kehu(
        &[
            "diff",
            out.join("previous").to_str().expect("utf8"),
            out.to_str().expect("utf8"),
            "--out",
            again.to_str().expect("utf8"),
        ],
        dir.path(),
        None,
    ));
    assert!(std::fs::metadata(out.join("migration/migration.xlsx")).is_ok_and(|m| m.len() > 1000));
    for file in ["summary.csv", "value_tier.csv", "alerts.csv"] {
        assert_eq!(
            std::fs::read(again.join(file)).expect("written"),
            std::fs::read(out.join("migration").join(file)).expect("written"),
            "{file}"
        );
    }
    // kehu diff into the later run itself rebuilds its workbook from the run directory, with
    // the migration: the same sheets and cells as the run wrote from memory.
    let written_by_run = workbook_cells(&out.join("customers.xlsx"));
    assert!(
        written_by_run
            .iter()
            .any(|(name, _)| name == "migration_summary")
    );
    // (The earlier run's workbook in its place first, so that only a rewrite can pass.)
    std::fs::copy(
        out.join("previous/customers.xlsx"),
        out.join("customers.xlsx"),
    )
    .expect("copy");
    ok(&kehu(
        &[
            "diff",
            out.join("previous").to_str().expect("utf8"),
            out.to_str().expect("utf8"),
        ],
        dir.path(),
        None,
    ));
    assert_eq!(workbook_cells(&out.join("customers.xlsx")), written_by_run);
    // Every alert is a customer who was high value (or high CLV, or key) and is lower now.
    let alerts = std::fs::read_to_string(out.join("migration/alerts.csv")).expect("alerts");
    assert!(alerts.lines().count() > 1);
    for line in alerts.lines().skip(1) {
        let f = fields(line);
        assert!(["high", "key"].contains(&f[2].as_str()), "{line}");
        assert_ne!(f[2], f[3], "{line}");
    }
}
