#!/usr/bin/env python3
# Writes tests/policy/run.toml: escape attempts against the shipped policy, each in
# several spellings, with the reason each must be denied for, and everyday runs that
# must be allowed. Edit here, then run this script.
import json
cases = []
def add(id_, argv, expect, reason=None):
    c = {"id": id_, "argv": argv, "expect": expect}
    if reason: c["reason"] = reason
    cases.append(c)

IMG = "alpine"
def spellings(long, short, value, bool_=False):
    """Ways to give one flag, as lists of tokens."""
    out = []
    if bool_:
        out += [[f"--{long}"], [f"--{long}=true"], [f"--{long}=1"], [f"--{long}=True"], [f"--{long}=t"]]
        if short:
            out += [[f"-{short}"], [f"-it{short}"]]
    else:
        out += [[f"--{long}", value], [f"--{long}={value}"]]
        if short:
            out += [[f"-{short}", value], [f"-{short}{value}"], [f"-{short}={value}"], [f"-it{short}{value}"], ["-it", f"-{short}", value]]
    return out

n = 0
def esc(name, tokens, reason, prefix=("run",)):
    global n
    n += 1
    add(f"escape-{name}-{n}", list(prefix) + tokens + [IMG, "sh"], "deny", reason)

# privileged, every spelling and both command names
for t in spellings("privileged", None, None, bool_=True):
    esc("privileged", t, "flag --privileged is not allowed")
    esc("privileged-container-run", t, "flag --privileged is not allowed", ("container", "run"))
esc("privileged-after-rm", ["--rm", "--privileged"], "flag --privileged is not allowed")
esc("privileged-create", ["--privileged"], "does not allow \"container create\"", ("create",))
esc("privileged-container-create", ["--privileged=true"], "does not allow \"container create\"", ("container", "create"))

# host binds by every route
NOBIND = "the policy allows no bind mounts"
for src in ["/", "//", "/.", "/etc/..", "/etc", "/var/run/docker.sock", "/run/docker.sock", "/proc", "/sys", "/dev", "/root", "/home", "/tmp", "/var/lib/docker", "/usr", "/boot", ".", "./", "..", "../..", "./x/../.."]:
    for t in spellings("volume", "v", f"{src}:/host"):
        esc("bind", t, NOBIND)
for t in [["-v", "/:/host:ro"], ["-v", "/:/host:rw,shared"], ["-v", "/:/host:z"], ["container", "run", "-v", "/:/h"]][:3]:
    esc("bind-opts", t, NOBIND)
for spec in ["type=bind,src=/,dst=/h", "type=bind,source=/,target=/h", "src=/,dst=/h,type=bind", "type=bind,src=/etc,dst=/h,readonly",
             "type=bind,src=/var/run/docker.sock,dst=/s", "Type=Bind,Source=/,Target=/h", "type=bind,src=/,dst=/h,bind-propagation=rshared",
             "type=bind,source=.,target=/h", "type=bind,src=/,dst=/h,type=bind", "\"type=bind,src=/,dst=/h\"", "type=volume,src=x,dst=/d,type=bind,src=/"]:
    reason = "--mount value" if spec.startswith('"') else "--mount="
    esc("mount", ["--mount", spec], reason)
    esc("mount-eq", [f"--mount={spec}"], reason)
for spec in ["type=volume,src=x,dst=/d,volume-opt=o=bind,volume-opt=device=/", "type=volume,dst=/d,volume-driver=local,volume-opt=device=/",
             "type=volume,src=x,dst=/d,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc", "type=volume,src=x,dst=/d,volume-driver=evil"]:
    esc("volume-opt", ["--mount", spec], "volume drivers and driver options are not allowed")
esc("volumes-from", ["--volumes-from", "other"], "flag --volumes-from is not allowed")
esc("volumes-from-eq", ["--volumes-from=other:rw"], "flag --volumes-from is not allowed")
esc("volume-driver", ["--volume-driver", "local", "-v", "x:/d"], "flag --volume-driver is not allowed")
esc("mount-image", ["--mount", "type=image,src=x,dst=/d"], "--mount=")

# host namespaces
for flag in ["pid", "ipc", "uts", "userns", "cgroupns"]:
    for t in spellings(flag, None, "host"):
        esc(f"ns-{flag}", t, "shares a")
