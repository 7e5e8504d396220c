//! Which device burn trains on in this tab: WebGPU when the browser offers an adapter, burn's
//! CPU backend otherwise or when the person asks for it.
//!
//! burn's WebGPU runtime can be initialised once per worker, so the first successful setup is
//! kept for the worker's life and shared with the heatmap renderer. The worker script probes
//! `navigator.gpu` before the module loads and leaves what it found in `leptonAdapter`, whose
//! vendor and architecture name the adapter better than wgpu's description alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lepton_ml::Device;
use lepton_ml::webgpu::WgpuSetup;
use lepton_protocol::lab::{BackendChoice, BackendInfo};
use wasm_bindgen::prelude::*;

/// A WebGPU device that burn and the heatmap share.
pub(crate) struct Gpu {
    /// burn's handle.
    pub(crate) device: Device,
    /// The wgpu handles behind it.
    pub(crate) setup: WgpuSetup,
    /// The adapter in words.
    pub(crate) adapter: String,
    /// Whether the adapter is a software fallback.
    pub(crate) fallback: bool,
    lost: Arc<AtomicBool>,
}

/// The worker's devices: the CPU always, WebGPU once it was set up.
#[derive(Default)]
pub(crate) struct Devices {
    gpu: Option<Gpu>,
    /// Why WebGPU is not available, once that is known.
    unavailable: Option<String>,
}

impl Gpu {
    /// Whether the browser reported the device lost (or it was destroyed).
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Destroys the device, as a driver reset would; the next training slice falls back to
    /// the CPU. The Lab exposes it so the end-to-end test can lose a real device.
    pub(crate) fn destroy(&self) {
        self.lost.store(true, Ordering::Relaxed);
        self.setup.device.destroy();
    }
}

impl Devices {
    /// The device for `choice`, with what the page should say about it.
    pub(crate) async fn select(&mut self, choice: BackendChoice) -> (Device, BackendInfo) {
        if choice == BackendChoice::Cpu {
            return cpu("you chose the CPU");
        }

        self.ensure_gpu().await;
        match &self.gpu {
            Some(gpu) if !gpu.is_lost() => (
                gpu.device.clone(),
                BackendInfo {
                    kind: "webgpu".to_owned(),
                    adapter: Some(gpu.adapter.clone()),
                    fallback_adapter: gpu.fallback,
                    reason: "the browser offers a WebGPU adapter".to_owned(),
                },
            ),
            Some(_) => cpu("the WebGPU device was lost"),
            None => {
                let reason = self
                    .unavailable
                    .as_deref()
                    .unwrap_or("WebGPU is not available");
                cpu(reason)
            }
        }
    }

    /// The WebGPU device when one is set up and not lost.
    pub(crate) fn gpu(&self) -> Option<&Gpu> {
        self.gpu.as_ref().filter(|gpu| !gpu.is_lost())
    }

    /// Sets WebGPU up once; remembers why when it cannot be.
    pub(crate) async fn ensure_gpu(&mut self) {
        if self.gpu.is_some() || self.unavailable.is_some() {
            return;
        }

        let Some(probe) = adapter_probe() else {
            self.unavailable = Some("this browser offers no WebGPU adapter".to_owned());
            return;
        };
        match Device::wgpu_options().init_with_setup_async().await {
            Ok((device, setup)) => {
                let lost = Arc::new(AtomicBool::new(false));
                let flag = lost.clone();
                setup
                    .device
                    .set_device_lost_callback(move |_reason, _message| {
                        flag.store(true, Ordering::Relaxed);
                    });
                console_debug("webgpu ready");
                self.gpu = Some(Gpu {
                    device,
                    adapter: probe.name(&setup.adapter.get_info().name),
                    fallback: probe.fallback,
                    setup,
                    lost,
                });
            }
            Err(error) => {
                self.unavailable = Some(format!("WebGPU could not start ({error})"));
            }
        }
    }
}

fn cpu(reason: &str) -> (Device, BackendInfo) {
    (Device::flex(), cpu_info(reason))
}

/// What the page says of burn's CPU backend chosen for `reason`.
pub(crate) fn cpu_info(reason: &str) -> BackendInfo {
    BackendInfo {
        kind: "cpu".to_owned(),
        adapter: None,
        fallback_adapter: false,
        reason: reason.to_owned(),
    }
}

/// What the worker script learnt from `navigator.gpu.requestAdapter()`.
struct AdapterProbe {
    vendor: String,
    architecture: String,
    fallback: bool,
}

impl AdapterProbe {
    /// "vendor architecture", or wgpu's description when the browser gives neither.
    fn name(&self, description: &str) -> String {
        let words: Vec<&str> = [self.vendor.as_str(), self.architecture.as_str()]
            .into_iter()
            .filter(|word| !word.is_empty())
            .collect();
        match (words.is_empty(), description.is_empty()) {
            (false, _) => words.join(" "),
            (true, false) => description.to_owned(),
            (true, true) => "an unnamed adapter".to_owned(),
        }
    }
}

fn adapter_probe() -> Option<AdapterProbe> {
    let probe =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("leptonAdapter")).ok()?;
    if probe.is_null() || probe.is_undefined() {
        return None;
    }

    let text = |key: &str| {
        js_sys::Reflect::get(&probe, &JsValue::from_str(key))
            .ok()
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    };
    let fallback = js_sys::Reflect::get(&probe, &JsValue::from_str("isFallbackAdapter"))
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(false);
    Some(AdapterProbe {
        vendor: text("vendor"),
        architecture: text("architecture"),
        fallback,
    })
}

/// The worker has no log sink but the console; one line when WebGPU comes up helps anyone
/// reading a bug report.
fn console_debug(message: &str) {
    web_sys::console::debug_1(&JsValue::from_str(message));
}
