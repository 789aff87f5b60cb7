//! 信访事项 (procedures/petition/petition-2022-05-01.toml): every time limit of the 信访工作条例 2022,
//! counted on real dates of the embedded calendar.

use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, ClockStatus, Refusal, clock_due, expired};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry, FieldType};
use serde_json::{Value, json};

mod common;
use common::*;

const PETITION: &str = include_str!("../../../procedures/petition/petition-2022-05-01.toml");
const DEPT: &str = "d-housing";

fn definition() -> Definition {
    load("petition-2022-05-01.toml", PETITION)
}

fn staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(DEPT))
}

fn petitioner() -> Value {
    json!({"kind": "person", "name": "王秀英", "id_number": "11010519491231002X", "phone": "13800000000"})
}

fn content(kind: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("applicant", petitioner()),
        ("petition_type", json!(kind)),
        ("subject", json!("房屋征收补偿")),
        ("content", json!("请求按评估价补偿")),
    ]
}

/// A petition received directly, by letter, on `received_on`.
fn registered(kind: &str, received_on: &str) -> Run {
    let mut run = Run::new(definition(), DEPT);
    let mut f = content(kind);
    f.push(("channel", json!("letter")));
    f.push(("received_on", json!(received_on)));
    run.act(Actor::User(&staff()), "register", received_on, &f);
    run
}

/// A petition transferred to this body by the district petition bureau.
fn transferred_in(received_on: &str) -> Run {
    let mut run = Run::new(definition(), DEPT);
    let mut f = content("claim");
    f.push(("received_on", json!(received_on)));
    f.push(("referred_by", json!("旅顺口区信访局")));
    run.act(Actor::User(&staff()), "receive_transfer", received_on, &f);
    run
}

/// A claim accepted on `accepted_on`.
fn accepted(accepted_on: &str) -> Run {
    let mut run = registered("claim", accepted_on);
    run.act(
        Actor::User(&staff()),
        "accept_claim",
        accepted_on,
        &[("accepted_on", json!(accepted_on))],
    );
    run
}

fn status(run: &Run, clock: &str) -> ClockStatus {
    run.case.clock(clock).unwrap().status
}

fn expired_on(run: &Run, today: &str) -> Vec<(String, Expiry, chrono::NaiveDate)> {
    expired(&run.def, &run.case, Calendar::embedded(), date(today))
}

fn guard_message(result: Result<(), Refusal>) -> (String, String) {
    match result {
        Err(Refusal::GuardFailed { message, basis }) => (message, basis),
        other => panic!("expected a guard refusal, got {other:?}"),
    }
}

#[test]
fn the_definition_loads_and_offers_the_contracts_online_application() {
    let def = definition();
    assert_eq!(
        format!("{}-{}", def.code, def.version),
        "petition-2022-05-01"
    );
    let terminal: Vec<&str> = def
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.code.as_str())
        .collect();
    for code in [
        "transferred",
        "assignment_reported",
        "redirected",
        "not_accepted",
        "returned",
        "legal_route",
        "replied",
        "concluded",
        "resolved",
    ] {
        assert!(terminal.contains(&code), "{code} is terminal: {terminal:?}");
    }
    assert_eq!(terminal.len(), 9);

    let online = def.action("apply_online").unwrap();
    assert_eq!(online.from, vec!["new"]);
    assert_eq!(online.targets(), ["received"]);
    assert_eq!(online.roles, vec!["system"]);
    for f in [
        "applicant",
        "received_on",
        "channel",
        "petition_type",
        "subject",
        "content",
    ] {
        assert!(
            online.needs.iter().any(|n| n == f),
            "apply_online needs {f}"
        );
    }
    assert!(online.accepts("attachments") && online.accepts("contact_email"));
    assert_eq!(def.field("applicant").unwrap().kind, FieldType::Party);
    assert!(def.field("applicant").unwrap().personal);
    assert!(def.field("contact_email").unwrap().contact);
    let codes = |f: &str| -> Vec<String> {
        def.field(f)
            .unwrap()
            .values
            .iter()
            .map(|v| v.code.clone())
            .collect()
    };
    assert_eq!(
        codes("petition_type"),
        ["suggestion", "accusation", "claim"]
    );
    assert_eq!(codes("opinion_type"), ["support", "explain", "not_support"]);
    assert_eq!(
        codes("assigned_level"),
        ["central", "province", "city", "district"]
    );
    assert_eq!(def.field("assigned_year").unwrap().kind, FieldType::Integer);
    assert_eq!(def.field("resolved").unwrap().kind, FieldType::Boolean);
    assert_eq!(def.field("resolved_on").unwrap().kind, FieldType::Date);
}

