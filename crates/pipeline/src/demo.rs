use crate::config::Config;
use crate::error::PipelineError;
use crate::migration::DiffReport;
use crate::run::{RunRequest, RunResult, RunStep, run};
use chrono::NaiveDate;
use kehu_domain::Lang;
use kehu_ingest::ImportOptions;
use std::path::{Path, PathBuf};

/// The bundled demo dataset (UCI Online Retail).
pub const DEMO_FILE: &str = "online_retail.csv.gz";

/// Where the bundled data is: `data/` under the current directory, else the repository the
/// binary was built from.
pub fn bundled_data_dir() -> PathBuf {
    let here = PathBuf::from("data");
    if here.join(DEMO_FILE).exists() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// How far before the as-of date the demo's earlier snapshot is.
const DEMO_COMPARE_DAYS: u64 = 91;

/// Runs the main job (`kehu run` with the default config) on the bundled data into
/// `out_dir`, with `check.json` (the full data-quality report) beside the run's files, the
/// customer table in CSV and xlsx too, and the migration since a quarter before, as
/// `--compare-as-of` gives it (`previous/`, `migration/`, the report's migration section).
pub fn run_demo(
    data_dir: &Path,
    out_dir: &Path,
    lang: Lang,
    as_of: Option<NaiveDate>,
    mut on_step: impl FnMut(RunStep, &str),
) -> Result<(RunResult, DiffReport), PipelineError> {
    let input = data_dir.join(DEMO_FILE);
    if !input.exists() {
        return Err(PipelineError::MissingData(input));
    }
    let request = RunRequest {
        config: Config::default(),
        config_dir: PathBuf::from("."),
        files: vec![input],
        import: ImportOptions::default(),
        as_of,
        out_dir: Some(out_dir.to_path_buf()),
        formats: vec!["csv".into(), "xlsx".into()],
        lang,
    };
    let mut result = run(&request, &mut on_step)?;
    // The migration since a quarter before, so the demo shows a snapshot comparison too.
    let earlier = result.as_of - chrono::Days::new(DEMO_COMPARE_DAYS);
    let migration = crate::compare_as_of(&request, &result, earlier, &mut on_step)?;
    for name in ["previous", "migration"] {
        result.outputs.push(out_dir.join(name));
    }
    let json_path = out_dir.join("check.json");
    let json =
        serde_json::to_string_pretty(&result.check.report).map_err(|e| PipelineError::Encode {
            path: json_path.clone(),
            message: e.to_string(),
        })?;
    std::fs::write(&json_path, json + "\n").map_err(|source| PipelineError::Write {
        path: json_path.clone(),
        source,
    })?;
    result.outputs.push(json_path);
    Ok((result, migration))
}
