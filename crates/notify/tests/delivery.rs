//! Delivery end to end on loopback: a webhook receiver that checks the signature and fails the
//! first try (retried after the back-off, across a restart, and never delivered twice), and an
//! SMTP sink that takes one message with a Chinese subject.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use fazhi_core::Timestamp;
use fazhi_notify::{Channels, SmtpChannel, SmtpConfig, WebhookChannel, deliver_due, signature};
use fazhi_store::notifications::{EMAIL, OutboxStatus, WEBHOOK};
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock, RowOp, Store, WriteBatch};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// 2025-10-09, in microseconds.
const START: i64 = 1_760_000_000_000_000;

const SECRET: &[u8] = b"shared secret of the district";

async fn put(store: &Store, row: RowOp) -> String {
    let id = match &row {
        RowOp::Insert { values, .. } => match &values[0].1 {
            fazhi_store::Value::Text(Some(id)) => id.clone(),
            other => panic!("id column: {other:?}"),
        },
        other => panic!("not an insert: {other:?}"),
    };
    store.submit(WriteBatch::new().op(row)).await.unwrap();
    id
}

#[derive(Default)]
struct Receiver {
    /// (delivery id, body) of every call whose signature was right, in order.
    calls: Mutex<Vec<(String, String)>>,
    bad_signatures: Mutex<usize>,
}

