//! What an update may change: the properties fixed at creation, the one OS SKU move AKS allows,
//! how a PUT body merges into the pool it updates, and which transitional state the change shows.

use serde_json::{Map, Value};

use super::{ArmError, ProvisioningState};

/// Fixed once the pool exists; a change needs a new pool. The list is azurerm's
/// `cycleNodePoolProperties` plus the properties provider-apis.md §2.3 calls fixed
/// (scaleSetPriority, osType, type) and gpuInstanceProfile (AKS's GPU docs: "can't change").
const IMMUTABLE: &[&str] = &[
    "vmSize",
    "osDiskSizeGB",
    "osDiskType",
    "kubeletDiskType",
    "maxPods",
    "availabilityZones",
    "vnetSubnetID",
    "podSubnetID",
    "enableNodePublicIP",
    "enableEncryptionAtHost",
    "enableFIPS",
    "enableUltraSSD",
    "kubeletConfig",
    "linuxOSConfig",
    "creationData",
    "scaleSetPriority",
    "osType",
    "type",
    "gpuInstanceProfile",
];

/// OS SKUs a pool may move between (provider-apis.md §2.3).
const MOVABLE_OS_SKUS: &[&str] = &["Ubuntu", "AzureLinux"];

/// Properties whose change alone is a scale, which AKS reports as `Scaling`.
const SCALE_PROPERTIES: &[&str] = &["count", "minCount", "maxCount", "enableAutoScaling"];

/// Properties the service derives; a request's value for them never counts as a change.
const DERIVED: &[&str] = &["currentOrchestratorVersion", "virtualMachineNodesStatus"];

/// ARM compares names such as VM sizes without case, and zones as a set.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Array(a), Value::Array(b)) => {
            let sorted = |v: &Vec<Value>| {
                let mut items: Vec<String> = v.iter().map(Value::to_string).collect();
                items.sort();
                items
            };
            sorted(a) == sorted(b)
        }
        _ => a == b,
    }
}

/// Values that ask for the server's default, so that they keep what the pool has.
fn asks_default(key: &str, value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty() && key == "orchestratorVersion",
        Value::Number(n) => key == "osDiskSizeGB" && n.as_i64() == Some(0),
        _ => false,
    }
}

/// Refuses a request that changes a property fixed at creation. ARM's code for this is
/// `PropertyChangeNotAllowed` ("Changing property 'x' is not allowed.", aks-engine#2563);
/// that AKS uses it for agent pools is unconfirmed.
pub(super) fn check_immutable(
    current: &Map<String, Value>,
    request: &Map<String, Value>,
) -> Result<(), ArmError> {
    for key in IMMUTABLE {
        let Some(wanted) = request.get(*key).filter(|v| !asks_default(key, v)) else {
            continue;
        };
        let changed = match current.get(*key) {
            Some(have) => !same(have, wanted),
            // Unset at creation: only an empty list or object still means "none".
            None => {
                !matches!(wanted, Value::Array(a) if a.is_empty())
                    && !matches!(wanted, Value::Object(o) if o.is_empty())
            }
        };
        if changed {
            return Err(ArmError::new(
                400,
                "PropertyChangeNotAllowed",
                format!("Changing property '{key}' is not allowed."),
            )
            .with_target(format!("properties.{key}")));
        }
    }
    let have = current.get("osSKU").and_then(Value::as_str);
    let wanted = request.get("osSKU").and_then(Value::as_str);
    if let (Some(have), Some(wanted)) = (have, wanted) {
        let movable = |sku| MOVABLE_OS_SKUS.contains(&sku);
        if have != wanted && !(movable(have) && movable(wanted)) {
            return Err(ArmError::new(
                400,
                "PropertyChangeNotAllowed",
                format!(
                    "Changing property 'osSKU' from '{have}' to '{wanted}' is not allowed: an agent pool's OS SKU can only change between Ubuntu and AzureLinux."
                ),
            )
            .with_target("properties.osSKU"));
        }
    }
    Ok(())
}

