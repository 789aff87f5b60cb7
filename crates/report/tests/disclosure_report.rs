//! The government-information-disclosure annual report computed from case records.

use chrono::NaiveDate;
use fazhi_report::disclosure::{
    Column, Figure, Format, Proactive, ViolationKind, compute, litigation_outcome,
    reconsideration_outcome,
};
use fazhi_report::{Block, CaseRecord, Cell, Document, Table};
use serde_json::{Value, json};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Building records
// ---------------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn record(id: &str, procedure: &str, opened: &str) -> CaseRecord {
    CaseRecord {
        id: id.into(),
        number: None,
        procedure: procedure.into(),
        department: None,
        state: "received".into(),
        terminal: false,
        fields: BTreeMap::new(),
        opened_on: d(opened),
        concluded_on: None,
        actions: Vec::new(),
    }
}

/// A disclosure request from an applicant of `kind`, received (and registered) on `received`.
fn request(id: &str, kind: &str, received: &str) -> CaseRecord {
    record(id, "disclosure_request", received)
        .with("applicant_kind", json!(kind))
        .with("received_on", json!(received))
}

trait Build: Sized {
    fn with(self, field: &str, value: Value) -> Self;
    fn without(self, field: &str) -> Self;
    fn ended(self, state: &str, on: &str) -> Self;
    fn numbered(self, number: &str) -> Self;
    fn replied(self, on: &str, reply_type: &str) -> Self {
        self.with("reply_type", json!(reply_type))
            .with("reply_on", json!(on))
            .ended("replied", on)
    }
}

impl Build for CaseRecord {
    fn with(mut self, field: &str, value: Value) -> Self {
        self.fields.insert(field.into(), value);
        self
    }
    fn without(mut self, field: &str) -> Self {
        self.fields.remove(field);
        self
    }
    fn ended(mut self, state: &str, on: &str) -> Self {
        self.state = state.into();
        self.terminal = true;
        self.concluded_on = Some(d(on));
        self
    }
    fn numbered(mut self, number: &str) -> Self {
        self.number = Some(number.into());
        self
    }
}

fn reconsideration(id: &str, received: &str) -> CaseRecord {
    record(id, "reconsideration", received)
        .with("act_category", json!("disclosure"))
        .with("received_on", json!(received))
        .with("respondent", json!("某区某局"))
}

fn lawsuit(id: &str, filed: &str, after_reconsideration: bool) -> CaseRecord {
    record(id, "litigation", filed)
        .with("act_category", json!("disclosure"))
        .with("filed_on", json!(filed))
        .with("after_reconsideration", json!(after_reconsideration))
}

const REPLY_TYPES: [&str; 21] = [
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
];

/// One request per applicant column and situation, all clean, for 2023.
fn handcrafted() -> Vec<CaseRecord> {
    vec![
        // received and answered in the year
        request("a1", "natural_person", "2023-03-01").replied("2023-03-20", "disclose"),
        // carried over from 2022, answered in the year
        request("a2", "business", "2022-12-20").replied("2023-01-10", "partial"),
        // carried over from 2022, still open: carried into 2024
        request("a3", "research", "2022-06-01"),
        // received in the year, answered in 2024: carried into 2024
        request("a4", "public_welfare", "2023-12-20").replied("2024-01-05", "withhold_secret"),
        // the three terminal states without a reply
        request("a5", "legal_service", "2023-05-01").ended("abandoned", "2023-06-01"),
        request("a6", "other_org", "2023-05-01").ended("fee_lapsed", "2023-06-10"),
        request("a7", "natural_person", "2023-07-01").ended("withdrawn", "2023-07-02"),
        // concluded in 2022: not in the 2023 report
        request("a8", "natural_person", "2022-03-01").replied("2022-04-01", "disclose"),
        // received in 2024: not in the 2023 report
        request("a9", "natural_person", "2024-01-02"),
        // no received_on: the case's first action counts
        request("a10", "business", "2023-02-02")
            .without("received_on")
            .replied("2023-02-20", "unavailable_not_held"),
        // another procedure: ignored
        record("x1", "penalty", "2023-03-01").ended("decided", "2023-04-01"),
        // paid a processing fee (300 元)
        request("a11", "natural_person", "2023-08-01")
            .with("fee", json!(30_000))
            .replied("2023-08-20", "disclose"),
        // fee asked, never paid: not a fee charged
        request("a12", "natural_person", "2023-09-01")
            .with("fee", json!(20_000))
            .ended("fee_lapsed", "2023-09-30"),
    ]
}

fn report_2023(cases: &[CaseRecord]) -> fazhi_report::disclosure::DisclosureReport {
    compute(2023, Format::Y2021, cases, &Proactive::default())
}

fn v(report: &fazhi_report::disclosure::DisclosureReport, row: &str, c: Column) -> i64 {
    report
        .requests
        .value(row, c)
        .unwrap_or_else(|| panic!("no row {row}"))
}

fn no_link(_: &[String]) -> Option<String> {
    None
}

// ---------------------------------------------------------------------------------------------
// Section 三
// ---------------------------------------------------------------------------------------------

