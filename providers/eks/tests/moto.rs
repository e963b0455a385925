//! The EKS provider against moto's server (a third-party EKS emulator from PyPI, `moto[server]`
//! 5.2): create, list, update and delete node groups through the public API.
//!
//! Where moto differs from real EKS (as found here), the test says so:
//! - node groups are ACTIVE at once, and a deleted one is gone at once (no CREATING/DELETING);
//! - UpdateNodegroupConfig is applied at once and answered with a Successful update, and
//!   there is no DescribeUpdate (moto has no route for it: a plain 404) and no
//!   UpdateNodegroupVersion;
//! - TagResource/UntagResource only know clusters: a node group's ARN is
//!   ResourceNotFoundException, so node-group tags can only be set at create;
//! - a node group created without `diskSize` reads back the string "20" (real EKS: a number),
//!   so this test always sends `disk_gb`;
//! - it needs the cluster to exist (CreateCluster) and a well-formed role ARN, but checks
//!   neither subnets nor instance types.
//!
//! moto_server is taken from `POOLCTL_MOTO_SERVER`, else from PATH. Without it the test is
//! skipped with a reason, except in CI (`CI` true or 1), where it fails unless
//! `POOLCTL_MOTO_UNAVAILABLE` gives the reason pip could not install it.

use aws_sdk_eks::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_eks::types::VpcConfigRequest;
use poolctl_eks::EksProvider;
use poolctl_provider::{
    ClusterTarget, Effect, ExtraValue, Field, NoProgress, PoolSpec, PoolUpdate, Provider,
    ProviderError, Scaling, Taint,
};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
const CLUSTER: &str = "moto-cluster";
const ROLE: &str = "arn:aws:iam::123456789012:role/eks-nodes";

