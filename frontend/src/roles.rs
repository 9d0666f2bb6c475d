//! Role changes in the Administrators table: picking a role in a row only
//! marks it pending; nothing is saved until the change is confirmed.

use std::collections::BTreeMap;

use adminlog_types::Role;

/// The role's name as the page shows it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => "Super Administrator",
        Role::Admin => "Administrator",
    }
}

/// The role's name with its article: "a Super Administrator".
pub fn a_role(role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => "a Super Administrator",
        Role::Admin => "an Administrator",
    }
}

/// Roles picked but not saved, by administrator id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingRoles(BTreeMap<i64, Role>);

impl PendingRoles {
    /// The row of `id`, whose saved role is `current`, now shows `picked`:
    /// pending unless it is the saved role again.
    pub fn pick(&mut self, id: i64, current: Role, picked: Role) {
        if picked == current {
            self.0.remove(&id);
        } else {
            self.0.insert(id, picked);
        }
    }

    /// The unsaved role of `id`, if any.
    pub fn get(&self, id: i64) -> Option<Role> {
        self.0.get(&id).copied()
    }

    /// Forgets the unsaved role of `id` (cancelled, or saved).
    pub fn clear(&mut self, id: i64) {
        self.0.remove(&id);
    }

    /// The role the row of `id` shows: the unsaved one, else the saved one.
    pub fn shown(&self, id: i64, current: Role) -> Role {
        self.get(id).unwrap_or(current)
    }
}

/// The question asked before saving a role change.
pub fn role_change_question(email: &str, role: Role) -> String {
    match role {
        Role::SuperAdmin => format!(
            "{email} will become {}: they can read and export the admin log and manage administrators and API keys.",
            a_role(role)
        ),
        Role::Admin => format!(
            "{email} will become {}: they can no longer read the admin log or manage administrators and API keys.",
            a_role(role)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_marks_a_row_pending_until_cleared() {
        let mut pending = PendingRoles::default();
        assert_eq!(pending.shown(7, Role::Admin), Role::Admin);
        pending.pick(7, Role::Admin, Role::SuperAdmin);
        assert_eq!(pending.get(7), Some(Role::SuperAdmin));
        assert_eq!(pending.shown(7, Role::Admin), Role::SuperAdmin);
        assert_eq!(pending.get(8), None, "other rows are untouched");
        pending.clear(7);
        assert_eq!(pending, PendingRoles::default());
    }

    #[test]
    fn picking_the_saved_role_again_is_no_change() {
        let mut pending = PendingRoles::default();
        pending.pick(3, Role::SuperAdmin, Role::Admin);
        pending.pick(3, Role::SuperAdmin, Role::SuperAdmin);
        assert_eq!(pending.get(3), None);
        assert_eq!(pending.shown(3, Role::SuperAdmin), Role::SuperAdmin);
    }

    #[test]
    fn every_role_has_a_label_and_a_question() {
        for &role in Role::ALL {
            assert!(a_role(role).ends_with(role_label(role)));
            assert!(role_change_question("a@example.com", role).starts_with("a@example.com will become"));
        }
    }
}
