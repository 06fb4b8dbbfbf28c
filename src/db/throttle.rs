//! The sign-in throttle: counters of recent sign-in attempts per account, per client address,
//! and per account *and* address, each reserved atomically before any password is hashed.
//!
//! The scheme (why it is shaped so):
//! - An attempt is counted *before* its password is checked, in one transaction that also
//!   refuses it when any of its counters is locked. Concurrent tries therefore all count, and a
//!   refused try costs no hashing and does not lengthen the wait.
//! - The tight limit is per account *and* address: a guesser gets 5 free tries, then waits
//!   2 s, 4 s, 8 s… up to 15 minutes between tries. The owner signing in from another address
//!   is not affected by it.
//! - Per address (20 free tries over all accounts): one client cannot try many accounts.
//! - Per account over all addresses (30 free tries): only a guesser spread over many addresses
//!   reaches it, and its lock never exceeds 60 s, so a stranger cannot keep the owner out for
//!   more than about a minute.
//! - A success clears the account's counters; counters quiet for an hour start again, and
//!   rows quiet for a day are purged (see `purge_stale`).

use super::{Db, now};

/// How many tries a counter allows before it makes the next one wait, and its longest wait.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub free: i64,
    /// The wait after the first try past the free ones; it doubles with every further try.
    pub first_wait_secs: i64,
    pub max_wait_secs: i64,
}

pub const ACCOUNT_AND_ADDRESS: Limit = Limit {
    free: 5,
    first_wait_secs: 2,
    max_wait_secs: 15 * 60,
};
pub const ADDRESS: Limit = Limit {
    free: 20,
    first_wait_secs: 2,
    max_wait_secs: 15 * 60,
};
pub const ACCOUNT: Limit = Limit {
    free: 30,
    first_wait_secs: 2,
    max_wait_secs: 60,
};

/// Counters untouched this long start from zero again.
const WINDOW_SECS: i64 = 60 * 60;
/// Rows untouched this long (and not locked) are removed by the purge.
const STALE_SECS: i64 = 24 * 60 * 60;

impl Limit {
    /// The wait imposed after the `tries`-th try: none while free, then doubling.
    pub fn wait_after(self, tries: i64) -> i64 {
        if tries < self.free {
            return 0;
        }
        let doublings = u32::try_from((tries - self.free).min(20)).unwrap_or(20);
        self.first_wait_secs
            .saturating_mul(1_i64 << doublings)
            .min(self.max_wait_secs)
    }
}

/// The counters one sign-in attempt is checked against.
#[derive(Debug, Clone)]
pub struct Keys {
    pub account: String,
    pub address: String,
    pub account_and_address: String,
}

impl Keys {
    pub fn new(email: &str, address: &str) -> Keys {
        Keys {
            account: format!("account:{email}"),
            address: format!("address:{address}"),
            account_and_address: format!("pair:{address}:{email}"),
        }
    }

    fn with_limits(&self) -> [(&str, Limit); 3] {
        [
            (&self.account_and_address, ACCOUNT_AND_ADDRESS),
            (&self.address, ADDRESS),
            (&self.account, ACCOUNT),
        ]
    }
}

/// Whether an attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Refused: try again in this many seconds.
    Wait(i64),
}

/// Counts an attempt against every counter, or refuses it (counting nothing) when one of them
/// is locked. Atomic: the counters are written in one transaction.
pub async fn begin_attempt(db: &Db, keys: &Keys) -> sqlx::Result<Attempt> {
    begin_counted(db, &keys.with_limits()).await
}

/// "Forgot your password?" requests: 3 an hour for one address, then an hour's wait, so nobody
/// can fill someone's inbox with reset mail.
pub const RESET_PER_ACCOUNT: Limit = Limit {
    free: 3,
    first_wait_secs: 60 * 60,
    max_wait_secs: 60 * 60,
};
/// 10 an hour from one client address, over all accounts.
pub const RESET_PER_CLIENT: Limit = Limit {
    free: 10,
    first_wait_secs: 60 * 60,
    max_wait_secs: 60 * 60,
};

