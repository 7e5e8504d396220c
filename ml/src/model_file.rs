//! Writing and reading the Lab's model file ([`ModelFile`]): the weights as exact bits, and
//! every check a file from elsewhere must pass before it may replace a working model.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use lepton_protocol::lab::{
    LayerWeights, MODEL_FILE_MAX_BYTES, MODEL_FORMAT, MODEL_VERSION, ModelFile, Task,
};

use crate::model::{DenseLayer, ShapeError};
use crate::training::architecture;

/// Why a model file could not be read; the current model stays as it was.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file is larger than any model the Lab writes.
    #[error("the file is larger than {} MB; it is not a Lab model", MODEL_FILE_MAX_BYTES >> 20)]
    TooLarge,
    /// The text is not JSON of the expected shape.
    #[error("this is not a Lepton model file: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON is valid but is another kind of document.
    #[error("this is not a Lepton model file (format `{0}`)")]
    Format(String),
    /// Written by a newer Lepton.
    #[error("model file version {0} is newer than this Lab reads ({MODEL_VERSION})")]
    Version(u32),
    /// Settings in the file are out of range.
    #[error("the file's settings are invalid: {0}")]
    Config(#[from] lepton_protocol::lab::ConfigError),
    /// The feature or class names do not match the layers.
    #[error("the file names {names} {what} but its network has {units}")]
    Names {
        /// `"features"` or `"classes"`.
        what: &'static str,
        /// How many names.
        names: usize,
        /// How many units the network has for them.
        units: usize,
    },
    /// A weight blob is not base64 of whole f32 values.
    #[error("layer {layer}'s {part} are not valid base64 of 32-bit floats")]
    Encoding {
        /// Counted from 0.
        layer: usize,
        /// `"weights"` or `"biases"`.
        part: &'static str,
    },
    /// The layers do not make the network the settings describe.
    #[error(transparent)]
    Shape(#[from] ShapeError),
}

/// Encodes `layers` as [`LayerWeights`].
pub fn encode_layers(layers: &[DenseLayer]) -> Vec<LayerWeights> {
    layers
        .iter()
        .map(|layer| LayerWeights {
            inputs: layer.inputs,
            outputs: layer.outputs,
            weights: encode_floats(&layer.weights),
            biases: encode_floats(&layer.biases),
        })
        .collect()
}

fn encode_floats(values: &[f32]) -> String {
    let bytes: Vec<u8> = values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect();
    STANDARD.encode(bytes)
}

/// The layers [`encode_layers`] wrote, bit for bit; shapes are the caller's to check.
///
/// # Errors
///
/// [`ModelFileError::Encoding`] naming the first layer whose base64 does not hold whole
/// `f32` values.
pub fn decode_layers(layers: &[LayerWeights]) -> Result<Vec<DenseLayer>, ModelFileError> {
    layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            Ok(DenseLayer {
                inputs: layer.inputs,
                outputs: layer.outputs,
                weights: decode_floats(&layer.weights, index, "weights")?,
                biases: decode_floats(&layer.biases, index, "biases")?,
            })
        })
        .collect()
}

fn decode_floats(text: &str, layer: usize, part: &'static str) -> Result<Vec<f32>, ModelFileError> {
    let invalid = || ModelFileError::Encoding { layer, part };
    let bytes = STANDARD.decode(text).map_err(|_| invalid())?;
    if !bytes.len().is_multiple_of(4) {
        return Err(invalid());
    }

    Ok(bytes
        .chunks_exact(4)
        .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
        .collect())
}

