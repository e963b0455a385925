//! The emulator's EKS node-group API (REST-JSON, 2017-11-01) through HTTP, as an EKS client sees
//! it: plain JSON, as the botocore model shapes it. Each test starts its own emulator on 127.0.0.1.

use poolctl_emulator::{
    start_loopback, EksAutoscaleRequest, EksClusterSpec, EmulatorConfig, Fault, FaultKind,
    RunningEmulator,
};
use serde_json::{json, Value};

const REGION: &str = "eu-west-1";
const ROLE: &str = "arn:aws:iam::123456789012:role/nodes";

struct Harness {
    emulator: RunningEmulator,
    http: reqwest::Client,
    /// The region the SigV4 credential scope names; `None` sends no Authorization header.
    region: Option<String>,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn error_type(&self) -> String {
        self.headers
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// Changes end after `polls` status polls (0: done when they start), whatever the time.
fn config(polls: u32) -> EmulatorConfig {
    EmulatorConfig {
        operation_polls: Some(polls),
        ..EmulatorConfig::default()
    }
}

fn groups() -> String {
    "/clusters/c1/node-groups".to_string()
}

fn group(name: &str) -> String {
    format!("/clusters/c1/node-groups/{name}")
}

fn create_body(name: &str) -> Value {
    json!({
        "nodegroupName": name,
        "subnets": ["subnet-0a1", "subnet-0b2"],
        "nodeRole": ROLE,
        "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 2},
        "instanceTypes": ["m6i.large"],
        "labels": {"team": "data"},
        "clientRequestToken": format!("token-{name}"),
    })
}

/// Percent-encodes an ARN as an SDK puts it in the path (`:` and `/` escaped).
fn encode(arn: &str) -> String {
    arn.replace(':', "%3A").replace('/', "%2F")
}

impl Harness {
    async fn start(config: EmulatorConfig) -> Harness {
        let emulator = start_loopback(config).await.expect("emulator starts");
        Harness {
            emulator,
            http: reqwest::Client::new(),
            region: Some(REGION.to_string()),
        }
    }

    /// An emulator with cluster `c1` in eu-west-1.
    async fn with_cluster(polls: u32) -> Harness {
        let harness = Harness::start(config(polls)).await;
        harness
            .emulator
            .eks_create_cluster(EksClusterSpec {
                region: REGION.into(),
                name: "c1".into(),
                version: Some("1.33".into()),
            })
            .expect("cluster created");
        harness
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let url = format!("{}{path}", self.emulator.endpoint());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, url);
        if let Some(region) = &self.region {
            request = request.header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/{region}/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"),
            );
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn create(&self, name: &str) -> Answer {
        self.call("POST", &groups(), Some(create_body(name))).await
    }

    async fn describe(&self, name: &str) -> Answer {
        self.call("GET", &group(name), None).await
    }

    /// Describes until the group is no longer CREATING, UPDATING or DELETING.
    async fn settle(&self, name: &str) -> Answer {
        for _ in 0..50 {
            let answer = self.describe(name).await;
            let status = answer.body["nodegroup"]["status"].as_str().unwrap_or("");
            if answer.status != 200 || !["CREATING", "UPDATING", "DELETING"].contains(&status) {
                return answer;
            }
        }
        panic!("node group {name} never settled");
    }

    /// Describes until the group is ACTIVE and `shows` its requested configuration, as a client
    /// of an eventually consistent API must.
    async fn wait_for(&self, name: &str, shows: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..50 {
            let group = self.describe(name).await.body["nodegroup"].clone();
            if group["status"] == "ACTIVE" && shows(&group) {
                return group;
            }
        }
        panic!("node group {name} never became ACTIVE with the requested configuration");
    }

    async fn active(&self, name: &str) -> Value {
        let created = self.create(name).await;
        assert_eq!(created.status, 200, "{}", created.body);
        let settled = self.settle(name).await;
        assert_eq!(
            settled.body["nodegroup"]["status"], "ACTIVE",
            "{}",
            settled.body
        );
        settled.body["nodegroup"].clone()
    }

    async fn update_config(&self, name: &str, body: Value) -> Answer {
        self.call(
            "POST",
            &format!("{}/update-config", group(name)),
            Some(body),
        )
        .await
    }

    async fn describe_update(&self, name: &str, id: &str) -> Answer {
        self.call(
            "GET",
            &format!("/clusters/c1/updates/{id}?nodegroupName={name}"),
            None,
        )
        .await
    }

    async fn control(&self, path: &str, body: Value) -> Answer {
        let url = format!("{}/_emulator/eks/{path}", self.emulator.endpoint());
        let response = self.http.post(url).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }
}

fn assert_invalid(answer: &Answer, needle: &str) {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error_type(), "InvalidParameterException");
    let message = answer.body["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

#[tokio::test]
async fn a_created_node_group_goes_creating_then_active_with_eks_defaults() {
    let h = Harness::with_cluster(2).await;
    let cluster = h.call("GET", "/clusters/c1", None).await;
    assert_eq!(cluster.status, 200);
    assert_eq!(cluster.body["cluster"]["status"], "ACTIVE");
    assert_eq!(cluster.body["cluster"]["version"], "1.33");
    assert_eq!(
        cluster.body["cluster"]["arn"],
        "arn:aws:eks:eu-west-1:123456789012:cluster/c1"
    );

    let created = h
        .call(
            "POST",
            &groups(),
            Some(json!({"nodegroupName": "plain", "subnets": ["subnet-1"], "nodeRole": ROLE})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let group = &created.body["nodegroup"];
    assert_eq!(group["status"], "CREATING");
    assert_eq!(group["clusterName"], "c1");
    assert_eq!(group["capacityType"], "ON_DEMAND");
    assert_eq!(group["amiType"], "AL2023_x86_64_STANDARD");
    assert_eq!(group["diskSize"], 20);
    assert_eq!(group["instanceTypes"], json!(["t3.medium"]));
    assert_eq!(group["version"], "1.33");
    assert!(group["releaseVersion"]
        .as_str()
        .unwrap()
        .starts_with("1.33."));
    assert_eq!(
        group["scalingConfig"],
        json!({"minSize": 1, "maxSize": 2, "desiredSize": 2})
    );
    assert_eq!(group["updateConfig"], json!({"maxUnavailable": 1}));
    assert_eq!(group["health"], json!({"issues": []}));
    assert!(group["createdAt"].is_number(), "epoch seconds: {group}");
    let arn = group["nodegroupArn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:eks:eu-west-1:123456789012:nodegroup/c1/plain/"),
        "{arn}"
    );
    assert_eq!(arn.rsplit('/').next().unwrap().len(), 36, "{arn}");

    assert_eq!(
        h.describe("plain").await.body["nodegroup"]["status"],
        "CREATING"
    );
    assert_eq!(
        h.describe("plain").await.body["nodegroup"]["status"],
        "ACTIVE"
    );

    // desiredSize defaults to minSize; a launch template leaves diskSize out and reads CUSTOM.
    let templated = h
        .call(
            "POST",
            &groups(),
            Some(json!({
                "nodegroupName": "lt", "subnets": ["subnet-1"], "nodeRole": ROLE,
                "scalingConfig": {"minSize": 3, "maxSize": 5},
                "launchTemplate": {"name": "gpu-template", "version": "4"},
            })),
        )
        .await;
    let group = &templated.body["nodegroup"];
    assert_eq!(group["scalingConfig"]["desiredSize"], 3, "{group}");
    assert_eq!(group.get("diskSize"), None);
    assert_eq!(group.get("instanceTypes"), None);
    assert_eq!(group["amiType"], "CUSTOM");
    assert_eq!(
        group["launchTemplate"],
        json!({"name": "gpu-template", "version": "4"})
    );

    // The same clientRequestToken again is the same create; another one is a conflict.
    let first = h.create("twice").await;
    let again = h.create("twice").await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body["nodegroup"]["nodegroupArn"],
        first.body["nodegroup"]["nodegroupArn"]
    );
    let mut other = create_body("twice");
    other["clientRequestToken"] = json!("another");
    let conflict = h.call("POST", &groups(), Some(other)).await;
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.error_type(), "ResourceInUseException");
    assert_eq!(conflict.body["clusterName"], "c1");
    assert_eq!(conflict.body["nodegroupName"], "twice");
}

#[tokio::test]
async fn node_groups_are_listed_in_pages_that_clients_follow_by_next_token() {
    let h = Harness::with_cluster(0).await;
    for name in ["a", "b", "c", "d", "e"] {
        assert_eq!(h.create(name).await.status, 200);
    }
    let first = h.call("GET", &groups(), None).await;
    assert_eq!(first.body["nodegroups"], json!(["a", "b", "c"]));
    let token = first.body["nextToken"].as_str().unwrap().to_string();
    let second = h
        .call("GET", &format!("{}?nextToken={token}", groups()), None)
        .await;
    assert_eq!(second.body["nodegroups"], json!(["d", "e"]));
    assert_eq!(second.body.get("nextToken"), None);

    // maxResults only lowers the page size.
    let small = h
        .call("GET", &format!("{}?maxResults=2", groups()), None)
        .await;
    assert_eq!(small.body["nodegroups"], json!(["a", "b"]));
    let big = h
        .call("GET", &format!("{}?maxResults=100", groups()), None)
        .await;
    assert_eq!(big.body["nodegroups"], json!(["a", "b", "c"]));
    let bad = h
        .call("GET", &format!("{}?maxResults=0", groups()), None)
        .await;
    assert_invalid(&bad, "maxResults");
}

#[tokio::test]
async fn the_first_describe_after_update_config_is_stale_and_deltas_apply_at_the_end() {
    let h = Harness::with_cluster(2).await;
    h.active("work").await;
    let mut body = create_body("tainted");
    body["taints"] = json!([
        {"key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE"},
        {"key": "spot", "effect": "PREFER_NO_SCHEDULE"},
    ]);
    body["labels"] = json!({"team": "data", "tier": "batch"});
    let created = h.call("POST", &groups(), Some(body)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    h.settle("tainted").await;

    let update = h
        .update_config(
            "tainted",
            json!({
                "labels": {"addOrUpdateLabels": {"team": "ml", "new": "yes"}, "removeLabels": ["tier"]},
                "taints": {
                    "addOrUpdateTaints": [{"key": "dedicated", "value": "ml", "effect": "NO_SCHEDULE"}],
                    "removeTaints": [{"key": "spot"}],
                },
                "scalingConfig": {"desiredSize": 3},
            }),
        )
        .await;
    assert_eq!(update.status, 200, "{}", update.body);
    let update = &update.body["update"];
    assert_eq!(update["status"], "InProgress");
    assert_eq!(update["type"], "ConfigUpdate");
    assert_eq!(update["errors"], json!([]));
    let params = update["params"].as_array().unwrap();
    let param = |kind: &str| {
        params
            .iter()
            .find(|p| p["type"] == kind)
            .map(|p| p["value"].as_str().unwrap().to_string())
    };
    assert_eq!(param("DesiredSize").as_deref(), Some("3"));
    let added: Value = serde_json::from_str(&param("LabelsToAdd").unwrap()).unwrap();
    assert_eq!(added, json!({"team": "ml", "new": "yes"}));
    assert!(param("LabelsToRemove").unwrap().contains("tier"));
    assert!(param("TaintsToAdd").is_some() && param("TaintsToRemove").is_some());
    let id = update["id"].as_str().unwrap().to_string();

    // Eventual consistency: the first read says ACTIVE with the old configuration.
    let stale = h.describe("tainted").await.body["nodegroup"].clone();
    assert_eq!(stale["status"], "ACTIVE");
    assert_eq!(stale["labels"], json!({"team": "data", "tier": "batch"}));
    let updating = h.describe("tainted").await.body["nodegroup"].clone();
    assert_eq!(updating["status"], "UPDATING");
    assert_eq!(
        updating["labels"]["team"], "data",
        "old config until the end"
    );

    let done = h.describe_update("tainted", &id).await;
    assert_eq!(done.body["update"]["status"], "Successful", "{}", done.body);
    let group = h.describe("tainted").await.body["nodegroup"].clone();
    assert_eq!(group["status"], "ACTIVE");
    assert_eq!(group["labels"], json!({"team": "ml", "new": "yes"}));
    assert_eq!(
        group["taints"],
        json!([{"key": "dedicated", "value": "ml", "effect": "NO_SCHEDULE"}])
    );
    assert_eq!(group["scalingConfig"]["desiredSize"], 3);

    let listed = h
        .call("GET", "/clusters/c1/updates?nodegroupName=tainted", None)
        .await;
    assert_eq!(listed.body["updateIds"], json!([id]));

    // A version update: VersionUpdate with its params, applied at the end.
    let version = h
        .call(
            "POST",
            &format!("{}/update-version", group_path("work")),
            Some(json!({"version": "1.33", "releaseVersion": "1.33.4-20261201"})),
        )
        .await;
    assert_eq!(version.status, 200, "{}", version.body);
    assert_eq!(version.body["update"]["type"], "VersionUpdate");
    let settled = h.settle("work").await;
    assert_eq!(
        settled.body["nodegroup"]["releaseVersion"],
        "1.33.4-20261201"
    );
}

fn group_path(name: &str) -> String {
    group(name)
}

#[tokio::test]
async fn one_change_at_a_time_per_node_group_but_node_groups_change_in_parallel() {
    let h = Harness::with_cluster(3).await;
    h.active("a").await;
    h.active("b").await;
    let first = h
        .update_config("a", json!({"scalingConfig": {"desiredSize": 3}}))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let busy = h
        .update_config("a", json!({"scalingConfig": {"desiredSize": 4}}))
        .await;
    assert_eq!(busy.status, 409, "{}", busy.body);
    assert_eq!(busy.error_type(), "ResourceInUseException");
    assert_eq!(busy.body["clusterName"], "c1");
    assert_eq!(busy.body["nodegroupName"], "a");
    assert!(busy.body["message"].is_string());
    let delete = h.call("DELETE", &group("a"), None).await;
    assert_eq!(delete.status, 409);

    // Another group of the same cluster changes meanwhile.
    let second = h
        .update_config("b", json!({"labels": {"addOrUpdateLabels": {"x": "y"}}}))
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    // The first read of each is stale (ACTIVE, old config): a client waits for both.
    let stale = h.describe("a").await.body["nodegroup"].clone();
    assert_eq!(stale["status"], "ACTIVE");
    assert_eq!(stale["scalingConfig"]["desiredSize"], 2);
    let a = h
        .wait_for("a", |g| g["scalingConfig"]["desiredSize"] == 3)
        .await;
    let b = h.wait_for("b", |g| g["labels"]["x"] == "y").await;
    assert_eq!(a["scalingConfig"]["desiredSize"], 3);
    assert_eq!(b["labels"]["x"], "y");
    assert_eq!(
        (a["status"].as_str(), b["status"].as_str()),
        (Some("ACTIVE"), Some("ACTIVE"))
    );
}

#[tokio::test]
async fn invalid_requests_get_invalid_parameter_exception() {
    let h = Harness::with_cluster(0).await;
    let mut body = create_body("bad");
    body["scalingConfig"] = json!({"minSize": 2, "maxSize": 3, "desiredSize": 1});
    assert_invalid(
        &h.call("POST", &groups(), Some(body)).await,
        "Minimum capacity 2 can't be greater than desired size 1",
    );
    let mut body = create_body("bad");
    body["amiType"] = json!("UBUNTU");
    assert_invalid(
        &h.call("POST", &groups(), Some(body)).await,
        "enum value set",
    );
    let mut body = create_body("bad");
    body["instanceType"] = json!("m5.large");
    assert_invalid(&h.call("POST", &groups(), Some(body)).await, "instanceType");
    let mut body = create_body("bad");
    body["diskSize"] = json!(50);
    body["launchTemplate"] = json!({"id": "lt-0123"});
    assert_invalid(
        &h.call("POST", &groups(), Some(body)).await,
        "launch template",
    );
    let mut body = create_body("bad");
    body["launchTemplate"] = json!({"id": "lt-0123", "name": "x"});
    assert_invalid(&h.call("POST", &groups(), Some(body)).await, "not both");
    let mut body = create_body("bad");
    body["nodeRole"] = json!("nodes");
    assert_invalid(&h.call("POST", &groups(), Some(body)).await, "IAM role");
    let mut body = create_body("bad");
    body["subnets"] = json!([]);
    assert_invalid(&h.call("POST", &groups(), Some(body)).await, "ubnet");
    let mut body = create_body("bad");
    body["labels"] = json!({"k": "v".repeat(64)});
    assert_invalid(&h.call("POST", &groups(), Some(body)).await, "1-63");
    let mut body = create_body("bad");
    body["taints"] = json!([{"key": "k", "effect": "NoSchedule"}]);
    assert_invalid(&h.call("POST", &groups(), Some(body)).await, "NO_SCHEDULE");
    let missing = h
        .call(
            "POST",
            &groups(),
            Some(json!({"nodegroupName": "x", "nodeRole": ROLE})),
        )
        .await;
    assert_invalid(&missing, "subnets");
    assert_eq!(h.describe("bad").await.status, 404, "nothing was created");

    h.active("good").await;
    // An immutable member is not in UpdateNodegroupConfig's shape at all.
    assert_invalid(
        &h.update_config("good", json!({"instanceTypes": ["m5.xlarge"]}))
            .await,
        "instanceTypes",
    );
    assert_invalid(
        &h.update_config("good", json!({"scalingConfig": {"minSize": 3}}))
            .await,
        "Minimum capacity 3 can't be greater than desired size 2",
    );
    assert_invalid(
        &h.update_config(
            "good",
            json!({"labels": {"addOrUpdateLabels": {"team": "data"}}}),
        )
        .await,
        "No changes",
    );
    let version = h
        .call(
            "POST",
            &format!("{}/update-version", group("good")),
            Some(json!({"launchTemplate": {"name": "t", "version": "2"}})),
        )
        .await;
    assert_invalid(&version, "without one");
    let missing = h
        .update_config("nope", json!({"scalingConfig": {"desiredSize": 1}}))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_type(), "ResourceNotFoundException");
}

#[tokio::test]
async fn a_failed_update_reports_its_errors_and_keeps_the_old_config() {
    let h = Harness::with_cluster(1).await;
    h.active("work").await;
    h.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("update-config".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "Nodes could not drain".into(),
        },
    });
    let update = h
        .update_config("work", json!({"scalingConfig": {"desiredSize": 4}}))
        .await;
    assert_eq!(update.status, 200, "{}", update.body);
    let id = update.body["update"]["id"].as_str().unwrap().to_string();
    let failed = h.describe_update("work", &id).await.body["update"].clone();
    assert_eq!(failed["status"], "Failed");
    assert_eq!(failed["errors"][0]["errorMessage"], "Nodes could not drain");
    assert!(failed["errors"][0]["errorCode"].is_string());
    assert!(failed["errors"][0]["resourceIds"][0]
        .as_str()
        .unwrap()
        .starts_with("eks-work-"));
    // Back to ACTIVE with the old config, on the (stale) first read and on the next.
    for _ in 0..2 {
        let group = h.describe("work").await.body["nodegroup"].clone();
        assert_eq!(group["status"], "ACTIVE");
        assert_eq!(group["scalingConfig"]["desiredSize"], 2);
    }
}

