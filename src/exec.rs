//! Replacing this process with docker.
//!
//! `execve`, not fork: docker keeps our pid, the terminal, signals and the exit code,
//! and nothing of docker-guard stays behind. The environment is built from nothing
//! but the policy's list, and the working directory is `/`, so that nothing the
//! caller chose (variables, relative paths, a `.env` file) reaches docker.

use crate::error::Error;
use nix::unistd::{chdir, execve};
use std::ffi::CString;
use std::path::Path;

/// Runs docker with exactly these arguments and environment. Returns only on failure.
pub fn exec_docker(docker: &Path, args: &[String], environment: &[(String, String)]) -> Error {
    match try_exec(docker, args, environment) {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

fn try_exec(
    docker: &Path,
    args: &[String],
    environment: &[(String, String)],
) -> Result<std::convert::Infallible, Error> {
    let program = c_string(docker.as_os_str().as_encoded_bytes())?;
    let mut argv = vec![c_string(b"docker")?];
    for arg in args {
        argv.push(c_string(arg.as_bytes())?);
    }
    let envp = environment
        .iter()
        .map(|(k, v)| c_string(format!("{k}={v}").as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    chdir("/").map_err(|e| Error::Config(format!("cannot change directory to /: {e}")))?;
    let errno = execve(&program, &argv, &envp).unwrap_err();
    Err(Error::Config(format!(
        "cannot execute {}: {errno}",
        docker.display()
    )))
}

fn c_string(bytes: &[u8]) -> Result<CString, Error> {
    // Arguments were checked for NUL when parsed; this only guards the policy's own
    // values and paths.
    CString::new(bytes).map_err(|_| Error::Config("a value contains a NUL byte".into()))
}
