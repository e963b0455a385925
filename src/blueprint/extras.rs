//! Provider settings (`[pools.NAME.gke]`, `.aks]`, `.eks]`, their `[defaults.*]`, and `[cluster.eks]`): each value checked against
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
        (ProviderKind::Eks, field, value) => {
            if let Err((message, label, help)) = check_eks_extra(field, value) {
                issues.push(
                    Issue::new(ErrorKind::InvalidValue, span, message)
                        .label(label)
                        .maybe_help(help),
                );
            }
        }
        _ => {}
    }
    issues.len() == before
}

/// The Linux AMI types of EKS's `AMITypes` (botocore model, API 2017-11-01). Windows node
/// groups come with taints and cluster settings poolctl does not model; `CUSTOM` is what EKS
/// reports for a launch template's own AMI, not something to ask for.
pub(crate) const EKS_AMI_TYPES: &[&str] = &[
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "AL2023_x86_64_NEURON",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64",
    "BOTTLEROCKET_x86_64_FIPS",
    "BOTTLEROCKET_ARM_64_FIPS",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA",
    "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
    "BOTTLEROCKET_ARM_64_NVIDIA_FIPS",
    "AL2_x86_64",
    "AL2_x86_64_GPU",
    "AL2_ARM_64",
];

type Refusal = (String, String, Option<String>);

/// One `[pools.NAME.eks]` value against what EKS accepts.
fn check_eks_extra(field: Field, value: &ExtraValue) -> Result<(), Refusal> {
    match (field, value) {
        (Field::AmiType, ExtraValue::Text(ami)) if !EKS_AMI_TYPES.contains(&ami.as_str()) => {
            let help = if ami == "CUSTOM" {
                "EKS reports CUSTOM for a launch template that names its own AMI: leave \
                 `ami_type` out and put the AMI in the launch template"
                    .to_string()
            } else if ami.starts_with("WINDOWS") {
                "Windows node groups are not supported by poolctl yet".to_string()
            } else if let Some(known) = EKS_AMI_TYPES.iter().find(|k| k.eq_ignore_ascii_case(ami)) {
                format!("EKS spells it `{known}`")
            } else {
                match closest(ami, EKS_AMI_TYPES) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "leave `ami_type` out: poolctl picks the AL2023 type that fits the \
                             instance type and class"
                        .to_string(),
                }
            };
            Err((
                format!("unknown EKS AMI type `{ami}`"),
                "not an EKS AMI type".into(),
                Some(help),
            ))
        }
        (Field::NodeRole, ExtraValue::Text(role)) if !is_iam_role_arn(role) => Err((
            format!("`{role}` is not the ARN of an IAM role"),
            "expected arn:aws:iam::ACCOUNT:role/NAME".into(),
            Some(
                "the node role's ARN: `aws iam get-role --role-name NAME --query Role.Arn` \
                 prints it"
                    .into(),
            ),
        )),
        (Field::Subnets, ExtraValue::List(subnets)) => {
            if subnets.is_empty() {
                return Err((
                    "`subnets` is empty".into(),
                    "no subnet at all".into(),
                    Some("EKS needs at least one subnet for a node group's nodes".into()),
                ));
            }
            match subnets.iter().find(|s| !is_aws_id(s, "subnet-")) {
                Some(bad) => Err((
                    format!("`{bad}` is not a subnet id"),
                    "expected subnet-0123456789abcdef0".into(),
                    Some("subnets are named by id: `aws ec2 describe-subnets --query 'Subnets[].SubnetId'`".into()),
                )),
                None => Ok(()),
            }
        }
        (Field::InstanceTypes, ExtraValue::List(types)) => {
            if types.is_empty() {
                return Err((
                    "`instance_types` is empty".into(),
                    "no instance type at all".into(),
                    Some("list at least one, or leave it out and set `machine_type`".into()),
                ));
            }
            if let Some(bad) = types.iter().find(|t| !is_instance_type(t)) {
                return Err((
                    format!("`{bad}` is not an EC2 instance type"),
                    "expected FAMILY.SIZE, e.g. m6i.xlarge".into(),
                    None,
                ));
            }
            match types
                .iter()
                .enumerate()
                .find(|(i, t)| types[..*i].contains(t))
            {
                Some((_, twice)) => Err((
                    format!("`{twice}` is listed twice"),
                    "duplicate instance type".into(),
                    None,
                )),
                None => Ok(()),
            }
        }
        (Field::LaunchTemplateId, ExtraValue::Text(id)) if !is_aws_id(id, "lt-") => Err((
            format!("`{id}` is not a launch template id"),
            "expected lt-0123456789abcdef0".into(),
            Some("or name the template: `launch_template = { name = \"...\" }`".into()),
        )),
        (Field::LaunchTemplateName, ExtraValue::Text(name))
            if !(3..=128).contains(&name.len())
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "().-/_".contains(c)) =>
        {
            Err((
                format!("`{name}` is not a launch template name"),
                "3 to 128 of letters, digits and ( ) . - / _".into(),
                None,
            ))
        }
        (Field::LaunchTemplateVersion, ExtraValue::Text(version))
            if version.is_empty()
                || !version.chars().all(|c| c.is_ascii_digit())
                || version.starts_with('0') =>
        {
            Err((
                format!("`{version}` is not a launch template version"),
                "expected a version number, e.g. \"3\"".into(),
                Some(
                    "name the version: with none, EKS uses the template's default version, and \
                     a plan cannot tell when that default moves"
                        .into(),
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
fn is_iam_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty() && !n.contains(char::is_whitespace)))
}

/// An EC2 resource id: the prefix, then 8 or 17 lower-case hex digits.
fn is_aws_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// `m6i.xlarge`, `g5.12xlarge`, `u-6tb1.metal`: a family and a size.
fn is_instance_type(name: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    name.split_once('.')
        .is_some_and(|(family, size)| ok(family) && ok(size))
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
    fn eks_ids_and_arns_have_their_shapes() {
        assert!(is_iam_role_arn("arn:aws:iam::123456789012:role/eks-nodes"));
        assert!(is_iam_role_arn(
            "arn:aws-cn:iam::123456789012:role/path/eks-nodes"
        ));
        assert!(!is_iam_role_arn("arn:aws:iam::123456789012:user/me"));
        assert!(!is_iam_role_arn("eks-nodes"));
        assert!(is_aws_id("subnet-0123456789abcdef0", "subnet-"));
        assert!(is_aws_id("subnet-0a1b2c3d", "subnet-"));
        assert!(!is_aws_id("subnet-XYZ", "subnet-"));
        assert!(is_instance_type("g5.12xlarge"));
        assert!(!is_instance_type("m6i"));
        assert!(!is_instance_type("M6i.xlarge"));
    }

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
