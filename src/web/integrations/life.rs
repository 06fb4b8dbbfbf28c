//! An integration's page and its life after the wizard: status at a glance, locations on and
//! off, deactivate and reactivate, new credentials, connection test, delete.

use crate::web::audit_details::{Details, Value};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::general::{GeneralForm, to_stored};
use super::list::status_text;
use super::{
    CheckFailure, ShopReport, check_connection, integration_url, load, resume_url, tenant_tz,
};
use crate::crypto::StoredCredentials;
use crate::db;
use crate::db::integrations::{Integration, LocationMatch};
use crate::domain::import_run::{RunState, Trigger};
use crate::domain::integration::{IntegrationStatus, RunRequest};
use crate::domain::integration_setup::CredentialsInput;
use crate::error::{AppError, AppResult, render};
use crate::web::AppState;
use crate::web::context::{FormErrors, Layout, TenantAdmin};

/// The outcome of "Test the connection", kept in the session across the redirect that ends
/// the test (POST/redirect/GET) and shown once by the integration's page.
#[derive(serde::Serialize, Deserialize)]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
    pub report: Option<ShopReport>,
}

pub struct LastRun {
    pub started: String,
    pub finished: String,
    pub outcome: RunState,
    pub trigger: Trigger,
    pub orders: i64,
    pub refunds: i64,
    pub error: String,
}

impl LastRun {
    pub fn trigger_label(&self) -> &'static str {
        crate::web::imports::trigger_label(self.trigger)
    }
    pub fn outcome_label(&self) -> &'static str {
        crate::web::imports::run_state_label(self.outcome)
    }
    /// The run's error in the reader's language, without the HTTP status it carries.
    pub fn error_text(&self) -> String {
        crate::i18n::plain_reason(
            crate::i18n::current(),
            &crate::i18n::split_support_detail(&self.error).0,
        )
    }
    /// The technical detail of the run's error, for support only (English, internal).
    pub fn error_support(&self) -> Option<String> {
        crate::i18n::split_support_detail(&self.error).1
    }
}

/// A stored `YYYY-MM-DD` date written for people in the request's language.
pub(super) fn people_date(date: Option<chrono::NaiveDate>) -> String {
    date.map(|d| crate::i18n::format_date(crate::i18n::current(), d))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "integration.html")]
struct IntegrationPage {
    layout: Layout,
    integration: Integration,
    status_text: &'static str,
    matches: Vec<LocationMatch>,
    last_run: Option<LastRun>,
    next_run: String,
    schedule: String,
    time_zone: String,
    manual_editors: i64,
    notice: Option<&'static str>,
    test: Option<TestResult>,
    /// Shopify answered with another Admin API version than the one TMAS asks for.
    api_version: Option<VersionMismatch>,
    /// The section "Checked against Shopify's report", rendered by its own module.
    reconciliation: String,
}

struct VersionMismatch {
    answered: String,
    asked: String,
}

impl IntegrationPage {
    fn backfill_from(&self) -> String {
        people_date(self.integration.backfill_from)
    }

    /// Why the integration needs attention, in the reader's words without the HTTP status.
    fn reason_text(&self) -> String {
        crate::i18n::plain_reason(crate::i18n::current(), &self.integration.status_reason)
    }

    /// What a requested run is, in the reader's words.
    fn requested_text(&self, request: &RunRequest) -> String {
        use crate::i18n;
        match request {
            RunRequest::Initial => i18n::fill(
                i18n::current(),
                "first import from {}",
                &[self.backfill_from()],
            ),
            RunRequest::CatchUp => i18n::t("catch-up"),
            RunRequest::Manual => i18n::t(crate::web::imports::trigger_label(Trigger::Manual)),
            RunRequest::Backfill => i18n::t(crate::web::imports::trigger_label(Trigger::Backfill)),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    notice: String,
}

/// Messages after an action; only these fixed texts are ever shown.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "started" => "Shopify is connected. The first import is queued and starts right away.",
        "schedule" => "The schedule is saved.",
        "locations" => "The location matching is saved.",
        "credentials" => {
            "The new credentials are accepted and stored. A catch-up import is queued."
        }
        "credentials_kept" => "The new credentials are accepted and stored.",
        "deactivated" => {
            "The integration is deactivated: nothing is imported until you reactivate it. Imported data is kept."
        }
        "reactivated" => {
            "The integration is active again: the next import runs at its scheduled time and catches up."
        }
        "enabled" => "The location is imported again from the next import on.",
        "disabled" => "The location is no longer imported. Its imported data is kept.",
        "check_queued" => "The check against Shopify's report is queued and runs within a minute.",
        _ => return None,
    })
}

