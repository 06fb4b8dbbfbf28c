//! English and Spanish: every interface text of the templates has a Spanish translation, the
//! language follows the browser and then the user's choice, and messages are translated with
//! their values kept.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};
use tmas::i18n::{Lang, translate};

/// Every `layout.t("…")`, `layout.t1("…", …)` and `layout.t2("…", …)` literal in the templates.
fn template_texts() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for call in ["layout.t(\"", "layout.t1(\"", "layout.t2(\""] {
            for piece in source.split(call).skip(1) {
                // The literal ends at the first quote that is not escaped.
                let mut end = None;
                let mut escaped = false;
                for (i, c) in piece.char_indices() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                if let Some(end) = end {
                    texts.push(piece[..end].replace("\\\"", "\""));
                }
            }
        }
    }
    texts
}

#[test]
fn every_template_text_has_a_spanish_translation() {
    let texts = template_texts();
    assert!(texts.len() > 40, "the templates use the catalog");
    let missing: Vec<_> = texts
        .iter()
        .filter(|text| {
            translate(Lang::Es, text) == **text
                && !["no", "Error", "Plan", "retail", "Total", "manual", "ID {}"]
                    .contains(&text.as_str())
        })
        .collect();
    assert!(missing.is_empty(), "no Spanish for: {missing:#?}");
}

backend_tests!(language_follows_the_browser_then_the_users_choice);

async fn language_follows_the_browser_then_the_users_choice(app: TestApp) {
    let browser = app.browser();
    let spanish = browser
        .client
        .get(app.url("/login"))
        .header("accept-language", "es-ES,es;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(spanish.headers()["content-language"], "es");
    let body = spanish.text().await.unwrap();
    assert!(
        body.contains("Iniciar sesión") && body.contains("lang=\"es\""),
        "{body}"
    );

    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let (_, english) = browser.text("/admin/locations").await;
    assert!(english.contains(">Locations<"));

    let chosen = browser
        .post_form("/language", &[("lang", "es"), ("back", "/admin/locations")])
        .await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location_of(&chosen), "/admin/locations");
    let (_, page) = browser.text("/admin/locations").await;
    assert!(
        page.contains("Tiendas") && page.contains("Nueva tienda"),
        "{page}"
    );

    // A form error comes back in Spanish with the value kept.
    let response = browser
        .post_form(
            "/admin/locations",
            &[
                ("name", "Centro"),
                ("location_id", "T-1"),
                ("time_zone", "Mars/Olympus"),
                ("status", "active"),
            ],
        )
        .await;
    let body = response.text().await.unwrap();
    assert!(body.contains("Zona horaria desconocida"), "{body}");
    assert!(
        tmas::db::locations::list(&app.db, tenant)
            .await
            .unwrap()
            .is_empty()
    );

    // The choice is saved with the account: a new sign-in keeps Spanish.
    let user = tmas::db::users::find_by_email(&app.db, "admin@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.language, "es");
    let other = app.other_browser();
    other.login("admin@acme.example", common::PASSWORD).await;
    let (_, page) = other.text("/admin/users").await;
    assert!(page.contains("Usuarios"), "{page}");

    let bad = browser.post_form("/language", &[("lang", "fr")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
