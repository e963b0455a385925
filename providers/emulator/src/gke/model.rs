//! GKE's state and rules: clusters, node pools, their instance groups and long-running operations.
//! Knows defaults, conflicts, quotas and effects but nothing of HTTP; time comes in as unix millis.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub(crate) const DEFAULT_VERSION: &str = "1.33.5-gke.1000000";
/// GKE's per-cluster limit on concurrently running operations.
const CONCURRENT_OPERATIONS_QUOTA: usize = 5;
const GPU_TAINT_KEY: &str = "nvidia.com/gpu";
/// Scopes GKE grants when a pool names none (the logging and monitoring agents need them).
const DEFAULT_OAUTH_SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/logging.write",
    "https://www.googleapis.com/auth/monitoring",
];
/// NodePool fields only the server sets; whatever a client sends there is dropped.
const OUTPUT_ONLY_POOL_FIELDS: [&str; 7] = [
    "status",
    "statusMessage",
    "selfLink",
    "instanceGroupUrls",
    "etag",
    "conditions",
    "updateInfo",
];
/// UpdateNodePoolRequest fields the emulator applies, and where each lands in the NodePool.
const UPDATE_FIELDS: [(&str, &str); 31] = [
    ("nodeVersion", "/version"),
    ("imageType", "/config/imageType"),
    ("locations", "/locations"),
    ("upgradeSettings", "/upgradeSettings"),
    ("tags", "/config/tags"),
    ("taints", "/config/taints"),
    ("labels", "/config/labels"),
    ("resourceLabels", "/config/resourceLabels"),
    ("resourceManagerTags", "/config/resourceManagerTags"),
    ("kubeletConfig", "/config/kubeletConfig"),
    ("linuxNodeConfig", "/config/linuxNodeConfig"),
    ("accelerators", "/config/accelerators"),
    ("machineType", "/config/machineType"),
    ("diskType", "/config/diskType"),
    ("diskSizeGb", "/config/diskSizeGb"),
    ("workloadMetadataConfig", "/config/workloadMetadataConfig"),
    ("gvnic", "/config/gvnic"),
    ("fastSocket", "/config/fastSocket"),
    ("gcfsConfig", "/config/gcfsConfig"),
    ("confidentialNodes", "/config/confidentialNodes"),
    ("loggingConfig", "/config/loggingConfig"),
    ("windowsNodeConfig", "/config/windowsNodeConfig"),
    ("containerdConfig", "/config/containerdConfig"),
    ("bootDisk", "/config/bootDisk"),
    ("storagePools", "/config/storagePools"),
    ("maxRunDuration", "/config/maxRunDuration"),
    ("flexStart", "/config/flexStart"),
    ("consolidationDelay", "/config/consolidationDelay"),
    ("maintenancePolicy", "/maintenancePolicy"),
    ("nodeDrainConfig", "/nodeDrainConfig"),
    ("queuedProvisioning", "/queuedProvisioning"),
];

/// An error as Google reports it: HTTP code, canonical status name, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GkeError {
    pub code: u16,
    pub status: &'static str,
    pub message: String,
    /// Set for malformed bodies: the field for a `google.rpc.BadRequest` violation ("" at the root).
    pub field: Option<String>,
}

impl GkeError {
    pub(crate) fn new(code: u16, status: &'static str, message: impl Into<String>) -> Self {
        GkeError {
            code,
            status,
            message: message.into(),
            field: None,
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", message)
    }

    pub(crate) fn not_found(resource: &str) -> Self {
        Self::new(404, "NOT_FOUND", format!("Not found: {resource}."))
    }

    fn invalid_field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::invalid_argument(format!("Invalid value for field \"{field}\": {problem}"))
    }
}

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

/// A cluster to create through the control API (or implicitly, with `auto_create_clusters`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    pub project: String,
    /// A region (`europe-west1`) or a zone (`europe-west1-b`).
    pub location: String,
    pub name: String,
    /// Node zones; defaults to the region's `-b`, `-c`, `-d` zones, or the zone itself.
    #[serde(default)]
    pub locations: Option<Vec<String>>,
    /// Control-plane and default node version; defaults to `1.33.5-gke.1000000`.
    #[serde(default)]
    pub version: Option<String>,
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
}

impl Cluster {
    pub(crate) fn resource_name(&self) -> String {
        format!(
            "projects/{}/locations/{}/clusters/{}",
            self.project, self.location, self.name
        )
    }

