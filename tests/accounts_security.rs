//! Accounts that hold under attack, through the front door: redirects stay on the site, the
//! setup link works once, CSV cells cannot run as formulas, sessions end when an account
//! changes, anonymous visitors store nothing, sign-in throttling counts every try (per account,
//! per address, per both), unknown emails take as long as known ones, passwords can be changed,
//! reset and must be hard to guess, users can be deleted with their audit trail kept, files
//! are private, and slow connections are closed.

mod common;
#[path = "report_fixtures/mod.rs"]
mod report_fixtures;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use common::{Backend, Browser, PASSWORD, TestApp, hidden_inputs, location_of};
use reqwest::StatusCode;
use tmas::db::{self, TenantId};
use tmas::domain::account::{Plan, Role};

backend_tests!(
    language_redirects_stay_on_this_site,
    the_setup_link_creates_one_account_however_often_it_is_posted,
    csv_text_cells_cannot_run_as_formulas,
    account_changes_end_the_users_sessions,
    visitors_store_no_session_and_expired_rows_are_purged,
    concurrent_wrong_sign_ins_all_count,
    a_stranger_cannot_keep_the_owner_out,
    one_address_cannot_try_many_accounts,
    users_change_their_own_password,
    admins_reset_a_password_and_the_user_must_choose_a_new_one,
    admins_delete_users_and_their_audit_entries_stay,
    weak_passwords_are_refused_with_a_reason,
    staff_reset_another_staff_members_password,
);

async fn stored_sessions(app: &TestApp) -> i64 {
    let sql = match app.backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM tower_sessions",
        Backend::Postgres => "SELECT COUNT(*) FROM tower_sessions.session",
    };
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect("count sessions")
}

