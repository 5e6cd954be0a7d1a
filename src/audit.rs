//! One record per decision, allowed or denied, to syslog (facility authpriv,
//! identifier `docker-guard`) and optionally to a JSON-lines file the policy names.
//!
//! Records are built so that nothing the caller typed can forge one: every argument
//! is escaped (no newline, control byte, line separator or bidi override survives),
//! values of `-e/--env` are redacted, and the record has a bounded length with a
//! visible truncation mark.
//!
//! The sinks are opened before the decision is final ([`Sinks::open`]), so that a
//! policy with `audit.required = true` can refuse a command whose record cannot be
//! written, and the record that does get written says so.

use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};

/// Longest record written, in bytes; syslog daemons commonly cut at 8 KiB.
pub const MAX_RECORD: usize = 4096;
/// Ends every text that was cut, and the last item of every list that was cut, to
/// fit [`MAX_RECORD`].
pub const TRUNCATION_MARK: &str = "…[truncated]";
pub const SYSLOG_SOCKET: &str = "/dev/log";
/// syslog facility authpriv (10): security messages, kept where only root reads them
/// (`/var/log/auth.log`, `/var/log/secure`, the journal).
const AUTHPRIV: u8 = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// RFC 3339, UTC.
    pub time: String,
    /// docker-guard's pid, which docker keeps: docker replaces docker-guard.
    pub pid: u32,
    /// The caller, or `?` when it could not be identified.
    pub user: String,
    pub uid: u32,
    pub tty: String,
    pub cwd: String,
    /// `allow` or `deny`.
    pub decision: &'static str,
    /// The canonical command path (`container ls`), `docker` for bare docker,
    /// `(unparsed)` when the argv could not be read.
    pub command: String,
    /// The rule that allowed it.
    pub rule: Option<String>,
    /// Why it was denied.
    pub reasons: Vec<String>,
    /// What the caller typed, redacted.
    pub argv: Vec<String>,
    /// What docker was given (allowed only), redacted.
    pub exec: Vec<String>,
}

/// Escapes what could break a record's line or fool whoever reads it: backslashes,
/// quotes, control characters (C0, DEL, C1), Unicode line and paragraph separators
/// and bidirectional overrides ("Trojan source" tricks that reorder what a terminal
/// shows).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Characters that must never reach a log line as they are.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{2028}' | '\u{2029}'            // line / paragraph separator
            | '\u{200e}' | '\u{200f}' | '\u{061c}' // directional marks
            | '\u{202a}'..='\u{202e}'          // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}'          // bidi isolates
        )
}

/// Replaces the values of environment-variable flags (`-e NAME=secret`) in an argv
/// by `NAME=<redacted>`; the names stay, since they are what policies restrict.
pub fn redact(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut redact_next = false;
    let mut after_terminator = false;
    for arg in argv {
        if redact_next {
            out.push(redact_assignment(arg));
            redact_next = false;
            continue;
        }
        if after_terminator {
            out.push(arg.clone());
            continue;
        }
        if arg == "--" {
            after_terminator = true;
            out.push(arg.clone());
        } else if SECRET_FLAGS.contains(&arg.as_str()) || arg == "-e" {
            out.push(arg.clone());
            redact_next = true;
        } else if let Some((flag, v)) = arg
            .split_once('=')
            .filter(|(flag, _)| SECRET_FLAGS.contains(flag))
        {
            out.push(format!("{flag}={}", redact_assignment(v)));
        } else if let Some(pos) = env_shorthand_position(arg) {
            // A cluster of letters ending in `e` (`-ite`, `-e`), maybe with the value
            // attached (`-ite=X=1`, `-eX=1`).
            let rest = &arg[pos + 1..];
            if rest.is_empty() {
                out.push(arg.clone());
                redact_next = true;
            } else {
                let (sep, value) = match rest.strip_prefix('=') {
                    Some(v) => ("=", v),
                    None => ("", rest),
                };
                out.push(format!("{}{sep}{}", &arg[..=pos], redact_assignment(value)));
            }
        } else {
            out.push(arg.clone());
        }
    }
    out
}

/// Long flags whose `NAME=value` values may carry secrets: the value is redacted,
/// the name kept (policies restrict names).
const SECRET_FLAGS: &[&str] = &["--env", "--build-arg"];

