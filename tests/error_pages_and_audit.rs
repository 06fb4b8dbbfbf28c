//! Error pages for signed-in people sit inside the normal layout (menu, language), in their
//! language, with what they can do in their role; the audit log reads its entries in the
//! reader's language, old plain-text entries included; each tenant sees only its own entries.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use tmas::db::audit::{self, Actor};
use tmas::domain::account::{Plan, Role};
use tmas::web::audit_details::{Details, Value};

backend_tests!(
    a_manager_refused_an_admin_page_sees_the_menu_and_whom_to_ask,
    a_missing_page_keeps_the_menu_and_the_way_back,
    signed_out_visitors_get_the_plain_error_page,
    the_audit_log_reads_in_spanish_old_entries_included,
    staff_and_password_entries_read_in_plain_words,
);

/// Whether the page shows a bare status code ("Error 403") to the reader.
fn shows_status_code(page: &str) -> bool {
    ["Error 4", "Error 5", ">403<", ">404<", ">400<", ">500<"]
        .iter()
        .any(|code| page.contains(code))
}

async fn a_manager_refused_an_admin_page_sees_the_menu_and_whom_to_ask(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    app.create_user("boss@acme.example", Role::Admin, Some(a))
        .await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    app.create_user("boss@bravo.example", Role::Admin, Some(b))
        .await;
    let (status, page) = app.browser().text("/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Said in words, not as a status code.
    assert!(
        page.contains("<h1 id=\"error-title\">You don&#39;t have access to this page</h1>")
            || page.contains("<h1 id=\"error-title\">You don&#x27;t have access to this page</h1>"),
        "{page}"
    );
    assert!(!shows_status_code(&page), "{page}");
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
        page.contains("No tiene acceso a esta página") && page.contains("Volver al panel"),
        "{page}"
    );
    assert!(
        page.contains("Si necesita esta página, pídala a su administrador: boss@acme.example."),
        "{page}"
    );
    assert!(page.contains("Cerrar sesión"), "{page}");
    assert!(
        !shows_status_code(&page) && !page.contains("No permitido"),
        "{page}"
    );
}

async fn a_missing_page_keeps_the_menu_and_the_way_back(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let (status, page) = app.browser().text("/admin/locations/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found") && !shows_status_code(&page));
    assert!(
        page.contains("href=\"/admin/audit\""),
        "the admin's menu: {page}"
    );
    // The hint names the pages every reader uses, not only the administration ones.
    assert!(
        page.contains(
            "Every page you can open is in the menu above: the dashboard, reports and export"
        ),
        "{page}"
    );
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
    assert!(!shows_status_code(&page), "{page}");
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
        page.contains("ana@acme.example</li><li>Role: manager</li><li>May edit data manually: yes"),
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
        page.contains(
            "ana@acme.example</li><li>Rol: gerente</li><li>Puede editar datos manualmente: sí"
        ),
        "{page}"
    );
    // The old entry: its integration by name (deleted here) and its date in Spanish.
    assert!(page.contains("“una integración eliminada”"), "{page}");
    assert!(page.contains("2 mar 2026"), "{page}");
    assert!(!page.contains("Role:") && !page.contains("zed@bravo.example"));
}

