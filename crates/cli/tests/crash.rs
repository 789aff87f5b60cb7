//! The crash harness (issue 22, "keep it found"): a server under concurrent writers — each
//! registering disclosure requests and taking a step on each — killed with SIGKILL at a moment
//! that differs from cycle to cycle, restarted, and checked: every acknowledged case is there at
//! least at the version acknowledged, and `audit verify` passes (the chains, and the rows people
//! read against the digests their events carry). On SQLite and on PostgreSQL; a few cycles in CI,
//! `FAZHI_CRASH_CYCLES=N` for a longer run.

mod common;

use common::{Killed, fazhi_in, free_port};
use fazhi_store::testing::TestDb;
use fazhi_store::{Location, OpenOptions, Store};
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WRITERS: usize = 8;

fn cycles() -> usize {
    std::env::var("FAZHI_CRASH_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

fn ok_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = fazhi_in(dir, args);
    assert!(
        out.status.success(),
        "fazhi {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn crash_cycles(db: TestDb, store: &[&str]) {
    let dir = db.scratch().to_path_buf();
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(store.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        ok_in(&dir, &refs)
    };
    run(with(&[
        "region",
        "add",
        "--code",
        "210212",
        "--name",
        "旅顺口区",
    ]));
    run(with(&[
        "department",
        "add",
        "--region",
        "210212",
        "--code",
        "zfb",
        "--name",
        "区政府办公室",
        "--kind",
        "government_office",
    ]));
    run(with(&[
        "user",
        "add",
        "--name",
        "clerk",
        "--display-name",
        "办事员",
        "--role",
        "department_staff",
        "--region",
        "210212",
        "--department",
        "zfb",
    ]));
    let token = run(with(&["user", "token", "--user", "clerk"]))
        .trim()
        .to_string();
    let location = db.location.clone();
    let mut acknowledged: Vec<(String, i64)> = Vec::new();
    let mut steps = 0usize;
    let http = reqwest::Client::new();
    for cycle in 0..cycles() {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut args = vec![
            "serve".to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(store.iter().map(|s| s.to_string()));
        let mut server = Killed(
            Command::new(env!("CARGO_BIN_EXE_fazhi"))
                .current_dir(&dir)
                .args(&args)
                .env_remove("FAZHI_DATABASE_URL")
                .env_remove("FAZHI_CONFIG")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while !http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            writers.push(tokio::spawn(async move {
                let mut done: Vec<(String, i64)> = Vec::new();
                for n in 0.. {
                    let created = http
                        .post(format!("{base}/api/v1/cases"))
                        .bearer_auth(&token)
                        .json(&json!({"procedure": "disclosure_request", "action": "register", "fields": {
                            "applicant": {"kind": "person", "name": format!("申请人{cycle}-{w}-{n}"), "phone": "13700001111"},
                            "applicant_kind": "natural_person", "content": "预算执行情况", "channel": "in_person",
                            "received_on": today()}}))
                        .send()
                        .await;
                    let Ok(reply) = created else { break };
                    if reply.status() != reqwest::StatusCode::CREATED {
                        break; // the server is going down mid-answer
                    }
                    let Ok(case) = reply.json::<serde_json::Value>().await else { break };
                    let id = case["id"].as_str().unwrap().to_string();
                    done.push((id.clone(), 1));
                    let stepped = http
                        .post(format!("{base}/api/v1/cases/{id}/actions"))
                        .bearer_auth(&token)
                        .json(&json!({"action": "request_supplement", "expected_version": 1, "fields": {
                            "supplement_items": "身份证明", "supplement_deadline": today_plus(10)}}))
                        .send()
                        .await;
                    match stepped {
                        Ok(r) if r.status() == reqwest::StatusCode::OK => {
                            done.last_mut().unwrap().1 = 2;
                        }
                        _ => break,
                    }
                }
                done
            }));
        }
        // A different moment each cycle.
        let wait = 400 + (cycle as u64 * 617) % 1100;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let _ = server.0.kill(); // SIGKILL
        let _ = server.0.wait();
        for w in writers {
            let done = w.await.unwrap();
            steps += done.iter().map(|(_, v)| *v as usize).sum::<usize>();
            acknowledged.extend(done);
        }
        // Every acknowledged write is there, at least at its acknowledged version.
        let opened = Store::open(OpenOptions::new(location.clone()))
            .await
            .unwrap();
        for (id, version) in &acknowledged {
            let case = opened
                .case(id)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("cycle {cycle}: case {id} acknowledged but lost"));
            assert!(
                case.case.version >= *version,
                "cycle {cycle}: case {id} at version {} though {version} was acknowledged",
                case.case.version
            );
        }
        opened.close().await;
        let verify = run(with(&["audit", "verify"]));
        assert!(verify.contains("OK:"), "cycle {cycle}: {verify}");
        assert!(
            verify.contains("(0 written before their events carried digests)"),
            "{verify}"
        );
    }
    eprintln!(
        "crash harness: {} cycles, {} cases and {steps} steps acknowledged, none lost, verified after each",
        cycles(),
        acknowledged.len()
    );
    assert!(acknowledged.len() > 10, "too few writes to mean anything");
}

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

fn today_plus(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(days))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_no_acknowledged_write_on_sqlite() {
    let db = TestDb::sqlite().await;
    let Location::DataDir(dir) = db.location.clone() else {
        unreachable!()
    };
    db.store.close().await;
    let dir = dir.to_str().unwrap().to_string();
    crash_cycles(db, &["--data", &dir]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_no_acknowledged_write_on_postgresql() {
    let db = TestDb::postgres().await;
    let Location::Postgres(url) = db.location.clone() else {
        unreachable!()
    };
    let key_dir = db.key_dir.to_str().unwrap().to_string();
    crash_cycles(db, &["--database", &url, "--key-dir", &key_dir]).await;
}
