//! Provider settings (`[pools.NAME.gke]`, `[pools.NAME.aks]`, and their `[defaults.*]`): each value checked against
//! what its cloud accepts, so that a mistake is reported at its line before any call.
//! Which keys a cloud takes at all comes from its capability table (see load.rs).

use super::errors::{ErrorKind, Issue, Issues};
use super::suggest::closest;
use super::ProviderKind;
use poolctl_provider::{ExtraValue, Field};
use toml::Spanned;

/// GKE node images poolctl manages: the Linux images. Windows images come with a taint
/// and cluster settings that poolctl does not model.
const GKE_IMAGE_TYPES: &[&str] = &["COS_CONTAINERD", "UBUNTU_CONTAINERD"];
/// Persistent-disk types a GKE node boots from (the discovery document names the pd-*
/// ones; hyperdisk-balanced needs a machine series that supports it, which GKE checks).
const GKE_DISK_TYPES: &[&str] = &["pd-standard", "pd-balanced", "pd-ssd", "hyperdisk-balanced"];
/// GKE's bounds on pods per node (provider-apis.md §1.7: at most 256).
const GKE_MAX_PODS: std::ops::RangeInclusive<u32> = 8..=256;
const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/";
/// The AKS node images poolctl manages: the two Linux SKUs that `osSKU` can move between in
/// place (provider-apis.md §2.3). Windows pools have other name rules and taints.
const AKS_OS_SKUS: &[&str] = &["Ubuntu", "AzureLinux"];
const AKS_OS_DISK_TYPES: &[&str] = &["Managed", "Ephemeral"];
/// `Gateway` pools route egress traffic and run no workloads: not a pool poolctl plans.
const AKS_MODES: &[&str] = &["System", "User"];
/// AKS's bounds on pods per node: at least 10, at most 250 (§2.7).
const AKS_MAX_PODS: std::ops::RangeInclusive<u32> = 10..=250;

/// Checks one provider setting; false when it was reported as invalid.
pub(crate) fn check_extra(
    provider: ProviderKind,
    field: Field,
    value: &Spanned<ExtraValue>,
    issues: &mut Issues,
) -> bool {
    let before = issues.len();
    let span = value.span();
    match (provider, field, value.get_ref()) {
        (ProviderKind::Gke, Field::ImageType, ExtraValue::Text(image))
            if !GKE_IMAGE_TYPES.contains(&image.as_str()) =>
        {
            let upper = image.to_ascii_uppercase();
            let help = if GKE_IMAGE_TYPES.contains(&upper.as_str()) {
                format!("GKE reads image types back in capitals: write `image_type = \"{upper}\"`")
            } else if upper.contains("WINDOWS") {
                "Windows node pools are not supported by poolctl yet".to_string()
            } else {
                match closest(&upper, GKE_IMAGE_TYPES) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("use one of {}", GKE_IMAGE_TYPES.join(", ")),
                }
            };
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("unknown GKE image type `{image}`"),
                )
                .label(format!("expected {}", GKE_IMAGE_TYPES.join(" or ")))
                .help(help),
            );
        }
        (ProviderKind::Gke, Field::DiskType, ExtraValue::Text(disk))
            if !GKE_DISK_TYPES.contains(&disk.as_str()) =>
        {
            let lower = disk.to_ascii_lowercase();
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("unknown GKE disk type `{disk}`"),
                )
                .label(format!("expected one of {}", GKE_DISK_TYPES.join(", ")))
                .maybe_help(
                    closest(&lower, GKE_DISK_TYPES).map(|c| format!("did you mean `{c}`?")),
                ),
            );
        }
        (ProviderKind::Gke, Field::ServiceAccount, ExtraValue::Text(account))
            if account != "default" && !is_service_account_email(account) =>
        {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("`{account}` is not a Google service account"),
                )
                .label("expected the service account's email, or \"default\"")
                .help(
                    "e.g. `service_account = \"gke-nodes@acme.iam.gserviceaccount.com\"`; \
                         leave it out for the project's default compute service account",
                ),
            );
        }
        (ProviderKind::Gke, Field::OauthScopes, ExtraValue::List(scopes)) => {
            if scopes.is_empty() {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        span.clone(),
                        "`oauth_scopes` is empty",
                    )
                    .label("no scope at all")
                    .help(
                        "nodes need at least the logging and monitoring scopes; leave \
                             `oauth_scopes` out for GKE's defaults",
                    ),
                );
            }
            for scope in scopes {
                if !scope.starts_with(SCOPE_PREFIX) || scope.len() == SCOPE_PREFIX.len() {
                    let help = if scope.contains("://") {
                        format!("scopes are URLs under {SCOPE_PREFIX}")
                    } else {
                        format!("write the full URL: `\"{SCOPE_PREFIX}{scope}\"`")
                    };
                    issues.push(
                        Issue::new(
                            ErrorKind::InvalidValue,
                            span.clone(),
                            format!("`{scope}` is not a Google OAuth scope"),
                        )
                        .label("in this list")
                        .help(help),
                    );
                }
            }
        }
        (ProviderKind::Gke, Field::MaxPodsPerNode, ExtraValue::Count(pods))
            if !GKE_MAX_PODS.contains(pods) =>
        {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!(
                        "GKE allows {} to {} pods per node, not {pods}",
                        GKE_MAX_PODS.start(),
                        GKE_MAX_PODS.end()
                    ),
                )
                .label("out of range"),
            );
        }
        (ProviderKind::Aks, Field::OsSku, ExtraValue::Text(sku))
            if !AKS_OS_SKUS.contains(&sku.as_str()) =>
        {
            let lower = sku.to_ascii_lowercase();
            let help =
                if let Some(known) = AKS_OS_SKUS.iter().find(|k| k.to_ascii_lowercase() == lower) {
                    format!("AKS spells it `{known}`")
                } else if lower.contains("mariner") {
                    "CBL-Mariner is now Azure Linux: write `os_sku = \"AzureLinux\"`".to_string()
                } else if lower.starts_with("windows") {
                    "Windows pools are not supported by poolctl yet".to_string()
                } else {
                    format!("use one of {}", AKS_OS_SKUS.join(", "))
                };
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("unknown AKS OS SKU `{sku}`"),
                )
                .label(format!("expected {}", AKS_OS_SKUS.join(" or ")))
                .help(help),
            );
        }
        (ProviderKind::Aks, Field::OsDiskType, ExtraValue::Text(disk))
            if !AKS_OS_DISK_TYPES.contains(&disk.as_str()) =>
        {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("unknown AKS OS disk type `{disk}`"),
                )
                .label(format!("expected {}", AKS_OS_DISK_TYPES.join(" or ")))
                .maybe_help(
                    AKS_OS_DISK_TYPES
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(disk))
                        .map(|k| format!("AKS spells it `{k}`")),
                ),
            );
        }
        (ProviderKind::Aks, Field::Mode, ExtraValue::Text(mode))
            if !AKS_MODES.contains(&mode.as_str()) =>
        {
            let help = match AKS_MODES.iter().find(|k| k.eq_ignore_ascii_case(mode)) {
                Some(k) => format!("AKS spells it `{k}`"),
                None if mode.eq_ignore_ascii_case("gateway") => {
                    "Gateway pools carry egress traffic, not workloads: poolctl does not plan them"
                        .to_string()
                }
                None => {
                    "leave `mode` out: a core pool is System, every other class User".to_string()
                }
            };
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("unknown AKS pool mode `{mode}`"),
                )
                .label(format!("expected {}", AKS_MODES.join(" or ")))
                .help(help),
            );
        }
        (ProviderKind::Aks, Field::MaxPods, ExtraValue::Count(pods))
            if !AKS_MAX_PODS.contains(pods) =>
        {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!(
                        "AKS allows {} to {} pods per node, not {pods}",
                        AKS_MAX_PODS.start(),
                        AKS_MAX_PODS.end()
                    ),
                )
                .label("out of range"),
            );
        }
        (ProviderKind::Aks, Field::VnetSubnetId, ExtraValue::Text(id)) if !is_subnet_id(id) => {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    "`vnet_subnet_id` is not the resource ID of a subnet",
                )
                .label("expected /subscriptions/../resourceGroups/../providers/Microsoft.Network/virtualNetworks/../subnets/..")
                .help("`az network vnet subnet show -g RG --vnet-name VNET -n SUBNET --query id -o tsv` prints it"),
            );
        }
        _ => {}
    }
    issues.len() == before
}

