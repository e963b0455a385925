//! End-to-end on AKS: the Kubeflow + Spark platform of examples/aks-kubeflow-spark.toml
//! planned and applied through the CLI against the emulator's ARM surface, then changed in
//! place, by replacement, by deletion, and under ARM's conflicts (409, 412).

mod common;

use common::aks::{aks_blueprint, kubeflow_spark_pools, CLUSTER, RESOURCE_GROUP, SUBSCRIPTION};
use common::{stderr_of, stdout_of, Emu, Workspace};
use poolctl_emulator::{EmulatorConfig, Fault, FaultKind};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

const POOLS: usize = 8;

/// Applies the platform and checks that a second plan is empty.
fn applied(emu: &Emu) -> Workspace {
    let ws = Workspace::new(&aks_blueprint(&emu.endpoint(), &kubeflow_spark_pools()));
    let log = ws.apply_ok();
    assert!(
        log.contains(&format!(
            "{POOLS} created, 0 updated, 0 replaced, 0 deleted, 0 failed"
        )),
        "{log}"
    );
    ws.assert_no_changes();
    ws
}

fn etag(pool: &Value) -> String {
    pool["properties"]["eTag"]
        .as_str()
        .expect("an agent pool has an eTag")
        .to_string()
}

#[test]
fn the_platform_applies_with_create_only_puts_and_then_plans_empty() {
    let emu = Emu::start();
    let _ws = applied(&emu);
    let creates: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(creates.len(), POOLS, "{creates:#?}");
    for create in &creates {
        // A concurrent creator of the same pool would be refused, not overwritten.
        assert_eq!(
            create.if_none_match.as_deref(),
            Some("*"),
            "{}",
            create.path
        );
        assert_eq!(create.status, 201, "{}", create.path);
    }
    let body = |pool: &str| -> Value {
        creates
            .iter()
            .find(|r| r.path.ends_with(&format!("/agentPools/{pool}")))
            .and_then(|r| r.body.clone())
            .unwrap_or_else(|| panic!("{pool} created"))
    };
    let system = body("system");
    assert_eq!(system["properties"]["mode"], "System");
    assert_eq!(system["properties"]["count"], 3);
    assert_eq!(
        system["properties"]["availabilityZones"],
        json!(["1", "2", "3"])
    );
    let a = body("a");
    assert_eq!(a["properties"]["mode"], "User");
    assert_eq!(a["properties"]["enableAutoScaling"], true);
    assert_eq!(a["properties"]["minCount"], 0);
    assert_eq!(a["properties"]["maxCount"], 10);
    assert_eq!(a["properties"]["nodeTaints"], json!(["team=a:NoSchedule"]));
    assert_eq!(a["properties"]["osSKU"], "AzureLinux");
    assert_eq!(a["properties"]["tags"]["poolctl-pool"], "a");
    // The spot pool asks for spot capacity; AKS adds its label and taint itself.
    let spot = body("sparkjobs");
    assert_eq!(spot["properties"]["scaleSetPriority"], "Spot");
    assert_eq!(spot["properties"]["scaleSetEvictionPolicy"], "Delete");
    assert_eq!(
        spot["properties"]["nodeTaints"],
        json!(["dedicated=sparkjobs:NoSchedule"])
    );
    assert_eq!(spot["properties"]["maxPods"], 60);
    let live = emu.aks_pool("sparkjobs").expect("created");
    let taints = live["properties"]["nodeTaints"].as_array().expect("taints");
    assert!(
        taints.contains(&json!(
            "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
        )),
        "{taints:?}"
    );
    // The GPU pool keeps the image the pool asks for over [defaults.aks].
    assert_eq!(body("gpu")["properties"]["osSKU"], "Ubuntu");
    assert_eq!(body("gpu")["properties"]["vmSize"], "Standard_NC4as_T4_v3");
    // The cluster's own System pool is not the blueprint's: it is left alone.
    assert!(emu.aks_pool("nodepool1").is_some());
}

