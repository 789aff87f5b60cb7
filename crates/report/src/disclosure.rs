//! 政府信息公开工作年度报告: the government-information-disclosure annual report (政府信息公开条例
//! Art 49, 50), computed from case records in the national format of the report's year
//! (国办公开办函〔2021〕30号 for 2021 onward, 国办公开办函〔2019〕60号 before).
//!
//! Every figure keeps the ids of the cases behind it. Section 三 is checked against the rule
//! printed in its header (第一项加第二项之和，等于第三项加第四项之和, for every column) and
//! against 总计 = the sum of the applicant columns; a break names the records that cause it.
//!
//! Which year a record belongs to (section 三): 一 = received in the year (`received_on`, else
//! the case's first action); 二 = received before the year and not concluded before 1 January;
//! 三 = concluded in the year (terminal state reached on a day of the year), by the row of its
//! reply; 四 = received by 31 December and not concluded by 31 December. Each row is its own
//! query, so a record the rows disagree about (no reply type, concluded before received) makes
//! the rule fail and is named. Section 四 counts cases received (复议) or filed (诉讼) in the
//! year, with their outcome as of 31 December.
//!
//! Pure: no I/O, no clock; the same records give the same report.

use crate::document::{Block, Cell, Document, Table};
use crate::records::CaseRecord;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// The procedure whose cases section 三 counts.
pub const REQUEST_PROCEDURE: &str = "disclosure_request";
/// The procedures section 四 reads (restricted to `act_category == "disclosure"`).
pub const RECONSIDERATION_PROCEDURE: &str = "reconsideration";
pub const LITIGATION_PROCEDURE: &str = "litigation";
const DISCLOSURE_CATEGORY: &str = "disclosure";

// ---------------------------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------------------------

/// The national report format a report is laid out in. Stored with the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// 国办公开办函〔2019〕60号 (试行): used for reports on 2019 and 2020.
    Y2019,
    /// 国办公开办函〔2021〕30号: reports on 2021 onward.
    Y2021,
}

impl Format {
    /// The format in force for a report on `year` (callers may override it).
    pub fn for_year(year: i32) -> Format {
        if year >= 2021 {
            Format::Y2021
        } else {
            Format::Y2019
        }
    }

    /// Stable code used in JSON: `"2019"` or `"2021"`.
    pub fn code(self) -> &'static str {
        match self {
            Format::Y2019 => "2019",
            Format::Y2021 => "2021",
        }
    }

    pub fn from_code(code: &str) -> Option<Format> {
        match code {
            "2019" => Some(Format::Y2019),
            "2021" => Some(Format::Y2021),
            _ => None,
        }
    }

    /// The document that published the format.
    pub fn basis(self) -> &'static str {
        match self {
            Format::Y2019 => "国办公开办函〔2019〕60号",
            Format::Y2021 => "国办公开办函〔2021〕30号",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/// One number of the report and the cases behind it (sorted ids). For counts `value` is the
/// number of cases; for amounts it is the sum in fen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figure {
    pub value: i64,
    pub cases: Vec<String>,
}

impl Figure {
    /// A count: one per case.
    pub fn count(mut cases: Vec<String>) -> Figure {
        cases.sort_unstable();
        Figure {
            value: cases.len() as i64,
            cases,
        }
    }

    /// An amount (or any value supplied from elsewhere) with the cases behind it.
    pub fn amount(value: i64, mut cases: Vec<String>) -> Figure {
        cases.sort_unstable();
        Figure { value, cases }
    }

    fn to_json(&self) -> Value {
        json!({ "value": self.value, "cases": self.cases })
    }
}

// ---------------------------------------------------------------------------------------------
// Section 二 input: proactive disclosure
// ---------------------------------------------------------------------------------------------

