//! What the AKS emulator persists as is: managed clusters with their agent pools, and async
//! operations. Plain data with small accessors; the rules that change it live in sibling modules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fnv::fnv;

/// Everything the emulator knows about AKS; persisted as is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    /// In creation order; looked up case-insensitively, as ARM does.
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// Feeds operation ids, so they stay unique across restarts.
    #[serde(default)]
    pub sequence: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cluster {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    pub kubernetes_version: String,
    pub create_millis: u64,
    /// In creation order, which is the order AKS lists them in (unconfirmed).
    pub pools: Vec<Pool>,
    /// The managed cluster's resource tags, as ARM's Tags API (and the cluster's `tags`)
    /// shows them. Absent from state files written before the emulator served that API.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Cluster {
    /// ARM compares subscription, resource group and resource names without regard to case.
    pub(crate) fn is(&self, subscription: &str, resource_group: &str, name: &str) -> bool {
        self.subscription.eq_ignore_ascii_case(subscription)
            && self.resource_group.eq_ignore_ascii_case(resource_group)
            && self.name.eq_ignore_ascii_case(name)
    }

    pub(crate) fn resource_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            self.subscription, self.resource_group, self.name
        )
    }

    pub(crate) fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn pool_index(&self, name: &str) -> Option<usize> {
        self.pools
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pool {
    pub name: String,
    /// `AgentPool.properties` as AKS reports them (defaults filled in), without those derived
    /// at read time: eTag, provisioningState and status.
    pub properties: Map<String, Value>,
    pub provisioning_state: ProvisioningState,
    /// Why the last operation failed, shown as `status.provisioningError` while Failed.
    #[serde(default)]
    pub error: Option<OperationError>,
    /// Bumped on every accepted change; the eTag derives from it.
    pub generation: u64,
    pub create_millis: u64,
}

impl Pool {
    pub(crate) fn etag(&self) -> String {
        let hash = fnv(&[
            self.name.as_bytes(),
            &self.create_millis.to_le_bytes(),
            &self.generation.to_le_bytes(),
        ]);
        format!("{hash:016x}")
    }

    pub(crate) fn mode(&self) -> &str {
        self.properties
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("User")
    }

    pub(super) fn touch(&mut self) {
        self.generation += 1;
    }
}

/// `provisioningState` values AKS reports for an agent pool (an open set on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ProvisioningState {
    Creating,
    Updating,
    /// A change of count or autoscaler bounds only.
    Scaling,
    /// A change of orchestratorVersion or nodeImageVersion.
    Upgrading,
    Starting,
    Stopping,
    Deleting,
    Succeeded,
    Failed,
}

impl ProvisioningState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProvisioningState::Creating => "Creating",
            ProvisioningState::Updating => "Updating",
            ProvisioningState::Scaling => "Scaling",
            ProvisioningState::Upgrading => "Upgrading",
            ProvisioningState::Starting => "Starting",
            ProvisioningState::Stopping => "Stopping",
            ProvisioningState::Deleting => "Deleting",
            ProvisioningState::Succeeded => "Succeeded",
            ProvisioningState::Failed => "Failed",
        }
    }
}

/// ARM's `ErrorDetail` as an operation or a failed pool carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OperationError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Operation {
    /// A GUID-shaped id, as ARM's async operations have.
    pub id: String,
    pub subscription: String,
    pub resource_group: String,
    pub cluster: String,
    pub location: String,
    pub pool: String,
    /// The pool's transitional state while this operation runs (Creating, Deleting...).
    pub state: ProvisioningState,
    pub start_millis: u64,
    /// When the clock ends it; `u64::MAX` for an operation that polls end instead.
    pub end_millis: u64,
    /// Status polls still needed before it ends, for an operation paced by polls.
    #[serde(default)]
    pub polls_left: Option<u32>,
    pub done: bool,
    /// Set when a fault plan made this operation fail; shown as `error` once it ended.
    #[serde(default)]
    pub failure: Option<OperationError>,
}

impl Operation {
    pub(crate) fn status(&self) -> &'static str {
        match (self.done, &self.failure) {
            (false, _) => "InProgress",
            (true, None) => "Succeeded",
            (true, Some(_)) => "Failed",
        }
    }

    pub(super) fn on_cluster(&self, cluster: &Cluster) -> bool {
        cluster.is(&self.subscription, &self.resource_group, &self.cluster)
    }
}
