//! The litigation definition (行政诉讼法, the agency as defendant) run by the engine: every
//! clock with real dates of the official calendar. All its periods are calendar days or months;
//! only a last day on a rest day moves.

mod common;
use common::*;

use fazhi_core::engine::{Actor, ClockStatus, Refusal};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry, FieldType};
use serde_json::{Value, json};

const TEXT: &str = include_str!("../../../procedures/litigation/litigation-2015-05-01.toml");
const DEPARTMENT: &str = "d-market";

fn definition() -> Definition {
    load("litigation-2015-05-01.toml", TEXT)
}

fn staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(DEPARTMENT))
}

trait Clocks {
    fn staff(&mut self, action: &str, on: &str, f: &[(&str, Value)]);
    fn refusal(&self, action: &str, on: &str, f: &[(&str, Value)]) -> Refusal;
}

impl Clocks for Run {
    fn staff(&mut self, action: &str, on: &str, f: &[(&str, Value)]) {
        self.act(Actor::User(&staff()), action, on, f);
    }

    fn refusal(&self, action: &str, on: &str, f: &[(&str, Value)]) -> Refusal {
        self.try_act(Actor::User(&staff()), action, on, f)
            .expect_err("the action must be refused")
    }
}

fn suit() -> Vec<(&'static str, Value)> {
    vec![
        ("plaintiff", json!({"kind": "person", "name": "周八"})),
        ("court", json!("大连市旅顺口区人民法院")),
        ("act_category", json!("penalty")),
        ("act_description", json!("旅市监罚〔2024〕12号行政处罚决定")),
        ("after_reconsideration", json!(false)),
    ]
}

fn registered(on: &str, filed_on: &str) -> Run {
    let mut run = Run::new(definition(), DEPARTMENT);
    let mut fields = suit();
    fields.push(("filed_on", json!(filed_on)));
    run.staff("register", on, &fields);
    assert_eq!(run.case.state, "first_instance");
    run
}

fn served(on: &str) -> Run {
    let mut run = registered(on, on);
    run.staff("complaint_served", on, &[("served_on", json!(on))]);
    run
}

/// A first-instance judgment revoking the act, served on `served_on`.
fn judged(served_on: &str) -> Run {
    let mut run = registered("2024-09-03", "2024-09-03");
    run.staff(
        "first_instance_judgment",
        served_on,
        &[
            ("judgment_type", json!("revoke")),
            ("judgment_grounds", json!(["illegal_procedure"])),
            ("judgment_on", json!(served_on)),
            ("judgment_served_on", json!(served_on)),
        ],
    );
    assert_eq!(run.case.state, "first_judged");
    run
}

#[test]
fn the_definition_loads_with_every_code_of_the_contract() {
    let def = Definition::parse("litigation-2015-05-01.toml", TEXT)
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    let codes = |field: &str| -> Vec<String> {
        def.field(field)
            .unwrap()
            .values
            .iter()
            .map(|v| v.code.clone())
            .collect()
    };
    let outcomes = [
        "dismiss_claims",
        "revoke",
        "partial_revoke",
        "confirm_illegal",
        "confirm_void",
        "order_performance",
        "change",
        "compensation",
        "ruling_not_filed",
        "ruling_dismiss_suit",
        "ruling_withdrawal",
    ];
    assert_eq!(codes("judgment_type"), outcomes);
    assert_eq!(codes("appeal_judgment_type"), outcomes);
    assert_eq!(codes("act_category").len(), 8);
    assert_eq!(
        def.field("after_reconsideration").unwrap().kind,
        FieldType::Boolean
    );
    for f in ["filed_on", "appeal_filed_on", "judgment_on", "served_on"] {
        assert_eq!(def.field(f).unwrap().kind, FieldType::Date, "{f}");
    }
    for f in ["judgment_grounds", "appeal_judgment_grounds"] {
        assert_eq!(def.field(f).unwrap().kind, FieldType::List, "{f}");
    }
    let terminal: Vec<&str> = def
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.code.as_str())
        .collect();
    assert_eq!(terminal, ["closed"]);
    assert_eq!(def.clocks.len(), 6);
}

