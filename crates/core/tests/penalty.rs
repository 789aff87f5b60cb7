//! The administrative-penalty definition (行政处罚法 2021, 一般程序) run by the engine with real
//! dates of the official calendar, and officers' certificates that are cases of the certificate
//! definition read as the store reads them (`Certificate::of_case`). Art 85: 二日、三日、五日、
//! 七日 are working days; the 15- and 90-day periods are calendar days.

mod common;
use common::*;

use fazhi_core::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{
    Actor, Certificate, ClockStatus, Command, DeadlineStatus, Refusal, apply, clock_due,
    decide_with, expired, published,
};
use fazhi_core::org::Role;
use fazhi_core::penalty::surcharge_fen;
use fazhi_core::procedure::{Definition, Expiry};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TEXT: &str = include_str!(
    "../../../procedures/administrative_penalty/administrative_penalty-2021-07-15.toml"
);
const CERTIFICATES: &str = include_str!(
    "../../../procedures/enforcement_certificate/enforcement_certificate-2021-07-15.toml"
);
const DEPARTMENT: &str = "d-market";

fn definition() -> Definition {
    load("administrative_penalty-2021-07-15.toml", TEXT)
}

fn officer() -> Principal {
    person(Role::EnforcementOfficer, Some(DEPARTMENT))
}

fn reviewer() -> Principal {
    person(Role::LegalReviewer, Some("d-justice"))
}

fn justice() -> Principal {
    person(Role::JusticeStaff, Some("d-justice"))
}

type Facts = BTreeMap<String, Certificate>;

// ----- certificates, as cases of their own definition -----

/// A certificate already issued, entered by the justice bureau on 2021-07-20.
fn issued(number: &str, holder: &str, scopes: &[&str], until: &str) -> Run {
    let mut run = Run::new(
        load("enforcement_certificate-2021-07-15.toml", CERTIFICATES),
        DEPARTMENT,
    );
    run.act(
        Actor::User(&justice()),
        "register_issued",
        "2021-07-20",
        &[
            ("holder", json!({"kind": "person", "name": holder})),
            ("certificate_number", json!(number)),
            ("scopes", json!(scopes)),
            ("valid_from", json!("2021-07-20")),
            ("valid_until", json!(until)),
        ],
    );
    assert_eq!(run.case.state, "valid");
    run
}

/// What the store would look up: each certificate case read by the engine's own reader.
fn facts_of(certificates: &[&Run]) -> Facts {
    certificates
        .iter()
        .map(|run| {
            let number = run.case.fields["certificate_number"].as_str().unwrap();
            let definition = Definition::parse("certificates", CERTIFICATES).unwrap();
            (
                number.to_string(),
                Certificate::of_case(&definition, &run.case, number),
            )
        })
        .collect()
}

struct Officers {
    zhang: Run,
    li: Run,
    wang: Run,
    zhao: Run,
    qian: Run,
}

/// 张 (market), 李 (market and urban, valid only to Friday 2021-10-29), 王 (urban only),
/// 赵 (market, suspended), 钱 (applied for, never issued).
fn officers() -> Officers {
    let mut zhao = issued("21020004", "赵执法", &["market"], "2023-12-29");
    zhao.act(
        Actor::User(&justice()),
        "suspend",
        "2021-08-02",
        &[("suspend_reason", json!("涉嫌违规执法，暂扣执法证"))],
    );
    assert_eq!(zhao.case.state, "suspended");
    let mut qian = Run::new(
        load("enforcement_certificate-2021-07-15.toml", CERTIFICATES),
        DEPARTMENT,
    );
    qian.act(
        Actor::User(&person(Role::DepartmentStaff, Some(DEPARTMENT))),
        "apply",
        "2021-08-02",
        &[
            ("holder", json!({"kind": "person", "name": "钱执法"})),
            ("certificate_number", json!("21020005")),
            ("staff_category", json!("civil_servant")),
        ],
    );
    Officers {
        zhang: issued("21020001", "张执法", &["market"], "2023-12-29"),
        li: issued("21020002", "李执法", &["market", "urban"], "2021-10-29"),
        wang: issued("21020003", "王执法", &["urban"], "2023-12-29"),
        zhao,
        qian,
    }
}

impl Officers {
    fn facts(&self) -> Facts {
        facts_of(&[&self.zhang, &self.li, &self.wang, &self.zhao, &self.qian])
    }
}

// ----- a penalty case -----

fn try_with(
    run: &Run,
    who: &Principal,
    action: &str,
    on: &str,
    f: &[(&str, Value)],
    facts: &Facts,
) -> Result<fazhi_core::engine::Step, Refusal> {
    let command = Command {
        action: action.into(),
        expected_version: run.case.version,
        fields: fields(f),
        on: date(on),
    };
    decide_with(&run.def, &run.case, Actor::User(who), &command, facts)
}

fn act_with(
    run: &mut Run,
    who: &Principal,
    action: &str,
    on: &str,
    f: &[(&str, Value)],
    facts: &Facts,
) -> Result<(), Refusal> {
    let step = try_with(run, who, action, on, f, facts)?;
    apply(&run.def, &mut run.case, &step);
    Ok(())
}

fn person_party() -> Value {
    json!({"kind": "person", "name": "张三丰", "id_number": "11010519491231002X", "phone": "13812345678"})
}

