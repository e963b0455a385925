//! EKS's JSON as clients see it (rest-json: camelCase members, timestamps as epoch seconds):
//! Nodegroup, Update, Cluster, list pages and the error body; and the emulator's snapshot, which
//! adds the nodes with the labels and taints EKS puts on them.

use serde_json::{json, Map, Value};

use super::contract::error_members;
use super::model::{Cluster, EksError, Nodegroup, State, Status, Taint, Update};
use crate::fnv::fnv;

/// The AWS account every emulated resource belongs to.
pub(crate) const ACCOUNT: &str = "123456789012";

/// Epoch seconds with milliseconds, as rest-json sends timestamps.
fn timestamp(millis: u64) -> Value {
    json!(millis as f64 / 1000.0)
}

pub(crate) fn cluster_arn(region: &str, cluster: &str) -> String {
    format!("arn:aws:eks:{region}:{ACCOUNT}:cluster/{cluster}")
}

pub(crate) fn nodegroup_arn(region: &str, cluster: &str, group: &Nodegroup) -> String {
    format!(
        "arn:aws:eks:{region}:{ACCOUNT}:nodegroup/{cluster}/{}/{}",
        group.name, group.id
    )
}

pub(crate) fn taint(taint: &Taint) -> Value {
    let mut out = Map::new();
    out.insert("key".into(), json!(taint.key));
    if let Some(value) = &taint.value {
        out.insert("value".into(), json!(value));
    }
    if let Some(effect) = &taint.effect {
        out.insert("effect".into(), json!(effect));
    }
    Value::Object(out)
}

/// The Nodegroup shape. `taints`, `diskSize`, `instanceTypes`, `launchTemplate`,
/// `remoteAccess`, `nodeRepairConfig` and `warmPoolConfig` only when set.
pub(crate) fn nodegroup(region: &str, cluster: &str, group: &Nodegroup) -> Value {
    let mut out = json!({
        "nodegroupName": group.name,
        "nodegroupArn": nodegroup_arn(region, cluster, group),
        "clusterName": cluster,
        "version": group.version,
        "releaseVersion": group.release_version,
        "createdAt": timestamp(group.create_millis),
        "modifiedAt": timestamp(group.modified_millis),
        "status": group.status.as_str(),
        "capacityType": group.capacity_type,
        "scalingConfig": {
            "minSize": group.scaling.min_size,
            "maxSize": group.scaling.max_size,
            "desiredSize": group.scaling.desired_size,
        },
        "subnets": group.subnets,
        "amiType": group.ami_type,
        "nodeRole": group.node_role,
        "labels": group.labels,
        "resources": {"autoScalingGroups": [{"name": group.asg_name()}]},
        "health": {"issues": group.issues.iter().map(|i| json!({
            "code": i.code, "message": i.message, "resourceIds": i.resource_ids,
        })).collect::<Vec<_>>()},
        "updateConfig": group.update_config,
    });
    let optional = [
        // The model's TagMap holds 1 to 50 entries: EKS leaves out an empty one.
        ("tags", (!group.tags.is_empty()).then(|| json!(group.tags))),
        (
            "instanceTypes",
            group.instance_types.as_ref().map(|t| json!(t)),
        ),
        (
            "taints",
            (!group.taints.is_empty())
                .then(|| Value::Array(group.taints.iter().map(taint).collect())),
        ),
        ("diskSize", group.disk_size.map(|d| json!(d))),
        (
            "launchTemplate",
            group.launch_template.as_ref().map(|t| {
                let mut lt = json!({"version": t.version});
                if let Some(id) = &t.id {
                    lt["id"] = json!(id);
                }
                if let Some(name) = &t.name {
                    lt["name"] = json!(name);
                }
                lt
            }),
        ),
        ("remoteAccess", group.remote_access.clone()),
        ("nodeRepairConfig", group.node_repair_config.clone()),
        ("warmPoolConfig", group.warm_pool_config.clone()),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            out[key] = value;
        }
    }
    out
}

pub(crate) fn update(update: &Update) -> Value {
    json!({
        "id": update.id,
        "status": update.status,
        "type": update.kind,
        "params": update.params.iter().map(|(t, v)| json!({"type": t, "value": v})).collect::<Vec<_>>(),
        "createdAt": timestamp(update.create_millis),
        "errors": update.errors.iter().map(|e| json!({
            "errorCode": e.error_code, "errorMessage": e.error_message, "resourceIds": e.resource_ids,
        })).collect::<Vec<_>>(),
    })
}

