//! Regions, departments, users and their grants; sessions, API tokens and login throttling.
//!
//! Every change here is an event in the chain of the region it belongs to (a user's home
//! region; the installation chain `000000` for failed logins under unknown names). Secrets are
//! never put into events: password hashes, session and token hashes live only in their tables,
//! and the events say that they changed.

use crate::batch::{Columns, RowOp, WriteBatch};
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use fazhi_core::authz::Principal;
use fazhi_core::event::Subject;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Timestamp};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// How long a console session lasts from login.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Failed logins within this window count toward throttling.
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;
/// Failed logins for one user name within the window before further attempts are refused.
pub const MAX_FAILURES_PER_NAME: i64 = 5;
/// Failed logins from one address within the window before further attempts are refused.
pub const MAX_FAILURES_PER_IP: i64 = 20;
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: String,
    pub region: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub region: String,
    pub active: bool,
    pub version: i64,
    pub grants: Vec<Grant>,
    pub created_at: Timestamp,
}

impl User {
    /// The user's home region, whose chain records events about them.
    pub fn region_code(&self) -> Result<RegionCode> {
        RegionCode::parse(&self.region).map_err(|e| StoreError::Invalid(e.to_string()))
    }

    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id.clone(),
            user_name: self.name.clone(),
            grants: self.grants.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: UserName,
    pub display_name: String,
    pub region: RegionCode,
    pub password: String,
    pub grants: Vec<Grant>,
}

/// The fields of a department that may change. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct DepartmentChange {
    pub name: Option<String>,
    pub kind: Option<DepartmentKind>,
    pub active: Option<bool>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    #[error("用户名或密码错误")]
    InvalidCredentials,
    #[error("登录失败次数过多，请 {retry_after_seconds} 秒后再试")]
    Throttled { retry_after_seconds: i64 },
}

/// A new session: the cookie value (shown once) and who it belongs to.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub user: User,
    pub expires_at: Timestamp,
}

/// Per-key async locks for login attempts (names and addresses), dropped when unused.
#[derive(Clone, Default)]
pub struct LoginLocks(
    std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    >,
);

impl LoginLocks {
    async fn lock(&self, key: String) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.0.lock().expect("login lock map");
            map.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
            map.entry(key).or_default().clone()
        };
        lock.lock_owned().await
    }
}

/// What a failed login records as the name tried: the name if it could be one, otherwise a
/// short hash, so that anything typed into the name field (even a password) is not kept.
fn recorded_name(name: &str) -> String {
    match UserName::parse(name) {
        Ok(n) => n.as_str().to_string(),
        Err(_) => format!(
            "invalid:{}",
            hex::encode(&Sha256::digest(name.as_bytes())[..6])
        ),
    }
}

fn random_token(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Invalid(format!("no randomness available: {e}")))?;
    Ok(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

pub fn check_password_strength(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::Invalid(format!(
            "密码至少需要 {MIN_PASSWORD_CHARS} 个字符"
        )));
    }
    Ok(())
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Invalid(format!("cannot hash password: {e}")))
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("hashing task failed: {e}")))?
}

async fn password_matches(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

fn grant_rows(user_id: &str, grants: &[Grant]) -> Vec<RowOp> {
    grants
        .iter()
        .map(|g| RowOp::Insert {
            table: "grants",
            values: vec![
                ("user_id", user_id.into()),
                ("role", g.role.code().into()),
                ("region", g.region.as_str().into()),
                (
                    "department",
                    g.department.clone().unwrap_or_default().into(),
                ),
            ],
        })
        .collect()
}

fn grant_from(role: String, region: String, department: String) -> Result<Grant> {
    Ok(Grant {
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Invalid(format!("unknown role {role}")))?,
        region: RegionCode::parse(&region).map_err(|e| StoreError::Invalid(e.to_string()))?,
        department: (!department.is_empty()).then_some(department),
    })
}

type DepartmentRow = (String, String, String, String, String, bool, i64, i64, i64);
const DEPARTMENT_COLUMNS: &str =
    "id, region, code, name, kind, active, version, created_at, updated_at";

