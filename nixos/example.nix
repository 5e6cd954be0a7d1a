{
  virtualisation.docker.enable = true;

  # An account for the agent, NOT in the "docker" group: that group can
  # `docker run -v /:/host`, which is root. (The module refuses to build if
  # a docker-guard user is in it.)
  users.users.agent.isNormalUser = true;

  security.docker-guard = {
    enable = true;
    users = [ "agent" ];
    settings = {
      audit.json_log = "/var/log/docker-guard/audit.jsonl";
      rule = [
        {
          id = "agent";
          users = [ "agent" ];
          help = true;
          global_flags.version = true;
          commands = {
            # docker ps / docker container ls
            "container ls".flags = {
              all = true;
              filter = true;
              format = true;
              quiet = true;
            };
            # docker restart [-t N] bench-...  (-t is --timeout in docker 28)
            "container restart" = {
              flags.timeout = true;
              positionals = [ "bench-*" ];
            };
            # docker run --rm bench:latest [command...]: that image only,
            # no mounts, no privileges; labelled with the caller's name.
            "container run" = {
              flags.rm = true;
              images = [ "docker.io/library/bench:latest" ];
              force.label = "docker-guard.user={user}";
            };
          };
        }
      ];
    };
  };
}
