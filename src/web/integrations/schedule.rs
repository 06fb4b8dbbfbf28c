//! Wizard steps 4 and 5: when imports run (and, in the wizard, from which day the first import
//! reads), then finishing: the integration becomes active and its first import is queued.
//! The schedule page also changes a running integration's schedule.

use crate::web::audit_details::{Details, Value};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Steps, integration_url, load_for_step, step_url, tenant_tz, today_in};
use crate::db;
use crate::db::integrations::{Integration, LocationMatch};
use crate::domain::integration::{IntegrationStatus, WizardStep};
use crate::domain::integration_setup::{RECENT_ORDERS_DAYS, default_backfill, parse_backfill};
use crate::domain::schedule::{Frequency, Schedule};
use crate::error::{AppResult, render};
use crate::web::AppState;
use crate::web::context::{FormErrors, Layout, TenantAdmin};

#[derive(Deserialize, Default, Clone)]
pub struct ScheduleForm {
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub minute: String,
    #[serde(default)]
    pub hour: String,
    #[serde(default)]
    pub backfill_from: String,
}

impl ScheduleForm {
    /// Whether the form asks for daily imports (else the hourly choice is shown checked).
    pub fn is_daily(&self) -> bool {
        Frequency::parse(&self.frequency) == Ok(Frequency::Daily)
    }
}

#[derive(Template)]
#[template(path = "wizard_schedule.html")]
struct SchedulePage {
    layout: Layout,
    steps: Option<Steps>,
    integration: Integration,
    form: ScheduleForm,
    errors: FormErrors,
    time_zone: String,
    earliest_without_all_orders: String,
    reads_all_orders: bool,
    recent_days: i64,
}

impl SchedulePage {
    fn earliest(&self) -> String {
        super::life::people_date(self.earliest_without_all_orders.parse().ok())
    }
}

async fn form_page(
    state: &AppState,
    admin: &TenantAdmin,
    integration: Integration,
    form: ScheduleForm,
    errors: FormErrors,
) -> AppResult<Response> {
    let tz = tenant_tz(admin);
    let today = today_in(tz);
    let failed = errors.any();
    let page = SchedulePage {
        layout: admin.0.layout(state).await?,
        steps: integration
            .is_draft()
            .then(|| Steps::new(WizardStep::Schedule, Some(&integration))),
        reads_all_orders: integration.reads_all_orders(),
        integration,
        form,
        errors,
        time_zone: tz.name().to_string(),
        earliest_without_all_orders: (today - chrono::Duration::days(RECENT_ORDERS_DAYS))
            .to_string(),
        recent_days: RECENT_ORDERS_DAYS,
    };
    let status = if failed {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Schedule).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    let schedule = integration.schedule;
    let backfill = integration
        .backfill_from
        .unwrap_or_else(|| default_backfill(today_in(tenant_tz(&admin))));
    let form = ScheduleForm {
        frequency: schedule.frequency().as_str().to_string(),
        minute: format!("{:02}", schedule.minute()),
        hour: schedule.hour().to_string(),
        backfill_from: backfill.to_string(),
    };
    form_page(&state, &admin, integration, form, FormErrors::default()).await
}

/// The form's schedule and, in the wizard, its first day to import; each refusal is added
/// to `errors`.
fn parse_schedule(
    form: &ScheduleForm,
    integration: &Integration,
    tz: Tz,
    errors: &mut FormErrors,
) -> (Option<Schedule>, Option<NaiveDate>) {
    // The frequency is read once, by `Schedule::parse`: an hourly schedule ignores the hour.
    let schedule = Schedule::parse(&form.frequency, &form.minute, &form.hour)
        .map_err(|list| {
            for (field, message) in list {
                errors.add(field, message);
            }
        })
        .ok();
    // The backfill start is chosen in the wizard; later backfills are started from the
    // import history.
    let backfill = if integration.is_draft() {
        parse_backfill(
            &form.backfill_from,
            today_in(tz),
            integration.reads_all_orders(),
        )
        .map_err(|e| errors.add("backfill_from", e))
        .ok()
    } else {
        None
    };
    (schedule, backfill)
}

/// The audit details of the wizard's schedule step.
fn wizard_schedule_details(
    id: i64,
    schedule: &Schedule,
    tz: Tz,
    backfill: Option<NaiveDate>,
) -> Details {
    Details::new()
        .subject(Value::Integration(id))
        .fact("Import schedule", Value::Word(schedule.describe()))
        .fact("Time zone", Value::Text(tz.name().into()))
        .fact(
            "First day to import",
            Value::Date(backfill.map(|d| d.to_string()).unwrap_or_default()),
        )
}

