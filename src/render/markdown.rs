//! The Markdown plan, for a pull-request comment: summary line, a table of changed pools,
//! then one collapsible block per pool with its field changes as a diff.

use super::FailedCluster;
use crate::blueprint::ReplaceStrategy;
use crate::plan::{Action, Plan, PoolChange, Reason, Summary};
use poolctl_provider::{PoolSpec, Scaling};
use std::fmt::Write;

/// Renders the plan for one cluster.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## poolctl plan: {} cluster {}\n",
        plan.provider,
        code(&plan.cluster)
    );
    render_cluster(&mut out, plan);
    out
}

/// Renders the plans for several clusters: the totals, the blueprints that could not be
/// planned, a table of clusters, then one section per cluster.
pub fn markdown_fleet(plans: &[Plan], failed: &[FailedCluster]) -> String {
    let mut out = String::new();
    let noun = if plans.len() == 1 {
        "cluster"
    } else {
        "clusters"
    };
    let _ = writeln!(out, "## poolctl plan: {} {noun}\n", plans.len());
    if !failed.is_empty() {
        let _ =
            writeln!(
            out,
            "> [!CAUTION]\n> **{} {} could not be planned**: their clusters are missing below.\n",
            failed.len(),
            if failed.len() == 1 { "blueprint" } else { "blueprints" }
        );
        out.push_str("| Blueprint | Error |\n|---|---|\n");
        for failure in failed {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(&code(&failure.blueprint)),
                cell(&failure.error)
            );
        }
        out.push('\n');
    }
    if plans.is_empty() {
        out.push_str("No clusters were planned.\n");
        return out;
    }
    let total = Summary::of_fleet(plans);
    if plans.iter().any(Plan::has_changes) {
        let _ = writeln!(out, "{} (all clusters)\n", summary_line(total));
    } else if plans.iter().all(Plan::is_clean) {
        out.push_str("**No changes** in any cluster.\n\n");
    } else {
        out.push_str("**Nothing to change**, but some pools are not ready: see below.\n\n");
    }
    out.push_str("| Provider | Cluster | Add | Change | Replace | Destroy |\n");
    out.push_str("|---|---|--:|--:|--:|--:|\n");
    for plan in plans {
        let s = plan.summary();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&plan.provider),
            cell(&code(&plan.cluster)),
            s.add,
            s.change,
            s.replace,
            s.destroy
        );
    }
    for plan in plans {
        let _ = writeln!(
            out,
            "\n### {} cluster {}\n",
            plan.provider,
            code(&plan.cluster)
        );
        render_cluster(&mut out, plan);
    }
    out
}

fn summary_line(s: Summary) -> String {
    format!(
        "**Plan: {} to add, {} to change, {} to replace, {} to destroy.**",
        s.add, s.change, s.replace, s.destroy
    )
}

/// Everything under a cluster's heading.
fn render_cluster(out: &mut String, plan: &Plan) {
    if plan.is_clean() {
        let n = plan.changes.len();
        let _ = writeln!(
            out,
            "**No changes.** The node pools match the blueprint ({n} {}).",
            if n == 1 { "pool" } else { "pools" }
        );
        render_unmanaged(out, plan);
        return;
    }
    if plan.has_changes() {
        let _ = writeln!(out, "{}\n", summary_line(plan.summary()));
    } else {
        out.push_str("**Nothing to change**, but the cloud reports pools that are not ready.\n\n");
    }
    let unhealthy = plan.unhealthy().count();
    if unhealthy > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **{unhealthy} {} not ready** (marked `!`): {}.\n",
            if unhealthy == 1 {
                "pool is"
            } else {
                "pools are"
            },
            plan.unhealthy()
                .filter_map(|c| c
                    .health
                    .as_ref()
                    .map(|h| format!("{} is {h}", code(&c.pool))))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let changed: Vec<&PoolChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.health.is_some())
        .collect();
    for change in changed
        .iter()
        .filter(|c| c.action == Action::Replace && c.core)
    {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **Core pool {} will be replaced**: system services lose their nodes while it is replaced.\n",
            code(&change.pool)
        );
    }
    for hazard in super::hazard_lines(plan) {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **{}.** `poolctl apply` refuses this plan unless it is given `--allow-destroy-core`.\n",
            capitalized(&hazard)
        );
    }
    out.push_str("| Action | Pool | Change |\n");
    out.push_str("|:-:|---|---|\n");
    for change in &changed {
        let symbol = match (change.action, &change.health) {
            (Action::NoOp, Some(_)) => "!",
            _ => change.action.symbol(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&code(symbol)),
            cell(&pool_name(change)),
            cell(&what(change))
        );
    }
    let unchanged: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::NoOp && c.health.is_none())
        .map(pool_name)
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(out, "\nUnchanged: {}.", unchanged.join(", "));
    }
    // Where deletes or replacements are in the plan, the order of the pool blocks above
    // is not the whole story: a replacement's old pool goes with the deletes, last.
    let steps = plan.steps();
    if steps.len() > 1 && steps.iter().any(|s| s.kind.deletes()) {
        let order: Vec<String> = steps
            .iter()
            .map(|step| code(&super::step_line(step)))
            .collect();
        let _ = writeln!(
            out,
            "\nApply order (deletes last, none after a failure): {}.",
            order.join(" → ")
        );
    }
    for change in changed {
        render_details(out, change);
    }
    render_unmanaged(out, plan);
}

