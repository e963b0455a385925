//! The values AKS fills in when a request leaves them out, and the label and taint it adds to
//! Spot pools. Each default names its source: "SDK" is the doc comment of the property in
//! azure-mgmt-containerservice 41.8.0 (api-version 2026-08-01), "examples" the official ARM
//! examples in shared/api-specs/aks; "choice" marks a value picked for the emulator.

use serde_json::{json, Map, Value};

use super::Cluster;

/// Choice: a recent AKS version; clusters created without one run it.
pub(crate) const DEFAULT_KUBERNETES_VERSION: &str = "1.33.5";
/// Label and taint AKS puts on every Spot pool (provider-apis.md §2.6; azurerm#9454, Azure/AKS#2934).
pub(crate) const SPOT_LABEL_KEY: &str = "kubernetes.azure.com/scalesetpriority";
pub(crate) const SPOT_LABEL_VALUE: &str = "spot";
pub(crate) const SPOT_TAINT: &str = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule";

/// Pool types whose size lives in `count` (VirtualMachines pools size through virtualMachinesProfile).
pub(super) fn is_scale_set(properties: &Map<String, Value>) -> bool {
    properties.get("type").and_then(Value::as_str) != Some("VirtualMachines")
}

pub(super) fn is_spot(properties: &Map<String, Value>) -> bool {
    properties.get("scaleSetPriority").and_then(Value::as_str) == Some("Spot")
}

/// A new pool's properties: the request with every server default filled in.
pub(super) fn new_pool_properties(
    cluster: &Cluster,
    mut properties: Map<String, Value>,
) -> Map<String, Value> {
    let mut default = |key: &str, value: Value| {
        // osDiskSizeGB 0 asks for the default size (SDK); an empty orchestratorVersion asks for
        // the cluster's (the Spot example sends "" and gets the cluster's version back).
        let unset = match properties.get(key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Number(n)) => key == "osDiskSizeGB" && n.as_i64() == Some(0),
            Some(_) => false,
        };
        if unset {
            properties.insert(key.to_string(), value);
        }
    };
    default("type", json!("VirtualMachineScaleSets")); // SDK (AgentPoolType) and use-multiple-node-pools docs
    default("mode", json!("User")); // choice: the examples create pools without a mode and never show System
    default("osType", json!("Linux")); // SDK: "The default is Linux."
    default("maxPods", json!(110)); // examples: every response shows 110 where the request had none
    default("osDiskSizeGB", json!(128)); // choice: AKS's size for most VM sizes
    default("osDiskType", json!("Managed")); // choice: SDK says Ephemeral when the VM's cache disk fits it
    default("kubeletDiskType", json!("OS")); // choice: the first known value, what AKS reports (unconfirmed)
    default("scaleDownMode", json!("Delete")); // SDK: "If not specified, it defaults to Delete."
    default("scaleSetPriority", json!("Regular")); // choice: the non-Spot value
    default("enableNodePublicIP", json!(false)); // choice: az CLI shows false for all four flags
    default("enableEncryptionAtHost", json!(false));
    default("enableFIPS", json!(false));
    default("enableUltraSSD", json!(false));
    default("upgradeSettings", json!({})); // maxSurge filled below
    default("powerState", json!({"code": "Running"})); // SDK: "When an Agent Pool is first created it is initially Running."
    default("orchestratorVersion", json!(cluster.kubernetes_version)); // examples: the cluster's version
    let windows = properties.get("osType").and_then(Value::as_str) == Some("Windows");
    // SDK: Ubuntu for Linux; Windows2022 for Windows when Kubernetes >= 1.25.
    properties
        .entry("osSKU")
        .or_insert_with(|| json!(if windows { "Windows2022" } else { "Ubuntu" }));
    if is_scale_set(&properties) {
        // SDK: "The default value is 1." An autoscaled pool starts at its minimum (choice).
        let autoscaled = properties.get("enableAutoScaling").and_then(Value::as_bool) == Some(true);
        let count = match properties.get("minCount").and_then(Value::as_i64) {
            Some(min) if autoscaled => min.max(1),
            _ => 1,
        };
        properties.entry("count").or_insert(json!(count));
        properties
            .entry("vmSize")
            .or_insert(json!("Standard_D4s_v5")); // choice: the VM size of nodepool1
        properties
            .entry("enableAutoScaling")
            .or_insert(json!(false)); // choice: as az CLI shows it
    } else {
        properties.insert(
            "virtualMachineNodesStatus".into(),
            virtual_machine_nodes(&properties),
        );
    }
    if let Some(Value::Object(settings)) = properties.get_mut("upgradeSettings") {
        // SDK (AgentPoolUpgradeSettings.maxSurge): "If not specified, the default is 10%."
        settings.entry("maxSurge").or_insert_with(|| json!("10%"));
    }
    if !properties.contains_key("nodeImageVersion") {
        let image = node_image_version(&properties);
        properties.insert("nodeImageVersion".into(), json!(image));
    }
    apply_spot(&mut properties);
    set_current_version(cluster, &mut properties);
    properties
}

