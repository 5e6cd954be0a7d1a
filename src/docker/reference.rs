//! Image references, normalised the way docker 28 does it.
//!
//! The docker CLI (v28.2.2, `cli/command/container/create.go`) reads the image of
//! `run`/`create` with `reference.ParseAnyReference` from
//! github.com/distribution/reference v0.6.0, then `TagNameOnly`. [`normalize`] gives
//! the same answer for names, and refuses what docker refuses: the grammar is
//! implemented here by hand from `regexp.go` (every production is anchored and the
//! splits are unambiguous, so no regex engine is needed).
//!
//! Image IDs are the one thing we do *not* normalise. docker treats these as IDs:
//! - 64 lowercase hex characters, and any valid digest such as `sha256:<64 hex>`
//!   (`ParseAnyReference` turns them into digest references, looked up by ID);
//! - 1 to 63 lowercase hex characters, optionally after `sha256:`. They parse as
//!   ordinary names (`cafe` → `docker.io/library/cafe:latest`), but when no image has
//!   that name the daemon falls back to a *short ID prefix* match (moby v28.2.2
//!   `daemon/images/image.go` `GetImage` → `imageStore.Search`, any length;
//!   `daemon/containerd/image.go` `resolveImage` → `checkTruncatedID`, 4..64).
//!
//! Such input yields [`RefError::LooksLikeId`]: a policy written in names cannot say
//! what image an ID prefix picks. A caller who means the repository can write the
//! qualified name (`docker.io/library/cafe`), which is never read as an ID; passing
//! [`ImageRef::canonical`] to docker (never the raw text) keeps it that way.

use std::fmt;

/// Registry of "familiar" names such as `alpine`.
const DEFAULT_DOMAIN: &str = "docker.io";
/// Old spelling of Docker Hub, rewritten to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// Namespace of Docker Hub's official images.
const OFFICIAL_PREFIX: &str = "library/";
const DEFAULT_TAG: &str = "latest";
/// distribution/reference `RepositoryNameTotalLengthMax`; it applies to the path only.
const MAX_PATH_LEN: usize = 255;
/// `[\w][\w.-]{0,127}`
const MAX_TAG_LEN: usize = 128;

/// A fully qualified image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host, with port if any: `docker.io`, `localhost:5000`. Empty only in
    /// docker's odd case of a first component that has a dot but is no valid host
    /// (`foo_bar.com/x`): docker then keeps the whole name as the path.
    pub domain: String,
    /// Repository path: `library/alpine`, `ollama/ollama`.
    pub path: String,
    /// `latest` when neither a tag nor a digest was given.
    pub tag: Option<String>,
    /// `algorithm:hex`, validated like go-digest does.
    pub digest: Option<String>,
}

impl ImageRef {
    /// The repository name without tag or digest: `docker.io/library/alpine`.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// The fully qualified form: `docker.io/library/alpine:latest`,
    /// `docker.io/library/alpine:3.19@sha256:…`.
    pub fn canonical(&self) -> String {
        let mut out = self.name();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("the image reference is empty")]
    Empty,
    #[error(
        "`{0}` looks like an image ID (or an ID prefix): docker may pick any local image \
         whose ID starts with it; name the image instead (for a repository that really \
         has this name, write it qualified, e.g. docker.io/library/NAME)"
    )]
    LooksLikeId(String),
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
    #[error("invalid reference format `{input}`: {why}")]
    InvalidFormat { input: String, why: String },
    #[error("repository name `{0}` is longer than 255 characters")]
    NameTooLong(String),
    #[error("invalid digest `{digest}`: {why}")]
    InvalidDigest { digest: String, why: &'static str },
}

