//! The executor through the library's public API, against a scripted provider: the
//! dependency graph (core first, deletes last and only after every create and update
//! succeeded, a replacement's old pool only once its new one is ready), the per-cluster
//! concurrency limit, interruption, and the deadline each provider call is given.

use async_trait::async_trait;
use poolctl::apply::{
    apply_plan, graph, ApplyReport, Display, DisplayMode, ExecOptions, Interrupt, Outcome, Timeouts,
};
use poolctl::blueprint::ReplaceStrategy;
use poolctl::plan::{diff_pools, DesiredPool, Plan, BLUEPRINT_TAG, CLASS_TAG, POOL_TAG};
use poolctl_provider::{
    CapabilityTable, ClusterInfo, Gpu, Health, LivePool, PoolSpec, PoolUpdate, Progress, Provider,
    ProviderError, ProviderResult, Scaling,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLUSTER: &str = "prod";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Start(String, &'static str),
    End(String, &'static str),
}

/// A cloud whose every operation takes `millis`, failing the pools in `fail`.
#[derive(Default)]
struct Scripted {
    millis: u64,
    fail: BTreeSet<String>,
    events: Mutex<Vec<Event>>,
    in_flight: Mutex<(usize, usize)>,
    /// The deadline each call was given, as the time left when it started.
    deadlines: Mutex<Vec<(String, Duration)>>,
    /// Requested as the first operation starts, when set.
    interrupt_on_start: Option<Arc<Interrupt>>,
}

impl Scripted {
    async fn operation(
        &self,
        pool: &str,
        what: &'static str,
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let left = progress
            .deadline()
            .expect("the executor gives every call a deadline")
            .saturating_duration_since(Instant::now());
        self.deadlines
            .lock()
            .unwrap()
            .push((pool.to_string(), left));
        {
            let mut f = self.in_flight.lock().unwrap();
            f.0 += 1;
            f.1 = f.1.max(f.0);
        }
        self.events
            .lock()
            .unwrap()
            .push(Event::Start(pool.to_string(), what));
        if let Some(interrupt) = &self.interrupt_on_start {
            interrupt.request();
        }
        progress.operation(&format!("op-{what}-{pool}"));
        tokio::time::sleep(Duration::from_millis(self.millis)).await;
        progress.operation_ended(&format!("op-{what}-{pool}"));
        self.in_flight.lock().unwrap().0 -= 1;
        self.events
            .lock()
            .unwrap()
            .push(Event::End(pool.to_string(), what));
        if self.fail.contains(pool) {
            return Err(ProviderError::OperationFailed {
                call: format!("{what} node pool {pool}"),
                operation: format!("op-{what}-{pool}"),
                message: "ZONE_RESOURCE_POOL_EXHAUSTED: no capacity".into(),
            });
        }
        Ok(())
    }

    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    fn max_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

#[async_trait]
impl Provider for Scripted {
    fn kind(&self) -> &'static str {
        "gke"
    }

    fn capabilities(&self) -> &'static CapabilityTable {
        &poolctl_provider::capability::GKE
    }

    async fn cluster(&self) -> ProviderResult<ClusterInfo> {
        unreachable!("the executor never reads the cluster")
    }

    async fn list_pools(&self) -> ProviderResult<Vec<LivePool>> {
        unreachable!("the executor never lists pools")
    }

    async fn create_pool(&self, spec: &PoolSpec, progress: &dyn Progress) -> ProviderResult<()> {
        self.operation(&spec.name, "create", progress).await
    }

    async fn update_pool(
        &self,
        name: &str,
        _updates: &[PoolUpdate],
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        self.operation(name, "update", progress).await
    }

    async fn delete_pool(&self, name: &str, progress: &dyn Progress) -> ProviderResult<()> {
        self.operation(name, "delete", progress).await
    }

    async fn wait_for_pool(
        &self,
        _name: &str,
        _progress: &dyn Progress,
    ) -> ProviderResult<Option<Health>> {
        Ok(Some(Health::ready("RUNNING")))
    }
}

fn spec(name: &str, class: &str) -> PoolSpec {
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
        tags: BTreeMap::from([
            (POOL_TAG.to_string(), name.to_string()),
            (BLUEPRINT_TAG.to_string(), CLUSTER.to_string()),
            (CLASS_TAG.to_string(), class.to_string()),
        ]),
        extras: BTreeMap::new(),
    }
}

