//! The customer-base models in a run: fit a purchase model (BG/NBD, MBG/NBD, Pareto/NBD) and
//! the Gamma-Gamma spend model on the feature table's BTYD summary, then add per-customer
//! predictions as columns. Guard rails switch predictions off, with the reason, when the data
//! cannot support them; warnings name what the fitted parameters imply.

use crate::config::PredictConfig;
use crate::feature_frame::FeatureFrame;
use arrow::array::{ArrayRef, Date32Array, Float64Array};
use arrow::datatypes::{DataType, Field};
use chrono::NaiveDate;
use kehu_domain::Note;
use kehu_models::btyd::{
    ClvHorizon, Fit, FitOptions, GammaGamma, ModelError, PurchaseProcess, RepeatHistory,
    SpendHistory, discounted_value, fit_bg_nbd, fit_gamma_gamma, fit_mbg_nbd, fit_pareto_nbd,
    forecast, spend_frequency_correlation,
};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// Days in a month for CLV periods.
pub const MONTH_DAYS: f64 = 365.25 / 12.0;

/// A purchase model kehu can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PurchaseModel {
    #[serde(rename = "bg_nbd")]
    BgNbd,
    #[serde(rename = "mbg_nbd")]
    MbgNbd,
    #[serde(rename = "pareto_nbd")]
    ParetoNbd,
}

impl PurchaseModel {
    /// All of them, in the order `auto` compares them.
    pub const ALL: [PurchaseModel; 3] = [Self::BgNbd, Self::MbgNbd, Self::ParetoNbd];

    /// From a `[predict].model` value other than `auto`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "bg_nbd" => Some(Self::BgNbd),
            "mbg_nbd" => Some(Self::MbgNbd),
            "pareto_nbd" => Some(Self::ParetoNbd),
            _ => None,
        }
    }

    /// The config code.
    pub fn code(self) -> &'static str {
        match self {
            Self::BgNbd => "bg_nbd",
            Self::MbgNbd => "mbg_nbd",
            Self::ParetoNbd => "pareto_nbd",
        }
    }

    /// Fits it; the fitted model behind the common prediction interface.
    pub fn fit(self, histories: &[RepeatHistory]) -> Result<FittedPurchases, ModelError> {
        let options = FitOptions::default();
        fn boxed<M: PurchaseProcess + Send + 'static>(f: Fit<M>) -> FittedPurchases {
            FittedPurchases {
                report: FitReport::of(&f),
                model: Box::new(f.model),
            }
        }
        Ok(match self {
            Self::BgNbd => boxed(fit_bg_nbd(histories, &options)?),
            Self::MbgNbd => boxed(fit_mbg_nbd(histories, &options)?),
            Self::ParetoNbd => boxed(fit_pareto_nbd(histories, &options)?),
        })
    }
}

/// What a fit found, for run.json and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    pub model: &'static str,
    pub parameters: Vec<(&'static str, f64)>,
    /// Standard errors in the same order; empty when the information matrix is singular.
    pub standard_errors: Vec<f64>,
    pub log_likelihood: f64,
    pub customers: usize,
    pub iterations: u64,
    pub converged: bool,
    pub optimiser: &'static str,
    pub starts: usize,
    pub starts_agreeing: usize,
}

impl FitReport {
    fn of<M>(f: &Fit<M>) -> Self {
        FitReport {
            model: f.name,
            parameters: f
                .parameter_names
                .iter()
                .copied()
                .zip(f.parameters.iter().copied())
                .collect(),
            standard_errors: f.standard_errors.clone().unwrap_or_default(),
            log_likelihood: f.log_likelihood,
            customers: f.customers,
            iterations: f.iterations,
            converged: f.converged,
            optimiser: f.optimiser,
            starts: f.starts,
            starts_agreeing: f.starts_agreeing,
        }
    }
}

/// A fitted purchase model.
pub struct FittedPurchases {
    pub model: Box<dyn PurchaseProcess + Send>,
    pub report: FitReport,
}

impl std::fmt::Debug for FittedPurchases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedPurchases")
            .field("report", &self.report)
            .finish()
    }
}

/// The BTYD rows of the customers who bought: (row in the frame, history, mean repeat spend).
pub struct Summary {
    pub rows: Vec<usize>,
    pub histories: Vec<RepeatHistory>,
    pub spends: Vec<f64>,
}

