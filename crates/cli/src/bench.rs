//! `fazhi bench`: measured figures, never asserted in tests (docs/benchmarks.md has the results).
//!
//! Measured: the machine's raw rate of durable SQLite commits (one small row per commit, WAL,
//! `synchronous=FULL`, same disk as the store); durable event appends through the store with one
//! writer and with 64 concurrent writers (group commit is what puts the 64-writer rate far above
//! one commit per fsync); the generation of a district, a city or a province of records
//! ([`crate::bench_data`]); case actions through the HTTP API with 64 keep-alive clients; filtered,
//! sorted, paged case lists over the generated records; full audit verification; the server's
//! memory.

use crate::bench_data::{self, Scale};
use anyhow::{Context, Result};
use fazhi_core::{NewEvent, RegionCode, Subject};
use fazhi_store::{Location, OpenOptions, Store, WriteBatch};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

pub struct BenchOptions {
    pub quick: bool,
    pub database: Option<String>,
    pub json: bool,
    pub scale: Scale,
    /// Also write the JSON figures to this file.
    pub save: Option<std::path::PathBuf>,
    /// Keep the scratch folder (the generated store) for inspection.
    pub keep: bool,
}

struct Sizes {
    baseline_commits: usize,
    single_events: usize,
    concurrent_writers: usize,
    events_per_writer: usize,
    cases: usize,
    http_seconds: f64,
    list_queries: usize,
}

impl Sizes {
    fn new(quick: bool) -> Self {
        if quick {
            Sizes {
                baseline_commits: 100,
                single_events: 100,
                concurrent_writers: 64,
                events_per_writer: 20,
                cases: 256,
                http_seconds: 1.0,
                list_queries: 50,
            }
        } else {
            Sizes {
                baseline_commits: 1000,
                single_events: 1000,
                concurrent_writers: 64,
                events_per_writer: 300,
                cases: 5_000,
                http_seconds: 10.0,
                list_queries: 500,
            }
        }
    }
}

