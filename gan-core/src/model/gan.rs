//! The generator and critic together, with their variables: seeded creation, Keras weight
//! loading, and checkpoints.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;

use super::config::ModelConfig;
use super::critic::Critic;
use super::generator::Generator;
use super::init::SeededVarMap;
use super::keras::{self, KerasName};
use super::layers::is_supported_dtype;
use super::ModelError;

/// Mixed into the seed for the critic's weights so that the two networks draw different values.
const CRITIC_SEED_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// The lab's generator and critic with the variable maps that hold their weights.
#[derive(Clone)]
pub struct Gan {
    config: ModelConfig,
    dtype: DType,
    device: Device,
    generator: Generator,
    critic: Critic,
    generator_vars: VarMap,
    critic_vars: VarMap,
}

impl std::fmt::Debug for Gan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gan")
            .field("config", &self.config)
            .field("dtype", &self.dtype)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl Gan {
    /// Both networks for `config` in f32 on the CPU, as the notebooks and training build them.
    pub fn cpu(config: ModelConfig, seed: u64) -> Result<Self, ModelError> {
        Self::new(config, seed, DType::F32, &Device::Cpu)
    }

    /// Both networks for `config`, Glorot-uniform kernels and zero biases drawn from `seed`.
    pub fn new(
        config: ModelConfig,
        seed: u64,
        dtype: DType,
        device: &Device,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        if !is_supported_dtype(dtype) {
            return Err(ModelError::DType(dtype));
        }
        let generator_vars = VarMap::new();
        let vb = SeededVarMap::var_builder(&generator_vars, seed, dtype, device);
        let generator = Generator::new(vb, config)?;
        let critic_vars = VarMap::new();
        let vb = SeededVarMap::var_builder(&critic_vars, seed ^ CRITIC_SEED_MIX, dtype, device);
        let critic = Critic::new(vb, config)?;
        Ok(Self {
            config,
            dtype,
            device: device.clone(),
            generator,
            critic,
            generator_vars,
            critic_vars,
        })
    }

    /// Both networks with the weights of Keras-named `tensors` (widths read from their shapes);
    /// `source` names where they came from, for error messages.
    pub fn from_keras(
        tensors: &HashMap<String, Tensor>,
        source: &str,
        dtype: DType,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let config = keras::infer_config(tensors, source)?;
        let gan = Self::new(config, 0, dtype, device)?;
        gan.load_keras(tensors, source)?;
        Ok(gan)
    }

    /// Both networks with the weights of a safetensors file in the lab's Keras names and
    /// layouts (as written by the reference fixture script).
    pub fn from_keras_file(
        path: impl AsRef<Path>,
        dtype: DType,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let tensors = read_safetensors(path, device)?;
        Self::from_keras(&tensors, &path.display().to_string(), dtype, device)
    }

    /// Sets every weight and moving statistic from Keras-named `tensors`.
    pub fn load_keras(
        &self,
        tensors: &HashMap<String, Tensor>,
        source: &str,
    ) -> Result<(), ModelError> {
        keras::load_into(
            &self.generator_vars,
            &keras::generator_names(),
            tensors,
            source,
        )?;
        keras::load_into(
            &self.critic_vars,
            &self.critic_keras_names(),
            tensors,
            source,
        )
    }

    /// The critic's variables under their Keras names.
    pub fn critic_keras_names(&self) -> Vec<KerasName> {
        keras::critic_names(&self.config)
    }

    /// The widths of both networks.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The dtype of every weight.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The device holding the weights.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The generator.
    pub fn generator(&self) -> &Generator {
        &self.generator
    }

    /// The critic.
    pub fn critic(&self) -> &Critic {
        &self.critic
    }

    /// The generator's variables, moving statistics included.
    pub fn generator_vars(&self) -> &VarMap {
        &self.generator_vars
    }

    /// The critic's variables.
    pub fn critic_vars(&self) -> &VarMap {
        &self.critic_vars
    }

    /// The generator's trainable variables (no moving statistics), sorted by name.
    pub fn trainable_generator_vars(&self) -> Result<Vec<Var>, ModelError> {
        trainable(&self.generator_vars)
    }

    /// The critic's trainable variables, sorted by name.
    pub fn trainable_critic_vars(&self) -> Result<Vec<Var>, ModelError> {
        trainable(&self.critic_vars)
    }

    /// Writes every variable to a safetensors checkpoint, named `generator.<var>` and
    /// `critic.<var>` (gan-core layouts), through a temporary file and a rename.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        let mut all = HashMap::new();
        for (prefix, vars) in [
            ("generator", &self.generator_vars),
            ("critic", &self.critic_vars),
        ] {
            let data = vars.data().lock().map_err(|_| ModelError::Poisoned)?;
            for (name, var) in data.iter() {
                all.insert(format!("{prefix}.{name}"), var.as_tensor().clone());
            }
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let tmp = path.with_file_name(format!(
            ".{}.tmp{}",
            name.unwrap_or_default(),
            std::process::id()
        ));
        let file_error = |source| ModelError::File {
            path: path.to_path_buf(),
            source,
        };
        candle_core::safetensors::save(&all, &tmp).map_err(file_error)?;
        std::fs::rename(&tmp, path).map_err(|e| file_error(candle_core::Error::wrap(e)))
    }

    /// Reads a checkpoint written by [`Gan::save`]; the widths come from its shapes.
    pub fn load(path: impl AsRef<Path>, dtype: DType, device: &Device) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let source = path.display().to_string();
        let tensors = read_safetensors(path, device)?;
        let dims = |name: &str| {
            tensors
                .get(name)
                .map(|t| t.dims().to_vec())
                .ok_or_else(|| ModelError::MissingTensor {
                    file: source.clone(),
                    name: name.to_string(),
                })
        };
        let filters = dims("generator.down1_conv.weight")?[0];
        let up4_in = dims("generator.up4_conv.weight")?[1];
        let config = ModelConfig::new(filters, up4_in.saturating_sub(8 * filters));
        let gan = Self::new(config, 0, dtype, device)?;
        for (prefix, vars) in [
            ("generator", &gan.generator_vars),
            ("critic", &gan.critic_vars),
        ] {
            let data = vars.data().lock().map_err(|_| ModelError::Poisoned)?;
            for (name, var) in data.iter() {
                let key = format!("{prefix}.{name}");
                let t = tensors.get(&key).ok_or_else(|| ModelError::MissingTensor {
                    file: source.clone(),
                    name: key.clone(),
                })?;
                if t.dims() != var.dims() {
                    return Err(ModelError::TensorShape {
                        file: source.clone(),
                        name: key,
                        expected: format!("{:?}", var.dims()),
                        got: t.dims().to_vec(),
                    });
                }
                var.set(&t.to_dtype(dtype)?)?;
            }
        }
        Ok(gan)
    }
}