    fn region(&self) -> &str {
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

    fn has_accelerators(&self) -> bool {
        self.resource
            .get("config")
            .and_then(|c| c.get("accelerators"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    }

    fn touch(&mut self) {
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
        }
    }

    /// Management changes only touch metadata, so GKE runs them alongside other pool operations.
    fn blocks_pool(self) -> bool {
        self != OperationType::SetNodePoolManagement
    }

    fn verb(self) -> &'static str {
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
    pub end_millis: u64,
    pub done: bool,
    /// Set when a fault plan made this operation fail; shown as `error` once DONE.
    #[serde(default)]
    pub failure: Option<String>,
    pub effect: Effect,
}

impl Operation {
    fn cluster_key(&self) -> String {
        cluster_key(&self.project, &self.location, &self.cluster)
    }

    pub(crate) fn target(&self) -> String {
        format!("{}/nodePools/{}", self.cluster_key(), self.pool)
    }
}

/// The cluster a request addresses, as parsed from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterRef {
    pub project: String,
    pub location: String,
    pub cluster: String,
}

impl ClusterRef {
    fn key(&self) -> String {
        cluster_key(&self.project, &self.location, &self.cluster)
    }
}

fn cluster_key(project: &str, location: &str, cluster: &str) -> String {
    format!("projects/{project}/locations/{location}/clusters/{cluster}")
}

pub(crate) struct Model {
    state: State,
    operation_millis: u64,
    auto_create_clusters: bool,
    dirty: bool,
}

impl Model {
    pub(crate) fn new(state: State, operation_millis: u64, auto_create_clusters: bool) -> Self {
        Model {
            state,
            operation_millis,
            auto_create_clusters,
            dirty: false,
        }
    }

    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// True once after any change, so the caller persists each change exactly once.
    pub(crate) fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Finishes every operation whose time is up, in the order they end, and applies its effect.
    pub(crate) fn settle(&mut self, now: u64) {
        let mut due: Vec<usize> = (0..self.state.operations.len())
            .filter(|&i| {
                !self.state.operations[i].done && self.state.operations[i].end_millis <= now
            })
            .collect();
        due.sort_by_key(|&i| (self.state.operations[i].end_millis, i));
        for index in due {
            self.state.operations[index].done = true;
            let operation = self.state.operations[index].clone();
            self.finish(&operation);
            self.dirty = true;
        }
    }

    fn finish(&mut self, operation: &Operation) {
        let Some(cluster) = self.state.clusters.get_mut(&operation.cluster_key()) else {
            return;
        };
        let Some(index) = cluster.pools.iter().position(|p| p.name == operation.pool) else {
            return;
        };
        let cluster_name = cluster.name.clone();
        if operation.failure.is_none() && operation.effect == Effect::Delete {
            cluster.pools.remove(index);
            return;
        }
        let pool = &mut cluster.pools[index];
        match (&operation.failure, &operation.effect) {
            (Some(message), Effect::Create) => {
                pool.status_message = Some(message.clone());
            }
            (Some(_), _) | (None, Effect::Create) | (None, Effect::Delete) => {}
            (None, Effect::Update { changes }) => {
                for (pointer, value) in changes {
                    set_pointer(&mut pool.resource, pointer, value.clone());
                }
                if changes.contains_key("/locations") {
                    let zones = string_list(pool.resource.get("locations"));
                    resize_zones(pool, &cluster_name, &zones);
                }
                clamp_to_autoscaling(pool);
            }
            (None, Effect::Autoscaling { autoscaling }) => {
                pool.resource
                    .insert("autoscaling".into(), autoscaling.clone());
                clamp_to_autoscaling(pool);
            }
            (None, Effect::Size { node_count }) => {
                for group in &mut pool.instance_groups {
                    group.target_size = *node_count;
                }
                clamp_to_autoscaling(pool);
            }
            (None, Effect::Management { management }) => {
                pool.resource
                    .insert("management".into(), management.clone());
            }
        }
        if operation.operation_type.blocks_pool() {
            // A pool whose creation failed stays in ERROR until it is deleted, as on GKE.
            pool.status = if pool.status_message.is_some() {
                PoolStatus::Error
            } else {
                PoolStatus::Running
            };
        }
        pool.touch();
    }

    pub(crate) fn create_cluster(
        &mut self,
        spec: &ClusterSpec,
        now: u64,
    ) -> Result<&Cluster, GkeError> {
        for (field, value) in [("project", &spec.project), ("location", &spec.location)] {
            if value.is_empty() || value.contains('/') {
                return Err(GkeError::invalid_field(
                    field,
                    format!("{value:?} is not a valid {field}."),
                ));
            }
        }
        validate_resource_name("cluster.name", &spec.name)?;
        let key = cluster_key(&spec.project, &spec.location, &spec.name);
        if self.state.clusters.contains_key(&key) {
            return Err(GkeError::new(
                409,
                "ALREADY_EXISTS",
                format!("Already exists: {key}."),
            ));
        }
        let locations = match &spec.locations {
            Some(zones) if !zones.is_empty() => {
                let region = region_of(&spec.location);
                if let Some(zone) = zones.iter().find(|z| !is_zone(z) || region_of(z) != region) {
                    return Err(GkeError::invalid_field(
                        "cluster.locations",
                        format!("{zone:?} is not a zone of {region:?}."),
                    ));
                }
                zones.clone()
            }
            _ => default_zones(&spec.location),
        };
        let cluster = Cluster {
            project: spec.project.clone(),
            location: spec.location.clone(),
            name: spec.name.clone(),
            locations,
            version: spec
                .version
                .clone()
                .unwrap_or_else(|| DEFAULT_VERSION.to_string()),
            create_millis: now,
            pools: Vec::new(),
        };
        self.dirty = true;
        Ok(self.state.clusters.entry(key).or_insert(cluster))
    }

    pub(crate) fn cluster(&mut self, at: &ClusterRef, now: u64) -> Result<&Cluster, GkeError> {
        let key = self.ensure_cluster(at, now)?;
        self.state
            .clusters
            .get(&key)
            .ok_or_else(|| GkeError::not_found(&key))
    }

