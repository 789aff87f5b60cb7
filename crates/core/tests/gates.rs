//! Guards that look beyond the case (certified officers) and refusals that name what is wrong
//! (a guard message showing field values by their labels).

mod common;

use common::*;
use fazhi_core::engine::{Actor, Certificate, Refusal, decide_with};
use fazhi_core::org::Role;
use fazhi_core::procedure::Definition;
use serde_json::json;
use std::collections::BTreeMap;

const DEFINITION: &str = r#"
[procedure]
code = "inspection"
name = { zh = "检查", en = "Inspection" }
version = "1"
effective = "2021-07-15"

[fields.field_area]
type = "enum"
zh = "执法领域"
values = [{ code = "market", zh = "市场监管" }, { code = "urban", zh = "城市管理" }]

[fields.officers]
type = "list"
of = "text"
zh = "执法人员执法证号"

[fields.defects]
type = "list"
of = "enum"
zh = "审核意见"
values = [{ code = "unclear_facts", zh = "事实不清" }, { code = "weak_evidence", zh = "证据不足" }]

[states.open]
zh = "立案"

[states.reviewed]
zh = "已审核"

[states.closed]
zh = "结案"
terminal = true

[[actions]]
code = "open"
zh = "立案"
from = ["new"]
to = "open"
roles = ["enforcement_officer"]
needs = ["field_area"]

[[actions]]
code = "gather_evidence"
zh = "调查取证"
from = ["open"]
to = "open"
roles = ["enforcement_officer"]
needs = ["officers"]
guards = [{ certified = "officers", at_least = 2, certificates = "enforcement_certificate", covering = "field_area", message = "", basis = "行政处罚法第四十二条" }]

[[actions]]
code = "review_fail"
zh = "审核不通过"
from = ["open"]
to = "reviewed"
roles = ["legal_reviewer"]
scope = "region"
needs = ["defects"]

[[actions]]
code = "close"
zh = "结案"
from = ["reviewed"]
to = "closed"
roles = ["enforcement_officer"]
guards = [{ not_taken = "review_fail", message = "法制审核认定{defects}，不得结案", basis = "行政处罚法第五十八条" }]
"#;

fn certificate(
    number: &str,
    holder: &str,
    until: &str,
    scopes: &[&str],
    in_force: bool,
) -> (String, Certificate) {
    (
        number.to_string(),
        Certificate {
            number: number.to_string(),
            holder: holder.to_string(),
            in_force,
            valid_until: Some(date(until)),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        },
    )
}

fn evidence(
    run: &Run,
    facts: &BTreeMap<String, Certificate>,
    on: &str,
    officers: &[&str],
) -> Result<(), Refusal> {
    let officer = person(Role::EnforcementOfficer, Some("d-market"));
    let command = fazhi_core::engine::Command {
        action: "gather_evidence".into(),
        expected_version: run.case.version,
        fields: fields(&[("officers", json!(officers))]),
        on: date(on),
    };
    decide_with(&run.def, &run.case, Actor::User(&officer), &command, facts).map(|_| ())
}

#[test]
fn evidence_needs_two_officers_with_valid_certificates_for_the_field() {
    let def: Definition = load("inspection.toml", DEFINITION);
    let officer = person(Role::EnforcementOfficer, Some("d-market"));
    let mut run = Run::new(def, "d-market");
    run.act(
        Actor::User(&officer),
        "open",
        "2021-09-01",
        &[("field_area", json!("market"))],
    );
    let facts: BTreeMap<String, Certificate> = [
        certificate("21020001", "张执法", "2023-12-31", &["market"], true),
        certificate(
            "21020002",
            "李执法",
            "2021-10-31",
            &["market", "urban"],
            true,
        ),
        certificate("21020003", "王执法", "2023-12-31", &["urban"], true),
        certificate("21020004", "赵执法", "2023-12-31", &["market"], false),
    ]
    .into_iter()
    .collect();
    assert!(evidence(&run, &facts, "2021-09-02", &["21020001", "21020002"]).is_ok());
    // One officer, even named twice, is not two.
    let one = evidence(&run, &facts, "2021-09-02", &["21020001", "21020001"]).unwrap_err();
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
    // A certificate for another field, a suspended one and an unknown one are each named.
    let refused = evidence(
        &run,
        &facts,
        "2021-09-02",
        &["21020001", "21020003", "21020004", "99999999"],
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("王执法的执法证 21020003 的执法领域不含“market”"),
        "{refused}"
    );
    assert!(
        refused.contains("赵执法的执法证 21020004 不在有效状态"),
        "{refused}"
    );
    assert!(refused.contains("执法证 99999999 不存在"), "{refused}");
    assert!(refused.contains("行政处罚法第四十二条"), "{refused}");
    // A certificate that expires mid-case is refused from the day after its last day.
    assert!(evidence(&run, &facts, "2021-10-31", &["21020001", "21020002"]).is_ok());
    let expired = evidence(&run, &facts, "2021-11-01", &["21020001", "21020002"])
        .unwrap_err()
        .to_string();
    assert!(
        expired.contains("李执法的执法证 21020002 已于 2021-10-31 到期"),
        "{expired}"
    );
}

