//! The demo district's 2018 and 2019 records of the procedures whose demo is not yet data
//! (`procedures/<code>/demo.toml`, see `fazhi_app::district`): administrative reconsideration,
//! litigation defence and requests for government information. They are written in Rust still
//! because their cases are chained — the person refused information asks for reconsideration,
//! then sues — and the lines cannot yet say so. The 2019 counts are those of the district's
//! 2019 rule-of-law report (shared/seed/report-2019.zh.txt): 复议 9 (2 pending, 7 concluded),
//! 一审 11 and 二审 9, 依申请公开 88; among the litigation losses decided in 2018–2019 the
//! procedural ones are 11 of 41 (26.8%).
//!
//! Every record is synthetic: people, ID numbers, credit codes, phone numbers, companies and
//! texts come from a fixed-seed generator (valid in form, fictitious). The histories are
//! loaded like the lines' ([`fazhi_app::district::load`]): every step decided by the engine,
//! dated in the past, so histories, clocks, case numbers and the event log are the ones real
//! work would leave.

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate};
use fazhi_app::district::synthetic::{Gen, Profile, day, ymd};
use fazhi_app::district::{self, Office};
use fazhi_core::calendar::Calendar;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The offices the records belong to.
pub struct Offices {
    /// 区政府办公室: requests for government information.
    pub government_office: Arc<Office>,
    /// 司法局: reconsideration and litigation defence.
    pub justice: Arc<Office>,
}

impl Offices {
    /// The offices among a district's: by their department codes.
    pub fn among(offices: &[Arc<Office>]) -> Result<Offices> {
        let find = |code: &str| {
            offices
                .iter()
                .find(|o| o.code == code)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("the district has no office “{code}”"))
        };
        Ok(Offices {
            government_office: find("zfb")?,
            justice: find("sfj")?,
        })
    }
}

/// The records' histories, from a seed: the demo's own seed gives the demo's records (and the
/// seed's figures); other seeds give other records of the same mix, which is how the
/// benchmark fills its generated districts.
pub fn plans(seed: u64, calendar: &Calendar, offices: &Offices) -> Vec<district::Plan> {
    let mut g = Gen::new(seed, calendar, PEOPLE);
    let mut plans = Vec::new();
    let chain = disclosure_requests(&mut g, &offices.government_office, &mut plans);
    let decided = reconsiderations(&mut g, &offices.justice, &chain, &mut plans);
    litigation(&mut g, &offices.justice, &chain, decided, &mut plans);
    plans.into_iter().map(Plan::into_history).collect()
}

// ---------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------

pub type Fields = BTreeMap<String, Value>;

struct Step {
    action: &'static str,
    on: NaiveDate,
    fields: Fields,
    /// Taken by the system (a clock ran out), not by the office's staff.
    system: bool,
}

/// One case's history: its first action opens it, the others follow in order.
struct Plan {
    procedure: &'static str,
    office: Arc<Office>,
    steps: Vec<Step>,
}

impl Plan {
    fn new(procedure: &'static str, office: &Arc<Office>) -> Plan {
        Plan {
            procedure,
            office: office.clone(),
            steps: Vec::new(),
        }
    }

    fn into_history(self) -> district::Plan {
        district::Plan {
            procedure: self.procedure.to_string(),
            office: self.office,
            steps: self
                .steps
                .into_iter()
                .map(|s| district::Step {
                    action: s.action.to_string(),
                    on: s.on,
                    fields: s.fields,
                    system: s.system,
                })
                .collect(),
        }
    }

    fn last_on(&self) -> NaiveDate {
        self.steps.last().map(|s| s.on).unwrap_or(NaiveDate::MIN)
    }

