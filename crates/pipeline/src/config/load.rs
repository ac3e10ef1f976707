//! Reading `kehu.toml`: TOML syntax, then the shape (unknown keys, wrong types), then the
//! values — each error names the key path, and the line when the parser knows it.

use super::catalogue::{self, LabelRow};
use super::{Config, Labels};
use std::path::Path;

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {}{message}", place(key, line))]
pub struct ConfigError {
    /// The config file.
    pub file: String,
    /// Dotted key path (`schemes.value_tier.cuts`), when known.
    pub key: Option<String>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to write instead.
    pub message: String,
}

fn place(key: &Option<String>, line: &Option<usize>) -> String {
    match (key, line) {
        (Some(k), Some(l)) => format!("line {l}, `{k}`: "),
        (Some(k), None) => format!("`{k}`: "),
        (None, Some(l)) => format!("line {l}: "),
        (None, None) => String::new(),
    }
}

/// Reads and checks a config file.
pub fn load_config(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        key: None,
        line: None,
        message: format!("cannot read the config: {e}"),
    })?;
    parse_config(&text, &path.display().to_string())
}

/// Parses and checks config text; `file` names it in errors.
pub fn parse_config(text: &str, file: &str) -> Result<Config, ConfigError> {
    let error = |key: Option<String>, line: Option<usize>, message: String| ConfigError {
        file: file.to_string(),
        key,
        line,
        message,
    };
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let de = toml::Deserializer::parse(text).map_err(|e| {
        error(
            None,
            e.span().map(|s| line_of(s.start)),
            e.message().to_string(),
        )
    })?;
    let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        error(
            (key != ".").then_some(key),
            inner.span().map(|s| line_of(s.start)),
            inner.message().to_string(),
        )
    })?;
    validate(&config).map_err(|(key, message)| error(Some(key), None, message))?;
    Ok(config)
}

type Invalid = (String, String);

fn invalid(key: &str, message: impl Into<String>) -> Invalid {
    (key.to_string(), message.into())
}

fn one_of(key: &str, value: &str, allowed: &[&str]) -> Result<(), Invalid> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("`{value}` is not one of {}", quoted(allowed)),
        ))
    }
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn shares(key: &str, values: &[f64], len: usize) -> Result<(), Invalid> {
    if values.len() != len {
        return Err(invalid(key, format!("give exactly {len} values")));
    }
    if values.iter().any(|v| !(0.0..=1.0).contains(v)) || values.windows(2).any(|w| w[0] > w[1]) {
        return Err(invalid(
            key,
            "give shares between 0 and 1 in ascending order, e.g. [0.2, 0.5]",
        ));
    }
    Ok(())
}

fn ascending(key: &str, values: &[f64]) -> Result<(), Invalid> {
    if values.iter().any(|v| !v.is_finite()) || values.windows(2).any(|w| w[0] >= w[1]) {
        return Err(invalid(
            key,
            "give finite numbers in strictly ascending order",
        ));
    }
    Ok(())
}

fn label_codes(key: &str, labels: &Labels, catalogue: &[LabelRow]) -> Result<(), Invalid> {
    for code in labels.keys() {
        if !catalogue.iter().any(|(c, _, _)| c == code) {
            let known: Vec<&str> = catalogue.iter().map(|(c, _, _)| *c).collect();
            return Err(invalid(
                &format!("{key}.{code}"),
                format!("no such label; the labels are {}", quoted(&known)),
            ));
        }
    }
    Ok(())
}

