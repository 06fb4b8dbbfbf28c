//! What an attacker types where a person types: invisible and look-alike characters in emails
//! and names, addresses of other tenants' users, too many users at once, years no report
//! covers, and form errors that answer 4xx, not 200.

mod common;
mod report_fixtures;

use common::{PASSWORD, TestApp, html_unescape};
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    invisible_characters_in_emails_are_refused,
    look_alikes_of_an_existing_address_are_refused,
    an_address_in_another_tenant_answers_like_any_refused_address,
    user_creation_is_throttled_and_audited,
    names_refuse_invisible_characters,
    reports_and_exports_refuse_dates_outside_a_sane_range,
    form_errors_answer_4xx,
    a_sum_too_large_is_a_message_not_a_500,
);

async fn add_user(app: &TestApp, email: &str) -> (StatusCode, String) {
    let response = app
        .post_form(
            "/admin/users",
            &[
                ("email", email),
                ("password", "an-unusual-passphrase-42"),
                ("role", "manager"),
            ],
        )
        .await;
    let status = response.status();
    (status, html_unescape(&response.text().await.unwrap()))
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

const REFUSED: &str = "This email address cannot be used for a new user. Use another address.";

/// A zero-width space, a joiner, a byte-order mark, a right-to-left override and a control
/// character inside an address: each refused, nothing created.
async fn invisible_characters_in_emails_are_refused(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let before = user_count(&app).await;
    for bad in [
        "ana\u{200B}@acme.example",
        "ana@acme\u{200D}.example",
        "\u{FEFF}ana@acme.example",
        "ana\u{202E}elpmaxe.emca@x.example",
        "ana\u{2066}@acme.example",
        "ana\u{0007}@acme.example",
    ] {
        let (status, page) = add_user(&app, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(
            page.contains("The email address contains an invisible character"),
            "{bad:?}: {page}"
        );
    }
    assert_eq!(user_count(&app).await, before);
    // Nor does such an address sign in as the plain one.
    let browser = app.other_browser();
    let response = browser
        .post_form(
            "/login",
            &[
                ("email", "admin\u{200B}@acme.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // A full-width address is the plain one (NFKC) and signs in.
    let response = browser
        .post_form(
            "/login",
            &[("email", "ＡＤＭＩＮ@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// Cyrillic and Greek letters that read as Latin ones, in the local part or the domain, a
/// full-width form, an upper-case domain: all the existing address, all refused alike.
async fn look_alikes_of_an_existing_address_are_refused(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    app.create_user("paco@acme.example", Role::Manager, Some(tenant))
        .await;
    let before = user_count(&app).await;
    for look_alike in [
        "paco@acme.example",
        "PACO@ACME.EXAMPLE",
        "\u{0440}aco@acme.example",        // Cyrillic р
        "p\u{0430}co@acme.example",        // Cyrillic а
        "pa\u{0441}o@acme.example",        // Cyrillic с
        "pac\u{03BF}@acme.example",        // Greek ο
        "paco@\u{0430}cm\u{0435}.example", // Cyrillic а, е in the domain
        "ｐａｃｏ@acme.example",           // full-width
        "pac0@acme.example",               // zero for o
    ] {
        let (status, page) = add_user(&app, look_alike).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{look_alike}");
        assert!(page.contains(REFUSED), "{look_alike}: {page}");
    }
    assert_eq!(user_count(&app).await, before);
    // A different address is still welcome.
    let (status, _) = add_user(&app, "paca@acme.example").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// An address of another tenant's user, or of staff, answers exactly as an address of this
/// tenant does: the same words, nothing about where it is used.
async fn an_address_in_another_tenant_answers_like_any_refused_address(app: TestApp) {
    let acme = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    app.create_user("mine@acme.example", Role::Manager, Some(acme))
        .await;
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    app.create_user("bo@bravo.example", Role::Manager, Some(bravo))
        .await;
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let error_of = |page: &str| {
        let start = page
            .find("field-error")
            .or_else(|| page.find("error-message"));
        start.map(|s| page[s..].chars().take(200).collect::<String>())
    };
    let (own_status, own_page) = add_user(&app, "mine@acme.example").await;
    let own = error_of(&own_page).expect("an error is shown");
    for elsewhere in [
        "bo@bravo.example",
        "ops@tmas.example",
        "b\u{043E}@bravo.example",
    ] {
        let (status, page) = add_user(&app, elsewhere).await;
        assert_eq!(status, own_status, "{elsewhere}");
        assert!(page.contains(REFUSED), "{elsewhere}: {page}");
        assert_eq!(
            error_of(&page).map(|e| e.replace(elsewhere, "")),
            Some(own.replace("mine@acme.example", "")),
            "{elsewhere}"
        );
        for leak in ["Bravo", "already exists", "another tenant", "staff"] {
            assert!(
                !common::visible_text(&page).contains(leak)
                    || common::visible_text(&own_page).contains(leak),
                "{elsewhere}: {leak}"
            );
        }
    }
    assert_eq!(own_status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Every try to add a user is audited (refused ones too), and past the hourly allowance the
/// next one waits (429), whatever the address.
async fn user_creation_is_throttled_and_audited(app: TestApp) {
    let acme = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    app.create_user("bo@bravo.example", Role::Manager, Some(bravo))
        .await;
    let (status, _) = add_user(&app, "new@acme.example").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for _ in 1..tmas::web::users::CREATIONS_PER_HOUR {
        let (status, _) = add_user(&app, "bo@bravo.example").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, page) = add_user(&app, "another@acme.example").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(page.contains("wait a while before adding more"), "{page}");
    assert!(
        tmas::db::users::find_by_email(&app.db, "another@acme.example")
            .await
            .unwrap()
            .is_none()
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND action LIKE 'user.create%'",
    )
    .bind(acme.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions.iter().filter(|a| *a == "user.create").count(),
        1,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "user.create_refused")
            .count() as i64,
        tmas::web::users::CREATIONS_PER_HOUR - 1
    );
    // Bravo's log says nothing of Acme's tries.
    let bravo_entries: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE tenant_id = $1")
            .bind(bravo.0)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(bravo_entries, 0);
    let (_, audit) = app.browser().text("/admin/audit").await;
    assert!(
        audit.contains("Tried to add a user with an address that cannot be used"),
        "{audit}"
    );
}

/// A right-to-left override or a zero-width space in a location's name or a tenant's name is
/// refused with the field named.
async fn names_refuse_invisible_characters(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    for bad in ["Down\u{202E}nwot", "Down\u{200B}town", "\u{2067}Downtown"] {
        let response = app
            .post_form(
                "/admin/locations",
                &[
                    ("name", bad),
                    ("location_id", "S-01"),
                    ("time_zone", "America/Toronto"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}"
        );
        let page = html_unescape(&response.text().await.unwrap());
        assert!(
            page.contains("The location name contains an invisible formatting character"),
            "{bad:?}: {page}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM locations")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let staff = app.other_browser();
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    staff.login("ops@tmas.example", PASSWORD).await;
    let response = staff
        .post_form(
            "/staff/tenants",
            &[
                ("name", "Evil\u{202E}Corp"),
                ("plan", "retail"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html_unescape(&response.text().await.unwrap());
    assert!(
        page.contains("The company name contains an invisible formatting character"),
        "{page}"
    );
}

/// Years 0000 and 9999 (and any day before 2000 or after next year) are refused by reports and
/// both exports, with the dates they cover named.
async fn reports_and_exports_refuse_dates_outside_a_sane_range(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let today = tmas::web::reports::today_in("America/Toronto");
    let last = tmas::domain::report::latest_report_date(today);
    // The range in the reader's date format; the date sent is quoted as sent.
    let range = format!(
        "Jan 1, 2000 to {}",
        tmas::i18n::format_date(tmas::i18n::Lang::En, last)
    );
    for (from, to, bad) in [
        ("0000-01-01", "0000-01-31", "start date 0000-01-01"),
        ("9999-01-01", "9999-01-31", "start date 9999-01-01"),
        ("1999-12-01", "2000-01-05", "start date 1999-12-01"),
        ("2026-01-01", "9999-12-31", "end date 9999-12-31"),
    ] {
        for path in [
            "/reports/totals",
            "/reports/export.csv",
            "/reports/export.xlsx",
            "/reports/export",
        ] {
            let url = format!("{path}?preset=custom&from={from}&to={to}&granularity=day");
            let (status, page) = app.browser().text(&url).await;
            assert!(status.is_client_error(), "{url}: {status}");
            let page = html_unescape(&page);
            assert!(
                page.contains(&format!(
                    "The {bad} is outside the dates reports cover: {range}."
                )),
                "{url}: {page}"
            );
        }
    }
    let (status, _) = app
        .browser()
        .text("/reports/export.csv?from=2000-01-01&to=2000-01-31&granularity=day")
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// A form sent back with errors answers 4xx, so that scripts and monitors see the refusal.
async fn form_errors_answer_4xx(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let anonymous = app.other_browser();
    let response = anonymous
        .post_form(
            "/login",
            &[
                ("email", "nobody@acme.example"),
                ("password", "wrong-password"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = anonymous
        .post_form("/login", &[("email", ""), ("password", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_form(
            "/admin/locations",
            &[
                ("name", ""),
                ("location_id", ""),
                ("time_zone", "Mars/Base"),
                ("status", "x"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = add_user(&app, "not-an-address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("password", "x"),
                ("password_confirm", "y"),
            ],
        )
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    // A re-import from a day no shop sold on.
    let id = report_fixtures::integration(&app, tenant, "Shop", "active", "", "CAD").await;
    for day in ["0000-01-01", "not-a-date"] {
        let response = app
            .post_form(
                &format!("/admin/integrations/{id}/imports/backfill"),
                &[("backfill_from", day)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{day}");
    }
}

/// Were hours beyond the CHECK constraints ever stored (written before migration 0017), a
/// report adding them up answers a message, never a wrapped number or a 500.
async fn a_sum_too_large_is_a_message_not_a_500(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let store = report_fixtures::location(&app, tenant, "S-01", "Downtown").await;
    let lift = match app.backend {
        common::Backend::Sqlite => vec![
            "DROP TRIGGER hourly_totals_range_insert",
            "DROP TRIGGER hourly_totals_range_update",
        ],
        common::Backend::Postgres => {
            vec!["ALTER TABLE hourly_totals DROP CONSTRAINT hourly_totals_cells_in_range"]
        }
    };
    for sql in lift {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    let huge = i64::MAX / 2 + 1;
    for date in ["2026-03-02", "2026-03-03"] {
        report_fixtures::hour(&app, tenant, store, date, 10, huge, 0, 0, 1, 1).await;
    }
    for granularity in ["day", "week", "month"] {
        let url = format!(
            "/reports/totals?preset=custom&from=2026-03-01&to=2026-03-31&granularity={granularity}"
        );
        let (status, page) = app.browser().text(&url).await;
        assert!(status.is_client_error(), "{url}: {status}");
        assert!(
            html_unescape(&page).contains("A number is too large for TMAS to store or add up"),
            "{url}: {page}"
        );
    }
    let (status, _) = app.browser().text("/").await;
    assert!(status.is_success() || status.is_client_error(), "{status}");
}
