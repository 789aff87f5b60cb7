//! The enforcement libraries run by the engine with real dates: officers' certificates (执法证),
//! confirmed enforcement bodies (执法主体) and enforcement items (权责清单), each a definition in
//! `procedures/`.

mod common;
use common::*;

use fazhi_core::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{
    Actor, Certificate, ClockStatus, DeadlineStatus, Refusal, expired, published,
};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, Expiry};
use serde_json::{Value, json};

const CERTIFICATE: &str = include_str!(
    "../../../procedures/enforcement_certificate/enforcement_certificate-2021-07-15.toml"
);
const BODY: &str =
    include_str!("../../../procedures/enforcement_body/enforcement_body-2021-07-15.toml");
const ITEM: &str =
    include_str!("../../../procedures/enforcement_item/enforcement_item-2021-07-15.toml");
const PENALTY: &str = include_str!(
    "../../../procedures/administrative_penalty/administrative_penalty-2021-07-15.toml"
);
const DEPARTMENT: &str = "d-market";

fn justice() -> Principal {
    person(Role::JusticeStaff, Some("d-justice"))
}

fn staff() -> Principal {
    person(Role::DepartmentStaff, Some(DEPARTMENT))
}

fn values(def: &Definition, field: &str) -> Vec<String> {
    def.field(field)
        .unwrap()
        .values
        .iter()
        .map(|v| v.code.clone())
        .collect()
}

fn status(run: &Run, clock: &str, today: &str) -> DeadlineStatus {
    let warn = run.def.clock(clock).unwrap().warn_days;
    DeadlineStatus::of(run.due(clock, today), date(today), warn)
}

#[test]
fn every_definition_loads_and_all_name_the_same_enforcement_fields() {
    let mut defs = Vec::new();
    for (name, text) in [
        ("enforcement_certificate-2021-07-15.toml", CERTIFICATE),
        ("enforcement_body-2021-07-15.toml", BODY),
        ("enforcement_item-2021-07-15.toml", ITEM),
        ("administrative_penalty-2021-07-15.toml", PENALTY),
    ] {
        defs.push(Definition::parse(name, text).unwrap_or_else(|errors| panic!("{errors:?}")));
    }
    let fields = [
        values(&defs[0], "scopes"),
        values(&defs[1], "scopes"),
        values(&defs[2], "field_area"),
        values(&defs[3], "field_area"),
    ];
    assert_eq!(
        fields[0],
        [
            "market",
            "urban",
            "ecology",
            "emergency",
            "culture",
            "transport",
            "agriculture",
            "natural_resources",
            "health",
            "housing",
            "other"
        ]
    );
    assert!(fields.iter().all(|f| *f == fields[0]));
    assert_eq!(defs[0].number_field.as_deref(), Some("certificate_number"));
    assert_eq!(
        values(&defs[0], "cancel_reason"),
        ["leaving", "retirement", "restructuring", "other"]
    );
    assert_eq!(
        values(&defs[1], "body_type"),
        ["statutory", "authorised", "entrusted"]
    );
    assert_eq!(
        values(&defs[2], "item_type"),
        [
            "penalty",
            "coercion",
            "inspection",
            "levy",
            "licensing",
            "confirmation",
            "payment",
            "reward",
            "ruling",
            "other"
        ]
    );
}

// ----- certificates -----

fn certificate_def() -> Definition {
    load("enforcement_certificate-2021-07-15.toml", CERTIFICATE)
}

fn applied(number: &str, category: &str) -> Run {
    let mut run = Run::new(certificate_def(), DEPARTMENT);
    run.act(
        Actor::User(&staff()),
        "apply",
        "2021-08-02",
        &[
            (
                "holder",
                json!({"kind": "person", "name": "孙海涛", "id_number": "11010519491231002X"}),
            ),
            ("certificate_number", json!(number)),
            ("staff_category", json!(category)),
            ("scopes", json!(["market"])),
        ],
    );
    assert_eq!(run.case.state, "applied");
    run
}

fn issue_terms(until: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("scopes", json!(["market", "health"])),
        ("valid_from", json!("2021-09-01")),
        ("valid_until", json!(until)),
        ("issuing_authority", json!("辽宁省人民政府")),
    ]
}

