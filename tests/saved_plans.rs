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

/// `poolctl apply plan.json` run in `dir`, which must succeed; returns its output.
fn apply_plan_in(dir: &std::path::Path) -> String {
    let out = common::poolctl()
        .current_dir(dir)
        .args(["apply", "plan.json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    stdout_of(&out)
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
fn a_saved_plan_applied_twice_is_stale_the_second_time() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let saved = save_plan(&ws);
    let out = apply_saved(&ws, &saved);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let before = emu.mutations().len();
    let out = apply_saved(&ws, &saved);
    assert_eq!(out.status.code(), Some(STALE));
    let err = stderr_of(&out);
    assert!(err.contains("(was this plan applied before?)"), "{err}");
    assert!(
        err.contains(&format!(
            "`poolctl plan -f blueprint.toml -o {}`",
            saved.display()
        )),
        "no --emulator for a plan made without it: {err}"
    );
    assert_eq!(emu.mutations().len(), before);
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
    assert!(
        err.contains("is stale: pool gpu, which the plan creates, exists already"),
        "{err}"
    );
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

/// A blueprint for the embedded emulator (no endpoint): its cloud is `.poolctl/` where
/// poolctl runs.
fn emulated(pools: &str) -> String {
    format!(
        "[cluster]\nprovider = \"gke\"\nname = \"analytics\"\nproject = \"acme\"\nlocation = \"europe-west1\"\n\n{pools}"
    )
}

const CORE: &str = "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 2\nzones = [\"europe-west1-b\", \"europe-west1-c\"]\n";

#[test]
fn a_saved_plan_applies_after_its_whole_folder_moved() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    save_plan(&ws);
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let moved = elsewhere.path().join("checkout");
    std::fs::rename(ws.dir.path(), &moved).expect("move the folder");
    let log = apply_plan_in(&moved);
    assert!(log.contains("4 created"), "{log}");
    // The blueprint moved with it and is still checked: an edit there makes it stale.
    let text = std::fs::read_to_string(moved.join("blueprint.toml")).expect("moved");
    std::fs::write(
        moved.join("blueprint.toml"),
        text.replace("max = 10", "max = 11"),
    )
    .expect("edit");
    let out = common::poolctl()
        .current_dir(&moved)
        .args(["apply", "plan.json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(STALE), "{}", stderr_of(&out));
}

#[test]
fn a_saved_plan_carries_its_blueprint_and_applies_without_the_file() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let saved = save_plan(&ws);
    // Another CI job on another runner: only the plan artifact is there.
    let runner = tempfile::tempdir().expect("temp dir");
    std::fs::copy(&saved, runner.path().join("plan.json")).expect("copy the artifact");
    std::fs::remove_file(ws.path()).expect("no blueprint");
    let log = apply_plan_in(runner.path());
    assert!(log.contains("4 created"), "{log}");
}

#[test]
fn an_emulator_plan_moves_with_its_folder_and_its_stale_hint_works_when_copied() {
    let ws = Workspace::new(&emulated(CORE));
    let out = ws
        .poolctl(&["plan", "--emulator", "-o", "plan.json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let moved = elsewhere.path().join("checkout");
    std::fs::rename(ws.dir.path(), &moved).expect("move the folder");
    let blueprint = moved.join("blueprint.toml");
    std::fs::write(&blueprint, emulated(&CORE.replace("size = 2", "size = 4"))).expect("edit");

    let out = common::poolctl()
        .current_dir(&moved)
        .args(["apply", "plan.json"])
        .output()
        .expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(STALE), "{err}");
    assert!(err.contains("the blueprint was edited"), "{err}");
    let hint = "poolctl plan -f blueprint.toml --emulator -o plan.json";
    assert!(err.contains(&format!("`{hint}`")), "{err}");

    // The hint, pasted into a shell where poolctl is installed, makes a plan that applies.
    let bin = assert_cmd::cargo::cargo_bin("poolctl");
    let pasted = hint.replacen("poolctl", &bin.display().to_string(), 1);
    let status = std::process::Command::new("sh")
        .args(["-c", &pasted])
        .current_dir(&moved)
        .env("NO_COLOR", "1")
        .env("POOLCTL_EMULATOR_OPERATION_POLLS", "2")
        .status()
        .expect("runs");
    assert!(status.success());
    let log = apply_plan_in(&moved);
    assert!(log.contains("1 created"), "{log}");
}

#[test]
fn a_pool_deleted_since_the_plan_makes_it_stale() {
    let emu = Emu::start();
    let ws = common::applied_workspace(&emu, ANALYTICS_POOLS);
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &ANALYTICS_POOLS.replace("max = 10", "max = 12"),
    ));
    let saved = save_plan(&ws);
    emu.by_hand(
        reqwest::Method::DELETE,
        "/nodePools/batch",
        serde_json::json!({}),
    );
    let before = emu.mutations().len();
    let out = apply_saved(&ws, &saved);
    assert_eq!(out.status.code(), Some(STALE), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("live pool batch was deleted"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(emu.mutations().len(), before, "nothing applied");
}
