//! REST-JSON routing for EKS: maps `/clusters/...` and `/tags/...` onto the EKS model, takes the
//! region from the SigV4 credential scope, checks query parameters and bodies against the
//! contract first, and renders errors in AWS's shape (`x-amzn-ErrorType` plus a JSON body).

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, HeaderName};
use serde_json::{json, Value};

use super::contract::{check_body, error_status};
use super::model::{ClusterAt, EksError, Model, Nodegroup};
use super::wire;
use crate::faults::{InjectedError, Request};
use crate::reply::Reply;
use crate::routes::{percent_decode, Shared};

/// Where requests without a SigV4 credential scope go.
pub(crate) const DEFAULT_REGION: &str = "us-east-1";
/// Largest `maxResults` the model allows.
const MAX_RESULTS: usize = 100;

/// What a mutating call does to the model once its body passed the contract: the checked
/// body, the failure a fault plan holds for it, and the time.
type Act<'a> = dyn Fn(&mut Model, &Value, Option<String>, u64) -> Result<Value, EksError> + 'a;

static ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// One EKS request, as the router received it.
pub(crate) struct EksRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// EKS paths start with `/clusters` or `/tags`.
pub(crate) fn is_eks_path(path: &str) -> bool {
    matches!(path.split('/').nth(1), Some("clusters" | "tags"))
}

pub(crate) fn error(err: &EksError) -> Reply {
    Reply::json(err.status, wire::error(err)).header(ERROR_TYPE.clone(), err.code.clone())
}

fn from_result(result: Result<Value, EksError>) -> Reply {
    match result {
        Ok(body) => Reply::ok(body),
        Err(err) => error(&err),
    }
}

/// The error code EKS pairs with an HTTP status, for faults that name none.
fn code_for(status: u16) -> &'static str {
    match status {
        400 => "InvalidParameterException",
        404 => "ResourceNotFoundException",
        409 => "ResourceInUseException",
        429 => "ThrottlingException",
        503 => "ServiceUnavailableException",
        _ if status >= 500 => "ServerException",
        _ => "ClientException",
    }
}

/// The cluster and node group a path names, for error bodies.
fn names(path: &str) -> (Option<String>, Option<String>) {
    let segments: Vec<String> = path.split('/').skip(1).map(percent_decode).collect();
    match segments.as_slice() {
        [c, cluster, n, group, ..] if c == "clusters" && n == "node-groups" => {
            (Some(cluster.clone()), Some(group.clone()))
        }
        [c, cluster, ..] if c == "clusters" => (Some(cluster.clone()), None),
        _ => (None, None),
    }
}

/// An injected error on an EKS path, in AWS's shape; `Retry-After` only when the fault asks.
/// Without a message of its own, a ResourceInUseException on a node group's path reads like the
/// emulator's answer while that group is being updated.
pub(crate) fn injected(fault: InjectedError, path: &str) -> Reply {
    let code = fault
        .code
        .clone()
        .unwrap_or_else(|| code_for(fault.status).to_string());
    let (cluster, nodegroup) = names(path);
    let message = match (fault.custom_message, code.as_str(), &nodegroup) {
        (true, _, _) => fault.message.clone(),
        (false, "ThrottlingException", _) => "Rate exceeded".to_string(),
        (false, "ResourceInUseException", Some(group)) => format!(
            "Nodegroup {group} is currently UPDATING: wait until it is ACTIVE before starting another update or delete."
        ),
        (false, _, _) => format!("Injected fault: {code}."),
    };
    let err = EksError {
        status: fault.status,
        code,
        message,
        cluster,
        nodegroup,
    };
    error(&err).retry_after(fault.retry_after_seconds)
}

/// The region of the SigV4 credential scope (`Credential=AKID/20261130/eu-west-1/eks/aws4_request`).
pub(crate) fn region(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|scope| {
            let scope = scope.split([',', ' ']).next().unwrap_or_default();
            scope.split('/').nth(2).map(str::to_string)
        })
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| DEFAULT_REGION.to_string())
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode(&s.replace('+', " "));
            (decode(key), decode(value))
        })
        .collect()
}

