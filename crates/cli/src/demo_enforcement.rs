//! The demo district's case-file evaluations (行政执法案卷评查, the report's (五)): the justice
//! bureau's first batch of 2019 evaluates six penalty files — two excellent, three qualified, one
//! unqualified that the body rectifies. Everything else of the demo's enforcement is demo lines
//! (procedures/{enforcement_body,enforcement_certificate,enforcement_item,
//! administrative_penalty}/demo.toml), loaded before this; what is left here names the files it
//! evaluates by their item and still waits to be moved into lines (issue 13, item 6: an
//! evaluation is registered by the justice bureau about another department's file, handed to that
//! department for rectification and back, which the lines do not say yet).
//!
//! Every record is synthetic; every step goes through the engine's own actions, dated in the
//! past, so histories, clocks, case numbers and the event log are the ones real work would leave.

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use fazhi_app::App;
use fazhi_app::cases::Opening;
use fazhi_app::district::synthetic::{Gen, Profile, day, ymd};
use fazhi_core::authz::Principal;
use fazhi_core::engine::{Actor, Command};
use fazhi_core::org::{Grant, Role};
use fazhi_core::region::RegionCode;
use fazhi_store::cases::StoredCase;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const YEAR: i32 = 2019;
const PENALTY: &str = "administrative_penalty";
const EVALUATION: &str = "case_file_evaluation";

/// The files evaluated: the penalty case of this item (as procedures/administrative_penalty/
/// demo.toml names it), and the grade it gets.
const EVALUATED: &[(&str, &str)] = &[
    (
        "对未取得食品经营许可从事食品经营活动的行政处罚",
        "excellent",
    ),
    ("对餐具、饮具使用前未经洗净、消毒的行政处罚", "unqualified"),
    ("对随意倾倒、抛撒或者堆放建筑垃圾的行政处罚", "qualified"),
    (
        "对建设项目未依法进行环境影响评价擅自开工建设的行政处罚",
        "excellent",
    ),
    ("对经营假农药的行政处罚", "qualified"),
    (
        "对医疗卫生机构未将医疗废物按照类别分置于专用包装物或者容器的行政处罚",
        "qualified",
    ),
];

/// What was seeded.
#[derive(Debug, Default)]
pub struct EnforcementSummary {
    pub evaluations: usize,
    /// Evaluations by grade code.
    pub grades: BTreeMap<String, usize>,
    pub steps: usize,
    pub elapsed: std::time::Duration,
}

impl std::fmt::Display for EnforcementSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "虚构的 2019 年行政执法案卷评查 / synthetic 2019 case-file evaluations: {} cases, {} steps in {:.1}s (",
            self.evaluations,
            self.steps,
            self.elapsed.as_secs_f64(),
        )?;
        for (i, (grade, n)) in self.grades.iter().enumerate() {
            write!(f, "{}{grade} {n}", if i == 0 { "" } else { "、" })?;
        }
        write!(f, ")")
    }
}

/// Who takes a step.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// The justice bureau's enforcement supervision section.
    Justice,
    /// The legal affairs section of the body whose file it is.
    Body,
}

fn principal(name: &str, role: Role, region: &RegionCode, department: &str) -> Result<Principal> {
    Ok(Principal {
        user_id: name.to_string(),
        user_name: name.to_string(),
        grants: vec![Grant::new(
            role,
            region.clone(),
            Some(department.to_string()),
        )?],
    })
}

const PEOPLE: Profile = Profile {
    men: 60,
    person_men: 75,
    born: (1958, 1996),
    villages: 30,
    flats: false,
};

