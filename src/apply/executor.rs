//! The executor: walks a plan in order (core pools first, deletes last), one operation at
//! a time per cluster, the safe default for every cloud, and records each outcome.

use super::display::Display;
use crate::blueprint::ReplaceStrategy;
use crate::plan::{Action, Plan, PoolChange};
use poolctl_provider::{Progress, Provider, ProviderError};
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

/// Executes every change of the plan. A failure does not stop independent creates and
/// updates, but no pool is deleted after one: a half-applied blueprint should lose nothing.
/// `scope` names the cluster on each progress line when several are applied at once.
pub async fn apply_plan(
    plan: &Plan,
    provider: &dyn Provider,
    display: &Display,
    scope: Option<&str>,
) -> ApplyReport {
    let started = Instant::now();
    let mut steps = Vec::new();
    let mut any_failed = false;
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let step_started = Instant::now();
        let outcome = if any_failed && matches!(change.action, Action::Delete | Action::Replace) {
            Outcome::Skipped("an earlier step failed, so nothing is deleted in this run".into())
        } else {
            let label = match scope {
                Some(cluster) => format!("{cluster}: {} {}", change.action.symbol(), change.pool),
                None => format!("{} {}", change.action.symbol(), change.pool),
            };
            let line = display.start(label);
            match run_change(change, provider, &line).await {
                Ok(()) => {
                    line.finish(past_tense(change.action), true);
                    Outcome::Done
                }
                Err(err) => {
                    any_failed = true;
                    line.finish("failed", false);
                    Outcome::Failed(err.to_string())
                }
            }
        };
        steps.push(StepReport {
            pool: change.pool.clone(),
            action: change.action,
            outcome,
            seconds: step_started.elapsed().as_secs_f64(),
        });
    }
    ApplyReport {
        steps,
        seconds: started.elapsed().as_secs_f64(),
    }
}

async fn run_change(
    change: &PoolChange,
    provider: &dyn Provider,
    line: &super::display::OperationLine,
) -> Result<(), ProviderError> {
    match change.action {
        Action::NoOp => Ok(()),
        Action::Create => match &change.desired {
            Some(spec) => provider.create_pool(spec, line).await,
            None => Ok(()),
        },
        Action::Update => {
            for call in &change.calls {
                let fields: Vec<&str> = call.fields.iter().map(|f| f.blueprint_key()).collect();
                line.status(&format!("updating {}", fields.join(", ")));
                provider
                    .update_pool(&change.cloud_name, &call.updates, line)
                    .await?;
            }
            Ok(())
        }
        Action::Replace => {
            let Some(spec) = &change.desired else {
                return Ok(());
            };
            match change.replace_strategy.unwrap_or_default() {
                // The old pool keeps serving until its successor is ready; if the create
                // fails, nothing was lost.
                ReplaceStrategy::CreateBeforeDestroy if spec.name != change.cloud_name => {
                    line.status(&format!("creating {}", spec.name));
                    provider.create_pool(spec, line).await?;
                    line.status(&format!("deleting {}", change.cloud_name));
                    provider.delete_pool(&change.cloud_name, line).await
                }
                _ => {
                    line.status(&format!("deleting {}", change.cloud_name));
                    provider.delete_pool(&change.cloud_name, line).await?;
                    line.status(&format!("creating {}", spec.name));
                    provider.create_pool(spec, line).await
                }
            }
        }
        Action::Delete => provider.delete_pool(&change.cloud_name, line).await,
    }
}

fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Replace => "replaced",
        Action::Delete => "deleted",
        Action::NoOp => "unchanged",
    }
}
