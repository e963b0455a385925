//! What an apply covers: `--target` (plan and apply named pools only, saying the plan is
//! partial), `destroy` (every pool poolctl manages, never unmanaged or protected ones,
//! behind the core-pool guard), fleet apply with its summary and one failure that does
//! not stop the others, `apply --json`, and `[cluster] parallel_operations`.

mod common;

use common::{
    applied_workspace, gke_blueprint, poolctl, stderr_of, stdout_of, Emu, Workspace,
    ANALYTICS_POOLS,
};
use poolctl_emulator::{Fault, FaultKind};
use serde_json::Value;

#[test]
fn target_plans_and_applies_only_the_named_pools_and_says_the_plan_is_partial() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, ANALYTICS_POOLS);
    ws.edit(
        "autoscale = { min = 0, max = 10 }",
        "autoscale = { min = 0, max = 12 }",
    );
    ws.edit(
        "autoscale = { min = 0, max = 4 }",
        "autoscale = { min = 0, max = 5 }",
    );

    let out = ws
        .poolctl(&["plan", "--target", "highmem", "--detailed-exitcode"])
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("Partial plan: limited to highmem (--target)"),
        "{text}"
    );
    assert!(
        text.contains("pool highmem will be updated in place"),
        "{text}"
    );
    assert!(!text.contains("gpu"), "{text}");

    let out = ws
        .poolctl(&["apply", "--auto-approve", "--target", "highmem"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(
        stdout_of(&out).contains("0 created, 1 updated"),
        "{}",
        stdout_of(&out)
    );

    // The gpu pool was left as it was: the whole plan still shows it, and only it.
    let text = ws.plan_with_changes();
    assert!(text.contains("pool gpu will be updated in place"), "{text}");
    assert!(!text.contains("pool highmem"), "{text}");
}

#[test]
fn an_unknown_target_is_refused_with_the_pools_there_are() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply", "--auto-approve", "--target", "highmemm"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("--target highmemm: no such pool in cluster analytics (its pools: batch, core, gpu, highmem)"),
        "{err}"
    );
    assert!(
        emu.gke_pool_names("analytics").is_empty(),
        "nothing was created"
    );
}

const PROTECTED_POOL: &str = r#"
[pools.archive]
class = "workload"
machine_type = "e2-standard-4"
size = 3
protect = true
"#;