/// Registered (立案) on `on` by an officer of the market department.
fn registered(on: &str, extra: &[(&str, Value)]) -> Run {
    let mut run = Run::new(definition(), DEPARTMENT);
    let mut f = vec![
        ("field_area", json!("market")),
        ("item", json!("对销售不符合食品安全标准的食品的行政处罚")),
        ("party", person_party()),
        ("facts_summary", json!("当事人销售超过保质期的食品")),
        ("officers", json!(["21020001", "21020002"])),
    ];
    f.extend(extra.iter().cloned());
    run.act(Actor::User(&officer()), "register", on, &f);
    assert_eq!(run.case.state, "investigating");
    run
}

/// Registered on 2021-09-01 and investigated by 张 and 李 on 2021-09-02.
fn investigated(extra: &[(&str, Value)]) -> Run {
    let certificates = officers();
    let mut run = registered("2021-09-01", extra);
    act_with(
        &mut run,
        &officer(),
        "gather_evidence",
        "2021-09-02",
        &[
            ("officers", json!(["21020001", "21020002"])),
            ("evidence_kinds", json!(["physical", "inspection_record"])),
            ("recorded_with", json!("执法记录仪 DSJ-0451")),
        ],
        &certificates.facts(),
    )
    .unwrap();
    run
}

/// Investigated, reviewed by the case-review section and notified on `notice_on`, hearing
/// available or not.
fn notified(extra: &[(&str, Value)], notice_on: &str, hearing: bool) -> Run {
    let mut run = investigated(extra);
    run.act(Actor::User(&officer()), "submit_review", "2021-09-06", &[]);
    run.act(
        Actor::User(&officer()),
        "notify",
        notice_on,
        &[
            ("proposed_penalty", json!("警告，并处罚款人民币伍仟元")),
            (
                "penalty_basis",
                json!("《中华人民共和国食品安全法》第一百二十四条"),
            ),
            ("notice_served_on", json!(notice_on)),
            ("hearing_available", json!(hearing)),
        ],
    );
    assert_eq!(run.case.state, "notified");
    run
}

/// Notified on 2021-09-07; the party waived its rights on 2021-09-08: ready to decide.
fn deliberating(extra: &[(&str, Value)]) -> Run {
    let mut run = notified(extra, "2021-09-07", false);
    run.act(Actor::User(&officer()), "waive_rights", "2021-09-08", &[]);
    assert_eq!(run.case.state, "deliberation");
    run
}

fn major() -> Run {
    deliberating(&[("is_major", json!(true))])
}

fn ordinary() -> Run {
    deliberating(&[("is_major", json!(false))])
}

fn request_review(run: &mut Run, on: &str) {
    let grounds: &[(&str, Value)] = if run.case.fields.get("is_major") == Some(&json!(true)) {
        &[("major_grounds", json!(["complex"]))]
    } else {
        &[]
    };
    run.act(Actor::User(&officer()), "request_review", on, grounds);
    assert_eq!(run.case.state, "legal_review");
}

fn fail(run: &mut Run, on: &str, defects: &[&str]) {
    request_review(run, on);
    run.act(
        Actor::User(&reviewer()),
        "review_fail",
        on,
        &[("review_defects", json!(defects))],
    );
}

fn pass(run: &mut Run, on: &str) {
    request_review(run, on);
    run.act(
        Actor::User(&reviewer()),
        "review_pass",
        on,
        &[(
            "review_checks",
            json!([
                "subject_and_qualifications",
                "jurisdiction",
                "procedure",
                "facts_evidence",
                "law_and_discretion",
                "documents",
                "crime_transfer"
            ]),
        )],
    );
}

fn decision() -> Vec<(&'static str, Value)> {
    vec![
        ("decision_type", json!("penalty")),
        ("decision_number", json!("旅市监处罚〔2021〕12号")),
        ("violation", json!("当事人于2021年8月销售超过保质期的食品")),
        (
            "penalty_basis",
            json!("《中华人民共和国食品安全法》第一百二十四条"),
        ),
        ("penalty_content", json!("警告，并处罚款人民币伍仟元")),
        ("penalty_kinds", json!(["warning", "fine"])),
        ("fine", json!("5000")),
    ]
}

fn try_decide(run: &Run, on: &str) -> Result<(), Refusal> {
    run.try_act(Actor::User(&officer()), "decide", on, &decision())
}

fn decided(run: &mut Run, on: &str) {
    run.act(Actor::User(&officer()), "decide", on, &decision());
    assert_eq!(run.case.state, "decided");
}

fn status(run: &Run, clock: &str, today: &str) -> DeadlineStatus {
    let warn = run.def.clock(clock).unwrap().warn_days;
    DeadlineStatus::of(run.due(clock, today), date(today), warn)
}

fn explanation(run: &Run, clock: &str, today: &str) -> String {
    clock_due(
        run.def.clock(clock).unwrap(),
        run.case.clock(clock).unwrap(),
        Calendar::embedded(),
        date(today),
    )
    .unwrap()
    .explanation
    .lines
    .join("\n")
}

fn values(def: &Definition, field: &str) -> Vec<String> {
    def.field(field)
        .unwrap()
        .values
        .iter()
        .map(|v| v.code.clone())
        .collect()
}

// ----- the tests -----

