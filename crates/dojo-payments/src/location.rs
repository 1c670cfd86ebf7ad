//! Locations: Dojo's account structure is one company account holding
//! location accounts, each with its own key ("An API key is location
//! bound"). A [`Location`] pairs the merchant's name for one with its key;
//! [`Locations`] is a set of them, loaded from the environment or a file
//! without a key ever printing; `dojo.location(&id)` is a handle that calls
//! as one of them, and `dojo.sites()` adds, re-keys and removes them while
//! the client runs.
//!
//! **Names are normalised one way, whatever their source** ([`normalised`]):
//! ASCII letters lower-cased, `_` read as `-`. `DOJO_LOCATION_CAFE_SOHO`, a
//! file line `Cafe_Soho = …` and `Location::new("cafe_soho".parse()?, key)`
//! are all location `cafe-soho`, and a client looks a name up the same way,
//! so an entry journaled under one spelling is settled under the other.
//! **A key is one location's**: the same key under two names is refused
//! ([`LocationsError::SameKey`]), since both would be one Dojo account.
//!
//! ```
//! use dojo_payments::location::Locations;
//!
//! let locations = Locations::parse(
//!     "# our cafés\n\
//!      soho   = sk_sandbox_soho_0123456789abcdef\n\
//!      camden = sk_sandbox_camden_0123456789abcdef\n",
//! )?;
//! assert_eq!(locations.len(), 2);
//! let shown = format!("{locations:?}");
//! assert!(shown.contains("soho") && !shown.contains("0123456789abcdef"));
//! # Ok::<(), dojo_payments::location::LocationsError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use dojo_payments_types::{ApiKey, InvalidValue, LocationId};

/// The one rule for a location's name, whatever its source (environment,
/// file, code, a journal entry): ASCII letters lower-cased, `_` read as
/// `-`, then [`LocationId`]'s own rule (1–64 ASCII letters, digits, `-`,
/// `_`, `.`). `Cafe_Soho` and `cafe-soho` are one location.
///
/// ```
/// use dojo_payments::location::normalised;
/// assert_eq!(normalised("Cafe_Soho")?.as_str(), "cafe-soho");
/// assert_eq!(normalised("cafe-soho")?, normalised("CAFE_SOHO")?);
/// assert!(normalised("café").is_err());
/// # Ok::<(), dojo_payments::types::InvalidValue>(())
/// ```
pub fn normalised(name: &str) -> Result<LocationId, InvalidValue> {
    // The rule lives with the type: every `LocationId` is in this form.
    LocationId::new(name)
}

/// One location account: the merchant's name for it, and its key. `Debug`
/// shows the key's environment and last four characters only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The merchant's name for it (`cafe-soho`); a client reads it
    /// [`normalised`].
    pub id: LocationId,
    /// Its API key (`sk_sandbox_…`, `sk_prod_…`).
    pub key: ApiKey,
}

impl Location {
    /// Location `id` ([`normalised`]), whose key is `key`.
    pub fn new(id: LocationId, key: ApiKey) -> Self {
        Self { id, key }
    }
}

/// A set of locations, by name.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Locations(BTreeMap<LocationId, ApiKey>);

/// Why locations could not be loaded: where, and the rule broken (never
/// the key itself).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocationsError {
    /// A name or a key broke its rule.
    #[error("{at}: {reason}")]
    Invalid {
        /// Where: `line 3`, `DOJO_LOCATION_SOHO`.
        at: String,
        /// The rule.
        reason: InvalidValue,
    },
    /// A line is not `name = key`.
    #[error("{at}: expected `name = key`")]
    Malformed {
        /// Where.
        at: String,
    },
    /// A name came twice (after [`normalised`]: `cafe_soho` and `cafe-soho`
    /// are one), or `default` was named besides the client's own key
    /// (`DOJO_LOCATION_DEFAULT` with `DOJO_API_KEY`).
    #[error("location {0} is named twice")]
    Twice(LocationId),
    /// One key under two names: both would be one Dojo account, and its
    /// payments and journal entries would answer to either. (The key is
    /// never shown.)
    #[error("locations {first} and {second} have the same key: a key is one location's")]
    SameKey {
        /// The name given first.
        first: LocationId,
        /// The name given second.
        second: LocationId,
    },
    /// The file could not be read.
    #[error("reading the locations: {0}")]
    Read(#[from] std::io::Error),
}

