//! The error every EKS model call returns, as AWS reports it: an HTTP status, the error code sent
//! in `x-amzn-ErrorType`, and the members of the error shape (`message`, `clusterName`...).

/// An error as EKS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EksError {
    pub status: u16,
    /// The error shape's name, such as `ResourceNotFoundException`.
    pub code: String,
    pub message: String,
    pub cluster: Option<String>,
    pub nodegroup: Option<String>,
}

impl EksError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        EksError {
            status,
            code: code.into(),
            message: message.into(),
            cluster: None,
            nodegroup: None,
        }
    }

    pub(crate) fn on(mut self, cluster: &str, nodegroup: Option<&str>) -> Self {
        self.cluster = Some(cluster.to_string());
        self.nodegroup = nodegroup.map(str::to_string);
        self
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterException", message)
    }

    /// EKS's words for a cluster it does not know (as the AWS CLI prints them).
    pub(crate) fn cluster_not_found(cluster: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFoundException",
            format!("No cluster found for name: {cluster}."),
        )
        .on(cluster, None)
    }

    /// EKS's words for a node group it does not know (as the AWS CLI prints them).
    pub(crate) fn nodegroup_not_found(cluster: &str, nodegroup: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFoundException",
            format!("No node group found for name: {nodegroup}."),
        )
        .on(cluster, Some(nodegroup))
    }
}
