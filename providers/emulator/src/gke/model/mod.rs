//! GKE's state and rules: clusters, node pools, their instance groups and long-running operations.
//! Knows defaults, conflicts, quotas and effects but nothing of HTTP; time comes in as unix millis.

mod canonical;
mod checks;
mod clusters;
mod error;
mod instance_groups;
mod locations;
mod operations;
mod pool_resource;
mod pools;
mod resource_labels;
mod state;
#[cfg(test)]
mod test_fixtures;

use crate::fnv;
pub(crate) use crate::pace::Pace;
pub(crate) use clusters::ClusterRef;
pub use clusters::ClusterSpec;
pub(crate) use error::GkeError;
pub(crate) use state::{
    Cluster, Effect, InstanceGroup, Operation, OperationType, Pool, PoolStatus, State,
};
pub(crate) use Pace as OperationPace;

pub(crate) const DEFAULT_VERSION: &str = "1.33.5-gke.1000000";

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
