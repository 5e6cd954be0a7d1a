//! Who is asking: the account sudo (or doas) ran docker-guard for.
//!
//! Under sudo the real uid is root and sudo itself sets `SUDO_UID`/`SUDO_USER`; the
//! caller cannot set them (docker-guard must never be granted `SETENV`). Any
//! disagreement between those variables and the user database fails closed. When
//! docker-guard runs without root, the caller is simply the real user.

use crate::error::Error;
use nix::unistd::{Gid, Group, Uid, User, getgrouplist, getuid};
use std::ffi::CString;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub uid: u32,
    /// Names of the user's groups (primary and supplementary), from the group database.
    pub groups: Vec<String>,
}

/// What the process environment says about the invoking user.
#[derive(Debug, Default, Clone)]
pub struct Claims {
    pub sudo_user: Option<String>,
    pub sudo_uid: Option<String>,
    pub doas_user: Option<String>,
}

impl Claims {
    pub fn from_env() -> Claims {
        let get = |name| std::env::var(name).ok();
        Claims {
            sudo_user: get("SUDO_USER"),
            sudo_uid: get("SUDO_UID"),
            doas_user: get("DOAS_USER"),
        }
    }
}

pub fn identify() -> Result<Caller, Error> {
    identify_from(getuid(), &Claims::from_env())
}

pub fn identify_from(real_uid: Uid, claims: &Claims) -> Result<Caller, Error> {
    let sudo_claimed = claims.sudo_user.is_some() || claims.sudo_uid.is_some();
    let user = if !real_uid.is_root() {
        lookup_uid(real_uid)?
    } else if sudo_claimed && claims.doas_user.is_some() {
        // doas always sets DOAS_USER itself; SUDO_* next to it came from the caller
        // (doas with keepenv), and the other way round under sudo.
        return Err(unidentified(
            "both SUDO_USER/SUDO_UID and DOAS_USER are set".into(),
        ));
    } else if let Some(name) = &claims.doas_user {
        lookup_name(name)?
    } else if sudo_claimed {
        from_sudo(claims)?
    } else {
        lookup_uid(real_uid)?
    };
    let groups = group_names(&user)?;
    Ok(Caller {
        user: user.name,
        uid: user.uid.as_raw(),
        groups,
    })
}

/// A named user, for admins asking "what may this user do?".
pub fn lookup_user(name: &str) -> Result<Caller, Error> {
    let user = lookup_name(name)?;
    let groups = group_names(&user)?;
    Ok(Caller {
        user: user.name,
        uid: user.uid.as_raw(),
        groups,
    })
}

fn from_sudo(claims: &Claims) -> Result<User, Error> {
    let (Some(name), Some(uid)) = (&claims.sudo_user, &claims.sudo_uid) else {
        return Err(unidentified(
            "only one of SUDO_USER and SUDO_UID is set".into(),
        ));
    };
    let uid: u32 = uid
        .parse()
        .map_err(|_| unidentified(format!("SUDO_UID={uid:?} is not a number")))?;
    let user = lookup_name(name)?;
    if user.uid.as_raw() != uid {
        return Err(unidentified(format!(
            "SUDO_USER={name} has uid {} but SUDO_UID={uid}",
            user.uid
        )));
    }
    Ok(user)
}

fn lookup_uid(uid: Uid) -> Result<User, Error> {
    User::from_uid(uid)
        .map_err(|e| unidentified(format!("cannot read the user database: {e}")))?
        .ok_or_else(|| unidentified(format!("uid {uid} has no entry in the user database")))
}

fn lookup_name(name: &str) -> Result<User, Error> {
    User::from_name(name)
        .map_err(|e| unidentified(format!("cannot read the user database: {e}")))?
        .ok_or_else(|| unidentified(format!("user {name:?} has no entry in the user database")))
}

fn group_names(user: &User) -> Result<Vec<String>, Error> {
    let cname = CString::new(user.name.as_bytes())
        .map_err(|_| unidentified(format!("user name {:?} contains NUL", user.name)))?;
    let gids: Vec<Gid> = getgrouplist(&cname, user.gid)
        .map_err(|e| unidentified(format!("cannot list the groups of {}: {e}", user.name)))?;
    let mut names = Vec::new();
    for gid in gids {
        if let Ok(Some(group)) = Group::from_gid(gid)
            && !names.contains(&group.name)
        {
            names.push(group.name);
        }
    }
    Ok(names)
}

fn unidentified(why: String) -> Error {
    Error::Denied(format!("cannot tell who the caller is: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(user: Option<&str>, uid: Option<&str>, doas: Option<&str>) -> Claims {
        Claims {
            sudo_user: user.map(str::to_string),
            sudo_uid: uid.map(str::to_string),
            doas_user: doas.map(str::to_string),
        }
    }

    #[test]
    fn sudo_variables_must_agree_with_the_user_database() {
        let root = Uid::from_raw(0);
        let ok = identify_from(root, &claims(Some("root"), Some("0"), None)).unwrap();
        assert_eq!((ok.user.as_str(), ok.uid), ("root", 0));
        assert!(ok.groups.contains(&"root".to_string()));
        let err = identify_from(root, &claims(Some("root"), Some("12345"), None)).unwrap_err();
        assert!(
            err.to_string().contains("has uid 0 but SUDO_UID=12345"),
            "{err}"
        );
        let err = identify_from(root, &claims(Some("root"), None, None)).unwrap_err();
        assert!(err.to_string().contains("only one of"), "{err}");
        let err =
            identify_from(root, &claims(Some("no-such-user-x"), Some("1"), None)).unwrap_err();
        assert!(err.to_string().contains("no entry"), "{err}");
    }

    #[test]
    fn sudo_and_doas_claims_together_are_refused() {
        let root = Uid::from_raw(0);
        let err =
            identify_from(root, &claims(Some("root"), Some("0"), Some("nobody"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("both SUDO_USER/SUDO_UID and DOAS_USER"),
            "{err}"
        );
        let ok = identify_from(root, &claims(None, None, Some("root"))).unwrap();
        assert_eq!(ok.user, "root");
    }

    #[test]
    fn without_root_the_environment_is_ignored() {
        // uid 65534 (nobody) claiming to be root through SUDO_* stays nobody.
        let nobody = Uid::from_raw(65534);
        if let Ok(Some(_)) = User::from_uid(nobody) {
            let c = identify_from(nobody, &claims(Some("root"), Some("0"), None)).unwrap();
            assert_eq!(c.uid, 65534);
        }
    }
}