    pub(crate) fn pool(
        &mut self,
        at: &ClusterRef,
        name: &str,
        now: u64,
    ) -> Result<(&Cluster, &Pool), GkeError> {
        let cluster = self.cluster(at, now)?;
        let pool = cluster
            .pools
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                GkeError::not_found(&format!("{}/nodePools/{name}", cluster.resource_name()))
            })?;
        Ok((cluster, pool))
    }

    /// What the cluster autoscaler does on its own: moves an autoscaled pool to `nodes`
    /// in total (kept within its bounds), spread over its zones. No operation, no etag
    /// change: clients see it only in the instance groups' target sizes.
    pub(crate) fn autoscale(
        &mut self,
        at: &ClusterRef,
        name: &str,
        nodes: i64,
        now: u64,
    ) -> Result<(), GkeError> {
        let key = self.ensure_cluster(at, now)?;
        let cluster = self
            .state
            .clusters
            .get_mut(&key)
            .ok_or_else(|| GkeError::not_found(&key))?;
        let resource = format!("{}/nodePools/{name}", cluster.resource_name());
        let pool = cluster
            .pools
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| GkeError::not_found(&resource))?;
        let enabled = pool
            .resource
            .get("autoscaling")
            .and_then(|a| a.get("enabled"))
            .and_then(Value::as_bool)
            == Some(true);
        if !enabled {
            return Err(GkeError::new(
                400,
                "FAILED_PRECONDITION",
                format!("Node pool {name} does not have autoscaling enabled."),
            ));
        }
        let zones = i64::try_from(pool.instance_groups.len().max(1)).unwrap_or(1);
        for (index, group) in pool.instance_groups.iter_mut().enumerate() {
            let extra = i64::from(i64::try_from(index).unwrap_or(0) < nodes.max(0) % zones);
            group.target_size = nodes.max(0) / zones + extra;
        }
        clamp_to_autoscaling(pool);
        self.dirty = true;
        Ok(())
    }

    /// CreateNodePool: the pool exists at once (PROVISIONING) and runs when the operation is DONE.
    pub(crate) fn create_pool(
        &mut self,
        at: &ClusterRef,
        request: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        let key = self.ensure_cluster(at, now)?;
        let Some(Value::Object(requested)) = request.get("nodePool") else {
            return Err(GkeError::invalid_argument(
                "Required field node_pool is not set.",
            ));
        };
        let name = requested
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        validate_resource_name("node_pool.name", &name)?;
        let cluster = self
            .state
            .clusters
            .get(&key)
            .ok_or_else(|| GkeError::not_found(&key))?;
        if cluster.pools.iter().any(|p| p.name == name) {
            if let Some(running) = self.running_on_pool(&key, &name) {
                return Err(busy(running, &name));
            }
            return Err(GkeError::new(
                409,
                "ALREADY_EXISTS",
                format!("Already exists: {key}/nodePools/{name}."),
            ));
        }
        let resource = new_pool_resource(cluster, requested)?;
        self.check_quota(&key, &at.cluster)?;

        let initial = int(resource.get("initialNodeCount"));
        let zones = string_list(resource.get("locations"));
        let mut pool = Pool {
            name: name.clone(),
            resource,
            status: PoolStatus::Provisioning,
            status_message: None,
            generation: 0,
            create_millis: now,
            instance_groups: Vec::new(),
        };
        let cluster = self
            .state
            .clusters
            .get_mut(&key)
            .ok_or_else(|| GkeError::not_found(&key))?;
        resize_zones(&mut pool, &cluster.name, &zones);
        for group in &mut pool.instance_groups {
            group.target_size = initial;
        }
        clamp_to_autoscaling(&mut pool);
        cluster.pools.push(pool);
        Ok(self.start_operation(
            at,
            &name,
            OperationType::CreateNodePool,
            Effect::Create,
            failure,
            now,
        ))
    }

    /// UpdateNodePool: applies whichever supported fields the request sets, once the operation is DONE.
    pub(crate) fn update_pool(
        &mut self,
        at: &ClusterRef,
        name: &str,
        request: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        let (cluster, pool) = self.pool(at, name, now)?;
        if let Some(etag) = request.get("etag").and_then(Value::as_str) {
            if etag != pool.etag() {
                return Err(GkeError::new(
                    409,
                    "ABORTED",
                    format!("Provided etag \"{etag}\" does not match the current etag of node pool {name}."),
                ));
            }
        }
        let changes = update_changes(cluster, request)?;
        self.start_on_pool(
            at,
            name,
            OperationType::UpgradeNodes,
            Effect::Update { changes },
            failure,
            now,
        )
    }

    pub(crate) fn set_autoscaling(
        &mut self,
        at: &ClusterRef,
        name: &str,
        request: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        self.pool(at, name, now)?;
        let mut autoscaling = request
            .get("autoscaling")
            .cloned()
            .unwrap_or_else(|| json!({}));
        validate_autoscaling("autoscaling", &autoscaling)?;
        default_location_policy(&mut autoscaling);
        let effect = Effect::Autoscaling { autoscaling };
        self.start_on_pool(at, name, OperationType::UpdateCluster, effect, failure, now)
    }

    pub(crate) fn set_size(
        &mut self,
        at: &ClusterRef,
        name: &str,
        request: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        self.pool(at, name, now)?;
        let node_count = int(request.get("nodeCount"));
        if node_count < 0 {
            return Err(GkeError::invalid_field(
                "node_count",
                format!("{node_count}. Must be non-negative."),
            ));
        }
        self.start_on_pool(
            at,
            name,
            OperationType::SetNodePoolSize,
            Effect::Size { node_count },
            failure,
            now,
        )
    }

    pub(crate) fn set_management(
        &mut self,
        at: &ClusterRef,
        name: &str,
        request: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        self.pool(at, name, now)?;
        let management = request
            .get("management")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let effect = Effect::Management { management };
        self.start_on_pool(
            at,
            name,
            OperationType::SetNodePoolManagement,
            effect,
            failure,
            now,
        )
    }

    pub(crate) fn delete_pool(
        &mut self,
        at: &ClusterRef,
        name: &str,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        self.pool(at, name, now)?;
        self.start_on_pool(
            at,
            name,
            OperationType::DeleteNodePool,
            Effect::Delete,
            failure,
            now,
        )
    }

    /// `location` `-` matches every location, as in Google's list calls.
    pub(crate) fn operation(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<&Operation, GkeError> {
        self.state
            .operations
            .iter()
            .find(|op| {
                op.name == name
                    && op.project == project
                    && (location == "-" || op.location == location)
            })
            .ok_or_else(|| {
                GkeError::not_found(&format!(
                    "projects/{project}/locations/{location}/operations/{name}"
                ))
            })
    }

    pub(crate) fn operations(&self, project: &str, location: &str) -> Vec<&Operation> {
        self.state
            .operations
            .iter()
            .filter(|op| op.project == project && (location == "-" || op.location == location))
            .collect()
    }

    pub(crate) fn instance_group(
        &self,
        project: &str,
        zone: &str,
        name: &str,
    ) -> Option<(&Cluster, &Pool, &InstanceGroup)> {
        self.state
            .clusters
            .values()
            .filter(|c| c.project == project)
            .find_map(|cluster| {
                cluster.pools.iter().find_map(|pool| {
                    pool.instance_groups
                        .iter()
                        .find(|g| g.zone == zone && g.name == name)
                        .map(|group| (cluster, pool, group))
                })
            })
    }

    /// Returns the cluster's key, creating the cluster first when the emulator is set to.
    fn ensure_cluster(&mut self, at: &ClusterRef, now: u64) -> Result<String, GkeError> {
        let key = at.key();
        if self.state.clusters.contains_key(&key) {
            return Ok(key);
        }
        if !self.auto_create_clusters {
            return Err(GkeError::not_found(&key));
        }
        let spec = ClusterSpec {
            project: at.project.clone(),
            location: at.location.clone(),
            name: at.cluster.clone(),
            locations: None,
            version: None,
        };
        self.create_cluster(&spec, now)?;
        Ok(key)
    }

    fn running_on_pool(&self, key: &str, pool: &str) -> Option<&Operation> {
        self.state.operations.iter().find(|op| {
            !op.done
                && op.operation_type.blocks_pool()
                && op.pool == pool
                && op.cluster_key() == key
        })
    }

    fn check_quota(&self, key: &str, cluster: &str) -> Result<(), GkeError> {
        let running = self
            .state
            .operations
            .iter()
            .filter(|op| !op.done && op.cluster_key() == key)
            .count();
        if running >= CONCURRENT_OPERATIONS_QUOTA {
            return Err(GkeError::new(
                429,
                "RESOURCE_EXHAUSTED",
                format!(
                    "Too many operations: cluster \"{cluster}\" hits the concurrent operations quota {CONCURRENT_OPERATIONS_QUOTA}, please try again later."
                ),
            ));
        }
        Ok(())
    }

    /// Checks the pool is free and the cluster under quota, marks the pool busy, starts the operation.
    fn start_on_pool(
        &mut self,
        at: &ClusterRef,
        name: &str,
        operation_type: OperationType,
        effect: Effect,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        let key = at.key();
        if operation_type.blocks_pool() {
            if let Some(running) = self.running_on_pool(&key, name) {
                return Err(busy(running, name));
            }
        }
        self.check_quota(&key, &at.cluster)?;
        let busy_status = match operation_type {
            OperationType::DeleteNodePool => Some(PoolStatus::Stopping),
            OperationType::SetNodePoolManagement => None,
            _ => Some(PoolStatus::Reconciling),
        };
        if let Some(pool) = self
            .state
            .clusters
            .get_mut(&key)
            .and_then(|c| c.pools.iter_mut().find(|p| p.name == name))
        {
            if let Some(status) = busy_status {
                pool.status = status;
                pool.touch();
            }
        }
        Ok(self.start_operation(at, name, operation_type, effect, failure, now))
    }

    fn start_operation(
        &mut self,
        at: &ClusterRef,
        pool: &str,
        operation_type: OperationType,
        effect: Effect,
        failure: Option<String>,
        now: u64,
    ) -> Operation {
        self.state.sequence += 1;
        let suffix = fnv(&[
            &self.state.sequence.to_le_bytes(),
            &now.to_le_bytes(),
            pool.as_bytes(),
        ]);
        let name = format!("operation-{now}-{:08x}", suffix as u32);
        self.state.operations.push(Operation {
            name: name.clone(),
            project: at.project.clone(),
            location: at.location.clone(),
            cluster: at.cluster.clone(),
            pool: pool.to_string(),
            operation_type,
            start_millis: now,
            end_millis: now.saturating_add(self.operation_millis),
            done: false,
            failure,
            effect,
        });
        self.dirty = true;
        // With a zero duration the operation is already over when the call returns.
        self.settle(now);
        let index = self.state.operations.len() - 1;
        self.state.operations[index].clone()
    }
}

