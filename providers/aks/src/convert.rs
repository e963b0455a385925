//! Between poolctl's normalized pool and ARM's AgentPool: reading a pool, its health, the
//! body of a create, and an update applied to the pool object as GET returned it.

use crate::wire::AgentPool;
use poolctl_provider::capability::AKS;
use poolctl_provider::owned::with_live_cloud_owned;
use poolctl_provider::{
    machines, without_cloud_owned, Capability, ExtraValue, Field, Health, PoolSpec, PoolState,
    PoolUpdate, ProviderError, ProviderResult, Scaling, Taint,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const PROVIDER: &str = "aks";

/// Properties of AgentPool that ARM sets and a PUT must not carry, from the official model
/// at 2026-08-01 (azure-mgmt-containerservice 41.8.0: the fields whose only visibility is
/// `read`): `eTag`, `currentOrchestratorVersion`, `provisioningState`, everything under
/// `status` (only `provisioningError`, read-only). `localDNSProfile.state` is read-only
/// too and is removed where it is nested. The resource's own `id`, `name`, `type` and
/// `systemData` are read-only: only `properties` is sent.
const READ_ONLY_PROPERTIES: &[&str] = &[
    "eTag",
    "currentOrchestratorVersion",
    "provisioningState",
    "status",
];

/// Writable in the model, but not sent back: setting `nodeImageVersion` asks AKS to roll
/// the nodes back to that image (only versions in `recentlyUsedVersions` are allowed).
/// poolctl never means a rollback, and leaving it out keeps the current image.
const NOT_SENT_BACK: &[&str] = &["nodeImageVersion"];

/// The words of `provisioningState` that mean nothing is in progress. The set is open
/// (provider-apis.md §2.4): any other word is taken as an operation in progress.
pub fn is_in_progress(state: &str) -> bool {
    !["succeeded", "failed", "canceled", "cancelled"]
        .iter()
        .any(|done| state.eq_ignore_ascii_case(done))
}

/// Parses `nodeTaints` (`key=value:Effect`). A taint poolctl cannot read is left out with
/// a warning rather than failing the whole plan.
pub fn taints_from_wire(pool: &str, taints: &[String]) -> Vec<Taint> {
    taints
        .iter()
        .filter_map(|text| match text.parse::<Taint>() {
            Ok(taint) => Some(taint),
            Err(e) => {
                tracing::warn!("agent pool {pool}: ignoring the taint `{text}`: {e}");
                None
            }
        })
        .collect()
}

pub fn taints_to_wire(taints: &[Taint]) -> Vec<String> {
    taints.iter().map(Taint::to_string).collect()
}

pub fn pool_from_wire(pool: &AgentPool) -> PoolSpec {
    let p = &pool.properties;
    let scaling = if p.enable_auto_scaling == Some(true) {
        let min = p.min_count.unwrap_or(0);
        Scaling::Autoscale {
            min,
            max: p.max_count.unwrap_or(min),
        }
    } else {
        Scaling::Fixed {
            nodes: p.count.unwrap_or(0),
        }
    };
    let machine_type = p.vm_size.clone().unwrap_or_default();
    let mut extras = BTreeMap::new();
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| ExtraValue::Text(v.to_string()))
    };
    for (field, value) in [
        (Field::OsSku, text(&p.os_sku)),
        (Field::MaxPods, p.max_pods.map(ExtraValue::Count)),
        (Field::OsDiskType, text(&p.os_disk_type)),
        (Field::VnetSubnetId, text(&p.vnet_subnet_id)),
        (Field::Mode, text(&p.mode)),
    ] {
        if let Some(value) = value {
            extras.insert(field, value);
        }
    }
    let mut spec = PoolSpec {
        name: pool.name.clone(),
        gpu: machines::aks_vm_gpus(&machine_type),
        machine_type,
        scaling,
        labels: p.node_labels.clone().unwrap_or_default(),
        taints: taints_from_wire(&pool.name, p.node_taints.as_deref().unwrap_or_default()),
        spot: p
            .scale_set_priority
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("Spot")),
        // 0 asks for the VM size's default; a live pool reports the real size.
        disk_gb: p.os_disk_size_gb.filter(|gb| *gb > 0),
        zones: p.availability_zones.clone().unwrap_or_default(),
        tags: p.tags.clone().unwrap_or_default(),
        extras,
    };
    spec.normalize();
    spec
}

