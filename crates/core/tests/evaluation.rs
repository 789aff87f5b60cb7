//! 行政执法案卷评查 (procedures/case_file_evaluation/case_file_evaluation-2021-07-15.toml and
//! `fazhi_core::evaluation`): the definition, its guards, the rectification clock on real
//! dates, and the scoring rule that grades by the definition's `[grading]`.

use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, ClockStatus, DeadlineStatus, Refusal};
use fazhi_core::evaluation::{
    Evaluation, Grade, check_recorded, evaluation_of, grade, summary, veto_name,
};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Definition, FieldType};
use serde_json::{Value, json};

mod common;
use common::*;

const EVALUATION: &str =
    include_str!("../../../procedures/case_file_evaluation/case_file_evaluation-2021-07-15.toml");
/// The justice bureau, whose cases evaluations are.
const BUREAU: &str = "d-justice";
/// The body whose file is evaluated.
const BODY: &str = "d-market";

fn definition() -> Definition {
    load("case_file_evaluation-2021-07-15.toml", EVALUATION)
}

/// The veto items of the local standard, as the definition lists them.
const VETOES: [(&str, &str); 9] = [
    ("unlawful_body", "执法主体不合法"),
    ("unqualified_officer", "执法人员不具备资格"),
    ("failure_to_refer", "应当移送而未移送"),
    ("insufficient_evidence", "主要证据不足"),
    ("unclear_facts", "事实不清"),
    ("wrong_characterisation", "定性错误"),
    ("wrong_law", "适用法律错误"),
    ("illegal_procedure", "违反法定程序"),
    ("fewer_than_two", "执法人员少于两人"),
];

fn justice() -> fazhi_core::Principal {
    person(Role::JusticeStaff, Some(BUREAU))
}

fn body_staff() -> fazhi_core::Principal {
    person(Role::DepartmentStaff, Some(BODY))
}

/// A file of the market regulator registered in the 2019 first batch.
fn registered(on: &str) -> Run {
    let mut run = Run::new(definition(), BUREAU);
    run.act(
        Actor::User(&justice()),
        "register",
        on,
        &[
            ("batch", json!("2019年度第一批")),
            ("batch_year", json!(2019)),
            ("file_number", json!("市监罚〔2019〕12号")),
            ("file_kind", json!("penalty")),
            ("evaluated_body", json!(BODY)),
            ("evaluating_body", json!(BUREAU)),
        ],
    );
    run
}

fn score_fields(
    form: i64,
    content: i64,
    total: i64,
    grade: &str,
    vetoes: &[&str],
) -> Vec<(&'static str, Value)> {
    let mut f = vec![
        ("evaluators", json!(["张评查", "李评查"])),
        ("form_score", json!(form)),
        ("content_score", json!(content)),
        ("total_score", json!(total)),
        ("grade", json!(grade)),
        ("problems", json!("询问笔录未载明告知事项")),
    ];
    if !vetoes.is_empty() {
        f.push(("vetoes", json!(vetoes)));
    }
    f
}

fn try_score(
    run: &Run,
    form: i64,
    content: i64,
    total: i64,
    grade: &str,
    vetoes: &[&str],
) -> Result<(), Refusal> {
    run.try_act(
        Actor::User(&justice()),
        "score",
        "2019-09-10",
        &score_fields(form, content, total, grade, vetoes),
    )
}

fn guard_message(result: Result<(), Refusal>) -> String {
    match result {
        Err(r @ Refusal::GuardFailed { .. }) => r.to_string(),
        other => panic!("expected a guard refusal, got {other:?}"),
    }
}

fn graded(form: u32, content: u32, vetoes: &[&str]) -> Evaluation {
    grade(&definition(), form + content, vetoes).unwrap()
}

/// The definition with other bands, as another district's version of it would have.
fn with_bands(excellent: u32, qualified: u32) -> Definition {
    let text = EVALUATION
        .replace(
            "{ grade = \"excellent\", at_least = 90 }",
            &format!("{{ grade = \"excellent\", at_least = {excellent} }}"),
        )
        .replace(
            "{ grade = \"qualified\", at_least = 70 }",
            &format!("{{ grade = \"qualified\", at_least = {qualified} }}"),
        );
    assert_ne!(text, EVALUATION);
    load("other-bands.toml", &text)
}

