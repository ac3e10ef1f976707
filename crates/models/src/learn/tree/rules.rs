//! The tree as a list of rules: one [`LeafRule`] per leaf, the tests on its path merged per
//! feature into the tightest bounds, with the missing-value rule spelled out so that a rule
//! can be rendered as SQL without changing which rows it matches.

use super::decision_tree::DecisionTree;

/// How a [`Condition`] compares a feature with its threshold. Missing values (NaN, SQL `NULL`)
/// are matched only where a variant says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionOp {
    /// `x <= threshold`; a missing `x` does not match.
    LessOrEqual,
    /// `x > threshold`; a missing `x` does not match (the path also has a `<=` on this feature).
    Greater,
    /// `x > threshold` or `x` missing (SQL: `(x > t OR x IS NULL)`): the path took only right
    /// branches on this feature, and missing values always go right.
    GreaterOrMissing,
    /// `x` is missing (the path went right at the split that separates missing values; the
    /// threshold is +∞).
    Missing,
    /// `x` is present (left at that split; the threshold is +∞).
    NotMissing,
}

/// One test of a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    pub feature: usize,
    pub op: ConditionOp,
    pub threshold: f64,
}

impl Condition {
    /// Whether a value passes the test.
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            ConditionOp::LessOrEqual => value <= self.threshold,
            ConditionOp::Greater => value > self.threshold,
            ConditionOp::GreaterOrMissing => value > self.threshold || value.is_nan(),
            ConditionOp::Missing => value.is_nan(),
            ConditionOp::NotMissing => !value.is_nan(),
        }
    }

    /// Whether a missing value passes the test.
    pub fn admits_missing(&self) -> bool {
        matches!(
            self.op,
            ConditionOp::GreaterOrMissing | ConditionOp::Missing
        )
    }
}

/// The path to one leaf, as conditions that must all hold, and what the leaf predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafRule {
    /// The leaf's index in [`DecisionTree::nodes`].
    pub leaf: usize,
    /// At most two per feature (a lower and an upper bound), features in the order the path
    /// first tests them, lower bound before upper bound.
    pub conditions: Vec<Condition>,
    pub class: u32,
    /// Training samples in the leaf.
    pub n_samples: usize,
    /// Training samples of each class in the leaf.
    pub class_counts: Vec<u64>,
    /// The leaf's (weighted) share of its predicted class.
    pub confidence: f64,
}

/// Whether `row` satisfies every condition of `rule`. For the rules of one tree, exactly one
/// rule matches any row, and its class is the tree's prediction.
pub fn rule_matches(rule: &LeafRule, row: &[f64]) -> bool {
    rule.conditions.iter().all(|c| c.holds(row[c.feature]))
}

/// The bounds a path puts on one feature.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    feature: usize,
    /// Smallest threshold of the left branches taken (`x <= t`).
    upper: Option<f64>,
    /// Largest threshold of the right branches taken (`x > t`, or missing).
    lower: Option<f64>,
}

impl Bounds {
    fn conditions(&self) -> impl Iterator<Item = Condition> {
        let condition = |op, threshold| Condition {
            feature: self.feature,
            op,
            threshold,
        };
        let (lower, upper) = match (self.lower, self.upper) {
            (None, None) => (None, None),
            (None, Some(u)) if u == f64::INFINITY => {
                (None, Some(condition(ConditionOp::NotMissing, u)))
            }
            (None, Some(u)) => (None, Some(condition(ConditionOp::LessOrEqual, u))),
            (Some(l), None) if l == f64::INFINITY => {
                (Some(condition(ConditionOp::Missing, l)), None)
            }
            (Some(l), None) => (Some(condition(ConditionOp::GreaterOrMissing, l)), None),
            // A `<=` excludes missing values, and `x > l` already implies `x <= +∞`.
            (Some(l), Some(u)) => (
                Some(condition(ConditionOp::Greater, l)),
                (u != f64::INFINITY).then(|| condition(ConditionOp::LessOrEqual, u)),
            ),
        };
        lower.into_iter().chain(upper)
    }
}

impl DecisionTree {
    /// One rule per leaf, in node order (left to right for a depth-limited tree).
    pub fn rules(&self) -> Vec<LeafRule> {
        let nodes = self.nodes();
        let mut rules = Vec::with_capacity(self.n_leaves());
        let mut stack: Vec<(usize, Vec<Bounds>)> = vec![(0, Vec::new())];
        while let Some((id, path)) = stack.pop() {
            let node = &nodes[id];
            match &node.split {
                Some(split) => {
                    let side = |go_left: bool| {
                        let mut path = path.clone();
                        let position = path.iter().position(|b| b.feature == split.feature);
                        let bounds = match position {
                            Some(i) => &mut path[i],
                            None => {
                                path.push(Bounds {
                                    feature: split.feature,
                                    upper: None,
                                    lower: None,
                                });
                                let last = path.len() - 1;
                                &mut path[last]
                            }
                        };
                        let t = split.threshold;
                        if go_left {
                            bounds.upper = Some(bounds.upper.map_or(t, |u| u.min(t)));
                        } else {
                            bounds.lower = Some(bounds.lower.map_or(t, |l| l.max(t)));
                        }
                        path
                    };
                    stack.push((split.right, side(false)));
                    stack.push((split.left, side(true)));
                }
                None => rules.push(LeafRule {
                    leaf: id,
                    conditions: path.iter().flat_map(Bounds::conditions).collect(),
                    class: node.class,
                    n_samples: node.n_samples,
                    class_counts: node.class_counts.clone(),
                    confidence: node.probabilities[node.class as usize],
                }),
            }
        }
        rules.sort_by_key(|r| r.leaf);
        rules
    }
}
