//! The sheets of `customers.xlsx` from a finished run: the segments of every scheme, then one
//! sheet per scheme with the actions the playbook aims at each label, the playbook with its
//! audiences, the row accounting of the inputs and, after `--compare-as-of` or `kehu diff`,
//! the migration.

use crate::error::PipelineError;
use crate::migration::DiffReport;
use crate::playbook::PlaybookReport;
use crate::run::RunResult;
use crate::segments::{SegmentRow, segment_rows};
use crate::snapshot::Snapshot;
use crate::table::{Cell, Table};
use arrow::array::RecordBatch;
use kehu_domain::{Lang, Reason};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What `customers.xlsx` holds besides the customer table: made from a run as it ends, or
/// read back from a finished run directory.
#[derive(Debug, Clone)]
pub struct WorkbookParts {
    segments: Vec<SegmentRow>,
    playbook: Option<PlaybookReport>,
    inputs: Vec<InputQuality>,
}

/// One input's row accounting.
#[derive(Debug, Clone, PartialEq)]
struct InputQuality {
    file: String,
    kind: String,
    format: String,
    encoding: String,
    counts: [u64; 4],
    /// Each quarantine reason: code, what it means (in the workbook's language), rows.
    reasons: Vec<(String, String, u64)>,
}

impl WorkbookParts {
    /// The parts of a run that has just ended.
    pub fn of_run(result: &RunResult, lang: Lang) -> WorkbookParts {
        let inputs = result
            .check
            .imports
            .iter()
            .map(|import| {
                let r = &import.report;
                InputQuality {
                    file: with_sheet(&r.file, r.sheet.as_deref()),
                    kind: r.kind.name().to_string(),
                    format: r.format.to_string(),
                    encoding: r.encoding.clone(),
                    counts: [r.rows_seen, r.accepted, r.quarantined, r.skipped_blank],
                    reasons: r
                        .quarantine_reasons
                        .iter()
                        .map(|(reason, n)| {
                            (
                                reason.code().to_string(),
                                reason.describe(lang).to_string(),
                                *n,
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        WorkbookParts {
            segments: result.segments.clone(),
            playbook: result.playbook.clone(),
            inputs,
        }
    }

    /// The parts of a finished run directory: the segments counted again from
    /// `customers.parquet` (as the run counted them), the playbook and the inputs from
    /// `run.json`.
    pub fn of_snapshot(snapshot: &Snapshot, lang: Lang) -> Result<WorkbookParts, PipelineError> {
        let labellings = snapshot
            .scheme_ids()
            .iter()
            .map(|id| snapshot.labelling(id))
            .collect::<Result<Vec<_>, _>>()?;
        let segments = segment_rows(
            &snapshot.frame,
            &labellings.iter().collect::<Vec<_>>(),
            lang,
        );
        let record = snapshot.record();
        let playbook = match &record["playbook"] {
            Value::Null => None,
            json => Some(PlaybookReport::deserialize(json).map_err(|e| {
                PipelineError::Input(format!(
                    "{}: the playbook in run.json cannot be read: {e}",
                    snapshot.dir.join("run.json").display()
                ))
            })?),
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let inputs = record["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|input| {
                let mut reasons: Vec<(String, String, u64)> = input["quarantine_reasons"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(code, n)| {
                        let meaning = Reason::from_code(code)
                            .map(|r| r.describe(lang).to_string())
                            .unwrap_or_default();
                        (code.clone(), meaning, n.as_u64().unwrap_or_default())
                    })
                    .collect();
                // In the run's order (the reasons' declaration order), not the codes'.
                reasons.sort_by_key(|(code, _, _)| (Reason::from_code(code), code.clone()));
                InputQuality {
                    file: with_sheet(&text(&input["file"]), input["sheet"].as_str()),
                    kind: text(&input["kind"]),
                    format: text(&input["format"]),
                    encoding: text(&input["encoding"]),
                    counts: ["rows_seen", "accepted", "quarantined", "skipped_blank"]
                        .map(|k| input[k].as_u64().unwrap_or_default()),
                    reasons,
                }
            })
            .collect();
        Ok(WorkbookParts {
            segments,
            playbook,
            inputs,
        })
    }
}

/// A file as the data-quality sheet names it: with its worksheet, for a workbook.
fn with_sheet(file: &str, sheet: Option<&str>) -> String {
    match sheet {
        Some(sheet) => format!("{file} [{sheet}]"),
        None => file.to_string(),
    }
}

/// Writes `customers.xlsx` into `dir`; returns its path.
pub fn write_customers_workbook(
    dir: &Path,
    customers: &RecordBatch,
    parts: &WorkbookParts,
    lang: Lang,
    migration: Option<&DiffReport>,
) -> Result<PathBuf, PipelineError> {
    let path = dir.join("customers.xlsx");
    let mut sheets = vec![(
        "segments".to_string(),
        segments_table(parts.segments.iter(), false, parts.playbook.as_ref(), lang),
    )];
    let mut schemes: Vec<&str> = Vec::new();
    for s in &parts.segments {
        if !schemes.contains(&s.scheme.as_str()) {
            schemes.push(&s.scheme);
        }
    }
    for scheme in schemes {
        let rows = parts.segments.iter().filter(|s| s.scheme == scheme);
        sheets.push((
            format!("seg_{scheme}"),
            segments_table(rows, true, parts.playbook.as_ref(), lang),
        ));
    }
    sheets.push((
        "actions".to_string(),
        playbook_table(parts.playbook.as_ref(), lang),
    ));
    sheets.push(("data_quality".to_string(), quality_table(&parts.inputs)));
    if let Some(report) = migration {
        sheets.extend(crate::migration::customer_workbook_sheets(report, lang));
    }
    crate::xlsx_output::write_customers_xlsx(&path, customers, &sheets)?;
    Ok(path)
}

/// Writes `customers.xlsx` of the finished run `snapshot` again with `migration`'s sheets
/// (`kehu diff` into the later run), when the run wrote one; returns its path then.
pub fn add_migration_to_workbook(
    snapshot: &Snapshot,
    migration: &DiffReport,
    lang: Lang,
) -> Result<Option<PathBuf>, PipelineError> {
    if !snapshot.dir.join("customers.xlsx").exists() {
        return Ok(None);
    }
    let parts = WorkbookParts::of_snapshot(snapshot, lang)?;
    write_customers_workbook(
        &snapshot.dir,
        snapshot.frame.batch(),
        &parts,
        lang,
        Some(migration),
    )
    .map(Some)
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
fn playbook_table(playbook: Option<&PlaybookReport>, lang: Lang) -> Table {
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
    for a in playbook.iter().flat_map(|p| &p.actions) {
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
fn quality_table(inputs: &[InputQuality]) -> Table {
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
    for input in inputs {
        let mut first = vec![
            Cell::text(&input.file),
            Cell::text(&input.kind),
            Cell::text(&input.format),
            Cell::text(&input.encoding),
        ];
        first.extend(input.counts.map(Cell::Count));
        if input.reasons.is_empty() {
            first.extend([Cell::Empty, Cell::Empty]);
            table.rows.push(first);
            continue;
        }
        for (k, (code, meaning, n)) in input.reasons.iter().enumerate() {
            let mut row = if k == 0 {
                first.clone()
            } else {
                vec![Cell::Empty; 8]
            };
            row.extend([Cell::text(format!("{code} — {meaning}")), Cell::Count(*n)]);
            table.rows.push(row);
        }
    }
    table
}
