//! Entra ID bearer tokens for ARM, from azure_identity 1.0 credentials, chosen from the
//! environment the way Azure tools do, with a failure that says what to set.
//!
//! Which credential ([`CredentialKind::choose`]):
//! 1. `POOLCTL_AKS_CREDENTIAL` names one: `client-secret`, `workload-identity`,
//!    `managed-identity` or `azure-cli`.
//! 2. `AZURE_CLIENT_SECRET` (with `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`): a service principal.
//! 3. `AZURE_FEDERATED_TOKEN_FILE` (with `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, set by the
//!    AKS workload identity webhook): workload identity.
//! 4. `IDENTITY_ENDPOINT` or `MSI_ENDPOINT` (set by App Service, Functions, Cloud Shell,
//!    Azure ML): managed identity. A VM's managed identity (IMDS) sets no variable, so it
//!    has to be named with `POOLCTL_AKS_CREDENTIAL=managed-identity`: probing IMDS from a
//!    laptop would cost a timeout on every run.
//! 5. Otherwise the developer tools: the Azure CLI (`az login`), then azd.
//!
//! Tokens are cached by the credential until shortly before they expire. The token itself
//! is never logged nor put in an error.

use azure_core::credentials::{Secret, TokenCredential};
use azure_identity::{
    ClientSecretCredential, DeveloperToolsCredential, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
};
use poolctl_provider::{ProviderError, ProviderResult};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The audience of ARM tokens in Azure's public cloud.
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";

/// ARM hosts of the sovereign clouds and the audience of their tokens: a token for the
/// public cloud is refused there. The authority (the login host) is the credential's
/// business: azure_identity reads `AZURE_AUTHORITY_HOST`.
const SOVEREIGN_SCOPES: &[(&str, &str)] = &[
    (
        "management.usgovcloudapi.net",
        "https://management.usgovcloudapi.net/.default",
    ),
    (
        "management.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
    ),
];

/// The token scope for an ARM endpoint: `POOLCTL_AKS_SCOPE` when set, the sovereign
/// cloud's audience for its ARM host, else the public cloud's (a private endpoint or a
/// proxy in front of public ARM takes public tokens).
pub fn arm_scope(endpoint: &reqwest::Url, override_scope: Option<&str>) -> String {
    if let Some(scope) = override_scope.filter(|s| !s.trim().is_empty()) {
        return scope.trim().to_string();
    }
    let host = endpoint.host_str().unwrap_or_default().to_ascii_lowercase();
    SOVEREIGN_SCOPES
        .iter()
        .find(|(arm, _)| host == *arm)
        .map(|(_, scope)| (*scope).to_string())
        .unwrap_or_else(|| ARM_SCOPE.to_string())
}

/// How long fetching one token may take: the Azure CLI can hang on a stale login.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

/// When to send Azure credentials (`POOLCTL_AKS_AUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// To every endpoint but a loopback one (an emulator needs none).
    Auto,
    /// Always, even to loopback: a local proxy that forwards to ARM, or a test.
    Azure,
    /// Never.
    None,
}

impl AuthMode {
    pub fn sends_credentials(self, loopback: bool) -> bool {
        match self {
            AuthMode::Auto => !loopback,
            AuthMode::Azure => true,
            AuthMode::None => false,
        }
    }
}

impl std::str::FromStr for AuthMode {
    type Err = ProviderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "auto" => Ok(AuthMode::Auto),
            "azure" => Ok(AuthMode::Azure),
            "none" => Ok(AuthMode::None),
            other => Err(ProviderError::Config(format!(
                "POOLCTL_AKS_AUTH is `{other}`: use auto, azure or none"
            ))),
        }
    }
}

/// The azure_identity credential that gets the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    ClientSecret,
    WorkloadIdentity,
    ManagedIdentity,
    DeveloperTools,
    /// Handed to the provider by its caller ([`crate::AksOptions::credential`]).
    Given,
}

impl CredentialKind {
    /// Picks the credential from the environment (`var` reads one variable; empty values
    /// count as unset).
    pub(crate) fn choose(var: &dyn Fn(&str) -> Option<String>) -> ProviderResult<Self> {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        if let Some(named) = var("POOLCTL_AKS_CREDENTIAL").filter(|v| !v.is_empty()) {
            return match named.as_str() {
                "client-secret" => Ok(CredentialKind::ClientSecret),
                "workload-identity" => Ok(CredentialKind::WorkloadIdentity),
                "managed-identity" => Ok(CredentialKind::ManagedIdentity),
                "azure-cli" | "developer-tools" => Ok(CredentialKind::DeveloperTools),
                other => Err(ProviderError::Config(format!(
                    "POOLCTL_AKS_CREDENTIAL is `{other}`: use client-secret, \
                     workload-identity, managed-identity or azure-cli"
                ))),
            };
        }
        Ok(if set("AZURE_CLIENT_SECRET") {
            CredentialKind::ClientSecret
        } else if set("AZURE_FEDERATED_TOKEN_FILE") {
            CredentialKind::WorkloadIdentity
        } else if set("IDENTITY_ENDPOINT") || set("MSI_ENDPOINT") {
            CredentialKind::ManagedIdentity
        } else {
            CredentialKind::DeveloperTools
        })
    }

