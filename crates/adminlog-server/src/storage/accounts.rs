//! Organizations, administrators and API keys.

use adminlog_types::{Plan, Role, Scope};
use diesel::prelude::*;
use time::OffsetDateTime;

use super::events::append_in;
use super::schema::{admin_directory, administrators, api_keys, organizations, revoked_tokens};
use super::{conflict_as, from_micros, on_any, to_micros, AnyConn, Db, StorageError, StorageResult};
use crate::domain::access::Tenant;
use crate::domain::ingest::EventDraft;
use crate::domain::recorder::Recorder;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminRecord {
    pub org_id: i64,
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub org_id: i64,
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub secret_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

pub struct NewAdmin<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

type AdminColumns = (i64, i64, String, String, String, String, i64);
const ADMIN_COLUMNS: (
    administrators::org_id,
    administrators::id,
    administrators::email,
    administrators::name,
    administrators::role,
    administrators::password_hash,
    administrators::created_at,
) = (
    administrators::org_id,
    administrators::id,
    administrators::email,
    administrators::name,
    administrators::role,
    administrators::password_hash,
    administrators::created_at,
);

fn admin_record(row: AdminColumns) -> StorageResult<AdminRecord> {
    let (org_id, id, email, name, role, password_hash, created_at) = row;
    Ok(AdminRecord {
        org_id,
        id,
        email,
        name,
        role: role.parse().map_err(StorageError::Corrupt)?,
        password_hash,
        created_at: from_micros(created_at),
    })
}

type KeyColumns = (i64, i64, String, String, Vec<u8>, i64, Option<i64>);
const KEY_COLUMNS: (
    api_keys::org_id,
    api_keys::id,
    api_keys::name,
    api_keys::scopes,
    api_keys::secret_hash,
    api_keys::created_at,
    api_keys::revoked_at,
) = (
    api_keys::org_id,
    api_keys::id,
    api_keys::name,
    api_keys::scopes,
    api_keys::secret_hash,
    api_keys::created_at,
    api_keys::revoked_at,
);

fn key_record(row: KeyColumns) -> StorageResult<ApiKeyRecord> {
    let (org_id, id, name, scopes, secret_hash, created_at, revoked_at) = row;
    let scopes = scopes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Scope>().map_err(StorageError::Corrupt))
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(ApiKeyRecord {
        org_id,
        id,
        name,
        scopes,
        secret_hash,
        created_at: from_micros(created_at),
        revoked_at: revoked_at.map(from_micros),
    })
}

type TenantColumns = (i64, String, String);
const TENANT_COLUMNS: (organizations::id, organizations::name, organizations::plan) =
    (organizations::id, organizations::name, organizations::plan);

fn tenant(row: TenantColumns) -> StorageResult<Tenant> {
    Ok(Tenant { id: row.0, name: row.1, plan: row.2.parse().map_err(StorageError::Corrupt)? })
}

use crate::domain::fields::email_key;

impl Db {
    pub fn tenant(&self, org_id: i64) -> StorageResult<Tenant> {
        self.read(|conn| tenant_in(conn, org_id))
    }

    pub fn tenant_by_name(&self, name: &str) -> StorageResult<Option<Tenant>> {
        let row: Option<(i64, String, String)> = self.read(|conn| {
            Ok(on_any!(conn, |c| organizations::table
                .filter(organizations::name.eq(name))
                .select((organizations::id, organizations::name, organizations::plan))
                .first(c)
                .optional())?)
        })?;
        row.map(tenant).transpose()
    }

    /// Every organization, by id.
    pub fn tenants(&self) -> StorageResult<Vec<Tenant>> {
        let rows: Vec<(i64, String, String)> = self.read(|conn| {
            Ok(on_any!(conn, |c| organizations::table
                .order(organizations::id)
                .select((organizations::id, organizations::name, organizations::plan))
                .load(c))?)
        })?;
        rows.into_iter().map(tenant).collect()
    }

    /// Creates the organization, recording `CREATE_ORGANIZATION`.
    pub fn create_tenant(&self, name: &str, plan: Plan) -> StorageResult<Tenant> {
        self.write(|conn| {
            let now = to_micros(OffsetDateTime::now_utc());
            let id: i64 = on_any!(conn, |c| diesel::insert_into(organizations::table)
                .values((
                    organizations::name.eq(name),
                    organizations::plan.eq(plan.as_str()),
                    organizations::created_at.eq(now),
                ))
                .returning(organizations::id)
                .get_result(c))
            .map_err(|e| conflict_as(e, "an organization with this name already exists"))?;
            let mut event =
                EventDraft::now(adminlog_types::Action::CREATE_ORGANIZATION, "", adminlog_types::Source::Api);
            event.user_name = name.to_owned();
            append_in(conn, id, &[event])?;
            tenant_in(conn, id)
        })
    }