/// Where `e` stands in a shorthand cluster made of letters only (`-ite...`).
fn env_shorthand_position(arg: &str) -> Option<usize> {
    let body = arg.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
    let pos = body.find('e')?;
    body[..pos]
        .chars()
        .all(|c| c.is_ascii_alphabetic())
        .then_some(pos + 1)
}

fn redact_assignment(value: &str) -> String {
    match value.split_once('=') {
        Some((name, _)) => format!("{name}=<redacted>"),
        None => value.to_string(),
    }
}

impl Record {
    /// The syslog message: `key=value` pairs with quoted, escaped values, at most
    /// [`MAX_RECORD`] bytes.
    pub fn to_line(&self) -> String {
        self.fitted(Record::render_line)
    }

    /// One JSON object on one line, at most [`MAX_RECORD`] bytes.
    pub fn to_json(&self) -> String {
        self.fitted(Record::render_json)
    }

    fn render_line(&self) -> String {
        let quoted = |items: &[String]| {
            items
                .iter()
                .map(|a| format!("\"{}\"", escape(a)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut line = format!(
            "decision={} user=\"{}\" uid={} tty=\"{}\" cwd=\"{}\" command=\"{}\"",
            self.decision,
            escape(&self.user),
            self.uid,
            escape(&self.tty),
            escape(&self.cwd),
            escape(&self.command)
        );
        if let Some(rule) = &self.rule {
            line.push_str(&format!(" rule=\"{}\"", escape(rule)));
        }
        if !self.reasons.is_empty() {
            line.push_str(&format!(" reasons=[{}]", quoted(&self.reasons)));
        }
        line.push_str(&format!(" argv=[{}]", quoted(&self.argv)));
        if !self.exec.is_empty() {
            line.push_str(&format!(" exec=[{}]", quoted(&self.exec)));
        }
        line
    }

    fn render_json(&self) -> String {
        // serde_json escapes C0 controls, quotes and backslashes; what it leaves (DEL,
        // C1, line separators, bidi) is escaped here too: some readers split lines on
        // U+2028 or NEL. Those characters only occur inside JSON strings, where a
        // `\uXXXX` escape means the same character, so the data is unchanged.
        let json = serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                "{{\"error\":\"record could not be serialised: {}\"}}",
                escape(&e.to_string())
            )
        });
        let mut out = String::with_capacity(json.len());
        for c in json.chars() {
            if is_unsafe_char(c) {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `render(self)`, or, when that is longer than [`MAX_RECORD`], the rendering of
    /// a copy with long texts cut and then long lists shortened, each cut marked.
    /// The fixed fields (time, pid, uid, decision) are never cut.
    fn fitted(&self, render: fn(&Record) -> String) -> String {
        let full = render(self);
        if full.len() <= MAX_RECORD {
            return full;
        }
        const STEPS: &[(usize, usize)] = &[
            (1024, usize::MAX),
            (256, usize::MAX),
            (256, 32),
            (64, 16),
            (32, 4),
            (16, 1),
        ];
        let mut text = full;
        for &(chars, items) in STEPS {
            text = render(&self.shortened(chars, items));
            if text.len() <= MAX_RECORD {
                break;
            }
        }
        // After the last step every text is at most 16 characters (each escaped to
        // at most 10 bytes) and every list at most 2 items: far below the limit.
        text
    }

    fn shortened(&self, chars: usize, items: usize) -> Record {
        let text = |s: &String| cut_chars(s, chars);
        let list = |l: &Vec<String>| {
            let mut out: Vec<String> = l.iter().take(items).map(text).collect();
            if l.len() > items {
                out.push(format!("{TRUNCATION_MARK} {} more", l.len() - items));
            }
            out
        };
        Record {
            time: self.time.clone(),
            pid: self.pid,
            user: text(&self.user),
            uid: self.uid,
            tty: text(&self.tty),
            cwd: text(&self.cwd),
            decision: self.decision,
            command: text(&self.command),
            rule: self.rule.as_ref().map(text),
            reasons: list(&self.reasons),
            argv: list(&self.argv),
            exec: list(&self.exec),
        }
    }
}

/// The first `max` characters of `text`, with the mark when something was cut.
fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}{TRUNCATION_MARK}", &text[..end]),
    }
}

