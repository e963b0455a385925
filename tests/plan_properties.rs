//! Properties of the plan engine, over generated blueprints:
//! 1. on GKE, AKS and EKS, a blueprint applied to the emulator and planned again plans
//!    nothing: the live side is what the emulator stored (its defaults and injected labels
//!    and taints included), read back through the provider, never the planner's own output;
//! 2. on GKE, AKS and EKS, random sequences of edits to an applied cluster (labels, taints,
//!    bounds, static sizes, machine types, spot, zones, removals, adoption of a pool made
//!    by hand) plan nothing after each apply;
//! 3. on AKS and EKS, a blueprint planned against the values those clouds add (spot label
//!    and taint, disk defaults), as a model states them, plans nothing.
//!
//! Label and taint keys come with DNS prefixes, dots and slashes; zones in any order.

use poolctl::apply::{apply_plan, Display, DisplayMode, ExecOptions, Interrupt, Timeouts};
use poolctl::blueprint;
use poolctl::plan::{desired_pools, diff_pools, plan_cluster, DesiredPool, Plan};
use poolctl_aks::{AksOptions, AksProvider};
use poolctl_eks::EksProvider;
use poolctl_gke::GkeProvider;
use poolctl_provider::{
    capability_table, ClusterTarget, Effect, ExtraValue, Field, Health, LivePool, NoProgress,
    PoolSpec, Provider, Scaling, Taint,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

const ZONES: [&str; 3] = ["europe-west1-b", "europe-west1-c", "europe-west1-d"];

#[derive(Debug, Clone)]
struct PoolGen {
    name: String,
    class: &'static str,
    /// `spot = true` on a workload or GPU pool.
    spot: bool,
    machine: &'static str,
    /// Nodes per zone of a static pool; `None` for autoscaling.
    per_zone: Option<u32>,
    autoscale: (u32, u32),
    labels: Vec<(String, String)>,
    taints: Vec<(String, String, &'static str)>,
    gpu_count: u32,
    disk: Option<u32>,
    /// The pool's zones, in the order written; empty for the cluster's three.
    zones: Vec<&'static str>,
}

/// Kubernetes label (and taint) keys: plain, dotted, or with a DNS prefix.
fn key_gen() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9]{0,6}",
        "[a-z]{1,5}\\.[a-z]{1,5}",
        "[a-z]{1,6}(\\.[a-z]{2,4}){1,2}/[a-z][a-z0-9._-]{0,8}[a-z0-9]",
    ]
}

fn zones_gen() -> impl Strategy<Value = Vec<&'static str>> {
    prop_oneof![
        Just(Vec::new()),
        Just(ZONES.to_vec())
            .prop_shuffle()
            .prop_flat_map(|all| { (1usize..=3).prop_map(move |n| all[..n].to_vec()) }),
    ]
}

