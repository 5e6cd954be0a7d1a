{ lib, rustPlatform }:

let
  fs = lib.fileset;
  cargoToml = lib.importTOML ../Cargo.toml;
in
rustPlatform.buildRustPackage {
  pname = "docker-guard";
  inherit (cargoToml.package) version;

  # What cargo reads, and nothing else: editing the Nix files, CI scripts or
  # the policy tests does not rebuild the package.
  src = fs.toSource {
    root = ../.;
    fileset = fs.unions [
      ../Cargo.toml
      ../Cargo.lock
      ../src
      (fs.maybeMissing ../build.rs)
      # cargo wants the files of every declared target to exist
      (fs.maybeMissing ../tests)
      (fs.maybeMissing ../benches)
      (fs.maybeMissing ../examples)
      (fs.maybeMissing ../policy.toml)
      (fs.maybeMissing ../README.md)
    ];
  };

  cargoLock.lockFile = ../Cargo.lock;

  # The policy path is part of the binary, never taken from argv or the
  # environment at run time. module.nix writes the policy here.
  env.DOCKER_GUARD_POLICY_PATH = "/etc/docker-guard/policy.toml";

  # Only the unit tests: the integration tests run the binary as root in a
  # mount namespace against a Docker daemon, none of which the build sandbox
  # has. nixos/test.nix covers the installed system in a VM instead.
  cargoTestFlags = [ "--lib" ];

  meta = {
    description = "Lets an untrusted account run docker through sudo, as far as a root-owned policy allows";
    mainProgram = "docker-guard";
    platforms = lib.platforms.linux;
  };
}