#[test]
fn each_cell_of_the_handcrafted_set() {
    use Column::*;
    let r = report_2023(&handcrafted());

    // 一: a1, a4, a5, a6, a7, a10, a11, a12
    assert_eq!(v(&r, "received", NaturalPerson), 4); // a1 a7 a11 a12
    assert_eq!(v(&r, "received", Business), 1); // a10 (fallback to opened_on)
    assert_eq!(v(&r, "received", Research), 0);
    assert_eq!(v(&r, "received", PublicWelfare), 1);
    assert_eq!(v(&r, "received", LegalService), 1);
    assert_eq!(v(&r, "received", OtherOrg), 1);
    assert_eq!(v(&r, "received", Total), 8);
    // 二: a2, a3
    assert_eq!(v(&r, "carried_over", Business), 1);
    assert_eq!(v(&r, "carried_over", Research), 1);
    assert_eq!(v(&r, "carried_over", NaturalPerson), 0);
    assert_eq!(v(&r, "carried_over", Total), 2);
    // 三
    assert_eq!(v(&r, "disclose", NaturalPerson), 2); // a1 a11
    assert_eq!(v(&r, "partial", Business), 1); // a2
    assert_eq!(v(&r, "partial", Total), 1);
    assert_eq!(v(&r, "withhold_secret", Total), 0); // a4 answered in 2024
    assert_eq!(v(&r, "unavailable_not_held", Business), 1); // a10
    assert_eq!(v(&r, "unavailable", Business), 1);
    assert_eq!(v(&r, "other_no_supplement", LegalService), 1); // abandoned
    assert_eq!(v(&r, "other_no_fee", OtherOrg), 1); // fee_lapsed
    assert_eq!(v(&r, "other_no_fee", NaturalPerson), 1); // a12
    assert_eq!(v(&r, "other", NaturalPerson), 1); // withdrawn
    assert_eq!(v(&r, "other_handling", Total), 4);
    assert_eq!(v(&r, "concluded_total", Total), 8);
    // 四: a3 (open), a4 (answered next year)
    assert_eq!(v(&r, "carried_forward", Research), 1);
    assert_eq!(v(&r, "carried_forward", PublicWelfare), 1);
    assert_eq!(v(&r, "carried_forward", Total), 2);

    // The cases behind a figure.
    assert_eq!(
        r.requests.get("disclose", NaturalPerson).unwrap().cases,
        vec!["a1".to_string(), "a11".to_string()]
    );
    assert_eq!(
        r.requests.get("carried_forward", Total).unwrap().cases,
        vec!["a3".to_string(), "a4".to_string()]
    );
    // Nothing from other years or procedures anywhere.
    for row in &r.requests.rows {
        for f in &row.cells {
            for id in &f.cases {
                assert!(
                    !["a8", "a9", "x1"].contains(&id.as_str()),
                    "{id} in {}",
                    row.code
                );
            }
        }
    }
    assert!(r.consistency.ok, "{:?}", r.consistency.violations);
    assert!(r.consistency.anomalies.is_empty());

    // Section 六: the fee paid, not the one that lapsed.
    assert_eq!(r.fees.count.value, 1);
    assert_eq!(r.fees.amount_fen.value, 30_000);
    assert_eq!(r.fees.amount_fen.cases, vec!["a11".to_string()]);
}

#[test]
fn each_reply_type_goes_to_its_row_and_partial_only_to_partial() {
    let cases: Vec<CaseRecord> = REPLY_TYPES
        .iter()
        .map(|t| request(t, "natural_person", "2023-04-01").replied("2023-04-15", t))
        .collect();
    let r = report_2023(&cases);
    for t in REPLY_TYPES {
        let f = r.requests.get(t, Column::NaturalPerson).unwrap();
        assert_eq!(f.value, 1, "{t}");
        assert_eq!(f.cases, vec![t.to_string()], "{t}");
    }
    // Among the result rows, 部分公开 is counted once, in its own row only.
    let rows_with_partial: Vec<&str> = r
        .requests
        .rows
        .iter()
        .filter(|row| {
            row.cells[0].cases.contains(&"partial".to_string())
                && row.parent.is_some()
                && !r.requests.has_children(row.code)
                && row.code != "concluded_total"
        })
        .map(|row| row.code)
        .collect();
    assert_eq!(rows_with_partial, vec!["partial"]);
    assert_eq!(v(&r, "withhold", Column::Total), 8);
    assert_eq!(v(&r, "unavailable", Column::Total), 3);
    assert_eq!(v(&r, "not_handled", Column::Total), 5);
    assert_eq!(v(&r, "other_handling", Column::Total), 3);
    assert_eq!(v(&r, "concluded_total", Column::Total), 21);
    assert!(r.consistency.ok);
}

