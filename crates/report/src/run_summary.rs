//! The terminal summary of `kehu run`: headline numbers, one compact table per scheme, the
//! schemes skipped and why, and where the results are.

use crate::numbers::{format_count, format_money};
use crate::text_width::{pad, width};
use kehu_domain::{Lang, Money};

/// What the summary shows.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The date judged as of.
    pub as_of: String,
    /// Customers labelled.
    pub customers: u64,
    /// Net revenue, exact.
    pub revenue: Money,
    /// Transaction rows accepted and quarantined, over all inputs.
    pub rows_accepted: u64,
    /// Rows set aside.
    pub rows_quarantined: u64,
    /// Schemes that ran.
    pub schemes: Vec<SchemeTable>,
    /// Schemes skipped: (title, reason), in the summary's language.
    pub skipped: Vec<(String, String)>,
    /// Lines about the predictions (model, headline numbers, warnings, or why they are off),
    /// in the summary's language; empty when predictions were not asked for.
    pub predictions: Vec<String>,
    /// Lines about the playbook (each action with its list, customers and channel), in the
    /// summary's language; empty when the playbook is off.
    pub actions: Vec<String>,
    /// The run directory.
    pub out_dir: String,
}

/// One scheme's table.
#[derive(Debug, Clone)]
pub struct SchemeTable {
    /// Title in the summary's language, with the column name.
    pub title: String,
    /// Rows: label name, customers, share of customers, share of revenue.
    pub rows: Vec<(String, u64, f64, f64)>,
    /// The rule in words (thresholds used, overlaps), in the summary's language.
    pub notes: Vec<String>,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn right(text: &str, w: usize) -> String {
    format!("{}{text}", " ".repeat(w.saturating_sub(width(text))))
}

/// Renders the summary.
pub fn render_run_summary(s: &RunSummary, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} {} · {} {} · {} {}\n",
        lang.pick("As of", "截至"),
        s.as_of,
        format_count(s.customers),
        lang.pick("customers", "位客户"),
        lang.pick("net revenue", "净收入"),
        format_money(s.revenue, lang),
    ));
    out.push_str(&format!(
        "{} {} · {} {}\n",
        format_count(s.rows_accepted),
        lang.pick("rows used", "行数据已使用"),
        format_count(s.rows_quarantined),
        lang.pick(
            "rows quarantined (see quarantine.csv)",
            "行已隔离（见 quarantine.csv）"
        ),
    ));
    if !s.predictions.is_empty() {
        out.push_str(&format!("\n{}\n", lang.pick("Predictions", "预测")));
        for line in &s.predictions {
            out.push_str(&format!("  {line}\n"));
        }
    }
    let heads = [
        lang.pick("customers", "客户数"),
        lang.pick("% customers", "客户占比"),
        lang.pick("% revenue", "收入占比"),
    ];
    for scheme in &s.schemes {
        let shown: Vec<&(String, u64, f64, f64)> = scheme.rows.iter().filter(|r| r.1 > 0).collect();
        let name_w = shown
            .iter()
            .map(|r| width(&r.0))
            .chain([width(lang.pick("label", "标签"))])
            .max()
            .unwrap_or(0)
            + 2;
        out.push_str(&format!("\n{}\n", scheme.title));
        for note in &scheme.notes {
            out.push_str(&format!("  {note}\n"));
        }
        out.push_str(&format!(
            "  {}{}{}{}\n",
            pad(lang.pick("label", "标签"), name_w),
            right(heads[0], 10),
            right(heads[1], 12),
            right(heads[2], 12)
        ));
        for (name, n, share, rev) in shown {
            out.push_str(&format!(
                "  {}{}{}{}\n",
                pad(name, name_w),
                right(&format_count(*n), 10),
                right(&pct(*share), 12),
                right(&pct(*rev), 12)
            ));
        }
    }
    if !s.actions.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            lang.pick(
                "Actions (contact lists in actions/)",
                "行动建议（联系名单见 actions/）"
            )
        ));
        for line in &s.actions {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if !s.skipped.is_empty() {
        out.push_str(&format!("\n{}\n", lang.pick("Skipped:", "未运行：")));
        for (title, reason) in &s.skipped {
            out.push_str(&format!("  {title}: {reason}\n"));
        }
    }
    out.push_str(&format!(
        "\n{} {}\n{} {}\n",
        lang.pick("Results in", "结果目录："),
        s.out_dir,
        lang.pick("Report:", "报告："),
        std::path::Path::new(&s.out_dir)
            .join("report.html")
            .display()
    ));
    out
}
