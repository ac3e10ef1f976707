//! Segment migration between two snapshots (run directories): per scheme, the transition
//! matrix in customers and revenue, upgrades and downgrades, new and lost customers, and the
//! valuable customers who moved down, with their actions.
//!
//! Matrix rows are the first run's labels plus `new` (customers only in the second run);
//! columns the second run's labels plus `lost` (customers only in the first). So each row adds
//! up to the first run's segment size and each column to the second's. Revenue in a cell is
//! the customers' net revenue as of the second run (as of the first for `lost`).

use crate::error::PipelineError;
use crate::segments::csv_text;
use crate::snapshot::Snapshot;
use crate::table::{Cell, Table};
use kehu_domain::{Label, Labelling, Lang, Money};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Schemes whose labels are ordered best first, so a move is an upgrade or a downgrade.
const ORDERED: &[&str] = &[
    "value_tier",
    "abc",
    "clv_tier",
    "capacity",
    "frequency_class",
    "key_customer",
    "satisfaction",
    "nps",
    "rfm8",
    "churn_risk",
];

/// Labels outside any order.
const UNRANKED: &[&str] = &["none", "other"];

/// Which customers raise an alert when they move down: `scheme:label` in the first run.
pub const DEFAULT_ALERTS: &[&str] = &["value_tier:high", "clv_tier:high", "key_customer:key"];

/// Everything `kehu diff` found.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub from_dir: String,
    pub to_dir: String,
    pub from_as_of: String,
    pub to_as_of: String,
    pub from_customers: usize,
    pub to_customers: usize,
    /// Customers in both runs, only in the second, only in the first.
    pub common: usize,
    pub new: usize,
    pub lost: usize,
    pub migrations: Vec<Migration>,
    pub alerts: Vec<Alert>,
}

/// One scheme's transition matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub scheme: String,
    pub en: String,
    pub zh: String,
    /// Row labels (the first run's, then `new`) and column labels (the second run's, then
    /// `lost`): (code, en, zh).
    pub rows: Vec<(String, String, String)>,
    pub columns: Vec<(String, String, String)>,
    /// Customers per cell, row-major.
    pub customers: Vec<u64>,
    /// Net revenue per cell, exact, row-major.
    pub revenue: Vec<Money>,
    /// Whether the labels are ordered (upgrades and downgrades are defined).
    pub ordered: bool,
    pub stayed: u64,
    pub upgraded: u64,
    pub downgraded: u64,
    /// Moves that are neither (unordered schemes, or to or from `none`/`other`).
    pub changed: u64,
}

/// A valuable customer who moved down (or left).
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub customer_id: String,
    pub scheme: String,
    pub from: String,
    pub to: String,
    pub from_name: (String, String),
    pub to_name: (String, String),
    pub revenue_before: Money,
    pub revenue_now: Option<Money>,
    /// The second run's primary action and all its actions (`;`-joined), when it has them.
    pub primary_action: Option<String>,
    pub actions: Option<String>,
}

/// Compares two snapshots; `alert_from` lists `scheme:label` whose customers are watched.
pub fn diff(
    from: &Snapshot,
    to: &Snapshot,
    alert_from: &[String],
) -> Result<DiffReport, PipelineError> {
    let ids = |s: &Snapshot| s.frame.text("customer_id").unwrap_or_default();
    let (from_ids, to_ids) = (ids(from), ids(to));
    let to_row: HashMap<&str, usize> = to_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
        .collect();
    let from_row: HashMap<&str, usize> = from_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
        .collect();
    let pairs: Vec<(Option<usize>, Option<usize>)> = (0..from_ids.len())
        .map(|i| {
            (
                Some(i),
                from_ids[i]
                    .as_deref()
                    .and_then(|id| to_row.get(id).copied()),
            )
        })
        .chain(
            (0..to_ids.len())
                .filter(|&j| {
                    to_ids[j]
                        .as_deref()
                        .is_none_or(|id| !from_row.contains_key(id))
                })
                .map(|j| (None, Some(j))),
        )
        .collect();
    let units = |s: &Snapshot| {
        s.frame
            .money_units("revenue")
            .unwrap_or_else(|| vec![0; s.frame.len()])
    };
    let (from_units, to_units) = (units(from), units(to));
    let to_schemes = to.scheme_ids();
    let mut migrations = Vec::new();
    let mut labellings = Vec::new();
    for id in from
        .scheme_ids()
        .into_iter()
        .filter(|id| to_schemes.contains(id))
    {
        let (a, b) = (from.labelling(&id)?, to.labelling(&id)?);
        migrations.push(transition(&a, &b, &pairs, &from_units, &to_units));
        labellings.push((a, b));
    }
    let alerts = alerts(
        alert_from,
        &labellings,
        &pairs,
        &from_ids,
        &from_units,
        &to_units,
        to,
    )?;
    let common = pairs
        .iter()
        .filter(|p| p.0.is_some() && p.1.is_some())
        .count();
    Ok(DiffReport {
        from_dir: from.dir.display().to_string(),
        to_dir: to.dir.display().to_string(),
        from_as_of: from.as_of.clone(),
        to_as_of: to.as_of.clone(),
        from_customers: from_ids.len(),
        to_customers: to_ids.len(),
        common,
        new: to_ids.len() - common,
        lost: from_ids.len() - common,
        migrations,
        alerts,
    })
}

