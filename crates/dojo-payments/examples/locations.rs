//! Three cafés on one client: `cargo run -p dojo-payments --example locations`.
//!
//! Dojo binds each API key to one location account. A platform serving
//! several (a café chain, an EPOS software house) holds every location's key
//! on one `Dojo` — one connection pool, one retry policy — and takes a cheap
//! handle per call: `dojo.location(&soho)`. Here: a payment at each café;
//! a third café, Brixton, opened on the running client while the first two
//! are taking payments (none held up, none failed); a refund at Camden whose process dies while Dojo's answer is on its way,
//! settled after the restart with Camden's key (never Soho's); and the
//! webhooks of both cafés, received at one URL and told apart.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal};
use dojo_payments::lifecycle::payment_intent::Captured;
use dojo_payments::types::WebhookEventName;
use dojo_payments::types::{ApiKey, Currency, LocationId, Money, PaymentIntentId};
use dojo_payments::webhook::{EventKind, Verified, Verifier};
use dojo_payments::{Dojo, Location, Locations, RetryPolicy};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{BadAnswer, Card, Emulator, Fault};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

/// Each webhook received: the location it was told to belong to, and its
/// payment intent.
type Received = Vec<(Option<LocationId>, PaymentIntentId)>;

/// What the walk saw, for its test to check.
#[derive(Debug)]
pub struct Walk {
    /// The payment made at each café.
    pub payments: Vec<(LocationId, PaymentIntentId)>,
    /// The refund's entry, as reconciled after the restart.
    pub refund: EntryState,
    /// Refunds Dojo made of Camden's payment (the restart sent it again).
    pub refunds_made: usize,
    /// Whose key the settling call carried (the emulator's account).
    pub settled_by: Option<String>,
    /// Camden's account at the emulator.
    pub camden_account: Option<String>,
    /// Each webhook received.
    pub events: Received,
    /// The café opened while the others took payments, and its first
    /// payment.
    pub opened: (LocationId, PaymentIntentId),
    /// The payments the first two cafés took meanwhile.
    pub meanwhile: Vec<(LocationId, PaymentIntentId)>,
    /// How many of theirs failed meanwhile.
    pub meanwhile_failed: usize,
    /// The first two cafés' calls the emulator received before and after
    /// the third café's first call.
    pub calls_around_opening: (usize, usize),
}

impl std::fmt::Display for Walk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let told_apart = self.events.iter().all(|(location, payment)| {
            self.payments
                .iter()
                .chain(&self.meanwhile)
                .chain(std::iter::once(&self.opened))
                .any(|(cafe, id)| id == payment && location.as_ref() == Some(cafe))
        });
        write!(
            f,
            "{} payments; {} opened while {} more were taken ({} failed; {} of their calls \
             before its first, {} after); the refund {}, made {} time(s), sent again as {} \
             (Camden is {}); {} webhooks, {}",
            self.payments.len(),
            self.opened.0,
            self.meanwhile.len(),
            self.meanwhile_failed,
            self.calls_around_opening.0,
            self.calls_around_opening.1,
            if self.refund.is_open() {
                "open"
            } else {
                "settled"
            },
            self.refunds_made,
            self.settled_by.as_deref().unwrap_or("?"),
            self.camden_account.as_deref().unwrap_or("?"),
            self.events.len(),
            if told_apart {
                "each told to its café"
            } else {
                "NOT told apart"
            },
        )
    }
}

/// The webhook receiver's state: the verifier holding each café's secret,
/// and what arrived.
#[derive(Clone, Default)]
struct Receiver {
    verifier: Verifier,
    received: Arc<Mutex<Received>>,
}

impl FromRef<Receiver> for Verifier {
    fn from_ref(receiver: &Receiver) -> Verifier {
        receiver.verifier.clone()
    }
}

async fn webhook(State(receiver): State<Receiver>, Verified(event): Verified) -> StatusCode {
    if let EventKind::PaymentIntentStatusUpdated(change) = &event.kind {
        let at = event.location.as_ref().map_or("?", LocationId::as_str);
        println!(
            "  webhook for {at}: {} is {}",
            change.payment_intent_id, change.status
        );
        receiver
            .received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((event.location.clone(), change.payment_intent_id.clone()));
    }
    StatusCode::OK
}

fn cafe(name: &str) -> Result<(LocationId, ApiKey)> {
    // In production: Locations::from_env() (DOJO_LOCATION_SOHO=sk_prod_…)
    // or Locations::from_file(path), with keys from your secret store.
    let key = ApiKey::new(format!("sk_sandbox_{name}_0123456789abcdef"))?;
    Ok((name.parse()?, key))
}