/// Where records go: syslog always, the policy's JSON-lines file when it names one.
pub struct Sinks {
    syslog: Option<(PathBuf, Syslog)>,
    json: Option<(PathBuf, File)>,
}

/// A connection to the local syslog socket: a datagram socket (journald, rsyslog,
/// syslog-ng), or a stream socket where a daemon offers only that.
enum Syslog {
    Datagram(UnixDatagram),
    Stream(UnixStream),
}

impl Sinks {
    /// Opens every sink. Returns the sinks that opened and, for each that did not,
    /// a problem (`sink: why`).
    pub fn open(json_log: Option<&Path>) -> (Sinks, Vec<String>) {
        Sinks::open_at(Path::new(SYSLOG_SOCKET), json_log)
    }

    /// [`Sinks::open`] with another syslog socket (for tests).
    pub fn open_at(syslog_socket: &Path, json_log: Option<&Path>) -> (Sinks, Vec<String>) {
        let mut problems = Vec::new();
        let syslog = connect_syslog(syslog_socket)
            .map(|s| (syslog_socket.to_path_buf(), s))
            .map_err(|e| problems.push(format!("syslog ({}): {e}", syslog_socket.display())))
            .ok();
        let json = json_log.and_then(|path| {
            open_json_log(path)
                .map(|file| (path.to_path_buf(), file))
                .map_err(|e| problems.push(format!("{}: {e}", path.display())))
                .ok()
        });
        (Sinks { syslog, json }, problems)
    }

    /// Writes one record to every open sink (the JSON file first: it is the one an
    /// admin chose to require); returns the problems met.
    pub fn write(&mut self, record: &Record) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some((path, file)) = &mut self.json {
            let mut line = record.to_json();
            line.push('\n');
            if let Err(e) = file.write_all(line.as_bytes()) {
                problems.push(format!("{}: {e}", path.display()));
            }
        }
        if let Some((path, syslog)) = &mut self.syslog {
            let message = syslog_message(record);
            let sent = match syslog {
                Syslog::Datagram(sock) => sock.send(message.as_bytes()).map(drop),
                // On a stream socket a NUL ends each message, as glibc's syslog(3) does.
                Syslog::Stream(sock) => sock.write_all(format!("{message}\0").as_bytes()),
            };
            if let Err(e) = sent {
                problems.push(format!("syslog ({}): {e}", path.display()));
            }
        }
        problems
    }
}

/// Opens the sinks, writes one record, and returns every problem met.
pub fn write(record: &Record, json_log: Option<&Path>) -> Vec<String> {
    let (mut sinks, mut problems) = Sinks::open(json_log);
    problems.extend(sinks.write(record));
    problems
}

fn connect_syslog(path: &Path) -> std::io::Result<Syslog> {
    let sock = UnixDatagram::unbound()?;
    match sock.connect(path) {
        Ok(()) => Ok(Syslog::Datagram(sock)),
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::EPROTOTYPE as i32) => {
            UnixStream::connect(path).map(Syslog::Stream)
        }
        Err(e) => Err(e),
    }
}

/// RFC 3164 framing as glibc's syslog(3) sends it on the local socket:
/// `<PRI>Mmm dd hh:mm:ss docker-guard[PID]: MSG`. The time is UTC; local daemons
/// (journald, rsyslog's imuxsock) stamp messages with their own time anyway.
pub fn syslog_message(record: &Record) -> String {
    let severity = if record.decision == "allow" { 6 } else { 5 }; // info / notice
    format!(
        "<{}>{} docker-guard[{}]: {}",
        AUTHPRIV * 8 + severity,
        syslog_time(),
        record.pid,
        record.to_line()
    )
}

/// Sends one record to a syslog socket.
pub fn send_syslog(socket: &Path, record: &Record) -> std::io::Result<()> {
    let (mut sinks, problems) = Sinks::open_at(socket, None);
    let problems = if problems.is_empty() {
        sinks.write(record)
    } else {
        problems
    };
    match problems.first() {
        None => Ok(()),
        Some(problem) => Err(std::io::Error::other(problem.clone())),
    }
}

