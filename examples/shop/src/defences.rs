//! Defences against card testing and password guessing, as Dojo's
//! best-practice guide asks of merchants ("Preventing Card Slamming and
//! Automated Abuse"): limits per address, per account and per both, counted
//! in the shop's database (so every instance counts alike), and a hook where
//! a bot check (a CAPTCHA) goes.
//!
//! | what is counted | by | at most | in |
//! | --- | --- | --- | --- |
//! | failed phone-order authorizations | address, staff account | 5 | 15 minutes |
//! | checkout creations (a payment or setup intent made for a visitor) | address, account | 10 | 10 minutes |
//! | failed sign-ins | address *and* email together | 5 | 15 minutes |
//! | | address | 20 | 15 minutes |
//! | | email, from anywhere | 10, then one per 10 seconds | 15 minutes |
//! | failed second-factor codes | address *and* account | 5 | 15 minutes |
//! | | account, from anywhere | 10, then one per minute | 15 minutes |
//! | sign-ups | address | 5 | an hour |
//!
//! Nobody can lock an account out from elsewhere: the wall is per address
//! and account together, and the account alone, past its count, is only
//! slowed (one try per few seconds). That slow path is one slot whoever
//! types the email may keep taking, so a browser that signed in fully to
//! the account before (its device cookie, OWASP's "device cookies":
//! [`Limit::take_from`]) is exempt from the account-alone rule: its owner
//! gets in from it however busy an attacker keeps the email.
//!
//! **Counted and recorded in one step.** [`Limit::take`] records the
//! attempt in the same database transaction as the count, behind a lock
//! row per subject ([`crate::store::Db::take_attempt`]): parallel requests
//! queue there, on one instance or several on one database (an in-process
//! limiter would count each instance apart). An attempt that only counts
//! if it fails (a sign-in, a phone order) holds its place while it runs
//! and gives it back if it succeeds ([`Held`]), so fifty guesses sent at
//! once get five places, not fifty.
//!
//! The next attempt past a limit is answered 429 with `Retry-After` and a
//! message saying when to try again; nothing is sent to Dojo. Addresses
//! are counted as the client's: IPv4 by address, IPv6 by its /64 (one
//! household's or server's prefix), behind the proxies `SHOP_TRUST_PROXY`
//! names ([`TrustProxy`]).

use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::Duration;

use crate::pages::{AppState, PageError};
use crate::store::{Db, Rule, Taken};

/// One rule of a limit: how many attempts a subject may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Per {
    /// How many in the window are allowed.
    pub most: i64,
    /// The window, in seconds.
    pub window: i64,
    /// Past `most`: one more per this many seconds (a slower path), or
    /// none at all (`None`: a wall until the window moves on).
    pub then_one_per: Option<i64>,
}

impl Per {
    const fn wall(most: i64, minutes: i64) -> Option<Self> {
        Some(Self {
            most,
            window: minutes * 60,
            then_one_per: None,
        })
    }

    fn rule(self, subject: String) -> Rule {
        Rule {
            subject,
            most: self.most,
            window: Duration::seconds(self.window),
            then_one_per: self.then_one_per.map(Duration::seconds),
        }
    }
}

/// A limit on attempts of one kind, by address, by account, by both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is counted (stored).
    pub kind: &'static str,
    /// What was refused, in words.
    pub what: &'static str,
    /// By the client's address.
    pub address: Option<Per>,
    /// By the account (or the email signed in with), from anywhere.
    pub account: Option<Per>,
    /// By the address and the account together.
    pub both: Option<Per>,
}

/// Failed phone-order authorizations.
pub const PHONE_FAILURES: Limit = Limit {
    kind: "phone_failure",
    what: "Too many declined cards",
    address: Per::wall(5, 15),
    account: Per::wall(5, 15),
    both: None,
};

/// Checkout creations.
pub const CHECKOUTS: Limit = Limit {
    kind: "checkout",
    what: "Too many checkouts started",
    address: Per::wall(10, 10),
    account: Per::wall(10, 10),
    both: None,
};

/// Failed sign-ins: a wall per address and email together; the email alone
/// is slowed, never shut (anyone may type an admin's email).
pub const SIGN_IN_FAILURES: Limit = Limit {
    kind: "signin_failure",
    what: "Too many failed sign-ins",
    address: Per::wall(20, 15),
    account: Some(Per {
        most: 10,
        window: 15 * 60,
        then_one_per: Some(10),
    }),
    both: Per::wall(5, 15),
};

