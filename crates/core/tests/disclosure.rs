//! The disclosure-request definition (政府信息公开条例 2019) run by the engine: every clock with
//! real dates of the official calendar.

mod common;
use common::*;

use fazhi_core::calendar::{Calendar, Pause};
use fazhi_core::disclosure::{Channel, fee_fen, receipt_date};
use fazhi_core::engine::{Actor, ClockStatus, Refusal, clock_due};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry};
use serde_json::json;

const TEXT: &str =
    include_str!("../../../procedures/disclosure_request/disclosure_request-2019-05-15.toml");
const DEPARTMENT: &str = "d-gov";

fn definition() -> Definition {
    load("disclosure_request-2019-05-15.toml", TEXT)
}

fn staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(DEPARTMENT))
}

/// A paper request registered on `on`, received (Art 31) on `received_on`.
fn registered(on: &str, received_on: &str) -> Run {
    let mut run = Run::new(definition(), DEPARTMENT);
    run.act(
        Actor::User(&staff()),
        "register",
        on,
        &[
            ("applicant", json!({"kind": "person", "name": "王小明"})),
            ("applicant_kind", json!("natural_person")),
            ("content", json!("2018年本区老旧小区改造项目的资金安排")),
            ("channel", json!("in_person")),
            ("received_on", json!(received_on)),
        ],
    );
    assert_eq!(run.case.state, "received");
    run
}

fn request_supplement(run: &mut Run, on: &str, deadline: &str) {
    run.act(
        Actor::User(&staff()),
        "request_supplement",
        on,
        &[
            (
                "supplement_items",
                json!("请明确所申请信息的项目名称和年份"),
            ),
            ("supplement_deadline", json!(deadline)),
        ],
    );
}

fn consult(run: &mut Run, on: &str) {
    run.act(
        Actor::User(&staff()),
        "start_consultation",
        on,
        &[
            ("consulted_party", json!("某建设有限公司")),
            ("consultation_kind", json!("third_party")),
            ("consultation_served_on", json!(on)),
        ],
    );
}

fn fee_notice(run: &mut Run, on: &str, nth_request: u32) {
    run.act(
        Actor::User(&staff()),
        "fee_notice",
        on,
        &[
            ("fee", json!(fee_fen(nth_request))),
            ("fee_requests", json!(nth_request)),
            ("fee_method", json!("per_request")),
            ("fee_notice_served_on", json!(on)),
        ],
    );
}

#[test]
fn the_definition_loads_with_every_code_of_the_contract() {
    let def = Definition::parse("disclosure_request-2019-05-15.toml", TEXT);
    let def = def.unwrap_or_else(|errors| panic!("{errors:?}"));
    let codes = |field: &str| -> Vec<String> {
        def.field(field)
            .unwrap()
            .values
            .iter()
            .map(|v| v.code.clone())
            .collect()
    };
    assert_eq!(
        codes("reply_type"),
        [
            "disclose",
            "partial",
            "withhold_secret",
            "withhold_prohibited",
            "withhold_security",
            "withhold_third_party",
            "withhold_internal",
            "withhold_process",
            "withhold_enforcement_file",
            "withhold_inquiry",
            "unavailable_not_held",
            "unavailable_needs_creation",
            "unavailable_unclear",
            "not_handled_petition",
            "not_handled_repeat",
            "not_handled_publication",
            "not_handled_excessive",
            "not_handled_confirm",
            "other_no_supplement",
            "other_no_fee",
            "other",
        ]
    );
    assert_eq!(
        codes("channel"),
        ["in_person", "post", "letter", "online", "fax"]
    );
    // The module's channels are the field's codes.
    assert_eq!(
        Channel::ALL.iter().map(|c| c.code()).collect::<Vec<_>>(),
        codes("channel")
    );
    assert_eq!(
        codes("applicant_kind"),
        [
            "natural_person",
            "business",
            "research",
            "public_welfare",
            "legal_service",
            "other_org"
        ]
    );
    assert_eq!(codes("delivery"), ["paper", "electronic", "collect"]);
    let mut terminal: Vec<&str> = def
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.code.as_str())
        .collect();
    terminal.sort_unstable();
    assert_eq!(
        terminal,
        ["abandoned", "fee_lapsed", "replied", "withdrawn"]
    );
    let online = def.action("apply_online").unwrap();
    assert_eq!(online.roles, ["system"]);
    assert_eq!(online.targets(), ["received"]);
    for f in [
        "applicant",
        "received_on",
        "channel",
        "applicant_kind",
        "content",
        "delivery",
    ] {
        assert!(online.needs.contains(&f.to_string()), "{f}");
    }
    for f in ["purpose", "attachments", "contact_email"] {
        assert!(online.may.contains(&f.to_string()), "{f}");
    }
    assert!(def.field("contact_email").unwrap().contact);
    assert!(def.field("applicant").unwrap().personal);
    assert_eq!(def.clocks.len(), 5);
}

