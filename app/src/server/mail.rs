//! Outgoing mail, through lettre: an SMTP server when `smtp_url` is set,
//! otherwise `.eml` files in `mail_dir` (one per message, named by a
//! random id), which is what a fresh install and the tests use.

use std::path::PathBuf;

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use secrecy::ExposeSecret;

use super::config::Config;

/// Where messages go.
#[derive(Debug, Clone)]
pub enum Mailer {
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    Files { transport: AsyncFileTransport<Tokio1Executor>, from: Mailbox },
}

/// Mail could not be set up or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail_from is not a mailbox like `Atrium <atrium@example.com>`: {0}")]
    From(lettre::address::AddressError),
    #[error("smtp_url is not usable: {0}")]
    SmtpUrl(lettre::transport::smtp::Error),
    #[error("cannot create the mail folder {0}: {1}")]
    Dir(PathBuf, std::io::Error),
    #[error("the message could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the address is not usable: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("sending over SMTP failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing the message failed: {0}")]
    File(#[from] lettre::transport::file::Error),
}

impl Mailer {
    /// The mailer `config` asks for; creates `mail_dir` when mail goes to
    /// files.
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        let from: Mailbox = config.mail_from.parse().map_err(MailError::From)?;
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(MailError::SmtpUrl)?
                    .build();
                Ok(Mailer::Smtp { transport, from })
            }
            None => {
                let dir = config.mail_dir.clone();
                std::fs::create_dir_all(&dir).map_err(|err| MailError::Dir(dir.clone(), err))?;
                Ok(Mailer::Files { transport: AsyncFileTransport::new(&dir), from })
            }
        }
    }

    /// Sends a plain-text message to `to` (an address).
    #[tracing::instrument(name = "mail::send", level = "debug", skip_all)]
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Files { from, .. } => from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(Mailbox::new(None, to.parse()?))
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        match self {
            Mailer::Smtp { transport, .. } => {
                transport.send(message).await?;
            }
            Mailer::Files { transport, .. } => {
                transport.send(message).await?;
            }
        }
        Ok(())
    }
}
