//! Backtest of the purchase models: fit on a calibration period, predict the holdout that
//! follows, and compare with what customers actually did.
//!
//! The split reuses the feature table: the BTYD summary as of the calibration end gives each
//! customer's calibration history, and the difference of `bt_frequency` (and of `revenue`)
//! between the end of the data and the calibration end is exactly what they did in the
//! holdout, counted the same way (purchase days).

use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::predictions::{FitReport, PurchaseModel, btyd_summary};
use arrow::array::AsArray;
use chrono::{Days, NaiveDate};
use kehu_features::{FeatureEngine, FeatureOptions, feature_table, purchase_occasions};
use kehu_models::btyd::{FitOptions, GammaGamma, RepeatHistory, SpendHistory, fit_gamma_gamma};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Calibration histories and holdout outcomes of the customers who bought before the split.
#[derive(Debug, Clone)]
pub struct BacktestData {
    pub calibration_end: NaiveDate,
    pub as_of: NaiveDate,
    /// The scored customers' ids, in the order of `histories`.
    pub customer_ids: Vec<String>,
    pub histories: Vec<RepeatHistory>,
    /// Mean repeat spend in the calibration period (NaN without repeats).
    pub spends: Vec<f64>,
    /// Repeat purchases (purchase days) in the holdout.
    pub holdout_purchases: Vec<f64>,
    /// Net revenue in the holdout.
    pub holdout_revenue: Vec<f64>,
    /// Holdout length in the model's unit.
    pub holdout_units: f64,
    pub unit_days: u32,
}

pub(crate) fn frame_at(
    engine: &FeatureEngine,
    options: &FeatureOptions,
    as_of: NaiveDate,
) -> Result<FeatureFrame, PipelineError> {
    let batches = feature_table(engine, &FeatureOptions { as_of, ..*options })?;
    let schema = batches
        .first()
        .map(|b| b.schema())
        .ok_or_else(|| PipelineError::Input("no customers before the calibration end".into()))?;
    FeatureFrame::new(schema, &batches)
}

fn ids(frame: &FeatureFrame) -> Vec<String> {
    frame
        .text("customer_id")
        .unwrap_or_default()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

/// Splits the data at `as_of − holdout_days`: calibration histories and holdout outcomes.
pub fn backtest_data(
    engine: &FeatureEngine,
    options: &FeatureOptions,
    full: &FeatureFrame,
    holdout_days: u32,
) -> Result<BacktestData, PipelineError> {
    let calibration_end = options
        .as_of
        .checked_sub_days(Days::new(u64::from(holdout_days)))
        .ok_or_else(|| PipelineError::Input("the holdout reaches before the year 0".into()))?;
    let calibration = frame_at(engine, options, calibration_end)?;
    let summary = btyd_summary(&calibration);
    let full_row: HashMap<String, usize> = ids(full)
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    let cal_ids = ids(&calibration);
    let n_full = full.len();
    let n_cal = calibration.len();
    let full_frequency = full
        .numeric("bt_frequency")
        .unwrap_or_else(|| vec![f64::NAN; n_full]);
    let full_revenue = full.numeric("revenue").unwrap_or_else(|| vec![0.0; n_full]);
    let cal_revenue = calibration
        .numeric("revenue")
        .unwrap_or_else(|| vec![0.0; n_cal]);
    let mut holdout_purchases = Vec::with_capacity(summary.rows.len());
    let mut holdout_revenue = Vec::with_capacity(summary.rows.len());
    for (&row, h) in summary.rows.iter().zip(&summary.histories) {
        let Some(&f) = full_row.get(&cal_ids[row]) else {
            return Err(PipelineError::Compute(format!(
                "customer {} is in the calibration period but not in the data",
                cal_ids[row]
            )));
        };
        let later = full_frequency[f] - f64::from(h.frequency);
        holdout_purchases.push(if later.is_nan() { 0.0 } else { later.max(0.0) });
        let revenue = full_revenue[f] - cal_revenue[row];
        holdout_revenue.push(if revenue.is_nan() { 0.0 } else { revenue });
    }
    Ok(BacktestData {
        customer_ids: summary.rows.iter().map(|&r| cal_ids[r].clone()).collect(),
        calibration_end,
        as_of: options.as_of,
        histories: summary.histories,
        spends: summary.spends,
        holdout_purchases,
        holdout_revenue,
        holdout_units: f64::from(holdout_days) / f64::from(options.time_unit.days()),
        unit_days: options.time_unit.days(),
    })
}

/// One bucket of customers by calibration frequency.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// "0" … "6", "7+".
    pub frequency: String,
    pub customers: usize,
    pub actual_mean: f64,
    pub predicted_mean: f64,
}

