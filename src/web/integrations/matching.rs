//! Wizard steps 2 and 3: match each TMAS location to a Shopify location of the shop (read
//! live), create TMAS locations from unmatched Shopify ones, and confirm. Also "redo the
//! location matching" of an integration that is already running.

use crate::web::audit_details::{Details, Value};
use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Steps, integration_url, load_for_step, shop_locations, step_url};
use crate::db;
use crate::db::integrations::{Integration, LocationMatch, NewMatch};
use crate::db::locations::Location as TmasLocation;
use crate::domain::integration::WizardStep;
use crate::domain::integration_setup::{ShopifyLocationId, location_code_from_name};
use crate::domain::location::{LocationCode, LocationInput, LocationStatus, parse_time_zone};
use crate::domain::store_name::StoreName;
use crate::error::{AppResult, render};
use crate::shopify::Location as ShopifyLocation;
use crate::web::AppState;
use crate::web::context::{Layout, TenantAdmin};

/// One TMAS location's line of the matching form.
pub struct MatchRow {
    pub location: TmasLocation,
    /// The Shopify location ID chosen in the list (empty: not matched).
    pub selected: String,
    /// The Shopify location ID typed by hand (refused when it disagrees with the list).
    pub typed: String,
    pub error: Option<String>,
    pub warnings: Vec<String>,
}

impl MatchRow {
    pub fn field(&self) -> String {
        format!("location[{}]", self.location.location_id)
    }
    pub fn typed_field(&self) -> String {
        format!("location_other[{}]", self.location.location_id)
    }
    pub fn input_id(&self) -> String {
        format!("loc-{}", self.location.id)
    }
}

/// A Shopify location as offered in the lists.
pub struct ShopOption {
    pub id: String,
    pub name: String,
    pub active: bool,
    /// Where it is matched already, if anywhere ("STORE-01" or "STORE-01 in “Other shop”").
    pub matched_to: Option<String>,
}

impl ShopOption {
    pub fn text(&self) -> String {
        let mut t = format!("{} — ID {}", self.name, self.id);
        if !self.active {
            t.push_str(&format!(" ({})", crate::i18n::t("inactive")));
        }
        t
    }
}

#[derive(Template)]
#[template(path = "wizard_locations.html")]
struct MatchingPage {
    layout: Layout,
    steps: Option<Steps>,
    integration: Integration,
    rows: Vec<MatchRow>,
    options: Vec<ShopOption>,
    /// Shopify locations matched nowhere, offered for creating a TMAS location.
    unmatched: Vec<ShopOption>,
    /// Reading the shop's locations failed: why.
    shop_error: Option<String>,
    general_error: Option<String>,
    reads_all_orders: bool,
    reads_returns: bool,
}

fn option_list(
    shop: &[ShopifyLocation],
    own: &[LocationMatch],
    elsewhere: &[(LocationMatch, String)],
) -> Vec<ShopOption> {
    shop.iter()
        .map(|l| {
            let id = l.legacy_id.to_string();
            let matched_to = own
                .iter()
                .find(|m| m.shopify_location_id == id)
                .map(|m| m.location_code.clone())
                .or_else(|| {
                    elsewhere
                        .iter()
                        .find(|(m, _)| m.shopify_location_id == id)
                        .map(|(m, label)| format!("{} in “{}”", m.location_code, label))
                });
            ShopOption {
                id,
                name: l.name.clone(),
                active: l.is_active,
                matched_to,
            }
        })
        .collect()
}

