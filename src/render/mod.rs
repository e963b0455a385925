//! Rendering plans: Terraform-like text for people (coloured on a terminal, plain
//! otherwise), a versioned JSON document for tools, Markdown for pull requests.
//! Rendering never changes a plan.

mod human;
mod json;
mod markdown;

pub use human::{human, human_fleet, Style};

use crate::plan::{Plan, PoolChange, Step, StepKind};
use poolctl_provider::autoscaler_tags::NODE_TEMPLATE_PREFIX;
use poolctl_provider::{PoolSpec, Scaling};

/// A whole pool as rows of (blueprint key, value), as the human and Markdown plans show
/// a pool being created: only what the blueprint sets.
pub(crate) fn spec_rows(spec: &PoolSpec) -> Vec<(&'static str, String)> {
    let mut rows: Vec<(&'static str, String)> = vec![
        ("machine_type", spec.machine_type.clone()),
        match spec.scaling {
            Scaling::Fixed { nodes } => ("size", nodes.to_string()),
            Scaling::Autoscale { min, max } => ("autoscale", format!("{min}..{max}")),
        },
    ];
    if spec.spot {
        rows.push(("spot", "true".into()));
    }
    if let Some(gpu) = &spec.gpu {
        rows.push(("gpu", format!("{} x{}", gpu.kind, gpu.count)));
    }
    if let Some(disk) = spec.disk_gb {
        rows.push(("disk_gb", disk.to_string()));
    }
    if !spec.zones.is_empty() {
        rows.push(("zones", format!("[{}]", spec.zones.join(", "))));
    }
    if !spec.labels.is_empty() {
        let labels: Vec<String> = spec
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        rows.push(("labels", format!("{{{}}}", labels.join(", "))));
    }
    if !spec.taints.is_empty() {
        let taints: Vec<String> = spec.taints.iter().map(ToString::to_string).collect();
        rows.push(("taints", format!("[{}]", taints.join(", "))));
    }
    for (field, value) in &spec.extras {
        rows.push((field.blueprint_key(), value.to_string()));
    }
    // The Cluster Autoscaler tags poolctl derives for a pool that scales from zero (EKS),
    // shown without their common prefix.
    let template: Vec<String> = spec
        .tags
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(NODE_TEMPLATE_PREFIX)
                .map(|short| format!("{short}={v}"))
        })
        .collect();
    if !template.is_empty() {
        rows.push(("autoscaler_tags", format!("{{{}}}", template.join(", "))));
    }
    rows
}

/// How a field change is annotated: the call that makes it (once per call: the other
/// fields of a batched call say which field's request carries them), or why it forces a
/// replacement.
pub(crate) fn field_notes(change: &PoolChange) -> Vec<String> {
    change
        .field_changes
        .iter()
        .map(|f| {
            if f.forces_replacement {
                return format!("forces replacement: {}", f.how);
            }
            let call = change.calls.iter().find(|c| c.fields.contains(&f.field));
            match call {
                Some(call) if call.fields.len() > 1 && call.fields[0] != f.field => {
                    format!("in the same request as {}", call.fields[0])
                }
                Some(call) if call.fields.len() > 1 => {
                    format!(
                        "{} (one request for {} fields)",
                        call.call,
                        call.fields.len()
                    )
                }
                _ => f.how.clone(),
            }
        })
        .collect()
}

/// One step of the apply order as a user reads it: `+ core`, `- batch (replaced by
/// batch-3f2a)`.
pub(crate) fn step_line(step: &Step<'_>) -> String {
    let change = step.change;
    let new_name = change
        .desired
        .as_ref()
        .map(|d| d.name.as_str())
        .unwrap_or("?");
    match step.kind {
        StepKind::Create => format!("+ {}", change.cloud_name),
        StepKind::Update => format!("~ {}", change.cloud_name),
        StepKind::CreateReplacement => format!("+ {new_name} (replaces {})", change.cloud_name),
        StepKind::DeleteThenCreate => {
            format!("-/+ {} (deleted, then created again)", change.cloud_name)
        }
        StepKind::DeleteReplaced => format!("- {} (replaced by {new_name})", change.cloud_name),
        StepKind::Delete => format!("- {}", change.cloud_name),
    }
}

/// The warnings of a plan that `apply` refuses without `--allow-destroy-core`.
/// The warning a partial (`--target`) plan carries.
pub(crate) fn partial_line(plan: &Plan) -> Option<String> {
    (!plan.targets.is_empty()).then(|| {
        format!(
            "Partial plan: limited to {} (--target). The other pools were not compared and \
             may differ from the blueprint.",
            plan.targets.join(", ")
        )
    })
}

pub(crate) fn hazard_lines(plan: &Plan) -> Vec<String> {
    plan.hazards()
        .iter()
        .map(|hazard| format!("this plan {hazard}"))
        .collect()
}
pub use json::{
    json, json_fleet, plan_json_schema, ActionName, ChangeCounts, FailedCluster,
    FieldChangeDocument, FieldName, FleetDocument, FormatVersion, GpuDocument, HazardDocument,
    HazardKind, PlanDocument, PoolChangeDocument, PoolDocument, ReasonDocument, ReasonKind,
    ReplaceStrategyName, ScalingDocument, SettingValue, FORMAT_VERSION,
};
pub use markdown::{markdown, markdown_fleet};