#[test]
fn routing_within_15_days_ending_on_the_dragon_boat_festival_moves_on() {
    let run = registered("claim", "2022-05-19");
    assert_eq!(run.case.state, "received");
    // 05-19 + 15 days = 06-03 (端午节, 06-03..06-05 off) → Mon 06-06.
    assert_eq!(run.due("routing", "2022-05-19"), date("2022-06-06"));
    let due = clock_due(
        run.def.clock("routing").unwrap(),
        run.case.clock("routing").unwrap(),
        Calendar::embedded(),
        date("2022-05-19"),
    )
    .unwrap();
    assert_eq!(due.explanation.rolled_from, Some(date("2022-06-03")));
    assert!(
        due.explanation.lines.iter().any(|l| l.contains("端午节")),
        "{:?}",
        due.explanation.lines
    );
    assert!(due.explanation.lines[0].contains("信访工作条例第二十二条"));
}

#[test]
fn an_online_petition_counts_from_the_portals_receipt_date_and_only_the_system_files_it() {
    let mut run = Run::new(definition(), DEPT);
    let mut f = content("suggestion");
    f.push(("channel", json!("online")));
    f.push(("received_on", json!("2024-09-30")));
    f.push(("contact_email", json!("wang@example.cn")));
    let by_person = run.try_act(Actor::User(&staff()), "apply_online", "2024-10-08", &f);
    assert!(
        matches!(by_person, Err(Refusal::RoleNotAllowed { .. })),
        "{by_person:?}"
    );
    let no_content: Vec<_> = f.iter().filter(|(k, _)| *k != "content").cloned().collect();
    assert_eq!(
        run.try_act(Actor::System, "apply_online", "2024-10-08", &no_content),
        Err(Refusal::MissingField {
            field: "信访请求、事实和理由".into()
        })
    );
    run.act(Actor::System, "apply_online", "2024-10-08", &f);
    assert_eq!(run.case.state, "received");
    assert_eq!(
        run.case.clock("routing").unwrap().started_on,
        date("2024-09-30")
    );
    // 09-30 + 15 = 10-15 (Tue, a working day).
    assert_eq!(run.due("routing", "2024-10-08"), date("2024-10-15"));
}

#[test]
fn the_5_working_day_objection_spans_national_day_and_lapses_at_expiry() {
    let mut run = transferred_in("2022-09-29");
    assert_eq!(run.case.state, "referred_in");
    // Working days after Thu 09-29: 09-30, [10-01..10-07 国庆节], 10-08 (Sat, make-up),
    // 10-09 (Sun, make-up), 10-10, 10-11.
    assert_eq!(run.due("objection", "2022-09-29"), date("2022-10-11"));
    // The notice period is calendar days: 09-29 + 15 = 10-14 (Fri).
    assert_eq!(run.due("notice", "2022-09-29"), date("2022-10-14"));
    let objection = |run: &Run, on: &str| {
        run.try_act(
            Actor::User(&staff()),
            "object",
            on,
            &[
                ("objection_reason", json!("属市自然资源局职权")),
                ("objected_on", json!(on)),
            ],
        )
    };
    assert!(objection(&run, "2022-10-11").is_ok(), "on the last day");

    assert!(expired_on(&run, "2022-10-11").is_empty());
    assert_eq!(
        expired_on(&run, "2022-10-12"),
        vec![(
            "objection".to_string(),
            Expiry::Action("objection_lapsed".into()),
            date("2022-10-12")
        )]
    );
    run.act(Actor::System, "objection_lapsed", "2022-10-12", &[]);
    assert_eq!(run.case.state, "referred_in");
    assert_eq!(status(&run, "objection"), ClockStatus::Stopped);
    assert_eq!(status(&run, "notice"), ClockStatus::Running);
    let (message, basis) = guard_message(objection(&run, "2022-10-12"));
    // Judged by the day it was raised: after the fifth working day.
    assert!(
        message
            .contains("“提出异议日期”（2022-10-12）不得晚于“提出异议期限”的最后一日（2022-10-11）"),
        "{message}"
    );
    assert_eq!(basis, "信访工作条例第二十三条第三款");
    // The body must now accept it and tell the petitioner, within the notice period.
    run.act(
        Actor::User(&staff()),
        "accept_claim",
        "2022-10-13",
        &[("accepted_on", json!("2022-10-13"))],
    );
    assert_eq!(status(&run, "notice"), ClockStatus::Stopped);
    assert_eq!(
        run.case.clock("notice").unwrap().stopped_on,
        Some(date("2022-10-13"))
    );
}

