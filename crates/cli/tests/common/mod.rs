//! What the command-line tests share: running `fazhi` with a clean environment, and a
//! `fazhi serve` child process that is stopped when the test ends.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `fazhi` in `dir` without the caller's FAZHI_* settings (the demo on PostgreSQL
/// writes its logins file in the working folder).
pub fn fazhi_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .current_dir(dir)
        .args(args)
        .env_remove("FAZHI_DATABASE_URL")
        .env_remove("FAZHI_CONFIG")
        .env_remove("FAZHI_KEY_DIR")
        .env_remove("FAZHI_PROCEDURES")
        .output()
        .expect("run fazhi")
}

pub fn fazhi(args: &[&str]) -> std::process::Output {
    fazhi_in(std::env::temp_dir().as_path(), args)
}

/// Standard output of a run that must succeed.
pub fn ok(args: &[&str]) -> String {
    let out = fazhi(args);
    assert!(
        out.status.success(),
        "fazhi {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A child process, killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `fazhi serve` over a data folder, once `/healthz` answers: the process and its address.
pub async fn serve(data: &str) -> (Killed, String) {
    let port = free_port();
    let site = format!("http://127.0.0.1:{port}");
    let server = Killed(
        Command::new(env!("CARGO_BIN_EXE_fazhi"))
            .args([
                "serve",
                "--data",
                data,
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .get(format!("{site}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (server, site)
}
