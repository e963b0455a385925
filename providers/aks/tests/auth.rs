//! Real azure_identity credentials against a loopback token endpoint.
//!
//! azure_identity 1.0 refuses an authority host that is not https ("authority host doesn't
//! use HTTPS scheme", `get_authority_host` in its lib.rs), whether it comes from
//! AZURE_AUTHORITY_HOST or from `ClientOptions::cloud`. What it does allow is its own
//! HTTP transport (`ClientOptions::transport`): here a transport that sends the
//! credential's `https://login.microsoftonline.com/...` requests to this test's server
//! over plain http on 127.0.0.1. Everything else (the form it posts, the token it reads,
//! its cache) is the real ClientSecretCredential.

mod common;

use async_trait::async_trait;
use azure_core::http::{AsyncRawResponse, ClientOptions, HttpClient, Request, Transport, Url};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use common::{pool, serve, Resp};
use poolctl_aks::{AksProvider, AuthMode};
use poolctl_provider::{NoProgress, Provider, ProviderError};
use serde_json::json;
use std::sync::Arc;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.loopback.token";

/// Sends every request of the credential to the loopback server instead.
#[derive(Debug)]
struct ToLoopback {
    http: reqwest::Client,
    server: Url,
}

#[async_trait]
impl HttpClient for ToLoopback {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut request = request.clone();
        let url = request.url_mut();
        url.set_scheme("http").expect("http");
        url.set_host(self.server.host_str()).expect("host");
        url.set_port(self.server.port()).expect("port");
        self.http.execute_request(&request).await
    }
}

fn credential(server: &str, secret: &str) -> Arc<ClientSecretCredential> {
    let transport = ToLoopback {
        http: reqwest::Client::new(),
        server: Url::parse(server).expect("url"),
    };
    ClientSecretCredential::new(
        TENANT,
        "11111111-2222-3333-4444-555555555555".into(),
        secret.to_string().into(),
        Some(ClientSecretCredentialOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(Arc::new(transport))),
                ..Default::default()
            },
        }),
    )
    .expect("credential")
}

fn provider(server: &str, secret: &str) -> AksProvider {
    let mut options = common::options();
    // Loopback gets no credentials unless asked for.
    options.auth = AuthMode::Azure;
    options.credential = Some(credential(server, secret));
    AksProvider::with_options(&common::target(server), options).expect("provider")
}

fn token_endpoint(req: &common::Req) -> Option<Resp> {
    if !req.path.ends_with("/oauth2/v2.0/token") {
        return None;
    }
    if req.raw.contains("client_secret=wrong") {
        return Some(Resp::json(
            401,
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]}),
        ));
    }
    Some(Resp::json(
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN}),
    ))
}

#[tokio::test]
async fn a_client_secret_credential_gets_a_token_that_arm_receives() {
    let server = serve(|_| {
        |req: &common::Req| {
            if let Some(token) = token_endpoint(req) {
                return token;
            }
            if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
                return Resp::cloud_error(401, "InvalidAuthenticationToken", "no token");
            }
            if req.path.ends_with("/agentPools") {
                return Resp::json(200, json!({"value": [pool("alpha", "e", "Succeeded")]}));
            }
            Resp::json(200, json!({"location": "eastus"}))
        }
    })
    .await;
    let provider = provider(&server.url, "s3cret");
    assert_eq!(
        provider
            .cluster()
            .await
            .expect("cluster")
            .location
            .as_deref(),
        Some("eastus")
    );
    assert_eq!(provider.list_pools().await.expect("pools").len(), 1);

    let token_requests = server.requests_to("POST", "/oauth2/v2.0/token");
    assert_eq!(token_requests.len(), 1, "the credential caches its token");
    let form = &token_requests[0].raw;
    assert_eq!(
        token_requests[0].path,
        format!("/{TENANT}/oauth2/v2.0/token")
    );
    assert!(form.contains("grant_type=client_credentials"), "{form}");
    assert!(
        form.contains("scope=https%3A%2F%2Fmanagement.azure.com%2F.default"),
        "{form}"
    );
    assert!(form.contains("client_secret=s3cret"), "{form}");
}

#[tokio::test]
async fn a_refused_secret_is_an_auth_error_with_a_fix() {
    let server = serve(|_| {
        |req: &common::Req| token_endpoint(req).unwrap_or_else(|| Resp::json(200, json!({})))
    })
    .await;
    let err = provider(&server.url, "wrong")
        .delete_pool("alpha", &NoProgress)
        .await
        .expect_err("no token");
    match &err {
        ProviderError::Auth { message, fix } => {
            assert!(message.contains("AADSTS7000215"), "{message}");
            assert!(!message.contains("wrong"), "the secret leaked: {message}");
            assert!(!fix.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // Nothing reached ARM without a token.
    assert!(server.requests().iter().all(|r| r.path.contains("oauth2")));
}

#[tokio::test]
async fn arm_refusing_the_token_is_an_auth_error() {
    let server = serve(|_| {
        |req: &common::Req| {
            token_endpoint(req).unwrap_or_else(|| {
                Resp::cloud_error(
                    401,
                    "InvalidAuthenticationTokenTenant",
                    "The access token is from the wrong issuer.",
                )
            })
        }
    })
    .await;
    let err = provider(&server.url, "s3cret")
        .list_pools()
        .await
        .expect_err("401");
    assert!(matches!(err, ProviderError::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("wrong issuer"), "{err}");
}

/// What the report relies on: azure_identity 1.0 takes no plain-http authority host.
#[test]
fn azure_identity_refuses_a_plain_http_authority_host() {
    let mut custom = azure_core::cloud::CustomConfiguration::default();
    custom.authority_host = "http://127.0.0.1:1".into();
    let err = ClientSecretCredential::new(
        TENANT,
        "client".into(),
        "secret".to_string().into(),
        Some(ClientSecretCredentialOptions {
            client_options: ClientOptions {
                cloud: Some(Arc::new(custom.into())),
                ..Default::default()
            },
        }),
    )
    .expect_err("http refused");
    assert!(err.to_string().contains("HTTPS"), "{err}");
}