#[test]
fn an_objection_is_upheld_or_rejected_by_the_referring_body() {
    let object = |run: &mut Run| {
        run.act(
            Actor::User(&staff()),
            "object",
            "2023-06-01",
            &[
                ("objection_reason", json!("不属本局职权")),
                ("objected_on", json!("2023-06-01")),
            ],
        )
    };
    let mut upheld = transferred_in("2023-05-30");
    object(&mut upheld);
    assert_eq!(status(&upheld, "objection"), ClockStatus::Stopped);
    upheld.act(
        Actor::User(&staff()),
        "objection_upheld",
        "2023-06-05",
        &[("objection_decision_on", json!("2023-06-05"))],
    );
    assert_eq!(upheld.case.state, "returned");
    assert_eq!(status(&upheld, "notice"), ClockStatus::Stopped);

    let mut rejected = transferred_in("2023-05-30");
    object(&mut rejected);
    rejected.act(
        Actor::User(&staff()),
        "objection_rejected",
        "2023-06-05",
        &[("objection_decision_on", json!("2023-06-05"))],
    );
    assert_eq!(rejected.case.state, "referred_in");
    // The notice period kept running: 05-30 + 15 = 06-14.
    assert_eq!(status(&rejected, "notice"), ClockStatus::Running);
    assert_eq!(rejected.due("notice", "2023-06-05"), date("2023-06-14"));
    // No second objection.
    assert!(matches!(
        rejected.try_act(
            Actor::User(&staff()),
            "object",
            "2023-06-06",
            &[
                ("objection_reason", json!("x")),
                ("objected_on", json!("2023-06-06"))
            ]
        ),
        Err(Refusal::GuardFailed { .. })
    ));
}

