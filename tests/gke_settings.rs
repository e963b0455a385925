//! Provider settings (`[pools.NAME.gke]`) end to end against the emulator: each key is
//! created, read back, changed (in place or by replacing the pool, as GKE's capability
//! table says), and plans empty afterwards; spot capacity on GPU and workload pools.

mod common;

use common::contract::assert_bodies_follow_contract;
use common::{applied_workspace, gke_blueprint, stderr_of, Emu, Workspace};
use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};

const JOBS: &str = r#"[pools.jobs]
class = "workload"
machine_type = "n2-standard-8"
autoscale = { min = 0, max = 4 }
disk_gb = 100
"#;

fn jobs_with(settings: &str) -> String {
    format!("{JOBS}\n[pools.jobs.gke]\n{settings}\n")
}

/// The `nodePool` of the last create request for a pool whose name starts with `jobs`.
fn created(requests: &[RecordedRequest]) -> Value {
    requests
        .iter()
        .rev()
        .filter(|r| r.method == "POST" && r.path.ends_with("/nodePools"))
        .filter_map(|r| r.body.as_ref())
        .map(|b| b["nodePool"].clone())
        .find(|p| p["name"].as_str().is_some_and(|n| n.starts_with("jobs")))
        .expect("a create of jobs")
}

/// Creates `jobs` with `before`, checks the planned change to `after` shows `expected`,
/// applies it, checks the plan is empty, and returns the requests of that second apply.
fn change(emu: &Emu, before: &str, after: &str, expected: &str) -> Vec<RecordedRequest> {
    let ws = applied_workspace(emu, &jobs_with(before));
    ws.assert_no_changes();
    let since = emu.mutations().len();
    ws.write(&gke_blueprint(&emu.endpoint(), &jobs_with(after)));
    let (code, text) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains(expected), "expected {expected:?} in:\n{text}");
    ws.apply_ok();
    ws.assert_no_changes();
    assert_bodies_follow_contract(&emu.requests());
    emu.mutations_since(since)
}

#[test]
fn image_type_is_created_and_changed_in_place() {
    let emu = Emu::start();
    let sent = change(
        &emu,
        "image_type = \"COS_CONTAINERD\"",
        "image_type = \"UBUNTU_CONTAINERD\"",
        "~ image_type  COS_CONTAINERD -> UBUNTU_CONTAINERD  # PUT nodePools/{pool} (imageType)",
    );
    assert_eq!(
        created(&emu.requests())["config"]["imageType"],
        "COS_CONTAINERD"
    );
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].method, "PUT");
    assert_eq!(
        sent[0].body,
        Some(json!({"imageType": "UBUNTU_CONTAINERD"}))
    );
}

#[test]
fn disk_type_is_created_and_changed_in_place() {
    let emu = Emu::start();
    let sent = change(
        &emu,
        "disk_type = \"pd-balanced\"",
        "disk_type = \"pd-ssd\"",
        "~ disk_type  pd-balanced -> pd-ssd  # PUT nodePools/{pool} (diskType)",
    );
    assert_eq!(
        created(&emu.requests())["config"]["diskType"],
        "pd-balanced"
    );
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].body, Some(json!({"diskType": "pd-ssd"})));
}

/// A replacement: the new pool is created with the new value, then the old one deleted.
fn assert_replaced(emu: &Emu, sent: &[RecordedRequest]) -> Value {
    let kinds: Vec<(&str, bool)> = sent
        .iter()
        .map(|r| (r.method.as_str(), r.path.ends_with("/nodePools/jobs")))
        .collect();
    assert_eq!(kinds, [("POST", false), ("DELETE", true)], "{sent:?}");
    created(&emu.requests())
}

#[test]
fn service_account_is_created_and_changed_by_replacing_the_pool() {
    let emu = Emu::start();
    let sent = change(
        &emu,
        "service_account = \"jobs-a@acme.iam.gserviceaccount.com\"",
        "service_account = \"jobs-b@acme.iam.gserviceaccount.com\"",
        "# forces replacement: GKE cannot change a pool's service account after creation",
    );
    let new = assert_replaced(&emu, &sent);
    assert_eq!(
        new["config"]["serviceAccount"],
        "jobs-b@acme.iam.gserviceaccount.com"
    );
}

#[test]
fn oauth_scopes_are_created_and_changed_by_replacing_the_pool() {
    let emu = Emu::start();
    let logging = "https://www.googleapis.com/auth/logging.write";
    let monitoring = "https://www.googleapis.com/auth/monitoring";
    let storage = "https://www.googleapis.com/auth/devstorage.read_only";
    let sent = change(
        &emu,
        &format!("oauth_scopes = [\"{monitoring}\", \"{logging}\"]"),
        &format!("oauth_scopes = [\"{logging}\", \"{monitoring}\", \"{storage}\"]"),
        "# forces replacement: GKE cannot change a pool's OAuth scopes after creation",
    );
    let new = assert_replaced(&emu, &sent);
    assert_eq!(
        new["config"]["oauthScopes"],
        json!([storage, logging, monitoring])
    );
}

