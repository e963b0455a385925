//! Capability tables: for each normalized field, whether a cloud changes it in place
//! (and by which call) or only by replacing the pool. One table per cloud, one file each.
//!
//! The facts behind every entry are in `../shared/provider-apis.md` (sections 1.3, 2.3 and
//! 3.3); each entry's comment says which. The tables say what the APIs allow, not what
//! Terraform happens to do.

mod aks;
mod eks;
mod gke;

pub use aks::AKS;
pub use eks::EKS;
pub use gke::GKE;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The capability table of a provider as named in blueprints (`gke`, `aks`, `eks`).
pub fn capability_table(provider: &str) -> Option<&'static CapabilityTable> {
    match provider {
        "gke" => Some(&GKE),
        "aks" => Some(&AKS),
        "eks" => Some(&EKS),
        _ => None,
    }
}

/// A field of [`crate::PoolSpec`] that a plan can change. Serialized as its blueprint key.
///
/// The first nine are the cloud-independent pool settings; the rest are provider extras,
/// written in `[pools.NAME.<provider>]` and held in [`crate::PoolSpec::extras`]. A cloud's
/// capability table says which extras it takes: the others are [`Capability::Unsupported`]
/// there, and a blueprint that sets them is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// GKE `config.imageType` (COS_CONTAINERD, UBUNTU_CONTAINERD).
    ImageType,
    /// GKE `config.serviceAccount`: the nodes' Google service account.
    ServiceAccount,
    /// GKE `config.oauthScopes`: API scopes of the nodes' service account.
    OauthScopes,
    /// GKE `config.diskType` (pd-balanced, pd-ssd, ...).
    DiskType,
    /// GKE `maxPodsConstraint.maxPodsPerNode`.
    MaxPodsPerNode,
    /// AKS `osSKU` (Ubuntu, AzureLinux).
    OsSku,
    /// AKS `maxPods`.
    MaxPods,
    /// AKS `osDiskType` (Managed, Ephemeral).
    OsDiskType,
    /// AKS `vnetSubnetID`: the subnet the nodes join.
    VnetSubnetId,
    /// AKS `mode` (System, User). A blueprint's core pool is System, every other User.
    Mode,
    /// EKS `instanceTypes`, in the order given: the first is the pool's `machine_type`.
    /// Several types let a SPOT group draw on more capacity pools.
    InstanceTypes,
    /// EKS `subnets`: where the nodes go (they also decide the zones).
    Subnets,
    /// EKS `nodeRole`: the IAM role ARN of the nodes.
    NodeRole,
    /// EKS `amiType` (AL2023_x86_64_STANDARD, AL2023_x86_64_NVIDIA, ...).
    AmiType,
    /// EKS `launchTemplate.id`.
    #[serde(rename = "launch_template.id")]
    LaunchTemplateId,
    /// EKS `launchTemplate.name`.
    #[serde(rename = "launch_template.name")]
    LaunchTemplateName,
    /// EKS `launchTemplate.version`.
    #[serde(rename = "launch_template.version")]
    LaunchTemplateVersion,
}

/// The shape of a provider extra's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraKind {
    Text,
    Count,
    /// A list whose order carries no meaning: kept sorted and without duplicates.
    Set,
    /// A list whose order matters (EKS takes instance types in order of preference).
    List,
}

