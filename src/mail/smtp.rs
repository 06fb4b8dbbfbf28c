//! One SMTP conversation: a composed message handed to the configured server, with a time
//! limit on the whole of it, and the server's refusals told apart (try again later, or never).

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::MailConfig;
use super::compose::Composed;
use super::settings::Security;

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server could not be reached, did not answer in time, or said "later" (4xx): the
    /// message is tried again.
    #[error("{0}")]
    Transient(String),
    /// The server refused the message for good (5xx), or it cannot be made (a bad address):
    /// trying again would give the same answer.
    #[error("{0}")]
    Permanent(String),
}

/// Sends `message` to `to` through the configured server; `Ok` once the server took it.
pub async fn send(config: &MailConfig, to: &str, message: &Composed) -> Result<(), SendError> {
    let email = build(config, to, message)?;
    let transport = transport(config)?;
    // lettre's timeout covers each command; this one bounds the whole conversation, so a
    // server that trickles its answers cannot hold the sender either.
    match tokio::time::timeout(config.timeout, transport.send(email)).await {
        Err(_) => Err(SendError::Transient(format!(
            "the mail server {} did not finish within {} seconds",
            config.settings.server.describe(),
            config.timeout.as_secs()
        ))),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(format!(
            "the mail server {} refused the message: {e}",
            config.settings.server.describe()
        ))),
        Ok(Err(e)) => Err(SendError::Transient(format!(
            "the mail server {} did not take the message: {e}",
            config.settings.server.describe()
        ))),
    }
}

fn build(config: &MailConfig, to: &str, message: &Composed) -> Result<Message, SendError> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| SendError::Permanent(format!("{to:?} is not an email address: {e}")))?;
    let mut email = Message::builder()
        .from(config.settings.from.clone())
        .to(to)
        .subject(message.subject.clone())
        .date_now()
        .multipart(MultiPart::alternative_plain_html(
            message.text.clone(),
            message.html.clone(),
        ))
        .map_err(|e| SendError::Permanent(format!("the message cannot be made: {e}")))?;
    let headers = email.headers_mut();
    // Machines answer it with nothing (RFC 3834): no out-of-office replies to TMAS.
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-generated".into(),
    ));
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Content-Language"),
        message.lang.code().into(),
    ));
    Ok(email)
}

fn transport(config: &MailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let server = &config.settings.server;
    let tls = |host: &str| {
        TlsParameters::new(host.to_string())
            .map_err(|e| SendError::Permanent(format!("TLS settings for {host}: {e}")))
    };
    let tls = match server.security {
        Security::None => Tls::None,
        Security::StartTlsWhenOffered => Tls::Opportunistic(tls(&server.host)?),
        Security::StartTlsRequired => Tls::Required(tls(&server.host)?),
        Security::Tls => Tls::Wrapper(tls(&server.host)?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.clone())
        .port(server.port)
        .tls(tls)
        .timeout(Some(config.timeout));
    if let (Some(user), Some(password)) = (&config.settings.user, config.password()) {
        builder = builder.credentials(Credentials::new(user.clone(), password.to_string()));
    }
    Ok(builder.build())
}
