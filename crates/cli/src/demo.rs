//! The demo district: 旅顺口区 of 大连市 (the district of the seed report), its streets and
//! departments (with a people's mediation committee in every street), and one user for every
//! role. Everything is made through the store's own commands, so the demo's event log verifies
//! like any other. The records are synthetic: the 2018–2019 records of the remedies
//! procedures (demo_remedies.rs) reproduce the counts of the district's 2019 report with
//! fictitious people, companies and texts.

use anyhow::{Context, Result};
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::NewUser;
use fazhi_store::{Location, Store};
use std::path::PathBuf;

pub struct Login {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

const ACTOR: &str = "system:demo";
const DISTRICT: &str = "210212";

const STREETS: &[(&str, &str)] = &[
    ("210212001", "登峰街道"),
    ("210212002", "市场街道"),
    ("210212003", "得胜街道"),
    ("210212004", "光荣街道"),
    ("210212005", "水师营街道"),
];

const DEPARTMENTS: &[(&str, &str, DepartmentKind)] = &[
    (
        "zfb",
        "旅顺口区人民政府办公室",
        DepartmentKind::GovernmentOffice,
    ),
    ("sfj", "旅顺口区司法局", DepartmentKind::Department),
    (
        "ysj",
        "旅顺口区营商环境建设局（政务服务中心）",
        DepartmentKind::ServiceHall,
    ),
    (
        "scjgj",
        "旅顺口区市场监督管理局",
        DepartmentKind::EnforcementBody,
    ),
    (
        "zhzfj",
        "旅顺口区综合行政执法局",
        DepartmentKind::EnforcementBody,
    ),
    ("xfj", "旅顺口区信访局", DepartmentKind::Department),
    (
        "wgzx",
        "旅顺口区网格化服务管理中心",
        DepartmentKind::PublicInstitution,
    ),
    (
        "flyz",
        "旅顺口区法律援助中心",
        DepartmentKind::PublicInstitution,
    ),
];

/// One user per role: (login, name shown, role, department code).
const USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "系统管理员", Role::Admin, None),
    ("leader", "王建国（区长）", Role::Leader, None),
    (
        "justice",
        "李晓梅（司法局）",
        Role::JusticeStaff,
        Some("sfj"),
    ),
    (
        "staff",
        "赵志强（市场监管局）",
        Role::DepartmentStaff,
        Some("scjgj"),
    ),
    (
        "officer",
        "孙海涛（综合执法局）",
        Role::EnforcementOfficer,
        Some("zhzfj"),
    ),
    (
        "reviewer",
        "周静（法制审核）",
        Role::LegalReviewer,
        Some("sfj"),
    ),
    (
        "clerk",
        "吴丽娜（政务服务窗口）",
        Role::WindowClerk,
        Some("ysj"),
    ),
    ("grid", "郑小军（网格员）", Role::GridWorker, Some("wgzx")),
    ("citizen", "陈明（公众）", Role::PublicApplicant, None),
];

pub fn generate_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 14];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

fn logins_file(location: &Location) -> PathBuf {
    match location {
        Location::DataDir(dir) => dir.join("demo-logins.txt"),
        Location::Postgres(_) => PathBuf::from("fazhi-demo-logins.txt"),
    }
}

/// Seeds the demo into an empty store; otherwise reads back the logins made when it was seeded.
pub async fn seed_or_load(store: &Store, location: &Location) -> Result<Vec<Login>> {
    let file = logins_file(location);
    if store.has_data().await? {
        return read_logins(&file);
    }
    install_sample_procedure(location)?;
    let logins = seed(store, location).await?;
    write_logins(&file, &logins)?;
    Ok(logins)
}

async fn seed(store: &Store, location: &Location) -> Result<Vec<Login>> {
    let city = RegionCode::parse("210200")?;
    let district = RegionCode::parse(DISTRICT)?;
    store.add_region(ACTOR, &city, "大连市", None).await?;
    store
        .add_region(ACTOR, &district, "旅顺口区", Some(&city))
        .await?;
    for (code, name) in STREETS {
        store
            .add_region(ACTOR, &RegionCode::parse(code)?, name, Some(&district))
            .await?;
    }
    let mut department_ids = Vec::new();
    for (code, name, kind) in DEPARTMENTS {
        let d = store
            .add_department(ACTOR, &district, code, name, *kind)
            .await?;
        department_ids.push((*code, d.id));
    }
    let mut committees = Vec::new();
    for (code, street) in STREETS {
        let region = RegionCode::parse(code)?;
        let d = store
            .add_department(
                ACTOR,
                &region,
                COMMITTEE,
                &format!("{street}人民调解委员会"),
                DepartmentKind::Committee,
            )
            .await?;
        committees.push((region, street.to_string(), d.id));
    }
    let mut logins = Vec::new();
    for (name, display_name, role, department) in USERS {
        let department = department.map(|code| {
            department_ids
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, id)| id.clone())
                .expect("demo departments include every code used")
        });
        let password = generate_password()?;
        store
            .add_user(
                ACTOR,
                NewUser {
                    name: UserName::parse(name)?,
                    display_name: display_name.to_string(),
                    region: district.clone(),
                    password: password.clone(),
                    grants: vec![Grant::new(*role, district.clone(), department)?],
                },
            )
            .await?;
        logins.push(Login {
            name: name.to_string(),
            display_name: display_name.to_string(),
            role: *role,
            password,
        });
    }
    seed_cases(store).await?;
    seed_history(store, location, &district, &department_ids, committees).await?;
    if store.key_dir().is_some() {
        store.checkpoint().await?;
    }
    Ok(logins)
}