#[test]
fn the_definition_loads_with_every_code_of_the_contract() {
    let def = Definition::parse("administrative_penalty-2021-07-15.toml", TEXT)
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    assert_eq!(
        values(&def, "review_defects"),
        [
            "beyond_authority",
            "unclear_facts",
            "insufficient_evidence",
            "wrong_law",
            "illegal_procedure",
            "improper_penalty"
        ]
    );
    assert_eq!(
        values(&def, "review_checks"),
        [
            "subject_and_qualifications",
            "jurisdiction",
            "procedure",
            "facts_evidence",
            "law_and_discretion",
            "documents",
            "crime_transfer"
        ]
    );
    assert_eq!(
        values(&def, "major_grounds"),
        [
            "public_interest",
            "major_rights_after_hearing",
            "complex",
            "other_statutory",
            "body_list"
        ]
    );
    assert_eq!(
        values(&def, "penalty_kinds"),
        [
            "warning",
            "fine",
            "confiscation",
            "suspension",
            "revocation",
            "restriction",
            "detention",
            "other"
        ]
    );
    // The case's field is one a certificate can cover: the same codes.
    let certificates = load("enforcement_certificate-2021-07-15.toml", CERTIFICATES);
    assert_eq!(values(&def, "field_area"), values(&certificates, "scopes"));
    let clocks: Vec<&str> = def.clocks.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        clocks,
        [
            "decision",
            "preservation",
            "hearing_request",
            "legal_review",
            "service",
            "payment",
            "publicity",
            "withdrawal"
        ]
    );
    let publication = &def.publications[0];
    assert_eq!(
        (publication.code.as_str(), publication.after.as_str()),
        ("decision", "decide")
    );
    assert_eq!(publication.within.as_deref(), Some("publicity"));
    assert_eq!(publication.withdrawn_by, ["record_decision_changed"]);
    for action in ["review_pass", "review_fail"] {
        let a = def.action(action).unwrap();
        assert_eq!(a.roles, ["legal_reviewer"]);
        assert_eq!(a.scope, fazhi_core::procedure::Scope::Region);
    }
}

#[test]
fn each_defect_found_in_review_blocks_discussion_and_decision_and_is_named() {
    let def = definition();
    for defect in &def.field("review_defects").unwrap().values {
        let mut run = major();
        fail(&mut run, "2021-09-09", &[&defect.code]);
        assert_eq!(run.case.state, "deliberation");
        let refused = try_decide(&run, "2021-09-10").unwrap_err();
        assert_eq!(refused.code(), "guard_failed");
        assert_eq!(
            refused.to_string(),
            format!(
                "法制审核认定{}，不得作出决定（依据：行政处罚法第五十八条）",
                defect.zh
            )
        );
        let discussion = run
            .try_act(
                Actor::User(&officer()),
                "collective_discussion",
                "2021-09-10",
                &[("discussion_minutes", json!("案审会讨论"))],
            )
            .unwrap_err()
            .to_string();
        assert!(
            discussion.starts_with(&format!("法制审核认定{}，不得提交集体讨论", defect.zh)),
            "{discussion}"
        );
        // A later review that passes unlocks the discussion and the decision.
        pass(&mut run, "2021-09-13");
        run.act(
            Actor::User(&officer()),
            "collective_discussion",
            "2021-09-14",
            &[("discussion_minutes", json!("案审会讨论同意"))],
        );
        decided(&mut run, "2021-09-15");
    }
    // Several defects are all named, by their labels.
    let mut run = ordinary();
    fail(
        &mut run,
        "2021-09-09",
        &["unclear_facts", "insufficient_evidence"],
    );
    assert_eq!(
        try_decide(&run, "2021-09-10").unwrap_err().to_string(),
        "法制审核认定事实不清、证据不足，不得作出决定（依据：行政处罚法第五十八条）",
        "a case reviewed of its own accord is bound by the review too"
    );
    // The latest review counts: a pass followed by a fail blocks again.
    let mut run = major();
    pass(&mut run, "2021-09-09");
    fail(&mut run, "2021-09-10", &["improper_penalty"]);
    assert!(
        try_decide(&run, "2021-09-13")
            .unwrap_err()
            .to_string()
            .contains("处罚不适当")
    );
}

