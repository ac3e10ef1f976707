//! Schemes of value: tiers, ABC, key customers, frequency class, consumption capacity and the
//! two-axis value matrix.

use super::{SchemeOutcome, SchemeRow, buyers, info, labels_with_none, num, over_buyers, skipped};
use crate::config::{
    AbcConfig, CapacityConfig, FrequencyClassConfig, KeyCustomerConfig, ValueMatrixConfig,
    ValueTierConfig,
};
use crate::feature_frame::FeatureFrame;
use kehu_domain::{Labelling, Note};
use kehu_models::{Order, Reference, rank_share_bands, share_of_total_bands};

const VALUE_TIER: SchemeRow = ("value_tier", "Value tier", "客户价值分层");
const ABC: SchemeRow = ("abc", "ABC classes", "ABC分类");
const KEY_CUSTOMER: SchemeRow = ("key_customer", "Key customers", "重点客户");
const FREQUENCY_CLASS: SchemeRow = ("frequency_class", "Purchase frequency", "购买频率");
const CAPACITY: SchemeRow = ("capacity", "Consumption capacity", "消费能力");
const VALUE_MATRIX: SchemeRow = ("value_matrix", "Value matrix", "客户价值矩阵");

fn picked<T: Copy>(values: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| values[i]).collect()
}

/// High / mid / low value among customers with orders.
pub fn value_tier(frame: &FeatureFrame, c: &ValueTierConfig) -> SchemeOutcome {
    let labels = labels_with_none(crate::config::catalogue::VALUE_TIER, &c.labels);
    let revenue = frame.numeric("revenue").unwrap_or_default();
    let units = frame.money_units("revenue").unwrap_or_default();
    let judged = buyers(frame);
    let assigned = over_buyers(&judged, 3, |rows| match c.method.as_str() {
        "revenue_share" => share_of_total_bands(&picked(&units, rows), &c.cuts)
            .into_iter()
            .map(|b| b as u32)
            .collect(),
        "thresholds" => picked(&revenue, rows)
            .iter()
            .map(|&r| {
                if r >= c.cuts[0] {
                    0
                } else if r >= c.cuts[1] {
                    1
                } else {
                    2
                }
            })
            .collect(),
        _ => rank_share_bands(&picked(&revenue, rows), Order::Descending, &c.cuts)
            .into_iter()
            .map(|b| b as u32)
            .collect(),
    });
    let rule = match c.method.as_str() {
        "revenue_share" => Note::new(
            format!(
                "High: customers making the first {}% of revenue; mid: up to {}%.",
                num(c.cuts[0] * 100.0),
                num(c.cuts[1] * 100.0)
            ),
            format!(
                "高价值：贡献前 {}% 收入的客户；中价值：至 {}%。",
                num(c.cuts[0] * 100.0),
                num(c.cuts[1] * 100.0)
            ),
        ),
        "thresholds" => Note::new(
            format!(
                "High: revenue ≥ {}; mid: revenue ≥ {}.",
                num(c.cuts[0]),
                num(c.cuts[1])
            ),
            format!(
                "高价值：收入 ≥ {}；中价值：收入 ≥ {}。",
                num(c.cuts[0]),
                num(c.cuts[1])
            ),
        ),
        _ => Note::new(
            format!(
                "By revenue rank: top {}% high, next {}% mid; tied revenue shares a tier.",
                num(c.cuts[0] * 100.0),
                num((c.cuts[1] - c.cuts[0]) * 100.0)
            ),
            format!(
                "按收入排名：前 {}% 为高价值，其后 {}% 为中价值；收入相同者同档。",
                num(c.cuts[0] * 100.0),
                num((c.cuts[1] - c.cuts[0]) * 100.0)
            ),
        ),
    };
    SchemeOutcome::Done(Labelling {
        scheme: info(VALUE_TIER),
        labels,
        assigned,
        notes: vec![rule],
    })
}

/// ABC by cumulative share of revenue (all customers; revenue ≤ 0 is C).
pub fn abc(frame: &FeatureFrame, c: &AbcConfig) -> SchemeOutcome {
    let labels = super::resolve(crate::config::catalogue::ABC, &c.labels);
    let units = frame.money_units("revenue").unwrap_or_default();
    let assigned = share_of_total_bands(&units, &c.shares)
        .into_iter()
        .map(|b| b as u32)
        .collect();
    let (a, b) = (num(c.shares[0] * 100.0), num(c.shares[1] * 100.0));
    SchemeOutcome::Done(Labelling {
        scheme: info(ABC),
        labels,
        assigned,
        notes: vec![Note::new(
            format!(
                "A: customers making the first {a}% of revenue, largest first; B: up to {b}%; C: the rest."
            ),
            format!("A类：按收入从高到低累计贡献前 {a}% 的客户；B类：至 {b}%；C类：其余。"),
        )],
    })
}