/// Figures of section 二 (主动公开) that other modules will feed: `None` means not yet
/// recorded (rendered as 0 and marked `source: "not_yet_recorded"` in the JSON). Money is in
/// fen and printed in 万元.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proactive {
    /// 规章.
    pub rules: DocumentCounts,
    /// 行政规范性文件 (2019: 规范性文件).
    pub normative_documents: DocumentCounts,
    /// 行政许可.
    pub licensing: ItemCounts,
    /// 其他对外管理服务事项 (2019 format only).
    pub other_services: ItemCounts,
    /// 行政处罚.
    pub penalty: ItemCounts,
    /// 行政强制.
    pub coercion: ItemCounts,
    /// 行政事业性收费.
    pub fees: FeeItems,
    /// 政府集中采购 (2019 format only).
    pub procurement: Procurement,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocumentCounts {
    /// 本年制发件数 (2021) / 本年新制作数量 (2019).
    pub made: Option<Figure>,
    /// 本年废止件数 (2021).
    pub repealed: Option<Figure>,
    /// 现行有效件数 (2021).
    pub in_force: Option<Figure>,
    /// 本年新公开数量 (2019).
    pub published: Option<Figure>,
    /// 对外公开总数量 (2019).
    pub total_public: Option<Figure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemCounts {
    /// 本年处理决定数量 (2021) / 处理决定数量 (2019).
    pub decisions: Option<Figure>,
    /// 上一年项目数量 (2019).
    pub previous_year_items: Option<Figure>,
    /// 本年增/减 (2019; may be negative).
    pub change: Option<Figure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeeItems {
    /// 本年收费金额 in fen, printed in 万元 (2021).
    pub amount_fen: Option<Figure>,
    /// 上一年项目数量 (2019).
    pub previous_year_items: Option<Figure>,
    /// 本年增/减 (2019).
    pub change: Option<Figure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Procurement {
    /// 采购项目数量 (2019).
    pub projects: Option<Figure>,
    /// 采购总金额 in fen, printed in 万元 (2019).
    pub amount_fen: Option<Figure>,
}

/// Where a section 二 figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Recorded,
    /// Not supplied (the default): shown as 0.
    NotYetRecorded,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Recorded => "recorded",
            Source::NotYetRecorded => "not_yet_recorded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// Money in fen, printed in 万元.
    Fen,
}

impl Unit {
    pub fn code(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Fen => "fen",
        }
    }
}

/// Section 二 as laid out in the report's format: groups (第二十条第（x）项) of rows × columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProactiveGroup {
    pub code: &'static str,
    pub label: &'static str,
    pub columns: Vec<ProactiveColumn>,
    pub rows: Vec<ProactiveRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProactiveColumn {
    pub code: &'static str,
    pub label: &'static str,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProactiveRow {
    pub code: &'static str,
    pub label: &'static str,
    /// One per column of the group.
    pub cells: Vec<ProactiveCell>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProactiveCell {
    pub figure: Figure,
    pub source: Source,
}

impl ProactiveCell {
    fn from(input: &Option<Figure>) -> ProactiveCell {
        match input {
            Some(figure) => ProactiveCell {
                figure: figure.clone(),
                source: Source::Recorded,
            },
            None => ProactiveCell {
                figure: Figure::default(),
                source: Source::NotYetRecorded,
            },
        }
    }
}

fn col(code: &'static str, label: &'static str, unit: Unit) -> ProactiveColumn {
    ProactiveColumn { code, label, unit }
}

fn prow(code: &'static str, label: &'static str, cells: &[&Option<Figure>]) -> ProactiveRow {
    ProactiveRow {
        code,
        label,
        cells: cells.iter().map(|f| ProactiveCell::from(f)).collect(),
    }
}

fn proactive_groups(format: Format, p: &Proactive) -> Vec<ProactiveGroup> {
    use Unit::{Count, Fen};
    match format {
        Format::Y2021 => vec![
            ProactiveGroup {
                code: "art20_1",
                label: "第二十条第（一）项",
                columns: vec![
                    col("made", "本年制发件数", Count),
                    col("repealed", "本年废止件数", Count),
                    col("in_force", "现行有效件数", Count),
                ],
                rows: vec![
                    prow(
                        "rules",
                        "规章",
                        &[&p.rules.made, &p.rules.repealed, &p.rules.in_force],
                    ),
                    prow(
                        "normative_documents",
                        "行政规范性文件",
                        &[
                            &p.normative_documents.made,
                            &p.normative_documents.repealed,
                            &p.normative_documents.in_force,
                        ],
                    ),
                ],
            },
            ProactiveGroup {
                code: "art20_5",
                label: "第二十条第（五）项",
                columns: vec![col("decisions", "本年处理决定数量", Count)],
                rows: vec![prow("licensing", "行政许可", &[&p.licensing.decisions])],
            },
            ProactiveGroup {
                code: "art20_6",
                label: "第二十条第（六）项",
                columns: vec![col("decisions", "本年处理决定数量", Count)],
                rows: vec![
                    prow("penalty", "行政处罚", &[&p.penalty.decisions]),
                    prow("coercion", "行政强制", &[&p.coercion.decisions]),
                ],
            },
            ProactiveGroup {
                code: "art20_8",
                label: "第二十条第（八）项",
                columns: vec![col("amount", "本年收费金额（单位：万元）", Fen)],
                rows: vec![prow("fees", "行政事业性收费", &[&p.fees.amount_fen])],
            },
        ],
        Format::Y2019 => {
            let items = || {
                vec![
                    col("previous_year_items", "上一年项目数量", Count),
                    col("change", "本年增/减", Count),
                    col("decisions", "处理决定数量", Count),
                ]
            };
            let item_row = |code, label, i: &ItemCounts| -> ProactiveRow {
                prow(
                    code,
                    label,
                    &[&i.previous_year_items, &i.change, &i.decisions],
                )
            };
            vec![
                ProactiveGroup {
                    code: "art20_1",
                    label: "第二十条第（一）项",
                    columns: vec![
                        col("made", "本年新制作数量", Count),
                        col("published", "本年新公开数量", Count),
                        col("total_public", "对外公开总数量", Count),
                    ],
                    rows: vec![
                        prow(
                            "rules",
                            "规章",
                            &[&p.rules.made, &p.rules.published, &p.rules.total_public],
                        ),
                        prow(
                            "normative_documents",
                            "规范性文件",
                            &[
                                &p.normative_documents.made,
                                &p.normative_documents.published,
                                &p.normative_documents.total_public,
                            ],
                        ),
                    ],
                },
                ProactiveGroup {
                    code: "art20_5",
                    label: "第二十条第（五）项",
                    columns: items(),
                    rows: vec![
                        item_row("licensing", "行政许可", &p.licensing),
                        item_row("other_services", "其他对外管理服务事项", &p.other_services),
                    ],
                },
                ProactiveGroup {
                    code: "art20_6",
                    label: "第二十条第（六）项",
                    columns: items(),
                    rows: vec![
                        item_row("penalty", "行政处罚", &p.penalty),
                        item_row("coercion", "行政强制", &p.coercion),
                    ],
                },
                ProactiveGroup {
                    code: "art20_8",
                    label: "第二十条第（八）项",
                    columns: vec![
                        col("previous_year_items", "上一年项目数量", Count),
                        col("change", "本年增/减", Count),
                    ],
                    rows: vec![prow(
                        "fees",
                        "行政事业性收费",
                        &[&p.fees.previous_year_items, &p.fees.change],
                    )],
                },
                ProactiveGroup {
                    code: "art20_9",
                    label: "第二十条第（九）项",
                    columns: vec![
                        col("projects", "采购项目数量", Count),
                        col("amount", "采购总金额", Fen),
                    ],
                    rows: vec![prow(
                        "procurement",
                        "政府集中采购",
                        &[&p.procurement.projects, &p.procurement.amount_fen],
                    )],
                },
            ]
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Section 三: requests
// ---------------------------------------------------------------------------------------------

/// A column of section 三: the applicant's kind, or 总计.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    NaturalPerson,
    Business,
    Research,
    PublicWelfare,
    LegalService,
    OtherOrg,
    Total,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::NaturalPerson,
        Column::Business,
        Column::Research,
        Column::PublicWelfare,
        Column::LegalService,
        Column::OtherOrg,
        Column::Total,
    ];
    /// The six applicant columns (without 总计).
    pub const APPLICANTS: [Column; 6] = [
        Column::NaturalPerson,
        Column::Business,
        Column::Research,
        Column::PublicWelfare,
        Column::LegalService,
        Column::OtherOrg,
    ];

    /// The column's code: the `applicant_kind` code, or `total`.
    pub fn code(self) -> &'static str {
        match self {
            Column::NaturalPerson => "natural_person",
            Column::Business => "business",
            Column::Research => "research",
            Column::PublicWelfare => "public_welfare",
            Column::LegalService => "legal_service",
            Column::OtherOrg => "other_org",
            Column::Total => "total",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Column::NaturalPerson => "自然人",
            Column::Business => "商业企业",
            Column::Research => "科研机构",
            Column::PublicWelfare => "社会公益组织",
            Column::LegalService => "法律服务机构",
            Column::OtherOrg => "其他",
            Column::Total => "总计",
        }
    }

    /// The column of an `applicant_kind` code (never [`Column::Total`]).
    pub fn from_applicant_kind(code: &str) -> Option<Column> {
        Column::APPLICANTS.into_iter().find(|c| c.code() == code)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// How the column is named in prose: “自然人”列, “法人或其他组织—商业企业”列.
    fn prose(self) -> String {
        match self {
            Column::NaturalPerson | Column::Total => format!("“{}”列", self.label()),
            _ => format!("“法人或其他组织—{}”列", self.label()),
        }
    }
}

/// A row of section 三(三) the reply of a concluded request is counted in: the `reply_type`
/// codes of the contract, in the order of the official table.
struct ReplyRow {
    code: &'static str,
    label: &'static str,
    group: &'static str,
}

const fn reply(code: &'static str, label: &'static str, group: &'static str) -> ReplyRow {
    ReplyRow { code, label, group }
}

const REPLY_ROWS: [ReplyRow; 21] = [
    reply("disclose", "（一）予以公开", "disclose"),
    reply(
        "partial",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "partial",
    ),
    reply("withhold_secret", "1.属于国家秘密", "withhold"),
    reply(
        "withhold_prohibited",
        "2.其他法律行政法规禁止公开",
        "withhold",
    ),
    reply("withhold_security", "3.危及“三安全一稳定”", "withhold"),
    reply("withhold_third_party", "4.保护第三方合法权益", "withhold"),
    reply("withhold_internal", "5.属于三类内部事务信息", "withhold"),
    reply("withhold_process", "6.属于四类过程性信息", "withhold"),
    reply(
        "withhold_enforcement_file",
        "7.属于行政执法案卷",
        "withhold",
    ),
    reply("withhold_inquiry", "8.属于行政查询事项", "withhold"),
    reply(
        "unavailable_not_held",
        "1.本机关不掌握相关政府信息",
        "unavailable",
    ),
    reply(
        "unavailable_needs_creation",
        "2.没有现成信息需要另行制作",
        "unavailable",
    ),
    reply(
        "unavailable_unclear",
        "3.补正后申请内容仍不明确",
        "unavailable",
    ),
    reply(
        "not_handled_petition",
        "1.信访举报投诉类申请",
        "not_handled",
    ),
    reply("not_handled_repeat", "2.重复申请", "not_handled"),
    reply(
        "not_handled_publication",
        "3.要求提供公开出版物",
        "not_handled",
    ),
    reply(
        "not_handled_excessive",
        "4.无正当理由大量反复申请",
        "not_handled",
    ),
    reply(
        "not_handled_confirm",
        "5.要求行政机关确认或重新出具已获取信息",
        "not_handled",
    ),
    reply(
        "other_no_supplement",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other_handling",
    ),
    reply(
        "other_no_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other_handling",
    ),
    reply("other", "3.其他", "other_handling"),
];

const RESULT_GROUPS: [(&str, &str); 6] = [
    ("disclose", "（一）予以公开"),
    (
        "partial",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ),
    ("withhold", "（三）不予公开"),
    ("unavailable", "（四）无法提供"),
    ("not_handled", "（五）不予处理"),
    ("other_handling", "（六）其他处理"),
];

/// The parent code of the rows of 三、本年度办理结果.
pub const RESULTS: &str = "results";
const RESULTS_LABEL: &str = "三、本年度办理结果";
const BALANCE_NOTE: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

// Base rows every figure of section 三 is a union of.
const BASE_RECEIVED: usize = 0;
const BASE_CARRIED_OVER: usize = 1;
const BASE_REPLY: usize = 2; // + index into REPLY_ROWS
const BASE_CARRIED_FORWARD: usize = BASE_REPLY + REPLY_ROWS.len();
const BASE_ROWS: usize = BASE_CARRIED_FORWARD + 1;

fn reply_index(code: &str) -> Option<usize> {
    REPLY_ROWS.iter().position(|r| r.code == code)
}

/// Section 三: rows in the order of the official table, including the sub-total rows of the
/// groups （三）…（六） (which the official table shows only as spanning labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTable {
    pub rows: Vec<RequestRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// `received`, `carried_over`, a `reply_type` code, a group code (`withhold`,
    /// `unavailable`, `not_handled`, `other_handling`), `concluded_total`, `carried_forward`.
    pub code: &'static str,
    /// The official label, with its numbering.
    pub label: &'static str,
    /// [`RESULTS`] for （一）…（七）, the group's code for a numbered sub-row, `None` for 一, 二, 四.
    pub parent: Option<&'static str>,
    /// Indexed like [`Column::ALL`].
    pub cells: [Figure; 7],
}

impl RequestTable {
    pub fn row(&self, code: &str) -> Option<&RequestRow> {
        self.rows.iter().find(|r| r.code == code)
    }

    pub fn get(&self, row: &str, column: Column) -> Option<&Figure> {
        self.row(row).map(|r| &r.cells[column.index()])
    }

    pub fn value(&self, row: &str, column: Column) -> Option<i64> {
        self.get(row, column).map(|f| f.value)
    }

    /// Whether the row has numbered sub-rows (its figure is their sum).
    pub fn has_children(&self, code: &str) -> bool {
        self.rows.iter().any(|r| r.parent == Some(code))
    }
}

struct RowDef {
    code: &'static str,
    label: &'static str,
    parent: Option<&'static str>,
    sources: Vec<usize>,
}

fn row_defs(format: Format) -> Vec<RowDef> {
    let mut defs = vec![
        RowDef {
            code: "received",
            label: "一、本年新收政府信息公开申请数量",
            parent: None,
            sources: vec![BASE_RECEIVED],
        },
        RowDef {
            code: "carried_over",
            label: "二、上年结转政府信息公开申请数量",
            parent: None,
            sources: vec![BASE_CARRIED_OVER],
        },
    ];
    for (group, label) in RESULT_GROUPS {
        let leaves: Vec<usize> = (0..REPLY_ROWS.len())
            .filter(|&i| REPLY_ROWS[i].group == group)
            .collect();
        let sources = leaves.iter().map(|i| BASE_REPLY + i).collect();
        let single = leaves.len() == 1 && REPLY_ROWS[leaves[0]].code == group;
        let collapsed = group == "other_handling" && format == Format::Y2019;
        defs.push(RowDef {
            code: group,
            label,
            parent: Some(RESULTS),
            sources,
        });
        if !single && !collapsed {
            for i in leaves {
                defs.push(RowDef {
                    code: REPLY_ROWS[i].code,
                    label: REPLY_ROWS[i].label,
                    parent: Some(group),
                    sources: vec![BASE_REPLY + i],
                });
            }
        }
    }
    defs.push(RowDef {
        code: "concluded_total",
        label: "（七）总计",
        parent: Some(RESULTS),
        sources: (BASE_REPLY..BASE_CARRIED_FORWARD).collect(),
    });
    defs.push(RowDef {
        code: "carried_forward",
        label: "四、结转下年度继续办理",
        parent: None,
        sources: vec![BASE_CARRIED_FORWARD],
    });
    defs
}

// ---------------------------------------------------------------------------------------------
// Section 四: reconsideration and litigation
// ---------------------------------------------------------------------------------------------

/// The outcome column of section 四.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 结果维持
    Upheld,
    /// 结果纠正
    Corrected,
    /// 其他结果
    Other,
    /// 尚未审结
    Pending,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Upheld,
        Outcome::Corrected,
        Outcome::Other,
        Outcome::Pending,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Upheld => "upheld",
            Outcome::Corrected => "corrected",
            Outcome::Other => "other",
            Outcome::Pending => "pending",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Upheld => "结果维持",
            Outcome::Corrected => "结果纠正",
            Outcome::Other => "其他结果",
            Outcome::Pending => "尚未审结",
        }
    }
}