/// One decile of predicted P(buy in the holdout).
#[derive(Debug, Clone, Serialize)]
pub struct Reliability {
    pub decile: usize,
    pub customers: usize,
    pub predicted: f64,
    pub observed: f64,
}

/// How one model did on the holdout.
#[derive(Debug, Clone, Serialize)]
pub struct ModelScore {
    pub model: &'static str,
    pub code: &'static str,
    pub fit: FitReport,
    pub actual_total: f64,
    pub predicted_total: f64,
    pub mae: f64,
    pub rmse: f64,
    pub correlation: f64,
    /// Brier score of P(at least one purchase in the holdout) against whether there was one.
    /// P(alive) itself is never observed; this is the observable probability it drives.
    pub brier: f64,
    pub reliability: Vec<Reliability>,
    pub by_frequency: Vec<Bucket>,
    /// Spearman correlation of predicted holdout value (expected purchases × expected spend) with actual
    /// holdout revenue; `None` without a spend model.
    pub value_rank_correlation: Option<f64>,
    /// Predicted cumulative repeat purchases at each tracking day (see [`BacktestResult`]).
    pub tracking_predicted: Vec<f64>,
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut c, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        c += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    if va > 0.0 && vb > 0.0 {
        c / (va * vb).sqrt()
    } else {
        0.0
    }
}

/// Average ranks (ties share the mean rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            out[order[k]] = rank;
        }
        i = j + 1;
    }
    out
}

