//! Pool names: each cloud's name rule, and the derived name a replacement pool gets when
//! it is created before the old pool is deleted (`highmem-a1b2`, AKS `highmema1b2`).
//!
//! Rules (provider-apis.md §1.7, §2.7, §3.7): GKE `^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$`;
//! AKS Linux pools `^[a-z][a-z0-9]{0,11}$`; EKS at most 63 of `[A-Za-z0-9_-]`, starting
//! with a letter or digit. An unknown provider gets GKE's rule, the strictest with hyphens.

/// Whether `name` satisfies the provider's pool name rule.
pub fn valid_pool_name(provider: &str, name: &str) -> bool {
    let bytes = name.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    match provider {
        "aks" => {
            bytes.len() <= 12
                && first.is_ascii_lowercase()
                && rest
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }
        "eks" => {
            bytes.len() <= 63
                && first.is_ascii_alphanumeric()
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        }
        _ => {
            let gke_char = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
            bytes.len() <= 40
                && first.is_ascii_lowercase()
                && rest.iter().all(gke_char)
                && bytes.last().is_some_and(|b| *b != b'-')
        }
    }
}

/// The cloud name for a new pool that replaces the pool `current` of logical pool
/// `logical`: the logical name, cut to fit, plus four hex digits from a stable hash of
/// `seed`. The same inputs always give the same name; the result always satisfies
/// [`valid_pool_name`] and is never `current` (on a clash, `seed` gets a `'` appended and
/// the name is derived again).
pub fn replacement_name(provider: &str, current: &str, logical: &str, seed: &str) -> String {
    let mut seed = seed.to_string();
    loop {
        let suffix = suffix(&seed);
        let name = match provider {
            "aks" => {
                let mut base = aks_base(logical);
                base.push_str(&suffix);
                base
            }
            "eks" => format!("{}-{suffix}", hyphenated_base(logical, 58, false)),
            _ => format!("{}-{suffix}", hyphenated_base(logical, 35, true)),
        };
        if name != current {
            return name;
        }
        seed.push('\'');
    }
}

/// Four lowercase hex digits from FNV-1a (32-bit) of `seed`, folded to 16 bits. FNV is
/// fixed by its spec, unlike std's `DefaultHasher`, so a plan derives the same name on
/// every machine and every run.
fn suffix(seed: &str) -> String {
    let hash = fnv1a(seed);
    format!("{:04x}", (hash ^ (hash >> 16)) & 0xffff)
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// AKS: the logical name's lowercase alphanumerics, starting with a letter, at most 8, so
/// that 4 hex digits fit in 12.
fn aks_base(logical: &str) -> String {
    let mut base: String = logical
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if base.is_empty() {
        base.push_str("pool");
    }
    if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base.insert(0, 'p');
    }
    base.truncate(8);
    base
}

