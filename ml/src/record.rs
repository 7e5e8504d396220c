//! A model file's networks as a burn record: the burnpack bytes burn's own
//! `Module::load_record` reads.
//!
//! The registry keeps this beside the `lepton-model` JSON so that a model can leave Lepton: a
//! burn program builds the same `Mlp` from the manifest's architecture and loads the record
//! into it, without parsing base64. A bagging ensemble is recorded as the `Vec` of its
//! members, so its parameters are named `0.hidden.0.weight`, `1.hidden.0.weight`, ….

use burn::module::Module;
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::{Bytes, Device};
use lepton_protocol::lab::ModelFile;

use crate::model::{Mlp, ShapeError};
use crate::model_file::{ModelFileError, decode_layers};
use crate::training::architecture;

/// Why a record could not be written or read back.
#[derive(Debug, thiserror::Error)]
pub enum RecordFileError {
    /// The model file's weights do not decode.
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// The weights do not make the network the settings describe.
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// burn could not write or read the burnpack.
    #[error("burn record: {0}")]
    Record(#[from] RecordError),
}

/// Every network of `file` (one, or the members of an ensemble) as one burnpack.
///
/// # Errors
///
/// [`RecordFileError`] when the file's weights do not make its network.
pub fn burn_record(file: &ModelFile) -> Result<Vec<u8>, RecordFileError> {
    let mut networks = networks(file, &Device::flex())?;
    let record = if networks.len() == 1 {
        networks.remove(0).into_record()
    } else {
        networks.into_record()
    };
    Ok(record.into_bytes()?.to_vec())
}

/// The networks `file` describes, rebuilt from `record` instead of the file's own weights.
///
/// # Errors
///
/// [`RecordFileError::Record`] when the bytes are not a burnpack of that architecture.
pub fn load_burn_record(
    file: &ModelFile,
    record: &[u8],
    device: &Device,
) -> Result<Vec<Mlp>, RecordFileError> {
    let config = architecture(&file.training, file.features.len(), file.task);
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(record.to_vec()))?;
    if file.members.is_empty() {
        Ok(vec![config.init(device).try_load_record(record)?])
    } else {
        let fresh: Vec<Mlp> = (0..=file.members.len())
            .map(|_| config.init(device))
            .collect();
        Ok(fresh.try_load_record(record)?)
    }
}

fn networks(file: &ModelFile, device: &Device) -> Result<Vec<Mlp>, RecordFileError> {
    let config = architecture(&file.training, file.features.len(), file.task);
    std::iter::once(&file.layers)
        .chain(&file.members)
        .map(|layers| Ok(config.from_layers(&decode_layers(layers)?, device)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Tensor, TensorData};
    use lepton_protocol::lab::{
        DataSource, MODEL_FORMAT, MODEL_VERSION, Task, ToySet, TrainingConfig,
    };

    use super::*;
    use crate::model::DenseLayer;
    use crate::model_file::encode_layers;
    use crate::rng::SplitMix64;

    /// Seeded layers of the shapes `config` asks for.
    fn layers(config: &crate::MlpConfig, seed: u64) -> Vec<DenseLayer> {
        let mut rng = SplitMix64::new(seed);
        config
            .layer_shapes()
            .into_iter()
            .map(|(inputs, outputs)| DenseLayer {
                inputs,
                outputs,
                weights: (0..inputs * outputs)
                    .map(|_| rng.next_f32() - 0.5)
                    .collect(),
                biases: (0..outputs).map(|_| rng.next_f32() - 0.5).collect(),
            })
            .collect()
    }

    fn file(members: usize) -> ModelFile {
        let training = TrainingConfig {
            hidden: vec![5, 4],
            ..TrainingConfig::default()
        };
        let config = architecture(&training, 3, Task::Binary);
        ModelFile {
            format: MODEL_FORMAT.to_owned(),
            version: MODEL_VERSION,
            task: Task::Binary,
            features: vec!["a".into(), "b".into(), "c".into()],
            classes: vec!["no".into(), "yes".into()],
            training,
            data: DataSource::Toy {
                set: ToySet::Moons,
                samples: 100,
                noise: 0.1,
            },
            recipe: None,
            epochs_trained: 0,
            backend: "test".into(),
            evaluation: None,
            layers: encode_layers(&layers(&config, 1)),
            members: (0..members)
                .map(|member| encode_layers(&layers(&config, 10 + member as u64)))
                .collect(),
        }
    }

    fn outputs(networks: &[Mlp]) -> Vec<Vec<f32>> {
        let device = Device::flex();
        let input = Tensor::<2>::from_data(
            TensorData::new(vec![0.3_f32, -1.2, 0.8, 2.0, 0.1, -0.4], [2, 3]),
            &device,
        );
        networks
            .iter()
            .map(|network| {
                network
                    .forward(input.clone())
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_network_loads_back_from_its_record_with_the_same_outputs() {
        let file = file(0);
        let bytes = burn_record(&file).unwrap();
        let device = Device::flex();

        let loaded = load_burn_record(&file, &bytes, &device).unwrap();
        let original = networks(&file, &device).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(outputs(&loaded), outputs(&original));
    }

    #[test]
    fn an_ensemble_records_every_member() {
        let file = file(2);
        let bytes = burn_record(&file).unwrap();
        let device = Device::flex();

        let loaded = load_burn_record(&file, &bytes, &device).unwrap();
        let original = networks(&file, &device).unwrap();
        assert_eq!(loaded.len(), 3);
        let (loaded, original) = (outputs(&loaded), outputs(&original));
        assert_eq!(loaded, original);
        assert_ne!(loaded[0], loaded[1], "members differ");
    }

    #[test]
    fn bytes_that_are_no_burnpack_are_refused() {
        let file = file(0);
        let error = load_burn_record(&file, b"not a record", &Device::flex()).unwrap_err();
        assert!(matches!(error, RecordFileError::Record(_)), "{error}");
    }
}