#[test]
fn the_defence_is_due_15_calendar_days_after_service_holidays_inside_included() {
    // Filed 09-03, registered later; served 09-10. 中秋节 (09-15..17) inside is not deducted.
    let mut run = registered("2024-09-11", "2024-09-03");
    run.staff(
        "complaint_served",
        "2024-09-11",
        &[("served_on", json!("2024-09-10"))],
    );
    assert_eq!(
        run.case.clock("defence").unwrap().started_on,
        date("2024-09-10")
    );
    assert_eq!(run.due("defence", "2024-09-11"), date("2024-09-25"));
    assert!(run.explanation("defence", "2024-09-11")[0].contains("第六十七条"));
    assert!(matches!(
        run.refusal(
            "complaint_served",
            "2024-09-12",
            &[("served_on", json!("2024-09-12"))]
        ),
        Refusal::GuardFailed { .. }
    ));
}

#[test]
fn a_defence_period_ending_in_national_day_ends_after_it_and_evidence_stops_it() {
    // 09-20 + 15 = 10-05, in 国庆节 (10-01..07): the last day is 10-08.
    let mut run = served("2024-09-20");
    assert_eq!(run.due("defence", "2024-09-20"), date("2024-10-08"));
    assert!(
        run.explanation("defence", "2024-09-20")
            .iter()
            .any(|l| l.contains("国庆节"))
    );
    assert!(run.expired_on("2024-10-08").is_empty());
    assert_eq!(
        run.expired_on("2024-10-09"),
        vec![("defence".to_string(), Expiry::Overdue, date("2024-10-09"))]
    );
    run.staff(
        "file_defence",
        "2024-10-08",
        &[("defence_filed_on", json!("2024-10-08"))],
    );
    assert_eq!(
        run.status("defence"),
        ClockStatus::Running,
        "the defence alone does not stop it"
    );
    run.staff(
        "file_evidence",
        "2024-10-08",
        &[("evidence_filed_on", json!("2024-10-08"))],
    );
    assert_eq!(run.status("defence"), ClockStatus::Stopped);
    assert!(run.expired_on("2024-10-09").is_empty());
}

#[test]
fn the_court_has_6_months_from_filing_at_first_instance() {
    // 08-31 + 6 months: February has no 31st, so 2025-02-28.
    let run = registered("2024-09-02", "2024-08-31");
    assert_eq!(
        run.due("first_instance_period", "2024-09-02"),
        date("2025-02-28")
    );
    assert!(run.expired_on("2025-02-28").is_empty());
    assert_eq!(
        run.expired_on("2025-03-01"),
        vec![(
            "first_instance_period".to_string(),
            Expiry::Overdue,
            date("2025-03-01")
        )]
    );
}

#[test]
fn the_head_of_the_agency_attends_or_the_reason_is_recorded() {
    let mut run = served("2024-09-20");
    let absent = [
        ("hearing_on", json!("2024-11-05")),
        ("head_attended", json!(false)),
        ("appearing_staff", json!("法制科 吴九")),
    ];
    match run.refusal("record_hearing", "2024-11-05", &absent) {
        Refusal::GuardFailed { message, basis } => {
            assert!(message.contains("理由"), "{message}");
            assert!(basis.contains("第九条"), "{basis}");
        }
        other => panic!("{other:?}"),
    }
    let present = [
        ("hearing_on", json!("2024-11-05")),
        ("head_attended", json!(true)),
        ("head_post", json!("局长")),
    ];
    assert!(matches!(
        run.refusal("record_hearing", "2024-11-05", &present),
        Refusal::GuardFailed { message, .. } if message.contains("姓名")
    ));
    assert!(matches!(
        run.refusal(
            "record_hearing",
            "2024-11-05",
            &[("hearing_on", json!("2024-11-05"))]
        ),
        Refusal::MissingField { .. }
    ));
    let mut with_name = present.to_vec();
    with_name.push(("head_name", json!("郑十")));
    run.staff("record_hearing", "2024-11-05", &with_name);
    assert_eq!(run.case.fields["head_attended"], json!(true));
    assert_eq!(run.case.state, "first_instance");
}

