//! The emulator's GKE API through HTTP, as poolctl's GKE provider sees it.
//! Each test starts its own emulator on 127.0.0.1 and talks to it with reqwest.

use std::time::{Duration, Instant};

use poolctl_emulator::{start_loopback, EmulatorConfig, Fault, FaultKind, RunningEmulator};
use serde_json::{json, Value};

const CLUSTER: &str = "/v1/projects/p/locations/europe-west1/clusters/c";

struct Harness {
    emulator: RunningEmulator,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Harness {
    async fn start(config: EmulatorConfig) -> Harness {
        let emulator = start_loopback(config).await.expect("emulator starts");
        Harness {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    /// An emulator with cluster `c` in europe-west1 and operations lasting `millis`.
    async fn with_cluster(polls: u32) -> Harness {
        let harness = Harness::start(config(polls)).await;
        let created = harness
            .call(
                "POST",
                "/_emulator/gke/clusters",
                Some(json!({"project": "p", "location": "europe-west1", "name": "c"})),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        harness
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.emulator.endpoint())
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("emulator answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        Answer {
            status,
            retry_after,
            body,
        }
    }

    async fn create_pool(&self, pool: Value) -> Answer {
        self.call(
            "POST",
            &format!("{CLUSTER}/nodePools"),
            Some(json!({"nodePool": pool})),
        )
        .await
    }

    async fn pool(&self, name: &str) -> Value {
        let answer = self
            .call("GET", &format!("{CLUSTER}/nodePools/{name}"), None)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// Polls the operation until DONE, as a client would; operations here end after a
    /// number of polls, so no clock is involved.
    async fn wait(&self, operation: &Value) -> Value {
        let name = operation["name"].as_str().expect("operation name");
        for _ in 0..100 {
            let answer = self
                .call(
                    "GET",
                    &format!("/v1/projects/p/locations/europe-west1/operations/{name}"),
                    None,
                )
                .await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            if answer.body["status"] == "DONE" {
                return answer.body;
            }
        }
        panic!("operation {name} never finished");
    }

    async fn target_sizes(&self, pool: &Value) -> Vec<i64> {
        let mut sizes = Vec::new();
        for url in pool["instanceGroupUrls"]
            .as_array()
            .expect("instanceGroupUrls")
        {
            let answer = self.call("GET", url.as_str().unwrap(), None).await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            sizes.push(answer.body["targetSize"].as_i64().unwrap());
        }
        sizes
    }
}

/// Operations end after `polls` status polls (0: done when they start), whatever the time.
fn config(polls: u32) -> EmulatorConfig {
    EmulatorConfig {
        operation_polls: Some(polls),
        ..EmulatorConfig::default()
    }
}

fn bad_request(message: &str, field: Option<&str>) -> Value {
    let mut violation = json!({"description": message});
    if let Some(field) = field {
        violation["field"] = json!(field);
    }
    json!({"error": {
        "code": 400,
        "message": message,
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}],
    }})
}

#[tokio::test]
async fn create_runs_an_operation_then_the_pool_runs_with_gke_defaults() {
    let h = Harness::with_cluster(3).await;
    let empty = h.call("GET", &format!("{CLUSTER}/nodePools"), None).await;
    assert_eq!((empty.status, empty.body), (200, json!({})));

    let op = h.create_pool(json!({"name": "core", "initialNodeCount": 2, "config": {"machineType": "e2-standard-4"}})).await;
    assert_eq!(op.status, 200, "{}", op.body);
    let op = op.body;
    assert_eq!(op["operationType"], "CREATE_NODE_POOL");
    assert_eq!(op["status"], "RUNNING");
    assert!(op["name"].as_str().unwrap().starts_with("operation-"));
    assert_eq!(op["location"], "europe-west1");
    assert_eq!(op["zone"], "europe-west1");
    assert!(op["targetLink"]
        .as_str()
        .unwrap()
        .ends_with("/v1/projects/p/locations/europe-west1/clusters/c/nodePools/core"));
    assert!(op.get("endTime").is_none());
    assert_eq!(h.pool("core").await["status"], "PROVISIONING");

    let done = h.wait(&op).await;
    assert!(done["endTime"].as_str().unwrap().ends_with('Z'));
    assert!(done.get("error").is_none());

    let pool = h.pool("core").await;
    assert_eq!(pool["status"], "RUNNING");
    assert_eq!(pool["initialNodeCount"], 2);
    assert_eq!(pool["config"]["machineType"], "e2-standard-4");
    assert_eq!(pool["config"]["diskSizeGb"], 100);
    assert_eq!(pool["config"]["diskType"], "pd-balanced");
    assert_eq!(pool["config"]["imageType"], "COS_CONTAINERD");
    assert_eq!(pool["config"]["serviceAccount"], "default");
    assert!(pool["config"]["oauthScopes"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    assert_eq!(pool["version"], "1.33.5-gke.1000000");
    assert_eq!(
        pool["management"],
        json!({"autoUpgrade": true, "autoRepair": true})
    );
    assert_eq!(pool["maxPodsConstraint"], json!({"maxPodsPerNode": "110"}));
    assert_eq!(pool["podIpv4CidrSize"], 24);
    assert_eq!(
        pool["upgradeSettings"],
        json!({"maxSurge": 1, "strategy": "SURGE"})
    );
    assert_eq!(
        pool["locations"],
        json!(["europe-west1-b", "europe-west1-c", "europe-west1-d"])
    );
    assert!(pool["selfLink"]
        .as_str()
        .unwrap()
        .ends_with("/clusters/c/nodePools/core"));
    assert!(pool["etag"].is_string());
    assert_eq!(h.target_sizes(&pool).await, vec![2, 2, 2]);
    let url = pool["instanceGroupUrls"][0].as_str().unwrap();
    let prefix = format!(
        "{}/compute/v1/projects/p/zones/europe-west1-b/instanceGroupManagers/gke-c-core-",
        h.emulator.endpoint()
    );
    assert!(
        url.starts_with(&prefix) && url.ends_with("-grp") && url.len() == prefix.len() + 12,
        "{url}"
    );

    let list = h
        .call("GET", &format!("{CLUSTER}/nodePools"), None)
        .await
        .body;
    assert_eq!(list["nodePools"].as_array().unwrap().len(), 1);
    assert_eq!(list["nodePools"][0]["name"], "core");

    let cluster = h.call("GET", CLUSTER, None).await.body;
    assert_eq!(cluster["name"], "c");
    assert_eq!(cluster["status"], "RUNNING");
    assert_eq!(cluster["location"], "europe-west1");
    assert_eq!(cluster["currentNodeVersion"], "1.33.5-gke.1000000");
    assert_eq!(cluster["locations"].as_array().unwrap().len(), 3);
    assert_eq!(cluster["nodePools"][0]["name"], "core");

    let ops = h
        .call(
            "GET",
            "/v1/projects/p/locations/europe-west1/operations",
            None,
        )
        .await
        .body;
    assert_eq!(ops["operations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn strict_bodies_get_googles_invalid_argument_shape() {
    let h = Harness::with_cluster(0).await;

    let unknown = h
        .create_pool(json!({"name": "a", "config": {"fooBar": true}}))
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body,
        bad_request(
            "Invalid JSON payload received. Unknown name \"fooBar\" at 'node_pool.config': Cannot find field.",
            Some("node_pool.config")
        )
    );

    let wrong_type = h
        .create_pool(json!({"name": "a", "initialNodeCount": "abc"}))
        .await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(
        wrong_type.body,
        bad_request(
            "Invalid value at 'node_pool.initial_node_count' (TYPE_INT32), \"abc\"",
            Some("node_pool.initial_node_count")
        )
    );

    let bad_enum = h.create_pool(json!({"name": "a", "config": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}})).await;
    assert_eq!(bad_enum.status, 400);
    assert_eq!(
        bad_enum.body,
        bad_request(
            "Invalid value at 'node_pool.config.taints[0].effect' (type.googleapis.com/google.container.v1.NodeTaint.Effect), \"NoSchedule\"",
            Some("node_pool.config.taints[0].effect")
        )
    );

    let top_level = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools"),
            Some(json!({"pool": {}})),
        )
        .await;
    assert_eq!(
        top_level.body,
        bad_request(
            "Invalid JSON payload received. Unknown name \"pool\": Cannot find field.",
            None
        )
    );

    let boolean = h
        .create_pool(json!({"name": "a", "config": {"spot": "true"}}))
        .await;
    assert_eq!(
        boolean.body["error"]["message"],
        "Invalid value at 'node_pool.config.spot' (TYPE_BOOL), \"true\""
    );
    let map_value = h
        .create_pool(json!({"name": "a", "config": {"labels": {"team": 7}}}))
        .await;
    assert_eq!(map_value.status, 400);
    let size = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/a:setSize"),
            Some(json!({"nodeCount": true})),
        )
        .await;
    assert_eq!(
        size.body["error"]["message"],
        "Invalid value at 'node_count' (TYPE_INT32), true"
    );

    // Numbers in either JSON form are fine: int64 as string or number, int32 as number or numeric string.
    let ok = h
        .create_pool(json!({"name": "a", "initialNodeCount": "1", "maxPodsConstraint": {"maxPodsPerNode": 64},
                            "config": {"accelerators": [{"acceleratorCount": 1, "acceleratorType": "nvidia-l4"}]}}))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let pool = h.pool("a").await;
    assert_eq!(pool["maxPodsConstraint"]["maxPodsPerNode"], "64");
    assert_eq!(pool["config"]["accelerators"][0]["acceleratorCount"], "1");
    assert_eq!(pool["podIpv4CidrSize"], 25);

    let statuses: Vec<u16> = h.emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![400, 400, 400, 400, 400, 400, 400, 200, 200]);
}

#[tokio::test]
async fn missing_duplicate_and_misnamed_resources() {
    let h = Harness::with_cluster(0).await;
    let missing_cluster = h
        .call(
            "GET",
            "/v1/projects/p/locations/europe-west1/clusters/nope/nodePools",
            None,
        )
        .await;
    assert_eq!(missing_cluster.status, 404);
    assert_eq!(
        missing_cluster.body,
        json!({"error": {"code": 404, "message": "Not found: projects/p/locations/europe-west1/clusters/nope.", "status": "NOT_FOUND"}})
    );
    let missing_pool = h.call("GET", &format!("{CLUSTER}/nodePools/x"), None).await;
    assert_eq!(missing_pool.status, 404);
    assert_eq!(
        missing_pool.body["error"]["message"],
        "Not found: projects/p/locations/europe-west1/clusters/c/nodePools/x."
    );
    let missing_delete = h
        .call("DELETE", &format!("{CLUSTER}/nodePools/x"), None)
        .await;
    assert_eq!(missing_delete.status, 404);

    assert_eq!(h.create_pool(json!({"name": "a"})).await.status, 200);
    let duplicate = h.create_pool(json!({"name": "a"})).await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(
        duplicate.body["error"],
        json!({"code": 409, "status": "ALREADY_EXISTS",
               "message": "Already exists: projects/p/locations/europe-west1/clusters/c/nodePools/a."})
    );

    for name in ["Bad", "1a", "a-", &"a".repeat(41), ""] {
        let answer = h.create_pool(json!({"name": name})).await;
        assert_eq!(answer.status, 400, "{name}");
        assert_eq!(answer.body["error"]["status"], "INVALID_ARGUMENT");
        assert!(answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid value for field \"node_pool.name\""));
    }
    let bad_label = h
        .create_pool(json!({"name": "b", "config": {"labels": {"bad key": "v"}}}))
        .await;
    assert_eq!(bad_label.status, 400);
    assert!(bad_label.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a valid Kubernetes label key"));
    let bad_value = h
        .create_pool(json!({"name": "b", "config": {"labels": {"team": "-x"}}}))
        .await;
    assert_eq!(bad_value.status, 400);
    let bad_zone = h
        .create_pool(json!({"name": "b", "locations": ["us-east1-b"]}))
        .await;
    assert_eq!(bad_zone.status, 400);
    assert_eq!(
        h.call("PATCH", &format!("{CLUSTER}/nodePools/a"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_busy_pool_and_the_cluster_quota_reject_more_work() {
    let h = Harness::with_cluster(1_000).await;
    let op = h.create_pool(json!({"name": "p0"})).await.body;
    let busy = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/p0:setSize"),
            Some(json!({"nodeCount": 3})),
        )
        .await;
    assert_eq!(busy.status, 400);
    assert_eq!(busy.body["error"]["status"], "FAILED_PRECONDITION");
    assert_eq!(
        busy.body["error"]["message"],
        format!(
            "Operation {} is currently creating node pool p0. Please wait and try again once it is done.",
            op["name"].as_str().unwrap()
        )
    );
    for i in 1..5 {
        assert_eq!(
            h.create_pool(json!({"name": format!("p{i}")})).await.status,
            200
        );
    }
    let sixth = h.create_pool(json!({"name": "p5"})).await;
    assert_eq!(sixth.status, 429);
    assert_eq!(
        sixth.body,
        json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
            "message": "Too many operations: cluster \"c\" hits the concurrent operations quota 5, please try again later."}})
    );
    // Nothing of the rejected calls reached the model.
    assert_eq!(
        h.emulator.snapshot()["clusters"][0]["nodePools"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn an_update_on_a_pool_being_updated_names_the_running_operation() {
    let h = Harness::with_cluster(3).await;
    let created = h.create_pool(json!({"name": "a"})).await.body;
    h.wait(&created).await;
    let resize = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/a:setSize"),
            Some(json!({"nodeCount": 2})),
        )
        .await
        .body;
    let update = h
        .call(
            "PUT",
            &format!("{CLUSTER}/nodePools/a"),
            Some(json!({"labels": {"labels": {"x": "y"}}})),
        )
        .await;
    assert_eq!(update.status, 400);
    assert_eq!(
        update.body["error"],
        json!({"code": 400, "status": "FAILED_PRECONDITION", "message": format!(
            "Operation {} is currently updating node pool a. Please wait and try again once it is done.",
            resize["name"].as_str().unwrap()
        )})
    );
    // Management changes are metadata only and run alongside.
    let management = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/a:setManagement"),
            Some(json!({"management": {"autoRepair": true}})),
        )
        .await;
    assert_eq!(management.status, 200, "{}", management.body);
    h.wait(&resize).await;
    let update = h
        .call(
            "PUT",
            &format!("{CLUSTER}/nodePools/a"),
            Some(json!({"labels": {"labels": {"x": "y"}}})),
        )
        .await;
    assert_eq!(update.status, 200, "{}", update.body);
}

#[tokio::test]
async fn gpu_pools_get_the_gpu_taint_only_next_to_other_pools() {
    let h = Harness::with_cluster(0).await;
    let accelerators = json!([{"acceleratorCount": "1", "acceleratorType": "nvidia-l4"}]);
    h.create_pool(json!({"name": "gpu-first", "config": {"accelerators": accelerators}}))
        .await;
    assert!(h.pool("gpu-first").await["config"].get("taints").is_none());

    h.create_pool(json!({"name": "core"})).await;
    h.create_pool(
        json!({"name": "gpu", "config": {"accelerators": accelerators,
        "taints": [{"key": "team", "value": "ml", "effect": "NO_EXECUTE"}]}}),
    )
    .await;
    let gpu = h.pool("gpu").await;
    assert_eq!(
        gpu["config"]["taints"],
        json!([{"key": "team", "value": "ml", "effect": "NO_EXECUTE"},
               {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}])
    );
    assert_eq!(gpu["config"]["accelerators"][0]["acceleratorCount"], "1");

    // Already tainted by the client: not added twice.
    h.create_pool(
        json!({"name": "gpu2", "config": {"accelerators": accelerators,
        "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]}}),
    )
    .await;
    assert_eq!(
        h.pool("gpu2").await["config"]["taints"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Never added to the pools that were there before.
    assert!(h.pool("gpu-first").await["config"].get("taints").is_none());
}

#[tokio::test]
async fn sizes_live_in_instance_groups_and_follow_set_size_and_autoscaling() {
    let h = Harness::with_cluster(3).await;
    let op = h
        .create_pool(json!({"name": "work", "initialNodeCount": 2}))
        .await
        .body;
    h.wait(&op).await;

    let op = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/work:setSize"),
            Some(json!({"nodeCount": 4})),
        )
        .await
        .body;
    assert_eq!(op["operationType"], "SET_NODE_POOL_SIZE");
    assert_eq!(h.pool("work").await["status"], "RECONCILING");
    let before = h.pool("work").await;
    assert_eq!(
        h.target_sizes(&before).await,
        vec![2, 2, 2],
        "applied only when DONE"
    );
    h.wait(&op).await;
    let pool = h.pool("work").await;
    assert_eq!(pool["status"], "RUNNING");
    assert_eq!(h.target_sizes(&pool).await, vec![4, 4, 4]);
    assert_eq!(
        pool["initialNodeCount"], 2,
        "initialNodeCount is create-only"
    );

    let autoscaling =
        json!({"autoscaling": {"enabled": true, "minNodeCount": 1, "maxNodeCount": 3}});
    let op = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/work:setAutoscaling"),
            Some(autoscaling),
        )
        .await
        .body;
    assert_eq!(op["operationType"], "UPDATE_CLUSTER");
    h.wait(&op).await;
    let pool = h.pool("work").await;
    assert_eq!(
        pool["autoscaling"],
        json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 3, "locationPolicy": "BALANCED"})
    );
    assert_eq!(h.target_sizes(&pool).await, vec![3, 3, 3]);

    let total = json!({"autoscaling": {"enabled": true, "totalMinNodeCount": 0, "totalMaxNodeCount": 4, "locationPolicy": "ANY"}});
    let op = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/work:setAutoscaling"),
            Some(total),
        )
        .await
        .body;
    h.wait(&op).await;
    assert_eq!(h.target_sizes(&h.pool("work").await).await, vec![2, 1, 1]);

    for (bad, needle) in [
        (
            json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 3, "totalMaxNodeCount": 5}),
            "cannot be combined",
        ),
        (
            json!({"enabled": true, "minNodeCount": 4, "maxNodeCount": 3}),
            "min_node_count (4) must be less than or equal to max_node_count (3)",
        ),
        (
            json!({"enabled": true, "minNodeCount": -1, "maxNodeCount": 3}),
            "Must be non-negative",
        ),
    ] {
        let answer = h
            .call(
                "POST",
                &format!("{CLUSTER}/nodePools/work:setAutoscaling"),
                Some(json!({"autoscaling": bad})),
            )
            .await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["error"]["status"], "INVALID_ARGUMENT");
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{}",
            answer.body
        );
    }

    let missing = h
        .call(
            "GET",
            "/compute/v1/projects/p/zones/europe-west1-b/instanceGroupManagers/nope",
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["errors"][0]["reason"], "notFound");
}

