//! The parts of the definition format that let a procedure say what it could not before:
//! number ranges and date comparisons in conditions, actions with several possible targets,
//! clocks that run only under a condition — and the outside facts the engine refuses by
//! (numbers already registered, departments not in use), with the hand-over a step records.
//! One small procedure, defined here, exercises them all.

use fazhi_core::engine::{
    Actor, Case, Certificate, Command, Facts, NoFacts, RecordedOn, Refusal, Step, Transfer, apply,
    decide, decide_with,
};
use fazhi_core::org::Role;
use fazhi_core::procedure::{Condition, DateRef, Definition, Order};
use serde_json::{Value, json};
use std::collections::BTreeMap;

mod common;
use common::*;

/// A subsidy application: received (by post or at the window), perhaps handed to the
/// competent department, a hearing notified, then assessed: granted from a score of 60,
/// sent to review when a large amount fails, refused otherwise.
const SUBSIDY: &str = r#"
[procedure]
code = "subsidy"
name = { zh = "补贴申请", en = "Subsidy application" }
version = "2024-01-01"
effective = "2024-01-01"
number_field = "file_no"

[fields.file_no]
type = "text"
zh = "申请编号"

[fields.received_on]
type = "date"
zh = "收到申请日期"

[fields.channel]
type = "enum"
zh = "提交方式"
values = [{ code = "post", zh = "邮寄" }, { code = "window", zh = "窗口" }]

[fields.amount]
type = "money"
zh = "申请金额"

[fields.score]
type = "integer"
zh = "评审得分"

[fields.decided_on]
type = "date"
zh = "决定日期"
# Its guards (below) say what it may hold; the tests are about them.
date_rule = "any"

[fields.hearing_on]
type = "date"
zh = "听证日期"
date_rule = "due"

[fields.competent]
type = "department"
zh = "承办部门"

[fields.note]
type = "text"
zh = "备注"

[states.received]
zh = "已收到"

[states.review]
zh = "复核中"

[states.granted]
zh = "准予补贴"
terminal = true

[states.refused]
zh = "不予补贴"
terminal = true

[[actions]]
code = "receive"
zh = "收件"
from = ["new"]
to = "received"
roles = ["window_clerk"]
needs = ["file_no", "received_on", "channel", "amount"]
guards = [
  { field = "received_on", not_after = "on" },
  { field = "amount", at_least = 0.01, at_most = "100000.00" },
]

[[actions]]
code = "hand_over"
zh = "转承办部门"
from = ["received"]
to = "received"
roles = ["window_clerk"]
needs = ["competent"]
transfers_to = "competent"

[[actions]]
code = "notify_hearing"
zh = "告知听证"
from = ["received"]
to = "received"
roles = ["window_clerk"]
needs = ["hearing_on"]
guards = [
  { field = "hearing_on", not_before = "on", plus_days = 7, basis = "听证七日前通知" },
]

[[actions]]
code = "assess"
zh = "评审决定"
from = ["received", "review"]
to = [
  { state = "granted", when = { field = "score", at_least = 60 } },
  { state = "review", when = { field = "amount", at_least = 50000 } },
  { state = "refused" },
]
roles = ["window_clerk"]
needs = ["score", "decided_on"]
may = ["note"]
guards = [
  { field = "score", at_least = 0, at_most = 100 },
  { field = "decided_on", not_before = "received_on" },
  { field = "decided_on", not_after = "on" },
  { field = "note", present = true, when = { field = "score", at_most = 59 }, message = "不予补贴须写明理由" },
]

[[clocks]]
code = "postal_check"
zh = "邮寄件核对期限"
length = "5d"
starts = ["receive"]
when = { field = "channel", in = ["post"] }
stops = ["assess"]

[[clocks]]
code = "decision"
zh = "决定期限"
length = "20wd"
starts = ["receive"]
restarts = ["notify_hearing"]
stops = ["assess"]

[[clocks]]
code = "hearing"
zh = "听证准备期限"
length = "10d"
starts = ["notify_hearing"]
when = { field = "amount", at_least = 50000 }
"#;

fn definition() -> Definition {
    load("subsidy.toml", SUBSIDY)
}