/// Key customers: those who together make the first `revenue_share` of revenue.
pub fn key_customer(frame: &FeatureFrame, c: &KeyCustomerConfig) -> SchemeOutcome {
    let labels = super::resolve(crate::config::catalogue::KEY_CUSTOMER, &c.labels);
    let units = frame.money_units("revenue").unwrap_or_default();
    let assigned = share_of_total_bands(&units, &[c.revenue_share])
        .into_iter()
        .map(|b| b as u32)
        .collect();
    let share = num(c.revenue_share * 100.0);
    SchemeOutcome::Done(Labelling {
        scheme: info(KEY_CUSTOMER),
        labels,
        assigned,
        notes: vec![Note::new(
            format!("Key: the largest customers who together make {share}% of revenue."),
            format!("重点客户：按收入从高到低、合计贡献 {share}% 收入的客户。"),
        )],
    })
}

/// High / low purchase frequency against a reference number of orders.
pub fn frequency_class(frame: &FeatureFrame, c: &FrequencyClassConfig) -> SchemeOutcome {
    let labels = labels_with_none(crate::config::catalogue::FREQUENCY_CLASS, &c.labels);
    let orders = frame.numeric("orders").unwrap_or_default();
    let judged = buyers(frame);
    let mut reference = 0.0;
    let assigned = over_buyers(&judged, 2, |rows| {
        let values = picked(&orders, rows);
        reference = Reference::from(c.against).of(&values).unwrap_or(0.0);
        values
            .iter()
            .map(|&o| if o > reference { 0 } else { 1 })
            .collect()
    });
    SchemeOutcome::Done(Labelling {
        scheme: info(FREQUENCY_CLASS),
        labels,
        assigned,
        notes: vec![Note::new(
            format!("High frequency: more than {} orders.", num(reference)),
            format!("高频：订单数多于 {}。", num(reference)),
        )],
    })
}

/// Consumption capacity by average order value rank.
pub fn capacity(frame: &FeatureFrame, c: &CapacityConfig) -> SchemeOutcome {
    let labels = labels_with_none(crate::config::catalogue::CAPACITY, &c.labels);
    let aov = frame.numeric("aov").unwrap_or_default();
    let judged = buyers(frame);
    let assigned = over_buyers(&judged, 3, |rows| {
        rank_share_bands(&picked(&aov, rows), Order::Descending, &c.cuts)
            .into_iter()
            .map(|b| b as u32)
            .collect()
    });
    let (h, m) = (num(c.cuts[0] * 100.0), num((c.cuts[1] - c.cuts[0]) * 100.0));
    SchemeOutcome::Done(Labelling {
        scheme: info(CAPACITY),
        labels,
        assigned,
        notes: vec![Note::new(
            format!("By average order value: top {h}% high, next {m}% mid."),
            format!("按客单价：前 {h}% 为高消费能力，其后 {m}% 为中。"),
        )],
    })
}

/// Four quadrants of two features split at their references.
pub fn value_matrix(frame: &FeatureFrame, c: &ValueMatrixConfig) -> SchemeOutcome {
    let (Some(x), Some(y)) = (frame.numeric(&c.x), frame.numeric(&c.y)) else {
        let missing = if frame.numeric(&c.x).is_none() {
            &c.x
        } else {
            &c.y
        };
        return skipped(
            VALUE_MATRIX,
            &format!("no numeric feature `{missing}` for an axis"),
            &format!("没有可作坐标轴的数值特征 `{missing}`"),
        );
    };
    let labels = labels_with_none(crate::config::catalogue::VALUE_MATRIX, &c.labels);
    let judged: Vec<bool> = buyers(frame)
        .iter()
        .enumerate()
        .map(|(i, &b)| b && !x[i].is_nan() && !y[i].is_nan())
        .collect();
    let (mut xr, mut yr) = (0.0, 0.0);
    let assigned = over_buyers(&judged, 4, |rows| {
        let (xs, ys) = (picked(&x, rows), picked(&y, rows));
        xr = Reference::from(c.x_against).of(&xs).unwrap_or(0.0);
        yr = Reference::from(c.y_against).of(&ys).unwrap_or(0.0);
        xs.iter()
            .zip(&ys)
            .map(|(&a, &b)| match (a > xr, b > yr) {
                (true, true) => 0,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            })
            .collect()
    });
    SchemeOutcome::Done(Labelling {
        scheme: info(VALUE_MATRIX),
        labels,
        assigned,
        notes: vec![Note::new(
            format!(
                "Axes: {} above {} is high; {} above {} is high.",
                c.x,
                num(xr),
                c.y,
                num(yr)
            ),
            format!(
                "坐标轴：{} 高于 {} 为高；{} 高于 {} 为高。",
                c.x,
                num(xr),
                c.y,
                num(yr)
            ),
        )],
    })
}
