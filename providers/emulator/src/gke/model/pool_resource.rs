//! The NodePool resource as the model stores it: what a create request becomes (checked, defaults
//! filled in, output-only fields dropped) and the JSON-pointer changes an update request makes.

use serde_json::{json, Map, Value};

use super::canonical::{int, string_list};
use super::checks::{
    validate_autoscaling, validate_labels, validate_resource_labels, validate_taints,
    validate_zones,
};
use super::{Cluster, GkeError};

const GPU_TAINT_KEY: &str = "nvidia.com/gpu";
/// Scopes GKE grants when a pool names none (the logging and monitoring agents need them).
const DEFAULT_OAUTH_SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/logging.write",
    "https://www.googleapis.com/auth/monitoring",
];
/// NodePool fields only the server sets; whatever a client sends there is dropped.
const OUTPUT_ONLY_POOL_FIELDS: [&str; 7] = [
    "status",
    "statusMessage",
    "selfLink",
    "instanceGroupUrls",
    "etag",
    "conditions",
    "updateInfo",
];
/// UpdateNodePoolRequest fields the emulator applies, and where each lands in the NodePool.
const UPDATE_FIELDS: [(&str, &str); 31] = [
    ("nodeVersion", "/version"),
    ("imageType", "/config/imageType"),
    ("locations", "/locations"),
    ("upgradeSettings", "/upgradeSettings"),
    ("tags", "/config/tags"),
    ("taints", "/config/taints"),
    ("labels", "/config/labels"),
    ("resourceLabels", "/config/resourceLabels"),
    ("resourceManagerTags", "/config/resourceManagerTags"),
    ("kubeletConfig", "/config/kubeletConfig"),
    ("linuxNodeConfig", "/config/linuxNodeConfig"),
    ("accelerators", "/config/accelerators"),
    ("machineType", "/config/machineType"),
    ("diskType", "/config/diskType"),
    ("diskSizeGb", "/config/diskSizeGb"),
    ("workloadMetadataConfig", "/config/workloadMetadataConfig"),
    ("gvnic", "/config/gvnic"),
    ("fastSocket", "/config/fastSocket"),
    ("gcfsConfig", "/config/gcfsConfig"),
    ("confidentialNodes", "/config/confidentialNodes"),
    ("loggingConfig", "/config/loggingConfig"),
    ("windowsNodeConfig", "/config/windowsNodeConfig"),
    ("containerdConfig", "/config/containerdConfig"),
    ("bootDisk", "/config/bootDisk"),
    ("storagePools", "/config/storagePools"),
    ("maxRunDuration", "/config/maxRunDuration"),
    ("flexStart", "/config/flexStart"),
    ("consolidationDelay", "/config/consolidationDelay"),
    ("maintenancePolicy", "/maintenancePolicy"),
    ("nodeDrainConfig", "/nodeDrainConfig"),
    ("queuedProvisioning", "/queuedProvisioning"),
];

/// Validates a CreateNodePoolRequest's pool and fills in what GKE adds itself.
pub(super) fn new_pool_resource(
    cluster: &Cluster,
    requested: &Map<String, Value>,
) -> Result<Map<String, Value>, GkeError> {
    let mut resource = requested.clone();
    for field in OUTPUT_ONLY_POOL_FIELDS {
        resource.remove(field);
    }
    let mut config = match resource.remove("config") {
        Some(Value::Object(config)) => config,
        _ => Map::new(),
    };
    if let Some(labels) = config.get("labels") {
        validate_labels("node_pool.config.labels", labels)?;
    }
    if let Some(taints) = config.get("taints") {
        validate_taints("node_pool.config.taints", taints)?;
    }
    if let Some(labels) = config.get("resourceLabels") {
        validate_resource_labels("node_pool.config.resource_labels", labels)?;
    }
    let disk_size = int(config.get("diskSizeGb"));
    if disk_size != 0 && disk_size < 10 {
        return Err(GkeError::invalid_field(
            "node_pool.config.disk_size_gb",
            format!("{disk_size}. The smallest allowed disk size is 10GB."),
        ));
    }
    let initial = int(resource.get("initialNodeCount"));
    if initial < 0 {
        return Err(GkeError::invalid_field(
            "node_pool.initial_node_count",
            format!("{initial}. Must be non-negative."),
        ));
    }
    if let Some(autoscaling) = resource.get_mut("autoscaling") {
        validate_autoscaling("node_pool.autoscaling", autoscaling)?;
        default_location_policy(autoscaling);
    }
    let zones = string_list(resource.get("locations"));
    if zones.is_empty() {
        resource.insert("locations".into(), json!(cluster.locations));
    } else {
        validate_zones(cluster, "node_pool.locations", &zones)?;
    }
    let max_pods = match resource
        .get("maxPodsConstraint")
        .map(|m| int(m.get("maxPodsPerNode")))
    {
        None | Some(0) => 110,
        Some(n) if (8..=256).contains(&n) => n,
        Some(n) => {
            return Err(GkeError::invalid_field(
                "node_pool.max_pods_constraint.max_pods_per_node",
                format!("{n}. Must be between 8 and 256."),
            ))
        }
    };
    resource.insert(
        "maxPodsConstraint".into(),
        json!({"maxPodsPerNode": max_pods.to_string()}),
    );
    resource.insert("podIpv4CidrSize".into(), json!(pod_cidr_size(max_pods)));
    let version = resource
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let version = resolve_version(cluster, version);
    resource.insert("version".into(), json!(version));
    resource
        .entry("management")
        .or_insert_with(|| json!({"autoUpgrade": true, "autoRepair": true}));
    match resource
        .entry("upgradeSettings")
        .or_insert_with(|| json!({"maxSurge": 1}))
    {
        Value::Object(settings) => {
            settings.entry("strategy").or_insert_with(|| json!("SURGE"));
        }
        other => *other = json!({"maxSurge": 1, "strategy": "SURGE"}),
    }

    config
        .entry("machineType")
        .or_insert_with(|| json!("e2-medium"));
    config.entry("diskSizeGb").or_insert_with(|| json!(100));
    config
        .entry("diskType")
        .or_insert_with(|| json!("pd-balanced"));
    config
        .entry("imageType")
        .or_insert_with(|| json!("COS_CONTAINERD"));
    config
        .entry("serviceAccount")
        .or_insert_with(|| json!("default"));
    config
        .entry("oauthScopes")
        .or_insert_with(|| json!(DEFAULT_OAUTH_SCOPES));
    // GKE taints a GPU pool so that only GPU workloads land there, but only when the cluster
    // already runs other pools, and it never adds the taint to existing pools.
    let gpu = config
        .get("accelerators")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if gpu && cluster.pools.iter().any(|p| !p.has_accelerators()) {
        let taints = config.entry("taints").or_insert_with(|| json!([]));
        if let Value::Array(taints) = taints {
            if !taints
                .iter()
                .any(|t| t.get("key").and_then(Value::as_str) == Some(GPU_TAINT_KEY))
            {
                taints.push(
                    json!({"key": GPU_TAINT_KEY, "value": "present", "effect": "NO_SCHEDULE"}),
                );
            }
        }
    }
    resource.insert("config".into(), Value::Object(config));
    Ok(resource)
}