/// Failed second-factor codes (after the right password).
pub const SECOND_FACTOR_FAILURES: Limit = Limit {
    kind: "second_factor_failure",
    what: "Too many wrong codes",
    address: None,
    account: Some(Per {
        most: 10,
        window: 15 * 60,
        then_one_per: Some(60),
    }),
    both: Per::wall(5, 15),
};

/// Sign-ups (each costs an argon2 hash).
pub const SIGN_UPS: Limit = Limit {
    kind: "signup",
    what: "Too many sign-ups",
    address: Per::wall(5, 60),
    account: None,
    both: None,
};

/// An attempt over a limit: what to say, and when to come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What was refused.
    pub what: &'static str,
    /// Seconds until an attempt may pass (`Retry-After`).
    pub retry_after: u64,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.retry_after;
        if secs < 60 {
            write!(f, "{} from here: try again in {secs} seconds.", self.what)
        } else {
            let minutes = secs.div_ceil(60);
            write!(
                f,
                "{} from here: try again in {minutes} minutes.",
                self.what
            )
        }
    }
}

impl Limit {
    /// The rules for a request from `ip` by `account` (`account:…`,
    /// `email:…`).
    /// A browser that signed in fully to the account before (its device
    /// cookie, `known_device`) is not held to the account-alone rule,
    /// which anyone may fill by typing the email: only to the address's
    /// and the address-and-account rules, whose subjects an attacker
    /// elsewhere cannot share.
    fn rules(&self, ip: ClientIp, account: Option<&str>, known_device: bool) -> Vec<Rule> {
        let address = ip.subject();
        let mut rules = Vec::new();
        rules.extend(self.address.map(|per| per.rule(address.clone())));
        if let Some(account) = account {
            if !known_device {
                rules.extend(self.account.map(|per| per.rule(account.to_owned())));
            }
            rules.extend(
                self.both
                    .map(|per| per.rule(format!("{address}|{account}"))),
            );
        }
        rules
    }

    /// Counts and records an attempt from `ip` by `account`, in one step
    /// (so parallel attempts cannot all pass the count), or refuses it
    /// (429, with `Retry-After`). The attempt is held: [`Held::keep`]
    /// counts it for good; dropped, it is given back.
    pub async fn take(
        &self,
        db: &Db,
        ip: ClientIp,
        account: Option<&str>,
    ) -> Result<Held, PageError> {
        self.take_from(db, ip, account, false).await
    }

    /// [`Limit::take`], from a browser that signed in fully to `account`
    /// before (`known_device`: its device cookie) or not. A known device
    /// skips the account-alone rule (the slowed path anyone may keep busy
    /// by typing the email); its attempts still count under the others,
    /// and under the account's when they fail.
    pub async fn take_from(
        &self,
        db: &Db,
        ip: ClientIp,
        account: Option<&str>,
        known_device: bool,
    ) -> Result<Held, PageError> {
        let rules = self.rules(ip, account, known_device);
        let Some(recorded) = self.account.filter(|_| known_device).and(account) else {
            return self.taken(db, &rules, &[]).await;
        };
        // Recorded under the account too (its failures still slow others),
        // though not held to its rule.
        self.taken(db, &rules, &[recorded]).await
    }

    async fn taken(&self, db: &Db, rules: &[Rule], also: &[&str]) -> Result<Held, PageError> {
        match db.take_attempt(self.kind, rules, also).await? {
            Taken::Admitted(id) => Ok(Held {
                db: db.clone(),
                id: Some(id),
            }),
            Taken::Refused(wait) => Err(PageError::TooMany(Refused {
                what: self.what,
                // Rounded up: a client that waits this long passes.
                retry_after: u64::try_from((wait.num_milliseconds() + 999) / 1000)
                    .unwrap_or(1)
                    .max(1),
            })),
        }
    }
}

/// An attempt recorded against a limit while its request runs: kept by
/// [`Held::keep`] (a failure, a checkout), given back when dropped (a
/// success: only failures count), so that attempts in flight count too.
#[derive(Debug)]
#[must_use = "dropped, the attempt is given back at once"]
pub struct Held {
    db: Db,
    id: Option<String>,
}

impl Held {
    /// Counts the attempt for good.
    pub fn keep(mut self) {
        self.id = None;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        let db = self.db.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = db.release_attempt(&id).await {
                    eprintln!("giving back an attempt: {error}");
                }
            });
        }
    }
}

/// Which proxies' `X-Forwarded-For` the shop believes (`SHOP_TRUST_PROXY`):
/// none; a number of proxies in front, each adding the address it was
/// reached from (`1`: one load balancer); or the networks the proxies are
/// in (`10.0.0.0/8,fd00::/8`), whose addresses are passed over from the
/// right to find the client's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TrustProxy {
    /// The connection's peer is the client (the default).
    #[default]
    None,
    /// This many proxies in front: the client is that many addresses from
    /// the end of `X-Forwarded-For`.
    Hops(usize),
    /// Proxies in these networks: the client is the last address of
    /// `X-Forwarded-For` outside them (the peer must be in one).
    Networks(Vec<Network>),
}

