//! The data of `report.html`, aggregated from a run: every chart is built from counts and
//! shares, never from per-customer points.

use crate::feature_frame::FeatureFrame;
use crate::run::RunResult;
use kehu_domain::{Lang, Money};
use kehu_report::{ReportData, SchemeBlock};

/// Aggregates a run for the report.
pub(crate) fn report_data(result: &RunResult, frame: &FeatureFrame, lang: Lang) -> ReportData {
    let files = &result.check.report.files;
    let mut reasons: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for import in &result.check.imports {
        for (reason, n) in &import.report.quarantine_reasons {
            *reasons
                .entry(reason.describe(lang).to_string())
                .or_default() += n;
        }
    }
    let mut quarantine_reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    quarantine_reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let orders: f64 = frame
        .numeric("orders")
        .unwrap_or_default()
        .iter()
        .filter(|v| !v.is_nan())
        .sum();
    let (rf_customers, rf_revenue) = rf_grid(frame);
    let schemes = result
        .labellings()
        .iter()
        .map(|l| SchemeBlock {
            id: l.scheme.id.clone(),
            title: format!("{} · {}", l.scheme.title(lang), l.scheme.id),
            labels: result
                .segments
                .iter()
                .filter(|s| s.scheme == l.scheme.id)
                .map(|s| (s.name.clone(), s.customers, s.share, s.revenue_share))
                .collect(),
            notes: l
                .notes
                .iter()
                .take(2)
                .map(|n| lang.pick(&n.en, &n.zh).to_string())
                .collect(),
        })
        .collect();
    let k_choice = result.clustering.as_ref().and_then(|c| c.k_choice.as_ref());
    ReportData {
        as_of: result.as_of.format("%Y-%m-%d").to_string(),
        customers: result.customers as u64,
        revenue: result.revenue,
        orders: orders as u64,
        rows_accepted: files.iter().map(|f| f.import.accepted).sum(),
        rows_quarantined: files.iter().map(|f| f.import.quarantined).sum(),
        inputs: result
            .check
            .imports
            .iter()
            .map(|i| {
                let r = &i.report;
                (
                    r.file.clone(),
                    r.rows_seen,
                    r.accepted,
                    r.quarantined,
                    r.skipped_blank,
                )
            })
            .collect(),
        quarantine_reasons,
        pareto: pareto(frame),
        rf_customers,
        rf_revenue,
        schemes,
        k_sweep: k_choice
            .map(|k| k.candidates.iter().map(|c| (c.0, c.1, c.2)).collect())
            .unwrap_or_default(),
        k_why: k_choice.map(|k| lang.pick(&k.why.en, &k.why.zh).to_string()),
        tree_rules: result
            .tree
            .iter()
            .flat_map(|t| t.rules.iter().map(|r| lang.pick(&r.en, &r.zh).to_string()))
            .collect(),
        tree_accuracy: result.tree.as_ref().map(|t| t.test.accuracy),
        actions: result
            .playbook
            .iter()
            .flat_map(|p| &p.actions)
            .filter(|a| a.listed > 0)
            .map(|a| {
                (
                    lang.pick(&a.en, &a.zh).to_string(),
                    a.channel.clone(),
                    lang.pick(&a.offer_en, &a.offer_zh).to_string(),
                    lang.pick(&a.kpi_en, &a.kpi_zh).to_string(),
                    a.listed as u64,
                    a.revenue,
                    format!("actions/{}.csv", a.code),
                )
            })
            .collect(),
    }
}

/// Cumulative share of net revenue held by the top p% of customers (by revenue), p = 0..=100.
fn pareto(frame: &FeatureFrame) -> Vec<f64> {
    let mut units: Vec<i128> = frame.money_units("revenue").unwrap_or_default();
    let total: i128 = units.iter().filter(|&&u| u > 0).sum();
    if units.is_empty() || total <= 0 {
        return Vec::new();
    }
    units.sort_unstable_by(|a, b| b.cmp(a));
    let n = units.len();
    let mut cumulative = Vec::with_capacity(n + 1);
    let mut running = 0i128;
    cumulative.push(0i128);
    for u in &units {
        running += (*u).max(0);
        cumulative.push(running);
    }
    (0..=100)
        .map(|p| {
            let k = (n * p).div_ceil(100);
            Money::from_units(cumulative[k]).to_f64() / Money::from_units(total).to_f64()
        })
        .collect()
}

/// Customers and share of net revenue by (R score, F score), 5 × 5; empty without scores.
fn rf_grid(frame: &FeatureFrame) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (Some(r), Some(f)) = (frame.numeric("r_score"), frame.numeric("f_score")) else {
        return (Vec::new(), Vec::new());
    };
    let units = frame
        .money_units("revenue")
        .unwrap_or_else(|| vec![0; frame.len()]);
    let total: i128 = units.iter().sum();
    let mut customers = vec![vec![0.0; 5]; 5];
    let mut revenue = vec![vec![0i128; 5]; 5];
    for i in 0..frame.len() {
        let (r, f) = (r[i], f[i]);
        if (1.0..=5.0).contains(&r) && (1.0..=5.0).contains(&f) {
            customers[r as usize - 1][f as usize - 1] += 1.0;
            revenue[r as usize - 1][f as usize - 1] += units[i];
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
                        Money::from_units(u).to_f64() / Money::from_units(total).to_f64()
                    }
                })
                .collect()
        })
        .collect();
    (customers, share)
}
