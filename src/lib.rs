//! poolctl: declarative Kubernetes node pools. This version plans and applies GKE node
//! pools on GKE, AKS and EKS.
//!
//! The binary is a thin shell over these modules: `blueprint` loads what the user wants,
//! `plan` diffs it against the cloud, `render` prints a plan, `apply` runs it, and `cli`
//! wires them to the command line.

pub mod apply;
pub mod blueprint;
pub mod cli;
pub mod plan;
pub mod render;
