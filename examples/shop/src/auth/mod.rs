//! Who is asking, and what they may do: accounts and their roles
//! (customer, staff, admin), sessions in the shop's database, a CSRF token
//! on every state-changing form, and the doors in front of the pages.
//!
//! | pages | door |
//! | --- | --- |
//! | shop, book a table, sign up / in | anyone (a guest buys without saving cards) |
//! | my cards; an order or booking | its owner (another's is a 404) |
//! | phone orders | [`Staff`] (staff or admin), with the second factor |
//! | admin: capture, refund, charge, close | [`Admin`], with the second factor |
//! | `/webhooks/dojo` | Dojo's signature, no session |

pub mod csrf;
pub mod doors;
pub mod passwords;
pub mod second_factor;
pub mod session;

use dojo_payments::types::CustomerId;

pub use doors::{Admin, SignedIn, Staff};
pub use session::Visitor;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Buys, saves cards, books tables: their own.
    Customer,
    /// Takes phone orders, too.
    Staff,
    /// Captures, refunds, charges and closes, too.
    Admin,
}

impl Role {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Staff => "staff",
            Self::Admin => "admin",
        }
    }

    /// The role stored as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Customer, Self::Staff, Self::Admin]
            .into_iter()
            .find(|role| role.as_str() == text)
    }

    /// Whether this role opens a door that needs `needed`.
    pub fn may(self, needed: Role) -> bool {
        match needed {
            Self::Customer => true,
            Self::Staff => matches!(self, Self::Staff | Self::Admin),
            Self::Admin => self == Self::Admin,
        }
    }
}

/// An account, as the pages see it (never its password's hash).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// `acct_…`.
    pub id: String,
    /// What it signs in with.
    pub email: String,
    /// What it may do.
    pub role: Role,
    /// Its Dojo customer (its saved cards), made at its first purchase.
    pub customer_id: Option<CustomerId>,
}

impl Account {
    /// What its orders and bookings are stored as owned by.
    pub fn owner(&self) -> String {
        format!("account:{}", self.id)
    }
}

/// `n` random bytes from the operating system, as hex (tokens, ids that
/// must not be guessed).
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // The OS's CSPRNG failing is a broken machine: nothing to sign in on.
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
