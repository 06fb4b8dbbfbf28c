//! Integration alerts: when an integration needs attention (Shopify refused the token, a
//! scope is missing, the shop is frozen or gone, the API version is no longer answered, or
//! imports have failed for an hour) its tenant's admins, and staff who asked for every
//! tenant's, get one mail saying what happened and what to do; one more when it recovers.
//! The cause last mailed about is remembered per integration, so a cause is told once until
//! it changes, however often the check runs.
//!
//! An API version Shopify no longer answers does not stop imports (Shopify answers with the
//! oldest version it supports), but what its answers hold may change under TMAS: the admins
//! are told, and the fix is the operator's (the `shopify_api_version` setting).

use askama::Template;

use super::compose::{Composed, MailLayout};
use crate::db::alerts::{self as store, Watched};
use crate::db::mail::MailKind;
use crate::db::{self, TenantId};
use crate::domain::integration::IntegrationStatus;
use crate::i18n::{self, Lang};
use crate::state::AppState;

/// Failed runs for this long, without a success between, make an alert.
pub const FAILING_FOR_SECS: i64 = 60 * 60;

/// The cause of the remembered kind: '' when healthy, `attention:<reason>` when the worker
/// stopped the integration (its reason, so a new reason is a new cause), `failing` while its
/// imports keep failing (whatever their errors, so a changing error does not make a flood),
/// `version:<answered>` while Shopify answers with another API version than `asked`.
pub fn cause(watched: &Watched, at: i64, asked: &str) -> String {
    match watched.status {
        IntegrationStatus::Attention => format!("attention:{}", watched.status_reason),
        IntegrationStatus::Active
            if watched
                .failing_since
                .is_some_and(|since| since <= at - FAILING_FOR_SECS) =>
        {
            "failing".into()
        }
        IntegrationStatus::Active => match watched.api_version_answered.as_deref() {
            Some(answered) if !answered.is_empty() && answered != asked => {
                format!("version:{answered}")
            }
            _ => String::new(),
        },
        IntegrationStatus::Draft | IntegrationStatus::Deactivated => String::new(),
    }
}

/// What one check did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// (integration, new cause) for every change that was mailed about.
    pub changes: Vec<(i64, String)>,
    pub mails_queued: usize,
}

/// Compares every integration's cause with the one last mailed about and queues the mails
/// each change calls for. Does nothing when mail is off (causes are then remembered when it
/// is on again, and only what changes after is mailed).
pub async fn check(state: &AppState) -> anyhow::Result<Checked> {
    let mut checked = Checked::default();
    let Some(config) = state.mail.config() else {
        return Ok(checked);
    };
    let at = db::now();
    let asked = state.settings.shopify_api_version.as_str();
    for watched in store::watched(&state.db).await? {
        let new = cause(&watched, at, asked);
        let old = watched.alerted.clone();
        if old.as_deref() == Some(new.as_str()) {
            continue;
        }
        let tenant = TenantId(watched.tenant_id);
        if !store::claim_change(&state.db, tenant, watched.id, old.as_deref(), &new).await? {
            continue; // Another worker took this change.
        }
        // Healthy at first sight, or switched off by an admin: nothing to tell.
        let recovered = !old.as_deref().unwrap_or_default().is_empty() && new.is_empty();
        if (new.is_empty() && !recovered)
            || (recovered && watched.status != IntegrationStatus::Active)
        {
            continue;
        }
        let link = config
            .public_url()
            .link(&format!("/admin/integrations/{}", watched.id));
        for recipient in store::recipients(&state.db, tenant).await? {
            let layout = MailLayout {
                lang: Lang::from_code(&recipient.language).unwrap_or_default(),
                tenant_name: watched.tenant_name.clone(),
            };
            let message = if recovered {
                recovery_message(&layout, &watched, &link)?
            } else if let Some(answered) = new.strip_prefix("version:") {
                version_message(&layout, &watched, &link, asked, answered)?
            } else {
                alert_message(&layout, &watched, &link)?
            };
            super::outbox::queue(
                state,
                Some(tenant),
                MailKind::Alert,
                &recipient.email,
                &message,
            )
            .await?;
            checked.mails_queued += 1;
        }
        tracing::info!(tenant = watched.tenant_id, integration = watched.id, cause = %new, "integration alert");
        checked.changes.push((watched.id, new));
    }
    Ok(checked)
}

#[derive(Template)]
#[template(path = "mail_alert.txt")]
struct AlertText<'a> {
    layout: &'a MailLayout,
    label: &'a str,
    what: &'a str,
    todo: &'a str,
    link: &'a str,
    recovered: bool,
}

#[derive(Template)]
#[template(path = "mail_alert.html")]
struct AlertHtml<'a> {
    layout: &'a MailLayout,
    label: &'a str,
    what: &'a str,
    todo: &'a str,
    link: &'a str,
    recovered: bool,
}

