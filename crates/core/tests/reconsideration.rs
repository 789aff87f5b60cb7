//! The reconsideration definition (行政复议法 2023) run by the engine: every clock with real
//! dates of the official calendar. Art 88: 3, 5, 7 and 10 days are working days; 30 and 60 are
//! calendar days.

mod common;
use common::*;

use fazhi_core::engine::{Actor, ClockStatus, Refusal};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry};
use serde_json::{Value, json};

const TEXT: &str =
    include_str!("../../../procedures/reconsideration/reconsideration-2024-01-01.toml");
const DEPARTMENT: &str = "d-justice";

fn definition() -> Definition {
    load("reconsideration-2024-01-01.toml", TEXT)
}

fn staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(DEPARTMENT))
}

trait Clocks {
    fn staff(&mut self, action: &str, on: &str, f: &[(&str, Value)]);
}

impl Clocks for Run {
    fn staff(&mut self, action: &str, on: &str, f: &[(&str, Value)]) {
        self.act(Actor::User(&staff()), action, on, f);
    }
}

fn application(received_on: &str, channel: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "applicant",
            json!({"kind": "organisation", "name": "大连某贸易有限公司", "credit_code": "91350100M000100Y43"}),
        ),
        ("received_on", json!(received_on)),
        ("channel", json!(channel)),
        ("respondent", json!("某区市场监督管理局")),
        ("act_description", json!("罚款二万元的行政处罚决定")),
        ("act_category", json!("penalty")),
        ("claims", json!("撤销该行政处罚决定")),
        ("facts_reasons", json!("认定事实不清")),
        ("known_on", json!("2024-09-10")),
    ]
}

fn registered(on: &str, received_on: &str) -> Run {
    let mut run = Run::new(definition(), DEPARTMENT);
    run.staff("register", on, &application(received_on, "in_person"));
    assert_eq!(run.case.state, "received");
    run
}

/// Registered and accepted under the ordinary procedure on `accepted_on`.
fn accepted(accepted_on: &str) -> Run {
    let mut run = registered(accepted_on, accepted_on);
    run.staff(
        "accept",
        accepted_on,
        &[("accepted_on", json!(accepted_on))],
    );
    assert_eq!(run.case.state, "accepted");
    run
}

fn supplement_requested(received_on: &str, on: &str) -> Run {
    let mut run = registered(received_on, received_on);
    run.staff(
        "request_supplement",
        on,
        &[("supplement_items", json!("请提供行政处罚决定书复印件"))],
    );
    run
}

#[test]
fn the_definition_loads_with_every_code_of_the_contract() {
    let def = Definition::parse("reconsideration-2024-01-01.toml", TEXT)
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    let codes = |field: &str| -> Vec<String> {
        def.field(field)
            .unwrap()
            .values
            .iter()
            .map(|v| v.code.clone())
            .collect()
    };
    assert_eq!(
        codes("act_category"),
        [
            "disclosure",
            "penalty",
            "coercion",
            "licensing",
            "expropriation",
            "registration",
            "inaction",
            "other"
        ]
    );
    assert_eq!(
        codes("decision_type"),
        [
            "change",
            "revoke",
            "confirm_illegal",
            "order_performance",
            "confirm_void",
            "uphold",
            "dismiss_claim",
            "dismiss_application",
            "mediated",
            "settled",
            "withdrawn"
        ]
    );
    let mut terminal: Vec<&str> = def
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.code.as_str())
        .collect();
    terminal.sort_unstable();
    assert_eq!(
        terminal,
        ["abandoned", "decided", "not_accepted", "terminated"]
    );
    let online = def.action("apply_online").unwrap();
    assert_eq!(
        (online.roles.as_slice(), online.targets()),
        (&["system".to_string()][..], vec!["received"])
    );
    for f in [
        "applicant",
        "received_on",
        "channel",
        "respondent",
        "act_description",
        "act_category",
        "claims",
        "facts_reasons",
        "known_on",
    ] {
        assert!(online.needs.contains(&f.to_string()), "{f}");
    }
    assert!(online.may.contains(&"contact_email".to_string()));
    assert_eq!(def.clocks.len(), 8);
}

