//! Maximum-likelihood fitting shared by every model: L-BFGS (argmin) on log-parameters with
//! exact gradients, several starting points, Nelder–Mead as the fallback, a warm start on a
//! subsample for large data, and standard errors from the observed information.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::LBFGS;

use super::bgnbd::BgNbd;
use super::curvature::Curvature;
use super::error::ModelError;
use super::gamma_gamma::GammaGamma;
use super::history::{
    Patterns, ROWS_PER_TASK, RepeatHistory, SpendHistory, SpendPatterns, systematic_sample,
    validate_histories, validate_spends,
};
use super::likelihood::{LikelihoodModel, ordered_sum};
use super::mbgnbd::MbgNbd;
use super::newton::{in_log_parameters, newton};
use super::pareto_nbd::ParetoNbd;
use super::real::Dual;

/// How a model is fitted. The defaults suit every data size; nothing here is random.
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// Most L-BFGS iterations per start.
    pub max_iterations: u64,
    /// With more rows than this, the starting points are first fitted on a systematic
    /// subsample (spread over x and the times) of about a quarter as many rows, the best is
    /// refined on one of about this many, and only then on all rows.
    pub subsample_rows: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iterations: 400,
            subsample_rows: 40_000,
        }
    }
}

/// A fitted model and what the fit found.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit<M> {
    pub model: M,
    /// "BG/NBD", "Pareto/NBD", ….
    pub name: &'static str,
    pub parameter_names: Vec<&'static str>,
    pub parameters: Vec<f64>,
    /// From the inverse of the observed information; `None` when it is not positive definite
    /// (a flat or degenerate likelihood).
    pub standard_errors: Option<Vec<f64>>,
    /// Σ over customers of ln L, in the data's own units (the convention of the papers).
    pub log_likelihood: f64,
    pub customers: usize,
    /// Rows the likelihood was summed over: one per distinct T among the customers without
    /// repeat purchases (they differ in nothing else), one per repeat buyer.
    pub distinct_rows: usize,
    /// Iterations of the final optimisation.
    pub iterations: u64,
    /// Largest |∂(mean ln L)/∂ ln θ| at the result, or, where Newton's last step was taken
    /// without evaluating (its predicted successor below 1e-8 in ln θ), at the point before
    /// it: an upper bound.
    pub gradient_norm: f64,
    /// The gradient norm is below 1e-5.
    pub converged: bool,
    /// Starting points tried, and how many of them reached the best likelihood (within 1e-6
    /// per customer): a lone winner is a sign of a difficult surface.
    pub starts: usize,
    pub starts_agreeing: usize,
    /// "L-BFGS" or "Nelder-Mead" (the fallback).
    pub optimiser: &'static str,
}

/// Fits BG/NBD to calibration-period histories.
pub fn fit_bg_nbd(
    histories: &[RepeatHistory],
    options: &FitOptions,
) -> Result<Fit<BgNbd>, ModelError> {
    fit_purchases(histories, options)
}

/// Fits MBG/NBD to calibration-period histories.
pub fn fit_mbg_nbd(
    histories: &[RepeatHistory],
    options: &FitOptions,
) -> Result<Fit<MbgNbd>, ModelError> {
    fit_purchases(histories, options)
}

/// Fits Pareto/NBD to calibration-period histories.
pub fn fit_pareto_nbd(
    histories: &[RepeatHistory],
    options: &FitOptions,
) -> Result<Fit<ParetoNbd>, ModelError> {
    fit_purchases(histories, options)
}

/// Fits the Gamma-Gamma spend model to repeat buyers (x ≥ 1, z̄ > 0).
pub fn fit_gamma_gamma(
    spends: &[SpendHistory],
    options: &FitOptions,
) -> Result<Fit<GammaGamma>, ModelError> {
    on_thread_pool(spends.len(), || {
        validate_spends(spends)?;
        // Spends are divided by their mean so that every start is on the data's scale.
        let scale = ordered_sum(spends.len(), |i| spends[i].mean_spend) / spends.len() as f64;
        let data = SpendPatterns::new(spends, scale);
        maximise::<GammaGamma, 3>(&data, data.len(), spends.len(), scale, options)
    })
}

fn fit_purchases<M: LikelihoodModel<4, Data = Patterns> + Send>(
    histories: &[RepeatHistory],
    options: &FitOptions,
) -> Result<Fit<M>, ModelError> {
    on_thread_pool(histories.len(), || {
        validate_histories(histories)?;
        // Times are divided by the mean age so that every start is on the data's scale.
        let scale = ordered_sum(histories.len(), |i| histories[i].age) / histories.len() as f64;
        let scale = if scale > 0.0 { scale } else { 1.0 };
        let data = Patterns::new(histories, scale);
        maximise::<M, 4>(&data, data.len(), histories.len(), scale, options)
    })
}

