//! A kehu job from files to results: `check` (the data-quality report), `run` (ingest →
//! features → schemes → outputs in a run directory, driven by `kehu.toml`), `init` (a config
//! from the data) and `demo` (`run` on the bundled data).
//!
//! Invariants: outputs are a function of the inputs, the options and an explicit `as_of`;
//! nothing reads the clock except where a caller passes today's date in.

mod across_files;
mod backtest;
mod check;
mod cluster_names;
mod clustering;
mod compare_as_of;
mod comparison;
pub mod config;
mod demo;
mod error;
mod feature_frame;
mod label_file;
mod labels;
mod migration;
mod outputs;
mod playbook;
mod predictions;
mod report_data;
mod run;
mod run_outputs;
mod schemes;
mod segments;
mod snapshot;
mod table;
mod tree_rules;
mod workbook;
mod xlsx_output;

pub use backtest::{
    BacktestData, BacktestResult, Bucket, ModelScore, Reliability, backtest_data, best_model,
    calibration_spend_model, run_backtest, score_model,
};
pub use check::{CheckRun, check_files};
pub use clustering::{ClusterProfile, ClusterReport, KChoiceReport, KMeansReport, WardReport};
pub use compare_as_of::compare_as_of;
pub use comparison::{Comparison, compare, compare_run};
pub use demo::{bundled_data_dir, run_demo};
pub use error::PipelineError;
pub use feature_frame::FeatureFrame;
pub use migration::{Alert, DEFAULT_ALERTS, DiffReport, Migration, diff, write_diff};
pub use outputs::{write_batches_csv, write_batches_parquet};
pub use playbook::{ActionSummary, PlaybookReport};
pub use predictions::{
    FitReport, MONTH_DAYS, PredictionOutcome, PredictionReport, PurchaseModel, SpendReport,
};
pub use report_data::report_of_run;
pub use run::{RunRequest, RunResult, RunStep, classify, config_dir_of, run};
pub use schemes::SchemeOutcome;
pub use segments::{SegmentRow, segments_csv};
pub use snapshot::Snapshot;
pub use tree_rules::{CrossValidationScores, RuleText, TestScores, TreeReport, rules_toml};
pub use workbook::{WorkbookParts, add_migration_to_workbook, write_customers_workbook};
