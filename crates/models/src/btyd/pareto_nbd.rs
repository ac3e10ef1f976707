//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader & Hardie's note 009).
//!
//! While active a customer buys as a Poisson process with rate λ ~ Gamma(r, α); their lifetime
//! is exponential with rate μ ~ Gamma(s, β). Formulas: `docs/models.md`.

use super::bgnbd::repeat_purchases;
use super::history::{Patterns, RepeatHistory};
use super::hypergeometric::ln_hyp2f1;
use super::likelihood::{LikelihoodModel, ordered_sum};
use super::process::{PurchaseProcess, ln_beta};
use super::quadrature::{gauss_legendre, gauss_legendre_real};
use super::real::{Real, log_add_exp, log_sub_exp};

/// Pareto/NBD at given parameters. α and β are in the data's unit of time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParetoNbd {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

/// Above this argument the ₂F₁ series of A0 is slow; A0 is integrated instead.
const SERIES_UP_TO: f64 = 0.95;

/// ln A0 of note 009 (eqs. 18–20): ln of the part of the likelihood where the customer died
/// between t_x and T. `None` when t_x = T (that part is 0).
///
/// A0 = (r+s+x)·∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ (death at τ with no purchase after
/// t_x). Note 009 writes it with ₂F₁ at z = |α−β|/(max(α,β)+t), summed here in Euler's form
/// (one-signed, decreasing terms); when z is near 1 (extreme parameters, which an optimiser
/// may visit) the integral itself is taken by Gauss–Legendre on panels growing geometrically
/// from t_x, where the integrand is concentrated.
fn ln_a0<R: Real>(params: [R; 4], x: f64, recency: f64, age: f64) -> Option<R> {
    if recency >= age {
        return None;
    }
    let [r, alpha, s, beta] = params;
    let rsx = r + s + x;
    let (big, small) = if alpha.value() >= beta.value() {
        (alpha, beta)
    } else {
        (beta, alpha)
    };
    let z_at = |t: f64| (big - small) / (big + t);
    if z_at(recency).value() > SERIES_UP_TO {
        return Some(rsx.ln() + ln_death_integral(params, x, recency, age));
    }
    // ln[₂F₁(rsx, q; rsx+1; z)/(big+t)^rsx] with Euler: ₂F₁ = (1−z)^(1−q)·₂F₁(1, rsx+1−q; rsx+1; z),
    // q = s+1 when α ≥ β, r+x when α < β.
    let q = if alpha.value() >= beta.value() {
        s + 1.0
    } else {
        r + x
    };
    let ln_f = |t: f64| -> Option<R> {
        let ln_one_minus_z = ((small + t) / (big + t)).ln();
        let ln_series = ln_hyp2f1(R::constant(1.0), rsx + 1.0 - q, rsx + 1.0, z_at(t))?;
        Some((-q + 1.0) * ln_one_minus_z + ln_series - rsx * (big + t).ln())
    };
    Some(log_sub_exp(ln_f(recency)?, ln_f(age)?))
}

/// ln ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ by quadrature (see [`ln_a0`]).
fn ln_death_integral<R: Real>(params: [R; 4], x: f64, recency: f64, age: f64) -> R {
    let [r, alpha, s, beta] = params;
    let log_integrand = |tau: f64| -((r + x) * (alpha + tau).ln()) - (s + 1.0) * (beta + tau).ln();
    let at_start = log_integrand(recency);
    // The integrand falls by e over about 1/k from t_x.
    let k =
        (r.value() + x) / (alpha.value() + recency) + (s.value() + 1.0) / (beta.value() + recency);
    let mut width = 0.25 / k;
    let mut lo = recency;
    let mut total = R::constant(0.0);
    while lo < age {
        let hi = (lo + width).min(age);
        total = total + gauss_legendre_real(lo, hi, |tau| (log_integrand(tau) - at_start).exp());
        lo = hi;
        width *= 2.0;
    }
    at_start + total.ln()
}
/// ln L of one row, without the terms that depend on x alone.
fn ln_bracket<R: Real>(params: [R; 4], x: f64, recency: f64, age: f64) -> R {
    let [r, alpha, s, beta] = params;
    let alive = -((r + x) * (alpha + age).ln()) - s * (beta + age).ln();
    match ln_a0(params, x, recency, age) {
        Some(ln_a0) => log_add_exp(alive, (s / (r + s + x)).ln() + ln_a0),
        None => alive,
    }
}

