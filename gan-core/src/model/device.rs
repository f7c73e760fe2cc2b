//! Where the networks run, as a configuration value: `"cpu"`, `"cuda"` or `"cuda:N"`.
//!
//! CUDA needs gan-core built with the `cuda` feature (candle's CUDA backend, which compiles its
//! kernels with `nvcc` at build time). On the CPU the model runs the custom kernels of
//! [`super::ops`]; on a GPU it runs the same computations with candle's own ops.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;
use serde::{Deserialize, Serialize};

/// A device named in a configuration file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceSpec {
    /// The CPU (the default).
    #[default]
    Cpu,
    /// The CUDA GPU with this ordinal.
    Cuda(usize),
}

/// A device that cannot be named or opened.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The name is none of "cpu", "cuda", "cuda:N".
    #[error("unknown device {0:?}: expected \"cpu\", \"cuda\" or \"cuda:N\"")]
    Unknown(String),
    /// A CUDA device was asked for, but this build has no CUDA support.
    #[error(
        "device {0} needs gan-core built with the `cuda` feature (cargo build --features cuda, \
         which needs the CUDA toolkit's nvcc)"
    )]
    CudaNotBuilt(DeviceSpec),
    /// The CUDA device could not be opened.
    #[error("cannot open {spec}: {source}")]
    Open {
        /// The device asked for.
        spec: DeviceSpec,
        /// What candle reported.
        source: candle_core::Error,
    },
}

impl DeviceSpec {
    /// Whether this build of gan-core can run on CUDA devices (the `cuda` feature).
    pub const CUDA_BUILT: bool = cfg!(feature = "cuda");

    /// Opens the device.
    pub fn device(self) -> Result<Device, DeviceError> {
        match self {
            Self::Cpu => Ok(Device::Cpu),
            Self::Cuda(_) if !Self::CUDA_BUILT => Err(DeviceError::CudaNotBuilt(self)),
            Self::Cuda(ordinal) => {
                Device::new_cuda(ordinal).map_err(|source| DeviceError::Open { spec: self, source })
            }
        }
    }
}

impl FromStr for DeviceSpec {
    type Err = DeviceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        match name.as_str() {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            _ => name
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Self::Cuda)
                .ok_or_else(|| DeviceError::Unknown(s.to_string())),
        }
    }
}

impl TryFrom<String> for DeviceSpec {
    type Error = DeviceError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DeviceSpec> for String {
    fn from(spec: DeviceSpec) -> Self {
        spec.to_string()
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Cuda(ordinal) => write!(f, "cuda:{ordinal}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        assert_eq!("cpu".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cpu);
        assert_eq!(" CUDA ".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(0));
        assert_eq!("cuda:1".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(1));
        assert_eq!(DeviceSpec::Cuda(2).to_string(), "cuda:2");
        for bad in ["tpu", "cuda:x", "cuda:", ""] {
            let err = bad.parse::<DeviceSpec>().unwrap_err();
            assert!(matches!(err, DeviceError::Unknown(_)), "{bad}");
            assert!(err.to_string().contains("expected"), "{err}");
        }
    }

    #[test]
    fn serde_uses_the_names() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Config {
            #[serde(default)]
            device: DeviceSpec,
        }
        let c: Config = serde_json::from_str(r#"{"device": "cuda:3"}"#).unwrap();
        assert_eq!(c.device, DeviceSpec::Cuda(3));
        let c: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(c.device, DeviceSpec::Cpu);
        assert_eq!(
            serde_json::to_string(&Config {
                device: DeviceSpec::Cuda(0)
            })
            .unwrap(),
            r#"{"device":"cuda:0"}"#
        );
        let err = serde_json::from_str::<Config>(r#"{"device": "npu"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown device"), "{err}");
    }

    #[test]
    fn the_cpu_opens_and_cuda_says_what_it_needs() {
        assert!(DeviceSpec::Cpu.device().unwrap().is_cpu());
        if !DeviceSpec::CUDA_BUILT {
            let err = DeviceSpec::Cuda(0).device().unwrap_err();
            assert!(matches!(
                err,
                DeviceError::CudaNotBuilt(DeviceSpec::Cuda(0))
            ));
            assert!(err.to_string().contains("--features cuda"), "{err}");
        }
    }
}
