//! Administration → Traffic: upload a CSV or XLSX file of traffic, see what it would change,
//! then store it whole (or nothing). Each step that does something redirects to a page
//! (POST/redirect/GET): a clean file waits in `traffic_uploads` under a random token, scoped
//! to its tenant and the user who sent it, and its preview is a page of its own that shows what
//! the upload found, so a reload reads nothing again; the commit reads the file again, so what
//! is stored is what the locations say then, and redirects to the traffic page with what it
//! stored. A file with errors is answered with them at once, and nothing is kept.

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::super::AppState;
use super::super::audit_details::{Details, Value};
use super::super::context::{Layout, TenantAdmin};
use super::super::csrf;
use crate::db;
use crate::db::traffic::{NewUpload, StoreCounts, Upload};
use crate::domain::traffic_rows::{FileError, ReadRows, RowError, read_table};
use crate::error::{AppError, AppResult, render};
use crate::traffic_file::{self, MAX_FILE_BYTES};

/// The form's other fields and the multipart framing around the file.
const FORM_OVERHEAD_BYTES: usize = 64 * 1024;
/// Longer than any token this module makes (43 characters); longer ones are not looked up.
const MAX_TOKEN_CHARS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/traffic", get(page))
        // The file and the form's few fields; past this the upload is refused with a page.
        .route(
            "/admin/traffic/preview",
            post(preview).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + FORM_OVERHEAD_BYTES)),
        )
        .route("/admin/traffic/uploads/{token}", get(upload_page))
        .route("/admin/traffic/commit", post(commit))
}

/// What reading a file found, shown before anything is stored.
struct Preview {
    rows_read: usize,
    counts: StoreCounts,
    errors: Vec<RowError>,
    more_errors: usize,
    unknown_locations: Vec<String>,
    /// Set when the file is clean: the token of the upload the commit form stores.
    upload_token: Option<String>,
}

#[derive(Template)]
#[template(path = "traffic_import.html")]
struct ImportPage {
    layout: Layout,
    file_name: String,
    /// A refusal of the whole file (empty, too large, wrong header, not CSV or XLSX).
    file_error: Option<String>,
    preview: Option<Preview>,
    /// After a commit: what was stored.
    stored: Option<StoreCounts>,
    /// A commit of an upload stored before (a second click): nothing was written again.
    already_stored: bool,
    /// A preview or commit of an upload this user cannot reach (expired, unknown, another
    /// user's or tenant's): nothing to show or store.
    unavailable: bool,
    counted_hours: i64,
    max_megabytes: usize,
    /// How long a clean file waits for its commit.
    kept_hours: i64,
}

impl ImportPage {
    async fn new(state: &AppState, admin: &TenantAdmin) -> AppResult<ImportPage> {
        Ok(ImportPage {
            layout: admin.0.layout(state).await?,
            file_name: String::new(),
            file_error: None,
            preview: None,
            stored: None,
            already_stored: false,
            unavailable: false,
            counted_hours: db::traffic::count(&state.db, admin.0.tenant_id()).await?,
            max_megabytes: MAX_FILE_BYTES / (1024 * 1024),
            kept_hours: db::traffic::UPLOAD_KEPT_SECS / 3600,
        })
    }

    fn column_name(&self, error: &RowError) -> &'static str {
        error.column.map_or("", |c| c.name())
    }
}

fn respond(status: StatusCode, page: &ImportPage) -> AppResult<Response> {
    Ok((status, render(page)?).into_response())
}

/// The upload a token opens for this admin, if any (see [`db::traffic::find_upload`]).
async fn find_upload(
    state: &AppState,
    admin: &TenantAdmin,
    token: &str,
) -> AppResult<Option<Upload>> {
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Ok(None);
    }
    let hash = crate::crypto::sha256_hex(token);
    let user = admin.0.current.user.id;
    Ok(db::traffic::find_upload(&state.db, admin.0.tenant_id(), user, &hash).await?)
}