async fn hook(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    if header("x-fazhi-signature") != signature(SECRET, &body)
        || header("content-type") != "application/json"
    {
        *receiver.bad_signatures.lock().unwrap() += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let mut calls = receiver.calls.lock().unwrap();
    calls.push((
        header("x-fazhi-delivery"),
        String::from_utf8(body.to_vec()).unwrap(),
    ));
    // The first delivery fails, as a busy gateway's would.
    if calls.len() == 1 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn webhook_receiver() -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(receiver.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (receiver, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_signed_retried_after_back_off_and_sent_once() {
    let (receiver, url) = webhook_receiver().await;
    let clock = Arc::new(ManualClock::new(Timestamp(START)));
    let db = TestDb::with_clock(Engine::Sqlite, clock.clone()).await;
    let body = r#"{"case":"c1","state":"accepted","text":"您的申请已受理"}"#;
    let id = put(
        &db.store,
        db.store.outbox_row(WEBHOOK, &url, "案件状态变更", body),
    )
    .await;
    let channels = Channels::new().with(WebhookChannel::new(SECRET).unwrap());

    // First try: signed, answered 500, recorded and scheduled a minute later.
    assert_eq!(deliver_due(&db.store, &channels, 10).await.unwrap(), 0);
    assert_eq!(
        *receiver.calls.lock().unwrap(),
        vec![(id.clone(), body.to_string())]
    );
    let item = db.store.outbox_item(&id).await.unwrap().unwrap();
    assert_eq!(item.status, OutboxStatus::Pending);
    assert_eq!(item.attempts, 1);
    assert!(
        item.last_error.as_deref().unwrap().contains("500"),
        "{item:?}"
    );
    assert_eq!(item.next_attempt_at.0, START + 60_000_000);

    // Not due yet: nothing is sent.
    clock.advance_seconds(30);
    assert_eq!(deliver_due(&db.store, &channels, 10).await.unwrap(), 0);
    assert_eq!(receiver.calls.lock().unwrap().len(), 1);

    // A restart: the new process finds the item by the database alone.
    db.store.close().await;
    let store = db.reopen(clock.clone()).await;
    clock.advance_seconds(31);
    assert_eq!(deliver_due(&store, &channels, 10).await.unwrap(), 1);
    assert_eq!(
        *receiver.calls.lock().unwrap(),
        vec![
            (id.clone(), body.to_string()),
            (id.clone(), body.to_string())
        ],
        "the retry carries the same delivery id"
    );
    let item = store.outbox_item(&id).await.unwrap().unwrap();
    assert_eq!(item.status, OutboxStatus::Sent);
    assert_eq!(item.attempts, 2);
    let attempts = store.outbox_attempts(&id).await.unwrap();
    assert_eq!(
        attempts.iter().map(|a| a.ok).collect::<Vec<_>>(),
        [false, true]
    );
    assert!(attempts[0].detail.contains("HTTP 500"), "{attempts:?}");

    // Sent is final: never again, however much time passes.
    clock.advance_seconds(7 * 24 * 3600);
    assert_eq!(deliver_due(&store, &channels, 10).await.unwrap(), 0);
    assert_eq!(receiver.calls.lock().unwrap().len(), 2);
    assert_eq!(*receiver.bad_signatures.lock().unwrap(), 0);

    // A sender without the secret is turned away by the receiver.
    let forged = WebhookChannel::new(b"guess".to_vec()).unwrap();
    let forged_id = put(&store, store.outbox_row(WEBHOOK, &url, "伪造", "{}")).await;
    let channels = Channels::new().with(forged);
    assert_eq!(deliver_due(&store, &channels, 10).await.unwrap(), 0);
    assert_eq!(*receiver.bad_signatures.lock().unwrap(), 1);
    let item = store.outbox_item(&forged_id).await.unwrap().unwrap();
    assert!(
        item.last_error.as_deref().unwrap().contains("401"),
        "{item:?}"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_without_a_configured_channel_is_recorded_as_a_failed_try() {
    let clock = Arc::new(ManualClock::new(Timestamp(START)));
    let db = TestDb::with_clock(Engine::Sqlite, clock).await;
    let id = put(
        &db.store,
        db.store
            .outbox_row(EMAIL, "zhangsan@example.invalid", "通知", "正文"),
    )
    .await;
    let channels = Channels::new().with(WebhookChannel::new(SECRET).unwrap());
    assert_eq!(deliver_due(&db.store, &channels, 10).await.unwrap(), 0);
    let attempts = db.store.outbox_attempts(&id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert!(!attempts[0].ok);
    assert!(attempts[0].detail.contains("email"), "{attempts:?}");
}

/// What the SMTP sink was given.
#[derive(Debug, Default)]
struct Received {
    commands: Vec<String>,
    data: String,
}

/// Accepts one connection and speaks enough SMTP to take one message.
async fn smtp_sink() -> (u16, tokio::task::JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut received = Received::default();
        write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
        while let Some(line) = lines.next_line().await.unwrap() {
            let verb = line
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            received.commands.push(line.clone());
            let answer: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 sink.test\r\n",
                "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                "DATA" => {
                    write
                        .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                        .await
                        .unwrap();
                    while let Some(line) = lines.next_line().await.unwrap() {
                        if line == "." {
                            break;
                        }
                        received.data.push_str(&line);
                        received.data.push_str("\r\n");
                    }
                    b"250 queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"502 not implemented\r\n",
            };
            write.write_all(answer).await.unwrap();
        }
        received
    });
    (port, task)
}

/// The value of a header, unfolded.
fn header_value(data: &str, name: &str) -> String {
    let mut value = None::<String>;
    for line in data.split("\r\n") {
        if line.is_empty() {
            break;
        }
        match &mut value {
            Some(v) if line.starts_with([' ', '\t']) => v.push_str(line),
            Some(_) => break,
            None => {
                if let Some((n, v)) = line.split_once(':')
                    && n.eq_ignore_ascii_case(name)
                {
                    value = Some(v.to_string());
                }
            }
        }
    }
    value.unwrap_or_else(|| panic!("no {name} header in\n{data}"))
}

/// Decodes RFC 2047 `=?UTF-8?B?…?=` words (the only kind we send for non-ASCII text).
fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    for word in value.split_whitespace() {
        let inner = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .unwrap_or_else(|| panic!("not an encoded word: {word}"));
        let mut parts = inner.splitn(3, '?');
        let (charset, encoding, text) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(charset.eq_ignore_ascii_case("utf-8"), "{word}");
        assert!(encoding.eq_ignore_ascii_case("b"), "{word}");
        bytes.extend(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        );
    }
    String::from_utf8(bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_reaches_the_relay_with_its_chinese_subject() {
    let (port, sink) = smtp_sink().await;
    let clock = Arc::new(ManualClock::new(Timestamp(START)));
    let db = TestDb::with_clock(Engine::Sqlite, clock).await;
    let subject = "您的行政复议申请已受理（旅复〔2025〕12号），请于五个工作日内补正材料";
    let id = put(
        &db.store,
        db.store.outbox_row(
            EMAIL,
            "zhangsan@example.invalid",
            subject,
            "张三您好：\n您的申请已受理。\n.\n旅顺口区司法局",
        ),
    )
    .await;
    let channels = Channels::new().with(
        SmtpChannel::new(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            from: "旅顺口区司法局 <fazhi@sfj.example.invalid>".into(),
            hello_name: Some("fazhi.test".into()),
        })
        .unwrap(),
    );
    assert_eq!(deliver_due(&db.store, &channels, 10).await.unwrap(), 1);
    let received = sink.await.unwrap();

    let commands = received.commands.join("\n");
    assert!(commands.contains("EHLO fazhi.test"), "{commands}");
    assert!(
        commands.contains("MAIL FROM:<fazhi@sfj.example.invalid>"),
        "{commands}"
    );
    assert!(
        commands.contains("RCPT TO:<zhangsan@example.invalid>"),
        "{commands}"
    );
    assert_eq!(
        decode_words(&header_value(&received.data, "Subject")),
        subject
    );
    assert!(
        header_value(&received.data, "Message-ID").contains(&id),
        "the outbox id names the message"
    );
    assert_eq!(
        header_value(&received.data, "Content-Transfer-Encoding").trim(),
        "base64"
    );
    let (_, encoded) = received.data.split_once("\r\n\r\n").unwrap();
    let body = base64::engine::general_purpose::STANDARD
        .decode(encoded.replace("\r\n", ""))
        .unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap().replace("\r\n", "\n"),
        "张三您好：\n您的申请已受理。\n.\n旅顺口区司法局"
    );
    let item = db.store.outbox_item(&id).await.unwrap().unwrap();
    assert_eq!(item.status, OutboxStatus::Sent);
    assert_eq!(db.store.outbox_attempts(&id).await.unwrap().len(), 1);
}
