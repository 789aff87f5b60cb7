//! The `fazhi` binary as an operator uses it: the demo, user tokens, audit exit codes, backup
//! and restore, and a server killed with SIGKILL in the middle of a stream of writes.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fazhi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(args)
        .env_remove("FAZHI_DATABASE_URL")
        .env_remove("FAZHI_CONFIG")
        .env_remove("FAZHI_KEY_DIR")
        .output()
        .expect("run fazhi")
}

fn ok(args: &[&str]) -> String {
    let out = fazhi(args);
    assert!(
        out.status.success(),
        "fazhi {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_demo_seeds_once_and_prints_its_logins() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data = data.to_str().unwrap();
    let first = ok(&["demo", "--data", data, "--no-serve"]);
    assert!(first.contains("admin"), "{first}");
    assert!(first.contains("synthetic"), "{first}");
    for role in [
        "leader",
        "justice_staff",
        "department_staff",
        "enforcement_officer",
        "legal_reviewer",
        "window_clerk",
        "grid_worker",
        "public_applicant",
    ] {
        assert!(first.contains(role), "{role} missing: {first}");
    }
    let second = ok(&["demo", "--data", data, "--no-serve"]);
    assert_eq!(
        first, second,
        "a second start reuses the district and its logins"
    );
    let verify = ok(&["audit", "verify", "--data", data]);
    assert!(verify.contains("OK:"), "{verify}");
    let users = ok(&["user", "list", "--data", data]);
    assert_eq!(users.lines().count(), 14);
    // A login for each office whose cases the demo holds: disclosure (区政府办公室),
    // reconsideration and litigation (司法局), petitions (信访局), legal aid (法律援助中心),
    // mediation (a street's people's mediation committee).
    for (login, office) in [
        ("gov", "区政府办公室"),
        ("fuyike", "司法局·行政复议与应诉"),
        ("xinfang", "信访局"),
        ("yuanzhu", "法律援助中心"),
        ("tiaojie", "人民调解委员会"),
    ] {
        assert!(
            first
                .lines()
                .any(|l| l.trim_start().starts_with(login) && l.contains(office)),
            "{login} missing: {first}"
        );
    }
}

#[test]
fn operators_set_up_a_district_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let data = data.to_str().unwrap();
    ok(&[
        "region",
        "add",
        "--data",
        data,
        "--code",
        "210212",
        "--name",
        "旅顺口区",
    ]);
    ok(&[
        "department",
        "add",
        "--data",
        data,
        "--region",
        "210212",
        "--code",
        "sfj",
        "--name",
        "司法局",
    ]);
    let added = ok(&[
        "user",
        "add",
        "--data",
        data,
        "--name",
        "zhang",
        "--display-name",
        "张三",
        "--role",
        "department_staff",
        "--region",
        "210212",
        "--department",
        "sfj",
    ]);
    assert!(added.contains("password: "), "{added}");
    let token = ok(&["user", "token", "--data", data, "--user", "zhang"]);
    assert!(token.trim().starts_with("fz_"), "{token}");
    let listed = ok(&["user", "tokens", "--data", data, "--user", "zhang"]);
    assert!(listed.contains("\tactive"), "{listed}");
    let id = listed.split('\t').next().unwrap().to_string();
    ok(&["user", "revoke-token", "--data", data, "--id", &id]);
    assert!(ok(&["user", "tokens", "--data", data, "--user", "zhang"]).contains("revoked"));

    // Mistakes say what and where, and change nothing.
    let bad_role = fazhi(&[
        "user",
        "add",
        "--data",
        data,
        "--name",
        "lisi",
        "--display-name",
        "李四",
        "--role",
        "boss",
        "--region",
        "210212",
    ]);
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(
        text(&bad_role).contains("角色“boss”无效"),
        "{}",
        text(&bad_role)
    );
    let no_department = fazhi(&[
        "user",
        "add",
        "--data",
        data,
        "--name",
        "lisi",
        "--display-name",
        "李四",
        "--role",
        "window_clerk",
        "--region",
        "210212",
    ]);
    assert!(
        text(&no_department).contains("必须指定所属部门"),
        "{}",
        text(&no_department)
    );
    let bad_region = fazhi(&[
        "region", "add", "--data", data, "--code", "21021", "--name", "x",
    ]);
    assert!(
        text(&bad_region).contains("6、9 或 12 位数字"),
        "{}",
        text(&bad_region)
    );
    let config = dir.path().join("fazhi.toml");
    std::fs::write(&config, "lisen = \"1\"\n").unwrap();
    let bad_config = fazhi(&["user", "list", "--config", config.to_str().unwrap()]);
    assert!(text(&bad_config).contains("lisen"), "{}", text(&bad_config));
    assert_eq!(ok(&["user", "list", "--data", data]).lines().count(), 1);
}