fn clerk() -> fazhi_core::Principal {
    person(Role::WindowClerk, Some("d-hall"))
}

fn received(channel: &str, amount: &str) -> Run {
    let mut run = Run::new(definition(), "d-hall");
    run.act(
        Actor::User(&clerk()),
        "receive",
        "2024-03-01",
        &[
            ("file_no", json!("BT-2024-001")),
            ("received_on", json!("2024-02-28")),
            ("channel", json!(channel)),
            ("amount", json!(amount)),
        ],
    );
    run
}

fn refusal(result: Result<(), Refusal>) -> String {
    match result {
        Err(r) => r.to_string(),
        Ok(()) => panic!("expected a refusal"),
    }
}

fn errors_of(text: &str) -> Vec<String> {
    match Definition::parse("subsidy.toml", text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn replaced(from: &str, to: &str) -> String {
    assert!(SUBSIDY.contains(from), "{from}");
    SUBSIDY.replacen(from, to, 1)
}

// ----- ranges -----

#[test]
fn a_range_reads_integers_and_money_in_yuan() {
    let def = definition();
    let guards = &def.action("receive").unwrap().guards;
    assert_eq!(
        guards[1].require,
        Condition::InRange {
            field: "amount".into(),
            at_least: Some(1),
            at_most: Some(10_000_000),
        },
        "money bounds are written in yuan and kept in fen"
    );
    let run = Run::new(def, "d-hall");
    let receive = |amount: &str| {
        run.try_act(
            Actor::User(&clerk()),
            "receive",
            "2024-03-01",
            &[
                ("file_no", json!("BT-1")),
                ("received_on", json!("2024-03-01")),
                ("channel", json!("window")),
                ("amount", json!(amount)),
            ],
        )
    };
    assert!(receive("0.01").is_ok());
    assert!(receive("100000").is_ok());
    assert_eq!(
        refusal(receive("100000.01")),
        "“申请金额”为 100000.01元，应在 0.01元 至 100000.00元 之间"
    );
    assert_eq!(
        refusal(receive("0")),
        "“申请金额”为 0.00元，应在 0.01元 至 100000.00元 之间"
    );
}

#[test]
fn a_range_guard_words_its_own_refusal_and_a_range_chooses_when() {
    let run = received("window", "800");
    let assess = |score: Value, note: Option<&str>| {
        let mut f = vec![("score", score), ("decided_on", json!("2024-03-05"))];
        if let Some(n) = note {
            f.push(("note", json!(n)));
        }
        run.try_act(Actor::User(&clerk()), "assess", "2024-03-05", &f)
    };
    assert_eq!(
        refusal(assess(json!(101), None)),
        "“评审得分”为 101，应在 0 至 100 之间"
    );
    assert_eq!(
        refusal(assess(json!(-1), None)),
        "“评审得分”为 -1，应在 0 至 100 之间"
    );
    // `when = { field = "score", at_most = 59 }`: a refusal needs a reason, a grant does not.
    assert_eq!(refusal(assess(json!(59), None)), "不予补贴须写明理由");
    assert!(assess(json!(59), Some("材料不全")).is_ok());
    assert!(assess(json!(60), None).is_ok());
    assert!(assess(json!(100), None).is_ok());
}

#[test]
fn range_mistakes_are_named_with_file_and_place() {
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"score\", at_least = 0, at_most = 100 }",
            "{ field = \"note\", at_least = 0 }"
        )),
        [
            "subsidy.toml: actions[3] (assess).guards[0]: “note” is not an integer or money field, so it has no range"
        ]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"score\", at_least = 0, at_most = 100 }",
            "{ field = \"score\", at_least = 80, at_most = 60 }"
        )),
        [
            "subsidy.toml: actions[3] (assess).guards[0]: at_least is more than at_most: no value lies in the range"
        ]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"score\", at_least = 0, at_most = 100 }",
            "{ field = \"score\", at_least = 0.5 }"
        )),
        ["subsidy.toml: actions[3] (assess).guards[0].at_least: 0.5 is not an integer"]
    );
    assert_eq!(
        errors_of(&replaced("at_most = \"100000.00\"", "at_most = \"十万\"")),
        [
            "subsidy.toml: actions[0] (receive).guards[1].at_most: \"十万\" is not an amount in yuan (\"12.50\")"
        ]
    );
    assert_eq!(
        errors_of(&replaced("at_least = 0.01,", "at_least = 0.001,")),
        [
            "subsidy.toml: actions[0] (receive).guards[1].at_least: 0.001 is not an amount in yuan with at most two decimals"
        ]
    );
    // Two forms in one condition: one of them would go unread.
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"score\", at_least = 0, at_most = 100 }",
            "{ field = \"score\", in = [\"1\"], at_most = 100, message = \"x\" }"
        )),
        [
            "subsidy.toml: actions[3] (assess).guards[0]: a condition has one form; this one has in and at_least/at_most"
        ]
    );
    // In a `when` too.
    let errors = errors_of(&replaced(
        "when = { field = \"score\", at_most = 59 }",
        "when = { field = \"decided_on\", at_most = 59 }",
    ));
    assert_eq!(
        errors,
        [
            "subsidy.toml: actions[3] (assess).guards[3].when: “decided_on” is not an integer or money field, so it has no range"
        ]
    );
    // Only comparisons (and certificates) may leave out the message.
    assert_eq!(
        errors_of(&replaced(", message = \"不予补贴须写明理由\"", "")),
        [
            "subsidy.toml: actions[3] (assess).guards[3].message: a guard needs a message (only ranges, date comparisons and certificates may leave it out)"
        ]
    );
}