#[test]
fn a_taint_and_a_label_change_in_place_with_one_put_and_the_plans_etag() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let before = etag(&emu.aks_pool("a").expect("a"));
    ws.edit("team = \"a\" }", "team = \"alpha\" }");
    ws.edit("team=a:NoSchedule", "team=a:NoExecute");
    let plan = ws.plan_with_changes();
    assert!(plan.contains("~ pool a will be updated in place"), "{plan}");
    assert!(plan.contains("PUT agentPools/{pool}"), "{plan}");
    let puts_before = emu.aks_puts("a").len();
    ws.apply_ok();
    let puts = emu.aks_puts("a");
    assert_eq!(puts.len(), puts_before + 1, "{puts:#?}");
    let put = puts.last().expect("one PUT");
    assert_eq!(put.if_match.as_deref(), Some(before.as_str()));
    assert_eq!(put.status, 200);
    let body = put.body.as_ref().expect("a body");
    assert_eq!(body["properties"]["nodeLabels"]["team"], "alpha");
    assert_eq!(
        body["properties"]["nodeTaints"],
        json!(["team=a:NoExecute"])
    );
    // The whole pool goes back, so nothing else moved.
    assert_eq!(body["properties"]["vmSize"], "Standard_E8s_v5");
    for read_only in ["provisioningState", "eTag", "currentOrchestratorVersion"] {
        assert!(
            body["properties"].get(read_only).is_none(),
            "{read_only} sent"
        );
    }
    let live = emu.aks_pool("a").expect("a");
    assert_ne!(etag(&live), before, "every update gives a new eTag");
    ws.assert_no_changes();
}

#[test]
fn a_new_vm_size_creates_a_pool_under_a_derived_name_before_deleting_the_old_one() {
    let emu = Emu::start();
    let ws = applied(&emu);
    ws.edit(
        "machine_type = \"Standard_D8s_v5\"",
        "machine_type = \"Standard_D16s_v5\"",
    );
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("AKS cannot change vmSize after creation"),
        "{plan}"
    );
    let mark = emu.requests().len();
    let log = ws.apply_ok();
    assert!(log.contains("1 replaced"), "{log}");
    let changes: Vec<_> = emu
        .requests()
        .into_iter()
        .skip(mark)
        .filter(|r| r.method != "GET")
        .collect();
    let put = changes
        .iter()
        .position(|r| r.method == "PUT")
        .expect("a PUT");
    let delete = changes
        .iter()
        .position(|r| r.method == "DELETE")
        .expect("a DELETE");
    assert!(put < delete, "create before destroy: {changes:#?}");
    assert!(changes[delete].path.ends_with("/agentPools/kfplatform"));
    assert!(
        changes[delete].if_match.is_some(),
        "DELETE without If-Match"
    );
    let new_name = changes[put]
        .path
        .rsplit('/')
        .next()
        .expect("a pool name")
        .to_string();
    assert_ne!(new_name, "kfplatform");
    assert!(new_name.len() <= 12, "{new_name}");
    assert!(
        new_name.starts_with(|c: char| c.is_ascii_lowercase()),
        "{new_name}"
    );
    assert!(
        new_name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{new_name}"
    );
    assert!(emu.aks_pool("kfplatform").is_none());
    let new = emu.aks_pool(&new_name).expect("the new pool");
    assert_eq!(new["properties"]["vmSize"], "Standard_D16s_v5");
    assert_eq!(new["properties"]["tags"]["poolctl-pool"], "kfplatform");
    ws.assert_no_changes();
}