fn query_value<'q>(pairs: &'q [(String, String)], name: &str) -> Option<&'q str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `maxResults` (1-100, the model's bounds) and `nextToken` (an offset the emulator issued).
fn paging(pairs: &[(String, String)], page_size: usize) -> Result<(usize, usize), EksError> {
    let size = match query_value(pairs, "maxResults") {
        None => MAX_RESULTS,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_RESULTS).contains(&n) => n,
            _ => {
                return Err(EksError::invalid(format!(
                    "1 validation error detected: Value '{text}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and {MAX_RESULTS}"
                )))
            }
        },
    };
    let skip = match query_value(pairs, "nextToken") {
        None => 0,
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                EksError::invalid(
                    "The nextToken is invalid: use the nextToken of the previous page.",
                )
            })?,
    };
    Ok((skip, size.min(page_size.max(1))))
}

/// One page of `items` under `key`, with `nextToken` only when more follow.
fn page(key: &str, items: Vec<String>, skip: usize, size: usize) -> Value {
    let next = skip.saturating_add(size);
    let mut out = json!({ key: items.iter().skip(skip).take(size).collect::<Vec<_>>() });
    if next < items.len() {
        out["nextToken"] = json!(format!("page-{next}"));
    }
    out
}

fn parse_body(operation: &str, body: &[u8]) -> Result<Value, EksError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            EksError::new(
                400,
                "SerializationException",
                format!("The request body is not valid JSON: {e}."),
            )
        })?
    };
    check_body(operation, &value)
}

fn unknown_operation(method: &str, path: &str) -> Reply {
    error(&EksError::new(
        404,
        "UnknownOperationException",
        format!("The emulator serves no EKS operation at {method} {path}."),
    ))
}

pub(crate) fn handle(shared: &Shared, request: &EksRequest) -> Reply {
    let pairs = query_pairs(request.query);
    let method = request.method;
    if let Some(arn) = request.path.strip_prefix("/tags/") {
        return tags(shared, method, &percent_decode(arn), &pairs, request.body);
    }
    let decoded: Vec<String> = request
        .path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let ["clusters", cluster, rest @ ..] = segments.as_slice() else {
        return unknown_operation(method, request.path);
    };
    let at = ClusterAt {
        region: region(request.headers),
        cluster: cluster.to_string(),
    };
    let (region, cluster_name) = (at.region.as_str(), at.cluster.as_str());
    let fault_target = Request {
        method,
        path: request.path,
        body: request.body,
    };
    let render =
        |group: &Nodegroup| json!({"nodegroup": wire::nodegroup(region, cluster_name, group)});
    let start = |operation: &str, act: &Act| {
        let body = match parse_body(operation, request.body) {
            Ok(body) => body,
            Err(err) => return error(&err.on(cluster_name, None)),
        };
        from_result(shared.with_eks(|model, now| {
            shared.with_failed_operation(fault_target, |failure| act(model, &body, failure, now))
        }))
    };
    match (rest, method) {
        ([], "GET") => from_result(shared.with_eks(|model, now| {
            model
                .cluster(&at, now)
                .map(|c| json!({"cluster": wire::cluster(c)}))
        })),
        (["node-groups"], "GET") => {
            let (skip, size) = match paging(&pairs, shared.eks_page_size()) {
                Ok(paging) => paging,
                Err(err) => return error(&err),
            };
            from_result(shared.with_eks(|model, now| {
                model.cluster(&at, now).map(|c| {
                    let names = c.nodegroups.iter().map(|g| g.name.clone()).collect();
                    page("nodegroups", names, skip, size)
                })
            }))
        }
        (["node-groups"], "POST") => start("CreateNodegroup", &|model, body, failure, now| {
            model
                .create_nodegroup(&at, body, failure, now)
                .map(|g| render(&g))
        }),
        (["node-groups", group], "GET") => from_result(shared.with_eks(|model, now| {
            model
                .describe_nodegroup(&at, group, now)
                .map(|g| render(&g))
        })),
        (["node-groups", group], "DELETE") => from_result(shared.with_eks(|model, now| {
            shared.with_failed_operation(fault_target, |failure| {
                model
                    .delete_nodegroup(&at, group, failure, now)
                    .map(|g| render(&g))
            })
        })),
        (["node-groups", group, "update-config"], "POST") => {
            start("UpdateNodegroupConfig", &|model, body, failure, now| {
                model
                    .update_config(&at, group, body, failure, now)
                    .map(|u| json!({"update": wire::update(&u)}))
            })
        }
        (["node-groups", group, "update-version"], "POST") => {
            start("UpdateNodegroupVersion", &|model, body, failure, now| {
                model
                    .update_version(&at, group, body, failure, now)
                    .map(|u| json!({"update": wire::update(&u)}))
            })
        }
        (["updates"], "GET") => {
            let (skip, size) = match paging(&pairs, shared.eks_page_size()) {
                Ok(paging) => paging,
                Err(err) => return error(&err),
            };
            let group = query_value(&pairs, "nodegroupName");
            from_result(shared.with_eks(|model, now| {
                model
                    .list_updates(&at, group, now)
                    .map(|ids| page("updateIds", ids, skip, size))
            }))
        }
        (["updates", id], "GET") => {
            let group = query_value(&pairs, "nodegroupName");
            from_result(shared.with_eks(|model, now| {
                model
                    .describe_update(&at, id, group, now)
                    .map(|u| json!({"update": wire::update(&u)}))
            }))
        }
        _ => unknown_operation(method, request.path),
    }
}