fn busy(running: &Operation, pool: &str) -> GkeError {
    GkeError::new(
        400,
        "FAILED_PRECONDITION",
        format!(
            "Operation {} is currently {} node pool {pool}. Please wait and try again once it is done.",
            running.name,
            running.operation_type.verb()
        ),
    )
}

/// Validates a CreateNodePoolRequest's pool and fills in what GKE adds itself.
fn new_pool_resource(
    cluster: &Cluster,
    requested: &Map<String, Value>,
) -> Result<Map<String, Value>, GkeError> {
    let mut resource = requested.clone();
    for field in OUTPUT_ONLY_POOL_FIELDS {
        resource.remove(field);
    }
    let mut config = match resource.remove("config") {
        Some(Value::Object(config)) => config,
        _ => Map::new(),
    };
    if let Some(labels) = config.get("labels") {
        validate_labels("node_pool.config.labels", labels)?;
    }
    if let Some(taints) = config.get("taints") {
        validate_taints("node_pool.config.taints", taints)?;
    }
    if let Some(labels) = config.get("resourceLabels") {
        validate_resource_labels("node_pool.config.resource_labels", labels)?;
    }
    let disk_size = int(config.get("diskSizeGb"));
    if disk_size != 0 && disk_size < 10 {
        return Err(GkeError::invalid_field(
            "node_pool.config.disk_size_gb",
            format!("{disk_size}. The smallest allowed disk size is 10GB."),
        ));
    }
    let initial = int(resource.get("initialNodeCount"));
    if initial < 0 {
        return Err(GkeError::invalid_field(
            "node_pool.initial_node_count",
            format!("{initial}. Must be non-negative."),
        ));
    }
    if let Some(autoscaling) = resource.get_mut("autoscaling") {
        validate_autoscaling("node_pool.autoscaling", autoscaling)?;
        default_location_policy(autoscaling);
    }
    let zones = string_list(resource.get("locations"));
    if zones.is_empty() {
        resource.insert("locations".into(), json!(cluster.locations));
    } else {
        validate_zones(cluster, "node_pool.locations", &zones)?;
    }
    let max_pods = match resource
        .get("maxPodsConstraint")
        .map(|m| int(m.get("maxPodsPerNode")))
    {
        None | Some(0) => 110,
        Some(n) if (8..=256).contains(&n) => n,
        Some(n) => {
            return Err(GkeError::invalid_field(
                "node_pool.max_pods_constraint.max_pods_per_node",
                format!("{n}. Must be between 8 and 256."),
            ))
        }
    };
    resource.insert(
        "maxPodsConstraint".into(),
        json!({"maxPodsPerNode": max_pods.to_string()}),
    );
    resource.insert("podIpv4CidrSize".into(), json!(pod_cidr_size(max_pods)));
    let version = resource
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let version = resolve_version(cluster, version);
    resource.insert("version".into(), json!(version));
    resource
        .entry("management")
        .or_insert_with(|| json!({"autoUpgrade": true, "autoRepair": true}));
    match resource
        .entry("upgradeSettings")
        .or_insert_with(|| json!({"maxSurge": 1}))
    {
        Value::Object(settings) => {
            settings.entry("strategy").or_insert_with(|| json!("SURGE"));
        }
        other => *other = json!({"maxSurge": 1, "strategy": "SURGE"}),
    }

    config
        .entry("machineType")
        .or_insert_with(|| json!("e2-medium"));
    config.entry("diskSizeGb").or_insert_with(|| json!(100));
    config
        .entry("diskType")
        .or_insert_with(|| json!("pd-balanced"));
    config
        .entry("imageType")
        .or_insert_with(|| json!("COS_CONTAINERD"));
    config
        .entry("serviceAccount")
        .or_insert_with(|| json!("default"));
    config
        .entry("oauthScopes")
        .or_insert_with(|| json!(DEFAULT_OAUTH_SCOPES));
    // GKE taints a GPU pool so that only GPU workloads land there, but only when the cluster
    // already runs other pools, and it never adds the taint to existing pools.
    let gpu = config
        .get("accelerators")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if gpu && cluster.pools.iter().any(|p| !p.has_accelerators()) {
        let taints = config.entry("taints").or_insert_with(|| json!([]));
        if let Value::Array(taints) = taints {
            if !taints
                .iter()
                .any(|t| t.get("key").and_then(Value::as_str) == Some(GPU_TAINT_KEY))
            {
                taints.push(
                    json!({"key": GPU_TAINT_KEY, "value": "present", "effect": "NO_SCHEDULE"}),
                );
            }
        }
    }
    resource.insert("config".into(), Value::Object(config));
    Ok(resource)
}

