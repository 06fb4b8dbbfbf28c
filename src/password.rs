//! Password hashing with argon2id, off the async threads because it is deliberately slow, and
//! never more than a few at once: each hash works in about 19 MiB of memory. That memory is
//! allocated once per hashing slot and reused by every hash after it: left to the allocator,
//! freed argon2 buffers stay with the process (glibc raises its mmap threshold after the first
//! free and keeps later buffers in its arenas), which grew the process by 350 MiB over 3,500
//! wrong sign-ins.

use std::sync::{LazyLock, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

/// At most one hash per core (and at most four) runs at a time; the rest wait their turn.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores.clamp(1, 4))
});

/// The working memory of the hashing slots, each made once and lent to one hash at a time.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// A hash of a random password nobody knows, checked when an email is unknown or inactive so
/// that such a sign-in costs the same time as a wrong password for a real account.
static DUMMY_HASH: OnceCell<String> = OnceCell::const_new();

/// Runs `work` with a slot's memory on a thread of its own once a permit is free, then gives
/// the memory back for the next hash.
async fn bounded<T: Send + 'static>(
    work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| anyhow::anyhow!("the password hashing queue is closed"))?;
    let mut memory = MEMORY
        .lock()
        .map_err(|_| anyhow::anyhow!("the password hashing memory is poisoned"))?
        .pop()
        .unwrap_or_default();
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("tmas-password".into())
        .spawn(move || {
            let value = work(&mut memory);
            let _ = done.send((value, memory));
        })?;
    let (value, memory) = result
        .await
        .map_err(|_| anyhow::anyhow!("a password hashing thread failed"))?;
    if let Ok(mut slots) = MEMORY.lock() {
        slots.push(memory);
    }
    Ok(value)
}

/// `memory` grown to `blocks` blocks when it is smaller (once per slot for our own hashes).
fn blocks(memory: &mut Vec<Block>, blocks: usize) -> &mut [Block] {
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    &mut memory[..blocks]
}

/// argon2id with the default parameters (19 MiB, 2 passes), as a PHC string.
fn hash_with(password: &[u8], memory: &mut Vec<Block>) -> anyhow::Result<String> {
    use rand::RngExt;
    let params = Params::default();
    let mut salt = [0_u8; Salt::RECOMMENDED_LENGTH];
    rand::rng().fill(&mut salt[..]);
    let salt = Salt::new(&salt).map_err(|e| anyhow::anyhow!("a password salt: {e}"))?;
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2
        .hash_password_into_with_memory(
            password,
            salt.as_ref(),
            &mut out,
            blocks(memory, params.block_count()),
        )
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("password hash parameters: {e}"))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("a password hash: {e}"))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (any argon2 variant and parameters).
fn verify_with(password: &[u8], stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
        parsed.salt.as_ref(),
        parsed.hash.as_ref(),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut out = vec![0_u8; expected.as_ref().len()];
    let block_count = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2
        .hash_password_into_with_memory(
            password,
            salt.as_ref(),
            &mut out,
            blocks(memory, block_count),
        )
        .is_err()
    {
        return false;
    }
    // Compared in constant time: every byte is looked at whatever the first difference.
    let differences = out
        .iter()
        .zip(expected.as_ref())
        .fold(0_u8, |acc, (a, b)| acc | (a ^ b));
    differences == 0 && out.len() == expected.as_ref().len()
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    bounded(move |memory| hash_with(password.as_bytes(), memory)).await?
}

pub async fn verify(password: String, stored: String) -> bool {
    bounded(move |memory| verify_with(password.as_bytes(), &stored, memory))
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
    fn hashes_are_argon2id_phc_strings_and_old_hashes_still_verify() {
        let mut memory = Vec::new();
        let hashed = hash_with(b"correct-horse-battery-9", &mut memory).unwrap();
        assert!(
            hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hashed}"
        );
        assert!(verify_with(
            b"correct-horse-battery-9",
            &hashed,
            &mut memory
        ));
        assert!(!verify_with(
            b"correct-horse-battery-8",
            &hashed,
            &mut memory
        ));
        assert!(!verify_with(b"x", "not a hash", &mut memory));
        // A hash made by the argon2 crate's own hasher (as stored before) verifies too.
        use argon2::password_hash::PasswordHasher;
        let older = Argon2::default()
            .hash_password(b"correct-horse-battery-9")
            .unwrap()
            .to_string();
        assert!(verify_with(b"correct-horse-battery-9", &older, &mut memory));
        assert!(!verify_with(b"wrong", &older, &mut memory));
        // The same memory served every hash.
        assert_eq!(memory.len(), Params::default().block_count());
    }

    #[test]
    fn temporary_passwords_are_long_and_different() {
        let a = temporary();
        assert_eq!(a.len(), 23);
        assert_ne!(a, temporary());
        assert!(crate::domain::account::NewPassword::parse(&a).is_ok());
    }
}
