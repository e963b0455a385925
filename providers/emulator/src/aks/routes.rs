//! ARM routing for AKS: maps `/subscriptions/...` paths (fixed segments matched without case, as
//! ARM does) onto the AKS model, checks api-version and request bodies first, and renders
//! answers with ARM's async headers (`Azure-AsyncOperation`, `Location`, `Retry-After`).

use axum::http::{header, HeaderMap, HeaderName};
use serde_json::{Map, Value};

use super::contract::{check_agent_pool, embedded_contract};
use super::model::{ArmError, ClusterAt, OperationError, Preconditions};
use super::{tags, wire};
use crate::faults::{InjectedError, Request};
use crate::reply::Reply;
use crate::routes::{percent_decode, Shared};

/// The api-versions this emulator speaks; others get ARM's `InvalidApiVersionParameter`.
pub(crate) const SUPPORTED_API_VERSIONS: &[&str] = &["2026-08-01"];
/// Seconds a client should wait between polls (choice: small, so tests stay quick).
const RETRY_AFTER_SECONDS: u64 = 1;
/// The code of an operation a fault plan failed (choice: a generic AKS operation code).
const FAILED_OPERATION_CODE: &str = "InternalOperationError";

static AZURE_ASYNC_OPERATION: HeaderName = HeaderName::from_static("azure-asyncoperation");

/// One ARM request, as the router received it.
pub(crate) struct ArmRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Scheme and host the client used, for the URLs in answers.
    pub base: &'a str,
}

/// ARM paths start with `/subscriptions/`, in any case.
pub(crate) fn is_arm_path(path: &str) -> bool {
    path.split('/')
        .nth(1)
        .is_some_and(|s| s.eq_ignore_ascii_case("subscriptions"))
}

fn error(err: &ArmError) -> Reply {
    Reply::json(err.status, wire::error(err))
}

fn from_result(result: Result<Value, ArmError>) -> Reply {
    match result {
        Ok(body) => Reply::ok(body),
        Err(err) => error(&err),
    }
}

/// The code AKS or ARM sends with an HTTP status, for faults that name none.
fn code_for(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "AuthenticationFailed",
        403 => "AuthorizationFailed",
        404 => "NotFound",
        409 => "OperationNotAllowed",
        412 => "PreconditionFailed",
        429 => "Throttled",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ if status >= 500 => "InternalServerError",
        _ => "BadRequest",
    }
}

/// An injected error on an ARM path, in ARM's shape. Without a message of its own, a 409 reads
/// like AKS's busy answer and a 429 like its throttling answer (the Throttled troubleshooting
/// article: "The PutManagedClusterHandler.PUT request limit has been exceeded for SubID=...").
pub(crate) fn injected(fault: InjectedError, method: &str, path: &str) -> Reply {
    let code = fault
        .code
        .clone()
        .unwrap_or_else(|| code_for(fault.status).to_string());
    let segments: Vec<&str> = path.split('/').collect();
    let after = |name: &str| {
        segments
            .iter()
            .position(|s| s.eq_ignore_ascii_case(name))
            .and_then(|i| segments.get(i + 1))
            .copied()
    };
    let message = match (fault.custom_message, fault.status) {
        (true, _) => fault.message.clone(),
        (false, 409) => format!(
            "Operation is not allowed: Another operation ({} - Updating) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation",
            after("agentPools").unwrap_or("nodepool1")
        ),
        (false, 429) => format!(
            "The {}AgentPoolHandler.{} request limit has been exceeded for SubID='{}', please retry again in {} seconds. For more information, please visit aka.ms/aks/throttling",
            match method {
                "PUT" => "Put",
                "DELETE" => "Delete",
                _ => "Get",
            },
            method,
            after("subscriptions").unwrap_or_default(),
            fault.retry_after_seconds.unwrap_or(RETRY_AFTER_SECONDS)
        ),
        (false, _) => format!("Injected fault: {code}."),
    };
    let err = ArmError::new(fault.status, code, message);
    error(&err).retry_after(fault.retry_after_seconds)
}

