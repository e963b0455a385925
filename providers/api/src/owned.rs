//! What the cloud owns: labels and taints that a cloud writes into a pool's own API object
//! by itself, listed once here so that planning never shows them as drift.
//!
//! Only values in the pool object count. Labels that a cloud puts on the Kubernetes Node
//! objects alone (GKE `cloud.google.com/gke-nodepool`, EKS `eks.amazonaws.com/nodegroup`)
//! never reach [`PoolSpec`] and need no entry. Facts: provider-apis.md sections 1.6, 2.6
//! and 3.6.
//!
//! Planning strips these from BOTH the desired and the live spec before diffing
//! ([`without_cloud_owned`]): a live pool that carries one is not a diff, and neither is a
//! blueprint that states one. Stripping is for comparing only. An update must still send
//! the full set: GKE (`labels`, `taints`) and AKS (`nodeLabels`, `nodeTaints`) replace the
//! whole set on update, so a PUT without an owned taint that the live pool carries would
//! remove it. [`with_live_cloud_owned`] puts them back.

use crate::model::{Effect, PoolSpec, Taint};

/// A label or taint that a cloud adds to the pool object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedValue {
    Label {
        key: &'static str,
        value: &'static str,
    },
    Taint {
        key: &'static str,
        value: &'static str,
        effect: Effect,
    },
}

/// On which pools the value is treated as the cloud's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedOn {
    /// Every pool: only the cloud ever adds this value, so wherever it appears it is the
    /// cloud's (and a blueprint that states it agrees with the cloud).
    AnyPool,
    /// Spot pools only ([`PoolSpec::spot`]).
    SpotPools,
}

impl OwnedOn {
    fn applies_to(self, spec: &PoolSpec) -> bool {
        match self {
            OwnedOn::AnyPool => true,
            OwnedOn::SpotPools => spec.spot,
        }
    }
}

/// One entry of [`CLOUD_OWNED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloudOwned {
    /// Provider as named in blueprints (`gke`, `aks`, `eks`).
    pub provider: &'static str,
    pub value: OwnedValue,
    pub on: OwnedOn,
}

/// Every label and taint a cloud injects into the pool object.
///
/// EKS has no entry: the node-group object's `labels` and `taints` hold only what the
/// caller sent. Its system labels (`eks.amazonaws.com/nodegroup`, `.../capacityType`,
/// `.../nodegroup-image`) exist only on the Nodes (provider-apis.md §3.6), and EKS adds
/// no GPU taint (§3.2).
pub static CLOUD_OWNED: &[CloudOwned] = &[
    // AKS spot pools: AKS writes this label into `nodeLabels` (§2.6). Not ignoring it made
    // every apply plan a replacement (terraform-provider-azurerm#14616, #9454, fixed by
    // PR #14030) and made cluster-api-provider-azure reconcile forever (#3976).
    CloudOwned {
        provider: "aks",
        value: OwnedValue::Label {
            key: "kubernetes.azure.com/scalesetpriority",
            value: "spot",
        },
        on: OwnedOn::SpotPools,
    },
    // AKS spot pools: the matching taint in `nodeTaints` (§2.6; same issues). It is a system
    // taint users cannot remove (Azure/AKS#2934), so diffing it could never converge.
    CloudOwned {
        provider: "aks",
        value: OwnedValue::Taint {
            key: "kubernetes.azure.com/scalesetpriority",
            value: "spot",
            effect: Effect::NoSchedule,
        },
        on: OwnedOn::SpotPools,
    },
    // GKE adds the NVIDIA taint to pools with accelerators when the cluster also has
    // non-GPU pools, never retroactively, and sometimes not at all because of a race
    // (terraform-google-kubernetes-engine#703). It shows in the pool's taints and caused
    // forced replacements and crashes (hashicorp/terraform#19133,
    // terraform-provider-google#7928). Whether it is there depends on the cluster's
    // history, not on the pool: ignore it on any pool.
    CloudOwned {
        provider: "gke",
        value: OwnedValue::Taint {
            key: "nvidia.com/gpu",
            value: "present",
            effect: Effect::NoSchedule,
        },
        on: OwnedOn::AnyPool,
    },
    // GKE Sandbox (gVisor) pools get this taint from GKE (§1.6, unconfirmed); only GKE
    // adds it.
    CloudOwned {
        provider: "gke",
        value: OwnedValue::Taint {
            key: "sandbox.gke.io/runtime",
            value: "gvisor",
            effect: Effect::NoSchedule,
        },
        on: OwnedOn::AnyPool,
    },
    // GKE Windows pools get an implicit OS taint (cloud-foundation-fabric#374, §1.6); only
    // GKE adds it.
    CloudOwned {
        provider: "gke",
        value: OwnedValue::Taint {
            key: "node.kubernetes.io/os",
            value: "windows",
            effect: Effect::NoSchedule,
        },
        on: OwnedOn::AnyPool,
    },
];

