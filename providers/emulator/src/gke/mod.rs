//! The GKE node-pool API: a model of clusters, pools and operations, and its JSON wire form.
//! Routes hand the model canonical request bodies and render what it returns through `wire`.

pub(crate) mod model;
pub(crate) mod wire;
