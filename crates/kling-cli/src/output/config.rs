//! The view of `kling config show`.

use std::fmt;

use serde::Serialize;

use crate::config::{Settings, Sourced};

/// `kling config show`: each setting with where it came from; the key masked.
#[derive(Serialize)]
pub struct SettingsView {
    config_file: Option<String>,
    profile: Option<SettingView>,
    base_url: SettingView,
    api_key: Option<SettingView>,
    max_cost: Option<SettingView>,
}

/// One setting and its source.
#[derive(Serialize)]
struct SettingView {
    value: String,
    source: String,
}

impl<T> From<(String, &Sourced<T>)> for SettingView {
    fn from((value, s): (String, &Sourced<T>)) -> Self {
        SettingView {
            value,
            source: s.source.clone(),
        }
    }
}

impl From<&Settings> for SettingsView {
    fn from(s: &Settings) -> Self {
        SettingsView {
            config_file: s.config_file.as_ref().map(|p| p.display().to_string()),
            profile: s.profile.as_ref().map(|p| (p.value.clone(), p).into()),
            base_url: (s.base_url.value.clone(), &s.base_url).into(),
            api_key: s.api_key.as_ref().map(|k| (mask(&k.value), k).into()),
            max_cost: s.max_cost.as_ref().map(|m| (m.value.to_string(), m).into()),
        }
    }
}

/// A secret as `****` and, when it is long enough to spare them, its last four characters.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 16 {
        return "****".into();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

impl fmt::Display for SettingsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: Option<&SettingView>| {
            s.map_or_else(
                || "(none)".to_string(),
                |s| format!("{}  ({})", s.value, s.source),
            )
        };
        let rows = [
            (
                "config file",
                self.config_file.clone().unwrap_or_else(|| "(none)".into()),
            ),
            ("profile", shown(self.profile.as_ref())),
            ("base_url", shown(Some(&self.base_url))),
            ("api_key", shown(self.api_key.as_ref())),
            ("max_cost", shown(self.max_cost.as_ref())),
        ];
        for (i, (name, value)) in rows.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{name:<12} {value}")?;
        }
        Ok(())
    }
}
