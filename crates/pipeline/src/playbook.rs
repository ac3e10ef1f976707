//! The strategy playbook applied to a run: each customer's recommended actions from their
//! labels, the primary (most urgent) one, and the contact list of every action.
//!
//! The rule of combination: an action applies when any of its targets holds, a target being
//! one `scheme:label` or several joined by `&` that must all hold. A customer's actions are
//! every applicable one, by priority (lower first), then by their order in the config; the
//! first is the primary action; at most `max_actions` are kept. With `lists = "primary"` each
//! customer is on exactly one list, their primary action's.

use crate::config::PlaybookConfig;
use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::schemes::{SchemeOutcome, done_labellings};
use crate::table::{Cell, Table};
use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field};
use kehu_domain::{Labelling, Lang, Money, Note};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The schemes kehu ships: a target on one that is not in a run (switched off, or its data
/// missing) matches nobody; any other unknown scheme is a mistake in the config.
const SHIPPED_SCHEMES: &[&str] = &[
    "value_tier",
    "abc",
    "rfm_segment",
    "rfm_grid",
    "rfm8",
    "lifecycle",
    "frequency_class",
    "capacity",
    "price_sensitivity",
    "category_preference",
    "satisfaction",
    "nps",
    "key_customer",
    "value_matrix",
    "age_band",
    "gender_group",
    "region_group",
    "churn_risk",
    "clv_tier",
    "cluster",
    "ward_cluster",
    "tree",
];

/// What the playbook did, for run.json, the terminal and the report (and read back from
/// run.json by `kehu diff` for the later run's workbook).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlaybookReport {
    /// Every action, in priority order, with its audience.
    pub actions: Vec<ActionSummary>,
    /// Customers no action applies to.
    pub without_action: usize,
    /// `primary` or `all`.
    pub lists: String,
    /// Targets on schemes that did not run (they match nobody), in both languages.
    pub notes: Vec<Note>,
}

/// One action and who gets it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionSummary {
    pub code: String,
    pub en: String,
    pub zh: String,
    pub priority: u32,
    pub channel: String,
    pub offer_en: String,
    pub offer_zh: String,
    pub kpi_en: String,
    pub kpi_zh: String,
    pub targets: Vec<String>,
    /// Customers for whom it is the primary action.
    pub primary: usize,
    /// Customers it applies to at all.
    pub recommended: usize,
    /// Net revenue of the customers on its list, exact.
    pub revenue: Money,
    /// Customers on `actions/<code>.csv`.
    pub listed: usize,
}

/// One condition: the customer's label in a scheme.
#[derive(Debug, Clone, Copy)]
struct Condition {
    scheme: usize,
    label: u32,
}

/// Per customer: the applicable actions (indices into the priority-ordered actions) and, for
/// each, the target that matched.
#[derive(Debug, Clone)]
pub(crate) struct Recommendations {
    pub per_customer: Vec<Vec<(usize, usize)>>,
    /// Action indices in priority order.
    order: Vec<usize>,
}

