use kehu_ingest::{ImportError, ImportReport, TableProfile};
use serde::Serialize;

/// The report of `kehu check` over one or more files. Its JSON form is documented in
/// `docs/check-json.md`; field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// kehu's version.
    pub kehu_version: String,
    /// Files that were read (possibly with quarantined rows).
    pub files: Vec<FileCheck>,
    /// Files that were refused as a whole.
    pub refused: Vec<RefusedFile>,
    /// How the files' customers meet, when files of more than one kind were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub across_files: Option<AcrossFiles>,
}

/// How the customers of the transactions, customers and feedback files meet: ids that one
/// file has and another lacks are the first sign that two systems number customers
/// differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcrossFiles {
    /// Distinct customers with transactions.
    pub buyers: u64,
    /// Distinct customers listed in the customers files (`None` without one).
    pub listed: Option<u64>,
    /// Distinct customers with feedback (`None` without a feedback file).
    pub with_feedback: Option<u64>,
    /// Listed customers without any transaction (potential customers).
    pub listed_without_transactions: Option<u64>,
    /// Buyers the customers files do not list.
    pub buyers_not_listed: Option<u64>,
    /// Customers with feedback found in no transactions and no customers file.
    pub feedback_from_unknown: Option<u64>,
    /// Up to three ids of each gap, the smallest, by the gap's field name (masked as in the
    /// quarantine).
    pub examples: std::collections::BTreeMap<String, Vec<String>>,
}

/// One file that was read.
#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    /// How it was read and what became of every row.
    #[serde(flatten)]
    pub import: ImportReport,
    /// What its accepted rows hold.
    #[serde(flatten)]
    pub profile: TableProfile,
}

/// One file refused as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedFile {
    /// The file.
    pub file: String,
    /// Stable reason code.
    pub reason: String,
    /// Physical line (or row) where the problem is, when known.
    pub line: Option<u64>,
    /// Where, in words (`line 3`, `Sheet1!D17`).
    pub location: Option<String>,
    /// The column, when known.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
    /// What to do, in Chinese.
    pub hint_zh: Option<String>,
}

impl From<&ImportError> for RefusedFile {
    fn from(e: &ImportError) -> Self {
        RefusedFile {
            file: e.file.display().to_string(),
            reason: e.reason.code().to_string(),
            line: e.location.as_ref().map(|l| l.ordinal()),
            location: e.location.as_ref().map(|l| l.to_string()),
            column: e.column.clone(),
            message: e.message.clone(),
            hint: e.hint.clone(),
            hint_zh: e.hint_zh.clone(),
        }
    }
}