#[test]
fn a_major_case_needs_a_passed_review_and_an_ordinary_one_does_not() {
    let run = major();
    let refused = try_decide(&run, "2021-09-09").unwrap_err();
    assert_eq!(
        refused.to_string(),
        "重大执法决定未经法制审核，不得作出决定（依据：行政处罚法第五十八条）"
    );
    let discussion = run
        .try_act(
            Actor::User(&officer()),
            "collective_discussion",
            "2021-09-09",
            &[("discussion_minutes", json!("案审会讨论"))],
        )
        .unwrap_err()
        .to_string();
    assert!(
        discussion.starts_with("重大执法决定未经法制审核，不得提交集体讨论"),
        "{discussion}"
    );
    let mut passed = major();
    pass(&mut passed, "2021-09-09");
    decided(&mut passed, "2021-09-10");

    let mut plain = ordinary();
    decided(&mut plain, "2021-09-09");

    // Whether it is major must be said before deciding.
    let unsaid = deliberating(&[]);
    assert!(
        try_decide(&unsaid, "2021-09-09")
            .unwrap_err()
            .to_string()
            .starts_with("作出决定前须认定是否属于重大执法决定")
    );

    // The grounds and the finding agree.
    let mut grounds_only = deliberating(&[]);
    let refused = grounds_only
        .try_act(
            Actor::User(&officer()),
            "request_review",
            "2021-09-09",
            &[("major_grounds", json!(["public_interest"]))],
        )
        .unwrap_err();
    assert!(refused.to_string().contains("应当认定为重大执法决定"));
    let refused = grounds_only
        .try_act(
            Actor::User(&officer()),
            "request_review",
            "2021-09-09",
            &[("is_major", json!(true))],
        )
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("须写明属于第五十八条规定的哪种情形")
    );
    grounds_only.act(
        Actor::User(&officer()),
        "request_review",
        "2021-09-09",
        &[
            ("is_major", json!(true)),
            ("major_grounds", json!(["body_list"])),
        ],
    );

    // Sent back for more investigation after its review, a major case is reviewed again.
    let mut returned = major();
    pass(&mut returned, "2021-09-09");
    returned.act(
        Actor::User(&officer()),
        "return_for_investigation",
        "2021-09-10",
        &[("return_reason", json!("需补充调取进货凭证"))],
    );
    assert_eq!(returned.case.state, "investigating");
    returned.act(Actor::User(&officer()), "submit_review", "2021-09-13", &[]);
    returned.act(
        Actor::User(&officer()),
        "notify",
        "2021-09-13",
        &[
            ("proposed_penalty", json!("警告，并处罚款人民币伍仟元")),
            (
                "penalty_basis",
                json!("《中华人民共和国食品安全法》第一百二十四条"),
            ),
            ("notice_served_on", json!("2021-09-13")),
            ("hearing_available", json!(false)),
        ],
    );
    returned.act(Actor::User(&officer()), "waive_rights", "2021-09-14", &[]);
    assert!(
        try_decide(&returned, "2021-09-15")
            .unwrap_err()
            .to_string()
            .starts_with("补充调查后须重新进行法制审核")
    );
    pass(&mut returned, "2021-09-15");
    decided(&mut returned, "2021-09-16");

    // Complex or serious cases are decided by the heads together (Art 57 para 2).
    let mut serious = deliberating(&[
        ("is_major", json!(false)),
        ("needs_discussion", json!(true)),
    ]);
    assert!(
        try_decide(&serious, "2021-09-09")
            .unwrap_err()
            .to_string()
            .contains("行政机关负责人应当集体讨论决定")
    );
    serious.act(
        Actor::User(&person(Role::Leader, None)),
        "collective_discussion",
        "2021-09-09",
        &[("discussion_minutes", json!("局长办公会集体讨论，同意处罚"))],
    );
    decided(&mut serious, "2021-09-10");

    // Only legal reviewers review; they may be of another department (the justice bureau).
    let mut asked = major();
    request_review(&mut asked, "2021-09-09");
    let refused = asked
        .try_act(
            Actor::User(&officer()),
            "review_pass",
            "2021-09-09",
            &[("review_checks", json!(["procedure"]))],
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::RoleNotAllowed { .. }),
        "{refused:?}"
    );
}

#[test]
fn a_decision_states_its_kind_or_why_there_is_none() {
    let run = ordinary();
    let mut without_kinds = decision();
    without_kinds.retain(|(k, _)| *k != "penalty_kinds");
    assert!(
        run.try_act(
            Actor::User(&officer()),
            "decide",
            "2021-09-09",
            &without_kinds
        )
        .unwrap_err()
        .to_string()
        .starts_with("给予行政处罚的，须写明处罚种类")
    );
    let no_penalty = [
        ("decision_type", json!("no_penalty")),
        ("decision_number", json!("旅市监不罚〔2021〕3号")),
        (
            "violation",
            json!("当事人首次销售过期食品，货值极小并及时改正"),
        ),
        (
            "penalty_basis",
            json!("《中华人民共和国行政处罚法》第三十三条第一款"),
        ),
        ("penalty_content", json!("不予行政处罚")),
    ];
    assert!(
        run.try_act(Actor::User(&officer()), "decide", "2021-09-09", &no_penalty)
            .unwrap_err()
            .to_string()
            .starts_with("不予行政处罚的，须写明理由")
    );
    let mut with_reason = no_penalty.to_vec();
    with_reason.push((
        "no_penalty_reason",
        json!("首违不罚：违法行为轻微并及时改正，没有造成危害后果"),
    ));
    assert!(
        run.try_act(
            Actor::User(&officer()),
            "decide",
            "2021-09-09",
            &with_reason
        )
        .is_ok()
    );
}