fn render_unmanaged(out: &mut String, plan: &Plan) {
    if let Some(partial) = super::partial_line(plan) {
        let _ = writeln!(out, "\n> **{partial}**");
    }
    if plan.unmanaged.is_empty() {
        return;
    }
    let names: Vec<String> = plan.unmanaged.iter().map(|n| code(n)).collect();
    let _ = writeln!(
        out,
        "\nUnmanaged pools (not created by poolctl; left alone): {}.",
        names.join(", ")
    );
}

/// The pool's name for the table and the unchanged list: logical name, the cloud name
/// when it differs, and whether it is a core pool.
fn pool_name(change: &PoolChange) -> String {
    let mut name = code(&change.pool);
    if change.cloud_name != change.pool {
        let _ = write!(name, " (cloud name {})", code(&change.cloud_name));
    }
    if change.core {
        name.push_str(" (core)");
    }
    name
}

/// The table's one-line description of a change.
fn what(change: &PoolChange) -> String {
    let fields = |forcing_only: bool| -> String {
        let names: Vec<String> = change
            .field_changes
            .iter()
            .filter(|f| f.forces_replacement || !forcing_only)
            .map(|f| code(f.field.blueprint_key()))
            .collect();
        names.join(", ")
    };
    match (change.action, &change.reason) {
        (Action::Create, _) => match &change.desired {
            Some(spec) => format!(
                "create: {}, {}",
                code(&spec.machine_type),
                scaling(spec.scaling)
            ),
            None => "create".to_string(),
        },
        (Action::Update, Some(Reason::Adopt)) => {
            format!("adopt, then update in place: {}", fields(false))
        }
        (Action::Update, _) => format!("update in place: {}", fields(false)),
        (Action::Replace, Some(Reason::Failed)) => {
            "create again: the cloud reports it failed".to_string()
        }
        (Action::Replace, _) => format!("replace: {} cannot change in place", fields(true)),
        (Action::Delete, Some(Reason::NotInBlueprint)) => {
            "delete: no longer in the blueprint".to_string()
        }
        (Action::Delete, Some(Reason::Destroy)) => "delete: poolctl destroy".to_string(),
        (Action::Delete, Some(Reason::Leftover)) => {
            "delete: left over from an interrupted replacement".to_string()
        }
        (Action::Delete, _) => "delete".to_string(),
        (Action::NoOp, _) => match &change.health {
            Some(health) => super::human::health_note(change, health),
            None => "none".to_string(),
        },
    }
}