#[tokio::test]
async fn a_failed_create_ends_create_failed_with_a_health_issue() {
    let h = Harness::with_cluster(1).await;
    h.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("node-groups".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "Instances failed to join the kubernetes cluster".into(),
        },
    });
    assert_eq!(h.create("broken").await.status, 200);
    let group = h.settle("broken").await.body["nodegroup"].clone();
    assert_eq!(group["status"], "CREATE_FAILED");
    assert_eq!(group["health"]["issues"][0]["code"], "NodeCreationFailure");
    assert_eq!(
        group["health"]["issues"][0]["message"],
        "Instances failed to join the kubernetes cluster"
    );
    // It can be deleted, not updated.
    let update = h
        .update_config("broken", json!({"scalingConfig": {"desiredSize": 1}}))
        .await;
    assert_eq!(update.status, 400);
    assert_eq!(
        h.call("DELETE", &group_path("broken"), None).await.status,
        200
    );
}

#[tokio::test]
async fn health_issues_put_a_group_degraded_and_back() {
    let h = Harness::with_cluster(0).await;
    h.active("work").await;
    let set = h
        .control(
            "health",
            json!({"region": REGION, "cluster": "c1", "nodegroup": "work",
                   "issues": [{"code": "AsgInstanceLaunchFailures", "message": "capacity"}]}),
        )
        .await;
    assert_eq!(set.status, 204, "{}", set.body);
    let group = h.describe("work").await.body["nodegroup"].clone();
    assert_eq!(group["status"], "DEGRADED");
    assert_eq!(
        group["health"]["issues"][0]["code"],
        "AsgInstanceLaunchFailures"
    );
    assert_eq!(group["health"]["issues"][0]["message"], "capacity");
    let bad = h
        .control(
            "health",
            json!({"region": REGION, "cluster": "c1", "nodegroup": "work",
                   "issues": [{"code": "Broken", "message": "x"}]}),
        )
        .await;
    assert_eq!(bad.status, 400);
    let clear = h
        .control(
            "health",
            json!({"region": REGION, "cluster": "c1", "nodegroup": "work", "issues": []}),
        )
        .await;
    assert_eq!(clear.status, 204);
    let group = h.describe("work").await.body["nodegroup"].clone();
    assert_eq!(group["status"], "ACTIVE");
    assert_eq!(group["health"]["issues"], json!([]));
}

