//! The commands over finished run directories: `kehu diff RUN_A RUN_B` (and the migration
//! part of `kehu run --compare-as-of`) and `kehu report RUN`.

use crate::args::{DiffArgs, ReportArgs};
use crate::exit::Outcome;
use crate::run_cmd::settle;
use kehu_domain::Lang;
use kehu_pipeline::{DEFAULT_ALERTS, DiffReport, Snapshot, diff, write_diff};
use kehu_report::{format_count, format_money, left_aligned, right_aligned};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Compares two run directories and writes the tables.
pub fn run(args: &DiffArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.to.join("migration"));
    let alerts: Vec<String> = if args.alerts.is_empty() {
        DEFAULT_ALERTS.iter().map(|a| a.to_string()).collect()
    } else {
        args.alerts.clone()
    };
    let (report, later) = match settle(
        compare_runs(&args.from, &args.to, &alerts, &out, lang),
        lang,
    )? {
        Ok(compared) => compared,
        Err(outcome) => return Ok(outcome),
    };
    write!(
        std::io::stdout().lock(),
        "{}",
        render(&report, &args.scheme, &out, lang)
    )?;
    if args.out.is_none() {
        // The later run's report gains the migration section, and its workbook (when it
        // wrote one) the migration sheets.
        std::fs::write(
            later.dir.join("report.html"),
            kehu_pipeline::report_of_run(&later, lang),
        )?;
        kehu_pipeline::add_migration_to_workbook(&later, &report, lang)?;
    }
    Ok(Outcome::Success)
}

/// Reads both snapshots, diffs them and writes the tables into `out`; returns the diff and
/// the later snapshot.
fn compare_runs(
    from: &Path,
    to: &Path,
    alerts: &[String],
    out: &Path,
    lang: Lang,
) -> Result<(DiffReport, Snapshot), kehu_pipeline::PipelineError> {
    let later = Snapshot::read(to)?;
    let report = diff(&Snapshot::read(from)?, &later, alerts)?;
    write_diff(&report, out, lang)?;
    Ok((report, later))
}

/// The summary per scheme, one scheme's matrix, and the first alerts.
pub(crate) fn render(r: &DiffReport, scheme: &str, out: &Path, lang: Lang) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} → {}: {} {} · {} {} · {} {}",
        lang.pick("Migration", "客户迁移"),
        r.from_as_of,
        r.to_as_of,
        format_count(r.common as u64),
        lang.pick("in both", "位两期都在"),
        format_count(r.new as u64),
        lang.pick("new", "位新增"),
        format_count(r.lost as u64),
        lang.pick("lost", "位流失")
    );
    // Aligned by terminal columns: a Chinese character takes two.
    let _ = writeln!(
        text,
        "\n  {}{}{}{}{}",
        left_aligned(lang.pick("scheme", "方案"), 20),
        right_aligned(lang.pick("stayed", "未变"), 10),
        right_aligned(lang.pick("upgraded", "升级"), 10),
        right_aligned(lang.pick("downgraded", "降级"), 12),
        right_aligned(lang.pick("changed", "变化"), 10)
    );
    for m in &r.migrations {
        let (up, down) = if m.ordered {
            (format_count(m.upgraded), format_count(m.downgraded))
        } else {
            ("-".into(), "-".into())
        };
        let _ = writeln!(
            text,
            "  {:<20}{:>10}{:>10}{:>12}{:>10}",
            m.scheme,
            format_count(m.stayed),
            up,
            down,
            format_count(m.changed)
        );
    }
    if let Some(m) = r.migrations.iter().find(|m| m.scheme == scheme) {
        let _ = writeln!(
            text,
            "\n{} ({}; {})",
            lang.pick(&m.en, &m.zh),
            lang.pick("rows: before, columns: now", "行：上期，列：本期"),
            lang.pick("customers", "客户数")
        );
        let rows: Vec<usize> = (0..m.rows.len())
            .filter(|&i| (0..m.columns.len()).any(|j| m.count(i, j) > 0))
            .collect();
        let columns: Vec<usize> = (0..m.columns.len())
            .filter(|&j| rows.iter().any(|&i| m.count(i, j) > 0))
            .collect();
        let _ = write!(text, "  {:<12}", "");
        for &j in &columns {
            let _ = write!(text, "{:>10}", m.columns[j].0);
        }
        let _ = writeln!(text);
        for &i in &rows {
            let _ = write!(text, "  {:<12}", m.rows[i].0);
            for &j in &columns {
                let n = m.count(i, j);
                let _ = write!(
                    text,
                    "{:>10}",
                    if n == 0 { "·".into() } else { format_count(n) }
                );
            }
            let _ = writeln!(text);
        }
    }
    let _ = writeln!(
        text,
        "\n{}: {}",
        lang.pick("Valuable customers who moved down", "下滑的高价值客户"),
        format_count(r.alerts.len() as u64)
    );
    for a in r.alerts.iter().take(10) {
        let _ = writeln!(
            text,
            "  {} {}: {} → {} · {} {} · {}",
            a.customer_id,
            a.scheme,
            lang.pick(&a.from_name.0, &a.from_name.1),
            lang.pick(&a.to_name.0, &a.to_name.1),
            lang.pick("revenue before", "上期收入"),
            format_money(a.revenue_before, lang),
            a.primary_action.as_deref().unwrap_or("-")
        );
    }
    let _ = writeln!(
        text,
        "\n{} {}",
        lang.pick("Tables in", "表格目录："),
        out.display()
    );
    text
}

/// `kehu report RUN`: the page again, from the run directory.
pub fn report(args: &ReportArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let snapshot = match settle(Snapshot::read(&args.run_dir), lang)? {
        Ok(snapshot) => snapshot,
        Err(outcome) => return Ok(outcome),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.run_dir.join("report.html"));
    std::fs::write(&out, kehu_pipeline::report_of_run(&snapshot, lang))?;
    writeln!(
        std::io::stdout().lock(),
        "{} {}",
        lang.pick("Report:", "报告："),
        out.display()
    )?;
    Ok(Outcome::Success)
}
