//! What templates show: page structs and the small view models they render.

use crate::i18n::{Lang, Tr};
use askama::Template;
use fazhi_core::{EventRecord, Role};
use fazhi_store::accounts::User;
use fazhi_store::audit::Checkpoint;

/// The console frame around every page: navigation, the user, the language switch.
pub struct Chrome {
    pub active: &'static str,
    pub display_name: String,
    pub is_admin: bool,
    pub can_audit: bool,
    pub can_edit_templates: bool,
    pub other_lang: &'static str,
    pub path: String,
}

impl Chrome {
    pub fn new(user: &User, lang: Lang, active: &'static str, path: &str) -> Self {
        let principal = user.principal();
        Chrome {
            active,
            display_name: user.display_name.clone(),
            is_admin: principal.has_role(Role::Admin),
            can_edit_templates: principal.has_role(Role::Admin)
                || principal.has_role(Role::JusticeStaff),
            can_audit: principal.has_role(Role::Admin)
                || principal.has_role(Role::JusticeStaff)
                || principal.has_role(Role::Leader),
            other_lang: lang.other().code(),
            path: crate::session::encode_query(path),
        }
    }
}

pub struct EventView {
    pub id: String,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub payload: String,
    /// Where the record the event is about opens (a case), if the reader may follow it.
    pub link: Option<String>,
}

/// Display names of users by id, to show who acted.
pub type Names = std::collections::HashMap<String, String>;

