//! Online applications from the public (政府信息公开申请, 行政复议申请, 信访事项): a form made
//! from the procedure's online action, attachments, a receipt number, and a status page that
//! opens only with the receipt number plus the last four digits of the applicant's phone or ID
//! number. A wrong pair, an unknown receipt and another person's receipt all get the same
//! answer, so the page reveals nothing to someone guessing; lookups are rate-limited per address.

use crate::AppState;
use crate::error::{PageError, WebError, render_page};
use crate::forms::{Input, form_fields, inputs, show_value};
use crate::i18n::{Lang, Tr};
use crate::session::ClientIp;
use crate::uploads::{Received, read_multipart};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fazhi_app::cases::Opening;
use fazhi_core::engine::Actor;
use fazhi_core::org::DepartmentKind;
use fazhi_core::procedure::Definition;
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::Department;
use fazhi_store::cases::StoredCase;
use fazhi_store::files::Upload;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Fields the portal sets itself rather than asking the applicant.
const SET_BY_PORTAL: &[&str] = &["channel", "received_on", "attachments"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apply", get(list))
        .route(
            "/apply/{procedure}",
            get(form)
                .post(submit)
                .layer(DefaultBodyLimit::max(crate::uploads::MAX_BODY_BYTES)),
        )
        .route("/apply/receipt/{receipt}", get(receipt))
        .route("/track", get(track_form).post(track))
        .route("/track/document", axum::routing::post(track_document))
}

/// Recent requests per client address, at most `max` in a sliding `window`.
pub struct RateLimiter {
    max: usize,
    window: Duration,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the address has room for one more, and if so counts it.
    pub fn allow(&self, address: &str) -> bool {
        self.room(address, true)
    }

    /// Whether the address has room for one more, without counting it.
    pub fn has_room(&self, address: &str) -> bool {
        self.room(address, false)
    }

    fn room(&self, address: &str, count: bool) -> bool {
        let mut seen = self.seen.lock().expect("rate limiter");
        let now = Instant::now();
        // Forget addresses that have been quiet for a window, so the map stays small.
        seen.retain(|_, times| times.back().is_some_and(|t| now - *t < self.window));
        let times = seen.entry(address.to_string()).or_default();
        while times.front().is_some_and(|t| now - *t >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.max {
            return false;
        }
        if count {
            times.push_back(now);
        }
        true
    }
}

/// Status lookups: 20 per address in 15 minutes.
pub fn lookup_limiter() -> RateLimiter {
    RateLimiter::new(20, Duration::from_secs(15 * 60))
}

/// Online applications accepted from one address: a few an hour and a daily quota — each is
/// a statutory case with a clock, counted in the annual report, so a flood from one address
/// must not become a flood of cases.
pub struct ApplicationLimits {
    pub hourly: RateLimiter,
    pub daily: RateLimiter,
}

impl Default for ApplicationLimits {
    fn default() -> Self {
        ApplicationLimits {
            hourly: RateLimiter::new(5, Duration::from_secs(60 * 60)),
            daily: RateLimiter::new(10, Duration::from_secs(24 * 60 * 60)),
        }
    }
}

impl ApplicationLimits {
    /// A refusal in words if the address has used its share.
    fn refusal(&self, address: &str) -> Option<WebError> {
        if !self.daily.has_room(address) {
            return Some(WebError::TooMany(
                "同一网络地址今天提交的网上申请已达上限（10 件），请明天再提交，或到受理窗口、以信函方式提出申请".into(),
            ));
        }
        if !self.hourly.has_room(address) {
            return Some(WebError::TooMany(
                "同一网络地址一小时内提交的网上申请已达上限（5 件），请稍后再提交".into(),
            ));
        }
        None
    }

