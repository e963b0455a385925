//! What each cloud accepts for a pool: name syntax, node counts, disk sizes and zones.
//! Facts come from ../shared/provider-apis.md (sections 1.7, 2.7, 3.7) unless a comment says otherwise.

use super::ProviderKind;
use std::ops::RangeInclusive;

/// Why a pool name is refused, and a name that would pass, when one is obvious.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameProblem {
    pub(crate) rule: &'static str,
    pub(crate) suggestion: Option<String>,
}

/// Checks a pool name against the cloud's syntax.
pub(crate) fn check_pool_name(provider: ProviderKind, name: &str) -> Result<(), NameProblem> {
    let ok = match provider {
        ProviderKind::Gke => is_gke_name(name),
        ProviderKind::Aks => is_aks_name(name),
        ProviderKind::Eks => is_eks_name(name),
    };
    if ok {
        return Ok(());
    }
    let rule = match provider {
        ProviderKind::Gke => {
            "GKE pool names are 1-40 characters: lowercase letters, digits and `-`, \
             starting with a letter and not ending with `-`"
        }
        ProviderKind::Aks => {
            "AKS pool names are 1-12 characters: lowercase letters and digits, starting with a letter"
        }
        ProviderKind::Eks => {
            "EKS node group names are 1-63 characters: letters, digits, `-` and `_`, \
             starting with a letter or digit"
        }
    };
    let candidate = match provider {
        ProviderKind::Gke => name.to_ascii_lowercase().replace('_', "-"),
        ProviderKind::Aks => name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .take(12)
            .collect(),
        ProviderKind::Eks => name.replace(['.', ' '], "-"),
    };
    let passes = match provider {
        ProviderKind::Gke => is_gke_name(&candidate),
        ProviderKind::Aks => is_aks_name(&candidate),
        ProviderKind::Eks => is_eks_name(&candidate),
    };
    Err(NameProblem {
        rule,
        suggestion: passes.then_some(candidate),
    })
}

/// `^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$`
fn is_gke_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=40).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !name.ends_with('-')
}

/// `^[a-z][a-z0-9]{0,11}$`
fn is_aks_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=12).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`
fn is_eks_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

/// How many nodes a pool may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeLimit {
    /// GKE counts per zone, so the total depends on how many zones the pool spans.
    PerZone(u32),
    PerPool(u32),
}

pub(crate) fn node_limit(provider: ProviderKind) -> NodeLimit {
    match provider {
        ProviderKind::Gke => NodeLimit::PerZone(1000),
        ProviderKind::Aks => NodeLimit::PerPool(1000),
        // A default quota; AWS raises it on request, but the API refuses more until then.
        ProviderKind::Eks => NodeLimit::PerPool(450),
    }
}

/// Disk sizes in GB the cloud accepts.
pub(crate) fn disk_range(provider: ProviderKind) -> RangeInclusive<u32> {
    match provider {
        ProviderKind::Gke => 10..=65536,
        // ARM's ContainerServiceOSDisk: at most 2048; 0 would mean "the default", which
        // a blueprint expresses by leaving `disk_gb` out.
        ProviderKind::Aks => 1..=2048,
        // EBS gp2/gp3 volumes end at 16 TiB.
        ProviderKind::Eks => 1..=16384,
    }
}

/// A GKE location names a zone when it has a zone suffix (`europe-west1-b`), a region otherwise.
pub(crate) fn gke_location_is_zone(location: &str) -> bool {
    location.matches('-').count() >= 2
}

/// Checks one entry of a pool's `zones` for the cloud; `location` is the cluster's.
pub(crate) fn check_zone(
    provider: ProviderKind,
    zone: &str,
    location: Option<&str>,
) -> Result<(), String> {
    match provider {
        ProviderKind::Gke => {
            if !gke_location_is_zone(zone) {
                return Err(format!(
                    "`{zone}` is not a GKE zone; zones look like `europe-west1-b`"
                ));
            }
            let region = |loc: &str| -> String {
                if gke_location_is_zone(loc) {
                    loc.rsplit_once('-').map_or(loc, |(r, _)| r).to_string()
                } else {
                    loc.to_string()
                }
            };
            match location {
                Some(loc) if region(zone) != region(loc) => Err(format!(
                    "zone `{zone}` is outside the cluster's region `{}`",
                    region(loc)
                )),
                _ => Ok(()),
            }
        }
        ProviderKind::Aks => {
            if matches!(zone, "1" | "2" | "3") {
                Ok(())
            } else {
                Err(format!(
                    "`{zone}` is not an Azure availability zone; they are \"1\", \"2\" and \"3\""
                ))
            }
        }
        // Reported by the caller as a setting EKS has no place for.
        ProviderKind::Eks => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_names_follow_each_cloud() {
        assert!(check_pool_name(ProviderKind::Gke, "highmem-16").is_ok());
        assert!(check_pool_name(ProviderKind::Gke, "a").is_ok());
        assert!(check_pool_name(ProviderKind::Gke, "1pool").is_err());
        assert!(check_pool_name(ProviderKind::Gke, "pool-").is_err());
        assert!(check_pool_name(ProviderKind::Gke, &"a".repeat(41)).is_err());
        assert!(check_pool_name(ProviderKind::Aks, "highmem").is_ok());
        assert!(check_pool_name(ProviderKind::Aks, "abcdefghijklm").is_err());
        assert!(check_pool_name(ProviderKind::Eks, "Workers_2-a").is_ok());
        assert!(check_pool_name(ProviderKind::Eks, "_x").is_err());
        assert!(check_pool_name(ProviderKind::Eks, &"a".repeat(64)).is_err());
    }

    #[test]
    fn refused_names_come_with_a_fix_when_one_is_obvious() {
        let problem = check_pool_name(ProviderKind::Aks, "high-mem").unwrap_err();
        assert_eq!(problem.suggestion.as_deref(), Some("highmem"));
        let problem = check_pool_name(ProviderKind::Gke, "High_Mem").unwrap_err();
        assert_eq!(problem.suggestion.as_deref(), Some("high-mem"));
        let problem = check_pool_name(ProviderKind::Aks, "9lives").unwrap_err();
        assert_eq!(problem.suggestion, None);
    }

    #[test]
    fn zones_belong_to_the_cluster() {
        let gke = ProviderKind::Gke;
        assert!(check_zone(gke, "europe-west1-b", Some("europe-west1")).is_ok());
        assert!(check_zone(gke, "europe-west1-c", Some("europe-west1-b")).is_ok());
        assert!(check_zone(gke, "us-east1-b", Some("europe-west1")).is_err());
        assert!(check_zone(gke, "europe-west1", None).is_err());
        assert!(check_zone(ProviderKind::Aks, "2", None).is_ok());
        assert!(check_zone(ProviderKind::Aks, "westeurope-2", None).is_err());
    }
}
