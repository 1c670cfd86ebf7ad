//! Dojo's resources, one module each: every operation of Dojo's document
//! (and the PCI host's one) is a method of one of these handles.
//!
//! Calls with a body are builders: the required fields are the arguments,
//! the rest chained setters (and `with` for anything else of the raw
//! request); `.await` sends one, after checking it against Dojo's document.

mod customers;
mod epos;
mod payment_intents;
mod setup_intents;
mod terminals;
mod webhooks;

pub use customers::{CreateCustomer, CustomerRef, Customers, UpdateCustomer};
pub use epos::Epos;
pub use payment_intents::{
    CreatePaymentIntent, PaymentIntents, Refund, RefundMade, SearchPaymentIntents,
};
pub use setup_intents::{Card, CreateSetupIntent, SetupIntents, Tokenize};
pub use terminals::{Terminals, TerminalsAs};
pub use webhooks::{Subscribe, Webhooks};

/// `.await` on a builder sends it: `IntoFuture` by its `send` method.
///
/// The box is allocated and filled on every call, so its size is a cost of
/// every call (`crates/dojo/tests/future_sizes.rs` bounds it). That is why
/// each builder's `send` is a plain `fn` returning an `async move` block
/// rather than an `async fn`: rustc keeps an `async fn`'s by-value `self`
/// twice in its future (rust-lang/rust#62958), and a builder carries its
/// whole raw request.
macro_rules! into_future {
    ($builder:ident => $output:ty) => {
        impl<'a> std::future::IntoFuture for $builder<'a> {
            type Output = crate::Result<$output>;
            type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use into_future;
