//! What the engine tests share: dates, a district, people with one grant, and a case run
//! through a definition with the engine's own decide/apply.
#![allow(dead_code)]

use chrono::NaiveDate;
use fazhi_core::authz::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{
    Actor, Case, ClockStatus, Command, Facts, Refusal, apply, clock_due, decide_with, expired,
};
use fazhi_core::org::{Grant, Role};
use fazhi_core::procedure::Definition;
use fazhi_core::procedure::Expiry;
use fazhi_core::region::RegionCode;
use serde_json::Value;
use std::collections::BTreeMap;

/// Parses a definition file, panicking with every error found.
pub fn load(name: &str, text: &str) -> Definition {
    Definition::parse(name, text).unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn district() -> RegionCode {
    RegionCode::parse("210212").unwrap()
}

pub fn person(role: Role, department: Option<&str>) -> Principal {
    Principal {
        user_id: format!("{role}"),
        user_name: format!("{role}"),
        grants: vec![Grant::new(role, district(), department.map(str::to_string)).unwrap()],
    }
}

pub fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub struct Run {
    pub def: Definition,
    pub case: Case,
}

/// What the application hands the engine that the engine tests compute themselves: the last
/// day of each of the case's clocks (for guards judging a party's act by its own date).
pub struct Dues(BTreeMap<String, NaiveDate>);

impl Dues {
    pub fn of(def: &Definition, case: &Case, on: NaiveDate) -> Dues {
        Dues(
            case.clocks
                .iter()
                .filter_map(|state| {
                    let clock = def.clock(&state.code)?;
                    let due = clock_due(clock, state, Calendar::embedded(), on).ok()?;
                    Some((state.code.clone(), due.date))
                })
                .collect(),
        )
    }
}

impl Facts for Dues {
    fn certificate(
        &self,
        _procedure: &str,
        _number: &str,
    ) -> Option<fazhi_core::engine::Certificate> {
        None
    }

    fn clock_due(&self, clock: &str) -> Option<NaiveDate> {
        self.0.get(clock).copied()
    }

    fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        Calendar::embedded().working_days_after(date, n).ok()
    }
}

impl Run {
    /// A new case of `def` in the district, belonging to `department`.
    pub fn new(def: Definition, department: &str) -> Run {
        let case = Case::new("c1", district(), Some(department.into()), &def);
        Run { def, case }
    }

    pub fn try_act(
        &self,
        who: Actor<'_>,
        action: &str,
        on: &str,
        f: &[(&str, Value)],
    ) -> Result<(), Refusal> {
        let command = Command {
            action: action.into(),
            expected_version: self.case.version,
            fields: fields(f),
            on: date(on),
        };
        let dues = Dues::of(&self.def, &self.case, command.on);
        decide_with(&self.def, &self.case, who, &command, &dues).map(|_| ())
    }

    pub fn act(&mut self, who: Actor<'_>, action: &str, on: &str, f: &[(&str, Value)]) {
        let command = Command {
            action: action.into(),
            expected_version: self.case.version,
            fields: fields(f),
            on: date(on),
        };
        let dues = Dues::of(&self.def, &self.case, command.on);
        let step = decide_with(&self.def, &self.case, who, &command, &dues)
            .unwrap_or_else(|r| panic!("{action}: {r}"));
        apply(&self.def, &mut self.case, &step);
    }

    pub fn due(&self, clock: &str, today: &str) -> NaiveDate {
        let def_clock = self.def.clock(clock).unwrap();
        let state = self.case.clock(clock).unwrap();
        clock_due(def_clock, state, Calendar::embedded(), date(today))
            .unwrap()
            .date
    }

    /// The status of a clock that has started.
    pub fn status(&self, clock: &str) -> ClockStatus {
        self.case.clock(clock).expect("clock started").status
    }

    /// The clocks whose expiry the system would act on, seen on `today`.
    pub fn expired_on(&self, today: &str) -> Vec<(String, Expiry, NaiveDate)> {
        expired(&self.def, &self.case, Calendar::embedded(), date(today))
    }

    /// How a clock's due date is computed, line by line.
    pub fn explanation(&self, clock: &str, today: &str) -> Vec<String> {
        clock_due(
            self.def.clock(clock).unwrap(),
            self.case.clock(clock).unwrap(),
            Calendar::embedded(),
            date(today),
        )
        .unwrap()
        .explanation
        .lines
    }
}
