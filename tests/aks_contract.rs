//! Every request poolctl sends to AKS in the end-to-end scenarios, and every answer the
//! emulator gives, checked against Microsoft's agent-pool model (azure-mgmt-containerservice
//! 41.8.0, api-version 2026-08-01) by scripts/check-aks-contract.py: a third reading of the
//! contract, sharing no code with the provider or the emulator.

mod common;

use common::aks::{aks_blueprint, cluster_path, kubeflow_spark_pools, API_VERSION};
use common::contract::aks::check_aks_traffic;
use common::{Emu, Workspace};
use serde_json::Value;

/// The raw list pages and every pool, as the emulator answers them.
fn answers(emu: &Emu) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let client = reqwest::blocking::Client::new();
    let mut url = format!(
        "{}{}/agentPools?api-version={API_VERSION}",
        emu.endpoint(),
        cluster_path()
    );
    loop {
        let page: Value = client
            .get(&url)
            .send()
            .and_then(|r| r.json())
            .expect("a list page");
        out.push((format!("GET {url}"), page.clone()));
        match page["nextLink"].as_str() {
            Some(next) if !next.is_empty() => url = next.to_string(),
            _ => break,
        }
    }
    for pool in emu.aks_pools() {
        let name = pool["name"].as_str().expect("a pool name").to_string();
        let single = emu.aks_pool(&name).expect("the pool");
        out.push((format!("GET agentPools/{name}"), single));
    }
    out
}

#[test]
fn every_request_and_answer_of_the_scenarios_follows_the_agent_pool_model() {
    let emu = Emu::start();
    let ws = Workspace::new(&aks_blueprint(&emu.endpoint(), &kubeflow_spark_pools()));
    ws.apply_ok();
    let mut seen = answers(&emu);
    // In place: a label and a taint; the bounds of an autoscaled pool; a static count.
    ws.edit("team = \"a\" }", "team = \"alpha\" }");
    ws.edit("team=a:NoSchedule", "team=a:NoExecute");
    ws.edit(
        "autoscale = { min = 1, max = 4 }",
        "autoscale = { min = 2, max = 6 }",
    );
    ws.edit(
        "size = 2\nlabels = { pool = \"control\" }",
        "size = 3\nlabels = { pool = \"control\" }",
    );
    ws.apply_ok();
    // A replacement (vmSize) and a delete.
    ws.edit(
        "machine_type = \"Standard_D4ps_v5\"",
        "machine_type = \"Standard_D8ps_v5\"",
    );
    let text = std::fs::read_to_string(ws.path()).expect("read");
    let start = text.find("# Special hardware").expect("gpu section");
    let end = text.find("# The Spark operator").expect("next section");
    ws.write(&format!("{}{}", &text[..start], &text[end..]));
    ws.apply_ok();
    ws.assert_no_changes();
    seen.extend(answers(&emu));

    let requests = emu.requests();
    let puts = requests.iter().filter(|r| r.method == "PUT").count();
    let deletes = requests.iter().filter(|r| r.method == "DELETE").count();
    // 8 creates; one PUT each for pool a, kfplatform and control; the replacement of
    // sparkplat; its delete and the gpu pool's.
    assert_eq!((puts, deletes), (12, 2), "{requests:#?}");
    if let Some(report) = check_aks_traffic(&requests, &seen) {
        assert!(report.conforms);
    }
}
