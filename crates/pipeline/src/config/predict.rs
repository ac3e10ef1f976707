//! `[predict]`: the customer-base models of a run (who is still a customer, how much they will
//! buy, what they are worth) and the guard rails that switch them off on thin data.

use serde::{Deserialize, Serialize};

/// `[predict]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PredictConfig {
    /// Predict at all (the guard rails may still switch predictions off, with the reason).
    pub enabled: bool,
    /// Purchase model: `bg_nbd`, `mbg_nbd`, `pareto_nbd`, or `auto` (the one with the smallest
    /// holdout error in a backtest on the last `holdout_days` of the data).
    pub model: String,
    /// Horizons in days: one `expected_purchases_<N>d` and `p_no_purchase_<N>d` column each.
    pub horizons_days: Vec<u32>,
    /// CLV horizon in months (a month is 365.25/12 days).
    pub clv_months: u32,
    /// Discount rate per month, compounding.
    pub discount_rate: f64,
    /// churn_risk: P(alive) below the first value is high risk, below the second medium.
    pub churn_risk_alive: [f64; 2],
    /// clv_tier: customers ranked by CLV; the top share up to the first cut is high, up to
    /// the second mid (cumulative, as `schemes.value_tier.cuts`).
    pub clv_tier_cuts: [f64; 2],
    /// Guard rail: fewer customers with orders than this switches predictions off.
    pub min_customers: usize,
    /// Guard rail: fewer repeat buyers than this switches predictions off.
    pub min_repeat_buyers: usize,
    /// Guard rail: a history shorter than this many days switches predictions off.
    pub min_history_days: u32,
    /// Holdout length of `model = "auto"` (and the default of `kehu backtest`).
    pub holdout_days: u32,
}

impl Default for PredictConfig {
    fn default() -> Self {
        PredictConfig {
            enabled: true,
            model: "bg_nbd".into(),
            horizons_days: vec![30, 90, 365],
            clv_months: 12,
            discount_rate: 0.01,
            churn_risk_alive: [0.3, 0.7],
            clv_tier_cuts: [0.2, 0.5],
            min_customers: 100,
            min_repeat_buyers: 30,
            min_history_days: 90,
            holdout_days: 90,
        }
    }
}

/// The model names `[predict].model` accepts.
pub const PURCHASE_MODELS: &[&str] = &["bg_nbd", "mbg_nbd", "pareto_nbd", "auto"];
