//! Every public future of the SDK is `Send`, so a call can be awaited inside
//! `tokio::spawn`, an axum handler or any multi-threaded executor.
//!
//! An `async fn` is `Send` only as long as nothing it holds across an
//! `.await` is not (an `Rc`, a `RefCell` borrow, a non-`Send` guard), and
//! nothing in its signature says so: one such local makes every caller's
//! future non-`Send`, far from the change. This file does not compile when a
//! public future stops being `Send`: `every_public_future_is_send` names
//! each one (nothing is polled or run; it only has to type-check), and the
//! streams of a search and of a terminal session's updates too. A public `async fn` or builder `send` added to
//! the SDK belongs here.

use dojo_payments::api_types::{
    CreateTerminalSessionRequest, EventRequest, PaymentIntent as PaymentIntentData,
    RestIntegrationRequest, SubscriptionUpdateRequest, WsIntegrationRequest,
};
use dojo_payments::counter::{
    Counter, Finished, InProgress, SignatureRequired, TerminalSession, WaitPolicy,
};
use dojo_payments::journal::{InMemoryJournal, Journal};
use dojo_payments::lifecycle::payment_intent::{self, AnyPaymentIntent, PaymentIntent};
use dojo_payments::lifecycle::setup_intent::{self, AnySetupIntent, SetupIntent};
use dojo_payments::resources::{
    CreateCustomer, CreatePaymentIntent, CreateSetupIntent, Refund, Subscribe, Tokenize,
    UpdateCustomer,
};
use dojo_payments::settlement::Unsettled;
use dojo_payments::types::{
    CustomerId, CustomerSecret, Money, PaymentIntentId, PaymentMethodId, RefundId, SetupIntentId,
    TerminalId, TerminalSessionId, WebhookSecretId, WebhookSubscriptionId,
};
use dojo_payments::{Dojo, IdempotencyKey};

fn assert_send<T: Send>(_: &T) {}

/// The ids every call below is made with.
struct Ids {
    payment_intent: PaymentIntentId,
    setup_intent: SetupIntentId,
    refund: RefundId,
    customer: CustomerId,
    method: PaymentMethodId,
    terminal: TerminalId,
    session: TerminalSessionId,
    subscription: WebhookSubscriptionId,
    secret: WebhookSecretId,
}

/// The bodies of the calls that take a generated request whole.
struct Bodies {
    session: CreateTerminalSessionRequest,
    event: EventRequest,
    rest: RestIntegrationRequest,
    ws: WsIntegrationRequest,
    subscription: SubscriptionUpdateRequest,
}

/// Terminal sessions at the counter, one in each state that has calls.
struct Sessions {
    in_progress: (TerminalSession<InProgress>, TerminalSession<InProgress>),
    signature: (
        TerminalSession<SignatureRequired>,
        TerminalSession<SignatureRequired>,
    ),
    finished: TerminalSession<Finished>,
}

/// The builders, each sent once.
struct Builders<'a> {
    create_payment_intent: (CreatePaymentIntent<'a>, CreatePaymentIntent<'a>),
    refund: Refund<'a>,
    create_setup_intent: (CreateSetupIntent<'a>, CreateSetupIntent<'a>),
    tokenize: (Tokenize<'a>, Tokenize<'a>),
    create_customer: (CreateCustomer<'a>, CreateCustomer<'a>),
    update_customer: UpdateCustomer<'a>,
    subscribe: Subscribe<'a>,
}

