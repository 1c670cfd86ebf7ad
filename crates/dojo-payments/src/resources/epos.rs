//! EPOS integrations and the events an EPOS sends Dojo.

use dojo_payments_api::api::types;

use crate::call::Operation;
use crate::{Dojo, Result};

/// EPOS integrations: `dojo.epos()`.
#[derive(Debug, Clone, Copy)]
pub struct Epos<'a> {
    pub(crate) dojo: &'a Dojo,
}

const EVENT: Operation = Operation::not_idempotent("epos_post_events");
const ALL: Operation = Operation::read("epos_get_integrations");
const REST: Operation = Operation::read("epos_get_integrations_rest");
const SET_REST: Operation = Operation::idempotent("epos_put_integrations_rest");
const WS: Operation = Operation::read("epos_get_integrations_ws");
const SET_WS: Operation = Operation::idempotent("epos_put_integrations_ws");
const DOJO: Operation = Operation::read("epos_get_integrations_dojo");

impl Epos<'_> {
    /// Tells Dojo of a change in the EPOS (an order, a party, a reservation).
    pub async fn send_event(self, event: types::EventRequest) -> Result<types::EventRequest> {
        self.dojo.validate(EVENT, &event)?;
        let raw = self.dojo.api();
        self.dojo.send(EVENT, || raw.epos_post_events(&event)).await
    }

    /// Every integration of the account.
    pub async fn integrations(self) -> Result<types::AllIntegrationsResponse> {
        let raw = self.dojo.api();
        self.dojo.send(ALL, || raw.epos_get_integrations()).await
    }

    /// The REST integrations.
    pub async fn rest_integrations(self) -> Result<Vec<types::RestIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(REST, || raw.epos_get_integrations_rest())
            .await
    }

    /// Registers (or replaces) a REST integration.
    pub async fn set_rest_integration(
        self,
        integration: types::RestIntegrationRequest,
    ) -> Result<Vec<types::RestIntegrationResponse>> {
        self.dojo.validate(SET_REST, &integration)?;
        let raw = self.dojo.api();
        self.dojo
            .send(SET_REST, || raw.epos_put_integrations_rest(&integration))
            .await
    }

    /// The WebSocket integrations.
    pub async fn ws_integrations(self) -> Result<Vec<types::WsIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo.send(WS, || raw.epos_get_integrations_ws()).await
    }

    /// Registers (or replaces) a WebSocket integration.
    pub async fn set_ws_integration(
        self,
        integration: types::WsIntegrationRequest,
    ) -> Result<Vec<types::WsIntegrationResponse>> {
        self.dojo.validate(SET_WS, &integration)?;
        let raw = self.dojo.api();
        self.dojo
            .send(SET_WS, || raw.epos_put_integrations_ws(&integration))
            .await
    }

    /// The integrations Dojo manages.
    pub async fn dojo_integrations(self) -> Result<Vec<types::DojoManagedIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(DOJO, || raw.epos_get_integrations_dojo())
            .await
    }
}
