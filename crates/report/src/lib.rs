//! What kehu shows people and scripts: the data-quality report of `kehu check` (terminal text
//! and JSON), in English or Chinese.
//!
//! Invariant: rendering is a pure function of the report and the language; no clock, no
//! environment.

mod check_report;
mod check_text;
mod numbers;

pub use check_report::{CheckReport, FileCheck, RefusedFile};
pub use check_text::render_check;
pub use numbers::{format_count, format_money};
