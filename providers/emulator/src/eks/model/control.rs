//! What happens behind EKS's back, for tests: Cluster Autoscaler moving a group's desiredSize
//! within its bounds, and health issues that put a group DEGRADED (and back ACTIVE).

use serde::{Deserialize, Serialize};

use super::state::Issue;
use super::{ClusterAt, EksError, Model};
use crate::eks::contract::enum_values;

/// Cluster Autoscaler's move, for tests: `POST /_emulator/eks/autoscaler`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EksAutoscaleRequest {
    pub region: String,
    pub cluster: String,
    pub nodegroup: String,
    /// The group's new `desiredSize`, within its `minSize`..=`maxSize`.
    pub desired: i64,
}

/// A health issue as `health.issues` shows it; `code` is one of the model's NodegroupIssueCode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EksHealthIssue {
    pub code: String,
    pub message: String,
}

/// Sets a node group's health issues, for tests: `POST /_emulator/eks/health`. Issues put an
/// ACTIVE group DEGRADED; none put it back ACTIVE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EksHealthRequest {
    pub region: String,
    pub cluster: String,
    pub nodegroup: String,
    #[serde(default)]
    pub issues: Vec<EksHealthIssue>,
}

impl Model {
    fn group_index(
        &self,
        region: &str,
        cluster: &str,
        name: &str,
    ) -> Result<(usize, usize), EksError> {
        let index = self
            .find_cluster(region, cluster)
            .ok_or_else(|| EksError::cluster_not_found(cluster))?;
        let position = self.state.clusters[index]
            .nodegroup_index(name)
            .ok_or_else(|| EksError::nodegroup_not_found(cluster, name))?;
        Ok((index, position))
    }

    /// Sets desiredSize without an update, as Cluster Autoscaler does through the Auto Scaling
    /// group; refused outside the group's bounds.
    pub(crate) fn autoscale(
        &mut self,
        request: &EksAutoscaleRequest,
        now: u64,
    ) -> Result<(), EksError> {
        let at = ClusterAt {
            region: request.region.clone(),
            cluster: request.cluster.clone(),
        };
        self.cluster_index(&at, now)?;
        let (index, position) =
            self.group_index(&request.region, &request.cluster, &request.nodegroup)?;
        let group = &mut self.state.clusters[index].nodegroups[position];
        let scaling = &mut group.scaling;
        if request.desired < scaling.min_size || request.desired > scaling.max_size {
            return Err(EksError::invalid(format!(
                "The autoscaler keeps node group {} within minSize {} and maxSize {}; {} is outside.",
                request.nodegroup, scaling.min_size, scaling.max_size, request.desired
            )));
        }
        scaling.desired_size = request.desired;
        group.stale_view = None;
        group.modified_millis = now;
        self.dirty = true;
        Ok(())
    }

    pub(crate) fn set_health(
        &mut self,
        request: &EksHealthRequest,
        now: u64,
    ) -> Result<(), EksError> {
        let known = enum_values("NodegroupIssueCode");
        if let Some(bad) = request
            .issues
            .iter()
            .find(|i| !known.contains(&i.code.as_str()))
        {
            return Err(EksError::invalid(format!(
                "Health issue code {:?} is not a NodegroupIssueCode: one of {}.",
                bad.code,
                known.join(", ")
            )));
        }
        let (index, position) =
            self.group_index(&request.region, &request.cluster, &request.nodegroup)?;
        let group = &mut self.state.clusters[index].nodegroups[position];
        if group.status.in_transition() {
            return Err(EksError::new(
                409,
                "ResourceInUseException",
                format!(
                    "Node group {} is {}: set its health once it rests.",
                    group.name,
                    group.status.as_str()
                ),
            ));
        }
        let resource_ids = vec![group.asg_name()];
        group.issues = request
            .issues
            .iter()
            .map(|i| Issue {
                code: i.code.clone(),
                message: i.message.clone(),
                resource_ids: resource_ids.clone(),
            })
            .collect();
        if matches!(
            group.status,
            super::Status::Active | super::Status::Degraded
        ) {
            group.status = group.resting_status();
        }
        group.stale_view = None;
        group.modified_millis = now;
        self.dirty = true;
        Ok(())
    }
}
