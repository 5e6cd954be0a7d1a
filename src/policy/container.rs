//! What `container run` and `container create` may give a container of the host.
//!
//! Flags are allowed by the rule's flag list like any command's; this module adds the
//! checks a flag list cannot express: which images, which mounts (named volumes by
//! pattern, bind sources only below allowed host directories, after resolving
//! symlinks), and a few values that are never allowed whatever the policy says
//! (host namespaces, unconfined security options). Each denial says why.

use super::glob::{Glob, listing};
use super::host::{Access, HostView};
use crate::caller::Caller;
use crate::docker::canonical::ForcedFlag;
use crate::docker::mounts::{self, Mount, MountKind};
use crate::docker::parse::{FlagUse, Invocation};
use crate::docker::reference;
use std::path::{Path, PathBuf};

/// Commands that create a container from flags (they share their flag set).
pub const CONTAINER_COMMANDS: &[&str] = &["container run", "container create"];

pub fn creates_container(path: &str) -> bool {
    CONTAINER_COMMANDS.contains(&path)
}

/// The compiled `images` and `mounts` of a run/create rule.
#[derive(Debug, Clone, Default)]
pub struct ContainerRule {
    /// Patterns matched against the normalised reference
    /// (`alpine` → `docker.io/library/alpine:latest`).
    pub images: Vec<Glob>,
    pub mounts: MountRules,
}

#[derive(Debug, Clone, Default)]
pub struct MountRules {
    /// Named volumes whose names match one of these may be mounted; anonymous volumes
    /// are allowed when this is not empty.
    pub volumes: Vec<Glob>,
    /// Host directories below which bind sources may be.
    pub binds: Vec<PathBuf>,
    /// Every bind must be read-only.
    pub binds_read_only: bool,
    /// `--tmpfs` and `--mount type=tmpfs`.
    pub tmpfs: bool,
    /// Volume driver options and drivers (`volume-opt`, `volume-driver`): the local
    /// driver's `o=bind,device=/` is a bind of any host path under another name.
    pub volume_options: bool,
}

/// A value the canonical argv must carry instead of the typed one: a host path
/// resolved to the absolute path that was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub target: RewriteTarget,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewriteTarget {
    /// Index among the command level's flags.
    Flag(usize),
    /// Index among the positionals.
    Positional(usize),
}

impl Rewrite {
    /// Applies rewrites to a copy of the invocation.
    pub fn apply(invocation: &Invocation, rewrites: &[Rewrite]) -> Invocation {
        let mut out = invocation.clone();
        let last = out.levels.len() - 1;
        for rewrite in rewrites {
            match rewrite.target {
                RewriteTarget::Flag(i) => out.levels[last].flags[i].value = rewrite.value.clone(),
                RewriteTarget::Positional(i) => out.positionals[i] = rewrite.value.clone(),
            }
        }
        out
    }
}

/// Values no policy can allow, checked for every run/create whatever the rule says.
pub fn never_allowed(flags: &[FlagUse]) -> Vec<String> {
    let mut reasons = Vec::new();
    for flag in flags {
        let long = flag.spec.long;
        let value = flag.value.as_str();
        match long {
            "pid" | "ipc" | "uts" | "userns" | "cgroupns"
                if value == "host" || value.starts_with("container:") =>
            {
                reasons.push(format!(
                    "--{long}={value} shares a namespace with the host or another container"
                ));
            }
            "network" | "net" => {
                let shares = value.split(',').any(|field| {
                    let name = field.strip_prefix("name=").unwrap_or(field);
                    name == "host" || name.starts_with("container:")
                });
                if shares {
                    reasons.push(format!(
                        "--{long}={value} shares a network namespace with the host or another container"
                    ));
                }
            }
            "security-opt" => {
                if let Some(why) = forbidden_security_opt(value) {
                    reasons.push(format!("--security-opt={value} {why}"));
                }
            }
            "gpus" => {
                let driver = value
                    .split(',')
                    .find_map(|field| field.trim_matches('"').strip_prefix("driver="));
                if let Some(driver) = driver.filter(|d| *d != "nvidia") {
                    reasons.push(format!(
                        "--gpus with driver={driver} is refused: CDI and other device drivers inject host devices, mounts and hooks"
                    ));
                }
            }
            "annotation" => {
                let key = value.split_once('=').map_or(value, |(k, _)| k);
                if RUNTIME_ANNOTATIONS.iter().any(|p| key.starts_with(p)) {
                    reasons.push(format!(
                        "--annotation {key} is read by the OCI runtime or systemd as configuration"
                    ));
                }
            }
            "label" => {
                let key = value.split_once('=').map_or(value, |(k, _)| k);
                if key.starts_with("com.docker.") {
                    reasons.push(format!(
                        "--label {key}: com.docker.* labels belong to docker and compose (a compose project label puts the container in another project)"
                    ));
                }
            }
            _ => {}
        }
    }
    reasons
}

