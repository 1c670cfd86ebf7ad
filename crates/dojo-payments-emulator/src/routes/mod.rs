//! The HTTP face of the emulator: both hosts' routes, authentication like
//! Dojo's, and request validation from the document.

mod checkout;
mod control;
mod control_terminals;
mod customers;
mod epos;
mod payment_intents;
mod pci;
mod setup_intents;
mod terminals;
mod webhooks;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use dojo_payments_api::validate::Rule;
use dojo_payments_api::{Validate, Violation};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::accounts::{Accounts, Caller};
use crate::app::App;
use crate::faults::Route;
use crate::problem::Problem;

/// A router that lists the routes it serves, so that a fault can only be
/// aimed at one of them (one list: the router's own).
pub struct Served {
    router: Router<Arc<App>>,
    routes: Vec<Route>,
}

impl Served {
    fn new() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    /// Serves `method template` with `handler`.
    fn at<H, T>(mut self, method: Method, template: &'static str, handler: H) -> Self
    where
        H: Handler<T, Arc<App>>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone())
            .unwrap_or_else(|_| panic!("{method} is not a method axum routes"));
        self.routes.push(Route::new(&method, template));
        self.router = self.router.route(template, on(filter, handler));
        self
    }

    fn merge(mut self, other: Served) -> Self {
        self.router = self.router.merge(other.router);
        self.routes.extend(other.routes);
        self
    }

    /// The routes served.
    pub fn routes(&self) -> impl Iterator<Item = Route> + '_ {
        self.routes.iter().cloned()
    }
}

/// Every operation of Dojo's document on the api host.
pub fn api() -> Served {
    payment_intents::routes()
        .merge(setup_intents::routes())
        .merge(customers::routes())
        .merge(webhooks::routes())
        .merge(terminals::routes())
        .merge(epos::routes())
}

/// The PCI host's one operation.
pub fn pci() -> Served {
    pci::routes()
}

/// The api host: `operations`, the checkout page and the `/_emulator`
/// controls.
pub fn api_host(operations: Served, app: Arc<App>) -> Router {
    operations
        .router
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            authenticate_api,
        ))
        .layer(middleware::from_fn(terminals::coded))
        .merge(checkout::routes())
        .merge(control::routes())
        .merge(control_terminals::routes())
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .with_state(app)
}

/// The PCI host: the one tokenization call.
pub fn pci_host(operations: Served, app: Arc<App>) -> Router {
    operations
        .router
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::faults::inject,
        ))
        .layer(axum::Extension(crate::faults::PciHost))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            authenticate_pci,
        ))
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .with_state(app)
}

async fn no_route(method: Method, uri: axum::http::Uri) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("no operation {method} {}", uri.path()),
    )
}

async fn no_method(method: Method, uri: axum::http::Uri) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} does not take {method}", uri.path()),
    )
}

/// How a route authenticates.
enum Scheme {
    /// `Basic sk_sandbox_…`.
    ApiKey,
    /// `Basic cs_…` (checked against the customer by the handler).
    CustomerSecret,
    /// Dojo's "no auth" endpoints.
    None,
}

fn scheme(path: &str) -> Scheme {
    if path.starts_with("/customers/public/") {
        Scheme::CustomerSecret
    } else if path.starts_with("/setup-intents/public/") {
        Scheme::None
    } else {
        Scheme::ApiKey
    }
}

/// Which host a request came to: each emulates its own API version.
#[derive(Debug, Clone, Copy)]
enum Host {
    /// `api.dojo.tech`.
    Api,
    /// `pci-api.dojo.tech`.
    Pci,
}

impl Host {
    /// The version this host emulates.
    fn version(self) -> &'static str {
        match self {
            Self::Api => crate::API_VERSION,
            Self::Pci => crate::PCI_VERSION,
        }
    }
}

/// [`authenticate`] on the api host.
async fn authenticate_api(State(app): AppState, request: Request, next: Next) -> Response {
    authenticate(&app, Host::Api, request, next).await
}