#[test]
fn totals_are_sums_of_columns_and_of_rows() {
    let mut cases = handcrafted();
    for (i, t) in REPLY_TYPES.iter().enumerate() {
        let kind = Column::APPLICANTS[i % 6].code();
        cases.push(request(&format!("r{i}"), kind, "2023-06-01").replied("2023-06-09", t));
    }
    let r = report_2023(&cases);
    for row in &r.requests.rows {
        let sum: i64 = Column::APPLICANTS.iter().map(|&c| v(&r, row.code, c)).sum();
        assert_eq!(v(&r, row.code, Column::Total), sum, "row {}", row.code);
    }
    for c in Column::ALL {
        let groups: i64 = [
            "disclose",
            "partial",
            "withhold",
            "unavailable",
            "not_handled",
            "other_handling",
        ]
        .iter()
        .map(|g| v(&r, g, c))
        .sum();
        assert_eq!(v(&r, "concluded_total", c), groups, "column {c:?}");
        // and each group is the sum of its sub-rows
        for g in ["withhold", "unavailable", "not_handled", "other_handling"] {
            let subs: i64 = r
                .requests
                .rows
                .iter()
                .filter(|x| x.parent == Some(g))
                .map(|x| x.cells[c as usize].value)
                .sum();
            assert_eq!(v(&r, g, c), subs, "{g} {c:?}");
        }
    }
}

#[test]
fn the_rule_holds_for_a_clean_set() {
    let r = report_2023(&handcrafted());
    for c in Column::ALL {
        assert_eq!(
            v(&r, "received", c) + v(&r, "carried_over", c),
            v(&r, "concluded_total", c) + v(&r, "carried_forward", c),
            "{c:?}"
        );
    }
    assert!(r.consistency.ok);
    assert!(r.consistency.violations.is_empty());
    let doc = r.to_document("某区人民政府", &no_link);
    assert!(
        paragraphs(&doc)
            .iter()
            .any(|p| p.starts_with("经核对，各列均符合"))
    );
}

#[test]
fn the_rule_catches_a_record_without_reply_type_and_names_it() {
    let mut cases = handcrafted();
    cases.push(
        request("broken-1", "research", "2023-05-01")
            .numbered("旅信公〔2023〕7号")
            .ended("replied", "2023-05-20"),
    );
    let r = report_2023(&cases);
    assert!(!r.consistency.ok);
    let balance: Vec<_> = r
        .consistency
        .violations
        .iter()
        .filter(|v| v.kind == ViolationKind::Balance)
        .collect();
    let columns: Vec<Column> = balance.iter().map(|v| v.column).collect();
    assert_eq!(columns, vec![Column::Research, Column::Total]);
    let research = balance[0];
    assert_eq!(research.left, research.right + 1);
    assert_eq!(research.cases.len(), 1);
    assert_eq!(research.cases[0].id, "broken-1");
    assert_eq!(
        research.cases[0].number.as_deref(),
        Some("旅信公〔2023〕7号")
    );
    assert!(research.cases[0].explanation.contains("reply_type"));
    assert!(research.explanation.contains("旅信公〔2023〕7号"));
    assert!(research.explanation.contains("科研机构"));
    // Only the broken record is named, in the 总计 column too.
    assert_eq!(balance[1].cases.len(), 1);
    assert_eq!(balance[1].cases[0].id, "broken-1");
    let a = &r.consistency.anomalies;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].code, "missing_reply_type");
    assert!(a[0].in_violation);

    // The document says so, and names the record.
    let doc = r.to_document("某区人民政府", &no_link);
    let text = paragraphs(&doc).join("\n");
    assert!(!text.contains("经核对，各列均符合"));
    assert!(text.contains("不符合勾稽关系"));
    assert!(text.contains("旅信公〔2023〕7号"));
    // And so does the JSON.
    let j = r.to_json();
    assert_eq!(j["consistency"]["ok"], json!(false));
    assert_eq!(
        j["consistency"]["violations"][0]["cases"][0]["id"],
        json!("broken-1")
    );
}

#[test]
fn the_rule_catches_dates_out_of_order_and_unknown_applicants() {
    let mut cases = handcrafted();
    // concluded in 2023 but received in 2024: in 三 without being in 一 or 二
    cases.push(request("late", "natural_person", "2024-01-03").replied("2023-12-30", "disclose"));
    // unknown and missing applicant kind: only in 总计
    cases.push(request("who", "company", "2023-03-03").replied("2023-03-04", "disclose"));
    cases.push(request("nobody", "x", "2023-03-03").without("applicant_kind"));
    // unknown reply type
    cases.push(request("odd", "business", "2023-03-03").replied("2023-03-04", "granted"));
    let r = report_2023(&cases);
    let vs = &r.consistency.violations;

    let np = vs
        .iter()
        .find(|v| v.kind == ViolationKind::Balance && v.column == Column::NaturalPerson)
        .expect("natural person column breaks");
    assert_eq!(np.right, np.left + 1);
    assert_eq!(np.cases.len(), 1);
    assert_eq!(np.cases[0].id, "late");
    assert!(np.cases[0].explanation.contains("早于收到日期"));

    let biz = vs
        .iter()
        .find(|v| v.kind == ViolationKind::Balance && v.column == Column::Business)
        .expect("business column breaks");
    assert_eq!(biz.cases[0].id, "odd");
    assert!(biz.cases[0].explanation.contains("granted"));

    // 总计 ≠ sum of the applicant columns in 一, （一）, （七） and 四, naming the records.
    let row_total: Vec<_> = vs
        .iter()
        .filter(|v| v.kind == ViolationKind::RowTotal)
        .collect();
    let rows: Vec<&str> = row_total.iter().map(|v| v.row.unwrap()).collect();
    assert_eq!(
        rows,
        vec!["received", "disclose", "concluded_total", "carried_forward"]
    );
    let received = row_total[0];
    assert_eq!(received.left, received.right + 2);
    let ids: Vec<&str> = received.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["nobody", "who"]);

    let codes: Vec<(&str, &str)> = r
        .consistency
        .anomalies
        .iter()
        .map(|a| (a.case_id.as_str(), a.code))
        .collect();
    assert!(codes.contains(&("late", "concluded_before_received")));
    assert!(codes.contains(&("who", "unknown_applicant_kind")));
    assert!(codes.contains(&("nobody", "missing_applicant_kind")));
    assert!(codes.contains(&("odd", "unknown_reply_type")));
}