/// Annotation prefixes that runtimes interpret (crun's `run.oci.*` loads plugins and
/// writes files as root; runc's systemd driver reads `org.systemd.property.*`;
/// nvidia-container-runtime injects CDI devices named in `cdi.k8s.io/*`; kata and
/// gVisor read their own).
const RUNTIME_ANNOTATIONS: &[&str] = &[
    "run.oci.",
    "org.systemd.",
    "io.containerd.",
    "io.kubernetes.",
    "cdi.k8s.io/",
    "io.katacontainers.",
    "dev.gvisor.",
];

/// docker reads `key=value` and the older `key:value`.
fn forbidden_security_opt(value: &str) -> Option<&'static str> {
    let (key, val) = value
        .split_once('=')
        .or_else(|| value.split_once(':'))
        .unwrap_or((value, ""));
    match key {
        "seccomp" => Some(if val == "unconfined" {
            "turns off the system call filter"
        } else {
            "reads a seccomp profile from a host file as root"
        }),
        "apparmor" if val != "docker-default" => {
            Some("chooses another AppArmor profile than docker-default (or none)")
        }
        "label" => Some("changes or disables the SELinux label of the container"),
        "systempaths" if val == "unconfined" => Some("exposes /proc and /sys paths docker masks"),
        "writable-cgroups" => Some("lets the container rewrite its own cgroup limits"),
        _ => None,
    }
}

/// Checks the image and the mounts of a run/create invocation against the rule.
/// Returns the reasons to deny and the rewrites for allowed bind sources.
pub fn check(
    rule: &ContainerRule,
    invocation: &Invocation,
    host: &dyn HostView,
    caller: &Caller,
    forced: &[ForcedFlag],
) -> (Vec<String>, Vec<Rewrite>) {
    let mut reasons = Vec::new();
    let mut rewrites = Vec::new();
    let mut binds = false;
    match invocation.positionals.first() {
        None => reasons.push("no image given".to_string()),
        Some(image) => {
            if let Some(why) = image_reason(&rule.images, image, &caller.user) {
                reasons.push(why);
            }
        }
    }
    for (index, flag) in invocation.command_flags().iter().enumerate() {
        let parsed = match flag.spec.long {
            "volume" => mounts::parse_volume_flag(&flag.value),
            "mount" => mounts::parse_mount_flag(&flag.value),
            "tmpfs" => mounts::parse_tmpfs_flag(&flag.value),
            _ => continue,
        };
        let mount = match parsed {
            Ok(mount) => mount,
            Err(e) => {
                reasons.push(e.to_string());
                continue;
            }
        };
        let spelled = format!("--{}={}", flag.spec.long, flag.value);
        match mount_verdict(&rule.mounts, &mount, host, &caller.user) {
            Err(why) => reasons.push(format!("{spelled}: {why}")),
            Ok(None) => {}
            Ok(Some(resolved)) => {
                binds = true;
                match rewrite_source(flag, &mount, &resolved) {
                    Some(value) if value != flag.value => rewrites.push(Rewrite {
                        target: RewriteTarget::Flag(index),
                        value,
                    }),
                    Some(_) => {}
                    None => reasons.push(format!(
                        "{spelled}: the bind source cannot be rewritten to its resolved path {}",
                        resolved.display()
                    )),
                }
            }
        }
    }
    if binds && let Some(why) = bind_user_reason(invocation, forced, caller, host) {
        reasons.push(why);
    }
    (reasons, rewrites)
}