/// Stops the server when the test ends, however it ends.
struct MotoServer {
    child: Child,
    url: String,
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // Only the process this test started, by its id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_moto_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("POOLCTL_MOTO_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("moto_server"))
        .find(|candidate| candidate.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The server, or `None` (with the reason printed) when the test may be skipped.
fn start_moto() -> Option<MotoServer> {
    let Some(binary) = find_moto_server() else {
        let reason = "moto_server not found (set POOLCTL_MOTO_SERVER, or `pip install \
                      'moto[server]'` to put it on PATH)";
        if in_ci() {
            match std::env::var("POOLCTL_MOTO_UNAVAILABLE") {
                Ok(why) if !why.is_empty() => {
                    eprintln!("skipping the moto test in CI: {why}");
                    return None;
                }
                _ => panic!("{reason}; CI must run the moto test"),
            }
        }
        eprintln!("skipping the moto test: {reason}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port");
    let child = Command::new(&binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let server = MotoServer {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto_server did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

async fn create_cluster(url: &str) {
    let config = aws_sdk_eks::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
        .endpoint_url(url)
        .build();
    aws_sdk_eks::Client::from_conf(config)
        .create_cluster()
        .name(CLUSTER)
        .role_arn("arn:aws:iam::123456789012:role/eks-cluster")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("subnet-a")
                .subnet_ids("subnet-b")
                .build(),
        )
        .send()
        .await
        .expect("moto creates the cluster");
}

fn spec(name: &str, scaling: Scaling) -> PoolSpec {
    let mut spec = PoolSpec {
        name: name.into(),
        machine_type: "m6i.large".into(),
        scaling,
        labels: BTreeMap::from([("team".into(), "data".into())]),
        taints: vec![Taint::new("dedicated", "data", Effect::NoSchedule)],
        spot: false,
        gpu: None,
        disk_gb: Some(50),
        zones: vec![],
        tags: BTreeMap::from([
            ("poolctl-pool".into(), name.into()),
            ("poolctl-blueprint".into(), CLUSTER.into()),
        ]),
        extras: BTreeMap::from([
            (
                Field::Subnets,
                ExtraValue::List(vec!["subnet-b".into(), "subnet-a".into()]),
            ),
            (Field::NodeRole, ExtraValue::Text(ROLE.into())),
            (
                Field::AmiType,
                ExtraValue::Text("AL2023_x86_64_STANDARD".into()),
            ),
        ]),
    };
    spec.normalize();
    spec
}

#[tokio::test(flavor = "multi_thread")]
async fn node_groups_live_and_die_on_moto() {
    let Some(moto) = start_moto() else {
        return;
    };
    std::env::set_var("POOLCTL_EKS_AUTH", "none");
    create_cluster(&moto.url).await;
    let provider = EksProvider::connect(&ClusterTarget {
        provider: "eks".into(),
        name: CLUSTER.into(),
        project: None,
        resource_group: None,
        location: Some(REGION.into()),
        endpoint: Some(moto.url.clone()),
        compute_endpoint: None,
    })
    .await
    .expect("connect");
    provider.cluster().await.expect("the cluster exists");

    let core = spec("core", Scaling::Fixed { nodes: 2 });
    let mut batch = spec("batch", Scaling::Autoscale { min: 1, max: 5 });
    batch.spot = true;
    batch.extras.insert(
        Field::InstanceTypes,
        ExtraValue::List(vec!["m6i.large".into(), "m5.large".into()]),
    );
    provider
        .create_pool(&core, &NoProgress)
        .await
        .expect("create core");
    provider
        .create_pool(&batch, &NoProgress)
        .await
        .expect("create batch");

    let again = provider.create_pool(&core, &NoProgress).await;
    assert!(
        matches!(&again, Err(ProviderError::Api { code, .. }) if code == "ResourceInUseException"),
        "{again:?}"
    );

    let pools = provider.list_pools().await.expect("list");
    let names: Vec<&str> = pools.iter().map(|p| p.spec.name.as_str()).collect();
    assert_eq!(names, ["batch", "core"]);
    let live_core = &pools[1];
    assert_eq!(live_core.spec, core_with_live_extras(&core));
    assert_eq!(live_core.health.status, "ACTIVE");
    let live_batch = &pools[0];
    assert_eq!(
        live_batch.spec.scaling,
        Scaling::Autoscale { min: 1, max: 5 }
    );
    assert!(live_batch.spec.spot);
    assert_eq!(
        live_batch.spec.extras.get(&Field::InstanceTypes),
        Some(&ExtraValue::List(vec![
            "m6i.large".into(),
            "m5.large".into()
        ]))
    );

    // One UpdateNodegroupConfig: a label changed, one added, one taint's value changed,
    // another added, and bounds that leave desiredSize (1) alone.
    let labels = BTreeMap::from([
        ("team".to_string(), "ml".to_string()),
        ("tier".to_string(), "batch".to_string()),
    ]);
    let taints = vec![
        Taint::new("dedicated", "ml", Effect::NoSchedule),
        Taint::new("spot", "", Effect::PreferNoSchedule),
    ];
    provider
        .update_pool(
            "batch",
            &[
                PoolUpdate::Labels(labels.clone()),
                PoolUpdate::Taints(taints.clone()),
                PoolUpdate::Scaling(Scaling::Autoscale { min: 0, max: 8 }),
            ],
            &NoProgress,
        )
        .await
        .expect("update batch");
    // Labels removed, and bounds that push desiredSize (2) up to the new floor.
    provider
        .update_pool(
            "core",
            &[
                PoolUpdate::Labels(BTreeMap::new()),
                PoolUpdate::Taints(vec![]),
                PoolUpdate::Scaling(Scaling::Autoscale { min: 3, max: 6 }),
            ],
            &NoProgress,
        )
        .await
        .expect("update core");

    let pools = provider.list_pools().await.expect("list");
    let batch_now = &pools[0].spec;
    assert_eq!(batch_now.labels, labels);
    assert_eq!(batch_now.taints, taints);
    assert_eq!(batch_now.scaling, Scaling::Autoscale { min: 0, max: 8 });
    let core_now = &pools[1].spec;
    assert!(core_now.labels.is_empty() && core_now.taints.is_empty());
    assert_eq!(core_now.scaling, Scaling::Autoscale { min: 3, max: 6 });

    // moto tags clusters only: the node group's ARN is not found there.
    let mut tags = core.tags.clone();
    tags.insert("cost-center".into(), "42".into());
    let tagged = provider
        .update_pool("core", &[PoolUpdate::Tags(tags)], &NoProgress)
        .await;
    assert!(
        matches!(&tagged, Err(ProviderError::Api { code, .. }) if code == "ResourceNotFoundException"),
        "{tagged:?}"
    );

    let health = provider
        .wait_for_pool("core", &NoProgress)
        .await
        .expect("wait");
    assert_eq!(health.map(|h| h.status), Some("ACTIVE".to_string()));

    provider
        .delete_pool("core", &NoProgress)
        .await
        .expect("delete core");
    provider
        .delete_pool("batch", &NoProgress)
        .await
        .expect("delete batch");
    // Deleting what is gone is fine.
    provider
        .delete_pool("batch", &NoProgress)
        .await
        .expect("delete again");
    assert!(provider.list_pools().await.expect("list").is_empty());
    assert_eq!(
        provider
            .wait_for_pool("core", &NoProgress)
            .await
            .expect("wait"),
        None
    );
}

/// What EKS reports beyond the spec that was sent: the instance types as an extra.
fn core_with_live_extras(sent: &PoolSpec) -> PoolSpec {
    let mut spec = sent.clone();
    spec.extras.insert(
        Field::InstanceTypes,
        ExtraValue::List(vec![sent.machine_type.clone()]),
    );
    spec.normalize();
    spec
}
