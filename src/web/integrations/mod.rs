//! Administration → POS integration: the Shopify setup wizard (one page per step, progress
//! saved as a draft after each) and each integration's page with its life: locations on and
//! off, deactivate and reactivate, schedule, credentials, connection test, delete.

mod general;
mod life;
mod list;
mod matching;
pub mod reconciliation;
mod schedule;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use std::time::Duration;

use super::AppState;
use super::context::{Layout, TenantAdmin};
use crate::crypto::StoredCredentials;
use crate::db;
use crate::db::integrations::{Integration, VerifiedShop};
use crate::domain::integration::WizardStep;
use crate::domain::integration_setup::{ALL_ORDERS_SCOPE, REQUIRED_SCOPES, RETURNS_SCOPE};
use crate::domain::store_name::StoreName;
use crate::error::{AppError, AppResult, render};
use crate::shopify::{ClientConfig, Location, RetryPolicy, ShopifyClient, ShopifyError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/integrations", get(list::list))
        .route(
            "/admin/integrations/shopify/new",
            get(general::start).post(general::create),
        )
        .route("/admin/integrations/{id}", get(life::page))
        .route(
            "/admin/integrations/{id}/wizard/general",
            get(general::edit_page).post(general::edit),
        )
        .route(
            "/admin/integrations/{id}/wizard/locations",
            get(matching::page).post(matching::save),
        )
        .route(
            "/admin/integrations/{id}/wizard/locations/create",
            post(matching::create_location),
        )
        .route(
            "/admin/integrations/{id}/wizard/confirm",
            get(matching::confirm_page).post(matching::confirm),
        )
        .route(
            "/admin/integrations/{id}/wizard/schedule",
            get(schedule::page).post(schedule::save),
        )
        .route(
            "/admin/integrations/{id}/wizard/finish",
            get(schedule::finish_page).post(schedule::finish),
        )
        .route("/admin/integrations/{id}/discard", post(list::discard))
        .route(
            "/admin/integrations/{id}/locations/{location}/enable",
            post(life::enable_location),
        )
        .route(
            "/admin/integrations/{id}/locations/{location}/disable",
            post(life::disable_location),
        )
        .route(
            "/admin/integrations/{id}/deactivate",
            post(life::deactivate),
        )
        .route(
            "/admin/integrations/{id}/reactivate",
            post(life::reactivate),
        )
        .route("/admin/integrations/{id}/test", post(life::test_connection))
        .route(
            "/admin/integrations/{id}/reconciliation",
            post(reconciliation::check_now),
        )
        .route(
            "/admin/integrations/{id}/credentials",
            get(life::credentials_page).post(life::replace_credentials),
        )
        .route(
            "/admin/integrations/{id}/delete",
            get(life::delete_page).post(life::delete),
        )
}

