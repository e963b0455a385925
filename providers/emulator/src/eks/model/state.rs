//! What the EKS emulator persists as is: clusters keyed by (region, name), their managed node
//! groups with the change in flight on each, and the node-group updates. Plain data with small
//! accessors; the rules that change it live in sibling modules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything the emulator knows about EKS; persisted as is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    /// In creation order.
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// Feeds ids (node-group ARN suffixes, update ids), so they stay unique across restarts.
    #[serde(default)]
    pub sequence: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cluster {
    pub region: String,
    pub name: String,
    /// Kubernetes `major.minor`, such as `1.33`.
    pub version: String,
    pub create_millis: u64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// In creation order, which is the order ListNodegroups pages through (unconfirmed).
    #[serde(default)]
    pub nodegroups: Vec<Nodegroup>,
    /// Node-group updates, oldest first.
    #[serde(default)]
    pub updates: Vec<Update>,
}

impl Cluster {
    /// EKS names are case-sensitive, unlike ARM's.
    pub(crate) fn nodegroup(&self, name: &str) -> Option<&Nodegroup> {
        self.nodegroups.iter().find(|n| n.name == name)
    }

    pub(crate) fn nodegroup_index(&self, name: &str) -> Option<usize> {
        self.nodegroups.iter().position(|n| n.name == name)
    }
}

/// A managed node group in the shape EKS keeps it; derived values (ARN, ASG name, health) are
/// rendered by `wire`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Nodegroup {
    pub name: String,
    /// The UUID-like suffix of its ARN and its Auto Scaling group's name.
    pub id: String,
    pub version: String,
    pub release_version: String,
    pub create_millis: u64,
    pub modified_millis: u64,
    pub status: Status,
    pub capacity_type: String,
    pub scaling: Scaling,
    /// Absent when a launch template is used and none was given.
    #[serde(default)]
    pub instance_types: Option<Vec<String>>,
    pub subnets: Vec<String>,
    #[serde(default)]
    pub remote_access: Option<Value>,
    pub ami_type: String,
    pub node_role: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<Taint>,
    #[serde(default)]
    pub disk_size: Option<i64>,
    #[serde(default)]
    pub launch_template: Option<LaunchTemplate>,
    pub update_config: Value,
    #[serde(default)]
    pub node_repair_config: Option<Value>,
    #[serde(default)]
    pub warm_pool_config: Option<Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// `health.issues`; a group with issues rests DEGRADED instead of ACTIVE.
    #[serde(default)]
    pub issues: Vec<Issue>,
    #[serde(default)]
    pub client_request_token: Option<String>,
    /// The create, update or delete in flight.
    #[serde(default)]
    pub pending: Option<Pending>,
    /// The group as it was before an UpdateNodegroupConfig, served once to the next
    /// DescribeNodegroup (EKS's eventual consistency).
    #[serde(default)]
    pub stale_view: Option<Box<Nodegroup>>,
}

impl Nodegroup {
    /// The status the group rests in when nothing is in flight.
    pub(crate) fn resting_status(&self) -> Status {
        if self.issues.is_empty() {
            Status::Active
        } else {
            Status::Degraded
        }
    }

    pub(crate) fn asg_name(&self) -> String {
        format!("eks-{}-{}", self.name, self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Status {
    Creating,
    Active,
    Updating,
    Deleting,
    CreateFailed,
    DeleteFailed,
    Degraded,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "CREATING",
            Status::Active => "ACTIVE",
            Status::Updating => "UPDATING",
            Status::Deleting => "DELETING",
            Status::CreateFailed => "CREATE_FAILED",
            Status::DeleteFailed => "DELETE_FAILED",
            Status::Degraded => "DEGRADED",
        }
    }

    pub(crate) fn in_transition(self) -> bool {
        matches!(self, Status::Creating | Status::Updating | Status::Deleting)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Scaling {
    pub min_size: i64,
    pub max_size: i64,
    pub desired_size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
    /// `NO_SCHEDULE`, `NO_EXECUTE` or `PREFER_NO_SCHEDULE`; optional only in `removeTaints`.
    #[serde(default)]
    pub effect: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LaunchTemplate {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Issue {
    pub code: String,
    pub message: String,
    pub resource_ids: Vec<String>,
}

/// A change in flight on a node group, ended by the clock or by status polls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pending {
    pub kind: PendingKind,
    /// The update it carries out, for updates.
    #[serde(default)]
    pub update_id: Option<String>,
    /// What an update changes, applied only when it ends well.
    #[serde(default)]
    pub change: Option<Change>,
    /// When the clock ends it; `u64::MAX` when polls end it.
    pub end_millis: u64,
    #[serde(default)]
    pub polls_left: Option<u32>,
    /// Set when a fault plan made it fail, with the fault's message.
    #[serde(default)]
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PendingKind {
    Create,
    Update,
    Delete,
}

/// What an UpdateNodegroupConfig or UpdateNodegroupVersion asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Change {
    Config(ConfigChange),
    Version(VersionChange),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfigChange {
    #[serde(default)]
    pub labels_add: BTreeMap<String, String>,
    #[serde(default)]
    pub labels_remove: Vec<String>,
    #[serde(default)]
    pub taints_add: Vec<Taint>,
    #[serde(default)]
    pub taints_remove: Vec<Taint>,
    #[serde(default)]
    pub min_size: Option<i64>,
    #[serde(default)]
    pub max_size: Option<i64>,
    #[serde(default)]
    pub desired_size: Option<i64>,
    #[serde(default)]
    pub update_config: Option<Value>,
    #[serde(default)]
    pub node_repair_config: Option<Value>,
    #[serde(default)]
    pub warm_pool_config: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionChange {
    pub version: String,
    pub release_version: String,
    #[serde(default)]
    pub launch_template_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Update {
    pub id: String,
    pub nodegroup: String,
    /// `ConfigUpdate` or `VersionUpdate`.
    pub kind: String,
    /// `InProgress`, `Successful` or `Failed`.
    pub status: String,
    /// `(UpdateParamType, value)` pairs.
    pub params: Vec<(String, String)>,
    pub create_millis: u64,
    #[serde(default)]
    pub errors: Vec<ErrorDetail>,
    #[serde(default)]
    pub client_request_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorDetail {
    pub error_code: String,
    pub error_message: String,
    pub resource_ids: Vec<String>,
}
