//! Mail: the settings, the messages (multipart, in the recipient's language), the outbox the
//! worker sends from, and the SMTP conversation itself. Pages never talk to the mail server:
//! they queue a message in the database, so a slow or failing server never slows a page.

pub mod alerts;
pub mod compose;
pub mod digest;
pub mod digest_coverage;
pub mod outbox;
pub mod sender;
pub mod settings;
pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::Settings;
use settings::{DEFAULT_SMTP_TIMEOUT, MailSettings, PublicUrl};

/// Mail as this process was started with it: off, or a server to send through.
#[derive(Clone, Default)]
pub struct Mail(Option<Arc<MailConfig>>);

impl Mail {
    /// Mail off: nothing is queued, and the pages that would send mail say so.
    pub fn off() -> Mail {
        Mail(None)
    }

    pub fn on(config: MailConfig) -> Mail {
        Mail(Some(Arc::new(config)))
    }

    /// Reads the settings and the password file; mail is off without `--smtp-url`.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mail> {
        let Some(parsed) = settings.mail_settings().map_err(anyhow::Error::msg)? else {
            return Ok(Mail::off());
        };
        Ok(Mail::on(MailConfig::load(parsed)?))
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    pub fn config(&self) -> Option<&MailConfig> {
        self.0.as_deref()
    }
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("Mail(off)"),
            Some(config) => config.fmt(f),
        }
    }
}

/// A mail server to send through, with its password read from its file.
pub struct MailConfig {
    pub settings: MailSettings,
    password: Option<String>,
    /// How long one conversation with the server may take before it counts as failed.
    pub timeout: Duration,
}

impl MailConfig {
    pub fn load(settings: MailSettings) -> anyhow::Result<MailConfig> {
        let password = match &settings.password_file {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!(
                        "cannot read the SMTP password from TMAS_SMTP_PASSWORD_FILE {}",
                        path.display()
                    )
                })?;
                // The file's final line break is not part of the password.
                let password = text.trim_end_matches(['\r', '\n']).to_string();
                anyhow::ensure!(
                    !password.is_empty(),
                    "TMAS_SMTP_PASSWORD_FILE {} is empty: it must hold the SMTP password",
                    path.display()
                );
                Some(password)
            }
        };
        Ok(MailConfig {
            settings,
            password,
            timeout: DEFAULT_SMTP_TIMEOUT,
        })
    }

    pub fn public_url(&self) -> &PublicUrl {
        &self.settings.public_url
    }

    pub(crate) fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
}

// Hand-written so that the password never reaches a log line.
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("server", &self.settings.server)
            .field("user", &self.settings.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.settings.from.to_string())
            .field("public_url", &self.settings.public_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}