// ----- dates -----

#[test]
fn a_date_is_compared_with_another_date_field_and_with_the_action_day() {
    let def = definition();
    assert_eq!(
        def.action("assess").unwrap().guards[1].require,
        Condition::DateOrder {
            field: "decided_on".into(),
            order: Order::NotBefore,
            other: DateRef::Field("received_on".into()),
            plus_days: 0,
            plus_working_days: 0,
        }
    );
    let run = received("window", "800");
    let decided = |on: &str, decided_on: &str| {
        run.try_act(
            Actor::User(&clerk()),
            "assess",
            on,
            &[("score", json!(80)), ("decided_on", json!(decided_on))],
        )
    };
    // Not before the receipt (a field of the case)…
    assert_eq!(
        refusal(decided("2024-03-05", "2024-02-27")),
        "“决定日期”（2024-02-27）不得早于“收到申请日期”（2024-02-28）"
    );
    assert!(decided("2024-03-05", "2024-02-28").is_ok());
    // …and not after the day the decision is recorded.
    assert_eq!(
        refusal(decided("2024-03-05", "2024-03-06")),
        "“决定日期”（2024-03-06）不得晚于办理之日（2024-03-05）"
    );
    assert!(decided("2024-03-05", "2024-03-05").is_ok());
    // A receipt dated after the day it is recorded is refused the same way.
    let fresh = Run::new(definition(), "d-hall");
    let late = fresh.try_act(
        Actor::User(&clerk()),
        "receive",
        "2024-03-01",
        &[
            ("file_no", json!("BT-1")),
            ("received_on", json!("2024-03-02")),
            ("channel", json!("window")),
            ("amount", json!("800")),
        ],
    );
    assert_eq!(
        refusal(late),
        "“收到申请日期”（2024-03-02）不得晚于办理之日（2024-03-01）"
    );
}