#[test]
fn a_judgment_needs_its_grounds_and_opens_a_15_day_appeal_window() {
    let mut run = registered("2024-09-03", "2024-09-03");
    let revoke = [
        ("judgment_type", json!("revoke")),
        ("judgment_on", json!("2025-01-17")),
        ("judgment_served_on", json!("2025-01-20")),
    ];
    assert!(matches!(
        run.refusal("first_instance_judgment", "2025-01-20", &revoke),
        Refusal::GuardFailed { message, .. } if message.contains("理由")
    ));
    assert!(matches!(
        run.refusal(
            "first_instance_judgment",
            "2025-01-20",
            &[
                ("judgment_type", json!("ruling_dismiss_suit")),
                ("judgment_on", json!("2025-01-17")),
                ("judgment_served_on", json!("2025-01-20")),
            ]
        ),
        Refusal::GuardFailed { .. }
    ));
    let mut with_grounds = revoke.to_vec();
    with_grounds.push((
        "judgment_grounds",
        json!(["illegal_procedure", "insufficient_evidence"]),
    ));
    run.staff("first_instance_judgment", "2025-01-20", &with_grounds);
    assert_eq!(run.case.state, "first_judged");
    assert_eq!(
        run.case.fields["judgment_grounds"],
        json!(["illegal_procedure", "insufficient_evidence"])
    );
    assert_eq!(run.status("first_instance_period"), ClockStatus::Stopped);
    // 01-20 + 15 = 02-04, the last day of 春节 (01-28..02-04): the window ends 02-05.
    assert_eq!(run.due("appeal_window", "2025-01-20"), date("2025-02-05"));
    assert!(run.expired_on("2025-02-05").is_empty());
    assert_eq!(
        run.expired_on("2025-02-06"),
        vec![(
            "appeal_window".to_string(),
            Expiry::Action("judgment_final".into()),
            date("2025-02-06")
        )]
    );
    run.act(Actor::System, "judgment_final", "2025-02-06", &[]);
    assert_eq!(run.case.state, "effective");
    assert_eq!(run.status("appeal_window"), ClockStatus::Stopped);
    run.staff(
        "record_performance",
        "2025-03-01",
        &[
            ("performance_status", json!("performed")),
            ("performed_on", json!("2025-02-28")),
        ],
    );
    run.staff("close", "2025-03-03", &[]);
    assert_eq!(run.case.state, "closed");
}

#[test]
fn a_ruling_opens_a_10_day_appeal_window() {
    let mut run = registered("2025-06-03", "2025-06-03");
    assert!(matches!(
        run.refusal(
            "first_instance_ruling",
            "2025-09-26",
            &[
                ("judgment_type", json!("dismiss_claims")),
                ("judgment_on", json!("2025-09-25")),
                ("judgment_served_on", json!("2025-09-26")),
            ]
        ),
        Refusal::GuardFailed { .. }
    ));
    run.staff(
        "first_instance_ruling",
        "2025-09-26",
        &[
            ("judgment_type", json!("ruling_dismiss_suit")),
            ("judgment_on", json!("2025-09-25")),
            ("judgment_served_on", json!("2025-09-26")),
        ],
    );
    assert!(run.case.clock("appeal_window").is_none());
    // 09-26 + 10 = 10-06, in 国庆节、中秋节 (10-01..08): the window ends 10-09.
    assert_eq!(
        run.due("appeal_window_ruling", "2025-09-26"),
        date("2025-10-09")
    );
}

