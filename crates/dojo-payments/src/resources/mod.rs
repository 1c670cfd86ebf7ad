//! Dojo's resources, one module each: every operation of Dojo's document
//! (and the PCI host's one) is a method of one of these handles.
//!
//! Calls with a body are builders: the required fields are the arguments,
//! the rest chained setters (and `with` for anything else of the raw
//! request); `.send().await` sends one, after checking it against Dojo's
//! document.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = dojo_payments_emulator::Emulator::start().await?;
//! # let dojo = dojo_payments::Dojo::builder(emulator.api_key()).endpoints(emulator.endpoints()).build()?;
//! use dojo_payments::types::{Currency, Money};
//!
//! let customer = dojo.customers().create().email("ada@example.com").send().await?;
//! let intent = dojo
//!     .payment_intents()
//!     .create(Money::new(1250, Currency::GBP), "Order 42") // the required fields
//!     .description("Two books")                            // optional ones, chained
//!     .send()                                              // checked, then sent
//!     .await?;
//! println!("{:?} for {:?}", intent.id, intent.amount);
//! # let _ = customer;
//! # Ok(()) }
//! ```
//!
//! A builder is not itself a future: `IntoFuture` would have to box the
//! call's future (its type cannot be named), an allocation on every call
//! that cost about 5 % of throughput at 64 calls in flight (BENCHMARKS.md).
//! Each builder's `send` is a plain `fn` returning an `async move` block
//! rather than an `async fn`, because an `async fn` keeps its by-value
//! `self`, the builder with its whole raw request, twice in its future
//! (rust-lang/rust#62958); the typed variants (`created`, `authorized`)
//! map `send`'s future rather than await it in an `async` block, which
//! would hold it twice too. `crates/dojo-payments/tests/future_sizes.rs` bounds them.

mod customers;
mod epos;
mod payment_intents;
mod setup_intents;
mod terminals;
mod urls;
mod webhooks;

pub use customers::{CreateCustomer, Customer, CustomerRef, Customers, SavedCard, UpdateCustomer};
pub use epos::Epos;
pub use payment_intents::{
    CreatePaymentIntent, PaymentIntents, Refund, RefundMade, SearchPaymentIntents,
};
pub use setup_intents::{Card, CreateSetupIntent, SetupIntents, Tokenize};
pub use terminals::{Terminals, TerminalsAs};
pub use webhooks::{Subscribe, Webhooks};