/// Maps an UpdateNodePoolRequest to JSON-pointer changes of the pool, validating each value.
fn update_changes(cluster: &Cluster, request: &Value) -> Result<Map<String, Value>, GkeError> {
    let mut changes = Map::new();
    for (field, pointer) in UPDATE_FIELDS {
        let Some(value) = request.get(field) else {
            continue;
        };
        let value = match field {
            "labels" => {
                let labels = value.get("labels").cloned().unwrap_or_else(|| json!({}));
                validate_labels("labels.labels", &labels)?;
                labels
            }
            "resourceLabels" => {
                let labels = value.get("labels").cloned().unwrap_or_else(|| json!({}));
                validate_resource_labels("resource_labels.labels", &labels)?;
                labels
            }
            "taints" => {
                let taints = value.get("taints").cloned().unwrap_or_else(|| json!([]));
                validate_taints("taints.taints", &taints)?;
                taints
            }
            "tags" => value.get("tags").cloned().unwrap_or_else(|| json!([])),
            "nodeVersion" => json!(resolve_version(cluster, value.as_str().unwrap_or_default())),
            "locations" => {
                let zones = string_list(Some(value));
                validate_zones(cluster, "locations", &zones)?;
                value.clone()
            }
            "diskSizeGb" => {
                // int64 in the request, int32 in NodeConfig.
                let size = int(Some(value));
                if size < 10 {
                    return Err(GkeError::invalid_field(
                        "disk_size_gb",
                        format!("{size}. The smallest allowed disk size is 10GB."),
                    ));
                }
                json!(size)
            }
            _ => value.clone(),
        };
        changes.insert(pointer.to_string(), value);
    }
    if changes.is_empty() {
        let supported: Vec<&str> = UPDATE_FIELDS.iter().map(|(field, _)| *field).collect();
        return Err(GkeError::invalid_argument(format!(
            "The update request does not set any field to update; set at least one of: {}.",
            supported.join(", ")
        )));
    }
    Ok(changes)
}

