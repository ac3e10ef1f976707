//! The command line, as clap types. `--help` on every command teaches what it does.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// kehu (客户) — customer classification from your own exports.
///
/// Start with `kehu check FILE` to see exactly what kehu reads from a file and what it sets
/// aside, or `kehu demo` to run the whole job on the bundled UCI Online Retail data.
#[derive(Debug, Parser)]
#[command(name = "kehu", version, propagate_version = true, after_help = EXAMPLES)]
pub struct Cli {
    /// Language of reports and messages: en or zh (default: $KEHU_LANG, else en).
    #[arg(long, global = true, env = "KEHU_LANG", default_value = "en", value_parser = ["en", "zh"])]
    pub lang: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  kehu check orders.csv                    what kehu reads, rejects and why
  kehu check 导出订单.xlsx --sheet 订单 --lang zh
  kehu check orders.csv --quarantine bad.csv --json > report.json
  kehu run orders.csv                      classify every customer, no config needed
  kehu init orders.csv && kehu run -c kehu.toml   the same, with every setting in a file
  kehu demo                                the main job on the bundled data
  kehu gen --customers 100000 --out synth  realistic test data with its ground truth

Exit codes: 0 done; 1 a file was refused (or, with --strict, rows were quarantined);
2 the command line is wrong; 3 kehu could not finish (I/O or internal error).";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files before anything else: format, encoding, column mapping, every row
    /// accounted for (accepted, quarantined with a reason, blank), and what the data holds.
    ///
    /// Nothing is changed or written unless --quarantine is given. The exit code is nonzero
    /// only when a file is refused as a whole (or with --strict when rows are quarantined).
    Check(CheckArgs),
    /// Classify every customer: features, RFM scores and every rule scheme (value tiers, ABC,
    /// RFM segments, Chinese 8-class RFM, lifecycle, …) into a run directory.
    ///
    /// Works with no config (`kehu run orders.csv`); `kehu init` writes a kehu.toml that
    /// shows and changes every default. Writes customers.parquet, segments.csv,
    /// quarantine.csv and run.json.
    Run(RunArgs),
    /// Test the purchase models on your data: fit on all but the last --holdout-days, predict
    /// that holdout, and compare with what customers actually did (totals, per-customer
    /// errors, P(buy) calibration, value ranking, tracking curve). Names the model
    /// `[predict] model = "auto"` would pick.
    Backtest(BacktestArgs),
    /// Learn segments from the data: k-means on log R, F, M and AOV (or --features), k chosen
    /// by the silhouette with the elbow and Calinski–Harabasz shown, clusters named from their
    /// profile, and Ward's hierarchical clustering for comparison. Prints the sweep over k and
    /// the cluster profiles; `kehu run` adds the same clusters as schemes.
    Cluster(ClusterArgs),
    /// Turn a label into rules: a decision tree (CART) trained on a scheme (cluster,
    /// rfm_segment, value_tier, churn_risk, …) or a column of your data, scored on held-out
    /// customers, printed as IF … THEN rules and written as a `[[custom]]` scheme for kehu.toml
    /// that the rule engine evaluates with identical results.
    Tree(TreeArgs),
    /// Compare two schemes of a finished run: customers and revenue in every pair of labels,
    /// and how far they agree (adjusted Rand index).
    Compare(CompareArgs),
    /// Who moved between segments: compare two run directories (snapshots) scheme by scheme —
    /// transition matrices in customers and revenue, upgrades and downgrades, new and lost
    /// customers, and the valuable customers who moved down, with their actions.
    Diff(DiffArgs),
    /// Write the HTML report of a run directory again (report.html; in another language with
    /// --lang), from its run.json and customers.parquet.
    Report(ReportArgs),
    /// Write a commented kehu.toml for your files: the detected mapping and every default.
    Init(InitArgs),
    /// Run the main job on the bundled UCI Online Retail data and print where the results are.
    Demo(DemoArgs),
    /// Generate realistic synthetic customers, transactions and feedback, with the ground
    /// truth used to make them (buy-till-you-die purchasing, heavy-tailed spend, some dirt).
    Gen(GenArgs),
}