pub async fn run(options: BenchOptions) -> Result<()> {
    let sizes = Sizes::new(options.quick);
    let scratch = tempfile::Builder::new()
        .prefix("fazhi-bench-")
        .tempdir_in(std::env::current_dir()?)
        .context("cannot create a scratch folder beside the current directory")?;

    let baseline = sqlite_durable_commits_per_s(scratch.path(), sizes.baseline_commits).await?;
    let location = match &options.database {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::DataDir(scratch.path().join("store")),
    };
    let engine = match location {
        Location::DataDir(_) => "sqlite",
        Location::Postgres(_) => "postgres",
    };
    let store = Store::open(OpenOptions::new(location.clone())).await?;
    let region = RegionCode::parse("990101")?;
    let single = appends_per_s(&store, &region, 1, sizes.single_events).await?;
    let concurrent = appends_per_s(
        &store,
        &region,
        sizes.concurrent_writers,
        sizes.events_per_writer,
    )
    .await?;
    let app = fazhi_app::App::load(store.clone(), None, fazhi_app::AppConfig::default())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let copies = if options.quick {
        1
    } else {
        bench_data::COPIES_PER_DISTRICT
    };
    if !options.json {
        eprintln!(
            "generating {} district(s) × {copies} copies of the demo's records …",
            options.scale.districts()
        );
    }
    let generated = bench_data::generate(&app, options.scale, copies).await?;
    // What a live store would have done with these records long ago: expired clocks handled,
    // deadline alerts sent, checkpoints signed. Done before serving, so that the server is measured in its steady
    // state rather than catching up.
    let catch_up_started = Instant::now();
    let expiries = fazhi_app::scheduler::tick(&app).await;
    let alerts = fazhi_app::scheduler::alert(&app).await;
    // The annual report as a leader opens it (every figure from the records, the text filled,
    // rendered as the console's HTML): for one district, and for the region above them all.
    let report_district_ms = report_ms(&app, &generated.districts[0]).await?;
    let report_top_ms = report_ms(&app, &generated.top).await?;
    drop(app);
    store.optimize().await?;
    // A live store is signed as it goes: the server's start-up checkpoint then has only what
    // is new to check, as in production, instead of the whole generated log.
    if store.key_dir().is_some() {
        store.checkpoint().await?;
    }
    let catch_up_s = catch_up_started.elapsed().as_secs_f64();
    let cases = http_and_list(store, &location, scratch.path(), &sizes, &generated).await?;
    let store = Store::open(OpenOptions::new(location)).await?;
    let verify_started = Instant::now();
    let report = store.verify_chains(None).await?;
    let verify_rate = report.events() as f64 / verify_started.elapsed().as_secs_f64();
    let rows_started = Instant::now();
    let rows = store.verify_rows().await?;
    let rows_rate = rows.cases as f64 / rows_started.elapsed().as_secs_f64();
    store.close().await;
    anyhow::ensure!(
        report.ok() && rows.fault.is_none(),
        "the benchmark's own store does not verify: {:?}",
        report.fault.or(rows.fault)
    );

    let result = json!({
        "machine": {
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "engine": engine,
            "quick": options.quick,
            "scale": options.scale.name(),
        },
        "generate": {
            "districts": generated.districts.len(),
            "cases": generated.cases,
            "events": generated.events,
            "events_total": report.events(),
            "seconds": round(generated.seconds),
            "events_per_s": round(generated.events as f64 / generated.seconds),
            "expiries_handled": expiries,
            "alerts_sent": alerts,
            "catch_up_s": round(catch_up_s),
        },
        "baseline": { "sqlite_durable_commits_per_s": round(baseline) },
        "append": {
            "single_writer_per_s": round(single),
            "concurrent_64_per_s": round(concurrent),
        },
        "http": {
            "actions_per_s": round(cases.actions_per_s),
            "p50_ms": round(cases.http_p50_ms),
            "p99_ms": round(cases.http_p99_ms),
        },
        "list": {
            "cases": generated.cases,
            "p50_ms": round(cases.list_p50_ms),
            "p99_ms": round(cases.list_p99_ms),
        },
        "audit": {
            "verify_events_per_s": round(verify_rate),
            "verify_rows_cases_per_s": round(rows_rate),
        },
        "report": {
            "rule_of_law_ms": round(report_top_ms),
            "rule_of_law_district_ms": round(report_district_ms),
        },
        "server": {
            "rss_mb_idle": round(cases.rss_idle_mb),
            "rss_mb_peak": round(cases.rss_peak_mb),
        },
    });
    if options.keep {
        eprintln!("kept {}", scratch.keep().display());
    }
    if let Some(path) = &options.save {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if options.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!("engine                                {engine}");
        println!(
            "scale                                 {} ({} districts, {} cases, {} events in {:.1} s: {:.0}/s)",
            options.scale.name(),
            generated.districts.len(),
            generated.cases,
            generated.events,
            generated.seconds,
            generated.events as f64 / generated.seconds
        );
        println!("baseline.sqlite_durable_commits_per_s {:>10.0}", baseline);
        println!("append.single_writer_per_s            {:>10.0}", single);
        println!(
            "append.concurrent_64_per_s            {:>10.0}  ({:.1}× the baseline)",
            concurrent,
            concurrent / baseline
        );
        println!(
            "http.actions_per_s                    {:>10.0}",
            cases.actions_per_s
        );
        println!(
            "http.p50_ms / p99_ms                  {:>10.2} / {:.2}",
            cases.http_p50_ms, cases.http_p99_ms
        );
        println!(
            "list.p50_ms / p99_ms                  {:>10.2} / {:.2}",
            cases.list_p50_ms, cases.list_p99_ms
        );
        println!(
            "audit.verify_events_per_s             {:>10.0}",
            verify_rate
        );
        println!("audit.verify_rows_cases_per_s         {:>10.0}", rows_rate);
        println!(
            "report.rule_of_law_ms (top / district){:>10.1} / {:.1}",
            report_top_ms, report_district_ms
        );
        println!(
            "server.rss_mb_idle / peak             {:>10.1} / {:.1}",
            cases.rss_idle_mb, cases.rss_peak_mb
        );
    }
    Ok(())
}