/// Sets a value at a JSON pointer in the pool, dropping empty lists and maps as proto3 JSON does.
fn set_pointer(resource: &mut Map<String, Value>, pointer: &str, value: Value) {
    let mut parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let Some(last) = parts.pop() else { return };
    let mut target = resource;
    for part in parts {
        let entry = target.entry(part).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Value::Object(next) = entry else { return };
        target = next;
    }
    let empty = match &value {
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty() && matches!(last, "labels" | "resourceLabels"),
        _ => false,
    };
    if empty {
        target.remove(last);
    } else {
        target.insert(last.to_string(), value);
    }
}

/// Keeps one instance group per zone: new zones start at the size of the existing ones.
fn resize_zones(pool: &mut Pool, cluster: &str, zones: &[String]) {
    let seed = pool
        .instance_groups
        .first()
        .map(|g| g.target_size)
        .unwrap_or(0);
    let mut groups = Vec::with_capacity(zones.len());
    for zone in zones {
        match pool.instance_groups.iter().find(|g| &g.zone == zone) {
            Some(existing) => groups.push(existing.clone()),
            None => {
                let hash = fnv(&[
                    cluster.as_bytes(),
                    pool.name.as_bytes(),
                    zone.as_bytes(),
                    &pool.create_millis.to_le_bytes(),
                ]);
                groups.push(InstanceGroup {
                    zone: zone.clone(),
                    name: format!("gke-{cluster}-{}-{:08x}-grp", pool.name, hash as u32),
                    target_size: seed,
                });
            }
        }
    }
    pool.instance_groups = groups;
}

/// The cluster autoscaler keeps sizes inside the bounds: per zone, or spread over the zones for totals.
fn clamp_to_autoscaling(pool: &mut Pool) {
    let Some(autoscaling) = pool.resource.get("autoscaling") else {
        return;
    };
    if autoscaling.get("enabled").and_then(Value::as_bool) != Some(true) {
        return;
    }
    let (total_min, total_max) = (
        int(autoscaling.get("totalMinNodeCount")),
        int(autoscaling.get("totalMaxNodeCount")),
    );
    let groups = &mut pool.instance_groups;
    if groups.is_empty() {
        return;
    }
    if total_min > 0 || total_max > 0 {
        let total: i64 = groups.iter().map(|g| g.target_size).sum();
        let clamped = total.clamp(total_min, total_max.max(total_min));
        if clamped != total {
            let zones = i64::try_from(groups.len()).unwrap_or(1);
            for (index, group) in groups.iter_mut().enumerate() {
                let extra = i64::from(i64::try_from(index).unwrap_or(0) < clamped % zones);
                group.target_size = clamped / zones + extra;
            }
        }
    } else {
        let (min, max) = (
            int(autoscaling.get("minNodeCount")),
            int(autoscaling.get("maxNodeCount")),
        );
        for group in groups.iter_mut() {
            group.target_size = group.target_size.clamp(min, max.max(min));
        }
    }
}

fn default_location_policy(autoscaling: &mut Value) {
    if autoscaling.get("enabled").and_then(Value::as_bool) == Some(true) {
        if let Value::Object(fields) = autoscaling {
            fields
                .entry("locationPolicy")
                .or_insert_with(|| json!("BALANCED"));
        }
    }
}

