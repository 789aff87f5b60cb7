//! The demo district's penalty cases (行政执法, issue 5 item 7), as the district's 2019
//! rule-of-law report describes them (shared/seed/report-2019.zh.txt, (四) and (五)): a year of
//! penalty cases under the three systems (公示、全过程记录、重大执法决定法制审核 — with failed
//! reviews for each of the six defects the district's rule names), the special rectification of
//! special-equipment hazards (23 hazards found and fixed at the 14 gas-filling companies) and a
//! batch of case-file evaluations. The enforcement bodies, their officers' certificates and the
//! published list of enforcement items are demo lines (procedures/enforcement_body,
//! enforcement_certificate and enforcement_item: demo.toml), loaded before these; the penalty
//! cases name the officers of those certificates. What is left here is still to move into demo
//! lines (issue 13, item 6).
//!
//! Every record is synthetic: people, ID numbers, credit codes, companies and texts come from a
//! fixed-seed generator (valid in form, check characters included, fictitious). Every record is
//! made through the engine's own actions, dated in the past, so histories, clocks, case numbers
//! and the event log are the ones real work would leave.
//!
//! Dates: the enforcement definitions are effective 2021-07-15 (行政处罚法 as revised in 2021).
//! The records are dated 2019, the report's year, like the rest of the demo; the registry gives
//! the first version of a procedure for dates before it took effect, so these 2019 cases run
//! under the 2021 definitions. The texts cite the law as it stood in 2019 (e.g. 行政处罚法
//! (2017) 第二十七条 for 不予处罚).

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Duration, NaiveDate};
use fazhi_app::App;
use fazhi_app::cases::Opening;
use fazhi_app::district::synthetic::{FIRM_WORDS, Gen, Profile, ROADS, STREETS, day, ymd, zh_date};
use fazhi_core::authz::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, ClockStatus, Command};
use fazhi_core::org::{DepartmentKind, Grant, Role};
use fazhi_core::procedure::Registry;
use fazhi_core::region::RegionCode;
use fazhi_store::Store;
use fazhi_store::cases::StoredCase;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const ACTOR: &str = "system:demo";
const YEAR: i32 = 2019;
const CERTIFICATE: &str = "enforcement_certificate";
const PENALTY: &str = "administrative_penalty";
const EVALUATION: &str = "case_file_evaluation";

/// What was seeded, read back from the stored cases.
#[derive(Debug, Default)]
pub struct EnforcementSummary {
    /// Enforcement departments added to the store (those the caller did not have).
    pub departments_added: usize,
    pub penalties: usize,
    pub penalties_closed: usize,
    pub penalties_transferred: usize,
    /// Decisions with a fine.
    pub penalties_fined: usize,
    /// Decisions not to penalise (the special rectification's files among them).
    pub penalties_not_penalised: usize,
    pub penalties_major: usize,
    pub reviews_failed: usize,
    /// Failed legal reviews by defect code.
    pub defects: BTreeMap<String, usize>,
    /// Decisions published after the 7-working-day limit.
    pub published_late: usize,
    pub decisions_changed: usize,
    pub gas_companies: usize,
    pub gas_hazards: usize,
    pub evaluations: usize,
    /// Evaluations by grade code.
    pub grades: BTreeMap<String, usize>,
    pub cases: usize,
    pub steps: usize,
    pub elapsed: std::time::Duration,
}

impl std::fmt::Display for EnforcementSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "虚构的 2019 年行政处罚示例记录 / synthetic 2019 penalty records: {} cases, {} steps in {:.1}s \
             (行政处罚 {}: 结案 {}、移送司法 {}、罚款 {}、不予处罚 {}、重大 {}、法制审核未通过 {}、逾期公示 {}、决定变更 {}; \
             特种设备专项整治: 气体充装企业 {} 家、隐患 {} 处（以不予处罚的处罚案件记录）; 案卷评查 {})",
            self.cases,
            self.steps,
            self.elapsed.as_secs_f64(),
            self.penalties,
            self.penalties_closed,
            self.penalties_transferred,
            self.penalties_fined,
            self.penalties_not_penalised,
            self.penalties_major,
            self.reviews_failed,
            self.published_late,
            self.decisions_changed,
            self.gas_companies,
            self.gas_hazards,
            self.evaluations,
        )
    }
}

/// Seeds the enforcement records of `region` (the demo district). `departments` are the
/// region's departments the caller made, as (code, id, name); the justice bureau (`sfj`) and
/// the enforcement bodies missing from it (by code) are looked up in the store and otherwise
/// added. Fails on the first refused step.
// Until demo.rs calls it (another change), only the tests do.
pub async fn seed_enforcement(
    app: &App,
    region: &RegionCode,
    departments: &[(String, String, String)],
) -> Result<EnforcementSummary> {
    let started = std::time::Instant::now();
    let (store, registry) = (app.store(), &**app.procedures());
    let calendar = &*app.calendar();
    let (justice_id, body_ids, added) = ensure_departments(store, region, departments).await?;
    let today = store.today();
    let mut g = Gen::new(0x0e4f_2019_0212_5eed, calendar, PEOPLE);

    // The officers: the certificates of each body, as the demo lines made them
    // (procedures/enforcement_certificate/demo.toml); those not in force are named on no case.
    let certificates = store.cases_in(region, &[CERTIFICATE]).await?;
    let mut bodies = Vec::new();
    for (spec, id) in BODIES.iter().zip(&body_ids) {
        let mut officers: Vec<Officer> = certificates
            .iter()
            .filter(|c| c.case.department.as_deref() == Some(id.as_str()))
            .filter_map(|c| {
                Some(Officer {
                    name: c
                        .case
                        .fields
                        .get("holder")?
                        .get("name")?
                        .as_str()?
                        .to_string(),
                    number: c.number.clone()?,
                    usable: c.case.state == "valid",
                })
            })
            .collect();
        officers.sort_by(|a, b| a.number.cmp(&b.number));
        anyhow::ensure!(
            officers.iter().filter(|o| o.usable).count() >= 2,
            "{}: fewer than two officers with a certificate in force",
            spec.name
        );
        bodies.push(BodyInfo {
            spec,
            id: id.clone(),
            officers,
        });
    }
    let ctx = Arc::new(Ctx::new(region, &justice_id, &bodies)?);
    let world = World {
        justice_id: justice_id.clone(),
        bodies,
    };
    let mut steps = 0;
    let mut cases = 0;

    // Phase 2: the year's penalty cases (the certificates they name now exist).
    let mut plans = Vec::new();
    let specs = penalty_plans(&mut g, &world, &mut plans)?;
    steps += plans.iter().map(|p| p.steps.len()).sum::<usize>();
    cases += plans.len();
    let penalties = execute(app, &ctx, plans).await?;

    // Phase 3: the evaluation of some of their files.
    let mut plans = Vec::new();
    evaluation_plans(&mut g, &world, &specs, &penalties, &mut plans)?;
    steps += plans.iter().map(|p| p.steps.len()).sum::<usize>();
    cases += plans.len();
    let evaluations = execute(app, &ctx, plans).await?;

    let all: Vec<StoredCase> = penalties.into_iter().chain(evaluations).collect();
    let mut summary = summarise(registry, calendar, today, &all, &specs)?;
    summary.departments_added = added;
    summary.cases = cases;
    summary.steps = steps;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Departments and the people who act
// ---------------------------------------------------------------------------------------------

/// The district's enforcement bodies, as their penalty cases name them (the bodies themselves
/// are demo lines: procedures/enforcement_body/demo.toml, departments in demo/district.toml).
struct BodySpec {
    code: &'static str,
    /// The department's name in the console.
    name: &'static str,
    /// Prefix of its decision numbers.
    abbr: &'static str,
    field: &'static str,
}

const BODIES: &[BodySpec] = &[
    BodySpec {
        code: "scjgj",
        name: "旅顺口区市场监督管理局",
        abbr: "旅市监",
        field: "market",
    },
    BodySpec {
        code: "zhzfj",
        name: "旅顺口区综合行政执法局",
        abbr: "旅综执",
        field: "urban",
    },
    BodySpec {
        code: "sthjfj",
        name: "大连市生态环境局旅顺口分局",
        abbr: "大环旅",
        field: "ecology",
    },
    BodySpec {
        code: "yjglj",
        name: "旅顺口区应急管理局",
        abbr: "旅应急",
        field: "emergency",
    },
    BodySpec {
        code: "whlyj",
        name: "旅顺口区文化旅游局",
        abbr: "旅文旅",
        field: "culture",
    },
    BodySpec {
        code: "jtysj",
        name: "旅顺口区交通运输局",
        abbr: "旅交",
        field: "transport",
    },
    BodySpec {
        code: "nyncj",
        name: "旅顺口区农业农村局",
        abbr: "旅农",
        field: "agriculture",
    },
    BodySpec {
        code: "zrzyfj",
        name: "大连市自然资源局旅顺口分局",
        abbr: "大自然旅",
        field: "natural_resources",
    },
    BodySpec {
        code: "wsjkj",
        name: "旅顺口区卫生健康局",
        abbr: "旅卫",
        field: "health",
    },
    BodySpec {
        code: "zjj",
        name: "旅顺口区住房和城乡建设局",
        abbr: "旅住建",
        field: "housing",
    },
];

/// Finds the justice bureau and the enforcement bodies by code (in `departments`, then in the
/// store), adding those missing. Returns the bureau's id, the bodies' ids (in `BODIES` order)
/// and how many departments were added.
async fn ensure_departments(
    store: &Store,
    region: &RegionCode,
    departments: &[(String, String, String)],
) -> Result<(String, Vec<String>, usize)> {
    let mut known: Vec<(String, String)> = departments
        .iter()
        .map(|(code, id, _)| (code.clone(), id.clone()))
        .collect();
    for d in store.departments(Some(region)).await? {
        if !known.iter().any(|(c, _)| *c == d.code) {
            known.push((d.code, d.id));
        }
    }
    let wanted = std::iter::once(("sfj", "旅顺口区司法局", DepartmentKind::Department)).chain(
        BODIES
            .iter()
            .map(|b| (b.code, b.name, DepartmentKind::EnforcementBody)),
    );
    let mut added = 0;
    let mut ids = Vec::new();
    for (code, name, kind) in wanted {
        let id = match known.iter().find(|(c, _)| c == code) {
            Some((_, id)) => id.clone(),
            None => {
                let d = store
                    .add_department(ACTOR, region, code, name, kind)
                    .await?;
                known.push((code.to_string(), d.id.clone()));
                added += 1;
                d.id
            }
        };
        ids.push(id);
    }
    let justice = ids.remove(0);
    Ok((justice, ids, added))
}

struct Officer {
    name: String,
    number: String,
    /// Not suspended or expired: may be named on cases.
    usable: bool,
}

struct BodyInfo {
    spec: &'static BodySpec,
    id: String,
    officers: Vec<Officer>,
}

impl BodyInfo {
    fn usable(&self) -> Vec<usize> {
        (0..self.officers.len())
            .filter(|k| self.officers[*k].usable)
            .collect()
    }
}

/// What plans are made from.
struct World {
    justice_id: String,
    bodies: Vec<BodyInfo>,
}

impl World {
    fn body(&self, code: &str) -> usize {
        self.bodies
            .iter()
            .position(|b| b.spec.code == code)
            .expect("a body of BODIES")
    }
}

/// Who takes a step.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// An enforcement officer of a body (body, officer).
    Officer(usize, usize),
    /// department_staff of a body (its legal affairs section).
    Staff(usize),
    /// justice_staff of the justice bureau.
    Justice,
    /// legal_reviewer, region-wide.
    Reviewer,
    System,
}