/// [`authenticate`] on the PCI host.
async fn authenticate_pci(State(app): AppState, request: Request, next: Next) -> Response {
    authenticate(&app, Host::Pci, request, next).await
}

/// Middleware: the `version` header, and the credential the route takes;
/// an API key's account goes on the request as its [`Caller`].
async fn authenticate(app: &App, host: Host, mut request: Request, next: Next) -> Response {
    let checked = check_version(request.headers(), host, app.choices.any_version)
        .and_then(|()| check_credentials(request.uri().path(), request.headers(), &app.accounts));
    match checked {
        Ok(Some(caller)) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Ok(None) => next.run(request).await,
        Err(problem) => problem.into_response(),
    }
}

/// The `version` header: required, a date, and (unless the emulator was
/// started to accept any) the version `host` emulates. Dojo answers each
/// version in its own shapes; the emulator knows one, so another is
/// refused rather than answered in shapes that version never had.
fn check_version(headers: &HeaderMap, host: Host, any_version: bool) -> Result<(), Problem> {
    let mut all = headers.get_all("version").iter();
    let Some(version) = all.next() else {
        return Err(Problem::field("version", "The version header is required."));
    };
    if all.next().is_some() {
        // As for Authorization: a silent pick of one would answer a
        // client's conflicting versions in shapes it may not expect.
        return Err(Problem::field(
            "version",
            "The request has more than one version header; send exactly one.",
        ));
    }
    let Ok(version) = version.to_str() else {
        return Err(Problem::field(
            "version",
            "The version header must be a date, yyyy-mm-dd.",
        ));
    };
    if version.parse::<dojo_payments_types::ApiVersion>().is_err() {
        return Err(Problem::field(
            "version",
            "The version header must be a date, yyyy-mm-dd.",
        ));
    }
    let emulated = host.version();
    if version == emulated || any_version {
        return Ok(());
    }
    Err(Problem::field(
        "version",
        format!(
            "This emulator answers Dojo API version {emulated} only (the version of the \
             document it emulates); version {version} is not emulated. Send \
             version: {emulated}, or start the emulator with --accept-any-version to have \
             every version answered in {emulated}'s shapes."
        ),
    ))
}

fn check_credentials(
    path: &str,
    headers: &HeaderMap,
    accounts: &Accounts,
) -> Result<Option<Caller>, Problem> {
    let mut all = headers.get_all(AUTHORIZATION).iter();
    let authorization = all.next().and_then(|v| v.to_str().ok());
    if all.next().is_some() {
        // Which one would Dojo read? Neither the document nor the guides
        // say, and a silent pick hides a client's bug.
        return Err(Problem::field(
            "Authorization",
            "The request has more than one Authorization header; send exactly one.",
        ));
    }
    let credential = authorization.and_then(|a| a.strip_prefix("Basic "));
    match (scheme(path), credential) {
        (Scheme::None, _) => Ok(None),
        (Scheme::ApiKey, Some(key)) if key.starts_with("sk_prod_") => Err(Problem::unauthorized(
            "production keys (sk_prod_) are refused: the emulator is a sandbox",
        )),
        (Scheme::ApiKey, Some(key)) if key.starts_with("sk_sandbox_") && key.len() > 11 => {
            match accounts.account_of(key) {
                Some(account) => Ok(Some(Caller { account })),
                None => Err(Problem::unauthorized(
                    "this emulator accepts only the API keys it was started with",
                )),
            }
        }
        (Scheme::ApiKey, _) => Err(Problem::unauthorized(
            "send Authorization: Basic sk_sandbox_… (the key itself, not base64)",
        )),
        (Scheme::CustomerSecret, Some(secret)) if secret.starts_with("cs_") => Ok(None),
        (Scheme::CustomerSecret, _) => Err(Problem::unauthorized(
            "customer endpoints take Authorization: Basic cs_… (a customer secret)",
        )),
    }
}

/// The customer secret a `/customers/public/…` call was made with.
pub(crate) fn customer_secret(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Basic "))
        .unwrap_or_default()
        .to_owned()
}