impl Field {
    pub const ALL: [Field; 26] = [
        Field::MachineType,
        Field::Scaling,
        Field::Labels,
        Field::Taints,
        Field::Spot,
        Field::Gpu,
        Field::DiskGb,
        Field::Zones,
        Field::Tags,
        Field::ImageType,
        Field::ServiceAccount,
        Field::OauthScopes,
        Field::DiskType,
        Field::MaxPodsPerNode,
        Field::OsSku,
        Field::MaxPods,
        Field::OsDiskType,
        Field::VnetSubnetId,
        Field::Mode,
        Field::InstanceTypes,
        Field::Subnets,
        Field::NodeRole,
        Field::AmiType,
        Field::LaunchTemplateId,
        Field::LaunchTemplateName,
        Field::LaunchTemplateVersion,
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
            Field::ImageType => "image_type",
            Field::ServiceAccount => "service_account",
            Field::OauthScopes => "oauth_scopes",
            Field::DiskType => "disk_type",
            Field::MaxPodsPerNode => "max_pods_per_node",
            Field::OsSku => "os_sku",
            Field::MaxPods => "max_pods",
            Field::OsDiskType => "os_disk_type",
            Field::VnetSubnetId => "vnet_subnet_id",
            Field::Mode => "mode",
            Field::InstanceTypes => "instance_types",
            Field::Subnets => "subnets",
            Field::NodeRole => "node_role",
            Field::AmiType => "ami_type",
            Field::LaunchTemplateId => "launch_template.id",
            Field::LaunchTemplateName => "launch_template.name",
            Field::LaunchTemplateVersion => "launch_template.version",
        }
    }

    /// For a provider extra, the shape of its value; `None` for the common settings.
    pub fn extra_kind(self) -> Option<ExtraKind> {
        match self {
            Field::ImageType
            | Field::ServiceAccount
            | Field::DiskType
            | Field::OsSku
            | Field::OsDiskType
            | Field::VnetSubnetId
            | Field::Mode
            | Field::NodeRole
            | Field::AmiType
            | Field::LaunchTemplateId
            | Field::LaunchTemplateName
            | Field::LaunchTemplateVersion => Some(ExtraKind::Text),
            Field::MaxPodsPerNode | Field::MaxPods => Some(ExtraKind::Count),
            Field::OauthScopes | Field::Subnets => Some(ExtraKind::Set),
            Field::InstanceTypes => Some(ExtraKind::List),
            Field::MachineType
            | Field::Scaling
            | Field::Labels
            | Field::Taints
            | Field::Spot
            | Field::Gpu
            | Field::DiskGb
            | Field::Zones
            | Field::Tags => None,
        }
    }

    pub fn is_extra(self) -> bool {
        self.extra_kind().is_some()
    }

    /// The provider extra written as `key` in `[pools.NAME.<provider>]`.
    pub fn extra_from_key(key: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.is_extra() && f.blueprint_key() == key)
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
    /// Changed on the live pool by `call`, which sends `sends` (the wire field or fields).
    /// Fields marked `batch` that share a `call` go out in one request: each of them
    /// recreates the nodes, so sending them together rolls the nodes once, not once per
    /// field.
    InPlace {
        call: &'static str,
        sends: &'static str,
        batch: bool,
    },
    /// The cloud cannot change it: the pool must be replaced.
    Replace { why: &'static str },
    /// This cloud has no such setting (or poolctl cannot manage it there yet): a
    /// blueprint that sets it is refused at validation.
    Unsupported { why: &'static str },
}

impl Capability {
    /// The call as the plan shows it: `PUT nodePools/{pool} (labels)`.
    pub fn describe_call(call: &str, sends: &str) -> String {
        if sends.is_empty() {
            call.to_string()
        } else {
            format!("{call} ({sends})")
        }
    }
}

/// The calls that change a pool's size on one cloud, which depend on where the pool
/// comes from and goes to: GKE sets bounds and sizes through two different calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalingCalls {
    /// To autoscaling bounds (from either mode).
    pub to_autoscale: &'static str,
    /// From one static size to another.
    pub resize: &'static str,
    /// From autoscaling to a static size.
    pub autoscale_to_fixed: &'static str,
}

/// One cloud's answer for every field.
///
/// The cloud tables are built with [`CapabilityTable::complete`], which refuses (at compile
/// time) a table that misses a field or lists one twice.
#[derive(Debug)]
pub struct CapabilityTable {
    pub provider: &'static str,
    pub entries: &'static [(Field, Capability)],
    pub scaling: ScalingCalls,
}

impl CapabilityTable {
    /// A table with exactly one entry for every [`Field`]; anything else fails to compile
    /// when used for a `static`.
    pub const fn complete(
        provider: &'static str,
        entries: &'static [(Field, Capability)],
        scaling: ScalingCalls,
    ) -> Self {
        let mut i = 0;
        while i < Field::ALL.len() {
            let mut found = 0;
            let mut j = 0;
            while j < entries.len() {
                if entries[j].0 as u8 == Field::ALL[i] as u8 {
                    found += 1;
                }
                j += 1;
            }
            if found != 1 {
                panic!("a capability table needs exactly one entry for every Field");
            }
            i += 1;
        }
        CapabilityTable {
            provider,
            entries,
            scaling,
        }
    }

    /// How this cloud changes `field`.
    ///
    /// The GKE, AKS and EKS tables are complete. A hand-built partial table (a test's)
    /// answers "replace" for a field it does not list: the safe answer.
    pub fn get(&self, field: Field) -> Capability {
        self.entries
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
            .unwrap_or(Capability::Replace {
                why: "this provider declares no in-place update for it",
            })
    }

