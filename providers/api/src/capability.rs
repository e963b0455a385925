//! Capability tables: for each normalized field, whether a cloud changes it in place
//! (and by which call) or only by replacing the pool.

use serde::Serialize;
use std::fmt;

/// A field of [`crate::PoolSpec`] that a plan can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    MachineType,
    Scaling,
    Labels,
    Taints,
    Spot,
    Gpu,
    DiskGb,
    Zones,
    Tags,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::MachineType,
        Field::Scaling,
        Field::Labels,
        Field::Taints,
        Field::Spot,
        Field::Gpu,
        Field::DiskGb,
        Field::Zones,
        Field::Tags,
    ];

    /// The blueprint key a user writes for this field.
    pub fn blueprint_key(self) -> &'static str {
        match self {
            Field::MachineType => "machine_type",
            Field::Scaling => "scaling",
            Field::Labels => "labels",
            Field::Taints => "taints",
            Field::Spot => "spot",
            Field::Gpu => "gpu",
            Field::DiskGb => "disk_gb",
            Field::Zones => "zones",
            Field::Tags => "tags",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.blueprint_key())
    }
}

/// How a cloud changes one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Capability {
    /// Changed on the live pool by this API call.
    InPlace { call: &'static str },
    /// The cloud cannot change it: the pool must be replaced.
    Replace { why: &'static str },
}

/// One cloud's answer for every field.
#[derive(Debug)]
pub struct CapabilityTable {
    pub provider: &'static str,
    pub entries: &'static [(Field, Capability)],
}

impl CapabilityTable {
    /// A field missing from a table is treated as forcing replacement: the safe answer.
    pub fn get(&self, field: Field) -> Capability {
        self.entries
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
            .unwrap_or(Capability::Replace {
                why: "this provider declares no in-place update for it",
            })
    }
}