/// The principals, made in code (the demo's logins stay one per role).
struct Ctx {
    region: RegionCode,
    officers: Vec<Vec<Principal>>,
    staff: Vec<Principal>,
    justice: Principal,
    reviewer: Principal,
}

fn principal(
    name: &str,
    role: Role,
    region: &RegionCode,
    department: Option<&str>,
) -> Result<Principal> {
    Ok(Principal {
        user_id: name.to_string(),
        user_name: name.to_string(),
        grants: vec![Grant::new(
            role,
            region.clone(),
            department.map(str::to_string),
        )?],
    })
}

impl Ctx {
    fn new(region: &RegionCode, justice_id: &str, bodies: &[BodyInfo]) -> Result<Ctx> {
        let mut officers = Vec::new();
        let mut staff = Vec::new();
        for b in bodies {
            let mut list = Vec::new();
            for o in &b.officers {
                list.push(principal(
                    &format!("示例·{}（{}执法人员）", o.name, b.spec.name),
                    Role::EnforcementOfficer,
                    region,
                    Some(&b.id),
                )?);
            }
            officers.push(list);
            staff.push(principal(
                &format!("示例·{}法制科", b.spec.name),
                Role::DepartmentStaff,
                region,
                Some(&b.id),
            )?);
        }
        Ok(Ctx {
            region: region.clone(),
            officers,
            staff,
            justice: principal(
                "示例·旅顺口区司法局行政执法协调监督科",
                Role::JusticeStaff,
                region,
                Some(justice_id),
            )?,
            reviewer: principal(
                "示例·旅顺口区司法局法制审核员",
                Role::LegalReviewer,
                region,
                Some(justice_id),
            )?,
        })
    }