/// How to read input files. Everything is detected when not given.
#[derive(Debug, Args, Clone, Default)]
pub struct ReadArgs {
    /// Which table the files feed: transactions, customers or feedback (default: detected
    /// from the headers).
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Text encoding, e.g. utf-8, gb18030, gbk, utf-16le, big5 (default: detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Field delimiter, e.g. ',' ';' '|' or 'tab' (default: sniffed).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Quotes inside quoted fields are escaped with backslashes (MySQL/PHP exports).
    #[arg(long)]
    pub backslash_escape: bool,
    /// The first row is data, not a header; name columns by number in --map (e.g. ts=3).
    #[arg(long)]
    pub no_header: bool,
    /// Rows to skip before the header (default: a title or export-date preamble is detected).
    #[arg(long)]
    pub skip_rows: Option<usize>,
    /// Spreadsheet sheet to read (required when a workbook has several visible sheets);
    /// `all` reads every visible sheet, one input each (a workbook with a year per sheet).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Map a field to a column explicitly, e.g. --map customer_id=会员卡号 (repeatable).
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// Date format of ambiguous dates, chrono syntax, e.g. '%d/%m/%Y'.
    #[arg(long)]
    pub date_format: Option<String>,
    /// Numbers use a decimal comma (1.234,56).
    #[arg(long)]
    pub decimal_comma: bool,
    /// Treat 万/亿 in amounts as errors instead of multiplying them out.
    #[arg(long)]
    pub no_magnitude_units: bool,
    /// Business time zone: times with an offset are converted to it (e.g. +08:00,
    /// Asia/Shanghai; default UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Exact duplicate rows: `auto` quarantines them when the file has an order id (or is a
    /// customers or feedback file) and keeps them, flagged, otherwise; `keep` always keeps
    /// them (line items without a line number); `quarantine` never does.
    #[arg(long, value_enum, default_value = "auto")]
    pub duplicates: DuplicatesArg,
    /// Refuse a file when more than this share of rows is malformed.
    #[arg(long, default_value_t = 0.05)]
    pub max_bad_ratio: f64,
    /// Refuse a file when more than this many rows are malformed.
    #[arg(long, default_value_t = 1000)]
    pub max_bad_rows: u64,
}

/// Duplicate policies on the command line.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum DuplicatesArg {
    /// Decide from the file's identifiers.
    #[default]
    Auto,
    /// Always keep (flagged `repeated_row`).
    Keep,
    /// Always quarantine (`duplicate_row`).
    Quarantine,
}

/// Table kinds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Sales records.
    Transactions,
    /// Customer attributes.
    Customers,
    /// Satisfaction and NPS.
    Feedback,
}

/// `kehu check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to check: CSV/TSV (any delimiter, .gz too), .xlsx, Parquet, JSON lines.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print the report as JSON (field names documented in docs/check-json.md).
    #[arg(long)]
    pub json: bool,
    /// Write every quarantined row, with its reason, line and column, to this CSV file.
    #[arg(long, value_name = "OUT.csv")]
    pub quarantine: Option<PathBuf>,
    /// Exit with 1 when any row is quarantined, not only when a file is refused.
    #[arg(long)]
    pub strict: bool,
    /// Flag dates after this day as out of range (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub latest_date: Option<chrono::NaiveDate>,
    /// How to read the files.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `kehu run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Input files (transactions, and optionally customers and feedback; the kind of each is
    /// detected from its headers). When given, they replace the config's `[[sources]]`.
    pub files: Vec<PathBuf>,
    /// The config file (default: ./kehu.toml when it exists, else the built-in defaults).
    #[arg(short, long, value_name = "kehu.toml")]
    pub config: Option<PathBuf>,
    /// Judge as of this date (exclusive; default: the config's, else the day after the last
    /// transaction).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// The run directory (default: the config's run.out, runs/<as_of>).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Extra formats of the customer table, comma-separated: csv, xlsx.
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// Also classify as of this earlier date (into `OUT/previous`) and write who moved between
    /// segments since then into `OUT/migration`, as `kehu diff` does.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub compare_as_of: Option<chrono::NaiveDate>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
    /// How to read the files.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `kehu backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Input files, as for `kehu run` (they replace the config's `[[sources]]`).
    pub files: Vec<PathBuf>,
    /// The config file (default: ./kehu.toml when it exists, else the built-in defaults).
    #[arg(short, long, value_name = "kehu.toml")]
    pub config: Option<PathBuf>,
    /// End of the data (exclusive; default: the day after the last transaction).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Length of the holdout in days (default: the config's predict.holdout_days, 90).
    #[arg(long)]
    pub holdout_days: Option<u32>,
    /// Also write the whole result as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
    /// How to read the files.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// What `kehu cluster` and `kehu tree` read, as for `kehu run`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input files, as for `kehu run` (they replace the config's `[[sources]]`).
    pub files: Vec<PathBuf>,
    /// The config file (default: ./kehu.toml when it exists, else the built-in defaults).
    #[arg(short, long, value_name = "kehu.toml")]
    pub config: Option<PathBuf>,
    /// Judge as of this date (exclusive; default: the day after the last transaction).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Also write the whole result as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
    /// How to read the files.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `kehu cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Number of clusters (default: the config's `[cluster]` k; 0 = choose by the silhouette).
    #[arg(long)]
    pub k: Option<usize>,
    /// Range of k to try when choosing, e.g. 3,8 (default: the config's, 3..8).
    #[arg(long, value_delimiter = ',', value_name = "LOW,HIGH")]
    pub k_range: Option<Vec<usize>>,
    /// Feature columns to cluster on, comma-separated (default: recency_days, orders, revenue,
    /// aov).
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// Skip Ward's clustering.
    #[arg(long)]
    pub no_ward: bool,
    /// Seed of k-means++ and the samples.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Files, config, as-of, JSON output.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `kehu tree`.
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// What to learn: a scheme id (cluster, rfm_segment, value_tier, churn_risk, …), `churn`
    /// (no order in the last 90 days, learned from the customers as they were before), or a
    /// text or 0/1 column (default: the config's `[tree]` target, cluster).
    #[arg(long)]
    pub target: Option<String>,
    /// A CSV with a customer-id column and the --target column to learn (campaign
    /// responses, a survey answer, your own classification).
    #[arg(long, value_name = "FILE.csv")]
    pub labels: Option<PathBuf>,
    /// Feature columns the rules may use, comma-separated (default: recency, orders, revenue,
    /// aov, tenure and the behaviour columns present).
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// Most conditions in a rule.
    #[arg(long)]
    pub max_depth: Option<usize>,
    /// Fewest customers a rule may cover.
    #[arg(long)]
    pub min_samples_leaf: Option<usize>,
    /// Weigh rare labels as much as common ones.
    #[arg(long)]
    pub balanced: bool,
    /// Cross-validation folds on top of the test split.
    #[arg(long)]
    pub cv_folds: Option<usize>,
    /// Write the rules as a `[[custom]]` scheme for kehu.toml here.
    #[arg(long, value_name = "FILE.toml")]
    pub rules_out: Option<PathBuf>,
    /// Files, config, as-of, JSON output.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `kehu compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A run directory written by `kehu run`.
    pub run_dir: PathBuf,
    /// The scheme in the rows, e.g. rfm_segment.
    pub a: String,
    /// The scheme in the columns, e.g. cluster.
    pub b: String,
    /// Also write the table as CSV here.
    #[arg(long, value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
}

