//! The procedure engine on a procedure defined only in a data file.

use fazhi_core::authz::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{
    Actor, ClockStatus, Command, DeadlineStatus, Refusal, apply_expiry, clock_due, decide, expired,
};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry};
use serde_json::json;
use std::collections::BTreeMap;

const SAMPLE: &str = include_str!("../../../demo/sample-permit.toml");

fn definition() -> Definition {
    Definition::parse("sample-permit.toml", SAMPLE).unwrap_or_else(|e| panic!("{e:?}"))
}

mod common;
use common::*;

fn new_run() -> Run {
    Run::new(definition(), "d-market")
}

trait Register {
    fn register(&mut self, clerk: &Principal, on: &str);
}

impl Register for Run {
    fn register(&mut self, clerk: &Principal, on: &str) {
        self.act(
            Actor::User(clerk),
            "register",
            on,
            &[
                ("applicant", json!({"kind": "organisation", "name": "旅顺某燃气有限公司", "credit_code": "91350100M000100Y43"})),
                ("matter", json!("燃气经营许可")),
                ("received_on", json!(on)),
                ("channel", json!("window")),
            ],
        );
    }
}

#[test]
fn the_sample_definition_loads() {
    let def = definition();
    assert_eq!(def.states.len(), 7);
    assert_eq!(def.actions.len(), 15);
    assert_eq!(def.clocks.len(), 3);
}

#[test]
fn the_acceptance_clock_counts_working_days_across_national_day() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-09-26");
    assert_eq!(run.case.state, "received");
    // 09-27 Fri, 09-29 Sun (make-up day), 09-30, [10-01..07 National Day], 10-08, 10-09.
    assert_eq!(run.due("acceptance", "2019-09-26"), date("2019-10-09"));
    let explanation = clock_due(
        run.def.clock("acceptance").unwrap(),
        run.case.clock("acceptance").unwrap(),
        Calendar::embedded(),
        date("2019-09-26"),
    )
    .unwrap()
    .explanation;
    assert!(
        explanation.lines.iter().any(|l| l.contains("国庆节")),
        "{:?}",
        explanation.lines
    );
    assert!(explanation.lines[0].contains("行政许可法第三十二条"));
}

#[test]
fn deemed_acceptance_at_expiry() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-09-26");
    let cal = Calendar::embedded();
    assert!(
        expired(&run.def, &run.case, cal, date("2019-10-09")).is_empty(),
        "not on the last day"
    );
    let due = expired(&run.def, &run.case, cal, date("2019-10-11"));
    assert_eq!(
        due,
        vec![(
            "acceptance".to_string(),
            Expiry::Action("deem_accepted".into()),
            date("2019-10-10")
        )]
    );
    // The system takes the action, effective the day after the last day.
    run.act(Actor::System, "deem_accepted", "2019-10-10", &[]);
    assert_eq!(run.case.state, "accepted");
    assert_eq!(
        run.case.clock("acceptance").unwrap().status,
        ClockStatus::Stopped
    );
    assert_eq!(
        run.case.clock("decision").unwrap().started_on,
        date("2019-10-10")
    );
    // Taking it again is refused: the case moved on (idempotence).
    let again = run.try_act(Actor::System, "deem_accepted", "2019-10-10", &[]);
    assert!(
        matches!(again, Err(Refusal::WrongState { .. })),
        "{again:?}"
    );
}

#[test]
fn only_the_system_takes_timed_actions_and_people_cannot() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-09-26");
    let refused = run.try_act(Actor::User(&clerk), "deem_accepted", "2019-09-27", &[]);
    assert!(
        matches!(refused, Err(Refusal::RoleNotAllowed { .. })),
        "{refused:?}"
    );
    let system = run.try_act(Actor::System, "accept", "2019-09-27", &[]);
    assert!(
        matches!(system, Err(Refusal::RoleNotAllowed { .. })),
        "{system:?}"
    );
}