fn department_from(row: DepartmentRow) -> Department {
    let (id, region, code, name, kind, active, version, created_at, updated_at) = row;
    Department {
        id,
        region,
        code,
        name,
        kind,
        active,
        version,
        created_at: Timestamp(created_at),
        updated_at: Timestamp(updated_at),
    }
}

type UserRow = (String, String, String, String, bool, i64, i64);
const USER_COLUMNS: &str = "id, name, display_name, region, active, version, created_at";

impl Store {
    // ----- regions -----

    pub async fn add_region(
        &self,
        actor: &str,
        code: &RegionCode,
        name: &str,
        parent: Option<&RegionCode>,
    ) -> Result<Region> {
        let name = required_text(name, "区划名称")?;
        if let Some(parent) = parent {
            if !code.is_within(parent) || code == parent {
                return Err(StoreError::Invalid(format!(
                    "区划 {code} 不在上级区划 {parent} 之内"
                )));
            }
            if self.region(parent.as_str()).await?.is_none() {
                return Err(StoreError::Invalid(format!("上级区划 {parent} 尚未登记")));
            }
        }
        let now = self.now();
        let level = code.level().code();
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                code.clone(),
                Subject::new("region", code.as_str()),
                "region.created",
                actor,
                json!({"name": name, "parent": parent.map(|p| p.as_str()), "level": level}),
            ))
            .insert(
                "regions",
                vec![
                    ("code", code.as_str().into()),
                    ("name", name.clone().into()),
                    ("parent", parent.map(|p| p.to_string()).into()),
                    ("level", level.into()),
                    ("version", 1i64.into()),
                    ("created_at", now.0.into()),
                ],
            );
        self.submit(batch).await.map_err(|e| match e {
            StoreError::Duplicate(_) => StoreError::Duplicate(format!("区划 {code} 已登记")),
            other => other,
        })?;
        Ok(Region {
            code: code.to_string(),
            name,
            parent: parent.map(|p| p.to_string()),
            level: level.to_string(),
        })
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>> {
        Ok(self.regions().await?.into_iter().find(|r| r.code == code))
    }

    pub async fn regions(&self) -> Result<Vec<Region>> {
        let rows: Vec<(String, String, Option<String>, String)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT code, name, parent, level FROM regions ORDER BY code")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(code, name, parent, level)| Region {
                code,
                name,
                parent,
                level,
            })
            .collect())
    }

    // ----- departments -----

    pub async fn add_department(
        &self,
        actor: &str,
        region: &RegionCode,
        code: &str,
        name: &str,
        kind: DepartmentKind,
    ) -> Result<Department> {
        let code = required_text(code, "部门代码")?;
        let name = required_text(name, "部门名称")?;
        if self.region(region.as_str()).await?.is_none() {
            return Err(StoreError::Invalid(format!("区划 {region} 尚未登记")));
        }
        let id = new_id();
        let now = self.now();
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region.clone(),
                Subject::new("department", &id),
                "department.created",
                actor,
                json!({"code": code, "name": name, "kind": kind.code()}),
            ))
            .insert(
                "departments",
                vec![
                    ("id", id.clone().into()),
                    ("region", region.as_str().into()),
                    ("code", code.clone().into()),
                    ("name", name.clone().into()),
                    ("kind", kind.code().into()),
                    ("active", true.into()),
                    ("version", 1i64.into()),
                    ("created_at", now.0.into()),
                    ("updated_at", now.0.into()),
                ],
            );
        self.submit(batch).await.map_err(|e| match e {
            StoreError::Duplicate(_) => {
                StoreError::Duplicate(format!("本区划已有代码为“{code}”的部门"))
            }
            other => other,
        })?;
        self.department(&id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("department {id}")))
    }

    /// Changes a department if it is still at `expected_version`.
    pub async fn update_department(
        &self,
        actor: &str,
        id: &str,
        expected_version: i64,
        change: DepartmentChange,
    ) -> Result<Department> {
        let current = self
            .department(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("部门 {id}")))?;
        let mut set: Columns = Vec::new();
        let mut changed = serde_json::Map::new();
        if let Some(name) = change.name {
            let name = required_text(&name, "部门名称")?;
            if name != current.name {
                changed.insert("name".into(), json!({"from": current.name, "to": name}));
                set.push(("name", name.into()));
            }
        }
        if let Some(kind) = change.kind
            && kind.code() != current.kind
        {
            changed.insert(
                "kind".into(),
                json!({"from": current.kind, "to": kind.code()}),
            );
            set.push(("kind", kind.code().into()));
        }
        if let Some(active) = change.active
            && active != current.active
        {
            changed.insert(
                "active".into(),
                json!({"from": current.active, "to": active}),
            );
            set.push(("active", active.into()));
        }
        if set.is_empty() {
            return if current.version == expected_version {
                Ok(current)
            } else {
                Err(StoreError::Conflict {
                    what: format!("department {id}"),
                    expected: expected_version,
                })
            };
        }
        set.push(("updated_at", self.now().0.into()));
        let region =
            RegionCode::parse(&current.region).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("department", id),
                "department.changed",
                actor,
                json!({"changes": changed, "version": expected_version + 1}),
            ))
            .update(
                "departments",
                vec![("id", id.into())],
                set,
                Some(expected_version),
            );
        self.submit(batch).await?;
        self.department(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("department {id}")))
    }

    pub async fn department(&self, id: &str) -> Result<Option<Department>> {
        let row: Option<DepartmentRow> = on_db!(&self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE id = $1"
            )))
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(department_from))
    }

    /// Departments of a region (all regions when `None`), by code.
    pub async fn departments(&self, region: Option<&RegionCode>) -> Result<Vec<Department>> {
        let rows: Vec<DepartmentRow> = on_db!(&self.db, pool => {
            match region {
                Some(r) => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE region = $1 ORDER BY code"
                )))
                .bind(r.to_string())
                .fetch_all(pool)
                .await?,
                None => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {DEPARTMENT_COLUMNS} FROM departments ORDER BY region, code"
                )))
                .fetch_all(pool)
                .await?,
            }
        });
        Ok(rows.into_iter().map(department_from).collect())
    }

    // ----- users and grants -----

    async fn check_grants(&self, grants: &[Grant]) -> Result<()> {
        for grant in grants {
            if self.region(grant.region.as_str()).await?.is_none() {
                return Err(StoreError::Invalid(format!(
                    "区划 {} 尚未登记",
                    grant.region
                )));
            }
            if let Some(dep) = &grant.department {
                match self.department(dep).await? {
                    Some(d) if d.region == grant.region.as_str() => {}
                    Some(d) => {
                        return Err(StoreError::Invalid(format!(
                            "部门“{}”不属于区划 {}",
                            d.name, grant.region
                        )));
                    }
                    None => return Err(StoreError::Invalid(format!("部门 {dep} 不存在"))),
                }
            }
        }
        Ok(())
    }

    pub async fn add_user(&self, actor: &str, new: NewUser) -> Result<User> {
        let display_name = required_text(&new.display_name, "姓名")?;
        check_password_strength(&new.password)?;
        if self.region(new.region.as_str()).await?.is_none() {
            return Err(StoreError::Invalid(format!("区划 {} 尚未登记", new.region)));
        }
        self.check_grants(&new.grants).await?;
        let password_hash = hash_password(new.password).await?;
        let id = new_id();
        let now = self.now();
        let mut batch = WriteBatch::new()
            .event(NewEvent::new(
                new.region.clone(),
                Subject::new("user", &id),
                "user.created",
                actor,
                json!({"name": new.name.as_str(), "display_name": display_name, "grants": new.grants, "password": "set",
                       "password_sha256": crate::rows::password_digest(&password_hash)}),
            ))
            .insert(
                "users",
                vec![
                    ("id", id.clone().into()),
                    ("name", new.name.as_str().into()),
                    ("display_name", display_name.into()),
                    ("region", new.region.as_str().into()),
                    ("password_hash", password_hash.into()),
                    ("active", true.into()),
                    ("version", 1i64.into()),
                    ("created_at", now.0.into()),
                    ("updated_at", now.0.into()),
                ],
            );
        for op in grant_rows(&id, &new.grants) {
            batch = batch.op(op);
        }
        self.submit(batch).await.map_err(|e| match e {
            StoreError::Duplicate(_) => {
                StoreError::Duplicate(format!("用户名“{}”已被使用", new.name))
            }
            other => other,
        })?;
        self.user(&id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    /// Replaces a user's grants (a permission change, recorded with before and after).
    pub async fn set_grants(
        &self,
        actor: &str,
        user_id: &str,
        expected_version: i64,
        grants: Vec<Grant>,
    ) -> Result<User> {
        let user = self.existing_user(user_id).await?;
        self.check_grants(&grants).await?;
        let region = user.region_code()?;
        let mut batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("user", user_id),
                "user.grants_changed",
                actor,
                json!({"from": user.grants, "to": grants}),
            ))
            .update(
                "users",
                vec![("id", user_id.into())],
                vec![("updated_at", self.now().0.into())],
                Some(expected_version),
            )
            .op(RowOp::Delete {
                table: "grants",
                key: vec![("user_id", user_id.into())],
            });
        if user.grants.is_empty() {
            // Nothing to delete: a Delete that matches no row is an error, so skip it.
            batch.ops.pop();
        }
        for op in grant_rows(user_id, &grants) {
            batch = batch.op(op);
        }
        self.submit(batch).await?;
        self.user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))
    }

    /// Deactivates (or reactivates) a user: an inactive user's sessions and tokens stop working.
    pub async fn set_active(
        &self,
        actor: &str,
        user_id: &str,
        expected_version: i64,
        active: bool,
    ) -> Result<User> {
        let user = self.existing_user(user_id).await?;
        let region = user.region_code()?;
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("user", user_id),
                if active {
                    "user.reactivated"
                } else {
                    "user.deactivated"
                },
                actor,
                json!({"active": active}),
            ))
            .update(
                "users",
                vec![("id", user_id.into())],
                vec![
                    ("active", active.into()),
                    ("updated_at", self.now().0.into()),
                ],
                Some(expected_version),
            );
        self.submit(batch).await?;
        self.user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))
    }

    pub async fn set_password(&self, actor: &str, user_id: &str, password: String) -> Result<()> {
        check_password_strength(&password)?;
        let user = self.existing_user(user_id).await?;
        let hash = hash_password(password).await?;
        let region = user.region_code()?;
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("user", user_id),
                "user.password_changed",
                actor,
                json!({"password": "set", "password_sha256": crate::rows::password_digest(&hash)}),
            ))
            .update(
                "users",
                vec![("id", user_id.into())],
                vec![
                    ("password_hash", hash.into()),
                    ("updated_at", self.now().0.into()),
                ],
                None,
            )
            // Whoever knew the old password is logged out everywhere.
            .op(RowOp::UpdateAll {
                table: "sessions",
                key: vec![("user_id", user_id.into())],
                set: vec![("ended_at", self.now().0.into())],
            });
        self.submit(batch).await?;
        Ok(())
    }

    /// A user changes their own password: the current one must match. Every session of the
    /// user ends (this one too), as with [`Store::set_password`].
    pub async fn change_own_password(
        &self,
        user_id: &str,
        current: &str,
        new: String,
    ) -> Result<()> {
        let stored: Option<String> = on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND active")
                .bind(user_id.to_string())
                .fetch_optional(pool)
                .await?
        });
        let Some(hash) = stored else {
            return Err(StoreError::NotFound(format!("用户 {user_id}")));
        };
        if !password_matches(current.to_string(), hash).await {
            return Err(StoreError::Invalid("当前密码不正确".into()));
        }
        if current == new {
            return Err(StoreError::Invalid("新密码不能与当前密码相同".into()));
        }
        self.set_password(&format!("user:{user_id}"), user_id, new)
            .await
    }

    async fn user_where(&self, column: &'static str, value: &str) -> Result<Option<User>> {
        self.user_joined(
            &format!("users u WHERE u.{column} = $1"),
            crate::Value::from(value),
        )
        .await
    }

    /// The user a `FROM … WHERE` (binding `$1` to `value`, naming the users table `u`) finds,
    /// with their grants, in one query: every request reads its user, so this is a hot path.
    async fn user_joined(&self, from_where: &str, value: crate::Value) -> Result<Option<User>> {
        let (from, condition) = from_where
            .split_once(" WHERE ")
            .expect("a FROM … WHERE clause");
        type Joined = (
            String,
            String,
            String,
            String,
            bool,
            i64,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let sql = format!(
            "SELECT u.id, u.name, u.display_name, u.region, u.active, u.version, u.created_at, \
             g.role, g.region, g.department \
             FROM {from} LEFT JOIN grants g ON g.user_id = u.id WHERE {condition} \
             ORDER BY g.region, g.role, g.department"
        );
        let rows: Vec<Joined> = if let Some(point) = &self.point {
            point.with(|conn| {
                let mut statement = conn.prepare_cached(&crate::writer::numbered(&sql))?;
                let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Joined> {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                };
                match &value {
                    crate::Value::Bytes(Some(bytes)) => {
                        statement.query_map([bytes], read)?.collect()
                    }
                    crate::Value::Text(Some(text)) => statement.query_map([text], read)?.collect(),
                    _ => Ok(Vec::new()),
                }
            })?
        } else {
            on_db!(&self.db, pool => {
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                let query = match value.clone() {
                    crate::Value::Text(v) => query.bind(v),
                    crate::Value::Bytes(v) => query.bind(v),
                    crate::Value::I64(v) => query.bind(v),
                    crate::Value::Bool(v) => query.bind(v),
                };
                query.fetch_all(pool).await?
            })
        };
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut user = User {
            id: first.0.clone(),
            name: first.1.clone(),
            display_name: first.2.clone(),
            region: first.3.clone(),
            active: first.4,
            version: first.5,
            grants: Vec::new(),
            created_at: Timestamp(first.6),
        };
        for row in rows {
            if let (Some(role), Some(region), Some(department)) = (row.7, row.8, row.9) {
                user.grants.push(grant_from(role, region, department)?);
            }
        }
        Ok(Some(user))
    }

    /// The user, or [`StoreError::NotFound`].
    async fn existing_user(&self, id: &str) -> Result<User> {
        self.user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("用户 {id}")))
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        self.user_where("id", id).await
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        self.user_where("name", &name.trim().to_ascii_lowercase())
            .await
    }

    /// All users, by name (with their grants).
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = on_db!(&self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users ORDER BY name"
            )))
            .fetch_all(pool)
            .await?
        });
        // All grants in one query, not one per user.
        let grants: Vec<(String, String, String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT user_id, role, region, department FROM grants ORDER BY user_id, region, role, department",
            )
            .fetch_all(pool)
            .await?
        });
        let mut by_user: std::collections::HashMap<String, Vec<Grant>> =
            std::collections::HashMap::new();
        for (user_id, role, region, department) in grants {
            by_user
                .entry(user_id)
                .or_default()
                .push(grant_from(role, region, department)?);
        }
        Ok(rows
            .into_iter()
            .map(
                |(id, name, display_name, region, active, version, created_at)| User {
                    grants: by_user.remove(&id).unwrap_or_default(),
                    id,
                    name,
                    display_name,
                    region,
                    active,
                    version,
                    created_at: Timestamp(created_at),
                },
            )
            .collect())
    }

    // ----- login, sessions, tokens -----

    async fn recent_failures(
        &self,
        column: &'static str,
        value: &str,
        since: Timestamp,
    ) -> Result<(i64, Option<i64>)> {
        on_db!(&self.db, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*), MAX(at_us) FROM login_failures WHERE {column} = $1 AND at_us > $2"
            )))
            .bind(value.to_string())
            .bind(since.0)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Checks a user name and password. Too many recent failures for the name or the address
    /// refuse the attempt without checking it.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        ip: &str,
    ) -> Result<Result<NewSession, LoginError>> {
        let name = recorded_name(&name.trim().to_ascii_lowercase());
        let ip: String = ip.chars().take(64).collect();
        let ip = ip.as_str();
        // Check, verify and record under the locks of the name and the address.
        let _name_guard = self.login_locks.lock(format!("name:{name}")).await;
        let _ip_guard = self.login_locks.lock(format!("ip:{ip}")).await;
        let now = self.now();
        let since = now.plus_seconds(-THROTTLE_WINDOW_SECONDS);
        for (column, value, limit) in [
            ("user_name", name.as_str(), MAX_FAILURES_PER_NAME),
            ("ip", ip, MAX_FAILURES_PER_IP),
        ] {
            let (count, last) = self.recent_failures(column, value, since).await?;
            if count >= limit {
                let unlock = Timestamp(last.unwrap_or(now.0)).plus_seconds(THROTTLE_WINDOW_SECONDS);
                metrics::counter!("fazhi_logins_throttled_total").increment(1);
                return Ok(Err(LoginError::Throttled {
                    retry_after_seconds: ((unlock.0 - now.0) / 1_000_000).max(1),
                }));
            }
        }
        let user = self.user_by_name(&name).await?;
        let stored_hash: Option<String> = match &user {
            Some(u) if u.active => on_db!(&self.db, pool => {
                sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                    .bind(u.id.clone())
                    .fetch_optional(pool)
                    .await?
            }),
            _ => None,
        };
        let ok = match stored_hash {
            Some(hash) => password_matches(password.to_string(), hash).await,
            None => {
                // Spend the time of a real check, so that timing does not reveal which names exist.
                let _ = hash_password(password.to_string()).await;
                false
            }
        };
        match (ok, user) {
            (true, Some(user)) => {
                let token = random_token("")?;
                let expires_at = now.plus_seconds(SESSION_SECONDS);
                let hash = token_hash(&token);
                let region = user.region_code()?;
                let batch = WriteBatch::new()
                    .event(NewEvent::new(
                        region,
                        Subject::new("user", &user.id),
                        "auth.login",
                        &format!("user:{}", user.id),
                        json!({"ip": ip, "session": hex::encode(&hash[..6])}),
                    ))
                    .insert(
                        "sessions",
                        vec![
                            ("id_hash", hash.into()),
                            ("user_id", user.id.clone().into()),
                            ("created_at", now.0.into()),
                            ("expires_at", expires_at.0.into()),
                        ],
                    );
                self.submit(batch).await?;
                Ok(Ok(NewSession {
                    token,
                    user,
                    expires_at,
                }))
            }
            (_, user) => {
                let (region, subject, reason) = match &user {
                    Some(u) => (
                        u.region_code()?,
                        Subject::new("user", &u.id),
                        if u.active {
                            "wrong_password"
                        } else {
                            "disabled"
                        },
                    ),
                    None => (
                        RegionCode::installation(),
                        Subject::new("login", &name),
                        "unknown_user",
                    ),
                };
                let batch = WriteBatch::new()
                    .event(NewEvent::new(
                        region,
                        subject,
                        "auth.login_failed",
                        "anonymous",
                        json!({"ip": ip, "name": name, "reason": reason}),
                    ))
                    .insert(
                        "login_failures",
                        vec![
                            ("user_name", name.clone().into()),
                            ("ip", ip.into()),
                            ("at_us", now.0.into()),
                        ],
                    );
                self.submit(batch).await?;
                Ok(Err(LoginError::InvalidCredentials))
            }
        }
    }

    /// The user behind a live session cookie.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>> {
        let now = self.now();
        let user_id: Option<String> = on_db!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.id_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND u.active",
            )
            .bind(token_hash(token))
            .bind(now.0)
            .fetch_optional(pool)
            .await?
        });
        match user_id {
            Some(id) => self.user(&id).await,
            None => Ok(None),
        }
    }

    /// Ends a session. Ending one that is already over does nothing.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let Some(user) = self.session_user(token).await? else {
            return Ok(());
        };
        let hash = token_hash(token);
        let region = user.region_code()?;
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("user", &user.id),
                "auth.logout",
                &format!("user:{}", user.id),
                json!({"session": hex::encode(&hash[..6])}),
            ))
            .update(
                "sessions",
                vec![("id_hash", hash.into())],
                vec![("ended_at", self.now().0.into())],
                None,
            );
        self.submit(batch).await?;
        Ok(())
    }

    /// Creates an API token for a user, valid for `days` (1 to [`MAX_TOKEN_DAYS`]); the token
    /// is returned once and stored only as a hash.
    pub async fn create_token(
        &self,
        actor: &str,
        user_id: &str,
        label: &str,
        days: u32,
    ) -> Result<String> {
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(StoreError::Invalid(format!(
                "令牌有效期应为 1 至 {MAX_TOKEN_DAYS} 天"
            )));
        }
        let label = required_text(label, "令牌用途")?;
        if label.chars().count() > 100 {
            return Err(StoreError::Invalid("令牌用途不能超过 100 个字".into()));
        }
        let user = self.existing_user(user_id).await?;
        let token = random_token("fz_")?;
        let id = new_id();
        let region = user.region_code()?;
        let now = self.now();
        let expires_at = now.plus_seconds(i64::from(days) * 86_400);
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("user", user_id),
                "auth.token_created",
                actor,
                json!({"token_id": id, "label": label, "expires_at": expires_at.to_rfc3339()}),
            ))
            .insert(
                "api_tokens",
                vec![
                    ("id", id.into()),
                    ("user_id", user_id.into()),
                    ("token_hash", token_hash(&token).into()),
                    ("label", label.into()),
                    ("created_at", now.0.into()),
                    ("expires_at", expires_at.0.into()),
                ],
            );
        self.submit(batch).await?;
        Ok(token)
    }

    /// A user's API tokens, oldest first.
    pub async fn tokens_of(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        type TokenRow = (String, String, i64, Option<i64>, Option<i64>);
        let rows: Vec<TokenRow> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at")
                .bind(user_id.to_string())
                .fetch_all(pool)
                .await?
        });
        let now = self.now();
        Ok(rows
            .into_iter()
            .map(|(id, label, created, expires, revoked)| {
                let created_at = Timestamp(created);
                let expires_at = token_expiry(created_at, expires);
                ApiToken {
                    id,
                    label,
                    created_at,
                    expires_at,
                    revoked_at: revoked.map(Timestamp),
                    usable: revoked.is_none() && expires_at > now,
                }
            })
            .collect())
    }

    /// Revokes an API token by its id (shown by `tokens_of`); the token stops working at once.
    pub async fn revoke_token(&self, actor: &str, token_id: &str) -> Result<()> {
        let owner: Option<String> = on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
                .bind(token_id.to_string())
                .fetch_optional(pool)
                .await?
        });
        let owner = owner.ok_or_else(|| StoreError::NotFound(format!("令牌 {token_id}")))?;
        let user = self
            .user(&owner)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("用户 {owner}")))?;
        let region = user.region_code()?;
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                region,
                Subject::new("user", &owner),
                "auth.token_revoked",
                actor,
                json!({"token_id": token_id}),
            ))
            .update(
                "api_tokens",
                vec![("id", token_id.into())],
                vec![("revoked_at", self.now().0.into())],
                None,
            );
        self.submit(batch).await?;
        Ok(())
    }

    /// The user behind a bearer token that is neither revoked nor expired.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        let found: Option<(String, i64, Option<i64>)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT user_id, created_at, expires_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(token_hash(token))
            .fetch_optional(pool)
            .await?
        });
        let Some((user_id, created, expires)) = found else {
            return Ok(None);
        };
        if token_expiry(Timestamp(created), expires) <= self.now() {
            return Ok(None);
        }
        self.user_joined(
            "users u WHERE u.id = $1 AND u.active",
            crate::Value::from(user_id),
        )
        .await
    }
}

/// The longest an API token may be valid, and how long one made before tokens had an expiry
/// counts as valid.
pub const MAX_TOKEN_DAYS: u32 = 365;
pub const DEFAULT_TOKEN_DAYS: u32 = 90;

fn token_expiry(created_at: Timestamp, expires_at: Option<i64>) -> Timestamp {
    expires_at
        .map(Timestamp)
        .unwrap_or_else(|| created_at.plus_seconds(i64::from(DEFAULT_TOKEN_DAYS) * 86_400))
}

/// An API token as its owner and administrators see it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub label: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// Neither revoked nor expired.
    pub usable: bool,
}

fn required_text(text: &str, what: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::Invalid(format!("{what}不能为空")));
    }
    if text.chars().count() > 200 {
        return Err(StoreError::Invalid(format!("{what}过长（最多 200 字）")));
    }
    Ok(text.to_string())
}
