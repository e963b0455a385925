//! The executor: runs a plan's steps as its dependency graph allows ([`super::graph`]), as
//! many at once as the cloud lets one cluster run; bounds every provider call with the
//! pool class's deadline; starts nothing new once interrupted; records each pool's outcome.

use super::display::{Display, OperationLine};
use super::graph::{graph, Node};
use super::interrupt::Interrupt;
use super::report::{ApplyReport, Outcome, StepReport};
use super::timeouts::Timeouts;
use crate::plan::{Plan, PoolChange, Step, StepKind};
use futures::stream::{FuturesUnordered, StreamExt};
use poolctl_provider::{PoolState, Progress, Provider, ProviderError};
use std::time::{Duration, Instant};

/// How one cluster's plan is run.
pub struct ExecOptions<'a> {
    /// Pool operations at once on this cluster.
    pub parallel: usize,
    pub timeouts: &'a Timeouts,
    pub interrupt: &'a Interrupt,
    /// The cluster's name on each progress line when several are applied at once.
    pub scope: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Ended(Option<Outcome>),
}

impl State {
    fn ended(&self) -> bool {
        matches!(self, State::Ended(_))
    }

    fn succeeded(&self) -> bool {
        matches!(self, State::Ended(None))
    }
}

/// Runs the plan; returns once every step has ended, been skipped, or (interrupted) was
/// never started.
pub async fn apply_plan(
    plan: &Plan,
    provider: &dyn Provider,
    display: &Display,
    options: &ExecOptions<'_>,
) -> ApplyReport {
    let started = Instant::now();
    let steps = plan.steps();
    let nodes = graph(&steps);
    let parallel = options.parallel.max(1);
    let mut states = vec![State::Pending; steps.len()];
    let mut took = vec![Duration::ZERO; steps.len()];
    let mut running = FuturesUnordered::new();
    loop {
        settle(
            &steps,
            &nodes,
            &mut states,
            options.interrupt.requested(),
            display,
        );
        for i in 0..steps.len() {
            if running.len() >= parallel || options.interrupt.requested() {
                break;
            }
            if states[i] == State::Pending && ready(&nodes[i], &states) {
                states[i] = State::Running;
                let step = steps[i];
                running.push(async move {
                    let step_started = Instant::now();
                    let outcome = run_tracked(step, provider, display, options).await;
                    (i, outcome, step_started.elapsed())
                });
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, outcome, elapsed)) = running.next() => {
                states[i] = State::Ended(outcome);
                took[i] = elapsed;
                display.step_ended();
            }
            () = options.interrupt.wait(), if !options.interrupt.requested() => {}
        }
    }
    report(&steps, states, &took, started.elapsed())
}

/// Whether every step this one waits for has ended, and every one it needs succeeded.
fn ready(node: &Node, states: &[State]) -> bool {
    node.after.iter().all(|&j| states[j].ended())
        && node.needs.iter().all(|&j| states[j].succeeded())
}

