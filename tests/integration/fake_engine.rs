//! A fake Docker Engine API on a unix socket, for running the real docker CLI
//! against something that records what it asks and never does it.
//!
//! It speaks just enough HTTP/1.1 for the docker client: one request per connection
//! (every answer says `Connection: close`), a body by `Content-Length` or chunked. It
//! answers `/_ping` like a Linux engine of docker 28.2.2's own API version (so the
//! client does not negotiate down), `/version` minimally, a pull (`POST
//! /images/create`, asked first by `run --pull=always`) with success, and records
//! `POST /containers/create` and then fails it, so that `docker run` stops before
//! anything else. Everything else gets an error. Every request is recorded.
//!
//! Bounded: the socket lives in a private temp dir, each connection has read and
//! write timeouts and size limits, and dropping the engine stops its thread.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The API version docker 28.2.2 speaks by default (`docker version`: "API version:
/// 1.50"): answering it means the client uses its own version, no downgrade.
pub const API_VERSION: &str = "1.50";
/// What the engine answers a container create with: the CLI prints it and stops.
pub const CREATE_REFUSAL: &str = "fake engine: recorded";

const IO_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One request as the engine received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Without the query string, with the `/v1.xx` prefix if the client sent one.
    pub path: String,
    pub query: String,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the API version prefix: `/containers/create`.
    pub fn endpoint(&self) -> &str {
        strip_version(&self.path)
    }

    /// The decoded value of one query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| percent_decode(value))
        })
    }
}

pub struct FakeEngine {
    dir: tempfile::TempDir,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeEngine {
    pub fn start() -> FakeEngine {
        let dir = tempfile::tempdir().unwrap();
        let listener = UnixListener::bind(dir.path().join("docker.sock")).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || serve(listener, requests, stop))
        };
        FakeEngine {
            dir,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// The value for `DOCKER_HOST`.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The bodies of every `POST /containers/create`, parsed as JSON, with the request.
    pub fn creates(&self) -> Vec<(Request, serde_json::Value)> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.endpoint() == "/containers/create")
            .map(|r| {
                let body = serde_json::from_slice(&r.body).unwrap_or_else(|e| {
                    panic!(
                        "create body is not JSON ({e}): {}",
                        String::from_utf8_lossy(&r.body)
                    )
                });
                (r, body)
            })
            .collect()
    }
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so that the thread sees the flag and ends.
        let _ = UnixStream::connect(self.socket());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: UnixListener, requests: Arc<Mutex<Vec<Request>>>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        // One thread per connection: docker may hold one connection open while it
        // opens another. Timeouts bound each thread's life.
        let requests = requests.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &requests);
        });
    }
}

fn handle(stream: UnixStream, requests: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let request = match read_request(&mut reader) {
        Ok(Some(request)) => request,
        Ok(None) => return Ok(()), // closed without a request (the Drop wake-up)
        Err(e) => {
            return respond(
                &mut writer,
                "HEAD",
                400,
                &[],
                &error_json(&format!("fake engine: {e}")),
            );
        }
    };
    requests.lock().unwrap().push(request.clone());
    let (status, headers, body) = answer(&request);
    respond(&mut writer, &request.method, status, &headers, &body)
}

type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

fn answer(request: &Request) -> Answer {
    let json = || vec![("Content-Type", "application/json".to_string())];
    match (request.method.as_str(), request.endpoint()) {
        ("GET" | "HEAD", "/_ping") => (
            200,
            vec![
                ("Api-Version", API_VERSION.to_string()),
                ("OSType", "linux".to_string()),
                ("Docker-Experimental", "false".to_string()),
                ("Content-Type", "text/plain; charset=utf-8".to_string()),
            ],
            b"OK".to_vec(),
        ),
        ("GET", "/version") => (
            200,
            json(),
            format!(
                r#"{{"Version":"28.2.2","ApiVersion":"{API_VERSION}","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}}"#
            )
            .into_bytes(),
        ),
        // A pull (`run --pull=always` pulls before it creates): report success so
        // that the CLI goes on to create.
        ("POST", "/images/create") => (
            200,
            json(),
            b"{\"status\":\"fake engine: pulled\"}\n".to_vec(),
        ),
        ("POST", "/containers/create") => (500, json(), error_json(CREATE_REFUSAL)),
        (method, endpoint) => (
            500,
            json(),
            error_json(&format!("fake engine: {method} {endpoint} is not served")),
        ),
    }
}

