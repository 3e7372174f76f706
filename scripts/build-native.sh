#!/bin/sh
# Builds native/ (mini-init for `run --init`, lesson 2's chroot escape, the syscall probe) when
# make and a C compiler are there; otherwise says so in one line and succeeds: mini-run works
# without them, and `run --init` then says how to add them. Called by `npm run build`.
dir=$(dirname "$0")/../native
if ! command -v make >/dev/null 2>&1; then
  echo "native: no make: skipped mini-init (run --init) and the lesson/probe helpers; to add them: sudo apt-get install -y gcc libc6-dev make && make -C $(cd "$dir" && pwd)" >&2
  exit 0
fi
exec make -s -C "$dir"
