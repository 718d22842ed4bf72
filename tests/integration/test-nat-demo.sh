#!/bin/sh
# The README's main job must keep working: run examples/nat-demo.sh against
# this build and check what it says it did.
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
out=$(timeout 120 "$VNET_TOP_SRCDIR/examples/nat-demo.sh" "$VNET_TOP_BUILDDIR" 2>&1)
status=$?
printf '%s\n' "$out"
pass=0 fail=0
expect() {
	if printf '%s\n' "$out" | grep -q -- "$1"; then
		pass=$((pass + 1)); echo "PASS: $1"
	else
		fail=$((fail + 1)); echo "FAIL: expected a line matching: $1"
	fi
}
expect "started network 'default': nat, bridge vnetbr0, 192.168.122.1/24"
expect 'vm1 is on vnetbr0 and got 192\.168\.122\.[0-9]* by DHCP'
expect 'the host resolves vm1.default.vnet through the gateway.s DNS: 192\.168\.122\.[0-9]'
expect 'vm1 fetched http://203.0.113.2/: "hello from the outside host"'
expect "request come from 203.0.113.1 "
expect 'through the forward: "hello from vm1"'
[ "$status" -eq 0 ] || { fail=$((fail + 1)); echo "FAIL: nat-demo.sh exited $status"; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
