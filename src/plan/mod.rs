//! Plans as data: what would change in a cluster's node pools and why. Planning only
//! computes these values; `render` prints them and `apply` executes them.

mod diff;
mod ownership;
mod saved;
#[cfg(test)]
mod tests;

pub use diff::{desired_pools, diff_pools, plan_cluster, DesiredPool, PlanError, Planned};
pub use ownership::{BLUEPRINT_TAG, POOL_TAG};
pub use saved::{sha256_hex, SavedPlan, Staleness, SAVED_PLAN_KIND};

use crate::blueprint::ReplaceStrategy;
use poolctl_provider::{Field, PoolSpec, PoolUpdate};
use serde::{Deserialize, Serialize};

/// What happens to one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    /// Changed in place.
    Update,
    /// Fields the cloud cannot change in place: the pool is deleted and created again.
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// Why an action was chosen, when it is not obvious from the action alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// A pool poolctl created is no longer in the blueprint.
    NotInBlueprint,
    /// The blueprint names a pool poolctl did not create: it takes ownership of it.
    Adopt,
    /// Fields the cloud cannot change in place.
    CannotUpdate { fields: Vec<Field> },
    /// A second pool carries this logical name, left over from an interrupted
    /// replacement: the one that matches the blueprint stays.
    Leftover,
}

/// One field's change, old and new value as a user reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: String,
    pub new: String,
    /// The provider call that makes it, or why it forces a replacement.
    pub how: String,
    pub forces_replacement: bool,
    /// The in-place update to send; `None` when it forces a replacement.
    pub update: Option<PoolUpdate>,
}

/// The plan for one pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolChange {
    /// The logical name (the key under `[pools]`), or the cloud name of an unlisted pool.
    pub pool: String,
    /// The cloud's pool name now. A replacement made create-before-destroy creates
    /// `desired.name`, a new derived name, before it deletes this one.
    pub cloud_name: String,
    pub action: Action,
    pub reason: Option<Reason>,
    pub field_changes: Vec<FieldChange>,
    /// What the pool should be (absent for a delete).
    pub desired: Option<PoolSpec>,
    /// What the pool is now (absent for a create).
    pub live: Option<PoolSpec>,
    /// Whether this is a core pool (applied first, and flagged when replaced).
    pub core: bool,
    /// How a replacement is carried out; `None` unless the action is a replacement.
    pub replace_strategy: Option<ReplaceStrategy>,
}

/// Everything that would change in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub provider: String,
    pub cluster: String,
    /// One entry per blueprint pool and per managed live pool, in apply order.
    pub changes: Vec<PoolChange>,
    /// Live pools poolctl did not create and the blueprint does not name: left alone.
    pub unmanaged: Vec<String>,
}

/// Counts for the one-line summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::NoOp => {}
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.destroy += 1,
            }
        }
        s
    }
}