/// Reads `bt_frequency`, `bt_t_x`, `bt_T`, `bt_monetary` (customers without a purchase, whose
/// values are null, are left out).
pub fn btyd_summary(frame: &FeatureFrame) -> Summary {
    let n = frame.len();
    let get = |name: &str| frame.numeric(name).unwrap_or_else(|| vec![f64::NAN; n]);
    let (x, t_x, t, m) = (
        get("bt_frequency"),
        get("bt_t_x"),
        get("bt_T"),
        get("bt_monetary"),
    );
    let mut out = Summary {
        rows: Vec::new(),
        histories: Vec::new(),
        spends: Vec::new(),
    };
    for i in 0..n {
        if x[i].is_nan() || t_x[i].is_nan() || t[i].is_nan() {
            continue;
        }
        out.rows.push(i);
        out.histories
            .push(RepeatHistory::new(x[i] as u32, t_x[i], t[i]));
        out.spends.push(m[i]);
    }
    out
}

/// The spend model's fit and the checks around it.
#[derive(Debug, Clone, Serialize)]
pub struct SpendReport {
    pub fit: FitReport,
    /// Pearson correlation of repeat purchases and mean repeat spend over repeat buyers.
    pub spend_frequency_correlation: Option<f64>,
}

/// What the predictions of a run were, for run.json, the terminal and the report.
#[derive(Debug, Clone, Serialize)]
pub struct PredictionReport {
    pub purchases: FitReport,
    pub spend: Option<SpendReport>,
    /// Time unit of the fit (the run's `time_unit`).
    pub time_unit: &'static str,
    pub horizons_days: Vec<u32>,
    pub clv_months: u32,
    pub discount_rate: f64,
    /// Σ expected purchases per horizon, over all customers.
    pub expected_purchases_total: Vec<f64>,
    /// Σ CLV over customers with one.
    pub clv_total: Option<f64>,
    /// Holdout errors of each model when `model = "auto"` chose.
    pub selection: Vec<(&'static str, f64)>,
    pub warnings: Vec<Note>,
    pub fit_seconds: f64,
}

/// Predictions on, or off with the reason.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PredictionOutcome {
    On(Box<PredictionReport>),
    Off { reason: Note },
}

/// Why the data cannot support predictions, if so.
pub fn guard_rails(summary: &Summary, cfg: &PredictConfig, unit_days: u32) -> Option<Note> {
    let customers = summary.histories.len();
    let repeat = summary.histories.iter().filter(|h| h.frequency > 0).count();
    let span_days =
        summary.histories.iter().map(|h| h.age).fold(0.0, f64::max) * f64::from(unit_days);
    if customers < cfg.min_customers {
        return Some(Note::new(
            format!(
                "only {customers} customers with purchases (predict.min_customers = {}): too few to fit a model",
                cfg.min_customers
            ),
            format!(
                "有购买的客户只有 {customers} 位（predict.min_customers = {}），不足以拟合模型",
                cfg.min_customers
            ),
        ));
    }
    if repeat < cfg.min_repeat_buyers {
        return Some(Note::new(
            format!(
                "only {repeat} repeat buyers (predict.min_repeat_buyers = {}): the models learn from repeat purchases",
                cfg.min_repeat_buyers
            ),
            format!(
                "复购客户只有 {repeat} 位（predict.min_repeat_buyers = {}），模型依靠复购数据学习",
                cfg.min_repeat_buyers
            ),
        ));
    }
    if span_days < f64::from(cfg.min_history_days) {
        return Some(Note::new(
            format!(
                "the history covers {span_days:.0} days (predict.min_history_days = {}): too short to see customers return or leave",
                cfg.min_history_days
            ),
            format!(
                "历史数据只有 {span_days:.0} 天（predict.min_history_days = {}），太短，看不出客户复购或流失",
                cfg.min_history_days
            ),
        ));
    }
    None
}

