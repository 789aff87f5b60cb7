//! The document renderers and the official-document templates.
//!
//! HTML is checked for its structure; DOCX is read back with a second library (`zip` +
//! `roxmltree` on `word/document.xml`, not docx-rs) for the text, fonts, page set-up and
//! merged cells; every default template is parsed and rendered against a sample case of its
//! procedure carrying the fields of its definition the templates use (that they use no others
//! is checked in `templates_match_definitions.rs`).

mod common;

use chrono::NaiveDate;
use fazhi_report::docx::{self, Fonts};
use fazhi_report::html;
use fazhi_report::templates::{CaseInfo, DocumentContext, Template, TemplateErrorKind};
use fazhi_report::{Block, Cell, Document, Signature, Table};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A reply with a table like the annual report's: a header cell spanning two columns, one
/// spanning two rows, a linked figure and text that needs escaping.
fn sample_document() -> Document {
    Document {
        title: "政府信息公开申请办理情况统计".into(),
        number: Some("某政公〔2019〕12号".into()),
        addressee: Some("张三：".into()),
        blocks: vec![
            Block::Heading {
                level: 1,
                text: "一、收到申请情况".into(),
            },
            Block::Paragraph {
                text: "本机关于2019年3月5日收到申请，申请公开<某某路拓宽工程>的批复文件 & 附件。"
                    .into(),
            },
            Block::Heading {
                level: 2,
                text: "（一）办理结果".into(),
            },
            Block::Table(Table {
                caption: Some("表一　申请办理情况".into()),
                header: vec![
                    vec![
                        Cell::text("项目").span(1, 2),
                        Cell::text("申请人情况").span(2, 1),
                    ],
                    vec![Cell::text("自然人"), Cell::text("法人或其他组织")],
                ],
                rows: vec![
                    vec![
                        Cell::text("本年新收"),
                        Cell::number(12).linked("/cases?year=2019&kind=natural_person"),
                        Cell::number(3),
                    ],
                    vec![
                        Cell::text("予以公开").span(1, 2),
                        Cell::number(1_234),
                        Cell::number(0),
                    ],
                    vec![Cell::number(5), Cell::number(6)],
                ],
            }),
            Block::Paragraph {
                text: "如不服本答复，可以依法申请行政复议。".into(),
            },
        ],
        signature: Some(Signature {
            issuer: "某某区人民政府办公室".into(),
            date: "2019年3月20日".into(),
        }),
    }
}

#[test]
fn html_page_has_official_structure_and_escapes_text() {
    let doc = sample_document();
    let page = html::render(&doc);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"zh-CN\">"));
    assert!(page.contains("<title>政府信息公开申请办理情况统计</title>"));
    assert!(
        page.contains("<style>"),
        "the download carries its own stylesheet"
    );
    assert!(page.contains("@page { size: A4; margin: 37mm 26mm 35mm 28mm; }"));
    for external in ["<link", "<script", "src=", "@import", "url("] {
        assert!(!page.contains(external), "no external resource: {external}");
    }

    assert!(page.contains("<h1 class=\"doc-title\">政府信息公开申请办理情况统计</h1>"));
    assert!(page.contains("<p class=\"doc-number\">某政公〔2019〕12号</p>"));
    assert!(page.contains("<p class=\"doc-addressee\">张三：</p>"));
    assert!(page.contains("<h2 class=\"doc-heading doc-heading-1\">一、收到申请情况</h2>"));
    assert!(page.contains("<h3 class=\"doc-heading doc-heading-2\">（一）办理结果</h3>"));
    assert!(page.contains("申请公开&lt;某某路拓宽工程&gt;的批复文件 &amp; 附件。"));
    assert!(!page.contains("<某某路"));

    // The table: caption, merged header cells, numeric cells, a link.
    assert!(page.contains("<caption>表一　申请办理情况</caption>"));
    assert!(page.contains("<th rowspan=\"2\">项目</th><th colspan=\"2\">申请人情况</th>"));
    assert!(page.contains("<tr><th>自然人</th><th>法人或其他组织</th></tr>"));
    assert!(page.contains(
        "<td class=\"num\"><a href=\"/cases?year=2019&amp;kind=natural_person\">12</a></td>"
    ));
    assert!(page.contains("<td rowspan=\"2\">予以公开</td><td class=\"num\">1234</td>"));
    assert!(page.contains("<tr><td class=\"num\">5</td><td class=\"num\">6</td></tr>"));
    assert_eq!(page.matches("<thead>").count(), 1);
    assert_eq!(page.matches("<tr>").count(), 5);

    // The signature, right-aligned by its class.
    assert!(page.contains(
        "<div class=\"doc-signature\"><div class=\"doc-signature-box\"><p class=\"doc-issuer\">某某区人民政府办公室</p><p class=\"doc-date\">2019年3月20日</p></div></div>"
    ));
    assert!(page.contains(
        ".doc-signature { margin-top: 28.95pt; padding-right: 4em; text-align: right; }"
    ));
    assert!(page.contains(".doc-table .num { text-align: right;"));
}

#[test]
fn html_fragment_is_the_body_only() {
    let doc = sample_document();
    let fragment = html::render_fragment(&doc);
    assert!(fragment.starts_with("<article class=\"official-document\">"));
    assert!(fragment.trim_end().ends_with("</article>"));
    for page_part in ["<html", "<head", "<body", "<style", "style="] {
        assert!(!fragment.contains(page_part), "{page_part} in the fragment");
    }
    assert!(html::render(&doc).contains(&fragment));
}

#[test]
fn html_drops_script_links() {
    let doc = Document {
        title: "t".into(),
        number: None,
        addressee: None,
        blocks: vec![Block::Table(Table {
            caption: None,
            header: vec![],
            rows: vec![vec![Cell::number(1).linked("javascript:alert(1)")]],
        })],
        signature: None,
    };
    let page = html::render(&doc);
    assert!(!page.contains("javascript"));
    assert!(page.contains("<td class=\"num\">1</td>"));
}

/// The parts of a DOCX file, read with `zip`.
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut parts = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        parts.insert(file.name().to_string(), text);
    }
    parts
}

fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute((W, name))
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.tag_name().namespace() == Some(W) && c.tag_name().name() == name)
}

fn elements<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    doc.descendants()
        .filter(move |n| n.tag_name().namespace() == Some(W) && n.tag_name().name() == name)
}

/// The text of a paragraph.
fn text_of(p: roxmltree::Node) -> String {
    p.descendants()
        .filter(|n| n.tag_name().namespace() == Some(W) && n.tag_name().name() == "t")
        .filter_map(|n| n.text())
        .collect()
}

