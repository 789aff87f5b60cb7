//! Timed actions: when a statutory clock runs out, its definition says what happens — it is
//! marked overdue, or the system takes an action (e.g. "deemed accepted"). The scheduler looks
//! for such cases at start-up (catching up on whatever expired while Fazhi was down) and then
//! every minute. Each expiry is handled once: it is recorded as an event, and a case that has
//! moved on is not touched (the engine refuses the action in the new state).

use crate::AppState;
use std::time::Duration;

/// How often to look for expired clocks.
pub const INTERVAL: Duration = Duration::from_secs(60);

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
    }
}