#[test]
fn a_terminal_case_without_conclusion_date_is_flagged_but_balanced() {
    let mut rec = request("nodate", "natural_person", "2023-03-01");
    rec.state = "replied".into();
    rec.terminal = true;
    let r = report_2023(&[rec]);
    assert!(r.consistency.ok);
    assert_eq!(v(&r, "carried_forward", Column::NaturalPerson), 1);
    assert_eq!(r.consistency.anomalies.len(), 1);
    assert_eq!(r.consistency.anomalies[0].code, "missing_conclusion_date");
    assert!(!r.consistency.anomalies[0].in_violation);
    let doc = r.to_document("某区", &no_link);
    assert!(
        paragraphs(&doc)
            .iter()
            .any(|p| p.contains("不影响上述核对结果"))
    );
}

// ---------------------------------------------------------------------------------------------
// Formats, section 二
// ---------------------------------------------------------------------------------------------

#[test]
fn format_follows_the_year() {
    assert_eq!(Format::for_year(2019), Format::Y2019);
    assert_eq!(Format::for_year(2020), Format::Y2019);
    assert_eq!(Format::for_year(2021), Format::Y2021);
    assert_eq!(Format::for_year(2030), Format::Y2021);
    assert_eq!(Format::from_code("2019"), Some(Format::Y2019));
    let r = compute(2020, Format::Y2021, &[], &Proactive::default());
    assert_eq!(r.format, Format::Y2021, "the caller may override");
    assert_eq!(r.to_json()["format"], json!("2021"));
}

#[test]
fn format_2019_has_no_sub_rows_under_other_handling() {
    let cases: Vec<CaseRecord> = ["other_no_supplement", "other_no_fee", "other"]
        .iter()
        .map(|t| request(t, "natural_person", "2019-06-01").replied("2019-06-10", t))
        .chain([
            request("ab", "business", "2019-06-01").ended("abandoned", "2019-07-01"),
            request("wd", "business", "2019-06-01").ended("withdrawn", "2019-07-01"),
        ])
        .collect();
    let r = compute(2019, Format::for_year(2019), &cases, &Proactive::default());
    assert_eq!(r.format, Format::Y2019);
    assert_eq!(v(&r, "other_handling", Column::NaturalPerson), 3);
    assert_eq!(v(&r, "other_handling", Column::Business), 2);
    assert!(r.requests.row("other_no_fee").is_none());
    assert!(!r.requests.has_children("other_handling"));
    assert!(r.requests.has_children("withhold"));
    assert!(r.consistency.ok);

    let doc = r.to_document("某区人民政府", &no_link);
    assert_eq!(doc.title, "某区人民政府政府信息公开工作年度报告（2019年）");
    let t = &tables(&doc)[1];
    check_grid(t, 10);
    let labels = row_labels(t);
    assert!(labels.contains(&"（六）其他处理".to_string()));
    assert!(!labels.iter().any(|l| l.contains("逾期不补正")));
    let six = find_cell(t, "（六）其他处理");
    assert_eq!((six.col_span, six.row_span), (2, 1));
    assert_eq!(find_cell(t, "三、本年度办理结果").row_span, 20);
    assert!(paragraphs(&doc)[0].contains("国办公开办函〔2019〕60号"));
}