/// The tenant's integration, or 404 (also for another tenant's id).
async fn load(state: &AppState, admin: &TenantAdmin, id: i64) -> AppResult<Integration> {
    db::integrations::get(&state.db, admin.0.tenant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

fn integration_url(id: i64) -> String {
    format!("/admin/integrations/{id}")
}

fn step_url(id: i64, step: WizardStep) -> String {
    if step.has_page() {
        format!("/admin/integrations/{id}/wizard/{}", step.as_str())
    } else {
        integration_url(id)
    }
}

/// Where a draft stands: its current step's page.
fn resume_url(integration: &Integration) -> String {
    if integration.is_draft() {
        step_url(integration.id, integration.wizard_step)
    } else {
        integration_url(integration.id)
    }
}

/// Sends a request for a step the draft has not reached yet back to where it stands.
fn guard_step(integration: &Integration, step: WizardStep) -> Option<Response> {
    if integration.is_draft() && step.number() > integration.step_number() {
        return Some(Redirect::to(&resume_url(integration)).into_response());
    }
    None
}

/// The tenant's time zone (UTC if the stored name is unknown).
fn tenant_tz(admin: &TenantAdmin) -> Tz {
    admin.0.tenant.time_zone.parse::<Tz>().unwrap_or(Tz::UTC)
}

fn today_in(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

/// "Step 2 of 5" and the list of steps, earlier ones as links.
pub struct Steps {
    pub current: usize,
    pub items: Vec<StepItem>,
}

pub struct StepItem {
    pub number: usize,
    pub title: &'static str,
    pub href: Option<String>,
    pub state: &'static str,
}

impl Steps {
    pub const TOTAL: usize = WizardStep::PAGES.len();

    /// Steps for a page showing `current`; with a draft, the steps it reached are links.
    fn new(current: WizardStep, integration: Option<&Integration>) -> Steps {
        let current_n = current.number();
        let reached = integration.map_or(1, |i| i.step_number()).max(current_n);
        let titles = [
            "Store and credentials",
            "Locations",
            "Confirm locations",
            "Schedule",
            "Finish",
        ];
        let items = WizardStep::PAGES
            .iter()
            .zip(titles)
            .enumerate()
            .map(|(i, (step, title))| {
                let number = i + 1;
                let state = if number == current_n {
                    "current"
                } else if number < reached {
                    "done"
                } else {
                    "todo"
                };
                let href = match integration {
                    Some(int) if number <= reached && number != current_n => {
                        Some(step_url(int.id, *step))
                    }
                    _ => None,
                };
                StepItem {
                    number,
                    title,
                    href,
                    state,
                }
            })
            .collect();
        Steps {
            current: current_n,
            items,
        }
    }

    pub fn total(&self) -> usize {
        Self::TOTAL
    }

    pub fn title(&self) -> &'static str {
        self.items
            .get(self.current.saturating_sub(1))
            .map_or("", |s| s.title)
    }
}

#[derive(askama::Template)]
#[template(path = "integration_plan.html")]
struct PlanPage {
    layout: Layout,
    plan: String,
}

/// Tenants below the retail plan cannot connect a POS: the page says why and what to do.
async fn refuse_plan(state: &AppState, admin: &TenantAdmin) -> AppResult<Option<Response>> {
    let plan = admin.0.tenant.plan();
    if plan.allows_pos_integration() {
        return Ok(None);
    }
    let page = PlanPage {
        layout: admin.0.layout(state).await?,
        plan: plan.as_str().to_string(),
    };
    Ok(Some(
        (axum::http::StatusCode::FORBIDDEN, render(&page)?).into_response(),
    ))
}

/// The integration for a wizard page from step 2 on, which may also be asked for a running
/// integration: a running one as it is (each page decides what to do with it); a draft only
/// while the plan allows integrations and once it reached `step`. `Err` holds the response to
/// send instead: the plan's refusal, or a redirect to where the draft stands. Another tenant's
/// id is a 404, as with `load`.
async fn load_for_step(
    state: &AppState,
    admin: &TenantAdmin,
    id: i64,
    step: WizardStep,
) -> AppResult<Result<Integration, Response>> {
    let integration = load(state, admin, id).await?;
    if integration.is_draft() {
        if let Some(refusal) = refuse_plan(state, admin).await? {
            return Ok(Err(refusal));
        }
        if let Some(redirect) = guard_step(&integration, step) {
            return Ok(Err(redirect));
        }
    }
    Ok(Ok(integration))
}

/// Why a live check failed: a message for a field of the form, or for the whole form.
#[derive(Debug, Clone)]
pub enum CheckFailure {
    /// Shopify refused the store name or the credentials: a message for that field.
    Field(&'static str, String),
    /// The app lacks access scopes imports need.
    Scopes(String),
    General(String),
}

impl CheckFailure {
    pub fn message(&self) -> &str {
        match self {
            CheckFailure::Field(_, m) | CheckFailure::Scopes(m) | CheckFailure::General(m) => m,
        }
    }

    /// Shopify refused what every import needs (the store, the credentials, a scope), so
    /// imports cannot work until someone fixes it; a network fault or an outage may pass.
    pub fn stops_imports(&self) -> bool {
        matches!(self, CheckFailure::Field(..) | CheckFailure::Scopes(_))
    }
}

/// What a successful live check found.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct ShopReport {
    pub shop_name: String,
    pub currency: String,
    pub time_zone: String,
    pub taxes_included: bool,
    pub scopes: Vec<String>,
}

impl ShopReport {
    pub fn reads_all_orders(&self) -> bool {
        self.scopes.iter().any(|s| s == ALL_ORDERS_SCOPE)
    }

    pub fn reads_returns(&self) -> bool {
        self.scopes.iter().any(|s| s == RETURNS_SCOPE)
    }

    fn verified(&self, label: &str, store: &StoreName) -> VerifiedShop {
        VerifiedShop {
            label: label.to_string(),
            store_name: store.clone(),
            shop_name: self.shop_name.clone(),
            shop_currency: self.currency.clone(),
            shop_time_zone: self.time_zone.clone(),
            taxes_included: self.taxes_included,
            scopes: self.scopes.clone(),
        }
    }
}

fn credentials_field(credentials: &StoredCredentials) -> &'static str {
    match credentials {
        StoredCredentials::AccessToken { .. } => "access_token",
        StoredCredentials::ClientCredentials { .. } => "client_secret",
    }
}

/// Turns a Shopify error met while checking a store into what the admin should do.
fn explain(
    error: ShopifyError,
    store: &StoreName,
    credentials: &StoredCredentials,
) -> CheckFailure {
    let host = format!("{}.myshopify.com", store.as_str());
    match error {
        ShopifyError::ShopNotFound => CheckFailure::Field(
            "store_name",
            format!(
                "Shopify has no store named {:?} ({host}). Check the store name: it is the \
                 first part of the store's myshopify.com address.",
                store.as_str()
            ),
        ),
        ShopifyError::CredentialsRejected => CheckFailure::Field(
            credentials_field(credentials),
            match credentials {
                StoredCredentials::AccessToken { .. } => format!(
                    "Shopify did not accept this access token for {host}. Copy the Admin API \
                     access token of the app installed on this store again (Settings → Apps → \
                     Develop apps → your app → API credentials); if it was revealed before and \
                     lost, uninstall and reinstall the app to get a new one."
                ),
                StoredCredentials::ClientCredentials { .. } => format!(
                    "Shopify did not accept this client ID and secret for {host}. Copy both \
                     again from the Dev Dashboard (your app → Settings), and check that the app \
                     is installed on this store."
                ),
            },
        ),
        ShopifyError::ScopeMissing { scope } => {
            CheckFailure::Scopes(missing_scopes_message(&[scope]))
        }
        other => CheckFailure::General(other.to_string()),
    }
}

fn missing_scopes_message(missing: &[String]) -> String {
    format!(
        "The app is not allowed to read everything TMAS needs: it lacks {}. In Shopify, open \
         the app's configuration (Admin API access scopes, or the access scopes of the Dev \
         Dashboard app's version), tick {}, save (release a new version for a Dev Dashboard \
         app), approve the update in the store, then click Next again.",
        missing.join(" and "),
        missing.join(", ")
    )
}

/// A Shopify client for a person waiting on a page: few, short retries.
fn interactive_client(
    state: &AppState,
    store: &StoreName,
    credentials: &StoredCredentials,
) -> Result<ShopifyClient, ShopifyError> {
    let config = ClientConfig {
        retry: RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            max_throttle_waits: 3,
            max_throttle_wait: Duration::from_secs(5),
        },
        request_timeout: Duration::from_secs(15),
        ..state.shopify.clone()
    };
    ShopifyClient::new(&config, store, credentials.clone().into())
}

