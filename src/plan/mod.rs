//! Plans as data: what would change in a cluster's node pools and why. Planning only
//! computes these values; `render` prints them and `apply` executes them.

mod destroy;
mod diff;
pub(crate) mod ownership;
mod saved;
#[cfg(test)]
mod tests;

pub use destroy::{plan_destroy, Destroyed};
pub use diff::{desired_pools, diff_pools, plan_cluster, DesiredPool, PlanError, Planned};
pub use ownership::{BLUEPRINT_TAG, CLASS_TAG, POOL_TAG, PROTECT_TAG};
pub use saved::{
    fingerprints, live_staleness, sha256_hex, SavedBlueprint, SavedPlan, Staleness,
    SAVED_PLAN_KIND, SAVED_PLAN_VERSION,
};

use crate::blueprint::ReplaceStrategy;
use poolctl_provider::{Field, Health, PoolSpec, PoolUpdate};
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
    /// The cloud reports the pool failed (its create failed, say): it is created again.
    Failed,
    /// `poolctl destroy` removes every pool poolctl manages in the cluster.
    Destroy,
}

/// One field's change, old and new value as a user reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: String,
    pub new: String,
    /// In an update, the call that makes it; in a replacement, why it forces the
    /// replacement, or [`PART_OF_NEW_POOL`] for a field the new pool simply has.
    pub how: String,
    pub forces_replacement: bool,
}

/// `how` of a field that changes because the pool is replaced, not because of itself.
pub const PART_OF_NEW_POOL: &str = "part of the new pool";

/// One request that changes a pool in place, with every update it carries. Fields the
/// capability table batches (GKE's node-recreating fields) share one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateCall {
    /// The call as the plan shows it (`PUT nodePools/{pool} (machineType, diskSizeGb)`).
    pub call: String,
    pub fields: Vec<Field>,
    pub updates: Vec<PoolUpdate>,
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
    /// For an update, the calls that make it, in the order they run.
    #[serde(default)]
    pub calls: Vec<UpdateCall>,
    /// What the pool should be (absent for a delete).
    pub desired: Option<PoolSpec>,
    /// What the pool is now (absent for a create).
    pub live: Option<PoolSpec>,
    /// Whether this is a core pool (applied first, and flagged when replaced or deleted).
    /// A deleted pool is core when its class tag says so.
    pub core: bool,
    /// How a replacement is carried out; `None` unless the action is a replacement.
    pub replace_strategy: Option<ReplaceStrategy>,
    /// The live pool's health when it is not ready (busy, degraded or failed).
    #[serde(default)]
    pub health: Option<Health>,
}

impl PoolChange {
    /// A replacement whose new pool is created beside the old one, under its own name.
    pub fn creates_beside(&self) -> bool {
        self.action == Action::Replace
            && self.replace_strategy == Some(ReplaceStrategy::CreateBeforeDestroy)
            && self
                .desired
                .as_ref()
                .is_some_and(|d| d.name != self.cloud_name)
    }
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
    /// `--target`: the pools this plan was limited to. Empty for a plan of the whole
    /// cluster; otherwise the other pools were not compared and may differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

/// A plan that takes away what a cluster needs to run: `apply` refuses it unless the
/// user says `--allow-destroy-core`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "pool", rename_all = "snake_case")]
pub enum Hazard {
    /// A core pool is deleted: system services lose their nodes.
    DeletesCorePool(String),
    /// A core pool is replaced with `replace = "delete-first"`: system services have no
    /// nodes until the new pool is ready.
    DeletesCorePoolFirst(String),
    /// Every pool poolctl manages in the cluster is deleted.
    DeletesEveryPool,
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hazard::DeletesCorePool(pool) => write!(
                f,
                "deletes core pool {pool}: the system services that run there lose their nodes"
            ),
            Hazard::DeletesCorePoolFirst(pool) => write!(
                f,
                "deletes core pool {pool} before its replacement exists (replace = \"delete-first\"): \
                 system services have no nodes until the new pool is ready"
            ),
            Hazard::DeletesEveryPool => {
                write!(f, "deletes every pool poolctl manages in the cluster")
            }
        }
    }
}

/// One piece of work on one pool, as the executor runs it. A create-before-destroy
/// replacement is two steps: its new pool is created with the other creates and updates,
/// and its old pool deleted with the deletes, last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Create,
    Update,
    /// The new pool of a create-before-destroy replacement.
    CreateReplacement,
    /// A delete-first replacement (or a failed pool created again): delete, then create
    /// under the same name. Run after every create and update, and not after a failure.
    DeleteThenCreate,
    /// The old pool of a create-before-destroy replacement.
    DeleteReplaced,
    Delete,
}

