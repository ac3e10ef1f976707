//! `report.html`: one self-contained page (inline CSS and SVG, no script, no external request)
//! that a manager reads in five minutes and that prints to PDF cleanly. Its Content Security
//! Policy (`default-src 'none'`) makes a browser refuse, and report on its console, any request
//! the page might make. Every chart has a
//! title, axis labels with units and a one-line "how to read this".

use crate::numbers::{format_count, format_money};
use crate::svg_chart::{
    BarRow, bar_chart, dendrogram, escape, flows, funnel, heatmap, line_chart, treemap,
};
use kehu_domain::{Lang, Money};
use std::fmt::Write as _;

/// What the report shows, in plain data (the pipeline fills it from a run).
#[derive(Debug, Clone, Default)]
pub struct ReportData {
    pub as_of: String,
    /// The currency of the amounts: `CNY`, `USD`, … as the importer detected it from the
    /// amounts' markers, or empty when no amount named one.
    pub currency: String,
    pub customers: u64,
    pub revenue: Money,
    pub orders: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// Per input file: (file, rows seen, accepted, quarantined, skipped blank).
    pub inputs: Vec<(String, u64, u64, u64, u64)>,
    /// Quarantine reasons over all inputs: (reason in the report's language, rows).
    pub quarantine_reasons: Vec<(String, u64)>,
    /// Cumulative share of revenue (0..1) of the top p% customers, p = 0..=100.
    pub pareto: Vec<f64>,
    /// Customers by RFM score: `rf_customers[r - 1][f - 1]` for r, f in 1..=5, and their revenue.
    pub rf_customers: Vec<Vec<f64>>,
    pub rf_revenue: Vec<Vec<f64>>,
    /// Every scheme that ran: title and its labels.
    pub schemes: Vec<SchemeBlock>,
    /// The sweep over k, when clustering chose k: (k, inertia, silhouette).
    pub k_sweep: Vec<(usize, f64, Option<f64>)>,
    /// The k-means clusters: the feature names, then per cluster (name, customers, share,
    /// mean of each feature in its own unit, most common value tier and RFM segment).
    pub cluster_features: Vec<String>,
    pub cluster_profiles: Vec<(String, u64, f64, Vec<f64>, String)>,
    /// Why that k, in the report's language.
    pub k_why: Option<String>,
    /// Decision-tree rules in the report's language, with the test accuracy.
    pub tree_rules: Vec<String>,
    pub tree_accuracy: Option<f64>,
    /// The playbook: (name, channel, offer, KPI, customers on the list, revenue, file).
    pub actions: Vec<(String, String, String, String, u64, Money, String)>,
    /// Named RFM segments for the treemap: (name, customers, share of revenue).
    pub segment_map: Vec<(String, u64, f64)>,
    /// Lifecycle stages in order, for the funnel: (name, customers).
    pub lifecycle: Vec<(String, u64)>,
    /// The top of Ward's tree: merges (left, right, height, size), the index of the first one,
    /// the rows in the tree and the cut height.
    pub dendrogram: Vec<(usize, usize, f64, usize)>,
    pub dendrogram_first: usize,
    pub dendrogram_rows: usize,
    pub dendrogram_cut: f64,
    /// NPS classes by value tier: the class names, then per tier (tier name, share of each
    /// class among the tier's customers who answered).
    pub nps_classes: Vec<String>,
    pub nps_by_tier: Vec<(String, Vec<f64>)>,
    /// Migration since an earlier snapshot, when the run has one, per scheme shown (value
    /// tiers first).
    pub migrations: Vec<MigrationBlock>,
    /// The holdout tracking of the chosen model, when `model = "auto"` ran a backtest: the
    /// model, the calibration end, and (day after it, actual, predicted cumulative purchases).
    pub tracking: Option<TrackingCurve>,
    /// Predicted CLV and P(alive) of the customers, binned: (from, to, customers).
    pub clv_histogram: Vec<(f64, f64, u64)>,
    pub p_alive_histogram: Vec<(f64, f64, u64)>,
}

