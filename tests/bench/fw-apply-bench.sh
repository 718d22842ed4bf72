#!/bin/bash
# fw-apply-bench.sh BUILDDIR [MAX] — instructions (userspace, callgrind) per
# vnet_fw_apply at N = 10, 100, 1000 networks and for a no-op, a one-forward
# change, a removal and an addition at MAX (opt-in: root, valgrind; not in
# make check). Without valgrind run BUILDDIR/tests/bench/fw-apply-bench for
# wall times only.
set -euo pipefail

build=$(cd "${1:?usage: fw-apply-bench.sh BUILDDIR [MAX]}" && pwd)
max=${2:-1000}
bin="$build/tests/bench/fw-apply-bench"
dir=$(mktemp -d /tmp/vnet-fw-apply-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

# libtool wrapper: valgrind the real binary
[ -x "$build/tests/bench/.libs/fw-apply-bench" ] && bin="$build/tests/bench/.libs/fw-apply-bench"
LD_LIBRARY_PATH="$build/libvnet/.libs:$build/tests/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$dir/cg.out" \
	"$bin" "$max" > "$dir/stdout" 2> "$dir/valgrind.log" || { cat "$dir/valgrind.log"; exit 1; }
printf '%-28s %14s\n' "apply" "instructions"
for f in "$dir"/cg.out.*; do
	what=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	ir=$(sed -n 's/^summary: //p' "$f")
	[ -n "$what" ] && printf '%-28s %14s\n' "$what" "$ir"
done | sort -t= -k2 -n
