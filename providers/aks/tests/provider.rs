//! The AKS provider against a scripted loopback ARM endpoint: paging, creates guarded by
//! `If-None-Match: *`, updates and deletes guarded by the plan's eTags, long-running
//! operations, busy and throttled answers, serialized writes, the caller's deadline and
//! the operation ids reported to the caller.

mod common;

use common::{pool, provider, serve, spot_pool, Recorder, Resp, CLUSTER_PATH};
use poolctl_provider::{
    Effect, NoProgress, PoolSpec, PoolState, PoolUpdate, Provider, ProviderError, Scaling, Taint,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn spec(name: &str) -> PoolSpec {
    PoolSpec {
        name: name.into(),
        machine_type: "Standard_D4s_v5".into(),
        scaling: Scaling::Autoscale { min: 1, max: 4 },
        labels: BTreeMap::from([("team".into(), "ml".into())]),
        taints: vec![Taint::new("gpu", "true", Effect::NoSchedule)],
        spot: false,
        gpu: None,
        disk_gb: None,
        zones: Vec::new(),
        tags: BTreeMap::from([("owner".into(), "poolctl".into())]),
        extras: BTreeMap::new(),
    }
}

#[tokio::test]
async fn the_cluster_reports_its_location_and_no_default_zones() {
    let server = serve(|_| {
        |req: &common::Req| {
            assert!(
                req.query.contains("api-version=2026-08-01"),
                "{}",
                req.query
            );
            Resp::json(
                200,
                json!({"name": "clustername1", "location": "westeurope", "properties": {}}),
            )
        }
    })
    .await;
    let info = provider(&server).cluster().await.expect("cluster");
    assert_eq!(info.location.as_deref(), Some("westeurope"));
    assert!(info.zones.is_empty());
    assert_eq!(server.requests()[0].path, CLUSTER_PATH);
}

#[tokio::test]
async fn list_pools_follows_next_link_through_every_page() {
    let server = serve(|base| {
        move |req: &common::Req| {
            if req.query.contains("skipToken=2") {
                Resp::json(200, json!({"value": [pool("beta", "e-b", "Updating")]}))
            } else {
                Resp::json(
                    200,
                    json!({
                        "value": [pool("alpha", "e-a", "Succeeded")],
                        "nextLink": format!("{base}{CLUSTER_PATH}/agentPools?api-version=2026-08-01&$skipToken=2"),
                    }),
                )
            }
        }
    })
    .await;
    let pools = provider(&server).list_pools().await.expect("pools");
    let names: Vec<_> = pools.iter().map(|p| p.spec.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta"]);
    let alpha = &pools[0];
    assert_eq!(alpha.spec.scaling, Scaling::Fixed { nodes: 3 });
    assert_eq!(
        alpha.spec.taints,
        vec![Taint::new("batch", "true", Effect::NoSchedule)]
    );
    assert_eq!(alpha.version.as_deref(), Some("1.33.2"));
    assert_eq!(alpha.health.state, PoolState::Ready);
    assert_eq!(pools[1].health.state, PoolState::Busy);
    assert_eq!(pools[1].health.status, "Updating");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_failed_pool_reports_the_clouds_error() {
    let server = serve(|_| {
        |_: &common::Req| {
            let mut failed = pool("broken", "e", "Failed");
            failed["properties"]["status"] = json!({"provisioningError": {
                "code": "ReconcileVMSSAgentPoolFailed",
                "message": "Code=\"OperationNotAllowed\" Message=\"Operation could not be completed as it results in exceeding approved Total Regional Cores quota.\""
            }});
            Resp::json(200, json!({"value": [failed]}))
        }
    })
    .await;
    let pools = provider(&server).list_pools().await.expect("pools");
    let health = &pools[0].health;
    assert_eq!(health.state, PoolState::Failed);
    assert_eq!(health.status, "Failed");
    let message = health.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("exceeding approved Total Regional Cores quota"),
        "{message}"
    );
}

#[tokio::test]
async fn a_create_is_create_only_and_waits_for_its_operation() {
    let server = serve(|base| {
        let mut polls = 0;
        move |req: &common::Req| {
            if req.is("PUT", "/agentPools/spot1") {
                let op = format!("{base}/subscriptions/{}/providers/Microsoft.ContainerService/locations/eastus/operations/op-1?api-version=2026-08-01", common::SUB);
                let mut created = spot_pool("spot1", "e-new");
                created["properties"]["provisioningState"] = json!("Creating");
                return Resp::json(201, created)
                    .header("azure-asyncoperation", &op)
                    .header("retry-after", "1");
            }
            if req.path.ends_with("/operations/op-1") {
                polls += 1;
                let status = if polls < 2 { "InProgress" } else { "Succeeded" };
                return Resp::json(200, json!({"name": "op-1", "status": status}))
                    .header("retry-after", "1");
            }
            Resp::json(200, spot_pool("spot1", "e-new"))
        }
    })
    .await;
    let provider = provider(&server);
    let mut wanted = spec("spot1");
    wanted.spot = true;
    let progress = Recorder::default();
    provider
        .create_pool(&wanted, &progress)
        .await
        .expect("create");

    let put = &server.requests_to("PUT", "/agentPools/spot1")[0];
    assert_eq!(put.header("if-none-match"), Some("*"));
    assert_eq!(put.header("if-match"), None);
    let p = &put.body["properties"];
    assert_eq!(p["scaleSetPriority"], "Spot");
    assert_eq!(p["scaleSetEvictionPolicy"], "Delete");
    assert_eq!(p["nodeLabels"], json!({"team": "ml"}), "no spot label sent");
    assert_eq!(
        p["nodeTaints"],
        json!(["gpu=true:NoSchedule"]),
        "no spot taint sent"
    );
    assert_eq!(
        (
            p["count"].clone(),
            p["minCount"].clone(),
            p["maxCount"].clone()
        ),
        (json!(1), json!(1), json!(4))
    );
    assert_eq!(p["mode"], "User");

    // Retry-After: 1 was honoured before each poll.
    let polls = server.requests_to("GET", "/operations/op-1");
    assert_eq!(polls.len(), 2);
    assert!(polls[0].at - put.at >= Duration::from_millis(900));
    assert!(polls[1].at - polls[0].at >= Duration::from_millis(900));
    assert!(
        progress
            .messages()
            .iter()
            .any(|m| m.starts_with("InProgress")),
        "{:?}",
        progress.messages()
    );

    // The eTag of the created pool guards the next update.
    provider
        .update_pool("spot1", &[PoolUpdate::Tags(BTreeMap::new())], &NoProgress)
        .await
        .expect("update");
    let update = server.requests_to("PUT", "/agentPools/spot1");
    assert_eq!(update[1].header("if-match"), Some("e-new"));
}

#[tokio::test]
async fn a_pool_created_by_someone_else_meanwhile_is_not_overwritten() {
    let server = serve(|_| {
        |_: &common::Req| {
            Resp::cloud_error(412, "PreconditionFailed", "The resource already exists.")
        }
    })
    .await;
    let err = provider(&server)
        .create_pool(&spec("taken"), &NoProgress)
        .await
        .expect_err("refused");
    match err {
        ProviderError::Api {
            status: 412,
            message,
            ..
        } => {
            assert!(
                message.contains("pool taken was created by someone else meanwhile"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_failed_operation_reports_the_clouds_message() {
    let server = serve(|base| {
        move |req: &common::Req| {
            if req.method == "PUT" {
                return Resp::json(201, pool("gpu", "e", "Creating"))
                    .header("azure-asyncoperation", &format!("{base}/operations/op-9"));
            }
            Resp::json(200, json!({"name": "op-9", "status": "Failed", "error": {
                "code": "AllocationFailed",
                "message": "Allocation failed. We do not have sufficient capacity for the requested VM size in this region."
            }}))
        }
    })
    .await;
    let err = provider(&server)
        .create_pool(&spec("gpu"), &NoProgress)
        .await
        .expect_err("failed");
    match err {
        ProviderError::OperationFailed {
            operation, message, ..
        } => {
            assert_eq!(operation, "op-9");
            assert!(
                message.starts_with("AllocationFailed: Allocation failed."),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// An update answered 200 with an operation that succeeds at once.
fn accept_update(base: &str, req: &common::Req) -> Resp {
    let mut answered = pool("alpha", "e-2", "Updating");
    answered["properties"] = req.body["properties"].clone();
    Resp::json(200, answered).header("azure-asyncoperation", &format!("{base}/operations/u-1"))
}

#[tokio::test]
async fn an_update_sends_the_plans_etag_and_no_read_only_properties() {
    let server = serve(|base| {
        move |req: &common::Req| {
            if req.is("GET", "/agentPools") {
                return Resp::json(200, json!({"value": [spot_pool("alpha", "e-plan")]}));
            }
            if req.is("PUT", "/agentPools/alpha") {
                return accept_update(&base, req);
            }
            if req.path.ends_with("/operations/u-1") {
                return Resp::json(200, json!({"status": "Succeeded"}));
            }
            Resp::json(200, spot_pool("alpha", "e-plan"))
        }
    })
    .await;
    let provider = provider(&server);
    provider.list_pools().await.expect("plan");
    provider
        .update_pool(
            "alpha",
            &[
                PoolUpdate::Labels(BTreeMap::from([("team".into(), "research".into())])),
                PoolUpdate::Taints(vec![]),
                PoolUpdate::Scaling(Scaling::Autoscale { min: 1, max: 6 }),
            ],
            &NoProgress,
        )
        .await
        .expect("update");
    let put = &server.requests_to("PUT", "/agentPools/alpha")[0];
    assert_eq!(put.header("if-match"), Some("e-plan"));
    assert_eq!(put.header("if-none-match"), None);
    assert_eq!(
        put.body.as_object().map(|o| o.len()),
        Some(1),
        "only properties"
    );
    let p = &put.body["properties"];
    for read_only in [
        "eTag",
        "provisioningState",
        "currentOrchestratorVersion",
        "nodeImageVersion",
        "status",
    ] {
        assert!(p.get(read_only).is_none(), "{read_only} sent");
    }
    // The spot label and taint that AKS added stay.
    assert_eq!(
        p["nodeLabels"],
        json!({"team": "research", "kubernetes.azure.com/scalesetpriority": "spot"})
    );
    assert_eq!(
        p["nodeTaints"],
        json!(["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"])
    );
    assert_eq!(
        (
            p["enableAutoScaling"].clone(),
            p["minCount"].clone(),
            p["maxCount"].clone(),
            p["count"].clone()
        ),
        (json!(true), json!(1), json!(6), json!(3))
    );
    // Everything else goes back as it was.
    assert_eq!(p["vmSize"], "Standard_DS2_v2");
    assert_eq!(p["scaleSetPriority"], "Spot");
    assert_eq!(p["powerState"], json!({"code": "Running"}));
}

#[tokio::test]
async fn a_pool_changed_since_the_plan_is_refused_with_412() {
    let server = serve(|_| {
        |req: &common::Req| {
            if req.is("GET", "/agentPools") {
                return Resp::json(
                    200,
                    json!({"value": [pool("alpha", "e-plan", "Succeeded")]}),
                );
            }
            if req.method == "PUT" || req.method == "DELETE" {
                if req.header("if-match") == Some("e-plan") {
                    return Resp::cloud_error(
                        412,
                        "PreconditionFailed",
                        "Operation failed since eTag e-plan does not match e-someone-else.",
                    );
                }
                return Resp::cloud_error(400, "Unexpected", "no If-Match");
            }
            Resp::json(200, pool("alpha", "e-someone-else", "Succeeded"))
        }
    })
    .await;
    let provider = provider(&server);
    provider.list_pools().await.expect("plan");
    let err = provider
        .update_pool("alpha", &[PoolUpdate::Tags(BTreeMap::new())], &NoProgress)
        .await
        .expect_err("412");
    assert!(
        matches!(err, ProviderError::ChangedSincePlan { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not match"), "{err}");
    let err = provider
        .delete_pool("alpha", &NoProgress)
        .await
        .expect_err("412");
    assert!(
        matches!(err, ProviderError::ChangedSincePlan { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn another_operation_in_progress_is_waited_out() {
    let server = serve(|base| {
        let mut puts = 0;
        move |req: &common::Req| {
            if req.method == "PUT" {
                puts += 1;
                if puts == 1 {
                    return Resp::cloud_error(409, "OperationNotAllowed", "Operation is not allowed: Another operation (nodepool1 - Updating) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details");
                }
                return accept_update(&base, req);
            }
            if req.path.ends_with("/operations/u-1") {
                return Resp::json(200, json!({"status": "Succeeded"}));
            }
            Resp::json(200, pool("alpha", "e-1", "Succeeded"))
        }
    })
    .await;
    let progress = Recorder::default();
    provider(&server)
        .update_pool(
            "alpha",
            &[PoolUpdate::Scaling(Scaling::Fixed { nodes: 5 })],
            &progress,
        )
        .await
        .expect("update after the 409");
    let puts = server.requests_to("PUT", "/agentPools/alpha");
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[1].body["properties"]["count"], 5);
    assert_eq!(puts[1].body["properties"]["enableAutoScaling"], false);
    assert!(progress
        .messages()
        .iter()
        .any(|m| m.contains("OperationNotAllowed")));
}

#[tokio::test]
async fn throttling_honours_retry_after() {
    let server = serve(|_| {
        let mut calls = 0;
        move |_: &common::Req| {
            calls += 1;
            if calls == 1 {
                return Resp::cloud_error(
                    429,
                    "Throttled",
                    "The request limit has been exceeded, retry again in 1 seconds.",
                )
                .header("retry-after", "1");
            }
            Resp::json(200, json!({"value": []}))
        }
    })
    .await;
    let pools = provider(&server).list_pools().await.expect("after the 429");
    assert!(pools.is_empty());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(950));
}

#[tokio::test]
async fn a_cluster_busy_for_too_long_exhausts_the_retries() {
    let server = serve(|_| {
        |_: &common::Req| {
            Resp::cloud_error(
                409,
                "OperationNotAllowed",
                "Another operation is in progress",
            )
        }
    })
    .await;
    let mut options = common::options();
    options.operation_timeout = Duration::from_millis(300);
    let provider = poolctl_aks::AksProvider::with_options(&common::target(&server.url), options)
        .expect("provider");
    let err = provider
        .delete_pool("alpha", &NoProgress)
        .await
        .expect_err("gives up");
    assert!(
        matches!(err, ProviderError::RetriesExhausted { .. }),
        "{err:?}"
    );
    assert!(server.requests().len() > 2);
}

#[tokio::test]
async fn any_other_error_fails_fast_with_arms_code() {
    let server = serve(|_| {
        |_: &common::Req| {
            Resp::cloud_error(
                400,
                "InvalidParameter",
                "The value of parameter agentPoolProfile.vmSize is invalid.",
            )
        }
    })
    .await;
    let err = provider(&server)
        .create_pool(&spec("bad"), &NoProgress)
        .await
        .expect_err("400");
    match err {
        ProviderError::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!((status, code.as_str()), (400, "InvalidParameter"));
            assert!(message.contains("vmSize is invalid"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_delete_follows_location_until_done() {
    let server = serve(|base| {
        let mut polls = 0;
        move |req: &common::Req| {
            if req.is("GET", "/agentPools") {
                return Resp::json(200, json!({"value": [pool("old", "e-old", "Succeeded")]}));
            }
            if req.method == "DELETE" {
                return Resp::empty(202)
                    .header("location", &format!("{base}/subscriptions/{}/providers/Microsoft.ContainerService/locations/eastus/operationresults/d-1?api-version=2026-08-01", common::SUB))
                    .header("retry-after", "0");
            }
            polls += 1;
            if polls < 3 {
                Resp::empty(202)
            } else {
                Resp::empty(204)
            }
        }
    })
    .await;
    let provider = provider(&server);
    provider.list_pools().await.expect("plan");
    provider
        .delete_pool("old", &NoProgress)
        .await
        .expect("deleted");
    let delete = &server.requests_to("DELETE", "/agentPools/old")[0];
    assert_eq!(delete.header("if-match"), Some("e-old"));
    assert_eq!(server.requests_to("GET", "/operationresults/d-1").len(), 3);
}

#[tokio::test]
async fn a_delete_of_an_absent_pool_is_done() {
    let server = serve(|_| {
        let mut calls = 0;
        move |_: &common::Req| {
            calls += 1;
            if calls == 1 {
                Resp::empty(204)
            } else {
                Resp::cloud_error(404, "NotFound", "no such pool")
            }
        }
    })
    .await;
    let provider = provider(&server);
    provider
        .delete_pool("gone", &NoProgress)
        .await
        .expect("204");
    provider
        .delete_pool("gone", &NoProgress)
        .await
        .expect("404");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].header("if-match"),
        None,
        "no plan eTag, no If-Match"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_looked_for_not_resent() {
    let server = serve(|_| {
        let mut gets = 0;
        move |req: &common::Req| {
            if req.method == "PUT" {
                return Resp::cloud_error(500, "InternalServerError", "the gateway lost it");
            }
            gets += 1;
            let state = if gets < 3 { "Creating" } else { "Succeeded" };
            Resp::json(200, pool("lost", "e-l", state))
        }
    })
    .await;
    provider(&server)
        .create_pool(&spec("lost"), &NoProgress)
        .await
        .expect("found and waited for");
    assert_eq!(server.requests_to("PUT", "/agentPools/lost").len(), 1);
}

#[tokio::test]
async fn wait_for_pool_polls_while_busy_and_reports_absence() {
    let server = serve(|_| {
        let mut gets = 0;
        move |req: &common::Req| {
            if req.path.ends_with("/absent") {
                return Resp::cloud_error(404, "NotFound", "Could not find agent pool absent");
            }
            gets += 1;
            Resp::json(
                200,
                pool("busy", "e", if gets < 3 { "Scaling" } else { "Succeeded" }),
            )
        }
    })
    .await;
    let provider = provider(&server);
    let health = provider
        .wait_for_pool("busy", &NoProgress)
        .await
        .expect("health");
    assert_eq!(health.map(|h| h.state), Some(PoolState::Ready));
    assert_eq!(server.requests_to("GET", "/agentPools/busy").len(), 3);
    assert_eq!(
        provider
            .wait_for_pool("absent", &NoProgress)
            .await
            .expect("none"),
        None
    );
}

/// AKS runs one agent-pool operation per cluster: the server refuses (and counts) a write
/// that arrives while another one's operation is still running.
#[tokio::test]
async fn writes_of_one_provider_never_overlap() {
    let overlaps = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = overlaps.clone();
    let server = serve(move |base| {
        let mut running: Option<(String, u32)> = None;
        move |req: &common::Req| {
            if req.method == "PUT" {
                if running.is_some() {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return Resp::cloud_error(
                        409,
                        "OperationNotAllowed",
                        "Another operation is in progress",
                    );
                }
                let name = req.path.rsplit('/').next().unwrap_or_default().to_string();
                running = Some((name.clone(), 0));
                let mut answered = pool(&name, "e", "Updating");
                answered["properties"] = req.body["properties"].clone();
                return Resp::json(200, answered)
                    .header("azure-asyncoperation", &format!("{base}/operations/{name}"));
            }
            if req.path.contains("/operations/") {
                let Some((name, polls)) = running.as_mut() else {
                    return Resp::json(200, json!({"status": "Succeeded"}));
                };
                *polls += 1;
                if *polls < 3 {
                    return Resp::json(200, json!({"name": name.clone(), "status": "InProgress"}));
                }
                running = None;
                return Resp::json(200, json!({"status": "Succeeded"}));
            }
            let name = req.path.rsplit('/').next().unwrap_or_default();
            Resp::json(200, pool(name, "e", "Succeeded"))
        }
    })
    .await;
    let provider = provider(&server);
    let tags = [PoolUpdate::Tags(BTreeMap::new())];
    let (a, b) = tokio::join!(
        provider.update_pool("alpha", &tags, &NoProgress),
        provider.update_pool("beta", &tags, &NoProgress),
    );
    a.expect("alpha");
    b.expect("beta");
    assert_eq!(overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == "PUT")
            .count(),
        2
    );
}

/// A PUT accepted with an `Azure-AsyncOperation` whose operation never ends.
fn never_ending(base: &str, req: &common::Req) -> Resp {
    if req.method == "PUT" {
        let mut answered = pool("slow", "e", "Creating");
        answered["properties"] = req.body["properties"].clone();
        return Resp::json(201, answered).header(
            "azure-asyncoperation",
            &format!("{base}/subscriptions/{}/providers/Microsoft.ContainerService/locations/eastus/operations/op-slow?api-version=2026-08-01", common::SUB),
        );
    }
    if req.path.ends_with("/operations/op-slow") {
        return Resp::json(200, json!({"name": "op-slow", "status": "InProgress"}));
    }
    Resp::json(200, pool("slow", "e", "Creating"))
}

#[tokio::test]
async fn the_callers_deadline_ends_the_wait_naming_the_operation_still_running() {
    let server = serve(|base| move |req: &common::Req| never_ending(&base, req)).await;
    // The provider's own timeout (10 s) is longer than the caller's deadline.
    let progress = Recorder::within(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let err = provider(&server)
        .create_pool(&spec("slow"), &progress)
        .await
        .expect_err("the deadline passes first");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let operations = progress.operations();
    let url = format!(
        "{}/subscriptions/{}/providers/Microsoft.ContainerService/locations/eastus/operations/op-slow?api-version=2026-08-01",
        server.url,
        common::SUB
    );
    assert_eq!(
        operations,
        [format!("start {url}"), format!("end {url}")],
        "the Azure-AsyncOperation URL is the operation's id"
    );
    let text = err.to_string();
    assert!(
        matches!(err, ProviderError::OperationFailed { .. }),
        "{text}"
    );
    assert!(text.contains("op-slow"), "{text}");
    assert!(text.contains("may still be running in the cloud"), "{text}");
    assert!(text.contains("InProgress"), "{text}");
}

#[tokio::test]
async fn an_operation_without_a_url_is_reported_by_the_pools_name_and_state() {
    let server = serve(|_| {
        let mut gets = 0;
        move |req: &common::Req| {
            if req.method == "PUT" {
                return Resp::json(200, pool("plain", "e", "Scaling"));
            }
            gets += 1;
            let state = if gets < 2 { "Scaling" } else { "Succeeded" };
            Resp::json(200, pool("plain", "e", state))
        }
    })
    .await;
    let progress = Recorder::default();
    provider(&server)
        .update_pool("plain", &[PoolUpdate::Tags(BTreeMap::new())], &progress)
        .await
        .expect("updated");
    assert_eq!(
        progress.operations(),
        [
            "start agent pool plain (Scaling)",
            "end agent pool plain (Scaling)"
        ]
    );
}

#[tokio::test]
async fn a_delete_reports_its_location_as_the_operation() {
    let server = serve(|base| {
        let mut polls = 0;
        move |req: &common::Req| {
            if req.method == "DELETE" {
                return Resp::empty(202).header(
                    "location",
                    &format!("{base}/subscriptions/{}/providers/Microsoft.ContainerService/locations/eastus/operationresults/d-7?api-version=2026-08-01", common::SUB),
                );
            }
            polls += 1;
            Resp::empty(if polls < 2 { 202 } else { 204 })
        }
    })
    .await;
    let progress = Recorder::default();
    provider(&server)
        .delete_pool("old", &progress)
        .await
        .expect("deleted");
    let operations = progress.operations();
    assert_eq!(operations.len(), 2, "{operations:?}");
    assert!(
        operations[0].starts_with("start ") && operations[0].contains("/operationresults/d-7"),
        "{operations:?}"
    );
    assert_eq!(operations[1], operations[0].replacen("start", "end", 1));
}

#[tokio::test]
async fn a_busy_cluster_is_retried_until_the_callers_deadline() {
    let server = serve(|_| {
        |_: &common::Req| {
            Resp::cloud_error(
                409,
                "OperationNotAllowed",
                "Another operation (nodepool1 - Upgrading) is in progress",
            )
        }
    })
    .await;
    let progress = Recorder::within(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = provider(&server)
        .delete_pool("alpha", &progress)
        .await
        .expect_err("gives up");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(err, ProviderError::RetriesExhausted { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("OperationNotAllowed"), "{err}");
    assert!(progress
        .messages()
        .iter()
        .any(|m| m.starts_with("cloud busy, retrying in ")));
}

#[tokio::test]
async fn retry_after_of_a_busy_answer_is_honoured_within_the_deadline() {
    let server = serve(|_| {
        let mut puts = 0;
        move |req: &common::Req| {
            if req.method == "DELETE" {
                puts += 1;
                if puts == 1 {
                    return Resp::cloud_error(429, "Throttled", "retry again in 1 seconds.")
                        .header("retry-after", "1");
                }
                return Resp::empty(204);
            }
            Resp::cloud_error(404, "NotFound", "no pool")
        }
    })
    .await;
    let progress = Recorder::within(Duration::from_secs(5));
    provider(&server)
        .delete_pool("alpha", &progress)
        .await
        .expect("deleted after the 429");
    let deletes = server.requests_to("DELETE", "/agentPools/alpha");
    assert_eq!(deletes.len(), 2);
    assert!(deletes[1].at - deletes[0].at >= Duration::from_millis(950));
    assert!(
        progress
            .messages()
            .iter()
            .any(|m| m.starts_with("cloud busy, retrying in 1.0s: 429 Throttled")),
        "{:?}",
        progress.messages()
    );
}