/// A JSON body checked like Dojo checks it: types, required fields, enums
/// and the fields a closed schema does not name (by decoding into the
/// generated request type, with the failing field's path: request-only
/// types the document closes refuse unknown fields as they decode), then
/// lengths, ranges, patterns and the unknown fields kept by types that
/// responses share (the generated `Validate` impl, the same check the SDK
/// makes before sending), then the unknown fields of a `Money`, whose type
/// drops them. Failures are 400 with `errors` naming the field. Where the
/// document leaves an object open (no `additionalProperties`), unknown
/// fields are accepted and dropped.
pub(crate) struct Valid<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Serialize + Validate> FromRequest<S> for Valid<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| Problem::bad_request(e.to_string()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| Problem::field("$", format!("The request body is not JSON: {e}")))?;
        let body: T = serde_path_to_error::deserialize(&value).map_err(|error| {
            let path = error.path().to_string();
            let message = error.inner().to_string();
            if let Some(name) = quoted_after(&message, "missing field `") {
                let field = join(&path, name);
                return Problem::field(&field, format!("The {field} field is required."));
            }
            if message.starts_with("unknown field `") {
                // The path ends at the unknown field itself.
                let field = pascal_path(&path);
                return Problem::field(&field, format!("The {field} field {}.", Rule::Unknown));
            }
            Problem::field(&pascal_path(&path), message)
        })?;
        let mut violations = body
            .validate()
            .map(|()| Vec::new())
            .unwrap_or_else(|violations| violations.into_vec());
        if may_hold_unknown_money_fields(&value)
            && let Ok(decoded) = serde_json::to_value(&body)
        {
            money_unknown_fields(&value, &decoded, "", &mut violations);
        }
        let url = value.get("url").and_then(|u| u.as_str());
        violations.retain(|v| !loopback_webhook_exemption(v, url));
        if violations.is_empty() {
            Ok(Valid(body))
        } else {
            Err(Problem::validation(errors(&violations)))
        }
    }
}

/// The name in ``prefix`name`…`` of a serde message, if it starts so.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('`').next()
}

/// Whether some object of `sent` has a `currencyCode` beside two or more
/// other fields: only then can a `Money` in it hold a field the document
/// does not name (a `Money` needs both of its own). A cheap look, so that
/// the usual body is not encoded again.
fn may_hold_unknown_money_fields(sent: &serde_json::Value) -> bool {
    match sent {
        serde_json::Value::Object(fields) => {
            (fields.len() > 2 && fields.contains_key("currencyCode"))
                || fields.values().any(may_hold_unknown_money_fields)
        }
        serde_json::Value::Array(items) => items.iter().any(may_hold_unknown_money_fields),
        _ => false,
    }
}

/// The fields of each `Money` in `sent` that its decoding dropped.
///
/// `dojo_payments_types::Money` stands for the document's `Money` (closed:
/// `value` and `currencyCode` only), in requests and in responses alike, so
/// it cannot refuse what it does not know (a response must keep decoding
/// when Dojo adds a field). Its decoding keeps exactly those two fields, so
/// an object re-encoded with exactly those two keys is a `Money`, and any
/// other key sent at the same place is one the document does not name.
fn money_unknown_fields(
    sent: &serde_json::Value,
    decoded: &serde_json::Value,
    at: &str,
    out: &mut Vec<Violation>,
) {
    use serde_json::Value;
    let field = |name: &str| {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    };
    match (sent, decoded) {
        (Value::Object(sent), Value::Object(decoded)) => {
            let money = decoded.len() == 2
                && decoded.contains_key("value")
                && decoded.contains_key("currencyCode");
            if money {
                for name in sent.keys().filter(|k| !decoded.contains_key(*k)) {
                    out.push(Violation::new(field(name), Rule::Unknown));
                }
                return;
            }
            for (name, inner) in decoded {
                if let Some(sent) = sent.get(name) {
                    money_unknown_fields(sent, inner, &field(name), out);
                }
            }
        }
        (Value::Array(sent), Value::Array(decoded)) => {
            for (i, (sent, inner)) in sent.iter().zip(decoded).enumerate() {
                money_unknown_fields(sent, inner, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// A query string decoded as `T`, or problem details naming what is wrong
/// (axum's own rejection is plain text, which no Dojo client expects).
pub(crate) struct ValidQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(query)| ValidQuery(query))
            .map_err(|rejection| malformed("$query", "query string", rejection.body_text()))
    }
}

/// Path parameters decoded as `T`, or problem details (axum's own rejection
/// of, say, a percent-encoded invalid UTF-8 segment is plain text).
pub(crate) struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParam(value))
            .map_err(|rejection| malformed("$path", "path", rejection.body_text()))
    }
}

