//! A managed cluster's resource tags through ARM's Tags API (`Microsoft.Resources/tags`,
//! "Tags - Get At Scope" and "Tags - Update At Scope"): Replace, Merge and Delete, each one
//! step on the cluster's tags, so that Merge and Delete never touch the tags they do not name.
//!
//! Rules from the Tags API reference and ARM's tag documentation: at most 50 tags, names of at
//! most 512 characters without `<`, `>`, `%`, `&`, `\`, `?` or `/`, values of at most 256; names
//! compare without case, values with case. The error codes are a choice (ARM's set is open).

use std::collections::BTreeMap;

use super::{ArmError, Cluster, ClusterAt, Model};

const MAX_TAGS: usize = 50;
const MAX_NAME_CHARS: usize = 512;
const MAX_VALUE_CHARS: usize = 256;
const RESERVED_NAME_CHARS: &[char] = &['<', '>', '%', '&', '\\', '?', '/'];

/// `TagsPatchResource.operation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagsPatch {
    /// The given set becomes the whole set.
    Replace,
    /// Given names are added or get the given values; the others stay.
    Merge,
    /// Given names go: each whose value is the given one, or whatever its value when the
    /// given value is empty (choice: the reference says "based on given names or name/value
    /// pairs" without saying how a pair without a value is written).
    Delete,
}

impl TagsPatch {
    /// The SDK's enum is case-insensitive.
    pub(crate) fn parse(text: &str) -> Option<TagsPatch> {
        [
            ("Replace", TagsPatch::Replace),
            ("Merge", TagsPatch::Merge),
            ("Delete", TagsPatch::Delete),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, op)| op)
    }
}

impl Model {
    /// "Tags - Update At Scope" on the cluster; the cluster with its new tags.
    pub(crate) fn patch_cluster_tags(
        &mut self,
        at: &ClusterAt,
        operation: TagsPatch,
        given: &BTreeMap<String, String>,
        now: u64,
    ) -> Result<&Cluster, ArmError> {
        let index = self.cluster_index(at, now)?;
        let current = &self.state.clusters[index].tags;
        let mut tags = match operation {
            TagsPatch::Replace => BTreeMap::new(),
            TagsPatch::Merge | TagsPatch::Delete => current.clone(),
        };
        for (name, value) in given {
            let existing = tags.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned();
            match operation {
                TagsPatch::Replace | TagsPatch::Merge => {
                    if let Some(existing) = existing {
                        tags.remove(&existing);
                    }
                    tags.insert(name.clone(), value.clone());
                }
                TagsPatch::Delete => {
                    if let Some(existing) = existing {
                        if value.is_empty() || tags.get(&existing) == Some(value) {
                            tags.remove(&existing);
                        }
                    }
                }
            }
        }
        if operation != TagsPatch::Delete {
            check_tags(&tags)?;
        }
        let cluster = &mut self.state.clusters[index];
        if cluster.tags != tags {
            cluster.tags = tags;
            self.dirty = true;
        }
        Ok(&self.state.clusters[index])
    }
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ArmError> {
    if tags.len() > MAX_TAGS {
        return Err(ArmError::new(
            400,
            "InvalidTagCount",
            format!(
                "The resource would have {} tags; a resource can have at most {MAX_TAGS}.",
                tags.len()
            ),
        ));
    }
    for (name, value) in tags {
        if name.trim().is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name
                .chars()
                .any(|c| RESERVED_NAME_CHARS.contains(&c) || c.is_control())
        {
            return Err(ArmError::new(
                400,
                "InvalidTagNameCharacters",
                format!(
                    "The tag name '{name}' is empty, longer than {MAX_NAME_CHARS} characters, or has reserved characters '<,>,%,&,\\,?,/' or control characters."
                ),
            ));
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(ArmError::new(
                400,
                "InvalidTagValueLength",
                format!("The value of tag '{name}' is longer than {MAX_VALUE_CHARS} characters."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{AksClusterSpec, Pace, State};
    use super::*;

    fn model() -> (Model, ClusterAt) {
        let mut model = Model::new(State::default(), Pace::Millis(0), false);
        model
            .create_cluster(
                &AksClusterSpec {
                    subscription: "s".into(),
                    resource_group: "rg".into(),
                    name: "c".into(),
                    location: "westeurope".into(),
                    ..AksClusterSpec::default()
                },
                0,
            )
            .unwrap();
        let at = ClusterAt {
            subscription: "s".into(),
            resource_group: "rg".into(),
            cluster: "c".into(),
        };
        (model, at)
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn merge_and_delete_touch_only_the_names_they_give() {
        let (mut model, at) = model();
        model
            .patch_cluster_tags(&at, TagsPatch::Merge, &tags(&[("env", "prod")]), 1)
            .unwrap();
        let merged = model
            .patch_cluster_tags(&at, TagsPatch::Merge, &tags(&[("lock-a", "1")]), 2)
            .unwrap();
        assert_eq!(merged.tags, tags(&[("env", "prod"), ("lock-a", "1")]));
        // A pair whose value differs deletes nothing; a matching one or a bare name does.
        let kept = model
            .patch_cluster_tags(&at, TagsPatch::Delete, &tags(&[("lock-a", "2")]), 3)
            .unwrap();
        assert_eq!(kept.tags.len(), 2);
        let deleted = model
            .patch_cluster_tags(&at, TagsPatch::Delete, &tags(&[("LOCK-A", "1")]), 4)
            .unwrap();
        assert_eq!(deleted.tags, tags(&[("env", "prod")]));
        let replaced = model
            .patch_cluster_tags(&at, TagsPatch::Replace, &tags(&[("x", "y")]), 5)
            .unwrap();
        assert_eq!(replaced.tags, tags(&[("x", "y")]));
        let bad = model
            .patch_cluster_tags(&at, TagsPatch::Merge, &tags(&[("a/b", "c")]), 6)
            .unwrap_err();
        assert_eq!(bad.code, "InvalidTagNameCharacters");
        assert_eq!(TagsPatch::parse("merge"), Some(TagsPatch::Merge));
        assert_eq!(TagsPatch::parse("upsert"), None);
    }
}