fn want(spec: PoolSpec, core: bool) -> DesiredPool {
    DesiredPool {
        logical: spec.name.clone(),
        spec,
        core,
        replace: ReplaceStrategy::CreateBeforeDestroy,
    }
}

fn live(spec: PoolSpec) -> LivePool {
    LivePool {
        spec,
        health: Health::ready("RUNNING"),
        version: None,
    }
}

fn plan(desired: &[DesiredPool], live: &[LivePool]) -> Plan {
    diff_pools(
        "gke",
        CLUSTER,
        desired,
        live,
        &poolctl_provider::capability::GKE,
    )
}

/// A core pool and five workload pools to create, and two old pools to delete.
fn fleet_of_changes() -> Plan {
    let mut desired = vec![want(spec("core", "core"), true)];
    for name in ["w1", "w2", "w3", "w4", "w5"] {
        desired.push(want(spec(name, "workload"), false));
    }
    let live = [
        live(spec("old1", "workload")),
        live(spec("old2", "workload")),
    ];
    plan(&desired, &live)
}

async fn run(
    plan: &Plan,
    provider: &Scripted,
    parallel: usize,
    interrupt: &Interrupt,
) -> ApplyReport {
    let display = Display::new(DisplayMode::Quiet, plan.steps().len());
    let timeouts = Timeouts::default();
    let options = ExecOptions {
        parallel,
        timeouts: &timeouts,
        interrupt,
        scope: None,
    };
    apply_plan(plan, provider, &display, &options).await
}

fn outcome<'a>(report: &'a ApplyReport, pool: &str) -> &'a Outcome {
    &report
        .steps
        .iter()
        .find(|s| s.pool == pool)
        .unwrap_or_else(|| panic!("{pool} not in the report"))
        .outcome
}

fn position(events: &[Event], event: &Event) -> usize {
    events
        .iter()
        .position(|e| e == event)
        .unwrap_or_else(|| panic!("{event:?} not in {events:?}"))
}

#[tokio::test]
async fn operations_run_as_many_at_once_as_allowed_core_first_deletes_last() {
    let plan = fleet_of_changes();
    let provider = Scripted {
        millis: 40,
        ..Scripted::default()
    };
    let report = run(&plan, &provider, 3, &Interrupt::default()).await;
    assert_eq!(report.counts().created, 6);
    assert_eq!(report.counts().deleted, 2);
    assert_eq!(provider.max_in_flight(), 3);
    let events = provider.events();
    let core_done = position(&events, &Event::End("core".into(), "create"));
    let last_create = ["w1", "w2", "w3", "w4", "w5"]
        .iter()
        .map(|w| position(&events, &Event::End(w.to_string(), "create")))
        .max()
        .unwrap();
    for w in ["w1", "w2", "w3", "w4", "w5"] {
        assert!(position(&events, &Event::Start(w.into(), "create")) > core_done);
    }
    for old in ["old1", "old2"] {
        assert!(position(&events, &Event::Start(old.into(), "delete")) > last_create);
    }
}

#[tokio::test]
async fn one_at_a_time_means_one_at_a_time() {
    let plan = fleet_of_changes();
    let provider = Scripted {
        millis: 5,
        ..Scripted::default()
    };
    run(&plan, &provider, 1, &Interrupt::default()).await;
    assert_eq!(provider.max_in_flight(), 1);
}

