#!/bin/sh
# Rootless limits on a real cgroup-v2 kernel, run as root INSIDE the throw-away VM of
# ../shared/tools/run-in-vm.sh by rootless-cgroups-v2-vm.test.ts (everything here goes with the VM).
# A user of its own with a subuid range, and a cgroup delegated to it as systemd's Delegate=yes
# delegates user@UID.service: the group and its cgroup.procs/subtree_control/threads are the
# user's. Its shell runs in a child group (session), as a terminal in user@UID.service/app.slice.
# Prints KEY=VALUE lines the test reads.
set -u
U=mr-rlvm
H=/tmp/mr-rlvm-home
D=/sys/fs/cgroup/mr-deleg
MR="$PWD/bin/mini-run"
useradd --system --no-create-home --home-dir $H --shell /bin/sh --user-group $U || exit 3
uid=$(id -u $U); gid=$(id -g $U)
usermod --add-subuids 200000-265535 --add-subgids 200000-265535 $U || exit 3
install -d -o "$uid" -g "$gid" -m 0700 $H
mkdir $D $D/session
for f in $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads \
         $D/session $D/session/cgroup.procs $D/session/cgroup.subtree_control $D/session/cgroup.threads; do
  chown "$uid:$gid" "$f"
done
echo "root-subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"
# as the user (no root), in cgroup $1, in its home: mini-run "$@"
as_user() {
  group=$1; shift
  sh -c 'echo $$ > "$0/cgroup.procs"; shift; exec "$@"' "$group" -- \
    setpriv --reuid="$uid" --regid="$gid" --init-groups \
    env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=$H USER=$U LOGNAME=$U \
    sh -c 'cd "$HOME" && exec "$0" "$@"' node "$MR" "$@"
}
# Inside the container its cgroup namespace shows its own group as /sys/fs/cgroup.
out=$(as_user $D/session run --rm --network none --memory 32m --pids-limit 20 --cpus 0.5 mini-run/busybox \
  sh -c 'echo "memory.max=$(cat /sys/fs/cgroup/memory.max)"; echo "pids.max=$(cat /sys/fs/cgroup/pids.max)"; echo "cpu.max=$(cat /sys/fs/cgroup/cpu.max)"; echo "uid=$(id -u)"' 2>/tmp/err)
echo "limited-rc=$?"
echo "$out"
echo "limited-err=$(tr '\n' '|' </tmp/err)"
# the container's group was TOP/mini-run/mr-<id>; both are gone with it, the user's session kept
echo "left=$(cd $D && find . -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ' ')"
# not delegated: from a group of root's, as a login shell in session-N.scope
mkdir /sys/fs/cgroup/mr-rootowned
as_user /sys/fs/cgroup/mr-rootowned run --rm --network none --memory 32m mini-run/busybox true >/dev/null 2>/tmp/err
echo "refused-rc=$?"
echo "refused-err=$(tr '\n' '|' </tmp/err)"
echo "containers=$(as_user $D/session ps -a -q | wc -l)"
