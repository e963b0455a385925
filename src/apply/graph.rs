//! A plan's steps as a dependency graph. Two kinds of edge:
//! - `after`: the step starts only once those have ended, however they ended (order);
//! - `needs`: the step runs only if those succeeded; otherwise it is skipped.
//!
//! Core pools' creates and updates come first, then the other creates and updates (after
//! the core ones, whatever became of them: a workload pool does not need a core pool to
//! be created), then delete-first replacements, then deletes, core pools' last (system
//! services keep their nodes while anything else runs). A pool is deleted only when
//! every create and update of its cluster succeeded, so that a half-applied blueprint
//! loses no capacity; a replacement's old pool, also only once its new pool is ready.

use crate::plan::{Step, StepKind};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub after: Vec<usize>,
    pub needs: Vec<usize>,
}

/// Where a step stands in the order: lower ranks end before higher ones start.
fn rank(step: &Step<'_>) -> u8 {
    match step.kind {
        StepKind::Create | StepKind::CreateReplacement | StepKind::Update => {
            if step.change.core {
                0
            } else {
                1
            }
        }
        StepKind::DeleteThenCreate => 2,
        StepKind::DeleteReplaced | StepKind::Delete if step.change.core => 4,
        StepKind::DeleteReplaced | StepKind::Delete => 3,
    }
}

/// The graph of `steps`, one node per step, indices as in `steps`.
pub fn graph(steps: &[Step<'_>]) -> Vec<Node> {
    let ranks: Vec<u8> = steps.iter().map(rank).collect();
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut node = Node::default();
            for (j, other) in steps.iter().enumerate() {
                if j == i || ranks[j] >= ranks[i] {
                    continue;
                }
                let own_new_pool = step.kind == StepKind::DeleteReplaced
                    && other.kind == StepKind::CreateReplacement
                    && std::ptr::eq(other.change, step.change);
                if step.kind.deletes() || own_new_pool {
                    node.needs.push(j);
                } else {
                    node.after.push(j);
                }
            }
            node
        })
        .collect()
}

/// The least wall time the graph allows with `parallel` operations at once when every
/// step takes `step_time(i)`: a list schedule in graph order, which is what the executor
/// does. The benchmark compares the measured wall time with it.
pub fn critical_path(nodes: &[Node], parallel: usize, step_time: impl Fn(usize) -> f64) -> f64 {
    let parallel = parallel.max(1);
    let mut end = vec![0.0_f64; nodes.len()];
    let mut slots = vec![0.0_f64; parallel];
    for (i, node) in nodes.iter().enumerate() {
        let ready = node
            .after
            .iter()
            .chain(&node.needs)
            .map(|&j| end[j])
            .fold(0.0, f64::max);
        let (slot, free) =
            slots
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f64::INFINITY),
                    |best, (k, t)| if t < best.1 { (k, t) } else { best },
                );
        let start = ready.max(free);
        end[i] = start + step_time(i);
        slots[slot] = end[i];
    }
    end.into_iter().fold(0.0, f64::max)
}