#[tokio::test]
async fn updates_replace_labels_and_taints_when_done() {
    let h = Harness::with_cluster(3).await;
    let op = h
        .create_pool(
            json!({"name": "work", "config": {"labels": {"a": "1", "b": "2"},
            "taints": [{"key": "x", "value": "y", "effect": "NO_SCHEDULE"}]}}),
        )
        .await
        .body;
    h.wait(&op).await;
    let etag = h.pool("work").await["etag"].clone();

    let update = json!({"labels": {"labels": {"c": "3"}}, "taints": {}, "machineType": "n2-highmem-8", "diskSizeGb": "200"});
    let op = h
        .call("PUT", &format!("{CLUSTER}/nodePools/work"), Some(update))
        .await;
    assert_eq!(op.status, 200, "{}", op.body);
    assert_eq!(op.body["operationType"], "UPGRADE_NODES");
    let reconciling = h.pool("work").await;
    assert_eq!(reconciling["status"], "RECONCILING");
    assert_eq!(reconciling["config"]["labels"], json!({"a": "1", "b": "2"}));
    h.wait(&op.body).await;
    let pool = h.pool("work").await;
    assert_eq!(pool["config"]["labels"], json!({"c": "3"}));
    assert!(pool["config"].get("taints").is_none());
    assert_eq!(pool["config"]["machineType"], "n2-highmem-8");
    assert_eq!(pool["config"]["diskSizeGb"], 200);
    assert_ne!(pool["etag"], etag);

    let nothing = h
        .call(
            "PUT",
            &format!("{CLUSTER}/nodePools/work"),
            Some(json!({"etag": pool["etag"]})),
        )
        .await;
    assert_eq!(nothing.status, 400);
    assert_eq!(nothing.body["error"]["status"], "INVALID_ARGUMENT");
    let stale = h
        .call(
            "PUT",
            &format!("{CLUSTER}/nodePools/work"),
            Some(json!({"etag": etag, "imageType": "UBUNTU_CONTAINERD"})),
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.body["error"]["status"], "ABORTED");

    let op = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/work:setManagement"),
            Some(json!({"management": {"autoUpgrade": true, "autoRepair": false}})),
        )
        .await
        .body;
    assert_eq!(op["operationType"], "SET_NODE_POOL_MANAGEMENT");
    h.wait(&op).await;
    assert_eq!(
        h.pool("work").await["management"],
        json!({"autoUpgrade": true})
    );

    let op = h
        .call("DELETE", &format!("{CLUSTER}/nodePools/work"), None)
        .await
        .body;
    assert_eq!(op["operationType"], "DELETE_NODE_POOL");
    assert_eq!(h.pool("work").await["status"], "STOPPING");
    h.wait(&op).await;
    assert_eq!(
        h.call("GET", &format!("{CLUSTER}/nodePools/work"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn state_survives_a_restart_with_the_same_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..config(3)
    };
    let first = Harness::start(config.clone()).await;
    first
        .call(
            "POST",
            "/_emulator/gke/clusters",
            Some(json!({"project": "p", "location": "europe-west1", "name": "c"})),
        )
        .await;
    let op = first
        .create_pool(json!({"name": "kept", "initialNodeCount": 1}))
        .await
        .body;
    assert_eq!(op["status"], "RUNNING");
    assert!(dir.path().join("gke.json").exists());
    first.emulator.shutdown().await;

    let second = Harness::start(config).await;
    let pool = second.pool("kept").await;
    assert_eq!(pool["initialNodeCount"], 1);
    // The operation started before the restart still finishes once it is polled.
    let done = second.wait(&op).await;
    assert_eq!(done["operationType"], "CREATE_NODE_POOL");
    assert_eq!(second.pool("kept").await["status"], "RUNNING");
    assert_eq!(second.target_sizes(&pool).await, vec![1, 1, 1]);
}

#[tokio::test]
async fn http_faults_answer_with_googles_error_and_retry_after() {
    let h = Harness::with_cluster(0).await;
    let fault = json!({"method": "POST", "pathContains": "/nodePools", "times": 1, "kind": "http",
        "status": 429, "grpcStatus": "RESOURCE_EXHAUSTED", "message": "Quota exceeded.", "retryAfterSeconds": 3});
    assert_eq!(
        h.call("POST", "/_emulator/faults", Some(fault))
            .await
            .status,
        201
    );

    let throttled = h.create_pool(json!({"name": "a"})).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.retry_after.as_deref(), Some("3"));
    assert_eq!(
        throttled.body,
        json!({"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}})
    );
    assert!(
        h.emulator.snapshot()["clusters"][0]
            .get("nodePools")
            .is_none(),
        "a faulted request changes nothing"
    );

    let retried = h.create_pool(json!({"name": "a"})).await;
    assert_eq!(retried.status, 200, "the fault is used up");

    h.emulator.inject_fault(Fault {
        method: Some("GET".into()),
        path_contains: None,
        times: 2,
        kind: FaultKind::Http {
            status: 503,
            grpc_status: String::new(),
            code: None,
            message: String::new(),
            retry_after_seconds: None,
        },
    });
    let unavailable = h.call("GET", CLUSTER, None).await;
    assert_eq!(
        (
            unavailable.status,
            unavailable.body["error"]["status"].as_str()
        ),
        (503, Some("UNAVAILABLE"))
    );
    assert!(unavailable.retry_after.is_none());
    assert_eq!(h.call("GET", CLUSTER, None).await.status, 503);
    assert_eq!(h.call("GET", CLUSTER, None).await.status, 200);

    let recorded = h.call("GET", "/_emulator/requests", None).await.body;
    let statuses: Vec<u64> = recorded
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![429, 200, 503, 503, 200]);
    assert_eq!(recorded[0]["body"], json!({"nodePool": {"name": "a"}}));
    assert_eq!(
        h.call("DELETE", "/_emulator/requests", None).await.status,
        204
    );
    assert!(h.emulator.requests().is_empty());
}

#[tokio::test]
async fn failed_operations_end_done_with_an_error_and_change_nothing() {
    let h = Harness::with_cluster(2).await;
    let op = h
        .create_pool(json!({"name": "work", "initialNodeCount": 1}))
        .await
        .body;
    h.wait(&op).await;

    h.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some(":setSize".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "Insufficient regional quota to satisfy request.".into(),
        },
    });
    let op = h
        .call(
            "POST",
            &format!("{CLUSTER}/nodePools/work:setSize"),
            Some(json!({"nodeCount": 5})),
        )
        .await;
    assert_eq!(op.status, 200, "the request itself is accepted");
    let done = h.wait(&op.body).await;
    assert_eq!(
        done["error"],
        json!({"code": 13, "message": "Insufficient regional quota to satisfy request."})
    );
    let pool = h.pool("work").await;
    assert_eq!(pool["status"], "RUNNING");
    assert_eq!(h.target_sizes(&pool).await, vec![1, 1, 1]);

    let fault =
        json!({"kind": "failOperation", "pathContains": "/nodePools", "message": "Stockout."});
    h.call("POST", "/_emulator/faults", Some(fault)).await;
    let op = h.create_pool(json!({"name": "doomed"})).await.body;
    let done = h.wait(&op).await;
    assert_eq!(done["error"]["message"], "Stockout.");
    let doomed = h.pool("doomed").await;
    assert_eq!(doomed["status"], "ERROR");
    assert_eq!(doomed["statusMessage"], "Stockout.");
}