for flag in ["pid", "ipc"]:
    esc(f"ns-{flag}-container", [f"--{flag}=container:victim"], "shares a")
for flag in ["net", "network"]:
    for v in ["host", "container:victim", "name=host", "container:victim,alias=x"]:
        for t in spellings(flag, None, v):
            esc(f"ns-{flag}", t, "shares a network namespace")

# capabilities and devices
for v in ["SYS_ADMIN", "ALL", "sys_admin", "CAP_SYS_ADMIN", "SYS_PTRACE", "NET_ADMIN", "DAC_READ_SEARCH", "SYS_MODULE"]:
    for t in spellings("cap-add", None, v):
        esc("cap-add", t, "flag --cap-add is not allowed")
for v in ["/dev/sda", "/dev/mem", "/dev/kmsg:/dev/kmsg:rwm", "/dev/fuse"]:
    for t in spellings("device", None, v):
        esc("device", t, "flag --device is not allowed")
esc("device-cgroup-rule", ["--device-cgroup-rule", "a *:* rwm"], "flag --device-cgroup-rule is not allowed")
esc("device-cgroup-rule-eq", ["--device-cgroup-rule=b 8:* rmw"], "flag --device-cgroup-rule is not allowed")

# security options (never allowed, and not in the flag list)
for v in ["seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined", "label=disable", "label:disable",
          "label=type:spc_t", "systempaths=unconfined", "seccomp=/etc/shadow", "no-new-privileges=false"]:
    for t in spellings("security-opt", None, v):
        esc("security-opt", t, "not allowed" if v == "no-new-privileges=false" else "--security-opt=")

# other privilege flags
for tokens, reason in [
    (["--runtime", "runc"], "flag --runtime is not allowed"),
    (["--cgroup-parent", "/"], "flag --cgroup-parent is not allowed"),
    (["--group-add", "0"], "flag --group-add is not allowed"),
    (["--group-add=docker"], "flag --group-add is not allowed"),
    (["--sysctl", "kernel.core_pattern=|/tmp/x"], "flag --sysctl is not allowed"),
    (["--sysctl=net.ipv4.ip_forward=1"], "flag --sysctl is not allowed"),
    (["--oom-kill-disable"], "flag --oom-kill-disable is not allowed"),
    (["--oom-score-adj=-1000"], "flag --oom-score-adj is not allowed"),
    (["--isolation", "host"], "flag --isolation is not allowed"),
    (["--storage-opt", "size=1G"], "flag --storage-opt is not allowed"),
    (["--link", "victim:v"], "flag --link is not allowed"),
    (["-P"], "flag --publish-all is not allowed"),
    (["--publish-all"], "flag --publish-all is not allowed"),
    (["-itP"], "flag --publish-all is not allowed"),
    (["--log-driver", "syslog", "--log-opt", "syslog-address=unix:///var/run/docker.sock"], "flag --log-driver is not allowed"),
    (["--log-opt", "max-size=1m"], "flag --log-opt is not allowed"),
]:
    esc("privilege-other", tokens, reason)

# client-side host files read or written as root
for flag, v in [("env-file", "/etc/shadow"), ("label-file", "/etc/shadow"), ("cidfile", "/etc/cron.d/x"), ("env-file", "/root/.ssh/id_rsa")]:
    for t in spellings(flag, None, v):
        esc("host-file", t, f"flag --{flag} is not allowed")

# images that are not images
for image, reason in [("--privileged", "image"), ("-v", "image"), ("ALPINE", "lowercase"), ("", "empty")]:
    n += 1
    add(f"escape-image-{n}", ["run", "--", image, "sh"], "deny", reason)

# global options that change what docker talks to or loads
for tokens, reason in [
    (["-H", "tcp://10.0.0.1:2375"], "flag --host is not allowed"),
    (["-Htcp://x:2375"], "flag --host is not allowed"),
    (["--host=unix:///tmp/evil.sock"], "flag --host is not allowed"),
    (["--config", "/tmp/evil"], "flag --config is not allowed"),
    (["--config=/home/agent/.docker"], "flag --config is not allowed"),
    (["-c", "evil"], "flag --context is not allowed"),
    (["--context=evil"], "flag --context is not allowed"),
    (["--tlsverify", "--tlscacert=/tmp/ca.pem"], "flag --tlsverify is not allowed"),
    (["-D"], "flag --debug is not allowed"),
    (["-l", "debug"], "flag --log-level is not allowed"),
]:
    n += 1
    add(f"escape-global-{n}", tokens + ["run", "--rm", IMG, "true"], "deny", reason)