fn validate_autoscaling(field: &str, autoscaling: &Value) -> Result<(), GkeError> {
    let enabled = autoscaling.get("enabled").and_then(Value::as_bool) == Some(true);
    let count = |name: &str| int(autoscaling.get(name));
    let (min, max) = (count("minNodeCount"), count("maxNodeCount"));
    let (total_min, total_max) = (count("totalMinNodeCount"), count("totalMaxNodeCount"));
    for (name, value) in [
        ("min_node_count", min),
        ("max_node_count", max),
        ("total_min_node_count", total_min),
        ("total_max_node_count", total_max),
    ] {
        if value < 0 {
            return Err(GkeError::invalid_field(
                &format!("{field}.{name}"),
                format!("{value}. Must be non-negative."),
            ));
        }
    }
    if (min > 0 || max > 0) && (total_min > 0 || total_max > 0) {
        return Err(GkeError::invalid_argument(format!(
            "Invalid value for field \"{field}\": total_min_node_count and total_max_node_count cannot be combined with min_node_count and max_node_count."
        )));
    }
    if !enabled {
        return Ok(());
    }
    let (low, high, prefix) = if total_min > 0 || total_max > 0 {
        (total_min, total_max, "total_")
    } else {
        (min, max, "")
    };
    if high == 0 {
        return Err(GkeError::invalid_field(
            &format!("{field}.{prefix}max_node_count"),
            "0. Must be greater than 0 when autoscaling is enabled.",
        ));
    }
    if low > high {
        return Err(GkeError::invalid_argument(format!(
            "Invalid value for field \"{field}\": {prefix}min_node_count ({low}) must be less than or equal to {prefix}max_node_count ({high})."
        )));
    }
    Ok(())
}

fn validate_zones(cluster: &Cluster, field: &str, zones: &[String]) -> Result<(), GkeError> {
    let region = cluster.region();
    match zones
        .iter()
        .find(|zone| !is_zone(zone) || region_of(zone) != region)
    {
        Some(zone) => Err(GkeError::invalid_field(
            field,
            format!(
                "{zone:?}. Node pool locations must be zones of the cluster's region {region:?}."
            ),
        )),
        None => Ok(()),
    }
}

/// Cluster and pool names: `[a-z]([-a-z0-9]{0,38}[a-z0-9])?`, with GKE's own wording.
fn validate_resource_name(field: &str, name: &str) -> Result<(), GkeError> {
    let bytes = name.as_bytes();
    let valid = matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= 40
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        && matches!(bytes.last(), Some(b'a'..=b'z' | b'0'..=b'9'));
    if valid {
        return Ok(());
    }
    Err(GkeError::invalid_field(
        field,
        format!(
            "{name:?}. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,38}}[a-z0-9])?)' (only lowercase alphanumerics and '-' allowed, must start with a letter and end with an alphanumeric, and must be no longer than 40 characters)."
        ),
    ))
}

fn validate_labels(field: &str, labels: &Value) -> Result<(), GkeError> {
    let Some(labels) = labels.as_object() else {
        return Ok(());
    };
    for (key, value) in labels {
        if !is_label_key(key) {
            return Err(GkeError::invalid_field(
                field,
                format!("label key {key:?} is not a valid Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters ([A-Za-z0-9], '-', '_' or '.', starting and ending with an alphanumeric)."),
            ));
        }
        let value = value.as_str().unwrap_or_default();
        if !is_label_value(value) {
            return Err(GkeError::invalid_field(
                field,
                format!("label value {value:?} of {key:?} is not a valid Kubernetes label value: at most 63 characters ([A-Za-z0-9], '-', '_' or '.', starting and ending with an alphanumeric), or empty."),
            ));
        }
    }
    Ok(())
}

fn validate_taints(field: &str, taints: &Value) -> Result<(), GkeError> {
    let Some(taints) = taints.as_array() else {
        return Ok(());
    };
    for (index, taint) in taints.iter().enumerate() {
        let key = taint.get("key").and_then(Value::as_str).unwrap_or_default();
        let value = taint
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !is_label_key(key) {
            return Err(GkeError::invalid_field(
                &format!("{field}[{index}].key"),
                format!("{key:?} is not a valid taint key (Kubernetes label key syntax)."),
            ));
        }
        if !is_label_value(value) {
            return Err(GkeError::invalid_field(
                &format!("{field}[{index}].value"),
                format!("{value:?} is not a valid taint value (Kubernetes label value syntax)."),
            ));
        }
        if taint.get("effect").and_then(Value::as_str).is_none() {
            return Err(GkeError::invalid_field(
                &format!("{field}[{index}].effect"),
                "EFFECT_UNSPECIFIED. Must be one of NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE.",
            ));
        }
    }
    Ok(())
}

/// Compute Engine labels: lowercase keys starting with a letter, lowercase values, 63 characters each.
fn validate_resource_labels(field: &str, labels: &Value) -> Result<(), GkeError> {
    let Some(labels) = labels.as_object() else {
        return Ok(());
    };
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    for (key, value) in labels {
        let value = value.as_str().unwrap_or_default();
        let key_ok = key.starts_with(|c: char| c.is_ascii_lowercase())
            && key.len() <= 63
            && key.chars().all(allowed);
        if !key_ok || value.len() > 63 || !value.chars().all(allowed) {
            return Err(GkeError::invalid_field(
                field,
                format!("{key:?}: {value:?} is not a valid resource label: keys start with a lowercase letter, and keys and values hold at most 63 lowercase letters, digits, '_' or '-'."),
            ));
        }
    }
    Ok(())
}

fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            })
    });
    prefix_ok && !name.is_empty() && is_label_value(name)
}

fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// `-` and `latest` ask for the control plane's version, as GKE reads them.
fn resolve_version(cluster: &Cluster, requested: &str) -> String {
    match requested {
        "" | "-" | "latest" => cluster.version.clone(),
        other => other.to_string(),
    }
}

