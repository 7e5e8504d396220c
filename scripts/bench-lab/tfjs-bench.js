// Trains Lepton's default Lab model with TensorFlow.js in this tab and times model.fit.
//
// The model, optimiser, loss and batching mirror the Lab's defaults (Dense 64 relu, Dense 64
// relu, Dense 1 sigmoid; Adam 0.001; binary cross-entropy; batch 32, shuffled), so that the
// samples per second compare the two training loops and nothing else. The query string names
// the dataset URL (`data`), the backend (`wasm` or `cpu`) and the number of epochs (`epochs`).
// The result, or the error, is published on `window` for run.mjs to read.

const BATCH_SIZE = 32;
const LEARNING_RATE = 0.001;
const HIDDEN_UNITS = 64;
const WASM_DIST = new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', location.href);

/** Turns one split of the dataset JSON into feature and label tensors. */
function toTensors(split, featureCount) {
  const rows = split.labels.length;
  if (split.features.length !== rows * featureCount) {
    throw new Error(`${split.features.length} features for ${rows} rows of ${featureCount}`);
  }
  return {
    rows,
    features: tf.tensor2d(split.features, [rows, featureCount], 'float32'),
    labels: tf.tensor2d(split.labels, [rows, 1], 'float32'),
  };
}

function buildModel(featureCount) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [featureCount], units: HIDDEN_UNITS, activation: 'relu' }),
      tf.layers.dense({ units: HIDDEN_UNITS, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** Fits a fresh model and returns its history; the model is disposed afterwards. */
async function fit(featureCount, train, validation, epochs) {
  const model = buildModel(featureCount);
  try {
    return await model.fit(train.features, train.labels, {
      epochs,
      batchSize: BATCH_SIZE,
      shuffle: true,
      validationData: [validation.features, validation.labels],
      verbose: 0,
    });
  } finally {
    model.dispose();
  }
}

async function run() {
  const query = new URLSearchParams(location.search);
  const backend = query.get('backend') ?? 'wasm';
  const epochs = Number(query.get('epochs') ?? '10');
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new Error(`epochs must be a positive integer, not ${query.get('epochs')}`);
  }

  tf.wasm.setWasmPaths(WASM_DIST.href);
  if (!(await tf.setBackend(backend))) {
    throw new Error(`backend ${backend} failed to initialise`);
  }
  await tf.ready();

  const response = await fetch(query.get('data'));
  if (!response.ok) {
    throw new Error(`dataset request failed: ${response.status}`);
  }
  const dataset = await response.json();
  const train = toTensors(dataset.train, dataset.feature_count);
  const validation = toTensors(dataset.validation, dataset.feature_count);

  // The first fit pays for kernel compilation and warm caches; only the second one is timed.
  await fit(dataset.feature_count, train, validation, 1);
  const start = performance.now();
  const history = await fit(dataset.feature_count, train, validation, epochs);
  const seconds = (performance.now() - start) / 1000;

  const accuracy = history.history.val_acc ?? history.history.val_accuracy;
  const result = {
    backend,
    epochs,
    trainRows: train.rows,
    seconds,
    samplesPerSecond: (train.rows * epochs) / seconds,
    finalValAccuracy: accuracy[accuracy.length - 1],
  };
  if (backend === 'wasm') {
    result.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    result.wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return result;
}

const status = document.getElementById('status');
run().then(
  (result) => {
    window.benchResult = result;
    status.textContent = `${result.samplesPerSecond.toFixed(0)} samples/s`;
  },
  (error) => {
    window.benchError = String(error?.stack ?? error);
    status.textContent = `Failed: ${error}`;
  },
);