# found in review: reaching others' containers, volumes and the host by allowed flags
for tokens, reason in [
    (["start", "-i", "victim"], "flag --interactive is not allowed"),
    (["start", "-ai", "victim"], "flag --interactive is not allowed"),
    (["container", "start", "--attach", "--interactive=true", "victim"], "flag --interactive is not allowed"),
    (["run", "--rm", "-v", "victim-data:/d", IMG], "volume \"victim-data\" is not allowed"),
    (["run", "--rm", "--mount", "source=proj_data,target=/d", IMG], "volume \"proj_data\" is not allowed"),
    (["run", "--rm", "--gpus", "driver=cdi,device=nvidia.com/gpu=all", IMG], "CDI and other device drivers"),
    (["run", "--rm", "--gpus=\"driver=cdi,device=vendor/class=x\"", IMG], "CDI and other device drivers"),
    (["run", "--rm", "--annotation", "run.oci.hooks.stdout=/etc/x", IMG], "flag --annotation is not allowed"),
    (["run", "--rm", "-p", "80:80", IMG], "--publish=80:80 is not allowed"),
    (["run", "--rm", "-p", "0.0.0.0:25:25", IMG], "--publish=0.0.0.0:25:25 is not allowed"),
    (["run", "--rm", "--publish=443", IMG], "--publish=443 is not allowed"),
    (["run", "--rm", "--label", "com.docker.compose.project=ollama", IMG], "com.docker.* labels belong to docker"),
    (["run", "--rm", "-l", "com.docker.compose.service=web", IMG], "com.docker.* labels belong to docker"),
    (["rmi", "-f", "admin-image"], "flag --force is not allowed"),
    (["run", "--rm", "--security-opt", "writable-cgroups=true", IMG], "lets the container rewrite its own cgroup limits"),
    (["run", "--rm", "--security-opt", "apparmor=weak-profile", IMG], "another AppArmor profile"),
    (["run", "--rm", "--annotation", "cdi.k8s.io/x=nvidia.com/gpu=all", IMG], "flag --annotation is not allowed"),
]:
    n += 1
    add(f"review-{n}", tokens, "deny", reason)

# parser tricks
for tokens, reason in [
    (["run", "---privileged", IMG], "bad flag syntax"),
    (["run", "--privileged\u200b", IMG], "unknown flag"),
    (["run", "--Privileged", IMG], "unknown flag"),
    (["run", "--privileged=yes", IMG], "takes true or false"),
    (["run", "-d=", IMG], "unknown flag -="),
    (["run", "--", IMG, "--privileged"], None),
    (["ps", "--privileged"], "unknown flag --privileged"),
    (["run", "--rm", "--name"], "needs a value"),
    (["--", "run", "--privileged", IMG], "before the command name"),
    (["container", "--privileged", "run", IMG], "unknown flag --privileged"),
    (["builder", "build", "."], "build context"),
    (["exec", "victim", "sh"], "does not allow \"container exec\""),
    (["exec", "--privileged", "victim", "sh"], "does not allow \"container exec\""),
    (["container", "exec", "-it", "victim", "sh"], "does not allow \"container exec\""),
    (["cp", "victim:/etc/shadow", "/tmp/x"], "does not allow \"container cp\""),
    (["cp", "/etc/shadow", "victim:/x"], "does not allow \"container cp\""),
    (["commit", "victim", "evil"], "does not allow \"container commit\""),
    (["export", "-o", "/etc/x", "victim"], "does not allow \"container export\""),
    (["save", "-o", "/etc/cron.d/x", "alpine"], "does not allow \"image save\""),
    (["load", "-i", "/etc/shadow"], "does not allow \"image load\""),
    (["import", "/etc/shadow"], "does not allow \"image import\""),
    (["build", "-f", "/etc/shadow", "/"], "build context /:"),
    (["plugin", "install", "evil/plugin"], "does not allow \"plugin install\""),
    (["volume", "create", "--opt", "device=/", "--opt", "o=bind", "x"], "does not allow \"volume create\""),
    (["volume", "rm", "data"], "does not allow \"volume rm\""),
    (["volume", "prune", "-f"], "does not allow \"volume prune\""),
    (["context", "create", "evil", "--docker", "host=tcp://x"], "does not allow \"context create\""),
    (["swarm", "init"], "does not allow \"swarm init\""),
    (["service", "create", "--mount", "type=bind,src=/,dst=/h", IMG], "does not allow \"service create\""),
    (["update", "--privileged", "victim"], "unknown flag --privileged"),
    (["run", "--rm", "-v", "x:/d", "--volume-driver=local", IMG], "flag --volume-driver is not allowed"),
    (["attach", "victim"], "does not allow \"container attach\""),
    (["login", "-u", "x", "-p", "y"], "does not allow \"login\""),
    (["system", "prune", "--volumes", "-f"], "flag --volumes is not allowed"),
    (["rm", "-fv", "victim"], "flag --volumes is not allowed"),
    (["container", "rm", "--volumes", "victim"], "flag --volumes is not allowed"),
    (["__complete", "run", ""], "does not allow \"__complete\""),
]:
    n += 1
    if reason is None:
        add(f"parser-{n}", tokens, "allow")
    else:
        add(f"parser-{n}", tokens, "deny", reason)

