//! Fault-injection helpers for the CLI tests: one emulator shared by every test of a file,
//! a cluster of its own per test on each cloud (so that its requests and its faults are its
//! own), faults aimed at that cluster's calls through the emulator's control API in their
//! JSON form, and what the request log and the emulated state say about an apply.

use super::Emu;
use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The emulator every test of the file shares: operations end after two status polls, and
/// clusters appear on first use.
pub fn shared_emulator() -> &'static Emu {
    static EMU: OnceLock<Emu> = OnceLock::new();
    EMU.get_or_init(Emu::start)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cloud {
    Gke,
    Aks,
    Eks,
}

impl Cloud {
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Gke => "gke",
            Cloud::Aks => "aks",
            Cloud::Eks => "eks",
        }
    }

    /// The state a pool rests in once its last operation succeeded.
    pub fn ready_state(self) -> &'static str {
        match self {
            Cloud::Gke => "RUNNING",
            Cloud::Aks => "Succeeded",
            Cloud::Eks => "ACTIVE",
        }
    }
}

/// The pools of every test's blueprint: a static core pool and an autoscaled, tainted
/// workload pool, which the faults aim at.
pub const CORE: &str = "core";
pub const WORK: &str = "work";

/// One of a test's calls, as a fault matches it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    /// A substring of the call's path.
    pub path: String,
    /// A substring of its body, for calls whose path does not name the pool (GKE's and
    /// EKS's creates).
    pub body: Option<String>,
}

/// A pool as the emulated cloud holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePool {
    pub name: String,
    /// Its `poolctl-pool` tag: the blueprint's name for it.
    pub logical: Option<String>,
    pub state: String,
    /// The autoscaler's upper bound, for an autoscaled pool.
    pub max: Option<i64>,
}

/// A test's cluster on one cloud. `key` names it where each cloud's paths show it (the GKE
/// project, the AKS subscription, the EKS cluster), so that no key may be the start of
/// another.
#[derive(Debug, Clone)]
pub struct Target {
    pub cloud: Cloud,
    pub key: String,
}

impl Target {
    pub fn new(cloud: Cloud, scenario: &str) -> Target {
        Target {
            cloud,
            key: format!("f-{}-{}", cloud.name(), scenario.replace('_', "-")),
        }
    }

    /// The blueprint: `core` (2 nodes) and `work` (autoscaled 0..`work_max`, tainted).
    pub fn blueprint(&self, endpoint: &str, work_max: u32) -> String {
        let key = &self.key;
        let (cluster, core_machine, work_machine) = match self.cloud {
            Cloud::Gke => (
                format!(
                    "provider = \"gke\"\nname = \"faults\"\nproject = \"{key}\"\n\
                     location = \"europe-west1\"\nendpoint = \"{endpoint}\"\n"
                ),
                "e2-standard-4",
                "n2-highmem-8",
            ),
            Cloud::Aks => (
                format!(
                    "provider = \"aks\"\nname = \"faults\"\nsubscription = \"{key}\"\n\
                     resource_group = \"rg\"\nendpoint = \"{endpoint}\"\n"
                ),
                "Standard_D4s_v5",
                "Standard_E8s_v5",
            ),
            Cloud::Eks => (
                format!(
                    "provider = \"eks\"\nname = \"{key}\"\nregion = \"eu-west-1\"\n\
                     endpoint = \"{endpoint}\"\n\n[cluster.eks]\n\
                     subnets = [\"subnet-0a1b2c3d\"]\n\
                     node_role = \"arn:aws:iam::123456789012:role/nodes\"\n"
                ),
                "m6i.large",
                "r6i.2xlarge",
            ),
        };
        // GKE counts nodes per zone: a static pool names its zones.
        let core_zones = match self.cloud {
            Cloud::Gke => "zones = [\"europe-west1-b\", \"europe-west1-c\"]\n",
            _ => "",
        };
        format!(
            "[cluster]\n{cluster}\n\
             [pools.{CORE}]\nclass = \"core\"\nmachine_type = \"{core_machine}\"\nsize = 2\n\
             {core_zones}\n\
             [pools.{WORK}]\nclass = \"workload\"\nmachine_type = \"{work_machine}\"\n\
             autoscale = {{ min = 0, max = {work_max} }}\nlabels = {{ tier = \"work\" }}\n\
             taints = [\"tier=work:NoSchedule\"]\n"
        )
    }

