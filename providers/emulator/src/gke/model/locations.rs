//! Google Cloud geography as GKE reads it: zones (`europe-west1-b`) versus regions, and the zones
//! a region's nodes default to. Names are judged by their form only, not against a list of regions.

pub(super) fn is_zone(location: &str) -> bool {
    location.rsplit_once('-').is_some_and(|(region, suffix)| {
        region.contains('-') && suffix.len() == 1 && suffix.chars().all(|c| c.is_ascii_lowercase())
    })
}

pub(super) fn region_of(location: &str) -> &str {
    if is_zone(location) {
        location
            .rsplit_once('-')
            .map(|(region, _)| region)
            .unwrap_or(location)
    } else {
        location
    }
}

pub(super) fn default_zones(location: &str) -> Vec<String> {
    if is_zone(location) {
        vec![location.to_string()]
    } else {
        ["b", "c", "d"]
            .iter()
            .map(|suffix| format!("{location}-{suffix}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::pool_resource::pod_cidr_size;
    use super::*;

    #[test]
    fn zones_and_pod_ranges() {
        assert!(is_zone("europe-west1-b") && !is_zone("europe-west1") && !is_zone("us-central1"));
        assert_eq!(region_of("us-central1-a"), "us-central1");
        assert_eq!(
            default_zones("europe-west1"),
            vec!["europe-west1-b", "europe-west1-c", "europe-west1-d"]
        );
        assert_eq!(
            (
                pod_cidr_size(110),
                pod_cidr_size(64),
                pod_cidr_size(32),
                pod_cidr_size(8)
            ),
            (24, 25, 26, 28)
        );
    }
}