/// An outside auditor holds only the published public key. A history re-signed with another
/// key passes a check against the keys stored beside the checkpoints; against the published
/// key (given on the command line, or as the key folder's checkpoint.pub) it fails, and with
/// no key at all verification refuses rather than says OK.
#[tokio::test]
async fn audit_verify_trusts_only_the_published_key() {
    let db = fazhi_store::testing::TestDb::sqlite().await;
    let district = fazhi_core::RegionCode::parse("210212").unwrap();
    db.store
        .add_region("t", &district, "旅顺口区", None)
        .await
        .unwrap();
    db.store.checkpoint().await.unwrap();
    let checkpoint = db.store.checkpoints().await.unwrap().remove(0);
    db.store.close().await;
    let fazhi_store::Location::DataDir(data) = &db.location else {
        unreachable!()
    };
    let data = data.to_str().unwrap();
    let published = std::fs::read_to_string(db.key_dir.join("checkpoint.pub")).unwrap();
    let published = published.trim();
    // The auditor's own folder holds only the public key.
    let auditor = tempfile::tempdir().unwrap();
    let auditor_pub = auditor.path().join("checkpoint.pub");
    std::fs::write(&auditor_pub, format!("{published}\n")).unwrap();
    let auditor_dir = auditor.path().to_str().unwrap();
    for args in [
        vec!["audit", "verify", "--data", data, "--public-key", published],
        vec![
            "audit",
            "verify",
            "--data",
            data,
            "--public-key",
            auditor_pub.to_str().unwrap(),
        ],
        vec!["audit", "verify", "--data", data, "--key-dir", auditor_dir],
    ] {
        let good = fazhi(&args);
        assert_eq!(good.status.code(), Some(0), "{args:?}: {}", text(&good));
        assert!(
            text(&good).contains("OK: 1 events verified"),
            "{}",
            text(&good)
        );
    }

    // Someone without the installation's key re-signs the checkpoint with a key of their own.
    let forger = tempfile::tempdir().unwrap();
    let key = fazhi_store::audit::load_or_create_key(forger.path()).unwrap();
    let signature = fazhi_core::checkpoint::sign(
        &key,
        &checkpoint.region,
        checkpoint.height,
        &checkpoint.head,
        checkpoint.at,
    );
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    db.tamper(&format!(
        "UPDATE checkpoints SET public_key = X'{}', signature = X'{}'",
        hex(&key.verifying_key().to_bytes()),
        hex(&signature)
    ))
    .await;
    for args in [
        vec!["audit", "verify", "--data", data, "--public-key", published],
        vec!["audit", "verify", "--data", data, "--key-dir", auditor_dir],
    ] {
        let bad = fazhi(&args);
        assert_eq!(bad.status.code(), Some(1), "{args:?}: {}", text(&bad));
        assert!(
            text(&bad).contains("signed with a key that is not this installation's"),
            "{}",
            text(&bad)
        );
    }
    // No anchor at all (an empty key folder): refused, not OK.
    let empty = tempfile::tempdir().unwrap();
    let blind = fazhi(&[
        "audit",
        "verify",
        "--data",
        data,
        "--key-dir",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(blind.status.code(), Some(2), "{}", text(&blind));
    assert!(
        text(&blind).contains("REFUSED: no trust anchor"),
        "{}",
        text(&blind)
    );
    assert!(!text(&blind).contains("OK:"));
    // Not a key.
    let wrong = fazhi(&["audit", "verify", "--data", data, "--public-key", "abc"]);
    assert_ne!(wrong.status.code(), Some(0));
    assert!(text(&wrong).contains("64 hex digits"), "{}", text(&wrong));
}

#[tokio::test]
async fn audit_verify_exits_1_and_names_the_first_bad_event() {
    let db = fazhi_store::testing::TestDb::sqlite().await;
    db.store
        .add_region(
            "t",
            &fazhi_core::RegionCode::parse("210212").unwrap(),
            "旅顺口区",
            None,
        )
        .await
        .unwrap();
    db.store
        .add_department(
            "t",
            &fazhi_core::RegionCode::parse("210212").unwrap(),
            "sfj",
            "司法局",
            fazhi_core::DepartmentKind::Department,
        )
        .await
        .unwrap();
    db.store.checkpoint().await.unwrap();
    db.store.close().await;
    let fazhi_store::Location::DataDir(data) = &db.location else {
        unreachable!()
    };
    let args = [
        "audit",
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--key-dir",
        db.key_dir.to_str().unwrap(),
    ];
    let good = fazhi(&args);
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));
    assert!(text(&good).contains("OK: 2 events verified"));

    db.tamper("UPDATE events SET actor = 'user:mallory' WHERE seq = 2")
        .await;
    let bad = fazhi(&args);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("TAMPERED: region 210212 event 2"),
        "{}",
        text(&bad)
    );
}

