//! Managed node groups: create with EKS's defaults, UpdateNodegroupConfig (labels and taints as
//! add/remove deltas, scaling, update and repair settings), UpdateNodegroupVersion, delete, and
//! the reads that count as status polls. One change at a time per node group; node groups of one
//! cluster change in parallel.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::checks;
use super::clusters::valid_version;
use super::state::{
    Change, ConfigChange, LaunchTemplate, Pending, PendingKind, Scaling, VersionChange,
};
use super::{ClusterAt, EksError, Model, Nodegroup, Status, Taint, Update};

/// The AMI type of a node group created without one and without a launch template: EKS's
/// current default for x86 instance types (AL2 reached end of support with Kubernetes 1.32).
pub(crate) const DEFAULT_AMI_TYPE: &str = "AL2023_x86_64_STANDARD";
/// The AMI type reported for a group whose launch template is assumed to carry its own AMI
/// (choice: any launch template given without `amiType`).
pub(crate) const CUSTOM_AMI_TYPE: &str = "CUSTOM";
pub(crate) const DEFAULT_CAPACITY_TYPE: &str = "ON_DEMAND";
/// The instance type EKS uses when neither `instanceTypes` nor a launch template names one.
pub(crate) const DEFAULT_INSTANCE_TYPE: &str = "t3.medium";
/// Root volume GiB: 20 for Linux and Bottlerocket, 50 for Windows (CreateNodegroup's docs).
const LINUX_DISK_SIZE: i64 = 20;
const WINDOWS_DISK_SIZE: i64 = 50;
/// The `scalingConfig` of a group created without one (choice: what the console proposes).
const DEFAULT_SCALING: Scaling = Scaling {
    min_size: 1,
    max_size: 2,
    desired_size: 2,
};
/// The date part of the AMI release every Kubernetes version gets (choice: one release).
const AMI_RELEASE: &str = "20261120";
/// The launch-template version recorded when a request names none (choice: EKS resolves the
/// template's default version; the emulator knows no templates and calls it "1").
const DEFAULT_TEMPLATE_VERSION: &str = "1";
/// Managed node groups per cluster (EKS's default quota).
const MAX_NODEGROUPS: usize = 30;

/// The AMI release of a Kubernetes version, such as `1.33.0-20261120`.
pub(crate) fn default_release(version: &str) -> String {
    format!("{version}.0-{AMI_RELEASE}")
}

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_string)
}