#[test]
fn evidence_needs_two_officers_with_valid_certificates_for_the_case_field() {
    let mut certificates = officers();
    let run = registered("2021-09-01", &[]);
    let evidence = |facts: &Facts, on: &str, numbers: &[&str]| {
        try_with(
            &run,
            &officer(),
            "gather_evidence",
            on,
            &[("officers", json!(numbers))],
            facts,
        )
        .map(|_| ())
    };
    let facts = certificates.facts();
    assert!(evidence(&facts, "2021-09-02", &["21020001", "21020002"]).is_ok());

    // One officer, even named twice, is not two.
    let one = evidence(&facts, "2021-09-02", &["21020001", "21020001"]).unwrap_err();
    assert!(
        matches!(
            one,
            Refusal::NotCertified {
                needed: 2,
                usable: 1,
                ..
            }
        ),
        "{one:?}"
    );
    // Another field's certificate, a suspended one, one never issued and an unknown number are
    // each named, with the article.
    for (number, why) in [
        ("21020003", "王执法的执法证 21020003 的执法领域不含“market”"),
        ("21020004", "赵执法的执法证 21020004 不在有效状态"),
        ("21020005", "钱执法的执法证 21020005 不在有效状态"),
        ("99999999", "执法证 99999999 不存在"),
    ] {
        let refused = evidence(&facts, "2021-09-02", &["21020001", number]).unwrap_err();
        assert_eq!(refused.code(), "not_certified");
        let text = refused.to_string();
        assert!(text.contains(why), "{text}");
        assert!(
            text.contains("须有至少 2 名持有效执法证的执法人员，现有 1 名"),
            "{text}"
        );
        assert!(text.contains("行政处罚法第四十二条、第五十五条"), "{text}");
    }
    // The same officers in an urban case: only 李 and 王 are certified for it.
    let mut urban = Run::new(definition(), DEPARTMENT);
    urban.act(
        Actor::User(&officer()),
        "register",
        "2021-09-01",
        &[
            ("field_area", json!("urban")),
            ("item", json!("对擅自占用城市道路的行政处罚")),
            ("party", person_party()),
            ("facts_summary", json!("占道经营")),
            ("officers", json!(["21020002", "21020003"])),
        ],
    );
    assert!(
        act_with(
            &mut urban,
            &officer(),
            "gather_evidence",
            "2021-09-02",
            &[("officers", json!(["21020002", "21020003"]))],
            &facts
        )
        .is_ok()
    );
    assert!(
        evidence(&facts, "2021-09-02", &["21020001", "21020003"]).is_err(),
        "but not in the market case"
    );

    // 李's certificate ends on Friday 2021-10-29: usable that day, refused from the next.
    assert!(evidence(&facts, "2021-10-29", &["21020001", "21020002"]).is_ok());
    let after = evidence(&facts, "2021-10-30", &["21020001", "21020002"])
        .unwrap_err()
        .to_string();
    assert!(
        after.contains("李执法的执法证 21020002 已于 2021-10-29 到期"),
        "{after}"
    );
    // The system then ends it; from then on it is not in force at all.
    let lapsed = expired(
        &certificates.li.def,
        &certificates.li.case,
        Calendar::embedded(),
        date("2021-10-30"),
    );
    assert_eq!(
        lapsed,
        vec![(
            "validity".to_string(),
            Expiry::Action("expire".into()),
            date("2021-10-30")
        )]
    );
    certificates
        .li
        .act(Actor::System, "expire", "2021-10-30", &[]);
    assert_eq!(certificates.li.case.state, "expired");
    let after = evidence(
        &certificates.facts(),
        "2021-11-01",
        &["21020001", "21020002"],
    )
    .unwrap_err()
    .to_string();
    assert!(
        after.contains("李执法的执法证 21020002 不在有效状态"),
        "{after}"
    );

    // A suspended certificate given back counts again.
    certificates
        .zhao
        .act(Actor::User(&justice()), "reinstate", "2021-11-01", &[]);
    assert!(
        evidence(
            &certificates.facts(),
            "2021-11-01",
            &["21020001", "21020004"]
        )
        .is_ok()
    );

    // Preserving evidence (先行登记保存) is an evidence step too.
    let preserve = try_with(
        &run,
        &officer(),
        "preserve_evidence",
        "2021-09-02",
        &[
            ("officers", json!(["21020001"])),
            ("preserved_items", json!("过期食品 12 箱")),
            ("preservation_approval", json!("局长 王某")),
        ],
        &facts,
    );
    assert!(matches!(preserve, Err(Refusal::NotCertified { .. })));
}

#[test]
fn no_case_review_without_evidence_and_preserved_evidence_is_decided_within_7_working_days() {
    let certificates = officers();
    let mut run = registered("2021-09-28", &[]);
    assert!(
        run.try_act(Actor::User(&officer()), "submit_review", "2021-09-29", &[])
            .unwrap_err()
            .to_string()
            .starts_with("未经调查取证，不得提交审核")
    );
    act_with(
        &mut run,
        &officer(),
        "preserve_evidence",
        "2021-09-29",
        &[
            ("officers", json!(["21020001", "21020002"])),
            ("preserved_items", json!("过期食品 12 箱")),
            ("preservation_approval", json!("局长 王某")),
        ],
        &certificates.facts(),
    )
    .unwrap();
    act_with(
        &mut run,
        &officer(),
        "gather_evidence",
        "2021-09-29",
        &[("officers", json!(["21020001", "21020002"]))],
        &certificates.facts(),
    )
    .unwrap();
    // 7 working days from 2021-09-29: 9-30, then 10-08, 10-09 (a Saturday worked), 10-11,
    // 10-12, 10-13, 10-14.
    assert_eq!(run.due("preservation", "2021-09-29"), date("2021-10-14"));
    assert!(explanation(&run, "preservation", "2021-09-29").contains("国庆节"));
    assert!(
        run.try_act(Actor::User(&officer()), "submit_review", "2021-10-08", &[])
            .unwrap_err()
            .to_string()
            .starts_with("先行登记保存的证据须先作出处理决定")
    );
    run.act(
        Actor::User(&officer()),
        "decide_preserved",
        "2021-10-08",
        &[("preservation_outcome", json!("予以没收"))],
    );
    assert_eq!(
        run.case.clock("preservation").unwrap().status,
        ClockStatus::Stopped
    );
    run.act(Actor::User(&officer()), "submit_review", "2021-10-08", &[]);
}

#[test]
fn decided_within_90_days_of_registration_once_extended_by_30() {
    let mut run = investigated(&[]);
    // 2021-09-01 + 90 days = Tuesday 2021-11-30.
    assert_eq!(run.due("decision", "2021-09-01"), date("2021-11-30"));
    assert_eq!(
        status(&run, "decision", "2021-11-19"),
        DeadlineStatus::Normal
    );
    assert_eq!(
        status(&run, "decision", "2021-11-20"),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        status(&run, "decision", "2021-12-01"),
        DeadlineStatus::Overdue
    );
    let extend = [
        ("extension_reason", json!("需委托检验，案情复杂")),
        ("extension_approved_by", json!("局长 王某")),
    ];
    run.act(
        Actor::User(&officer()),
        "extend_decision",
        "2021-11-25",
        &extend,
    );
    assert_eq!(run.due("decision", "2021-11-25"), date("2021-12-30"));
    let again = run
        .try_act(
            Actor::User(&officer()),
            "extend_decision",
            "2021-12-20",
            &extend,
        )
        .unwrap_err();
    assert!(
        matches!(again, Refusal::ExtensionLimit { at_most: 1, .. }),
        "{again:?}"
    );
    // A 90th day in the National Day holidays moves to the next working day.
    let july = registered("2021-07-05", &[]);
    assert_eq!(july.due("decision", "2021-07-05"), date("2021-10-08"));
    assert!(explanation(&july, "decision", "2021-07-05").contains("行政处罚法第六十条"));
    // The decision stops it.
    let mut run = ordinary();
    decided(&mut run, "2021-09-09");
    let clock = run.case.clock("decision").unwrap();
    assert_eq!(
        (clock.status, clock.stopped_on),
        (ClockStatus::Stopped, Some(date("2021-09-09")))
    );
}

