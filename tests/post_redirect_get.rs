//! POST/redirect/GET for the forms that used to answer their POST with a page: creating and
//! editing a tenant, creating an API key, uploading and storing a traffic file, asking for a
//! new password. Each answers 303 to a GET page that says what was done, in English and
//! Spanish; reloading that page does nothing again; the API key never travels in a URL and is
//! shown once; an upload's preview opens only for its own tenant and user.

mod common;
mod report_fixtures;

use common::{Backend, Browser, TestApp, hidden_inputs, location_of, visible_text};
use reqwest::StatusCode;
use tmas::db::TenantId;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    creating_and_editing_a_tenant_redirects_with_a_notice,
    a_new_api_key_is_shown_once_after_a_redirect,
    a_new_api_key_shows_only_in_the_tenant_it_was_made_in,
    a_traffic_file_is_previewed_and_stored_through_redirects,
    an_upload_preview_opens_only_for_its_tenant_and_user,
    a_bad_traffic_file_keeps_its_message_and_nothing,
);

// Asking for a new password needs mail settings; no mail is sent here, the link is only queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_asking_for_a_new_password_redirects_to_the_same_answer() {
    asking_for_a_new_password_redirects_to_the_same_answer(with_mail(Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_asking_for_a_new_password_redirects_to_the_same_answer() {
    if !common::postgres_configured() {
        eprintln!("skipped: set TMAS_TEST_POSTGRES_URL to run on PostgreSQL");
        return;
    }
    asking_for_a_new_password_redirects_to_the_same_answer(with_mail(Backend::Postgres).await)
        .await;
}

/// An app with mail on (a relay nobody listens at: the outbox only queues).
async fn with_mail(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.smtp_url = Some("smtp://127.0.0.1:9?tls=none".into());
        settings.mail_from = Some("TMAS <tmas@tmas.example.com>".into());
        settings.public_url = Some("https://tmas.example.com/".into());
    })
    .await
}

/// The text a person reads, with runs of white space as one space.
fn words(html: &str) -> String {
    visible_text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
}

