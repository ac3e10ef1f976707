use kehu_domain::{Location, Reason};
use std::path::PathBuf;

/// A file refused as a whole: nothing of it is published.
///
/// Carries one stable [`Reason`] code, where the problem is (line or cell, and column when
/// known), what was found, and what the user can do about it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}{}{}", file.display(), location_text(.location, .column), hint_text(.hint))]
pub struct ImportError {
    /// The file.
    pub file: PathBuf,
    /// Stable reason code.
    pub reason: Reason,
    /// Where, when a place can be named.
    pub location: Option<Location>,
    /// The column, when one can be named.
    pub column: Option<String>,
    /// What is wrong, in English; the CLI translates by `reason` and shows this as detail.
    pub message: String,
    /// What to do about it, in English.
    pub hint: Option<String>,
    /// The same advice in Chinese.
    pub hint_zh: Option<String>,
}

fn location_text(location: &Option<Location>, column: &Option<String>) -> String {
    match (location, column) {
        (Some(l), Some(c)) => format!(" (at {l}, column `{c}`)"),
        (Some(l), None) => format!(" (at {l})"),
        (None, Some(c)) => format!(" (column `{c}`)"),
        (None, None) => String::new(),
    }
}

fn hint_text(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default()
}

impl ImportError {
    /// A refusal with just a reason and a message; add place and hint with the builders.
    pub fn new(file: impl Into<PathBuf>, reason: Reason, message: impl Into<String>) -> Self {
        ImportError {
            file: file.into(),
            reason,
            location: None,
            column: None,
            message: message.into(),
            hint: None,
            hint_zh: None,
        }
    }

    /// Names the place.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Names the column.
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Says what to do, in English and in Chinese.
    pub fn hint(mut self, en: impl Into<String>, zh: impl Into<String>) -> Self {
        self.hint = Some(en.into());
        self.hint_zh = Some(zh.into());
        self
    }
}
