//! Growing the tree. Each feature's row indices are sorted once, at the root; a node owns the
//! same contiguous range in every feature's sorted list, and splitting a node partitions each
//! range stably into its left and right parts, so no node ever sorts again (O(n · d) work per
//! level instead of O(n log n · d)). Per node, the features are scanned in parallel and their
//! best splits reduced in feature order; sibling subtrees grow in parallel. Every result is
//! computed by one thread in a fixed order, so the tree does not depend on the thread count.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering as MemoryOrdering};

use rayon::prelude::*;

use super::node::{Node, NodeSplit};
use super::params::{Criterion, TreeError};
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
struct Chosen {
    feature: usize,
    threshold: f64,
    n_left: usize,
    improvement: f64,
    left: NodeStats,
    right: NodeStats,
}

/// A node's samples: the same rows, sorted by each feature in turn.
#[derive(Debug)]
struct Segment<'a> {
    columns: Vec<&'a mut [Entry]>,
}

impl Segment<'_> {
    fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }
}

#[derive(Debug)]
struct Context<'a, W> {
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
    Ok(match growth.max_leaf_nodes {
        Some(max_leaf_nodes) => grow_best_first(&context, segment, root, max_leaf_nodes),
        None => grow_depth_first(&context, segment, root, 0),
    })
}

/// Every feature's (value, row, label) entries sorted by value, NaN last; equal values by row.
fn presort(x: &Matrix, y: &[u32]) -> Vec<Vec<Entry>> {
    let d = x.n_cols();
    let values = x.values();
    (0..d)
        .into_par_iter()
        .map(|feature| {
            let mut entries: Vec<Entry> = y
                .iter()
                .enumerate()
                .map(|(row, &label)| Entry {
                    value: values[row * d + feature],
                    row: row as u32,
                    label,
                })
                .collect();
            entries.sort_unstable_by_key(|e| (sort_key(e.value), e.row));
            entries
        })
        .collect()
}

/// An integer with the order of the values: negative numbers below positive ones, -0 equal to
/// +0, every NaN above +∞.
fn sort_key(value: f64) -> u64 {
    if value.is_nan() {
        return u64::MAX;
    }
    let bits = (value + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The node's best split, or `None` when it must stay a leaf (scikit-learn's stopping rules).
fn evaluate<W: Weigh>(
    context: &Context<'_, W>,
    segment: &Segment<'_>,
    stats: &NodeStats,
    depth: usize,
) -> Option<Chosen> {
    let growth = context.growth;
    if depth >= growth.max_depth
        || stats.n < growth.min_samples_split
        || stats.impurity <= f64::EPSILON
    {
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

thread_local! {
    static RIGHT_SIDE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Applies a split: every feature's range is partitioned stably into left then right.
fn partition<'a, W: Weigh>(
    context: &Context<'_, W>,
    segment: Segment<'a>,
    chosen: &Chosen,
) -> (Segment<'a>, Segment<'a>) {
    let n_left = chosen.n_left;
    let sorted = &segment.columns[chosen.feature];
    for (i, entry) in sorted.iter().enumerate() {
        context.goes_left[entry.row as usize].store(i < n_left, MemoryOrdering::Relaxed);
    }
    let mut columns = segment.columns;
    let work = |(feature, entries): (usize, &mut &'a mut [Entry])| {
        // The split feature is already in order: its left part is a prefix.
        if feature != chosen.feature {
            partition_entries(entries, n_left, &context.goes_left);
        }
    };
    if context.parallel(sorted_len(&columns)) {
        columns.par_iter_mut().enumerate().for_each(work);
    } else {
        columns.iter_mut().enumerate().for_each(work);
    }
    let mut left = Vec::with_capacity(columns.len());
    let mut right = Vec::with_capacity(columns.len());
    for entries in columns {
        let (l, r) = entries.split_at_mut(n_left);
        left.push(l);
        right.push(r);
    }
    (Segment { columns: left }, Segment { columns: right })
}

fn sorted_len(columns: &[&mut [Entry]]) -> usize {
    columns.first().map_or(0, |c| c.len())
}

/// Moves the entries whose row goes left to the front, keeping the order on both sides.
/// Branch-free: each entry is written to both places and only one cursor advances.
fn partition_entries(entries: &mut [Entry], n_left: usize, goes_left: &[AtomicBool]) {
    RIGHT_SIDE.with(|right| {
        let mut right = right.borrow_mut();
        right.clear();
        right.resize(entries.len() - n_left + 1, Entry::default());
        let (mut l, mut r) = (0, 0);
        for i in 0..entries.len() {
            let entry = entries[i];
            let is_left = goes_left[entry.row as usize].load(MemoryOrdering::Relaxed);
            entries[l] = entry;
            right[r] = entry;
            l += usize::from(is_left);
            r += usize::from(!is_left);
        }
        entries[l..].copy_from_slice(&right[..r]);
    });
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
    let (left_segment, right_segment) = partition(context, segment, &chosen);
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
        let chosen = evaluate(context, &segment, &stats, depth);
        let mut node = Node::leaf(stats, depth);
        if let Some(chosen) = chosen {
            let (left_segment, right_segment) = partition(context, segment, &chosen);
            node.split = Some(NodeSplit {
                feature: chosen.feature,
                threshold: chosen.threshold,
                left: 0,
                right: 0,
                improvement: chosen.improvement,
            });
            // Right first onto the stack, so that the left subtree is numbered first.
            stack.push((right_segment, chosen.right, depth + 1, Some((id, false))));
            stack.push((left_segment, chosen.left, depth + 1, Some((id, true))));
        }
        nodes.push(node);
    }
    nodes
}

/// A node waiting to be split by best-first growth.
#[derive(Debug)]
struct Frontier<'a> {
    id: usize,
    depth: usize,
    segment: Segment<'a>,
    chosen: Chosen,
}

impl Frontier<'_> {
    /// Larger improvement first; equal improvements: the older (lower id) node first.
    fn priority(&self, other: &Self) -> Ordering {
        self.chosen
            .improvement
            .total_cmp(&other.chosen.improvement)
            .then(other.id.cmp(&self.id))
    }
}