/// The Cluster shape, with what a node-group client needs (choice: no VPC, endpoint or
/// certificate beyond placeholders).
pub(crate) fn cluster(cluster: &Cluster) -> Value {
    let id = fnv(&[cluster.region.as_bytes(), cluster.name.as_bytes()]);
    let mut out = json!({
        "name": cluster.name,
        "arn": cluster_arn(&cluster.region, &cluster.name),
        "createdAt": timestamp(cluster.create_millis),
        "version": cluster.version,
        "endpoint": format!("https://{:032X}.gr7.{}.eks.amazonaws.com", u128::from(id) << 64 | u128::from(id), cluster.region),
        "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/eks-cluster-role"),
        "status": "ACTIVE",
        "platformVersion": "eks.1",
    });
    // The model's TagMap holds 1 to 50 entries: EKS leaves out an empty one.
    if !cluster.tags.is_empty() {
        out["tags"] = json!(cluster.tags);
    }
    out
}

/// The error body: `message` plus the members of the error shape that the error knows.
pub(crate) fn error(err: &EksError) -> Value {
    let members = error_members(&err.code);
    let mut body = json!({"message": err.message});
    if let (true, Some(cluster)) = (members.contains(&"clusterName"), &err.cluster) {
        body["clusterName"] = json!(cluster);
    }
    if let (true, Some(group)) = (members.contains(&"nodegroupName"), &err.nodegroup) {
        body["nodegroupName"] = json!(group);
    }
    body
}

/// The AMI a group's nodes run, as `eks.amazonaws.com/nodegroup-image` names it.
fn image_id(region: &str, group: &Nodegroup) -> String {
    let hash = fnv(&[
        region.as_bytes(),
        group.ami_type.as_bytes(),
        group.release_version.as_bytes(),
    ]);
    format!("ami-{:017x}", hash & 0x0fff_ffff_ffff_ffff_u64)
}

fn kubernetes_effect(effect: Option<&str>) -> &'static str {
    match effect {
        Some("NO_EXECUTE") => "NoExecute",
        Some("PREFER_NO_SCHEDULE") => "PreferNoSchedule",
        _ => "NoSchedule",
    }
}

/// The group's nodes as Kubernetes sees them: none while CREATING or after CREATE_FAILED,
/// else `desiredSize` of them.
fn nodes(region: &str, cluster: &str, group: &Nodegroup) -> Vec<Value> {
    if matches!(group.status, Status::Creating | Status::CreateFailed) {
        return Vec::new();
    }
    let mut labels = group.labels.clone();
    labels.insert("eks.amazonaws.com/nodegroup".into(), group.name.clone());
    labels.insert(
        "eks.amazonaws.com/capacityType".into(),
        group.capacity_type.clone(),
    );
    labels.insert(
        "eks.amazonaws.com/nodegroup-image".into(),
        image_id(region, group),
    );
    let taints: Vec<Value> = group
        .taints
        .iter()
        .map(|t| {
            let mut taint = json!({"key": t.key, "effect": kubernetes_effect(t.effect.as_deref())});
            if let Some(value) = &t.value {
                taint["value"] = json!(value);
            }
            taint
        })
        .collect();
    let seed = fnv(&[group.id.as_bytes()]);
    (0..group.scaling.desired_size.max(0))
        .map(|i| {
            let octet = (seed.wrapping_add(i as u64) % 250) + 2;
            json!({
                "name": format!("ip-10-0-{}-{octet}.{region}.compute.internal", (seed >> 8) % 250),
                "clusterName": cluster,
                "nodegroupName": group.name,
                "labels": labels,
                "taints": taints,
            })
        })
        .collect()
}

/// The whole EKS state: `{"clusters":[Cluster + "region"...], "nodegroups":[Nodegroup...],
/// "nodes":[{name, clusterName, nodegroupName, labels, taints}...], "updates":[{clusterName,
/// nodegroupName, update: Update}...]}`.
pub(crate) fn snapshot(state: &State) -> Value {
    let mut clusters = Vec::new();
    let mut groups = Vec::new();
    let mut all_nodes = Vec::new();
    let mut updates = Vec::new();
    for c in &state.clusters {
        let mut rendered = cluster(c);
        rendered["region"] = json!(c.region);
        clusters.push(rendered);
        for g in &c.nodegroups {
            groups.push(nodegroup(&c.region, &c.name, g));
            all_nodes.extend(nodes(&c.region, &c.name, g));
        }
        for u in &c.updates {
            updates.push(json!({
                "region": c.region,
                "clusterName": c.name,
                "nodegroupName": u.nodegroup,
                "update": update(u),
            }));
        }
    }
    json!({
        "clusters": clusters,
        "nodegroups": groups,
        "nodes": all_nodes,
        "updates": updates,
    })
}