/// A client holding both cafés' keys, on `emulator`.
fn platform(emulator: &Emulator, cafes: &[(LocationId, ApiKey)]) -> Result<Dojo> {
    let mut locations = Locations::default();
    for (id, key) in cafes {
        locations.insert(Location::new(id.clone(), key.clone()));
    }
    Ok(Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .locations(locations)
        .retry_policy(RetryPolicy {
            deadline: Duration::from_secs(2),
            ..RetryPolicy::default()
        })
        .build()?)
}

/// The walk, on an emulator of its own with the two cafés' accounts.
pub async fn run() -> Result<Walk> {
    let cafes = [cafe("soho")?, cafe("camden")?];
    let mut builder = Emulator::builder();
    for (id, key) in &cafes {
        builder = builder.location(id.clone(), key.clone());
    }
    let emulator = builder.start().await?;
    let dojo = platform(&emulator, &cafes)?;
    let receiver = Receiver::default();
    let url = serve(receiver.clone()).await?;

    let mut payments = Vec::new();
    for (id, _) in &cafes {
        let here = dojo.location(id)?;
        // Each café subscribes with its own key; its secret is trusted as its.
        let subscription = here
            .webhooks()
            .subscribe(&url, [WebhookEventName::PaymentIntentStatusUpdated])
            .send()
            .await?;
        receiver.verifier.trust_subscription_at(id, &subscription)?;
        let intent = here
            .payment_intents()
            .create(Money::new(640, Currency::GBP), "Two flat whites")
            .capture_mode(CaptureMode::Auto)
            .created()
            .await?;
        emulator.pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, false)?;
        let paid = intent.refresh_as::<Captured>(&here).await?;
        println!("  {id}: {} paid {}", paid.id(), paid.total());
        payments.push((id.clone(), paid.id().clone()));
    }

    // Brixton opens while Soho and Camden take payments: its key joins the
    // running client, no restart, no call held up.
    let service = Service {
        emulator: &emulator,
        dojo: &dojo,
        began: emulator.requests().len(),
        opened: AtomicBool::new(false),
    };
    let (opened, taken) = tokio::join!(
        service.open_a_cafe("brixton"),
        service.take_payments(&cafes, 5),
    );
    let opened = opened?;
    let meanwhile_failed = taken.iter().filter(|taken| taken.is_err()).count();
    let meanwhile: Vec<_> = taken.into_iter().filter_map(|taken| taken.ok()).collect();
    let calls_around_opening = service.calls_around(&cafes, &opened.0);
    println!(
        "  {} opened while the others took {} payments ({meanwhile_failed} failed)",
        opened.0,
        meanwhile.len()
    );

    let (camden, camden_payment) = &payments[1];
    let store = Arc::new(InMemoryJournal::default());
    crash_while_refunding(&emulator, &dojo, &store, camden, camden_payment).await?;

    // The restart: a new client and journal over the same store. Once the
    // entry can no longer be in flight, reconcile sends the refund again
    // with its key, as the location it was made at.
    let restarted = platform(&emulator, &cafes)?;
    let window = Duration::from_secs(3);
    let journal = Journal::new(store, &restarted).in_flight_for(window, &restarted)?;
    tokio::time::sleep(window).await;
    let settled = journal.reconcile(&restarted).await?;
    let refund = settled
        .first()
        .ok_or("no entry to reconcile")?
        .state
        .clone();
    let settled_by = emulator
        .requests_by_account()
        .into_iter()
        .rev()
        .find(|(route, _)| route == REFUNDS)
        .and_then(|(_, account)| account);
    println!(
        "  after the restart: {refund:?}, sent again as {} (its own key)",
        settled_by.as_deref().unwrap_or("?")
    );

    let events = wait_for_events(&receiver, 2).await;
    Ok(Walk {
        payments: payments.clone(),
        refund,
        refunds_made: emulator.refund_count(camden_payment),
        settled_by,
        camden_account: emulator.location_account(camden),
        events,
        opened,
        meanwhile,
        meanwhile_failed,
        calls_around_opening,
    })
}

/// Service at the cafés while a new one opens.
struct Service<'a> {
    emulator: &'a Emulator,
    dojo: &'a Dojo,
    /// How many calls the emulator had received when service began.
    began: usize,
    /// Whether the new café has taken its first payment.
    opened: AtomicBool,
}

