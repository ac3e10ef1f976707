//! Label columns on the feature table, and the schemes whose rules are SQL (custom schemes
//! and a rule-defined key-customer scheme), evaluated by DataFusion over that table.

use crate::config::{Config, OTHER, catalogue};
use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::schemes::{SchemeOutcome, label_of, resolve};
use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field};
use kehu_domain::{Label, Labelling, Note, SchemeInfo};
use kehu_features::{FeatureEngine, RuleSpec, evaluate_rules};
use std::sync::Arc;

/// Adds one text column per labelling, named after the scheme, holding label codes.
pub fn append_labels(
    frame: &FeatureFrame,
    outcomes: &[SchemeOutcome],
) -> Result<FeatureFrame, PipelineError> {
    let columns = outcomes
        .iter()
        .filter_map(|o| match o {
            SchemeOutcome::Done(l) => Some(l),
            SchemeOutcome::Skipped { .. } => None,
        })
        .map(|l| {
            let array: ArrayRef = Arc::new(StringArray::from_iter_values(l.codes()));
            (Field::new(&l.scheme.id, DataType::Utf8, false), array)
        })
        .collect();
    frame.with_columns(columns)
}

/// One scheme from SQL rules: the first true rule's label, `other` when none is true.
fn from_rules(
    engine: &FeatureEngine,
    scheme: SchemeInfo,
    rules: &[(Label, String)],
    other: Label,
    context: &str,
) -> Result<SchemeOutcome, PipelineError> {
    let specs: Vec<RuleSpec> = rules
        .iter()
        .map(|(label, expr)| RuleSpec::new(&label.code, expr))
        .collect();
    let matches = evaluate_rules(engine, "features", &specs)
        .map_err(|e| PipelineError::Input(format!("kehu.toml {context}: {e}")))?;
    let mut labels: Vec<Label> = rules.iter().map(|(l, _)| l.clone()).collect();
    let other_index = labels.len() as u32;
    labels.push(other);
    let assigned = matches
        .first_match
        .iter()
        .map(|m| m.map_or(other_index, |i| i as u32))
        .collect();
    let mut notes = vec![Note::new(
        format!(
            "{} customers matched no rule, {} matched several (the first wins).",
            matches.unmatched, matches.multiple
        ),
        format!(
            "{} 位客户没有匹配任何规则，{} 位匹配了多条规则（取第一条）。",
            matches.unmatched, matches.multiple
        ),
    )];
    for ((label, expr), count) in rules.iter().zip(&matches.matches_per_rule) {
        notes.push(Note::new(
            format!("{}: `{expr}` is true for {count} customers.", label.code),
            format!("{}：`{expr}` 对 {count} 位客户成立。", label.code),
        ));
    }
    Ok(SchemeOutcome::Done(Labelling {
        scheme,
        labels,
        assigned,
        notes,
    }))
}

/// The SQL-rule schemes of the config, over `frame` (which holds every other label, so rules
/// may use them: `value_tier = 'high' AND lifecycle = 'dormant'`).
pub fn rule_schemes(
    engine: &FeatureEngine,
    frame: &FeatureFrame,
    config: &Config,
) -> Result<Vec<SchemeOutcome>, PipelineError> {
    let key = &config.schemes.key_customer;
    let wanted = (key.enabled && key.rule.is_some()) || !config.custom.is_empty();
    if !wanted {
        return Ok(Vec::new());
    }
    engine.register(
        "features",
        frame.batch().schema(),
        vec![frame.batch().clone()],
    )?;
    let mut out = Vec::new();
    if let (true, Some(rule)) = (key.enabled, &key.rule) {
        let labels = resolve(catalogue::KEY_CUSTOMER, &key.labels);
        out.push(from_rules(
            engine,
            SchemeInfo::new("key_customer", "Key customers", "重点客户"),
            &[(labels[0].clone(), rule.clone())],
            labels[1].clone(),
            "schemes.key_customer.rule",
        )?);
    }
    for (i, custom) in config.custom.iter().enumerate() {
        if frame.has(&custom.id) {
            return Err(PipelineError::Input(format!(
                "kehu.toml custom[{i}].id: `{}` is already a column of the customer table; choose another id",
                custom.id
            )));
        }
        let rules: Vec<(Label, String)> = custom
            .rules
            .iter()
            .map(|r| (Label::new(&r.code, &r.en, &r.zh), r.when.clone()))
            .collect();
        let other = label_of(OTHER, Some(&custom.other));
        out.push(from_rules(
            engine,
            SchemeInfo::new(&custom.id, &custom.en, &custom.zh),
            &rules,
            other,
            &format!("custom[{i}] ({})", custom.id),
        )?);
    }
    Ok(out)
}
