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
}

impl From<&EventRecord> for EventView {
    fn from(e: &EventRecord) -> Self {
        EventView {
            id: e.id(),
            at: e.at.display_minutes(),
            kind: e.kind.clone(),
            actor: e.actor.clone(),
            payload: e.payload.clone(),
        }
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
    pub chains: Vec<(String, i64)>,
    pub events: Vec<EventView>,
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
    pub name: String,
    pub display_name: String,
    pub roles: Vec<String>,
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
    pub chains: Vec<(String, i64)>,
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
