use crate::check::{CheckRun, check_files};
use crate::error::PipelineError;
use crate::outputs::{write_batches_csv, write_batches_parquet};
use chrono::NaiveDate;
use kehu_domain::Lang;
use kehu_features::{FeatureEngine, customer_summary, default_as_of};
use kehu_ingest::{ImportOptions, quarantine::write_quarantine_csv};
use std::path::{Path, PathBuf};

/// The bundled demo dataset (UCI Online Retail).
pub const DEMO_FILE: &str = "online_retail.csv.gz";

/// What the demo produced.
#[derive(Debug)]
pub struct DemoRun {
    /// The data check.
    pub check: CheckRun,
    /// The as-of date used.
    pub as_of: NaiveDate,
    /// Customers in the summary.
    pub customers: usize,
    /// Files written.
    pub outputs: Vec<PathBuf>,
}

/// Where the bundled data is: `data/` under the current directory, else the repository the
/// binary was built from.
pub fn bundled_data_dir() -> PathBuf {
    let here = PathBuf::from("data");
    if here.join(DEMO_FILE).exists() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// Runs the main job on the bundled data: the data check, then the per-customer summary
/// (computed with DataFusion), written to `out_dir`.
pub fn run_demo(
    data_dir: &Path,
    out_dir: &Path,
    lang: Lang,
    as_of: Option<NaiveDate>,
    on_file: impl FnMut(&PathBuf),
) -> Result<DemoRun, PipelineError> {
    let input = data_dir.join(DEMO_FILE);
    if !input.exists() {
        return Err(PipelineError::MissingData(input));
    }
    std::fs::create_dir_all(out_dir).map_err(|source| PipelineError::Write {
        path: out_dir.into(),
        source,
    })?;
    let check = check_files(
        std::slice::from_ref(&input),
        &ImportOptions::default(),
        on_file,
    );
    if let Some(refused) = check.report.refused.first() {
        return Err(PipelineError::Encode {
            path: input,
            message: refused.message.clone(),
        });
    }
    let mut outputs = Vec::new();
    let json_path = out_dir.join("check.json");
    let json = serde_json::to_string_pretty(&check.report).map_err(|e| PipelineError::Encode {
        path: json_path.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(&json_path, json + "\n").map_err(|source| PipelineError::Write {
        path: json_path.clone(),
        source,
    })?;
    outputs.push(json_path);

    let import = &check.imports[0];
    let q_path = out_dir.join("quarantine.csv");
    let file = std::fs::File::create(&q_path).map_err(|source| PipelineError::Write {
        path: q_path.clone(),
        source,
    })?;
    write_quarantine_csv(
        std::io::BufWriter::new(file),
        &import.report.file,
        &import.quarantine,
        lang,
    )
    .map_err(|source| PipelineError::Write {
        path: q_path.clone(),
        source,
    })?;
    outputs.push(q_path);

    let as_of = as_of
        .or_else(|| default_as_of(&import.batches))
        .unwrap_or_default();
    let engine = FeatureEngine::new()?;
    engine.register(
        "transactions",
        import.schema.clone(),
        import.batches.clone(),
    )?;
    let summary = customer_summary(&engine, as_of)?;
    let customers = summary.iter().map(|b| b.num_rows()).sum();
    let parquet = out_dir.join("customers.parquet");
    write_batches_parquet(&parquet, &summary)?;
    outputs.push(parquet);
    let csv = out_dir.join("customers.csv");
    write_batches_csv(&csv, &summary)?;
    outputs.push(csv);
    Ok(DemoRun {
        check,
        as_of,
        customers,
        outputs,
    })
}
