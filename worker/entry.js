// The Lab's Web Worker script. The site build fills in the hashed names of the trainer module.
//
// It loads the trainer once, then hands each message from the page to it; the trainer answers
// through the callback, one message per event.
import init, { handle } from './__TRAINER_JS__';

const ready = init({ module_or_path: new URL('./__TRAINER_WASM__', import.meta.url) });

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
    await handle(event.data, (reply) => self.postMessage(reply));
};