/// Applied for, examined and issued on 2021-09-01, valid until `until`.
fn valid(until: &str) -> Run {
    let mut run = applied("21020101", "civil_servant");
    run.act(
        Actor::User(&justice()),
        "record_exam",
        "2021-08-20",
        &[
            ("exam_result", json!("passed")),
            ("exam_score", json!(86)),
            ("training_hours", json!(64)),
        ],
    );
    run.act(
        Actor::User(&justice()),
        "issue",
        "2021-09-01",
        &issue_terms(until),
    );
    assert_eq!(run.case.state, "valid");
    run
}

#[test]
fn a_certificate_is_issued_after_a_passed_exam_and_never_to_contract_staff() {
    let mut run = applied("21020101", "civil_servant");
    let refused = run
        .try_act(
            Actor::User(&justice()),
            "issue",
            "2021-09-01",
            &issue_terms("2023-12-29"),
        )
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "未通过行政执法资格考试的，不得发证（依据：省行政执法证件管理办法）"
    );
    run.act(
        Actor::User(&justice()),
        "record_exam",
        "2021-08-20",
        &[("exam_result", json!("failed"))],
    );
    assert!(
        run.try_act(
            Actor::User(&justice()),
            "issue",
            "2021-09-01",
            &issue_terms("2023-12-29")
        )
        .is_err()
    );
    run.act(
        Actor::User(&justice()),
        "refuse",
        "2021-09-01",
        &[("refuse_reason", json!("考试不合格"))],
    );
    assert_eq!(run.case.state, "not_issued");

    let mut contract = applied("21020102", "contract");
    contract.act(
        Actor::User(&justice()),
        "record_exam",
        "2021-08-20",
        &[("exam_result", json!("passed"))],
    );
    assert!(
        contract
            .try_act(
                Actor::User(&justice()),
                "issue",
                "2021-09-01",
                &issue_terms("2023-12-29")
            )
            .unwrap_err()
            .to_string()
            .starts_with("合同制、劳务派遣或临时人员不得申领执法证")
    );
    // Only the justice bureau issues.
    let refused = run_valid_attempt_by_staff();
    assert!(
        matches!(refused, Refusal::RoleNotAllowed { .. }),
        "{refused:?}"
    );

    // What the engine's certified guard reads from the case.
    let issued = valid("2023-12-29");
    let read = Certificate::of_case(&certificate_def(), &issued.case, "21020101");
    assert_eq!(
        read,
        Certificate {
            number: "21020101".into(),
            holder: "孙海涛".into(),
            in_force: true,
            valid_until: Some(date("2023-12-29")),
            scopes: vec!["market".into(), "health".into()],
        }
    );
    assert!(
        !Certificate::of_case(
            &certificate_def(),
            &applied("21020103", "civil_servant").case,
            "21020103"
        )
        .in_force
    );
}

fn run_valid_attempt_by_staff() -> Refusal {
    let mut run = applied("21020104", "civil_servant");
    run.act(
        Actor::User(&justice()),
        "record_exam",
        "2021-08-20",
        &[("exam_result", json!("passed"))],
    );
    run.try_act(
        Actor::User(&staff()),
        "issue",
        "2021-09-01",
        &issue_terms("2023-12-29"),
    )
    .unwrap_err()
}

