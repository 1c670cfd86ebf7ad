//! Card terminals and their sessions (Pay at Counter): the raw calls. A
//! till is written on [`crate::counter`], whose sessions are typed by their
//! state and waited on for their outcome.

use dojo_payments_api::api::types;
use dojo_payments_types::{TerminalId, TerminalSessionId, check_partner_id};

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::error::Invalid;
use crate::{Dojo, Error, Result};

/// The account's terminals, as seen by one software house:
/// `dojo.terminals().as_software_house("…")`.
#[derive(Debug, Clone, Copy)]
pub struct Terminals<'a> {
    pub(crate) dojo: &'a Dojo,
}

/// Who is calling the terminal endpoints: the `software-house-id` header,
/// and the `reseller-id` one when there is a reseller.
#[derive(Debug, Clone, Copy)]
pub struct TerminalsAs<'a> {
    dojo: &'a Dojo,
    software_house_id: &'a str,
    reseller_id: Option<&'a str>,
}

const LIST: &Operation = &ops::TERMINALS_LIST_TERMINALS;
const GET: &Operation = &ops::TERMINALS_GET_TERMINAL;
const CREATE_SESSION: &Operation = &ops::TERMINAL_SESSION_CREATE;
const GET_SESSION: &Operation = &ops::TERMINAL_SESSION_GET;
const CANCEL_SESSION: &Operation = &ops::TERMINAL_SESSION_CANCEL;
const SIGNATURE: &Operation = &ops::TERMINAL_SESSION_SIGNATURE;

impl<'a> Terminals<'a> {
    /// Calls as software house `software_house_id`.
    pub fn as_software_house(self, software_house_id: &'a str) -> TerminalsAs<'a> {
        TerminalsAs {
            dojo: self.dojo,
            software_house_id,
            reseller_id: None,
        }
    }
}

impl<'a> TerminalsAs<'a> {
    /// Calls through reseller `reseller_id` too.
    pub fn reseller(mut self, reseller_id: &'a str) -> Self {
        self.reseller_id = Some(reseller_id);
        self
    }

    /// The headers' rules ([`check_partner_id`]), checked before every
    /// call: an empty `software-house-id` is a missing one, and a value
    /// no header should carry is refused here, naming the header, rather
    /// than sent (nothing leaves: [`crate::Delivery::NotSent`]).
    fn check(&self, operation: &Operation) -> Result<()> {
        let refuse =
            |e| Error::invalid(operation.id, Invalid::Value(e)).made_for(self.dojo.location_id());
        check_partner_id("software-house-id", self.software_house_id).map_err(refuse)?;
        if let Some(reseller) = self.reseller_id {
            check_partner_id("reseller-id", reseller).map_err(refuse)?;
        }
        Ok(())
    }

    /// The terminals, all or only those in `statuses`.
    pub async fn list(
        self,
        statuses: Option<Vec<types::TerminalStatus>>,
    ) -> Result<Vec<types::Terminal>> {
        self.check(LIST)?;
        let raw = self.dojo.api();
        let statuses = statuses.as_ref();
        self.dojo
            .send(LIST, Request::NONE, || {
                raw.terminals_list_terminals(statuses, self.reseller_id, self.software_house_id)
            })
            .await
    }

    /// The terminal `id`.
    pub async fn get(self, id: &TerminalId) -> Result<types::Terminal> {
        self.check(GET)?;
        let raw = self.dojo.api();
        self.dojo
            .send(GET, Request::NONE, || {
                raw.terminals_get_terminal(id, self.reseller_id, self.software_house_id)
            })
            .await
    }

    /// Starts a session (a sale, a refund, …) on a terminal.
    pub async fn create_session(
        self,
        request: types::CreateTerminalSessionRequest,
    ) -> Result<types::TerminalSession> {
        self.check(CREATE_SESSION)?;
        let raw = self.dojo.api();
        self.dojo
            .send(CREATE_SESSION, Request::body(&request), || {
                raw.terminal_session_create(self.reseller_id, self.software_house_id, &request)
            })
            .await
    }

    /// The session `id`.
    pub async fn session(self, id: &TerminalSessionId) -> Result<types::TerminalSession> {
        self.check(GET_SESSION)?;
        let raw = self.dojo.api();
        self.dojo
            .send(GET_SESSION, Request::NONE, || {
                raw.terminal_session_get(id, self.reseller_id, self.software_house_id)
            })
            .await
    }

    /// Cancels the session `id`.
    pub async fn cancel_session(self, id: &TerminalSessionId) -> Result<types::TerminalSession> {
        self.check(CANCEL_SESSION)?;
        let raw = self.dojo.api();
        self.dojo
            .send(CANCEL_SESSION, Request::NONE, || {
                raw.terminal_session_cancel(id, self.reseller_id, self.software_house_id)
            })
            .await
    }

    /// Accepts or rejects the customer's signature in session `id`.
    pub async fn verify_signature(
        self,
        id: &TerminalSessionId,
        accepted: bool,
    ) -> Result<types::TerminalSession> {
        let body = types::SignatureVerificationRequest { accepted };
        self.check(SIGNATURE)?;
        let raw = self.dojo.api();
        self.dojo
            .send(SIGNATURE, Request::body(&body), || {
                raw.terminal_session_signature(id, self.reseller_id, self.software_house_id, &body)
            })
            .await
    }
}
