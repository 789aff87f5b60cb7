//! Timed actions: when a statutory clock runs out, its definition says what happens — it is
//! marked overdue, or the system takes an action (e.g. "deemed accepted"). The scheduler looks
//! for such cases at start-up (catching up on whatever expired while Fazhi was down) and then
//! every minute. Each expiry is handled once: it is recorded as an event, and a case that has
//! moved on is not touched (the engine refuses the action in the new state).

use crate::AppState;
use std::time::Duration;

/// How often to look for expired clocks.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Announces deadlines that turned yellow or red (once per level and due date).
pub async fn alert(state: &AppState) -> usize {
    let alerts = match state
        .store
        .pending_deadline_alerts(state.store.today())
        .await
    {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "scheduler cannot list deadline alerts");
            return 0;
        }
    };
    let mut sent = 0;
    for a in &alerts {
        match state
            .store
            .send_deadline_alert(a, state.config.alert_webhook.as_deref())
            .await
        {
            Ok(()) => sent += 1,
            Err(e) => tracing::warn!(case = %a.case_id, error = %e, "deadline alert not sent"),
        }
    }
    sent
}

/// Handles every expired clock now; returns how many expiries were dealt with.
pub async fn tick(state: &AppState) -> usize {
    let today = state.store.today();
    let due = match state.store.cases_needing_attention(today).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "scheduler cannot list cases");
            return 0;
        }
    };
    let calendar = state.calendar();
    let mut handled = 0;
    for (id, procedure, version) in due {
        let Some(definition) = state.procedures.get(&procedure, &version) else {
            tracing::warn!(case = %id, %procedure, %version, "no definition for a case with an expired clock");
            continue;
        };
        match state
            .store
            .handle_expiries(definition, &calendar, &id)
            .await
        {
            Ok(n) => handled += n,
            Err(e) => {
                tracing::warn!(case = %id, error = %e, "expiry not handled; retried next time")
            }
        }
    }
    handled
}

/// Runs [`tick`] now and then every [`INTERVAL`], forever.
pub async fn run(state: AppState) {
    let mut interval = tokio::time::interval(INTERVAL);
    loop {
        interval.tick().await;
        let n = tick(&state).await;
        if n > 0 {
            tracing::info!(handled = n, "expired clocks handled");
        }
        alert(&state).await;
    }
}
