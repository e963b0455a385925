//! Plans that cannot lie about the cloud: a pool GKE reports failed or busy is never "No
//! changes"; a failed pool is created again; apply waits for a busy one; and every create
//! and update runs before any delete, with no delete at all after a failure.

mod common;

use common::{applied_workspace, gke_blueprint, stderr_of, stdout_of, Emu, Workspace};
use poolctl_emulator::{EmulatorConfig, Fault, FaultKind};

const GPU: &str = r#"[pools.gpu]
class = "gpu"
machine_type = "g2-standard-8"
gpu = { type = "nvidia-l4", count = 1 }
autoscale = { min = 0, max = 4 }
"#;

const QUOTA: &str = "Quota 'NVIDIA_L4_GPUS' exceeded. Limit: 0.0 in region europe-west1.";

fn fail_next(emu: &Emu, method: &str, path: &str, message: &str) {
    emu.emulator.inject_fault(Fault {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: message.into(),
        },
    });
}

#[test]
fn a_pool_whose_create_failed_is_shown_failed_and_created_again() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), GPU));
    fail_next(&emu, "POST", "/nodePools", QUOTA);
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stdout_of(&out));
    assert!(stdout_of(&out).contains(QUOTA), "{}", stdout_of(&out));

    // GKE leaves the pool in ERROR: the plan must say so, in GKE's words, and exit 2.
    let (code, plan) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{plan}");
    assert!(!plan.contains("No changes"), "{plan}");
    assert!(
        plan.contains("-/+ pool gpu must be created again: the cloud reports it failed"),
        "{plan}"
    );
    assert!(
        plan.contains(&format!(
            "! failed (ERROR: {QUOTA}): it is deleted and created again"
        )),
        "{plan}"
    );
    let out = ws.poolctl(&["plan", "--json"]).output().expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["changes"][0]["reason"]["kind"], "failed");
    assert_eq!(doc["changes"][0]["health"]["state"], "failed");
    assert_eq!(doc["changes"][0]["health"]["message"], QUOTA);
    assert_eq!(doc["summary"]["attention"], 1);

    let before = emu.mutations().len();
    let log = ws.apply_ok();
    assert!(log.contains("1 replaced"), "{log}");
    let sent: Vec<(String, bool)> = emu
        .mutations_since(before)
        .into_iter()
        .map(|r| (r.method, r.path.ends_with("/nodePools/gpu")))
        .collect();
    assert_eq!(
        sent,
        [("DELETE".to_string(), true), ("POST".to_string(), false)],
        "the failed pool goes first and its successor keeps its name"
    );
    ws.assert_no_changes();
}

/// A change made by hand that is still running: the pool is busy until its operation has
/// been polled a few times.
fn start_by_hand_without_waiting(emu: &Emu, pool: &str, body: serde_json::Value) {
    let url = format!(
        "{}/v1/projects/acme/locations/europe-west1/clusters/analytics/nodePools/{pool}",
        emu.endpoint()
    );
    let answer = reqwest::blocking::Client::new()
        .put(url)
        .json(&body)
        .send()
        .expect("emulator answers");
    assert!(answer.status().is_success(), "{:?}", answer.text());
}

#[test]
fn a_busy_pool_is_never_no_changes_and_apply_waits_for_it() {
    let emu = Emu::with(EmulatorConfig {
        operation_polls: Some(3),
        auto_create_clusters: true,
        ..EmulatorConfig::default()
    });
    let pools = "[pools.jobs]\nclass = \"workload\"\nmachine_type = \"n2-standard-8\"\nautoscale = { min = 0, max = 4 }\nlabels = { team = \"etl\" }\n";
    let ws = applied_workspace(&emu, pools);
    start_by_hand_without_waiting(
        &emu,
        "jobs",
        serde_json::json!({"labels": {"labels": {"team": "etl", "owner": "ops"}}}),
    );
    let (code, plan) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{plan}");
    assert!(!plan.contains("No changes"), "{plan}");
    assert!(plan.contains("! pool jobs needs no change"), "{plan}");
    assert!(plan.contains("! busy (RECONCILING"), "{plan}");

    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &pools.replace("max = 4", "max = 6"),
    ));
    let before = emu.requests().len();
    let log = ws.apply_ok();
    assert!(
        log.contains("~ jobs: waiting for jobs to be ready"),
        "{log}"
    );
    let after: Vec<String> = emu.requests()[before..]
        .iter()
        .filter(|r| !common::is_lock_request(r))
        .map(|r| format!("{} {}", r.method, r.path.rsplit('/').next().unwrap_or("")))
        .collect();
    let first_change = after
        .iter()
        .position(|r| r.starts_with("POST"))
        .expect("a change");
    assert!(
        after[..first_change].iter().any(|r| r == "GET jobs"),
        "the pool is read until it is ready before it is changed: {after:?}"
    );
}

const FOUR: &str = r#"[pools.core]
class = "core"
machine_type = "e2-standard-4"
size = 3

[pools.jobs]
class = "workload"
machine_type = "n2-standard-8"
autoscale = { min = 0, max = 4 }

[pools.batch]
class = "spot"
machine_type = "n2-standard-8"
autoscale = { min = 0, max = 8 }

[pools.legacy]
class = "workload"
machine_type = "e2-standard-8"
autoscale = { min = 0, max = 2 }
"#;

/// jobs changes in place, batch moves off spot (a replacement), legacy goes, etl is new.
fn edited() -> String {
    let without_legacy = FOUR.split("[pools.legacy]").next().expect("legacy");
    format!(
        "{}\n[pools.etl]\nclass = \"workload\"\nmachine_type = \"n2-standard-4\"\nautoscale = {{ min = 0, max = 2 }}\n",
        without_legacy
            .replace("max = 4", "max = 5")
            .replace("[pools.batch]\nclass = \"spot\"", "[pools.batch]\nclass = \"workload\"")
    )
}

#[test]
fn every_create_and_update_runs_before_any_delete() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, FOUR);
    ws.write(&gke_blueprint(&emu.endpoint(), &edited()));
    let (_, plan) = ws.plan_detailed();
    assert!(
        plan.contains("Apply order (deletes last, none after a failure): 1. + batch-"),
        "{plan}"
    );
    let before = emu.mutations().len();
    ws.apply_ok();
    let methods: Vec<String> = emu
        .mutations_since(before)
        .into_iter()
        .map(|r| r.method)
        .collect();
    let first_delete = methods.iter().position(|m| m == "DELETE").expect("deletes");
    assert!(
        methods[first_delete..].iter().all(|m| m == "DELETE"),
        "a delete ran before a create or update: {methods:?}"
    );
    assert_eq!(
        methods[first_delete..].len(),
        2,
        "legacy and the old batch: {methods:?}"
    );
    ws.assert_no_changes();
}

#[test]
fn nothing_is_deleted_after_a_failure() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, FOUR);
    ws.write(&gke_blueprint(&emu.endpoint(), &edited()));
    // The in-place update of jobs fails.
    fail_next(
        &emu,
        "POST",
        "/nodePools/jobs:setAutoscaling",
        "Internal error.",
    );
    let before = emu.mutations().len();
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    let log = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{log}{}", stderr_of(&out));
    let sent = emu.mutations_since(before);
    assert!(
        sent.iter().all(|r| r.method != "DELETE"),
        "nothing deleted after the failure: {sent:?}"
    );
    assert!(log.contains("skipped legacy"), "{log}");
    assert!(log.contains("the old pool batch is kept"), "{log}");
    // The next apply finishes the job: the replaced batch is a leftover, legacy still goes.
    ws.apply_ok();
    ws.assert_no_changes();
}
