//! The GKE provider's error paths, proven against the emulator's fault injection: retries
//! that give up at their deadline, an endpoint that does not answer, server errors and
//! conflicts retried, a create whose answer was lost (never created twice), Retry-After,
//! an operation read that fails, an operation that never ends, an operation without
//! a status, the caller's deadline and the operation ids reported to the caller.

use poolctl_emulator::{EmulatorConfig, Fault, FaultKind, RunningEmulator};
use poolctl_gke::{AuthMode, GkeOptions, GkeProvider};
use poolctl_provider::retry::{PollSchedule, RetryPolicy};
use poolctl_provider::{
    ClusterTarget, NoProgress, PoolSpec, Progress, Provider, ProviderError, Scaling,
};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

async fn emulator(polls: u32) -> RunningEmulator {
    poolctl_emulator::start_loopback(EmulatorConfig {
        operation_polls: Some(polls),
        auto_create_clusters: true,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

/// Short delays and deadlines, so that giving up takes a moment, not fifteen minutes.
fn options() -> GkeOptions {
    GkeOptions {
        retry: RetryPolicy {
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            retry_after_cap: Duration::from_secs(2),
            budget: Duration::from_secs(1),
        },
        polling: PollSchedule {
            first: Duration::from_millis(5),
            min: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        operation_timeout: Duration::from_secs(5),
        auth: AuthMode::None,
    }
}

fn provider(endpoint: &str, options: GkeOptions) -> GkeProvider {
    let target = ClusterTarget {
        provider: "gke".into(),
        name: "analytics".into(),
        project: Some("acme".into()),
        resource_group: None,
        location: Some("europe-west1".into()),
        endpoint: Some(endpoint.to_string()),
        compute_endpoint: None,
    };
    GkeProvider::with_options(&target, options).expect("provider")
}

fn spec(name: &str) -> PoolSpec {
    PoolSpec {
        name: name.into(),
        machine_type: "e2-standard-4".into(),
        scaling: Scaling::Autoscale { min: 0, max: 3 },
        labels: BTreeMap::new(),
        taints: Vec::new(),
        spot: false,
        gpu: None,
        disk_gb: None,
        zones: Vec::new(),
        tags: BTreeMap::new(),
        extras: BTreeMap::new(),
    }
}

fn fault(method: &str, path: &str, times: u32, kind: FaultKind) -> Fault {
    Fault {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times,
        kind,
    }
}

fn http(status: u16, grpc: &str, retry_after_seconds: Option<u64>) -> FaultKind {
    FaultKind::Http {
        status,
        grpc_status: grpc.into(),
        message: format!("injected {grpc}"),
        retry_after_seconds,
        code: None,
    }
}

fn count(emu: &RunningEmulator, method: &str, path_end: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(path_end))
        .count()
}

#[tokio::test]
async fn retries_give_up_at_their_deadline_with_the_last_answer() {
    let emu = emulator(1).await;
    emu.inject_fault(fault(
        "GET",
        "/nodePools",
        0,
        http(503, "UNAVAILABLE", None),
    ));
    let gke = provider(&emu.endpoint(), options());
    let err = gke.list_pools().await.expect_err("gives up");
    let text = err.to_string();
    assert!(
        matches!(err, ProviderError::RetriesExhausted { .. }),
        "{text}"
    );
    assert!(text.contains("list node pools: gave up after"), "{text}");
    assert!(
        text.contains("503 UNAVAILABLE: injected UNAVAILABLE"),
        "{text}"
    );
    assert!(err.help().is_some_and(|h| h.contains("again later")));
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_is_reported_after_a_few_tries() {
    // A port nobody listens on: bind one, then let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let gke = provider(&endpoint, options());
    let err = gke.list_pools().await.expect_err("unreachable");
    let text = err.to_string();
    assert!(matches!(err, ProviderError::Transport { .. }), "{text}");
    assert!(text.contains("could not reach 127.0.0.1:"), "{text}");
    assert!(text.contains("(tried 4 times)"), "{text}");
    assert!(err.help().is_some_and(|h| h.contains("--emulator")));
}

#[tokio::test]
async fn server_errors_and_aborted_conflicts_are_retried() {
    let emu = emulator(1).await;
    emu.inject_fault(fault("GET", "/nodePools", 1, http(500, "INTERNAL", None)));
    emu.inject_fault(fault("GET", "/nodePools", 1, http(409, "ABORTED", None)));
    emu.inject_fault(fault(
        "PUT",
        "/nodePools/a",
        1,
        http(502, "UNAVAILABLE", None),
    ));
    let gke = provider(&emu.endpoint(), options());
    assert!(gke.list_pools().await.expect("retried").is_empty());
    assert_eq!(count(&emu, "GET", "/nodePools"), 3);
    gke.create_pool(&spec("a"), &NoProgress)
        .await
        .expect("created");
    let labels = BTreeMap::from([("team".to_string(), "ml".to_string())]);
    gke.update_pool(
        "a",
        &[poolctl_provider::PoolUpdate::Labels(labels)],
        &NoProgress,
    )
    .await
    .expect("an update is repeatable: retried");
    assert_eq!(count(&emu, "PUT", "/nodePools/a"), 2);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_looked_for_not_sent_twice() {
    let emu = emulator(2).await;
    emu.inject_fault(fault(
        "POST",
        "/nodePools",
        1,
        FaultKind::LoseAnswer { status: 503 },
    ));
    let gke = provider(&emu.endpoint(), options());
    gke.create_pool(&spec("a"), &NoProgress)
        .await
        .expect("the pool was created, though its answer was lost");
    assert_eq!(count(&emu, "POST", "/nodePools"), 1, "never created twice");
    assert!(
        count(&emu, "GET", "/nodePools/a") >= 1,
        "looked for before retrying"
    );
    let pools = gke.list_pools().await.expect("list");
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].health.status, "RUNNING");
}

#[tokio::test]
async fn a_create_lost_before_it_landed_is_sent_again() {
    let emu = emulator(1).await;
    // The answer is an error and nothing was created: the pool is not there, so poolctl
    // sends the create again.
    emu.inject_fault(fault(
        "POST",
        "/nodePools",
        1,
        http(503, "UNAVAILABLE", None),
    ));
    let gke = provider(&emu.endpoint(), options());
    gke.create_pool(&spec("a"), &NoProgress)
        .await
        .expect("created");
    assert_eq!(count(&emu, "POST", "/nodePools"), 2);
    assert_eq!(gke.list_pools().await.expect("list").len(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let emu = emulator(1).await;
    emu.inject_fault(fault(
        "GET",
        "/nodePools",
        1,
        http(429, "RESOURCE_EXHAUSTED", Some(1)),
    ));
    let gke = provider(
        &emu.endpoint(),
        GkeOptions {
            retry: RetryPolicy {
                budget: Duration::from_secs(10),
                ..options().retry
            },
            ..options()
        },
    );
    let started = Instant::now();
    gke.list_pools().await.expect("retried");
    // The backoff alone would wait 10 ms: only Retry-After explains a whole second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_operation_read_that_fails_partway_is_retried() {
    let emu = emulator(3).await;
    emu.inject_fault(fault(
        "GET",
        "/operations/",
        2,
        http(503, "UNAVAILABLE", None),
    ));
    let gke = provider(&emu.endpoint(), options());
    gke.create_pool(&spec("a"), &NoProgress)
        .await
        .expect("created");
    assert_eq!(
        gke.list_pools().await.expect("list")[0].health.status,
        "RUNNING"
    );
}

#[tokio::test]
async fn an_operation_that_never_ends_stops_at_the_deadline_with_bounded_polls() {
    let emu = emulator(1_000_000).await;
    let gke = provider(
        &emu.endpoint(),
        GkeOptions {
            operation_timeout: Duration::from_millis(300),
            ..options()
        },
    );
    let err = gke
        .create_pool(&spec("a"), &NoProgress)
        .await
        .expect_err("gives up");
    let text = err.to_string();
    assert!(
        matches!(err, ProviderError::OperationFailed { .. }),
        "{text}"
    );
    assert!(text.contains("still RUNNING"), "{text}");
    assert!(
        text.contains("it may still be running in the cloud"),
        "{text}"
    );
    // 300 ms of polls that back off from 5 ms to 20 ms: a few dozen at most.
    let polls = count(&emu, "GET", "").saturating_sub(1);
    assert!(polls <= 30, "{polls} polls");
}

#[tokio::test]
async fn an_operation_without_a_status_is_an_error_not_a_wait() {
    let emu = emulator(1).await;
    emu.inject_fault(fault(
        "POST",
        "/nodePools",
        1,
        FaultKind::Answer {
            status: 200,
            body: serde_json::json!({"name": "operation-1", "operationType": "CREATE_NODE_POOL"}),
        },
    ));
    let gke = provider(&emu.endpoint(), options());
    let started = Instant::now();
    let err = gke
        .create_pool(&spec("a"), &NoProgress)
        .await
        .expect_err("no status");
    let text = err.to_string();
    assert!(matches!(err, ProviderError::Protocol { .. }), "{text}");
    assert!(text.contains("status"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not a poll until the deadline"
    );
}

/// A caller that gives a deadline and records what the provider reports.
struct Caller {
    deadline: Option<Instant>,
    events: Mutex<Vec<String>>,
}

impl Caller {
    fn within(limit: Duration) -> Self {
        Caller {
            deadline: Some(Instant::now() + limit),
            events: Mutex::new(Vec::new()),
        }
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().expect("events").clone()
    }
}

impl Progress for Caller {
    fn status(&self, message: &str) {
        self.events
            .lock()
            .expect("events")
            .push(format!("status {message}"));
    }

    fn operation(&self, id: &str) {
        self.events
            .lock()
            .expect("events")
            .push(format!("start {id}"));
    }

    fn operation_ended(&self, id: &str) {
        self.events
            .lock()
            .expect("events")
            .push(format!("end {id}"));
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

#[tokio::test]
async fn the_callers_deadline_ends_the_wait_naming_the_operation_still_running() {
    let emu = emulator(1_000_000).await;
    // The provider's own timeout is long: only the caller's deadline can end this.
    let gke = provider(
        &emu.endpoint(),
        GkeOptions {
            operation_timeout: Duration::from_secs(600),
            ..options()
        },
    );
    let caller = Caller::within(Duration::from_millis(400));
    let started = Instant::now();
    let err = gke
        .create_pool(&spec("a"), &caller)
        .await
        .expect_err("the deadline passes first");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let events = caller.events();
    let id = events
        .iter()
        .find_map(|e| e.strip_prefix("start "))
        .expect("the operation was reported")
        .to_string();
    assert!(!id.is_empty());
    match &err {
        ProviderError::OperationFailed { operation, .. } => assert_eq!(operation, &id),
        other => panic!("expected OperationFailed, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&id), "{text}");
    assert!(text.contains("may still be running in the cloud"), "{text}");
    assert_eq!(
        events.iter().filter(|e| e.starts_with("start ")).count(),
        1,
        "{events:?}"
    );
    assert_eq!(events.last(), Some(&format!("end {id}")), "{events:?}");
}

#[tokio::test]
async fn an_operation_is_reported_by_its_name_from_start_to_end() {
    let emu = emulator(3).await;
    let gke = provider(&emu.endpoint(), options());
    let caller = Caller::within(Duration::from_secs(30));
    gke.create_pool(&spec("a"), &caller).await.expect("created");
    gke.delete_pool("a", &caller).await.expect("deleted");
    let events = caller.events();
    let operations: Vec<&str> = events
        .iter()
        .filter_map(|e| e.strip_prefix("start "))
        .collect();
    assert_eq!(operations.len(), 2, "{events:?}");
    assert_ne!(operations[0], operations[1]);
    for id in &operations {
        assert!(
            emu.requests()
                .iter()
                .any(|r| r.method == "GET" && r.path.ends_with(&format!("/operations/{id}"))),
            "{id} is the name that GKE polls answer to"
        );
        let start = events.iter().position(|e| e == &format!("start {id}"));
        let end = events.iter().position(|e| e == &format!("end {id}"));
        assert!(start < end && end.is_some(), "{events:?}");
    }
}

#[tokio::test]
async fn busy_retries_stop_at_the_callers_deadline() {
    let emu = emulator(1).await;
    emu.inject_fault(fault(
        "POST",
        "/nodePools",
        0,
        FaultKind::Http {
            status: 400,
            grpc_status: "FAILED_PRECONDITION".into(),
            message: "Operation operation-9 is currently upgrading cluster analytics. Please \
                      wait and try again once it is done."
                .into(),
            retry_after_seconds: None,
            code: None,
        },
    ));
    let gke = provider(
        &emu.endpoint(),
        GkeOptions {
            operation_timeout: Duration::from_secs(600),
            ..options()
        },
    );
    let caller = Caller::within(Duration::from_millis(300));
    let started = Instant::now();
    let err = gke
        .create_pool(&spec("a"), &caller)
        .await
        .expect_err("gives up");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(
        matches!(err, ProviderError::RetriesExhausted { .. }),
        "{text}"
    );
    assert!(text.contains("Please wait and try again"), "{text}");
    assert!(
        caller
            .events()
            .iter()
            .any(|e| e.starts_with("status cloud busy, retrying in ")),
        "{:?}",
        caller.events()
    );
}
