//! `kehu run` end to end on a small fixture (orders, customers, feedback): one label per
//! customer and scheme, segment totals exact, byte-identical outputs, and invariance under
//! row order and under transactions after `as_of`.

use chrono::NaiveDate;
use kehu_domain::Lang;
use kehu_ingest::ImportOptions;
use kehu_pipeline::config::{Config, parse_config};
use kehu_pipeline::{RunRequest, RunResult, run};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cli/tests/fixtures/run")
        .join(name)
}

fn request(
    files: Vec<PathBuf>,
    out: &Path,
    config: Config,
    as_of: Option<NaiveDate>,
) -> RunRequest {
    RunRequest {
        config,
        config_dir: PathBuf::from("."),
        files,
        import: ImportOptions::default(),
        as_of,
        out_dir: Some(out.to_path_buf()),
        formats: vec![],
        lang: Lang::En,
    }
}

fn all_fixtures() -> Vec<PathBuf> {
    ["orders.csv", "customers.csv", "feedback.csv"]
        .map(fixture)
        .to_vec()
}

fn run_into(files: Vec<PathBuf>, out: &Path, as_of: Option<NaiveDate>) -> RunResult {
    run(&request(files, out, Config::default(), as_of), |_, _| {}).expect("run succeeds")
}

/// The fixture's customers split in two halves of data rows.
fn customer_halves() -> (String, Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(fixture("customers.csv")).expect("fixture");
    let mut lines = text.lines().map(String::from);
    let header = lines.next().expect("header");
    let rows: Vec<String> = lines.collect();
    let (a, b) = rows.split_at(rows.len() / 2);
    (header, a.to_vec(), b.to_vec())
}

/// A customers CSV of `rows` under `header`, with `columns` (comma-separated headers) added
/// and row `i` holding `values(i)` there.
fn with_columns(
    header: &str,
    rows: &[String],
    columns: &str,
    values: impl Fn(usize) -> String,
) -> String {
    let mut out = format!("{header},{columns}\n");
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!("{row},{}\n", values(i)));
    }
    out
}

fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).expect("output exists")
}

#[test]
fn every_customer_gets_one_label_per_scheme_and_totals_are_exact() {
    let dir = tempfile::tempdir().expect("tmp");
    let result = run_into(all_fixtures(), dir.path(), None);
    // 24 buyers in orders.csv plus 3 customers known only from customers.csv.
    assert_eq!(result.customers, 27);
    let labellings = result.labellings();
    assert!(
        labellings.len() >= 17,
        "every shipped scheme ran on this fixture"
    );
    for l in &labellings {
        assert_eq!(l.assigned.len(), result.customers, "{}", l.scheme.id);
        let codes: std::collections::BTreeSet<&str> =
            l.labels.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(
            codes.len(),
            l.labels.len(),
            "{}: label codes are unique",
            l.scheme.id
        );
        assert_eq!(l.counts().iter().sum::<u64>(), result.customers as u64);
        let revenue: i128 = result
            .segments
            .iter()
            .filter(|s| s.scheme == l.scheme.id)
            .map(|s| s.revenue.units())
            .sum();
        assert_eq!(revenue, result.revenue.units(), "{} adds up", l.scheme.id);
    }
    // The three customers without orders are potential customers, and no RFM segment.
    let lifecycle = labellings
        .iter()
        .find(|l| l.scheme.id == "lifecycle")
        .expect("lifecycle");
    assert_eq!(lifecycle.counts()[0], 3, "potential");
    let csv = String::from_utf8(bytes(dir.path(), "segments.csv")).expect("utf8");
    assert!(csv.contains("rfm_segment,none,Not applicable,3,"), "{csv}");
}

#[test]
fn every_scheme_and_fixed_label_code_is_documented() {
    let dir = tempfile::tempdir().expect("tmp");
    let result = run_into(all_fixtures(), dir.path(), None);
    let docs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemes.md"),
    )
    .expect("docs/schemes.md");
    let data_valued = [
        "category_preference",
        "gender_group",
        "region_group",
        "age_band",
    ];
    for l in result.labellings() {
        assert!(
            docs.contains(&format!("`{}`", l.scheme.id)),
            "{}",
            l.scheme.id
        );
        if data_valued.contains(&l.scheme.id.as_str()) {
            continue;
        }
        for label in &l.labels {
            assert!(
                docs.contains(&format!("`{}`", label.code)),
                "{}: {}",
                l.scheme.id,
                label.code
            );
        }
    }
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let (a, b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    run_into(all_fixtures(), a.path(), None);
    run_into(all_fixtures(), b.path(), None);
    for f in ["customers.parquet", "segments.csv", "quarantine.csv"] {
        assert_eq!(bytes(a.path(), f), bytes(b.path(), f), "{f}");
    }
}