/// Warnings about the data and the fitted parameters.
fn warnings(
    summary: &Summary,
    purchases: &FitReport,
    model: PurchaseModel,
    spend: Option<&SpendReport>,
) -> Vec<Note> {
    let mut out = Vec::new();
    let p = |name: &str| {
        purchases
            .parameters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    };
    if !purchases.converged {
        out.push(Note::new(
            format!("the {} fit did not fully converge ({} iterations); treat its predictions with care", purchases.model, purchases.iterations),
            format!("{} 拟合未完全收敛（迭代 {} 次），预测结果请谨慎使用", purchases.model, purchases.iterations),
        ));
    }
    for (name, value) in &purchases.parameters {
        if *value < 1e-4 || *value > 1e4 {
            out.push(Note::new(
                format!("{} parameter {name} = {value:.3e} is at the edge of its range: the model has degenerated (for a or s near 0: the data show almost no customers leaving within the window, so P(alive) is near 1 for all); compare models with `kehu backtest`", purchases.model),
                format!("{} 参数 {name} = {value:.3e} 处于取值边界，模型已退化（a 或 s 接近 0 表示观察期内几乎看不到客户流失，所有人的存活概率都接近 1）；可用 `kehu backtest` 比较模型", purchases.model),
            ));
        }
    }
    if let (Some(a), Some(b)) = (p("a"), p("b"))
        && a + b <= 1.0
    {
        out.push(Note::new(
            format!("a + b = {:.3} ≤ 1: expected purchases of one-time buyers are undefined and left empty", a + b),
            format!("a + b = {:.3} ≤ 1：一次性购买客户的预期购买次数无定义，留空", a + b),
        ));
    }
    let one_time = summary
        .histories
        .iter()
        .filter(|h| h.frequency == 0)
        .count() as f64
        / summary.histories.len().max(1) as f64;
    if one_time > 0.7 && model == PurchaseModel::BgNbd {
        out.push(Note::new(
            format!("{:.0}% of customers bought only once: BG/NBD rates every one of them P(alive) = 1; MBG/NBD (predict.model = \"mbg_nbd\") does not", one_time * 100.0),
            format!("{:.0}% 的客户只购买过一次：BG/NBD 认为他们全部仍活跃（P(alive) = 1），MBG/NBD（predict.model = \"mbg_nbd\"）不会", one_time * 100.0),
        ));
    }
    if let Some(s) = spend {
        if let Some(rho) = s.spend_frequency_correlation
            && rho.abs() >= 0.3
        {
            out.push(Note::new(
                format!("spend and purchase frequency correlate (ρ = {rho:.2}); the Gamma-Gamma model assumes they do not, so expected spend and CLV are biased"),
                format!("消费金额与购买频次相关（ρ = {rho:.2}），而 Gamma-Gamma 模型假设二者独立，预期消费与 CLV 有偏差"),
            ));
        }
        let q = s
            .fit
            .parameters
            .iter()
            .find(|(n, _)| *n == "q")
            .map(|(_, v)| *v);
        if let Some(q) = q
            && q <= 1.0
        {
            out.push(Note::new(
                format!("Gamma-Gamma q = {q:.3} ≤ 1: the mean spend of customers without repeat purchases is infinite; their expected spend and CLV are left empty"),
                format!("Gamma-Gamma q = {q:.3} ≤ 1：无复购客户的平均消费无穷大，其预期消费与 CLV 留空"),
            ));
        }
    }
    out
}

fn floats(name: String, values: Vec<Option<f64>>) -> (Field, ArrayRef) {
    (
        Field::new(name, DataType::Float64, true),
        Arc::new(Float64Array::from(values)) as ArrayRef,
    )
}