#[test]
fn a_hearing_is_asked_for_within_5_working_days_across_national_day() {
    // Notice served Wednesday 2021-09-29: 9-30, 10-08, 10-09 (a Saturday worked), 10-11, 10-12.
    let run = notified(&[], "2021-09-29", true);
    assert_eq!(run.due("hearing_request", "2021-09-29"), date("2021-10-12"));
    let explained = explanation(&run, "hearing_request", "2021-09-29");
    assert!(explained.contains("国庆节"), "{explained}");
    assert!(explained.contains("第六十四条"), "{explained}");
    let mut asked = run.clone_run();
    asked.act(
        Actor::User(&officer()),
        "request_hearing",
        "2021-10-12",
        &[("hearing_requested_on", json!("2021-10-12"))],
    );
    assert_eq!(asked.case.state, "hearing");

    // Nothing asked by the last day: the system moves the case on the next day.
    let mut silent = run.clone_run();
    let cal = Calendar::embedded();
    assert!(expired(&silent.def, &silent.case, cal, date("2021-10-12")).is_empty());
    assert_eq!(
        expired(&silent.def, &silent.case, cal, date("2021-10-13")),
        vec![(
            "hearing_request".to_string(),
            Expiry::Action("notice_period_lapsed".into()),
            date("2021-10-13")
        )]
    );
    silent.act(Actor::System, "notice_period_lapsed", "2021-10-13", &[]);
    assert_eq!(silent.case.state, "deliberation");
    // A request made after the last day is refused by its own date…
    let late = silent
        .try_act(
            Actor::User(&officer()),
            "request_hearing",
            "2021-10-13",
            &[("hearing_requested_on", json!("2021-10-13"))],
        )
        .unwrap_err();
    assert_eq!(
        late.to_string(),
        "“当事人要求听证之日”（2021-10-13）不得晚于“陈述申辩和要求听证期限”的最后一日（2021-10-12）（依据：行政处罚法第六十四条第一项、第八十五条）"
    );
    // …but one posted on the last day, arriving after the case moved on, is recorded.
    let mut posted = silent.clone_run();
    posted.act(
        Actor::User(&officer()),
        "request_hearing",
        "2021-10-15",
        &[("hearing_requested_on", json!("2021-10-12"))],
    );
    assert_eq!(posted.case.state, "hearing");

    // Not every penalty gives a right to a hearing (Art 63).
    let small = notified(&[], "2021-09-29", false);
    assert!(
        small
            .try_act(
                Actor::User(&officer()),
                "request_hearing",
                "2021-09-30",
                &[("hearing_requested_on", json!("2021-09-30"))]
            )
            .unwrap_err()
            .to_string()
            .starts_with("拟作出的行政处罚不属于应当告知听证权利的情形")
    );
    // A decision waits for the end of the period or a waiver.
    let early = small
        .try_act(Actor::User(&officer()), "decide", "2021-09-30", &decision())
        .unwrap_err();
    assert!(matches!(early, Refusal::WrongState { .. }), "{early:?}");
}

#[test]
fn a_hearing_is_notified_and_recorded() {
    let mut run = notified(&[("is_major", json!(true))], "2021-09-07", true);
    run.act(
        Actor::User(&officer()),
        "request_hearing",
        "2021-09-08",
        &[("hearing_requested_on", json!("2021-09-08"))],
    );
    let report = [
        ("hearing_on", json!("2021-09-22")),
        (
            "hearing_report",
            json!("当事人对违法事实无异议，请求从轻处罚"),
        ),
    ];
    assert!(
        run.try_act(
            Actor::User(&officer()),
            "hold_hearing",
            "2021-09-22",
            &report
        )
        .unwrap_err()
        .to_string()
        .starts_with("举行听证前须通知当事人听证的时间、地点")
    );
    // 七个工作日前 (Art 64 (2), Art 85): from Thu 09-09 the 7th working day is 09-18 (a
    // make-up Saturday; 中秋 09-19..21 off) — a hearing on 09-17 is too soon.
    let too_soon = run
        .try_act(
            Actor::User(&officer()),
            "schedule_hearing",
            "2021-09-09",
            &[
                ("hearing_notice_on", json!("2021-09-09")),
                ("hearing_on", json!("2021-09-17")),
            ],
        )
        .unwrap_err()
        .to_string();
    assert!(
        too_soon.contains("“听证日期”（2021-09-17）不得早于“听证通知日”（2021-09-09）后第 7 个工作日（2021-09-18）"),
        "{too_soon}"
    );
    run.act(
        Actor::User(&officer()),
        "schedule_hearing",
        "2021-09-09",
        &[
            ("hearing_notice_on", json!("2021-09-09")),
            ("hearing_on", json!("2021-09-22")),
            ("hearing_host", json!("法制科 刘某")),
        ],
    );
    run.act(
        Actor::User(&officer()),
        "hold_hearing",
        "2021-09-22",
        &report,
    );
    assert_eq!(run.case.state, "deliberation");
    assert_eq!(run.case.fields["hearing_notice_on"], json!("2021-09-09"));
    // After a hearing on major rights the review is due (Art 58 (2)).
    run.act(
        Actor::User(&officer()),
        "request_review",
        "2021-09-23",
        &[("major_grounds", json!(["major_rights_after_hearing"]))],
    );
    assert_eq!(run.case.state, "legal_review");
}

