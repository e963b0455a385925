//! AKS (Microsoft.ContainerService agentPools): which pool fields a PUT of the whole agent
//! pool changes in place, and which force a new pool. Facts: provider-apis.md sections 2.1
//! and 2.3.

use super::{Capability, CapabilityTable, Field, ScalingCalls};

const GKE_ONLY: Capability = Capability::Unsupported {
    why: "a GKE setting; AKS pool settings go in [pools.NAME.aks]",
};

const EKS_ONLY: Capability = Capability::Unsupported {
    why: "an EKS setting; AKS pool settings go in [pools.NAME.aks]",
};

pub static AKS: CapabilityTable = CapabilityTable::complete(
    "aks",
    &[
        // `vmSize` is in azurerm's `cycleNodePoolProperties` list, and Microsoft's docs say
        // the VM size can't change after creation (§2.3).
        (
            Field::MachineType,
            Capability::Replace {
                why: "AKS cannot change vmSize after creation",
            },
        ),
        // `count` and the autoscaler fields (`enableAutoScaling`, `minCount`, `maxCount`) are
        // in place (§2.3). There is no PATCH: GET, modify, PUT the whole pool (§2.1).
        (
            Field::Scaling,
            Capability::InPlace {
                call: "PUT agentPools/{pool}",
                sends: "count, enableAutoScaling, minCount, maxCount",
                batch: true,
            },
        ),
        // `nodeLabels` is in place (§2.3), sent as the whole set in the whole pool.
        (
            Field::Labels,
            Capability::InPlace {
                call: "PUT agentPools/{pool}",
                sends: "nodeLabels",
                batch: true,
            },
        ),
        // `nodeTaints` was immutable (azure-rest-api-specs#11137) and is mutable now; azurerm
        // dropped ForceNew in PR #24658 (2024-01). Needs an api-version from 2024 or later
        // (§2.3).
        (
            Field::Taints,
            Capability::InPlace {
                call: "PUT agentPools/{pool}",
                sends: "nodeTaints",
                batch: true,
            },
        ),
        // `scaleSetPriority` (Regular/Spot) is fixed at creation (§2.3).
        (
            Field::Spot,
            Capability::Replace {
                why: "AKS cannot change scaleSetPriority (spot) after creation",
            },
        ),
        // An AKS GPU is the GPU `vmSize` (§0: GPU = GPU vmSize), and `vmSize` is immutable
        // (§2.3), so a different GPU means a different pool.
        (
            Field::Gpu,
            Capability::Replace {
                why: "on AKS the GPU comes with vmSize, which cannot change after creation",
            },
        ),
        // `osDiskSizeGB` is in azurerm's `cycleNodePoolProperties` list (§2.3).
        (
            Field::DiskGb,
            Capability::Replace {
                why: "AKS cannot change osDiskSizeGB after creation",
            },
        ),
        // `availabilityZones` is in azurerm's `cycleNodePoolProperties` list (§2.3).
        (
            Field::Zones,
            Capability::Replace {
                why: "AKS cannot change availabilityZones after creation",
            },
        ),
        // `tags` is in place (§2.3).
        (
            Field::Tags,
            Capability::InPlace {
                call: "PUT agentPools/{pool}",
                sends: "tags",
                batch: true,
            },
        ),
        // GKE's extras have no AKS counterpart under these names.
        (Field::ImageType, GKE_ONLY),
        (Field::ServiceAccount, GKE_ONLY),
        (Field::OauthScopes, GKE_ONLY),
        (Field::DiskType, GKE_ONLY),
        (Field::MaxPodsPerNode, GKE_ONLY),
        // `osSKU` can move between Ubuntu and AzureLinux only (§2.3); a blueprint can name
        // no other, so a change is always one of those moves. It reimages the nodes.
        (
            Field::OsSku,
            Capability::InPlace {
                call: "PUT agentPools/{pool}",
                sends: "osSKU",
                batch: true,
            },
        ),
        // `maxPods`, `osDiskType` and `vnetSubnetID` are in azurerm's
        // `cycleNodePoolProperties` list (§2.3).
        (
            Field::MaxPods,
            Capability::Replace {
                why: "AKS cannot change maxPods after creation",
            },
        ),
        (
            Field::OsDiskType,
            Capability::Replace {
                why: "AKS cannot change osDiskType after creation",
            },
        ),
        (
            Field::VnetSubnetId,
            Capability::Replace {
                why: "AKS cannot move a pool to another subnet (vnetSubnetID)",
            },
        ),
        // `mode` is in place, as long as one System pool remains (§2.3).
        (
            Field::Mode,
            Capability::InPlace {
                call: "PUT agentPools/{pool}",
                sends: "mode",
                batch: true,
            },
        ),
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
        to_autoscale: "PUT agentPools/{pool} (enableAutoScaling, minCount, maxCount)",
        resize: "PUT agentPools/{pool} (count)",
        autoscale_to_fixed: "PUT agentPools/{pool} (enableAutoScaling, count)",
    },
);
