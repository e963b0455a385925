//! Properties of the plan engine, over generated blueprints:
//! 1. a blueprint planned against the live state a cloud makes of it plans nothing
//!    (cloud-owned labels and taints, server defaults and all), on GKE, AKS and EKS;
//! 2. applying a plan to the GKE emulator and planning again plans nothing.

use poolctl::apply::{apply_plan, Display};
use poolctl::blueprint;
use poolctl::plan::{desired_pools, diff_pools, plan_cluster, DesiredPool};
use poolctl_provider::{capability_table, ClusterTarget, Effect, LivePool, Taint};
use proptest::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone)]
struct PoolGen {
    name: String,
    class: &'static str,
    machine: &'static str,
    size: Option<u32>,
    autoscale: (u32, u32),
    labels: Vec<(String, String)>,
    taints: Vec<(String, String, &'static str)>,
    gpu_count: u32,
    disk: Option<u32>,
    zone_count: usize,
}

fn pool_gen() -> impl Strategy<Value = PoolGen> {
    (
        "[a-z][a-z0-9]{0,7}",
        prop::sample::select(vec!["core", "workload", "gpu", "spot"]),
        prop::sample::select(vec!["e2-standard-4", "n2-highmem-16", "g2-standard-8"]),
        (1u32..=3, 0u32..=3, 1u32..=10),
        prop::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..3),
        prop::collection::vec(
            (
                "[a-z]{1,8}",
                "[a-z0-9]{0,6}",
                prop::sample::select(vec!["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            ),
            0..3,
        ),
        (
            1u32..=2,
            prop::option::of(10u32..=500),
            0usize..=3,
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                name,
                class,
                machine,
                (per_zone, min, extra),
                labels,
                taints,
                (gpu, disk, zones, fixed),
            )| {
                let zone_count = zones;
                // A pool without zones runs in the cluster's three zones.
                let zones_used = if zone_count == 0 {
                    3
                } else {
                    zone_count as u32
                };
                let size = (fixed || class == "core").then_some(per_zone * zones_used);
                PoolGen {
                    name,
                    class,
                    machine,
                    size,
                    autoscale: (min, min + extra),
                    labels,
                    taints: if class == "core" { Vec::new() } else { taints },
                    gpu_count: gpu,
                    disk,
                    zone_count,
                }
            },
        )
}

/// Blueprint text for `provider`, with unique pool names and per-provider zones.
fn blueprint_text(provider: &str, pools: &[PoolGen]) -> String {
    let cluster = match provider {
        "gke" => "project = \"acme\"\nlocation = \"europe-west1\"\n",
        "aks" => "project = \"00000000-0000-0000-0000-000000000000\"\nlocation = \"westeurope\"\n",
        _ => "location = \"eu-west-1\"\n",
    };
    let mut text = format!("[cluster]\nprovider = \"{provider}\"\nname = \"prop\"\n{cluster}\n");
    let mut seen = std::collections::BTreeSet::new();
    for pool in pools {
        if !seen.insert(pool.name.clone()) {
            continue;
        }
        text.push_str(&format!(
            "[pools.{}]\nclass = \"{}\"\nmachine_type = \"{}\"\n",
            pool.name, pool.class, pool.machine
        ));
        match pool.size {
            Some(size) => text.push_str(&format!("size = {size}\n")),
            None => text.push_str(&format!(
                "autoscale = {{ min = {}, max = {} }}\n",
                pool.autoscale.0, pool.autoscale.1
            )),
        }
        if !pool.labels.is_empty() {
            let labels: Vec<String> = pool
                .labels
                .iter()
                .map(|(k, v)| format!("\"l-{k}\" = \"{v}\""))
                .collect();
            text.push_str(&format!(
                "labels = {{ {} }}\n",
                dedup_keys(&labels).join(", ")
            ));
        }
        if !pool.taints.is_empty() {
            let taints: Vec<String> = pool
                .taints
                .iter()
                .map(|(k, v, e)| format!("\"t-{k}={v}:{e}\""))
                .collect();
            text.push_str(&format!("taints = [{}]\n", taints.join(", ")));
        }
        if pool.class == "gpu" {
            text.push_str(&format!(
                "gpu = {{ type = \"nvidia-l4\", count = {} }}\n",
                pool.gpu_count
            ));
        }
        if let Some(disk) = pool.disk {
            text.push_str(&format!("disk_gb = {disk}\n"));
        }
        let zones: Vec<String> = match provider {
            "gke" => ["b", "c", "d"]
                .iter()
                .map(|z| format!("\"europe-west1-{z}\""))
                .collect(),
            "aks" => ["1", "2", "3"].iter().map(|z| format!("\"{z}\"")).collect(),
            _ => Vec::new(),
        };
        if pool.zone_count > 0 && !zones.is_empty() {
            text.push_str(&format!(
                "zones = [{}]\n",
                zones[..pool.zone_count].join(", ")
            ));
        }
        text.push('\n');
    }
    text
}

/// Label keys must be unique in a TOML inline table.
fn dedup_keys(entries: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    entries
        .iter()
        .filter(|e| seen.insert(e.split(" = ").next().unwrap_or_default().to_string()))
        .cloned()
        .collect()
}

/// What a cloud reports after creating these pools: the blueprint's values, plus what
/// the cloud fills in or adds itself.
fn as_cloud_reports_it(provider: &str, desired: &[DesiredPool]) -> Vec<LivePool> {
    desired
        .iter()
        .map(|want| {
            let mut spec = want.spec.clone();
            match provider {
                "gke" => {
                    spec.disk_gb.get_or_insert(100);
                    if spec.zones.is_empty() {
                        spec.zones = vec![
                            "europe-west1-b".into(),
                            "europe-west1-c".into(),
                            "europe-west1-d".into(),
                        ];
                    }
                    if spec.gpu.is_some() {
                        spec.taints.push(Taint::new(
                            "nvidia.com/gpu",
                            "present",
                            Effect::NoSchedule,
                        ));
                    }
                }
                "aks" => {
                    spec.disk_gb.get_or_insert(128);
                    if spec.spot {
                        spec.labels.insert(
                            "kubernetes.azure.com/scalesetpriority".into(),
                            "spot".into(),
                        );
                        spec.taints.push(Taint::new(
                            "kubernetes.azure.com/scalesetpriority",
                            "spot",
                            Effect::NoSchedule,
                        ));
                    }
                }
                _ => {
                    spec.disk_gb.get_or_insert(20);
                }
            }
            spec.normalize();
            LivePool {
                spec,
                health: poolctl_provider::Health::ready("RUNNING"),
                version: Some("1.33".into()),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_blueprint_against_what_the_cloud_made_of_it_plans_nothing(
        provider in prop::sample::select(vec!["gke", "aks", "eks"]),
        pools in prop::collection::vec(pool_gen(), 1..6),
    ) {
        let text = blueprint_text(provider, &pools);
        let bp = blueprint::parse("prop.toml", &text)
            .map_err(|e| TestCaseError::fail(format!("{:?}\n{text}", miette::Report::new(e))))?;
        let desired = desired_pools(&bp);
        let live = as_cloud_reports_it(provider, &desired);
        let table = capability_table(provider).expect("table");
        let plan = diff_pools(provider, "prop", &desired, &live, table);
        prop_assert!(!plan.has_changes(), "{text}\n{plan:#?}");
    }
}

proptest! {
    // Each case applies to a real (emulated) API, so fewer cases.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn applying_a_plan_to_the_emulator_then_planning_again_plans_nothing(
        pools in prop::collection::vec(pool_gen(), 1..5),
    ) {
        let text = blueprint_text("gke", &pools);
        let bp = blueprint::parse("prop.toml", &text)
            .map_err(|e| TestCaseError::fail(format!("{:?}\n{text}", miette::Report::new(e))))?;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let replanned = runtime.block_on(async {
            let emu = poolctl_emulator::start_loopback(poolctl_emulator::EmulatorConfig {
                operation_duration: Duration::from_millis(10),
                auto_create_clusters: true,
                ..Default::default()
            })
            .await
            .expect("emulator");
            let target = ClusterTarget {
                provider: "gke".into(),
                name: "prop".into(),
                project: Some("acme".into()),
                location: Some("europe-west1".into()),
                endpoint: Some(emu.endpoint()),
            };
            let provider = poolctl_gke::GkeProvider::new(&target).expect("provider");
            let first = plan_cluster(&bp, &provider).await.expect("plan");
            let report = apply_plan(&first.plan, &provider, &Display::Lines, None).await;
            assert_eq!(report.failed(), 0, "{report:?}");
            plan_cluster(&bp, &provider).await.expect("second plan").plan
        });
        prop_assert!(!replanned.has_changes(), "{text}\n{replanned:#?}");
    }
}
