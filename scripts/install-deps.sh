#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages mini-run's build, tests and benchmarks use.
#
#   sudo scripts/install-deps.sh          install whatever is missing (safe to run again)
#   scripts/install-deps.sh --list        print the package list and what is missing
#
# Node.js (>= 20.19) is not installed here: Debian 12's own nodejs is too old, so get it from
# NodeSource or nvm (see Vagrantfile for the NodeSource way).
set -euo pipefail

# Why each package is needed:
PACKAGES=(
  busybox-static   # a static userland: the built-in image and test images are made from it
  umoci skopeo     # independent OCI tools: build and push test images, check our unpacking
  runc             # the reference runtime: tests and benchmarks compare against it
  podman netavark  # `mini-run compare` runs beside podman when no docker daemon answers (CI, this host)
  docker-registry  # a real OCI registry on 127.0.0.1 for pull tests (there is no internet)
  apache2-utils    # htpasswd -B: bcrypt users for the Basic-auth registry in the login tests
  iptables iproute2  # bridge, veth, NAT and port publishing
  kmod             # modprobe: the kernel's module autoloading (nf_tables, bridge, veth) and dockerd call it
  qemu-system-x86  # throw-away cgroup-v2 VM for tests on cgroup-v1 hosts
  xfsprogs         # mkfs.xfs: a loop xfs mounted with pquota for the --storage-opt size tests
  xz-utils         # .tar.xz layers and archives
  libzstd1 zstd    # zstd layers on Node < 22.15 (libzstd.so.1 through koffi); the zstd CLI writes test data
  gcc libc6-dev make # build native/mini-init (static)
  libcap2-bin      # capsh/getpcaps: check capabilities from inside containers
  uidmap           # newuidmap/newgidmap: user namespaces with /etc/subuid ranges without root (doctor checks them)
  slirp4netns      # rootless mini-run's default network (a user-mode TCP/IP stack; -p as its host forwards)
  hyperfine        # optional cross-check for bench/startup.mjs
  libarchive-tools # bsdtar: archives from an independent tar writer for the layer-reader tests
  zsh fish         # `mini-run completion zsh|fish` scripts are tested in the real shells
  ruby             # `ruby -c Vagrantfile` and a load of it with a stand-in Vagrant (the lab test)
  golang-go        # Go's archive/tar (what moby/containerd/BuildKit write layers with): built at test time for the tar corpus
)
# Real peers the tests drive, installed only when no such program is there yet (a host with
# Docker's own docker-ce/containerd.io packages keeps them: installing these would conflict).
command -v dockerd >/dev/null || PACKAGES+=(docker.io)      # the Docker engine: compare, parity tests
command -v containerd >/dev/null || PACKAGES+=(containerd)  # ctr drives mini-runc

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done

if [ "${1:-}" = "--list" ]; then
  echo "packages: ${PACKAGES[*]}"
  echo "missing:  ${missing[*]:-(none)}"
  exit 0
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root to install: ${missing[*]}" >&2
  echo "              try: sudo $0" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install-deps: apt-get not found: this script is for Debian/Ubuntu; install by hand: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when there is something to install (fast when nothing is missing).
apt-get -o DPkg::Lock::Timeout=120 update -qq
apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
