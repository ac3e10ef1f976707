//! The per-customer feature table, computed with Apache DataFusion over the canonical tables.
//!
//! - [`FeatureEngine`]: a DataFusion session with the canonical tables registered.
//! - [`customer_summary`]: one row per customer as of an explicit date: orders, net revenue,
//!   returns, average order value, first and last order, recency and tenure in days.
//!
//! Invariants: every figure is a function of the tables and `as_of` alone; transactions dated
//! on or after `as_of` are ignored; output rows are ordered by `customer_id`.

mod engine;
mod summary;

pub use engine::{FeatureEngine, FeatureError};
pub use summary::{SUMMARY_COLUMNS, customer_summary, default_as_of};
