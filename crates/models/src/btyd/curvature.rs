//! ln L with its gradient and Hessian in closed form, for the models where these are short
//! (BG/NBD, Gamma-Gamma): one pass over the rows then gives everything Newton's method and
//! the standard errors need.
//!
//! The dual-number pass ([`super::real::Dual`]) gives the gradient of any model, but its
//! Hessian would take 2N more passes (central differences). With the Hessian in one pass, a
//! fit is a few Newton steps, each one pass, and the standard errors come from the Hessian of
//! the last one.

use std::ops::{Add, AddAssign, Range};

use rayon::prelude::*;

/// ln L, ∂ln L/∂θ and ∂²ln L/∂θ∂θᵀ at one point, in natural parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Curvature<const N: usize> {
    pub value: f64,
    pub gradient: [f64; N],
    pub hessian: [[f64; N]; N],
}

impl<const N: usize> Curvature<N> {
    pub fn zero() -> Self {
        Self {
            value: 0.0,
            gradient: [0.0; N],
            hessian: [[0.0; N]; N],
        }
    }

    /// Fills the lower triangle from the upper one (the models write i ≤ j only).
    #[must_use]
    pub fn symmetric(mut self) -> Self {
        for i in 0..N {
            for j in 0..i {
                self.hessian[i][j] = self.hessian[j][i];
            }
        }
        self
    }

    pub fn is_finite(&self) -> bool {
        self.value.is_finite()
            && self.gradient.iter().all(|g| g.is_finite())
            && self.hessian.iter().flatten().all(|h| h.is_finite())
    }
}

impl<const N: usize> AddAssign for Curvature<N> {
    fn add_assign(&mut self, o: Self) {
        self.value += o.value;
        for (g, h) in self.gradient.iter_mut().zip(o.gradient) {
            *g += h;
        }
        for (row, other) in self.hessian.iter_mut().zip(o.hessian) {
            for (h, k) in row.iter_mut().zip(other) {
                *h += k;
            }
        }
    }
}

impl<const N: usize> Add for Curvature<N> {
    type Output = Self;
    fn add(mut self, o: Self) -> Self {
        self += o;
        self
    }
}

/// Σ over chunks of `chunk(range)`, in parallel, the chunks fixed by `len` alone and their
/// results added in order, so the sum is the same bytes on any number of threads (as
/// [`super::likelihood::ordered_sum`], with a whole chunk summed by one call so that its loop
/// keeps the accumulators in registers).
pub(crate) fn ordered_chunk_sum<const N: usize>(
    len: usize,
    chunk: impl Fn(Range<usize>) -> Curvature<N> + Sync,
) -> Curvature<N> {
    const CHUNK: usize = 4096;
    let of = |c: usize| chunk(c * CHUNK..((c + 1) * CHUNK).min(len));
    let chunks = len.div_ceil(CHUNK);
    if chunks <= 1 {
        // One chunk: no hand-over to the thread pool (CDNOW's ~1,000 rows: a pass is a few µs,
        // waking a worker and waiting for it about as long again).
        return (0..chunks).map(of).fold(Curvature::zero(), Add::add);
    }
    let partial: Vec<Curvature<N>> = (0..chunks).into_par_iter().map(of).collect();
    partial.into_iter().fold(Curvature::zero(), Add::add)
}

