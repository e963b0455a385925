//! GKE v1 wire types: the JSON that container.googleapis.com sends and accepts, limited
//! to the fields poolctl reads or writes. Responses tolerate fields poolctl ignores.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// int64 travels as a JSON string in Google APIs; accept a number too when reading.
pub mod int64 {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Number(i64),
        }
        match Option::<Either>::deserialize(d)? {
            None => Ok(None),
            Some(Either::Number(n)) => Ok(Some(n)),
            Some(Either::Text(t)) => t.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub locations: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListNodePoolsResponse {
    #[serde(default)]
    pub node_pools: Vec<NodePool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<NodeConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_node_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<NodePoolAutoscaling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods_constraint: Option<MaxPodsConstraint>,
    #[serde(default, skip_serializing)]
    pub instance_group_urls: Vec<String>,
    #[serde(default, skip_serializing)]
    pub status: Option<String>,
    #[serde(default, skip_serializing)]
    pub status_message: Option<String>,
    #[serde(default, skip_serializing)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<i32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<NodeTaint>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub spot: bool,
    #[serde(default, skip_serializing)]
    pub preemptible: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accelerators: Vec<AcceleratorConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oauth_scopes: Vec<String>,
}

/// `maxPodsPerNode` is an int64, so a JSON string on the wire.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaxPodsConstraint {
    #[serde(default, with = "int64", skip_serializing_if = "Option::is_none")]
    pub max_pods_per_node: Option<i64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeTaint {
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceleratorConfig {
    #[serde(default, with = "int64", skip_serializing_if = "Option::is_none")]
    pub accelerator_count: Option<i64>,
    pub accelerator_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_driver_installation_config: Option<GpuDriverInstallationConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GpuDriverInstallationConfig {
    pub gpu_driver_version: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolAutoscaling {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_node_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_node_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_min_node_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_max_node_count: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateNodePoolRequest {
    pub node_pool: NodePool,
}

/// One field group per request (the node-recreating fields machineType, diskType and
/// diskSizeGb together): GKE applies each request as its own operation, and `labels`,
/// `taints` and `resourceLabels` replace the whole set.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNodePoolRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_type: Option<String>,
    #[serde(with = "int64", skip_serializing_if = "Option::is_none", default)]
    pub disk_size_gb: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<NodeLabels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taints: Option<NodeTaints>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_labels: Option<NodeLabels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accelerators: Option<Vec<AcceleratorConfig>>,
}

/// Both `NodeLabels` and `ResourceLabels` are `{"labels": {...}}` on the wire.
#[derive(Debug, Clone, Serialize)]
pub struct NodeLabels {
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeTaints {
    pub taints: Vec<NodeTaint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetNodePoolAutoscalingRequest {
    pub autoscaling: NodePoolAutoscaling,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetNodePoolSizeRequest {
    pub node_count: i32,
}

/// `name` and `status` decide what poolctl does next (poll which operation, and whether
/// it is over), so an answer without them is an error, never a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub operation_type: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub error: Option<Status>,
}

/// `google.rpc.Status`, as carried by a failed operation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub code: i32,
    #[serde(default)]
    pub message: String,
}

/// Google's error envelope: `{"error": {"code", "message", "status"}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
}

/// The fields of a Compute instance group manager that give a static pool's size.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceGroupManager {
    #[serde(default)]
    pub target_size: u32,
}
