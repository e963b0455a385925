//! EKS (API 2017-11-01): which node-group fields UpdateNodegroupConfig and the tag APIs
//! change in place, and which force a new node group. Facts: provider-apis.md sections 3.1,
//! 3.2 and 3.3.

use super::{Capability, CapabilityTable, Field, ScalingCalls};

const GKE_ONLY: Capability = Capability::Unsupported {
    why: "a GKE setting; EKS node-group settings go in [pools.NAME.eks]",
};

const AKS_ONLY: Capability = Capability::Unsupported {
    why: "an AKS setting; EKS pool settings go in [pools.NAME.eks]",
};

pub static EKS: CapabilityTable = CapabilityTable::complete(
    "eks",
    &[
        // `instanceTypes` is immutable (§3.3).
        (
            Field::MachineType,
            Capability::Replace {
                why: "EKS cannot change a node group's instanceTypes after creation",
            },
        ),
        // UpdateNodegroupConfig takes `scalingConfig` (§3.2, §3.3). `desiredSize` is sent
        // only when it must move (clamped into the new bounds, §3.6).
        (
            Field::Scaling,
            Capability::InPlace {
                call: "POST node-groups/{ng}/update-config",
                sends: "scalingConfig",
                batch: true,
            },
        ),
        // UpdateNodegroupConfig `labels{addOrUpdateLabels,removeLabels}`: deltas, not a
        // replacement (§3.2).
        (
            Field::Labels,
            Capability::InPlace {
                call: "POST node-groups/{ng}/update-config",
                sends: "labels add/remove",
                batch: true,
            },
        ),
        // UpdateNodegroupConfig `taints{addOrUpdateTaints,removeTaints}`: deltas (§3.2).
        (
            Field::Taints,
            Capability::InPlace {
                call: "POST node-groups/{ng}/update-config",
                sends: "taints add/remove",
                batch: true,
            },
        ),
        // `capacityType` (ON_DEMAND/SPOT) is immutable (§3.3).
        (
            Field::Spot,
            Capability::Replace {
                why: "EKS cannot change a node group's capacityType (spot) after creation",
            },
        ),
        // An EKS GPU pool is GPU `instanceTypes` plus a GPU `amiType` (§3.2); both are
        // immutable (§3.3).
        (
            Field::Gpu,
            Capability::Replace {
                why: "on EKS the GPU comes with instanceTypes and amiType, which cannot change after creation",
            },
        ),
        // `diskSize` is immutable (§3.3).
        (
            Field::DiskGb,
            Capability::Replace {
                why: "EKS cannot change a node group's diskSize after creation",
            },
        ),
        // Zones are implied by `subnets` (§0), which are immutable (§3.3).
        (
            Field::Zones,
            Capability::Replace {
                why: "EKS places a node group by its subnets, which cannot change after creation",
            },
        ),
        // Tags go through TagResource / UntagResource (§3.1, §3.3), not UpdateNodegroupConfig.
        (
            Field::Tags,
            Capability::InPlace {
                call: "POST /tags/{arn} (TagResource), DELETE /tags/{arn} (UntagResource)",
                sends: "",
                batch: false,
            },
        ),
        // GKE's extras have no EKS counterpart under these names.
        (Field::ImageType, GKE_ONLY),
        (Field::ServiceAccount, GKE_ONLY),
        (Field::OauthScopes, GKE_ONLY),
        (Field::DiskType, GKE_ONLY),
        (Field::MaxPodsPerNode, GKE_ONLY),
        // AKS's extras have no EKS counterpart under these names.
        (Field::OsSku, AKS_ONLY),
        (Field::MaxPods, AKS_ONLY),
        (Field::OsDiskType, AKS_ONLY),
        (Field::VnetSubnetId, AKS_ONLY),
        (Field::Mode, AKS_ONLY),
        // The node-group settings of [pools.NAME.eks]. `instanceTypes`, `subnets`,
        // `nodeRole`, `amiType` and the launch template's id or name are immutable (§3.3).
        (
            Field::InstanceTypes,
            Capability::Replace {
                why: "EKS cannot change a node group's instanceTypes after creation",
            },
        ),
        (
            Field::Subnets,
            Capability::Replace {
                why: "EKS cannot change a node group's subnets after creation",
            },
        ),
        (
            Field::NodeRole,
            Capability::Replace {
                why: "EKS cannot change a node group's nodeRole after creation",
            },
        ),
        (
            Field::AmiType,
            Capability::Replace {
                why: "EKS cannot change a node group's amiType after creation",
            },
        ),
        (
            Field::LaunchTemplateId,
            Capability::Replace {
                why: "EKS cannot move a node group to another launch template",
            },
        ),
        (
            Field::LaunchTemplateName,
            Capability::Replace {
                why: "EKS cannot move a node group to another launch template",
            },
        ),
        // UpdateNodegroupVersion takes `launchTemplate{version}` for a group created with
        // one (§3.2, §3.3): a rolling update of the nodes.
        (
            Field::LaunchTemplateVersion,
            Capability::InPlace {
                call: "POST node-groups/{ng}/update-version",
                sends: "launchTemplate.version",
                batch: false,
            },
        ),
    ],
    ScalingCalls {
        to_autoscale: "POST node-groups/{ng}/update-config (scalingConfig)",
        resize: "POST node-groups/{ng}/update-config (scalingConfig)",
        autoscale_to_fixed: "POST node-groups/{ng}/update-config (scalingConfig)",
    },
);