#[test]
fn docx_reads_back_with_official_layout() {
    let doc = sample_document();
    let bytes = docx::render(&doc, &Fonts::default()).unwrap();
    let parts = unzip(&bytes);
    let xml = roxmltree::Document::parse(&parts["word/document.xml"]).unwrap();
    let paragraphs: Vec<String> = elements(&xml, "p").map(text_of).collect();

    // Text: title, number, a body paragraph (escaping round-trips), signature.
    assert_eq!(paragraphs[0], "政府信息公开申请办理情况统计");
    assert_eq!(paragraphs[1], "某政公〔2019〕12号");
    assert!(paragraphs.contains(&"张三：".to_string()));
    assert!(paragraphs.contains(
        &"本机关于2019年3月5日收到申请，申请公开<某某路拓宽工程>的批复文件 & 附件。".to_string()
    ));
    assert!(paragraphs.contains(&"某某区人民政府办公室".to_string()));
    assert!(paragraphs.contains(&"2019年3月20日".to_string()));

    // Every run with text names its East Asian font; title, headings and body use theirs.
    let mut fonts_by_text = BTreeMap::new();
    for run in elements(&xml, "r") {
        let text: String = run
            .children()
            .filter(|n| n.tag_name().name() == "t")
            .filter_map(|n| n.text())
            .collect();
        if text.is_empty() {
            continue;
        }
        let rpr = child(run, "rPr").expect("run properties");
        let fonts = child(rpr, "rFonts").expect("run fonts");
        let east_asia = attr(fonts, "eastAsia").expect("eastAsia font slot");
        let size = child(rpr, "sz").and_then(|s| attr(s, "val")).unwrap_or("");
        fonts_by_text.insert(text, (east_asia.to_string(), size.to_string()));
    }
    let font = |text: &str| fonts_by_text[text].clone();
    assert_eq!(
        font("政府信息公开申请办理情况统计"),
        ("方正小标宋简体".into(), "44".into())
    );
    assert_eq!(font("一、收到申请情况"), ("黑体".into(), "32".into()));
    assert_eq!(font("（一）办理结果"), ("楷体_GB2312".into(), "32".into()));
    assert_eq!(font("张三："), ("仿宋_GB2312".into(), "32".into()));
    assert_eq!(font("自然人"), ("仿宋_GB2312".into(), "24".into()));

    // Body paragraphs: fixed 28.95 pt lines, first line indented two characters.
    let body = elements(&xml, "p")
        .find(|p| text_of(*p).starts_with("本机关于"))
        .unwrap();
    let ppr = child(body, "pPr").unwrap();
    let spacing = child(ppr, "spacing").unwrap();
    assert_eq!(attr(spacing, "line"), Some("579"));
    assert_eq!(attr(spacing, "lineRule"), Some("exact"));
    assert_eq!(attr(child(ppr, "ind").unwrap(), "firstLine"), Some("640"));
    let title = elements(&xml, "p").next().unwrap();
    assert_eq!(
        attr(child(child(title, "pPr").unwrap(), "jc").unwrap(), "val"),
        Some("center")
    );
    let date_paragraph = elements(&xml, "p")
        .find(|p| text_of(*p) == "2019年3月20日")
        .unwrap();
    let date_ppr = child(date_paragraph, "pPr").unwrap();
    assert_eq!(attr(child(date_ppr, "jc").unwrap(), "val"), Some("right"));
    assert_eq!(attr(child(date_ppr, "ind").unwrap(), "right"), Some("1280"));

    // Page: A4, margins 37/35/28/26 mm.
    let sect = elements(&xml, "sectPr").last().unwrap();
    let size = child(sect, "pgSz").unwrap();
    assert_eq!(attr(size, "w"), Some("11906"));
    assert_eq!(attr(size, "h"), Some("16838"));
    let margins = child(sect, "pgMar").unwrap();
    let mm = |v: Option<&str>| (v.unwrap().parse::<f64>().unwrap() / 56.692_9).round() as i64;
    assert_eq!(mm(attr(margins, "top")), 37);
    assert_eq!(mm(attr(margins, "bottom")), 35);
    assert_eq!(mm(attr(margins, "left")), 28);
    assert_eq!(mm(attr(margins, "right")), 26);

    // The merged cells: gridSpan for the two-column header, vMerge for the two-row ones.
    let spans: Vec<&str> = elements(&xml, "gridSpan")
        .filter_map(|n| attr(n, "val"))
        .collect();
    assert_eq!(spans, ["2"]);
    let merges: Vec<&str> = elements(&xml, "vMerge")
        .map(|n| attr(n, "val").unwrap_or("continue"))
        .collect();
    assert_eq!(merges, ["restart", "continue", "restart", "continue"]);
    let grid: Vec<&str> = elements(&xml, "gridCol")
        .filter_map(|n| attr(n, "w"))
        .collect();
    assert_eq!(grid.len(), 3);
    let width: i64 = grid.iter().map(|w| w.parse::<i64>().unwrap()).sum();
    assert_eq!(width, 11906 - 1587 - 1474, "the table spans the text block");
    let rows: Vec<_> = elements(&xml, "tr").collect();
    assert_eq!(rows.len(), 5);
    for row in &rows {
        let columns: usize = row
            .children()
            .filter(|c| c.tag_name().name() == "tc")
            .map(|tc| {
                child(child(tc, "tcPr").unwrap(), "gridSpan")
                    .and_then(|g| attr(g, "val"))
                    .map_or(1, |v| v.parse().unwrap())
            })
            .sum();
        assert_eq!(columns, 3, "every row covers the grid");
    }
    let numeric = elements(&xml, "p").find(|p| text_of(*p) == "1234").unwrap();
    assert_eq!(
        attr(child(child(numeric, "pPr").unwrap(), "jc").unwrap(), "val"),
        Some("right")
    );

    // Page numbers in the footers: “— PAGE —”, odd and even pages.
    let footers: Vec<&String> = parts
        .iter()
        .filter(|(name, _)| name.starts_with("word/footer"))
        .map(|(_, xml)| xml)
        .collect();
    assert_eq!(footers.len(), 2);
    for footer in footers {
        let xml = roxmltree::Document::parse(footer).unwrap();
        let instr: String = elements(&xml, "instrText")
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(instr.trim(), "PAGE");
        let text: String = elements(&xml, "t").filter_map(|n| n.text()).collect();
        assert_eq!(text, "— 1 —");
    }
    assert!(parts["word/settings.xml"].contains("evenAndOddHeaders"));
}

#[test]
fn docx_fonts_are_configurable() {
    let fonts = Fonts {
        title: "Noto Serif CJK SC".into(),
        body: "Noto Serif CJK SC".into(),
        heading1: "Noto Sans CJK SC".into(),
        heading2: "Noto Serif CJK SC".into(),
        table: "Noto Serif CJK SC".into(),
        page_number: "Noto Serif CJK SC".into(),
    };
    let bytes = docx::render(&sample_document(), &fonts).unwrap();
    let document = &unzip(&bytes)["word/document.xml"];
    assert!(document.contains("w:eastAsia=\"Noto Sans CJK SC\""));
    assert!(!document.contains("仿宋_GB2312"));
}

