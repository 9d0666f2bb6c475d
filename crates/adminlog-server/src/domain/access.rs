//! Who may do what: roles, scopes and plans.

use adminlog_types::{Plan, Role, Scope, Source};

/// The organization a caller acts in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: i64,
    pub name: String,
    pub plan: Plan,
}

/// How the caller proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Administrator { id: i64, email: String, role: Role, token_id: String, token_expires_at: i64 },
    ApiKey { id: i64, name: String, scopes: Vec<Scope> },
}

/// An authenticated caller: always scoped to exactly one organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub tenant: Tenant,
    pub principal: Principal,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("{0}")]
    Forbidden(String),
    #[error("Viewing and exporting admin logs needs a Professional, Business or Enterprise subscription; this organization is on the {0} plan. See the Pricing page for the options.")]
    SubscriptionRequired(Plan),
}

pub const ONLY_SUPER_ADMINS: &str = "Only Super Administrators can view admin logs.";

impl Caller {
    /// The EXPORT_ADMIN_LOGS event an export by this caller appends.
    pub fn export_record(&self) -> crate::domain::ingest::EventDraft {
        let (actor, source) = self.actor();
        crate::domain::ingest::EventDraft::now(adminlog_types::Action::EXPORT_ADMIN_LOGS, actor, source)
    }

    /// Whether the caller is the administrator `id` of its organization:
    /// nobody removes themself or changes their own role.
    pub fn is_administrator(&self, id: i64) -> bool {
        matches!(&self.principal, Principal::Administrator { id: own, .. } if *own == id)
    }

    /// Who stores the events this caller sends.
    pub fn recorder(&self) -> crate::domain::recorder::Recorder {
        match &self.principal {
            Principal::Administrator { id, .. } => crate::domain::recorder::Recorder::Administrator(*id),
            Principal::ApiKey { id, .. } => crate::domain::recorder::Recorder::ApiKey(*id),
        }
    }

    /// The email and source the log records for this caller's own actions:
    /// an API key's actions carry no administrator email.
    pub fn actor(&self) -> (&str, Source) {
        match &self.principal {
            Principal::Administrator { email, .. } => (email, Source::AdminPanel),
            Principal::ApiKey { .. } => ("", Source::Api),
        }
    }

    /// Viewing and exporting the log: super administrators or `logs:read`
    /// keys, on Professional plans and above.
    pub fn may_read_logs(&self) -> Result<(), Denied> {
        match &self.principal {
            Principal::Administrator { role: Role::SuperAdmin, .. } => {}
            Principal::Administrator { .. } => return Err(Denied::Forbidden(ONLY_SUPER_ADMINS.to_owned())),
            Principal::ApiKey { scopes, .. } => require_scope(scopes, Scope::LogsRead)?,
        }
        if self.tenant.plan.can_view_logs() {
            Ok(())
        } else {
            Err(Denied::SubscriptionRequired(self.tenant.plan))
        }
    }

    /// Keeping saved views: an administrator who may read the log, signed
    /// in; the views are theirs (the id returned).
    pub fn views_owner(&self) -> Result<i64, Denied> {
        match &self.principal {
            Principal::Administrator { id, .. } => {
                self.may_read_logs()?;
                Ok(*id)
            }
            Principal::ApiKey { .. } => Err(Denied::Forbidden(
                "Saved views belong to administrators: sign in to keep views (API keys have none).".into(),
            )),
        }
    }

    /// Sending events: super administrators or `logs:write` keys, on any plan.
    pub fn may_write_logs(&self) -> Result<(), Denied> {
        match &self.principal {
            Principal::Administrator { role: Role::SuperAdmin, .. } => Ok(()),
            Principal::Administrator { .. } => {
                Err(Denied::Forbidden("Only Super Administrators and API keys with logs:write can send events.".into()))
            }
            Principal::ApiKey { scopes, .. } => require_scope(scopes, Scope::LogsWrite),
        }
    }

