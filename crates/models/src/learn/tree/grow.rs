//! Growing the tree on the sorted lists of [`super::segment`]: the stopping rules, the choice of
//! a node's split, and depth-first growth. Per node, the features are scanned in parallel and
//! their best splits reduced in feature order; sibling subtrees grow in parallel. Every result
//! is computed by one thread in a fixed order, so the tree does not depend on the thread count.

use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use super::best_first::grow_best_first;
use super::node::{Node, NodeSplit};
use super::params::{Criterion, TreeError};
use super::segment::{Segment, presort, release_scratch};
use super::splitter::{
    ClassWeights, Entry, FeatureSplit, NodeStats, RowWeights, Weigh, best_split_on, improvement,
};
use crate::learn::Matrix;

/// Below this many entries (samples × features) a node is handled by one thread: splitting the
/// work would cost more than it saves.
const PARALLEL_WORK: usize = 1 << 15;
/// Sibling subtrees grow in parallel only this deep; deeper (rare, unbounded trees), an explicit
/// stack keeps the call stack flat.
const RECURSION_DEPTH: usize = 48;

/// The limits of a fit, checked and resolved by `TreeParams`.
#[derive(Debug, Clone)]
pub(super) struct Growth {
    pub criterion: Criterion,
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub max_leaf_nodes: Option<usize>,
    pub min_impurity_decrease: f64,
    pub n_classes: usize,
}

/// Sample weights: per class (the common case) or per row.
#[derive(Debug, Clone)]
pub(super) enum Weights {
    PerClass(Vec<f64>),
    PerRow(Vec<f64>),
}

/// Grows the tree and returns its nodes (root first).
pub(super) fn grow(
    x: &Matrix,
    y: &[u32],
    weights: &Weights,
    growth: &Growth,
) -> Result<Vec<Node>, TreeError> {
    match weights {
        Weights::PerClass(w) => grow_with(x, y, ClassWeights(w), growth),
        Weights::PerRow(w) => grow_with(x, y, RowWeights(w), growth),
    }
}

/// The chosen split of a node and its children's totals.
#[derive(Debug)]
pub(super) struct Chosen {
    pub feature: usize,
    pub threshold: f64,
    pub n_left: usize,
    pub improvement: f64,
    pub left: NodeStats,
    pub right: NodeStats,
}

#[derive(Debug)]
pub(super) struct Context<'a, W> {
    growth: &'a Growth,
    weigh: W,
    weighted_root: f64,
    n_features: usize,
    /// Scratch: which side each row goes to in the split being applied. Sibling subtrees touch
    /// disjoint rows, so relaxed atomics suffice.
    goes_left: Vec<AtomicBool>,
}

impl<W: Weigh> Context<'_, W> {
    fn parallel(&self, n: usize) -> bool {
        n.saturating_mul(self.n_features) >= PARALLEL_WORK
    }

    /// Whether a node may be split at all (scikit-learn's stopping rules before the search).
    fn may_split(&self, stats: &NodeStats, depth: usize) -> bool {
        let growth = self.growth;
        depth < growth.max_depth
            && stats.n >= growth.min_samples_split
            && stats.impurity > f64::EPSILON
    }

    /// Whether either child of a split may be split again. If not, the split is not applied to
    /// the sorted lists: its children are leaves, whose totals are already known.
    pub fn children_may_split(&self, chosen: &Chosen, depth: usize) -> bool {
        self.may_split(&chosen.left, depth + 1) || self.may_split(&chosen.right, depth + 1)
    }

    /// Applies a split to the node's sorted lists.
    pub fn partition<'s>(
        &self,
        segment: Segment<'s>,
        chosen: &Chosen,
    ) -> (Segment<'s>, Segment<'s>) {
        let parallel = self.parallel(segment.len());
        segment.partition(chosen.feature, chosen.n_left, &self.goes_left, parallel)
    }

    fn stats(&self, entries: &[Entry]) -> NodeStats {
        NodeStats::of(
            entries,
            &self.weigh,
            self.growth.n_classes,
            self.growth.criterion,
        )
    }
}

fn grow_with<W: Weigh>(
    x: &Matrix,
    y: &[u32],
    weigh: W,
    growth: &Growth,
) -> Result<Vec<Node>, TreeError> {
    let mut columns = presort(x, y);
    let segment = Segment {
        columns: columns.iter_mut().map(Vec::as_mut_slice).collect(),
    };
    let root = NodeStats::of(
        &segment.columns[0][..],
        &weigh,
        growth.n_classes,
        growth.criterion,
    );
    if root.weighted_n <= 0.0 {
        return Err(TreeError::ZeroTotalWeight);
    }
    let context = Context {
        growth,
        weigh,
        weighted_root: root.weighted_n,
        n_features: x.n_cols(),
        goes_left: (0..x.n_rows()).map(|_| AtomicBool::new(false)).collect(),
    };
    let nodes = match growth.max_leaf_nodes {
        Some(max_leaf_nodes) => grow_best_first(&context, segment, root, max_leaf_nodes),
        None => grow_depth_first(&context, segment, root, 0),
    };
    release_scratch();
    Ok(nodes)
}

