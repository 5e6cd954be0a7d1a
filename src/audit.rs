//! One record per decision, allowed or denied, to syslog (facility authpriv,
//! identifier `docker-guard`) and optionally to a JSON-lines file the policy names.
//!
//! Records are built so that nothing the caller typed can forge one: every argument
//! is escaped (no newline or control byte survives), values of `-e/--env` are
//! redacted, and the record has a bounded length with a visible truncation mark.

use serde::Serialize;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::Path;

/// Longest record written, in bytes; syslog daemons commonly cut at 8 KiB.
pub const MAX_RECORD: usize = 4096;
pub const TRUNCATION_MARK: &str = "…[truncated]";
pub const SYSLOG_SOCKET: &str = "/dev/log";

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub time: String,
    pub user: String,
    pub uid: u32,
    pub tty: String,
    pub cwd: String,
    pub decision: &'static str,
    pub command: String,
    /// The rule that allowed it, or the reasons it was denied.
    pub rule: Option<String>,
    pub reasons: Vec<String>,
    /// What the caller typed, escaped and redacted.
    pub argv: Vec<String>,
    /// What docker was given, escaped and redacted (allowed only).
    pub exec: Vec<String>,
}

/// Escapes control characters, backslashes and quotes so the text stays on one line
/// and cannot imitate the structure of a record.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
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
        } else if arg == "-e" || arg == "--env" {
            out.push(arg.clone());
            redact_next = true;
        } else if let Some(v) = arg.strip_prefix("--env=") {
            out.push(format!("--env={}", redact_assignment(v)));
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
    /// The syslog message: `key=value` pairs with quoted, escaped values.
    pub fn to_line(&self) -> String {
        let quoted = |items: &[String]| {
            items
                .iter()
                .map(|a| format!("\"{}\"", escape(a)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut line = format!(
            "decision={} user={} uid={} tty={} cwd=\"{}\" command=\"{}\"",
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
        bound(line)
    }

    pub fn to_json(&self) -> String {
        // serde_json escapes control characters, so one record is one line.
        let json = serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                "{{\"error\":\"record could not be serialised: {}\"}}",
                escape(&e.to_string())
            )
        });
        if json.len() <= MAX_RECORD {
            return json;
        }
        // Too long: keep the fixed fields and cut the argument lists.
        let mut shorter = self.clone();
        shorter.argv = vec![bound(self.argv.join(" "))];
        shorter.exec = if self.exec.is_empty() {
            Vec::new()
        } else {
            vec![bound(self.exec.join(" "))]
        };
        shorter.argv[0] = cut(&shorter.argv[0], MAX_RECORD / 3);
        if let Some(e) = shorter.exec.first_mut() {
            *e = cut(e, MAX_RECORD / 3);
        }
        serde_json::to_string(&shorter).unwrap_or_default()
    }
}

fn bound(text: String) -> String {
    if text.len() <= MAX_RECORD {
        text
    } else {
        cut(&text, MAX_RECORD - TRUNCATION_MARK.len())
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{TRUNCATION_MARK}", &text[..end])
}

/// Writes a record to every sink; returns the problems met (empty when all worked).
pub fn write(record: &Record, json_log: Option<&Path>) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = send_syslog(Path::new(SYSLOG_SOCKET), record) {
        problems.push(format!("syslog ({SYSLOG_SOCKET}): {e}"));
    }
    if let Some(path) = json_log
        && let Err(e) = append_json(path, record)
    {
        problems.push(format!("{}: {e}", path.display()));
    }
    problems
}

/// RFC 3164 framing on the local syslog socket: `<PRI>TAG[PID]: MSG`.
pub fn send_syslog(socket: &Path, record: &Record) -> std::io::Result<()> {
    const AUTHPRIV: u8 = 10;
    let severity = if record.decision == "allow" { 6 } else { 5 }; // info / notice
    let message = format!(
        "<{}>docker-guard[{}]: {}",
        AUTHPRIV * 8 + severity,
        std::process::id(),
        record.to_line()
    );
    let sock = UnixDatagram::unbound()?;
    sock.send_to(message.as_bytes(), socket)?;
    Ok(())
}

/// Appends one line to the JSON log, which must be root-owned and not writable by
/// others (it is an audit trail: the caller must not be able to edit it).
pub fn append_json(path: &Path, record: &Record) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(path)?;
    let meta = file.metadata()?;
    if meta.uid() != nix::unistd::geteuid().as_raw() || meta.mode() & 0o022 != 0 {
        return Err(std::io::Error::other(
            "refused: not owned by docker-guard's user, or writable by group or others",
        ));
    }
    let mut line = record.to_json();
    line.push('\n');
    file.write_all(line.as_bytes())
}

/// The current time as RFC 3339 UTC, without a date crate.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
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

/// The caller's terminal, as the name of standard input's tty, or `-`.
pub fn tty_name() -> String {
    std::fs::read_link("/proc/self/fd/0")
        .ok()
        .map(|p| p.display().to_string())
        .filter(|p| p.starts_with("/dev/"))
        .unwrap_or_else(|| "-".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn record(argv: &[&str]) -> Record {
        Record {
            time: "2026-01-01T00:00:00Z".into(),
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
    fn long_records_are_cut_with_a_mark() {
        let long = "a".repeat(10_000);
        let r = record(&["run", &long]);
        let line = r.to_line();
        assert!(line.len() <= MAX_RECORD && line.ends_with(TRUNCATION_MARK));
        let json = r.to_json();
        assert!(
            json.len() <= MAX_RECORD && json.contains(TRUNCATION_MARK),
            "{}",
            json.len()
        );
    }

    #[test]
    fn dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
