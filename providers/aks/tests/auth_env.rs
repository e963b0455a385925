//! The provider picks its credential from the environment: with `IDENTITY_ENDPOINT` and
//! `IDENTITY_HEADER` (as App Service sets them) it uses azure_identity's real
//! ManagedIdentityCredential, which, unlike the Entra ID credentials, takes a plain-http
//! loopback endpoint. One test in its own binary: it sets process-wide variables.

mod common;

use common::{serve, Resp};
use poolctl_aks::AksProvider;
use poolctl_provider::Provider;
use serde_json::json;

const TOKEN: &str = "managed-identity-token";

#[tokio::test]
async fn a_managed_identity_named_by_the_environment_gets_the_token() {
    let server = serve(|_| {
        |req: &common::Req| {
            if req.path == "/msi/token" {
                if req.header("x-identity-header") != Some("header-secret") {
                    return Resp::json(400, json!({"error": "no header"}));
                }
                let expires = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() + 3600)
                    .unwrap_or_default();
                return Resp::json(
                    200,
                    json!({"access_token": TOKEN, "expires_on": expires.to_string(),
                           "token_type": "Bearer", "resource": "https://management.azure.com"}),
                );
            }
            if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
                return Resp::cloud_error(401, "InvalidAuthenticationToken", "no token");
            }
            Resp::json(200, json!({"location": "eastus"}))
        }
    })
    .await;
    for unset in [
        "POOLCTL_AKS_CREDENTIAL",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_CLIENT_ID",
        "MSI_ENDPOINT",
        "IDENTITY_SERVER_THUMBPRINT",
        "IMDS_ENDPOINT",
    ] {
        std::env::remove_var(unset);
    }
    std::env::set_var("POOLCTL_AKS_AUTH", "azure");
    std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", server.url));
    std::env::set_var("IDENTITY_HEADER", "header-secret");

    let provider = AksProvider::new(&common::target(&server.url)).expect("provider");
    let info = provider.cluster().await.expect("cluster");
    assert_eq!(info.location.as_deref(), Some("eastus"));
    let token_request = &server.requests_to("GET", "/msi/token")[0];
    assert!(
        token_request
            .query
            .contains("resource=https%3A%2F%2Fmanagement.azure.com"),
        "{}",
        token_request.query
    );
}
