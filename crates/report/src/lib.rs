//! What kehu shows people and scripts: the data-quality report of `kehu check` (terminal text
//! and JSON), the summary of `kehu run`, and the self-contained HTML report with inline SVG
//! charts, in English or Chinese.
//!
//! Invariant: rendering is a pure function of the report and the language; no clock, no
//! environment.

mod check_report;
mod check_text;
mod html_report;
mod numbers;
mod run_summary;
mod svg_chart;
mod text_width;

pub use check_report::{AcrossFiles, CheckReport, FileCheck, RefusedFile};
pub use check_text::{render_check, render_refused_file};
pub use html_report::{MigrationBlock, ReportData, SchemeBlock, TrackingCurve, render_html};
pub use numbers::{format_count, format_money};
pub use run_summary::{RunSummary, SchemeTable, render_run_summary};
pub use text_width::{left_aligned, right_aligned};