/// A bind hands host files to whoever runs in the container, with docker's root
/// behind it: root in the container reads the whole tree below a read-only bind
/// (files the caller cannot read), and any user other than the caller (another uid,
/// or a group the caller is not in: an owner may set setgid on its own files without
/// privilege) could leave a setuid or setgid program or a device node in a writable
/// bind for the caller to run on the host. So a bind needs the container to run as
/// the caller: numeric `--user UID:GID` with the caller's uid and one of its groups,
/// no added groups, and no-new-privileges in effect (a setuid program in the image
/// would otherwise regain root). Then the kernel applies the caller's own
/// permissions, ACLs included, to everything the container touches in the bind.
fn bind_user_reason(
    invocation: &Invocation,
    forced: &[ForcedFlag],
    caller: &Caller,
    host: &dyn HostView,
) -> Option<String> {
    let typed = invocation
        .command_flags()
        .iter()
        .map(|f| (f.spec.long, f.value.as_str()));
    let given: Vec<(&str, &str)> = typed
        .chain(forced.iter().map(|f| (f.long, f.value.as_str())))
        .collect();
    // docker keeps the last --user; forced flags come last in the canonical argv.
    let user = given
        .iter()
        .rev()
        .find(|(long, _)| *long == "user")
        .map(|(_, v)| *v);
    let runs_as_caller = user.is_some_and(|u| {
        let Some((uid, gid)) = u.split_once(':') else {
            return false; // without a gid docker may pick group 0
        };
        let (Ok(uid), Ok(gid)) = (uid.parse::<u32>(), gid.parse::<u32>()) else {
            return false;
        };
        uid == caller.uid && (caller.uid == 0 || (gid != 0 && host.caller_in_group(gid)))
    });
    let groups_added = given.iter().any(|(long, _)| *long == "group-add");
    // The daemon reads security options in order and the last no-new-privileges
    // wins (typed ones first, forced ones after them in the canonical argv).
    let no_new_privileges = given
        .iter()
        .filter(|(long, _)| *long == "security-opt")
        .filter_map(|(_, v)| no_new_privileges_value(v))
        .next_back()
        .unwrap_or(false);
    if runs_as_caller && !groups_added && no_new_privileges {
        return None;
    }
    Some(format!(
        "a bind mount needs the container to run as you: --user {}:GID with one of your \
         groups (numbers), no --group-add and no-new-privileges; any other user in the \
         container could read what you cannot, or leave setuid programs or device nodes \
         there for you",
        caller.uid
    ))
}

/// The value a `--security-opt` gives no-new-privileges, if it names it:
/// `no-new-privileges` alone is true, else the value as Go's `ParseBool` reads it
/// (an unreadable value counts as false: docker would refuse it anyway).
fn no_new_privileges_value(opt: &str) -> Option<bool> {
    let (key, value) = opt
        .split_once('=')
        .or_else(|| opt.split_once(':'))
        .unwrap_or((opt, "true"));
    (key == "no-new-privileges")
        .then(|| crate::docker::parse::parse_go_bool(value).unwrap_or(false))
}

fn image_reason(patterns: &[Glob], image: &str, user: &str) -> Option<String> {
    let listing = format!("allowed images: {}", listing(patterns, "none"));
    match reference::normalize(image) {
        Ok(reference) => {
            let canonical = reference.canonical();
            (!patterns.iter().any(|p| p.matches_for(&canonical, user)))
                .then(|| format!("image {canonical} is not allowed ({listing})"))
        }
        // An ID names whatever local image has it: only "any image" covers it.
        Err(reference::RefError::LooksLikeId(_))
            if patterns.iter().any(Glob::matches_everything) =>
        {
            None
        }
        Err(e) => Some(format!("image {image:?}: {e}")),
    }
}