#[tokio::test]
async fn delays_and_latency_slow_responses_down() {
    let h = Harness::start(EmulatorConfig {
        latency: Duration::from_millis(30),
        auto_create_clusters: true,
        ..config(0)
    })
    .await;
    h.emulator.inject_fault(Fault {
        method: None,
        path_contains: Some("/clusters/c".into()),
        times: 1,
        kind: FaultKind::Delay { millis: 200 },
    });
    let started = Instant::now();
    let cluster = h.call("GET", CLUSTER, None).await;
    assert!(started.elapsed() >= Duration::from_millis(230));
    assert_eq!(cluster.status, 200, "auto-created on first use");
    assert_eq!(
        cluster.body["locations"],
        json!(["europe-west1-b", "europe-west1-c", "europe-west1-d"])
    );

    let started = Instant::now();
    h.call("GET", CLUSTER, None).await;
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "the latency stays"
    );
    // The delay was used up by the first request.
    let faults = h.call("GET", "/_emulator/faults", None).await;
    assert_eq!(faults.body, json!([]));

    let zonal = h
        .call(
            "GET",
            "/v1/projects/p/locations/us-central1-a/clusters/z",
            None,
        )
        .await
        .body;
    assert_eq!(zonal["locations"], json!(["us-central1-a"]));
}

