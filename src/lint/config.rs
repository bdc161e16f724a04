//! Project configuration: the `[lints]` table of a `nurture.toml` found by
//! walking up from a checked file's directory.
//!
//! ```toml
//! [lints]
//! unused-declaration = "off"
//! single-use-segment = "warning"
//! ```
//!
//! A config that cannot be used as written (not a regular file, unreadable,
//! not TOML, an unknown lint id or level, a table other than `[lints]`) is
//! an error of the run, not of the rules: `check` exits 2 with the problem
//! (code E0009), since it could not run as asked. A `nurture.toml` that is
//! a FIFO or a device is such an error too, never skipped: skipping it would
//! check the project with settings it did not ask for.

use super::registry::{self, Level};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use crate::base::project::{discover, FILE_NAME};

/// A config is a few lines; anything larger is not one.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The level of every lint for one checked file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LintConfig {
    /// Overrides of the registry defaults, by lint id.
    pub levels: HashMap<&'static str, Level>,
    /// The file the levels came from, if any.
    pub source: Option<PathBuf>,
}

impl LintConfig {
    /// The level of a lint: the configured one, else the registry default.
    pub fn level(&self, id: &str) -> Level {
        if let Some(level) = self.levels.get(id) {
            return *level;
        }
        registry::find(id).map_or(Level::Off, |info| info.default)
    }

    /// Parses the text of a `nurture.toml`.
    pub fn parse(text: &str) -> Result<LintConfig, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            format!("is not valid TOML: {}", e.message().trim_end())
        })?;
        let mut config = LintConfig::default();
        for (key, value) in &table {
            if key != "lints" {
                return Err(format!(
                    "has an unknown table `{key}` (only `[lints]` is known)"
                ));
            }
            let Some(lints) = value.as_table() else {
                return Err("`lints` must be a table: `[lints]`".into());
            };
            for (id, level) in lints {
                let Some(info) = registry::find(id) else {
                    let hint =
                        crate::diagnostics::did_you_mean(id, registry::LINTS.iter().map(|l| l.id))
                            .unwrap_or_else(|| "see `Lints` in docs/diagnostics.md".into());
                    return Err(format!("names an unknown lint `{id}`: {hint}"));
                };
                let parsed = level.as_str().and_then(Level::parse).ok_or_else(|| {
                    let given = match level.as_str() {
                        Some(text) => format!("\"{text}\""),
                        None => format!("a {}", level.type_str()),
                    };
                    format!(
                        "gives lint `{id}` the level {given}: use \"off\", \"warning\" or \"error\""
                    )
                })?;
                config.levels.insert(info.id, parsed);
            }
        }
        Ok(config)
    }

    /// Reads and parses a config file; the error names the file as
    /// `display`. Only a regular file of at most [`MAX_CONFIG_BYTES`] is
    /// read (a FIFO is never opened, a device never read).
    pub fn load(path: &Path, display: &str) -> Result<LintConfig, String> {
        let bytes = crate::base::fsio::read_regular(path, display, MAX_CONFIG_BYTES)
            .map_err(|e| e.to_string())?;
        let text =
            String::from_utf8(bytes).map_err(|_| format!("`{display}` is not UTF-8 text"))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut config = LintConfig::parse(text).map_err(|why| format!("`{display}` {why}"))?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_levels_parse_and_override_defaults() {
        let config = LintConfig::parse(
            "[lints]\nunused-declaration = \"off\"\nsingle-use-segment = \"warning\"\n",
        )
        .unwrap_or_default();
        assert_eq!(config.level("unused-declaration"), Level::Off);
        assert_eq!(config.level("single-use-segment"), Level::Warning);
        assert_eq!(config.level("wait-at-end"), Level::Warning);
    }

    #[test]
    fn unknown_ids_levels_and_tables_are_refused() {
        let err = LintConfig::parse("[lints]\nunused-declarations = \"off\"\n");
        assert!(matches!(&err, Err(e) if e.contains("did you mean `unused-declaration`")));
        let err = LintConfig::parse("[lints]\nwait-at-end = \"deny\"\n");
        assert!(matches!(&err, Err(e) if e.contains("\"off\", \"warning\" or \"error\"")));
        assert!(LintConfig::parse("[lint]\n").is_err());
        assert!(LintConfig::parse("[lints\n").is_err());
    }
}
