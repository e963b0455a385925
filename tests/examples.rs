//! Every runnable example in examples/ is valid, applies to the embedded emulator, and
//! plans nothing afterwards: the examples the README points at cannot rot.

mod common;

use common::{poolctl, stderr_of, stdout_of};

#[test]
fn every_example_applies_and_then_plans_empty() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut examples: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 2, "{examples:?}");
    for example in examples {
        let work = tempfile::tempdir().expect("temp dir");
        let run = |args: &[&str]| {
            poolctl()
                .current_dir(work.path())
                .args(args)
                .arg(&example)
                .output()
                .expect("runs")
        };
        let out = run(&["validate"]);
        assert!(
            out.status.success(),
            "{}: {}",
            example.display(),
            stderr_of(&out)
        );
        let out = run(&["apply", "--auto-approve"]);
        assert!(
            out.status.success(),
            "{}: {}{}",
            example.display(),
            stdout_of(&out),
            stderr_of(&out)
        );
        let out = run(&["plan", "--detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            example.display(),
            stdout_of(&out)
        );
    }
}