/// axum's plain-text rejection of a request's `part` as a 400 naming
/// `field`.
fn malformed(field: &str, part: &str, reason: String) -> Problem {
    Problem::field(field, format!("The {part} is not valid: {reason}"))
}

/// A header's value, present but possibly empty (the document requires
/// the header, not a non-empty value), or a 400 naming it.
pub(crate) fn required_header(headers: &HeaderMap, name: &str) -> Result<String, Problem> {
    let value = headers
        .get(name)
        .ok_or_else(|| Problem::field(name, format!("The {name} header is required.")))?;
    value
        .to_str()
        .map(str::to_owned)
        .map_err(|_| Problem::field(name, format!("The {name} header must be printable ASCII.")))
}

/// The emulator's one deviation from the document's constraints: webhook
/// subscriptions may use `http://` to a loopback host, so that tests can
/// receive deliveries without TLS (the document's pattern is `^https://`).
fn loopback_webhook_exemption(violation: &Violation, url: Option<&str>) -> bool {
    matches!(violation.rule(), Rule::Pattern { .. })
        && violation.field() == "url"
        && url.is_some_and(dojo_payments_api::validate::is_loopback_http)
}

/// The URLs a checkout sends the customer to (`config.redirectUrl`,
/// `config.cancelUrl`) must be `https://`, or `http://` to this machine:
/// decided by [`HttpsUrl`](dojo_payments_types::HttpsUrl), as the SDK
/// decides before sending. The document says only `format: uri`, which
/// `javascript:` passes; refusing it is the emulator's guess (its README,
/// "Where the emulator differs from Dojo"). A 400 naming each field, never
/// its value.
pub(crate) fn checkout_urls(
    config: Option<&dojo_payments_api::api::types::PaymentIntentConfigRequest>,
) -> Result<(), Problem> {
    let Some(config) = config else {
        return Ok(());
    };
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (field, url) in [
        ("Config.RedirectUrl", &config.redirect_url),
        ("Config.CancelUrl", &config.cancel_url),
    ] {
        if let Some(Err(refused)) = url.as_deref().map(dojo_payments_types::HttpsUrl::new) {
            errors
                .entry(field.to_owned())
                .or_default()
                .push(format!("The {field} field {}.", refused.rule()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::validation(errors))
    }
}

/// The violations as Dojo reports them: by Pascal-cased field path.
fn errors(violations: &[Violation]) -> BTreeMap<String, Vec<String>> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for violation in violations {
        let field = pascal_path(violation.field());
        let message = format!("The {field} field {}.", violation.rule());
        errors.entry(field).or_default().push(message);
    }
    errors
}

fn pascal(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `amount.currencyCode` → `Amount.CurrencyCode`, as Dojo names fields.
fn pascal_path(path: &str) -> String {
    if path == "." {
        return "$".to_owned();
    }
    path.split('.').map(pascal).collect::<Vec<_>>().join(".")
}

fn join(path: &str, field: &str) -> String {
    if path == "." {
        pascal(field)
    } else {
        format!("{}.{}", pascal_path(path), pascal(field))
    }
}

/// The emulator's shared state, for handlers.
pub(crate) type AppState = State<Arc<App>>;
