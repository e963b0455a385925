//! Checks AKS agent-pool traffic against Microsoft's own model of the API, a reading of the
//! contract of its own: `scripts/check-aks-contract.py` walks each body against the models
//! of the official SDK, azure-mgmt-containerservice 41.8.0 (api-version 2026-08-01). It
//! calls no code of the emulator (which validates with its own pruned contract) or of the
//! AKS provider, so a misreading by either shows up here as a third opinion.
//!
//! Its inputs are `python3` with that package (`pip install azure-mgmt-containerservice==41.8.0`)
//! and, for the official examples, ../shared/api-specs/aks/examples. When one is missing a
//! developer's run skips, saying so loudly; a run with `CI=true` fails instead, since a
//! skip line in CI is one nobody reads.

use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

/// The checker, relative to the repository root.
pub const SCRIPT: &str = "scripts/check-aks-contract.py";

/// The official ARM examples, relative to the repository root.
pub const EXAMPLES: &str = "../shared/api-specs/aks/examples";

/// What CI installs for the checker.
pub const INSTALL: &str = "pip install azure-mgmt-containerservice==41.8.0";

/// The script's path on this machine.
pub fn script_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCRIPT)
}

/// The interpreter: `POOLCTL_PYTHON` when set, else `python3`.
pub fn python() -> String {
    std::env::var("POOLCTL_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

/// The examples folder: `POOLCTL_AKS_EXAMPLES` when set (for a checkout without ../shared),
/// else the shared folder beside the repository.
pub fn examples_dir() -> PathBuf {
    match std::env::var_os("POOLCTL_AKS_EXAMPLES").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES),
    }
}

/// Whether `CI` says this is a CI run (`true`, any case, or `1`).
pub fn in_ci(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// What to do when an input of the check is unavailable (`why`): an error under CI, where
/// a skip would pass silently; `Ok` elsewhere, where the caller skips and says so.
pub fn when_unavailable(ci: Option<&str>, why: &str) -> Result<(), String> {
    if in_ci(ci) {
        Err(format!(
            "the AKS contract check cannot be skipped in CI (CI is true): {why}"
        ))
    } else {
        Ok(())
    }
}

/// Fails under `CI=true`; elsewhere prints a loud skip notice. Call it, then return.
pub fn skip_or_fail(why: &str) {
    if let Err(message) = when_unavailable(std::env::var("CI").ok().as_deref(), why) {
        panic!("{message}");
    }
    // Said once per test binary and reason, however many tests meet it.
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut said = SAID.lock().unwrap_or_else(PoisonError::into_inner);
    if said.insert(why.to_string()) {
        eprintln!(
            "\n*** SKIPPED: the AKS contract check did not run: {why}\n\
             *** (outside CI it skips; with CI=true it fails)\n"
        );
    }
}

/// What one run of the checker said.
#[derive(Debug, Clone)]
pub struct AksReport {
    /// Whether everything conformed (exit status 0).
    pub conforms: bool,
    /// Violations, one `where: what` line each.
    pub violations: Vec<String>,
    /// Warnings, `where: what` (without the `warning: ` prefix).
    pub warnings: Vec<String>,
    /// The closing `N requests, M responses checked ...` line.
    pub summary: String,
    /// Everything the script printed, for messages.
    pub output: String,
}

impl AksReport {
    /// The violations reported at `where_prefix` (such as `request[3] ` or `response[0] `).
    pub fn violations_at(&self, where_prefix: &str) -> Vec<&str> {
        self.violations
            .iter()
            .filter(|v| v.starts_with(where_prefix))
            .map(String::as_str)
            .collect()
    }
}

/// Why the checker could not run here: no interpreter, or no SDK (exit status 3).
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

/// Runs the checker on `input` (`{"requests": [...], "responses": [...]}`) with `python()`
/// and `python_args` before the script. A crash or unusable input is a panic, never a skip.
pub fn run_checker(python_args: &[&str], input: &Value) -> Result<AksReport, Unavailable> {
    let interpreter = python();
    let spawned = Command::new(&interpreter)
        .args(python_args)
        .arg(script_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Unavailable(format!(
                "`{interpreter}` is not installed: the checker is a Python script; install \
                 Python 3, then {INSTALL}"
            )))
        }
        Err(e) => panic!("cannot run `{interpreter}` {SCRIPT}: {e}"),
    };
    let text = serde_json::to_vec(input).expect("the input serializes");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(&text)
        .expect("the checker reads its input");
    let done = child.wait_with_output().expect("the checker ends");
    let stdout = String::from_utf8_lossy(&done.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&done.stderr).into_owned();
    let output = format!("{stdout}{stderr}");
    match done.status.code() {
        Some(0 | 1) => {}
        Some(3) => return Err(Unavailable(stderr.trim().to_string())),
        other => panic!("{SCRIPT} failed (exit status {other:?}):\n{output}"),
    }
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    let Some((summary, findings)) = lines.split_last() else {
        panic!("{SCRIPT} printed no summary:\n{output}");
    };
    assert!(
        summary.contains(" responses checked"),
        "{SCRIPT}: the last line is not its summary:\n{output}"
    );
    let (warnings, violations): (Vec<&str>, Vec<&str>) =
        findings.iter().partition(|l| l.starts_with("warning: "));
    let report = AksReport {
        conforms: done.status.code() == Some(0),
        violations: violations.iter().map(|l| l.to_string()).collect(),
        warnings: warnings
            .iter()
            .map(|l| l.trim_start_matches("warning: ").to_string())
            .collect(),
        summary: summary.to_string(),
        output,
    };
    assert_eq!(
        report.conforms,
        report.violations.is_empty(),
        "{SCRIPT}: the exit status and the lines printed disagree:\n{}",
        report.output
    );
    Ok(report)
}

