//! The fault plan: errors, delays and failed operations that tests inject into matching requests.
//! Each fault is used up one matching request at a time, so a test controls exactly what fails.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A fault for requests whose method and path match. Its JSON form (for `POST /_emulator/faults`)
/// is flat: `{"method":"POST","pathContains":"nodePools","times":1,"kind":"http","status":503,...}`;
/// the kinds' own fields follow `kind` (see [`FaultKind`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// HTTP method to match (any case); `None` matches every method.
    #[serde(default)]
    pub method: Option<String>,
    /// Substring of the request path to match; `None` matches every path.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests it hits; 0 means every one until the plan is cleared.
    #[serde(default = "one")]
    pub times: u32,
    #[serde(flatten)]
    pub kind: FaultKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FaultKind {
    /// Answer with this error instead of handling the request: Google's error body on GKE
    /// paths, ARM's (`{"error":{"code","message"}}`) on AKS paths.
    Http {
        status: u16,
        /// Canonical gRPC status name (`UNAVAILABLE`); empty picks the one Google pairs with `status`.
        #[serde(default)]
        grpc_status: String,
        /// ARM error code on AKS paths (`Throttled`); `None` picks the one AKS pairs with `status`.
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: String,
        #[serde(default)]
        retry_after_seconds: Option<u64>,
    },
    /// Hold the request this long before handling it.
    Delay { millis: u64 },
    /// Handle the request (its effects happen), then answer with this error status, as
    /// when the answer is lost on its way back: the client cannot know what happened.
    LoseAnswer { status: u16 },
    /// Answer with this status and body instead of handling the request: an answer the
    /// client does not expect (a malformed operation, say).
    Answer {
        status: u16,
        body: serde_json::Value,
    },
    /// Handle the request, but let the operation it starts end DONE with this error, its effect not applied.
    /// Only requests that start an operation use this fault up.
    FailOperation {
        #[serde(default)]
        message: String,
    },
    /// Close the connection without an answer: no status line, no headers, so that the client
    /// sees a connection error rather than an HTTP status. Before handling
    /// (`{"kind":"drop"}`), the request has no effect; after handling
    /// (`{"kind":"drop","afterHandling":true}`), it has taken effect and the client cannot know.
    /// The request log keeps status 0 for the first, and the answer that was never sent for the
    /// second.
    Drop {
        #[serde(default)]
        after_handling: bool,
    },
}

fn one() -> u32 {
    1
}

/// A fault in the plan, with what a request's body must contain for it to apply: the control
/// API's form of a fault (`{"bodyContains":"\"name\":\"gpu\"",...}` beside the [`Fault`]'s
/// own fields), for the calls whose path does not name what they act on, such as GKE's and
/// EKS's creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlannedFault {
    #[serde(flatten)]
    pub fault: Fault,
    /// Text the request body must contain; `None` matches every body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
}

/// What a fault is matched against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
}

/// An injected error response, ready for the router to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InjectedError {
    pub status: u16,
    pub grpc_status: String,
    /// The ARM code the fault asked for, if any.
    pub code: Option<String>,
    /// Whether the fault gave its own message; otherwise each API words its own.
    pub custom_message: bool,
    pub message: String,
    pub retry_after_seconds: Option<u64>,
}

/// What the plan does to a request before it is handled.
#[derive(Debug, Default)]
pub(crate) struct BeforeHandling {
    pub delay: Duration,
    pub error: Option<InjectedError>,
    /// Answer this instead of handling the request.
    pub answer: Option<(u16, serde_json::Value)>,
    /// Handle the request, then answer this error instead of the result.
    pub lose_answer: Option<InjectedError>,
    /// Close the connection instead of handling the request.
    pub drop_before: bool,
    /// Handle the request, then close the connection instead of answering.
    pub drop_after: bool,
}

#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    faults: Vec<PlannedFault>,
}

