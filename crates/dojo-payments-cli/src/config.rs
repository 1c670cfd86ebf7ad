//! The config file: named profiles (one per location), each a key and
//! optionally the hosts. `$XDG_CONFIG_HOME/dojo/config.toml`, else
//! `~/.config/dojo/config.toml` (`DOJO_CONFIG` overrides the path). Written
//! with owner-only permissions (0600; the directories it creates 0700, one
//! that exists is left as it is); keys are never printed.
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

/// Why the config file could not be used.
#[derive(Debug)]
pub struct Broken {
    /// The error to report: the file, the line, what to do.
    pub error: CliError,
    /// Whether it was read and is not a config file (which `dojo login`
    /// may set aside and replace), rather than unreadable.
    pub invalid: bool,
}

impl Config {
    /// The file at `path`, or an empty config if there is none.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        Self::read(path).map_err(|broken| broken.error)
    }

    /// [`Self::load`], saying whether a failure is a file that is not a
    /// config file.
    pub fn read(path: &Path) -> Result<Self, Broken> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                // toml's message quotes the line, which may hold a key.
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
                let at = line.map_or_else(String::new, |l| format!(" (line {l})"));
                Broken {
                    error: CliError::config(format!(
                        "{} is not a valid config file{at}",
                        path.display()
                    ))
                    .hint(format!(
                        "fix {}{at}, or replace it: `dojo login --api-key KEY` sets it aside as \
                         {}.broken-… and writes a new one",
                        path.display(),
                        path.display()
                    )),
                    invalid: true,
                }
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Broken {
                error: CliError::config(format!("cannot read {}: {e}", path.display())).hint(
                    format!(
                        "make it readable (chmod 600 {}), or point DOJO_CONFIG at another file",
                        path.display()
                    ),
                ),
                invalid: false,
            }),
        }
    }

    /// Sets aside the invalid file at `path` (renamed, so its permissions
    /// and whatever keys it holds stay as they were), returning where.
    pub fn set_aside(path: &Path) -> Result<PathBuf, CliError> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".broken-{stamp}"));
        let backup = PathBuf::from(name);
        std::fs::rename(path, &backup).map_err(|e| {
            CliError::config(format!("cannot set {} aside: {e}", path.display()))
                .hint("move it aside yourself, then run `dojo login` again")
        })?;
        Ok(backup)
    }

    /// Writes the file, owner-only (0600). The directories it creates are
    /// made 0700; one that exists is left as it is (a project directory,
    /// $HOME, /tmp may be shared on purpose).
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let text = toml::to_string(self)
            .map_err(|e| CliError::failure(format!("cannot write the config: {e}")))?;
        let fail =
            |e: std::io::Error| CliError::config(format!("cannot write {}: {e}", path.display()));
        // A bare file name (DOJO_CONFIG=config.toml) has the empty parent:
        // the current directory, which exists.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            create_private_dir(dir).map_err(fail)?;
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

/// Creates `dir` and its missing parents, each 0700.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    // The mode is applied under the umask, which only takes bits away.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
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
