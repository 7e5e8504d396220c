//! The multi-layer perceptron every Lepton model starts from.
//!
//! Dense layers with a chosen activation and optional dropout between them, and a linear
//! output layer: one logit for binary classification (the loss applies the sigmoid in its
//! stable fused form), one logit per class for multi-class, one value for regression. The
//! default is the classic "Dense 64 ReLU → Dense 64 ReLU → Dense 1 sigmoid" classifier.
//!
//! Weights can be drawn on the host from a seed ([`MlpConfig::init_seeded`]), so the same seed
//! gives the same starting network on every backend: the CPU and WebGPU runs of a Lab link
//! start from identical weights and can be compared.

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, relu, sigmoid, softmax, tanh};

use lepton_protocol::lab::{Activation, Task};

use crate::rng::SplitMix64;

/// Layer sizes, activation and dropout of an [`Mlp`].
#[derive(Debug, Clone, PartialEq)]
pub struct MlpConfig {
    /// Features per input row.
    pub input: usize,
    /// Width of each hidden layer, input side first. Default: `[64, 64]`.
    pub hidden: Vec<usize>,
    /// Output units: 1 for binary and regression, the class count for multi-class.
    pub output: usize,
    /// Non-linearity after each hidden layer. Default ReLU.
    pub activation: Activation,
    /// Dropout probability after each hidden activation during training. Default 0.
    pub dropout: f64,
}

/// A feed-forward network: hidden dense layers, then a linear output.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    output: Linear,
    dropout: Dropout,
    #[module(skip)]
    activation: Activation,
}

/// The parameters of one dense layer, copied to the host.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseLayer {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `inputs × outputs` values, row-major.
    pub weights: Vec<f32>,
    /// `outputs` values.
    pub biases: Vec<f32>,
}

/// Why layers read from a file do not make the configured network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShapeError {
    /// The file has a different number of layers than the architecture says.
    #[error("the architecture has {expected} dense layers but the weights have {found}")]
    LayerCount {
        /// Layers the architecture needs (hidden + output).
        expected: usize,
        /// Layers present.
        found: usize,
    },
    /// A layer's shape or value count does not match.
    #[error("layer {layer} should be {inputs}×{outputs} with matching values")]
    Layer {
        /// Counted from 0, input side first.
        layer: usize,
        /// Expected input width.
        inputs: usize,
        /// Expected output width.
        outputs: usize,
    },
    /// A weight is NaN or infinite.
    #[error("layer {layer} holds a value that is not a finite number")]
    NonFinite {
        /// Counted from 0.
        layer: usize,
    },
}

impl MlpConfig {
    /// The default architecture for `input` features: two hidden layers of 64 ReLU units and
    /// one output.
    pub fn new(input: usize) -> Self {
        Self {
            input,
            hidden: vec![64, 64],
            output: 1,
            activation: Activation::Relu,
            dropout: 0.0,
        }
    }

    /// Replaces the hidden layer widths.
    pub fn with_hidden(mut self, hidden: Vec<usize>) -> Self {
        self.hidden = hidden;
        self
    }

    /// Sets the output width for `task`.
    pub fn with_task(mut self, task: Task) -> Self {
        self.output = task.outputs();
        self
    }

    /// Replaces the activation.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Replaces the dropout probability.
    pub fn with_dropout(mut self, dropout: f64) -> Self {
        self.dropout = dropout;
        self
    }

    /// `(inputs, outputs)` of every dense layer, input side first.
    pub fn layer_shapes(&self) -> Vec<(usize, usize)> {
        let mut widths = Vec::with_capacity(self.hidden.len() + 2);
        widths.push(self.input);
        widths.extend_from_slice(&self.hidden);
        widths.push(self.output);

        widths.windows(2).map(|pair| (pair[0], pair[1])).collect()
    }

    /// Builds the network with burn's default initialisation on `device`.
    pub fn init(&self, device: &Device) -> Mlp {
        let layers = self
            .layer_shapes()
            .into_iter()
            .map(|(inputs, outputs)| LinearConfig::new(inputs, outputs).init(device))
            .collect();
        self.assemble(layers)
    }

