//! A stable hash for the names, ids and etags the models derive, so that persisted state keeps its
//! meaning across runs, platforms and Rust versions.

/// FNV-1a: stable across runs and platforms, unlike std's hasher, so persisted names stay meaningful.
pub(crate) fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash ^ (hash >> 32)
}