fn pool_gen() -> impl Strategy<Value = PoolGen> {
    (
        "[a-z][a-z0-9]{0,7}",
        prop::sample::select(vec!["core", "workload", "gpu", "spot"]),
        any::<bool>(),
        prop::sample::select(vec!["e2-standard-4", "n2-highmem-16", "g2-standard-8"]),
        (1u32..=3, 0u32..=3, 1u32..=10, any::<bool>()),
        prop::collection::vec((key_gen(), "[a-z0-9]{0,8}"), 0..3),
        prop::collection::vec(
            (
                key_gen(),
                "[a-z0-9]{0,6}",
                prop::sample::select(vec!["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            ),
            0..3,
        ),
        (1u32..=2, prop::option::of(10u32..=500), zones_gen()),
    )
        .prop_map(
            |(
                name,
                class,
                spot,
                machine,
                (per_zone, min, extra, fixed),
                labels,
                taints,
                (gpu, disk, zones),
            )| PoolGen {
                name,
                class,
                spot: spot && matches!(class, "workload" | "gpu"),
                machine,
                per_zone: (fixed || class == "core").then_some(per_zone),
                autoscale: (min, min + extra),
                labels,
                taints: if class == "core" { Vec::new() } else { taints },
                gpu_count: gpu,
                disk,
                zones,
            },
        )
}

/// Blueprint text for `provider`, with unique pool names and per-provider zones.
fn blueprint_text(provider: &str, pools: &[PoolGen]) -> String {
    let cluster = match provider {
        "gke" => "project = \"acme\"\nlocation = \"europe-west1\"\n",
        "aks" => "subscription = \"00000000-0000-0000-0000-000000000000\"\nresource_group = \"rg\"\nlocation = \"westeurope\"\n",
        _ => "region = \"eu-west-1\"\n\n[cluster.eks]\nsubnets = [\"subnet-0a1b2c3d\", \"subnet-0b1c2d3e\"]\nnode_role = \"arn:aws:iam::123456789012:role/nodes\"\n",
    };
    let mut text = format!("[cluster]\nprovider = \"{provider}\"\nname = \"prop\"\n{cluster}\n");
    let mut seen = std::collections::BTreeSet::new();
    for pool in pools {
        if !seen.insert(pool.name.clone()) {
            continue;
        }
        // On AKS and EKS the GPUs come with the machine: a gpu pool gets a T4 VM size or an
        // L4 instance type.
        let machine = match (provider, pool.class) {
            ("aks", "gpu") => "Standard_NC4as_T4_v3",
            ("eks", "gpu") => "g6.xlarge",
            ("eks", _) => ec2_type(pool.machine),
            _ => pool.machine,
        };
        text.push_str(&format!(
            "[pools.{}]\nclass = \"{}\"\nmachine_type = \"{machine}\"\n",
            pool.name, pool.class
        ));
        if pool.spot {
            text.push_str("spot = true\n");
        }
        let zones: Vec<String> = match provider {
            "gke" => pool.zones.iter().map(|z| format!("\"{z}\"")).collect(),
            "aks" => pool
                .zones
                .iter()
                .map(|z| {
                    format!(
                        "\"{}\"",
                        &z[z.len() - 1..]
                            .replace('b', "1")
                            .replace('c', "2")
                            .replace('d', "3")
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        let zones_used = if zones.is_empty() {
            3
        } else {
            zones.len() as u32
        };
        match pool.per_zone {
            // EKS and AKS count whole pools, but a multiple of the zones suits all three.
            Some(per_zone) => text.push_str(&format!("size = {}\n", per_zone * zones_used)),
            None => text.push_str(&format!(
                "autoscale = {{ min = {}, max = {} }}\n",
                pool.autoscale.0, pool.autoscale.1
            )),
        }
        if !pool.labels.is_empty() {
            let mut labels = BTreeMap::new();
            for (k, v) in &pool.labels {
                // EKS refuses an empty label value.
                let v = if v.is_empty() && provider == "eks" {
                    "v".to_string()
                } else {
                    v.clone()
                };
                labels.insert(format!("l-{k}"), v);
            }
            let labels: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("\"{k}\" = \"{v}\""))
                .collect();
            text.push_str(&format!("labels = {{ {} }}\n", labels.join(", ")));
        }
        if !pool.taints.is_empty() {
            let taints: Vec<String> = pool
                .taints
                .iter()
                .map(|(k, v, e)| format!("\"t-{k}={v}:{e}\""))
                .collect();
            text.push_str(&format!("taints = [{}]\n", taints.join(", ")));
        }
        if pool.class == "gpu" && provider == "aks" {
            text.push_str("gpu = { type = \"nvidia-t4\", count = 1 }\n");
        } else if pool.class == "gpu" && provider == "eks" {
            text.push_str("gpu = { type = \"nvidia-l4\", count = 1 }\n");
        } else if pool.class == "gpu" {
            text.push_str(&format!(
                "gpu = {{ type = \"nvidia-l4\", count = {} }}\n",
                pool.gpu_count
            ));
        }
        if let Some(disk) = pool.disk {
            text.push_str(&format!("disk_gb = {disk}\n"));
        }
        if !zones.is_empty() {
            text.push_str(&format!("zones = [{}]\n", zones.join(", ")));
        }
        text.push('\n');
    }
    text
}

/// The EC2 instance type standing in for a generated GKE machine type.
fn ec2_type(machine: &str) -> &'static str {
    match machine {
        "e2-standard-4" => "m6i.xlarge",
        "n2-highmem-16" => "r6i.4xlarge",
        "e2-standard-8" => "m6i.2xlarge",
        "n2-standard-8" => "m7i.2xlarge",
        _ => "c6i.2xlarge",
    }
}

fn parse(text: &str) -> Result<blueprint::Blueprint, TestCaseError> {
    blueprint::parse("prop.toml", text)
        .map_err(|e| TestCaseError::fail(format!("{:?}\n{text}", miette::Report::new(e))))
}

/// What AKS or EKS would report after creating these pools: the blueprint's values, plus
/// what those clouds fill in or add themselves (provider-apis.md §2.6, §3.6).
fn as_cloud_reports_it(provider: &str, desired: &[DesiredPool]) -> Vec<LivePool> {
    desired
        .iter()
        .map(|want| {
            let mut spec = want.spec.clone();
            match provider {
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
                health: Health::ready("Succeeded"),
                version: Some("1.33".into()),
            }
        })
        .collect()
}

/// One emulated cluster (GKE, AKS or EKS) with its provider bound to it, on a runtime of its own.
struct Cloud {
    runtime: tokio::runtime::Runtime,
    // Kept for the life of the cloud: dropping it stops the server.
    _emulator: poolctl_emulator::RunningEmulator,
    provider: Box<dyn Provider>,
}

impl Cloud {
    fn start(kind: &str) -> Cloud {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let emulator = runtime
            .block_on(poolctl_emulator::start_loopback(
                poolctl_emulator::EmulatorConfig {
                    // Operations are done when they start: hundreds of applies stay quick,
                    // and no outcome depends on the machine's speed.
                    operation_polls: Some(0),
                    auto_create_clusters: true,
                    ..Default::default()
                },
            ))
            .expect("emulator");
        let provider: Box<dyn Provider> = match kind {
            "eks" => {
                let target = ClusterTarget {
                    provider: "eks".into(),
                    name: "prop".into(),
                    project: None,
                    resource_group: None,
                    location: Some("eu-west-1".into()),
                    endpoint: Some(emulator.endpoint()),
                    compute_endpoint: None,
                };
                // A loopback endpoint and no AWS account: placeholder credentials. Every
                // EKS cloud of this binary wants the same, so the shared variable is safe.
                std::env::set_var("POOLCTL_EKS_AUTH", "none");
                Box::new(
                    runtime
                        .block_on(EksProvider::connect(&target))
                        .expect("provider"),
                )
            }
            "gke" => {
                let target = ClusterTarget {
                    provider: "gke".into(),
                    name: "prop".into(),
                    project: Some("acme".into()),
                    resource_group: None,
                    location: Some("europe-west1".into()),
                    endpoint: Some(emulator.endpoint()),
                    compute_endpoint: None,
                };
                Box::new(GkeProvider::new(&target).expect("provider"))
            }
            _ => {
                let target = ClusterTarget {
                    provider: "aks".into(),
                    name: "prop".into(),
                    project: Some("00000000-0000-0000-0000-000000000000".into()),
                    resource_group: Some("rg".into()),
                    location: Some("westeurope".into()),
                    endpoint: Some(emulator.endpoint()),
                    compute_endpoint: None,
                };
                // The operations end at once: poll without the pauses real ARM needs.
                let mut options = AksOptions::for_endpoint(true);
                options.polling.first = Duration::from_millis(1);
                options.polling.min = Duration::from_millis(1);
                options.polling.max = Duration::from_millis(5);
                Box::new(AksProvider::with_options(&target, options).expect("provider"))
            }
        };
        Cloud {
            runtime,
            _emulator: emulator,
            provider,
        }
    }

    /// Applies the blueprint, then plans it again against what the emulator stored.
    fn apply_then_replan(&self, bp: &blueprint::Blueprint) -> Result<Plan, String> {
        self.runtime.block_on(async {
            let first = plan_cluster(bp, self.provider.as_ref())
                .await
                .map_err(|e| format!("plan: {e:?}"))?;
            let timeouts = Timeouts::default();
            let interrupt = Interrupt::default();
            let options = ExecOptions {
                parallel: self.provider.parallel_operations(),
                timeouts: &timeouts,
                interrupt: &interrupt,
                scope: None,
            };
            let display = Display::new(DisplayMode::Quiet, first.plan.steps().len());
            let report = apply_plan(&first.plan, self.provider.as_ref(), &display, &options).await;
            if report.failed() > 0 {
                return Err(format!("apply: {report:?}"));
            }
            plan_cluster(bp, self.provider.as_ref())
                .await
                .map(|planned| planned.plan)
                .map_err(|e| format!("second plan: {e:?}"))
        })
    }

    /// Creates a pool outside poolctl: no ownership tags.
    fn create_by_hand(&self, pool: &PoolGen) {
        let eks = self.provider.kind() == "eks";
        let extras = if eks {
            BTreeMap::from([
                (
                    Field::Subnets,
                    ExtraValue::List(vec!["subnet-0a1b2c3d".into(), "subnet-0b1c2d3e".into()]),
                ),
                (
                    Field::NodeRole,
                    ExtraValue::Text("arn:aws:iam::123456789012:role/nodes".into()),
                ),
            ])
        } else {
            BTreeMap::new()
        };
        let spec = PoolSpec {
            name: pool.name.clone(),
            machine_type: if eks {
                ec2_type(pool.machine).into()
            } else {
                pool.machine.into()
            },
            scaling: Scaling::Autoscale {
                min: pool.autoscale.0,
                max: pool.autoscale.1,
            },
            labels: BTreeMap::new(),
            taints: Vec::new(),
            spot: false,
            gpu: None,
            disk_gb: None,
            zones: Vec::new(),
            tags: BTreeMap::new(),
            extras,
        };
        self.runtime
            .block_on(self.provider.create_pool(&spec, &NoProgress))
            .expect("created by hand");
    }
}

/// One edit a platform engineer makes to an applied blueprint.
#[derive(Debug, Clone)]
enum Edit {
    Labels(usize, Vec<(String, String)>),
    Taints(usize, Vec<(String, String, &'static str)>),
    Bounds(usize, u32, u32),
    StaticSize(usize, u32),
    MachineType(usize, &'static str),
    Spot(usize, bool),
    Zones(usize, Vec<&'static str>),
    Remove(usize),
    /// A pool made by hand, then named by the blueprint.
    Adopt(String),
}

fn edit_gen() -> impl Strategy<Value = Edit> {
    let index = 0usize..8;
    prop_oneof![
        (
            index.clone(),
            prop::collection::vec((key_gen(), "[a-z0-9]{0,8}"), 0..3)
        )
            .prop_map(|(i, l)| Edit::Labels(i, l)),
        (
            index.clone(),
            prop::collection::vec(
                (
                    key_gen(),
                    "[a-z0-9]{0,6}",
                    prop::sample::select(vec!["NoSchedule", "PreferNoSchedule", "NoExecute"])
                ),
                0..3
            )
        )
            .prop_map(|(i, t)| Edit::Taints(i, t)),
        (index.clone(), 0u32..=3, 1u32..=6).prop_map(|(i, min, extra)| Edit::Bounds(
            i,
            min,
            min + extra
        )),
        (index.clone(), 1u32..=2).prop_map(|(i, n)| Edit::StaticSize(i, n)),
        (
            index.clone(),
            prop::sample::select(vec!["e2-standard-8", "n2-standard-8", "n2-highmem-16"])
        )
            .prop_map(|(i, m)| Edit::MachineType(i, m)),
        (index.clone(), any::<bool>()).prop_map(|(i, s)| Edit::Spot(i, s)),
        (index.clone(), zones_gen()).prop_map(|(i, z)| Edit::Zones(i, z)),
        index.clone().prop_map(Edit::Remove),
        "adopt[a-z]{1,4}".prop_map(Edit::Adopt),
    ]
}

/// Applies an edit to the generated pools; an edit that does not fit the pool it falls on
/// (taints on a core pool, say) changes nothing.
fn edit(pools: &mut Vec<PoolGen>, edit: &Edit, cloud: &Cloud) {
    if pools.is_empty() {
        return;
    }
    let n = pools.len();
    match edit.clone() {
        Edit::Labels(i, labels) => pools[i % n].labels = labels,
        Edit::Taints(i, taints) if pools[i % n].class != "core" => pools[i % n].taints = taints,
        Edit::Taints(..) => {}
        Edit::Bounds(i, min, max) if pools[i % n].class != "core" => {
            pools[i % n].per_zone = None;
            pools[i % n].autoscale = (min, max);
        }
        Edit::Bounds(..) => {}
        Edit::StaticSize(i, per_zone) => pools[i % n].per_zone = Some(per_zone),
        Edit::MachineType(i, machine) => pools[i % n].machine = machine,
        Edit::Spot(i, spot) => {
            let pool = &mut pools[i % n];
            if matches!(pool.class, "workload" | "gpu") {
                pool.spot = spot;
            }
        }
        Edit::Zones(i, zones) => pools[i % n].zones = zones,
        Edit::Remove(i) if n > 1 => {
            pools.remove(i % n);
        }
        Edit::Remove(_) => {}
        Edit::Adopt(name) => {
            if pools.iter().any(|p| p.name == name) {
                return;
            }
            let pool = PoolGen {
                name,
                class: "workload",
                spot: false,
                machine: "e2-standard-4",
                per_zone: None,
                autoscale: (0, 3),
                labels: Vec::new(),
                taints: Vec::new(),
                gpu_count: 1,
                disk: None,
                zones: Vec::new(),
            };
            cloud.create_by_hand(&pool);
            pools.push(pool);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn aks_and_eks_blueprints_against_what_their_clouds_add_plan_nothing(
        provider in prop::sample::select(vec!["aks", "eks"]),
        pools in prop::collection::vec(pool_gen(), 1..6),
    ) {
        let text = blueprint_text(provider, &pools);
        let bp = parse(&text)?;
        let desired = desired_pools(&bp);
        let live = as_cloud_reports_it(provider, &desired);
        let table = capability_table(provider).expect("table");
        let plan = diff_pools(provider, "prop", &desired, &live, table);
        prop_assert!(!plan.has_changes(), "{text}\n{plan:#?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_blueprint_applied_to_the_emulator_plans_nothing_after(
        provider in prop::sample::select(vec!["gke", "aks", "eks"]),
        pools in prop::collection::vec(pool_gen(), 1..6),
    ) {
        let text = blueprint_text(provider, &pools);
        let bp = parse(&text)?;
        let cloud = Cloud::start(provider);
        let replanned = cloud.apply_then_replan(&bp).map_err(TestCaseError::fail)?;
        prop_assert!(replanned.is_clean(), "{text}\n{replanned:#?}");
    }
}

proptest! {
    // Each case is a cluster's history of applies: fewer cases, each with several steps.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_apply_of_a_sequence_of_edits_leaves_nothing_to_plan(
        provider in prop::sample::select(vec!["gke", "aks", "eks"]),
        pools in prop::collection::vec(pool_gen(), 1..4),
        edits in prop::collection::vec(edit_gen(), 1..5),
    ) {
        let cloud = Cloud::start(provider);
        let mut pools = pools;
        let mut seen = std::collections::BTreeSet::new();
        pools.retain(|p| seen.insert(p.name.clone()));
        let text = blueprint_text(provider, &pools);
        let replanned = cloud.apply_then_replan(&parse(&text)?).map_err(TestCaseError::fail)?;
        prop_assert!(replanned.is_clean(), "{text}\n{replanned:#?}");
        for step in &edits {
            edit(&mut pools, step, &cloud);
            let text = blueprint_text(provider, &pools);
            let replanned = cloud
                .apply_then_replan(&parse(&text)?)
                .map_err(|e| TestCaseError::fail(format!("after {step:?}: {e}\n{text}")))?;
            prop_assert!(replanned.is_clean(), "after {step:?}:\n{text}\n{replanned:#?}");
        }
    }
}