/// The query's parameters, percent-decoded (`%24skipToken` is `$skipToken`).
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
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// ARM's answers for a missing or unknown api-version; the first code and message follow the
/// Azure API guidelines, the second is ARM's code for a version a resource type lacks.
fn check_api_version(version: Option<&str>) -> Result<&str, ArmError> {
    match version {
        None | Some("") => Err(ArmError::new(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(version) if SUPPORTED_API_VERSIONS.contains(&version) => Ok(version),
        Some(version) => Err(ArmError::new(
            400,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{}'.",
                SUPPORTED_API_VERSIONS.join(",")
            ),
        )),
    }
}

/// What an ARM path addresses.
enum Route {
    Cluster(ClusterAt),
    Pools(ClusterAt),
    Pool(ClusterAt, String),
    /// `(subscription, location, id)` of `.../operations/{id}`.
    OperationStatus(String, String, String),
    /// `(subscription, location, id)` of `.../operationresults/{id}`.
    OperationResult(String, String, String),
}

fn route(segments: &[&str]) -> Option<Route> {
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match segments {
        [s, sub, g, rg, p, ns, mc, cluster, rest @ ..]
            if eq(s, "subscriptions")
                && eq(g, "resourceGroups")
                && eq(p, "providers")
                && eq(ns, "Microsoft.ContainerService")
                && eq(mc, "managedClusters") =>
        {
            let at = ClusterAt {
                subscription: sub.to_string(),
                resource_group: rg.to_string(),
                cluster: cluster.to_string(),
            };
            match rest {
                [] => Some(Route::Cluster(at)),
                [pools] if eq(pools, "agentPools") => Some(Route::Pools(at)),
                [pools, pool] if eq(pools, "agentPools") => Some(Route::Pool(at, pool.to_string())),
                _ => None,
            }
        }
        [s, sub, p, ns, l, location, kind, id]
            if eq(s, "subscriptions")
                && eq(p, "providers")
                && eq(ns, "Microsoft.ContainerService")
                && eq(l, "locations") =>
        {
            let parts = (sub.to_string(), location.to_string(), id.to_string());
            match *kind {
                k if eq(k, "operations") => Some(Route::OperationStatus(parts.0, parts.1, parts.2)),
                k if eq(k, "operationresults") => {
                    Some(Route::OperationResult(parts.0, parts.1, parts.2))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn method_not_allowed(method: &str) -> Reply {
    error(&ArmError::new(
        405,
        "MethodNotAllowed",
        format!("The requested resource does not support http method '{method}'."),
    ))
}

pub(crate) fn handle(shared: &Shared, request: &ArmRequest) -> Reply {
    let pairs = query_pairs(request.query);
    let decoded: Vec<String> = request
        .path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    // The cluster's tags belong to Microsoft.Resources, with api-versions of its own.
    if let Some(at) = tags::scope(&segments) {
        let version = query_value(&pairs, "api-version");
        return tags::handle(shared, request.method, version, &at, request.body);
    }
    let api_version = match check_api_version(query_value(&pairs, "api-version")) {
        Ok(version) => version.to_string(),
        Err(err) => return error(&err),
    };
    let Some(route) = route(&segments) else {
        return error(&ArmError::new(
            404,
            "NotFound",
            format!(
                "The emulator serves no ARM resource at '{}': only Microsoft.ContainerService managed clusters, their agent pools, operations and tags.",
                request.path
            ),
        ));
    };
    let call = Call {
        shared,
        request,
        api_version: &api_version,
    };
    match (route, request.method) {
        (Route::Cluster(at), "GET") => from_result(
            shared.with_aks(|model, now| model.cluster(&at, now).map(wire::managed_cluster)),
        ),
        (Route::Pools(at), "GET") => call.list(&at, query_value(&pairs, "$skipToken")),
        (Route::Pool(at, pool), "GET") => from_result(shared.with_aks(|model, now| {
            model.poll_pool(&at, &pool, now);
            model
                .pool(&at, &pool, now)
                .map(|(cluster, pool)| wire::agent_pool(cluster, pool))
        })),
        (Route::Pool(at, pool), "PUT") => call.put(&at, &pool),
        (Route::Pool(at, pool), "DELETE") => call.delete(&at, &pool),
        (Route::OperationStatus(sub, location, id), "GET") => {
            from_result(shared.with_aks(|model, now| {
                model.poll_operation(&id, now);
                model
                    .operation(&sub, &location, &id)
                    .map(wire::operation_status)
            }))
        }
        (Route::OperationResult(sub, location, id), "GET") => call.result(&sub, &location, &id),
        (_, method) => method_not_allowed(method),
    }
}

struct Call<'a> {
    shared: &'a Shared,
    request: &'a ArmRequest<'a>,
    api_version: &'a str,
}

impl Call<'_> {
    fn header(&self, name: HeaderName) -> Option<String> {
        self.request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    fn preconditions(&self) -> Preconditions {
        Preconditions {
            if_match: self.header(header::IF_MATCH),
            if_none_match: self.header(header::IF_NONE_MATCH),
        }
    }

    fn list(&self, at: &ClusterAt, skip_token: Option<&str>) -> Reply {
        let skip = match skip_token.map(str::parse::<usize>) {
            None => 0,
            Some(Ok(skip)) => skip,
            Some(Err(_)) => {
                return error(&ArmError::invalid_parameter(
                    "$skipToken",
                    "The value of parameter $skipToken is invalid: use the nextLink of the previous page.",
                ))
            }
        };
        let (base, size, version) = (
            self.request.base,
            self.shared.aks_page_size(),
            self.api_version,
        );
        from_result(self.shared.with_aks(|model, now| {
            model
                .cluster(at, now)
                .map(|cluster| wire::pool_page(base, cluster, skip, size, version))
        }))
    }

    /// The body's `properties`, checked against the official model and in canonical form.
    fn put_body(&self) -> Result<Map<String, Value>, ArmError> {
        let invalid = |detail: String| {
            ArmError::new(
                400,
                "InvalidRequestContent",
                format!("The request content was invalid and could not be deserialized: {detail}"),
            )
        };
        if self.request.body.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid("the request body is empty.".into()));
        }
        let body: Value =
            serde_json::from_slice(self.request.body).map_err(|e| invalid(format!("{e}.")))?;
        let checked = check_agent_pool(embedded_contract(), &body).map_err(|e| {
            let err = ArmError::new(400, e.code, e.message);
            match e.target.is_empty() {
                true => err,
                false => err.with_target(e.target),
            }
        })?;
        if !checked.read_only.is_empty() {
            // ARM ignores them; the request log keeps the body as sent for contract checks.
            tracing::debug!(properties = ?checked.read_only, "read-only properties in an AKS PUT ignored");
        }
        match checked.body.get("properties") {
            Some(Value::Object(properties)) => Ok(properties.clone()),
            _ => Ok(Map::new()),
        }
    }

    /// This request, as the fault plan matches it.
    fn fault_target(&self) -> Request<'_> {
        Request {
            method: self.request.method,
            path: self.request.path,
            body: self.request.body,
        }
    }

    fn failure(message: Option<String>) -> Option<OperationError> {
        message.map(|message| OperationError {
            code: FAILED_OPERATION_CODE.to_string(),
            message,
        })
    }

    /// PUT: 201 on create, 200 on update, the pool in its transitional state, and where to poll.
    fn put(&self, at: &ClusterAt, pool: &str) -> Reply {
        let properties = match self.put_body() {
            Ok(properties) => properties,
            Err(err) => return error(&err),
        };
        let conditions = self.preconditions();
        let target = self.fault_target();
        let result = self.shared.with_aks(|model, now| {
            let outcome = self.shared.with_failed_operation(target, |failure| {
                model.put_pool(
                    at,
                    pool,
                    properties,
                    &conditions,
                    Self::failure(failure),
                    now,
                )
            })?;
            let (cluster, pool) = model.pool(at, pool, now)?;
            Ok::<_, ArmError>((outcome, wire::agent_pool(cluster, pool)))
        });
        match result {
            Ok((outcome, body)) => {
                let status = if outcome.created { 201 } else { 200 };
                let url = wire::operation_url(
                    self.request.base,
                    &outcome.operation,
                    "operations",
                    self.api_version,
                );
                Reply::json(status, body)
                    .header(AZURE_ASYNC_OPERATION.clone(), url)
                    .retry_after(Some(RETRY_AFTER_SECONDS))
            }
            Err(err) => error(&err),
        }
    }

    /// DELETE: 202 with the operation result's Location, or 204 when there is no such pool.
    fn delete(&self, at: &ClusterAt, pool: &str) -> Reply {
        let conditions = self.preconditions();
        let target = self.fault_target();
        let result = self.shared.with_aks(|model, now| {
            self.shared.with_failed_operation(target, |failure| {
                match model.delete_pool(at, pool, &conditions, Self::failure(failure), now) {
                    Ok(Some(operation)) => Ok(operation),
                    // Nothing started (`Err(None)`): a FailOperation fault waits for a later request.
                    Ok(None) => Err(None),
                    Err(err) => Err(Some(err)),
                }
            })
        });
        match result {
            Ok(operation) => {
                let url = wire::operation_url(
                    self.request.base,
                    &operation,
                    "operationresults",
                    self.api_version,
                );
                Reply::empty(202)
                    .header(header::LOCATION, url)
                    .retry_after(Some(RETRY_AFTER_SECONDS))
            }
            Err(None) => Reply::empty(204),
            Err(Some(err)) => error(&err),
        }
    }

    /// The Location poll: 202 while running, 204 once succeeded, the error once failed (500
    /// with the operation's error: choice; ARM only says a 4xx or 5xx with the error body).
    fn result(&self, subscription: &str, location: &str, id: &str) -> Reply {
        let result = self.shared.with_aks(|model, now| {
            model.poll_operation(id, now);
            model.operation(subscription, location, id).cloned()
        });
        match result {
            Err(err) => error(&err),
            Ok(op) if !op.done => Reply::empty(202)
                .header(
                    header::LOCATION,
                    wire::operation_url(
                        self.request.base,
                        &op,
                        "operationresults",
                        self.api_version,
                    ),
                )
                .retry_after(Some(RETRY_AFTER_SECONDS)),
            Ok(op) => match &op.failure {
                None => Reply::empty(204),
                Some(failure) => error(&ArmError::new(
                    500,
                    failure.code.clone(),
                    failure.message.clone(),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_paths_match_fixed_segments_without_case() {
        let path = [
            "SUBSCRIPTIONS",
            "s",
            "resourcegroups",
            "rg",
            "Providers",
            "microsoft.containerservice",
            "ManagedClusters",
            "c",
            "AGENTPOOLS",
            "p",
        ];
        assert!(matches!(route(&path), Some(Route::Pool(_, ref p)) if p == "p"));
        let op = [
            "subscriptions",
            "s",
            "providers",
            "Microsoft.ContainerService",
            "locations",
            "westeurope",
            "OperationResults",
            "x",
        ];
        assert!(matches!(route(&op), Some(Route::OperationResult(..))));
        assert!(route(&["subscriptions", "s", "resourceGroups", "rg"]).is_none());
        assert!(is_arm_path("/Subscriptions/x"));
        assert!(!is_arm_path("/v1/projects/p"));
    }

    #[test]
    fn api_versions_are_required_and_checked() {
        assert_eq!(
            check_api_version(None).unwrap_err().code,
            "MissingApiVersionParameter"
        );
        assert_eq!(
            check_api_version(Some("2019-01-01")).unwrap_err().code,
            "InvalidApiVersionParameter"
        );
        assert_eq!(check_api_version(Some("2026-08-01")).unwrap(), "2026-08-01");
    }

    #[test]
    fn query_parameters_are_decoded() {
        let pairs = query_pairs(Some("api-version=2026-08-01&%24skipToken=3"));
        assert_eq!(query_value(&pairs, "$skipToken"), Some("3"));
        assert_eq!(query_value(&pairs, "API-VERSION"), Some("2026-08-01"));
    }
}
