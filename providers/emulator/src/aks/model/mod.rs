//! AKS's state and rules: managed clusters, their agent pools, and the async operations that
//! change them. Knows defaults, mutability, conflicts and effects but nothing of HTTP; time
//! comes in as unix millis.

mod autoscaler;
mod checks;
mod clusters;
mod defaults;
mod error;
mod mutability;
mod operations;
mod pools;
mod state;
mod tags;

pub use clusters::AksClusterSpec;
pub(crate) use error::ArmError;
pub(crate) use pools::Preconditions;
pub(crate) use state::{Cluster, Operation, OperationError, Pool, ProvisioningState, State};
pub(crate) use tags::TagsPatch;

use crate::pace::Pace;

/// The cluster a request addresses, as parsed from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterAt {
    pub subscription: String,
    pub resource_group: String,
    pub cluster: String,
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