    fn count(&self, address: &str) {
        self.hourly.allow(address);
        self.daily.allow(address);
    }
}

// ----- the list of what may be applied for -----

#[derive(Template)]
#[template(path = "portal_apply_list.html")]
struct ListPage {
    t: Tr,
    other_lang: &'static str,
    procedures: Vec<(String, String, String)>,
}

fn online_procedures(state: &AppState) -> Vec<&Definition> {
    state
        .app
        .procedures()
        .procedures(state.app.store().today())
        .into_iter()
        .filter(|d| d.online.is_some())
        .collect()
}

async fn list(State(state): State<AppState>, lang: Lang) -> Response {
    let english = lang == Lang::En;
    let procedures = online_procedures(&state)
        .into_iter()
        .map(|d| {
            let intro = d
                .online
                .as_ref()
                .map(|o| o.intro.clone())
                .unwrap_or_default();
            (d.code.clone(), d.name.get(english).to_string(), intro)
        })
        .collect();
    let page = ListPage {
        t: lang.texts(),
        other_lang: lang.other().code(),
        procedures,
    };
    render_page(page, StatusCode::OK, lang)
}

// ----- the application form -----

#[derive(Template)]
#[template(path = "portal_apply.html")]
struct FormPage {
    t: Tr,
    other_lang: &'static str,
    procedure: String,
    name: String,
    intro: String,
    basis: String,
    /// (department id, "region · name"), the suggested receiver first.
    receivers: Vec<(String, String)>,
    receiver: String,
    inputs: Vec<Input>,
    error: Option<String>,
}

/// Whether a body may receive the procedure's online applications (its kind is among the
/// definition's receivers: administrative agencies by default).
fn competent(online: &fazhi_core::procedure::Online, department: &Department) -> bool {
    DepartmentKind::parse(&department.kind).is_some_and(|k| online.receivers.contains(&k))
}

fn online_definition<'a>(state: &'a AppState, code: &str) -> Result<&'a Definition, WebError> {
    state
        .app
        .procedures()
        .current(code, state.app.store().today())
        .filter(|d| d.online.is_some())
        .ok_or_else(|| WebError::NotFound("没有这项网上申请".into()))
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    code: &str,
    entered: &[(String, String)],
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let english = lang == Lang::En;
    let definition = online_definition(state, code)?;
    let online = definition.online.as_ref().expect("filtered above");
    let action = definition
        .action(&online.action)
        .ok_or_else(|| WebError::Internal("online action missing".into()))?;
    let keep = |f: &&String| !SET_BY_PORTAL.contains(&f.as_str());
    let needs: Vec<String> = action.needs.iter().filter(keep).cloned().collect();
    let may: Vec<String> = action.may.iter().filter(keep).cloned().collect();
    let mut fields = inputs(definition, &needs, &may, english, &[], &[]);
    for input in &mut fields {
        if let Some((_, v)) = entered.iter().find(|(k, _)| *k == input.name) {
            input.value = v.clone();
        }
        if input.name == "f.applicant" {
            input.phone_required = true;
        }
        if input.kind == "party" {
            // Parts in the order input.html reads them: name, kind, ID, credit code, phone.
            let part = |p: &str| {
                entered
                    .iter()
                    .find(|(k, _)| *k == format!("{}.{p}", input.name))
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            input.value = ["name", "kind", "id_number", "credit_code", "phone"]
                .map(part)
                .join("\u{1f}");
        }
    }
    let regions: HashMap<String, String> = state
        .app
        .store()
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let mut receivers: Vec<(String, String, bool)> = state
        .app
        .store()
        .departments(None)
        .await?
        .into_iter()
        .filter(|d| d.active && competent(online, d))
        .map(|d| {
            let suggested = !online.receiver.is_empty() && d.name.contains(&online.receiver);
            let region = regions.get(&d.region).cloned().unwrap_or_default();
            (d.id, format!("{region} · {}", d.name), suggested)
        })
        .collect();
    receivers.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    let receiver = entered
        .iter()
        .find(|(k, _)| k == "receiver")
        .map(|(_, v)| v.clone())
        .or_else(|| receivers.iter().find(|r| r.2).map(|r| r.0.clone()))
        .unwrap_or_default();
    let page = FormPage {
        t: lang.texts(),
        other_lang: lang.other().code(),
        procedure: definition.code.clone(),
        name: definition.name.get(english).to_string(),
        intro: online.intro.clone(),
        basis: definition.basis.clone(),
        receivers: receivers
            .into_iter()
            .map(|(id, label, _)| (id, label))
            .collect(),
        receiver,
        inputs: fields,
        error,
    };
    Ok(render_page(page, status, lang))
}

