//! The mail settings (DESIGN.md, "Mail"), parsed from the command line's strings into what the
//! sender needs, each bad value refused with a message that names the setting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://host:port`: STARTTLS when the server offers it.
    StartTlsWhenOffered,
    /// `smtp://host:port?tls=starttls`: STARTTLS or no mail (a server that does not offer it
    /// is refused, so nobody in between can strip it).
    StartTlsRequired,
    /// `smtp://host:port?tls=none`: plain text, for a relay on the same machine or network.
    None,
    /// `smtps://host:port`: TLS from the first byte.
    Tls,
}

/// Where mail goes: the server of `--smtp-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// The submission port (STARTTLS) when `smtp://` names none.
pub const DEFAULT_SMTP_PORT: u16 = 587;
/// The port of TLS from the start when `smtps://` names none.
pub const DEFAULT_SMTPS_PORT: u16 = 465;

const URL_SETTING: &str = "--smtp-url / TMAS_SMTP_URL";

impl SmtpServer {
    pub fn parse(text: &str) -> Result<SmtpServer, String> {
        let text = text.trim();
        let url = reqwest::Url::parse(text).map_err(|e| {
            format!(
                "{URL_SETTING} must look like smtp://host:port, smtp://host:port?tls=none or \
                 smtps://host:port ({e}), got {text:?}"
            )
        })?;
        let (default_port, tls_from_start) = match url.scheme() {
            "smtp" => (DEFAULT_SMTP_PORT, false),
            "smtps" => (DEFAULT_SMTPS_PORT, true),
            other => {
                return Err(format!(
                    "{URL_SETTING} must start with smtp:// or smtps://, got {other}:// in {text:?}"
                ));
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "{URL_SETTING} must not carry a user or password: give the user with \
                 --smtp-user / TMAS_SMTP_USER and the password in the file named by \
                 TMAS_SMTP_PASSWORD_FILE"
            ));
        }
        let host = match url.host_str() {
            Some(host) if !host.is_empty() => host.trim_matches(['[', ']']).to_string(),
            _ => return Err(format!("{URL_SETTING} names no host: {text:?}")),
        };
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(format!(
                "{URL_SETTING} must be smtp://host:port with nothing after the port but \
                 ?tls=…, got {text:?}"
            ));
        }
        let mut tls = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "tls" if tls.is_none() => tls = Some(value.to_ascii_lowercase()),
                _ => {
                    return Err(format!(
                        "{URL_SETTING} takes one setting after `?`, tls=none or tls=starttls; \
                         got {key:?} in {text:?}"
                    ));
                }
            }
        }
        let security = match (tls_from_start, tls.as_deref()) {
            (true, None) => Security::Tls,
            (true, Some(_)) => {
                return Err(format!(
                    "{URL_SETTING}: smtps:// is TLS from the start, so it takes no ?tls=; got {text:?}"
                ));
            }
            (false, None) => Security::StartTlsWhenOffered,
            (false, Some("none")) => Security::None,
            (false, Some("starttls")) => Security::StartTlsRequired,
            (false, Some(other)) => {
                return Err(format!(
                    "{URL_SETTING}: tls= must be none or starttls, got {other:?} in {text:?}"
                ));
            }
        };
        Ok(SmtpServer {
            host,
            port: url.port().unwrap_or(default_port),
            security,
        })
    }

    /// How the server is named in messages and logs (never with credentials: it has none).
    pub fn describe(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The address users reach TMAS at; links in mail are made from it, never from a request's
/// Host header (which the sender of a request chooses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        const SETTING: &str = "--public-url / TMAS_PUBLIC_URL";
        let text = text.trim();
        let url = reqwest::Url::parse(text).map_err(|e| {
            format!(
                "{SETTING} must be the http(s) address users reach TMAS at, e.g. \
                 https://tmas.example.com ({e}), got {text:?}"
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "{SETTING} must be an http:// or https:// address, got {text:?}"
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(format!(
                "{SETTING} must be a plain address without a user, `?` or `#`, got {text:?}"
            ));
        }
        Ok(PublicUrl(url.as_str().trim_end_matches('/').to_string()))
    }

    /// `path` (starting with `/`) on this address.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// The settings' mail part, checked; the password is read later, at start, from its file.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub server: SmtpServer,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub from: Mailbox,
    pub public_url: PublicUrl,
}

/// What the command line said about mail, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<'a> {
    pub smtp_url: Option<&'a str>,
    pub smtp_user: Option<&'a str>,
    pub smtp_password_file: Option<&'a Path>,
    pub mail_from: Option<&'a str>,
    pub public_url: Option<&'a str>,
}