pub fn health_from_wire(pool: &AgentPool) -> Health {
    let p = &pool.properties;
    let Some(state) = p.provisioning_state.clone() else {
        return Health {
            state: PoolState::Ready,
            status: "Unknown".into(),
            message: Some("AKS reported no provisioningState".into()),
        };
    };
    if state.eq_ignore_ascii_case("Succeeded") {
        let stopped = p
            .power_state
            .as_ref()
            .and_then(|s| s.code.as_deref())
            .is_some_and(|code| code.eq_ignore_ascii_case("Stopped"));
        if stopped {
            return Health {
                state: PoolState::Degraded,
                status: "Stopped".into(),
                message: Some(
                    "the pool is stopped (powerState Stopped): it has no running nodes until \
                     it is started (`az aks nodepool start`)"
                        .into(),
                ),
            };
        }
        return Health::ready(state);
    }
    if state.eq_ignore_ascii_case("Failed") {
        let message = p
            .status
            .as_ref()
            .and_then(|s| s.provisioning_error.as_ref())
            .map(|e| match (e.code.is_empty(), e.full_message()) {
                (false, m) => format!("{}: {m}", e.code),
                (true, m) => m,
            })
            .filter(|m| !m.is_empty());
        return Health {
            state: PoolState::Failed,
            status: state,
            message,
        };
    }
    if state.eq_ignore_ascii_case("Canceled") || state.eq_ignore_ascii_case("Cancelled") {
        // The pool exists and its nodes run, but its last operation stopped part way: its
        // settings may be neither the old nor the new ones.
        return Health {
            state: PoolState::Degraded,
            status: state,
            message: Some(
                "the last operation on this pool was canceled before it finished; its \
                 settings may be partly applied"
                    .into(),
            ),
        };
    }
    Health {
        state: PoolState::Busy,
        status: state,
        message: None,
    }
}

fn extra_text(spec: &PoolSpec, field: Field) -> ProviderResult<Option<&str>> {
    match spec.extras.get(&field) {
        None => Ok(None),
        Some(ExtraValue::Text(text)) => Ok(Some(text)),
        Some(other) => Err(wrong_kind(&spec.name, field, other, "text")),
    }
}

fn extra_count(spec: &PoolSpec, field: Field) -> ProviderResult<Option<u32>> {
    match spec.extras.get(&field) {
        None => Ok(None),
        Some(ExtraValue::Count(n)) => Ok(Some(*n)),
        Some(other) => Err(wrong_kind(&spec.name, field, other, "a number")),
    }
}

fn wrong_kind(pool: &str, field: Field, value: &ExtraValue, kind: &str) -> ProviderError {
    ProviderError::Config(format!(
        "pool {pool}: {} must be {kind}, not `{value}`",
        field.blueprint_key()
    ))
}