/// The collapsible block for one changed pool.
fn render_details(out: &mut String, change: &PoolChange) {
    let headline = match (change.action, &change.reason) {
        (Action::Create, _) => "will be created".to_string(),
        (Action::Update, Some(Reason::Adopt)) => {
            "will be adopted (not created by poolctl; the blueprint names it) and updated in place"
                .to_string()
        }
        (Action::Update, _) => "will be updated in place".to_string(),
        (Action::Replace, Some(Reason::Failed)) => {
            "must be created again: the cloud reports it failed".to_string()
        }
        (Action::Replace, _) => {
            let core = if change.core { " (core pool)" } else { "" };
            match (&change.replace_strategy, &change.desired) {
                (Some(ReplaceStrategy::CreateBeforeDestroy), Some(new))
                    if new.name != change.cloud_name =>
                {
                    format!(
                        "must be replaced{core}: <code>{}</code> is created first, then <code>{}</code> is deleted",
                        html(&new.name),
                        html(&change.cloud_name)
                    )
                }
                _ => format!("must be replaced{core}: it is deleted first, then created again"),
            }
        }
        (Action::Delete, Some(Reason::NotInBlueprint)) => {
            "will be deleted: it is no longer in the blueprint".to_string()
        }
        (Action::Delete, Some(Reason::Destroy)) => {
            "will be deleted: poolctl destroy removes every pool it manages".to_string()
        }
        (Action::Delete, Some(Reason::Leftover)) => {
            "will be deleted: a newer pool with the same logical name matches the blueprint"
                .to_string()
        }
        (Action::Delete, _) => "will be deleted".to_string(),
        (Action::NoOp, _) => "needs no change".to_string(),
    };
    let mut name = format!("<b>{}</b>", html(&change.pool));
    if change.cloud_name != change.pool {
        let _ = write!(
            name,
            " (cloud name <code>{}</code>)",
            html(&change.cloud_name)
        );
    }
    let mut lines = Vec::new();
    if let Some(health) = &change.health {
        lines.push(format!("!   {}", super::human::health_note(change, health)));
    }
    match change.action {
        Action::Create => {
            if let Some(spec) = &change.desired {
                spec_lines(&mut lines, spec, '+');
            }
        }
        Action::Delete => {
            if let Some(spec) = &change.live {
                spec_lines(&mut lines, spec, '-');
            }
        }
        Action::Update | Action::Replace => {
            let notes = super::field_notes(change);
            for (f, note) in change.field_changes.iter().zip(notes) {
                let key = f.field.blueprint_key();
                lines.push(format!("- {key}: {}", f.old));
                lines.push(format!("+ {key}: {}", f.new));
                if f.forces_replacement {
                    lines.push(format!("!   {note}"));
                } else if change.action == Action::Replace {
                    lines.push(format!("#   {note}"));
                } else {
                    lines.push(format!("#   in place: {note}"));
                }
            }
        }
        Action::NoOp => {}
    }
    let symbol = match (change.action, &change.health) {
        (Action::NoOp, Some(_)) => "!",
        _ => change.action.symbol(),
    };
    let _ = writeln!(
        out,
        "\n<details><summary><code>{}</code> {name} {headline}</summary>\n",
        html(symbol)
    );
    if !lines.is_empty() {
        let body = lines.join("\n");
        let fence = fence_for(&body);
        let _ = writeln!(out, "{fence}diff\n{body}\n{fence}\n");
    }
    out.push_str("</details>\n");
}

/// The rows of a whole pool, as the human plan shows them for a create.
fn spec_lines(lines: &mut Vec<String>, spec: &PoolSpec, sign: char) {
    for (key, value) in super::spec_rows(spec) {
        lines.push(format!("{sign} {key}: {value}"));
    }
}

fn scaling(s: Scaling) -> String {
    match s {
        Scaling::Fixed { nodes } => format!("{nodes} nodes"),
        Scaling::Autoscale { min, max } => format!("autoscale {min}..{max}"),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// An inline code span that survives backticks in the text.
fn code(text: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// A code fence longer than any backtick run in the block.
fn fence_for(body: &str) -> String {
    "`".repeat(longest_backtick_run(body).max(2) + 1)
}

/// Text for a table cell: a `|` would end the cell, a newline the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text inside HTML (the `<summary>` line).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_fences_outgrow_backticks_in_the_text() {
        assert_eq!(code("web"), "`web`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("has ```` four"), "`````");
    }

    #[test]
    fn table_cells_and_html_are_escaped() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(html("<b>&"), "&lt;b&gt;&amp;");
    }

    #[test]
    fn an_empty_plan_says_no_changes() {
        let plan = Plan {
            provider: "gke".into(),
            cluster: "prod".into(),
            changes: Vec::new(),
            unmanaged: vec!["legacy".into()],
            targets: Vec::new(),
        };
        let text = markdown(&plan);
        assert!(text.contains("**No changes.**"), "{text}");
        assert!(text.contains("`legacy`"), "{text}");
        assert!(!text.contains("<details>"), "{text}");
    }
}