#[test]
fn custom_features_and_rules_run_and_report_overlaps() {
    let config = parse_config(
        r#"
[features]
big_basket = "aov > 150"
[[custom]]
id = "campaign"
en = "Campaign"
zh = "活动"
[[custom.rules]]
code = "vip"
en = "VIP"
zh = "贵宾"
when = "big_basket AND value_tier = 'high'"
[[custom.rules]]
code = "buyers"
en = "Buyers"
zh = "购买者"
when = "orders >= 1"
"#,
        "kehu.toml",
    )
    .expect("config");
    let dir = tempfile::tempdir().expect("tmp");
    let result = run(
        &request(all_fixtures(), dir.path(), config, None),
        |_, _| {},
    )
    .expect("run");
    let campaign = result
        .labellings()
        .into_iter()
        .find(|l| l.scheme.id == "campaign")
        .expect("custom scheme ran");
    let counts = campaign.counts();
    assert_eq!(counts.iter().sum::<u64>(), 27);
    assert_eq!(counts[2], 3, "the customers without orders match no rule");
    assert!(counts[0] > 0, "some high-value big baskets");
    assert!(
        campaign.notes[0].en.contains("matched several"),
        "{:?}",
        campaign.notes
    );
}

#[test]
fn a_rule_with_a_syntax_error_names_the_rule_and_the_columns() {
    let config = parse_config(
        "[[custom]]\nid = \"c\"\nen = \"C\"\nzh = \"C\"\n[[custom.rules]]\ncode = \"x\"\nen = \"X\"\nzh = \"X\"\nwhen = \"orders >= AND recency_days < 30\"\n",
        "kehu.toml",
    )
    .expect("config");
    let dir = tempfile::tempdir().expect("tmp");
    let err = run(
        &request(all_fixtures(), dir.path(), config, None),
        |_, _| {},
    )
    .expect_err("bad rule");
    let text = err.to_string();
    assert!(
        text.contains("custom[0]") && text.contains("recency_days"),
        "{text}"
    );
}

/// The orders fixture with its data lines in another order.
fn shuffled_orders(dir: &Path, seed: u64) -> PathBuf {
    let text = std::fs::read_to_string(fixture("orders.csv")).expect("fixture");
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..lines.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lines.swap(i, (state >> 33) as usize % (i + 1));
    }
    let path = dir.join("orders.csv");
    std::fs::write(&path, format!("{header}\n{}\n", lines.join("\n"))).expect("write");
    path
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn permuting_rows_changes_no_output_byte(seed in 0u64..1_000_000) {
        let base = tempfile::tempdir().expect("tmp");
        let reference = base.path().join("reference");
        run_into(vec![fixture("orders.csv")], &reference, None);
        let shuffled_dir = base.path().join("in");
        std::fs::create_dir_all(&shuffled_dir).expect("dir");
        let shuffled = shuffled_orders(&shuffled_dir, seed);
        let out = base.path().join("shuffled");
        run_into(vec![shuffled], &out, None);
        for f in ["customers.parquet", "segments.csv"] {
            prop_assert_eq!(bytes(&reference, f), bytes(&out, f), "{}", f);
        }
    }

    #[test]
    fn transactions_after_as_of_change_nothing(days_after in 0i64..400, amount in 1u32..100_000) {
        let as_of = NaiveDate::from_ymd_opt(2024, 12, 16);
        let base = tempfile::tempdir().expect("tmp");
        let reference = base.path().join("reference");
        run_into(vec![fixture("orders.csv")], &reference, as_of);
        let text = std::fs::read_to_string(fixture("orders.csv")).expect("fixture");
        let day = as_of.expect("date") + chrono::Duration::days(days_after);
        let late = base.path().join("orders.csv");
        // An existing customer and a new one, both on or after as_of.
        std::fs::write(
            &late,
            format!("{text}K001,LATE1,{day},{amount}.00,Books,web,East,\nK999,LATE2,{day},12.00,Toys,app,South,\n"),
        )
        .expect("write");
        let out = base.path().join("late");
        run_into(vec![late], &out, as_of);
        for f in ["customers.parquet", "segments.csv"] {
            prop_assert_eq!(bytes(&reference, f), bytes(&out, f), "{}", f);
        }
    }
}

fn customer_table(dir: &Path) -> arrow::array::RecordBatch {
    let file = std::fs::File::open(dir.join("customers.parquet")).expect("parquet");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("reader")
        .build()
        .expect("build");
    let batches: Vec<_> = reader.map(|b| b.expect("batch")).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).expect("concat")
}