#[tokio::test]
async fn a_deleted_group_goes_deleting_then_not_found() {
    let h = Harness::with_cluster(1).await;
    h.active("work").await;
    let deleted = h.call("DELETE", &group("work"), None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.body["nodegroup"]["status"], "DELETING");
    let gone = h.describe("work").await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.error_type(), "ResourceNotFoundException");
    assert_eq!(gone.body["message"], "No node group found for name: work.");
    assert_eq!(gone.body["nodegroupName"], "work");
    assert_eq!(
        h.call("GET", &groups(), None).await.body["nodegroups"],
        json!([])
    );
}

#[tokio::test]
async fn tags_are_added_listed_and_removed_by_percent_encoded_arn() {
    let h = Harness::with_cluster(0).await;
    let mut body = create_body("work");
    body["tags"] = json!({"owner": "data"});
    h.call("POST", &groups(), Some(body)).await;
    let arn = h.describe("work").await.body["nodegroup"]["nodegroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/tags/{}", encode(&arn));
    let tagged = h
        .call(
            "POST",
            &path,
            Some(json!({"tags": {"env": "prod", "cost": "42"}})),
        )
        .await;
    assert_eq!(tagged.status, 200, "{}", tagged.body);
    let listed = h.call("GET", &path, None).await;
    assert_eq!(
        listed.body["tags"],
        json!({"owner": "data", "env": "prod", "cost": "42"})
    );
    let untagged = h
        .call("DELETE", &format!("{path}?tagKeys=env&tagKeys=cost"), None)
        .await;
    assert_eq!(untagged.status, 200);
    assert_eq!(
        h.describe("work").await.body["nodegroup"]["tags"],
        json!({"owner": "data"})
    );
    let reserved = h
        .call("POST", &path, Some(json!({"tags": {"aws:x": "y"}})))
        .await;
    assert_eq!(reserved.status, 400);
    assert_eq!(reserved.error_type(), "BadRequestException");
    let missing = h
        .call(
            "GET",
            &format!(
                "/tags/{}",
                encode("arn:aws:eks:eu-west-1:123456789012:cluster/nope")
            ),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_type(), "NotFoundException");
    let cluster = h
        .call(
            "POST",
            &format!(
                "/tags/{}",
                encode("arn:aws:eks:eu-west-1:123456789012:cluster/c1")
            ),
            Some(json!({"tags": {"k": "v"}})),
        )
        .await;
    assert_eq!(cluster.status, 200);
}

