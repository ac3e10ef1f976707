//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
//!
//! While active a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
//! purchase they drop out with probability p ~ Beta(a, b). Formulas: `docs/models.md`.

use super::curvature::{Curvature, ordered_chunk_sum, trigamma};
use super::history::{DistinctValues, Patterns, RepeatHistory};
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

    fn curvature(params: [f64; 4], data: &Patterns) -> Option<Curvature<4>> {
        Some(curvature(params, data))
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

/// ln L of BG/NBD with its gradient and Hessian in (r, α, a, b), in closed form.
///
/// A row's ln L is C(x) + u + softplus(d), where C(x) = ln Γ(r+x) − ln Γ(r) + ln B(a, b+x) −
/// ln B(a, b) + r ln α depends on x alone (summed once per x with the weight of its rows),
/// u = −(r+x) ln(α+T), and for x > 0, d = ln a − ln(b+x−1) + (r+x)(ln(α+T) − ln(α+t_x)) is the
/// log-odds of having dropped out after the last purchase. With s = σ(d), ∂ln L = ∂u + s·∂d and
/// ∂²ln L = ∂²u + s·∂²d + s(1−s)·∂d ∂dᵀ, where u and d are linear in ln(α+·), ln a and
/// ln(b+x−1): per row one ln(α+t_x), one exp and one ln_1p, the transcendentals of the value
/// alone, and some twenty multiply-adds (ln(α+T) once per distinct T).
// The Hessian's indices are its parameters' positions (r, α, a, b).
#[allow(clippy::many_single_char_names)]
fn curvature([r, alpha, a, b]: [f64; 4], data: &Patterns) -> Curvature<4> {
    use statrs::function::gamma::{digamma, ln_gamma};
    let frequencies = data.max_frequency as usize + 1;
    let mut weight_by_frequency = vec![0.0; frequencies];
    for (&x, &w) in data.frequency.iter().zip(&data.weight) {
        weight_by_frequency[x as usize] += w;
    }
    let mut total = Curvature::<4>::zero();
    let ln_alpha = alpha.ln();
    let (lg_r, dg_r, tg_r) = (ln_gamma(r), digamma(r), trigamma(r));
    let (lg_ab, dg_ab, tg_ab) = (ln_gamma(a + b), digamma(a + b), trigamma(a + b));
    let (lg_b, dg_b, tg_b) = (ln_gamma(b), digamma(b), trigamma(b));
    let ln_a = a.ln();
    // Per x: ln a − ln(b+x−1) and 1/(b+x−1) (x > 0).
    let mut drop_by_frequency = vec![(0.0, 0.0); frequencies];
    for (x, &w) in weight_by_frequency.iter().enumerate() {
        let x = x as f64;
        if x > 0.0 {
            let bx1 = b + x - 1.0;
            drop_by_frequency[x as usize] = (ln_a - bx1.ln(), 1.0 / bx1);
        }
        if w == 0.0 {
            continue;
        }
        let (rx, bx, abx) = (r + x, b + x, a + b + x);
        let (dg_abx, tg_abx) = (digamma(abx), trigamma(abx));
        total.value +=
            w * (ln_gamma(rx) - lg_r + lg_ab - lg_b + ln_gamma(bx) - ln_gamma(abx) + r * ln_alpha);
        let g = &mut total.gradient;
        g[0] += w * (digamma(rx) - dg_r + ln_alpha);
        g[1] += w * r / alpha;
        g[2] += w * (dg_ab - dg_abx);
        g[3] += w * (dg_ab - dg_b + digamma(bx) - dg_abx);
        let h = &mut total.hessian;
        h[0][0] += w * (trigamma(rx) - tg_r);
        h[0][1] += w / alpha;
        h[1][1] -= w * r / (alpha * alpha);
        h[2][2] += w * (tg_ab - tg_abx);
        h[2][3] += w * (tg_ab - tg_abx);
        h[3][3] += w * (tg_ab - tg_b + trigamma(bx) - tg_abx);
    }
    let inv_a = 1.0 / a;
    // ln(α+t) and 1/(α+t) once per distinct T and t_x where they are few: the same bits as
    // per row, and one ln and one division fewer per row (on the bench's 1M summary, 1,460
    // distinct T in 780,353 rows; on CDNOW 84 T and 256 t_x in 1,030 rows).
    let time_terms = |t: f64| {
        let at = alpha + t;
        (at.ln(), 1.0 / at)
    };
    let (by_age, by_recency) = (
        per_distinct_value(&data.ages, time_terms),
        per_distinct_value(&data.recencies, time_terms),
    );
    let terms_of = |by: &Option<TermsPerValue>, column: &[f64], i: usize| match by {
        Some(by) => by.terms[by.index[i] as usize],
        None => time_terms(column[i]),
    };
    let rows = ordered_chunk_sum(data.len(), |range| {
        // Σ w·…, named after their parameters; the a-terms are 1/a times a sum of s-terms.
        let (mut value, mut g_r, mut g_alpha, mut s_sum, mut g_b) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut h_rr, mut h_ralpha, mut h_ra, mut h_rb) = (0.0, 0.0, 0.0, 0.0);
        let (mut h_alphaalpha, mut h_alphaa, mut h_alphab) = (0.0, 0.0, 0.0);
        let (mut s_squared, mut h_ab, mut h_bb) = (0.0, 0.0, 0.0);
        for i in range {
            let x = data.frequency[i];
            let w = data.weight[i];
            let k = r + f64::from(x);
            let (l_age, i_age) = terms_of(&by_age, &data.age, i);
            value -= w * k * l_age;
            g_r -= w * l_age;
            g_alpha -= w * k * i_age;
            h_ralpha -= w * i_age;
            h_alphaalpha += w * k * i_age * i_age;
            if x == 0 {
                continue;
            }
            let (drop, beta) = drop_by_frequency[x as usize];
            let (l_recency, i_recency) = terms_of(&by_recency, &data.recency, i);
            let d = drop + k * (l_age - l_recency);
            let e = (-d.abs()).exp();
            let inv = 1.0 / (1.0 + e);
            // s = σ(d) and 1 − s, each without cancellation.
            let (s, s1) = if d > 0.0 {
                (inv, e * inv)
            } else {
                (e * inv, inv)
            };
            // ln(1 + e) rather than ln_1p(e): e ≤ 1, so its absolute error stays below 1.2e-16
            // (all the sum needs), and glibc's log1p took twice log's time (20% of a CDNOW fit).
            let softplus = d.max(0.0) + (1.0 + e).ln();
            // ∂d/∂r and ∂d/∂α (∂d/∂a = 1/a, ∂d/∂b = −β).
            let (dr, dalpha) = (l_age - l_recency, k * (i_age - i_recency));
            let ws = w * s;
            let wss = ws * s1;
            value += w * softplus;
            g_r += ws * dr;
            g_alpha += ws * dalpha;
            s_sum += ws;
            g_b -= ws * beta;
            h_rr += wss * dr * dr;
            h_ralpha += ws * (i_age - i_recency) + wss * dr * dalpha;
            h_ra += wss * dr;
            h_rb -= wss * dr * beta;
            h_alphaalpha +=
                ws * k * (i_recency * i_recency - i_age * i_age) + wss * dalpha * dalpha;
            h_alphaa += wss * dalpha;
            h_alphab -= wss * dalpha * beta;
            s_squared += ws * s;
            h_ab -= wss * beta;
            h_bb += (ws + wss) * beta * beta;
        }
        let mut c = Curvature::zero();
        c.value = value;
        c.gradient = [g_r, g_alpha, s_sum * inv_a, g_b];
        c.hessian[0] = [h_rr, h_ralpha, h_ra * inv_a, h_rb];
        c.hessian[1][1..].copy_from_slice(&[h_alphaalpha, h_alphaa * inv_a, h_alphab]);
        c.hessian[2][2..].copy_from_slice(&[-s_squared * inv_a * inv_a, h_ab * inv_a]);
        c.hessian[3][3] = h_bb;
        c
    });
    (total + rows).symmetric()
}

/// Terms of each distinct value of a time column, and each row's position among them.
struct TermsPerValue<'a> {
    terms: Vec<(f64, f64)>,
    index: &'a [u32],
}

fn per_distinct_value(
    distinct: &Option<DistinctValues>,
    terms: impl Fn(f64) -> (f64, f64),
) -> Option<TermsPerValue<'_>> {
    distinct.as_ref().map(|d| TermsPerValue {
        terms: d.values.iter().map(|&t| terms(t)).collect(),
        index: &d.index,
    })
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
        Some(self.probability_alive(h) * ((a + b + x - 1.0) / (a - 1.0) * bracket))
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
            b + x,
            a + b + x - 1.0,
            alpha + age,
            (a + b + x - 1.0) / (a - 1.0),
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