#[test]
fn a_date_keeps_its_field_s_rule_against_the_step_and_the_day_it_is_recorded() {
    // A planned day (`date_rule = "due"`) is not before the step that sets it (a guard of
    // the action, when it objects too, speaks first: here there is none).
    let run = received("window", "800");
    let unguarded = load(
        "subsidy.toml",
        &replaced(
            "  { field = \"hearing_on\", not_before = \"on\", plus_days = 7, basis = \"听证七日前通知\" },\n",
            "",
        ),
    );
    let mut planned = Run::new(unguarded, "d-hall");
    planned.case = run.case.clone();
    assert_eq!(
        refusal(planned.try_act(
            Actor::User(&clerk()),
            "notify_hearing",
            "2024-03-01",
            &[("hearing_on", json!("2024-02-29"))],
        )),
        "“听证日期”填写有误：2024-02-29 早于本步骤的日期 2024-03-01：期限或安排的日期不能在此之前"
    );
    assert!(
        refusal(run.try_act(
            Actor::User(&clerk()),
            "notify_hearing",
            "2024-03-01",
            &[("hearing_on", json!("2024-02-29"))],
        ))
        .contains("依据：听证七日前通知")
    );
    // A day that happened (the default) is not before the case began (2024-03-01)…
    let happened = load("subsidy.toml", &replaced("date_rule = \"any\"\n", ""));
    let mut strict = Run::new(happened, "d-hall");
    strict.case = run.case.clone();
    let assess = |run: &Run, decided_on: &str| {
        run.try_act(
            Actor::User(&clerk()),
            "assess",
            "2024-03-05",
            &[("score", json!(80)), ("decided_on", json!(decided_on))],
        )
    };
    assert_eq!(
        refusal(assess(&strict, "2024-02-29")),
        "“决定日期”填写有误：2024-02-29 早于本案开始之日 2024-03-01"
    );
    // …unless it may precede the case.
    let before = load(
        "subsidy.toml",
        &replaced("date_rule = \"any\"\n", "before_case = true\n"),
    );
    let mut lenient = Run::new(before, "d-hall");
    lenient.case = run.case.clone();
    assert!(assess(&lenient, "2024-02-29").is_ok());

    // Recorded on 2024-03-04: neither the step nor a day that happened may be later (without
    // the action's own guard on the receipt, which would speak first).
    let def = load(
        "subsidy.toml",
        &replaced("  { field = \"received_on\", not_after = \"on\" },\n", ""),
    );
    let new = Case::new("c", district(), Some("d-hall".into()), &def);
    let receive = |on: &str, received_on: &str| Command {
        action: "receive".into(),
        expected_version: 0,
        fields: fields(&[
            ("file_no", json!("BT-9")),
            ("received_on", json!(received_on)),
            ("channel", json!("window")),
            ("amount", json!("800")),
        ]),
        on: date(on),
    };
    let today = RecordedOn(date("2024-03-04"));
    let decide = |command: &Command| {
        decide_with(&def, &new, Actor::User(&clerk()), command, &today)
            .map(|_| ())
            .map_err(|r| r.to_string())
    };
    assert_eq!(
        decide(&receive("2024-03-05", "2024-03-01")).unwrap_err(),
        "“办理日期”填写有误：2024-03-05 晚于今天（2024-03-04）：不能记录尚未发生的步骤"
    );
    assert_eq!(
        decide(&receive("2024-03-04", "2027-01-01")).unwrap_err(),
        "“收到申请日期”填写有误：2027-01-01 晚于今天（2024-03-04）：已发生的日期不能是将来的日期"
    );
    assert!(decide(&receive("2024-03-04", "2024-03-04")).is_ok());
}

#[test]
fn a_date_rule_belongs_to_a_date_field() {
    let errors = errors_of(&replaced(
        "[fields.amount]\ntype = \"money\"\n",
        "[fields.amount]\ntype = \"money\"\ndate_rule = \"due\"\n",
    ));
    assert!(
        errors.iter().any(|e| e.contains("fields.amount")
            && e.contains("`date_rule` and `before_case` are for date fields")),
        "{errors:?}"
    );
    let errors = errors_of(&replaced(
        "zh = \"听证日期\"\ndate_rule = \"due\"\n",
        "zh = \"听证日期\"\ndate_rule = \"due\"\nbefore_case = true\n",
    ));
    assert!(
        errors.iter().any(|e| e.contains("fields.hearing_on")
            && e.contains("`before_case` is for a date that happened")),
        "{errors:?}"
    );
}

