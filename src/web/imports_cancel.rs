//! A running import seen and stopped from the imports page: the phase of a bulk read
//! (Shopify exporting, with its object count; then TMAS writing, with orders done of the
//! file's total) and an administrator's cancel, which the worker obeys at its next batch or
//! poll, canceling the Shopify bulk export it waits for.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::context::TenantAdmin;
use crate::db::bulk_runs;
use crate::db::imports::{self, ImportRun};
use crate::domain::import_run::BulkPhase;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};

/// The progress line of a run reading a bulk export, `None` for a paged run.
pub(crate) fn bulk_progress_text(run: &ImportRun, lang: Lang) -> Option<String> {
    match run.bulk_phase {
        BulkPhase::Exporting => Some(i18n::fill(
            lang,
            "Shopify is exporting the orders: {} objects so far",
            &[i18n::format_integer(lang, run.bulk_objects)],
        )),
        BulkPhase::Writing => Some(i18n::fill(
            lang,
            "TMAS is writing the orders: {} of {} done",
            &[
                i18n::format_integer(lang, run.bulk_orders_done),
                i18n::format_integer(lang, run.bulk_orders_total),
            ],
        )),
        BulkPhase::Idle => None,
    }
}

/// How far a bulk read is, 0–100: nothing known while Shopify exports, then the share of
/// the file's orders written. `None` for a paged run.
pub(crate) fn bulk_percent(run: &ImportRun) -> Option<i64> {
    match run.bulk_phase {
        BulkPhase::Exporting => Some(0),
        BulkPhase::Writing => Some(
            (run.bulk_orders_done * 100)
                .checked_div(run.bulk_orders_total)
                .unwrap_or(0)
                .clamp(0, 100),
        ),
        BulkPhase::Idle => None,
    }
}

/// Asks the worker to cancel a running run of the signed-in tenant's integration.
pub async fn cancel(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((id, run)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    // Another tenant's integration is not found: the tenant comes from the session.
    imports::integration(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let notice = if bulk_runs::request_cancel(&state.db, tenant, id, run).await? {
        let export = bulk_runs::running_operation(&state.db, tenant, id)
            .await?
            .map(|op| format!("; the worker cancels its Shopify bulk export {op}"))
            .unwrap_or_default();
        admin
            .0
            .audit(
                &state,
                "import.cancel",
                &format!("integration {id}, run {run}: cancel requested{export}"),
            )
            .await?;
        "cancel_requested"
    } else {
        "not_running"
    };
    Ok(Redirect::to(&format!("/admin/integrations/{id}/imports?notice={notice}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(phase: BulkPhase, objects: i64, done: i64, total: i64) -> ImportRun {
        ImportRun {
            id: 1,
            integration_id: 1,
            trigger: crate::domain::import_run::Trigger::Initial,
            window_from: 0,
            window_to: 100,
            started_at: 0,
            finished_at: None,
            pages: 0,
            orders_read: 0,
            refunds_read: 0,
            orders_stored: 0,
            refunds_stored: 0,
            outcome: crate::domain::import_run::RunState::Running,
            error: String::new(),
            worker: String::new(),
            progress_until: None,
            note: String::new(),
            read_mode: crate::domain::import_run::ReadMode::Bulk,
            bulk_phase: phase,
            bulk_objects: objects,
            bulk_orders_done: done,
            bulk_orders_total: total,
            cancel_requested: 0,
        }
    }

    #[test]
    fn a_bulk_run_says_its_phase_in_both_languages() {
        let exporting = run(BulkPhase::Exporting, 12_345, 0, 0);
        assert_eq!(
            bulk_progress_text(&exporting, Lang::En).as_deref(),
            Some("Shopify is exporting the orders: 12,345 objects so far")
        );
        assert_eq!(
            bulk_progress_text(&exporting, Lang::Es).as_deref(),
            Some("Shopify está exportando los pedidos: 12.345 objetos hasta ahora")
        );
        let writing = run(BulkPhase::Writing, 0, 1_200, 4_800);
        assert_eq!(
            bulk_progress_text(&writing, Lang::En).as_deref(),
            Some("TMAS is writing the orders: 1,200 of 4,800 done")
        );
        assert_eq!(
            bulk_progress_text(&writing, Lang::Es).as_deref(),
            Some("TMAS está guardando los pedidos: 1.200 de 4.800 hechos")
        );
        assert_eq!(bulk_percent(&writing), Some(25));
        assert_eq!(bulk_percent(&run(BulkPhase::Writing, 0, 0, 0)), Some(0));
        assert_eq!(
            bulk_progress_text(&run(BulkPhase::Idle, 0, 0, 0), Lang::En),
            None
        );
    }
}