#[test]
fn a_certificate_turns_yellow_30_days_before_its_end_and_then_expires_by_itself() {
    let mut run = valid("2021-12-31");
    assert_eq!(run.due("validity", "2021-09-01"), date("2021-12-31"));
    assert_eq!(
        status(&run, "validity", "2021-11-30"),
        DeadlineStatus::Normal
    );
    assert_eq!(
        status(&run, "validity", "2021-12-01"),
        DeadlineStatus::DueSoon
    );
    let cal = Calendar::embedded();
    assert!(expired(&run.def, &run.case, cal, date("2021-12-31")).is_empty());
    assert_eq!(
        expired(&run.def, &run.case, cal, date("2022-01-01")),
        vec![(
            "validity".to_string(),
            Expiry::Action("expire".into()),
            date("2022-01-01")
        )]
    );
    // People cannot take it; the system does.
    assert!(matches!(
        run.try_act(Actor::User(&justice()), "expire", "2022-01-01", &[]),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.act(Actor::System, "expire", "2022-01-01", &[]);
    assert_eq!(run.case.state, "expired");
    assert!(!Certificate::of_case(&certificate_def(), &run.case, "21020101").in_force);
    assert!(matches!(
        run.try_act(
            Actor::User(&justice()),
            "renew",
            "2022-01-04",
            &[("valid_until", json!("2024-12-31"))]
        ),
        Err(Refusal::WrongState { .. })
    ));

    // A suspended certificate expires all the same.
    let mut suspended = valid("2021-12-31");
    suspended.act(
        Actor::User(&justice()),
        "suspend",
        "2021-10-08",
        &[("suspend_reason", json!("年审不合格"))],
    );
    suspended.act(Actor::System, "expire", "2022-01-01", &[]);
    assert_eq!(suspended.case.state, "expired");

    // A certificate valid until a rest day ends that day (the date printed on it is not a
    // period that rolls): Sunday 2023-12-31, expired by the system on 2024-01-01.
    let sunday = valid("2023-12-31");
    assert_eq!(sunday.due("validity", "2023-12-01"), date("2023-12-31"));
    assert!(sunday.expired_on("2023-12-31").is_empty());
    assert_eq!(
        sunday.expired_on("2024-01-01"),
        vec![(
            "validity".to_string(),
            Expiry::Action("expire".into()),
            date("2024-01-01")
        )]
    );
}

#[test]
fn renewal_gives_a_new_end_and_starts_the_clock_afresh() {
    let mut run = valid("2021-12-31");
    run.act(
        Actor::User(&justice()),
        "renew",
        "2021-12-20",
        &[
            ("valid_from", json!("2022-01-01")),
            ("valid_until", json!("2023-12-29")),
        ],
    );
    assert_eq!(run.case.state, "valid");
    let clock = run.case.clock("validity").unwrap();
    assert_eq!(
        (clock.started_on, clock.fixed_due, clock.status),
        (
            date("2021-12-20"),
            Some(date("2023-12-29")),
            ClockStatus::Running
        )
    );
    assert_eq!(run.due("validity", "2021-12-20"), date("2023-12-29"));
    assert!(
        expired(
            &run.def,
            &run.case,
            Calendar::embedded(),
            date("2022-01-01")
        )
        .is_empty()
    );
    assert_eq!(
        status(&run, "validity", "2022-01-01"),
        DeadlineStatus::Normal
    );
    assert_eq!(
        Certificate::of_case(&certificate_def(), &run.case, "21020101").valid_until,
        Some(date("2023-12-29"))
    );
    // The yearly review keeps it valid and records the training.
    run.act(
        Actor::User(&justice()),
        "annual_review",
        "2022-03-01",
        &[("review_year", json!(2021)), ("training_hours", json!(62))],
    );
    assert_eq!(run.case.state, "valid");
    assert_eq!(run.case.fields["training_hours"], json!(62));
}

#[test]
fn suspension_is_undone_but_cancellation_and_revocation_end_the_certificate() {
    let mut run = valid("2023-12-29");
    run.act(
        Actor::User(&justice()),
        "suspend",
        "2021-10-08",
        &[("suspend_reason", json!("涉嫌违规执法"))],
    );
    assert!(!Certificate::of_case(&certificate_def(), &run.case, "21020101").in_force);
    run.act(Actor::User(&justice()), "reinstate", "2021-11-01", &[]);
    assert!(Certificate::of_case(&certificate_def(), &run.case, "21020101").in_force);

    let mut retired = valid("2023-12-29");
    let refused = retired
        .try_act(Actor::User(&justice()), "cancel", "2022-06-30", &[])
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::MissingField { .. }),
        "{refused:?}"
    );
    retired.act(
        Actor::User(&justice()),
        "cancel",
        "2022-06-30",
        &[("cancel_reason", json!("retirement"))],
    );
    assert_eq!(retired.case.state, "cancelled");
    assert_eq!(
        retired.case.clock("validity").unwrap().status,
        ClockStatus::Stopped
    );
    assert!(!Certificate::of_case(&certificate_def(), &retired.case, "21020101").in_force);

    let mut revoked = valid("2023-12-29");
    revoked.act(
        Actor::User(&justice()),
        "suspend",
        "2021-10-08",
        &[("suspend_reason", json!("涉嫌违规执法"))],
    );
    revoked.act(
        Actor::User(&justice()),
        "revoke",
        "2021-11-01",
        &[("revoke_reason", json!("违规执法造成严重后果"))],
    );
    assert_eq!(revoked.case.state, "revoked");
    assert!(matches!(
        revoked.try_act(Actor::User(&justice()), "reinstate", "2021-11-02", &[]),
        Err(Refusal::WrongState { .. })
    ));
}

