//! The procedures' demo lines (`procedures/<code>/demo.toml`) are checked against their
//! definitions, a mistake named with file and line; the same seed gives the same records.

use chrono::Datelike;
use fazhi_app::district::{self, Office, lines};
use fazhi_core::calendar::Calendar;
use fazhi_core::region::RegionCode;
use std::sync::Arc;

fn registry() -> fazhi_core::procedure::Registry {
    fazhi_app::loading::procedures(None).expect("the shipped definitions")
}

#[test]
fn the_shipped_lines_check_against_their_definitions() {
    let lines = fazhi_app::loading::demo_lines(None, &registry()).unwrap();
    let procedures: Vec<&str> = lines.iter().map(|l| l.procedure.as_str()).collect();
    for expected in ["legal_aid", "legal_consultation", "mediation", "petition"] {
        assert!(procedures.contains(&expected), "{procedures:?}");
    }
}

const WRONG: &str = r#"
[[line]]
name = "错误示例"
department = "flyz"
count = 1
opened = ["2019-01-07", "2019-12-20"]

[[line.steps]]
action = "record_answered"
fields = { channel = "by_pigeon", colour = "blue", topic = "{nonsense}" }

[[line.steps]]
action = "fly_away"
"#;

#[test]
fn a_mistake_is_named_with_file_and_line() {
    let error = lines::parse(
        "procedures/legal_consultation/demo.toml",
        "legal_consultation",
        WRONG,
        &registry(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("procedures/legal_consultation/demo.toml: line 10")
            && error.contains("“by_pigeon” is not a code of field “channel”"),
        "{error}"
    );
    assert!(error.contains("takes no field “colour”"), "{error}");
    assert!(
        error.contains("unknown placeholder “{nonsense}”"),
        "{error}"
    );
    assert!(
        error.contains("line 13") && error.contains("no action “fly_away”"),
        "{error}"
    );
}

/// Drawn from `seed` on a fixed today.
fn draw(seed: u64) -> district::Draw {
    district::Draw::new(seed, chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap())
}

fn offices() -> Vec<Arc<Office>> {
    let file = district::DistrictFile::parse("demo/district.toml", district::DEMO_DISTRICT)
        .expect("the demo district file");
    let region = RegionCode::parse(&file.district.code).unwrap();
    let made: Vec<_> = file
        .department
        .iter()
        .map(|d| (d, d.code.clone()))
        .collect();
    let (district_actors, own) = district::actors_of(&made, &region).unwrap();
    let mut offices: Vec<Arc<Office>> = file
        .department
        .iter()
        .zip(own)
        .filter(|(d, _)| d.staff.is_some())
        .map(|(d, actors)| {
            Arc::new(Office {
                code: d.code.clone(),
                place: file.district.name.clone(),
                region: region.clone(),
                department: d.code.clone(),
                staff: district::staff("示例", &region, &d.code).unwrap(),
                people: d.people.clone(),
                weight: 1,
                actors,
            })
        })
        .collect();
    let committee = file.committee.as_ref().unwrap();
    for street in &file.street {
        let region = RegionCode::parse(&street.code).unwrap();
        offices.push(Arc::new(Office {
            code: committee.code.clone(),
            place: street.name.clone(),
            staff: district::staff("示例", &region, &street.code).unwrap(),
            region,
            department: street.code.clone(),
            people: street.people.clone(),
            weight: street.weight,
            actors: district_actors.clone(),
        }));
    }
    offices
}

#[test]
fn a_seed_gives_its_records_and_every_line_its_count() {
    let registry = registry();
    let calendar = Calendar::embedded();
    let offices = offices();
    for lines in fazhi_app::loading::demo_lines(None, &registry).unwrap() {
        let one =
            district::generate(&lines, draw(district::DEMO_SEED), calendar, &offices).unwrap();
        let again =
            district::generate(&lines, draw(district::DEMO_SEED), calendar, &offices).unwrap();
        let other = district::generate(&lines, draw(7), calendar, &offices).unwrap();
        let wanted: usize = lines.lines.iter().map(|l| l.count).sum();
        assert_eq!(one.len(), wanted, "{}", lines.procedure);
        assert_eq!(other.len(), wanted, "{}", lines.procedure);
        let fields = |plans: &[district::Plan]| -> Vec<String> {
            plans
                .iter()
                .map(|p| {
                    format!(
                        "{:?}",
                        p.steps
                            .iter()
                            .map(|s| (&s.action, s.on, &s.fields))
                            .collect::<Vec<_>>()
                    )
                })
                .collect()
        };
        assert_eq!(fields(&one), fields(&again), "{}", lines.procedure);
        assert_ne!(fields(&one), fields(&other), "{}", lines.procedure);
        // Every line's cases stay in their windows.
        let mut plans = one.iter();
        for line in &lines.lines {
            for plan in plans.by_ref().take(line.count) {
                let first = plan.steps[0].on;
                assert!(
                    line.opened.0 <= first && first <= line.opened.1,
                    "{}: {first}",
                    line.name
                );
                if let Some(until) = line.until {
                    assert!(plan.steps.last().unwrap().on <= until, "{}", line.name);
                }
            }
        }
    }
}

/// The plans of each line, by the line's name (the plans come line by line, `count` each).
fn by_line(
    lines: &lines::Lines,
    plans: Vec<district::Plan>,
) -> std::collections::BTreeMap<String, Vec<district::Plan>> {
    let mut plans = plans.into_iter();
    lines
        .lines
        .iter()
        .map(|l| (l.name.clone(), plans.by_ref().take(l.count).collect()))
        .collect()
}

fn field<'a>(plan: &'a district::Plan, name: &str) -> Option<&'a serde_json::Value> {
    plan.steps.iter().rev().find_map(|s| s.fields.get(name))
}