#[tokio::test]
async fn zero_duration_operations_are_done_at_once() {
    let h = Harness::with_cluster(0).await;
    let op = h.create_pool(json!({"name": "a"})).await.body;
    assert_eq!(op["status"], "DONE");
    assert_eq!(h.pool("a").await["status"], "RUNNING");
}

#[tokio::test]
async fn control_api_snapshot_and_cluster_errors() {
    let h = Harness::with_cluster(0).await;
    let duplicate = h
        .call(
            "POST",
            "/_emulator/gke/clusters",
            Some(json!({"project": "p", "location": "europe-west1", "name": "c"})),
        )
        .await;
    assert_eq!(duplicate.status, 409);
    let unknown = h
        .call(
            "POST",
            "/_emulator/gke/clusters",
            Some(json!({"project": "p", "location": "l", "name": "c", "size": 3})),
        )
        .await;
    assert_eq!(unknown.status, 400);
    let custom = h
        .call(
            "POST",
            "/_emulator/gke/clusters",
            Some(json!({"project": "p", "location": "us-east1", "name": "d",
            "locations": ["us-east1-b"], "version": "1.32.1-gke.1"})),
        )
        .await;
    assert_eq!(custom.status, 200, "{}", custom.body);
    assert_eq!(custom.body["locations"], json!(["us-east1-b"]));
    assert_eq!(custom.body["currentMasterVersion"], "1.32.1-gke.1");

    h.create_pool(json!({"name": "a", "initialNodeCount": 1}))
        .await;
    let state = h.call("GET", "/_emulator/state", None).await.body;
    assert_eq!(state["clusters"].as_array().unwrap().len(), 2);
    assert_eq!(state["operations"][0]["operationType"], "CREATE_NODE_POOL");
    assert_eq!(state["instanceGroupManagers"].as_array().unwrap().len(), 3);
    assert_eq!(state, h.emulator.snapshot());
    assert!(h
        .emulator
        .requests()
        .iter()
        .all(|r| !r.path.starts_with("/_emulator")));

    let faults = h
        .call(
            "POST",
            "/_emulator/faults",
            Some(json!({"kind": "nonsense"})),
        )
        .await;
    assert_eq!(faults.status, 400);
}