/// The outcome of a concluded reconsideration by its `decision_type`; `None` for an unknown code.
pub fn reconsideration_outcome(decision_type: &str) -> Option<Outcome> {
    match decision_type {
        "uphold" => Some(Outcome::Upheld),
        "change" | "revoke" | "confirm_illegal" | "order_performance" | "confirm_void" => {
            Some(Outcome::Corrected)
        }
        "dismiss_claim" | "dismiss_application" | "mediated" | "settled" | "withdrawn" => {
            Some(Outcome::Other)
        }
        _ => None,
    }
}

/// The outcome of a concluded lawsuit by its effective judgment type; `None` for an unknown code.
pub fn litigation_outcome(judgment_type: &str) -> Option<Outcome> {
    match judgment_type {
        "dismiss_claims" => Some(Outcome::Upheld),
        "revoke" | "partial_revoke" | "confirm_illegal" | "confirm_void" | "order_performance"
        | "change" | "compensation" => Some(Outcome::Corrected),
        "ruling_not_filed" | "ruling_dismiss_suit" | "ruling_withdrawal" => Some(Outcome::Other),
        _ => None,
    }
}

/// One group of section 四 (行政复议, 未经复议直接起诉, 复议后起诉): five figures.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemedyFigures {
    pub upheld: Figure,
    pub corrected: Figure,
    pub other: Figure,
    pub pending: Figure,
    pub total: Figure,
}

