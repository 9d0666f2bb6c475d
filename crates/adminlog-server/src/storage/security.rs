//! Server secrets, revoked tokens and login attempts: state every server
//! process must share, so it lives in the database.

use diesel::prelude::*;

use diesel::sql_types::{BigInt, Text};

use super::schema::{login_attempts, revoked_tokens, settings};
use super::{on_any, AnyConn, Db, StorageResult};
use crate::domain::throttle::{Bucket, Count, Quota, LONGEST_WINDOW_MICROS};

impl Db {
    /// Removes stored settings, such as secrets older versions kept here.
    pub fn forget_settings(&self, names: &[&str]) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| diesel::delete(settings::table.filter(settings::name.eq_any(names))).execute(c))?;
            Ok(())
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

    /// Counts one login attempt in each bucket, atomically (one upsert per
    /// counter, in one transaction), and says how long to wait when any
    /// bucket is over its limit, and what is left of the tightest one.
    /// Counting comes first, so parallel attempts see each other.
    pub fn reserve_login_attempt(
        &self,
        buckets: &[Bucket],
        now_micros: i64,
    ) -> StorageResult<(Option<u64>, Option<Quota>)> {
        self.write(|conn| {
            let forget_before = now_micros - LONGEST_WINDOW_MICROS;
            on_any!(conn, |c| diesel::delete(
                login_attempts::table.filter(login_attempts::window_start.lt(forget_before))
            )
            .execute(c))?;
            let mut wait: Option<u64> = None;
            let mut quota: Option<Quota> = None;
            for bucket in buckets {
                let window_ended = now_micros - bucket.limit.window_micros;
                let query = match conn {
                    AnyConn::Sqlite(_) => SQLITE_COUNT_ATTEMPT,
                    AnyConn::Pg(_) => POSTGRES_COUNT_ATTEMPT,
                };
                let row: AttemptRow = on_any!(conn, |c| diesel::sql_query(query)
                    .bind::<Text, _>(&bucket.scope)
                    .bind::<BigInt, _>(now_micros)
                    .bind::<BigInt, _>(window_ended)
                    .get_result(c))?;
                let count = Count { window_start: row.window_start, attempts: row.attempts };
                if let Some(seconds) = bucket.limit.retry_after(count, now_micros) {
                    wait = Some(wait.map_or(seconds, |w| w.max(seconds)));
                }
                let left = bucket.limit.quota(count, now_micros);
                quota = Some(quota.map_or(left, |q| q.tighter(left)));
            }
            Ok((wait, quota))
        })
    }

    /// Gives back the attempt a successful login counted.
    pub fn refund_login_attempt(&self, scopes: &[String]) -> StorageResult<()> {
        self.write(|conn| {
            on_any!(conn, |c| diesel::update(
                login_attempts::table
                    .filter(login_attempts::scope.eq_any(scopes))
                    .filter(login_attempts::attempts.gt(0))
            )
            .set(login_attempts::attempts.eq(login_attempts::attempts - 1))
            .execute(c))?;
            Ok(())
        })
    }
}

#[derive(diesel::QueryableByName)]
struct AttemptRow {
    #[diesel(sql_type = BigInt)]
    window_start: i64,
    #[diesel(sql_type = BigInt)]
    attempts: i64,
}

/// One attempt more in the counter's window, or a new window when the old
/// one ended. Both backends evaluate SET against the row as it was.
const SQLITE_COUNT_ATTEMPT: &str = "INSERT INTO login_attempts (scope, window_start, attempts) VALUES (?1, ?2, 1) \
     ON CONFLICT (scope) DO UPDATE SET \
     attempts = CASE WHEN login_attempts.window_start <= ?3 THEN 1 ELSE login_attempts.attempts + 1 END, \
     window_start = CASE WHEN login_attempts.window_start <= ?3 THEN ?2 ELSE login_attempts.window_start END \
     RETURNING window_start, attempts";
const POSTGRES_COUNT_ATTEMPT: &str = "INSERT INTO login_attempts (scope, window_start, attempts) VALUES ($1, $2, 1) \
     ON CONFLICT (scope) DO UPDATE SET \
     attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 ELSE login_attempts.attempts + 1 END, \
     window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 ELSE login_attempts.window_start END \
     RETURNING window_start, attempts";
