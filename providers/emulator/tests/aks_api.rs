//! The emulator's AKS agent-pool API (ARM) through HTTP, as an AKS client sees it.
//! Each test starts its own emulator on 127.0.0.1 and talks to it with reqwest.

use std::path::PathBuf;

use poolctl_emulator::{
    aks_read_only_properties, aks_validate_body, start_loopback, AksAutoscaleRequest,
    AksClusterSpec, EmulatorConfig, Fault, FaultKind, RunningEmulator,
};
use serde_json::{json, Value};

const API: &str = "api-version=2026-08-01";
const SUB: &str = "sub1";
const CLUSTER: &str =
    "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1";

struct Harness {
    emulator: RunningEmulator,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_string())
    }

    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

/// Operations end after `polls` status polls (0: done when they start), whatever the time.
fn config(polls: u32) -> EmulatorConfig {
    EmulatorConfig {
        operation_polls: Some(polls),
        ..EmulatorConfig::default()
    }
}

fn pool_path(name: &str) -> String {
    format!("{CLUSTER}/agentPools/{name}")
}

impl Harness {
    async fn start(config: EmulatorConfig) -> Harness {
        let emulator = start_loopback(config).await.expect("emulator starts");
        Harness {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    /// An emulator with cluster `c1` (location westeurope, System pool `nodepool1`).
    async fn with_cluster(polls: u32) -> Harness {
        let harness = Harness::start(config(polls)).await;
        harness
            .emulator
            .aks_create_cluster(AksClusterSpec {
                subscription: SUB.into(),
                resource_group: "rg1".into(),
                name: "c1".into(),
                location: "westeurope".into(),
                kubernetes_version: Some("1.33.5".into()),
                ..AksClusterSpec::default()
            })
            .expect("cluster created");
        harness
    }

    /// `path` gets `?api-version=2026-08-01` unless it is a full URL or has a query already.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else if path.contains('?') {
            format!("{}{path}", self.emulator.endpoint())
        } else {
            format!("{}{path}?{API}", self.emulator.endpoint())
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(*name, *value);
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

    async fn put(&self, name: &str, properties: Value) -> Answer {
        self.call(
            "PUT",
            &pool_path(name),
            Some(json!({ "properties": properties })),
            &[],
        )
        .await
    }

    async fn pool(&self, name: &str) -> Value {
        let answer = self.call("GET", &pool_path(name), None, &[]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// Polls the Azure-AsyncOperation URL until the operation ends, as a client would.
    async fn wait(&self, answer: &Answer) -> Value {
        let url = answer
            .header("azure-asyncoperation")
            .expect("Azure-AsyncOperation header");
        for _ in 0..100 {
            let status = self.call("GET", &url, None, &[]).await;
            assert_eq!(status.status, 200, "{}", status.body);
            if status.body["status"] != "InProgress" {
                return status.body;
            }
        }
        panic!("operation at {url} never ended");
    }

    /// PUTs and waits for the operation to succeed.
    async fn create(&self, name: &str, properties: Value) -> Value {
        let answer = self.put(name, properties).await;
        assert!(matches!(answer.status, 200 | 201), "{}", answer.body);
        let done = self.wait(&answer).await;
        assert_eq!(done["status"], "Succeeded", "{done}");
        self.pool(name).await
    }
}

#[tokio::test]
async fn create_answers_201_then_the_operation_succeeds_with_akss_defaults() {
    let h = Harness::with_cluster(2).await;
    let created = h
        .put("work", json!({"count": 2, "vmSize": "Standard_D8s_v5"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let pool = &created.body;
    assert_eq!(pool["name"], "work");
    assert_eq!(
        pool["type"],
        "Microsoft.ContainerService/managedClusters/agentPools"
    );
    assert_eq!(pool["id"], format!("{CLUSTER}/agentPools/work"));
    assert_eq!(pool["properties"]["provisioningState"], "Creating");
    assert_eq!(created.header("retry-after").as_deref(), Some("1"));
    let operation_url = created.header("azure-asyncoperation").unwrap();
    let prefix = format!(
        "{}/subscriptions/sub1/providers/Microsoft.ContainerService/locations/westeurope/operations/",
        h.emulator.endpoint()
    );
    assert!(operation_url.starts_with(&prefix), "{operation_url}");
    assert!(operation_url.ends_with("?api-version=2026-08-01"));

    let running = h.call("GET", &operation_url, None, &[]).await;
    assert_eq!(running.body["status"], "InProgress");
    assert!(running.body["startTime"].as_str().unwrap().ends_with('Z'));
    assert!(running.body.get("endTime").is_none());
    let done = h.wait(&created).await;
    assert_eq!(done["status"], "Succeeded");
    assert!(done.get("error").is_none());
    assert!(done["endTime"].as_str().is_some());

    let properties = h.pool("work").await["properties"].clone();
    assert_eq!(properties["provisioningState"], "Succeeded");
    assert_eq!(properties["count"], 2);
    assert_eq!(properties["vmSize"], "Standard_D8s_v5");
    for (key, value) in [
        ("maxPods", json!(110)),
        ("osDiskSizeGB", json!(128)),
        ("osDiskType", json!("Managed")),
        ("kubeletDiskType", json!("OS")),
        ("osSKU", json!("Ubuntu")),
        ("osType", json!("Linux")),
        ("type", json!("VirtualMachineScaleSets")),
        ("mode", json!("User")),
        ("scaleSetPriority", json!("Regular")),
        ("scaleDownMode", json!("Delete")),
        ("enableAutoScaling", json!(false)),
        ("enableNodePublicIP", json!(false)),
        ("enableEncryptionAtHost", json!(false)),
        ("enableFIPS", json!(false)),
        ("upgradeSettings", json!({"maxSurge": "10%"})),
        ("orchestratorVersion", json!("1.33.5")),
        ("currentOrchestratorVersion", json!("1.33.5")),
        ("powerState", json!({"code": "Running"})),
    ] {
        assert_eq!(properties[key], value, "{key}");
    }
    assert!(properties["nodeImageVersion"]
        .as_str()
        .unwrap()
        .starts_with("AKSUbuntu-"));
    assert!(!properties["eTag"].as_str().unwrap().is_empty());
    assert!(properties.get("status").is_none());
}

#[tokio::test]
async fn updates_answer_200_with_a_transitional_state_and_a_new_etag() {
    let h = Harness::with_cluster(1).await;
    let before = h.create("work", json!({"count": 1})).await;
    let etag = before["properties"]["eTag"].clone();

    let scaled = h.put("work", json!({"count": 3})).await;
    assert_eq!(scaled.status, 200, "{}", scaled.body);
    assert_eq!(scaled.body["properties"]["provisioningState"], "Scaling");
    assert_eq!(scaled.body["properties"]["count"], 3);
    assert_ne!(scaled.body["properties"]["eTag"], etag);
    h.wait(&scaled).await;

    let labelled = h
        .put("work", json!({"count": 3, "nodeLabels": {"team": "data"}}))
        .await;
    assert_eq!(labelled.body["properties"]["provisioningState"], "Updating");
    h.wait(&labelled).await;

    let upgraded = h
        .put("work", json!({"orchestratorVersion": "1.34.1"}))
        .await;
    assert_eq!(
        upgraded.body["properties"]["provisioningState"],
        "Upgrading"
    );
    h.wait(&upgraded).await;

    let after = h.pool("work").await["properties"].clone();
    assert_eq!(after["provisioningState"], "Succeeded");
    assert_eq!(after["nodeLabels"], json!({"team": "data"}));
    assert_eq!(after["currentOrchestratorVersion"], "1.34.1");
    // Left out of a PUT, a property keeps its value.
    assert_eq!(after["count"], 3);
    assert_eq!(after["vmSize"], "Standard_D4s_v5");

    // What a GET returns can be PUT back as is (read-only properties included), as
    // GET-modify-PUT clients do.
    let whole = h.pool("work").await;
    let round_trip = h.call("PUT", &pool_path("work"), Some(whole), &[]).await;
    assert_eq!(round_trip.status, 200, "{}", round_trip.body);
    assert_eq!(
        round_trip.body["properties"]["provisioningState"],
        "Updating"
    );
}

#[tokio::test]
async fn deletes_answer_202_then_the_pool_is_gone_and_204_when_absent() {
    let h = Harness::with_cluster(2).await;
    h.create("work", json!({})).await;
    let deleted = h.call("DELETE", &pool_path("work"), None, &[]).await;
    assert_eq!(deleted.status, 202, "{}", deleted.body);
    assert_eq!(deleted.body, Value::Null);
    assert_eq!(deleted.header("retry-after").as_deref(), Some("1"));
    let location = deleted.header("location").expect("Location header");
    assert!(location
        .contains("/providers/Microsoft.ContainerService/locations/westeurope/operationresults/"));
    assert!(location.ends_with("?api-version=2026-08-01"));

    let deleting = h.pool("work").await;
    assert_eq!(deleting["properties"]["provisioningState"], "Deleting");
    let mut answer = h.call("GET", &location, None, &[]).await;
    while answer.status == 202 {
        assert!(answer.header("location").is_some());
        answer = h.call("GET", &location, None, &[]).await;
    }
    assert_eq!(answer.status, 204);
    let gone = h.call("GET", &pool_path("work"), None, &[]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "NotFound");

    let again = h.call("DELETE", &pool_path("work"), None, &[]).await;
    assert_eq!(again.status, 204);
}

#[tokio::test]
async fn lists_are_paged_and_clients_follow_next_link() {
    let h = Harness::start(EmulatorConfig {
        aks_page_size: 2,
        ..config(0)
    })
    .await;
    h.emulator
        .aks_create_cluster(AksClusterSpec {
            subscription: SUB.into(),
            resource_group: "rg1".into(),
            name: "c1".into(),
            location: "westeurope".into(),
            ..AksClusterSpec::default()
        })
        .unwrap();
    for name in ["a", "b", "c", "d"] {
        h.create(name, json!({})).await;
    }
    let mut names = Vec::new();
    let mut pages = 0;
    let mut next = Some(format!("{CLUSTER}/agentPools"));
    while let Some(url) = next {
        let page = h.call("GET", &url, None, &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        for pool in page.body["value"].as_array().unwrap() {
            names.push(pool["name"].as_str().unwrap().to_string());
        }
        next = page.body["nextLink"].as_str().map(str::to_string);
        if let Some(link) = &next {
            assert!(link.starts_with(&h.emulator.endpoint()), "{link}");
            assert!(link.contains("$skipToken=") && link.contains(API), "{link}");
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["nodepool1", "a", "b", "c", "d"]);
    let bad = h
        .call(
            "GET",
            &format!("{CLUSTER}/agentPools?{API}&$skipToken=x"),
            None,
            &[],
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn the_cluster_lists_its_pools_and_unknown_clusters_are_404() {
    let h = Harness::with_cluster(0).await;
    h.create("work", json!({"count": 0})).await;
    let cluster = h.call("GET", CLUSTER, None, &[]).await;
    assert_eq!(cluster.status, 200, "{}", cluster.body);
    assert_eq!(cluster.body["name"], "c1");
    assert_eq!(cluster.body["location"], "westeurope");
    assert_eq!(cluster.body["id"], CLUSTER);
    let properties = &cluster.body["properties"];
    assert_eq!(properties["provisioningState"], "Succeeded");
    assert_eq!(properties["kubernetesVersion"], "1.33.5");
    assert_eq!(properties["currentKubernetesVersion"], "1.33.5");
    let profiles = properties["agentPoolProfiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0]["name"], "nodepool1");
    assert_eq!(profiles[0]["mode"], "System");
    assert_eq!(profiles[0]["count"], 2);
    assert_eq!(profiles[0]["vmSize"], "Standard_D4s_v5");
    assert_eq!(profiles[1]["name"], "work");

    let other = CLUSTER.replace("/c1", "/nope");
    let missing = h.call("GET", &other, None, &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "ResourceNotFound");
    let put = h
        .call(
            "PUT",
            &format!("{other}/agentPools/p"),
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(put.code(), "ResourceNotFound");
}

#[tokio::test]
async fn unknown_clusters_are_created_on_first_use_when_configured() {
    let h = Harness::start(EmulatorConfig {
        auto_create_clusters: true,
        ..config(0)
    })
    .await;
    let pools = h
        .call("GET", &format!("{CLUSTER}/agentPools"), None, &[])
        .await;
    assert_eq!(pools.status, 200, "{}", pools.body);
    assert_eq!(pools.body["value"][0]["name"], "nodepool1");
    let cluster = h.call("GET", CLUSTER, None, &[]).await;
    assert_eq!(cluster.body["location"], "westeurope");
}

#[tokio::test]
async fn paths_and_names_match_without_case_but_keep_their_spelling() {
    let h = Harness::with_cluster(0).await;
    h.create("work", json!({})).await;
    let shouting = "/SUBSCRIPTIONS/SUB1/resourcegroups/RG1/providers/microsoft.containerservice/MANAGEDCLUSTERS/C1/AGENTPOOLS/WORK";
    let pool = h.call("GET", shouting, None, &[]).await;
    assert_eq!(pool.status, 200, "{}", pool.body);
    assert_eq!(pool.body["name"], "work");
    assert_eq!(pool.body["id"], format!("{CLUSTER}/agentPools/work"));
}

#[tokio::test]
async fn one_operation_at_a_time_per_cluster() {
    let h = Harness::with_cluster(3).await;
    let creating = h.put("first", json!({})).await;
    assert_eq!(creating.status, 201);
    let busy = h.put("second", json!({})).await;
    assert_eq!(busy.status, 409, "{}", busy.body);
    assert_eq!(busy.code(), "OperationNotAllowed");
    assert_eq!(
        busy.body["error"]["message"],
        "Operation is not allowed: Another operation (first - Creating) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation"
    );
    let delete = h.call("DELETE", &pool_path("nodepool1"), None, &[]).await;
    assert_eq!(delete.status, 409);
    h.wait(&creating).await;
    assert_eq!(h.put("second", json!({})).await.status, 201);
}

#[tokio::test]
async fn etag_preconditions_guard_puts_and_deletes() {
    let h = Harness::with_cluster(0).await;
    let pool = h.create("work", json!({})).await;
    let etag = pool["properties"]["eTag"].as_str().unwrap().to_string();

    let stale = h
        .call(
            "PUT",
            &pool_path("work"),
            Some(json!({"properties": {"count": 2}})),
            &[("If-Match", "\"not-the-etag\"")],
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert_eq!(stale.code(), "PreconditionFailed");

    let quoted = format!("\"{etag}\"");
    let fresh = h
        .call(
            "PUT",
            &pool_path("work"),
            Some(json!({"properties": {"count": 2}})),
            &[("If-Match", quoted.as_str())],
        )
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    let new_etag = fresh.body["properties"]["eTag"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_etag, etag);

    let exists = h
        .call(
            "PUT",
            &pool_path("work"),
            Some(json!({"properties": {}})),
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(exists.status, 412);
    let not_star = h
        .call(
            "PUT",
            &pool_path("other"),
            Some(json!({"properties": {}})),
            &[("If-None-Match", "\"abc\"")],
        )
        .await;
    assert_eq!(not_star.status, 400, "{}", not_star.body);
    let create_only = h
        .call(
            "PUT",
            &pool_path("other"),
            Some(json!({"properties": {}})),
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(create_only.status, 201, "{}", create_only.body);

    let stale_delete = h
        .call(
            "DELETE",
            &pool_path("work"),
            None,
            &[("If-Match", etag.as_str())],
        )
        .await;
    assert_eq!(stale_delete.status, 412);
    let delete = h
        .call(
            "DELETE",
            &pool_path("work"),
            None,
            &[("If-Match", new_etag.as_str())],
        )
        .await;
    assert_eq!(delete.status, 202, "{}", delete.body);

    let recorded: Vec<_> = h
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(recorded[1].if_match.as_deref(), Some(new_etag.as_str()));
    assert!(h
        .emulator
        .requests()
        .iter()
        .any(|r| r.if_none_match.as_deref() == Some("*")));
}

#[tokio::test]
async fn spot_pools_get_akss_label_taint_and_defaults() {
    let h = Harness::with_cluster(0).await;
    let spot = h
        .create(
            "spot",
            json!({"scaleSetPriority": "Spot", "nodeLabels": {"k": "v"}, "nodeTaints": ["k=v:NoSchedule"]}),
        )
        .await;
    let properties = &spot["properties"];
    assert_eq!(properties["scaleSetEvictionPolicy"], "Delete");
    assert_eq!(properties["spotMaxPrice"], -1);
    assert_eq!(
        properties["nodeLabels"],
        json!({"k": "v", "kubernetes.azure.com/scalesetpriority": "spot"})
    );
    assert_eq!(
        properties["nodeTaints"],
        json!([
            "k=v:NoSchedule",
            "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
        ])
    );
    // A client that leaves AKS's own label and taint out does not remove them.
    let updated = h
        .put("spot", json!({"nodeLabels": {}, "nodeTaints": []}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        updated.body["properties"]["nodeTaints"],
        json!(["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"])
    );

    let system_spot = h
        .put(
            "sysspot",
            json!({"scaleSetPriority": "Spot", "mode": "System"}),
        )
        .await;
    assert_eq!(system_spot.status, 400, "{}", system_spot.body);
    assert_eq!(system_spot.code(), "InvalidParameter");
}

#[tokio::test]
async fn immutable_properties_cannot_change() {
    let h = Harness::with_cluster(0).await;
    h.create("work", json!({"vmSize": "Standard_D4s_v5"})).await;
    for change in [
        json!({"vmSize": "Standard_D8s_v5"}),
        json!({"osDiskSizeGB": 256}),
        json!({"maxPods": 50}),
        json!({"availabilityZones": ["1"]}),
        json!({"scaleSetPriority": "Spot"}),
        json!({"osSKU": "Windows2022"}),
        json!({"enableFIPS": true}),
    ] {
        let refused = h.put("work", change.clone()).await;
        assert_eq!(refused.status, 400, "{change}: {}", refused.body);
        assert_eq!(refused.code(), "PropertyChangeNotAllowed", "{change}");
    }
    // Same values, in another case, and a move between Ubuntu and AzureLinux are fine.
    let same = h
        .put(
            "work",
            json!({"vmSize": "standard_d4s_v5", "osSKU": "AzureLinux"}),
        )
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
}

#[tokio::test]
async fn the_last_system_pool_is_protected() {
    let h = Harness::with_cluster(0).await;
    let delete = h.call("DELETE", &pool_path("nodepool1"), None, &[]).await;
    assert_eq!(delete.status, 400, "{}", delete.body);
    assert_eq!(
        delete.body["error"]["message"],
        "There has to be at least one system agent pool."
    );
    let demote = h.put("nodepool1", json!({"mode": "User"})).await;
    assert_eq!(demote.status, 400, "{}", demote.body);
    let zero = h.put("nodepool1", json!({"count": 0})).await;
    assert_eq!(zero.status, 400);
    assert!(zero.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("minCount:1"));

    h.create("system2", json!({"mode": "System"})).await;
    let delete = h.call("DELETE", &pool_path("nodepool1"), None, &[]).await;
    assert_eq!(delete.status, 202, "{}", delete.body);
}

#[tokio::test]
async fn semantic_rules_refuse_bad_counts_bounds_taints_and_names() {
    let h = Harness::with_cluster(0).await;
    for (name, properties) in [
        ("Upper", json!({})),
        ("waytoolongname", json!({})),
        ("count", json!({"count": 1001})),
        ("nobounds", json!({"enableAutoScaling": true})),
        (
            "inverted",
            json!({"enableAutoScaling": true, "minCount": 3, "maxCount": 2, "count": 2}),
        ),
        (
            "outside",
            json!({"enableAutoScaling": true, "minCount": 1, "maxCount": 2, "count": 5}),
        ),
        (
            "sysmin",
            json!({"mode": "System", "enableAutoScaling": true, "minCount": 0, "maxCount": 2, "count": 1}),
        ),
        ("stray", json!({"enableAutoScaling": false, "minCount": 1})),
        ("taint", json!({"nodeTaints": ["dedicated=gpu"]})),
        ("effect", json!({"nodeTaints": ["dedicated=gpu:Sometimes"]})),
    ] {
        let refused = h.put(name, properties.clone()).await;
        assert_eq!(refused.status, 400, "{name} {properties}: {}", refused.body);
        assert_eq!(refused.code(), "InvalidParameter", "{name}");
    }
    let autoscaled = h
        .create(
            "auto",
            json!({"enableAutoScaling": true, "minCount": 0, "maxCount": 5, "count": 0}),
        )
        .await;
    assert_eq!(autoscaled["properties"]["minCount"], 0);
    // Autoscaling off: the bounds go.
    let off = h.put("auto", json!({"enableAutoScaling": false})).await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert!(off.body["properties"].get("minCount").is_none());
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let h = Harness::with_cluster(0).await;
    let missing = h.call("GET", &format!("{CLUSTER}?"), None, &[]).await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body,
        json!({"error": {"code": "MissingApiVersionParameter", "message": "The api-version query parameter (?api-version=) is required for all requests."}})
    );
    let old = h
        .call(
            "GET",
            &format!("{CLUSTER}?api-version=2019-01-01"),
            None,
            &[],
        )
        .await;
    assert_eq!(old.status, 400);
    assert_eq!(old.code(), "InvalidApiVersionParameter");
    assert!(old.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2026-08-01"));
}

#[tokio::test]
async fn bodies_are_checked_against_the_official_model() {
    let h = Harness::with_cluster(0).await;
    let unknown = h.put("work", json!({"vmsize": "Standard_D4s_v5"})).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.code(), "InvalidRequestContent");
    assert_eq!(unknown.body["error"]["target"], "properties.vmsize");
    let bad_enum = h.put("work", json!({"osSKU": "Debian"})).await;
    assert_eq!(bad_enum.status, 400);
    assert_eq!(bad_enum.code(), "InvalidParameter");
    let wrong_type = h.put("work", json!({"nodeTaints": "a=b:NoSchedule"})).await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(wrong_type.code(), "UnmarshalError");
    let top_level = h
        .call(
            "PUT",
            &pool_path("work"),
            Some(json!({"location": "x"})),
            &[],
        )
        .await;
    assert_eq!(top_level.code(), "InvalidRequestContent");
    let url = format!("{}{}?{API}", h.emulator.endpoint(), pool_path("work"));
    let malformed = h
        .http
        .put(url)
        .header("content-type", "application/json")
        .body("{\"properties\":")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);

    // Read-only properties are accepted and ignored, as ARM does; the log keeps them as sent.
    let body = json!({"name": "work", "properties": {"eTag": "x", "provisioningState": "Failed", "count": 1}});
    let accepted = h
        .call("PUT", &pool_path("work"), Some(body.clone()), &[])
        .await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    assert_ne!(accepted.body["properties"]["eTag"], "x");
    assert_eq!(
        aks_read_only_properties(&body),
        ["name", "properties.eTag", "properties.provisioningState"]
    );
    let logged = h.emulator.requests();
    assert_eq!(logged.last().unwrap().body.as_ref(), Some(&body));
    assert!(aks_validate_body(&json!({"properties": {"maxPods": "110"}})).is_err());
}

#[tokio::test]
async fn http_faults_answer_in_arms_shape_with_retry_after() {
    let h = Harness::with_cluster(0).await;
    let fault = |status: u16, code: Option<&str>, retry: Option<u64>| Fault {
        method: Some("PUT".into()),
        path_contains: Some("/agentPools/".into()),
        times: 1,
        kind: FaultKind::Http {
            status,
            grpc_status: String::new(),
            code: code.map(str::to_string),
            message: String::new(),
            retry_after_seconds: retry,
        },
    };
    h.emulator.inject_fault(fault(429, None, Some(7)));
    let throttled = h.put("work", json!({})).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.code(), "Throttled");
    assert_eq!(throttled.header("retry-after").as_deref(), Some("7"));
    let message = throttled.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("request limit has been exceeded for SubID='sub1'"),
        "{message}"
    );
    assert!(message.contains("retry again in 7 seconds"), "{message}");

    h.emulator.inject_fault(fault(409, None, None));
    let busy = h.put("work", json!({})).await;
    assert_eq!((busy.status, busy.code()), (409, "OperationNotAllowed"));
    assert!(busy.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Another operation (work - Updating)"));

    h.emulator
        .inject_fault(fault(503, Some("ServerBusy"), None));
    let unavailable = h.put("work", json!({})).await;
    assert_eq!(
        (unavailable.status, unavailable.code()),
        (503, "ServerBusy")
    );
    assert!(unavailable.header("retry-after").is_none());

    h.emulator.inject_fault(Fault {
        method: Some("PUT".into()),
        path_contains: None,
        times: 1,
        kind: FaultKind::LoseAnswer { status: 500 },
    });
    let lost = h.put("work", json!({})).await;
    assert_eq!((lost.status, lost.code()), (500, "InternalServerError"));
    // The lost answer's request was handled: the pool exists.
    assert_eq!(h.pool("work").await["name"], "work");
    assert!(h.emulator.requests().iter().all(|r| r.status != 0));
}

#[tokio::test]
async fn a_failed_operation_leaves_the_pool_failed_with_its_error() {
    let h = Harness::with_cluster(1).await;
    h.emulator.inject_fault(Fault {
        method: Some("PUT".into()),
        path_contains: Some("/agentPools/broken".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "Allocation failed: no Standard_D4s_v5 capacity.".into(),
        },
    });
    let created = h.put("broken", json!({})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let done = h.wait(&created).await;
    assert_eq!(done["status"], "Failed");
    assert_eq!(
        done["error"],
        json!({"code": "InternalOperationError", "message": "Allocation failed: no Standard_D4s_v5 capacity."})
    );
    let pool = h.pool("broken").await;
    assert_eq!(pool["properties"]["provisioningState"], "Failed");
    assert_eq!(
        pool["properties"]["status"]["provisioningError"]["message"],
        "Allocation failed: no Standard_D4s_v5 capacity."
    );
    // A later PUT is free to fix it.
    let fixed = h.put("broken", json!({})).await;
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    h.wait(&fixed).await;
    let pool = h.pool("broken").await;
    assert_eq!(pool["properties"]["provisioningState"], "Succeeded");
    assert!(pool["properties"].get("status").is_none());

    h.emulator.inject_fault(Fault {
        method: Some("DELETE".into()),
        path_contains: None,
        times: 1,
        kind: FaultKind::FailOperation {
            message: String::new(),
        },
    });
    let deleted = h.call("DELETE", &pool_path("broken"), None, &[]).await;
    let location = deleted.header("location").unwrap();
    let result = h.call("GET", &location, None, &[]).await;
    assert_eq!(result.status, 500, "{}", result.body);
    assert_eq!(result.code(), "InternalOperationError");
    assert_eq!(
        h.pool("broken").await["properties"]["provisioningState"],
        "Failed"
    );
}

#[tokio::test]
async fn the_autoscaler_moves_count_within_bounds() {
    let h = Harness::with_cluster(0).await;
    let before = h
        .create(
            "auto",
            json!({"enableAutoScaling": true, "minCount": 1, "maxCount": 5, "count": 1}),
        )
        .await;
    let request = |count| AksAutoscaleRequest {
        subscription: SUB.into(),
        resource_group: "rg1".into(),
        cluster: "c1".into(),
        pool: "auto".into(),
        count,
    };
    h.emulator.aks_autoscale(request(4)).unwrap();
    let after = h.pool("auto").await;
    assert_eq!(after["properties"]["count"], 4);
    assert_ne!(after["properties"]["eTag"], before["properties"]["eTag"]);
    assert!(h.emulator.aks_autoscale(request(9)).is_err());

    let endpoint = format!("{}/_emulator/aks/autoscaler", h.emulator.endpoint());
    let moved = h
        .http
        .post(&endpoint)
        .json(&json!({"subscription": SUB, "resourceGroup": "rg1", "cluster": "c1", "pool": "auto", "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 204);
    assert_eq!(h.pool("auto").await["properties"]["count"], 2);
    let manual = h
        .http
        .post(&endpoint)
        .json(&json!({"subscription": SUB, "resourceGroup": "rg1", "cluster": "c1", "pool": "nodepool1", "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(manual.status(), 400);
}

#[tokio::test]
async fn the_control_api_creates_clusters_and_shows_the_state() {
    let h = Harness::start(config(0)).await;
    let url = format!("{}/_emulator/aks/clusters", h.emulator.endpoint());
    let spec = json!({"subscription": "s2", "resourceGroup": "g", "name": "k", "location": "northeurope", "kubernetesVersion": "1.32.7"});
    let created = h.http.post(&url).json(&spec).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        body["properties"]["agentPoolProfiles"][0]["orchestratorVersion"],
        "1.32.7"
    );
    let again = h.http.post(&url).json(&spec).send().await.unwrap();
    assert_eq!(again.status(), 409);
    let unknown = h
        .http
        .post(&url)
        .json(&json!({"subscription": "s", "resourceGroup": "g", "name": "k", "location": "x", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let state: Value = h
        .http
        .get(format!("{}/_emulator/aks/state", h.emulator.endpoint()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, h.emulator.aks_snapshot());
    assert_eq!(state["managedClusters"][0]["name"], "k");
    assert_eq!(state["agentPools"][0]["name"], "nodepool1");
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
        .aks_create_cluster(AksClusterSpec {
            subscription: SUB.into(),
            resource_group: "rg1".into(),
            name: "c1".into(),
            location: "westeurope".into(),
            ..AksClusterSpec::default()
        })
        .unwrap();
    let created = h.put("work", json!({"count": 3})).await;
    assert_eq!(created.status, 201);
    let url = created.header("azure-asyncoperation").unwrap();
    let path = url.replace(&h.emulator.endpoint(), "");
    h.emulator.shutdown().await;

    // A second emulator on the same folder: the pool, and its running operation, carry on.
    let h = Harness::start(state_config()).await;
    let pool = h.pool("work").await;
    assert_eq!(pool["properties"]["count"], 3);
    let done = h.call("GET", &path, None, &[]).await;
    assert_eq!(done.body["status"], "Succeeded", "{}", done.body);
    assert_eq!(
        h.pool("work").await["properties"]["provisioningState"],
        "Succeeded"
    );

    // A state file written before the emulator served AKS still loads.
    let old = tempfile::tempdir().unwrap();
    std::fs::write(
        old.path().join("gke.json"),
        r#"{"format":1,"gke":{"clusters":{},"operations":[],"sequence":0}}"#,
    )
    .unwrap();
    let h = Harness::start(EmulatorConfig {
        state_dir: Some(old.path().to_path_buf()),
        ..config(0)
    })
    .await;
    assert_eq!(h.emulator.aks_snapshot()["managedClusters"], json!([]));
}

/// Where the official ARM examples are: `POOLCTL_AKS_EXAMPLES`, else `../shared` of the repository.
fn examples_dir() -> Option<PathBuf> {
    // .ci/run sets `none`, and says so, when the examples are not beside the repository:
    // they are on no package registry.
    if std::env::var("POOLCTL_AKS_EXAMPLES").as_deref() == Ok("none") {
        eprintln!("skipped: POOLCTL_AKS_EXAMPLES=none");
        return None;
    }
    let dir = match std::env::var_os("POOLCTL_AKS_EXAMPLES") {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/api-specs/aks/examples")
        }
    };
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the official AKS examples are missing at {} (set POOLCTL_AKS_EXAMPLES)",
        dir.display()
    );
    eprintln!("skipped: no AKS examples at {}", dir.display());
    None
}

/// Every property of `expected` is in `actual`, with the same JSON type, all the way down.
fn assert_same_shape(expected: &Value, actual: &Value, path: &str) {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert_eq!(
        kind(expected),
        kind(actual),
        "{path}: {expected} vs {actual}"
    );
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                let child = format!("{path}.{key}");
                let other = actual
                    .get(key)
                    .unwrap_or_else(|| panic!("{child} is missing from the emulator's answer"));
                assert_same_shape(value, other, &child);
            }
        }
        (Value::Array(expected), Value::Array(actual)) => {
            if let (Some(e), Some(a)) = (expected.first(), actual.first()) {
                assert_same_shape(e, a, &format!("{path}[0]"));
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn the_official_examples_are_accepted_and_answered_in_their_shape() {
    let Some(dir) = examples_dir() else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut creates = 0;
    for file in &files {
        let example: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = file.display();
        let parameters = &example["parameters"];
        let h = Harness::start(EmulatorConfig {
            auto_create_clusters: true,
            ..config(0)
        })
        .await;
        let cluster = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            parameters["subscriptionId"].as_str().unwrap(),
            parameters["resourceGroupName"].as_str().unwrap(),
            parameters["resourceName"].as_str().unwrap()
        );
        let pool_name = parameters["agentPoolName"].as_str().unwrap_or("agentpool1");
        let pool = format!("{cluster}/agentPools/{pool_name}");
        for (status, response) in example["responses"].as_object().unwrap() {
            if let Some(body) = response.get("body") {
                assert_eq!(
                    aks_validate_body(body.get("value").and_then(|v| v.get(0)).unwrap_or(body)),
                    Ok(()),
                    "{name} {status}"
                );
            }
        }
        match example["operationId"].as_str().unwrap() {
            "AgentPools_CreateOrUpdate" => {
                creates += 1;
                let request = &parameters["parameters"];
                assert_eq!(aks_validate_body(request), Ok(()), "{name}");
                let created = h.call("PUT", &pool, Some(request.clone()), &[]).await;
                assert_eq!(created.status, 201, "{name}: {}", created.body);
                assert_eq!(aks_validate_body(&created.body), Ok(()), "{name}");
                assert_same_shape(
                    &example["responses"]["201"]["body"],
                    &created.body,
                    &format!("{name} 201"),
                );
                let read = h.call("GET", &pool, None, &[]).await;
                assert_same_shape(
                    &example["responses"]["200"]["body"],
                    &read.body,
                    &format!("{name} 200"),
                );
            }
            "AgentPools_Get" => {
                h.call("PUT", &pool, Some(json!({"properties": {}})), &[])
                    .await;
                let read = h.call("GET", &pool, None, &[]).await;
                assert_same_shape(
                    &example["responses"]["200"]["body"],
                    &read.body,
                    &format!("{name}"),
                );
            }
            "AgentPools_List" => {
                let list = h
                    .call("GET", &format!("{cluster}/agentPools"), None, &[])
                    .await;
                assert_same_shape(
                    &example["responses"]["200"]["body"],
                    &list.body,
                    &format!("{name}"),
                );
            }
            "AgentPools_Delete" => {
                h.call("PUT", &pool, Some(json!({"properties": {}})), &[])
                    .await;
                let deleted = h.call("DELETE", &pool, None, &[]).await;
                assert_eq!(deleted.status, 202, "{name}");
                let expected = example["responses"]["202"]["headers"]["location"]
                    .as_str()
                    .unwrap();
                let actual = deleted.header("location").unwrap();
                let tail = |url: &str| {
                    let (path, query) = url.split_once('?').unwrap();
                    let path = path
                        .rsplit_once('/')
                        .unwrap()
                        .0
                        .rsplit_once("/locations/")
                        .unwrap()
                        .1
                        .split_once('/')
                        .unwrap()
                        .1
                        .to_string();
                    (path, query.to_string())
                };
                assert_eq!(tail(expected), tail(&actual), "{name}");
                let absent = h.call("DELETE", &pool, None, &[]).await;
                assert_eq!(absent.status, 204, "{name}");
            }
            other => panic!("{name}: no check for {other}"),
        }
    }
    assert!(
        creates >= 4,
        "only {creates} create examples in {}",
        dir.display()
    );
}

/// The managed cluster's tags resource (ARM's Tags API at its own api-version).
fn tags_path() -> String {
    format!("{CLUSTER}/providers/Microsoft.Resources/tags/default?api-version=2021-04-01")
}

#[tokio::test]
async fn cluster_tags_merge_and_delete_by_name_through_arms_tags_api() {
    let h = Harness::with_cluster(0).await;
    let read = h.call("GET", &tags_path(), None, &[]).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(
        read.body,
        json!({
            "id": format!("{CLUSTER}/providers/Microsoft.Resources/tags/default"),
            "name": "default",
            "type": "Microsoft.Resources/tags",
            "properties": {"tags": {}},
        })
    );

    let patch = |operation: &str, tags: Value| json!({"operation": operation, "properties": {"tags": tags}});
    let merged = h
        .call(
            "PATCH",
            &tags_path(),
            Some(patch("Merge", json!({"costCenter": "42"}))),
            &[],
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    // Someone else's tag, written between two of ours, stays: Merge names only its own.
    let ours = h
        .call(
            "PATCH",
            &tags_path(),
            Some(patch("Merge", json!({"poolctl-lock-0a1b2c3d": "1_2_me"}))),
            &[],
        )
        .await;
    assert_eq!(
        ours.body["properties"]["tags"],
        json!({"costCenter": "42", "poolctl-lock-0a1b2c3d": "1_2_me"})
    );
    // The managed cluster shows the same tags.
    let cluster = h.call("GET", CLUSTER, None, &[]).await;
    assert_eq!(cluster.body["tags"]["costCenter"], "42");

    // Delete by name and value: a different value deletes nothing, the right one does.
    let kept = h
        .call(
            "PATCH",
            &tags_path(),
            Some(patch("Delete", json!({"poolctl-lock-0a1b2c3d": "other"}))),
            &[],
        )
        .await;
    assert_eq!(
        kept.body["properties"]["tags"].as_object().unwrap().len(),
        2
    );
    let deleted = h
        .call(
            "PATCH",
            &tags_path(),
            Some(patch("Delete", json!({"poolctl-lock-0a1b2c3d": "1_2_me"}))),
            &[],
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        deleted.body["properties"]["tags"],
        json!({"costCenter": "42"})
    );
    // Deleting what is not there is no error.
    let again = h
        .call(
            "PATCH",
            &tags_path(),
            Some(patch("Delete", json!({"poolctl-lock-0a1b2c3d": "1_2_me"}))),
            &[],
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);

    // Strict bodies, reserved characters, api-versions and missing clusters.
    let unknown = h
        .call(
            "PATCH",
            &tags_path(),
            Some(json!({"operation": "Merge", "tags": {"a": "b"}})),
            &[],
        )
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert_eq!(unknown.code(), "InvalidRequestContent");
    let reserved = h
        .call(
            "PATCH",
            &tags_path(),
            Some(patch("Merge", json!({"a/b": "c"}))),
            &[],
        )
        .await;
    assert_eq!(reserved.status, 400, "{}", reserved.body);
    assert_eq!(reserved.code(), "InvalidTagNameCharacters");
    let wrong_version = h
        .call(
            "GET",
            &format!("{CLUSTER}/providers/Microsoft.Resources/tags/default?{API}"),
            None,
            &[],
        )
        .await;
    assert_eq!(wrong_version.status, 400, "{}", wrong_version.body);
    assert_eq!(wrong_version.code(), "InvalidApiVersionParameter");
    let missing = h
        .call(
            "GET",
            "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/nope/providers/Microsoft.Resources/tags/default?api-version=2021-04-01",
            None,
            &[],
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(missing.code(), "ResourceNotFound");
}

#[tokio::test]
async fn cluster_tags_survive_a_restart_with_the_same_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig {
        state_dir: Some(dir.path().to_path_buf()),
        auto_create_clusters: true,
        ..config(0)
    };
    let first = Harness::start(config.clone()).await;
    let merged = first
        .call(
            "PATCH",
            &tags_path(),
            Some(json!({"operation": "Merge", "properties": {"tags": {"kept": "yes"}}})),
            &[],
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    first.emulator.shutdown().await;
    let second = Harness::start(config).await;
    let read = second.call("GET", &tags_path(), None, &[]).await;
    assert_eq!(read.body["properties"]["tags"], json!({"kept": "yes"}));
}
