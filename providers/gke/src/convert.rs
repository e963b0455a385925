//! Between poolctl's normalized pool and GKE's NodePool: effects, per-zone counts,
//! accelerators, and the resource labels that carry ownership.

use crate::wire::{
    AcceleratorConfig, GpuDriverInstallationConfig, MaxPodsConstraint, NodeConfig, NodePool,
    NodePoolAutoscaling, NodeTaint,
};
use poolctl_provider::{
    Effect, ExtraValue, Field, Gpu, Health, PoolSpec, PoolState, ProviderError, ProviderResult,
    Scaling, Taint,
};
use std::collections::BTreeMap;

pub fn effect_to_wire(effect: Effect) -> &'static str {
    match effect {
        Effect::NoSchedule => "NO_SCHEDULE",
        Effect::PreferNoSchedule => "PREFER_NO_SCHEDULE",
        Effect::NoExecute => "NO_EXECUTE",
    }
}

pub fn effect_from_wire(effect: &str) -> Option<Effect> {
    match effect {
        "NO_SCHEDULE" => Some(Effect::NoSchedule),
        "PREFER_NO_SCHEDULE" => Some(Effect::PreferNoSchedule),
        "NO_EXECUTE" => Some(Effect::NoExecute),
        _ => None,
    }
}

pub fn taints_to_wire(taints: &[Taint]) -> Vec<NodeTaint> {
    taints
        .iter()
        .map(|t| NodeTaint {
            key: t.key.clone(),
            value: t.value.clone(),
            effect: effect_to_wire(t.effect).to_string(),
        })
        .collect()
}

pub fn accelerators_to_wire(gpu: &Option<Gpu>) -> Vec<AcceleratorConfig> {
    gpu.iter()
        .map(|g| AcceleratorConfig {
            accelerator_count: Some(i64::from(g.count)),
            accelerator_type: g.kind.clone(),
            // Without an explicit driver version GKE installs no driver on current
            // versions, and GPU pods never become schedulable.
            gpu_driver_installation_config: Some(GpuDriverInstallationConfig {
                gpu_driver_version: "DEFAULT".to_string(),
            }),
        })
        .collect()
}

/// GKE counts nodes per zone; poolctl counts the whole pool. A static size that does not
/// divide by the zones would silently become a different size, so it is refused.
pub fn per_zone(total: u32, zones: usize, pool: &str) -> ProviderResult<i32> {
    let zones = zones.max(1) as u32;
    if !total.is_multiple_of(zones) {
        return Err(ProviderError::Config(format!(
            "pool {pool}: size {total} does not divide evenly over {zones} zones; \
             GKE sizes pools per zone"
        )));
    }
    i32::try_from(total / zones)
        .map_err(|_| ProviderError::Config(format!("pool {pool}: size {total} is too large")))
}

pub fn autoscaling_to_wire(min: u32, max: u32) -> NodePoolAutoscaling {
    // total* bounds count the whole pool, the way the blueprint does; they cannot be
    // mixed with the per-zone fields.
    NodePoolAutoscaling {
        enabled: true,
        min_node_count: None,
        max_node_count: None,
        total_min_node_count: Some(min as i32),
        total_max_node_count: Some(max as i32),
    }
}