/// Opens the JSON log for appending, creating it (mode 0600) when missing.
///
/// It is an audit trail, so only root may be able to change it, and root must not be
/// tricked into appending to another file: the directory holding it must be one only
/// root can write (or a root-owned sticky one), the last component must not be a
/// symlink (`O_NOFOLLOW`), and the opened file (checked with fstat, not by path) must
/// be a regular file owned by root, not writable by group or others, with no other
/// hard link (a link to `/etc/shadow` would otherwise pass the other checks).
pub fn open_json_log(path: &Path) -> std::io::Result<File> {
    let refused = |why: String| std::io::Error::other(format!("refused: {why}"));
    let parent = path
        .parent()
        .filter(|p| path.is_absolute() && !p.as_os_str().is_empty())
        .ok_or_else(|| refused("not an absolute path".into()))?;
    crate::trust::check_trusted_dir(parent).map_err(|e| refused(e.to_string()))?;
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags((nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_CLOEXEC).bits())
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused("not a regular file".into()));
    }
    if meta.uid() != 0 {
        return Err(refused(format!("owned by uid {}, not root", meta.uid())));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(refused(format!(
            "writable by group or others (mode {:o})",
            meta.mode() & 0o7777
        )));
    }
    if meta.nlink() != 1 {
        return Err(refused(format!("has {} hard links", meta.nlink())));
    }
    Ok(file)
}