#[test]
fn section_two_in_both_formats() {
    // 2021: four groups, rows and columns of 国办公开办函〔2021〕30号.
    let r = compute(2023, Format::Y2021, &[], &Proactive::default());
    let j = r.to_json();
    let groups = j["sections"]["proactive"]["groups"].as_array().unwrap();
    let shape: Vec<(String, Vec<String>, Vec<String>)> = groups
        .iter()
        .map(|g| {
            (
                g["code"].as_str().unwrap().to_string(),
                codes(&g["rows"]),
                codes(&g["columns"]),
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        shape,
        vec![
            (
                "art20_1".into(),
                s(&["rules", "normative_documents"]),
                s(&["made", "repealed", "in_force"])
            ),
            ("art20_5".into(), s(&["licensing"]), s(&["decisions"])),
            (
                "art20_6".into(),
                s(&["penalty", "coercion"]),
                s(&["decisions"])
            ),
            ("art20_8".into(), s(&["fees"]), s(&["amount"])),
        ]
    );
    let cell = &groups[0]["rows"][0]["cells"]["made"];
    assert_eq!(cell["value"], json!(0));
    assert_eq!(cell["source"], json!("not_yet_recorded"));
    let doc = r.to_document("某区", &no_link);
    let t = &tables(&doc)[0];
    check_grid(t, 4);
    assert_eq!(find_cell(t, "第二十条第（一）项").col_span, 4);
    assert_eq!(find_cell(t, "本年收费金额（单位：万元）").col_span, 3);
    assert_eq!(find_cell(t, "行政规范性文件").col_span, 1);
    // the office is told which figures are placeholders
    assert!(
        paragraphs(&doc)
            .iter()
            .any(|p| p.starts_with("〔待核实：规章“本年制发件数”"))
    );

    // 2019: five groups with the 2019 rows and columns; a recorded figure is marked so.
    let p = Proactive {
        licensing: fazhi_report::disclosure::ItemCounts {
            decisions: Some(Figure::amount(12, vec![])),
            ..Default::default()
        },
        procurement: fazhi_report::disclosure::Procurement {
            amount_fen: Some(Figure::amount(1_234_500, vec![])),
            ..Default::default()
        },
        ..Default::default()
    };
    let r = compute(2019, Format::Y2019, &[], &p);
    let j = r.to_json();
    let groups = j["sections"]["proactive"]["groups"].as_array().unwrap();
    let shape: Vec<(String, Vec<String>, Vec<String>)> = groups
        .iter()
        .map(|g| {
            (
                g["code"].as_str().unwrap().to_string(),
                codes(&g["rows"]),
                codes(&g["columns"]),
            )
        })
        .collect();
    let items = s(&["previous_year_items", "change", "decisions"]);
    assert_eq!(
        shape,
        vec![
            (
                "art20_1".into(),
                s(&["rules", "normative_documents"]),
                s(&["made", "published", "total_public"])
            ),
            (
                "art20_5".into(),
                s(&["licensing", "other_services"]),
                items.clone()
            ),
            ("art20_6".into(), s(&["penalty", "coercion"]), items),
            (
                "art20_8".into(),
                s(&["fees"]),
                s(&["previous_year_items", "change"])
            ),
            (
                "art20_9".into(),
                s(&["procurement"]),
                s(&["projects", "amount"])
            ),
        ]
    );
    let lic = &groups[1]["rows"][0]["cells"]["decisions"];
    assert_eq!(lic["value"], json!(12));
    assert_eq!(lic["source"], json!("recorded"));
    assert_eq!(
        groups[1]["rows"][1]["cells"]["decisions"]["source"],
        json!("not_yet_recorded")
    );
    let doc = r.to_document("某区", &no_link);
    let t = &tables(&doc)[0];
    check_grid(t, 4);
    assert!(row_labels(t).contains(&"其他对外管理服务事项".to_string()));
    assert!(row_labels(t).contains(&"规范性文件".to_string()));
    assert_eq!(find_cell(t, "本年新制作数量").col_span, 1);
    assert_eq!(find_cell(t, "采购总金额").col_span, 2);
    // 1 234 500 fen = 1.2345 万元
    let proc_row = t.rows.iter().find(|r| r[0].text == "政府集中采购").unwrap();
    assert_eq!(proc_row[2].text, "1.2345");
    let placeholders = paragraphs(&doc)
        .into_iter()
        .find(|p| p.starts_with("〔待核实"))
        .unwrap();
    assert!(!placeholders.contains("行政许可“处理决定数量”"));
    assert!(!placeholders.contains("政府集中采购“采购总金额”"));
    assert!(placeholders.contains("政府集中采购“采购项目数量”"));
}

// ---------------------------------------------------------------------------------------------
// Section 四
// ---------------------------------------------------------------------------------------------

#[test]
fn section_four_mapping() {
    let cases = vec![
        reconsideration("rc-uphold", "2023-02-01")
            .with("decision_type", json!("uphold"))
            .ended("decided", "2023-03-01"),
        reconsideration("rc-revoke", "2023-02-01")
            .with("decision_type", json!("revoke"))
            .ended("decided", "2023-03-01"),
        reconsideration("rc-dismiss", "2023-02-01")
            .with("decision_type", json!("dismiss_application"))
            .ended("decided", "2023-03-01"),
        reconsideration("rc-withdrawn", "2023-02-01")
            .with("decision_type", json!("withdrawn"))
            .ended("terminated", "2023-03-01"),
        reconsideration("rc-open", "2023-11-01"),
        // decided after 31 December: pending as of the report
        reconsideration("rc-late", "2023-12-01")
            .with("decision_type", json!("uphold"))
            .ended("decided", "2024-01-20"),
        // not reconsideration cases in the report
        reconsideration("rc-refused", "2023-02-01").ended("not_accepted", "2023-02-05"),
        reconsideration("rc-abandoned", "2023-02-01").ended("abandoned", "2023-02-25"),
        // another year, another category
        reconsideration("rc-2022", "2022-12-30"),
        reconsideration("rc-penalty", "2023-02-01").with("act_category", json!("penalty")),
        // litigation
        lawsuit("l-direct-win", "2023-03-01", false)
            .with("judgment_type", json!("dismiss_claims"))
            .ended("closed", "2023-09-01"),
        lawsuit("l-after-loss", "2023-03-01", true)
            .with("judgment_type", json!("revoke"))
            .ended("closed", "2023-09-01"),
        // the second instance overrides the first
        lawsuit("l-appeal", "2023-03-01", false)
            .with("judgment_type", json!("dismiss_claims"))
            .with("appeal_judgment_type", json!("revoke"))
            .with("appeal_filed_on", json!("2023-08-01"))
            .ended("closed", "2023-11-01"),
        lawsuit("l-appeal-back", "2023-03-01", true)
            .with("judgment_type", json!("confirm_illegal"))
            .with("appeal_judgment_type", json!("dismiss_claims"))
            .ended("closed", "2023-11-01"),
        lawsuit("l-withdrawn", "2023-03-01", false)
            .with("judgment_type", json!("ruling_withdrawal"))
            .ended("closed", "2023-05-01"),
        lawsuit("l-open", "2023-10-01", true),
        // a first-instance judgment but not closed by 31 December
        lawsuit("l-on-appeal", "2023-03-01", false).with("judgment_type", json!("dismiss_claims")),
        lawsuit("l-2024", "2024-01-05", false),
    ];
    let r = report_2023(&cases);
    let ids = |f: &Figure| f.cases.clone();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let rc = &r.remedies.reconsideration;
    assert_eq!(ids(&rc.upheld), s(&["rc-uphold"]));
    assert_eq!(ids(&rc.corrected), s(&["rc-revoke"]));
    assert_eq!(ids(&rc.other), s(&["rc-dismiss", "rc-withdrawn"]));
    assert_eq!(ids(&rc.pending), s(&["rc-late", "rc-open"]));
    assert_eq!(rc.total.value, 6);

    let direct = &r.remedies.litigation_direct;
    assert_eq!(ids(&direct.upheld), s(&["l-direct-win"]));
    assert_eq!(ids(&direct.corrected), s(&["l-appeal"]));
    assert_eq!(ids(&direct.other), s(&["l-withdrawn"]));
    assert_eq!(ids(&direct.pending), s(&["l-on-appeal"]));
    assert_eq!(direct.total.value, 4);

    let after = &r.remedies.litigation_after_reconsideration;
    assert_eq!(ids(&after.upheld), s(&["l-appeal-back"]));
    assert_eq!(ids(&after.corrected), s(&["l-after-loss"]));
    assert_eq!(after.other.value, 0);
    assert_eq!(ids(&after.pending), s(&["l-open"]));
    assert_eq!(after.total.value, 3);

    // section 四 records do not touch section 三
    assert_eq!(v(&r, "received", Column::Total), 0);
    assert!(r.consistency.ok);

    // the document's table: one row of 15 figures under a three-row header
    let doc = r.to_document("某区", &no_link);
    let t = &tables(&doc)[2];
    check_grid(t, 15);
    let fig: Vec<&str> = t.rows[0].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        fig,
        vec![
            "1", "1", "2", "2", "6", "1", "1", "1", "1", "4", "1", "1", "0", "1", "3"
        ]
    );
    assert_eq!(
        (
            t.header[0][0].text.as_str(),
            t.header[0][0].col_span,
            t.header[0][0].row_span
        ),
        ("行政复议", 5, 2)
    );
    assert_eq!(t.header[0][1].col_span, 10);
    assert_eq!(t.header[1][1].text, "复议后起诉");

    assert_eq!(
        reconsideration_outcome("confirm_void"),
        Some(fazhi_report::disclosure::Outcome::Corrected)
    );
    assert_eq!(
        litigation_outcome("compensation"),
        Some(fazhi_report::disclosure::Outcome::Corrected)
    );
    assert_eq!(
        litigation_outcome("ruling_not_filed"),
        Some(fazhi_report::disclosure::Outcome::Other)
    );
}

#[test]
fn section_four_flags_a_decision_without_type() {
    let cases = vec![reconsideration("rc-x", "2023-02-01").ended("decided", "2023-03-01")];
    let r = report_2023(&cases);
    assert_eq!(r.remedies.reconsideration.other.value, 1);
    let a = &r.consistency.anomalies;
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].section, a[0].code),
        ("remedies", "missing_decision_type")
    );
    assert!(
        r.consistency.ok,
        "section 四 anomalies do not break the rule"
    );
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