impl Locations {
    /// The prefix of the environment variables that name locations:
    /// `DOJO_LOCATION_CAFE_SOHO=sk_…` is location `cafe-soho`.
    pub const ENV_PREFIX: &'static str = "DOJO_LOCATION_";

    /// Adds `location`, its name [`normalised`] (a name given again takes
    /// the new key; a key given twice is refused when a client is built
    /// with them, [`LocationsError::SameKey`]).
    pub fn insert(&mut self, location: Location) {
        self.0.insert(location.id, location.key);
    }

    /// The key of location `id` ([`normalised`]).
    pub fn key(&self, id: &LocationId) -> Option<&ApiKey> {
        self.0.get(id)
    }

    /// The first two names sharing one key, if any.
    pub(crate) fn same_key(&self) -> Option<(LocationId, LocationId)> {
        let mut seen = std::collections::HashMap::with_capacity(self.0.len());
        for (id, key) in &self.0 {
            if let Some(first) = seen.insert(key.expose(), id) {
                return Some((first.clone(), id.clone()));
            }
        }
        None
    }

    /// These locations, refused if one key is under two names.
    fn one_key_one_name(self) -> Result<Self, LocationsError> {
        match self.same_key() {
            Some((first, second)) => Err(LocationsError::SameKey { first, second }),
            None => Ok(self),
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Their names.
    pub fn ids(&self) -> impl Iterator<Item = &LocationId> {
        self.0.keys()
    }

    /// The locations the environment names (`DOJO_LOCATION_<NAME>=<key>`,
    /// the name [`normalised`]: lower-cased, `_` read as `-`).
    pub fn from_env() -> Result<Self, LocationsError> {
        Self::from_vars(std::env::vars())
    }

    /// The same, from `vars` (name, value).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, LocationsError> {
        let mut locations = Self::default();
        for (name, value) in vars {
            let Some(location) = name.strip_prefix(Self::ENV_PREFIX) else {
                continue;
            };
            locations.add(&name, location, value)?;
        }
        locations.one_key_one_name()
    }

    /// The locations of the file at `path`: `name = key` lines (the name
    /// [`normalised`]), `#` comments and blank lines (keep it readable by
    /// the service only).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, LocationsError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    /// The locations of `text`, as [`Locations::from_file`] reads them.
    pub fn parse(text: &str) -> Result<Self, LocationsError> {
        let mut locations = Self::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("line {}", n + 1);
            let (name, key) = line
                .split_once('=')
                .ok_or_else(|| LocationsError::Malformed { at: at.clone() })?;
            locations.add(&at, name.trim(), key.trim().to_owned())?;
        }
        locations.one_key_one_name()
    }

    fn add(&mut self, at: &str, name: &str, key: String) -> Result<(), LocationsError> {
        let invalid = |reason| LocationsError::Invalid {
            at: at.to_owned(),
            reason,
        };
        let id = normalised(name).map_err(invalid)?;
        let key = ApiKey::new(key).map_err(invalid)?;
        if self.0.contains_key(&id) {
            return Err(LocationsError::Twice(id));
        }
        self.0.insert(id, key);
        Ok(())
    }
}

impl IntoIterator for Locations {
    type Item = Location;
    type IntoIter = std::iter::Map<
        std::collections::btree_map::IntoIter<LocationId, ApiKey>,
        fn((LocationId, ApiKey)) -> Location,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().map(|(id, key)| Location { id, key })
    }
}

impl Extend<Location> for Locations {
    fn extend<I: IntoIterator<Item = Location>>(&mut self, locations: I) {
        for location in locations {
            self.insert(location);
        }
    }
}

impl FromIterator<Location> for Locations {
    fn from_iter<I: IntoIterator<Item = Location>>(locations: I) -> Self {
        let mut all = Self::default();
        all.extend(locations);
        all
    }
}