/// Applies the playbook to the labellings of a run.
pub(crate) fn recommend(
    frame: &FeatureFrame,
    outcomes: &[SchemeOutcome],
    c: &PlaybookConfig,
) -> Result<(Recommendations, PlaybookReport), PipelineError> {
    let done = done_labellings(outcomes);
    let mut notes = Vec::new();
    // Parse every target; `None` = it names a scheme that was skipped in this run.
    let mut parsed: Vec<Vec<Option<Vec<Condition>>>> = Vec::with_capacity(c.actions.len());
    for (a, action) in c.actions.iter().enumerate() {
        let mut targets = Vec::new();
        for (t, target) in action.targets.iter().enumerate() {
            let key = format!("playbook.actions[{a}].targets[{t}]");
            let mut conditions = Some(Vec::new());
            for part in target.split('&').map(str::trim) {
                let Some((scheme, label)) = part.split_once(':').map(|(s, l)| (s.trim(), l.trim()))
                else {
                    return Err(PipelineError::Input(format!(
                        "kehu.toml {key}: `{part}` — write scheme:label, e.g. value_tier:high"
                    )));
                };
                match done.iter().position(|l| l.scheme.id == scheme) {
                    Some(s) => {
                        let labels = &done[s].labels;
                        let Some(l) = labels.iter().position(|x| x.code == label) else {
                            let known: Vec<&str> = labels.iter().map(|x| x.code.as_str()).collect();
                            return Err(PipelineError::Input(format!(
                                "kehu.toml {key}: scheme `{scheme}` has no label `{label}`; its labels are {}",
                                known.join(", ")
                            )));
                        };
                        if let Some(list) = conditions.as_mut() {
                            list.push(Condition { scheme: s, label: l as u32 });
                        }
                    }
                    None if SHIPPED_SCHEMES.contains(&scheme)
                        || outcomes
                            .iter()
                            .any(|o| matches!(o, SchemeOutcome::Skipped { scheme: info, .. } if info.id == scheme)) =>
                    {
                        conditions = None;
                    }
                    None => {
                        let known: Vec<&str> = done.iter().map(|l| l.scheme.id.as_str()).collect();
                        return Err(PipelineError::Input(format!(
                            "kehu.toml {key}: no scheme `{scheme}` in this run; the schemes are {}",
                            known.join(", ")
                        )));
                    }
                }
            }
            if conditions.is_none() {
                notes.push(Note::new(
                    format!(
                        "{}: target `{target}` matches nobody (its scheme did not run)",
                        action.code
                    ),
                    format!(
                        "{}：目标 `{target}` 无人匹配（其方案本次未运行）",
                        action.code
                    ),
                ));
            }
            targets.push(conditions);
        }
        parsed.push(targets);
    }
    let mut order: Vec<usize> = (0..c.actions.len()).collect();
    order.sort_by_key(|&a| (c.actions[a].priority, a));
    let n = frame.len();
    let mut per_customer = vec![Vec::new(); n];
    for (i, slot) in per_customer.iter_mut().enumerate() {
        for (rank, &a) in order.iter().enumerate() {
            let hit = parsed[a].iter().position(|target| {
                target.as_ref().is_some_and(|conditions| {
                    conditions
                        .iter()
                        .all(|cond| done[cond.scheme].assigned[i] == cond.label)
                })
            });
            if let Some(t) = hit {
                slot.push((rank, t));
                if slot.len() == c.max_actions.max(1) {
                    break;
                }
            }
        }
    }
    let recommendations = Recommendations {
        per_customer,
        order,
    };
    let units = frame.money_units("revenue").unwrap_or_else(|| vec![0; n]);
    let actions = recommendations
        .order
        .iter()
        .enumerate()
        .map(|(rank, &a)| {
            let spec = &c.actions[a];
            let listed_rows = recommendations.listed(rank, c);
            ActionSummary {
                code: spec.code.clone(),
                en: spec.en.clone(),
                zh: spec.zh.clone(),
                priority: spec.priority,
                channel: spec.channel.clone(),
                offer_en: spec.offer_en.clone(),
                offer_zh: spec.offer_zh.clone(),
                kpi_en: spec.kpi_en.clone(),
                kpi_zh: spec.kpi_zh.clone(),
                targets: spec.targets.clone(),
                primary: recommendations
                    .per_customer
                    .iter()
                    .filter(|r| r.first().is_some_and(|x| x.0 == rank))
                    .count(),
                recommended: recommendations
                    .per_customer
                    .iter()
                    .filter(|r| r.iter().any(|x| x.0 == rank))
                    .count(),
                revenue: Money::from_units(listed_rows.iter().map(|&i| units[i]).sum()),
                listed: listed_rows.len(),
            }
        })
        .collect();
    let without_action = recommendations
        .per_customer
        .iter()
        .filter(|r| r.is_empty())
        .count();
    let report = PlaybookReport {
        actions,
        without_action,
        lists: c.lists.clone(),
        notes,
    };
    Ok((recommendations, report))
}

