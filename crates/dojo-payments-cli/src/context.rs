//! Which key, which hosts: resolved once per command from the flags
//! (`--profile`, `--location`), the SDK's environment (`DOJO_API_KEY`,
//! `DOJO_API_URL`, `DOJO_PCI_URL`, `DOJO_LOCATION_<NAME>`) and the config
//! file; then the SDK's client and the raw HTTP call built on them.

use dojo_payments::Dojo;
use dojo_payments_types::ApiKey;
use serde_json::Value;

use crate::config::{self, Config};
use crate::exit::{self, CliError};

/// The software house id sent on terminal calls unless
/// `DOJO_SOFTWARE_HOUSE_ID` names another.
pub const SOFTWARE_HOUSE_ID: &str = "dojo-cli";

/// The global flags that choose a key.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// `--profile NAME`.
    pub profile: Option<String>,
    /// `--location NAME`.
    pub location: Option<String>,
}

/// A resolved key and its hosts. `Debug` never shows the key.
pub struct Target {
    /// The key (never printed).
    pub key: ApiKey,
    /// The api host.
    pub api_url: String,
    /// The PCI host.
    pub pci_url: String,
    /// Where the key came from, for `whoami`: `DOJO_API_KEY`, `profile default`…
    pub source: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("key", &self.key)
            .field("api_url", &self.api_url)
            .field("source", &self.source)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A key as the SDK checks it; the error names where it came from, never
/// the key.
pub fn key(text: &str, source: &str) -> Result<ApiKey, CliError> {
    ApiKey::new(text.trim()).map_err(|e| {
        CliError::config(format!("the key from {source} {}", e.rule()))
            .hint("a Dojo secret key starts sk_sandbox_ or sk_prod_")
    })
}

/// The config file, loaded (empty when there is none).
pub fn load_config() -> Result<(Option<std::path::PathBuf>, Config), CliError> {
    match config::path() {
        Some(path) => {
            let config = Config::load(&path)?;
            Ok((Some(path), config))
        }
        None => Ok((None, Config::default())),
    }
}

fn from_profile(config: &Config, name: &str) -> Option<Result<Target, CliError>> {
    let profile = config.profiles.get(name)?;
    let source = format!("profile {name}");
    Some(key(&profile.api_key, &source).map(|key| {
        Target {
            key,
            api_url: env("DOJO_API_URL")
                .or_else(|| profile.api_url.clone())
                .unwrap_or_else(|| dojo_payments_api::API_BASE_URL.to_owned()),
            pci_url: env("DOJO_PCI_URL")
                .or_else(|| profile.pci_url.clone())
                .unwrap_or_else(|| dojo_payments_api::PCI_BASE_URL.to_owned()),
            source,
        }
    }))
}

fn from_env_key(text: &str, source: String) -> Result<Target, CliError> {
    Ok(Target {
        key: key(text, &source)?,
        api_url: env("DOJO_API_URL").unwrap_or_else(|| dojo_payments_api::API_BASE_URL.to_owned()),
        pci_url: env("DOJO_PCI_URL").unwrap_or_else(|| dojo_payments_api::PCI_BASE_URL.to_owned()),
        source,
    })
}

/// The environment variable of location `name`'s key.
pub fn location_var(name: &str) -> String {
    format!("DOJO_LOCATION_{}", name.to_uppercase().replace('-', "_"))
}

/// The key the flags and the environment choose: `--location NAME`
/// (`DOJO_LOCATION_<NAME>`, else profile NAME), `--profile NAME`,
/// `DOJO_API_KEY`, `DOJO_PROFILE`, profile `default`, in that order.
pub fn target(choice: &Choice) -> Result<Target, CliError> {
    let (_, config) = load_config()?;
    let missing = |what: String| {
        CliError::config(what).hint(
            "set DOJO_API_KEY, or run `dojo login --api-key sk_sandbox_… [--profile NAME]`; \
             against the emulator, `dojo emulator` prints its key",
        )
    };
    if let Some(name) = &choice.location {
        let var = location_var(name);
        if let Some(text) = env(&var) {
            return from_env_key(&text, var);
        }
        return from_profile(&config, name).unwrap_or_else(|| {
            Err(missing(format!(
                "no key for location {name}: neither {var} nor a profile {name}"
            )))
        });
    }
    if let Some(name) = &choice.profile {
        return from_profile(&config, name).unwrap_or_else(|| {
            Err(missing(format!(
                "no profile named {name} in the config file"
            )))
        });
    }
    if let Some(text) = env("DOJO_API_KEY") {
        return from_env_key(&text, "DOJO_API_KEY".to_owned());
    }
    let name = env("DOJO_PROFILE").unwrap_or_else(|| "default".to_owned());
    from_profile(&config, &name).unwrap_or_else(|| Err(missing("no API key".to_owned())))
}

/// Whether the api host at `api_url` is the emulator: `DOJO_EMULATOR`
/// says so (`1`/`true`/`yes`, or `0`/`false`/`no`: an emulator treated as
/// Dojo, to rehearse what Dojo would do), else a host on this machine is.
/// Against the emulator `listen` needs no public URL, `trigger` pays
/// through its control API, and checkout is served on its api host.
pub fn is_emulator(api_url: &str) -> bool {
    match env("DOJO_EMULATOR")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        Some("1" | "true" | "yes") => true,
        Some("0" | "false" | "no") => false,
        _ => crate::commands::listen::is_loopback(api_url),
    }
}

