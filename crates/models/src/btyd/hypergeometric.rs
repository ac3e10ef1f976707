//! ln ₂F₁(a, b; c; z), the Gauss hypergeometric function, for the arguments the customer-base
//! models need: c > 0, a, b > −1 and 0 ≤ z < 1.
//!
//! Every term of the power series after the first then has the same sign (all positive when
//! a, b > 0), so the series is summed directly without alternating cancellation; terms that
//! first grow (large a·b, as for heavy buyers) are rescaled so the sum never overflows, and
//! the logarithm is returned. The callers pick the Euler-transformed form where it converges
//! faster. It is generic over [`Real`], so a fit
//! gets the derivatives with respect to a, b, c and z from the same loop. Hand-written because
//! no maintained Rust crate offers ₂F₁ on these arguments (statrs has none).

use super::real::Real;

/// Most terms summed before giving up; callers keep z away from 1 or use another route.
const MAX_TERMS: usize = 200_000;
/// Rescale the running sum when a term exceeds this.
const RESCALE_ABOVE: f64 = 1e250;

/// ln ₂F₁(a, b; c; z) for c > 0, a, b > −1 and 0 ≤ z < 1.
///
/// Stops when the remaining tail is below 1e-17 of the sum. Returns `None` for arguments
/// outside that domain, a sum that is not positive, or a series not converged after 200,000
/// terms (z very close to 1).
pub fn ln_hyp2f1<R: Real>(a: R, b: R, c: R, z: R) -> Option<R> {
    let zv = z.value();
    if !(a.value() > -1.0 && b.value() > -1.0 && c.value() > 0.0 && (0.0..1.0).contains(&zv)) {
        return None;
    }
    let mut term = R::constant(1.0);
    let mut sum = R::constant(1.0);
    let mut log_offset = 0.0_f64;
    for n in 0..MAX_TERMS {
        let k = n as f64;
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        term = term * ratio;
        sum = sum + term;
        if term.value().abs() > RESCALE_ABOVE {
            term = term / RESCALE_ABOVE;
            sum = sum / RESCALE_ABOVE;
            log_offset += RESCALE_ABOVE.ln();
        }
        // Past the peak the ratios fall towards z, so the tail is at most term·z/(1−z)·(a
        // factor that tends to 1); 1e-17 leaves room for the derivative terms as well.
        if ratio.value().abs() < 1.0 && term.value().abs() <= 1e-17 * (1.0 - zv) * sum.value().abs()
        {
            return (sum.value() > 0.0).then(|| sum.ln() + log_offset);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::real::Dual;

    #[test]
    fn closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1−z)/z.
        for z in [1e-6_f64, 0.1, 0.5, 0.9, 0.999] {
            let got = ln_hyp2f1(1.0, 1.0, 2.0, z).expect("converges").exp();
            let want = -(-z).ln_1p() / z;
            assert!((got / want - 1.0).abs() < 1e-13, "z={z}: {got} vs {want}");
        }
        // ₂F₁(a, b; b; z) = (1−z)^(−a).
        let got = ln_hyp2f1(250.0, 3.0, 3.0, 0.8).expect("converges");
        let want = -250.0 * (0.2_f64).ln();
        assert!((got / want - 1.0).abs() < 1e-13, "{got} vs {want}");
        assert_eq!(ln_hyp2f1(2.0, 3.0, 4.0, 0.0), Some(0.0));
        assert_eq!(ln_hyp2f1(2.0, 3.0, 4.0, 1.0), None);
        assert_eq!(ln_hyp2f1(-2.0, 3.0, 4.0, 0.5), None);
        // One parameter in (−1, 0): every term after the first is negative. Euler's transform
        // of a positive case must agree with it.
        let (a, b, c, z) = (0.4_f64, 2.2_f64, 1.9_f64, 0.7_f64);
        let direct = ln_hyp2f1(a, b, c, z).expect("converges");
        let euler =
            (c - a - b) * (1.0 - z).ln() + ln_hyp2f1(c - a, c - b, c, z).expect("converges");
        assert!((direct - euler).abs() < 1e-13, "{direct} vs {euler}");
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let f = |a: f64, c: f64| ln_hyp2f1(a, 1.7, c, 0.6).expect("converges");
        let d = ln_hyp2f1(
            Dual::<2>::variable(3.2, 0, 1.0),
            Dual::constant(1.7),
            Dual::<2>::variable(4.5, 1, 1.0),
            Dual::constant(0.6),
        )
        .expect("converges");
        let h = 1e-6;
        let da = (f(3.2 + h, 4.5) - f(3.2 - h, 4.5)) / (2.0 * h);
        let dc = (f(3.2, 4.5 + h) - f(3.2, 4.5 - h)) / (2.0 * h);
        assert!((d.gradient[0] - da).abs() < 1e-8);
        assert!((d.gradient[1] - dc).abs() < 1e-8);
    }
}
