//! The documentation's examples are policies that load: an example that does not
//! validate would teach admins to write broken policies.

use crate::harness::{BIN, stderr};
use std::process::Command;

fn toml_block_after(doc: &str, marker: &str) -> String {
    let start = doc.find(marker).expect("marker in doc") + marker.len();
    let end = start + doc[start..].find("```").expect("end of block");
    doc[start..end].to_string()
}

#[test]
fn the_readme_policy_example_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = toml_block_after(&readme, "```toml\ndocker = ");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readme.toml");
    std::fs::write(&path, format!("docker = {example}")).unwrap();
    let output = Command::new(BIN)
        .args(["policy", "validate"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("valid (1 rule, 3 commands"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
