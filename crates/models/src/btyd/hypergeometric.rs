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
/// ln 1e250, as `f64::ln` rounds it (the same bits as `RESCALE_ABOVE.ln()`).
const LN_RESCALE: f64 = 575.646_273_248_511_4;

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
            log_offset += LN_RESCALE;
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

/// How many z [`ln_hyp2f1_at`] sums side by side.
const LANES: usize = 4;

/// ln ₂F₁(a, b; c; z) at every z of `zs` for one a, b, c: what [`ln_hyp2f1`] gives at each z,
/// bit for bit, with the work shared (for the predictions of a customer at several horizons).
///
/// The z-free part of each term ratio, (a+n)(b+n)/((c+n)(n+1)), is computed once per n for all
/// z ([`ln_hyp2f1`]'s ratio is that factor times z, so the arithmetic is the same), and the
/// series of [`LANES`] consecutive z at a time (horizons come in increasing order, so series
/// of similar lengths go together) are summed side by side, independent chains the CPU
/// overlaps. Each z keeps its own term, sum, rescaling and stopping rule, checked at every term
/// as in [`ln_hyp2f1`]; a z whose series has stopped carries on with z = 0 and a threshold it
/// never meets (NaN) until the others stop.
pub fn ln_hyp2f1_at(a: f64, b: f64, c: f64, zs: &[f64]) -> Vec<Option<f64>> {
    let mut out = vec![None; zs.len()];
    if !(a > -1.0 && b > -1.0 && c > 0.0) {
        return out;
    }
    let mut factors: Vec<f64> = Vec::with_capacity(64);
    for (group, first) in zs.chunks(LANES).zip((0..).step_by(LANES)) {
        let mut z = [0.0; LANES];
        // 1e-17·(1−z), the stopping threshold relative to the sum; NaN, which no term meets,
        // for a lane not in use (past the end of `zs`, or z outside [0, 1): `None`) or stopped.
        let mut tolerance = [f64::NAN; LANES];
        let mut running = 0;
        for (lane, &value) in group.iter().enumerate() {
            if (0.0..1.0).contains(&value) {
                z[lane] = value;
                tolerance[lane] = 1e-17 * (1.0 - value);
                running += 1;
            }
        }
        let mut term = [1.0; LANES];
        let mut sum = [1.0; LANES];
        let mut log_offset = [0.0; LANES];
        // The sum and offset where each series stopped; the logarithms are taken after the
        // loop, which then makes no calls (its state stays in registers).
        let mut stopped: [Option<(f64, f64)>; LANES] = [None; LANES];
        for n in 0..MAX_TERMS {
            if running == 0 {
                break;
            }
            if n == factors.len() {
                // A few at a time, ahead of the sums.
                factors.extend((n..n + 8).map(|n| {
                    let k = n as f64;
                    (a + k) * (b + k) / ((c + k) * (k + 1.0))
                }));
            }
            let factor = factors[n];
            let mut attention = false;
            for lane in 0..LANES {
                let ratio = factor * z[lane];
                term[lane] *= ratio;
                sum[lane] += term[lane];
                // The stopping rule without its |ratio| < 1 part, checked below: a superset.
                attention |= (term[lane].abs() > RESCALE_ABOVE)
                    | (term[lane].abs() <= tolerance[lane] * sum[lane].abs());
            }
            if !attention {
                continue;
            }
            for lane in 0..LANES {
                if term[lane].abs() > RESCALE_ABOVE {
                    term[lane] /= RESCALE_ABOVE;
                    sum[lane] /= RESCALE_ABOVE;
                    log_offset[lane] += LN_RESCALE;
                }
                let ratio = factor * z[lane];
                if ratio.abs() < 1.0 && term[lane].abs() <= tolerance[lane] * sum[lane].abs() {
                    stopped[lane] = Some((sum[lane], log_offset[lane]));
                    z[lane] = 0.0;
                    tolerance[lane] = f64::NAN;
                    running -= 1;
                }
            }
        }
        for (slot, stop) in out[first..].iter_mut().zip(stopped) {
            *slot = stop.and_then(|(sum, log_offset)| (sum > 0.0).then(|| sum.ln() + log_offset));
        }
    }
    out
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

    #[test]
    fn many_z_give_the_bits_of_one_z_at_a_time() {
        // Short series, terms that first grow past the rescaling threshold (a·b large, z near
        // 1), a parameter in (−1, 0), z = 0, z out of range and a series cut at MAX_TERMS.
        let zs = [0.3, 0.0, 0.999, 0.9, 1.0, -0.1, f64::NAN, 0.5, 0.99, 1e-9];
        for (a, b, c) in [
            (2.0, 3.0, 4.0),
            (1.0, 1.0, 2.0),
            (0.4, -0.5, 1.9),
            (900.0, 850.0, 1.5),
            (3000.0, 2.0, 40.0),
            (-2.0, 3.0, 4.0),
        ] {
            let many = ln_hyp2f1_at(a, b, c, &zs);
            for (&z, got) in zs.iter().zip(&many) {
                let want = ln_hyp2f1(a, b, c, z);
                assert_eq!(
                    got.map(f64::to_bits),
                    want.map(f64::to_bits),
                    "({a}, {b}; {c}; {z}): {got:?} vs {want:?}"
                );
            }
        }
        assert!(ln_hyp2f1(900.0, 850.0, 1.5, 0.9).is_some_and(|v| v > 600.0));
        assert_eq!(
            LN_RESCALE.to_bits(),
            std::hint::black_box(RESCALE_ABOVE).ln().to_bits()
        );
        assert!(ln_hyp2f1_at(1.0, 1.0, 2.0, &[]).is_empty());
    }
}