#[test]
fn a_certificate_issued_before_fazhi_is_registered_as_valid() {
    let mut run = Run::new(certificate_def(), DEPARTMENT);
    run.act(
        Actor::User(&justice()),
        "register_issued",
        "2021-07-20",
        &[
            ("holder", json!({"kind": "person", "name": "周静"})),
            ("certificate_number", json!("21020199")),
            ("scopes", json!(["urban"])),
            ("valid_from", json!("2019-07-01")),
            ("valid_until", json!("2022-06-30")),
        ],
    );
    assert_eq!(run.case.state, "valid");
    assert_eq!(run.due("validity", "2021-07-20"), date("2022-06-30"));
    assert!(
        run.try_act(
            Actor::User(&justice()),
            "register_issued",
            "2021-07-20",
            &[]
        )
        .is_err()
    );
}

// ----- enforcement bodies -----

fn body_def() -> Definition {
    load("enforcement_body-2021-07-15.toml", BODY)
}

fn proposal(kind: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "body",
            json!({"kind": "organisation", "name": "大连市旅顺口区综合行政执法局", "credit_code": "91350100M000100Y43"}),
        ),
        ("body_type", json!(kind)),
        (
            "legal_basis",
            json!("《中华人民共和国行政处罚法》第十八条；《辽宁省城市管理综合行政执法条例》"),
        ),
        ("scopes", json!(["urban", "housing"])),
        (
            "powers",
            json!("城市管理领域行政处罚权及相关行政强制、行政检查"),
        ),
    ]
}

#[test]
fn a_confirmed_body_is_published_within_20_working_days_and_withdrawn_when_revoked() {
    let mut run = Run::new(body_def(), DEPARTMENT);
    run.act(
        Actor::User(&staff()),
        "propose",
        "2021-09-01",
        &proposal("statutory"),
    );
    assert!(published(&run.def, &run.case).is_empty());
    // Only the justice bureau confirms.
    assert!(matches!(
        run.try_act(
            Actor::User(&staff()),
            "confirm",
            "2021-09-24",
            &[("confirmation_document", json!("旅政发〔2021〕8号"))]
        ),
        Err(Refusal::RoleNotAllowed { .. })
    ));
    run.act(
        Actor::User(&justice()),
        "confirm",
        "2021-09-24",
        &[("confirmation_document", json!("旅政发〔2021〕8号"))],
    );
    assert_eq!(run.case.state, "confirmed");
    let public = published(&run.def, &run.case);
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].code, "body");
    assert_eq!(
        public[0].fields[0],
        (
            "执法主体".to_string(),
            "大连市旅顺口区综合行政执法局 91350100M000100Y43".to_string()
        )
    );
    let labels: Vec<&str> = public[0].fields.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "执法主体",
            "主体类型",
            "法律依据",
            "执法领域",
            "执法职权",
            "确认文号"
        ]
    );
    // 20 working days from Friday 2021-09-24 across National Day (Sunday 9-26 and Saturday 10-09 worked): due
    // 2021-10-27.
    assert_eq!(run.due("publicity", "2021-09-24"), date("2021-10-27"));
    run.act(
        Actor::User(&justice()),
        "record_published",
        "2021-09-28",
        &[(
            "published_url",
            json!("http://www.dllsk.gov.cn/zfzt/2021.html"),
        )],
    );
    assert_eq!(
        run.case.clock("publicity").unwrap().status,
        ClockStatus::Stopped
    );
    // A change is published again, within a new period.
    run.act(
        Actor::User(&justice()),
        "record_change",
        "2021-11-01",
        &[
            ("change_note", json!("增加住房城乡建设领域执法职权")),
            ("scopes", json!(["urban", "housing", "natural_resources"])),
        ],
    );
    let clock = run.case.clock("publicity").unwrap();
    assert_eq!(
        (clock.status, clock.started_on),
        (ClockStatus::Running, date("2021-11-01"))
    );
    run.act(
        Actor::User(&justice()),
        "revoke",
        "2022-03-01",
        &[("revoke_reason", json!("机构改革，职能划转"))],
    );
    assert_eq!(run.case.state, "revoked");
    assert!(published(&run.def, &run.case).is_empty(), "withdrawn");
}

