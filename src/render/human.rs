//! The human plan: one block per pool (`+`, `~`, `-/+`, `-`) with the changed fields,
//! old -> new, then a one-line summary.

use super::FailedCluster;
use crate::blueprint::ReplaceStrategy;
use crate::plan::{Action, Plan, PoolChange, Reason};
use poolctl_provider::{Health, PoolSpec, PoolState};
use std::fmt::Write;

/// Whether to colour the output (a terminal) or not (CI logs, files, pipes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Color,
    Plain,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        match self {
            Style::Color => format!("\x1b[{code}m{text}\x1b[0m"),
            Style::Plain => text.to_string(),
        }
    }

    fn action(self, action: Action, text: &str) -> String {
        let code = match action {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
            Action::NoOp => "0",
        };
        self.paint(code, text)
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Renders a plan. An empty plan says so in one line.
pub fn human(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let title = format!("{} cluster {}", plan.provider, plan.cluster);
    let _ = writeln!(out, "{}", style.bold(&title));
    if let Some(partial) = super::partial_line(plan) {
        let _ = writeln!(out, "{}", style.paint("33", &partial));
    }
    if plan.is_clean() {
        let pools = match plan.changes.len() {
            1 => "1 pool".to_string(),
            n => format!("{n} pools"),
        };
        let scope = if plan.targets.is_empty() {
            "The node pools match the blueprint"
        } else {
            "The targeted pools match the blueprint"
        };
        let _ = writeln!(out, "\nNo changes. {scope} ({pools}).");
    } else {
        if plan.has_changes() {
            let _ = writeln!(
                out,
                "\npoolctl will perform these actions ({} create, {} update in place, {} replace, {} delete):",
                style.action(Action::Create, "+"),
                style.action(Action::Update, "~"),
                style.action(Action::Replace, "-/+"),
                style.action(Action::Delete, "-"),
            );
        } else {
            let _ = writeln!(
                out,
                "\nNothing to change, but the cloud reports pools that are not ready:"
            );
        }
        for change in plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp || c.health.is_some())
        {
            out.push('\n');
            render_change(&mut out, change, style);
        }
        let hazards = super::hazard_lines(plan);
        if !hazards.is_empty() {
            out.push('\n');
            for hazard in hazards {
                let _ = writeln!(
                    out,
                    "{}",
                    style.paint("1;31", &format!("WARNING: {hazard}."))
                );
            }
            let _ = writeln!(
                out,
                "`poolctl apply` refuses this plan unless it is given --allow-destroy-core."
            );
        }
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {}",
            style.dim("Unmanaged pools (not created by poolctl; left alone):"),
            plan.unmanaged.join(", ")
        );
    }
    // Where deletes or replacements are in the plan, the order of the pool blocks above
    // is not the whole story: a replacement's old pool goes with the deletes, last.
    let steps = plan.steps();
    if steps.len() > 1 && steps.iter().any(|s| s.kind.deletes()) {
        let order: Vec<String> = steps
            .iter()
            .enumerate()
            .map(|(i, step)| format!("{}. {}", i + 1, super::step_line(step)))
            .collect();
        let _ = writeln!(
            out,
            "\n{} {}",
            style.bold("Apply order (deletes last, none after a failure):"),
            order.join("  ")
        );
    }
    if plan.has_changes() {
        let s = plan.summary();
        let _ = writeln!(
            out,
            "\n{} {} to add, {} to change, {} to replace, {} to destroy.",
            style.bold("Plan:"),
            s.add,
            s.change,
            s.replace,
            s.destroy
        );
    }
    let unhealthy = plan.unhealthy().count();
    if unhealthy > 0 {
        let pools = if unhealthy == 1 {
            "pool is"
        } else {
            "pools are"
        };
        let _ = writeln!(
            out,
            "{}",
            style.paint(
                "33",
                &format!("{unhealthy} {pools} not ready (marked !): see above.")
            )
        );
    }
    out
}

/// Renders the plans of a fleet, one after the other, then the fleet's totals and the
/// blueprints that could not be planned.
pub fn human_fleet(plans: &[Plan], failed: &[FailedCluster], style: Style) -> String {
    let mut out = String::new();
    for (i, plan) in plans.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&human(plan, style));
    }
    let total = crate::plan::Summary::of_fleet(plans);
    let changed = plans.iter().filter(|p| !p.is_clean()).count();
    let _ = writeln!(
        out,
        "\n{} {} clusters planned, {changed} with changes, {} failed. \
         Plan: {} to add, {} to change, {} to replace, {} to destroy.",
        style.bold("Fleet:"),
        plans.len() + failed.len(),
        failed.len(),
        total.add,
        total.change,
        total.replace,
        total.destroy
    );
    for failure in failed {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            style.paint("31", "failed"),
            failure.blueprint,
            failure.error
        );
    }
    out
}

