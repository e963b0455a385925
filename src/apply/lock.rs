//! Placeholder of the cluster lock's API while the lock kept in the cloud is built on its
//! own branch: holds nothing.

use poolctl_provider::{Provider, ProviderError};
use std::time::{Duration, SystemTime};

pub struct LockRequest {
    pub holder: String,
    pub lease: Duration,
    pub wait: Duration,
}

pub struct LockHolder {
    pub key: String,
    pub holder: String,
    pub since: SystemTime,
    pub expires: SystemTime,
    pub expired: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    #[error(transparent)]
    Provider(ProviderError),
}

pub struct ClusterLock;

impl ClusterLock {
    pub async fn release(self, _provider: &dyn Provider) -> Result<(), LockError> {
        Ok(())
    }
}

pub fn default_holder() -> String {
    "poolctl".into()
}

pub async fn acquire(
    _provider: &dyn Provider,
    _req: &LockRequest,
    _on_wait: &(dyn Fn(&LockHolder) + Sync),
) -> Result<ClusterLock, LockError> {
    Ok(ClusterLock)
}