async fn choose_spanish(browser: &Browser) {
    let r = browser.post_form("/language", &[("lang", "es")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

// ---- (a) tenants ----

async fn creating_and_editing_a_tenant_redirects_with_a_notice(app: TestApp) {
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let browser = app.browser();
    browser.login("ops@tmas.example", common::PASSWORD).await;
    let (_, page) = browser.text("/staff/tenants").await;
    assert!(!page.contains("Tenant created."), "no notice before");

    let r = browser
        .post_form(
            "/staff/tenants",
            &[
                ("name", "Bravo"),
                ("plan", "retail"),
                ("time_zone", "Europe/Madrid"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let target = location_of(&r);
    assert_eq!(target, "/staff/tenants?notice=created");
    for _ in 0..2 {
        // The page, and a reload of it: one tenant made, said each time the page is asked.
        let (status, page) = browser.text(&target).await;
        assert_eq!(status, StatusCode::OK);
        assert!(words(&page).contains("Tenant created."), "{page}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tenants").await, 1);
    let (_, page) = browser.text("/staff/tenants").await;
    assert!(
        !page.contains("Tenant created."),
        "said after creating only"
    );

    // A refused form is shown again with its message, not redirected.
    let r = browser
        .post_form(
            "/staff/tenants",
            &[("name", "Charlie"), ("plan", "gold"), ("time_zone", "UTC")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let id: i64 = count(&app, "SELECT id FROM tenants WHERE name = 'Bravo'").await;
    choose_spanish(&browser).await;
    let r = browser
        .post_form(
            &format!("/staff/tenants/{id}"),
            &[("plan", "enterprise"), ("time_zone", "Europe/Madrid")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let target = location_of(&r);
    assert_eq!(target, "/staff/tenants?notice=saved");
    let (_, page) = browser.text(&target).await;
    assert!(
        page.contains("<p class=\"notice\" role=\"status\">Guardado.</p>"),
        "{page}"
    );
    let updates = "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.update'";
    browser.text(&target).await;
    assert_eq!(count(&app, updates).await, 1, "a reload changes nothing");
    let (_, page) = browser.text("/staff/tenants?notice=created").await;
    assert!(page.contains("Cliente creado."), "{page}");
    // Only the known notices are ever shown.
    let (_, page) = browser.text("/staff/tenants?notice=<b>hi</b>").await;
    assert!(!page.contains("role=\"status\""), "{page}");
}

// ---- (b) API keys ----

/// The key shown on a page, if any.
fn shown_key(page: &str) -> Option<String> {
    let start = page.find("<code class=\"api-key\">")? + "<code class=\"api-key\">".len();
    let end = start + page[start..].find('<')?;
    Some(page[start..end].to_string())
}

/// Every session row's stored bytes, to look for a secret in them.
async fn session_rows(app: &TestApp) -> Vec<Vec<u8>> {
    let sql = match app.backend {
        Backend::Sqlite => "SELECT data FROM tower_sessions",
        Backend::Postgres => "SELECT data FROM tower_sessions.session",
    };
    sqlx::query_scalar::<_, Vec<u8>>(sql)
        .fetch_all(&app.db.pool)
        .await
        .expect("sessions")
}

async fn a_new_api_key_is_shown_once_after_a_redirect(app: TestApp) {
    let tenant = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let r = browser
        .post_form("/admin/api-keys", &[("name", "Door counters")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let target = location_of(&r);
    assert_eq!(target, "/admin/api-keys?notice=created");
    let waiting = session_rows(&app).await;

    let (status, page) = browser.text(&target).await;
    assert_eq!(status, StatusCode::OK);
    let key = shown_key(&page).expect("the new key is shown");
    assert!(key.starts_with("tmas_") && key.len() > 40, "{key}");
    assert_eq!(page.matches(key.as_str()).count(), 1, "shown once: {page}");
    assert!(!target.contains(&key), "never in the address");
    let text = words(&page);
    assert!(text.contains("The key is created."), "{text}");
    assert!(
        text.contains("Copy it now: it is shown only this once."),
        "{text}"
    );
    assert!(
        waiting
            .iter()
            .all(|row| !row.windows(key.len()).any(|w| w == key.as_bytes())),
        "the session keeps the key sealed, never in clear"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM api_keys").await,
        1,
        "one key"
    );

    // A reload: the key is gone, the page says why; no second key.
    let (status, page) = browser.text(&target).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(&key), "shown only once");
    assert!(shown_key(&page).is_none());
    assert!(
        words(&page).contains("It was shown once and cannot be shown again"),
        "{page}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_keys").await, 1);
    let (_, page) = browser.text("/admin/api-keys").await;
    assert!(
        !page.contains("role=\"status\""),
        "no notice without an action"
    );

    // The key works: it is the one stored.
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(&app.db.pool)
        .await
        .expect("hash");
    assert_eq!(stored, tmas::crypto::sha256_hex(&key));

    // In Spanish.
    choose_spanish(&browser).await;
    let r = browser
        .post_form("/admin/api-keys", &[("name", "Script")])
        .await;
    let (_, page) = browser.text(&location_of(&r)).await;
    let text = words(&page);
    assert!(text.contains("La clave se ha creado."), "{text}");
    assert!(
        text.contains("Si recarga esta página, ya no se mostrará."),
        "{text}"
    );
    let (_, page) = browser.text(&location_of(&r)).await;
    assert!(
        words(&page).contains("Se mostró una vez y no puede mostrarse de nuevo"),
        "{page}"
    );
}

async fn a_new_api_key_shows_only_in_the_tenant_it_was_made_in(app: TestApp) {
    let alpha = app.create_tenant("Alpha", Plan::Retail).await;
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let staff = app.browser();
    staff.login("ops@tmas.example", common::PASSWORD).await;
    let enter = |tenant: TenantId| {
        let staff = staff.clone();
        async move {
            let r = staff
                .post_form(&format!("/staff/tenants/{}/enter", tenant.0), &[])
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    };
    // Staff make a key in Alpha and move to Bravo before its page shows it.
    enter(alpha).await;
    let r = staff
        .post_form("/admin/api-keys", &[("name", "Door counters")])
        .await;
    let target = location_of(&r);
    staff.post_form("/staff/leave", &[]).await;
    enter(bravo).await;
    let (status, page) = staff.text(&target).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown_key(&page).is_none(), "not in Bravo: {page}");
    assert!(!page.contains("Door counters"), "nothing of Alpha's key");
    assert!(
        !page.contains("It was shown once"),
        "it was not shown: {page}"
    );
    // Back in Alpha, the key is shown there, once.
    staff.post_form("/staff/leave", &[]).await;
    enter(alpha).await;
    let (_, page) = staff.text(&target).await;
    let key = shown_key(&page).expect("shown in its own tenant");
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE tenant_id = $1")
        .bind(alpha.0)
        .fetch_one(&app.db.pool)
        .await
        .expect("hash");
    assert_eq!(stored, tmas::crypto::sha256_hex(&key));
    let (_, page) = staff.text(&target).await;
    assert!(shown_key(&page).is_none(), "once");
}

// ---- (c) traffic files ----

const BOUNDARY: &str = "tmas-prg-boundary-41d2";

/// Posts a file like the upload form (its CSRF field first); the answer as it came.
async fn send_file(browser: &Browser, bytes: &[u8]) -> reqwest::Response {
    let (_, page) = browser.text("/admin/traffic").await;
    let csrf = hidden_inputs(&page).remove("csrf").expect("csrf");
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"march.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    browser
        .client
        .post(format!("{}/admin/traffic/preview", browser.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload")
}

/// Uploads a clean file: the address of its preview page.
async fn previewed(browser: &Browser, bytes: &[u8]) -> String {
    let r = send_file(browser, bytes).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let target = location_of(&r);
    assert!(target.starts_with("/admin/traffic/uploads/"), "{target}");
    target
}

async fn post_commit(browser: &Browser, token: &str) -> reqwest::Response {
    browser
        .post_form("/admin/traffic/commit", &[("upload", token)])
        .await
}

async fn uploads(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM traffic_uploads").await
}

async fn hours(app: &TestApp, tenant: TenantId) -> i64 {
    tmas::db::traffic::count(&app.db, tenant)
        .await
        .expect("count")
}

const CLEAN: &[u8] =
    b"location_id,date,hour,traffic\nSTORE-01,2026-03-02,10,40\nSTORE-01,2026-03-02,11,12\n";

async fn a_traffic_file_is_previewed_and_stored_through_redirects(app: TestApp) {
    let tenant = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    report_fixtures::location(&app, tenant, "STORE-01", "Downtown").await;
    let browser = app.browser();
    let preview = previewed(&browser, CLEAN).await;
    let token = preview.rsplit('/').next().expect("token").to_string();
    for _ in 0..2 {
        // The preview, and a reload of it: nothing read again, kept once, nothing stored.
        let (status, page) = browser.text(&preview).await;
        assert_eq!(status, StatusCode::OK);
        let text = words(&page);
        assert!(text.contains("Preview: march.csv"), "{text}");
        assert!(text.contains("Rows read: 2"), "{text}");
        assert!(text.contains("Location-hours to add: 2"), "{text}");
        assert_eq!(hidden_inputs(&page)["upload"], token);
        assert_eq!(uploads(&app).await, 1);
        assert_eq!(hours(&app, tenant).await, 0, "a preview stores nothing");
    }

    let r = post_commit(&browser, &token).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let result = location_of(&r);
    assert_eq!(result, format!("/admin/traffic?upload={token}"));
    let imports = "SELECT COUNT(*) FROM audit_log WHERE action = 'traffic.import'";
    for _ in 0..2 {
        // The result, and a reload of it: stored once.
        let (status, page) = browser.text(&result).await;
        assert_eq!(status, StatusCode::OK);
        let text = words(&page);
        assert!(text.contains("Stored: march.csv"), "{text}");
        assert!(text.contains("Location-hours imported: 2"), "{text}");
        assert!(text.contains("Location-hours added: 2"), "{text}");
        assert_eq!(hours(&app, tenant).await, 2);
        assert_eq!(count(&app, imports).await, 1);
    }
    // The preview of a stored file leads to its result; a second click stores nothing.
    let r = browser.get(&preview).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), result);
    let r = post_commit(&browser, &token).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.text(&location_of(&r)).await;
    assert!(
        words(&page).contains("The file march.csv was stored already; nothing changed."),
        "{page}"
    );
    assert_eq!(count(&app, imports).await, 1);

    // In Spanish: a new count for one hour replaces it.
    choose_spanish(&browser).await;
    let preview = previewed(&browser, b"STORE-01,2026-03-02,10,41\n").await;
    let (_, page) = browser.text(&preview).await;
    assert!(
        words(&page).contains("Horas de tienda que se reemplazarán: 1"),
        "{page}"
    );
    let token = preview.rsplit('/').next().expect("token").to_string();
    let r = post_commit(&browser, &token).await;
    let (_, page) = browser.text(&location_of(&r)).await;
    assert!(
        words(&page).contains("Horas de tienda importadas: 1"),
        "{page}"
    );
    assert_eq!(hours(&app, tenant).await, 2);
}

async fn an_upload_preview_opens_only_for_its_tenant_and_user(app: TestApp) {
    let alpha = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    report_fixtures::location(&app, alpha, "STORE-01", "Downtown").await;
    let preview = previewed(&app.browser(), CLEAN).await;
    let token = preview.rsplit('/').next().expect("token").to_string();

    // Another tenant's admin, who has a location with the same ID.
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    report_fixtures::location(&app, bravo, "STORE-01", "Bravo store").await;
    app.create_user("admin@bravo.example", Role::Admin, Some(bravo))
        .await;
    let other_tenant = app.other_browser();
    other_tenant
        .login("admin@bravo.example", common::PASSWORD)
        .await;
    // Another admin of the same tenant: the upload is its sender's only.
    app.create_user("second@alpha.example", Role::Admin, Some(alpha))
        .await;
    let other_user = app.other_browser();
    other_user
        .login("second@alpha.example", common::PASSWORD)
        .await;

    for browser in [&other_tenant, &other_user] {
        let (status, page) = browser.text(&preview).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let text = words(&page);
        assert!(text.contains("This upload is not available"), "{text}");
        assert!(text.contains("Upload the file again."), "{text}");
        assert!(!text.contains("Rows read"), "nothing of the file: {text}");
        let r = post_commit(browser, &token).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(hours(&app, alpha).await, 0);
    assert_eq!(hours(&app, bravo).await, 0);
    // The result page with another's token says nothing about the file either.
    let (_, page) = other_tenant
        .text(&format!("/admin/traffic?upload={token}"))
        .await;
    assert!(!page.contains("march.csv"), "{page}");

    // Unknown and expired tokens get the same clear page, in Spanish too.
    let owner = app.browser();
    let (status, _) = owner.text("/admin/traffic/uploads/no-such-token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sqlx::query("UPDATE traffic_uploads SET created_at = created_at - 25 * 3600")
        .execute(&app.db.pool)
        .await
        .expect("age the upload");
    choose_spanish(&owner).await;
    let (status, page) = owner.text(&preview).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let text = words(&page);
    assert!(
        text.contains("Este archivo subido no está disponible"),
        "{text}"
    );
    assert!(text.contains("Vuelva a subir el archivo."), "{text}");
    let r = post_commit(&owner, &token).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hours(&app, alpha).await,
        0,
        "an expired upload stores nothing"
    );
}

async fn a_bad_traffic_file_keeps_its_message_and_nothing(app: TestApp) {
    let tenant = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    report_fixtures::location(&app, tenant, "STORE-01", "Downtown").await;
    let browser = app.browser();
    for (bytes, status, message) in [
        (
            &b"STORE-01,2026-03-02,24,1\n"[..],
            StatusCode::UNPROCESSABLE_ENTITY,
            "The hour must be a whole number from 0 to 23 (\"24\")",
        ),
        (
            &b"STORE-99,2026-03-02,10,1\n"[..],
            StatusCode::UNPROCESSABLE_ENTITY,
            "No location has the TMAS location ID \"STORE-99\"",
        ),
        (
            &b""[..],
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file is empty.",
        ),
        (
            &b"%PDF-1.7\n\x00\x01binary"[..],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The file is neither a CSV file (UTF-8 text) nor an XLSX workbook.",
        ),
    ] {
        let r = send_file(&browser, bytes).await;
        assert_eq!(r.status(), status, "{message}");
        let page = common::html_unescape(&r.text().await.expect("body"));
        assert!(page.contains(message), "{message}: {page}");
        assert!(!page.contains("name=\"upload\""), "no commit offered");
        assert_eq!(uploads(&app).await, 0, "{message}: nothing kept");
        assert_eq!(hours(&app, tenant).await, 0, "{message}: nothing stored");
    }
}

// ---- (d) forgotten passwords ----

async fn asking_for_a_new_password_redirects_to_the_same_answer(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Manager, Some(tenant))
        .await;
    let outbox = "SELECT COUNT(*) FROM mail_outbox";
    let browser = app.other_browser();
    let mut answers = Vec::new();
    for email in ["ana@acme.example", "nobody@acme.example"] {
        let r = browser
            .post_form("/password/forgot", &[("email", email)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{email}");
        let target = location_of(&r);
        let (status, page) = browser.text(&target).await;
        assert_eq!(status, StatusCode::OK);
        answers.push((target, words(&page)));
    }
    // Known or not, the same address and the same words: no account is told apart.
    assert_eq!(answers[0].0, "/password/forgot?sent=1");
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].1.contains(
            "If an account uses this address, a link to choose a new password is on its way to it."
        ),
        "{}",
        answers[0].1
    );
    assert!(!answers[0].1.contains("Send the link"), "no form again");

    // The link for the known address is queued apart from the answer; once it is, a reload
    // of the answer queues nothing more.
    let mut queued = 0;
    for _ in 0..400 {
        queued = count(&app, outbox).await;
        if queued > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(queued, 1, "one link, for the known address only");
    for _ in 0..2 {
        browser.text("/password/forgot?sent=1").await;
    }
    assert_eq!(count(&app, outbox).await, 1, "a reload asks nothing again");

    // A bad address is the form again with its message, not a redirect.
    let r = browser
        .post_form("/password/forgot", &[("email", "not-an-address")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    choose_spanish(&browser).await;
    let (_, page) = browser.text("/password/forgot?sent=1").await;
    assert!(
        words(&page).contains("Si alguna cuenta usa esta dirección, le estamos enviando un enlace"),
        "{page}"
    );
}