/// Checks a store and credentials live: the shop answers, the credentials are accepted, the
/// needed scopes are granted. Also reads the shop's name, currency and time zone.
async fn check_connection(
    state: &AppState,
    store: &StoreName,
    credentials: &StoredCredentials,
) -> Result<ShopReport, CheckFailure> {
    let client = interactive_client(state, store, credentials)
        .map_err(|e| CheckFailure::General(e.to_string()))?;
    let scopes = client
        .access_scopes()
        .await
        .map_err(|e| explain(e, store, credentials))?;
    let missing: Vec<String> = REQUIRED_SCOPES
        .iter()
        .filter(|s| !scopes.iter().any(|g| g == *s))
        .map(|s| s.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(CheckFailure::Scopes(missing_scopes_message(&missing)));
    }
    let shop = client
        .shop()
        .await
        .map_err(|e| explain(e, store, credentials))?;
    Ok(ShopReport {
        shop_name: shop.name,
        currency: shop.currency_code,
        time_zone: shop.iana_timezone,
        taxes_included: shop.taxes_included,
        scopes,
    })
}

/// The shop's locations, read live with the integration's stored credentials.
async fn shop_locations(
    state: &AppState,
    integration: &Integration,
) -> Result<Vec<Location>, String> {
    let credentials = StoredCredentials::open(&state.secret_key, &integration.credentials_enc)
        .map_err(|_| {
            "The stored credentials cannot be read (the secret key changed?). Enter them again."
                .to_string()
        })?;
    let store = &integration.store_name;
    let client = interactive_client(state, store, &credentials).map_err(|e| e.to_string())?;
    let mut locations = client
        .locations()
        .await
        .map_err(|e| explain(e, store, &credentials).message().to_string())?;
    locations.sort_by(|a, b| a.name.cmp(&b.name).then(a.legacy_id.cmp(&b.legacy_id)));
    Ok(locations)
}
