//! The details of an audit entry as structured facts (a label and a typed value, or a change
//! from one value to another), stored as JSON in the entry's `details` so that the log reads in
//! the reader's language: labels and words come from the catalog, dates and numbers are
//! formatted for the language, and names, emails and codes are kept as they are. Entries
//! written before this (plain English text) are still shown by `audit::plain_details`.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::i18n::{self, Lang};

/// A value in an audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    /// Data shown as entered: an email, a name, a code, a time zone.
    Text(String),
    /// A word of the product's vocabulary (a role, a status), translated when shown.
    Word(String),
    Flag(bool),
    Count(i64),
    /// A local date (`YYYY-MM-DD`), shown with its weekday.
    Date(String),
    /// A local date and hour, as hourly data is corrected.
    Hour(String, i64),
    /// An amount in minor units with its number of decimals.
    Amount(i64, u32),
    /// An integration, shown by its current name.
    Integration(i64),
    /// A UTC instant, shown in the tenant's time zone.
    Instant(i64),
}

/// One fact: `label: value`, or `label: before → value`; without a label, the value alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    pub value: Value,
}

/// An entry's details, built where the action happens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub facts: Vec<Fact>,
}

impl Details {
    pub fn new() -> Details {
        Details::default()
    }

    /// A value without a label (the subject of the entry: an email, a location code).
    pub fn subject(self, value: Value) -> Details {
        self.fact("", value)
    }

    /// `label: value`; the label is an English catalog text.
    pub fn fact(mut self, label: &str, value: Value) -> Details {
        self.facts.push(Fact {
            label: label.to_string(),
            before: None,
            value,
        });
        self
    }

    /// `label: value` when there is a value, nothing otherwise.
    pub fn fact_if_some(self, label: &str, value: Option<Value>) -> Details {
        match value {
            Some(value) => self.fact(label, value),
            None => self,
        }
    }

    /// `label: before → after`, or `label: after` when nothing changed.
    pub fn change(mut self, label: &str, before: Value, after: Value) -> Details {
        self.facts.push(Fact {
            label: label.to_string(),
            before: (before != after).then_some(before),
            value: after,
        });
        self
    }

    /// What is stored in the log.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The details of a stored entry, when it was written as facts.
    pub fn from_stored(stored: &str) -> Option<Details> {
        if !stored.starts_with("{\"facts\"") {
            return None;
        }
        serde_json::from_str(stored).ok()
    }

    /// The facts in `lang`, integrations by their name (`integrations`: id → name), in one
    /// line.
    pub fn show(&self, lang: Lang, tz: Tz, integrations: &HashMap<i64, String>) -> String {
        self.show_each(lang, tz, integrations).join("; ")
    }

    /// Each fact in `lang` on its own, for a list.
    pub fn show_each(
        &self,
        lang: Lang,
        tz: Tz,
        integrations: &HashMap<i64, String>,
    ) -> Vec<String> {
        self.facts
            .iter()
            .map(|f| {
                let value = show_value(lang, tz, &f.value, integrations);
                let value = match &f.before {
                    Some(before) => {
                        format!("{} → {value}", show_value(lang, tz, before, integrations))
                    }
                    None => value,
                };
                if f.label.is_empty() {
                    value
                } else {
                    format!("{}: {value}", i18n::translate(lang, &f.label))
                }
            })
            .collect()
    }
}

fn show_value(lang: Lang, tz: Tz, value: &Value, integrations: &HashMap<i64, String>) -> String {
    match value {
        Value::Instant(at) => chrono::DateTime::from_timestamp(*at, 0)
            .map(|t| i18n::format_date_time(lang, t.with_timezone(&tz).naive_local()))
            .unwrap_or_default(),
        Value::Text(text) => text.clone(),
        Value::Word(word) => i18n::translate(lang, word),
        Value::Flag(true) => i18n::translate(lang, "yes"),
        Value::Flag(false) => i18n::translate(lang, "no"),
        Value::Count(n) => i18n::format_integer(lang, *n),
        Value::Date(date) => date
            .parse::<NaiveDate>()
            .map(|d| i18n::format_weekday_date(lang, d))
            .unwrap_or_else(|_| date.clone()),
        Value::Hour(date, hour) => date
            .parse::<NaiveDate>()
            .map(|d| format!("{} {hour:02}:00", i18n::format_weekday_date(lang, d)))
            .unwrap_or_else(|_| format!("{date} {hour:02}:00")),
        Value::Amount(minor, digits) => i18n::format_decimal(lang, *minor, *digits),
        Value::Integration(id) => format!(
            "“{}”",
            integrations
                .get(id)
                .cloned()
                .unwrap_or_else(|| i18n::translate(lang, "a deleted integration"))
        ),
    }
}

/// A stored plain date (`2026-03-02`) in an old entry's text, for the reader: the old entries
/// keep their words but show dates as the language writes them.
pub fn show_plain_date(lang: Lang, token: &str) -> Option<String> {
    let date = token.parse::<NaiveDate>().ok()?;
    // A four-digit year: not a number that happens to parse.
    (date.year() > 1900).then(|| i18n::format_date(lang, date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_in_each_language_and_survive_storage() {
        let details = Details::new()
            .subject(Value::Text("ana@acme.example".into()))
            .change(
                "Role",
                Value::Word("manager".into()),
                Value::Word("admin".into()),
            )
            .change("Active", Value::Flag(true), Value::Flag(true))
            .change(
                "Net sales",
                Value::Amount(123_450, 2),
                Value::Amount(100, 2),
            )
            .fact("From", Value::Date("2026-03-02".into()))
            .fact("Integration", Value::Integration(7))
            .fact("Locations", Value::Count(1_200))
            .fact("Next import", Value::Instant(1_772_467_200));
        let stored = details.to_stored();
        assert_eq!(Details::from_stored(&stored), Some(details.clone()));
        let names = HashMap::from([(7, "Main store".to_string())]);
        let tz: Tz = "America/Toronto".parse().unwrap();
        assert_eq!(
            details.show(Lang::En, tz, &names),
            "ana@acme.example; Role: manager → admin; Active: yes; Net sales: 1,234.50 → 1.00; \
             From: Mon, Mar 2, 2026; Integration: “Main store”; Locations: 1,200; \
             Next import: Mar 2, 2026, 11:00"
        );
        assert_eq!(
            details.show(Lang::Es, tz, &HashMap::new()),
            "ana@acme.example; Rol: gerente → administrador; Activo: sí; Ventas netas: 1.234,50 → \
             1,00; Desde: lun 2 mar 2026; Integración: “una integración eliminada”; Tiendas: 1.200; \
             Próxima importación: 2 mar 2026, 11:00"
        );
        // Old entries are plain text.
        assert_eq!(Details::from_stored("ana@acme.example role=manager"), None);
        assert_eq!(Details::from_stored("{\"facts\": broken"), None);
        assert_eq!(
            show_plain_date(Lang::Es, "2026-03-02").as_deref(),
            Some("2 mar 2026")
        );
        assert_eq!(show_plain_date(Lang::En, "1001"), None);
    }
}
