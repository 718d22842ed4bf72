#!/bin/sh
# examples/links-demo must keep doing what the README says it does.
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
out=$("$VNET_TOP_BUILDDIR/examples/links-demo" 2>&1)
status=$?
printf '%s\n' "$out"
pass=0 fail=0
expect() {
	if printf '%s\n' "$out" | grep -Eq -- "$1"; then
		pass=$((pass + 1)); echo "PASS: $1"
	else
		fail=$((fail + 1)); echo "FAIL: expected a line matching: $1"
	fi
}
expect '^  demobr0 +bridge .* up +stp off'
expect '^  demotap0 +tap .* held by fd, 1 queue\(s\), port of demobr0'
expect '^  demoveth0 +veth .* port of demobr0'
expect '^  demovx0 +vxlan .* vni 4242, port 4789, port of demobr0'
expect '^  eth0 +veth '
expect '^cleaned up'
[ "$status" -eq 0 ] || { fail=$((fail + 1)); echo "FAIL: links-demo exited $status"; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