fn column_text(batch: &arrow::array::RecordBatch, name: &str) -> Vec<String> {
    let col = batch.column_by_name(name).expect("column");
    (0..batch.num_rows())
        .map(|i| arrow::util::display::array_value_to_string(col, i).expect("value"))
        .collect()
}

#[test]
fn fixed_bins_and_renamed_labels_follow_the_config() {
    let config = parse_config(
        "[rfm]\nmethod = \"bins\"\nr_edges = [30, 90, 180, 365]\n[schemes.rfm8.labels.important_value]\nzh = \"钻石客户\"\n",
        "kehu.toml",
    )
    .expect("config");
    let dir = tempfile::tempdir().expect("tmp");
    let mut req = request(all_fixtures(), dir.path(), config, None);
    req.lang = Lang::Zh;
    let result = run(&req, |_, _| {}).expect("run");
    let table = customer_table(dir.path());
    let recency = column_text(&table, "recency_days");
    let r = column_text(&table, "r_score");
    for (days, score) in recency.iter().zip(&r) {
        let expected = match days.parse::<f64>() {
            Ok(d) if d <= 30.0 => "5",
            Ok(d) if d <= 90.0 => "4",
            Ok(d) if d <= 180.0 => "3",
            Ok(d) if d <= 365.0 => "2",
            Ok(_) => "1",
            Err(_) => "",
        };
        assert_eq!(score, expected, "recency {days}");
    }
    let renamed = result
        .segments
        .iter()
        .find(|s| s.scheme == "rfm8" && s.label == "important_value")
        .expect("row");
    assert_eq!(renamed.name, "钻石客户");
    let other = result
        .segments
        .iter()
        .find(|s| s.scheme == "rfm8" && s.label == "general_value")
        .expect("row");
    assert_eq!(
        other.name, "一般价值客户",
        "unrenamed labels keep the shipped name"
    );
}