/// Fits `model` on the calibration histories and scores it on the holdout.
pub fn score_model(
    data: &BacktestData,
    model: PurchaseModel,
    spend: Option<&GammaGamma>,
    tracking_days: &[u32],
) -> Result<ModelScore, PipelineError> {
    let fitted = model
        .fit(&data.histories)
        .map_err(|e| PipelineError::Compute(format!("{}: {e}", model.code())))?;
    let m = fitted.model.as_ref();
    let t = data.holdout_units;
    let predicted: Vec<(f64, f64)> = data
        .histories
        .par_iter()
        .map(|h| {
            (
                m.expected_purchases(t, h).unwrap_or(0.0),
                1.0 - m.probability_no_purchase(t, h),
            )
        })
        .collect();
    let expected: Vec<f64> = predicted.iter().map(|p| p.0).collect();
    let actual = &data.holdout_purchases;
    let n = actual.len() as f64;
    let errors: Vec<f64> = expected.iter().zip(actual).map(|(p, a)| p - a).collect();
    let bought: Vec<f64> = actual
        .iter()
        .map(|a| if *a > 0.0 { 1.0 } else { 0.0 })
        .collect();
    let brier = predicted
        .iter()
        .zip(&bought)
        .map(|(p, y)| (p.1 - y).powi(2))
        .sum::<f64>()
        / n;
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|&a, &b| predicted[a].1.total_cmp(&predicted[b].1).then(a.cmp(&b)));
    let reliability = (0..10)
        .filter_map(|d| {
            let part = &order[d * order.len() / 10..(d + 1) * order.len() / 10];
            (!part.is_empty()).then(|| Reliability {
                decile: d + 1,
                customers: part.len(),
                predicted: part.iter().map(|&i| predicted[i].1).sum::<f64>() / part.len() as f64,
                observed: part.iter().map(|&i| bought[i]).sum::<f64>() / part.len() as f64,
            })
        })
        .collect();
    let by_frequency = (0..8u32)
        .filter_map(|x| {
            let members: Vec<usize> = (0..data.histories.len())
                .filter(|&i| {
                    if x == 7 {
                        data.histories[i].frequency >= 7
                    } else {
                        data.histories[i].frequency == x
                    }
                })
                .collect();
            (!members.is_empty()).then(|| Bucket {
                frequency: if x == 7 { "7+".into() } else { x.to_string() },
                customers: members.len(),
                actual_mean: members.iter().map(|&i| actual[i]).sum::<f64>() / members.len() as f64,
                predicted_mean: members.iter().map(|&i| expected[i]).sum::<f64>()
                    / members.len() as f64,
            })
        })
        .collect();
    let value_rank_correlation = spend.map(|gg| {
        let value: Vec<f64> = data
            .histories
            .iter()
            .zip(&data.spends)
            .zip(&expected)
            .map(|((h, z), e)| {
                e * gg
                    .expected_mean_spend(h.frequency, if z.is_nan() { 0.0 } else { *z })
                    .unwrap_or(0.0)
            })
            .collect();
        pearson(&ranks(&value), &ranks(&data.holdout_revenue))
    });
    let unit = f64::from(data.unit_days);
    // All tracking horizons of a customer in one pass; sums over fixed chunks of customers,
    // added in order, so the result does not depend on the thread count.
    let horizons: Vec<f64> = tracking_days.iter().map(|d| f64::from(*d) / unit).collect();
    let partial: Vec<Vec<f64>> = data
        .histories
        .par_chunks(4096)
        .map(|chunk| {
            let mut sums = vec![0.0; horizons.len()];
            for h in chunk {
                for (sum, e) in sums.iter_mut().zip(m.expected_purchases_at(&horizons, h)) {
                    *sum += e.unwrap_or(0.0);
                }
            }
            sums
        })
        .collect();
    let tracking_predicted = (0..horizons.len())
        .map(|k| partial.iter().map(|p| p[k]).sum())
        .collect();
    Ok(ModelScore {
        tracking_predicted,
        model: fitted.report.model,
        code: model.code(),
        actual_total: actual.iter().sum(),
        predicted_total: expected.iter().sum(),
        mae: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
        rmse: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
        correlation: pearson(&expected, actual),
        brier,
        reliability,
        by_frequency,
        value_rank_correlation,
        fit: fitted.report,
    })
}

/// The calibration-period spend model, for the value ranking.
pub fn calibration_spend_model(data: &BacktestData) -> Option<GammaGamma> {
    let spends: Vec<SpendHistory> = data
        .histories
        .iter()
        .zip(&data.spends)
        .filter(|(h, z)| h.frequency > 0 && **z > 0.0)
        .map(|(h, z)| SpendHistory {
            frequency: h.frequency,
            mean_spend: *z,
        })
        .collect();
    fit_gamma_gamma(&spends, &FitOptions::default())
        .ok()
        .map(|f| f.model)
}

/// The model `auto` picks: the smallest holdout MAE (ties: the simpler model, first in
/// [`PurchaseModel::ALL`]).
pub fn best_model(scores: &[ModelScore]) -> Option<PurchaseModel> {
    scores
        .iter()
        .min_by(|a, b| a.mae.total_cmp(&b.mae))
        .and_then(|s| PurchaseModel::from_code(s.code))
}

