//! poolctl: declarative Kubernetes node pools for GKE, AKS and EKS.
//!
//! The binary in `main.rs` is a thin shell over these modules: `blueprint` loads what the
//! user wants, `plan` diffs it against the cloud, `render` prints a plan, `apply` runs it.

pub mod blueprint;
