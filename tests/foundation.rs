//! The foundation through the front door: health, first-account setup, sign-in, CSRF, roles,
//! staff acting in tenants, users, locations, tenant isolation, error pages.

mod common;

use common::{PASSWORD, TestApp, location_of};
use reqwest::StatusCode;
use tmas::db;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    healthz_reports_the_database,
    first_staff_account_through_the_setup_link,
    sign_in_renews_the_session_and_slows_down_guessing,
    post_without_csrf_changes_nothing,
    location_form_names_each_bad_input_and_keeps_entries,
    user_form_names_each_bad_input,
    managers_get_403_on_every_administration_route,
    staff_act_inside_a_tenant_and_are_audited,
    other_tenants_ids_answer_404,
    error_pages_use_the_layout,
);

async fn healthz_reports_the_database(app: TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok", "database": "ok"}));

    app.db.pool.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unavailable");
}

async fn first_staff_account_through_the_setup_link(app: TestApp) {
    let token = tmas::web::sign_in::issue_setup_token_if_empty(&app.db)
        .await
        .unwrap()
        .expect("an empty database gets a setup token");
    let browser = app.browser();
    let (status, _) = browser.text("/setup?token=wrong").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, page) = browser.text(&format!("/setup?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"password\""));

    let weak = browser
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("email", "ops@tmas.example"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = weak.text().await.unwrap();
    assert!(body.contains("too weak"), "{body}");
    assert!(body.contains("ops@tmas.example"), "the email is kept");
    assert_eq!(db::users::count(&app.db).await.unwrap(), 0);

    let done = browser
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("email", "ops@tmas.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let user = db::users::find_by_email(&app.db, "ops@tmas.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role(), Role::Staff);
    assert!(user.password_hash.starts_with("$argon2id$"));

    let (status, _) = browser.text(&format!("/setup?token={token}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the link works once");
    assert!(
        tmas::web::sign_in::issue_setup_token_if_empty(&app.db)
            .await
            .unwrap()
            .is_none()
    );

    browser.login("ops@tmas.example", PASSWORD).await;
    let (status, page) = browser.text("/staff/tenants").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("New tenant"));
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tmas_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
}

