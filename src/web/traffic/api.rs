//! `POST /api/v1/traffic`: a counter or a script posts rows of the traffic layout as JSON or
//! CSV with an API key. The key alone says which tenant is writing (never a cookie, a URL or
//! the body), a request is stored whole or not at all, and every answer is JSON.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::super::AppState;
use super::keys::KEY_PREFIX;
use crate::db;
use crate::db::api_keys::ApiKey;
use crate::db::traffic::Source;
use crate::domain::traffic_rows::{Column, FileError, ReadRows, RowReader, read_table};
use crate::traffic_file::{MAX_FILE_BYTES, csv_records};

/// Requests one key may make in a minute: a counter posts every hour or every few minutes.
pub const REQUESTS_PER_MINUTE: i64 = 60;

const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/traffic", post(post_traffic))
        .route("/api/v1/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// The key of `Authorization: Bearer …`, if it is a live one.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<ApiKey, Response> {
    let unauthorized = |message: &str| {
        let mut response = problem(StatusCode::UNAUTHORIZED, message);
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    };
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized(
            "Send an API key in the header Authorization: Bearer <key>.",
        ));
    };
    let key = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if !key.starts_with(KEY_PREFIX) {
        return Err(unauthorized(
            "Send an API key in the header Authorization: Bearer <key>.",
        ));
    }
    match db::api_keys::find_live(&state.db, &crate::crypto::sha256_hex(key)).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(unauthorized("This API key is unknown or was revoked.")),
        Err(e) => {
            tracing::error!(error = %e, "looking up an API key");
            Err(problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error.",
            ))
        }
    }
}

async fn post_traffic(State(state): State<AppState>, request: Request) -> Response {
    match handle(&state, request).await {
        Ok(response) | Err(response) => response,
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "traffic API");
    problem(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.")
}

async fn handle(state: &AppState, request: Request) -> Result<Response, Response> {
    let (parts, body) = request.into_parts();
    let key = authenticate(state, &parts.headers).await?;
    let tenant = key.tenant();
    within_rate_limit(state, &key).await?;
    let Some(kind) = media_type(&parts.headers) else {
        return Err(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the rows as JSON (Content-Type: application/json) or CSV (Content-Type: text/csv).",
        ));
    };
    let bytes = read_body(&parts.headers, body).await?;
    let locations = super::location_index(state, tenant)
        .await
        .map_err(internal)?;
    let read = read_rows(&kind, &bytes, &locations)
        .map_err(|message| problem(StatusCode::UNPROCESSABLE_ENTITY, &message))?;
    if !read.is_clean() {
        return Err(row_errors(&read));
    }
    let counts = db::traffic::store(&state.db, tenant, &read.rows, Source::Api)
        .await
        .map_err(internal)?;
    tracing::info!(
        tenant = tenant.0,
        key = key.id,
        rows = read.rows.len(),
        added = counts.added,
        replaced = counts.replaced,
        "traffic posted"
    );
    Ok((
        StatusCode::OK,
        axum::Json(json!({
            "rows": read.rows_read,
            "stored": counts.added + counts.replaced,
            "added": counts.added,
            "replaced": counts.replaced,
            "unchanged": counts.unchanged,
        })),
    )
        .into_response())
}

/// Counts the request against its key: 429 past the minute's allowance, with when to retry.
async fn within_rate_limit(state: &AppState, key: &ApiKey) -> Result<(), Response> {
    let tenant = key.tenant();
    let requests = db::api_keys::count_request(&state.db, tenant, key.id)
        .await
        .map_err(internal)?;
    if requests > REQUESTS_PER_MINUTE {
        let mut response = problem(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests with this key: at most 60 a minute. Wait and send again.",
        );
        let wait = 60 - db::now() % 60;
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }
    Ok(())
}

/// The request's media type, lowercase without parameters, when it is JSON or CSV.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    (kind == "application/json" || kind == "text/csv").then_some(kind)
}

/// The body, at most [`MAX_FILE_BYTES`]: a larger one declared is drained unread, 413
/// either way.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, Response> {
    let too_large = format!(
        "The request is larger than {} MB: send the rows in several requests.",
        MAX_FILE_BYTES / (1024 * 1024)
    );
    let declared_too_large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_FILE_BYTES);
    if declared_too_large {
        super::drain(Body::new(body)).await;
        return Err(problem(StatusCode::PAYLOAD_TOO_LARGE, &too_large));
    }
    to_bytes(Body::new(body), MAX_FILE_BYTES)
        .await
        .map_err(|_| problem(StatusCode::PAYLOAD_TOO_LARGE, &too_large))
}

/// The rows of a CSV (which must be UTF-8) or JSON body, else why the file cannot be read.
fn read_rows(
    kind: &str,
    bytes: &[u8],
    locations: &crate::domain::traffic_rows::LocationIndex,
) -> Result<ReadRows, String> {
    let read = if kind == "text/csv" {
        if std::str::from_utf8(bytes).is_err() {
            return Err("The CSV must be UTF-8 text.".into());
        }
        csv_records(bytes).and_then(|records| read_table(records, locations))
    } else {
        read_json(bytes, locations)
    };
    read.map_err(|e| e.to_string())
}

/// 422 with one error per bad row (the first 200, and how many in all); nothing was stored.
fn row_errors(read: &ReadRows) -> Response {
    let (listed, _) = super::listed_errors(read);
    let errors: Vec<Value> = listed
        .iter()
        .map(|e| {
            json!({
                "row": e.line,
                "field": e.column.map(Column::name),
                "message": e.message,
            })
        })
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({
            "error": "Some rows are wrong; nothing was stored.",
            "error_count": read.errors.len(),
            "errors": errors,
            "unknown_locations": read.unknown_locations,
        })),
    )
        .into_response()
}

/// A JSON array of row objects, read by the same rules as a file's rows; `row` in an error is
/// the object's position, 1 first.
fn read_json(
    bytes: &[u8],
    locations: &crate::domain::traffic_rows::LocationIndex,
) -> Result<ReadRows, FileError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        FileError::Unreadable(format!(
            "The body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Array(rows) = value else {
        return Err(FileError::Unreadable(
            "The body must be a JSON array of rows.".into(),
        ));
    };
    if rows.is_empty() {
        return Err(FileError::Empty);
    }
    let mut reader = RowReader::new(locations);
    let mut shape_errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let position = i + 1;
        let Value::Object(fields) = row else {
            shape_errors.push(crate::domain::traffic_rows::RowError {
                line: position,
                column: None,
                message: "Each row must be an object with location_id, date, hour and traffic."
                    .into(),
            });
            continue;
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| Column::ORDER.iter().all(|c| c.name() != k.as_str()))
        {
            shape_errors.push(crate::domain::traffic_rows::RowError {
                line: position,
                column: None,
                message: format!(
                    "Unknown field \"{unknown}\": the fields are location_id, date, hour, traffic and staff_hours."
                ),
            });
            continue;
        }
        let cells: Vec<String> = Column::ORDER
            .iter()
            .map(|c| match fields.get(c.name()) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        reader.read(position, |column| {
            cells.get(column as usize).map(String::as_str)
        });
    }
    let mut read = reader.finish();
    // Rows refused for their shape count as read, listed in order with the others.
    read.rows_read += shape_errors.len();
    read.errors.extend(shape_errors);
    read.errors.sort_by_key(|e| e.line);
    Ok(read)
}