/// Spot pools get eviction policy Delete (SDK), `spotMaxPrice` -1 (examples), and AKS's label
/// and taint, which users cannot remove (Azure/AKS#2934): applied on every create and update.
pub(super) fn apply_spot(properties: &mut Map<String, Value>) {
    if !is_spot(properties) {
        return;
    }
    properties
        .entry("scaleSetEvictionPolicy")
        .or_insert_with(|| json!("Delete"));
    properties
        .entry("spotMaxPrice")
        .or_insert_with(|| json!(-1));
    let labels = properties.entry("nodeLabels").or_insert_with(|| json!({}));
    if let Value::Object(labels) = labels {
        labels.insert(SPOT_LABEL_KEY.into(), json!(SPOT_LABEL_VALUE));
    }
    let taints = properties.entry("nodeTaints").or_insert_with(|| json!([]));
    if let Value::Array(taints) = taints {
        if !taints.iter().any(|t| t.as_str() == Some(SPOT_TAINT)) {
            taints.push(json!(SPOT_TAINT));
        }
    }
}

/// `currentOrchestratorVersion` (read-only): the full version the pool runs. A `major.minor`
/// request runs the cluster's patch when it matches, else that minor's `.0` (choice).
pub(super) fn set_current_version(cluster: &Cluster, properties: &mut Map<String, Value>) {
    let wanted = properties
        .get("orchestratorVersion")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .unwrap_or(&cluster.kubernetes_version)
        .to_string();
    let current = if wanted.split('.').count() >= 3 {
        wanted
    } else if cluster
        .kubernetes_version
        .starts_with(&format!("{wanted}."))
    {
        cluster.kubernetes_version.clone()
    } else {
        format!("{wanted}.0")
    };
    properties.insert("currentOrchestratorVersion".into(), json!(current));
}

/// Choice: a node image name in AKS's shape (`AKSUbuntu-2204gen2containerd-202611.10.0`).
pub(super) fn node_image_version(properties: &Map<String, Value>) -> String {
    let family = match properties.get("osSKU").and_then(Value::as_str) {
        Some("AzureLinux" | "AzureLinux3" | "CBLMariner") => "AKSAzureLinux-V3gen2",
        Some("Ubuntu2404") => "AKSUbuntu-2404gen2containerd",
        Some(sku) if sku.starts_with("Windows") => "AKSWindows-2022-containerd",
        _ => "AKSUbuntu-2204gen2containerd",
    };
    format!("{family}-202611.10.0")
}

/// VirtualMachines pools report their nodes per size: an autoscaled size at its minimum, a
/// manual one at its count (the official autoscale example shows `{"count":1,"size":...}` for
/// minCount 1).
pub(super) fn virtual_machine_nodes(properties: &Map<String, Value>) -> Value {
    let scale = properties
        .get("virtualMachinesProfile")
        .and_then(|p| p.get("scale"));
    let mut nodes = Vec::new();
    for (list, count_key) in [("autoscale", "minCount"), ("manual", "count")] {
        let entries = scale
            .and_then(|s| s.get(list))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for entry in entries {
            let count = entry.get(count_key).and_then(Value::as_i64).unwrap_or(0);
            let mut node = Map::new();
            node.insert("count".into(), json!(count));
            if let Some(size) = entry.get("size") {
                node.insert("size".into(), size.clone());
            }
            nodes.push(Value::Object(node));
        }
    }
    Value::Array(nodes)
}