#[test]
fn destroy_deletes_what_poolctl_manages_and_never_unmanaged_or_protected_pools() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, &format!("{ANALYTICS_POOLS}{PROTECTED_POOL}"));
    emu.by_hand(
        reqwest::Method::POST,
        "/nodePools",
        serde_json::json!({"nodePool": {"name": "legacy", "initialNodeCount": 1,
            "config": {"machineType": "e2-medium"}}}),
    );

    // Deleting the core pool is guarded, as in apply.
    let out = ws
        .poolctl(&["destroy", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    let err = stderr_of(&out);
    assert!(
        text.contains("pool core will be deleted: poolctl destroy removes every pool it manages"),
        "the plan is shown first:\n{text}"
    );
    // System services keep their nodes while anything else goes.
    assert!(text.contains("4. - core"), "core is deleted last:\n{text}");
    assert!(err.contains("refusing to destroy"), "{err}");
    assert!(err.contains("deletes core pool core"), "{err}");
    assert!(
        err.contains("pool archive (archive) is protected (protect = true) and stays"),
        "{err}"
    );
    assert_eq!(
        emu.gke_pool_names("analytics").len(),
        6,
        "nothing was deleted"
    );

    let out = ws
        .poolctl(&["destroy", "--auto-approve", "--allow-destroy-core"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let text = stdout_of(&out);
    assert!(text.contains("4 deleted"), "{text}");
    assert!(
        text.contains("Unmanaged pools (not created by poolctl; left alone): legacy"),
        "{text}"
    );
    assert_eq!(emu.gke_pool_names("analytics"), vec!["archive", "legacy"]);

    // Destroying again finds nothing to do.
    let out = ws
        .poolctl(&["destroy", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("No changes"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn destroy_with_target_deletes_only_that_pool() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, ANALYTICS_POOLS);
    let out = ws
        .poolctl(&["destroy", "--auto-approve", "--target", "batch"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert_eq!(
        emu.gke_pool_names("analytics"),
        vec!["core", "gpu", "highmem"]
    );
}

#[test]
fn destroy_refuses_a_saved_plan() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let saved = ws.dir.path().join("plan.json");
    let out = ws
        .poolctl(&["plan", "-o", saved.to_str().unwrap()])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = poolctl().arg("destroy").arg(&saved).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out)
            .contains("destroy plans a blueprint's cluster anew; it takes no saved plan"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_fleet_applies_in_one_run_and_one_failure_stops_only_its_own_cluster() {
    let emu = Emu::start();
    let dir = common::gke_fleet_dir(&emu, &["dev", "prod", "staging"]);
    // The prod cluster's gpu pool ends in failure.
    emu.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("clusters/prod/nodePools".into()),
        times: 0,
        kind: FaultKind::FailOperation {
            message: "Insufficient regional quota to satisfy request: resource \"NVIDIA_L4_GPUS\""
                .into(),
        },
    });
    let out = poolctl()
        .args(["apply", "--auto-approve", "--parallelism", "3"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr_of(&out));
    assert!(
        text.contains("Fleet: 3 clusters, 3 with changes."),
        "{text}"
    );
    assert!(text.contains("Cluster prod:"), "{text}");
    assert!(
        text.contains("NVIDIA_L4_GPUS"),
        "the cloud's message:\n{text}"
    );
    assert!(
        text.contains("Fleet: 3 clusters applied, 1 with failures."),
        "{text}"
    );
    for ok in ["dev", "staging"] {
        assert_eq!(emu.gke_pool_names(ok).len(), 4, "{ok}");
    }
    // A second run finishes prod only.
    emu.emulator.clear_faults();
    let out = poolctl()
        .args(["apply", "--auto-approve"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    assert_eq!(emu.gke_pool_names("prod").len(), 4);
    let out = poolctl()
        .args(["plan", "--detailed-exitcode"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
}

#[test]
fn apply_json_reports_every_pool_on_stdout_and_nothing_else() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply", "--auto-approve", "--json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(report["kind"], "poolctl-apply-report");
    assert_eq!(report["format_version"], "1");
    assert_eq!(report["interrupted"], false);
    assert_eq!(report["summary"]["created"], 4);
    assert_eq!(report["summary"]["failed"], 0);
    let cluster = &report["clusters"][0];
    assert_eq!(cluster["cluster"], "analytics");
    assert_eq!(cluster["provider"], "gke");
    let pools = cluster["pools"].as_array().expect("pools");
    assert_eq!(pools.len(), 4);
    assert!(pools
        .iter()
        .all(|p| p["action"] == "create" && p["outcome"] == "done"));
    // The plan went to stderr, for people.
    assert!(
        stderr_of(&out).contains("+ pool core will be created"),
        "{}",
        stderr_of(&out)
    );

    // Without --auto-approve there is no one to ask.
    ws.edit("max = 10", "max = 11");
    let out = ws.poolctl(&["apply", "--json"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("add --auto-approve"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn quiet_prints_the_report_without_progress_lines() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply", "--auto-approve", "--quiet"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("Apply complete! Pools: 4 created"), "{text}");
    assert!(!text.contains("starting"), "{text}");
}

#[test]
fn progress_lines_in_a_log_are_timestamped_and_name_the_cloud_operation() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let text = ws.apply_ok();
    let line = text
        .lines()
        .find(|l| l.contains("+ core: starting"))
        .unwrap_or_else(|| panic!("{text}"));
    let (clock, _) = line.split_at(8);
    assert!(clock.chars().filter(|c| *c == ':').count() == 2, "{line}");
    assert!(text.contains("+ core: created after"), "{text}");
}

#[test]
fn parallel_operations_is_checked_against_each_clouds_limit() {
    let emu = Emu::start();
    let text = gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS).replace(
        "location = \"europe-west1\"",
        "location = \"europe-west1\"\nparallel_operations = 6",
    );
    let ws = Workspace::new(&text);
    let out = ws.poolctl(&["validate"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("`parallel_operations = 6` is outside 1..=5 for GKE"),
        "{err}"
    );
    assert!(
        err.contains("blueprint.toml:6:"),
        "located at its line:\n{err}"
    );

    ws.write(&text.replace("parallel_operations = 6", "parallel_operations = 3"));
    ws.apply_ok();
    ws.assert_no_changes();
}