/// The body of a create: only writable properties, and none of the values AKS adds itself
/// (the spot label and taint: the official AgentPoolsCreate_Spot example sends neither).
pub fn create_body(spec: &PoolSpec) -> ProviderResult<Value> {
    if let (Some(wanted), Some(known)) = (&spec.gpu, machines::aks_vm_gpus(&spec.machine_type)) {
        if *wanted != known {
            return Err(ProviderError::Config(format!(
                "pool {}: vmSize {} has {} x {}, not the {} x {} the blueprint asks for",
                spec.name, spec.machine_type, known.count, known.kind, wanted.count, wanted.kind
            )));
        }
    }
    let sent = without_cloud_owned(PROVIDER, spec);
    let mut p = Map::new();
    p.insert("type".into(), json!("VirtualMachineScaleSets"));
    p.insert("osType".into(), json!("Linux"));
    p.insert("vmSize".into(), json!(spec.machine_type));
    match spec.scaling {
        Scaling::Fixed { nodes } => {
            p.insert("count".into(), json!(nodes));
            p.insert("enableAutoScaling".into(), json!(false));
        }
        Scaling::Autoscale { min, max } => {
            // `count` must lie within [minCount, maxCount]; the autoscaler moves it from
            // there.
            p.insert("count".into(), json!(min));
            p.insert("enableAutoScaling".into(), json!(true));
            p.insert("minCount".into(), json!(min));
            p.insert("maxCount".into(), json!(max));
        }
    }
    p.insert(
        "mode".into(),
        json!(extra_text(spec, Field::Mode)?.unwrap_or("User")),
    );
    if let Some(sku) = extra_text(spec, Field::OsSku)? {
        p.insert("osSKU".into(), json!(sku));
    }
    if let Some(disk_type) = extra_text(spec, Field::OsDiskType)? {
        p.insert("osDiskType".into(), json!(disk_type));
    }
    if let Some(max_pods) = extra_count(spec, Field::MaxPods)? {
        p.insert("maxPods".into(), json!(max_pods));
    }
    if let Some(subnet) = extra_text(spec, Field::VnetSubnetId)? {
        p.insert("vnetSubnetID".into(), json!(subnet));
    }
    if let Some(gb) = spec.disk_gb {
        p.insert("osDiskSizeGB".into(), json!(gb));
    }
    if !spec.zones.is_empty() {
        p.insert("availabilityZones".into(), json!(spec.zones));
    }
    p.insert("nodeLabels".into(), json!(sent.labels));
    p.insert("nodeTaints".into(), json!(taints_to_wire(&sent.taints)));
    p.insert("tags".into(), json!(spec.tags));
    if spec.spot {
        p.insert("scaleSetPriority".into(), json!("Spot"));
        p.insert("scaleSetEvictionPolicy".into(), json!("Delete"));
        // -1: pay up to the on-demand price, never evicted for price.
        p.insert("spotMaxPrice".into(), json!(-1));
    }
    Ok(json!({ "properties": p }))
}

/// An update ready to PUT: the body and the properties it changed (to recognize the
/// update on the live pool when its answer was lost).
pub struct UpdateBody {
    pub body: Value,
    pub changed: Vec<&'static str>,
}

/// Applies `updates` to the pool object as GET returned it, and leaves only what a PUT
/// may carry. Everything poolctl does not change goes back as it was: AKS has no PATCH,
/// and a property left out of a PUT falls back to its default.
pub fn update_body(live_json: &Value, updates: &[PoolUpdate]) -> ProviderResult<UpdateBody> {
    let live: AgentPool =
        serde_json::from_value(live_json.clone()).map_err(|e| ProviderError::Protocol {
            call: "read agent pool".into(),
            message: format!("unexpected JSON: {e}"),
        })?;
    let live_spec = pool_from_wire(&live);
    let mut props = match live_json.get("properties") {
        Some(Value::Object(props)) => props.clone(),
        _ => Map::new(),
    };
    let mut changed = Vec::new();
    for update in updates {
        match update {
            PoolUpdate::Labels(labels) => {
                let mut desired = live_spec.clone();
                desired.labels = labels.clone();
                let sent = with_live_cloud_owned(PROVIDER, &desired, &live_spec);
                props.insert("nodeLabels".into(), json!(sent.labels));
                changed.push("nodeLabels");
            }
            PoolUpdate::Taints(taints) => {
                let mut desired = live_spec.clone();
                desired.taints = taints.clone();
                desired.normalize();
                let sent = with_live_cloud_owned(PROVIDER, &desired, &live_spec);
                props.insert("nodeTaints".into(), json!(taints_to_wire(&sent.taints)));
                changed.push("nodeTaints");
            }
            PoolUpdate::Scaling(Scaling::Autoscale { min, max }) => {
                let count = props
                    .get("count")
                    .and_then(Value::as_u64)
                    .map_or(*min, |c| u32::try_from(c).unwrap_or(u32::MAX))
                    .clamp(*min, (*max).max(*min));
                props.insert("enableAutoScaling".into(), json!(true));
                props.insert("minCount".into(), json!(min));
                props.insert("maxCount".into(), json!(max));
                props.insert("count".into(), json!(count));
                changed.extend(["enableAutoScaling", "minCount", "maxCount", "count"]);
            }
            PoolUpdate::Scaling(Scaling::Fixed { nodes }) => {
                // With autoscaling off, minCount and maxCount must be null (§2.6).
                props.insert("enableAutoScaling".into(), json!(false));
                props.remove("minCount");
                props.remove("maxCount");
                props.insert("count".into(), json!(nodes));
                changed.extend(["enableAutoScaling", "count"]);
            }
            PoolUpdate::Tags(tags) => {
                props.insert("tags".into(), json!(tags));
                changed.push("tags");
            }
            PoolUpdate::Extra {
                field: Field::OsSku,
                value: ExtraValue::Text(sku),
            } => {
                props.insert("osSKU".into(), json!(sku));
                changed.push("osSKU");
            }
            PoolUpdate::Extra {
                field: Field::Mode,
                value: ExtraValue::Text(mode),
            } => {
                props.insert("mode".into(), json!(mode));
                changed.push("mode");
            }
            other => return Err(not_in_place(&live.name, other)),
        }
    }
    strip_read_only(&mut props);
    Ok(UpdateBody {
        body: json!({ "properties": props }),
        changed,
    })
}

