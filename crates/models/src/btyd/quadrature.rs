//! Gauss–Legendre quadrature for the few smooth one-dimensional integrals the models need
//! (Pareto/NBD P(no purchase) and DERT).

use std::sync::OnceLock;

use super::real::Real;

/// Nodes of the rule.
const ORDER: usize = 32;

/// Nodes and weights on \[−1, 1\], found once by Newton's method on the Legendre polynomial.
fn rule() -> &'static [(f64, f64); ORDER] {
    static RULE: OnceLock<[(f64, f64); ORDER]> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = ORDER as f64;
        let mut out = [(0.0, 0.0); ORDER];
        for (i, slot) in out.iter_mut().enumerate() {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n + 0.5)).cos();
            let mut derivative = 1.0;
            for _ in 0..100 {
                // P_n(x) and P_n'(x) by the three-term recurrence.
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=ORDER {
                    let k = k as f64;
                    let p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
                    p0 = p1;
                    p1 = p2;
                }
                derivative = n * (x * p1 - p0) / (x * x - 1.0);
                let step = p1 / derivative;
                x -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            *slot = (x, 2.0 / ((1.0 - x * x) * derivative * derivative));
        }
        out
    })
}

/// ∫_lo^hi f, exact for polynomials of degree < 64.
pub(crate) fn gauss_legendre(lo: f64, hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    let half = 0.5 * (hi - lo);
    let mid = 0.5 * (hi + lo);
    half * rule()
        .iter()
        .map(|&(x, w)| w * f(mid + half * x))
        .sum::<f64>()
}

/// [`gauss_legendre`] for an integrand with derivatives (the variable of integration is data).
pub(crate) fn gauss_legendre_real<R: Real>(lo: f64, hi: f64, f: impl Fn(f64) -> R) -> R {
    let half = 0.5 * (hi - lo);
    let mid = 0.5 * (hi + lo);
    rule().iter().fold(R::constant(0.0), |sum, &(x, w)| {
        sum + f(mid + half * x) * (w * half)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_known_functions() {
        assert!((gauss_legendre(0.0, 1.0, |x| x.powi(9)) - 0.1).abs() < 1e-15);
        assert!((gauss_legendre(0.0, std::f64::consts::PI, f64::sin) - 2.0).abs() < 1e-14);
        let w: f64 = rule().iter().map(|r| r.1).sum();
        assert!((w - 2.0).abs() < 1e-14);
    }
}