impl RemedyFigures {
    pub fn get(&self, outcome: Outcome) -> &Figure {
        match outcome {
            Outcome::Upheld => &self.upheld,
            Outcome::Corrected => &self.corrected,
            Outcome::Other => &self.other,
            Outcome::Pending => &self.pending,
        }
    }

    fn build(mut ids: [Vec<String>; 4]) -> RemedyFigures {
        let all: Vec<String> = ids.iter().flatten().cloned().collect();
        let take = |v: &mut Vec<String>| Figure::count(std::mem::take(v));
        RemedyFigures {
            upheld: take(&mut ids[0]),
            corrected: take(&mut ids[1]),
            other: take(&mut ids[2]),
            pending: take(&mut ids[3]),
            total: Figure::count(all),
        }
    }

    fn to_json(&self) -> Value {
        let mut cells = Map::new();
        for o in Outcome::ALL {
            cells.insert(o.code().into(), self.get(o).to_json());
        }
        cells.insert("total".into(), self.total.to_json());
        Value::Object(cells)
    }
}

/// Section 四.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Remedies {
    /// 行政复议
    pub reconsideration: RemedyFigures,
    /// 行政诉讼 — 未经复议直接起诉
    pub litigation_direct: RemedyFigures,
    /// 行政诉讼 — 复议后起诉
    pub litigation_after_reconsideration: RemedyFigures,
}

impl Remedies {
    fn groups(&self) -> [(&'static str, &'static str, &RemedyFigures); 3] {
        [
            ("reconsideration", "行政复议", &self.reconsideration),
            (
                "litigation_direct",
                "未经复议直接起诉",
                &self.litigation_direct,
            ),
            (
                "litigation_after_reconsideration",
                "复议后起诉",
                &self.litigation_after_reconsideration,
            ),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Consistency
// ---------------------------------------------------------------------------------------------

/// A record that could not be counted cleanly, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// `requests` (section 三) or `remedies` (section 四).
    pub section: &'static str,
    pub case_id: String,
    pub number: Option<String>,
    /// e.g. `missing_reply_type`, `unknown_applicant_kind`, `concluded_before_received`.
    pub code: &'static str,
    pub explanation: String,
    /// Whether the record is named in a violation (it makes a check fail); the others are
    /// listed for review only.
    pub in_violation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// 第一项加第二项之和 ≠ 第三项加第四项之和 in a column.
    Balance,
    /// In a row, 总计 ≠ the sum of the six applicant columns.
    RowTotal,
}

impl ViolationKind {
    pub fn code(self) -> &'static str {
        match self {
            ViolationKind::Balance => "balance",
            ViolationKind::RowTotal => "row_total",
        }
    }
}

/// A case named in a violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    pub id: String,
    pub number: Option<String>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub column: Column,
    /// The row, for [`ViolationKind::RowTotal`].
    pub row: Option<&'static str>,
    /// Balance: 一 + 二. RowTotal: the 总计 cell.
    pub left: i64,
    /// Balance: 三(七) + 四. RowTotal: the sum of the applicant columns.
    pub right: i64,
    pub cases: Vec<CaseRef>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consistency {
    /// No violation: every column satisfies the rule and every 总计 is the sum of its row.
    pub ok: bool,
    pub violations: Vec<Violation>,
    /// Every record that could not be counted cleanly, whether or not it breaks the rule.
    pub anomalies: Vec<Anomaly>,
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

/// Processing fees (信息处理费) charged: requests concluded in the year with a `fee` and not
/// ended by non-payment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fees {
    pub count: Figure,
    /// Sum in fen.
    pub amount_fen: Figure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureReport {
    pub year: i32,
    pub format: Format,
    /// Section 二, in the groups of the format.
    pub proactive: Vec<ProactiveGroup>,
    /// Section 三.
    pub requests: RequestTable,
    /// Section 四.
    pub remedies: Remedies,
    /// For section 六.
    pub fees: Fees,
    pub consistency: Consistency,
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    (start, end)
}

struct Note {
    code: &'static str,
    explanation: String,
}

fn note(code: &'static str, explanation: String) -> Note {
    Note { code, explanation }
}

/// The section 三(三) row of a concluded request, or why it has none.
fn conclusion_row(rec: &CaseRecord, concluded: NaiveDate) -> Result<usize, Note> {
    let code = match rec.state.as_str() {
        "replied" => match rec.text("reply_type") {
            None => {
                return Err(note(
                    "missing_reply_type",
                    format!(
                        "已于{concluded}答复办结，但未记录答复类型（reply_type），无法计入第三项的任何一行"
                    ),
                ));
            }
            Some(t) => t,
        },
        "abandoned" => "other_no_supplement",
        "fee_lapsed" => "other_no_fee",
        "withdrawn" => "other",
        other => {
            return Err(note(
                "unknown_terminal_state",
                format!(
                    "于{concluded}办结于状态“{other}”，该状态不是已答复、视为放弃、逾期未缴费或撤回申请之一，无法计入第三项"
                ),
            ));
        }
    };
    reply_index(code).ok_or_else(|| {
        note(
            "unknown_reply_type",
            format!("答复类型“{code}”不是年度报告格式所列的办理结果，无法计入第三项"),
        )
    })
}

struct Flagged<'a> {
    rec: &'a CaseRecord,
    section: &'static str,
    notes: Vec<Note>,
    column: Option<Column>,
    /// Times counted in 一+二 and in 三+四 (requests only).
    left: i64,
    right: i64,
}

impl Flagged<'_> {
    fn explanation(&self) -> String {
        let mut parts: Vec<String> = self.notes.iter().map(|n| n.explanation.clone()).collect();
        if self.left != self.right {
            parts.push(format!(
                "该申请计入第一、二项{}次，计入第三、四项{}次",
                self.left, self.right
            ));
        }
        parts.join("；")
    }