/// `kehu diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run directory.
    pub from: PathBuf,
    /// The later run directory.
    pub to: PathBuf,
    /// Where to write the tables (default: `TO/migration`).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// The scheme whose matrix is printed (all are written).
    #[arg(long, default_value = "value_tier")]
    pub scheme: String,
    /// Watch customers with this label in the earlier run for moving down, e.g.
    /// value_tier:high (repeatable; default: value_tier:high, clv_tier:high, key_customer:key).
    #[arg(long = "alert", value_name = "SCHEME:LABEL")]
    pub alerts: Vec<String>,
}

/// `kehu report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run directory written by `kehu run`.
    pub run_dir: PathBuf,
    /// Where to write the page (default: `RUN_DIR/report.html`).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

/// `kehu init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Data files to sniff (their mapping goes into the config).
    pub files: Vec<PathBuf>,
    /// Where to write the config.
    #[arg(short, long, default_value = "kehu.toml")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// How to read the files.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `kehu demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the results.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
    /// The bundled data folder (default: ./data, else the source tree's data/).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The as-of date of the summary (default: the day after the last transaction).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
}

/// `kehu gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Customers to simulate.
    #[arg(long, default_value_t = 10_000)]
    pub customers: u64,
    /// Stop at exactly this many transaction rows instead (overrides --customers).
    #[arg(long)]
    pub rows: Option<u64>,
    /// Random seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 20250101)]
    pub seed: u64,
    /// The observation end (as-of) date.
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2025-01-01")]
    pub as_of: chrono::NaiveDate,
    /// Years of history.
    #[arg(long, default_value_t = 3)]
    pub years: u32,
    /// Deliberate dirt in the CSV: none, some (0.5% of rows) or heavy (5%).
    #[arg(long, value_enum, default_value = "some")]
    pub dirt: DirtArg,
    /// Output formats, comma-separated: csv, parquet.
    #[arg(long, value_delimiter = ',', default_value = "csv")]
    pub format: Vec<FormatArg>,
    /// Skip the feedback table.
    #[arg(long)]
    pub no_feedback: bool,
    /// Output folder.
    #[arg(long, default_value = "out/synth")]
    pub out: PathBuf,
}

/// Dirt levels.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DirtArg {
    /// Clean data.
    None,
    /// About 0.5% of rows.
    Some,
    /// About 5% of rows.
    Heavy,
}

/// Output formats of `gen`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// CSV.
    Csv,
    /// Parquet.
    Parquet,
}
