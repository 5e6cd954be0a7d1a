# The decisions of the docker-guard NixOS module that are worth testing: the
# sudo rule, the assertions and the warnings, plus the policy defaults.
#
# Plain data in, plain data out, builtins only: module.nix calls it with values
# from `config`, and tests/integration/nix.rs evaluates it with a bare
# `nix-instantiate --eval` against fixtures (no nixpkgs needed).
let
  inherit (builtins)
    attrNames
    concatMap
    concatStringsSep
    elem
    filter
    foldl'
    map
    ;

  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];

  # Everyone in `group` that the configuration knows of: its `members`, and the
  # users that name it as their primary or an extra group.
  membersOf =
    { userDefs, groupDefs }:
    group:
    unique (
      (groupDefs.${group}.members or [ ])
      ++ filter (
        name:
        let
          user = userDefs.${name};
        in
        (user.group or null) == group || elem group (user.extraGroups or [ ])
      ) (attrNames userDefs)
    );

  commandString =
    command:
    if builtins.isString command then
      command
    else
      concatStringsSep ":" command.options
      + (if command.options == [ ] then "" else ": ")
      + command.command;
in
{
  # Names go into sudoers unquoted: "ALL", or a name with a space, a comma or a
  # colon, would widen the rule. This is the shape of an ordinary login name.
  namePattern = "[a-z_][a-z0-9_.-]*[$]?";

  # What docker gets when the policy does not say otherwise. HOME and
  # DOCKER_CONFIG point at root-owned places so docker loads no plugin, hook,
  # alias or credential helper that a user could have planted.
  defaultEnvironment = {
    PATH = "/run/current-system/sw/bin";
    HOME = "/root";
    DOCKER_CONFIG = "/etc/docker-guard/docker-config";
  };

  # Entries for `security.sudo.extraRules` / `security.sudo-rs.extraRules`.
  sudoRules =
    {
      command, # absolute store path of the docker-guard binary
      users ? [ ],
      groups ? [ ],
    }:
    if users == [ ] && groups == [ ] then
      [ ]
    else
      [
        {
          inherit users groups;
          host = "ALL";
          # Only as root: no `sudo -u someone-else docker-guard`.
          runAs = "root";
          commands = [
            {
              # The bare path: in sudoers a command without arguments allows
              # any arguments, which docker-guard itself then checks. (A `""`
              # after it would forbid all arguments.)
              inherit command;
              # NOPASSWD: the agent has no password to type. Never SETENV:
              # the caller must not hand docker-guard (or docker) an
              # environment, and sudo_user identifies the caller.
              options = [ "NOPASSWD" ];
            }
          ];
        }
      ];

  # The sudoers lines that nixpkgs' sudo.nix and sudo-rs.nix write for `rules`
  # (their toUserString/toGroupString: a group is `%name`), with single spaces.
  # For the tests, and for the VM test to find in /etc/sudoers.
  sudoersLines =
    rules:
    concatMap (
      rule:
      let
        spec = "${rule.host}=(${rule.runAs}) ${concatStringsSep ", " (map commandString rule.commands)}";
      in
      map (user: "${user} ${spec}") rule.users ++ map (group: "%${group} ${spec}") rule.groups
    ) rules;

  # NixOS `assertions` and `warnings` for the configuration.
  checks =
    {
      users ? [ ], # security.docker-guard.users
      groups ? [ ], # security.docker-guard.groups
      userDefs ? { }, # config.users.users
      groupDefs ? { }, # config.users.groups
      sudo ? { }, # { enable, execWheelOnly } of security.sudo
      sudoRs ? { }, # { enable, execWheelOnly } of security.sudo-rs
      dockerEnabled ? true, # virtualisation.docker.enable
    }:
    let
      members = membersOf { inherit userDefs groupDefs; };
      dockerMembers = members "docker";
      wheelMembers = members "wheel";
      # Everyone the sudo rule lets run docker-guard, as far as we can know.
      guarded = unique (users ++ concatMap members groups);

      sudos = filter (s: s.enable or false) [
        ({ name = "security.sudo"; } // sudo)
        ({ name = "security.sudo-rs"; } // sudoRs)
      ];
      wheelOnly = filter (s: s.execWheelOnly or false) sudos;
    in
    {
      assertions =
        map (user: {
          assertion = !(elem user dockerMembers);
          message = ''
            security.docker-guard: user `${user}` may run docker-guard but is in the `docker` group.
            Members of `docker` talk to the Docker socket directly (`docker run -v /:/host ...` is root),
            which bypasses every policy. Remove `${user}` from that group
            (users.users.${user}.extraGroups and users.groups.docker.members).'';
        }) guarded
        ++ [
          {
            assertion = !(elem "docker" groups);
            message = ''
              security.docker-guard.groups contains `docker`: its members already reach the Docker
              socket directly, which bypasses every policy. List a group of its own instead.'';
          }
        ];

      warnings =
        concatMap (
          s:
          map (
            user:
            "${s.name}.execWheelOnly is set, so only `wheel` may execute sudo: "
            + "`${user}` (not in wheel) cannot run `sudo docker-guard`."
          ) (filter (user: !(elem user wheelMembers)) users)
          ++ map (
            group:
            "${s.name}.execWheelOnly is set, so only `wheel` may execute sudo: "
            + "members of group `${group}` who are not in wheel cannot run `sudo docker-guard`."
          ) (filter (group: group != "wheel") groups)
        ) wheelOnly
        ++ map (
          user:
          "security.docker-guard: `${user}` is in `wheel`, so sudo already lets them run any command "
          + "as root; docker-guard does not restrict them."
        ) (filter (user: elem user wheelMembers) guarded)
        ++ (
          if users == [ ] && groups == [ ] then
            [ "security.docker-guard: no users or groups are listed, so nobody may run docker-guard." ]
          else
            [ ]
        )
        ++ (
          if sudos == [ ] then
            [
              "security.docker-guard: neither security.sudo nor security.sudo-rs is enabled, so nobody can run docker-guard as root."
            ]
          else
            [ ]
        )
        ++ (
          if dockerEnabled then
            [ ]
          else
            [ "security.docker-guard: virtualisation.docker.enable is false: docker-guard will find no Docker daemon." ]
        );
    };
}
