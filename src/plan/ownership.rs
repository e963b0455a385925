//! Ownership: the cloud tags that mark a pool as poolctl's, and how live pools are matched
//! to blueprint pools (by the logical-name tag first, then by name).

use poolctl_provider::{LivePool, PoolSpec};
use std::collections::BTreeMap;

/// Tag holding the pool's logical name (the key under `[pools]`).
pub const POOL_TAG: &str = "poolctl-pool";
/// Tag holding the name of the blueprint's cluster.
pub const BLUEPRINT_TAG: &str = "poolctl-blueprint";

/// The tags poolctl puts on a pool it manages.
pub fn ownership_tags(logical: &str, cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (POOL_TAG.to_string(), logical.to_string()),
        (BLUEPRINT_TAG.to_string(), cluster.to_string()),
    ])
}

/// True when poolctl created this pool for this blueprint's cluster.
pub fn is_managed(spec: &PoolSpec, cluster: &str) -> bool {
    spec.tags.get(BLUEPRINT_TAG).map(String::as_str) == Some(cluster)
        && spec.tags.contains_key(POOL_TAG)
}

/// Finds the live pool for a logical pool: the one tagged with its logical name wins over
/// one that merely has the same name, so a renamed or replaced pool is still found.
pub fn find_live(
    live: &[LivePool],
    taken: &[bool],
    logical: &str,
    cloud_name: &str,
    cluster: &str,
) -> Option<usize> {
    let by_tag = live.iter().enumerate().position(|(i, p)| {
        !taken[i]
            && is_managed(&p.spec, cluster)
            && p.spec.tags.get(POOL_TAG).map(String::as_str) == Some(logical)
    });
    by_tag.or_else(|| {
        live.iter()
            .enumerate()
            .position(|(i, p)| !taken[i] && p.spec.name == cloud_name)
    })
}
