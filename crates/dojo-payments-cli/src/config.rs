//! The config file: named profiles (one per location), each a key and
//! optionally the hosts. `$XDG_CONFIG_HOME/dojo/config.toml`, else
//! `~/.config/dojo/config.toml` (`DOJO_CONFIG` overrides the path). Written
//! with owner-only permissions (0600, its directory 0700); keys are never
//! printed.
//!
//! ```toml
//! [profiles.default]
//! api_key = "sk_sandbox_…"
//! api_url = "http://127.0.0.1:3000"   # optional: an emulator
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::CliError;

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Config {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile: a key and where to send it.
#[derive(Default, Serialize, Deserialize)]
pub struct Profile {
    /// The secret key (never printed).
    pub api_key: String,
    /// The api host, when not Dojo's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The PCI host, when not Dojo's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_url: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("api_key", &"…")
            .field("api_url", &self.api_url)
            .field("pci_url", &self.pci_url)
            .finish()
    }
}

/// Where the config file is.
pub fn path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DOJO_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|p| !p.is_empty())?).join(".config"),
    };
    Some(base.join("dojo").join("config.toml"))
}

impl Config {
    /// The file at `path`, or an empty config if there is none.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                // toml's message quotes the line, which may hold a key.
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].lines().count());
                CliError::config(format!(
                    "{} is not a valid config file (line {})",
                    path.display(),
                    line.map_or("?".to_owned(), |l| l.to_string())
                ))
                .hint("fix it, or write it again with `dojo login --api-key KEY`")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(CliError::config(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Writes the file, owner-only.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let text = toml::to_string(self)
            .map_err(|e| CliError::failure(format!("cannot write the config: {e}")))?;
        let fail =
            |e: std::io::Error| CliError::config(format!("cannot write {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
            restrict(dir, 0o700).map_err(fail)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(fail)?;
        restrict(path, 0o600).map_err(fail)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(fail)
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}
