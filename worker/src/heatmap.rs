//! The decision-boundary heatmap of a two-feature model, drawn by the worker onto the canvas
//! the page handed over (an `OffscreenCanvas`).
//!
//! After each epoch the model predicts a lattice over the plane and `lepton_ml::surface` turns
//! it into cells of a class and a strength. With WebGPU the WGSL shader `shaders/heatmap.wgsl`
//! colours and blends the cells on the GPU (the device burn trains on) into a texture that is
//! read back and put on the canvas; without it the same colours are computed here, one pixel
//! per cell, and the page's CSS scales them smoothly.
//!
//! The GPU draws into its own texture rather than the canvas's swap chain: headless Chromium
//! on a software adapter does not show frames presented from a worker, and a read-back frame
//! shows everywhere (and costs 576 KiB per epoch).

use lepton_ml::surface::{GRID, PALETTE, colour};
use lepton_ml::webgpu::wgpu;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{ImageData, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

use crate::backend::Gpu;
use crate::clock::yield_to_browser;

/// Pixels along each side of the WebGPU drawing.
const GPU_SIDE: u32 = 384;

/// Why the heatmap cannot be drawn; training goes on without it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HeatmapError {
    /// The canvas gave no context of the kind asked for.
    #[error("the canvas offers no {0} context")]
    Context(&'static str),
    /// A browser call failed.
    #[error("drawing failed: {0}")]
    Browser(String),
    /// The GPU could not hand the drawing back.
    #[error("reading the heatmap back from the GPU failed")]
    Readback,
}

/// Draws cells on the canvas, with WebGPU or on the host.
pub(crate) struct Renderer {
    context: OffscreenCanvasRenderingContext2d,
    gpu: Option<GpuHeatmap>,
}

impl Renderer {
    /// A renderer for `canvas`: the shader on `gpu` when given, host colours otherwise.
    ///
    /// # Errors
    ///
    /// [`HeatmapError::Context`] when the canvas gives no 2D context.
    pub(crate) fn new(canvas: &OffscreenCanvas, gpu: Option<&Gpu>) -> Result<Self, HeatmapError> {
        let side = if gpu.is_some() { GPU_SIDE } else { GRID as u32 };
        canvas.set_width(side);
        canvas.set_height(side);
        let context = canvas
            .get_context("2d")
            .map_err(|error| HeatmapError::Browser(format!("{error:?}")))?
            .and_then(|context| context.dyn_into::<OffscreenCanvasRenderingContext2d>().ok())
            .ok_or(HeatmapError::Context("2d"))?;

        Ok(Self {
            context,
            gpu: gpu.map(GpuHeatmap::new),
        })
    }

    /// `"webgpu"` (the WGSL shader) or `"canvas2d"`.
    pub(crate) fn name(&self) -> &'static str {
        if self.gpu.is_some() {
            "webgpu"
        } else {
            "canvas2d"
        }
    }

    /// Whether this renderer draws with the GPU.
    pub(crate) fn uses_gpu(&self) -> bool {
        self.gpu.is_some()
    }

    /// Draws `GRID²` cells.
    ///
    /// # Errors
    ///
    /// [`HeatmapError`] when the GPU or the browser refuses the drawing.
    pub(crate) async fn draw(&mut self, cells: &[[f32; 2]]) -> Result<(), HeatmapError> {
        let (pixels, side) = match &self.gpu {
            Some(gpu) => (gpu.draw(cells).await?, GPU_SIDE),
            None => (host_pixels(cells), GRID as u32),
        };

        let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), side, side)
            .map_err(|error| HeatmapError::Browser(format!("{error:?}")))?;
        self.context
            .put_image_data(&image, 0.0, 0.0)
            .map_err(|error| HeatmapError::Browser(format!("{error:?}")))
    }
}

/// One RGBA pixel per cell, coloured on the host.
fn host_pixels(cells: &[[f32; 2]]) -> Vec<u8> {
    cells
        .iter()
        .flat_map(|&cell| {
            let [r, g, b] = colour(cell);
            [r, g, b, 255]
        })
        .collect()
}