impl LikelihoodModel<4> for ParetoNbd {
    const NAME: &'static str = "Pareto/NBD";
    const PARAMETERS: [&'static str; 4] = ["r", "alpha", "s", "beta"];
    const SCALED: [bool; 4] = [false, true, false, true];
    type Data = Patterns;

    fn log_likelihood<R: Real>(params: [R; 4], data: &Patterns) -> R {
        let [r, alpha, s, beta] = params;
        let base = r * alpha.ln() + s * beta.ln() - r.ln_gamma();
        let by_frequency: Vec<R> = (0..=data.max_frequency)
            .map(|x| (r + f64::from(x)).ln_gamma() + base)
            .collect();
        ordered_sum(data.len(), |i| {
            let x = data.frequency[i];
            let bracket = ln_bracket(params, f64::from(x), data.recency[i], data.age[i]);
            (by_frequency[x as usize] + bracket) * data.weight[i]
        })
    }

    fn unscaled_log_likelihood(scaled: f64, data: &Patterns, scale: f64) -> f64 {
        scaled - repeat_purchases(data) * scale.ln()
    }

    fn starts() -> Vec<[f64; 4]> {
        vec![
            [1.0, 1.0, 1.0, 1.0],
            [0.5, 0.5, 0.5, 0.5],
            [2.0, 1.0, 0.5, 2.0],
        ]
    }

    fn from_parameters([r, alpha, s, beta]: [f64; 4]) -> Self {
        Self { r, alpha, s, beta }
    }
}

impl ParetoNbd {
    pub fn parameters(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }

    /// DERT (Fader, Hardie & Lee 2005b): discounted expected residual transactions over an
    /// infinite horizon with continuous discount rate `delta` per unit of time.
    ///
    /// Computed as P(alive)·(r+x)/(α+T)·∫₀^∞ e^(−δt)((β+T)/(β+T+t))^s dt, the integral taken
    /// after the substitution v = ln(1 + t/(β+T)), which makes it smooth for every s > 0, by
    /// Gauss–Legendre rules on 64 pieces (equal to BTYD's closed form with Tricomi's U).
    pub fn discounted_expected_residual_transactions(&self, delta: f64, h: &RepeatHistory) -> f64 {
        let x = f64::from(h.frequency);
        let c = self.beta + h.age;
        // ∫₀^∞ e^(−δt)(1 + t/c)^(−s) dt with t = c(e^v − 1): ∫₀^∞ c·e^(v(1−s))·e^(−δc(e^v−1)) dv.
        let integrand = |v: f64| c * (v * (1.0 - self.s) - delta * c * v.exp_m1()).exp();
        // The integrand is negligible once δc(e^v − 1) > 800; integrate up to there in pieces.
        let end = (800.0 / (delta * c)).ln_1p();
        let pieces = 64;
        let width = end / f64::from(pieces);
        let integral: f64 = (0..pieces)
            .map(|k| gauss_legendre(f64::from(k) * width, f64::from(k + 1) * width, integrand))
            .sum();
        self.probability_alive(h) * (self.r + x) / (self.alpha + h.age) * integral
    }
}

impl PurchaseProcess for ParetoNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn log_likelihood(&self, h: &RepeatHistory) -> f64 {
        <Self as LikelihoodModel<4>>::log_likelihood(self.parameters(), &Patterns::new(&[*h], 1.0))
    }

    fn probability_alive(&self, h: &RepeatHistory) -> f64 {
        let Self { r, alpha, s, beta } = *self;
        let x = f64::from(h.frequency);
        match ln_a0(self.parameters(), x, h.recency, h.age) {
            Some(ln_a0) => {
                let d = (s / (r + s + x)).ln()
                    + (r + x) * (alpha + h.age).ln()
                    + s * (beta + h.age).ln()
                    + ln_a0;
                1.0 / (1.0 + d.exp())
            }
            None => 1.0,
        }
    }

    fn expected_purchases(&self, horizon: f64, h: &RepeatHistory) -> Option<f64> {
        if horizon <= 0.0 {
            return Some(0.0);
        }
        let Self { r, alpha, s, beta } = *self;
        let x = f64::from(h.frequency);
        let c = beta + h.age;
        let per_unit_lifetime = residual_lifetime(s, c, horizon);
        Some(self.probability_alive(h) * ((r + x) / (alpha + h.age) * per_unit_lifetime))
    }

