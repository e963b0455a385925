//! Rendering plans: Terraform-like text for people (coloured on a terminal, plain
//! otherwise), a versioned JSON document for tools, Markdown for pull requests.
//! Rendering never changes a plan.

mod human;
mod json;
mod markdown;

pub use human::{human, Style};
pub use json::{
    json, json_fleet, plan_json_schema, ActionName, ChangeCounts, FieldChangeDocument, FieldName,
    FleetDocument, FormatVersion, GpuDocument, PlanDocument, PoolChangeDocument, PoolDocument,
    ReasonDocument, ReasonKind, ReplaceStrategyName, ScalingDocument, FORMAT_VERSION,
};
pub use markdown::{markdown, markdown_fleet};