fn day(plan: &district::Plan, name: &str) -> chrono::NaiveDate {
    let text = field(plan, name).and_then(|v| v.as_str()).unwrap();
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The chained remedies: the person answered in part on a request for information asks for
/// reconsideration of that reply, then sues the office — one applicant, one reply number, in
/// order; with any seed.
#[test]
fn a_chained_line_follows_the_cases_of_another_procedure() {
    let registry = registry();
    let offices = offices();
    let all = fazhi_app::loading::demo_lines(None, &registry).unwrap();
    let of = |code: &str| all.iter().find(|l| l.procedure == code).unwrap();
    for seed in [district::DEMO_SEED, 7, 0x5eed_0000_0001] {
        let plans = |code: &str| {
            let l = of(code);
            by_line(
                l,
                district::generate(l, draw(seed), Calendar::embedded(), &offices).unwrap(),
            )
        };
        let requests = plans("disclosure_request");
        let reviews = plans("reconsideration");
        let suits = plans("litigation");
        let request = &requests["2019 年部分公开、申请人申请复议"][0];
        let review = &reviews["2019 年信息公开答复复议（维持）"][0];
        let suit = &suits["2019 年信息公开答复经复议后起诉"][0];
        assert_eq!(field(review, "applicant"), field(request, "applicant"));
        assert_eq!(field(suit, "plaintiff"), field(request, "applicant"));
        let reply_no = field(request, "reply_no").unwrap().as_str().unwrap();
        assert!(reply_no.starts_with("旅政办依申复〔2019〕"), "{reply_no}");
        assert_eq!(field(review, "act_document_no").unwrap(), reply_no);
        let content = field(request, "content").unwrap().as_str().unwrap();
        let act = field(review, "act_description").unwrap().as_str().unwrap();
        assert!(act.contains(content), "{act}");
        let received = review.steps[0].on;
        let replied = day(request, "reply_on");
        assert!(
            (20..=33).contains(&(received - replied).num_days()),
            "{received} {replied}"
        );
        assert!(suit.steps[0].on > day(review, "served_on"));
        assert!(day(suit, "filed_on") > day(review, "served_on"));
        // The same seed gives the same chain whichever procedure is generated first.
        assert_eq!(
            plans("litigation")["2019 年信息公开答复经复议后起诉"][0].steps[0].on,
            suit.steps[0].on
        );
    }
}

/// A dealt variable gives each value exactly its count: the replies and applicants of the 88
/// requests received in 2019 (4 of them answered in January 2020).
#[test]
fn a_dealt_variable_gives_each_value_its_count() {
    let registry = registry();
    let all = fazhi_app::loading::demo_lines(None, &registry).unwrap();
    let requests = all
        .iter()
        .find(|l| l.procedure == "disclosure_request")
        .unwrap();
    for seed in [district::DEMO_SEED, 11] {
        let plans =
            district::generate(requests, draw(seed), Calendar::embedded(), &offices()).unwrap();
        let mut replies = std::collections::BTreeMap::<String, usize>::new();
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        for p in plans
            .iter()
            .filter(|p| day(p, "received_on").year() == 2019)
        {
            if let Some(t) = field(p, "reply_type") {
                *replies.entry(t.as_str().unwrap().to_string()).or_default() += 1;
            }
            *kinds
                .entry(
                    field(p, "applicant_kind")
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
                .or_default() += 1;
        }
        assert_eq!(replies["disclose"], 39, "{replies:?}");
        assert_eq!(replies["partial"], 14, "{replies:?}");
        assert_eq!(replies["unavailable_not_held"], 8, "{replies:?}");
        assert_eq!(kinds["natural_person"], 70, "{kinds:?}");
        assert_eq!(kinds["business"], 9, "{kinds:?}");
        assert_eq!(kinds.values().sum::<usize>(), 88);
    }
}

const WRONG_CHAIN: &str = r#"
[tables.texts]
a = "甲"

[[numbers]]
field = "reply_no"
actions = ["start_handling"]
text = "{year}-{n}"

[[line]]
name = "错误的链"
department = "zfb"
count = 2
opened = ["2019-03-01", "2019-06-28"]
follows = { procedure = "reconsideration", line = "某行", when = { colour = "red" }, start = { step = "fly_away", days = [1, 2] } }
vars = { kind = { deal = ["natural_person", "business"], counts = [1, 2] } }

[[line.steps]]
action = "register"
fields = { applicant = { var = "followed.applicant" }, applicant_kind = { var = "kind" }, content = { table = "nowhere", key = "a" }, channel = "post", received_on = "{date}" }

[[line.steps]]
action = "reply"
after = { working_days = [3, 5], from = "withdraw" }
fields = { reply_type = "disclose", reply_on = "{date}", reply_summary = { table = "texts", key = "b" } }
"#;

/// The errors of `text` read as `procedures/<procedure>/demo.toml`, and a check that one names
/// a line of it with a text.
fn mistakes(procedure: &str, text: &str) -> (String, impl Fn(usize, &str)) {
    let source = format!("procedures/{procedure}/demo.toml");
    let error = lines::parse(&source, procedure, text, &registry())
        .unwrap_err()
        .to_string();
    let all = error.clone();
    let at = move |line: usize, text: &str| {
        assert!(
            all.contains(&format!("{source}: line {line}")) && all.contains(text),
            "line {line}, {text}: {all}"
        );
    };
    (error, at)
}

#[test]
fn a_mistake_in_a_chain_a_deal_a_table_or_a_number_is_named_with_file_and_line() {
    let (error, at) = mistakes("disclosure_request", WRONG_CHAIN);
    at(
        6,
        "action “start_handling” of “disclosure_request” takes no field “reply_no”",
    );
    at(15, "“reconsideration” has no action “fly_away”");
    at(15, "“reconsideration” has no field “colour”");
    at(16, "var “kind” deals 3 values to the 2 cases");
    at(
        23,
        "`after.from` names “withdraw”, not an earlier step of the line",
    );
    assert!(error.contains("no table “nowhere”"), "{error}");
    assert!(error.contains("table “texts” has no entry “b”"), "{error}");
}

const WRONG_ACTORS: &str = r#"
[[line]]
name = "错误示例"
department = "scjgj"
count = 1
opened = ["2019-03-01", "2019-03-29"]

[[line.steps]]
action = "register"
as = "legal_reviewer"
fields = { field_area = "market", item = { department = "nobody" }, party = { gen = "company" }, facts_summary = "某事实", officers = { cases = "enforcement_certificate", field = "colour", count = 2 } }

[[line.steps]]
action = "gather_evidence"
as = "chef"
repeat = { field = "nowhere" }

[[line.steps]]
action = "notice_period_lapsed"
as = "enforcement_officer"
office = "file"
"#;

#[test]
fn a_mistake_in_who_acts_or_in_values_of_other_cases_is_named_with_file_and_line() {
    let (error, at) = mistakes("administrative_penalty", WRONG_ACTORS);
    at(10, "“register” is not taken by legal_reviewer");
    at(15, "`as` is “system” or a role");
    at(14, "`repeat` reads “nowhere”");
    at(
        20,
        "“notice_period_lapsed” is not taken by enforcement_officer",
    );
    at(21, "`office` names the case the line follows");
    at(
        11,
        "`department` is “own” or the variable of the case followed, not “nobody”",
    );
    assert!(
        error.contains("“enforcement_certificate” has no field “colour”"),
        "{error}"
    );
}

/// Certificates renewed up to the generation's today: every one in force runs beyond it, three
/// run out within 30 days, whatever the day; the penalty lines' values of other cases are theirs.
#[test]
fn steps_dated_from_today_renew_certificates_up_to_it() {
    let registry = registry();
    let all = fazhi_app::loading::demo_lines(None, &registry).unwrap();
    let certificates = all
        .iter()
        .find(|l| l.procedure == "enforcement_certificate")
        .unwrap();
    for (y, m, d) in [(2026, 12, 7), (2027, 3, 1), (2029, 7, 15)] {
        let today = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let plans = district::generate(
            certificates,
            district::Draw::new(district::DEMO_SEED, today),
            Calendar::embedded(),
            &offices(),
        )
        .unwrap();
        let mut expiring = 0;
        for p in &plans {
            assert!(p.steps.iter().all(|s| s.on <= today || s.system));
            let ended = p
                .steps
                .iter()
                .any(|s| s.action == "expire" || s.action == "suspend");
            let until = p
                .steps
                .iter()
                .rev()
                .find_map(|s| s.fields.get("valid_until"))
                .and_then(|v| v.as_str())
                .map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
                .unwrap();
            if p.steps.iter().any(|s| s.action == "expire") {
                assert!(until < today, "{today}: {until}");
            } else if !ended {
                assert!(until >= today, "{today}: {until}");
                if until <= today + chrono::Duration::days(30) {
                    expiring += 1;
                }
            }
        }
        assert_eq!(expiring, 3, "{today}");
    }
}
