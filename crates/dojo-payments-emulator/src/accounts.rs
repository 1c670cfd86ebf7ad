//! Location accounts: each API key is one location account's (Dojo's "An
//! API key is location bound"), which sees only its own payment and setup
//! intents, customers and webhook subscriptions (another's id is a 404, as
//! Dojo answers), and whose events carry its `accountId`.
//!
//! The default key ([`crate::API_KEY`], or the one the emulator was started
//! with) is `acc_sandbox_emulator`'s; a named location `soho` is
//! `acc_soho`'s. While no key was named, any other `sk_sandbox_` key is
//! accepted too, each its own account (`acc_sandbox_<hash of the key>`).

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::RwLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::problem::Problem;

/// The account of the default key.
pub const DEFAULT_ACCOUNT: &str = "acc_sandbox_emulator";

/// The most location accounts one emulator holds: its registry stays
/// bounded under any control call.
pub const MAX_LOCATIONS: usize = 100_000;

/// Why a location was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LocationRefused {
    /// The key is another location's already (named here; the key never is).
    #[error("the key is location {0}'s already")]
    KeyTaken(String),
    /// The name is another key's already.
    #[error("location {0} has another key already")]
    NameTaken(String),
    /// [`MAX_LOCATIONS`] are held already.
    #[error("the emulator holds {MAX_LOCATIONS} locations already")]
    Full,
    /// No location of that name was added (a key is added to one).
    #[error("no location {0} was added")]
    NoSuchLocation(String),
}

/// The keys accepted and their accounts.
#[derive(Debug, Default)]
pub struct Accounts(RwLock<Registry>);

#[derive(Debug, Default)]
struct Registry {
    /// Key → (account, the location's name).
    keys: BTreeMap<String, (String, String)>,
    /// The location's name → its account: each name is one key's.
    names: BTreeMap<String, String>,
    /// Whether only the keys above are accepted.
    locked: bool,
    /// How many calls each named key authenticated: which key a call
    /// carried, where two keys are one account's (a rotation).
    uses: BTreeMap<String, u64>,
}

impl Accounts {
    /// Accepts `key` as the default account's; `locked`: only named keys
    /// are accepted from now on.
    pub fn set_default(&self, key: &str, locked: bool) {
        let mut registry = self.0.write().unwrap_or_else(|e| e.into_inner());
        registry.keys.insert(
            key.to_owned(),
            (DEFAULT_ACCOUNT.to_owned(), "default".to_owned()),
        );
        registry
            .names
            .insert("default".to_owned(), DEFAULT_ACCOUNT.to_owned());
        registry.locked |= locked;
    }

    /// Accepts `key` as location `name`'s (`acc_<name>`), and from now on
    /// only named keys; the account. Naming the same location with the same
    /// key again is no change; a key or a name already taken otherwise is
    /// refused (a key is one account's, as at Dojo), as is a location past
    /// [`MAX_LOCATIONS`].
    pub fn add_location(&self, name: &str, key: &str) -> Result<String, LocationRefused> {
        let account = format!("acc_{name}");
        let mut registry = self.0.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, holder)) = registry.keys.get(key) {
            return if holder == name {
                Ok(account)
            } else {
                Err(LocationRefused::KeyTaken(holder.clone()))
            };
        }
        if registry.names.contains_key(name) {
            return Err(LocationRefused::NameTaken(name.to_owned()));
        }
        if registry.keys.len() >= MAX_LOCATIONS {
            return Err(LocationRefused::Full);
        }
        registry
            .keys
            .insert(key.to_owned(), (account.clone(), name.to_owned()));
        registry.names.insert(name.to_owned(), account.clone());
        registry.locked = true;
        Ok(account)
    }

    /// Accepts `key` too for location `name`'s account, as a rotation
    /// makes one (both keys then work, each counted: [`Self::uses_of`]);
    /// the account. A key another location's already is refused.
    pub fn add_key(&self, name: &str, key: &str) -> Result<String, LocationRefused> {
        let mut registry = self.0.write().unwrap_or_else(|e| e.into_inner());
        let Some(account) = registry.names.get(name).cloned() else {
            return Err(LocationRefused::NoSuchLocation(name.to_owned()));
        };
        if let Some((_, holder)) = registry.keys.get(key) {
            return if holder == name {
                Ok(account)
            } else {
                Err(LocationRefused::KeyTaken(holder.clone()))
            };
        }
        if registry.keys.len() >= MAX_LOCATIONS {
            return Err(LocationRefused::Full);
        }
        registry
            .keys
            .insert(key.to_owned(), (account.clone(), name.to_owned()));
        Ok(account)
    }

    /// How many calls named key `key` authenticated.
    pub fn uses_of(&self, key: &str) -> u64 {
        let registry = self.0.read().unwrap_or_else(|e| e.into_inner());
        registry.uses.get(key).copied().unwrap_or(0)
    }

    /// The account of `key`, if it is accepted (a named key's use counted).
    pub fn account_of(&self, key: &str) -> Option<String> {
        let mut registry = self.0.write().unwrap_or_else(|e| e.into_inner());
        if let Some((account, _)) = registry.keys.get(key) {
            let account = account.clone();
            match registry.uses.get_mut(key) {
                Some(uses) => *uses += 1,
                None => {
                    registry.uses.insert(key.to_owned(), 1);
                }
            }
            return Some(account);
        }
        if registry.locked {
            return None;
        }
        // A stable hash (SipHash with fixed keys): the same key, the same
        // account, on every run.
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        Some(format!("acc_sandbox_{:016x}", hasher.finish()))
    }

    /// The account of location `name`, if it is one.
    pub fn location_account(&self, name: &str) -> Option<String> {
        let registry = self.0.read().unwrap_or_else(|e| e.into_inner());
        registry.names.get(name).cloned()
    }

    /// The default key, if one was set.
    pub fn default_key(&self) -> Option<String> {
        let registry = self.0.read().unwrap_or_else(|e| e.into_inner());
        registry
            .keys
            .iter()
            .find(|(_, (account, _))| account == DEFAULT_ACCOUNT)
            .map(|(key, _)| key.clone())
    }
}

/// The location account an API call was made with (its key's): what the
/// call sees and makes. Put on the request by the authentication layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `acc_…`.
    pub account: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Problem::unauthorized("this operation takes an API key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_key_is_the_same_account_and_each_key_is_counted() {
        let accounts = Accounts::default();
        let soho = accounts.add_location("soho", "sk_sandbox_soho_1").unwrap();
        accounts
            .add_location("camden", "sk_sandbox_camden_1")
            .unwrap();
        assert_eq!(
            accounts.add_key("soho", "sk_sandbox_soho_2"),
            Ok(soho.clone())
        );
        assert_eq!(
            accounts.add_key("leeds", "sk_sandbox_leeds_1"),
            Err(LocationRefused::NoSuchLocation("leeds".to_owned()))
        );
        assert_eq!(
            accounts.add_key("soho", "sk_sandbox_camden_1"),
            Err(LocationRefused::KeyTaken("camden".to_owned()))
        );
        for _ in 0..2 {
            assert_eq!(accounts.account_of("sk_sandbox_soho_2"), Some(soho.clone()));
        }
        assert_eq!(accounts.account_of("sk_sandbox_soho_1"), Some(soho));
        assert_eq!(accounts.uses_of("sk_sandbox_soho_1"), 1);
        assert_eq!(accounts.uses_of("sk_sandbox_soho_2"), 2);
        assert_eq!(accounts.uses_of("sk_sandbox_camden_1"), 0);
    }
}
