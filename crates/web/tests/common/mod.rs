//! The web tests' shared harness: a district with departments and users on a throw-away store,
//! an application over the shipped definitions (and, optionally, a folder of an installation's
//! own), and calls through the router as a browser (cookie, form posts) or a program (bearer
//! token, JSON) makes them.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use fazhi_app::{App, AppConfig};
use fazhi_core::Timestamp;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::NewUser;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock};
use fazhi_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "s3cret-pass";

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

/// 10:00 Beijing time on a day.
pub fn at(date: &str) -> Timestamp {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    Timestamp::from_datetime(d.and_hms_opt(2, 0, 0).unwrap().and_utc())
}

pub struct World {
    pub db: TestDb,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub app: Router,
    pub region: RegionCode,
    /// Department ids by code.
    pub departments: BTreeMap<String, String>,
}

/// A district `210212` on `engine` with `departments` (code, name, kind) and `users`
/// (name, role, department code or none), on `today`, the application loaded from the shipped
/// definitions plus those of `procedures` (a folder laid out as `procedures/`).
pub async fn world(
    engine: Engine,
    today: &str,
    departments: &[(&str, &str, DepartmentKind)],
    users: &[(&str, Role, Option<&str>)],
    procedures: Option<&std::path::Path>,
) -> World {
    let clock = Arc::new(ManualClock::new(at(today)));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let region = region("210212");
    db.store
        .add_region("t", &region, "旅顺口区", None)
        .await
        .unwrap();
    let mut ids = BTreeMap::new();
    for (code, name, kind) in departments {
        let d = db
            .store
            .add_department("t", &region, code, name, *kind)
            .await
            .unwrap();
        ids.insert(code.to_string(), d.id);
    }
    for (name, role, department) in users {
        let department = department.map(|d| ids[d].clone());
        db.store
            .add_user(
                "t",
                NewUser {
                    name: UserName::parse(name).unwrap(),
                    display_name: name.to_string(),
                    region: region.clone(),
                    password: PASSWORD.into(),
                    grants: vec![Grant::new(*role, region.clone(), department).unwrap()],
                },
            )
            .await
            .unwrap();
    }
    let app = App::load(db.store.clone(), procedures, AppConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let state = AppState::of(app, WebConfig::default());
    let app = fazhi_web::router(state.clone());
    World {
        db,
        clock,
        state,
        app,
        region,
        departments: ids,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
    }

    /// Where a redirect goes.
    pub fn location(&self) -> String {
        self.headers[header::LOCATION].to_str().unwrap().to_string()
    }

    /// The cookie the answer sets (`name=value`), as the next request sends it back.
    pub fn cookie(&self) -> String {
        self.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

pub async fn call(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// Any request, with exactly the `headers` given (name, value): for what the helpers below do
/// not send, such as a forged cross-site post or a browser's language.
pub async fn request(
    w: &World,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Answer {
    let mut b = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    call(&w.app, b.body(body.into()).unwrap()).await
}

/// A bearer token of a user, for the API.
pub async fn token(w: &World, name: &str) -> String {
    let user = w.db.store.user_by_name(name).await.unwrap().unwrap();
    w.db.store
        .create_token("t", &user.id, "test", 30)
        .await
        .unwrap()
}

/// A call of the JSON API with a bearer token; a null `body` sends none.
pub async fn api(w: &World, method: &str, path: &str, token: &str, body: Value) -> Answer {
    let bearer = format!("Bearer {token}");
    let authorization = (header::AUTHORIZATION.as_str(), bearer.as_str());
    if body.is_null() {
        request(w, method, path, &[authorization], Body::empty()).await
    } else {
        let json = (header::CONTENT_TYPE.as_str(), "application/json");
        request(w, method, path, &[authorization, json], body.to_string()).await
    }
}

/// A console session cookie of a user.
pub async fn login(w: &World, name: &str) -> String {
    let answer = post_public(
        w,
        "/console/login",
        &[("name", name), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    answer.cookie()
}

/// A page with a session cookie.
pub async fn get(w: &World, path: &str, cookie: &str) -> Answer {
    request(
        w,
        "GET",
        path,
        &[(header::COOKIE.as_str(), cookie)],
        Body::empty(),
    )
    .await
}

/// A page as someone without a session sees it (no cookie).
pub async fn get_public(w: &World, path: &str) -> Answer {
    request(w, "GET", path, &[], Body::empty()).await
}

/// The content type of a posted form, as a header for [`request`].
pub const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
/// What a browser says of a request from the site's own pages, as a header for [`request`].
pub const SAME_ORIGIN: (&str, &str) = ("sec-fetch-site", "same-origin");

/// A form posted from the console's own pages.
pub async fn post_form(w: &World, path: &str, pairs: &[(&str, &str)], cookie: &str) -> Answer {
    let cookie = (header::COOKIE.as_str(), cookie);
    request(
        w,
        "POST",
        path,
        &[FORM, SAME_ORIGIN, cookie],
        form_body(pairs),
    )
    .await
}

/// A form posted from the site's own pages by someone without a session (a login, the
/// portal's status lookup).
pub async fn post_public(w: &World, path: &str, pairs: &[(&str, &str)]) -> Answer {
    request(w, "POST", path, &[FORM, SAME_ORIGIN], form_body(pairs)).await
}

/// `pairs` as an `application/x-www-form-urlencoded` body.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    body.join("&")
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const BOUNDARY: &str = "----fazhi-test-boundary";

/// A `multipart/form-data` body: text fields, then files (input name, file name, content
/// type, bytes); returns its content type and bytes.
pub fn multipart_body(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (input, name, content_type, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{input}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// A multipart form posted from the site's own pages, with a session cookie or without.
pub async fn post_multipart(
    w: &World,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
    cookie: Option<&str>,
) -> Answer {
    let (content_type, body) = multipart_body(fields, files);
    let mut headers = vec![
        (header::CONTENT_TYPE.as_str(), content_type.as_str()),
        SAME_ORIGIN,
    ];
    if let Some(cookie) = cookie {
        headers.push((header::COOKIE.as_str(), cookie));
    }
    request(w, "POST", path, &headers, body).await
}

/// The files kept in the store's file folder, and those half-received in its incoming area.
pub fn files_on_disk(w: &World) -> (usize, usize) {
    let Some(dir) = w.db.store.files_dir() else {
        return (0, 0);
    };
    let count = |d: std::path::PathBuf| {
        std::fs::read_dir(d)
            .map(|entries| entries.flatten().filter(|e| e.path().is_file()).count())
            .unwrap_or(0)
    };
    let kept = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name() != ".incoming")
                .map(|e| count(e.path()))
                .sum()
        })
        .unwrap_or(0);
    (kept, count(dir.join(".incoming")))
}
