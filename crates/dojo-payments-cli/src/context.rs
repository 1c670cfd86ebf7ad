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

/// The config file's problem, said once per run as a warning on stderr:
/// for a command whose key comes from the environment, which does not
/// need the file (a stale file on a CI runner must not stop it).
pub fn warn_config(error: &CliError) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        crate::output::warn(
            &format!(
                "{}; not needed, as the key comes from the environment",
                error.message
            ),
            error.hint.as_deref(),
        );
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
/// The config file is needed only for a profile's key: when the key is
/// the environment's, a file that cannot be read is a warning.
pub fn target(choice: &Choice) -> Result<Target, CliError> {
    let loaded = load_config().map(|(_, config)| config);
    let from_env = |text: &str, source: String| {
        if let Err(error) = &loaded {
            warn_config(error);
        }
        from_env_key(text, source)
    };
    let missing = |what: String| {
        CliError::config(what).hint(
            "set DOJO_API_KEY, or run `dojo login --api-key sk_sandbox_… [--profile NAME]`; \
             against the emulator, `dojo emulator` prints its key",
        )
    };
    if let Some(name) = &choice.location {
        let var = location_var(name);
        if let Some(text) = env(&var) {
            return from_env(&text, var);
        }
        return from_profile(&loaded?, name).unwrap_or_else(|| {
            Err(missing(format!(
                "no key for location {name}: neither {var} nor a profile {name}"
            )))
        });
    }
    if let Some(name) = &choice.profile {
        return from_profile(&loaded?, name).unwrap_or_else(|| {
            Err(missing(format!(
                "no profile named {name} in the config file"
            )))
        });
    }
    if let Some(text) = env("DOJO_API_KEY") {
        return from_env(&text, "DOJO_API_KEY".to_owned());
    }
    let name = env("DOJO_PROFILE").unwrap_or_else(|| "default".to_owned());
    from_profile(&loaded?, &name).unwrap_or_else(|| Err(missing("no API key".to_owned())))
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

/// Whether `method` on `path` may act when its answer is lost, a 5xx or
/// a 429: it moves money (a refund, even with its key, is then to be
/// settled), or sending it twice could repeat its effect, as the SDK's
/// operation table says. A call the table does not know is judged by its
/// method: only reads are taken to change nothing.
pub fn may_act(method: &reqwest::Method, path: &str) -> bool {
    use dojo_payments_api::operations::{self, Effect, Host};
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    // The operation whose template matches with the most literal segments
    // (`/payment-intents/search` before `/payment-intents/{id}`).
    let best = operations::all()
        .filter(|op| op.host == Host::Api && op.method.as_str() == method.as_str())
        .filter_map(|op| {
            let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in template.iter().zip(&segments) {
                if t.starts_with('{') && t.ends_with('}') {
                    continue;
                }
                if t != s {
                    return None;
                }
                literal += 1;
            }
            Some((literal, op))
        })
        .max_by_key(|(literal, _)| *literal);
    match best {
        Some((_, op)) => op.moves_money || op.effect == Effect::NotIdempotent,
        None => !matches!(
            *method,
            reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS
        ),
    }
}

/// The api host's URL for `path`, checked before anything is sent: a
/// host that is not an http(s) URL is the configuration's fault (exit 3),
/// a path that makes it unusable the command line's (exit 2).
fn url_for(api_url: &str, path: &str) -> Result<reqwest::Url, CliError> {
    let usable = |url: &reqwest::Url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    };
    if reqwest::Url::parse(api_url).ok().filter(usable).is_none() {
        return Err(CliError::config(format!(
            "the api URL {api_url:?} is not an http(s) URL: nothing was sent"
        ))
        .hint(
            "set DOJO_API_URL (or the profile's: `dojo login --api-url URL`) to \
             https://api.dojo.tech, or an emulator's http://127.0.0.1:PORT",
        ));
    }
    let text = format!("{}{path}", api_url.trim_end_matches('/'));
    reqwest::Url::parse(&text)
        .ok()
        .filter(usable)
        .ok_or_else(|| {
            CliError::usage(format!("{path:?} does not make a URL: nothing was sent"))
                .hint("give a path on the api host: /payment-intents/pi_…")
        })
}

/// `-H` headers, checked before anything is sent: a name or value HTTP
/// cannot carry is a usage error naming the header (never its value,
/// which may be a secret).
fn headers(extra: &[(String, String)]) -> Result<reqwest::header::HeaderMap, CliError> {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let mut map = HeaderMap::new();
    for (name, value) in extra {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            CliError::usage(format!(
                "-H {name:?}: not a header name (letters, digits and -, no spaces): nothing was sent"
            ))
            .hint("give -H name:value, e.g. -H idempotencyKey:order-42-refund-1")
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            CliError::usage(format!(
                "-H {name}: its value holds a character a header cannot carry \
                 (a control character, a line break): nothing was sent"
            ))
        })?;
        map.append(header, value);
    }
    Ok(map)
}

/// One call on the api host with the SDK's headers: `Authorization: Basic
/// <key>` (as Dojo wants it, literally), `version`, and on terminal routes
/// the `software-house-id`. The URL and headers are checked first (nothing
/// is sent when they are unusable); a lost answer is exit code 5, or 6
/// when the call may act ([`may_act`]).
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
    let url = url_for(&target.api_url, &path)?;
    let extra = headers(extra_headers)?;
    let acts = may_act(&method, &path);
    let mut request = http()?
        .request(method.clone(), url)
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
    request = request.headers(extra);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| transport(&e, acts, &target.api_url))?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| {
        // Answered, but the body was cut off: the status says what Dojo
        // did; a success is done and must not be sent again.
        let code = match exit::for_answer(status, acts) {
            exit::OK => exit::FAILURE,
            code => code,
        };
        CliError::new(
            code,
            format!(
                "{} answered HTTP {status}, but its body was cut off: {}",
                target.api_url,
                without_url(&e)
            ),
        )
        .hint(if (200..300).contains(&status) {
            "it was done: read the resource to see it; do not send it again"
        } else {
            "read the resource to see its state before sending it again"
        })
    })?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Ok(Answer { status, body })
}

/// A call that got no answer. reqwest's kinds say what is known: a
/// builder error was never sent (the request could not be made), a
/// connect error never left (no connection was made); anything else
/// (`is_request` covers errors after the request left too, a timeout)
/// may have reached Dojo, which for a call that may act is an unknown
/// outcome.
fn transport(error: &reqwest::Error, may_act: bool, host: &str) -> CliError {
    if error.is_builder() {
        return CliError::usage(format!(
            "the request could not be made: {}: nothing was sent",
            without_url(error)
        ))
        .hint("check the path, the -H headers and the api URL (DOJO_API_URL)");
    }
    if error.is_connect() || !may_act {
        let what = if error.is_connect() {
            "could not connect to"
        } else {
            "no answer from"
        };
        return CliError::new(
            exit::UNAVAILABLE,
            format!("{what} {host}: {}", without_url(error)),
        )
        .hint("check the URL (DOJO_API_URL) and your connection, then run it again");
    }
    CliError::new(
        exit::UNKNOWN_OUTCOME,
        format!(
            "the request was sent to {host} and no answer came: {}",
            without_url(error)
        ),
    )
    .hint(
        "it may have taken effect: read the resource before sending it again \
         (a request with an idempotencyKey header: send it again with the same key only)",
    )
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