    /// The provider extras this cloud takes in `[pools.NAME.<provider>]`.
    pub fn extras(&self) -> impl Iterator<Item = Field> + '_ {
        Field::ALL
            .into_iter()
            .filter(|f| f.is_extra() && !matches!(self.get(*f), Capability::Unsupported { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLES: [&CapabilityTable; 3] = [&GKE, &AKS, &EKS];

    fn in_place(table: &CapabilityTable, field: Field) -> bool {
        matches!(table.get(field), Capability::InPlace { .. })
    }

    #[test]
    fn every_table_names_every_field_once() {
        for table in TABLES {
            for field in Field::ALL {
                let n = table.entries.iter().filter(|(f, _)| *f == field).count();
                assert_eq!(n, 1, "{} lists {field} {n} times", table.provider);
            }
            assert_eq!(table.entries.len(), Field::ALL.len());
        }
    }

    #[test]
    fn tables_are_found_by_provider_name() {
        for table in TABLES {
            let found = capability_table(table.provider).expect("known provider");
            assert!(std::ptr::eq(found, table));
        }
        assert!(capability_table("openstack").is_none());
        assert!(capability_table("GKE").is_none());
    }

    #[test]
    fn spot_forces_replacement_everywhere() {
        for table in TABLES {
            assert!(!in_place(table, Field::Spot), "{}", table.provider);
        }
    }

    #[test]
    fn labels_taints_scaling_and_tags_change_in_place_everywhere() {
        for table in TABLES {
            for field in [Field::Labels, Field::Taints, Field::Scaling, Field::Tags] {
                assert!(in_place(table, field), "{} {field}", table.provider);
            }
        }
    }

    #[test]
    fn machine_type_is_in_place_only_on_gke() {
        assert!(in_place(&GKE, Field::MachineType));
        assert_eq!(
            AKS.get(Field::MachineType),
            Capability::Replace {
                why: "AKS cannot change vmSize after creation"
            }
        );
        assert!(!in_place(&EKS, Field::MachineType));
    }

    #[test]
    fn aks_and_eks_replace_for_disk_zones_and_gpu() {
        for table in [&AKS, &EKS] {
            for field in [Field::DiskGb, Field::Zones, Field::Gpu] {
                assert!(!in_place(table, field), "{} {field}", table.provider);
            }
        }
        for field in [Field::DiskGb, Field::Zones, Field::Gpu] {
            assert!(in_place(&GKE, field), "gke {field}");
        }
    }

    #[test]
    fn calls_and_reasons_are_never_empty() {
        for table in TABLES {
            for (field, capability) in table.entries {
                let text = match capability {
                    Capability::InPlace { call, .. } => call,
                    Capability::Replace { why } | Capability::Unsupported { why } => why,
                };
                assert!(!text.trim().is_empty(), "{} {field}", table.provider);
            }
            let calls = table.scaling;
            for call in [calls.to_autoscale, calls.resize, calls.autoscale_to_fixed] {
                assert!(!call.trim().is_empty(), "{}", table.provider);
            }
        }
    }

    #[test]
    fn the_common_settings_are_supported_everywhere() {
        for table in TABLES {
            for field in Field::ALL.into_iter().filter(|f| !f.is_extra()) {
                assert!(
                    !matches!(table.get(field), Capability::Unsupported { .. }),
                    "{} {field}",
                    table.provider
                );
            }
        }
    }

    #[test]
    fn each_cloud_takes_its_own_extras() {
        let gke: Vec<Field> = GKE.extras().collect();
        assert_eq!(
            gke,
            [
                Field::ImageType,
                Field::ServiceAccount,
                Field::OauthScopes,
                Field::DiskType,
                Field::MaxPodsPerNode
            ]
        );
        assert_eq!(
            AKS.extras().collect::<Vec<_>>(),
            [
                Field::OsSku,
                Field::MaxPods,
                Field::OsDiskType,
                Field::VnetSubnetId,
                Field::Mode
            ]
        );
        assert_eq!(
            EKS.extras().collect::<Vec<_>>(),
            [
                Field::InstanceTypes,
                Field::Subnets,
                Field::NodeRole,
                Field::AmiType,
                Field::LaunchTemplateId,
                Field::LaunchTemplateName,
                Field::LaunchTemplateVersion
            ]
        );
        for field in [
            Field::ServiceAccount,
            Field::OauthScopes,
            Field::MaxPodsPerNode,
        ] {
            assert!(!in_place(&GKE, field), "{field}");
        }
        for field in [Field::ImageType, Field::DiskType] {
            assert!(in_place(&GKE, field), "{field}");
        }
    }

    #[test]
    fn node_recreating_gke_fields_share_one_request() {
        let batched: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|f| matches!(GKE.get(*f), Capability::InPlace { batch: true, .. }))
            .collect();
        assert_eq!(
            batched,
            [Field::MachineType, Field::DiskGb, Field::DiskType]
        );
    }

    #[test]
    fn extras_are_found_by_their_key_and_never_shadow_a_common_key() {
        for field in Field::ALL {
            let key = field.blueprint_key();
            assert_eq!(
                Field::extra_from_key(key).is_some(),
                field.is_extra(),
                "{key}"
            );
        }
        assert_eq!(Field::extra_from_key("image_type"), Some(Field::ImageType));
        assert_eq!(Field::extra_from_key("labels"), None);
    }

    #[test]
    fn fields_read_back_from_their_blueprint_keys() {
        use serde::de::{value::Error, IntoDeserializer};
        for field in Field::ALL {
            let key: serde::de::value::StrDeserializer<Error> =
                field.blueprint_key().into_deserializer();
            assert_eq!(Field::deserialize(key), Ok(field));
        }
    }

    #[test]
    fn a_partial_table_replaces_what_it_does_not_list() {
        static PARTIAL: CapabilityTable = CapabilityTable {
            provider: "test",
            entries: &[(
                Field::Labels,
                Capability::InPlace {
                    call: "labels",
                    sends: "",
                    batch: false,
                },
            )],
            scaling: ScalingCalls {
                to_autoscale: "bounds",
                resize: "size",
                autoscale_to_fixed: "bounds off, size",
            },
        };
        assert!(in_place(&PARTIAL, Field::Labels));
        assert!(!in_place(&PARTIAL, Field::DiskGb));
    }
}
