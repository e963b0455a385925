//! GKE's state and rules: clusters, node pools, their instance groups and long-running operations.
//! Knows defaults, conflicts, quotas and effects but nothing of HTTP; time comes in as unix millis.

mod canonical;
mod checks;
mod clusters;
mod error;
mod fnv;
mod instance_groups;
mod locations;
mod operations;
mod pool_resource;
mod pools;
mod state;
#[cfg(test)]
mod test_fixtures;

pub(crate) use clusters::ClusterRef;
pub use clusters::ClusterSpec;
pub(crate) use error::GkeError;
pub(crate) use state::{
    Cluster, Effect, InstanceGroup, Operation, OperationType, Pool, PoolStatus, State,
};
pub(crate) use Pace as OperationPace;

pub(crate) const DEFAULT_VERSION: &str = "1.33.5-gke.1000000";

/// How long an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pace {
    /// This many milliseconds of the clock, as a real cloud.
    Millis(u64),
    /// This many status polls (reads of the operation or of its pool), whatever the time:
    /// what tests use, so that no outcome depends on the machine's speed.
    Polls(u32),
}

pub(crate) struct Model {
    state: State,
    pace: Pace,
    auto_create_clusters: bool,
    dirty: bool,
}

impl Model {
    pub(crate) fn new(state: State, pace: Pace, auto_create_clusters: bool) -> Self {
        Model {
            state,
            pace,
            auto_create_clusters,
            dirty: false,
        }
    }

    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// Takes the state as another process left it (the state file is shared).
    pub(crate) fn reload(&mut self, state: State) {
        self.state = state;
    }

    /// True once after any change, so the caller persists each change exactly once.
    pub(crate) fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }
}
