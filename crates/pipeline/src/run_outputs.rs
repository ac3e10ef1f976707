//! The files of a run directory: customers.parquet (+ csv), segments.csv, quarantine.csv and
//! run.json.

use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::outputs::{write_batches_csv, write_batches_parquet};
use crate::run::{RunRequest, RunResult};
use crate::schemes::SchemeOutcome;
use crate::segments::segments_csv;
use kehu_domain::{Label, Note, SchemeInfo};
use kehu_features::TimeUnit;
use kehu_ingest::quarantine::write_quarantine_csv;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PipelineError> {
    std::fs::write(path, bytes).map_err(|source| PipelineError::Write {
        path: path.into(),
        source,
    })
}

/// One input as `run.json` records it.
#[derive(Debug, Serialize)]
struct InputRecord<'a> {
    file: &'a str,
    /// The worksheet read, for a workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<&'a str>,
    sha256: &'a str,
    bytes: u64,
    format: &'a str,
    kind: &'a str,
    encoding: &'a str,
    rows_seen: u64,
    accepted: u64,
    quarantined: u64,
    skipped_blank: u64,
    /// The currency the amounts were marked with, if any.
    currency: Option<&'static str>,
    /// Quarantined rows per reason code.
    quarantine_reasons: std::collections::BTreeMap<&'static str, u64>,
}

#[derive(Debug, Serialize)]
struct LabelRecord<'a> {
    #[serde(flatten)]
    label: &'a Label,
    customers: u64,
}

#[derive(Debug, Serialize)]
struct SchemeRecord<'a> {
    #[serde(flatten)]
    scheme: &'a SchemeInfo,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a Note>,
    labels: Vec<LabelRecord<'a>>,
    notes: &'a [Note],
}

#[derive(Debug, Serialize)]
struct RunRecord<'a> {
    kehu_version: &'static str,
    as_of: String,
    time_unit: &'static str,
    lang: &'static str,
    inputs: Vec<InputRecord<'a>>,
    customers: usize,
    revenue: String,
    schemes: Vec<SchemeRecord<'a>>,
    predictions: Option<&'a crate::predictions::PredictionOutcome>,
    backtest_tracking: Option<&'a crate::backtest::Tracking>,
    clustering: Option<&'a crate::clustering::ClusterReport>,
    tree: Option<&'a crate::tree_rules::TreeReport>,
    playbook: Option<&'a crate::playbook::PlaybookReport>,
    comparisons: Vec<ComparisonRecord<'a>>,
    config: &'a crate::config::Config,
    timings_seconds: serde_json::Map<String, serde_json::Value>,
    outputs: Vec<String>,
}

/// A comparison as run.json lists it (the table itself is in its CSV file).
#[derive(Debug, Serialize)]
struct ComparisonRecord<'a> {
    a: &'a str,
    b: &'a str,
    adjusted_rand_index: f64,
    customers_compared: usize,
    reading: &'a Note,
    file: String,
}

fn scheme_records(outcomes: &[SchemeOutcome]) -> Vec<SchemeRecord<'_>> {
    outcomes
        .iter()
        .map(|o| match o {
            SchemeOutcome::Done(l) => SchemeRecord {
                scheme: &l.scheme,
                status: "done",
                reason: None,
                labels: l
                    .labels
                    .iter()
                    .zip(l.counts())
                    .map(|(label, customers)| LabelRecord { label, customers })
                    .collect(),
                notes: &l.notes,
            },
            SchemeOutcome::Skipped { scheme, reason } => SchemeRecord {
                scheme,
                status: "skipped",
                reason: Some(reason),
                labels: Vec::new(),
                notes: &[],
            },
        })
        .collect()
}

