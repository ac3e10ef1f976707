//! Newton's method on ln θ, for the models whose Hessian is available in closed form
//! ([`LikelihoodModel::curvature`]).
//!
//! Each step costs one pass over the rows (value, gradient and Hessian together) and, near the
//! optimum, doubles the number of correct digits: from the subsample's optimum the full data
//! needs 3–4 passes where L-BFGS took 13, and the Hessian of the last pass gives the standard
//! errors (9 more passes by central differences before). Far from the optimum the Hessian may
//! not be negative definite: it is then shifted towards a gradient step (Levenberg), steps are
//! capped and backtracked until ln L increases, and a run that still fails returns `None` so
//! that the caller falls back to L-BFGS.

use super::curvature::Curvature;
use super::likelihood::LikelihoodModel;

/// Where a Newton run stopped: ln θ, ln L there, the curvature (natural parameters) at the last
/// point evaluated and how many steps it took.
pub(crate) struct NewtonRun<const N: usize> {
    pub theta: [f64; N],
    /// ln L at `theta`: evaluated, or the quadratic model's value after a last step taken
    /// without evaluating (see [`UNEVALUATED_STEP_TOLERANCE`]).
    pub log_likelihood: f64,
    /// The curvature at `evaluated`: `theta` itself, or the point one step before it.
    pub at: Curvature<N>,
    pub evaluated: [f64; N],
    pub iterations: u64,
    /// Stopped on reaching Newton's basin of `known_optimum` ([`JOIN_TOLERANCE`]).
    pub joined: bool,
}

/// A run given a known optimum (another start's) stops when an undamped Newton step shorter than
/// [`JOIN_STEP`] lands within this of it in every ln θ: it is then in that optimum's basin
/// (Newton's error squares at each step), and the steps left would only confirm it. The fitter
/// gives such a run the known optimum's ln L and never returns it as its result, so the
/// tolerance decides how soon a start is recognised, not where any fit ends.
const JOIN_TOLERANCE: f64 = 1e-3;
/// … and only from steps shorter than this.
const JOIN_STEP: f64 = 1e-1;

/// Ends a run with a last full Newton step taken without evaluating where it leads, when
/// quadratic convergence predicts the step after it below this. With the last two full steps
/// s₋₁ and s, the next is ≈ |s|³/|s₋₁|² (on the bench's 1M summary: 7.0e-3, 5.0e-5, then
/// 1.1e-9 measured where this predicts 2.6e-9). That pass was one of the three full-data passes
/// of a BG/NBD or Gamma-Gamma fit after the subsample (~33 ms of 0.23 s there); it moved the
/// parameters by ~1e-9 relative, and this tolerance keeps them within ~1e-8 of the optimum:
/// far inside the reference tolerance (1e-4) and lifetimes' own stopping error (~2.5e-7).
/// ln L at the result is then the quadratic model's, exact to O(|s|³) per customer (~1e-13
/// there, below the rounding of the sum), and the standard errors come from the Hessian one
/// step (~5e-5 in ln θ) away: ~5e-5 relative, where the reference asks 1e-2.
const UNEVALUATED_STEP_TOLERANCE: f64 = 1e-8;
/// … and only when the gradient at the point evaluated is already below this (the fit's
/// "converged" threshold), so that the gradient it reports, from that point, keeps the flag.
const UNEVALUATED_GRADIENT_TOLERANCE: f64 = 1e-5;

/// Converged when the next step would move every ln θ by less than this (parameters to ~1e-9
/// relative; L-BFGS stopped with gradients of ~1e-8, i.e. parameters to ~1e-7).
const STEP_TOLERANCE: f64 = 1e-9;
/// … or when it would gain less than this in mean ln L (a flat direction).
const GAIN_TOLERANCE: f64 = 1e-18;
/// Largest step in any ln θ (a factor e² in the parameter).
const MAX_STEP: f64 = 2.0;
/// Below this predicted gain in mean ln L a step is accepted unless it loses more than
/// `NOISE`: the mean over ~10⁶ rows has rounding noise of ~1e-14 and cannot confirm it.
const TINY_GAIN: f64 = 1e-10;
const NOISE: f64 = 1e-11;