impl MailSettings {
    /// `None` when mail is off (no `--smtp-url`); an error names the setting that is wrong.
    pub fn parse(typed: Typed<'_>) -> Result<Option<MailSettings>, String> {
        let public_url = given(typed.public_url).map(PublicUrl::parse).transpose()?;
        let Some(url) = given(typed.smtp_url) else {
            let stray = [
                (
                    given(typed.smtp_user).is_some(),
                    "--smtp-user / TMAS_SMTP_USER",
                ),
                (
                    typed.smtp_password_file.is_some(),
                    "--smtp-password-file / TMAS_SMTP_PASSWORD_FILE",
                ),
                (
                    given(typed.mail_from).is_some(),
                    "--mail-from / TMAS_MAIL_FROM",
                ),
            ];
            if let Some((_, name)) = stray.iter().find(|(set, _)| *set) {
                return Err(format!(
                    "{name} is set but --smtp-url / TMAS_SMTP_URL is not: without a mail \
                     server mail is off. Set --smtp-url too, or remove {name}"
                ));
            }
            return Ok(None);
        };
        let server = SmtpServer::parse(url)?;
        let user = given(typed.smtp_user).map(str::to_string);
        match (&user, typed.smtp_password_file) {
            (Some(_), None) => {
                return Err("--smtp-user / TMAS_SMTP_USER needs --smtp-password-file / \
                     TMAS_SMTP_PASSWORD_FILE, a file holding the password (never the password itself on the command line)"
                    .into());
            }
            (None, Some(_)) => {
                return Err(
                    "--smtp-password-file / TMAS_SMTP_PASSWORD_FILE needs --smtp-user / TMAS_SMTP_USER, the user it is the password of"
                        .into(),
                );
            }
            _ => {}
        }
        if user.is_some() && server.security == Security::None && !is_local(&server.host) {
            return Err(format!(
                "{URL_SETTING} with ?tls=none would send the SMTP password unencrypted to {}: \
                 use smtp:// (STARTTLS) or smtps://",
                server.host
            ));
        }
        let Some(from) = given(typed.mail_from) else {
            return Err(
                "--mail-from / TMAS_MAIL_FROM is required with --smtp-url: the address \
                 mail is sent from, e.g. \"TMAS <tmas@example.com>\""
                    .into(),
            );
        };
        let from: Mailbox = from.parse().map_err(|e| {
            format!("--mail-from / TMAS_MAIL_FROM is not an email address ({e}): {from:?}")
        })?;
        let Some(public_url) = public_url else {
            return Err(
                "--public-url / TMAS_PUBLIC_URL is required with --smtp-url: the \
                 address users reach TMAS at, which links in mail are made from"
                    .into(),
            );
        };
        Ok(Some(MailSettings {
            server,
            user,
            password_file: typed.smtp_password_file.map(Path::to_path_buf),
            from,
            public_url,
        }))
    }
}

