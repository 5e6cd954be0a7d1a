# NixOS module for docker-guard: the listed users reach Docker only through
# `sudo docker-guard <docker args>`, and only as far as the policy allows.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types literalExpression;

  cfg = config.security.docker-guard;
  logic = import ./logic.nix;
  tomlFormat = pkgs.formats.toml { };

  name = types.strMatching logic.namePattern;

  policySource =
    if cfg.policyFile != null then
      cfg.policyFile
    else
      tomlFormat.generate "docker-guard-policy.toml" cfg.settings;

  # Check the policy when the system is built, so that a typo fails
  # `nixos-rebuild` instead of the agent's first call. --strict makes the
  # linter's warnings (dangerous allowances) errors too.
  validatedPolicy =
    pkgs.runCommand "docker-guard-policy.toml"
      {
        preferLocalBuild = true;
        allowSubstitutes = false;
      }
      ''
        ${cfg.package}/bin/docker-guard policy validate --strict ${policySource}
        cp ${policySource} $out
      '';

  sudoRules = logic.sudoRules {
    # The store path itself: sudo matches the command the user names (found
    # on PATH, e.g. /run/current-system/sw/bin/docker-guard) by inode, so the
    # profile symlink works and a look-alike elsewhere on PATH does not.
    command = "${cfg.package}/bin/docker-guard";
    inherit (cfg) users groups;
  };

  checks = logic.checks {
    inherit (cfg) users groups;
    userDefs = config.users.users;
    groupDefs = config.users.groups;
    sudo = { inherit (config.security.sudo) enable execWheelOnly; };
    sudoRs = { inherit (config.security.sudo-rs) enable execWheelOnly; };
    dockerEnabled = config.virtualisation.docker.enable;
  };

  jsonLog = if cfg.policyFile == null then cfg.settings.audit.json_log or null else null;
