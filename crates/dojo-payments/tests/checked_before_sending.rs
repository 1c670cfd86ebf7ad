//! Every request is checked against Dojo's document before it is sent: each
//! builder and call given a value the document forbids (too long, too
//! short, out of range, not a URL, a path id longer than the document
//! allows) is refused with `Error::InvalidRequest`, naming the field and the
//! rule and never the value, and nothing reaches the server: a listener
//! that counts every connection stands in for Dojo, on both hosts.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dojo_payments::api_types::{self as types, MerchantInitiatedTransactionType};
use dojo_payments::types::{
    ApiKey, CardExpiry, CardNumber, CardholderName, Currency, CustomerId, CustomerSecret, Cvv,
    Money, PaymentIntentId, PaymentMethodId, RefundId, SetupIntentId, WebhookSubscriptionId,
};
use dojo_payments::{Dojo, Error, Invalid, RetryPolicy};
use futures_util::StreamExt;

/// A stand-in for Dojo that counts the connections made to it and answers
/// none.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (url, hits)
}

fn client(url: &str) -> Dojo {
    Dojo::builder(ApiKey::new("sk_sandbox_checked_before_sending").unwrap())
        .api_url(url)
        .pci_url(url)
        .retry_policy(RetryPolicy {
            deadline: Duration::from_secs(2),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

fn call<'a, T>(future: impl Future<Output = Result<T, Error>> + 'a) -> Call<'a> {
    Box::pin(async move { future.await.map(drop) })
}

/// One out-of-range case: what it is, the field the refusal must name, the
/// value it must not show, and the call.
struct Case<'a> {
    what: &'static str,
    field: &'static str,
    secret: String,
    call: Call<'a>,
}

fn long(n: usize) -> String {
    // Not a repetition of one character, so that a shown value is seen.
    (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect()
}

fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::GBP)
}

fn card() -> dojo_payments::resources::Card {
    dojo_payments::resources::Card {
        number: CardNumber::new("4111111111111111").unwrap(),
        cvv: Cvv::new("123").unwrap(),
        holder: CardholderName::new("Ada Lovelace").unwrap(),
        expiry: CardExpiry::new(12, 2030).unwrap(),
    }
}