/// `name@project.iam.gserviceaccount.com`, `123-compute@developer.gserviceaccount.com` and
/// the like: one `@`, a plain local part, a gserviceaccount.com domain.
fn is_service_account_email(account: &str) -> bool {
    let Some((local, domain)) = account.split_once('@') else {
        return false;
    };
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
    };
    plain(local) && plain(domain) && domain.ends_with(".gserviceaccount.com")
}

/// An ARM subnet resource ID: `/subscriptions/S/resourceGroups/RG/providers/
/// Microsoft.Network/virtualNetworks/V/subnets/N`, segment names compared without regard
/// to case, as ARM does.
fn is_subnet_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    let expected = [
        "",
        "subscriptions",
        "*",
        "resourcegroups",
        "*",
        "providers",
        "microsoft.network",
        "virtualnetworks",
        "*",
        "subnets",
        "*",
    ];
    parts.len() == expected.len()
        && parts.iter().zip(expected).all(|(part, want)| match want {
            "*" => !part.is_empty() && !part.contains(char::is_whitespace),
            word => part.eq_ignore_ascii_case(word),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_ids_are_arm_resource_ids_of_subnets() {
        assert!(is_subnet_id(
            "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
        ));
        assert!(is_subnet_id(
            "/subscriptions/0000/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet/subnets/nodes"
        ));
        assert!(!is_subnet_id("nodes"));
        assert!(!is_subnet_id(
            "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet"
        ));
    }

    #[test]
    fn service_accounts_are_emails_of_the_right_domain() {
        assert!(is_service_account_email(
            "gke-nodes@acme.iam.gserviceaccount.com"
        ));
        assert!(is_service_account_email(
            "123456-compute@developer.gserviceaccount.com"
        ));
        assert!(!is_service_account_email("gke-nodes"));
        assert!(!is_service_account_email("me@example.com"));
        assert!(!is_service_account_email("a@b@iam.gserviceaccount.com"));
    }
}
