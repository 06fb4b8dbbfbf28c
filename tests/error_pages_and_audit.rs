//! Error pages for signed-in people sit inside the normal layout (menu, language), in their
//! language, with what they can do in their role; the audit log reads its entries in the
//! reader's language, old plain-text entries included; each tenant sees only its own entries.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use tmas::db::audit::{self, Actor};
use tmas::domain::account::{Plan, Role};

backend_tests!(
    a_manager_refused_an_admin_page_sees_the_menu_and_whom_to_ask,
    a_missing_page_keeps_the_menu_and_the_way_back,
    signed_out_visitors_get_the_plain_error_page,
    the_audit_log_reads_in_spanish_old_entries_included,
);

async fn a_manager_refused_an_admin_page_sees_the_menu_and_whom_to_ask(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    app.create_user("boss@acme.example", Role::Admin, Some(a))
        .await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    app.create_user("boss@bravo.example", Role::Admin, Some(b))
        .await;
    let (status, page) = app.browser().text("/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("<nav>") && page.contains("href=\"/reports/totals\""));
    assert!(page.contains("Sign out") && page.contains("manager@acme.example"));
    assert!(page.contains("administrators can open administration pages."));
    assert!(
        page.contains("If you need this page, ask your administrator: boss@acme.example."),
        "{page}"
    );
    assert!(
        !page.contains("boss@bravo.example"),
        "another tenant's admin"
    );
    assert!(page.contains("href=\"/\"") && page.contains("Back to the dashboard"));
    // The menu a manager has: no administration links.
    assert!(!page.contains("href=\"/admin/users\">"));

    // In Spanish.
    let browser = app.browser();
    browser.post_form("/language", &[("lang", "es")]).await;
    let (status, page) = browser.text("/admin/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("lang=\"es\""));
    assert!(
        page.contains("No permitido") && page.contains("Volver al panel"),
        "{page}"
    );
    assert!(
        page.contains("Si necesita esta página, pídala a su administrador: boss@acme.example."),
        "{page}"
    );
    assert!(page.contains("Cerrar sesión"), "{page}");
}

async fn a_missing_page_keeps_the_menu_and_the_way_back(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let (status, page) = app.browser().text("/admin/locations/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found"));
    assert!(
        page.contains("href=\"/admin/audit\""),
        "the admin's menu: {page}"
    );
    assert!(page.contains("Every page you can open is in the menu above"));
    assert!(page.contains("class=\"skip-link\""));
    let (status, page) = app.browser().text("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<nav>") && page.contains("Back to the dashboard"));
    // A refusal caused by the admin's own setting links to where it is changed.
    let (status, page) = app.browser().text("/data/edit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("href=\"/admin/users\">Turn on manual editing under Users</a>"),
        "{page}"
    );
}

async fn signed_out_visitors_get_the_plain_error_page(app: TestApp) {
    let (status, page) = app.other_browser().text("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found") && !page.contains("<nav>"));
}

async fn the_audit_log_reads_in_spanish_old_entries_included(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    // An entry written as facts: a user added through the page.
    let created = browser
        .post_form(
            "/admin/users",
            &[
                ("email", "ana@acme.example"),
                ("password", PASSWORD),
                ("role", "manager"),
                ("may_edit_manually", "on"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    // An entry from before, stored as English text.
    let actor = Actor {
        user_id: 1,
        email: "admin@acme.example".into(),
        acting_staff: false,
    };
    audit::record(
        &app.db,
        Some(a),
        &actor,
        "import.backfill",
        "integration 77 from 2026-03-02",
    )
    .await
    .unwrap();
    // Another tenant's entry never shows.
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    audit::record(&app.db, Some(b), &actor, "user.create", "zed@bravo.example")
        .await
        .unwrap();

    let (_, page) = browser.text("/admin/audit").await;
    assert!(
        page.contains("ana@acme.example; Role: manager; May edit data manually: yes"),
        "{page}"
    );
    assert!(
        page.contains("“a deleted integration” from Mar 2, 2026"),
        "{page}"
    );
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page) = browser.text("/admin/audit").await;
    assert!(page.contains("Añadió un usuario"), "{page}");
    assert!(
        page.contains("ana@acme.example; Rol: gerente; Puede editar datos manualmente: sí"),
        "{page}"
    );
    // The old entry: its integration by name (deleted here) and its date in Spanish.
    assert!(page.contains("“una integración eliminada”"), "{page}");
    assert!(page.contains("2 mar 2026"), "{page}");
    assert!(!page.contains("Role:") && !page.contains("zed@bravo.example"));
}
