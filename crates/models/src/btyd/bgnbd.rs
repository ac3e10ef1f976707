//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
//!
//! While active a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
//! purchase they drop out with probability p ~ Beta(a, b). Formulas: `docs/models.md`.

use super::history::{Patterns, RepeatHistory};
use super::hypergeometric::{ln_hyp2f1, ln_hyp2f1_at};
use super::likelihood::{LikelihoodModel, ordered_sum};
use super::process::{PurchaseProcess, ln_beta, ln_nbd_pmf, poisson_gamma_pmf_tail};
use super::real::{Real, log_add_exp};

/// BG/NBD at given parameters. α is in the data's unit of time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl LikelihoodModel<4> for BgNbd {
    const NAME: &'static str = "BG/NBD";
    const PARAMETERS: [&'static str; 4] = ["r", "alpha", "a", "b"];
    const SCALED: [bool; 4] = [false, true, false, false];
    type Data = Patterns;

    fn log_likelihood<R: Real>(params: [R; 4], data: &Patterns) -> R {
        let [r, alpha, a, b] = params;
        let base = (a + b).ln_gamma() - b.ln_gamma() - r.ln_gamma() + r * alpha.ln();
        let ln_a = a.ln();
        // Everything that depends on x alone, once per x.
        let by_frequency: Vec<(R, R, R)> = (0..=data.max_frequency)
            .map(|x| {
                let x = f64::from(x);
                let common = (r + x).ln_gamma() + (b + x).ln_gamma() - (a + b + x).ln_gamma();
                let drop = if x > 0.0 {
                    ln_a - (b + (x - 1.0)).ln()
                } else {
                    R::constant(0.0)
                };
                (common + base, drop, r + x)
            })
            .collect();
        ordered_sum(data.len(), |i| {
            let x = data.frequency[i];
            let (common, drop, rx) = by_frequency[x as usize];
            let still = -(rx * (alpha + data.age[i]).ln());
            let ll = if x > 0 {
                log_add_exp(still, drop - rx * (alpha + data.recency[i]).ln())
            } else {
                still
            };
            (common + ll) * data.weight[i]
        })
    }

    fn unscaled_log_likelihood(scaled: f64, data: &Patterns, scale: f64) -> f64 {
        scaled - repeat_purchases(data) * scale.ln()
    }

    fn starts() -> Vec<[f64; 4]> {
        vec![
            [1.0, 1.0, 1.0, 1.0],
            [0.3, 0.3, 0.7, 2.5],
            [2.0, 2.0, 0.5, 5.0],
        ]
    }

    fn from_parameters([r, alpha, a, b]: [f64; 4]) -> Self {
        Self { r, alpha, a, b }
    }
}

/// Σ weight·x: how the LL shifts when time is rescaled.
pub(crate) fn repeat_purchases(data: &Patterns) -> f64 {
    data.frequency
        .iter()
        .zip(&data.weight)
        .map(|(&x, w)| f64::from(x) * w)
        .sum()
}

impl BgNbd {
    pub fn parameters(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// ln P(alive)/(1 − P(alive)) with a sign flip: ln of the odds of having dropped out.
    fn log_odds_dead(&self, h: &RepeatHistory) -> Option<f64> {
        let x = f64::from(h.frequency);
        (h.frequency > 0).then(|| {
            self.a.ln() - (self.b + x - 1.0).ln()
                + (self.r + x) * ((self.alpha + h.age).ln() - (self.alpha + h.recency).ln())
        })
    }
}

impl PurchaseProcess for BgNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn log_likelihood(&self, h: &RepeatHistory) -> f64 {
        <Self as LikelihoodModel<4>>::log_likelihood(self.parameters(), &Patterns::new(&[*h], 1.0))
    }

    fn probability_alive(&self, h: &RepeatHistory) -> f64 {
        self.log_odds_dead(h).map_or(1.0, |d| 1.0 / (1.0 + d.exp()))
    }

    fn expected_purchases(&self, horizon: f64, h: &RepeatHistory) -> Option<f64> {
        if horizon <= 0.0 {
            return Some(0.0);
        }
        let Self { r, alpha, a, b } = *self;
        let x = f64::from(h.frequency);
        let z = horizon / (alpha + h.age + horizon);
        let ln_one_minus_z = ((alpha + h.age) / (alpha + h.age + horizon)).ln();
        let ln_term = ln_power_times_hyp2f1(r + x, b + x, a + b + x - 1.0, z, ln_one_minus_z)?;
        // 1 − (1−z)^(r+x)·₂F₁ = −expm1(ln …), exact near 0.
        let bracket = -ln_term.exp_m1();
        Some(self.probability_alive(h) * (a + b + x - 1.0) / (a - 1.0) * bracket)
    }