impl fmt::Debug for Locations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ApiKey's Debug: the environment and the last four characters.
        f.debug_map().entries(self.0.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOHO_KEY: &str = "sk_sandbox_soho_secret_0123456789";

    #[test]
    fn from_the_environment_and_never_printed() {
        let vars = [
            ("DOJO_LOCATION_CAFE_SOHO".to_owned(), SOHO_KEY.to_owned()),
            ("PATH".to_owned(), "/usr/bin".to_owned()),
        ];
        let locations = Locations::from_vars(vars).unwrap();
        let id: LocationId = "cafe-soho".parse().unwrap();
        assert_eq!(locations.key(&id).map(ApiKey::expose), Some(SOHO_KEY));
        assert!(!format!("{locations:?}").contains("secret"));
        let bad =
            Locations::from_vars([("DOJO_LOCATION_X".to_owned(), "pk_live_secret".to_owned())])
                .unwrap_err();
        assert!(
            bad.to_string().starts_with("DOJO_LOCATION_X: api_key"),
            "{bad}"
        );
        assert!(!bad.to_string().contains("secret"), "{bad}");
    }

    #[test]
    fn a_file_names_each_location_once() {
        let twice = Locations::parse(&format!("a = {SOHO_KEY}\na = {SOHO_KEY}")).unwrap_err();
        assert!(matches!(twice, LocationsError::Twice(_)), "{twice}");
        let malformed = Locations::parse("just a line").unwrap_err();
        assert_eq!(malformed.to_string(), "line 1: expected `name = key`");
        let bad_name = Locations::parse(&format!("café = {SOHO_KEY}")).unwrap_err();
        assert!(
            bad_name.to_string().starts_with("line 1: location"),
            "{bad_name}"
        );
        let spelled_twice =
            Locations::parse(&format!("cafe_soho = {SOHO_KEY}\nCafe-Soho = {SOHO_KEY}x"))
                .unwrap_err();
        assert!(
            matches!(&spelled_twice, LocationsError::Twice(id) if id.as_str() == "cafe-soho"),
            "{spelled_twice}"
        );
    }

    #[test]
    fn a_name_is_one_name_whatever_its_source() {
        let from_env =
            Locations::from_vars([("DOJO_LOCATION_CAFE_SOHO".to_owned(), SOHO_KEY.to_owned())])
                .unwrap();
        let from_file = Locations::parse(&format!("Cafe_Soho = {SOHO_KEY}")).unwrap();
        let mut from_code = Locations::default();
        from_code.insert(Location::new(
            "cafe_soho".parse().unwrap(),
            ApiKey::new(SOHO_KEY).unwrap(),
        ));
        assert_eq!(from_env, from_file);
        assert_eq!(from_file, from_code);
        assert_eq!(
            from_file.ids().map(LocationId::as_str).collect::<Vec<_>>(),
            ["cafe-soho"]
        );
        let spelled_otherwise: LocationId = "CAFE_SOHO".parse().unwrap();
        assert!(from_file.key(&spelled_otherwise).is_some());
    }

    #[test]
    fn one_key_under_two_names_is_refused_without_showing_it() {
        let twice =
            Locations::parse(&format!("soho = {SOHO_KEY}\ncamden = {SOHO_KEY}")).unwrap_err();
        assert!(
            matches!(&twice, LocationsError::SameKey { first, second }
                if first.as_str() == "camden" && second.as_str() == "soho"),
            "{twice}"
        );
        for shown in [twice.to_string(), format!("{twice:?}")] {
            assert!(
                !shown.contains("secret") && !shown.contains("0123"),
                "{shown}"
            );
        }
        let from_env = Locations::from_vars([
            ("DOJO_LOCATION_A".to_owned(), SOHO_KEY.to_owned()),
            ("DOJO_LOCATION_B".to_owned(), SOHO_KEY.to_owned()),
        ])
        .unwrap_err();
        assert!(
            matches!(from_env, LocationsError::SameKey { .. }),
            "{from_env}"
        );
    }
}