/// Normalises an image reference as `docker run IMAGE` reads it.
pub fn normalize(image: &str) -> Result<ImageRef, RefError> {
    if image.is_empty() {
        return Err(RefError::Empty);
    }
    if looks_like_id(image) {
        return Err(RefError::LooksLikeId(image.to_string()));
    }
    let (domain, remainder) = split_docker_domain(image);
    // docker checks case on the text before the first ':', which can reach into
    // the digest (`alpine@SHA256:…` is refused here, as in docker).
    let remote = remainder.split(':').next().unwrap_or_default();
    if remote.to_lowercase() != remote {
        return Err(RefError::Uppercase(remote.to_string()));
    }
    let full = format!("{domain}/{remainder}");
    let Some((name, tag, digest)) = match_reference(&full) else {
        if match_reference(&full.to_lowercase()).is_some() {
            return Err(RefError::Uppercase(image.to_string()));
        }
        return Err(RefError::InvalidFormat {
            input: image.to_string(),
            why: explain_invalid(image),
        });
    };
    let (domain, path) = split_name(name);
    if path.len() > MAX_PATH_LEN {
        return Err(RefError::NameTooLong(path.to_string()));
    }
    if let Some(d) = digest {
        validate_digest(d)?;
    }
    let tag = match (tag, digest) {
        (None, None) => Some(DEFAULT_TAG.to_string()),
        (t, _) => t.map(str::to_string),
    };
    Ok(ImageRef {
        domain: domain.to_string(),
        path: path.to_string(),
        tag,
        digest: digest.map(str::to_string),
    })
}

/// True for what docker resolves as an image ID rather than by name (module docs).
fn looks_like_id(s: &str) -> bool {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    let short_id = (1..=64).contains(&hex.len()) && hex.bytes().all(is_lower_hex);
    short_id || validate_digest(s).is_ok()
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// distribution/reference `splitDockerDomain`: decides which part is the registry.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((first, rest)) = name.split_once('/') else {
        // A single element is always a Docker Hub official image, even
        // `localhost:5000` (which becomes `library/localhost` with tag `5000`).
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_PREFIX}{name}"));
    };
    let (domain, remote) = if first == "localhost" {
        (first, rest)
    } else if first == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, rest)
    } else if first.contains(['.', ':']) || first.to_lowercase() != first {
        // Namespaces are lowercase, so an uppercase first element is a host too.
        (first, rest)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        return (domain, format!("{OFFICIAL_PREFIX}{remote}"));
    }
    (domain, remote.to_string())
}

/// `name [":" tag] ["@" digest]`, anchored. Returns the three captures.
fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    // No production but the digest separator contains '@'.
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !match_digest_pattern(d)) {
        return None;
    }
    // A ':' after the last '/' can only start the tag: a name has ':' only in the
    // registry port, which is always followed by '/'.
    if let Some((name, tag)) = rest.rsplit_once(':')
        && !tag.contains('/')
    {
        return (match_tag(tag) && match_name(name)).then_some((name, Some(tag), digest));
    }
    match_name(rest).then_some((rest, None, digest))
}

fn match_name(name: &str) -> bool {
    let (domain, path) = split_name(name);
    (domain.is_empty() || match_domain_and_port(domain)) && match_remote_name(path)
}

/// `anchoredNameRegexp`: the first component is the domain when it can be one
/// (the optional group is greedy), otherwise everything is path.
fn split_name(name: &str) -> (&str, &str) {
    if let Some((first, rest)) = name.split_once('/')
        && match_domain_and_port(first)
        && match_remote_name(rest)
    {
        return (first, rest);
    }
    ("", name)
}

/// `host [":" port]` where host is a domain name or `[ipv6]`.
fn match_domain_and_port(s: &str) -> bool {
    let (host, port) = if s.starts_with('[') {
        match s.find(']') {
            Some(end) => (&s[..=end], &s[end + 1..]),
            None => return false,
        }
    } else {
        match s.find(':') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ip6) => !ip6.is_empty() && ip6.bytes().all(|b| b == b':' || b.is_ascii_hexdigit()),
        None => host.split('.').all(match_domain_component),
    };
    port_ok && host_ok
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn match_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
}

