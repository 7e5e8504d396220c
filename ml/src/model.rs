//! The multi-layer perceptron every Lepton classifier starts from.
//!
//! Dense layers with ReLU between them and one output unit. The output is a logit: the loss
//! applies the sigmoid in its numerically stable fused form, and [`Mlp::probabilities`] applies
//! it for prediction, so the network is the classic "Dense 64 ReLU → Dense 64 ReLU → Dense 1
//! sigmoid" binary classifier.

use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

/// Layer sizes of an [`Mlp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlpConfig {
    /// Features per input row.
    pub input: usize,
    /// Width of each hidden layer, input side first. Default: `[64, 64]`.
    pub hidden: Vec<usize>,
}

/// A feed-forward network with ReLU hidden layers and a single logit output.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    activation: Relu,
    output: Linear,
}

impl MlpConfig {
    /// The default architecture for `input` features: two hidden layers of 64 units.
    pub fn new(input: usize) -> Self {
        Self {
            input,
            hidden: vec![64, 64],
        }
    }

    /// Replaces the hidden layer widths.
    pub fn with_hidden(mut self, hidden: Vec<usize>) -> Self {
        self.hidden = hidden;
        self
    }

    /// Builds the network with freshly initialised weights on `device`.
    pub fn init(&self, device: &Device) -> Mlp {
        let mut width = self.input;
        let mut hidden = Vec::with_capacity(self.hidden.len());

        for &next in &self.hidden {
            hidden.push(LinearConfig::new(width, next).init(device));
            width = next;
        }

        Mlp {
            hidden,
            activation: Relu::new(),
            output: LinearConfig::new(width, 1).init(device),
        }
    }
}

impl Mlp {
    /// Raw scores before the sigmoid.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, features]`
    /// - output: `[batch, 1]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let mut x = input;
        for layer in &self.hidden {
            x = self.activation.forward(layer.forward(x));
        }

        self.output.forward(x)
    }

    /// Probability of class 1 for each row.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, features]`
    /// - output: `[batch, 1]`
    pub fn probabilities(&self, input: Tensor<2>) -> Tensor<2> {
        sigmoid(self.forward(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_architecture_is_64_64_1() {
        let config = MlpConfig::new(2);
        assert_eq!(config.hidden, vec![64, 64]);

        let model = config.init(&Device::flex());
        assert_eq!(model.hidden.len(), 2);
        assert_eq!(model.hidden[0].weight.val().dims(), [2, 64]);
        assert_eq!(model.hidden[1].weight.val().dims(), [64, 64]);
        assert_eq!(model.output.weight.val().dims(), [64, 1]);
        // 2·64 + 64 + 64·64 + 64 + 64·1 + 1 weights and biases.
        assert_eq!(model.num_params(), 4417);
    }

    #[test]
    fn forward_maps_a_batch_to_one_probability_per_row() {
        let device = Device::flex();
        let model = MlpConfig::new(3).with_hidden(vec![8]).init(&device);

        let probabilities = model.probabilities(Tensor::<2>::zeros([5, 3], &device));
        assert_eq!(probabilities.dims(), [5, 1]);

        let values = probabilities.into_data().try_to_vec::<f32>().unwrap();
        assert!(values.iter().all(|p| (0.0..=1.0).contains(p)));
    }
}
