//! The customer-base ("buy till you die") models: who is still a customer, how much they will
//! buy, what they are worth.
//!
//! - Purchase models, each a struct of parameters implementing [`PurchaseProcess`]: [`BgNbd`],
//!   [`MbgNbd`], [`ParetoNbd`]; the spend model [`GammaGamma`]; [`customer_lifetime_value`].
//! - Fitting: [`fit_bg_nbd`], [`fit_mbg_nbd`], [`fit_pareto_nbd`], [`fit_gamma_gamma`] take
//!   [`RepeatHistory`] / [`SpendHistory`] rows and return a [`Fit`]: the model, Σ ln L in the
//!   data's units, standard errors and how the optimiser fared.
//!
//! Layout: `real` (f64 and forward-mode duals), `hypergeometric` (ln ₂F₁), `quadrature`,
//! `history` (inputs and the rows the likelihoods sum over), `distinct_rows` (distinct values
//! of a column), one file
//! per model, `likelihood` (what a
//! model gives the fitter), `curvature` (closed-form Hessians), `newton`, `fit`, `process`, `forecast` (a customer
//! base at once), `clv`.
//!
//! Invariants: each log-likelihood is written once and differentiated exactly; likelihood sums
//! run over fixed chunks added in a fixed order, so a fit gives the same bytes on any number of
//! threads (the same customers in another order: the same fit to rounding; the pipeline gives
//! them in customer-id order); predictions are finite and non-negative, or `None`
//! where the parameters make them undefined, never NaN.

mod bgnbd;
mod clv;
mod curvature;
mod distinct_rows;
mod error;
mod fit;
mod forecast;
mod gamma_gamma;
mod history;
mod hypergeometric;
mod likelihood;
mod mbgnbd;
mod newton;
mod pareto_nbd;
mod process;
mod quadrature;
mod real;

pub use bgnbd::BgNbd;
pub use clv::{ClvHorizon, customer_lifetime_value, discounted_value};
pub use error::ModelError;
pub use fit::{Fit, FitOptions, fit_bg_nbd, fit_gamma_gamma, fit_mbg_nbd, fit_pareto_nbd};
pub use forecast::{Forecasts, forecast};
pub use gamma_gamma::{GammaGamma, spend_frequency_correlation};
pub use history::{RepeatHistory, SpendHistory, validate_histories};
pub use mbgnbd::MbgNbd;
pub use pareto_nbd::ParetoNbd;
pub use process::PurchaseProcess;