impl Service<'_> {
    /// Opens café `name` once service has begun (two calls made): Dojo
    /// gives it an account and a key (here, the emulator), the running
    /// client adds it (`dojo.sites()`), and it takes its first payment with
    /// its own key.
    async fn open_a_cafe(&self, name: &str) -> Result<(LocationId, PaymentIntentId)> {
        while self.emulator.requests().len() < self.began + 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let (id, key) = cafe(name)?;
        self.emulator.add_location(&id, &key)?;
        // In production: dojo.sites()?.reload(Locations::from_file(path)?)
        // once the file names it, or add it as here.
        self.dojo.sites()?.add(Location::new(id.clone(), key))?;
        let here = self.dojo.location(&id)?;
        let intent = here
            .payment_intents()
            .create(Money::new(450, Currency::GBP), "Opening-day latte")
            .created()
            .await?;
        self.opened.store(true, Ordering::SeqCst);
        self.emulator
            .pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, false)?;
        let paid = intent.refresh_as::<Captured>(&here).await?;
        println!("  {id}: opened; {} paid {}", paid.id(), paid.total());
        Ok((id, paid.id().clone()))
    }

    /// At each of `cafes`, side by side, payments one after another: at
    /// least `count`, and on until one is taken after the new café opened
    /// (at most 50). Each its own result.
    async fn take_payments(
        &self,
        cafes: &[(LocationId, ApiKey)],
        count: usize,
    ) -> Vec<Result<(LocationId, PaymentIntentId)>> {
        let at = |id: LocationId| async move {
            let mut taken = Vec::new();
            let mut after_opening = 0;
            while (taken.len() < count || after_opening == 0) && taken.len() < 50 {
                if self.opened.load(Ordering::SeqCst) {
                    after_opening += 1;
                }
                let payment = async {
                    let here = self.dojo.location(&id)?;
                    let amount = Money::new(350 + taken.len() as i64, Currency::GBP);
                    let intent = here
                        .payment_intents()
                        .create(amount, "An americano")
                        .created()
                        .await?;
                    self.emulator
                        .pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, false)?;
                    Ok((id.clone(), intent.id().clone()))
                };
                taken.push(payment.await);
            }
            taken
        };
        let (first, second) = tokio::join!(at(cafes[0].0.clone()), at(cafes[1].0.clone()));
        first.into_iter().chain(second).collect()
    }

    /// The other cafés' calls since service began, before and after
    /// `opened`'s first one.
    fn calls_around(&self, cafes: &[(LocationId, ApiKey)], opened: &LocationId) -> (usize, usize) {
        let log = self.emulator.requests_by_account();
        let log = &log[self.began.min(log.len())..];
        let theirs: Vec<_> = cafes
            .iter()
            .map(|(id, _)| self.emulator.location_account(id))
            .collect();
        let first = self.emulator.location_account(opened);
        let at = log
            .iter()
            .position(|(_, account)| *account == first)
            .unwrap_or(log.len());
        let count = |calls: &[(String, Option<String>)]| {
            calls
                .iter()
                .filter(|(_, account)| theirs.contains(account))
                .count()
        };
        (count(&log[..at]), count(&log[at..]))
    }
}

/// Refunds part of `payment` at `camden` through a journal, and "dies"
/// (the task is aborted) once Dojo has made the refund but before its
/// answer arrives: the entry is left open, as a crash leaves it.
async fn crash_while_refunding(
    emulator: &Emulator,
    dojo: &Dojo,
    store: &Arc<InMemoryJournal>,
    camden: &LocationId,
    payment: &PaymentIntentId,
) -> Result<()> {
    // Dojo makes the refund, then says nothing.
    let stalled = Fault::Answer {
        acted: true,
        answer: BadAnswer::Stall,
    };
    let here = dojo.location(camden)?;
    // The journal compares what reads show with the intent as it was.
    let intent = here.payment_intents().get(payment).await?;
    emulator.inject_fault(REFUNDS, stalled, 1)?;
    let journal = Journal::new(store.clone(), &here);
    let process = tokio::spawn(async move {
        let amount = Money::new(320, Currency::GBP);
        journal
            .refund(&here, "camden/order-12/refund-1", &intent, amount)
            .await
    });
    while emulator.refund_count(payment) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    process.abort();
    println!("  camden: refund made at Dojo; the process died before the answer came");
    Ok(())
}

/// Serves `receiver` on loopback; its URL.
async fn serve(receiver: Receiver) -> Result<String> {
    let app = axum::Router::new()
        .route("/dojo/webhooks", axum::routing::post(webhook))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/dojo/webhooks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// What `receiver` got, once `count` events are in (or after 5 s).
async fn wait_for_events(receiver: &Receiver, count: usize) -> Received {
    let received = || {
        receiver
            .received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    };
    for _ in 0..500 {
        if received().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    received()
}

#[allow(dead_code)] // used when run on its own; its test calls `run`
#[tokio::main]
async fn main() -> Result<()> {
    println!("  {}", run().await?);
    Ok(())
}