/// The pool after a PUT: the request's values over the current ones. What the request leaves
/// out keeps its value (choice: AKS's RP fills unset fields from the existing pool, which is
/// why clients can send partial bodies; unconfirmed in detail). Turning autoscaling off drops
/// the bounds the pool had; bounds sent with it off are refused by the checks.
pub(super) fn merge(
    current: &Map<String, Value>,
    request: &Map<String, Value>,
) -> Map<String, Value> {
    let mut merged = current.clone();
    for (key, value) in request {
        if asks_default(key, value) || DERIVED.contains(&key.as_str()) {
            continue;
        }
        merged.insert(key.clone(), value.clone());
    }
    if merged.get("enableAutoScaling").and_then(Value::as_bool) != Some(true) {
        for bound in ["minCount", "maxCount"] {
            if !request.contains_key(bound) {
                merged.remove(bound);
            }
        }
    }
    merged
}

/// The state an update shows while it runs: Upgrading for a new version or node image,
/// Stopping/Starting for a power change, Scaling when only the size or its bounds change
/// (all three: provider-apis.md §2.4), Updating otherwise, even when nothing changes.
pub(super) fn transition(
    current: &Map<String, Value>,
    merged: &Map<String, Value>,
) -> ProvisioningState {
    let changed: Vec<&str> = merged
        .iter()
        .filter(|(key, value)| {
            !DERIVED.contains(&key.as_str()) && current.get(key.as_str()) != Some(*value)
        })
        .map(|(key, _)| key.as_str())
        .chain(
            current
                .keys()
                .filter(|key| !merged.contains_key(key.as_str()))
                .map(String::as_str),
        )
        .collect();
    let power = |props: &Map<String, Value>| {
        props
            .get("powerState")
            .and_then(|p| p.get("code"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if changed
        .iter()
        .any(|k| *k == "orchestratorVersion" || *k == "nodeImageVersion")
    {
        ProvisioningState::Upgrading
    } else if power(current) != power(merged) {
        match power(merged).as_deref() {
            Some("Stopped") => ProvisioningState::Stopping,
            _ => ProvisioningState::Starting,
        }
    } else if !changed.is_empty() && changed.iter().all(|k| SCALE_PROPERTIES.contains(k)) {
        ProvisioningState::Scaling
    } else {
        ProvisioningState::Updating
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn fixed_properties_and_os_skus() {
        let current =
            map(json!({"vmSize": "Standard_D4s_v5", "osSKU": "Ubuntu", "osDiskSizeGB": 128}));
        assert!(check_immutable(&current, &map(json!({"vmSize": "standard_d4s_v5"}))).is_ok());
        assert!(check_immutable(&current, &map(json!({"osDiskSizeGB": 0}))).is_ok());
        assert!(check_immutable(&current, &map(json!({"availabilityZones": []}))).is_ok());
        assert!(check_immutable(&current, &map(json!({"availabilityZones": ["1"]}))).is_err());
        let err =
            check_immutable(&current, &map(json!({"vmSize": "Standard_D8s_v5"}))).unwrap_err();
        assert_eq!(err.code, "PropertyChangeNotAllowed");
        assert!(check_immutable(&current, &map(json!({"osSKU": "AzureLinux"}))).is_ok());
        assert!(check_immutable(&current, &map(json!({"osSKU": "Windows2022"}))).is_err());
    }

    #[test]
    fn transitions_name_the_kind_of_change() {
        let current = map(json!({"count": 1, "orchestratorVersion": "1.33.5", "nodeLabels": {}}));
        let scaled = merge(&current, &map(json!({"count": 3})));
        assert_eq!(transition(&current, &scaled), ProvisioningState::Scaling);
        let labelled = merge(
            &current,
            &map(json!({"count": 3, "nodeLabels": {"a": "b"}})),
        );
        assert_eq!(transition(&current, &labelled), ProvisioningState::Updating);
        let same = merge(&current, &map(json!({})));
        assert_eq!(transition(&current, &same), ProvisioningState::Updating);
        let upgraded = merge(&current, &map(json!({"orchestratorVersion": "1.34.1"})));
        assert_eq!(
            transition(&current, &upgraded),
            ProvisioningState::Upgrading
        );
    }
}
