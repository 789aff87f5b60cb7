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

/// 10:00 Beijing time on a date.
pub fn at(date: &str) -> fazhi_core::Timestamp {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    fazhi_core::Timestamp::from_datetime(d.and_hms_opt(2, 0, 0).unwrap().and_utc())
}

/// A window clerk of `department` in district 210212.
pub fn clerk(department: &str) -> fazhi_core::authz::Principal {
    fazhi_core::authz::Principal {
        user_id: "clerk".into(),
        user_name: "clerk".into(),
        grants: vec![
            fazhi_core::org::Grant::new(
                fazhi_core::org::Role::WindowClerk,
                region("210212"),
                Some(department.into()),
            )
            .unwrap(),
        ],
    }
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