in
{
  options.security.docker-guard = {
    enable = lib.mkEnableOption ''
      docker-guard, the only command the listed users may run as root
      (`sudo docker-guard <docker args>`): it checks docker's command line
      against the policy in {file}`/etc/docker-guard/policy.toml` and runs
      the real docker only when the policy allows it'';

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./nixos/package.nix { }";
      example = literalExpression "inputs.docker-guard.packages.\${pkgs.stdenv.hostPlatform.system}.default";
      description = ''
        The docker-guard package. It must have been built with the policy
        path {file}`/etc/docker-guard/policy.toml`, which is where this module
        writes the policy.
      '';
    };

    users = mkOption {
      type = types.listOf name;
      default = [ ];
      example = [ "agent" ];
      description = ''
        Users who may run docker-guard as root through sudo, without a
        password. They must not be in the `docker` group (that is checked):
        the Docker socket would let them around the policy.
      '';
    };

    groups = mkOption {
      type = types.listOf name;
      default = [ ];
      example = [ "agents" ];
      description = ''
        Groups whose members may run docker-guard as root through sudo,
        without a password (a `%group` line in sudoers).
      '';
    };

    dockerPackage = mkOption {
      type = types.package;
      default = config.virtualisation.docker.package;
      defaultText = literalExpression "config.virtualisation.docker.package";
      example = literalExpression "pkgs.docker_28";
      description = ''
        The Docker package whose {command}`docker` client docker-guard runs.
        Its absolute store path is the default of
        {option}`security.docker-guard.settings.docker`.
      '';
    };

    settings = mkOption {
      description = ''
        The policy, as Nix values, written to
        {file}`/etc/docker-guard/policy.toml` as TOML. See the README for
        the schema: `docker`, `[environment]`, `[audit]` and `[[rule]]`.
        Ignored when {option}`security.docker-guard.policyFile` is set.
      '';
      default = { };
      example = literalExpression ''
        {
          audit.json_log = "/var/log/docker-guard/audit.jsonl";
          rule = [
            {
              id = "agents";
              users = [ "agent" ];
              commands."container ls".flags = { all = true; format = true; };
              commands."container restart" = {
                flags.timeout = true;
                positionals = [ "bench-*" ];
              };
            }
          ];
        }
      '';
      type = types.submodule {
        freeformType = tomlFormat.type;

        options.docker = mkOption {
          type = types.strMatching "/.*";
          default = "${cfg.dockerPackage}/bin/docker";
          defaultText = literalExpression ''"''${config.security.docker-guard.dockerPackage}/bin/docker"'';
          example = "/run/current-system/sw/bin/docker";
          description = "Absolute path of the real docker binary that docker-guard executes.";
        };

        options.environment = mkOption {
          description = ''
            The whole environment docker runs with; nothing is taken from the
            caller. Names other than the ones below may be added.
          '';
          default = { };
          example = {
            PATH = "/run/current-system/sw/bin";
            HOME = "/root";
            DOCKER_CONFIG = "/etc/docker-guard/docker-config";
          };
          type = types.submodule {
            freeformType = types.attrsOf types.str;

            options.PATH = mkOption {
              type = types.str;
              default = logic.defaultEnvironment.PATH;
              example = "/run/current-system/sw/bin:/usr/bin";
              description = "{env}`PATH` for docker.";
            };

            options.HOME = mkOption {
              type = types.str;
              default = logic.defaultEnvironment.HOME;
              example = "/var/lib/docker-guard";
              description = "{env}`HOME` for docker: a root-owned directory.";
            };

            options.DOCKER_CONFIG = mkOption {
              type = types.str;
              default = logic.defaultEnvironment.DOCKER_CONFIG;
              example = "/var/lib/docker-guard/docker-config";
              description = ''
                The docker client's configuration directory. It must be
                root-owned: docker loads CLI plugins, hooks, aliases and
                credential helpers from it. This module creates the default
                one, with an empty {file}`config.json`.
              '';
            };
          };
        };
      };
    };

    policyFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = literalExpression "./docker-guard-policy.toml";
      description = ''
        A policy file to install instead of generating one from
        {option}`security.docker-guard.settings`. It is read at build time, so
        it must be a path in this configuration (copied to the Nix store) or
        a derivation, not a path that exists only on the target machine. It
        names the docker binary itself (`docker = "/nix/store/...docker/bin/docker"`).
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = checks.assertions ++ [
      {
        assertion = cfg.policyFile == null || !(cfg.settings ? rule);
        message = "security.docker-guard: set either settings.rule or policyFile, not both (policyFile wins, settings would be ignored).";
      }
    ];
    inherit (checks) warnings;

    environment.systemPackages = [ cfg.package ];

    # A real file, root-owned, mode 0444: a `mode` makes NixOS copy the file
    # into /etc instead of linking it to /etc/static -> /nix/store. docker-guard
    # checks the owner and mode of the policy and its directories; a plain file
    # in root's /etc keeps that check simple and independent of how /etc/static
    # is swapped during activation.
    environment.etc."docker-guard/policy.toml" = {
      source = validatedPolicy;
      mode = "0444";
    };

    # The default DOCKER_CONFIG: a root-owned directory with nothing in it that
    # docker could load. (environment.etc makes files, not empty directories.)
    environment.etc."docker-guard/docker-config/config.json" = {
      text = "{}\n";
      mode = "0444";
    };

    # Both sudo implementations render these rules the same way; only the
    # enabled one is used. Ordered late because in sudoers the last matching
    # rule wins: a general rule for the same users (say, their group needing a
    # password for everything) must not take NOPASSWD away.
    security.sudo.extraRules = lib.mkAfter sudoRules;
    security.sudo-rs.extraRules = lib.mkAfter sudoRules;

    systemd.tmpfiles.rules = lib.optional (jsonLog != null) "d ${dirOf jsonLog} 0750 root root - -";
  };
}
