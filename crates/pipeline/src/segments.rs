//! The segment table: per scheme and label, customers, revenue (exact) and mean features.

use crate::feature_frame::FeatureFrame;
use kehu_domain::{Labelling, Lang, Money};

/// One row of `segments.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    /// Scheme id (its column in `customers.parquet`).
    pub scheme: String,
    /// Label code.
    pub label: String,
    /// Label name in the run's language.
    pub name: String,
    /// Customers with the label.
    pub customers: u64,
    /// Their share of all customers.
    pub share: f64,
    /// Their net revenue, exact.
    pub revenue: Money,
    /// Their share of the total net revenue.
    pub revenue_share: f64,
    /// Mean days since the last order (buyers only).
    pub mean_recency_days: Option<f64>,
    /// Mean orders.
    pub mean_orders: Option<f64>,
    /// Mean net revenue.
    pub mean_revenue: Option<f64>,
    /// Mean average order value (buyers only).
    pub mean_aov: Option<f64>,
    /// Mean predicted CLV (when predictions ran).
    pub mean_clv: Option<f64>,
    /// Mean predicted P(alive) (when predictions ran).
    pub mean_p_alive: Option<f64>,
}

fn mean(values: &[f64], rows: &[usize]) -> Option<f64> {
    let picked: Vec<f64> = rows
        .iter()
        .map(|&i| values[i])
        .filter(|v| !v.is_nan())
        .collect();
    (!picked.is_empty()).then(|| picked.iter().sum::<f64>() / picked.len() as f64)
}

/// The rows of every labelling, in scheme then catalogue order.
pub fn segment_rows(
    frame: &FeatureFrame,
    labellings: &[&Labelling],
    lang: Lang,
) -> Vec<SegmentRow> {
    let n = frame.len();
    let units = frame.money_units("revenue").unwrap_or_else(|| vec![0; n]);
    let total: i128 = units.iter().sum();
    let get = |name: &str| frame.numeric(name).unwrap_or_else(|| vec![f64::NAN; n]);
    let (recency, orders, revenue, aov) = (
        get("recency_days"),
        get("orders"),
        get("revenue"),
        get("aov"),
    );
    let (clv, p_alive) = (get("clv"), get("p_alive"));
    let mut out = Vec::new();
    for l in labellings {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); l.labels.len()];
        for (i, &label) in l.assigned.iter().enumerate() {
            members[label as usize].push(i);
        }
        for (label, rows) in l.labels.iter().zip(&members) {
            let sum: i128 = rows.iter().map(|&i| units[i]).sum();
            out.push(SegmentRow {
                scheme: l.scheme.id.clone(),
                label: label.code.clone(),
                name: label.name(lang).to_string(),
                customers: rows.len() as u64,
                share: if n == 0 {
                    0.0
                } else {
                    rows.len() as f64 / n as f64
                },
                revenue: Money::from_units(sum),
                revenue_share: if total == 0 {
                    0.0
                } else {
                    sum as f64 / total as f64
                },
                mean_recency_days: mean(&recency, rows),
                mean_orders: mean(&orders, rows),
                mean_revenue: mean(&revenue, rows),
                mean_aov: mean(&aov, rows),
                mean_clv: mean(&clv, rows),
                mean_p_alive: mean(&p_alive, rows),
            });
        }
    }
    out
}

fn cell(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// `segments.csv`: a header and one line per row; numbers in fixed notation so that the file
/// is byte-identical between runs.
pub fn segments_csv(rows: &[SegmentRow]) -> String {
    let mut out = String::from(
        "scheme,label,name,customers,share,revenue,revenue_share,mean_recency_days,mean_orders,mean_revenue,mean_aov,mean_clv,mean_p_alive\n",
    );
    for r in rows {
        let fields = [
            csv_text(&r.scheme),
            csv_text(&r.label),
            csv_text(&r.name),
            r.customers.to_string(),
            format!("{:.6}", r.share),
            r.revenue.to_string(),
            format!("{:.6}", r.revenue_share),
            cell(r.mean_recency_days, 2),
            cell(r.mean_orders, 4),
            cell(r.mean_revenue, 4),
            cell(r.mean_aov, 4),
            cell(r.mean_clv, 4),
            cell(r.mean_p_alive, 6),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Quotes a text field when needed, and neutralises spreadsheet formulas (a leading `=`, `+`,
/// `-`, `@`) with a leading apostrophe.
pub fn csv_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_csv_text(&mut out, s);
    out
}

/// Appends `s` to `out` as [`csv_text`] writes it, without a `String` of its own: the action
/// lists write a dozen cells for each of a million customers.
pub fn push_csv_text(out: &mut String, s: &str) {
    let formula = s.starts_with(['=', '+', '-', '@']);
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if formula {
            out.push('\'');
        }
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        if formula {
            out.push('\'');
        }
        out.push_str(s);
    }
}