fn strings(value: Option<&Value>) -> Vec<String> {
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

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn taints(value: Option<&Value>) -> Vec<Taint> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|t| Taint {
                    key: text(t, "key").unwrap_or_default(),
                    value: text(t, "value"),
                    effect: text(t, "effect"),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn int(value: Option<&Value>, key: &str) -> Option<i64> {
    value.and_then(|v| v.get(key)).and_then(Value::as_i64)
}

/// `(major, minor)` of a checked version.
fn version_key(version: &str) -> (u64, u64) {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn launch_template(value: &Value) -> Result<LaunchTemplate, EksError> {
    let template = LaunchTemplate {
        id: text(value, "id"),
        name: text(value, "name"),
        version: text(value, "version").unwrap_or_else(|| DEFAULT_TEMPLATE_VERSION.to_string()),
    };
    match (&template.id, &template.name) {
        (Some(_), Some(_)) => Err(EksError::invalid(
            "Either launch template ID or launch template name should be specified, not both.",
        )),
        (None, None) => Err(EksError::invalid(
            "Launch template ID or launch template name is required.",
        )),
        _ => Ok(template),
    }
}

impl Model {
    fn schedule(
        &self,
        kind: PendingKind,
        update_id: Option<String>,
        change: Option<Change>,
        failure: Option<String>,
        now: u64,
    ) -> Pending {
        let (end_millis, polls_left) = self.pace.schedule(now);
        Pending {
            kind,
            update_id,
            change,
            end_millis,
            polls_left,
            failure,
        }
    }

    /// CreateNodegroup: the new group, CREATING (or as it stands when the same
    /// `clientRequestToken` created it before).
    pub(crate) fn create_nodegroup(
        &mut self,
        at: &ClusterAt,
        body: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Nodegroup, EksError> {
        let index = self.cluster_index(at, now)?;
        let cluster = &self.state.clusters[index];
        let name = text(body, "nodegroupName").unwrap_or_default();
        let token = text(body, "clientRequestToken");
        let fail = |err: EksError| err.on(&at.cluster, Some(&name));
        checks::nodegroup_name(&name).map_err(fail)?;
        if let Some(existing) = cluster.nodegroup(&name) {
            if token.is_some() && existing.client_request_token == token {
                return Ok(existing.clone());
            }
            return Err(fail(EksError::new(
                409,
                "ResourceInUseException",
                format!(
                    "NodeGroup already exists with name {name} and cluster name {}",
                    at.cluster
                ),
            )));
        }
        if cluster.nodegroups.len() >= MAX_NODEGROUPS {
            return Err(fail(EksError::new(
                400,
                "ResourceLimitExceededException",
                format!(
                    "Cluster {} already has the maximum of {MAX_NODEGROUPS} managed node groups.",
                    at.cluster
                ),
            )));
        }
        let subnets = strings(body.get("subnets"));
        checks::subnets(&subnets).map_err(fail)?;
        let node_role = text(body, "nodeRole").unwrap_or_default();
        checks::node_role(&node_role).map_err(fail)?;
        let template = body
            .get("launchTemplate")
            .map(launch_template)
            .transpose()
            .map_err(fail)?;
        if template.is_some() && body.get("diskSize").is_some() {
            return Err(fail(EksError::invalid(
                "Disk size must be specified within the launch template.",
            )));
        }
        if template.is_some() && body.get("remoteAccess").is_some() {
            return Err(fail(EksError::invalid(
                "Remote access configuration should be specified within the launch template.",
            )));
        }
        let instance_types = match (body.get("instanceTypes"), &template) {
            (Some(types), _) => Some(strings(Some(types))),
            (None, Some(_)) => None,
            (None, None) => Some(vec![DEFAULT_INSTANCE_TYPE.to_string()]),
        };
        checks::instance_types(instance_types.as_deref().unwrap_or_default()).map_err(fail)?;
        let labels = string_map(body.get("labels"));
        checks::labels(&labels).map_err(fail)?;
        let taints = taints(body.get("taints"));
        for taint in &taints {
            checks::taint(taint, true).map_err(fail)?;
        }
        checks::taint_count(taints.len()).map_err(fail)?;
        let tags = string_map(body.get("tags"));
        checks::tags(&tags).map_err(|m| fail(EksError::invalid(m)))?;
        let version = text(body, "version").unwrap_or_else(|| cluster.version.clone());
        if version != cluster.version {
            return Err(fail(EksError::invalid(format!(
                "Requested Nodegroup Kubernetes version {version} is not supported: a new node group runs the cluster's version {}.",
                cluster.version
            ))));
        }
        let release_version =
            text(body, "releaseVersion").unwrap_or_else(|| default_release(&version));
        let ami_type = match (text(body, "amiType"), &template) {
            (Some(ami), _) => ami,
            (None, Some(_)) => CUSTOM_AMI_TYPE.to_string(),
            (None, None) => DEFAULT_AMI_TYPE.to_string(),
        };
        let scaling_body = body.get("scalingConfig");
        let scaling = match scaling_body {
            None => DEFAULT_SCALING,
            Some(_) => {
                let min = int(scaling_body, "minSize").unwrap_or(DEFAULT_SCALING.min_size);
                let desired = int(scaling_body, "desiredSize").unwrap_or(min);
                let max = int(scaling_body, "maxSize")
                    .unwrap_or_else(|| DEFAULT_SCALING.max_size.max(min).max(desired));
                Scaling {
                    min_size: min,
                    max_size: max,
                    desired_size: desired,
                }
            }
        };
        checks::scaling(scaling.min_size, scaling.max_size, scaling.desired_size).map_err(fail)?;
        let disk_size = match (&template, body.get("diskSize").and_then(Value::as_i64)) {
            (Some(_), _) => None,
            (None, Some(size)) => Some(size),
            (None, None) if ami_type.starts_with("WINDOWS") => Some(WINDOWS_DISK_SIZE),
            (None, None) => Some(LINUX_DISK_SIZE),
        };
        let id = self.new_id(&name, now);
        let pending = self.schedule(PendingKind::Create, None, None, failure, now);
        let nodegroup = Nodegroup {
            name: name.clone(),
            id,
            version,
            release_version,
            create_millis: now,
            modified_millis: now,
            status: Status::Creating,
            capacity_type: text(body, "capacityType")
                .unwrap_or_else(|| DEFAULT_CAPACITY_TYPE.to_string()),
            scaling,
            instance_types,
            subnets,
            remote_access: body.get("remoteAccess").cloned(),
            ami_type,
            node_role,
            labels,
            taints,
            disk_size,
            launch_template: template,
            update_config: body
                .get("updateConfig")
                .cloned()
                .unwrap_or_else(|| json!({"maxUnavailable": 1})),
            node_repair_config: body.get("nodeRepairConfig").cloned(),
            warm_pool_config: body.get("warmPoolConfig").cloned(),
            tags,
            issues: Vec::new(),
            client_request_token: token,
            pending: Some(pending),
            stale_view: None,
        };
        let cluster = &mut self.state.clusters[index];
        cluster.nodegroups.push(nodegroup);
        self.dirty = true;
        // With a zero duration the group is already ACTIVE when the call returns... but EKS
        // answers the create with CREATING, so the answer is the group as it was started.
        let started = self.state.clusters[index]
            .nodegroups
            .last()
            .cloned()
            .expect("just pushed");
        self.settle(now);
        Ok(started)
    }

    /// The group a change addresses, refused while another change is in flight on it.
    fn changeable(
        &mut self,
        at: &ClusterAt,
        name: &str,
        now: u64,
    ) -> Result<(usize, usize), EksError> {
        let index = self.cluster_index(at, now)?;
        let Some(position) = self.state.clusters[index].nodegroup_index(name) else {
            return Err(EksError::nodegroup_not_found(&at.cluster, name));
        };
        let status = self.state.clusters[index].nodegroups[position].status;
        if status.in_transition() {
            return Err(EksError::new(
                409,
                "ResourceInUseException",
                format!(
                    "Nodegroup {name} is currently {}: wait until it is ACTIVE before starting another update or delete.",
                    status.as_str()
                ),
            )
            .on(&at.cluster, Some(name)));
        }
        Ok((index, position))
    }

    /// An update of the same group made before with the same `clientRequestToken`.
    fn replayed_update(
        &self,
        cluster: usize,
        name: &str,
        token: &Option<String>,
    ) -> Option<Update> {
        token.as_ref()?;
        self.state.clusters[cluster]
            .updates
            .iter()
            .find(|u| u.nodegroup == name && &u.client_request_token == token)
            .cloned()
    }

    fn refuse_failed(at: &ClusterAt, group: &Nodegroup) -> Result<(), EksError> {
        match group.status {
            Status::CreateFailed | Status::DeleteFailed => Err(EksError::new(
                400,
                "InvalidRequestException",
                format!(
                    "Nodegroup {} is in status {} and cannot be updated; delete it instead.",
                    group.name,
                    group.status.as_str()
                ),
            )
            .on(&at.cluster, Some(&group.name))),
            _ => Ok(()),
        }
    }

    /// UpdateNodegroupConfig: an update InProgress; the group UPDATING, its config changed
    /// only when the update ends, and its next read stale.
    pub(crate) fn update_config(
        &mut self,
        at: &ClusterAt,
        name: &str,
        body: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Update, EksError> {
        let token = text(body, "clientRequestToken");
        if let Some(index) = self.find_cluster(&at.region, &at.cluster) {
            if let Some(update) = self.replayed_update(index, name, &token) {
                return Ok(update);
            }
        }
        let (index, position) = self.changeable(at, name, now)?;
        let fail = |err: EksError| err.on(&at.cluster, Some(name));
        let group = &self.state.clusters[index].nodegroups[position];
        Self::refuse_failed(at, group)?;
        let labels = body.get("labels");
        let taints_body = body.get("taints");
        let scaling = body.get("scalingConfig");
        let change = ConfigChange {
            labels_add: string_map(labels.and_then(|l| l.get("addOrUpdateLabels"))),
            labels_remove: strings(labels.and_then(|l| l.get("removeLabels"))),
            taints_add: taints(taints_body.and_then(|t| t.get("addOrUpdateTaints"))),
            taints_remove: taints(taints_body.and_then(|t| t.get("removeTaints"))),
            min_size: int(scaling, "minSize"),
            max_size: int(scaling, "maxSize"),
            desired_size: int(scaling, "desiredSize"),
            update_config: body.get("updateConfig").cloned(),
            node_repair_config: body.get("nodeRepairConfig").cloned(),
            warm_pool_config: body.get("warmPoolConfig").cloned(),
        };
        checks::labels(&change.labels_add).map_err(fail)?;
        for key in &change.labels_remove {
            checks::label_key(key).map_err(fail)?;
        }
        if let Some(both) = change
            .labels_remove
            .iter()
            .find(|k| change.labels_add.contains_key(*k))
        {
            return Err(fail(EksError::invalid(format!(
                "The label {both:?} is both in addOrUpdateLabels and in removeLabels."
            ))));
        }
        for taint in &change.taints_add {
            checks::taint(taint, true).map_err(fail)?;
        }
        for taint in &change.taints_remove {
            checks::taint(taint, false).map_err(fail)?;
        }
        let mut trial = group.clone();
        apply_config(&mut trial, &change, false);
        let s = trial.scaling;
        checks::scaling(s.min_size, s.max_size, s.desired_size).map_err(fail)?;
        checks::taint_count(trial.taints.len()).map_err(fail)?;
        if trial == *group {
            return Err(fail(EksError::invalid(
                "No changes needed: the node group already has the requested configuration.",
            )));
        }
        let params = config_params(&change);
        self.start_update(
            (index, position),
            "ConfigUpdate",
            params,
            Change::Config(change),
            token,
            failure,
            now,
        )
    }

    /// UpdateNodegroupVersion: Kubernetes version, AMI release, launch-template version.
    pub(crate) fn update_version(
        &mut self,
        at: &ClusterAt,
        name: &str,
        body: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Update, EksError> {
        let token = text(body, "clientRequestToken");
        if let Some(index) = self.find_cluster(&at.region, &at.cluster) {
            if let Some(update) = self.replayed_update(index, name, &token) {
                return Ok(update);
            }
        }
        let (index, position) = self.changeable(at, name, now)?;
        let fail = |err: EksError| err.on(&at.cluster, Some(name));
        let cluster = &self.state.clusters[index];
        let group = &cluster.nodegroups[position];
        Self::refuse_failed(at, group)?;
        let version = text(body, "version").unwrap_or_else(|| cluster.version.clone());
        if !valid_version(&version)
            || version_key(&version) > version_key(&cluster.version)
            || version_key(&version) < version_key(&group.version)
        {
            return Err(fail(EksError::invalid(format!(
                "Requested Nodegroup Kubernetes version {version} is invalid: it must be between the node group's version {} and the cluster's version {}.",
                group.version, cluster.version
            ))));
        }
        let release_version =
            text(body, "releaseVersion").unwrap_or_else(|| default_release(&version));
        let mut params = vec![
            ("Version".to_string(), version.clone()),
            ("ReleaseVersion".to_string(), release_version.clone()),
        ];
        let launch_template_version = match body.get("launchTemplate") {
            None => None,
            Some(requested) => {
                let Some(current) = &group.launch_template else {
                    return Err(fail(EksError::invalid(
                        "A launch template can't be given: the node group was created without one.",
                    )));
                };
                let requested = launch_template(requested).map_err(fail)?;
                let same = (requested.id.is_some() && requested.id == current.id)
                    || (requested.name.is_some() && requested.name == current.name);
                if !same {
                    return Err(fail(EksError::invalid(
                        "The launch template ID or name can't be changed: give the one the node group was created with.",
                    )));
                }
                if let Some(name) = &current.name {
                    params.push(("LaunchTemplateName".to_string(), name.clone()));
                }
                params.push((
                    "LaunchTemplateVersion".to_string(),
                    requested.version.clone(),
                ));
                Some(requested.version)
            }
        };
        let change = VersionChange {
            version,
            release_version,
            launch_template_version,
        };
        self.start_update(
            (index, position),
            "VersionUpdate",
            params,
            Change::Version(change),
            token,
            failure,
            now,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn start_update(
        &mut self,
        (index, position): (usize, usize),
        kind: &str,
        params: Vec<(String, String)>,
        change: Change,
        token: Option<String>,
        failure: Option<String>,
        now: u64,
    ) -> Result<Update, EksError> {
        let id = self.new_id(kind, now);
        let stale = matches!(change, Change::Config(_));
        let pending = self.schedule(
            PendingKind::Update,
            Some(id.clone()),
            Some(change),
            failure,
            now,
        );
        let cluster = &mut self.state.clusters[index];
        let update = Update {
            id,
            nodegroup: cluster.nodegroups[position].name.clone(),
            kind: kind.to_string(),
            status: "InProgress".to_string(),
            params,
            create_millis: now,
            errors: Vec::new(),
            client_request_token: token,
        };
        cluster.updates.push(update.clone());
        let group = &mut cluster.nodegroups[position];
        // Only a config update leaves a stale read behind; any older one is over.
        group.stale_view = None;
        if stale {
            let mut before = group.clone();
            before.pending = None;
            group.stale_view = Some(Box::new(before));
        }
        group.status = Status::Updating;
        group.pending = Some(pending);
        self.dirty = true;
        self.settle(now);
        Ok(update)
    }

    /// DeleteNodegroup: the group DELETING, gone when the delete ends.
    pub(crate) fn delete_nodegroup(
        &mut self,
        at: &ClusterAt,
        name: &str,
        failure: Option<String>,
        now: u64,
    ) -> Result<Nodegroup, EksError> {
        let (index, position) = self.changeable(at, name, now)?;
        let pending = self.schedule(PendingKind::Delete, None, None, failure, now);
        let group = &mut self.state.clusters[index].nodegroups[position];
        group.status = Status::Deleting;
        group.pending = Some(pending);
        group.stale_view = None;
        let started = group.clone();
        self.dirty = true;
        self.settle(now);
        Ok(started)
    }

    /// DescribeNodegroup: a status poll of the change in flight, except for the one stale read
    /// after an UpdateNodegroupConfig, which answers the group as it was before, ACTIVE.
    pub(crate) fn describe_nodegroup(
        &mut self,
        at: &ClusterAt,
        name: &str,
        now: u64,
    ) -> Result<Nodegroup, EksError> {
        let index = self.cluster_index(at, now)?;
        let Some(position) = self.state.clusters[index].nodegroup_index(name) else {
            return Err(EksError::nodegroup_not_found(&at.cluster, name));
        };
        let group = &mut self.state.clusters[index].nodegroups[position];
        if let Some(stale) = group.stale_view.take() {
            self.dirty = true;
            return Ok(*stale);
        }
        self.count_poll(index, position, now);
        self.state.clusters[index]
            .nodegroup(name)
            .cloned()
            .ok_or_else(|| EksError::nodegroup_not_found(&at.cluster, name))
    }
}

/// The `params` EKS lists for a config update: what the request asked for, values as JSON text.
fn config_params(change: &ConfigChange) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut push = |kind: &str, value: String| params.push((kind.to_string(), value));
    if !change.labels_add.is_empty() {
        push("LabelsToAdd", json!(change.labels_add).to_string());
    }
    if !change.labels_remove.is_empty() {
        push("LabelsToRemove", json!(change.labels_remove).to_string());
    }
    let taint_list = |taints: &[Taint]| {
        Value::Array(taints.iter().map(crate::eks::wire::taint).collect()).to_string()
    };
    if !change.taints_add.is_empty() {
        push("TaintsToAdd", taint_list(&change.taints_add));
    }
    if !change.taints_remove.is_empty() {
        push("TaintsToRemove", taint_list(&change.taints_remove));
    }
    for (kind, value) in [
        ("MinSize", change.min_size),
        ("MaxSize", change.max_size),
        ("DesiredSize", change.desired_size),
    ] {
        if let Some(value) = value {
            push(kind, value.to_string());
        }
    }
    if let Some(update) = &change.update_config {
        for (key, kind) in [
            ("maxUnavailable", "MaxUnavailable"),
            ("maxUnavailablePercentage", "MaxUnavailablePercentage"),
        ] {
            if let Some(value) = update.get(key) {
                push(kind, value.to_string());
            }
        }
        if let Some(strategy) = update.get("updateStrategy").and_then(Value::as_str) {
            push("UpdateStrategy", strategy.to_string());
        }
    }
    if let Some(repair) = &change.node_repair_config {
        if let Some(enabled) = repair.get("enabled") {
            push("NodeRepairEnabled", enabled.to_string());
        }
        push("NodeRepairConfig", repair.to_string());
    }
    if let Some(warm) = &change.warm_pool_config {
        for (key, kind) in [
            ("enabled", "WarmPoolEnabled"),
            ("minSize", "WarmPoolMinSize"),
            (
                "maxGroupPreparedCapacity",
                "WarmPoolMaxGroupPreparedCapacity",
            ),
            ("poolState", "WarmPoolState"),
            ("reuseOnScaleIn", "WarmPoolReuseOnScaleIn"),
        ] {
            if let Some(value) = warm.get(key) {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                push(kind, value);
            }
        }
    }
    params
}

/// Applies a config change. Labels: removals, then additions. Taints are identified by key and
/// effect (as Kubernetes does); a removal without effect removes the key under every effect.
/// Scaling members replace the ones given; with `clamp`, a desired size left out is brought
/// within the new bounds (at the end of an update, after the autoscaler may have moved it).
pub(super) fn apply_config(group: &mut Nodegroup, change: &ConfigChange, clamp: bool) {
    for key in &change.labels_remove {
        group.labels.remove(key);
    }
    group.labels.extend(
        change
            .labels_add
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    for removed in &change.taints_remove {
        group.taints.retain(|t| {
            !(t.key == removed.key && (removed.effect.is_none() || t.effect == removed.effect))
        });
    }
    for added in &change.taints_add {
        match group
            .taints
            .iter_mut()
            .find(|t| t.key == added.key && t.effect == added.effect)
        {
            Some(existing) => existing.value = added.value.clone(),
            None => group.taints.push(added.clone()),
        }
    }
    let scaling = &mut group.scaling;
    if let Some(min) = change.min_size {
        scaling.min_size = min;
    }
    if let Some(max) = change.max_size {
        scaling.max_size = max;
    }
    match change.desired_size {
        Some(desired) => scaling.desired_size = desired,
        None if clamp => {
            scaling.desired_size = scaling
                .desired_size
                .max(scaling.min_size)
                .min(scaling.max_size.max(scaling.min_size));
        }
        None => {}
    }
    if let Some(update) = &change.update_config {
        group.update_config = update.clone();
    }
    if let Some(repair) = &change.node_repair_config {
        group.node_repair_config = Some(repair.clone());
    }
    if let Some(warm) = &change.warm_pool_config {
        group.warm_pool_config = Some(warm.clone());
    }
}

pub(super) fn apply_version(group: &mut Nodegroup, change: &VersionChange) {
    group.version = change.version.clone();
    group.release_version = change.release_version.clone();
    if let (Some(template), Some(version)) =
        (&mut group.launch_template, &change.launch_template_version)
    {
        template.version = version.clone();
    }
}