    fn case_ref(&self) -> CaseRef {
        CaseRef {
            id: self.rec.id.clone(),
            number: self.rec.number.clone(),
            explanation: self.explanation(),
        }
    }
}

/// Compute the report on `year` in `format` from case records (any procedures; only
/// `disclosure_request`, and `reconsideration`/`litigation` about disclosure, are read).
pub fn compute(
    year: i32,
    format: Format,
    cases: &[CaseRecord],
    proactive: &Proactive,
) -> DisclosureReport {
    let (start, end) = year_bounds(year);
    let in_year = |d: NaiveDate| d >= start && d <= end;

    // Section 三 and fees.
    let mut base: Vec<[Vec<String>; 7]> = (0..BASE_ROWS)
        .map(|_| std::array::from_fn(|_| Vec::new()))
        .collect();
    let mut flagged: Vec<Flagged> = Vec::new();
    let mut fee_cases = Vec::new();
    let mut fee_total = 0i64;

    // Section 四: [group][outcome] ids.
    let mut remedy: [[Vec<String>; 4]; 3] =
        std::array::from_fn(|_| std::array::from_fn(|_| Vec::new()));

    for rec in cases {
        match rec.procedure.as_str() {
            REQUEST_PROCEDURE => {}
            RECONSIDERATION_PROCEDURE | LITIGATION_PROCEDURE => {
                if rec.text("act_category") == Some(DISCLOSURE_CATEGORY)
                    && let Some((group, outcome, notes)) = remedy_placement(rec, end, &in_year)
                {
                    let slot = Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(2);
                    remedy[group][slot].push(rec.id.clone());
                    if !notes.is_empty() {
                        flagged.push(Flagged {
                            rec,
                            section: "remedies",
                            notes,
                            column: None,
                            left: 0,
                            right: 0,
                        });
                    }
                }
                continue;
            }
            _ => continue,
        }

        let received = rec.date("received_on").unwrap_or(rec.opened_on);
        let concluded = if rec.terminal { rec.concluded_on } else { None };
        let is_received = in_year(received);
        let is_carried_over = received < start && concluded.is_none_or(|c| c >= start);
        let is_carried_forward = received <= end && concluded.is_none_or(|c| c > end);
        let concluded_in_year = concluded.filter(|&c| in_year(c));
        if !(is_received || is_carried_over || is_carried_forward || concluded_in_year.is_some()) {
            continue;
        }
        let mut notes = Vec::new();
        let leaf = concluded_in_year.and_then(|c| match conclusion_row(rec, c) {
            Ok(i) => Some(i),
            Err(n) => {
                notes.push(n);
                None
            }
        });
        if rec.terminal && rec.concluded_on.is_none() {
            notes.push(note(
                "missing_conclusion_date",
                format!(
                    "已处于终结状态“{}”但没有办结日期，按未办结计入第四项（结转下年度继续办理）",
                    rec.state
                ),
            ));
        }
        if !rec.terminal
            && let Some(c) = rec.concluded_on
        {
            notes.push(note(
                "conclusion_date_on_open_case",
                format!(
                    "尚未终结（状态“{}”）却记录了办结日期{c}，按未办结处理",
                    rec.state
                ),
            ));
        }
        if let Some(c) = concluded
            && c < received
        {
            notes.push(note(
                "concluded_before_received",
                format!("办结日期{c}早于收到日期{received}"),
            ));
        }
        let column = match rec.text("applicant_kind") {
            None => {
                notes.push(note(
                    "missing_applicant_kind",
                    "未记录申请人类型（applicant_kind），只计入“总计”列，未计入任何申请人列".into(),
                ));
                None
            }
            Some(kind) => {
                let c = Column::from_applicant_kind(kind);
                if c.is_none() {
                    notes.push(note(
                        "unknown_applicant_kind",
                        format!("申请人类型“{kind}”无法识别，只计入“总计”列，未计入任何申请人列"),
                    ));
                }
                c
            }
        };

        let mut put = |row: usize| {
            if let Some(c) = column {
                base[row][c.index()].push(rec.id.clone());
            }
            base[row][Column::Total.index()].push(rec.id.clone());
        };
        if is_received {
            put(BASE_RECEIVED);
        }
        if is_carried_over {
            put(BASE_CARRIED_OVER);
        }
        if let Some(i) = leaf {
            put(BASE_REPLY + i);
        }
        if is_carried_forward {
            put(BASE_CARRIED_FORWARD);
        }

        if concluded_in_year.is_some()
            && rec.state != "fee_lapsed"
            && let Some(fee) = rec.integer("fee").filter(|&f| f > 0)
        {
            fee_total += fee;
            fee_cases.push(rec.id.clone());
        }

        let left = i64::from(is_received) + i64::from(is_carried_over);
        let right = i64::from(leaf.is_some()) + i64::from(is_carried_forward);
        if !notes.is_empty() || left != right {
            flagged.push(Flagged {
                rec,
                section: "requests",
                notes,
                column,
                left,
                right,
            });
        }
    }

    // Section 三 rows: unions of base cells.
    let rows: Vec<RequestRow> = row_defs(format)
        .into_iter()
        .map(|def| RequestRow {
            code: def.code,
            label: def.label,
            parent: def.parent,
            cells: std::array::from_fn(|c| {
                let mut ids = Vec::new();
                for &s in &def.sources {
                    ids.extend(base[s][c].iter().cloned());
                }
                Figure::count(ids)
            }),
        })
        .collect();
    let requests = RequestTable { rows };

    let [rc, direct, after] = remedy;
    let remedies = Remedies {
        reconsideration: RemedyFigures::build(rc),
        litigation_direct: RemedyFigures::build(direct),
        litigation_after_reconsideration: RemedyFigures::build(after),
    };

    let consistency = check(&requests, &flagged);
    DisclosureReport {
        year,
        format,
        proactive: proactive_groups(format, proactive),
        requests,
        remedies,
        fees: Fees {
            count: Figure::count(fee_cases.clone()),
            amount_fen: Figure::amount(fee_total, fee_cases),
        },
        consistency,
    }
}

