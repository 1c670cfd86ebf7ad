/// After a failed call, the three questions in one `match`: did money move
/// (`delivery`), should the call be sent again and when (`retry_advice`),
/// and what may the customer be told (`customer_message`: never Dojo's
/// developer text). Every variant of `Error` answers all three, an
/// `UnexpectedAnswer` (Dojo did it, and answered otherwise) included.
async fn after_failure(dojo: &Dojo, error: &Error) -> String {
    let tell = error.customer_message();
    match (error.delivery(), error.retry_advice()) {
        // It took effect: record it, never send it again.
        (Delivery::Applied, _) => format!("done: {tell}"),
        // It may have moved money and has no key: settle it before deciding
        // (this waits until it can no longer be in flight, then reads twice).
        (_, RetryAdvice::SettleFirst) => match error.unsettled() {
            Some(later) => match later.settle(dojo).await {
                Outcome::Applied(_) => "done, as reads show".to_owned(),
                Outcome::NotApplied(_) => "not done, as reads show: send it again".to_owned(),
                Outcome::Unknown(why) => format!("still unknown ({why}): look again later"),
            },
            // A creation whose answer was lost: look for it before making another.
            None => format!("look for it before sending it again: {tell}"),
        },
        // A refund that may have been made: again with this key, never a new one.
        (_, RetryAdvice::SameKey { key, .. }) => format!("send it again with key {key}: {tell}"),
        (_, RetryAdvice::Now) => format!("send it again: {tell}"),
        (_, RetryAdvice::After(wait)) => format!("send it again in {}s: {tell}", wait.as_secs()),
        // It would be refused again: the kind says why (a 404 is `NotFound`,
        // for the location the error names).
        (_, RetryAdvice::Never) => match error.kind() {
            ErrorKind::NotFound => {
                let location = error.location().map_or("?", |location| location.as_str());
                format!("not found for location {location}: {tell}")
            }
            kind => format!("not again ({kind:?}): {tell}"),
        },
        (_, _) => format!("not again: {tell}"),
    }
}