/// Runs the fit of `rows` rows on a thread of rayon's pool where they are many. Each parallel
/// step that splits its work, started from a thread outside the pool, hands it over and sleeps
/// until it is done; from inside, the steps of a fit (dozens) cost no hand-over. Small data
/// (CDNOW's 2,357 customers: a pass takes ~40 µs) are not split at all and stay on the
/// calling thread, where even the one hand-over to the pool cost ~5% of the fit.
fn on_thread_pool<T: Send>(rows: usize, fit: impl FnOnce() -> T + Send) -> T {
    if rows < ROWS_PER_TASK {
        fit()
    } else {
        rayon::scope(|_| fit())
    }
}

/// Rows that can be thinned for a warm start: each row's stratum, and a subset of the rows.
pub(crate) trait Thinnable: Sized {
    fn strata(&self) -> Vec<u16>;
    fn rows(&self, rows: &[usize]) -> Self;
}

impl Thinnable for Patterns {
    fn strata(&self) -> Vec<u16> {
        Patterns::strata(self)
    }
    fn rows(&self, rows: &[usize]) -> Self {
        Patterns::rows(self, rows)
    }
}

impl Thinnable for SpendPatterns {
    fn strata(&self) -> Vec<u16> {
        SpendPatterns::strata(self)
    }
    fn rows(&self, rows: &[usize]) -> Self {
        SpendPatterns::rows(self, rows)
    }
}

/// −(mean ln L) as a function of ln θ, for argmin.
///
/// L-BFGS with the Moré–Thuente line search asks for the cost and then the gradient at every
/// trial point, and argmin's L-BFGS asks for the gradient at the accepted point once more: three
/// passes over the rows (one in f64, two in duals) where one dual pass gives all of it. With
/// `memoise`, the cost is taken from a dual pass and the value and gradient of the last point
/// are kept, so each point costs one pass. Measured on the bench's 1M-customer summary
/// (780,353 distinct rows, one thread, shared 2-core machine): BG/NBD fit 6.3–6.6 s → 3.2–3.4 s,
/// same parameters to the last bit (a dual's value is computed by the same f64 operations).
/// Nelder–Mead asks for costs only and keeps the plain f64 pass.
struct Objective<'a, M: LikelihoodModel<N>, const N: usize> {
    data: &'a M::Data,
    customers: f64,
    memoise: bool,
    last: Mutex<Option<(Vec<f64>, Dual<N>)>>,
}

impl<'a, M: LikelihoodModel<N>, const N: usize> Objective<'a, M, N> {
    fn new(data: &'a M::Data, customers: f64, memoise: bool) -> Self {
        Self {
            data,
            customers,
            memoise,
            last: Mutex::new(None),
        }
    }

    fn natural(theta: &[f64]) -> [f64; N] {
        std::array::from_fn(|i| theta[i].exp())
    }

    /// ln L and its gradient with respect to ln θ, from the cache when `theta` is the last
    /// point asked for.
    fn dual_at(&self, theta: &[f64]) -> Dual<N> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, ll)) = last.as_ref()
            && at.as_slice() == theta
        {
            return *ll;
        }
        let p = Self::natural(theta);
        let duals: [Dual<N>; N] = std::array::from_fn(|i| Dual::variable(p[i], i, p[i]));
        let ll = M::log_likelihood(duals, self.data);
        if self.memoise {
            *last = Some((theta.to_vec(), ll));
        }
        ll
    }

    fn gradient_at(&self, theta: &[f64]) -> [f64; N] {
        self.dual_at(theta).gradient.map(|g| -g / self.customers)
    }
}

impl<M: LikelihoodModel<N>, const N: usize> CostFunction for Objective<'_, M, N> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let ll = if self.memoise {
            self.dual_at(theta).value
        } else {
            M::log_likelihood(Self::natural(theta), self.data)
        };
        if ll.is_finite() {
            Ok(-ll / self.customers)
        } else {
            Err(argmin::core::Error::msg(
                "the likelihood is not finite here",
            ))
        }
    }
}

impl<M: LikelihoodModel<N>, const N: usize> Gradient for Objective<'_, M, N> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, theta: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let g = self.gradient_at(theta);
        if g.iter().all(|v| v.is_finite()) {
            Ok(g.to_vec())
        } else {
            Err(argmin::core::Error::msg("the gradient is not finite here"))
        }
    }
}