#[test]
fn an_appeal_gives_the_court_3_months_and_the_second_judgment_is_final() {
    let mut run = judged("2025-01-20");
    let clerk = person(Role::WindowClerk, Some(DEPARTMENT));
    let appeal = [
        ("appellant", json!("agency")),
        ("appeal_filed_on", json!("2025-02-10")),
        ("appeal_court", json!("大连市中级人民法院")),
    ];
    assert!(matches!(
        run.try_act(
            Actor::User(&clerk),
            "register_appeal",
            "2025-02-10",
            &appeal
        ),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.staff("register_appeal", "2025-02-10", &appeal);
    assert_eq!(run.case.state, "second_instance");
    assert_eq!(run.status("appeal_window"), ClockStatus::Stopped);
    // 02-10 + 3 months = 05-10, a Saturday: 05-12.
    assert_eq!(
        run.due("second_instance_period", "2025-02-10"),
        date("2025-05-12")
    );
    run.staff(
        "record_appeal_hearing",
        "2025-04-01",
        &[
            ("hearing_on", json!("2025-04-01")),
            ("head_attended", json!(false)),
            (
                "absence_reason",
                json!("参加全市防汛工作会议，已提交加盖印章的情况说明"),
            ),
            ("appearing_staff", json!("法制科 王某")),
        ],
    );
    assert!(matches!(
        run.refusal(
            "second_instance_judgment",
            "2025-04-20",
            &[
                ("appeal_judgment_type", json!("partial_revoke")),
                ("appeal_judged_on", json!("2025-04-18")),
            ]
        ),
        Refusal::GuardFailed { .. }
    ));
    run.staff(
        "second_instance_judgment",
        "2025-04-20",
        &[
            ("appeal_judgment_type", json!("dismiss_claims")),
            ("appeal_judged_on", json!("2025-04-18")),
        ],
    );
    assert_eq!(run.case.state, "effective");
    assert_eq!(run.status("second_instance_period"), ClockStatus::Stopped);
    assert_eq!(
        run.case.fields["appeal_judgment_type"],
        json!("dismiss_claims")
    );
}

#[test]
fn another_partys_appeal_learnt_of_after_the_window_is_still_recorded() {
    let mut run = judged("2025-01-20");
    run.act(Actor::System, "judgment_final", "2025-02-06", &[]);
    run.staff(
        "register_appeal",
        "2025-02-12",
        &[
            ("appellant", json!("other_party")),
            ("appeal_filed_on", json!("2025-02-11")),
        ],
    );
    assert_eq!(run.case.state, "second_instance");
    assert_eq!(
        run.case.clock("second_instance_period").unwrap().started_on,
        date("2025-02-11")
    );
}

#[test]
fn a_matter_can_start_at_second_instance_and_be_remanded() {
    let mut run = Run::new(definition(), DEPARTMENT);
    let mut fields = suit();
    fields.extend([
        ("judgment_type", json!("dismiss_claims")),
        ("appellant", json!("other_party")),
        ("appeal_filed_on", json!("2024-11-29")),
    ]);
    run.staff("register_appeal_case", "2024-12-02", &fields);
    assert_eq!(run.case.state, "second_instance");
    assert!(run.case.clock("first_instance_period").is_none());
    assert!(run.case.clock("defence").is_none());
    // 11-29 + 3 months: no 02-29 in 2025, so 02-28.
    assert_eq!(
        run.due("second_instance_period", "2024-12-02"),
        date("2025-02-28")
    );
    run.staff(
        "remand",
        "2025-01-15",
        &[("remand_reason", json!("认定基本事实不清"))],
    );
    assert_eq!(run.case.state, "first_instance");
    assert_eq!(run.status("second_instance_period"), ClockStatus::Stopped);
    // The retrial: 6 months from the remand.
    assert_eq!(run.due("retrial_period", "2025-01-15"), date("2025-07-15"));
    assert!(matches!(
        run.refusal("close", "2025-01-16", &[]),
        Refusal::WrongState { .. }
    ));
}
