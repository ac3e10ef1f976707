//! Customer lifetime value from a purchase model and a spend estimate.

use super::history::RepeatHistory;
use super::process::PurchaseProcess;

/// The horizon and discounting of a CLV: `periods` periods of `period_length` (in the model's
/// time unit), each discounted by `discount_rate` (per period, compounding).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClvHorizon {
    pub period_length: f64,
    pub periods: u32,
    pub discount_rate: f64,
}

/// Σ_{k=1..periods} spend·(E\[Y(k·L)\] − E\[Y((k−1)·L)\]) / (1 + d)^k: the expected purchases of
/// each period valued at `spend_per_purchase` and discounted to today (lifetimes' discrete
/// CLV; no purchase at time 0, no margin). `None` where the expectation is undefined.
pub fn customer_lifetime_value(
    model: &dyn PurchaseProcess,
    h: &RepeatHistory,
    spend_per_purchase: f64,
    horizon: &ClvHorizon,
) -> Option<f64> {
    let mut value = 0.0;
    let mut previous = 0.0;
    let mut discount = 1.0;
    for k in 1..=horizon.periods {
        let expected = model.expected_purchases(f64::from(k) * horizon.period_length, h)?;
        discount /= 1.0 + horizon.discount_rate;
        value += spend_per_purchase * (expected - previous) * discount;
        previous = expected;
    }
    Some(value)
}