fn entries(provider: &str) -> impl Iterator<Item = &'static CloudOwned> + '_ {
    CLOUD_OWNED.iter().filter(move |o| o.provider == provider)
}

fn label_matches(value: &OwnedValue, key: &str, label_value: &str) -> bool {
    matches!(value, OwnedValue::Label { key: k, value: v } if *k == key && *v == label_value)
}

fn taint_matches(value: &OwnedValue, taint: &Taint) -> bool {
    matches!(value, OwnedValue::Taint { key, value, effect }
        if *key == taint.key && *value == taint.value && *effect == taint.effect)
}

fn owned_label_on(provider: &str, spec: &PoolSpec, key: &str, value: &str) -> bool {
    entries(provider).any(|o| o.on.applies_to(spec) && label_matches(&o.value, key, value))
}

fn owned_taint_on(provider: &str, spec: &PoolSpec, taint: &Taint) -> bool {
    entries(provider).any(|o| o.on.applies_to(spec) && taint_matches(&o.value, taint))
}

/// Whether `provider` injects this taint into some pools. Says nothing about whether it
/// would on a given pool: [`without_cloud_owned`] checks that.
pub fn is_cloud_owned_taint(provider: &str, taint: &Taint) -> bool {
    entries(provider).any(|o| taint_matches(&o.value, taint))
}

/// Whether `provider` injects the label `key=value` into some pools.
pub fn is_cloud_owned_label(provider: &str, key: &str, value: &str) -> bool {
    entries(provider).any(|o| label_matches(&o.value, key, value))
}

/// A copy of `spec` without the labels and taints that `provider` owns on such a pool.
/// Apply it to both the desired and the live spec before comparing them.
pub fn without_cloud_owned(provider: &str, spec: &PoolSpec) -> PoolSpec {
    let mut out = spec.clone();
    out.labels
        .retain(|key, value| !owned_label_on(provider, spec, key, value));
    out.taints
        .retain(|taint| !owned_taint_on(provider, spec, taint));
    out
}

