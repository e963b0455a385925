//! What a plan may never do quietly: replace or delete a pool the blueprint protects,
//! delete a core pool, or delete every pool poolctl manages in a cluster.

mod common;

use common::{applied_workspace, gke_blueprint, stderr_of, stdout_of, Emu, ANALYTICS_POOLS};

#[test]
fn a_protected_pool_is_never_replaced() {
    let emu = Emu::start();
    let protected = ANALYTICS_POOLS.replace(
        "[pools.highmem]\nclass = \"workload\"\n",
        "[pools.highmem]\nclass = \"workload\"\nprotect = true\n",
    );
    let ws = applied_workspace(&emu, &protected);
    let before = emu.mutations().len();
    // Spot capacity cannot change in place on GKE: this would replace the pool.
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &protected.replace("protect = true\n", "protect = true\nspot = true\n"),
    ));
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let out = ws.poolctl(args).output().expect("runs");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("pool highmem is protected, but this plan must replace it: `spot` (false -> true: GKE cannot change a pool's spot setting after creation)"),
            "{err}"
        );
        // At the `protect = true` line (line 16 of the file).
        assert!(err.contains("blueprint.toml:16:11"), "{err}");
    }
    assert_eq!(emu.mutations().len(), before, "nothing changed");
}

#[test]
fn a_protected_pool_removed_from_the_blueprint_is_not_deleted() {
    let emu = Emu::start();
    let protected = ANALYTICS_POOLS.replace(
        "[pools.batch]\nclass = \"spot\"\n",
        "[pools.batch]\nclass = \"spot\"\nprotect = true\n",
    );
    let ws = applied_workspace(&emu, &protected);
    let without_batch = ANALYTICS_POOLS
        .split("[pools.batch]")
        .next()
        .expect("batch");
    ws.write(&gke_blueprint(&emu.endpoint(), without_batch));
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("pool batch (batch) is protected"), "{err}");
    assert!(err.contains("no longer in the blueprint"), "{err}");
    assert!(
        err.contains("apply it once with `protect = false`"),
        "{err}"
    );

    // The way out: unprotect (the tag goes), then remove.
    ws.write(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    ws.write(&gke_blueprint(&emu.endpoint(), without_batch));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("1 deleted"), "{}", stdout_of(&out));
}

#[test]
fn deleting_a_core_pool_needs_consent() {
    let emu = Emu::start();
    let ws = applied_workspace(&emu, ANALYTICS_POOLS);
    let before = emu.mutations().len();
    let without_core = ANALYTICS_POOLS
        .split("[pools.highmem]")
        .nth(1)
        .map(|rest| format!("[pools.highmem]{rest}"))
        .expect("pools after core");
    ws.write(&gke_blueprint(&emu.endpoint(), &without_core));

    let out = ws.poolctl(&["plan"]).output().expect("runs");
    let plan = stdout_of(&out);
    assert!(plan.contains("- pool core will be deleted"), "{plan}");
    assert!(
        plan.contains("WARNING: this plan deletes core pool core: the system services that run there lose their nodes."),
        "{plan}"
    );
    let out = ws.poolctl(&["plan", "--json"]).output().expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc["hazards"],
        serde_json::json!([{"kind": "deletes_core_pool", "pool": "core"}])
    );

    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("refusing to apply"), "{err}");
    assert!(err.contains("--allow-destroy-core"), "{err}");
    assert_eq!(emu.mutations().len(), before, "nothing changed");

    let out = ws
        .poolctl(&["apply", "--auto-approve", "--allow-destroy-core"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("1 deleted"), "{}", stdout_of(&out));
}

#[test]
fn deleting_every_managed_pool_needs_consent() {
    let emu = Emu::start();
    let ws = applied_workspace(
        &emu,
        "[pools.jobs]\nclass = \"workload\"\nmachine_type = \"n2-standard-8\"\nautoscale = { min = 0, max = 4 }\n",
    );
    let before = emu.mutations().len();
    ws.write(&gke_blueprint(&emu.endpoint(), ""));
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert!(
        stdout_of(&out)
            .contains("WARNING: this plan deletes every pool poolctl manages in the cluster."),
        "{}",
        stdout_of(&out)
    );
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(emu.mutations().len(), before);
    let out = ws
        .poolctl(&["apply", "--auto-approve", "--allow-destroy-core"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
}
