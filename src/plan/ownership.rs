//! Ownership: the cloud tags that mark a pool as poolctl's, and how live pools are matched
//! to blueprint pools (by the logical-name tag first, then by name).

use poolctl_provider::{LivePool, PoolSpec};
use std::collections::BTreeMap;

/// Tag holding the pool's logical name (the key under `[pools]`).
pub const POOL_TAG: &str = "poolctl-pool";
/// Tag holding the name of the blueprint's cluster.
pub const BLUEPRINT_TAG: &str = "poolctl-blueprint";
/// Tag holding the pool's class, so that a plan knows a core pool even once the blueprint
/// no longer lists it.
pub const CLASS_TAG: &str = "poolctl-class";
/// Tag present (`true`) on pools the blueprint protects, so that a pool removed from the
/// blueprint is still never deleted while it was last applied protected.
pub const PROTECT_TAG: &str = "poolctl-protect";

/// Every tag poolctl writes; others on a pool belong to other tools and are kept.
pub const POOLCTL_TAGS: [&str; 4] = [POOL_TAG, BLUEPRINT_TAG, CLASS_TAG, PROTECT_TAG];

/// The tags poolctl puts on a pool it manages.
pub fn ownership_tags(
    logical: &str,
    cluster: &str,
    class: &str,
    protect: bool,
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::from([
        (POOL_TAG.to_string(), logical.to_string()),
        (BLUEPRINT_TAG.to_string(), cluster.to_string()),
        (CLASS_TAG.to_string(), class.to_string()),
    ]);
    if protect {
        tags.insert(PROTECT_TAG.to_string(), "true".to_string());
    }
    tags
}

/// Whether the live pool's tags say it is a core pool.
pub fn tagged_core(spec: &PoolSpec) -> bool {
    spec.tags.get(CLASS_TAG).map(String::as_str) == Some("core")
}

/// Whether the live pool's tags say it was applied with `protect = true`.
pub fn tagged_protected(spec: &PoolSpec) -> bool {
    spec.tags.get(PROTECT_TAG).map(String::as_str) == Some("true")
}

/// True when poolctl created this pool for this blueprint's cluster.
pub fn is_managed(spec: &PoolSpec, cluster: &str) -> bool {
    spec.tags.get(BLUEPRINT_TAG).map(String::as_str) == Some(cluster)
        && spec.tags.contains_key(POOL_TAG)
}

/// The live pools that stand for a logical pool: every pool of this cluster tagged with
/// its logical name (a replacement in progress leaves two); failing those, the pool that
/// merely has its name (which is then adopted or already poolctl's).
pub fn find_live(
    live: &[LivePool],
    taken: &[bool],
    logical: &str,
    cloud_name: &str,
    cluster: &str,
) -> Vec<usize> {
    let tagged: Vec<usize> = live
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            !taken[*i]
                && is_managed(&p.spec, cluster)
                && p.spec.tags.get(POOL_TAG).map(String::as_str) == Some(logical)
        })
        .map(|(i, _)| i)
        .collect();
    if !tagged.is_empty() {
        return tagged;
    }
    live.iter()
        .enumerate()
        .position(|(i, p)| !taken[i] && p.spec.name == cloud_name)
        .into_iter()
        .collect()
}
