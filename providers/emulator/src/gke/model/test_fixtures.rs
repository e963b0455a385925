//! Fixtures for the model's unit tests: a model holding one regional cluster `c` in project `p`
//! at `europe-west1`, and the reference that addresses it.

use super::{ClusterRef, ClusterSpec, Model, Pace, State};

pub(super) fn at() -> ClusterRef {
    ClusterRef {
        project: "p".into(),
        location: "europe-west1".into(),
        cluster: "c".into(),
    }
}

pub(super) fn model(duration: u64) -> Model {
    let mut model = Model::new(State::default(), Pace::Millis(duration), false);
    let spec = ClusterSpec {
        project: "p".into(),
        location: "europe-west1".into(),
        name: "c".into(),
        locations: None,
        version: None,
    };
    model.create_cluster(&spec, 0).unwrap();
    model
}
