//! Google credentials: none to a loopback emulator by default; with POOLCTL_GKE_AUTH=google
//! a service-account key from GOOGLE_APPLICATION_CREDENTIALS signs a JWT bearer token
//! (google-cloud-auth, offline), and the token never shows up in poolctl's output.

mod common;

use base64::Engine;
use common::{gke_blueprint, stderr_of, stdout_of, Emu, Workspace, ANALYTICS_POOLS};
use std::process::Command;

/// A throwaway service-account key file, made fresh for the test.
fn service_account_key(dir: &std::path::Path) -> std::path::PathBuf {
    let pem = dir.join("key.pem");
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&pem)
        .status()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(status.success());
    let key = std::fs::read_to_string(&pem).expect("key written");
    let json = serde_json::json!({
        "type": "service_account",
        "project_id": "acme",
        "private_key_id": "0123456789abcdef",
        "private_key": key,
        "client_email": "poolctl-ci@acme.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "token_uri": "https://oauth2.googleapis.com/token"
    });
    let path = dir.join("service-account.json");
    std::fs::write(&path, json.to_string()).expect("write key file");
    path
}

#[test]
fn a_loopback_endpoint_gets_no_credentials_by_default() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!emu.requests().is_empty());
    assert!(emu.requests().iter().all(|r| r.authorization.is_none()));
}

#[test]
fn a_service_account_key_signs_the_bearer_token_sent_to_gke() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let key = service_account_key(ws.dir.path());
    let out = ws
        .poolctl(&["plan", "-vv"])
        .env("POOLCTL_GKE_AUTH", "google")
        .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));

    let requests = emu.requests();
    assert!(!requests.is_empty());
    let token = requests[0]
        .authorization
        .as_deref()
        .and_then(|h| h.strip_prefix("Bearer "))
        .expect("a bearer token");
    let claims = token.split('.').nth(1).expect("a JWT");
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .expect("base64url claims");
    let claims: serde_json::Value = serde_json::from_slice(&claims).expect("JSON claims");
    assert_eq!(claims["iss"], "poolctl-ci@acme.iam.gserviceaccount.com");
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.authorization == requests[0].authorization),
        "one cached token for the whole run"
    );
    // Debug logs show every request, never the token.
    assert!(!stderr_of(&out).contains(token) && !stdout_of(&out).contains(token));
}

#[test]
fn missing_credentials_are_an_error_that_says_what_to_do() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["plan"])
        .env("POOLCTL_GKE_AUTH", "google")
        .env(
            "GOOGLE_APPLICATION_CREDENTIALS",
            ws.dir.path().join("absent.json"),
        )
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(
        err.contains("gcloud auth application-default login"),
        "{err}"
    );
    assert!(
        emu.requests().is_empty(),
        "nothing is sent without credentials"
    );
}
