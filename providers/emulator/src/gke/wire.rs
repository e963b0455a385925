//! GKE's JSON as clients see it: Cluster, NodePool, Operation, Compute instance groups, errors.
//! Links are built from the base URL the client used, so they resolve against this emulator.

use serde_json::{json, Map, Value};

use super::model::{Cluster, GkeError, InstanceGroup, Operation, Pool, State};
use crate::clock::rfc3339;

/// `google.rpc.Code` for operations that a fault plan failed (INTERNAL).
const FAILED_OPERATION_CODE: i32 = 13;

pub(crate) fn cluster(base: &str, cluster: &Cluster) -> Value {
    let mut out = json!({
        "name": cluster.name,
        "location": cluster.location,
        "zone": cluster.location,
        "locations": cluster.locations,
        "currentMasterVersion": cluster.version,
        "currentNodeVersion": cluster.version,
        "initialClusterVersion": cluster.version,
        "status": "RUNNING",
        "selfLink": format!("{base}/v1/{}", cluster.resource_name()),
        "endpoint": endpoint_ip(cluster),
        "createTime": rfc3339(cluster.create_millis),
        "labelFingerprint": cluster.label_fingerprint(),
    });
    // Google's APIs omit an empty map.
    if !cluster.resource_labels.is_empty() {
        out["resourceLabels"] = json!(cluster.resource_labels);
    }
    if !cluster.pools.is_empty() {
        out["nodePools"] = Value::Array(
            cluster
                .pools
                .iter()
                .map(|p| pool(base, cluster, p))
                .collect(),
        );
    }
    out
}

/// `{"nodePools":[...]}`, without the key when there are none, as Google's APIs omit empty lists.
pub(crate) fn pool_list(base: &str, cluster: &Cluster) -> Value {
    let mut out = json!({});
    if !cluster.pools.is_empty() {
        out["nodePools"] = Value::Array(
            cluster
                .pools
                .iter()
                .map(|p| pool(base, cluster, p))
                .collect(),
        );
    }
    out
}

pub(crate) fn pool(base: &str, cluster: &Cluster, pool: &Pool) -> Value {
    let mut out: Map<String, Value> = pool.resource.clone();
    out.insert("name".into(), json!(pool.name));
    out.insert("status".into(), json!(pool.status.as_str()));
    if let Some(message) = &pool.status_message {
        out.insert("statusMessage".into(), json!(message));
    }
    out.insert(
        "selfLink".into(),
        json!(format!(
            "{base}/v1/{}/nodePools/{}",
            cluster.resource_name(),
            pool.name
        )),
    );
    let urls: Vec<String> = pool
        .instance_groups
        .iter()
        .map(|g| instance_group_url(base, &cluster.project, g))
        .collect();
    if !urls.is_empty() {
        out.insert("instanceGroupUrls".into(), json!(urls));
    }
    out.insert("etag".into(), json!(pool.etag()));
    Value::Object(out)
}

pub(crate) fn operation(base: &str, op: &Operation) -> Value {
    let mut out = json!({
        "name": op.name,
        "zone": op.location,
        "location": op.location,
        "operationType": op.operation_type.as_str(),
        "status": if op.done { "DONE" } else { "RUNNING" },
        "selfLink": format!("{base}/v1/projects/{}/locations/{}/operations/{}", op.project, op.location, op.name),
        "targetLink": format!("{base}/v1/{}", op.target()),
        "startTime": rfc3339(op.start_millis),
    });
    if op.done {
        out["endTime"] = json!(rfc3339(op.end_millis));
        if let Some(message) = &op.failure {
            out["error"] = json!({"code": FAILED_OPERATION_CODE, "message": message});
            out["statusMessage"] = json!(message);
        }
    }
    out
}

pub(crate) fn operation_list(base: &str, ops: &[&Operation]) -> Value {
    let mut out = json!({});
    if !ops.is_empty() {
        out["operations"] = Value::Array(ops.iter().map(|op| operation(base, op)).collect());
    }
    out
}

pub(crate) fn instance_group_url(base: &str, project: &str, group: &InstanceGroup) -> String {
    format!(
        "{base}/compute/v1/projects/{project}/zones/{}/instanceGroupManagers/{}",
        group.zone, group.name
    )
}

/// A Compute Engine InstanceGroupManager, reduced to what clients read.
pub(crate) fn instance_group(
    base: &str,
    cluster: &Cluster,
    pool: &Pool,
    group: &InstanceGroup,
) -> Value {
    let zone_url = format!(
        "{base}/compute/v1/projects/{}/zones/{}",
        cluster.project, group.zone
    );
    json!({
        "kind": "compute#instanceGroupManager",
        "name": group.name,
        "zone": zone_url,
        "targetSize": group.target_size,
        "baseInstanceName": group.base_instance_name(),
        "instanceGroup": format!("{zone_url}/instanceGroups/{}", group.name),
        "creationTimestamp": rfc3339(pool.create_millis),
        "selfLink": instance_group_url(base, &cluster.project, group),
    })
}

/// Google's error body; malformed-request errors carry a `google.rpc.BadRequest` detail.
pub(crate) fn error(err: &GkeError) -> Value {
    let mut body = json!({"code": err.code, "message": err.message, "status": err.status});
    if let Some(field) = &err.field {
        let mut violation = json!({"description": err.message});
        if !field.is_empty() {
            violation["field"] = json!(field);
        }
        body["details"] = json!([{
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [violation],
        }]);
    }
    json!({"error": body})
}

/// Compute Engine's older error shape, which lists `errors` with a reason instead of a status.
pub(crate) fn compute_not_found(resource: &str) -> Value {
    let message = format!("The resource '{resource}' was not found");
    json!({"error": {
        "code": 404,
        "message": message,
        "errors": [{"message": message, "domain": "global", "reason": "notFound"}],
    }})
}

/// The whole model as clients would read it, for tests: clusters with their pools, every
/// operation, and every instance group.
pub(crate) fn snapshot(base: &str, state: &State) -> Value {
    let clusters: Vec<Value> = state.clusters.values().map(|c| cluster(base, c)).collect();
    let operations: Vec<Value> = state
        .operations
        .iter()
        .map(|op| operation(base, op))
        .collect();
    let groups: Vec<Value> = state
        .clusters
        .values()
        .flat_map(|c| {
            c.pools
                .iter()
                .flat_map(move |p| p.instance_groups.iter().map(move |g| (c, p, g)))
        })
        .map(|(c, p, g)| instance_group(base, c, p, g))
        .collect();
    json!({"clusters": clusters, "operations": operations, "instanceGroupManagers": groups})
}

/// A documentation-range address (TEST-NET-3) that stays the same for a cluster.
fn endpoint_ip(cluster: &Cluster) -> String {
    let sum: u32 = cluster.resource_name().bytes().map(u32::from).sum();
    format!("203.0.113.{}", sum % 254 + 1)
}
