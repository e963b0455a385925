//! The EKS node-group API (REST-JSON, API 2017-11-01): a model of clusters, managed node groups
//! and their updates; the official botocore contract that request bodies are checked against;
//! their JSON wire form; and the routes (`/clusters/...`, `/tags/...`) that tie them to HTTP.

pub(crate) mod contract;
pub(crate) mod model;
pub(crate) mod routes;
pub(crate) mod wire;