/// A holdout tracking curve: the model, the calibration end, and per point (day after the
/// calibration end, actual, predicted cumulative repeat purchases).
pub type TrackingCurve = (String, String, Vec<(f64, f64, f64)>);

/// Who moved between two snapshots in one scheme.
#[derive(Debug, Clone, Default)]
pub struct MigrationBlock {
    pub title: String,
    pub from_as_of: String,
    /// Labels before (rows) and now (columns), with the customers in each pair.
    pub from_labels: Vec<String>,
    pub to_labels: Vec<String>,
    pub flows: Vec<(usize, usize, u64)>,
    /// Stayed, upgraded, downgraded, new, lost.
    pub counts: (u64, u64, u64, u64, u64),
    /// Whether the labels are ordered best first (else moves are only counted as `changed`).
    pub ordered: bool,
    pub changed: u64,
}

/// One scheme's labels: (name, customers, share of customers, share of revenue).
#[derive(Debug, Clone, Default)]
pub struct SchemeBlock {
    pub id: String,
    pub title: String,
    pub labels: Vec<(String, u64, f64, f64)>,
    pub notes: Vec<String>,
}

/// One scheme's flows between the snapshots, with the counts in the line under it.
fn migration_figure(m: &MigrationBlock, as_of: &str, lang: Lang) -> String {
    let t = |en: &'static str, zh: &'static str| lang.pick(en, zh);
    figure(
        &format!(
            "{} · {} {} → {}",
            m.title,
            t("since", "自"),
            m.from_as_of,
            as_of
        ),
        &flows(&m.from_labels, &m.to_labels, &m.flows),
        &how_to_read_moves(m, lang),
    )
}

/// The line under a flow chart: how to read it, and the moves counted.
fn how_to_read_moves(m: &MigrationBlock, lang: Lang) -> String {
    let (stayed, up, down, new, lost) = m.counts;
    let n = format_count;
    match (lang, m.ordered) {
        (Lang::Zh, true) => format!(
            "读法：左为上期分层，右为本期分层，带宽为客户数。未变 {}，升级 {}，降级 {}，新增 {}，流失 {}。",
            n(stayed),
            n(up),
            n(down),
            n(new),
            n(lost)
        ),
        (Lang::Zh, false) => format!(
            "读法：左为上期分群，右为本期分群，带宽为客户数。未变 {}，变动 {}，新增 {}，流失 {}。",
            n(stayed),
            n(m.changed),
            n(new),
            n(lost)
        ),
        (Lang::En, true) => format!(
            "How to read: segments before on the left, now on the right, band width = customers. Stayed {}, upgraded {}, downgraded {}, new {}, lost {}.",
            n(stayed),
            n(up),
            n(down),
            n(new),
            n(lost)
        ),
        (Lang::En, false) => format!(
            "How to read: segments before on the left, now on the right, band width = customers. Stayed {}, moved {}, new {}, lost {}.",
            n(stayed),
            n(m.changed),
            n(new),
            n(lost)
        ),
    }
}