impl FromStr for TrustProxy {
    type Err = String;

    /// `""` or `0`: none; a number: that many proxies; otherwise CIDRs (or
    /// single addresses) separated by commas.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::None);
        }
        if let Ok(hops) = text.parse::<usize>() {
            return Ok(if hops == 0 {
                Self::None
            } else {
                Self::Hops(hops)
            });
        }
        text.split(',')
            .map(|n| n.trim().parse::<Network>())
            .collect::<Result<Vec<_>, _>>()
            .map(Self::Networks)
    }
}

/// A network: an address and a prefix length (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn bits(ip: IpAddr) -> (u128, u8) {
            match ip {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) => (u128::from(u32::from(v4)), 32),
                    None => (u128::from(v6), 128),
                },
            }
        }
        let (net, width) = bits(self.addr);
        let (ip, ip_width) = bits(ip);
        if width != ip_width {
            return false;
        }
        let host = u32::from(width - self.prefix);
        let mask = if host >= 128 {
            0
        } else {
            (u128::MAX << host) & (u128::MAX >> (128 - u32::from(width)))
        };
        net & mask == ip & mask
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("not an address or network: {text:?}"))?;
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("not a prefix length: {text:?}"))?,
            None => width,
        };
        Ok(Self { addr, prefix })
    }
}

/// Where a request came from: the connection's peer, or, behind proxies
/// the shop was told to trust ([`TrustProxy`]), the address they say the
/// client has (the rest of `X-Forwarded-For` is the client's own word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The subject counted for it: an IPv4 address, or an IPv6 address's
    /// /64 (one address per request is free to anyone with a prefix).
    pub fn subject(self) -> String {
        match self.0 {
            IpAddr::V4(v4) => format!("ip:{v4}"),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => format!("ip:{v4}"),
                None => {
                    let s = v6.segments();
                    let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    format!("ip:{prefix}/64")
                }
            },
        }
    }

    /// The client's address, from the peer and the `X-Forwarded-For`
    /// values, as `trust` says.
    pub fn resolve(trust: &TrustProxy, peer: IpAddr, forwarded: &[&str]) -> Self {
        let chain: Vec<&str> = forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let parse = parse_forwarded;
        match trust {
            TrustProxy::None => Self(peer),
            TrustProxy::Hops(hops) => {
                // Each proxy added one: the client's is `hops` from the end.
                let found = chain.len().checked_sub(*hops).and_then(|i| parse(chain[i]));
                Self(found.unwrap_or(peer))
            }
            TrustProxy::Networks(networks) => {
                let trusted = |ip: IpAddr| networks.iter().any(|n| n.contains(ip));
                if !trusted(peer) {
                    return Self(peer);
                }
                let mut client = peer;
                for hop in chain.iter().rev() {
                    let Some(ip) = parse(hop) else { break };
                    client = ip;
                    if !trusted(ip) {
                        break;
                    }
                }
                Self(client)
            }
        }
    }
}

/// One entry of `X-Forwarded-For`: an address, or an address with its
/// port as some proxies write it (`203.0.113.7:52100`, Azure Application
/// Gateway; `[2001:db8::1]:443`), or a bracketed IPv6 address.
fn parse_forwarded(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')?
        .strip_suffix(']')?
        .parse::<std::net::Ipv6Addr>()
        .ok()
        .map(IpAddr::V6)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Err(PageError::Unexpected("no peer address".into()).into_response());
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(Self::resolve(&state.trust_proxy, peer.ip(), &forwarded))
    }
}

/// A bot check: where a CAPTCHA (or any other test that a person is
/// there) decides whether a sign-up, a checkout, a booking or a phone
/// order goes ahead. `answer` is what the check's widget put in the form
/// (`bot_answer`); a real one sends it to its provider with `ip`.
///
/// The shop's default, [`NoBotCheck`], lets everything through: set your
/// own in [`crate::Options::bot_check`] before you deploy.
pub trait BotCheck: Send + Sync + 'static {
    /// Whether the request goes ahead.
    fn passes<'a>(
        &'a self,
        answer: Option<&'a str>,
        ip: IpAddr,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

/// No bot check: every request goes ahead (the default, and the tests').
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBotCheck;

impl BotCheck for NoBotCheck {
    fn passes<'a>(
        &'a self,
        _: Option<&'a str>,
        _: IpAddr,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(std::future::ready(true))
    }
}

