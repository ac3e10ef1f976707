//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; Fader & Hardie's note 025).
//!
//! Each purchase's value is Gamma(p, ν), ν ~ Gamma(q, γ) across customers; the customer's mean
//! of x repeat purchases, z̄, is what is observed. It assumes spend is independent of purchase
//! frequency: [`spend_frequency_correlation`] checks that.

use super::history::{SpendHistory, SpendPatterns};
use super::likelihood::{LikelihoodModel, ordered_sum};
use super::real::Real;

/// Gamma-Gamma at given parameters. γ is in the data's unit of money.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

impl LikelihoodModel<3> for GammaGamma {
    const NAME: &'static str = "Gamma-Gamma";
    const PARAMETERS: [&'static str; 3] = ["p", "q", "gamma"];
    const SCALED: [bool; 3] = [false, false, true];
    type Data = SpendPatterns;

    fn log_likelihood<R: Real>(params: [R; 3], data: &SpendPatterns) -> R {
        let [p, q, gamma] = params;
        let base = q * gamma.ln() - q.ln_gamma();
        let max_frequency = data.frequency.iter().copied().max().unwrap_or(0);
        let by_frequency: Vec<(R, R)> = (0..=max_frequency)
            .map(|x| {
                let x = f64::from(x.max(1));
                let px = p * x;
                ((px + q).ln_gamma() - px.ln_gamma() + px * x.ln() + base, px)
            })
            .collect();
        ordered_sum(data.len(), |i| {
            let x = data.frequency[i];
            let z = data.mean_spend[i];
            let (common, px) = by_frequency[x as usize];
            let ll = common + (px - 1.0) * z.ln() - (px + q) * (gamma + f64::from(x) * z).ln();
            ll * data.weight[i]
        })
    }

    fn unscaled_log_likelihood(scaled: f64, data: &SpendPatterns, scale: f64) -> f64 {
        scaled - data.customers * scale.ln()
    }

    fn starts() -> Vec<[f64; 3]> {
        vec![[1.0, 1.0, 1.0], [5.0, 3.0, 2.0], [2.0, 6.0, 8.0]]
    }

    fn from_parameters([p, q, gamma]: [f64; 3]) -> Self {
        Self { p, q, gamma }
    }
}

impl GammaGamma {
    pub fn parameters(&self) -> [f64; 3] {
        [self.p, self.q, self.gamma]
    }

    /// ln f(z̄ | x) of one repeat buyer.
    pub fn log_likelihood(&self, s: &SpendHistory) -> f64 {
        <Self as LikelihoodModel<3>>::log_likelihood(
            self.parameters(),
            &SpendPatterns::new(&[*s], 1.0),
        )
    }

    /// E\[M\]: the population mean spend per purchase, pγ/(q − 1); `None` when q ≤ 1 (infinite).
    pub fn population_mean_spend(&self) -> Option<f64> {
        (self.q > 1.0).then(|| self.p * self.gamma / (self.q - 1.0))
    }

    /// E\[M | x, z̄\]: expected spend per future purchase (note 025, eq. 5); the population mean
    /// for a customer without repeat purchases. `None` when that mean is infinite (q ≤ 1) or
    /// px + q ≤ 1.
    pub fn expected_mean_spend(&self, frequency: u32, mean_spend: f64) -> Option<f64> {
        if frequency == 0 {
            return self.population_mean_spend();
        }
        let px = self.p * f64::from(frequency);
        let denominator = px + self.q - 1.0;
        (denominator > 0.0)
            .then(|| self.p * (self.gamma + f64::from(frequency) * mean_spend) / denominator)
    }
}

/// Pearson correlation of x and z̄ over repeat buyers. The Gamma-Gamma model assumes they are
/// independent; a correlation far from 0 (|ρ| ≥ 0.3 is reported) makes its predictions biased.
pub fn spend_frequency_correlation(spends: &[SpendHistory]) -> Option<f64> {
    let n = spends.len() as f64;
    if spends.len() < 3 {
        return None;
    }
    let mean_x = spends.iter().map(|s| f64::from(s.frequency)).sum::<f64>() / n;
    let mean_z = spends.iter().map(|s| s.mean_spend).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for s in spends {
        let dx = f64::from(s.frequency) - mean_x;
        let dz = s.mean_spend - mean_z;
        sxy += dx * dz;
        sxx += dx * dx;
        syy += dz * dz;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}
