//! The README's main job: the quickstart applies four pools to the embedded emulator,
//! and a second plan finds nothing to do.

mod common;

use common::{poolctl, stdout_of};

#[test]
fn quickstart_applies_four_pools_then_plans_no_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let blueprint = dir.path().join("quickstart.toml");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.toml");
    std::fs::copy(source, &blueprint).expect("copy quickstart");

    let out = poolctl()
        .current_dir(dir.path())
        .args(["apply", "--auto-approve", "-f"])
        .arg(&blueprint)
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}\n{}", common::stderr_of(&out));
    for pool in ["core", "highmem", "gpu", "batch"] {
        assert!(
            text.contains(&format!("+ pool {pool} will be created")),
            "{text}"
        );
    }
    assert!(text.contains("Apply complete! Pools: 4 created"), "{text}");
    // The embedded emulator keeps its state under the folder poolctl runs in.
    assert!(dir.path().join(".poolctl/emulator/gke.json").exists());

    let out = poolctl()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(&blueprint)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    assert!(
        stdout_of(&out).contains("No changes"),
        "{}",
        stdout_of(&out)
    );
}
