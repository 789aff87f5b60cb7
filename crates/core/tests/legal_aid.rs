//! 法律援助 (procedures/legal_aid/legal_aid-2022-01-01.toml) and 法律咨询
//! (procedures/legal_consultation/legal_consultation-2022-01-01.toml): every time limit of the 法律援助法 2021,
//! counted on real dates of the embedded calendar.

use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, ClockStatus, Refusal, clock_due, expired};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry};
use serde_json::{Value, json};

mod common;
use common::*;

const LEGAL_AID: &str = include_str!("../../../procedures/legal_aid/legal_aid-2022-01-01.toml");
const CONSULTATION: &str =
    include_str!("../../../procedures/legal_consultation/legal_consultation-2022-01-01.toml");
const CENTRE: &str = "d-legal-aid";

fn definition() -> Definition {
    load("legal_aid-2022-01-01.toml", LEGAL_AID)
}

fn staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(CENTRE))
}

fn bureau() -> fazhi_core::Principal {
    person(Role::JusticeStaff, None)
}

fn applicant() -> Value {
    json!({"kind": "person", "name": "刘建国", "id_number": "11010519491231002X"})
}

/// An application for civil legal aid received in person on `received_on`.
fn applied(received_on: &str) -> Run {
    let mut run = Run::new(definition(), CENTRE);
    run.act(
        Actor::User(&staff()),
        "register",
        received_on,
        &[
            ("applicant", applicant()),
            ("channel", json!("in_person")),
            ("received_on", json!(received_on)),
            ("case_type", json!("civil")),
            ("matter", json!("追索劳动报酬")),
        ],
    );
    run
}

