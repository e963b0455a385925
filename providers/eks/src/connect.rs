//! Getting an EKS client for one cluster: the region, the endpoint (EKS's own or an
//! override such as an emulator), the credentials (the AWS default chain, or placeholders
//! for a local emulator), the SDK's own retry and timeout bounds, and poolctl's pacing.

use crate::errors::credentials_fix;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_eks::config::{Credentials, Region, SharedCredentialsProvider};
use poolctl_http::{host_of, is_loopback};
use poolctl_provider::retry::{PollSchedule, RetryPolicy};
use poolctl_provider::{ClusterTarget, ProviderError, ProviderResult};
use std::time::Duration;

/// When poolctl sends real AWS credentials: `POOLCTL_EKS_AUTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// The AWS default chain; placeholders for a loopback endpoint when the chain has none.
    Auto,
    /// The AWS default chain, always (a local proxy in front of real EKS).
    Aws,
    /// Placeholder credentials, always (an emulator). Requests are still SigV4-signed:
    /// emulators read the region from the signature's credential scope.
    None,
}

impl std::str::FromStr for AuthMode {
    type Err = ProviderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(AuthMode::Auto),
            "aws" => Ok(AuthMode::Aws),
            "none" => Ok(AuthMode::None),
            other => Err(ProviderError::Config(format!(
                "POOLCTL_EKS_AUTH is `{other}`: use auto, aws or none"
            ))),
        }
    }
}

/// poolctl's pace for one endpoint: polls, retries of busy answers, and deadlines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub polling: PollSchedule,
    /// How busy answers are retried; its `budget` bounds a read (list, describe).
    pub retry: RetryPolicy,
    /// How long one create, update, delete or wait may take, its wait and retries
    /// included, when the caller sets no deadline.
    pub operation: Duration,
}

impl Timing {
    /// Real EKS: node-group operations take minutes (a GPU node group's create up to about
    /// 35), so [`PollSchedule::CLOUD`] and 60 minutes per operation, with
    /// [`RetryPolicy::CLOUD`]. An emulator answers in milliseconds: the loopback schedule
    /// and policy, 10 minutes per operation.
    pub(crate) fn for_endpoint(loopback: bool) -> Self {
        Timing {
            polling: PollSchedule::for_endpoint(loopback),
            retry: RetryPolicy::for_endpoint(loopback),
            operation: Duration::from_secs(if loopback { 10 * 60 } else { 60 * 60 }),
        }
    }
}

/// A client bound to one cluster, with what messages need to name.
pub(crate) struct Connection {
    pub client: aws_sdk_eks::Client,
    pub cluster: String,
    pub region: String,
    /// `host[:port]` of the endpoint, for "could not reach" messages.
    pub endpoint: String,
    pub timing: Timing,
}

/// The SDK's attempts per call before poolctl's own retries take over: enough to ride out
/// a dropped connection, few enough that a dead endpoint is reported within seconds.
const SDK_ATTEMPTS: u32 = 3;

pub(crate) async fn connect(target: &ClusterTarget, auth: AuthMode) -> ProviderResult<Connection> {
    if target.name.trim().is_empty() {
        return Err(ProviderError::Config(
            "an EKS cluster needs its name in [cluster] `name`".into(),
        ));
    }
    let endpoint_url = non_empty(&target.endpoint);
    if let Some(url) = endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ProviderError::Config(format!(
                "the EKS endpoint `{url}` is not an http(s) URL"
            )));
        }
    }
    let loopback = endpoint_url.is_some_and(is_loopback);
    let timing = Timing::for_endpoint(loopback);

    let (retry, timeouts) = if loopback {
        (
            RetryConfig::standard()
                .with_max_attempts(SDK_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(100)),
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(15))
                .build(),
        )
    } else {
        (
            RetryConfig::standard().with_max_attempts(SDK_ATTEMPTS),
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        )
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(region) = non_empty(&target.location) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if auth == AuthMode::None {
        loader = loader.credentials_provider(placeholder_credentials());
    }
    let sdk = loader.load().await;
    let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
        ProviderError::Config(
            "no AWS region for the EKS cluster: set `region` in [cluster], or AWS_REGION".into(),
        )
    })?;

    let mut config = aws_sdk_eks::config::Builder::from(&sdk);
    if auth != AuthMode::None {
        match chain_credentials(&sdk).await {
            Ok(()) => {}
            Err(_) if auth == AuthMode::Auto && loopback => {
                tracing::info!(
                    "no AWS credentials found; sending placeholder credentials to the local \
                     endpoint"
                );
                config = config.credentials_provider(placeholder_credentials());
            }
            Err(message) => {
                return Err(ProviderError::Auth {
                    message,
                    fix: credentials_fix(),
                })
            }
        }
    }
    if let Some(url) = endpoint_url {
        config = config.endpoint_url(url.trim_end_matches('/'));
    }
    let endpoint = match endpoint_url {
        Some(url) => host_of(url),
        None => format!("eks.{region}.amazonaws.com"),
    };
    Ok(Connection {
        client: aws_sdk_eks::Client::from_conf(config.build()),
        cluster: target.name.trim().to_string(),
        region,
        endpoint,
        timing,
    })
}

/// Asks the default chain for credentials once, so that a machine without any is told so
/// before the first call rather than as a dispatch failure of it.
async fn chain_credentials(sdk: &aws_config::SdkConfig) -> Result<(), String> {
    let Some(provider) = sdk.credentials_provider() else {
        return Err("the AWS credential chain is not configured".into());
    };
    match provider.provide_credentials().await {
        // Only whether it worked matters here: the keys themselves stay in the SDK.
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "no AWS credentials: {}",
            poolctl_http::error_chain(&e)
        )),
    }
}

/// Fixed, obviously fake keys for an emulator: it accepts any signature but reads the
/// region from the credential scope, so requests are still signed.
fn placeholder_credentials() -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new(
        "AKIDPOOLCTLEMULATOR",
        "poolctl-placeholder-secret",
        None,
        None,
        "poolctl-placeholder",
    ))
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_modes_parse_and_bad_ones_say_what_to_write() {
        assert_eq!("".parse::<AuthMode>().ok(), Some(AuthMode::Auto));
        assert_eq!(" AWS ".parse::<AuthMode>().ok(), Some(AuthMode::Aws));
        assert_eq!("none".parse::<AuthMode>().ok(), Some(AuthMode::None));
        let err = "azure".parse::<AuthMode>().err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("auto, aws or none")),
            "{err:?}"
        );
    }

    #[test]
    fn a_loopback_endpoint_is_polled_fast_and_a_cloud_slowly() {
        let local = Timing::for_endpoint(true);
        assert_eq!(local.polling.first, Duration::from_millis(50));
        assert!(local.polling.max <= Duration::from_millis(200));
        let cloud = Timing::for_endpoint(false);
        assert!(cloud.polling.max == Duration::from_secs(30));
        assert!(cloud.operation >= Duration::from_secs(35 * 60));
    }
}