    /// Whether a request went to this cluster (its pools, operations, instance groups, tags).
    pub fn owns(&self, request: &RecordedRequest) -> bool {
        match self.cloud {
            Cloud::Gke => request.path.contains(&format!("/projects/{}/", self.key)),
            Cloud::Aks => request
                .path
                .contains(&format!("/subscriptions/{}/", self.key)),
            Cloud::Eks => request.path.contains(&self.key),
        }
    }

    /// This cluster's requests, in order of arrival.
    pub fn requests(&self, emu: &Emu) -> Vec<RecordedRequest> {
        emu.requests()
            .into_iter()
            .filter(|r| self.owns(r))
            .collect()
    }

    fn gke_cluster(&self) -> String {
        format!(
            "/v1/projects/{}/locations/europe-west1/clusters/faults",
            self.key
        )
    }

    fn aks_cluster(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/faults",
            self.key
        )
    }

    /// The call that creates `pool`.
    pub fn create(&self, pool: &str) -> Call {
        match self.cloud {
            Cloud::Gke => Call {
                method: "POST",
                path: format!("{}/nodePools", self.gke_cluster()),
                body: Some(format!("\"name\":\"{pool}\"")),
            },
            Cloud::Aks => Call {
                method: "PUT",
                path: format!("{}/agentPools/{pool}", self.aks_cluster()),
                body: None,
            },
            Cloud::Eks => Call {
                method: "POST",
                path: format!("/clusters/{}/node-groups", self.key),
                body: Some(format!("\"nodegroupName\":\"{pool}\"")),
            },
        }
    }

    /// The call that changes the autoscaling bounds of `pool`.
    pub fn update(&self, pool: &str) -> Call {
        match self.cloud {
            Cloud::Gke => Call {
                method: "POST",
                path: format!("{}/nodePools/{pool}:setAutoscaling", self.gke_cluster()),
                body: None,
            },
            Cloud::Aks => Call {
                method: "PUT",
                path: format!("{}/agentPools/{pool}", self.aks_cluster()),
                body: None,
            },
            Cloud::Eks => Call {
                method: "POST",
                path: format!("/clusters/{}/node-groups/{pool}/update-config", self.key),
                body: None,
            },
        }
    }

    /// The reads that follow the operations on `pool`: GKE's and AKS's operation status
    /// (every operation of the cluster), EKS's DescribeNodegroup of the group.
    pub fn polls(&self, pool: &str) -> Call {
        let path = match self.cloud {
            Cloud::Gke => format!(
                "/v1/projects/{}/locations/europe-west1/operations/",
                self.key
            ),
            Cloud::Aks => format!(
                "/subscriptions/{}/providers/Microsoft.ContainerService/locations/",
                self.key
            ),
            Cloud::Eks => format!("/clusters/{}/node-groups/{pool}", self.key),
        };
        Call {
            method: "GET",
            path,
            body: None,
        }
    }

    /// Sets a fault on `call` through the control API: `kind` holds the kind's JSON
    /// (`{"kind":"http","status":503}`), to which the call's method, path and body are added.
    pub fn inject(&self, emu: &Emu, call: &Call, times: u32, kind: &Value) {
        let mut fault = kind.clone();
        fault["method"] = json!(call.method);
        fault["pathContains"] = json!(call.path);
        fault["times"] = json!(times);
        if let Some(body) = &call.body {
            fault["bodyContains"] = json!(body);
        }
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/_emulator/faults", emu.endpoint()))
            .json(&fault)
            .send()
            .expect("the emulator answers");
        assert_eq!(
            answer.status().as_u16(),
            201,
            "{fault}: {:?}",
            answer.text()
        );
    }

    /// The faults aimed at this cluster that no request has used up yet.
    pub fn pending_faults(&self, emu: &Emu) -> Vec<Value> {
        let faults: Vec<Value> =
            reqwest::blocking::get(format!("{}/_emulator/faults", emu.endpoint()))
                .and_then(|r| r.json())
                .expect("the fault plan");
        faults
            .into_iter()
            .filter(|f| {
                f["pathContains"]
                    .as_str()
                    .is_some_and(|p| p.contains(&format!("/{}", self.key)))
            })
            .collect()
    }

    /// The creates the emulator carried out (answered with a success, or handled before
    /// the connection was dropped), counted by pool name. An EKS create sent again with the
    /// same `clientRequestToken` is the same create, which EKS answers with the group it
    /// made the first time: it is counted once.
    pub fn handled_creates(&self, requests: &[RecordedRequest]) -> BTreeMap<String, usize> {
        let mut seen = std::collections::BTreeSet::new();
        let mut counts = BTreeMap::new();
        for request in requests {
            if !(200..300).contains(&request.status) {
                continue;
            }
            let body = request.body.clone().unwrap_or(Value::Null);
            let name = match self.cloud {
                Cloud::Gke if request.method == "POST" && request.path.ends_with("/nodePools") => {
                    body["nodePool"]["name"].as_str().map(str::to_string)
                }
                // A create carries If-None-Match: *; an update carries the pool's eTag.
                Cloud::Aks
                    if request.method == "PUT" && request.if_none_match.as_deref() == Some("*") =>
                {
                    request.path.rsplit('/').next().map(str::to_string)
                }
                Cloud::Eks
                    if request.method == "POST" && request.path.ends_with("/node-groups") =>
                {
                    let token = body["clientRequestToken"].to_string();
                    body["nodegroupName"]
                        .as_str()
                        .filter(|name| seen.insert((name.to_string(), token)))
                        .map(str::to_string)
                }
                _ => None,
            };
            if let Some(name) = name {
                *counts.entry(name).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The cluster's pools as the emulated cloud holds them (read from its state, which
    /// neither counts as a request nor as a status poll); AKS's own `nodepool1` left out.
    pub fn live(&self, emu: &Emu) -> Vec<LivePool> {
        let tag = |tags: &Value| tags["poolctl-pool"].as_str().map(str::to_string);
        let mut pools: Vec<LivePool> = match self.cloud {
            Cloud::Gke => {
                let state = emu.emulator.snapshot();
                let suffix = format!(
                    "/projects/{}/locations/europe-west1/clusters/faults",
                    self.key
                );
                state["clusters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| c["selfLink"].as_str().is_some_and(|l| l.ends_with(&suffix)))
                    .flat_map(|c| c["nodePools"].as_array().cloned().unwrap_or_default())
                    .map(|p| LivePool {
                        name: p["name"].as_str().unwrap_or_default().to_string(),
                        logical: tag(&p["config"]["resourceLabels"]),
                        state: p["status"].as_str().unwrap_or_default().to_string(),
                        max: p["autoscaling"]["totalMaxNodeCount"].as_i64(),
                    })
                    .collect()
            }
            Cloud::Aks => {
                let state = emu.emulator.aks_snapshot();
                let prefix = format!("{}/agentPools/", self.aks_cluster());
                state["agentPools"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["id"].as_str().is_some_and(|id| id.starts_with(&prefix)))
                    .filter(|p| p["name"] != "nodepool1")
                    .map(|p| LivePool {
                        name: p["name"].as_str().unwrap_or_default().to_string(),
                        logical: tag(&p["properties"]["tags"]),
                        state: p["properties"]["provisioningState"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        max: p["properties"]["maxCount"].as_i64(),
                    })
                    .collect()
            }
            Cloud::Eks => {
                let state = emu.emulator.eks_snapshot();
                state["nodegroups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|g| g["clusterName"] == self.key.as_str())
                    .map(|g| LivePool {
                        name: g["nodegroupName"].as_str().unwrap_or_default().to_string(),
                        logical: tag(&g["tags"]),
                        state: g["status"].as_str().unwrap_or_default().to_string(),
                        max: g["scalingConfig"]["maxSize"].as_i64(),
                    })
                    .collect()
            }
        };
        pools.sort_by(|a, b| a.name.cmp(&b.name));
        pools
    }
}