/// Writes the run directory; returns the files written.
pub fn write_run(
    result: &RunResult,
    frame: &FeatureFrame,
    req: &RunRequest,
    formats: &[String],
    time_unit: TimeUnit,
) -> Result<Vec<PathBuf>, PipelineError> {
    let started = std::time::Instant::now();
    let dir = &result.out_dir;
    std::fs::create_dir_all(dir).map_err(|source| PipelineError::Write {
        path: dir.clone(),
        source,
    })?;
    let mut outputs = Vec::new();

    let parquet = dir.join("customers.parquet");
    write_batches_parquet(&parquet, std::slice::from_ref(frame.batch()))?;
    outputs.push(parquet);
    if formats.iter().any(|f| f == "csv") {
        let csv = dir.join("customers.csv");
        write_batches_csv(&csv, std::slice::from_ref(frame.batch()))?;
        outputs.push(csv);
    }
    if formats.iter().any(|f| f == "xlsx") {
        outputs.push(crate::workbook::write_customers_workbook(
            dir,
            frame.batch(),
            &crate::workbook::WorkbookParts::of_run(result, req.lang),
            req.lang,
            None,
        )?);
    }

    let segments = dir.join("segments.csv");
    write_file(&segments, segments_csv(&result.segments).as_bytes())?;
    outputs.push(segments);

    // One quarantine file for every input: the header once, then each file's rows.
    let q_path = dir.join("quarantine.csv");
    let mut all = Vec::new();
    for (k, import) in result.check.imports.iter().enumerate() {
        let mut one = Vec::new();
        write_quarantine_csv(&mut one, &import.report.file, &import.quarantine, req.lang).map_err(
            |source| PipelineError::Write {
                path: q_path.clone(),
                source,
            },
        )?;
        let body = if k == 0 {
            &one[..]
        } else {
            let header_end = one
                .iter()
                .position(|&b| b == b'\n')
                .map_or(one.len(), |p| p + 1);
            &one[header_end..]
        };
        all.extend_from_slice(body);
    }
    write_file(&q_path, &all)?;
    outputs.push(q_path);

    if !result.comparisons.is_empty() {
        let compare_dir = dir.join("compare");
        std::fs::create_dir_all(&compare_dir).map_err(|source| PipelineError::Write {
            path: compare_dir.clone(),
            source,
        })?;
        for c in &result.comparisons {
            let path = compare_dir.join(format!("{}__{}.csv", c.a, c.b));
            write_file(&path, c.to_csv(req.lang).as_bytes())?;
            outputs.push(path);
        }
    }

    if let (Some(report), Some(chosen)) = (&result.playbook, &result.recommendations) {
        let actions_dir = dir.join("actions");
        std::fs::create_dir_all(&actions_dir).map_err(|source| PipelineError::Write {
            path: actions_dir.clone(),
            source,
        })?;
        let tables = crate::playbook::action_lists(
            frame,
            &result.outcomes,
            &req.config.playbook,
            chosen,
            report,
            req.lang,
        );
        // Each list's files are written on all cores; the paths come back in the actions' order.
        let xlsx = formats.iter().any(|f| f == "xlsx");
        let written: Vec<Vec<PathBuf>> = report
            .actions
            .par_iter()
            .zip(tables.par_iter())
            .map(|(action, table)| -> Result<Vec<PathBuf>, PipelineError> {
                let csv = actions_dir.join(format!("{}.csv", action.code));
                write_file(&csv, table.to_csv().as_bytes())?;
                let mut paths = vec![csv];
                if xlsx {
                    let path = actions_dir.join(format!("{}.xlsx", action.code));
                    crate::xlsx_output::write_table_xlsx(&path, &action.code, table)?;
                    paths.push(path);
                }
                Ok(paths)
            })
            .collect::<Result<_, _>>()?;
        outputs.extend(written.into_iter().flatten());
    }
    if let Some(tree) = &result.tree {
        let path = dir.join("tree_rules.toml");
        write_file(&path, crate::tree_rules::rules_toml(tree).as_bytes())?;
        outputs.push(path);
    }

    let json_path = dir.join("run.json");
    let mut names: Vec<String> = outputs
        .iter()
        .map(|p| {
            p.strip_prefix(dir)
                .map_or_else(|_| file_name(p), |r| r.display().to_string())
        })
        .collect();
    names.push("report.html".into());
    names.push("run.json".into());
    let record = RunRecord {
        kehu_version: env!("CARGO_PKG_VERSION"),
        as_of: result.as_of.format("%Y-%m-%d").to_string(),
        time_unit: time_unit.name(),
        lang: req.lang.code(),
        inputs: result
            .check
            .imports
            .iter()
            .map(|i| InputRecord {
                file: &i.report.file,
                sheet: i.report.sheet.as_deref(),
                sha256: &i.report.sha256,
                bytes: i.report.bytes,
                format: i.report.format,
                kind: i.report.kind.name(),
                encoding: &i.report.encoding,
                rows_seen: i.report.rows_seen,
                accepted: i.report.accepted,
                quarantined: i.report.quarantined,
                skipped_blank: i.report.skipped_blank,
                currency: i.report.currency,
                quarantine_reasons: i
                    .report
                    .quarantine_reasons
                    .iter()
                    .map(|(reason, n)| (reason.code(), *n))
                    .collect(),
            })
            .collect(),
        customers: result.customers,
        revenue: result.revenue.to_string(),
        schemes: scheme_records(&result.outcomes),
        predictions: result.prediction.as_ref(),
        backtest_tracking: result.tracking.as_ref(),
        clustering: result.clustering.as_ref(),
        tree: result.tree.as_ref(),
        playbook: result.playbook.as_ref(),
        comparisons: result
            .comparisons
            .iter()
            .map(|c| ComparisonRecord {
                a: &c.a,
                b: &c.b,
                adjusted_rand_index: c.adjusted_rand_index,
                customers_compared: c.customers_compared,
                reading: &c.reading,
                file: format!("compare/{}__{}.csv", c.a, c.b),
            })
            .chain(result.comparison_notes.iter().map(|note| ComparisonRecord {
                a: "",
                b: "",
                adjusted_rand_index: f64::NAN,
                customers_compared: 0,
                reading: note,
                file: String::new(),
            }))
            .collect(),
        config: &req.config,
        // The steps, then the files written before this one.
        timings_seconds: result
            .timings
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .chain([("write", started.elapsed().as_secs_f64())])
            .map(|(k, v)| {
                (
                    k.to_string(),
                    serde_json::json!((v * 1000.0).round() / 1000.0),
                )
            })
            .collect(),
        outputs: names,
    };
    let json = serde_json::to_string_pretty(&record).map_err(|e| PipelineError::Encode {
        path: json_path.clone(),
        message: e.to_string(),
    })?;
    write_file(&json_path, format!("{json}\n").as_bytes())?;

    // The report reads what run.json says, as `kehu report RUN` does later.
    let report = dir.join("report.html");
    let value: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| PipelineError::Encode {
            path: json_path.clone(),
            message: e.to_string(),
        })?;
    let html = kehu_report::render_html(
        &crate::report_data::report_data(&value, frame, req.lang),
        req.lang,
    );
    write_file(&report, html.as_bytes())?;
    outputs.push(report);
    outputs.push(json_path);
    Ok(outputs)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