#[test]
fn an_online_application_is_taken_by_the_system_only() {
    let mut run = Run::new(definition(), DEPARTMENT);
    let fields = application("2024-10-08", "online");
    assert!(matches!(
        run.try_act(Actor::User(&staff()), "apply_online", "2024-10-08", &fields),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.act(Actor::System, "apply_online", "2024-10-08", &fields);
    assert_eq!(run.case.state, "received");
    // 10-09..11 (3), 10-12 make-up Saturday (4), 10-14 (5).
    assert_eq!(run.due("review", "2024-10-08"), date("2024-10-14"));
}

#[test]
fn the_5_working_day_review_spans_spring_festival_and_silence_means_acceptance() {
    // Registered a day late; the period runs from the receipt date.
    let mut run = registered("2025-01-26", "2025-01-24");
    // 01-26 make-up Sunday (1), 01-27 (2), [01-28..02-04 春节], 02-05..07 (5).
    assert_eq!(run.due("review", "2025-01-26"), date("2025-02-07"));
    let lines = run.explanation("review", "2025-01-26");
    assert!(lines[0].contains("第三十条"), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("春节")), "{lines:?}");

    assert!(
        run.expired_on("2025-02-07").is_empty(),
        "not on the last day"
    );
    assert_eq!(
        run.expired_on("2025-02-08"),
        vec![(
            "review".to_string(),
            Expiry::Action("deem_accepted".into()),
            date("2025-02-08")
        )]
    );
    assert!(matches!(
        run.try_act(Actor::User(&staff()), "deem_accepted", "2025-02-08", &[]),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    // 审查期限届满之日起视为受理 (Art 30 para 3): the system acts the next day, but the
    // acceptance is dated the review's last day.
    let fields = fazhi_core::engine::expiry_fields(
        &run.def,
        &run.case,
        fazhi_core::calendar::Calendar::embedded(),
        "review",
        date("2025-02-08"),
    );
    assert_eq!(fields.get("accepted_on"), Some(&json!("2025-02-07")));
    let fields: Vec<(&str, serde_json::Value)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    run.act(Actor::System, "deem_accepted", "2025-02-08", &fields);
    assert_eq!(run.case.state, "accepted");
    assert_eq!(run.status("review"), ClockStatus::Stopped);
    // Deemed accepted as of the last day: the ordinary procedure's periods run from it.
    assert_eq!(
        run.case.clock("decision").unwrap().started_on,
        date("2025-02-07")
    );
    // 60 calendar days: 02-07 + 60 = 04-08 (not 04-09, as when counted from the next day).
    assert_eq!(run.due("decision", "2025-02-08"), date("2025-04-08"));
    // 7 working days from 02-07: 02-08 (a make-up Saturday, 1), 02-10..14 (6), 02-17 (7).
    assert_eq!(run.due("send", "2025-02-08"), date("2025-02-17"));
    // Too late to refuse.
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "refuse",
            "2025-02-10",
            &[("not_accepted_reason", json!("超过申请期限"))]
        ),
        Err(Refusal::WrongState { .. })
    ));
    assert!(
        run.expired_on("2025-02-10").is_empty(),
        "deemed acceptance is taken once"
    );
}

