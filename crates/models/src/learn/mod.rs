//! Learning segments from data: k-means, Ward clustering, CART decision trees and the metrics
//! that judge them. Every estimator follows linfa's shape: validated `XParams` → `fit` → an
//! immutable fitted model; randomness comes from an explicit seed, and results do not depend on
//! the number of threads.

mod matrix;

pub use matrix::{Matrix, MatrixError};
