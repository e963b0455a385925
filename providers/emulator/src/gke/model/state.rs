//! What the emulator persists as is: clusters with their pools and instance groups, and operations.
//! Plain data with small accessors; the rules that change it live in the sibling modules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::clusters::cluster_key;
use super::fnv::fnv;
use super::locations::region_of;

/// Everything the emulator knows about GKE; persisted as is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    #[serde(default)]
    pub clusters: BTreeMap<String, Cluster>,
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// Feeds operation names and instance-group suffixes, so they stay unique across restarts.
    #[serde(default)]
    pub sequence: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cluster {
    pub project: String,
    pub location: String,
    pub name: String,
    pub locations: Vec<String>,
    pub version: String,
    pub create_millis: u64,
    /// In creation order, which is the order GKE lists them in.
    pub pools: Vec<Pool>,
    /// The cluster's `resourceLabels`, as `setResourceLabels` last set them. Absent from
    /// state files written before the emulator served that call.
    #[serde(default)]
    pub resource_labels: BTreeMap<String, String>,
    /// Bumped on every change of `resource_labels`; `labelFingerprint` derives from it.
    #[serde(default)]
    pub label_generation: u64,
}

impl Cluster {
    /// `labelFingerprint`: 8 hex digits, as GKE shows it, that change with every change of
    /// the labels (the cluster's creation time is in it, so that a cluster created anew
    /// under the same name never matches an old fingerprint).
    pub(crate) fn label_fingerprint(&self) -> String {
        let hash = fnv(&[
            self.resource_name().as_bytes(),
            &self.create_millis.to_le_bytes(),
            &self.label_generation.to_le_bytes(),
        ]);
        format!("{:08x}", hash as u32)
    }

    pub(crate) fn resource_name(&self) -> String {
        format!(
            "projects/{}/locations/{}/clusters/{}",
            self.project, self.location, self.name
        )
    }

    pub(super) fn region(&self) -> &str {
        region_of(&self.location)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pool {
    pub name: String,
    /// The NodePool as GKE reports it (canonical JSON, defaults filled in), without the fields
    /// derived at read time: name, status, statusMessage, selfLink, instanceGroupUrls, etag.
    pub resource: Map<String, Value>,
    pub status: PoolStatus,
    #[serde(default)]
    pub status_message: Option<String>,
    /// Bumped on every change; the etag derives from it.
    pub generation: u64,
    pub create_millis: u64,
    /// One managed instance group per pool zone, in the order of the pool's locations.
    pub instance_groups: Vec<InstanceGroup>,
}

impl Pool {
    pub(crate) fn etag(&self) -> String {
        let hash = fnv(&[
            self.name.as_bytes(),
            &self.create_millis.to_le_bytes(),
            &self.generation.to_le_bytes(),
        ]);
        format!("{:016x}", hash)
    }

    pub(super) fn has_accelerators(&self) -> bool {
        self.resource
            .get("config")
            .and_then(|c| c.get("accelerators"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    }

    pub(super) fn touch(&mut self) {
        self.generation += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum PoolStatus {
    Provisioning,
    Running,
    Reconciling,
    Stopping,
    Error,
}

impl PoolStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PoolStatus::Provisioning => "PROVISIONING",
            PoolStatus::Running => "RUNNING",
            PoolStatus::Reconciling => "RECONCILING",
            PoolStatus::Stopping => "STOPPING",
            PoolStatus::Error => "ERROR",
        }
    }
}

/// A zonal managed instance group backing a pool; clients sum `targetSize` for the pool's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstanceGroup {
    pub zone: String,
    pub name: String,
    pub target_size: i64,
}

impl InstanceGroup {
    /// `gke-{cluster}-{pool}-{hash}`: what GKE names the group's VMs; the group adds `-grp`.
    pub(crate) fn base_instance_name(&self) -> &str {
        self.name.strip_suffix("-grp").unwrap_or(&self.name)
    }
}

/// Operation types as the contract's `Operation.operationType` enum names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum OperationType {
    CreateNodePool,
    DeleteNodePool,
    /// GKE files most node-pool updates (UpdateNodePool) under this type.
    UpgradeNodes,
    /// GKE reports setAutoscaling as a cluster update.
    UpdateCluster,
    SetNodePoolSize,
    SetNodePoolManagement,
    /// setResourceLabels on the cluster: no pool.
    SetLabels,
}

impl OperationType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OperationType::CreateNodePool => "CREATE_NODE_POOL",
            OperationType::DeleteNodePool => "DELETE_NODE_POOL",
            OperationType::UpgradeNodes => "UPGRADE_NODES",
            OperationType::UpdateCluster => "UPDATE_CLUSTER",
            OperationType::SetNodePoolSize => "SET_NODE_POOL_SIZE",
            OperationType::SetNodePoolManagement => "SET_NODE_POOL_MANAGEMENT",
            OperationType::SetLabels => "SET_LABELS",
        }
    }

    /// Management changes only touch metadata, so GKE runs them alongside other pool
    /// operations; a cluster's labels are no pool's.
    pub(super) fn blocks_pool(self) -> bool {
        !matches!(
            self,
            OperationType::SetNodePoolManagement | OperationType::SetLabels
        )
    }

    pub(super) fn verb(self) -> &'static str {
        match self {
            OperationType::CreateNodePool => "creating",
            OperationType::DeleteNodePool => "deleting",
            _ => "updating",
        }
    }
}

/// What an operation does to its pool once it is DONE without error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(crate) enum Effect {
    Create,
    /// JSON pointers into the NodePool and their new values.
    Update {
        changes: Map<String, Value>,
    },
    Autoscaling {
        autoscaling: Value,
    },
    Size {
        node_count: i64,
    },
    Management {
        management: Value,
    },
    Delete,
    /// setResourceLabels: the labels change when the call is accepted (so that the
    /// fingerprint check and the change are one step), so nothing is left for the end.
    ClusterLabels,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Operation {
    pub name: String,
    pub project: String,
    pub location: String,
    pub cluster: String,
    pub pool: String,
    pub operation_type: OperationType,
    pub start_millis: u64,
    /// When the clock ends it; `u64::MAX` for an operation that polls end instead.
    pub end_millis: u64,
    /// Status polls still needed before it is DONE, for an operation paced by polls.
    #[serde(default)]
    pub polls_left: Option<u32>,
    pub done: bool,
    /// Set when a fault plan made this operation fail; shown as `error` once DONE.
    #[serde(default)]
    pub failure: Option<String>,
    pub effect: Effect,
}

impl Operation {
    pub(super) fn cluster_key(&self) -> String {
        cluster_key(&self.project, &self.location, &self.cluster)
    }

    /// What the operation works on: its pool, or the cluster for a cluster-level call.
    pub(crate) fn target(&self) -> String {
        if self.pool.is_empty() {
            return self.cluster_key();
        }
        format!("{}/nodePools/{}", self.cluster_key(), self.pool)
    }
}