#[test]
fn the_decision_is_published_within_7_working_days_across_national_day() {
    let mut run = ordinary();
    decided(&mut run, "2021-09-28");
    // 9-29, 9-30, then 10-08, 10-09 (a Saturday worked), 10-11, 10-12, 10-13.
    assert_eq!(run.due("publicity", "2021-09-28"), date("2021-10-13"));
    let explained = explanation(&run, "publicity", "2021-09-28");
    assert!(explained.contains("国庆节"), "{explained}");
    assert_eq!(
        status(&run, "publicity", "2021-10-08"),
        DeadlineStatus::Normal
    );
    assert_eq!(
        status(&run, "publicity", "2021-10-13"),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        status(&run, "publicity", "2021-10-14"),
        DeadlineStatus::Overdue
    );
    let late = expired(
        &run.def,
        &run.case,
        Calendar::embedded(),
        date("2021-10-14"),
    );
    assert!(
        late.contains(&("publicity".to_string(), Expiry::Overdue, date("2021-10-14"))),
        "{late:?}"
    );
    // Service has the same 7 working days (Art 61).
    assert_eq!(run.due("service", "2021-09-28"), date("2021-10-13"));

    let mut on_time = run.clone_run();
    on_time.act(
        Actor::User(&officer()),
        "publish",
        "2021-10-13",
        &[(
            "published_url",
            json!("http://www.dllsk.gov.cn/xzzf/2021/12.html"),
        )],
    );
    let clock = on_time.case.clock("publicity").unwrap();
    assert_eq!(clock.status, ClockStatus::Stopped);
    assert!(clock.stopped_on.unwrap() <= run.due("publicity", "2021-10-13"));
    run.act(Actor::User(&officer()), "publish", "2021-10-15", &[]);
    let clock = run.case.clock("publicity").unwrap();
    assert!(
        clock.stopped_on.unwrap() > run.due("publicity", "2021-10-15"),
        "published late: the reports count it"
    );
}

#[test]
fn the_public_sees_the_decision_with_a_persons_name_masked_and_no_id_or_phone() {
    let mut run = ordinary();
    assert!(published(&run.def, &run.case).is_empty(), "nothing before");
    decided(&mut run, "2021-09-28");
    let public = published(&run.def, &run.case);
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].code, "decision");
    assert_eq!(public[0].since, Some(date("2021-09-28")));
    assert_eq!(
        public[0].fields,
        vec![
            (
                "决定书文号".to_string(),
                "旅市监处罚〔2021〕12号".to_string()
            ),
            ("当事人".to_string(), "张**".to_string()),
            (
                "执法事项".to_string(),
                "对销售不符合食品安全标准的食品的行政处罚".to_string()
            ),
            (
                "违法事实".to_string(),
                "当事人于2021年8月销售超过保质期的食品".to_string()
            ),
            (
                "处罚依据".to_string(),
                "《中华人民共和国食品安全法》第一百二十四条".to_string()
            ),
            (
                "处罚内容".to_string(),
                "警告，并处罚款人民币伍仟元".to_string()
            ),
        ]
    );
    let shown = format!("{:?}", public[0].fields);
    for secret in [
        "张三丰",
        "11010519491231002X",
        "1002X",
        "13812345678",
        "5678",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // An organisation is shown by its full name and its (public) credit code.
    let mut company = deliberating(&[
        ("is_major", json!(false)),
        (
            "party",
            json!({"kind": "organisation", "name": "大连某贸易有限公司", "credit_code": "91350100M000100Y43", "phone": "041188888888"}),
        ),
    ]);
    decided(&mut company, "2021-09-28");
    let public = published(&company.def, &company.case);
    assert_eq!(
        public[0].fields[1],
        (
            "当事人".to_string(),
            "大连某贸易有限公司 91350100M000100Y43".to_string()
        )
    );
}

/// Decided 2021-09-13, served 2021-09-16 and closed after payment on 2021-09-22.
fn closed() -> Run {
    let mut run = ordinary();
    decided(&mut run, "2021-09-13");
    run.act(
        Actor::User(&officer()),
        "serve",
        "2021-09-16",
        &[
            ("served_on", json!("2021-09-16")),
            ("service_method", json!("in_person")),
        ],
    );
    run.act(
        Actor::User(&officer()),
        "record_payment",
        "2021-09-22",
        &[
            ("paid_on", json!("2021-09-22")),
            ("paid_amount", json!("5000")),
        ],
    );
    run.act(Actor::User(&officer()), "publish", "2021-09-22", &[]);
    run.act(
        Actor::User(&officer()),
        "close",
        "2021-09-22",
        &[("closing_reason", json!("executed"))],
    );
    assert_eq!(run.case.state, "closed");
    run
}

