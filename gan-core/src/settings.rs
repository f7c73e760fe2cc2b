//! Settings read from environment variables, so that a notebook or a run can be reconfigured
//! without editing it: `from_env("GAN_BATCH_SIZE", 64)` is 64 unless `GAN_BATCH_SIZE` is set.

use std::ffi::OsString;
use std::fmt::Display;
use std::str::FromStr;

/// A setting's environment variable holds a value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name}={value:?}: {reason}")]
pub struct SettingError {
    /// The variable's name, e.g. "GAN_BATCH_SIZE".
    pub name: String,
    /// The value it holds.
    pub value: String,
    /// Why the value was rejected.
    pub reason: String,
}

/// The value of the environment variable `name` parsed as `T`, or `default` when it is unset or
/// empty.
pub fn from_env<T>(name: &str, default: T) -> Result<T, SettingError>
where
    T: FromStr,
    T::Err: Display,
{
    parse_setting(name, std::env::var_os(name), default)
}

/// Parses `value`, the content of the variable `name`, falling back to `default` when absent.
fn parse_setting<T>(name: &str, value: Option<OsString>, default: T) -> Result<T, SettingError>
where
    T: FromStr,
    T::Err: Display,
{
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    let bad = |value: String, reason: String| SettingError {
        name: name.to_string(),
        value,
        reason,
    };
    let text = value
        .into_string()
        .map_err(|v| bad(v.to_string_lossy().into_owned(), "not valid UTF-8".into()))?;
    text.trim()
        .parse()
        .map_err(|e: T::Err| bad(text.clone(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn parse<T>(value: Option<&str>, default: T) -> Result<T, SettingError>
    where
        T: FromStr,
        T::Err: Display,
    {
        parse_setting("GAN_TEST", value.map(OsString::from), default)
    }

    #[test]
    fn unset_or_empty_gives_the_default() {
        assert_eq!(parse(None, 64usize), Ok(64));
        assert_eq!(parse(Some(""), 64usize), Ok(64));
    }

    #[test]
    fn a_value_is_parsed_and_trimmed() {
        assert_eq!(parse(Some(" 32\n"), 64usize), Ok(32));
        assert_eq!(parse(Some("0.25"), 1.0f64), Ok(0.25));
        assert_eq!(
            parse(Some("/data/chorales"), PathBuf::new()),
            Ok(PathBuf::from("/data/chorales"))
        );
    }

    #[test]
    fn a_bad_value_names_the_variable_and_the_value() {
        let err = parse(Some("sixty"), 64usize).unwrap_err();
        assert_eq!(err.name, "GAN_TEST");
        assert_eq!(err.value, "sixty");
        let msg = err.to_string();
        assert!(
            msg.starts_with("environment variable GAN_TEST=\"sixty\": invalid digit"),
            "{msg}"
        );
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        // A variable no other test touches, so setting it cannot race with them.
        let name = "GAN_CORE_SETTINGS_TEST_SEED";
        assert_eq!(from_env(name, 7u64), Ok(7));
        std::env::set_var(name, "12");
        assert_eq!(from_env(name, 7u64), Ok(12));
        std::env::remove_var(name);
    }
}