fn compose(
    layout: &MailLayout,
    subject: String,
    label: &str,
    what: &str,
    todo: &str,
    link: &str,
    recovered: bool,
) -> Result<Composed, askama::Error> {
    Ok(Composed {
        lang: layout.lang,
        subject: format!("{} · {subject}", layout.tenant_name),
        text: AlertText {
            layout,
            label,
            what,
            todo,
            link,
            recovered,
        }
        .render()?,
        html: AlertHtml {
            layout,
            label,
            what,
            todo,
            link,
            recovered,
        }
        .render()?,
    })
}

fn alert_message(
    layout: &MailLayout,
    watched: &Watched,
    link: &str,
) -> Result<Composed, askama::Error> {
    let lang = layout.lang;
    let (what, todo) = if watched.status == IntegrationStatus::Attention {
        let reason = if watched.status_reason.is_empty() {
            layout.t("Shopify refused what imports need.")
        } else {
            i18n::plain_reason(lang, &watched.status_reason)
        };
        (
            reason,
            layout.t(
                "Imports are stopped. Open the integration, do what it asks (new credentials, a missing permission, the shop's Shopify plan), then choose Test the connection: imports start again and catch up.",
            ),
        )
    } else {
        let error = watched
            .last_error
            .as_deref()
            .map(|e| i18n::plain_reason(lang, e))
            .unwrap_or_default();
        (
            layout.t1("Imports have failed for more than an hour. The last error: {}", error),
            layout.t(
                "TMAS keeps trying on schedule. Open the integration to see each run's error; if Shopify is not at fault, contact TMAS support.",
            ),
        )
    };
    let subject = layout.t1("The Shopify integration {} needs attention", &watched.label);
    compose(layout, subject, &watched.label, &what, &todo, link, false)
}

/// Shopify answers with another API version than TMAS asks for: imports go on, the fix is
/// the operator's.
fn version_message(
    layout: &MailLayout,
    watched: &Watched,
    link: &str,
    asked: &str,
    answered: &str,
) -> Result<Composed, askama::Error> {
    let what = layout
        .t("Shopify no longer answers the API version TMAS asks for ({}): it answered with {}. Imports go on, but what Shopify's answers hold may change.")
        .replacen("{}", asked, 1)
        .replacen("{}", answered, 1);
    let todo = layout.t(
        "Nothing to change in Shopify. TMAS's operator moves TMAS to a version Shopify supports (the Shopify API version setting); contact TMAS support if this mail comes again tomorrow.",
    );
    let subject = layout.t1("The Shopify integration {} needs attention", &watched.label);
    compose(layout, subject, &watched.label, &what, &todo, link, false)
}

fn recovery_message(
    layout: &MailLayout,
    watched: &Watched,
    link: &str,
) -> Result<Composed, askama::Error> {
    let subject = layout.t1("The Shopify integration {} imports again", &watched.label);
    let what = layout.t("It imports on schedule again and catches up on what it missed.");
    compose(layout, subject, &watched.label, &what, "", link, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(status: IntegrationStatus, reason: &str, failing_since: Option<i64>) -> Watched {
        Watched {
            tenant_id: 1,
            id: 2,
            label: "Main shop".into(),
            tenant_name: "Acme".into(),
            status,
            status_reason: reason.into(),
            alerted: None,
            failing_since,
            last_error: None,
            api_version_answered: None,
        }
    }

    #[test]
    fn causes() {
        let at = 1_000_000;
        let asked = "2026-10";
        assert_eq!(
            cause(&watched(IntegrationStatus::Active, "", None), at, asked),
            ""
        );
        assert_eq!(
            cause(
                &watched(IntegrationStatus::Active, "", Some(at - 3599)),
                at,
                asked
            ),
            ""
        );
        assert_eq!(
            cause(
                &watched(IntegrationStatus::Active, "", Some(at - 3600)),
                at,
                asked
            ),
            "failing"
        );
        assert_eq!(
            cause(
                &watched(
                    IntegrationStatus::Attention,
                    "Shopify refused the token.",
                    None
                ),
                at,
                asked
            ),
            "attention:Shopify refused the token."
        );
        assert_eq!(
            cause(
                &watched(IntegrationStatus::Deactivated, "", Some(0)),
                at,
                asked
            ),
            ""
        );
        // Shopify answering with another version than the one asked.
        let mut retired = watched(IntegrationStatus::Active, "", None);
        retired.api_version_answered = Some("2027-01".into());
        assert_eq!(cause(&retired, at, asked), "version:2027-01");
        assert_eq!(cause(&retired, at, "2027-01"), "", "the version asked");
        retired.failing_since = Some(at - 3600);
        assert_eq!(cause(&retired, at, asked), "failing", "failing comes first");
        retired.status = IntegrationStatus::Attention;
        assert!(cause(&retired, at, asked).starts_with("attention:"));
        retired.status = IntegrationStatus::Deactivated;
        assert_eq!(cause(&retired, at, asked), "");
    }
}
