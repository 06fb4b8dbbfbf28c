//! Manual editing of traffic and staff hours: the same week grid per location, the same rules
//! as the sales (only users allowed to edit, the tenant from the session, an audit entry per
//! save), at `/data/edit/traffic`. An empty traffic cell is a missing hour, never a counted 0;
//! staff hours belong to a counted hour.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use chrono::{Duration, NaiveDate};

use super::super::AppState;
use super::super::audit_details::{Details, Value};
use super::super::context::{Layout, TenantUser};
use super::super::reports::ReportScope;
use super::{EditQuery, cell_key, choose, form_field, require_editor};
use crate::db::locations::Location;
use crate::db::traffic::{ManualTraffic, hours_between, save_manual};
use crate::domain::traffic::{CountedHour, StaffHours, parse_traffic};
use crate::error::{AppResult, render};
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new().route("/data/edit/traffic", get(page).post(save))
}

#[derive(Debug, Clone, Default)]
pub struct TrafficCell {
    pub key: String,
    pub hour: i64,
    pub traffic: String,
    pub staff: String,
    pub error: String,
}

pub struct TrafficDay {
    pub label: String,
    pub cells: Vec<TrafficCell>,
}

#[derive(Template)]
#[template(path = "data_edit_traffic.html")]
struct TrafficEditPage {
    layout: Layout,
    locations: Vec<Location>,
    location: Location,
    week: NaiveDate,
    nav: super::WeekNav,
    days: Vec<TrafficDay>,
    problems: Vec<String>,
    saved: Option<usize>,
}