/// Runs the checker, or skips (outside CI) / panics (in CI) when it cannot run here.
pub fn checker_or_skip(input: &Value) -> Option<AksReport> {
    match run_checker(&[], input) {
        Ok(report) => Some(report),
        Err(Unavailable(why)) => {
            skip_or_fail(&why);
            None
        }
    }
}

/// The checker's input for an emulator's request log and a list of answers, each
/// `(what, body)`: a GET or PUT answer (an AgentPool) or a list page.
/// The cluster lock's tag calls go to ARM's Tags API (Microsoft.Resources, api-version
/// 2021-04-01), another contract than the agent pools' model: they are left out here,
/// and tests/cluster_lock.rs checks their shape.
pub fn traffic_input(requests: &[RecordedRequest], responses: &[(String, Value)]) -> Value {
    json!({
        "requests": requests
            .iter()
            .filter(|r| !r.path.contains("/providers/Microsoft.Resources/tags/"))
            .map(|r| json!({
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "body": r.body,
                "status": r.status,
            }))
            .collect::<Vec<_>>(),
        "responses": responses
            .iter()
            .map(|(what, body)| json!({"what": what, "body": body}))
            .collect::<Vec<_>>(),
    })
}

/// Asserts that every AKS request poolctl sent (as the emulator recorded it) and every
/// answer given follow Microsoft's model: panics with the checker's output on a violation.
/// Skips loudly outside CI when `python3` or the SDK is missing; panics under `CI=true`.
/// Returns the report (`None` when skipped), for callers that assert on its counts.
pub fn check_aks_traffic(
    requests: &[RecordedRequest],
    responses: &[(String, Value)],
) -> Option<AksReport> {
    assert!(
        !requests.is_empty() || !responses.is_empty(),
        "check_aks_traffic was given nothing to check"
    );
    let report = checker_or_skip(&traffic_input(requests, responses))?;
    for warning in &report.warnings {
        eprintln!("AKS contract warning: {warning}");
    }
    assert!(
        report.conforms,
        "AKS traffic breaks the contract (azure-mgmt-containerservice 41.8.0, \
         api-version 2026-08-01):\n{}",
        report.output
    );
    Some(report)
}

/// One official example: its file name and its parsed content.
pub type Example = (String, Value);

/// The official examples (`*.json` in `examples_dir()`), sorted by name. `None`, with a
/// loud skip notice, when the folder is absent outside CI; a panic when it is absent (or
/// empty) with `CI=true`, or unreadable.
pub fn official_examples() -> Option<Vec<Example>> {
    // .ci/run says `none` out loud when the examples are not beside the repository: they
    // are on no package registry, so CI cannot install them.
    if std::env::var("POOLCTL_AKS_EXAMPLES").as_deref() == Ok("none") {
        eprintln!("*** SKIPPED: POOLCTL_AKS_EXAMPLES=none: the checks against Microsoft's AKS examples are off");
        return None;
    }
    let dir = examples_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip_or_fail(&format!(
                "the official AKS examples are missing at {} (put ../shared beside the \
                 repository, or point POOLCTL_AKS_EXAMPLES at the examples folder)",
                dir.display()
            ));
            return None;
        }
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let mut examples: Vec<Example> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, value)
        })
        .collect();
    examples.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        !examples.is_empty(),
        "no official AKS example (*.json) in {}",
        dir.display()
    );
    Some(examples)
}

/// An example's ARM path, from its `parameters` (the list path when it names no pool).
pub fn example_path(parameters: &Value) -> String {
    let part = |key: &str| {
        parameters[key]
            .as_str()
            .unwrap_or_else(|| panic!("the example's parameters have no {key}: {parameters}"))
            .to_string()
    };
    let pools = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}/agentPools",
        part("subscriptionId"),
        part("resourceGroupName"),
        part("resourceName")
    );
    match parameters["agentPoolName"].as_str() {
        Some(pool) => format!("{pools}/{pool}"),
        None => pools,
    }
}

/// The checker's input for the official examples: each example's request (PUT with
/// `parameters.parameters` as the body for AgentPools_CreateOrUpdate; GET or DELETE without
/// body for AgentPools_Get, _List, _Delete) and each response body it shows. The
/// CreateOrUpdate examples' answers carry no eTag, so it is not required of them.
pub fn examples_input(examples: &[Example]) -> Value {
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    for (name, example) in examples {
        let operation = example["operationId"].as_str().unwrap_or_default();
        let parameters = &example["parameters"];
        let path = example_path(parameters);
        let (method, body) = match operation {
            "AgentPools_CreateOrUpdate" => ("PUT", Some(parameters["parameters"].clone())),
            "AgentPools_Get" | "AgentPools_List" => ("GET", None),
            "AgentPools_Delete" => ("DELETE", None),
            other => panic!("{name}: an operation the examples test does not know: {other:?}"),
        };
        assert!(
            method != "PUT" || body.as_ref().is_some_and(Value::is_object),
            "{name}: a CreateOrUpdate example without parameters.parameters"
        );
        requests.push(json!({"method": method, "path": path, "body": body}));
        let answers = example["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: no responses"));
        for (status, answer) in answers {
            if let Some(body) = answer.get("body") {
                responses.push(json!({
                    "what": format!("{name} {status}"),
                    "body": body,
                    "require_etag": operation != "AgentPools_CreateOrUpdate",
                }));
            }
        }
    }
    json!({"requests": requests, "responses": responses})
}
