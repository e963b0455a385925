//! The plan as users see it: human, JSON and Markdown renderings of each kind of change,
//! as insta snapshots a reviewer can read; and the JSON Schema in docs/ kept in step with
//! the code and checked against the rendered documents.

use poolctl::blueprint::ReplaceStrategy;
use poolctl::plan::{diff_pools, DesiredPool, Plan, BLUEPRINT_TAG, POOL_TAG};
use poolctl::render::{
    human, human_fleet, json, json_fleet, markdown, markdown_fleet, plan_json_schema,
    FailedCluster, FleetDocument, PlanDocument, Style,
};
use poolctl_provider::{
    Effect, ExtraValue, Field, Gpu, Health, LivePool, PoolSpec, PoolState, Scaling, Taint,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

const CLUSTER: &str = "prod-eu";

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn owned_by(logical: &str, cluster: &str) -> BTreeMap<String, String> {
    labels(&[(POOL_TAG, logical), (BLUEPRINT_TAG, cluster)])
}

/// The core pool system services run on.
fn system() -> PoolSpec {
    PoolSpec {
        name: "system".into(),
        machine_type: "e2-standard-4".into(),
        scaling: Scaling::Fixed { nodes: 3 },
        labels: labels(&[("role", "system")]),
        taints: Vec::new(),
        spot: false,
        gpu: None,
        disk_gb: None,
        zones: Vec::new(),
        tags: owned_by("system", CLUSTER),
        extras: BTreeMap::new(),
    }
}

fn web() -> PoolSpec {
    PoolSpec {
        name: "web".into(),
        machine_type: "n2-standard-8".into(),
        scaling: Scaling::Autoscale { min: 2, max: 20 },
        labels: labels(&[("team", "web")]),
        taints: Vec::new(),
        spot: false,
        gpu: None,
        disk_gb: None,
        zones: Vec::new(),
        tags: owned_by("web", CLUSTER),
        extras: BTreeMap::new(),
    }
}

fn highmem() -> PoolSpec {
    PoolSpec {
        name: "highmem".into(),
        machine_type: "n2-highmem-16".into(),
        scaling: Scaling::Autoscale { min: 0, max: 10 },
        labels: labels(&[("high-memory", "true")]),
        taints: vec![Taint::new("high-memory", "true", Effect::NoExecute)],
        spot: false,
        gpu: None,
        disk_gb: None,
        zones: Vec::new(),
        tags: owned_by("highmem", CLUSTER),
        extras: BTreeMap::new(),
    }
}

/// Every optional setting filled in.
fn gpu() -> PoolSpec {
    PoolSpec {
        name: "gpu".into(),
        machine_type: "g2-standard-8".into(),
        scaling: Scaling::Autoscale { min: 0, max: 4 },
        labels: labels(&[("accelerator", "l4")]),
        taints: vec![Taint::new("dedicated", "gpu", Effect::NoSchedule)],
        spot: true,
        gpu: Some(Gpu {
            kind: "nvidia-l4".into(),
            count: 1,
        }),
        disk_gb: Some(200),
        zones: vec!["europe-west4-a".into(), "europe-west4-b".into()],
        tags: owned_by("gpu", CLUSTER),
        extras: BTreeMap::from([
            (
                Field::ImageType,
                ExtraValue::Text("UBUNTU_CONTAINERD".into()),
            ),
            (
                Field::ServiceAccount,
                ExtraValue::Text("gpu-nodes@acme.iam.gserviceaccount.com".into()),
            ),
        ]),
    }
}

fn want(spec: PoolSpec) -> DesiredPool {
    DesiredPool {
        logical: spec.name.clone(),
        spec,
        core: false,
        replace: ReplaceStrategy::CreateBeforeDestroy,
    }
}

fn want_core(spec: PoolSpec) -> DesiredPool {
    DesiredPool {
        core: true,
        ..want(spec)
    }
}

fn have(spec: PoolSpec) -> LivePool {
    LivePool {
        spec,
        health: poolctl_provider::Health::ready("RUNNING"),
        version: Some("1.31.4-gke.1000".into()),
    }
}

fn plan(desired: &[DesiredPool], live: &[LivePool]) -> Plan {
    diff_pools(
        "gke",
        CLUSTER,
        desired,
        live,
        &poolctl_provider::capability::GKE,
    )
}

/// Two new pools: a core pool and one with every optional setting.
fn create() -> Plan {
    plan(&[want_core(system()), want(gpu())], &[])
}

/// Labels and autoscaling bounds change in place, on a pool whose cloud name is derived
/// from an earlier replacement; the core pool is unchanged.
fn update() -> Plan {
    let mut wanted = web();
    wanted.scaling = Scaling::Autoscale { min: 2, max: 30 };
    wanted.labels.insert("tier".into(), "frontend".into());
    let mut live = web();
    live.name = "web-7c1e".into();
    plan(
        &[want_core(system()), want(wanted)],
        &[have(system()), have(live)],
    )
}

/// Spot false -> true forces replacement: create-before-destroy for `highmem` (with an
/// in-place label change alongside), delete-first for the core pool.
fn replace() -> Plan {
    let mut wanted = highmem();
    wanted.spot = true;
    wanted.labels.insert("capacity".into(), "spot".into());
    let mut core = system();
    core.spot = true;
    let core = DesiredPool {
        replace: ReplaceStrategy::DeleteFirst,
        ..want_core(core)
    };
    plan(&[core, want(wanted)], &[have(system()), have(highmem())])
}

/// A pool poolctl created that the blueprint no longer lists.
fn delete() -> Plan {
    let mut old = web();
    old.name = "batch".into();
    old.tags = owned_by("batch", CLUSTER);
    plan(&[want_core(system())], &[have(system()), have(old)])
}

/// The blueprint names a pool poolctl did not create: it gets poolctl's tags.
fn adopt() -> Plan {
    let mut legacy = web();
    legacy.name = "legacy".into();
    legacy.tags = labels(&[("cost-center", "42")]);
    let mut wanted = legacy.clone();
    wanted.tags = owned_by("legacy", CLUSTER);
    plan(&[want(wanted)], &[have(legacy)])
}

/// Pools poolctl did not create (or created for another cluster) are listed and left alone.
fn unmanaged() -> Plan {
    let mut default_pool = web();
    default_pool.name = "default-pool".into();
    default_pool.tags.clear();
    let mut shared = web();
    shared.name = "shared".into();
    shared.tags = owned_by("shared", "staging-eu");
    plan(
        &[want_core(system())],
        &[have(system()), have(default_pool), have(shared)],
    )
}

/// Everything matches.
fn no_op() -> Plan {
    plan(
        &[want_core(system()), want(web())],
        &[have(system()), have(web())],
    )
}

/// Two pools carry one logical name (an interrupted create-before-destroy): the one that
/// matches the blueprint stays, the other is deleted.
fn leftover() -> Plan {
    let mut wanted = highmem();
    wanted.spot = true;
    let mut new = wanted.clone();
    new.name = "highmem-a1b2".into();
    plan(&[want(wanted)], &[have(highmem()), have(new)])
}

/// Pools the cloud reports not ready: a failed create (recreated), a busy pool, a
/// degraded one; none of them is "no changes".
fn unhealthy() -> Plan {
    let failed = LivePool {
        health: Health {
            state: PoolState::Failed,
            status: "ERROR".into(),
            message: Some(
                "Quota 'NVIDIA_L4_GPUS' exceeded. Limit: 0.0 in region europe-west4.".into(),
            ),
        },
        ..have(gpu())
    };
    let busy = LivePool {
        health: Health {
            state: PoolState::Busy,
            status: "RECONCILING".into(),
            message: Some("Upgrading nodes to 1.33.5-gke.1000000".into()),
        },
        ..have(web())
    };
    let degraded = LivePool {
        health: Health {
            state: PoolState::Degraded,
            status: "RUNNING_WITH_ERROR".into(),
            message: Some("1 of 3 nodes failed to register with the cluster".into()),
        },
        ..have(highmem())
    };
    plan(
        &[want(gpu()), want(web()), want(highmem())],
        &[failed, busy, degraded],
    )
}

/// Every kind of change at once, as a pull request might show it.
fn mixed() -> Plan {
    let mut wanted_web = web();
    wanted_web.machine_type = "n2-standard-16".into();
    let mut wanted_highmem = highmem();
    wanted_highmem.spot = true;
    let mut old = web();
    old.name = "batch".into();
    old.tags = owned_by("batch", CLUSTER);
    let mut default_pool = web();
    default_pool.name = "default-pool".into();
    default_pool.tags.clear();
    plan(
        &[
            want_core(system()),
            want(gpu()),
            want(wanted_web),
            want(wanted_highmem),
        ],
        &[have(web()), have(highmem()), have(old), have(default_pool)],
    )
}

type Case = (&'static str, fn() -> Plan);

const CASES: [Case; 10] = [
    ("create", create),
    ("update", update),
    ("replace", replace),
    ("delete", delete),
    ("adopt", adopt),
    ("unmanaged", unmanaged),
    ("no_op", no_op),
    ("leftover", leftover),
    ("mixed", mixed),
    ("unhealthy", unhealthy),
];

/// A fleet where one blueprint could not be planned.
fn failures() -> Vec<FailedCluster> {
    vec![FailedCluster {
        blueprint: "fleet/broken.toml".into(),
        error: "fleet/broken.toml has 1 error".into(),
    }]
}

/// The JSON text as `poolctl plan --json` prints it.
fn pretty(document: &Value) -> String {
    serde_json::to_string_pretty(document).expect("JSON serializes")
}

fn fleet() -> Vec<Plan> {
    let mut staging = no_op();
    staging.cluster = "staging-eu".into();
    vec![mixed(), staging]
}

#[test]
fn human_plans() {
    for (name, case) in CASES {
        insta::assert_snapshot!(format!("{name}__human"), human(&case(), Style::Plain));
    }
}

#[test]
fn human_fleet_plans() {
    insta::assert_snapshot!(
        "fleet__human",
        human_fleet(&fleet(), &failures(), Style::Plain)
    );
}

#[test]
fn json_plans() {
    for (name, case) in CASES {
        // What the CLI prints: the typed document, in its documented key order.
        let document = serde_json::to_string_pretty(&PlanDocument::new(&case())).expect("JSON");
        insta::assert_snapshot!(format!("{name}__json"), document);
    }
    let fleet_document =
        serde_json::to_string_pretty(&FleetDocument::with_failures(&fleet(), failures()))
            .expect("JSON");
    insta::assert_snapshot!("fleet__json", fleet_document);
}

#[test]
fn markdown_plans() {
    for (name, case) in CASES {
        insta::assert_snapshot!(format!("{name}__markdown"), markdown(&case()));
    }
    insta::assert_snapshot!("fleet__markdown", markdown_fleet(&fleet(), &failures()));
}

#[test]
fn rendering_is_byte_stable() {
    for (_, case) in CASES {
        let (a, b) = (case(), case());
        assert_eq!(human(&a, Style::Plain), human(&b, Style::Plain));
        assert_eq!(pretty(&json(&a)), pretty(&json(&b)));
        assert_eq!(markdown(&a), markdown(&b));
    }
}

#[test]
fn the_cases_cover_every_action_and_reason() {
    let plans: Vec<Value> = CASES.iter().map(|(_, case)| json(&case())).collect();
    let seen = |key: &str| -> Vec<String> {
        let mut all: Vec<String> = plans
            .iter()
            .flat_map(|p| p["changes"].as_array().cloned().unwrap_or_default())
            .map(|c| match key {
                "action" => c["action"].as_str().unwrap_or("").to_string(),
                _ => c["reason"]["kind"].as_str().unwrap_or("none").to_string(),
            })
            .collect();
        all.sort();
        all.dedup();
        all
    };
    assert_eq!(
        seen("action"),
        ["create", "delete", "no_op", "replace", "update"]
    );
    assert_eq!(
        seen("reason"),
        [
            "adopt",
            "cannot_update",
            "failed",
            "leftover",
            "none",
            "not_in_blueprint"
        ]
    );
}

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/plan.schema.json")
}

#[test]
fn the_documented_schema_is_the_generated_one() {
    let generated = plan_json_schema();
    let path = schema_path();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let mut text = serde_json::to_string_pretty(&generated).expect("schema serializes");
        text.push('\n');
        std::fs::write(&path, text).expect("write docs/plan.schema.json");
        return;
    }
    let on_disk: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    assert!(
        on_disk == generated,
        "docs/plan.schema.json is not the schema the code generates.\n\
         If the JSON document changed on purpose, regenerate it with\n\
         \n    UPDATE_SCHEMA=1 cargo test --test render_snapshots the_documented_schema\n\n\
         and update docs/plan-json.md (and format_version, for a breaking change)."
    );
}