    pub fn set_plan(&self, org_id: i64, plan: Plan) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| diesel::update(organizations::table.find(org_id))
                .set(organizations::plan.eq(plan.as_str()))
                .execute(c))?;
            Ok(())
        })
    }

    /// The administrators an email may log in as: one per organization that
    /// has the (normalised) address, by organization id.
    pub fn admins_by_email(&self, email: &str) -> StorageResult<Vec<AdminRecord>> {
        let key = email_key(email);
        self.read(|conn| {
            let entries: Vec<(i64, i64)> = on_any!(conn, |c| admin_directory::table
                .filter(admin_directory::email.eq(&key))
                .order(admin_directory::org_id)
                .select((admin_directory::org_id, admin_directory::admin_id))
                .load(c))?;
            let mut admins = Vec::with_capacity(entries.len());
            for (org_id, id) in entries {
                admins.extend(admin_in(conn, org_id, id)?);
            }
            Ok(admins)
        })
    }

    /// What a request needs about a session token's administrator, read on
    /// one connection: `None` when the token was revoked, the administrator
    /// or organization is gone, or the token was issued before this
    /// administrator existed (ids are never reused, and this also holds for
    /// ids handed out again before that rule, by older versions).
    pub fn token_session(
        &self,
        org_id: i64,
        admin_id: i64,
        token_id: &str,
        issued_at: OffsetDateTime,
    ) -> StorageResult<Option<(AdminRecord, Tenant)>> {
        // One statement, one round trip: this runs before every request a
        // session makes, and PostgreSQL answers each statement over the wire.
        let row: Option<(AdminColumns, TenantColumns)> = self.read(|conn| {
            Ok(on_any!(conn, |c| administrators::table
                .inner_join(organizations::table)
                .filter(administrators::org_id.eq(org_id))
                .filter(administrators::id.eq(admin_id))
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    revoked_tokens::table
                        .filter(revoked_tokens::org_id.eq(org_id))
                        .filter(revoked_tokens::jti.eq(token_id)),
                )))
                .select((ADMIN_COLUMNS, TENANT_COLUMNS))
                .first(c)
                .optional())?)
        })?;
        let Some((admin, tenant_row)) = row else { return Ok(None) };
        let admin = admin_record(admin)?;
        // Token times are whole seconds: compare at that resolution.
        if issued_at.unix_timestamp() < admin.created_at.unix_timestamp() {
            return Ok(None);
        }
        Ok(Some((admin, tenant(tenant_row)?)))
    }

    /// An API key and its organization, in one statement.
    pub fn key_session(&self, org_id: i64, id: i64) -> StorageResult<Option<(ApiKeyRecord, Tenant)>> {
        let row: Option<(KeyColumns, TenantColumns)> = self.read(|conn| {
            Ok(on_any!(conn, |c| api_keys::table
                .inner_join(organizations::table)
                .filter(api_keys::org_id.eq(org_id))
                .filter(api_keys::id.eq(id))
                .select((KEY_COLUMNS, TENANT_COLUMNS))
                .first(c)
                .optional())?)
        })?;
        row.map(|(key, tenant_row)| Ok((key_record(key)?, tenant(tenant_row)?))).transpose()
    }

    pub fn admin(&self, org_id: i64, id: i64) -> StorageResult<Option<AdminRecord>> {
        self.read(|conn| admin_in(conn, org_id, id))
    }

    pub fn list_admins(&self, org_id: i64) -> StorageResult<Vec<AdminRecord>> {
        self.read(|conn| {
            let rows: Vec<AdminColumns> = on_any!(conn, |c| administrators::table
                .filter(administrators::org_id.eq(org_id))
                .order(administrators::id)
                .select(ADMIN_COLUMNS)
                .load(c))?;
            rows.into_iter().map(admin_record).collect()
        })
    }

    /// Adds an administrator and the events that record it, atomically. An
    /// email already used in this organization is a conflict; other
    /// organizations' addresses are neither visible nor in the way.
    pub fn create_admin(&self, org_id: i64, admin: &NewAdmin<'_>, log: &[EventDraft]) -> StorageResult<AdminRecord> {
        self.write(|conn| {
            let id: i64 = on_any!(conn, |c| diesel::update(organizations::table.find(org_id))
                .set(organizations::last_admin_id.eq(organizations::last_admin_id + 1))
                .returning(organizations::last_admin_id)
                .get_result(c)
                .optional())?
            .ok_or(StorageError::NotFound)?;
            let now = to_micros(OffsetDateTime::now_utc());
            let taken = "this organization already has an administrator with this email";
            on_any!(conn, |c| diesel::insert_into(admin_directory::table)
                .values((
                    admin_directory::email.eq(email_key(admin.email)),
                    admin_directory::org_id.eq(org_id),
                    admin_directory::admin_id.eq(id),
                ))
                .execute(c))
            .map_err(|e| conflict_as(e, taken))?;
            on_any!(conn, |c| diesel::insert_into(administrators::table)
                .values((
                    administrators::org_id.eq(org_id),
                    administrators::id.eq(id),
                    administrators::email.eq(admin.email),
                    administrators::name.eq(admin.name),
                    administrators::role.eq(admin.role.as_str()),
                    administrators::password_hash.eq(admin.password_hash),
                    administrators::created_at.eq(now),
                ))
                .execute(c))
            .map_err(|e| conflict_as(e, taken))?;
            append_in(conn, org_id, log)?;
            admin_in(conn, org_id, id)?.ok_or(StorageError::NotFound)
        })
    }

    /// Changes name and/or role. Refuses to leave the organization without a
    /// super administrator.
    pub fn update_admin(
        &self,
        org_id: i64,
        id: i64,
        name: Option<&str>,
        role: Option<Role>,
        log: impl FnOnce(&AdminRecord) -> Vec<EventDraft>,
    ) -> StorageResult<AdminRecord> {
        self.write(|conn| {
            let before = admin_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
            if before.role == Role::SuperAdmin && role == Some(Role::Admin) {
                ensure_another_super_admin(conn, org_id, id)?;
            }
            let new_name = name.unwrap_or(&before.name);
            let new_role = role.unwrap_or(before.role);
            on_any!(conn, |c| diesel::update(administrators::table.find((org_id, id)))
                .set((administrators::name.eq(new_name), administrators::role.eq(new_role.as_str())))
                .execute(c))?;
            let after = admin_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
            append_in(conn, org_id, &log(&after))?;
            Ok(after)
        })
    }

    /// Removes an administrator. Refuses to remove the last super administrator.
    pub fn delete_admin(
        &self,
        org_id: i64,
        id: i64,
        log: impl FnOnce(&AdminRecord) -> Vec<EventDraft>,
    ) -> StorageResult<()> {
        self.write(|conn| {
            let admin = admin_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
            if admin.role == Role::SuperAdmin {
                ensure_another_super_admin(conn, org_id, id)?;
            }
            on_any!(conn, |c| {
                diesel::delete(administrators::table.find((org_id, id))).execute(c)?;
                diesel::delete(
                    admin_directory::table
                        .filter(admin_directory::org_id.eq(org_id))
                        .filter(admin_directory::admin_id.eq(id)),
                )
                .execute(c)
            })?;
            super::saved_views::forget_views_of(conn, org_id, id)?;
            append_in(conn, org_id, &log(&admin))?;
            Ok(())
        })
    }

    pub fn create_api_key(
        &self,
        org_id: i64,
        name: &str,
        scopes: &[Scope],
        secret_hash: &[u8],
        log: &[EventDraft],
    ) -> StorageResult<ApiKeyRecord> {
        self.write(|conn| {
            let id: i64 = on_any!(conn, |c| diesel::update(organizations::table.find(org_id))
                .set(organizations::last_key_id.eq(organizations::last_key_id + 1))
                .returning(organizations::last_key_id)
                .get_result(c)
                .optional())?
            .ok_or(StorageError::NotFound)?;
            let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            on_any!(conn, |c| diesel::insert_into(api_keys::table)
                .values((
                    api_keys::org_id.eq(org_id),
                    api_keys::id.eq(id),
                    api_keys::name.eq(name),
                    api_keys::scopes.eq(scopes.join(",")),
                    api_keys::secret_hash.eq(secret_hash),
                    api_keys::created_at.eq(to_micros(OffsetDateTime::now_utc())),
                ))
                .execute(c))?;
            append_in(conn, org_id, log)?;
            api_key_in(conn, org_id, id)?.ok_or(StorageError::NotFound)
        })
    }

    pub fn api_key(&self, org_id: i64, id: i64) -> StorageResult<Option<ApiKeyRecord>> {
        self.read(|conn| api_key_in(conn, org_id, id))
    }

    pub fn list_api_keys(&self, org_id: i64) -> StorageResult<Vec<ApiKeyRecord>> {
        self.read(|conn| {
            let rows: Vec<KeyColumns> = on_any!(conn, |c| api_keys::table
                .filter(api_keys::org_id.eq(org_id))
                .order(api_keys::id)
                .select(KEY_COLUMNS)
                .load(c))?;
            rows.into_iter().map(key_record).collect()
        })
    }

    /// Revokes a key for good. Revoking a revoked key changes nothing.
    pub fn revoke_api_key(
        &self,
        org_id: i64,
        id: i64,
        log: impl FnOnce(&ApiKeyRecord) -> Vec<EventDraft>,
    ) -> StorageResult<()> {
        self.write(|conn| {
            let key = api_key_in(conn, org_id, id)?.ok_or(StorageError::NotFound)?;
            if key.revoked_at.is_some() {
                return Ok(());
            }
            on_any!(conn, |c| diesel::update(api_keys::table.find((org_id, id)))
                .set(api_keys::revoked_at.eq(to_micros(OffsetDateTime::now_utc())))
                .execute(c))?;
            append_in(conn, org_id, &log(&key))?;
            Ok(())
        })
    }
}