#[test]
fn the_reply_period_is_20_working_days_from_receipt_across_national_day() {
    // Registered on paper days later; the period runs from the receipt date.
    let run = registered("2019-09-25", "2019-09-20");
    assert_eq!(
        run.case.clock("reply").unwrap().started_on,
        date("2019-09-20")
    );
    // 09-23..27 (5), 09-29 make-up Sunday (6), 09-30 (7), [10-01..07 国庆节],
    // 10-08..11 (11), 10-12 make-up Saturday (12), 10-14..18 (17), 10-21..23 (20).
    assert_eq!(run.due("reply", "2019-09-25"), date("2019-10-23"));
    let lines = run.explanation("reply", "2019-09-25");
    assert!(lines[0].contains("第三十三条"), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("国庆节")), "{lines:?}");
}

#[test]
fn an_online_request_counts_from_the_art_31_receipt_date() {
    // Confirmed on 国庆节 → received on the next working day.
    let received = receipt_date(
        Channel::Online,
        date("2019-09-30"),
        Some(date("2019-10-01")),
        Calendar::embedded(),
    )
    .unwrap();
    assert_eq!(received, date("2019-10-08"));
    let mut run = Run::new(definition(), DEPARTMENT);
    let online = [
        ("applicant", json!({"kind": "person", "name": "李四"})),
        ("applicant_kind", json!("natural_person")),
        ("content", json!("本区2019年行政事业性收费目录")),
        ("delivery", json!("electronic")),
        ("channel", json!("online")),
        ("received_on", json!(received.to_string())),
        ("contact_email", json!("li@example.cn")),
    ];
    let by_staff = run.try_act(Actor::User(&staff()), "apply_online", "2019-10-08", &online);
    assert!(
        matches!(by_staff, Err(Refusal::RoleNotAllowed { .. })),
        "{by_staff:?}"
    );
    run.act(Actor::System, "apply_online", "2019-10-08", &online);
    assert_eq!(run.case.state, "received");
    // 10-09..11 (3), 10-12 make-up (4), 10-14..18 (9), 10-21..25 (14), 10-28..31 (18), 11-01 (19), 11-04 (20).
    assert_eq!(run.due("reply", "2019-10-08"), date("2019-11-04"));
    // 10-09..11 (3), 10-12 make-up (4), 10-14..16 (7).
    assert_eq!(
        run.due("supplement_window", "2019-10-08"),
        date("2019-10-16")
    );
}