/// Seeds the evaluations of the penalty files of `region` (the demo district, its penalty cases
/// loaded). `departments` are the region's departments, as (code, id, name): the justice bureau
/// (`sfj`) evaluates. Fails on the first refused step.
pub async fn seed_enforcement(
    app: &App,
    region: &RegionCode,
    departments: &[(String, String, String)],
) -> Result<EnforcementSummary> {
    let started = std::time::Instant::now();
    let justice_id = departments
        .iter()
        .find(|(code, _, _)| code == "sfj")
        .map(|(_, id, _)| id.clone())
        .context("the justice bureau (sfj)")?;
    let justice = principal(
        "示例·旅顺口区司法局行政执法协调监督科",
        Role::JusticeStaff,
        region,
        &justice_id,
    )?;
    let penalties = app.store().cases_in(region, &[PENALTY]).await?;
    let calendar = app.calendar();
    let mut g = Gen::new(0x0e4f_2019_0212_5eed, &calendar, PEOPLE);
    let evaluators = [
        format!("区司法局 {}", g.name()),
        format!("区司法局 {}", g.name()),
        format!("特邀评查员（律师） {}", g.name()),
    ];
    let mut excellent = [(19, 74), (18, 73)].into_iter();
    let mut qualified = [(17, 65), (16, 61), (15, 58)].into_iter();
    let mut summary = EnforcementSummary::default();
    for (item, grade) in EVALUATED {
        let file = penalties
            .iter()
            .find(|c| c.case.fields.get("item") == Some(&json!(item)))
            .with_context(|| format!("the penalty case of “{item}”"))?;
        let body_id = file.case.department.clone().context("the file's body")?;
        let body_name = departments
            .iter()
            .find(|(_, id, _)| *id == body_id)
            .map_or("执法部门", |(_, _, name)| name.as_str());
        let body = principal(
            &format!("示例·{body_name}法制科"),
            Role::DepartmentStaff,
            region,
            &body_id,
        )?;
        let number = file.number.clone().context("a numbered penalty case")?;
        let mut steps: Vec<(&str, NaiveDate, Who, Value)> = Vec::new();
        let registered = g.between(ymd(YEAR, 11, 18), ymd(YEAR, 11, 22));
        steps.push((
            "register",
            registered,
            Who::Justice,
            json!({
                "batch": "2019年度第一批",
                "batch_year": YEAR,
                "file_number": number,
                "file_kind": "penalty",
                "evaluated_body": body_id,
                "evaluating_body": justice_id,
                "evaluators": evaluators,
            }),
        ));
        let (form, content, vetoes, problems) = match *grade {
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
        steps.push((
            "score",
            scored,
            Who::Justice,
            json!({
                "evaluators": evaluators,
                "form_score": form,
                "content_score": content,
                "total_score": form + content,
                "grade": grade,
                "vetoes": vetoes,
                "problems": problems.clone(),
            }),
        ));
        if *grade == "unqualified" {
            let required = g.later_wd(scored, 1, 2);
            let deadline = g.add_wd(required, 15);
            steps.push((
                "require_rectification",
                required,
                Who::Justice,
                json!({
                    "problems": problems,
                    "rectification_deadline": day(deadline),
                    "evaluated_body": body_id,
                }),
            ));
            let reported = g.later_wd(required, 6, 12);
            steps.push((
                "report_rectification",
                reported,
                Who::Body,
                json!({
                    "rectification_report": "已组织执法人员学习《行政处罚法》和送达规定；对该案重新依法送达决定书并补正送达回证；修订本局行政执法文书送达规范，对2019年全部留置送达案卷开展自查",
                    "rectified_on": day(reported),
                }),
            ));
            steps.push((
                "close",
                g.later_wd(reported, 2, 4),
                Who::Justice,
                json!({"evaluating_body": justice_id, "closing_note": "整改到位，予以办结"}),
            ));
        } else {
            steps.push((
                "close",
                g.later_wd(scored, 1, 3),
                Who::Justice,
                json!({"closing_note": "评查结果已通报被评查单位"}),
            ));
        }
        let actor = |who: Who| match who {
            Who::Justice => Actor::User(&justice),
            Who::Body => Actor::User(&body),
        };
        let fields = |v: Value| -> BTreeMap<String, Value> {
            v.as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let refused = |action: &str, on: NaiveDate, r: &dyn std::fmt::Display| {
            anyhow!("demo step refused: {EVALUATION} {action} ({on}): {r}")
        };
        let (action, on, who, first) = steps.remove(0);
        let mut case: StoredCase = app
            .open(Opening {
                procedure: EVALUATION,
                action: Some(action),
                actor: actor(who),
                region,
                department: Some(justice_id.clone()),
                fields: fields(first),
                on,
                receipt: None,
            })
            .await
            .map_err(|r| refused(action, on, &r))?;
        summary.steps += 1;
        for (action, on, who, values) in steps {
            let command = Command {
                action: action.to_string(),
                expected_version: case.case.version,
                fields: fields(values),
                on,
            };
            case = app
                .act_on(actor(who), case, command)
                .await
                .map_err(|r| refused(action, on, &r))?;
            summary.steps += 1;
        }
        summary.evaluations += 1;
        *summary.grades.entry(grade.to_string()).or_default() += 1;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}
