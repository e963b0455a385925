//! GKE's capability table: which pool fields the v1 API changes in place, by which call,
//! and which it cannot change at all (see ../shared/provider-apis.md section 1.3).

use poolctl_provider::{Capability, CapabilityTable, Field};

pub static GKE: CapabilityTable = CapabilityTable {
    provider: "gke",
    entries: &[
        // UpdateNodePoolRequest.machineType (since 2023): nodes are recreated by a surge
        // upgrade, so it disrupts workloads, but the pool, its name and its nodes' labels stay.
        (
            Field::MachineType,
            Capability::InPlace {
                call: "PUT nodePools/{pool} machineType",
            },
        ),
        // Bounds through :setAutoscaling, a static size through :setSize.
        (
            Field::Scaling,
            Capability::InPlace {
                call: "POST nodePools/{pool}:setAutoscaling / :setSize",
            },
        ),
        // labels, taints and resourceLabels replace the whole set in one PUT.
        (
            Field::Labels,
            Capability::InPlace {
                call: "PUT nodePools/{pool} labels",
            },
        ),
        (
            Field::Taints,
            Capability::InPlace {
                call: "PUT nodePools/{pool} taints",
            },
        ),
        (
            Field::Tags,
            Capability::InPlace {
                call: "PUT nodePools/{pool} resourceLabels",
            },
        ),
        (
            Field::DiskGb,
            Capability::InPlace {
                call: "PUT nodePools/{pool} diskSizeGb",
            },
        ),
        (
            Field::Zones,
            Capability::InPlace {
                call: "PUT nodePools/{pool} locations",
            },
        ),
        (
            Field::Gpu,
            Capability::InPlace {
                call: "PUT nodePools/{pool} accelerators",
            },
        ),
        // UpdateNodePoolRequest has no spot or preemptible field: capacity type is fixed
        // when the pool is created.
        (
            Field::Spot,
            Capability::Replace {
                why: "GKE cannot change a pool's spot setting after creation",
            },
        ),
    ],
};
