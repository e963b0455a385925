//! The executor: runs a plan's steps in order (creates and updates first, core pools
//! first, deletes last), as many at once as the cloud allows on one cluster (one on GKE and
//! AKS, a few on EKS); waits for pools the plan saw busy; and records each pool's outcome.

use super::display::{Display, OperationLine};
use crate::plan::{Action, Plan, PoolChange, Step, StepKind};
use futures::StreamExt;
use poolctl_provider::{PoolState, Progress, Provider, ProviderError};
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not attempted, and why.
    Skipped(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub pool: String,
    pub action: Action,
    pub outcome: Outcome,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    pub steps: Vec<StepReport>,
    pub seconds: f64,
}

impl ApplyReport {
    pub fn count(&self, action: Action) -> usize {
        self.steps
            .iter()
            .filter(|s| s.action == action && s.outcome == Outcome::Done)
            .count()
    }

    pub fn failed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Failed(_)))
            .count()
    }

    pub fn skipped(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Skipped(_)))
            .count()
    }

    pub fn wall_time(&self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }
}

/// Executes the plan's steps in order (every create and update first, deletes last). A
/// failure does not stop independent creates and updates, but no pool is deleted after
/// one: a half-applied blueprint should lose nothing. `scope` names the cluster on each
/// progress line when several are applied at once.
pub async fn apply_plan(
    plan: &Plan,
    provider: &dyn Provider,
    display: &Display,
    scope: Option<&str>,
) -> ApplyReport {
    let started = Instant::now();
    let steps = plan.steps();
    let parallel = provider.parallel_operations().max(1);
    // One report per changed pool; a replacement's two steps share one.
    let mut outcomes: Vec<(&PoolChange, Option<Outcome>, Duration)> = Vec::new();
    let mut any_failed = false;
    // One at a time, each step sees every failure before it; in parallel, a phase sees
    // the failures of the phases before.
    let groups = match parallel {
        1 => steps.chunks(1).collect(),
        _ => phases(&steps),
    };
    for group in groups {
        let skip_deletes = any_failed;
        let results: Vec<(Option<Outcome>, Duration)> = futures::stream::iter(group.iter())
            .map(|step| async move {
                let step_started = Instant::now();
                let outcome = if skip_deletes && step.kind.deletes() {
                    skipped(*step)
                } else {
                    let line = display.start(label(*step, scope));
                    match run_step(*step, provider, &line).await {
                        Ok(()) => {
                            line.finish(past_tense(step.kind), true);
                            None
                        }
                        Err(err) => {
                            line.finish("failed", false);
                            Some(Outcome::Failed(err.to_string()))
                        }
                    }
                };
                (outcome, step_started.elapsed())
            })
            .buffered(parallel)
            .collect()
            .await;
        for (step, (outcome, took)) in group.iter().zip(results) {
            any_failed |= matches!(outcome, Some(Outcome::Failed(_)));
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
            *seconds += took;
            // The first thing that went wrong is what the report says.
            if recorded.is_none() {
                *recorded = outcome;
            }
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
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The plan's steps cut where the order matters: the core pools' creates and updates, the
/// other creates and updates, delete-first replacements, deletes. Steps of one phase touch
/// different pools and may run together; a phase starts when the one before has ended.
fn phases<'a, 'p>(steps: &'a [Step<'p>]) -> Vec<&'a [Step<'p>]> {
    let phase = |step: &Step<'_>| match step.kind {
        StepKind::Create | StepKind::CreateReplacement | StepKind::Update => {
            if step.change.core {
                0
            } else {
                1
            }
        }
        StepKind::DeleteThenCreate => 2,
        StepKind::DeleteReplaced | StepKind::Delete => 3,
    };
    steps.chunk_by(|a, b| phase(a) == phase(b)).collect()
}

fn skipped(step: Step<'_>) -> Option<Outcome> {
    let why = match step.kind {
        StepKind::DeleteReplaced => format!(
            "its new pool {} is ready, but the old pool {} is kept because an earlier step \
             failed: the next apply deletes it",
            step.change
                .desired
                .as_ref()
                .map(|d| d.name.as_str())
                .unwrap_or("?"),
            step.change.cloud_name
        ),
        _ => "an earlier step failed, so nothing is deleted in this run".to_string(),
    };
    Some(Outcome::Skipped(why))
}

fn label(step: Step<'_>, scope: Option<&str>) -> String {
    let change = step.change;
    let what = match step.kind {
        StepKind::CreateReplacement => format!(
            "-/+ {} (new pool {})",
            change.pool,
            change
                .desired
                .as_ref()
                .map(|d| d.name.as_str())
                .unwrap_or("?")
        ),
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

/// Waits for a pool the plan saw busy before touching it; refuses to go on with one
/// that vanished or failed meanwhile, unless the step removes it anyway.
async fn wait_if_busy(
    step: Step<'_>,
    provider: &dyn Provider,
    line: &OperationLine,
) -> Result<(), ProviderError> {
    let change = step.change;
    if !change
        .health
        .as_ref()
        .is_some_and(|h| h.state == PoolState::Busy)
    {
        return Ok(());
    }
    line.status(&format!("waiting for {} to be ready", change.cloud_name));
    let health = provider.wait_for_pool(&change.cloud_name, line).await?;
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
    line: &OperationLine,
) -> Result<(), ProviderError> {
    let change = step.change;
    if step.kind != StepKind::CreateReplacement && step.kind != StepKind::Create {
        wait_if_busy(step, provider, line).await?;
    }
    match (step.kind, &change.desired) {
        (StepKind::Create | StepKind::CreateReplacement, Some(spec)) => {
            if step.kind == StepKind::CreateReplacement {
                line.status(&format!("creating {}", spec.name));
            }
            provider.create_pool(spec, line).await
        }
        (StepKind::Update, _) => {
            for call in &change.calls {
                let fields: Vec<&str> = call.fields.iter().map(|f| f.blueprint_key()).collect();
                line.status(&format!("updating {}", fields.join(", ")));
                provider
                    .update_pool(&change.cloud_name, &call.updates, line)
                    .await?;
            }
            Ok(())
        }
        (StepKind::DeleteThenCreate, Some(spec)) => {
            line.status(&format!("deleting {}", change.cloud_name));
            provider.delete_pool(&change.cloud_name, line).await?;
            line.status(&format!("creating {}", spec.name));
            provider.create_pool(spec, line).await
        }
        (StepKind::DeleteReplaced, _) => {
            line.status(&format!("deleting {}", change.cloud_name));
            provider.delete_pool(&change.cloud_name, line).await
        }
        (StepKind::Delete, _) => provider.delete_pool(&change.cloud_name, line).await,
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
