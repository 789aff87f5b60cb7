//! Shared set-up for the storage tests: a seeded district and the two-engine test macro.
#![allow(dead_code)]

use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::Store;
use fazhi_store::accounts::{Department, NewUser, User};

/// Expands `async fn $name(engine: Engine)` into one test per engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(fazhi_store::Engine::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(fazhi_store::Engine::Postgres).await
                }
            }
        )+
    };
}

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

pub struct District {
    pub justice: Department,
    pub market: Department,
    pub admin: User,
}

/// Dalian → Lüshunkou district, two departments and an administrator.
pub async fn seed_district(store: &Store) -> District {
    store
        .add_region("system", &region("210200"), "大连市", None)
        .await
        .unwrap();
    store
        .add_region(
            "system",
            &region("210212"),
            "旅顺口区",
            Some(&region("210200")),
        )
        .await
        .unwrap();
    let justice = store
        .add_department(
            "system",
            &region("210212"),
            "sfj",
            "旅顺口区司法局",
            DepartmentKind::Department,
        )
        .await
        .unwrap();
    let market = store
        .add_department(
            "system",
            &region("210212"),
            "scjgj",
            "旅顺口区市场监督管理局",
            DepartmentKind::EnforcementBody,
        )
        .await
        .unwrap();
    let admin = store
        .add_user(
            "system",
            NewUser {
                name: UserName::parse("admin").unwrap(),
                display_name: "系统管理员".into(),
                region: region("210212"),
                password: "correct horse battery".into(),
                grants: vec![Grant::new(Role::Admin, region("210212"), None).unwrap()],
            },
        )
        .await
        .unwrap();
    District {
        justice,
        market,
        admin,
    }
}

const SAMPLE: &str = include_str!("../../../../demo/sample-permit.toml");

/// The text of the sample procedure, with the system allowed to register (as for online
/// applications).
pub fn sample_source() -> String {
    SAMPLE.replacen(
        "roles = [\"window_clerk\"]",
        "roles = [\"window_clerk\", \"system\"]",
        1,
    )
}

/// The sample procedure, with the system allowed to register (as for online applications).
pub fn sample_definition() -> fazhi_core::procedure::Definition {
    fazhi_core::procedure::Definition::parse("sample-permit.toml", &sample_source()).unwrap()
}