#[test]
fn one_supplement_notice_and_the_review_restarts_on_the_supplements() {
    // 09-27 (1), 09-29 make-up (2), 09-30 (3), [国庆节], 10-08 (4), 10-09 (5).
    let run = registered("2024-09-26", "2024-09-26");
    assert_eq!(run.due("review", "2024-09-26"), date("2024-10-09"));
    let mut run = supplement_requested("2024-09-26", "2024-10-08");
    assert_eq!(run.case.state, "supplementing");
    assert_eq!(run.status("review"), ClockStatus::Stopped);
    run.staff(
        "supplement_notice_served",
        "2024-10-10",
        &[("supplement_served_on", json!("2024-10-10"))],
    );
    // 10 working days from receipt of the notice: 10-11, 10-12 make-up, 10-14..18, 10-21..23.
    assert_eq!(run.due("supplement", "2024-10-10"), date("2024-10-23"));
    run.staff("supplement_received", "2024-10-21", &[]);
    assert_eq!(run.case.state, "received");
    assert_eq!(run.status("supplement"), ClockStatus::Stopped);
    let review = run.case.clock("review").unwrap();
    assert_eq!(
        (review.status, review.started_on),
        (ClockStatus::Running, date("2024-10-21"))
    );
    assert_eq!(run.due("review", "2024-10-21"), date("2024-10-28"));
    match run.try_act(
        Actor::User(&staff()),
        "request_supplement",
        "2024-10-22",
        &[("supplement_items", json!("再补充证据"))],
    ) {
        Err(Refusal::GuardFailed { message, basis }) => {
            assert!(message.contains("一次性"), "{message}");
            assert_eq!(basis, "行政复议法第三十一条");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_supplements_within_10_working_days_of_the_notice_means_abandonment() {
    let mut run = supplement_requested("2024-09-26", "2024-10-08");
    assert!(
        run.expired_on("2024-12-31").is_empty(),
        "the applicant's period runs only once the notice is served"
    );
    run.staff(
        "supplement_notice_served",
        "2024-10-10",
        &[("supplement_served_on", json!("2024-10-10"))],
    );
    assert!(run.expired_on("2024-10-23").is_empty());
    // Supplements posted in time may still arrive: the system waits 5 days (grace_days) and
    // then ends the case as of the day after the last day.
    assert!(run.expired_on("2024-10-28").is_empty());
    assert_eq!(
        run.expired_on("2024-10-29"),
        vec![(
            "supplement".to_string(),
            Expiry::Action("deem_abandoned".into()),
            date("2024-10-24")
        )]
    );
    run.act(Actor::System, "deem_abandoned", "2024-10-24", &[]);
    assert_eq!(run.case.state, "abandoned");
    assert!(run.case.clocks.iter().all(|c| !c.is_open()));
}

#[test]
fn the_supplement_period_is_extended_once_for_good_reason() {
    let mut run = supplement_requested("2024-09-26", "2024-10-08");
    run.staff(
        "supplement_notice_served",
        "2024-10-10",
        &[("supplement_served_on", json!("2024-10-10"))],
    );
    let reason = [("supplement_extension_reason", json!("申请人住院治疗"))];
    run.staff("extend_supplement", "2024-10-22", &reason);
    // 10-23 + 10 working days: 10-24, 10-25, 10-28..31, 11-01, 11-04..06.
    assert_eq!(run.due("supplement", "2024-10-22"), date("2024-11-06"));
    assert!(run.expired_on("2024-10-24").is_empty());
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "extend_supplement",
            "2024-11-01",
            &reason
        ),
        Err(Refusal::ExtensionLimit { at_most: 1, .. })
    ));
}

#[test]
fn the_ordinary_procedure_sends_in_7_gets_an_answer_in_10_and_decides_in_60_days() {
    let mut run = registered("2024-11-27", "2024-11-27");
    // Accepted on 12-02, recorded the next day.
    run.staff(
        "accept",
        "2024-12-03",
        &[("accepted_on", json!("2024-12-02"))],
    );
    assert_eq!(run.status("review"), ClockStatus::Stopped);
    // 12-02 + 60 days = 2025-01-31, in 春节 (01-28..02-04): the last day is 02-05.
    assert_eq!(run.due("decision", "2024-12-03"), date("2025-02-05"));
    assert!(
        run.explanation("decision", "2024-12-03")
            .iter()
            .any(|l| l.contains("春节"))
    );
    // 7 working days: 12-03..06 (4), 12-09..11 (7).
    assert_eq!(run.due("send", "2024-12-03"), date("2024-12-11"));
    run.staff(
        "send_to_respondent",
        "2024-12-05",
        &[("sent_to_respondent_on", json!("2024-12-05"))],
    );
    assert_eq!(run.status("send"), ClockStatus::Stopped);
    let received = [("respondent_received_on", json!("2024-12-06"))];
    assert!(
        matches!(
            run.try_act(
                Actor::User(&staff()),
                "respondent_received_simplified",
                "2024-12-06",
                &received
            ),
            Err(Refusal::GuardFailed { .. })
        ),
        "the 5-day answer period is for the simplified procedure only"
    );
    run.staff("respondent_received", "2024-12-09", &received);
    // 10 working days from the respondent's receipt (Fri 12-06): 12-09..13, 12-16..20.
    assert_eq!(
        run.case.clock("answer").unwrap().started_on,
        date("2024-12-06")
    );
    assert_eq!(run.due("answer", "2024-12-09"), date("2024-12-20"));
    assert!(run.expired_on("2024-12-20").is_empty());
    assert_eq!(
        run.expired_on("2024-12-21"),
        vec![("answer".to_string(), Expiry::Overdue, date("2024-12-21"))]
    );
    run.staff(
        "answer_received",
        "2024-12-18",
        &[("answer_received_on", json!("2024-12-18"))],
    );
    assert_eq!(run.status("answer"), ClockStatus::Stopped);
    assert!(run.expired_on("2024-12-21").is_empty());
}