#[test]
fn the_workbook_has_a_sheet_per_table_and_the_action_lists_their_own() {
    use calamine::{Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().expect("tmp");
    let mut req = request(all_fixtures(), dir.path(), Config::default(), None);
    req.formats = vec!["xlsx".into()];
    let result = run(&req, |_, _| {}).expect("run succeeds");
    let mut book: Xlsx<_> = open_workbook(dir.path().join("customers.xlsx")).expect("workbook");
    // customers, segments, one sheet per scheme, actions, data_quality.
    let mut schemes: Vec<&str> = result.segments.iter().map(|s| s.scheme.as_str()).collect();
    schemes.dedup();
    let mut expected = vec!["customers".to_string(), "segments".to_string()];
    expected.extend(schemes.iter().map(|s| format!("seg_{s}")));
    expected.extend(["actions".to_string(), "data_quality".to_string()]);
    assert_eq!(book.sheet_names(), expected);
    // A scheme's sheet: its labels, then a total line that adds up to every customer.
    let tiers = book.worksheet_range("seg_value_tier").expect("tier sheet");
    let labels = result
        .segments
        .iter()
        .filter(|s| s.scheme == "value_tier")
        .count();
    assert_eq!(tiers.height(), labels + 2);
    let total_customers: u64 = result
        .segments
        .iter()
        .filter(|s| s.scheme == "value_tier")
        .map(|s| s.customers)
        .sum();
    assert_eq!(
        tiers.get((labels + 1, 2)).map(|c| c.to_string()),
        Some(total_customers.to_string())
    );
    // The actions aimed at the high tier are named on its line.
    let high = (1..=labels)
        .find(|&r| tiers.get((r, 0)).map(|c| c.to_string()) == Some("high".into()))
        .expect("a high line");
    let actions_column = tiers.width() - 1;
    assert!(
        !tiers
            .get((high, actions_column))
            .map(|c| c.to_string())
            .unwrap_or_default()
            .is_empty(),
        "the high tier has actions"
    );
    let actions = book.worksheet_range("actions").expect("actions sheet");
    let playbook = result.playbook.as_ref().expect("playbook");
    assert_eq!(actions.height(), playbook.actions.len() + 1);
    let quality = book.worksheet_range("data_quality").expect("quality sheet");
    assert_eq!(
        quality.get((0, 4)).map(|c| c.to_string()),
        Some("rows_seen".into())
    );
    // Every action with a list has the same rows in its .xlsx as in its .csv.
    for action in playbook.actions.iter().filter(|a| a.listed > 0) {
        let mut list: Xlsx<_> =
            open_workbook(dir.path().join(format!("actions/{}.xlsx", action.code))).expect("list");
        let range = list.worksheet_range(&action.code).expect("sheet");
        let csv = std::fs::read_to_string(dir.path().join(format!("actions/{}.csv", action.code)))
            .expect("csv");
        assert_eq!(range.height(), csv.lines().count(), "{}", action.code);
        assert_eq!(range.height(), action.listed + 1);
    }
}

#[test]
fn the_report_shows_nps_by_value_tier_when_there_is_feedback() {
    let dir = tempfile::tempdir().expect("tmp");
    run_into(all_fixtures(), dir.path(), None);
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report");
    assert!(
        html.contains(r#"<section id="nps">"#),
        "the fixture has NPS answers"
    );
    assert!(html.contains(r#"<section id="schemes">"#) && html.contains("default-src 'none'"));
}

#[test]
fn with_model_auto_the_report_tracks_the_holdout() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = parse_config("[predict]\nmodel = \"auto\"\nmin_customers = 10\nmin_repeat_buyers = 5\nholdout_days = 60\n", "kehu.toml")
        .expect("config");
    let result = run(
        &request(all_fixtures(), dir.path(), config, None),
        |_, _| {},
    )
    .expect("run succeeds");
    if let Some(tracking) = &result.tracking {
        assert_eq!(tracking.days.len(), tracking.actual.len());
        assert_eq!(tracking.days.len(), tracking.predicted.len());
        let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report");
        assert!(
            html.contains("Holdout tracking"),
            "the report draws the tracking curve"
        );
    }
}

#[test]
fn a_customers_files_other_columns_are_attributes_that_rules_can_use() {
    let dir = tempfile::tempdir().expect("tmp");
    // The fixture's customers in two files: the first with two columns no field names, the
    // second without them.
    let (header, with, without) = customer_halves();
    let level = |i: usize| {
        if i.is_multiple_of(3) {
            "gold"
        } else {
            "silver"
        }
    };
    let gold = (0..with.len()).filter(|&i| level(i) == "gold").count();
    let first = with_columns(&header, &with, "Member Level,会员等级", |i| {
        format!("{},{}", level(i), i + 1)
    });
    let second = format!("{header}\n{}\n", without.join("\n"));
    let (a, b) = (dir.path().join("members.csv"), dir.path().join("more.csv"));
    std::fs::write(&a, first).expect("write");
    std::fs::write(&b, second).expect("write");
    let config = parse_config(
        r#"
[[custom]]
id = "membership"
en = "Membership"
zh = "会员"
[[custom.rules]]
code = "gold"
en = "Gold"
zh = "金卡"
when = "attr_member_level = 'gold'"
"#,
        "kehu.toml",
    )
    .expect("config");
    let out = dir.path().join("run");
    let result = run(
        &request(vec![fixture("orders.csv"), a, b], &out, config, None),
        |_, _| {},
    )
    .expect("run");
    let membership = result
        .labellings()
        .into_iter()
        .find(|l| l.scheme.id == "membership")
        .expect("custom scheme ran");
    assert_eq!(membership.counts()[0], gold as u64);
    // Both attributes are columns of customers.parquet; the second file's customers have
    // none (null).
    let snapshot = kehu_pipeline::Snapshot::read(&out).expect("snapshot");
    let level = snapshot.frame.text("attr_member_level").expect("column");
    let number = snapshot.frame.text("attr_会员等级").expect("column");
    assert_eq!(
        level
            .iter()
            .filter(|v| v.as_deref() == Some("gold"))
            .count(),
        gold
    );
    assert_eq!(
        level.iter().filter(|v| v.is_some()).count(),
        with.len(),
        "the second file's customers have no level"
    );
    assert_eq!(number.iter().filter(|v| v.is_some()).count(), with.len());
}

#[test]
fn check_compares_the_customers_of_the_files() {
    let run = kehu_pipeline::check_files(&all_fixtures(), &ImportOptions::default(), |_| {});
    let across = run.report.across_files.expect("three kinds of files");
    // Counted from the fixture files with Python's csv module: 24 buyers, 27 listed (the
    // buyers and K025–K027), 12 with feedback, all of them buyers.
    assert_eq!(
        (across.buyers, across.listed, across.with_feedback),
        (24, Some(27), Some(12))
    );
    assert_eq!(
        (
            across.listed_without_transactions,
            across.buyers_not_listed,
            across.feedback_from_unknown
        ),
        (Some(3), Some(0), Some(0))
    );
    assert_eq!(
        across.examples["listed_without_transactions"],
        ["K025", "K026", "K027"]
    );
    // Feedback from customers numbered another way: all of it unknown.
    let dir = tempfile::tempdir().expect("tmp");
    let feedback = dir.path().join("survey.csv");
    std::fs::write(
        &feedback,
        "customer_id,feedback_date,csat\nk001,2024-01-02,4\nk002,2024-01-03,5\n",
    )
    .expect("write");
    let run = kehu_pipeline::check_files(
        &[fixture("orders.csv"), feedback],
        &ImportOptions::default(),
        |_| {},
    );
    let across = run.report.across_files.expect("two kinds");
    assert_eq!(
        (across.listed, across.feedback_from_unknown),
        (None, Some(2))
    );
    // A transactions file alone: nothing to compare.
    let alone =
        kehu_pipeline::check_files(&[fixture("orders.csv")], &ImportOptions::default(), |_| {});
    assert!(alone.report.across_files.is_none());
}

#[test]
fn a_text_column_named_as_a_tree_feature_is_an_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tmp");
    let (header, a, b) = customer_halves();
    let rows = [a, b].concat();
    let members = with_columns(&header, &rows, "level", |i| {
        if i.is_multiple_of(2) {
            "silver"
        } else {
            "gold"
        }
        .to_string()
    });
    let path = dir.path().join("members.csv");
    std::fs::write(&path, members).expect("write");
    let config = parse_config(
        "[tree]\ntarget = \"value_tier\"\nfeatures = [\"orders\", \"attr_level\"]\n",
        "kehu.toml",
    )
    .expect("config");
    let err = run(
        &request(
            vec![fixture("orders.csv"), path],
            &dir.path().join("run"),
            config,
            None,
        ),
        |_, _| {},
    )
    .expect_err("a text feature");
    let text = err.to_string();
    assert!(
        text.contains("`attr_level` is text") && text.contains("CASE WHEN attr_level = 'x'"),
        "{text}"
    );
}

#[test]
fn sheet_all_reads_every_visible_sheet_of_a_workbook() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("orders.xlsx");
    let mut book = Workbook::new();
    let header = ["customer_id", "order_id", "order_date", "amount"];
    for (s, name) in ["2023", "2024", "notes"].iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).expect("name");
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        for r in 1..=3u32 {
            let row = [
                format!("C{r}"),
                format!("O{s}{r}"),
                format!("{name}-0{r}-01"),
                format!("{r}0.5"),
            ];
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r, c as u16, v).expect("cell");
            }
        }
        if *name == "notes" {
            sheet.set_hidden(true);
        }
    }
    book.save(&path).expect("save");
    let chosen = |sheet: Option<&str>| {
        let options = ImportOptions {
            sheet: sheet.map(String::from),
            ..ImportOptions::default()
        };
        kehu_pipeline::check_files(std::slice::from_ref(&path), &options, |_| {}).report
    };
    let refused = chosen(None);
    assert_eq!(refused.refused.len(), 1);
    assert!(
        refused.refused[0]
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("--sheet all")),
        "{:?}",
        refused.refused
    );
    // The two visible sheets, one import each; the hidden one is not read.
    let all = chosen(Some("all"));
    let sheets: Vec<(Option<&str>, u64)> = all
        .files
        .iter()
        .map(|f| (f.import.sheet.as_deref(), f.import.accepted))
        .collect();
    assert_eq!(sheets, [(Some("2023"), 3), (Some("2024"), 3)]);
}

