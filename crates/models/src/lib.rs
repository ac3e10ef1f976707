//! Pure algorithms over columns of per-customer values, with no I/O and no SQL.
//!
//! - [`rank_min`]: 1-based ranks where ties share the lowest rank (SQL `RANK()`).
//! - [`quintile_scores`]: RFM 1–5 scores by the integer rule of `../shared/bench` (the
//!   reference every peer implements identically).
//! - [`value_tiers`]: high / mid / low by revenue rank (top 20% / next 30% / rest).
//! - [`rank_share_bands`], [`share_of_total_bands`] (ABC), [`edge_bands`], [`Reference`]:
//!   the generic splits every tiering scheme is built from.
//! - [`first_matching_rule`]: named RFM segments from score ranges, first match wins.
//! - [`LifecycleParams::stage`]: lifecycle stages with rhythm-relative thresholds.
//! - [`btyd`]: the customer-base models (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma, CLV).
//!
//! Invariants: results depend only on the values (never on their order in memory beyond the
//! documented tie rule), and every input gets exactly one output.

mod bands;
pub mod btyd;
pub mod learn;
mod lifecycle;
mod rfm_scores;
mod score_rules;

pub use bands::{Reference, edge_bands, rank_share_bands, share_of_total_bands};
pub use lifecycle::{History, LifecycleParams, Stage};
pub use rfm_scores::{Order, ValueTier, quintile_scores, rank_min, value_tiers};
pub use score_rules::{ScoreRange, ScoreRule, first_matching_rule};
