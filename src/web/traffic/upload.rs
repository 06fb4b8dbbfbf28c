//! Administration → Traffic: upload a CSV or XLSX file of traffic, see what it would change,
//! then store it whole (or nothing). The file waits in `traffic_uploads` between the two steps
//! and is read again at commit, so what is stored is what the locations say then.

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::super::AppState;
use super::super::audit_details::{Details, Value};
use super::super::context::{Layout, TenantAdmin};
use super::super::csrf;
use crate::db;
use crate::db::traffic::StoreCounts;
use crate::domain::traffic_rows::{FileError, ReadRows, RowError, read_table};
use crate::error::{AppError, AppResult, render};
use crate::traffic_file::{self, MAX_FILE_BYTES};

/// The form's other fields and the multipart framing around the file.
const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/traffic", get(page))
        // The file and the form's few fields; past this the upload is refused with a page.
        .route(
            "/admin/traffic/preview",
            post(preview).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + FORM_OVERHEAD_BYTES)),
        )
        .route("/admin/traffic/commit", post(commit))
}

/// What reading a file found, shown before anything is stored.
struct Preview {
    rows_read: usize,
    counts: StoreCounts,
    errors: Vec<RowError>,
    more_errors: usize,
    unknown_locations: Vec<String>,
    /// Set when the file is clean: the upload the commit form stores.
    upload_id: Option<i64>,
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
    counted_hours: i64,
    max_megabytes: usize,
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
            counted_hours: db::traffic::count(&state.db, admin.0.tenant_id()).await?,
            max_megabytes: MAX_FILE_BYTES / (1024 * 1024),
        })
    }

    fn column_name(&self, error: &RowError) -> &'static str {
        error.column.map_or("", |c| c.name())
    }
}

fn respond(status: StatusCode, page: &ImportPage) -> AppResult<Response> {
    Ok((status, render(page)?).into_response())
}

async fn page(State(state): State<AppState>, admin: TenantAdmin) -> AppResult<Response> {
    let page = ImportPage::new(&state, &admin).await?;
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
    let upload_id = if read.is_clean() {
        let sha = hex::encode(Sha256::digest(&bytes));
        Some(
            db::traffic::save_upload(
                &state.db,
                tenant,
                admin.0.current.user.id,
                &page.file_name,
                &sha,
                &bytes,
            )
            .await?,
        )
    } else {
        None
    };
    let status = if read.is_clean() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page.preview = Some(preview_of(read, counts, upload_id));
    respond(status, &page)
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

fn preview_of(read: ReadRows, counts: StoreCounts, upload_id: Option<i64>) -> Preview {
    let (errors, more_errors) = super::listed_errors(&read);
    Preview {
        rows_read: read.rows_read,
        counts,
        errors,
        more_errors,
        unknown_locations: read.unknown_locations,
        upload_id,
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
    upload: i64,
}

async fn commit(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Form(form): Form<CommitForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    // Another tenant's upload id is simply not found.
    let upload = db::traffic::get_upload(&state.db, tenant, form.upload)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut page = ImportPage::new(&state, &admin).await?;
    page.file_name = upload.file_name.clone();
    if upload.committed_at.is_some() {
        page.already_stored = true;
        return respond(StatusCode::OK, &page);
    }
    let read = match read_file(&state, &admin, &upload.content).await? {
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
        page.already_stored = true;
        return respond(StatusCode::OK, &page);
    };
    admin
        .0
        .audit(
            &state,
            "traffic.import",
            &Details::new()
                .subject(Value::Text(upload.file_name.clone()))
                .fact("SHA-256", Value::Text(upload.sha256.clone()))
                .fact("Rows read", Value::Count(count(read.rows_read)))
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
        .await?;
    page.counted_hours = db::traffic::count(&state.db, tenant).await?;
    page.stored = Some(counts);
    respond(StatusCode::OK, &page)
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
