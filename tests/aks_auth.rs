//! Azure credentials through the CLI: none to a loopback emulator by default; with
//! POOLCTL_AKS_AUTH=azure a real azure_identity credential (the managed identity of an App
//! Service, named by IDENTITY_ENDPOINT and IDENTITY_HEADER) gets its token from a loopback
//! token endpoint, ARM receives it as a bearer token, and it appears in no output, not
//! even at -vv.

mod common;

use common::aks::aks_blueprint;
use common::{stderr_of, stdout_of, Emu, Workspace};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.poolctl-test-token.c2lnbmF0dXJl";
const IDENTITY_HEADER: &str = "identity-header-secret";

/// A managed-identity token endpoint on a loopback port, as App Service runs one: it
/// answers GET /msi/token?resource=...&api-version=2019-08-01 when the identity header is
/// right. Returns its URL and the request lines it received.
fn token_endpoint() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/msi/token", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut header_ok = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("x-identity-header:") && line.contains(IDENTITY_HEADER) {
                    header_ok = true;
                }
            }
            log.lock()
                .expect("log")
                .push(request_line.trim().to_string());
            let expires = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() + 3600)
                .unwrap_or_default();
            let (status, body) = if header_ok {
                (
                    "200 OK",
                    serde_json::json!({
                        "access_token": TOKEN,
                        "expires_on": expires.to_string(),
                        "resource": "https://management.azure.com",
                        "token_type": "Bearer"
                    })
                    .to_string(),
                )
            } else {
                (
                    "400 Bad Request",
                    "{\"error\":\"no identity header\"}".to_string(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

fn without_azure_environment(cmd: &mut assert_cmd::Command) {
    for name in [
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "MSI_ENDPOINT",
        "IMDS_ENDPOINT",
        "IDENTITY_SERVER_THUMBPRINT",
        "POOLCTL_AKS_CREDENTIAL",
    ] {
        cmd.env_remove(name);
    }
}

const POOLS: &str = "[pools.jobs]\nclass = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nautoscale = { min = 0, max = 4 }\n";

#[test]
fn a_loopback_endpoint_gets_no_credentials_by_default() {
    let emu = Emu::start();
    let ws = Workspace::new(&aks_blueprint(&emu.endpoint(), POOLS));
    ws.apply_ok();
    assert!(emu.requests().iter().all(|r| r.authorization.is_none()));
}

#[test]
fn a_managed_identity_token_reaches_arm_and_no_output() {
    let emu = Emu::start();
    let (token_url, token_requests) = token_endpoint();
    let ws = Workspace::new(&aks_blueprint(&emu.endpoint(), POOLS));
    let mut cmd = ws.poolctl(&["apply", "--auto-approve", "-vv"]);
    without_azure_environment(&mut cmd);
    let out = cmd
        .env("POOLCTL_AKS_AUTH", "azure")
        .env("IDENTITY_ENDPOINT", &token_url)
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .output()
        .expect("runs");
    let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
    assert!(out.status.success(), "{stdout}{stderr}");
    let requests = emu.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} {}",
            request.method,
            request.path
        );
    }
    // The token is cached: one token request serves the whole run.
    let asked = token_requests.lock().expect("log").clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("resource=https%3A%2F%2Fmanagement.azure.com")
            || asked[0].contains("resource=https://management.azure.com"),
        "{asked:?}"
    );
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains(TOKEN), "the token leaked into {name}");
        assert!(
            !text.contains("poolctl-test-token"),
            "the token leaked into {name}"
        );
        assert!(
            !text.contains(IDENTITY_HEADER),
            "the identity header leaked into {name}"
        );
    }
}

#[test]
fn a_credential_that_fails_says_how_to_fix_it() {
    let emu = Emu::start();
    let (token_url, _) = token_endpoint();
    let ws = Workspace::new(&aks_blueprint(&emu.endpoint(), POOLS));
    let mut cmd = ws.poolctl(&["plan"]);
    without_azure_environment(&mut cmd);
    let out = cmd
        .env("POOLCTL_AKS_AUTH", "azure")
        .env("IDENTITY_ENDPOINT", &token_url)
        .env("IDENTITY_HEADER", "the-wrong-header")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = stderr_of(&out);
    assert!(stderr.contains("authentication failed"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("managed identity"),
        "{stderr}"
    );
    assert!(emu.requests().is_empty(), "ARM was called without a token");
}
