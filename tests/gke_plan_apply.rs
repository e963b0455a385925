//! End-to-end: blueprint -> plan -> apply against the GKE emulator, through the CLI.

mod common;

use common::contract::assert_bodies_follow_contract;
use common::{applied_workspace, gke_blueprint, stdout_of, Emu, Workspace, ANALYTICS_POOLS};

/// Applies the analytics blueprint and checks that a second plan is empty.
fn applied(emu: &Emu) -> Workspace {
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let log = ws.apply_ok();
    assert!(
        log.contains("4 created, 0 updated, 0 replaced, 0 deleted, 0 failed"),
        "{log}"
    );
    assert_no_changes(&ws);
    ws
}

fn assert_no_changes(ws: &Workspace) {
    ws.assert_no_changes();
}

/// Plans with --detailed-exitcode, expecting changes, and returns the plan text.
fn apply(ws: &Workspace) -> String {
    ws.apply_ok()
}

#[test]
fn first_apply_creates_four_pools_with_what_the_blueprint_says() {
    let emu = Emu::start();
    let _ws = applied(&emu);
    let creates: Vec<_> = emu
        .mutations()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/nodePools"))
        .collect();
    assert_eq!(creates.len(), 4);
    let highmem = creates
        .iter()
        .filter_map(|r| r.body.as_ref())
        .find(|b| b["nodePool"]["name"] == "highmem")
        .expect("highmem created");
    let pool = &highmem["nodePool"];
    assert_eq!(pool["config"]["machineType"], "n2-highmem-16");
    assert_eq!(pool["config"]["labels"]["high-memory"], "true");
    assert_eq!(
        pool["config"]["taints"][0],
        serde_json::json!({"key": "high-memory", "value": "true", "effect": "NO_EXECUTE"})
    );
    assert_eq!(pool["autoscaling"]["totalMaxNodeCount"], 10);
    assert_eq!(pool["config"]["resourceLabels"]["poolctl-pool"], "highmem");
    assert_eq!(
        pool["config"]["resourceLabels"]["poolctl-blueprint"],
        "analytics"
    );
    assert_bodies_follow_contract(&emu.requests());
}

#[test]
fn changing_one_taint_is_one_in_place_update_of_that_field() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let before = emu.mutations().len();

    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &ANALYTICS_POOLS.replace("high-memory=true:NoExecute", "high-memory=true:NoSchedule"),
    ));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("~ pool highmem will be updated in place"),
        "{plan}"
    );
    assert_eq!(
        plan.matches("will be").count(),
        1,
        "one pool changes:\n{plan}"
    );
    assert!(
        plan.contains("taints  [high-memory=true:NoExecute] -> [high-memory=true:NoSchedule]"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{plan}"
    );

    let log = apply(&ws);
    // Off a terminal, progress is one timestamped line per step.
    assert!(log.contains("~ highmem: updating taints"), "{log}");
    assert!(log.contains("~ highmem: updated after"), "{log}");
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 1, "one request: {sent:?}");
    assert_eq!(sent[0].method, "PUT");
    assert!(
        sent[0].path.ends_with("/nodePools/highmem"),
        "{}",
        sent[0].path
    );
    assert_eq!(
        sent[0].body,
        Some(serde_json::json!({"taints": {"taints": [
            {"key": "high-memory", "value": "true", "effect": "NO_SCHEDULE"}
        ]}}))
    );
    assert_no_changes(&ws);
    assert_bodies_follow_contract(&emu.requests());
}

#[test]
fn raising_autoscale_max_goes_through_set_autoscaling() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let before = emu.mutations().len();

    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &ANALYTICS_POOLS.replace(
            "autoscale = { min = 0, max = 4 }",
            "autoscale = { min = 0, max = 6 }",
        ),
    ));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("~ pool gpu will be updated in place"),
        "{plan}"
    );
    assert!(
        plan.contains(
            "scaling  autoscale 0..4 -> autoscale 0..6  # POST nodePools/{pool}:setAutoscaling"
        ),
        "{plan}"
    );

    apply(&ws);
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].path.ends_with("/nodePools/gpu:setAutoscaling"),
        "{}",
        sent[0].path
    );
    let autoscaling = &sent[0].body.as_ref().expect("body")["autoscaling"];
    assert_eq!(autoscaling["enabled"], true);
    assert_eq!(autoscaling["totalMinNodeCount"], 0);
    assert_eq!(autoscaling["totalMaxNodeCount"], 6);
    assert_no_changes(&ws);
    assert_bodies_follow_contract(&emu.requests());
}

#[test]
fn removing_a_pool_from_the_blueprint_deletes_it() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let before = emu.mutations().len();

    let without_batch = ANALYTICS_POOLS
        .split("[pools.batch]")
        .next()
        .expect("batch table");
    ws.write(&gke_blueprint(&emu.endpoint(), without_batch));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("- pool batch will be deleted: it is no longer in the blueprint"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy."),
        "{plan}"
    );

    let out = apply(&ws);
    assert!(out.contains("1 deleted"), "{out}");
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].method, "DELETE");
    assert!(sent[0].path.ends_with("/nodePools/batch"));
    assert_no_changes(&ws);
}

#[test]
fn a_static_size_change_goes_through_set_size_per_zone() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let before = emu.mutations().len();

    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &ANALYTICS_POOLS.replace("size = 2", "size = 4"),
    ));
    let plan = ws.plan_with_changes();
    assert!(plan.contains("scaling  size 2 -> size 4"), "{plan}");
    apply(&ws);
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].path.ends_with("/nodePools/core:setSize"));
    // Two zones: GKE counts per zone, the blueprint counts the whole pool.
    assert_eq!(sent[0].body, Some(serde_json::json!({"nodeCount": 2})));
    assert_no_changes(&ws);
    assert_bodies_follow_contract(&emu.requests());
}