/// Appends one record to the JSON log (see [`open_json_log`]).
pub fn append_json(path: &Path, record: &Record) -> std::io::Result<()> {
    let mut file = open_json_log(path)?;
    let mut line = record.to_json();
    line.push('\n');
    file.write_all(line.as_bytes())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current time as RFC 3339 UTC, without a date crate.
pub fn now_rfc3339() -> String {
    let secs = unix_now();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The current time as RFC 3164 writes it (`Jan  2 03:04:05`), UTC.
fn syslog_time() -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = unix_now();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (_, m, d) = civil_from_days(days as i64);
    format!(
        "{} {d:>2} {:02}:{:02}:{:02}",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The caller's terminal, as the name of standard input's tty, or `-` when standard
/// input is not a terminal (a file or `/dev/null` is not one).
pub fn tty_name() -> String {
    let stdin = std::io::stdin();
    if !nix::unistd::isatty(&stdin).unwrap_or(false) {
        return "-".to_string();
    }
    std::fs::read_link("/proc/self/fd/0")
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn record(argv: &[&str]) -> Record {
        Record {
            time: "2026-01-01T00:00:00Z".into(),
            pid: 42,
            user: "agent".into(),
            uid: 1000,
            tty: "-".into(),
            cwd: "/home/agent".into(),
            decision: "deny",
            command: "container run".into(),
            rule: None,
            reasons: vec!["flag --privileged is not allowed".into()],
            argv: redact(&s(argv)),
            exec: Vec::new(),
        }
    }

    #[test]
    fn forged_newlines_stay_on_one_line() {
        let r = record(&["ps", "x\n<86>docker-guard[1]: decision=allow"]);
        let line = r.to_line();
        assert!(!line.contains('\n'));
        assert!(
            line.contains("x\\n<86>docker-guard[1]: decision=allow"),
            "{line}"
        );
        assert!(!r.to_json().contains('\n'));
    }

    #[test]
    fn separators_controls_and_bidi_overrides_are_escaped_in_both_forms() {
        let r = record(&["ps", "a\u{2028}b\u{85}c\u{7f}d\u{202e}e\rf"]);
        let line = r.to_line();
        assert!(
            line.contains(r#""a\u{2028}b\u{85}c\u{7f}d\u{202e}e\rf""#),
            "{line}"
        );
        let json = r.to_json();
        assert!(
            json.contains(r#""a\u2028b\u0085c\u007fd\u202ee\rf""#),
            "{json}"
        );
        // Still the same data for a JSON reader.
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["argv"][1], "a\u{2028}b\u{85}c\u{7f}d\u{202e}e\rf");
        assert!(!json.chars().any(is_unsafe_char));
    }

    #[test]
    fn build_arg_values_are_redacted() {
        let argv = s(&[
            "build",
            "--build-arg",
            "TOKEN=abc",
            "--build-arg=KEY=def",
            ".",
        ]);
        assert_eq!(
            redact(&argv),
            s(&[
                "build",
                "--build-arg",
                "TOKEN=<redacted>",
                "--build-arg=KEY=<redacted>",
                "."
            ])
        );
    }

    #[test]
    fn env_values_are_redacted_in_every_spelling() {
        let argv = s(&[
            "run",
            "-e",
            "A=1",
            "--env",
            "B=2",
            "--env=C=3",
            "-eD=4",
            "-ite=E=5",
            "-e",
            "F",
            "img",
            "--",
            "-e",
            "G=7",
        ]);
        assert_eq!(
            redact(&argv),
            s(&[
                "run",
                "-e",
                "A=<redacted>",
                "--env",
                "B=<redacted>",
                "--env=C=<redacted>",
                "-eD=<redacted>",
                "-ite=E=<redacted>",
                "-e",
                "F",
                "img",
                "--",
                "-e",
                "G=7",
            ])
        );
    }

    #[test]
    fn long_texts_are_cut_with_a_mark_and_the_fixed_fields_stay() {
        let long = "a".repeat(10_000);
        let mut r = record(&["run", &long]);
        r.reasons.push(format!("--tail={long} is not allowed"));
        r.cwd = format!("/{long}");
        for text in [r.to_line(), r.to_json()] {
            assert!(text.len() <= MAX_RECORD, "{}", text.len());
            assert!(text.contains(TRUNCATION_MARK), "{text}");
            assert!(text.contains("1000") && text.contains("deny"), "{text}");
        }
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["time"], "2026-01-01T00:00:00Z");
        assert_eq!(json["argv"][0], "run");
        assert!(json["argv"][1].as_str().unwrap().ends_with(TRUNCATION_MARK));
    }

    #[test]
    fn many_arguments_are_cut_with_a_count() {
        let many: Vec<String> = (0..5000).map(|i| format!("arg{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let r = record(&refs);
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        let argv = json["argv"].as_array().unwrap();
        let last = argv.last().unwrap().as_str().unwrap();
        assert!(
            last.starts_with(TRUNCATION_MARK) && last.ends_with(" more"),
            "{last}"
        );
        assert_eq!(argv[0], "arg0");
        assert!(r.to_line().len() <= MAX_RECORD);
    }

    #[test]
    fn records_reach_a_datagram_syslog_socket_framed_as_authpriv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let server = UnixDatagram::bind(&path).unwrap();
        let mut r = record(&["ps"]);
        send_syslog(&path, &r).unwrap();
        r.decision = "allow";
        send_syslog(&path, &r).unwrap();
        let mut buf = [0u8; 8192];
        let n = server.recv(&mut buf).unwrap();
        let deny = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(deny.starts_with("<85>"), "authpriv.notice: {deny}");
        assert!(deny.contains(" docker-guard[42]: decision=deny "), "{deny}");
        let n = server.recv(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"<86>"), "authpriv.info");
        let missing = send_syslog(&dir.path().join("none"), &r).unwrap_err();
        assert!(missing.to_string().contains("syslog"), "{missing}");
    }

    #[test]
    fn the_json_log_must_be_roots_alone() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: ownership checks need root");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        append_json(&path, &record(&["ps"])).unwrap();
        append_json(&path, &record(&["ps"])).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600, "created private");
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o622)).unwrap();
        let err = append_json(&path, &record(&["ps"])).unwrap_err();
        assert!(
            err.to_string().contains("writable by group or others"),
            "{err}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

        let link = dir.path().join("link.jsonl");
        std::fs::hard_link(&path, &link).unwrap();
        let err = append_json(&link, &record(&["ps"])).unwrap_err();
        assert!(err.to_string().contains("2 hard links"), "{err}");
        std::fs::remove_file(&link).unwrap();

        let symlink = dir.path().join("sym.jsonl");
        std::os::unix::fs::symlink(&path, &symlink).unwrap();
        assert!(
            append_json(&symlink, &record(&["ps"])).is_err(),
            "no symlink"
        );

        nix::unistd::chown(&path, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
        let err = append_json(&path, &record(&["ps"])).unwrap_err();
        assert!(err.to_string().contains("owned by uid 65534"), "{err}");

        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = append_json(&dir.path().join("new.jsonl"), &record(&["ps"])).unwrap_err();
        assert!(
            err.to_string().contains("writable by group or others"),
            "{err}"
        );
        assert!(!dir.path().join("new.jsonl").exists(), "nothing created");
    }

    #[test]
    fn dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(syslog_time().len(), 15);
    }
}
