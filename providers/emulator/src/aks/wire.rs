//! AKS's JSON as clients see it: AgentPool, ManagedCluster, list pages, async operation status
//! and ARM's error body. URLs are built from the base URL the client used, so they resolve
//! against this emulator.

use serde_json::{json, Map, Value};

use super::model::{ArmError, Cluster, Operation, Pool, ProvisioningState, State};
use crate::clock::rfc3339;

pub(crate) const AGENT_POOL_TYPE: &str = "Microsoft.ContainerService/managedClusters/agentPools";
/// As ARM spells it in ManagedCluster responses.
const MANAGED_CLUSTER_TYPE: &str = "Microsoft.ContainerService/ManagedClusters";

/// `AgentPool.properties` with what is derived at read time: eTag, provisioningState, status.
fn pool_properties(pool: &Pool) -> Map<String, Value> {
    let mut properties = pool.properties.clone();
    properties.remove("status");
    properties.insert("eTag".into(), json!(pool.etag()));
    properties.insert(
        "provisioningState".into(),
        json!(pool.provisioning_state.as_str()),
    );
    if let (ProvisioningState::Failed, Some(error)) = (pool.provisioning_state, &pool.error) {
        properties.insert(
            "status".into(),
            json!({"provisioningError": {"code": error.code, "message": error.message}}),
        );
    }
    properties
}

pub(crate) fn agent_pool(cluster: &Cluster, pool: &Pool) -> Value {
    json!({
        "id": format!("{}/agentPools/{}", cluster.resource_id(), pool.name),
        "name": pool.name,
        "type": AGENT_POOL_TYPE,
        "properties": pool_properties(pool),
    })
}

/// The cluster with its pools as `agentPoolProfiles`: each pool's properties plus its name,
/// as ManagedClusterAgentPoolProfile carries them.
pub(crate) fn managed_cluster(cluster: &Cluster) -> Value {
    let profiles: Vec<Value> = cluster
        .pools
        .iter()
        .map(|pool| {
            let mut profile = Map::new();
            profile.insert("name".into(), json!(pool.name));
            profile.extend(pool_properties(pool));
            Value::Object(profile)
        })
        .collect();
    let mut out = json!({
        "id": cluster.resource_id(),
        "name": cluster.name,
        "type": MANAGED_CLUSTER_TYPE,
        "location": cluster.location,
        "properties": {
            "provisioningState": "Succeeded",
            "kubernetesVersion": cluster.kubernetes_version,
            "currentKubernetesVersion": cluster.kubernetes_version,
            "agentPoolProfiles": profiles,
        },
    });
    if !cluster.tags.is_empty() {
        out["tags"] = json!(cluster.tags);
    }
    out
}

/// ARM's `TagsResource` for the cluster: `{scope}/providers/Microsoft.Resources/tags/default`.
pub(crate) fn cluster_tags(cluster: &Cluster) -> Value {
    json!({
        "id": format!("{}/providers/Microsoft.Resources/tags/default", cluster.resource_id()),
        "name": "default",
        "type": "Microsoft.Resources/tags",
        "properties": {"tags": cluster.tags},
    })
}

/// One page of `AgentPoolListResult`; `nextLink` (absolute, with `$skipToken`) only when more follow.
pub(crate) fn pool_page(
    base: &str,
    cluster: &Cluster,
    skip: usize,
    page_size: usize,
    api_version: &str,
) -> Value {
    let page_size = page_size.max(1);
    let value: Vec<Value> = cluster
        .pools
        .iter()
        .skip(skip)
        .take(page_size)
        .map(|p| agent_pool(cluster, p))
        .collect();
    let mut page = json!({ "value": value });
    let next = skip.saturating_add(page_size);
    if next < cluster.pools.len() {
        page["nextLink"] = json!(format!(
            "{base}{}/agentPools?api-version={api_version}&$skipToken={next}",
            cluster.resource_id()
        ));
    }
    page
}

/// Where an operation's status (`operations`) or result (`operationresults`) is polled.
pub(crate) fn operation_url(base: &str, op: &Operation, kind: &str, api_version: &str) -> String {
    format!(
        "{base}/subscriptions/{}/providers/Microsoft.ContainerService/locations/{}/{kind}/{}?api-version={api_version}",
        op.subscription, op.location, op.id
    )
}

/// The Azure-AsyncOperation status body.
pub(crate) fn operation_status(op: &Operation) -> Value {
    let mut out = json!({
        "id": format!(
            "/subscriptions/{}/providers/Microsoft.ContainerService/locations/{}/operations/{}",
            op.subscription, op.location, op.id
        ),
        "name": op.id,
        "status": op.status(),
        "startTime": rfc3339(op.start_millis),
    });
    if op.done {
        out["endTime"] = json!(rfc3339(op.end_millis));
    }
    if let (true, Some(failure)) = (op.done, &op.failure) {
        out["error"] = json!({"code": failure.code, "message": failure.message});
    }
    out
}

/// ARM's CloudError body.
pub(crate) fn error(err: &ArmError) -> Value {
    let mut body = json!({"code": err.code, "message": err.message});
    if let Some(target) = &err.target {
        body["target"] = json!(target);
    }
    json!({ "error": body })
}

/// The whole AKS state as clients would read it: `{"managedClusters":[ManagedCluster...],
/// "agentPools":[AgentPool...], "operations":[status...]}`.
pub(crate) fn snapshot(state: &State) -> Value {
    let pools: Vec<Value> = state
        .clusters
        .iter()
        .flat_map(|c| c.pools.iter().map(move |p| agent_pool(c, p)))
        .collect();
    json!({
        "managedClusters": state.clusters.iter().map(managed_cluster).collect::<Vec<_>>(),
        "agentPools": pools,
        "operations": state.operations.iter().map(operation_status).collect::<Vec<_>>(),
    })
}
