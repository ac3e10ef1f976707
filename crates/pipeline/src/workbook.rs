//! The sheets of `customers.xlsx` from a finished run: the segments of every scheme, then one
//! sheet per scheme with the actions the playbook aims at each label, the playbook with its
//! audiences, the row accounting of the inputs and, after `--compare-as-of`, the migration.

use crate::error::PipelineError;
use crate::migration::DiffReport;
use crate::playbook::PlaybookReport;
use crate::run::RunResult;
use crate::segments::SegmentRow;
use crate::table::{Cell, Table};
use arrow::array::RecordBatch;
use kehu_domain::Lang;
use std::path::PathBuf;

/// Writes `customers.xlsx` into the run directory; returns its path.
pub fn write_customers_workbook(
    result: &RunResult,
    customers: &RecordBatch,
    lang: Lang,
    migration: Option<&DiffReport>,
) -> Result<PathBuf, PipelineError> {
    let path = result.out_dir.join("customers.xlsx");
    let mut sheets = vec![(
        "segments".to_string(),
        segments_table(
            result.segments.iter(),
            false,
            result.playbook.as_ref(),
            lang,
        ),
    )];
    let mut schemes: Vec<&str> = Vec::new();
    for s in &result.segments {
        if !schemes.contains(&s.scheme.as_str()) {
            schemes.push(&s.scheme);
        }
    }
    for scheme in schemes {
        let rows = result.segments.iter().filter(|s| s.scheme == scheme);
        sheets.push((
            format!("seg_{scheme}"),
            segments_table(rows, true, result.playbook.as_ref(), lang),
        ));
    }
    sheets.push(("actions".to_string(), playbook_table(result, lang)));
    sheets.push(("data_quality".to_string(), quality_table(result, lang)));
    if let Some(report) = migration {
        sheets.extend(crate::migration::customer_workbook_sheets(report, lang));
    }
    crate::xlsx_output::write_customers_xlsx(&path, customers, &sheets)?;
    Ok(path)
}

/// Segment rows as a sheet: every scheme's rows with a `scheme` column, or (`one_scheme`) a
/// single scheme's rows with a total line and, when the run has a playbook, the actions aimed
/// at each label.
fn segments_table<'a>(
    rows: impl Iterator<Item = &'a SegmentRow>,
    one_scheme: bool,
    playbook: Option<&PlaybookReport>,
    lang: Lang,
) -> Table {
    let playbook = playbook.filter(|_| one_scheme);
    let mut header = vec![
        "scheme",
        "label",
        "name",
        "customers",
        "share",
        "revenue",
        "revenue_share",
        "mean_recency_days",
        "mean_orders",
        "mean_revenue",
        "mean_aov",
        "mean_clv",
        "mean_p_alive",
    ];
    if one_scheme {
        header.remove(0);
    }
    if playbook.is_some() {
        header.push("actions");
    }
    let mut table = Table {
        header: header.into_iter().map(String::from).collect(),
        rows: Vec::new(),
    };
    let optional = |v: Option<f64>| v.map_or(Cell::Empty, Cell::number);
    let (mut customers, mut share, mut revenue_share) = (0u64, 0.0, 0.0);
    let mut revenue = kehu_domain::Money::ZERO;
    for s in rows {
        let mut cells = Vec::with_capacity(14);
        if !one_scheme {
            cells.push(Cell::text(&s.scheme));
        }
        cells.extend([
            Cell::text(&s.label),
            Cell::text(&s.name),
            Cell::Count(s.customers),
            Cell::Share(s.share),
            Cell::Money(s.revenue),
            Cell::Share(s.revenue_share),
            optional(s.mean_recency_days),
            optional(s.mean_orders),
            optional(s.mean_revenue),
            optional(s.mean_aov),
            optional(s.mean_clv),
            s.mean_p_alive.map_or(Cell::Empty, Cell::Share),
        ]);
        if let Some(playbook) = playbook {
            cells.push(Cell::text(actions_aimed_at(
                playbook, &s.scheme, &s.label, lang,
            )));
        }
        customers += s.customers;
        share += s.share;
        revenue += s.revenue;
        revenue_share += s.revenue_share;
        table.rows.push(cells);
    }
    if one_scheme && !table.rows.is_empty() {
        let mut total = vec![Cell::text(lang.pick("total", "合计")), Cell::Empty];
        total.extend([
            Cell::Count(customers),
            Cell::Share(share),
            Cell::Money(revenue),
            Cell::Share(revenue_share),
        ]);
        table.rows.push(total);
    }
    table
}

/// The names of the playbook's actions with a target on `scheme:label` (alone or joined with
/// other conditions by `&`), most urgent first.
fn actions_aimed_at(playbook: &PlaybookReport, scheme: &str, label: &str, lang: Lang) -> String {
    let mut aimed: Vec<(u32, usize, &str)> = playbook
        .actions
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.targets.iter().any(|t| {
                t.split('&').any(|part| {
                    part.split_once(':')
                        .is_some_and(|(s, l)| s.trim() == scheme && l.trim() == label)
                })
            })
        })
        .map(|(k, a)| (a.priority, k, lang.pick(&a.en, &a.zh)))
        .collect();
    aimed.sort();
    aimed
        .iter()
        .map(|(_, _, name)| *name)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The playbook as a sheet: each action, its audience and what to watch.
fn playbook_table(result: &RunResult, lang: Lang) -> Table {
    let mut table = Table {
        header: [
            "action",
            "name",
            "priority",
            "channel",
            "offer",
            "kpi",
            "primary",
            "recommended",
            "listed",
            "revenue",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
    };
    for a in result.playbook.iter().flat_map(|p| &p.actions) {
        table.rows.push(vec![
            Cell::text(&a.code),
            Cell::text(lang.pick(&a.en, &a.zh)),
            Cell::number(f64::from(a.priority)),
            Cell::text(&a.channel),
            Cell::text(lang.pick(&a.offer_en, &a.offer_zh)),
            Cell::text(lang.pick(&a.kpi_en, &a.kpi_zh)),
            Cell::Count(a.primary as u64),
            Cell::Count(a.recommended as u64),
            Cell::Count(a.listed as u64),
            Cell::Money(a.revenue),
        ]);
    }
    table
}

/// Row accounting of every input and its quarantine reasons, as a sheet.
fn quality_table(result: &RunResult, lang: Lang) -> Table {
    let mut table = Table {
        header: [
            "file",
            "kind",
            "format",
            "encoding",
            "rows_seen",
            "accepted",
            "quarantined",
            "skipped_blank",
            "reason",
            "rows",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
    };
    for import in &result.check.imports {
        let r = &import.report;
        let counts = [r.rows_seen, r.accepted, r.quarantined, r.skipped_blank].map(Cell::Count);
        let mut first = vec![
            Cell::text(&r.file),
            Cell::text(r.kind.name()),
            Cell::text(r.format),
            Cell::text(&r.encoding),
        ];
        first.extend(counts);
        if r.quarantine_reasons.is_empty() {
            first.extend([Cell::Empty, Cell::Empty]);
            table.rows.push(first);
            continue;
        }
        for (k, (reason, n)) in r.quarantine_reasons.iter().enumerate() {
            let mut row = if k == 0 {
                first.clone()
            } else {
                vec![Cell::Empty; 8]
            };
            row.extend([
                Cell::text(format!("{} — {}", reason.code(), reason.describe(lang))),
                Cell::Count(*n),
            ]);
            table.rows.push(row);
        }
    }
    table
}
