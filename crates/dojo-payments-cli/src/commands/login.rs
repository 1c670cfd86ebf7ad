//! `dojo login --api-key KEY [--profile NAME]`: writes a profile, never
//! asks (and never prints the key). `--api-key -` reads it from stdin.

use std::io::{IsTerminal, Read};

use clap::Args;
use serde_json::json;

use crate::config::Config;
use crate::context::{self, Choice};
use crate::exit::CliError;
use crate::output::Output;

/// `dojo login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The secret key (sk_sandbox_… or sk_prod_…); `-` reads it from stdin,
    /// which keeps it out of the shell's history.
    #[arg(long, value_name = "KEY", hide_env_values = true)]
    pub api_key: String,
    /// The api host, when not Dojo's (an emulator: http://127.0.0.1:3000).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The PCI host, when not Dojo's.
    #[arg(long, value_name = "URL")]
    pub pci_url: Option<String>,
}

/// Saves the profile (`--profile`, `--location` or `default`).
pub async fn run(args: LoginArgs, choice: &Choice, output: Output) -> Result<(), CliError> {
    let name = choice
        .location
        .clone()
        .or_else(|| choice.profile.clone())
        .unwrap_or_else(|| "default".to_owned());
    let text = if args.api_key == "-" {
        if std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                "--api-key - reads the key from stdin, which is a terminal",
            )
            .hint("pipe it in: `printf %s \"$KEY\" | dojo login --api-key -`"));
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::failure(format!("cannot read stdin: {e}")))?;
        text
    } else {
        args.api_key
    };
    let key = context::key(&text, "--api-key")?;
    let path = crate::config::path().ok_or_else(|| {
        CliError::config("no place for the config file: HOME and XDG_CONFIG_HOME are unset")
            .hint("set DOJO_CONFIG to a file path")
    })?;
    let mut config = match Config::read(&path) {
        Ok(config) => config,
        // A file that is not a config file is what the error of every
        // other command tells the user to replace with `dojo login`: it is
        // set aside (its profiles may be recovered from it), not lost.
        Err(broken) if broken.invalid => {
            let backup = Config::set_aside(&path)?;
            crate::output::warn(
                &format!(
                    "{}: set aside as {}; writing a new one",
                    broken.error.message,
                    backup.display()
                ),
                Some("copy any other profiles from it, then remove it"),
            );
            Config::default()
        }
        Err(broken) => return Err(broken.error),
    };
    let profile = crate::config::Profile {
        api_key: key.expose().to_owned(),
        api_url: args.api_url,
        pci_url: args.pci_url,
    };
    config.profiles.insert(name.clone(), profile);
    config.save(&path)?;
    let environment = format!("{:?}", key.environment()).to_lowercase();
    output.data(
        &json!({ "profile": name, "path": path.display().to_string(), "environment": environment }),
        || {
            format!(
                "saved a {environment} key as profile {name} in {}",
                path.display()
            )
        },
    );
    Ok(())
}
