//! Labels and labellings: what every classification scheme produces.

use crate::Lang;
use serde::{Deserialize, Serialize};

/// One class of a scheme: a stable code that scripts rely on, and display names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Stable snake_case code (`champions`, `high`, `important_value`).
    pub code: String,
    /// English display name.
    pub en: String,
    /// Chinese display name.
    pub zh: String,
}

impl Label {
    /// A label from its code and its two names.
    pub fn new(code: impl Into<String>, en: impl Into<String>, zh: impl Into<String>) -> Self {
        Label {
            code: code.into(),
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The display name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.zh)
    }
}

/// A scheme's identity: the column it writes and its display names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeInfo {
    /// The output column holding the label code (`value_tier`, `rfm_segment`, …).
    pub id: String,
    /// English title.
    pub en: String,
    /// Chinese title.
    pub zh: String,
}

impl SchemeInfo {
    /// A scheme identity.
    pub fn new(id: impl Into<String>, en: impl Into<String>, zh: impl Into<String>) -> Self {
        SchemeInfo {
            id: id.into(),
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.zh)
    }
}

/// The result of one scheme over all customers: exactly one label per customer.
///
/// Every scheme — rule, score or model — returns this, so that the report, the playbook,
/// snapshots and training treat them alike.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelling {
    /// Which scheme.
    pub scheme: SchemeInfo,
    /// The catalogue of labels, in display order; unused labels stay listed (count 0).
    pub labels: Vec<Label>,
    /// Per customer (in feature-table order), the index into `labels`.
    pub assigned: Vec<u32>,
    /// Facts the report should show next to the scheme (thresholds used, customers matched by
    /// several rules, …), in both languages.
    pub notes: Vec<Note>,
}

/// A sentence about a scheme's result, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: String,
}

impl Note {
    /// A note in both languages.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Note {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

impl Labelling {
    /// Customers per label, in catalogue order.
    pub fn counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.labels.len()];
        for &i in &self.assigned {
            counts[i as usize] += 1;
        }
        counts
    }

    /// The label code of each customer.
    pub fn codes(&self) -> impl Iterator<Item = &str> + '_ {
        self.assigned
            .iter()
            .map(|&i| self.labels[i as usize].code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_catalogue_order() {
        let l = Labelling {
            scheme: SchemeInfo::new("t", "T", "T"),
            labels: vec![Label::new("a", "A", "甲"), Label::new("b", "B", "乙")],
            assigned: vec![1, 1, 0],
            notes: vec![],
        };
        assert_eq!(l.counts(), vec![1, 2]);
        assert_eq!(l.codes().collect::<Vec<_>>(), vec!["b", "b", "a"]);
        assert_eq!(l.labels[1].name(Lang::Zh), "乙");
    }
}