/// Which group of section 四 a case belongs to in the year, with its outcome as of 31 December.
fn remedy_placement(
    rec: &CaseRecord,
    end: NaiveDate,
    in_year: &dyn Fn(NaiveDate) -> bool,
) -> Option<(usize, Outcome, Vec<Note>)> {
    let mut notes = Vec::new();
    let concluded = rec.terminal && rec.concluded_by(end);
    if rec.terminal && rec.concluded_on.is_none() {
        notes.push(note(
            "missing_conclusion_date",
            format!("已处于终结状态“{}”但没有办结日期，按尚未审结计", rec.state),
        ));
    }
    if rec.procedure == RECONSIDERATION_PROCEDURE {
        if matches!(rec.state.as_str(), "not_accepted" | "abandoned") {
            return None;
        }
        if !in_year(rec.date("received_on").unwrap_or(rec.opened_on)) {
            return None;
        }
        let outcome = if !concluded {
            Outcome::Pending
        } else {
            match rec.text("decision_type") {
                Some(code) => reconsideration_outcome(code).unwrap_or_else(|| {
                    notes.push(note(
                        "unknown_decision_type",
                        format!("复议决定类型“{code}”无法识别，暂计入“其他结果”"),
                    ));
                    Outcome::Other
                }),
                None => {
                    if rec.state == "decided" {
                        notes.push(note(
                            "missing_decision_type",
                            "复议案件已作出决定但未记录决定类型（decision_type），暂计入“其他结果”"
                                .into(),
                        ));
                    }
                    Outcome::Other
                }
            }
        };
        Some((0, outcome, notes))
    } else {
        if !in_year(rec.date("filed_on").unwrap_or(rec.opened_on)) {
            return None;
        }
        let group = if rec.flag("after_reconsideration") {
            2
        } else {
            1
        };
        let outcome = if !concluded {
            Outcome::Pending
        } else {
            match rec
                .text("appeal_judgment_type")
                .or_else(|| rec.text("judgment_type"))
            {
                Some(code) => litigation_outcome(code).unwrap_or_else(|| {
                    notes.push(note(
                        "unknown_judgment_type",
                        format!("裁判类型“{code}”无法识别，暂计入“其他结果”"),
                    ));
                    Outcome::Other
                }),
                None => {
                    notes.push(note(
                        "missing_judgment_type",
                        "诉讼案件已结案但未记录裁判类型（judgment_type），暂计入“其他结果”".into(),
                    ));
                    Outcome::Other
                }
            }
        };
        Some((group, outcome, notes))
    }
}

fn case_label(id: &str, number: Option<&str>) -> String {
    match number {
        Some(n) => format!("{n}（{id}）"),
        None => id.to_string(),
    }
}

fn check(requests: &RequestTable, flagged: &[Flagged]) -> Consistency {
    let mut violations = Vec::new();
    let v = |row: &str, c: Column| requests.value(row, c).unwrap_or(0);

    for c in Column::ALL {
        let left = v("received", c) + v("carried_over", c);
        let right = v("concluded_total", c) + v("carried_forward", c);
        if left == right {
            continue;
        }
        let cases: Vec<CaseRef> = flagged
            .iter()
            .filter(|f| f.left != f.right && (c == Column::Total || f.column == Some(c)))
            .map(Flagged::case_ref)
            .collect();
        let who = cases
            .iter()
            .map(|r| case_label(&r.id, r.number.as_deref()))
            .collect::<Vec<_>>()
            .join("、");
        violations.push(Violation {
            kind: ViolationKind::Balance,
            column: c,
            row: None,
            left,
            right,
            explanation: format!(
                "{}：第一项加第二项之和为{left}，第三项加第四项之和为{right}，相差{}，不符合勾稽关系。涉及的申请：{who}。",
                c.prose(),
                (left - right).abs()
            ),
            cases,
        });
    }

    let unknown_kind: HashMap<&str, &Flagged> = flagged
        .iter()
        .filter(|f| f.section == "requests" && f.column.is_none())
        .map(|f| (f.rec.id.as_str(), f))
        .collect();
    // Group rows are sums of their sub-rows: checking the sub-rows is enough.
    for row in requests
        .rows
        .iter()
        .filter(|r| !requests.has_children(r.code))
    {
        let total = row.cells[Column::Total.index()].value;
        let sum: i64 = Column::APPLICANTS
            .iter()
            .map(|c| row.cells[c.index()].value)
            .sum();
        if total == sum {
            continue;
        }
        let mut seen = HashSet::new();
        let cases: Vec<CaseRef> = row.cells[Column::Total.index()]
            .cases
            .iter()
            .filter_map(|id| unknown_kind.get(id.as_str()))
            .filter(|f| seen.insert(f.rec.id.as_str()))
            .map(|f| f.case_ref())
            .collect();
        let who = cases
            .iter()
            .map(|r| case_label(&r.id, r.number.as_deref()))
            .collect::<Vec<_>>()
            .join("、");
        violations.push(Violation {
            kind: ViolationKind::RowTotal,
            column: Column::Total,
            row: Some(row.code),
            left: total,
            right: sum,
            explanation: format!(
                "“{}”行：总计为{total}，各申请人列之和为{sum}，申请人类型缺失或无法识别的申请：{who}。",
                row.label
            ),
            cases,
        });
    }

    let named: HashSet<&str> = violations
        .iter()
        .flat_map(|v| v.cases.iter().map(|c| c.id.as_str()))
        .collect();
    let named = &named;
    let anomalies = flagged
        .iter()
        .flat_map(|f| {
            f.notes.iter().map(move |n| Anomaly {
                section: f.section,
                case_id: f.rec.id.clone(),
                number: f.rec.number.clone(),
                code: n.code,
                explanation: n.explanation.clone(),
                in_violation: named.contains(f.rec.id.as_str()),
            })
        })
        .collect();

    Consistency {
        ok: violations.is_empty(),
        violations,
        anomalies,
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// Fen as 万元, exact, without trailing zeros: 1_234_500 fen → “1.2345”.
fn wan_yuan(fen: i64) -> String {
    decimal(fen, 6)
}

/// Fen as 元: 31_250 → “312.5”, 30_000 → “300”.
fn yuan(fen: i64) -> String {
    decimal(fen, 2)
}

fn decimal(value: i64, scale: u32) -> String {
    let unit = 10i64.pow(scale);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let whole = abs / unit as u64;
    let frac = abs % unit as u64;
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:0width$}", width = scale as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// Permille, rounded half up.
fn permille(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 1000 + whole / 2) / whole)
}

impl DisclosureReport {
    fn total(&self, row: &str) -> &Figure {
        static ZERO: Figure = Figure {
            value: 0,
            cases: Vec::new(),
        };
        self.requests.get(row, Column::Total).unwrap_or(&ZERO)
    }

    /// (予以公开 + 部分公开) / （七）总计, in permille; `None` when nothing was concluded.
    pub fn disclosure_rate_permille(&self) -> Option<i64> {
        permille(
            self.total("disclose").value + self.total("partial").value,
            self.total("concluded_total").value,
        )
    }

