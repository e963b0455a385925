//! The error every AKS model call returns, as ARM reports it: an HTTP status and the CloudError
//! body `{"error":{"code","message","target"?}}`. Codes are strings because ARM's set is open.

/// An error as ARM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArmError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// The property or header at fault, when there is one.
    pub target: Option<String>,
}

impl ArmError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.into(),
            message: message.into(),
            target: None,
        }
    }

    pub(crate) fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// AKS's usual code for a request value it refuses (seen as `InvalidParameter` with
    /// "The value of parameter agentPoolProfile.name is invalid." in crossplane#304).
    pub(crate) fn invalid_parameter(target: &str, message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameter", message).with_target(target)
    }

    /// ARM's answer for a cluster (a tracked resource) that does not exist.
    pub(crate) fn cluster_not_found(resource_group: &str, cluster: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.ContainerService/managedClusters/{cluster}' under resource group '{resource_group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    }

    /// AKS's answer for a missing child resource; the code is the one provider-apis.md §2.5
    /// expects (`NotFound`, unconfirmed), the wording a choice.
    pub(crate) fn not_found(what: &str, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{what} '{name}' was not found."))
    }
}