#[test]
fn a_refusal_names_the_defects_found() {
    let def: Definition = load("inspection.toml", DEFINITION);
    let officer = person(Role::EnforcementOfficer, Some("d-market"));
    let reviewer = person(Role::LegalReviewer, None);
    let mut run = Run::new(def, "d-market");
    run.act(
        Actor::User(&officer),
        "open",
        "2021-09-01",
        &[("field_area", json!("market"))],
    );
    run.act(
        Actor::User(&reviewer),
        "review_fail",
        "2021-09-03",
        &[("defects", json!(["unclear_facts", "weak_evidence"]))],
    );
    let refused = run
        .try_act(Actor::User(&officer), "close", "2021-09-04", &[])
        .unwrap_err();
    assert_eq!(refused.code(), "guard_failed");
    assert_eq!(
        refused.to_string(),
        "法制审核认定事实不清、证据不足，不得结案（依据：行政处罚法第五十八条）"
    );
}

#[test]
fn unknown_placeholders_and_bad_number_fields_are_definition_errors() {
    let broken = DEFINITION.replace("法制审核认定{defects}", "法制审核认定{defekts}");
    let errors = Definition::parse("x.toml", &broken).unwrap_err();
    assert!(
        errors.iter().any(|e| e.message.contains("{defekts}")),
        "{errors:?}"
    );
    let numbered = DEFINITION.replace(
        "effective = \"2021-07-15\"",
        "effective = \"2021-07-15\"\nnumber_field = \"officers\"",
    );
    let errors = Definition::parse("x.toml", &numbered).unwrap_err();
    assert!(
        errors.iter().any(|e| e.at == "procedure.number_field"),
        "{errors:?}"
    );
    let ruled = DEFINITION.replace(
        "code = \"close\"\nzh = \"结案\"",
        "code = \"close\"\nrule = \"golden_ratio\"\nzh = \"结案\"",
    );
    assert_ne!(ruled, DEFINITION);
    let errors = Definition::parse("x.toml", &ruled).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("unknown rule “golden_ratio”")),
        "{errors:?}"
    );
}

#[test]
fn an_officer_is_published_by_full_name_and_number_only() {
    let text = include_str!(
        "../../../procedures/enforcement_certificate/enforcement_certificate-2021-07-15.toml"
    );
    let def = load("enforcement_certificate.toml", text);
    let justice = person(Role::JusticeStaff, None);
    let mut run = Run::new(def, "d-market");
    run.act(
        Actor::User(&justice),
        "register_issued",
        "2021-09-01",
        &[
            (
                "holder",
                json!({"kind": "person", "name": "张执法", "id_number": "11010519491231002X", "phone": "13912345678"}),
            ),
            ("certificate_number", json!("21020001")),
            ("scopes", json!(["market"])),
            ("valid_from", json!("2021-01-01")),
            ("valid_until", json!("2023-12-31")),
        ],
    );
    let public = fazhi_core::engine::published(&run.def, &run.case);
    assert_eq!(public.len(), 1);
    let shown: Vec<&str> = public[0].fields.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(shown[0], "张执法", "the full name, nothing else");
    assert!(shown.contains(&"21020001"));
    assert!(shown.contains(&"市场监管"), "scopes by label: {shown:?}");
    let all = format!("{shown:?}");
    assert!(!all.contains("11010519491231002X") && !all.contains("13912345678"));
}