/// GKE and EKS: the logical name with anything else turned into single hyphens, trimmed,
/// at most `max` characters, ready for `-` and the suffix. GKE (`lowercase`) allows only
/// lowercase letters, digits and `-`, starting with a letter; EKS also allows capitals
/// and `_`, and a leading digit.
fn hyphenated_base(logical: &str, max: usize, lowercase: bool) -> String {
    let keep = |c: char| {
        if lowercase {
            c.is_ascii_lowercase() || c.is_ascii_digit()
        } else {
            c.is_ascii_alphanumeric() || c == '_'
        }
    };
    let mut base = String::new();
    for c in logical.chars() {
        let c = if lowercase { c.to_ascii_lowercase() } else { c };
        if keep(c) {
            base.push(c);
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    let separator = |c: char| c == '-' || c == '_';
    let mut base = base.trim_start_matches(separator).to_string();
    if base.is_empty() {
        base.push_str("pool");
    }
    if lowercase && !base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base.insert(0, 'p');
    }
    base.truncate(max);
    base.trim_end_matches(separator).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVIDERS: [&str; 4] = ["gke", "aks", "eks", "unknown"];

    fn suffix_of<'a>(name: &'a str, base: &str) -> &'a str {
        name.strip_prefix(base).expect("name starts with its base")
    }

    fn is_hex4(text: &str) -> bool {
        text.len() == 4
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!(fnv1a("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn names_are_the_logical_name_plus_four_hex_digits() {
        let gke = replacement_name("gke", "highmem", "highmem", "plan-1");
        assert!(is_hex4(suffix_of(&gke, "highmem-")), "{gke}");
        let eks = replacement_name("eks", "highmem", "highmem", "plan-1");
        assert_eq!(eks, gke);
        let aks = replacement_name("aks", "highmem", "highmem", "plan-1");
        assert!(is_hex4(suffix_of(&aks, "highmem")), "{aks}");
        assert_eq!(&gke[8..], &aks[7..]);
        assert_eq!(
            replacement_name("unknown", "highmem", "highmem", "plan-1"),
            gke
        );
    }

    #[test]
    fn the_same_plan_derives_the_same_name() {
        for provider in PROVIDERS {
            let a = replacement_name(provider, "old", "highmem", "cluster/highmem/n2");
            let b = replacement_name(provider, "old", "highmem", "cluster/highmem/n2");
            assert_eq!(a, b);
        }
        assert_eq!(suffix("cluster/highmem/n2"), suffix("cluster/highmem/n2"));
        assert_ne!(suffix("seed-1"), suffix("seed-2"));
    }

    #[test]
    fn names_are_cut_to_each_clouds_limit() {
        let logical = "high-memory-workers-for-the-nightly-pipelines-of-team-data";
        let gke = replacement_name("gke", "x", logical, "s");
        assert!(gke.starts_with("high-memory-workers-for-the-nightly"));
        assert_eq!(gke.len(), 40);
        let aks = replacement_name("aks", "x", logical, "s");
        assert!(aks.starts_with("highmemo"));
        assert_eq!(aks.len(), 12);
        let eks = replacement_name("eks", "x", &logical.repeat(2), "s");
        assert_eq!(eks.len(), 63);
    }

    #[test]
    fn awkward_names_are_mended() {
        assert!(replacement_name("aks", "x", "1gpu", "s").starts_with("p1gpu"));
        assert!(replacement_name("gke", "x", "1gpu", "s").starts_with("p1gpu-"));
        assert!(replacement_name("eks", "x", "1gpu", "s").starts_with("1gpu-"));
        assert!(replacement_name("gke", "x", "GPU_pool", "s").starts_with("gpu-pool-"));
        assert!(replacement_name("eks", "x", "GPU_pool", "s").starts_with("GPU_pool-"));
        assert!(replacement_name("aks", "x", "GPU_pool", "s").starts_with("gpupool"));
        assert!(replacement_name("gke", "x", "--", "s").starts_with("pool-"));
        assert!(replacement_name("aks", "x", "", "s").starts_with("pool"));
    }

    #[test]
    fn a_clash_with_the_current_name_derives_another() {
        for provider in PROVIDERS {
            for logical in ["highmem", "a", "x-1"] {
                let first = replacement_name(provider, "", logical, "seed");
                let again = replacement_name(provider, &first, logical, "seed");
                assert_ne!(again, first);
                assert!(valid_pool_name(provider, &again), "{provider} {again}");
                assert_eq!(again, replacement_name(provider, "", logical, "seed'"));
            }
        }
    }

    #[test]
    fn valid_pool_name_follows_each_rule() {
        assert!(valid_pool_name("gke", "a"));
        assert!(valid_pool_name("gke", "highmem-a1b2"));
        assert!(valid_pool_name("gke", &"a".repeat(40)));
        assert!(!valid_pool_name("gke", &"a".repeat(41)));
        assert!(!valid_pool_name("gke", "a-"));
        assert!(!valid_pool_name("gke", "1a"));
        assert!(!valid_pool_name("gke", "A"));
        assert!(!valid_pool_name("gke", "a_b"));
        assert!(!valid_pool_name("gke", ""));
        assert!(valid_pool_name("aks", "highmema1b2"));
        assert!(valid_pool_name("aks", &"a".repeat(12)));
        assert!(!valid_pool_name("aks", &"a".repeat(13)));
        assert!(!valid_pool_name("aks", "high-mem"));
        assert!(!valid_pool_name("aks", "1a"));
        assert!(valid_pool_name("eks", "1_Gpu-pool"));
        assert!(valid_pool_name("eks", &"a".repeat(63)));
        assert!(!valid_pool_name("eks", &"a".repeat(64)));
        assert!(!valid_pool_name("eks", "-a"));
        assert!(!valid_pool_name("eks", "a.b"));
        assert!(!valid_pool_name("unknown", "a_b"));
    }

    /// Every string up to 4 characters over an alphabet of awkward characters, plus long
    /// names: the derived name is always valid and never the current one.
    #[test]
    fn every_awkward_name_derives_a_valid_new_name() {
        let alphabet = ['a', 'Z', '7', '-', '_', '.', ' ', 'é'];
        let mut names = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            frontier = frontier
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            names.extend(frontier.iter().cloned());
        }
        for len in [11, 12, 13, 35, 36, 39, 40, 41, 58, 59, 62, 63, 64, 200] {
            for unit in ["a", "ab-", "9_", "-x", "Ab"] {
                names.push(unit.repeat(len).chars().take(len).collect());
            }
        }
        for provider in PROVIDERS {
            for (i, logical) in names.iter().enumerate() {
                let seed = format!("seed-{i}");
                let fresh = replacement_name(provider, logical, logical, &seed);
                assert!(
                    valid_pool_name(provider, &fresh),
                    "{provider} {logical:?} -> {fresh:?}"
                );
                assert_ne!(&fresh, logical);
                let again = replacement_name(provider, &fresh, logical, &seed);
                assert!(
                    valid_pool_name(provider, &again),
                    "{provider} {logical:?} -> {again:?}"
                );
                assert_ne!(again, fresh);
            }
        }
    }
}
