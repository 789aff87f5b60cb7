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

    /// The first element found by a CSS selector, waiting for it to appear.
    async fn find(&self, css: &str) -> String {
        self.locate("css selector", css).await
    }

    async fn locate(&self, using: &str, value: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let reply = self
                .http
                .post(&url)
                .json(&json!({"using": using, "value": value}))
                .send()
                .await
                .unwrap();
            if reply.status().is_success() {
                let found: Value = reply.json().await.unwrap();
                return found["value"][ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("{value}: {found}"))
                    .to_string();
            }
            assert!(Instant::now() < deadline, "no element {value}");
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

    /// The first element an XPath finds (a form's field by the action it belongs to).
    async fn find_xpath(&self, xpath: &str) -> String {
        self.locate("xpath", xpath).await
    }

    /// Types into the field `name` of the form of `action` on a case page.
    async fn type_field(&self, action: &str, name: &str, text: &str) {
        let id = self
            .find_xpath(&format!(
                "//form[input[@name='action' and @value='{action}']]//*[@name='{name}']"
            ))
            .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    /// Sets a select's or a date's value as a person picking it would (with its change event).
    async fn set(&self, xpath: &str, value: &str) {
        let id = self.find_xpath(xpath).await;
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({
                "script": "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                "args": [{ ELEMENT: id }, value],
            }),
        )
        .await;
    }

    async fn click_xpath(&self, xpath: &str) {
        let id = self.find_xpath(xpath).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    /// Opens an action's form on a case page (its `<details>`).
    async fn open_action(&self, action: &str) {
        // Open its <details> (a page with one action has it open already).
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({
                "script": "for (const f of document.querySelectorAll('details.action')) { if (f.querySelector(`input[name=action][value='${arguments[0]}']`)) f.open = true; }",
                "args": [action],
            }),
        )
        .await;
    }

    /// Submits an action's form and waits for the case page of the version it makes (text
    /// already on the old page would not tell the new page has come).
    async fn submit(&self, action: &str, version: i64) {
        self.click_xpath(&format!(
            "//form[input[@name='action' and @value='{action}']]//button[@type='submit']"
        ))
        .await;
        self.wait_for_text(&format!("版本 {version} · ")).await;
    }

    /// A screenshot of the whole page into `FAZHI_TEST_SHOTS` (for people to look at), if set.
    async fn shot(&self, name: &str) {
        let Ok(dir) = std::env::var("FAZHI_TEST_SHOTS") else {
            return;
        };
        let height = self
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                json!({"script": "return document.documentElement.scrollHeight", "args": []}),
            )
            .await
            .as_i64()
            .unwrap_or(900);
        let width = self
            .call(reqwest::Method::GET, "/window/rect", Value::Null)
            .await["width"]
            .as_i64()
            .unwrap_or(1280);
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({"width": width, "height": (height + 120).clamp(600, 6000)}),
        )
        .await;
        let png = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(format!("{dir}/{name}.png"), bytes).unwrap();
    }

    async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
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

/// The demo district served, a ChromeDriver, and the demo's logins (name → password).
struct Site {
    url: String,
    driver: String,
    http: reqwest::Client,
    logins: std::collections::HashMap<String, String>,
    _server: Killed,
    _driver: Killed,
    _data: tempfile::TempDir,
    _profiles: Vec<tempfile::TempDir>,
}