#[test]
fn a_changed_decision_is_withdrawn_within_3_working_days() {
    let change = |on: &str| {
        vec![
            ("change_kind", json!("revoked")),
            ("change_document", json!("大政复决字〔2021〕45号")),
            ("changed_on", json!(on)),
            (
                "withdrawal_reason",
                json!("该行政处罚决定已被行政复议机关撤销"),
            ),
        ]
    };
    // Revoked Wednesday 2021-09-29: 9-30, 10-08, 10-09 (a Saturday worked).
    let mut run = closed();
    assert_eq!(published(&run.def, &run.case).len(), 1);
    run.act(
        Actor::User(&officer()),
        "record_decision_changed",
        "2021-10-09",
        &change("2021-09-29"),
    );
    assert_eq!(run.case.state, "closed", "recorded after the end");
    assert_eq!(
        run.case.concluded_on(&run.def),
        Some(date("2021-09-22")),
        "the conclusion date stays"
    );
    assert_eq!(run.due("withdrawal", "2021-10-09"), date("2021-10-09"));
    assert!(explanation(&run, "withdrawal", "2021-10-09").contains("第四十八条第二款"));
    let clock = run.case.clock("withdrawal").unwrap();
    assert_eq!(
        (clock.started_on, clock.status, clock.stopped_on),
        (
            date("2021-09-29"),
            ClockStatus::Stopped,
            Some(date("2021-10-09"))
        ),
        "a measurement: from the change to the day it was recorded and withdrawn"
    );
    // The decision is no longer public; the reason for withdrawing it is.
    let public = published(&run.def, &run.case);
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].code, "withdrawal");
    assert_eq!(public[0].since, Some(date("2021-10-09")));
    assert_eq!(
        public[0].fields,
        vec![
            (
                "决定书文号".to_string(),
                "旅市监处罚〔2021〕12号".to_string()
            ),
            (
                "变更、撤销或确认的文书".to_string(),
                "大政复决字〔2021〕45号".to_string()
            ),
            (
                "撤回公示的理由说明".to_string(),
                "该行政处罚决定已被行政复议机关撤销".to_string()
            ),
        ]
    );
    // Recorded on the next Monday: late.
    let mut late = closed();
    late.act(
        Actor::User(&officer()),
        "record_decision_changed",
        "2021-10-11",
        &change("2021-09-29"),
    );
    let clock = late.case.clock("withdrawal").unwrap();
    assert!(clock.stopped_on.unwrap() > late.due("withdrawal", "2021-10-11"));
    // Only a closed case records it: close first, with the reason.
    let mut open = ordinary();
    decided(&mut open, "2021-09-13");
    assert!(matches!(
        open.try_act(
            Actor::User(&officer()),
            "record_decision_changed",
            "2021-09-30",
            &change("2021-09-29")
        ),
        Err(Refusal::WrongState { .. })
    ));
    open.act(
        Actor::User(&officer()),
        "close",
        "2021-09-30",
        &[("closing_reason", json!("decision_changed"))],
    );
    open.act(
        Actor::User(&officer()),
        "record_decision_changed",
        "2021-09-30",
        &change("2021-09-29"),
    );
    assert_eq!(published(&open.def, &open.case)[0].code, "withdrawal");
}

#[test]
fn the_fine_is_paid_within_15_days_of_service_or_surcharged_3_percent_a_day() {
    let mut run = ordinary();
    decided(&mut run, "2021-09-13");
    assert!(
        run.try_act(
            Actor::User(&officer()),
            "close",
            "2021-09-14",
            &[("closing_reason", json!("executed"))]
        )
        .unwrap_err()
        .to_string()
        .starts_with("决定书送达前不得以执行完毕结案")
    );
    run.act(
        Actor::User(&officer()),
        "serve",
        "2021-09-16",
        &[
            ("served_on", json!("2021-09-16")),
            ("service_method", json!("post")),
        ],
    );
    assert_eq!(
        run.case.clock("service").unwrap().status,
        ClockStatus::Stopped
    );
    // 15 days from 2021-09-16 end on 10-01, in the National Day holidays: moved to 10-08.
    assert_eq!(run.due("payment", "2021-09-16"), date("2021-10-08"));
    let explained = explanation(&run, "payment", "2021-09-16");
    assert!(explained.contains("第六十七条"), "{explained}");
    assert_eq!(
        status(&run, "payment", "2021-10-09"),
        DeadlineStatus::Overdue
    );
    // Paid four days late: 4 × 3% of 5,000 yuan = 600 yuan.
    let due = run.due("payment", "2021-10-12");
    let surcharge = surcharge_fen(
        run.case.fields["fine"].as_i64().unwrap(),
        due,
        date("2021-10-12"),
    );
    assert_eq!(surcharge, 60_000);
    run.act(
        Actor::User(&officer()),
        "record_payment",
        "2021-10-12",
        &[
            ("paid_on", json!("2021-10-12")),
            ("paid_amount", json!("5600")),
            ("surcharge", json!(surcharge)),
        ],
    );
    assert_eq!(run.case.fields["fine"], json!(500_000), "kept in fen");
    assert_eq!(run.case.fields["surcharge"], json!(60_000));
    let clock = run.case.clock("payment").unwrap();
    assert_eq!(clock.stopped_on, Some(date("2021-10-12")));
    assert!(clock.stopped_on.unwrap() > due, "paid late");
    // A month later the surcharge has reached the fine and stays there.
    assert_eq!(surcharge_fen(500_000, due, date("2021-12-31")), 500_000);
    run.act(
        Actor::User(&officer()),
        "close",
        "2021-10-12",
        &[("closing_reason", json!("executed"))],
    );
    assert!(
        run.case
            .clocks
            .iter()
            .all(|c| c.status == ClockStatus::Stopped),
        "a closed case has no running clocks"
    );
}

trait CloneRun {
    fn clone_run(&self) -> Run;
}

impl CloneRun for Run {
    fn clone_run(&self) -> Run {
        Run {
            def: self.def.clone(),
            case: self.case.clone(),
        }
    }
}
