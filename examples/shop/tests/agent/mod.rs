//! A visitor of the shop without a browser, for tests that check statuses:
//! a cookie jar (the session), no redirects followed, and forms submitted
//! as a browser submits them (their hidden fields, the CSRF token among
//! them, sent back).

#![allow(dead_code)]

use std::sync::Arc;

/// A page as the shop answered it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// Every header of the answer.
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

/// One visitor (one cookie jar), of the shop at `base`.
#[derive(Clone)]
pub struct Agent {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
}

impl Agent {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        Self::with_jar(base, jar, None)
    }

    /// A visitor whose requests a proxy says come from `address`
    /// (`X-Forwarded-For`, believed by a shop that trusts one proxy).
    pub fn from_address(base: &str, address: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        Self::with_jar(base, jar, Some(address))
    }

    fn with_jar(base: &str, jar: Arc<reqwest::cookie::Jar>, address: Option<&str>) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(address) = address {
            headers.insert("x-forwarded-for", address.parse().unwrap());
        }
        let http = dojo_payments::raw::http_client_builder()
            .unwrap()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .build()
            .unwrap();
        Self {
            http,
            jar,
            base: base.to_owned(),
        }
    }

    /// The same visitor (its cookies) at another instance of the shop.
    pub fn at(&self, base: &str) -> Self {
        Self::with_jar(base, self.jar.clone(), None)
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|r| r.to_str().unwrap().parse().unwrap());
        Answer {
            status,
            location,
            retry_after,
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts exactly `fields` (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let request = self.http.post(format!("{}{path}", self.base)).form(fields);
        Self::answer(request.send().await.unwrap()).await
    }

    /// The hidden fields of the form posting to `action` on `page`.
    pub fn hidden_fields(page: &str, action: &str) -> Vec<(String, String)> {
        let start = page
            .find(&format!("action=\"{action}\""))
            .unwrap_or_else(|| panic!("no form to {action} on the page:\n{page}"));
        let form = &page[start..];
        let form = &form[..form.find("</form>").unwrap_or(form.len())];
        form.split("<input type=\"hidden\" ")
            .skip(1)
            .filter_map(|input| {
                let name = between(input, "name=\"", "\"")?;
                let value = between(input, "value=\"", "\"")?;
                Some((name.to_owned(), value.replace("&amp;", "&")))
            })
            .collect()
    }

    /// Opens `page`, and submits its form to `action` with `fields` (and
    /// the form's hidden fields).
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let shown = self.get(page).await;
        assert_eq!(shown.status, 200, "{page}: {}", shown.body);
        self.submit_on(&shown.body, action, fields).await
    }

    /// Submits the form to `action` of the page `body`, with `fields`.
    pub async fn submit_on(&self, body: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = Self::hidden_fields(body, action);
        for (name, value) in fields {
            all.retain(|(n, _)| n != name);
            all.push(((*name).to_owned(), (*value).to_owned()));
        }
        let pairs: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        self.post_raw(action, &pairs).await
    }

    /// Signs up (which signs nobody in: the answer is the same for an
    /// email that had an account), then in.
    pub async fn sign_up(&self, email: &str, password: &str) {
        let done = self
            .submit(
                "/signup",
                "/signup",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(done.status, 200, "signing up {email}: {}", done.body);
        assert!(done.body.contains("sign in"), "{}", done.body);
        self.sign_in(email, password).await;
    }

    /// Signs in; staff and admins (made by [`account`]) type their code.
    pub async fn sign_in(&self, email: &str, password: &str) {
        let done = self
            .submit(
                "/signin",
                "/signin",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(done.status, 303, "signing in {email}: {}", done.body);
        let location = done.location.unwrap_or_default();
        if location.starts_with("/signin/code") {
            self.type_code(&location).await;
        }
    }

    /// Types the code of [`SECOND_FACTOR`] on the code page at `page`
    /// (waiting for the next one if this one was used).
    pub async fn type_code(&self, page: &str) {
        for _ in 0..3 {
            let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
            let code = dojo_shop::auth::second_factor::code_at(SECOND_FACTOR, now).unwrap();
            let done = self.submit(page, "/signin/code", &[("code", &code)]).await;
            if done.status == 303 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_secs(30 - now % 30)).await;
        }
        panic!("the second factor was refused three times");
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let from = text.find(open)? + open.len();
    let to = text[from..].find(close)? + from;
    Some(&text[from..to])
}

/// The password every test account has.
pub const PASSWORD: &str = "a long test password";

/// The TOTP secret of every staff and admin account [`account`] makes.
pub const SECOND_FACTOR: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// An account of `role` in `db`, as `dojo-shop create-admin` makes one;
/// staff and admins with their second factor enrolled ([`SECOND_FACTOR`]).
pub async fn account(db: &dojo_shop::store::Db, email: &str, role: dojo_shop::auth::Role) {
    let account = bare_account(db, email, role).await;
    if role != dojo_shop::auth::Role::Customer {
        db.start_enrolling(&account.id, SECOND_FACTOR)
            .await
            .unwrap();
        let enrolled = db
            .finish_enrolling(&account.id, SECOND_FACTOR, 0, &[])
            .await
            .unwrap();
        assert!(enrolled);
    }
}

/// Gives `email`'s account a new second factor, as the operator's
/// commands do (`create-admin`, `second-factor EMAIL`): its secret and
/// recovery codes.
pub async fn enrol(db: &dojo_shop::store::Db, email: &str) -> (String, Vec<String>) {
    let (account, _) = db.account_by_email(email).await.unwrap().unwrap();
    let enrolment = dojo_shop::auth::second_factor::enrol(db, &account)
        .await
        .unwrap();
    (enrolment.secret, enrolment.recovery)
}

/// An account of `role` in `db`, without a second factor (as databases
/// from before staff and admins were enrolled at creation hold them).
pub async fn bare_account(
    db: &dojo_shop::store::Db,
    email: &str,
    role: dojo_shop::auth::Role,
) -> dojo_shop::auth::Account {
    let hash = dojo_shop::auth::passwords::hash(PASSWORD.to_owned())
        .await
        .unwrap();
    db.insert_account(email, &hash, role)
        .await
        .unwrap()
        .expect("a new account")
}
