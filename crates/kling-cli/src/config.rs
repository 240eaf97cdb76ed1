//! The settings a command runs with, and where each came from: a flag beats the environment,
//! which beats the chosen profile of the config file, which beats the built-in default.
//!
//! The config file is `$KLING_CONFIG`, else `<config dir>/kling/config.toml` (on Linux
//! `$XDG_CONFIG_HOME/kling/config.toml`, else `~/.config/kling/config.toml`):
//!
//! ```toml
//! [profiles.default]
//! base_url = "https://api.muvi.video/v1"
//! api_key_file = "/home/me/.config/kling/key"   # or: api_key_env = "PIXELBYTE_KEY_PROD"
//! max_cost = "2.50"                             # US dollars, as text (exact)
//! ```
//!
//! The profile is `--profile`, else `$KLING_PROFILE`, else `default` when the file has one.
//! Unknown keys, a named profile that is missing and an unreadable key file are errors that name
//! the file and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kling::MicroCents;
use serde::Deserialize;

use crate::fail::Fail;

/// The file as written; anything else in it is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    base_url: Option<String>,
    /// A file holding the key; relative paths are relative to the config file.
    api_key_file: Option<PathBuf>,
    /// The name of an environment variable holding the key.
    api_key_env: Option<String>,
    /// US dollars as text, e.g. "2.50".
    max_cost: Option<String>,
}

/// A value and where it came from (`--base-url`, `PIXELBYTE_BASE_URL`, `profile prod`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from, for `kling config show`.
    pub source: String,
}

fn sourced<T>(value: T, source: impl Into<String>) -> Sourced<T> {
    Sourced {
        value,
        source: source.into(),
    }
}

/// The flags that settings can come from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags<'a> {
    /// `--base-url`.
    pub base_url: Option<&'a str>,
    /// `--api-key`.
    pub api_key: Option<&'a str>,
    /// `--profile`.
    pub profile: Option<&'a str>,
}

/// Everything a command may need to reach the API. Its `Debug` leaves the key out.
pub struct Settings {
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// The profile in use, if any.
    pub profile: Option<Sourced<String>>,
    /// The API base URL.
    pub base_url: Sourced<String>,
    /// The API key (a secret: never print it unmasked).
    pub api_key: Option<Sourced<String>>,
    /// The most a submit may cost.
    pub max_cost: Option<Sourced<MicroCents>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("config_file", &self.config_file)
            .field("profile", &self.profile)
            .field("base_url", &self.base_url)
            .field(
                "api_key",
                &self
                    .api_key
                    .as_ref()
                    .map(|k| format!("<redacted> ({})", k.source)),
            )
            .field("max_cost", &self.max_cost)
            .finish()
    }
}

impl Settings {
    /// The settings for these flags and the process's environment.
    pub fn load(flags: Flags<'_>) -> Result<Settings, Fail> {
        Settings::resolve(flags, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// The settings for these flags and environment (`env` answers a variable's value).
    pub fn resolve(
        flags: Flags<'_>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, Fail> {
        let (config_file, file) = read_config(env)?;
        let (profile, chosen) = choose_profile(flags, env, config_file.as_deref(), file)?;
        let profile_name = chosen.as_ref().map_or("", |p| p.value.as_str());
        let from_profile = format!("profile {profile_name}");
        let base_url = match (flags.base_url, env("PIXELBYTE_BASE_URL"), &profile.base_url) {
            (Some(url), _, _) => sourced(url.to_string(), "--base-url"),
            (None, Some(url), _) => sourced(url, "PIXELBYTE_BASE_URL"),
            (None, None, Some(url)) => sourced(url.clone(), from_profile.clone()),
            (None, None, None) => sourced(kling::client::DEFAULT_BASE_URL.to_string(), "built-in"),
        };
        let api_key = match (flags.api_key, env("PIXELBYTE_API_KEY")) {
            (Some(key), _) => Some(sourced(key.to_string(), "--api-key")),
            (None, Some(key)) => Some(sourced(key, "PIXELBYTE_API_KEY")),
            (None, None) => profile_key(&profile, config_file.as_deref(), &chosen, env)?
                .map(|(key, which)| sourced(key, format!("{from_profile}: {which}"))),
        };
        let max_cost = match &profile.max_cost {
            Some(text) => Some(sourced(
                MicroCents::from_usd(text).map_err(|e| {
                    problem(config_file.as_deref(), &chosen, "max_cost", &e.to_string())
                })?,
                from_profile,
            )),
            None => None,
        };
        Ok(Settings {
            config_file,
            profile: chosen,
            base_url,
            api_key,
            max_cost,
        })
    }
}

/// Where the config file is: `$KLING_CONFIG` (which must exist), else the platform's place.
fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<(PathBuf, bool)> {
    if let Some(path) = env("KLING_CONFIG") {
        return Some((PathBuf::from(path), true));
    }
    dirs::config_dir().map(|d| (d.join("kling").join("config.toml"), false))
}

/// Reads the config file; a missing one is fine unless `KLING_CONFIG` named it.
fn read_config(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Option<PathBuf>, ConfigFile), Fail> {
    let Some((path, named)) = config_path(env) else {
        return Ok((None, ConfigFile::default()));
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {
            return Ok((None, ConfigFile::default()));
        }
        Err(e) => {
            return Err(Fail::config(format!(
                "cannot read the config file {}: {e}",
                path.display()
            )));
        }
    };
    // The message and the line, not toml's rendering, which quotes the line (maybe a secret).
    let file = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| format!(":{}", text[..span.start].matches('\n').count() + 1))
            .unwrap_or_default();
        Fail::config(format!(
            "in the config file {}{line}: {}",
            path.display(),
            e.message()
        ))
    })?;
    Ok((Some(path), file))
}

