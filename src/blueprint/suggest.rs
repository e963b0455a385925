//! "Did you mean ...?" for misspelt keys and values, by edit distance.
//! Only close matches are offered: a far-fetched suggestion misleads more than none.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    // Allow about one edit per three characters, and at least two, so that
    // `machineType` finds `machine_type` but `foo` does not find `gpu`.
    let budget = (word.chars().count() / 3).max(2);
    let by_distance = candidates
        .iter()
        .map(|c| (distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    // A shortened key (`image` for `image_type`) is far in edits but plainly meant.
    by_distance.or_else(|| {
        let mut prefixed = candidates
            .iter()
            .filter(|c| word.len() >= 3 && c.to_ascii_lowercase().starts_with(&word));
        match (prefixed.next(), prefixed.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    })
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_keys_only() {
        let keys = [
            "class",
            "machine_type",
            "size",
            "autoscale",
            "labels",
            "taints",
        ];
        assert_eq!(closest("machine-type", &keys), Some("machine_type"));
        assert_eq!(closest("machineType", &keys), Some("machine_type"));
        assert_eq!(closest("autoscaling", &keys), Some("autoscale"));
        assert_eq!(closest("label", &keys), Some("labels"));
        assert_eq!(closest("zzzzzz", &keys), None);
        assert_eq!(
            closest("image", &["image_type", "service_account"]),
            Some("image_type")
        );
        assert_eq!(closest("mac", &keys), Some("machine_type"));
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}