#[test]
fn an_attribute_of_numbers_in_one_file_and_text_in_another_is_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let (header, a_rows, b_rows) = customer_halves();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let numbers = with_columns(&header, &a_rows, "Score", |i| format!("{}", i + 1));
    std::fs::write(&a, numbers).expect("write");
    let words = with_columns(&header, &b_rows, "Score", |_| "high".to_string());
    std::fs::write(&b, words).expect("write");
    // Alone, the first file's score is numbers.
    let alone = kehu_ingest::import_file(&a, &ImportOptions::default()).expect("imports");
    let field = alone.schema.field_with_name("attr_score").expect("attr");
    assert_eq!(field.data_type(), &arrow::datatypes::DataType::Float64);
    let out = dir.path().join("run");
    run(
        &request(
            vec![fixture("orders.csv"), a, b],
            &out,
            Config::default(),
            None,
        ),
        |_, _| {},
    )
    .expect("run");
    let snapshot = kehu_pipeline::Snapshot::read(&out).expect("snapshot");
    let scores = snapshot.frame.text("attr_score").expect("column");
    assert_eq!(
        scores
            .iter()
            .filter(|s| s.as_deref() == Some("high"))
            .count(),
        b_rows.len()
    );
    assert!(scores.iter().flatten().any(|s| s.starts_with('1')));
}
