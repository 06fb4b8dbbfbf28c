//! Secrets: random tokens, the key file, and AES-256-GCM encryption of Shopify credentials.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngExt;

use crate::db::integrations::SealedCredentials;
use crate::domain::integration::CredentialKind;
use crate::shopify::Credentials;

/// A random token for URLs and forms (256 bits, URL-safe).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(value.as_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the 32-byte key (base64 in the file), creating it with mode 0600 on first start.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    if path.exists() {
        crate::private_files::restrict(path)?;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
        let bytes = STANDARD
            .decode(text.trim())
            .with_context(|| format!("the secret key file {} is not base64", path.display()))?;
        return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            anyhow::anyhow!(
                "the secret key file {} must hold 32 bytes (base64), it holds {}",
                path.display(),
                bytes.len()
            )
        });
    }
    if let Some(parent) = path.parent() {
        crate::private_files::create_dir(parent)?;
    }
    let key: [u8; 32] = rand::rng().random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the secret key file {}", path.display()))?;
    file.write_all(STANDARD.encode(key).as_bytes())?;
    Ok(key)
}

/// Encrypts with a fresh nonce; the result is base64(nonce || ciphertext).
pub fn encrypt(key: &[u8; 32], plaintext: &str) -> anyhow::Result<String> {
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    let nonce_bytes: [u8; 12] = rand::rng().random();
    let nonce = Nonce::from(nonce_bytes);
    let sealed = cipher
        .encrypt(&nonce, plaintext.as_bytes())
        .map_err(|_| anyhow::anyhow!("encryption failed"))?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&sealed);
    Ok(STANDARD.encode(out))
}

pub fn decrypt(key: &[u8; 32], sealed: &str) -> anyhow::Result<String> {
    let bytes = STANDARD
        .decode(sealed)
        .context("stored credentials are not base64")?;
    anyhow::ensure!(bytes.len() > 12, "stored credentials are too short");
    let (nonce, ciphertext) = bytes.split_at(12);
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    let plain = cipher
        .decrypt(
            &Nonce::try_from(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?,
            ciphertext,
        )
        .map_err(|_| {
            anyhow::anyhow!("stored credentials cannot be decrypted with this key file")
        })?;
    String::from_utf8(plain).context("decrypted credentials are not text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = [7u8; 32];
        let sealed = encrypt(&key, "shpat_secret").unwrap();
        assert!(!sealed.contains("shpat_secret"));
        assert_eq!(decrypt(&key, &sealed).unwrap(), "shpat_secret");
        assert!(decrypt(&[8u8; 32], &sealed).is_err());
        assert_ne!(encrypt(&key, "x").unwrap(), encrypt(&key, "x").unwrap());
    }

    #[test]
    fn sealed_credentials_carry_their_kind() {
        let key = [7u8; 32];
        let token = StoredCredentials::AccessToken {
            access_token: "shpat_abcd".into(),
        };
        let client = StoredCredentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: "secret_wxyz".into(),
        };
        let sealed = token.sealed(&key).unwrap();
        assert_eq!(sealed.kind, CredentialKind::AccessToken);
        assert_eq!(sealed.hint, "…abcd");
        assert_eq!(
            StoredCredentials::open(&key, &sealed.sealed).unwrap(),
            token
        );
        let sealed = client.sealed(&key).unwrap();
        assert_eq!(sealed.kind, CredentialKind::ClientCredentials);
        // The stored column and the sealed JSON's tag are the same word.
        assert_eq!(sealed.kind.as_str(), "client_credentials");
        let json = serde_json::to_string(&client).unwrap();
        assert!(json.contains("\"kind\":\"client_credentials\""), "{json}");
    }
}

/// Shopify credentials as stored (encrypted) in `integrations.credentials_enc`.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StoredCredentials {
    AccessToken {
        access_token: String,
    },
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
}

impl std::fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredCredentials(<redacted>)")
    }
}

impl StoredCredentials {
    /// What kind of credentials these are (`credential_kind`).
    pub fn kind(&self) -> CredentialKind {
        match self {
            StoredCredentials::AccessToken { .. } => CredentialKind::AccessToken,
            StoredCredentials::ClientCredentials { .. } => CredentialKind::ClientCredentials,
        }
    }

    /// The last four characters of the secret, the only part ever shown again.
    pub fn hint(&self) -> String {
        let secret = match self {
            StoredCredentials::AccessToken { access_token } => access_token,
            StoredCredentials::ClientCredentials { client_secret, .. } => client_secret,
        };
        let chars: Vec<char> = secret.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("…{tail}")
    }

    pub fn seal(&self, key: &[u8; 32]) -> anyhow::Result<String> {
        encrypt(key, &serde_json::to_string(self)?)
    }

    pub fn open(key: &[u8; 32], sealed: &str) -> anyhow::Result<StoredCredentials> {
        Ok(serde_json::from_str(&decrypt(key, sealed)?)?)
    }

    /// Ready to store: sealed, with their kind and hint.
    pub fn sealed(&self, key: &[u8; 32]) -> anyhow::Result<SealedCredentials> {
        Ok(SealedCredentials {
            kind: self.kind(),
            sealed: self.seal(key)?,
            hint: self.hint(),
        })
    }
}

/// The Shopify client's form of stored credentials.
impl From<StoredCredentials> for Credentials {
    fn from(stored: StoredCredentials) -> Self {
        match stored {
            StoredCredentials::AccessToken { access_token } => {
                Credentials::AccessToken(access_token)
            }
            StoredCredentials::ClientCredentials {
                client_id,
                client_secret,
            } => Credentials::ClientCredentials {
                client_id,
                client_secret,
            },
        }
    }
}