/// One optimisation from `start` (ln θ): Newton's method where the model has a closed-form
/// Hessian, else (or when Newton fails) L-BFGS, and Nelder–Mead when L-BFGS fails.
struct Run<const N: usize> {
    theta: Vec<f64>,
    cost: f64,
    iterations: u64,
    optimiser: &'static str,
    /// ln L at `theta` (Newton's runs).
    log_likelihood: Option<f64>,
    /// ln L, gradient and Hessian (Newton's runs) at the last point evaluated (ln θ): `theta`
    /// or one step before it.
    curvature: Option<(Curvature<N>, [f64; N])>,
    /// Stopped on joining an earlier start's optimum (not a result of its own).
    joined: bool,
}

fn optimise<M: LikelihoodModel<N>, const N: usize>(
    data: &M::Data,
    customers: f64,
    start: &[f64],
    max_iterations: u64,
    known_optimum: Option<&[f64]>,
) -> Result<Run<N>, String> {
    if let Some(run) = newton::<M, N>(data, customers, start, max_iterations, known_optimum) {
        return Ok(Run {
            theta: run.theta.to_vec(),
            cost: -run.log_likelihood / customers,
            iterations: run.iterations,
            optimiser: "Newton",
            log_likelihood: Some(run.log_likelihood),
            curvature: Some((run.at, run.evaluated)),
            joined: run.joined,
        });
    }
    quasi_newton::<M, N>(data, customers, start, max_iterations)
}

fn quasi_newton<M: LikelihoodModel<N>, const N: usize>(
    data: &M::Data,
    customers: f64,
    start: &[f64],
    max_iterations: u64,
) -> Result<Run<N>, String> {
    let objective = |memoise| Objective::<M, N>::new(data, customers, memoise);
    // Stopping where the cost can still resolve progress. The mean ln L over ~10⁶ rows carries
    // rounding noise of ~1e-14, so on large data the gradient tolerance is out of reach: with a
    // cost tolerance of 1e-15 and the line search's default width tolerance (1e-10), argmin
    // went on bisecting noise (~30 passes per line search) until the iteration limit. On the
    // bench's 1M-customer summary (780,353 distinct rows) the BG/NBD fit took 16 iterations
    // and 145 full-data passes (450 on the subsample), now 11 iterations and 13 passes (78):
    // an iteration that gains less than 1e-12 per customer stops, and a line search stops once
    // its bracket is within 1e-4 of the step. Fit time (one thread, with the memoised
    // objective): 3.2–3.4 s → 1.4–1.5 s. The gradient is then ~1e-8 (lifetimes stops at
    // 1e-7: scipy BFGS, gtol 1e-7, on the same gradient); parameters moved by < 2e-7
    // relative and ln L by 1e-8, and the CDNOW reference tests pass unchanged.
    let lbfgs = MoreThuenteLineSearch::new()
        .with_width_tolerance(1e-4)
        .and_then(|line_search| LBFGS::new(line_search, 7).with_tolerance_grad(1e-10))
        .and_then(|s| s.with_tolerance_cost(1e-12));
    let lbfgs_error = match lbfgs.and_then(|solver| {
        Executor::new(objective(true), solver)
            .configure(|s| s.param(start.to_vec()).max_iters(max_iterations))
            .timer(false)
            .run()
    }) {
        Ok(result) => {
            let state = result.state();
            match state.get_best_param() {
                Some(theta) if state.get_best_cost().is_finite() => {
                    return Ok(Run {
                        theta: theta.clone(),
                        cost: state.get_best_cost(),
                        iterations: state.get_iter(),
                        optimiser: "L-BFGS",
                        log_likelihood: None,
                        curvature: None,
                        joined: false,
                    });
                }
                _ => "L-BFGS found no finite point".to_string(),
            }
        }
        Err(e) => e.to_string(),
    };
    let simplex: Vec<Vec<f64>> = std::iter::once(start.to_vec())
        .chain((0..N).map(|i| {
            let mut v = start.to_vec();
            v[i] += 0.5;
            v
        }))
        .collect();
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-12)
        .map_err(|e| format!("{lbfgs_error}; Nelder-Mead: {e}"))?;
    let result = Executor::new(objective(false), solver)
        .configure(|s| s.max_iters(max_iterations * 20))
        .timer(false)
        .run()
        .map_err(|e| format!("{lbfgs_error}; Nelder-Mead: {e}"))?;
    let state = result.state();
    match state.get_best_param() {
        Some(theta) if state.get_best_cost().is_finite() => Ok(Run {
            theta: theta.clone(),
            cost: state.get_best_cost(),
            iterations: state.get_iter(),
            optimiser: "Nelder-Mead",
            log_likelihood: None,
            curvature: None,
            joined: false,
        }),
        _ => Err(format!("{lbfgs_error}; Nelder-Mead found no finite point")),
    }
}