#[tokio::test]
async fn resource_labels_change_by_fingerprint_through_an_operation() {
    let h = Harness::with_cluster(1).await;
    let cluster = h.call("GET", CLUSTER, None).await.body;
    let first = cluster["labelFingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    assert_eq!(first.len(), 8, "{first}");
    assert!(cluster.get("resourceLabels").is_none(), "{cluster}");

    let set = h
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({
                "resourceLabels": {"team": "data", "poolctl-lock-0a1b2c3d": "1_2_me"},
                "labelFingerprint": first,
            })),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["operationType"], "SET_LABELS");
    assert_eq!(set.body["status"], "RUNNING");
    assert!(set.body["targetLink"]
        .as_str()
        .is_some_and(|t| t.ends_with("/v1/projects/p/locations/europe-west1/clusters/c")));
    let done = h.wait(&set.body).await;
    assert!(done.get("error").is_none(), "{done}");

    let cluster = h.call("GET", CLUSTER, None).await.body;
    assert_eq!(
        cluster["resourceLabels"],
        json!({"team": "data", "poolctl-lock-0a1b2c3d": "1_2_me"})
    );
    let second = cluster["labelFingerprint"].as_str().unwrap().to_string();
    assert_ne!(first, second);

    // A writer that read before the change holds a stale fingerprint: refused, nothing changes.
    let stale = h
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({"resourceLabels": {"team": "ml"}, "labelFingerprint": first})),
        )
        .await;
    assert_eq!(stale.status, 400, "{}", stale.body);
    assert_eq!(stale.body["error"]["status"], "FAILED_PRECONDITION");
    let message = stale.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("fingerprint mismatch"), "{message}");
    assert!(message.contains(&second), "{message}");
    // So is one that sends none.
    let none = h
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({"resourceLabels": {"team": "ml"}})),
        )
        .await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert_eq!(
        h.call("GET", CLUSTER, None).await.body["resourceLabels"]["team"],
        "data"
    );

    // The map is replaced whole: sending none clears them.
    let cleared = h
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({"resourceLabels": {}, "labelFingerprint": second})),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    h.wait(&cleared.body).await;
    let cluster = h.call("GET", CLUSTER, None).await.body;
    assert!(cluster.get("resourceLabels").is_none(), "{cluster}");

    // Bodies are checked against the contract's SetLabelsRequest, and labels against GCP's rules.
    let print = cluster["labelFingerprint"].as_str().unwrap().to_string();
    let unknown = h
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({"labels": {"a": "b"}, "labelFingerprint": print})),
        )
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert_eq!(unknown.body["error"]["status"], "INVALID_ARGUMENT");
    let upper = h
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({"resourceLabels": {"Team": "b"}, "labelFingerprint": print})),
        )
        .await;
    assert_eq!(upper.status, 400, "{}", upper.body);
    assert_eq!(upper.body["error"]["status"], "INVALID_ARGUMENT");
    let missing = h
        .call(
            "POST",
            "/v1/projects/p/locations/europe-west1/clusters/nope:setResourceLabels",
            Some(json!({"resourceLabels": {}, "labelFingerprint": print})),
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
}

#[tokio::test]
async fn resource_labels_survive_a_restart_with_the_same_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..config(0)
    };
    let first = Harness::start(config.clone()).await;
    first
        .call(
            "POST",
            "/_emulator/gke/clusters",
            Some(json!({"project": "p", "location": "europe-west1", "name": "c"})),
        )
        .await;
    let print = first.call("GET", CLUSTER, None).await.body["labelFingerprint"].clone();
    let set = first
        .call(
            "POST",
            &format!("{CLUSTER}:setResourceLabels"),
            Some(json!({"resourceLabels": {"kept": "yes"}, "labelFingerprint": print})),
        )
        .await;
    assert_eq!(set.body["status"], "DONE", "{}", set.body);
    let after = first.call("GET", CLUSTER, None).await.body["labelFingerprint"].clone();
    first.emulator.shutdown().await;

    let second = Harness::start(config).await;
    let cluster = second.call("GET", CLUSTER, None).await.body;
    assert_eq!(cluster["resourceLabels"], json!({"kept": "yes"}));
    assert_eq!(cluster["labelFingerprint"], after);
}
