//! Changes in flight: counting status polls (DescribeNodegroup, DescribeUpdate), settling those
//! whose time is up, and their effects: ACTIVE or CREATE_FAILED after a create, the update's
//! change applied (Successful) or not (Failed) after an update, the group gone after a delete.

use super::nodegroups::{apply_config, apply_version};
use super::state::{Change, ErrorDetail, Issue, PendingKind};
use super::{ClusterAt, EksError, Model, Status, Update};

/// The health issue of a create a fault failed (choice: EKS's usual code for nodes that did not join).
const CREATE_FAILURE_CODE: &str = "NodeCreationFailure";
/// The health issue of a delete a fault failed (choice).
const DELETE_FAILURE_CODE: &str = "InternalFailure";
/// The `errorCode` of an update a fault failed (choice): nodes that did not come up for a
/// version update, `Unknown` for a config update.
const VERSION_FAILURE_CODE: &str = "NodeCreationFailure";
const CONFIG_FAILURE_CODE: &str = "Unknown";

impl Model {
    /// Ends every change whose time is up.
    pub(crate) fn settle(&mut self, now: u64) {
        let mut due = Vec::new();
        for (c, cluster) in self.state.clusters.iter().enumerate() {
            for group in &cluster.nodegroups {
                if let Some(pending) = &group.pending {
                    if pending.end_millis <= now {
                        due.push((pending.end_millis, c, group.name.clone()));
                    }
                }
            }
        }
        due.sort();
        for (end, cluster, name) in due {
            if let Some(position) = self.state.clusters[cluster].nodegroup_index(&name) {
                self.complete(cluster, position, end);
            }
        }
    }

    /// A status poll of the group's change in flight: one step closer to its end.
    pub(super) fn count_poll(&mut self, cluster: usize, position: usize, now: u64) {
        let group = &mut self.state.clusters[cluster].nodegroups[position];
        let Some(pending) = &mut group.pending else {
            return;
        };
        let Some(left) = pending.polls_left else {
            return;
        };
        self.dirty = true;
        if left <= 1 {
            self.complete(cluster, position, now);
        } else {
            pending.polls_left = Some(left - 1);
        }
    }

    fn complete(&mut self, cluster: usize, position: usize, now: u64) {
        self.dirty = true;
        let cluster = &mut self.state.clusters[cluster];
        let group = &mut cluster.nodegroups[position];
        let Some(pending) = group.pending.take() else {
            return;
        };
        let resource_ids = vec![group.asg_name()];
        group.modified_millis = now;
        match (pending.kind, pending.failure) {
            (PendingKind::Create, None) => group.status = group.resting_status(),
            (PendingKind::Create, Some(message)) => {
                group.status = Status::CreateFailed;
                group.issues.push(Issue {
                    code: CREATE_FAILURE_CODE.to_string(),
                    message,
                    resource_ids,
                });
            }
            (PendingKind::Delete, None) => {
                let name = group.name.clone();
                cluster.nodegroups.remove(position);
                cluster.updates.retain(|u| u.nodegroup != name);
            }
            (PendingKind::Delete, Some(message)) => {
                group.status = Status::DeleteFailed;
                group.issues.push(Issue {
                    code: DELETE_FAILURE_CODE.to_string(),
                    message,
                    resource_ids,
                });
            }
            (PendingKind::Update, failure) => {
                let update = cluster
                    .updates
                    .iter_mut()
                    .find(|u| Some(&u.id) == pending.update_id.as_ref());
                match (&failure, &pending.change) {
                    (None, Some(Change::Config(change))) => apply_config(group, change, true),
                    (None, Some(Change::Version(change))) => apply_version(group, change),
                    _ => {}
                }
                group.status = group.resting_status();
                if let Some(update) = update {
                    match failure {
                        None => update.status = "Successful".to_string(),
                        Some(message) => {
                            update.status = "Failed".to_string();
                            let code = match update.kind.as_str() {
                                "VersionUpdate" => VERSION_FAILURE_CODE,
                                _ => CONFIG_FAILURE_CODE,
                            };
                            update.errors.push(ErrorDetail {
                                error_code: code.to_string(),
                                error_message: message,
                                resource_ids,
                            });
                        }
                    }
                }
            }
        }
    }

    /// DescribeUpdate: a status poll of the update when it is the change in flight on its group.
    /// Without `nodegroup`, only cluster updates are searched, and the emulator has none.
    pub(crate) fn describe_update(
        &mut self,
        at: &ClusterAt,
        id: &str,
        nodegroup: Option<&str>,
        now: u64,
    ) -> Result<Update, EksError> {
        let index = self.cluster_index(at, now)?;
        let not_found = || {
            EksError::new(
                404,
                "ResourceNotFoundException",
                format!("No update found for ID: {id}"),
            )
            .on(&at.cluster, nodegroup)
        };
        let Some(nodegroup) = nodegroup else {
            return Err(not_found());
        };
        let cluster = &self.state.clusters[index];
        if !cluster
            .updates
            .iter()
            .any(|u| u.id == id && u.nodegroup == nodegroup)
        {
            return Err(not_found());
        }
        let running = cluster.nodegroup_index(nodegroup).filter(|&p| {
            cluster.nodegroups[p]
                .pending
                .as_ref()
                .and_then(|pending| pending.update_id.as_deref())
                == Some(id)
        });
        if let Some(position) = running {
            self.count_poll(index, position, now);
        }
        self.state.clusters[index]
            .updates
            .iter()
            .find(|u| u.id == id && u.nodegroup == nodegroup)
            .cloned()
            .ok_or_else(not_found)
    }

    /// ListUpdates: the ids of a node group's updates, oldest first (cluster updates: none).
    pub(crate) fn list_updates(
        &mut self,
        at: &ClusterAt,
        nodegroup: Option<&str>,
        now: u64,
    ) -> Result<Vec<String>, EksError> {
        let index = self.cluster_index(at, now)?;
        let cluster = &self.state.clusters[index];
        let Some(nodegroup) = nodegroup else {
            return Ok(Vec::new());
        };
        if cluster.nodegroup(nodegroup).is_none() {
            return Err(EksError::nodegroup_not_found(&at.cluster, nodegroup));
        }
        Ok(cluster
            .updates
            .iter()
            .filter(|u| u.nodegroup == nodegroup)
            .map(|u| u.id.clone())
            .collect())
    }
}
