#!/usr/bin/env bash
# The Vagrant lab's provisioning (the Vagrantfile runs it; docs/install.md says how it was run in
# the cgroup-v2 VM, which has no network).
#
#   lab-provision.sh system   as root, once: Node LTS, scripts/install-deps.sh, Docker running
#   lab-provision.sh build    as the lab user: copy the source, npm ci, npm run build
#   lab-provision.sh install  as root: mini-run on PATH (/usr/local/bin) and its boot unit
#
# Settings (environment):
#   LAB_SRC=/vagrant          the source tree (the Vagrant shared folder)
#   LAB_USER=vagrant          the lab's login user (docker group; owns the built copy)
#   LAB_NODE_MAJOR=24         the Node.js LTS line to install (24: active LTS; 22 also works)
#   LAB_NODE_BIN=             a node binary of that line to install as /usr/local/bin/node
#                             instead of NodeSource's apt package (a lab without internet)
set -euo pipefail

LAB_SRC=${LAB_SRC:-/vagrant}
LAB_USER=${LAB_USER:-vagrant}
LAB_NODE_MAJOR=${LAB_NODE_MAJOR:-24}
LAB_NODE_BIN=${LAB_NODE_BIN:-}
say() { echo "lab: $*"; }

node_major() { node --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p'; }

install_node() {
  local have; have=$(node_major || true)
  if [ -n "$have" ] && [ "$have" -ge "$LAB_NODE_MAJOR" ]; then
    say "node $(node --version) already there"
  elif [ -n "$LAB_NODE_BIN" ]; then
    local v; v=$("$LAB_NODE_BIN" --version)
    case $v in "v$LAB_NODE_MAJOR".*) ;; *) say "LAB_NODE_BIN is node $v, not $LAB_NODE_MAJOR.x" >&2; exit 1 ;; esac
    install -m 0755 "$LAB_NODE_BIN" /usr/local/bin/node
    hash -r
  else
    # NodeSource's apt repository (Ubuntu 24.04's own nodejs is 18: too old).
    apt-get update -q
    apt-get install -y -q ca-certificates curl gnupg
    install -d -m 0755 /etc/apt/keyrings
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key \
      | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
    echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${LAB_NODE_MAJOR}.x nodistro main" \
      > /etc/apt/sources.list.d/nodesource.list
    apt-get update -q
    apt-get install -y -q nodejs
  fi
  # npm comes with NodeSource's nodejs; with LAB_NODE_BIN the system's npm runs on the new node.
  say "node $(node --version), npm $(npm --version 2>/dev/null || echo missing)"
}

# The Docker engine as a service beside mini-run (compare, parity tests). Without systemd
# (a container or the test VM) it is started as its units would: containerd first, then dockerd
# on containerd's socket (as docker.service's --containerd), restarted if it exits (Restart=always),
# each waited for with a deadline of ours rather than dockerd's own (a slow, emulated machine is fine).
wait_for() { # wait_for SECONDS CMD...: until CMD succeeds, tried at least once, for SECONDS at most
  local end=$((SECONDS + $1))
  while :; do
    # each try bounded: ctr with no containerd behind its socket waits for one forever
    timeout 30 "${@:2}" >/dev/null 2>&1 && return 0
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 1
  done
}

start_docker() {
  # The engine started here listens on the default socket, whatever a DOCKER_HOST says.
  local DOCKER_HOST=unix:///var/run/docker.sock; export DOCKER_HOST
  if [ -d /run/systemd/system ]; then
    systemctl enable --now docker
  elif ! docker info >/dev/null 2>&1; then
    if ! wait_for 1 ctr --address /run/containerd/containerd.sock version; then
      (setsid containerd >/var/log/containerd.log 2>&1 </dev/null &)
      wait_for 300 ctr --address /run/containerd/containerd.sock version || { say "containerd did not answer; /var/log/containerd.log:" >&2; tail -n 20 /var/log/containerd.log >&2; exit 1; }
    fi
    local try
    for try in 1 2 3; do
      setsid dockerd --containerd=/run/containerd/containerd.sock >>/var/log/dockerd.log 2>&1 </dev/null &
      local pid=$!
      wait_for 300 sh -c "docker info || ! kill -0 $pid" && docker info >/dev/null 2>&1 && break
      kill "$pid" 2>/dev/null || true
      wait_for 30 sh -c "! kill -0 $pid" || true   # gone before the next try takes its pid file
      say "dockerd exited (try $try): $(grep -m1 -E 'failed to start|level=(error|fatal)' /var/log/dockerd.log | cut -c1-200)" >&2
    done
    docker info >/dev/null 2>&1 || { say "dockerd did not answer; /var/log/dockerd.log:" >&2; tail -n 20 /var/log/dockerd.log >&2; exit 1; }
  fi
  say "docker engine $(docker info --format '{{.ServerVersion}}') running, cgroup driver $(docker info --format '{{.CgroupDriver}}')"
}

system() {
  export DEBIAN_FRONTEND=noninteractive
  install_node
  # Everything mini-run's build, tests and benchmarks use: ONE list, the same script the README
  # and CI run (busybox-static, gcc, iptables, runc, umoci, skopeo, podman, docker.io, …).
  bash "$LAB_SRC/scripts/install-deps.sh"
  start_docker
  if id "$LAB_USER" >/dev/null 2>&1; then
    usermod -aG docker "$LAB_USER"   # `docker` without sudo (mini-run itself needs root: sudo)
    say "$LAB_USER is in the docker group"
  fi
  say "cgroup filesystem: $(stat -fc %T /sys/fs/cgroup)   (cgroup2fs = v2 unified)"
}

build() {
  local dest=$HOME/mini-run
  # Leave out the host's build outputs: they are rebuilt here for this machine. (overlayfs
  # refuses upper dirs on a shared folder, and node_modules there may be another OS's.)
  rm -rf "$dest" && mkdir -p "$dest"
  tar -C "$LAB_SRC" --exclude=./node_modules --exclude=./dist --exclude=./native/build -cf - . | tar -C "$dest" -xf -
  cd "$dest"
  npm ci --no-audit --no-fund
  npm run build   # dist/ and native/
  say "built $dest"
}

install_bin() {
  local src=${1:-/home/$LAB_USER/mini-run}
  # `sudo mini-run …`: sudo's secure_path includes /usr/local/bin, and bin/mini-run finds node
  # through `#!/usr/bin/env node`.
  ln -sfn "$src/bin/mini-run" /usr/local/bin/mini-run
  # At boot, bring back containers run with --restart always / unless-stopped.
  mini-run system install-boot
  say "ready: sudo mini-run run --rm mini-run/busybox echo hello"
}

case ${1:-} in
  system) system ;;
  build) build ;;
  install) install_bin "${2:-}" ;;
  *) echo "usage: $0 system|build|install [SOURCE]" >&2; exit 2 ;;
esac