/// TagResource, UntagResource and ListTagsForResource: the ARN names its own region.
fn tags(
    shared: &Shared,
    method: &str,
    arn: &str,
    pairs: &[(String, String)],
    body: &[u8],
) -> Reply {
    let bad_request = |err: EksError| {
        let status = error_status("BadRequestException").unwrap_or(400);
        EksError::new(status, "BadRequestException", err.message)
    };
    match method {
        "GET" => from_result(
            // The model's TagMap holds at least one entry: a resource without tags is
            // answered without the member, as EKS does for a node group.
            shared.with_eks(|model, _| {
                model.list_tags(arn).map(|tags| {
                    if tags.is_empty() {
                        json!({})
                    } else {
                        json!({"tags": tags})
                    }
                })
            }),
        ),
        "POST" => {
            let body = match parse_body("TagResource", body) {
                Ok(body) => body,
                Err(err) => return error(&bad_request(err)),
            };
            let tags: BTreeMap<String, String> = body
                .get("tags")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            from_result(
                shared.with_eks(|model, _| model.tag_resource(arn, &tags).map(|()| json!({}))),
            )
        }
        "DELETE" => {
            let keys: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.clone())
                .collect();
            from_result(
                shared.with_eks(|model, _| model.untag_resource(arn, &keys).map(|()| json!({}))),
            )
        }
        _ => unknown_operation(method, &format!("/tags/{arn}")),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_region_comes_from_the_credential_scope() {
        let mut headers = HeaderMap::new();
        assert_eq!(region(&headers), "us-east-1");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKID/20261130/eu-west-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"),
        );
        assert_eq!(region(&headers), "eu-west-1");
    }

    #[test]
    fn paging_takes_the_smaller_size_and_checks_tokens() {
        let pairs = query_pairs(Some("maxResults=2&nextToken=page-4"));
        assert_eq!(paging(&pairs, 3).unwrap(), (4, 2));
        assert_eq!(paging(&[], 3).unwrap(), (0, 3));
        assert!(paging(&query_pairs(Some("maxResults=0")), 3).is_err());
        assert!(paging(&query_pairs(Some("nextToken=x")), 3).is_err());
        let first = page("nodegroups", vec!["a".into(), "b".into(), "c".into()], 0, 2);
        assert_eq!(
            first,
            json!({"nodegroups": ["a", "b"], "nextToken": "page-2"})
        );
    }

    #[test]
    fn eks_paths_and_names() {
        assert!(is_eks_path("/clusters/c/node-groups"));
        assert!(is_eks_path("/tags/arn%3Aaws"));
        assert!(!is_eks_path("/v1/projects"));
        assert_eq!(
            names("/clusters/c/node-groups/g/update-config"),
            (Some("c".into()), Some("g".into()))
        );
    }
}
