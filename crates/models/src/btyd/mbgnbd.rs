//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): the BG/NBD where a customer can
//! also drop out right after the first purchase, so one-time buyers are not all alive.

use super::bgnbd::{ln_power_times_hyp2f1, repeat_purchases, scaled_brackets_at};
use super::history::{Patterns, RepeatHistory};
use super::likelihood::{LikelihoodModel, ordered_sum};
use super::process::{PurchaseProcess, ln_beta, ln_nbd_pmf, poisson_gamma_pmf_tail};
use super::real::{Real, softplus};

/// MBG/NBD at given parameters. α is in the data's unit of time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MbgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl LikelihoodModel<4> for MbgNbd {
    const NAME: &'static str = "MBG/NBD";
    const PARAMETERS: [&'static str; 4] = ["r", "alpha", "a", "b"];
    const SCALED: [bool; 4] = [false, true, false, false];
    type Data = Patterns;

    fn log_likelihood<R: Real>(params: [R; 4], data: &Patterns) -> R {
        let [r, alpha, a, b] = params;
        let base = (a + b).ln_gamma() - b.ln_gamma() - r.ln_gamma() + r * alpha.ln();
        let ln_a = a.ln();
        let by_frequency: Vec<(R, R, R)> = (0..=data.max_frequency)
            .map(|x| {
                let x = f64::from(x);
                let common = (r + x).ln_gamma() + (b + (x + 1.0)).ln_gamma()
                    - (a + b + (x + 1.0)).ln_gamma();
                (common + base, ln_a - (b + x).ln(), r + x)
            })
            .collect();
        ordered_sum(data.len(), |i| {
            let (common, drop, rx) = by_frequency[data.frequency[i] as usize];
            let ln_age = (alpha + data.age[i]).ln();
            let ln_recency = (alpha + data.recency[i]).ln();
            (common - rx * ln_age + softplus(drop + rx * (ln_age - ln_recency))) * data.weight[i]
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

impl MbgNbd {
    pub fn parameters(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }
}

impl PurchaseProcess for MbgNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn log_likelihood(&self, h: &RepeatHistory) -> f64 {
        <Self as LikelihoodModel<4>>::log_likelihood(self.parameters(), &Patterns::new(&[*h], 1.0))
    }

    fn probability_alive(&self, h: &RepeatHistory) -> f64 {
        let x = f64::from(h.frequency);
        let d = self.a.ln() - (self.b + x).ln()
            + (self.r + x) * ((self.alpha + h.age).ln() - (self.alpha + h.recency).ln());
        1.0 / (1.0 + d.exp())
    }

    fn expected_purchases(&self, horizon: f64, h: &RepeatHistory) -> Option<f64> {
        if horizon <= 0.0 {
            return Some(0.0);
        }
        let Self { r, alpha, a, b } = *self;
        let x = f64::from(h.frequency);
        let z = horizon / (alpha + h.age + horizon);
        let ln_one_minus_z = ((alpha + h.age) / (alpha + h.age + horizon)).ln();
        let ln_term = ln_power_times_hyp2f1(r + x, b + x + 1.0, a + b + x, z, ln_one_minus_z)?;
        let bracket = -ln_term.exp_m1();
        Some(self.probability_alive(h) * ((a + b + x) / (a - 1.0) * bracket))
    }

    fn expected_purchases_if_alive_at(
        &self,
        horizons: &[f64],
        frequency: u32,
        age: f64,
    ) -> Vec<Option<f64>> {
        let Self { r, alpha, a, b } = *self;
        let x = f64::from(frequency);
        scaled_brackets_at(
            r + x,
            b + x + 1.0,
            a + b + x,
            alpha + age,
            (a + b + x) / (a - 1.0),
            horizons,
        )
    }

    fn rate_posterior(&self, h: &RepeatHistory) -> (f64, f64) {
        (self.r + f64::from(h.frequency), self.alpha + h.age)
    }

    fn expected_purchases_unconditional(&self, t: f64) -> Option<f64> {
        let Self { r, alpha, a, b } = *self;
        let z = t / (alpha + t);
        let ln_term = ln_power_times_hyp2f1(r, b + 1.0, a + b, z, (alpha / (alpha + t)).ln())?;
        Some(b / (a - 1.0) * -ln_term.exp_m1())
    }

    fn probability_of_purchases(&self, n: u32, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let n_f = f64::from(n);
        let ln_ab = ln_beta(a, b);
        let p = alpha / (alpha + t);
        let still = (ln_beta(a, b + n_f + 1.0) - ln_ab + ln_nbd_pmf(r, p, n)).exp();
        let dropped = (ln_beta(a + 1.0, b + n_f) - ln_ab).exp();
        still + dropped * poisson_gamma_pmf_tail(r, p, n)
    }
}
