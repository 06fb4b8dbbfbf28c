//! A Spanish-speaking person connects Shopify in headless Chromium: signs in, switches the
//! interface to Spanish with the language selector, then walks the whole wizard reading it in
//! Spanish (steps, errors, confirmation, schedule, finish) and sees the integration page. The
//! walk is shared with `browser_wizard.rs`; this is its Spanish table. Skipped (with a
//! message) when Chromium is not installed, unless `TMAS_REQUIRE_BROWSER=1`.

#[path = "common/browser_wizard_walk.rs"]
mod browser_wizard_walk;
mod common;
#[path = "common/webdriver.rs"]
mod webdriver;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use browser_wizard_walk::{LanguageSwitch, WizardTexts, walk};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_walks_the_wizard_in_spanish() {
    walk(&WizardTexts {
        switch: Some(LanguageSwitch {
            code: "es",
            sign_out: "Cerrar sesión",
        }),
        screenshot_prefix: "es-",
        step_1: &["Paso 1 de 5", "Conectar Shopify"],
        // The English step counter would mean the page was not translated.
        not_on_step_1: &["Step 1 of 5"],
        token_refused: "Shopify no aceptó este token de acceso",
        step_2: "Paso 2 de 5",
        connected: "Conectado a",
        confirm: "Se importarán estas 2 tiendas. ¿Continuar?",
        step_4: "Paso 4 de 5",
        schedule_summary: "Cada hora en el minuto 15",
        import_queued: "La primera importación está en cola",
    })
    .await;
}
