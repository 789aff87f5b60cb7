//! 人民调解 (procedures/mediation/mediation-2011-01-01.toml): the one-month target, its extension with
//! both parties' consent, and the 30 days for judicial confirmation, counted on real dates of
//! the embedded calendar.

use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, ClockStatus, Refusal, clock_due, expired};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry, FieldType};
use serde_json::{Value, json};

mod common;
use common::*;

const MEDIATION: &str = include_str!("../../../procedures/mediation/mediation-2011-01-01.toml");
/// The case's department is the people's mediation committee.
const COMMITTEE: &str = "d-mediation-shuishiying";

fn definition() -> Definition {
    load("mediation-2011-01-01.toml", MEDIATION)
}

fn staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(COMMITTEE))
}

fn parties() -> Value {
    json!([
        {"kind": "person", "name": "赵大海", "id_number": "11010519491231002X"},
        {"kind": "person", "name": "钱小红"}
    ])
}

fn applied() -> Run {
    let mut run = Run::new(definition(), COMMITTEE);
    run.act(
        Actor::User(&staff()),
        "apply",
        "2023-08-30",
        &[
            ("source", json!("application")),
            ("parties", parties()),
            ("applied_on", json!("2023-08-30")),
            ("dispute_summary", json!("相邻排水纠纷")),
        ],
    );
    run
}

fn registered(on: &str) -> Run {
    let mut run = applied();
    run.act(
        Actor::User(&staff()),
        "register",
        on,
        &[
            ("registered_on", json!(on)),
            ("mediators", json!(["孙调解员", "李调解员"])),
            ("dispute_type", json!("neighbour")),
        ],
    );
    run
}

fn agreed(effective_on: &str, perform_by: &str) -> Run {
    let mut run = registered("2024-01-02");
    run.act(
        Actor::User(&staff()),
        "reach_agreement",
        effective_on,
        &[
            ("agreement_form", json!("written")),
            (
                "agreement_terms",
                json!("钱小红于 2024-02-29 前赔偿 8000 元"),
            ),
            ("agreement_effective_on", json!(effective_on)),
            ("performance_deadline", json!(perform_by)),
            ("amount", json!("8000")),
        ],
    );
    run
}

fn status(run: &Run, clock: &str) -> ClockStatus {
    run.case.clock(clock).unwrap().status
}

fn expired_on(run: &Run, today: &str) -> Vec<(String, Expiry, chrono::NaiveDate)> {
    expired(&run.def, &run.case, Calendar::embedded(), date(today))
}

#[test]
fn the_definition_loads_with_the_dispute_types_and_terminal_states() {
    let def = definition();
    assert_eq!(
        format!("{}-{}", def.code, def.version),
        "mediation-2011-01-01"
    );
    let codes: Vec<&str> = def
        .field("dispute_type")
        .unwrap()
        .values
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "neighbour",
            "marriage_family",
            "property",
            "contract",
            "damages",
            "labour",
            "land",
            "other"
        ]
    );
    let parties = def.field("parties").unwrap();
    assert_eq!(
        (parties.kind, parties.of),
        (FieldType::List, Some(FieldType::Party))
    );
    assert_eq!(def.field("amount").unwrap().kind, FieldType::Money);
    let mut terminal: Vec<&str> = def
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.code.as_str())
        .collect();
    terminal.sort();
    assert_eq!(terminal, ["closed", "failed", "not_mediated"]);
}

#[test]
fn the_one_month_target_ending_on_a_rest_day_moves_to_the_next_working_day() {
    let run = registered("2023-08-31");
    assert_eq!(run.case.state, "mediating");
    // 08-31 + 1 month = 09-30 (no 09-31; 国庆节、中秋节 09-29..10-06 off) → Sat 10-07, a make-up
    // working day.
    let due = clock_due(
        run.def.clock("mediation").unwrap(),
        run.case.clock("mediation").unwrap(),
        Calendar::embedded(),
        date("2023-08-31"),
    )
    .unwrap();
    assert_eq!(due.date, date("2023-10-07"));
    assert_eq!(due.explanation.rolled_from, Some(date("2023-09-30")));
    assert!(
        due.explanation.lines.iter().any(|l| l.contains("国庆节")),
        "{:?}",
        due.explanation.lines
    );
    // A month from 01-31 in a leap year is 02-29, a working day.
    assert_eq!(
        registered("2024-01-31").due("mediation", "2024-01-31"),
        date("2024-02-29")
    );
    assert!(expired_on(&run, "2023-10-07").is_empty());
    assert_eq!(
        expired_on(&run, "2023-10-08"),
        vec![("mediation".to_string(), Expiry::Overdue, date("2023-10-08"))]
    );
}