// ----- the definition -----

#[test]
fn the_definition_loads_and_agrees_with_the_rust_rules() {
    let def = Definition::parse("case_file_evaluation-2021-07-15.toml", EVALUATION)
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    assert_eq!(def.code, "case_file_evaluation");
    assert!(
        def.action("score")
            .is_some_and(|a| a.rule.as_deref() == Some(fazhi_core::rules::CASE_FILE_SCORE))
    );
    let vetoes = def.field("vetoes").unwrap();
    assert_eq!(vetoes.kind, FieldType::List);
    assert_eq!(vetoes.of, Some(FieldType::Enum));
    let listed: Vec<(&str, &str)> = vetoes
        .values
        .iter()
        .map(|v| (v.code.as_str(), v.zh.as_str()))
        .collect();
    assert_eq!(listed, VETOES.to_vec());
    for (code, zh) in VETOES {
        assert_eq!(veto_name(&def, code), Some(zh));
    }
    let grading = def.grading.as_ref().expect("[grading]");
    assert_eq!(grading.parts, ["form_score", "content_score"]);
    assert_eq!(grading.total, "total_score");
    let bands: Vec<(&str, u32)> = grading
        .bands
        .iter()
        .map(|b| (b.grade.as_str(), b.at_least))
        .collect();
    assert_eq!(
        bands,
        [("excellent", 90), ("qualified", 70), ("unqualified", 0)]
    );
    assert_eq!(grading.vetoes.as_ref().unwrap().grade, "unqualified");
    let grades: Vec<(&str, &str)> = def
        .field("grade")
        .unwrap()
        .values
        .iter()
        .map(|v| (v.code.as_str(), v.zh.as_str()))
        .collect();
    assert_eq!(
        grades,
        Grade::ALL
            .iter()
            .map(|g| (g.code(), g.zh()))
            .collect::<Vec<_>>()
    );
    for code in ["form_score", "content_score", "total_score", "batch_year"] {
        assert_eq!(def.field(code).unwrap().kind, FieldType::Integer, "{code}");
    }
    assert_eq!(
        def.field("evaluated_body").unwrap().kind,
        FieldType::Department
    );
    let kinds: Vec<&str> = def
        .field("file_kind")
        .unwrap()
        .values
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["penalty", "coercion", "licensing", "inspection", "other"]
    );
}

// ----- grading (pure) -----

#[test]
fn every_veto_item_makes_the_file_unqualified_and_is_named() {
    for (code, zh) in VETOES {
        let e = graded(20, 80, &[code]);
        assert_eq!(e.grade, Grade::Unqualified, "{code}");
        assert_eq!(e.total, 100);
        assert_eq!(e.reasons, [format!("存在否决项“{zh}”，评为不合格卷")]);
    }
    let two = graded(
        18,
        75,
        &["unclear_facts", "illegal_procedure", "unclear_facts"],
    );
    assert_eq!(two.grade, Grade::Unqualified);
    assert_eq!(two.reasons.len(), 2, "a repeated item is named once");
    assert!(two.reasons[0].contains("事实不清"));
    assert!(two.reasons[1].contains("违反法定程序"));
    assert_eq!(
        grade(&definition(), 100, &["late_filing"]).unwrap_err(),
        "“late_filing”不是否决项"
    );
}

