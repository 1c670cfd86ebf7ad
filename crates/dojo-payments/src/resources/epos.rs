//! EPOS integrations and the events an EPOS sends Dojo.

use dojo_payments_api::api::types;

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::{Dojo, Result};

/// EPOS integrations: `dojo.epos()`.
#[derive(Debug, Clone, Copy)]
pub struct Epos<'a> {
    pub(crate) dojo: &'a Dojo,
}

const EVENT: &Operation = &ops::EPOS_POST_EVENTS;
const ALL: &Operation = &ops::EPOS_GET_INTEGRATIONS;
const REST: &Operation = &ops::EPOS_GET_INTEGRATIONS_REST;
const SET_REST: &Operation = &ops::EPOS_PUT_INTEGRATIONS_REST;
const WS: &Operation = &ops::EPOS_GET_INTEGRATIONS_WS;
const SET_WS: &Operation = &ops::EPOS_PUT_INTEGRATIONS_WS;
const DOJO: &Operation = &ops::EPOS_GET_INTEGRATIONS_DOJO;

impl Epos<'_> {
    /// Tells Dojo of a change in the EPOS (an order, a party, a reservation).
    pub async fn send_event(self, event: types::EventRequest) -> Result<types::EventRequest> {
        let raw = self.dojo.api();
        self.dojo
            .send(EVENT, Request::body(&event), || {
                raw.epos_post_events(&event)
            })
            .await
    }

    /// Every integration of the account.
    pub async fn integrations(self) -> Result<types::AllIntegrationsResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(ALL, Request::NONE, || raw.epos_get_integrations())
            .await
    }

    /// The REST integrations.
    pub async fn rest_integrations(self) -> Result<Vec<types::RestIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(REST, Request::NONE, || raw.epos_get_integrations_rest())
            .await
    }

    /// Registers (or replaces) a REST integration.
    pub async fn set_rest_integration(
        self,
        integration: types::RestIntegrationRequest,
    ) -> Result<Vec<types::RestIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(SET_REST, Request::body(&integration), || {
                raw.epos_put_integrations_rest(&integration)
            })
            .await
    }

    /// The WebSocket integrations.
    pub async fn ws_integrations(self) -> Result<Vec<types::WsIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(WS, Request::NONE, || raw.epos_get_integrations_ws())
            .await
    }

    /// Registers (or replaces) a WebSocket integration.
    pub async fn set_ws_integration(
        self,
        integration: types::WsIntegrationRequest,
    ) -> Result<Vec<types::WsIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(SET_WS, Request::body(&integration), || {
                raw.epos_put_integrations_ws(&integration)
            })
            .await
    }

    /// The integrations Dojo manages.
    pub async fn dojo_integrations(self) -> Result<Vec<types::DojoManagedIntegrationResponse>> {
        let raw = self.dojo.api();
        self.dojo
            .send(DOJO, Request::NONE, || raw.epos_get_integrations_dojo())
            .await
    }
}