/// A whole backtest: every model scored on the same split.
#[derive(Debug, Serialize)]
pub struct BacktestResult {
    pub as_of: NaiveDate,
    pub calibration_end: NaiveDate,
    pub holdout_days: u32,
    pub time_unit: &'static str,
    /// Customers who bought before the calibration end (the ones scored).
    pub customers: usize,
    pub scores: Vec<ModelScore>,
    /// The model `model = "auto"` would pick.
    pub best: Option<&'static str>,
    /// Days after the calibration end of the tracking points, and the actual cumulative
    /// repeat purchases of the scored customers by then.
    pub tracking_days: Vec<u32>,
    pub tracking_actual: Vec<f64>,
    /// Models that could not be fitted, with the reason.
    pub failures: Vec<(&'static str, String)>,
}

/// At most this many tracking points.
const MAX_TRACKING_POINTS: u32 = 53;

/// The model `model = "auto"` chose, tracked over the holdout: days after the calibration end,
/// the actual and the predicted cumulative repeat purchases of the scored customers.
#[derive(Debug, Clone, Serialize)]
pub struct Tracking {
    pub model: &'static str,
    pub calibration_end: NaiveDate,
    pub days: Vec<u32>,
    pub actual: Vec<f64>,
    pub predicted: Vec<f64>,
}

/// The tracking days of a holdout and the actual cumulative repeat purchases by each.
pub(crate) fn holdout_tracking(
    engine: &FeatureEngine,
    options: &FeatureOptions,
    data: &BacktestData,
    holdout_days: u32,
) -> Result<(Vec<u32>, Vec<f64>), PipelineError> {
    // Weekly points (coarser for holdouts beyond a year), always ending at the holdout's end.
    let step = holdout_days.div_ceil(MAX_TRACKING_POINTS).max(7);
    let mut tracking_days: Vec<u32> = (1..)
        .map(|k| k * step)
        .take_while(|d| *d < holdout_days)
        .collect();
    tracking_days.push(holdout_days);
    // Actual cumulative repeat purchases of the scored customers: their purchase days in the
    // holdout (days_before ≤ holdout_days), placed at holdout day = holdout_days − days_before.
    let calibration_ids: std::collections::HashSet<&str> =
        data.customer_ids.iter().map(String::as_str).collect();
    let mut per_day = vec![0.0; holdout_days as usize];
    for batch in purchase_occasions(engine, options)? {
        let id = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
            .map_err(|e| PipelineError::Compute(e.to_string()))?;
        let id = id.as_string::<i32>();
        let days = arrow::compute::cast(batch.column(1), &arrow::datatypes::DataType::Int64)
            .map_err(|e| PipelineError::Compute(e.to_string()))?;
        let days = days.as_primitive::<arrow::datatypes::Int64Type>();
        for i in 0..batch.num_rows() {
            let before = days.value(i);
            if before >= 1
                && before <= i64::from(holdout_days)
                && calibration_ids.contains(id.value(i))
            {
                per_day[(i64::from(holdout_days) - before) as usize] += 1.0;
            }
        }
    }
    let tracking_actual = tracking_days
        .iter()
        .map(|d| per_day[..*d as usize].iter().sum())
        .collect();
    Ok((tracking_days, tracking_actual))
}

/// `kehu backtest`: reads the inputs as `kehu run` does, splits at `as_of − holdout_days`, and
/// scores every purchase model on the holdout.
pub fn run_backtest(
    req: &crate::RunRequest,
    holdout_days: u32,
    mut on_step: impl FnMut(crate::RunStep, &str),
) -> Result<BacktestResult, PipelineError> {
    let prepared = crate::run::prepare(req, &mut on_step)?;
    on_step(crate::RunStep::Predict, "");
    let options = prepared.options;
    let data = backtest_data(&prepared.engine, &options, &prepared.frame, holdout_days)?;
    if data.histories.is_empty() {
        return Err(PipelineError::Input(format!(
            "no customer bought before {} (as_of − {holdout_days} days): shorten --holdout-days",
            data.calibration_end
        )));
    }
    let (tracking_days, tracking_actual) =
        holdout_tracking(&prepared.engine, &options, &data, holdout_days)?;
    let spend = calibration_spend_model(&data);
    let mut scores = Vec::new();
    let mut failures = Vec::new();
    for model in PurchaseModel::ALL {
        match score_model(&data, model, spend.as_ref(), &tracking_days) {
            Ok(s) => scores.push(s),
            Err(e) => failures.push((model.code(), e.to_string())),
        }
    }
    Ok(BacktestResult {
        as_of: options.as_of,
        calibration_end: data.calibration_end,
        holdout_days,
        time_unit: if data.unit_days == 7 { "weeks" } else { "days" },
        customers: data.histories.len(),
        best: best_model(&scores).map(PurchaseModel::code),
        scores,
        tracking_days,
        tracking_actual,
        failures,
    })
}
