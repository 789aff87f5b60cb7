//! The public portal. For now: the regions served and the published integrity checkpoints
//! with the public key to check them; later issues add the publicity sections.

pub(crate) mod apply;
pub(crate) mod publicity;

use crate::AppState;
use crate::error::{PageError, WebError};
use crate::i18n::Lang;
use crate::views::{CheckpointView, PortalHome};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

pub async fn home(State(state): State<AppState>, lang: Lang) -> Response {
    match render(&state, lang).await {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError(e, lang).into_response(),
    }
}

async fn render(state: &AppState, lang: Lang) -> Result<String, WebError> {
    let regions = state
        .app
        .store()
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let checkpoints = latest_checkpoints(state).await?;
    let page = PortalHome {
        t: lang.texts(),
        other_lang: lang.other().code(),
        regions,
        checkpoints,
        public_key: public_key_hex(state),
    };
    page.render().map_err(|e| WebError::Internal(e.to_string()))
}

/// The newest checkpoint of each region.
pub async fn latest_checkpoints(state: &AppState) -> Result<Vec<CheckpointView>, WebError> {
    let all = state.app.store().checkpoints().await?;
    let mut latest: Vec<CheckpointView> = Vec::new();
    for c in &all {
        match latest.last_mut() {
            Some(last) if last.region == c.region => *last = c.into(),
            _ => latest.push(c.into()),
        }
    }
    Ok(latest)
}

/// The installation's checkpoint public key, as published next to the checkpoints.
pub fn public_key_hex(state: &AppState) -> Option<String> {
    let dir = state.app.store().key_dir()?;
    std::fs::read_to_string(dir.join(fazhi_store::audit::PUBLIC_KEY_FILE))
        .ok()
        .map(|s| s.trim().to_string())
}