fn match_remote_name(path: &str) -> bool {
    path.split('/').all(match_path_component)
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn match_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    // Every maximal run of separator characters must be one allowed separator.
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}` with ASCII `\w` (Go's regexp).
fn match_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_TAG_LEN
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
fn match_digest_pattern(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|part| {
        let b = part.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    });
    alg_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// go-digest v1.0.0 `Digest.Validate`: a known algorithm, exact length, lowercase hex.
fn validate_digest(d: &str) -> Result<(), RefError> {
    let bad = |why| {
        Err(RefError::InvalidDigest {
            digest: d.to_string(),
            why,
        })
    };
    let Some((alg, hex)) = d.split_once(':') else {
        return bad("a digest is `algorithm:hex`");
    };
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return bad("unsupported digest algorithm (sha256, sha384 or sha512)"),
    };
    if hex.len() != len {
        return bad("wrong length for this algorithm");
    }
    if !hex.bytes().all(is_lower_hex) {
        return bad("the hex part must be lowercase hexadecimal");
    }
    Ok(())
}

/// A best-effort human reason for a grammar failure (docker only says "invalid
/// reference format").
fn explain_invalid(image: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/:@+[]".contains(c);
    if let Some(c) = image.chars().find(|&c| !allowed(c)) {
        return format!("character {c:?} is not allowed in an image reference");
    }
    let name_part = image.split('@').next().unwrap_or_default();
    if let Some((_, tag)) = name_part.rsplit_once(':')
        && !tag.contains('/')
        && !match_tag(tag)
    {
        return "a tag is 1 to 128 letters, digits, '_', '.' or '-', and cannot start \
                with '.' or '-'"
            .to_string();
    }
    if let Some((_, digest)) = image.split_once('@')
        && !match_digest_pattern(digest)
    {
        return "a digest is `algorithm:hex` with at least 32 hex digits".to_string();
    }
    "each path component is lowercase letters and digits, separated by one '.', \
     one or two '_', or any number of '-', and cannot start or end with a separator"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn canon(s: &str) -> String {
        match normalize(s) {
            Ok(r) => r.canonical(),
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn err(s: &str) -> RefError {
        match normalize(s) {
            Ok(r) => panic!("{s:?} should be refused, got {r}"),
            Err(e) => e,
        }
    }

    fn is_format(e: &RefError) -> bool {
        matches!(e, RefError::InvalidFormat { .. })
    }

    #[test]
    fn familiar_names_go_to_docker_hub() {
        assert_eq!(canon("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(canon("ollama/ollama"), "docker.io/ollama/ollama:latest");
        assert_eq!(canon("ubuntu:22.04"), "docker.io/library/ubuntu:22.04");
        assert_eq!(canon("a/b/c/d"), "docker.io/a/b/c/d:latest");
    }

    #[test]
    fn docker_hub_spellings_are_canonicalised() {
        assert_eq!(canon("docker.io/alpine"), "docker.io/library/alpine:latest");
        assert_eq!(
            canon("index.docker.io/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(canon("index.docker.io/x/y"), "docker.io/x/y:latest");
        assert_eq!(
            canon("docker.io/library/alpine:3"),
            "docker.io/library/alpine:3"
        );
        // registry-1.docker.io is just another host to the parser.
        let r = normalize("registry-1.docker.io/alpine").unwrap();
        assert_eq!(
            (r.domain.as_str(), r.path.as_str()),
            ("registry-1.docker.io", "alpine")
        );
    }

    #[test]
    fn registries_and_ports() {
        assert_eq!(canon("localhost:5000/x"), "localhost:5000/x:latest");
        assert_eq!(canon("localhost/x"), "localhost/x:latest");
        assert_eq!(canon("ghcr.io/owner/repo:v1.2"), "ghcr.io/owner/repo:v1.2");
        assert_eq!(canon("127.0.0.1:5000/a/b:t"), "127.0.0.1:5000/a/b:t");
        assert_eq!(canon("[::1]:5000/foo"), "[::1]:5000/foo:latest");
        assert_eq!(canon("localhost:5000/foo:5000"), "localhost:5000/foo:5000");
        let r = normalize("my-reg.example.com:443/team/app:1").unwrap();
        assert_eq!(r.domain, "my-reg.example.com:443");
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1"));
    }

    #[test]
    fn bare_localhost_with_port_is_a_tag() {
        // No '/': docker reads `localhost:5000` as library/localhost, tag 5000.
        assert_eq!(canon("localhost:5000"), "docker.io/library/localhost:5000");
        assert_eq!(canon("localhost"), "docker.io/library/localhost:latest");
    }

    #[test]
    fn uppercase_first_component_is_a_host() {
        let r = normalize("Foo/bar").unwrap();
        assert_eq!(r.domain, "Foo");
        assert_eq!(r.canonical(), "Foo/bar:latest");
        assert_eq!(canon("EXAMPLE.COM/foo"), "EXAMPLE.COM/foo:latest");
    }

    #[test]
    fn digests() {
        let d = format!("sha256:{HEX}");
        assert_eq!(
            canon(&format!("alpine@{d}")),
            format!("docker.io/library/alpine@{d}")
        );
        assert_eq!(
            canon(&format!("alpine:3.19@{d}")),
            format!("docker.io/library/alpine:3.19@{d}")
        );
        let r = normalize(&format!("example.com/x@{d}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        let d512 = format!("sha512:{HEX}{HEX}");
        assert_eq!(
            canon(&format!("x@{d512}")),
            format!("docker.io/library/x@{d512}")
        );
    }

    #[test]
    fn bad_digests() {
        assert!(is_format(&err("alpine@sha256:abc")), "fewer than 32 hex");
        assert!(is_format(&err("alpine@")));
        assert!(is_format(&err("alpine@sha256")));
        let short = format!("alpine@sha256:{}", &HEX[..40]);
        assert!(matches!(err(&short), RefError::InvalidDigest { .. }));
        let md5 = format!("alpine@md5:{}", &HEX[..32]);
        assert!(matches!(err(&md5), RefError::InvalidDigest { .. }));
        let upper = format!("alpine@sha256:{}", HEX.to_uppercase());
        assert!(matches!(err(&upper), RefError::InvalidDigest { .. }));
        // Uppercase algorithm: docker's lowercase check sees `library/alpine@SHA256`.
        let up_alg = format!("alpine@SHA256:{HEX}");
        assert!(matches!(err(&up_alg), RefError::Uppercase(_)));
        let two = format!("alpine@sha256:{HEX}@sha256:{HEX}");
        assert!(is_format(&err(&two)));
    }

    #[test]
    fn uppercase_paths_are_refused() {
        assert!(matches!(err("Alpine"), RefError::Uppercase(_)));
        assert!(matches!(err("foo/Bar"), RefError::Uppercase(_)));
        assert!(matches!(err("localhost:5000/Foo"), RefError::Uppercase(_)));
        assert!(matches!(err("Foo/Bar"), RefError::Uppercase(_)));
        // The host may be uppercase, but `_` never makes it one: lowercasing the whole
        // string would match, so docker calls this an uppercase problem.
        assert!(matches!(err("Foo_Bar/x"), RefError::Uppercase(_)));
        // Tags may be uppercase.
        assert_eq!(canon("alpine:LATEST"), "docker.io/library/alpine:LATEST");
    }

    #[test]
    fn ids_and_id_prefixes_are_not_names() {
        for s in [
            HEX.to_string(),
            format!("sha256:{HEX}"),
            format!("sha512:{HEX}{HEX}"),
            "abcd".into(),
            "a".into(),
            "deadbeef".into(),
            "0123".into(),
            "sha256:abcd".into(),
            HEX[..63].to_string(),
        ] {
            assert_eq!(err(&s), RefError::LooksLikeId(s.clone()), "{s}");
        }
    }

    #[test]
    fn hex_lookalikes_that_are_names() {
        // Qualified, tagged or non-hex: the daemon never tries these as IDs.
        assert_eq!(
            canon("docker.io/library/cafe"),
            "docker.io/library/cafe:latest"
        );
        assert_eq!(canon("cafe:latest"), "docker.io/library/cafe:latest");
        assert_eq!(canon("cafes"), "docker.io/library/cafes:latest");
        assert_eq!(canon("sha384:abcd"), "docker.io/library/sha384:abcd");
        // 65 hex characters is a (long) name, not an ID.
        let long = format!("{HEX}0");
        assert_eq!(canon(&long), format!("docker.io/library/{long}:latest"));
    }

    #[test]
    fn empty_and_whitespace() {
        assert_eq!(err(""), RefError::Empty);
        for s in [
            " ", " alpine", "alpine ", "alpine\n", "alp ine", "\talpine", "alpine\0",
        ] {
            assert!(is_format(&err(s)), "{s:?}");
        }
    }

    #[test]
    fn separators_in_path_components() {
        for ok in ["a.b", "a_b", "a__b", "a-b", "a--b", "a---b", "a-b.c_d__e"] {
            assert!(normalize(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a..b", "a___b", "a._b", "a-_b", "-a", "a-", "a_", "_a", ".a", "a.",
        ] {
            assert!(is_format(&err(bad)), "{bad}");
        }
    }

    #[test]
    fn slashes() {
        for bad in [
            "foo//bar",
            "foo/",
            "/foo",
            "/",
            "//",
            "foo/./bar",
            "foo/../bar",
        ] {
            assert!(is_format(&err(bad)), "{bad}");
        }
    }

    #[test]
    fn tags() {
        let t128 = "t".repeat(128);
        assert_eq!(
            canon(&format!("a:{t128}")),
            format!("docker.io/library/a:{t128}")
        );
        assert!(is_format(&err(&format!("a:{t128}x"))));
        assert!(is_format(&err("alpine:")));
        assert!(is_format(&err("alpine:-tag")));
        assert!(is_format(&err("alpine:.tag")));
        assert!(normalize("alpine:_tag").is_ok());
        assert!(is_format(&err("alpine:3.19:foo")));
        assert!(is_format(&err("alpine:a/b")));
    }

    #[test]
    fn path_length_limit_counts_library_prefix() {
        // "library/" (8) + 247 = 255: allowed; one more is too long.
        let ok = "a".repeat(247);
        assert!(normalize(&ok).is_ok());
        let long = "a".repeat(248);
        assert!(matches!(err(&long), RefError::NameTooLong(_)));
        // The domain does not count.
        let host = format!("{}.com/{}", "h".repeat(60), "p".repeat(255));
        assert!(normalize(&host).is_ok());
    }

    #[test]
    fn hostile_characters() {
        for bad in [
            "alpine;rm -rf /",
            "alpine$(id)",
            "alpine`id`",
            "../../etc/passwd",
            "alpinе", // Cyrillic 'е'
            "ex ample.com/x",
            "example.com:port/x",
            "example.com:/x",
            "[::1/x",
            "-v=/:/host",
            "--privileged",
            "a@b@c",
        ] {
            let e = err(bad);
            assert!(
                is_format(&e) || matches!(e, RefError::Uppercase(_)),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn invalid_host_keeps_whole_name_as_path() {
        // `foo_bar.com` has a dot so docker takes it as the registry, but it is no valid
        // host, so the reference grammar keeps everything as the path (domain empty).
        let r = normalize("foo_bar.com/x").unwrap();
        assert_eq!((r.domain.as_str(), r.path.as_str()), ("", "foo_bar.com/x"));
        assert_eq!(r.canonical(), "foo_bar.com/x:latest");
        assert!(is_format(&err("foo_bar.com:5000/x")));
        assert!(is_format(&err("a..b/c")));
    }

    #[test]
    fn canonical_form_is_a_fixed_point() {
        let d = format!("sha256:{HEX}");
        for s in [
            "alpine".to_string(),
            "ollama/ollama:0.5".into(),
            "localhost:5000/x".into(),
            "Foo/bar".into(),
            "foo_bar.com/x".into(),
            "[::1]:5000/foo".into(),
            format!("alpine:3@{d}"),
            format!("alpine@{d}"),
            "index.docker.io/x".into(),
        ] {
            let once = normalize(&s).unwrap();
            let twice = normalize(&once.canonical()).unwrap();
            assert_eq!(once, twice, "{s}");
            assert_eq!(once.to_string(), once.canonical());
        }
    }

    #[test]
    fn errors_say_why() {
        assert!(err("").to_string().contains("empty"));
        assert!(err("abcd").to_string().contains("image ID"));
        assert!(err("a b").to_string().contains("' '"));
        assert!(err("a:-x").to_string().contains("tag"));
        assert!(err("Alpine").to_string().contains("lowercase"));
        assert!(err(&"a".repeat(300)).to_string().contains("255"));
    }
}
