//! Opening the device a native process trains on.
//!
//! burn's CPU backend is always there. The GPU backends exist only in builds with the `wgpu`
//! or `cuda` feature, and a GPU may still be missing on the machine at hand: each opener
//! runs one small computation on the device before handing it out, so that a process asked
//! for a GPU it cannot use says so when it starts instead of failing its first job.

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::tensor::{Device, Tensor};

/// A device proven to compute, with its name for people.
#[derive(Debug, Clone)]
pub struct Accelerator {
    /// Where tensors go.
    pub device: Device,
    /// What the device is, for logs and job records: "CPU (burn flex)", the adapter's name.
    pub label: String,
}

/// Why a GPU backend could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum AcceleratorError {
    /// wgpu found no adapter, or the adapter refused the device.
    #[error("no usable wgpu adapter: {0}")]
    Wgpu(String),
    /// The CUDA driver or device is missing or unusable.
    #[error("no usable CUDA device {index}: {reason}")]
    Cuda {
        /// The device index asked for.
        index: usize,
        /// What went wrong.
        reason: String,
    },
}

/// burn's pure-Rust CPU backend.
#[must_use]
pub fn cpu() -> Accelerator {
    Accelerator {
        device: Device::flex(),
        label: "CPU (burn flex)".to_owned(),
    }
}

/// burn's wgpu backend on the adapter wgpu prefers (a discrete GPU first), named after it.
///
/// # Errors
///
/// [`AcceleratorError::Wgpu`] when no adapter answers or the first computation fails.
#[cfg(feature = "wgpu")]
pub fn wgpu() -> Result<Accelerator, AcceleratorError> {
    let (device, setup) = Device::wgpu_options()
        .init_with_setup()
        .map_err(|error| AcceleratorError::Wgpu(error.to_string()))?;
    let info = setup.adapter.get_info();
    probe(&device).map_err(AcceleratorError::Wgpu)?;
    Ok(Accelerator {
        device,
        label: format!("{} ({:?}, burn wgpu)", info.name, info.backend),
    })
}

/// burn's CUDA backend on device `index`.
///
/// # Errors
///
/// [`AcceleratorError::Cuda`] when the driver, or the device, cannot run the first
/// computation.
#[cfg(feature = "cuda")]
pub fn cuda(index: usize) -> Result<Accelerator, AcceleratorError> {
    let device = Device::cuda(index);
    probe(&device).map_err(|reason| AcceleratorError::Cuda { index, reason })?;
    Ok(Accelerator {
        device,
        label: format!("CUDA device {index} (burn cuda)"),
    })
}

/// Multiplies two small matrices on `device` and reads the result back.
///
/// burn's GPU runtimes start lazily and report a missing driver by panicking, so the panic
/// is caught here and turned into the message it carried.
#[cfg_attr(not(any(feature = "wgpu", feature = "cuda")), allow(dead_code))]
fn probe(device: &Device) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let left = Tensor::<2>::ones([4, 8], device);
        let right = Tensor::<2>::ones([8, 2], device);
        left.matmul(right).sum().into_scalar::<f32>()
    }));
    match outcome {
        Ok(sum) if (sum - 64.0).abs() < 1e-3 => Ok(()),
        Ok(sum) => Err(format!("a test product summed to {sum} instead of 64")),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
            .unwrap_or_else(|| "the backend panicked".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_passes_the_probe() {
        let accelerator = cpu();
        assert!(probe(&accelerator.device).is_ok());
        assert_eq!(accelerator.label, "CPU (burn flex)");
    }
}