#[test]
fn a_suspension_pauses_the_decision_period() {
    let mut run = accepted("2024-12-02");
    run.staff(
        "suspend",
        "2024-12-10",
        &[(
            "suspension_reason",
            json!("申请人丧失参加行政复议的行为能力"),
        )],
    );
    assert_eq!(run.case.state, "suspended");
    assert_eq!(run.status("decision"), ClockStatus::Paused);
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "decide",
            "2024-12-15",
            &[
                ("decision_type", json!("uphold")),
                ("decided_on", json!("2024-12-15"))
            ]
        ),
        Err(Refusal::WrongState { .. })
    ));
    run.staff("resume", "2024-12-20", &[]);
    assert_eq!(run.status("decision"), ClockStatus::Running);
    // 2025-01-31 + the 10 days of (12-10, 12-20] = 02-10 (a Monday, after 春节).
    assert_eq!(run.due("decision", "2024-12-20"), date("2025-02-10"));
}

#[test]
fn the_decision_period_is_extended_once_by_30_days_with_the_heads_approval() {
    let mut run = accepted("2024-12-02");
    let extension = [
        ("extension_reason", json!("案情复杂")),
        ("extension_approver", json!("区行政复议机构负责人 孙七")),
        ("extension_approved_on", json!("2025-01-20")),
        ("extension_notice_on", json!("2025-01-21")),
    ];
    let clerk = person(Role::WindowClerk, Some(DEPARTMENT));
    assert!(matches!(
        run.try_act(
            Actor::User(&clerk),
            "extend_decision",
            "2025-01-20",
            &extension
        ),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "extend_decision",
            "2025-01-20",
            &extension[..1]
        ),
        Err(Refusal::MissingField {
            field: "批准人（行政复议机构负责人）".into()
        })
    );
    run.act(
        Actor::User(&person(Role::Leader, None)),
        "extend_decision",
        "2025-01-20",
        &extension,
    );
    // From the original last day 01-31 (春节; it rolled to 02-05), not the rolled one: + 30
    // days = Sun 03-02 → Mon 2025-03-03 (from 02-05 it would be 03-07).
    assert_eq!(run.due("decision", "2025-01-20"), date("2025-03-03"));
    match run.try_act(
        Actor::User(&staff()),
        "extend_decision",
        "2025-02-20",
        &extension,
    ) {
        Err(Refusal::ExtensionLimit { at_most, basis, .. }) => {
            assert_eq!(at_most, 1);
            assert_eq!(basis, "行政复议法第六十二条第一款");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_simplified_procedure_sends_in_3_gets_an_answer_in_5_and_decides_in_30_days() {
    let mut run = registered("2024-09-24", "2024-09-24");
    run.staff(
        "accept_simplified",
        "2024-09-26",
        &[("accepted_on", json!("2024-09-26"))],
    );
    assert!(run.case.clock("decision").is_none());
    assert!(run.case.clock("send").is_none());
    // 09-26 + 30 = 10-26, a Saturday: the last day is Monday 10-28.
    assert_eq!(
        run.due("decision_simplified", "2024-09-26"),
        date("2024-10-28")
    );
    // 3 working days: 09-27, 09-29 (make-up Sunday), 09-30.
    assert_eq!(run.due("send_simplified", "2024-09-26"), date("2024-09-30"));
    run.staff(
        "send_to_respondent",
        "2024-09-30",
        &[("sent_to_respondent_on", json!("2024-09-30"))],
    );
    assert_eq!(run.status("send_simplified"), ClockStatus::Stopped);
    let received = [("respondent_received_on", json!("2024-10-08"))];
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "respondent_received",
            "2024-10-08",
            &received
        ),
        Err(Refusal::GuardFailed { .. })
    ));
    run.staff("respondent_received_simplified", "2024-10-08", &received);
    // 5 working days: 10-09..11, 10-12 (make-up Saturday), 10-14.
    assert_eq!(
        run.due("answer_simplified", "2024-10-08"),
        date("2024-10-14")
    );
    // Art 62 allows no extension of the simplified procedure's 30 days.
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "extend_decision",
            "2024-10-20",
            &[
                ("extension_reason", json!("x")),
                ("extension_approver", json!("y")),
                ("extension_approved_on", json!("2024-10-20")),
                ("extension_notice_on", json!("2024-10-20"))
            ]
        ),
        Err(Refusal::ClockNotRunning { .. })
    ));
}

