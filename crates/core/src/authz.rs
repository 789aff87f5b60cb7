//! Permission checks, pure: given what a user holds, may they see or change this?
//!
//! The rule of thumb (design.md §1): region-wide roles (admin, leader, justice bureau) see every
//! department of their region and of the regions below it; everyone else sees only the
//! departments they are granted in. Administration of accounts and departments belongs to the
//! admin of the region. Procedure actions add their own role lists (procedure definitions).

use crate::org::{Grant, Role};
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

/// Who is acting: a user (with their grants) or the system itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: String,
    pub user_name: String,
    pub grants: Vec<Grant>,
}

/// Which departments' records a principal may read in a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentScope {
    All,
    Only(Vec<String>),
}

impl DepartmentScope {
    pub fn allows(&self, department: &str) -> bool {
        match self {
            DepartmentScope::All => true,
            DepartmentScope::Only(ids) => ids.iter().any(|d| d == department),
        }
    }
}

impl Principal {
    /// The actor string written into events.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user_id)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }

    /// May administer accounts and departments of `region` (an admin of it or of a region above).
    pub fn administers(&self, region: &RegionCode) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == Role::Admin && region.is_within(&g.region))
    }

    /// Administers the whole installation: every region at the top of its region tree (`roots`,
    /// the registered regions without a parent), or the installation itself. Only such an
    /// administrator may change what is law for every region (the holiday calendar).
    pub fn administers_installation(&self, roots: &[RegionCode]) -> bool {
        self.administers(&RegionCode::installation())
            || (!roots.is_empty() && roots.iter().all(|r| self.administers(r)))
    }

    /// The departments of `region` whose records this principal may read.
    pub fn department_scope(&self, region: &RegionCode) -> DepartmentScope {
        let mut ids = Vec::new();
        for grant in self.grants.iter().filter(|g| region.is_within(&g.region)) {
            if grant.role.sees_whole_region() {
                return DepartmentScope::All;
            }
            if let Some(d) = &grant.department
                && !ids.contains(d)
            {
                ids.push(d.clone());
            }
        }
        DepartmentScope::Only(ids)
    }

    /// Reviews the cases of `region` (and `department`) sent for legal review (法制审核): a
    /// legal reviewer granted there — in that department, or in the whole region when the
    /// grant names none (the justice bureau's reviewers).
    pub fn reviews(&self, region: &RegionCode, department: Option<&str>) -> bool {
        self.grants.iter().any(|g| {
            g.role == Role::LegalReviewer
                && region.is_within(&g.region)
                && (g.department.is_none() || g.department.as_deref() == department)
        })
    }

    pub fn can_read_department(&self, region: &RegionCode, department: &str) -> bool {
        self.department_scope(region).allows(department)
    }

    /// May change a department's own record (name, kind, whether it is active): only the
    /// region's administrator. Its staff work on its cases, not on the department itself.
    pub fn can_change_department(&self, region: &RegionCode, _department: &str) -> bool {
        self.administers(region)
    }

    /// The regions this principal works in (for choosing a home region in the console).
    pub fn regions(&self) -> Vec<RegionCode> {
        let mut out: Vec<RegionCode> = Vec::new();
        for g in &self.grants {
            if !out.contains(&g.region) {
                out.push(g.region.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap()
    }

    fn principal(grants: Vec<Grant>) -> Principal {
        Principal {
            user_id: "u1".into(),
            user_name: "u1".into(),
            grants,
        }
    }

    fn grant(role: Role, code: &str, department: Option<&str>) -> Grant {
        Grant::new(role, region(code), department.map(str::to_string)).unwrap()
    }

    #[test]
    fn department_staff_see_only_their_department() {
        let p = principal(vec![grant(Role::DepartmentStaff, "210212", Some("d-a"))]);
        assert!(p.can_read_department(&region("210212"), "d-a"));
        assert!(!p.can_read_department(&region("210212"), "d-b"));
        assert!(
            !p.can_change_department(&region("210212"), "d-a"),
            "staff do not edit the department itself"
        );
        assert!(!p.can_change_department(&region("210212"), "d-b"));
        assert!(!p.administers(&region("210212")));
    }

    #[test]
    fn region_wide_roles_see_every_department_below_them() {
        let justice = principal(vec![grant(Role::JusticeStaff, "210212", None)]);
        assert_eq!(
            justice.department_scope(&region("210212001")),
            DepartmentScope::All
        );
        assert!(!justice.can_change_department(&region("210212"), "d-b"));
        // ...but not in a neighbouring district.
        assert_eq!(
            justice.department_scope(&region("210211")),
            DepartmentScope::Only(vec![])
        );
    }

    #[test]
    fn legal_reviewers_review_their_department_or_their_whole_region() {
        let of_region = principal(vec![grant(Role::LegalReviewer, "210212", None)]);
        assert!(of_region.reviews(&region("210212"), Some("d-a")));
        assert!(of_region.reviews(&region("210212001"), None));
        assert!(!of_region.reviews(&region("210211"), Some("d-a")));
        let of_department = principal(vec![grant(Role::LegalReviewer, "210212", Some("d-a"))]);
        assert!(of_department.reviews(&region("210212"), Some("d-a")));
        assert!(!of_department.reviews(&region("210212"), Some("d-b")));
        let staff = principal(vec![grant(Role::DepartmentStaff, "210212", Some("d-a"))]);
        assert!(!staff.reviews(&region("210212"), Some("d-a")));
    }

    #[test]
    fn only_an_administrator_of_every_top_region_administers_the_installation() {
        let roots = [region("210200"), region("210300")];
        let district = principal(vec![grant(Role::Admin, "210212", None)]);
        assert!(!district.administers_installation(&roots));
        let one_city = principal(vec![grant(Role::Admin, "210200", None)]);
        assert!(!one_city.administers_installation(&roots));
        assert!(one_city.administers_installation(&roots[..1]));
        let both = principal(vec![
            grant(Role::Admin, "210200", None),
            grant(Role::Admin, "210300", None),
        ]);
        assert!(both.administers_installation(&roots));
        let leader = principal(vec![grant(Role::Leader, "210200", None)]);
        assert!(!leader.administers_installation(&roots[..1]));
        assert!(!district.administers_installation(&[]));
    }

    #[test]
    fn admins_administer_their_region_and_below_only() {
        let admin = principal(vec![grant(Role::Admin, "210212", None)]);
        assert!(admin.administers(&region("210212")));
        assert!(admin.administers(&region("210212001")));
        assert!(!admin.administers(&region("210200")));
        assert!(!admin.administers(&region("210211")));
        assert!(admin.can_change_department(&region("210212"), "d-b"));
    }

    #[test]
    fn the_public_is_not_staff() {
        let citizen = principal(vec![grant(Role::PublicApplicant, "210212", None)]);
        assert!(!citizen.is_staff());
        assert_eq!(
            citizen.department_scope(&region("210212")),
            DepartmentScope::Only(vec![])
        );
    }
}