    /// Managing administrators and API keys: super administrators, signed in.
    pub fn may_manage_organization(&self) -> Result<(), Denied> {
        match &self.principal {
            Principal::Administrator { role: Role::SuperAdmin, .. } => Ok(()),
            Principal::Administrator { .. } => {
                Err(Denied::Forbidden("Only Super Administrators can manage administrators and API keys.".into()))
            }
            Principal::ApiKey { .. } => Err(Denied::Forbidden(
                "API keys cannot manage administrators or API keys: sign in as a Super Administrator.".into(),
            )),
        }
    }
}

fn require_scope(scopes: &[Scope], needed: Scope) -> Result<(), Denied> {
    if scopes.contains(&needed) {
        Ok(())
    } else {
        Err(Denied::Forbidden(format!("This API key lacks the {needed} scope; create a key that has it.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(plan: Plan, principal: Principal) -> Caller {
        Caller { tenant: Tenant { id: 1, name: "Acme".into(), plan }, principal }
    }

    fn admin(role: Role) -> Principal {
        Principal::Administrator { id: 1, email: "a@acme.io".into(), role, token_id: "t".into(), token_expires_at: 0 }
    }

    fn key(scopes: &[Scope]) -> Principal {
        Principal::ApiKey { id: 1, name: "siem".into(), scopes: scopes.to_vec() }
    }

    #[test]
    fn reading_needs_super_admin_or_read_scope() {
        assert_eq!(caller(Plan::Business, admin(Role::SuperAdmin)).may_read_logs(), Ok(()));
        assert_eq!(
            caller(Plan::Business, admin(Role::Admin)).may_read_logs(),
            Err(Denied::Forbidden(ONLY_SUPER_ADMINS.into()))
        );
        assert_eq!(caller(Plan::Business, key(&[Scope::LogsRead])).may_read_logs(), Ok(()));
        assert!(matches!(caller(Plan::Business, key(&[Scope::LogsWrite])).may_read_logs(), Err(Denied::Forbidden(_))));
    }

    #[test]
    fn reading_needs_professional_or_above() {
        for plan in [Plan::Professional, Plan::Business, Plan::Enterprise] {
            assert_eq!(caller(plan, admin(Role::SuperAdmin)).may_read_logs(), Ok(()));
        }
        assert_eq!(
            caller(Plan::Starter, admin(Role::SuperAdmin)).may_read_logs(),
            Err(Denied::SubscriptionRequired(Plan::Starter))
        );
        // The role is checked first: an admin on starter learns about the role.
        assert!(matches!(caller(Plan::Starter, admin(Role::Admin)).may_read_logs(), Err(Denied::Forbidden(_))));
    }

    #[test]
    fn writing_works_on_every_plan() {
        assert_eq!(caller(Plan::Starter, key(&[Scope::LogsWrite])).may_write_logs(), Ok(()));
        assert!(caller(Plan::Starter, key(&[Scope::LogsRead])).may_write_logs().is_err());
        assert!(caller(Plan::Starter, admin(Role::Admin)).may_write_logs().is_err());
    }

    #[test]
    fn only_signed_in_super_admins_manage() {
        assert_eq!(caller(Plan::Starter, admin(Role::SuperAdmin)).may_manage_organization(), Ok(()));
        assert!(caller(Plan::Starter, admin(Role::Admin)).may_manage_organization().is_err());
        assert!(caller(Plan::Starter, key(&[Scope::LogsRead, Scope::LogsWrite])).may_manage_organization().is_err());
    }

    #[test]
    fn api_key_actions_have_no_administrator() {
        assert_eq!(caller(Plan::Starter, key(&[])).actor(), ("", Source::Api));
        assert_eq!(caller(Plan::Starter, admin(Role::Admin)).actor(), ("a@acme.io", Source::AdminPanel));
    }
}