fn granted(decision_on: &str) -> Run {
    let mut run = applied(decision_on);
    run.act(
        Actor::User(&staff()),
        "grant",
        decision_on,
        &[
            ("decision_on", json!(decision_on)),
            ("means_check", json!("exempt_art42")),
            ("waiver_ground", json!("migrant_worker")),
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

fn supplement(run: &mut Run, on: &str, deadline: &str) {
    run.act(
        Actor::User(&staff()),
        "request_supplement",
        on,
        &[
            ("supplement_items", json!("劳动合同、工资欠条")),
            ("supplement_deadline", json!(deadline)),
        ],
    );
}

#[test]
fn both_definitions_load_with_the_codes_statistics_read() {
    let def = definition();
    assert_eq!(
        format!("{}-{}", def.code, def.version),
        "legal_aid-2022-01-01"
    );
    let codes = |f: &str| -> Vec<String> {
        def.field(f)
            .unwrap()
            .values
            .iter()
            .map(|v| v.code.clone())
            .collect()
    };
    assert_eq!(
        codes("case_type"),
        ["criminal", "civil", "administrative", "non_litigation"]
    );
    assert_eq!(
        codes("quality_rating"),
        ["excellent", "good", "qualified", "unqualified"]
    );
    assert_eq!(
        codes("waiver_ground"),
        [
            "specific_group",
            "social_assistance",
            "migrant_worker",
            "other_rule"
        ]
    );
    let mut terminal: Vec<&str> = def
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.code.as_str())
        .collect();
    terminal.sort();
    assert_eq!(
        terminal,
        [
            "closed",
            "deemed_withdrawn",
            "not_granted",
            "terminated",
            "withdrawn"
        ]
    );
    let consultation = load("legal_consultation-2022-01-01.toml", CONSULTATION);
    assert_eq!(
        format!("{}-{}", consultation.code, consultation.version),
        "legal_consultation-2022-01-01"
    );
    assert!(consultation.is_terminal("answered"));
    assert!(
        consultation
            .field("channel")
            .unwrap()
            .values
            .iter()
            .any(|v| v.code == "walk_in")
    );
}

#[test]
fn review_within_7_days_rolls_over_the_2025_spring_festival() {
    let run = applied("2025-01-22");
    assert_eq!(run.case.state, "received");
    // 01-22 + 7 = 01-29 (春节, 01-28..02-04 off) → Wed 02-05.
    let due = clock_due(
        run.def.clock("review").unwrap(),
        run.case.clock("review").unwrap(),
        Calendar::embedded(),
        date("2025-01-22"),
    )
    .unwrap();
    assert_eq!(due.date, date("2025-02-05"));
    assert!(
        due.explanation.lines.iter().any(|l| l.contains("春节")),
        "{:?}",
        due.explanation.lines
    );
    assert!(due.explanation.lines[0].contains("法律援助法第四十三条"));
}

#[test]
fn supplementing_pauses_the_review_by_exactly_its_days_and_is_asked_once() {
    let mut run = applied("2023-03-01");
    assert_eq!(run.due("review", "2023-03-01"), date("2023-03-08"));
    supplement(&mut run, "2023-03-03", "2023-03-13");
    assert_eq!(run.case.state, "supplementing");
    assert_eq!(status(&run, "review"), ClockStatus::Paused);
    assert_eq!(run.due("supplement", "2023-03-03"), date("2023-03-13"));
    run.act(
        Actor::User(&staff()),
        "supplement_received",
        "2023-03-10",
        &[],
    );
    assert_eq!(status(&run, "review"), ClockStatus::Running);
    assert_eq!(status(&run, "supplement"), ClockStatus::Stopped);
    // Paused 03-03 → 03-10: 7 days not counted. 03-08 + 7 = 03-15 (Wed).
    assert_eq!(run.due("review", "2023-03-10"), date("2023-03-15"));
    let again = run.try_act(
        Actor::User(&staff()),
        "request_supplement",
        "2023-03-11",
        &[
            ("supplement_items", json!("身份证明")),
            ("supplement_deadline", json!("2023-03-20")),
        ],
    );
    match again {
        Err(Refusal::GuardFailed { message, basis }) => {
            assert!(message.contains("一次性"), "{message}");
            assert_eq!(basis, "法律援助法第四十三条第二款");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn materials_not_supplied_in_time_mean_the_application_is_deemed_withdrawn() {
    let mut run = applied("2023-03-01");
    supplement(&mut run, "2023-03-03", "2023-03-13");
    assert!(
        expired_on(&run, "2023-03-13").is_empty(),
        "not on the last day"
    );
    assert_eq!(
        expired_on(&run, "2023-03-14"),
        vec![(
            "supplement".to_string(),
            Expiry::Action("deem_withdrawn".into()),
            date("2023-03-14")
        )],
        "the paused review clock does not expire"
    );
    assert!(matches!(
        run.try_act(Actor::User(&staff()), "deem_withdrawn", "2023-03-14", &[]),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.act(Actor::System, "deem_withdrawn", "2023-03-14", &[]);
    assert_eq!(run.case.state, "deemed_withdrawn");
    assert!(run.def.is_terminal("deemed_withdrawn"));
    let review = run.case.clock("review").unwrap();
    assert_eq!(review.status, ClockStatus::Stopped);
    assert_eq!(review.pauses.len(), 1);
    assert_eq!(review.pauses[0].to, date("2023-03-14"));
}

#[test]
fn the_means_test_decides_a_grant_and_the_lawyer_is_assigned_within_3_days() {
    let mut run = applied("2024-02-05");
    let s = staff();
    let grant = |f: &[(&str, Value)]| run.try_act(Actor::User(&s), "grant", "2024-02-08", f);
    assert_eq!(
        grant(&[("decision_on", json!("2024-02-08"))]),
        Err(Refusal::MissingField {
            field: "经济困难核查方式".into()
        })
    );
    match grant(&[
        ("decision_on", json!("2024-02-08")),
        ("means_check", json!("exempt_art42")),
    ]) {
        Err(Refusal::GuardFailed { basis, .. }) => assert_eq!(basis, "法律援助法第四十二条"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        grant(&[
            ("decision_on", json!("2024-02-08")),
            ("means_check", json!("commitment")),
            ("economic_hardship", json!(false)),
        ]),
        Err(Refusal::GuardFailed { .. })
    ));
    assert!(matches!(
        grant(&[
            ("decision_on", json!("2024-02-08")),
            ("means_check", json!("not_required_art32")),
        ]),
        Err(Refusal::GuardFailed { .. })
    ));
    let officer = person(Role::EnforcementOfficer, Some(CENTRE));
    assert!(matches!(
        run.try_act(
            Actor::User(&officer),
            "grant",
            "2024-02-08",
            &[
                ("decision_on", json!("2024-02-08")),
                ("means_check", json!("commitment")),
                ("economic_hardship", json!(true)),
            ]
        ),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.act(
        Actor::User(&s),
        "grant",
        "2024-02-08",
        &[
            ("decision_on", json!("2024-02-08")),
            ("means_check", json!("commitment")),
            ("economic_hardship", json!(true)),
        ],
    );
    assert_eq!(run.case.state, "granted");
    assert_eq!(status(&run, "review"), ClockStatus::Stopped);
    // 02-08 + 3 = 02-11 (春节, 02-10..02-17 off) → Sun 02-18, a make-up working day.
    assert_eq!(run.due("assignment", "2024-02-08"), date("2024-02-18"));
    assert!(expired_on(&run, "2024-02-18").is_empty());
    assert_eq!(
        expired_on(&run, "2024-02-19"),
        vec![(
            "assignment".to_string(),
            Expiry::Overdue,
            date("2024-02-19")
        )]
    );
    run.act(
        Actor::User(&s),
        "assign",
        "2024-02-18",
        &[
            ("lawyer", json!("陈律师")),
            ("law_firm", json!("辽宁某律师事务所")),
            ("assigned_on", json!("2024-02-18")),
        ],
    );
    assert_eq!(run.case.state, "assigned");
    assert_eq!(status(&run, "assignment"), ClockStatus::Stopped);
}

#[test]
fn a_refusal_gives_reasons_and_the_bureau_decides_an_objection_within_5_days() {
    let s = staff();
    let refused = || {
        let mut run = applied("2023-09-20");
        assert_eq!(
            run.try_act(
                Actor::User(&s),
                "refuse",
                "2023-09-25",
                &[("decision_on", json!("2023-09-25"))]
            ),
            Err(Refusal::MissingField {
                field: "不予法律援助的理由（书面告知）".into()
            })
        );
        run.act(
            Actor::User(&s),
            "refuse",
            "2023-09-25",
            &[
                ("decision_on", json!("2023-09-25")),
                ("refusal_reason", json!("不符合经济困难标准")),
            ],
        );
        run
    };
    let objection = [
        ("objection_received_on", json!("2023-09-27")),
        ("objection_reason", json!("家庭收入计算有误")),
    ];
    let mut run = refused();
    assert_eq!(run.case.state, "refused");
    assert!(
        matches!(
            run.try_act(Actor::User(&s), "object", "2023-09-27", &objection),
            Err(Refusal::RoleNotAllowed { .. })
        ),
        "the justice bureau, not the centre, receives objections"
    );
    run.act(Actor::User(&bureau()), "object", "2023-09-27", &objection);
    // 09-27 + 5 = 10-02 (国庆节、中秋节, 09-29..10-06 off) → Sat 10-07, a make-up working day.
    assert_eq!(
        run.due("objection_review", "2023-09-27"),
        date("2023-10-07")
    );
    run.act(
        Actor::User(&bureau()),
        "objection_uphold",
        "2023-10-07",
        &[("objection_decision_on", json!("2023-10-07"))],
    );
    assert_eq!(run.case.state, "not_granted");
    assert_eq!(status(&run, "objection_review"), ClockStatus::Stopped);

    // Ordered to correct: the centre decides afresh, with a new 7-day review period.
    let mut corrected = refused();
    corrected.act(Actor::User(&bureau()), "object", "2023-09-27", &objection);
    corrected.act(
        Actor::User(&bureau()),
        "objection_correct",
        "2023-10-07",
        &[("objection_decision_on", json!("2023-10-07"))],
    );
    assert_eq!(corrected.case.state, "received");
    let review = corrected.case.clock("review").unwrap();
    assert_eq!(
        (review.status, review.started_on),
        (ClockStatus::Running, date("2023-10-07"))
    );
    // 10-07 + 7 = 10-14 (Sat) → Mon 10-16.
    assert_eq!(corrected.due("review", "2023-10-07"), date("2023-10-16"));
}

#[test]
fn a_court_notice_is_assigned_within_3_days_and_the_case_is_closed_with_rating_and_subsidy() {
    let s = staff();
    let mut run = Run::new(definition(), CENTRE);
    let notice = [
        ("applicant", applicant()),
        ("channel", json!("court_notice")),
        ("received_on", json!("2022-09-30")),
        ("case_type", json!("criminal")),
        ("notifying_body", json!("旅顺口区人民法院")),
        ("notice_ground", json!("disabled")),
    ];
    let as_application = run.try_act(
        Actor::User(&s),
        "register",
        "2022-09-30",
        &[
            ("applicant", applicant()),
            ("channel", json!("court_notice")),
            ("received_on", json!("2022-09-30")),
            ("case_type", json!("criminal")),
            ("matter", json!("盗窃")),
        ],
    );
    assert!(matches!(as_application, Err(Refusal::GuardFailed { .. })));
    run.act(Actor::User(&s), "register_notice", "2022-09-30", &notice);
    assert_eq!(run.case.state, "notified");
    assert!(run.case.clock("review").is_none(), "no review of a notice");
    // 09-30 + 3 = 10-03 (国庆节) → Sat 10-08, a make-up working day.
    assert_eq!(
        run.due("notice_assignment", "2022-09-30"),
        date("2022-10-08")
    );
    run.act(
        Actor::User(&s),
        "assign",
        "2022-10-08",
        &[
            ("lawyer", json!("周律师")),
            ("law_firm", json!("大连某律师事务所")),
            ("assigned_on", json!("2022-10-08")),
            ("provider_kind", json!("lawyer")),
        ],
    );
    assert_eq!(status(&run, "notice_assignment"), ClockStatus::Stopped);
    run.act(
        Actor::User(&s),
        "sign_agreement",
        "2022-10-10",
        &[("agreement_on", json!("2022-10-10"))],
    );
    let close = |rating: &str| {
        [
            ("closed_on", json!("2023-01-10")),
            ("result", json!("判处有期徒刑一年，采纳部分辩护意见")),
            ("quality_rating", json!(rating)),
            ("subsidy", json!("1,500")),
        ]
    };
    assert!(matches!(
        run.try_act(Actor::User(&s), "close", "2023-01-10", &close("perfect")),
        Err(Refusal::InvalidField { .. })
    ));
    assert_eq!(
        run.try_act(Actor::User(&s), "close", "2023-01-10", &close("good")[..3]),
        Err(Refusal::MissingField {
            field: "办案补贴".into()
        })
    );
    run.act(Actor::User(&s), "close", "2023-01-10", &close("good"));
    assert_eq!(run.case.state, "closed");
    assert_eq!(run.case.fields["subsidy"], json!(150000));
    assert_eq!(run.case.fields["quality_rating"], json!("good"));
    assert_eq!(run.case.fields["case_type"], json!("criminal"));
}

#[test]
fn aid_provided_first_ends_the_supplement_and_starts_the_assignment_clock() {
    let mut run = applied("2024-06-03");
    supplement(&mut run, "2024-06-04", "2024-06-20");
    run.act(
        Actor::User(&staff()),
        "provide_first",
        "2024-06-05",
        &[
            ("provide_first_ground", json!("deadline_within_7_days")),
            ("decision_on", json!("2024-06-05")),
        ],
    );
    assert_eq!(run.case.state, "granted");
    assert_eq!(status(&run, "supplement"), ClockStatus::Stopped);
    assert_eq!(status(&run, "review"), ClockStatus::Stopped);
    // 06-05 + 3 = 06-08 (端午节, 06-08..06-10 off) → Tue 06-11.
    assert_eq!(run.due("assignment", "2024-06-05"), date("2024-06-11"));
    assert!(
        expired_on(&run, "2024-06-25")
            .iter()
            .all(|(c, _, _)| c != "supplement")
    );
}

#[test]
fn a_termination_can_be_objected_to_and_corrected() {
    let mut run = granted("2024-03-04");
    let s = staff();
    run.act(
        Actor::User(&s),
        "assign",
        "2024-03-05",
        &[
            ("lawyer", json!("陈律师")),
            ("law_firm", json!("辽宁某律师事务所")),
            ("assigned_on", json!("2024-03-05")),
        ],
    );
    run.act(
        Actor::User(&s),
        "terminate",
        "2024-04-01",
        &[
            ("termination_ground", json!("means_changed")),
            ("terminated_on", json!("2024-04-01")),
        ],
    );
    run.act(
        Actor::User(&bureau()),
        "object_termination",
        "2024-04-02",
        &[
            ("objection_received_on", json!("2024-04-02")),
            ("objection_reason", json!("经济状况未变化")),
        ],
    );
    // 04-02 + 5 = 04-07 (Sun, a make-up working day after 清明节).
    assert_eq!(
        run.due("objection_review", "2024-04-02"),
        date("2024-04-07")
    );
    run.act(
        Actor::User(&bureau()),
        "termination_corrected",
        "2024-04-07",
        &[("objection_decision_on", json!("2024-04-07"))],
    );
    assert_eq!(run.case.state, "handling");
    assert_eq!(status(&run, "objection_review"), ClockStatus::Stopped);
}

#[test]
fn a_consultation_is_recorded_and_answered_the_same_working_day() {
    let def = load("legal_consultation-2022-01-01.toml", CONSULTATION);
    let clerk = person(Role::WindowClerk, Some(CENTRE));
    let mut walk_in = Run::new(def.clone(), CENTRE);
    assert_eq!(
        walk_in.try_act(
            Actor::User(&clerk),
            "record_answered",
            "2019-06-03",
            &[
                ("channel", json!("walk_in")),
                ("consulted_on", json!("2019-06-03")),
                ("topic", json!("拖欠工资")),
                ("answer", json!("可申请劳动仲裁")),
            ],
        ),
        Err(Refusal::MissingField {
            field: "咨询类别".into()
        })
    );
    walk_in.act(
        Actor::User(&clerk),
        "record_answered",
        "2019-06-03",
        &[
            ("channel", json!("walk_in")),
            ("consulted_on", json!("2019-06-03")),
            ("topic", json!("拖欠工资")),
            ("category", json!("labour")),
            ("answer", json!("可申请劳动仲裁，并可申请法律援助")),
            ("referred_to_aid", json!(true)),
        ],
    );
    assert_eq!(walk_in.case.state, "answered");
    assert!(walk_in.case.clocks.is_empty());

    let mut phone = Run::new(def, CENTRE);
    let register = |on: &str| {
        vec![
            ("channel", json!("phone")),
            ("consulted_on", json!(on)),
            ("topic", json!("离婚财产分割")),
            ("category", json!("marriage_family")),
        ]
    };
    // A call on a working day is answered that day.
    let mut friday = Run::new(phone.def.clone(), CENTRE);
    friday.act(
        Actor::User(&clerk),
        "register",
        "2024-03-01",
        &register("2024-03-01"),
    );
    assert_eq!(friday.due("same_day", "2024-03-01"), date("2024-03-01"));
    // A message left on 端午节 (Mon 06-10) is answered on the next working day.
    phone.act(
        Actor::User(&clerk),
        "register",
        "2024-06-10",
        &register("2024-06-10"),
    );
    assert_eq!(phone.due("same_day", "2024-06-10"), date("2024-06-11"));
    phone.act(
        Actor::User(&clerk),
        "answer",
        "2024-06-11",
        &[
            ("answer", json!("夫妻共同财产一般均等分割")),
            ("answered_on", json!("2024-06-11")),
        ],
    );
    assert_eq!(phone.case.state, "answered");
    assert_eq!(status(&phone, "same_day"), ClockStatus::Stopped);
}
