//! `kehu run --compare-as-of DATE` (and the demo): the same data classified as of an earlier
//! date into `<out>/previous`, then who moved since into `<out>/migration`; the later run's
//! report and workbook gain the migration.

use crate::error::PipelineError;
use crate::migration::{DEFAULT_ALERTS, DiffReport, diff, write_diff};
use crate::run::{RunRequest, RunResult, RunStep, run};
use crate::snapshot::Snapshot;
use chrono::NaiveDate;

/// Runs `request` again as of `date` (before `result`'s as-of date) and writes the migration
/// from that snapshot to `result`'s. Returns the diff.
pub fn compare_as_of(
    request: &RunRequest,
    result: &RunResult,
    date: NaiveDate,
    on_step: impl FnMut(RunStep, &str),
) -> Result<DiffReport, PipelineError> {
    if date >= result.as_of {
        return Err(PipelineError::Input(format!(
            "--compare-as-of {date}: give a date before this run's as-of date {}",
            result.as_of
        )));
    }
    let previous_dir = result.out_dir.join("previous");
    let previous = RunRequest {
        as_of: Some(date),
        out_dir: Some(previous_dir.clone()),
        ..request.clone()
    };
    run(&previous, on_step)?;
    let later = Snapshot::read(&result.out_dir)?;
    let alerts: Vec<String> = DEFAULT_ALERTS.iter().map(|a| a.to_string()).collect();
    let report = diff(&Snapshot::read(&previous_dir)?, &later, &alerts)?;
    write_diff(&report, &result.out_dir.join("migration"), request.lang)?;
    let html = result.out_dir.join("report.html");
    std::fs::write(&html, crate::report_of_run(&later, request.lang))
        .map_err(|source| PipelineError::Write { path: html, source })?;
    if result.out_dir.join("customers.xlsx").exists() {
        crate::workbook::write_customers_workbook(
            &result.out_dir,
            later.frame.batch(),
            &crate::workbook::WorkbookParts::of_run(result, request.lang),
            request.lang,
            Some(&report),
        )?;
    }
    Ok(report)
}
