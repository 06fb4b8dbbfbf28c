//! Wizard step 1: a label, the store name and the app's credentials, checked live.

use crate::web::audit_details::{Details, Value};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{
    CheckFailure, ShopReport, Steps, check_connection, guard_step, integration_url, load,
    refuse_plan, resume_url, step_url,
};
use crate::crypto::StoredCredentials;
use crate::db;
use crate::db::TenantId;
use crate::db::integrations::{Integration, SealedCredentials, VerifiedShop};
use crate::domain::account::required_text;
use crate::domain::integration::{CredentialKind, WizardStep};
use crate::domain::integration_setup::CredentialsInput;
use crate::domain::store_name::StoreName;
use crate::error::{AppResult, render};
use crate::web::AppState;
use crate::web::context::{FormErrors, Layout, TenantAdmin};

#[derive(Deserialize, Default, Clone)]
pub struct GeneralForm {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub store_name: String,
    #[serde(default)]
    pub credential_kind: String,
    #[serde(default)]
    pub access_token: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
}

impl GeneralForm {
    /// The form as it may be shown again: secrets are never echoed into the page.
    fn without_secrets(mut self) -> GeneralForm {
        self.access_token.clear();
        self.client_secret.clear();
        self
    }
}

#[derive(Template)]
#[template(path = "wizard_general.html")]
struct GeneralPage {
    layout: Layout,
    steps: Steps,
    action: String,
    /// The draft being edited, if any.
    draft_id: Option<i64>,
    form: GeneralForm,
    errors: FormErrors,
    general_error: Option<String>,
    /// The stored credentials' hint (`…abcd`) when a draft already has some.
    stored_hint: Option<String>,
}