fn update_field(update: &PoolUpdate) -> Field {
    match update {
        PoolUpdate::MachineType(_) => Field::MachineType,
        PoolUpdate::DiskGb(_) => Field::DiskGb,
        PoolUpdate::Labels(_) => Field::Labels,
        PoolUpdate::Taints(_) => Field::Taints,
        PoolUpdate::Scaling(_) => Field::Scaling,
        PoolUpdate::Zones(_) => Field::Zones,
        PoolUpdate::Gpu(_) => Field::Gpu,
        PoolUpdate::Tags(_) => Field::Tags,
        PoolUpdate::Extra { field, .. } => *field,
    }
}

/// The plan asked for a change that AKS's capability table does not make in place.
fn not_in_place(pool: &str, update: &PoolUpdate) -> ProviderError {
    let field = update_field(update);
    let why = match AKS.get(field) {
        Capability::Replace { why } | Capability::Unsupported { why } => why.to_string(),
        Capability::InPlace { .. } => format!("the value {update:?} has the wrong kind"),
    };
    ProviderError::Config(format!(
        "agent pool {pool}: the AKS capability table does not allow changing {} in place ({why}); \
         plan again so that the pool is replaced",
        field.blueprint_key()
    ))
}

fn strip_read_only(props: &mut Map<String, Value>) {
    for key in READ_ONLY_PROPERTIES.iter().chain(NOT_SENT_BACK) {
        props.remove(*key);
    }
    if let Some(Value::Object(dns)) = props.get_mut("localDNSProfile") {
        dns.remove("state");
    }
}