/// The WebGPU pipeline, its buffers and the texture it draws into.
pub(crate) struct GpuHeatmap {
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipeline: wgpu::RenderPipeline,
    bind_group: wgpu::BindGroup,
    cells: wgpu::Buffer,
    target: wgpu::Texture,
    readback: wgpu::Buffer,
}

/// Bytes per row of the drawing (a multiple of 256, as copies to buffers require).
const ROW_BYTES: u32 = GPU_SIDE * 4;

impl GpuHeatmap {
    fn new(gpu: &Gpu) -> Self {
        let device = gpu.setup.device.clone();
        let queue = gpu.setup.queue.clone();
        let format = wgpu::TextureFormat::Rgba8Unorm;

        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("heatmap shader"),
            source: wgpu::ShaderSource::Wgsl(include_str!("../../shaders/heatmap.wgsl").into()),
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("heatmap pipeline"),
            layout: None,
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vertex_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fragment_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });

        let buffer = |label, size, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        };
        let copy = wgpu::BufferUsages::COPY_DST;
        let params = buffer("heatmap params", 16, wgpu::BufferUsages::UNIFORM | copy);
        let cells = buffer(
            "heatmap cells",
            (GRID * GRID * 8) as u64,
            wgpu::BufferUsages::STORAGE | copy,
        );
        let palette = buffer(
            "heatmap palette",
            8 * 16,
            wgpu::BufferUsages::UNIFORM | copy,
        );
        let readback = buffer(
            "heatmap readback",
            u64::from(ROW_BYTES * GPU_SIDE),
            wgpu::BufferUsages::MAP_READ | copy,
        );

        let mut header = Vec::with_capacity(16);
        header.extend_from_slice(&(GRID as u32).to_le_bytes());
        header.extend_from_slice(&(GPU_SIDE as f32).to_le_bytes());
        header.extend_from_slice(&(GPU_SIDE as f32).to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
        queue.write_buffer(&params, 0, &header);
        let colours: Vec<u8> = PALETTE
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        queue.write_buffer(&palette, 0, &colours);

        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("heatmap bind group"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: cells.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: palette.as_entire_binding(),
                },
            ],
        });
        let target = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("heatmap target"),
            size: extent(),
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });

        Self {
            device,
            queue,
            pipeline,
            bind_group,
            cells,
            target,
            readback,
        }
    }

    /// Renders the cells and returns the RGBA pixels, row 0 at the top.
    async fn draw(&self, cells: &[[f32; 2]]) -> Result<Vec<u8>, HeatmapError> {
        let bytes: Vec<u8> = cells
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        self.queue.write_buffer(&self.cells, 0, &bytes);

        let view = self
            .target
            .create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("heatmap frame"),
            });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("heatmap pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::WHITE),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.target,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(ROW_BYTES),
                    rows_per_image: Some(GPU_SIDE),
                },
            },
            extent(),
        );
        self.queue.submit([encoder.finish()]);

        self.read_back().await
    }

    /// Maps the read-back buffer, waiting on the browser's event loop, and copies it out.
    async fn read_back(&self) -> Result<Vec<u8>, HeatmapError> {
        // 0 while pending, 1 mapped, 2 failed; the callback must be `Send`, so no JS handles.
        let state = Arc::new(AtomicU8::new(0));
        let signal = state.clone();
        self.readback
            .map_async(wgpu::MapMode::Read, .., move |outcome| {
                signal.store(if outcome.is_ok() { 1 } else { 2 }, Ordering::Release);
            });

        while state.load(Ordering::Acquire) == 0 {
            yield_to_browser().await;
        }
        if state.load(Ordering::Acquire) != 1 {
            return Err(HeatmapError::Readback);
        }

        let pixels = self
            .readback
            .get_mapped_range(..)
            .map_err(|_| HeatmapError::Readback)?
            .to_vec();
        self.readback.unmap();
        Ok(pixels)
    }
}

fn extent() -> wgpu::Extent3d {
    wgpu::Extent3d {
        width: GPU_SIDE,
        height: GPU_SIDE,
        depth_or_array_layers: 1,
    }
}