# everyday runs that must work
every = [
    ["run", "--rm", "alpine", "echo", "test"],
    ["run", "-d", "--name", "bench", "--gpus", "all", "ollama/ollama"],
    ["run", "--rm", "-it", "-v", "agent-vol:/data", "alpine", "sh"],
    ["run", "--rm", "-e", "X=1", "-p", "127.0.0.1:8080:80", "nginx"],
    ["run", "-d", "--name", "ollama", "-p", "11434:11434", "-v", "agent-ollama:/root/.ollama", "--gpus=all", "ollama/ollama"],
    ["run", "--rm", "alpine:3.19", "uname", "-a"],
    ["run", "--rm", "docker.io/library/alpine:latest", "true"],
    ["run", "--rm", "alpine@sha256:" + "a" * 64, "true"],
    ["run", "--rm", "localhost:5000/tools/bench:v2", "--iterations", "10"],
    ["run", "--rm", "-i", "alpine", "cat"],
    ["run", "--rm", "-t", "alpine", "top", "-b", "-n1"],
    ["run", "-it", "--rm", "alpine"],
    ["run", "-dit", "--name", "shell", "alpine"],
    ["run", "--rm", "--memory", "512m", "--cpus", "1.5", "alpine", "true"],
    ["run", "--rm", "--memory=1g", "--memory-swap=2g", "alpine", "true"],
    ["run", "--rm", "--cpuset-cpus", "0", "alpine", "true"],
    ["run", "--rm", "--cpu-shares", "512", "alpine", "true"],
    ["run", "--rm", "--pids-limit", "100", "alpine", "true"],
    ["run", "--rm", "--user", "1000:1000", "alpine", "id"],
    ["run", "--rm", "-u", "nobody", "alpine", "id"],
    ["run", "--rm", "-w", "/tmp", "alpine", "pwd"],
    ["run", "--rm", "--workdir=/srv", "alpine", "pwd"],
    ["run", "--rm", "--entrypoint", "sh", "alpine", "-c", "echo hi"],
    ["run", "--rm", "--entrypoint=", "alpine", "true"],
    ["run", "-d", "--restart", "unless-stopped", "--name", "svc", "nginx"],
    ["run", "-d", "--restart=on-failure:3", "nginx"],
    ["run", "--rm", "--label", "team=ml", "alpine", "true"],
    ["run", "--rm", "-l", "a=b", "-l", "c=d", "alpine", "true"],
    ["run", "--rm", "--hostname", "bench", "alpine", "hostname"],
    ["run", "--rm", "--init", "alpine", "sleep", "1"],
    ["run", "--rm", "--read-only", "alpine", "true"],
    ["run", "--rm", "--tmpfs", "/tmp", "alpine", "true"],
    ["run", "--rm", "--tmpfs", "/run:rw,size=64m", "alpine", "true"],
    ["run", "--rm", "--mount", "type=tmpfs,dst=/cache,tmpfs-size=1g", "alpine", "true"],
    ["run", "--rm", "--mount", "type=volume,src=agent-data,dst=/data", "alpine", "true"],
    ["run", "--rm", "--mount", "source=agent-data,target=/data,readonly", "alpine", "true"],
    ["run", "--rm", "-v", "/data", "alpine", "true"],
    ["run", "--rm", "-v", "agent-cache:/cache:ro", "alpine", "true"],
    ["run", "--rm", "--volume=agent-models:/models", "alpine", "ls", "/models"],
    ["run", "--rm", "--network", "none", "alpine", "true"],
    ["run", "--rm", "--network=bridge", "alpine", "true"],
    ["run", "--rm", "--net=bridge", "alpine", "true"] if False else ["run", "--rm", "--network", "default", "alpine", "true"],
    ["run", "--rm", "-p", "8080:80", "nginx"],
    ["run", "--rm", "-p", "127.0.0.1::80", "nginx"],
    ["run", "--rm", "--publish=9000:9000/udp", "alpine", "true"],
    ["run", "--rm", "--expose", "8080", "alpine", "true"],
    ["run", "--rm", "-e", "HF_TOKEN", "alpine", "env"],
    ["run", "--rm", "--env", "A=1", "--env=B=2", "alpine", "env"],
    ["run", "--rm", "--add-host", "db:10.0.0.2", "alpine", "true"],
    ["run", "--rm", "--dns", "1.1.1.1", "alpine", "true"],
    ["run", "--rm", "--shm-size", "1g", "alpine", "true"],
    ["run", "--rm", "--ulimit", "nofile=1024:2048", "alpine", "true"],
    ["run", "--rm", "--stop-signal", "SIGINT", "--stop-timeout", "5", "alpine", "true"],
    ["run", "--rm", "--health-cmd", "true", "--health-interval", "5s", "alpine", "true"],
    ["run", "--rm", "--no-healthcheck", "alpine", "true"],
    ["run", "--rm", "--platform", "linux/amd64", "alpine", "true"],
    ["run", "--rm", "--pull", "never", "alpine", "true"],
    ["run", "--rm", "-q", "alpine", "true"],
    ["run", "--rm", "-a", "stdout", "alpine", "echo", "x"],
    ["run", "--rm", "--sig-proxy=false", "alpine", "true"],
    ["run", "--rm", "--cap-drop", "ALL", "alpine", "true"],
    ["run", "--rm", "--privileged=false", "alpine", "true"] if False else ["run", "--rm", "--label", "docker-guard.user=someone-else", "alpine", "true"],
    ["run", "--rm", "alpine", "--privileged", "-v", "/:/host"],
    ["run", "--rm", "--", "alpine", "sh", "-c", "exit 3"],
    ["container", "run", "--rm", "alpine", "true"],
    ["run", "--rm", "--name=bench-1", "--gpus", "device=0", "ollama/ollama"],
    ["run", "--rm", "--detach-keys", "ctrl-x", "-it", "alpine"],
    
    ["run", "--help"],
    ["run", "--rm", "-e", "X=1", "-e", "Y=2", "-v", "agent-a:/a", "-v", "agent-b:/b", "-p", "1001:1", "-p", "1002:2", "--name", "many", "alpine", "true"],
]
for i, argv in enumerate(every):
    add(f"everyday-{i+1}", argv, "allow")

def toml_str(s):
    return json.dumps(s, ensure_ascii=False)
with open(__import__("os").path.join(__import__("os").path.dirname(__file__), "..", "tests/policy/run.toml"), "w") as f:
    f.write("# docker run under the shipped policy: escape attempts (every route, several\n")
    f.write("# spellings each) must be denied for the right reason; everyday runs must work.\n")
    f.write("# Run: docker-guard policy test --policy policy.toml tests/policy/run.toml\n")
    for c in cases:
        f.write("\n[[case]]\n")
        f.write(f"id = {toml_str(c['id'])}\n")
        f.write("argv = [" + ", ".join(toml_str(a) for a in c["argv"]) + "]\n")
        f.write(f"user = \"agent\"\n")
        f.write(f"expect = {toml_str(c['expect'])}\n")
        if "reason" in c:
            f.write(f"reason = {toml_str(c['reason'])}\n")
print(sum(1 for c in cases if c['expect']=='deny'), "deny;", sum(1 for c in cases if c['expect']=='allow'), "allow")