impl StepKind {
    /// Whether the step deletes a pool (never run once something failed).
    pub fn deletes(self) -> bool {
        matches!(
            self,
            StepKind::DeleteThenCreate | StepKind::DeleteReplaced | StepKind::Delete
        )
    }
}

/// A step with the change it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub change: &'a PoolChange,
    pub kind: StepKind,
}

/// Counts for the one-line summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Summary {
    /// The counts of several clusters' plans, summed.
    pub fn of_fleet(plans: &[Plan]) -> Summary {
        plans
            .iter()
            .map(Plan::summary)
            .fold(Summary::default(), |t, s| Summary {
                add: t.add + s.add,
                change: t.change + s.change,
                replace: t.replace + s.replace,
                destroy: t.destroy + s.destroy,
            })
    }
}

/// `--target` named a pool that is neither in the blueprint nor managed in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--target {}: no such pool in cluster {cluster} (its pools: {})", .unknown.join(", "), .known.join(", "))]
pub struct UnknownTarget {
    pub cluster: String,
    pub unknown: Vec<String>,
    pub known: Vec<String>,
}

impl Plan {
    /// Keeps only the changes of the named pools (a logical name, or a cloud name), and
    /// remembers that the plan is partial.
    pub fn limit_to(&mut self, targets: &[String]) -> Result<(), UnknownTarget> {
        let names = |c: &PoolChange| [c.pool.clone(), c.cloud_name.clone()];
        let unknown: Vec<String> = targets
            .iter()
            .filter(|t| !self.changes.iter().any(|c| names(c).contains(t)))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            let mut known: Vec<String> = self.changes.iter().map(|c| c.pool.clone()).collect();
            known.sort();
            known.dedup();
            return Err(UnknownTarget {
                cluster: self.cluster.clone(),
                unknown,
                known,
            });
        }
        self.changes
            .retain(|c| names(c).iter().any(|n| targets.contains(n)));
        let mut targets = targets.to_vec();
        targets.sort();
        targets.dedup();
        self.targets = targets;
        Ok(())
    }

    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// The steps of this plan in the order `apply` runs them: every create and update
    /// (core pools first), then delete-first replacements, then every delete, a
    /// create-before-destroy replacement's old pool included. Nothing is deleted before
    /// everything that creates or changes has run, so that a failure can stop the deletes.
    pub fn steps(&self) -> Vec<Step<'_>> {
        let mut creates = Vec::new();
        let mut recreates = Vec::new();
        let mut deletes = Vec::new();
        for change in &self.changes {
            let step = |kind| Step { change, kind };
            match change.action {
                Action::NoOp => {}
                Action::Create => creates.push(step(StepKind::Create)),
                Action::Update => creates.push(step(StepKind::Update)),
                Action::Replace if change.creates_beside() => {
                    creates.push(step(StepKind::CreateReplacement));
                    deletes.push(step(StepKind::DeleteReplaced));
                }
                Action::Replace => recreates.push(step(StepKind::DeleteThenCreate)),
                Action::Delete => deletes.push(step(StepKind::Delete)),
            }
        }
        creates
            .into_iter()
            .chain(recreates)
            .chain(deletes)
            .collect()
    }

    /// The pools the cloud reports busy, degraded or failed. A plan with any is never
    /// "no changes": a busy pool may still change, a degraded one needs a look.
    pub fn unhealthy(&self) -> impl Iterator<Item = &PoolChange> {
        self.changes.iter().filter(|c| c.health.is_some())
    }

    /// Nothing to change and nothing to look at.
    pub fn is_clean(&self) -> bool {
        !self.has_changes() && self.unhealthy().next().is_none()
    }

    /// What in this plan needs `--allow-destroy-core`.
    pub fn hazards(&self) -> Vec<Hazard> {
        let mut hazards: Vec<Hazard> = self
            .changes
            .iter()
            .filter(|c| c.core)
            .filter_map(|c| match (c.action, c.replace_strategy, &c.reason) {
                (Action::Delete, _, _) => Some(Hazard::DeletesCorePool(c.pool.clone())),
                // A failed pool serves nothing: recreating it takes nothing away.
                (Action::Replace, _, Some(Reason::Failed)) => None,
                (Action::Replace, Some(ReplaceStrategy::DeleteFirst), _) => {
                    Some(Hazard::DeletesCorePoolFirst(c.pool.clone()))
                }
                _ => None,
            })
            .collect();
        let deletes = self.changes.iter().any(|c| c.action == Action::Delete);
        // A partial plan cannot tell: the pools it left out may stay.
        if deletes
            && self.targets.is_empty()
            && self.changes.iter().all(|c| c.action == Action::Delete)
        {
            hazards.push(Hazard::DeletesEveryPool);
        }
        hazards
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