/// `desired` plus the cloud-owned labels and taints that `live` carries: the full set an
/// update must send where the cloud replaces the whole set (GKE, AKS), so that the update
/// does not remove what the cloud added.
pub fn with_live_cloud_owned(provider: &str, desired: &PoolSpec, live: &PoolSpec) -> PoolSpec {
    let mut out = desired.clone();
    for (key, value) in &live.labels {
        if owned_label_on(provider, live, key, value) {
            out.labels
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }
    for taint in &live.taints {
        if owned_taint_on(provider, live, taint) {
            out.taints.push(taint.clone());
        }
    }
    out.normalize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Gpu, Scaling};
    use std::collections::BTreeMap;

    fn pool(spot: bool) -> PoolSpec {
        PoolSpec {
            name: "batch".into(),
            machine_type: "Standard_D8s_v5".into(),
            scaling: Scaling::Autoscale { min: 0, max: 20 },
            labels: BTreeMap::from([("team".into(), "data".into())]),
            taints: vec![Taint::new("batch", "true", Effect::NoSchedule)],
            spot,
            gpu: None,
            disk_gb: None,
            zones: Vec::new(),
            tags: BTreeMap::new(),
            extras: BTreeMap::new(),
        }
    }

    fn aks_spot_label() -> (String, String) {
        (
            "kubernetes.azure.com/scalesetpriority".into(),
            "spot".into(),
        )
    }

    fn aks_spot_taint() -> Taint {
        Taint::new(
            "kubernetes.azure.com/scalesetpriority",
            "spot",
            Effect::NoSchedule,
        )
    }

    fn gpu_taint() -> Taint {
        Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule)
    }

    fn with_owned_aks(mut spec: PoolSpec) -> PoolSpec {
        let (k, v) = aks_spot_label();
        spec.labels.insert(k, v);
        spec.taints.push(aks_spot_taint());
        spec.normalize();
        spec
    }

    /// azurerm#14616: AKS adds the spot label and taint; a blueprint without them must
    /// not plan a change against the live pool that has them.
    #[test]
    fn aks_spot_pool_without_the_injected_values_equals_the_live_pool() {
        let desired = pool(true);
        let live = with_owned_aks(pool(true));
        assert_ne!(desired, live);
        assert_eq!(
            without_cloud_owned("aks", &desired),
            without_cloud_owned("aks", &live)
        );
    }

    #[test]
    fn aks_blueprint_that_states_the_injected_values_equals_too() {
        let desired = with_owned_aks(pool(true));
        let live = with_owned_aks(pool(true));
        assert_eq!(
            without_cloud_owned("aks", &desired),
            without_cloud_owned("aks", &live)
        );
        assert_eq!(without_cloud_owned("aks", &desired), pool(true));
    }

    #[test]
    fn aks_spot_values_are_the_clouds_only_on_spot_pools() {
        let regular = with_owned_aks(pool(false));
        assert_eq!(without_cloud_owned("aks", &regular), regular);
    }

    #[test]
    fn the_same_values_are_ordinary_on_other_clouds() {
        let spec = with_owned_aks(pool(true));
        assert_eq!(without_cloud_owned("gke", &spec), spec);
        assert_eq!(without_cloud_owned("eks", &spec), spec);
        assert_eq!(without_cloud_owned("openstack", &spec), spec);
    }

    #[test]
    fn gke_gpu_taint_on_the_live_pool_is_never_a_diff() {
        let mut desired = pool(false);
        desired.gpu = Some(Gpu {
            kind: "nvidia-l4".into(),
            count: 1,
        });
        let mut live = desired.clone();
        live.taints.push(gpu_taint());
        live.normalize();
        let mut stated = desired.clone();
        stated.taints.push(gpu_taint());
        stated.normalize();

        let live = without_cloud_owned("gke", &live);
        assert_eq!(without_cloud_owned("gke", &desired), live);
        assert_eq!(without_cloud_owned("gke", &stated), live);
        // GKE sometimes omits it (terraform-google-kubernetes-engine#703).
        assert_eq!(without_cloud_owned("gke", &stated), desired);
    }

    #[test]
    fn gke_sandbox_and_windows_taints_are_stripped() {
        let mut spec = pool(false);
        spec.taints.push(Taint::new(
            "sandbox.gke.io/runtime",
            "gvisor",
            Effect::NoSchedule,
        ));
        spec.taints.push(Taint::new(
            "node.kubernetes.io/os",
            "windows",
            Effect::NoSchedule,
        ));
        assert_eq!(without_cloud_owned("gke", &spec), pool(false));
    }

    #[test]
    fn ordinary_user_taints_and_labels_are_never_stripped() {
        let mut spec = pool(true);
        spec.taints.extend([
            Taint::new("high-memory", "true", Effect::NoExecute),
            // Same key as an owned taint, different value or effect: the user's.
            Taint::new("nvidia.com/gpu", "present", Effect::NoExecute),
            Taint::new("nvidia.com/gpu", "", Effect::NoSchedule),
            Taint::new(
                "kubernetes.azure.com/scalesetpriority",
                "spot",
                Effect::NoExecute,
            ),
            Taint::new("cloud.google.com/gke-spot", "true", Effect::NoSchedule),
            Taint::new("eks.amazonaws.com/capacityType", "SPOT", Effect::NoSchedule),
        ]);
        spec.labels.insert(
            "kubernetes.azure.com/scalesetpriority".into(),
            "regular".into(),
        );
        spec.normalize();
        for provider in ["gke", "aks", "eks"] {
            assert_eq!(without_cloud_owned(provider, &spec), spec, "{provider}");
        }
    }

    #[test]
    fn the_predicates_know_each_clouds_values() {
        assert!(is_cloud_owned_taint("aks", &aks_spot_taint()));
        assert!(is_cloud_owned_label(
            "aks",
            "kubernetes.azure.com/scalesetpriority",
            "spot"
        ));
        assert!(is_cloud_owned_taint("gke", &gpu_taint()));
        assert!(!is_cloud_owned_taint("aks", &gpu_taint()));
        assert!(!is_cloud_owned_taint("eks", &gpu_taint()));
        assert!(!is_cloud_owned_label("gke", "team", "data"));
        assert!(CLOUD_OWNED.iter().all(|o| o.provider != "eks"));
    }

    #[test]
    fn an_update_puts_back_what_the_cloud_added() {
        let live = with_owned_aks(pool(true));
        let mut desired = pool(true);
        desired.taints = vec![Taint::new("other", "x", Effect::NoSchedule)];
        let sent = with_live_cloud_owned("aks", &desired, &live);
        assert_eq!(sent, with_owned_aks(desired.clone()));
        // Nothing is added twice when the blueprint states it already.
        assert_eq!(with_live_cloud_owned("aks", &sent, &live), sent);
        // A user taint that the live pool has and the blueprint dropped stays dropped.
        assert!(!sent
            .taints
            .contains(&Taint::new("batch", "true", Effect::NoSchedule)));
    }
}