impl FaultPlan {
    pub(crate) fn add(&mut self, fault: PlannedFault) {
        self.faults.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    pub(crate) fn list(&self) -> Vec<PlannedFault> {
        self.faults.clone()
    }

    /// Uses up the first matching fault of each kind but failed operations (a delay, an HTTP
    /// error, an answer, a lost answer, a dropped connection), if any.
    pub(crate) fn before_handling(&mut self, request: Request) -> BeforeHandling {
        let mut before = BeforeHandling::default();
        if let Some(index) = self.position(request, |k| matches!(k, FaultKind::Drop { .. })) {
            if let FaultKind::Drop { after_handling } = self.faults[index].fault.kind {
                before.drop_before = !after_handling;
                before.drop_after = after_handling;
            }
            self.use_up(index);
        }
        if let Some(index) = self.position(request, |k| matches!(k, FaultKind::Answer { .. })) {
            if let FaultKind::Answer { status, body } = &self.faults[index].fault.kind {
                before.answer = Some((*status, body.clone()));
            }
            self.use_up(index);
        }
        if let Some(index) = self.position(request, |k| matches!(k, FaultKind::LoseAnswer { .. })) {
            if let FaultKind::LoseAnswer { status } = self.faults[index].fault.kind {
                before.lose_answer = Some(InjectedError {
                    status,
                    grpc_status: grpc_status_for(status).to_string(),
                    code: None,
                    custom_message: false,
                    message: "Injected fault: the answer was lost after the request was handled."
                        .to_string(),
                    retry_after_seconds: None,
                });
            }
            self.use_up(index);
        }
        if let Some(index) = self.position(request, |k| matches!(k, FaultKind::Delay { .. })) {
            if let FaultKind::Delay { millis } = self.faults[index].fault.kind {
                before.delay = Duration::from_millis(millis);
            }
            self.use_up(index);
        }
        if let Some(index) = self.position(request, |k| matches!(k, FaultKind::Http { .. })) {
            if let FaultKind::Http {
                status,
                grpc_status,
                code,
                message,
                retry_after_seconds,
            } = &self.faults[index].fault.kind
            {
                let grpc_status = if grpc_status.is_empty() {
                    grpc_status_for(*status).to_string()
                } else {
                    grpc_status.clone()
                };
                let custom_message = !message.is_empty();
                let message = if message.is_empty() {
                    format!("Injected fault: {grpc_status}.")
                } else {
                    message.clone()
                };
                before.error = Some(InjectedError {
                    status: *status,
                    grpc_status,
                    code: code.clone(),
                    custom_message,
                    message,
                    retry_after_seconds: *retry_after_seconds,
                });
            }
            self.use_up(index);
        }
        before
    }

    /// Runs `start`, which starts an operation that fails with the message given to it; the matching
    /// fault is used up only when `start` reports that it started one (`Ok`).
    pub(crate) fn with_failed_operation<T, E>(
        &mut self,
        request: Request,
        start: impl FnOnce(Option<String>) -> Result<T, E>,
    ) -> Result<T, E> {
        let index = self.position(request, |k| matches!(k, FaultKind::FailOperation { .. }));
        let message = index.and_then(|i| match &self.faults[i].fault.kind {
            FaultKind::FailOperation { message } if message.is_empty() => {
                Some("Injected fault: the operation failed.".to_string())
            }
            FaultKind::FailOperation { message } => Some(message.clone()),
            _ => None,
        });
        let result = start(message);
        if let (Ok(_), Some(i)) = (&result, index) {
            self.use_up(i);
        }
        result
    }

    fn position(&self, request: Request, kind: impl Fn(&FaultKind) -> bool) -> Option<usize> {
        self.faults.iter().position(|planned| {
            let fault = &planned.fault;
            kind(&fault.kind)
                && fault
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(request.method))
                && fault
                    .path_contains
                    .as_deref()
                    .is_none_or(|p| request.path.contains(p))
                && planned
                    .body_contains
                    .as_deref()
                    .is_none_or(|b| String::from_utf8_lossy(request.body).contains(b))
        })
    }

    fn use_up(&mut self, index: usize) {
        let fault = &mut self.faults[index].fault;
        match fault.times {
            0 => {}
            1 => {
                self.faults.remove(index);
            }
            _ => fault.times -= 1,
        }
    }
}