/// The names behind a page's recorders: administrators' emails and keys'
/// names, read only when the page has any.
#[derive(Default)]
pub(crate) struct RecorderNames {
    admins: std::collections::HashMap<i64, String>,
    keys: std::collections::HashMap<i64, String>,
}

impl RecorderNames {
    /// The wire form of `recorder`, with the names found for the page.
    pub(crate) fn recorded_by(&self, recorder: Recorder) -> adminlog_types::RecordedBy {
        use adminlog_types::RecordedBy;
        match recorder {
            Recorder::Server => RecordedBy::Server,
            Recorder::Administrator(id) => RecordedBy::Administrator { id, email: self.admins.get(&id).cloned() },
            Recorder::ApiKey(id) => RecordedBy::ApiKey { id, name: self.keys.get(&id).cloned() },
        }
    }
}

pub(crate) fn recorder_names(
    conn: &mut AnyConn<'_>,
    org_id: i64,
    recorders: impl Iterator<Item = Recorder>,
) -> StorageResult<RecorderNames> {
    let (mut admin_ids, mut key_ids) = (Vec::new(), Vec::new());
    for recorder in recorders {
        match recorder {
            Recorder::Administrator(id) => admin_ids.push(id),
            Recorder::ApiKey(id) => key_ids.push(id),
            Recorder::Server => {}
        }
    }
    let mut names = RecorderNames::default();
    if !admin_ids.is_empty() {
        admin_ids.sort_unstable();
        admin_ids.dedup();
        let rows: Vec<(i64, String)> = on_any!(conn, |c| administrators::table
            .filter(administrators::org_id.eq(org_id))
            .filter(administrators::id.eq_any(&admin_ids))
            .select((administrators::id, administrators::email))
            .load(c))?;
        names.admins.extend(rows);
    }
    if !key_ids.is_empty() {
        key_ids.sort_unstable();
        key_ids.dedup();
        let rows: Vec<(i64, String)> = on_any!(conn, |c| api_keys::table
            .filter(api_keys::org_id.eq(org_id))
            .filter(api_keys::id.eq_any(&key_ids))
            .select((api_keys::id, api_keys::name))
            .load(c))?;
        names.keys.extend(rows);
    }
    Ok(names)
}

