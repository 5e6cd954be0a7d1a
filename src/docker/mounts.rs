//! `-v/--volume`, `--mount` and `--tmpfs` values, read as docker 28.2.2 reads them on
//! Linux: first the CLI (docker/cli v28.2.2), then the daemon (moby v28.2.2), since
//! what the daemon does with the value is what reaches the host.
//!
//! `-v SPEC` (cli `cli/command/container/opts.go` + `cli/compose/loader/volume.go`,
//! moby `volume/mounts/linux_parser.go` `ParseMountRaw`):
//! - The CLI first runs `loader.ParseVolume`. A spec without a source (no ':', or a
//!   spec of 1 or 2 bytes, or a Windows drive like `c:/x` at the start) is an
//!   anonymous volume whose target is the whole spec. Everything else goes to the
//!   daemon as a "bind" string.
//! - Before sending, the CLI joins a host part (text before the first ':') that starts
//!   with '.' onto its working directory: `.`, `./x`, `../x`, `.x`, `...` are relative
//!   bind sources. Nothing else is: `~/x` and `x/y` are never expanded or joined.
//! - The daemon splits on ':' (at most 3 parts) and makes a *bind* exactly when the
//!   source starts with '/'; any other source is a *volume name* (`~/x`, `x/y`,
//!   `\etc`), which the local driver then refuses as a name but a plugin may take.
//! - Mode options: `ro`/`rw`, `z`/`Z`, one propagation, `nocopy`, one of
//!   `consistent|cached|delegated`; at most one of each kind, comma separated.
//!   Propagation on a volume and `nocopy` on a bind are errors in the daemon.
//! - A missing bind source is *created* by the daemon (as root), following symlinks.
//!
//! `--mount CSV` (cli `opts/mount.go`, moby `ParseMountSpec`):
//! - One CSV record (Go encoding/csv: `"…"` quoting with `""` for a quote; a quote
//!   inside an unquoted field is an error). A value with a line break is refused
//!   here although docker reads its first record only and drops the rest silently.
//! - Keys are case-insensitive; a repeated key overwrites the earlier one (last wins,
//!   `volume-opt`/`volume-label` per inner key); `type` defaults to `volume`.
//! - A `source` starting with '.' is joined onto the CLI's working directory for every
//!   type. A bind source must exist (no `bind-create-host-path` key in 28.2.2).
//!
//! Sources are returned as written. For a bind, the daemon mounts `path.Clean` of the
//! source (after the CLI's join), so `/etc/../` is `/`: use
//! `policy::paths::absolutize(cwd, source)` to get that path before deciding.

use std::fmt;

/// Docker's mount types (`api/types/mount`). The Linux parsers never return `Npipe`
/// or `Cluster` (the Linux daemon refuses them); they exist so callers can name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Volume => "volume",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Npipe => "npipe",
            MountKind::Cluster => "cluster",
            MountKind::Image => "image",
        }
    }
}

impl fmt::Display for MountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One mount as docker will set it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    /// Bind: host path. Volume: volume name (`None`: anonymous). Image: image
    /// reference (looked up like `docker run IMAGE`, ID prefixes included). Tmpfs: None.
    pub source: Option<String>,
    /// The source starts with '.', so docker's CLI would join it onto its working
    /// directory (for `--mount`, whatever the type).
    pub source_relative: bool,
    /// Path in the container, as written (docker cleans it).
    pub target: String,
    pub readonly: bool,
    /// `shared|slave|private|rshared|rslave|rprivate` (lowercased); bind only.
    pub propagation: Option<String>,
    /// `z` or `Z` from `-v`: the daemon relabels the *host* source tree for SELinux.
    pub selinux_label: Option<String>,
    /// `consistent|cached|delegated` from `-v`; any text from `--mount` (unchecked on
    /// Linux).
    pub consistency: Option<String>,
    /// Do not copy image content into a new volume.
    pub nocopy: bool,
    pub volume_driver: Option<String>,
    /// Driver options (`volume-opt=k=v`). With the local driver, `type`, `device`
    /// and `o` (e.g. `o=bind,device=/`) mount arbitrary host paths or devices.
    pub volume_opts: Vec<(String, String)>,
    pub volume_labels: Vec<(String, String)>,
    pub volume_subpath: Option<String>,
    pub image_subpath: Option<String>,
    /// Submounts are not mounted (`bind-nonrecursive`, `bind-recursive=disabled`).
    pub bind_nonrecursive: bool,
    /// `bind-recursive=writable`: read-only, but submounts stay *writable*.
    pub bind_readonly_nonrecursive: bool,
    /// `bind-recursive=readonly`: fail unless submounts can be made read-only too.
    pub bind_readonly_force_recursive: bool,
    pub tmpfs_size: Option<i64>,
    pub tmpfs_mode: Option<u32>,
    /// The raw options: `-v` mode and `--tmpfs` option elements, or every `--mount`
    /// field (unquoted), in order.
    pub options: Vec<String>,
}