impl PartialEq for Frontier<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.priority(other) == Ordering::Equal
    }
}

impl Eq for Frontier<'_> {}

impl PartialOrd for Frontier<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Frontier<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority(other)
    }
}

/// Best-first growth (scikit-learn's `BestFirstTreeBuilder`): always split the open node with
/// the largest improvement, until `max_leaf_nodes` leaves. Children are numbered in pairs as
/// they are created.
fn grow_best_first<W: Weigh>(
    context: &Context<'_, W>,
    segment: Segment<'_>,
    stats: NodeStats,
    max_leaf_nodes: usize,
) -> Vec<Node> {
    let mut heap = BinaryHeap::new();
    if let Some(chosen) = evaluate(context, &segment, &stats, 0) {
        heap.push(Frontier {
            id: 0,
            depth: 0,
            segment,
            chosen,
        });
    }
    let mut nodes = vec![Node::leaf(stats, 0)];
    let mut splits_left = max_leaf_nodes - 1;
    while splits_left > 0 {
        let Some(open) = heap.pop() else { break };
        splits_left -= 1;
        let (left_segment, right_segment) = partition(context, open.segment, &open.chosen);
        let left_id = nodes.len();
        nodes[open.id].split = Some(NodeSplit {
            feature: open.chosen.feature,
            threshold: open.chosen.threshold,
            left: left_id,
            right: left_id + 1,
            improvement: open.chosen.improvement,
        });
        let depth = open.depth + 1;
        let children = [
            (left_segment, open.chosen.left),
            (right_segment, open.chosen.right),
        ];
        for (segment, stats) in children {
            let id = nodes.len();
            if let Some(chosen) = evaluate(context, &segment, &stats, depth) {
                heap.push(Frontier {
                    id,
                    depth,
                    segment,
                    chosen,
                });
            }
            nodes.push(Node::leaf(stats, depth));
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_orders_like_the_values_with_nan_last() {
        let values = [
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            3.0,
            f64::INFINITY,
            f64::NAN,
        ];
        let keys: Vec<u64> = values.iter().map(|&v| sort_key(v)).collect();
        for pair in keys.windows(2) {
            assert!(pair[0] <= pair[1]);
        }
        assert_eq!(sort_key(-0.0), sort_key(0.0));
        assert!(sort_key(f64::INFINITY) < sort_key(-f64::NAN));
    }

    #[test]
    fn partition_keeps_the_order_on_both_sides() {
        let mut entries: Vec<Entry> = (0..6)
            .map(|row| Entry {
                value: row as f64,
                row,
                label: 0,
            })
            .collect();
        let goes_left: Vec<AtomicBool> = [true, false, false, true, false, true]
            .into_iter()
            .map(AtomicBool::new)
            .collect();
        partition_entries(&mut entries, 3, &goes_left);
        let rows: Vec<u32> = entries.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![0, 3, 5, 1, 2, 4]);
    }
}
