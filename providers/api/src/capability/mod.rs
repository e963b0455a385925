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
///
/// The cloud tables are built with [`CapabilityTable::complete`], which refuses (at compile
/// time) a table that misses a field or lists one twice.
#[derive(Debug)]
pub struct CapabilityTable {
    pub provider: &'static str,
    pub entries: &'static [(Field, Capability)],
}

impl CapabilityTable {
    /// A table with exactly one entry for every [`Field`]; anything else fails to compile
    /// when used for a `static`.
    pub const fn complete(provider: &'static str, entries: &'static [(Field, Capability)]) -> Self {
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
        CapabilityTable { provider, entries }
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
                    Capability::InPlace { call } => call,
                    Capability::Replace { why } => why,
                };
                assert!(!text.trim().is_empty(), "{} {field}", table.provider);
            }
        }
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
            entries: &[(Field::Labels, Capability::InPlace { call: "labels" })],
        };
        assert!(in_place(&PARTIAL, Field::Labels));
        assert!(!in_place(&PARTIAL, Field::DiskGb));
    }
}