async fn form_page(
    state: &AppState,
    admin: &TenantAdmin,
    draft: Option<&Integration>,
    form: GeneralForm,
    errors: FormErrors,
    general_error: Option<String>,
) -> AppResult<Response> {
    let page = GeneralPage {
        layout: admin.0.layout(state).await?,
        steps: Steps::new(WizardStep::General, draft),
        action: draft.map_or("/admin/integrations/shopify/new".to_string(), |d| {
            step_url(d.id, WizardStep::General)
        }),
        draft_id: draft.map(|d| d.id),
        form: form.without_secrets(),
        errors,
        general_error,
        stored_hint: draft
            .filter(|d| !d.credentials_enc.is_empty())
            .map(|d| d.credentials_hint.clone()),
    };
    let status = if page.errors.any() || page.general_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /admin/integrations/shopify/new`: resumes the tenant's draft, or starts a new wizard.
pub async fn start(State(state): State<AppState>, admin: TenantAdmin) -> AppResult<Response> {
    if let Some(refusal) = refuse_plan(&state, &admin).await? {
        return Ok(refusal);
    }
    if let Some(draft) = db::integrations::latest_draft(&state.db, admin.0.tenant_id()).await? {
        return Ok(Redirect::to(&resume_url(&draft)).into_response());
    }
    let form = GeneralForm {
        label: admin.0.tenant.name.clone(),
        credential_kind: "access_token".into(),
        ..GeneralForm::default()
    };
    form_page(&state, &admin, None, form, FormErrors::default(), None).await
}

/// `POST /admin/integrations/shopify/new`: the first step of a new wizard.
pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Form(form): Form<GeneralForm>,
) -> AppResult<Response> {
    if let Some(refusal) = refuse_plan(&state, &admin).await? {
        return Ok(refusal);
    }
    submit(&state, &admin, None, form).await
}

pub async fn edit_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let draft = load(&state, &admin, id).await?;
    if !draft.is_draft() {
        return Ok(Redirect::to(&integration_url(id)).into_response());
    }
    if let Some(refusal) = refuse_plan(&state, &admin).await? {
        return Ok(refusal);
    }
    let form = GeneralForm {
        label: draft.label.clone(),
        store_name: draft.store_name.to_string(),
        credential_kind: draft
            .credential_kind
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        ..GeneralForm::default()
    };
    form_page(
        &state,
        &admin,
        Some(&draft),
        form,
        FormErrors::default(),
        None,
    )
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<GeneralForm>,
) -> AppResult<Response> {
    let draft = load(&state, &admin, id).await?;
    if !draft.is_draft() {
        return Ok(Redirect::to(&integration_url(id)).into_response());
    }
    if let Some(refusal) = refuse_plan(&state, &admin).await? {
        return Ok(refusal);
    }
    if let Some(redirect) = guard_step(&draft, WizardStep::General) {
        return Ok(redirect);
    }
    submit(&state, &admin, Some(&draft), form).await
}

pub fn to_stored(input: CredentialsInput) -> StoredCredentials {
    match input {
        CredentialsInput::AccessToken(access_token) => {
            StoredCredentials::AccessToken { access_token }
        }
        CredentialsInput::ClientCredentials {
            client_id,
            client_secret,
        } => StoredCredentials::ClientCredentials {
            client_id,
            client_secret,
        },
    }
}

/// Parses the credential fields; when editing a draft, blank secret fields of the same kind
/// keep the stored credentials.
fn parse_credentials(
    state: &AppState,
    draft: Option<&Integration>,
    form: &GeneralForm,
) -> Result<(StoredCredentials, bool), Vec<(&'static str, String)>> {
    let blank = form.access_token.trim().is_empty() && form.client_secret.trim().is_empty();
    if let Some(d) = draft.filter(|d| {
        blank
            && !d.credentials_enc.is_empty()
            && d.credential_kind
                .is_some_and(|k| CredentialKind::parse(&form.credential_kind) == Ok(k))
    }) && let Ok(stored) = StoredCredentials::open(&state.secret_key, &d.credentials_enc)
    {
        let keeps_id = match &stored {
            StoredCredentials::ClientCredentials { client_id, .. } => {
                form.client_id.trim().is_empty() || form.client_id.trim() == client_id
            }
            StoredCredentials::AccessToken { .. } => true,
        };
        if keeps_id {
            return Ok((stored, false));
        }
    }
    CredentialsInput::parse(
        &form.credential_kind,
        &form.access_token,
        &form.client_id,
        &form.client_secret,
    )
    .map(|input| (to_stored(input), true))
}

fn duplicate_store(store: &StoreName, other: &Integration) -> String {
    format!(
        "This tenant already has a Shopify integration for the store {:?} ({:?}). Open it from \
         the POS integration page instead: one integration per store.",
        store.as_str(),
        other.label
    )
}

/// The form's label, store name and credentials (with whether they are new), or `None`
/// once every refusal is added to `errors`.
fn parse_general(
    state: &AppState,
    draft: Option<&Integration>,
    form: &GeneralForm,
    errors: &mut FormErrors,
) -> Option<(String, StoreName, StoredCredentials, bool)> {
    let label = required_text("label", &form.label, 100)
        .map_err(|e| errors.add("label", e))
        .ok();
    let store = StoreName::parse(&form.store_name)
        .map_err(|e| errors.add("store_name", e))
        .ok();
    let credentials = match parse_credentials(state, draft, form) {
        Ok(c) => Some(c),
        Err(list) => {
            for (field, message) in list {
                errors.add(field, message);
            }
            None
        }
    };
    let (Some(label), Some(store), Some((credentials, new_credentials))) =
        (label, store, credentials)
    else {
        return None;
    };
    Some((label, store, credentials, new_credentials))
}

/// Stores step 1: a new draft, or the draft's new settings (another store drops its
/// location matches). The database's refusal is returned for the caller to explain.
async fn store_general(
    state: &AppState,
    tenant: TenantId,
    draft: Option<&Integration>,
    store: &StoreName,
    verified: &VerifiedShop,
    sealed: &SealedCredentials,
    new_credentials: bool,
) -> AppResult<sqlx::Result<i64>> {
    Ok(match draft {
        None => db::integrations::create_draft(&state.db, tenant, verified, sealed)
            .await
            .map(|i| i.id),
        Some(d) => {
            let new = new_credentials.then_some(sealed);
            let result = db::integrations::update_general(&state.db, tenant, d.id, verified, new)
                .await
                .map(|_| d.id);
            if result.is_ok() && d.store_name != *store {
                // Another store: its locations must be matched again.
                db::integrations::replace_matches(&state.db, tenant, d.id, &[]).await?;
                db::integrations::reset_wizard(&state.db, tenant, d.id, WizardStep::Locations)
                    .await?;
            }
            result
        }
    })
}

/// The audit details of a saved step 1.
fn general_details(
    id: i64,
    store: &StoreName,
    label: &str,
    report: &ShopReport,
    credentials: &StoredCredentials,
    new_credentials: bool,
) -> Details {
    Details::new()
        .subject(Value::Integration(id))
        .fact("Shopify store", Value::Text(store.to_string()))
        .fact("Label", Value::Text(label.to_string()))
        .fact("Shop name", Value::Text(report.shop_name.to_string()))
        .fact("Credentials", Value::Text(credentials.hint().to_string()))
        .fact("New credentials", Value::Flag(new_credentials))
}

async fn submit(
    state: &AppState,
    admin: &TenantAdmin,
    draft: Option<&Integration>,
    form: GeneralForm,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let mut errors = FormErrors::default();
    let Some((label, store, credentials, new_credentials)) =
        parse_general(state, draft, &form, &mut errors)
    else {
        return form_page(state, admin, draft, form, errors, None).await;
    };
    if let Some(other) = db::integrations::find_by_store(&state.db, tenant, &store).await?
        && Some(other.id) != draft.map(|d| d.id)
    {
        errors.add("store_name", duplicate_store(&store, &other));
        return form_page(state, admin, draft, form, errors, None).await;
    }
    let report = match check_connection(state, &store, &credentials).await {
        Ok(report) => report,
        Err(CheckFailure::Field(field, message)) => {
            errors.add(field, message);
            return form_page(state, admin, draft, form, errors, None).await;
        }
        Err(CheckFailure::General(message) | CheckFailure::Scopes(message)) => {
            return form_page(state, admin, draft, form, errors, Some(message)).await;
        }
    };
    let sealed = credentials.sealed(&state.secret_key)?;
    let verified = report.verified(&label, &store);
    let saved = store_general(
        state,
        tenant,
        draft,
        &store,
        &verified,
        &sealed,
        new_credentials,
    );
    let id = match saved.await? {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            let other = db::integrations::find_by_store(&state.db, tenant, &store)
                .await?
                .ok_or(e)?;
            errors.add("store_name", duplicate_store(&store, &other));
            return form_page(state, admin, draft, form, errors, None).await;
        }
        Err(e) => return Err(e.into()),
    };
    admin
        .0
        .audit(
            state,
            "integration.wizard.general",
            &general_details(id, &store, &label, &report, &credentials, new_credentials)
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to(&step_url(id, WizardStep::Locations)).into_response())
}
