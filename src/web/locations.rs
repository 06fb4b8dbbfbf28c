//! Administration → Locations: a tenant's stores with their TMAS location ID, time zone and status.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{FormErrors, Layout, TenantAdmin};
use crate::db;
use crate::db::locations::Location;
use crate::domain::location::{LocationInput, LocationStatus, time_zone_choices};
use crate::error::{AppError, AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/locations", get(list).post(create))
        .route("/admin/locations/new", get(new_page))
        .route("/admin/locations/{id}", get(edit_page).post(edit))
}

#[derive(Template)]
#[template(path = "locations.html")]
struct LocationsPage {
    layout: Layout,
    locations: Vec<Location>,
    /// What the last action did, after its redirect.
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    notice: String,
}

/// Messages after an action on a location; only these fixed texts are ever shown.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "The location is added.",
        "saved" => "The changes to the location are saved.",
        _ => return None,
    })
}

async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    Ok(render(&LocationsPage {
        layout: admin.0.layout(&state).await?,
        locations: db::locations::list(&state.db, admin.0.tenant_id()).await?,
        notice: notice_text(&query.notice),
    })?
    .into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct LocationForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location_id: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Template)]
#[template(path = "location_form.html")]
struct LocationFormPage {
    layout: Layout,
    /// The location's row id when editing; None when creating.
    editing: Option<i64>,
    form: LocationForm,
    errors: FormErrors,
    time_zones: Vec<&'static str>,
}

async fn form_page(
    state: &AppState,
    admin: &TenantAdmin,
    editing: Option<i64>,
    form: LocationForm,
    errors: FormErrors,
) -> AppResult<Response> {
    let status = errors.status();
    Ok((
        status,
        render(&LocationFormPage {
            layout: admin.0.layout(state).await?,
            editing,
            form,
            errors,
            time_zones: time_zone_choices(),
        })?,
    )
        .into_response())
}

async fn new_page(State(state): State<AppState>, admin: TenantAdmin) -> AppResult<Response> {
    let form = LocationForm {
        time_zone: admin.0.tenant.time_zone.clone(),
        status: LocationStatus::Active.as_str().into(),
        ..LocationForm::default()
    };
    form_page(&state, &admin, None, form, FormErrors::default()).await
}

fn parse(form: &LocationForm) -> Result<LocationInput, FormErrors> {
    LocationInput::parse(&form.name, &form.location_id, &form.time_zone, &form.status)
        .map_err(FormErrors)
}

fn duplicate_code(code: &str) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(
        "location_id",
        format!("Another location already uses the TMAS location ID {code:?}."),
    );
    errors
}

async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Form(form): Form<LocationForm>,
) -> AppResult<Response> {
    let input = match parse(&form) {
        Ok(input) => input,
        Err(errors) => return form_page(&state, &admin, None, form, errors).await,
    };
    match db::locations::create(&state.db, admin.0.tenant_id(), &input).await {
        Ok(location) => {
            admin
                .0
                .audit(
                    &state,
                    "location.create",
                    &Details::new()
                        .subject(Value::Text(location.location_id.clone()))
                        .fact("Name", Value::Text(location.name.clone()))
                        .fact("Time zone", Value::Text(location.time_zone.clone()))
                        .fact("Status", Value::Word(location.status.as_str().into()))
                        .to_stored(),
                )
                .await?;
            Ok(Redirect::to("/admin/locations?notice=created").into_response())
        }
        Err(e) if db::is_unique_violation(&e) => {
            let errors = duplicate_code(input.code.as_str());
            form_page(&state, &admin, None, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let location = db::locations::get(&state.db, admin.0.tenant_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = LocationForm {
        name: location.name,
        location_id: location.location_id,
        time_zone: location.time_zone,
        status: location.status.as_str().into(),
    };
    form_page(&state, &admin, Some(id), form, FormErrors::default()).await
}

async fn edit(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<LocationForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let before = db::locations::get(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = match parse(&form) {
        Ok(input) => input,
        Err(errors) => return form_page(&state, &admin, Some(id), form, errors).await,
    };
    match db::locations::update(&state.db, tenant, id, &input).await {
        Ok(_) => {
            admin
                .0
                .audit(
                    &state,
                    "location.update",
                    &Details::new()
                        .change(
                            "TMAS location ID",
                            Value::Text(before.location_id.clone()),
                            Value::Text(input.code.as_str().into()),
                        )
                        .change(
                            "Name",
                            Value::Text(before.name.clone()),
                            Value::Text(input.name.to_string()),
                        )
                        .change(
                            "Time zone",
                            Value::Text(before.time_zone.clone()),
                            Value::Text(input.time_zone.name().into()),
                        )
                        .change(
                            "Status",
                            Value::Word(before.status.as_str().into()),
                            Value::Word(input.status.as_str().into()),
                        )
                        .to_stored(),
                )
                .await?;
            Ok(Redirect::to("/admin/locations?notice=saved").into_response())
        }
        Err(e) if db::is_unique_violation(&e) => {
            let errors = duplicate_code(input.code.as_str());
            form_page(&state, &admin, Some(id), form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