#[tokio::test]
async fn the_autoscaler_moves_desired_size_within_bounds() {
    let h = Harness::with_cluster(0).await;
    h.active("work").await;
    h.emulator
        .eks_autoscale(EksAutoscaleRequest {
            region: REGION.into(),
            cluster: "c1".into(),
            nodegroup: "work".into(),
            desired: 4,
        })
        .unwrap();
    assert_eq!(
        h.describe("work").await.body["nodegroup"]["scalingConfig"]["desiredSize"],
        4
    );
    let outside = h
        .control(
            "autoscaler",
            json!({"region": REGION, "cluster": "c1", "nodegroup": "work", "desired": 5}),
        )
        .await;
    assert_eq!(outside.status, 400);
    let inside = h
        .control(
            "autoscaler",
            json!({"region": REGION, "cluster": "c1", "nodegroup": "work", "desired": 1}),
        )
        .await;
    assert_eq!(inside.status, 204);
}

#[tokio::test]
async fn the_snapshot_shows_nodes_with_the_labels_eks_adds() {
    let h = Harness::with_cluster(0).await;
    let mut body = create_body("spot");
    body["capacityType"] = json!("SPOT");
    body["taints"] = json!([{"key": "spot", "value": "true", "effect": "NO_EXECUTE"}]);
    h.call("POST", &groups(), Some(body)).await;
    let group = h.describe("spot").await.body["nodegroup"].clone();
    assert_eq!(group["labels"], json!({"team": "data"}), "not in the API");
    let url = format!("{}/_emulator/eks/state", h.emulator.endpoint());
    let state: Value = h.http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(state, h.emulator.eks_snapshot());
    let nodes = state["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "desiredSize nodes");
    let labels = &nodes[0]["labels"];
    assert_eq!(labels["team"], "data");
    assert_eq!(labels["eks.amazonaws.com/nodegroup"], "spot");
    assert_eq!(labels["eks.amazonaws.com/capacityType"], "SPOT");
    assert!(labels["eks.amazonaws.com/nodegroup-image"]
        .as_str()
        .unwrap()
        .starts_with("ami-"));
    assert_eq!(
        nodes[0]["taints"],
        json!([{"key": "spot", "value": "true", "effect": "NoExecute"}])
    );
    assert_eq!(state["nodegroups"][0]["nodegroupName"], "spot");
    assert_eq!(state["clusters"][0]["region"], REGION);
}

#[tokio::test]
async fn the_region_comes_from_the_sigv4_credential_scope() {
    let mut h = Harness::with_cluster(0).await;
    h.active("work").await;
    h.region = Some("us-west-2".into());
    let elsewhere = h.call("GET", "/clusters/c1", None).await;
    assert_eq!(elsewhere.status, 404);
    assert_eq!(elsewhere.error_type(), "ResourceNotFoundException");
    assert_eq!(elsewhere.body["message"], "No cluster found for name: c1.");
    h.region = None;
    assert_eq!(h.call("GET", "/clusters/c1", None).await.status, 404);
    h.emulator
        .eks_create_cluster(EksClusterSpec {
            region: "us-east-1".into(),
            name: "c1".into(),
            version: None,
        })
        .unwrap();
    assert_eq!(
        h.call("GET", &groups(), None).await.body["nodegroups"],
        json!([])
    );
    h.region = Some(REGION.into());
    assert_eq!(
        h.call("GET", &groups(), None).await.body["nodegroups"],
        json!(["work"])
    );

    // With auto_create_clusters an unknown cluster appears on first use, at version 1.33.
    let auto = Harness::start(EmulatorConfig {
        auto_create_clusters: true,
        ..config(0)
    })
    .await;
    let cluster = auto.call("GET", "/clusters/fresh", None).await;
    assert_eq!(cluster.status, 200);
    assert_eq!(cluster.body["cluster"]["version"], "1.33");
}

#[tokio::test]
async fn state_survives_a_restart_with_the_same_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let state_config = || EmulatorConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..config(2)
    };
    let h = Harness::start(state_config()).await;
    h.emulator
        .eks_create_cluster(EksClusterSpec {
            region: REGION.into(),
            name: "c1".into(),
            version: None,
        })
        .unwrap();
    assert_eq!(h.create("work").await.status, 200);
    h.emulator.shutdown().await;

    let h = Harness::start(state_config()).await;
    assert_eq!(
        h.describe("work").await.body["nodegroup"]["status"],
        "CREATING"
    );
    assert_eq!(
        h.describe("work").await.body["nodegroup"]["status"],
        "ACTIVE"
    );
    assert_eq!(
        h.emulator.eks_snapshot()["nodes"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn faults_answer_in_the_aws_error_shape_and_requests_record_answers() {
    let h = Harness::with_cluster(0).await;
    h.emulator.inject_fault(Fault {
        method: Some("GET".into()),
        path_contains: Some("/clusters/c1/node-groups".into()),
        times: 1,
        kind: FaultKind::Http {
            status: 429,
            grpc_status: String::new(),
            code: None,
            message: String::new(),
            retry_after_seconds: None,
        },
    });
    let throttled = h.call("GET", &groups(), None).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.error_type(), "ThrottlingException");
    assert_eq!(
        throttled.body,
        json!({"message": "Rate exceeded", "clusterName": "c1"})
    );
    assert!(throttled.headers.get("retry-after").is_none());
    h.emulator.inject_fault(Fault {
        method: None,
        path_contains: Some("/clusters/c1".into()),
        times: 1,
        kind: FaultKind::Http {
            status: 503,
            grpc_status: String::new(),
            code: None,
            message: "try later".into(),
            retry_after_seconds: None,
        },
    });
    let unavailable = h.call("GET", "/clusters/c1", None).await;
    assert_eq!(unavailable.error_type(), "ServiceUnavailableException");
    assert_eq!(unavailable.body, json!({"message": "try later"}));
    let ok = h.call("GET", &groups(), None).await;
    assert_eq!(ok.status, 200);

    let requests = h.emulator.requests();
    let last = requests.last().unwrap();
    assert_eq!(last.path, "/clusters/c1/node-groups");
    assert_eq!(last.status, 200);
    assert_eq!(last.response, Some(json!({"nodegroups": []})));
    assert!(last
        .authorization
        .as_deref()
        .unwrap()
        .contains("/eu-west-1/eks/aws4_request"));
    assert_eq!(
        requests[0].response,
        Some(json!({"message": "Rate exceeded", "clusterName": "c1"}))
    );
}

#[tokio::test]
async fn cluster_tags_are_set_listed_and_removed_per_key_on_the_cluster_arn() {
    let h = Harness::with_cluster(0).await;
    let cluster = h.call("GET", "/clusters/c1", None).await;
    assert_eq!(cluster.status, 200, "{}", cluster.body);
    let arn = cluster.body["cluster"]["arn"]
        .as_str()
        .expect("DescribeCluster names the ARN")
        .to_string();
    assert_eq!(arn, "arn:aws:eks:eu-west-1:123456789012:cluster/c1");
    let path = format!("/tags/{}", encode(&arn));
    let listed = h.call("GET", &path, None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    // No tags: the member is left out (the model's TagMap holds at least one entry).
    assert_eq!(listed.body, json!({}));

    for tags in [
        json!({"team": "data"}),
        json!({"poolctl-lock-0a1b2c3d": "1_2_me"}),
    ] {
        let tagged = h.call("POST", &path, Some(json!({ "tags": tags }))).await;
        assert_eq!(tagged.status, 200, "{}", tagged.body);
    }
    let listed = h.call("GET", &path, None).await;
    assert_eq!(
        listed.body["tags"],
        json!({"team": "data", "poolctl-lock-0a1b2c3d": "1_2_me"})
    );
    assert_eq!(
        h.call("GET", "/clusters/c1", None).await.body["cluster"]["tags"],
        listed.body["tags"]
    );
    // UntagResource removes only the keys it names; an absent key is no error.
    for _ in 0..2 {
        let untagged = h
            .call(
                "DELETE",
                &format!("{path}?tagKeys=poolctl-lock-0a1b2c3d"),
                None,
            )
            .await;
        assert_eq!(untagged.status, 200, "{}", untagged.body);
    }
    assert_eq!(
        h.call("GET", &path, None).await.body["tags"],
        json!({"team": "data"})
    );
    // A cluster of another region is another ARN.
    let elsewhere = h
        .call(
            "GET",
            &format!(
                "/tags/{}",
                encode("arn:aws:eks:us-east-1:123456789012:cluster/c1")
            ),
            None,
        )
        .await;
    assert_eq!(elsewhere.status, 404, "{}", elsewhere.body);
    assert_eq!(elsewhere.error_type(), "NotFoundException");
}
