//! Email over plain SMTP to a configured relay (government intranets have one): the item's
//! target is the recipient, its subject the subject (UTF-8, sent RFC 2047 encoded), its body
//! plain text. No authentication and no TLS: the relay is inside the network.

use crate::{Channel, error_chain};
use fazhi_store::notifications::{EMAIL, OutboxItem};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP command may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom to send email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The relay's host name or address.
    pub host: String,
    /// Usually 25.
    pub port: u16,
    /// The sender, `address` or `Name <address>`, e.g. `旅顺口区司法局 <fazhi@sfj.example>`.
    pub from: String,
    /// The name this host gives in EHLO; by default its address literal.
    pub hello_name: Option<String>,
}

pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpChannel {
    pub fn new(config: SmtpConfig) -> Result<Self, String> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("发件人地址“{}”无效：{e}", config.from))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host)
            .port(config.port)
            .timeout(Some(TIMEOUT));
        if let Some(name) = config.hello_name {
            builder = builder.hello_name(ClientId::Domain(name));
        }
        Ok(SmtpChannel {
            transport: builder.build(),
            from,
        })
    }

    fn message(&self, item: &OutboxItem) -> Result<Message, String> {
        let to: Mailbox = item
            .target
            .parse()
            .map_err(|e| format!("收件人地址“{}”无效：{e}", item.target))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(item.subject.clone())
            // The outbox id: the same on every retry, so a repeat can be recognised.
            .message_id(Some(format!("<{}@{}>", item.id, self.from.email.domain())))
            .header(ContentType::TEXT_PLAIN)
            .body(item.body.clone())
            .map_err(|e| error_chain(&e))
    }
}

impl Channel for SmtpChannel {
    fn name(&self) -> &str {
        EMAIL
    }

    async fn send(&self, item: &OutboxItem) -> Result<(), String> {
        let message = self.message(item)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| error_chain(&e))
    }
}
