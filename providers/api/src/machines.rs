//! What a cloud's machine type implies (AKS VM sizes, EC2 instance types): on AKS a GPU comes with the VM size (provider-apis.md
//! §0: "GPU = GPU vmSize"), so the GPUs of a pool are read from its `vmSize`, and a
//! blueprint's `gpu = { type, count }` is checked against the same table.
//!
//! Only whole-GPU sizes are listed: fractional ones (NVadsA10 v5 below 36 vCPUs) share a
//! GPU between VMs and have no whole count to schedule on.

use crate::model::Gpu;

/// `(vmSize, GPU model, GPUs per VM)`, from Microsoft's VM size pages for the NC, ND and NV
/// series. GPU models are named as `nvidia-<model>` in lower case, the way GKE names its
/// accelerators.
const AKS_GPU_SIZES: &[(&str, &str, u32)] = &[
    ("Standard_NC4as_T4_v3", "nvidia-t4", 1),
    ("Standard_NC8as_T4_v3", "nvidia-t4", 1),
    ("Standard_NC16as_T4_v3", "nvidia-t4", 1),
    ("Standard_NC64as_T4_v3", "nvidia-t4", 4),
    ("Standard_NC6s_v3", "nvidia-v100", 1),
    ("Standard_NC12s_v3", "nvidia-v100", 2),
    ("Standard_NC24s_v3", "nvidia-v100", 4),
    ("Standard_NC24rs_v3", "nvidia-v100", 4),
    ("Standard_NC24ads_A100_v4", "nvidia-a100", 1),
    ("Standard_NC48ads_A100_v4", "nvidia-a100", 2),
    ("Standard_NC96ads_A100_v4", "nvidia-a100", 4),
    ("Standard_ND96asr_v4", "nvidia-a100", 8),
    ("Standard_ND96amsr_A100_v4", "nvidia-a100", 8),
    ("Standard_NV36ads_A10_v5", "nvidia-a10", 1),
    ("Standard_NV72ads_A10_v5", "nvidia-a10", 2),
    ("Standard_NC40ads_H100_v5", "nvidia-h100", 1),
    ("Standard_NC80adis_H100_v5", "nvidia-h100", 2),
    ("Standard_ND96isr_H100_v5", "nvidia-h100", 8),
];

/// The GPUs of every VM of an AKS `vmSize`; `None` for a size without whole GPUs, or one
/// this table does not know. ARM compares VM sizes without regard to case.
pub fn aks_vm_gpus(vm_size: &str) -> Option<Gpu> {
    AKS_GPU_SIZES
        .iter()
        .find(|(size, _, _)| size.eq_ignore_ascii_case(vm_size))
        .map(|(_, kind, count)| Gpu {
            kind: (*kind).to_string(),
            count: *count,
        })
}

/// The AKS GPU VM sizes of one GPU model, for suggestions.
pub fn aks_gpu_sizes_of(kind: &str) -> Vec<&'static str> {
    AKS_GPU_SIZES
        .iter()
        .filter(|(_, k, _)| *k == kind)
        .map(|(size, _, _)| *size)
        .collect()
}

/// EC2 GPU instance families: `(family, GPU model, [(size, GPUs)])`, from AWS's accelerated
/// computing instance pages. Sizes not listed have no whole GPUs, or poolctl does not know them.
/// `(family, GPU model, [(size, GPUs per instance)])`.
type GpuFamily = (&'static str, &'static str, &'static [(&'static str, u32)]);

const EKS_GPU_FAMILIES: &[GpuFamily] = &[
    (
        "g4dn",
        "nvidia-t4",
        &[
            ("xlarge", 1),
            ("2xlarge", 1),
            ("4xlarge", 1),
            ("8xlarge", 1),
            ("16xlarge", 1),
            ("12xlarge", 4),
            ("metal", 8),
        ],
    ),
    (
        "g5",
        "nvidia-a10g",
        &[
            ("xlarge", 1),
            ("2xlarge", 1),
            ("4xlarge", 1),
            ("8xlarge", 1),
            ("16xlarge", 1),
            ("12xlarge", 4),
            ("24xlarge", 4),
            ("48xlarge", 8),
        ],
    ),
    (
        "g5g",
        "nvidia-t4g",
        &[
            ("xlarge", 1),
            ("2xlarge", 1),
            ("4xlarge", 1),
            ("8xlarge", 1),
            ("16xlarge", 2),
            ("metal", 2),
        ],
    ),
    (
        "g6",
        "nvidia-l4",
        &[
            ("xlarge", 1),
            ("2xlarge", 1),
            ("4xlarge", 1),
            ("8xlarge", 1),
            ("16xlarge", 1),
            ("12xlarge", 4),
            ("24xlarge", 4),
            ("48xlarge", 8),
        ],
    ),
    (
        "g6e",
        "nvidia-l40s",
        &[
            ("xlarge", 1),
            ("2xlarge", 1),
            ("4xlarge", 1),
            ("8xlarge", 1),
            ("16xlarge", 1),
            ("12xlarge", 4),
            ("24xlarge", 4),
            ("48xlarge", 8),
        ],
    ),
    (
        "p3",
        "nvidia-v100",
        &[("2xlarge", 1), ("8xlarge", 4), ("16xlarge", 8)],
    ),
    ("p3dn", "nvidia-v100", &[("24xlarge", 8)]),
    ("p4d", "nvidia-a100", &[("24xlarge", 8)]),
    ("p4de", "nvidia-a100", &[("24xlarge", 8)]),
    ("p5", "nvidia-h100", &[("48xlarge", 8)]),
    ("p5e", "nvidia-h200", &[("48xlarge", 8)]),
];