#[test]
fn json_keys_are_stable() {
    let j = report_2023(&handcrafted()).to_json();
    assert_eq!(
        keys(&j),
        vec![
            "consistency",
            "format",
            "format_basis",
            "period",
            "report",
            "sections",
            "year"
        ]
    );
    assert_eq!(j["format"], json!("2021"));
    assert_eq!(j["year"], json!(2023));
    assert_eq!(
        j["period"],
        json!({"from": "2023-01-01", "to": "2023-12-31"})
    );
    assert_eq!(
        keys(&j["sections"]),
        vec!["fees", "proactive", "remedies", "requests", "summary"]
    );
    assert_eq!(
        keys(&j["consistency"]),
        vec!["anomalies", "ok", "violations"]
    );

    let req = &j["sections"]["requests"];
    assert_eq!(
        codes(&req["columns"]),
        vec![
            "natural_person",
            "business",
            "research",
            "public_welfare",
            "legal_service",
            "other_org",
            "total"
        ]
    );
    let mut expected = vec![
        "received",
        "carried_over",
        "disclose",
        "partial",
        "withhold",
    ];
    expected.extend(&REPLY_TYPES[2..10]);
    expected.push("unavailable");
    expected.extend(&REPLY_TYPES[10..13]);
    expected.push("not_handled");
    expected.extend(&REPLY_TYPES[13..18]);
    expected.push("other_handling");
    expected.extend(&REPLY_TYPES[18..21]);
    expected.extend(["concluded_total", "carried_forward"]);
    assert_eq!(codes(&req["rows"]), expected);
    let row = &req["rows"][2];
    assert_eq!(keys(row), vec!["cells", "code", "label", "parent"]);
    assert_eq!(row["parent"], json!("results"));
    assert_eq!(req["rows"][5]["parent"], json!("withhold"));
    assert_eq!(req["rows"][0]["parent"], Value::Null);
    assert_eq!(
        row["cells"]["natural_person"],
        json!({"value": 2, "cases": ["a1", "a11"]})
    );

    let rem = &j["sections"]["remedies"];
    assert_eq!(
        codes(&rem["columns"]),
        vec!["upheld", "corrected", "other", "pending", "total"]
    );
    assert_eq!(
        codes(&rem["groups"]),
        vec![
            "reconsideration",
            "litigation_direct",
            "litigation_after_reconsideration"
        ]
    );
    assert_eq!(
        keys(&rem["groups"][0]["cells"]),
        vec!["corrected", "other", "pending", "total", "upheld"]
    );
    assert_eq!(
        keys(&j["sections"]["summary"]),
        vec![
            "carried_forward",
            "carried_over",
            "concluded",
            "disclosed",
            "disclosure_rate_permille",
            "received"
        ]
    );
    assert_eq!(
        j["sections"]["summary"]["disclosure_rate_permille"],
        json!(375)
    );
    assert_eq!(
        j["sections"]["fees"]["amount_fen"],
        json!({"value": 30000, "cases": ["a11"]})
    );
    let cell = &j["sections"]["proactive"]["groups"][3]["rows"][0]["cells"]["amount"];
    assert_eq!(keys(cell), vec!["cases", "source", "unit", "value"]);
    assert_eq!(cell["unit"], json!("fen"));

    // a violation's keys
    let mut cases = handcrafted();
    cases.push(request("b", "natural_person", "2023-05-01").ended("replied", "2023-05-02"));
    let j = report_2023(&cases).to_json();
    let violation = &j["consistency"]["violations"][0];
    assert_eq!(
        keys(violation),
        vec![
            "cases",
            "column",
            "explanation",
            "kind",
            "left",
            "right",
            "row"
        ]
    );
    assert_eq!(
        keys(&violation["cases"][0]),
        vec!["explanation", "id", "number"]
    );
    assert_eq!(
        keys(&j["consistency"]["anomalies"][0]),
        vec![
            "case_id",
            "code",
            "explanation",
            "in_violation",
            "number",
            "section"
        ]
    );
}