impl EventView {
    /// An event as a person reads it: what happened, by whom, in a sentence.
    pub fn new(e: &EventRecord, t: Tr, names: &Names) -> Self {
        let payload: serde_json::Value =
            serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
        let text = |key: &str| payload[key].as_str().unwrap_or("").to_string();
        let code = e.kind.replace('.', "_");
        let kind = match t.label("ev", &code) {
            label if label != code => label,
            _ => e.kind.clone(),
        };
        let detail = match e.kind.as_str() {
            "region.created" => text("name"),
            "department.created" => format!("{}（{}）", text("name"), text("code")),
            "department.changed" => payload["changes"]
                .as_object()
                .map(|changes| {
                    changes
                        .iter()
                        .map(|(field, change)| {
                            let show = |v: &serde_json::Value| match (field.as_str(), v) {
                                ("kind", serde_json::Value::String(code)) => t.label("kind", code),
                                (_, serde_json::Value::String(s)) => s.clone(),
                                (_, serde_json::Value::Bool(b)) => t
                                    .get(if *b {
                                        "departments.active"
                                    } else {
                                        "departments.inactive"
                                    })
                                    .to_string(),
                                (_, other) => other.to_string(),
                            };
                            format!(
                                "{}：{} → {}",
                                t.label("departments", field),
                                show(&change["from"]),
                                show(&change["to"])
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("；")
                })
                .unwrap_or_default(),
            "user.created" => format!("{}（{}）", text("display_name"), text("name")),
            "user.grants_changed" => {
                let roles = |v: &serde_json::Value| {
                    v.as_array()
                        .map(|gs| {
                            gs.iter()
                                .map(|g| t.label("role", g["role"].as_str().unwrap_or("")))
                                .collect::<Vec<_>>()
                                .join("、")
                        })
                        .unwrap_or_default()
                };
                format!("{} → {}", roles(&payload["from"]), roles(&payload["to"]))
            }
            "auth.login" | "auth.logout" => text("ip"),
            "auth.login_failed" => format!("{} · {}", text("name"), text("ip")),
            "auth.token_created" => text("label"),
            "calendar.year_entered" | "calendar.year_replaced" => {
                format!("{} {}", payload["year"], text("reason"))
            }
            // Never the raw payload: it may hold personal data a sentence would not show.
            _ => String::new(),
        };
        EventView {
            id: e.id(),
            at: e.at.display_minutes(),
            kind,
            actor: actor_name(&e.actor, t, names),
            payload: detail,
            link: None,
        }
    }
}

pub(crate) fn actor_name(actor: &str, t: Tr, names: &Names) -> String {
    match actor.split_once(':') {
        // A user no longer (or never) in the accounts — a ledger's or the demo's named
        // clerk — is shown by what the record says, without the `user:` prefix.
        Some(("user", id)) => names.get(id).cloned().unwrap_or_else(|| id.to_string()),
        _ => match actor {
            "system" | "system:demo" | "cli" | "anonymous" => {
                t.label("actor", &actor.replace(':', "_"))
            }
            other => other.to_string(),
        },
    }
}

pub struct CheckpointView {
    pub region: String,
    pub height: i64,
    pub head: String,
    pub at: String,
}

impl From<&Checkpoint> for CheckpointView {
    fn from(c: &Checkpoint) -> Self {
        CheckpointView {
            region: c.region.clone(),
            height: c.height,
            head: hex::encode(c.head),
            at: c.at.display_minutes(),
        }
    }
}

pub struct GrantView {
    pub role: String,
    pub region: String,
    pub department: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: Tr,
    pub other_lang: &'static str,
    pub error: Option<String>,
    /// A message after a change that ended the session (a new password).
    pub notice: Option<String>,
    pub name: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub t: Tr,
    pub c: Chrome,
    pub welcome: String,
    pub grants: Vec<GrantView>,
    pub chains: Vec<(String, String, i64)>,
    pub events: Vec<EventView>,
    /// The cases overdue or due soon that the user may work on, red first, and how many.
    pub due: Vec<CaseLine>,
    pub due_total: i64,
    /// The cases assigned to the user, soonest due first, and how many.
    pub mine: Vec<CaseLine>,
    pub mine_total: i64,
    /// "See all N" for each list, empty when the list shows them all.
    pub due_more: String,
    pub mine_more: String,
    /// Deadlines need a year of official holidays not yet entered (told to administrators).
    pub missing_year: Option<String>,
}

/// A case as one line of a home page list.
pub struct CaseLine {
    pub id: String,
    pub title: String,
    pub procedure: String,
    pub state: String,
    pub due: String,
    /// `overdue`, `due_soon` or empty.
    pub deadline: String,
}

pub struct DepartmentRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub readable: bool,
}

#[derive(Default)]
pub struct DepartmentForm {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "departments.html")]
pub struct DepartmentsPage {
    pub t: Tr,
    pub c: Chrome,
    pub rows: Vec<DepartmentRow>,
    pub kinds: Vec<(&'static str, String)>,
    pub regions: Vec<(String, String)>,
    pub form: DepartmentForm,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "department.html")]
pub struct DepartmentPage {
    pub t: Tr,
    pub c: Chrome,
    pub d: fazhi_store::accounts::Department,
    pub kind_label: String,
    pub kinds: Vec<(&'static str, String)>,
    pub members: Vec<(String, String)>,
    pub can_change: bool,
    pub events: Vec<EventView>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub roles: Vec<String>,
    /// The first grant's role and department, preselected in the row's form.
    pub role: String,
    pub department: String,
    pub version: i64,
    pub active: bool,
    pub is_me: bool,
}

#[derive(Default)]
pub struct UserForm {
    pub name: String,
    pub display_name: String,
    pub role: String,
    pub department: String,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub t: Tr,
    pub c: Chrome,
    pub rows: Vec<UserRow>,
    pub roles: Vec<(&'static str, String)>,
    pub departments: Vec<(String, String)>,
    pub form: UserForm,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub t: Tr,
    pub c: Chrome,
    /// May start a whole verification (the installation's administrator).
    pub can_verify: bool,
    pub chains: Vec<(String, String, i64)>,
    pub checkpoints: Vec<CheckpointView>,
    pub public_key: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "portal_home.html")]
pub struct PortalHome {
    pub t: Tr,
    pub other_lang: &'static str,
    pub regions: Vec<(String, String)>,
    pub checkpoints: Vec<CheckpointView>,
    pub public_key: Option<String>,
}

/// Labels of all department kinds, for select boxes.
pub fn kind_options(t: Tr) -> Vec<(&'static str, String)> {
    fazhi_core::DepartmentKind::ALL
        .iter()
        .map(|k| (k.code(), t.label("kind", k.code())))
        .collect()
}

pub fn role_options(t: Tr) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.code(), t.label("role", r.code())))
        .collect()
}
