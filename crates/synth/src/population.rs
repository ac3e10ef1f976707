use crate::labels::{category_weights, channel_weights, city_weights};
use crate::{SynthError, TruthModel};
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Beta, Gamma};

/// Share of customers who sign up and never order ("potential" customers).
pub(crate) const POTENTIAL_SHARE: f64 = 0.05;
/// Lines per order ~ Geometric(LINE_P) on {1, 2, ...}: mean 1/LINE_P = 1.67 lines.
pub(crate) const LINE_P: f64 = 0.6;
/// At most this many lines per order (the line index of a return is stored in 6 bits).
pub(crate) const MAX_LINES: u8 = 32;
/// Share of orders that are partly returned later.
pub(crate) const RETURN_SHARE: f64 = 0.025;
/// Mean days between an order and its return.
pub(crate) const RETURN_LAG_MEAN: f64 = 9.0;
/// Share of orders in the customer's preferred channel.
pub(crate) const CHANNEL_LOYALTY: f64 = 0.7;
/// Share of orders shipped to the customer's home region.
pub(crate) const HOME_REGION_SHARE: f64 = 0.9;
/// Share of lines in the customer's favourite category.
pub(crate) const CATEGORY_LOYALTY: f64 = 0.5;
/// Largest order value in cents, so that an amount always fits decimal(12, 2).
pub(crate) const MAX_ORDER_CENTS: i64 = 100_000_000_000;

/// The sampling distributions of one run: the truth model's mixing distributions and the
/// popularity of categories, channels and cities, plus the history window.
#[derive(Debug, Clone)]
pub(crate) struct Population {
    pub(crate) model: TruthModel,
    /// Days in the history window; day 0 is its first day, `window_days` is the as-of date.
    pub(crate) window_days: u32,
    /// λ ~ Gamma(r, rate α).
    pub(crate) purchase_rate: Gamma<f64>,
    /// p ~ Beta(a, b).
    pub(crate) dropout: Beta<f64>,
    /// ν ~ Gamma(q, rate γ).
    pub(crate) spend_rate: Gamma<f64>,
    /// Gamma(p, 1); an order value is this divided by ν.
    pub(crate) order_value: Gamma<f64>,
    /// How much a customer likes discounts, in [0, 1].
    pub(crate) discount_affinity: Beta<f64>,
    pub(crate) categories: WeightedIndex<f64>,
    pub(crate) channels: WeightedIndex<f64>,
    pub(crate) cities: WeightedIndex<f64>,
}

impl Population {
    pub(crate) fn new(model: TruthModel, window_days: u32) -> Result<Self, SynthError> {
        let bad = |field: &'static str| {
            move |error: &dyn std::fmt::Display| SynthError::InvalidParams {
                field,
                reason: error.to_string(),
            }
        };
        Ok(Population {
            model,
            window_days,
            purchase_rate: Gamma::new(model.r, 1.0 / model.alpha)
                .map_err(|e| bad("model.r")(&e))?,
            dropout: Beta::new(model.a, model.b).map_err(|e| bad("model.a")(&e))?,
            spend_rate: Gamma::new(model.q, 1.0 / model.gamma).map_err(|e| bad("model.q")(&e))?,
            order_value: Gamma::new(model.p, 1.0).map_err(|e| bad("model.p")(&e))?,
            discount_affinity: Beta::new(2.0, 5.0).map_err(|e| bad("discount_affinity")(&e))?,
            categories: WeightedIndex::new(category_weights())
                .map_err(|e| bad("categories")(&e))?,
            channels: WeightedIndex::new(channel_weights()).map_err(|e| bad("channels")(&e))?,
            cities: WeightedIndex::new(city_weights()).map_err(|e| bad("cities")(&e))?,
        })
    }
}
