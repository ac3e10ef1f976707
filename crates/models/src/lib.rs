//! Pure algorithms over columns of per-customer values, with no I/O and no SQL.
//!
//! - [`rank_min`]: 1-based ranks where ties share the lowest rank (SQL `RANK()`).
//! - [`quintile_scores`]: RFM 1–5 scores by the integer rule of `../shared/bench` (the
//!   reference every peer implements identically).
//! - [`value_tiers`]: high / mid / low by revenue rank (top 20% / next 30% / rest).
//!
//! Invariants: results depend only on the values (never on their order in memory beyond the
//! documented tie rule), and every input gets exactly one output.

mod rfm_scores;

pub use rfm_scores::{Order, ValueTier, quintile_scores, rank_min, value_tiers};
