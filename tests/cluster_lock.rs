//! The cluster lock on GKE, AKS and EKS against the emulator: through the library, as `poolctl
//! apply` takes it (racing runs never both hold it, a second run is refused or waits, an expired
//! lock is ignored, other tags survive), and `poolctl unlock` through the CLI.

mod common;

use common::lock::{Cloud, CLOUDS};
use common::{stderr_of, stdout_of, Emu, Workspace};
use poolctl::apply::lock::{self, LockError, LockHolder, LockRequest};
use poolctl_emulator::{EmulatorConfig, RunningEmulator};
use poolctl_provider::{Provider, LOCK_KEY_PREFIX};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An emulator for the library tests, on the test's own runtime; operations (GKE's
/// setResourceLabels) end after `polls` status polls, so no outcome depends on the machine's
/// speed.
async fn emulator_with(polls: u32) -> RunningEmulator {
    poolctl_emulator::start_loopback(EmulatorConfig {
        operation_polls: Some(polls),
        auto_create_clusters: true,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

async fn emulator() -> RunningEmulator {
    emulator_with(2).await
}

fn request(holder: &str, wait: Duration) -> LockRequest {
    LockRequest {
        holder: holder.to_string(),
        lease: Duration::from_secs(30 * 60),
        wait,
    }
}

fn no_wait(_: &LockHolder) {}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A lock record as a run that started `age` seconds ago with a lease of `lease` seconds
/// would have written it.
fn record(age: u64, lease: u64, holder: &str) -> String {
    let since = unix_now() - age;
    format!("{since}_{}_{holder}", since + lease)
}

fn lock_keys(tags: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    tags.keys()
        .filter(|k| k.starts_with(LOCK_KEY_PREFIX))
        .cloned()
        .collect()
}

/// Twenty rounds of two runs (each with its own provider, as two processes would) taking the
/// lock at the same moment: both get it in turn, never both at once. GKE's label operations
/// end at once here, to keep twenty rounds quick.
async fn racing_runs_take_turns(cloud: Cloud) {
    let emu = emulator_with(0).await;
    let endpoint = emu.endpoint();
    let providers: Vec<Arc<dyn Provider>> = vec![
        Arc::from(cloud.provider(&endpoint).await),
        Arc::from(cloud.provider(&endpoint).await),
    ];
    let inside = Arc::new(AtomicUsize::new(0));
    for round in 0..20 {
        let start = Arc::new(tokio::sync::Barrier::new(2));
        let runs: Vec<_> = providers
            .iter()
            .enumerate()
            .map(|(run, provider)| {
                let (provider, inside, start) = (provider.clone(), inside.clone(), start.clone());
                tokio::spawn(async move {
                    let req = request(&format!("run-{run}"), Duration::from_secs(8));
                    start.wait().await;
                    let held = lock::acquire(provider.as_ref(), &req, &no_wait)
                        .await
                        .unwrap_or_else(|e| panic!("round {round}, run {run}: {e}"));
                    let others = inside.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    held.release(provider.as_ref())
                        .await
                        .unwrap_or_else(|e| panic!("round {round}, run {run}: {e}"));
                    others
                })
            })
            .collect();
        for run in runs {
            let others = run.await.expect("the run did not panic");
            assert_eq!(
                others,
                0,
                "{}: round {round}: two runs held the lock at once",
                cloud.name()
            );
        }
    }
    let left = lock::holders(providers[0].as_ref()).await.expect("holders");
    assert!(left.is_empty(), "{}: {left:?}", cloud.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_runs_never_both_hold_the_lock_on_gke() {
    racing_runs_take_turns(Cloud::Gke).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_runs_never_both_hold_the_lock_on_aks() {
    racing_runs_take_turns(Cloud::Aks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_runs_never_both_hold_the_lock_on_eks() {
    racing_runs_take_turns(Cloud::Eks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_is_refused_naming_the_holder_or_waits_for_the_release() {
    for cloud in CLOUDS {
        let emu = emulator().await;
        let endpoint = emu.endpoint();
        let first = cloud.provider(&endpoint).await;
        let second = cloud.provider(&endpoint).await;
        let held = lock::acquire(
            first.as_ref(),
            &request("alice@laptop-4242", Duration::ZERO),
            &no_wait,
        )
        .await
        .expect("the first run takes the lock");
        assert!(held.key().starts_with(LOCK_KEY_PREFIX), "{}", held.key());
        assert_eq!(held.holder(), "alice-laptop-4242");

        // Without a wait: refused at once, naming who holds it and how to get past it.
        let refused = lock::acquire(
            second.as_ref(),
            &request("bob@ci-7", Duration::ZERO),
            &no_wait,
        )
        .await
        .expect_err("the lock is held");
        match &refused {
            LockError::Held {
                holder,
                key,
                since,
                expires,
                waited,
            } => {
                assert_eq!(holder, "alice-laptop-4242", "{}", cloud.name());
                assert_eq!(key, held.key());
                assert!(expires > since);
                assert_eq!(*waited, Duration::ZERO);
            }
            other => panic!("{}: {other:?}", cloud.name()),
        }
        let message = refused.to_string();
        assert!(message.contains("locked by alice-laptop-4242"), "{message}");
        assert!(message.contains("ago"), "{message}");
        let help = miette::Diagnostic::help(&refused)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(help.contains("--lock-timeout"), "{help}");
        assert!(help.contains("poolctl unlock"), "{help}");
        assert!(help.contains(held.key()), "{help}");

        // With a wait: it gets the lock once the first run releases it.
        let seen = Mutex::new(Vec::<String>::new());
        let on_wait = |holder: &LockHolder| seen.lock().unwrap().push(holder.holder.clone());
        let releaser = async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            held.release(first.as_ref()).await.expect("release");
        };
        let waiting = request("bob@ci-7", Duration::from_secs(20));
        let (taken, ()) =
            tokio::join!(lock::acquire(second.as_ref(), &waiting, &on_wait), releaser);
        let taken = taken.unwrap_or_else(|e| panic!("{}: {e}", cloud.name()));
        assert_eq!(taken.holder(), "bob-ci-7");
        let seen = seen.lock().unwrap().clone();
        assert!(
            !seen.is_empty(),
            "{}: on_wait was never called",
            cloud.name()
        );
        assert!(seen.iter().all(|h| h == "alice-laptop-4242"), "{seen:?}");
        let holders = lock::holders(second.as_ref()).await.expect("holders");
        assert_eq!(holders.len(), 1, "{holders:?}");
        assert_eq!(holders[0].key, taken.key());
        taken.release(second.as_ref()).await.expect("release");
        assert!(lock::holders(second.as_ref())
            .await
            .expect("holders")
            .is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lock_is_ignored_reported_and_cleared() {
    for cloud in CLOUDS {
        let emu = emulator().await;
        let endpoint = emu.endpoint();
        let provider = cloud.provider(&endpoint).await;
        // A run that crashed two hours ago with a one-hour lease.
        provider
            .put_lock_record(
                "poolctl-lock-0dead0ed",
                &record(7200, 3600, "crashed-ci-run"),
            )
            .await
            .expect("write a stale record");
        let stale = lock::holders(provider.as_ref()).await.expect("holders");
        assert_eq!(stale.len(), 1);
        assert!(stale[0].expired, "{:?}", stale[0]);
        assert_eq!(stale[0].holder, "crashed-ci-run");

        let held = lock::acquire(
            provider.as_ref(),
            &request("next-run", Duration::ZERO),
            &no_wait,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: an expired lock must not block: {e}", cloud.name()));
        let reported: Vec<&str> = held
            .expired_records()
            .iter()
            .map(|h| h.key.as_str())
            .collect();
        assert_eq!(reported, ["poolctl-lock-0dead0ed"], "{}", cloud.name());
        let now = lock::holders(provider.as_ref()).await.expect("holders");
        assert_eq!(now.len(), 1, "{}: {now:?}", cloud.name());
        assert_eq!(now[0].key, held.key());
        held.release(provider.as_ref()).await.expect("release");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_cluster_tags_written_meanwhile_survive() {
    for cloud in CLOUDS {
        let emu = emulator().await;
        let endpoint = emu.endpoint();
        cloud.tag_by_hand(&endpoint, "team", "data").await;
        let provider = cloud.provider(&endpoint).await;
        // Someone tags the cluster five times while poolctl takes and releases its lock
        // three times.
        let tagger = async {
            for n in 0..5 {
                cloud
                    .tag_by_hand(&endpoint, &format!("cost-center-{n}"), "42")
                    .await;
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        };
        let runs = async {
            for n in 0..3 {
                let held = lock::acquire(
                    provider.as_ref(),
                    &request(&format!("run-{n}"), Duration::from_secs(10)),
                    &no_wait,
                )
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", cloud.name()));
                held.release(provider.as_ref()).await.expect("release");
            }
        };
        tokio::join!(tagger, runs);
        let tags = cloud.cluster_tags(&endpoint).await;
        assert_eq!(
            tags.get("team").map(String::as_str),
            Some("data"),
            "{tags:?}"
        );
        for n in 0..5 {
            assert_eq!(
                tags.get(&format!("cost-center-{n}")).map(String::as_str),
                Some("42"),
                "{}: {tags:?}",
                cloud.name()
            );
        }
        assert!(lock_keys(&tags).is_empty(), "{}: {tags:?}", cloud.name());
    }
}

#[test]
fn unlock_removes_a_stale_lock_and_refuses_a_live_one_without_force() {
    for cloud in CLOUDS {
        let emu = Emu::start();
        let endpoint = emu.endpoint();
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let provider = runtime.block_on(cloud.provider(&endpoint));
        runtime.block_on(async {
            provider
                .put_lock_record(
                    "poolctl-lock-0dead0ed",
                    &record(7200, 3600, "crashed-ci-run"),
                )
                .await
                .expect("stale record");
            provider
                .put_lock_record(
                    "poolctl-lock-11ve11ve",
                    &record(60, 3600, "alice-laptop-4242"),
                )
                .await
                .expect("live record");
        });
        cloud_tag(&runtime, cloud, &endpoint);
        let ws = Workspace::new(&cloud.blueprint(&endpoint));

        // Without --force: the stale lock goes, the live one stays, and the exit code says so.
        let out = ws.poolctl(&["unlock"]).output().expect("runs");
        let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert!(stdout.contains("poolctl-lock-0dead0ed"), "{stdout}");
        assert!(stdout.contains("expired"), "{stdout}");
        assert!(stdout.contains("alice-laptop-4242 since"), "{stdout}");
        assert!(stdout.contains("(1 minute ago)"), "{stdout}");
        assert!(
            stdout.contains("Removed poolctl-lock-0dead0ed, an expired lock of crashed-ci-run"),
            "{stdout}"
        );
        assert!(stderr.contains("Kept poolctl-lock-11ve11ve"), "{stderr}");
        assert!(stderr.contains("--force"), "{stderr}");
        let left = runtime
            .block_on(lock::holders(provider.as_ref()))
            .expect("holders");
        let keys: Vec<&str> = left.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["poolctl-lock-11ve11ve"], "{}", cloud.name());

        // With --force: the live one goes too, and poolctl says whose it was.
        let out = ws.poolctl(&["unlock", "--force"]).output().expect("runs");
        let stdout = stdout_of(&out);
        assert!(out.status.success(), "{stdout}{}", stderr_of(&out));
        assert!(
            stdout.contains(
                "Removed poolctl-lock-11ve11ve, a live lock held by alice-laptop-4242 since"
            ),
            "{stdout}"
        );
        assert!(runtime
            .block_on(lock::holders(provider.as_ref()))
            .expect("holders")
            .is_empty());
        // The cluster's other tags are untouched.
        let tags = runtime.block_on(cloud.cluster_tags(&endpoint));
        assert_eq!(
            tags.get("team").map(String::as_str),
            Some("data"),
            "{tags:?}"
        );

        let out = ws.poolctl(&["unlock"]).output().expect("runs");
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert!(
            stdout_of(&out).contains("is not locked"),
            "{}",
            stdout_of(&out)
        );
    }
}

fn cloud_tag(runtime: &tokio::runtime::Runtime, cloud: Cloud, endpoint: &str) {
    runtime.block_on(cloud.tag_by_hand(endpoint, "team", "data"));
}

#[test]
fn unlock_with_a_key_removes_that_live_lock_only() {
    let emu = Emu::start();
    let endpoint = emu.endpoint();
    let cloud = Cloud::Gke;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let provider = runtime.block_on(cloud.provider(&endpoint));
    let held = runtime
        .block_on(lock::acquire(
            provider.as_ref(),
            &request("ci-run-17", Duration::ZERO),
            &no_wait,
        ))
        .expect("lock");
    let ws = Workspace::new(&cloud.blueprint(&endpoint));
    let out = ws
        .poolctl(&["unlock", "--key", "poolctl-lock-00000000"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("no lock record poolctl-lock-00000000"),
        "{}",
        stderr_of(&out)
    );
    let out = ws
        .poolctl(&["unlock", "--key", held.key()])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("a live lock held by ci-run-17"),
        "{}",
        stdout_of(&out)
    );
    assert!(runtime
        .block_on(lock::holders(provider.as_ref()))
        .expect("holders")
        .is_empty());
    // The run whose lock was broken can still release it: removing an absent record is
    // no error.
    runtime
        .block_on(held.release(provider.as_ref()))
        .expect("releasing a removed lock is no error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gke_reads_the_labels_again_when_their_fingerprint_moved() {
    let emu = emulator().await;
    let endpoint = emu.endpoint();
    let provider = Cloud::Gke.provider(&endpoint).await;
    // GKE's refusal of a stale fingerprint, once: its "try again" must not make poolctl send
    // the same stale request again and again, but read the labels afresh.
    let fault = serde_json::json!({
        "method": "POST",
        "pathContains": ":setResourceLabels",
        "times": 1,
        "kind": "http",
        "status": 400,
        "grpcStatus": "FAILED_PRECONDITION",
        "message": "Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint: incorrect fingerprint supplied was \"0badf00d\", the expected one is \"a9dc16a7\".",
    });
    let added = reqwest::Client::new()
        .post(format!("{endpoint}/_emulator/faults"))
        .json(&fault)
        .send()
        .await
        .expect("emulator answers");
    assert!(added.status().is_success(), "{:?}", added.text().await);
    let started = std::time::Instant::now();
    provider
        .put_lock_record("poolctl-lock-0a1b2c3d", &record(0, 600, "me"))
        .await
        .expect("written after a fresh read");
    assert!(started.elapsed() < Duration::from_secs(10));
    let writes: Vec<(u16, Option<String>)> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(":setResourceLabels"))
        .map(|r| {
            let print = r
                .body
                .as_ref()
                .and_then(|b| b["labelFingerprint"].as_str())
                .map(str::to_string);
            (r.status, print)
        })
        .collect();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(writes[0].0, 400);
    assert_eq!(writes[1].0, 200);
    // Each write carried the fingerprint of a read, and the second came after a new read.
    let reads_between = emu
        .requests()
        .iter()
        .skip_while(|r| !(r.method == "POST" && r.status == 400))
        .take_while(|r| !(r.method == "POST" && r.status == 200))
        .filter(|r| r.method == "GET" && r.path.ends_with("/clusters/analytics"))
        .count();
    assert_eq!(reads_between, 1);
    let records = provider.lock_records().await.expect("records");
    assert_eq!(
        records.keys().collect::<Vec<_>>(),
        ["poolctl-lock-0a1b2c3d"]
    );
}