/// The smallest pod range that holds twice the pods per node, as GKE sizes it (110 pods: /24).
fn pod_cidr_size(max_pods: i64) -> i64 {
    let mut size = 32;
    while size > 0 && (1i64 << (32 - size)) < 2 * max_pods {
        size -= 1;
    }
    size
}

fn is_zone(location: &str) -> bool {
    location.rsplit_once('-').is_some_and(|(region, suffix)| {
        region.contains('-') && suffix.len() == 1 && suffix.chars().all(|c| c.is_ascii_lowercase())
    })
}

fn region_of(location: &str) -> &str {
    if is_zone(location) {
        location
            .rsplit_once('-')
            .map(|(region, _)| region)
            .unwrap_or(location)
    } else {
        location
    }
}

fn default_zones(location: &str) -> Vec<String> {
    if is_zone(location) {
        vec![location.to_string()]
    } else {
        ["b", "c", "d"]
            .iter()
            .map(|suffix| format!("{location}-{suffix}"))
            .collect()
    }
}

/// Integer fields arrive canonical (int32 as numbers, int64 as strings); absent means 0.
fn int(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// FNV-1a: stable across runs and platforms, unlike std's hasher, so persisted names stay meaningful.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash ^ (hash >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> ClusterRef {
        ClusterRef {
            project: "p".into(),
            location: "europe-west1".into(),
            cluster: "c".into(),
        }
    }

    fn model(duration: u64) -> Model {
        let mut model = Model::new(State::default(), duration, false);
        let spec = ClusterSpec {
            project: "p".into(),
            location: "europe-west1".into(),
            name: "c".into(),
            locations: None,
            version: None,
        };
        model.create_cluster(&spec, 0).unwrap();
        model
    }

    #[test]
    fn operations_finish_when_their_time_is_up() {
        let mut model = model(100);
        let op = model
            .create_pool(
                &at(),
                &json!({"nodePool": {"name": "a", "initialNodeCount": 2}}),
                None,
                1000,
            )
            .unwrap();
        assert!(!op.done);
        assert_eq!(
            model.pool(&at(), "a", 1050).unwrap().1.status,
            PoolStatus::Provisioning
        );
        model.settle(1100);
        let (_, pool) = model.pool(&at(), "a", 1100).unwrap();
        assert_eq!(pool.status, PoolStatus::Running);
        assert_eq!(pool.instance_groups.len(), 3);
        assert!(pool.instance_groups.iter().all(|g| g.target_size == 2));
        assert_eq!(pool.instance_groups[0].zone, "europe-west1-b");
    }

    #[test]
    fn total_bounds_are_spread_over_zones() {
        let mut model = model(0);
        let body = json!({"nodePool": {"name": "a", "initialNodeCount": 0,
            "autoscaling": {"enabled": true, "totalMinNodeCount": 4, "totalMaxNodeCount": 9}}});
        model.create_pool(&at(), &body, None, 1).unwrap();
        let sizes: Vec<i64> = model
            .pool(&at(), "a", 1)
            .unwrap()
            .1
            .instance_groups
            .iter()
            .map(|g| g.target_size)
            .collect();
        assert_eq!(sizes, vec![2, 1, 1]);
        model
            .set_size(&at(), "a", &json!({"nodeCount": 5}), None, 2)
            .unwrap();
        let sizes: Vec<i64> = model
            .pool(&at(), "a", 2)
            .unwrap()
            .1
            .instance_groups
            .iter()
            .map(|g| g.target_size)
            .collect();
        assert_eq!(sizes, vec![3, 3, 3]);
    }

    #[test]
    fn autoscaling_bounds_are_checked() {
        let check = |a: Value| validate_autoscaling("autoscaling", &a).map_err(|e| e.message);
        assert!(check(json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 3})).is_ok());
        assert!(
            check(json!({"enabled": true, "minNodeCount": 4, "maxNodeCount": 3}))
                .unwrap_err()
                .contains("min_node_count (4)")
        );
        assert!(
            check(json!({"enabled": true, "minNodeCount": 1, "totalMaxNodeCount": 3}))
                .unwrap_err()
                .contains("cannot be combined")
        );
        assert!(
            check(json!({"enabled": true, "minNodeCount": -1, "maxNodeCount": 3}))
                .unwrap_err()
                .contains("non-negative")
        );
    }

    #[test]
    fn label_syntax() {
        assert!(
            is_label_key("cloud.google.com/gke-nodepool")
                && is_label_key("team")
                && is_label_key("a_b.c")
        );
        assert!(
            !is_label_key("Bad Key")
                && !is_label_key("-x")
                && !is_label_key("/x")
                && !is_label_key("A.b/x")
        );
        assert!(
            is_label_value("")
                && is_label_value("v1.2")
                && !is_label_value("x-")
                && !is_label_value(&"a".repeat(64))
        );
    }

    #[test]
    fn zones_and_pod_ranges() {
        assert!(is_zone("europe-west1-b") && !is_zone("europe-west1") && !is_zone("us-central1"));
        assert_eq!(region_of("us-central1-a"), "us-central1");
        assert_eq!(
            default_zones("europe-west1"),
            vec!["europe-west1-b", "europe-west1-c", "europe-west1-d"]
        );
        assert_eq!(
            (
                pod_cidr_size(110),
                pod_cidr_size(64),
                pod_cidr_size(32),
                pod_cidr_size(8)
            ),
            (24, 25, 26, 28)
        );
    }
}