    fn summary_paragraph(&self) -> String {
        let rate = self
            .disclosure_rate_permille()
            .map(|p| {
                format!(
                    "，公开率（予以公开与部分公开件数之和占办结件数的比例）为{}.{}%",
                    p / 10,
                    p % 10
                )
            })
            .unwrap_or_default();
        let litigation = self.remedies.litigation_direct.total.value
            + self.remedies.litigation_after_reconsideration.total.value;
        format!(
            "{year}年，本机关共收到政府信息公开申请{received}件，上年结转{carried}件；本年度办结{concluded}件，其中予以公开{disclose}件、部分公开{partial}件{rate}；结转下年度继续办理{forward}件。本年度因政府信息公开工作被申请行政复议{rc}件，被提起行政诉讼{litigation}件。",
            year = self.year,
            received = self.total("received").value,
            carried = self.total("carried_over").value,
            concluded = self.total("concluded_total").value,
            disclose = self.total("disclose").value,
            partial = self.total("partial").value,
            forward = self.total("carried_forward").value,
            rc = self.remedies.reconsideration.total.value,
        )
    }

    /// The report as a document in the official layout. `link` gives each figure's cell its
    /// link from the ids of the cases behind it.
    pub fn to_document(
        &self,
        body_name: &str,
        link: &dyn Fn(&[String]) -> Option<String>,
    ) -> Document {
        let cell = |f: &Figure| {
            let c = Cell::number(f.value);
            match link(&f.cases) {
                Some(href) => c.linked(href),
                None => c,
            }
        };
        let mut blocks = vec![Block::Paragraph {
            text: format!(
                "本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条和《中华人民共和国政府信息公开工作年度报告格式》（{}）编制。报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
                self.format.basis(),
                y = self.year
            ),
        }];
        let heading = |text: &str| Block::Heading {
            level: 1,
            text: text.into(),
        };
        let para = |text: String| Block::Paragraph { text };

        blocks.push(heading("一、总体情况"));
        blocks.push(para(self.summary_paragraph()));
        blocks.push(para(match self.format {
            Format::Y2021 => "〔待填写：主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障等方面的情况；人民政府的报告还应包括工作考核、社会评议和责任追究结果情况。〕".into(),
            Format::Y2019 => "〔待填写：主动公开、依申请公开、政府信息管理、平台建设、监督保障等方面的情况。〕".into(),
        }));

        blocks.push(heading("二、主动公开政府信息情况"));
        blocks.push(Block::Table(self.proactive_table(&cell)));
        let missing: Vec<String> = self
            .proactive
            .iter()
            .flat_map(|g| {
                g.rows.iter().flat_map(move |r| {
                    r.cells
                        .iter()
                        .zip(&g.columns)
                        .filter(|(c, _)| c.source == Source::NotYetRecorded)
                        .map(move |(_, col)| format!("{}“{}”", r.label, col.label))
                })
            })
            .collect();
        if !missing.is_empty() {
            blocks.push(para(format!(
                "〔待核实：{}尚未在系统中记录，暂按0列示。〕",
                missing.join("、")
            )));
        }

        blocks.push(heading("三、收到和处理政府信息公开申请情况"));
        blocks.push(Block::Table(self.requests_table(&cell)));
        blocks.extend(self.consistency_paragraphs().into_iter().map(para));

        blocks.push(heading("四、政府信息公开行政复议、行政诉讼情况"));
        blocks.push(Block::Table(self.remedies_table(&cell)));

        blocks.push(heading("五、存在的主要问题及改进情况"));
        blocks.push(para(
            "〔待填写：上年度存在问题的改进情况；本年度存在的主要问题及改进措施。〕".into(),
        ));

        blocks.push(heading("六、其他需要报告的事项"));
        blocks.push(para(if self.fees.count.value > 0 {
            format!(
                "本年度依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费{}件，合计{}元。",
                self.fees.count.value,
                yuan(self.fees.amount_fen.value)
            )
        } else {
            "本年度未收取信息处理费。".into()
        }));
        blocks.push(para("〔待填写：其他需要报告的事项。〕".into()));

        Document {
            title: format!("{body_name}政府信息公开工作年度报告（{}年）", self.year),
            number: None,
            addressee: None,
            blocks,
            signature: None,
        }
    }

    fn proactive_table(&self, cell: &dyn Fn(&Figure) -> Cell) -> Table {
        // Four columns: 信息内容 and three figure columns; a group with fewer columns
        // stretches its last one.
        let spans = |n: usize| -> Vec<u16> {
            (0..n)
                .map(|i| if i + 1 == n { (4 - n) as u16 } else { 1 })
                .collect()
        };
        let mut lines: Vec<Vec<Cell>> = Vec::new();
        for g in &self.proactive {
            let spans = spans(g.columns.len());
            lines.push(vec![Cell::text(g.label).span(4, 1)]);
            let mut head = vec![Cell::text("信息内容")];
            for (c, &s) in g.columns.iter().zip(&spans) {
                head.push(Cell::text(c.label).span(s, 1));
            }
            lines.push(head);
            for r in &g.rows {
                let mut line = vec![Cell::text(r.label)];
                for ((pc, c), &s) in r.cells.iter().zip(&g.columns).zip(&spans) {
                    let mut out = cell(&pc.figure);
                    if c.unit == Unit::Fen {
                        out.text = wan_yuan(pc.figure.value);
                    }
                    line.push(out.span(s, 1));
                }
                lines.push(line);
            }
        }
        let rows = lines.split_off(2.min(lines.len()));
        Table {
            caption: None,
            header: lines,
            rows,
        }
    }

    fn requests_table(&self, cell: &dyn Fn(&Figure) -> Cell) -> Table {
        let header = vec![
            vec![
                Cell::text(BALANCE_NOTE).span(3, 3),
                Cell::text("申请人情况").span(7, 1),
            ],
            vec![
                Cell::text("自然人").span(1, 2),
                Cell::text("法人或其他组织").span(5, 1),
                Cell::text("总计").span(1, 2),
            ],
            Column::APPLICANTS[1..]
                .iter()
                .map(|c| Cell::text(c.label()))
                .collect(),
        ];
        let t = &self.requests;
        let shown: Vec<&RequestRow> = t.rows.iter().filter(|r| !t.has_children(r.code)).collect();
        let results_rows = shown.iter().filter(|r| r.parent.is_some()).count() as u16;
        let mut rows = Vec::new();
        let mut results_started = false;
        let mut last_group: Option<&str> = None;
        for r in shown {
            let mut line = Vec::new();
            match r.parent {
                None => line.push(Cell::text(r.label).span(3, 1)),
                Some(parent) => {
                    if !results_started {
                        results_started = true;
                        line.push(Cell::text(RESULTS_LABEL).span(1, results_rows));
                    }
                    if parent == RESULTS {
                        line.push(Cell::text(r.label).span(2, 1));
                    } else {
                        if last_group != Some(parent) {
                            last_group = Some(parent);
                            let group = t.row(parent).map_or(parent, |g| g.label);
                            let n = t.rows.iter().filter(|x| x.parent == Some(parent)).count();
                            line.push(Cell::text(group).span(1, n as u16));
                        }
                        line.push(Cell::text(r.label));
                    }
                }
            }
            line.extend(r.cells.iter().map(cell));
            rows.push(line);
        }
        Table {
            caption: None,
            header,
            rows,
        }
    }

