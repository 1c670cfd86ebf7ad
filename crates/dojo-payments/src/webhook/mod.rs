//! Webhooks: verify Dojo's signature, decode the event, recognise a
//! redelivery.
//!
//! ```
//! use dojo_payments::types::{WebhookSecret, WebhookSignature};
//! use dojo_payments::webhook::{EventKind, Verifier};
//!
//! let secret = WebhookSecret::new("whsec_from_the_subscription")?;
//! let verifier = Verifier::new([secret.clone()]);
//! let body = br#"{"id":"evt_1","event":"payment_intent.status_updated","accountId":"acc_1",
//!   "createdAt":"2026-03-02T10:00:00Z","data":{"paymentIntentId":"pi_1","paymentStatus":"Captured","captureMode":"Auto"}}"#;
//! let header = WebhookSignature::sign(&secret, body).to_string(); // what Dojo sends
//!
//! let event = verifier.verify(Some(&header), body)?;
//! match event.kind {
//!     EventKind::PaymentIntentStatusUpdated(change) => println!("{} is {}", change.payment_intent_id, change.status),
//!     EventKind::Unknown { name, .. } => println!("an event this SDK does not know yet: {name}"),
//!     _ => {}
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Many locations.** Trust each location's subscription for it
//! ([`Verifier::trust_subscription_at`], or [`Verifier::trust_at`] with its
//! account): a delivery is then checked under the secrets of the location
//! whose account it names only, so its cost does not grow with the number
//! of locations, an event signed by one location's secret naming another's
//! account is refused, and [`Verifier::forget`] drops a closed location.
//!
//! **Replay protection.** Dojo signs no timestamp, so a captured delivery
//! verifies forever; what tells a replay (or Dojo's own redelivery after a
//! failed attempt) from a new event is its id. Keep the ids you handled:
//! [`SeenEvents`] is the hook, [`InMemorySeen`] a bounded in-process
//! implementation (use a shared store when several processes receive).
//!
//! **Rotation.** Dojo sends one `sha256=` signature per delivery (its
//! documents show no other form); which secret signs while two are active
//! is not documented (the emulator signs with the newest). So trust the new
//! secret before activating it, and drop the old one only after deleting it
//! (`dojo.webhooks().rotate_secret`). The verifier reads every form Dojo's
//! own PHP helper accepts (upper- or lower-case hex, with or without the
//! dashes and `sha256=`) and several signatures joined by commas.

mod dedupe;
mod event;
mod verifier;

#[cfg(feature = "axum")]
mod extractor;

pub use dedupe::{InMemorySeen, SeenEvents};
pub use event::{Event, EventKind, PaymentIntentChange};
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use extractor::{Rejection, Verified};
pub use verifier::{SIGNATURE_HEADER, TrustError, Verifier, WebhookError};