/// The rule-of-law report of 2019 (the year of the generated records) for a region, in ms.
async fn report_ms(app: &fazhi_app::App, region: &RegionCode) -> Result<f64> {
    let started = Instant::now();
    let report = app
        .annual_report(
            "rule_of_law",
            region,
            2019,
            fazhi_app::figures::Detail::Counts,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let html = fazhi_report::html::render(&report.document(Some("")));
    anyhow::ensure!(html.contains("<article"), "the report renders");
    Ok(started.elapsed().as_secs_f64() * 1000.0)
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One small row per transaction, durable (WAL + synchronous=FULL): the physical reference,
/// straight through SQLite's C API (rusqlite), as close to the disk as SQLite gets.
async fn sqlite_durable_commits_per_s(dir: &Path, commits: usize) -> Result<f64> {
    let path = dir.join("baseline.db");
    tokio::task::spawn_blocking(move || -> Result<f64> {
        let conn = rusqlite::Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);",
        )?;
        let started = Instant::now();
        for i in 0..commits {
            conn.execute_batch("BEGIN")?;
            conn.prepare_cached("INSERT INTO t (v) VALUES (?1)")?
                .execute([format!("row {i}")])?;
            conn.execute_batch("COMMIT")?;
        }
        Ok(commits as f64 / started.elapsed().as_secs_f64())
    })
    .await?
}