#[test]
fn sixty_days_plus_thirty_once_with_the_heads_approval() {
    let mut run = accepted("2023-03-01");
    // 03-01 + 60 = 04-30 (Sun, 劳动节 04-29..05-03) → Thu 05-04.
    assert_eq!(run.due("handling", "2023-03-01"), date("2023-05-04"));
    let extension = [
        (
            "extension_reason",
            json!("需会同住建部门现场核查，已告知信访人"),
        ),
        ("extension_approver", json!("李局长")),
        ("extended_on", json!("2023-04-25")),
    ];
    let clerk = person(Role::WindowClerk, Some(DEPT));
    assert!(matches!(
        run.try_act(
            Actor::User(&clerk),
            "extend_handling",
            "2023-04-25",
            &extension
        ),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "extend_handling",
            "2023-04-25",
            &extension[..1]
        ),
        Err(Refusal::MissingField {
            field: "批准延期的负责人".into()
        })
    );
    let leader = person(Role::Leader, None);
    run.act(
        Actor::User(&leader),
        "extend_handling",
        "2023-04-25",
        &extension,
    );
    assert_eq!(run.case.state, "accepted");
    // From the original last day 04-30 (劳动节; it rolled to 05-04): + 30 = Tue 2023-05-30
    // (from the rolled day: 06-03 → 06-05, 97 days).
    assert_eq!(run.due("handling", "2023-04-25"), date("2023-05-30"));
    match run.try_act(
        Actor::User(&staff()),
        "extend_handling",
        "2023-05-30",
        &extension,
    ) {
        Err(Refusal::ExtensionLimit { at_most, basis, .. }) => {
            assert_eq!(at_most, 1);
            assert_eq!(basis, "信访工作条例第三十四条");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn opinion_review_and_re_examination_with_a_hearing_not_counted() {
    let mut run = accepted("2023-03-01");
    let s = staff();
    run.act(
        Actor::User(&s),
        "issue_opinion",
        "2023-04-20",
        &[
            ("opinion_type", json!("not_support")),
            ("opinion_on", json!("2023-04-20")),
            ("opinion_summary", json!("请求缺乏事实根据")),
        ],
    );
    assert_eq!(
        status(&run, "handling"),
        ClockStatus::Running,
        "not served yet"
    );
    run.act(
        Actor::User(&s),
        "serve_opinion",
        "2023-04-25",
        &[("served_on", json!("2023-04-24"))],
    );
    assert_eq!(status(&run, "handling"), ClockStatus::Stopped);
    // 复查 asked within 30 days of receiving the reply: 04-24 + 30 = 05-24 (Wed).
    assert_eq!(run.due("review_request", "2023-04-25"), date("2023-05-24"));

    let leader = person(Role::Leader, None);
    run.act(
        Actor::User(&leader),
        "request_review",
        "2023-05-10",
        &[
            ("review_requested_on", json!("2023-05-10")),
            ("review_body", json!("旅顺口区人民政府")),
        ],
    );
    assert_eq!(status(&run, "review_request"), ClockStatus::Stopped);
    // Answered within 30 days of receiving the request: 05-10 + 30 = 06-09 (Fri).
    assert_eq!(run.due("review", "2023-05-10"), date("2023-06-09"));
    run.act(
        Actor::User(&leader),
        "decide_review",
        "2023-06-05",
        &[
            ("review_result", json!("uphold")),
            ("review_served_on", json!("2023-06-07")),
        ],
    );
    assert_eq!(status(&run, "review"), ClockStatus::Stopped);
    // 复核 asked within 30 days of receiving the review: 06-07 + 30 = 07-07 (Fri).
    assert_eq!(run.due("recheck_request", "2023-06-07"), date("2023-07-07"));
    run.act(
        Actor::User(&s),
        "request_recheck",
        "2023-07-03",
        &[("recheck_requested_on", json!("2023-07-03"))],
    );
    // 07-03 + 30 = 08-02 (Wed).
    assert_eq!(run.due("recheck", "2023-07-03"), date("2023-08-02"));
    run.act(Actor::User(&s), "start_hearing", "2023-07-10", &[]);
    assert_eq!(status(&run, "recheck"), ClockStatus::Paused);
    assert_eq!(
        run.due("recheck", "2023-07-12"),
        date("2023-08-04"),
        "while paused, computed as if it resumed today: 2 days not counted so far"
    );
    run.act(
        Actor::User(&s),
        "end_hearing",
        "2023-07-17",
        &[("hearing_held", json!(true))],
    );
    // Hearing 07-10 → 07-17: exactly 7 days not counted. 08-02 + 7 = 08-09 (Wed).
    assert_eq!(status(&run, "recheck"), ClockStatus::Running);
    assert_eq!(run.due("recheck", "2023-07-17"), date("2023-08-09"));
    assert!(expired_on(&run, "2023-08-09").is_empty());
    assert_eq!(
        expired_on(&run, "2023-08-10"),
        vec![("recheck".to_string(), Expiry::Overdue, date("2023-08-10"))]
    );
    run.act(
        Actor::User(&leader),
        "decide_recheck",
        "2023-08-08",
        &[
            ("recheck_result", json!("uphold")),
            ("recheck_decided_on", json!("2023-08-08")),
        ],
    );
    assert_eq!(run.case.state, "concluded");
    assert!(
        run.case
            .clocks
            .iter()
            .all(|c| c.status == ClockStatus::Stopped)
    );
    assert!(run.def.is_terminal(&run.case.state));
}

#[test]
fn without_a_request_in_30_days_the_system_concludes_the_case() {
    let mut run = accepted("2024-01-02");
    let s = staff();
    run.act(
        Actor::User(&s),
        "issue_opinion",
        "2024-01-15",
        &[
            ("opinion_type", json!("support")),
            ("opinion_on", json!("2024-01-15")),
            ("opinion_summary", json!("予以支持")),
        ],
    );
    run.act(
        Actor::User(&s),
        "serve_opinion",
        "2024-01-16",
        &[("served_on", json!("2024-01-16"))],
    );
    // 01-16 + 30 = 02-15 (春节, 02-10..02-17 off) → Sun 02-18, a make-up working day.
    assert_eq!(run.due("review_request", "2024-01-16"), date("2024-02-18"));
    assert!(expired_on(&run, "2024-02-18").is_empty());
    assert_eq!(
        expired_on(&run, "2024-02-19"),
        vec![(
            "review_request".to_string(),
            Expiry::Action("conclude_unreviewed".into()),
            date("2024-02-19")
        )]
    );
    assert!(matches!(
        run.try_act(Actor::User(&s), "conclude_unreviewed", "2024-02-19", &[]),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.act(Actor::System, "conclude_unreviewed", "2024-02-19", &[]);
    assert_eq!(run.case.state, "concluded");
    let late = run.try_act(
        Actor::User(&s),
        "request_review",
        "2024-02-20",
        &[("review_requested_on", json!("2024-02-20"))],
    );
    assert!(matches!(late, Err(Refusal::WrongState { .. })), "{late:?}");

    // The same after a review: no 复核 requested in time.
    let mut reviewed = accepted("2024-01-02");
    for (action, f) in [
        (
            "issue_opinion",
            vec![
                ("opinion_type", json!("explain")),
                ("opinion_on", json!("2024-01-15")),
                ("opinion_summary", json!("解释说明")),
            ],
        ),
        ("serve_opinion", vec![("served_on", json!("2024-01-16"))]),
        (
            "request_review",
            vec![("review_requested_on", json!("2024-01-20"))],
        ),
        (
            "decide_review",
            vec![
                ("review_result", json!("uphold")),
                ("review_served_on", json!("2024-02-05")),
            ],
        ),
    ] {
        reviewed.act(Actor::User(&s), action, "2024-02-05", &f);
    }
    // 02-05 + 30 = 03-06 (Wed).
    assert_eq!(
        reviewed.due("recheck_request", "2024-02-05"),
        date("2024-03-06")
    );
    assert_eq!(
        expired_on(&reviewed, "2024-03-07"),
        vec![(
            "recheck_request".to_string(),
            Expiry::Action("conclude_unrechecked".into()),
            date("2024-03-07")
        )]
    );
    reviewed.act(Actor::System, "conclude_unrechecked", "2024-03-07", &[]);
    assert_eq!(reviewed.case.state, "concluded");
}

#[test]
fn a_province_assigned_case_is_counted_and_can_be_marked_resolved() {
    let mut run = Run::new(definition(), DEPT);
    let mut f = content("claim");
    f.extend([
        ("received_on", json!("2022-06-06")),
        ("assigned_by", json!("辽宁省信访局")),
        ("assigned_level", json!("province")),
        ("assigned_year", json!("2022")),
        ("report_due", json!("2022-08-31")),
    ]);
    let without_level: Vec<_> = f
        .iter()
        .filter(|(k, _)| *k != "assigned_level")
        .cloned()
        .collect();
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "receive_assignment",
            "2022-06-06",
            &without_level
        ),
        Err(Refusal::MissingField {
            field: "交办机关层级".into()
        })
    );
    let mut county = f.clone();
    county.retain(|(k, _)| *k != "assigned_level");
    county.push(("assigned_level", json!("county")));
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "receive_assignment",
            "2022-06-06",
            &county
        ),
        Err(Refusal::InvalidField { .. })
    ));
    run.act(
        Actor::User(&staff()),
        "receive_assignment",
        "2022-06-06",
        &f,
    );
    assert_eq!(run.case.fields["assigned_year"], json!(2022));
    assert_eq!(run.case.fields["assigned_level"], json!("province"));
    assert_eq!(
        run.due("report_to_assigner", "2022-06-06"),
        date("2022-08-31")
    );
    // 5 working days after Mon 06-06: 06-07 .. 06-10, 06-13.
    assert_eq!(run.due("objection", "2022-06-06"), date("2022-06-13"));
    run.act(
        Actor::User(&staff()),
        "accept_claim",
        "2022-06-08",
        &[("accepted_on", json!("2022-06-08"))],
    );
    let not_ticked = run.try_act(
        Actor::User(&staff()),
        "mark_resolved",
        "2022-07-20",
        &[
            ("resolved", json!(false)),
            ("resolved_on", json!("2022-07-20")),
            ("resolution_note", json!("签订息访协议")),
        ],
    );
    let (message, _) = guard_message(not_ticked);
    assert!(message.contains("已化解"), "{message}");
    run.act(
        Actor::User(&staff()),
        "mark_resolved",
        "2022-07-20",
        &[
            ("resolved", json!(true)),
            ("resolved_on", json!("2022-07-20")),
            ("resolution_note", json!("签订息访协议")),
        ],
    );
    assert_eq!(run.case.state, "resolved");
    assert_eq!(run.case.fields["resolved"], json!(true));
    assert_eq!(run.case.fields["resolved_on"], json!("2022-07-20"));
    for clock in ["handling", "report_to_assigner"] {
        assert_eq!(status(&run, clock), ClockStatus::Stopped, "{clock}");
    }
}