    /// A step by the office's staff. Dates never go backwards.
    fn staff(&mut self, action: &'static str, on: NaiveDate, fields: Vec<(&'static str, Value)>) {
        let on = on.max(self.last_on());
        self.steps.push(Step {
            action,
            on,
            fields: fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            system: false,
        });
    }

    /// A step the system takes when a clock runs out.
    fn system(&mut self, action: &'static str, on: NaiveDate) {
        let on = on.max(self.last_on());
        self.steps.push(Step {
            action,
            on,
            fields: Fields::new(),
            system: true,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The generator (fazhi_app::district::synthetic), with these records' people
// ---------------------------------------------------------------------------------------------

const PEOPLE: Profile = Profile {
    men: 55,
    person_men: 55,
    born: (1944, 1998),
    villages: 35,
    flats: true,
};

const LAW_FIRMS: &[&str] = &[
    "辽宁樱城律师事务所",
    "辽宁海韵律师事务所",
    "辽宁北湾律师事务所",
    "辽宁旅港律师事务所",
    "辽宁渤海明德律师事务所",
];

// ---------------------------------------------------------------------------------------------
// 依申请公开 (政府办公室)
// ---------------------------------------------------------------------------------------------

/// How a request ends.
#[derive(Clone, Copy, PartialEq)]
enum Ending {
    Reply(&'static str),
    Abandoned,
    Withdrawn,
}

/// The disclosure request of the person who later asks for reconsideration and sues.
struct Chain {
    applicant: Value,
    content: String,
    reply_no: String,
    replied_on: NaiveDate,
}

const REQUESTS: &[(&str, &str)] = &[
    (
        "申请公开{village}集体土地征收的征地批复文件、征收补偿安置方案及地上附着物补偿标准",
        "核实本户征收补偿是否符合规定",
    ),
    (
        "申请公开{project}国有土地上房屋征收决定、征收范围图及征收补偿方案",
        "了解本人房屋征收补偿依据",
    ),
    (
        "申请公开旅顺口区人民政府{year}年度一般公共预算及“三公”经费预算、决算情况",
        "监督财政资金使用",
    ),
    (
        "申请公开{company}在{street}开发项目的建设工程规划许可证及附图",
        "维护相邻权益",
    ),
    (
        "申请公开{year}年{road}道路改造工程的立项批复、招标文件及中标结果公告",
        "了解工程建设情况",
    ),
    (
        "申请公开区市场监督管理局对{company}作出的行政处罚决定书",
        "维护消费者合法权益",
    ),
    (
        "申请公开{street}{year}年至今城乡低保资金发放标准及发放情况",
        "了解社会救助政策",
    ),
    (
        "申请公开{village}村级财务收支情况及集体土地对外出租合同",
        "监督村集体资产管理",
    ),
    (
        "申请公开旅顺口区{year}年度棚户区改造项目回迁安置房分配方案及分配结果",
        "核实本户安置房分配情况",
    ),
    (
        "申请公开旅顺口区义务教育阶段学区划分方案及其制定依据",
        "了解子女入学政策",
    ),
    (
        "申请公开对{street}某小区楼顶违法建设责令限期拆除的相关文件",
        "维护小区业主合法权益",
    ),
    (
        "申请公开{year}年旅顺口区环境空气质量及近岸海域水质监测数据",
        "科研需要",
    ),
    (
        "申请公开{company}取得的海域使用权证及海域使用金缴纳情况",
        "企业经营决策参考",
    ),
    (
        "申请公开旅顺口区{year}年度政府投资项目审批清单",
        "代理案件需要",
    ),
];

fn reply_summary(kind: &str) -> &'static str {
    match kind {
        "disclose" => "经查，所申请信息属于公开范围，现予以公开，已按申请人要求的方式提供。",
        "partial" => {
            "所申请信息中涉及被征收人身份证号码、银行账号等个人隐私的内容不予公开，其余部分予以公开（政府信息公开条例第十五条、第三十七条）。"
        }
        "withhold_secret" => {
            "所申请信息经依法确定为国家秘密，根据政府信息公开条例第十四条不予公开。"
        }
        "withhold_prohibited" => {
            "所申请信息属于法律、行政法规禁止公开的信息，根据政府信息公开条例第十四条不予公开。"
        }
        "withhold_security" => {
            "所申请信息公开后可能危及社会稳定，根据政府信息公开条例第十四条不予公开。"
        }
        "withhold_third_party" => {
            "所申请信息涉及第三方商业秘密，经书面征求第三方意见，第三方不同意公开，根据政府信息公开条例第十五条不予公开。"
        }
        "withhold_internal" => {
            "所申请信息属于人事管理、后勤管理等内部事务信息，根据政府信息公开条例第十六条第一款可不予公开。"
        }
        "withhold_process" => {
            "所申请信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿，根据政府信息公开条例第十六条第二款可不予公开。"
        }
        "withhold_enforcement_file" => {
            "所申请信息属于行政执法案卷信息，根据政府信息公开条例第十六条第二款可不予公开。"
        }
        "withhold_inquiry" => {
            "所申请信息属于不动产登记资料查询事项，已告知申请人依照不动产登记资料查询的有关规定办理。"
        }
        "unavailable_not_held" => {
            "经检索，本机关未制作、未获取所申请的政府信息，根据政府信息公开条例第三十六条第四项告知申请人，并告知可向相关主管部门咨询。"
        }
        "unavailable_needs_creation" => {
            "所申请内容需对现有政府信息进行汇总、加工、分析方能形成，根据政府信息公开条例第三十八条不予提供。"
        }
        "unavailable_unclear" => {
            "经告知补正后，申请内容仍不明确，无法确定所指政府信息，根据政府信息公开条例第二十九条、第三十条无法提供。"
        }
        "not_handled_petition" => {
            "申请人以政府信息公开申请的形式进行信访、投诉、举报，已告知通过相应渠道提出（政府信息公开条例第三十九条第一款）。"
        }
        "not_handled_repeat" => {
            "申请内容与本机关已作出答复的申请重复，根据政府信息公开条例第三十六条第五项不予重复处理。"
        }
        "not_handled_publication" => {
            "所申请内容已刊载于公开出版的《旅顺口区年鉴》，已告知申请人获取途径（政府信息公开条例第三十九条第二款）。"
        }
        "not_handled_confirm" => {
            "申请人要求本机关确认或者重新出具已获取的信息，不属于政府信息公开申请的范围，不予处理。"
        }
        _ => "所申请信息为本机关作为民事主体签订的合同信息，不属于政府信息，已告知申请人。",
    }
}

/// The applicant of a request of the given kind.
fn disclosure_applicant(g: &mut Gen, kind: &str) -> Value {
    match kind {
        "business" => g.company(),
        "research" => {
            let name = g
                .pick(&[
                    "辽宁某某海洋经济研究院",
                    "大连某某大学城乡规划研究所",
                    "大连某某环境科学研究中心",
                ])
                .to_string();
            g.organisation(name, "12210200MB")
        }
        "public_welfare" => {
            let name = g
                .pick(&[
                    "大连市旅顺口区蓝湾环保公益服务中心",
                    "大连市樱城社区公益服务中心",
                ])
                .to_string();
            g.organisation(name, "52210212MJ")
        }
        "legal_service" => {
            let name = g.pick(LAW_FIRMS).to_string();
            g.organisation(name, "31210000E")
        }
        "other_org" => {
            let name = g
                .pick(&[
                    "大连市旅顺口区个体劳动者协会某某分会",
                    "大连市旅顺口区渔业协会",
                    "大连市旅顺口区樱桃产业商会",
                ])
                .to_string();
            g.organisation(name, "51210212MJ")
        }
        _ => g.person(),
    }
}

struct Request {
    received: NaiveDate,
    kind: &'static str,
    ending: Ending,
    supplement: bool,
    consult: bool,
    extend: bool,
    /// The request must be concluded by this day.
    by: Option<NaiveDate>,
    /// Concluded no earlier than this (carried into the next year).
    not_before: Option<NaiveDate>,
    chain: bool,
}

fn disclosure_requests(g: &mut Gen, office: &Arc<Office>, plans: &mut Vec<Plan>) -> Chain {
    let mut requests: Vec<Request> = Vec::new();
    // 2019: 84 received and concluded in the year (with the 3 carried over, 87 concluded).
    let mut endings: Vec<Ending> = Vec::new();
    let counts: &[(Ending, usize)] = &[
        (Ending::Reply("disclose"), 37),
        (Ending::Reply("partial"), 13),
        (Ending::Reply("withhold_secret"), 1),
        (Ending::Reply("withhold_third_party"), 3),
        (Ending::Reply("withhold_internal"), 2),
        (Ending::Reply("withhold_process"), 3),
        (Ending::Reply("withhold_enforcement_file"), 1),
        (Ending::Reply("withhold_inquiry"), 1),
        (Ending::Reply("unavailable_not_held"), 8),
        (Ending::Reply("unavailable_needs_creation"), 3),
        (Ending::Reply("unavailable_unclear"), 1),
        (Ending::Reply("not_handled_petition"), 2),
        (Ending::Reply("not_handled_repeat"), 2),
        (Ending::Reply("not_handled_publication"), 1),
        (Ending::Reply("not_handled_confirm"), 1),
        (Ending::Reply("other"), 1),
        (Ending::Abandoned, 2),
        (Ending::Withdrawn, 2),
    ];
    for (ending, n) in counts {
        endings.extend(std::iter::repeat_n(*ending, *n));
    }
    // Applicant kinds of the 88 received in 2019.
    let mut kinds: Vec<&'static str> = Vec::new();
    for (kind, n) in [
        ("natural_person", 70),
        ("business", 9),
        ("legal_service", 4),
        ("research", 1),
        ("public_welfare", 1),
        ("other_org", 3),
    ] {
        kinds.extend(std::iter::repeat_n(kind, n));
    }
    g.rng.shuffle(&mut kinds);
    g.rng.shuffle(&mut endings);
    let mut supplements = 0;
    let mut consults = 0;
    let mut extended = false;
    let mut chained = false;
    let end_2019 = ymd(2019, 12, 31);
    for (i, ending) in endings.into_iter().enumerate() {
        let plain = matches!(ending, Ending::Reply("disclose" | "partial"));
        let mut supplement = matches!(
            ending,
            Ending::Abandoned | Ending::Reply("unavailable_unclear")
        );
        if !supplement && plain && supplements < 4 {
            supplements += 1;
            supplement = true;
        }
        let mut consult = matches!(ending, Ending::Reply("withhold_third_party"));
        if !consult && plain && !supplement && consults < 2 {
            consults += 1;
            consult = true;
        }
        let partial = matches!(ending, Ending::Reply("partial"));
        let extend = !extended && partial && !supplement && !consult;
        extended |= extend;
        let chain = !chained
            && partial
            && !supplement
            && !consult
            && !extend
            && kinds[i] == "natural_person";
        chained |= chain;
        let received = if chain {
            g.between(ymd(2019, 2, 18), ymd(2019, 2, 28))
        } else if supplement || consult || extend {
            g.between(ymd(2019, 1, 3), ymd(2019, 10, 18))
        } else {
            g.between(ymd(2019, 1, 3), ymd(2019, 11, 22))
        };
        requests.push(Request {
            received,
            kind: kinds[i],
            ending,
            supplement,
            consult,
            extend,
            by: Some(end_2019),
            not_before: None,
            chain,
        });
    }
    // 4 received in late December 2019, answered in January 2020.
    for (i, ending) in ["disclose", "disclose", "partial", "withhold_process"]
        .into_iter()
        .enumerate()
    {
        let received = g.between(ymd(2019, 12, 9), ymd(2019, 12, 27));
        requests.push(Request {
            received,
            kind: kinds[84 + i],
            ending: Ending::Reply(ending),
            supplement: false,
            consult: false,
            extend: false,
            by: None,
            not_before: Some(ymd(2020, 1, 2)),
            chain: false,
        });
    }
    // 2018: 24 received, 3 of them carried over into 2019.
    let endings_2018: &[&str] = &[
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "disclose",
        "partial",
        "partial",
        "partial",
        "partial",
        "withhold_process",
        "withhold_third_party",
        "unavailable_not_held",
        "unavailable_not_held",
        "unavailable_not_held",
        "unavailable_needs_creation",
        "not_handled_petition",
    ];
    for ending in endings_2018 {
        let received = g.between(ymd(2018, 1, 8), ymd(2018, 11, 23));
        let kind = if g.rng.chance(80) {
            "natural_person"
        } else {
            g.pick(&["business", "legal_service", "other_org"])
        };
        requests.push(Request {
            received,
            kind,
            ending: Ending::Reply(ending),
            supplement: false,
            consult: *ending == "withhold_third_party",
            extend: false,
            by: Some(ymd(2018, 12, 28)),
            not_before: None,
            chain: false,
        });
    }
    for ending in ["disclose", "partial", "unavailable_not_held"] {
        let received = g.between(ymd(2018, 12, 14), ymd(2018, 12, 27));
        requests.push(Request {
            received,
            kind: "natural_person",
            ending: Ending::Reply(ending),
            supplement: false,
            consult: false,
            extend: false,
            by: None,
            not_before: Some(ymd(2019, 1, 2)),
            chain: false,
        });
    }
    requests.sort_by_key(|r| r.received);

    let mut reply_numbers: HashMap<i32, u32> = HashMap::new();
    let mut chain = None;
    for request in requests {
        let mut received = request.received;
        loop {
            let mut attempt = g.fork();
            let (plan, outcome) = disclosure_plan(&mut attempt, office, &request, received);
            let concluded = plan.last_on();
            if request.by.is_some_and(|by| concluded > by) {
                received = g.workday(received - Duration::days(21));
                continue;
            }
            let mut plan = plan;
            let applicant = plan.steps[0].fields["applicant"].clone();
            if let Some(last) = plan.steps.last_mut()
                && last.action == "reply"
            {
                let year = last.on.year();
                let n = reply_numbers.entry(year).or_default();
                *n += 1;
                let number = format!("旅政办依申复〔{year}〕{n}号");
                last.fields.insert("reply_no".into(), json!(number));
                if request.chain {
                    chain = Some(Chain {
                        applicant,
                        content: outcome,
                        reply_no: number,
                        replied_on: last.on,
                    });
                }
            }
            plans.push(plan);
            break;
        }
    }
    chain.expect("one 2019 request leads to reconsideration")
}

/// One request's history; returns it and the information asked for.
fn disclosure_plan(
    g: &mut Gen,
    office: &Arc<Office>,
    request: &Request,
    received: NaiveDate,
) -> (Plan, String) {
    let year = received.year();
    let mut plan = Plan::new("disclosure_request", office);
    let (template, purpose) = if request.chain {
        REQUESTS[1]
    } else {
        g.pick(REQUESTS)
    };
    let content = g.fill(template, year);
    let applicant = disclosure_applicant(g, request.kind);
    let channel = if request.chain {
        "in_person"
    } else {
        g.pick(&[
            "online",
            "online",
            "online",
            "online",
            "online",
            "in_person",
            "in_person",
            "in_person",
            "post",
            "post",
            "letter",
            "fax",
        ])
    };
    let delivery = match channel {
        "online" | "fax" => "electronic",
        "in_person" if g.rng.chance(50) => "collect",
        _ => "paper",
    };
    let submitted = match channel {
        "post" | "letter" => Some(day(received - Duration::days(g.rng.range(2, 4)))),
        _ => None,
    };
    let email = (channel == "online")
        .then(|| json!(format!("applicant{}@example.cn", g.rng.range(100, 999))));
    plan.staff(
        "register",
        received,
        vec![
            ("applicant", applicant),
            ("applicant_kind", json!(request.kind)),
            ("content", json!(content)),
            ("purpose", json!(purpose)),
            ("channel", json!(channel)),
            ("delivery", json!(delivery)),
            ("received_on", day(received)),
            ("submitted_on", submitted.unwrap_or(Value::Null)),
            ("contact_email", email.unwrap_or(Value::Null)),
        ],
    );
    let mut t = g.later_wd(received, 0, 1);
    plan.staff("start_handling", t, vec![]);
    if request.supplement {
        let asked = g.later_wd(received, 2, 6);
        let deadline = g.add_days(asked, 15);
        plan.staff(
            "request_supplement",
            asked,
            vec![
                (
                    "supplement_items",
                    json!("申请内容不明确：请写明所需政府信息的名称、文号、形成时间或者便于行政机关查询的其他特征性描述。"),
                ),
                ("supplement_deadline", day(deadline)),
            ],
        );
        if request.ending == Ending::Abandoned {
            plan.system("deem_abandoned", deadline + Duration::days(1));
            return (plan, content);
        }
        t = g.between(g.add_days(asked, 3), deadline);
        plan.staff(
            "supplement_received",
            t,
            vec![(
                "content",
                json!(format!(
                    "{content}（补正后：限定为{year}年度形成的相关文件）"
                )),
            )],
        );
    }
    if request.consult {
        let started = g.later_wd(t, 1, 4);
        let served = g.later_wd(started, 1, 2);
        let (party, kind) = if matches!(request.ending, Ending::Reply("withhold_third_party"))
            || g.rng.chance(60)
        {
            (g.company_name(), "third_party")
        } else {
            ("大连市自然资源局".to_string(), "other_body")
        };
        plan.staff(
            "start_consultation",
            started,
            vec![
                ("consulted_party", json!(party)),
                ("consultation_kind", json!(kind)),
                ("consultation_served_on", day(served)),
            ],
        );
        t = g.later_wd(served, 4, 12);
        let opinion = if matches!(request.ending, Ending::Reply("withhold_third_party")) {
            "第三方书面回复：所涉合同价款及技术方案属于商业秘密，不同意公开。"
        } else {
            "被征求意见方书面回复：对公开无异议，建议隐去个人信息后公开。"
        };
        plan.staff(
            "consultation_replied",
            t,
            vec![("consultation_opinion", json!(opinion))],
        );
    }
    if request.extend {
        let asked = g.later_wd(received, 15, 18);
        plan.staff(
            "extend_reply",
            asked,
            vec![
                (
                    "extension_reason",
                    json!("所申请信息涉及多个年度、多个部门，需调取档案逐件核对，不能在20个工作日内答复。"),
                ),
                ("extension_approver", json!("区政府办公室副主任 姜海波")),
                ("extension_approved_on", day(asked)),
                ("extension_notice_on", day(g.add_wd(asked, 1))),
            ],
        );
        t = g.later_wd(received, 24, 36);
    }
    match request.ending {
        Ending::Withdrawn => {
            let on = g.later_wd(t, 2, 8);
            plan.staff(
                "withdraw",
                on,
                vec![(
                    "withdrawal_reason",
                    json!("申请人书面说明已通过其他途径获取所需信息，申请撤回。"),
                )],
            );
        }
        Ending::Reply(kind) => {
            let mut on = if request.extend {
                t
            } else {
                g.later_wd(t, 3, 15)
            };
            if let Some(floor) = request.not_before {
                let extra = g.rng.range(0, 10);
                on = on.max(g.workday(floor + Duration::days(extra)));
                on = on.min(g.add_wd(received, 19)).max(floor);
            }
            plan.staff(
                "reply",
                on,
                vec![
                    ("reply_type", json!(kind)),
                    ("reply_on", day(on)),
                    ("reply_summary", json!(reply_summary(kind))),
                ],
            );
        }
        Ending::Abandoned => unreachable!("handled with the supplement"),
    }
    (plan, content)
}

// ---------------------------------------------------------------------------------------------
// 行政复议 (司法局)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum RcEnd {
    Decide(&'static str),
    Withdrawn,
    Settled,
}

struct RcSpec {
    received: NaiveDate,
    category: &'static str,
    respondent: &'static str,
    act: String,
    document: String,
    claims: &'static str,
    facts: &'static str,
    applicant: Value,
    known_on: NaiveDate,
    end: RcEnd,
    supplement: bool,
    simplified: bool,
    hearing: bool,
    extension: bool,
    /// Decided no earlier than this (pending at the end of the year).
    not_before: Option<NaiveDate>,
    summary: &'static str,
}

/// The date the disclosure reconsideration's decision was served on the applicant.
fn reconsiderations(
    g: &mut Gen,
    office: &Arc<Office>,
    chain: &Chain,
    plans: &mut Vec<Plan>,
) -> NaiveDate {
    let mut specs = Vec::new();
    let mut spec = |g: &mut Gen,
                    (y, m, d): (i32, u32, u32),
                    category: &'static str,
                    respondent: &'static str,
                    act: String,
                    document: String,
                    (claims, facts): (&'static str, &'static str),
                    end: RcEnd,
                    flags: (bool, bool, bool, bool),
                    summary: &'static str| {
        let received = g.workday(ymd(y, m, d));
        let known_on = received - Duration::days(g.rng.range(12, 45));
        let applicant = if g.rng.chance(75) {
            g.person()
        } else {
            g.company()
        };
        specs.push(RcSpec {
            received,
            category,
            respondent,
            act,
            document,
            claims,
            facts,
            applicant,
            known_on,
            end,
            supplement: flags.0,
            simplified: flags.1,
            hearing: flags.2,
            extension: flags.3,
            not_before: None,
            summary,
        });
    };
    // 2018: a handful, all decided within the year.
    spec(
        g,
        (2018, 3, 12),
        "penalty",
        "大连市旅顺口区市场监督管理局",
        "被申请人以申请人经营的超市销售超过保质期的食品为由，没收违法所得并处罚款人民币二万元的行政处罚决定".into(),
        "旅市监罚字〔2018〕第17号".into(),
        ("请求撤销被申请人作出的行政处罚决定。", "申请人认为涉案食品系已下架待退货商品，并未销售，被申请人认定事实不清。"),
        RcEnd::Decide("uphold"),
        (false, false, false, false),
        "被申请人认定事实清楚，证据确凿，适用依据正确，程序合法，内容适当，决定维持。",
    );
    spec(
        g,
        (2018, 5, 21),
        "expropriation",
        "大连市旅顺口区水师营街道办事处",
        "被申请人作出的关于申请人房屋征收补偿面积的认定意见".into(),
        "旅水师营认〔2018〕3号".into(),
        (
            "请求撤销该认定意见，将院内附属房屋纳入补偿范围。",
            "申请人认为院内附属房屋建于1982年，应当认定为合法建筑予以补偿。",
        ),
        RcEnd::Decide("uphold"),
        (false, false, true, false),
        "经审查，涉案附属房屋未取得建设审批手续，被申请人认定意见有相应证据支持，决定维持。",
    );
    spec(
        g,
        (2018, 7, 9),
        "coercion",
        "大连市旅顺口区城市管理综合执法局",
        "被申请人扣押申请人流动经营车辆及货物的行政强制措施".into(),
        "旅城执扣字〔2018〕第41号".into(),
        (
            "请求确认扣押行为违法，返还被扣押的车辆和货物。",
            "申请人认为被申请人扣押时未出示执法证件，未当场交付扣押决定书和清单。",
        ),
        RcEnd::Decide("confirm_illegal"),
        (false, false, false, false),
        "被申请人实施扣押时未当场交付扣押决定书和清单，违反行政强制法第二十四条，确认该行政强制措施违法。",
    );
    spec(
        g,
        (2018, 9, 10),
        "licensing",
        "大连市旅顺口区住房和城乡建设局",
        "被申请人作出的不予核发燃气经营许可的决定".into(),
        "旅住建不许字〔2018〕2号".into(),
        (
            "请求撤销不予许可决定，责令被申请人重新作出许可决定。",
            "申请人认为所提交材料齐全，符合法定条件，被申请人以规划选址不符为由不予许可缺乏依据。",
        ),
        RcEnd::Decide("revoke"),
        (true, false, false, false),
        "被申请人作出不予许可决定所依据的规划意见未经核实，主要事实不清，决定撤销，责令被申请人在法定期限内重新作出决定。",
    );
    spec(
        g,
        (2018, 10, 15),
        "other",
        "大连市旅顺口区教育局",
        "被申请人作出的撤销申请人民办培训机构办学许可的决定".into(),
        "旅教发〔2018〕56号".into(),
        (
            "请求撤销该决定。",
            "申请人认为已按要求完成整改，被申请人未听取陈述申辩。",
        ),
        RcEnd::Settled,
        (false, false, false, false),
        "经复议机构主持调解，双方达成和解，被申请人撤回原决定，申请人撤回复议申请，复议终止。",
    );
    // 2019: nine received — seven concluded in 2019, two pending on 31 December.
    spec(
        g,
        (2019, 1, 14),
        "penalty",
        "大连市旅顺口区市场监督管理局",
        "被申请人以申请人销售不符合食品安全标准的海产品为由，没收违法所得并处罚款人民币五万元的行政处罚决定".into(),
        "旅市监罚字〔2018〕第132号".into(),
        ("请求撤销被申请人作出的行政处罚决定。", "申请人认为抽检样品保存不当，检验结论不能作为处罚依据，且罚款数额明显过重。"),
        RcEnd::Decide("uphold"),
        (true, false, false, false),
        "被申请人认定事实清楚，证据确凿，适用依据正确，程序合法，处罚幅度适当，决定维持。",
    );
    spec(
        g,
        (2019, 3, 11),
        "expropriation",
        "大连市旅顺口区三涧堡街道办事处",
        "被申请人作出的关于申请人房屋中120平方米为违法建筑、不予补偿的认定意见".into(),
        "旅三涧堡认〔2019〕1号".into(),
        (
            "请求撤销该认定意见。",
            "申请人认为涉案房屋系1989年经原村委会同意翻建，被申请人未调查建房历史即认定为违法建筑。",
        ),
        RcEnd::Decide("revoke"),
        (false, false, true, true),
        "被申请人认定涉案房屋为违法建筑，未调取建房审批档案，亦未听取申请人陈述，主要事实不清、证据不足，决定撤销。",
    );
    spec(
        g,
        (2019, 5, 13),
        "inaction",
        "大连市旅顺口区人力资源和社会保障局",
        "申请人投诉用人单位拖欠工资后，被申请人未依法作出处理".into(),
        String::new(),
        (
            "请求责令被申请人依法履行劳动保障监察职责。",
            "申请人认为投诉后已逾六十日，被申请人未作处理。",
        ),
        RcEnd::Decide("dismiss_claim"),
        (false, false, false, false),
        "经查，被申请人已于受理投诉后依法立案调查并责令用人单位支付拖欠工资，已履行法定职责，驳回申请人的复议请求。",
    );
    spec(
        g,
        (2019, 6, 17),
        "penalty",
        "大连市旅顺口区综合行政执法局",
        "被申请人以申请人未经批准擅自建设为由，责令限期拆除并处罚款人民币三万元的行政处罚决定"
            .into(),
        "旅综执罚字〔2019〕第58号".into(),
        (
            "请求撤销行政处罚决定。",
            "申请人认为涉案构筑物为临时农用设施，不属于违法建设。",
        ),
        RcEnd::Withdrawn,
        (false, false, false, false),
        "复议期间，被申请人自行变更罚款数额，申请人书面申请撤回复议申请，经审查同意撤回，复议终止。",
    );
    spec(
        g,
        (2019, 7, 8),
        "inaction",
        "大连市旅顺口区农业农村局",
        "申请人请求被申请人调处土地承包经营权纠纷，被申请人未予处理".into(),
        String::new(),
        (
            "请求责令被申请人履行调处职责。",
            "申请人认为村委会将其承包地另行发包，被申请人应当依法调处。",
        ),
        RcEnd::Decide("dismiss_claim"),
        (true, false, false, false),
        "经查，土地承包经营纠纷可通过调解、仲裁或者诉讼解决，被申请人已告知申请人向农村土地承包仲裁委员会申请仲裁，驳回复议请求。",
    );
    spec(
        g,
        (2019, 8, 19),
        "registration",
        "大连市自然资源局旅顺口分局",
        "被申请人为第三人办理的不动产转移登记".into(),
        "辽（2019）旅顺口区不动产权第0012345号".into(),
        (
            "请求撤销该不动产转移登记。",
            "申请人认为其系涉案房屋共有人，第三人办理转移登记未经其同意。",
        ),
        RcEnd::Decide("uphold"),
        (false, true, false, false),
        "被申请人依据生效法律文书办理转移登记，程序合法，决定维持。",
    );
    // The request for information answered in part (see disclosure_requests).
    let wait = g.rng.range(20, 30);
    let received = g.workday(chain.replied_on + Duration::days(wait));
    specs.push(RcSpec {
        received,
        category: "disclosure",
        respondent: "大连市旅顺口区人民政府办公室",
        act: format!(
            "被申请人作出的政府信息公开申请答复书，对申请人申请公开的“{}”部分公开",
            chain.content
        ),
        document: chain.reply_no.clone(),
        claims: "请求撤销该答复书，责令被申请人全部公开所申请的政府信息。",
        facts: "申请人认为被申请人以涉及个人隐私为由隐去其他被征收户的补偿金额，缺乏法律依据，影响申请人核实本户补偿是否公平。",
        applicant: chain.applicant.clone(),
        known_on: chain.replied_on + Duration::days(3),
        end: RcEnd::Decide("uphold"),
        supplement: false,
        simplified: false,
        hearing: false,
        extension: false,
        not_before: None,
        summary: "被申请人对涉及第三人个人信息的内容作区分处理后予以公开，符合政府信息公开条例第十五条、第三十七条，决定维持。",
    });
    let mut pending = |g: &mut Gen,
                       (y, m, d): (i32, u32, u32),
                       category: &'static str,
                       respondent: &'static str,
                       act: &str,
                       document: &str,
                       (claims, facts): (&'static str, &'static str),
                       end: RcEnd,
                       supplement: bool,
                       not_before: NaiveDate,
                       summary: &'static str| {
        let received = g.workday(ymd(y, m, d));
        let applicant = g.person();
        specs.push(RcSpec {
            received,
            category,
            respondent,
            act: act.into(),
            document: document.into(),
            claims,
            facts,
            applicant,
            known_on: received - Duration::days(g.rng.range(10, 40)),
            end,
            supplement,
            simplified: false,
            hearing: false,
            extension: false,
            not_before: Some(not_before),
            summary,
        });
    };
    pending(
        g,
        (2019, 11, 18),
        "penalty",
        "大连市公安局旅顺口分局",
        "被申请人以申请人殴打他人为由，对申请人处以行政拘留十日并处罚款五百元的治安管理处罚决定",
        "旅公（水）行罚决字〔2019〕第306号",
        (
            "请求撤销治安管理处罚决定。",
            "申请人认为系对方先动手，申请人属于正当防卫，被申请人未调取现场监控。",
        ),
        RcEnd::Decide("change"),
        false,
        ymd(2020, 1, 6),
        "被申请人认定申请人殴打他人的事实清楚，但未考虑对方有过错的情节，处罚明显不当，决定变更为行政拘留五日。",
    );
    pending(
        g,
        (2019, 12, 2),
        "disclosure",
        "大连市旅顺口区人民政府办公室",
        "被申请人以属于过程性信息为由，对申请人申请公开的棚户区改造项目安置房分配方案不予公开的答复",
        "旅政办依申复〔2019〕71号",
        (
            "请求撤销答复，责令被申请人公开所申请信息。",
            "申请人认为安置房分配方案已经实施，不再属于过程性信息。",
        ),
        RcEnd::Decide("revoke"),
        true,
        ymd(2020, 2, 3),
        "所申请的分配方案已经确定并对外实施，不属于过程性信息，被申请人不予公开缺乏依据，决定撤销答复，责令被申请人在二十个工作日内重新答复。",
    );
    specs.sort_by_key(|s| s.received);
    let mut numbers: HashMap<i32, u32> = HashMap::new();
    let mut disclosure_served = None;
    for spec in specs {
        let (plan, served) = reconsideration_plan(g, office, &spec, &mut numbers);
        if spec.category == "disclosure" && spec.not_before.is_none() {
            disclosure_served = Some(served);
        }
        plans.push(plan);
    }
    disclosure_served.expect("the disclosure reconsideration")
}

fn reconsideration_plan(
    g: &mut Gen,
    office: &Arc<Office>,
    spec: &RcSpec,
    numbers: &mut HashMap<i32, u32>,
) -> (Plan, NaiveDate) {
    let mut plan = Plan::new("reconsideration", office);
    let received = spec.received;
    let channel = g.pick(&["in_person", "in_person", "post", "post", "online"]);
    let act_document = (!spec.document.is_empty()).then(|| json!(spec.document));
    let agent = g.rng.chance(40).then(|| {
        let firm = g.pick(LAW_FIRMS);
        json!(format!("{}（{firm}律师）", g.name()))
    });
    plan.staff(
        "register",
        received,
        vec![
            ("applicant", spec.applicant.clone()),
            ("agent", agent.unwrap_or(Value::Null)),
            ("channel", json!(channel)),
            ("received_on", day(received)),
            ("respondent", json!(spec.respondent)),
            ("act_description", json!(spec.act)),
            ("act_document_no", act_document.unwrap_or(Value::Null)),
            ("act_category", json!(spec.category)),
            ("claims", json!(spec.claims)),
            ("facts_reasons", json!(spec.facts)),
            ("known_on", day(spec.known_on)),
        ],
    );
    let mut t = received;
    if spec.supplement {
        let asked = g.later_wd(received, 2, 4);
        plan.staff(
            "request_supplement",
            asked,
            vec![(
                "supplement_items",
                json!("请补充提交被申请复议的行政行为文书复印件及申请人身份证明；复议请求应当具体明确。"),
            )],
        );
        let served = g.later_wd(asked, 1, 2);
        plan.staff(
            "supplement_notice_served",
            served,
            vec![("supplement_served_on", day(served))],
        );
        t = g.later_wd(served, 3, 8);
        plan.staff("supplement_received", t, vec![]);
    }
    let accepted = g.later_wd(t, 1, 4);
    plan.staff(
        if spec.simplified {
            "accept_simplified"
        } else {
            "accept"
        },
        accepted,
        vec![("accepted_on", day(accepted))],
    );
    let sent = if spec.simplified {
        g.later_wd(accepted, 1, 2)
    } else {
        g.later_wd(accepted, 2, 6)
    };
    plan.staff(
        "send_to_respondent",
        sent,
        vec![("sent_to_respondent_on", day(sent))],
    );
    let got = g.later_wd(sent, 1, 2);
    plan.staff(
        if spec.simplified {
            "respondent_received_simplified"
        } else {
            "respondent_received"
        },
        got,
        vec![("respondent_received_on", day(got))],
    );
    let answered = if spec.simplified {
        g.later_wd(got, 2, 4)
    } else {
        g.later_wd(got, 5, 9)
    };
    plan.staff(
        "answer_received",
        answered,
        vec![("answer_received_on", day(answered))],
    );
    if spec.hearing {
        let notice = g.later_wd(answered, 2, 4);
        let held = g.later_wd(notice, 6, 9);
        plan.staff(
            "hold_hearing",
            held,
            vec![
                ("hearing_on", day(held)),
                ("hearing_notice_on", day(notice)),
                (
                    "hearing_summary",
                    json!("申请人、被申请人及第三人到场，围绕涉案房屋建设时间、审批手续及补偿依据进行质证和辩论。"),
                ),
            ],
        );
    }
    let mut decided = if spec.simplified {
        g.later(accepted, 14, 27)
    } else if spec.extension {
        g.later(accepted, 66, 84)
    } else {
        g.later(accepted, 28, 55)
    };
    if spec.extension {
        let wait = g.rng.range(50, 56);
        let asked = g.workday_back(accepted + Duration::days(wait));
        plan.staff(
            "extend_decision",
            asked,
            vec![
                (
                    "extension_reason",
                    json!(
                        "案情复杂，需调取涉案房屋建设审批档案并现场勘验，不能在六十日内作出决定。"
                    ),
                ),
                (
                    "extension_approver",
                    json!("司法局行政复议与应诉科科长 于志强"),
                ),
                ("extension_approved_on", day(asked)),
                ("extension_notice_on", day(g.add_wd(asked, 1))),
            ],
        );
    }
    if let Some(floor) = spec.not_before {
        let extra = g.rng.range(0, 8);
        decided = decided.max(floor + Duration::days(extra));
        decided = g.workday(decided);
    }
    let served = g.later_wd(decided, 2, 5);
    let year = received.year();
    let n = numbers.entry(year).or_default();
    *n += 1;
    let number = format!("旅政复决字〔{year}〕第{n}号");
    let method = g.pick(&["direct", "post", "post"]);
    match spec.end {
        RcEnd::Decide(kind) => plan.staff(
            "decide",
            decided,
            vec![
                ("decision_type", json!(kind)),
                ("decided_on", day(decided)),
                ("decision_no", json!(number)),
                ("decision_summary", json!(spec.summary)),
                ("served_on", day(served)),
                ("service_method", json!(method)),
            ],
        ),
        RcEnd::Withdrawn | RcEnd::Settled => {
            let kind = if matches!(spec.end, RcEnd::Withdrawn) {
                "withdrawn"
            } else {
                "settled"
            };
            plan.staff(
                "terminate",
                decided,
                vec![
                    ("termination_reason", json!(spec.summary)),
                    ("terminated_on", day(decided)),
                    ("decision_type", json!(kind)),
                    ("decision_no", json!(number.replace("决字", "终字"))),
                    ("served_on", day(served)),
                    ("service_method", json!(method)),
                ],
            )
        }
    }
    (plan, served)
}

// ---------------------------------------------------------------------------------------------
// 行政应诉 (司法局)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Defendant {
    name: &'static str,
    head_post: &'static str,
    /// A county-level government: first instance at the intermediate court.
    government: bool,
}

