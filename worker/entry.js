// The Lab's Web Worker script. The site build fills in the hashed names of the trainer module.
//
// Before the trainer loads it asks the browser for a WebGPU adapter and leaves what it found in
// `self.leptonAdapter` (the trainer names the adapter from it, and skips WebGPU when it is
// null). It also provides `self.leptonYield`, a turn of the event loop through a
// MessageChannel, which unlike setTimeout(0) is not clamped to 4 ms. Messages from the page are
// requests for the trainer, except `{ type: 'canvas', canvas }`, which hands over the
// heatmap's OffscreenCanvas.
import init, { attach_canvas, handle, lose_device } from './__TRAINER_JS__';

const channel = new MessageChannel();
const turns = [];
channel.port1.onmessage = () => turns.shift()?.();
self.leptonYield = () =>
    new Promise((resolve) => {
        turns.push(resolve);
        channel.port2.postMessage(null);
    });

async function probeAdapter() {
    try {
        const adapter = await navigator.gpu?.requestAdapter();
        if (!adapter) return null;
        const info = adapter.info ?? {};
        return {
            vendor: info.vendor ?? '',
            architecture: info.architecture ?? '',
            description: info.description ?? '',
            isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
        };
    } catch {
        return null;
    }
}

const ready = probeAdapter()
    .then((adapter) => {
        self.leptonAdapter = adapter;
        return init({ module_or_path: new URL('./__TRAINER_WASM__', import.meta.url) });
    });

// The end-to-end test of the fallback to the CPU loses the device through this.
self.leptonLoseDevice = () => ready.then(() => lose_device());

ready.then(
    () => self.postMessage({ type: 'ready' }),
    (error) => self.postMessage({ type: 'failed', message: `the trainer did not load: ${error}` }),
);

self.onmessage = async (event) => {
    try {
        await ready;
    } catch {
        return;
    }
    if (event.data?.type === 'canvas') {
        attach_canvas(event.data.canvas);
    } else {
        handle(event.data, (reply) => self.postMessage(reply));
    }
};