/// Maximises ln L/`customers` from `start` (ln θ); `None` when the model has no closed-form
/// curvature, a point is not finite, the line search fails or `max_iterations` pass.
pub(crate) fn newton<M: LikelihoodModel<N>, const N: usize>(
    data: &M::Data,
    customers: f64,
    start: &[f64],
    max_iterations: u64,
    known_optimum: Option<&[f64]>,
) -> Option<NewtonRun<N>> {
    let evaluate =
        |theta: &[f64; N]| M::curvature(theta.map(f64::exp), data).filter(Curvature::is_finite);
    let mut theta: [f64; N] = start.try_into().ok()?;
    let mut at = evaluate(&theta)?;
    // The size of the last step when it was a full, undamped one.
    let mut last_full_step: Option<f64> = None;
    for iteration in 0..max_iterations {
        let (gradient, information) = in_log_parameters(&at, &theta, customers);
        let (step, undamped) = damped_solve(information, gradient)?;
        let largest = step.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
        let gain: f64 = gradient.iter().zip(&step).map(|(g, s)| g * s).sum();
        if largest < STEP_TOLERANCE || gain < GAIN_TOLERANCE {
            return Some(NewtonRun {
                theta,
                log_likelihood: at.value,
                at,
                evaluated: theta,
                iterations: iteration,
                joined: false,
            });
        }
        let gradient_norm = gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        let joins = |optimum: &[f64]| {
            (0..N).all(|i| (theta[i] + step[i] - optimum[i]).abs() < JOIN_TOLERANCE)
        };
        let joined = undamped && largest < JOIN_STEP && known_optimum.is_some_and(joins);
        if joined
            || last_full_step.is_some_and(|previous| {
                undamped
                    && largest < previous
                    && largest.powi(3) / (previous * previous) < UNEVALUATED_STEP_TOLERANCE
                    && gradient_norm < UNEVALUATED_GRADIENT_TOLERANCE
            })
        {
            // The quadratic model's gain, g·s − ½ sᵀ I s, per customer.
            let curvature_term: f64 = (0..N)
                .map(|i| step[i] * (0..N).map(|j| information[i][j] * step[j]).sum::<f64>())
                .sum();
            return Some(NewtonRun {
                theta: std::array::from_fn(|i| theta[i] + step[i]),
                log_likelihood: at.value + (gain - 0.5 * curvature_term) * customers,
                at,
                evaluated: theta,
                iterations: iteration + 1,
                joined,
            });
        }
        let mut t = if largest > MAX_STEP {
            MAX_STEP / largest
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..60 {
            let trial: [f64; N] = std::array::from_fn(|i| theta[i] + t * step[i]);
            if let Some(next) = evaluate(&trial) {
                let gained = (next.value - at.value) / customers;
                let predicted = t * gain;
                if gained >= 1e-4 * predicted || (predicted < TINY_GAIN && gained > -NOISE) {
                    accepted = Some((trial, next));
                    break;
                }
            }
            t *= 0.5;
        }
        last_full_step = (undamped && t == 1.0).then_some(largest);
        (theta, at) = accepted?;
    }
    None
}

/// The gradient of mean ln L and minus its Hessian with respect to ln θ, from those in θ:
/// ∂/∂ln θᵢ = θᵢ ∂/∂θᵢ, ∂²/∂ln θᵢ∂ln θⱼ = θᵢθⱼ ∂²/∂θᵢ∂θⱼ + [i = j] θᵢ ∂/∂θᵢ.
pub(crate) fn in_log_parameters<const N: usize>(
    at: &Curvature<N>,
    theta: &[f64; N],
    customers: f64,
) -> ([f64; N], [[f64; N]; N]) {
    let p = theta.map(f64::exp);
    let gradient: [f64; N] = std::array::from_fn(|i| p[i] * at.gradient[i] / customers);
    let information: [[f64; N]; N] = std::array::from_fn(|i| {
        std::array::from_fn(|j| {
            let diagonal = if i == j { gradient[i] } else { 0.0 };
            -(p[i] * p[j] * at.hessian[i][j] / customers + diagonal)
        })
    });
    (gradient, information)
}

/// Solves (A + μI)x = b with the smallest μ ≥ 0 (0, then 1e-10·scale growing tenfold) for
/// which A + μI is positive definite: the Newton step where A is, a step between Newton's and
/// the gradient's where it is not.
/// Also says whether μ = 0 (a pure Newton step).
fn damped_solve<const N: usize>(a: [[f64; N]; N], b: [f64; N]) -> Option<([f64; N], bool)> {
    let scale = (0..N).fold(1e-12_f64, |m, i| m.max(a[i][i].abs()));
    let mut shift = 0.0;
    for _ in 0..40 {
        let mut shifted = a;
        for (i, row) in shifted.iter_mut().enumerate() {
            row[i] += shift;
        }
        if let Some(x) = cholesky_solve(shifted, b) {
            return Some((x, shift == 0.0));
        }
        shift = if shift == 0.0 {
            1e-10 * scale
        } else {
            shift * 10.0
        };
    }
    None
}

/// x with Ax = b for symmetric positive definite A; `None` when A is not.
// i, j, k are matrix indices.
#[allow(clippy::needless_range_loop)]
fn cholesky_solve<const N: usize>(a: [[f64; N]; N], b: [f64; N]) -> Option<[f64; N]> {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_positive_definite_systems_and_damps_the_others() {
        let a = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]];
        let x = cholesky_solve(a, [1.0, 2.0, 3.0]).expect("positive definite");
        for (row, b) in a.iter().zip([1.0, 2.0, 3.0]) {
            let ax: f64 = row.iter().zip(&x).map(|(a, x)| a * x).sum();
            assert!((ax - b).abs() < 1e-14);
        }
        let indefinite = [[1.0, 0.0], [0.0, -1.0]];
        assert!(cholesky_solve(indefinite, [1.0, 1.0]).is_none());
        let (step, undamped) = damped_solve(indefinite, [1.0, 1.0]).expect("shifted");
        assert!(!undamped);
        // An ascent direction: positive along the gradient.
        assert!(step[0] + step[1] > 0.0);
    }
}