#[test]
fn types_decide_the_route_and_legal_matters_leave_the_petition_system() {
    let s = staff();
    // A suggestion is not a claim: no 60-day clock, no written opinion, a reply.
    let mut suggestion = registered("suggestion", "2023-11-01");
    let (message, basis) = guard_message(suggestion.try_act(
        Actor::User(&s),
        "accept_claim",
        "2023-11-02",
        &[("accepted_on", json!("2023-11-02"))],
    ));
    assert!(message.contains("申诉求决"), "{message}");
    assert_eq!(basis, "信访工作条例第三十一条、第三十四条");
    suggestion.act(
        Actor::User(&s),
        "accept_other",
        "2023-11-02",
        &[("accepted_on", json!("2023-11-02"))],
    );
    assert!(suggestion.case.clock("handling").is_none());
    assert!(matches!(
        suggestion.try_act(
            Actor::User(&s),
            "issue_opinion",
            "2023-11-10",
            &[
                ("opinion_type", json!("support")),
                ("opinion_on", json!("2023-11-10")),
                ("opinion_summary", json!("x")),
            ],
        ),
        Err(Refusal::GuardFailed { .. })
    ));
    let resolved_without_date = suggestion.try_act(
        Actor::User(&s),
        "reply",
        "2023-11-10",
        &[
            ("reply_summary", json!("建议已采纳")),
            ("replied_on", json!("2023-11-10")),
            ("resolved", json!(true)),
        ],
    );
    assert!(matches!(
        resolved_without_date,
        Err(Refusal::GuardFailed { .. })
    ));
    suggestion.act(
        Actor::User(&s),
        "reply",
        "2023-11-10",
        &[
            ("reply_summary", json!("建议已采纳")),
            ("replied_on", json!("2023-11-10")),
        ],
    );
    assert_eq!(suggestion.case.state, "replied");

    // 诉访分离: a claim that belongs in court ends in its own terminal state.
    let mut claim = accepted("2023-11-01");
    claim.act(
        Actor::User(&s),
        "guide_legal_route",
        "2023-11-06",
        &[
            ("legal_route", json!("litigation")),
            ("guided_on", json!("2023-11-06")),
        ],
    );
    assert_eq!(claim.case.state, "legal_route");
    assert_eq!(status(&claim, "handling"), ClockStatus::Stopped);
    assert_eq!(
        claim.case.clock("handling").unwrap().stopped_on,
        Some(date("2023-11-06"))
    );

    // A group petition needs its number of petitioners.
    let mut group = Run::new(definition(), DEPT);
    let mut f = content("claim");
    f.extend([
        ("channel", json!("visit")),
        ("received_on", json!("2023-11-01")),
        ("is_group", json!(true)),
    ]);
    let (message, _) = guard_message(group.try_act(Actor::User(&s), "register", "2023-11-01", &f));
    assert!(message.contains("人数"), "{message}");
    f.push(("group_size", json!("12")));
    group.act(Actor::User(&s), "register", "2023-11-01", &f);
    assert_eq!(group.case.fields["group_size"], json!(12));
}

