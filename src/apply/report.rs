//! What an apply did, pool by pool: the report printed at the end, and its JSON form
//! (`apply --json`).

use crate::plan::Action;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Done,
    /// The cloud's message.
    Failed(String),
    /// Not attempted because something it depends on failed, and why.
    Skipped(String),
    /// Not started because poolctl was interrupted.
    Interrupted,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub pool: String,
    pub action: Action,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    pub steps: Vec<StepReport>,
    pub seconds: f64,
}

/// The counts of the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub replaced: usize,
    pub deleted: usize,
    pub failed: usize,
    pub skipped: usize,
    pub interrupted: usize,
}

impl Counts {
    pub fn plus(self, other: Counts) -> Counts {
        Counts {
            created: self.created + other.created,
            updated: self.updated + other.updated,
            replaced: self.replaced + other.replaced,
            deleted: self.deleted + other.deleted,
            failed: self.failed + other.failed,
            skipped: self.skipped + other.skipped,
            interrupted: self.interrupted + other.interrupted,
        }
    }

    pub fn complete(&self) -> bool {
        self.failed == 0 && self.skipped == 0 && self.interrupted == 0
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} replaced, {} deleted, {} failed, {} skipped",
            self.created, self.updated, self.replaced, self.deleted, self.failed, self.skipped
        )?;
        if self.interrupted > 0 {
            write!(f, ", {} not started (interrupted)", self.interrupted)?;
        }
        Ok(())
    }
}

impl ApplyReport {
    /// A report of a cluster where nothing was attempted, every change for `outcome`.
    pub fn none_attempted(plan: &crate::plan::Plan, outcome: Outcome) -> Self {
        ApplyReport {
            steps: plan
                .changes
                .iter()
                .filter(|c| c.action != Action::NoOp)
                .map(|c| StepReport {
                    pool: c.pool.clone(),
                    action: c.action,
                    outcome: outcome.clone(),
                    seconds: 0.0,
                })
                .collect(),
            seconds: 0.0,
        }
    }

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

    pub fn interrupted(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.outcome == Outcome::Interrupted)
            .count()
    }

    pub fn counts(&self) -> Counts {
        Counts {
            created: self.count(Action::Create),
            updated: self.count(Action::Update),
            replaced: self.count(Action::Replace),
            deleted: self.count(Action::Delete),
            failed: self.failed(),
            skipped: self.skipped(),
            interrupted: self.interrupted(),
        }
    }

    pub fn wall_time(&self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }
}
