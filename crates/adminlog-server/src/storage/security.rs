//! Server secrets, revoked tokens and failed logins: state every server
//! process must share, so it lives in the database.

use diesel::prelude::*;

use super::schema::{login_failures, revoked_tokens, settings};
use super::{on_any, AnyConn, Db, StorageResult};

impl Db {
    /// The stored secret `name`, creating it with `generate` on first use.
    /// Two processes starting together agree on one value.
    pub fn secret(&self, name: &str, generate: impl FnOnce() -> String) -> StorageResult<String> {
        let fresh = generate();
        self.write(|conn| {
            on_any!(conn, |c| {
                diesel::insert_into(settings::table)
                    .values((settings::name.eq(name), settings::value.eq(&fresh)))
                    .on_conflict(settings::name)
                    .do_nothing()
                    .execute(c)?;
                settings::table.find(name).select(settings::value).first(c)
            })
            .map_err(Into::into)
        })
    }

    pub fn revoke_token(
        &self,
        org_id: i64,
        token_id: &str,
        expires_at_micros: i64,
        now_micros: i64,
    ) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| {
                // Expired tokens are refused anyway: forget their revocations.
                diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now_micros))).execute(c)?;
                diesel::insert_into(revoked_tokens::table)
                    .values((
                        revoked_tokens::org_id.eq(org_id),
                        revoked_tokens::jti.eq(token_id),
                        revoked_tokens::expires_at.eq(expires_at_micros),
                    ))
                    .on_conflict((revoked_tokens::org_id, revoked_tokens::jti))
                    .do_nothing()
                    .execute(c)
            })?;
            Ok(())
        })
    }

    /// Failed logins of `scope` since `since`, oldest first.
    pub fn failed_logins(&self, scope: &str, since_micros: i64) -> StorageResult<Vec<i64>> {
        self.read(|conn| {
            Ok(on_any!(conn, |c| login_failures::table
                .filter(login_failures::scope.eq(scope))
                .filter(login_failures::at.ge(since_micros))
                .order(login_failures::at)
                .select(login_failures::at)
                .load(c))?)
        })
    }

    pub fn record_failed_login(
        &self,
        scopes: &[String],
        at_micros: i64,
        forget_before_micros: i64,
    ) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| {
                diesel::delete(login_failures::table.filter(login_failures::at.lt(forget_before_micros))).execute(c)?;
                for scope in scopes {
                    diesel::insert_into(login_failures::table)
                        .values((login_failures::scope.eq(scope), login_failures::at.eq(at_micros)))
                        .execute(c)?;
                }
                Ok::<_, diesel::result::Error>(())
            })?;
            Ok(())
        })
    }

    pub fn clear_failed_logins(&self, scope: &str) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| diesel::delete(login_failures::table.filter(login_failures::scope.eq(scope)))
                .execute(c))?;
            Ok(())
        })
    }
}

/// Whether a session token was revoked, on the caller's connection.
pub(super) fn revoked_in(conn: &mut AnyConn<'_>, org_id: i64, token_id: &str) -> StorageResult<bool> {
    let found: Option<String> = on_any!(conn, |c| revoked_tokens::table
        .find((org_id, token_id))
        .select(revoked_tokens::jti)
        .first(c)
        .optional())?;
    Ok(found.is_some())
}
