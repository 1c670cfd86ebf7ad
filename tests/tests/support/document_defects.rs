//! Where Dojo's document is wrong or silent, each with the reason. The
//! emulator answers as Dojo does (as its guides say), which here differs
//! from the document; `tests/tests/document_defects.rs` checks every entry
//! is still true, so a fixed document fails the test until the entry goes.

/// A status an operation answers that its `responses` never list. The
/// body is checked against the operation's own error schema.
pub struct Unlisted {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The document's path template.
    pub template: &'static str,
    /// The status answered.
    pub status: u16,
    /// A request that gets it: the path, a JSON body, headers to leave out.
    pub path: &'static str,
    /// The body sent, if any.
    pub body: Option<&'static str>,
    /// Headers the example sends instead of the defaults (an empty value
    /// means "leave this header out").
    pub headers: &'static [(&'static str, &'static str)],
    /// Why the status is right and the document incomplete.
    pub why: &'static str,
}

const MISSING_PI: &str = "a missing payment intent is a 404, as for the operations on the same resource that do list it (GET, DELETE)";
const NO_KEY: &str = "the api host refuses a call without an API key with 401 everywhere; the EPOS operations list only 200";
const EPOS_BODY: &str =
    "a body the request schema refuses is a 400; the EPOS operations list only 200";
const VERSION: &str = "a version other than the one emulated is refused with a 400 naming it (the emulator answers in one version's shapes; see its README); the webhook operations list no 400";
const SOFTWARE_HOUSE: &str = "the terminal endpoints require the software-house-id header; a call without it is a 400 the terminal list operations do not list";

macro_rules! unlisted {
    ($method:literal $template:literal $status:literal at $path:literal $(body $body:literal)? $(headers $headers:expr)?, $why:expr) => {
        Unlisted {
            method: $method,
            template: $template,
            status: $status,
            path: $path,
            body: unlisted!(@body $($body)?),
            headers: unlisted!(@headers $($headers)?),
            why: $why,
        }
    };
    (@body) => { None };
    (@body $body:literal) => { Some($body) };
    (@headers) => { &[] };
    (@headers $headers:expr) => { $headers };
}