    fn expected_purchases_if_alive_at(
        &self,
        horizons: &[f64],
        frequency: u32,
        age: f64,
    ) -> Vec<Option<f64>> {
        let Self { r, alpha, s, beta } = *self;
        let x = f64::from(frequency);
        horizons
            .iter()
            .map(|&t| {
                if t <= 0.0 {
                    return Some(0.0);
                }
                Some((r + x) / (alpha + age) * residual_lifetime(s, beta + age, t))
            })
            .collect()
    }

    fn probability_no_purchase_given_alive(
        &self,
        horizon: f64,
        h: &RepeatHistory,
        alive: f64,
    ) -> f64 {
        if horizon <= 0.0 {
            return 1.0;
        }
        let Self { r, alpha, s, beta } = *self;
        let shape = r + f64::from(h.frequency);
        let quiet = |u: f64| ((alpha + h.age) / (alpha + h.age + u)).powf(shape);
        // Death time τ after T is Lomax: P(τ > u) = (c/(c+u))^s with c = β + T. No purchase in
        // (T, T+t] = E[quiet(min(τ, t))]; with u = c(e^v − 1) the death density is s·e^(−sv).
        let c = beta + h.age;
        let end = (horizon / c).ln_1p();
        let died = gauss_legendre(0.0, end, |v| quiet(c * v.exp_m1()) * s * (-s * v).exp());
        let survived = (c / (c + horizon)).powf(s) * quiet(horizon);
        1.0 - alive + alive * (died + survived)
    }

    fn rate_posterior(&self, h: &RepeatHistory) -> (f64, f64) {
        (self.r + f64::from(h.frequency), self.alpha + h.age)
    }

    fn expected_purchases_unconditional(&self, t: f64) -> Option<f64> {
        let Self { r, alpha, s, beta } = *self;
        Some(r / alpha * residual_lifetime(s, beta, t))
    }

    fn probability_of_purchases(&self, n: u32, t: f64) -> f64 {
        let Self { r, alpha, s, beta } = *self;
        let ln_gamma = statrs::function::gamma::ln_gamma;
        let x = f64::from(n);
        let alive_all_along = (ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + x * (t / (alpha + t)).ln()
            + s * (beta / (beta + t)).ln())
        .exp();
        // Note 012: α^r β^s B(r+x, s+1)/B(r,s) · [B1 − Σ_{i≤x} Γ(r+s+i)/(Γ(r+s) i!) t^i B2_i].
        let (big, small, second) = if alpha >= beta {
            (alpha, beta, s + 1.0)
        } else {
            (beta, alpha, r + x)
        };
        let ln_term = |shift: f64, at: f64| -> f64 {
            let z = (big - small) / (big + at);
            ln_hyp2f1(r + s + shift, second, r + s + x + 1.0, z).unwrap_or(f64::NEG_INFINITY)
                - (r + s + shift) * (big + at).ln()
        };
        let b1 = ln_term(0.0, 0.0).exp();
        let mut b2 = 0.0;
        for i in 0..=n {
            let i = f64::from(i);
            let ln_coefficient = ln_gamma(r + s + i) - ln_gamma(r + s) - ln_gamma(i + 1.0)
                + if i > 0.0 { i * t.ln() } else { 0.0 };
            b2 += (ln_coefficient + ln_term(i, t)).exp();
        }
        let scale =
            (r * alpha.ln() + s * beta.ln() + ln_beta(r + x, s + 1.0) - ln_beta(r, s)).exp();
        (alive_all_along + scale * (b1 - b2)).clamp(0.0, 1.0)
    }
}

/// E\[min(τ, t)\] for a lifetime τ with P(τ > u) = (c/(c+u))^s (the Pareto/NBD posterior):
/// c/(s−1)·\[1 − (c/(c+t))^(s−1)\], with the limit c·ln(1 + t/c) at s = 1.
fn residual_lifetime(s: f64, c: f64, t: f64) -> f64 {
    let ln_ratio = (t / c).ln_1p();
    if (s - 1.0).abs() < 1e-9 {
        c * ln_ratio
    } else {
        c / (s - 1.0) * -(-(s - 1.0) * ln_ratio).exp_m1()
    }
}
