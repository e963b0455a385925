//! The declared `rust-version` is the true minimum: at least what every locked dependency
//! declares (as `cargo metadata` reports it), and no more than the toolchain the tests
//! run on. A dependency update that needs a newer Rust fails here, not on a user's machine.

use std::process::Command;

fn version(text: &str) -> (u32, u32) {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn rust_version_is_what_the_locked_dependencies_need() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let packages = metadata["packages"].as_array().expect("packages");
    let needed = packages
        .iter()
        .filter(|p| !members.contains(&p["id"].as_str().unwrap_or_default()))
        .filter_map(|p| {
            let rust = p["rust_version"].as_str()?;
            Some((
                version(rust),
                format!(
                    "{} {}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                ),
            ))
        })
        .max()
        .expect("some dependency declares a rust-version");
    for member in packages
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap_or_default()))
    {
        let declared = member["rust_version"]
            .as_str()
            .unwrap_or_else(|| panic!("{} declares no rust-version", member["name"]));
        assert!(
            version(declared) >= needed.0,
            "{} declares rust-version {declared}, but {} needs {}.{}: raise \
             workspace.package.rust-version in Cargo.toml",
            member["name"],
            needed.1,
            needed.0 .0,
            needed.0 .1
        );
    }
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .expect("rustc runs");
    let rustc = String::from_utf8_lossy(&rustc.stdout);
    let running = rustc
        .split_whitespace()
        .nth(1)
        .map(version)
        .expect("rustc version");
    assert!(
        running >= needed.0,
        "the toolchain ({rustc}) is older than the dependencies need"
    );
}