/// The GPUs of every node of an EC2 instance type; `None` for a type without GPUs, or one
/// this table does not know.
pub fn eks_instance_gpus(instance_type: &str) -> Option<Gpu> {
    let (family, size) = instance_type.split_once('.')?;
    EKS_GPU_FAMILIES
        .iter()
        .find(|(f, _, _)| *f == family)
        .and_then(|(_, kind, sizes)| {
            sizes
                .iter()
                .find(|(s, _)| *s == size)
                .map(|(_, count)| Gpu {
                    kind: (*kind).to_string(),
                    count: *count,
                })
        })
}

/// Whether an EC2 instance type belongs to a GPU family poolctl knows, whatever its size.
pub fn eks_is_gpu_family(instance_type: &str) -> bool {
    let family = instance_type.split('.').next().unwrap_or_default();
    EKS_GPU_FAMILIES.iter().any(|(f, _, _)| *f == family)
}

/// The EC2 instance types of one GPU model, for suggestions.
pub fn eks_gpu_types_of(kind: &str) -> Vec<String> {
    EKS_GPU_FAMILIES
        .iter()
        .filter(|(_, k, _)| *k == kind)
        .flat_map(|(family, _, sizes)| {
            sizes
                .iter()
                .map(move |(size, _)| format!("{family}.{size}"))
        })
        .collect()
}

/// Whether an EC2 instance type runs on AWS Graviton (arm64): `a1`, and every family whose
/// generation digit is followed by `g` (m7g, c6gn, r8g, t4g, g5g, im4gn, is4gen, x2gd).
pub fn eks_is_arm64(instance_type: &str) -> bool {
    let family = instance_type.split('.').next().unwrap_or_default();
    if family == "a1" {
        return true;
    }
    let after_digits = family
        .trim_start_matches(|c: char| c.is_ascii_lowercase())
        .trim_start_matches(|c: char| c.is_ascii_digit());
    family.len() > after_digits.len()
        && family
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
        && after_digits.starts_with('g')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_gpus_come_from_family_and_size() {
        assert_eq!(
            eks_instance_gpus("g5.12xlarge"),
            Some(Gpu {
                kind: "nvidia-a10g".into(),
                count: 4
            })
        );
        assert_eq!(eks_instance_gpus("m6i.xlarge"), None);
        assert_eq!(eks_instance_gpus("g5.3xlarge"), None);
        assert!(eks_is_gpu_family("g5.3xlarge"));
        assert!(eks_gpu_types_of("nvidia-l4").contains(&"g6.xlarge".to_string()));
    }

    #[test]
    fn graviton_types_are_arm64() {
        for arm in [
            "m7g.xlarge",
            "c6gn.large",
            "t4g.small",
            "g5g.xlarge",
            "a1.large",
            "im4gn.large",
            "is4gen.xlarge",
            "r8g.2xlarge",
            "x2gd.xlarge",
        ] {
            assert!(eks_is_arm64(arm), "{arm}");
        }
        for x86 in [
            "m6i.xlarge",
            "g5.xlarge",
            "g4dn.xlarge",
            "p4d.24xlarge",
            "inf2.xlarge",
            "c7a.large",
            "m5.large",
        ] {
            assert!(!eks_is_arm64(x86), "{x86}");
        }
    }

    #[test]
    fn gpus_come_from_the_vm_size_whatever_its_case() {
        assert_eq!(
            aks_vm_gpus("standard_nc24ads_a100_v4"),
            Some(Gpu {
                kind: "nvidia-a100".into(),
                count: 1
            })
        );
        assert_eq!(aks_vm_gpus("Standard_D4s_v5"), None);
        assert_eq!(aks_gpu_sizes_of("nvidia-t4").len(), 4);
    }
}