#[test]
fn a_pool_poolctl_did_not_create_is_listed_and_left_alone() {
    let emu = Emu::start();
    let ws = applied(&emu);
    // Someone creates a pool by hand, outside poolctl.
    emu.by_hand(
        reqwest::Method::POST,
        "/nodePools",
        serde_json::json!({"nodePool": {"name": "legacy", "initialNodeCount": 1,
            "config": {"machineType": "e2-medium"}}}),
    );

    let out = ws
        .poolctl(&["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("No changes"), "{text}");
    assert!(
        text.contains("Unmanaged pools (not created by poolctl; left alone): legacy"),
        "{text}"
    );
}

#[test]
fn a_static_size_that_does_not_divide_over_the_cluster_zones_is_refused_with_its_line() {
    let emu = Emu::start();
    // No zones: the pool runs in the cluster's three zones, and 2 does not divide by 3.
    let pools = ANALYTICS_POOLS.replace("zones = [\"europe-west1-b\", \"europe-west1-c\"]\n", "");
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), &pools));
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = common::stderr_of(&out);
    assert!(
        err.contains("size 2 does not divide evenly over the cluster's 3 zones"),
        "{err}"
    );
    assert!(err.contains("blueprint.toml:11:"), "{err}");
    assert!(emu.mutations().is_empty());
}

#[test]
fn the_autoscaler_moving_node_counts_is_never_a_difference() {
    let emu = Emu::start();
    let ws = applied(&emu);
    for (pool, nodes) in [("highmem", 7), ("gpu", 3), ("batch", 12)] {
        emu.emulator
            .autoscale(poolctl_emulator::AutoscaleRequest {
                project: "acme".into(),
                location: "europe-west1".into(),
                cluster: "analytics".into(),
                pool: pool.into(),
                nodes,
            })
            .expect("autoscaled");
    }
    let groups = emu.emulator.snapshot()["instanceGroupManagers"].clone();
    let highmem: i64 = groups
        .as_array()
        .expect("groups")
        .iter()
        .filter(|g| g["name"].as_str().is_some_and(|n| n.contains("-highmem-")))
        .map(|g| g["targetSize"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        highmem, 7,
        "the emulated autoscaler moved the pool: {groups}"
    );
    assert_no_changes(&ws);
}

#[test]
fn a_static_pool_resized_outside_poolctl_is_put_back() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.by_hand(
        reqwest::Method::POST,
        "/nodePools/core:setSize",
        serde_json::json!({"nodeCount": 3}),
    );
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("scaling  size 6 -> size 2  # POST nodePools/{pool}:setSize"),
        "{plan}"
    );
    apply(&ws);
    assert_no_changes(&ws);
}

#[test]
fn naming_a_pool_poolctl_did_not_create_adopts_it() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.by_hand(
        reqwest::Method::POST,
        "/nodePools",
        serde_json::json!({"nodePool": {"name": "legacy", "initialNodeCount": 1,
            "config": {"machineType": "e2-medium"}}}),
    );

    let with_legacy = format!(
        "{ANALYTICS_POOLS}\n[pools.legacy]\nclass = \"workload\"\nmachine_type = \"e2-medium\"\nsize = 3\n"
    );
    ws.write(&gke_blueprint(&emu.endpoint(), &with_legacy));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains(
            "~ pool legacy will be adopted (not created by poolctl; the blueprint names it)"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("tags  {} -> {poolctl-blueprint=analytics, poolctl-class=workload, poolctl-pool=legacy}"),
        "{plan}"
    );
    let before = emu.mutations().len();
    apply(&ws);
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].body,
        Some(serde_json::json!({"resourceLabels": {"labels": {
            "poolctl-blueprint": "analytics", "poolctl-class": "workload", "poolctl-pool": "legacy"}}}))
    );
    assert_no_changes(&ws);
}

#[test]
fn static_sizes_are_read_from_the_compute_endpoint_when_one_is_given() {
    let emu = Emu::start();
    let core = "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 3\n";
    let ws = applied_workspace(&emu, core);
    // A Compute endpoint of its own (a private one, say): the instance groups are read
    // there, not from the Container endpoint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let compute = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let with_compute = gke_blueprint(&emu.endpoint(), core).replace(
        "endpoint = ",
        &format!("compute_endpoint = \"{compute}\"\nendpoint = "),
    );
    ws.write(&with_compute);
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    let err = common::stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("read instance groups of node pool core"),
        "{err}"
    );
    assert!(
        err.contains(&format!("could not reach {}", &compute["http://".len()..])),
        "{err}"
    );
    // Given as the emulator, which serves Compute too, it works.
    ws.write(&gke_blueprint(&emu.endpoint(), core).replace(
        "endpoint = ",
        &format!("compute_endpoint = \"{}\"\nendpoint = ", emu.endpoint()),
    ));
    assert_no_changes(&ws);
}

#[test]
fn a_pool_whose_zones_are_no_longer_named_moves_back_to_the_clusters_zones() {
    let emu = Emu::start();
    let two_zones = "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 4\nzones = [\"europe-west1-c\", \"europe-west1-b\"]\n";
    let ws = applied_workspace(&emu, two_zones);
    // The pool is to run where the cluster runs (three zones), with three nodes in each.
    let cluster_zones =
        "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 9\n";
    ws.write(&gke_blueprint(&emu.endpoint(), cluster_zones));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("zones    [europe-west1-b, europe-west1-c] -> [europe-west1-b, europe-west1-c, europe-west1-d]"),
        "{plan}"
    );
    assert!(plan.contains("scaling  size 4 -> size 9"), "{plan}");
    apply(&ws);
    assert_no_changes(&ws);
}