#[test]
fn bands_have_their_boundaries_where_the_local_rules_put_them() {
    assert_eq!(graded(20, 70, &[]).grade, Grade::Excellent); // 90
    assert_eq!(graded(19, 70, &[]).grade, Grade::Qualified); // 89
    assert_eq!(graded(20, 50, &[]).grade, Grade::Qualified); // 70
    assert_eq!(graded(19, 50, &[]).grade, Grade::Unqualified); // 69
    assert_eq!(graded(0, 0, &[]).grade, Grade::Unqualified);
    assert_eq!(graded(20, 80, &[]).grade, Grade::Excellent);
    assert_eq!(
        graded(19, 70, &[]).reasons,
        ["总分 89 分，达到合格线 70 分、不足优秀线 90 分"]
    );
    assert_eq!(
        graded(19, 50, &[]).reasons,
        ["总分 69 分，不足合格线 70 分"]
    );
    // Bands are local: another district's, in its own version of the file.
    let strict = with_bands(95, 80);
    assert_eq!(grade(&strict, 94, &[]).unwrap().grade, Grade::Qualified);
    assert_eq!(grade(&strict, 95, &[]).unwrap().grade, Grade::Excellent);
    assert_eq!(grade(&strict, 79, &[]).unwrap().grade, Grade::Unqualified);
    assert_eq!(
        grade(&strict, 94, &[]).unwrap().reasons,
        ["总分 94 分，达到合格线 80 分、不足优秀线 95 分"]
    );
    // Bands that do not go down are a mistake of the file, named where it is.
    let errors = Definition::parse(
        "upside-down.toml",
        &EVALUATION.replace(
            "{ grade = \"qualified\", at_least = 70 }",
            "{ grade = \"qualified\", at_least = 95 }",
        ),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].at, "grading.bands[1].at_least");
    assert!(errors[0].message.contains("highest down"), "{errors:?}");
}

#[test]
fn scores_out_of_range_are_refused_in_chinese() {
    // The ranges are the definition's guards (`at_least`/`at_most`), with its messages.
    let run = registered("2019-09-02");
    assert_eq!(
        guard_message(try_score(&run, 21, 60, 81, "qualified", &[])),
        "案卷形式得分 21 分超出范围（0–20 分）（依据：行政执法案卷评查标准（本地规定））"
    );
    assert_eq!(
        guard_message(try_score(&run, 20, 81, 101, "excellent", &[])),
        "案卷内容得分 81 分超出范围（0–80 分）（依据：行政执法案卷评查标准（本地规定））"
    );
    assert!(try_score(&run, 20, 80, 100, "excellent", &[]).is_ok());
    assert!(try_score(&run, 0, 0, 0, "unqualified", &[]).is_ok());
}

#[test]
fn grading_mistakes_are_named_with_their_place() {
    let errors = |from: &str, to: &str| -> Vec<String> {
        let text = EVALUATION.replace(from, to);
        assert_ne!(text, EVALUATION, "{from}");
        Definition::parse("eval.toml", &text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        errors(
            "parts = [\"form_score\", \"content_score\"]",
            "parts = [\"form_score\", \"problems\"]"
        ),
        ["eval.toml: grading.parts: “problems” is not an integer field"]
    );
    assert_eq!(
        errors(
            "{ grade = \"unqualified\", at_least = 0 }",
            "{ grade = \"failed\", at_least = 0 }"
        ),
        [
            "eval.toml: grading.bands[2].grade: “failed” is not a value of “grade”",
            "eval.toml: actions[1] (score).rule: the grade “failed” is not one of excellent, qualified, unqualified",
        ]
    );
    assert_eq!(
        errors(
            "{ grade = \"unqualified\", at_least = 0 }",
            "{ grade = \"unqualified\", at_least = 10 }"
        ),
        [
            "eval.toml: grading.bands[2].at_least: the lowest band starts at 0, so that every total has a grade"
        ]
    );
    assert_eq!(
        errors(
            "vetoes = { field = \"vetoes\", grade = \"unqualified\" }",
            "vetoes = { field = \"grade\", grade = \"unqualified\" }"
        ),
        ["eval.toml: grading.vetoes.field: “grade” is not a list of enum"]
    );
    let start = EVALUATION.find("\n[grading]\n").unwrap();
    let end = start + EVALUATION[start..].find("\n\n").unwrap();
    assert_eq!(
        errors(&EVALUATION[start..end], ""),
        [
            "eval.toml: actions[1] (score).rule: the rule “case_file_score” grades by the definition's [grading] table, which is missing"
        ]
    );
}

#[test]
fn summary_per_body_counts_grades_and_averages_totals() {
    let rows = vec![
        ("市场监管局".to_string(), graded(18, 75, &[])), // 93 优秀
        ("城市管理局".to_string(), graded(15, 60, &[])), // 75 合格
        ("市场监管局".to_string(), graded(16, 66, &[])), // 82 合格
        ("市场监管局".to_string(), graded(19, 76, &["wrong_law"])), // 95 不合格
        ("城市管理局".to_string(), graded(10, 50, &[])), // 60 不合格
    ];
    let s = summary(&rows);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].body, "城市管理局", "sorted by body");
    assert_eq!(
        (s[0].files, s[0].excellent, s[0].qualified, s[0].unqualified),
        (2, 0, 1, 1)
    );
    assert_eq!(s[0].average_total, 67.5);
    assert_eq!(s[1].body, "市场监管局");
    assert_eq!(
        (s[1].files, s[1].excellent, s[1].qualified, s[1].unqualified),
        (3, 1, 1, 1)
    );
    assert_eq!(s[1].average_total, (93.0 + 82.0 + 95.0) / 3.0);
    assert!(summary(&[]).is_empty());
}

