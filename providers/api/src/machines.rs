//! What a cloud's machine type implies: on AKS a GPU comes with the VM size (provider-apis.md
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

#[cfg(test)]
mod tests {
    use super::*;

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
