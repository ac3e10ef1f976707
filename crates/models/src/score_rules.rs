//! Named segments from RFM scores: a list of score ranges, first match wins.

/// An inclusive range of a score (or of the mean of F and M, which can be a half).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lowest value included.
    pub low: f64,
    /// Highest value included.
    pub high: f64,
}

impl ScoreRange {
    /// `low..=high`.
    pub fn new(low: f64, high: f64) -> Self {
        ScoreRange { low, high }
    }

    fn contains(self, v: f64) -> bool {
        self.low <= v && v <= self.high
    }
}

/// The conditions of one named segment; an absent range matches every score.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScoreRule {
    /// Range of the recency score.
    pub r: Option<ScoreRange>,
    /// Range of the frequency score.
    pub f: Option<ScoreRange>,
    /// Range of the monetary score.
    pub m: Option<ScoreRange>,
    /// Range of (F + M) / 2, the second axis of the 11-group RFM grid.
    pub fm: Option<ScoreRange>,
}

impl ScoreRule {
    /// Whether scores `(r, f, m)` satisfy every range of the rule.
    pub fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        let ok = |range: Option<ScoreRange>, v: f64| range.is_none_or(|x| x.contains(v));
        ok(self.r, f64::from(r))
            && ok(self.f, f64::from(f))
            && ok(self.m, f64::from(m))
            && ok(self.fm, (f64::from(f) + f64::from(m)) / 2.0)
    }
}

/// The index of the first rule the scores satisfy, or `None` ("other").
///
/// ```
/// use kehu_models::{first_matching_rule, ScoreRange, ScoreRule};
/// let top = ScoreRule { r: Some(ScoreRange::new(4.0, 5.0)), ..Default::default() };
/// assert_eq!(first_matching_rule(&[top], 5, 1, 1), Some(0));
/// assert_eq!(first_matching_rule(&[top], 3, 5, 5), None);
/// ```
pub fn first_matching_rule(rules: &[ScoreRule], r: u8, f: u8, m: u8) -> Option<usize> {
    rules.iter().position(|rule| rule.matches(r, f, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fm_axis_uses_the_mean_of_f_and_m() {
        let rule = ScoreRule {
            fm: Some(ScoreRange::new(0.0, 1.5)),
            ..Default::default()
        };
        assert!(rule.matches(3, 1, 2));
        assert!(!rule.matches(3, 2, 2));
    }
}