#[test]
fn section_three_table_has_the_official_merged_header_and_rows() {
    let r = report_2023(&handcrafted());
    let link = |ids: &[String]| (!ids.is_empty()).then(|| format!("/cases?ids={}", ids.join(",")));
    let doc = r.to_document("某区人民政府", &link);
    assert_eq!(doc.title, "某区人民政府政府信息公开工作年度报告（2023年）");
    let headings: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        headings,
        vec![
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项"
        ]
    );
    let t = &tables(&doc)[1];
    check_grid(t, 10);

    // header: 3 rows
    assert_eq!(t.header.len(), 3);
    let h = &t.header;
    assert!(
        h[0][0]
            .text
            .contains("第一项加第二项之和，等于第三项加第四项之和")
    );
    assert_eq!((h[0][0].col_span, h[0][0].row_span), (3, 3));
    assert_eq!((h[0][1].text.as_str(), h[0][1].col_span), ("申请人情况", 7));
    assert_eq!((h[1][0].text.as_str(), h[1][0].row_span), ("自然人", 2));
    assert_eq!(
        (h[1][1].text.as_str(), h[1][1].col_span),
        ("法人或其他组织", 5)
    );
    assert_eq!((h[1][2].text.as_str(), h[1][2].row_span), ("总计", 2));
    let sub: Vec<&str> = h[2].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        sub,
        vec![
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他"
        ]
    );

    // body rows
    assert_eq!(t.rows.len(), 2 + 22 + 1);
    let first = &t.rows[0][0];
    assert_eq!(
        (first.text.as_str(), first.col_span),
        ("一、本年新收政府信息公开申请数量", 3)
    );
    let results = &t.rows[2][0];
    assert_eq!(
        (results.text.as_str(), results.row_span),
        ("三、本年度办理结果", 22)
    );
    assert_eq!(t.rows[2][1].text, "（一）予以公开");
    assert_eq!(t.rows[2][1].col_span, 2);
    let withhold = &t.rows[4][0];
    assert_eq!(
        (withhold.text.as_str(), withhold.row_span),
        ("（三）不予公开", 8)
    );
    assert_eq!(t.rows[4][1].text, "1.属于国家秘密");
    assert_eq!(find_cell(t, "（四）无法提供").row_span, 3);
    assert_eq!(find_cell(t, "（五）不予处理").row_span, 5);
    assert_eq!(find_cell(t, "（六）其他处理").row_span, 3);
    assert_eq!(find_cell(t, "3.其他").col_span, 1);
    assert_eq!(find_cell(t, "（七）总计").col_span, 2);
    assert_eq!(find_cell(t, "四、结转下年度继续办理").col_span, 3);

    // figures: （一）予以公开, 自然人 = 2 linked to its cases; 总计 last.
    let disclose = &t.rows[2];
    assert_eq!(disclose[2].text, "2");
    assert!(disclose[2].numeric);
    assert_eq!(disclose[2].link.as_deref(), Some("/cases?ids=a1,a11"));
    assert_eq!(disclose[8].text, "2");
    assert_eq!(disclose[3].link, None, "an empty figure has no link");

    // prose
    let p = paragraphs(&doc);
    assert!(p.iter().any(|x| x.contains(
        "共收到政府信息公开申请8件，上年结转2件；本年度办结8件，其中予以公开2件、部分公开1件，公开率（予以公开与部分公开件数之和占办结件数的比例）为37.5%；结转下年度继续办理2件"
    )));
    assert!(p.iter().any(|x| x.contains("收取信息处理费1件，合计300元")));
    assert!(p.iter().any(|x| x.starts_with("〔待填写")));
}