// ----- scoring through the engine -----

#[test]
fn a_score_contradicting_a_veto_item_is_refused_naming_it() {
    let run = registered("2019-09-02");
    let message = guard_message(try_score(
        &run,
        18,
        72,
        90,
        "qualified",
        &["unclear_facts", "illegal_procedure"],
    ));
    assert_eq!(
        message,
        "存在否决项（事实不清、违反法定程序），案卷应评为不合格（依据：行政执法案卷评查标准（否决项））"
    );
    let message = guard_message(try_score(
        &run,
        20,
        80,
        100,
        "excellent",
        &["fewer_than_two"],
    ));
    assert!(
        message.starts_with("存在否决项（执法人员少于两人）"),
        "{message}"
    );
    assert!(try_score(&run, 18, 72, 90, "unqualified", &["unclear_facts"]).is_ok());
    // An empty list is no veto item (the engine leaves the field out).
    let mut f = score_fields(18, 72, 90, "excellent", &[]);
    f.push(("vetoes", json!([])));
    assert!(
        run.try_act(Actor::User(&justice()), "score", "2019-09-10", &f)
            .is_ok()
    );
}

#[test]
fn only_the_justice_bureau_registers_and_scores() {
    let run = registered("2019-09-02");
    let body = body_staff();
    let refused = run
        .try_act(
            Actor::User(&body),
            "score",
            "2019-09-10",
            &score_fields(18, 72, 90, "excellent", &[]),
        )
        .unwrap_err();
    assert_eq!(refused.code(), "role_not_allowed", "{refused}");
    let fresh = Run::new(definition(), BODY);
    let refused = fresh
        .try_act(
            Actor::User(&body),
            "register",
            "2019-09-02",
            &[("batch", json!("2019年度第一批"))],
        )
        .unwrap_err();
    assert_eq!(refused.code(), "role_not_allowed", "{refused}");
    // A reviewer of the justice bureau in another department still may (scope region).
    let other = person(Role::JusticeStaff, Some("d-other"));
    assert!(
        run.try_act(
            Actor::User(&other),
            "score",
            "2019-09-10",
            &score_fields(18, 72, 90, "excellent", &[]),
        )
        .is_ok()
    );
}