/// `Ok(Some(path))` for an allowed bind (with its resolved source), `Ok(None)` for
/// another allowed mount, `Err(why)` when not allowed.
fn mount_verdict(
    rules: &MountRules,
    mount: &Mount,
    host: &dyn HostView,
    user: &str,
) -> Result<Option<PathBuf>, String> {
    match mount.kind {
        MountKind::Volume => {
            let has_driver_options = mount.volume_driver.is_some() || !mount.volume_opts.is_empty();
            if has_driver_options && !rules.volume_options {
                return Err("volume drivers and driver options are not allowed (the local driver's o=bind,device=PATH binds any host path)".into());
            }
            if rules.volumes.is_empty() {
                return Err("the policy allows no volumes".into());
            }
            if mount.source_relative {
                return Err("a volume name starting with '.' is a path relative to docker's working directory; name the volume".into());
            }
            match &mount.source {
                None => Ok(None), // anonymous volume
                Some(name) if rules.volumes.iter().any(|p| p.matches_for(name, user)) => Ok(None),
                Some(name) => Err(format!(
                    "volume {name:?} is not allowed (allowed volumes: {})",
                    listing(&rules.volumes, "none")
                )),
            }
        }
        MountKind::Bind => {
            let typed = mount.source.as_deref().unwrap_or_default();
            if rules.binds.is_empty() {
                return Err(
                    "the policy allows no bind mounts of host paths; use a named volume".into(),
                );
            }
            let source = host.bind_source(typed);
            if let Some(problem) = source.problem {
                return Err(format!(
                    "bind source {}: {problem}",
                    source.resolved.display()
                ));
            }
            if !rules
                .binds
                .iter()
                .any(|root| super::paths::is_within(&source.resolved, root))
            {
                let roots: Vec<String> = rules
                    .binds
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect();
                return Err(format!(
                    "bind source {} is outside the allowed host directories ({})",
                    source.resolved.display(),
                    roots.join(", ")
                ));
            }
            if matches!(mount.propagation.as_deref(), Some("shared" | "rshared")) {
                return Err("shared bind propagation lets mounts reach back into the host".into());
            }
            if rules.binds_read_only && !mount.readonly {
                return Err(
                    "bind mounts must be read-only here: add :ro (or readonly to --mount)".into(),
                );
            }
            // docker mounts as root: the caller gets no access it does not have itself.
            if !source.resolved.exists() {
                return Err(format!(
                    "bind source {} does not exist (docker would create it as root); create it first",
                    source.resolved.display()
                ));
            }
            if !host.caller_may(&source.resolved, Access::Read) {
                return Err(format!("you cannot read {}", source.resolved.display()));
            }
            if !mount.readonly && !host.caller_may(&source.resolved, Access::Write) {
                return Err(format!(
                    "you cannot write {}: bind it read-only (:ro)",
                    source.resolved.display()
                ));
            }
            Ok(Some(source.resolved))
        }
        MountKind::Tmpfs if rules.tmpfs => Ok(None),
        MountKind::Tmpfs => Err("the policy allows no tmpfs mounts".into()),
        other => Err(format!("{} mounts are not allowed", other.as_str())),
    }
}

