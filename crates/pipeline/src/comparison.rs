//! Method comparison: the cross-tabulation of two schemes over the same customers, in
//! customers and revenue, with the adjusted Rand index as the measure of agreement.

use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::schemes::SchemeOutcome;
use crate::segments::csv_text;
use crate::snapshot::Snapshot;
use kehu_domain::{Labelling, Lang, Money, Note};
use kehu_models::learn::Contingency;
use serde::Serialize;
use std::path::Path;

/// One cross-tabulation.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Scheme ids, rows then columns.
    pub a: String,
    pub b: String,
    /// Label codes and names of the rows and the columns.
    pub a_labels: Vec<(String, String, String)>,
    pub b_labels: Vec<(String, String, String)>,
    /// Customers per (row, column), row-major.
    pub customers: Vec<u64>,
    /// Net revenue per (row, column), exact, row-major.
    pub revenue: Vec<Money>,
    /// Adjusted Rand index over the customers labelled by both schemes (not `none`): 1 =
    /// the same partition, about 0 = no more alike than chance.
    pub adjusted_rand_index: f64,
    /// Customers counted in the index.
    pub customers_compared: usize,
    /// What the index means here, in both languages.
    pub reading: Note,
}

/// The configured pairs that can be compared, and a note for each pair that cannot.
pub(crate) fn compare_pairs(
    frame: &FeatureFrame,
    outcomes: &[SchemeOutcome],
    pairs: &[[String; 2]],
) -> (Vec<Comparison>, Vec<Note>) {
    let mut done = Vec::new();
    let mut skipped = Vec::new();
    for [a, b] in pairs {
        match (find(outcomes, a), find(outcomes, b)) {
            (Some(la), Some(lb)) => done.push(compare(frame, la, lb)),
            _ => skipped.push(Note::new(
                format!("compare {a} × {b}: skipped, one of the schemes did not run"),
                format!("比较 {a} × {b}：跳过，其中一个方案未运行"),
            )),
        }
    }
    (done, skipped)
}

/// The labelling of a scheme that ran.
pub(crate) fn find<'a>(outcomes: &'a [SchemeOutcome], id: &str) -> Option<&'a Labelling> {
    outcomes.iter().find_map(|o| match o {
        SchemeOutcome::Done(l) if l.scheme.id == id => Some(l),
        _ => None,
    })
}

/// Cross-tabulates two schemes of a finished run, from its `customers.parquet` (label codes
/// and revenue) and `run.json` (label names): `kehu compare RUN_DIR A B`.
pub fn compare_run(dir: &Path, a: &str, b: &str) -> Result<Comparison, PipelineError> {
    let snapshot = Snapshot::read(dir)?;
    Ok(compare(
        &snapshot.frame,
        &snapshot.labelling(a)?,
        &snapshot.labelling(b)?,
    ))
}

/// Cross-tabulates two labellings of the frame's customers.
pub fn compare(frame: &FeatureFrame, a: &Labelling, b: &Labelling) -> Comparison {
    let units = frame
        .money_units("revenue")
        .unwrap_or_else(|| vec![0; frame.len()]);
    let (na, nb) = (a.labels.len(), b.labels.len());
    let mut customers = vec![0u64; na * nb];
    let mut revenue_units = vec![0i128; na * nb];
    for (i, (&x, &y)) in a.assigned.iter().zip(&b.assigned).enumerate() {
        let cell = x as usize * nb + y as usize;
        customers[cell] += 1;
        revenue_units[cell] += units.get(i).copied().unwrap_or(0);
    }
    let (kept_a, kept_b): (Vec<u32>, Vec<u32>) = a
        .assigned
        .iter()
        .zip(&b.assigned)
        .filter(|(x, y)| {
            a.labels[**x as usize].code != "none" && b.labels[**y as usize].code != "none"
        })
        .map(|(x, y)| (*x, *y))
        .unzip();
    let ari = if kept_a.is_empty() {
        0.0
    } else {
        Contingency::new(&kept_a, &kept_b).adjusted_rand_index()
    };
    let label_rows = |l: &Labelling| {
        l.labels
            .iter()
            .map(|x| (x.code.clone(), x.en.clone(), x.zh.clone()))
            .collect()
    };
    Comparison {
        a: a.scheme.id.clone(),
        b: b.scheme.id.clone(),
        a_labels: label_rows(a),
        b_labels: label_rows(b),
        customers,
        revenue: revenue_units.into_iter().map(Money::from_units).collect(),
        adjusted_rand_index: ari,
        customers_compared: kept_a.len(),
        reading: reading(ari),
    }
}

