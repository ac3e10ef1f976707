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
    let ends = horizon.period_ends();
    discounted_value(
        model.expected_purchases_at(&ends, h),
        spend_per_purchase,
        horizon.discount_rate,
    )
}

impl ClvHorizon {
    /// k·`period_length` for k = 1..=`periods`: the horizons a CLV needs E\[Y(t)\] at.
    pub fn period_ends(&self) -> Vec<f64> {
        (1..=self.periods)
            .map(|k| f64::from(k) * self.period_length)
            .collect()
    }
}

/// The CLV of [`customer_lifetime_value`] from the expected purchases at the ends of the
/// periods ([`ClvHorizon::period_ends`], e.g. from [`super::Forecasts`]): the same bits.
pub fn discounted_value(
    expected_at_period_ends: impl IntoIterator<Item = Option<f64>>,
    spend_per_purchase: f64,
    discount_rate: f64,
) -> Option<f64> {
    let mut value = 0.0;
    let mut previous = 0.0;
    let mut discount = 1.0;
    for expected in expected_at_period_ends {
        let expected = expected?;
        discount /= 1.0 + discount_rate;
        value += spend_per_purchase * (expected - previous) * discount;
        previous = expected;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::{BgNbd, MbgNbd, ParetoNbd};

    fn histories() -> Vec<RepeatHistory> {
        let mut out = Vec::new();
        for (frequency, recency, age) in [
            (0, 0.0, 38.9),
            (1, 2.5, 10.0),
            (2, 30.4, 38.9),
            (7, 35.0, 36.1),
            (40, 300.0, 365.0),
            (400, 1000.0, 1000.0),
            (3000, 1200.0, 1210.0),
        ] {
            out.push(RepeatHistory {
                frequency,
                recency,
                age,
            });
        }
        out
    }

    /// E\[Y(t)\] at several horizons at once has the bits of one horizon at a time, for the
    /// BG/NBD-type models in both forms of their ₂F₁ (Euler's and direct) and for the default.
    #[test]
    fn horizons_together_match_one_at_a_time() {
        let horizons = [52.0, 4.345, 0.0, -1.0, 8.69, 365.0, 3650.0, 1e-9, f64::NAN];
        let models: Vec<Box<dyn PurchaseProcess>> = vec![
            // CDNOW's published BG/NBD and MBG/NBD parameters: Euler's form.
            Box::new(BgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            }),
            Box::new(MbgNbd {
                r: 0.525,
                alpha: 6.183,
                a: 0.891,
                b: 1.614,
            }),
            // r ≥ a + b: the direct form.
            Box::new(BgNbd {
                r: 6.0,
                alpha: 3.0,
                a: 0.5,
                b: 1.2,
            }),
            Box::new(MbgNbd {
                r: 6.0,
                alpha: 3.0,
                a: 2.5,
                b: 1.2,
            }),
            // a + b < 1: E[Y] undefined without repeat purchases.
            Box::new(BgNbd {
                r: 0.3,
                alpha: 2.0,
                a: 0.4,
                b: 0.5,
            }),
            Box::new(ParetoNbd {
                r: 0.553,
                alpha: 10.58,
                s: 0.606,
                beta: 11.67,
            }),
        ];
        for model in &models {
            for h in histories() {
                let together = model.expected_purchases_at(&horizons, &h);
                assert_eq!(together.len(), horizons.len());
                for (&t, got) in horizons.iter().zip(&together) {
                    let want = model.expected_purchases(t, &h);
                    assert_eq!(
                        got.map(f64::to_bits),
                        want.map(f64::to_bits),
                        "{} {h:?} t={t}: {got:?} vs {want:?}",
                        model.name()
                    );
                }
            }
        }
    }
}
