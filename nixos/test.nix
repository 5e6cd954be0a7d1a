# VM test of the NixOS deployment: the README's example configuration
# (example.nix), a docker daemon, and an `agent` account that gets exactly
# what the policy allows through `sudo docker-guard`, and nothing else.
#
#   nix build .#checks.x86_64-linux.vm-test      (needs KVM)
{
  pkgs,
  module ? ./module.nix,
}:

let
  logic = import ./logic.nix;

  # A tiny local image, so the VM needs no registry.
  benchImage = pkgs.dockerTools.buildImage {
    name = "bench";
    tag = "latest";
    copyToRoot = pkgs.buildEnv {
      name = "bench-root";
      paths = [ pkgs.busybox ];
      pathsToLink = [ "/bin" ];
    };
    config.Cmd = [
      "/bin/sh"
      "-c"
      "echo bench done"
    ];
  };
in
pkgs.testers.runNixOSTest {
  name = "docker-guard";

  nodes.machine = {
    imports = [
      module
      ./example.nix
    ];
    virtualisation.memorySize = 1024;
  };

  testScript =
    { nodes, ... }:
    let
      cfg = nodes.machine.security.docker-guard;
      # What the sudo rule must look like in /etc/sudoers (spaces normalised).
      expectedSudoers = logic.sudoersLines (
        logic.sudoRules {
          command = "${cfg.package}/bin/docker-guard";
          inherit (cfg) users groups;
        }
      );
    in
    ''
      import shlex

      expected_sudoers = ${builtins.toJSON expectedSudoers}


      def agent(cmd):
          """Run a shell command as the agent; return (exit status, stdout+stderr)."""
          return machine.execute(f"su - agent -c {shlex.quote(cmd + ' 2>&1')}")


      def allowed(args, expect=None):
          status, out = agent(f"sudo -n docker-guard {args}")
          assert status == 0, f"docker-guard {args}: exit {status}, wanted 0:\n{out}"
          if expect is not None:
              assert expect in out, f"docker-guard {args}: {expect!r} not in output:\n{out}"
          return out


      def denied(args):
          status, out = agent(f"sudo -n docker-guard {args}")
          assert status == 77, f"docker-guard {args}: exit {status}, wanted 77 (denied):\n{out}"
          return out


      machine.wait_for_unit("multi-user.target")
      machine.wait_for_unit("sockets.target")
      machine.succeed("docker load --input=${benchImage}")
      machine.succeed("docker run -d --name bench-1 bench:latest sleep 600")
      machine.succeed("docker run -d --name other bench:latest sleep 600")

      with subtest("the policy is a real root-owned file, mode 0444"):
          out = machine.succeed("stat -c '%U:%G %a %F' /etc/docker-guard/policy.toml").strip()
          assert out == "root:root 444 regular file", out

      with subtest("sudo allows docker-guard only: as root, NOPASSWD, no SETENV"):
          lines = {" ".join(line.split()) for line in machine.succeed("cat /etc/sudoers").splitlines()}
          for line in expected_sudoers:
              assert line in lines, f"missing from /etc/sudoers: {line}"
          rules = machine.succeed("sudo -l -U agent")
          assert "NOPASSWD" in rules and "SETENV" not in rules, rules
          status, out = agent("sudo -n true")
          assert status != 0, "the agent may run other commands as root:\n" + out
          status, out = agent("sudo -n -u nobody docker-guard ps")
          assert status != 0, "the agent may run docker-guard as another user:\n" + out
          # Without SETENV sudo itself refuses (exit 1); docker-guard is never reached.
          status, out = agent("sudo -n DOCKER_HOST=tcp://127.0.0.1:2375 docker-guard ps")
          assert status == 1, f"sudo let the agent set the environment (exit {status}):\n{out}"

      with subtest("allowed commands reach docker"):
          allowed("ps", expect="bench-1")
          allowed("ps -a --format '{{.Names}}'", expect="other")
          allowed("--version", expect="Docker version")
          allowed("restart -t 1 bench-1")
          allowed("run --rm bench:latest", expect="bench done")
          allowed("run --rm bench:latest echo hello from agent", expect="hello from agent")

      with subtest("escapes are denied with exit 77"):
          denied("run --rm --privileged bench:latest")
          denied("run --rm -v /:/host bench:latest")
          denied("run --rm alpine:latest")
          denied("exec bench-1 sh")
          denied("restart other")
          denied("-H tcp://127.0.0.1:2375 ps")

      with subtest("the agent cannot use docker without docker-guard"):
          assert "docker" not in machine.succeed("id -nG agent").split()
          status, out = agent("docker ps")
          assert status != 0 and "permission denied" in out.lower(), out

      with subtest("decisions are audited"):
          machine.wait_until_succeeds("journalctl -t docker-guard --no-pager | grep -q privileged")
          machine.succeed("journalctl -t docker-guard --no-pager | grep -q agent")
          machine.succeed("test -s /var/log/docker-guard/audit.jsonl")
    '';
}