/// The flag value with the bind source replaced by its resolved absolute path, or
/// None when the value cannot be rewritten safely.
fn rewrite_source(flag: &FlagUse, mount: &Mount, resolved: &Path) -> Option<String> {
    let typed = mount.source.as_deref()?;
    let resolved = resolved.to_str()?;
    if resolved.contains([',', ':', '"']) || resolved.chars().any(char::is_control) {
        return None; // would change how docker splits the value
    }
    match flag.spec.long {
        // `-v SRC:DST[:OPTS]`: the source is everything before the first ':'.
        "volume" => {
            let rest = flag.value.strip_prefix(typed)?;
            rest.starts_with(':').then(|| format!("{resolved}{rest}"))
        }
        // `--mount k=v,...`: replace the one source field (docker: last key wins, and
        // the parser already refused quotes and odd forms it could not read).
        "mount" => {
            if flag.value.contains('"') {
                return None;
            }
            let fields: Vec<String> = flag
                .value
                .split(',')
                .map(|field| match field.split_once('=') {
                    Some((key, _))
                        if key.eq_ignore_ascii_case("source")
                            || key.eq_ignore_ascii_case("src") =>
                    {
                        format!("{key}={resolved}")
                    }
                    _ => field.to_string(),
                })
                .collect();
            Some(fields.join(","))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::parse::parse;

    fn refused(args: &[&str]) -> Vec<String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        never_allowed(parse(&args).unwrap().command_flags())
    }

    #[test]
    fn values_no_policy_can_allow() {
        for (flags, why) in [
            (&["--pid=host"][..], "shares a namespace"),
            (&["--ipc", "container:x"], "shares a namespace"),
            (&["--net", "name=host"], "shares a network namespace"),
            (
                &["--network=container:x,alias=y"],
                "shares a network namespace",
            ),
            (
                &["--security-opt", "seccomp:unconfined"],
                "system call filter",
            ),
            (
                &["--security-opt=seccomp=/etc/shadow"],
                "reads a seccomp profile",
            ),
            (
                &["--security-opt", "apparmor=weak"],
                "another AppArmor profile",
            ),
            (&["--security-opt", "label=disable"], "SELinux label"),
            (
                &["--security-opt", "systempaths=unconfined"],
                "/proc and /sys",
            ),
            (
                &["--security-opt", "writable-cgroups=true"],
                "cgroup limits",
            ),
            (
                &["--gpus", "driver=cdi,device=x/y=z"],
                "CDI and other device drivers",
            ),
            (
                &["--gpus=\"driver=cdi,device=x\""],
                "CDI and other device drivers",
            ),
            (
                &["--annotation", "run.oci.hooks.stdout=/etc/x"],
                "OCI runtime",
            ),
            (&["--annotation", "cdi.k8s.io/x=y"], "OCI runtime"),
            (
                &["--label", "com.docker.compose.project=p"],
                "belong to docker and compose",
            ),
        ] {
            let mut args = vec!["run"];
            args.extend_from_slice(flags);
            args.push("img");
            let reasons = refused(&args);
            assert!(
                reasons.iter().any(|r| r.contains(why)),
                "{flags:?}: {reasons:?}"
            );
        }
    }

    #[test]
    fn ordinary_values_pass() {
        for flags in [
            &["--pid=private"][..],
            &["--network", "bridge"],
            &["--security-opt", "no-new-privileges"],
            &["--security-opt", "apparmor=docker-default"],
            &["--gpus", "all"],
            &["--gpus", "driver=nvidia,count=1"],
            &["--annotation", "org.example/x=y"],
            &["--label", "team=ml"],
        ] {
            let mut args = vec!["run"];
            args.extend_from_slice(flags);
            args.push("img");
            assert_eq!(refused(&args), Vec::<String>::new(), "{flags:?}");
        }
    }

    #[test]
    fn no_new_privileges_is_read_as_the_daemon_reads_it() {
        assert_eq!(no_new_privileges_value("no-new-privileges"), Some(true));
        assert_eq!(
            no_new_privileges_value("no-new-privileges=true"),
            Some(true)
        );
        assert_eq!(no_new_privileges_value("no-new-privileges:1"), Some(true));
        assert_eq!(
            no_new_privileges_value("no-new-privileges=false"),
            Some(false)
        );
        assert_eq!(
            no_new_privileges_value("no-new-privileges=yes"),
            Some(false)
        );
        assert_eq!(no_new_privileges_value("seccomp=x"), None);
    }

    #[test]
    fn rewritten_sources_never_change_how_docker_splits_the_value() {
        let args: Vec<String> = ["run", "-v", "./x:/d", "--mount", "src=./x,dst=/d", "img"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let invocation = parse(&args).unwrap();
        let flags = invocation.command_flags();
        let volume = mounts::parse_volume_flag(&flags[0].value).unwrap();
        let mount = mounts::parse_mount_flag(&flags[1].value).unwrap();
        for bad in ["/srv/a:b", "/srv/a,b", "/srv/a\nb", "/srv/\"a"] {
            assert_eq!(
                rewrite_source(&flags[0], &volume, Path::new(bad)),
                None,
                "{bad:?}"
            );
            assert_eq!(
                rewrite_source(&flags[1], &mount, Path::new(bad)),
                None,
                "{bad:?}"
            );
        }
        assert_eq!(
            rewrite_source(&flags[0], &volume, Path::new("/srv/a")).as_deref(),
            Some("/srv/a:/d")
        );
        assert_eq!(
            rewrite_source(&flags[1], &mount, Path::new("/srv/a")).as_deref(),
            Some("src=/srv/a,dst=/d")
        );
    }
}
