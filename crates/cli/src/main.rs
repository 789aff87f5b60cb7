//! `fazhi`: the one binary. Serves the portal, console and API; seeds the demo district;
//! manages users; verifies and checkpoints the event log; backs up and restores.
#![forbid(unsafe_code)]

mod bench;
mod bench_data;
mod bench_plot;
mod config;
mod demo;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use config::FileConfig;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::NewUser;
use fazhi_store::{Location, OpenOptions, Store};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fazhi",
    version,
    about = "法治 Fazhi — a district government's rule-of-law work, publicity and statutory reports in one system.",
    long_about = "法治 Fazhi — a district government's rule-of-law work, publicity and statutory reports in one system.\n\n\
        Start with `fazhi demo`: it creates a demo district in ./fazhi-demo, prints the logins and serves\n\
        http://127.0.0.1:8080. For a real installation: `fazhi region add`, `fazhi department add`,\n\
        `fazhi user add --role admin`, then `fazhi serve`. Every command that opens a store takes\n\
        --data DIR (SQLite, the default ./fazhi-data) or --database postgres://…"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StoreArgs {
    /// Data folder for the embedded SQLite store [default: ./fazhi-data; for `fazhi demo`, ./fazhi-demo]
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user:password@host/db) instead of the data folder
    #[arg(long, env = "FAZHI_DATABASE_URL", global = true)]
    database: Option<String>,
    /// Folder of the checkpoint signing key [default: DATA/keys]
    #[arg(long, env = "FAZHI_KEY_DIR", global = true)]
    key_dir: Option<PathBuf>,
    /// Config file (TOML: data_dir, database_url, key_dir, files_dir, procedures_dir, reports_dir, listen, secure_cookies, trust_proxy, metrics_token)
    #[arg(long, env = "FAZHI_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Folder of procedure definitions that add to or replace the embedded ones [default: DATA/procedures]
    #[arg(long, env = "FAZHI_PROCEDURES", global = true)]
    procedures: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (/), the staff console (/console) and the API (/api/v1)
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Seed the demo district (if its folder is empty), print its logins and serve it
    Demo {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        /// Only seed and print the logins; do not serve
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Regions (GB/T 2260 codes)
    #[command(subcommand)]
    Region(RegionCommand),
    /// Departments of a region
    #[command(subcommand)]
    Department(DepartmentCommand),
    /// User accounts and API tokens
    #[command(subcommand)]
    User(UserCommand),
    /// Prove the event log was not altered
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Statutory reports computed from the records
    #[command(subcommand)]
    Report(ReportCommand),
    /// The official working-day calendar and statutory period arithmetic
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Measure throughput (figures for docs/benchmarks.md; nothing is asserted)
    Bench {
        /// A small run that finishes in seconds (CI uses it as a smoke test)
        #[arg(long)]
        quick: bool,
        /// Benchmark a PostgreSQL store (a scratch database you provide) instead of SQLite
        #[arg(long)]
        database: Option<String>,
        /// Print JSON
        #[arg(long, value_parser = ["json", "text"], default_value = "text")]
        format: String,
        /// How many records to generate first: one district, a city of 10, a province of 100
        #[arg(long, value_enum, default_value = "district")]
        scale: bench_data::Scale,
        /// Also write the JSON figures to this file
        #[arg(long)]
        save: Option<PathBuf>,
        /// Instead of measuring, draw how cost grows with scale from saved runs (`--save`) into this SVG file
        #[arg(long, requires = "runs")]
        plot: Option<PathBuf>,
        /// The saved runs to plot
        runs: Vec<PathBuf>,
        /// Keep the scratch folder with the generated store (to inspect or profile it)
        #[arg(long)]
        keep: bool,
    },
    /// Write a consistent backup of the store (while it is in use)
    Backup {
        /// The backup file to create (it must not exist)
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Restore a backup into the store
    Restore {
        /// The backup file
        file: PathBuf,
        /// Replace the store's current content
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The government information disclosure annual report (政府信息公开工作年度报告)
    Disclosure {
        /// The year reported on
        #[arg(long)]
        year: i32,
        /// html, json or docx
        #[arg(long, default_value = "html", value_parser = ["html", "json", "docx"])]
        format: String,
        /// The table format: 2019 (国办公开办函〔2019〕60号) or 2021 (〔2021〕30号) [default: by year]
        #[arg(long, value_parser = ["2019", "2021"])]
        table_format: Option<String>,
        /// The region reported on (GB/T 2260) [default: the only district-level region]
        #[arg(long)]
        region: Option<String>,
        /// Write to this file instead of standard output (required for docx)
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The rule-of-law government annual report (法治政府建设年度报告): its text with the
    /// district's edits and every figure computed from the records (reports/rule_of_law.toml,
    /// or DATA/reports/rule_of_law.toml); json lists each figure with the ids behind it
    RuleOfLaw {
        /// The year reported on
        #[arg(long)]
        year: i32,
        /// md, html, docx, pdf or json
        #[arg(long, default_value = "json", value_parser = ["md", "html", "docx", "pdf", "json"])]
        format: String,
        /// Link each figure to its records under this address (e.g. https://fazhi.example.gov.cn)
        /// in html and md [default: no links]
        #[arg(long)]
        link_base: Option<String>,
        /// The region reported on (GB/T 2260) [default: the only district-level region]
        #[arg(long)]
        region: Option<String>,
        /// Write to this file instead of standard output
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// One line per date: DATE<TAB>workday|restday<TAB>name (holiday, 调休上班, 周末 or empty)
    Days {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
    },
    /// The due date of a period starting on --from (the start day is not counted), then how it
    /// was computed
    #[command(group(clap::ArgGroup::new("length").required(true).args(["days", "working_days", "months"])))]
    Due {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Calendar days (a last day on a rest day moves to the next working day)
        #[arg(long)]
        days: Option<u32>,
        /// Working days
        #[arg(long)]
        working_days: Option<u32>,
        /// Months (the corresponding date, or the month's last day)
        #[arg(long)]
        months: Option<u32>,
    },
}

#[derive(Subcommand)]
enum RegionCommand {
    /// Register a region
    Add {
        /// GB/T 2260 code: 6 digits (province, city, county), 9 (street), 12 (community)
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The parent region's code (already registered)
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List regions
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum DepartmentCommand {
    /// Register a department
    Add {
        #[arg(long)]
        region: String,
        /// Short code, unique in the region (letters, digits, . _ -), e.g. sfj
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// government_office, department, enforcement_body, service_hall, committee,
        /// street_office, public_institution, other
        #[arg(long, default_value = "department")]
        kind: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List departments
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with one role (prints a generated password unless --password-stdin)
    Add {
        /// Login name: lower-case letters, digits, . _ -
        #[arg(long)]
        name: String,
        /// The person's name as shown, e.g. 张三
        #[arg(long)]
        display_name: String,
        /// admin, leader, justice_staff, department_staff, enforcement_officer,
        /// legal_reviewer, window_clerk, grid_worker, public_applicant
        #[arg(long)]
        role: String,
        /// The region code the role applies to
        #[arg(long)]
        region: String,
        /// The department's code in that region (required for department-bound roles)
        #[arg(long)]
        department: Option<String>,
        /// Read the password from standard input instead of generating one
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List users and their roles
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List a user's API tokens (id, label, created, revoked)
    Tokens {
        #[arg(long)]
        user: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke an API token by its id (from `fazhi user tokens`)
    RevokeToken {
        #[arg(long)]
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a new API bearer token for a user (stored only as a hash)
    Token {
        #[arg(long)]
        user: String,
        /// What the token is for
        #[arg(long, default_value = "cli")]
        label: String,
        /// How many days it works (at most 365)
        #[arg(long, default_value_t = fazhi_store::accounts::DEFAULT_TOKEN_DAYS)]
        days: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every chain and check the checkpoints; exit 1 naming the first bad event
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// The trust anchor: the installation's published public key (64 hex digits, or the
        /// path of its checkpoint.pub). Without it, the key folder's own key is used; with
        /// neither, verification refuses.
        #[arg(long, value_name = "HEX|FILE")]
        public_key: Option<String>,
    },
    /// Sign and record each region's chain head
    Checkpoint {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Everything resolved from flags, environment and config file.
pub struct Settings {
    pub location: Location,
    pub key_dir: Option<PathBuf>,
    pub procedures_dir: Option<PathBuf>,
    /// The installation's own report files (`<data>/reports` by default).
    pub reports_dir: Option<PathBuf>,
    pub file: FileConfig,
}

impl StoreArgs {
    fn settings(&self, default_data: &str) -> Result<Settings> {
        let file = FileConfig::load(self.config.as_deref())?;
        let database = self.database.clone().or(file.database_url.clone());
        let data = self
            .data
            .clone()
            .or(file.data_dir.clone())
            .or_else(|| Some(PathBuf::from(default_data)));
        let location = Location::from_args(data, database).map_err(|e| anyhow!("{e}"))?;
        let key_dir = self.key_dir.clone().or(file.key_dir.clone());
        let procedures_dir = self
            .procedures
            .clone()
            .or(file.procedures_dir.clone())
            .or_else(|| match &location {
                Location::DataDir(dir) => Some(dir.join("procedures")),
                Location::Postgres(_) => None,
            });
        let reports_dir = file.reports_dir.clone().or_else(|| match &location {
            Location::DataDir(dir) => Some(dir.join("reports")),
            Location::Postgres(_) => None,
        });
        Ok(Settings {
            location,
            key_dir,
            procedures_dir,
            reports_dir,
            file,
        })
    }

    async fn open(&self) -> Result<Store> {
        open(&self.settings("fazhi-data")?).await
    }
}

/// The region a report is about: the one asked for, or the store's only district.
fn reported_region(
    regions: &[fazhi_store::accounts::Region],
    asked: Option<String>,
) -> Result<fazhi_core::region::RegionCode> {
    Ok(match asked {
        Some(code) => fazhi_core::region::RegionCode::parse(&code)?,
        None => {
            let districts: Vec<_> = regions.iter().filter(|r| r.level == "county").collect();
            match districts.as_slice() {
                [one] => fazhi_core::region::RegionCode::parse(&one.code)?,
                [] => bail!("库中没有区县级区划；请用 --region 指定"),
                _ => bail!("库中有多个区县级区划；请用 --region 指定"),
            }
        }
    })
}

/// A store that must already hold Fazhi's records (for commands that only read them, such as
/// reports): a mistyped folder is an error, not a new empty store.
async fn open_existing(settings: &Settings) -> Result<Store> {
    if let Some(file) = settings.location.sqlite_file()
        && !file.exists()
    {
        bail!(
            "{} 不存在：这里没有 Fazhi 的数据（请用 --data 指向已有的数据目录，或用 --database 指定数据库）",
            file.display()
        );
    }
    let store = open(settings).await?;
    if !store.has_data().await? {
        store.close().await;
        bail!(
            "{} 中没有任何记录：请检查 --data 或 --database 是否指向在用的 Fazhi 数据",
            settings.location.describe()
        );
    }
    Ok(store)
}

async fn open(settings: &Settings) -> Result<Store> {
    let mut options = OpenOptions::new(settings.location.clone());
    if let Some(dir) = &settings.key_dir {
        options.key_dir = Some(dir.clone());
    }
    if let Some(dir) = &settings.file.files_dir {
        options.files_dir = Some(dir.clone());
    }
    Store::open(options)
        .await
        .with_context(|| format!("无法打开数据库 {}", settings.location.describe()))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAZHI_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    fazhi_web::install_metrics();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fazhi: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve { listen, store } => {
            let settings = store.settings("fazhi-data")?;
            let store = open(&settings).await?;
            serve(store, &settings, listen).await?;
        }
        Command::Demo {
            listen,
            no_serve,
            store,
        } => {
            let settings = store.settings("fazhi-demo")?;
            let store = open(&settings).await?;
            let logins = demo::seed_or_load(&store, &settings.location).await?;
            let address = listen_address(listen.clone(), &settings);
            demo::print_logins(&logins, &address);
            if !no_serve {
                serve(store, &settings, listen).await?;
            } else {
                store.close().await;
            }
        }
        Command::Region(RegionCommand::Add {
            code,
            name,
            parent,
            store,
        }) => {
            let store = store.open().await?;
            let code = RegionCode::parse(&code)?;
            let parent = parent.as_deref().map(RegionCode::parse).transpose()?;
            let region = store
                .add_region("cli", &code, &name, parent.as_ref())
                .await?;
            println!("{}\t{}\t{}", region.code, region.name, region.level);
            store.close().await;
        }
        Command::Region(RegionCommand::List { store }) => {
            let store = store.open().await?;
            for r in store.regions().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    r.code,
                    r.name,
                    r.level,
                    r.parent.unwrap_or_default()
                );
            }
            store.close().await;
        }
        Command::Department(DepartmentCommand::Add {
            region,
            code,
            name,
            kind,
            store,
        }) => {
            let store = store.open().await?;
            let region = RegionCode::parse(&region)?;
            let kind = DepartmentKind::parse(&kind).ok_or_else(|| {
                anyhow!(
                    "部门类型“{kind}”无效；可用：{}",
                    DepartmentKind::ALL
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let d = store
                .add_department("cli", &region, &code, &name, kind)
                .await?;
            println!("{}\t{}\t{}\t{}", d.id, d.region, d.code, d.name);
            store.close().await;
        }
        Command::Department(DepartmentCommand::List { store }) => {
            let store = store.open().await?;
            for d in store.departments(None).await? {
                println!("{}\t{}\t{}\t{}\t{}", d.region, d.code, d.name, d.kind, d.id);
            }
            store.close().await;
        }
        Command::User(UserCommand::Add {
            name,
            display_name,
            role,
            region,
            department,
            password_stdin,
            store,
        }) => {
            let store = store.open().await?;
            let name = UserName::parse(&name)?;
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!(
                    "角色“{role}”无效；可用：{}",
                    Role::ALL
                        .iter()
                        .map(|r| r.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let region = RegionCode::parse(&region)?;
            let department = match department {
                Some(code) => Some(
                    store
                        .departments(Some(&region))
                        .await?
                        .into_iter()
                        .find(|d| d.code == code || d.id == code)
                        .ok_or_else(|| anyhow!("区划 {region} 中没有代码为“{code}”的部门"))?
                        .id,
                ),
                None => None,
            };
            let grant = Grant::new(role, region.clone(), department)?;
            let (password, generated) = if password_stdin {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                (text.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (demo::generate_password()?, true)
            };
            let user = store
                .add_user(
                    "cli",
                    NewUser {
                        name,
                        display_name,
                        region,
                        password: password.clone(),
                        grants: vec![grant],
                    },
                )
                .await?;
            println!("{}\t{}", user.name, user.id);
            if generated {
                println!("password: {password}");
            }
            store.close().await;
        }
        Command::User(UserCommand::List { store }) => {
            let store = store.open().await?;
            for u in store.users().await? {
                let roles: Vec<String> = u
                    .grants
                    .iter()
                    .map(|g| match &g.department {
                        Some(d) => format!("{}@{}/{}", g.role, g.region, d),
                        None => format!("{}@{}", g.role, g.region),
                    })
                    .collect();
                println!("{}\t{}\t{}", u.name, u.display_name, roles.join(","));
            }
            store.close().await;
        }
        Command::User(UserCommand::Tokens { user, store }) => {
            let store = store.open().await?;
            let found = store
                .user_by_name(&user)
                .await?
                .ok_or_else(|| anyhow!("没有用户“{user}”"))?;
            for t in store.tokens_of(&found.id).await? {
                let status = match t.revoked_at {
                    Some(r) => format!("revoked {}", r.display_minutes()),
                    None if t.usable => format!("active until {}", t.expires_at.display_minutes()),
                    None => format!("expired {}", t.expires_at.display_minutes()),
                };
                println!(
                    "{}\t{}\t{}\t{status}",
                    t.id,
                    t.label,
                    t.created_at.display_minutes()
                );
            }
            store.close().await;
        }
        Command::User(UserCommand::RevokeToken { id, store }) => {
            let store = store.open().await?;
            store.revoke_token("cli", &id).await?;
            println!("revoked {id}");
            store.close().await;
        }
        Command::User(UserCommand::Token {
            user,
            label,
            days,
            store,
        }) => {
            let store = store.open().await?;
            let found = store
                .user_by_name(&user)
                .await?
                .ok_or_else(|| anyhow!("没有用户“{user}”"))?;
            let token = store.create_token("cli", &found.id, &label, days).await?;
            println!("{token}");
            eprintln!(
                "Use it as: Authorization: Bearer <token>. It is shown only once, and works for {days} days."
            );
            store.close().await;
        }
        Command::Audit(AuditCommand::Verify { store, public_key }) => {
            let anchor = public_key.as_deref().map(read_anchor).transpose()?;
            let explicit = anchor.is_some();
            let store = store.open().await?;
            let report = store.verify_against(anchor).await?;
            store.close().await;
            for r in &report.regions {
                println!(
                    "region {}: {} events verified, {} checkpoints checked",
                    r.region, r.events, r.checkpoints
                );
            }
            if let Some(rows) = &report.rows {
                println!(
                    "rows: {} cases ({} written before their events carried digests), {} published rows, {} users compared with their events",
                    rows.cases, rows.cases_not_vouched, rows.publications, rows.users
                );
            }
            if let Some(fault) = report.fault {
                println!("TAMPERED: {fault}");
                return Ok(ExitCode::from(1));
            }
            // Without a trusted key a rewritten history re-signed with another key passes:
            // that proves nothing, so it is refused rather than reported as OK.
            if !report.trusted_key && report.checkpoints() > 0 {
                println!(
                    "REFUSED: no trust anchor — the checkpoints were checked only against the keys stored with them. \
                     Pass --public-key with the installation's published key (checkpoint.pub), or --key-dir with its key folder."
                );
                return Ok(ExitCode::from(2));
            }
            if explicit && report.checkpoints() == 0 {
                println!(
                    "REFUSED: the store holds no checkpoint to check against the public key given"
                );
                return Ok(ExitCode::from(2));
            }
            if report.checkpoints() == 0 {
                eprintln!(
                    "note: no checkpoint has been signed yet; this proves the chains are whole, not that they are the ones published"
                );
            }
            println!("OK: {} events verified", report.events());
        }
        Command::Audit(AuditCommand::Checkpoint { store }) => {
            let store = store.open().await?;
            let made = store.checkpoint().await?;
            for c in &made {
                println!(
                    "region {} height {} head {}",
                    c.region,
                    c.height,
                    hex_string(&c.head)
                );
            }
            if made.is_empty() {
                println!("nothing new to checkpoint");
            }
            store.close().await;
        }
        Command::Calendar(command) => return calendar(command),
        Command::Report(ReportCommand::Disclosure {
            year,
            format,
            table_format,
            region,
            out,
            store,
        }) => {
            let settings = store.settings("fazhi-data")?;
            let store = open_existing(&settings).await?;
            let app = report_app(&store, &settings).await?;
            let regions = store.regions().await?;
            let region = reported_region(&regions, region)?;
            let body = regions
                .iter()
                .find(|r| r.code == region.as_str())
                .map(|r| format!("{}人民政府", r.name))
                .ok_or_else(|| anyhow!("区划 {region} 不在库中"))?;
            let table_format = table_format
                .as_deref()
                .and_then(fazhi_report::disclosure::Format::from_code);
            let report = app
                .disclosure_report(&region, year, table_format)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            store.close().await;
            let document = report.to_document(&body, &|_| None);
            let bytes = match format.as_str() {
                "json" => serde_json::to_vec_pretty(&report.to_json())?,
                "docx" => fazhi_report::docx::render(&document, &Default::default())
                    .map_err(|e| anyhow!("{e}"))?,
                _ => fazhi_report::html::render(&document).into_bytes(),
            };
            match out {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("无法写入 {}", path.display()))?,
                None if format == "docx" => bail!("DOCX 须用 --out 指定输出文件"),
                None => print_out(&bytes)?,
            }
            if !report.consistency.ok {
                eprintln!("注意：有记录不符合勾稽关系（一 + 二 = 三（七） + 四），详见报告末尾。");
                return Ok(ExitCode::from(3));
            }
        }
        Command::Report(ReportCommand::RuleOfLaw {
            year,
            format,
            link_base,
            region,
            out,
            store,
        }) => {
            use fazhi_app::annual_report::Format;
            let format = Format::from_code(&format).context("unknown format")?;
            if !format.is_text() && out.is_none() {
                bail!(
                    "{} 须用 --out 指定输出文件",
                    format.extension().to_uppercase()
                );
            }
            let settings = store.settings("fazhi-data")?;
            let store = open_existing(&settings).await?;
            let region = reported_region(&store.regions().await?, region)?;
            let app = report_app(&store, &settings).await?;
            let report = app
                .annual_report("rule_of_law", &region, year, format.detail())
                .await
                .map_err(|e| anyhow!("{e}"))?;
            store.close().await;
            let links = link_base.as_deref().map(|b| b.trim_end_matches('/'));
            let bytes = match format {
                Format::Pdf => fazhi_pdf::render(&report.document(links), &Default::default())?,
                other => report.render(other, links).map_err(|e| anyhow!("{e}"))?,
            };
            match out {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("无法写入 {}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
        }
        Command::Bench {
            quick,
            database,
            format,
            scale,
            save,
            plot,
            runs,
            keep,
        } => match plot {
            Some(out) => bench_plot::write(&runs, &out)?,
            None => {
                bench::run(bench::BenchOptions {
                    quick,
                    database,
                    json: format == "json",
                    scale,
                    save,
                    keep,
                })
                .await?
            }
        },
        Command::Backup { out, store } => {
            let settings = store.settings("fazhi-data")?;
            let store = open(&settings).await?;
            let summary = store.backup(&out, &carried_folders(&settings)).await?;
            store.close().await;
            println!(
                "backup written: {} ({} events, {} bytes, schema version {})",
                out.display(),
                summary.events,
                summary.bytes,
                summary.schema_version
            );
        }
        Command::Restore { file, force, store } => {
            let settings = store.settings("fazhi-data")?;
            let store = open(&settings).await?;
            let summary = store
                .restore(&file, force, &carried_folders(&settings))
                .await?;
            let report = store.verify().await?;
            store.close().await;
            for (table, rows) in &summary.rows {
                println!("{table}: {rows} rows");
            }
            for (folder, files, written) in &summary.carried {
                match written {
                    Some(dir) => println!("{folder}: {files} files written to {}", dir.display()),
                    None => println!(
                        "{folder}: {files} files in the backup, not written: this installation has no {folder} folder configured (--procedures / reports_dir)"
                    ),
                }
            }
            if summary.superseded > 0 {
                println!(
                    "{} checkpoints signed after this backup was made are recorded as superseded by the restore (audit.restored)",
                    summary.superseded
                );
            }
            match report.fault {
                None => println!("restored and verified: {} events", report.events()),
                Some(fault) => bail!("the restored store does not verify: {fault}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_date(text: &str, flag: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("{flag} 的日期“{text}”无效：应为 YYYY-MM-DD"))
}

fn calendar(command: CalendarCommand) -> Result<ExitCode> {
    use fazhi_core::calendar::{Calendar, DayKind, Length};
    let calendar = Calendar::embedded();
    match command {
        CalendarCommand::Days { from, to } => {
            let (from, to) = (parse_date(&from, "--from")?, parse_date(&to, "--to")?);
            if to < from {
                bail!("--to ({to}) 早于 --from ({from})");
            }
            let days = calendar.days(from, to)?;
            let mut out = String::new();
            for day in days {
                let kind = match day.kind {
                    DayKind::Workday => "workday",
                    DayKind::Restday => "restday",
                };
                out.push_str(&format!(
                    "{}\t{kind}\t{}\n",
                    day.date.format("%Y-%m-%d"),
                    day.name
                ));
            }
            print_out(out.as_bytes())?;
        }
        CalendarCommand::Due {
            from,
            days,
            working_days,
            months,
        } => {
            let from = parse_date(&from, "--from")?;
            let length = match (days, working_days, months) {
                (Some(n), _, _) => Length::CalendarDays(n),
                (_, Some(n), _) => Length::WorkingDays(n),
                (_, _, Some(n)) => Length::Months(n),
                _ => unreachable!("clap requires one length"),
            };
            let due = calendar.due(from, length, &[], &[])?;
            let mut out = format!(
                "{}{}\n",
                due.date.format("%Y-%m-%d"),
                if due.is_provisional() {
                    "\t暂定 provisional"
                } else {
                    ""
                }
            );
            for line in &due.explanation.lines {
                out.push_str(line);
                out.push('\n');
            }
            print_out(out.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to standard output; a reader that stops early (`| head`) is not an error.
fn print_out(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The application over a store, as the report commands need it: the installation's own
/// definitions and report files.
async fn report_app(store: &Store, settings: &Settings) -> Result<fazhi_app::App> {
    fazhi_app::App::load(
        store.clone(),
        settings.procedures_dir.as_deref(),
        fazhi_app::AppConfig {
            reports_dir: settings.reports_dir.clone(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))
}

/// The installation's own folders a backup carries and a restore writes back.
fn carried_folders(settings: &Settings) -> Vec<fazhi_store::backup::Folder<'_>> {
    [
        ("procedures", settings.procedures_dir.as_deref()),
        ("reports", settings.reports_dir.as_deref()),
    ]
    .into_iter()
    .filter_map(|(name, dir)| dir.map(|dir| fazhi_store::backup::Folder { name, dir }))
    .collect()
}

/// A trust anchor given on the command line: the hex key itself, or a file holding it.
fn read_anchor(given: &str) -> Result<fazhi_store::audit::VerifyingKey> {
    let path = std::path::Path::new(given);
    let key = if given.len() != 64 && path.exists() {
        fazhi_store::audit::read_public_key(path)?
    } else {
        fazhi_store::audit::parse_public_key(given)?
    };
    Ok(key)
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The address to listen on: the flag, the config file, or 127.0.0.1:8080.
fn listen_address(listen: Option<String>, settings: &Settings) -> String {
    listen
        .or(settings.file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into())
}

async fn serve(store: Store, settings: &Settings, listen: Option<String>) -> Result<()> {
    // Held while serving: a restore refuses to replace the rows under a running server.
    let _held = store.hold_for_serving().await?;
    let listen = listen_address(listen, settings);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("无法监听 {listen}"))?;
    let config = fazhi_web::WebConfig {
        secure_cookies: settings.file.secure_cookies.unwrap_or(false),
        trust_proxy: settings.file.trust_proxy.unwrap_or(false),
        metrics_token: settings.file.metrics_token.clone(),
        email_configured: settings.file.smtp_host.is_some(),
    };
    let channels = notification_channels(&settings.file)?;
    let app = fazhi_app::App::load(
        store.clone(),
        settings.procedures_dir.as_deref(),
        fazhi_app::AppConfig {
            alert_webhook: settings.file.alert_webhook.clone(),
            reports_dir: settings.reports_dir.clone(),
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let checkpoints = tokio::spawn(periodic_checkpoints(store.clone()));
    let upkeep = tokio::spawn(daily_upkeep(store.clone()));
    let scheduler = tokio::spawn(fazhi_app::scheduler::run(app.clone()));
    let deliveries = tokio::spawn(fazhi_notify::run(store.clone(), channels));
    println!(
        "Fazhi 正在运行 / running: http://{listen}  ({})",
        settings.location.describe()
    );
    fazhi_web::serve(
        fazhi_web::AppState::of(app, config),
        listener,
        shutdown_signal(),
    )
    .await
    .context("server failed")?;
    checkpoints.abort();
    upkeep.abort();
    scheduler.abort();
    deliveries.abort();
    store.close().await;
    Ok(())
}

/// The outbox's delivery channels from the config file: a signed webhook and/or SMTP.
fn notification_channels(file: &FileConfig) -> Result<fazhi_notify::Channels> {
    let mut channels = fazhi_notify::Channels::new();
    match (&file.alert_webhook, &file.webhook_secret) {
        (Some(_), None) => bail!("配置文件设置了 alert_webhook，但缺少 webhook_secret（用于签名）"),
        (_, Some(secret)) => {
            channels = channels.with(
                fazhi_notify::WebhookChannel::new(secret.as_bytes().to_vec())
                    .map_err(|e| anyhow!("webhook: {e}"))?,
            )
        }
        (None, None) => {}
    }
    if let Some(host) = &file.smtp_host {
        let from = file
            .smtp_from
            .clone()
            .ok_or_else(|| anyhow!("配置文件设置了 smtp_host，但缺少 smtp_from（发件人）"))?;
        channels = channels.with(
            fazhi_notify::SmtpChannel::new(fazhi_notify::SmtpConfig {
                host: host.clone(),
                port: file.smtp_port.unwrap_or(25),
                from,
                hello_name: None,
            })
            .map_err(|e| anyhow!("smtp: {e}"))?,
        );
    }
    Ok(channels)
}

/// Daily upkeep, first an hour after start: refreshes the query planner's statistics (lists
/// pick their indexes by them), then verifies every chain from its first event — the full proof
/// that the six-hourly checkpoints (which check only what is new) do not repeat. A fault is
/// logged as an error naming the event.
async fn daily_upkeep(store: Store) {
    let day = std::time::Duration::from_secs(24 * 3600);
    let first = tokio::time::Instant::now() + std::time::Duration::from_secs(3600);
    let mut tick = tokio::time::interval_at(first, day);
    loop {
        tick.tick().await;
        if let Err(e) = store.optimize().await {
            tracing::warn!(error = %e, "refreshing planner statistics failed");
        }
        match store.verify().await {
            Ok(report) => match report.fault {
                None => tracing::info!(events = report.events(), "event log verified"),
                Some(fault) => tracing::error!(%fault, "the event log was altered"),
            },
            Err(e) => tracing::warn!(error = %e, "verification could not run"),
        }
    }
}

/// Signs the chain heads at start and every six hours, so the portal always has recent
/// checkpoints.
async fn periodic_checkpoints(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(6 * 3600));
    loop {
        tick.tick().await;
        if store.key_dir().is_none() {
            return;
        }
        if let Err(e) = store.checkpoint().await {
            tracing::warn!(error = %e, "periodic checkpoint failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