async fn site() -> Site {
    let chromedriver = env_or("FAZHI_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
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
    let printed = String::from_utf8(seeded.stdout).unwrap();
    let logins = printed
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let (name, password) = (words.next()?, words.next()?);
            (password.len() >= 12 && name.chars().all(|c| c.is_ascii_lowercase()))
                .then(|| (name.to_string(), password.to_string()))
        })
        .collect();

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = Killed(
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
    let driver_process = Killed(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let driver = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = http
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
            && http
                .get(format!("{driver}/status"))
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
    Site {
        url,
        driver,
        http,
        logins,
        _server: server,
        _driver: driver_process,
        _data: dir,
        _profiles: Vec::new(),
    }
}

impl Site {
    /// A new browser (its own profile: no cookies) with a window `width` wide.
    async fn browser(&mut self, width: u32) -> Browser {
        let chromium = env_or("FAZHI_TEST_CHROMIUM", "/usr/bin/chromium");
        let profile = tempfile::tempdir().unwrap();
        let created: Value = self
            .http
            .post(format!("{}/session", self.driver))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", "--no-first-run", format!("--window-size={width},900"),
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
        self._profiles.push(profile);
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("{created}"))
            .to_string();
        Browser {
            http: self.http.clone(),
            base: self.driver.clone(),
            session,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_logs_in_with_the_keyboard_and_adds_a_department() {
    let mut site = site().await;
    let password = site.logins["admin"].clone();
    let browser = site.browser(1280).await;
    let site = site.url.clone();
    let http = reqwest::Client::new();
    let base = browser.base.clone();

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

/// Today in Beijing, as the server counts days.
fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The receipt number on the page after an application.
fn receipt_in(page: &str) -> String {
    let start = page.find("GK").expect("a receipt number");
    page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// The walk a new user takes, at one window width: a citizen applies online for information
/// and follows it; a clerk of the district government office registers a walk-in request,
/// asks for a supplement, records it, extends the time limit, replies with a scan attached and
/// makes the reply (答复书); then answers the citizen's online request, which the citizen then
/// sees answered, with the reply to download.
async fn walk(site: &mut Site, width: u32, tag: &str) {
    let day = today().format("%Y-%m-%d").to_string();
    let citizen_name = format!("网上申请人{tag}");
    // The citizen applies.
    let citizen = site.browser(width).await;
    citizen
        .go(&format!("{}/apply/disclosure_request", site.url))
        .await;
    citizen.wait_for_text("依申请公开政府信息").await;
    citizen
        .type_into("input[name='f.applicant.name']", &citizen_name)
        .await;
    citizen
        .type_into("input[name='f.applicant.phone']", "139 1234 5678")
        .await;
    citizen
        .set("//select[@name='f.applicant_kind']", "natural_person")
        .await;
    citizen
        .type_into(
            "textarea[name='f.content']",
            &format!("{tag}年度老旧小区改造项目的立项批复"),
        )
        .await;
    citizen
        .set("//select[@name='f.delivery']", "electronic")
        .await;
    citizen.shot(&format!("{tag}-1-apply")).await;
    citizen
        .click("form[action='/apply/disclosure_request'] button[type=submit]")
        .await;
    let page = citizen.wait_for_text("您的受理编号是").await;
    citizen.shot(&format!("{tag}-2-receipt")).await;
    let receipt = receipt_in(&page);
    citizen.go(&format!("{}/track", site.url)).await;
    citizen.type_into("input[name=receipt]", &receipt).await;
    citizen
        .type_into("input[name=suffix]", "5678\u{E007}")
        .await;
    // Its 答复期限 shows (provisional, said so, when it falls in a year whose official
    // holidays are not entered yet — in December, the next).
    let page = citizen.wait_for_text("答复期限").await;
    assert!(!page.contains("办理结果"), "not answered yet");
    citizen.shot(&format!("{tag}-3-track")).await;

    // The clerk registers a walk-in request.
    let clerk = site.browser(width).await;
    clerk.go(&format!("{}/console/login", site.url)).await;
    clerk.type_into("input[name=name]", "gov").await;
    clerk
        .type_into(
            "input[name=password]",
            &format!("{}\u{E007}", site.logins["gov"]),
        )
        .await;
    clerk.wait_for_text("临期与超期").await;
    clerk.shot(&format!("{tag}-4-clerk-home")).await;
    clerk
        .go(&format!(
            "{}/console/cases/new?procedure=disclosure_request&action=register",
            site.url
        ))
        .await;
    clerk.wait_for_text("登记申请").await;
    let walk_in = format!("窗口申请人{tag}");
    clerk
        .type_into("input[name='f.applicant.name']", &walk_in)
        .await;
    clerk
        .type_into("input[name='f.applicant.phone']", "0411-86231234")
        .await;
    clerk
        .set("//select[@name='f.applicant_kind']", "natural_person")
        .await;
    clerk
        .type_into("textarea[name='f.content']", "本区2024年财政预算执行情况")
        .await;
    clerk.set("//select[@name='f.channel']", "in_person").await;
    clerk.set("//input[@name='f.received_on']", &day).await;
    clerk.shot(&format!("{tag}-5-register")).await;
    clerk
        .click("form[action='/console/cases'] button[type=submit]")
        .await;
    clerk.wait_for_text("已保存").await;
    clerk.wait_for_text("已收到").await;

    // A supplement is asked for, and received.
    clerk.open_action("request_supplement").await;
    clerk
        .type_field(
            "request_supplement",
            "f.supplement_items",
            "申请人身份证明复印件",
        )
        .await;
    let deadline = (today() + chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    clerk
        .set("//form[input[@name='action' and @value='request_supplement']]//input[@name='f.supplement_deadline']", &deadline)
        .await;
    clerk.shot(&format!("{tag}-6-supplement")).await;
    clerk.submit("request_supplement", 2).await;
    clerk.wait_for_text("补正中").await;
    clerk.open_action("supplement_received").await;
    clerk
        .set("//form[input[@name='action' and @value='supplement_received']]//input[@name='f.supplement_received_on']", &day)
        .await;
    clerk.submit("supplement_received", 3).await;

    // The time limit is extended with the head's approval.
    clerk.open_action("extend_reply").await;
    clerk
        .type_field(
            "extend_reply",
            "f.extension_reason",
            "需调取多个部门的档案，无法按期答复",
        )
        .await;
    clerk
        .type_field("extend_reply", "f.extension_approver", "王建国")
        .await;
    clerk
        .set("//form[input[@name='action' and @value='extend_reply']]//input[@name='f.extension_approved_on']", &day)
        .await;
    // The applicant is told in writing (政府信息公开条例第三十三条第二款): part of the extension.
    clerk
        .set("//form[input[@name='action' and @value='extend_reply']]//input[@name='f.extension_notice_on']", &day)
        .await;
    clerk.submit("extend_reply", 4).await;
    let page = clerk.wait_for_text("需调取多个部门的档案").await;
    assert!(page.contains("已保存"), "the extension is recorded");

    // The reply, with the scanned reply attached, and the 答复书 made from it.
    clerk.open_action("reply").await;
    clerk
        .set(
            "//form[input[@name='action' and @value='reply']]//select[@name='f.reply_type']",
            "disclose",
        )
        .await;
    clerk
        .set(
            "//form[input[@name='action' and @value='reply']]//input[@name='f.reply_on']",
            &day,
        )
        .await;
    let scan_dir = tempfile::tempdir().unwrap();
    let scan = scan_dir.path().join("答复附件.pdf");
    std::fs::write(&scan, b"%PDF-1.4 the budget figures, scanned").unwrap();
    let file_input = clerk
        .find_xpath("//form[input[@name='action' and @value='reply']]//input[@type='file']")
        .await;
    clerk
        .call(
            reqwest::Method::POST,
            &format!("/element/{file_input}/value"),
            json!({ "text": scan.to_str().unwrap() }),
        )
        .await;
    clerk.shot(&format!("{tag}-7-reply")).await;
    clerk.submit("reply", 5).await;
    clerk.wait_for_text("已答复").await;
    clerk.wait_for_text("答复附件.pdf").await;
    clerk.set("//select[@name='document']", "reply").await;
    clerk
        .click_xpath("//form[contains(@action, '/documents')]//button[@type='submit']")
        .await;
    clerk.wait_for_text("文书已生成").await;
    clerk.shot(&format!("{tag}-8-documents")).await;

    // The citizen's online request: found in the list by name, answered, its reply made.
    clerk
        .go(&format!("{}/console/cases?q={}", site.url, citizen_name))
        .await;
    clerk
        .click_xpath(&format!("//a[contains(., '{citizen_name}')]"))
        .await;
    clerk.wait_for_text(&receipt).await;
    clerk.wait_for_text("版本 1 · ").await;
    clerk.open_action("reply").await;
    clerk
        .set(
            "//form[input[@name='action' and @value='reply']]//select[@name='f.reply_type']",
            "disclose",
        )
        .await;
    clerk
        .set(
            "//form[input[@name='action' and @value='reply']]//input[@name='f.reply_on']",
            &day,
        )
        .await;
    clerk
        .type_field(
            "reply",
            "f.reply_summary",
            "所申请的立项批复予以公开，电子文本随本答复送达。",
        )
        .await;
    clerk.submit("reply", 2).await;
    clerk.wait_for_text("已答复").await;
    clerk.set("//select[@name='document']", "reply").await;
    clerk
        .click_xpath("//form[contains(@action, '/documents')]//button[@type='submit']")
        .await;
    clerk.wait_for_text("文书已生成").await;

    // The citizen sees the answer and the reply to download.
    citizen.go(&format!("{}/track", site.url)).await;
    citizen.type_into("input[name=receipt]", &receipt).await;
    citizen
        .type_into("input[name=suffix]", "5678\u{E007}")
        .await;
    let page = citizen.wait_for_text("办理结果").await;
    assert!(page.contains("所申请的立项批复予以公开"), "{page}");
    assert!(
        page.contains("寄送给您的文书") && page.contains("答复书"),
        "{page}"
    );
    assert!(!page.contains("答复期限"), "no time limit runs any more");
    citizen.shot(&format!("{tag}-9-answered")).await;
    for browser in [citizen, clerk] {
        let _ = site
            .http
            .delete(format!("{}/session/{}", browser.base, browser.session))
            .send()
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_and_a_clerk_walk_a_disclosure_request_at_desktop_and_phone_width() {
    let mut site = site().await;
    walk(&mut site, 1280, "desktop").await;
    walk(&mut site, 390, "phone").await;
}
