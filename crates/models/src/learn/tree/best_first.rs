//! Best-first growth, used when `max_leaf_nodes` is set (scikit-learn's
//! `BestFirstTreeBuilder`): the open node whose split decreases the impurity most is split
//! next, until the tree has `max_leaf_nodes` leaves.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::grow::{Chosen, Context, evaluate};
use super::node::{Node, NodeSplit};
use super::segment::Segment;
use super::splitter::{NodeStats, Weigh};

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

/// Grows the tree best-first. Children are numbered in pairs as they are created; equal
/// improvements: the older node first.
pub(super) fn grow_best_first<W: Weigh>(
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
        let left_id = nodes.len();
        nodes[open.id].split = Some(NodeSplit {
            feature: open.chosen.feature,
            threshold: open.chosen.threshold,
            left: left_id,
            right: left_id + 1,
            improvement: open.chosen.improvement,
        });
        let depth = open.depth + 1;
        if !context.children_may_split(&open.chosen, open.depth) {
            nodes.push(Node::leaf(open.chosen.left, depth));
            nodes.push(Node::leaf(open.chosen.right, depth));
            continue;
        }
        let (left_segment, right_segment) = context.partition(open.segment, &open.chosen);
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
