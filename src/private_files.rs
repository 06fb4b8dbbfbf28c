//! Files only the service's own user may read: the data folder, the SQLite database (which
//! holds password hashes and live session ids) and the secret key.

use std::path::Path;

use anyhow::Context;

/// Creates `dir` (and missing parents) readable by the owner only; an existing folder is left
/// as the operator made it.
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))
}

/// Creates an empty `file` with mode 0600 when it does not exist yet.
pub fn create_file(file: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(file)
        .with_context(|| format!("cannot create {}", file.display()))?;
    Ok(())
}

/// Takes group and other permissions away from `file` if it exists (a database made by an
/// older version, or by SQLite with the process's umask).
pub fn restrict(file: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(file) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))
                    .with_context(|| {
                        format!("cannot restrict the permissions of {}", file.display())
                    })?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// The SQLite database and its companions: SQLite gives the WAL and shared-memory files the
/// database file's own mode, so a 0600 database keeps them private too.
pub fn prepare_sqlite_file(db_file: &Path) -> anyhow::Result<()> {
    if let Some(parent) = db_file.parent() {
        create_dir(parent)?;
    }
    create_file(db_file)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db_file.as_os_str().to_owned();
        name.push(suffix);
        restrict(Path::new(&name))?;
    }
    Ok(())
}
