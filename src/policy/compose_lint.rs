//! What a pinned compose file asks for, in the terms `docker run` is judged by.
//!
//! compose creates containers from the file with whatever it says: privileged, host
//! binds, host namespaces, devices, capabilities. The file is the admin's, but an
//! admin pinning it should see what it hands the caller, so `policy validate` warns
//! (and `--strict` refuses) for each such service setting.

use super::paths;
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

/// One finding: which service asks for what.
pub fn findings(
    text: &str,
    project_dir: &Path,
    allowed_binds: &[PathBuf],
) -> Result<Vec<String>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let mut out = Vec::new();
    for doc in &docs {
        let Some(services) = doc["services"].as_hash() else {
            continue;
        };
        for (name, service) in services {
            let name = name.as_str().unwrap_or("?");
            out.extend(
                service_findings(service, project_dir, allowed_binds)
                    .into_iter()
                    .map(|f| format!("service {name}: {f}")),
            );
        }
        if let Some(volumes) = doc["volumes"].as_hash() {
            for (name, volume) in volumes {
                if !volume["driver_opts"].is_badvalue() && !volume["driver_opts"].is_null() {
                    out.push(format!(
                        "volume {}: driver_opts (the local driver's o=bind,device=PATH binds any host path)",
                        name.as_str().unwrap_or("?")
                    ));
                }
            }
        }
    }
    Ok(out)
}

fn service_findings(service: &Yaml, project_dir: &Path, allowed_binds: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    if service["privileged"].as_bool() == Some(true) {
        out.push("privileged: true".to_string());
    }
    for key in ["network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup"] {
        if let Some(value) = service[key].as_str()
            && (value == "host" || value.starts_with("container:"))
        {
            out.push(format!(
                "{key}: {value} (shares a namespace with the host or another container)"
            ));
        }
    }
    for key in ["cap_add", "devices", "device_cgroup_rules"] {
        if list_len(&service[key]) > 0 {
            out.push(format!("{key} (run would refuse it)"));
        }
    }
    if let Some(opts) = service["security_opt"].as_vec() {
        for opt in opts.iter().filter_map(Yaml::as_str) {
            if !opt.starts_with("no-new-privileges") {
                out.push(format!("security_opt {opt}"));
            }
        }
    }
    if let Some(volumes) = service["volumes"].as_vec() {
        for volume in volumes {
            if let Some(source) = bind_source(volume) {
                let absolute = paths::absolutize(project_dir, &source);
                let allowed = allowed_binds
                    .iter()
                    .any(|root| paths::is_within(&absolute, root))
                    && paths::sensitive_reason(&absolute).is_none();
                if !allowed {
                    out.push(format!(
                        "bind of host path {} (outside the directories run may bind)",
                        absolute.display()
                    ));
                }
            }
        }
    }
    out
}

fn list_len(value: &Yaml) -> usize {
    value.as_vec().map(Vec::len).unwrap_or(0)
}

/// The host path of a bind in compose's short (`SRC:DST[:MODE]`) or long syntax.
fn bind_source(volume: &Yaml) -> Option<String> {
    if let Some(short) = volume.as_str() {
        let (source, _) = short.split_once(':')?;
        let is_path = source.starts_with('/') || source.starts_with('.') || source.starts_with('~');
        return is_path.then(|| source.to_string());
    }
    let kind = volume["type"].as_str()?;
    (kind == "bind").then(|| volume["source"].as_str().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_in_a_compose_file_are_found() {
        let text = r#"
services:
  bad:
    image: alpine
    privileged: true
    network_mode: host
    pid: host
    cap_add: [SYS_ADMIN]
    devices: ["/dev/sda:/dev/sda"]
    security_opt: ["seccomp:unconfined", "no-new-privileges:true"]
    volumes:
      - /:/host
      - ./data:/data
      - type: bind
        source: /var/run/docker.sock
        target: /s
      - named:/named
  good:
    image: alpine
    volumes: ["cache:/cache"]
volumes:
  evil:
    driver_opts: { type: none, o: bind, device: / }
"#;
        let found = findings(
            text,
            Path::new("/srv/compose/p"),
            &[PathBuf::from("/srv/compose/p/data")],
        )
        .unwrap();
        let expected = [
            "service bad: privileged: true",
            "service bad: network_mode: host (shares a namespace with the host or another container)",
            "service bad: pid: host (shares a namespace with the host or another container)",
            "service bad: cap_add (run would refuse it)",
            "service bad: devices (run would refuse it)",
            "service bad: security_opt seccomp:unconfined",
            "service bad: bind of host path / (outside the directories run may bind)",
            "service bad: bind of host path /var/run/docker.sock (outside the directories run may bind)",
            "volume evil: driver_opts (the local driver's o=bind,device=PATH binds any host path)",
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn invalid_yaml_is_reported() {
        assert!(
            findings("services: [", Path::new("/"), &[])
                .unwrap_err()
                .contains("not valid YAML")
        );
    }
}