/// The node's best split, or `None` when it must stay a leaf (scikit-learn's stopping rules).
pub(super) fn evaluate<W: Weigh>(
    context: &Context<'_, W>,
    segment: &Segment<'_>,
    stats: &NodeStats,
    depth: usize,
) -> Option<Chosen> {
    let growth = context.growth;
    if !context.may_split(stats, depth) {
        return None;
    }
    let search = |entries: &&mut [Entry]| {
        best_split_on(
            entries,
            stats,
            growth.criterion,
            growth.min_samples_leaf,
            &context.weigh,
        )
    };
    let per_feature: Vec<Option<FeatureSplit>> = if context.parallel(stats.n) {
        segment.columns.par_iter().map(search).collect()
    } else {
        segment.columns.iter().map(search).collect()
    };
    // Equal scores: the lowest feature wins (only strictly better ones replace it).
    let mut best: Option<(usize, FeatureSplit)> = None;
    for (feature, split) in per_feature.into_iter().enumerate() {
        if let Some(split) = split
            && best.is_none_or(|(_, b)| split.proxy > b.proxy)
        {
            best = Some((feature, split));
        }
    }
    let (feature, split) = best?;
    let entries = &segment.columns[feature];
    let left = context.stats(&entries[..split.n_left]);
    let right = context.stats(&entries[split.n_left..]);
    let improvement = improvement(stats, &left, &right, context.weighted_root);
    if improvement + f64::EPSILON < growth.min_impurity_decrease {
        return None;
    }
    Some(Chosen {
        feature,
        threshold: split.threshold,
        n_left: split.n_left,
        improvement,
        left,
        right,
    })
}

/// Depth-first growth (no leaf limit): pre-order node list, left subtree first.
fn grow_depth_first<W: Weigh>(
    context: &Context<'_, W>,
    segment: Segment<'_>,
    stats: NodeStats,
    depth: usize,
) -> Vec<Node> {
    if depth >= RECURSION_DEPTH || !context.parallel(segment.len()) {
        return grow_with_stack(context, segment, stats, depth);
    }
    let Some(chosen) = evaluate(context, &segment, &stats, depth) else {
        return vec![Node::leaf(stats, depth)];
    };
    if !context.children_may_split(&chosen, depth) {
        return with_leaf_children(stats, depth, chosen);
    }
    let (left_segment, right_segment) = context.partition(segment, &chosen);
    let Chosen {
        feature,
        threshold,
        improvement,
        left,
        right,
        ..
    } = chosen;
    let (left_nodes, right_nodes) = rayon::join(
        || grow_depth_first(context, left_segment, left, depth + 1),
        || grow_depth_first(context, right_segment, right, depth + 1),
    );
    let mut node = Node::leaf(stats, depth);
    node.split = Some(NodeSplit {
        feature,
        threshold,
        left: 1,
        right: 1 + left_nodes.len(),
        improvement,
    });
    let mut nodes = Vec::with_capacity(1 + left_nodes.len() + right_nodes.len());
    nodes.push(node);
    append_shifted(&mut nodes, left_nodes);
    append_shifted(&mut nodes, right_nodes);
    nodes
}

/// A split node whose children are both leaves.
fn with_leaf_children(stats: NodeStats, depth: usize, chosen: Chosen) -> Vec<Node> {
    let mut node = Node::leaf(stats, depth);
    node.split = Some(NodeSplit {
        feature: chosen.feature,
        threshold: chosen.threshold,
        left: 1,
        right: 2,
        improvement: chosen.improvement,
    });
    vec![
        node,
        Node::leaf(chosen.left, depth + 1),
        Node::leaf(chosen.right, depth + 1),
    ]
}

/// Appends a subtree's nodes, renumbering its child links to their new places.
fn append_shifted(nodes: &mut Vec<Node>, subtree: Vec<Node>) {
    let offset = nodes.len();
    nodes.extend(subtree.into_iter().map(|mut node| {
        if let Some(split) = node.split.as_mut() {
            split.left += offset;
            split.right += offset;
        }
        node
    }));
}

/// Depth-first growth on one thread with an explicit stack (same node order).
fn grow_with_stack<W: Weigh>(
    context: &Context<'_, W>,
    segment: Segment<'_>,
    stats: NodeStats,
    depth: usize,
) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack = vec![(segment, stats, depth, None::<(usize, bool)>)];
    while let Some((segment, stats, depth, parent)) = stack.pop() {
        let id = nodes.len();
        if let Some((parent, is_left)) = parent
            && let Some(split) = nodes[parent].split.as_mut()
        {
            if is_left {
                split.left = id;
            } else {
                split.right = id;
            }
        }
        let Some(chosen) = evaluate(context, &segment, &stats, depth) else {
            nodes.push(Node::leaf(stats, depth));
            continue;
        };
        if !context.children_may_split(&chosen, depth) {
            append_shifted(&mut nodes, with_leaf_children(stats, depth, chosen));
            continue;
        }
        let (left_segment, right_segment) = context.partition(segment, &chosen);
        let mut node = Node::leaf(stats, depth);
        node.split = Some(NodeSplit {
            feature: chosen.feature,
            threshold: chosen.threshold,
            left: 0,
            right: 0,
            improvement: chosen.improvement,
        });
        nodes.push(node);
        // Right first onto the stack, so that the left subtree is numbered first.
        stack.push((right_segment, chosen.right, depth + 1, Some((id, false))));
        stack.push((left_segment, chosen.left, depth + 1, Some((id, true))));
    }
    nodes
}
