//! `fazhi demo`: seeds the demo district — 旅顺口区 of 大连市, the district of the seed report —
//! from data: its regions, departments and one login per role from `demo/district.toml`, its
//! records from every procedure's demo lines (`procedures/<code>/demo.toml`), loaded in bulk by
//! `fazhi_app::district` with progress shown. Everything goes through the store's own commands
//! and the engine, so the demo's event log verifies like any other. The
//! records are synthetic: the 2018–2019 records reproduce the counts of the district's 2019
//! report with fictitious people, companies and texts. This file keeps what only the command
//! does: passwords, the logins file and the example procedure's applications around today.

use anyhow::{Context, Result};
use fazhi_app::district::{self, DistrictFile, Progress};
use fazhi_core::org::Role;
use fazhi_core::region::RegionCode;
use fazhi_store::{Location, Store};
use std::io::Write;
use std::path::PathBuf;

pub struct Login {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

const ACTOR: &str = "system:demo";

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
    let file = DistrictFile::parse("demo/district.toml", district::DEMO_DISTRICT)?;
    let passwords = file
        .user
        .iter()
        .map(|_| generate_password())
        .collect::<Result<Vec<_>>>()?;
    let established = district::establish(store, ACTOR, &file, &passwords).await?;
    let logins = file
        .user
        .iter()
        .zip(passwords)
        .map(|(u, password)| Login {
            name: u.login.clone(),
            display_name: u.name.clone(),
            role: u.role,
            password,
        })
        .collect();
    seed_cases(store, &established.district).await?;
    seed_history(store, location, &established).await?;
    if store.key_dir().is_some() {
        store.checkpoint().await?;
    }
    Ok(logins)
}

/// The district's history: the cases of every procedure's demo lines.
async fn seed_history(
    store: &Store,
    location: &Location,
    established: &district::Established,
) -> Result<()> {
    let folder = match location {
        Location::DataDir(dir) => Some(dir.join("procedures")),
        Location::Postgres(_) => None,
    };
    let app = fazhi_app::App::load(store.clone(), folder.as_deref(), Default::default()).await?;
    let started = std::time::Instant::now();
    let calendar = app.calendar();
    let mut plans = Vec::new();
    for lines in fazhi_app::loading::demo_lines(folder.as_deref(), app.procedures())? {
        plans.extend(district::generate(
            &lines,
            district::Draw::new(district::DEMO_SEED, app.today()),
            &calendar,
            &established.offices,
        )?);
    }
    district::in_number_order(&mut plans);
    let total = plans.len();
    let loaded =
        district::load(&app, plans.into_iter().map(Ok), Some(total), show_progress).await?;
    eprintln!();
    eprint!(
        "虚构的 2018–2019 年示例记录 / synthetic 2018–2019 records: {} cases, {} steps in {:.1}s (",
        loaded.cases,
        loaded.events,
        started.elapsed().as_secs_f64()
    );
    let mut last = "";
    for ((procedure, year), n) in &loaded.opened {
        if procedure != last {
            if !last.is_empty() {
                eprint!("; ");
            }
            eprint!("{procedure}");
            last = procedure;
        }
        eprint!(" {year}:{n}");
    }
    eprintln!(")");
    eprint!("结果 / outcomes:");
    let mut last = "";
    for ((procedure, state), n) in &loaded.ended {
        if procedure != last {
            eprint!("{}{procedure}", if last.is_empty() { " " } else { "; " });
            last = procedure;
        }
        eprint!(" {state}:{n}");
    }
    eprintln!();
    Ok(())
}

fn show_progress(p: Progress) {
    let total = p.total.unwrap_or(p.cases);
    eprint!(
        "\r示例记录 / demo records: {}/{} cases, {} steps",
        p.cases, total, p.events
    );
    let _ = std::io::stderr().flush();
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
async fn seed_cases(store: &Store, district: &RegionCode) -> Result<()> {
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
                region: district,
                department,
                fields,
                // Registered the day it was received: the later steps follow it in order.
                on: day(received),
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
        "  2018–2019 年的行政执法、行政复议、行政应诉、信访、依申请公开、法律援助和人民调解记录按该区 2019 年法治政府建设报告的数字生成，人员、证件号码、企业和内容均为虚构。"
    );
    println!(
        "  The 2018–2019 enforcement and remedies records reproduce the figures of the district's 2019 report; every person, ID number, company and text in them is fictitious."
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