fn validate(c: &Config) -> Result<(), Invalid> {
    for (i, s) in c.sources.iter().enumerate() {
        let key = |k: &str| format!("sources[{i}].{k}");
        if let Some(kind) = &s.kind {
            one_of(
                &key("kind"),
                kind,
                &["transactions", "customers", "feedback"],
            )?;
        }
        if let Some(d) = &s.duplicates {
            one_of(&key("duplicates"), d, &["auto", "quarantine", "keep"])?;
        }
    }
    let run = &c.run;
    if run.as_of != "auto" && chrono::NaiveDate::parse_from_str(&run.as_of, "%Y-%m-%d").is_err() {
        return Err(invalid(
            "run.as_of",
            format!(
                "`{}`: write \"auto\" or a date like \"2011-12-10\"",
                run.as_of
            ),
        ));
    }
    one_of("run.time_unit", &run.time_unit, &["days", "weeks"])?;
    if run.trend_days == 0 {
        return Err(invalid("run.trend_days", "give a number of days above 0"));
    }
    for f in &run.formats {
        one_of("run.formats", f, &["csv", "xlsx", "parquet"])?;
    }
    for name in c.features.keys() {
        if !is_identifier(name) {
            return Err(invalid(
                &format!("features.{name}"),
                "a feature name uses lowercase letters, digits and _ and starts with a letter",
            ));
        }
    }
    one_of("rfm.method", &c.rfm.method, &["quantile", "bins"])?;
    for (key, edges) in [
        ("rfm.r_edges", &c.rfm.r_edges),
        ("rfm.f_edges", &c.rfm.f_edges),
        ("rfm.m_edges", &c.rfm.m_edges),
    ] {
        ascending(key, edges)?;
        if edges.len() != 4 {
            return Err(invalid(key, "give 4 edges (5 scores)"));
        }
    }
    let s = &c.schemes;
    one_of(
        "schemes.value_tier.method",
        &s.value_tier.method,
        &["rank", "revenue_share", "thresholds"],
    )?;
    if s.value_tier.method == "thresholds" {
        let cuts = &s.value_tier.cuts;
        if cuts.len() != 2 || cuts[0] < cuts[1] {
            return Err(invalid(
                "schemes.value_tier.cuts",
                "with method = \"thresholds\" give [high_from, mid_from], high_from ≥ mid_from",
            ));
        }
    } else {
        shares("schemes.value_tier.cuts", &s.value_tier.cuts, 2)?;
    }
    shares("schemes.abc.shares", &s.abc.shares, 2)?;
    shares("schemes.capacity.cuts", &s.capacity.cuts, 2)?;
    ascending(
        "schemes.price_sensitivity.edges",
        &s.price_sensitivity.edges,
    )?;
    if s.price_sensitivity.edges.len() != 2 {
        return Err(invalid("schemes.price_sensitivity.edges", "give 2 edges"));
    }
    ascending("schemes.age_band.edges", &s.age_band.edges)?;
    if !(0.0..=1.0).contains(&s.key_customer.revenue_share) {
        return Err(invalid(
            "schemes.key_customer.revenue_share",
            "give a share between 0 and 1",
        ));
    }
    let p = &c.predict;
    one_of("predict.model", &p.model, super::PURCHASE_MODELS)?;
    if p.horizons_days.is_empty() || p.horizons_days.contains(&0) {
        return Err(invalid(
            "predict.horizons_days",
            "give at least one horizon, each at least 1 day",
        ));
    }
    if !(0.0..1.0).contains(&p.discount_rate) {
        return Err(invalid(
            "predict.discount_rate",
            "give a monthly rate in [0, 1)",
        ));
    }
    shares("predict.churn_risk_alive", &p.churn_risk_alive, 2)?;
    shares("predict.clv_tier_cuts", &p.clv_tier_cuts, 2)?;
    if p.holdout_days == 0 {
        return Err(invalid("predict.holdout_days", "give at least 1 day"));
    }
    validate_learning(c)?;
    validate_playbook(c)?;
    if s.nps.passive_from > s.nps.promoter_from {
        return Err(invalid(
            "schemes.nps.passive_from",
            "must not be above promoter_from",
        ));
    }
    for (key, labels, rows) in [
        (
            "schemes.value_tier.labels",
            &s.value_tier.labels,
            catalogue::VALUE_TIER,
        ),
        ("schemes.abc.labels", &s.abc.labels, catalogue::ABC),
        (
            "schemes.churn_risk.labels",
            &s.churn_risk.labels,
            catalogue::CHURN_RISK,
        ),
        (
            "schemes.clv_tier.labels",
            &s.clv_tier.labels,
            catalogue::CLV_TIER,
        ),
        ("schemes.rfm8.labels", &s.rfm8.labels, catalogue::RFM8),
        (
            "schemes.lifecycle.labels",
            &s.lifecycle.labels,
            catalogue::LIFECYCLE,
        ),
        (
            "schemes.frequency_class.labels",
            &s.frequency_class.labels,
            catalogue::FREQUENCY_CLASS,
        ),
        (
            "schemes.capacity.labels",
            &s.capacity.labels,
            catalogue::CAPACITY,
        ),
        (
            "schemes.price_sensitivity.labels",
            &s.price_sensitivity.labels,
            catalogue::PRICE_SENSITIVITY,
        ),
        (
            "schemes.satisfaction.labels",
            &s.satisfaction.labels,
            catalogue::SATISFACTION,
        ),
        ("schemes.nps.labels", &s.nps.labels, catalogue::NPS),
        (
            "schemes.key_customer.labels",
            &s.key_customer.labels,
            catalogue::KEY_CUSTOMER,
        ),
        (
            "schemes.value_matrix.labels",
            &s.value_matrix.labels,
            catalogue::VALUE_MATRIX,
        ),
    ] {
        label_codes(key, labels, rows)?;
    }
    for (key, segments) in [
        ("schemes.rfm_segment.segments", &s.rfm_segment.segments),
        ("schemes.rfm_grid.segments", &s.rfm_grid.segments),
    ] {
        let mut seen = std::collections::BTreeSet::new();
        for (i, seg) in segments.iter().enumerate() {
            if !is_identifier(&seg.code) || !seen.insert(seg.code.as_str()) {
                return Err(invalid(
                    &format!("{key}[{i}].code"),
                    format!("`{}`: codes are unique snake_case identifiers", seg.code),
                ));
            }
            for (axis, r) in [("r", seg.r), ("f", seg.f), ("m", seg.m), ("fm", seg.fm)] {
                if let Some([lo, hi]) = r
                    && (lo > hi || lo < 0.0 || hi > 5.0)
                {
                    return Err(invalid(
                        &format!("{key}[{i}].{axis}"),
                        "write [low, high] with 0 ≤ low ≤ high ≤ 5",
                    ));
                }
            }
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, scheme) in c.custom.iter().enumerate() {
        if !is_identifier(&scheme.id) || !ids.insert(scheme.id.as_str()) {
            return Err(invalid(
                &format!("custom[{i}].id"),
                format!("`{}`: ids are unique snake_case identifiers", scheme.id),
            ));
        }
        if scheme.rules.is_empty() {
            return Err(invalid(
                &format!("custom[{i}].rules"),
                "give at least one rule",
            ));
        }
        let mut codes = std::collections::BTreeSet::new();
        for (j, rule) in scheme.rules.iter().enumerate() {
            if !is_identifier(&rule.code) || !codes.insert(rule.code.as_str()) {
                return Err(invalid(
                    &format!("custom[{i}].rules[{j}].code"),
                    format!("`{}`: codes are unique snake_case identifiers", rule.code),
                ));
            }
        }
    }
    Ok(())
}

/// A snake_case identifier: lowercase ASCII letters, digits and `_`, starting with a letter.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn validate_playbook(c: &Config) -> Result<(), Invalid> {
    let p = &c.playbook;
    one_of("playbook.lists", &p.lists, super::PLAYBOOK_LISTS)?;
    if p.max_actions == 0 {
        return Err(invalid(
            "playbook.max_actions",
            "keep at least 1 action per customer",
        ));
    }
    let mut codes = std::collections::BTreeSet::new();
    for (i, action) in p.actions.iter().enumerate() {
        if !is_identifier(&action.code) || !codes.insert(action.code.as_str()) {
            return Err(invalid(
                &format!("playbook.actions[{i}].code"),
                format!(
                    "`{}`: codes are unique snake_case identifiers (they name actions/<code>.csv)",
                    action.code
                ),
            ));
        }
        if action.targets.is_empty() {
            return Err(invalid(
                &format!("playbook.actions[{i}].targets"),
                "give at least one target, e.g. [\"value_tier:high\"]",
            ));
        }
    }
    Ok(())
}