#[test]
fn a_date_comparison_counts_an_offset_in_calendar_days() {
    let run = received("window", "800");
    let notify = |hearing: &str| {
        run.try_act(
            Actor::User(&clerk()),
            "notify_hearing",
            "2024-03-01",
            &[("hearing_on", json!(hearing))],
        )
    };
    assert_eq!(
        refusal(notify("2024-03-07")),
        "“听证日期”（2024-03-07）不得早于办理之日（2024-03-01）后 7 日（2024-03-08）（依据：听证七日前通知）"
    );
    assert!(notify("2024-03-08").is_ok());
    // Backwards too: a decision at most 3 days before the receipt (an odd rule, but a rule).
    let def = load(
        "subsidy.toml",
        &replaced(
            "{ field = \"decided_on\", not_before = \"received_on\" }",
            "{ field = \"decided_on\", not_before = \"received_on\", plus_days = -3 }",
        ),
    );
    let mut early = Run::new(def, "d-hall");
    early.case = run.case.clone();
    let refused = early.try_act(
        Actor::User(&clerk()),
        "assess",
        "2024-03-05",
        &[("score", json!(80)), ("decided_on", json!("2024-02-24"))],
    );
    assert_eq!(
        refusal(refused),
        "“决定日期”（2024-02-24）不得早于“收到申请日期”（2024-02-28）前 3 日（2024-02-25）"
    );
}

#[test]
fn a_date_not_given_satisfies_no_comparison() {
    let def = load(
        "subsidy.toml",
        &replaced(
            "needs = [\"score\", \"decided_on\"]",
            "needs = [\"score\"]\nmay = [\"decided_on\"]",
        )
        .replacen("may = [\"note\"]\n", "", 1),
    );
    let mut run = Run::new(def, "d-hall");
    run.case = received("window", "800").case;
    let refused = run.try_act(
        Actor::User(&clerk()),
        "assess",
        "2024-03-05",
        &[("score", json!(80))],
    );
    assert_eq!(refusal(refused), "缺少“决定日期”");
}

#[test]
fn date_mistakes_are_named_with_file_and_place() {
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"decided_on\", not_before = \"received_on\" }",
            "{ field = \"decided_on\", not_before = \"score\" }"
        )),
        ["subsidy.toml: actions[3] (assess).guards[1]: “score” is not a date field"]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"decided_on\", not_before = \"received_on\" }",
            "{ field = \"note\", not_before = \"recieved_on\" }"
        )),
        [
            "subsidy.toml: actions[3] (assess).guards[1]: “note” is not a date field",
            "subsidy.toml: actions[3] (assess).guards[1]: the guard names an unknown field “recieved_on”",
        ]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"decided_on\", not_before = \"received_on\" }",
            "{ field = \"decided_on\", not_before = \"received_on\", not_after = \"on\" }"
        )),
        [
            "subsidy.toml: actions[3] (assess).guards[1]: give one of not_before or not_after (two comparisons are two guards)"
        ]
    );
    assert_eq!(
        errors_of(&replaced("[fields.note]", "[fields.on]\ntype = \"date\"\nzh = \"日期\"\n\n[fields.note]")),
        [
            "actions[0] (receive).guards[0]",
            "actions[2] (notify_hearing).guards[0]",
            "actions[3] (assess).guards[2]",
        ]
        .map(|at| format!("subsidy.toml: {at}: “on” is the action's day in a comparison, so a field may not be called “on”"))
    );
    assert_eq!(
        errors_of(&replaced(
            "{ field = \"score\", at_least = 0, at_most = 100 }",
            "{ field = \"score\", at_least = 0, plus_days = 3 }"
        )),
        [
            "subsidy.toml: actions[3] (assess).guards[0]: `plus_days` belongs to a date comparison (not_before / not_after)"
        ]
    );
}

// ----- conditional targets -----

