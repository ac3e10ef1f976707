//! Rule schemes over the feature table: each turns columns into one label per customer
//! (a [`Labelling`]), or is skipped with the reason when the data lack what it needs.

mod behaviour;
mod predicted;
mod rfm;
mod value;

pub use rfm::rfm_score_columns;

use crate::config::{Config, LabelName, LabelRow, Labels, NOT_APPLICABLE};
use crate::feature_frame::FeatureFrame;
use kehu_domain::{Label, Labelling, Note, SchemeInfo};

/// What became of a scheme in a run.
#[derive(Debug, Clone)]
pub enum SchemeOutcome {
    /// It labelled every customer.
    Done(Labelling),
    /// It did not run: the data lack what it needs.
    Skipped {
        /// Which scheme.
        scheme: SchemeInfo,
        /// Why, in both languages.
        reason: Note,
    },
}

/// The labellings of the schemes that ran, in run order.
pub(crate) fn done_labellings(outcomes: &[SchemeOutcome]) -> Vec<&Labelling> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            SchemeOutcome::Done(l) => Some(l),
            SchemeOutcome::Skipped { .. } => None,
        })
        .collect()
}

/// Runs every enabled shipped scheme, in a fixed order. `frame` must hold the RFM scores.
pub fn run_rule_schemes(frame: &FeatureFrame, config: &Config) -> Vec<SchemeOutcome> {
    let s = &config.schemes;
    let mut out = Vec::new();
    let mut push = |enabled: bool, outcome: SchemeOutcome| {
        if enabled {
            out.push(outcome);
        }
    };
    push(
        s.value_tier.enabled,
        value::value_tier(frame, &s.value_tier),
    );
    push(s.abc.enabled, value::abc(frame, &s.abc));
    push(
        s.rfm_segment.enabled,
        rfm::named_segments(frame, rfm::RFM_SEGMENT, &s.rfm_segment),
    );
    push(
        s.rfm_grid.enabled,
        rfm::named_segments(frame, rfm::RFM_GRID, &s.rfm_grid),
    );
    push(s.rfm8.enabled, rfm::rfm8(frame, &s.rfm8));
    push(
        s.lifecycle.enabled,
        behaviour::lifecycle(frame, &s.lifecycle),
    );
    push(
        s.frequency_class.enabled,
        value::frequency_class(frame, &s.frequency_class),
    );
    push(s.capacity.enabled, value::capacity(frame, &s.capacity));
    push(
        s.price_sensitivity.enabled,
        behaviour::price_sensitivity(frame, &s.price_sensitivity),
    );
    push(
        s.category_preference.enabled,
        behaviour::category_preference(frame, &s.category_preference),
    );
    push(
        s.satisfaction.enabled,
        behaviour::satisfaction(frame, &s.satisfaction),
    );
    push(s.nps.enabled, behaviour::nps(frame, &s.nps));
    if s.key_customer.rule.is_none() {
        push(
            s.key_customer.enabled,
            value::key_customer(frame, &s.key_customer),
        );
    }
    push(
        s.value_matrix.enabled,
        value::value_matrix(frame, &s.value_matrix),
    );
    push(s.age_band.enabled, behaviour::age_band(frame, &s.age_band));
    push(
        s.gender.enabled,
        behaviour::grouping(frame, behaviour::GENDER, "gender", &s.gender),
    );
    push(
        s.region.enabled,
        behaviour::grouping(frame, behaviour::REGION, "region", &s.region),
    );
    if config.predict.enabled {
        push(
            s.churn_risk.enabled,
            predicted::churn_risk(frame, &s.churn_risk, &config.predict),
        );
        push(
            s.clv_tier.enabled,
            predicted::clv_tier(frame, &s.clv_tier, &config.predict),
        );
    }
    out
}

/// (id, English title, Chinese title) of a scheme.
pub(crate) type SchemeRow = (&'static str, &'static str, &'static str);

pub(crate) fn info(row: SchemeRow) -> SchemeInfo {
    SchemeInfo::new(row.0, row.1, row.2)
}

/// The catalogue with the user's renamings, then the `none` label.
pub(crate) fn labels_with_none(rows: &[LabelRow], names: &Labels) -> Vec<Label> {
    let mut labels = resolve(rows, names);
    labels.push(label_of(NOT_APPLICABLE, None));
    labels
}

/// The catalogue with the user's renamings.
pub(crate) fn resolve(rows: &[LabelRow], names: &Labels) -> Vec<Label> {
    rows.iter()
        .map(|row| label_of(*row, names.get(row.0)))
        .collect()
}

/// A label from its catalogue row and an optional renaming.
pub(crate) fn label_of(row: LabelRow, name: Option<&LabelName>) -> Label {
    let (code, en, zh) = row;
    Label::new(
        code,
        name.and_then(|n| n.en.clone()).unwrap_or_else(|| en.into()),
        name.and_then(|n| n.zh.clone()).unwrap_or_else(|| zh.into()),
    )
}

pub(crate) fn skipped(row: SchemeRow, en: &str, zh: &str) -> SchemeOutcome {
    SchemeOutcome::Skipped {
        scheme: info(row),
        reason: Note::new(en, zh),
    }
}

/// Which customers have bought (orders ≥ 1): the ones purchase-based schemes judge.
pub(crate) fn buyers(frame: &FeatureFrame) -> Vec<bool> {
    frame
        .numeric("orders")
        .unwrap_or_default()
        .iter()
        .map(|&o| o >= 1.0)
        .collect()
}

/// Runs `classify` on the buyers' values only and gives everyone else `none_index`.
pub(crate) fn over_buyers(
    judged: &[bool],
    none_index: u32,
    classify: impl FnOnce(&[usize]) -> Vec<u32>,
) -> Vec<u32> {
    let rows: Vec<usize> = (0..judged.len()).filter(|&i| judged[i]).collect();
    let classes = classify(&rows);
    let mut assigned = vec![none_index; judged.len()];
    for (k, &i) in rows.iter().enumerate() {
        assigned[i] = classes[k];
    }
    assigned
}

/// A short number for notes: integers plainly, others to two decimals.
pub(crate) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
