//! The doors in front of pages, as extractors: a page that takes
//! [`SignedIn`], [`Staff`] or [`Admin`] is never run for a visitor without
//! that role. Not signed in: a 303 to the sign-in page (and back after);
//! signed in without the role: a 403. [`Staff`] and [`Admin`] also need
//! the session's sign-in to have passed the second factor
//! ([`super::second_factor`]): if not, a 303 to the code's page (or, for
//! an account without one yet, to its enrolment), and back after.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::{Account, Role, Visitor};
use crate::pages::{PageError, see_other, with_query};

/// Any signed-in account.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Account);

/// A staff account (or an admin's).
#[derive(Debug, Clone)]
pub struct Staff(pub Account);

/// An admin account.
#[derive(Debug, Clone)]
pub struct Admin(pub Account);

async fn door(parts: &mut Parts, needed: Role) -> Result<Account, Response> {
    let visitor = Visitor::from_request_parts(parts, &()).await?;
    let next = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    match visitor.account().await {
        Some(account) if account.role.may(needed) => {
            if needed == Role::Customer || visitor.second_factor().await {
                return Ok(account);
            }
            let enrolled = visitor
                .enrolled()
                .await
                .map_err(|e| PageError::Database(e).into_response())?;
            let page = if enrolled {
                "/signin/code"
            } else {
                "/account/second-factor"
            };
            Err(see_other(&with_query(page, &[("next", &next)])).into_response())
        }
        Some(_) => Err(PageError::Forbidden("your account may not do this").into_response()),
        None => Err(see_other(&with_query("/signin", &[("next", &next)])).into_response()),
    }
}

macro_rules! doors {
    ($($door:ident => $role:expr),*) => {$(
        impl<S: Send + Sync> FromRequestParts<S> for $door {
            type Rejection = Response;

            async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
                door(parts, $role).await.map($door)
            }
        }
    )*};
}

doors!(SignedIn => Role::Customer, Staff => Role::Staff, Admin => Role::Admin);