/// Counts a password-reset request for `email` from `address`, or refuses it (counting
/// nothing). Its counters are apart from the sign-in ones: asking for a link does not slow
/// the owner's sign-in, nor does a guesser's sign-in stop the owner from asking.
pub async fn begin_reset_request(db: &Db, email: &str, address: &str) -> sqlx::Result<Attempt> {
    let account = format!("reset-account:{email}");
    let client = format!("reset-address:{address}");
    begin_counted(
        db,
        &[(&account, RESET_PER_ACCOUNT), (&client, RESET_PER_CLIENT)],
    )
    .await
}

/// Counts one try against every `(key, limit)`, or refuses it (counting nothing) when one of
/// them is locked. Atomic: the counters are written in one transaction.
pub async fn begin_counted(db: &Db, counters: &[(&str, Limit)]) -> sqlx::Result<Attempt> {
    let at = now();
    let mut tx = db.pool.begin().await?;
    for &(key, limit) in counters {
        // The first statement writes, so SQLite takes its write lock here and PostgreSQL locks
        // the row: concurrent attempts on one key run one after another.
        let tries = sqlx::query_scalar::<_, i64>(
            "INSERT INTO login_throttle (throttle_key, failures, locked_until, updated_at)
             VALUES ($1, 1, 0, $2)
             ON CONFLICT (throttle_key) DO UPDATE SET
                 failures = CASE WHEN login_throttle.updated_at < $3 THEN 1
                                 ELSE login_throttle.failures + 1 END,
                 updated_at = $2
             WHERE login_throttle.locked_until <= $2
             RETURNING failures",
        )
        .bind(key)
        .bind(at)
        .bind(at - WINDOW_SECS)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(tries) = tries else {
            let until = sqlx::query_scalar::<_, i64>(
                "SELECT locked_until FROM login_throttle WHERE throttle_key = $1",
            )
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
            tx.rollback().await?;
            return Ok(Attempt::Wait((until - at).max(1)));
        };
        let wait = limit.wait_after(tries);
        if wait > 0 {
            sqlx::query("UPDATE login_throttle SET locked_until = $2 WHERE throttle_key = $1")
                .bind(key)
                .bind(at + wait)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Attempt::Allowed)
}

/// After a correct password: the account's counters are cleared, and the address gets its
/// try back (an address's own successes must not lock out an office behind one address).
pub async fn succeeded(db: &Db, keys: &Keys) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1 OR throttle_key = $2")
        .bind(&keys.account)
        .bind(&keys.account_and_address)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1
         WHERE throttle_key = $1 AND failures > 0",
    )
    .bind(&keys.address)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Removes counters nobody has touched for a day and that hold no lock; returns how many.
pub async fn purge_stale(db: &Db) -> sqlx::Result<u64> {
    let at = now();
    let done =
        sqlx::query("DELETE FROM login_throttle WHERE updated_at < $1 AND locked_until < $2")
            .bind(at - STALE_SECS)
            .bind(at)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_at_the_limit() {
        let waits: Vec<i64> = (1..=9).map(|n| ACCOUNT_AND_ADDRESS.wait_after(n)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 2, 4, 8, 16, 32]);
        assert_eq!(ACCOUNT_AND_ADDRESS.wait_after(40), 15 * 60);
        assert_eq!(ACCOUNT.wait_after(29), 0);
        assert_eq!(RESET_PER_ACCOUNT.wait_after(2), 0);
        assert_eq!(
            RESET_PER_ACCOUNT.wait_after(3),
            3600,
            "the third request of the hour locks"
        );
        assert_eq!(RESET_PER_ACCOUNT.wait_after(9), 3600);
        assert_eq!(ACCOUNT.wait_after(30), 2);
        assert_eq!(
            ACCOUNT.wait_after(1_000),
            60,
            "a stranger holds an account for a minute at most"
        );
    }
}
