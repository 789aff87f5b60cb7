//! The organisation model: departments, roles, user names and grants.
//!
//! A user holds grants; a grant gives one role in one region, and for department-bound roles
//! in one department of that region. What a role may do is decided in [`crate::authz`] (and,
//! for procedure actions, by the procedure definitions that name roles).

use crate::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine code (also the key of its label in the locale files).
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text.trim() { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// The roles of design.md §1. Procedure definitions name these codes.
    Role {
        Admin = "admin",
        Leader = "leader",
        JusticeStaff = "justice_staff",
        DepartmentStaff = "department_staff",
        EnforcementOfficer = "enforcement_officer",
        LegalReviewer = "legal_reviewer",
        WindowClerk = "window_clerk",
        GridWorker = "grid_worker",
        PublicApplicant = "public_applicant",
    }
);

impl Role {
    /// Roles that act for one department and must be granted with one.
    pub fn needs_department(self) -> bool {
        matches!(
            self,
            Role::DepartmentStaff | Role::EnforcementOfficer | Role::WindowClerk
        )
    }

    /// Roles whose holders see the records of every department of their region: the
    /// administrator, the leaders and the justice bureau, which supervises all departments.
    pub fn sees_whole_region(self) -> bool {
        matches!(self, Role::Admin | Role::Leader | Role::JusticeStaff)
    }

    /// Staff roles use the console; the public uses the portal.
    pub fn is_staff(self) -> bool {
        self != Role::PublicApplicant
    }
}

code_enum!(
    /// What kind of body a department is; procedures and reports group by it.
    DepartmentKind {
        GovernmentOffice = "government_office",
        Department = "department",
        EnforcementBody = "enforcement_body",
        ServiceHall = "service_hall",
        Committee = "committee",
        StreetOffice = "street_office",
        PublicInstitution = "public_institution",
        Other = "other",
    }
);

/// A login name: 3 to 32 characters of lower-case ASCII letters, digits, `.`, `_` or `-`,
/// starting with a letter. Kept ASCII so that it can be typed on any keyboard and appears
/// the same in logs and tokens; a person's Chinese name is the display name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("用户名“{0}”不合规：应为 3–32 个小写字母、数字或 . _ -，并以字母开头")]
pub struct UserNameError(pub String);

impl UserName {
    pub fn parse(text: &str) -> Result<Self, UserNameError> {
        let name = text.trim().to_ascii_lowercase();
        let ok = (3..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok {
            Ok(UserName(name))
        } else {
            Err(UserNameError(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UserName {
    type Error = UserNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        UserName::parse(&value)
    }
}

impl From<UserName> for String {
    fn from(value: UserName) -> Self {
        value.0
    }
}

/// One role held in one region, and for department-bound roles in one department.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub role: Role,
    pub region: RegionCode,
    /// The department's id; `None` for region-wide roles.
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("角色“{0}”必须指定所属部门")]
    DepartmentRequired(Role),
}

impl Grant {
    pub fn new(
        role: Role,
        region: RegionCode,
        department: Option<String>,
    ) -> Result<Self, GrantError> {
        if role.needs_department() && department.is_none() {
            return Err(GrantError::DepartmentRequired(role));
        }
        Ok(Grant {
            role,
            region,
            department,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(*role));
        }
        assert_eq!(Role::ALL.len(), 9);
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn user_names_are_normalised_and_checked() {
        assert_eq!(UserName::parse(" Admin ").unwrap().as_str(), "admin");
        assert!(UserName::parse("zhang.san-2").is_ok());
        assert!(UserName::parse("ab").is_err());
        assert!(UserName::parse("1abc").is_err());
        assert!(UserName::parse("张三").is_err());
        assert!(UserName::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn department_bound_roles_need_a_department() {
        let region = RegionCode::parse("210212").unwrap();
        assert_eq!(
            Grant::new(Role::EnforcementOfficer, region.clone(), None),
            Err(GrantError::DepartmentRequired(Role::EnforcementOfficer))
        );
        assert!(Grant::new(Role::Leader, region, None).is_ok());
    }
}