fn read_safetensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>, ModelError> {
    candle_core::safetensors::load(path, device).map_err(|source| ModelError::File {
        path: path.to_path_buf(),
        source,
    })
}

fn trainable(vars: &VarMap) -> Result<Vec<Var>, ModelError> {
    let data = vars.data().lock().map_err(|_| ModelError::Poisoned)?;
    let mut named: Vec<(&String, &Var)> = data
        .iter()
        .filter(|(name, _)| !name.ends_with(".moving_mean") && !name.ends_with(".moving_variance"))
        .collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    Ok(named.into_iter().map(|(_, v)| v.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::keras::{critic_names, KerasLayout};

    #[test]
    fn lab_widths_have_the_labs_parameter_counts() {
        let gan = Gan::new(ModelConfig::default(), 0, DType::F32, &Device::Cpu).unwrap();
        // Conv2D k4: 16·in·out + out. Generator: down 1→64, 64→128, 128→256, 256→512;
        // up (512+512)→256, 512→128, 256→64; out 128→4; BatchNorm 4·c for 128, 256, 512, 256,
        // 128, 64 channels (half of it, the moving statistics, not trainable).
        let conv = |i: usize, o: usize| 16 * i * o + o;
        let g_conv = conv(1, 64)
            + conv(64, 128)
            + conv(128, 256)
            + conv(256, 512)
            + conv(1024, 256)
            + conv(512, 128)
            + conv(256, 64)
            + conv(128, 4);
        let bn_channels = 128 + 256 + 512 + 256 + 128 + 64;
        let g = gan.generator().summary_table();
        assert_eq!(g.total_params(), g_conv + 4 * bn_channels);
        assert_eq!(g.total_params(), 8_273_540);
        assert_eq!(g.non_trainable_params(), 2 * bn_channels);
        // Critic: 5→64, 64→128, 128→256, 256→512, Dense 512·2·8 → 1.
        let d = gan.critic().summary_table();
        let d_total = conv(5, 64) + conv(64, 128) + conv(128, 256) + conv(256, 512) + 8192 + 1;
        assert_eq!(d.total_params(), d_total);
        assert_eq!(d.total_params(), 2_766_785);
        assert_eq!(d.non_trainable_params(), 0);
        let text = gan.generator().summary();
        assert!(text.contains("up4_conv (Conv2D)"), "{text}");
        assert!(text.contains("(None, 4, 16, 256)"), "{text}");
        assert!(text.contains("Total params: 8,273,540"), "{text}");
        // The convolutions name the method their kernel runs by at the training batch.
        let kernel = |t: &crate::model::Summary, name: &str| {
            let row = t.layers.iter().find(|l| l.name == name);
            row.and_then(|l| l.kernel)
        };
        assert_eq!(kernel(&g, "down1_conv"), Some("im2col-gemm"));
        assert_eq!(kernel(&g, "down2_conv"), Some("winograd"));
        assert_eq!(kernel(&g, "up4_conv"), Some("im2col-gemm"));
        assert_eq!(kernel(&g, "up5_conv"), Some("row-winograd"));
        assert_eq!(kernel(&g, "out_conv"), Some("shift-add"));
        assert_eq!(kernel(&g, "up5_bn"), None);
        assert_eq!(kernel(&d, "c4_conv"), Some("winograd"));
        assert!(text.contains("Kernel (batch 64)"), "{text}");
        // The trainable variables are what the optimiser sees.
        let n: usize = gan
            .trainable_generator_vars()
            .unwrap()
            .iter()
            .map(|v| v.elem_count())
            .sum();
        assert_eq!(n, g.trainable_params());
    }

    #[test]
    fn same_seed_same_weights_f64_holds_the_f32_values() {
        let cfg = ModelConfig::new(2, 3);
        let dev = Device::Cpu;
        let weight = |seed, dtype| {
            let gan = Gan::new(cfg, seed, dtype, &dev).unwrap();
            let data = gan.critic_vars().data().lock().unwrap();
            data["c2_conv.weight"]
                .as_tensor()
                .to_dtype(DType::F64)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f64>()
                .unwrap()
        };
        assert_eq!(weight(1, DType::F32), weight(1, DType::F32));
        assert_eq!(weight(1, DType::F32), weight(1, DType::F64));
        assert_ne!(weight(1, DType::F32), weight(2, DType::F32));
        // Glorot-uniform limit √(6 / (16·2 + 16·4)) = 0.25.
        assert!(weight(1, DType::F32).iter().all(|w| w.abs() <= 0.25));
    }

    #[test]
    fn dense_kernel_moves_between_keras_and_nchw_flatten_orders() {
        let dev = Device::Cpu;
        let layout = KerasLayout::DenseKernel { h: 2, w: 3, c: 4 };
        // Keras row (h, w, c) = h·12 + w·4 + c holds that index as its value.
        let keras = Tensor::arange(0f64, 24.0, &dev)
            .unwrap()
            .reshape((24, 1))
            .unwrap();
        let ours = layout.to_ours(&keras).unwrap();
        assert_eq!(ours.dims(), &[1, 24]);
        let v: Vec<f64> = ours.flatten_all().unwrap().to_vec1().unwrap();
        // Our index (c, h, w) = c·6 + h·3 + w; take c = 1, h = 1, w = 2.
        assert_eq!(v[6 + 3 + 2], (12 + 2 * 4 + 1) as f64);
        let back = layout.to_keras(&ours).unwrap();
        assert_eq!(
            back.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
            keras.flatten_all().unwrap().to_vec1::<f64>().unwrap()
        );
        assert_eq!(critic_names(&ModelConfig::new(8, 16)).len(), 10);
    }

    #[test]
    fn keras_loading_names_the_missing_tensor() {
        let gan = Gan::new(ModelConfig::new(2, 3), 0, DType::F32, &Device::Cpu).unwrap();
        let err = gan
            .load_keras(&HashMap::new(), "weights.safetensors")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("weights.safetensors"), "{msg}");
        assert!(msg.contains("generator/down1_conv/kernel"), "{msg}");
    }

    #[test]
    fn checkpoint_round_trip_keeps_every_variable() {
        let dev = Device::Cpu;
        let gan = Gan::new(ModelConfig::new(2, 3), 9, DType::F32, &dev).unwrap();
        let dir = std::env::temp_dir().join(format!("gan-core-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gan.safetensors");
        gan.save(&path).unwrap();
        let back = Gan::load(&path, DType::F32, &dev).unwrap();
        assert_eq!(back.config(), gan.config());
        for (a, b) in [
            (gan.generator_vars(), back.generator_vars()),
            (gan.critic_vars(), back.critic_vars()),
        ] {
            let (a, b) = (a.data().lock().unwrap(), b.data().lock().unwrap());
            assert_eq!(a.len(), b.len());
            for (name, var) in a.iter() {
                let x: Vec<f32> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
                let y: Vec<f32> = b[name]
                    .as_tensor()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap();
                assert_eq!(x, y, "{name}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = Gan::load(dir.join("gan.safetensors"), DType::F32, &dev).unwrap_err();
        assert!(missing.to_string().contains("gan.safetensors"), "{missing}");
    }
}
