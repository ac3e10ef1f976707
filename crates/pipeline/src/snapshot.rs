//! A finished run directory read back: every run is a snapshot of the customers as of its
//! date. `customers.parquet` holds the label codes and the revenue, `run.json` the labels'
//! names and the date.

use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use arrow::array::RecordBatch;
use kehu_domain::{Label, Labelling, SchemeInfo};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::{Path, PathBuf};

/// A run directory's customer table and record.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// The run's as-of date (`YYYY-MM-DD`).
    pub as_of: String,
    pub frame: FeatureFrame,
    record: serde_json::Value,
}

impl Snapshot {
    /// Reads `dir/customers.parquet` and `dir/run.json`.
    pub fn read(dir: &Path) -> Result<Self, PipelineError> {
        let parquet = dir.join("customers.parquet");
        let bad =
            |e: &dyn std::fmt::Display| PipelineError::Input(format!("{}: {e}", parquet.display()));
        let file = std::fs::File::open(&parquet).map_err(|e| {
            PipelineError::Input(format!(
                "{}: {e} (is {} a run directory?)",
                parquet.display(),
                dir.display()
            ))
        })?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|builder| builder.build())
            .map_err(|e| bad(&e))?;
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
        let Some(schema) = batches.first().map(|b| b.schema()) else {
            return Err(PipelineError::Input(format!(
                "{} has no customers",
                parquet.display()
            )));
        };
        let frame = FeatureFrame::new(schema, &batches)?;
        let run_json = dir.join("run.json");
        let record: serde_json::Value = std::fs::read_to_string(&run_json)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .ok_or_else(|| {
                PipelineError::Input(format!("{}: missing or not JSON", run_json.display()))
            })?;
        let as_of = record["as_of"].as_str().unwrap_or_default().to_string();
        Ok(Snapshot {
            dir: dir.to_path_buf(),
            as_of,
            frame,
            record,
        })
    }

    /// The run's `run.json`.
    pub fn record(&self) -> &serde_json::Value {
        &self.record
    }

    /// The ids of the schemes that ran, in run order.
    pub fn scheme_ids(&self) -> Vec<String> {
        self.record["schemes"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|s| s["status"] == "done")
                    .filter_map(|s| s["id"].as_str())
                    .filter(|id| self.frame.has(id))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A scheme as a labelling: the names from run.json, the assignment from the table (a code
    /// run.json does not know becomes a label named by its code).
    pub fn labelling(&self, id: &str) -> Result<Labelling, PipelineError> {
        let codes = self.frame.text(id).ok_or_else(|| {
            PipelineError::Input(format!(
                "no scheme `{id}` in {}; its schemes are {}",
                self.dir.display(),
                self.scheme_ids().join(", ")
            ))
        })?;
        let scheme = self.record["schemes"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["id"] == id));
        let mut labels: Vec<Label> = scheme
            .and_then(|s| s["labels"].as_array())
            .map(|labels| {
                labels
                    .iter()
                    .map(|l| {
                        let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
                        Label::new(text("code"), text("en"), text("zh"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut assigned = Vec::with_capacity(codes.len());
        for code in codes {
            let code = code.unwrap_or_else(|| "none".into());
            let index = match labels.iter().position(|l| l.code == code) {
                Some(i) => i,
                None => {
                    labels.push(Label::new(&code, &code, &code));
                    labels.len() - 1
                }
            };
            assigned.push(index as u32);
        }
        let title = |k: &str| scheme.and_then(|s| s[k].as_str()).unwrap_or(id).to_string();
        Ok(Labelling {
            scheme: SchemeInfo::new(id, title("en"), title("zh")),
            labels,
            assigned,
            notes: Vec::new(),
        })
    }
}