/// Renders the page.
pub fn render_html(d: &ReportData, lang: Lang) -> String {
    let t = |en: &'static str, zh: &'static str| lang.pick(en, zh);
    let mut body = String::new();
    let pct = |v: f64| format!("{:.1}%", v * 100.0);

    let _ = write!(
        body,
        r##"<header><h1>{}</h1><p class="sub">{} {} · kehu {}</p></header>"##,
        t("Customer classification report", "客户分类报告"),
        t("As of", "截至"),
        escape(&d.as_of),
        env!("CARGO_PKG_VERSION")
    );
    // Overview.
    let _ = write!(
        body,
        r##"<section id="overview"><h2>{}</h2><div class="kpis">{}{}{}{}</div></section>"##,
        t("Overview", "概览"),
        kpi(t("customers", "客户数"), &format_count(d.customers)),
        kpi(t("net revenue", "净收入"), &money(d, d.revenue, lang)),
        kpi(t("orders", "订单数"), &format_count(d.orders)),
        kpi(
            t("revenue per customer", "客均收入"),
            &money(d, per_customer(d.revenue, d.customers), lang)
        ),
    );
    // Data quality.
    let mut quality = format!(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t("file", "文件"),
        t("rows seen", "读取行数"),
        t("accepted", "接受"),
        t("quarantined", "隔离"),
        t("blank", "空行")
    );
    for (file, seen, accepted, quarantined, blank) in &d.inputs {
        let _ = write!(
            quality,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(file),
            format_count(*seen),
            format_count(*accepted),
            format_count(*quarantined),
            format_count(*blank)
        );
    }
    quality.push_str("</table>");
    if !d.quarantine_reasons.is_empty() {
        let rows: Vec<BarRow> = d
            .quarantine_reasons
            .iter()
            .map(|(reason, n)| BarRow {
                label: reason.clone(),
                values: vec![*n as f64],
            })
            .collect();
        quality.push_str(&figure(
            t("Quarantined rows by reason", "隔离行的原因"),
            &bar_chart(
                &[t("rows", "行数")],
                &rows,
                |v| format_count(v as u64),
                t(
                    "rows set aside (see quarantine.csv)",
                    "隔离的行数（见 quarantine.csv）",
                ),
            ),
            t(
                "Every row not used is counted here with its reason; none is dropped silently.",
                "未使用的每一行都在此按原因计数，没有静默丢弃。",
            ),
        ));
    }
    let _ = write!(
        body,
        r##"<section id="quality"><h2>{}</h2>{quality}</section>"##,
        t("Data quality", "数据质量")
    );
    // Value: Pareto.
    if d.pareto.len() > 1 {
        let points: Vec<(f64, f64)> = d
            .pareto
            .iter()
            .enumerate()
            .map(|(p, &share)| (p as f64, share * 100.0))
            .collect();
        let top20 = d.pareto.get(20).copied().unwrap_or(0.0);
        let _ = write!(
            body,
            r##"<section id="value"><h2>{}</h2>{}</section>"##,
            t("Value concentration", "价值集中度"),
            figure(
                t("Pareto curve of revenue", "收入帕累托曲线"),
                &line_chart(
                    &[(t("cumulative revenue", "累计收入"), points)],
                    t("customers, ranked by revenue (%)", "按收入排序的客户（%）"),
                    t("share of net revenue (%)", "净收入占比（%）"),
                    |v| format!("{v:.0}%")
                ),
                &match lang {
                    Lang::Zh => format!(
                        "读法：横轴是收入最高的前 x% 客户，纵轴是他们贡献的收入占比；前 20% 客户贡献 {}。",
                        pct(top20)
                    ),
                    Lang::En => format!(
                        "How to read: the top x% of customers by revenue (across) bring this share of revenue (up); the top 20% bring {}.",
                        pct(top20)
                    ),
                },
            )
        );
    }
    // RFM heatmap.
    if d.rf_customers.len() == 5 {
        let names: Vec<String> = (1..=5).rev().map(|r| format!("R{r}")).collect();
        let columns: Vec<String> = (1..=5).map(|f| format!("F{f}")).collect();
        let flip = |grid: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            (0..5).rev().map(|r| grid[r].clone()).collect()
        };
        let _ = write!(
            body,
            r##"<section id="rfm"><h2>{}</h2><div class="pair">{}{}</div></section>"##,
            t("RFM scores", "RFM 评分"),
            figure(
                t(
                    "Customers by recency and frequency score",
                    "按 R、F 评分的客户数"
                ),
                &heatmap(
                    &names,
                    &columns,
                    &flip(&d.rf_customers),
                    |v| format_count(v as u64),
                    t(
                        "frequency score F (1 = fewest orders)",
                        "频次评分 F（1 = 订单最少）"
                    ),
                    t(
                        "recency score R (5 = most recent)",
                        "近度评分 R（5 = 最近）"
                    )
                ),
                t(
                    "How to read: each cell counts customers with that R and F score; the top right holds recent, frequent buyers.",
                    "读法：每格是该 R、F 评分的客户数；右上角是近期且高频的客户。"
                ),
            ),
            figure(
                t(
                    "Share of revenue by recency and frequency score",
                    "按 R、F 评分的收入占比"
                ),
                &heatmap(
                    &names,
                    &columns,
                    &flip(&d.rf_revenue),
                    |v| format!("{:.1}%", v * 100.0),
                    t("frequency score F", "频次评分 F"),
                    t("recency score R", "近度评分 R")
                ),
                t(
                    "How to read: each cell is that group's share of net revenue.",
                    "读法：每格是该组客户的净收入占比。"
                ),
            )
        );
    }
    // Every scheme, after the map of named segments and the lifecycle funnel.
    let mut schemes = String::new();
    if !d.segment_map.is_empty() || !d.lifecycle.is_empty() {
        schemes.push_str(r##"<div class="pair">"##);
        if !d.segment_map.is_empty() {
            let tiles: Vec<(String, f64, String)> = d
                .segment_map
                .iter()
                .map(|(name, n, revenue)| {
                    (
                        name.clone(),
                        *n as f64,
                        format!(
                            "{} · {} {}",
                            format_count(*n),
                            pct(*revenue),
                            t("of revenue", "收入")
                        ),
                    )
                })
                .collect();
            schemes.push_str(&figure(
                t("Named RFM segments", "RFM 命名分群"),
                &treemap(&tiles),
                t("How to read: each tile is a segment, its area the number of customers; the second line gives its share of revenue.", "读法：每块是一个分群，面积表示客户数；第二行是其收入占比。"),
            ));
        }
        if !d.lifecycle.is_empty() {
            let stages: Vec<(String, f64)> = d
                .lifecycle
                .iter()
                .map(|(name, n)| (name.clone(), *n as f64))
                .collect();
            schemes.push_str(&figure(
                t("Lifecycle funnel", "生命周期漏斗"),
                &funnel(&stages, |v| format_count(v as u64)),
                t("How to read: customers at each stage, from potential to churned; a wide lower part means many are slipping away.", "读法：从潜在到流失各阶段的客户数；下部越宽，流失越多。"),
            ));
        }
        schemes.push_str("</div>");
    }
    for s in &d.schemes {
        let rows: Vec<BarRow> = s
            .labels
            .iter()
            .filter(|l| l.1 > 0)
            .map(|l| BarRow {
                label: format!("{} ({})", l.0, format_count(l.1)),
                values: vec![l.2, l.3.max(0.0)],
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut caption = String::from(t(
            "How to read: for each label, the share of customers (blue) and of net revenue (orange).",
            "读法：每个标签的客户占比（蓝）与净收入占比（橙）。",
        ));
        for note in &s.notes {
            caption.push(' ');
            caption.push_str(note);
        }
        let _ = write!(
            schemes,
            r##"<div class="scheme" id="scheme-{}">{}</div>"##,
            escape(&s.id),
            figure(
                &s.title,
                &bar_chart(
                    &[t("% customers", "客户占比"), t("% revenue", "收入占比")],
                    &rows,
                    pct,
                    t("share (%)", "占比（%）")
                ),
                &caption
            )
        );
    }
    let _ = write!(
        body,
        r##"<section id="schemes"><h2>{}</h2>{schemes}</section>"##,
        t("Segments", "客户分群")
    );
    // Clusters and tree.
    if !d.k_sweep.is_empty()
        || !d.tree_rules.is_empty()
        || d.dendrogram.len() > 1
        || !d.cluster_profiles.is_empty()
    {
        let mut learned = String::new();
        if !d.k_sweep.is_empty() {
            let inertia: Vec<(f64, f64)> = d.k_sweep.iter().map(|c| (c.0 as f64, c.1)).collect();
            let silhouette: Vec<(f64, f64)> = d
                .k_sweep
                .iter()
                .filter_map(|c| c.2.map(|s| (c.0 as f64, s)))
                .collect();
            learned.push_str(r##"<div class="pair">"##);
            learned.push_str(&figure(
                t("Choosing k: inertia (elbow)", "选择 k：惯性（肘部法）"),
                &line_chart(&[(t("inertia", "惯性"), inertia)], t("number of clusters k", "聚类数 k"), t("within-cluster sum of squares", "类内平方和"), |v| format!("{v:.0}")),
                t("How to read: inertia always falls as k grows; the bend is where more clusters stop paying.", "读法：k 越大惯性越小；曲线拐弯处之后再加类收益变小。"),
            ));
            learned.push_str(&figure(
                t("Choosing k: silhouette", "选择 k：轮廓系数"),
                &line_chart(
                    &[(t("silhouette", "轮廓系数"), silhouette)],
                    t("number of clusters k", "聚类数 k"),
                    t("mean silhouette (−1 to 1)", "平均轮廓系数（−1 到 1）"),
                    |v| format!("{v:.2}"),
                ),
                d.k_why.as_deref().unwrap_or_default(),
            ));
            learned.push_str("</div>");
        }
        if !d.cluster_profiles.is_empty() {
            let _ = write!(
                learned,
                "<h3>{}</h3><table><tr><th>{}</th><th>{}</th><th>%</th>",
                t("Cluster profiles (k-means)", "聚类画像（K 均值）"),
                t("cluster", "聚类"),
                t("customers", "客户数")
            );
            for feature in &d.cluster_features {
                let _ = write!(learned, "<th>{}</th>", escape(feature));
            }
            let _ = write!(
                learned,
                "<th>{}</th></tr>",
                t("value tier · RFM segment", "价值分层 · RFM 分群")
            );
            for (name, n, share, means, closest) in &d.cluster_profiles {
                let _ = write!(
                    learned,
                    "<tr><td>{}</td><td>{}</td><td>{}</td>",
                    escape(name),
                    format_count(*n),
                    pct(*share)
                );
                for m in means {
                    let _ = write!(learned, "<td>{m:.1}</td>");
                }
                let _ = write!(learned, "<td>{}</td></tr>", escape(closest));
            }
            let _ = write!(
                learned,
                "</table><p class=\"note\">{}</p>",
                t(
                    "How to read: each cluster's mean of every feature, in days, orders and money; the name says where it stands out from everyone.",
                    "读法：每个聚类各特征的均值（天、单数、金额）；名称说明它与整体相比的突出之处。"
                )
            );
        }
        if d.dendrogram.len() > 1 {
            learned.push_str(&figure(
                t("Ward clustering: top of the dendrogram", "Ward 层次聚类：树状图顶部"),
                &dendrogram(&d.dendrogram, d.dendrogram_first, d.dendrogram_rows, d.dendrogram_cut, t("merge height (Ward distance)", "合并高度（Ward 距离）")),
                t("How to read: clusters join from the bottom up; the dashed line is the cut that gives the Ward clusters, each branch crossing it is one cluster.", "读法：自下而上合并；虚线为切分高度，穿过虚线的每个分支即一个聚类。"),
            ));
        }
        if !d.tree_rules.is_empty() {
            let _ = write!(
                learned,
                "<h3>{} ({} {:.1}%)</h3><ol class=\"rules\">",
                t("Decision-tree rules", "决策树规则"),
                t("test accuracy", "测试准确率"),
                d.tree_accuracy.unwrap_or(0.0) * 100.0
            );
            for rule in &d.tree_rules {
                let _ = write!(learned, "<li>{}</li>", escape(rule));
            }
            learned.push_str("</ol>");
        }
        let _ = write!(
            body,
            r##"<section id="learned"><h2>{}</h2>{learned}</section>"##,
            t("Learned segments", "数据驱动的分群")
        );
    }
    // Satisfaction and NPS by value tier.
    if !d.nps_by_tier.is_empty() {
        let series: Vec<&str> = d.nps_classes.iter().map(String::as_str).collect();
        let rows: Vec<BarRow> = d
            .nps_by_tier
            .iter()
            .map(|(tier, shares)| BarRow {
                label: tier.clone(),
                values: shares.clone(),
            })
            .collect();
        let _ = write!(
            body,
            r##"<section id="nps"><h2>{}</h2>{}</section>"##,
            t("Satisfaction", "满意度"),
            figure(
                t("NPS classes by value tier", "各价值层级的 NPS 构成"),
                &bar_chart(
                    &series,
                    &rows,
                    pct,
                    t(
                        "share of the tier's customers who answered (%)",
                        "该层级作答客户中的占比（%）"
                    )
                ),
                t(
                    "How to read: for each value tier, the shares of promoters, passives and detractors among those who answered the NPS question.",
                    "读法：每个价值层级中，回答 NPS 问题的客户里推荐者、被动者、贬损者的占比。"
                ),
            )
        );
    }
    // Migration since the earlier snapshot, one flow chart per scheme shown.
    if !d.migrations.is_empty() {
        let charts: String = d
            .migrations
            .iter()
            .map(|m| migration_figure(m, &d.as_of, lang))
            .collect();
        let _ = write!(
            body,
            r##"<section id="migration"><h2>{}</h2>{charts}</section>"##,
            t("Migration", "客户迁移"),
        );
    }
    // Predictions.
    if !d.clv_histogram.is_empty() || !d.p_alive_histogram.is_empty() || d.tracking.is_some() {
        let bars = |bins: &[(f64, f64, u64)], decimals: usize| -> Vec<BarRow> {
            bins.iter()
                .map(|(from, to, n)| BarRow {
                    // The last CLV band is open: it holds the top 1% and above.
                    label: if to.is_finite() {
                        format!("{from:.decimals$} – {to:.decimals$}")
                    } else {
                        format!("≥ {from:.decimals$}")
                    },
                    values: vec![*n as f64],
                })
                .collect()
        };
        let mut predicted = String::from(r##"<div class="pair">"##);
        if !d.clv_histogram.is_empty() {
            predicted.push_str(&figure(
                t("Distribution of predicted CLV", "预测客户终身价值（CLV）分布"),
                &bar_chart(&[t("customers", "客户数")], &bars(&d.clv_histogram, 0), |v| format_count(v as u64), t("customers per CLV band (money, the data's currency)", "各 CLV 区间的客户数（金额，数据的币种）")),
                t("How to read: how many customers fall in each band of predicted value; the last band holds the top 1% and above.", "读法：每个预测价值区间内的客户数；最后一个区间包含价值最高的 1% 及以上。"),
            ));
        }
        if !d.p_alive_histogram.is_empty() {
            predicted.push_str(&figure(
                t("Distribution of P(alive)", "存活概率 P(alive) 分布"),
                &bar_chart(&[t("customers", "客户数")], &bars(&d.p_alive_histogram, 2), |v| format_count(v as u64), t("customers per probability band", "各概率区间的客户数")),
                t("How to read: the model's probability that each customer still buys; low bands are the churn risk.", "读法：模型估计的客户仍在购买的概率；低区间即流失风险。"),
            ));
        }
        predicted.push_str("</div>");
        if let Some((model, start, points)) = &d.tracking {
            let actual: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
            let fitted: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.2)).collect();
            predicted.push_str(&figure(
                &format!(
                    "{} ({model})",
                    t("Holdout tracking: actual and predicted repeat purchases", "留出期跟踪：实际与预测的复购次数")
                ),
                &line_chart(
                    &[(t("actual", "实际"), actual), (t("predicted", "预测"), fitted)],
                    &match lang {
                        Lang::Zh => format!("{start} 之后的天数"),
                        Lang::En => format!("days after {start}"),
                    },
                    t("cumulative repeat purchases", "累计复购次数"),
                    |v| format_count(v.max(0.0) as u64),
                ),
                t(
                    "How to read: the model is fitted before the holdout; the closer the two lines, the better it predicts what customers then did.",
                    "读法：模型只用留出期之前的数据拟合；两条线越接近，预测越准。",
                ),
            ));
        }
        let _ = write!(
            body,
            r##"<section id="predictions"><h2>{}</h2>{predicted}</section>"##,
            t("Predictions", "预测")
        );
    }
    // Playbook.
    if !d.actions.is_empty() {
        let mut table = format!(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            t("action", "行动"),
            t("channel", "渠道"),
            t("offer", "内容"),
            t("KPI to watch", "关注指标"),
            t("customers", "客户数"),
            t("revenue", "收入")
        );
        for (name, channel, offer, kpi, n, revenue, file) in &d.actions {
            let _ = write!(
                table,
                r##"<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"##,
                escape(file),
                escape(name),
                escape(channel),
                escape(offer),
                escape(kpi),
                format_count(*n),
                money(d, *revenue, lang)
            );
        }
        table.push_str("</table>");
        let _ = write!(
            body,
            r##"<section id="playbook"><h2>{}</h2>{table}</section>"##,
            t("Playbook: who to contact", "行动建议：联系谁")
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"><title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        if lang == Lang::Zh { "zh-CN" } else { "en" },
        t("kehu report", "kehu 报告")
    )
}

/// Money for the page: the currency's sign, then the amount as `format_money` writes it (万 in
/// Chinese). Unmarked amounts are yuan in Chinese (the importer's assumption) and plain
/// numbers in English.
fn money(d: &ReportData, m: Money, lang: Lang) -> String {
    let sign = match (d.currency.as_str(), lang) {
        ("CNY", _) | ("", Lang::Zh) => "¥",
        ("USD", _) => "$",
        ("EUR", _) => "€",
        ("GBP", _) => "£",
        ("JPY", _) => "JP¥",
        ("HKD", _) => "HK$",
        _ => "",
    };
    let text = format_money(m, lang);
    match text.strip_prefix('-') {
        Some(positive) => format!("-{sign}{positive}"),
        None => format!("{sign}{text}"),
    }
}

/// Revenue per customer, to the cent (money units are 1/10,000).
fn per_customer(revenue: Money, customers: u64) -> Money {
    let per = revenue.units() as f64 / customers.max(1) as f64;
    Money::from_units(((per / 100.0).round() as i128) * 100)
}

fn kpi(name: &str, value: &str) -> String {
    format!(
        r##"<div class="kpi"><div class="kpi-value">{}</div><div class="kpi-name">{}</div></div>"##,
        escape(value),
        escape(name)
    )
}

fn figure(title: &str, svg: &str, how_to_read: &str) -> String {
    format!(
        r##"<figure><figcaption><strong>{}</strong></figcaption>{svg}<p class="read">{}</p></figure>"##,
        escape(title),
        escape(how_to_read)
    )
}

/// System fonts only (no downloads): Latin first, then the common CJK families.
const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;color:#222;margin:0 auto;max-width:1100px;padding:16px 24px;line-height:1.45}\
h1{margin:0 0 4px}h2{border-bottom:2px solid #2f6f9f;padding-bottom:4px;margin-top:32px}.sub{color:#666;margin:0}\
.kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:160px}.kpi-value{font-size:1.4em;font-weight:600}.kpi-name{color:#666}\
table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #e3e3e3;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f4f6f8}\
figure{margin:12px 0;page-break-inside:avoid;break-inside:avoid}figcaption{margin-bottom:4px}.read,.note{color:#555;font-size:.9em;margin:2px 0 0}\
.pair{display:grid;grid-template-columns:1fr 1fr;gap:16px}.chart text{font-size:11px;fill:#333}.chart .axis-label{font-size:12px;fill:#555}.chart .value{font-size:10px;fill:#444}\
.chart .tile{font-size:12px;fill:#fff;font-weight:600}.chart .tile-sub{font-size:10px;fill:#fff}.chart .axis{stroke:#888}.chart .grid{stroke:#eee}.chart .cell{font-size:11px}.rules li{margin:2px 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}\
@media print{body{max-width:none;padding:0}section{break-inside:auto}h2{break-after:avoid}.pair{grid-template-columns:1fr 1fr}}";

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ReportData {
        ReportData {
            as_of: "2024-12-31".into(),
            currency: String::new(),
            customers: 3,
            revenue: Money::from_units(12_345_678_900),
            orders: 9,
            rows_accepted: 12,
            rows_quarantined: 1,
            inputs: vec![("orders.csv".into(), 14, 12, 1, 1)],
            quarantine_reasons: vec![("bad date <x>".into(), 1)],
            pareto: (0..=100).map(|p| (f64::from(p) / 100.0).sqrt()).collect(),
            rf_customers: vec![vec![1.0; 5]; 5],
            rf_revenue: vec![vec![0.04; 5]; 5],
            schemes: vec![SchemeBlock {
                id: "value_tier".into(),
                title: "Value tier".into(),
                labels: vec![("High".into(), 1, 0.33, 0.8), ("Low".into(), 2, 0.67, 0.2)],
                notes: vec![],
            }],
            k_sweep: vec![(3, 10.0, Some(0.3)), (4, 8.0, Some(0.35))],
            k_why: Some("k = 4".into()),
            cluster_features: vec!["recency_days".into(), "orders".into()],
            cluster_profiles: vec![(
                "C1 recent".into(),
                2,
                0.67,
                vec![12.0, 3.5],
                "high · champions".into(),
            )],
            tree_rules: vec!["IF orders <= 2 THEN Low".into()],
            tree_accuracy: Some(0.9),
            actions: vec![(
                "Win back".into(),
                "phone".into(),
                "call".into(),
                "reactivation".into(),
                1,
                Money::from_units(0),
                "actions/win_back.csv".into(),
            )],
            segment_map: vec![("Champions".into(), 1, 0.7), ("Lost".into(), 2, 0.3)],
            lifecycle: vec![("New".into(), 1), ("Active".into(), 2)],
            dendrogram: vec![(0, 1, 1.0, 2), (5, 2, 2.0, 3)],
            dendrogram_first: 0,
            dendrogram_rows: 5,
            dendrogram_cut: 1.5,
            nps_classes: vec!["Promoter".into(), "Passive".into(), "Detractor".into()],
            nps_by_tier: vec![("High".into(), vec![0.5, 0.3, 0.2])],
            migrations: vec![MigrationBlock {
                title: "Value tier".into(),
                from_as_of: "2024-09-30".into(),
                from_labels: vec!["High".into(), "Low".into()],
                to_labels: vec!["High".into(), "Low".into()],
                flows: vec![(0, 0, 5), (0, 1, 2), (1, 1, 9)],
                counts: (14, 0, 2, 0, 0),
                ordered: true,
                changed: 0,
            }],
            tracking: Some((
                "BG/NBD".into(),
                "2024-10-01".into(),
                vec![(7.0, 3.0, 2.5), (14.0, 5.0, 5.5)],
            )),
            clv_histogram: vec![(0.0, 10.0, 2), (10.0, 20.0, 1)],
            p_alive_histogram: vec![(0.0, 0.5, 1), (0.5, 1.0, 2)],
        }
    }

    #[test]
    fn the_page_is_self_contained_and_every_chart_is_explained() {
        for lang in [Lang::En, Lang::Zh] {
            let html = render_html(&data(), lang);
            assert!(
                !html.contains("http://")
                    && !html.contains("https://")
                    && !html.contains("<script")
            );
            let figures = html.matches("<figure>").count();
            assert_eq!(figures, html.matches("<svg").count());
            assert_eq!(figures, html.matches(r##"<p class="read">"##).count());
            assert!(figures >= 6, "{figures}");
            assert!(html.contains("bad date &lt;x&gt;"));
        }
        let zh = render_html(&data(), Lang::Zh);
        assert!(
            zh.contains("客户分类报告") && zh.contains("¥123.46万"),
            "Chinese text and 万 for large sums"
        );
    }
}
