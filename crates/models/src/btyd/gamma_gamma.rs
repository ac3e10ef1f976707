//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; Fader & Hardie's note 025).
//!
//! Each purchase's value is Gamma(p, ν), ν ~ Gamma(q, γ) across customers; the customer's mean
//! of x repeat purchases, z̄, is what is observed. It assumes spend is independent of purchase
//! frequency: [`spend_frequency_correlation`] checks that.

use super::curvature::{Curvature, ordered_chunk_sum, trigamma};
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

    fn curvature(params: [f64; 3], data: &SpendPatterns) -> Option<Curvature<3>> {
        Some(curvature(params, data))
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

/// ln L of Gamma-Gamma with its gradient and Hessian in (p, q, γ), in closed form.
///
/// A row's ln L is C(x) + (px − 1) ln z̄ − (px + q) ln(γ + x z̄), with C(x) = ln Γ(px + q) −
/// ln Γ(px) + px ln x + q ln γ − ln Γ(q) summed once per x with the weight of its rows; the
/// row part is linear in p and q, so per row only ln(γ + x z̄) and its reciprocal are needed.
fn curvature([p, q, gamma]: [f64; 3], data: &SpendPatterns) -> Curvature<3> {
    use statrs::function::gamma::{digamma, ln_gamma};
    let max_frequency = data.frequency.iter().copied().max().unwrap_or(0) as usize;
    let mut weight_by_frequency = vec![0.0; max_frequency + 1];
    for (&x, &w) in data.frequency.iter().zip(&data.weight) {
        weight_by_frequency[x as usize] += w;
    }
    let mut total = Curvature::<3>::zero();
    let ln_gamma_scale = gamma.ln();
    let (lg_q, dg_q, tg_q) = (ln_gamma(q), digamma(q), trigamma(q));
    for (x, &w) in weight_by_frequency.iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        let x = x as f64;
        let (px, ln_x) = (p * x, x.ln());
        let (dg_pxq, tg_pxq) = (digamma(px + q), trigamma(px + q));
        total.value +=
            w * (ln_gamma(px + q) - ln_gamma(px) + px * ln_x + q * ln_gamma_scale - lg_q);
        let g = &mut total.gradient;
        g[0] += w * x * (dg_pxq - digamma(px) + ln_x);
        g[1] += w * (dg_pxq + ln_gamma_scale - dg_q);
        g[2] += w * q / gamma;
        let h = &mut total.hessian;
        h[0][0] += w * x * x * (tg_pxq - trigamma(px));
        h[0][1] += w * x * tg_pxq;
        h[1][1] += w * (tg_pxq - tg_q);
        h[1][2] += w / gamma;
        h[2][2] -= w * q / (gamma * gamma);
    }
    let rows = ordered_chunk_sum(data.len(), |range| {
        let (mut value, mut g_p, mut g_q, mut g_gamma) = (0.0, 0.0, 0.0, 0.0);
        let (mut h_pgamma, mut h_qgamma, mut h_gammagamma) = (0.0, 0.0, 0.0);
        for i in range {
            let x = f64::from(data.frequency[i]);
            let (w, ln_z) = (data.weight[i], data.ln_mean_spend[i]);
            let at = gamma + x * data.mean_spend[i];
            let (l, inv) = (at.ln(), 1.0 / at);
            let m = p * x + q;
            value += w * ((p * x - 1.0) * ln_z - m * l);
            g_p += w * x * (ln_z - l);
            g_q -= w * l;
            g_gamma -= w * m * inv;
            h_pgamma -= w * x * inv;
            h_qgamma -= w * inv;
            h_gammagamma += w * m * inv * inv;
        }
        let mut c = Curvature::zero();
        c.value = value;
        c.gradient = [g_p, g_q, g_gamma];
        c.hessian[0][2] = h_pgamma;
        c.hessian[1][2] = h_qgamma;
        c.hessian[2][2] = h_gammagamma;
        c
    });
    (total + rows).symmetric()
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
