//! EKS provider