fn reading(ari: f64) -> Note {
    let (en, zh) = match ari {
        x if x >= 0.8 => ("the two methods largely agree", "两种方法基本一致"),
        x if x >= 0.5 => ("the two methods agree in broad lines", "两种方法大体一致"),
        x if x >= 0.2 => ("the two methods overlap only in part", "两种方法部分重合"),
        _ => (
            "the two methods divide customers differently",
            "两种方法的划分明显不同",
        ),
    };
    Note::new(
        format!("Adjusted Rand index {ari:.2}: {en}."),
        format!("调整兰德指数 {ari:.2}：{zh}。"),
    )
}

impl Comparison {
    /// Customers in one cell.
    pub fn count(&self, row: usize, column: usize) -> u64 {
        self.customers[row * self.b_labels.len() + column]
    }

    /// Long-format CSV: one line per non-empty cell, with the share of the row's customers.
    pub fn to_csv(&self, lang: Lang) -> String {
        let name = |l: &(String, String, String)| {
            if lang == Lang::Zh {
                l.2.clone()
            } else {
                l.1.clone()
            }
        };
        let mut out = format!(
            "{a},{a}_name,{b},{b}_name,customers,revenue,share_of_{a}\n",
            a = self.a,
            b = self.b
        );
        for (r, row_label) in self.a_labels.iter().enumerate() {
            let row_total: u64 = (0..self.b_labels.len()).map(|c| self.count(r, c)).sum();
            for (c, column_label) in self.b_labels.iter().enumerate() {
                let n = self.count(r, c);
                if n == 0 {
                    continue;
                }
                out.push_str(&format!(
                    "{},{},{},{},{n},{},{:.4}\n",
                    csv_text(&row_label.0),
                    csv_text(&name(row_label)),
                    csv_text(&column_label.0),
                    csv_text(&name(column_label)),
                    self.revenue[r * self.b_labels.len() + c],
                    n as f64 / row_total.max(1) as f64
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Decimal128Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use kehu_domain::{Label, SchemeInfo};
    use std::sync::Arc;

    fn labelling(id: &str, codes: &[&str], assigned: Vec<u32>) -> Labelling {
        Labelling {
            scheme: SchemeInfo::new(id, id, id),
            labels: codes.iter().map(|c| Label::new(*c, *c, *c)).collect(),
            assigned,
            notes: Vec::new(),
        }
    }

    #[test]
    fn rows_and_columns_add_up_to_each_scheme() {
        let revenue: ArrayRef = Arc::new(
            Decimal128Array::from(vec![100, 200, 300, 400, 500])
                .with_precision_and_scale(18, 2)
                .expect("valid decimal"),
        );
        let schema = Arc::new(Schema::new(vec![Field::new(
            "revenue",
            DataType::Decimal128(18, 2),
            false,
        )]));
        let batch = RecordBatch::try_new(schema.clone(), vec![revenue]).expect("valid batch");
        let frame = FeatureFrame::new(schema, &[batch]).expect("frame");
        let a = labelling("a", &["x", "y", "none"], vec![0, 0, 1, 1, 2]);
        let b = labelling("b", &["p", "q", "none"], vec![0, 0, 1, 1, 2]);
        let c = compare(&frame, &a, &b);
        assert_eq!(c.count(0, 0), 2);
        assert_eq!(c.count(1, 1), 2);
        assert_eq!(c.customers.iter().sum::<u64>(), 5);
        assert_eq!(c.revenue[0].to_string(), "3.00");
        assert_eq!(c.customers_compared, 4);
        assert_eq!(c.adjusted_rand_index, 1.0);
        assert!(c.to_csv(Lang::En).starts_with(
            "a,a_name,b,b_name,customers,revenue,share_of_a\nx,x,p,p,2,3.00,1.0000\n"
        ));
    }
}
