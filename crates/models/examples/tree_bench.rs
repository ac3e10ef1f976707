//! Decision-tree fit benchmark: kehu's CART on a generated 1,000,000 × 10 matrix, beside
//! scikit-learn (`bench/peers/tree_sklearn.py`) and linfa-trees on the identical matrix.
//!
//! `tree_bench [--rows 1000000] [--seed 42] [--max-depth 10] [--repeat 3] [--threads N]
//!  [--write-matrix PATH]`
//!
//! The matrix (seeded ChaCha8, the same on every machine) mixes what customer tables hold:
//! integer tenure in months (0–71), monthly charges (continuous), support calls (small counts),
//! contract type (0/1/2), log-normal spend and an engagement score — all informative of a
//! binary churn label drawn from a logistic model — plus four noise columns (uniform, normal,
//! integers 0–99, uniform × 1000). `--write-matrix PATH` writes the features to `PATH` (raw
//! little-endian f64, row-major, 10 columns) and the labels to `PATH.labels` (one byte per row)
//! for the Python peer, then fits as usual.
//!
//! The fit is `TreeParams::new().max_depth(Some(D))` (Gini, min_samples_leaf 1), timed
//! `--repeat` times; prints `BENCH step=fit seconds=<best>` and a `RESULT {json}` line with
//! every time, the train accuracy, depth and leaves.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use kehu_models::learn::{ClassificationReport, Matrix, TreeParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde_json::json;

type Error = Box<dyn std::error::Error>;

const COLUMNS: usize = 10;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tree_bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rows = 1_000_000usize;
    let mut seed = 42u64;
    let mut max_depth = 10usize;
    let mut repeat = 3usize;
    let mut threads = None;
    let mut write_matrix = None;
    let mut i = 0;
    while i < args.len() {
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--rows" => rows = value.parse::<f64>()? as usize,
            "--seed" => seed = value.parse()?,
            "--max-depth" => max_depth = value.parse()?,
            "--repeat" => repeat = value.parse()?,
            "--threads" => threads = Some(value.parse::<usize>()?),
            "--write-matrix" => write_matrix = Some(value.clone()),
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 2;
    }
    if let Some(threads) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()?;
    }
    let started = Instant::now();
    let (values, y) = generate(rows, seed);
    println!(
        "BENCH step=generate seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &write_matrix {
        let mut bytes = Vec::with_capacity(values.len() * 8);
        for v in &values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        std::fs::File::create(path)?.write_all(&bytes)?;
        let labels: Vec<u8> = y.iter().map(|&c| c as u8).collect();
        std::fs::write(format!("{path}.labels"), labels)?;
    }
    let x = Matrix::from_row_major(values, COLUMNS)?;
    let params = TreeParams::new().max_depth(Some(max_depth));
    let mut seconds = Vec::new();
    let mut tree = None;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let fitted = params.fit(&x, &y, 2)?;
        seconds.push(started.elapsed().as_secs_f64());
        tree = Some(fitted);
    }
    let tree = tree.ok_or("no fit")?;
    let best = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let accuracy = ClassificationReport::new(&y, &tree.predict(&x), 2)?.accuracy();
    println!("BENCH step=fit seconds={best:.3}");
    let result = json!({
        "rows": rows,
        "columns": COLUMNS,
        "seed": seed,
        "max_depth": max_depth,
        "threads": rayon::current_num_threads(),
        "fit_seconds": seconds,
        "train_accuracy": accuracy,
        "depth": tree.depth(),
        "leaves": tree.n_leaves(),
        "positives": y.iter().filter(|&&c| c == 1).count(),
    });
    println!("RESULT {result}");
    Ok(())
}

/// The benchmark matrix (row-major) and its labels.
fn generate(rows: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(rows * COLUMNS);
    let mut y = Vec::with_capacity(rows);
    for _ in 0..rows {
        let tenure = f64::from(rng.random_range(0..72u32));
        let monthly = 18.0 + 102.0 * rng.random::<f64>();
        let calls = (-(1.0 - rng.random::<f64>()).ln() * 1.5).floor();
        let contract = f64::from(rng.random_range(0..3u32));
        let log_spend = 4.0 + rng.sample::<f64, _>(StandardNormal);
        let engagement = rng.sample::<f64, _>(StandardNormal);
        let logit = -1.0 - 0.04 * tenure + 0.015 * monthly + 0.35 * calls - 0.9 * contract
            + 0.3 * engagement
            + 0.2 * (log_spend - 4.0);
        let churn = rng.random::<f64>() < 1.0 / (1.0 + (-logit).exp());
        values.extend_from_slice(&[
            tenure,
            monthly,
            calls,
            contract,
            log_spend.exp(),
            engagement,
            rng.random::<f64>(),
            rng.sample::<f64, _>(StandardNormal),
            f64::from(rng.random_range(0..100u32)),
            1000.0 * rng.random::<f64>(),
        ]);
        y.push(u32::from(churn));
    }
    (values, y)
}