#[test]
fn max_pods_per_node_is_created_and_changed_by_replacing_the_pool() {
    let emu = Emu::start();
    let sent = change(
        &emu,
        "max_pods_per_node = 64",
        "max_pods_per_node = 32",
        "~ max_pods_per_node  64 -> 32  # forces replacement: GKE cannot change a pool's maximum pods per node after creation",
    );
    let new = assert_replaced(&emu, &sent);
    // int64 travels as a string.
    assert_eq!(new["maxPodsConstraint"], json!({"maxPodsPerNode": "32"}));
}

#[test]
fn stating_the_clouds_default_is_no_change() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, JOBS);
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &jobs_with("image_type = \"COS_CONTAINERD\"\nmax_pods_per_node = 110"),
    ));
    ws.assert_no_changes();
}

#[test]
fn settings_in_defaults_reach_every_pool() {
    let emu = Emu::start();
    let pools = format!(
        "[defaults.gke]\nservice_account = \"nodes@acme.iam.gserviceaccount.com\"\n\n{JOBS}"
    );
    let ws = applied_workspace(&emu, &pools);
    assert_eq!(
        created(&emu.requests())["config"]["serviceAccount"],
        "nodes@acme.iam.gserviceaccount.com"
    );
    ws.assert_no_changes();
}

#[test]
fn node_recreating_fields_change_in_one_request() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, &jobs_with("disk_type = \"pd-balanced\""));
    let since = emu.mutations().len();
    let bigger = jobs_with("disk_type = \"pd-ssd\"")
        .replace("n2-standard-8", "n2-standard-16")
        .replace("disk_gb = 100", "disk_gb = 200");
    ws.write(&gke_blueprint(&emu.endpoint(), &bigger));
    let (code, text) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(
            "# PUT nodePools/{pool} (machineType, diskSizeGb, diskType) (one request for 3 fields)"
        ),
        "{text}"
    );
    assert!(
        text.contains("# in the same request as machine_type"),
        "{text}"
    );
    ws.apply_ok();
    let sent = emu.mutations_since(since);
    assert_eq!(sent.len(), 1, "the nodes roll once: {sent:?}");
    assert_eq!(
        sent[0].body,
        Some(json!({"machineType": "n2-standard-16", "diskSizeGb": "200", "diskType": "pd-ssd"}))
    );
    ws.assert_no_changes();
    assert_bodies_follow_contract(&emu.requests());
}

#[test]
fn a_spot_gpu_pool_applies_and_plans_empty() {
    let emu = Emu::start();
    let pools = r#"[pools.core]
class = "core"
machine_type = "e2-standard-4"
size = 3

[pools.gpu]
class = "gpu"
spot = true
machine_type = "g2-standard-8"
gpu = { type = "nvidia-l4", count = 1 }
autoscale = { min = 0, max = 4 }
"#;
    let ws = applied_workspace(&emu, pools);
    let gpu = emu
        .requests()
        .into_iter()
        .filter_map(|r| r.body)
        .map(|b| b["nodePool"].clone())
        .find(|p| p["name"] == "gpu")
        .expect("gpu created");
    assert_eq!(gpu["config"]["spot"], true);
    assert_eq!(
        gpu["config"]["accelerators"][0]["acceleratorType"],
        "nvidia-l4"
    );
    let taints: Vec<String> = gpu["config"]["taints"]
        .as_array()
        .expect("taints")
        .iter()
        .map(|t| format!("{}={}:{}", t["key"], t["value"], t["effect"]).replace('"', ""))
        .collect();
    assert_eq!(
        taints,
        [
            "cloud.google.com/gke-spot=true:NO_SCHEDULE",
            "nvidia.com/gpu=present:NO_SCHEDULE"
        ]
    );
    ws.assert_no_changes();
    assert_bodies_follow_contract(&emu.requests());
}

#[test]
fn a_core_pool_with_spot_is_refused_at_its_line() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(
        &emu.endpoint(),
        "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 3\nspot = true\n",
    ));
    for command in ["validate", "plan"] {
        let out = ws.poolctl(&[command]).output().expect("runs");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("a core pool cannot be spot"), "{err}");
        assert!(err.contains("blueprint.toml:12:8"), "{err}");
    }
    assert!(emu.requests().is_empty());
}

#[test]
fn a_setting_poolctl_cannot_plan_is_refused_at_validate() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(
        &emu.endpoint(),
        &jobs_with("node_version = \"1.33\""),
    ));
    let out = ws.poolctl(&["validate"]).output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("unknown key `node_version` in [pools.jobs.gke]"),
        "{err}"
    );
    assert!(err.contains("blueprint.toml:15:1"), "{err}");
    assert!(
        err.contains("image_type"),
        "the known keys are listed: {err}"
    );
}