/// Validates documents with Python's `jsonschema`: no Rust validator crate needed.
const VALIDATE: &str = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit(3)
schema = json.load(open(sys.argv[1]))
cases = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)
failed = False
for name, document, valid in cases:
    errors = list(validator.iter_errors(document))
    if valid and errors:
        failed = True
        for e in errors:
            print(f"{name}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    if not valid and not errors:
        failed = True
        print(f"{name}: a broken document was accepted")
sys.exit(1 if failed else 0)
"#;

#[test]
fn rendered_documents_conform_to_the_schema() {
    let mut cases: Vec<(String, Value, bool)> = Vec::new();
    for (name, case) in CASES {
        cases.push((name.to_string(), json(&case()), true));
    }
    cases.push(("fleet".into(), json_fleet(&fleet()), true));
    let with_failures = serde_json::to_value(FleetDocument::with_failures(&fleet(), failures()))
        .expect("serializes");
    cases.push(("fleet with failures".into(), with_failures, true));
    cases.push(("empty fleet".into(), json_fleet(&[]), true));
    // The validator must be able to say no.
    let mut broken = json(&mixed());
    broken["changes"][0]["action"] = "explode".into();
    cases.push(("broken action".into(), broken, false));
    let mut broken = json(&create());
    broken["changes"][0]["desired"]["scaling"] = serde_json::json!({"mode": "fixed"});
    cases.push(("broken scaling".into(), broken, false));
    let mut broken = json(&create());
    broken["format_version"] = "1".into();
    cases.push(("broken version".into(), broken, false));

    let dir = tempfile::tempdir().expect("temp dir");
    let schema_file = dir.path().join("plan.schema.json");
    let cases_file = dir.path().join("cases.json");
    std::fs::write(&schema_file, plan_json_schema().to_string()).expect("write schema");
    std::fs::write(
        &cases_file,
        serde_json::to_string(&cases).expect("cases serialize"),
    )
    .expect("write cases");

    let output = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE)
        .arg(&schema_file)
        .arg(&cases_file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run python3 ({e}): this test validates the JSON documents with \
                 Python's jsonschema module; install Python 3 and `pip install jsonschema`"
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) => panic!(
            "python3 has no `jsonschema` module: `pip install jsonschema` (this test \
             validates the rendered JSON documents against docs/plan.schema.json with it)"
        ),
        _ => panic!("documents do not match the schema:\n{stdout}{stderr}"),
    }
}
