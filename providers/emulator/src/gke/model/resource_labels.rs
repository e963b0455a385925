//! The cluster's resource labels: `projects.locations.clusters.setResourceLabels`, which
//! replaces the whole map and is guarded by `labelFingerprint`, as container v1 describes it.
//!
//! The fingerprint is checked and the labels changed in one step when the call is accepted, so
//! that two writers holding the same fingerprint can never both succeed; the Operation the call
//! returns (`SET_LABELS`, on the cluster) then runs its course like any other (choice: GKE
//! documents no more than "changes after every request to modify or update labels"). A fault
//! plan that fails the operation leaves the labels as they were.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{ClusterRef, Effect, GkeError, Model, Operation, OperationType};

/// GCP's limit on labels per resource.
const MAX_LABELS: usize = 64;
/// Longest label key or value.
const MAX_LABEL_CHARS: usize = 63;

impl Model {
    /// `POST .../clusters/{c}:setResourceLabels` with a canonical `SetLabelsRequest`.
    pub(crate) fn set_resource_labels(
        &mut self,
        at: &ClusterRef,
        request: &Value,
        failure: Option<String>,
        now: u64,
    ) -> Result<Operation, GkeError> {
        let key = self.ensure_cluster(at, now)?;
        let cluster = self
            .state
            .clusters
            .get(&key)
            .ok_or_else(|| GkeError::not_found(&key))?;
        let given = request
            .get("labelFingerprint")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let expected = cluster.label_fingerprint();
        if given != expected {
            // GKE's words, as clients quote them (crossplane-contrib/provider-gcp#477,
            // hashicorp/terraform-provider-google#5608).
            return Err(GkeError::new(
                400,
                "FAILED_PRECONDITION",
                format!(
                    "Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint: incorrect fingerprint supplied was \"{given}\", the expected one is \"{expected}\"."
                ),
            ));
        }
        let labels: BTreeMap<String, String> = request
            .get("resourceLabels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        validate_resource_labels(&labels)?;
        self.check_quota(&key, &at.cluster)?;
        if failure.is_none() {
            if let Some(cluster) = self.state.clusters.get_mut(&key) {
                cluster.resource_labels = labels;
                cluster.label_generation += 1;
            }
        }
        Ok(self.start_operation(
            at,
            "",
            OperationType::SetLabels,
            Effect::ClusterLabels,
            failure,
            now,
        ))
    }
}

/// GCP's label rules: at most 64 labels; keys of 1 to 63 characters, starting with a lowercase
/// letter; keys and values of lowercase letters, digits, `_` and `-` (international letters
/// are allowed too, and accepted here as any non-ASCII character); values may be empty.
fn validate_resource_labels(labels: &BTreeMap<String, String>) -> Result<(), GkeError> {
    if labels.len() > MAX_LABELS {
        return Err(GkeError::invalid_argument(format!(
            "Invalid value for field \"resource_labels\": {} labels; a resource can have at most {MAX_LABELS}.",
            labels.len()
        )));
    }
    let allowed = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || !c.is_ascii()
    };
    for (key, value) in labels {
        let starts_well = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || !c.is_ascii());
        if !starts_well || key.chars().count() > MAX_LABEL_CHARS || !key.chars().all(allowed) {
            return Err(GkeError::invalid_argument(format!(
                "Invalid value for field \"resource_labels\": label key {key:?} must be 1 to {MAX_LABEL_CHARS} characters of lowercase letters, digits, '_' and '-', starting with a lowercase letter."
            )));
        }
        if value.chars().count() > MAX_LABEL_CHARS || !value.chars().all(allowed) {
            return Err(GkeError::invalid_argument(format!(
                "Invalid value for field \"resource_labels\": label value {value:?} of {key:?} must be at most {MAX_LABEL_CHARS} characters of lowercase letters, digits, '_' and '-'."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_fixtures::{at, model};
    use super::*;

    #[test]
    fn labels_change_only_with_the_current_fingerprint() {
        let mut model = model(0);
        let first = model.cluster(&at(), 0).unwrap().label_fingerprint();
        let op = model
            .set_resource_labels(
                &at(),
                &json!({"resourceLabels": {"team": "data"}, "labelFingerprint": first}),
                None,
                10,
            )
            .unwrap();
        assert_eq!(op.operation_type, OperationType::SetLabels);
        assert!(op.done);
        assert_eq!(op.target(), "projects/p/locations/europe-west1/clusters/c");
        let cluster = model.cluster(&at(), 10).unwrap();
        assert_eq!(cluster.resource_labels["team"], "data");
        let second = cluster.label_fingerprint();
        assert_ne!(first, second);
        // The old fingerprint is stale now.
        let stale = model
            .set_resource_labels(
                &at(),
                &json!({"resourceLabels": {}, "labelFingerprint": first}),
                None,
                20,
            )
            .unwrap_err();
        assert_eq!(stale.status, "FAILED_PRECONDITION");
        assert!(stale.message.contains(&second), "{}", stale.message);
        assert_eq!(model.cluster(&at(), 20).unwrap().resource_labels.len(), 1);
    }

    #[test]
    fn a_failed_operation_leaves_the_labels_and_bad_labels_are_refused() {
        let mut model = model(0);
        let print = model.cluster(&at(), 0).unwrap().label_fingerprint();
        let op = model
            .set_resource_labels(
                &at(),
                &json!({"resourceLabels": {"a": "b"}, "labelFingerprint": print}),
                Some("injected".into()),
                10,
            )
            .unwrap();
        assert_eq!(op.failure.as_deref(), Some("injected"));
        let cluster = model.cluster(&at(), 10).unwrap();
        assert!(cluster.resource_labels.is_empty());
        assert_eq!(cluster.label_fingerprint(), print);
        for labels in [
            json!({"Team": "x"}),
            json!({"9team": "x"}),
            json!({"team": "Data"}),
            json!({"team": "x".repeat(64)}),
        ] {
            let err = model
                .set_resource_labels(
                    &at(),
                    &json!({"resourceLabels": labels, "labelFingerprint": print}),
                    None,
                    20,
                )
                .unwrap_err();
            assert_eq!(err.status, "INVALID_ARGUMENT", "{labels}");
        }
    }
}
