//! `poolctl-provider`: the one contract every cloud provider implements and the only
//! thing the `poolctl` binary knows about clouds: the normalized pool model, the
//! [`Provider`] trait, the provider error type, and what planning needs to know of each
//! cloud: its capability table ([`capability`]), the labels and taints it injects
//! ([`owned`]) and its pool name rules ([`naming`]).
//!
//! It holds no HTTP code and no cloud wire types: those live in each provider crate.

pub mod autoscaler_tags;
pub mod capability;
mod error;
pub mod machines;
mod model;
pub mod naming;
pub mod owned;

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

use async_trait::async_trait;

/// Receives the cloud's own status text while an operation runs (for the progress display).
pub trait Progress: Send + Sync {
    fn status(&self, message: &str);
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

    /// Waits while the pool is busy with an operation (within the provider's operation
    /// deadline), then reports its health; `None` when the pool no longer exists.
    async fn wait_for_pool(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> ProviderResult<Option<Health>>;
}
