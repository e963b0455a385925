//! The agent-pool writes: create-or-update (PUT) and delete, with ARM's conditional headers, the
//! one-operation-per-cluster rule and the last-System-pool rule. Each starts an async operation.

use serde_json::{Map, Value};

use super::checks::{validate_name, validate_pool};
use super::defaults::{
    apply_spot, is_scale_set, new_pool_properties, set_current_version, virtual_machine_nodes,
};
use super::mutability::{check_immutable, merge, transition};
use super::operations::busy;
use super::{ArmError, ClusterAt, Model, Operation, OperationError, Pool, ProvisioningState};

/// `If-Match` / `If-None-Match` as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

/// ETags travel quoted in HTTP headers (RFC 9110) but bare in AKS's `eTag`: accept either.
fn bare(tag: &str) -> &str {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag)
}

impl Preconditions {
    /// ARM allows only `*` in If-None-Match (provider-apis.md §2.5); the 400's code is a choice.
    fn check_headers(&self) -> Result<(), ArmError> {
        match self.if_none_match.as_deref().map(str::trim) {
            None | Some("*") => Ok(()),
            Some(other) => Err(ArmError::new(
                400,
                "InvalidRequestHeader",
                format!("The If-None-Match header value '{other}' is not supported: only '*' is allowed."),
            )
            .with_target("If-None-Match")),
        }
    }

    /// 412 `PreconditionFailed` (ARM's code for a failed condition; its wording here is a
    /// choice) when the pool's current eTag (`None`: no pool) does not meet the headers.
    fn check(&self, current: Option<&str>) -> Result<(), ArmError> {
        let failed = |message: String| Err(ArmError::new(412, "PreconditionFailed", message));
        if let Some(wanted) = self.if_match.as_deref() {
            let wanted = bare(wanted);
            match current {
                None => {
                    return failed(format!(
                        "The If-Match header '{wanted}' does not match: the agent pool does not exist."
                    ))
                }
                Some(etag) if wanted != "*" && wanted != etag => {
                    return failed(format!(
                        "The If-Match header '{wanted}' does not match the agent pool's current eTag '{etag}'."
                    ))
                }
                Some(_) => {}
            }
        }
        if self.if_none_match.is_some() && current.is_some() {
            return failed("The agent pool already exists and If-None-Match is '*'.".to_string());
        }
        Ok(())
    }
}

/// What a PUT did: created the pool (201) or updated it (200), and the operation it started.
#[derive(Debug, Clone)]
pub(crate) struct PutOutcome {
    pub created: bool,
    pub operation: Operation,
}

impl Model {
    /// PUT: creates the pool or brings it to the requested state. The new properties show at
    /// once with a transitional provisioningState; the operation's end makes them Succeeded.
    pub(crate) fn put_pool(
        &mut self,
        at: &ClusterAt,
        name: &str,
        request: Map<String, Value>,
        conditions: &Preconditions,
        failure: Option<OperationError>,
        now: u64,
    ) -> Result<PutOutcome, ArmError> {
        conditions.check_headers()?;
        let index = self.cluster_index(at, now)?;
        let cluster = &self.state.clusters[index];
        let existing = cluster.pool_index(name);
        conditions.check(existing.map(|i| cluster.pools[i].etag()).as_deref())?;
        if let Some(running) = self.running_on_cluster(cluster) {
            return Err(busy(running));
        }
        let Some(pool_index) = existing else {
            validate_name(name)?;
            let properties = new_pool_properties(cluster, request);
            validate_pool(&properties)?;
            let cluster = &mut self.state.clusters[index];
            cluster.pools.push(Pool {
                name: name.to_string(),
                properties,
                provisioning_state: ProvisioningState::Creating,
                error: None,
                generation: 0,
                create_millis: now,
            });
            let operation =
                self.start_operation(index, name, ProvisioningState::Creating, failure, now);
            return Ok(PutOutcome {
                created: true,
                operation,
            });
        };
        let pool = &cluster.pools[pool_index];
        check_immutable(&pool.properties, &request)?;
        if request.get("enableAutoScaling").and_then(Value::as_bool) == Some(false)
            && (request.contains_key("minCount") || request.contains_key("maxCount"))
        {
            // Caught here, before the merge could keep them: bounds sent with autoscaling off.
            validate_pool(&request)?;
        }
        let mut merged = merge(&pool.properties, &request);
        apply_spot(&mut merged);
        set_current_version(cluster, &mut merged);
        if !is_scale_set(&merged) {
            merged.insert(
                "virtualMachineNodesStatus".into(),
                virtual_machine_nodes(&merged),
            );
        }
        validate_pool(&merged)?;
        if pool.mode() == "System" && merged.get("mode").and_then(Value::as_str) != Some("System") {
            self.ensure_other_system_pool(index, pool_index)?;
        }
        let state = transition(&pool.properties, &merged);
        let pool = &mut self.state.clusters[index].pools[pool_index];
        pool.properties = merged;
        pool.provisioning_state = state;
        pool.error = None;
        pool.touch();
        let name = pool.name.clone();
        let operation = self.start_operation(index, &name, state, failure, now);
        Ok(PutOutcome {
            created: false,
            operation,
        })
    }

    /// DELETE: `None` when there is no such pool (ARM answers 204); else the pool shows
    /// Deleting until the operation ends, then is gone.
    pub(crate) fn delete_pool(
        &mut self,
        at: &ClusterAt,
        name: &str,
        conditions: &Preconditions,
        failure: Option<OperationError>,
        now: u64,
    ) -> Result<Option<Operation>, ArmError> {
        let index = self.cluster_index(at, now)?;
        let cluster = &self.state.clusters[index];
        let Some(pool_index) = cluster.pool_index(name) else {
            return Ok(None);
        };
        conditions.check(Some(&cluster.pools[pool_index].etag()))?;
        if let Some(running) = self.running_on_cluster(cluster) {
            return Err(busy(running));
        }
        if cluster.pools[pool_index].mode() == "System" {
            self.ensure_other_system_pool(index, pool_index)?;
        }
        let pool = &mut self.state.clusters[index].pools[pool_index];
        pool.provisioning_state = ProvisioningState::Deleting;
        pool.error = None;
        pool.touch();
        let name = pool.name.clone();
        Ok(Some(self.start_operation(
            index,
            &name,
            ProvisioningState::Deleting,
            failure,
            now,
        )))
    }

    /// A cluster must keep a System pool (SDK: "A cluster must have at least one 'System' Agent
    /// Pool at all times"). The message is the one AKS gave in aks-engine#542's thread; the
    /// code is a choice.
    fn ensure_other_system_pool(&self, cluster: usize, pool: usize) -> Result<(), ArmError> {
        let others = self.state.clusters[cluster]
            .pools
            .iter()
            .enumerate()
            .any(|(i, p)| i != pool && p.mode() == "System");
        if others {
            return Ok(());
        }
        Err(ArmError::new(
            400,
            "OperationNotAllowed",
            "There has to be at least one system agent pool.",
        )
        .with_target("agentPoolProfile.mode"))
    }
}