#[test]
fn bounds_and_a_static_count_change_in_place() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let text = std::fs::read_to_string(ws.path()).expect("read");
    // Pool b's bounds, and the control pool's size.
    let b_start = text.find("[pools.b]").expect("pool b");
    let (head, tail) = text.split_at(b_start);
    let tail = tail.replacen(
        "autoscale = { min = 0, max = 10 }",
        "autoscale = { min = 1, max = 6 }",
        1,
    );
    let text = format!("{head}{tail}").replacen(
        "machine_type = \"Standard_D4s_v5\"\nsize = 2\nlabels = { pool = \"control\" }",
        "machine_type = \"Standard_D4s_v5\"\nsize = 3\nlabels = { pool = \"control\" }",
        1,
    );
    ws.write(&text);
    let plan = ws.plan_with_changes();
    assert!(plan.contains("autoscale 0..10 -> autoscale 1..6"), "{plan}");
    assert!(plan.contains("size 2 -> size 3"), "{plan}");
    ws.apply_ok();
    let b = emu
        .aks_puts("b")
        .last()
        .and_then(|r| r.body.clone())
        .expect("b PUT");
    assert_eq!(b["properties"]["enableAutoScaling"], true);
    assert_eq!(b["properties"]["minCount"], 1);
    assert_eq!(b["properties"]["maxCount"], 6);
    let count = b["properties"]["count"].as_i64().expect("count");
    assert!(
        (1..=6).contains(&count),
        "count {count} outside the new bounds"
    );
    let control = emu
        .aks_puts("control")
        .last()
        .and_then(|r| r.body.clone())
        .expect("control PUT");
    assert_eq!(control["properties"]["count"], 3);
    assert_eq!(control["properties"]["enableAutoScaling"], false);
    assert!(control["properties"]
        .get("minCount")
        .is_none_or(Value::is_null));
    ws.assert_no_changes();
}

#[test]
fn a_pool_removed_from_the_blueprint_is_deleted_with_the_plans_etag() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let before = etag(&emu.aks_pool("sparkplat").expect("sparkplat"));
    let text = std::fs::read_to_string(ws.path()).expect("read");
    let start = text
        .find("# The Spark operator")
        .expect("sparkplat section");
    let end = text.find("# Spark executors").expect("next section");
    ws.write(&format!("{}{}", &text[..start], &text[end..]));
    let plan = ws.plan_with_changes();
    assert!(plan.contains("- pool sparkplat will be deleted"), "{plan}");
    let log = ws.apply_ok();
    assert!(log.contains("1 deleted"), "{log}");
    let delete = emu
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("a DELETE");
    assert!(delete.path.ends_with("/agentPools/sparkplat"));
    assert_eq!(delete.if_match.as_deref(), Some(before.as_str()));
    assert_eq!(delete.status, 202);
    assert!(emu.aks_pool("sparkplat").is_none());
    ws.assert_no_changes();
}

#[test]
fn the_autoscalers_count_and_the_injected_spot_values_are_no_difference() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.emulator
        .aks_autoscale(poolctl_emulator::AksAutoscaleRequest {
            subscription: SUBSCRIPTION.into(),
            resource_group: RESOURCE_GROUP.into(),
            cluster: CLUSTER.into(),
            pool: "sparkjobs".into(),
            count: 7,
        })
        .expect("the autoscaler moves the spot pool");
    assert_eq!(
        emu.aks_pool("sparkjobs").expect("spot")["properties"]["count"],
        7
    );
    ws.assert_no_changes();
}

#[test]
fn another_operation_in_progress_is_waited_out() {
    // Operations take real time here: one started by hand is still running when poolctl
    // sends its PUT, and AKS answers 409 OperationNotAllowed until it ends.
    let emu = Emu::with(EmulatorConfig {
        operation_duration: Duration::from_secs(3),
        auto_create_clusters: true,
        ..EmulatorConfig::default()
    });
    let pools = "[pools.jobs]\nclass = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nautoscale = { min = 0, max = 4 }\n";
    let ws = Workspace::new(&aks_blueprint(&emu.endpoint(), pools));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .env_remove("POOLCTL_EMULATOR_OPERATION_POLLS")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    // Someone scales the cluster's own pool; poolctl's change must wait for it.
    let base = common::aks::cluster_path();
    let mut busy = emu
        .aks_pool("nodepool1")
        .expect("the cluster's System pool");
    busy["properties"]["count"] = json!(3);
    for read_only in [
        "provisioningState",
        "eTag",
        "currentOrchestratorVersion",
        "nodeImageVersion",
        "status",
    ] {
        busy["properties"]
            .as_object_mut()
            .expect("properties")
            .remove(read_only);
    }
    let started = reqwest::blocking::Client::new()
        .put(format!(
            "{}{base}/agentPools/nodepool1?api-version={}",
            emu.endpoint(),
            common::aks::API_VERSION
        ))
        .json(&json!({ "properties": busy["properties"] }))
        .send()
        .expect("emulator answers");
    assert!(started.status().is_success(), "{:?}", started.text());
    ws.edit("max = 4", "max = 5");
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .env_remove("POOLCTL_EMULATOR_OPERATION_POLLS")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let puts = emu.aks_puts("jobs");
    let statuses: Vec<u16> = puts.iter().map(|r| r.status).collect();
    assert!(statuses.contains(&409), "no 409 was seen: {statuses:?}");
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    assert_eq!(
        emu.aks_pool("jobs").expect("jobs")["properties"]["maxCount"],
        5
    );
}

