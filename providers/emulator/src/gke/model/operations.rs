//! Long-running operations: starting one (pool busy checks, the concurrent-operations quota),
//! looking them up, and settling those whose time is up, which applies each effect to its pool.

use super::canonical::string_list;
use super::fnv::fnv;
use super::instance_groups::{clamp_to_autoscaling, resize_zones};
use super::pool_resource::set_pointer;
use super::{ClusterRef, Effect, GkeError, Model, Operation, OperationType, PoolStatus};

/// GKE's per-cluster limit on concurrently running operations.
const CONCURRENT_OPERATIONS_QUOTA: usize = 5;

impl Model {
    /// Finishes every operation whose time is up, in the order they end, and applies its effect.
    pub(crate) fn settle(&mut self, now: u64) {
        let mut due: Vec<usize> = (0..self.state.operations.len())
            .filter(|&i| {
                !self.state.operations[i].done && self.state.operations[i].end_millis <= now
            })
            .collect();
        due.sort_by_key(|&i| (self.state.operations[i].end_millis, i));
        for index in due {
            self.complete(index, self.state.operations[index].end_millis);
        }
    }

    fn complete(&mut self, index: usize, now: u64) {
        let operation = &mut self.state.operations[index];
        operation.done = true;
        operation.end_millis = now;
        operation.polls_left = None;
        let operation = operation.clone();
        self.finish(&operation);
        self.dirty = true;
    }

    /// A status poll of the operation `name`: one step closer to DONE, if polls pace it.
    pub(crate) fn poll_operation(&mut self, project: &str, name: &str, now: u64) {
        let found = self
            .state
            .operations
            .iter()
            .position(|op| op.name == name && op.project == project && !op.done);
        if let Some(index) = found {
            self.count_poll(index, now);
        }
    }

    /// A status poll of a pool: a step for every operation running on it.
    pub(crate) fn poll_pool(&mut self, at: &ClusterRef, pool: &str, now: u64) {
        let key = at.key();
        let running: Vec<usize> = (0..self.state.operations.len())
            .filter(|&i| {
                let op = &self.state.operations[i];
                !op.done && op.pool == pool && op.cluster_key() == key
            })
            .collect();
        for index in running {
            self.count_poll(index, now);
        }
    }

    fn count_poll(&mut self, index: usize, now: u64) {
        let Some(left) = self.state.operations[index].polls_left else {
            return;
        };
        self.dirty = true;
        if left <= 1 {
            self.complete(index, now);
        } else {
            self.state.operations[index].polls_left = Some(left - 1);
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
            (Some(_), _)
            | (None, Effect::Create)
            | (None, Effect::Delete)
            | (None, Effect::ClusterLabels) => {}
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

    pub(super) fn running_on_pool(&self, key: &str, pool: &str) -> Option<&Operation> {
        self.state.operations.iter().find(|op| {
            !op.done
                && op.operation_type.blocks_pool()
                && op.pool == pool
                && op.cluster_key() == key
        })
    }

    pub(super) fn check_quota(&self, key: &str, cluster: &str) -> Result<(), GkeError> {
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
    pub(super) fn start_on_pool(
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

    pub(super) fn start_operation(
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
        let (end_millis, polls_left) = self.pace.schedule(now);
        self.state.operations.push(Operation {
            name: name.clone(),
            project: at.project.clone(),
            location: at.location.clone(),
            cluster: at.cluster.clone(),
            pool: pool.to_string(),
            operation_type,
            start_millis: now,
            end_millis,
            polls_left,
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

pub(super) fn busy(running: &Operation, pool: &str) -> GkeError {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_fixtures::{at, model};
    use super::super::Pace;
    use super::*;

    #[test]
    fn operations_paced_by_polls_finish_after_that_many_reads() {
        let mut model = model(0);
        model.pace = Pace::Polls(2);
        let op = model
            .create_pool(&at(), &json!({"nodePool": {"name": "a"}}), None, 1000)
            .unwrap();
        // Time alone never ends it.
        model.settle(u64::MAX - 1);
        assert_eq!(
            model.pool(&at(), "a", 5000).unwrap().1.status,
            PoolStatus::Provisioning
        );
        model.poll_operation("p", &op.name, 5000);
        model.poll_pool(&at(), "a", 6000);
        let (_, pool) = model.pool(&at(), "a", 6000).unwrap();
        assert_eq!(pool.status, PoolStatus::Running);
        let done = model.operation("p", "-", &op.name).unwrap();
        assert!(done.done);
        assert_eq!(done.end_millis, 6000);
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
}
