//! Onboarding staff: list and create tenants, set their plan, enter one to act inside it, leave.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{ACTING_TENANT_KEY, FormErrors, Layout, StaffUser};
use crate::db::tenants::Tenant;
use crate::db::{self, TenantId};
use crate::domain::account::{Plan, required_text};
use crate::domain::location::{parse_time_zone, time_zone_choices};
use crate::error::{AppError, AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/tenants", get(list).post(create))
        .route("/staff/tenants/{id}", get(edit_page).post(edit))
        .route("/staff/tenants/{id}/enter", post(enter))
        .route("/staff/leave", post(leave))
}

#[derive(Template)]
#[template(path = "staff_tenants.html")]
struct TenantsPage {
    layout: Layout,
    tenants: Vec<Tenant>,
    form: TenantForm,
    errors: FormErrors,
    plans: [Plan; 3],
    time_zones: Vec<&'static str>,
    /// What the last action did, after its redirect.
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

/// Messages after an action on a tenant; only these fixed texts are ever shown.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "Tenant created.",
        "saved" => "Saved.",
        _ => return None,
    })
}

#[derive(Deserialize, Default, Clone)]
struct TenantForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    time_zone: String,
}

async fn tenants_page(
    state: &AppState,
    staff: &StaffUser,
    form: TenantForm,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    let status = errors.status();
    Ok((
        status,
        render(&TenantsPage {
            layout: staff.0.layout(state).await?,
            tenants: db::tenants::list(&state.db).await?,
            form,
            errors,
            plans: Plan::ALL,
            time_zones: time_zone_choices(),
            notice,
        })?,
    )
        .into_response())
}

async fn list(
    State(state): State<AppState>,
    staff: StaffUser,
    Query(query): Query<NoticeQuery>,
) -> AppResult<Response> {
    let form = TenantForm {
        plan: "retail".into(),
        time_zone: "UTC".into(),
        ..TenantForm::default()
    };
    let notice = notice_text(&query.notice);
    tenants_page(&state, &staff, form, FormErrors::default(), notice).await
}

async fn create(
    State(state): State<AppState>,
    staff: StaffUser,
    Form(form): Form<TenantForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let name = required_text("company name", &form.name, 100)
        .map_err(|e| errors.add("name", e))
        .ok();
    let plan = Plan::parse(&form.plan)
        .map_err(|e| errors.add("plan", e))
        .ok();
    let tz = parse_time_zone(&form.time_zone)
        .map_err(|e| errors.add("time_zone", e))
        .ok();
    let (Some(name), Some(plan), Some(tz)) = (name, plan, tz) else {
        return tenants_page(&state, &staff, form, errors, None).await;
    };
    let tenant = match db::tenants::create(&state.db, &name, plan, tz.name()).await {
        Ok(tenant) => tenant,
        Err(e) if db::is_unique_violation(&e) => {
            errors.add("name", format!("A tenant named {name:?} already exists."));
            return tenants_page(&state, &staff, form, errors, None).await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut actor = staff.0.actor();
    actor.acting_staff = false;
    db::audit::record(
        &state.db,
        Some(tenant.tenant_id()),
        &actor,
        "tenant.create",
        &Details::new()
            .fact("Tenant", Value::Text(tenant.name.clone()))
            .fact("Plan", Value::Text(plan.title().into()))
            .fact("Time zone", Value::Text(tenant.time_zone.clone()))
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/staff/tenants?notice=created").into_response())
}

#[derive(Template)]
#[template(path = "staff_tenant_edit.html")]
struct TenantEditPage {
    layout: Layout,
    tenant: Tenant,
    form: TenantForm,
    errors: FormErrors,
    plans: [Plan; 3],
    time_zones: Vec<&'static str>,
}

async fn load_tenant(state: &AppState, id: i64) -> AppResult<Tenant> {
    db::tenants::get(&state.db, TenantId(id))
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_page(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tenant = load_tenant(&state, id).await?;
    let form = TenantForm {
        name: tenant.name.clone(),
        plan: tenant.plan.clone(),
        time_zone: tenant.time_zone.clone(),
    };
    Ok(render(&TenantEditPage {
        layout: staff.0.layout(&state).await?,
        tenant,
        form,
        errors: FormErrors::default(),
        plans: Plan::ALL,
        time_zones: time_zone_choices(),
    })?
    .into_response())
}

async fn edit(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<i64>,
    Form(form): Form<TenantForm>,
) -> AppResult<Response> {
    let tenant = load_tenant(&state, id).await?;
    let mut errors = FormErrors::default();
    let plan = Plan::parse(&form.plan)
        .map_err(|e| errors.add("plan", e))
        .ok();
    let tz = parse_time_zone(&form.time_zone)
        .map_err(|e| errors.add("time_zone", e))
        .ok();
    let (Some(plan), Some(tz)) = (plan, tz) else {
        return Ok(render(&TenantEditPage {
            layout: staff.0.layout(&state).await?,
            tenant,
            form,
            errors,
            plans: Plan::ALL,
            time_zones: time_zone_choices(),
        })?
        .into_response());
    };
    db::tenants::update(&state.db, tenant.tenant_id(), plan, tz.name()).await?;
    let mut actor = staff.0.actor();
    actor.acting_staff = false;
    db::audit::record(
        &state.db,
        Some(tenant.tenant_id()),
        &actor,
        "tenant.update",
        &Details::new()
            .change(
                "Plan",
                Value::Text(plan_title(&tenant.plan)),
                Value::Text(plan.title().into()),
            )
            .change(
                "Time zone",
                Value::Text(tenant.time_zone.clone()),
                Value::Text(tz.name().into()),
            )
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/staff/tenants?notice=saved").into_response())
}

async fn enter(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tenant = load_tenant(&state, id).await?;
    staff
        .0
        .session
        .insert(ACTING_TENANT_KEY, tenant.id)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    db::audit::record(
        &state.db,
        Some(tenant.tenant_id()),
        &staff.0.actor(),
        "staff.enter_tenant",
        &Details::new()
            .fact("Tenant", Value::Text(tenant.name.clone()))
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

async fn leave(State(state): State<AppState>, staff: StaffUser) -> AppResult<Response> {
    if let Some(tenant) = staff.0.acting_tenant {
        let name = db::tenants::get(&state.db, tenant)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        db::audit::record(
            &state.db,
            Some(tenant),
            &staff.0.actor(),
            "staff.leave_tenant",
            &Details::new().fact("Tenant", Value::Text(name)).to_stored(),
        )
        .await?;
    }
    staff
        .0
        .session
        .remove::<i64>(ACTING_TENANT_KEY)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to("/staff/tenants").into_response())
}

/// A stored plan word as its name ("Retail"), for the audit: plan names are product names.
fn plan_title(stored: &str) -> String {
    Plan::parse(stored).map_or_else(|_| stored.to_string(), |plan| plan.title().to_string())
}
