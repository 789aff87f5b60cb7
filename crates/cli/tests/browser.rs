//! The console in a real browser: Debian's Chromium driven through ChromeDriver (W3C WebDriver,
//! spoken here over HTTP with a few lines of JSON). Log in with the keyboard, add a department
//! through the form, see it listed, log out.

mod common;

use common::{Killed, free_port};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
}

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut request = self.http.request(method, &url);
        if !body.is_null() {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status();
        let value: Value = reply.json().await.unwrap();
        assert!(status.is_success(), "{path}: {value}");
        value["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let reply = self
                .http
                .post(&url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap();
            if reply.status().is_success() {
                let value: Value = reply.json().await.unwrap();
                return value["value"][ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("{css}: {value}"))
                    .to_string();
            }
            assert!(Instant::now() < deadline, "no element {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {text}: {source}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_logs_in_with_the_keyboard_and_adds_a_department() {
    let chromedriver = env_or("FAZHI_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = env_or("FAZHI_TEST_CHROMIUM", "/usr/bin/chromium");
    assert!(
        std::path::Path::new(&chromedriver).exists(),
        "{chromedriver} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data = data.to_str().unwrap().to_string();
    let seeded = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(["demo", "--data", &data, "--no-serve"])
        .output()
        .unwrap();
    let logins = String::from_utf8(seeded.stdout).unwrap();
    let password = logins
        .lines()
        .find(|l| l.trim_start().starts_with("admin "))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("the demo prints the admin's password")
        .to_string();

    let port = free_port();
    let site = format!("http://127.0.0.1:{port}");
    let _server = Killed(
        Command::new(env!("CARGO_BIN_EXE_fazhi"))
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
            .unwrap(),
    );
    let driver_port = free_port();
    let _driver = Killed(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = http
            .get(format!("{site}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
            && http
                .get(format!("{base}/status"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
        if up {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "server or chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let profile = tempfile::tempdir().unwrap();
    let created: Value = http
        .post(format!("{base}/session"))
        .json(&json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.path().display())],
                "prefs": {"intl.accept_languages": "zh-CN"}
            }
        }}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = created["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    let browser = Browser {
        http: http.clone(),
        base: base.clone(),
        session,
    };

    // The console sends a visitor without a session to the login page, and back afterwards.
    browser.go(&format!("{site}/console/departments")).await;
    browser.wait_for_text("工作人员登录").await;
    assert!(
        browser
            .url()
            .await
            .contains("/console/login?next=/console/departments")
    );
    browser.type_into("input[name=name]", "admin").await;
    // The password field, then Enter: no mouse needed.
    browser
        .type_into("input[name=password]", &format!("{password}\u{E007}"))
        .await;
    browser.wait_for_text("新增部门").await;
    assert!(browser.url().await.ends_with("/console/departments"));

    browser.type_into("input[name=code]", "gaj").await;
    browser
        .type_into("input[name=name]", "旅顺口区公安分局")
        .await;
    browser.click("form.form-grid button[type=submit]").await;
    let page = browser.wait_for_text("已保存").await;
    assert!(page.contains("旅顺口区公安分局"));

    // The new department's page shows its history.
    browser.go(&format!("{site}/console")).await;
    browser.wait_for_text("旅顺口区公安分局（gaj）").await;

    browser.click("form[action='/console/logout'] button").await;
    browser.wait_for_text("工作人员登录").await;
    browser.go(&format!("{site}/console")).await;
    browser.wait_for_text("工作人员登录").await;

    let _ = http
        .delete(format!("{base}/session/{}", browser.session))
        .send()
        .await;
}
