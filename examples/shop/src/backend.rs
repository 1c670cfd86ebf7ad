//! Which Dojo the shop talks to: the embedded emulator (the default), or
//! Dojo's sandbox when `DOJO_API_KEY` is set.

use std::sync::Arc;

use dojo_payments::{ConfigError, Dojo};
use dojo_payments_emulator::Emulator;

/// The Dojo the shop runs against.
pub enum Backend {
    /// The emulator on loopback: checkout pages, webhooks and all; shared
    /// when several shop instances run on one.
    Emulator(Arc<Emulator>),
    /// Dojo's sandbox (`DOJO_API_KEY`). Webhooks reach the shop only at
    /// a public URL (`SHOP_PUBLIC_URL`).
    Sandbox {
        /// Where Dojo can reach the shop, if it can.
        public_url: Option<String>,
    },
}

impl Backend {
    /// The sandbox when `DOJO_API_KEY` is set, else a new emulator.
    pub async fn from_env() -> std::io::Result<Self> {
        if std::env::var_os("DOJO_API_KEY").is_some() {
            let public_url = std::env::var("SHOP_PUBLIC_URL").ok();
            return Ok(Self::Sandbox { public_url });
        }
        Ok(Self::Emulator(Arc::new(Emulator::start().await?)))
    }

    /// A client of this Dojo.
    pub fn client(&self) -> Result<Dojo, ConfigError> {
        match self {
            Self::Emulator(emulator) => Dojo::builder(emulator.api_key())
                .api_url(emulator.api_url())
                .pci_url(emulator.pci_url())
                .checkout_url(emulator.checkout_url())
                .user_agent_suffix("dojo-shop")
                .build(),
            Self::Sandbox { .. } => Dojo::from_env(),
        }
    }

    /// Where Dojo delivers webhooks to a shop listening at `local_url`:
    /// the local URL for the emulator, the public one for the sandbox.
    pub fn webhook_base<'a>(&'a self, local_url: &'a str) -> Option<&'a str> {
        match self {
            Self::Emulator(_) => Some(local_url),
            Self::Sandbox { public_url } => public_url.as_deref(),
        }
    }

    /// The emulator, when the shop runs on one.
    pub fn emulator(&self) -> Option<&Emulator> {
        match self {
            Self::Emulator(emulator) => Some(emulator),
            Self::Sandbox { .. } => None,
        }
    }
}
