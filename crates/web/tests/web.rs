//! The web layer through its router: sessions, CSRF, throttling, department scope, headers,
//! metrics, languages. Requests go through the whole middleware stack (no server needed).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::{Department, NewUser};
use fazhi_store::testing::TestDb;
use fazhi_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "s3cret-pass";

struct World {
    db: TestDb,
    app: Router,
    market: Department,
    justice: Department,
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

async fn world() -> World {
    let db = TestDb::sqlite().await;
    let store = &db.store;
    store
        .add_region("t", &region("210212"), "旅顺口区", None)
        .await
        .unwrap();
    let market = store
        .add_department(
            "t",
            &region("210212"),
            "scjgj",
            "市场监督管理局",
            DepartmentKind::EnforcementBody,
        )
        .await
        .unwrap();
    let justice = store
        .add_department(
            "t",
            &region("210212"),
            "sfj",
            "司法局",
            DepartmentKind::Department,
        )
        .await
        .unwrap();
    for (name, role, department) in [
        ("admin", Role::Admin, None),
        ("staff", Role::DepartmentStaff, Some(market.id.clone())),
        ("justice", Role::JusticeStaff, Some(justice.id.clone())),
        ("citizen", Role::PublicApplicant, None),
    ] {
        store
            .add_user(
                "t",
                NewUser {
                    name: UserName::parse(name).unwrap(),
                    display_name: name.to_string(),
                    region: region("210212"),
                    password: PASSWORD.into(),
                    grants: vec![Grant::new(role, region("210212"), department).unwrap()],
                },
            )
            .await
            .unwrap();
    }
    let app = fazhi_web::router(AppState::new(db.store.clone(), WebConfig::default()));
    World {
        db,
        app,
        market,
        justice,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).to_string(),
    }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn form(path: &str, body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn json_request(method: &str, path: &str, body: serde_json::Value, auth: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {auth}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Logs in through the form and returns the `Cookie` header value of the session.
async fn login(app: &Router, name: &str) -> String {
    let reply = send(
        app,
        form(
            "/console/login",
            &format!("name={name}&password={PASSWORD}&next=/console"),
            None,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let set_cookie = reply.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    set_cookie.split(';').next().unwrap().to_string()
}

async fn token(w: &World, name: &str) -> String {
    let user = w.db.store.user_by_name(name).await.unwrap().unwrap();
    w.db.store
        .create_token("t", &user.id, "test")
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_session_the_console_redirects_and_the_api_answers_401() {
    let w = world().await;
    let reply = send(&w.app, get("/console/departments", None)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.headers[header::LOCATION],
        "/console/login?next=/console/departments"
    );

    let reply = send(&w.app, get("/api/v1/me", None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["code"], "unauthorized");
    assert_eq!(reply.json()["error"]["message"], "请先登录");

    let reply = send(
        &w.app,
        json_request("GET", "/api/v1/me", serde_json::json!({}), "fz_not-a-token"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_login_gives_a_locked_down_session_and_logout_ends_it() {
    let w = world().await;
    let reply = send(
        &w.app,
        form(
            "/console/login",
            &format!("name=admin&password={PASSWORD}&next=/console/users"),
            None,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/console/users");
    let set_cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap();

    let home = send(&w.app, get("/console", Some(cookie))).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("您好，admin"), "{}", home.body);

    let out = send(&w.app, form("/console/logout", "", Some(cookie))).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = send(&w.app, get("/console", Some(cookie))).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );

    // Login and logout are events.
    let admin = w.db.store.user_by_name("admin").await.unwrap().unwrap();
    let kinds: Vec<String> =
        w.db.store
            .history(&format!("user:{}", admin.id))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(kinds, ["user.created", "auth.login", "auth.logout"]);
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let w = world().await;
    let cookie = login(&w.app, "admin").await;
    let events = w.db.store.count_events().await.unwrap();
    let forged = Request::post("/console/departments")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("code=evil&name=evil&kind=other&region=210212"))
        .unwrap();
    let reply = send(&w.app, forged).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("CSRF"));

    // An older browser without Sec-Fetch-Site, but with a foreign Origin.
    let forged = Request::post("/console/logout")
        .header(header::HOST, "fazhi.example.gov.cn")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&w.app, forged).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.db.store.count_events().await.unwrap(),
        events,
        "nothing was recorded"
    );
    // The session survived: the forged logout did not go through.
    assert_eq!(
        send(&w.app, get("/console", Some(&cookie))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled() {
    let w = world().await;
    for _ in 0..5 {
        let reply = send(
            &w.app,
            form("/console/login", "name=staff&password=wrong-one", None),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("用户名或密码错误"));
    }
    let reply = send(
        &w.app,
        form(
            "/console/login",
            &format!("name=staff&password={PASSWORD}"),
            None,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(reply.body.contains("登录失败次数过多"), "{}", reply.body);
    assert!(!reply.headers.contains_key(header::SET_COOKIE));
    // Another account is not locked by someone else's failures.
    login(&w.app, "admin").await;
}

#[tokio::test]
async fn unknown_names_fail_like_wrong_passwords() {
    let w = world().await;
    let reply = send(
        &w.app,
        form("/console/login", "name=nobody&password=whatever1", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains("用户名或密码错误"));
    let failures = w.db.store.history("login:nobody").await.unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].region, "000000",
        "recorded in the installation chain"
    );
}

#[tokio::test]
async fn a_department_user_cannot_read_or_change_another_department() {
    let w = world().await;
    let staff = token(&w, "staff").await;
    // Own department: readable, but its record is the administrator's to change.
    let own = send(
        &w.app,
        json_request(
            "GET",
            &format!("/api/v1/departments/{}", w.market.id),
            serde_json::json!({}),
            &staff,
        ),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    let changed = send(
        &w.app,
        json_request(
            "PATCH",
            &format!("/api/v1/departments/{}", w.market.id),
            serde_json::json!({"version": 1, "name": "区市场监督管理局"}),
            &staff,
        ),
    )
    .await;
    assert_eq!(changed.status, StatusCode::FORBIDDEN, "{}", changed.body);

    // Another department: neither.
    let other = send(
        &w.app,
        json_request(
            "GET",
            &format!("/api/v1/departments/{}", w.justice.id),
            serde_json::json!({}),
            &staff,
        ),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.json()["error"]["code"], "forbidden");
    let history = send(
        &w.app,
        json_request(
            "GET",
            &format!("/api/v1/departments/{}/events", w.justice.id),
            serde_json::json!({}),
            &staff,
        ),
    )
    .await;
    assert_eq!(history.status, StatusCode::FORBIDDEN);
    let change = send(
        &w.app,
        json_request(
            "PATCH",
            &format!("/api/v1/departments/{}", w.justice.id),
            serde_json::json!({"version": 1, "name": "被改了"}),
            &staff,
        ),
    )
    .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    let justice = w.db.store.department(&w.justice.id).await.unwrap().unwrap();
    assert_eq!((justice.name.as_str(), justice.version), ("司法局", 1));

    // The same through the console.
    let cookie = login(&w.app, "staff").await;
    let page = send(
        &w.app,
        get(
            &format!("/console/departments/{}", w.justice.id),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("您只能查看本部门的记录"));
    let post = send(
        &w.app,
        form(
            &format!("/console/departments/{}", w.justice.id),
            "version=1&name=x&kind=other",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    // Nor create departments or users: that is the admin's.
    let create = send(
        &w.app,
        json_request(
            "POST",
            "/api/v1/departments",
            serde_json::json!({"region": "210212", "code": "x", "name": "x", "kind": "other"}),
            &staff,
        ),
    )
    .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&w.app, get("/console/users", Some(&cookie)))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The justice bureau supervises every department of the region: it may read, not change.
    let justice = token(&w, "justice").await;
    let read = send(
        &w.app,
        json_request(
            "GET",
            &format!("/api/v1/departments/{}/events", w.market.id),
            serde_json::json!({}),
            &justice,
        ),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_public_cannot_use_the_console() {
    let w = world().await;
    let cookie = login(&w.app, "citizen").await;
    let reply = send(&w.app, get("/console", Some(&cookie))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_stale_version_is_a_409_and_bad_input_a_422() {
    let w = world().await;
    let admin = token(&w, "admin").await;
    let path = format!("/api/v1/departments/{}", w.market.id);
    let first = send(
        &w.app,
        json_request(
            "PATCH",
            &path,
            serde_json::json!({"version": 1, "active": false}),
            &admin,
        ),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = send(
        &w.app,
        json_request(
            "PATCH",
            &path,
            serde_json::json!({"version": 1, "name": "x"}),
            &admin,
        ),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["error"]["code"], "conflict");
    assert!(
        stale.json()["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("changed")
    );

    let bad = send(
        &w.app,
        json_request(
            "POST",
            "/api/v1/departments",
            serde_json::json!({"region": "2102", "code": "x", "name": "x", "kind": "other"}),
            &admin,
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("region"),
        "{}",
        bad.body
    );
    let bad_kind = send(
        &w.app,
        json_request(
            "POST",
            "/api/v1/departments",
            serde_json::json!({"region": "210212", "code": "x", "name": "x", "kind": "ministry"}),
            &admin,
        ),
    )
    .await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_kind.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ministry")
    );
    let dup = send(
        &w.app,
        json_request(
            "POST",
            "/api/v1/departments",
            serde_json::json!({"region": "210212", "code": "sfj", "name": "x", "kind": "other"}),
            &admin,
        ),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.json()["error"]["code"], "duplicate");
    let created = send(&w.app, json_request("POST", "/api/v1/departments", serde_json::json!({"region": "210212", "code": "xfj", "name": "信访局", "kind": "department"}), &admin)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let w = world().await;
    for path in [
        "/",
        "/console/login",
        "/api/v1/me",
        "/static/fazhi.css",
        "/nowhere",
    ] {
        let reply = send(&w.app, get(path, None)).await;
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            reply.headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{path}"
        );
        assert_eq!(
            reply.headers[header::REFERRER_POLICY],
            "same-origin",
            "{path}"
        );
    }
}

#[tokio::test]
async fn pages_load_nothing_from_outside() {
    let w = world().await;
    let cookie = login(&w.app, "admin").await;
    for (path, cookie) in [
        ("/", None),
        ("/console/login", None),
        ("/console", Some(cookie.as_str())),
        ("/console/departments", Some(cookie.as_str())),
        ("/console/users", Some(cookie.as_str())),
        ("/console/audit", Some(cookie.as_str())),
    ] {
        let reply = send(&w.app, get(path, cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        for attr in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "<script>",
            "style=\"",
        ] {
            assert!(!reply.body.contains(attr), "{path} contains {attr}");
        }
    }
    let htmx = send(&w.app, get("/static/vendor/htmx-2.0.11.min.js", None)).await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.body.contains("htmx"));
}

#[tokio::test]
async fn health_and_metrics() {
    let w = world().await;
    let health = send(&w.app, get("/healthz", None)).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok\n")
    );
    // A failed login: a request and a committed event, both counted.
    send(
        &w.app,
        form("/console/login", "name=admin&password=wrong-pass", None),
    )
    .await;
    let metrics = send(&w.app, get("/metrics", None)).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.body.contains("fazhi_http_requests_total"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("fazhi_events_appended_total"));
    assert!(metrics.body.contains("fazhi_commit_group_size"));
}

#[tokio::test]
async fn the_interface_switches_to_english_and_back() {
    let w = world().await;
    let zh = send(&w.app, get("/console/login", None)).await;
    assert!(zh.body.contains("工作人员登录") && zh.body.contains("lang=\"zh-CN\""));
    let switch = send(&w.app, get("/lang/en?next=/console/login", None)).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.headers[header::LOCATION], "/console/login");
    let cookie = switch.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let en = send(&w.app, get("/console/login", Some(&cookie))).await;
    assert!(
        en.body.contains("Staff login") && en.body.contains("lang=\"en\""),
        "{}",
        en.body
    );
    let by_header = send(
        &w.app,
        Request::get("/")
            .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.8")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        by_header
            .body
            .contains("Rule-of-law government information")
    );
}

#[tokio::test]
async fn admins_manage_departments_and_users_in_the_console() {
    let w = world().await;
    let cookie = login(&w.app, "admin").await;
    let created = send(
        &w.app,
        form(
            "/console/departments",
            "code=xfj&name=%E4%BF%A1%E8%AE%BF%E5%B1%80&kind=department&region=210212",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = send(&w.app, get("/console/departments", Some(&cookie))).await;
    assert!(list.body.contains("信访局"));

    // A mistake comes back with the message and the values typed.
    let wrong = send(&w.app, form("/console/users", "name=1bad&display_name=%E5%BC%A0%E4%B8%89&password=longenough&role=department_staff&department=", Some(&cookie))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("用户名“1bad”不合规"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"张三\""));
    let no_department = send(
        &w.app,
        form(
            "/console/users",
            "name=zhangsan&display_name=x&password=longenough&role=department_staff&department=",
            Some(&cookie),
        ),
    )
    .await;
    assert!(
        no_department.body.contains("必须指定所属部门"),
        "{}",
        no_department.body
    );

    let ok = send(&w.app, form("/console/users", &format!("name=zhangsan&display_name=x&password=longenough&role=department_staff&department={}", w.justice.id), Some(&cookie))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(w.db.store.user_by_name("zhangsan").await.unwrap().is_some());
}

#[tokio::test]
async fn the_portal_publishes_checkpoints_and_the_key() {
    let w = world().await;
    w.db.store.checkpoint().await.unwrap();
    let portal = send(&w.app, get("/", None)).await;
    assert_eq!(portal.status, StatusCode::OK);
    let key = std::fs::read_to_string(w.db.key_dir.join("checkpoint.pub")).unwrap();
    assert!(
        portal.body.contains(key.trim()),
        "the public key is published"
    );
    let head =
        w.db.store
            .checkpoints()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.region == "210212")
            .unwrap();
    assert!(
        portal.body.contains(
            &head
                .head
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_are_throttled_too() {
    let w = world().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = w.app.clone();
        tasks.push(tokio::spawn(async move {
            send(
                &app,
                form(
                    "/console/login",
                    &format!("name=staff&password=guess-{i}"),
                    None,
                ),
            )
            .await
            .status
        }));
    }
    let mut checked = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert!(
        checked <= 5,
        "{checked} guesses were checked; at most 5 may be"
    );
}

#[tokio::test]
async fn the_language_switch_does_not_redirect_elsewhere() {
    let w = world().await;
    for next in [
        "/%5Cevil.example",
        "/%09/evil.example",
        "//evil.example",
        "https://evil.example",
    ] {
        let reply = send(&w.app, get(&format!("/lang/en?next={next}"), None)).await;
        assert_eq!(reply.headers[header::LOCATION], "/", "{next}");
    }
}

#[tokio::test]
async fn whatever_is_typed_as_a_name_is_not_kept_verbatim() {
    let w = world().await;
    let typed = "my secret password 123";
    send(
        &w.app,
        form(
            "/console/login",
            &format!("name={}&password=x", typed.replace(' ', "+")),
            None,
        ),
    )
    .await;
    let events = w.db.store.recent_events("000000", 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        !events[0].payload.contains("secret"),
        "{}",
        events[0].payload
    );
    assert!(events[0].payload.contains("invalid:"));
}

#[tokio::test]
async fn an_administrator_signs_and_sees_only_their_own_districts_chains() {
    let w = world().await;
    let other = region("210211");
    w.db.store
        .add_region("t", &other, "甘井子区", None)
        .await
        .unwrap();
    w.db.store
        .add_user(
            "t",
            NewUser {
                name: UserName::parse("admin2").unwrap(),
                display_name: "admin2".into(),
                region: other.clone(),
                password: PASSWORD.into(),
                grants: vec![Grant::new(Role::Admin, other.clone(), None).unwrap()],
            },
        )
        .await
        .unwrap();
    let cookie = login(&w.app, "admin2").await;
    let reply = send(&w.app, form("/console/audit/checkpoint", "", Some(&cookie))).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let signed: Vec<String> =
        w.db.store
            .checkpoints()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.region)
            .collect();
    assert_eq!(signed, ["210211"], "not the neighbouring district's chain");
    let page = send(&w.app, get("/console/audit", Some(&cookie))).await;
    assert!(page.body.contains("甘井子区"));
    assert!(
        !page.body.contains("旅顺口区"),
        "another district's chain is not shown"
    );
}

#[tokio::test]
async fn administrators_change_roles_and_deactivate_users_with_a_record() {
    let w = world().await;
    let staff_cookie = login(&w.app, "staff").await;
    let admin = login(&w.app, "admin").await;
    let staff = w.db.store.user_by_name("staff").await.unwrap().unwrap();
    let me = w.db.store.user_by_name("admin").await.unwrap().unwrap();

    let body = format!(
        "version={}&role=window_clerk&department={}",
        staff.version, w.market.id
    );
    let reply = send(
        &w.app,
        form(
            &format!("/console/users/{}/grants", staff.id),
            &body,
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let changed = w.db.store.user(&staff.id).await.unwrap().unwrap();
    assert_eq!(changed.grants[0].role, Role::WindowClerk);
    let history =
        w.db.store
            .history(&format!("user:{}", staff.id))
            .await
            .unwrap();
    let change = history
        .iter()
        .find(|e| e.kind == "user.grants_changed")
        .unwrap();
    assert!(change.payload.contains("department_staff") && change.payload.contains("window_clerk"));
    // A stale form is refused.
    let stale = send(
        &w.app,
        form(
            &format!("/console/users/{}/grants", staff.id),
            &body,
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    // Deactivated: the session stops working at once.
    let body = format!("version={}&active=false", changed.version);
    let reply = send(
        &w.app,
        form(
            &format!("/console/users/{}/active", staff.id),
            &body,
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&w.app, get("/console", Some(&staff_cookie)))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Not oneself, and not by someone who is not an administrator of the region.
    let body = format!("version={}&active=false", me.version);
    let refused = send(
        &w.app,
        form(
            &format!("/console/users/{}/active", me.id),
            &body,
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let justice = login(&w.app, "justice").await;
    let refused = send(
        &w.app,
        form(
            &format!("/console/users/{}/active", me.id),
            &body,
            Some(&justice),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_new_password_logs_out_everywhere_and_revoked_tokens_stop() {
    let w = world().await;
    let cookie = login(&w.app, "staff").await;
    let staff = w.db.store.user_by_name("staff").await.unwrap().unwrap();
    let token = token(&w, "staff").await;
    let me = |auth: &str| json_request("GET", "/api/v1/me", serde_json::json!({}), auth);
    assert_eq!(send(&w.app, me(&token)).await.status, StatusCode::OK);

    w.db.store
        .set_password("user:admin", &staff.id, "a-new-password".into())
        .await
        .unwrap();
    assert_eq!(
        send(&w.app, get("/console", Some(&cookie))).await.status,
        StatusCode::SEE_OTHER,
        "the old session ended"
    );

    let tokens = w.db.store.tokens_of(&staff.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    w.db.store
        .revoke_token("user:admin", &tokens[0].0)
        .await
        .unwrap();
    assert_eq!(
        send(&w.app, me(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        w.db.store.tokens_of(&staff.id).await.unwrap()[0]
            .3
            .is_some()
    );
    assert!(
        w.db.store
            .revoke_token("user:admin", "no-such-token")
            .await
            .is_err()
    );
}