const GOV: Defendant = Defendant {
    name: "大连市旅顺口区人民政府",
    head_post: "副区长",
    government: true,
};
const ZFB: Defendant = Defendant {
    name: "大连市旅顺口区人民政府办公室",
    head_post: "副主任",
    government: false,
};
const ZJJ: Defendant = Defendant {
    name: "大连市旅顺口区住房和城乡建设局",
    head_post: "副局长",
    government: false,
};
const ZRZY: Defendant = Defendant {
    name: "大连市自然资源局旅顺口分局",
    head_post: "副局长",
    government: false,
};
const SCJG: Defendant = Defendant {
    name: "大连市旅顺口区市场监督管理局",
    head_post: "副局长",
    government: false,
};
const ZHZF: Defendant = Defendant {
    name: "大连市旅顺口区综合行政执法局",
    head_post: "局长",
    government: false,
};
const RSJ: Defendant = Defendant {
    name: "大连市旅顺口区人力资源和社会保障局",
    head_post: "副局长",
    government: false,
};
const NYJ: Defendant = Defendant {
    name: "大连市旅顺口区农业农村局",
    head_post: "副局长",
    government: false,
};
const SSY: Defendant = Defendant {
    name: "大连市旅顺口区水师营街道办事处",
    head_post: "副主任",
    government: false,
};
const SJB: Defendant = Defendant {
    name: "大连市旅顺口区三涧堡街道办事处",
    head_post: "主任",
    government: false,
};
const GR: Defendant = Defendant {
    name: "大连市旅顺口区光荣街道办事处",
    head_post: "副主任",
    government: false,
};