/// The create body for a pool. `zones` is the pool's zones, or the cluster's when the
/// blueprint names none.
pub fn pool_to_wire(spec: &PoolSpec, zones: &[String]) -> ProviderResult<NodePool> {
    let (initial, autoscaling) = match spec.scaling {
        Scaling::Fixed { nodes } => (per_zone(nodes, zones.len(), &spec.name)?, None),
        Scaling::Autoscale { min, max } => {
            let zones = zones.len().max(1) as u32;
            // Start at the lower bound, rounded up to whole nodes per zone.
            (
                min.div_ceil(zones) as i32,
                Some(autoscaling_to_wire(min, max)),
            )
        }
    };
    let text = |field: Field| match spec.extras.get(&field) {
        Some(ExtraValue::Text(text)) => Some(text.clone()),
        _ => None,
    };
    Ok(NodePool {
        name: spec.name.clone(),
        config: Some(NodeConfig {
            machine_type: Some(spec.machine_type.clone()),
            disk_size_gb: spec.disk_gb.map(|d| d as i32),
            labels: spec.labels.clone(),
            taints: taints_to_wire(&spec.taints),
            resource_labels: spec.tags.clone(),
            spot: spec.spot,
            preemptible: false,
            accelerators: accelerators_to_wire(&spec.gpu),
            image_type: text(Field::ImageType),
            disk_type: text(Field::DiskType),
            service_account: text(Field::ServiceAccount),
            oauth_scopes: match spec.extras.get(&Field::OauthScopes) {
                Some(ExtraValue::List(scopes)) => scopes.clone(),
                _ => Vec::new(),
            },
        }),
        initial_node_count: Some(initial),
        locations: spec.zones.clone(),
        autoscaling,
        max_pods_constraint: match spec.extras.get(&Field::MaxPodsPerNode) {
            Some(ExtraValue::Count(pods)) => Some(MaxPodsConstraint {
                max_pods_per_node: Some(i64::from(*pods)),
            }),
            _ => None,
        },
        instance_group_urls: Vec::new(),
        status: None,
        status_message: None,
        version: None,
    })
}

/// Reads a live pool. `static_nodes` is the summed target size of its instance groups,
/// needed only when autoscaling is off (GKE's NodePool carries no live node count).
pub fn pool_from_wire(pool: &NodePool, static_nodes: Option<u32>) -> PoolSpec {
    let config = pool.config.clone().unwrap_or_default();
    let zones = pool.locations.len().max(1) as u32;
    let scaling = match &pool.autoscaling {
        Some(a) if a.enabled => {
            let min = a
                .total_min_node_count
                .map(|n| n.max(0) as u32)
                .unwrap_or_else(|| a.min_node_count.unwrap_or(0).max(0) as u32 * zones);
            let max = a
                .total_max_node_count
                .map(|n| n.max(0) as u32)
                .unwrap_or_else(|| a.max_node_count.unwrap_or(0).max(0) as u32 * zones);
            Scaling::Autoscale { min, max }
        }
        _ => Scaling::Fixed {
            nodes: static_nodes
                .unwrap_or_else(|| pool.initial_node_count.unwrap_or(0).max(0) as u32 * zones),
        },
    };
    let mut spec = PoolSpec {
        name: pool.name.clone(),
        machine_type: config.machine_type.clone().unwrap_or_default(),
        scaling,
        labels: config.labels.clone(),
        taints: config
            .taints
            .iter()
            .filter_map(|t| {
                effect_from_wire(&t.effect).map(|effect| Taint::new(&t.key, &t.value, effect))
            })
            .collect(),
        spot: config.spot || config.preemptible,
        gpu: config.accelerators.first().map(|a| Gpu {
            kind: a.accelerator_type.clone(),
            count: a.accelerator_count.unwrap_or(1).max(0) as u32,
        }),
        disk_gb: config.disk_size_gb.map(|d| d.max(0) as u32),
        zones: pool.locations.clone(),
        tags: config.resource_labels.clone(),
        extras: extras_from_wire(pool, &config),
    };
    spec.normalize();
    spec
}

/// A pool's health from its `status` and `statusMessage` (NodePool.status in the
/// discovery document). A status poolctl does not know is never taken for ready.
pub fn health_from_wire(pool: &NodePool) -> Health {
    let status = pool.status.clone().unwrap_or_default();
    let message = pool.status_message.clone().filter(|m| !m.is_empty());
    let (state, message) = match status.as_str() {
        "RUNNING" => (PoolState::Ready, message),
        "PROVISIONING" | "RECONCILING" | "STOPPING" => (PoolState::Busy, message),
        "RUNNING_WITH_ERROR" => (PoolState::Degraded, message),
        "ERROR" => (PoolState::Failed, message),
        "" => (
            PoolState::Degraded,
            Some("GKE reported no status for this pool".to_string()),
        ),
        other => (
            PoolState::Degraded,
            Some(match message {
                Some(m) => format!("{m} (a status this version of poolctl does not know: {other})"),
                None => format!("a status this version of poolctl does not know: {other}"),
            }),
        ),
    };
    Health {
        state,
        status,
        message,
    }
}