#[test]
fn a_pool_changed_between_plan_and_apply_is_stopped_and_the_others_are_done() {
    let emu = Emu::start();
    let ws = applied(&emu);
    ws.edit(
        "labels = { pool = \"a\", team = \"a\" }",
        "labels = { pool = \"a\", team = \"a\", tier = \"gold\" }",
    );
    ws.edit(
        "labels = { pool = \"b\", team = \"b\" }",
        "labels = { pool = \"b\", team = \"b\", tier = \"gold\" }",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolctl"))
        .current_dir(ws.dir.path())
        .args(["apply", "-f"])
        .arg(ws.path())
        .env("NO_COLOR", "1")
        .env("POOLCTL_EMULATOR_OPERATION_POLLS", "2")
        .env_remove("POOLCTL_AKS_ENDPOINT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poolctl starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        let mut told = false;
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            if !told && String::from_utf8_lossy(&all).contains("Enter a value:") {
                told = true;
                let _ = seen_tx.send(());
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    seen_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("poolctl asks for approval");
    // Meanwhile, someone else changes pool a.
    emu.aks_edit("a", |properties| {
        properties["nodeLabels"]["owner"] = json!("someone-else");
    });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"yes\n")
        .expect("answer");
    let status = child.wait().expect("poolctl ends");
    let out = reader.join().expect("stdout read");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr read");
    assert!(!status.success(), "{out}{err}");
    let all = format!("{out}{err}");
    assert!(all.contains("changed since the plan"), "{all}");
    assert!(all.contains("1 updated"), "{all}");
    assert!(all.contains("1 failed"), "{all}");
    let put = emu.aks_puts("a").last().cloned().expect("a PUT for a");
    assert_eq!(put.status, 412);
    // The other pool was changed; pool a keeps what the other writer set.
    assert_eq!(
        emu.aks_pool("b").expect("b")["properties"]["nodeLabels"]["tier"],
        "gold"
    );
    let a = emu.aks_pool("a").expect("a");
    assert_eq!(a["properties"]["nodeLabels"]["owner"], "someone-else");
    assert!(a["properties"]["nodeLabels"].get("tier").is_none());
}

#[test]
fn a_failed_pool_shows_in_the_plan_with_the_clouds_message() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.emulator.inject_fault(Fault {
        method: Some("PUT".into()),
        path_contains: Some("/agentPools/b".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "VMExtensionProvisioningError: the node bootstrap failed".into(),
        },
    });
    emu.aks_edit("b", |properties| {
        properties["nodeLabels"]["team"] = json!("b");
    });
    assert_eq!(
        emu.aks_pool("b").expect("b")["properties"]["provisioningState"],
        "Failed"
    );
    let (code, plan) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{plan}");
    assert!(plan.contains("VMExtensionProvisioningError"), "{plan}");
    assert!(!plan.contains("No changes"), "{plan}");
    assert!(
        plan.contains("-/+ pool b must be created again: the cloud reports it failed"),
        "{plan}"
    );
    let out = ws.poolctl(&["plan", "--json"]).output().expect("runs");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON plan");
    let b = doc["changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["pool"] == "b"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(b["health"]["state"], "failed", "{doc:#}");
    assert_eq!(b["health"]["status"], "Failed", "{doc:#}");
}
