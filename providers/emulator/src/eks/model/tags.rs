//! TagResource, UntagResource and ListTagsForResource on cluster and node-group ARNs. Tag calls
//! answer with the errors their operations list in the model: BadRequestException for a
//! malformed ARN or tag, NotFoundException for an ARN that names nothing.

use std::collections::BTreeMap;

use super::checks;
use super::{EksError, Model};

fn bad_request(message: impl Into<String>) -> EksError {
    EksError::new(400, "BadRequestException", message)
}

fn not_found(arn: &str) -> EksError {
    EksError::new(
        404,
        "NotFoundException",
        format!("Resource not found: {arn}"),
    )
}

/// What an EKS ARN names.
enum Target {
    Cluster {
        region: String,
        cluster: String,
    },
    Nodegroup {
        region: String,
        cluster: String,
        name: String,
        id: String,
    },
}

fn parse(arn: &str) -> Result<Target, EksError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let malformed = || bad_request(format!("The resource ARN '{arn}' is not a valid EKS ARN."));
    let ["arn", partition, "eks", region, account, resource] = parts.as_slice() else {
        return Err(malformed());
    };
    if !partition.starts_with("aws") || region.is_empty() || account.is_empty() {
        return Err(malformed());
    }
    let pieces: Vec<&str> = resource.split('/').collect();
    match pieces.as_slice() {
        ["cluster", cluster] => Ok(Target::Cluster {
            region: region.to_string(),
            cluster: cluster.to_string(),
        }),
        ["nodegroup", cluster, name, id] => Ok(Target::Nodegroup {
            region: region.to_string(),
            cluster: cluster.to_string(),
            name: name.to_string(),
            id: id.to_string(),
        }),
        _ => Err(malformed()),
    }
}

impl Model {
    fn tags_mut(&mut self, arn: &str) -> Result<&mut BTreeMap<String, String>, EksError> {
        let (region, cluster, group) = match parse(arn)? {
            Target::Cluster { region, cluster } => (region, cluster, None),
            Target::Nodegroup {
                region,
                cluster,
                name,
                id,
            } => (region, cluster, Some((name, id))),
        };
        let index = self
            .find_cluster(&region, &cluster)
            .ok_or_else(|| not_found(arn))?;
        let cluster = &mut self.state.clusters[index];
        match group {
            None => Ok(&mut cluster.tags),
            Some((name, id)) => cluster
                .nodegroups
                .iter_mut()
                .find(|g| g.name == name && g.id == id)
                .map(|g| &mut g.tags)
                .ok_or_else(|| not_found(arn)),
        }
    }

    pub(crate) fn list_tags(&mut self, arn: &str) -> Result<BTreeMap<String, String>, EksError> {
        self.tags_mut(arn).map(|tags| tags.clone())
    }

    pub(crate) fn tag_resource(
        &mut self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), EksError> {
        let current = self.tags_mut(arn)?;
        let mut merged = current.clone();
        merged.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        checks::tags(&merged).map_err(bad_request)?;
        *current = merged;
        self.dirty = true;
        Ok(())
    }

    pub(crate) fn untag_resource(&mut self, arn: &str, keys: &[String]) -> Result<(), EksError> {
        if keys.is_empty() {
            return Err(bad_request(
                "tagKeys is required: name at least one tag key.",
            ));
        }
        let current = self.tags_mut(arn)?;
        for key in keys {
            current.remove(key);
        }
        self.dirty = true;
        Ok(())
    }
}