#[test]
fn an_entrusted_body_names_who_entrusted_it_and_in_which_document() {
    let mut run = Run::new(body_def(), DEPARTMENT);
    let refused = run
        .try_act(
            Actor::User(&staff()),
            "propose",
            "2021-09-01",
            &proposal("entrusted"),
        )
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "受委托组织须写明委托机关（依据：行政处罚法第二十条）"
    );
    let mut entrusted = proposal("entrusted");
    entrusted.push(("entrusting_body", json!("大连市旅顺口区城市管理局")));
    run.act(Actor::User(&staff()), "propose", "2021-09-01", &entrusted);
    assert!(
        run.try_act(
            Actor::User(&justice()),
            "confirm",
            "2021-09-24",
            &[("confirmation_document", json!("旅政发〔2021〕9号"))]
        )
        .unwrap_err()
        .to_string()
        .starts_with("行政处罚的委托应当采用书面形式")
    );
    run.act(
        Actor::User(&justice()),
        "confirm",
        "2021-09-24",
        &[
            ("confirmation_document", json!("旅政发〔2021〕9号")),
            ("entrustment_document", json!("旅城管委〔2021〕2号")),
        ],
    )
}

// ----- enforcement items -----

#[test]
fn an_item_is_published_stays_public_while_revised_and_is_withdrawn() {
    let mut run = Run::new(load("enforcement_item-2021-07-15.toml", ITEM), DEPARTMENT);
    run.act(
        Actor::User(&staff()),
        "draft",
        "2021-08-02",
        &[
            (
                "item_name",
                json!("对销售不符合食品安全标准的食品的行政处罚"),
            ),
            ("item_type", json!("penalty")),
            ("field_area", json!("market")),
        ],
    );
    assert!(published(&run.def, &run.case).is_empty());
    assert!(matches!(
        run.try_act(Actor::User(&staff()), "publish", "2021-08-03", &[]),
        Err(Refusal::MissingField { .. })
    ));
    let bands =
        "首次违法且货值不足一千元并及时改正 → 不予处罚\n货值一万元以下 → 罚款五千元以上一万元以下";
    run.act(
        Actor::User(&staff()),
        "publish",
        "2021-08-03",
        &[
            (
                "legal_basis",
                json!("《中华人民共和国食品安全法》第一百二十四条"),
            ),
            ("discretion_bands", json!(bands)),
        ],
    );
    assert_eq!(run.case.state, "published");
    let shown = |run: &Run, label: &str| -> Option<String> {
        published(&run.def, &run.case)
            .first()?
            .fields
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(shown(&run, "裁量基准").as_deref(), Some(bands));
    run.act(
        Actor::User(&staff()),
        "revise",
        "2021-10-08",
        &[("revision_reason", json!("食品安全法修正"))],
    );
    assert_eq!(run.case.state, "revised");
    assert_eq!(
        shown(&run, "裁量基准").as_deref(),
        Some(bands),
        "the published version stays public while it is revised"
    );
    let revised = "货值一万元以下 → 罚款五千元以上一万元以下";
    run.act(
        Actor::User(&staff()),
        "publish",
        "2021-10-20",
        &[("discretion_bands", json!(revised))],
    );
    assert_eq!(shown(&run, "裁量基准").as_deref(), Some(revised));
    run.act(
        Actor::User(&staff()),
        "withdraw",
        "2022-01-04",
        &[("withdraw_reason", json!("事项调整"))],
    );
    assert_eq!(run.case.state, "withdrawn");
    assert!(published(&run.def, &run.case).is_empty());
}