#[test]
fn the_first_target_whose_condition_holds_is_taken_and_recorded() {
    let def = definition();
    let assess = def.action("assess").unwrap();
    assert_eq!(assess.targets(), ["granted", "review", "refused"]);
    assert!(assess.leads_to("review") && !assess.leads_to("received"));
    let cases = [
        ("800", 75, "granted"),
        ("60000", 75, "granted"),
        ("60000", 40, "review"),
        ("800", 40, "refused"),
    ];
    for (amount, score, expected) in cases {
        let mut run = received("window", amount);
        let command = Command {
            action: "assess".into(),
            expected_version: run.case.version,
            fields: fields(&[
                ("score", json!(score)),
                ("decided_on", json!("2024-03-05")),
                ("note", json!("理由")),
            ]),
            on: date("2024-03-05"),
        };
        let step = decide(&run.def, &run.case, Actor::User(&clerk()), &command).unwrap();
        assert_eq!(
            (step.from.as_str(), step.to.as_str()),
            ("received", expected)
        );
        // The event says where the step led; a replay does not choose again.
        let recorded: Step = serde_json::from_value(serde_json::to_value(&step).unwrap()).unwrap();
        apply(&run.def, &mut run.case, &recorded);
        assert_eq!(run.case.state, expected, "{amount} {score}");
    }
    // From review, a second assessment may grant.
    let mut run = received("window", "60000");
    let assess = |score: i64| {
        vec![
            ("score", json!(score)),
            ("decided_on", json!("2024-03-05")),
            ("note", json!("理由")),
        ]
    };
    run.act(Actor::User(&clerk()), "assess", "2024-03-05", &assess(40));
    assert_eq!(run.case.state, "review");
    run.act(Actor::User(&clerk()), "assess", "2024-03-05", &assess(70));
    assert_eq!(run.case.state, "granted");
}

#[test]
fn target_mistakes_are_named_with_file_and_place() {
    assert_eq!(
        errors_of(&replaced(
            "{ state = \"review\", when",
            "{ state = \"reveiw\", when"
        )),
        [
            "subsidy.toml: actions[3] (assess).to[1].state: unknown state “reveiw”",
            "subsidy.toml: states.review: unreachable: no action leads to this state",
        ]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ state = \"review\", when = { field = \"amount\", at_least = 50000 } },",
            "{ state = \"review\" },"
        )),
        [
            "subsidy.toml: actions[3] (assess).to[1]: every target but the last needs `when` (the last is taken otherwise)"
        ]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ state = \"refused\" },",
            "{ state = \"refused\", when = { field = \"score\", at_most = 59 } },"
        )),
        [
            "subsidy.toml: actions[3] (assess).to[2]: the last target has no `when`: it is taken when no other applies"
        ]
    );
    assert_eq!(
        errors_of(&replaced(
            "{ state = \"refused\" },",
            "{ state = \"refused\", if = 1 },"
        )),
        ["subsidy.toml: actions[3] (assess).to[2]: unknown field `if`, expected `state` or `when`"]
    );
    assert_eq!(
        errors_of(&replaced(
            "to = \"received\"\nroles = [\"window_clerk\"]\nneeds = [\"file_no\"",
            "to = 3\nroles = [\"window_clerk\"]\nneeds = [\"file_no\""
        )),
        [
            "subsidy.toml: actions[0] (receive).to: write a state (\"decided\") or a list of { state = \"…\", when = { … } } whose last has no `when`"
        ]
    );
    // A certificate cannot choose: the store looks certificates up for guards only.
    let errors = errors_of(&replaced(
        "when = { field = \"score\", at_least = 60 } }",
        "when = { certified = \"note\", certificates = \"enforcement_certificate\" } }",
    ));
    assert_eq!(
        errors,
        [
            "subsidy.toml: actions[3] (assess).to[0].when: a target cannot be chosen by certificates (only guards may read them)"
        ]
    );
    // A target leaving a terminal state is leaving it, conditional or not.
    let reopening = replaced(
        "from = [\"received\", \"review\"]",
        "from = [\"received\", \"review\", \"refused\"]",
    );
    assert_eq!(
        errors_of(&reopening),
        [
            "subsidy.toml: states.refused: a terminal state has actions leaving it (only actions back to it may follow)"
        ]
    );
}

// ----- conditional clocks -----