fn defendants_for(category: &str) -> &'static [Defendant] {
    match category {
        "expropriation" => &[GOV, GOV, ZJJ],
        "coercion" => &[SSY, SJB, ZHZF],
        "penalty" => &[SCJG, ZHZF, ZHZF],
        "licensing" => &[ZRZY, ZJJ],
        "registration" => &[ZRZY],
        "inaction" => &[RSJ, NYJ, GOV],
        "disclosure" => &[ZFB, GOV],
        _ => &[ZJJ, GR],
    }
}

/// The act challenged and the claims, by category.
fn suit_texts(g: &mut Gen, category: &str, defendant: &Defendant, year: i32) -> (String, String) {
    let d = defendant.name;
    let (act, claims) = match category {
        "expropriation" => (
            format!(
                "{d}作出的{{project}}房屋征收补偿决定（旅政征补字〔{{year}}〕{{n}}号），对原告位于征收范围内的房屋作出补偿"
            ),
            "请求撤销被告作出的房屋征收补偿决定",
        ),
        "coercion" => (
            format!("{d}组织对原告位于{{village}}的房屋及地上附着物实施强制拆除的行为"),
            "请求确认被告强制拆除行为违法，并赔偿原告各项损失",
        ),
        "penalty" => (
            format!("{d}作出的行政处罚决定（罚款及没收违法所得），认定原告存在违法经营行为"),
            "请求撤销被告作出的行政处罚决定",
        ),
        "licensing" => (
            format!("{d}向第三人{{company}}核发的建设工程规划许可证"),
            "请求撤销被告核发的建设工程规划许可证",
        ),
        "registration" => (
            format!("{d}为第三人办理的涉案房屋不动产转移登记"),
            "请求撤销被告为第三人办理的不动产转移登记",
        ),
        "inaction" => (
            format!("原告举报、申请后，{d}未依法履行查处、处理职责"),
            "请求判令被告依法履行法定职责",
        ),
        "disclosure" => (
            format!("{d}作出的政府信息公开申请答复（旅政办依申复〔{{year}}〕{{n}}号）"),
            "请求撤销被告作出的答复，判令被告重新答复",
        ),
        _ => (
            format!("{d}与原告签订的征收补偿安置协议的履行行为"),
            "请求判令被告继续履行安置补偿协议，交付安置房屋",
        ),
    };
    let act = g.fill(&act, year + 1);
    (act, claims.to_string())
}

