//! The data of `report.html`, from what a run directory holds — `run.json` and the customer
//! table — so `kehu run` and `kehu report RUN` build the same page. Every chart is aggregated
//! (counts, shares, bins), never drawn per customer.

use crate::feature_frame::FeatureFrame;
use crate::snapshot::Snapshot;
use kehu_domain::{Lang, Money, Reason};
use kehu_report::{MigrationBlock, ReportData, SchemeBlock, TrackingCurve};
use serde_json::Value;
use std::collections::HashMap;

/// Bins of the CLV and P(alive) histograms.
const BINS: usize = 20;

/// The schemes whose migration the report draws, in this order, when the runs have them:
/// the ordered tiers, the Chinese 8 classes, the named RFM segments and the lifecycle.
const MIGRATION_SCHEMES: &[&str] = &["value_tier", "clv_tier", "rfm8", "rfm_segment", "lifecycle"];

/// The report of a run directory (`kehu report RUN`), with the migration since the earlier
/// snapshot when the directory holds one (`migration/diff.json`, from `kehu diff` or
/// `kehu run --compare-as-of`).
pub fn report_of_run(snapshot: &Snapshot, lang: Lang) -> String {
    let mut data = report_data(snapshot.record(), &snapshot.frame, lang);
    let diff: Option<Value> = std::fs::read_to_string(snapshot.dir.join("migration/diff.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    data.migrations = diff
        .as_ref()
        .map(|d| {
            MIGRATION_SCHEMES
                .iter()
                .filter_map(|scheme| migration_block(d, scheme, lang))
                .collect()
        })
        .unwrap_or_default();
    kehu_report::render_html(&data, lang)
}

/// One scheme of a diff.json as the report draws it.
fn migration_block(diff: &Value, scheme: &str, lang: Lang) -> Option<MigrationBlock> {
    let m = diff["migrations"]
        .as_array()?
        .iter()
        .find(|m| m["scheme"] == scheme)?;
    let names = |key: &str| -> Vec<String> {
        m[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                l[if lang == Lang::Zh { 2 } else { 1 }]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let (from_labels, to_labels) = (names("rows"), names("columns"));
    let columns = to_labels.len();
    let flows = m["customers"]
        .as_array()?
        .iter()
        .enumerate()
        .filter_map(|(cell, n)| {
            n.as_u64()
                .filter(|&n| n > 0)
                .map(|n| (cell / columns, cell % columns, n))
        })
        .collect();
    let count = |v: &Value| v.as_u64().unwrap_or(0);
    Some(MigrationBlock {
        title: m[if lang == Lang::Zh { "zh" } else { "en" }]
            .as_str()
            .unwrap_or(scheme)
            .to_string(),
        from_as_of: diff["from_as_of"].as_str().unwrap_or_default().to_string(),
        from_labels,
        to_labels,
        flows,
        counts: (
            count(&m["stayed"]),
            count(&m["upgraded"]),
            count(&m["downgraded"]),
            count(&diff["new"]),
            count(&diff["lost"]),
        ),
        ordered: m["ordered"].as_bool().unwrap_or(false),
        changed: count(&m["changed"]),
    })
}

/// Aggregates a run's record and customer table for the report.
pub(crate) fn report_data(record: &Value, frame: &FeatureFrame, lang: Lang) -> ReportData {
    let pick = |v: &Value| -> String {
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        if lang == Lang::Zh {
            text("zh")
        } else {
            text("en")
        }
    };
    let number = |v: &Value| v.as_u64().unwrap_or(0);
    let inputs = record["inputs"].as_array().cloned().unwrap_or_default();
    let mut reasons: HashMap<String, u64> = HashMap::new();
    for input in &inputs {
        for (code, n) in input["quarantine_reasons"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let name = Reason::from_code(code)
                .map_or_else(|| code.clone(), |r| r.describe(lang).to_string());
            *reasons.entry(name).or_default() += number(n);
        }
    }
    let mut quarantine_reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    quarantine_reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let customers = number(&record["customers"]);
    let units = frame
        .money_units("revenue")
        .unwrap_or_else(|| vec![0; frame.len()]);
    let total_units: i128 = units.iter().sum();
    let share_of = |u: i128| {
        if total_units == 0 {
            0.0
        } else {
            u as f64 / total_units as f64
        }
    };
    let schemes: Vec<SchemeBlock> = record["schemes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["status"] == "done")
        .filter_map(|s| {
            let id = s["id"].as_str()?;
            let codes = frame.text(id)?;
            let mut revenue: HashMap<&str, i128> = HashMap::new();
            for (code, u) in codes.iter().zip(&units) {
                *revenue
                    .entry(code.as_deref().unwrap_or("none"))
                    .or_default() += u;
            }
            let labels = s["labels"]
                .as_array()?
                .iter()
                .map(|l| {
                    let n = number(&l["customers"]);
                    let code = l["code"].as_str().unwrap_or_default();
                    (
                        pick(l),
                        n,
                        n as f64 / customers.max(1) as f64,
                        share_of(revenue.get(code).copied().unwrap_or(0)),
                    )
                })
                .collect();
            Some(SchemeBlock {
                id: id.to_string(),
                title: format!("{} · {id}", pick(s)),
                labels,
                notes: s["notes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(2)
                    .map(pick)
                    .collect(),
            })
        })
        .collect();
    let (rf_customers, rf_revenue) = rf_grid(frame, &units, total_units);
    let scheme_labels = |id: &str| -> Vec<(String, u64, f64)> {
        schemes_of(&schemes, id)
            .map(|s| {
                s.labels
                    .iter()
                    .filter(|l| l.1 > 0 && !l.0.is_empty())
                    .map(|l| (l.0.clone(), l.1, l.3))
                    .collect()
            })
            .unwrap_or_default()
    };
    let segment_map = scheme_labels("rfm_segment");
    let lifecycle: Vec<(String, u64)> = scheme_labels("lifecycle")
        .into_iter()
        .map(|(name, n, _)| (name, n))
        .collect();
    let ward = &record["clustering"]["ward"];
    let dendrogram: Vec<(usize, usize, f64, usize)> = ward["top_merges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some((
                m["left"].as_u64()? as usize,
                m["right"].as_u64()? as usize,
                m["height"].as_f64()?,
                m["size"].as_u64()? as usize,
            ))
        })
        .collect();
    let k_choice = &record["clustering"]["k_choice"];
    let tree = &record["tree"];
    ReportData {
        as_of: record["as_of"].as_str().unwrap_or_default().to_string(),
        currency: inputs
            .iter()
            .filter(|i| i["kind"] == "transactions")
            .find_map(|i| i["currency"].as_str())
            .unwrap_or_default()
            .to_string(),
        customers,
        revenue: Money::from_units(total_units),
        orders: frame
            .numeric("orders")
            .unwrap_or_default()
            .iter()
            .filter(|v| !v.is_nan())
            .sum::<f64>() as u64,
        rows_accepted: inputs.iter().map(|i| number(&i["accepted"])).sum(),
        rows_quarantined: inputs.iter().map(|i| number(&i["quarantined"])).sum(),
        inputs: inputs
            .iter()
            .map(|i| {
                (
                    i["file"].as_str().unwrap_or_default().to_string(),
                    number(&i["rows_seen"]),
                    number(&i["accepted"]),
                    number(&i["quarantined"]),
                    number(&i["skipped_blank"]),
                )
            })
            .collect(),
        quarantine_reasons,
        pareto: pareto(&units),
        rf_customers,
        rf_revenue,
        schemes,
        k_sweep: k_choice["candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c[0].as_u64()? as usize, c[1].as_f64()?, c[2].as_f64())))
            .collect(),
        k_why: k_choice.get("why").map(pick),
        cluster_features: record["clustering"]["features"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(String::from))
            .collect(),
        cluster_profiles: record["clustering"]["clusters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let closest = [&c["value_tier"], &c["rfm_segment"]]
                    .iter()
                    .map(|v| v.as_str().unwrap_or("-").to_string())
                    .collect::<Vec<_>>()
                    .join(" · ");
                (
                    pick(c),
                    number(&c["customers"]),
                    c["share"].as_f64().unwrap_or(0.0),
                    c["means"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_f64)
                        .collect(),
                    closest,
                )
            })
            .collect(),
        tree_rules: tree["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(pick)
            .collect(),
        tree_accuracy: tree["test"]["accuracy"].as_f64(),
        actions: record["playbook"]["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| number(&a["listed"]) > 0)
            .map(|a| {
                let text = |en: &str, zh: &str| {
                    a[if lang == Lang::Zh { zh } else { en }]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                };
                (
                    pick(a),
                    text("channel", "channel"),
                    text("offer_en", "offer_zh"),
                    text("kpi_en", "kpi_zh"),
                    number(&a["listed"]),
                    Money::parse_decimal(a["revenue"].as_str().unwrap_or("0"))
                        .map_or(Money::from_units(0), |(m, _)| m),
                    format!("actions/{}.csv", a["code"].as_str().unwrap_or_default()),
                )
            })
            .collect(),
        segment_map,
        lifecycle,
        nps_classes: nps_names(record, lang),
        nps_by_tier: nps_by_tier(record, frame, lang),
        migrations: Vec::new(),
        tracking: tracking(&record["backtest_tracking"]),
        dendrogram,
        dendrogram_first: number(&ward["first_merge"]) as usize,
        dendrogram_rows: number(&ward["rows_in_tree"]) as usize,
        dendrogram_cut: ward["cut_height"].as_f64().unwrap_or(0.0),
        clv_histogram: histogram(
            frame.numeric("clv").filter(|_| frame.has_values("clv")),
            None,
        ),
        p_alive_histogram: histogram(
            frame
                .numeric("p_alive")
                .filter(|_| frame.has_values("p_alive")),
            Some((0.0, 1.0)),
        ),
    }
}

/// The names of the NPS classes that have a meaning (not `none`), in catalogue order.
fn nps_names(record: &Value, lang: Lang) -> Vec<String> {
    scheme_label_rows(record, "nps")
        .into_iter()
        .filter(|(code, _, _)| code != "none")
        .map(|(_, en, zh)| if lang == Lang::Zh { zh } else { en })
        .collect()
}

/// (code, en, zh) of a scheme's labels in run.json.
fn scheme_label_rows(record: &Value, id: &str) -> Vec<(String, String, String)> {
    record["schemes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["id"] == id && s["status"] == "done")
        .and_then(|s| s["labels"].as_array())
        .into_iter()
        .flatten()
        .map(|l| {
            let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (text("code"), text("en"), text("zh"))
        })
        .collect()
}

/// For each value tier, the share of each NPS class among its customers who answered.
fn nps_by_tier(record: &Value, frame: &FeatureFrame, lang: Lang) -> Vec<(String, Vec<f64>)> {
    let (Some(nps), Some(tiers)) = (frame.text("nps"), frame.text("value_tier")) else {
        return Vec::new();
    };
    let classes: Vec<String> = scheme_label_rows(record, "nps")
        .into_iter()
        .map(|(code, _, _)| code)
        .filter(|c| c != "none")
        .collect();
    scheme_label_rows(record, "value_tier")
        .into_iter()
        .filter(|(code, _, _)| code != "none")
        .filter_map(|(tier, en, zh)| {
            let mut counts = vec![0u64; classes.len()];
            for (t, n) in tiers.iter().zip(&nps) {
                if t.as_deref() == Some(tier.as_str())
                    && let Some(k) = n
                        .as_deref()
                        .and_then(|n| classes.iter().position(|c| c == n))
                {
                    counts[k] += 1;
                }
            }
            let answered: u64 = counts.iter().sum();
            (answered > 0).then(|| {
                (
                    if lang == Lang::Zh { zh } else { en },
                    counts.iter().map(|&c| c as f64 / answered as f64).collect(),
                )
            })
        })
        .collect()
}

/// The holdout tracking curve of run.json, when the run chose its model by a backtest.
fn tracking(t: &Value) -> Option<TrackingCurve> {
    let floats = |k: &str| -> Vec<f64> {
        t[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect()
    };
    let (days, actual, predicted) = (floats("days"), floats("actual"), floats("predicted"));
    (!days.is_empty() && days.len() == actual.len() && days.len() == predicted.len()).then(|| {
        (
            t["model"].as_str().unwrap_or_default().to_string(),
            t["calibration_end"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            days.into_iter()
                .zip(actual)
                .zip(predicted)
                .map(|((d, a), p)| (d, a, p))
                .collect(),
        )
    })
}

/// The block of scheme `id`.
fn schemes_of<'a>(schemes: &'a [SchemeBlock], id: &str) -> Option<&'a SchemeBlock> {
    schemes.iter().find(|s| s.id == id)
}

/// Cumulative share of net revenue held by the top p% of customers (by revenue), p = 0..=100.
fn pareto(units: &[i128]) -> Vec<f64> {
    let mut sorted: Vec<i128> = units.iter().map(|&u| u.max(0)).collect();
    let total: i128 = sorted.iter().sum();
    if sorted.is_empty() || total <= 0 {
        return Vec::new();
    }
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let n = sorted.len();
    let mut cumulative = Vec::with_capacity(n + 1);
    let mut running = 0i128;
    cumulative.push(0i128);
    for u in &sorted {
        running += u;
        cumulative.push(running);
    }
    (0..=100)
        .map(|p| cumulative[(n * p).div_ceil(100)] as f64 / total as f64)
        .collect()
}

/// Customers and share of net revenue by (R score, F score), 5 × 5; empty without scores.
fn rf_grid(frame: &FeatureFrame, units: &[i128], total: i128) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (Some(r), Some(f)) = (frame.numeric("r_score"), frame.numeric("f_score")) else {
        return (Vec::new(), Vec::new());
    };
    let mut customers = vec![vec![0.0; 5]; 5];
    let mut revenue = vec![vec![0i128; 5]; 5];
    for i in 0..frame.len() {
        if (1.0..=5.0).contains(&r[i]) && (1.0..=5.0).contains(&f[i]) {
            customers[r[i] as usize - 1][f[i] as usize - 1] += 1.0;
            revenue[r[i] as usize - 1][f[i] as usize - 1] += units[i];
        }
    }
    let share = revenue
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|u| {
                    if total == 0 {
                        0.0
                    } else {
                        u as f64 / total as f64
                    }
                })
                .collect()
        })
        .collect();
    (customers, share)
}

/// Counts in `BINS` equal bins over `range` (default: from 0, or the minimum when below, to
/// the 99th percentile, so one outlier does not squash the rest; the last bin takes everything
/// above, its end infinite): (bin start, bin end, customers).
fn histogram(values: Option<Vec<f64>>, range: Option<(f64, f64)>) -> Vec<(f64, f64, u64)> {
    let Some(values) = values else {
        return Vec::new();
    };
    let mut finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Vec::new();
    }
    finite.sort_by(f64::total_cmp);
    let (low, high) = range.unwrap_or_else(|| {
        let p99 = finite[(finite.len() - 1) * 99 / 100];
        (finite[0].min(0.0), p99)
    });
    let width = if high > low {
        (high - low) / BINS as f64
    } else {
        1.0
    };
    let mut counts = vec![0u64; BINS];
    for v in finite {
        let bin = (((v - low) / width).floor().max(0.0) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let open_ended = range.is_none();
    counts
        .into_iter()
        .enumerate()
        .map(|(b, n)| {
            let to = if open_ended && b == BINS - 1 {
                f64::INFINITY
            } else {
                low + width * (b + 1) as f64
            };
            (low + width * b as f64, to, n)
        })
        .collect()
}