async fn render_page(
    state: &AppState,
    admin: &TenantAdmin,
    integration: Integration,
    notice: Option<&'static str>,
    test: Option<TestResult>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let tz = tenant_tz(admin);
    let matches = db::integrations::matches(&state.db, tenant, integration.id).await?;
    let last_run = db::integrations::latest_run(&state.db, tenant, integration.id)
        .await?
        .map(|r| LastRun {
            started: crate::i18n::format_instant(crate::i18n::current(), r.started_at, tz),
            finished: r
                .finished_at
                .map(|t| crate::i18n::format_instant(crate::i18n::current(), t, tz))
                .unwrap_or_default(),
            outcome: r.outcome,
            trigger: r.trigger,
            orders: r.orders_stored,
            refunds: r.refunds_stored,
            error: r.error,
        });
    let next_run = match (integration.status, integration.next_run_at) {
        (IntegrationStatus::Active, Some(at)) if at <= Utc::now().timestamp() => {
            "as soon as possible".into()
        }
        (IntegrationStatus::Active, Some(at)) => {
            crate::i18n::format_instant(crate::i18n::current(), at, tz)
        }
        _ => String::new(),
    };
    let asked = &state.settings.shopify_api_version;
    let api_version = db::imports::api_version_answered(&state.db, tenant, integration.id)
        .await?
        .filter(|answered| !answered.eq_ignore_ascii_case(asked))
        .map(|answered| VersionMismatch {
            answered,
            asked: asked.clone(),
        });
    let layout = admin.0.layout(state).await?;
    let reconciliation =
        super::reconciliation::section(state, tenant, &integration, &matches, tz, &layout.csrf)
            .await?;
    let page = IntegrationPage {
        api_version,
        reconciliation,
        layout,
        status_text: status_text(
            integration.status,
            db::integrations::running(&state.db, tenant, db::now())
                .await?
                .contains(&integration.id),
        ),
        schedule: integration.schedule.describe(),
        time_zone: tz.name().to_string(),
        manual_editors: db::users::count_manual_editors(&state.db, tenant).await?,
        integration,
        matches,
        last_run,
        next_run,
        notice,
        test,
    };
    Ok(render(&page)?.into_response())
}

pub async fn page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let integration = load(&state, &admin, id).await?;
    if integration.is_draft() {
        return Ok(Redirect::to(&resume_url(&integration)).into_response());
    }
    let test = admin
        .0
        .current
        .session
        .remove::<TestResult>(&test_result_key(id))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    render_page(
        &state,
        &admin,
        integration,
        notice_text(&query.notice),
        test,
    )
    .await
}

/// A running (not draft) integration of the tenant, or 404.
async fn load_running(state: &AppState, admin: &TenantAdmin, id: i64) -> AppResult<Integration> {
    let integration = load(state, admin, id).await?;
    if integration.is_draft() {
        return Err(AppError::NotFound);
    }
    Ok(integration)
}

async fn set_enabled(
    state: &AppState,
    admin: &TenantAdmin,
    id: i64,
    location: i64,
    enabled: bool,
) -> AppResult<Response> {
    load_running(state, admin, id).await?;
    let tenant = admin.0.tenant_id();
    let Some(m) = db::integrations::matches(&state.db, tenant, id)
        .await?
        .into_iter()
        .find(|m| m.location_id == location)
    else {
        return Err(AppError::NotFound);
    };
    db::integrations::set_location_enabled(&state.db, tenant, id, location, enabled).await?;
    let (action, notice) = if enabled {
        ("integration.location.enable", "enabled")
    } else {
        ("integration.location.disable", "disabled")
    };
    admin
        .0
        .audit(
            state,
            action,
            &Details::new()
                .subject(Value::Integration(id))
                .fact(
                    "Location",
                    Value::Text(format!(
                        "{} → Shopify {}",
                        m.location_code, m.shopify_location_id
                    )),
                )
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}?notice={notice}", integration_url(id))).into_response())
}

pub async fn enable_location(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((id, location)): Path<(i64, i64)>,
) -> AppResult<Response> {
    set_enabled(&state, &admin, id, location, true).await
}

pub async fn disable_location(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((id, location)): Path<(i64, i64)>,
) -> AppResult<Response> {
    set_enabled(&state, &admin, id, location, false).await
}