/// Fits and predicts; the new columns (one row per frame row) and the outcome. With
/// `model` given it is used; otherwise `cfg.model` (which must not be `auto` here: the caller
/// resolves `auto` with a backtest).
pub fn predict(
    frame: &FeatureFrame,
    cfg: &PredictConfig,
    model: PurchaseModel,
    unit_days: u32,
    as_of: NaiveDate,
    selection: Vec<(&'static str, f64)>,
) -> (Vec<(Field, ArrayRef)>, PredictionOutcome) {
    let summary = btyd_summary(frame);
    if let Some(reason) = guard_rails(&summary, cfg, unit_days) {
        return (Vec::new(), PredictionOutcome::Off { reason });
    }
    let clock = Instant::now();
    let purchases = match model.fit(&summary.histories) {
        Ok(f) => f,
        Err(e) => {
            return (
                Vec::new(),
                PredictionOutcome::Off {
                    reason: Note::new(
                        format!("the model could not be fitted: {e}"),
                        format!("模型无法拟合：{e}"),
                    ),
                },
            );
        }
    };
    let spends: Vec<SpendHistory> = summary
        .histories
        .iter()
        .zip(&summary.spends)
        .filter(|(h, m)| h.frequency > 0 && **m > 0.0)
        .map(|(h, m)| SpendHistory {
            frequency: h.frequency,
            mean_spend: *m,
        })
        .collect();
    let gamma_gamma: Option<(GammaGamma, SpendReport)> =
        fit_gamma_gamma(&spends, &FitOptions::default())
            .ok()
            .map(|f| {
                let report = SpendReport {
                    fit: FitReport::of(&f),
                    spend_frequency_correlation: spend_frequency_correlation(&spends),
                };
                (f.model, report)
            });
    let fit_seconds = clock.elapsed().as_secs_f64();

    let unit = f64::from(unit_days);
    let horizons: Vec<f64> = cfg
        .horizons_days
        .iter()
        .map(|d| f64::from(*d) / unit)
        .collect();
    let clv_horizon = ClvHorizon {
        period_length: MONTH_DAYS / unit,
        periods: cfg.clv_months,
        discount_rate: cfg.discount_rate,
    };
    let m = purchases.model.as_ref();
    struct Row {
        alive: f64,
        expected: Vec<Option<f64>>,
        quiet: Vec<f64>,
        wait_days: f64,
        spend: Option<f64>,
        clv: Option<f64>,
    }
    // The report's horizons, then the ends of the CLV's months: one `forecast` sums the ₂F₁
    // series once per distinct (x, T) instead of once per customer (the same bits as
    // `expected_purchases_at` and `customer_lifetime_value`, test
    // `forecasts_are_the_bits_of_the_per_customer_methods`).
    let forecast_horizons: Vec<f64> = horizons
        .iter()
        .copied()
        .chain(clv_horizon.period_ends())
        .collect();
    let forecasts = forecast(m, &forecast_horizons, &summary.histories);
    let rows: Vec<Row> = summary
        .histories
        .par_iter()
        .zip(&summary.spends)
        .enumerate()
        .map(|(i, (h, zbar))| {
            let spend = gamma_gamma.as_ref().and_then(|(gg, _)| {
                gg.expected_mean_spend(h.frequency, if zbar.is_nan() { 0.0 } else { *zbar })
            });
            let alive = forecasts.probability_alive(i);
            let mut expected = forecasts.expected_purchases(i);
            Row {
                alive,
                expected: expected.by_ref().take(horizons.len()).collect(),
                quiet: horizons
                    .iter()
                    .map(|t| m.probability_no_purchase_given_alive(*t, h, alive))
                    .collect(),
                wait_days: m.median_wait_if_alive(h) * unit,
                clv: spend.and_then(|s| discounted_value(expected, s, clv_horizon.discount_rate)),
                spend,
            }
        })
        .collect();
    drop(forecasts);

    let n = frame.len();
    let spread = |pick: &dyn Fn(&Row) -> Option<f64>| -> Vec<Option<f64>> {
        let mut out = vec![None; n];
        for (row, r) in summary.rows.iter().zip(&rows) {
            out[*row] = pick(r);
        }
        out
    };
    let mut columns = vec![floats("p_alive".into(), spread(&|r| Some(r.alive)))];
    for (k, d) in cfg.horizons_days.iter().enumerate() {
        columns.push(floats(
            format!("expected_purchases_{d}d"),
            spread(&|r| r.expected[k]),
        ));
        columns.push(floats(
            format!("p_no_purchase_{d}d"),
            spread(&|r| Some(r.quiet[k])),
        ));
    }
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(as_of);
    let base = (as_of - epoch).num_days();
    let mut next = vec![None; n];
    for (row, r) in summary.rows.iter().zip(&rows) {
        // Beyond ten years the date says nothing useful; left empty.
        if r.wait_days.is_finite() && r.wait_days <= 3650.0 {
            next[*row] = i32::try_from(base + r.wait_days.round() as i64).ok();
        }
    }
    columns.push((
        Field::new("next_order_date", DataType::Date32, true),
        Arc::new(Date32Array::from(next)) as ArrayRef,
    ));
    columns.push(floats("expected_spend".into(), spread(&|r| r.spend)));
    columns.push(floats("clv".into(), spread(&|r| r.clv)));

    let expected_purchases_total = (0..horizons.len())
        .map(|k| rows.iter().filter_map(|r| r.expected[k]).sum())
        .collect();
    let clv: Vec<f64> = rows.iter().filter_map(|r| r.clv).collect();
    let spend_report = gamma_gamma.map(|(_, r)| r);
    let report = PredictionReport {
        warnings: warnings(&summary, &purchases.report, model, spend_report.as_ref()),
        purchases: purchases.report,
        spend: spend_report,
        time_unit: if unit_days == 7 { "weeks" } else { "days" },
        horizons_days: cfg.horizons_days.clone(),
        clv_months: cfg.clv_months,
        discount_rate: cfg.discount_rate,
        expected_purchases_total,
        clv_total: (!clv.is_empty()).then(|| clv.iter().sum()),
        selection,
        fit_seconds,
    };
    (columns, PredictionOutcome::On(Box::new(report)))
}
