//! Saved plans: `plan -o FILE` then `apply FILE`, refused with exit code 3 when anything
//! the plan was made from changed in between.

mod common;

use common::{gke_blueprint, stderr_of, stdout_of, Emu, Workspace, ANALYTICS_POOLS};

const STALE: i32 = 3;

fn save_plan(ws: &Workspace) -> std::path::PathBuf {
    let out = ws.dir.path().join("plan.json");
    let result = ws
        .poolctl(&["plan", "-o", out.to_str().expect("utf-8 path")])
        .output()
        .expect("runs");
    assert!(result.status.success(), "{}", stderr_of(&result));
    out
}

fn apply_saved(ws: &Workspace, saved: &std::path::Path) -> std::process::Output {
    common::poolctl()
        .current_dir(ws.dir.path())
        .arg("apply")
        .arg(saved)
        .output()
        .expect("runs")
}

#[test]
fn a_saved_plan_applies_exactly_what_it_showed() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let saved = save_plan(&ws);
    let out = apply_saved(&ws, &saved);
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(stdout_of(&out).contains("4 created"));
    let out = ws
        .poolctl(&["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
}

#[test]
fn a_pool_that_appeared_since_the_plan_makes_it_stale() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let saved = save_plan(&ws);
    // Someone creates `gpu` by hand before the plan is applied.
    emu.by_hand(
        reqwest::Method::POST,
        "/nodePools",
        serde_json::json!({"nodePool": {"name": "gpu", "initialNodeCount": 1}}),
    );
    let before = emu.mutations().len();

    let out = apply_saved(&ws, &saved);
    assert_eq!(out.status.code(), Some(STALE), "{}", stdout_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("is stale: live pool gpu appeared"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(emu.mutations().len(), before, "nothing applied");
}

#[test]
fn a_live_pool_changed_since_the_plan_makes_it_stale() {
    let emu = Emu::start();
    let ws = common::applied_workspace(&emu, ANALYTICS_POOLS);
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &ANALYTICS_POOLS.replace(
            "autoscale = { min = 0, max = 20 }",
            "autoscale = { min = 0, max = 30 }",
        ),
    ));
    let saved = save_plan(&ws);

    // Out-of-band edit of another pool's labels.
    emu.by_hand(
        reqwest::Method::PUT,
        "/nodePools/highmem",
        serde_json::json!({"labels": {"labels": {"high-memory": "true", "owner": "someone"}}}),
    );
    let before = emu.mutations().len();

    let out = apply_saved(&ws, &saved);
    assert_eq!(out.status.code(), Some(STALE), "{}", stdout_of(&out));
    assert!(
        stderr_of(&out).contains("live pool highmem was changed"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(emu.mutations().len(), before);
}

#[test]
fn an_edited_blueprint_makes_a_saved_plan_stale() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let saved = save_plan(&ws);
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &ANALYTICS_POOLS.replace("max = 10", "max = 12"),
    ));
    let out = apply_saved(&ws, &saved);
    assert_eq!(out.status.code(), Some(STALE));
    assert!(stderr_of(&out).contains("the blueprint was edited"));
    assert!(emu.mutations().is_empty());
}

#[test]
fn json_that_is_not_a_saved_plan_is_refused_for_what_it_is() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    // The hurried user's mistake: the JSON plan for reading, saved with a shell redirect.
    let json_plan = ws.dir.path().join("plan.json");
    let out = ws.poolctl(&["plan", "--json"]).output().expect("runs");
    std::fs::write(&json_plan, &out.stdout).expect("write");
    let out = apply_saved(&ws, &json_plan);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("is the output of `poolctl plan --json`"),
        "{err}"
    );
    assert!(err.contains("poolctl plan -f BLUEPRINT -o FILE"), "{err}");

    let other = ws.dir.path().join("other.json");
    std::fs::write(&other, r#"{"kind": "terraform-plan", "format_version": 1}"#).expect("write");
    let out = apply_saved(&ws, &other);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("is JSON of kind \"terraform-plan\""), "{err}");
    assert!(emu.mutations().is_empty(), "{:?}", emu.mutations());
}