async fn form(State(state): State<AppState>, lang: Lang, Path(code): Path<String>) -> Response {
    form_page(&state, lang, &code, &[], None, StatusCode::OK)
        .await
        .unwrap_or_else(|e| PageError(e, lang).into_response())
}

/// A receipt number: the procedure's prefix, the date, and six random characters from an
/// alphabet without look-alikes (no 0/O, 1/I/L), e.g. `GK20191126-7KQ4MX`.
fn new_receipt(prefix: &str, on: chrono::NaiveDate) -> Result<String, WebError> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).map_err(|e| WebError::Internal(e.to_string()))?;
    let tail: String = random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{prefix}{}-{tail}", on.format("%Y%m%d")))
}

async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(address): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Response {
    // Refused before a byte of the body is read.
    if let Some(e) = state.applications.refusal(&address) {
        let status = e.status();
        return form_page(&state, lang, &code, &[], Some(e.message_in(lang)), status)
            .await
            .unwrap_or_else(|e| PageError(e, lang).into_response());
    }
    let submission = match read_multipart(state.app.store(), multipart).await {
        Ok(s) => s,
        Err(e) => {
            let status = e.status();
            return form_page(&state, lang, &code, &[], Some(e.message_in(lang)), status)
                .await
                .unwrap_or_else(|e| PageError(e, lang).into_response());
        }
    };
    let Received { form, files } = submission;
    match apply(&state, &code, &form, files).await {
        Ok(receipt) => {
            state.applications.count(&address);
            Redirect::to(&format!("/apply/receipt/{receipt}")).into_response()
        }
        Err(e @ (WebError::Refused { .. } | WebError::Invalid(_))) => {
            let status = e.status();
            form_page(&state, lang, &code, &form, Some(e.message_in(lang)), status)
                .await
                .unwrap_or_else(|e| PageError(e, lang).into_response())
        }
        Err(e) => PageError(e, lang).into_response(),
    }
}

/// Records an application as a new case; returns its receipt number.
async fn apply(
    state: &AppState,
    code: &str,
    form: &[(String, String)],
    files: Vec<(String, Upload)>,
) -> Result<String, WebError> {
    let definition = online_definition(state, code)?;
    let online = definition.online.as_ref().expect("filtered above");
    let receiver = form
        .iter()
        .find(|(k, _)| k == "receiver")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let department = state
        .app
        .store()
        .departments(None)
        .await?
        .into_iter()
        .find(|d| d.id == receiver && d.active)
        .ok_or_else(|| WebError::Invalid("请选择受理机关".into()))?;
    if !competent(online, &department) {
        return Err(WebError::Invalid(format!(
            "“{}”不受理{}申请：请选择列出的行政机关",
            department.name, definition.name.zh
        )));
    }
    let region =
        RegionCode::parse(&department.region).map_err(|e| WebError::Internal(e.to_string()))?;
    let calendar = state.calendar();
    let today = state.app.store().today();
    // The day the receipt number is issued is the day it arrived; when it counts as received
    // is the definition's named rule (e.g. 政府信息公开条例 Art 31 (3): the next working day
    // if that is a rest day).
    let received_on = fazhi_core::receipt::received_on(&online.receipt, today, &calendar)
        .map_err(|e| WebError::Invalid(e.to_string()))?;
    let mut fields = form_fields(form);
    for set in SET_BY_PORTAL {
        fields.remove(*set);
    }
    fields.insert("channel".into(), Value::from("online"));
    fields.insert(
        "received_on".into(),
        Value::from(received_on.format("%Y-%m-%d").to_string()),
    );
    // The applicant's identity must open the status page later; a name comes first.
    let applicant = fields.get("applicant").cloned().unwrap_or(Value::Null);
    if applicant["name"]
        .as_str()
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(WebError::Invalid(
            "请填写申请人的姓名（法人或其他组织填写名称）".into(),
        ));
    }
    let phone_digits = applicant["phone"]
        .as_str()
        .map(|p| p.chars().filter(char::is_ascii_digit).count())
        .unwrap_or(0);
    if phone_digits < 7 {
        return Err(WebError::Invalid(
            "请填写申请人的联系电话（查询办理进度时需要其后四位）".into(),
        ));
    }
    // Every file of the form is an attachment of the application, whatever input it came
    // from; they are kept only if the application is accepted.
    let uploads: Vec<Upload> = files.into_iter().map(|(_, upload)| upload).collect();
    if !uploads.is_empty() {
        fields.insert(
            "attachments".into(),
            uploads.iter().map(|u| u.reference().to_value()).collect(),
        );
    }
    let receipt = new_receipt(&online.receipt_prefix, today)?;
    state
        .app
        .open_with_files(
            Opening {
                procedure: &definition.code,
                action: Some(&online.action),
                actor: Actor::System,
                region: &region,
                department: Some(department.id),
                fields,
                on: received_on,
                receipt: Some(receipt.clone()),
            },
            uploads,
        )
        .await?;
    Ok(receipt)
}