/// Every public future and stream of the SDK, named (never run).
#[allow(clippy::too_many_arguments)]
fn every_public_future_is_send(
    dojo: &Dojo,
    ids: &Ids,
    builders: Builders<'_>,
    bodies: Bodies,
    data: &PaymentIntentData,
    amount: Money,
    secret: &CustomerSecret,
    created: PaymentIntent<payment_intent::Created>,
    authorized: PaymentIntent<payment_intent::Authorized>,
    captured: PaymentIntent<payment_intent::Captured>,
    refunded: PaymentIntent<payment_intent::Refunded>,
    setup_created: SetupIntent<setup_intent::Created>,
    setup_authorized: SetupIntent<setup_intent::Authorized>,
    journal: &Journal<InMemoryJournal>,
    unsettled: &Unsettled,
    key: IdempotencyKey,
    counter: &Counter,
    sessions: Sessions,
) {
    // Payment intents: calls, builders, the search stream.
    let intents = || dojo.payment_intents();
    let pi = &ids.payment_intent;
    assert_send(&intents().read(pi));
    assert_send(&intents().get(pi));
    assert_send(&intents().get_including_canceled(pi));
    assert_send(&intents().cancel(data));
    assert_send(&intents().capture(data, amount));
    assert_send(&intents().capture_with_tips(data, amount, Some(amount)));
    assert_send(&intents().charge(data));
    assert_send(&intents().reverse(data));
    assert_send(&intents().get_refund(&ids.refund));
    assert_send(&intents().set_amount(pi, amount));
    assert_send(&intents().set_tips(pi, amount));
    assert_send(&intents().refresh_client_session_secret(pi));
    assert_send(&intents().send_receipt(pi, ["a@example.com"]));
    assert_send(&intents().search().stream());
    let (create, create_typed) = builders.create_payment_intent;
    assert_send(&create.send());
    assert_send(&create_typed.created());
    assert_send(&builders.refund.send());

    // Setup intents.
    let setups = || dojo.setup_intents();
    let si = &ids.setup_intent;
    assert_send(&setups().read(si));
    assert_send(&setups().get(si));
    assert_send(&setups().cancel(si));
    assert_send(&setups().close(si));
    assert_send(&setups().get_public(si));
    assert_send(&setups().refresh_client_session_secret(si));
    assert_send(&setups().refresh_client_session_secret_public(si));
    let (create, create_typed) = builders.create_setup_intent;
    assert_send(&create.send());
    assert_send(&create_typed.created());
    let (tokenize, tokenize_typed) = builders.tokenize;
    assert_send(&tokenize.send());
    assert_send(&tokenize_typed.authorized());

    // Customers.
    let customers = || dojo.customers();
    let customer = &ids.customer;
    assert_send(&customers().find_or_create_by_email("a@example.com", Some("A")));
    assert_send(&customers().get(customer));
    assert_send(&customers().delete(customer));
    assert_send(&customers().create_secret(customer));
    assert_send(&customers().payment_methods(customer, secret));
    assert_send(&customers().delete_payment_method(customer, &ids.method, secret));
    assert_send(&customers().search(10));
    let (create, create_typed) = builders.create_customer;
    assert_send(&create.send());
    assert_send(&create_typed.created());
    assert_send(&builders.update_customer.send());

    // Webhook subscriptions.
    let webhooks = || dojo.webhooks();
    let subscription = &ids.subscription;
    assert_send(&webhooks().events());
    assert_send(&webhooks().list());
    assert_send(&webhooks().update(subscription, bodies.subscription));
    assert_send(&webhooks().delete(subscription));
    assert_send(&webhooks().secrets(subscription));
    assert_send(&webhooks().generate_secret(subscription));
    assert_send(&webhooks().activate_secret(subscription, &ids.secret));
    assert_send(&webhooks().delete_secret(subscription, &ids.secret));
    assert_send(&webhooks().rotate_secret(subscription, |_| {}));
    assert_send(&builders.subscribe.send());

    // Terminals and EPOS.
    let terminals = || dojo.terminals().as_software_house("house");
    assert_send(&terminals().list(None));
    assert_send(&terminals().get(&ids.terminal));
    assert_send(&terminals().create_session(bodies.session));
    assert_send(&terminals().session(&ids.session));
    assert_send(&terminals().cancel_session(&ids.session));
    assert_send(&terminals().verify_signature(&ids.session, true));
    let epos = || dojo.epos();
    assert_send(&epos().send_event(bodies.event));
    assert_send(&epos().integrations());
    assert_send(&epos().rest_integrations());
    assert_send(&epos().set_rest_integration(bodies.rest));
    assert_send(&epos().ws_integrations());
    assert_send(&epos().set_ws_integration(bodies.ws));
    assert_send(&epos().dojo_integrations());

    // Lifecycles.
    assert_send(&AnyPaymentIntent::read(dojo, pi));
    assert_send(&created.refresh(dojo));
    assert_send(&created.refresh_as::<payment_intent::Authorized>(dojo));
    assert_send(&created.cancel(dojo));
    assert_send(&created.set_amount(dojo, amount));
    assert_send(&created.set_tips(dojo, amount));
    assert_send(&created.charge(dojo));
    assert_send(&authorized.capture(dojo, amount));
    assert_send(&authorized.reverse(dojo));
    assert_send(&captured.capture(dojo, amount));
    assert_send(&captured.reverse(dojo));
    assert_send(&captured.refund(dojo, amount, Some(key.clone())));
    assert_send(&refunded.refund(dojo, amount, None));
    assert_send(&AnySetupIntent::read(dojo, si));
    assert_send(&setup_created.refresh(dojo));
    assert_send(&setup_created.refresh_as::<setup_intent::Authorized>(dojo));
    assert_send(&setup_created.cancel(dojo));
    assert_send(&setup_authorized.close(dojo));
    assert_send(&setup_authorized.charge(dojo));

    // The journal, and an ambiguous failure settled later.
    assert_send(&journal.flush());
    assert_send(&journal.refund(dojo, "refund-1", data, amount));
    assert_send(&journal.capture(dojo, "capture-1", data, amount));
    assert_send(&journal.charge(dojo, "charge-1", data));
    assert_send(&journal.reverse(dojo, "reverse-1", data));
    assert_send(&journal.cancel(dojo, "cancel-1", data));
    assert_send(&journal.reconcile(dojo));
    assert_send(&unsettled.settle(dojo));

    // Payments at the counter: terminals, sessions and their states.
    let terminal = &ids.terminal;
    assert_send(&counter.terminals());
    assert_send(&counter.available_terminal());
    assert_send(&counter.terminal(terminal));
    assert_send(&counter.sale(terminal, &created));
    assert_send(&counter.matched_refund(terminal, &captured, Some(amount)));
    assert_send(&counter.unlinked_refund(terminal, amount, true));
    assert_send(&counter.session(&ids.session));
    let (waited, in_progress) = sessions.in_progress;
    assert_send(&in_progress.updates(WaitPolicy::default()));
    assert_send(&in_progress.refresh());
    assert_send(&in_progress.cancel());
    assert_send(&waited.outcome(WaitPolicy::default()));
    let (accepted, rejected) = sessions.signature;
    assert_send(&accepted.accept());
    assert_send(&rejected.reject());
    assert_send(&sessions.finished.payment_intent());
}

#[test]
fn public_futures_are_send() {
    // The proof is that this file compiled; naming the function keeps it
    // from being dead code (and so from being skipped by a lint's `allow`).
    let _ = every_public_future_is_send;
}