#[derive(Deserialize, Default)]
struct PageQuery {
    /// After a commit: the token of the upload whose result the page reports.
    #[serde(default)]
    upload: String,
    /// The commit found the upload stored already (a second click).
    #[serde(default)]
    again: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let mut page = ImportPage::new(&state, &admin).await?;
    if let Some(upload) = find_upload(&state, &admin, &query.upload).await? {
        page.file_name = upload.file_name.clone();
        if query.again.is_some() {
            page.already_stored = upload.committed_at.is_some();
        } else {
            page.stored = upload.stored_counts();
        }
    }
    respond(StatusCode::OK, &page)
}

/// The answer to a token this admin cannot reach: the traffic page saying so, 404.
fn unavailable(mut page: ImportPage) -> AppResult<Response> {
    page.unavailable = true;
    respond(StatusCode::NOT_FOUND, &page)
}

/// A clean file's preview, as its upload found it: opening it again reads nothing again.
async fn upload_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let mut page = ImportPage::new(&state, &admin).await?;
    let Some(upload) = find_upload(&state, &admin, &token).await? else {
        return unavailable(page);
    };
    if upload.committed_at.is_some() {
        return Ok(Redirect::to(&format!("/admin/traffic?upload={token}")).into_response());
    }
    page.file_name = upload.file_name.clone();
    page.preview = Some(Preview {
        rows_read: usize::try_from(upload.rows_read).unwrap_or(0),
        counts: upload.preview_counts(),
        errors: Vec::new(),
        more_errors: 0,
        unknown_locations: Vec::new(),
        upload_token: Some(token),
    });
    respond(StatusCode::OK, &page)
}

/// Reads a file's bytes against the tenant's locations as they are now.
async fn read_file(
    state: &AppState,
    admin: &TenantAdmin,
    bytes: &[u8],
) -> AppResult<Result<ReadRows, FileError>> {
    let locations = super::location_index(state, admin.0.tenant_id()).await?;
    Ok(traffic_file::records(bytes).and_then(|records| read_table(records, &locations)))
}

async fn preview(
    State(state): State<AppState>,
    admin: TenantAdmin,
    request: Request,
) -> AppResult<Response> {
    let mut page = ImportPage::new(&state, &admin).await?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES + FORM_OVERHEAD_BYTES) {
        super::drain(request.into_body()).await;
        return upload_refused(page, StatusCode::PAYLOAD_TOO_LARGE);
    }
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| AppError::BadRequest("The upload must be a multipart form.".into()))?;
    let file = match form_file(&mut multipart, &admin).await? {
        Ok(file) => file,
        Err(status) => return upload_refused(page, status),
    };
    let Some((file_name, bytes)) = file else {
        page.file_error = Some("Choose a CSV or XLSX file to upload.".into());
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    page.file_name = file_name.chars().take(200).collect();
    if bytes.is_empty() {
        page.file_error = Some(FileError::Empty.to_string());
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let read = match read_file(&state, &admin, &bytes).await? {
        Ok(read) => read,
        Err(e) => {
            let status = match e {
                FileError::Unreadable(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            page.file_error = Some(e.to_string());
            return respond(status, &page);
        }
    };
    let tenant = admin.0.tenant_id();
    let counts = db::traffic::preview(&state.db, tenant, &read.rows).await?;
    if !read.is_clean() {
        // Answered with its errors at once; nothing is kept.
        page.preview = Some(preview_of(read, counts, None));
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let token = crate::crypto::random_token();
    let upload = NewUpload {
        user_id: admin.0.current.user.id,
        token_hash: &crate::crypto::sha256_hex(&token),
        file_name: &page.file_name,
        sha256: &hex::encode(Sha256::digest(&bytes)),
        content: &bytes,
        rows_read: read.rows_read,
        counts,
    };
    db::traffic::save_upload(&state.db, tenant, &upload).await?;
    Ok(Redirect::to(&format!("/admin/traffic/uploads/{token}")).into_response())
}

/// The file the upload form sent (None without one) once its CSRF token, sent before it,
/// is checked; the status to refuse a form that could not be read with.
async fn form_file(
    multipart: &mut Multipart,
    admin: &TenantAdmin,
) -> AppResult<Result<Option<(String, Vec<u8>)>, StatusCode>> {
    let mut token_checked = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Ok(Err(e.status())),
        };
        match field.name() {
            // The form puts its token before the file, so nothing is read before it is checked.
            Some(csrf::FIELD) => {
                let sent = field.text().await.unwrap_or_default();
                if !csrf::verify(&admin.0.current.session, &sent).await {
                    return Err(AppError::Csrf);
                }
                token_checked = true;
            }
            Some("file") if token_checked => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes.to_vec())),
                    Err(e) => return Ok(Err(e.status())),
                }
            }
            Some("file") => return Err(AppError::Csrf),
            _ => {}
        }
    }
    if !token_checked {
        return Err(AppError::Csrf);
    }
    Ok(Ok(file))
}