/// Signs in and answers the page's text (for a sign-in that is expected to fail).
async fn try_sign_in(browser: &Browser, email: &str, password: &str) -> (StatusCode, String) {
    let response = browser
        .post_form("/login", &[("email", email), ("password", password)])
        .await;
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// True when the browser's session still opens `path` (rather than being sent to sign in).
async fn signed_in(browser: &Browser, path: &str) -> bool {
    let response = browser.get(path).await;
    response.status() == StatusCode::OK
}

/// The temporary password on a reset page.
fn shown_temporary_password(page: &str) -> String {
    page.split("<code>")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the temporary password is shown")
        .to_string()
}

async fn language_redirects_stay_on_this_site(app: TestApp) {
    let browser = app.browser();
    for bad in [
        "/\\evil.example/",
        "//evil.example/",
        "\\\\evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/x\r\nSet-Cookie: stolen=1",
        "/x\ny",
        "/x\ty",
        "evil.example",
    ] {
        let response = browser
            .post_form("/language", &[("lang", "es"), ("back", bad)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{bad:?}");
        assert_eq!(location_of(&response), "/", "{bad:?}");
        assert!(
            response
                .headers()
                .get("set-cookie")
                .is_none_or(|c| { !c.to_str().unwrap_or_default().contains("stolen") })
        );
    }
    // A Referer from another site, or shaped like one, does not lead away either.
    let csrf = browser.csrf().await;
    let response = browser
        .client
        .post(format!("{}/language", browser.base))
        .header("referer", "http://127.0.0.1//evil.example/")
        .form(&[("csrf", csrf.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(location_of(&response), "/");
    // A local path is kept.
    let response = browser
        .post_form(
            "/language",
            &[("lang", "en"), ("back", "/reports/totals?from=2026-03-01")],
        )
        .await;
    assert_eq!(location_of(&response), "/reports/totals?from=2026-03-01");
}

async fn the_setup_link_creates_one_account_however_often_it_is_posted(app: TestApp) {
    let token = tmas::web::sign_in::issue_setup_token_if_empty(&app.db)
        .await
        .unwrap()
        .expect("a setup token");
    // Six browsers open the link first; then all post at once.
    let mut forms = Vec::new();
    for _ in 0..6 {
        let browser = app.other_browser();
        let (status, page) = browser.text(&format!("/setup?token={token}")).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = hidden_inputs(&page).remove("csrf").expect("csrf");
        forms.push((browser, csrf));
    }
    let mut posts = Vec::new();
    for (n, (browser, csrf)) in forms.into_iter().enumerate() {
        let token = token.clone();
        posts.push(tokio::spawn(async move {
            let email = format!("ops{n}@tmas.example");
            browser
                .post_raw(
                    "/setup",
                    &[
                        ("csrf", csrf.as_str()),
                        ("token", token.as_str()),
                        ("email", email.as_str()),
                        ("password", PASSWORD),
                    ],
                )
                .await
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for post in posts {
        statuses.push(post.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::FORBIDDEN)
            .count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(db::users::count(&app.db).await.unwrap(), 1);
    // And the link is spent.
    let (status, _) = app
        .other_browser()
        .text(&format!("/setup?token={token}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn csv_text_cells_cannot_run_as_formulas(app: TestApp) {
    use report_fixtures::{hour, location};
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let formula = location(
        &app,
        tenant,
        "=1+2",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
    )
    .await;
    let plus = location(&app, tenant, "P-1", "+Mall").await;
    let minus = location(&app, tenant, "M-1", "-Mall").await;
    let at = location(&app, tenant, "A-1", "@SUM(A1:A9)").await;
    let plain = location(&app, tenant, "S-01", "Down-town = best").await;
    for id in [formula, plus, minus, at, plain] {
        // A return of 18.00: net sales -18.00, still a number.
        hour(&app, tenant, id, "2026-03-04", 16, 0, 0, 1800, 1, -1).await;
    }
    let response = app
        .get("/reports/export.csv?from=2026-03-04&to=2026-03-04&granularity=hour")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let mut rows: Vec<&str> = body.lines().skip(1).collect();
    rows.sort();
    let tail = ",2026-03-04,16,-18.00,1,-18.00,-1,0.00,0.00,18.00,USD,,,0,,,";
    let mut expected = vec![
        format!("'=1+2,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"{tail}"),
        format!("A-1,'@SUM(A1:A9){tail}"),
        format!("M-1,'-Mall{tail}"),
        format!("P-1,'+Mall{tail}"),
        format!("S-01,Down-town = best{tail}"),
    ];
    expected.sort();
    assert_eq!(rows, expected);
}

async fn account_changes_end_the_users_sessions(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let admin = app.browser();
    let bo = app
        .create_user("bo@acme.example", Role::Manager, Some(tenant))
        .await;
    let bo_browser = app.other_browser();
    bo_browser.login("bo@acme.example", PASSWORD).await;
    assert!(signed_in(&bo_browser, "/").await);

    // Deactivated: the session ends, and reactivating does not revive it.
    let r = admin
        .post_form(&format!("/admin/users/{bo}"), &[("role", "manager")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&bo_browser.get("/").await), "/login");
    admin
        .post_form(
            &format!("/admin/users/{bo}"),
            &[("role", "manager"), ("active", "on")],
        )
        .await;
    assert_eq!(location_of(&bo_browser.get("/").await), "/login");

    // A new role ends the session; an unrelated change (the editing permission) does not.
    bo_browser.login("bo@acme.example", PASSWORD).await;
    admin
        .post_form(
            &format!("/admin/users/{bo}"),
            &[
                ("role", "manager"),
                ("active", "on"),
                ("may_edit_manually", "on"),
            ],
        )
        .await;
    assert!(signed_in(&bo_browser, "/").await);
    admin
        .post_form(
            &format!("/admin/users/{bo}"),
            &[("role", "admin"), ("active", "on")],
        )
        .await;
    assert_eq!(location_of(&bo_browser.get("/").await), "/login");

    // A password reset ends it.
    bo_browser.login("bo@acme.example", PASSWORD).await;
    let r = admin
        .post_form(&format!("/admin/users/{bo}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&bo_browser.get("/").await), "/login");

    // Deletion ends it.
    db::users::set_password(
        &app.db,
        bo,
        &tmas::password::hash(PASSWORD.into()).await.unwrap(),
        false,
    )
    .await
    .unwrap();
    bo_browser.login("bo@acme.example", PASSWORD).await;
    assert!(signed_in(&bo_browser, "/").await);
    let r = admin
        .post_form(&format!("/admin/users/{bo}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&bo_browser.get("/").await), "/login");
    // The admin's own session was never touched.
    assert!(signed_in(&admin, "/admin/users").await);
}

async fn visitors_store_no_session_and_expired_rows_are_purged(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    for _ in 0..20 {
        let visitor = app.other_browser();
        let (status, page) = visitor.text("/login").await;
        assert_eq!(status, StatusCode::OK);
        assert!(hidden_inputs(&page).contains_key("csrf"));
        assert_eq!(location_of(&visitor.get("/").await), "/login");
    }
    assert_eq!(
        stored_sessions(&app).await,
        0,
        "anonymous pages store nothing"
    );

    // The sign-in form works without a stored session, and a forged token is refused.
    let visitor = app.other_browser();
    let (_, page) = visitor.text("/login").await;
    let csrf = hidden_inputs(&page).remove("csrf").unwrap();
    let forged = visitor
        .post_raw(
            "/login",
            &[
                ("csrf", "0".repeat(csrf.len()).as_str()),
                ("email", "ana@acme.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cookieless = app
        .other_browser()
        .post_raw(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("email", "ana@acme.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        cookieless.status(),
        StatusCode::FORBIDDEN,
        "a token without its cookie is refused"
    );
    visitor.login("ana@acme.example", PASSWORD).await;
    assert_eq!(stored_sessions(&app).await, 1);

    // Expired sessions and stale counters go; live ones stay.
    let live = app.other_browser();
    live.login("ana@acme.example", PASSWORD).await;
    assert_eq!(stored_sessions(&app).await, 2);
    let expire_one = match app.backend {
        Backend::Sqlite => {
            "UPDATE tower_sessions SET expiry_date = expiry_date - 86400
             WHERE id = (SELECT MIN(id) FROM tower_sessions)"
        }
        Backend::Postgres => {
            "UPDATE tower_sessions.session SET expiry_date = now() - interval '1 hour'
             WHERE id = (SELECT MIN(id) FROM tower_sessions.session)"
        }
    };
    sqlx::query(expire_one).execute(&app.db.pool).await.unwrap();
    let now = db::now();
    for (key, updated_at) in [
        ("address:203.0.113.9", now - 2 * 86_400),
        ("address:203.0.113.10", now),
    ] {
        sqlx::query(
            "INSERT INTO login_throttle (throttle_key, failures, locked_until, updated_at)
             VALUES ($1, 3, 0, $2)",
        )
        .bind(key)
        .bind(updated_at)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let purged = tmas::housekeeping::purge_once(&app.db).await.unwrap();
    assert_eq!(
        purged,
        tmas::housekeeping::Purged {
            sessions: 1,
            throttle_rows: 1
        }
    );
    assert_eq!(stored_sessions(&app).await, 1);
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT throttle_key FROM login_throttle WHERE throttle_key LIKE 'address:203.%'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(kept, ["address:203.0.113.10"]);
}

async fn concurrent_wrong_sign_ins_all_count(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    let guesser = app.browser_from("127.0.0.21");
    let csrf = guesser.csrf().await;
    let mut tries = Vec::new();
    for n in 0..40 {
        let guesser = guesser.clone();
        let csrf = csrf.clone();
        tries.push(tokio::spawn(async move {
            let password = format!("wrong-guess-{n}");
            let response = guesser
                .post_raw(
                    "/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", "ana@acme.example"),
                        ("password", password.as_str()),
                    ],
                )
                .await;
            response.text().await.unwrap()
        }));
    }
    let (mut checked, mut refused) = (0, 0);
    for attempt in tries {
        let page = attempt.await.unwrap();
        if page.contains("Wrong email or password.") {
            checked += 1;
        } else if page.contains("Too many failed sign-ins") {
            refused += 1;
        }
    }
    // Five free tries, then the rest are refused before hashing. (A sixth or seventh may
    // get through on a very slow machine if the 2 s wait after the fifth passes before the
    // last request arrives; counting after the hash let nearly all forty through.)
    assert!(
        (5..=7).contains(&checked) && checked + refused == 40,
        "checked {checked}, refused {refused}"
    );
}

async fn a_stranger_cannot_keep_the_owner_out(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    let stranger = app.browser_from("127.0.0.31");
    for n in 0..12 {
        try_sign_in(&stranger, "ana@acme.example", &format!("guess-{n}-x")).await;
    }
    // The stranger is slowed down, even with the right password…
    let (_, page) = try_sign_in(&stranger, "ana@acme.example", PASSWORD).await;
    assert!(page.contains("Too many failed sign-ins"), "{page}");
    // …while the owner, elsewhere, signs in at once.
    let owner = app.browser_from("127.0.0.32");
    owner.login("ana@acme.example", PASSWORD).await;
    assert!(signed_in(&owner, "/").await);
    // No counter of the account itself can hold it for more than a minute.
    let account_lock: Option<i64> = sqlx::query_scalar(
        "SELECT locked_until FROM login_throttle WHERE throttle_key = 'account:ana@acme.example'",
    )
    .fetch_optional(&app.db.pool)
    .await
    .unwrap();
    assert!(account_lock.is_none_or(|until| until <= db::now() + 60));
}

async fn one_address_cannot_try_many_accounts(app: TestApp) {
    let sprayer = app.browser_from("127.0.0.41");
    for n in 0..20 {
        let (_, page) =
            try_sign_in(&sprayer, &format!("user{n}@acme.example"), "password-1x").await;
        assert!(page.contains("Wrong email or password."), "try {n}: {page}");
    }
    let (_, page) = try_sign_in(&sprayer, "user99@acme.example", "password-1x").await;
    assert!(page.contains("Too many failed sign-ins"), "{page}");
    // Another address is not affected.
    let (_, page) = try_sign_in(
        &app.browser_from("127.0.0.42"),
        "user99@acme.example",
        "password-1x",
    )
    .await;
    assert!(page.contains("Wrong email or password."), "{page}");
}

async fn users_change_their_own_password(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let email = "manager@acme.example";
    let me = app.browser();
    let elsewhere = app.other_browser();
    elsewhere.login(email, PASSWORD).await;
    let (status, page) = me.text("/account/password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"current_password\""));

    let new = "violet-harbour-lantern-42";
    let cases = [
        (
            "not-my-password",
            new,
            new,
            "The current password is wrong.",
        ),
        (PASSWORD, "password12", "password12", "too easy to guess"),
        (
            PASSWORD,
            new,
            "violet-harbour-lantern-43",
            "The two new passwords differ.",
        ),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            "different from the current one",
        ),
    ];
    for (current, new_password, confirm, message) in cases {
        let r = me
            .post_form(
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", new_password),
                    ("confirm_password", confirm),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let page = r.text().await.unwrap();
        assert!(page.contains(message), "{message}: {page}");
    }
    let r = me
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), "/account/password?changed=1");
    // This session goes on; the other one is over; only the new password opens the account.
    assert!(signed_in(&me, "/").await);
    assert_eq!(location_of(&elsewhere.get("/").await), "/login");
    let (_, page) = try_sign_in(&app.other_browser(), email, PASSWORD).await;
    assert!(page.contains("Wrong email or password."));
    app.other_browser().login(email, new).await;
    let _ = tenant;
}

async fn admins_reset_a_password_and_the_user_must_choose_a_new_one(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let admin = app.browser();
    let bo = app
        .create_user("bo@acme.example", Role::Manager, Some(tenant))
        .await;
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    let stranger = app
        .create_user("cy@bravo.example", Role::Manager, Some(bravo))
        .await;

    // Another tenant's user is not there; a manager may not reset anyone.
    let r = admin
        .post_form(&format!("/admin/users/{stranger}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let manager = app.other_browser();
    manager.login("bo@acme.example", PASSWORD).await;
    let r = manager
        .post_form(&format!("/admin/users/{bo}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // POST, then redirect to the page that shows the password (a reload resets nothing).
    let r = admin
        .post_form(&format!("/admin/users/{bo}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), format!("/admin/users/{bo}/password"));
    let r = admin.get(&format!("/admin/users/{bo}/password")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get("cache-control").unwrap().to_str().unwrap(),
        "no-store"
    );
    let page = r.text().await.unwrap();
    let temporary = shown_temporary_password(&page);
    assert_eq!(temporary.len(), 23, "{temporary}");
    // Shown once: a reload leads to the user's page, which does not show it again.
    let reload = admin.get(&format!("/admin/users/{bo}/password")).await;
    assert_eq!(location_of(&reload), format!("/admin/users/{bo}"));
    let (_, again) = admin.text(&format!("/admin/users/{bo}")).await;
    assert!(!again.contains(&temporary));
    let stranger_user = db::users::find_by_id(&app.db, stranger)
        .await
        .unwrap()
        .unwrap();
    assert!(!stranger_user.must_change_password());

    // The old password is gone; the temporary one leads straight to choosing a new one.
    let (_, page) = try_sign_in(&app.other_browser(), "bo@acme.example", PASSWORD).await;
    assert!(page.contains("Wrong email or password."));
    let bo_browser = app.other_browser();
    let r = bo_browser
        .post_form(
            "/login",
            &[("email", "bo@acme.example"), ("password", &temporary)],
        )
        .await;
    assert_eq!(location_of(&r), "/account/password");
    for path in ["/", "/reports/totals", "/reports/export"] {
        assert_eq!(
            location_of(&bo_browser.get(path).await),
            "/account/password",
            "{path}"
        );
    }
    let (_, page) = bo_browser.text("/account/password").await;
    assert!(page.contains("Your password was reset"));
    let new = "quiet-meadow-compass-81";
    let r = bo_browser
        .post_form(
            "/account/password",
            &[
                ("current_password", &temporary),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(signed_in(&bo_browser, "/").await);
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant.0)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(
        audit.contains(&"user.reset_password".to_string()),
        "{audit:?}"
    );
    assert!(
        audit.contains(&"user.change_password".to_string()),
        "{audit:?}"
    );
}

async fn admins_delete_users_and_their_audit_entries_stay(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let admin = app.browser();
    let me = db::users::find_by_email(&app.db, "admin@acme.example")
        .await
        .unwrap()
        .unwrap();
    let bo = app
        .create_user("bo@acme.example", Role::Admin, Some(tenant))
        .await;
    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    let stranger = app
        .create_user("cy@bravo.example", Role::Manager, Some(bravo))
        .await;
    // Bo does something audited.
    let bo_browser = app.other_browser();
    bo_browser.login("bo@acme.example", PASSWORD).await;
    let r = bo_browser
        .post_form(
            "/admin/users",
            &[
                ("email", "dee@acme.example"),
                ("password", "amber-violin-tunnel-55"),
                ("role", "manager"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Unconfirmed, oneself, another tenant's user: refused, nothing deleted.
    let r = admin
        .post_form(&format!("/admin/users/{bo}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Tick the box"));
    let r = admin
        .post_form(
            &format!("/admin/users/{}/delete", me.id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_form(
            &format!("/admin/users/{stranger}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        db::users::list_in_tenant(&app.db, tenant)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        db::users::find_by_id(&app.db, stranger)
            .await
            .unwrap()
            .is_some()
    );

    let r = admin
        .post_form(&format!("/admin/users/{bo}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(db::users::find_by_id(&app.db, bo).await.unwrap().is_none());
    let (_, page) = try_sign_in(&app.other_browser(), "bo@acme.example", PASSWORD).await;
    assert!(page.contains("Wrong email or password."));
    // The audit log still names Bo for what Bo did, and records the deletion.
    let (status, log) = admin.text("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let entries: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor_email, action, details FROM audit_log WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(
        entries
            .iter()
            .any(|(who, action, details)| who == "bo@acme.example"
                && action == "user.create"
                && details.contains("\"dee@acme.example\""))
    );
    assert!(
        entries
            .iter()
            .any(|(who, action, details)| who == "admin@acme.example"
                && action == "user.delete"
                && details.contains("\"bo@acme.example\""))
    );
    assert!(log.contains("bo@acme.example</li><li>Role: admin"), "{log}");
    let _: TenantId = bravo;
}

async fn weak_passwords_are_refused_with_a_reason(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let admin = app.browser();
    for weak in ["password12", "qwerty1234", "iloveyou2024", "1234567890ab"] {
        let r = admin
            .post_form(
                "/admin/users",
                &[
                    ("email", "bo@acme.example"),
                    ("password", weak),
                    ("role", "manager"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("The password is too easy to guess: "),
            "{weak}: {page}"
        );
    }
    assert_eq!(
        db::users::list_in_tenant(&app.db, tenant)
            .await
            .unwrap()
            .len(),
        1
    );
    // In Spanish, with the reason translated too.
    let spanish = app.other_browser();
    spanish.login("admin@acme.example", PASSWORD).await;
    spanish
        .post_form("/language", &[("lang", "es"), ("back", "/admin/users")])
        .await;
    let r = spanish
        .post_form(
            "/admin/users",
            &[
                ("email", "bo@acme.example"),
                ("password", "qwerty1234"),
                ("role", "manager"),
            ],
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("La contraseña es demasiado fácil de adivinar: "),
        "{page}"
    );
    assert!(!page.contains("easy to guess"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The default header-read timeout is 10 s; the test uses 1 s.
    let quick = TestApp::spawn_with(Backend::Sqlite, |s| s.header_read_timeout = 1).await;
    async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> bool {
        let mut buffer = [0u8; 1024];
        let deadline = Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline.into(), stream.read(&mut buffer)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                // A 408 answer may come first; the close follows.
                Ok(Ok(_)) => continue,
            }
        }
    }
    // Half a request, then nothing.
    let mut slow = tokio::net::TcpStream::connect(quick.address).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: tmas\r\nUser-Agent: slow")
        .await
        .unwrap();
    // Nothing at all.
    let mut idle = tokio::net::TcpStream::connect(quick.address).await.unwrap();
    // A whole request, then an idle keep-alive connection.
    let mut polite = tokio::net::TcpStream::connect(quick.address).await.unwrap();
    polite
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tmas\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 12];
    polite.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    let start = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(6)).await,
        "slow client kept"
    );
    assert!(
        closed_within(&mut idle, Duration::from_secs(6)).await,
        "idle client kept"
    );
    assert!(
        closed_within(&mut polite, Duration::from_secs(6)).await,
        "idle keep-alive kept"
    );
    assert!(start.elapsed() < Duration::from_secs(6));
    // The server still serves: on a new connection (the app's own client may hold an idle
    // keep-alive connection the server has closed by now, and reusing it races the close).
    assert_eq!(
        quick.other_browser().get("/healthz").await.status(),
        StatusCode::OK
    );
}

fn tmas(dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(common::tmas_binary());
    command
        .env_remove("DATABASE_URL")
        .env("TMAS_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null());
    command
}

fn run_ok(command: &mut std::process::Command) -> String {
    let out = command.output().expect("run tmas");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `VmRSS` or `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {status}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_concurrent_wrong_sign_ins_stay_within_100_mib() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    run_ok(tmas(dir.path()).args([
        "admin",
        "create-tenant",
        "--name",
        "Acme",
        "--plan",
        "retail",
    ]));
    run_ok(
        tmas(dir.path())
            .args([
                "admin",
                "create-user",
                "--email",
                "ana@acme.example",
                "--role",
                "admin",
                "--tenant",
                "Acme",
            ])
            .env("TMAS_PASSWORD", PASSWORD),
    );
    let mut server = tmas(dir.path())
        .args(["serve", "--no-worker", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = server.id();
    let stdout = server.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(url) = line.strip_prefix("TMAS is listening on http://") {
            break url.to_string();
        }
    };
    // Forty clients at forty addresses, so the throttle lets every one of them hash.
    let mut browsers = Vec::new();
    for n in 0..40 {
        let browser = Browser {
            base: format!("http://{address}"),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .local_address(format!("127.0.4.{}", n + 1).parse::<IpAddr>().unwrap())
                .build()
                .unwrap(),
        };
        let csrf = browser.csrf().await;
        browsers.push((browser, csrf));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = memory_kib(pid, "VmRSS:");
    let mut tries = Vec::new();
    for (n, (browser, csrf)) in browsers.into_iter().enumerate() {
        tries.push(tokio::spawn(async move {
            let email = if n % 2 == 0 {
                "ana@acme.example".to_string()
            } else {
                format!("nobody{n}@acme.example")
            };
            let response = browser
                .post_raw(
                    "/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", email.as_str()),
                        ("password", "wrong-guess-12"),
                    ],
                )
                .await;
            response.text().await.unwrap()
        }));
    }
    let mut wrong = 0;
    for attempt in tries {
        if attempt.await.unwrap().contains("Wrong email or password.") {
            wrong += 1;
        }
    }
    let peak = memory_kib(pid, "VmHWM:");
    let after = memory_kib(pid, "VmRSS:");
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "idle {:.1} MiB, peak {:.1} MiB, after {:.1} MiB ({wrong} passwords checked)",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        after as f64 / 1024.0
    );
    assert!(wrong >= 35, "the tries were checked, not refused: {wrong}");
    assert!(
        peak < idle + 100 * 1024 && after < idle + 100 * 1024,
        "idle {idle} KiB, peak {peak} KiB, after {after} KiB"
    );
}

#[tokio::test]
async fn operators_reset_a_password_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(tmas(dir.path()).args([
        "admin",
        "create-tenant",
        "--name",
        "Acme",
        "--plan",
        "retail",
    ]));
    // Weak passwords are refused here too, with the reason.
    let out = tmas(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "ana@acme.example",
            "--role",
            "admin",
            "--tenant",
            "Acme",
        ])
        .env("TMAS_PASSWORD", "qwerty1234")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("too easy to guess"));
    run_ok(
        tmas(dir.path())
            .args([
                "admin",
                "create-user",
                "--email",
                "ana@acme.example",
                "--role",
                "admin",
                "--tenant",
                "Acme",
            ])
            .env("TMAS_PASSWORD", PASSWORD),
    );
    let out = tmas(dir.path())
        .args(["admin", "reset-password", "--email", "nobody@acme.example"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no user with the email nobody@acme.example")
    );

    let printed =
        run_ok(tmas(dir.path()).args(["admin", "reset-password", "--email", "ANA@acme.example"]));
    let temporary = printed.lines().last().unwrap().trim().to_string();
    assert_eq!(temporary.len(), 23, "{printed}");
    let db = db::Db::connect(&format!("sqlite://{}/tmas.db", dir.path().display()))
        .await
        .unwrap();
    let ana = db::users::find_by_email(&db, "ana@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert!(ana.must_change_password());
    assert!(tmas::password::verify(temporary, ana.password_hash.clone()).await);
    assert!(!tmas::password::verify(PASSWORD.into(), ana.password_hash).await);
}

#[cfg(unix)]
#[tokio::test]
async fn data_files_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new").join("data");
    let settings = common::settings_for(&data, format!("sqlite://{}/tmas.db", data.display()));
    let state = tmas::startup::prepare(&settings).await.unwrap();
    // Something written, so the WAL exists.
    db::tenants::create(&state.db, "Acme", Plan::Retail, "UTC")
        .await
        .unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data) & 0o077, 0, "data folder {:o}", mode(&data));
    for name in ["tmas.db", "tmas.db-wal", "secret.key"] {
        let path = data.join(name);
        assert!(path.exists(), "{name}");
        assert_eq!(mode(&path), 0o600, "{name}: {:o}", mode(&path));
    }
    // A database left readable by an older version is made private at the next start.
    drop(state);
    std::fs::set_permissions(data.join("tmas.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let _state = tmas::startup::prepare(&settings).await.unwrap();
    assert_eq!(mode(&data.join("tmas.db")), 0o600);
}

async fn staff_reset_another_staff_members_password(app: TestApp) {
    let ops = app.create_user("ops@tmas.example", Role::Staff, None).await;
    let eve = app.create_user("eve@tmas.example", Role::Staff, None).await;
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    let ana = app
        .create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    let staff = app.browser();
    staff.login("ops@tmas.example", PASSWORD).await;
    let eve_browser = app.other_browser();
    eve_browser.login("eve@tmas.example", PASSWORD).await;
    let (status, page) = staff.text("/staff/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("eve@tmas.example") && !page.contains("ana@acme.example"));

    // Not oneself, not a tenant user (they are reset from inside their tenant).
    let r = staff
        .post_form(&format!("/staff/users/{ops}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = staff
        .post_form(&format!("/staff/users/{ana}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Tenant admins cannot reach it.
    let admin = app.other_browser();
    admin.login("ana@acme.example", PASSWORD).await;
    let r = admin
        .post_form(&format!("/staff/users/{eve}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = staff
        .post_form(&format!("/staff/users/{eve}/password"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), format!("/staff/users/{eve}/password"));
    let (status, page) = staff.text(&format!("/staff/users/{eve}/password")).await;
    assert_eq!(status, StatusCode::OK);
    let temporary = shown_temporary_password(&page);
    assert_eq!(
        location_of(&staff.get(&format!("/staff/users/{eve}/password")).await),
        "/staff/users"
    );
    assert_eq!(
        location_of(&eve_browser.get("/staff/tenants").await),
        "/login"
    );
    let eve_again = app.other_browser();
    let r = eve_again
        .post_form(
            "/login",
            &[("email", "eve@tmas.example"), ("password", &temporary)],
        )
        .await;
    assert_eq!(location_of(&r), "/account/password");
    assert_eq!(
        location_of(&eve_again.get("/staff/tenants").await),
        "/account/password"
    );
}
