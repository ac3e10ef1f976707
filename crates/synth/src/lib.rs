//! Seeded synthetic customers, transactions and feedback, with the ground truth behind them.
//!
//! [`generate`] simulates a "buy till you die" population (BG/NBD purchasing and drop-out,
//! Gamma-Gamma order values; see [`TruthModel`]) over a history window ending at
//! [`GenParams::as_of`] and writes what a shop's systems would export: an order log
//! (`transactions.csv` / `.parquet`, one row per order line, returns as negative rows), a
//! customer master (`customers.csv`) and survey answers (`feedback.csv`), in English or Chinese.
//! Beside them, `truth/` holds what the simulation knows and an analyst never sees: each
//! customer's true parameters and alive flag, exact aggregates of the clean rows, every piece
//! of deliberate dirt in the CSV with the importer's expected verdict, and the parameters.
//!
//! Layout: [`GenParams`] (params.rs) → `Plan` (plan.rs: every customer simulated by
//! `CustomerSim` into a compact, sorted event log) → `TransactionLog` (transaction_log.rs:
//! each order's lines drawn again by `OrderLines` and streamed to the CSV and Parquet sinks,
//! `Dirt` spoiling CSV lines) → customers, feedback and truth files.
//!
//! Invariants:
//! - the output bytes are a pure function of ([`GenParams`], formats): every random draw comes
//!   from a ChaCha8 stream keyed by (seed, purpose, customer[, order]); no clock, no hash-map
//!   iteration;
//! - rows are sorted by (date, customer id) and order ids increase with time;
//! - an order's line amounts sum exactly to its order value, and on every line
//!   `amount = quantity × unit_price − discount`, to the cent;
//! - dirt only adds lines that the importer must quarantine or skip, or rewrites values into a
//!   form that normalises back: the clean rows, hence the truth aggregates, do not depend on
//!   the dirt level.

mod customer_profile;
mod customer_sim;
mod dirt;
mod error;
mod feedback;
mod generate;
mod labels;
mod names;
mod order_lines;
mod params;
mod parquet_table;
mod plan;
mod population;
mod streams;
mod text_format;
mod transaction_csv;
mod transaction_log;
mod transaction_parquet;
mod transaction_row;
mod truth;

pub use dirt::DirtKind;
pub use error::SynthError;
pub use generate::{GenSummary, generate};
pub use params::{
    DEFAULT_AS_OF, DirtLevel, GenParams, MAX_CUSTOMERS, MAX_YEARS, OutputFormat, TruthModel,
};