fn maximise<M, const N: usize>(
    data: &M::Data,
    distinct_rows: usize,
    customers: usize,
    scale: f64,
    options: &FitOptions,
) -> Result<Fit<M>, ModelError>
where
    M: LikelihoodModel<N>,
    M::Data: Thinnable,
{
    let weight = customers as f64;
    // Systematic samples of about `large` and `small` rows, the smaller drawn from the larger.
    let (large, small) = (
        options.subsample_rows.max(1),
        options.subsample_rows.div_ceil(4).max(1),
    );
    let (large_rows, small_rows) = if distinct_rows > small {
        let strata = data.strata();
        let large_rows = (distinct_rows > large)
            .then(|| systematic_sample(&strata, distinct_rows.div_ceil(large)));
        let small_rows = match &large_rows {
            Some(rows) => {
                let of_large: Vec<u16> = rows.iter().map(|&i| strata[i]).collect();
                let step = rows.len().div_ceil(small);
                let picked = systematic_sample(&of_large, step);
                picked.into_iter().map(|k| rows[k]).collect()
            }
            None => systematic_sample(&strata, distinct_rows.div_ceil(small)),
        };
        (large_rows, Some(small_rows))
    } else {
        (None, None)
    };
    // A sample with the weight of the customers its rows stand for.
    let thin = |rows: Option<Vec<usize>>| {
        rows.map(|rows| {
            let stands_for = weight * rows.len() as f64 / distinct_rows as f64;
            (data.rows(&rows), stands_for)
        })
    };
    // The starts on a quarter of the subsample, the best of them refined on the subsample,
    // then on all rows. On the bench's 1M summary the starts took 5–11 Newton steps each on
    // 40,000 rows (BG/NBD ~23 ms at load ~3); from 10,000 rows' optimum the 40,000 rows' takes
    // ~3 steps and the full data still 2 passes.
    let subsample = thin(large_rows);
    let first = thin(small_rows);
    let (search_data, search_weight) = match (&first, &subsample) {
        (Some((rows, w)), _) | (None, Some((rows, w))) => (rows, *w),
        (None, None) => (data, weight),
    };
    let starts = M::starts();
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    for start in &starts {
        let theta: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        // The later starts stop once Newton's steps have joined the first start's optimum
        // (`newton::JOIN_TOLERANCE`): on CDNOW (no subsample) the BG/NBD starts took 6, 4 and
        // 5 passes, the last ones of each later start only confirming that optimum. CDNOW,
        // interleaved: BG/NBD fit 0.63-0.65 -> 0.55-0.62 ms, Gamma-Gamma 0.218 -> 0.195 ms.
        // A run that joins it reaches that optimum: it gets its cost.
        let known = runs
            .iter()
            .find(|r: &&Run<N>| !r.joined)
            .map(|r| (r.theta.clone(), r.cost));
        match optimise::<M, N>(
            search_data,
            search_weight,
            &theta,
            options.max_iterations,
            known.as_ref().map(|(theta, _)| theta.as_slice()),
        ) {
            Ok(mut run) => {
                if let (true, Some((_, cost))) = (run.joined, &known) {
                    run.cost = *cost;
                }
                runs.push(run);
            }
            Err(e) => failures.push(e),
        }
    }
    let fail = |reason: String| ModelError::FitFailed {
        model: M::NAME,
        starts: starts.len(),
        reason,
    };
    // The best run; ties go to the earlier start, so the choice is deterministic.
    // A run that joined another's optimum stands for it: it agrees, but is not chosen.
    let best_cost = runs
        .iter()
        .filter(|r| !r.joined)
        .map(|r| r.cost)
        .fold(f64::INFINITY, f64::min);
    let starts_agreeing = runs.iter().filter(|r| r.cost - best_cost < 1e-6).count();
    let Some(best) = runs.into_iter().find(|r| !r.joined && r.cost == best_cost) else {
        return Err(fail(failures.join("; ")));
    };
    let best = match (&first, &subsample) {
        (Some(_), Some((rows, w))) => {
            optimise::<M, N>(rows, *w, &best.theta, options.max_iterations, None).map_err(fail)?
        }
        _ => best,
    };
    let best = if std::ptr::eq(search_data, data) {
        best
    } else {
        optimise::<M, N>(data, weight, &best.theta, options.max_iterations, None).map_err(fail)?
    };
    let scaled: [f64; N] = Objective::<M, N>::natural(&best.theta);
    let (gradient_norm, information) = match &best.curvature {
        Some((at, theta)) => {
            let (gradient, _) = in_log_parameters(at, theta, weight);
            (
                gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs())),
                Some(at.hessian.map(|row| row.map(|h| -h))),
            )
        }
        None => (
            Objective::<M, N>::new(data, weight, false)
                .gradient_at(&best.theta)
                .iter()
                .fold(0.0_f64, |m, g| m.max(g.abs())),
            observed_information::<M, N>(data, scaled),
        ),
    };
    let standard_errors = information.and_then(standard_errors).map(|se| {
        se.iter()
            .zip(M::SCALED)
            .map(|(s, is_scaled)| if is_scaled { s * scale } else { *s })
            .collect()
    });
    let parameters: [f64; N] = std::array::from_fn(|i| {
        if M::SCALED[i] {
            scaled[i] * scale
        } else {
            scaled[i]
        }
    });
    let scaled_log_likelihood = best.log_likelihood.unwrap_or(-best.cost * weight);
    let log_likelihood = M::unscaled_log_likelihood(scaled_log_likelihood, data, scale);
    Ok(Fit {
        model: M::from_parameters(parameters),
        name: M::NAME,
        parameter_names: M::PARAMETERS.to_vec(),
        parameters: parameters.to_vec(),
        standard_errors,
        log_likelihood,
        customers,
        distinct_rows,
        iterations: best.iterations,
        gradient_norm,
        converged: gradient_norm < 1e-5,
        starts: starts.len(),
        starts_agreeing,
        optimiser: best.optimiser,
    })
}