fn names(label: &Label) -> (String, String, String) {
    (label.code.clone(), label.en.clone(), label.zh.clone())
}

/// The rank of a label in an ordered scheme (0 = best); `None` for `none`/`other`.
fn rank(l: &Labelling, label: u32) -> Option<usize> {
    let code = &l.labels[label as usize].code;
    (!UNRANKED.contains(&code.as_str())).then_some(label as usize)
}

fn transition(
    a: &Labelling,
    b: &Labelling,
    pairs: &[(Option<usize>, Option<usize>)],
    from_units: &[i128],
    to_units: &[i128],
) -> Migration {
    let (na, nb) = (a.labels.len(), b.labels.len());
    let columns_n = nb + 1;
    let mut customers = vec![0u64; (na + 1) * columns_n];
    let mut revenue = vec![0i128; (na + 1) * columns_n];
    let ordered = ORDERED.contains(&a.scheme.id.as_str());
    let (mut stayed, mut upgraded, mut downgraded, mut changed) = (0, 0, 0, 0);
    for &(i, j) in pairs {
        let row = i.map_or(na, |i| a.assigned[i] as usize);
        let column = j.map_or(nb, |j| b.assigned[j] as usize);
        let cell = row * columns_n + column;
        customers[cell] += 1;
        revenue[cell] += j.map_or_else(|| i.map_or(0, |i| from_units[i]), |j| to_units[j]);
        if let (Some(i), Some(j)) = (i, j) {
            let (x, y) = (a.assigned[i], b.assigned[j]);
            let same = a.labels[x as usize].code == b.labels[y as usize].code;
            match (same, ordered.then(|| (rank(a, x), rank(b, y)))) {
                (true, _) => stayed += 1,
                (false, Some((Some(rx), Some(ry)))) if ry < rx => upgraded += 1,
                (false, Some((Some(rx), Some(ry)))) if ry > rx => downgraded += 1,
                _ => changed += 1,
            }
        }
    }
    let mut rows: Vec<_> = a.labels.iter().map(names).collect();
    rows.push(("new".into(), "New customers".into(), "新增客户".into()));
    let mut columns: Vec<_> = b.labels.iter().map(names).collect();
    columns.push((
        "lost".into(),
        "Lost (not in this run)".into(),
        "已不在本期".into(),
    ));
    Migration {
        scheme: a.scheme.id.clone(),
        en: b.scheme.en.clone(),
        zh: b.scheme.zh.clone(),
        rows,
        columns,
        customers,
        revenue: revenue.into_iter().map(Money::from_units).collect(),
        ordered,
        stayed,
        upgraded,
        downgraded,
        changed,
    }
}

