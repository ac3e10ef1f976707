//! Schemes over the predictions: churn risk from P(alive) and the predicted-CLV tier.

use super::{SchemeOutcome, SchemeRow, info, labels_with_none, num, skipped};
use crate::config::{PredictConfig, PredictedConfig, catalogue};
use crate::feature_frame::FeatureFrame;
use kehu_domain::{Labelling, Note};
use kehu_models::{Order, rank_share_bands};

const CHURN_RISK: SchemeRow = ("churn_risk", "Churn risk", "流失风险");
const CLV_TIER: SchemeRow = ("clv_tier", "Predicted value tier", "预测价值分层");

const NO_PREDICTIONS: (&str, &str) = (
    "no predictions in this run (see [predict] in run.json for why)",
    "本次运行没有预测结果（原因见 run.json 的 predictions）",
);

/// Low / medium / high churn risk from P(alive); customers without a purchase get `none`.
pub(crate) fn churn_risk(
    frame: &FeatureFrame,
    c: &PredictedConfig,
    p: &PredictConfig,
) -> SchemeOutcome {
    let Some(alive) = frame
        .numeric("p_alive")
        .filter(|_| frame.has_values("p_alive"))
    else {
        return skipped(CHURN_RISK, NO_PREDICTIONS.0, NO_PREDICTIONS.1);
    };
    let [high_below, medium_below] = p.churn_risk_alive;
    let assigned = alive
        .iter()
        .map(|&a| match a {
            a if a.is_nan() => 3,
            a if a < high_below => 2,
            a if a < medium_below => 1,
            _ => 0,
        })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(CHURN_RISK),
        labels: labels_with_none(catalogue::CHURN_RISK, &c.labels),
        assigned,
        notes: vec![Note::new(
            format!(
                "High: P(alive) below {}; medium: below {}; low: the rest.",
                num(high_below),
                num(medium_below)
            ),
            format!(
                "高：存活概率低于 {}；中：低于 {}；其余为低。",
                num(high_below),
                num(medium_below)
            ),
        )],
    })
}

/// High / mid / low by rank of predicted CLV; customers without a CLV get `none`.
pub(crate) fn clv_tier(
    frame: &FeatureFrame,
    c: &PredictedConfig,
    p: &PredictConfig,
) -> SchemeOutcome {
    let Some(clv) = frame.numeric("clv").filter(|_| frame.has_values("clv")) else {
        return skipped(CLV_TIER, NO_PREDICTIONS.0, NO_PREDICTIONS.1);
    };
    let rows: Vec<usize> = (0..clv.len()).filter(|&i| !clv[i].is_nan()).collect();
    let values: Vec<f64> = rows.iter().map(|&i| clv[i]).collect();
    let mut assigned = vec![3u32; clv.len()];
    for (band, &i) in rank_share_bands(&values, Order::Descending, &p.clv_tier_cuts)
        .iter()
        .zip(&rows)
    {
        assigned[i] = *band as u32;
    }
    let (h, m) = (
        num(p.clv_tier_cuts[0] * 100.0),
        num((p.clv_tier_cuts[1] - p.clv_tier_cuts[0]) * 100.0),
    );
    SchemeOutcome::Done(Labelling {
        scheme: info(CLV_TIER),
        labels: labels_with_none(catalogue::CLV_TIER, &c.labels),
        assigned,
        notes: vec![Note::new(
            format!("High: the top {h}% of customers by predicted CLV; mid: the next {m}%."),
            format!("高：预测 CLV 排名前 {h}% 的客户；中：其后 {m}%。"),
        )],
    })
}
