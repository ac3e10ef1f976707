//! The per-customer feature table, computed with Apache DataFusion over the canonical tables.
//!
//! - [`FeatureEngine`]: a DataFusion session with the canonical tables registered.
//! - [`feature_table`]: one row per customer as of an explicit date, with the columns
//!   [`FEATURE_COLUMNS`] (orders and money, timing, trend, discounts, categories, channel,
//!   region, and the BTYD summary `bt_*`), then [`CUSTOMER_COLUMNS`] and [`FEEDBACK_COLUMNS`]
//!   when the optional `customers` and `feedback` tables are registered. Every column is
//!   defined in one place: `docs/features.md`.
//! - [`customer_summary`]: eleven of those columns ([`SUMMARY_COLUMNS`], same definitions),
//!   for callers that need only them.
//! - [`add_custom_features`] and [`evaluate_rules`]: users' own SQL expressions over a
//!   registered table (usually the feature table): new columns, and rules that select
//!   customers ([`RuleMatches`]). A mistake is a [`RuleError::Invalid`] that names the rule or
//!   feature, the place in its text and the columns it could use.
//!
//! Layout: `feature_table.rs` assembles one SQL query from `purchase_history.rs`,
//! `btyd_summary.rs`, `customer_attributes.rs` and `feedback_features.rs`; `custom_sql.rs` runs
//! user expressions that `user_expression.rs` parses and checks (`rule_error.rs`: their
//! errors).
//!
//! Invariants: every figure is a function of the tables and `as_of` alone; transactions and
//! feedback dated on or after `as_of` are ignored; output rows are ordered by `customer_id`;
//! money stays exact (`Decimal128(38, 4)`) and every float comes from exact sums in one last
//! step, so results do not depend on the number of threads.

mod btyd_summary;
mod custom_sql;
mod customer_attributes;
mod engine;
mod feature_table;
mod feedback_features;
mod filtered_rows;
#[cfg(test)]
mod fixtures;
mod purchase_gaps;
mod purchase_history;
mod rule_error;
mod sole_value;
mod summary;
mod text_codes;
mod top_value;
mod user_expression;
mod value_at_max;

pub use btyd_summary::purchase_occasions;
pub use custom_sql::{RuleMatches, RuleSpec, add_custom_features, evaluate_rules};
pub use engine::{FeatureEngine, FeatureError};
pub use feature_table::{
    CUSTOMER_COLUMNS, DEFAULT_TREND_DAYS, FEATURE_COLUMNS, FEEDBACK_COLUMNS, FeatureOptions,
    TimeUnit, feature_table,
};
pub use rule_error::{ExprProblem, Position, RuleError, Subject};
pub use summary::{SUMMARY_COLUMNS, customer_summary, default_as_of};
