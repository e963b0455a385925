//! GKE (container.googleapis.com v1): which pool fields the API changes in place, by which
//! call, and which force a new pool. Facts: provider-apis.md sections 1.1 and 1.3.

use super::{Capability, CapabilityTable, Field};

pub static GKE: CapabilityTable = CapabilityTable::complete(
    "gke",
    &[
        // `UpdateNodePoolRequest.machineType` exists since about Aug 2023 (python-container
        // PR #506, §1.3). The nodes are migrated like an upgrade, which disrupts workloads,
        // but the pool and its name stay.
        (
            Field::MachineType,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (machineType)",
            },
        ),
        // §1.3 "Dedicated calls": bounds through `:setAutoscaling` (totalMin/totalMaxNodeCount),
        // a static size through `:setSize` (per zone).
        (
            Field::Scaling,
            Capability::InPlace {
                call: "POST nodePools/{pool}:setAutoscaling / :setSize",
            },
        ),
        // `labels` is in the PUT's in-place list (§1.3) and replaces the whole set (§1.1).
        (
            Field::Labels,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (labels)",
            },
        ),
        // `taints` is in the PUT's in-place list (§1.3) and replaces the whole set (§1.1).
        // Before the API had it, Terraform recreated pools on any taint change
        // (terraform-provider-google#7928); it no longer has to.
        (
            Field::Taints,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (taints)",
            },
        ),
        // `spot`/`preemptible` are not in `UpdateNodePoolRequest` (§1.1) and are listed as
        // immutable in §1.3: capacity type is fixed when the pool is created.
        (
            Field::Spot,
            Capability::Replace {
                why: "GKE cannot change a pool's spot setting after creation",
            },
        ),
        // `accelerators` is in the PUT's in-place list (§1.3).
        (
            Field::Gpu,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (accelerators)",
            },
        ),
        // `diskSizeGb` joined `UpdateNodePoolRequest` with `machineType` (§1.3); nodes are
        // migrated like an upgrade.
        (
            Field::DiskGb,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (diskSizeGb)",
            },
        ),
        // `locations` is in the PUT's in-place list (§1.3).
        (
            Field::Zones,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (locations)",
            },
        ),
        // Cloud tags are `config.resourceLabels` (§0), in the PUT's in-place list (§1.3).
        (
            Field::Tags,
            Capability::InPlace {
                call: "PUT nodePools/{pool} (resourceLabels)",
            },
        ),
    ],
);