#[test]
fn routing_onwards_transfer_or_assignment_with_a_report_due() {
    let s = staff();
    let mut transfer = registered("accusation", "2023-02-01");
    transfer.act(
        Actor::User(&s),
        "transfer",
        "2023-02-03",
        &[
            ("routed_to", json!("区纪委监委")),
            ("routed_on", json!("2023-02-03")),
        ],
    );
    assert_eq!(transfer.case.state, "transferred");
    assert_eq!(
        transfer.case.clock("routing").unwrap().stopped_on,
        Some(date("2023-02-03"))
    );

    let mut assigned = registered("claim", "2023-02-01");
    assigned.act(
        Actor::User(&s),
        "assign_out",
        "2023-02-03",
        &[
            ("routed_to", json!("水师营街道办事处")),
            ("routed_on", json!("2023-02-03")),
            ("report_due", json!("2023-04-05")),
        ],
    );
    assert_eq!(assigned.case.state, "assigned_out");
    // A due date given by the assigning body on 清明节 (04-05) moves to Thu 04-06.
    assert_eq!(
        assigned.due("assignee_report", "2023-02-03"),
        date("2023-04-06")
    );
    assigned.act(
        Actor::User(&s),
        "receive_report",
        "2023-04-03",
        &[
            ("report_received_on", json!("2023-04-03")),
            ("report_summary", json!("已答复信访人")),
        ],
    );
    assert_eq!(assigned.case.state, "assignment_reported");
    assert_eq!(status(&assigned, "assignee_report"), ClockStatus::Stopped);
}