/// Tenants created, staff entering and leaving, password resets (by an admin, by staff, on the
/// command line) and a password changed by its owner: each entry reads in plain words in both
/// languages, says which tenant it concerns, and stays inside that tenant's log.
async fn staff_and_password_entries_read_in_plain_words(app: TestApp) {
    let acme = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let admin = app.browser();
    let ana = app
        .create_user("ana@acme.example", Role::Manager, Some(acme))
        .await;
    let reset = admin
        .post_form(&format!("/admin/users/{ana}/password"), &[])
        .await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    let new = "quartz-lantern-meadow-71";
    let changed = admin
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    // The command line resets a password in Acme too.
    let operator = Actor {
        user_id: 0,
        email: audit::COMMAND_LINE_OPERATOR.into(),
        acting_staff: false,
    };
    audit::record(
        &app.db,
        Some(acme),
        &operator,
        "user.reset_password",
        &Details::new()
            .subject(Value::Text("ana@acme.example".into()))
            .fact("Role", Value::Word("manager".into()))
            .to_stored(),
    )
    .await
    .unwrap();

    // Staff create a second tenant, enter it, leave it, and reset a colleague's password.
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let colleague = app
        .create_user("ops2@tmas.example", Role::Staff, None)
        .await;
    let staff = app.other_browser();
    staff.login("ops@tmas.example", PASSWORD).await;
    let created = staff
        .post_form(
            "/staff/tenants",
            &[
                ("name", "Cobalt"),
                ("plan", "retail"),
                ("time_zone", "Europe/Madrid"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let cobalt = tmas::db::tenants::find_by_name(&app.db, "Cobalt")
        .await
        .unwrap()
        .expect("created");
    let entered = staff
        .post_form(&format!("/staff/tenants/{}/enter", cobalt.id), &[])
        .await;
    assert_eq!(entered.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        staff.post_form("/staff/leave", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let reset = staff
        .post_form(&format!("/staff/users/{colleague}/password"), &[])
        .await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    // An entry from before, stored as text.
    audit::record(
        &app.db,
        Some(cobalt.tenant_id()),
        &operator,
        "tenant.create",
        "name=Old Cobalt plan=retail",
    )
    .await
    .unwrap();

    // Acme's admin reads Acme's entries only.
    let (_, log) = admin.text("/admin/audit").await;
    assert!(
        log.contains("Reset a user&#39;s password") || log.contains("Reset a user&#x27;s password"),
        "{log}"
    );
    assert!(
        log.contains("ana@acme.example</li><li>Role: manager"),
        "{log}"
    );
    assert!(log.contains("Changed their own password"), "{log}");
    assert!(log.contains("operator (command line)"), "{log}");
    assert!(
        !log.contains("Cobalt") && !log.contains("ops2@tmas.example"),
        "{log}"
    );
    admin.post_form("/language", &[("lang", "es")]).await;
    let (_, log) = admin.text("/admin/audit").await;
    assert!(
        log.contains("Restableció la contraseña de un usuario")
            && log.contains("ana@acme.example</li><li>Rol: gerente")
            && log.contains("Cambió su propia contraseña")
            && log.contains("operador (línea de comandos)"),
        "{log}"
    );
    assert!(
        !log.contains("Role:") && !log.contains("operator (command line)"),
        "{log}"
    );

    // Staff outside a tenant read every entry, each with its tenant.
    let (_, log) = staff.text("/admin/audit").await;
    assert!(log.contains("<th scope=\"col\">Tenant</th>"), "{log}");
    assert!(
        log.contains("Tenant: Cobalt</li><li>Plan: Retail</li><li>Time zone: Europe/Madrid"),
        "{log}"
    );
    assert!(
        log.contains("Onboarding staff entered the tenant")
            && log.contains("Onboarding staff left the tenant"),
        "{log}"
    );
    assert!(
        log.contains("ops2@tmas.example</li><li>Role: staff"),
        "{log}"
    );
    assert!(
        log.contains("data-label=\"Tenant\">TMAS (no tenant)</td>"),
        "{log}"
    );
    assert!(
        log.contains("data-label=\"Tenant\">Acme (America/Toronto)</td>")
            && log.contains("data-label=\"Tenant\">Cobalt (Europe/Madrid)</td>"),
        "{log}"
    );
    assert!(
        log.contains("Tenant: Old Cobalt</li><li>Plan: retail"),
        "{log}"
    );
    // Each entry's time is in its tenant's time zone.
    let created_at: i64 = sqlx::query_scalar(
        "SELECT at FROM audit_log WHERE action = 'tenant.create' AND tenant_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(cobalt.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let madrid: chrono_tz::Tz = "Europe/Madrid".parse().unwrap();
    let row = log
        .split("<tr>")
        .find(|row| row.contains("Tenant: Cobalt</li><li>Plan"))
        .expect("the tenant's creation");
    assert!(
        row.contains(&format!(
            "<td>{}</td>",
            tmas::i18n::format_instant(tmas::i18n::Lang::En, created_at, madrid)
        )),
        "{row}"
    );
    staff.post_form("/language", &[("lang", "es")]).await;
    let (_, log) = staff.text("/admin/audit").await;
    assert!(
        log.contains("Creó un cliente")
            && log.contains(
                "Cliente: Cobalt</li><li>Plan: Retail</li><li>Zona horaria: Europe/Madrid"
            )
            && log.contains("El personal de alta entró en el cliente")
            && log.contains("ops2@tmas.example</li><li>Rol: personal")
            && log.contains("data-label=\"Cliente\">TMAS (sin cliente)</td>")
            && log.contains("Cliente: Old Cobalt</li><li>Plan: Retail"),
        "{log}"
    );
    assert!(!log.contains("Tenant:") && !log.contains("Role:"), "{log}");

    // Cobalt's own log, read by staff inside it, holds its entries and none of Acme's.
    staff
        .post_form(&format!("/staff/tenants/{}/enter", cobalt.id), &[])
        .await;
    let (_, log) = staff.text("/admin/audit").await;
    assert!(log.contains("Cliente: Cobalt"), "{log}");
    assert!(!log.contains("ana@acme.example"), "{log}");
}