/// What the cloud says of a pool that is not ready, and what poolctl does about it.
pub(crate) fn health_note(change: &PoolChange, health: &Health) -> String {
    match health.state {
        PoolState::Busy => format!(
            "busy ({health}): its settings may still change; apply waits for it before acting"
        ),
        PoolState::Degraded => format!(
            "degraded ({health}): the cloud reports problems; poolctl changes nothing for that, \
             look at the pool's nodes"
        ),
        PoolState::Failed if change.action == Action::Delete => {
            format!("failed ({health})")
        }
        PoolState::Failed => format!("failed ({health}): it is deleted and created again"),
        PoolState::Ready => health.to_string(),
    }
}

fn render_change(out: &mut String, change: &PoolChange, style: Style) {
    let name = if change.pool == change.cloud_name {
        change.pool.clone()
    } else {
        format!("{} (cloud name {})", change.pool, change.cloud_name)
    };
    let what = match (&change.action, &change.reason) {
        (Action::Create, _) => "will be created".to_string(),
        (Action::Replace, Some(Reason::Failed)) => {
            "must be created again: the cloud reports it failed".to_string()
        }
        (Action::Update, Some(Reason::Adopt)) => {
            "will be adopted (not created by poolctl; the blueprint names it) and updated in place"
                .to_string()
        }
        (Action::Update, _) => "will be updated in place".to_string(),
        (Action::Replace, _) => match (&change.replace_strategy, &change.desired) {
            (Some(ReplaceStrategy::CreateBeforeDestroy), Some(new))
                if new.name != change.cloud_name =>
            {
                format!(
                    "must be replaced: {} is created first, then {} is deleted",
                    new.name, change.cloud_name
                )
            }
            _ => "must be replaced: it is deleted first, then created again".to_string(),
        },
        (Action::Delete, Some(Reason::Leftover)) => {
            "will be deleted: a newer pool with the same logical name matches the blueprint"
                .to_string()
        }
        (Action::Delete, Some(Reason::NotInBlueprint)) => {
            "will be deleted: it is no longer in the blueprint".to_string()
        }
        (Action::Delete, Some(Reason::Destroy)) => {
            "will be deleted: poolctl destroy removes every pool it manages".to_string()
        }
        (Action::Delete, _) => "will be deleted".to_string(),
        (Action::NoOp, _) => "needs no change".to_string(),
    };
    let symbol = match (change.action, &change.health) {
        (Action::NoOp, Some(_)) => style.paint("33", "!"),
        _ => style.action(change.action, change.action.symbol()),
    };
    let _ = writeln!(out, "  {symbol} pool {} {what}", style.bold(&name));
    if let Some(health) = &change.health {
        let _ = writeln!(
            out,
            "      {} {}",
            style.paint("33", "!"),
            health_note(change, health)
        );
    }
    if change.action == Action::Replace && change.core {
        let _ = writeln!(
            out,
            "      {}",
            style.paint(
                "1;31",
                "WARNING: this is a core pool: system services lose their nodes while it is replaced"
            )
        );
    }
    match change.action {
        Action::Create => {
            if let Some(spec) = &change.desired {
                render_spec(out, spec, style, change.action);
            }
        }
        Action::Update | Action::Replace => {
            let width = change
                .field_changes
                .iter()
                .map(|f| f.field.blueprint_key().len())
                .max()
                .unwrap_or(0);
            let notes = super::field_notes(change);
            for (f, note) in change.field_changes.iter().zip(notes) {
                let note = if f.forces_replacement {
                    style.paint("31", &format!("# {note}"))
                } else {
                    style.dim(&format!("# {note}"))
                };
                let _ = writeln!(
                    out,
                    "      {} {:width$}  {} -> {}  {note}",
                    style.action(change.action, "~"),
                    f.field.blueprint_key(),
                    f.old,
                    f.new,
                );
            }
        }
        Action::Delete | Action::NoOp => {}
    }
}

fn render_spec(out: &mut String, spec: &PoolSpec, style: Style, action: Action) {
    let plus = style.action(action, "+");
    let rows = super::spec_rows(spec);
    let width = rows
        .iter()
        .map(|(key, _)| key.len())
        .max()
        .unwrap_or(0)
        .max(12);
    for (key, value) in rows {
        let _ = writeln!(out, "      {plus} {key:width$} {value}");
    }
}