#[test]
fn a_supplement_must_be_asked_for_within_7_working_days() {
    // In time: on the last day, from `handling`.
    let mut run = registered("2019-09-26", "2019-09-26");
    // 09-27 (1), 09-29 make-up (2), 09-30 (3), [国庆节], 10-08..11 (7).
    assert_eq!(
        run.due("supplement_window", "2019-09-26"),
        date("2019-10-11")
    );
    run.act(Actor::User(&staff()), "start_handling", "2019-09-27", &[]);
    request_supplement(&mut run, "2019-10-11", "2019-10-25");
    assert_eq!(run.case.state, "supplementing");
    assert_eq!(run.status("supplement_window"), ClockStatus::Stopped);

    // Too late: the window runs out, the system closes it, and the request is refused.
    let mut late = registered("2019-09-26", "2019-09-26");
    assert!(
        late.expired_on("2019-10-11").is_empty(),
        "not on the last day"
    );
    assert_eq!(
        late.expired_on("2019-10-12"),
        vec![(
            "supplement_window".to_string(),
            Expiry::Action("close_supplement_window".into()),
            date("2019-10-12")
        )]
    );
    late.act(Actor::System, "close_supplement_window", "2019-10-12", &[]);
    assert_eq!(late.case.state, "handling");
    assert_eq!(late.status("supplement_window"), ClockStatus::Stopped);
    assert!(
        late.expired_on("2019-10-14").is_empty(),
        "the expiry action stops its own clock, so it is not taken twice"
    );
    let refused = late.try_act(
        Actor::User(&staff()),
        "request_supplement",
        "2019-10-14",
        &[
            ("supplement_items", json!("x")),
            ("supplement_deadline", json!("2019-10-30")),
        ],
    );
    match refused {
        Err(Refusal::GuardFailed { message, basis }) => {
            assert!(message.contains("7个工作日"), "{message}");
            assert_eq!(basis, "政府信息公开条例第三十条");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_supplemented_request_entered_late_counts_from_its_receipt() {
    let mut run = registered("2019-05-20", "2019-05-20");
    request_supplement(&mut run, "2019-05-22", "2019-06-05");
    // Recorded on 06-05, received on 06-03: the 20 working days run from 06-03 (Art 30).
    run.act(
        Actor::User(&staff()),
        "supplement_received",
        "2019-06-05",
        &[("supplement_received_on", json!("2019-06-03"))],
    );
    assert_eq!(
        run.case.clock("reply").unwrap().started_on,
        date("2019-06-03")
    );
    assert_eq!(run.due("reply", "2019-06-05"), date("2019-07-02"));
}

#[test]
fn the_reply_period_restarts_on_receipt_of_the_supplemented_request() {
    let mut run = registered("2019-05-20", "2019-05-20");
    request_supplement(&mut run, "2019-05-22", "2019-06-05");
    assert_eq!(run.status("reply"), ClockStatus::Stopped);
    assert_eq!(run.due("supplement", "2019-05-22"), date("2019-06-05"));
    run.act(
        Actor::User(&staff()),
        "supplement_received",
        "2019-06-03",
        &[],
    );
    assert_eq!(run.case.state, "handling");
    assert_eq!(run.status("supplement"), ClockStatus::Stopped);
    let reply = run.case.clock("reply").unwrap();
    assert_eq!(
        (reply.status, reply.started_on),
        (ClockStatus::Running, date("2019-06-03"))
    );
    // 06-04..06 (3), [06-07 端午节], 06-10..14 (8), 06-17..21 (13), 06-24..28 (18), 07-01, 07-02 (20).
    assert_eq!(run.due("reply", "2019-06-03"), date("2019-07-02"));
    assert!(
        run.explanation("reply", "2019-06-03")
            .iter()
            .any(|l| l.contains("端午节"))
    );
    // One notice only.
    let again = run.try_act(
        Actor::User(&staff()),
        "request_supplement",
        "2019-06-04",
        &[
            ("supplement_items", json!("x")),
            ("supplement_deadline", json!("2019-06-20")),
        ],
    );
    assert!(
        matches!(&again, Err(Refusal::GuardFailed { message, .. }) if message.contains("一次性")),
        "{again:?}"
    );
    // 补正后仍不明确 is a reply only after a 补正.
    run.act(
        Actor::User(&staff()),
        "reply",
        "2019-06-10",
        &[
            ("reply_type", json!("unavailable_unclear")),
            ("reply_on", json!("2019-06-10")),
        ],
    );
    assert_eq!(run.case.state, "replied");
}

#[test]
fn no_supplement_by_the_deadline_set_is_deemed_abandoned() {
    let mut run = registered("2019-05-27", "2019-05-27");
    // The deadline set falls on 端午节 (Fri 06-07): it ends on Mon 06-10.
    request_supplement(&mut run, "2019-05-29", "2019-06-07");
    assert_eq!(run.due("supplement", "2019-05-29"), date("2019-06-10"));
    assert!(run.expired_on("2019-06-10").is_empty());
    assert_eq!(
        run.expired_on("2019-06-11"),
        vec![(
            "supplement".to_string(),
            Expiry::Action("deem_abandoned".into()),
            date("2019-06-11")
        )]
    );
    let by_staff = run.try_act(Actor::User(&staff()), "deem_abandoned", "2019-06-11", &[]);
    assert!(
        matches!(by_staff, Err(Refusal::RoleNotAllowed { .. })),
        "{by_staff:?}"
    );
    run.act(Actor::System, "deem_abandoned", "2019-06-11", &[]);
    assert_eq!(run.case.state, "abandoned");
    assert!(
        run.case
            .clocks
            .iter()
            .all(|c| c.status == ClockStatus::Stopped)
    );

    // With good reason the agency sets a new deadline; the old one no longer expires.
    let mut more = registered("2019-05-27", "2019-05-27");
    request_supplement(&mut more, "2019-05-29", "2019-06-07");
    more.act(
        Actor::User(&staff()),
        "extend_supplement_deadline",
        "2019-06-05",
        &[
            ("supplement_deadline", json!("2019-06-20")),
            (
                "supplement_extension_reason",
                json!("申请人出差，书面说明理由"),
            ),
        ],
    );
    assert_eq!(more.due("supplement", "2019-06-05"), date("2019-06-20"));
    assert!(more.expired_on("2019-06-11").is_empty());
}

#[test]
fn consulting_a_third_party_pauses_the_reply_by_exactly_the_consultation_working_days() {
    let mut run = registered("2019-09-02", "2019-09-02");
    // 09-03..06 (4), 09-09..12 (8), [09-13 中秋节], 09-16..20 (13), 09-23..27 (18), 09-29 make-up (19), 09-30 (20).
    assert_eq!(run.due("reply", "2019-09-02"), date("2019-09-30"));
    consult(&mut run, "2019-09-05");
    assert_eq!(run.case.state, "consulting");
    assert_eq!(run.status("reply"), ClockStatus::Paused);
    // The consulted party has 15 working days of its own: 09-06 … 09-27.
    assert_eq!(run.due("consultation", "2019-09-05"), date("2019-09-27"));
    run.act(
        Actor::User(&staff()),
        "consultation_replied",
        "2019-09-12",
        &[("consultation_opinion", json!("不同意公开"))],
    );
    assert_eq!(run.case.state, "handling");
    assert_eq!(run.status("reply"), ClockStatus::Running);
    assert_eq!(run.status("consultation"), ClockStatus::Stopped);
    // Paused (09-05, 09-12]: 09-06, 09-09, 09-10, 09-11, 09-12 = 5 working days; 09-30 + 5 working
    // days = 10-08..11, 10-12 (make-up Saturday).
    let due = clock_due(
        run.def.clock("reply").unwrap(),
        run.case.clock("reply").unwrap(),
        Calendar::embedded(),
        date("2019-09-12"),
    )
    .unwrap();
    assert_eq!(due.date, date("2019-10-12"));
    assert_eq!(
        due.explanation.paused,
        vec![(
            Pause {
                from: date("2019-09-05"),
                to: date("2019-09-12")
            },
            5
        )]
    );
}

#[test]
fn a_consultation_without_answer_ends_with_its_15_working_days() {
    let mut run = registered("2019-09-02", "2019-09-02");
    consult(&mut run, "2019-09-05");
    assert!(
        run.expired_on("2019-09-27").is_empty(),
        "the paused reply clock does not expire either"
    );
    assert_eq!(
        run.expired_on("2019-09-28"),
        vec![(
            "consultation".to_string(),
            Expiry::Action("consultation_lapsed".into()),
            date("2019-09-28")
        )]
    );
    run.act(Actor::System, "consultation_lapsed", "2019-09-28", &[]);
    assert_eq!(run.case.state, "handling");
    assert_eq!(run.status("reply"), ClockStatus::Running);
    assert_eq!(run.status("consultation"), ClockStatus::Stopped);
    // Paused (09-05, 09-28]: 15 working days; 09-30 + 15 = 10-08..12 (5), 10-14..18 (10), 10-21..25 (15).
    assert_eq!(run.due("reply", "2019-09-28"), date("2019-10-25"));
}

#[test]
fn one_extension_of_20_working_days_approved_by_the_head_of_the_office() {
    let mut run = registered("2019-09-20", "2019-09-20");
    assert_eq!(run.due("reply", "2019-09-20"), date("2019-10-23"));
    let extension = [
        ("extension_reason", json!("信息量大，需调取档案")),
        ("extension_approver", json!("区政府办公室主任 赵六")),
        ("extension_approved_on", json!("2019-10-15")),
        ("extension_notice_on", json!("2019-10-15")),
    ];
    let clerk = person(Role::WindowClerk, Some(DEPARTMENT));
    assert!(matches!(
        run.try_act(
            Actor::User(&clerk),
            "extend_reply",
            "2019-10-15",
            &extension
        ),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "extend_reply",
            "2019-10-15",
            &extension[..1]
        ),
        Err(Refusal::MissingField {
            field: "批准人（政府信息公开工作机构负责人）".into()
        })
    );
    // The applicant is told (Art 33 para 2): without the notice there is no extension.
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "extend_reply",
            "2019-10-15",
            &extension[..3]
        ),
        Err(Refusal::MissingField {
            field: "告知申请人延期日期".into()
        })
    );
    let leader = person(Role::Leader, None);
    run.act(
        Actor::User(&leader),
        "extend_reply",
        "2019-10-15",
        &extension,
    );
    assert_eq!(run.case.state, "handling");
    // 10-23 + 20 working days: 10-24..25, 10-28..31, 11-01, 11-04..08, 11-11..15, 11-18..20.
    assert_eq!(run.due("reply", "2019-10-15"), date("2019-11-20"));
    match run.try_act(
        Actor::User(&staff()),
        "extend_reply",
        "2019-11-01",
        &extension,
    ) {
        Err(Refusal::ExtensionLimit { at_most, basis, .. }) => {
            assert_eq!(at_most, 1);
            assert_eq!(basis, "政府信息公开条例第三十三条第二款");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_fee_notice_pauses_the_reply_until_payment() {
    let mut run = registered("2024-09-23", "2024-09-23");
    // 2024 国庆节: 09-29 (Sun) and 10-12 (Sat) are make-up days, 10-01..07 off.
    assert_eq!(run.due("reply", "2024-09-23"), date("2024-10-24"));
    // The applicant's 15th request this month: 100 yuan (国办函〔2020〕109号).
    fee_notice(&mut run, "2024-09-27", 15);
    assert_eq!(run.case.state, "awaiting_fee");
    assert_eq!(run.case.fields["fee"], json!(10_000), "fen");
    assert_eq!(run.case.fields["fee_requests"], json!(15));
    assert_eq!(run.status("reply"), ClockStatus::Paused);
    // 20 working days to pay: 09-29, 09-30, 10-08..12, 10-14..18, 10-21..25, 10-28..30.
    assert_eq!(run.due("fee_payment", "2024-09-27"), date("2024-10-30"));
    assert!(
        run.try_act(
            Actor::User(&staff()),
            "reply",
            "2024-10-08",
            &[
                ("reply_type", json!("disclose")),
                ("reply_on", json!("2024-10-08"))
            ]
        )
        .is_err(),
        "no reply before payment"
    );
    run.act(
        Actor::User(&staff()),
        "fee_paid",
        "2024-10-10",
        &[("fee_paid_on", json!("2024-10-10"))],
    );
    assert_eq!(run.case.state, "handling");
    assert_eq!(run.status("fee_payment"), ClockStatus::Stopped);
    // Paused (09-27, 10-10]: 09-29, 09-30, 10-08, 10-09, 10-10 = 5 working days.
    assert_eq!(run.due("reply", "2024-10-10"), date("2024-10-31"));
}

#[test]
fn an_unpaid_fee_ends_the_request() {
    let mut run = registered("2024-09-23", "2024-09-23");
    fee_notice(&mut run, "2024-09-27", 31);
    assert_eq!(
        run.case.fields["fee"],
        json!(20_000),
        "the 31st request: 200 yuan"
    );
    assert!(run.expired_on("2024-10-30").is_empty());
    assert_eq!(
        run.expired_on("2024-10-31"),
        vec![(
            "fee_payment".to_string(),
            Expiry::Action("lapse_fee".into()),
            date("2024-10-31")
        )]
    );
    run.act(Actor::System, "lapse_fee", "2024-10-31", &[]);
    assert_eq!(run.case.state, "fee_lapsed");
    assert_eq!(run.status("reply"), ClockStatus::Stopped);
    assert_eq!(
        run.case.clock("reply").unwrap().pauses.last().unwrap().to,
        date("2024-10-31")
    );
}

#[test]
fn a_reply_needs_its_type_and_date_and_the_right_person() {
    let mut run = registered("2019-09-02", "2019-09-02");
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "reply",
            "2019-09-10",
            &[("reply_on", json!("2019-09-10"))]
        ),
        Err(Refusal::MissingField {
            field: "答复类型".into()
        })
    );
    assert_eq!(
        run.try_act(
            Actor::User(&staff()),
            "reply",
            "2019-09-10",
            &[("reply_type", json!("disclose"))]
        ),
        Err(Refusal::MissingField {
            field: "答复日期".into()
        })
    );
    let reply = [
        ("reply_type", json!("unavailable_unclear")),
        ("reply_on", json!("2019-09-10")),
    ];
    match run.try_act(Actor::User(&staff()), "reply", "2019-09-10", &reply) {
        Err(Refusal::GuardFailed { basis, .. }) => {
            assert_eq!(basis, "政府信息公开条例第三十条")
        }
        other => panic!("no 补正 was asked for: {other:?}"),
    }
    let applicant = person(Role::PublicApplicant, None);
    let other_department = person(Role::DepartmentStaff, Some("d-other"));
    let good = [
        ("reply_type", json!("partial")),
        ("reply_on", json!("2019-09-10")),
    ];
    assert!(matches!(
        run.try_act(Actor::User(&applicant), "reply", "2019-09-10", &good),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    assert!(matches!(
        run.try_act(Actor::User(&other_department), "reply", "2019-09-10", &good),
        Err(Refusal::DepartmentNotAllowed { .. })
    ));
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "reply",
            "2019-09-10",
            &[
                ("reply_type", json!("refused")),
                ("reply_on", json!("2019-09-10"))
            ]
        ),
        Err(Refusal::InvalidField { .. })
    ));
    run.act(Actor::User(&staff()), "reply", "2019-09-10", &good);
    assert_eq!(run.case.state, "replied");
    let clock = run.case.clock("reply").unwrap();
    assert_eq!(
        (clock.status, clock.stopped_on),
        (ClockStatus::Stopped, Some(date("2019-09-10")))
    );
    assert!(run.expired_on("2019-12-31").is_empty());
}

#[test]
fn a_withdrawal_ends_the_request_and_all_its_clocks() {
    let mut run = registered("2019-09-02", "2019-09-02");
    consult(&mut run, "2019-09-05");
    run.act(
        Actor::User(&staff()),
        "withdraw",
        "2019-09-09",
        &[("withdrawal_reason", json!("申请人书面撤回"))],
    );
    assert_eq!(run.case.state, "withdrawn");
    assert!(
        run.case
            .clocks
            .iter()
            .all(|c| c.status == ClockStatus::Stopped),
        "{:?}",
        run.case.clocks
    );
    assert!(run.expired_on("2019-12-31").is_empty());
}
