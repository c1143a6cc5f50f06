//! Email over SMTP through lettre: one plain-text message per event to every `NOTIFY_EMAIL_TO`.

use std::time::{Duration, SystemTime};

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use crate::config::notify::EmailSettings;
use crate::config::notify::smtp_url::SmtpSecurity;
use crate::notify::error::SendError;
use crate::notify::event::Payload;

/// Per SMTP command (connect, greeting, each reply).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);
/// The whole conversation: a server that trickles replies cannot hold a delivery longer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(45);

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    server: String,
}

impl Mailer {
    pub fn new(settings: &EmailSettings) -> Result<Self, SendError> {
        let s = &settings.server;
        let builder = match s.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                s.host.as_str(),
            )),
        }
        .map_err(|e| SendError::new(format!("the mail server's TLS cannot be prepared: {e}")))?;
        let mut builder = builder.port(s.port).timeout(Some(COMMAND_TIMEOUT));
        if let Some(c) = &s.credentials {
            builder = builder.credentials(Credentials::new(
                c.user.clone(),
                c.password.expose().to_string(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from: settings.from.clone(),
            to: settings.to.clone(),
            server: format!("{}:{}", s.host, s.port),
        })
    }

    /// Sends the event; `now_ms` (the app's clock) dates the message.
    pub async fn send(&self, payload: &Payload, now_ms: i64) -> Result<(), SendError> {
        let message = self.message(payload, now_ms)?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(SendError::new(format!(
                "the mail server {} refused or failed: {e}",
                self.server
            ))),
            Err(_) => Err(SendError::new(format!(
                "the mail server {} did not finish within {} s",
                self.server,
                SEND_TIMEOUT.as_secs()
            ))),
        }
    }

    fn message(&self, payload: &Payload, now_ms: i64) -> Result<Message, SendError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(format!("Cast: {}", payload.headline()))
            .date(SystemTime::UNIX_EPOCH + Duration::from_millis(now_ms.max(0) as u64))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .body(body(payload))
            .map_err(|e| SendError::new(format!("the email could not be written: {e}")))
    }
}

fn body(payload: &Payload) -> String {
    let mut text = payload.text();
    if let Some(url) = &payload.url {
        text.push_str("\n\n");
        text.push_str(url);
    }
    text.push_str("\n\n-- \nSent by Cast. Turn these emails off by unsetting SMTP_URL.\n");
    text
}
