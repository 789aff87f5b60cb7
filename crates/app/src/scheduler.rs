//! Timed actions: when a statutory clock runs out, its definition says what happens — it is
//! marked overdue, or the system takes an action (e.g. "deemed accepted"). The scheduler looks
//! for such cases at start-up (catching up on whatever expired while Fazhi was down) and then
//! every minute. Each expiry is handled once: it is recorded as an event, and a case that has
//! moved on is not touched (the engine refuses the action in the new state). It then announces
//! deadlines that turned yellow or red, once per level and due date.

use crate::App;
use crate::notices::{Channel, Notice, NoticeKind};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// How often to look for expired clocks.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Announces deadlines that turned yellow or red (once per level and due date): to the
/// department's staff in the console and, when configured, to the alert webhook.
pub async fn alert(app: &App) -> usize {
    let alerts = match app.store().pending_deadline_alerts(app.today()).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "scheduler cannot list deadline alerts");
            return 0;
        }
    };
    let mut sent = 0;
    for a in &alerts {
        let kind = match a.level.as_str() {
            "overdue" => NoticeKind::DeadlineOverdue,
            _ => NoticeKind::DeadlineDueSoon,
        };
        let params = BTreeMap::from([("title", a.title.clone()), ("due", a.due.clone())]);
        let mut notices = Vec::new();
        if !a.department.is_empty() {
            notices.push(Notice::Department {
                department: a.department.clone(),
                except: String::new(),
                kind,
                case_id: a.case_id.clone(),
                params: params.clone(),
            });
        }
        if let Some(url) = &app.config().alert_webhook {
            notices.push(Notice::Outside {
                channel: Channel::Webhook,
                target: url.clone(),
                kind,
                params,
                payload: Some(json!({
                    "type": kind.code(),
                    "case": a.case_id,
                    "procedure": a.procedure,
                    "region": a.region,
                    "department": a.department,
                    "title": a.title,
                    "due": a.due,
                })),
            });
        }
        let result = async {
            let (rows, outbox) = crate::notices::resolve(app.store(), &notices).await?;
            app.store().record_deadline_alert(a, rows, outbox).await
        }
        .await;
        match result {
            Ok(()) => sent += 1,
            Err(e) => tracing::warn!(case = %a.case_id, error = %e, "deadline alert not sent"),
        }
    }
    sent
}

/// Handles every expired clock now; returns how many expiries were dealt with.
pub async fn tick(app: &App) -> usize {
    let due = match app.store().cases_needing_attention(app.today()).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "scheduler cannot list cases");
            return 0;
        }
    };
    let mut handled = 0;
    for (id, procedure, version) in due {
        match app.expire(&id).await {
            Ok(n) => handled += n,
            Err(e) => {
                tracing::warn!(case = %id, %procedure, %version, error = %e, "expiry not handled; retried next time")
            }
        }
    }
    handled
}

/// Runs [`tick`] and [`alert`] now and then every [`INTERVAL`], forever; once a day (and at
/// start) it counts again the report figures that depend on the day (lateness of open cases).
pub async fn run(app: App) {
    let mut interval = tokio::time::interval(INTERVAL);
    let mut figures_of = None;
    loop {
        interval.tick().await;
        let n = tick(&app).await;
        if n > 0 {
            tracing::info!(handled = n, "expired clocks handled");
        }
        alert(&app).await;
        if figures_of != Some(app.today()) {
            match app.refresh_dated_figures(false).await {
                Ok(_) => figures_of = Some(app.today()),
                Err(e) => {
                    tracing::warn!(error = %e, "dated figures not counted; retried next time")
                }
            }
        }
    }
}