pub async fn save(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<ScheduleForm>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Schedule).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    let tenant = admin.0.tenant_id();
    let tz = tenant_tz(&admin);
    let mut errors = FormErrors::default();
    let (schedule, backfill) = parse_schedule(&form, &integration, tz, &mut errors);
    let Some(schedule) = schedule.filter(|_| !errors.any()) else {
        return form_page(&state, &admin, integration, form, errors).await;
    };
    if integration.is_draft() {
        db::integrations::set_schedule(&state.db, tenant, id, &schedule, backfill, None).await?;
        let details = wizard_schedule_details(id, &schedule, tz, backfill);
        admin
            .0
            .audit(&state, "integration.wizard.schedule", &details.to_stored())
            .await?;
        db::integrations::advance_wizard(&state.db, tenant, id, WizardStep::Finish).await?;
        return Ok(Redirect::to(&step_url(id, WizardStep::Finish)).into_response());
    }
    // A running integration's next import follows the new schedule, unless one was requested
    // sooner (import now, catch-up).
    let next = (integration.status == IntegrationStatus::Active
        && integration.run_requested.is_none())
    .then(|| schedule.next_after(Utc::now(), tz).timestamp());
    db::integrations::set_schedule(&state.db, tenant, id, &schedule, None, next).await?;
    admin
        .0
        .audit(
            &state,
            "integration.schedule",
            &Details::new()
                .subject(Value::Integration(id))
                .change(
                    "Import schedule",
                    Value::Word(integration.schedule.describe()),
                    Value::Word(schedule.describe()),
                )
                .fact("Time zone", Value::Text(tz.name().into()))
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}?notice=schedule", integration_url(id))).into_response())
}

#[derive(Template)]
#[template(path = "wizard_finish.html")]
struct FinishPage {
    layout: Layout,
    steps: Steps,
    integration: Integration,
    matches: Vec<LocationMatch>,
    schedule: String,
    time_zone: String,
}

impl FinishPage {
    fn backfill_from(&self) -> String {
        super::life::people_date(self.integration.backfill_from)
    }

    /// The first day to import as `YYYY-MM-DD`, for the page's `<time>`.
    fn backfill_iso(&self) -> String {
        self.integration
            .backfill_from
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
}

pub async fn finish_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Finish).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    if !integration.is_draft() {
        return Ok(Redirect::to(&integration_url(id)).into_response());
    }
    let matches = db::integrations::matches(&state.db, admin.0.tenant_id(), id).await?;
    Ok(render(&FinishPage {
        layout: admin.0.layout(&state).await?,
        steps: Steps::new(WizardStep::Finish, Some(&integration)),
        schedule: integration.schedule.describe(),
        time_zone: tenant_tz(&admin).name().to_string(),
        integration,
        matches,
    })?
    .into_response())
}

pub async fn finish(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Finish).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    if !integration.is_draft() {
        return Ok(Redirect::to(&integration_url(id)).into_response());
    }
    let tenant = admin.0.tenant_id();
    let matches = db::integrations::matches(&state.db, tenant, id).await?;
    if matches.is_empty() {
        db::integrations::reset_wizard(&state.db, tenant, id, WizardStep::Locations).await?;
        return Ok(Redirect::to(&step_url(id, WizardStep::Locations)).into_response());
    }
    if integration.backfill_from.is_none() {
        db::integrations::reset_wizard(&state.db, tenant, id, WizardStep::Schedule).await?;
        return Ok(Redirect::to(&step_url(id, WizardStep::Schedule)).into_response());
    }
    if db::integrations::activate_draft(&state.db, tenant, id).await? {
        admin
            .0
            .audit(
                &state,
                "integration.activate",
                &Details::new()
                    .subject(Value::Integration(id))
                    .fact(
                        "Shopify store",
                        Value::Text(integration.store_name.to_string()),
                    )
                    .fact(
                        "Locations to import",
                        Value::Count(i64::try_from(matches.len()).unwrap_or(i64::MAX)),
                    )
                    .fact(
                        "Import schedule",
                        Value::Word(integration.schedule.describe()),
                    )
                    .fact(
                        "First day to import",
                        Value::Date(
                            integration
                                .backfill_from
                                .map(|d| d.to_string())
                                .unwrap_or_default(),
                        ),
                    )
                    .to_stored(),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("{}?notice=started", integration_url(id))).into_response())
}
