//! Invalid blueprints: each error class exits 1 with a message that names the file, line
//! and column, and poolctl makes no API call at all.

mod common;

use common::{gke_blueprint, stderr_of, Emu, Workspace};

/// Runs `plan` on a blueprint whose pools are `pools`, expecting exit 1 and no request.
/// Returns stderr.
fn rejected(emu: &Emu, pools: &str) -> String {
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), pools));
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        emu.requests().is_empty(),
        "no API call: {:?}",
        emu.requests()
    );
    // The same blueprint fails `validate` the same way, with the same diagnostics.
    let out = ws.poolctl(&["validate"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_of(&out), err, "validate and plan say the same");
    err
}

// Pools start on line 8 of the generated blueprint.
const HEAD: &str = "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 2\nzones = [\"europe-west1-b\", \"europe-west1-c\"]\n\n";

#[test]
fn an_unknown_key_suggests_the_right_one() {
    let emu = Emu::start();
    let err = rejected(&emu, &format!("{HEAD}[pools.highmem]\nclass = \"workload\"\nmachin_type = \"n2-highmem-16\"\nautoscale = {{ min = 0, max = 10 }}\n"));
    assert!(err.contains("machin_type"), "{err}");
    assert!(err.contains("did you mean `machine_type`?"), "{err}");
    assert!(err.contains("blueprint.toml:16:1"), "{err}");
}

#[test]
fn a_bad_label_key_and_value_point_at_themselves() {
    let emu = Emu::start();
    let err = rejected(
        &emu,
        &format!("{HEAD}[pools.highmem]\nclass = \"workload\"\nmachine_type = \"n2-highmem-16\"\nautoscale = {{ min = 0, max = 10 }}\nlabels = {{ \"-bad-\" = \"ok\", good = \"not ok!\" }}\n"),
    );
    assert!(err.contains("-bad-"), "{err}");
    assert!(err.contains("not ok!"), "{err}");
    assert!(err.contains("blueprint.toml:18:"), "{err}");
}

#[test]
fn a_bad_taint_effect_is_refused() {
    let emu = Emu::start();
    let err = rejected(
        &emu,
        &format!("{HEAD}[pools.highmem]\nclass = \"workload\"\nmachine_type = \"n2-highmem-16\"\nautoscale = {{ min = 0, max = 10 }}\ntaints = [\"high-memory=true:NoScheduled\"]\n"),
    );
    assert!(err.contains("NoScheduled"), "{err}");
    assert!(
        err.contains("NoSchedule, PreferNoSchedule or NoExecute"),
        "{err}"
    );
    assert!(err.contains("blueprint.toml:18:"), "{err}");
}

#[test]
fn autoscale_min_above_max_is_refused() {
    let emu = Emu::start();
    let err = rejected(
        &emu,
        &format!("{HEAD}[pools.highmem]\nclass = \"workload\"\nmachine_type = \"n2-highmem-16\"\nautoscale = {{ min = 5, max = 2 }}\n"),
    );
    assert!(err.contains("blueprint.toml:17:"), "{err}");
    // The message itself, not the echoed source line, which also says "min".
    assert!(
        err.contains("`autoscale.min` (5) is above `autoscale.max` (2)"),
        "{err}"
    );
    assert!(err.contains("blueprint::min_above_max"), "{err}");
}

#[test]
fn a_pool_name_gke_would_refuse_is_refused_here() {
    let emu = Emu::start();
    let err = rejected(
        &emu,
        &format!("{HEAD}[pools.High_Mem]\nclass = \"workload\"\nmachine_type = \"n2-highmem-16\"\nautoscale = {{ min = 0, max = 10 }}\n"),
    );
    assert!(err.contains("High_Mem"), "{err}");
    assert!(err.contains("blueprint.toml:14:"), "{err}");
}

#[test]
fn malformed_toml_is_refused_with_its_position() {
    let emu = Emu::start();
    let err = rejected(
        &emu,
        &format!("{HEAD}[pools.highmem\nclass = \"workload\"\n"),
    );
    assert!(err.contains("blueprint.toml:14:"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn every_error_of_a_file_is_reported_at_once() {
    let emu = Emu::start();
    let err = rejected(
        &emu,
        &format!("{HEAD}[pools.highmem]\nclass = \"workload\"\nmachin_type = \"n2-highmem-16\"\nautoscale = {{ min = 5, max = 2 }}\ntaints = [\"x=y:Never\"]\n"),
    );
    assert!(err.contains("machin_type"), "{err}");
    assert!(err.contains("Never"), "{err}");
    assert!(err.contains("blueprint.toml:17:"), "{err}");
}

#[test]
fn validate_accepts_the_quickstart() {
    let quickstart =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.toml");
    let out = common::poolctl()
        .args(["validate", "-f"])
        .arg(&quickstart)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        common::stdout_of(&out).contains("is valid: gke cluster analytics-quickstart with 4 pools")
    );
}
