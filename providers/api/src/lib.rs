//! `poolctl-provider`: the one contract every cloud provider implements and the only
//! thing the `poolctl` binary knows about clouds: the normalized pool model, the
//! [`Provider`] trait, the provider error type, and what planning needs to know of each
//! cloud: its capability table ([`capability`]), the labels and taints it injects
//! ([`owned`]) and its pool name rules ([`naming`]); and how every provider retries and
//! polls a cloud ([`retry`]).
//!
//! It holds no HTTP code and no cloud wire types: those live in each provider crate.

pub mod autoscaler_tags;
pub mod capability;
mod error;
pub mod machines;
mod model;
pub mod naming;
pub mod owned;
pub mod retry;

pub use capability::{
    capability_table, Capability, CapabilityTable, ExtraKind, Field, ScalingCalls,
};
pub use error::{ProviderError, ProviderResult};
pub use model::{
    ClusterInfo, ClusterTarget, Effect, ExtraValue, Gpu, Health, LivePool, ParseTaintError,
    PoolSpec, PoolState, PoolUpdate, Scaling, Taint,
};
pub use naming::{replacement_name, valid_pool_name};
pub use owned::without_cloud_owned;
pub use retry::{Deadline, PollSchedule, RetryPolicy};

use async_trait::async_trait;

/// The key prefix of the cluster-level tags or labels that make up poolctl's cluster
/// lock. Lowercase letters, digits and dashes only, so that it is a valid key on every
/// cloud (GKE label keys are the strictest).
pub const LOCK_KEY_PREFIX: &str = "poolctl-lock-";

/// What one running operation reports to, and is bounded by: the cloud's status text
/// (for the progress display), the ids of the cloud operations it starts (printed when
/// poolctl is stopped while they run), and when it must be over.
pub trait Progress: Send + Sync {
    fn status(&self, message: &str);

    /// The cloud accepted a long-running operation: its id as the cloud names it (a GKE
    /// operation name, an AKS `Azure-AsyncOperation` URL, an EKS update id or
    /// `CreateNodegroup NAME`). Called once per operation, before poolctl waits on it.
    fn operation(&self, _id: &str) {}

    /// The operation finished (done or failed): it is no longer running in the cloud.
    fn operation_ended(&self, _id: &str) {}

    /// When the whole provider call (its retries, the cloud operation and the wait for
    /// it) must be over; `None` leaves the provider's own default.
    fn deadline(&self) -> Option<std::time::Instant> {
        None
    }
}

/// A [`Progress`] that drops every message, for callers that do not display progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn status(&self, _message: &str) {}
}

/// One cloud's node-pool API, bound to one cluster.
///
/// Every mutating call returns only once the cloud reports the operation finished,
/// and retries the cloud's "busy" and throttling answers itself.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Short provider name as written in blueprints (`gke`, `aks`, `eks`).
    fn kind(&self) -> &'static str;

    /// Which fields this cloud changes in place, and which force a replacement.
    fn capabilities(&self) -> &'static CapabilityTable;

    /// How many operations on different pools of one cluster may run at once. GKE and AKS
    /// answer a second operation with a conflict, so 1; EKS changes node groups in parallel.
    fn parallel_operations(&self) -> usize {
        1
    }

    /// Facts about the cluster that planning needs (its zones).
    async fn cluster(&self) -> ProviderResult<ClusterInfo>;

    /// Every node pool of the cluster, normalized.
    async fn list_pools(&self) -> ProviderResult<Vec<LivePool>>;

    async fn create_pool(&self, spec: &PoolSpec, progress: &dyn Progress) -> ProviderResult<()>;

    /// Makes one call's worth of in-place changes: the updates of fields that the
    /// capability table batches into one request, or a single update otherwise.
    async fn update_pool(
        &self,
        name: &str,
        updates: &[PoolUpdate],
        progress: &dyn Progress,
    ) -> ProviderResult<()>;

    async fn delete_pool(&self, name: &str, progress: &dyn Progress) -> ProviderResult<()>;

    /// The cluster's lock records: every cluster-level tag (GKE resource label, AKS tag,
    /// EKS tag) whose key starts with [`LOCK_KEY_PREFIX`], key to value.
    async fn lock_records(&self) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        Err(ProviderError::Config(format!(
            "the {} provider keeps no cluster lock",
            self.kind()
        )))
    }

    /// Adds or replaces one lock record on the cluster, leaving every other tag or label
    /// of the cluster as it is (even one written meanwhile by someone else).
    async fn put_lock_record(&self, key: &str, _value: &str) -> ProviderResult<()> {
        Err(ProviderError::Config(format!(
            "the {} provider keeps no cluster lock (cannot write {key})",
            self.kind()
        )))
    }

    /// Removes one lock record; removing an absent one is not an error.
    async fn remove_lock_record(&self, key: &str) -> ProviderResult<()> {
        Err(ProviderError::Config(format!(
            "the {} provider keeps no cluster lock (cannot remove {key})",
            self.kind()
        )))
    }

    /// Waits while the pool is busy with an operation (within the provider's operation
    /// deadline), then reports its health; `None` when the pool no longer exists.
    async fn wait_for_pool(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> ProviderResult<Option<Health>>;
}
