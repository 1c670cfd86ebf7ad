//! Searches as streams that follow Dojo's cursor.
//!
//! A stream sends nothing until it is polled, fetches the next page only when
//! the last item of the one before is taken, passes over empty pages, ends
//! when Dojo gives no next cursor, and can never loop: a cursor Dojo returns
//! a second time ends it with [`Error::PaginationLoop`] (async-stripe once
//! shipped a pagination loop that never ended).

use crate::ErrorContext;
use dojo_payments_types::LocationId;
use std::collections::{HashSet, VecDeque};
use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::Error;

/// One page of a search: its items and the cursor of the next page.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

enum Cursor {
    Start,
    Next(String),
    /// A cursor Dojo returned before: its page's items are delivered, then
    /// the stream ends with an error instead of following it.
    Repeated(String),
    Done,
}

struct State<T, F> {
    fetch: F,
    buffer: VecDeque<T>,
    cursor: Cursor,
    seen: HashSet<String>,
    /// The location the pages are read for, which an error names.
    at: LocationId,
}

/// The items of every page `fetch` returns, from the first (cursor `None`).
pub(crate) fn follow<T, F, Fut>(
    at: LocationId,
    operation: &'static str,
    fetch: F,
) -> BoxStream<'static, Result<T, Error>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send,
{
    let state = State {
        fetch,
        buffer: VecDeque::new(),
        cursor: Cursor::Start,
        seen: HashSet::new(),
        at,
    };
    // Boxed so that callers can `.next()` it without pinning it themselves.
    futures_util::stream::try_unfold(state, move |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Ok(Some((item, state)));
            }
            let cursor = match std::mem::replace(&mut state.cursor, Cursor::Done) {
                Cursor::Done => return Ok(None),
                Cursor::Start => None,
                Cursor::Next(cursor) => Some(cursor),
                Cursor::Repeated(cursor) => {
                    return Err(Error::PaginationLoop {
                        operation,
                        cursor,
                        context: ErrorContext::at(&state.at),
                    });
                }
            };
            let page = (state.fetch)(cursor).await?;
            state.buffer.extend(page.items);
            state.cursor = match page.next.filter(|next| !next.is_empty()) {
                None => Cursor::Done,
                Some(next) if !state.seen.insert(next.clone()) => Cursor::Repeated(next),
                Some(next) => Cursor::Next(next),
            };
        }
    })
    .boxed()
}
