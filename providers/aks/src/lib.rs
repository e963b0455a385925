//! AKS agent-pool provider for poolctl (being written).