/// Reads a model file's text and checks it whole: format, version, settings, names and every
/// layer's shape and values.
///
/// # Errors
///
/// A [`ModelFileError`] saying what is wrong; nothing is built until every check passed.
pub fn read_model_file(text: &str) -> Result<(ModelFile, Vec<DenseLayer>), ModelFileError> {
    if text.len() > MODEL_FILE_MAX_BYTES {
        return Err(ModelFileError::TooLarge);
    }
    let file: ModelFile = serde_json::from_str(text)?;

    if file.format != MODEL_FORMAT {
        return Err(ModelFileError::Format(file.format));
    }
    if file.version > MODEL_VERSION {
        return Err(ModelFileError::Version(file.version));
    }
    file.training.validate()?;
    check_names(&file)?;

    let layers = decode_layers(&file.layers)?;

    let config = architecture(&file.training, file.features.len(), file.task);
    config.check_layers(&layers)?;
    for member in &file.members {
        config.check_layers(&decode_layers(member)?)?;
    }
    Ok((file, layers))
}

fn check_names(file: &ModelFile) -> Result<(), ModelFileError> {
    let inputs = file.layers.first().map_or(0, |layer| layer.inputs);
    if file.features.len() != inputs || inputs == 0 {
        return Err(ModelFileError::Names {
            what: "features",
            names: file.features.len(),
            units: inputs,
        });
    }

    let classes = match file.task {
        Task::Binary => 2,
        Task::Multiclass { classes } => classes,
        Task::Regression => 0,
    };
    if file.classes.len() != classes {
        return Err(ModelFileError::Names {
            what: "classes",
            names: file.classes.len(),
            units: classes,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dataset, Device, Trainer, TrainingConfig};
    use lepton_protocol::lab::LabConfig;

    fn saved_model() -> (String, Trainer, Dataset) {
        let data = Dataset::two_moons(200, 0.1, 1);
        let split = data.split(0.2, 1).unwrap();
        let mut trainer =
            Trainer::new(TrainingConfig::default(), 2, Task::Binary, &Device::flex()).unwrap();
        pollster::block_on(trainer.train_epoch(&split)).unwrap();

        let layers = pollster::block_on(trainer.layers()).unwrap();
        let file = ModelFile {
            format: MODEL_FORMAT.to_owned(),
            version: MODEL_VERSION,
            task: Task::Binary,
            features: vec!["x".to_owned(), "y".to_owned()],
            classes: vec!["0".to_owned(), "1".to_owned()],
            training: TrainingConfig::default(),
            data: LabConfig::default().data,
            recipe: None,
            epochs_trained: 1,
            backend: "cpu".to_owned(),
            evaluation: None,
            layers: encode_layers(&layers),
            members: Vec::new(),
        };
        (
            serde_json::to_string(&file).unwrap(),
            trainer,
            split.validation,
        )
    }

    #[test]
    fn a_saved_model_loads_back_with_identical_predictions() {
        let (text, trainer, validation) = saved_model();

        let (file, layers) = read_model_file(&text).unwrap();
        let loaded =
            Trainer::resume(file.training, 2, file.task, &layers, 1, &Device::flex()).unwrap();

        let features = validation.features();
        let expected = pollster::block_on(trainer.predict(features)).unwrap();
        let actual = pollster::block_on(loaded.predict(features)).unwrap();
        assert_eq!(
            actual.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        let (text, _, _) = saved_model();
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();

        assert!(matches!(
            read_model_file("{not json"),
            Err(ModelFileError::Json(_))
        ));

        let mut other = json.clone();
        other["format"] = "keras".into();
        assert!(matches!(
            read_model_file(&other.to_string()),
            Err(ModelFileError::Format(_))
        ));

        let mut newer = json.clone();
        newer["version"] = 99.into();
        assert!(matches!(
            read_model_file(&newer.to_string()),
            Err(ModelFileError::Version(99))
        ));

        let mut garbled = json.clone();
        garbled["layers"][1]["weights"] = "@@@".into();
        let error = read_model_file(&garbled.to_string()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "layer 1's weights are not valid base64 of 32-bit floats"
        );

        json["layers"][2]["biases"] = STANDARD.encode([0u8; 8]).into();
        assert!(matches!(
            read_model_file(&json.to_string()),
            Err(ModelFileError::Shape(_))
        ));
    }
}