#[test]
fn supplements_restart_the_acceptance_period() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(
        Actor::User(&clerk),
        "request_supplement",
        "2019-03-04",
        &[
            ("supplement_items", json!("营业执照复印件")),
            ("supplement_deadline", json!("2019-03-15")),
        ],
    );
    assert_eq!(
        run.case.clock("acceptance").unwrap().status,
        ClockStatus::Stopped
    );
    assert_eq!(run.due("supplement", "2019-03-04"), date("2019-03-15"));
    run.act(
        Actor::User(&clerk),
        "supplement_received",
        "2019-03-12",
        &[],
    );
    let acceptance = run.case.clock("acceptance").unwrap();
    assert_eq!(
        (acceptance.status, acceptance.started_on),
        (ClockStatus::Running, date("2019-03-12"))
    );
    assert_eq!(
        run.due("acceptance", "2019-03-12"),
        date("2019-03-19"),
        "5 working days from the supplement"
    );
    assert_eq!(
        run.case.clock("supplement").unwrap().status,
        ClockStatus::Stopped
    );
}

#[test]
fn a_late_supplement_request_is_refused_by_its_guard() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    // The acceptance period is over (its clock no longer runs), though the case is still open.
    let mut other = new_run();
    other.register(&clerk, "2019-03-01");
    other
        .case
        .clocks
        .iter_mut()
        .for_each(|c| c.status = ClockStatus::Stopped);
    let refused = other.try_act(
        Actor::User(&clerk),
        "request_supplement",
        "2019-03-20",
        &[
            ("supplement_items", json!("x")),
            ("supplement_deadline", json!("2019-03-30")),
        ],
    );
    match refused {
        Err(Refusal::GuardFailed { message, basis }) => {
            assert!(message.contains("5 个工作日"));
            assert_eq!(basis, "行政许可法第三十二条");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn expert_review_pauses_the_decision_clock_by_exactly_its_working_days() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let staff = person(Role::DepartmentStaff, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    let before = run.due("decision", "2019-03-04");
    assert_eq!(before, date("2019-04-01"));
    run.act(
        Actor::User(&staff),
        "start_expert_review",
        "2019-03-08",
        &[],
    );
    assert_eq!(
        run.case.clock("decision").unwrap().status,
        ClockStatus::Paused
    );
    run.act(
        Actor::User(&staff),
        "finish_expert_review",
        "2019-03-15",
        &[],
    );
    // Paused from Fri 03-08 to Fri 03-15: 5 working days (03-11..03-15) not counted.
    assert_eq!(
        run.due("decision", "2019-03-15"),
        date("2019-04-09"),
        "04-05 清明 is skipped too"
    );
}

#[test]
fn one_extension_and_no_more() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let staff = person(Role::DepartmentStaff, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    run.act(
        Actor::User(&staff),
        "extend",
        "2019-03-20",
        &[("reason", json!("需现场核查"))],
    );
    assert_eq!(
        run.due("decision", "2019-03-20"),
        date("2019-04-16"),
        "04-01 + 10 working days, 04-05 skipped"
    );
    let second = run.try_act(
        Actor::User(&staff),
        "extend",
        "2019-03-25",
        &[("reason", json!("再延"))],
    );
    match second {
        Err(Refusal::ExtensionLimit { at_most, basis, .. }) => {
            assert_eq!(at_most, 1);
            assert_eq!(basis, "行政许可法第四十二条");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_denial_needs_a_passed_legal_review_and_the_last_review_counts() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let staff = person(Role::DepartmentStaff, Some("d-market"));
    let reviewer = person(Role::LegalReviewer, Some("d-justice"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    let no_review = run.try_act(
        Actor::User(&staff),
        "decide",
        "2019-03-10",
        &[("decision", json!("deny"))],
    );
    assert!(
        matches!(&no_review, Err(Refusal::GuardFailed { message, .. }) if message.contains("法制审核")),
        "{no_review:?}"
    );
    // A grant needs no review.
    assert!(
        run.try_act(
            Actor::User(&staff),
            "decide",
            "2019-03-10",
            &[("decision", json!("grant"))]
        )
        .is_ok()
    );
    // The reviewer works for the justice bureau: region scope lets them act on this department's case.
    run.act(
        Actor::User(&reviewer),
        "legal_review_fail",
        "2019-03-11",
        &[("reason", json!("证据不足"))],
    );
    assert!(
        run.try_act(
            Actor::User(&staff),
            "decide",
            "2019-03-12",
            &[("decision", json!("deny"))]
        )
        .is_err()
    );
    run.act(
        Actor::User(&reviewer),
        "legal_review_pass",
        "2019-03-13",
        &[],
    );
    run.act(
        Actor::User(&staff),
        "decide",
        "2019-03-14",
        &[("decision", json!("deny"))],
    );
    assert_eq!(run.case.state, "decided");
    assert_eq!(
        run.case.clock("decision").unwrap().status,
        ClockStatus::Stopped
    );
}

#[test]
fn refusals_for_state_role_department_fields_and_staleness() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let other_clerk = person(Role::WindowClerk, Some("d-other"));
    let officer = person(Role::EnforcementOfficer, Some("d-market"));
    let mut run = new_run();
    // A case that does not exist yet has only its starting actions.
    assert!(matches!(
        run.try_act(Actor::User(&clerk), "accept", "2019-03-01", &[]),
        Err(Refusal::UnknownAction { .. })
    ));
    assert!(matches!(
        run.try_act(Actor::User(&officer), "register", "2019-03-01", &[]),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    assert!(matches!(
        run.try_act(Actor::User(&other_clerk), "register", "2019-03-01", &[]),
        Err(Refusal::DepartmentNotAllowed { .. })
    ));
    let missing = run.try_act(
        Actor::User(&clerk),
        "register",
        "2019-03-01",
        &[("matter", json!("x"))],
    );
    assert_eq!(
        missing,
        Err(Refusal::MissingField {
            field: "申请人".into()
        })
    );
    let bad_code = run.try_act(
        Actor::User(&clerk),
        "register",
        "2019-03-01",
        &[
            (
                "applicant",
                json!({"kind": "organisation", "name": "x", "credit_code": "91350100M000100Y44"}),
            ),
            ("matter", json!("x")),
            ("received_on", json!("2019-03-01")),
        ],
    );
    assert!(
        matches!(&bad_code, Err(Refusal::InvalidField { field, reason }) if field == "申请人" && reason.contains("校验位")),
        "{bad_code:?}"
    );
    let bad_enum = run.try_act(
        Actor::User(&clerk),
        "register",
        "2019-03-01",
        &[
            ("applicant", json!("张三")),
            ("matter", json!("x")),
            ("received_on", json!("2019-03-01")),
            ("channel", json!("fax")),
        ],
    );
    assert!(
        matches!(&bad_enum, Err(Refusal::InvalidField { reason, .. }) if reason.contains("窗口")),
        "{bad_enum:?}"
    );
    let not_accepted = run.try_act(
        Actor::User(&clerk),
        "register",
        "2019-03-01",
        &[("decision", json!("grant"))],
    );
    assert!(matches!(
        not_accepted,
        Err(Refusal::FieldNotAccepted { .. })
    ));

    run.register(&clerk, "2019-03-01");
    let stale = decide(
        &run.def,
        &run.case,
        Actor::User(&clerk),
        &Command {
            action: "accept".into(),
            expected_version: 0,
            fields: BTreeMap::new(),
            on: date("2019-03-02"),
        },
    );
    assert_eq!(
        stale,
        Err(Refusal::Stale {
            expected: 0,
            actual: 1
        })
    );
    assert_eq!(stale.unwrap_err().code(), "conflict");
}

#[test]
fn money_is_kept_in_fen() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(
        Actor::User(&clerk),
        "accept",
        "2019-03-04",
        &[("fee", json!("1,234.5"))],
    );
    assert_eq!(run.case.fields["fee"], json!(123450));
    let mut again = new_run();
    again.register(&clerk, "2019-03-01");
    assert!(
        again
            .try_act(
                Actor::User(&clerk),
                "accept",
                "2019-03-04",
                &[("fee", json!("12.345"))]
            )
            .is_err()
    );
}

#[test]
fn deadline_status_turns_yellow_then_red() {
    let due = date("2019-04-01");
    assert_eq!(
        DeadlineStatus::of(due, date("2019-03-20"), 5),
        DeadlineStatus::Normal
    );
    assert_eq!(
        DeadlineStatus::of(due, date("2019-03-27"), 5),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        DeadlineStatus::of(due, date("2019-04-01"), 5),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        DeadlineStatus::of(due, date("2019-04-02"), 5),
        DeadlineStatus::Overdue
    );
}

#[test]
fn expiry_is_recorded_once() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    let cal = Calendar::embedded();
    let late = expired(&run.def, &run.case, cal, date("2019-04-10"));
    assert_eq!(
        late,
        vec![("decision".to_string(), Expiry::Overdue, date("2019-04-02"))]
    );
    apply_expiry(&mut run.case, "decision");
    assert!(expired(&run.def, &run.case, cal, date("2019-04-10")).is_empty());
}

fn errors_of(text: &str) -> Vec<String> {
    Definition::parse("broken.toml", text)
        .expect_err("the definition must be refused")
        .into_iter()
        .map(|e| e.to_string())
        .collect()
}

fn sample_with(from: &str, to: &str) -> String {
    assert!(SAMPLE.contains(from), "fixture text not found: {from}");
    SAMPLE.replacen(from, to, 1)
}

#[test]
fn definition_mistakes_are_named_with_file_and_place() {
    let unknown_state = errors_of(&sample_with(
        "to = \"supplementing\"",
        "to = \"supplmenting\"",
    ));
    assert!(
        unknown_state.iter().any(|e| e.starts_with(
            "broken.toml: actions[1] (request_supplement).to: unknown state “supplmenting”"
        )),
        "{unknown_state:?}"
    );

    let unreachable = errors_of(&sample_with("to = \"withdrawn\"", "to = \"rejected\""));
    assert!(
        unreachable
            .iter()
            .any(|e| e.contains("states.withdrawn: unreachable")),
        "{unreachable:?}"
    );

    let no_role = errors_of(&sample_with(
        "roles = [\"system\"]\n\n[[actions]]\ncode = \"accept\"",
        "roles = []\n\n[[actions]]\ncode = \"accept\"",
    ));
    assert!(
        no_role
            .iter()
            .any(|e| e.contains("(deem_withdrawn).roles: no role may take this action")),
        "{no_role:?}"
    );

    let bad_role = errors_of(&sample_with(
        "roles = [\"legal_reviewer\"]",
        "roles = [\"lawyer\"]",
    ));
    assert!(
        bad_role.iter().any(|e| e.contains("unknown role “lawyer”")),
        "{bad_role:?}"
    );

    let clock_action = errors_of(&sample_with(
        "pauses = [\"start_expert_review\"]",
        "pauses = [\"start_review\"]",
    ));
    assert!(
        clock_action
            .iter()
            .any(|e| e.contains("clocks[2] (decision).pauses: unknown action “start_review”")),
        "{clock_action:?}"
    );

    let guard_field = errors_of(&sample_with(
        "when = { field = \"decision\"",
        "when = { field = \"decison\"",
    ));
    assert!(
        guard_field
            .iter()
            .any(|e| e.contains("guards[0].when") && e.contains("unknown field “decison”")),
        "{guard_field:?}"
    );

    let bad_length = errors_of(&sample_with("length = \"5wd\"", "length = \"5 weeks\""));
    assert!(
        bad_length
            .iter()
            .any(|e| e.contains("clocks[0] (acceptance).length")),
        "{bad_length:?}"
    );

    let expiry_by_person = errors_of(&sample_with(
        "on_expiry = { action = \"deem_withdrawn\" }",
        "on_expiry = { action = \"accept\" }",
    ));
    assert!(
        expiry_by_person
            .iter()
            .any(|e| e.contains("must include \"system\"")),
        "{expiry_by_person:?}"
    );

    let syntax = errors_of(&sample_with("[states.decided]", "[states.decided"));
    assert!(syntax[0].starts_with("broken.toml: line "), "{syntax:?}");

    let unknown_key = errors_of(&sample_with(
        "basis = \"行政许可法第四十五条\"",
        "bassis = \"x\"",
    ));
    assert!(unknown_key[0].contains("bassis"), "{unknown_key:?}");
}

#[test]
fn a_decision_is_published_masked_and_withdrawn_when_revoked() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let staff = person(Role::DepartmentStaff, Some("d-market"));
    let mut run = new_run();
    run.act(
        Actor::User(&clerk),
        "register",
        "2019-03-01",
        &[
            (
                "applicant",
                json!({"kind": "person", "name": "张三丰", "id_number": "11010519491231002X"}),
            ),
            ("matter", json!("燃气经营许可")),
            ("received_on", json!("2019-03-01")),
            ("contact_email", json!("zhang@example.cn")),
        ],
    );
    assert!(
        fazhi_core::engine::published(&run.def, &run.case).is_empty(),
        "nothing before the decision"
    );
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    run.act(
        Actor::User(&staff),
        "decide",
        "2019-03-10",
        &[("decision", json!("grant"))],
    );
    let public = fazhi_core::engine::published(&run.def, &run.case);
    assert_eq!(public.len(), 1);
    assert_eq!(
        public[0].fields,
        vec![
            ("申请人".to_string(), "张**".to_string()),
            ("申请事项".to_string(), "燃气经营许可".to_string()),
            ("决定".to_string(), "准予许可".to_string()),
        ],
        "a person's name masked, the ID number and the e-mail (personal) not shown"
    );

    // Withdrawal: the same definition with an action that withdraws the publication.
    let text = SAMPLE.replace(
        "basis = \"行政许可法第四十条\"",
        "basis = \"行政许可法第四十条\"\nwithdrawn_by = [\"legal_review_fail\"]",
    );
    let def = Definition::parse("withdrawal.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    let mut case = run.case.clone();
    assert_eq!(fazhi_core::engine::published(&def, &case).len(), 1);
    case.taken.push("legal_review_fail".into());
    assert!(
        fazhi_core::engine::published(&def, &case).is_empty(),
        "withdrawn"
    );
    case.taken.push("decide".into());
    assert_eq!(
        fazhi_core::engine::published(&def, &case).len(),
        1,
        "published again after a new decision"
    );
}

#[test]
fn publication_mistakes_are_named() {
    let bad = errors_of(&sample_with("after = \"decide\"", "after = \"decided\""));
    assert!(
        bad.iter()
            .any(|e| e.contains("publications[0] (decision).after: unknown action “decided”")),
        "{bad:?}"
    );
    let bad_field = errors_of(&sample_with(
        "fields = [\"applicant\", \"matter\"",
        "fields = [\"applicant\", \"mater\"",
    ));
    assert!(
        bad_field
            .iter()
            .any(|e| e.contains("unknown field “mater”")),
        "{bad_field:?}"
    );
    let contact = errors_of(&sample_with(
        "type = \"text\"\nzh = \"申请人电子邮箱\"",
        "type = \"date\"\nzh = \"申请人电子邮箱\"",
    ));
    assert!(
        contact
            .iter()
            .any(|e| e.contains("`contact` marks a text field")),
        "{contact:?}"
    );
}

#[test]
fn case_numbers_follow_the_template_and_bad_templates_are_named() {
    let def = definition();
    assert_eq!(
        def.case_number(2019, 7).as_deref(),
        Some("示许〔2019〕007号")
    );
    assert_eq!(
        def.case_number(2020, 1234).as_deref(),
        Some("示许〔2020〕1234号")
    );
    for (template, fragment) in [
        ("许〔{year}〕号", "exactly once"),
        ("许〔{year}〕{seq}{seq}号", "exactly once"),
        ("许〔{yr}〕{seq}号", "unknown placeholder {yr}"),
        ("许〔{year}〕{seq:0}号", "unknown placeholder {seq:0}"),
        ("许〔{year}〕{seq号", "unclosed"),
    ] {
        let text = SAMPLE.replace("示许〔{year}〕{seq:3}号", template);
        let errors = errors_of(&text);
        assert!(
            errors
                .iter()
                .any(|e| e.contains("procedure.number") && e.contains(fragment)),
            "{template}: {errors:?}"
        );
    }
}

#[test]
fn a_case_knows_when_it_was_opened_and_concluded() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    assert_eq!(run.case.opened_on(), Some(date("2019-03-01")));
    assert_eq!(run.case.concluded_on(&run.def), None);
    run.act(
        Actor::User(&clerk),
        "request_supplement",
        "2019-03-04",
        &[
            ("supplement_items", json!("营业执照副本")),
            ("supplement_deadline", json!("2019-03-20")),
        ],
    );
    run.act(Actor::System, "deem_withdrawn", "2019-03-21", &[]);
    assert_eq!(run.case.concluded_on(&run.def), Some(date("2019-03-21")));
    assert_eq!(run.case.taken_on.len(), run.case.taken.len());
}

#[test]
fn a_list_of_enum_takes_only_its_values() {
    let text = include_str!("../../../procedures/litigation/litigation-2015-05-01.toml");
    let def = load("litigation.toml", text);
    let field = def.field("judgment_grounds").unwrap();
    let ok = fazhi_core::engine::normalise(
        field.kind,
        field.of,
        &field.values,
        &json!(["illegal_procedure", "wrong_law"]),
    )
    .unwrap();
    assert_eq!(ok, Some(json!(["illegal_procedure", "wrong_law"])));
    let refused = fazhi_core::engine::normalise(
        field.kind,
        field.of,
        &field.values,
        &json!(["illegal_procedure", "bribery"]),
    )
    .unwrap_err();
    assert!(
        refused.contains("bribery") && refused.contains("违反法定程序"),
        "{refused}"
    );
    // A list of enum without values is a definition error.
    let broken = text.replacen("of = \"enum\"\nvalues = [", "of = \"enum\"\nvaluez = [", 1);
    assert!(Definition::parse("x.toml", &broken).is_err());
}

#[test]
fn a_hand_over_moves_the_case_to_the_named_department() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    run.act(
        Actor::User(&clerk),
        "hand_over",
        "2019-03-04",
        &[("competent_department", json!("d-health"))],
    );
    assert_eq!(run.case.department.as_deref(), Some("d-health"));
    // The window clerk's part is done: the case now belongs to the other department.
    let refused = run.try_act(
        Actor::User(&clerk),
        "hand_over",
        "2019-03-05",
        &[("competent_department", json!("d-market"))],
    );
    assert!(
        matches!(refused, Err(Refusal::DepartmentNotAllowed { .. })),
        "{refused:?}"
    );
    // A hand-over must name a department field the action needs.
    let broken = SAMPLE.replace(
        "transfers_to = \"competent_department\"",
        "transfers_to = \"matter\"",
    );
    let errors = errors_of(&broken);
    assert!(
        errors.iter().any(|e| e.contains("transfers_to")),
        "{errors:?}"
    );
}

#[test]
fn records_after_the_end_keep_the_case_ended_and_its_conclusion_date() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(Actor::User(&clerk), "accept", "2019-03-04", &[]);
    let staff = person(Role::DepartmentStaff, Some("d-market"));
    run.act(
        Actor::User(&staff),
        "decide",
        "2019-03-15",
        &[("decision", json!("grant"))],
    );
    assert_eq!(run.case.concluded_on(&run.def), Some(date("2019-03-15")));
    run.act(
        Actor::User(&clerk),
        "record_service",
        "2019-03-20",
        &[("served_on", json!("2019-03-20"))],
    );
    assert_eq!(run.case.state, "decided");
    assert_eq!(run.case.concluded_on(&run.def), Some(date("2019-03-15")));
    assert!(
        run.case
            .clocks
            .iter()
            .all(|c| c.status == ClockStatus::Stopped)
    );
    // Nothing may leave a terminal state for another.
    let broken = SAMPLE.replace(
        "from = [\"decided\"]\nto = \"decided\"",
        "from = [\"decided\"]\nto = \"accepted\"",
    );
    let errors = errors_of(&broken);
    assert!(
        errors.iter().any(|e| e.contains("terminal state")),
        "{errors:?}"
    );
}

#[test]
fn a_restart_counts_from_the_date_the_action_gives() {
    let clerk = person(Role::WindowClerk, Some("d-market"));
    let mut run = new_run();
    run.register(&clerk, "2019-03-01");
    run.act(
        Actor::User(&clerk),
        "request_supplement",
        "2019-03-04",
        &[
            ("supplement_items", json!("营业执照复印件")),
            ("supplement_deadline", json!("2019-03-15")),
        ],
    );
    // Entered on the 14th, the supplements arrived on the 8th: the period runs from the 8th.
    run.act(
        Actor::User(&clerk),
        "supplement_received",
        "2019-03-14",
        &[("supplements_received_on", json!("2019-03-08"))],
    );
    let acceptance = run.case.clock("acceptance").unwrap();
    assert_eq!(acceptance.started_on, date("2019-03-08"));
    assert_eq!(run.due("acceptance", "2019-03-14"), date("2019-03-15"));
    // A restart field must be a date field.
    let broken = SAMPLE.replace(
        "restart_field = \"supplements_received_on\"",
        "restart_field = \"matter\"",
    );
    let errors = errors_of(&broken);
    assert!(
        errors.iter().any(|e| e.contains("restart_field")),
        "{errors:?}"
    );
}