/// Refuses (403) unless `state`'s bot check passes.
pub async fn bot_check(
    state: &AppState,
    answer: Option<&str>,
    ip: ClientIp,
) -> Result<(), PageError> {
    if state.bot_check.passes(answer, ip.0).await {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "the check that you are a person failed: try again",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_ipv6_address_is_counted_by_its_64_and_an_ipv4_one_by_itself() {
        let one = ClientIp(ip("2001:db8:1:2::1")).subject();
        let sibling = ClientIp(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")).subject();
        let neighbour = ClientIp(ip("2001:db8:1:3::1")).subject();
        assert_eq!(one, "ip:2001:db8:1:2::/64");
        assert_eq!(one, sibling);
        assert_ne!(one, neighbour);
        assert_eq!(ClientIp(ip("203.0.113.9")).subject(), "ip:203.0.113.9");
        assert_eq!(
            ClientIp(ip("::ffff:203.0.113.9")).subject(),
            "ip:203.0.113.9",
            "an IPv4 address mapped into IPv6 is itself"
        );
    }

    #[test]
    fn trusted_proxies_are_a_count_or_networks_never_a_yes() {
        let peer = ip("10.0.0.5");
        let header = ["198.51.100.1, 203.0.113.7", "10.0.0.4"];
        // Nobody trusted: the peer, whatever the header says.
        assert_eq!(ClientIp::resolve(&TrustProxy::None, peer, &header).0, peer);
        // One proxy: the last address it added.
        let one: TrustProxy = "1".parse().unwrap();
        assert_eq!(ClientIp::resolve(&one, peer, &header).0, ip("10.0.0.4"));
        // Two proxies (a CDN, then a balancer): the client is the one the
        // first of them saw; what the client wrote before it is ignored.
        let two: TrustProxy = "2".parse().unwrap();
        assert_eq!(ClientIp::resolve(&two, peer, &header).0, ip("203.0.113.7"));
        // Fewer addresses than proxies: the peer (never the client's word).
        assert_eq!(
            ClientIp::resolve(&"5".parse().unwrap(), peer, &header).0,
            peer
        );
        // Networks: passed over from the right while trusted.
        let nets: TrustProxy = "10.0.0.0/8, fd00::/8".parse().unwrap();
        assert_eq!(ClientIp::resolve(&nets, peer, &header).0, ip("203.0.113.7"));
        // A peer outside them is the client itself.
        let outside = ip("192.0.2.1");
        assert_eq!(ClientIp::resolve(&nets, outside, &header).0, outside);
        // A spoofed trusted-looking address left of the client changes nothing.
        let spoofed = ["10.9.9.9, 203.0.113.7, 10.0.0.4"];
        assert_eq!(
            ClientIp::resolve(&nets, peer, &spoofed).0,
            ip("203.0.113.7")
        );
        assert_eq!("".parse::<TrustProxy>().unwrap(), TrustProxy::None);
        assert_eq!("0".parse::<TrustProxy>().unwrap(), TrustProxy::None);
        assert!("yes".parse::<TrustProxy>().is_err());
        assert!("10.0.0.0/33".parse::<TrustProxy>().is_err());
        let v6: Network = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("198.51.100.1")));
    }

    #[test]
    fn forwarded_addresses_with_ports_are_the_addresses() {
        let peer = ip("10.0.0.5");
        let one = TrustProxy::Hops(1);
        for (entry, client) in [
            ("203.0.113.7:52100", "203.0.113.7"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::2]", "2001:db8::2"),
            ("2001:db8::3", "2001:db8::3"),
        ] {
            let header = [entry];
            assert_eq!(
                ClientIp::resolve(&one, peer, &header).0,
                ip(client),
                "{entry}"
            );
        }
        let nets: TrustProxy = "10.0.0.0/8".parse().unwrap();
        let header = ["198.51.100.1:1, 203.0.113.7:4431, 10.0.0.4:80"];
        assert_eq!(ClientIp::resolve(&nets, peer, &header).0, ip("203.0.113.7"));
        // Not an address at all: the peer.
        assert_eq!(ClientIp::resolve(&one, peer, &["unknown"]).0, peer);
    }

    #[test]
    fn a_refusal_says_when_to_come_back() {
        let soon = Refused {
            what: "Too many failed sign-ins",
            retry_after: 8,
        };
        assert_eq!(
            soon.to_string(),
            "Too many failed sign-ins from here: try again in 8 seconds."
        );
        let later = Refused {
            what: "Too many declined cards",
            retry_after: 899,
        };
        assert!(later.to_string().ends_with("try again in 15 minutes."));
    }
}