// ----- the receipt -----

#[derive(Template)]
#[template(path = "portal_receipt.html")]
struct ReceiptPage {
    t: Tr,
    other_lang: &'static str,
    receipt: String,
}

async fn receipt(
    State(state): State<AppState>,
    lang: Lang,
    Path(receipt): Path<String>,
) -> Response {
    // Only the number itself is shown: the page proves nothing and reveals nothing but that
    // the number was issued (a made-up one is not "submitted").
    let receipt: String = receipt
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    match state.app.store().case_by_receipt(&receipt).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return PageError(
                WebError::NotFound(format!(
                    "没有受理编号为“{receipt}”的申请。请核对编号，或到“办理进度查询”输入编号和电话后四位查询。"
                )),
                lang,
            )
            .into_response();
        }
        Err(e) => return PageError(e.into(), lang).into_response(),
    }
    let page = ReceiptPage {
        t: lang.texts(),
        other_lang: lang.other().code(),
        receipt,
    };
    render_page(page, StatusCode::OK, lang)
}

// ----- status lookup -----

#[derive(Template)]
#[template(path = "portal_track.html")]
struct TrackPage {
    t: Tr,
    other_lang: &'static str,
    receipt: String,
    error: Option<String>,
    status: Option<StatusView>,
}

/// What an applicant sees of their own application: no staff names, no internal notes.
struct StatusView {
    procedure: String,
    receipt: String,
    received_on: String,
    department: String,
    state: String,
    finished: bool,
    /// The running time limits that concern the applicant (the definition's
    /// `applicant_clocks`), each by its own name: (name, last day).
    deadlines: Vec<(String, String)>,
    steps: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    /// The answer as recorded (the definition's `applicant_answer` fields that hold a value).
    answer: Vec<(String, String)>,
    /// The documents sent to the applicant (the definition's `applicant_documents`), the
    /// latest of each: (title, date, file hash of its Word copy).
    documents: Vec<(String, String, String)>,
    /// What opened the page, sent again with a download (the applicant's own).
    suffix: String,
}

/// The documents of a case sent to its applicant (the definition's `applicant_documents`),
/// the latest generated of each, in the order they were made.
async fn applicant_documents(
    state: &AppState,
    definition: &Definition,
    case: &StoredCase,
) -> Result<Vec<fazhi_store::documents::CaseDocument>, WebError> {
    let sent = definition.role("applicant_documents");
    if sent.is_empty() {
        return Ok(Vec::new());
    }
    let mut latest: Vec<fazhi_store::documents::CaseDocument> = Vec::new();
    for d in state.app.store().documents_of(&case.case.id).await? {
        if !sent.contains(&d.document) {
            continue;
        }
        match latest.iter_mut().find(|l| l.document == d.document) {
            Some(l) if d.created_at >= l.created_at => *l = d,
            Some(_) => {}
            None => latest.push(d),
        }
    }
    latest.sort_by_key(|d| d.created_at);
    Ok(latest)
}