/// Ends the pending steps that will never run: those whose needs failed or were not run,
/// and, once interrupted, every one not started. Repeated until nothing changes, since a
/// skipped step can be what another needs.
fn settle(
    steps: &[Step<'_>],
    nodes: &[Node],
    states: &mut [State],
    interrupted: bool,
    display: &Display,
) {
    loop {
        let mut changed = false;
        for i in 0..steps.len() {
            if states[i] != State::Pending {
                continue;
            }
            let failed = nodes[i].needs.iter().find(|&&j| {
                matches!(
                    &states[j],
                    State::Ended(Some(Outcome::Failed(_) | Outcome::Skipped(_)))
                )
            });
            let never_started = nodes[i]
                .needs
                .iter()
                .any(|&j| states[j] == State::Ended(Some(Outcome::Interrupted)));
            let outcome = match failed {
                Some(&j) => skipped(steps[i], steps[j]),
                None if interrupted || never_started => Outcome::Interrupted,
                None => continue,
            };
            states[i] = State::Ended(Some(outcome));
            display.step_ended();
            changed = true;
        }
        if !changed {
            return;
        }
    }
}

/// One report line per changed pool: a replacement's two steps share one, which says the
/// first thing that went wrong.
fn report(
    steps: &[Step<'_>],
    states: Vec<State>,
    took: &[Duration],
    wall: Duration,
) -> ApplyReport {
    let mut outcomes: Vec<(&PoolChange, Option<Outcome>, Duration)> = Vec::new();
    for ((step, state), took) in steps.iter().zip(states).zip(took) {
        let outcome = match state {
            State::Ended(outcome) => outcome,
            // Not reached: the loop ends only when nothing runs or waits.
            State::Pending | State::Running => Some(Outcome::Interrupted),
        };
        let index = match outcomes
            .iter()
            .position(|(c, _, _)| std::ptr::eq(*c, step.change))
        {
            Some(index) => index,
            None => {
                outcomes.push((step.change, None, Duration::ZERO));
                outcomes.len() - 1
            }
        };
        let (_, recorded, seconds) = &mut outcomes[index];
        *seconds += *took;
        if recorded.is_none() {
            *recorded = outcome;
        }
    }
    ApplyReport {
        steps: outcomes
            .into_iter()
            .map(|(change, outcome, seconds)| StepReport {
                pool: change.pool.clone(),
                action: change.action,
                outcome: outcome.unwrap_or(Outcome::Done),
                seconds: seconds.as_secs_f64(),
            })
            .collect(),
        seconds: wall.as_secs_f64(),
    }
}

fn skipped(step: Step<'_>, because: Step<'_>) -> Outcome {
    let why = match step.kind {
        StepKind::DeleteReplaced if std::ptr::eq(step.change, because.change) => format!(
            "its new pool {} did not become ready, so the old pool {} is kept",
            new_name(step.change),
            step.change.cloud_name
        ),
        StepKind::DeleteReplaced => format!(
            "its new pool {} is ready, but the old pool {} is kept because {} did not \
             succeed: the next apply deletes it",
            new_name(step.change),
            step.change.cloud_name,
            because.change.pool
        ),
        _ => format!(
            "{} did not succeed, and a pool is deleted only once every create and update \
             of its cluster has: the next apply does it",
            because.change.pool
        ),
    };
    Outcome::Skipped(why)
}

fn new_name(change: &PoolChange) -> &str {
    change
        .desired
        .as_ref()
        .map(|d| d.name.as_str())
        .unwrap_or("?")
}

fn label(step: Step<'_>, scope: Option<&str>) -> String {
    let change = step.change;
    let what = match step.kind {
        StepKind::CreateReplacement => {
            format!("-/+ {} (new pool {})", change.pool, new_name(change))
        }
        StepKind::DeleteReplaced => {
            format!("-/+ {} (old pool {})", change.pool, change.cloud_name)
        }
        _ => format!("{} {}", change.action.symbol(), change.pool),
    };
    match scope {
        Some(cluster) => format!("{cluster}: {what}"),
        None => what,
    }
}

/// Runs one step under its progress line; `None` when it succeeded.
async fn run_tracked(
    step: Step<'_>,
    provider: &dyn Provider,
    display: &Display,
    options: &ExecOptions<'_>,
) -> Option<Outcome> {
    let label = label(step, options.scope);
    let line = display.start(label.clone());
    let call = Call {
        line: &line,
        label: &label,
        interrupt: options.interrupt,
        timeout: options.timeouts.for_change(step.change),
        deadline: std::sync::Mutex::new(Instant::now()),
    };
    match run_step(step, provider, &call).await {
        Ok(()) => {
            line.finish(past_tense(step.kind), true);
            None
        }
        Err(err) => {
            line.finish("failed", false);
            Some(Outcome::Failed(err.to_string()))
        }
    }
}

/// What one provider call reports to: the step's progress line, the registry of running
/// cloud operations (printed by a second Ctrl-C), and the call's deadline.
struct Call<'a> {
    line: &'a OperationLine,
    label: &'a str,
    interrupt: &'a Interrupt,
    timeout: Duration,
    deadline: std::sync::Mutex<Instant>,
}

impl Call<'_> {
    /// Starts the clock of the next provider call: each gets the whole timeout.
    fn next_call(&self) -> &Self {
        *self.deadline.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now() + self.timeout;
        self
    }
}