#[test]
fn a_clock_with_a_condition_starts_only_when_it_holds() {
    let by_post = received("post", "800");
    assert!(by_post.case.clock("postal_check").is_some());
    assert!(by_post.case.clock("decision").is_some());
    let at_window = received("window", "800");
    assert!(at_window.case.clock("postal_check").is_none());
    assert!(at_window.case.clock("decision").is_some());

    // The condition is read with the step's own fields and the case's: a hearing on a large
    // amount has a preparation period, a small one does not; restarts are unaffected here.
    for (amount, started) in [("800", false), ("60000", true)] {
        let mut run = received("window", amount);
        run.act(
            Actor::User(&clerk()),
            "notify_hearing",
            "2024-03-01",
            &[("hearing_on", json!("2024-03-08"))],
        );
        assert_eq!(run.case.clock("hearing").is_some(), started, "{amount}");
        assert_eq!(
            run.case.clock("decision").unwrap().started_on,
            date("2024-03-01")
        );
    }
}

#[test]
fn a_condition_also_holds_back_a_restart() {
    // Say the decision period starts afresh with a hearing only while the hall still has
    // the case: once handed over, the competent department's notice leaves it running.
    let def = load(
        "subsidy.toml",
        &replaced(
            "restarts = [\"notify_hearing\"]",
            "restarts = [\"notify_hearing\"]\nwhen = { not_taken = \"hand_over\" }",
        ),
    );
    let notice = [("hearing_on", json!("2024-03-11"))];
    let mut kept = Run::new(def.clone(), "d-hall");
    kept.case = received("window", "800").case;
    kept.act(
        Actor::User(&clerk()),
        "notify_hearing",
        "2024-03-04",
        &notice,
    );
    assert_eq!(
        kept.case.clock("decision").unwrap().started_on,
        date("2024-03-04")
    );
    let mut handed = Run::new(def, "d-hall");
    handed.case = received("window", "800").case;
    handed.act(
        Actor::User(&clerk()),
        "hand_over",
        "2024-03-02",
        &[("competent", json!("d-agri"))],
    );
    let agri = person(Role::WindowClerk, Some("d-agri"));
    handed.act(Actor::User(&agri), "notify_hearing", "2024-03-04", &notice);
    assert_eq!(
        handed.case.clock("decision").unwrap().started_on,
        date("2024-03-01"),
        "held back: the clock runs on from the receipt"
    );
}

#[test]
fn clock_condition_mistakes_are_named() {
    assert_eq!(
        errors_of(&replaced(
            "when = { field = \"channel\", in = [\"post\"] }",
            "when = { field = \"chanel\", in = [\"post\"] }"
        )),
        ["subsidy.toml: clocks[0] (postal_check).when: the guard names an unknown field “chanel”"]
    );
    assert_eq!(
        errors_of(&replaced(
            "when = { field = \"channel\", in = [\"post\"] }",
            "when = { certified = \"note\", certificates = \"enforcement_certificate\" }"
        )),
        [
            "subsidy.toml: clocks[0] (postal_check).when: a clock cannot depend on certificates (only guards may)"
        ]
    );
}

// ----- outside facts -----

/// What the store would hand the engine: the region's departments and registered numbers.
#[derive(Default)]
struct World {
    departments: BTreeMap<String, bool>,
    numbers: Vec<String>,
}

impl Facts for World {
    fn certificate(&self, _: &str, _: &str) -> Option<Certificate> {
        None
    }

    fn department_active(&self, department: &str) -> Option<bool> {
        Some(self.departments.get(department).copied().unwrap_or(false))
    }

    fn number_taken(&self, number: &str) -> bool {
        self.numbers.iter().any(|n| n == number)
    }
}

fn world() -> World {
    World {
        departments: BTreeMap::from([
            ("d-hall".to_string(), true),
            ("d-agri".to_string(), true),
            ("d-closed".to_string(), false),
        ]),
        numbers: vec!["BT-2024-001".into()],
    }
}

fn command(action: &str, version: i64, pairs: &[(&str, Value)]) -> Command {
    Command {
        action: action.into(),
        expected_version: version,
        fields: fields(pairs),
        on: date("2024-03-01"),
    }
}