    fn remedies_table(&self, cell: &dyn Fn(&Figure) -> Cell) -> Table {
        let five = || {
            Outcome::ALL
                .iter()
                .map(|o| Cell::text(o.label()))
                .chain(std::iter::once(Cell::text("总计")))
                .collect::<Vec<_>>()
        };
        let header = vec![
            vec![
                Cell::text("行政复议").span(5, 2),
                Cell::text("行政诉讼").span(10, 1),
            ],
            vec![
                Cell::text("未经复议直接起诉").span(5, 1),
                Cell::text("复议后起诉").span(5, 1),
            ],
            [five(), five(), five()].concat(),
        ];
        let mut line = Vec::new();
        for (_, _, g) in self.remedies.groups() {
            for o in Outcome::ALL {
                line.push(cell(g.get(o)));
            }
            line.push(cell(&g.total));
        }
        Table {
            caption: None,
            header,
            rows: vec![line],
        }
    }

    fn consistency_paragraphs(&self) -> Vec<String> {
        let c = &self.consistency;
        let mut out = Vec::new();
        if c.ok {
            out.push("经核对，各列均符合“第一项加第二项之和，等于第三项加第四项之和”的勾稽关系，“总计”列均等于各申请人列之和。".to_string());
        } else {
            out.push(
                "经核对，以下数据不符合勾稽关系或合计关系，请核实相关案件记录后重新生成本报告："
                    .to_string(),
            );
            out.extend(c.violations.iter().map(|v| v.explanation.clone()));
            out.push("相关申请的情况：".to_string());
            let mut seen = HashSet::new();
            for r in c.violations.iter().flat_map(|v| &v.cases) {
                if seen.insert(r.id.as_str()) {
                    out.push(format!(
                        "{}：{}。",
                        case_label(&r.id, r.number.as_deref()),
                        r.explanation
                    ));
                }
            }
        }
        let mut seen = HashSet::new();
        let other: Vec<String> = c
            .anomalies
            .iter()
            .filter(|a| !a.in_violation)
            .map(|a| {
                format!(
                    "{}：{}。",
                    case_label(&a.case_id, a.number.as_deref()),
                    a.explanation
                )
            })
            .filter(|line| seen.insert(line.clone()))
            .collect();
        if !other.is_empty() {
            out.push("另有以下记录需要核实（不影响上述核对结果）：".to_string());
            out.extend(other);
        }
        out
    }

    /// The report as JSON with stable keys: `report`, `format`, `format_basis`, `year`,
    /// `period`, `sections` (`summary`, `proactive`, `requests`, `remedies`, `fees`) and
    /// `consistency` (`ok`, `violations`, `anomalies`). Every figure is `{value, cases}`.
    pub fn to_json(&self) -> Value {
        let (start, end) = year_bounds(self.year);
        let proactive: Vec<Value> = self
            .proactive
            .iter()
            .map(|g| {
                json!({
                    "code": g.code,
                    "label": g.label,
                    "columns": g.columns.iter().map(|c| json!({
                        "code": c.code, "label": c.label, "unit": c.unit.code()
                    })).collect::<Vec<_>>(),
                    "rows": g.rows.iter().map(|r| {
                        let cells: Map<String, Value> = r.cells.iter().zip(&g.columns).map(|(pc, c)| {
                            (c.code.to_string(), json!({
                                "value": pc.figure.value,
                                "cases": pc.figure.cases,
                                "source": pc.source.code(),
                                "unit": c.unit.code(),
                            }))
                        }).collect();
                        json!({ "code": r.code, "label": r.label, "cells": cells })
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        let requests = json!({
            "columns": Column::ALL.iter().map(|c| json!({"code": c.code(), "label": c.label()})).collect::<Vec<_>>(),
            "rows": self.requests.rows.iter().map(|r| {
                let cells: Map<String, Value> = Column::ALL.iter()
                    .map(|c| (c.code().to_string(), r.cells[c.index()].to_json()))
                    .collect();
                json!({ "code": r.code, "label": r.label, "parent": r.parent, "cells": cells })
            }).collect::<Vec<_>>(),
        });
        let remedies = json!({
            "columns": Outcome::ALL.iter().map(|o| json!({"code": o.code(), "label": o.label()}))
                .chain(std::iter::once(json!({"code": "total", "label": "总计"})))
                .collect::<Vec<_>>(),
            "groups": self.remedies.groups().iter().map(|(code, label, g)| json!({
                "code": code, "label": label, "cells": g.to_json()
            })).collect::<Vec<_>>(),
        });
        let mut disclosed = [self.total("disclose"), self.total("partial")]
            .iter()
            .flat_map(|f| f.cases.iter().cloned())
            .collect::<Vec<_>>();
        disclosed.sort_unstable();
        let summary = json!({
            "received": self.total("received").to_json(),
            "carried_over": self.total("carried_over").to_json(),
            "concluded": self.total("concluded_total").to_json(),
            "carried_forward": self.total("carried_forward").to_json(),
            "disclosed": Figure::count(disclosed).to_json(),
            "disclosure_rate_permille": self.disclosure_rate_permille(),
        });
        let c = &self.consistency;
        let violations: Vec<Value> = c
            .violations
            .iter()
            .map(|v| {
                json!({
                    "kind": v.kind.code(),
                    "column": v.column.code(),
                    "row": v.row,
                    "left": v.left,
                    "right": v.right,
                    "explanation": v.explanation,
                    "cases": v.cases.iter().map(|r| json!({
                        "id": r.id, "number": r.number, "explanation": r.explanation
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let anomalies: Vec<Value> = c
            .anomalies
            .iter()
            .map(|a| {
                json!({
                    "section": a.section,
                    "case_id": a.case_id,
                    "number": a.number,
                    "code": a.code,
                    "explanation": a.explanation,
                    "in_violation": a.in_violation,
                })
            })
            .collect();
        json!({
            "report": "disclosure_annual",
            "format": self.format.code(),
            "format_basis": self.format.basis(),
            "year": self.year,
            "period": { "from": start.to_string(), "to": end.to_string() },
            "sections": {
                "summary": summary,
                "proactive": { "groups": proactive },
                "requests": requests,
                "remedies": remedies,
                "fees": {
                    "count": self.fees.count.to_json(),
                    "amount_fen": self.fees.amount_fen.to_json(),
                },
            },
            "consistency": {
                "ok": c.ok,
                "violations": violations,
                "anomalies": anomalies,
            },
        })
    }
}