fn tenant_in(conn: &mut AnyConn<'_>, org_id: i64) -> StorageResult<Tenant> {
    let row: (i64, String, String) = on_any!(conn, |c| organizations::table
        .find(org_id)
        .select((organizations::id, organizations::name, organizations::plan))
        .first(c)
        .optional())?
    .ok_or(StorageError::NotFound)?;
    tenant(row)
}

fn admin_in(conn: &mut AnyConn<'_>, org_id: i64, id: i64) -> StorageResult<Option<AdminRecord>> {
    let row: Option<AdminColumns> =
        on_any!(conn, |c| administrators::table.find((org_id, id)).select(ADMIN_COLUMNS).first(c).optional())?;
    row.map(admin_record).transpose()
}

fn api_key_in(conn: &mut AnyConn<'_>, org_id: i64, id: i64) -> StorageResult<Option<ApiKeyRecord>> {
    let row: Option<KeyColumns> =
        on_any!(conn, |c| api_keys::table.find((org_id, id)).select(KEY_COLUMNS).first(c).optional())?;
    row.map(key_record).transpose()
}

fn ensure_another_super_admin(conn: &mut AnyConn<'_>, org_id: i64, except: i64) -> StorageResult<()> {
    let others: i64 = on_any!(conn, |c| administrators::table
        .filter(administrators::org_id.eq(org_id))
        .filter(administrators::role.eq(Role::SuperAdmin.as_str()))
        .filter(administrators::id.ne(except))
        .count()
        .get_result(c))?;
    if others == 0 {
        Err(StorageError::Conflict(
            "the organization must keep at least one Super Administrator: promote another administrator first".into(),
        ))
    } else {
        Ok(())
    }
}
