#!/usr/bin/env python3
"""Regenerates src/docker/spec.rs: the docker CLI command tree as Rust data.

Where the data comes from:

* docker: the installed client's own `--help`, walked recursively from `docker --help`
  (every command, every alias, every visible flag with its type word). The client runs
  with an empty config dir and DOCKER_HOST pointing at a socket that does not exist:
  when docker cannot ping a daemon it hides nothing behind the "version", "ostype",
  "experimental" and "swarm" annotations (cmd/docker/docker.go hideUnsupportedFeatures),
  so the help shows every flag the client has, whatever daemon is installed here.
* docker compose (a CLI plugin, usually not installed): the reference YAML that
  docker/compose generates from its cobra tree and checks in CI (`docs/reference/*.yaml`,
  `make validate-docs`), read from a git mirror of docker/compose at COMPOSE_TAG.
* What no help shows: the OVERLAY below, checked by hand against the source
  (docker/cli at v<DOCKER_VERSION>, docker/compose at COMPOSE_TAG, spf13/cobra as
  vendored by docker/cli). Each entry names the file it comes from.

Usage (needs python3 with PyYAML, git and rustfmt):

    scripts/spec-from-help.py --compose-git /path/to/docker/compose.git [--docker /usr/local/bin/docker]

It rewrites the generated part of src/docker/spec.rs (everything above the END_MARKER
line), keeps the hand-written part below it (the unit tests), and runs rustfmt.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from concurrent.futures import ThreadPoolExecutor

import yaml  # PyYAML

DOCKER_VERSION = "28.2.2"
COMPOSE_TAG = "v2.40.3"  # newest v2 release tag of docker/compose
END_MARKER = "// ---- END OF GENERATED DATA: the code below is hand-written; scripts/spec-from-help.py keeps it ----"

# ---------------------------------------------------------------------------------------
# The overlay: facts about docker 28.2.2 that `--help` does not print.
# ---------------------------------------------------------------------------------------

# Hidden flags (cobra MarkHidden, pflag MarkDeprecated, `Lookup(..).Hidden = true`).
# (long, short, type word as pflag would print it, source)
HIDDEN_FLAGS = {
    "container create": [
        ("dns-opt", None, "list", "cli/command/container/opts.go: MarkHidden(\"dns-opt\"), alias of --dns-option"),
        ("net", None, "network", "cli/command/container/opts.go: MarkHidden(\"net\"), alias of --network"),
        ("net-alias", None, "list", "cli/command/container/opts.go: MarkHidden(\"net-alias\"), alias of --network-alias"),
    ],
    "container run": [
        ("dns-opt", None, "list", "cli/command/container/opts.go: MarkHidden(\"dns-opt\"), alias of --dns-option"),
        ("net", None, "network", "cli/command/container/opts.go: MarkHidden(\"net\"), alias of --network"),
        ("net-alias", None, "list", "cli/command/container/opts.go: MarkHidden(\"net-alias\"), alias of --network-alias"),
    ],
    "container restart": [
        ("time", None, "int", "cli/command/container/restart.go: MarkDeprecated(\"time\"), alias of --timeout"),
    ],
    "container stop": [
        ("time", None, "int", "cli/command/container/stop.go: MarkDeprecated(\"time\"), alias of --timeout"),
    ],
    "container update": [
        ("kernel-memory", None, "bytes", "cli/command/container/update.go: MarkHidden(\"kernel-memory\")"),
    ],
    "volume create": [
        ("name", None, "string", "cli/command/volume/create.go: Lookup(\"name\").Hidden = true"),
    ],
}
# `stack` declares --orchestrator as a *persistent* flag, deprecated (hidden): the group
# and every stack sub-command accept it (cli/command/stack/cmd.go).
STACK_ORCHESTRATOR = ("orchestrator", None, "string",
                      "cli/command/stack/cmd.go: persistent, MarkDeprecated(\"orchestrator\")")

# Commands whose cobra `Hidden` is set (never listed in help).
HIDDEN_COMMANDS = {
    "system dial-stdio": "cli/command/system/dial_stdio.go: Hidden: true",
    "completion": "spf13/cobra completions.go InitDefaultCompletionCmd; "
                  "cmd/docker/docker.go: CompletionOptions.HiddenDefaultCmd: true",
    "bake": "cli/command/builder/cmd.go NewBakeStubCommand; hidden by cmd/docker/docker.go "
            "setHelpFunc when the buildx plugin is absent (it is here)",
    "__complete": "spf13/cobra completions.go initCompleteCmd: Hidden, DisableFlagParsing",
}
# Hidden commands whose `--help` cannot be walked: modelled by hand.
MANUAL_COMMANDS = [
    # The stub replaced by `buildx bake` when buildx is installed; RunE shows help.
    dict(path="bake", aliases=[], flags="HELP", group=False, interspersed=True),
    # cobra's completion request command. DisableFlagParsing: every argument is a
    # positional, even `--help`; this model has no word for that, so it lists no flags
    # and stops at the first positional (any flag given to it is unknown, so denied).
    dict(path="__complete", aliases=["__completeNoDesc"], flags="NONE", group=False, interspersed=False),
]
# Hidden commands whose `--help` works: walked like the visible ones.
EXTRA_WALK_ROOTS = [["help"], ["completion"], ["system", "dial-stdio"]]

# cobra aliases that a hand-written "aliases" annotation leaves out of the help.
HIDDEN_ALIASES = {
    "image rm": [("image rmi", "cli/command/image/remove.go: cmd.Aliases = []string{\"rmi\", \"remove\"}")],
}

# flags.SetInterspersed(false): flags end at the first positional.
NOT_INTERSPERSED = {
    "container commit": "cli/command/container/commit.go",
    "container create": "cli/command/container/create.go",
    "container exec": "cli/command/container/exec.go",
    "container run": "cli/command/container/run.go",
    "container top": "cli/command/container/top.go",
    "image tag": "cli/command/image/tag.go",
    "service create": "cli/command/service/create.go",
    "__complete": "spf13/cobra completions.go (DisableFlagParsing)",
    # compose
    "compose": "cmd/compose/compose.go: c.Flags().SetInterspersed(false)",
    "compose exec": "cmd/compose/exec.go",
    "compose run": "cmd/compose/run.go",
}

# compose: hidden commands (cobra Hidden on the command itself; the reference YAML also
# marks the children of a hidden command hidden, cobra does not).
COMPOSE_HIDDEN_COMMANDS = {"compose alpha": "cmd/compose/alpha.go: Hidden: true"}
# compose: names accepted through pflag SetNormalizeFunc, modelled as hidden flags of the
# target's type. (command, accepted name, target flag, source)
COMPOSE_NORMALIZED = [
    ("compose create", "y", "yes", "cmd/compose/create.go: SetNormalizeFunc --y -> --yes"),
    ("compose up", "y", "yes", "cmd/compose/up.go: SetNormalizeFunc --y -> --yes"),
    ("compose publish", "y", "yes", "cmd/compose/publish.go: SetNormalizeFunc --y -> --yes"),
    ("compose alpha publish", "y", "yes", "cmd/compose/publish.go: SetNormalizeFunc --y -> --yes"),
    ("compose down", "volume", "volumes", "cmd/compose/down.go: SetNormalizeFunc --volume -> --volumes"),
    ("compose exec", "no-TTY", "no-tty", "cmd/compose/exec.go: SetNormalizeFunc --no-TTY -> --no-tty"),
    ("compose run", "volumes", "volume", "cmd/compose/run.go: normalizeRunFlags --volumes -> --volume"),
    ("compose run", "labels", "label", "cmd/compose/run.go: normalizeRunFlags --labels -> --label"),
]

# compose: where each hidden flag of the reference YAML comes from (the generator fails
# on a hidden flag missing here, so that every one is looked at).
COMPOSE_HIDDEN_FLAG_SOURCES = {
    ("compose", "no-ansi"): "cmd/compose/compose.go: MarkHidden(\"no-ansi\"), deprecated for --ansi never",
    ("compose", "verbose"): "cmd/compose/compose.go: MarkHidden(\"verbose\")",
    ("compose", "version"): "cmd/compose/compose.go: MarkHidden(\"version\")",
    ("compose", "workdir"): "cmd/compose/compose.go: MarkHidden(\"workdir\"), deprecated for --project-directory",
    ("compose build", "compress"): "cmd/compose/build.go: MarkHidden(\"compress\")",
    ("compose build", "force-rm"): "cmd/compose/build.go: MarkHidden(\"force-rm\")",
    ("compose build", "no-rm"): "cmd/compose/build.go: MarkHidden(\"no-rm\")",
    ("compose build", "parallel"): "cmd/compose/build.go: MarkHidden(\"parallel\")",
    ("compose build", "progress"): "cmd/compose/build.go: MarkHidden(\"progress\")",
    ("compose exec", "interactive"): "cmd/compose/exec.go: MarkHidden(\"interactive\")",
    ("compose exec", "tty"): "cmd/compose/exec.go: MarkHidden(\"tty\")",
    ("compose pull", "no-parallel"): "cmd/compose/pull.go: MarkHidden(\"no-parallel\")",
    ("compose pull", "parallel"): "cmd/compose/pull.go: MarkHidden(\"parallel\")",
    ("compose rm", "all"): "cmd/compose/remove.go: MarkHidden(\"all\"), \"Deprecated - no effect\"",
    ("compose run", "tty"): "cmd/compose/run.go: MarkHidden(\"tty\")",
}

# Flag lists shared by several commands, emitted once: (const name, doc, commands).
SHARED_LISTS = [
    ("CONTAINER_CREATE_FLAGS",
     "Flags of `container create`, all shared with `container run` "
     "(cli/command/container/opts.go addFlags, create.go, run.go).",
     ["container create", "container run"]),
    ("SERVICE_FLAGS",
     "Flags shared by `service create` and `service update` "
     "(cli/command/service/opts.go addServiceFlags).",
     ["service create", "service update"]),
    ("COMPOSE_CREATE_FLAGS",
     "Flags shared by `compose create` and `compose up` (cmd/compose/create.go, up.go).",
     ["compose create", "compose up"]),
]

# ---------------------------------------------------------------------------------------

HELP = ("help", "h", "", None)  # cobra/docker's persistent -h/--help (cli/cobra.go)


def docker_env(tmp):
    home = os.path.join(tmp, "home")
    cfg = os.path.join(tmp, "config")
    os.makedirs(home, exist_ok=True)
    os.makedirs(cfg, exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "DOCKER_CONFIG": cfg,
        "DOCKER_HOST": "unix://" + os.path.join(tmp, "no-daemon.sock"),
    }


OPTION_RE = re.compile(r"^(?:  -(\S), --|      --)([^\s\[]+)(?:\[=(.*?)\])?(?: (\S+))?(?:  |$)")


def parse_help(text):
    sections, cur = {}, None
    for line in text.splitlines():
        if line.startswith("Usage:"):
            sections["Usage"] = [line[len("Usage:"):].strip()]
            cur = None
        elif line and not line.startswith(" ") and line.endswith(":"):
            cur = line[:-1]
            sections[cur] = []
        elif cur is not None:
            sections[cur].append(line)
    info = {"aliases": [], "flags": [], "subs": [], "usage": sections.get("Usage", [""])[0]}
    for line in sections.get("Aliases", []):
        info["aliases"] += [a.strip() for a in line.split(",") if a.strip()]
    for name in ("Options", "Global Options"):
        for line in sections.get(name, []):
            m = OPTION_RE.match(line)
            if m:
                nodef = m.group(3)
                if nodef is not None and nodef.startswith('"'):
                    nodef = nodef[1:-1]
                info["flags"].append((m.group(2), m.group(1), m.group(4) or "", nodef))
    for name in ("Common Commands", "Management Commands", "Swarm Commands", "Commands"):
        for line in sections.get(name, []):
            m = re.match(r"^  (\S+)", line)
            if m:
                info["subs"].append(m.group(1).rstrip("*"))
    return info


def walk_docker(docker):
    tmp = tempfile.mkdtemp(prefix="spec-from-help-")
    env = docker_env(tmp)

    def helptext(path):
        r = subprocess.run([docker] + path + ["--help"], env=env, cwd=tmp, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit(f"docker {' '.join(path)} --help failed: {r.stderr}")
        return r.stdout

    version = subprocess.run([docker, "--version"], env=env, capture_output=True, text=True).stdout
    if f"Docker version {DOCKER_VERSION}," not in version:
        sys.exit(f"expected docker {DOCKER_VERSION}, found: {version.strip()}")
    seen = {}
    todo = [[]] + EXTRA_WALK_ROOTS
    with ThreadPoolExecutor(8) as pool:
        while todo:
            batch, todo = todo, []
            for path, text in zip(batch, pool.map(helptext, batch)):
                info = parse_help(text)
                seen[" ".join(path)] = info
                todo += [path + [s] for s in info["subs"]]
    return seen


def docker_model(seen):
    """Groups the walked cobra commands into canonical commands with aliases."""
    root = seen.pop("")
    global_flags = root["flags"]
    by_canon = {}
    for path, info in seen.items():
        names = [a[len("docker "):] for a in info["aliases"]]
        canon = names[0] if names else path
        entry = by_canon.setdefault(canon, {"paths": set(), "aliases": set(), "flags": None,
                                             "group": False, "subs": None})
        entry["paths"].add(path)
        entry["aliases"].update(names)
        flags = sorted(info["flags"])
        if entry["flags"] is not None and entry["flags"] != flags:
            sys.exit(f"{path}: flags differ from another path of {canon}")
        entry["flags"] = flags
        if info["subs"]:
            entry["group"] = True
    commands = []
    for canon, e in by_canon.items():
        if canon not in e["paths"]:
            sys.exit(f"{canon}: canonical path not reached by the walk")
        aliases = sorted((e["paths"] | e["aliases"]) - {canon})
        flags = [f + (False, None) for f in e["flags"]]
        if not any(f[0] == "help" for f in flags):
            flags.append(HELP + (False, None))
        for (long, short, ty, src) in HIDDEN_FLAGS.get(canon, []):
            flags.append((long, short, ty, None, True, src))
        if canon == "stack" or canon.startswith("stack "):
            long, short, ty, src = STACK_ORCHESTRATOR
            flags.append((long, short, ty, None, True, src))
        for alias, _src in HIDDEN_ALIASES.get(canon, []):
            aliases.append(alias)
        commands.append(dict(path=canon, aliases=sorted(aliases), flags=flags, group=e["group"],
                             interspersed=canon not in NOT_INTERSPERSED,
                             hidden=canon in HIDDEN_COMMANDS))
    for m in MANUAL_COMMANDS:
        flags = {"HELP": [HELP + (False, None)], "NONE": []}[m["flags"]]
        commands.append(dict(path=m["path"], aliases=m["aliases"], flags=flags, group=m["group"],
                             interspersed=m["interspersed"], hidden=m["path"] in HIDDEN_COMMANDS))
    global_flags = sorted(f + (False, None) for f in global_flags) + [HELP + (False, None)]
    return global_flags, commands


PFLAG_TYPE_WORDS = {"bool": "", "float64": "float", "int64": "int", "uint64": "uint",
                    "stringSlice": "strings", "intSlice": "ints", "uintSlice": "uints",
                    "boolSlice": "bools"}


def compose_model(git_dir, tag):
    def load(cmd):
        name = "docs/reference/" + cmd.replace(" ", "_") + ".yaml"
        out = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{name}"], capture_output=True,
                             text=True, check=True).stdout
        return yaml.safe_load(out)

    commands = []

    def flag_of(o, path):
        usage = o.get("description") or ""
        # pflag UnquoteUsage: a `back-quoted` word in the usage replaces the type name.
        m = re.search(r"`([^`]*)`", usage)
        ty = m.group(1) if m else PFLAG_TYPE_WORDS.get(o["value_type"], o["value_type"])
        if o["value_type"] == "bool" and m:
            sys.exit(f"bool flag {o['option']} with a back-quoted usage")
        src = None
        if o.get("hidden"):
            src = COMPOSE_HIDDEN_FLAG_SOURCES.get((path, o["option"]))
            if src is None:
                sys.exit(f"{path} --{o['option']}: hidden in the YAML, not in COMPOSE_HIDDEN_FLAG_SOURCES")
        return (o["option"], o.get("shorthand"), ty, None, bool(o.get("hidden")), src)

    def walk(cmd, parent_hidden):
        d = load(cmd)
        path = cmd[len("docker "):]
        hidden = path in COMPOSE_HIDDEN_COMMANDS
        if bool(d.get("hidden")) != (hidden or parent_hidden):
            sys.exit(f"{path}: hidden in the reference YAML does not match the overlay")
        names = [a.strip()[len("docker "):] for a in (d.get("aliases") or "").split(",") if a.strip()]
        if names and names[0] != path:
            sys.exit(f"{path}: aliases do not start with the command itself")
        flags = [flag_of(o, path) for o in (d.get("options") or [])]
        flags += [flag_of(o, path) for o in (d.get("inherited_options") or [])]
        for (c, name, target, src) in COMPOSE_NORMALIZED:
            if c == path:
                t = next(f for f in flags if f[0] == target)
                flags.append((name, None, t[2], None, True, src))
        flags.append(HELP + (False, None))
        subs = d.get("cname") or []
        commands.append(dict(path=path, aliases=sorted(names[1:]), flags=flags, group=bool(subs),
                             interspersed=path not in NOT_INTERSPERSED, hidden=hidden))
        for s in subs:
            walk(s, parent_hidden or hidden)

    walk("docker compose", False)
    walk("docker compose alpha", False)  # hidden: not in the root's cname list
    return commands


# ---------------------------------------------------------------------------------------
# Rust output
# ---------------------------------------------------------------------------------------

NAMED_FLAGS = {
    HELP + (False, None): "HELP",
    ("help", None, "", None, False, None): "HELP_NO_SHORTHAND",
    ("dry-run", None, "", None, False, None): "COMPOSE_DRY_RUN",
    STACK_ORCHESTRATOR[:3] + (None, True, STACK_ORCHESTRATOR[3]): "STACK_ORCHESTRATOR",
}


def rs_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rs_flag(f):
    """The Rust expression for one flag, and the source note for a hidden one."""
    long, short, ty, nodef, hidden, src = f
    if f in NAMED_FLAGS:
        return NAMED_FLAGS[f], None
    if nodef is not None:
        sys.exit(f"--{long}: a non-bool NoOptDefVal needs a hand-written FlagSpec")
    sh = f"Some('{short}')" if short else "None"
    s = f"bool_flag({rs_str(long)}, {sh})" if ty == "" else f"value_flag({rs_str(long)}, {sh}, {rs_str(ty)})"
    if hidden:
        s = f"hidden({s})"
    return s, src


def comment(text, indent, prefix="//"):
    return textwrap.wrap(text, width=100 - len(indent) - len(prefix) - 1,
                         initial_indent=f"{indent}{prefix} ", subsequent_indent=f"{indent}{prefix} ",
                         break_long_words=False, break_on_hyphens=False)


def rs_flag_list(flags, indent):
    out = []
    for f in flags:
        expr, src = rs_flag(f)
        if src:
            out += comment(src, indent)
        out.append(f"{indent}{expr},")
    return "\n".join(out)


def rs_slice(flags, indent):
    """`&[...]`: on one line when short and without notes, else one flag a line."""
    exprs = [rs_flag(f) for f in flags]
    inline = "&[" + ", ".join(e for e, _ in exprs) + "]"
    if len(inline) <= 60 and not any(src for _, src in exprs):
        return inline
    return f"&[\n{rs_flag_list(flags, indent)}\n{indent[4:]}]"


def ordered(flags, path):
    """Own visible flags by name, then own hidden ones, then inherited persistent ones, then help."""
    def key(f):
        if f[0] == "help":
            cat = 3
        elif NAMED_FLAGS.get(f) == "STACK_ORCHESTRATOR" or (NAMED_FLAGS.get(f) == "COMPOSE_DRY_RUN" and path != "compose"):
            cat = 2
        elif f[4]:
            cat = 1
        else:
            cat = 0
        return (cat, f[0])
    return sorted(flags, key=key)


def emit(global_flags, commands):
    by_path = {c["path"]: c for c in commands}
    for c in commands:
        c["flags"] = ordered(c["flags"], c["path"])
    shared = {}
    for name, doc, paths in SHARED_LISTS:
        # The shared list holds the commands' own flags; inherited ones and help stay
        # at the end of each command's list.
        common = [f for f in by_path[paths[0]]["flags"]
                  if all(f in by_path[p]["flags"] for p in paths[1:])
                  and f[0] != "help" and NAMED_FLAGS.get(f) not in ("COMPOSE_DRY_RUN", "STACK_ORCHESTRATOR")]
        shared[name] = (doc, common)
        for p in paths:
            by_path[p]["shared"] = name
    o = []
    o.append(HEADER.format(docker=DOCKER_VERSION, compose=COMPOSE_TAG.lstrip("v"),
                           compose_tag=COMPOSE_TAG))
    o.append("pub static GLOBAL_FLAGS: &[FlagSpec] = &[")
    o.append(rs_flag_list(global_flags, "    "))
    o.append("];\n")
    for name, (doc, flags) in shared.items():
        o += comment(doc, "", "///")
        o.append(f"const {name}: &[FlagSpec] = &[")
        o.append(rs_flag_list(flags, "    "))
        o.append("];\n")
    o.append("/// Aliases that cobra accepts but that the help's \"Aliases:\" line leaves out.")
    o.append("pub static HIDDEN_ALIASES: &[&str] = &[")
    for canon, lst in sorted(HIDDEN_ALIASES.items()):
        for alias, src in lst:
            o += comment(f"alias of `{canon}`: {src}", "    ")
            o.append(f"    {rs_str(alias)},")
    o.append("];\n")
    o.append("/// Every command, sorted by path. Groups select a sub-command; `cmd` is a")
    o.append("/// command that runs. Wrappers mark cobra `Hidden` and `SetInterspersed(false)`.")
    o.append("pub static COMMANDS: &[CommandSpec] = &[")
    for c in sorted(commands, key=lambda c: c["path"]):
        aliases = "&[" + ", ".join(rs_str(a) for a in c["aliases"]) + "]"
        if "shared" in c:
            common = shared[c["shared"]][1]
            own = [f for f in c["flags"] if f not in common]
            flags = f"join!({c['shared']}, {rs_slice(own, '        ')})" if own else c["shared"]
        else:
            flags = rs_slice(c["flags"], "        ")
        if c["group"]:
            if c["aliases"]:
                sys.exit(f"group {c['path']} with aliases")
            expr = f"group({rs_str(c['path'])}, {flags})"
        else:
            expr = f"cmd({rs_str(c['path'])}, {aliases}, {flags})"
        notes = []
        if not c["interspersed"]:
            expr = f"not_interspersed({expr})"
            notes.append("SetInterspersed(false): " + NOT_INTERSPERSED[c["path"]])
        if c["hidden"]:
            expr = f"hidden_cmd({expr})"
            notes.append("hidden: " + (HIDDEN_COMMANDS.get(c["path"]) or COMPOSE_HIDDEN_COMMANDS[c["path"]]))
        for n in notes:
            o += comment(n, "    ")
        o.append(f"    {expr},")
    o.append("];\n")
    return "\n".join(o)


HEADER = '''\
//! The docker CLI {docker} command tree, and the `docker compose` {compose} plugin's,
//! as data: every command with its aliases, every flag with its shorthand and type,
//! including what `--help` never shows (hidden and deprecated flags, hidden commands and
//! aliases, names accepted through pflag normalization) and which commands stop
//! parsing flags at the first positional (`SetInterspersed(false)`).
//!
//! GENERATED by `scripts/spec-from-help.py` down to the END OF GENERATED DATA line; the
//! unit tests below that line are hand-written. Do not edit the data by hand: fix the
//! script (its overlay holds every fact the help does not print, with the source file
//! it comes from) and regenerate:
//!
//! ```text
//! scripts/spec-from-help.py --compose-git <git dir of docker/compose>
//! ```
//!
//! Sources:
//! - docker: the help of the installed client (`/usr/local/bin/docker`, {docker}, no
//!   plugins), walked from `docker --help`, run with an empty config dir and an
//!   unreachable daemon so that no flag or command is hidden for the daemon's API
//!   version, OS, experimental or swarm state (cmd/docker/docker.go
//!   `hideUnsupportedFeatures`): the model holds them all whatever daemon runs.
//!   Hidden things: docker/cli at tag v{docker} and spf13/cobra as vendored there.
//! - compose: docker/compose at tag {compose_tag}, `docs/reference/docker_compose*.yaml`
//!   (generated from its cobra tree, checked in CI) and `cmd/compose/*.go`.
//!
//! `tests/integration/spec_vs_help.rs` compares this data with the installed client's
//! help output, command by command.
//!
//! Conventions: every command has cobra's `-h/--help` (`HELP`), except `container
//! run`/`create`, where `-h` is `--hostname` and `--help` has no shorthand. A
//! persistent flag of a group (`stack --orchestrator`, `compose --dry-run`) is listed
//! on the group and on every command below it.

use super::model::*;

pub const DOCKER_VERSION: &str = "{docker}";
/// The docker compose release the `compose` commands describe (tag {compose_tag}).
pub const COMPOSE_VERSION: &str = "{compose}";

/// cobra's help flag, a persistent flag of the docker root: every command has it.
/// `-h` is deprecated in favour of `--help` but still accepted (cli/cobra.go).
pub const HELP: FlagSpec = bool_flag("help", Some('h'));
/// `--help` of `container run`/`create`, whose `-h` is `--hostname`
/// (cli/command/container/run.go, create.go: `flags.Bool("help", ...)`).
const HELP_NO_SHORTHAND: FlagSpec = bool_flag("help", None);
/// `stack`'s persistent `--orchestrator`: deprecated, ignored, still accepted
/// (cli/command/stack/cmd.go).
const STACK_ORCHESTRATOR: FlagSpec = hidden(value_flag("orchestrator", None, "string"));
/// compose's persistent `--dry-run` (cmd/compose/compose.go).
const COMPOSE_DRY_RUN: FlagSpec = bool_flag("dry-run", None);

/// A command that runs (not a group), interspersed, listed in help.
const fn cmd(
    path: &'static str,
    aliases: &'static [&'static str],
    flags: &'static [FlagSpec],
) -> CommandSpec {{
    CommandSpec {{
        path,
        aliases,
        flags,
        interspersed: true,
        group: false,
        hidden: false,
    }}
}}

/// A command group: it only selects a sub-command.
const fn group(path: &'static str, flags: &'static [FlagSpec]) -> CommandSpec {{
    CommandSpec {{
        group: true,
        ..cmd(path, &[], flags)
    }}
}}

/// `flags.SetInterspersed(false)`: the first positional ends the flags.
const fn not_interspersed(command: CommandSpec) -> CommandSpec {{
    CommandSpec {{
        interspersed: false,
        ..command
    }}
}}

/// cobra `Hidden: true`: accepted, never listed in help.
const fn hidden_cmd(command: CommandSpec) -> CommandSpec {{
    CommandSpec {{
        hidden: true,
        ..command
    }}
}}

const fn total_len(parts: &[&[FlagSpec]]) -> usize {{
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {{
        n += parts[i].len();
        i += 1;
    }}
    n
}}

const fn join_parts<const N: usize>(parts: &[&[FlagSpec]]) -> [FlagSpec; N] {{
    let mut out = [HELP; N];
    let mut n = 0;
    let mut p = 0;
    while p < parts.len() {{
        let mut i = 0;
        while i < parts[p].len() {{
            out[n] = parts[p][i];
            n += 1;
            i += 1;
        }}
        p += 1;
    }}
    assert!(n == N);
    out
}}

/// Concatenates flag lists at compile time: a shared list plus a command's own flags.
macro_rules! join {{
    ($($part:expr),+ $(,)?) => {{{{
        const PARTS: &[&[FlagSpec]] = &[$($part),+];
        const JOINED: [FlagSpec; total_len(PARTS)] = join_parts(PARTS);
        &JOINED
    }}}};
}}
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docker", default="/usr/local/bin/docker")
    ap.add_argument("--compose-git", required=True, help="git dir of a docker/compose clone or mirror")
    ap.add_argument("--compose-tag", default=COMPOSE_TAG)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "src", "docker", "spec.rs"))
    args = ap.parse_args()

    global_flags, commands = docker_model(walk_docker(args.docker))
    commands += compose_model(args.compose_git, args.compose_tag)
    paths = [c["path"] for c in commands]
    if len(paths) != len(set(paths)):
        sys.exit("duplicate command paths")
    text = emit(global_flags, commands)

    tail = END_MARKER + "\n"
    if os.path.exists(args.out):
        old = open(args.out).read()
        if END_MARKER in old:
            tail = old[old.index(END_MARKER):]
    with open(args.out, "w") as f:
        f.write(text + "\n" + tail)
    subprocess.run(["rustfmt", "--edition", "2024", args.out], check=True)
    flags = sum(len(c["flags"]) for c in commands)
    print(f"{args.out}: {len(commands)} commands, {flags} flags (+{len(global_flags)} global)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