/// The SDK's client for `target`.
pub fn dojo(target: &Target) -> Result<Dojo, CliError> {
    builder(target)?
        .build()
        .map_err(|e| CliError::config(format!("cannot make a client: {e}")))
}

/// [`dojo`], judging Dojo's time windows (a reversal's 7 days, an Auto
/// capture's day) by the emulator's clock when `target` is the emulator:
/// one started at another instant (`--clock-start`) or moved (`dojo
/// emulator clock --advance`) keeps its own time, and the SDK's checks
/// before sending must agree with it. Against Dojo, the system's clock.
pub async fn dojo_on_its_clock(target: &Target) -> Result<Dojo, CliError> {
    let mut builder = builder(target)?;
    if is_emulator(&target.api_url) {
        let base = env("DOJO_EMULATOR_URL").unwrap_or_else(|| target.api_url.clone());
        let base = base.trim_end_matches('/');
        let clock = crate::commands::emulator::control(base, "GET", "/clock", None).await;
        let at = clock.ok().and_then(|v| {
            let text = v.get("now").or(Some(&v))?.as_str()?.to_owned();
            chrono::DateTime::parse_from_rfc3339(&text).ok()
        });
        if let Some(at) = at {
            let (emulated, read) = (at.to_utc(), chrono::Utc::now());
            builder = builder.clock(move || emulated + (chrono::Utc::now() - read));
        }
    }
    builder
        .build()
        .map_err(|e| CliError::config(format!("cannot make a client: {e}")))
}

fn builder(target: &Target) -> Result<dojo_payments::DojoBuilder, CliError> {
    let mut builder = Dojo::builder(target.key.clone())
        .api_url(target.api_url.clone())
        .pci_url(target.pci_url.clone());
    // The emulator serves its checkout on the api host.
    if let Some(url) = env("DOJO_CHECKOUT_URL")
        .or_else(|| is_emulator(&target.api_url).then(|| target.api_url.clone()))
    {
        builder = builder.checkout_url(url);
    }
    Ok(builder)
}

/// An HTTP client with the SDK's TLS stack.
pub fn http() -> Result<reqwest::Client, CliError> {
    dojo_payments_api::http_client()
        .map_err(|e| CliError::failure(format!("cannot make an HTTP client: {e}")))
}

/// The answer of a raw call: its status and body (JSON, or a string).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body: JSON when it is, else the text as a JSON string; `null`
    /// when empty.
    pub body: Value,
}

/// One call on the api host with the SDK's headers: `Authorization: Basic
/// <key>` (as Dojo wants it, literally), `version`, and on terminal routes
/// the `software-house-id`. A transport failure is exit code 5, or 6 when
/// `moves_money` (it may have arrived).
pub async fn call(
    target: &Target,
    method: &str,
    path: &str,
    body: Option<&Value>,
    extra_headers: &[(String, String)],
) -> Result<Answer, CliError> {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
        .map_err(|_| CliError::usage(format!("{method:?} is not an HTTP method")))?;
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let url = format!("{}{path}", target.api_url.trim_end_matches('/'));
    let mut request = http()?
        .request(method.clone(), &url)
        .header("authorization", format!("Basic {}", target.key.expose()))
        .header("version", dojo_payments_api::api::API_VERSION)
        .header(
            "user-agent",
            concat!("dojo-cli/", env!("CARGO_PKG_VERSION")),
        );
    if path.starts_with("/terminal") {
        let house = env("DOJO_SOFTWARE_HOUSE_ID").unwrap_or_else(|| SOFTWARE_HOUSE_ID.to_owned());
        request = request.header("software-house-id", house);
    }
    for (name, value) in extra_headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| transport(&e, &method, &target.api_url))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| transport(&e, &method, &target.api_url))?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Ok(Answer { status, body })
}

fn transport(error: &reqwest::Error, method: &reqwest::Method, host: &str) -> CliError {
    let safe =
        matches!(*method, reqwest::Method::GET | reqwest::Method::HEAD) || error.is_connect();
    if safe {
        CliError::new(
            exit::UNAVAILABLE,
            format!("no answer from {host}: {}", without_url(error)),
        )
        .hint("check the URL (DOJO_API_URL) and your connection, then run it again")
    } else {
        CliError::new(
            exit::UNKNOWN_OUTCOME,
            format!(
                "the request was sent to {host} and no answer came: {}",
                without_url(error)
            ),
        )
        .hint("it may have taken effect: read the resource before sending it again")
    }
}

/// reqwest's message without its URL (which may carry a query).
fn without_url(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_timeout() {
        "timed out".to_owned()
    } else if std::ptr::eq(
        cause as *const _ as *const u8,
        error as *const _ as *const u8,
    ) {
        "the connection failed".to_owned()
    } else {
        cause.to_string()
    }
}

/// An id typed on the command line, safe to put in a path.
pub fn path_id(text: &str) -> Result<&str, CliError> {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        Ok(text)
    } else {
        Err(CliError::usage(format!("{text:?} is not an id"))
            .hint("ids are letters, digits, _ and -"))
    }
}
