#!/bin/sh
# Build mini-run's built-in image, mini-run/busybox, from the host's static busybox.
#
#   sh rootfs/busybox.sh OUTPUT.tar
#
# Writes an OCI image layout as a tar (what `mini-run load` reads): one plain-tar layer with
# /bin/busybox, a symlink per applet, a minimal /etc and the usual empty directories, and an
# image config with PATH and Cmd ["sh"]. Only POSIX sh, GNU tar, coreutils and node (or readelf) are used.
# Deterministic: every timestamp is the busybox binary's mtime, owners are numeric and entries
# are sorted, so the same busybox always gives the same image id.
set -eu

OUT=${1:?usage: busybox.sh OUTPUT.tar}
BUSYBOX=${BUSYBOX:-/bin/busybox}
NAME=${IMAGE_NAME:-docker.io/mini-run/busybox:latest}

die() { echo "busybox.sh: $*" >&2; exit 1; }

[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install a static busybox (apt-get install busybox-static)"
# The image has no libc: a dynamically linked busybox could not run in it. Dynamically linked
# means the ELF names a program interpreter (a PT_INTERP program header: ld-linux, ld-musl).
# readelf (binutils) lists the headers when present; else node, which runs mini-run and is
# always there, reads them (ELF header: class at 4, byte order at 5, e_phoff at 28 or 32,
# e_phentsize and e_phnum at 42/44 or 54/56; p_type 3 = PT_INTERP). A static busybox has the
# string "ld-linux" in it too, so grepping the binary (or ldd's absence) proves nothing.
# Exit status 0: it has one, 1: it has none, other: neither tool could read it.
has_interpreter() {
  if command -v readelf >/dev/null 2>&1; then
    LC_ALL=C readelf -lW "$1" 2>/dev/null | grep -q '^ *INTERP '
  else
    "${NODE:-node}" -e '
      const b = require("fs").readFileSync(process.argv[1]);
      if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) process.exit(1); // not ELF
      const wide = b[4] === 2, le = b[5] === 1;
      const u16 = (o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
      const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      const phoff = wide ? Number(le ? b.readBigUInt64LE(32) : b.readBigUInt64BE(32)) : u32(28);
      const size = u16(wide ? 54 : 42), count = u16(wide ? 56 : 44);
      for (let i = 0; i < count; i++) if (u32(phoff + i * size) === 3) process.exit(0);
      process.exit(1);' "$1"
  fi
}
found=0
has_interpreter "$BUSYBOX" || found=$?
case $found in
  0) die "$BUSYBOX is dynamically linked; install the static one (apt-get install busybox-static)" ;;
  1) ;; # no interpreter: static
  *) die "could not read the program headers of $BUSYBOX: readelf (binutils) or node is needed" ;;
esac
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is needed"

EPOCH=$(stat -c %Y "$BUSYBOX")
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
case $(uname -m) in
  x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; armv7l|armv6l) ARCH=arm ;; i?86) ARCH=386 ;;
  ppc64le) ARCH=ppc64le ;; s390x) ARCH=s390x ;; riscv64) ARCH=riscv64 ;; *) ARCH=$(uname -m) ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/busybox-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
R=$WORK/rootfs
mkdir -p "$R"

# --- the filesystem
for d in bin sbin usr/bin usr/sbin usr/local/bin etc root home/user tmp var/tmp var/log run proc sys dev; do
  mkdir -p "$R/$d"
done
chmod 755 "$R" "$R"/* "$R"/usr/* "$R"/var/* "$R/home/user"
chmod 700 "$R/root"
chmod 1777 "$R/tmp" "$R/var/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
chmod 755 "$R/bin/busybox"

# One symlink per applet, where busybox says it belongs (falling back to /bin).
if "$BUSYBOX" --list-full >/dev/null 2>&1; then
  "$BUSYBOX" --list-full
else
  "$BUSYBOX" --list | sed 's|^|bin/|'
fi | while read -r applet; do
  case $applet in ''|*/busybox|*..*) continue ;; esac
  [ -e "$R/$applet" ] || [ -L "$R/$applet" ] || ln -s /bin/busybox "$R/$applet"
done
[ -L "$R/bin/sh" ] || ln -s /bin/busybox "$R/bin/sh"

cat > "$R/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$R/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
wheel:x:10:root
users:x:100:user
user:x:1000:
nogroup:x:65534:
GROUP
chmod 644 "$R/etc/passwd" "$R/etc/group"

# --- the layer: deterministic tar (sorted, fixed times, numeric owners, no atime/ctime)
TAROPTS="--sort=name --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --mtime=@$EPOCH --numeric-owner"
mkdir -p "$WORK/layout/blobs/sha256"
# shellcheck disable=SC2086
tar $TAROPTS --owner=0 --group=0 --exclude=./home/user -C "$R" -cf "$WORK/layer.tar" .
# shellcheck disable=SC2086
tar $TAROPTS --owner=1000 --group=1000 -C "$R" -rf "$WORK/layer.tar" ./home/user

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c < "$1" | tr -d ' '; }
LAYER=$(sha "$WORK/layer.tar")
LAYER_SIZE=$(size "$WORK/layer.tar")
mv "$WORK/layer.tar" "$WORK/layout/blobs/sha256/$LAYER"

printf '%s' "{\"created\":\"$CREATED\",\"author\":\"mini-run rootfs/busybox.sh\",\"architecture\":\"$ARCH\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$LAYER\"]},\"history\":[{\"created\":\"$CREATED\",\"created_by\":\"rootfs/busybox.sh: static busybox from the host\"}]}" > "$WORK/config.json"
CONFIG=$(sha "$WORK/config.json")
CONFIG_SIZE=$(size "$WORK/config.json")
mv "$WORK/config.json" "$WORK/layout/blobs/sha256/$CONFIG"

printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$CONFIG\",\"size\":$CONFIG_SIZE},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$LAYER\",\"size\":$LAYER_SIZE}]}" > "$WORK/manifest.json"
MANIFEST=$(sha "$WORK/manifest.json")
MANIFEST_SIZE=$(size "$WORK/manifest.json")
mv "$WORK/manifest.json" "$WORK/layout/blobs/sha256/$MANIFEST"

TAG=${NAME##*:}
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$MANIFEST\",\"size\":$MANIFEST_SIZE,\"annotations\":{\"io.containerd.image.name\":\"$NAME\",\"org.opencontainers.image.ref.name\":\"$TAG\"},\"platform\":{\"architecture\":\"$ARCH\",\"os\":\"linux\"}}]}" > "$WORK/layout/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$WORK/layout/oci-layout"

# shellcheck disable=SC2086
tar $TAROPTS --owner=0 --group=0 -C "$WORK/layout" -cf "$OUT.partial" oci-layout index.json blobs
mv "$OUT.partial" "$OUT"
