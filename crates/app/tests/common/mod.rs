//! The app tests' set-up: the storage tests' district and two-engine macro, and an application
//! over the sample procedure.
#![allow(dead_code)]

#[path = "../../../store/tests/common/mod.rs"]
mod store;

pub use store::*;

use chrono::NaiveDate;
use fazhi_app::{App, AppConfig};
use fazhi_core::calendar::Calendar;
use fazhi_core::procedure::Registry;
use fazhi_store::Store;
use std::collections::BTreeMap;

/// An application over `store` with the sample procedure as [`sample_definition`] has it (the
/// system may register, as for online applications) and the embedded calendar.
pub fn sample_app(store: &Store) -> App {
    let procedures =
        Registry::from_sources(&[("sample-permit.toml".to_string(), sample_source())]).unwrap();
    App::new(
        store.clone(),
        procedures,
        Calendar::embedded().clone(),
        AppConfig::default(),
    )
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn fields(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}