#[test]
fn large_input_is_fast_and_balanced() {
    let kinds = Column::APPLICANTS;
    let cases: Vec<CaseRecord> = (0..100_000)
        .map(|i| {
            let received = format!("202{}-{:02}-{:02}", 2 + i % 3, 1 + i % 12, 1 + i % 28);
            let rec = request(&format!("c{i:06}"), kinds[i % 6].code(), &received);
            match i % 4 {
                0 => rec,
                _ => {
                    let on = format!("202{}-{:02}-28", 2 + (i + i / 4) % 3, 1 + i % 12);
                    if on.as_str() < received.as_str() {
                        rec
                    } else {
                        rec.replied(&on, REPLY_TYPES[i % 21])
                    }
                }
            }
        })
        .collect();
    let started = std::time::Instant::now();
    let r = report_2023(&cases);
    let elapsed = started.elapsed();
    assert!(r.consistency.ok, "{:?}", r.consistency.violations.first());
    assert!(v(&r, "received", Column::Total) > 30_000);
    // generous for unoptimised test builds; a release build takes a fraction of this
    assert!(elapsed.as_secs_f64() < 3.0, "{elapsed:?}");
    eprintln!("100 000 records: {elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// Helpers over documents and JSON
// ---------------------------------------------------------------------------------------------

fn tables(doc: &Document) -> Vec<&Table> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn paragraphs(doc: &Document) -> Vec<String> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn all_cells(t: &Table) -> impl Iterator<Item = &Cell> {
    t.header.iter().chain(&t.rows).flatten()
}

fn find_cell<'a>(t: &'a Table, text: &str) -> &'a Cell {
    all_cells(t)
        .find(|c| c.text == text)
        .unwrap_or_else(|| panic!("no cell “{text}”"))
}

fn row_labels(t: &Table) -> Vec<String> {
    all_cells(t)
        .filter(|c| !c.numeric)
        .map(|c| c.text.clone())
        .collect()
}

/// Every row of the header and of the body, with the cells spanning into it from above,
/// covers exactly `width` columns, and no span runs past its part of the table.
fn check_grid(t: &Table, width: usize) {
    for part in [&t.header, &t.rows] {
        let mut carried = vec![0u16; width]; // rows still covered from above, per column
        for (i, row) in part.iter().enumerate() {
            let mut col = 0;
            for cell in row {
                while col < width && carried[col] > 0 {
                    col += 1;
                }
                assert!(
                    col + cell.col_span as usize <= width,
                    "row {i} too wide at “{}”",
                    cell.text
                );
                for slot in &mut carried[col..col + cell.col_span as usize] {
                    assert_eq!(*slot, 0, "row {i} overlaps at “{}”", cell.text);
                    *slot = cell.row_span;
                }
                col += cell.col_span as usize;
            }
            assert!(
                carried.iter().all(|&c| c > 0),
                "row {i} does not fill {width} columns: {:?}",
                row.iter().map(|c| &c.text).collect::<Vec<_>>()
            );
            for c in carried.iter_mut() {
                *c -= 1;
            }
        }
        assert!(
            carried.iter().all(|&c| c == 0),
            "a span runs past the table part"
        );
    }
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x["code"].as_str().expect("code").to_string())
        .collect()
}