fn error_json(message: &str) -> Vec<u8> {
    serde_json::json!({ "message": message })
        .to_string()
        .into_bytes()
}

fn respond(
    writer: &mut UnixStream,
    method: &str,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Internal Server Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    writer.write_all(head.as_bytes())?;
    if method != "HEAD" {
        writer.write_all(body)?;
    }
    writer.flush()
}

fn read_request(reader: &mut impl BufRead) -> Result<Option<Request>, String> {
    let mut line = String::new();
    let mut head_size = 0;
    if read_line(reader, &mut line, &mut head_size)? == 0 {
        return Ok(None);
    }
    let mut words = line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(format!("bad request line {line:?}"));
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        body: Vec::new(),
    };
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        if read_line(reader, &mut header, &mut head_size)? == 0 {
            return Err("connection closed in the headers".into());
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|e| e.to_string())?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    request.body = if chunked {
        read_chunked(reader)?
    } else {
        read_exact(reader, length.unwrap_or(0))?
    };
    Ok(Some(request))
}

fn read_line(
    reader: &mut impl BufRead,
    line: &mut String,
    total: &mut usize,
) -> Result<usize, String> {
    let n = reader
        .take((MAX_HEAD - *total) as u64)
        .read_line(line)
        .map_err(|e| e.to_string())?;
    *total += n;
    if *total >= MAX_HEAD {
        return Err("request head too large".into());
    }
    Ok(n)
}

fn read_exact(reader: &mut impl Read, length: usize) -> Result<Vec<u8>, String> {
    if length > MAX_BODY {
        return Err(format!("body of {length} bytes is too large"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(body)
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut ignored = 0;
    loop {
        let mut size = String::new();
        read_line(reader, &mut size, &mut ignored)?;
        let size = size.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|e| format!("chunk size: {e}"))?;
        if body.len() + size > MAX_BODY {
            return Err("chunked body too large".into());
        }
        body.extend(read_exact(reader, size)?);
        let mut end = String::new();
        read_line(reader, &mut end, &mut ignored)?; // CRLF after the chunk, or trailer end
        if size == 0 {
            return Ok(body);
        }
    }
}

/// `/v1.50/containers/create` → `/containers/create`.
fn strip_version(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
        && rest[..slash]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
    {
        return &rest[slash..];
    }
    path
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the engine itself with a plain HTTP client, so that a failure of the
/// end-to-end tests is not a failure of this fake.
#[test]
fn fake_engine_answers_ping_records_create_and_stops_on_drop() {
    let engine = FakeEngine::start();
    let exchange = |request: &[u8]| {
        let mut stream = UnixStream::connect(engine.socket()).unwrap();
        stream.write_all(request).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let ping = exchange(b"HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(ping.starts_with("HTTP/1.1 200"), "{ping}");
    assert!(ping.contains("Api-Version: 1.50\r\n"), "{ping}");
    assert!(ping.ends_with("\r\n\r\n"), "HEAD gets no body: {ping:?}");
    let chunked = exchange(
        b"POST /v1.50/containers/create?name=a%2Db&platform=linux HTTP/1.1\r\n\
          Transfer-Encoding: chunked\r\n\r\n5\r\n{\"Ima\r\n9\r\nge\":\"x\"}\r\n0\r\n\r\n",
    );
    assert!(chunked.starts_with("HTTP/1.1 500"), "{chunked}");
    assert!(chunked.contains(CREATE_REFUSAL), "{chunked}");
    let creates = engine.creates();
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].1["Image"], "x");
    assert_eq!(creates[0].0.query_param("name").as_deref(), Some("a-b"));
    assert_eq!(
        creates[0].0.query_param("platform").as_deref(),
        Some("linux")
    );
    let socket = engine.socket();
    drop(engine);
    assert!(
        UnixStream::connect(&socket).is_err(),
        "the socket is gone with the engine"
    );
}
