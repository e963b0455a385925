//! The AKS agent-pool API (ARM, Microsoft.ContainerService, api-version 2026-08-01): a model of
//! managed clusters, agent pools and async operations; the official contract that PUT bodies are
//! checked against; their JSON wire form; and the ARM routes that tie them to HTTP. Also ARM's
//! Tags API (Microsoft.Resources, 2021-04-01) on a managed cluster.

pub(crate) mod contract;
pub(crate) mod model;
pub(crate) mod routes;
pub(crate) mod tags;
pub(crate) mod wire;