/// The observed information, −∂²ln L/∂θ∂θᵀ in natural parameters, from central differences of
/// the exact gradient (2N dual passes), for the models without a closed-form Hessian.
// i and j are matrix indices (clippy -D warnings in the workspace gate).
#[allow(clippy::needless_range_loop)]
fn observed_information<M: LikelihoodModel<N>, const N: usize>(
    data: &M::Data,
    at: [f64; N],
) -> Option<[[f64; N]; N]> {
    let gradient = |p: [f64; N]| -> [f64; N] {
        let duals: [Dual<N>; N] = std::array::from_fn(|i| Dual::variable(p[i], i, 1.0));
        M::log_likelihood(duals, data).gradient
    };
    let mut information = [[0.0; N]; N];
    for j in 0..N {
        let h = 1e-5 * at[j];
        let (mut up, mut down) = (at, at);
        up[j] += h;
        down[j] -= h;
        let (gu, gd) = (gradient(up), gradient(down));
        for i in 0..N {
            information[i][j] = -(gu[i] - gd[i]) / (2.0 * h);
        }
    }
    for i in 0..N {
        for j in 0..i {
            let m = 0.5 * (information[i][j] + information[j][i]);
            information[i][j] = m;
            information[j][i] = m;
        }
    }
    Some(information)
}

/// √diag of the inverse of the observed information; `None` when it is not positive definite.
fn standard_errors<const N: usize>(information: [[f64; N]; N]) -> Option<Vec<f64>> {
    let covariance = invert(information)?;
    (0..N)
        .map(|i| {
            let v = covariance[i][i];
            (v > 0.0 && v.is_finite()).then(|| v.sqrt())
        })
        .collect()
}

/// Gauss–Jordan inverse with partial pivoting (N ≤ 4: a linear-algebra crate is not worth its
/// compile time here). `None` for a singular matrix.
fn invert<const N: usize>(mut m: [[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut inverse = [[0.0; N]; N];
    for (i, row) in inverse.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for col in 0..N {
        let pivot = (col..N).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, pivot);
        inverse.swap(col, pivot);
        let d = m[col][col];
        for k in 0..N {
            m[col][k] /= d;
            inverse[col][k] /= d;
        }
        for row in 0..N {
            if row != col {
                let f = m[row][col];
                for k in 0..N {
                    m[row][k] -= f * m[col][k];
                    inverse[row][k] -= f * inverse[col][k];
                }
            }
        }
    }
    Some(inverse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn inverts_a_matrix() {
        let m = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]];
        let inv = invert(m).expect("regular");
        for i in 0..3 {
            for j in 0..3 {
                let p: f64 = (0..3).map(|k| m[i][k] * inv[k][j]).sum();
                assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
        assert!(invert([[1.0, 2.0], [2.0, 4.0]]).is_none());
    }
}
