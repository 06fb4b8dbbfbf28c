//! Every request answers with a page that says what happened: a form's POST redirects to a
//! page with a notice where something was done, the integrations list says "importing" only
//! while a run runs, a manager's missing page names what a manager can open, and a Shopify
//! error reads in the reader's language.

mod common;
mod report_fixtures;

use common::{TestApp, location_of};
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};
use tmas::i18n::{Lang, plain_reason};
use tmas::shopify::ShopifyError;

backend_tests!(
    saving_a_location_redirects_and_says_so,
    saving_the_digests_redirects_and_says_so,
    the_list_says_importing_only_while_a_run_runs,
    a_managers_missing_page_names_what_a_manager_can_open,
);

async fn saving_a_location_redirects_and_says_so(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let (_, page) = browser.text("/admin/locations").await;
    assert!(!page.contains("The location is added."), "no notice before");
    let r = browser
        .post_form(
            "/admin/locations",
            &[
                ("name", "King Street"),
                ("location_id", "STORE-01"),
                ("time_zone", "America/Toronto"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let target = location_of(&r);
    assert_eq!(target, "/admin/locations?notice=created");
    let (status, page) = browser.text(&target).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The location is added."), "{page}");

    let id: i64 = sqlx::query_scalar("SELECT id FROM locations WHERE location_id = 'STORE-01'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    browser.post_form("/language", &[("lang", "es")]).await;
    let r = browser
        .post_form(
            &format!("/admin/locations/{id}"),
            &[
                ("name", "King Street West"),
                ("location_id", "STORE-01"),
                ("time_zone", "America/Toronto"),
                ("status", "active"),
            ],
        )
        .await;
    let target = location_of(&r);
    assert_eq!(target, "/admin/locations?notice=saved");
    let (_, page) = browser.text(&target).await;
    assert!(
        page.contains("Los cambios de la tienda se han guardado."),
        "{page}"
    );
    // Only the known notices are ever shown.
    let (_, page) = browser.text("/admin/locations?notice=<b>hi</b>").await;
    assert!(!page.contains("notice\" role=\"status\""), "{page}");
}

async fn saving_the_digests_redirects_and_says_so(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let browser = app.browser();
    let r = browser
        .post_form("/account/digests", &[("digest_daily", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let target = location_of(&r);
    assert_eq!(target, "/account/password?saved=digests");
    let (_, page) = browser.text(&target).await;
    assert!(page.contains("Saved."), "{page}");
    // A reload of the address the form posted to (or a bookmark) leads to the page.
    let r = browser.get("/account/digests").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), "/account/password");
    let (_, page) = browser.text("/account/password").await;
    assert!(!page.contains("Saved."), "said once, after saving");
}

async fn the_list_says_importing_only_while_a_run_runs(app: TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let id = report_fixtures::integration(&app, tenant, "Main", "active", "", "CAD").await;
    let browser = app.browser();
    let status_of = |page: &str| {
        let row = page
            .split("<span class=\"status status-active\">")
            .nth(1)
            .unwrap_or_else(|| panic!("a status: {page}"));
        row.split('<').next().unwrap().to_string()
    };
    let (_, page) = browser.text("/admin/integrations").await;
    assert_eq!(status_of(&page), "active");
    // A run recorded as running, but no worker holds the lease: not importing.
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, outcome)
         VALUES ($1, $2, 'schedule', 0, 0, $3, 'running')",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(chrono::Utc::now().timestamp())
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, page) = browser.text("/admin/integrations").await;
    assert_eq!(status_of(&page), "active");
    sqlx::query("UPDATE integrations SET lease_owner = 'w1', lease_until = $2 WHERE id = $1")
        .bind(id)
        .bind(chrono::Utc::now().timestamp() + 60)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, page) = browser.text("/admin/integrations").await;
    assert_eq!(status_of(&page), "importing");
    let (_, page) = browser.text(&format!("/admin/integrations/{id}")).await;
    assert!(page.contains("status-active\">importing</span>"), "{page}");
    // The run ends: active again.
    sqlx::query(
        "UPDATE import_runs SET outcome = 'succeeded', finished_at = $2 WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(chrono::Utc::now().timestamp())
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, page) = browser.text("/admin/integrations").await;
    assert_eq!(status_of(&page), "active");
}

async fn a_managers_missing_page_names_what_a_manager_can_open(app: TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let browser = app.browser();
    let (status, page) = browser.text("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains(
            "Every page you can open is in the menu above: the dashboard, reports and export."
        ),
        "{page}"
    );
    // No administration page is named to a manager.
    for admin_page in ["POS integration", "Users", "audit log"] {
        let advice = page.split("class=\"advice\"").nth(1).unwrap_or_default();
        let advice = advice.split("</p>").next().unwrap_or_default();
        assert!(!advice.contains(admin_page), "{advice}");
    }
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page) = browser.text("/no/such/page").await;
    assert!(
        page.contains(
            "Todas las páginas que puede abrir están en el menú de arriba: el panel, los informes y la exportación."
        ),
        "{page}"
    );
}

