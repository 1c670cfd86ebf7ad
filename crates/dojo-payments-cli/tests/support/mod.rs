//! What the command tests share: an emulator on a thread of its own, and
//! the `dojo` binary run against it with a clean environment.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use clap::CommandFactory;

use dojo_payments_emulator::{Emulator, WebhookRetryPolicy};

/// The key every session uses (the emulator's default account).
pub const KEY: &str = "sk_sandbox_cli_tests_0123456789";

/// A running emulator: its URLs, and a handle to drive it from the test.
pub struct Running {
    /// The api host.
    pub api: String,
    /// The PCI host.
    pub pci: String,
    /// A private config directory.
    pub config: PathBuf,
    /// The command paths run against it (`payment-intents capture`): a
    /// golden test named after a command must have run it.
    ran: Mutex<BTreeSet<String>>,
    _dir: TempDir,
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory under the system's temp dir.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "dojo-cli-{name}-{}-{}",
            std::process::id(),
            fastid()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastid() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Starts an emulator (seeded: the same ids on every run; a manual clock
/// at 2026-01-01T09:00:00Z) with `retries` for webhooks, on a thread that
/// lives as long as the test process.
pub fn emulator_with(name: &str, retries: WebhookRetryPolicy) -> Running {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T09:00:00Z")
                .expect("date")
                .to_utc();
            let emulator = Emulator::builder()
                .seed(36)
                .manual_clock(at)
                .webhook_retries(retries)
                .api_key(dojo_payments_types::ApiKey::new(KEY).expect("key"))
                .start()
                .await
                .expect("emulator");
            tx.send((emulator.api_url().to_owned(), emulator.pci_url().to_owned()))
                .expect("send");
            std::future::pending::<()>().await;
            drop(emulator);
        });
    });
    let (api, pci) = rx.recv().expect("emulator started");
    let dir = TempDir::new(name);
    Running {
        api,
        pci,
        config: dir.0.join("config.toml"),
        ran: Mutex::new(BTreeSet::new()),
        _dir: dir,
    }
}

/// [`emulator_with`] the emulator's default retries.
pub fn emulator(name: &str) -> Running {
    emulator_with(name, WebhookRetryPolicy::default())
}

impl Running {
    /// `dojo ARGS` against this emulator, with nothing from the caller's
    /// environment but PATH.
    pub fn process(&self, args: &[&str]) -> std::process::Command {
        if let Some(path) = command_path(args) {
            self.ran
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path);
        }
        let mut command = std::process::Command::new(snapbox::cmd::cargo_bin!("dojo"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DOJO_API_URL", &self.api)
            .env("DOJO_PCI_URL", &self.pci)
            .env("DOJO_API_KEY", KEY)
            .env("DOJO_CONFIG", &self.config)
            .args(args);
        command
    }

    /// Runs `dojo ARGS` (with `env` added) under a pseudo-terminal, as a
    /// user's shell would: what the terminal showed (stdout and stderr
    /// together). `None` where `script` (util-linux) is missing.
    pub fn in_a_terminal(&self, args: &[&str], env: &[(&str, &str)]) -> Option<String> {
        let program = snapbox::cmd::cargo_bin!("dojo");
        let mut line = program.display().to_string();
        for arg in args {
            assert!(
                arg.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c)),
                "{arg:?} needs no quoting here"
            );
            line.push(' ');
            line.push_str(arg);
        }
        let process = self.process(args);
        let mut command = std::process::Command::new("script");
        command.env_clear();
        for (name, value) in process.get_envs() {
            if let Some(value) = value {
                command.env(name, value);
            }
        }
        command.envs(env.iter().copied());
        let output = command
            .args(["-qec", &line, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// [`Running::process`], to assert on.
    pub fn dojo(&self, args: &[&str]) -> snapbox::cmd::Command {
        snapbox::cmd::Command::from_std(self.process(args))
    }

    /// The same with no key in the environment.
    pub fn dojo_without_key(&self, args: &[&str]) -> snapbox::cmd::Command {
        self.dojo(args).env_remove("DOJO_API_KEY")
    }

    /// Runs `dojo --json ARGS` and returns its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let output = self.dojo(&all).output().expect("ran");
        assert!(
            output.status.success(),
            "dojo {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON on stdout")
    }
}

/// The command path `args` (without the program's name) runs:
/// `payment-intents capture`, `emulator` (start); `None` when they do not
/// parse.
pub fn command_path(args: &[&str]) -> Option<String> {
    let matches = dojo_payments_cli::Cli::command()
        .try_get_matches_from(std::iter::once("dojo").chain(args.iter().copied()))
        .ok()?;
    let mut path = Vec::new();
    let mut here = &matches;
    while let Some((name, sub)) = here.subcommand() {
        path.push(name.to_owned());
        here = sub;
    }
    Some(path.join(" "))
}

/// Every command that runs (the clap tree's leaves, and a command that
/// runs without a subcommand too, as `emulator` starts one), by path:
/// `whoami`, `payment-intents capture`, …
pub fn runnable_commands() -> Vec<String> {
    fn walk(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        let subs: Vec<&clap::Command> = command
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if !prefix.is_empty() && (subs.is_empty() || !command.is_subcommand_required_set()) {
            out.push(prefix.to_owned());
        }
        for sub in subs {
            let path = if prefix.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{prefix} {}", sub.get_name())
            };
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&dojo_payments_cli::Cli::command(), "", &mut out);
    out
}

/// The name of the golden test of command `path`:
/// `payment-intents capture` → `payment_intents::capture`.
pub fn golden_test_name(path: &str) -> String {
    path.split(' ')
        .map(|part| part.replace('-', "_"))
        .collect::<Vec<_>>()
        .join("::")
}

impl Drop for Running {
    /// A golden test named after a command (libtest names its thread after
    /// the test) must have run that command: the name is the promise the
    /// coverage test counts on.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let Some(test) = std::thread::current().name().map(str::to_owned) else {
            return;
        };
        let ran = self.ran.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(path) = runnable_commands()
            .into_iter()
            .find(|path| golden_test_name(path) == test)
        {
            assert!(
                ran.contains(&path),
                "golden test {test} never ran `dojo {path}` (it ran: {ran:?})"
            );
        }
    }
}