/// The profile to use: `--profile`, else `KLING_PROFILE` (either must exist), else `default`
/// when the file has one.
fn choose_profile(
    flags: Flags<'_>,
    env: &dyn Fn(&str) -> Option<String>,
    path: Option<&Path>,
    mut file: ConfigFile,
) -> Result<(Profile, Option<Sourced<String>>), Fail> {
    let named = match (flags.profile, env("KLING_PROFILE")) {
        (Some(name), _) => Some(sourced(name.to_string(), "--profile")),
        (None, Some(name)) => Some(sourced(name, "KLING_PROFILE")),
        (None, None) => None,
    };
    let Some(named) = named else {
        return Ok(match file.profiles.remove("default") {
            Some(p) => (
                p,
                Some(sourced("default".into(), "no --profile or KLING_PROFILE")),
            ),
            None => (Profile::default(), None),
        });
    };
    if let Some(p) = file.profiles.remove(&named.value) {
        return Ok((p, Some(named)));
    }
    let (name, from) = (&named.value, &named.source);
    Err(Fail::config(match path {
        None => format!(
            "profile `{name}` (from {from}) needs a config file, and there is none{}",
            config_path(env)
                .map(|(p, _)| format!(" at {}", p.display()))
                .unwrap_or_default()
        ),
        Some(path) => {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            format!(
                "profile `{name}` (from {from}) is not in the config file {}; it has: {}",
                path.display(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        }
    }))
}

/// The profile's key, from `api_key_file` or `api_key_env`, with the key it came from.
fn profile_key(
    profile: &Profile,
    path: Option<&Path>,
    chosen: &Option<Sourced<String>>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, Fail> {
    let bad = |key: &str, what: String| problem(path, chosen, key, &what);
    match (&profile.api_key_file, &profile.api_key_env) {
        (Some(_), Some(_)) => Err(bad(
            "api_key_file",
            "give api_key_file or api_key_env, not both".into(),
        )),
        (Some(file), None) => {
            let file = match path.and_then(Path::parent) {
                Some(dir) if file.is_relative() => dir.join(file),
                _ => file.clone(),
            };
            let key = std::fs::read_to_string(&file).map_err(|e| {
                bad(
                    "api_key_file",
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            let key = key.trim();
            if key.is_empty() {
                return Err(bad("api_key_file", format!("{} is empty", file.display())));
            }
            Ok(Some((
                key.to_string(),
                format!("api_key_file {}", file.display()),
            )))
        }
        (None, Some(var)) => match env(var) {
            Some(key) => Ok(Some((key, format!("api_key_env {var}")))),
            None => Err(bad("api_key_env", format!("the variable {var} is not set"))),
        },
        (None, None) => Ok(None),
    }
}

/// An error about one key of the config file.
fn problem(path: Option<&Path>, profile: &Option<Sourced<String>>, key: &str, what: &str) -> Fail {
    let file = path.map_or_else(|| "the config file".into(), |p| p.display().to_string());
    let table = profile
        .as_ref()
        .map_or_else(String::new, |p| format!(" [profiles.{}]", p.value));
    Fail::config(format!("{file}{table} {key}: {what}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A config directory of its own holding `config.toml` (and a key file), and an
    /// environment that points at it.
    struct Fixture {
        dir: PathBuf,
        env: HashMap<String, String>,
    }

    impl Fixture {
        fn new(name: &str, config: &str) -> Fixture {
            let dir =
                std::env::temp_dir().join(format!("kling-config-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("config.toml"), config).unwrap();
            std::fs::write(dir.join("key"), "pb_from_file\n").unwrap();
            let mut env = HashMap::new();
            env.insert(
                "KLING_CONFIG".to_string(),
                dir.join("config.toml").display().to_string(),
            );
            Fixture { dir, env }
        }

        fn set(mut self, name: &str, value: &str) -> Fixture {
            self.env.insert(name.into(), value.into());
            self
        }

        fn resolve(&self, flags: Flags<'_>) -> Result<Settings, Fail> {
            Settings::resolve(flags, &|name| self.env.get(name).cloned())
        }
    }

    const TWO_PROFILES: &str = r#"
[profiles.default]
base_url = "http://127.0.0.1:1/v1"
api_key_file = "key"
max_cost = "2.50"

[profiles.prod]
base_url = "https://prod.example/v1"
api_key_env = "PROD_KEY"
"#;

    #[test]
    fn flags_beat_environment_beat_profile() {
        let fx = Fixture::new("precedence", TWO_PROFILES);
        let s = fx.resolve(Flags::default()).unwrap();
        assert!(!format!("{s:?}").contains("pb_from_file"), "{s:?}");
        assert_eq!(
            s.profile.unwrap(),
            sourced("default".into(), "no --profile or KLING_PROFILE")
        );
        assert_eq!(
            s.base_url,
            sourced("http://127.0.0.1:1/v1".into(), "profile default")
        );
        let key = s.api_key.unwrap();
        assert_eq!(key.value, "pb_from_file");
        assert!(
            key.source.starts_with("profile default: api_key_file "),
            "{}",
            key.source
        );
        assert_eq!(s.max_cost.unwrap().value, MicroCents::new(2_500_000));

        let fx = fx
            .set("PIXELBYTE_BASE_URL", "http://127.0.0.1:2/v1")
            .set("PIXELBYTE_API_KEY", "pb_env");
        let s = fx.resolve(Flags::default()).unwrap();
        assert_eq!(
            s.base_url,
            sourced("http://127.0.0.1:2/v1".into(), "PIXELBYTE_BASE_URL")
        );
        assert_eq!(
            s.api_key.unwrap(),
            sourced("pb_env".into(), "PIXELBYTE_API_KEY")
        );

        let flags = Flags {
            base_url: Some("http://127.0.0.1:3/v1"),
            api_key: Some("pb_flag"),
            profile: None,
        };
        let s = fx.resolve(flags).unwrap();
        assert_eq!(
            s.base_url,
            sourced("http://127.0.0.1:3/v1".into(), "--base-url")
        );
        assert_eq!(s.api_key.unwrap(), sourced("pb_flag".into(), "--api-key"));
    }

    #[test]
    fn the_profile_comes_from_the_flag_then_the_environment() {
        let fx = Fixture::new("choice", TWO_PROFILES)
            .set("KLING_PROFILE", "prod")
            .set("PROD_KEY", "pb_prod");
        let s = fx.resolve(Flags::default()).unwrap();
        assert_eq!(s.profile.unwrap(), sourced("prod".into(), "KLING_PROFILE"));
        assert_eq!(s.base_url.value, "https://prod.example/v1");
        assert_eq!(
            s.api_key.unwrap(),
            sourced("pb_prod".into(), "profile prod: api_key_env PROD_KEY")
        );
        assert_eq!(s.max_cost, None);
        let flags = Flags {
            profile: Some("default"),
            ..Flags::default()
        };
        let s = fx.resolve(flags).unwrap();
        assert_eq!(s.profile.unwrap(), sourced("default".into(), "--profile"));
    }

    #[test]
    fn no_config_file_means_built_in_defaults() {
        let fx = Fixture::new("none", "").set("KLING_CONFIG", "/nonexistent/kling.toml");
        let err = fx.resolve(Flags::default()).unwrap_err();
        assert_eq!((err.exit_code(), err.code()), (2, "config"));
        assert!(
            err.message().contains("/nonexistent/kling.toml"),
            "{}",
            err.message()
        );
        let empty = Fixture::new("empty", "");
        let s = empty.resolve(Flags::default()).unwrap();
        assert_eq!(
            s.base_url,
            sourced(kling::client::DEFAULT_BASE_URL.into(), "built-in")
        );
        assert!(s.api_key.is_none() && s.profile.is_none() && s.max_cost.is_none());
    }

    #[test]
    fn bad_config_names_the_file_and_the_key() {
        let cases = [
            (
                "unknown",
                "[profiles.default]\napi_key = \"pb_inline\"\n",
                None,
                "api_key",
            ),
            (
                "missing",
                TWO_PROFILES,
                Some("staging"),
                "profile `staging` (from --profile) is not in the config file",
            ),
            (
                "unreadable",
                "[profiles.default]\napi_key_file = \"nope\"\n",
                None,
                "[profiles.default] api_key_file: cannot read",
            ),
            (
                "both",
                "[profiles.default]\napi_key_file = \"key\"\napi_key_env = \"K\"\n",
                None,
                "not both",
            ),
            (
                "unset",
                "[profiles.default]\napi_key_env = \"UNSET_KEY\"\n",
                None,
                "api_key_env: the variable UNSET_KEY is not set",
            ),
            (
                "money",
                "[profiles.default]\nmax_cost = \"two\"\n",
                None,
                "[profiles.default] max_cost:",
            ),
        ];
        for (name, config, profile, expected) in cases {
            let fx = Fixture::new(name, config);
            let flags = Flags {
                profile,
                ..Flags::default()
            };
            let err = fx.resolve(flags).unwrap_err();
            assert_eq!((err.exit_code(), err.code()), (2, "config"), "{name}");
            assert!(
                err.message().contains(expected),
                "{name}: {}",
                err.message()
            );
            let file = fx.dir.join("config.toml").display().to_string();
            assert!(err.message().contains(&file), "{name}: {}", err.message());
            assert!(!err.message().contains("pb_inline"), "{}", err.message());
        }
    }
}