/// The canonical code Google sends with an HTTP status.
pub(crate) fn grpc_status_for(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status >= 500 => "INTERNAL",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(method: &'a str, path: &'a str) -> Request<'a> {
        Request {
            method,
            path,
            body: b"",
        }
    }

    fn planned(fault: Fault) -> PlannedFault {
        PlannedFault {
            fault,
            body_contains: None,
        }
    }

    fn http(times: u32) -> Fault {
        Fault {
            method: Some("post".into()),
            path_contains: Some("nodePools".into()),
            times,
            kind: FaultKind::Http {
                status: 429,
                grpc_status: String::new(),
                code: None,
                message: String::new(),
                retry_after_seconds: Some(2),
            },
        }
    }

    #[test]
    fn http_faults_match_and_are_used_up() {
        let mut plan = FaultPlan::default();
        plan.add(planned(http(2)));
        assert!(plan
            .before_handling(req("GET", "/v1/x/nodePools"))
            .error
            .is_none());
        let first = plan
            .before_handling(req("POST", "/v1/x/nodePools"))
            .error
            .unwrap();
        assert_eq!(first.grpc_status, "RESOURCE_EXHAUSTED");
        assert_eq!(first.retry_after_seconds, Some(2));
        assert!(plan
            .before_handling(req("POST", "/v1/x/nodePools"))
            .error
            .is_some());
        assert!(plan
            .before_handling(req("POST", "/v1/x/nodePools"))
            .error
            .is_none());
    }

    #[test]
    fn failed_operation_is_used_up_only_when_an_operation_starts() {
        let mut plan = FaultPlan::default();
        plan.add(planned(Fault {
            method: None,
            path_contains: None,
            times: 1,
            kind: FaultKind::FailOperation {
                message: "boom".into(),
            },
        }));
        let rejected: Result<(), ()> = plan.with_failed_operation(req("POST", "/p"), |m| {
            assert_eq!(m.as_deref(), Some("boom"));
            Err(())
        });
        assert!(rejected.is_err());
        let started: Result<Option<String>, ()> = plan.with_failed_operation(req("POST", "/p"), Ok);
        assert_eq!(started, Ok(Some("boom".into())));
        let clean: Result<Option<String>, ()> = plan.with_failed_operation(req("POST", "/p"), Ok);
        assert_eq!(clean, Ok(None));
    }

    #[test]
    fn json_form_is_flat() {
        let fault: Fault = serde_json::from_value(serde_json::json!({
            "method": "POST", "kind": "http", "status": 503, "retryAfterSeconds": 1
        }))
        .unwrap();
        assert_eq!(fault.times, 1);
        assert!(matches!(
            fault.kind,
            FaultKind::Http {
                status: 503,
                retry_after_seconds: Some(1),
                ..
            }
        ));
        let delay: Fault =
            serde_json::from_value(serde_json::json!({"kind": "delay", "millis": 5})).unwrap();
        assert_eq!(delay.kind, FaultKind::Delay { millis: 5 });
        let drop: Fault = serde_json::from_value(serde_json::json!({"kind": "drop"})).unwrap();
        assert_eq!(
            drop.kind,
            FaultKind::Drop {
                after_handling: false
            }
        );
        let after = FaultKind::Drop {
            after_handling: true,
        };
        assert_eq!(
            serde_json::to_value(&after).unwrap(),
            serde_json::json!({"kind": "drop", "afterHandling": true})
        );
    }

    #[test]
    fn a_drop_is_used_up_with_the_other_kinds_of_the_same_request() {
        let mut plan = FaultPlan::default();
        plan.add(planned(Fault {
            method: None,
            path_contains: Some("/a".into()),
            times: 2,
            kind: FaultKind::Drop {
                after_handling: true,
            },
        }));
        plan.add(planned(Fault {
            method: None,
            path_contains: Some("/a".into()),
            times: 1,
            kind: FaultKind::Delay { millis: 7 },
        }));
        let first = plan.before_handling(req("GET", "/a"));
        assert!(first.drop_after && !first.drop_before);
        assert_eq!(first.delay, Duration::from_millis(7));
        let second = plan.before_handling(req("GET", "/a"));
        assert!(second.drop_after && second.delay.is_zero());
        let third = plan.before_handling(req("GET", "/a"));
        assert!(!third.drop_after && !third.drop_before);
        assert!(plan.list().is_empty());
    }

    #[test]
    fn a_fault_can_ask_for_a_body_and_its_json_form_says_so() {
        let planned: PlannedFault = serde_json::from_value(serde_json::json!({
            "method": "POST", "pathContains": "/nodePools", "bodyContains": "\"name\":\"gpu\"",
            "kind": "failOperation", "message": "no GPUs"
        }))
        .unwrap();
        assert_eq!(planned.body_contains.as_deref(), Some("\"name\":\"gpu\""));
        assert_eq!(planned.fault.times, 1);
        let mut plan = FaultPlan::default();
        plan.add(planned.clone());
        let create = |body: &'static [u8]| Request {
            method: "POST",
            path: "/v1/c/nodePools",
            body,
        };
        let other: Result<Option<String>, ()> =
            plan.with_failed_operation(create(br#"{"nodePool":{"name":"core"}}"#), Ok);
        assert_eq!(other, Ok(None));
        let gpu: Result<Option<String>, ()> =
            plan.with_failed_operation(create(br#"{"nodePool":{"name":"gpu"}}"#), Ok);
        assert_eq!(gpu, Ok(Some("no GPUs".into())));
        // Without a body filter, the form is the fault's own.
        let plain = serde_json::to_value(PlannedFault {
            body_contains: None,
            ..planned
        })
        .unwrap();
        assert!(plain.get("bodyContains").is_none(), "{plain}");
        assert_eq!(plain["kind"], "failOperation");
    }
}