/// ψ′(z), the trigamma function, for z > 0: the recurrence ψ′(z) = ψ′(z+1) + 1/z² up to
/// z ≥ 10, then the asymptotic series to z⁻¹⁵ (error below 1e-16 there). statrs has no trigamma; it
/// is needed only for the Hessian's terms that depend on the parameters alone (once per
/// distinct x), where its accuracy sets how fast Newton converges, not where it converges.
pub(crate) fn trigamma(mut z: f64) -> f64 {
    let mut sum = 0.0;
    while z < 10.0 {
        sum += 1.0 / (z * z);
        z += 1.0;
    }
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    // 1/z + 1/(2z²) + Σ B₂ₖ/z^(2k+1)
    let series = inv
        * (1.0
            + inv
                * (0.5
                    + inv
                        * (1.0 / 6.0
                            + inv2
                                * (-1.0 / 30.0
                                    + inv2
                                        * (1.0 / 42.0
                                            + inv2
                                                * (-1.0 / 30.0
                                                    + inv2
                                                        * (5.0 / 66.0
                                                            + inv2
                                                                * (-691.0 / 2730.0
                                                                    + inv2 * 7.0 / 6.0))))))));
    sum + series
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::bgnbd::BgNbd;
    use crate::btyd::gamma_gamma::GammaGamma;
    use crate::btyd::history::{Patterns, RepeatHistory, SpendHistory, SpendPatterns};
    use crate::btyd::likelihood::LikelihoodModel;
    use crate::btyd::real::Dual;

    /// The closed form against the dual-number pass (value and gradient) and central
    /// differences of the dual gradient (Hessian).
    // i and j are matrix indices.
    #[allow(clippy::needless_range_loop)]
    fn check<M: LikelihoodModel<N>, const N: usize>(params: [f64; N], data: &M::Data) {
        let exact = M::curvature(params, data).expect("closed form");
        let gradient = |p: [f64; N]| {
            let duals: [Dual<N>; N] = std::array::from_fn(|i| Dual::variable(p[i], i, 1.0));
            M::log_likelihood(duals, data)
        };
        let dual = gradient(params);
        assert!(
            (exact.value / dual.value - 1.0).abs() < 1e-12,
            "{exact:?} vs {dual:?}"
        );
        for i in 0..N {
            let scale = dual.gradient.iter().fold(1.0_f64, |m, g| m.max(g.abs()));
            assert!(
                (exact.gradient[i] - dual.gradient[i]).abs() < 1e-10 * scale,
                "gradient {i}: {exact:?} vs {dual:?}"
            );
        }
        for j in 0..N {
            let h = 1e-6 * params[j];
            let (mut up, mut down) = (params, params);
            up[j] += h;
            down[j] -= h;
            let (gu, gd) = (gradient(up).gradient, gradient(down).gradient);
            for i in 0..N {
                let numeric = (gu[i] - gd[i]) / (2.0 * h);
                let scale = exact.hessian[i][j].abs().max(exact.hessian[i][i].abs());
                assert!(
                    (exact.hessian[i][j] - numeric).abs() < 1e-6 * scale,
                    "hessian {i},{j}: {} vs {numeric}",
                    exact.hessian[i][j]
                );
            }
        }
    }

    #[test]
    fn closed_forms_match_the_dual_numbers() {
        let histories: Vec<RepeatHistory> = (0..400_u32)
            .map(|i| {
                let x = (i * 7) % 13;
                let age = 5.0 + f64::from(i % 37) * 1.3;
                let recency = if x == 0 {
                    0.0
                } else {
                    age * (0.05 + 0.95 * f64::from((i * 11) % 17) / 16.0)
                };
                RepeatHistory::new(x, recency, age)
            })
            .collect();
        let patterns = Patterns::new(&histories, 10.0);
        for params in [
            [0.243, 0.44, 0.793, 2.426],
            [2.0, 3.0, 0.5, 5.0],
            [0.3, 0.05, 4.0, 0.4],
        ] {
            check::<BgNbd, 4>(params, &patterns);
        }
        let spends: Vec<SpendHistory> = histories
            .iter()
            .filter(|h| h.frequency > 0)
            .map(|h| SpendHistory {
                frequency: h.frequency,
                mean_spend: 3.0 + h.age * 0.7,
            })
            .collect();
        let spend_patterns = SpendPatterns::new(&spends, 20.0);
        for params in [[6.25, 3.74, 0.8], [1.0, 1.0, 1.0], [0.4, 12.0, 5.0]] {
            check::<GammaGamma, 3>(params, &spend_patterns);
        }
    }

    #[test]
    fn trigamma_matches_known_values_and_digamma() {
        // ψ′(1) = π²/6, ψ′(1/2) = π²/2.
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        assert!((trigamma(1.0) / (pi2 / 6.0) - 1.0).abs() < 1e-14);
        assert!((trigamma(0.5) / (pi2 / 2.0) - 1.0).abs() < 1e-14);
        for z in [0.01, 0.3, 2.7, 9.99, 10.0, 57.3, 4000.0] {
            let h = 1e-5 * z;
            let digamma = statrs::function::gamma::digamma;
            let numeric = (digamma(z + h) - digamma(z - h)) / (2.0 * h);
            assert!(
                (trigamma(z) / numeric - 1.0).abs() < 1e-8,
                "z={z}: {} vs {numeric}",
                trigamma(z)
            );
        }
    }
}
