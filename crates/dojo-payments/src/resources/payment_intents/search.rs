//! The search of payment intents, as a stream of every match:
//! `dojo.payment_intents().search()`.

use dojo_payments_api::api::types::{self, PaymentIntentStatus};
use futures_util::stream::BoxStream;

use super::SEARCH;
use crate::call::Request;
use crate::pages::{self, Page};
use crate::{Dojo, Result};

/// `dojo.payment_intents().search()`: filters, then `.stream()`.
#[derive(Debug, Clone)]
#[must_use = "a search is sent only when its stream is polled"]
pub struct SearchPaymentIntents {
    pub(super) dojo: Dojo,
    pub(super) body: types::SearchPaymentIntentRequest,
    pub(super) page_size: i32,
}

impl SearchPaymentIntents {
    /// Only intents in these statuses.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = PaymentIntentStatus>) -> Self {
        self.body.statuses = Some(statuses.into_iter().collect());
        self
    }

    /// Only intents created from `start` to `end`.
    pub fn created_between(
        mut self,
        start: dojo_payments_types::Timestamp,
        end: dojo_payments_types::Timestamp,
    ) -> Self {
        self.body.start_date = Some(start);
        self.body.end_date = Some(end);
        self
    }

    /// How many intents each request fetches: 1–100 (checked before the
    /// first request; default 50).
    pub fn page_size(mut self, size: u8) -> Self {
        self.page_size = i32::from(size);
        self
    }

    /// Every matching intent, page by page as the stream is polled.
    pub fn stream(self) -> BoxStream<'static, Result<types::PaymentIntent>> {
        let Self {
            dojo,
            body,
            page_size,
        } = self;
        pages::follow(dojo.location_id().clone(), SEARCH.id, move |after| {
            let dojo = dojo.clone();
            let mut body = body.clone();
            body.cursor = Some(types::Cursor {
                after,
                before: None,
                limit: page_size,
            });
            async move {
                let raw = dojo.api();
                let page = dojo
                    .send(SEARCH, Request::body(&body), || {
                        raw.payment_intents_search(&body)
                    })
                    .await?;
                Ok(Page {
                    items: page.data.unwrap_or_default(),
                    next: page.after,
                })
            }
        })
    }
}
