//! ARM's Tags API on a managed cluster:
//! `{clusterId}/providers/Microsoft.Resources/tags/default?api-version=2021-04-01`, GET ("Tags -
//! Get At Scope") and PATCH ("Tags - Update At Scope", body `TagsPatchResource`:
//! `{"operation": "Replace"|"Merge"|"Delete", "properties": {"tags": {...}}}`), both answering
//! 200 with a `TagsResource`. Read from the Tags API reference and the azure-mgmt-resource
//! model (`TagsPatchResource`, `Tags`, `TagsResource`, `TagsPatchOperation`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{ArmError, ClusterAt, TagsPatch};
use super::wire;
use crate::reply::Reply;
use crate::routes::Shared;

/// The Microsoft.Resources api-version whose tags calls this emulator speaks (the one the
/// reference's "Update At Scope" page is written for, where the PATCH answers 200).
pub(crate) const TAGS_API_VERSIONS: &[&str] = &["2021-04-01"];

/// The cluster whose tags resource `segments` (the decoded path) names, if it names one:
/// `subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/
/// {c}/providers/Microsoft.Resources/tags/default`, fixed segments without case.
pub(crate) fn scope(segments: &[&str]) -> Option<ClusterAt> {
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match segments {
        [s, sub, g, rg, p, ns, mc, cluster, p2, ns2, tags, default]
            if eq(s, "subscriptions")
                && eq(g, "resourceGroups")
                && eq(p, "providers")
                && eq(ns, "Microsoft.ContainerService")
                && eq(mc, "managedClusters")
                && eq(p2, "providers")
                && eq(ns2, "Microsoft.Resources")
                && eq(tags, "tags")
                && eq(default, "default") =>
        {
            Some(ClusterAt {
                subscription: sub.to_string(),
                resource_group: rg.to_string(),
                cluster: cluster.to_string(),
            })
        }
        _ => None,
    }
}

fn error(err: &ArmError) -> Reply {
    Reply::json(err.status, wire::error(err))
}

/// A Tags call on the cluster `at`.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    api_version: Option<&str>,
    at: &ClusterAt,
    body: &[u8],
) -> Reply {
    match api_version {
        None | Some("") => {
            return error(&ArmError::new(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ))
        }
        Some(version) if !TAGS_API_VERSIONS.contains(&version) => {
            return error(&ArmError::new(
                400,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{version}' is invalid. The supported versions are '{}'.",
                    TAGS_API_VERSIONS.join(",")
                ),
            ))
        }
        Some(_) => {}
    }
    let result = match method {
        "GET" => shared.with_aks(|model, now| model.cluster(at, now).map(wire::cluster_tags)),
        "PATCH" => match patch_body(body) {
            Ok((operation, tags)) => shared.with_aks(|model, now| {
                model
                    .patch_cluster_tags(at, operation, &tags, now)
                    .map(wire::cluster_tags)
            }),
            Err(err) => Err(err),
        },
        other => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!(
                "The requested resource does not support http method '{other}' (the emulator serves GET and PATCH of a cluster's tags)."
            ),
        )),
    };
    match result {
        Ok(body) => Reply::ok(body),
        Err(err) => error(&err),
    }
}

/// A `TagsPatchResource`, strictly: unknown members are refused with ARM's deserializer's
/// words, so that a client's misspelt field is caught rather than ignored.
fn patch_body(body: &[u8]) -> Result<(TagsPatch, BTreeMap<String, String>), ArmError> {
    let invalid = |detail: String| {
        ArmError::new(
            400,
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: {detail}"),
        )
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("the request body is empty.".into()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| invalid(format!("{e}.")))?;
    let Value::Object(fields) = value else {
        return Err(invalid(
            "the body is not a TagsPatchResource object.".into(),
        ));
    };
    if let Some(name) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "operation" | "properties"))
    {
        return Err(invalid(format!(
            "Could not find member '{name}' on object of type 'TagsPatchResource'."
        )));
    }
    let operation = match fields.get("operation") {
        Some(Value::String(text)) => TagsPatch::parse(text).ok_or_else(|| {
            invalid(format!(
                "'{text}' is not a valid operation: use Replace, Merge or Delete."
            ))
        })?,
        Some(other) => return Err(invalid(format!("operation must be a string, not {other}."))),
        None => {
            return Err(ArmError::invalid_parameter(
                "operation",
                "The tags patch operation is required: Replace, Merge or Delete.",
            ))
        }
    };
    let properties = match fields.get("properties") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(properties)) => properties.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "properties must be a Tags object, not {other}."
            )))
        }
    };
    if let Some(name) = properties.keys().find(|k| k.as_str() != "tags") {
        return Err(invalid(format!(
            "Could not find member '{name}' on object of type 'Tags'."
        )));
    }
    let mut tags = BTreeMap::new();
    match properties.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (name, value) in given {
                let Value::String(value) = value else {
                    return Err(invalid(format!(
                        "the value of tag '{name}' must be a string, not {value}."
                    )));
                };
                tags.insert(name.clone(), value.clone());
            }
        }
        Some(other) => {
            return Err(invalid(format!(
                "tags must be an object of strings, not {other}."
            )))
        }
    }
    Ok((operation, tags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tags_resource_of_a_cluster_is_found_without_case() {
        let path = "subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c/Providers/microsoft.resources/TAGS/default";
        let segments: Vec<&str> = path.split('/').collect();
        let at = scope(&segments).expect("a tags scope");
        assert_eq!(at.cluster, "c");
        assert!(scope(&segments[..8]).is_none());
    }

    #[test]
    fn patch_bodies_are_read_strictly() {
        let (op, tags) =
            patch_body(br#"{"operation":"Merge","properties":{"tags":{"a":"b"}}}"#).unwrap();
        assert_eq!(op, TagsPatch::Merge);
        assert_eq!(tags["a"], "b");
        for bad in [
            &br#"{"operation":"Merge","tags":{"a":"b"}}"#[..],
            br#"{"properties":{"tags":{"a":"b"}}}"#,
            br#"{"operation":"Upsert","properties":{"tags":{}}}"#,
            br#"{"operation":"Merge","properties":{"tags":{"a":1}}}"#,
            b"",
        ] {
            assert!(patch_body(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
