//! kehu's vocabulary, shared by every other crate and free of I/O.
//!
//! - [`Lang`]: the two languages every label, report and message is written in.
//! - [`Money`]: exact amounts (integer units of 1/10,000), so that totals printed for a dataset
//!   equal the sum of its valid rows to the cent.
//! - [`Reason`]: why a row was quarantined, normalised or flagged, or why a file was refused;
//!   each has a stable snake_case code that scripts may rely on.
//! - [`Labelling`]: what every classification scheme yields — one [`Label`] per customer,
//!   with stable codes and zh/en names.
//! - [`Location`]: where in a source file something was found (physical line or sheet cell).
//!
//! Invariant: nothing here reads the clock, the environment or random state.

mod labelling;
mod lang;
mod location;
mod money;
mod reason;

pub use labelling::{Label, Labelling, Note, SchemeInfo};
pub use lang::Lang;
pub use location::Location;
pub use money::{Money, MoneyParseError};
pub use reason::{Reason, ReasonClass};

/// The prefix of a customers file's extra attributes in the customers table and the feature
/// table: the columns no field names, kept as text (`Marital_Status` → `attr_marital_status`).
pub const ATTRIBUTE_PREFIX: &str = "attr_";
