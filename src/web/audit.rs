//! The audit-log page: a tenant's log for its admins (and staff acting in it); everything for
//! staff outside a tenant. Entries are stored with an action code and their details as facts
//! (`audit_details`), read in the reader's language; older entries hold English text, shown
//! with integrations by name, yes/no for stored flags and dates as the language writes them.
//! Times are in the tenant's time zone.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono_tz::Tz;

use super::AppState;
use super::audit_details::Details;
use super::context::{CurrentUser, Layout};
use crate::db;
use crate::db::audit::AuditEntry;
use crate::domain::account::Role;
use crate::error::{AppError, AppResult, render};
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(page))
}

const SHOWN: i64 = 500;

/// An entry as people read it.
pub struct EntryView {
    pub when: String,
    /// The tenant the entry belongs to, for staff reading every tenant's entries.
    pub tenant: String,
    pub who: String,
    pub acting_staff: bool,
    pub action: String,
    /// One fact a line: a list, not a run-on paragraph.
    pub details: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<EntryView>,
    time_zone: String,
    /// Staff outside a tenant read every tenant's entries: each says whose it is.
    show_tenant: bool,
}

/// What an action code means, in the catalog's English.
pub fn action_text(action: &str) -> &'static str {
    match action {
        "data.edit" => "Corrected hourly data",
        "import.backfill" => "Re-imported history",
        "import.now" => "Started an import",
        "integration.activate" => "Finished the Shopify setup",
        "integration.credentials.replace" => "Replaced the Shopify credentials",
        "integration.deactivate" => "Switched off an integration",
        "integration.delete" => "Deleted an integration",
        "integration.discard" => "Discarded an unfinished setup",
        "integration.location.match" => "Matched a location to Shopify",
        "integration.location.disable" => "Stopped importing a location",
        "integration.location.enable" => "Started importing a location",
        "integration.locations" | "integration.wizard.locations" => {
            "Changed the locations to import"
        }
        "integration.resume" => "Resumed imports after fixing the credentials",
        "integration.reactivate" => "Switched an integration back on",
        "integration.schedule" => "Changed the import schedule",
        "integration.test" => "Tested the Shopify connection",
        "integration.reconciliation_check" => "Asked for a check against Shopify's report",
        "integration.wizard.confirm" => "Confirmed the locations to import",
        "integration.wizard.general" => "Entered the Shopify store",
        "integration.wizard.schedule" => "Chose the import schedule",
        "location.create" => "Added a location",
        "location.update" => "Changed a location",
        "traffic.import" => "Imported traffic from a file",
        "api_key.create" => "Created an API key",
        "api_key.revoke" => "Revoked an API key",
        "user.create" => "Added a user",
        "user.update" => "Changed a user",
        "user.delete" => "Deleted a user",
        "user.reset_password" => "Reset a user's password",
        "user.change_password" => "Changed their own password",
        "user.password_reset_requested" => "A password-reset link was asked for by mail",
        "user.password_reset_by_link" => "Chose a new password through a mailed link",
        "user.alert_mail" => "Changed which integration alerts they get by mail",
        "user.digests" => "Changed which digests they get by mail",
        "tenant.create" => "Created a tenant",
        "tenant.update" => "Changed a tenant",
        "staff.enter_tenant" => "Onboarding staff entered the tenant",
        "staff.leave_tenant" => "Onboarding staff left the tenant",
        "setup.first_staff_account" => "Created the first staff account",
        "user.sign_in" => "Signed in",
        "user.create_refused" => "Tried to add a user with an address that cannot be used",
        "secret_key.reset" => {
            "The operator replaced the secret key; the Shopify credentials must be entered again"
        }
        _ => "Other action",
    }
}

/// The stored details in plain words: `integration 7` becomes the integration's name, stored
/// flags (`0`, `1`, `true`, `false`) become yes/no, and field names become words.
pub fn plain_details(details: &str, integrations: &HashMap<i64, String>) -> String {
    let yes = i18n::t("yes");
    let no = i18n::t("no");
    let mut words: Vec<String> = Vec::new();
    let mut tokens = details.split(' ').peekable();
    let mut after_flag = false;
    while let Some(token) = tokens.next() {
        // `integration 7:` / `integration 7`
        if token == "integration"
            && let Some(next) = tokens.peek()
        {
            let digits: String = next.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(id) = digits.parse::<i64>() {
                let rest = &next[digits.len()..];
                let name = integrations
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| i18n::t("a deleted integration"));
                words.push(format!("“{name}”{rest}"));
                tokens.next();
                continue;
            }
        }
        let (core, punctuation) = match token.strip_suffix(',') {
            Some(core) => (core, ","),
            None => (token, ""),
        };
        let word = match core {
            "may_edit_manually" => {
                after_flag = true;
                i18n::t("may correct data by hand")
            }
            "active" => {
                after_flag = true;
                i18n::t("active")
            }
            "role" => i18n::t("role"),
            "->" => "→".to_string(),
            "0" | "false" if after_flag => no.clone(),
            "1" | "true" if after_flag => yes.clone(),
            other => {
                if let Some(value) = other.strip_prefix("may_edit_manually=") {
                    let flag = if matches!(value, "1" | "true") {
                        &yes
                    } else {
                        &no
                    };
                    format!("{}: {flag}", i18n::t("may correct data by hand"))
                } else if let Some(value) = other.strip_prefix("role=") {
                    format!("{} {}", i18n::t("role"), i18n::t(value))
                } else if let Some(value) = other.strip_prefix("name=") {
                    // An old "Created a tenant" entry: `name=Acme Corp plan=retail`.
                    format!("{}: {value}", i18n::t("Tenant"))
                } else if let Some(value) = other.strip_prefix("plan=") {
                    let plan = format!("{}: {}", i18n::t("Plan"), i18n::t(value));
                    if words.is_empty() {
                        plan
                    } else {
                        format!("; {plan}")
                    }
                } else if let Some(date) =
                    super::audit_details::show_plain_date(i18n::current(), other)
                {
                    date
                } else {
                    other.to_string()
                }
            }
        };
        if punctuation == "," {
            after_flag = false;
        }
        words.push(format!("{word}{punctuation}"));
    }
    words.join(" ").replace(" ; ", "; ")
}

