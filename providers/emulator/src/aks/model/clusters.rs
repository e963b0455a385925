//! Managed clusters: the control API's spec, creation (explicit, or on first use with
//! `auto_create_clusters`) and lookup by the ARM path's names, which ARM compares without case.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::defaults::{new_pool_properties, DEFAULT_KUBERNETES_VERSION};
use super::{ArmError, Cluster, ClusterAt, Model, Pool, ProvisioningState};

/// Where a cluster created on first use lives.
pub(crate) const AUTO_CREATE_LOCATION: &str = "westeurope";
/// The System pool `az aks create` makes: `nodepool1`, with the VM size and count below.
const FIRST_POOL: &str = "nodepool1";
const FIRST_POOL_VM_SIZE: &str = "Standard_D4s_v5";
const FIRST_POOL_COUNT: i64 = 2;

/// A managed cluster to create through the control API (`POST /_emulator/aks/clusters`), or
/// implicitly with `auto_create_clusters`. It comes with one System pool, `nodepool1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AksClusterSpec {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    /// Azure region, such as `westeurope`; also where the cluster's operations are filed.
    pub location: String,
    /// Control-plane version and the default `orchestratorVersion` of its pools; `1.33.5` when unset.
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    /// `vmSize` of `nodepool1`; `Standard_D4s_v5` when unset.
    #[serde(default)]
    pub system_pool_vm_size: Option<String>,
    /// `count` of `nodepool1`; 2 when unset.
    #[serde(default)]
    pub system_pool_count: Option<i64>,
}

impl Model {
    pub(crate) fn create_cluster(
        &mut self,
        spec: &AksClusterSpec,
        now: u64,
    ) -> Result<&Cluster, ArmError> {
        for (field, value) in [
            ("subscription", &spec.subscription),
            ("resourceGroup", &spec.resource_group),
            ("name", &spec.name),
            ("location", &spec.location),
        ] {
            if value.is_empty() || value.contains('/') || value.contains('?') {
                return Err(ArmError::invalid_parameter(
                    field,
                    format!("The value of parameter {field} is invalid: {value:?}."),
                ));
            }
        }
        if self
            .find_cluster(&spec.subscription, &spec.resource_group, &spec.name)
            .is_some()
        {
            return Err(ArmError::new(
                409,
                "Conflict",
                format!(
                    "The managed cluster '{}' already exists in resource group '{}'.",
                    spec.name, spec.resource_group
                ),
            ));
        }
        let count = spec.system_pool_count.unwrap_or(FIRST_POOL_COUNT);
        if !(1..=1000).contains(&count) {
            return Err(ArmError::invalid_parameter(
                "systemPoolCount",
                format!("The System pool's count must be within 1 and 1000, not {count}."),
            ));
        }
        let mut cluster = Cluster {
            subscription: spec.subscription.clone(),
            resource_group: spec.resource_group.clone(),
            name: spec.name.clone(),
            location: spec.location.clone(),
            kubernetes_version: spec
                .kubernetes_version
                .clone()
                .unwrap_or_else(|| DEFAULT_KUBERNETES_VERSION.to_string()),
            create_millis: now,
            pools: Vec::new(),
            tags: Default::default(),
        };
        let mut requested = Map::new();
        requested.insert("mode".into(), json!("System"));
        requested.insert("count".into(), json!(count));
        requested.insert(
            "vmSize".into(),
            Value::String(
                spec.system_pool_vm_size
                    .clone()
                    .unwrap_or_else(|| FIRST_POOL_VM_SIZE.to_string()),
            ),
        );
        let properties = new_pool_properties(&cluster, requested);
        cluster.pools.push(Pool {
            name: FIRST_POOL.to_string(),
            properties,
            provisioning_state: ProvisioningState::Succeeded,
            error: None,
            generation: 0,
            create_millis: now,
        });
        self.state.clusters.push(cluster);
        self.dirty = true;
        let index = self.state.clusters.len() - 1;
        Ok(&self.state.clusters[index])
    }

    pub(crate) fn find_cluster(
        &self,
        subscription: &str,
        resource_group: &str,
        name: &str,
    ) -> Option<usize> {
        self.state
            .clusters
            .iter()
            .position(|c| c.is(subscription, resource_group, name))
    }

    /// The cluster's index, creating the cluster first when the emulator is set to.
    pub(super) fn cluster_index(&mut self, at: &ClusterAt, now: u64) -> Result<usize, ArmError> {
        if let Some(index) = self.find_cluster(&at.subscription, &at.resource_group, &at.cluster) {
            return Ok(index);
        }
        if !self.auto_create_clusters {
            return Err(ArmError::cluster_not_found(&at.resource_group, &at.cluster));
        }
        let spec = AksClusterSpec {
            subscription: at.subscription.clone(),
            resource_group: at.resource_group.clone(),
            name: at.cluster.clone(),
            location: AUTO_CREATE_LOCATION.to_string(),
            ..AksClusterSpec::default()
        };
        self.create_cluster(&spec, now)?;
        Ok(self.state.clusters.len() - 1)
    }

    pub(crate) fn cluster(&mut self, at: &ClusterAt, now: u64) -> Result<&Cluster, ArmError> {
        let index = self.cluster_index(at, now)?;
        Ok(&self.state.clusters[index])
    }

    pub(crate) fn pool(
        &mut self,
        at: &ClusterAt,
        name: &str,
        now: u64,
    ) -> Result<(&Cluster, &Pool), ArmError> {
        let cluster = self.cluster(at, now)?;
        let pool = cluster
            .pool(name)
            .ok_or_else(|| ArmError::not_found("Agent pool", name))?;
        Ok((cluster, pool))
    }
}