/// `writers` tasks each append `each` events one at a time, waiting for each acknowledgement.
async fn appends_per_s(
    store: &Store,
    region: &RegionCode,
    writers: usize,
    each: usize,
) -> Result<f64> {
    let started = Instant::now();
    let store = Arc::new(store.clone());
    let mut tasks = Vec::with_capacity(writers);
    for w in 0..writers {
        let store = store.clone();
        let region = region.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..each {
                store
                    .submit(WriteBatch::new().event(NewEvent::new(
                        region.clone(),
                        Subject::new("bench", &format!("{w}-{n}")),
                        "bench.appended",
                        "system:bench",
                        json!({"writer": w, "n": n, "text": "行政执法决定书已送达"}),
                    )))
                    .await?;
            }
            Ok::<_, fazhi_store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((writers * each) as f64 / started.elapsed().as_secs_f64())
}

/// A minimal procedure for load: cases are opened, annotated (open → open) and closed.
const BENCH_PROCEDURE: &str = r#"
[procedure]
code = "bench_case"
name = { zh = "基准测试案件", en = "Benchmark case" }
version = "1"
effective = "2000-01-01"

[fields.subject]
type = "text"
zh = "事由"

[fields.note]
type = "text"
zh = "备注"

[states.open]
zh = "办理中"

[states.closed]
zh = "已办结"
terminal = true

[[actions]]
code = "open"
zh = "登记"
from = ["new"]
to = "open"
roles = ["department_staff"]
needs = ["subject"]

[[actions]]
code = "note"
zh = "记录"
from = ["open"]
to = "open"
roles = ["department_staff"]
needs = ["note"]

[[actions]]
code = "close"
zh = "办结"
from = ["open"]
to = "closed"
roles = ["department_staff"]

[[clocks]]
code = "handling"
zh = "办理期限"
starts = ["open"]
length = "20wd"
stops = ["close"]
"#;

struct CaseFigures {
    actions_per_s: f64,
    http_p50_ms: f64,
    http_p99_ms: f64,
    list_p50_ms: f64,
    list_p99_ms: f64,
    rss_idle_mb: f64,
    rss_peak_mb: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A process's resident memory (current and peak), in MiB.
fn rss_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Opens `sizes.cases` cases, closes the store and serves it from a `fazhi serve` process on
/// loopback (as deployed; its memory is the server's alone), then: 64 keep-alive clients take
/// actions on their own shares of those cases through the API for a while; then list queries over the
/// generated records by a leader of the region holding them all.
async fn http_and_list(
    store: Store,
    location: &Location,
    scratch: &Path,
    sizes: &Sizes,
    generated: &bench_data::Generated,
) -> Result<CaseFigures> {
    use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
    use fazhi_core::procedure::{Definition, Registry};
    let region = RegionCode::parse("990102")?;
    store
        .add_region("system:bench", &region, "基准测试区", None)
        .await?;
    let department = store
        .add_department(
            "system:bench",
            &region,
            "bench",
            "基准测试局",
            DepartmentKind::Department,
        )
        .await?;
    let user = store
        .add_user(
            "system:bench",
            fazhi_store::accounts::NewUser {
                name: UserName::parse("bench")?,
                display_name: "基准测试".into(),
                region: region.clone(),
                password: "bench-password".into(),
                grants: vec![Grant::new(
                    Role::DepartmentStaff,
                    region.clone(),
                    Some(department.id.clone()),
                )?],
            },
        )
        .await?;
    let token = store
        .create_token("system:bench", &user.id, "bench", 365)
        .await?;
    let leader = store
        .add_user(
            "system:bench",
            fazhi_store::accounts::NewUser {
                name: UserName::parse("bench-leader")?,
                display_name: "基准测试领导".into(),
                region: generated.top.clone(),
                password: "bench-password".into(),
                grants: vec![Grant::new(Role::Leader, generated.top.clone(), None)?],
            },
        )
        .await?;
    let leader_token = store
        .create_token("system:bench", &leader.id, "bench", 365)
        .await?;
    let registry = Registry::from_sources(&[("bench.toml".into(), BENCH_PROCEDURE.into())])
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let procedure = Definition::parse("bench.toml", BENCH_PROCEDURE)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .code;
    let app = fazhi_app::App::new(
        store.clone(),
        registry,
        fazhi_core::calendar::Calendar::embedded().clone(),
        fazhi_app::AppConfig::default(),
    );

    // Open the cases, 64 at a time.
    let principal = user.principal();
    let ids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(sizes.cases)));
    let mut tasks = Vec::new();
    for w in 0..64usize {
        let (app, procedure, principal, region, department, ids) = (
            app.clone(),
            procedure.clone(),
            principal.clone(),
            region.clone(),
            department.id.clone(),
            ids.clone(),
        );
        let count = sizes.cases / 64 + usize::from(w < sizes.cases % 64);
        tasks.push(tokio::spawn(async move {
            for n in 0..count {
                let fields = [(
                    "subject".to_string(),
                    json!(format!("第{w}组第{n}件 行政许可申请")),
                )]
                .into_iter()
                .collect();
                let case = app
                    .open(fazhi_app::cases::Opening {
                        procedure: &procedure,
                        action: Some("open"),
                        actor: fazhi_core::engine::Actor::User(&principal),
                        region: &region,
                        department: Some(department.clone()),
                        fields,
                        on: app.today(),
                        receipt: None,
                    })
                    .await
                    .map_err(|r| anyhow::anyhow!("{r}"))?;
                ids.lock().expect("ids").push(case.case.id);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let ids: Vec<String> = std::mem::take(&mut *ids.lock().expect("ids"));

    drop(app);
    store.close().await;
    let server = Server::start(location, scratch).await?;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    // Idle: started, the first request answered.
    let (rss_idle_mb, _) = rss_mb(server.pid);

    // 64 clients for a fixed time, each working through its own share of the opened cases in
    // turn: a case file grows by a few steps in the run, as real ones do (a few to a few dozen
    // steps), rather than one case per client growing by hundreds — whose snapshot (its actions
    // and their dates) every step reads and writes again.
    let deadline = Instant::now() + std::time::Duration::from_secs_f64(sizes.http_seconds);
    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..64usize {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let mut cases: Vec<(String, i64)> = ids
            .iter()
            .skip(c % ids.len())
            .step_by(64)
            .map(|id| (id.clone(), 1))
            .collect();
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut turn = 0;
            while Instant::now() < deadline {
                let share = cases.len();
                let (id, version) = &mut cases[turn % share];
                turn += 1;
                let t = Instant::now();
                let reply = client
                    .post(format!("{base}/api/v1/cases/{id}/actions"))
                    .bearer_auth(&token)
                    .json(&json!({"action": "note", "expected_version": *version, "fields": {"note": "已电话联系申请人"}}))
                    .send()
                    .await?;
                anyhow::ensure!(reply.status().is_success(), "action refused: {}", reply.status());
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                *version += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for c in clients {
        latencies.extend(c.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);

    // Lists over the generated records, as a leader of the whole scale would page through
    // them: one procedure's open cases by due date; all its cases (closed too) newest first;
    // every case, most recently changed first — the first 20 pages.
    let mut list_ms = Vec::with_capacity(sizes.list_queries);
    const LISTED: &[&str] = &[
        "petition",
        "mediation",
        "disclosure_request",
        "legal_aid",
        "legal_consultation",
        "reconsideration",
        "litigation",
    ];
    for q in 0..sizes.list_queries {
        let procedure = LISTED[q % LISTED.len()];
        let page = (q * 7919) % 20 + 1;
        let query = match q % 3 {
            0 => format!(
                "procedure={procedure}&sort=due&per_page=50&page={}",
                page % 3 + 1
            ),
            1 => format!("procedure={procedure}&closed=true&sort=created&per_page=50&page={page}"),
            _ => format!("closed=true&per_page=50&page={page}"),
        };
        let t = Instant::now();
        let reply = client
            .get(format!("{base}/api/v1/cases?{query}"))
            .bearer_auth(&leader_token)
            .send()
            .await?;
        anyhow::ensure!(
            reply.status().is_success(),
            "list failed: {}",
            reply.status()
        );
        let _ = reply.bytes().await?;
        list_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    list_ms.sort_by(f64::total_cmp);
    let (_, rss_peak_mb) = rss_mb(server.pid);
    server.stop().await?;
    Ok(CaseFigures {
        actions_per_s: latencies.len() as f64 / elapsed,
        http_p50_ms: percentile(&latencies, 0.50),
        http_p99_ms: percentile(&latencies, 0.99),
        list_p50_ms: percentile(&list_ms, 0.50),
        list_p99_ms: percentile(&list_ms, 0.99),
        rss_idle_mb,
        rss_peak_mb,
    })
}

/// A `fazhi serve` child process on a free loopback port, with the benchmark's procedure.
struct Server {
    child: tokio::process::Child,
    pid: u32,
    base: String,
}

impl Server {
    async fn start(location: &Location, scratch: &Path) -> Result<Server> {
        let procedures = scratch.join("procedures");
        std::fs::create_dir_all(&procedures)?;
        std::fs::write(procedures.join("bench_case.toml"), BENCH_PROCEDURE)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut command = tokio::process::Command::new(std::env::current_exe()?);
        command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--procedures")
            .arg(&procedures)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        match location {
            Location::DataDir(dir) => command.arg("--data").arg(dir),
            Location::Postgres(url) => command.arg("--database").arg(url),
        };
        let child = command.spawn().context("cannot start `fazhi serve`")?;
        let pid = child.id().context("the server exited at once")?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(reply) = client.get(format!("{base}/healthz")).send().await
                && reply.status().is_success()
            {
                break;
            }
            anyhow::ensure!(
                started.elapsed().as_secs() < 60,
                "`fazhi serve` did not answer within 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(Server { child, pid, base })
    }

    /// Stops the server as an operator would (SIGTERM: it finishes what it is doing).
    async fn stop(mut self) -> Result<()> {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        match tokio::time::timeout(std::time::Duration::from_secs(30), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }
}
