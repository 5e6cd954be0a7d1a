//! Ownership and mode checks on the files docker-guard trusts: the policy, the docker
//! binary, docker's config directory.
//!
//! A file is trusted when root owns it and no one else can write it, and the same
//! holds for every directory on its resolved path, so nobody but root can replace it.
//! One exception, needed for NixOS's `/nix/store` (root:nixbld, mode 1775): a
//! root-owned sticky directory may be group/world-writable, since its other writers
//! cannot rename or remove entries that root owns.

use crate::error::Error;
use nix::fcntl::OFlag;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

const GROUP_OR_OTHER_WRITE: u32 = 0o022;
const STICKY: u32 = 0o1000;

/// Opens a trusted regular file and checks, on the opened descriptor, that it is the
/// file that was checked.
pub fn open_trusted_file(path: &Path) -> Result<File, Error> {
    let resolved = check_trusted_path(path)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits())
        .open(&resolved)
        .map_err(|e| insecure(path, format!("cannot open {}: {e}", resolved.display())))?;
    let meta = file
        .metadata()
        .map_err(|e| insecure(path, format!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(insecure(path, "is not a regular file".into()));
    }
    check_owner_and_mode(path, &resolved, meta.uid(), meta.mode(), false)?;
    Ok(file)
}

/// Checks a binary docker-guard will execute and returns its resolved path, which is
/// what must be executed (no symlink in between can change after the check).
pub fn check_trusted_binary(path: &Path) -> Result<PathBuf, Error> {
    let resolved = check_trusted_path(path)?;
    let meta =
        std::fs::metadata(&resolved).map_err(|e| insecure(path, format!("cannot stat: {e}")))?;
    if !meta.is_file() || meta.mode() & 0o111 == 0 {
        return Err(insecure(path, "is not an executable file".into()));
    }
    Ok(resolved)
}

/// Checks a directory docker will read code or settings from (DOCKER_CONFIG). It may
/// not exist yet; then its nearest existing ancestor must be trusted, so that only
/// root can create it.
pub fn check_trusted_dir(path: &Path) -> Result<(), Error> {
    if !path.is_absolute() {
        return Err(insecure(path, "is not an absolute path".into()));
    }
    let mut existing = path;
    while std::fs::symlink_metadata(existing).is_err() {
        existing = match existing.parent() {
            Some(parent) => parent,
            None => return Err(insecure(path, "has no existing ancestor".into())),
        };
    }
    check_trusted_path(existing).map(|_| ())
}

/// Checks docker's config directory and what docker loads from it: `config.json`
/// (aliases, hooks, credential helpers) and every CLI plugin. The directory may not
/// exist yet (then only root can create it); whatever exists must be root's alone.
pub fn check_docker_config(dir: &Path) -> Result<(), Error> {
    check_trusted_dir(dir)?;
    let config = dir.join("config.json");
    if std::fs::symlink_metadata(&config).is_ok() {
        check_trusted_path(&config)?;
    }
    let plugins = dir.join("cli-plugins");
    if std::fs::symlink_metadata(&plugins).is_ok() {
        check_trusted_path(&plugins)?;
        let entries = std::fs::read_dir(&plugins)
            .map_err(|e| insecure(&plugins, format!("cannot be listed: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| insecure(&plugins, format!("cannot be listed: {e}")))?;
            check_trusted_path(&entry.path())?;
        }
    }
    Ok(())
}

/// Resolves symlinks and checks the result and each of its ancestors.
fn check_trusted_path(path: &Path) -> Result<PathBuf, Error> {
    let resolved = std::fs::canonicalize(path)
        .map_err(|e| insecure(path, format!("cannot be resolved: {e}")))?;
    for component in resolved.ancestors() {
        let meta = std::fs::symlink_metadata(component)
            .map_err(|e| insecure(path, format!("cannot stat {}: {e}", component.display())))?;
        let is_leaf = component == resolved.as_path();
        check_owner_and_mode(
            path,
            component,
            meta.uid(),
            meta.mode(),
            meta.is_dir() && !is_leaf,
        )?;
    }
    Ok(resolved)
}

fn check_owner_and_mode(
    original: &Path,
    checked: &Path,
    uid: u32,
    mode: u32,
    sticky_dir_allowed: bool,
) -> Result<(), Error> {
    let which = if checked == original {
        String::new()
    } else {
        format!(" (at {})", checked.display())
    };
    if uid != 0 {
        return Err(insecure(
            original,
            format!("is owned by uid {uid}, not root{which}"),
        ));
    }
    let writable_by_others = mode & GROUP_OR_OTHER_WRITE != 0;
    let sticky = mode & STICKY != 0;
    if writable_by_others && !(sticky_dir_allowed && sticky) {
        return Err(insecure(
            original,
            format!(
                "is writable by group or others (mode {:o}){which}",
                mode & 0o7777
            ),
        ));
    }
    Ok(())
}

fn insecure(path: &Path, why: String) -> Error {
    Error::Config(format!("{}: refused: {why}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn running_as_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn root_owned_private_file_is_trusted_and_writable_one_is_not() {
        if !running_as_root() {
            eprintln!("skipped: ownership checks need root");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_trusted_file(&file).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        let err = open_trusted_file(&file).unwrap_err().to_string();
        assert!(
            err.contains("writable by group or others (mode 664)"),
            "{err}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = open_trusted_file(&file).unwrap_err().to_string();
        assert!(err.contains("mode 777") && err.contains("(at "), "{err}");
        // Sticky and root-owned, like /tmp or /nix/store: fine for root's entries.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        open_trusted_file(&file).unwrap();
    }

    #[test]
    fn a_file_not_owned_by_root_is_refused() {
        if !running_as_root() {
            eprintln!("skipped: chown needs root");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        std::fs::write(&file, "x").unwrap();
        nix::unistd::chown(&file, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
        let err = open_trusted_file(&file).unwrap_err().to_string();
        assert!(err.contains("owned by uid 65534, not root"), "{err}");
    }

    #[test]
    fn what_docker_loads_from_its_config_dir_must_be_roots_alone() {
        if !running_as_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        check_docker_config(dir.path()).unwrap();
        let plugins = dir.path().join("cli-plugins");
        std::fs::create_dir(&plugins).unwrap();
        std::fs::set_permissions(&plugins, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plugin = plugins.join("docker-compose");
        std::fs::write(&plugin, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_docker_config(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("docker-compose: refused: is writable by group or others"),
            "{err}"
        );
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, "{}").unwrap();
        nix::unistd::chown(&config, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
        let err = check_docker_config(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("config.json: refused: is owned by uid 65534"),
            "{err}"
        );
    }

    #[test]
    fn missing_config_dir_needs_a_trusted_ancestor() {
        if !running_as_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        check_trusted_dir(&dir.path().join("not/yet")).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_trusted_dir(&dir.path().join("not/yet"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("writable by group or others"), "{err}");
    }
}