/// Whether the live pool carries the `changed` properties of `sent`: after a PUT whose
/// answer was lost, that tells whether it landed. Lists compare as sets (AKS may reorder
/// taints or zones).
pub fn carries(live_json: &Value, sent: &Value, changed: &[&str]) -> bool {
    let normalized = |value: Option<&Value>| match value {
        Some(Value::Array(items)) => {
            let mut items: Vec<String> = items.iter().map(Value::to_string).collect();
            items.sort();
            Some(Value::from(items))
        }
        Some(other) => Some(other.clone()),
        None => None,
    };
    changed.iter().all(|key| {
        normalized(live_json.pointer(&format!("/properties/{key}")))
            == normalized(sent.pointer(&format!("/properties/{key}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use poolctl_provider::{Effect, Gpu};

    fn live_json() -> Value {
        json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/agentPools/spot1",
            "name": "spot1",
            "type": "Microsoft.ContainerService/managedClusters/agentPools",
            "properties": {
                "eTag": "etag-1",
                "count": 4,
                "vmSize": "Standard_NC4as_T4_v3",
                "osDiskSizeGB": 128,
                "osDiskType": "Managed",
                "maxPods": 110,
                "osType": "Linux",
                "osSKU": "Ubuntu",
                "enableAutoScaling": true,
                "minCount": 1,
                "maxCount": 5,
                "mode": "User",
                "orchestratorVersion": "1.33",
                "currentOrchestratorVersion": "1.33.2",
                "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202611.01.0",
                "provisioningState": "Succeeded",
                "powerState": {"code": "Running"},
                "availabilityZones": ["3", "1"],
                "scaleSetPriority": "Spot",
                "scaleSetEvictionPolicy": "Delete",
                "spotMaxPrice": -1,
                "upgradeSettings": {"maxSurge": "10%"},
                "tags": {"owner": "poolctl"},
                "nodeLabels": {"team": "ml", "kubernetes.azure.com/scalesetpriority": "spot"},
                "nodeTaints": ["gpu=true:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
                "localDNSProfile": {"mode": "Preferred", "state": "Enabled"},
                "status": {}
            }
        })
    }

    fn live() -> AgentPool {
        serde_json::from_value(live_json()).expect("agent pool")
    }

    #[test]
    fn a_live_pool_reads_into_the_normalized_model() {
        let spec = pool_from_wire(&live());
        assert_eq!(spec.name, "spot1");
        assert_eq!(spec.machine_type, "Standard_NC4as_T4_v3");
        assert_eq!(spec.scaling, Scaling::Autoscale { min: 1, max: 5 });
        assert!(spec.spot);
        assert_eq!(
            spec.gpu,
            Some(Gpu {
                kind: "nvidia-t4".into(),
                count: 1
            })
        );
        assert_eq!(spec.disk_gb, Some(128));
        assert_eq!(spec.zones, vec!["1", "3"]);
        assert_eq!(spec.labels.get("team").map(String::as_str), Some("ml"));
        assert_eq!(
            spec.taints,
            vec![
                Taint::new("gpu", "true", Effect::NoSchedule),
                Taint::new(
                    "kubernetes.azure.com/scalesetpriority",
                    "spot",
                    Effect::NoSchedule
                ),
            ]
        );
        assert_eq!(
            spec.extras.get(&Field::MaxPods),
            Some(&ExtraValue::Count(110))
        );
        assert_eq!(
            spec.extras.get(&Field::Mode),
            Some(&ExtraValue::Text("User".into()))
        );
        assert_eq!(spec.extras.get(&Field::VnetSubnetId), None);
        assert_eq!(health_from_wire(&live()), Health::ready("Succeeded"));
    }

    #[test]
    fn a_static_pool_reads_its_count_and_a_bad_taint_is_skipped() {
        let mut pool = live();
        pool.properties.enable_auto_scaling = Some(false);
        pool.properties.node_taints = Some(vec!["nonsense".into()]);
        let spec = pool_from_wire(&pool);
        assert_eq!(spec.scaling, Scaling::Fixed { nodes: 4 });
        assert!(spec.taints.is_empty());
    }

    #[test]
    fn health_follows_provisioning_and_power_state() {
        let with = |state: &str| {
            let mut pool = live();
            pool.properties.provisioning_state = Some(state.into());
            health_from_wire(&pool)
        };
        for busy in [
            "Creating",
            "Updating",
            "Scaling",
            "Upgrading",
            "Deleting",
            "Starting",
            "Stopping",
            "Migrating",
        ] {
            let health = with(busy);
            assert_eq!(health.state, PoolState::Busy, "{busy}");
            assert_eq!(health.status, busy);
        }
        let canceled = with("Canceled");
        assert_eq!(canceled.state, PoolState::Degraded);
        assert!(canceled.message.is_some());

        let mut failed: AgentPool = serde_json::from_value(json!({
            "name": "p",
            "properties": {"provisioningState": "Failed", "status": {"provisioningError": {
                "code": "QuotaExceeded", "message": "Operation could not be completed as it results in exceeding approved standardNCASv3_T4 Family Cores quota."}}}
        }))
        .expect("pool");
        let health = health_from_wire(&failed);
        assert_eq!(health.state, PoolState::Failed);
        assert_eq!(health.status, "Failed");
        assert!(health
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("QuotaExceeded: Operation could not")));
        failed.properties.status = None;
        assert_eq!(health_from_wire(&failed).message, None);

        let mut stopped = live();
        stopped.properties.power_state = Some(crate::wire::PowerState {
            code: Some("Stopped".into()),
        });
        let health = health_from_wire(&stopped);
        assert_eq!(health.state, PoolState::Degraded);
        assert_eq!(health.status, "Stopped");
    }

    fn spot_spec() -> PoolSpec {
        let mut spec = pool_from_wire(&live());
        spec.extras.clear();
        spec.extras
            .insert(Field::OsSku, ExtraValue::Text("AzureLinux".into()));
        spec.extras.insert(Field::MaxPods, ExtraValue::Count(50));
        spec
    }

    #[test]
    fn a_create_sends_only_what_a_client_writes() {
        let body = create_body(&spot_spec()).expect("body");
        let p = &body["properties"];
        assert_eq!(p["vmSize"], "Standard_NC4as_T4_v3");
        assert_eq!(p["count"], 1);
        assert_eq!(p["enableAutoScaling"], true);
        assert_eq!(
            (p["minCount"].clone(), p["maxCount"].clone()),
            (json!(1), json!(5))
        );
        assert_eq!(p["mode"], "User");
        assert_eq!(p["osType"], "Linux");
        assert_eq!(p["osSKU"], "AzureLinux");
        assert_eq!(p["maxPods"], 50);
        assert_eq!(p["osDiskSizeGB"], 128);
        assert_eq!(p["availabilityZones"], json!(["1", "3"]));
        assert_eq!(p["type"], "VirtualMachineScaleSets");
        assert_eq!(p["scaleSetPriority"], "Spot");
        assert_eq!(p["scaleSetEvictionPolicy"], "Delete");
        assert_eq!(p["spotMaxPrice"], -1);
        // AKS adds the spot label and taint itself.
        assert_eq!(p["nodeLabels"], json!({"team": "ml"}));
        assert_eq!(p["nodeTaints"], json!(["gpu=true:NoSchedule"]));
        assert!(p.get("osDiskType").is_none() && p.get("vnetSubnetID").is_none());
        assert!(body.get("name").is_none() && p.get("eTag").is_none());
    }

    #[test]
    fn a_static_create_has_no_autoscaler_bounds() {
        let mut spec = spot_spec();
        spec.scaling = Scaling::Fixed { nodes: 3 };
        spec.spot = false;
        spec.extras
            .insert(Field::Mode, ExtraValue::Text("System".into()));
        let body = create_body(&spec).expect("body");
        let p = &body["properties"];
        assert_eq!(p["count"], 3);
        assert_eq!(p["enableAutoScaling"], false);
        assert_eq!(p["mode"], "System");
        assert!(p.get("minCount").is_none() && p.get("maxCount").is_none());
        assert!(p.get("scaleSetPriority").is_none());
        // Not a spot pool: the label is the user's and goes out.
        assert_eq!(
            p["nodeLabels"]["kubernetes.azure.com/scalesetpriority"],
            "spot"
        );
    }

    #[test]
    fn a_wrong_gpu_or_extra_kind_is_refused() {
        let mut spec = spot_spec();
        spec.gpu = Some(Gpu {
            kind: "nvidia-a100".into(),
            count: 1,
        });
        assert!(matches!(create_body(&spec), Err(ProviderError::Config(_))));
        let mut spec = spot_spec();
        spec.extras
            .insert(Field::MaxPods, ExtraValue::Text("many".into()));
        assert!(matches!(create_body(&spec), Err(ProviderError::Config(_))));
    }

    #[test]
    fn an_update_keeps_everything_else_and_drops_read_only_properties() {
        let update = update_body(
            &live_json(),
            &[
                PoolUpdate::Labels(BTreeMap::from([("team".into(), "research".into())])),
                PoolUpdate::Taints(vec![]),
                PoolUpdate::Tags(BTreeMap::new()),
            ],
        )
        .expect("update");
        let body = &update.body;
        assert_eq!(
            body.as_object().map(|o| o.len()),
            Some(1),
            "only properties: {body}"
        );
        let p = &body["properties"];
        for gone in [
            "eTag",
            "currentOrchestratorVersion",
            "provisioningState",
            "status",
            "nodeImageVersion",
        ] {
            assert!(p.get(gone).is_none(), "{gone} sent: {p}");
        }
        assert!(p["localDNSProfile"].get("state").is_none());
        assert_eq!(p["localDNSProfile"]["mode"], "Preferred");
        // The spot label and taint stay: AKS would otherwise be asked to remove them.
        assert_eq!(
            p["nodeLabels"],
            json!({"team": "research", "kubernetes.azure.com/scalesetpriority": "spot"})
        );
        assert_eq!(
            p["nodeTaints"],
            json!(["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"])
        );
        assert_eq!(p["tags"], json!({}));
        for kept in [
            "vmSize",
            "osDiskSizeGB",
            "powerState",
            "upgradeSettings",
            "orchestratorVersion",
            "spotMaxPrice",
            "count",
        ] {
            assert_eq!(p[kept], live_json()["properties"][kept], "{kept}");
        }
        assert_eq!(update.changed, vec!["nodeLabels", "nodeTaints", "tags"]);
        assert!(carries(
            &json!({"properties": p.clone()}),
            body,
            &update.changed
        ));
        assert!(!carries(&live_json(), body, &update.changed));
    }

    #[test]
    fn scaling_updates_set_the_autoscaler_fields() {
        let to_fixed = update_body(
            &live_json(),
            &[PoolUpdate::Scaling(Scaling::Fixed { nodes: 2 })],
        )
        .expect("update");
        let p = &to_fixed.body["properties"];
        assert_eq!(p["enableAutoScaling"], false);
        assert_eq!(p["count"], 2);
        assert!(p.get("minCount").is_none() && p.get("maxCount").is_none());

        // The live count (4) is moved into the new bounds.
        let narrower = update_body(
            &live_json(),
            &[PoolUpdate::Scaling(Scaling::Autoscale { min: 5, max: 8 })],
        )
        .expect("update");
        let p = &narrower.body["properties"];
        assert_eq!(
            (
                p["minCount"].clone(),
                p["maxCount"].clone(),
                p["count"].clone()
            ),
            (json!(5), json!(8), json!(5))
        );
        let lower = update_body(
            &live_json(),
            &[PoolUpdate::Scaling(Scaling::Autoscale { min: 0, max: 2 })],
        )
        .expect("update");
        assert_eq!(lower.body["properties"]["count"], 2);
    }

    #[test]
    fn extras_change_in_place_only_where_the_table_says_so() {
        let update = update_body(
            &live_json(),
            &[
                PoolUpdate::Extra {
                    field: Field::OsSku,
                    value: ExtraValue::Text("AzureLinux".into()),
                },
                PoolUpdate::Extra {
                    field: Field::Mode,
                    value: ExtraValue::Text("System".into()),
                },
            ],
        )
        .expect("update");
        assert_eq!(update.body["properties"]["osSKU"], "AzureLinux");
        assert_eq!(update.body["properties"]["mode"], "System");
        for refused in [
            PoolUpdate::MachineType("Standard_D4s_v5".into()),
            PoolUpdate::Zones(vec!["1".into()]),
            PoolUpdate::Extra {
                field: Field::MaxPods,
                value: ExtraValue::Count(30),
            },
        ] {
            let err = update_body(&live_json(), &[refused])
                .err()
                .map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains("capability table")),
                "{err:?}"
            );
        }
    }
}
