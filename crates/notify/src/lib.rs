//! Delivery of Fazhi's outbox: the messages that leave the system.
//!
//! This crate owns the channels — a signed webhook ([`WebhookChannel`], for other systems such
//! as an SMS gateway or an upper-level platform) and email over plain SMTP to the intranet's
//! relay ([`SmtpChannel`]) — and the loop that delivers ([`deliver_due`], [`run`]). What to send
//! is decided elsewhere and written to the outbox by `fazhi_store::notifications` in the same
//! transaction as its cause; in-app notifications never leave the database and are not here.
//!
//! Delivery keeps no state of its own: each due item is claimed in the store, sent, and its
//! outcome recorded there (every try, with its detail), so a restart picks up where the last
//! run stopped, failures are retried with back-off, and an item recorded as sent is never sent
//! again. A process that stops between sending and recording may send that one item again
//! after the claim lapses; receivers can tell by `X-Fazhi-Delivery` (webhooks) or the
//! `Message-ID` (email), both the outbox id.
#![forbid(unsafe_code)]

mod smtp;
mod webhook;

pub use smtp::{SmtpChannel, SmtpConfig};
pub use webhook::{WebhookChannel, signature};

use fazhi_store::notifications::OutboxItem;
use fazhi_store::{Store, StoreError};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How often [`run`] looks for due items.
pub const INTERVAL: Duration = Duration::from_secs(15);
/// How many due items [`run`] takes at a time.
pub const BATCH: i64 = 100;

/// A way to deliver outbox items of one channel name.
pub trait Channel: Send + Sync + 'static {
    /// The outbox `channel` value this delivers, e.g. `webhook` or `email`.
    fn name(&self) -> &str;

    /// Delivers one item; `Err` explains why not (it is recorded, and the item retried).
    fn send(&self, item: &OutboxItem) -> impl Future<Output = Result<(), String>> + Send;
}

type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// [`Channel`] made object-safe, so that [`Channels`] can hold different kinds.
trait AnyChannel: Send + Sync {
    fn name(&self) -> &str;
    fn send_boxed<'a>(&'a self, item: &'a OutboxItem) -> SendFuture<'a>;
}

impl<C: Channel> AnyChannel for C {
    fn name(&self) -> &str {
        Channel::name(self)
    }

    fn send_boxed<'a>(&'a self, item: &'a OutboxItem) -> SendFuture<'a> {
        Box::pin(self.send(item))
    }
}

/// The channels configured in this process, by name.
#[derive(Clone, Default)]
pub struct Channels {
    channels: Vec<Arc<dyn AnyChannel>>,
}

impl Channels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a channel; a later one with the same name replaces the earlier.
    pub fn with(mut self, channel: impl Channel) -> Self {
        let name = Channel::name(&channel).to_string();
        self.channels.retain(|c| c.name() != name);
        self.channels.push(Arc::new(channel));
        self
    }

    pub fn names(&self) -> Vec<&str> {
        self.channels.iter().map(|c| c.name()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    fn get(&self, name: &str) -> Option<&dyn AnyChannel> {
        self.channels
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.as_ref())
    }
}

/// Sends the outbox items due now (at most `limit`), one at a time, and records each try.
/// Returns how many were delivered. An item of a channel not configured here is recorded as a
/// failed try, so that it shows and in the end fails rather than waiting unseen.
pub async fn deliver_due(
    store: &Store,
    channels: &Channels,
    limit: i64,
) -> Result<usize, StoreError> {
    let due = store.due_outbox(store.now(), limit).await?;
    let mut delivered = 0;
    for item in due {
        // Another deliverer may have taken it since we looked.
        if !store.claim_outbox(&item).await? {
            continue;
        }
        let outcome = match channels.get(&item.channel) {
            Some(channel) => channel.send_boxed(&item).await,
            None => Err(format!("渠道“{}”未配置", item.channel)),
        };
        let (ok, detail) = match outcome {
            Ok(()) => (true, format!("delivered by {}", item.channel)),
            Err(e) => (false, e),
        };
        let status = store.record_attempt(&item.id, ok, &detail).await?;
        if ok {
            delivered += 1;
            tracing::info!(id = %item.id, channel = %item.channel, "outbox item delivered");
        } else {
            tracing::warn!(
                id = %item.id,
                channel = %item.channel,
                attempt = item.attempts + 1,
                status = status.as_str(),
                error = %detail,
                "outbox delivery failed"
            );
        }
    }
    Ok(delivered)
}

/// Delivers due items every [`INTERVAL`] until the store closes. For the server to spawn.
pub async fn run(store: Store, channels: Channels) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match deliver_due(&store, &channels, BATCH).await {
            Ok(_) => {}
            Err(StoreError::Closed) => return,
            Err(e) => tracing::error!(error = %e, "outbox delivery stopped for this round"),
        }
    }
}

/// An error and its causes on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