pub async fn deactivate(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    let export = running_export(&state, &admin, id).await?;
    if db::integrations::deactivate(&state.db, admin.0.tenant_id(), id).await? {
        admin
            .0
            .audit(
                &state,
                "integration.deactivate",
                &Details::new()
                    .subject(Value::Integration(id))
                    .fact(
                        "Shopify store",
                        Value::Text(integration.store_name.to_string()),
                    )
                    .fact("Status", Value::Word(integration.status.as_str().into()))
                    .fact_if_some(
                        "Bulk export being canceled",
                        export.clone().map(Value::Text),
                    )
                    .to_stored(),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("{}?notice=deactivated", integration_url(id))).into_response())
}

pub async fn reactivate(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    let next = integration
        .schedule
        .next_after(Utc::now(), tenant_tz(&admin))
        .timestamp();
    if db::integrations::reactivate(&state.db, admin.0.tenant_id(), id, next).await? {
        admin
            .0
            .audit(
                &state,
                "integration.reactivate",
                &Details::new()
                    .subject(Value::Integration(id))
                    .fact(
                        "Shopify store",
                        Value::Text(integration.store_name.to_string()),
                    )
                    .fact("Next import", Value::Instant(next))
                    .to_stored(),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("{}?notice=reactivated", integration_url(id))).into_response())
}

pub async fn test_connection(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    let mut result = run_test(&state, &admin, &integration, id).await?;
    admin
        .0
        .audit(
            &state,
            "integration.test",
            &test_details(id, result.ok).to_stored(),
        )
        .await?;
    // Credentials that work again (e.g. the right key file restored) end "needs attention".
    if result.ok
        && db::integrations::resume_after_successful_test(&state.db, admin.0.tenant_id(), id)
            .await?
    {
        admin
            .0
            .audit(
                &state,
                "integration.resume",
                &Details::new().subject(Value::Integration(id)).to_stored(),
            )
            .await?;
        result.message =
            "The stored credentials work again: the integration is active and a catch-up import is queued."
                .into();
    }
    admin
        .0
        .current
        .session
        .insert(&test_result_key(id), result)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to(&integration_url(id)).into_response())
}

/// Tests the integration's stored credentials against Shopify; a failure that stops imports
/// stops the integration at once.
async fn run_test(
    state: &AppState,
    admin: &TenantAdmin,
    integration: &Integration,
    id: i64,
) -> AppResult<TestResult> {
    Ok(
        match StoredCredentials::open(&state.secret_key, &integration.credentials_enc) {
            Ok(credentials) => {
                match check_connection(state, &integration.store_name, &credentials).await {
                    Ok(report) => TestResult {
                        ok: true,
                        message: format!(
                            "Connected to {:?}: the credentials are accepted and the app may \
                             read orders and locations.",
                            report.shop_name
                        ),
                        report: Some(report),
                    },
                    Err(failure) => {
                        // Shown at once on this page's badge and the dashboard, not only when
                        // the next run fails; a passing test later resumes it.
                        if failure.stops_imports() {
                            db::integrations::stop_after_failed_test(
                                &state.db,
                                admin.0.tenant_id(),
                                id,
                                failure.message(),
                            )
                            .await?;
                        }
                        TestResult {
                            ok: false,
                            message: failure.message().to_string(),
                            report: None,
                        }
                    }
                }
            }
            Err(_) => TestResult {
                ok: false,
                message: "The stored credentials cannot be read. Enter them again with \
                          “Replace the credentials”."
                    .into(),
                report: None,
            },
        },
    )
}

/// The audit details of a connection test.
fn test_details(id: i64, ok: bool) -> Details {
    Details::new().subject(Value::Integration(id)).fact(
        "Result",
        Value::Word(
            if ok {
                "connection works"
            } else {
                "connection failed"
            }
            .into(),
        ),
    )
}

/// The session key of an integration's last connection test, until its page shows it.
fn test_result_key(id: i64) -> String {
    format!("integration_test:{id}")
}

#[derive(Template)]
#[template(path = "integration_credentials.html")]
struct CredentialsPage {
    layout: Layout,
    integration: Integration,
    form: GeneralForm,
    errors: FormErrors,
    general_error: Option<String>,
}