#[test]
fn backup_and_restore_refuse_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a");
    let data = data.to_str().unwrap();
    ok(&["demo", "--data", data, "--no-serve"]);
    let file = dir.path().join("backup.fazhi");
    let file = file.to_str().unwrap();
    let written = ok(&["backup", "--data", data, "--out", file]);
    assert!(written.contains("events"), "{written}");
    let again = fazhi(&["backup", "--data", data, "--out", file]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing backup file is never overwritten"
    );

    let target = dir.path().join("b");
    let target = target.to_str().unwrap();
    let keys = Path::new(data).join("keys");
    let restored = ok(&[
        "restore",
        file,
        "--data",
        target,
        "--key-dir",
        keys.to_str().unwrap(),
    ]);
    assert!(restored.contains("restored and verified"), "{restored}");
    let refused = fazhi(&["restore", file, "--data", target]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    ok(&[
        "restore",
        file,
        "--data",
        target,
        "--force",
        "--key-dir",
        keys.to_str().unwrap(),
    ]);
}

/// A restore replaces every record: while a server runs on the store it refuses, changing
/// nothing, and goes ahead once the server has stopped. The backup carries the installation's
/// own definitions (the demo's permit), which a restore into a new folder writes back — so the
/// cases under them still open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_waits_for_the_server_and_carries_the_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a");
    let data = data.to_str().unwrap().to_string();
    ok(&["demo", "--data", &data, "--no-serve"]);
    let file = dir.path().join("a.fazhi");
    let file = file.to_str().unwrap().to_string();
    ok(&["backup", "--data", &data, "--out", &file]);

    let port = free_port();
    let server = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args([
            "serve",
            "--data",
            &data,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let server = Stop(server);
    wait_healthy(&reqwest::Client::new(), &format!("http://127.0.0.1:{port}")).await;
    let before = ok(&["user", "list", "--data", &data]);
    let refused = fazhi(&["restore", &file, "--data", &data, "--force"]);
    assert_ne!(refused.status.code(), Some(0));
    assert!(
        text(&refused).contains("正在使用这个库"),
        "{}",
        text(&refused)
    );
    assert_eq!(ok(&["user", "list", "--data", &data]), before);
    drop(server);
    let restored = ok(&["restore", &file, "--data", &data, "--force"]);
    assert!(restored.contains("restored and verified"), "{restored}");

    // Into a new installation: the permit's definition comes with the backup.
    let target = dir.path().join("b");
    let target = target.to_str().unwrap().to_string();
    let keys = Path::new(&data).join("keys");
    let restored = ok(&[
        "restore",
        &file,
        "--data",
        &target,
        "--key-dir",
        keys.to_str().unwrap(),
    ]);
    assert!(
        restored.contains("procedures: 1 files written to"),
        "{restored}"
    );
    assert_eq!(
        std::fs::read_to_string(Path::new(&target).join("procedures/sample-permit.toml")).unwrap(),
        std::fs::read_to_string(Path::new(&data).join("procedures/sample-permit.toml")).unwrap()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let data = data.to_str().unwrap().to_string();
    ok(&[
        "region",
        "add",
        "--data",
        &data,
        "--code",
        "210212",
        "--name",
        "旅顺口区",
    ]);
    ok(&[
        "user",
        "add",
        "--data",
        &data,
        "--name",
        "admin",
        "--display-name",
        "管理员",
        "--role",
        "admin",
        "--region",
        "210212",
    ]);
    let token = ok(&["user", "token", "--data", &data, "--user", "admin"])
        .trim()
        .to_string();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args([
            "serve",
            "--data",
            &data,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..32 {
        let (client, base, token, stop) =
            (client.clone(), base.clone(), token.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0.. {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let code = format!("w{w}n{n}");
                let reply = client
                    .post(format!("{base}/api/v1/departments"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"region": "210212", "code": code, "name": format!("部门{code}"), "kind": "other"}))
                    .send()
                    .await;
                match reply {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => acknowledged.push(code),
                    Ok(r) => panic!("unexpected answer {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
            acknowledged
        }));
    }
    // Let writes stream, then kill the server without warning.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(
        acknowledged.len() > 50,
        "the stream was too short to mean anything: {}",
        acknowledged.len()
    );

    // Restarted: every acknowledged write is there and the chain verifies.
    let listed = ok(&["department", "list", "--data", &data]);
    let present: std::collections::HashSet<&str> = listed
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|c| !present.contains(c.as_str()))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    let verify = ok(&["audit", "verify", "--data", &data]);
    assert!(verify.contains("OK:"), "{verify}");

    let mut again = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args([
            "serve",
            "--data",
            &data,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&client, &base).await;
    again.kill().unwrap();
    again.wait().unwrap();
}

#[test]
fn calendar_days_prints_the_official_arrangement() {
    let out = ok(&[
        "calendar",
        "days",
        "--from",
        "2019-09-28",
        "--to",
        "2019-10-02",
    ]);
    assert_eq!(
        out,
        "2019-09-28\trestday\t周末\n2019-09-29\tworkday\t调休上班\n2019-09-30\tworkday\t\n2019-10-01\trestday\t国庆节\n2019-10-02\trestday\t国庆节\n"
    );
    let spring = ok(&[
        "calendar",
        "days",
        "--from",
        "2026-02-14",
        "--to",
        "2026-02-15",
    ]);
    assert_eq!(
        spring,
        "2026-02-14\tworkday\t调休上班\n2026-02-15\trestday\t春节\n"
    );
}

#[test]
fn calendar_due_prints_the_date_then_how_it_was_computed() {
    let out = ok(&["calendar", "due", "--from", "2019-09-20", "--days", "11"]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2019-10-08"), "{out}");
    assert!(out.contains("顺延至 2019-10-08"), "{out}");
    let working = ok(&[
        "calendar",
        "due",
        "--from",
        "2019-09-30",
        "--working-days",
        "5",
    ]);
    assert_eq!(
        working.lines().next(),
        Some("2019-10-12"),
        "the make-up Saturday counts"
    );
    let months = ok(&["calendar", "due", "--from", "2014-05-28", "--months", "3"]);
    assert_eq!(months.lines().next(), Some("2014-08-28"));
}

#[test]
fn calendar_without_data_exits_2_with_a_clear_message() {
    let out = fazhi(&[
        "calendar",
        "due",
        "--from",
        "2026-12-20",
        "--working-days",
        "20",
    ]);
    // Past the last official year: a provisional date, said to be one.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).starts_with("2027-01-15\t暂定 provisional")
            && text(&out).contains("暂定：2027 年"),
        "{}",
        text(&out)
    );
    // Further than three years: no date at all.
    let far = fazhi(&["calendar", "due", "--from", "2026-12-20", "--months", "48"]);
    assert_eq!(far.status.code(), Some(2));
    assert!(
        text(&far).contains("no official calendar for 2030"),
        "{}",
        text(&far)
    );
    assert!(far.stdout.is_empty(), "no guessed date is printed");
    let bad = fazhi(&[
        "calendar",
        "days",
        "--from",
        "2019-02-30",
        "--to",
        "2019-03-01",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("2019-02-30"), "{}", text(&bad));
}

#[test]
fn a_report_on_a_folder_without_records_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mistyped = dir.path().join("fazhi-dmeo");
    let out = fazhi(&[
        "report",
        "disclosure",
        "--year",
        "2019",
        "--data",
        mistyped.to_str().unwrap(),
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("没有 Fazhi 的数据"), "{}", text(&out));
    assert!(!mistyped.exists(), "the mistyped folder was created");

    // A store that exists but holds nothing is refused too.
    let empty = dir.path().join("empty");
    let empty = empty.to_str().unwrap();
    ok(&["region", "list", "--data", empty]);
    let out = fazhi(&["report", "disclosure", "--year", "2019", "--data", empty]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("没有任何记录"), "{}", text(&out));
}

/// `fazhi calendar days … | head`: a reader that stops early ends the command quietly, with
/// success (it used to panic and exit 101).
#[test]
fn output_read_only_in_part_is_not_an_error() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args([
            "calendar",
            "days",
            "--from",
            "2019-01-01",
            "--to",
            "2026-12-31",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fazhi");
    let mut first = [0u8; 64];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the first lines");
    // The pipe is closed (dropped) with most of the output unread.
    let out = child.wait_with_output().expect("fazhi ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(String::from_utf8_lossy(&first).starts_with("2019-01-01\trestday"));
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The demo's help names the folder the demo really uses (README: `./fazhi-demo`).
#[test]
fn the_demo_help_names_its_own_folder() {
    let help = ok(&["demo", "--help"]);
    assert!(help.contains("./fazhi-demo"), "{help}");
}