#[derive(Clone, Copy)]
struct Judgment {
    kind: &'static str,
    grounds: &'static [&'static str],
    on: NaiveDate,
}

#[derive(Clone, Copy)]
struct Appeal {
    appellant: &'static str,
    filed: NaiveDate,
    result: Judgment,
}

struct Suit {
    filed: NaiveDate,
    category: &'static str,
    defendant: Defendant,
    after_reconsideration: bool,
    plaintiff: Option<Value>,
    first: Judgment,
    appeal: Option<Appeal>,
    /// Registered only at second instance (the first was not in the system).
    at_second_instance: bool,
}

const LOSSES: &[&str] = &[
    "revoke",
    "partial_revoke",
    "confirm_illegal",
    "confirm_void",
    "order_performance",
    "change",
    "compensation",
];

fn litigation(
    g: &mut Gen,
    office: &Arc<Office>,
    chain: &Chain,
    reconsideration_served: NaiveDate,
    plans: &mut Vec<Plan>,
) {
    let mut suits: Vec<Suit> = Vec::new();
    // ---- decided in 2018 (filed from the autumn of 2017): 54 matters, 32 losses, 7 of
    // them on procedural grounds.
    type Row = (
        &'static str,
        (&'static str, &'static [&'static str]),
        Option<(&'static str, &'static str, &'static [&'static str])>,
        usize,
    );
    const IP: &[&str] = &["illegal_procedure"];
    const IE: &[&str] = &["insufficient_evidence"];
    const WL: &[&str] = &["wrong_law"];
    const CI: &[&str] = &["clearly_improper"];
    const BA: &[&str] = &["beyond_authority"];
    const NONE: &[&str] = &[];
    let rows: &[Row] = &[
        // procedural losses (7)
        ("coercion", ("confirm_illegal", IP), None, 2),
        (
            "coercion",
            ("confirm_illegal", IP),
            Some(("agency", "confirm_illegal", IP)),
            1,
        ),
        ("expropriation", ("revoke", IP), None, 1),
        (
            "expropriation",
            ("revoke", IP),
            Some(("agency", "revoke", IP)),
            1,
        ),
        (
            "disclosure",
            ("confirm_illegal", &["minor_procedural"]),
            None,
            1,
        ),
        (
            "penalty",
            ("revoke", &["insufficient_evidence", "illegal_procedure"]),
            None,
            1,
        ),
        // other losses (25)
        ("expropriation", ("revoke", IE), None, 3),
        (
            "expropriation",
            ("revoke", IE),
            Some(("agency", "revoke", IE)),
            1,
        ),
        ("penalty", ("revoke", IE), None, 3),
        ("licensing", ("revoke", WL), None, 2),
        ("registration", ("revoke", WL), None, 1),
        ("coercion", ("confirm_illegal", IE), None, 3),
        ("inaction", ("order_performance", NONE), None, 3),
        ("disclosure", ("order_performance", NONE), None, 1),
        ("coercion", ("compensation", NONE), None, 2),
        ("penalty", ("partial_revoke", CI), None, 1),
        ("penalty", ("change", CI), None, 1),
        ("expropriation", ("partial_revoke", CI), None, 1),
        ("other", ("revoke", BA), None, 2),
        (
            "licensing",
            ("dismiss_claims", NONE),
            Some(("other_party", "revoke", WL)),
            1,
        ),
        // not lost (22)
        ("expropriation", ("dismiss_claims", NONE), None, 3),
        ("penalty", ("dismiss_claims", NONE), None, 2),
        ("licensing", ("dismiss_claims", NONE), None, 1),
        ("registration", ("dismiss_claims", NONE), None, 1),
        ("disclosure", ("dismiss_claims", NONE), None, 1),
        ("inaction", ("dismiss_claims", NONE), None, 1),
        ("other", ("dismiss_claims", NONE), None, 1),
        (
            "expropriation",
            ("dismiss_claims", NONE),
            Some(("other_party", "dismiss_claims", NONE)),
            2,
        ),
        (
            "coercion",
            ("dismiss_claims", NONE),
            Some(("other_party", "dismiss_claims", NONE)),
            1,
        ),
        (
            "penalty",
            ("revoke", IE),
            Some(("agency", "dismiss_claims", NONE)),
            1,
        ),
        ("expropriation", ("ruling_dismiss_suit", NONE), None, 2),
        ("other", ("ruling_dismiss_suit", NONE), None, 1),
        (
            "coercion",
            ("ruling_dismiss_suit", NONE),
            Some(("other_party", "ruling_dismiss_suit", NONE)),
            1,
        ),
        ("penalty", ("ruling_withdrawal", NONE), None, 2),
        ("licensing", ("ruling_withdrawal", NONE), None, 1),
        ("inaction", ("ruling_withdrawal", NONE), None, 1),
    ];
    for &(category, (kind, grounds), appeal, count) in rows {
        for _ in 0..count {
            let defendant = g.pick(defendants_for(category));
            let after = !matches!(category, "expropriation" | "coercion") && g.rng.chance(15);
            let suit = match appeal {
                None => {
                    let on = g.between(ymd(2018, 1, 8), ymd(2018, 12, 21));
                    let lead = if kind.starts_with("ruling") {
                        g.rng.range(30, 100)
                    } else {
                        g.rng.range(50, 165)
                    };
                    Suit {
                        filed: g.workday_back(on - Duration::days(lead)),
                        category,
                        defendant,
                        after_reconsideration: after,
                        plaintiff: None,
                        first: Judgment { kind, grounds, on },
                        appeal: None,
                        at_second_instance: false,
                    }
                }
                Some((appellant, result, result_grounds)) => {
                    let on = g.between(ymd(2018, 1, 15), ymd(2018, 7, 20));
                    let lead = g.rng.range(55, 150);
                    let filed = g.workday_back(on - Duration::days(lead));
                    let wait = g.rng.range(22, 34);
                    let appeal_filed = g.add_days(on, wait);
                    let wait = g.rng.range(40, 78);
                    let judged = g.add_days(appeal_filed, wait);
                    Suit {
                        filed,
                        category,
                        defendant,
                        after_reconsideration: after,
                        plaintiff: None,
                        first: Judgment { kind, grounds, on },
                        appeal: Some(Appeal {
                            appellant,
                            filed: appeal_filed,
                            result: Judgment {
                                kind: result,
                                grounds: result_grounds,
                                on: judged,
                            },
                        }),
                        at_second_instance: false,
                    }
                }
            };
            suits.push(suit);
        }
    }
    // ---- 2019: eleven first-instance filings and nine at second instance.
    let j = |kind: &'static str, grounds: &'static [&'static str], on: NaiveDate| Judgment {
        kind,
        grounds,
        on,
    };
    // The disclosure matter, after reconsideration (the same applicant as the request).
    let wait = g.rng.range(8, 13);
    let filed = g.add_days(reconsideration_served, wait);
    let judged = g.workday(ymd(2019, 10, 15));
    suits.push(Suit {
        filed,
        category: "disclosure",
        defendant: ZFB,
        after_reconsideration: true,
        plaintiff: Some(chain.applicant.clone()),
        first: j("dismiss_claims", NONE, judged),
        appeal: None,
        at_second_instance: false,
    });
    let mut add = |g: &mut Gen,
                   filed: NaiveDate,
                   category: &'static str,
                   defendant: Defendant,
                   first: Judgment,
                   appeal: Option<Appeal>| {
        suits.push(Suit {
            filed: g.workday(filed),
            category,
            defendant,
            after_reconsideration: false,
            plaintiff: None,
            first,
            appeal,
            at_second_instance: false,
        });
    };
    let w = |g: &mut Gen, y: i32, m: u32, d: u32| g.workday(ymd(y, m, d));
    let (a, b, c) = (w(g, 2019, 5, 20), w(g, 2019, 6, 17), w(g, 2019, 9, 5));
    add(
        g,
        ymd(2019, 1, 21),
        "penalty",
        SCJG,
        j("revoke", IE, a),
        Some(Appeal {
            appellant: "agency",
            filed: b,
            result: j("revoke", IE, c),
        }),
    );
    let (a, b, c) = (w(g, 2019, 6, 24), w(g, 2019, 7, 22), w(g, 2019, 10, 11));
    add(
        g,
        ymd(2019, 2, 25),
        "expropriation",
        GOV,
        j("confirm_illegal", IP, a),
        Some(Appeal {
            appellant: "other_party",
            filed: b,
            result: j("confirm_illegal", IP, c),
        }),
    );
    let a = w(g, 2019, 8, 12);
    add(
        g,
        ymd(2019, 3, 18),
        "coercion",
        SSY,
        j("confirm_illegal", IP, a),
        None,
    );
    let (a, b, c) = (w(g, 2019, 8, 26), w(g, 2019, 10, 28), w(g, 2020, 1, 14));
    add(
        g,
        ymd(2019, 4, 15),
        "licensing",
        ZRZY,
        j("dismiss_claims", NONE, a),
        Some(Appeal {
            appellant: "other_party",
            filed: b,
            result: j("dismiss_claims", NONE, c),
        }),
    );
    let a = w(g, 2019, 9, 16);
    add(
        g,
        ymd(2019, 5, 13),
        "inaction",
        RSJ,
        j("order_performance", NONE, a),
        None,
    );
    let a = w(g, 2019, 7, 29);
    add(
        g,
        ymd(2019, 6, 10),
        "registration",
        ZRZY,
        j("ruling_withdrawal", NONE, a),
        None,
    );
    let a = w(g, 2019, 11, 18);
    add(
        g,
        ymd(2019, 7, 15),
        "penalty",
        ZHZF,
        j("dismiss_claims", NONE, a),
        None,
    );
    let a = w(g, 2019, 11, 25);
    add(
        g,
        ymd(2019, 8, 5),
        "disclosure",
        ZFB,
        j("confirm_illegal", &["minor_procedural"], a),
        None,
    );
    let a = w(g, 2020, 3, 16);
    add(
        g,
        ymd(2019, 10, 14),
        "expropriation",
        GOV,
        j("dismiss_claims", NONE, a),
        None,
    );
    let a = w(g, 2020, 4, 20);
    add(
        g,
        ymd(2019, 11, 11),
        "other",
        ZJJ,
        j("ruling_dismiss_suit", NONE, a),
        None,
    );
    // 2018 first-instance matters appealed in 2019.
    let (a, b, c) = (w(g, 2018, 12, 10), w(g, 2019, 1, 14), w(g, 2019, 4, 4));
    add(
        g,
        ymd(2018, 7, 9),
        "penalty",
        SCJG,
        j("revoke", IP, a),
        Some(Appeal {
            appellant: "agency",
            filed: b,
            result: j("revoke", IP, c),
        }),
    );
    let (a, b, c) = (w(g, 2019, 1, 14), w(g, 2019, 2, 18), w(g, 2019, 5, 6));
    add(
        g,
        ymd(2018, 8, 20),
        "licensing",
        ZJJ,
        j("dismiss_claims", NONE, a),
        Some(Appeal {
            appellant: "other_party",
            filed: b,
            result: j("dismiss_claims", NONE, c),
        }),
    );
    let (a, b, c) = (w(g, 2019, 1, 21), w(g, 2019, 2, 25), w(g, 2019, 5, 15));
    add(
        g,
        ymd(2018, 9, 10),
        "expropriation",
        GOV,
        j("confirm_illegal", IE, a),
        Some(Appeal {
            appellant: "agency",
            filed: b,
            result: j("confirm_illegal", IE, c),
        }),
    );
    let (a, b, c) = (w(g, 2019, 3, 4), w(g, 2019, 4, 1), w(g, 2019, 6, 17));
    add(
        g,
        ymd(2018, 10, 15),
        "penalty",
        ZHZF,
        j("dismiss_claims", NONE, a),
        Some(Appeal {
            appellant: "other_party",
            filed: b,
            result: j("revoke", WL, c),
        }),
    );
    let (a, b, c) = (w(g, 2019, 4, 8), w(g, 2019, 5, 6), w(g, 2019, 7, 22));
    add(
        g,
        ymd(2018, 11, 12),
        "registration",
        ZRZY,
        j("dismiss_claims", NONE, a),
        Some(Appeal {
            appellant: "other_party",
            filed: b,
            result: j("dismiss_claims", NONE, c),
        }),
    );
    // A matter whose first instance (before the system) is registered at second instance.
    let (a, b, c) = (w(g, 2019, 4, 22), w(g, 2019, 5, 27), w(g, 2019, 8, 12));
    suits.push(Suit {
        filed: w(g, 2018, 12, 3),
        category: "other",
        defendant: GR,
        after_reconsideration: false,
        plaintiff: None,
        first: j("revoke", BA, a),
        appeal: Some(Appeal {
            appellant: "agency",
            filed: b,
            result: j("revoke", BA, c),
        }),
        at_second_instance: true,
    });

    suits.sort_by_key(|s| s.filed);
    for suit in &suits {
        plans.push(suit_plan(g, office, suit));
    }
}

fn court_of(defendant: &Defendant, appeal: bool) -> (&'static str, &'static str) {
    match (defendant.government, appeal) {
        (true, false) => ("大连市中级人民法院", "辽02行初"),
        (true, true) => ("辽宁省高级人民法院", "辽行终"),
        (false, false) => ("大连市旅顺口区人民法院", "辽0212行初"),
        (false, true) => ("大连市中级人民法院", "辽02行终"),
    }
}

fn hearing_fields(g: &mut Gen, defendant: &Defendant, on: NaiveDate) -> Vec<(&'static str, Value)> {
    let attended = g.rng.chance(if on.year() >= 2019 { 62 } else { 45 });
    let staff = format!(
        "{}（法制工作人员）、{}（{}律师，政府法律顾问）",
        g.name(),
        g.name(),
        g.pick(LAW_FIRMS)
    );
    let mut fields = vec![
        ("hearing_on", day(on)),
        ("head_attended", json!(attended)),
        ("appearing_staff", json!(staff)),
    ];
    if attended {
        fields.push(("head_name", json!(g.name())));
        fields.push(("head_post", json!(defendant.head_post)));
    } else {
        let reason = g.pick(&[
            "负责人因出席全区安全生产工作会议不能出庭，已委托工作人员出庭并提交加盖印章的情况说明。",
            "负责人因公出差不能出庭，已提交加盖印章的书面说明。",
            "负责人因参加防汛值班不能出庭，已委托相应工作人员出庭。",
        ]);
        fields.push(("absence_reason", json!(reason)));
    }
    fields
}

fn suit_plan(g: &mut Gen, office: &Arc<Office>, suit: &Suit) -> Plan {
    let mut plan = Plan::new("litigation", office);
    let year = suit.filed.year();
    let plaintiff = suit.plaintiff.clone().unwrap_or_else(|| {
        if g.rng.chance(80) {
            g.person()
        } else {
            g.company()
        }
    });
    let (mut act, claims) = suit_texts(g, suit.category, &suit.defendant, year);
    if suit.after_reconsideration {
        act.push_str("，经行政复议维持");
    }
    let (court, court_prefix) = court_of(&suit.defendant, false);
    let case_no = format!("（{year}）{court_prefix}{}号", g.rng.range(6, 240));
    let third_party =
        matches!(suit.category, "licensing" | "registration").then(|| json!(g.company_name()));
    let first = suit.first;
    let ruling = first.kind.starts_with("ruling");
    let grounds = |grounds: &[&str]| {
        if grounds.is_empty() {
            Value::Null
        } else {
            json!(grounds)
        }
    };
    let judgment_served = g.later(first.on, 3, 7);
    if suit.at_second_instance {
        let appeal = suit.appeal.expect("a second-instance matter has an appeal");
        let (appeal_court, appeal_prefix) = court_of(&suit.defendant, true);
        plan.staff(
            "register_appeal_case",
            g.later(appeal.filed, 2, 6),
            vec![
                ("plaintiff", plaintiff),
                ("act_category", json!(suit.category)),
                ("act_description", json!(act)),
                ("after_reconsideration", json!(suit.after_reconsideration)),
                ("claims", json!(claims)),
                ("court", json!(court)),
                ("case_no", json!(case_no)),
                ("filed_on", day(suit.filed)),
                ("judgment_type", json!(first.kind)),
                ("judgment_grounds", grounds(first.grounds)),
                ("judgment_on", day(first.on)),
                ("judgment_served_on", day(judgment_served)),
                ("judgment_no", json!(case_no)),
                ("appellant", json!(appeal.appellant)),
                ("appeal_filed_on", day(appeal.filed)),
                ("appeal_court", json!(appeal_court)),
                (
                    "appeal_case_no",
                    json!(format!(
                        "（{}）{appeal_prefix}{}号",
                        appeal.filed.year(),
                        g.rng.range(20, 480)
                    )),
                ),
            ],
        );
    } else {
        let served = g.later(suit.filed, 3, 8);
        plan.staff(
            "register",
            served,
            vec![
                ("plaintiff", plaintiff),
                ("court", json!(court)),
                ("case_no", json!(case_no)),
                ("filed_on", day(suit.filed)),
                ("act_category", json!(suit.category)),
                ("act_description", json!(act)),
                ("after_reconsideration", json!(suit.after_reconsideration)),
                ("claims", json!(claims)),
                ("third_party", third_party.unwrap_or(Value::Null)),
            ],
        );
        plan.staff("complaint_served", served, vec![("served_on", day(served))]);
        let evidence = g.later(served, 5, 10);
        plan.staff(
            "file_evidence",
            evidence,
            vec![
                ("evidence_filed_on", day(evidence)),
                ("defence_filed_on", day(evidence)),
            ],
        );
        let latest = g.workday_back(first.on - Duration::days(3));
        let heard = if latest > evidence + Duration::days(10) {
            g.between(evidence + Duration::days(10), latest)
        } else {
            latest.max(evidence)
        };
        if !(ruling && first.kind == "ruling_withdrawal" && g.rng.chance(50)) {
            let fields = hearing_fields(g, &suit.defendant, heard);
            plan.staff("record_hearing", heard, fields);
        }
        plan.staff(
            if ruling {
                "first_instance_ruling"
            } else {
                "first_instance_judgment"
            },
            judgment_served,
            vec![
                ("judgment_type", json!(first.kind)),
                (
                    "judgment_grounds",
                    if ruling {
                        Value::Null
                    } else {
                        grounds(first.grounds)
                    },
                ),
                ("judgment_on", day(first.on)),
                ("judgment_served_on", day(judgment_served)),
                ("judgment_no", json!(case_no)),
            ],
        );
        let window_end = g.period_end(judgment_served, if ruling { 10 } else { 15 });
        match suit.appeal {
            Some(appeal) => {
                if appeal.filed > window_end {
                    // The appeal was lodged in time; the court's 立案 came after the window,
                    // by when the system had recorded the judgment as final.
                    plan.system("judgment_final", window_end + Duration::days(1));
                }
                let (appeal_court, appeal_prefix) = court_of(&suit.defendant, true);
                plan.staff(
                    "register_appeal",
                    appeal.filed,
                    vec![
                        ("appellant", json!(appeal.appellant)),
                        ("appeal_filed_on", day(appeal.filed)),
                        ("appeal_court", json!(appeal_court)),
                        (
                            "appeal_case_no",
                            json!(format!(
                                "（{}）{appeal_prefix}{}号",
                                appeal.filed.year(),
                                g.rng.range(20, 480)
                            )),
                        ),
                    ],
                );
            }
            None => plan.system("judgment_final", window_end + Duration::days(1)),
        }
    }
    let effective = match suit.appeal {
        Some(appeal) => {
            let result = appeal.result;
            let latest = g.workday_back(result.on - Duration::days(3));
            if g.rng.chance(60) && latest > appeal.filed + Duration::days(20) {
                let heard = g.between(appeal.filed + Duration::days(20), latest);
                let fields = hearing_fields(g, &suit.defendant, heard);
                plan.staff("record_appeal_hearing", heard, fields);
            }
            let served = g.later(result.on, 3, 8);
            let (_, appeal_prefix) = court_of(&suit.defendant, true);
            plan.staff(
                "second_instance_judgment",
                served,
                vec![
                    ("appeal_judgment_type", json!(result.kind)),
                    ("appeal_judgment_grounds", grounds(result.grounds)),
                    ("appeal_judged_on", day(result.on)),
                    ("appeal_judgment_served_on", day(served)),
                    (
                        "appeal_judgment_no",
                        json!(format!(
                            "（{}）{appeal_prefix}{}号",
                            result.on.year(),
                            g.rng.range(20, 480)
                        )),
                    ),
                ],
            );
            result
        }
        None => first,
    };
    let lost = LOSSES.contains(&effective.kind);
    let done = plan.last_on();
    if lost {
        let performed = g.later(done, 10, 45);
        let note = match effective.kind {
            "revoke" | "partial_revoke" => {
                "被告已按照生效裁判重新调查，并在法定期限内重新作出行政行为。"
            }
            "order_performance" => "被告已按照生效裁判履行法定职责并书面答复原告。",
            "compensation" => "被告已按照生效裁判向原告支付赔偿款。",
            "change" => "被告已按照生效裁判变更处罚数额并退还多收罚款。",
            _ => "被告已组织整改，完善执法程序，并向原告送达情况说明。",
        };
        plan.staff(
            "record_performance",
            performed,
            vec![
                ("performance_status", json!("performed")),
                ("performed_on", day(performed)),
                ("performance_note", json!(note)),
            ],
        );
    } else {
        let on = g.later(done, 1, 5);
        plan.staff(
            "record_performance",
            on,
            vec![("performance_status", json!("not_required"))],
        );
    }
    let closed = g.later(plan.last_on(), 0, 6);
    plan.staff("close", closed, vec![]);
    plan
}