#[derive(Deserialize)]
struct DocumentForm {
    receipt: String,
    suffix: String,
    sha256: String,
}

/// A document sent to the applicant, downloaded from the status page: the same receipt and
/// last four digits open it (and the same limit on tries), and only the documents the
/// definition sends to the applicant — nothing else of the case — are served.
async fn track_document(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(address): ClientIp,
    Form(input): Form<DocumentForm>,
) -> Response {
    let not_found = || {
        PageError(
            WebError::NotFound("没有找到与受理编号和后四位相符的文书".into()),
            lang,
        )
        .into_response()
    };
    if !state.lookups.allow(&address) {
        return PageError(
            WebError::TooMany(lang.texts().get("track.too_many").to_string()),
            lang,
        )
        .into_response();
    }
    let receipt = input.receipt.trim().to_ascii_uppercase();
    let case = match state.app.store().case_by_receipt(&receipt).await {
        Ok(Some(case)) if suffix_matches(&case, &input.suffix) => case,
        Ok(_) => return not_found(),
        Err(e) => return PageError(e.into(), lang).into_response(),
    };
    let found = async {
        let definition = state.definition_of(&case)?;
        let document = applicant_documents(&state, definition, &case)
            .await?
            .into_iter()
            .find(|d| d.docx_sha256 == input.sha256);
        let Some(document) = document else {
            return Ok(None);
        };
        let bytes = state.app.store().read_file(&document.docx_sha256).await?;
        Ok::<_, WebError>(Some((document.title, bytes)))
    }
    .await;
    match found {
        Ok(Some((title, bytes))) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                        .to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename*=UTF-8''{}.docx",
                        crate::session::encode_query(&title)
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => PageError(e, lang).into_response(),
    }
}

async fn track_form(lang: Lang) -> Response {
    let page = TrackPage {
        t: lang.texts(),
        other_lang: lang.other().code(),
        receipt: String::new(),
        error: None,
        status: None,
    };
    render_page(page, StatusCode::OK, lang)
}

#[derive(Deserialize)]
struct TrackForm {
    receipt: String,
    suffix: String,
}

/// Whether `suffix` is the last four characters of the applicant's phone or ID number.
fn suffix_matches(case: &StoredCase, suffix: &str) -> bool {
    let suffix = suffix.trim().to_ascii_uppercase();
    if suffix.len() != 4 {
        return false;
    }
    let applicant = &case
        .case
        .fields
        .get("applicant")
        .cloned()
        .unwrap_or(Value::Null);
    ["phone", "id_number", "credit_code"].iter().any(|key| {
        applicant[key].as_str().is_some_and(|v| {
            let v: String = v.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            v.len() >= 4 && v.to_ascii_uppercase().ends_with(&suffix)
        })
    })
}

async fn track(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(address): ClientIp,
    Form(input): Form<TrackForm>,
) -> Response {
    let t = lang.texts();
    let receipt = input.receipt.trim().to_ascii_uppercase();
    let mut page = TrackPage {
        t,
        other_lang: lang.other().code(),
        receipt: receipt.clone(),
        error: None,
        status: None,
    };
    if !state.lookups.allow(&address) {
        page.error = Some(t.get("track.too_many").to_string());
        return render_page(page, StatusCode::TOO_MANY_REQUESTS, lang);
    }
    let found = match state.app.store().case_by_receipt(&receipt).await {
        Ok(found) => found.filter(|c| suffix_matches(c, &input.suffix)),
        Err(e) => return PageError(e.into(), lang).into_response(),
    };
    let Some(case) = found else {
        page.error = Some(t.get("track.not_found").to_string());
        return render_page(page, StatusCode::NOT_FOUND, lang);
    };
    match status_view(&state, &case, input.suffix.trim(), lang).await {
        Ok(view) => {
            page.status = Some(view);
            render_page(page, StatusCode::OK, lang)
        }
        Err(e) => PageError(e, lang).into_response(),
    }
}