fn grid(
    week: NaiveDate,
    typed: &HashMap<String, TrafficCell>,
    stored: &HashMap<(NaiveDate, i64), CountedHour>,
) -> Vec<TrafficDay> {
    let lang = i18n::current();
    (0..7)
        .map(|d| {
            let date = week + Duration::days(d);
            TrafficDay {
                label: i18n::format_weekday_date(lang, date),
                cells: (0..24)
                    .map(|hour| {
                        let k = cell_key(date, hour);
                        if let Some(cell) = typed.get(&k) {
                            return cell.clone();
                        }
                        let counted = stored.get(&(date, hour));
                        TrafficCell {
                            key: k,
                            hour,
                            traffic: counted.map(|c| c.traffic.to_string()).unwrap_or_default(),
                            staff: counted
                                .and_then(|c| c.staff)
                                .map(|s| i18n::amount_for_input(lang, &s.to_string()))
                                .unwrap_or_default(),
                            error: String::new(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

struct Week {
    scope: ReportScope,
    location: Location,
    week: NaiveDate,
    stored: HashMap<(NaiveDate, i64), CountedHour>,
}

async fn load(state: &AppState, user: &TenantUser, code: &str, week: &str) -> AppResult<Week> {
    let scope = ReportScope::load(state, user).await?;
    let (location, week) = choose(&scope, code, week)?;
    let stored = hours_between(
        &state.db,
        user.tenant_id(),
        location.id,
        week,
        week + Duration::days(6),
    )
    .await?;
    Ok(Week {
        scope,
        location,
        week,
        stored,
    })
}

async fn show(
    state: &AppState,
    user: &TenantUser,
    week: Week,
    days: Vec<TrafficDay>,
    (problems, saved, status): (Vec<String>, Option<usize>, StatusCode),
) -> AppResult<Response> {
    let lang = i18n::current();
    let page = TrafficEditPage {
        layout: user.layout(state).await?,
        locations: week.scope.locations.clone(),
        nav: super::WeekNav::new(lang, week.week, week.scope.today),
        location: week.location,
        week: week.week,
        days,
        problems,
        saved,
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    State(state): State<AppState>,
    user: TenantUser,
    Query(query): Query<EditQuery>,
) -> AppResult<Response> {
    require_editor(&user)?;
    let week = load(&state, &user, &query.location, &query.week).await?;
    let days = grid(week.week, &HashMap::new(), &week.stored);
    show(
        &state,
        &user,
        week,
        days,
        (Vec::new(), query.saved, StatusCode::OK),
    )
    .await
}

/// A typed staff-hours cell in the reader's way of writing decimals (`2,5` in Spanish).
fn parse_staff(typed: &str) -> Result<Option<StaffHours>, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let plain = i18n::parse_amount_input(i18n::current(), typed).unwrap_or_else(|| typed.into());
    StaffHours::parse(&plain).map(Some)
}

/// One typed cell: what it asks to store (None: the hour is missing), or its problems.
fn read_cell(when: &str, traffic: &str, staff: &str) -> Result<Option<CountedHour>, Vec<String>> {
    let mut problems = Vec::new();
    let staff = parse_staff(staff).unwrap_or_else(|e| {
        problems.push(format!("Staff hours at {when}: {e}"));
        None
    });
    if traffic.trim().is_empty() {
        if staff.is_some() {
            problems.push(format!(
                "Staff hours at {when}: enter the hour's traffic too; staff hours belong to a counted hour."
            ));
        }
        return if problems.is_empty() {
            Ok(None)
        } else {
            Err(problems)
        };
    }
    match parse_traffic(traffic) {
        Ok(traffic) if problems.is_empty() => Ok(Some(CountedHour { traffic, staff })),
        Ok(_) => Err(problems),
        Err(e) => {
            problems.insert(0, format!("Traffic at {when}: {e}"));
            Err(problems)
        }
    }
}

async fn save(
    State(state): State<AppState>,
    user: TenantUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_editor(&user)?;
    let week = load(
        &state,
        &user,
        form_field(&fields, "location").unwrap_or_default(),
        form_field(&fields, "week").unwrap_or_default(),
    )
    .await?;
    let (typed, problems, edits) = check_week(&week, &fields);
    if !problems.is_empty() {
        let days = grid(week.week, &typed, &week.stored);
        return show(
            &state,
            &user,
            week,
            days,
            (problems, None, StatusCode::UNPROCESSABLE_ENTITY),
        )
        .await;
    }
    store_edits(&state, &user, &week, &edits).await?;
    let target = format!(
        "/data/edit/traffic?{}",
        serde_urlencoded::to_string([
            ("location", week.location.location_id.clone()),
            ("week", week.week.to_string()),
            ("saved", edits.len().to_string()),
        ])
        .unwrap_or_default()
    );
    Ok(Redirect::to(&target).into_response())
}

/// A checked hour to store, with what it held before (for the audit entry).
type TrafficEdit = (ManualTraffic, Option<CountedHour>);

/// Checks every hour of the week the form holds: the cells as typed (with their refusals),
/// the problems found, and the changed hours to store.
fn check_week(
    week: &Week,
    fields: &[(String, String)],
) -> (HashMap<String, TrafficCell>, Vec<String>, Vec<TrafficEdit>) {
    let mut typed = HashMap::new();
    let mut problems = Vec::new();
    let mut edits = Vec::new();
    for d in 0..7 {
        let date = week.week + Duration::days(d);
        for hour in 0..24_i64 {
            let k = cell_key(date, hour);
            let (Some(traffic), Some(staff)) = (
                form_field(fields, &format!("traffic_{k}")),
                form_field(fields, &format!("staff_{k}")),
            ) else {
                continue;
            };
            let (cell, edit) = check_hour(
                week,
                (date, hour),
                k.clone(),
                (traffic, staff),
                &mut problems,
            );
            edits.extend(edit);
            typed.insert(k, cell);
        }
    }
    (typed, problems, edits)
}

/// Checks one typed hour: its cell as typed (with any refusal, whose problems are added to
/// `problems`), and the edit to store when the hour is valid and changed.
fn check_hour(
    week: &Week,
    (date, hour): (NaiveDate, i64),
    k: String,
    (traffic, staff): (&str, &str),
    problems: &mut Vec<String>,
) -> (TrafficCell, Option<TrafficEdit>) {
    let lang = i18n::current();
    let when = format!("{} {hour:02}:00", i18n::format_weekday_date(lang, date));
    let mut cell = TrafficCell {
        key: k,
        hour,
        traffic: traffic.to_string(),
        staff: staff.to_string(),
        error: String::new(),
    };
    let old = week.stored.get(&(date, hour)).copied();
    let mut edit = None;
    match read_cell(&when, traffic, staff) {
        Ok(new) if new == old => {}
        Ok(_) if date > week.scope.today => {
            let problem = format!(
                "The hour {when} is outside the dates that can be edited: until {}.",
                i18n::format_date(lang, week.scope.today)
            );
            cell.error = i18n::t(&problem);
            problems.push(problem);
        }
        Ok(new) => {
            edit = Some((
                ManualTraffic {
                    date,
                    hour: u8::try_from(hour).unwrap_or(0),
                    counted: new,
                },
                old,
            ))
        }
        Err(errors) => {
            cell.error = errors
                .iter()
                .map(|e| i18n::t(e))
                .collect::<Vec<_>>()
                .join(" ");
            problems.extend(errors);
        }
    }
    (cell, edit)
}

/// Stores the checked hours and records them in the audit log, one entry for all of them.
async fn store_edits(
    state: &AppState,
    user: &TenantUser,
    week: &Week,
    edits: &[TrafficEdit],
) -> AppResult<()> {
    let writes: Vec<ManualTraffic> = edits.iter().map(|(e, _)| *e).collect();
    save_manual(&state.db, user.tenant_id(), week.location.id, &writes).await?;
    if edits.is_empty() {
        return Ok(());
    }
    let traffic = |c: Option<CountedHour>| {
        c.map_or(Value::Word("missing".into()), |c| Value::Count(c.traffic))
    };
    let staff = |c: Option<CountedHour>| {
        c.and_then(|c| c.staff)
            .map_or(Value::Word("missing".into()), |s| {
                Value::Text(s.to_string())
            })
    };
    let mut details = Details::new();
    for (e, old) in edits {
        details = details
            .subject(Value::Text(week.location.location_id.clone()))
            .subject(Value::Hour(e.date.to_string(), i64::from(e.hour)))
            .change("Traffic", traffic(*old), traffic(e.counted))
            .change("Staff hours", staff(*old), staff(e.counted));
    }
    user.audit(state, "data.edit", &details.to_stored()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_counted_missing_or_refused_by_name() {
        let when = "Mon 10:00";
        assert_eq!(read_cell(when, "", ""), Ok(None));
        assert_eq!(
            read_cell(when, "40", "2.5"),
            Ok(Some(CountedHour {
                traffic: 40,
                staff: StaffHours::from_centihours(250)
            }))
        );
        assert_eq!(
            read_cell(when, "0", ""),
            Ok(Some(CountedHour {
                traffic: 0,
                staff: None
            }))
        );
        assert_eq!(
            read_cell(when, "-3", ""),
            Err(vec![
                "Traffic at Mon 10:00: Traffic cannot be negative (\"-3\").".to_string()
            ])
        );
        assert_eq!(
            read_cell(when, "4.5", ""),
            Err(vec![
                "Traffic at Mon 10:00: Traffic must be a whole number of visitors (\"4.5\")."
                    .to_string()
            ])
        );
        assert_eq!(
            read_cell(when, "", "2"),
            Err(vec!["Staff hours at Mon 10:00: enter the hour's traffic too; staff hours belong to a counted hour.".to_string()])
        );
        assert_eq!(
            read_cell(when, "10", "2.125"),
            Err(vec![
                "Staff hours at Mon 10:00: Staff hours take at most two decimals (\"2.125\")."
                    .to_string()
            ])
        );
    }
}
