//! GKE (container.googleapis.com v1): which pool fields the API changes in place, by which
//! call, and which force a new pool. Facts: provider-apis.md sections 1.1 and 1.3.

use super::{Capability, CapabilityTable, Field, ScalingCalls};

const AKS_ONLY: Capability = Capability::Unsupported {
    why: "an AKS setting; GKE pool settings go in [pools.NAME.gke]",
};

const EKS_ONLY: Capability = Capability::Unsupported {
    why: "an EKS setting; GKE pool settings go in [pools.NAME.gke]",
};

pub static GKE: CapabilityTable = CapabilityTable::complete(
    "gke",
    &[
        // `UpdateNodePoolRequest.machineType` exists since about Aug 2023 (python-container
        // PR #506, §1.3). The nodes are migrated like an upgrade, which disrupts workloads,
        // but the pool and its name stay. Each of machineType, diskType and diskSizeGb
        // "initiates an upgrade operation that migrates the nodes" (the discovery
        // document's UpdateNodePoolRequest): one request with all of them migrates once.
        (
            Field::MachineType,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "machineType",
                batch: true,
            },
        ),
        // §1.3 "Dedicated calls": bounds through `:setAutoscaling` (totalMin/totalMaxNodeCount),
        // a static size through `:setSize` (per zone).
        (
            Field::Scaling,
            Capability::InPlace {
                call: "POST nodePools/{pool}:setAutoscaling or :setSize",
                sends: "",
                batch: false,
            },
        ),
        // `labels` is in the PUT's in-place list (§1.3) and replaces the whole set (§1.1).
        (
            Field::Labels,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "labels",
                batch: false,
            },
        ),
        // `taints` is in the PUT's in-place list (§1.3) and replaces the whole set (§1.1).
        // Before the API had it, Terraform recreated pools on any taint change
        // (terraform-provider-google#7928); it no longer has to.
        (
            Field::Taints,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "taints",
                batch: false,
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
                call: "PUT nodePools/{pool}",
                sends: "accelerators",
                batch: false,
            },
        ),
        // `diskSizeGb` joined `UpdateNodePoolRequest` with `machineType` (§1.3); nodes are
        // migrated like an upgrade.
        (
            Field::DiskGb,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "diskSizeGb",
                batch: true,
            },
        ),
        // `locations` is in the PUT's in-place list (§1.3). The discovery document warns
        // against combining it with other fields in one request, so it goes alone.
        (
            Field::Zones,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "locations",
                batch: false,
            },
        ),
        // Cloud tags are `config.resourceLabels` (§0), in the PUT's in-place list (§1.3).
        (
            Field::Tags,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "resourceLabels",
                batch: false,
            },
        ),
        // `imageType` is in the PUT's in-place list (§1.3); the nodes are recreated with the
        // new image, pool by pool, like an upgrade.
        (
            Field::ImageType,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "imageType",
                batch: false,
            },
        ),
        // `serviceAccount` is not in `UpdateNodePoolRequest` (the discovery document) and
        // is ForceNew in the Terraform provider (§1.3).
        (
            Field::ServiceAccount,
            Capability::Replace {
                why: "GKE cannot change a pool's service account after creation",
            },
        ),
        // `oauthScopes` is not in `UpdateNodePoolRequest` either (§1.3).
        (
            Field::OauthScopes,
            Capability::Replace {
                why: "GKE cannot change a pool's OAuth scopes after creation",
            },
        ),
        // `diskType` joined `UpdateNodePoolRequest` with `machineType` (§1.3): batched with
        // it, for the same reason.
        (
            Field::DiskType,
            Capability::InPlace {
                call: "PUT nodePools/{pool}",
                sends: "diskType",
                batch: true,
            },
        ),
        // `maxPodsConstraint` is immutable (§1.3): it sizes the pool's pod IP range.
        (
            Field::MaxPodsPerNode,
            Capability::Replace {
                why: "GKE cannot change a pool's maximum pods per node after creation",
            },
        ),
        // AKS's extras have no GKE counterpart under these names.
        (Field::OsSku, AKS_ONLY),
        (Field::MaxPods, AKS_ONLY),
        (Field::OsDiskType, AKS_ONLY),
        (Field::VnetSubnetId, AKS_ONLY),
        (Field::Mode, AKS_ONLY),
        // EKS's node-group settings have no counterpart here.
        (Field::InstanceTypes, EKS_ONLY),
        (Field::Subnets, EKS_ONLY),
        (Field::NodeRole, EKS_ONLY),
        (Field::AmiType, EKS_ONLY),
        (Field::LaunchTemplateId, EKS_ONLY),
        (Field::LaunchTemplateName, EKS_ONLY),
        (Field::LaunchTemplateVersion, EKS_ONLY),
    ],
    ScalingCalls {
        to_autoscale: "POST nodePools/{pool}:setAutoscaling",
        resize: "POST nodePools/{pool}:setSize",
        autoscale_to_fixed: "POST nodePools/{pool}:setAutoscaling (off), then :setSize",
    },
);