#[test]
fn continuing_needs_both_parties_consent_and_is_allowed_once() {
    let mut run = registered("2023-08-31");
    let extension = |consent: bool| {
        [
            ("consent_all_parties", json!(consent)),
            ("extension_reason", json!("需等待房屋鉴定结果")),
            ("extended_on", json!("2023-09-25")),
        ]
    };
    match run.try_act(
        Actor::User(&staff()),
        "extend_mediation",
        "2023-09-25",
        &extension(false),
    ) {
        Err(Refusal::GuardFailed { message, .. }) => assert!(message.contains("同意"), "{message}"),
        other => panic!("{other:?}"),
    }
    run.act(
        Actor::User(&staff()),
        "extend_mediation",
        "2023-09-25",
        &extension(true),
    );
    assert_eq!(run.case.state, "mediating");
    // Counted from the original last day 09-30 (a holiday; it rolled to 10-07), not from
    // 10-07: 09-30 + 1 month = Mon 2023-10-30 (counted from the rolled day: 11-07).
    assert_eq!(run.due("mediation", "2023-09-25"), date("2023-10-30"));
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "extend_mediation",
            "2023-11-01",
            &extension(true)
        ),
        Err(Refusal::ExtensionLimit { at_most: 1, .. })
    ));
}

#[test]
fn a_party_who_refuses_means_no_mediation() {
    let mut run = applied();
    run.act(
        Actor::User(&staff()),
        "refuse_mediation",
        "2023-08-31",
        &[
            ("refusal_note", json!("钱小红明确表示拒绝调解")),
            ("refused_on", json!("2023-08-31")),
        ],
    );
    assert_eq!(run.case.state, "not_mediated");
    assert!(run.def.is_terminal("not_mediated"));
    assert!(
        run.case.clocks.is_empty(),
        "no mediation period ever started"
    );
    let register = run.try_act(
        Actor::User(&staff()),
        "register",
        "2023-09-01",
        &[
            ("registered_on", json!("2023-09-01")),
            ("mediators", json!(["孙调解员"])),
            ("dispute_type", json!("neighbour")),
        ],
    );
    assert!(
        matches!(register, Err(Refusal::WrongState { .. })),
        "{register:?}"
    );
}

#[test]
fn judicial_confirmation_is_applied_for_jointly_within_30_days_of_the_agreement() {
    let mut run = agreed("2024-01-12", "2024-02-29");
    assert_eq!(run.case.state, "agreed");
    assert_eq!(run.case.fields["amount"], json!(800000));
    assert_eq!(status(&run, "mediation"), ClockStatus::Stopped);
    // 01-12 + 30 = 02-11 (春节, 02-10..02-17 off) → Sun 02-18, a make-up working day.
    assert_eq!(
        run.due("confirmation_window", "2024-01-12"),
        date("2024-02-18")
    );
    assert_eq!(run.due("performance", "2024-01-12"), date("2024-02-29"));
    let apply = |run: &Run, joint: bool, on: &str| {
        run.try_act(
            Actor::User(&staff()),
            "apply_confirmation",
            on,
            &[
                ("joint_application", json!(joint)),
                ("court", json!("旅顺口区人民法院")),
                ("confirmation_applied_on", json!(on)),
            ],
        )
    };
    assert!(apply(&run, true, "2024-02-18").is_ok(), "on the last day");
    assert!(matches!(
        apply(&run, false, "2024-02-18"),
        Err(Refusal::GuardFailed { .. })
    ));
    assert!(expired_on(&run, "2024-02-18").is_empty());
    assert_eq!(
        expired_on(&run, "2024-02-19"),
        vec![(
            "confirmation_window".to_string(),
            Expiry::Action("confirmation_lapsed".into()),
            date("2024-02-19")
        )]
    );
    run.act(Actor::System, "confirmation_lapsed", "2024-02-19", &[]);
    assert_eq!(run.case.state, "agreed");
    match apply(&run, true, "2024-02-19") {
        Err(Refusal::GuardFailed { message, basis }) => {
            assert!(message.contains("30 日"), "{message}");
            assert_eq!(basis, "人民调解法第三十三条");
        }
        other => panic!("{other:?}"),
    }
    // The agreement still binds: performance is checked and the case closed.
    run.act(
        Actor::User(&staff()),
        "record_performance",
        "2024-03-01",
        &[
            ("performance", json!("full")),
            ("performance_checked_on", json!("2024-03-01")),
        ],
    );
    assert_eq!(status(&run, "performance"), ClockStatus::Stopped);
    run.act(
        Actor::User(&staff()),
        "close",
        "2024-03-04",
        &[("closed_on", json!("2024-03-04"))],
    );
    assert_eq!(run.case.state, "closed");
}

