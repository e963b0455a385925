//! EKS's state and rules: clusters, their managed node groups, the updates that change them, and
//! tags. Knows defaults, EKS's validation rules, the one-change-at-a-time rule per node group and
//! the effects of each change, but nothing of HTTP; time comes in as unix millis.

mod checks;
mod clusters;
mod control;
mod error;
mod nodegroups;
mod progress;
mod state;
mod tags;

pub use clusters::EksClusterSpec;
pub use control::{EksAutoscaleRequest, EksHealthIssue, EksHealthRequest};
pub(crate) use error::EksError;
pub(crate) use state::{Cluster, Nodegroup, State, Status, Taint, Update};

use crate::fnv::fnv;
use crate::pace::Pace;

/// The cluster a request addresses: its region (from the request's SigV4 scope) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterAt {
    pub region: String,
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

    /// A fresh UUID-shaped id, unique across restarts (the sequence is persisted).
    fn new_id(&mut self, salt: &str, now: u64) -> String {
        self.state.sequence += 1;
        let seed = self.state.sequence.to_le_bytes();
        let high = fnv(&[&seed, &now.to_le_bytes(), salt.as_bytes()]);
        let low = fnv(&[salt.as_bytes(), &seed, b"eks"]);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        )
    }
}
