//! A store location of a tenant: its TMAS location ID, name, time zone and status.

use chrono_tz::Tz;

use super::integration::{UnknownState, by_word};

/// The TMAS location ID a retailer uses for a store (e.g. `STORE-01`), unique in the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationCode(String);

impl LocationCode {
    pub const MAX_LEN: usize = 40;

    pub fn parse(value: &str) -> Result<LocationCode, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("Enter the TMAS location ID (e.g. STORE-01).".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!(
                "The TMAS location ID is too long (at most {} characters).",
                Self::MAX_LEN
            ));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!(
                "The TMAS location ID {value:?} may only hold letters, digits, '-', '_' and '.'."
            ));
        }
        Ok(LocationCode(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name known to chrono-tz.
pub fn parse_time_zone(value: &str) -> Result<Tz, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Choose a time zone.".into());
    }
    value.parse::<Tz>().map_err(|_| {
        format!("Unknown time zone {value:?}: choose an IANA name such as America/Toronto.")
    })
}

/// Time zones offered in pickers: canonical region/city names, sorted.
pub fn time_zone_choices() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| {
            name.contains('/') && !name.starts_with("Etc/") && !name.starts_with("SystemV/")
        })
        .collect();
    names.push("UTC");
    names.sort_unstable();
    names
}

/// Whether a location counts: an inactive one's numbers are hidden from reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationStatus {
    Active,
    Inactive,
}

impl LocationStatus {
    pub const ALL: [LocationStatus; 2] = [LocationStatus::Active, LocationStatus::Inactive];

    /// The form's choice, with the message the form shows for anything else.
    pub fn parse(value: &str) -> Result<LocationStatus, String> {
        Self::decode(value)
            .map_err(|_| format!("Unknown status {value:?}: choose active or inactive."))
    }

    /// The stored word (`locations.status`).
    pub fn decode(value: &str) -> Result<LocationStatus, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "location status", value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LocationStatus::Active => "active",
            LocationStatus::Inactive => "inactive",
        }
    }
}

impl TryFrom<String> for LocationStatus {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        LocationStatus::decode(&value)
    }
}

/// A location form, parsed: every field valid, or every problem named.
#[derive(Debug, Clone)]
pub struct LocationInput {
    pub name: String,
    pub code: LocationCode,
    pub time_zone: Tz,
    pub status: LocationStatus,
}

impl LocationInput {
    pub const NAME_MAX: usize = 100;

    pub fn parse(
        name: &str,
        code: &str,
        time_zone: &str,
        status: &str,
    ) -> Result<LocationInput, Vec<(&'static str, String)>> {
        let name = super::account::required_text("location name", name, Self::NAME_MAX);
        let code = LocationCode::parse(code);
        let tz = parse_time_zone(time_zone);
        let status = LocationStatus::parse(status);
        match (name, code, tz, status) {
            (Ok(name), Ok(code), Ok(time_zone), Ok(status)) => Ok(LocationInput {
                name,
                code,
                time_zone,
                status,
            }),
            (name, code, tz, status) => {
                let mut errors = Vec::new();
                if let Err(e) = name {
                    errors.push(("name", e));
                }
                if let Err(e) = code {
                    errors.push(("location_id", e));
                }
                if let Err(e) = tz {
                    errors.push(("time_zone", e));
                }
                if let Err(e) = status {
                    errors.push(("status", e));
                }
                Err(errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(LocationCode::parse("STORE-01").is_ok());
        assert!(LocationCode::parse("").is_err());
        assert!(LocationCode::parse("STORE 01").is_err());
        assert!(LocationCode::parse(&"X".repeat(41)).is_err());
    }

    #[test]
    fn zones() {
        assert!(parse_time_zone("America/Toronto").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(time_zone_choices().contains(&"Europe/Madrid"));
    }

    #[test]
    fn statuses_read_their_stored_words_and_nothing_else() {
        for status in LocationStatus::ALL {
            assert_eq!(LocationStatus::decode(status.as_str()), Ok(status));
            assert_eq!(LocationStatus::parse(status.as_str()), Ok(status));
        }
        let unknown = LocationStatus::decode("closed").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown location status \"closed\"");
        assert_eq!(
            LocationStatus::parse("Active").unwrap_err(),
            "Unknown status \"Active\": choose active or inactive."
        );
    }

    #[test]
    fn whole_form_errors_are_all_named() {
        let errors = LocationInput::parse("", "bad id", "Nowhere", "maybe").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["name", "location_id", "time_zone", "status"]);
    }
}
