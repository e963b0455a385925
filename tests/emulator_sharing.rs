//! The embedded emulator is one cloud for every process that shares its state folder:
//! two applies at once (a fleet folder, or `plan` in a second terminal during an
//! `apply`) see and keep each other's changes, as on a real cloud.

mod common;

use common::{poolctl, stderr_of, stdout_of};

fn blueprint(cluster: &str) -> String {
    format!(
        "[cluster]\nprovider = \"gke\"\nname = \"{cluster}\"\nproject = \"acme\"\nlocation = \"europe-west1\"\nemulator = true\n\n\
         [pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 3\n\n\
         [pools.jobs]\nclass = \"workload\"\nmachine_type = \"n2-standard-8\"\nautoscale = {{ min = 0, max = 4 }}\n\n\
         [pools.batch]\nclass = \"spot\"\nmachine_type = \"n2-standard-8\"\nautoscale = {{ min = 0, max = 8 }}\n"
    )
}

#[test]
fn two_applies_at_once_on_one_emulated_cloud_both_keep_their_pools() {
    let dir = tempfile::tempdir().expect("temp dir");
    for cluster in ["alpha", "beta"] {
        std::fs::write(
            dir.path().join(format!("{cluster}.toml")),
            blueprint(cluster),
        )
        .expect("write");
    }
    let applies: Vec<std::process::Child> = ["alpha.toml", "beta.toml"]
        .iter()
        .map(|file| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolctl"));
            cmd.current_dir(dir.path())
                .args(["apply", "--auto-approve", file])
                .env("NO_COLOR", "1")
                // Several polls per operation, so that the two applies interleave.
                .env("POOLCTL_EMULATOR_OPERATION_POLLS", "4")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for child in applies {
        let out = child.wait_with_output().expect("waits");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 created"));
    }
    let out = poolctl()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode", "."])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert_eq!(stdout_of(&out).matches("No changes").count(), 2);
}