impl Mount {
    fn new(kind: MountKind, target: &str) -> Mount {
        Mount {
            kind,
            source: None,
            source_relative: false,
            target: target.to_string(),
            readonly: false,
            propagation: None,
            selinux_label: None,
            consistency: None,
            nocopy: false,
            volume_driver: None,
            volume_opts: Vec::new(),
            volume_labels: Vec::new(),
            volume_subpath: None,
            image_subpath: None,
            bind_nonrecursive: false,
            bind_readonly_nonrecursive: false,
            bind_readonly_force_recursive: false,
            tmpfs_size: None,
            tmpfs_mode: None,
            options: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountError {
    /// docker itself would refuse the value.
    #[error("invalid {flag} value `{spec}`: {why}")]
    Invalid {
        flag: &'static str,
        spec: String,
        why: String,
    },
    /// docker would accept the value, but what it then does cannot be checked here.
    #[error("{flag} value `{spec}` is refused: {why}")]
    Refused {
        flag: &'static str,
        spec: String,
        why: String,
    },
}

const PROPAGATIONS: &[&str] = &[
    "private", "rprivate", "slave", "rslave", "shared", "rshared",
];
const CONSISTENCIES: &[&str] = &["consistent", "cached", "delegated"];

/// Parses a `-v/--volume` value.
pub fn parse_volume_flag(spec: &str) -> Result<Mount, MountError> {
    let fail = |why: &str| invalid("--volume", spec, why);
    if spec.contains('\0') {
        // The CLI's parser uses NUL as its end marker.
        return Err(refused("--volume", spec, "it contains a NUL byte"));
    }
    if !cli_has_source(spec)? {
        // Config.Volumes: the daemon creates an anonymous volume at the spec.
        return Ok(Mount::new(MountKind::Volume, spec));
    }
    let parts: Vec<&str> = spec.splitn(4, ':').collect();
    let (source, target, mode) = match parts[..] {
        [_, target] if valid_mode(target) => {
            return Err(fail("a mode needs both a source and a target"));
        }
        [source, target] => (source, target, ""),
        [source, target, mode] => (source, target, mode),
        _ => return Err(fail("too many ':' (source:target[:options])")),
    };
    if source.is_empty() {
        return Err(fail("empty source"));
    }
    if !valid_mode(mode) {
        return Err(fail(&format!(
            "invalid mode `{mode}`: use ro|rw, z|Z, one propagation, nocopy, \
             consistent|cached|delegated, each at most once"
        )));
    }
    let options: Vec<&str> = if mode.is_empty() {
        Vec::new()
    } else {
        mode.split(',').collect()
    };
    let relative = source.starts_with('.');
    let kind = if source.starts_with('/') || relative {
        MountKind::Bind
    } else {
        MountKind::Volume
    };
    let mut m = Mount::new(kind, target);
    m.source = Some(source.to_string());
    m.source_relative = relative;
    m.readonly = options.contains(&"ro");
    m.nocopy = options.contains(&"nocopy");
    let find = |set: &[&str]| {
        options
            .iter()
            .find(|o| set.contains(o))
            .map(|o| o.to_string())
    };
    m.propagation = find(PROPAGATIONS);
    m.selinux_label = find(&["z", "Z"]);
    m.consistency = find(CONSISTENCIES);
    m.options = options.iter().map(|o| o.to_string()).collect();
    check_target(target).map_err(|why| fail(&why))?;
    if kind == MountKind::Bind && m.nocopy {
        return Err(fail("`nocopy` applies to volumes, not to a bind mount"));
    }
    if kind == MountKind::Volume && m.propagation.is_some() {
        return Err(fail(&format!(
            "propagation applies to bind mounts, and `{source}` is a volume name \
             (a bind source starts with '/' or '.')"
        )));
    }
    Ok(m)
}

/// The CLI's `loader.ParseVolume`: its errors, and whether the spec has a source
/// (otherwise it is an anonymous volume and never reaches the daemon's parser).
fn cli_has_source(spec: &str) -> Result<bool, MountError> {
    let fail = |why: &str| Err(invalid("--volume", spec, why));
    match spec.len() {
        0 => return fail("empty volume spec"),
        1 | 2 => return Ok(false),
        _ => {}
    }
    let mut chars = spec.chars();
    if let (Some(first), Some(':')) = (chars.next(), chars.next())
        && !first.is_ascii()
    {
        // Go's unicode.IsLetter decides whether this is a Windows drive (and so an
        // anonymous volume); we do not reproduce Unicode letter tables.
        return Err(refused(
            "--volume",
            spec,
            "a non-ASCII character before the first ':' is ambiguous (Windows drive letter?)",
        ));
    }
    let mut sections = 0;
    let mut buffer = String::new();
    for c in spec.chars().map(Some).chain([None]) {
        let drive = c == Some(':') && buffer.chars().count() == 1 && is_letter(&buffer);
        if drive || c.is_some_and(|c| c != ':') {
            buffer.extend(c);
            continue;
        }
        if buffer.is_empty() {
            return fail("empty section between colons");
        }
        if sections == 0 && c.is_none() {
            return Ok(false);
        }
        sections += 1;
        if sections == 3 && c.is_some() {
            return fail("too many colons");
        }
        buffer.clear();
    }
    Ok(true)
}

fn is_letter(s: &str) -> bool {
    s.chars().all(char::is_alphabetic)
}

/// moby `linuxValidMountMode`.
fn valid_mode(mode: &str) -> bool {
    if mode.is_empty() {
        return true;
    }
    let mut seen = [false; 5];
    for o in mode.split(',') {
        let kind = match o {
            "rw" | "ro" => 0,
            "z" | "Z" => 1,
            _ if PROPAGATIONS.contains(&o) => 2,
            "nocopy" => 3,
            _ if CONSISTENCIES.contains(&o) => 4,
            _ => return false,
        };
        if std::mem::replace(&mut seen[kind], true) {
            return false; // two options of the same kind
        }
    }
    true
}

/// moby's target checks: not empty, not `/`, absolute. The daemon treats '\' as '/'
/// for these checks only.
fn check_target(target: &str) -> Result<(), String> {
    let t = target.replace('\\', "/");
    if t.is_empty() {
        return Err("the target (path in the container) is empty".into());
    }
    if t.starts_with('/') && cleans_to_root(&t) {
        return Err("the target cannot be `/`".into());
    }
    if !t.starts_with('/') {
        return Err(format!("the target `{target}` must be an absolute path"));
    }
    Ok(())
}

/// Whether Go's `path.Clean` of the absolute path `p` is `/` (`/d/..` is).
fn cleans_to_root(p: &str) -> bool {
    let mut depth = 0usize;
    for name in p.split('/') {
        match name {
            "" | "." => {}
            ".." => depth = depth.saturating_sub(1),
            _ => depth += 1,
        }
    }
    depth == 0
}

/// Parses a `--mount` value.
pub fn parse_mount_flag(spec: &str) -> Result<Mount, MountError> {
    let fail = |why: &str| invalid("--mount", spec, why);
    if spec.contains(['\n', '\r']) {
        return Err(refused(
            "--mount",
            spec,
            "it contains a line break; docker would read only the first CSV record",
        ));
    }
    if spec.contains('\0') {
        return Err(refused("--mount", spec, "it contains a NUL byte"));
    }
    let fields = csv_record(spec).map_err(fail)?;
    let mut m = Mount::new(MountKind::Volume, "");
    let mut kind = "volume".to_string();
    // Which option groups were touched: docker refuses mixing them with other types.
    let (mut vol, mut bind, mut image, mut tmpfs) = (false, false, false, false);
    for field in &fields {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        let Some(val) = val else {
            match key.as_str() {
                "readonly" | "ro" => m.readonly = true,
                "volume-nocopy" => {
                    vol = true;
                    m.nocopy = true;
                }
                "bind-nonrecursive" => {
                    bind = true;
                    m.bind_nonrecursive = true;
                }
                _ => return Err(fail(&format!("field `{field}` must be a key=value pair"))),
            }
            continue;
        };
        let bad_value = || fail(&format!("invalid value for {key}: `{val}`"));
        // An empty value is docker's "unset" (its zero value).
        let text = (!val.is_empty()).then(|| val.to_string());
        match key.as_str() {
            "type" => kind = val.to_lowercase(),
            "source" | "src" => {
                m.source_relative = val.starts_with('.');
                m.source = text;
            }
            "target" | "dst" | "destination" => m.target = val.to_string(),
            "readonly" | "ro" => m.readonly = go_bool(val).ok_or_else(bad_value)?,
            "consistency" => m.consistency = text.map(|v| v.to_lowercase()),
            "bind-propagation" => {
                bind = true;
                m.propagation = text.map(|v| v.to_lowercase());
            }
            "bind-nonrecursive" => {
                bind = true;
                m.bind_nonrecursive = go_bool(val).ok_or_else(bad_value)?;
            }
            "bind-recursive" => {
                // `enabled` touches nothing, not even the bind option group.
                match val {
                    "enabled" => continue,
                    "disabled" => m.bind_nonrecursive = true,
                    "writable" => m.bind_readonly_nonrecursive = true,
                    "readonly" => m.bind_readonly_force_recursive = true,
                    _ => {
                        return Err(fail(&format!(
                            "invalid value for bind-recursive: `{val}` \
                             (enabled, disabled, writable or readonly)"
                        )));
                    }
                }
                bind = true;
            }
            "volume-subpath" => {
                vol = true;
                m.volume_subpath = text;
            }
            "volume-nocopy" => {
                vol = true;
                m.nocopy = go_bool(val).ok_or_else(bad_value)?;
            }
            "volume-label" => {
                vol = true;
                set_pair(&mut m.volume_labels, val);
            }
            "volume-driver" => {
                vol = true;
                m.volume_driver = text;
            }
            "volume-opt" => {
                vol = true;
                set_pair(&mut m.volume_opts, val);
            }
            "image-subpath" => {
                image = true;
                m.image_subpath = text;
            }
            "tmpfs-size" => {
                tmpfs = true;
                m.tmpfs_size = Some(ram_in_bytes(val).ok_or_else(bad_value)?);
            }
            "tmpfs-mode" => {
                tmpfs = true;
                m.tmpfs_mode = Some(octal_u32(val).ok_or_else(bad_value)?);
            }
            _ => return Err(fail(&format!("unexpected key `{key}` in `{field}`"))),
        }
    }
    m.options = fields;
    // The CLI's own checks, in its order.
    if kind.is_empty() {
        return Err(fail("type is required"));
    }
    if m.target.is_empty() {
        return Err(fail("target is required"));
    }
    for (touched, group, owner) in [
        (vol, "volume-*", "volume"),
        (image, "image-*", "image"),
        (bind, "bind-*", "bind"),
        (tmpfs, "tmpfs-*", "tmpfs"),
    ] {
        if touched && kind != owner {
            return Err(fail(&format!(
                "cannot mix '{group}' options with mount type '{kind}'"
            )));
        }
    }
    if (m.bind_readonly_nonrecursive || m.bind_readonly_force_recursive) && !m.readonly {
        return Err(fail("bind-recursive=writable|readonly requires readonly"));
    }
    if m.bind_readonly_force_recursive && m.propagation.as_deref() != Some("rprivate") {
        return Err(fail(
            "bind-recursive=readonly requires bind-propagation=rprivate",
        ));
    }
    m.kind = match kind.as_str() {
        "bind" => MountKind::Bind,
        "volume" => MountKind::Volume,
        "tmpfs" => MountKind::Tmpfs,
        "image" => MountKind::Image,
        "npipe" | "cluster" => {
            return Err(fail(&format!(
                "type={kind} is not supported by docker on Linux"
            )));
        }
        _ => return Err(fail(&format!("mount type `{kind}` unknown"))),
    };
    daemon_check_mount(&m).map_err(|why| fail(&why))?;
    if m.kind == MountKind::Bind
        && let Some(src) = &m.source
        && !src.starts_with('/')
        && !m.source_relative
    {
        // Passes the daemon's check ('\' counts as '/') but is then mounted as a path
        // relative to dockerd's working directory.
        return Err(refused(
            "--mount",
            spec,
            "a bind source must start with '/'",
        ));
    }
    Ok(m)
}

/// moby `validateMountConfigImpl` for `--mount` (Linux), minus the source-exists test.
fn daemon_check_mount(m: &Mount) -> Result<(), String> {
    check_target(&m.target)?;
    let source = m.source.as_deref().unwrap_or("");
    let local = |what: &str, p: &Option<String>| match p {
        Some(p) if !is_local(p) => Err(format!(
            "{what} `{p}` must be a relative path that stays inside"
        )),
        _ => Ok(()),
    };
    match m.kind {
        MountKind::Bind => {
            if source.is_empty() {
                return Err("a bind mount needs a source".into());
            }
            if let Some(p) = m.propagation.as_deref()
                && !p.is_empty()
                && !PROPAGATIONS.contains(&p)
            {
                return Err(format!("invalid propagation mode `{p}`"));
            }
            let abs = source.replace('\\', "/").starts_with('/');
            if !abs && !m.source_relative {
                return Err(format!("bind source `{source}` must be an absolute path"));
            }
        }
        MountKind::Volume => {
            if source.is_empty() && m.volume_subpath.is_some() {
                return Err("an anonymous volume cannot have a volume-subpath".into());
            }
            local("volume-subpath", &m.volume_subpath)?;
            if source.is_empty() && m.readonly {
                return Err("an anonymous volume cannot be read-only".into());
            }
        }
        MountKind::Tmpfs => {
            if !source.is_empty() {
                return Err("a tmpfs mount takes no source".into());
            }
        }
        MountKind::Image => {
            if source.is_empty() {
                return Err("an image mount needs a source (the image)".into());
            }
            local("image-subpath", &m.image_subpath)?;
        }
        MountKind::Npipe | MountKind::Cluster => {
            return Err(format!("type={} is not supported on Linux", m.kind));
        }
    }
    Ok(())
}

/// Parses a `--tmpfs` value: `target[:options]` (options are tmpfs mount options).
pub fn parse_tmpfs_flag(spec: &str) -> Result<Mount, MountError> {
    let fail = |why: &str| invalid("--tmpfs", spec, why);
    let (target, data) = spec.split_once(':').unwrap_or((spec, ""));
    check_target(target).map_err(|why| fail(&why))?;
    let mut m = Mount::new(MountKind::Tmpfs, target);
    if data.is_empty() {
        return Ok(m);
    }
    for o in data.split(',') {
        match o {
            // runc turns a mount with MS_BIND into a bind of its source, and makes the
            // relative source "tmpfs" a path in the container's bundle directory.
            "bind" | "rbind" => {
                return Err(refused(
                    "--tmpfs",
                    spec,
                    &format!("option `{o}` makes it a bind mount"),
                ));
            }
            "ro" => m.readonly = true,
            "rw" => m.readonly = false,
            _ if TMPFS_FLAGS.contains(&o) => {}
            _ => {
                let key = o.split_once('=').map(|(k, _)| k);
                if !key.is_some_and(|k| TMPFS_DATA.contains(&k)) {
                    return Err(fail(&format!("invalid tmpfs option `{o}`")));
                }
            }
        }
        m.options.push(o.to_string());
    }
    Ok(m)
}

/// moby/sys/mount `flags` (flag-style options the daemon accepts for tmpfs).
const TMPFS_FLAGS: &[&str] = &[
    "defaults",
    "ro",
    "rw",
    "suid",
    "nosuid",
    "dev",
    "nodev",
    "exec",
    "noexec",
    "sync",
    "async",
    "dirsync",
    "remount",
    "mand",
    "nomand",
    "atime",
    "noatime",
    "diratime",
    "nodiratime",
    "unbindable",
    "runbindable",
    "private",
    "rprivate",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "relatime",
    "norelatime",
    "strictatime",
    "nostrictatime",
];
/// moby/sys/mount `validFlags` (key=value options; the empty key is accepted too).
const TMPFS_DATA: &[&str] = &[
    "",
    "size",
    "mode",
    "uid",
    "gid",
    "nr_inodes",
    "nr_blocks",
    "mpol",
];

/// Go `filepath.IsLocal` on Unix: relative, and never climbs above its start.
fn is_local(p: &str) -> bool {
    if p.is_empty() || p.starts_with('/') {
        return false;
    }
    let mut depth = 0usize;
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if depth == 0 => return false,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    true
}

/// One record of Go's encoding/csv (comma separator, strict quotes). Line breaks are
/// excluded by the caller.
fn csv_record(s: &str) -> Result<Vec<String>, &'static str> {
    if s.is_empty() {
        return Err("empty value");
    }
    let mut fields = Vec::new();
    let mut rest = s;
    loop {
        let mut field = String::new();
        if let Some(mut quoted) = rest.strip_prefix('"') {
            loop {
                let Some(i) = quoted.find('"') else {
                    return Err("missing closing quote in a quoted field");
                };
                field.push_str(&quoted[..i]);
                let after = &quoted[i + 1..];
                // `""` inside quotes is one literal quote.
                if let Some(more) = after.strip_prefix('"') {
                    field.push('"');
                    quoted = more;
                    continue;
                }
                rest = after;
                break;
            }
            fields.push(field);
            match rest.strip_prefix(',') {
                Some(more) => rest = more,
                None if rest.is_empty() => return Ok(fields),
                None => return Err("extraneous text after a closing quote"),
            }
        } else {
            let (f, more) = match rest.split_once(',') {
                Some((f, more)) => (f, Some(more)),
                None => (rest, None),
            };
            if f.contains('"') {
                return Err("a quote in an unquoted field (quote the whole field)");
            }
            fields.push(f.to_string());
            match more {
                Some(more) => rest = more,
                None => return Ok(fields),
            }
        }
    }
}

/// Go `strconv.ParseBool`.
fn go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `volume-opt`/`volume-label`: docker stores `k=v` in a map, ignoring an empty key.
fn set_pair(map: &mut Vec<(String, String)>, kv: &str) {
    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
    if k.is_empty() {
        return;
    }
    match map.iter_mut().find(|(key, _)| key == k) {
        Some(entry) => entry.1 = v.to_string(),
        None => map.push((k.to_string(), v.to_string())),
    }
}

/// Go `strconv.ParseUint(v, 8, 32)`: octal digits only, no sign or prefix.
fn octal_u32(v: &str) -> Option<u32> {
    if v.is_empty() || !v.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(v, 8).ok()
}

/// go-units `RAMInBytes`: a number, optional space, optional k/m/g/t/p (binary
/// multiples) with optional `b` or `ib`, case-insensitive. Slightly stricter than
/// Go (no hexadecimal floats, no sizes beyond i64).
fn ram_in_bytes(s: &str) -> Option<i64> {
    let sep = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (num, sfx) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    if num.to_ascii_lowercase().contains(['i', 'n', 'x']) {
        return None; // Rust would read "inf"/"nan"; Go reads hex floats
    }
    let size: f64 = num.parse().ok()?;
    if !size.is_finite() || size < 0.0 {
        return None;
    }
    let sfx = sfx.to_ascii_lowercase();
    let mul: f64 = match sfx.as_bytes() {
        [] => 1.0,
        [b'b'] => 1.0,
        [u, rest @ ..] if rest.is_empty() || rest == b"b" || rest == b"ib" => {
            let shift = match u {
                b'k' => 10,
                b'm' => 20,
                b'g' => 30,
                b't' => 40,
                b'p' => 50,
                _ => return None,
            };
            (1u64 << shift) as f64
        }
        _ => return None,
    };
    let bytes = size * mul;
    (bytes < i64::MAX as f64).then_some(bytes as i64)
}

fn invalid(flag: &'static str, spec: &str, why: &str) -> MountError {
    MountError::Invalid {
        flag,
        spec: spec.to_string(),
        why: why.to_string(),
    }
}

fn refused(flag: &'static str, spec: &str, why: &str) -> MountError {
    MountError::Refused {
        flag,
        spec: spec.to_string(),
        why: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(spec: &str) -> Mount {
        parse_volume_flag(spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"))
    }
    fn mnt(spec: &str) -> Mount {
        parse_mount_flag(spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"))
    }
    fn vol_err(spec: &str) -> MountError {
        parse_volume_flag(spec).expect_err(spec)
    }
    fn mnt_err(spec: &str) -> MountError {
        parse_mount_flag(spec).expect_err(spec)
    }
    fn is_invalid(e: &MountError) -> bool {
        matches!(e, MountError::Invalid { .. })
    }
    fn is_refused(e: &MountError) -> bool {
        matches!(e, MountError::Refused { .. })
    }
    fn bind(m: &Mount, source: &str, target: &str) {
        assert_eq!(m.kind, MountKind::Bind, "{m:?}");
        assert_eq!(m.source.as_deref(), Some(source));
        assert_eq!(m.target, target);
    }

    // ---- -v / --volume ----

    #[test]
    fn volume_host_root_spellings_are_binds() {
        for (spec, src) in [
            ("/:/host", "/"),
            ("//:/host", "//"),
            ("/.:/host", "/."),
            ("/etc/../:/host", "/etc/../"),
            ("/var/run/docker.sock:/host", "/var/run/docker.sock"),
        ] {
            let m = vol(spec);
            bind(&m, src, "/host");
            assert!(!m.readonly && !m.source_relative);
        }
    }

    #[test]
    fn volume_relative_sources_start_with_a_dot() {
        for (spec, src) in [
            ("./x:/d", "./x"),
            (".:/d", "."),
            ("..:/d", ".."),
            ("../../etc:/d", "../../etc"),
            (".hidden:/d", ".hidden"),
            ("...:/d", "..."),
        ] {
            let m = vol(spec);
            bind(&m, src, "/d");
            assert!(m.source_relative, "{spec}");
        }
    }

    #[test]
    fn volume_other_sources_are_volume_names() {
        // The daemon binds only sources starting with '/': `~` is never expanded.
        for (spec, name) in [
            ("~/x:/d", "~/x"),
            ("~:/d", "~"),
            ("x/y:/d", "x/y"),
            ("data:/d", "data"),
            ("\\etc:/d", "\\etc"),
            ("ab:/d", "ab"),
        ] {
            let m = vol(spec);
            assert_eq!(m.kind, MountKind::Volume, "{spec}");
            assert_eq!(m.source.as_deref(), Some(name));
            assert!(!m.source_relative);
        }
    }

    #[test]
    fn volume_anonymous() {
        for spec in ["/data", "x", "ab", "./x", "/a/b/c", "::"] {
            let m = vol(spec);
            assert_eq!(
                (m.kind, m.source.as_deref()),
                (MountKind::Volume, None),
                "{spec}"
            );
            assert_eq!(m.target, spec);
        }
    }

    #[test]
    fn volume_windows_drive_prefix_is_anonymous() {
        // loader.ParseVolume keeps `c:` together, so no source: anonymous volume.
        let m = vol("c:/x");
        assert_eq!((m.kind, m.source), (MountKind::Volume, None));
        assert_eq!(m.target, "c:/x");
        // With a third part the daemon splits on every ':' again.
        assert!(is_invalid(&vol_err("c:/x:/y")));
        assert!(is_refused(&vol_err("é:/x")));
    }

    #[test]
    fn volume_modes() {
        let m = vol("/a:/b:ro,Z,rshared");
        assert!(m.readonly);
        assert_eq!(m.selinux_label.as_deref(), Some("Z"));
        assert_eq!(m.propagation.as_deref(), Some("rshared"));
        assert_eq!(m.options, ["ro", "Z", "rshared"]);
        let m = vol("v:/b:nocopy,z,cached,rw");
        assert!(m.nocopy && !m.readonly);
        assert_eq!(m.consistency.as_deref(), Some("cached"));
        assert!(vol("/a:/b:rw").options == ["rw"]);
        for p in PROPAGATIONS {
            assert_eq!(vol(&format!("/a:/b:{p}")).propagation.as_deref(), Some(*p));
        }
    }

    #[test]
    fn volume_bad_modes() {
        for spec in [
            "/a:/b:ro,rw",
            "/a:/b:z,Z",
            "/a:/b:shared,slave",
            "/a:/b:RO",
            "/a:/b:ro,",
            "/a:/b:,ro",
            "/a:/b:exec",
            "/a:/b:default",
            "/a:/b:cached,delegated",
            "/a:/b:nocopy,nocopy",
            format!("/a:/b:{}", ["ro"; 300].join(",")).as_str(),
        ] {
            assert!(is_invalid(&vol_err(spec)), "{spec}");
        }
    }

    #[test]
    fn volume_mode_needs_source_and_target() {
        for spec in ["/foo:ro", "name:rw", "/foo:z", "/foo:shared"] {
            assert!(is_invalid(&vol_err(spec)), "{spec}");
        }
    }

    #[test]
    fn volume_kind_specific_modes() {
        assert!(
            is_invalid(&vol_err("name:/d:shared")),
            "propagation on a volume"
        );
        assert!(is_invalid(&vol_err("~/x:/d:rslave")));
        assert!(is_invalid(&vol_err("/a:/d:nocopy")), "nocopy on a bind");
        assert!(is_invalid(&vol_err("./a:/d:nocopy")));
        assert!(vol("name:/d:nocopy").nocopy);
        assert!(vol("./a:/d:shared").propagation.is_some());
    }

    #[test]
    fn volume_colons() {
        assert!(is_invalid(&vol_err("")));
        assert!(is_invalid(&vol_err("/a::/b")), "empty section");
        assert!(is_invalid(&vol_err(":/b")));
        assert!(is_invalid(&vol_err("/a:/b:")));
        assert!(is_invalid(&vol_err("/a:/b:ro:x")), "too many colons");
        assert!(is_invalid(&vol_err("/a:/b:c:d")), "4 parts for the daemon");
    }

    #[test]
    fn volume_targets() {
        assert!(is_invalid(&vol_err("/a:/")));
        assert!(is_invalid(&vol_err("/a://")));
        assert!(is_invalid(&vol_err("/a:/..")));
        assert!(is_invalid(&vol_err("/a:/./")));
        assert!(is_invalid(&vol_err("/a:/d/..")), "cleans to /");
        assert!(is_invalid(&vol_err("/a:/d/e/../../..")));
        assert!(is_invalid(&mnt_err("type=bind,src=/a,dst=/x/../")));
        assert!(is_invalid(&parse_tmpfs_flag("/t/..").unwrap_err()));
        assert!(is_invalid(&vol_err("/a:rel")));
        assert_eq!(vol("/a:/b/../c").target, "/b/../c");
        assert_eq!(
            vol("/a:\\x").target,
            "\\x",
            "the daemon reads '\\' as '/' here"
        );
    }

    #[test]
    fn volume_nul_is_refused() {
        assert!(is_refused(&vol_err("/a:/b\0")));
    }

    // ---- --mount ----

    #[test]
    fn mount_bind_root_any_order() {
        bind(&mnt("type=bind,src=/,dst=/h"), "/", "/h");
        bind(&mnt("src=/,dst=/h,type=bind"), "/", "/h");
        bind(&mnt("type=bind,source=//,target=/h"), "//", "/h");
        bind(
            &mnt("type=bind,source=/etc/..,destination=/h"),
            "/etc/..",
            "/h",
        );
    }

    #[test]
    fn mount_defaults_to_volume() {
        let m = mnt("src=/,dst=/h");
        assert_eq!(m.kind, MountKind::Volume);
        assert_eq!(m.source.as_deref(), Some("/"));
        let m = mnt("dst=/h");
        assert_eq!((m.kind, m.source), (MountKind::Volume, None));
    }

    #[test]
    fn mount_volume_opts_can_bind_host_paths() {
        let m = mnt("type=volume,src=x,dst=/d,volume-opt=o=bind,volume-opt=device=/");
        assert_eq!(m.kind, MountKind::Volume);
        assert_eq!(
            m.volume_opts,
            [("o".into(), "bind".into()), ("device".into(), "/".into())]
        );
        let m = mnt("dst=/d,volume-opt=type=none,volume-driver=local,volume-opt=o");
        assert_eq!(m.volume_driver.as_deref(), Some("local"));
        assert_eq!(m.volume_opts[1], ("o".into(), String::new()));
    }

    #[test]
    fn mount_map_options_last_wins_and_empty_key_ignored() {
        let m = mnt("dst=/d,volume-label=a=1,volume-label=b,volume-label=a=2,volume-opt==x");
        assert_eq!(
            m.volume_labels,
            [("a".into(), "2".into()), ("b".into(), String::new())]
        );
        assert!(m.volume_opts.is_empty());
    }

    #[test]
    fn mount_quotes() {
        // The whole value quoted is one field: `type` = "bind,src=/,dst=/h".
        assert!(is_invalid(&mnt_err("\"type=bind,src=/,dst=/h\"")));
        bind(&mnt("type=bind,\"src=/a,b\",dst=/h"), "/a,b", "/h");
        bind(&mnt("type=bind,\"src=/a\"\"b\",dst=/h"), "/a\"b", "/h");
        bind(&mnt("\"type=bind\",\"src=/x\",\"dst=/h\""), "/x", "/h");
        assert!(
            is_invalid(&mnt_err("type=bind,src=/a\"b,dst=/h")),
            "bare quote"
        );
        assert!(
            is_invalid(&mnt_err("\"type=bind\"x,dst=/h")),
            "text after quote"
        );
        assert!(
            is_invalid(&mnt_err("type=bind,\"src=/x,dst=/h")),
            "unterminated"
        );
    }

    #[test]
    fn mount_line_breaks_and_nul_are_refused() {
        assert!(is_refused(&mnt_err(
            "type=volume,dst=/x\ntype=bind,src=/,dst=/h"
        )));
        assert!(is_refused(&mnt_err("\ntype=bind,src=/,dst=/h")));
        assert!(is_refused(&mnt_err("type=bind,src=/a,dst=/h\r")));
        assert!(is_refused(&mnt_err("type=bind,\"src=/\n\",dst=/h")));
        assert!(is_refused(&mnt_err("type=bind,src=/\0,dst=/h")));
    }

    #[test]
    fn mount_trailing_and_empty_fields() {
        assert!(is_invalid(&mnt_err("type=bind,src=/x,dst=/h,")));
        assert!(is_invalid(&mnt_err(",type=bind,src=/x,dst=/h")));
        assert!(is_invalid(&mnt_err("type=bind,,src=/x,dst=/h")));
        assert!(is_invalid(&mnt_err("")));
        assert!(is_invalid(&mnt_err("type=bind,src=/x,dst=/h,foo")));
    }

    #[test]
    fn mount_keys_and_types_are_case_insensitive() {
        bind(&mnt("TYPE=BIND,SRC=/x,DST=/h"), "/x", "/h");
        bind(
            &mnt("Type=Bind,Source=/x,Target=/h,Bind-Propagation=RSHARED"),
            "/x",
            "/h",
        );
        assert_eq!(
            mnt("type=bind,src=/x,dst=/h,BIND-PROPAGATION=Slave")
                .propagation
                .as_deref(),
            Some("slave")
        );
        assert!(mnt("src=v,dst=/h,RO").readonly);
    }

    #[test]
    fn mount_duplicate_keys_last_wins() {
        bind(&mnt("type=bind,src=/a,src=/b,dst=/h"), "/b", "/h");
        let m = mnt("type=bind,src=/a,dst=/h,type=volume");
        assert_eq!(
            (m.kind, m.source.as_deref()),
            (MountKind::Volume, Some("/a"))
        );
        assert_eq!(mnt("type=bind,src=/a,dst=/x,dst=/y").target, "/y");
        assert!(!mnt("type=bind,src=/a,dst=/h,ro,readonly=false").readonly);
        assert!(mnt("type=bind,src=/a,dst=/h,readonly=0,ro").readonly);
    }

    #[test]
    fn mount_readonly_values() {
        for (v, ro) in [
            ("1", true),
            ("t", true),
            ("TRUE", true),
            ("True", true),
            ("0", false),
            ("f", false),
            ("False", false),
        ] {
            assert_eq!(
                mnt(&format!("type=bind,src=/a,dst=/h,readonly={v}")).readonly,
                ro,
                "{v}"
            );
        }
        assert!(mnt("type=bind,src=/a,dst=/h,ro").readonly);
        assert!(mnt("type=bind,src=/a,dst=/h,RO=true").readonly);
        for v in ["yes", "on", "tRUE", "", "2"] {
            assert!(
                is_invalid(&mnt_err(&format!("type=bind,src=/a,dst=/h,readonly={v}"))),
                "{v}"
            );
        }
    }

    #[test]
    fn mount_unknown_keys() {
        for f in [
            "bind-create-host-path=true",
            "propagation=shared",
            "mode=ro",
            "z",
            "tmpfs-options=exec",
        ] {
            assert!(
                is_invalid(&mnt_err(&format!("type=bind,src=/a,dst=/h,{f}"))),
                "{f}"
            );
        }
    }

    #[test]
    fn mount_types() {
        assert!(is_invalid(&mnt_err("type=npipe,src=/a,dst=/h")));
        assert!(is_invalid(&mnt_err("type=cluster,src=a,dst=/h")));
        assert!(is_invalid(&mnt_err("type=foo,dst=/h")));
        assert!(is_invalid(&mnt_err("type=,dst=/h")));
        assert_eq!(mnt("type=TMPFS,dst=/t").kind, MountKind::Tmpfs);
    }

    #[test]
    fn mount_bind_options() {
        let m = mnt("type=bind,src=/a,dst=/h,bind-propagation=rshared,bind-nonrecursive");
        assert_eq!(m.propagation.as_deref(), Some("rshared"));
        assert!(m.bind_nonrecursive);
        assert!(!mnt("type=bind,src=/a,dst=/h,bind-nonrecursive=false").bind_nonrecursive);
        assert!(mnt("type=bind,src=/a,dst=/h,bind-recursive=disabled").bind_nonrecursive);
        let m = mnt("type=bind,src=/a,dst=/h,ro,bind-recursive=writable");
        assert!(m.readonly && m.bind_readonly_nonrecursive);
        assert!(is_invalid(&mnt_err(
            "type=bind,src=/a,dst=/h,bind-recursive=writable"
        )));
        assert!(is_invalid(&mnt_err(
            "type=bind,src=/a,dst=/h,ro,bind-recursive=readonly"
        )));
        let m = mnt("type=bind,src=/a,dst=/h,ro,bind-recursive=readonly,bind-propagation=rprivate");
        assert!(m.bind_readonly_force_recursive);
        assert!(is_invalid(&mnt_err(
            "type=bind,src=/a,dst=/h,bind-recursive=Disabled"
        )));
        assert!(is_invalid(&mnt_err(
            "type=bind,src=/a,dst=/h,bind-propagation=bogus"
        )));
        assert_eq!(
            mnt("type=bind,src=/a,dst=/h,bind-propagation=").propagation,
            None
        );
    }

    #[test]
    fn mount_option_groups_do_not_mix() {
        for spec in [
            "type=volume,src=v,dst=/d,bind-propagation=shared",
            "type=bind,src=/a,dst=/d,volume-nocopy",
            "type=bind,src=/a,dst=/d,volume-opt=o=bind",
            "type=tmpfs,dst=/d,volume-driver=x",
            "type=bind,src=/a,dst=/d,tmpfs-size=1m",
            "type=volume,src=v,dst=/d,image-subpath=x",
            "src=v,dst=/d,bind-recursive=disabled",
        ] {
            assert!(is_invalid(&mnt_err(spec)), "{spec}");
        }
        // `bind-recursive=enabled` is a no-op that does not count as a bind option.
        assert_eq!(
            mnt("src=v,dst=/d,bind-recursive=enabled").kind,
            MountKind::Volume
        );
    }

    #[test]
    fn mount_bind_sources() {
        assert!(is_invalid(&mnt_err("type=bind,dst=/h")));
        assert!(is_invalid(&mnt_err("type=bind,src=,dst=/h")));
        assert!(is_invalid(&mnt_err("type=bind,src=rel,dst=/h")));
        assert!(is_invalid(&mnt_err("type=bind,src=~/x,dst=/h")));
        let m = mnt("type=bind,src=./rel,dst=/h");
        assert!(m.source_relative);
        bind(&m, "./rel", "/h");
        assert!(mnt("type=bind,src=..,dst=/h").source_relative);
        // Passes docker's check ('\' counts as '/') but is relative to dockerd's cwd.
        assert!(is_refused(&mnt_err("type=bind,src=\\etc,dst=/h")));
        // A relative volume name is joined to the CLI's cwd too.
        assert!(mnt("type=volume,src=./v,dst=/h").source_relative);
    }

    #[test]
    fn mount_targets() {
        for spec in [
            "type=bind,src=/a",
            "type=bind,src=/a,dst=",
            "type=bind,src=/a,dst=/",
            "type=bind,src=/a,dst=/..",
            "type=bind,src=/a,dst=rel",
        ] {
            assert!(is_invalid(&mnt_err(spec)), "{spec}");
        }
    }

    #[test]
    fn mount_volume_rules() {
        assert!(
            is_invalid(&mnt_err("type=volume,dst=/d,readonly")),
            "anonymous ro"
        );
        assert!(mnt("type=volume,src=v,dst=/d,readonly").readonly);
        assert!(
            is_invalid(&mnt_err("type=volume,dst=/d,volume-subpath=a")),
            "anonymous subpath"
        );
        for bad in ["../x", "a/../../x", "/etc", ".."] {
            assert!(
                is_invalid(&mnt_err(&format!("src=v,dst=/d,volume-subpath={bad}"))),
                "{bad}"
            );
        }
        for ok in ["a", "a/b", "a/../b", ".", "a/.."] {
            assert_eq!(
                mnt(&format!("src=v,dst=/d,volume-subpath={ok}"))
                    .volume_subpath
                    .as_deref(),
                Some(ok)
            );
        }
        assert!(mnt("src=v,dst=/d,volume-nocopy=true").nocopy);
        assert!(!mnt("src=v,dst=/d,volume-nocopy=false").nocopy);
    }

    #[test]
    fn mount_tmpfs() {
        let m = mnt("type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777");
        assert_eq!(m.tmpfs_size, Some(64 << 20));
        assert_eq!(m.tmpfs_mode, Some(0o1777));
        assert_eq!(
            mnt("type=tmpfs,dst=/t,tmpfs-size=1.5KiB").tmpfs_size,
            Some(1536)
        );
        assert_eq!(
            mnt("type=tmpfs,dst=/t,tmpfs-size=100").tmpfs_size,
            Some(100)
        );
        assert_eq!(
            mnt("type=tmpfs,dst=/t,tmpfs-size=2 g").tmpfs_size,
            Some(2 << 30)
        );
        for bad in ["abc", "-1", "1x", "1kbb", "inf", "1e400", ""] {
            assert!(
                is_invalid(&mnt_err(&format!("type=tmpfs,dst=/t,tmpfs-size={bad}"))),
                "{bad}"
            );
        }
        for bad in ["8", "0o755", "+7", "", "777777777777"] {
            assert!(
                is_invalid(&mnt_err(&format!("type=tmpfs,dst=/t,tmpfs-mode={bad}"))),
                "{bad}"
            );
        }
        assert!(is_invalid(&mnt_err("type=tmpfs,src=x,dst=/t")));
        assert!(mnt("type=tmpfs,dst=/t,ro").readonly);
    }

    #[test]
    fn mount_image() {
        let m = mnt("type=image,src=alpine,dst=/i,image-subpath=usr");
        assert_eq!(
            (m.kind, m.source.as_deref()),
            (MountKind::Image, Some("alpine"))
        );
        assert!(is_invalid(&mnt_err("type=image,dst=/i")));
        assert!(is_invalid(&mnt_err(
            "type=image,src=alpine,dst=/i,image-subpath=../x"
        )));
    }

    #[test]
    fn mount_options_keep_raw_fields() {
        let m = mnt("type=bind,\"src=/a,b\",dst=/h,ro");
        assert_eq!(m.options, ["type=bind", "src=/a,b", "dst=/h", "ro"]);
    }

    // ---- --tmpfs ----

    #[test]
    fn tmpfs_flag() {
        let m = parse_tmpfs_flag("/run").unwrap();
        assert_eq!(
            (m.kind, m.target.as_str(), m.readonly),
            (MountKind::Tmpfs, "/run", false)
        );
        let m = parse_tmpfs_flag("/t:rw,size=64m,exec,uid=1000,mode=1777,=x").unwrap();
        assert_eq!(
            m.options,
            ["rw", "size=64m", "exec", "uid=1000", "mode=1777", "=x"]
        );
        assert!(parse_tmpfs_flag("/t:ro").unwrap().readonly);
        assert!(!parse_tmpfs_flag("/t:ro,rw").unwrap().readonly);
        assert!(parse_tmpfs_flag("/t:").unwrap().options.is_empty());
        assert_eq!(
            parse_tmpfs_flag("/t:size=1:2").unwrap().options,
            ["size=1:2"]
        );
    }

    #[test]
    fn tmpfs_flag_errors() {
        for spec in [
            "/",
            "/:size=1m",
            "run",
            "",
            ":/x",
            "/t:foo",
            "/t:size",
            "/t:ro,",
            "/t:suid=1",
        ] {
            let e = parse_tmpfs_flag(spec).expect_err(spec);
            assert!(is_invalid(&e), "{spec}");
        }
        for spec in ["/t:bind", "/t:rbind", "/t:size=1m,rbind"] {
            assert!(
                is_refused(&parse_tmpfs_flag(spec).expect_err(spec)),
                "{spec}"
            );
        }
    }

    #[test]
    fn errors_name_flag_and_reason() {
        let e = vol_err("/a:/b:ro,rw").to_string();
        assert!(
            e.contains("--volume") && e.contains("/a:/b:ro,rw") && e.contains("mode"),
            "{e}"
        );
        let e = mnt_err("type=bind,src=/a,dst=/h,bogus=1").to_string();
        assert!(e.contains("--mount") && e.contains("bogus"), "{e}");
        let e = mnt_err("type=bind,src=/a,dst=/h\n").to_string();
        assert!(e.contains("refused") && e.contains("line break"), "{e}");
    }
}