#[test]
fn a_decision_needs_its_type_and_settlements_end_by_termination() {
    let mut run = accepted("2024-12-02");
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "decide",
            "2025-01-10",
            &[("decided_on", json!("2025-01-10"))]
        ),
        Err(Refusal::MissingField {
            field: "复议结果".into()
        })
    );
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "decide",
            "2025-01-10",
            &[
                ("decision_type", json!("settled")),
                ("decided_on", json!("2025-01-10"))
            ]
        ),
        Err(Refusal::GuardFailed { .. })
    ));
    let mut terminated = accepted("2024-12-02");
    assert!(matches!(
        terminated.try_act(
            Actor::User(&staff()),
            "terminate",
            "2025-01-10",
            &[
                ("decision_type", json!("uphold")),
                ("termination_reason", json!("x")),
                ("terminated_on", json!("2025-01-10"))
            ]
        ),
        Err(Refusal::GuardFailed { .. })
    ));
    terminated.staff(
        "terminate",
        "2025-01-10",
        &[
            ("decision_type", json!("withdrawn")),
            ("termination_reason", json!("申请人撤回申请")),
            ("terminated_on", json!("2025-01-10")),
        ],
    );
    assert_eq!(terminated.case.state, "terminated");

    run.staff(
        "hold_hearing",
        "2025-01-06",
        &[
            ("hearing_on", json!("2025-01-06")),
            ("hearing_notice_on", json!("2024-12-27")),
        ],
    );
    run.staff(
        "decide",
        "2025-01-10",
        &[
            ("decision_type", json!("revoke")),
            ("decided_on", json!("2025-01-10")),
            ("served_on", json!("2025-01-13")),
            ("service_method", json!("post")),
        ],
    );
    assert_eq!(run.case.state, "decided");
    assert!(run.case.clocks.iter().all(|c| !c.is_open()));
    assert_eq!(
        run.case.clock("decision").unwrap().stopped_on,
        Some(date("2025-01-10"))
    );
}

#[test]
fn not_accepting_within_the_review_needs_a_reason() {
    let mut run = registered("2024-09-26", "2024-09-26");
    assert_eq!(
        run.try_act(Actor::User(&staff()), "refuse", "2024-09-27", &[]),
        Err(Refusal::MissingField {
            field: "不予受理理由".into()
        })
    );
    run.staff(
        "refuse",
        "2024-09-27",
        &[("not_accepted_reason", json!("不属于本机关管辖"))],
    );
    assert_eq!(run.case.state, "not_accepted");
    assert!(run.expired_on("2024-12-31").is_empty());
}

#[test]
fn an_application_entered_after_its_review_ran_out_is_accepted_as_of_the_last_day_not_before_its_entry()
 {
    // Received 01-24, registered only on 03-20: the review (due 02-07) had run out.
    let run = registered("2025-03-20", "2025-01-24");
    // The system acts on the day of the case's last step, never before it…
    assert_eq!(
        run.expired_on("2025-03-21"),
        vec![(
            "review".to_string(),
            Expiry::Action("deem_accepted".into()),
            date("2025-03-20")
        )]
    );
    // …and the acceptance is still dated the review's last day.
    let fields = fazhi_core::engine::expiry_fields(
        &run.def,
        &run.case,
        fazhi_core::calendar::Calendar::embedded(),
        "review",
        date("2025-03-21"),
    );
    assert_eq!(fields.get("accepted_on"), Some(&json!("2025-02-07")));
}