/// Every unlisted status the emulator answers with.
pub const UNLISTED: &[Unlisted] = &[
    unlisted!("POST" "/payment-intents/{paymentIntentId}/captures" 404 at "/payment-intents/pi_missing/captures" body r#"{"amount": 100}"#, MISSING_PI),
    unlisted!("POST" "/payment-intents/{paymentIntentId}/charge" 404 at "/payment-intents/pi_missing/charge", MISSING_PI),
    unlisted!("POST" "/payment-intents/{paymentIntentId}/refresh-client-session-secret" 404 at "/payment-intents/pi_missing/refresh-client-session-secret", MISSING_PI),
    unlisted!("POST" "/payment-intents/{paymentIntentId}/tips-amount" 404 at "/payment-intents/pi_missing/tips-amount" body r#"{"tipsAmount": {"value": 1, "currencyCode": "GBP"}}"#, MISSING_PI),
    unlisted!("POST" "/payment-intents/{paymentIntentId}/amount" 404 at "/payment-intents/pi_missing/amount" body r#"{"amount": {"value": 1, "currencyCode": "GBP"}}"#, MISSING_PI),
    unlisted!("POST" "/payment-intents/{paymentIntentId}/refunds" 404 at "/payment-intents/pi_missing/refunds" body r#"{"amount": 1}"#, MISSING_PI),
    unlisted!("POST" "/payment-intents/{paymentIntentId}/reversal" 404 at "/payment-intents/pi_missing/reversal", MISSING_PI),
    unlisted!("GET" "/payment-intents/refunds/{refundId}" 404 at "/payment-intents/refunds/rfnd_missing",
        "a missing refund is a 404; the operation lists only 200, 400 and 401"),
    unlisted!("POST" "/setup-intents/{setupIntentId}/refresh-client-session-secret" 404 at "/setup-intents/si_missing/refresh-client-session-secret",
        "a missing setup intent is a 404, as the public twin of this operation lists"),
    unlisted!("GET" "/customers/{customerId}" 404 at "/customers/cust_missing",
        "a missing customer is a 404, as PATCH and DELETE of the same path list"),
    unlisted!("GET" "/terminals" 400 at "/terminals?statuses=Bogus",
        "a status the document's TerminalStatus does not list is refused; the operation lists only 200 and 401"),
    unlisted!("GET" "/terminals/{terminalId}" 400 at "/terminals/tm_sandbox_counter1" headers &[("software-house-id", "")], SOFTWARE_HOUSE),
    unlisted!("GET" "/webhooks/events" 400 at "/webhooks/events" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("GET" "/webhooks" 400 at "/webhooks" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("GET" "/webhooks/{subscriptionId}/secrets" 400 at "/webhooks/ws_missing/secrets" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("POST" "/webhooks/{subscriptionId}/secrets" 400 at "/webhooks/ws_missing/secrets" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("PUT" "/webhooks/{subscriptionId}/secrets/{secretId}/activate" 400 at "/webhooks/ws_missing/secrets/sc_missing/activate" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("DELETE" "/webhooks/{subscriptionId}/secrets/{secretId}" 400 at "/webhooks/ws_missing/secrets/sc_missing" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("DELETE" "/webhooks/{subscriptionId}" 400 at "/webhooks/ws_missing" headers &[("version", "2022-04-07")], VERSION),
    unlisted!("POST" "/epos/events" 400 at "/epos/events" body "{}", EPOS_BODY),
    unlisted!("PUT" "/epos/integrations/rest" 400 at "/epos/integrations/rest" body "{}", EPOS_BODY),
    unlisted!("PUT" "/epos/integrations/ws" 400 at "/epos/integrations/ws" body "{}", EPOS_BODY),
    unlisted!("POST" "/epos/events" 401 at "/epos/events" body "{}" headers &[("authorization", "")], NO_KEY),
    unlisted!("GET" "/epos/integrations" 401 at "/epos/integrations" headers &[("authorization", "")], NO_KEY),
    unlisted!("GET" "/epos/integrations/rest" 401 at "/epos/integrations/rest" headers &[("authorization", "")], NO_KEY),
    unlisted!("PUT" "/epos/integrations/rest" 401 at "/epos/integrations/rest" body "{}" headers &[("authorization", "")], NO_KEY),
    unlisted!("GET" "/epos/integrations/ws" 401 at "/epos/integrations/ws" headers &[("authorization", "")], NO_KEY),
    unlisted!("PUT" "/epos/integrations/ws" 401 at "/epos/integrations/ws" body "{}" headers &[("authorization", "")], NO_KEY),
    unlisted!("GET" "/epos/integrations/dojo" 401 at "/epos/integrations/dojo" headers &[("authorization", "")], NO_KEY),
];

/// The entry for `method template` answering `status`, if it is a known
/// defect.
pub fn unlisted(method: &str, template: &str, status: u16) -> Option<&'static Unlisted> {
    UNLISTED.iter().find(|u| {
        u.method.eq_ignore_ascii_case(method) && u.template == template && u.status == status
    })
}

/// An `allOf` of closed objects: taken literally, no object with any
/// property satisfies every part. The emulator answers with the union of the
/// parts' properties (what Dojo's own examples show), and the checker reads
/// the `allOf` that way.
pub struct UnsatisfiableAllOf {
    /// The component schema.
    pub schema: &'static str,
    /// A body the emulator answers with, valid under the union reading.
    pub example: &'static str,
}

/// Every such schema.
pub const UNSATISFIABLE_ALL_OF: &[UnsatisfiableAllOf] = &[
    UnsatisfiableAllOf {
        schema: "SetupIntentResponse",
        example: r#"{"id": "si_1", "status": "Created", "setupEvents": []}"#,
    },
    UnsatisfiableAllOf {
        schema: "PagedPaymentIntent",
        example: r#"{"data": []}"#,
    },
];

/// An operation whose prose says it takes no authentication but which
/// inherits the document's global `ApiKeyAuth` requirement: the emulator
/// (and the SDK) call it without a key, as the guide and the summary say.
pub const PUBLIC_BUT_SECURED: &[(&str, &str)] = &[("GET", "/setup-intents/public/{setupIntentId}")];

/// Event names in the document's examples that no guide names (the guides
/// name `payment_intent.created`, `payment_intent.status_updated` and
/// `payment_intent.send-receipt`, which the emulator lists and accepts), by
/// JSON pointer into the document.
pub const UNKNOWN_EVENTS_IN_EXAMPLES: &[(&str, &str)] = &[
    (
        "/components/schemas/SubscriptionRequest/example/events/1",
        "payment.successful",
    ),
    (
        "/components/schemas/SubscriptionRequest/example/events/2",
        "order.created",
    ),
    (
        "/paths/~1webhooks~1events/get/responses/200/content/application~1json/example/0/events/1",
        "payment_intent.updated",
    ),
    (
        "/paths/~1webhooks~1events/get/responses/200/content/application~1json/example/1/events/0",
        "payment.successful",
    ),
    (
        "/paths/~1webhooks~1events/get/responses/200/content/application~1json/example/2/events/0",
        "order.created",
    ),
];