    fn expected_purchases_at(&self, horizons: &[f64], h: &RepeatHistory) -> Vec<Option<f64>> {
        let Self { r, alpha, a, b } = *self;
        let x = f64::from(h.frequency);
        let scale = self.probability_alive(h) * (a + b + x - 1.0) / (a - 1.0);
        scaled_brackets_at(
            r + x,
            b + x,
            a + b + x - 1.0,
            alpha + h.age,
            scale,
            horizons,
        )
    }

    fn rate_posterior(&self, h: &RepeatHistory) -> (f64, f64) {
        (self.r + f64::from(h.frequency), self.alpha + h.age)
    }

    fn expected_purchases_unconditional(&self, t: f64) -> Option<f64> {
        let Self { r, alpha, a, b } = *self;
        let z = t / (alpha + t);
        let ln_term = ln_power_times_hyp2f1(r, b, a + b - 1.0, z, (alpha / (alpha + t)).ln())?;
        Some((a + b - 1.0) / (a - 1.0) * -ln_term.exp_m1())
    }

    fn probability_of_purchases(&self, n: u32, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let n_f = f64::from(n);
        let ln_ab = ln_beta(a, b);
        let p = alpha / (alpha + t);
        let still = (ln_beta(a, b + n_f) - ln_ab + ln_nbd_pmf(r, p, n)).exp();
        if n == 0 {
            return still;
        }
        let dropped = (ln_beta(a + 1.0, b + n_f - 1.0) - ln_ab).exp();
        still + dropped * poisson_gamma_pmf_tail(r, p, n)
    }
}

/// ln\[(1−z)^p · ₂F₁(p, q; c; z)\] given ln(1−z), by Euler's transformation
/// (1−z)^(c−p−q)·₂F₁(c−p, c−q; c; z) when its parameters allow (its series is much shorter for
/// heavy buyers and long horizons), else directly.
pub(crate) fn ln_power_times_hyp2f1(
    p: f64,
    q: f64,
    c: f64,
    z: f64,
    ln_one_minus_z: f64,
) -> Option<f64> {
    if c - p > -1.0 && c - q > -1.0 {
        let ln_f = ln_hyp2f1(c - p, c - q, c, z)?;
        Some((c - q) * ln_one_minus_z + ln_f)
    } else {
        Some(p * ln_one_minus_z + ln_hyp2f1(p, q, c, z)?)
    }
}

/// scale·(1 − (1−z)^p·₂F₁(p, q; c; z)) with z = t/(α+T+t) at each horizon t of `horizons`
/// (`alpha_plus_age` is α+T), 0 at t ≤ 0: E\[Y(t)\] of BG/NBD and MBG/NBD, computed as their
/// `expected_purchases` does, with one shared pass over the series for all horizons
/// ([`ln_hyp2f1_at`]), so the same bits as one horizon at a time.
pub(crate) fn scaled_brackets_at(
    p: f64,
    q: f64,
    c: f64,
    alpha_plus_age: f64,
    scale: f64,
    horizons: &[f64],
) -> Vec<Option<f64>> {
    let z: Vec<f64> = horizons.iter().map(|&t| t / (alpha_plus_age + t)).collect();
    // The same choice as `ln_power_times_hyp2f1`: it does not depend on z.
    let (power, mut values) = if c - p > -1.0 && c - q > -1.0 {
        (c - q, ln_hyp2f1_at(c - p, c - q, c, &z))
    } else {
        (p, ln_hyp2f1_at(p, q, c, &z))
    };
    for (value, &t) in values.iter_mut().zip(horizons) {
        *value = if t <= 0.0 {
            Some(0.0)
        } else {
            value.map(|ln_f| {
                let ln_one_minus_z = (alpha_plus_age / (alpha_plus_age + t)).ln();
                let ln_term = power * ln_one_minus_z + ln_f;
                let bracket = -ln_term.exp_m1();
                scale * bracket
            })
        };
    }
    values
}
