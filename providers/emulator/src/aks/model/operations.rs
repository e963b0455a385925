//! ARM async operations on agent pools: starting one, the one-at-a-time rule per cluster,
//! counting status polls, and settling those whose time is up, which moves the pool on.

use super::{ArmError, Cluster, ClusterAt, Model, Operation, OperationError, ProvisioningState};
use crate::fnv::fnv;

impl Model {
    /// Ends every operation whose time is up, in the order they end.
    pub(crate) fn settle(&mut self, now: u64) {
        let mut due: Vec<usize> = (0..self.state.operations.len())
            .filter(|&i| {
                let op = &self.state.operations[i];
                !op.done && op.end_millis <= now
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

    /// The pool leaves its transitional state: Succeeded, Failed with the operation's error, or
    /// gone after a delete. The eTag stays (choice: only accepted changes move it).
    fn finish(&mut self, operation: &Operation) {
        let Some(cluster) = self
            .state
            .clusters
            .iter_mut()
            .find(|c| operation.on_cluster(c))
        else {
            return;
        };
        let Some(index) = cluster.pool_index(&operation.pool) else {
            return;
        };
        match (&operation.failure, operation.state) {
            (None, ProvisioningState::Deleting) => {
                cluster.pools.remove(index);
            }
            (None, _) => cluster.pools[index].provisioning_state = ProvisioningState::Succeeded,
            (Some(error), _) => {
                let pool = &mut cluster.pools[index];
                pool.provisioning_state = ProvisioningState::Failed;
                pool.error = Some(error.clone());
            }
        }
    }

    /// A status poll of operation `id` (its status or its result): one step closer to its end.
    pub(crate) fn poll_operation(&mut self, id: &str, now: u64) {
        let found = self
            .state
            .operations
            .iter()
            .position(|op| !op.done && op.id.eq_ignore_ascii_case(id));
        if let Some(index) = found {
            self.count_poll(index, now);
        }
    }

    /// A read of a pool: a step for the operation running on it, as GKE's model counts them.
    pub(crate) fn poll_pool(&mut self, at: &ClusterAt, pool: &str, now: u64) {
        let running: Vec<usize> = (0..self.state.operations.len())
            .filter(|&i| {
                let op = &self.state.operations[i];
                !op.done
                    && op.pool.eq_ignore_ascii_case(pool)
                    && op.subscription.eq_ignore_ascii_case(&at.subscription)
                    && op.resource_group.eq_ignore_ascii_case(&at.resource_group)
                    && op.cluster.eq_ignore_ascii_case(&at.cluster)
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

    /// An operation by the id in its status URL; ARM ids and locations compare without case.
    pub(crate) fn operation(
        &self,
        subscription: &str,
        location: &str,
        id: &str,
    ) -> Result<&Operation, ArmError> {
        self.state
            .operations
            .iter()
            .find(|op| {
                op.id.eq_ignore_ascii_case(id)
                    && op.subscription.eq_ignore_ascii_case(subscription)
                    && op.location.eq_ignore_ascii_case(location)
            })
            .ok_or_else(|| ArmError::not_found("Operation", id))
    }

    pub(super) fn running_on_cluster(&self, cluster: &Cluster) -> Option<&Operation> {
        self.state
            .operations
            .iter()
            .find(|op| !op.done && op.on_cluster(cluster))
    }

    pub(super) fn start_operation(
        &mut self,
        cluster: usize,
        pool: &str,
        state: ProvisioningState,
        failure: Option<OperationError>,
        now: u64,
    ) -> Operation {
        self.state.sequence += 1;
        let seed = self.state.sequence.to_le_bytes();
        let high = fnv(&[&seed, &now.to_le_bytes(), pool.as_bytes()]);
        let low = fnv(&[pool.as_bytes(), &seed, b"aks"]);
        let id = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        );
        let (end_millis, polls_left) = self.pace.schedule(now);
        let cluster = &self.state.clusters[cluster];
        self.state.operations.push(Operation {
            id,
            subscription: cluster.subscription.clone(),
            resource_group: cluster.resource_group.clone(),
            cluster: cluster.name.clone(),
            location: cluster.location.clone(),
            pool: pool.to_string(),
            state,
            start_millis: now,
            end_millis,
            polls_left,
            done: false,
            failure,
        });
        self.dirty = true;
        // With a zero duration the operation is already over when the call returns.
        self.settle(now);
        let index = self.state.operations.len() - 1;
        self.state.operations[index].clone()
    }
}

/// AKS's 409 while another operation runs on the cluster, in its own words (provider-apis.md
/// §2.5, from azure-workload-identity#417 and cilium#25944).
pub(super) fn busy(running: &Operation) -> ArmError {
    ArmError::new(
        409,
        "OperationNotAllowed",
        format!(
            "Operation is not allowed: Another operation ({} - {}) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation",
            running.pool,
            running.state.as_str()
        ),
    )
}