/// The provider extras GKE reports for a pool; a value GKE leaves out stays out.
fn extras_from_wire(pool: &NodePool, config: &NodeConfig) -> BTreeMap<Field, ExtraValue> {
    let mut extras = BTreeMap::new();
    let texts = [
        (Field::ImageType, &config.image_type),
        (Field::DiskType, &config.disk_type),
        (Field::ServiceAccount, &config.service_account),
    ];
    for (field, value) in texts {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            extras.insert(field, ExtraValue::Text(value.clone()));
        }
    }
    if !config.oauth_scopes.is_empty() {
        extras.insert(
            Field::OauthScopes,
            ExtraValue::List(config.oauth_scopes.clone()),
        );
    }
    let pods = pool
        .max_pods_constraint
        .as_ref()
        .and_then(|m| m.max_pods_per_node)
        .and_then(|n| u32::try_from(n).ok());
    if let Some(pods) = pods {
        extras.insert(Field::MaxPodsPerNode, ExtraValue::Count(pods));
    }
    extras
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(scaling: Scaling) -> PoolSpec {
        let mut spec = PoolSpec {
            name: "highmem".into(),
            machine_type: "n2-highmem-16".into(),
            scaling,
            labels: BTreeMap::from([("high-memory".into(), "true".into())]),
            taints: vec![Taint::new("high-memory", "true", Effect::NoExecute)],
            spot: false,
            gpu: None,
            disk_gb: Some(200),
            zones: vec!["europe-west1-b".into(), "europe-west1-c".into()],
            tags: BTreeMap::from([("poolctl-pool".into(), "highmem".into())]),
            extras: BTreeMap::from([
                (
                    Field::ImageType,
                    ExtraValue::Text("UBUNTU_CONTAINERD".into()),
                ),
                (Field::DiskType, ExtraValue::Text("pd-ssd".into())),
                (
                    Field::ServiceAccount,
                    ExtraValue::Text("nodes@acme.iam.gserviceaccount.com".into()),
                ),
                (
                    Field::OauthScopes,
                    ExtraValue::List(vec![
                        "https://www.googleapis.com/auth/logging.write".into(),
                        "https://www.googleapis.com/auth/monitoring".into(),
                    ]),
                ),
                (Field::MaxPodsPerNode, ExtraValue::Count(64)),
            ]),
        };
        spec.normalize();
        spec
    }

    #[test]
    fn a_pool_survives_the_round_trip_through_the_wire() {
        for scaling in [
            Scaling::Fixed { nodes: 4 },
            Scaling::Autoscale { min: 0, max: 10 },
        ] {
            let desired = spec(scaling);
            let wire = pool_to_wire(&desired, &desired.zones).expect("valid");
            let static_nodes = match scaling {
                Scaling::Fixed { nodes } => Some(nodes),
                Scaling::Autoscale { .. } => None,
            };
            assert_eq!(pool_from_wire(&wire, static_nodes), desired);
        }
    }

    #[test]
    fn every_gke_status_maps_to_a_state_and_unknown_ones_are_never_ready() {
        let health = |status: Option<&str>| {
            let pool = NodePool {
                name: "p".into(),
                status: status.map(str::to_string),
                status_message: Some("details".into()),
                ..NodePool::default()
            };
            health_from_wire(&pool).state
        };
        assert_eq!(health(Some("RUNNING")), PoolState::Ready);
        for busy in ["PROVISIONING", "RECONCILING", "STOPPING"] {
            assert_eq!(health(Some(busy)), PoolState::Busy, "{busy}");
        }
        assert_eq!(health(Some("RUNNING_WITH_ERROR")), PoolState::Degraded);
        assert_eq!(health(Some("ERROR")), PoolState::Failed);
        assert_eq!(health(Some("STATUS_UNSPECIFIED")), PoolState::Degraded);
        assert_eq!(health(Some("REPAIRING")), PoolState::Degraded);
        assert_eq!(health(None), PoolState::Degraded);
    }

    #[test]
    fn static_sizes_are_split_per_zone_or_refused() {
        let wire = pool_to_wire(
            &spec(Scaling::Fixed { nodes: 4 }),
            &["a".into(), "b".into()],
        )
        .expect("divides");
        assert_eq!(wire.initial_node_count, Some(2));
        let three = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert!(pool_to_wire(&spec(Scaling::Fixed { nodes: 4 }), &three).is_err());
    }
}