/// Maps an UpdateNodePoolRequest to JSON-pointer changes of the pool, validating each value.
pub(super) fn update_changes(
    cluster: &Cluster,
    request: &Value,
) -> Result<Map<String, Value>, GkeError> {
    let mut changes = Map::new();
    for (field, pointer) in UPDATE_FIELDS {
        let Some(value) = request.get(field) else {
            continue;
        };
        let value = match field {
            "labels" => {
                let labels = value.get("labels").cloned().unwrap_or_else(|| json!({}));
                validate_labels("labels.labels", &labels)?;
                labels
            }
            "resourceLabels" => {
                let labels = value.get("labels").cloned().unwrap_or_else(|| json!({}));
                validate_resource_labels("resource_labels.labels", &labels)?;
                labels
            }
            "taints" => {
                let taints = value.get("taints").cloned().unwrap_or_else(|| json!([]));
                validate_taints("taints.taints", &taints)?;
                taints
            }
            "tags" => value.get("tags").cloned().unwrap_or_else(|| json!([])),
            "nodeVersion" => json!(resolve_version(cluster, value.as_str().unwrap_or_default())),
            "locations" => {
                let zones = string_list(Some(value));
                validate_zones(cluster, "locations", &zones)?;
                value.clone()
            }
            "diskSizeGb" => {
                // int64 in the request, int32 in NodeConfig.
                let size = int(Some(value));
                if size < 10 {
                    return Err(GkeError::invalid_field(
                        "disk_size_gb",
                        format!("{size}. The smallest allowed disk size is 10GB."),
                    ));
                }
                json!(size)
            }
            _ => value.clone(),
        };
        changes.insert(pointer.to_string(), value);
    }
    if changes.is_empty() {
        let supported: Vec<&str> = UPDATE_FIELDS.iter().map(|(field, _)| *field).collect();
        return Err(GkeError::invalid_argument(format!(
            "The update request does not set any field to update; set at least one of: {}.",
            supported.join(", ")
        )));
    }
    Ok(changes)
}

/// Sets a value at a JSON pointer in the pool, dropping empty lists and maps as proto3 JSON does.
pub(super) fn set_pointer(resource: &mut Map<String, Value>, pointer: &str, value: Value) {
    let mut parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let Some(last) = parts.pop() else { return };
    let mut target = resource;
    for part in parts {
        let entry = target.entry(part).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Value::Object(next) = entry else { return };
        target = next;
    }
    let empty = match &value {
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty() && matches!(last, "labels" | "resourceLabels"),
        _ => false,
    };
    if empty {
        target.remove(last);
    } else {
        target.insert(last.to_string(), value);
    }
}

pub(super) fn default_location_policy(autoscaling: &mut Value) {
    if autoscaling.get("enabled").and_then(Value::as_bool) == Some(true) {
        if let Value::Object(fields) = autoscaling {
            fields
                .entry("locationPolicy")
                .or_insert_with(|| json!("BALANCED"));
        }
    }
}

/// `-` and `latest` ask for the control plane's version, as GKE reads them.
fn resolve_version(cluster: &Cluster, requested: &str) -> String {
    match requested {
        "" | "-" | "latest" => cluster.version.clone(),
        other => other.to_string(),
    }
}

/// The smallest pod range that holds twice the pods per node, as GKE sizes it (110 pods: /24).
pub(super) fn pod_cidr_size(max_pods: i64) -> i64 {
    let mut size = 32;
    while size > 0 && (1i64 << (32 - size)) < 2 * max_pods {
        size -= 1;
    }
    size
}