async fn sign_in_renews_the_session_and_slows_down_guessing(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    let browser = app.browser();

    // A visitor gets no stored session, only a pre-session cookie for the form's token.
    let login_page = browser.get("/login").await;
    assert_eq!(session_cookie(&login_page), None);
    let cookie_attributes = login_page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(cookie_attributes.starts_with("tmas_presession="));
    assert!(cookie_attributes.contains("HttpOnly"));
    assert!(cookie_attributes.contains("SameSite=Lax"));
    // A session that exists before sign-in (a language chosen) gets a new id at sign-in.
    let chose = browser.post_form("/language", &[("lang", "en")]).await;
    let before = session_cookie(&chose).expect("a session once something is stored");

    let wrong = browser
        .post_form(
            "/login",
            &[
                ("email", "ana@acme.example"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body = wrong.text().await.unwrap();
    assert!(body.contains("Wrong email or password."), "{body}");
    assert!(
        body.contains("value=\"ana@acme.example\""),
        "the email is kept"
    );

    let ok = browser
        .post_form(
            "/login",
            &[("email", "ANA@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&ok), "/");
    let after = session_cookie(&ok).expect("a renewed session cookie");
    let session_attributes = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tmas_session="))
        .unwrap_or_default()
        .to_string();
    assert!(session_attributes.contains("HttpOnly"));
    assert!(session_attributes.contains("SameSite=Lax"));
    assert_ne!(before, after, "the session id is renewed at sign-in");
    let (status, _) = browser.text("/").await;
    assert_eq!(status, StatusCode::OK);

    // Sign out ends the session.
    let out = browser.post_form("/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&browser.get("/").await), "/login");

    // Guessing: after five failures the account must wait, even with the right password.
    let guesser = app.other_browser();
    for _ in 0..5 {
        guesser
            .post_form(
                "/login",
                &[("email", "ana@acme.example"), ("password", "guess-guess-1")],
            )
            .await;
    }
    let slowed = guesser
        .post_form(
            "/login",
            &[("email", "ana@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = slowed.text().await.unwrap();
    assert!(body.contains("Too many failed sign-ins"), "{body}");
}

async fn post_without_csrf_changes_nothing(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let fields = [
        ("name", "Downtown"),
        ("location_id", "STORE-01"),
        ("time_zone", "America/Toronto"),
        ("status", "active"),
    ];
    let missing = browser.post_raw("/admin/locations", &fields).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(missing.text().await.unwrap().contains("Form expired"));
    let mut forged = vec![("csrf", "forged-token")];
    forged.extend_from_slice(&fields);
    let forged = browser.post_raw("/admin/locations", &forged).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        db::locations::list(&app.db, tenant)
            .await
            .unwrap()
            .is_empty()
    );

    // Sign-out without a token does not sign out either.
    assert_eq!(
        browser.post_raw("/logout", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);

    let created = browser.post_form("/admin/locations", &fields).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(db::locations::list(&app.db, tenant).await.unwrap().len(), 1);
}

async fn location_form_names_each_bad_input_and_keeps_entries(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let good = [
        ("name", "Downtown"),
        ("location_id", "STORE-01"),
        ("time_zone", "America/Toronto"),
        ("status", "active"),
    ];
    assert_eq!(
        browser.post_form("/admin/locations", &good).await.status(),
        StatusCode::SEE_OTHER
    );
    let long_name = "N".repeat(101);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("name", "", "Enter the location name."),
        ("name", &long_name, "too long"),
        ("location_id", "", "Enter the TMAS location ID"),
        ("location_id", "STORE 02", "may only hold"),
        (
            "location_id",
            "STORE-01",
            "already uses the TMAS location ID",
        ),
        // The same ID in another case is the same store.
        (
            "location_id",
            "store-01",
            "already uses the TMAS location ID",
        ),
        ("time_zone", "Mars/Olympus", "Unknown time zone"),
        ("status", "paused", "Unknown status"),
    ];
    for (field, value, message) in cases {
        let mut fields = vec![
            ("name", "Uptown"),
            ("location_id", "STORE-02"),
            ("time_zone", "Europe/Madrid"),
            ("status", "inactive"),
        ];
        for f in fields.iter_mut() {
            if f.0 == field {
                f.1 = value;
            }
        }
        let response = browser.post_form("/admin/locations", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        let body = response.text().await.unwrap();
        assert!(
            body.contains(message),
            "{field}={value:?} should say {message:?}"
        );
        if field != "name" {
            assert!(
                body.contains("value=\"Uptown\""),
                "other entries kept for {field}"
            );
        }
        assert_eq!(
            db::locations::list(&app.db, tenant).await.unwrap().len(),
            1,
            "nothing saved"
        );
    }
    // Editing to a duplicate ID is refused too, and the stored row stays as it was.
    assert_eq!(
        browser
            .post_form(
                "/admin/locations",
                &[
                    ("name", "Uptown"),
                    ("location_id", "STORE-02"),
                    ("time_zone", "Europe/Madrid"),
                    ("status", "active")
                ]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let uptown = db::locations::find_by_code(&app.db, tenant, "STORE-02")
        .await
        .unwrap()
        .unwrap();
    let response = browser
        .post_form(
            &format!("/admin/locations/{}", uptown.id),
            &[
                ("name", "Renamed"),
                ("location_id", "STORE-01"),
                ("time_zone", "Europe/Madrid"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("already uses"));
    let unchanged = db::locations::get(&app.db, tenant, uptown.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.name, "Uptown");
}

async fn user_form_names_each_bad_input(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let cases = [
        (
            "not-an-email",
            PASSWORD,
            "manager",
            "is not an email address",
        ),
        ("", PASSWORD, "manager", "Enter an email address."),
        ("bo@acme.example", "weak", "manager", "too weak"),
        ("bo@acme.example", PASSWORD, "owner", "Unknown role"),
        (
            "bo@acme.example",
            PASSWORD,
            "staff",
            "Choose admin or manager.",
        ),
        (
            "admin@acme.example",
            PASSWORD,
            "manager",
            "cannot be used for a new user",
        ),
    ];
    for (email, password, role, message) in cases {
        let response = browser
            .post_form(
                "/admin/users",
                &[("email", email), ("password", password), ("role", role)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = response.text().await.unwrap();
        assert!(
            body.contains(message),
            "{email}/{role} should say {message:?}"
        );
        assert_eq!(
            db::users::list_in_tenant(&app.db, tenant)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    let created = browser
        .post_form(
            "/admin/users",
            &[
                ("email", "bo@acme.example"),
                ("password", PASSWORD),
                ("role", "manager"),
                ("may_edit_manually", "on"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&created), "/admin/users?notice=created");
    let (_, page) = browser.text("/admin/users?notice=created").await;
    assert!(page.contains("The user is added."), "{page}");
    let (_, page) = browser.text("/admin/users").await;
    assert!(
        !page.contains("The user is added."),
        "said only after adding"
    );
    let bo = db::users::find_by_email(&app.db, "bo@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert!(bo.may_edit());
    assert_eq!(bo.tenant_id, Some(tenant.0));

    // Deactivate Bo and take the permission away: Bo can no longer sign in.
    let response = browser
        .post_form(&format!("/admin/users/{}", bo.id), &[("role", "manager")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Saving says so, in the reader's language.
    let saved = location_of(&response);
    assert_eq!(saved, "/admin/users?notice=saved");
    let (_, page) = browser.text(&saved).await;
    assert!(
        page.contains("The changes to the user are saved."),
        "{page}"
    );
    browser
        .post_form("/language", &[("lang", "es"), ("back", "/")])
        .await;
    let (_, page) = browser.text(&saved).await;
    assert!(
        page.contains("Los cambios del usuario se han guardado."),
        "{page}"
    );
    browser
        .post_form("/language", &[("lang", "en"), ("back", "/")])
        .await;
    let bo = db::users::find_by_id(&app.db, bo.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!bo.is_active() && !bo.may_edit());
    let other = app.other_browser();
    let response = other
        .post_form(
            "/login",
            &[("email", "bo@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a deactivated user cannot sign in"
    );
}

const ADMIN_GETS: &[&str] = &[
    "/admin/locations",
    "/admin/locations/new",
    "/admin/users",
    "/admin/audit",
    "/staff/tenants",
];

async fn managers_get_403_on_every_administration_route(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let location = db::locations::create(
        &app.db,
        tenant,
        &tmas::domain::location::LocationInput::parse("Downtown", "STORE-01", "UTC", "active")
            .unwrap(),
    )
    .await
    .unwrap();
    let browser = app.browser();
    for path in ADMIN_GETS
        .iter()
        .copied()
        .chain([format!("/admin/locations/{}", location.id).as_str()])
    {
        assert_eq!(
            browser.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    let posts = [
        "/admin/locations".to_string(),
        format!("/admin/locations/{}", location.id),
        "/admin/users".to_string(),
        "/staff/tenants".to_string(),
    ];
    for path in &posts {
        let response = browser
            .post_form(
                path,
                &[
                    ("name", "X"),
                    ("location_id", "X-1"),
                    ("time_zone", "UTC"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    assert_eq!(db::locations::list(&app.db, tenant).await.unwrap().len(), 1);
    let (status, body) = browser.text("/").await;
    assert_eq!(status, StatusCode::OK, "managers read the dashboard");
    assert!(
        !body.contains("href=\"/admin/users\""),
        "no administration links for managers"
    );
}

async fn staff_act_inside_a_tenant_and_are_audited(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Basic).await;
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let browser = app.browser();
    browser.login("ops@tmas.example", PASSWORD).await;

    // Outside a tenant, tenant pages send staff to the tenant list.
    assert_eq!(
        location_of(&browser.get("/admin/locations").await),
        "/staff/tenants"
    );

    let created = browser
        .post_form(
            "/staff/tenants",
            &[
                ("name", "Bravo"),
                ("plan", "retail"),
                ("time_zone", "Europe/Madrid"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let duplicate = browser
        .post_form(
            "/staff/tenants",
            &[
                ("name", "Bravo"),
                ("plan", "retail"),
                ("time_zone", "Europe/Madrid"),
            ],
        )
        .await;
    assert!(duplicate.text().await.unwrap().contains("already exists"));
    let bad_plan = browser
        .post_form(
            "/staff/tenants",
            &[("name", "Charlie"), ("plan", "gold"), ("time_zone", "UTC")],
        )
        .await;
    assert!(bad_plan.text().await.unwrap().contains("Unknown plan"));
    assert_eq!(db::tenants::list(&app.db).await.unwrap().len(), 2);

    let plan = browser
        .post_form(
            &format!("/staff/tenants/{}", tenant.0),
            &[("plan", "enterprise"), ("time_zone", "America/Toronto")],
        )
        .await;
    assert_eq!(plan.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db::tenants::get(&app.db, tenant)
            .await
            .unwrap()
            .unwrap()
            .plan,
        "enterprise"
    );

    let entered = browser
        .post_form(&format!("/staff/tenants/{}/enter", tenant.0), &[])
        .await;
    assert_eq!(entered.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.text("/admin/locations").await;
    assert!(page.contains("Acting in <strong>Acme</strong>"), "{page}");
    let created = browser
        .post_form(
            "/admin/locations",
            &[
                ("name", "Downtown"),
                ("location_id", "STORE-01"),
                ("time_zone", "America/Toronto"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(db::locations::list(&app.db, tenant).await.unwrap().len(), 1);

    let log = db::audit::list_for_tenant(&app.db, tenant, 50)
        .await
        .unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "location.create")
        .expect("audited");
    assert_eq!(entry.actor_email, "ops@tmas.example");
    assert_eq!(entry.acting_staff, 1);
    let (_, audit_page) = browser.text("/admin/audit").await;
    assert!(audit_page.contains("Added a location") && audit_page.contains("(onboarding staff)"));

    let left = browser.post_form("/staff/leave", &[]).await;
    assert_eq!(left.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location_of(&browser.get("/admin/locations").await),
        "/staff/tenants"
    );
    // Admins and managers never reach staff pages.
    let admin = app.other_browser();
    app.create_user("boss@acme.example", Role::Admin, Some(tenant))
        .await;
    admin.login("boss@acme.example", PASSWORD).await;
    assert_eq!(
        admin.get("/staff/tenants").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .post_form(&format!("/staff/tenants/{}/enter", tenant.0), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

async fn other_tenants_ids_answer_404(app: TestApp) {
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    let bravo_location = db::locations::create(
        &app.db,
        bravo,
        &tmas::domain::location::LocationInput::parse("Bravo Store", "B-1", "UTC", "active")
            .unwrap(),
    )
    .await
    .unwrap();
    let bravo_user = app
        .create_user("boss@bravo.example", Role::Admin, Some(bravo))
        .await;

    let _acme = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    for path in [
        format!("/admin/locations/{}", bravo_location.id),
        format!("/admin/users/{bravo_user}"),
    ] {
        assert_eq!(
            browser.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    let edit_location = browser
        .post_form(
            &format!("/admin/locations/{}", bravo_location.id),
            &[
                ("name", "Stolen"),
                ("location_id", "B-1"),
                ("time_zone", "UTC"),
                ("status", "inactive"),
            ],
        )
        .await;
    assert_eq!(edit_location.status(), StatusCode::NOT_FOUND);
    let edit_user = browser
        .post_form(
            &format!("/admin/users/{bravo_user}"),
            &[("role", "manager")],
        )
        .await;
    assert_eq!(edit_user.status(), StatusCode::NOT_FOUND);
    let location = db::locations::get(&app.db, bravo, bravo_location.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (location.name.as_str(), location.status.as_str()),
        ("Bravo Store", "active")
    );
    let user = db::users::find_by_id(&app.db, bravo_user)
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_active());
    assert_eq!(user.role, "admin");
    // Lists show only the own tenant's rows.
    let (_, page) = browser.text("/admin/locations").await;
    assert!(!page.contains("Bravo Store"));
    let (_, page) = browser.text("/admin/users").await;
    assert!(!page.contains("boss@bravo.example"));
    let (_, page) = browser.text("/admin/audit").await;
    assert!(!page.contains("bravo"));
}

async fn error_pages_use_the_layout(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let (status, page) = app.browser().text("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found") && page.contains("/static/app.css"));
    let (status, page) = app.browser().text("/admin/locations/not-a-number").await;
    assert!(status.is_client_error(), "{status}");
    assert!(!page.contains("panicked"));
}