#[tokio::test]
async fn a_failure_skips_only_what_depends_on_it() {
    let plan = fleet_of_changes();
    let provider = Scripted {
        millis: 5,
        fail: BTreeSet::from(["w2".to_string()]),
        ..Scripted::default()
    };
    let report = run(&plan, &provider, 2, &Interrupt::default()).await;
    match outcome(&report, "w2") {
        Outcome::Failed(why) => assert!(why.contains("ZONE_RESOURCE_POOL_EXHAUSTED"), "{why}"),
        other => panic!("{other:?}"),
    }
    // The other creates do not depend on w2; the deletes do (no capacity is taken away
    // while the blueprint's new capacity is not all there).
    for w in ["core", "w1", "w3", "w4", "w5"] {
        assert_eq!(outcome(&report, w), &Outcome::Done, "{w}");
    }
    for old in ["old1", "old2"] {
        match outcome(&report, old) {
            Outcome::Skipped(why) => assert!(why.contains("w2 did not succeed"), "{why}"),
            other => panic!("{old}: {other:?}"),
        }
    }
    assert!(!provider
        .events()
        .iter()
        .any(|e| matches!(e, Event::Start(_, "delete"))));
    assert_eq!(report.counts().failed, 1);
    assert_eq!(report.counts().skipped, 2);
}

#[tokio::test]
async fn a_replacement_keeps_its_old_pool_when_its_new_one_fails() {
    // GKE cannot change a pool's spot setting in place.
    let mut wanted = spec("web", "workload");
    wanted.spot = true;
    let plan = plan(&[want(wanted, false)], &[live(spec("web", "workload"))]);
    let new_name = plan.changes[0].desired.as_ref().unwrap().name.clone();
    assert_ne!(new_name, "web");
    let provider = Scripted {
        millis: 5,
        fail: BTreeSet::from([new_name.clone()]),
        ..Scripted::default()
    };
    let report = run(&plan, &provider, 3, &Interrupt::default()).await;
    assert!(matches!(outcome(&report, "web"), Outcome::Failed(_)));
    assert_eq!(
        provider.events(),
        vec![
            Event::Start(new_name.clone(), "create"),
            Event::End(new_name, "create")
        ],
        "the old pool is never deleted"
    );
}

#[tokio::test]
async fn an_interruption_waits_for_running_operations_and_starts_nothing_new() {
    let plan = fleet_of_changes();
    let interrupt = Interrupt::new();
    let provider = Scripted {
        millis: 30,
        interrupt_on_start: Some(interrupt.clone()),
        ..Scripted::default()
    };
    let report = run(&plan, &provider, 3, &interrupt).await;
    // The core pool's create was running: it ended, and was reported done.
    assert_eq!(outcome(&report, "core"), &Outcome::Done);
    assert_eq!(
        provider.events(),
        vec![
            Event::Start("core".into(), "create"),
            Event::End("core".into(), "create")
        ]
    );
    for pool in ["w1", "w5", "old1", "old2"] {
        assert_eq!(outcome(&report, pool), &Outcome::Interrupted, "{pool}");
    }
    assert_eq!(report.counts().interrupted, 7);
    assert!(
        interrupt.running().is_empty(),
        "no operation is left running"
    );
}

#[tokio::test]
async fn every_call_gets_its_class_deadline_and_gpu_pools_the_longest() {
    let mut gpu = spec("gpu", "gpu");
    gpu.gpu = Some(Gpu {
        kind: "nvidia-l4".into(),
        count: 1,
    });
    let plan = plan(&[want(spec("core", "core"), true), want(gpu, false)], &[]);
    let provider = Scripted::default();
    run(&plan, &provider, 1, &Interrupt::default()).await;
    let deadlines = provider.deadlines.lock().unwrap().clone();
    let left = |pool: &str| {
        deadlines
            .iter()
            .find(|(p, _)| p == pool)
            .map(|(_, d)| *d)
            .unwrap()
    };
    let defaults = Timeouts::default();
    assert!(left("core") <= defaults.core && left("core") > defaults.core - Duration::from_secs(5));
    assert!(left("gpu") <= defaults.gpu && left("gpu") > defaults.gpu - Duration::from_secs(5));
    assert!(defaults.gpu > defaults.core);
}

#[test]
fn the_critical_path_follows_the_graph_and_the_limit() {
    let plan = fleet_of_changes();
    let nodes = graph::graph(&plan.steps());
    // Core (1), then five creates, then two deletes, each step 10 s.
    assert_eq!(graph::critical_path(&nodes, 1, |_| 10.0), 80.0);
    assert_eq!(graph::critical_path(&nodes, 5, |_| 10.0), 30.0);
    assert_eq!(graph::critical_path(&nodes, 3, |_| 10.0), 40.0);
}