    fn name(self) -> &'static str {
        match self {
            CredentialKind::ClientSecret => {
                "the service principal in AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
            }
            CredentialKind::WorkloadIdentity => {
                "workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID)"
            }
            CredentialKind::ManagedIdentity => "the managed identity of this Azure host",
            CredentialKind::DeveloperTools => "the Azure CLI login (or azd)",
            CredentialKind::Given => "the credential poolctl was given",
        }
    }

    /// What the user can do about a failure with this credential.
    pub(crate) fn fix(self) -> &'static str {
        match self {
            CredentialKind::ClientSecret => {
                "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET: all three must \
                 name one service principal and a secret that has not expired (`az ad sp \
                 credential reset` makes a new one); AZURE_AUTHORITY_HOST, when set, must be \
                 an https URL"
            }
            CredentialKind::WorkloadIdentity => {
                "check the pod's workload identity: AZURE_FEDERATED_TOKEN_FILE must name a \
                 readable token file, and AZURE_TENANT_ID and AZURE_CLIENT_ID the identity \
                 federated with this service account"
            }
            CredentialKind::ManagedIdentity => {
                "run poolctl on an Azure host with a managed identity that has a role on the \
                 cluster; for a user-assigned identity set AZURE_CLIENT_ID to its client ID"
            }
            CredentialKind::DeveloperTools => {
                "run `az login` (and `az account set --subscription <id>`); or set \
                 AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service \
                 principal; or POOLCTL_AKS_CREDENTIAL=managed-identity on an Azure VM; or try \
                 poolctl without a cloud with --emulator"
            }
            CredentialKind::Given => "check the credential handed to the AKS provider",
        }
    }

    fn build(self) -> azure_core::Result<Arc<dyn TokenCredential>> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Ok(match self {
            CredentialKind::ClientSecret => {
                // Without options the credential reads AZURE_AUTHORITY_HOST itself (https
                // only) for sovereign clouds.
                let missing = |name: &str| {
                    azure_core::Error::with_message(
                        azure_core::error::ErrorKind::Credential,
                        format!("{name} is not set"),
                    )
                };
                let tenant = var("AZURE_TENANT_ID").ok_or_else(|| missing("AZURE_TENANT_ID"))?;
                let client = var("AZURE_CLIENT_ID").ok_or_else(|| missing("AZURE_CLIENT_ID"))?;
                let secret =
                    var("AZURE_CLIENT_SECRET").ok_or_else(|| missing("AZURE_CLIENT_SECRET"))?;
                ClientSecretCredential::new(&tenant, client, Secret::new(secret), None)?
            }
            CredentialKind::WorkloadIdentity => WorkloadIdentityCredential::new(None)?,
            CredentialKind::ManagedIdentity => {
                let options = ManagedIdentityCredentialOptions {
                    user_assigned_id: var("AZURE_CLIENT_ID").map(UserAssignedId::ClientId),
                    ..Default::default()
                };
                ManagedIdentityCredential::new(Some(options))?
            }
            CredentialKind::DeveloperTools => DeveloperToolsCredential::new(None)?,
            CredentialKind::Given => {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "no credential was given",
                ))
            }
        })
    }
}

/// Where the provider's tokens come from: built on first use, so that a provider for an
/// emulator, or one that never calls, never looks for credentials.
pub(crate) struct Auth {
    given: Option<Arc<dyn TokenCredential>>,
    scope: String,
    credential: OnceCell<(Arc<dyn TokenCredential>, CredentialKind)>,
}

impl Auth {
    pub(crate) fn new(given: Option<Arc<dyn TokenCredential>>, scope: String) -> Self {
        Auth {
            given,
            scope,
            credential: OnceCell::new(),
        }
    }

    async fn credential(&self) -> ProviderResult<&(Arc<dyn TokenCredential>, CredentialKind)> {
        self.credential
            .get_or_try_init(|| async {
                if let Some(given) = &self.given {
                    return Ok((given.clone(), CredentialKind::Given));
                }
                let kind = CredentialKind::choose(&|name| std::env::var(name).ok())?;
                let credential = kind.build().map_err(|e| ProviderError::Auth {
                    message: format!("cannot use {}: {e}", kind.name()),
                    fix: kind.fix().to_string(),
                })?;
                tracing::debug!("AKS credentials: {}", kind.name());
                Ok((credential, kind))
            })
            .await
    }