/// The engine refuses exactly the scores that `check_recorded` (the rule `case_file_score`,
/// by the definition's `[grading]`) or the definition's guards (ranges, veto items) refuse.
#[test]
fn the_guards_and_check_recorded_together_are_the_rules() {
    let run = registered("2019-09-02");
    let def = definition();
    for total in 0..=100i64 {
        let form = total.min(20);
        let content = total - form;
        let expected = graded(form as u32, content as u32, &[]).grade;
        for g in Grade::ALL {
            let engine = try_score(&run, form, content, total, g.code(), &[]);
            let recorded = fields(&score_fields(form, content, total, g.code(), &[]));
            let checked = check_recorded(&def, &recorded);
            assert_eq!(checked.is_ok(), g == expected, "{total} {g:?}: {checked:?}");
            // The engine runs check_recorded on every score, so it agrees exactly.
            if g == expected {
                assert!(engine.is_ok(), "{total} {g:?}: {engine:?}");
            } else {
                assert_eq!(engine.unwrap_err().code(), "guard_failed", "{total} {g:?}");
            }
        }
        // With a veto item, only 不合格 passes either check.
        for g in [Grade::Excellent, Grade::Qualified] {
            assert!(try_score(&run, form, content, total, g.code(), &["wrong_law"]).is_err());
        }
        let vetoed = fields(&score_fields(
            form,
            content,
            total,
            "unqualified",
            &["wrong_law"],
        ));
        assert!(check_recorded(&def, &vetoed).is_ok());
    }
    // Ranges are guards too.
    let m = guard_message(try_score(&run, 21, 60, 81, "qualified", &[]));
    assert!(
        m.starts_with("案卷形式得分 21 分超出范围（0–20 分）"),
        "{m}"
    );
    let m = guard_message(try_score(&run, 10, 81, 91, "excellent", &[]));
    assert!(
        m.starts_with("案卷内容得分 81 分超出范围（0–80 分）"),
        "{m}"
    );
    let m = guard_message(try_score(&run, -1, 75, 74, "qualified", &[]));
    assert!(m.contains("超出范围"), "{m}");
    // A 不合格 without problems written down is refused.
    let refused = run
        .try_act(
            Actor::User(&justice()),
            "score",
            "2019-09-10",
            &[
                ("evaluators", json!(["张评查"])),
                ("form_score", json!(10)),
                ("content_score", json!(40)),
                ("total_score", json!(50)),
                ("grade", json!("unqualified")),
            ],
        )
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("评为不合格的案卷须写明存在的问题"),
        "{refused}"
    );
}

#[test]
fn check_recorded_says_what_the_entry_should_have_been() {
    let def = definition();
    let wrong_sum = fields(&score_fields(18, 70, 90, "excellent", &[]));
    assert_eq!(
        check_recorded(&def, &wrong_sum).unwrap_err(),
        "总分应为案卷形式得分 18 分与案卷内容得分 70 分之和 88 分，记录为 90 分"
    );
    let harsh = fields(&score_fields(18, 70, 88, "unqualified", &[]));
    assert_eq!(
        check_recorded(&def, &harsh).unwrap_err(),
        "按评查标准应评为合格（总分 88 分，达到合格线 70 分、不足优秀线 90 分），记录为不合格"
    );
    let vetoed = fields(&score_fields(
        18,
        70,
        88,
        "qualified",
        &["wrong_characterisation"],
    ));
    assert_eq!(
        check_recorded(&def, &vetoed).unwrap_err(),
        "按评查标准应评为不合格（存在否决项“定性错误”，评为不合格卷），记录为合格"
    );
    let mut missing = fields(&score_fields(18, 70, 88, "qualified", &[]));
    missing.remove("content_score");
    assert_eq!(
        check_recorded(&def, &missing).unwrap_err(),
        "缺少案卷内容得分"
    );
    // The case's fields after a real score, as the store would hand them over.
    let mut run = registered("2019-09-02");
    run.act(
        Actor::User(&justice()),
        "score",
        "2019-09-10",
        &score_fields(18, 70, 88, "qualified", &[]),
    );
    assert!(check_recorded(&def, &run.case.fields).is_ok());
    assert_eq!(
        evaluation_of(&def, &run.case.fields).unwrap(),
        graded(18, 70, &[])
    );
}

// ----- rectification -----