impl Recommendations {
    /// Rows on the list of the action at `rank`.
    fn listed(&self, rank: usize, c: &PlaybookConfig) -> Vec<usize> {
        self.per_customer
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                if c.lists == "all" {
                    r.iter().any(|x| x.0 == rank)
                } else {
                    r.first().is_some_and(|x| x.0 == rank)
                }
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// `primary_action` and `actions` (codes joined by `;`) for customers.parquet.
    pub(crate) fn columns(&self, report: &PlaybookReport) -> Vec<(Field, ArrayRef)> {
        let code = |rank: usize| report.actions[rank].code.as_str();
        let primary: StringArray = self
            .per_customer
            .iter()
            .map(|r| r.first().map(|x| code(x.0)))
            .collect();
        let all: StringArray = self
            .per_customer
            .iter()
            .map(|r| {
                (!r.is_empty()).then(|| r.iter().map(|x| code(x.0)).collect::<Vec<_>>().join(";"))
            })
            .collect();
        vec![
            (
                Field::new("primary_action", DataType::Utf8, true),
                Arc::new(primary) as ArrayRef,
            ),
            (
                Field::new("actions", DataType::Utf8, true),
                Arc::new(all) as ArrayRef,
            ),
        ]
    }
}

/// The contact list of every action, in priority order: who, how to reach them, why, and what
/// they are worth, the most valuable first. The customer columns are read once for all lists.
pub(crate) fn action_lists(
    frame: &FeatureFrame,
    outcomes: &[SchemeOutcome],
    c: &PlaybookConfig,
    recommendations: &Recommendations,
    report: &PlaybookReport,
    lang: Lang,
) -> Vec<Table> {
    let n = frame.len();
    let text = |name: &str| frame.text(name).filter(|_| frame.has_values(name));
    let ids = frame.text("customer_id").unwrap_or_else(|| vec![None; n]);
    let contact: Vec<(&str, Vec<Option<String>>)> = ["name", "phone", "owner", "city"]
        .into_iter()
        .filter_map(|f| text(f).map(|v| (f, v)))
        .collect();
    let revenue = frame.money_units("revenue").unwrap_or_else(|| vec![0; n]);
    let clv = frame.numeric("clv").filter(|_| frame.has_values("clv"));
    let p_alive = frame
        .numeric("p_alive")
        .filter(|_| frame.has_values("p_alive"));
    let recency = frame
        .numeric("recency_days")
        .unwrap_or_else(|| vec![f64::NAN; n]);
    let last_order = frame.text("last_order").unwrap_or_else(|| vec![None; n]);
    let done = done_labellings(outcomes);
    // One list per action, built on all cores (at 1M customers the lists took 5 s in a row);
    // `collect` keeps the actions' order.
    (0..report.actions.len())
        .into_par_iter()
        .map(|rank| {
            let action_index = recommendations.order[rank];
            let spec = &c.actions[action_index];
            // In customer order, so that the columns are read front to back: in the list's
            // order every row was a cache miss in each column (~3.4 µs a row at 1M customers).
            let rows = recommendations.listed(rank, c);
            let mut built: Vec<(usize, Vec<Cell>)> = Vec::with_capacity(rows.len());
            let mut header = vec!["customer_id".to_string()];
            header.extend(contact.iter().map(|(field, _)| field.to_string()));
            header.extend(
                [
                    "action",
                    "action_name",
                    "channel",
                    "segment",
                    "reason",
                    "revenue",
                ]
                .map(String::from),
            );
            if clv.is_some() {
                header.extend(["clv", "p_alive"].map(String::from));
            }
            header.extend(["recency_days", "last_order", "other_actions"].map(String::from));
            let mut table = Table {
                header,
                rows: Vec::new(),
            };
            // The action's own texts are on every row, and segment and reason depend on the
            // target and the labels only: each is made once and shared (a `String` per cell
            // took ~3.4 µs a row on the 487k-row win-back list of 1M customers).
            let shared = |t: &str| Cell::Shared(Arc::from(t));
            let action = [
                shared(&spec.code),
                shared(lang.pick(&spec.en, &spec.zh)),
                shared(&spec.channel),
            ];
            let schemes: Vec<Vec<&Labelling>> = spec
                .targets
                .iter()
                .map(|t| target_schemes(t, &done))
                .collect();
            let mut worded: HashMap<(usize, Vec<u32>), [Cell; 2]> = HashMap::new();
            for i in rows {
                let Some(target) = recommendations.per_customer[i]
                    .iter()
                    .find(|x| x.0 == rank)
                    .map(|x| x.1)
                else {
                    continue;
                };
                let labels: Vec<u32> = schemes[target].iter().map(|l| l.assigned[i]).collect();
                let [segment, reason] = worded
                    .entry((target, labels))
                    .or_insert_with(|| {
                        let (segment, reason) = describe(&schemes[target], i, lang);
                        [shared(&segment), shared(&reason)]
                    })
                    .clone();
                let mut row = vec![Cell::text(ids[i].as_deref().unwrap_or_default())];
                row.extend(
                    contact
                        .iter()
                        .map(|(_, values)| Cell::text(values[i].as_deref().unwrap_or_default())),
                );
                let others: Vec<&str> = recommendations.per_customer[i]
                    .iter()
                    .filter(|x| x.0 != rank)
                    .map(|x| report.actions[x.0].code.as_str())
                    .collect();
                row.extend(action.iter().cloned());
                row.extend([segment, reason, Cell::Money(Money::from_units(revenue[i]))]);
                if let Some(clv) = &clv {
                    row.push(Cell::number(clv[i]));
                    row.push(p_alive.as_ref().map_or(Cell::Empty, |p| Cell::number(p[i])));
                }
                row.extend([
                    Cell::number(recency[i]),
                    Cell::text(
                        last_order[i]
                            .as_deref()
                            .unwrap_or_default()
                            .replace('T', " "),
                    ),
                    Cell::text(others.join(";")),
                ]);
                built.push((i, row));
            }
            // The most valuable first: predicted CLV when there is one, else net revenue.
            let key = |i: usize| {
                clv.as_ref().map_or(revenue[i] as f64, |v| {
                    if v[i].is_nan() { f64::MIN } else { v[i] }
                })
            };
            built.sort_by(|(a, _), (b, _)| key(*b).total_cmp(&key(*a)).then(ids[*a].cmp(&ids[*b])));
            table.rows = built.into_iter().map(|(_, row)| row).collect();
            table
        })
        .collect()
}

/// The labellings a target names (`value_tier:high & churn_risk:high`), of the schemes that ran.
fn target_schemes<'a>(target: &str, done: &[&'a Labelling]) -> Vec<&'a Labelling> {
    target
        .split('&')
        .filter_map(|part| {
            let scheme = part.split(':').next().unwrap_or_default().trim();
            done.iter().find(|l| l.scheme.id == scheme).copied()
        })
        .collect()
}

/// Row `row`'s labels under a target's schemes as label codes (`value_tier=high;
/// churn_risk=high`) and as names in the user's language (`Value tier: High value · Churn
/// risk: High churn risk`).
fn describe(schemes: &[&Labelling], row: usize, lang: Lang) -> (String, String) {
    let mut codes = Vec::new();
    let mut names = Vec::new();
    for l in schemes {
        let label = &l.labels[l.assigned[row] as usize];
        codes.push(format!("{}={}", l.scheme.id, label.code));
        names.push(format!("{}: {}", l.scheme.title(lang), label.name(lang)));
    }
    (codes.join("; "), names.join(" · "))
}