/// The people's mediation committee's department code in each street.
const COMMITTEE: &str = "tjwyh";

/// Staff who record the remedies history, made in code (the demo's logins stay one per role):
/// (department code, name shown in the history).
const HISTORY_STAFF: &[(&str, &str)] = &[
    ("zfb", "示例·陈静（区政府办公室政务公开科）"),
    ("sfj", "示例·刘洋（司法局行政复议与应诉科）"),
    ("xfj", "示例·韩立新（信访局）"),
    ("flyz", "示例·宫晓雪（法律援助中心）"),
];

pub fn history_staff(
    user_id: &str,
    region: &RegionCode,
    department: &str,
) -> Result<fazhi_core::authz::Principal> {
    Ok(fazhi_core::authz::Principal {
        user_id: user_id.to_string(),
        user_name: user_id.to_string(),
        grants: vec![Grant::new(
            Role::DepartmentStaff,
            region.clone(),
            Some(department.to_string()),
        )?],
    })
}

/// The synthetic 2018–2019 records of reconsideration, litigation, petitions, disclosure
/// requests, legal aid, consultations and mediation (see demo_remedies.rs).
async fn seed_history(
    store: &Store,
    location: &Location,
    district: &RegionCode,
    department_ids: &[(&str, String)],
    committees: Vec<(RegionCode, String, String)>,
) -> Result<()> {
    use crate::demo_remedies::{Office, Offices};
    let folder = match location {
        Location::DataDir(dir) => Some(dir.join("procedures")),
        Location::Postgres(_) => None,
    };
    let app = fazhi_app::App::load(store.clone(), folder.as_deref(), Default::default())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let office = |code: &str| -> Result<Office> {
        let department = department_ids
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, id)| id.clone())
            .context("demo departments include every office")?;
        let name = HISTORY_STAFF
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| *n)
            .context("every office has a member of staff")?;
        Ok(Office {
            place: "旅顺口区".into(),
            region: district.clone(),
            staff: history_staff(name, district, &department)?,
            department,
        })
    };
    let offices = Offices {
        government_office: office("zfb")?,
        justice: office("sfj")?,
        petitions: office("xfj")?,
        legal_aid: office("flyz")?,
        committees: committees
            .into_iter()
            .map(|(region, street, department)| {
                Ok(Office {
                    staff: history_staff(
                        &format!("示例·{street}人民调解委员会调解员"),
                        &region,
                        &department,
                    )?,
                    place: street,
                    region,
                    department,
                })
            })
            .collect::<Result<_>>()?,
    };
    let summary = crate::demo_remedies::seed_remedies(&app, &offices).await?;
    eprintln!("{summary}");
    let departments: Vec<(String, String, String)> = department_ids
        .iter()
        .map(|(code, id)| {
            let name = DEPARTMENTS
                .iter()
                .find(|d| d.0 == *code)
                .map(|d| d.1.to_string())
                .unwrap_or_default();
            (code.to_string(), id.clone(), name)
        })
        .collect();
    let enforcement =
        crate::demo_enforcement::seed_enforcement(&app, district, &departments).await?;
    eprintln!("{enforcement}");
    Ok(())
}

/// The demo's example procedure (a licensing-like application, clearly named 示例).
pub const SAMPLE_PROCEDURE: &str = include_str!("../../../demo/sample-permit.toml");

/// Writes the example procedure into the data folder, where `serve` finds it.
pub fn install_sample_procedure(location: &Location) -> Result<()> {
    if let Location::DataDir(dir) = location {
        let folder = dir.join("procedures");
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join("sample-permit.toml"), SAMPLE_PROCEDURE)?;
    }
    Ok(())
}

