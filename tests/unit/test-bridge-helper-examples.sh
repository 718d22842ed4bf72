#!/bin/sh
# The hypervisor recipes in examples/ stay well-formed: the scripts parse and
# refuse a missing NETWORK, the Firecracker configuration is JSON naming the
# tap vnetctl makes, and the libvirt interface names vnet's default bridge.
# (The QEMU scripts are run for real by test-bridge-helper-qemu.)
set -u
top=${VNET_TOP_SRCDIR:-.}
ex=$top/examples
fails=0

check() {
	if eval "$2"; then
		echo "PASS: $1"
	else
		echo "FAIL: $1"
		fails=$((fails + 1))
	fi
}

for s in qemu-bridge-helper.sh qemu-tap-fd.sh cloud-hypervisor.sh; do
	check "$s parses" "sh -n '$ex/$s'"
	check "$s without NETWORK says how to call it and exits 2" \
		"out=\$(sh '$ex/$s' 2>&1); test \$? -eq 2 && echo \"\$out\" | grep -q '^usage: '"
done

check "firecracker.json is JSON with host_dev_name fc-tap0 and a 52:54:00 MAC" \
	"jq -e '.\"network-interfaces\"[0] | .host_dev_name == \"fc-tap0\" and (.guest_mac | startswith(\"52:54:00:\"))' '$ex/firecracker.json' >/dev/null"
check "docs/hypervisors.md gives the vnetctl attach line for Firecracker's tap" \
	"grep -q 'vnetctl attach default --tap fc-tap0 --mac 52:54:00:fc:00:01 --owner' '$top/docs/hypervisors.md'"
check "libvirt-interface.xml: a bridge interface on vnetbr0, no double dash in comments" \
	"grep -q \"<source bridge='vnetbr0'/>\" '$ex/libvirt-interface.xml' && ! sed -n '/<!--/,/-->/p' '$ex/libvirt-interface.xml' | sed '1s/<!--//; \$s/-->//' | grep -q -- '--'"

[ "$fails" -eq 0 ]
