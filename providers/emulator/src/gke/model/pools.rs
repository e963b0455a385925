//! The node-pool calls: create, update, set autoscaling, size or management, and delete. Each
//! checks the request against the pool as it stands and starts an operation carrying its effect.

use serde_json::{json, Value};

use super::canonical::{int, string_list};
use super::checks::{validate_autoscaling, validate_resource_name};
use super::instance_groups::{clamp_to_autoscaling, resize_zones};
use super::operations::busy;
use super::pool_resource::{default_location_policy, new_pool_resource, update_changes};
use super::{ClusterRef, Effect, GkeError, Model, Operation, OperationType, Pool, PoolStatus};

impl Model {
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
}