async fn status_view(
    state: &AppState,
    case: &StoredCase,
    suffix: &str,
    lang: Lang,
) -> Result<StatusView, WebError> {
    let english = lang == Lang::En;
    let definition = state.definition_of(case)?;
    let department = match &case.case.department {
        Some(id) => state
            .app
            .store()
            .departments(None)
            .await?
            .into_iter()
            .find(|d| &d.id == id)
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let steps = case
        .case
        .taken
        .iter()
        .zip(&case.case.taken_on)
        .map(|(action, on)| {
            let label = definition
                .action(action)
                .map(|a| a.label.get(english).to_string())
                .unwrap_or_else(|| action.clone());
            (on.format("%Y-%m-%d").to_string(), label)
        })
        .collect();
    // What the applicant wrote, as they wrote it (their own data, so unmasked).
    let online_fields: Vec<String> = definition
        .online
        .as_ref()
        .and_then(|o| definition.action(&o.action))
        .map(|a| a.needs.iter().chain(&a.may).cloned().collect())
        .unwrap_or_default();
    let fields = online_fields
        .iter()
        .filter(|f| !matches!(f.as_str(), "applicant" | "channel" | "received_on"))
        .filter_map(|code| {
            let value = case.case.fields.get(code)?;
            let label = definition.field(code)?.label.get(english).to_string();
            let shown = if code == "attachments" {
                value
                    .as_array()
                    .map(|files| {
                        files
                            .iter()
                            .filter_map(|f| f["name"].as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    })
                    .unwrap_or_default()
            } else {
                show_value(definition, code, value, english)
            };
            Some((label, shown))
        })
        .collect();
    let documents = applicant_documents(state, definition, case)
        .await?
        .into_iter()
        .map(|d| {
            (
                d.title,
                d.created_at.to_china_time().format("%Y-%m-%d").to_string(),
                d.docx_sha256,
            )
        })
        .collect();
    Ok(StatusView {
        documents,
        suffix: suffix.to_string(),
        procedure: definition.name.get(english).to_string(),
        receipt: case.receipt.clone().unwrap_or_default(),
        received_on: case
            .case
            .fields
            .get("received_on")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        department,
        state: definition.state_label(&case.case.state, english),
        finished: case.terminal,
        deadlines: applicant_deadlines(state, definition, case, english),
        steps,
        fields,
        answer: definition
            .role("applicant_answer")
            .iter()
            .filter_map(|code| {
                let value = case.case.fields.get(code)?;
                let label = definition.field(code)?.label.get(english).to_string();
                Some((label, show_value(definition, code, value, english)))
            })
            .collect(),
    })
}

/// The time limits an applicant is told of: those of the definition's `applicant_clocks` now
/// running (a paused one is not shown as if it ran), by their own names — the 补正期限 while a
/// supplement is awaited, the 答复期限 otherwise — never another clock under a general label.
fn lang_texts(english: bool) -> Tr {
    if english { Lang::En } else { Lang::Zh }.texts()
}

fn applicant_deadlines(
    state: &AppState,
    definition: &Definition,
    case: &StoredCase,
    english: bool,
) -> Vec<(String, String)> {
    let calendar = state.app.calendar();
    let today = state.app.today();
    definition
        .role("applicant_clocks")
        .iter()
        .filter_map(|code| {
            let clock = definition.clock(code)?;
            let running = case
                .case
                .clock(code)
                .filter(|c| c.status == fazhi_core::engine::ClockStatus::Running)?;
            let due = fazhi_core::engine::clock_due(clock, running, &calendar, today).ok()?;
            let provisional = if due.is_provisional() {
                lang_texts(english).get("cases.provisional")
            } else {
                ""
            };
            Some((
                clock.label.get(english).to_string(),
                format!("{}{provisional}", due.date.format("%Y-%m-%d")),
            ))
        })
        .collect()
}