    /// Builds the network with weights drawn on the host from `seed`: uniform in
    /// `(-k, k)` with `k = 1 / sqrt(inputs)`, burn's (and PyTorch's) default for dense layers.
    /// Equal seeds give bit-identical networks on every backend.
    pub fn init_seeded(&self, seed: u64, device: &Device) -> Mlp {
        let mut rng = SplitMix64::new(seed);
        let layers: Vec<DenseLayer> = self
            .layer_shapes()
            .into_iter()
            .map(|(inputs, outputs)| {
                let bound = 1.0 / (inputs as f32).sqrt();
                let mut draw = || (2.0 * rng.next_f32() - 1.0) * bound;
                DenseLayer {
                    inputs,
                    outputs,
                    weights: (0..inputs * outputs).map(|_| draw()).collect(),
                    biases: (0..outputs).map(|_| draw()).collect(),
                }
            })
            .collect();

        self.assemble(layers.iter().map(|layer| linear(layer, device)).collect())
    }

    /// Builds the network from saved layers.
    ///
    /// # Errors
    ///
    /// A [`ShapeError`] when the layers do not match this architecture or hold non-finite
    /// values.
    pub fn from_layers(&self, layers: &[DenseLayer], device: &Device) -> Result<Mlp, ShapeError> {
        self.check_layers(layers)?;

        Ok(self.assemble(layers.iter().map(|layer| linear(layer, device)).collect()))
    }

    /// Checks that `layers` make this architecture and hold finite values only.
    ///
    /// # Errors
    ///
    /// The first [`ShapeError`] found.
    pub fn check_layers(&self, layers: &[DenseLayer]) -> Result<(), ShapeError> {
        let shapes = self.layer_shapes();
        if shapes.len() != layers.len() {
            return Err(ShapeError::LayerCount {
                expected: shapes.len(),
                found: layers.len(),
            });
        }

        for (index, (layer, &(inputs, outputs))) in layers.iter().zip(&shapes).enumerate() {
            let fits = layer.inputs == inputs
                && layer.outputs == outputs
                && layer.weights.len() == inputs * outputs
                && layer.biases.len() == outputs;
            if !fits {
                return Err(ShapeError::Layer {
                    layer: index,
                    inputs,
                    outputs,
                });
            }
            if !layer
                .weights
                .iter()
                .chain(&layer.biases)
                .all(|v| v.is_finite())
            {
                return Err(ShapeError::NonFinite { layer: index });
            }
        }
        Ok(())
    }

    fn assemble(&self, mut layers: Vec<Linear>) -> Mlp {
        let output = layers
            .pop()
            .unwrap_or_else(|| unreachable!("layer_shapes always yields the output layer"));
        Mlp {
            hidden: layers,
            output,
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: self.activation,
        }
    }
}

fn linear(layer: &DenseLayer, device: &Device) -> Linear {
    let weight = TensorData::new(layer.weights.clone(), [layer.inputs, layer.outputs]);
    let bias = TensorData::new(layer.biases.clone(), [layer.outputs]);
    Linear {
        weight: Param::from_data(weight, device),
        bias: Some(Param::from_data(bias, device)),
    }
}

impl Mlp {
    /// Raw outputs: logits for classifiers, values for regression.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, features]`
    /// - output: `[batch, outputs]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let mut x = input;
        for layer in &self.hidden {
            let activated = activate(self.activation, layer.forward(x));
            x = self.dropout.forward(activated);
        }

        self.output.forward(x)
    }

    /// What the model predicts for each row: the probability of class 1 (binary), one
    /// probability per class (multi-class), or the value (regression).
    ///
    /// # Shapes
    ///
    /// - input: `[batch, features]`
    /// - output: `[batch, outputs]`
    pub fn predict(&self, input: Tensor<2>, task: Task) -> Tensor<2> {
        output_activation(self.forward(input), task)
    }

    /// Every dense layer's weights (not the biases), for the L1 and L2 penalties.
    pub(crate) fn weight_matrices(&self) -> impl Iterator<Item = Tensor<2>> + '_ {
        self.hidden
            .iter()
            .chain(std::iter::once(&self.output))
            .map(|layer| layer.weight.val())
    }

    /// The tensors of every dense layer, input side first, for reading back to the host.
    pub(crate) fn parameter_tensors(&self) -> Vec<(Tensor<2>, Tensor<1>)> {
        self.hidden
            .iter()
            .chain(std::iter::once(&self.output))
            .map(|layer| {
                let weight = layer.weight.val();
                let outputs = weight.dims()[1];
                let bias = layer.bias.as_ref().map_or_else(
                    || Tensor::zeros([outputs], &weight.device()),
                    |bias| bias.val(),
                );
                (weight, bias)
            })
            .collect()
    }
}

