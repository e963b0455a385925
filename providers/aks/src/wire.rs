//! ARM's JSON for agent pools at api-version [`crate::API_VERSION`]: the parts poolctl
//! reads, typed; the body it writes is built in [`crate::convert`].
//!
//! Every field is optional with a default: ARM omits what is unset, and a newer AKS may
//! drop or add properties. Field names and read-only flags come from the official model
//! (azure-mgmt-containerservice 41.8.0, `ManagedClusterAgentPoolProfileProperties`).

use serde::Deserialize;
use std::collections::BTreeMap;

/// `GET …/managedClusters/{c}`: only what planning needs.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManagedCluster {
    pub location: Option<String>,
}

/// `GET …/agentPools`: one page.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolList {
    pub value: Vec<AgentPool>,
    pub next_link: Option<String>,
}

/// An agent pool as ARM reports it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AgentPool {
    pub name: String,
    pub properties: AgentPoolProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolProperties {
    #[serde(rename = "eTag")]
    pub e_tag: Option<String>,
    pub count: Option<u32>,
    pub vm_size: Option<String>,
    #[serde(rename = "osDiskSizeGB")]
    pub os_disk_size_gb: Option<u32>,
    pub os_disk_type: Option<String>,
    #[serde(rename = "vnetSubnetID")]
    pub vnet_subnet_id: Option<String>,
    pub max_pods: Option<u32>,
    #[serde(rename = "osSKU")]
    pub os_sku: Option<String>,
    pub max_count: Option<u32>,
    pub min_count: Option<u32>,
    pub enable_auto_scaling: Option<bool>,
    pub mode: Option<String>,
    pub current_orchestrator_version: Option<String>,
    pub orchestrator_version: Option<String>,
    pub provisioning_state: Option<String>,
    pub power_state: Option<PowerState>,
    pub availability_zones: Option<Vec<String>>,
    pub scale_set_priority: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub node_labels: Option<BTreeMap<String, String>>,
    pub node_taints: Option<Vec<String>>,
    pub status: Option<AgentPoolStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PowerState {
    /// `Running` or `Stopped`.
    pub code: Option<String>,
}

/// Read-only information about the pool (only `provisioningError` in 2026-08-01).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolStatus {
    pub provisioning_error: Option<ErrorDetail>,
}

/// ARM's error detail: in a CloudError, an operation status and a pool's status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    pub target: Option<String>,
    pub details: Vec<ErrorDetail>,
}

impl ErrorDetail {
    /// The message, followed by the nested details' messages: ARM often puts the useful
    /// sentence (the quota, the VM size) in a detail under a generic top-level message.
    pub fn full_message(&self) -> String {
        let mut text = self.message.clone();
        for detail in &self.details {
            let inner = detail.full_message();
            if !inner.is_empty() && !text.contains(&inner) {
                if !text.is_empty() {
                    text.push_str("; ");
                }
                text.push_str(&inner);
            }
        }
        text
    }
}

/// The body of an ARM error answer: `{"error":{"code","message","target","details"}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloudError {
    pub error: ErrorDetail,
}

/// What the `Azure-AsyncOperation` URL answers.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AsyncOperation {
    pub name: Option<String>,
    /// `InProgress`, then `Succeeded`, `Failed` or `Canceled` (an open set).
    pub status: String,
    pub error: Option<ErrorDetail>,
}