/// The tenant's other integrations' matches, with their labels.
async fn matches_elsewhere(
    state: &AppState,
    admin: &TenantAdmin,
    integration_id: i64,
) -> AppResult<Vec<(LocationMatch, String)>> {
    let tenant = admin.0.tenant_id();
    let others = db::integrations::matches_elsewhere(&state.db, tenant, integration_id).await?;
    let labels: HashMap<i64, String> = db::integrations::list(&state.db, tenant)
        .await?
        .into_iter()
        .map(|i| (i.id, i.label))
        .collect();
    Ok(others
        .into_iter()
        .map(|m| {
            let label = labels.get(&m.integration_id).cloned().unwrap_or_default();
            (m, label)
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    state: &AppState,
    admin: &TenantAdmin,
    integration: Integration,
    rows: Vec<MatchRow>,
    shop: Result<Vec<ShopifyLocation>, String>,
    general_error: Option<String>,
    failed: bool,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let own = db::integrations::matches(&state.db, tenant, integration.id).await?;
    let elsewhere = matches_elsewhere(state, admin, integration.id).await?;
    let (options, shop_error) = match shop {
        Ok(list) => (option_list(&list, &own, &elsewhere), None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let unmatched = option_list_unmatched(&options);
    let steps = integration
        .is_draft()
        .then(|| Steps::new(WizardStep::Locations, Some(&integration)));
    let page = MatchingPage {
        layout: admin.0.layout(state).await?,
        steps,
        reads_all_orders: integration.reads_all_orders(),
        reads_returns: integration.reads_returns(),
        integration,
        rows,
        options,
        unmatched,
        shop_error,
        general_error,
    };
    let status = if failed {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

fn option_list_unmatched(options: &[ShopOption]) -> Vec<ShopOption> {
    options
        .iter()
        .filter(|o| o.matched_to.is_none())
        .map(|o| ShopOption {
            id: o.id.clone(),
            name: o.name.clone(),
            active: o.active,
            matched_to: None,
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Locations).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    let tenant = admin.0.tenant_id();
    let own = db::integrations::matches(&state.db, tenant, id).await?;
    let rows = db::locations::list(&state.db, tenant)
        .await?
        .into_iter()
        .map(|location| {
            let selected = own
                .iter()
                .find(|m| m.location_id == location.id)
                .map(|m| m.shopify_location_id.clone())
                .unwrap_or_default();
            MatchRow {
                location,
                selected,
                typed: String::new(),
                error: None,
                warnings: Vec::new(),
            }
        })
        .collect();
    let shop = shop_locations(&state, &integration).await;
    let mut rows: Vec<MatchRow> = rows;
    if own.is_empty()
        && let Ok(list) = &shop
    {
        suggest_by_name(&mut rows, list);
    }
    render_page(&state, &admin, integration, rows, shop, None, false).await
}

/// A name reduced to its letters and digits, lowercased: "King St." and "king st" agree.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// On a first visit, pre-selects for each TMAS location the Shopify location of the same name
/// (or whose name holds the other), when exactly one fits and no other row took it, and says
/// so: a suggestion the admin checks, never a silent match.
pub fn suggest_by_name(rows: &mut [MatchRow], shop: &[ShopifyLocation]) {
    let mut taken: Vec<i64> = Vec::new();
    for row in rows.iter_mut().filter(|r| r.selected.is_empty()) {
        let own = name_key(&row.location.name);
        if own.is_empty() {
            continue;
        }
        let fits: Vec<&ShopifyLocation> = shop
            .iter()
            .filter(|l| !taken.contains(&l.legacy_id))
            .filter(|l| {
                let theirs = name_key(&l.name);
                !theirs.is_empty()
                    && (theirs == own || theirs.contains(&own) || own.contains(&theirs))
            })
            .collect();
        if let [only] = fits[..] {
            taken.push(only.legacy_id);
            row.selected = only.legacy_id.to_string();
            row.warnings
                .push("Suggested because the names match: check it before going on.".into());
        }
    }
}

/// `location[CODE]` and `location_other[CODE]` fields, by TMAS location ID.
fn form_values(
    fields: &[(String, String)],
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut chosen = BTreeMap::new();
    let mut typed = BTreeMap::new();
    for (name, value) in fields {
        if let Some(code) = name
            .strip_prefix("location[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            chosen.insert(code.to_string(), value.trim().to_string());
        } else if let Some(code) = name
            .strip_prefix("location_other[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            typed.insert(code.to_string(), value.trim().to_string());
        }
    }
    (chosen, typed)
}

/// The message for a form field naming a TMAS location this tenant does not have.
fn unknown_location_error(
    chosen: &BTreeMap<String, String>,
    typed: &BTreeMap<String, String>,
    locations: &[TmasLocation],
) -> Option<String> {
    chosen
        .keys()
        .chain(typed.keys())
        .find(|code| !locations.iter().any(|l| &l.location_id == *code))
        .map(|unknown| {
            format!(
                "There is no TMAS location with the ID {unknown:?} in this tenant: reload the \
                 page and match the locations listed."
            )
        })
}

/// The form's lines, one per TMAS location, holding what was chosen and typed.
fn rows_from_form(
    locations: Vec<TmasLocation>,
    chosen: &BTreeMap<String, String>,
    typed: &BTreeMap<String, String>,
) -> Vec<MatchRow> {
    locations
        .into_iter()
        .map(|location| {
            let code = &location.location_id;
            MatchRow {
                selected: chosen.get(code).cloned().unwrap_or_default(),
                typed: typed.get(code).cloned().unwrap_or_default(),
                location,
                error: None,
                warnings: Vec::new(),
            }
        })
        .collect()
}

/// Checks one line of the form: the match it asks for (`None`: left unmatched), or the
/// message to show on it. Adds its warnings to the line and its Shopify location to `used`.
fn check_row(
    row: &mut MatchRow,
    shop_list: &[ShopifyLocation],
    store_name: &StoreName,
    elsewhere: &[(LocationMatch, String)],
    used: &mut HashMap<i64, String>,
) -> Result<Option<NewMatch>, String> {
    if !row.typed.is_empty() && !row.selected.is_empty() && row.typed != row.selected {
        let chosen = shop_list
            .iter()
            .find(|l| l.legacy_id.to_string() == row.selected)
            .map_or_else(|| row.selected.clone(), |l| format!("{:?}", l.name));
        return Err(format!(
            "You chose {chosen} (ID {}) in the list and typed the ID {}: keep only one of \
             them.",
            row.selected, row.typed
        ));
    }
    let value = if row.typed.is_empty() {
        row.selected.clone()
    } else {
        row.typed.clone()
    };
    if value.is_empty() {
        return Ok(None);
    }
    let shopify_id = ShopifyLocationId::parse(&value)?;
    let Some(found) = shop_list.iter().find(|l| l.legacy_id == shopify_id.get()) else {
        return Err(format!(
            "The store {} has no location with the ID {shopify_id}. Choose one from the \
             list, or check the ID in Shopify (Settings → Locations: the number at the end \
             of the location's address).",
            store_name
        ));
    };
    if let Some(first) = used.get(&shopify_id.get()) {
        return Err(format!(
            "Shopify location {:?} (ID {shopify_id}) is already chosen for {first}: a \
             Shopify location can feed only one TMAS location.",
            found.name
        ));
    }
    if let Some((m, label)) = elsewhere
        .iter()
        .find(|(m, _)| m.shopify_location_id == shopify_id.to_string())
    {
        return Err(format!(
            "Shopify location {:?} (ID {shopify_id}) is already matched to {} in the \
             integration “{label}”: a Shopify location can feed only one TMAS location.",
            found.name, m.location_code
        ));
    }
    used.insert(shopify_id.get(), row.location.location_id.clone());
    add_warnings(row, found);
    Ok(Some(NewMatch {
        location_id: row.location.id,
        shopify_location_id: shopify_id.get(),
        shopify_location_name: found.name.clone(),
    }))
}

/// Warns of an inactive location on either side of a line's match.
fn add_warnings(row: &mut MatchRow, found: &ShopifyLocation) {
    if !found.is_active {
        row.warnings.push(format!(
            "Shopify reports {:?} as inactive: it records no new sales.",
            found.name
        ));
    }
    if !row.location.is_active() {
        row.warnings
            .push("This TMAS location is inactive: its numbers are hidden from reports.".into());
    }
}

/// Checks every line of the form, setting each refused line's error: the matches asked
/// for, and whether any line was refused.
fn check_rows(
    rows: &mut [MatchRow],
    shop_list: &[ShopifyLocation],
    store_name: &StoreName,
    elsewhere: &[(LocationMatch, String)],
) -> (Vec<NewMatch>, bool) {
    let mut new: Vec<NewMatch> = Vec::new();
    let mut used: HashMap<i64, String> = HashMap::new();
    let mut failed = false;
    for row in rows {
        match check_row(row, shop_list, store_name, elsewhere, &mut used) {
            Ok(Some(m)) => new.push(m),
            Ok(None) => {}
            Err(message) => {
                row.error = Some(message);
                failed = true;
            }
        }
    }
    (new, failed)
}

/// The audit details of a saved matching: one "Matched" fact per match, in form order.
fn matched_summary(id: i64, new: &[NewMatch], rows: &[MatchRow]) -> Details {
    let mut summary = Details::new().subject(Value::Integration(id));
    for m in new {
        if let Some(r) = rows.iter().find(|r| r.location.id == m.location_id) {
            summary = summary.fact(
                "Matched",
                Value::Text(format!(
                    "{} → Shopify {}",
                    r.location.location_id, m.shopify_location_id
                )),
            );
        }
    }
    summary
}

pub async fn save(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Locations).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    let tenant = admin.0.tenant_id();
    let (chosen, typed) = form_values(&fields);
    let locations = db::locations::list(&state.db, tenant).await?;
    let mut general_error = unknown_location_error(&chosen, &typed, &locations);
    let mut rows = rows_from_form(locations, &chosen, &typed);
    let shop = shop_locations(&state, &integration).await;
    let shop_list = match &shop {
        Ok(list) => list.clone(),
        Err(_) => {
            return render_page(&state, &admin, integration, rows, shop, None, true).await;
        }
    };
    let elsewhere = matches_elsewhere(&state, &admin, id).await?;
    let (new, rows_failed) = check_rows(&mut rows, &shop_list, &integration.store_name, &elsewhere);
    let mut failed = general_error.is_some() || rows_failed;
    if !failed && new.is_empty() {
        general_error = Some(
            "Match at least one TMAS location to a Shopify location: only matched locations \
             are imported."
                .into(),
        );
        failed = true;
    }
    if failed {
        return render_page(&state, &admin, integration, rows, shop, general_error, true).await;
    }
    match db::integrations::replace_matches(&state.db, tenant, id, &new).await {
        Ok(()) => {}
        Err(e) if db::is_unique_violation(&e) => {
            // Another admin matched one of these meanwhile.
            let message = "One of these Shopify locations was just matched elsewhere in this \
                           tenant. Check the list and try again."
                .to_string();
            return render_page(&state, &admin, integration, rows, shop, Some(message), true).await;
        }
        Err(e) => return Err(e.into()),
    }
    let summary = matched_summary(id, &new, &rows);
    let action = if integration.is_draft() {
        "integration.wizard.locations"
    } else {
        "integration.locations"
    };
    admin.0.audit(&state, action, &summary.to_stored()).await?;
    if integration.is_draft() {
        db::integrations::advance_wizard(&state.db, tenant, id, WizardStep::Confirm).await?;
        Ok(Redirect::to(&step_url(id, WizardStep::Confirm)).into_response())
    } else {
        Ok(Redirect::to(&format!("{}?notice=locations", integration_url(id))).into_response())
    }
}

/// The form's lines, one per TMAS location, showing the integration's saved matches.
fn rows_with_matches(locations: &[TmasLocation], own: &[LocationMatch]) -> Vec<MatchRow> {
    locations
        .iter()
        .cloned()
        .map(|location| MatchRow {
            selected: own
                .iter()
                .find(|m| m.location_id == location.id)
                .map(|m| m.shopify_location_id.clone())
                .unwrap_or_default(),
            location,
            typed: String::new(),
            error: None,
            warnings: Vec::new(),
        })
        .collect()
}

/// The Shopify locations to create TMAS locations from, or the message refusing the
/// request. `is_matched` gives the TMAS location ID a Shopify location is matched to.
fn create_targets(
    requested: &str,
    shop_list: &[ShopifyLocation],
    store_name: &StoreName,
    is_matched: impl Fn(i64) -> Option<String>,
) -> Result<Vec<ShopifyLocation>, String> {
    // "Create all": every Shopify location the page lists as not matched, in one request.
    if requested == ALL_UNMATCHED {
        return Ok(shop_list
            .iter()
            .filter(|l| is_matched(l.legacy_id).is_none())
            .cloned()
            .collect());
    }
    let found = ShopifyLocationId::parse(requested)
        .ok()
        .and_then(|sid| shop_list.iter().find(|l| l.legacy_id == sid.get()).cloned());
    let Some(found) = found else {
        return Err(format!(
            "The store {} has no location with the ID {:?}.",
            store_name, requested
        ));
    };
    if let Some(code) = is_matched(found.legacy_id) {
        return Err(format!(
            "Shopify location {:?} is already matched to {}.",
            found.name, code
        ));
    }
    Ok(vec![found])
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    shopify_location_id: String,
}

/// Creates a TMAS location from an unmatched Shopify location (its name, a generated TMAS
/// location ID, the shop's time zone) and matches them.
pub async fn create_location(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Locations).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    let tenant = admin.0.tenant_id();
    let locations = db::locations::list(&state.db, tenant).await?;
    let rows = rows_with_matches(
        &locations,
        &db::integrations::matches(&state.db, tenant, id).await?,
    );
    let shop = shop_locations(&state, &integration).await;
    let Ok(shop_list) = &shop else {
        return render_page(&state, &admin, integration, rows, shop, None, true).await;
    };
    let own = db::integrations::matches(&state.db, tenant, id).await?;
    let elsewhere = db::integrations::matches_elsewhere(&state.db, tenant, id).await?;
    let is_matched = |legacy_id: i64| {
        let sid = legacy_id.to_string();
        own.iter()
            .chain(elsewhere.iter())
            .find(|m| m.shopify_location_id == sid)
            .map(|m| m.location_code.clone())
    };
    let targets = match create_targets(
        &form.shopify_location_id,
        shop_list,
        &integration.store_name,
        is_matched,
    ) {
        Ok(targets) => targets,
        Err(message) => {
            return render_page(&state, &admin, integration, rows, shop, Some(message), true).await;
        }
    };
    let time_zone = parse_time_zone(&integration.shop_time_zone)
        .or_else(|_| parse_time_zone(&admin.0.tenant.time_zone))
        .unwrap_or(chrono_tz::Tz::UTC);
    let mut taken: Vec<String> = locations.iter().map(|l| l.location_id.clone()).collect();
    for found in &targets {
        if let Err(message) =
            create_and_match(&state, &admin, id, time_zone, found, &mut taken).await?
        {
            return render_page(&state, &admin, integration, rows, shop, Some(message), true).await;
        }
    }
    Ok(Redirect::to(&step_url(id, WizardStep::Locations)).into_response())
}

/// The form value that asks for a TMAS location for every unmatched Shopify location.
const ALL_UNMATCHED: &str = "all";

/// The TMAS location to create from a Shopify location: its visible name, a TMAS location
/// ID not in `taken`, the given time zone, active.
fn location_input(
    found: &ShopifyLocation,
    time_zone: chrono_tz::Tz,
    taken: &[String],
) -> AppResult<LocationInput> {
    let code = location_code_from_name(&found.name, found.legacy_id, taken);
    // Shopify's name, without the invisible characters a typed name may not hold either.
    let name: String = crate::domain::lookalike::visible(&found.name)
        .chars()
        .take(100)
        .collect();
    Ok(LocationInput {
        name: if name.trim().is_empty() {
            format!("Shopify location {}", found.legacy_id)
        } else {
            name
        },
        code: LocationCode::parse(&code).map_err(|e| anyhow::anyhow!(e))?,
        time_zone,
        status: LocationStatus::Active,
    })
}

/// The audit details of a TMAS location created from Shopify location `sid`.
fn created_details(location: &TmasLocation, sid: &str) -> Details {
    Details::new()
        .subject(Value::Text(location.location_id.clone()))
        .fact("Name", Value::Text(location.name.clone()))
        .fact("Time zone", Value::Text(location.time_zone.clone()))
        .fact("Status", Value::Word(location.status.as_str().into()))
        .fact("Shopify location", Value::Text(sid.to_string()))
}

/// One TMAS location made from a Shopify location and matched to it, audited; a refusal
/// (a race with another admin) is the message to show.
async fn create_and_match(
    state: &AppState,
    admin: &TenantAdmin,
    id: i64,
    time_zone: chrono_tz::Tz,
    found: &ShopifyLocation,
    taken: &mut Vec<String>,
) -> AppResult<Result<(), String>> {
    let tenant = admin.0.tenant_id();
    let sid = found.legacy_id.to_string();
    let input = location_input(found, time_zone, taken)?;
    let location = match db::locations::create(&state.db, tenant, &input).await {
        Ok(l) => l,
        Err(e) if db::is_unique_violation(&e) => {
            return Ok(Err(
                "A TMAS location was created at the same moment: try again.".to_string(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    taken.push(location.location_id.clone());
    admin
        .0
        .audit(
            state,
            "location.create",
            &created_details(&location, &sid).to_stored(),
        )
        .await?;
    let new = NewMatch {
        location_id: location.id,
        shopify_location_id: found.legacy_id,
        shopify_location_name: found.name.clone(),
    };
    match db::integrations::add_match(&state.db, tenant, id, &new).await {
        Ok(()) => {}
        Err(e) if db::is_unique_violation(&e) => {
            return Ok(Err(format!(
                "Shopify location {:?} was just matched elsewhere; the TMAS location {} was \
                 created without a match.",
                found.name, location.location_id
            )));
        }
        Err(e) => return Err(e.into()),
    }
    admin
        .0
        .audit(
            state,
            "integration.location.match",
            &Details::new()
                .subject(Value::Integration(id))
                .fact(
                    "Matched",
                    Value::Text(format!("{} → Shopify {sid}", location.location_id)),
                )
                .to_stored(),
        )
        .await?;
    Ok(Ok(()))
}

#[derive(Template)]
#[template(path = "wizard_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    steps: Steps,
    integration: Integration,
    matches: Vec<LocationMatch>,
    /// Warnings by TMAS location ID.
    warnings: Vec<(String, String)>,
    /// The store's Shopify locations no TMAS location is matched to ("Outlet — ID 1003").
    unmatched: Vec<String>,
}

pub async fn confirm_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Confirm).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    if !integration.is_draft() {
        return Ok(Redirect::to(&integration_url(id)).into_response());
    }
    let matches = db::integrations::matches(&state.db, admin.0.tenant_id(), id).await?;
    if matches.is_empty() {
        return Ok(Redirect::to(&step_url(id, WizardStep::Locations)).into_response());
    }
    // Whether Shopify still calls each location active is read live; a failed read only
    // drops those warnings.
    let shop = shop_locations(&state, &integration)
        .await
        .unwrap_or_default();
    let mut warnings = Vec::new();
    for m in &matches {
        if let Some(l) = shop
            .iter()
            .find(|l| l.legacy_id.to_string() == m.shopify_location_id)
            && !l.is_active
        {
            warnings.push((
                m.location_code.clone(),
                format!(
                    "Shopify location {:?} is inactive: it records no new sales.",
                    l.name
                ),
            ));
        }
        if m.location_status != LocationStatus::Active {
            warnings.push((
                m.location_code.clone(),
                "This TMAS location is inactive: its numbers are hidden from reports.".into(),
            ));
        }
    }
    let unmatched = shop
        .iter()
        .filter(|l| {
            !matches
                .iter()
                .any(|m| m.shopify_location_id == l.legacy_id.to_string())
        })
        .map(|l| format!("{} — ID {}", l.name, l.legacy_id))
        .collect();
    Ok(render(&ConfirmPage {
        layout: admin.0.layout(&state).await?,
        steps: Steps::new(WizardStep::Confirm, Some(&integration)),
        integration,
        matches,
        warnings,
        unmatched,
    })?
    .into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = match load_for_step(&state, &admin, id, WizardStep::Confirm).await? {
        Ok(i) => i,
        Err(response) => return Ok(response),
    };
    if !integration.is_draft() {
        return Ok(Redirect::to(&integration_url(id)).into_response());
    }
    let tenant = admin.0.tenant_id();
    let matches = db::integrations::matches(&state.db, tenant, id).await?;
    if matches.is_empty() {
        return Ok(Redirect::to(&step_url(id, WizardStep::Locations)).into_response());
    }
    db::integrations::advance_wizard(&state.db, tenant, id, WizardStep::Schedule).await?;
    admin
        .0
        .audit(
            &state,
            "integration.wizard.confirm",
            &Details::new()
                .subject(Value::Integration(id))
                .fact(
                    "Locations to import",
                    Value::Count(i64::try_from(matches.len()).unwrap_or(i64::MAX)),
                )
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to(&step_url(id, WizardStep::Schedule)).into_response())
}