/// Customers who had an `alert_from` label in the first run and a lower one (or none: they
/// left) in the second, the most valuable first.
fn alerts(
    alert_from: &[String],
    labellings: &[(Labelling, Labelling)],
    pairs: &[(Option<usize>, Option<usize>)],
    from_ids: &[Option<String>],
    from_units: &[i128],
    to_units: &[i128],
    to: &Snapshot,
) -> Result<Vec<Alert>, PipelineError> {
    let primary = to.frame.text("primary_action");
    let actions = to.frame.text("actions");
    let mut out = Vec::new();
    for watch in alert_from {
        let Some((scheme, label)) = watch.split_once(':') else {
            return Err(PipelineError::Input(format!(
                "alert `{watch}`: write scheme:label, e.g. value_tier:high"
            )));
        };
        let Some((a, b)) = labellings.iter().find(|(a, _)| a.scheme.id == scheme) else {
            continue;
        };
        let Some(watched) = a.labels.iter().position(|l| l.code == label) else {
            let known: Vec<&str> = a.labels.iter().map(|l| l.code.as_str()).collect();
            return Err(PipelineError::Input(format!(
                "alert `{watch}`: scheme `{scheme}` has no label `{label}`; its labels are {}",
                known.join(", ")
            )));
        };
        for &(i, j) in pairs {
            let Some(i) = i.filter(|&i| a.assigned[i] as usize == watched) else {
                continue;
            };
            let moved_down = match j {
                None => true,
                Some(j) => {
                    let y = b.assigned[j];
                    let code = &b.labels[y as usize].code;
                    code != label && rank(b, y).is_none_or(|ry| ry > watched)
                }
            };
            if !moved_down {
                continue;
            }
            let to_label = j.map(|j| &b.labels[b.assigned[j] as usize]);
            let from_label = &a.labels[watched];
            out.push(Alert {
                customer_id: from_ids[i].clone().unwrap_or_default(),
                scheme: scheme.to_string(),
                from: label.to_string(),
                to: to_label.map_or_else(|| "lost".to_string(), |l| l.code.clone()),
                from_name: (from_label.en.clone(), from_label.zh.clone()),
                to_name: to_label.map_or_else(
                    || ("Lost (not in this run)".into(), "已不在本期".into()),
                    |l| (l.en.clone(), l.zh.clone()),
                ),
                revenue_before: Money::from_units(from_units[i]),
                revenue_now: j.map(|j| Money::from_units(to_units[j])),
                primary_action: j.and_then(|j| primary.as_ref().and_then(|p| p[j].clone())),
                actions: j.and_then(|j| actions.as_ref().and_then(|p| p[j].clone())),
            });
        }
    }
    out.sort_by(|x, y| {
        y.revenue_before
            .cmp(&x.revenue_before)
            .then(x.customer_id.cmp(&y.customer_id))
    });
    Ok(out)
}

impl Migration {
    /// Customers only in the second run (the `new` row).
    pub fn new_customers(&self) -> u64 {
        (0..self.columns.len())
            .map(|c| self.count(self.rows.len() - 1, c))
            .sum()
    }

    /// Customers only in the first run (the `lost` column).
    pub fn lost_customers(&self) -> u64 {
        (0..self.rows.len())
            .map(|r| self.count(r, self.columns.len() - 1))
            .sum()
    }

    pub fn count(&self, row: usize, column: usize) -> u64 {
        self.customers[row * self.columns.len() + column]
    }

    /// Long-format CSV: one line per non-empty cell.
    pub fn to_csv(&self, lang: Lang) -> String {
        let name = |l: &(String, String, String)| {
            if lang == Lang::Zh {
                l.2.clone()
            } else {
                l.1.clone()
            }
        };
        let mut out = String::from("from,from_name,to,to_name,customers,revenue\n");
        for (r, row) in self.rows.iter().enumerate() {
            for (c, column) in self.columns.iter().enumerate() {
                let n = self.count(r, c);
                if n > 0 {
                    out.push_str(&format!(
                        "{},{},{},{},{n},{}\n",
                        csv_text(&row.0),
                        csv_text(&name(row)),
                        csv_text(&column.0),
                        csv_text(&name(column)),
                        self.revenue[r * self.columns.len() + c]
                    ));
                }
            }
        }
        out
    }
}

/// A migration table's header.
fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Per scheme: stayed, upgraded, downgraded, changed, new, lost.
fn summary_table(report: &DiffReport) -> Table {
    let mut summary = Table {
        header: header(&[
            "scheme",
            "stayed",
            "upgraded",
            "downgraded",
            "changed",
            "new",
            "lost",
        ]),
        rows: Vec::new(),
    };
    for m in &report.migrations {
        summary.rows.push(vec![
            Cell::text(&m.scheme),
            Cell::Count(m.stayed),
            Cell::Count(m.upgraded),
            Cell::Count(m.downgraded),
            Cell::Count(m.changed),
            Cell::Count(m.new_customers()),
            Cell::Count(m.lost_customers()),
        ]);
    }
    summary
}

/// The valuable customers who moved down, with their actions.
fn alerts_table(report: &DiffReport, lang: Lang) -> Table {
    let mut alerts = Table {
        header: header(&[
            "customer_id",
            "scheme",
            "from",
            "to",
            "revenue_before",
            "revenue_now",
            "primary_action",
            "actions",
        ]),
        rows: Vec::new(),
    };
    for a in &report.alerts {
        alerts.rows.push(vec![
            Cell::text(&a.customer_id),
            Cell::text(&a.scheme),
            Cell::text(lang.pick(&a.from_name.0, &a.from_name.1)),
            Cell::text(lang.pick(&a.to_name.0, &a.to_name.1)),
            Cell::Money(a.revenue_before),
            a.revenue_now.map_or(Cell::Empty, Cell::Money),
            Cell::text(a.primary_action.as_deref().unwrap_or_default()),
            Cell::text(a.actions.as_deref().unwrap_or_default()),
        ]);
    }
    alerts
}

