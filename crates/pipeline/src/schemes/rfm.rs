//! RFM: the 1–5 scores, the named segments over them, and the Chinese 8-class RFM.

use super::{SchemeOutcome, SchemeRow, buyers, info, label_of, labels_with_none, num, over_buyers};
use crate::config::{
    Against, NOT_APPLICABLE, OTHER, Rfm8Config, RfmConfig, SegmentsConfig, catalogue,
};
use crate::feature_frame::FeatureFrame;
use arrow::array::{ArrayRef, UInt8Array};
use arrow::datatypes::{DataType, Field};
use kehu_domain::{Label, Labelling, Note};
use kehu_models::{
    Order, Reference, ScoreRange, ScoreRule, edge_bands, first_matching_rule, quintile_scores,
};
use std::sync::Arc;

pub(crate) const RFM_SEGMENT: SchemeRow = (
    "rfm_segment",
    "RFM segments (R rfm package)",
    "RFM 细分（R rfm 包十类）",
);
pub(crate) const RFM_GRID: SchemeRow = (
    "rfm_grid",
    "RFM groups (11-group grid)",
    "RFM 分组（十一类网格）",
);
const RFM8: SchemeRow = ("rfm8", "Chinese 8-class RFM", "RFM 八类客户");

/// Scores of one axis for the buyers (`None` for the rest).
fn axis_scores(
    values: &[f64],
    judged: &[bool],
    quantile_order: Order,
    bins: Option<(&[f64], bool)>,
) -> Vec<Option<u8>> {
    let rows: Vec<usize> = (0..values.len()).filter(|&i| judged[i]).collect();
    let picked: Vec<f64> = rows.iter().map(|&i| values[i]).collect();
    let scores: Vec<u8> = match bins {
        // Band 0 is the lowest values; recency (`reversed`) scores 5 there.
        Some((edges, reversed)) => edge_bands(&picked, edges)
            .into_iter()
            .map(|b| if reversed { 5 - b as u8 } else { b as u8 + 1 })
            .collect(),
        None => quintile_scores(&picked, quantile_order),
    };
    let mut out = vec![None; values.len()];
    for (k, &i) in rows.iter().enumerate() {
        out[i] = Some(scores[k]);
    }
    out
}

/// The `r_score`, `f_score`, `m_score` columns (null for customers without orders).
pub fn rfm_score_columns(frame: &FeatureFrame, c: &RfmConfig) -> Vec<(Field, ArrayRef)> {
    let judged = buyers(frame);
    let bins = c.method == "bins";
    let get = |name: &str| {
        frame
            .numeric(name)
            .unwrap_or_else(|| vec![f64::NAN; frame.len()])
    };
    let r = axis_scores(
        &get("recency_days"),
        &judged,
        Order::Descending,
        bins.then_some((c.r_edges.as_slice(), true)),
    );
    let f = axis_scores(
        &get("orders"),
        &judged,
        Order::Ascending,
        bins.then_some((c.f_edges.as_slice(), false)),
    );
    let m = axis_scores(
        &get("revenue"),
        &judged,
        Order::Ascending,
        bins.then_some((c.m_edges.as_slice(), false)),
    );
    [("r_score", r), ("f_score", f), ("m_score", m)]
        .into_iter()
        .map(|(name, scores)| {
            let array: ArrayRef = Arc::new(UInt8Array::from(scores));
            (Field::new(name, DataType::UInt8, true), array)
        })
        .collect()
}

fn scores(frame: &FeatureFrame, name: &str) -> Vec<u8> {
    frame
        .numeric(name)
        .unwrap_or_default()
        .iter()
        .map(|&v| if v.is_nan() { 0 } else { v as u8 })
        .collect()
}

/// A named-segment scheme: first matching rule, `other` when none, `none` without orders.
pub(crate) fn named_segments(
    frame: &FeatureFrame,
    row: SchemeRow,
    c: &SegmentsConfig,
) -> SchemeOutcome {
    let range = |r: Option<[f64; 2]>| r.map(|[lo, hi]| ScoreRange::new(lo, hi));
    let rules: Vec<ScoreRule> = c
        .segments
        .iter()
        .map(|s| ScoreRule {
            r: range(s.r),
            f: range(s.f),
            m: range(s.m),
            fm: range(s.fm),
        })
        .collect();
    let mut labels: Vec<Label> = c
        .segments
        .iter()
        .map(|s| Label::new(&s.code, &s.en, &s.zh))
        .collect();
    let other = labels.len() as u32;
    labels.push(label_of(OTHER, Some(&c.other)));
    labels.push(label_of(NOT_APPLICABLE, None));
    let (r, f, m) = (
        scores(frame, "r_score"),
        scores(frame, "f_score"),
        scores(frame, "m_score"),
    );
    let assigned = over_buyers(&buyers(frame), other + 1, |rows| {
        rows.iter()
            .map(|&i| first_matching_rule(&rules, r[i], f[i], m[i]).map_or(other, |k| k as u32))
            .collect()
    });
    SchemeOutcome::Done(Labelling {
        scheme: info(row),
        labels,
        assigned,
        notes: vec![Note::new(
            "Segments are tried in order; the first whose score ranges match wins.",
            "按顺序匹配各细分，第一个分数范围相符的细分即为结果。",
        )],
    })
}

/// The Chinese 8-class RFM: R, F and M each high or low against a reference.
pub(crate) fn rfm8(frame: &FeatureFrame, c: &Rfm8Config) -> SchemeOutcome {
    let labels = labels_with_none(catalogue::RFM8, &c.labels);
    let judged = buyers(frame);
    let get = |name: &str| {
        frame
            .numeric(name)
            .unwrap_or_else(|| vec![f64::NAN; frame.len()])
    };
    let (recency, orders, revenue) = (get("recency_days"), get("orders"), get("revenue"));
    let against = |axis: Option<Against>| Reference::from(axis.unwrap_or(c.against));
    let mut refs = [0.0; 3];
    let assigned = over_buyers(&judged, 8, |rows| {
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let (rv, fv, mv) = (pick(&recency), pick(&orders), pick(&revenue));
        refs = [
            against(c.r_against).of(&rv).unwrap_or(0.0),
            against(c.f_against).of(&fv).unwrap_or(0.0),
            against(c.m_against).of(&mv).unwrap_or(0.0),
        ];
        (0..rows.len())
            .map(|k| {
                let r_high = rv[k] < refs[0];
                let f_high = fv[k] > refs[1];
                let m_high = mv[k] > refs[2];
                // Catalogue order: M high first, then R high before low, then F high.
                let m_part = if m_high { 0 } else { 4 };
                let rf_part = match (r_high, f_high) {
                    (true, true) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (false, false) => 3,
                };
                m_part + rf_part
            })
            .collect()
    });
    let [r, f, m] = refs.map(num);
    SchemeOutcome::Done(Labelling {
        scheme: info(RFM8),
        labels,
        assigned,
        notes: vec![Note::new(
            format!(
                "High R: last order fewer than {r} days ago; high F: more than {f} orders; high M: revenue above {m}."
            ),
            format!("R高：最近一次购买距今少于 {r} 天；F高：订单数多于 {f}；M高：收入高于 {m}。"),
        )],
    })
}