    fn actor(&self, who: Who) -> Actor<'_> {
        match who {
            Who::Officer(b, k) => Actor::User(&self.officers[b][k]),
            Who::Staff(b) => Actor::User(&self.staff[b]),
            Who::Justice => Actor::User(&self.justice),
            Who::Reviewer => Actor::User(&self.reviewer),
            Who::System => Actor::System,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plans and their execution
// ---------------------------------------------------------------------------------------------

type Fields = BTreeMap<String, Value>;

/// A step's fields as written in a plan.
type Pairs = Vec<(&'static str, Value)>;

/// A later step: (date, action, who, fields).
type Later = (NaiveDate, &'static str, Who, Pairs);

struct Step {
    action: &'static str,
    on: NaiveDate,
    who: Who,
    fields: Fields,
}

/// One case's history: its first step opens it, the others follow in order.
struct Plan {
    procedure: &'static str,
    department: String,
    steps: Vec<Step>,
}

fn fields(pairs: Vec<(&str, Value)>) -> Fields {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

impl Plan {
    fn new(procedure: &'static str, department: &str) -> Plan {
        Plan {
            procedure,
            department: department.to_string(),
            steps: Vec::new(),
        }
    }

    fn last_on(&self) -> NaiveDate {
        self.steps.last().map(|s| s.on).unwrap_or(NaiveDate::MIN)
    }

    /// A step; dates never go backwards.
    fn push(&mut self, action: &'static str, on: NaiveDate, who: Who, pairs: Vec<(&str, Value)>) {
        let on = on.max(self.last_on());
        self.steps.push(Step {
            action,
            on,
            who,
            fields: fields(pairs),
        });
    }

    fn index_of(&self, action: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.action == action)
    }
}

/// Runs the plans: cases are opened in date order per procedure (so that case numbers follow
/// the dates), the later steps of many cases run concurrently (the store group-commits them).
/// Returns each plan's case as it ends, in the order of `plans`.
async fn execute(app: &App, ctx: &Arc<Ctx>, plans: Vec<Plan>) -> Result<Vec<StoredCase>> {
    let n = plans.len();
    let mut streams: BTreeMap<&'static str, Vec<(usize, Plan)>> = BTreeMap::new();
    for (i, plan) in plans.into_iter().enumerate() {
        anyhow::ensure!(!plan.steps.is_empty(), "a plan without steps");
        streams.entry(plan.procedure).or_default().push((i, plan));
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(64));
    let mut openers = Vec::new();
    for (_, mut list) in streams {
        list.sort_by_key(|(i, p)| (p.steps[0].on, *i));
        let app = app.clone();
        let permits = permits.clone();
        let ctx = ctx.clone();
        openers.push(tokio::spawn(async move {
            let mut followers = Vec::new();
            for (i, plan) in list {
                let permit = permits.clone().acquire_owned().await?;
                let stored = open(&app, &ctx, &plan).await?;
                let app = app.clone();
                let ctx = ctx.clone();
                followers.push(tokio::spawn(async move {
                    let last = follow(&app, &ctx, plan, stored).await;
                    drop(permit);
                    last.map(|c| (i, c))
                }));
            }
            anyhow::Ok(followers)
        }));
    }
    let mut out: Vec<Option<StoredCase>> = vec![None; n];
    for opener in openers {
        for follower in opener.await?? {
            let (i, case) = follower.await??;
            out[i] = Some(case);
        }
    }
    out.into_iter()
        .map(|c| c.context("a plan that did not run"))
        .collect()
}

fn describe(plan: &Plan, step: &Step) -> String {
    format!(
        "{} {} ({}, {:?})",
        plan.procedure,
        step.action,
        step.on.format("%Y-%m-%d"),
        step.who
    )
}

async fn open(app: &App, ctx: &Ctx, plan: &Plan) -> Result<StoredCase> {
    let first = &plan.steps[0];
    app.open(Opening {
        procedure: plan.procedure,
        action: Some(first.action),
        actor: ctx.actor(first.who),
        region: &ctx.region,
        department: Some(plan.department.clone()),
        fields: first.fields.clone(),
        on: first.on,
        receipt: None,
    })
    .await
    .map_err(|r| anyhow!("demo case refused: {}: {r}", describe(plan, first)))
}

async fn follow(app: &App, ctx: &Ctx, plan: Plan, mut current: StoredCase) -> Result<StoredCase> {
    for step in plan.steps.iter().skip(1) {
        let command = Command {
            action: step.action.to_string(),
            expected_version: current.case.version,
            fields: step.fields.clone(),
            on: step.on,
        };
        current = app
            .act_on(ctx.actor(step.who), current, command)
            .await
            .map_err(|r| anyhow!("demo step refused: {}: {r}", describe(&plan, step)))?;
    }
    Ok(current)
}

// ---------------------------------------------------------------------------------------------
// The generator (crate::demo_gen), with these records' people
// ---------------------------------------------------------------------------------------------

const PEOPLE: Profile = Profile {
    men: 60,
    person_men: 75,
    born: (1958, 1996),
    villages: 30,
    flats: false,
};

/// A party that is a business: a company (91…) or an individual business (92…), with an
/// address.
fn business(g: &mut Gen, name: String, individual: bool) -> Value {
    let head = if individual {
        "92210212MA0"
    } else {
        "91210212MA0"
    };
    let mut party = g.organisation(name, head);
    party["address"] = json!(g.address());
    party
}

// ---------------------------------------------------------------------------------------------
// 行政处罚 (2019)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum PartyKind {
    Person,
    /// An individual business with this kind of shop (小吃部, 超市, …).
    Shop(&'static str),
    /// A company in this trade.
    Company(&'static str),
}

/// A kind of offence: what the file says. `{name}`, `{addr}`, `{date}`, `{x}`, `{y}`, `{n}` and
/// `{fine}` are filled per case (`x`, `y` and `n` are drawn from their ranges).
struct Offence {
    key: &'static str,
    body: &'static str,
    item: &'static str,
    party: PartyKind,
    source: &'static str,
    facts: &'static str,
    violation: &'static str,
    basis: &'static str,
    content: &'static str,
    kinds: &'static [&'static str],
    x: (i64, i64),
    y: (i64, i64),
    /// The range of `{n}` (a count, an area, a length, as the text says).
    n: (i64, i64),
    /// Fine in yuan: fixed, or (when `fine_x_percent` > 0) that percentage of `x`.
    fine: i64,
    fine_x_percent: i64,
    /// `y` is confiscated.
    confiscate_y: bool,
    major: Option<&'static [&'static str]>,
    evidence: &'static [&'static str],
}

const EV_BASIC: &[&str] = &[
    "inspection_record",
    "party_statement",
    "documentary",
    "audiovisual",
];
const EV_FULL: &[&str] = &[
    "inspection_record",
    "party_statement",
    "documentary",
    "audiovisual",
    "witness",
    "expert_opinion",
];

const OFFENCES: &[Offence] = &[
    Offence {
        key: "food_unlicensed",
        body: "scjgj",
        item: "对未取得食品经营许可从事食品经营活动的行政处罚",
        party: PartyKind::Shop("小吃部"),
        source: "complaint",
        facts: "接群众举报，{date}执法人员对位于{addr}的{name}进行检查，发现当事人未取得食品经营许可证，从事快餐、面食等餐饮服务经营活动，现场货值金额{x}元，经营以来违法所得{y}元。",
        violation: "当事人未取得食品经营许可从事食品经营活动，违反了《中华人民共和国食品安全法》第三十五条第一款的规定。",
        basis: "《中华人民共和国食品安全法》第一百二十二条第一款",
        content: "没收违法所得人民币{y}元，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (800, 3000),
        y: (1200, 4800),
        n: (1, 1),
        fine: 50000,
        fine_x_percent: 0,
        confiscate_y: true,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "food_expired",
        body: "scjgj",
        item: "对经营超过保质期的食品的行政处罚",
        party: PartyKind::Shop("便民超市"),
        source: "inspection",
        facts: "{date}执法人员对{name}（{addr}）进行日常监督检查，发现货架上摆放超过保质期的饮料、糕点等食品共{n}件，货值金额{x}元。",
        violation: "当事人经营超过保质期的食品，违反了《中华人民共和国食品安全法》第三十四条第（十）项的规定。",
        basis: "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
        content: "没收超过保质期的食品，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (200, 1800),
        y: (0, 0),
        n: (8, 40),
        fine: 50000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "tableware",
        body: "scjgj",
        item: "对餐具、饮具使用前未经洗净、消毒的行政处罚",
        party: PartyKind::Shop("饭店"),
        source: "inspection",
        facts: "{date}执法人员对{name}（{addr}）进行检查，发现当事人消毒柜未通电使用，备用餐具、饮具未经消毒即供顾客使用，{date2}复查时仍未改正。",
        violation: "当事人餐具、饮具使用前未经洗净、消毒，经责令改正拒不改正，违反了《中华人民共和国食品安全法》第五十六条第二款的规定。",
        basis: "《中华人民共和国食品安全法》第一百二十六条第一款第（五）项",
        content: "警告，并处罚款人民币{fine}元。",
        kinds: &["warning", "fine"],
        x: (0, 0),
        y: (0, 0),
        n: (1, 1),
        fine: 5000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "price_tags",
        body: "scjgj",
        item: "对经营者不按规定明码标价的行政处罚",
        party: PartyKind::Shop("海鲜排档"),
        source: "complaint",
        facts: "樱花节期间接游客投诉，{date}执法人员对{name}（{addr}）进行检查，发现当事人销售的活海鲜{n}个品种未标示价格，按“时价”向游客收费。",
        violation: "当事人经营的商品未按规定明码标价，违反了《中华人民共和国价格法》第十三条第一款的规定。",
        basis: "《中华人民共和国价格法》第四十二条\n《价格违法行为行政处罚规定》第十三条第（一）项",
        content: "责令改正，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (3, 9),
        fine: 2000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "false_ad",
        body: "scjgj",
        item: "对发布虚假广告的行政处罚",
        party: PartyKind::Company("食品"),
        source: "inspection",
        facts: "{date}执法人员在网络广告监测中发现，{name}在其微信公众号发布的海参制品广告中宣称“降血糖、抗肿瘤”，当事人无法提供证明材料，广告费用{x}元。",
        violation: "当事人发布的广告中含有虚假的产品功效内容，构成虚假广告，违反了《中华人民共和国广告法》第二十八条第二款第（二）项的规定。",
        basis: "《中华人民共和国广告法》第五十五条第一款",
        content: "责令停止发布广告，在相应范围内消除影响，并处广告费用三倍罚款人民币{fine}元。",
        kinds: &["fine", "other"],
        x: (2000, 4000),
        y: (0, 0),
        n: (1, 1),
        fine: 0,
        fine_x_percent: 300,
        confiscate_y: false,
        major: None,
        evidence: &["electronic", "party_statement", "documentary"],
    },
    Offence {
        key: "counterfeit",
        body: "scjgj",
        item: "对销售侵犯注册商标专用权商品的行政处罚",
        party: PartyKind::Shop("烟酒商行"),
        source: "complaint",
        facts: "接商标权利人投诉，{date}执法人员对{name}（{addr}）进行检查，现场查获标有他人注册商标的白酒{n}箱，经权利人鉴定为侵权商品，当事人供述已销售同类商品，销售金额约{x}元。",
        violation: "当事人销售侵犯注册商标专用权的商品，违反了《中华人民共和国商标法》第五十七条第（三）项的规定；销售金额达五万元以上，涉嫌构成销售假冒注册商标的商品罪。",
        basis: "《中华人民共和国商标法》第六十条第二款",
        content: "没收、销毁侵权商品。",
        kinds: &["confiscation"],
        x: (62000, 98000),
        y: (0, 0),
        n: (20, 60),
        fine: 0,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: &[
            "inspection_record",
            "physical",
            "party_statement",
            "expert_opinion",
        ],
    },
    Offence {
        key: "illegal_building",
        body: "zhzfj",
        item: "对未取得建设工程规划许可证进行建设的行政处罚",
        party: PartyKind::Company("旅游开发"),
        source: "referral",
        facts: "区网格化服务管理中心{date}移送线索，当事人在{addr}未取得建设工程规划许可证建设二层钢结构房屋一处，建筑面积{n}平方米，经测算建设工程造价{x}元，尚可采取改正措施消除对规划实施的影响。",
        violation: "当事人未取得建设工程规划许可证进行建设，违反了《中华人民共和国城乡规划法》第四十条第一款的规定。",
        basis: "《中华人民共和国城乡规划法》第六十四条",
        content: "责令限期改正，并处建设工程造价百分之五的罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (1_200_000, 1_900_000),
        y: (0, 0),
        n: (380, 620),
        fine: 0,
        fine_x_percent: 5,
        confiscate_y: false,
        major: Some(&["public_interest", "body_list"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "outdoor_ad",
        body: "zhzfj",
        item: "对擅自设置大型户外广告影响市容的行政处罚",
        party: PartyKind::Company("商贸"),
        source: "inspection",
        facts: "{date}执法人员巡查发现，当事人未经市容环境卫生主管部门同意，在{addr}楼顶擅自设置大型户外广告牌一块，面积约{n}平方米，影响市容。",
        violation: "当事人未经同意擅自设置大型户外广告，影响市容，违反了《城市市容和环境卫生管理条例》第十一条的规定。",
        basis: "《城市市容和环境卫生管理条例》第三十六条第（一）项",
        content: "责令限期拆除，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (40, 90),
        fine: 3000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "construction_waste",
        body: "zhzfj",
        item: "对随意倾倒、抛撒或者堆放建筑垃圾的行政处罚",
        party: PartyKind::Company("物流"),
        source: "complaint",
        facts: "接群众举报，{date}执法人员在{addr}附近路段查获当事人所属渣土运输车辆沿途抛撒建筑垃圾，抛撒长度约{n}米。",
        violation: "当事人随意抛撒建筑垃圾，违反了《城市建筑垃圾管理规定》第十五条的规定。",
        basis: "《城市建筑垃圾管理规定》第二十六条",
        content: "警告，并处罚款人民币{fine}元。",
        kinds: &["warning", "fine"],
        x: (0, 0),
        y: (0, 0),
        n: (150, 600),
        fine: 10000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "bbq",
        body: "zhzfj",
        item: "对在禁止的时段和区域内露天烧烤食品的行政处罚",
        party: PartyKind::Person,
        source: "inspection",
        facts: "{date}晚，执法人员在{addr}附近巡查发现，当事人在区政府划定的禁止露天烧烤区域内设置烧烤炉露天烧烤食品，现场查扣烧烤炉{n}个。",
        violation: "当事人在禁止的区域内露天烧烤食品，违反了《中华人民共和国大气污染防治法》第八十一条第三款的规定。",
        basis: "《中华人民共和国大气污染防治法》第一百一十八条第三款",
        content: "没收烧烤工具，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (0, 0),
        n: (1, 3),
        fine: 500,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "air_emission",
        body: "sthjfj",
        item: "对超过大气污染物排放标准排放大气污染物的行政处罚",
        party: PartyKind::Company("机械制造"),
        source: "inspection",
        facts: "{date}执法人员对当事人位于{addr}的喷涂车间进行现场检查，经监测，排气筒挥发性有机物排放浓度超过《辽宁省挥发性有机物排放标准》规定的限值{n}%。",
        violation: "当事人超过大气污染物排放标准排放大气污染物，违反了《中华人民共和国大气污染防治法》第十八条的规定。",
        basis: "《中华人民共和国大气污染防治法》第九十九条第（二）项",
        content: "责令改正，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (12, 45),
        fine: 100000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: Some(&["public_interest", "body_list"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "no_eia",
        body: "sthjfj",
        item: "对建设项目未依法进行环境影响评价擅自开工建设的行政处罚",
        party: PartyKind::Company("水产养殖"),
        source: "inspection",
        facts: "{date}执法人员现场检查发现，当事人在{addr}建设的海参育苗车间项目未依法报批环境影响报告表即开工建设，主体工程已完工，项目总投资{x}元。",
        violation: "当事人建设项目环境影响报告表未经批准擅自开工建设，违反了《中华人民共和国环境影响评价法》第二十五条的规定。",
        basis: "《中华人民共和国环境影响评价法》第三十一条第一款",
        content: "责令停止建设，并处建设项目总投资额百分之一的罚款人民币{fine}元。",
        kinds: &["fine", "restriction"],
        x: (3_800_000, 6_200_000),
        y: (0, 0),
        n: (1, 1),
        fine: 0,
        fine_x_percent: 1,
        confiscate_y: false,
        major: Some(&["major_rights_after_hearing", "body_list"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "night_noise",
        body: "sthjfj",
        item: "对在噪声敏感建筑物集中区域夜间进行产生环境噪声污染的建筑施工作业的行政处罚",
        party: PartyKind::Company("建筑工程"),
        source: "complaint",
        facts: "接居民投诉，{date}23时许执法人员在{addr}附近施工工地检查，发现当事人未取得夜间施工证明，在居民区夜间进行混凝土浇筑作业，场界噪声超标。",
        violation: "当事人在城市市区噪声敏感建筑物集中区域内夜间进行产生环境噪声污染的建筑施工作业，违反了《中华人民共和国环境噪声污染防治法》第三十条第一款的规定。",
        basis: "《中华人民共和国环境噪声污染防治法》第五十六条",
        content: "责令改正，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (1, 1),
        fine: 8000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "no_training",
        body: "yjglj",
        item: "对生产经营单位未按照规定对从业人员进行安全生产教育和培训的行政处罚",
        party: PartyKind::Company("船舶修造"),
        source: "inspection",
        facts: "{date}执法人员对当事人（{addr}）进行安全生产检查，发现当事人{n}名新入职焊工未经安全生产教育和培训即上岗作业，且无培训记录。",
        violation: "当事人未按照规定对从业人员进行安全生产教育和培训，违反了《中华人民共和国安全生产法》第二十五条第一款的规定。",
        basis: "《中华人民共和国安全生产法》第九十四条第（三）项",
        content: "责令限期改正，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (3, 8),
        fine: 20000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "no_hazard_system",
        body: "yjglj",
        item: "对生产经营单位未建立事故隐患排查治理制度的行政处罚",
        party: PartyKind::Company("海产品"),
        source: "inspection",
        facts: "{date}执法人员对当事人位于{addr}的冷库进行检查，发现当事人未建立事故隐患排查治理制度，液氨制冷系统无隐患排查记录。",
        violation: "当事人未建立事故隐患排查治理制度，违反了《中华人民共和国安全生产法》第三十八条第一款的规定。",
        basis: "《中华人民共和国安全生产法》第九十八条第（四）项",
        content: "责令限期改正，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (1, 1),
        fine: 30000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "hazchem_unlicensed",
        body: "yjglj",
        item: "对未取得危险化学品经营许可证经营危险化学品的行政处罚",
        party: PartyKind::Company("商贸"),
        source: "referral",
        facts: "区市场监督管理局{date}移送线索，经查，当事人未取得危险化学品经营许可证，在{addr}的仓库储存并向船舶修造企业销售油漆稀释剂等危险化学品，违法所得{y}元。",
        violation: "当事人未取得危险化学品经营许可证经营危险化学品，违反了《危险化学品安全管理条例》第三十三条第一款的规定。",
        basis: "《危险化学品安全管理条例》第七十七条第三款",
        content: "责令停止经营活动，没收违法经营的危险化学品和违法所得人民币{y}元，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (6000, 18000),
        n: (1, 1),
        fine: 100000,
        fine_x_percent: 0,
        confiscate_y: true,
        major: Some(&["public_interest", "complex"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "internet_cafe",
        body: "whlyj",
        item: "对互联网上网服务营业场所接纳未成年人的行政处罚",
        party: PartyKind::Shop("网吧"),
        source: "inspection",
        facts: "{date}执法人员对{name}（{addr}）进行检查，发现当事人接纳{n}名未成年人进入营业场所上网。",
        violation: "当事人接纳未成年人进入互联网上网服务营业场所，违反了《互联网上网服务营业场所管理条例》第二十一条的规定。",
        basis: "《互联网上网服务营业场所管理条例》第三十一条第（二）项",
        content: "警告，并处罚款人民币{fine}元。",
        kinds: &["warning", "fine"],
        x: (0, 0),
        y: (0, 0),
        n: (2, 5),
        fine: 5000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "low_price_tour",
        body: "whlyj",
        item: "对旅行社以不合理的低价组织旅游活动的行政处罚",
        party: PartyKind::Company("旅游开发"),
        source: "complaint",
        facts: "接游客投诉，经查，当事人{date}起以每人99元的价格组织“旅顺一日游”，团费低于接待成本，安排游客进入购物场所并收取回扣，违法所得{y}元。",
        violation: "当事人以不合理的低价组织旅游活动，诱骗旅游者，并通过安排购物获取回扣，违反了《中华人民共和国旅游法》第三十五条第一款的规定。",
        basis: "《中华人民共和国旅游法》第九十八条",
        content: "没收违法所得人民币{y}元，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (3000, 9000),
        n: (1, 1),
        fine: 30000,
        fine_x_percent: 0,
        confiscate_y: true,
        major: Some(&["body_list"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "black_car",
        body: "jtysj",
        item: "对未取得道路运输经营许可擅自从事道路运输经营的行政处罚",
        party: PartyKind::Person,
        source: "inspection",
        facts: "樱花节联合执法期间，{date}执法人员在{addr}附近检查发现，当事人驾驶的小型普通客车未取得道路运输经营许可，以每人{n}元的价格载客往返景区。",
        violation: "当事人未取得道路运输经营许可，擅自从事道路旅客运输经营，违反了《中华人民共和国道路运输条例》第十条的规定。",
        basis: "《中华人民共和国道路运输条例》第六十三条",
        content: "责令停止经营，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (20, 50),
        fine: 30000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "sea_tour",
        body: "jtysj",
        item: "对未经许可擅自经营水路运输业务的行政处罚",
        party: PartyKind::Company("旅游开发"),
        source: "inspection",
        facts: "海上旅游运输专项整治期间，{date}执法人员会同海事部门在{addr}附近海域检查发现，当事人未取得水路运输经营许可，使用游艇载客从事海上观光经营。",
        violation: "当事人未经许可擅自经营水路旅客运输业务，违反了《国内水路运输管理条例》第六条的规定。",
        basis: "《国内水路运输管理条例》第三十三条",
        content: "责令停止经营，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (1, 1),
        fine: 30000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "overload",
        body: "jtysj",
        item: "对车辆在公路上擅自超限行驶的行政处罚",
        party: PartyKind::Company("物流"),
        source: "inspection",
        facts: "{date}执法人员在旅顺南路治超检测点检测，当事人所属重型半挂牵引车车货总质量超过限定标准{n}吨，未办理超限运输许可。",
        violation: "当事人车辆在公路上擅自超限行驶，违反了《中华人民共和国公路法》第五十条的规定。",
        basis: "《中华人民共和国公路法》第七十六条第（五）项\n《超限运输车辆行驶公路管理规定》第四十三条第（二）项",
        content: "责令停止违法行为，并处罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (0, 0),
        y: (0, 0),
        n: (5, 18),
        fine: 5000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "closed_season",
        body: "nyncj",
        item: "对在禁渔期、禁渔区进行捕捞或者使用禁用的渔具、捕捞方法捕捞的行政处罚",
        party: PartyKind::Person,
        source: "inspection",
        facts: "伏季休渔期间，{date}执法人员在{addr}附近海域巡查发现，当事人驾驶小型渔船使用地笼网进行捕捞，渔获物{n}公斤。",
        violation: "当事人在禁渔期进行捕捞，违反了《中华人民共和国渔业法》第三十条第一款的规定。",
        basis: "《中华人民共和国渔业法》第三十八条第一款",
        content: "没收渔获物和渔具，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (0, 0),
        n: (30, 180),
        fine: 5000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "fake_pesticide",
        body: "nyncj",
        item: "对经营假农药的行政处罚",
        party: PartyKind::Shop("农资商店"),
        source: "inspection",
        facts: "{date}执法人员对{name}（{addr}）经营的农药进行抽样，经检验，当事人销售的一种杀虫剂有效成分含量不符合产品质量标准，属于假农药，货值金额{x}元。",
        violation: "当事人经营假农药，违反了《农药管理条例》第四十四条第一款的规定。",
        basis: "《农药管理条例》第五十五条第一款",
        content: "没收违法经营的农药，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (600, 2400),
        y: (0, 0),
        n: (1, 1),
        fine: 5000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: &[
            "inspection_record",
            "expert_opinion",
            "party_statement",
            "documentary",
        ],
    },
    Offence {
        key: "no_quarantine",
        body: "nyncj",
        item: "对经营未附有检疫证明、检疫标志的动物产品的行政处罚",
        party: PartyKind::Shop("肉食店"),
        source: "inspection",
        facts: "{date}执法人员对{name}（{addr}）进行检查，发现当事人销售的猪肉未附有检疫证明、检疫标志，货值金额{x}元。",
        violation: "当事人经营未附有检疫证明、检疫标志的动物产品，违反了《中华人民共和国动物防疫法》第二十五条的规定。",
        basis: "《中华人民共和国动物防疫法》第七十八条",
        content: "责令改正，并处同类检疫合格动物产品货值金额百分之三十的罚款人民币{fine}元。",
        kinds: &["fine"],
        x: (3000, 8000),
        y: (0, 0),
        n: (1, 1),
        fine: 0,
        fine_x_percent: 30,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "land_occupation",
        body: "zrzyfj",
        item: "对非法占用土地的行政处罚",
        party: PartyKind::Company("建材"),
        source: "referral",
        facts: "卫片执法检查发现，当事人未经批准于{date}起在{addr}占用集体土地堆放建材并建设临时房屋，占地面积约{x}平方米。",
        violation: "当事人未经批准非法占用集体土地，违反了《中华人民共和国土地管理法》第四十三条第一款的规定。",
        basis: "《中华人民共和国土地管理法》第七十六条第一款\n《中华人民共和国土地管理法实施条例》第四十二条",
        content: "责令退还非法占用的土地，限期拆除在非法占用的土地上新建的建筑物和其他设施，恢复土地原状，并处每平方米十元的罚款，计人民币{fine}元。",
        kinds: &["fine", "other"],
        x: (1200, 2400),
        y: (0, 0),
        n: (1, 1),
        fine: 0,
        fine_x_percent: 1000,
        confiscate_y: false,
        major: Some(&["public_interest", "complex"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "illegal_mining",
        body: "zrzyfj",
        item: "对未取得采矿许可证擅自采矿的行政处罚",
        party: PartyKind::Person,
        source: "complaint",
        facts: "接群众举报，{date}执法人员在{addr}附近山体检查发现，当事人未取得采矿许可证，使用挖掘机擅自开采建筑用石料，经测量采挖石料约{n}立方米，违法所得{y}元。",
        violation: "当事人未取得采矿许可证擅自采矿，违反了《中华人民共和国矿产资源法》第三条第三款的规定。",
        basis: "《中华人民共和国矿产资源法》第三十九条第一款\n《中华人民共和国矿产资源法实施细则》第四十二条第（一）项",
        content: "责令停止开采，没收违法所得人民币{y}元，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (18000, 36000),
        n: (400, 1600),
        fine: 9000,
        fine_x_percent: 0,
        confiscate_y: true,
        major: Some(&["major_rights_after_hearing"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "no_doctor",
        body: "wsjkj",
        item: "对未取得医疗机构执业许可证擅自执业的行政处罚",
        party: PartyKind::Person,
        source: "complaint",
        facts: "接群众举报，{date}执法人员对{addr}的一处民房进行检查，发现当事人未取得《医疗机构执业许可证》，为患者输液治疗，现场查获药品{n}种。",
        violation: "当事人未取得《医疗机构执业许可证》擅自执业，违反了《医疗机构管理条例》第二十四条的规定。",
        basis: "《医疗机构管理条例》第四十四条\n《医疗机构管理条例实施细则》第七十七条",
        content: "责令停止执业活动，没收药品、器械，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (0, 0),
        n: (12, 40),
        fine: 5000,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "medical_waste",
        body: "wsjkj",
        item: "对医疗卫生机构未将医疗废物按照类别分置于专用包装物或者容器的行政处罚",
        party: PartyKind::Shop("诊所"),
        source: "inspection",
        facts: "{date}执法人员对{name}（{addr}）进行检查，发现当事人将损伤性医疗废物与生活垃圾混放，未按照类别分置于专用包装物或者容器。",
        violation: "当事人未将医疗废物按照类别分置于专用包装物或者容器，违反了《医疗废物管理条例》第十六条第一款的规定。",
        basis: "《医疗废物管理条例》第四十六条第（二）项",
        content: "责令限期改正，给予警告。",
        kinds: &["warning"],
        x: (0, 0),
        y: (0, 0),
        n: (1, 1),
        fine: 0,
        fine_x_percent: 0,
        confiscate_y: false,
        major: None,
        evidence: EV_BASIC,
    },
    Offence {
        key: "no_permit",
        body: "zjj",
        item: "对建设单位未取得施工许可证擅自施工的行政处罚",
        party: PartyKind::Company("房地产开发"),
        source: "inspection",
        facts: "{date}执法人员检查发现，当事人在{addr}开发的住宅项目未取得建筑工程施工许可证即开工建设，工程合同价款{x}元。",
        violation: "当事人未取得施工许可证擅自施工，违反了《中华人民共和国建筑法》第七条第一款的规定。",
        basis: "《中华人民共和国建筑法》第六十四条\n《建设工程质量管理条例》第五十七条",
        content: "责令停止施工，限期改正，并处工程合同价款百分之一的罚款人民币{fine}元。",
        kinds: &["fine", "restriction"],
        x: (8_000_000, 14_000_000),
        y: (0, 0),
        n: (1, 1),
        fine: 0,
        fine_x_percent: 1,
        confiscate_y: false,
        major: Some(&["public_interest", "body_list"]),
        evidence: EV_FULL,
    },
    Offence {
        key: "gas_unlicensed",
        body: "zjj",
        item: "对未取得燃气经营许可证从事燃气经营活动的行政处罚",
        party: PartyKind::Shop("液化气经销点"),
        source: "complaint",
        facts: "接群众举报，{date}执法人员对{name}（{addr}）进行检查，发现当事人未取得燃气经营许可证，储存并向居民和餐饮单位销售瓶装液化石油气，现场存放钢瓶{n}只，违法所得{y}元。",
        violation: "当事人未取得燃气经营许可证从事燃气经营活动，违反了《城镇燃气管理条例》第十五条第一款的规定。",
        basis: "《城镇燃气管理条例》第四十五条第一款",
        content: "责令停止违法行为，没收违法所得人民币{y}元，并处罚款人民币{fine}元。",
        kinds: &["confiscation", "fine"],
        x: (0, 0),
        y: (2000, 6000),
        n: (15, 60),
        fine: 50000,
        fine_x_percent: 0,
        confiscate_y: true,
        major: Some(&["public_interest", "body_list"]),
        evidence: EV_FULL,
    },
];

/// How a failed legal review is put right.
#[derive(Clone, Copy)]
enum Fix {
    /// The file is corrected and sent for review again.
    Rereview,
    /// Returned for more investigation (new evidence), notified again, reviewed again.
    Reinvestigate,
    /// Returned to notify the party again (a procedural fault), reviewed again.
    Renotify,
}

#[derive(Clone, Copy)]
struct Failure {
    defects: &'static [&'static str],
    opinion: &'static str,
    fix: Fix,
    return_reason: Option<&'static str>,
    /// What was first proposed (content, basis, hearing available), where it was wrong.
    first_content: Option<&'static str>,
    first_basis: Option<&'static str>,
    first_hearing: Option<bool>,
    /// Extend the decision period (approved by the head) while investigating again.
    extend: bool,
}

/// What happens to a case beyond the ordinary course.
#[derive(Clone, Copy, Default)]
struct Story {
    hearing: bool,
    lapse: bool,
    statement: bool,
    fail: Option<Failure>,
    late_publish: bool,
    changed: bool,
    transfer: bool,
    court: bool,
    preserve: bool,
    left_service: bool,
    /// Grade of the case-file evaluation this file gets, if any.
    evaluate: Option<&'static str>,
}

/// A case of the year: (offence key, registered between (month, day) and (month, day), story).
type Scenario = (&'static str, (u32, u32), (u32, u32), Story);

fn scenarios() -> Vec<Scenario> {
    let s = Story::default;
    vec![
        (
            "food_unlicensed",
            (3, 4),
            (3, 29),
            Story {
                evaluate: Some("excellent"),
                ..s()
            },
        ),
        (
            "food_expired",
            (4, 8),
            (4, 26),
            Story {
                preserve: true,
                statement: true,
                ..s()
            },
        ),
        (
            "tableware",
            (5, 6),
            (5, 24),
            Story {
                left_service: true,
                lapse: true,
                evaluate: Some("unqualified"),
                ..s()
            },
        ),
        (
            "price_tags",
            (4, 22),
            (5, 10),
            Story {
                late_publish: true,
                ..s()
            },
        ),
        ("false_ad", (7, 1), (7, 19), s()),
        (
            "counterfeit",
            (8, 5),
            (8, 23),
            Story {
                preserve: true,
                transfer: true,
                ..s()
            },
        ),
        (
            "illegal_building",
            (3, 18),
            (4, 3),
            Story {
                fail: Some(Failure {
                    defects: &["illegal_procedure"],
                    opinion: "拟处罚款数额较大，属于应当告知听证权利的情形，但《行政处罚事先告知书》未告知当事人有要求举行听证的权利，程序不合法。建议重新履行告知程序后再行审核。",
                    fix: Fix::Renotify,
                    return_reason: Some(
                        "重新送达行政处罚事先告知书，告知当事人陈述、申辩和要求听证的权利",
                    ),
                    first_content: None,
                    first_basis: None,
                    first_hearing: Some(false),
                    extend: false,
                }),
                ..s()
            },
        ),
        (
            "outdoor_ad",
            (5, 13),
            (5, 31),
            Story {
                changed: true,
                ..s()
            },
        ),
        (
            "construction_waste",
            (6, 3),
            (6, 21),
            Story {
                lapse: true,
                evaluate: Some("qualified"),
                ..s()
            },
        ),
        (
            "bbq",
            (7, 8),
            (7, 26),
            Story {
                late_publish: true,
                ..s()
            },
        ),
        (
            "air_emission",
            (4, 1),
            (4, 19),
            Story {
                fail: Some(Failure {
                    defects: &["insufficient_evidence"],
                    opinion: "认定超标排放的主要证据为当事人在线监测设备的自动监测数据，该设备未经验收比对，且案卷中无有资质的监测机构出具的监测报告和采样记录，主要证据不足。",
                    fix: Fix::Reinvestigate,
                    return_reason: Some(
                        "委托有资质的监测机构重新采样监测，补充采样记录、监测报告和质控资料",
                    ),
                    first_content: None,
                    first_basis: None,
                    first_hearing: None,
                    extend: false,
                }),
                ..s()
            },
        ),
        (
            "no_eia",
            (5, 20),
            (6, 7),
            Story {
                hearing: true,
                evaluate: Some("excellent"),
                ..s()
            },
        ),
        (
            "night_noise",
            (8, 12),
            (8, 30),
            Story { lapse: true, ..s() },
        ),
        (
            "no_training",
            (3, 25),
            (4, 12),
            Story {
                statement: true,
                ..s()
            },
        ),
        ("no_hazard_system", (6, 10), (6, 28), s()),
        (
            "hazchem_unlicensed",
            (5, 6),
            (5, 24),
            Story {
                fail: Some(Failure {
                    defects: &["wrong_law"],
                    opinion: "当事人未取得危险化学品经营许可证经营危险化学品，应当适用《危险化学品安全管理条例》第七十七条第三款的规定处罚；拟适用《中华人民共和国安全生产法》第九十八条，适用法律不正确。",
                    fix: Fix::Renotify,
                    return_reason: Some("更正处罚依据后重新送达行政处罚事先告知书"),
                    first_content: None,
                    first_basis: Some("《中华人民共和国安全生产法》第九十八条第（四）项"),
                    first_hearing: None,
                    extend: false,
                }),
                ..s()
            },
        ),
        (
            "internet_cafe",
            (4, 15),
            (5, 3),
            Story { lapse: true, ..s() },
        ),
        (
            "low_price_tour",
            (6, 17),
            (7, 5),
            Story {
                fail: Some(Failure {
                    defects: &["improper_penalty"],
                    opinion: "当事人系初次违法，违法所得较少，且已全额退赔游客，依照本局行政处罚裁量基准属于“初次违法、违法所得较少并已退赔”情形，拟责令停业整顿并处十五万元罚款明显偏重，处罚不适当。",
                    fix: Fix::Rereview,
                    return_reason: None,
                    first_content: Some(
                        "没收违法所得，责令停业整顿一个月，并处罚款人民币150000元。",
                    ),
                    first_basis: None,
                    first_hearing: None,
                    extend: false,
                }),
                ..s()
            },
        ),
        (
            "black_car",
            (3, 11),
            (3, 22),
            Story {
                court: true,
                lapse: true,
                ..s()
            },
        ),
        (
            "sea_tour",
            (7, 15),
            (8, 2),
            Story {
                statement: true,
                ..s()
            },
        ),
        ("overload", (9, 2), (9, 20), s()),
        (
            "closed_season",
            (6, 3),
            (6, 14),
            Story {
                late_publish: true,
                lapse: true,
                ..s()
            },
        ),
        (
            "fake_pesticide",
            (5, 13),
            (5, 31),
            Story {
                evaluate: Some("qualified"),
                ..s()
            },
        ),
        ("no_quarantine", (8, 19), (9, 6), s()),
        (
            "land_occupation",
            (3, 4),
            (3, 15),
            Story {
                fail: Some(Failure {
                    defects: &["unclear_facts", "insufficient_evidence"],
                    opinion: "非法占用土地的面积、地类未经测绘确认，现场勘验笔录与询问笔录记载的占地面积不一致，是否占用耕地未查明，违法事实不清，证据不足。",
                    fix: Fix::Reinvestigate,
                    return_reason: Some("委托测绘机构对占地面积和地类进行测绘，查明是否占用耕地"),
                    first_content: None,
                    first_basis: None,
                    first_hearing: None,
                    extend: true,
                }),
                ..s()
            },
        ),
        (
            "illegal_mining",
            (7, 22),
            (8, 9),
            Story {
                hearing: true,
                ..s()
            },
        ),
        ("no_doctor", (9, 9), (9, 27), s()),
        (
            "medical_waste",
            (6, 24),
            (7, 12),
            Story {
                evaluate: Some("qualified"),
                ..s()
            },
        ),
        ("no_permit", (4, 8), (4, 26), s()),
        (
            "gas_unlicensed",
            (6, 10),
            (6, 28),
            Story {
                fail: Some(Failure {
                    defects: &["beyond_authority"],
                    opinion: "拟作出的“吊销营业执照”不属于本机关的法定职权：《城镇燃气管理条例》第四十五条未设定吊销营业执照，吊销营业执照由市场监督管理部门依法实施，超越职权。建议删除该项内容，并将有关情况函告区市场监督管理局。",
                    fix: Fix::Rereview,
                    return_reason: None,
                    first_content: Some(
                        "责令停止违法行为，没收违法所得，处罚款人民币50000元，并吊销营业执照。",
                    ),
                    first_basis: None,
                    first_hearing: None,
                    extend: false,
                }),
                ..s()
            },
        ),
    ]
}

/// The special rectification of special-equipment hazards (特种设备安全隐患专项整治): the hazards
/// found at each of the 14 gas-filling companies (23 in all), each fixed within the deadline.
const GAS_HAZARDS: &[&[&str]] = &[
    &[
        "部分液化石油气钢瓶超过定期检验周期仍在充装",
        "充装前后检查记录不完整",
    ],
    &["储罐安全阀超过校验有效期"],
    &[
        "充装秤未按期检定",
        "可燃气体泄漏报警装置失效",
        "静电接地装置损坏",
    ],
    &["压力表超过检定有效期"],
    &["充装人员一人未取得特种设备作业人员证", "气瓶警示标签缺失"],
    &["未按规定设置特种设备使用登记标志"],
    &["特种设备安全技术档案不完整", "储罐液位计未定期校验"],
    &[
        "充装前后检查记录不完整",
        "部分氧气瓶超过定期检验周期仍在充装",
    ],
    &["消防器材过期未更换"],
    &["可燃气体泄漏报警装置未定期校验"],
    &["储罐安全阀超过校验有效期", "充装台紧急切断装置失灵"],
    &["充装秤未按期检定", "未对充装人员进行安全教育和技能培训"],
    &["特种设备定期自行检查记录缺失"],
    &[
        "部分二氧化碳气瓶超过定期检验周期仍在充装",
        "压力表超过检定有效期",
    ],
];

const GAS_KINDS: &[&str] = &["液化气", "燃气", "气体", "工业气体"];

/// A penalty case planned: what the summary and the evaluations need to know of it.
struct PenaltySpec {
    body: usize,
    story: Story,
    gas_hazards: usize,
}

/// The amounts of a case.
struct Amounts {
    x: i64,
    y: i64,
    n: i64,
    fine: i64,
    confiscation: i64,
}

fn fill(text: &str, name: &str, addr: &str, date: NaiveDate, a: &Amounts) -> String {
    text.replace("{name}", name)
        .replace("{addr}", addr)
        .replace("{date2}", &zh_date(date + Duration::days(3)))
        .replace("{date}", &zh_date(date))
        .replace("{x}", &a.x.to_string())
        .replace("{y}", &a.y.to_string())
        .replace("{n}", &a.n.to_string())
        .replace("{fine}", &a.fine.to_string())
}

/// Whether the party must be told of a hearing (行政处罚法 (2017) 第四十二条: 较大数额罚款 and the
/// like). The amounts are the province's [U]: here 10,000 yuan for a person, 50,000 for others.
fn hearing_available(person: bool, a: &Amounts, kinds: &[&str]) -> bool {
    let large = if person { 10_000 } else { 50_000 };
    a.fine + a.confiscation >= large
        || kinds
            .iter()
            .any(|k| matches!(*k, "suspension" | "revocation" | "restriction"))
}

fn money(yuan: i64) -> Value {
    json!(yuan * 100)
}

const REVIEW_CHECKS: &[&str] = &[
    "subject_and_qualifications",
    "jurisdiction",
    "procedure",
    "facts_evidence",
    "law_and_discretion",
    "documents",
    "crime_transfer",
];

/// All penalty plans of the year, decision numbers in decision order per body.
fn penalty_plans(g: &mut Gen, w: &World, plans: &mut Vec<Plan>) -> Result<Vec<PenaltySpec>> {
    let mut specs = Vec::new();
    // (body, decide date, plan index, decide step index, no penalty)
    let mut decisions: Vec<(usize, NaiveDate, usize, usize, bool)> = Vec::new();
    for (key, from, to, story) in scenarios() {
        let offence = OFFENCES
            .iter()
            .find(|o| o.key == key)
            .with_context(|| format!("offence {key}"))?;
        let registered = g.between(ymd(YEAR, from.0, from.1), ymd(YEAR, to.0, to.1));
        let (plan, decide) = offence_plan(g, w, offence, story, registered)?;
        if let Some(i) = decide {
            decisions.push((
                w.body(offence.body),
                plan.steps[i].on,
                plans.len(),
                i,
                false,
            ));
        }
        specs.push(PenaltySpec {
            body: w.body(offence.body),
            story,
            gas_hazards: 0,
        });
        plans.push(plan);
    }
    let mut words: Vec<&str> = FIRM_WORDS.to_vec();
    for (k, hazards) in GAS_HAZARDS.iter().enumerate() {
        let word = words.remove(g.rng.below(words.len()));
        let name = format!("大连旅顺{word}{}有限公司", GAS_KINDS[k % GAS_KINDS.len()]);
        let registered = g.between(ymd(YEAR, 5, 13), ymd(YEAR, 6, 14));
        let (plan, decide) = gas_plan(g, w, &name, hazards, registered);
        decisions.push((
            w.body("scjgj"),
            plan.steps[decide].on,
            plans.len(),
            decide,
            true,
        ));
        specs.push(PenaltySpec {
            body: w.body("scjgj"),
            story: Story::default(),
            gas_hazards: hazards.len(),
        });
        plans.push(plan);
    }
    // Decision numbers: per body and kind of decision, in the order of the decisions.
    decisions.sort_by_key(|(b, on, p, _, none)| (*b, *none, *on, *p));
    let mut seq: BTreeMap<(usize, bool), usize> = BTreeMap::new();
    for (b, _, p, i, none) in decisions {
        let n = seq.entry((b, none)).or_default();
        *n += 1;
        let number = format!(
            "{}{}〔{YEAR}〕{}号",
            w.bodies[b].spec.abbr,
            if none { "不罚" } else { "罚" },
            n
        );
        plans[p].steps[i]
            .fields
            .insert("decision_number".into(), json!(number));
    }
    Ok(specs)
}

/// Two certified officers of the body (the first leads), for a case.
fn officers_for(g: &mut Gen, w: &World, b: usize) -> (usize, Vec<String>) {
    let usable = w.bodies[b].usable();
    let first = usable[g.rng.below(usable.len())];
    let mut second = first;
    while second == first {
        second = usable[g.rng.below(usable.len())];
    }
    let numbers = vec![
        w.bodies[b].officers[first].number.clone(),
        w.bodies[b].officers[second].number.clone(),
    ];
    (first, numbers)
}

fn offence_plan(
    g: &mut Gen,
    w: &World,
    o: &Offence,
    story: Story,
    registered: NaiveDate,
) -> Result<(Plan, Option<usize>)> {
    let b = w.body(o.body);
    let body = &w.bodies[b];
    let (lead, officers) = officers_for(g, w, b);
    let officer = Who::Officer(b, lead);
    let staff = Who::Staff(b);
    let (party, person) = match o.party {
        PartyKind::Person => (g.person(), true),
        PartyKind::Shop(kind) => {
            let street = g.pick(STREETS);
            let word = g.firm_word();
            let mut shop = business(g, format!("旅顺口区{street}{word}{kind}"), true);
            // The shop is in the street its name says.
            let road = g.pick(ROADS);
            let number = g.rng.range(1, 260);
            shop["address"] = json!(format!("大连市旅顺口区{street}{road}{number}号"));
            (shop, false)
        }
        PartyKind::Company(trade) => {
            let word = g.firm_word();
            (
                business(g, format!("大连旅顺{word}{trade}有限公司"), false),
                false,
            )
        }
    };
    let name = party["name"].as_str().unwrap_or_default().to_string();
    let addr = party["address"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| g.address());
    let x = g.rng.range(o.x.0, o.x.1) / 100 * 100;
    let y = g.rng.range(o.y.0, o.y.1) / 10 * 10;
    let fine = if o.fine_x_percent > 0 {
        x * o.fine_x_percent / 100
    } else {
        o.fine
    };
    let a = Amounts {
        x,
        y,
        n: g.rng.range(o.n.0, o.n.1),
        fine,
        confiscation: if o.confiscate_y { y } else { 0 },
    };
    let before = g.rng.range(1, 6);
    let found = g.workday_back(registered - Duration::days(before));
    let facts = fill(o.facts, &name, &addr, found, &a);
    let violation = fill(o.violation, &name, &addr, found, &a);
    let content = fill(o.content, &name, &addr, found, &a);
    let major = o.major.is_some();
    let available = hearing_available(person, &a, o.kinds);

    let mut p = Plan::new(PENALTY, &body.id);
    p.push(
        "register",
        registered,
        officer,
        vec![
            ("field_area", json!(body.spec.field)),
            ("item", json!(o.item)),
            ("party", party.clone()),
            ("source", json!(o.source)),
            ("violation_on", day(found)),
            ("facts_summary", json!(facts)),
            ("officers", json!(officers)),
            ("is_major", json!(major)),
            ("needs_discussion", json!(major)),
        ],
    );
    let mut t = g.later_wd(registered, 0, 2);
    let recorder = format!(
        "执法记录仪 DSJ-{}-{:03}",
        body.spec.code.to_uppercase(),
        g.rng.range(1, 40)
    );
    if story.preserve {
        p.push(
            "preserve_evidence",
            t,
            officer,
            vec![
                (
                    "preserved_items",
                    json!(format!("涉案物品{}件，登记保存于本局涉案财物保管室", a.n)),
                ),
                (
                    "preservation_approval",
                    json!(format!("{}副局长 {}", body.spec.name, g.name())),
                ),
                ("recorded_with", json!(recorder)),
            ],
        );
        t = g.later_wd(t, 2, 5);
        p.push(
            "decide_preserved",
            t,
            officer,
            vec![(
                "preservation_outcome",
                json!(if story.transfer {
                    "涉案物品经鉴定为侵权商品，解除先行登记保存，依法予以扣押，随案移送公安机关"
                } else {
                    "经检验确认，登记保存的物品予以没收，待处罚决定作出后依法销毁"
                }),
            )],
        );
    }
    p.push(
        "gather_evidence",
        t,
        officer,
        vec![
            ("evidence_kinds", json!(o.evidence)),
            ("recorded_with", json!(recorder)),
            (
                "evidence_note",
                json!("现场检查笔录、询问笔录、现场照片及执法记录仪全程录像；调取当事人营业执照、身份证明等书证"),
            ),
        ],
    );
    if story.transfer {
        p.push(
            "transfer_to_judiciary",
            g.later_wd(t, 3, 8),
            officer,
            vec![
                ("transfer_body", json!("大连市公安局旅顺口分局")),
                (
                    "transfer_reason",
                    json!(format!(
                        "当事人销售明知是假冒注册商标的商品，销售金额约{}元，达到《最高人民检察院 公安部关于公安机关管辖的刑事案件立案追诉标准的规定（二）》规定的立案追诉标准（销售金额五万元以上），涉嫌销售假冒注册商标的商品罪，依照《行政执法机关移送涉嫌犯罪案件的规定》移送公安机关",
                        a.x
                    )),
                ),
            ],
        );
        return Ok((p, None));
    }
    let submitted = g.later_wd(t, 4, 10);
    p.push("submit_review", submitted, officer, vec![]);
    let fail = story.fail;
    let first_content = fail
        .and_then(|f| f.first_content)
        .map(str::to_string)
        .unwrap_or_else(|| content.clone());
    let first_basis = fail.and_then(|f| f.first_basis).unwrap_or(o.basis);
    let first_available = fail.and_then(|f| f.first_hearing).unwrap_or(available);
    let notified = g.later_wd(submitted, 1, 3);
    notify(
        g,
        &mut p,
        staff,
        notified,
        &first_content,
        first_basis,
        first_available,
    );
    let mut t = rights(g, &mut p, officer, notified, story, first_available);
    let grounds = o.major.unwrap_or(&[]);
    let hearing_held = p.index_of("hold_hearing").is_some();
    let grounds: Vec<&str> = grounds
        .iter()
        .copied()
        .filter(|g| *g != "major_rights_after_hearing" || hearing_held)
        .collect();
    let grounds = if grounds.is_empty() {
        vec!["body_list"]
    } else {
        grounds
    };
    if major {
        t = g.later_wd(t, 1, 2);
        p.push(
            "request_review",
            t,
            staff,
            vec![("is_major", json!(true)), ("major_grounds", json!(grounds))],
        );
        if let Some(f) = fail {
            t = g.later_wd(t, 2, 5);
            p.push(
                "review_fail",
                t,
                Who::Reviewer,
                vec![
                    ("review_defects", json!(f.defects)),
                    ("review_checks", json!(REVIEW_CHECKS)),
                    ("review_opinion", json!(f.opinion)),
                ],
            );
            match f.fix {
                Fix::Rereview => {}
                Fix::Reinvestigate | Fix::Renotify => {
                    t = g.later_wd(t, 1, 2);
                    p.push(
                        "return_for_investigation",
                        t,
                        staff,
                        vec![("return_reason", json!(f.return_reason.unwrap_or(f.opinion)))],
                    );
                    if f.extend {
                        p.push(
                            "extend_decision",
                            t,
                            officer,
                            vec![
                                (
                                    "extension_reason",
                                    json!("需委托测绘机构测绘并进行地类认定，案情复杂，不能在九十日内作出处理决定"),
                                ),
                                ("extension_approved_by", json!(format!("{}局长 {}", body.spec.name, g.name()))),
                            ],
                        );
                    }
                    if matches!(f.fix, Fix::Reinvestigate) {
                        t = g.later_wd(t, 4, 9);
                        p.push(
                            "gather_evidence",
                            t,
                            officer,
                            vec![
                                ("evidence_kinds", json!(o.evidence)),
                                (
                                    "evidence_note",
                                    json!(format!(
                                        "补充调查：{}",
                                        f.return_reason.unwrap_or_default()
                                    )),
                                ),
                            ],
                        );
                    }
                    t = g.later_wd(t, 1, 3);
                    p.push("submit_review", t, officer, vec![]);
                    t = g.later_wd(t, 1, 2);
                    notify(g, &mut p, staff, t, &content, o.basis, available);
                    t = g.later_wd(t, 1, 3);
                    p.push(
                        "waive_rights",
                        t,
                        officer,
                        vec![(
                            "waiver_note",
                            json!("当事人收到告知书后书面表示放弃陈述、申辩和听证的权利"),
                        )],
                    );
                }
            }
            t = g.later_wd(t, 1, 3);
            p.push(
                "request_review",
                t,
                staff,
                vec![("is_major", json!(true)), ("major_grounds", json!(grounds))],
            );
        }
        t = g.later_wd(t, 2, 5);
        p.push(
            "review_pass",
            t,
            Who::Reviewer,
            vec![
                ("review_checks", json!(REVIEW_CHECKS)),
                (
                    "review_opinion",
                    json!("执法主体合法，执法人员具备执法资格，事实清楚，证据确实充分，适用法律正确，程序合法，裁量适当，同意提交集体讨论"),
                ),
            ],
        );
        t = g.later_wd(t, 1, 3);
        p.push(
            "collective_discussion",
            t,
            staff,
            vec![
                (
                    "discussion_minutes",
                    json!(format!(
                        "案审委员会集体讨论认为：{violation}同意对当事人作出如下处罚：{content}"
                    )),
                ),
                (
                    "discussion_attendees",
                    json!(format!(
                        "{}局长、各副局长、法制科科长、执法大队长",
                        body.spec.name
                    )),
                ),
            ],
        );
    }
    let decided = g.later_wd(t, 1, 2);
    p.push(
        "decide",
        decided,
        staff,
        vec![
            ("decision_type", json!("penalty")),
            ("decision_number", json!("")),
            ("violation", json!(violation)),
            ("penalty_basis", json!(o.basis)),
            ("penalty_content", json!(content)),
            ("penalty_kinds", json!(o.kinds)),
            (
                "fine",
                if a.fine > 0 {
                    money(a.fine)
                } else {
                    Value::Null
                },
            ),
            (
                "confiscation_value",
                if a.confiscation > 0 {
                    money(a.confiscation)
                } else {
                    Value::Null
                },
            ),
            (
                "discretion_note",
                json!(format!(
                    "依照本机关公布的行政处罚裁量基准（{}），结合当事人违法情节作出",
                    o.item
                )),
            ),
        ],
    );
    let decide_index = p.steps.len() - 1;
    tail(g, &mut p, officer, staff, decided, &a, story, person)?;
    ensure_in_time(g, &mut p, registered)?;
    let decide_index = p
        .steps
        .iter()
        .rposition(|s| s.action == "decide")
        .unwrap_or(decide_index);
    Ok((p, Some(decide_index)))
}

fn notify(
    g: &mut Gen,
    p: &mut Plan,
    who: Who,
    on: NaiveDate,
    proposed: &str,
    basis: &str,
    available: bool,
) {
    let opinion = if g.rng.chance(50) {
        "经案件审核，违法事实清楚，证据确凿，拟按裁量基准作出处罚"
    } else {
        "案件审核同意承办人意见，拟作出行政处罚"
    };
    p.push(
        "notify",
        on,
        who,
        vec![
            ("proposed_penalty", json!(proposed)),
            ("penalty_basis", json!(basis)),
            ("notice_served_on", day(on)),
            ("hearing_available", json!(available)),
            ("case_review_opinion", json!(opinion)),
        ],
    );
}

/// The party's statement, waiver, hearing or silence after the notice; returns the last date.
fn rights(
    g: &mut Gen,
    p: &mut Plan,
    officer: Who,
    notified: NaiveDate,
    story: Story,
    available: bool,
) -> NaiveDate {
    let mut t = notified;
    if story.statement {
        t = g.later_wd(t, 1, 2);
        p.push(
            "record_statement",
            t,
            officer,
            vec![
                ("statement", json!("当事人陈述系初次违法，已立即整改，请求从轻处罚")),
                (
                    "statement_response",
                    json!("经复核，当事人所述整改情况属实，已在裁量基准的从轻档次内考虑，维持拟处罚意见"),
                ),
            ],
        );
    }
    if story.hearing && available {
        t = g.later_wd(t, 1, 3);
        p.push("request_hearing", t, officer, vec![]);
        let notice = g.later_wd(t, 1, 2);
        let held = g.add_wd(notice, 8);
        let host = format!("法制科 {}", g.name());
        p.push(
            "schedule_hearing",
            notice,
            officer,
            vec![
                ("hearing_notice_on", day(notice)),
                ("hearing_on", day(held)),
                ("hearing_host", json!(host)),
            ],
        );
        p.push(
            "hold_hearing",
            held,
            officer,
            vec![
                ("hearing_on", day(held)),
                (
                    "hearing_report",
                    json!("听证会公开举行，当事人及其委托代理人到场。案件调查人员提出当事人违法的事实、证据和处罚建议，当事人进行了申辩和质证。听证主持人认为：违法事实清楚，证据确凿，拟作出的处罚适当，建议维持。"),
                ),
            ],
        );
        return held;
    }
    if story.lapse {
        // Nobody asked in the five working days: the system moves the case on the next day.
        let due = g.add_wd(notified, 5);
        let on = due + Duration::days(1);
        p.push("notice_period_lapsed", on, Who::System, vec![]);
        return on;
    }
    t = g.later_wd(t.max(notified), 1, 3);
    p.push(
        "waive_rights",
        t,
        officer,
        vec![(
            "waiver_note",
            json!("当事人在告知书回执上签署意见：无异议，放弃陈述、申辩和听证的权利"),
        )],
    );
    t
}

/// Service, payment (or its enforcement), publication, closing, and a later change.
#[allow(clippy::too_many_arguments)]
fn tail(
    g: &mut Gen,
    p: &mut Plan,
    officer: Who,
    staff: Who,
    decided: NaiveDate,
    a: &Amounts,
    story: Story,
    person: bool,
) -> Result<()> {
    let mut steps: Vec<Later> = Vec::new();
    let served = g.later_wd(decided, 0, 3);
    let method = if story.left_service {
        "left"
    } else if person || g.rng.chance(70) {
        "in_person"
    } else {
        "post"
    };
    steps.push((
        served,
        "serve",
        officer,
        vec![
            ("served_on", day(served)),
            ("service_method", json!(method)),
        ],
    ));
    let published = if story.late_publish {
        g.later_wd(decided, 9, 12)
    } else {
        g.later_wd(decided, 1, 5)
    };
    steps.push((
        published,
        "publish",
        staff,
        vec![(
            "published_url",
            json!("大连市旅顺口区人民政府网站·行政执法公示·行政处罚决定"),
        )],
    ));
    let due = g.period_end(served, 15);
    let total = a.fine + a.confiscation;
    let (last, reason) = if story.court {
        let surcharged = g.workday(due + Duration::days(30));
        let surcharge = fazhi_core::penalty::surcharge_fen(a.fine * 100, due, surcharged);
        steps.push((
            surcharged,
            "record_enforcement",
            officer,
            vec![
                ("enforcement_measure", json!("surcharge")),
                ("surcharge", json!(surcharge)),
                (
                    "enforcement_note",
                    json!("当事人到期未缴纳罚款，依照《中华人民共和国行政处罚法》第五十一条第（一）项每日按罚款数额的百分之三加处罚款，已书面催告"),
                ),
            ],
        ));
        let court = g.workday(
            served
                .checked_add_months(chrono::Months::new(6))
                .context("six months after service")?
                + Duration::days(10),
        );
        steps.push((
            court,
            "record_enforcement",
            officer,
            vec![
                ("enforcement_measure", json!("court")),
                (
                    "enforcement_note",
                    json!("当事人在法定期限内未申请行政复议或者提起行政诉讼，经催告仍不履行，已依法申请大连市旅顺口区人民法院强制执行"),
                ),
            ],
        ));
        (court, "court_enforcement")
    } else if total > 0 {
        let after = g.rng.range(2, 9);
        let paid = g.workday(served + Duration::days(after)).min(due);
        steps.push((
            paid,
            "record_payment",
            officer,
            vec![("paid_on", day(paid)), ("paid_amount", money(total))],
        ));
        (paid, "executed")
    } else {
        (served, "executed")
    };
    steps.sort_by_key(|(d, _, _, _)| *d);
    let mut end = last.max(published);
    for (on, action, who, pairs) in steps {
        end = end.max(on);
        p.push(action, on, who, pairs);
    }
    let closed = g.later_wd(end, 1, 3);
    p.push(
        "close",
        closed,
        officer,
        vec![("closing_reason", json!(reason))],
    );
    if story.changed {
        let changed = g.later(closed, 20, 40);
        p.push(
            "record_decision_changed",
            g.add_wd(changed, 1),
            staff,
            vec![
                ("change_kind", json!("changed")),
                (
                    "change_document",
                    json!("行政处罚决定变更决定书（本机关作出）"),
                ),
                ("changed_on", day(changed)),
                (
                    "withdrawal_reason",
                    json!("经本机关复查，原决定对广告牌面积的认定有误，罚款数额相应变更，原决定公示予以撤回并公示变更后的决定"),
                ),
            ],
        );
    }
    Ok(())
}

/// Inserts the one extension the law allows when the decision would come after the 90 days,
/// while the case is still being investigated; fails if that is not enough.
fn ensure_in_time(g: &mut Gen, p: &mut Plan, registered: NaiveDate) -> Result<()> {
    let Some(decided) = p.steps.iter().find(|s| s.action == "decide").map(|s| s.on) else {
        return Ok(());
    };
    let due = g.period_end(registered, 90);
    let extended = p.index_of("extend_decision").is_some();
    if decided <= due || (extended && decided <= g.period_end(registered, 120)) {
        return Ok(());
    }
    if extended || decided > g.period_end(registered, 120) {
        bail!("a penalty case registered {registered} would be decided late ({decided})");
    }
    let at = p.index_of("gather_evidence").context("evidence gathered")?;
    let on = p.steps[at].on;
    let who = p.steps[at].who;
    let approver = format!("负责人 {}", g.name());
    p.steps.insert(
        at + 1,
        Step {
            action: "extend_decision",
            on,
            who,
            fields: fields(vec![
                (
                    "extension_reason",
                    json!("案情复杂，需补充调查，不能在九十日内作出处理决定"),
                ),
                ("extension_approved_by", json!(approver)),
            ]),
        },
    );
    Ok(())
}

/// One company of the special rectification: inspected, ordered to fix its hazards within a
/// deadline, fixed, and — the fault minor and corrected in time — not penalised.
fn gas_plan(
    g: &mut Gen,
    w: &World,
    name: &str,
    hazards: &[&str],
    inspected: NaiveDate,
) -> (Plan, usize) {
    let b = w.body("scjgj");
    let body = &w.bodies[b];
    let (lead, officers) = officers_for(g, w, b);
    let officer = Who::Officer(b, lead);
    let staff = Who::Staff(b);
    let party = business(g, name.to_string(), false);
    let listed: Vec<String> = hazards
        .iter()
        .enumerate()
        .map(|(i, h)| format!("{}.{h}", i + 1))
        .collect();
    let list = listed.join("；");
    let deadline_days = g.rng.range(10, 20);
    let fixed = g.add_wd(inspected, deadline_days);
    let mut p = Plan::new(PENALTY, &body.id);
    p.push(
        "register",
        inspected,
        officer,
        vec![
            ("field_area", json!("market")),
            (
                "item",
                json!("对特种设备使用单位未对特种设备进行经常性维护保养和定期自行检查的行政处罚"),
            ),
            ("party", party),
            ("source", json!("inspection")),
            ("violation_on", day(inspected)),
            (
                "facts_summary",
                json!(format!(
                    "特种设备安全隐患专项整治期间，{}执法人员对{name}气瓶充装站进行监督检查，发现安全隐患{}处：{list}。当场下达特种设备安全监察指令书，责令限期整改。",
                    zh_date(inspected),
                    hazards.len()
                )),
            ),
            ("officers", json!(officers)),
            ("is_major", json!(false)),
            ("needs_discussion", json!(false)),
        ],
    );
    p.push(
        "gather_evidence",
        inspected,
        officer,
        vec![
            (
                "evidence_kinds",
                json!(["inspection_record", "audiovisual", "documentary"]),
            ),
            (
                "recorded_with",
                json!(format!("执法记录仪 DSJ-SCJGJ-{:03}", g.rng.range(1, 40))),
            ),
            (
                "evidence_note",
                json!("现场检查笔录、隐患照片；当场下达特种设备安全监察指令书，责令限期整改"),
            ),
        ],
    );
    p.push(
        "gather_evidence",
        fixed,
        officer,
        vec![
            ("evidence_kinds", json!(["inspection_record", "audiovisual", "documentary"])),
            (
                "evidence_note",
                json!(format!(
                    "复查笔录：{}处隐患已全部整改完毕，复查合格；当事人提交的整改报告及检验、检定报告",
                    hazards.len()
                )),
            ),
        ],
    );
    let submitted = g.later_wd(fixed, 1, 3);
    p.push("submit_review", submitted, officer, vec![]);
    let notified = g.later_wd(submitted, 1, 2);
    let basis =
        "《中华人民共和国特种设备安全法》第八十三条\n《中华人民共和国行政处罚法》第二十七条第二款";
    notify(g, &mut p, staff, notified, "拟不予行政处罚", basis, false);
    let waived = g.later_wd(notified, 1, 2);
    p.push(
        "waive_rights",
        waived,
        officer,
        vec![("waiver_note", json!("当事人无陈述、申辩意见"))],
    );
    let decided = g.later_wd(waived, 1, 2);
    p.push(
        "decide",
        decided,
        staff,
        vec![
            ("decision_type", json!("no_penalty")),
            ("decision_number", json!("")),
            (
                "violation",
                json!(format!(
                    "当事人存在{list}等安全隐患，违反了《中华人民共和国特种设备安全法》第三十九条等规定；当事人在责令改正期限内已全部整改完毕，经复查合格。"
                )),
            ),
            ("penalty_basis", json!(basis)),
            ("penalty_content", json!("不予行政处罚")),
            ("hazards_rectified", json!(hazards.len())),
            (
                "no_penalty_reason",
                json!("当事人违法行为轻微，在责令改正期限内已全部整改，经复查合格，没有造成危害后果，依照《中华人民共和国行政处罚法》第二十七条第二款的规定，不予行政处罚"),
            ),
        ],
    );
    let decide = p.steps.len() - 1;
    let served = g.later_wd(decided, 0, 2);
    let published = g.later_wd(decided, 1, 4);
    let mut later = [
        (
            served,
            "serve",
            officer,
            vec![
                ("served_on", day(served)),
                ("service_method", json!("in_person")),
            ],
        ),
        (
            published,
            "publish",
            staff,
            vec![(
                "published_url",
                json!("大连市旅顺口区人民政府网站·行政执法公示·行政处罚决定"),
            )],
        ),
    ];
    later.sort_by_key(|(d, _, _, _)| *d);
    for (on, action, who, pairs) in later {
        p.push(action, on, who, pairs);
    }
    let closed = g.later_wd(served.max(published), 1, 3);
    p.push(
        "close",
        closed,
        officer,
        vec![("closing_reason", json!("no_penalty"))],
    );
    (p, decide)
}

// ---------------------------------------------------------------------------------------------
// 行政执法案卷评查 (2019年度第一批)
// ---------------------------------------------------------------------------------------------

fn evaluation_plans(
    g: &mut Gen,
    w: &World,
    specs: &[PenaltySpec],
    penalties: &[StoredCase],
    plans: &mut Vec<Plan>,
) -> Result<()> {
    let evaluators = [
        format!("区司法局 {}", g.name()),
        format!("区司法局 {}", g.name()),
        format!("特邀评查员（律师） {}", g.name()),
    ];
    let mut excellent = [(19, 74), (18, 73)].into_iter();
    let mut qualified = [(17, 65), (16, 61), (15, 58)].into_iter();
    for (spec, case) in specs.iter().zip(penalties) {
        let Some(grade) = spec.story.evaluate else {
            continue;
        };
        let number = case.number.clone().context("a numbered penalty case")?;
        let body = &w.bodies[spec.body];
        let registered = g.between(ymd(YEAR, 11, 18), ymd(YEAR, 11, 22));
        let mut p = Plan::new(EVALUATION, &w.justice_id);
        p.push(
            "register",
            registered,
            Who::Justice,
            vec![
                ("batch", json!("2019年度第一批")),
                ("batch_year", json!(YEAR)),
                ("file_number", json!(number)),
                ("file_kind", json!("penalty")),
                ("evaluated_body", json!(body.id)),
                ("evaluating_body", json!(w.justice_id)),
                ("evaluators", json!(evaluators)),
            ],
        );
        let (form, content, vetoes, problems) = match grade {
            "excellent" => {
                let (f, c) = excellent.next().context("an excellent score")?;
                (f, c, Value::Null, Value::Null)
            }
            "qualified" => {
                let (f, c) = qualified.next().context("a qualified score")?;
                (
                    f,
                    c,
                    Value::Null,
                    json!("案卷装订顺序不规范，部分文书未注明日期；裁量说明过于简单"),
                )
            }
            _ => (
                14,
                62,
                json!(["illegal_procedure"]),
                json!(
                    "决定书采用留置送达，但送达回证无见证人签名，未记明拒收事由和日期，不能证明已依法送达，违反法定程序；现场检查笔录无当事人签名"
                ),
            ),
        };
        let scored = g.later_wd(registered, 2, 6);
        p.push(
            "score",
            scored,
            Who::Justice,
            vec![
                ("evaluators", json!(evaluators)),
                ("form_score", json!(form)),
                ("content_score", json!(content)),
                ("total_score", json!(form + content)),
                ("grade", json!(grade)),
                ("vetoes", vetoes),
                ("problems", problems.clone()),
            ],
        );
        if grade == "unqualified" {
            let required = g.later_wd(scored, 1, 2);
            let deadline = g.add_wd(required, 15);
            p.push(
                "require_rectification",
                required,
                Who::Justice,
                vec![
                    ("problems", problems),
                    ("rectification_deadline", day(deadline)),
                    ("evaluated_body", json!(body.id)),
                ],
            );
            let reported = g.later_wd(required, 6, 12);
            p.push(
                "report_rectification",
                reported,
                Who::Staff(spec.body),
                vec![
                    (
                        "rectification_report",
                        json!("已组织执法人员学习《行政处罚法》和送达规定；对该案重新依法送达决定书并补正送达回证；修订本局行政执法文书送达规范，对2019年全部留置送达案卷开展自查"),
                    ),
                    ("rectified_on", day(reported)),
                ],
            );
            p.push(
                "close",
                g.later_wd(reported, 2, 4),
                Who::Justice,
                vec![
                    ("evaluating_body", json!(w.justice_id)),
                    ("closing_note", json!("整改到位，予以办结")),
                ],
            );
        } else {
            p.push(
                "close",
                g.later_wd(scored, 1, 3),
                Who::Justice,
                vec![("closing_note", json!("评查结果已通报被评查单位"))],
            );
        }
        plans.push(p);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The summary, read back from the cases
// ---------------------------------------------------------------------------------------------

/// Whether a clock of a case ran past its due date before it stopped.
fn stopped_late(
    registry: &Registry,
    calendar: &Calendar,
    today: NaiveDate,
    case: &StoredCase,
    clock: &str,
) -> bool {
    let Some(definition) = registry.get(&case.case.procedure, &case.case.definition_version) else {
        return false;
    };
    let (Some(c), Some(state)) = (definition.clock(clock), case.case.clock(clock)) else {
        return false;
    };
    if state.status != ClockStatus::Stopped {
        return false;
    }
    fazhi_core::engine::clock_due(c, state, calendar, today)
        .is_ok_and(|due| state.stopped_on.is_some_and(|s| s > due.date))
}

fn summarise(
    registry: &Registry,
    calendar: &Calendar,
    today: NaiveDate,
    cases: &[StoredCase],
    specs: &[PenaltySpec],
) -> Result<EnforcementSummary> {
    let mut s = EnforcementSummary::default();
    for c in cases {
        let state = c.case.state.as_str();
        let taken = |a: &str| c.case.taken.iter().any(|t| t == a);
        match c.case.procedure.as_str() {
            PENALTY => {
                s.penalties += 1;
                match state {
                    "closed" => s.penalties_closed += 1,
                    "transferred" => s.penalties_transferred += 1,
                    _ => {}
                }
                if c.case.fields.contains_key("fine") {
                    s.penalties_fined += 1;
                }
                if c.case.fields.get("decision_type").and_then(Value::as_str) == Some("no_penalty")
                {
                    s.penalties_not_penalised += 1;
                }
                if c.case.fields.get("is_major") == Some(&json!(true)) {
                    s.penalties_major += 1;
                }
                if taken("review_fail") {
                    s.reviews_failed += 1;
                    for d in c
                        .case
                        .fields
                        .get("review_defects")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        *s.defects
                            .entry(d.as_str().unwrap_or_default().to_string())
                            .or_default() += 1;
                    }
                }
                if stopped_late(registry, calendar, today, c, "publicity") {
                    s.published_late += 1;
                }
                if taken("record_decision_changed") {
                    s.decisions_changed += 1;
                }
            }
            EVALUATION => {
                s.evaluations += 1;
                let grade = c.case.fields.get("grade").and_then(Value::as_str);
                *s.grades
                    .entry(grade.unwrap_or("-").to_string())
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    let gas: Vec<&PenaltySpec> = specs.iter().filter(|p| p.gas_hazards > 0).collect();
    s.gas_companies = gas.len();
    s.gas_hazards = gas.iter().map(|p| p.gas_hazards).sum();
    Ok(s)
}
