//! What can go wrong when fitting or using a customer-base model.

/// Errors of the customer-base models. Input problems name the customer's position; fitting
/// problems say what was tried.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelError {
    #[error("no customers to fit the model on")]
    NoCustomers,
    #[error("no repeat buyers with a positive mean spend: the spend model cannot be fitted")]
    NoRepeatBuyers,
    #[error("customer {index}: {reason}")]
    InvalidHistory { index: usize, reason: String },
    #[error(
        "the {model} fit did not find a maximum of the likelihood from any of {starts} starting \
         points: {reason}"
    )]
    FitFailed {
        model: &'static str,
        starts: usize,
        reason: String,
    },
}