#[test]
fn rectification_goes_to_the_body_and_its_deadline_counts_on_real_dates() {
    let justice = justice();
    let body = body_staff();
    let mut run = registered("2019-09-02");
    run.act(
        Actor::User(&justice),
        "score",
        "2019-09-10",
        &score_fields(18, 72, 90, "unqualified", &["insufficient_evidence"]),
    );
    // A 不合格卷 is not closed without rectification.
    let m = guard_message(run.try_act(Actor::User(&justice), "close", "2019-09-11", &[]));
    assert!(m.starts_with("不合格案卷须整改后方可办结"), "{m}");
    // The deadline set is National Day (2019-10-01, a holiday to 10-07): as docs/procedures.md
    // says of calendar-day periods, a last day on a rest day ends on the next working day.
    run.act(
        Actor::User(&justice),
        "require_rectification",
        "2019-09-20",
        &[("rectification_deadline", json!("2019-10-01"))],
    );
    assert_eq!(run.case.state, "rectification_required");
    assert_eq!(
        run.case.department.as_deref(),
        Some(BODY),
        "handed to the body"
    );
    assert_eq!(run.due("rectification", "2019-09-20"), date("2019-10-08"));
    let clock = run.def.clock("rectification").unwrap();
    let due = fazhi_core::engine::clock_due(
        clock,
        run.case.clock("rectification").unwrap(),
        Calendar::embedded(),
        date("2019-09-20"),
    )
    .unwrap();
    assert_eq!(due.explanation.rolled_from, Some(date("2019-10-01")));
    assert_eq!(
        DeadlineStatus::of(due.date, date("2019-10-08"), 3),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        DeadlineStatus::of(due.date, date("2019-10-09"), 3),
        DeadlineStatus::Overdue
    );
    // Only the evaluated body's staff report; the bureau cannot report for it.
    let refused = run
        .try_act(
            Actor::User(&justice),
            "report_rectification",
            "2019-10-08",
            &[
                ("rectification_report", json!("已补充调查取证")),
                ("rectified_on", json!("2019-10-08")),
            ],
        )
        .unwrap_err();
    assert_eq!(refused.code(), "role_not_allowed");
    let stranger = person(Role::DepartmentStaff, Some("d-urban"));
    let refused = run
        .try_act(
            Actor::User(&stranger),
            "report_rectification",
            "2019-10-08",
            &[
                ("rectification_report", json!("已补充调查取证")),
                ("rectified_on", json!("2019-10-08")),
            ],
        )
        .unwrap_err();
    assert_eq!(refused.code(), "department_not_allowed");
    run.act(
        Actor::User(&body),
        "report_rectification",
        "2019-10-08",
        &[
            ("rectification_report", json!("已补充调查取证")),
            ("rectified_on", json!("2019-10-08")),
        ],
    );
    assert_eq!(
        run.case.clock("rectification").unwrap().status,
        ClockStatus::Stopped
    );
    // Sent back with a new deadline: the clock starts afresh from that day.
    run.act(
        Actor::User(&justice),
        "return_rectification",
        "2019-10-10",
        &[
            ("problems", json!("补充的证据未经当事人确认")),
            ("rectification_deadline", json!("2019-10-31")),
        ],
    );
    assert_eq!(
        run.case.clock("rectification").unwrap().status,
        ClockStatus::Running
    );
    assert_eq!(run.due("rectification", "2019-10-10"), date("2019-10-31"));
    run.act(
        Actor::User(&body),
        "report_rectification",
        "2019-10-30",
        &[
            ("rectification_report", json!("证据已经当事人签字确认")),
            ("rectified_on", json!("2019-10-30")),
        ],
    );
    // The body cannot close; the bureau closes and takes the case back.
    let refused = run
        .try_act(Actor::User(&body), "close", "2019-11-01", &[])
        .unwrap_err();
    assert_eq!(refused.code(), "role_not_allowed");
    run.act(Actor::User(&justice), "close", "2019-11-01", &[]);
    assert_eq!(run.case.state, "closed");
    assert_eq!(run.case.department.as_deref(), Some(BUREAU));
}

#[test]
fn a_good_file_closes_without_rectification() {
    let mut run = registered("2019-09-02");
    run.act(
        Actor::User(&justice()),
        "score",
        "2019-09-10",
        &score_fields(19, 73, 92, "excellent", &[]),
    );
    run.act(Actor::User(&justice()), "close", "2019-09-11", &[]);
    assert_eq!(run.case.state, "closed");
    assert_eq!(run.case.department.as_deref(), Some(BUREAU));
    assert!(run.case.clock("rectification").is_none());
}