impl Progress for Call<'_> {
    fn status(&self, message: &str) {
        self.line.status(message);
    }

    fn operation(&self, id: &str) {
        self.interrupt.operation_started(id, self.label);
        self.line.operation(id);
    }

    fn operation_ended(&self, id: &str) {
        self.interrupt.operation_ended(id);
    }

    fn deadline(&self) -> Option<Instant> {
        Some(*self.deadline.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Waits for a pool the plan saw busy before touching it; refuses to go on with one
/// that vanished or failed meanwhile, unless the step removes it anyway.
async fn wait_if_busy(
    step: Step<'_>,
    provider: &dyn Provider,
    call: &Call<'_>,
) -> Result<(), ProviderError> {
    let change = step.change;
    if !change
        .health
        .as_ref()
        .is_some_and(|h| h.state == PoolState::Busy)
    {
        return Ok(());
    }
    call.status(&format!("waiting for {} to be ready", change.cloud_name));
    let health = provider
        .wait_for_pool(&change.cloud_name, call.next_call())
        .await?;
    let removes = matches!(step.kind, StepKind::Delete | StepKind::DeleteReplaced);
    match health {
        None if removes => Ok(()),
        None => Err(ProviderError::Config(format!(
            "node pool {} disappeared while poolctl waited for it; plan again",
            change.cloud_name
        ))),
        Some(health) if health.state == PoolState::Failed && !removes => {
            Err(ProviderError::Config(format!(
                "node pool {} failed while poolctl waited for it ({health}); plan again",
                change.cloud_name
            )))
        }
        Some(_) => Ok(()),
    }
}

async fn run_step(
    step: Step<'_>,
    provider: &dyn Provider,
    call: &Call<'_>,
) -> Result<(), ProviderError> {
    let change = step.change;
    if step.kind != StepKind::CreateReplacement && step.kind != StepKind::Create {
        wait_if_busy(step, provider, call).await?;
    }
    match (step.kind, &change.desired) {
        (StepKind::Create | StepKind::CreateReplacement, Some(spec)) => {
            if step.kind == StepKind::CreateReplacement {
                call.status(&format!("creating {}", spec.name));
            }
            provider.create_pool(spec, call.next_call()).await
        }
        (StepKind::Update, _) => {
            for update in &change.calls {
                let fields: Vec<&str> = update.fields.iter().map(|f| f.blueprint_key()).collect();
                call.status(&format!("updating {}", fields.join(", ")));
                provider
                    .update_pool(&change.cloud_name, &update.updates, call.next_call())
                    .await?;
            }
            Ok(())
        }
        (StepKind::DeleteThenCreate, Some(spec)) => {
            call.status(&format!("deleting {}", change.cloud_name));
            provider
                .delete_pool(&change.cloud_name, call.next_call())
                .await?;
            call.status(&format!("creating {}", spec.name));
            provider.create_pool(spec, call.next_call()).await
        }
        (StepKind::DeleteReplaced, _) => {
            call.status(&format!("deleting {}", change.cloud_name));
            provider
                .delete_pool(&change.cloud_name, call.next_call())
                .await
        }
        (StepKind::Delete, _) => {
            provider
                .delete_pool(&change.cloud_name, call.next_call())
                .await
        }
        (StepKind::Create | StepKind::CreateReplacement | StepKind::DeleteThenCreate, None) => {
            Ok(())
        }
    }
}

fn past_tense(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Create | StepKind::CreateReplacement => "created",
        StepKind::Update => "updated",
        StepKind::DeleteThenCreate => "replaced",
        StepKind::DeleteReplaced | StepKind::Delete => "deleted",
    }
}
