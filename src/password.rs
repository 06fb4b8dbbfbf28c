//! Password hashing with argon2id, off the async threads because it is deliberately slow, and
//! never more than a few at once: each hash takes about 19 MiB, so unbounded concurrent
//! sign-ins would grow the process by hundreds of MiB.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::{OnceCell, Semaphore};

/// At most one hash per core (and at most four) runs at a time; the rest wait their turn.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores.clamp(1, 4))
});

/// A hash of a random password nobody knows, checked when an email is unknown or inactive so
/// that such a sign-in costs the same time as a wrong password for a real account.
static DUMMY_HASH: OnceCell<String> = OnceCell::const_new();

/// Runs `work` on a thread of its own once a permit is free. A fresh thread per hash, not a
/// long-lived pool: glibc keeps the argon2 blocks a long-lived thread freed and grows by about
/// 19 MiB with every hash on it (measured: +150 MiB after eight), whereas an ended thread's
/// memory is reused by the next one, so the process stays within permits × 19 MiB.
async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| anyhow::anyhow!("the password hashing queue is closed"))?;
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("tmas-password".into())
        .spawn(move || {
            let _ = done.send(work());
        })?;
    result
        .await
        .map_err(|_| anyhow::anyhow!("a password hashing thread failed"))
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    bounded(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
    })
    .await?
}

pub async fn verify(password: String, stored: String) -> bool {
    bounded(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Checks `password` against `stored` when there is an account to check, else against a
/// dummy hash, and answers false: unknown emails take as long as known ones.
pub async fn verify_or_waste(password: String, stored: Option<String>) -> bool {
    match stored {
        Some(stored) => verify(password, stored).await,
        None => {
            if let Ok(dummy) = dummy_hash().await {
                let _ = verify(password, dummy.clone()).await;
            }
            false
        }
    }
}

/// Computes the dummy hash ahead of the first sign-in (at start-up), so that first unknown
/// email does not take twice as long.
pub async fn dummy_hash() -> anyhow::Result<&'static String> {
    DUMMY_HASH
        .get_or_try_init(|| hash(crate::crypto::random_token()))
        .await
}

/// Replaces a user's password with a new temporary one, ends their sessions and makes them
/// choose their own at the next sign-in; returns the temporary password, to be shown once.
pub async fn reset_to_temporary(db: &crate::db::Db, user_id: i64) -> anyhow::Result<String> {
    let temporary = temporary();
    let hashed = hash(temporary.clone()).await?;
    crate::db::users::set_password(db, user_id, &hashed, true).await?;
    Ok(temporary)
}

/// A temporary password handed to a user once (by an admin or an operator): 20 characters
/// from an alphabet without look-alikes, about 115 bits, grouped to be read out.
pub fn temporary() -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY345679";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_fail() {
        let hashed = hash("correct-horse-battery-9".into()).await.unwrap();
        assert!(verify("correct-horse-battery-9".into(), hashed.clone()).await);
        assert!(!verify("wrong".into(), hashed).await);
        assert!(!verify_or_waste("anything".into(), None).await);
    }

    #[test]
    fn temporary_passwords_are_long_and_different() {
        let a = temporary();
        assert_eq!(a.len(), 23);
        assert_ne!(a, temporary());
        assert!(crate::domain::account::NewPassword::parse(&a).is_ok());
    }
}
