//! A kehu job from files to results: `check` (the data-quality report) and `demo` (the
//! report plus the per-customer summary on the bundled data).
//!
//! Invariants: outputs are a function of the inputs, the options and an explicit `as_of`;
//! nothing reads the clock except where a caller passes today's date in.

mod check;
mod demo;
mod error;
mod outputs;

pub use check::{CheckRun, check_files};
pub use demo::{DemoRun, bundled_data_dir, run_demo};
pub use error::PipelineError;
pub use outputs::{write_batches_csv, write_batches_parquet};