async fn credentials_form(
    state: &AppState,
    admin: &TenantAdmin,
    integration: Integration,
    mut form: GeneralForm,
    errors: FormErrors,
    general_error: Option<String>,
) -> AppResult<Response> {
    form.access_token.clear();
    form.client_secret.clear();
    let failed = errors.any() || general_error.is_some();
    let page = CredentialsPage {
        layout: admin.0.layout(state).await?,
        integration,
        form,
        errors,
        general_error,
    };
    let status = if failed {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn credentials_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    let form = GeneralForm {
        credential_kind: integration
            .credential_kind
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        ..GeneralForm::default()
    };
    credentials_form(
        &state,
        &admin,
        integration,
        form,
        FormErrors::default(),
        None,
    )
    .await
}

pub async fn replace_credentials(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<GeneralForm>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    let mut errors = FormErrors::default();
    let credentials = match CredentialsInput::parse(
        &form.credential_kind,
        &form.access_token,
        &form.client_id,
        &form.client_secret,
    ) {
        Ok(input) => to_stored(input),
        Err(list) => {
            for (field, message) in list {
                errors.add(field, message);
            }
            return credentials_form(&state, &admin, integration, form, errors, None).await;
        }
    };
    let store = integration.store_name.clone();
    let report = match check_connection(&state, &store, &credentials).await {
        Ok(report) => report,
        Err(CheckFailure::Field(field, message)) => {
            errors.add(field, message);
            return credentials_form(&state, &admin, integration, form, errors, None).await;
        }
        Err(CheckFailure::General(message) | CheckFailure::Scopes(message)) => {
            return credentials_form(&state, &admin, integration, form, errors, Some(message))
                .await;
        }
    };
    let sealed = credentials.sealed(&state.secret_key)?;
    let verified = report.verified(&integration.label, &store);
    db::integrations::replace_credentials(&state.db, admin.0.tenant_id(), id, &sealed, &verified)
        .await?;
    admin
        .0
        .audit(
            &state,
            "integration.credentials.replace",
            &Details::new()
                .subject(Value::Integration(id))
                .change(
                    "Credentials",
                    Value::Text(integration.credentials_hint.clone()),
                    Value::Text(credentials.hint().to_string()),
                )
                .fact("Status", Value::Word(integration.status.as_str().into()))
                .to_stored(),
        )
        .await?;
    let notice = if integration.status == IntegrationStatus::Deactivated {
        "credentials_kept"
    } else {
        "credentials"
    };
    Ok(Redirect::to(&format!("{}?notice={notice}", integration_url(id))).into_response())
}

#[derive(Template)]
#[template(path = "integration_delete.html")]
struct DeletePage {
    layout: Layout,
    integration: Integration,
    matches: Vec<LocationMatch>,
    error: Option<String>,
}

impl DeletePage {
    fn location_codes(&self) -> String {
        let codes: Vec<&str> = self
            .matches
            .iter()
            .map(|m| m.location_code.as_str())
            .collect();
        codes.join(", ")
    }
}

async fn delete_form(
    state: &AppState,
    admin: &TenantAdmin,
    integration: Integration,
    error: Option<String>,
) -> AppResult<Response> {
    let failed = error.is_some();
    let matches = db::integrations::matches(&state.db, admin.0.tenant_id(), integration.id).await?;
    let page = DeletePage {
        layout: admin.0.layout(state).await?,
        integration,
        matches,
        error,
    };
    let status = if failed {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn delete_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    delete_form(&state, &admin, integration, None).await
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    data: String,
}

pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    let integration = load_running(&state, &admin, id).await?;
    let remove = match form.data.as_str() {
        "remove" => true,
        "keep" => false,
        _ => {
            let error =
                "Choose whether to keep or remove the data this integration imported.".to_string();
            return delete_form(&state, &admin, integration, Some(error)).await;
        }
    };
    let export = running_export(&state, &admin, id).await?;
    let Some(removed) =
        db::integrations::delete(&state.db, admin.0.tenant_id(), id, remove).await?
    else {
        return Err(AppError::NotFound);
    };
    let details = Details::new()
        .fact(
            "Shopify store",
            Value::Text(integration.store_name.to_string()),
        )
        .fact("Imported data kept", Value::Flag(!remove))
        .fact_if_some(
            "Bulk export being canceled",
            export.clone().map(Value::Text),
        );
    let details = if remove {
        details
            .fact(
                "Sales removed",
                Value::Count(i64::try_from(removed.sales).unwrap_or(i64::MAX)),
            )
            .fact(
                "Returns removed",
                Value::Count(i64::try_from(removed.returns).unwrap_or(i64::MAX)),
            )
    } else {
        details
    }
    .to_stored();
    admin
        .0
        .audit(&state, "integration.delete", &details)
        .await?;
    Ok(Redirect::to("/admin/integrations?notice=deleted").into_response())
}

/// For the audit of a deactivation or deletion: the Shopify bulk export a running import
/// waits for, which the worker cancels when it sees the integration stopped (at its next
/// poll, within seconds), or nothing.
async fn running_export(
    state: &AppState,
    admin: &TenantAdmin,
    id: i64,
) -> AppResult<Option<String>> {
    Ok(db::bulk_runs::running_operation(&state.db, admin.0.tenant_id(), id).await?)
}
