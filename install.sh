#!/bin/sh
# Builds docker-guard, installs it with the shipped policy, lets USER run it through
# sudo, and runs one guarded docker command.
#
#   sudo ./install.sh [USER]
#
# Installs /usr/local/bin/docker-guard and /etc/docker-guard/policy.toml (an
# existing policy is kept), both root-owned and not writable by anyone else, and,
# when USER is given, /etc/sudoers.d/docker-guard letting USER run docker-guard as
# root without a password (no SETENV, no argument matching: docker-guard does that).
set -eu
cd "$(dirname "$0")"
user="${1:-}"

if [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo ./install.sh [USER])" >&2
    exit 64
fi

cargo build --release --locked
install -o root -g root -m 0755 target/release/docker-guard /usr/local/bin/docker-guard
install -d -o root -g root -m 0755 /etc/docker-guard /etc/docker-guard/docker-config
if [ -e /etc/docker-guard/policy.toml ]; then
    echo "install.sh: keeping the existing /etc/docker-guard/policy.toml"
else
    install -o root -g root -m 0644 policy.toml /etc/docker-guard/policy.toml
fi
/usr/local/bin/docker-guard policy validate

if [ -n "$user" ]; then
    if ! id "$user" >/dev/null 2>&1; then
        echo "install.sh: user $user does not exist; create it first (useradd -m $user)" >&2
        exit 64
    fi
    if id -nG "$user" | tr ' ' '\n' | grep -qx docker; then
        echo "install.sh: $user is in the docker group, which is root access: remove it (gpasswd -d $user docker)" >&2
        exit 78
    fi
    rule=$(mktemp)
    echo "$user ALL=(root) NOPASSWD: /usr/local/bin/docker-guard" >"$rule"
    visudo -cf "$rule" >/dev/null
    install -o root -g root -m 0440 "$rule" /etc/sudoers.d/docker-guard
    rm -f "$rule"
    echo "install.sh: $user may now run: sudo docker-guard <docker args>"
fi

# The main job: one guarded docker command, and one the policy refuses.
/usr/local/bin/docker-guard ps
/usr/local/bin/docker-guard policy check -- run --privileged -v /:/host alpine || true