/// Turns raw outputs into what `task` predicts: probabilities (sigmoid, softmax) or values.
///
/// # Shapes
///
/// - raw and output: `[batch, outputs]`
pub(crate) fn output_activation(raw: Tensor<2>, task: Task) -> Tensor<2> {
    match task {
        Task::Binary => sigmoid(raw),
        Task::Multiclass { .. } => softmax(raw, 1),
        Task::Regression => raw,
    }
}

fn activate(activation: Activation, x: Tensor<2>) -> Tensor<2> {
    match activation {
        Activation::Relu => relu(x),
        Activation::Tanh => tanh(x),
        Activation::Sigmoid => sigmoid(x),
        Activation::Gelu => gelu(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_architecture_is_64_64_1() {
        let config = MlpConfig::new(2);
        assert_eq!(config.hidden, vec![64, 64]);
        assert_eq!(config.layer_shapes(), vec![(2, 64), (64, 64), (64, 1)]);

        let model = config.init(&Device::flex());
        assert_eq!(model.hidden.len(), 2);
        assert_eq!(model.hidden[0].weight.val().dims(), [2, 64]);
        assert_eq!(model.hidden[1].weight.val().dims(), [64, 64]);
        assert_eq!(model.output.weight.val().dims(), [64, 1]);
        // 2·64 + 64 + 64·64 + 64 + 64·1 + 1 weights and biases.
        assert_eq!(model.num_params(), 4417);
    }

    #[test]
    fn predictions_fit_each_task() {
        let device = Device::flex();
        let input = Tensor::<2>::ones([5, 3], &device);

        let binary = MlpConfig::new(3)
            .with_hidden(vec![8])
            .init_seeded(1, &device);
        let values = binary
            .predict(input.clone(), Task::Binary)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(values.len(), 5);
        assert!(values.iter().all(|p| (0.0..=1.0).contains(p)));

        let task = Task::Multiclass { classes: 4 };
        let multi = MlpConfig::new(3).with_task(task).init_seeded(1, &device);
        let rows = multi
            .predict(input, task)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(rows.len(), 20);
        for row in rows.chunks(4) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn seeded_initialisation_is_reproducible_and_seed_dependent() {
        let device = Device::flex();
        let config = MlpConfig::new(2).with_activation(Activation::Gelu);
        let input = Tensor::<2>::from_floats([[0.3, -0.7]], &device);

        let first = config
            .init_seeded(9, &device)
            .forward(input.clone())
            .into_data();
        let again = config
            .init_seeded(9, &device)
            .forward(input.clone())
            .into_data();
        let other = config.init_seeded(10, &device).forward(input).into_data();

        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn rejects_layers_of_the_wrong_shape() {
        let config = MlpConfig::new(2).with_hidden(vec![3]);
        let wrong = DenseLayer {
            inputs: 2,
            outputs: 4,
            weights: vec![0.0; 8],
            biases: vec![0.0; 4],
        };
        let output = DenseLayer {
            inputs: 3,
            outputs: 1,
            weights: vec![0.0; 3],
            biases: vec![0.0],
        };

        let error = config
            .from_layers(&[wrong, output.clone()], &Device::flex())
            .unwrap_err();
        assert_eq!(
            error,
            ShapeError::Layer {
                layer: 0,
                inputs: 2,
                outputs: 3
            }
        );
        assert_eq!(
            config.from_layers(&[output], &Device::flex()).unwrap_err(),
            ShapeError::LayerCount {
                expected: 2,
                found: 1
            }
        );
    }
}