/// The causes Shopify gives for an unavailable store read in Spanish, with no English left.
#[test]
fn shopify_store_causes_read_in_spanish() {
    for (cause, spanish) in [
        ("the store is locked", "la tienda está bloqueada"),
        (
            "payment required: the store is frozen",
            "pago pendiente: la tienda está congelada",
        ),
        ("the store is inactive", "la tienda está inactiva"),
    ] {
        let error = ShopifyError::ShopUnavailable {
            reason: cause.into(),
        }
        .to_string();
        let shown = plain_reason(Lang::Es, &error);
        assert!(shown.contains(spanish), "{shown}");
        assert!(!shown.contains(cause), "{shown}");
        assert!(!shown.contains("store"), "{shown}");
    }
}

/// One Spanish word per thing: matching is "asociar" (never "emparejar"), the Shopify store is
/// the "tienda Shopify" (a bare "tienda" is a TMAS location) and a Shopify location is an
/// "ubicación de Shopify" (never a "tienda de Shopify", which reads as a TMAS location).
#[test]
fn spanish_uses_one_word_for_each_thing() {
    let catalog = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/es.txt"),
    )
    .unwrap();
    let offenders = catalog_offenders(&catalog);
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// The check itself fails on each kind of wrong line.
#[test]
fn the_word_check_finds_each_wrong_line() {
    for bad in [
        "Shop name\n= Nombre de la tienda\n",
        "Enter the store name.\n= Introduzca el nombre de la tienda.\n",
        "The Shopify store is unavailable.\n= La tienda no está disponible.\n",
        "Every day, once the shop's day has closed\n= Cada día, cerrado el día de la tienda\n",
        "A store name looks like mystore.\n= Un nombre como mitienda.myshopify.com.\n",
        "Match the locations\n= Emparejar las tiendas\n",
        "Shopify locations\n= Tiendas de Shopify\n",
    ] {
        assert_eq!(catalog_offenders(bad).len(), 1, "{bad}");
    }
    for good in [
        "Shop name\n= Nombre de la tienda Shopify\n",
        "All stores\n= Todas las tiendas\n",
        "Shopify locations\n= Ubicaciones de Shopify\n",
    ] {
        assert!(catalog_offenders(good).is_empty(), "{good}");
    }
}

/// The catalog's Spanish lines that break the one-word rules, each with its English.
fn catalog_offenders(catalog: &str) -> Vec<String> {
    let lines: Vec<&str> = catalog.lines().collect();
    let mut offenders = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(spanish) = line.strip_prefix("= ") else {
            continue;
        };
        let english = if i > 0 { lines[i - 1] } else { "" };
        let lower = spanish.to_lowercase();
        let wrong_word = lower.contains("emparej")
            || lower.contains("tienda de shopify")
            || lower.contains("tiendas de shopify");
        let english_lower = english.to_lowercase();
        let speaks_of_shopify_store = english_lower.contains("shopify store")
            || english_lower.contains("store name")
            || has_word(&english_lower, "shop")
            || has_word(&english_lower, "shops");
        if wrong_word || (speaks_of_shopify_store && !has_word(spanish, "Shopify")) {
            offenders.push(format!("{english} = {spanish}"));
        }
    }
    offenders
}

/// Whether `word` stands in `text` as a word of its own (not inside "myshopify" or "shopping").
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}
