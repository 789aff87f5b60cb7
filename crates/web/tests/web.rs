//! The web layer through its router: sessions, CSRF, throttling, department scope, headers,
//! metrics, languages. Requests go through the whole middleware stack (no server needed).

mod common;

use axum::http::{StatusCode, header};
use common::*;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_store::Engine;
use fazhi_store::accounts::NewUser;
use serde_json::json;
use std::sync::Arc;

/// The district with the market regulator (whose staff member is `staff`) and the justice
/// bureau, an administrator and a member of the public.
async fn district() -> World {
    world(
        Engine::Sqlite,
        "2024-03-04",
        &[
            ("scjgj", "市场监督管理局", DepartmentKind::EnforcementBody),
            ("sfj", "司法局", DepartmentKind::Department),
        ],
        &[
            ("admin", Role::Admin, None),
            ("staff", Role::DepartmentStaff, Some("scjgj")),
            ("justice", Role::JusticeStaff, Some("sfj")),
            ("citizen", Role::PublicApplicant, None),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn without_a_session_the_console_redirects_and_the_api_answers_401() {
    let w = district().await;
    let reply = get_public(&w, "/console/departments").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.headers[header::LOCATION],
        "/console/login?next=/console/departments"
    );

    let reply = get_public(&w, "/api/v1/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["code"], "unauthorized");
    assert_eq!(reply.json()["error"]["message"], "请先登录");

    let reply = api(&w, "GET", "/api/v1/me", "fz_not-a-token", json!({})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_login_gives_a_locked_down_session_and_logout_ends_it() {
    let w = district().await;
    let reply = post_public(
        &w,
        "/console/login",
        &[
            ("name", "admin"),
            ("password", PASSWORD),
            ("next", "/console/users"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/console/users");
    let set_cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap();

    let home = get(&w, "/console", cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("您好，admin"), "{}", home.text());

    let out = post_form(&w, "/console/logout", &[], cookie).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = get(&w, "/console", cookie).await;
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
    let w = district().await;
    let cookie = login(&w, "admin").await;
    let events = w.db.store.count_events().await.unwrap();
    let reply = request(
        &w,
        "POST",
        "/console/departments",
        &[
            FORM,
            (header::COOKIE.as_str(), &cookie),
            ("sec-fetch-site", "cross-site"),
        ],
        "code=evil&name=evil&kind=other&region=210212",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text().contains("CSRF"));

    // An older browser without Sec-Fetch-Site, but with a foreign Origin.
    let forged = request(
        &w,
        "POST",
        "/console/logout",
        &[
            (header::HOST.as_str(), "fazhi.example.gov.cn"),
            (header::ORIGIN.as_str(), "https://evil.example"),
            (header::COOKIE.as_str(), &cookie),
        ],
        "",
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.db.store.count_events().await.unwrap(),
        events,
        "nothing was recorded"
    );
    // The session survived: the forged logout did not go through.
    assert_eq!(get(&w, "/console", &cookie).await.status, StatusCode::OK);
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled() {
    let w = district().await;
    for _ in 0..5 {
        let reply = post_public(
            &w,
            "/console/login",
            &[("name", "staff"), ("password", "wrong-one")],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.text().contains("用户名或密码错误"));
    }
    let reply = post_public(
        &w,
        "/console/login",
        &[("name", "staff"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(
        reply.text().contains("登录失败次数过多"),
        "{}",
        reply.text()
    );
    assert!(!reply.headers.contains_key(header::SET_COOKIE));
    // Another account is not locked by someone else's failures.
    login(&w, "admin").await;
}

#[tokio::test]
async fn unknown_names_fail_like_wrong_passwords() {
    let w = district().await;
    let reply = post_public(
        &w,
        "/console/login",
        &[("name", "nobody"), ("password", "whatever1")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text().contains("用户名或密码错误"));
    let failures = w.db.store.history("login:nobody").await.unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].region, "000000",
        "recorded in the installation chain"
    );
}

#[tokio::test]
async fn a_department_user_cannot_read_or_change_another_department() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    // Own department: readable, but its record is the administrator's to change.
    let own = api(
        &w,
        "GET",
        &format!("/api/v1/departments/{}", w.departments["scjgj"]),
        &staff,
        json!({}),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    let changed = api(
        &w,
        "PATCH",
        &format!("/api/v1/departments/{}", w.departments["scjgj"]),
        &staff,
        json!({"version": 1, "name": "区市场监督管理局"}),
    )
    .await;
    assert_eq!(changed.status, StatusCode::FORBIDDEN, "{}", changed.text());

    // Another department: neither.
    let other = api(
        &w,
        "GET",
        &format!("/api/v1/departments/{}", w.departments["sfj"]),
        &staff,
        json!({}),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.json()["error"]["code"], "forbidden");
    let history = api(
        &w,
        "GET",
        &format!("/api/v1/departments/{}/events", w.departments["sfj"]),
        &staff,
        json!({}),
    )
    .await;
    assert_eq!(history.status, StatusCode::FORBIDDEN);
    let change = api(
        &w,
        "PATCH",
        &format!("/api/v1/departments/{}", w.departments["sfj"]),
        &staff,
        json!({"version": 1, "name": "被改了"}),
    )
    .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    let justice =
        w.db.store
            .department(&w.departments["sfj"])
            .await
            .unwrap()
            .unwrap();
    assert_eq!((justice.name.as_str(), justice.version), ("司法局", 1));

    // The same through the console.
    let cookie = login(&w, "staff").await;
    let page = get(
        &w,
        &format!("/console/departments/{}", w.departments["sfj"]),
        &cookie,
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text().contains("您只能查看本部门的记录"));
    let post = post_form(
        &w,
        &format!("/console/departments/{}", w.departments["sfj"]),
        &[("version", "1"), ("name", "x"), ("kind", "other")],
        &cookie,
    )
    .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    // Nor create departments or users: that is the admin's.
    let create = api(
        &w,
        "POST",
        "/api/v1/departments",
        &staff,
        json!({"region": "210212", "code": "x", "name": "x", "kind": "other"}),
    )
    .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&w, "/console/users", &cookie).await.status,
        StatusCode::FORBIDDEN
    );

    // The justice bureau supervises every department of the region: it may read, not change.
    let justice = token(&w, "justice").await;
    let read = api(
        &w,
        "GET",
        &format!("/api/v1/departments/{}/events", w.departments["scjgj"]),
        &justice,
        json!({}),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_public_cannot_use_the_console() {
    let w = district().await;
    let cookie = login(&w, "citizen").await;
    let reply = get(&w, "/console", &cookie).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_stale_version_is_a_409_and_bad_input_a_422() {
    let w = district().await;
    let admin = token(&w, "admin").await;
    let path = format!("/api/v1/departments/{}", w.departments["scjgj"]);
    let first = api(
        &w,
        "PATCH",
        &path,
        &admin,
        json!({"version": 1, "active": false}),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = api(
        &w,
        "PATCH",
        &path,
        &admin,
        json!({"version": 1, "name": "x"}),
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

    let bad = api(
        &w,
        "POST",
        "/api/v1/departments",
        &admin,
        json!({"region": "2102", "code": "x", "name": "x", "kind": "other"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("region"),
        "{}",
        bad.text()
    );
    let bad_kind = api(
        &w,
        "POST",
        "/api/v1/departments",
        &admin,
        json!({"region": "210212", "code": "x", "name": "x", "kind": "ministry"}),
    )
    .await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_kind.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ministry")
    );
    let dup = api(
        &w,
        "POST",
        "/api/v1/departments",
        &admin,
        json!({"region": "210212", "code": "sfj", "name": "x", "kind": "other"}),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.json()["error"]["code"], "duplicate");
    let created = api(
        &w,
        "POST",
        "/api/v1/departments",
        &admin,
        json!({"region": "210212", "code": "xfj", "name": "信访局", "kind": "department"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let w = district().await;
    for path in [
        "/",
        "/console/login",
        "/api/v1/me",
        "/static/fazhi.css",
        "/nowhere",
    ] {
        let reply = get_public(&w, path).await;
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
        // Nothing that may carry personal data is kept by a browser or proxy; the static
        // assets alone may be cached.
        let cache = reply.headers[header::CACHE_CONTROL].to_str().unwrap();
        if path.starts_with("/static/") {
            assert_ne!(cache, "no-store", "{path}");
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
    }
    // Signed in, the pages and the JSON with personal data are not kept either.
    let cookie = login(&w, "admin").await;
    let page = get(&w, "/console/users", &cookie).await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn pages_load_nothing_from_outside() {
    let w = district().await;
    let cookie = login(&w, "admin").await;
    for (path, cookie) in [
        ("/", None),
        ("/console/login", None),
        ("/console", Some(cookie.as_str())),
        ("/console/departments", Some(cookie.as_str())),
        ("/console/users", Some(cookie.as_str())),
        ("/console/audit", Some(cookie.as_str())),
    ] {
        let reply = match cookie {
            Some(cookie) => get(&w, path, cookie).await,
            None => get_public(&w, path).await,
        };
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        for attr in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "<script>",
            "style=\"",
        ] {
            assert!(!reply.text().contains(attr), "{path} contains {attr}");
        }
    }
    let htmx = get_public(&w, "/static/vendor/htmx-2.0.11.min.js").await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.text().contains("htmx"));
}

#[tokio::test]
async fn health_and_metrics() {
    let w = district().await;
    let health = get_public(&w, "/healthz").await;
    assert_eq!(
        (health.status, health.text().as_str()),
        (StatusCode::OK, "ok\n")
    );
    // A failed login: a request and a committed event, both counted.
    post_public(
        &w,
        "/console/login",
        &[("name", "admin"), ("password", "wrong-pass")],
    )
    .await;
    // The portal's port is public: its metrics are not. Without a token only this machine
    // reads them, and not through a proxy; with one, whoever presents it.
    let refused = get_public(&w, "/metrics").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.text().contains("fazhi_http_requests_total"));
    let local =
        |forwarded: bool| {
            let mut b = axum::http::Request::builder().uri("/metrics").extension(
                axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))),
            );
            if forwarded {
                b = b.header("x-forwarded-for", "203.0.113.9");
            }
            b.body(axum::body::Body::empty()).unwrap()
        };
    assert_eq!(
        call(&w.app, local(true)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(call(&w.app, local(false)).await.status, StatusCode::OK);
    let scraped = fazhi_web::router(fazhi_web::AppState::of(
        w.state.app.clone(),
        fazhi_web::WebConfig {
            metrics_token: Some("scrape-token-1".into()),
            ..Default::default()
        },
    ));
    let with_token = |token: &str| {
        axum::http::Request::builder()
            .uri("/metrics")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert_eq!(
        call(&scraped, with_token("wrong")).await.status,
        StatusCode::FORBIDDEN
    );
    let metrics = call(&scraped, with_token("scrape-token-1")).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text().contains("fazhi_http_requests_total"),
        "{}",
        metrics.text()
    );
    assert!(metrics.text().contains("fazhi_events_appended_total"));
    assert!(metrics.text().contains("fazhi_commit_group_size"));

    // Invented methods are counted as one, so they cannot grow the series without bound.
    for i in 0..50 {
        request(&w, &format!("MADEUP{i}"), "/", &[], "").await;
    }
    let metrics = call(&w.app, local(false)).await.text();
    assert!(!metrics.contains("MADEUP"), "{metrics}");
    assert!(metrics.contains("method=\"OTHER\""), "{metrics}");
}

#[tokio::test]
async fn the_interface_switches_to_english_and_back() {
    let w = district().await;
    let zh = get_public(&w, "/console/login").await;
    assert!(zh.text().contains("工作人员登录") && zh.text().contains("lang=\"zh-CN\""));
    let switch = get_public(&w, "/lang/en?next=/console/login").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.headers[header::LOCATION], "/console/login");
    let cookie = switch.cookie();
    let en = get(&w, "/console/login", &cookie).await;
    assert!(
        en.text().contains("Staff login") && en.text().contains("lang=\"en\""),
        "{}",
        en.text()
    );
    let by_header = request(
        &w,
        "GET",
        "/",
        &[(header::ACCEPT_LANGUAGE.as_str(), "en-GB,en;q=0.8")],
        "",
    )
    .await;
    assert!(
        by_header
            .text()
            .contains("Rule-of-law government information")
    );
}

#[tokio::test]
async fn admins_manage_departments_and_users_in_the_console() {
    let w = district().await;
    let cookie = login(&w, "admin").await;
    let created = post_form(
        &w,
        "/console/departments",
        &[
            ("code", "xfj"),
            ("name", "信访局"),
            ("kind", "department"),
            ("region", "210212"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let list = get(&w, "/console/departments", &cookie).await;
    assert!(list.text().contains("信访局"));

    // A mistake comes back with the message and the values typed.
    let user = |name, display_name, department| {
        [
            ("name", name),
            ("display_name", display_name),
            ("password", "longenough"),
            ("role", "department_staff"),
            ("department", department),
        ]
    };
    let wrong = post_form(&w, "/console/users", &user("1bad", "张三", ""), &cookie).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.text().contains("用户名“1bad”不合规"),
        "{}",
        wrong.text()
    );
    assert!(wrong.text().contains("value=\"张三\""));
    let no_department = post_form(&w, "/console/users", &user("zhangsan", "x", ""), &cookie).await;
    assert!(
        no_department.text().contains("必须指定所属部门"),
        "{}",
        no_department.text()
    );

    let justice = &w.departments["sfj"];
    let ok = post_form(
        &w,
        "/console/users",
        &user("zhangsan", "x", justice),
        &cookie,
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(w.db.store.user_by_name("zhangsan").await.unwrap().is_some());
}

#[tokio::test]
async fn the_portal_publishes_checkpoints_and_the_key() {
    let w = district().await;
    w.db.store.checkpoint().await.unwrap();
    let portal = get_public(&w, "/").await;
    assert_eq!(portal.status, StatusCode::OK);
    let key = std::fs::read_to_string(w.db.key_dir.join("checkpoint.pub")).unwrap();
    assert!(
        portal.text().contains(key.trim()),
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
        portal.text().contains(
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
    let w = Arc::new(district().await);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let w = w.clone();
        tasks.push(tokio::spawn(async move {
            let guess = format!("guess-{i}");
            post_public(
                &w,
                "/console/login",
                &[("name", "staff"), ("password", &guess)],
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
    let w = district().await;
    for next in [
        "/%5Cevil.example",
        "/%09/evil.example",
        "//evil.example",
        "https://evil.example",
    ] {
        let reply = get_public(&w, &format!("/lang/en?next={next}")).await;
        assert_eq!(reply.headers[header::LOCATION], "/", "{next}");
    }
}

#[tokio::test]
async fn whatever_is_typed_as_a_name_is_not_kept_verbatim() {
    let w = district().await;
    let typed = "my secret password 123";
    post_public(&w, "/console/login", &[("name", typed), ("password", "x")]).await;
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
    let w = district().await;
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
    let cookie = login(&w, "admin2").await;
    let reply = post_form(&w, "/console/audit/checkpoint", &[], &cookie).await;
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
    let page = get(&w, "/console/audit", &cookie).await;
    assert!(page.text().contains("甘井子区"));
    assert!(
        !page.text().contains("旅顺口区"),
        "another district's chain is not shown"
    );
}

#[tokio::test]
async fn administrators_change_roles_and_deactivate_users_with_a_record() {
    let w = district().await;
    let staff_cookie = login(&w, "staff").await;
    let admin = login(&w, "admin").await;
    let staff = w.db.store.user_by_name("staff").await.unwrap().unwrap();
    let me = w.db.store.user_by_name("admin").await.unwrap().unwrap();

    let version = staff.version.to_string();
    let body = [
        ("version", version.as_str()),
        ("role", "window_clerk"),
        ("department", w.departments["scjgj"].as_str()),
    ];
    let reply = post_form(
        &w,
        &format!("/console/users/{}/grants", staff.id),
        &body,
        &admin,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
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
    let stale = post_form(
        &w,
        &format!("/console/users/{}/grants", staff.id),
        &body,
        &admin,
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    // Deactivated: the session stops working at once.
    let version = changed.version.to_string();
    let body = [("version", version.as_str()), ("active", "false")];
    let reply = post_form(
        &w,
        &format!("/console/users/{}/active", staff.id),
        &body,
        &admin,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&w, "/console", &staff_cookie).await.status,
        StatusCode::SEE_OTHER
    );
    // Not oneself, and not by someone who is not an administrator of the region.
    let version = me.version.to_string();
    let body = [("version", version.as_str()), ("active", "false")];
    let refused = post_form(
        &w,
        &format!("/console/users/{}/active", me.id),
        &body,
        &admin,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let justice = login(&w, "justice").await;
    let refused = post_form(
        &w,
        &format!("/console/users/{}/active", me.id),
        &body,
        &justice,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_new_password_logs_out_everywhere_and_revoked_tokens_stop() {
    let w = district().await;
    let cookie = login(&w, "staff").await;
    let staff = w.db.store.user_by_name("staff").await.unwrap().unwrap();
    let token = token(&w, "staff").await;
    let me = async |auth: &str| api(&w, "GET", "/api/v1/me", auth, json!({})).await;
    assert_eq!(me(&token).await.status, StatusCode::OK);

    w.db.store
        .set_password("user:admin", &staff.id, "a-new-password".into())
        .await
        .unwrap();
    assert_eq!(
        get(&w, "/console", &cookie).await.status,
        StatusCode::SEE_OTHER,
        "the old session ended"
    );

    let tokens = w.db.store.tokens_of(&staff.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    w.db.store
        .revoke_token("user:admin", &tokens[0].id)
        .await
        .unwrap();
    assert_eq!(me(&token).await.status, StatusCode::UNAUTHORIZED);
    assert!(
        w.db.store.tokens_of(&staff.id).await.unwrap()[0]
            .revoked_at
            .is_some()
    );
    assert!(
        w.db.store
            .revoke_token("user:admin", "no-such-token")
            .await
            .is_err()
    );
}

/// A whole verification reads every event of every region: only the installation's
/// administrator starts one; the justice bureau and a district's administrator in a larger
/// installation see their chains but cannot.
#[tokio::test]
async fn only_the_installations_administrator_starts_a_whole_verification() {
    let w = district().await;
    let justice = login(&w, "justice").await;
    let refused = post_form(&w, "/console/audit/verify", &[], &justice).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("只有系统管理员"));
    let page = get(&w, "/console/audit", &justice).await.text();
    assert!(!page.contains("/console/audit/verify"), "no button offered");

    // Alone at the top of this installation, the district's administrator may.
    let admin = login(&w, "admin").await;
    let verified = post_form(&w, "/console/audit/verify", &[], &admin).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text());
    assert!(verified.text().contains("alert ok"), "{}", verified.text());

    // With a second district at the top, they administer only part of it: refused.
    w.db.store
        .add_region("t", &region("210211"), "甘井子区", None)
        .await
        .unwrap();
    let refused = post_form(&w, "/console/audit/verify", &[], &admin).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// A login that may see nothing of the console (a member of the public) gets a page that says
/// so — with a way to sign out, so that the browser is not stuck with it.
#[tokio::test]
async fn a_page_refused_offers_a_way_out() {
    let w = world(
        fazhi_store::Engine::Sqlite,
        "2019-09-26",
        &[],
        &[("citizen", fazhi_core::org::Role::PublicApplicant, None)],
        None,
    )
    .await;
    let cookie = login(&w, "citizen").await;
    let page = get(&w, "/console", &cookie).await;
    assert_eq!(page.status, axum::http::StatusCode::FORBIDDEN);
    assert!(
        page.text()
            .contains(r#"<form method="post" action="/console/logout">"#),
        "{}",
        page.text()
    );
}

/// Every staff member changes their own password (the current one first; every session then
/// ends) and keeps their own API tokens, each with an expiry; an administrator resets a
/// forgotten password of a user of their regions, and nobody else's.
#[tokio::test]
async fn passwords_are_changed_and_reset_and_tokens_expire() {
    let w = district().await;
    let staff = w.db.store.user_by_name("staff").await.unwrap().unwrap();
    let cookie = login(&w, "staff").await;
    let account = get(&w, "/console/account", &cookie).await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.text().contains("修改密码") && account.text().contains("接口令牌"));
    // A wrong current password, and two new ones that differ: refused, said why.
    let wrong = post_form(
        &w,
        "/console/account/password",
        &[
            ("current", "not-it-at-all"),
            ("new", "brand-new-pass"),
            ("confirm", "brand-new-pass"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("当前密码不正确"), "{}", wrong.text());
    let mismatch = post_form(
        &w,
        "/console/account/password",
        &[
            ("current", PASSWORD),
            ("new", "brand-new-pass"),
            ("confirm", "brand-new-pasz"),
        ],
        &cookie,
    )
    .await;
    assert!(mismatch.text().contains("两次输入的新密码不一致"));
    let changed = post_form(
        &w,
        "/console/account/password",
        &[
            ("current", PASSWORD),
            ("new", "brand-new-pass"),
            ("confirm", "brand-new-pass"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(changed.location(), "/console/login?notice=password_changed");
    assert_eq!(
        get(&w, "/console", &cookie).await.status,
        StatusCode::SEE_OTHER,
        "session ended"
    );
    let relogin = post_public(
        &w,
        "/console/login",
        &[("name", "staff"), ("password", "brand-new-pass")],
    )
    .await;
    assert_eq!(relogin.status, StatusCode::SEE_OTHER);
    let cookie = relogin.cookie();

    // A token made on the page is shown once and works; revoked, it stops.
    let made = post_form(
        &w,
        "/console/account/tokens",
        &[("label", "热线对接"), ("days", "30")],
        &cookie,
    )
    .await;
    assert_eq!(made.status, StatusCode::OK);
    let token = made
        .text()
        .split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap()
        .to_string();
    assert!(token.starts_with("fz_"));
    let me = |token: String| {
        let w = &w;
        async move { api(w, "GET", "/api/v1/me", &token, serde_json::Value::Null).await }
    };
    assert_eq!(me(token.clone()).await.status, StatusCode::OK);
    let too_long = post_form(
        &w,
        "/console/account/tokens",
        &[("label", "x"), ("days", "400")],
        &cookie,
    )
    .await;
    assert!(
        too_long.text().contains("1 至 365 天"),
        "{}",
        too_long.text()
    );
    // 31 days later it has expired.
    w.clock.advance_seconds(31 * 86_400);
    assert_eq!(me(token.clone()).await.status, StatusCode::UNAUTHORIZED);
    let listed = w.db.store.tokens_of(&staff.id).await.unwrap();
    assert!(!listed[0].usable && listed[0].revoked_at.is_none());
    // (The console session has long ended too.)
    let relogin = post_public(
        &w,
        "/console/login",
        &[("name", "staff"), ("password", "brand-new-pass")],
    )
    .await;
    let cookie = relogin.cookie();
    let page = get(&w, "/console/account", &cookie).await.text();
    assert!(page.contains("已过期"), "{page}");
    // Another's token cannot be revoked from one's own page.
    let admin = w.db.store.user_by_name("admin").await.unwrap().unwrap();
    w.db.store
        .create_token("t", &admin.id, "admin's", 30)
        .await
        .unwrap();
    let theirs = w.db.store.tokens_of(&admin.id).await.unwrap()[0].id.clone();
    let denied = post_form(
        &w,
        &format!("/console/account/tokens/{theirs}/revoke"),
        &[],
        &cookie,
    )
    .await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    assert!(w.db.store.tokens_of(&admin.id).await.unwrap()[0].usable);

    // The administrator resets a forgotten password; a staff member may not.
    let admin_cookie = login(&w, "admin").await;
    let reset = post_form(
        &w,
        &format!("/console/users/{}/password", staff.id),
        &[("password", "temporary-123")],
        &admin_cookie,
    )
    .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text());
    assert_eq!(
        get(&w, "/console", &cookie).await.status,
        StatusCode::SEE_OTHER,
        "their session ended"
    );
    let with_new = post_public(
        &w,
        "/console/login",
        &[("name", "staff"), ("password", "temporary-123")],
    )
    .await;
    assert_eq!(with_new.status, StatusCode::SEE_OTHER);
    let staff_cookie = with_new.cookie();
    let not_admin = post_form(
        &w,
        &format!("/console/users/{}/password", admin.id),
        &[("password", "taken-over-1")],
        &staff_cookie,
    )
    .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
}

/// A full disk: a write is refused with 503 and a message saying what to do (it was a 500 and
/// a log line per request), nothing already saved is touched, health says so, and once there
/// is room again writes succeed without a restart.
#[tokio::test]
async fn a_full_disk_answers_503_keeps_what_was_saved_and_recovers() {
    let w = district().await;
    let admin = token(&w, "admin").await;
    // As full as the database may grow: its current size.
    w.db.store.limit_database_pages(1).await;
    let mut refused = None;
    for n in 0..400 {
        let events = w.db.store.count_events().await.unwrap();
        let answer = api(
            &w,
            "POST",
            "/api/v1/departments",
            &admin,
            json!({"region": "210212", "code": format!("d{n}"), "name": format!("部门{n}{}", "名".repeat(150)), "kind": "other"}),
        )
        .await;
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(
                w.db.store.count_events().await.unwrap(),
                events,
                "nothing half-written"
            );
            refused = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    }
    let refused = refused.expect("the database filled up");
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("存储空间已满"),
        "{}",
        refused.text()
    );
    let health = get_public(&w, "/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(health.text().contains("storage full"));
    // What was saved before still reads, and verifies.
    assert_eq!(
        api(
            &w,
            "GET",
            "/api/v1/departments",
            &admin,
            serde_json::Value::Null
        )
        .await
        .status,
        StatusCode::OK
    );
    assert!(w.db.store.verify().await.unwrap().ok());
    // Room again: the next write succeeds and health recovers, without a restart.
    w.db.store.limit_database_pages(1_000_000).await;
    let again = api(
        &w,
        "POST",
        "/api/v1/departments",
        &admin,
        json!({"region": "210212", "code": "after", "name": "清理磁盘后新建的部门", "kind": "other"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(get_public(&w, "/healthz").await.status, StatusCode::OK);
}

/// Each home shows its work — the cases overdue or due soon, red first, and those assigned to
/// the user — and the region's activity in sentences with links, never the raw record with a
/// citizen's ID and phone numbers.
#[tokio::test]
async fn homes_show_the_work_due_and_activity_in_words_without_personal_data() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    let created = api(
        &w,
        "POST",
        "/api/v1/cases",
        &staff,
        json!({"procedure": "disclosure_request", "action": "register", "fields": {
            "applicant": {"kind": "person", "name": "李四", "id_number": "11010519491231002X", "phone": "13700001111"},
            "applicant_kind": "natural_person", "content": "预算执行情况", "channel": "in_person",
            "received_on": "2024-03-04"}}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    let admin = login(&w, "admin").await;
    let home = get(&w, "/console", &admin).await.text();
    assert!(
        !home.contains("11010519491231002X") && !home.contains("13700001111"),
        "{home}"
    );
    assert!(
        !home.contains("&quot;step&quot;")
            && !home.contains("\"applicant\"")
            && !home.contains("&quot;applicant&quot;"),
        "no raw JSON: {home}"
    );
    assert!(
        home.contains("依申请公开") && home.contains(&format!("/console/cases/{id}")),
        "{home}"
    );
    // Nothing due yet; six weeks on the 20 working days have run out.
    let staff_cookie = login(&w, "staff").await;
    let before = get(&w, "/console", &staff_cookie).await.text();
    assert!(before.contains("没有临期或超期的案件"), "{before}");
    w.clock.advance_seconds(42 * 86_400);
    let staff_cookie = login(&w, "staff").await;
    let after = get(&w, "/console", &staff_cookie).await.text();
    assert!(
        after.contains("临期与超期") && after.contains(&format!("/console/cases/{id}")),
        "{after}"
    );
    assert!(after.contains("due overdue"), "{after}");
}

/// From November the deadlines need next year's official holidays: until they are entered,
/// the administrator is told on the home and the holidays page (and nobody is in June).
#[tokio::test]
async fn the_administrator_is_told_when_next_years_holidays_are_missing() {
    let w = world(
        Engine::Sqlite,
        "2026-06-01",
        &[],
        &[("admin", Role::Admin, None), ("leader", Role::Leader, None)],
        None,
    )
    .await;
    let admin = login(&w, "admin").await;
    assert!(
        !get(&w, "/console", &admin)
            .await
            .text()
            .contains("尚未录入")
    );
    w.clock.advance_seconds(170 * 86_400); // 2026-11-18
    let admin = login(&w, "admin").await;
    let home = get(&w, "/console", &admin).await.text();
    assert!(home.contains("尚未录入 2027 年的法定节假日安排"), "{home}");
    assert!(home.contains("href=\"/console/calendar\""));
    let calendar = get(&w, "/console/calendar", &admin).await.text();
    assert!(calendar.contains("尚未录入 2027 年的法定节假日安排"));
    let leader = login(&w, "leader").await;
    assert!(
        !get(&w, "/console", &leader)
            .await
            .text()
            .contains("尚未录入")
    );
}

/// An applicant who asked to be told by e-mail, on an installation that cannot send one: the
/// case says so to staff (it failed silently), and says nothing once e-mail is configured.
#[tokio::test]
async fn staff_are_told_when_an_applicants_email_cannot_be_sent() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    let created = api(
        &w,
        "POST",
        "/api/v1/cases",
        &staff,
        json!({"procedure": "disclosure_request", "action": "register", "fields": {
            "applicant": {"kind": "person", "name": "李四", "phone": "13700001111"},
            "applicant_kind": "natural_person", "content": "预算执行情况", "channel": "in_person",
            "received_on": "2024-03-04", "contact_email": "lisi@example.com"}}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let path = format!("/console/cases/{}", created.json()["id"].as_str().unwrap());
    let cookie = login(&w, "staff").await;
    assert!(
        get(&w, &path, &cookie)
            .await
            .text()
            .contains("申请人不会收到邮件")
    );
    let with_email = fazhi_web::router(fazhi_web::AppState::of(
        w.state.app.clone(),
        fazhi_web::WebConfig {
            email_configured: true,
            ..Default::default()
        },
    ));
    let request = axum::http::Request::builder()
        .uri(&path)
        .header("cookie", cookie.as_str())
        .body(axum::body::Body::empty())
        .unwrap();
    let page = call(&with_email, request).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("申请人不会收到邮件"));
}

/// Every staff read of a case — its page, its record in the API, a file of it — is recorded,
/// and the region's supervisors see who read it (个人信息保护法); the clerks themselves do not see
/// the log.
#[tokio::test]
async fn reads_of_a_case_are_recorded_and_shown_to_supervisors() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    let created = api(
        &w,
        "POST",
        "/api/v1/cases",
        &staff,
        json!({"procedure": "disclosure_request", "action": "register", "fields": {
            "applicant": {"kind": "person", "name": "李四", "id_number": "11010519491231002X", "phone": "13700001111"},
            "applicant_kind": "natural_person", "content": "预算执行情况", "channel": "in_person",
            "received_on": "2024-03-04"}}),
    )
    .await;
    let id = created.json()["id"].as_str().unwrap().to_string();
    let staff_cookie = login(&w, "staff").await;
    let page = get(&w, &format!("/console/cases/{id}"), &staff_cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text().contains("查阅记录"),
        "clerks do not see the log"
    );
    api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &staff,
        serde_json::Value::Null,
    )
    .await;
    let reads = w.db.store.reads_of(&id, 10).await.unwrap();
    let what: Vec<&str> = reads.iter().map(|r| r.what.as_str()).collect();
    assert_eq!(what, vec!["api", "page"], "newest first");
    let justice = login(&w, "justice").await;
    let seen = get(&w, &format!("/console/cases/{id}"), &justice)
        .await
        .text();
    assert!(
        seen.contains("查阅记录") && seen.contains("接口读取") && seen.contains("案件页面"),
        "{seen}"
    );
    assert!(seen.contains("staff"), "who read it is named: {seen}");
    // A refused read is not served, and not recorded as one.
    let outsider = token(&w, "citizen").await;
    let refused = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &outsider,
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.db.store.reads_of(&id, 10).await.unwrap().len(),
        3,
        "two by staff, one by the justice bureau"
    );
}