fn validate_learning(c: &Config) -> Result<(), Invalid> {
    let k = &c.cluster;
    one_of("cluster.transform", &k.transform, super::CLUSTER_TRANSFORMS)?;
    one_of("cluster.algorithm", &k.algorithm, super::CLUSTER_ALGORITHMS)?;
    if k.features.is_empty() {
        return Err(invalid(
            "cluster.features",
            "name at least one numeric feature column",
        ));
    }
    if k.k == 1 {
        return Err(invalid(
            "cluster.k",
            "give 0 (choose automatically) or at least 2",
        ));
    }
    if k.k_range[0] < 2 || k.k_range[1] < k.k_range[0] {
        return Err(invalid(
            "cluster.k_range",
            "give [low, high] with 2 ≤ low ≤ high",
        ));
    }
    if k.starts == 0 || k.max_iterations == 0 {
        return Err(invalid(
            "cluster.starts",
            "starts and max_iterations must be at least 1",
        ));
    }
    if k.silhouette_sample < 10 || k.ward_max_rows < 10 {
        return Err(invalid(
            "cluster.silhouette_sample",
            "samples need at least 10 rows",
        ));
    }
    if !(k.ward_cut_height >= 0.0 && k.ward_cut_height.is_finite()) {
        return Err(invalid(
            "cluster.ward_cut_height",
            "give 0 (cut into k clusters) or a positive height",
        ));
    }
    let t = &c.tree;
    one_of("tree.class_weight", &t.class_weight, super::CLASS_WEIGHTS)?;
    if t.max_depth == 0 || t.min_samples_leaf == 0 {
        return Err(invalid(
            "tree.max_depth",
            "max_depth and min_samples_leaf must be at least 1",
        ));
    }
    if !(0.0..0.9).contains(&t.test_share) {
        return Err(invalid("tree.test_share", "give a share in [0, 0.9)"));
    }
    if t.cv_folds == 1 {
        return Err(invalid(
            "tree.cv_folds",
            "give 0 (no cross-validation) or at least 2 folds",
        ));
    }
    for (i, [a, b]) in c.compare.pairs.iter().enumerate() {
        if a == b {
            return Err(invalid(
                &format!("compare.pairs[{i}]"),
                "compare two different schemes",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_the_default() {
        assert_eq!(parse_config("", "k.toml"), Ok(Config::default()));
    }

    #[test]
    fn unknown_key_names_its_path_and_line() {
        let err = parse_config("[schemes.value_tier]\nmethd = \"rank\"\n", "k.toml")
            .expect_err("unknown key");
        assert_eq!(err.key.as_deref(), Some("schemes.value_tier.methd"));
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("unknown field"), "{}", err.message);
    }

    #[test]
    fn bad_values_name_the_key() {
        let err =
            parse_config("[schemes.abc]\nshares = [0.95, 0.8]\n", "k.toml").expect_err("order");
        assert_eq!(err.key.as_deref(), Some("schemes.abc.shares"));
        let err =
            parse_config("[schemes.rfm8]\nagainst = \"average\"\n", "k.toml").expect_err("against");
        assert_eq!(err.key.as_deref(), Some("schemes.rfm8.against"));
        assert!(err.message.contains("median"), "{}", err.message);
        let err = parse_config("[run]\nas_of = \"10/12/2011\"\n", "k.toml").expect_err("date");
        assert_eq!(err.key.as_deref(), Some("run.as_of"));
        let err = parse_config("[schemes.rfm8.labels.important]\nzh = \"x\"\n", "k.toml")
            .expect_err("label code");
        assert_eq!(err.key.as_deref(), Some("schemes.rfm8.labels.important"));
    }

    #[test]
    fn a_renamed_label_and_a_set_reference_parse() {
        let c = parse_config(
            "[schemes.rfm8]\nagainst = \"median\"\nm_against = 500\n[schemes.rfm8.labels.important_value]\nzh = \"钻石客户\"\n",
            "k.toml",
        )
        .expect("valid");
        assert_eq!(c.schemes.rfm8.against, super::super::Against::Median);
        assert_eq!(
            c.schemes.rfm8.m_against,
            Some(super::super::Against::Value(500.0))
        );
        assert_eq!(
            c.schemes.rfm8.labels["important_value"].zh.as_deref(),
            Some("钻石客户")
        );
    }
}