/// The non-empty cells of the schemes' matrices as rows (from, to, customers, revenue),
/// preceded by the scheme when `with_scheme`.
fn flows_table<'a>(
    migrations: impl IntoIterator<Item = &'a Migration>,
    with_scheme: bool,
    lang: Lang,
) -> Table {
    let mut names = vec!["from", "to", "customers", "revenue"];
    if with_scheme {
        names.insert(0, "scheme");
    }
    let mut table = Table {
        header: header(&names),
        rows: Vec::new(),
    };
    let name = |l: &(String, String, String)| lang.pick(&l.1, &l.2).to_string();
    for m in migrations {
        for (r, row) in m.rows.iter().enumerate() {
            for (c, column) in m.columns.iter().enumerate() {
                let n = m.count(r, c);
                if n == 0 {
                    continue;
                }
                let mut cells = Vec::with_capacity(5);
                if with_scheme {
                    cells.push(Cell::text(&m.scheme));
                }
                cells.extend([
                    Cell::text(name(row)),
                    Cell::text(name(column)),
                    Cell::Count(n),
                    Cell::Money(m.revenue[r * m.columns.len() + c]),
                ]);
                table.rows.push(cells);
            }
        }
    }
    table
}

/// The sheets of `migration.xlsx`: summary, alerts, then one per scheme.
fn workbook_sheets(report: &DiffReport, lang: Lang) -> Vec<(String, Table)> {
    let mut sheets = vec![
        ("summary".to_string(), summary_table(report)),
        ("alerts".to_string(), alerts_table(report, lang)),
    ];
    for m in &report.migrations {
        sheets.push((m.scheme.clone(), flows_table([m], false, lang)));
    }
    sheets
}

/// The migration as sheets of `customers.xlsx` (after `kehu run --compare-as-of`):
/// `migration_summary`, `migration` (every scheme's moves, one row per pair of labels, with
/// the scheme) and `migration_alerts`.
pub(crate) fn customer_workbook_sheets(report: &DiffReport, lang: Lang) -> Vec<(String, Table)> {
    vec![
        ("migration_summary".to_string(), summary_table(report)),
        (
            "migration".to_string(),
            flows_table(&report.migrations, true, lang),
        ),
        ("migration_alerts".to_string(), alerts_table(report, lang)),
    ]
}

/// Writes the diff into `dir`: `summary.csv`, `<scheme>.csv` per scheme, `alerts.csv`,
/// `migration.xlsx` (the same tables as sheets) and `diff.json`. Returns the files written.
pub fn write_diff(
    report: &DiffReport,
    dir: &Path,
    lang: Lang,
) -> Result<Vec<PathBuf>, PipelineError> {
    std::fs::create_dir_all(dir).map_err(|source| PipelineError::Write {
        path: dir.into(),
        source,
    })?;
    let mut written = Vec::new();
    let mut write = |name: String, text: String| -> Result<(), PipelineError> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| PipelineError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
        Ok(())
    };
    let mut summary = String::from("scheme,stayed,upgraded,downgraded,changed,new,lost\n");
    for m in &report.migrations {
        summary.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            m.scheme,
            m.stayed,
            m.upgraded,
            m.downgraded,
            m.changed,
            m.new_customers(),
            m.lost_customers()
        ));
        write(format!("{}.csv", m.scheme), m.to_csv(lang))?;
    }
    write("summary.csv".into(), summary)?;
    let mut alerts = String::from(
        "customer_id,scheme,from,to,to_name,revenue_before,revenue_now,primary_action,actions\n",
    );
    for a in &report.alerts {
        alerts.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_text(&a.customer_id),
            csv_text(&a.scheme),
            csv_text(&a.from),
            csv_text(&a.to),
            csv_text(lang.pick(&a.to_name.0, &a.to_name.1)),
            a.revenue_before,
            a.revenue_now.map(|m| m.to_string()).unwrap_or_default(),
            csv_text(a.primary_action.as_deref().unwrap_or_default()),
            csv_text(a.actions.as_deref().unwrap_or_default())
        ));
    }
    write("alerts.csv".into(), alerts)?;
    let json = serde_json::to_string_pretty(report).map_err(|e| PipelineError::Encode {
        path: dir.join("diff.json"),
        message: e.to_string(),
    })?;
    write("diff.json".into(), json + "\n")?;
    // The same tables as one workbook: summary, alerts, then one sheet per scheme.
    let workbook = dir.join("migration.xlsx");
    crate::xlsx_output::write_tables_xlsx(&workbook, &workbook_sheets(report, lang))?;
    written.push(workbook);
    Ok(written)
}