/// A setting's value when it is given and not blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn is_local(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How long one conversation with the mail server may take before it counts as failed (and
/// the message is tried again later).
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let server = |s: &str| SmtpServer::parse(s).unwrap();
        assert_eq!(
            server("smtp://mail.example.com:2525"),
            SmtpServer {
                host: "mail.example.com".into(),
                port: 2525,
                security: Security::StartTlsWhenOffered
            }
        );
        assert_eq!(
            server("smtp://127.0.0.1:25?tls=none").security,
            Security::None
        );
        assert_eq!(
            server("smtp://mail.example.com?tls=starttls"),
            SmtpServer {
                host: "mail.example.com".into(),
                port: 587,
                security: Security::StartTlsRequired
            }
        );
        assert_eq!(server("smtps://mail.example.com").port, 465);
        assert_eq!(server("smtps://mail.example.com").security, Security::Tls);
        for (bad, says) in [
            (
                "http://mail.example.com",
                "must start with smtp:// or smtps://",
            ),
            ("mail.example.com:25", "must"),
            (
                "smtp://user:pw@mail.example.com",
                "must not carry a user or password",
            ),
            (
                "smtp://mail.example.com:25?tls=maybe",
                "tls= must be none or starttls",
            ),
            ("smtps://mail.example.com?tls=none", "takes no ?tls="),
            ("smtp://mail.example.com:25/relay", "nothing after the port"),
            ("smtp://mail.example.com:25?port=3", "takes one setting"),
            ("smtp://mail.example.com:99999", "must look like"),
        ] {
            let message = SmtpServer::parse(bad).unwrap_err();
            assert!(message.contains(says), "{bad}: {message}");
            assert!(message.contains("TMAS_SMTP_URL"), "{bad}: {message}");
        }
    }

    #[test]
    fn public_urls() {
        assert_eq!(
            PublicUrl::parse("https://tmas.example.com/")
                .unwrap()
                .link("/login"),
            "https://tmas.example.com/login"
        );
        assert_eq!(
            PublicUrl::parse("https://example.com/tmas")
                .unwrap()
                .link("/x"),
            "https://example.com/tmas/x"
        );
        for bad in [
            "ftp://x.example",
            "tmas.example.com",
            "https://x.example/?a=1",
        ] {
            let message = PublicUrl::parse(bad).unwrap_err();
            assert!(message.contains("TMAS_PUBLIC_URL"), "{bad}: {message}");
        }
    }

    #[test]
    fn settings_that_belong_together() {
        let full = Typed {
            smtp_url: Some("smtp://mail.example.com:587"),
            smtp_user: Some("tmas"),
            smtp_password_file: Some(Path::new("/run/secrets/smtp")),
            mail_from: Some("TMAS <tmas@example.com>"),
            public_url: Some("https://tmas.example.com"),
        };
        let parsed = MailSettings::parse(full).unwrap().unwrap();
        assert_eq!(parsed.from.email.to_string(), "tmas@example.com");
        assert!(MailSettings::parse(Typed::default()).unwrap().is_none());
        let cases = [
            (
                Typed {
                    smtp_url: None,
                    ..full
                },
                "is set but --smtp-url / TMAS_SMTP_URL is not",
            ),
            (
                Typed {
                    smtp_password_file: None,
                    ..full
                },
                "needs --smtp-password-file",
            ),
            (
                Typed {
                    smtp_user: None,
                    ..full
                },
                "needs --smtp-user",
            ),
            (
                Typed {
                    mail_from: None,
                    ..full
                },
                "--mail-from / TMAS_MAIL_FROM is required",
            ),
            (
                Typed {
                    mail_from: Some("not an address"),
                    ..full
                },
                "is not an email address",
            ),
            (
                Typed {
                    public_url: None,
                    ..full
                },
                "TMAS_PUBLIC_URL is required",
            ),
            (
                Typed {
                    smtp_url: Some("smtp://mail.example.com?tls=none"),
                    ..full
                },
                "unencrypted",
            ),
        ];
        for (typed, says) in cases {
            let message = MailSettings::parse(typed).unwrap_err();
            assert!(message.contains(says), "{typed:?}: {message}");
        }
    }
}