fn preview_of(read: ReadRows, counts: StoreCounts, upload_token: Option<String>) -> Preview {
    let (errors, more_errors) = super::listed_errors(&read);
    Preview {
        rows_read: read.rows_read,
        counts,
        errors,
        more_errors,
        unknown_locations: read.unknown_locations,
        upload_token,
    }
}

/// A multipart body refused while it was read: too large, or not a form at all.
fn upload_refused(mut page: ImportPage, status: StatusCode) -> AppResult<Response> {
    let status = if status == StatusCode::PAYLOAD_TOO_LARGE {
        page.file_error = Some(format!(
            "The file is larger than {} MB. Split it into smaller files (a year of 12 stores by the hour is about 4 MB).",
            page.max_megabytes
        ));
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        page.file_error = Some("The upload could not be read. Try again.".into());
        StatusCode::BAD_REQUEST
    };
    respond(status, &page)
}

#[derive(Deserialize)]
struct CommitForm {
    /// The token of the upload, from the preview page's form.
    #[serde(default)]
    upload: String,
}

async fn commit(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Form(form): Form<CommitForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let token = form.upload;
    let stored_already = format!("/admin/traffic?upload={token}&again=1");
    let mut page = ImportPage::new(&state, &admin).await?;
    // Another tenant's or user's upload is not found, like an expired one.
    let Some(upload) = find_upload(&state, &admin, &token).await? else {
        return unavailable(page);
    };
    if upload.committed_at.is_some() {
        return Ok(Redirect::to(&stored_already).into_response());
    }
    let content = db::traffic::upload_content(&state.db, tenant, upload.id)
        .await?
        .ok_or(AppError::NotFound)?;
    page.file_name = upload.file_name.clone();
    let read = match read_file(&state, &admin, &content).await? {
        Ok(read) if read.is_clean() => read,
        // The locations changed since the preview: show what is wrong now, store nothing.
        Ok(read) => {
            let counts = db::traffic::preview(&state.db, tenant, &read.rows).await?;
            page.preview = Some(preview_of(read, counts, None));
            return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => {
            page.file_error = Some(e.to_string());
            return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let Some(counts) = db::traffic::commit_upload(&state.db, tenant, upload.id, &read.rows).await?
    else {
        return Ok(Redirect::to(&stored_already).into_response());
    };
    audit_import(&state, &admin, &upload, read.rows_read, counts).await?;
    Ok(Redirect::to(&format!("/admin/traffic?upload={token}")).into_response())
}

/// Records a stored file in the tenant's audit log: which file, and what it changed.
async fn audit_import(
    state: &AppState,
    admin: &TenantAdmin,
    upload: &Upload,
    rows_read: usize,
    counts: StoreCounts,
) -> AppResult<()> {
    admin
        .0
        .audit(
            state,
            "traffic.import",
            &Details::new()
                .subject(Value::Text(upload.file_name.clone()))
                .fact("SHA-256", Value::Text(upload.sha256.clone()))
                .fact("Rows read", Value::Count(count(rows_read)))
                .fact("Location-hours added", Value::Count(count(counts.added)))
                .fact(
                    "Location-hours replaced",
                    Value::Count(count(counts.replaced)),
                )
                .fact(
                    "Location-hours unchanged",
                    Value::Count(count(counts.unchanged)),
                )
                .to_stored(),
        )
        .await
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
