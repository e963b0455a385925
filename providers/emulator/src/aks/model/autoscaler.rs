//! The cluster autoscaler, for tests: it moves an autoscaled pool's `count` within its bounds,
//! outside any API call and without an operation, as the real one does behind AKS's back.

use serde_json::{json, Value};

use super::{ArmError, ClusterAt, Model};

impl Model {
    /// Sets `count` of an autoscaled pool. The eTag changes with it (choice: the stored pool
    /// changed, so a client holding the old eTag should not overwrite it; real ARM behaviour
    /// is unconfirmed).
    pub(crate) fn autoscale(
        &mut self,
        at: &ClusterAt,
        name: &str,
        count: i64,
        now: u64,
    ) -> Result<(), ArmError> {
        let index = self.cluster_index(at, now)?;
        let pool = self.state.clusters[index]
            .pools
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| ArmError::not_found("Agent pool", name))?;
        let int = |key: &str| pool.properties.get(key).and_then(Value::as_i64);
        let enabled = pool
            .properties
            .get("enableAutoScaling")
            .and_then(Value::as_bool);
        let (Some(true), Some(min), Some(max)) = (enabled, int("minCount"), int("maxCount")) else {
            return Err(ArmError::invalid_parameter(
                "count",
                format!("Agent pool '{name}' is not autoscaled: the autoscaler cannot resize it."),
            ));
        };
        if count < min || count > max {
            return Err(ArmError::invalid_parameter(
                "count",
                format!("The autoscaler keeps agent pool '{name}' within minCount {min} and maxCount {max}; {count} is outside."),
            ));
        }
        pool.properties.insert("count".into(), json!(count));
        pool.touch();
        self.dirty = true;
        Ok(())
    }
}