#[test]
fn a_number_already_registered_is_refused_by_the_engine() {
    let def = definition();
    let case = Case::new("c1", district(), Some("d-hall".into()), &def);
    let receive = |number: &str| {
        command(
            "receive",
            0,
            &[
                ("file_no", json!(number)),
                ("received_on", json!("2024-03-01")),
                ("channel", json!("window")),
                ("amount", json!("800")),
            ],
        )
    };
    let refused = decide_with(
        &def,
        &case,
        Actor::User(&clerk()),
        &receive("BT-2024-001"),
        &world(),
    )
    .unwrap_err();
    assert_eq!(
        refused,
        Refusal::InvalidField {
            field: "申请编号".into(),
            reason: "“BT-2024-001”已登记".into(),
        }
    );
    assert_eq!(refused.code(), "invalid_field");
    assert!(
        decide_with(
            &def,
            &case,
            Actor::User(&clerk()),
            &receive("BT-2024-002"),
            &world()
        )
        .is_ok()
    );
    // Without the fact (NoFacts), the number is not checked.
    assert!(decide(&def, &case, Actor::User(&clerk()), &receive("BT-2024-001")).is_ok());
}

#[test]
fn a_hand_over_to_a_department_not_in_use_is_refused_by_the_engine() {
    let run = received("window", "800");
    let hand_to = |department: &str, facts: &dyn Facts| {
        decide_with(
            &run.def,
            &run.case,
            Actor::User(&clerk()),
            &command(
                "hand_over",
                run.case.version,
                &[("competent", json!(department))],
            ),
            facts,
        )
    };
    for gone in ["d-closed", "d-nowhere"] {
        assert_eq!(
            hand_to(gone, &world()).unwrap_err(),
            Refusal::InvalidField {
                field: "承办部门".into(),
                reason: "不是本区划内在用的部门".into(),
            },
            "{gone}"
        );
    }
    let step = hand_to("d-agri", &world()).unwrap();
    assert_eq!(
        step.transfer,
        Some(Transfer {
            from: Some("d-hall".into()),
            to: "d-agri".into(),
        })
    );
    // Not known (None): not checked here.
    assert!(hand_to("d-closed", &NoFacts).is_ok());
    // Handed to where it already is: nothing moves, nothing to check or record.
    let step = hand_to("d-hall", &World::default()).unwrap();
    assert_eq!(step.transfer, None);
}

#[test]
fn a_first_step_that_starts_nothing_is_an_unknown_action() {
    let def = definition();
    let case = Case::new("c1", district(), Some("d-hall".into()), &def);
    let refused = decide_with(
        &def,
        &case,
        Actor::User(&clerk()),
        &command("assess", 0, &[("score", json!(80))]),
        &world(),
    )
    .unwrap_err();
    assert_eq!(
        refused,
        Refusal::UnknownAction {
            procedure: "subsidy".into(),
            action: "assess".into(),
        }
    );
}

// ----- the hand-over in the step -----

#[test]
fn a_step_records_its_hand_over_and_older_steps_still_apply() {
    let mut run = received("window", "800");
    let step = decide(
        &run.def,
        &run.case,
        Actor::User(&clerk()),
        &command(
            "hand_over",
            run.case.version,
            &[("competent", json!("d-agri"))],
        ),
    )
    .unwrap();
    let recorded = serde_json::to_value(&step).unwrap();
    assert_eq!(
        recorded["transfer"],
        json!({"from": "d-hall", "to": "d-agri"})
    );
    let mut replayed = run.case.clone();
    apply(&run.def, &mut run.case, &step);
    assert_eq!(run.case.department.as_deref(), Some("d-agri"));

    // A step recorded before hand-overs were written into steps has no `transfer`: the
    // action's field still moves the case on replay.
    let mut old = recorded.clone();
    old.as_object_mut().unwrap().remove("transfer");
    let old: Step = serde_json::from_value(old).unwrap();
    assert_eq!(old.transfer, None);
    apply(&run.def, &mut replayed, &old);
    assert_eq!(replayed.department.as_deref(), Some("d-agri"));

    // Steps that hand nothing over serialise as before: no `transfer` key at all.
    let plain = decide(
        &run.def,
        &run.case,
        Actor::User(&person(Role::WindowClerk, Some("d-agri"))),
        &command(
            "notify_hearing",
            run.case.version,
            &[("hearing_on", json!("2024-03-08"))],
        ),
    )
    .unwrap();
    let plain = serde_json::to_value(&plain).unwrap();
    assert!(plain.get("transfer").is_none(), "{plain}");
}
