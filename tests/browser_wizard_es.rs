//! A Spanish-speaking person connects Shopify in headless Chromium: signs in, switches the
//! interface to Spanish with the language selector, then walks the whole wizard reading it in
//! Spanish (steps, errors, confirmation, schedule, finish) and sees the integration page. Skipped (with a message) when Chromium is not installed, unless
//! `TMAS_REQUIRE_BROWSER=1`.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use common::{Backend, PASSWORD};
use tmas::db;
use tmas::domain::account::{Plan, Role};
use webdriver::{Browser, browser_available};
use wizard_support::{sim_config, spawn_with_sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_walks_the_wizard_in_spanish() {
    if !browser_available() {
        return;
    }
    let (app, sim) = spawn_with_sim(Backend::Sqlite, sim_config()).await;
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    for (code, name) in [("STORE-01", "King Street"), ("STORE-02", "Queen Street")] {
        let input =
            tmas::domain::location::LocationInput::parse(name, code, "America/Toronto", "active")
                .expect("valid location");
        db::locations::create(&app.db, tenant, &input)
            .await
            .expect("location");
    }
    let token = sim.token("examples").expect("shop");
    let browser = Browser::start().await;

    browser.goto(&app.url("/login")).await;
    browser
        .type_into("input[name=email]", "ana@acme.example")
        .await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_url(|u| !u.ends_with("/login")).await;

    // The language selector at the bottom of every page.
    browser
        .click("form.language select[name=lang] option[value=es]")
        .await;
    browser.click("form.language button[type=submit]").await;
    browser
        .wait_for_page(|p| p.contains("lang=\"es\"") && p.contains("Cerrar sesión"))
        .await;

    browser.goto(&app.url("/admin/integrations")).await;
    browser.screenshot("es-01-integrations").await;
    browser
        .click("a[href=\"/admin/integrations/shopify/new\"]")
        .await;
    browser
        .wait_for_url(|u| u.ends_with("/admin/integrations/shopify/new"))
        .await;
    let first = browser.source().await;
    assert!(
        first.contains("Paso 1 de 5") && first.contains("Conectar Shopify"),
        "{first}"
    );
    assert!(!first.contains("Step 1 of 5"));

    // A mistyped token first: the page says so and keeps what was typed, except the token.
    browser.type_into("input[name=label]", "Acme Retail").await;
    browser
        .type_into("input[name=store_name]", "examples.myshopify.com")
        .await;
    browser
        .click("input[name=credential_kind][value=access_token]")
        .await;
    browser
        .type_into("input[name=access_token]", "shpat_typo")
        .await;
    browser.screenshot("es-02-general").await;
    browser.click("#next").await;
    let page = browser
        .wait_for_page(|p| p.contains("Shopify no aceptó este token de acceso"))
        .await;
    assert!(page.contains("examples.myshopify.com") && !page.contains("shpat_typo"));
    browser.screenshot("es-03-general-error").await;

    browser.type_into("input[name=access_token]", &token).await;
    browser.click("#next").await;
    let url = browser
        .wait_for_url(|u| u.ends_with("/wizard/locations"))
        .await;
    let page = browser.source().await;
    assert!(
        page.contains("Paso 2 de 5") && page.contains("Conectado a"),
        "{page}"
    );
    browser.screenshot("es-04-locations").await;

    browser
        .click("select[name=\"location[STORE-01]\"] option[value=\"1001\"]")
        .await;
    browser
        .click("select[name=\"location[STORE-02]\"] option[value=\"1002\"]")
        .await;
    browser.click("#next").await;
    browser
        .wait_for_url(|u| u.ends_with("/wizard/confirm"))
        .await;
    assert!(
        browser
            .source()
            .await
            .contains("Se importarán estas 2 tiendas. ¿Continuar?")
    );
    browser.screenshot("es-05-confirm").await;
    browser.click("#next").await;

    browser
        .wait_for_url(|u| u.ends_with("/wizard/schedule"))
        .await;
    assert!(browser.source().await.contains("Paso 4 de 5"));
    browser.type_into("input[name=minute]", "15").await;
    browser.screenshot("es-06-schedule").await;
    browser.click("#next").await;

    browser
        .wait_for_url(|u| u.ends_with("/wizard/finish"))
        .await;
    assert!(browser.source().await.contains("Cada hora en el minuto 15"));
    browser.screenshot("es-07-finish").await;
    browser.click("#next").await;

    let done = browser
        .wait_for_url(|u| u.contains("?notice=started"))
        .await;
    let page = browser.source().await;
    assert!(
        page.contains("La primera importación está en cola") && page.contains("STORE-02"),
        "{page}"
    );
    browser.screenshot("es-08-integration").await;
    browser.set_window(390, 844).await;
    browser.screenshot("es-09-integration-phone").await;
    browser.goto(&url).await;
    browser.screenshot("es-10-locations-phone").await;
    browser.quit().await;

    let id = wizard_support::id_in(
        done.split_once("/admin/integrations/")
            .map(|(_, rest)| rest)
            .map(|r| format!("/admin/integrations/{r}"))
            .as_deref()
            .unwrap_or_default(),
    );
    let stored = db::integrations::get(&app.db, tenant, id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.status, "active");
    assert_eq!(stored.schedule_minute, 15);
    assert_eq!(stored.run_requested.as_deref(), Some("initial"));
}