#[test]
fn docx_output_is_deterministic() {
    let doc = sample_document();
    let first = docx::render(&doc, &Fonts::default()).unwrap();
    // Something else rendered in between must not shift ids.
    let other = Document {
        title: "其他".into(),
        number: None,
        addressee: None,
        blocks: vec![Block::Paragraph { text: "x".into() }],
        signature: None,
    };
    docx::render(&other, &Fonts::default()).unwrap();
    let second = std::thread::spawn(move || docx::render(&doc, &Fonts::default()).unwrap())
        .join()
        .unwrap();
    assert_eq!(first, second);

    let mut archive = zip::ZipArchive::new(Cursor::new(first.as_slice())).unwrap();
    for i in 0..archive.len() {
        let file = archive.by_index(i).unwrap();
        let time = file.last_modified().unwrap();
        assert_eq!(
            (time.year(), time.month(), time.day()),
            (1980, 1, 1),
            "{}",
            file.name()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Templates

fn context(procedure: &str, fields: Value, display: &[(&str, &str)]) -> DocumentContext {
    let Value::Object(fields) = fields else {
        panic!("fields must be an object")
    };
    DocumentContext {
        case: CaseInfo {
            id: "0190a0e2-6d4c-7c3e-9a51-3f0e2b8c1d44".into(),
            number: Some(
                match procedure {
                    "disclosure_request" => "某政信公〔2019〕12号",
                    "reconsideration" => "某府复〔2024〕8号",
                    "petition" => "某信〔2024〕105号",
                    "legal_aid" => "某法援〔2024〕31号",
                    _ => "某调〔2024〕7号",
                }
                .into(),
            ),
            procedure: procedure.into(),
            state: "办理中".into(),
            department: Some("某某区政府办公室".into()),
            region: Some("某某区".into()),
        },
        fields: fields.into_iter().collect(),
        display: display
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        deadlines: [
            ("reply", "2019-04-02"),
            ("fee_payment", "2019-04-16"),
            ("decision", "2024-05-10"),
            ("handling", "2024-06-28"),
        ]
        .into_iter()
        .map(|(k, d)| (k.to_string(), date(d)))
        .collect(),
        today: date("2019-03-20"),
        issuer: match procedure {
            "disclosure_request" => "某某区人民政府办公室",
            "reconsideration" => "某某区人民政府",
            "petition" => "某某区信访局",
            "legal_aid" => "某某区法律援助中心",
            _ => "某某街道人民调解委员会",
        }
        .into(),
    }
}

fn person() -> Value {
    json!({
        "kind": "person",
        "name": "张三",
        "id_number": "110101199003071234",
        "phone": "13800000000",
        "address": "某某区幸福路1号"
    })
}

fn company() -> Value {
    json!({
        "kind": "organisation",
        "name": "某某建设有限公司",
        "credit_code": "91110000600037341L",
        "address": "某某区工业园8号",
        "representative": "李四"
    })
}

/// A disclosure request with the fields of the definition the templates name.
fn disclosure(reply_type: &str) -> DocumentContext {
    context(
        "disclosure_request",
        json!({
            "applicant": person(),
            "applicant_kind": "natural_person",
            "channel": "online",
            "received_on": "2019-03-05",
            "content": "某某路拓宽工程的立项批复文件",
            "purpose": "了解工程对住宅的影响",
            "delivery": "electronic",
            "contact_email": "zhangsan@example.cn",
            "attachments": [],
            "supplement_items": "1. 请写明所需批复文件的年份；\n2. 请写明工程所在路段。",
            "supplement_deadline": "2019-03-29",
            "extension_reason": "所申请信息涉及多个部门，需要协调确认",
            "consulted_party": "某某建设有限公司",
            "consultation_kind": "third_party",
            "reply_type": reply_type,
            "reply_on": "2019-03-20",
            "reply_summary": "具体说明：该批复文件第三部分涉及第三方商业秘密。",
            "fee_method": "per_request",
            "fee": 30000,
            "fee_requests": 13
        }),
        &[
            ("applicant_kind", "自然人"),
            ("channel", "互联网"),
            ("delivery", "电子数据"),
            ("reply_type", "予以公开"),
            ("fee", "300.00元"),
        ],
    )
}

fn reconsideration(decision_type: &str) -> DocumentContext {
    context(
        "reconsideration",
        json!({
            "applicant": company(),
            "agent": "王五，某某律师事务所律师",
            "respondent": "某某区市场监督管理局",
            "third_party": "张三",
            "act_description": "某市监罚〔2024〕12号行政处罚决定",
            "act_category": "penalty",
            "claims": "撤销被申请人作出的某市监罚〔2024〕12号行政处罚决定。",
            "facts_reasons": "被申请人认定事实不清，适用依据错误。",
            "known_on": "2024-01-10",
            "received_on": "2024-02-20",
            "accepted_on": "2024-02-23",
            "channel": "online",
            "supplement_items": "1. 请提交被申请复议的行政处罚决定书复印件；\n2. 请明确行政复议请求。",
            "not_accepted_reason": "本案不属于本机关管辖，有管辖权的行政复议机关为某某市人民政府。",
            "extension_reason": "案情复杂，需要进一步调查核实",
            "suspension_reason": "本案审理需要以另一案件的审理结果为依据，而该案件尚未审结",
            "hearing_on": "2024-03-20",
            "hearing_summary": "双方当事人到场陈述意见并质证。",
            "decision_type": decision_type,
            "decision_summary": "被申请人作出的行政处罚决定认定事实清楚，适用依据正确。",
            "decided_on": "2024-04-19",
            "decision_no": "某府复决〔2024〕8号"
        }),
        &[
            ("act_category", "行政处罚"),
            ("channel", "互联网"),
            ("decision_type", "维持"),
        ],
    )
}

fn petition(opinion_type: &str) -> DocumentContext {
    context(
        "petition",
        json!({
            "applicant": person(),
            "petition_type": "claim",
            "subject": "小区周边施工噪声扰民",
            "content": "请求责令施工单位夜间停止施工。",
            "channel": "letter",
            "received_on": "2024-04-01",
            "accepted_on": "2024-04-08",
            "opinion_type": opinion_type,
            "opinion_summary": "经现场核查，该工地存在夜间施工情况。已责令施工单位自2024年5月1日起夜间22时至次日6时停止施工。",
            "opinion_on": "2024-05-20",
            "review_body": "某某市信访局",
            "extension_reason": "需要协调住建、城管等多个部门共同核查"
        }),
        &[("petition_type", "申诉求决"), ("channel", "来信")],
    )
}

fn legal_aid() -> DocumentContext {
    context(
        "legal_aid",
        json!({
            "applicant": person(),
            "channel": "in_person",
            "case_type": "civil",
            "matter": "追索劳动报酬纠纷",
            "service_form": "litigation_representation",
            "received_on": "2024-05-06",
            "decision_on": "2024-05-10",
            "refusal_reason": "申请人的经济状况不符合本省规定的经济困难标准。",
            "law_firm": "某某律师事务所",
            "lawyer": "赵六律师",
            "assigned_on": "2024-05-11"
        }),
        &[
            ("case_type", "民事"),
            ("service_form", "民事、行政、国家赔偿诉讼代理"),
        ],
    )
}

fn mediation() -> DocumentContext {
    context(
        "mediation",
        json!({
            "parties": [person(), company()],
            "dispute_type": "damages",
            "dispute_summary": "2024年3月，某某建设有限公司施工时损坏张三住房外墙，对损害负全部责任。",
            "agreement_form": "written",
            "agreement_terms": "某某建设有限公司赔偿张三修缮费用人民币8000元，一次性转账支付。",
            "agreement_effective_on": "2024-06-12",
            "performance_deadline": "2024-06-30",
            "mediators": ["钱七"],
            "amount": 800000
        }),
        &[("dispute_type", "损害赔偿纠纷")],
    )
}

/// A penalty case decided with a fine, after a notice without a hearing right.
fn penalty() -> DocumentContext {
    context(
        "administrative_penalty",
        json!({
            "field_area": "market",
            "item": "销售不符合食品安全标准的食品",
            "party": company(),
            "violation_on": "2024-02-20",
            "facts_summary": "当事人于2024年2月20日在其经营场所销售超过保质期的预包装食品12件。",
            "officers": ["12010001", "12010002"],
            "evidence_kinds": ["documentary", "party_statement"],
            "proposed_penalty": "没收超过保质期的食品12件，并处罚款人民币5000元。",
            "penalty_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            "notice_served_on": "2024-04-08",
            "hearing_available": false,
            "statement": "系初次违法，已下架全部过期食品。",
            "statement_response": "当事人所述下架情况属实，已在裁量中考虑。",
            "decision_type": "penalty",
            "penalty_kinds": ["confiscation", "fine"],
            "fine": 500000,
            "decision_number": "某市监罚〔2024〕21号",
            "violation": "当事人于2024年2月20日销售超过保质期的预包装食品12件，货值金额240元",
            "penalty_content": "没收超过保质期的食品12件，并处罚款人民币5000元",
            "no_penalty_reason": "违法行为轻微并及时改正，没有造成危害后果。",
            "hearing_on": "2024-04-20",
            "hearing_notice_on": "2024-04-10",
            "hearing_place": "某某区市场监督管理局第一会议室",
            "served_on": "2024-05-06",
            "service_method": "in_person"
        }),
        &[
            ("evidence_kinds", "书证、当事人的陈述"),
            ("penalty_kinds", "没收违法所得、没收非法财物、罚款"),
            ("service_method", "直接送达（当场交付）"),
        ],
    )
}

/// A suit answered, the head unable to attend the hearing.
fn litigation() -> DocumentContext {
    context(
        "litigation",
        json!({
            "plaintiff": person(),
            "court": "某某区人民法院",
            "case_no": "（2024）某0101行初15号",
            "filed_on": "2024-03-01",
            "act_category": "penalty",
            "act_description": "某市监罚〔2024〕21号行政处罚决定",
            "after_reconsideration": false,
            "claims": "撤销被诉行政处罚决定",
            "served_on": "2024-03-05",
            "hearing_on": "2024-04-18",
            "head_attended": false,
            "absence_reason": "需要履行他人不能代替的公务",
            "appearing_staff": "王五（法制科科长）"
        }),
        &[("act_category", "行政处罚")],
    )
}

/// A certificate cancelled on retirement.
fn certificate() -> DocumentContext {
    context(
        "enforcement_certificate",
        json!({
            "holder": person(),
            "certificate_number": "12010001",
            "staff_category": "civil_servant",
            "valid_until": "2026-12-31",
            "refuse_reason": "未通过行政执法资格考试",
            "suspend_reason": "年审不合格",
            "cancel_reason": "retirement",
            "cancel_note": "2024年3月退休"
        }),
        &[("staff_category", "公务员"), ("cancel_reason", "退休")],
    )
}

/// A body entrusted by a department.
fn enforcement_body() -> DocumentContext {
    context(
        "enforcement_body",
        json!({
            "body": company(),
            "body_type": "entrusted",
            "legal_basis": "《中华人民共和国行政处罚法》第二十条",
            "scopes": ["urban"],
            "entrusting_body": "某某区城市管理局",
            "entrustment_document": "某城管委〔2024〕1号",
            "confirmation_document": "某司执确〔2024〕3号",
            "refuse_reason": "不具有管理公共事务职能"
        }),
        &[("body_type", "受委托组织"), ("scopes", "城市管理")],
    )
}

/// A published penalty item without a discretion benchmark.
fn enforcement_item() -> DocumentContext {
    context(
        "enforcement_item",
        json!({
            "item_name": "对销售不符合食品安全标准的食品的行政处罚",
            "item_code": "330217001000",
            "item_type": "penalty",
            "field_area": "market",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
            "duties": "立案、调查、告知、决定、送达、执行",
            "accountability": "不履行或者不正确履行行政职责的，依法追究责任"
        }),
        &[("item_type", "行政处罚"), ("field_area", "市场监管")],
    )
}

/// An unqualified file with a veto item, sent for rectification.
fn evaluation() -> DocumentContext {
    context(
        "case_file_evaluation",
        json!({
            "batch": "2024年度第一批",
            "batch_year": 2024,
            "file_number": "某市监罚〔2024〕21号",
            "file_kind": "penalty",
            "evaluated_body": "market",
            "evaluating_body": "justice",
            "evaluators": ["赵六", "孙七"],
            "form_score": 15,
            "content_score": 50,
            "total_score": 65,
            "vetoes": ["fewer_than_two"],
            "grade": "unqualified",
            "problems": "调查笔录仅有一名执法人员签名；\n未载明裁量理由。",
            "rectification_deadline": "2024-07-31"
        }),
        &[
            ("file_kind", "行政处罚"),
            ("vetoes", "执法人员少于两人"),
            ("grade", "不合格"),
        ],
    )
}

/// A consultation answered on the spot.
fn consultation() -> DocumentContext {
    context(
        "legal_consultation",
        json!({
            "channel": "walk_in",
            "consulted_on": "2024-05-06",
            "topic": "拖欠工资",
            "category": "labour",
            "enquirer": person(),
            "answer": "可以向劳动保障监察机构投诉，或者申请劳动争议仲裁。",
            "answered_by": "周八",
            "referred_to_aid": true
        }),
        &[("channel", "来访"), ("category", "劳动和社会保障")],
    )
}

fn sample_context(procedure: &str) -> DocumentContext {
    match procedure {
        "disclosure_request" => disclosure("partial"),
        "reconsideration" => reconsideration("uphold"),
        "petition" => petition("support"),
        "legal_aid" => legal_aid(),
        "mediation" => mediation(),
        "administrative_penalty" => penalty(),
        "litigation" => litigation(),
        "enforcement_certificate" => certificate(),
        "enforcement_body" => enforcement_body(),
        "enforcement_item" => enforcement_item(),
        "case_file_evaluation" => evaluation(),
        "legal_consultation" => consultation(),
        other => panic!("no sample for {other}"),
    }
}

fn render(procedure: &str, document: &str, ctx: &DocumentContext) -> Document {
    let text = common::template(procedure, document).expect("a default template");
    let template = Template::parse(&format!("{procedure}/{document}"), &text)
        .unwrap_or_else(|e| panic!("{procedure}/{document}: {e}"));
    template
        .render(ctx)
        .unwrap_or_else(|e| panic!("{procedure}/{document}: {e}"))
}

fn body_text(doc: &Document) -> String {
    doc.blocks
        .iter()
        .map(Block::text)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_default_template_parses_and_renders() {
    let all = common::templates();
    assert_eq!(all.len(), 36);
    for (procedure, document, name, text) in &all {
        let (procedure, document, name) = (procedure.as_str(), document.as_str(), name.as_str());
        let doc = render(procedure, document, &sample_context(procedure));
        let body = body_text(&doc);
        assert!(!doc.title.is_empty(), "{procedure}/{document}");
        assert!(
            doc.title.contains(name)
                || name.contains(&doc.title)
                || doc.title.ends_with('书')
                || doc.title.ends_with('函')
                || doc.title.ends_with('执'),
            "{procedure}/{document}: {} vs {name}",
            doc.title
        );
        assert!(!doc.blocks.is_empty(), "{procedure}/{document}");
        for leftover in ["{{", "}}", "{%", "%}", "\u{E000}"] {
            assert!(
                !body.contains(leftover) && !doc.title.contains(leftover),
                "{procedure}/{document}: {leftover}"
            );
        }
        assert!(body.contains('《'), "{procedure}/{document} cites a law");
        assert!(!body.contains("none") && !body.contains("undefined"));
        let signature = doc.signature.as_ref().expect("a signature");
        assert!(signature.date.ends_with('日'), "{procedure}/{document}");
        assert!(text.starts_with("# "));
        // And it renders to both formats; the DOCX, read back with `zip` and `roxmltree`,
        // holds the title and the case's values the document prints.
        assert!(html::render(&doc).contains(&doc.title));
        let bytes = docx::render(&doc, &Fonts::default()).unwrap();
        let words = docx_words(&bytes);
        assert!(
            words.contains(&doc.title),
            "{procedure}/{document}: DOCX title"
        );
        let heads = [doc.number.clone(), doc.addressee.clone()];
        let shown = heads.into_iter().flatten().chain([body.clone()]);
        let printed = printed_values(
            &sample_context(procedure),
            &shown.collect::<Vec<_>>().join("\n"),
        );
        assert!(
            !printed.is_empty(),
            "{procedure}/{document} prints none of the case's values"
        );
        for value in printed {
            assert!(
                words.contains(&value.replace('\n', "")),
                "{procedure}/{document}: DOCX lacks “{value}”"
            );
        }
    }
}

/// The text of the runs of `word/document.xml`, read with `zip` and `roxmltree`.
fn docx_words(bytes: &[u8]) -> String {
    let parts = unzip(bytes);
    let xml = roxmltree::Document::parse(&parts["word/document.xml"]).expect("well-formed XML");
    xml.descendants()
        .filter(|n| n.has_tag_name((W, "t")))
        .filter_map(|n| n.text())
        .collect()
}

/// The case's text values (parties by name) that appear in a document's text (a value's lines
/// are paragraphs of their own, whose runs `docx_words` joins).
fn printed_values(ctx: &DocumentContext, body: &str) -> Vec<String> {
    ctx.fields
        .values()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .filter(|v| v.chars().count() >= 2 && body.contains(v.as_str()))
        .collect()
}

/// Every shipped procedure (a definition under `procedures/`, the folder embedded in the
/// binary) issues official documents, listed in its `[[documents]]` with a template each.
/// A procedure that genuinely issues none would be named here with the reason; there is none.
const WITHOUT_DOCUMENTS: &[(&str, &str)] = &[];

#[test]
fn every_shipped_procedure_has_documents() {
    let with_documents: std::collections::BTreeSet<String> =
        common::templates().into_iter().map(|(p, ..)| p).collect();
    let mut missing = Vec::new();
    for path in common::definition_files() {
        let definition = common::parse(&path);
        let excepted = WITHOUT_DOCUMENTS
            .iter()
            .any(|(code, _)| *code == definition.code);
        if definition.documents.is_empty() && !excepted {
            missing.push(format!(
                "{}: no [[documents]] ({})",
                path.display(),
                definition.name.zh
            ));
        }
        assert!(
            excepted || with_documents.contains(&definition.code),
            "{}: no template",
            definition.code
        );
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
    // The sample test above renders every one of them.
    for procedure in &with_documents {
        sample_context(procedure);
    }
}

#[test]
fn disclosure_documents_carry_the_case() {
    let ctx = disclosure("disclose");
    let receipt = render("disclosure_request", "receipt", &ctx);
    assert_eq!(receipt.title, "政府信息公开申请登记回执");
    assert_eq!(receipt.number.as_deref(), Some("某政信公〔2019〕12号"));
    assert_eq!(receipt.addressee.as_deref(), Some("张三："));
    let body = body_text(&receipt);
    assert!(body.contains("本机关于2019年3月5日收到你（单位）通过互联网方式提交"));
    assert!(body.contains("申请公开的政府信息：某某路拓宽工程的立项批复文件"));
    assert!(body.contains("申请用途：了解工程对住宅的影响"));
    assert!(body.contains("（即于2019年4月2日前答复）"));
    assert!(body.contains("第三十三条"));
    assert_eq!(
        receipt.signature,
        Some(Signature {
            issuer: "某某区人民政府办公室".into(),
            date: "2019年3月20日".into()
        })
    );

    // Without the optional fields the paragraphs that use them drop out.
    let mut bare = disclosure("disclose");
    for key in ["purpose", "delivery"] {
        bare.fields.remove(key);
        bare.display.remove(key);
    }
    bare.fields
        .insert("supplement_deadline".into(), Value::Null);
    bare.deadlines.clear();
    let body = body_text(&render("disclosure_request", "receipt", &bare));
    assert!(
        !body.contains("申请用途") && !body.contains("获取信息的方式") && !body.contains("（即于")
    );
    // The supplement period is the one the agency set (Art 30): never a made-up default.
    let error = Template::parse(
        "supplement_notice",
        &common::template("disclosure_request", "supplement_notice").unwrap(),
    )
    .unwrap()
    .render(&bare)
    .unwrap_err();
    assert_eq!(
        error.kind,
        TemplateErrorKind::Undefined("fields.supplement_deadline".into())
    );

    // Items given one per line become paragraphs of their own.
    let notice = render("disclosure_request", "supplement_notice", &ctx);
    let paragraphs: Vec<&str> = notice
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(paragraphs.contains(&"1. 请写明所需批复文件的年份；"));
    assert!(paragraphs.contains(&"2. 请写明工程所在路段。"));
    assert!(body_text(&notice).contains("请你（单位）于2019年3月29日前"));

    let fee = body_text(&render("disclosure_request", "fee_notice", &ctx));
    assert!(fee.contains("应缴金额：300.00元。"));
    assert!(fee.contains("累计向本机关提出政府信息公开申请13件"));
    assert!(fee.contains("第四十二条") && fee.contains("按件计收"));
    assert!(fee.contains("（即于2019年4月16日前缴纳）"));
    let mut per_volume = ctx.clone();
    per_volume
        .fields
        .insert("fee_method".into(), json!("per_volume"));
    let fee = body_text(&render("disclosure_request", "fee_notice", &per_volume));
    assert!(fee.contains("按量计收") && !fee.contains("累计向本机关提出"));

    let extension = body_text(&render("disclosure_request", "extension_notice", &ctx));
    assert!(extension.contains("因所申请信息涉及多个部门，需要协调确认，本机关不能"));
    assert!(extension.contains("第三十三条第二款") && extension.contains("2019年4月2日前"));

    let consultation = render("disclosure_request", "third_party_consultation", &ctx);
    assert_eq!(
        consultation.addressee.as_deref(),
        Some("某某建设有限公司：")
    );
    assert_eq!(consultation.title, "政府信息公开第三方意见征询函");
    assert!(body_text(&consultation).contains("15个工作日内"));
    assert!(body_text(&consultation).contains("第三十二条"));
    assert!(
        !body_text(&consultation).contains("张三"),
        "the applicant is not named to the third party"
    );
    let mut other_body = ctx.clone();
    other_body
        .fields
        .insert("consulted_party".into(), json!("某某区住房和城乡建设局"));
    other_body
        .fields
        .insert("consultation_kind".into(), json!("other_body"));
    let letter = render(
        "disclosure_request",
        "third_party_consultation",
        &other_body,
    );
    assert_eq!(letter.title, "政府信息公开征求意见函");
    assert_eq!(
        letter.addressee.as_deref(),
        Some("某某区住房和城乡建设局：")
    );
    let body = body_text(&letter);
    assert!(body.contains("第三十四条") && body.contains("视为同意公开"));
    assert!(!body.contains("第三十二条"));
}

#[test]
fn the_reply_follows_the_reply_type() {
    let expected: &[(&str, &str)] = &[
        ("disclose", "第三十六条第（二）项"),
        ("partial", "第三十七条"),
        ("withhold_secret", "国家秘密"),
        ("withhold_prohibited", "法律、行政法规禁止公开"),
        ("withhold_security", "经济安全、社会稳定"),
        ("withhold_third_party", "第十五条"),
        ("withhold_internal", "第十六条第一款"),
        ("withhold_process", "过程性信息"),
        ("withhold_enforcement_file", "行政执法案卷信息"),
        ("withhold_inquiry", "第三十六条第（七）项"),
        ("unavailable_not_held", "第三十六条第（四）项、第（五）项"),
        ("unavailable_needs_creation", "第三十八条"),
        ("unavailable_unclear", "补正后的申请内容仍不明确"),
        ("not_handled_petition", "第三十九条第一款"),
        ("not_handled_repeat", "第三十六条第（六）项"),
        ("not_handled_publication", "第三十九条第二款"),
        ("not_handled_excessive", "第三十五条"),
        ("not_handled_confirm", "第二条"),
        ("other_no_supplement", "视为放弃申请"),
        ("other_no_fee", "逾期未缴纳信息处理费"),
        ("other", "第三十六条的规定"),
    ];
    for (reply_type, wording) in expected {
        let doc = render("disclosure_request", "reply", &disclosure(reply_type));
        let body = body_text(&doc);
        assert!(body.contains(wording), "{reply_type}: {body}");
        let withheld = *reply_type == "partial" || reply_type.starts_with("withhold_");
        assert_eq!(
            body.contains("第二十三条第一款第（四）项"),
            withheld,
            "{reply_type}: 复议前置 only for 不予公开"
        );
        assert!(body.contains("自收到本答复书之日起六十日内向某某区人民政府申请行政复议"));
        assert_eq!(body.contains("六个月内"), !withheld, "{reply_type}");
    }
    // Not held, and nothing said about who holds it: the information does not exist (item 4).
    let mut ctx = disclosure("unavailable_not_held");
    ctx.fields.remove("reply_summary");
    let body = body_text(&render("disclosure_request", "reply", &ctx));
    assert!(body.contains("第三十六条第（四）项的规定") && !body.contains("第（五）项"));

    // The reply's own number and date, when given.
    let mut ctx = disclosure("disclose");
    ctx.fields
        .insert("reply_no".into(), json!("某政信公复〔2019〕3号"));
    ctx.fields.insert("reply_on".into(), json!("2019-03-28"));
    let doc = render("disclosure_request", "reply", &ctx);
    assert_eq!(doc.number.as_deref(), Some("某政信公复〔2019〕3号"));
    assert_eq!(doc.signature.unwrap().date, "2019年3月28日");

    // The reply type is required, by name.
    let mut ctx = disclosure("disclose");
    ctx.fields.remove("reply_type");
    let template = Template::parse(
        "reply",
        &common::template("disclosure_request", "reply").unwrap(),
    )
    .unwrap();
    let error = template.render(&ctx).unwrap_err();
    assert_eq!(
        error.kind,
        TemplateErrorKind::Undefined("fields.reply_type".into())
    );
}

#[test]
fn reconsideration_decisions_cite_their_article() {
    let expected: &[(&str, &str, &str)] = &[
        ("uphold", "行政复议决定书", "第六十八条"),
        ("change", "行政复议决定书", "第六十三条"),
        ("revoke", "行政复议决定书", "第六十四条"),
        ("confirm_illegal", "行政复议决定书", "第六十五条"),
        ("order_performance", "行政复议决定书", "第六十六条"),
        ("confirm_void", "行政复议决定书", "第六十七条"),
        ("dismiss_claim", "行政复议决定书", "第六十九条"),
        ("dismiss_application", "行政复议决定书", "第三十三条"),
        ("mediated", "行政复议调解书", "第七十三条"),
        ("settled", "终止行政复议决定书", "第七十四条"),
        ("withdrawn", "终止行政复议决定书", "第四十一条"),
    ];
    for (decision_type, title, article) in expected {
        let doc = render(
            "reconsideration",
            "decision",
            &reconsideration(decision_type),
        );
        assert_eq!(doc.title, *title, "{decision_type}");
        let body = body_text(&doc);
        assert!(body.contains(article), "{decision_type}: {body}");
        assert!(
            doc.blocks.iter().any(
                |b| matches!(b, Block::Paragraph { text } if text.starts_with("申请人请求："))
            ),
            "{decision_type}: the claims are a paragraph of their own"
        );
        assert!(body.starts_with(
            "申请人：某某建设有限公司，统一社会信用代码91110000600037341L，住所：某某区工业园8号，法定代表人：李四"
        ));
        assert!(body.contains("第三人：张三\n"));
        assert_eq!(doc.number.as_deref(), Some("某府复决〔2024〕8号"));
        assert_eq!(
            body.contains("本机关认为：被申请人作出的行政处罚决定认定事实清楚"),
            !["mediated", "settled", "withdrawn"].contains(decision_type),
            "{decision_type}"
        );
        assert_eq!(
            body.contains("自收到本决定书之日起十五日内，依法向人民法院提起行政诉讼"),
            !["mediated", "settled", "withdrawn"].contains(decision_type),
            "{decision_type}"
        );
    }

    let ctx = reconsideration("uphold");
    let answer = render("reconsideration", "answer_notice", &ctx);
    assert_eq!(answer.addressee.as_deref(), Some("某某区市场监督管理局："));
    let body = body_text(&answer);
    assert!(body.contains("第四十八条") && body.contains("十日内") && body.contains("第七十条"));
    // The simplified procedure is told by its clocks (accept_simplified starts them).
    let mut simplified = ctx.clone();
    simplified.deadlines.remove("decision");
    simplified
        .deadlines
        .insert("decision_simplified".into(), date("2024-03-25"));
    let body = body_text(&render("reconsideration", "answer_notice", &simplified));
    assert!(body.contains("第五十四条") && body.contains("五日内"));
    let body = body_text(&render("reconsideration", "acceptance_notice", &simplified));
    assert!(
        body.contains("第五十三条") && body.contains("三十日内") && body.contains("2024年3月25日")
    );
    assert!(
        body_text(&render("reconsideration", "decision", &simplified))
            .contains("并适用简易程序审理")
    );

    // A termination on another ground of Art 41 has no decision type.
    let mut terminated = ctx.clone();
    terminated.fields.remove("decision_type");
    terminated.fields.remove("decided_on");
    terminated
        .fields
        .insert("terminated_on".into(), json!("2024-04-02"));
    terminated.fields.insert(
        "termination_reason".into(),
        json!("申请人死亡，其近亲属放弃行政复议权利"),
    );
    let doc = render("reconsideration", "decision", &terminated);
    assert_eq!(doc.title, "终止行政复议决定书");
    let body = body_text(&doc);
    assert!(body.contains(
        "申请人死亡，其近亲属放弃行政复议权利。根据《中华人民共和国行政复议法》第四十一条的规定"
    ));
    assert!(!body.contains("提起行政诉讼") && !body.contains("本机关认为"));
    assert_eq!(doc.signature.unwrap().date, "2024年4月2日");
    // Neither a decision type nor a termination: the decision type is required, by name.
    terminated.fields.remove("terminated_on");
    let error = Template::parse(
        "decision",
        &common::template("reconsideration", "decision").unwrap(),
    )
    .unwrap()
    .render(&terminated)
    .unwrap_err();
    assert_eq!(
        error.kind,
        TemplateErrorKind::Undefined("fields.decision_type".into())
    );

    let rejection = body_text(&render("reconsideration", "rejection_decision", &ctx));
    assert!(rejection.contains("第三十条第二款") && rejection.contains("某某市人民政府"));
    let acceptance = body_text(&render("reconsideration", "acceptance_notice", &ctx));
    assert!(acceptance.contains("六十日内") && acceptance.contains("2024年5月10日"));
    assert!(
        body_text(&render("reconsideration", "suspension_notice", &ctx)).contains("第三十九条")
    );
    assert!(body_text(&render("reconsideration", "extension_notice", &ctx)).contains("第六十二条"));
}

#[test]
fn petition_legal_aid_and_mediation_documents() {
    for (opinion, wording) in [
        ("support", "予以支持"),
        ("explain", "解释说明"),
        ("not_support", "不予支持"),
    ] {
        let body = body_text(&render("petition", "opinion", &petition(opinion)));
        assert!(body.contains(wording), "{opinion}");
        assert!(body.contains("第三十二条"), "{opinion}");
        assert!(body.contains("30日内，向某某市信访局请求复查"));
    }
    let body = body_text(&render(
        "petition",
        "acceptance_notice",
        &petition("support"),
    ));
    assert!(body.contains("第三十四条") && body.contains("2024年6月28日"));

    let refusal = body_text(&render("legal_aid", "refusal_decision", &legal_aid()));
    assert!(refusal.contains("（某某区司法局）") && refusal.contains("第四十九条"));
    let assignment = render("legal_aid", "assignment_notice", &legal_aid());
    assert_eq!(assignment.addressee.as_deref(), Some("某某律师事务所："));
    let body = body_text(&assignment);
    assert!(
        body.contains("本机构于2024年5月10日决定给予张三法律援助")
            && body.contains("第四十三条第一款")
    );
    assert!(body.contains("现指派你单位赵六律师承办"));
    assert_eq!(assignment.signature.unwrap().date, "2024年5月11日");
    let grant = render("legal_aid", "grant_decision", &legal_aid());
    let body = body_text(&grant);
    assert!(
        body.contains("第四十三条第一款")
            && body.contains("援助形式：民事、行政、国家赔偿诉讼代理")
    );
    assert_eq!(grant.signature.unwrap().date, "2024年5月10日");

    // Aid provided first (Art 44), and a lawyer assigned on a court's notice (Art 36).
    let mut first = legal_aid();
    first
        .fields
        .insert("provide_first_ground".into(), json!("urgent_preservation"));
    first.display.insert(
        "provide_first_ground".into(),
        "需要立即申请财产保全、证据保全或者先予执行".into(),
    );
    let body = body_text(&render("legal_aid", "grant_decision", &first));
    assert!(
        body.contains("第四十四条规定的情形（需要立即申请财产保全")
            && body.contains("补办有关手续")
    );
    let mut notice = legal_aid();
    notice
        .fields
        .insert("notifying_body".into(), json!("某某区人民法院"));
    notice.fields.insert("notice_ground".into(), json!("minor"));
    notice
        .display
        .insert("notice_ground".into(), "未成年人".into());
    let body = body_text(&render("legal_aid", "assignment_notice", &notice));
    assert!(body.contains("收到某某区人民法院的通知") && body.contains("第三十六条"));
    assert!(body.contains("（未成年人）") && !body.contains("决定给予"));

    let agreement = render("mediation", "agreement", &mediation());
    let body = body_text(&agreement);
    assert!(body.contains("当事人：张三，公民身份号码110101199003071234"));
    assert!(body.contains("当事人：某某建设有限公司，统一社会信用代码91110000600037341L"));
    assert!(body.contains("一式三份"));
    assert!(body.contains("第三十三条"));
    assert!(body.contains("于2024年6月30日前履行完毕"));
    assert!(body.contains("人民调解员（签名）：钱七"));
    assert_eq!(agreement.signature.as_ref().unwrap().date, "2024年6月12日");
    assert!(agreement.blocks.contains(&Block::Heading {
        level: 1,
        text: "二、调解协议内容".into()
    }));
    assert_eq!(
        agreement.signature.unwrap().issuer,
        "某某街道人民调解委员会（印章）"
    );

    // An oral agreement, recorded by the mediator (Art 28, 30), performed on the spot.
    let mut oral = mediation();
    oral.fields.insert("agreement_form".into(), json!("oral"));
    oral.fields
        .insert("performance_deadline".into(), json!("2024-06-12"));
    let body = body_text(&render("mediation", "agreement", &oral));
    assert!(body.contains("第三十条") && !body.contains("一式"));
    assert!(body.contains("本协议由当事人当场履行"));
}

#[test]
fn template_structure_and_filters() {
    let text = "# 关于{{ fields.subject }}的通知\nnumber: {{ case.number }}\nto：{{ fields.applicant.name }}：\n\n第一段\n接续一行 ABC\nDEF。\n\n条件{% if fields.subject %}成立{% endif %}\n\n{% if fields.nothing %}\n不出现\n\n{% endif %}\n  {% set x = 1 %}\n下一段\n\n## 一、标题\n\n### （一）小标题\n\n金额{{ fields.fee | yuan }}，负数{{ -12345 | yuan }}，日期{{ fields.received_on | date_zh }}，{{ 12 | zh_number }}，{{ \"因故。\" | clause }}，{{ \"事实\" | sentence }}{{ \"事实。\" | sentence }}\n\n{{ fields.items }}\n\n---\n{{ issuer }}\n{{ today | date_zh }}\n";
    let template = Template::parse("t", text).unwrap();
    let mut ctx = disclosure("disclose");
    ctx.fields.insert("subject".into(), json!("办理期限"));
    ctx.fields.insert("fee".into(), json!(123_450_000));
    ctx.fields
        .insert("items".into(), json!("1. 甲\n## 乙\n---"));
    let doc = template.render(&ctx).unwrap();
    assert_eq!(doc.title, "关于办理期限的通知");
    assert_eq!(doc.number.as_deref(), Some("某政信公〔2019〕12号"));
    assert_eq!(doc.addressee.as_deref(), Some("张三："));
    assert_eq!(
        doc.blocks,
        vec![
            Block::Paragraph {
                text: "第一段接续一行 ABC DEF。".into()
            },
            Block::Paragraph {
                text: "条件成立".into(),
            },
            Block::Paragraph {
                text: "下一段".into(),
            },
            Block::Heading {
                level: 1,
                text: "一、标题".into()
            },
            Block::Heading {
                level: 2,
                text: "（一）小标题".into()
            },
            Block::Paragraph {
                text:
                    "金额1,234,500.00元，负数-123.45元，日期2019年3月5日，十二，因故，事实。事实。"
                        .into()
            },
            // A value's lines are paragraphs, never headings or a signature.
            Block::Paragraph {
                text: "1. 甲".into()
            },
            Block::Paragraph {
                text: "## 乙".into()
            },
            Block::Paragraph { text: "---".into() },
        ]
    );
    assert_eq!(doc.signature.unwrap().date, "2019年3月20日");
}

#[test]
fn a_syntax_error_names_its_line_in_chinese() {
    let text = "# 补正通知书\nto: {{ fields.applicant.name }}：\n\n你于{{ fields.received_on | date_zh 提交的申请收悉。\n\n---\n{{ issuer }}\n{{ today | date_zh }}\n";
    let error = Template::parse("broken", text).unwrap_err();
    assert_eq!(error.line, Some(4));
    assert_eq!(error.kind, TemplateErrorKind::Syntax);
    assert_eq!(error.to_string(), "第 4 行：未闭合的 {{（缺少 }}）");

    let text = "# 通知\n\n第一段。\n\n{% if fields.purpose %}\n用途：{{ fields.purpose }}\n\n---\n{{ issuer }}\n{{ today }}\n";
    let error = Template::parse("unclosed-if", text).unwrap_err();
    assert_eq!(error.kind, TemplateErrorKind::Syntax);
    assert_eq!(
        error.to_string(),
        "第 5 行：{% if %} 缺少对应的 {% endif %}"
    );

    let text = "# 通知\n\n{% for p in fields.parties %}\n{% if p.name %}{{ p.name }}\n{% endfor %}\n{% endif %}\n";
    let error = Template::parse("crossed", text).unwrap_err();
    assert_eq!(
        error.to_string(),
        "第 5 行：{% endfor %} 与第 4 行的 {% if %} 不匹配"
    );

    let error = Template::parse("no-title", "通知\n\n正文").unwrap_err();
    assert_eq!(error.to_string(), "第 1 行：第一行应为标题，写作“# 标题”");

    let error = Template::parse("signature", "# 通知\n\n正文\n\n---\n某某局\n").unwrap_err();
    assert_eq!(error.line, Some(5));
    assert!(error.message.contains("落款"), "{error}");

    let error = Template::parse("filter", "# 通知\n\n{{ today | nosuch }}\n").unwrap();
    let error = error.render(&disclosure("disclose")).unwrap_err();
    assert_eq!(error.line, Some(3));
    assert!(error.message.contains("nosuch"), "{error}");
}

#[test]
fn an_undefined_variable_is_an_error_naming_it() {
    let text = "# 通知\nto: {{ fields.applicant.name }}：\n\n第一段。\n\n申请人电话：{{ fields.applicant.telephone }}\n\n---\n{{ issuer }}\n{{ today | date_zh }}\n";
    let template = Template::parse("t", text).unwrap();
    let error = template.render(&disclosure("disclose")).unwrap_err();
    assert_eq!(
        error.kind,
        TemplateErrorKind::Undefined("fields.applicant.telephone".into())
    );
    assert_eq!(error.line, Some(6));
    assert_eq!(
        error.to_string(),
        "第 6 行：未定义的变量 fields.applicant.telephone"
    );

    // Through a filter, in the header, and a missing field.
    for (text, name, line) in [
        (
            "# 通知\n\n收到日期：{{ fields.recieved_on | date_zh }}\n",
            "fields.recieved_on",
            3,
        ),
        (
            "# 通知\nnumber: {{ case.numbr }}\n\n正文\n",
            "case.numbr",
            2,
        ),
        ("# {{ fields.titel }}\n\n正文\n", "fields.titel", 1),
        (
            "# 通知\n\n正文\n\n---\n{{ isuer }}\n{{ today }}\n",
            "isuer",
            6,
        ),
    ] {
        let error = Template::parse("t", text)
            .unwrap()
            .render(&disclosure("disclose"))
            .unwrap_err();
        assert_eq!(
            error.kind,
            TemplateErrorKind::Undefined(name.into()),
            "{text}"
        );
        assert_eq!(error.line, Some(line), "{text}");
    }

    // A case without a number: `case.number` is undefined, not “none”.
    let mut ctx = disclosure("disclose");
    ctx.case.number = None;
    let error = Template::parse("t", "# 通知\nnumber: {{ case.number }}\n\n正文\n")
        .unwrap()
        .render(&ctx)
        .unwrap_err();
    assert_eq!(
        error.kind,
        TemplateErrorKind::Undefined("case.number".into())
    );

    // Testing for an absent field is not an error.
    let doc = Template::parse(
        "t",
        "# 通知\n\n{% if fields.nothing %}有{% else %}无{% endif %}\n",
    )
    .unwrap()
    .render(&ctx)
    .unwrap();
    assert_eq!(doc.blocks, vec![Block::Paragraph { text: "无".into() }]);
}
