use crate::SynthError;
use chrono::{Months, NaiveDate};
use kehu_domain::Lang;
use serde::Serialize;

/// The as-of date used when none is given: 2025-01-01, as in the benchmark generator.
pub const DEFAULT_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2025, 1, 1) {
    Some(date) => date,
    None => panic!("2025-01-01 is a valid date"),
};

/// The largest history window accepted, in years.
pub const MAX_YEARS: u32 = 100;

/// The most customers one run may simulate (ids and indices are 32-bit).
pub const MAX_CUSTOMERS: u64 = 1 << 31;

/// How much deliberate dirt goes into `transactions.csv`.
///
/// Dirt never touches the Parquet output or the ground truth; every dirty line is listed in
/// `truth/dirt.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DirtLevel {
    /// A perfectly clean file (for benchmarks).
    None,
    /// About 0.5% of transaction rows get dirt, plus a totals row at the end.
    #[default]
    Some,
    /// About 5% of transaction rows get dirt, plus a totals row at the end.
    Heavy,
}

impl DirtLevel {
    /// The probability that a clean transaction row gets one piece of dirt.
    pub fn row_rate(self) -> f64 {
        match self {
            DirtLevel::None => 0.0,
            DirtLevel::Some => 0.005,
            DirtLevel::Heavy => 0.05,
        }
    }
}

/// The true parameters of the simulated population (time unit: days).
///
/// BG/NBD ("buy till you die"): while alive a customer buys as a Poisson process with rate
/// λ ~ Gamma(shape `r`, rate `alpha`) and drops out after each repeat purchase with probability
/// p ~ Beta(`a`, `b`). Gamma-Gamma spend: ν ~ Gamma(shape `q`, rate `gamma`) per customer and
/// each order value ~ Gamma(shape `p`, rate ν), so the mean order value of a customer is p/ν.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TruthModel {
    /// BG/NBD: shape of the purchase-rate distribution.
    pub r: f64,
    /// BG/NBD: rate of the purchase-rate distribution, in days.
    pub alpha: f64,
    /// BG/NBD: first shape of the drop-out probability distribution.
    pub a: f64,
    /// BG/NBD: second shape of the drop-out probability distribution.
    pub b: f64,
    /// Gamma-Gamma: shape of each order value.
    pub p: f64,
    /// Gamma-Gamma: shape of the per-customer spend rate ν.
    pub q: f64,
    /// Gamma-Gamma: rate of the per-customer spend rate ν.
    pub gamma: f64,
}

impl Default for TruthModel {
    /// The benchmark's parameters: about 5.7 orders per customer over four years and a mean
    /// order value of about 75.
    fn default() -> Self {
        TruthModel {
            r: 0.75,
            alpha: 40.0,
            a: 0.8,
            b: 6.0,
            p: 4.0,
            q: 2.6,
            gamma: 30.0,
        }
    }
}

impl TruthModel {
    fn check(&self) -> Result<(), SynthError> {
        let named = [
            ("model.r", self.r),
            ("model.alpha", self.alpha),
            ("model.a", self.a),
            ("model.b", self.b),
            ("model.p", self.p),
            ("model.q", self.q),
            ("model.gamma", self.gamma),
        ];
        for (field, value) in named {
            if !(value.is_finite() && value > 0.0) {
                return Err(SynthError::InvalidParams {
                    field,
                    reason: format!("must be a positive number, got {value}"),
                });
            }
        }
        Ok(())
    }
}

/// Which files to write for the transactions (and the ground-truth table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// `transactions.csv`: header, `,` separator, `\n` line ends; the only file with dirt.
    Csv,
    /// `transactions.parquet` and `truth/customers_truth.parquet`: clean typed columns.
    Parquet,
}

/// Everything the generated files depend on: the output is a pure function of these and the
/// requested formats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenParams {
    /// Number of customers to simulate (ignored when `rows` is set).
    pub customers: u64,
    /// When set, simulate customers until exactly this many clean transaction rows exist (the
    /// last customer's history may be cut short), instead of a fixed number of customers.
    pub rows: Option<u64>,
    /// The seed every random stream is derived from.
    pub seed: u64,
    /// End of observation (exclusive): every order is dated before this day.
    pub as_of: NaiveDate,
    /// Length of the history window in years; first orders spread over it.
    pub years: u32,
    /// How much deliberate dirt goes into `transactions.csv`.
    pub dirt: DirtLevel,
    /// Whether to write `feedback.csv` (CSAT, NPS, complaints).
    pub with_feedback: bool,
    /// The true parameters of the population.
    pub model: TruthModel,
    /// Language of headers, names, cities, categories and comments.
    pub lang: Lang,
}

impl Default for GenParams {
    fn default() -> Self {
        GenParams {
            customers: 10_000,
            rows: None,
            seed: 20_250_101,
            as_of: DEFAULT_AS_OF,
            years: 3,
            dirt: DirtLevel::default(),
            with_feedback: true,
            model: TruthModel::default(),
            lang: Lang::default(),
        }
    }
}

impl GenParams {
    /// The first day of the history window (inclusive).
    pub fn window_start(&self) -> Option<NaiveDate> {
        self.as_of
            .checked_sub_months(Months::new(self.years.checked_mul(12)?))
    }

    /// Checks the parameters and returns the window as (first day, number of days).
    pub(crate) fn window(&self) -> Result<(NaiveDate, u32), SynthError> {
        self.model.check()?;
        if self.years == 0 || self.years > MAX_YEARS {
            return Err(SynthError::InvalidParams {
                field: "years",
                reason: format!("must be between 1 and {MAX_YEARS}, got {}", self.years),
            });
        }
        match self.rows {
            Some(0) => {
                return Err(SynthError::InvalidParams {
                    field: "rows",
                    reason: "must be at least 1".to_string(),
                });
            }
            Some(_) => {}
            None if self.customers == 0 || self.customers > MAX_CUSTOMERS => {
                return Err(SynthError::InvalidParams {
                    field: "customers",
                    reason: format!(
                        "must be between 1 and {MAX_CUSTOMERS}, got {}",
                        self.customers
                    ),
                });
            }
            None => {}
        }
        let start = self
            .window_start()
            .ok_or_else(|| SynthError::InvalidParams {
                field: "as_of",
                reason: format!("{} minus {} years is out of range", self.as_of, self.years),
            })?;
        let days = (self.as_of - start).num_days();
        let days = u32::try_from(days).map_err(|_| SynthError::InvalidParams {
            field: "years",
            reason: format!("a window of {days} days is out of range"),
        })?;
        Ok((start, days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_window_is_three_years_before_as_of() {
        let params = GenParams::default();
        let (start, days) = params.window().expect("valid defaults");
        assert_eq!(start, NaiveDate::from_ymd_opt(2022, 1, 1).expect("date"));
        assert_eq!(days, 1096);
    }

    #[test]
    fn rejects_nonsense() {
        let bad = [
            GenParams {
                customers: 0,
                ..GenParams::default()
            },
            GenParams {
                years: 0,
                ..GenParams::default()
            },
            GenParams {
                rows: Some(0),
                ..GenParams::default()
            },
            GenParams {
                model: TruthModel {
                    alpha: -1.0,
                    ..TruthModel::default()
                },
                ..GenParams::default()
            },
            GenParams {
                model: TruthModel {
                    q: f64::NAN,
                    ..TruthModel::default()
                },
                ..GenParams::default()
            },
        ];
        for params in bad {
            assert!(
                matches!(params.window(), Err(SynthError::InvalidParams { .. })),
                "{params:?}"
            );
        }
    }
}