    /// A bearer token for ARM.
    pub(crate) async fn token(&self) -> ProviderResult<String> {
        let (credential, kind) = self.credential().await?;
        let scopes = [self.scope.as_str()];
        let fetch = credential.get_token(&scopes, None);
        match tokio::time::timeout(TOKEN_TIMEOUT, fetch).await {
            Ok(Ok(token)) => Ok(token.token.secret().to_string()),
            Ok(Err(e)) => Err(ProviderError::Auth {
                message: format!(
                    "no token from {}: {}",
                    kind.name(),
                    one_line(&e.to_string())
                ),
                fix: kind.fix().to_string(),
            }),
            Err(_) => Err(ProviderError::Auth {
                message: format!(
                    "no token from {} within {} s",
                    kind.name(),
                    TOKEN_TIMEOUT.as_secs()
                ),
                fix: kind.fix().to_string(),
            }),
        }
    }

    /// What to do when ARM refuses the token (401).
    pub(crate) fn fix(&self) -> String {
        match self.credential.get() {
            Some((_, kind)) => kind.fix().to_string(),
            None => CredentialKind::DeveloperTools.fix().to_string(),
        }
    }
}

/// azure_identity's messages span lines (a troubleshooting link on its own line).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn sovereign_clouds_get_their_own_audience() {
        let scope = |url: &str, over: Option<&str>| {
            arm_scope(&reqwest::Url::parse(url).expect("a URL"), over)
        };
        assert_eq!(scope("https://management.azure.com", None), ARM_SCOPE);
        assert_eq!(
            scope("https://management.usgovcloudapi.net/", None),
            "https://management.usgovcloudapi.net/.default"
        );
        assert_eq!(
            scope("https://Management.ChinaCloudAPI.cn", None),
            "https://management.chinacloudapi.cn/.default"
        );
        assert_eq!(scope("https://arm-proxy.internal.example", None), ARM_SCOPE);
        assert_eq!(
            scope("https://arm.example", Some("https://arm.example/.default")),
            "https://arm.example/.default"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn choose(vars: &[(&str, &str)]) -> ProviderResult<CredentialKind> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CredentialKind::choose(&|name| vars.get(name).cloned())
    }

    #[test]
    fn the_environment_picks_the_credential() {
        assert_eq!(choose(&[]).ok(), Some(CredentialKind::DeveloperTools));
        let sp = [
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s"),
        ];
        assert_eq!(choose(&sp).ok(), Some(CredentialKind::ClientSecret));
        let wi = [
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
        ];
        assert_eq!(choose(&wi).ok(), Some(CredentialKind::WorkloadIdentity));
        assert_eq!(
            choose(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:41000/msi/token")]).ok(),
            Some(CredentialKind::ManagedIdentity)
        );
        assert_eq!(
            choose(&[("MSI_ENDPOINT", "http://localhost:50342/oauth2/token")]).ok(),
            Some(CredentialKind::ManagedIdentity)
        );
        // An empty variable is unset, as in a shell's `VAR=`.
        assert_eq!(
            choose(&[("AZURE_CLIENT_SECRET", "")]).ok(),
            Some(CredentialKind::DeveloperTools)
        );
    }

    #[test]
    fn an_explicit_choice_wins_and_a_wrong_one_is_refused() {
        assert_eq!(
            choose(&[
                ("POOLCTL_AKS_CREDENTIAL", "managed-identity"),
                ("AZURE_CLIENT_SECRET", "s")
            ])
            .ok(),
            Some(CredentialKind::ManagedIdentity)
        );
        assert_eq!(
            choose(&[("POOLCTL_AKS_CREDENTIAL", "azure-cli")]).ok(),
            Some(CredentialKind::DeveloperTools)
        );
        let err = choose(&[("POOLCTL_AKS_CREDENTIAL", "msi")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("managed-identity"), "{err}");
    }

    #[test]
    fn auth_modes_parse_and_apply() {
        assert_eq!("".parse::<AuthMode>().ok(), Some(AuthMode::Auto));
        assert_eq!("azure".parse::<AuthMode>().ok(), Some(AuthMode::Azure));
        assert!("google".parse::<AuthMode>().is_err());
        assert!(!AuthMode::Auto.sends_credentials(true));
        assert!(AuthMode::Auto.sends_credentials(false));
        assert!(AuthMode::Azure.sends_credentials(true));
        assert!(!AuthMode::None.sends_credentials(false));
    }

    #[test]
    fn every_fix_names_something_to_set_or_run() {
        assert!(CredentialKind::DeveloperTools.fix().contains("az login"));
        assert!(CredentialKind::ClientSecret
            .fix()
            .contains("AZURE_CLIENT_SECRET"));
        assert!(CredentialKind::WorkloadIdentity
            .fix()
            .contains("AZURE_FEDERATED_TOKEN_FILE"));
    }
}