#[tokio::test]
async fn every_out_of_range_value_is_refused_before_sending() {
    let (url, hits) = counting_server().await;
    let dojo = client(&url);
    let pi = PaymentIntentId::new("pi_sandbox_checked").unwrap();
    let long_customer = CustomerId::new(long(101)).unwrap();
    let long_refund = RefundId::new(long(51)).unwrap();
    let long_setup = SetupIntentId::new(long(51)).unwrap();
    let customer = CustomerId::new("cust_sandbox_checked").unwrap();
    let long_method = PaymentMethodId::new(long(101)).unwrap();
    let method = PaymentMethodId::new("pm_sandbox_checked").unwrap();
    let short_secret = CustomerSecret::new("cs_sandbox_checked").unwrap();
    let long_secret = CustomerSecret::new(format!("cs_{}", long(495))).unwrap();
    let subscription = WebhookSubscriptionId::new("wh_sandbox_checked").unwrap();
    let kind = MerchantInitiatedTransactionType::Unscheduled;

    let cases: Vec<Case<'_>> = vec![
        // Payment intents.
        Case {
            what: "create: a reference of 61 characters",
            field: "reference",
            secret: long(61),
            call: call(dojo.payment_intents().create(gbp(100), long(61)).send()),
        },
        Case {
            what: "create: an empty reference",
            field: "reference",
            secret: String::new(),
            call: call(dojo.payment_intents().create(gbp(100), "").send()),
        },
        Case {
            what: "create: a description of 4,097 characters",
            field: "description",
            secret: long(4097),
            call: call(
                dojo.payment_intents()
                    .create(gbp(100), "Order 1")
                    .description(long(4097))
                    .send(),
            ),
        },
        Case {
            what: "create: a redirect URL that is not a URL",
            field: "config.redirectUrl",
            secret: "not a url at all".into(),
            call: call(
                dojo.payment_intents()
                    .create(gbp(100), "Order 1")
                    .redirect_url("not a url at all")
                    .send(),
            ),
        },
        Case {
            what: "created: a reference of 61 characters",
            field: "reference",
            secret: long(61),
            call: call(dojo.payment_intents().create(gbp(100), long(61)).created()),
        },
        Case {
            what: "refund: a reason of 1,025 characters",
            field: "refundReason",
            secret: long(1025),
            call: call(
                dojo.payment_intents()
                    .refund(&pi, gbp(100))
                    .reason(long(1025))
                    .send(),
            ),
        },
        Case {
            what: "refund: notes of 4,097 characters",
            field: "notes",
            secret: long(4097),
            call: call(
                dojo.payment_intents()
                    .refund(&pi, gbp(100))
                    .notes(long(4097))
                    .send(),
            ),
        },
        Case {
            what: "get_refund: a refund id of 51 characters",
            field: "refundId",
            secret: long(51),
            call: call(dojo.payment_intents().get_refund(&long_refund)),
        },
        Case {
            what: "search: a page of 0",
            field: "cursor.limit",
            secret: "never shown".into(),
            call: Box::pin(async {
                let mut stream = dojo.payment_intents().search().page_size(0).stream();
                stream.next().await.unwrap().map(drop)
            }),
        },
        Case {
            what: "search: a page of 101",
            field: "cursor.limit",
            secret: "never shown".into(),
            call: Box::pin(async {
                let mut stream = dojo.payment_intents().search().page_size(101).stream();
                stream.next().await.unwrap().map(drop)
            }),
        },
        // Setup intents.
        Case {
            what: "setup intent: a reference of 61 characters",
            field: "reference",
            secret: long(61),
            call: call(
                dojo.setup_intents()
                    .create(long(61), "You may be charged for no-shows.", kind)
                    .send(),
            ),
        },
        Case {
            what: "setup intent: empty terms",
            field: "terms",
            secret: String::new(),
            call: call(dojo.setup_intents().create("Booking 1", "", kind).send()),
        },
        Case {
            what: "setup intent: terms of 10,241 characters",
            field: "terms",
            secret: long(10241),
            call: call(
                dojo.setup_intents()
                    .create("Booking 1", long(10241), kind)
                    .send(),
            ),
        },
        Case {
            what: "setup intent: a description of 4,097 characters",
            field: "description",
            secret: long(4097),
            call: call(
                dojo.setup_intents()
                    .create("Booking 1", "Terms.", kind)
                    .description(long(4097))
                    .send(),
            ),
        },
        Case {
            what: "tokenize: a reference of 61 characters (the PCI host)",
            field: "reference",
            secret: long(61),
            call: call(
                dojo.setup_intents()
                    .tokenize(long(61), "Terms.", kind, card())
                    .send(),
            ),
        },
        Case {
            what: "cancel: a setup intent id of 51 characters",
            field: "setupIntentId",
            secret: long(51),
            call: call(dojo.setup_intents().cancel(&long_setup)),
        },
        Case {
            what: "close: a setup intent id of 51 characters",
            field: "setupIntentId",
            secret: long(51),
            call: call(dojo.setup_intents().close(&long_setup)),
        },
        // Customers.
        Case {
            what: "customer: a phone number of 4 characters",
            field: "phoneNumber",
            secret: "0123".into(),
            call: call(dojo.customers().create().phone("0123").send()),
        },
        Case {
            what: "customer: a name of 101 characters",
            field: "name",
            secret: long(101),
            call: call(dojo.customers().create().name(long(101)).send()),
        },
        Case {
            what: "customer: an email of 255 characters",
            field: "emailAddress",
            secret: long(255),
            call: call(dojo.customers().create().email(long(255)).created()),
        },
        Case {
            what: "update: a customer id of 101 characters",
            field: "customerId",
            secret: long(101),
            call: call(dojo.customers().update(&long_customer).name("Ada").send()),
        },
        Case {
            what: "get: a customer id of 101 characters",
            field: "customerId",
            secret: long(101),
            call: call(dojo.customers().get(&long_customer)),
        },
        Case {
            what: "delete: a customer id of 101 characters",
            field: "customerId",
            secret: long(101),
            call: call(dojo.customers().delete(&long_customer)),
        },
        Case {
            what: "create_secret: a customer id of 101 characters",
            field: "customerId",
            secret: long(101),
            call: call(dojo.customers().create_secret(&long_customer)),
        },
        Case {
            what: "payment_methods: a customer secret making a header of 501 characters",
            field: "authorization",
            secret: long(495),
            call: call(dojo.customers().payment_methods(&customer, &long_secret)),
        },
        Case {
            what: "delete_payment_method: a payment method id of 101 characters",
            field: "paymentMethodId",
            secret: long(101),
            call: call(dojo.customers().delete_payment_method(
                &customer,
                &long_method,
                &short_secret,
            )),
        },
        Case {
            what: "delete_payment_method: a customer secret too long",
            field: "authorization",
            secret: long(495),
            call: call(
                dojo.customers()
                    .delete_payment_method(&customer, &method, &long_secret),
            ),
        },
        Case {
            what: "search: a page of 0",
            field: "limit",
            secret: "never shown".into(),
            call: Box::pin(async {
                let mut stream = dojo.customers().search(0);
                stream.next().await.unwrap().map(drop)
            }),
        },
        // Webhooks.
        Case {
            what: "subscribe: an http URL off loopback",
            field: "url",
            secret: "http://shop.example/hooks".into(),
            call: call(
                dojo.webhooks()
                    .subscribe(
                        "http://shop.example/hooks",
                        ["payment_intent.status_updated"],
                    )
                    .send(),
            ),
        },
        Case {
            what: "update: an http URL",
            field: "url",
            secret: "http://shop.example/other".into(),
            call: call(dojo.webhooks().update(
                &subscription,
                types::SubscriptionUpdateRequest {
                    url: Some("http://shop.example/other".into()),
                    ..Default::default()
                },
            )),
        },
    ];

    let mut failures = Vec::new();
    for case in cases {
        let result = tokio::time::timeout(Duration::from_secs(5), case.call).await;
        let problem = match result {
            Err(_) => Some("hung: it was sent".to_owned()),
            Ok(Ok(())) => Some("succeeded".to_owned()),
            Ok(Err(error)) => judge(&error, case.field, &case.secret),
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}", case.what));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a refused request reached the server"
    );

    // The server is there: a request that passes the check reaches it.
    let sent = dojo.customers().get(&customer).await;
    assert!(sent.is_err(), "the stand-in answers nothing");
    assert!(hits.load(Ordering::SeqCst) > 0, "a checked request is sent");
}

/// `None` when `error` is the refusal expected: before sending, of the
/// document's constraints (or of a URL's type), naming `field` and not
/// showing `secret`.
fn judge(error: &Error, field: &str, secret: &str) -> Option<String> {
    let Error::InvalidRequest { reason, .. } = error else {
        return Some(format!("not refused before sending: {error}"));
    };
    let named = match reason {
        Invalid::Constraints(violations) => violations.iter().any(|v| v.field() == field),
        // A URL is checked by its type (`HttpsUrl`) when given, stricter
        // than the document's `format: uri`, and refused by `send`.
        Invalid::Value(value) => value.field() == field,
        _ => {
            return Some(format!(
                "refused, but not by the document's constraints: {error}"
            ));
        }
    };
    if !named {
        return Some(format!("refused without naming `{field}`: {error}"));
    }
    let shown = format!("{error} {error:?}");
    if secret.len() >= 4 && shown.contains(secret) {
        return Some(format!("the value is shown: {shown}"));
    }
    None
}