/// A handful of applications at different stages, so that lists, deadlines (normal, yellow,
/// red) and the dashboard have something to show. Made through the engine, backdated.
async fn seed_cases(store: &Store) -> Result<()> {
    use fazhi_core::calendar::Calendar;
    use fazhi_core::engine::{Actor, Command};
    use fazhi_core::procedure::Registry;
    use serde_json::json;
    let registry =
        Registry::from_sources(&[("sample-permit.toml".into(), SAMPLE_PROCEDURE.into())])
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let procedure = registry.procedures(store.today())[0].code.clone();
    let app = fazhi_app::App::new(
        store.clone(),
        registry,
        Calendar::embedded().clone(),
        Default::default(),
    );
    let district = RegionCode::parse(DISTRICT)?;
    let clerk = store
        .user_by_name("clerk")
        .await?
        .context("demo clerk")?
        .principal();
    let today = store.today();
    let day = |n: i64| today - chrono::Duration::days(n);
    let date = |d: chrono::NaiveDate| json!(d.format("%Y-%m-%d").to_string());
    // (applicant, matter, received days ago, accepted days ago, refused the day after receipt)
    let applications: [(&str, &str, i64, Option<i64>, bool); 6] = [
        (
            "旅顺某燃气有限公司",
            "燃气经营许可（新设）",
            40,
            Some(38),
            false,
        ),
        (
            "大连某食品有限公司",
            "食品经营许可（变更）",
            30,
            Some(27),
            false,
        ),
        ("旅顺口区某药房", "药品经营许可（延续）", 3, None, false),
        ("某餐饮管理有限公司", "食品经营许可（新设）", 0, None, false),
        ("某物流有限公司", "道路运输经营许可", 25, None, true),
        ("某建材有限公司", "户外广告设置许可", 10, None, false),
    ];
    for (i, (name, matter, received, accepted, decided)) in applications.into_iter().enumerate() {
        let code = format!("91210212MA0{:06}", 100 + i);
        let credit = format!(
            "{code}{}",
            fazhi_core::codes::CreditCode::check_char(&code).unwrap_or('0')
        );
        let fields = [
            (
                "applicant",
                json!({"kind": "organisation", "name": name, "credit_code": credit}),
            ),
            ("matter", json!(matter)),
            ("received_on", date(day(received))),
            (
                "channel",
                json!(if i % 2 == 0 { "window" } else { "online" }),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let department = clerk.grants[0].department.clone();
        let case = app
            .open(fazhi_app::cases::Opening {
                procedure: &procedure,
                action: Some("register"),
                actor: Actor::User(&clerk),
                region: &district,
                department,
                fields,
                on: today,
                receipt: None,
            })
            .await
            .map_err(|r| anyhow::anyhow!("demo case refused: {r}"))?;
        let mut version = case.case.version;
        let mut take = |action: &'static str,
                        on: chrono::NaiveDate,
                        fields: Vec<(&str, serde_json::Value)>| {
            let command = Command {
                action: action.to_string(),
                expected_version: version,
                fields: fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                on,
            };
            version += 1;
            command
        };
        if let Some(days) = accepted {
            let who = Actor::User(&clerk);
            let command = take("accept", day(days), vec![]);
            app.act(who, &case.case.id, command)
                .await
                .map_err(|r| anyhow::anyhow!("{r}"))?;
        } else if decided {
            let reason = "申请事项不属于本机关职权范围，已告知向有关行政机关申请";
            let command = take("refuse", day(received - 1), vec![("reason", json!(reason))]);
            app.act(Actor::User(&clerk), &case.case.id, command)
                .await
                .map_err(|r| anyhow::anyhow!("{r}"))?;
        } else if received >= 10 {
            let command = take(
                "request_supplement",
                day(received - 1),
                vec![
                    (
                        "supplement_items",
                        json!("营业执照副本复印件；场地使用证明"),
                    ),
                    ("supplement_deadline", date(day(-5))),
                ],
            );
            app.act(Actor::User(&clerk), &case.case.id, command)
                .await
                .map_err(|r| anyhow::anyhow!("{r}"))?;
        }
    }
    Ok(())
}

fn write_logins(file: &PathBuf, logins: &[Login]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    for l in logins {
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            l.name,
            l.password,
            l.role.code(),
            l.display_name
        )?;
    }
    Ok(())
}

fn read_logins(file: &PathBuf) -> Result<Vec<Login>> {
    let Ok(text) = std::fs::read_to_string(file) else {
        eprintln!(
            "This store already holds data and has no demo logins file ({}); use `fazhi user list`.",
            file.display()
        );
        return Ok(Vec::new());
    };
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, '\t');
            let name = parts.next()?.to_string();
            let password = parts.next()?.to_string();
            let role = Role::parse(parts.next()?)?;
            let display_name = parts.next()?.to_string();
            Some(Login {
                name,
                display_name,
                role,
                password,
            })
        })
        .collect())
}

pub fn print_logins(logins: &[Login], address: &str) {
    if logins.is_empty() {
        return;
    }
    println!("演示区：大连市旅顺口区（示例数据均为虚构 / all demo records are synthetic）");
    println!(
        "  2018–2019 年的行政复议、行政应诉、信访、依申请公开、法律援助和人民调解记录按该区 2019 年法治政府建设报告的数字生成，人员、证件号码、企业和内容均为虚构。"
    );
    println!(
        "  The 2018–2019 remedies records reproduce the figures of the district's 2019 report; every person, ID number, company and text in them is fictitious."
    );
    println!("演示账号 / demo logins (http://{address}/console/login):");
    println!("  {:<10} {:<16} {:<22} name", "user", "password", "role");
    for l in logins {
        println!(
            "  {:<10} {:<16} {:<22} {}",
            l.name,
            l.password,
            l.role.code(),
            l.display_name
        );
    }
}