#[test]
fn a_confirmed_agreement_with_follow_up_visits_is_closed() {
    let mut run = agreed("2024-03-01", "2024-03-01");
    let s = staff();
    run.act(
        Actor::User(&s),
        "apply_confirmation",
        "2024-03-05",
        &[
            ("joint_application", json!(true)),
            ("court", json!("旅顺口区人民法院")),
            ("confirmation_applied_on", json!("2024-03-05")),
        ],
    );
    assert_eq!(run.case.state, "confirming");
    assert_eq!(status(&run, "confirmation_window"), ClockStatus::Stopped);
    assert!(
        matches!(
            run.try_act(
                Actor::User(&s),
                "close",
                "2024-03-06",
                &[("closed_on", json!("2024-03-06"))]
            ),
            Err(Refusal::WrongState { .. })
        ),
        "not while the court decides"
    );
    run.act(
        Actor::User(&s),
        "record_confirmation",
        "2024-03-12",
        &[
            ("confirmation_result", json!("valid")),
            ("confirmation_decided_on", json!("2024-03-12")),
        ],
    );
    assert_eq!(run.case.state, "agreed");
    let grid = person(Role::GridWorker, None);
    run.act(
        Actor::User(&grid),
        "follow_up",
        "2024-03-20",
        &[
            ("visit_on", json!("2024-03-20")),
            ("visit_note", json!("双方关系缓和")),
        ],
    );
    assert_eq!(
        run.try_act(
            Actor::User(&s),
            "close",
            "2024-03-21",
            &[("closed_on", json!("2024-03-21"))]
        ),
        Err(Refusal::MissingField {
            field: "履行情况".into()
        })
    );
    run.act(
        Actor::User(&s),
        "close",
        "2024-03-21",
        &[
            ("closed_on", json!("2024-03-21")),
            ("performance", json!("full")),
        ],
    );
    assert_eq!(run.case.state, "closed");
    assert_eq!(run.case.fields["confirmation_result"], json!("valid"));
    assert_eq!(run.case.fields["visit_on"], json!("2024-03-20"));
}

#[test]
fn a_failed_mediation_ends_with_the_routes_the_parties_were_told_of() {
    let mut run = registered("2024-05-06");
    let officer = person(Role::EnforcementOfficer, Some(COMMITTEE));
    let failure = [
        ("failure_reason", json!("双方对赔偿数额分歧较大")),
        ("terminated_on", json!("2024-05-20")),
        ("referral_advice", json!("litigation")),
    ];
    assert!(matches!(
        run.try_act(Actor::User(&officer), "fail", "2024-05-20", &failure),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    let other_committee = person(Role::DepartmentStaff, Some("d-mediation-other"));
    assert!(matches!(
        run.try_act(
            Actor::User(&other_committee),
            "fail",
            "2024-05-20",
            &failure
        ),
        Err(Refusal::DepartmentNotAllowed { .. })
    ));
    run.act(Actor::User(&staff()), "fail", "2024-05-20", &failure);
    assert_eq!(run.case.state, "failed");
    let clock = run.case.clock("mediation").unwrap();
    assert_eq!(
        (clock.status, clock.stopped_on),
        (ClockStatus::Stopped, Some(date("2024-05-20")))
    );
}

#[test]
fn registration_checks_the_parties_and_the_mediators() {
    let fresh = Run::new(definition(), COMMITTEE);
    let bad_id = fresh.try_act(
        Actor::User(&staff()),
        "apply",
        "2024-05-06",
        &[
            ("source", json!("own_initiative")),
            (
                "parties",
                json!([{"kind": "person", "name": "赵大海", "id_number": "110105194912310021"}]),
            ),
            ("applied_on", json!("2024-05-06")),
            ("dispute_summary", json!("宅基地界址")),
        ],
    );
    assert!(
        matches!(&bad_id, Err(Refusal::InvalidField { field, .. }) if field == "当事人"),
        "{bad_id:?}"
    );
    let mut run = applied();
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "register",
            "2023-08-31",
            &[
                ("registered_on", json!("2023-08-31")),
                ("dispute_type", json!("neighbour")),
            ],
        ),
        Err(Refusal::MissingField {
            field: "人民调解员".into()
        })
    );
    run.act(
        Actor::User(&staff()),
        "register",
        "2023-08-31",
        &[
            ("registered_on", json!("2023-08-31")),
            ("mediators", json!("孙调解员\n李调解员")),
            ("dispute_type", json!("neighbour")),
        ],
    );
    assert_eq!(
        run.case.fields["mediators"],
        json!(["孙调解员", "李调解员"])
    );
    assert_eq!(run.case.fields["parties"].as_array().unwrap().len(), 2);
}
