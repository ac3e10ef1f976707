//! What every fitted model provides to the fitter: its log-likelihood, written once over
//! [`Real`], and how its parameters move when the unit of time or money is rescaled.

use rayon::prelude::*;

use super::curvature::Curvature;
use super::real::Real;

/// A model fitted by maximum likelihood with `N` positive parameters.
pub(crate) trait LikelihoodModel<const N: usize>: Sized {
    /// The model's name in messages ("BG/NBD").
    const NAME: &'static str;
    /// Parameter names, in order ("r", "alpha", "a", "b").
    const PARAMETERS: [&'static str; N];
    /// Parameters measured in the data's unit (α and β in time, γ in money): multiplied by
    /// the scale when the fit on rescaled data is mapped back.
    const SCALED: [bool; N];
    /// The fitted rows.
    type Data: Sync;

    /// Σ over rows of weight × ln L(row | params), on the data as stored (possibly rescaled).
    fn log_likelihood<R: Real>(params: [R; N], data: &Self::Data) -> R;

    /// ln L with its gradient and Hessian in one pass, where the model has them in closed form
    /// ([`Curvature`]); `None` (the default) makes the fitter use the dual-number gradient,
    /// L-BFGS and a finite-difference Hessian instead.
    fn curvature(_params: [f64; N], _data: &Self::Data) -> Option<Curvature<N>> {
        None
    }

    /// LL on the original data from LL on data rescaled by `scale` (rescaling multiplies each
    /// customer's likelihood by a known power of the scale).
    fn unscaled_log_likelihood(scaled: f64, data: &Self::Data, scale: f64) -> f64;

    /// Starting points on data whose times (or spends) have mean 1.
    fn starts() -> Vec<[f64; N]>;

    fn from_parameters(p: [f64; N]) -> Self;
}

/// Σ term(i) for i < len, in parallel, in an order fixed by `len` alone: fixed chunks are
/// summed in order and their sums added in order, so the result is the same bytes on any
/// number of threads.
pub(crate) fn ordered_sum<R: Real>(len: usize, term: impl Fn(usize) -> R + Sync) -> R {
    const CHUNK: usize = 4096;
    let of = |c: usize| {
        let end = ((c + 1) * CHUNK).min(len);
        (c * CHUNK..end).fold(R::constant(0.0), |s, i| s + term(i))
    };
    let chunks = len.div_ceil(CHUNK);
    // One chunk: no hand-over to the thread pool (as `curvature::ordered_chunk_sum`).
    let partial: Vec<R> = if chunks <= 1 {
        (0..chunks).map(of).collect()
    } else {
        (0..chunks).into_par_iter().map(of).collect()
    };
    partial.into_iter().fold(R::constant(0.0), |a, b| a + b)
}