fn when(at: i64, tz: Tz) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| i18n::format_date_time(i18n::current(), t.with_timezone(&tz).naive_local()))
        .unwrap_or_default()
}

/// Each integration's name (its label, else its Shopify store) by id.
async fn integration_names(
    state: &AppState,
    tenant: db::TenantId,
    names: &mut HashMap<i64, String>,
) -> AppResult<()> {
    for i in db::integrations::list(&state.db, tenant).await? {
        let name = if i.label.is_empty() {
            i.store_name.to_string()
        } else {
            i.label.clone()
        };
        names.insert(i.id, name);
    }
    Ok(())
}

/// One entry as the page shows it. `tz` is the zone of entries without a known tenant;
/// `tenants` gives each tenant's name and zone (staff reading every tenant's entries).
fn entry_view(
    e: AuditEntry,
    tz: Tz,
    tenants: &HashMap<i64, (String, Tz)>,
    integrations: &HashMap<i64, String>,
) -> EntryView {
    // Every time in its tenant's time zone; staff's own entries in UTC.
    let zone = e
        .tenant_id
        .and_then(|id| tenants.get(&id))
        .map_or(tz, |(_, zone)| *zone);
    EntryView {
        when: when(e.at, zone),
        tenant: match e.tenant_id {
            Some(id) => tenants
                .get(&id)
                .map(|(name, zone)| format!("{name} ({})", zone.name()))
                .unwrap_or_else(|| i18n::t("a deleted tenant")),
            None => i18n::t("TMAS (no tenant)"),
        },
        who: if e.actor_email == db::audit::COMMAND_LINE_OPERATOR {
            i18n::t(&e.actor_email)
        } else {
            e.actor_email
        },
        acting_staff: e.acting_staff == 1,
        action: action_text(&e.action).to_string(),
        // Entries written as facts read in the reader's language; older ones were
        // stored as English text and keep their words.
        details: match Details::from_stored(&e.details) {
            Some(details) => details.show_each(i18n::current(), zone, integrations),
            None => i18n::t(&plain_details(&e.details, integrations))
                .split("; ")
                .filter(|fact| !fact.is_empty())
                .map(str::to_string)
                .collect(),
        },
    }
}

async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let mut integrations = HashMap::new();
    // Staff reading every tenant's entries: each tenant's name and time zone.
    let mut tenants: HashMap<i64, (String, Tz)> = HashMap::new();
    let (entries, tz) = match (user.user.role(), user.tenant_id()) {
        (Role::Manager, _) => {
            return Err(AppError::Forbidden(
                "Only the tenant's administrators can read the audit log.".into(),
            ));
        }
        (_, Some(tenant)) => {
            let tz = db::tenants::get(&state.db, tenant)
                .await?
                .and_then(|t| t.time_zone.parse::<Tz>().ok())
                .unwrap_or(chrono_tz::UTC);
            integration_names(&state, tenant, &mut integrations).await?;
            (
                db::audit::list_for_tenant(&state.db, tenant, SHOWN).await?,
                tz,
            )
        }
        (Role::Staff, None) => {
            // Every tenant's entries: integrations by name and each entry's tenant, so
            // that nothing reads as "a deleted integration" or lacks its owner.
            for t in db::tenants::list(&state.db).await? {
                integration_names(&state, t.tenant_id(), &mut integrations).await?;
                let zone = t.time_zone.parse::<Tz>().unwrap_or(chrono_tz::UTC);
                tenants.insert(t.id, (t.name, zone));
            }
            (db::audit::list_all(&state.db, SHOWN).await?, chrono_tz::UTC)
        }
        (Role::Admin, None) => return Err(AppError::NotFound),
    };
    let show_tenant = user.tenant_id().is_none();
    let entries = entries
        .into_iter()
        .map(|e| entry_view(e, tz, &tenants, &integrations))
        .collect();
    Ok(render(&AuditPage {
        layout: user.layout(&state).await?,
        entries,
        time_zone: if show_tenant {
            String::new()
        } else {
            tz.name().to_string()
        },
        show_tenant,
    })?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_in_plain_words() {
        let names = HashMap::from([(1, "Main store".to_string())]);
        assert_eq!(
            plain_details(
                "ana@acme.example: role manager -> admin, active 1 -> true, may_edit_manually 0 -> true",
                &names
            ),
            "ana@acme.example: role manager → admin, active yes → yes, may correct data by hand no → yes"
        );
        assert_eq!(
            plain_details("integration 1: 2 locations to import", &names),
            "“Main store”: 2 locations to import"
        );
        assert_eq!(
            plain_details("integration 9", &names),
            "“a deleted integration”"
        );
        assert_eq!(
            plain_details(
                "bo@acme.example role=manager may_edit_manually=false",
                &names
            ),
            "bo@acme.example role manager may correct data by hand: no"
        );
        assert_eq!(
            plain_details("name=Acme Corp plan=retail", &names),
            "Tenant: Acme Corp; Plan: retail"
        );
        assert_eq!(
            action_text("integration.wizard.general"),
            "Entered the Shopify store"
        );
    }
}
