//! The signed webhook: the item's JSON body POSTed to its URL.
//!
//! Headers: `X-Fazhi-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>`,
//! so the receiver knows the message is ours and unaltered, and `X-Fazhi-Delivery: <outbox id>`,
//! the same on every retry, so it can drop a repeat. A 2xx answer is delivery; anything else
//! (a redirect included) is a failure to retry. Plain HTTP only: this build has no TLS.

use crate::{Channel, error_chain};
use fazhi_store::notifications::{OutboxItem, WEBHOOK};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;

/// How long one delivery may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refusing answer's body is kept in the attempt's detail.
const ANSWER_CHARS: usize = 200;

/// `sha256=<hex HMAC-SHA256 of body under secret>`, the `X-Fazhi-Signature` value.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub struct WebhookChannel {
    client: reqwest::Client,
    secret: Vec<u8>,
}

impl WebhookChannel {
    /// A webhook channel signing with `secret`, shared with the receivers.
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("fazhi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| error_chain(&e))?;
        Ok(WebhookChannel {
            client,
            secret: secret.into(),
        })
    }
}

impl Channel for WebhookChannel {
    fn name(&self) -> &str {
        WEBHOOK
    }

    async fn send(&self, item: &OutboxItem) -> Result<(), String> {
        let body = item.body.as_bytes().to_vec();
        let response = self
            .client
            .post(&item.target)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Fazhi-Signature", signature(&self.secret, &body))
            .header("X-Fazhi-Delivery", &item.id)
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The start of the answer is enough to explain it; never read a large one whole.
        let mut response = response;
        let mut start = Vec::new();
        while start.len() < ANSWER_CHARS * 4 {
            match response.chunk().await {
                Ok(Some(chunk)) => start.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let answer: String = String::from_utf8_lossy(&start)
            .trim()
            .chars()
            .take(ANSWER_CHARS)
            .collect();
        Err(if answer.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {answer}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
