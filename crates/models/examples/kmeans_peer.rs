//! kehu as one more peer of the k-means job of `../shared/bench` (`peers/kmeans_sklearn.py`;
//! how to run it: `bench/README.md` of this project):
//!
//! `kmeans_peer --matrix data/kmeans_1e6x4.npy [--n-init 10 1] [--k 8] [--seed 42] [--json OUT]
//!  [--threads N]`
//!
//! Steps as the scikit-learn peer: `load` (the float64 C-order `.npy`), then `fit_ninit<N>`
//! per requested number of starts: k-means++ seeding, Lloyd's iterations (Hamerly-accelerated)
//! up to 300, tolerance 1e-4 × mean feature variance. Prints `BENCH step=<name> seconds=<s>`
//! and a `RESULT {json}` line in the scikit-learn peer's shape (inertia, iterations, sorted
//! cluster sizes), so `summarize.py` tabulates both.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Instant;

use kehu_models::learn::{KMeansParams, Matrix};
use serde_json::json;

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kmeans_peer: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut matrix_path = None;
    let mut n_inits = vec![10usize, 1];
    let mut k = 8;
    let mut seed = 42u64;
    let mut json_path = None;
    let mut threads = None;
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| {
            args.get(i + 1)
                .cloned()
                .ok_or_else(|| format!("{} needs a value", args[i]))
        };
        match args[i].as_str() {
            "--matrix" => matrix_path = Some(value(i)?),
            "--k" => k = value(i)?.parse()?,
            "--seed" => seed = value(i)?.parse()?,
            "--json" => json_path = Some(value(i)?),
            "--threads" => threads = Some(value(i)?.parse::<usize>()?),
            "--n-init" => {
                n_inits.clear();
                while let Some(next) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
                    n_inits.push(next.parse()?);
                    i += 1;
                }
                i += 1;
                continue;
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 2;
    }
    if let Some(threads) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()?;
    }
    let matrix_path = matrix_path.ok_or("--matrix PATH.npy is required")?;
    let started = Instant::now();
    let x = read_npy(&matrix_path)?;
    println!(
        "BENCH step=load seconds={:.6}",
        started.elapsed().as_secs_f64()
    );
    let mut fits = serde_json::Map::new();
    for n in n_inits {
        let started = Instant::now();
        let model = KMeansParams::new(k).n_starts(n).seed(seed).fit(&x)?;
        println!(
            "BENCH step=fit_ninit{n} seconds={:.6}",
            started.elapsed().as_secs_f64()
        );
        let mut sizes = model.cluster_sizes();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        println!(
            "INFO n_init={n} inertia={:.6} n_iter={} sizes={:?} start_inertias={:?}",
            model.inertia(),
            model.iterations(),
            sizes,
            model.start_inertias()
        );
        fits.insert(
            format!("n_init={n}"),
            json!({"inertia": model.inertia(), "n_iter": model.iterations(), "cluster_sizes": sizes}),
        );
    }
    let result = json!({
        "matrix": matrix_path, "shape": [x.n_rows(), x.n_cols()], "k": k, "seed": seed,
        // summarize.py prints this field as the implementation's version.
        "sklearn": format!("- (kehu {})", env!("CARGO_PKG_VERSION")),
        "threads": rayon::current_num_threads(), "fits": fits,
    });
    println!("RESULT {result}");
    if let Some(path) = json_path {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

/// Reads a float64 little-endian, C-order, 2-D `.npy` file (format versions 1–3).
fn read_npy(path: &str) -> Result<Matrix, Error> {
    let bytes = std::fs::read(path)?;
    if bytes.len() < 12 || &bytes[..6] != b"\x93NUMPY" {
        return Err(format!("{path} is not a .npy file").into());
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[header_start..header_start + header_len])?;
    if !header.contains("'<f8'") || header.contains("'fortran_order': True") {
        return Err(
            format!("{path}: need little-endian float64 in C order, header {header}").into(),
        );
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .ok_or("no shape in the .npy header")?;
    let dims: Vec<usize> = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let [_, n_cols] = dims[..] else {
        return Err(format!("{path}: expected a 2-D array, shape ({shape})").into());
    };
    let values = bytes[header_start + header_len..]
        .chunks_exact(8)
        .map(|chunk| {
            f64::from_le_bytes([
                chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
            ])
        })
        .collect();
    Ok(Matrix::from_row_major(values, n_cols)?)
}
