#!/bin/sh
# A QEMU guest with a NIC on a vnet network, through QEMU's own
# `-netdev bridge`, with vnet-bridge-helper as the helper.
#
#   examples/qemu-bridge-helper.sh NETWORK [QEMU OPTIONS...]
#
#   examples/qemu-bridge-helper.sh default -m 512 -nographic \
#       -kernel vmlinuz -initrd initrd.img -append console=ttyS0
#
# NETWORK is a vnet network's name or its bridge's name. QEMU runs
#   HELPER --use-vnet --fd=N --br=NETWORK
# and the helper asks vnetd for a tap on that network; vnetd makes it (bridge
# MTU, enslaved, up), checks that the user running QEMU may attach (root, the
# vnet group, or an allow line in vnetd's bridge.conf), and the open tap
# travels back to QEMU over the helper. Nothing is setuid. The tap lives as
# long as QEMU holds it.
#
# Environment:
#   VNET_BRIDGE_HELPER  the helper (default: the installed one)
#   VNET_SOCKET         vnetd's socket, when not /run/vnet/vnetd.sock;
#                       QEMU passes its environment on to the helper
#   MAC                 the guest's MAC (default: random under 52:54:00)
#   QEMU                the QEMU binary (default: qemu-system-x86_64)
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 NETWORK [QEMU OPTIONS...]" >&2
	exit 2
fi
network=$1
shift

helper=${VNET_BRIDGE_HELPER:-}
if [ -z "$helper" ]; then
	for h in /usr/libexec/vnet-bridge-helper /usr/local/libexec/vnet-bridge-helper; do
		if [ -x "$h" ]; then
			helper=$h
			break
		fi
	done
fi
if [ -z "$helper" ] || [ ! -x "$helper" ]; then
	echo "$0: vnet-bridge-helper not found; set VNET_BRIDGE_HELPER" >&2
	exit 1
fi

# QEMU gives every guest 52:54:00:12:34:56 unless told otherwise; two guests
# with one MAC on one bridge do not work, so pick one at random.
if [ -z "${MAC:-}" ]; then
	MAC=$(od -An -N3 -tx1 /dev/urandom | awk '{ printf "52:54:00:%s:%s:%s", $1, $2, $3 }')
fi

# No commas in the helper's path: QEMU's option parser would split it there.
exec "${QEMU:-qemu-system-x86_64}" \
	-netdev "bridge,id=net0,br=$network,helper=$helper" \
	-device "virtio-net-pci,netdev=net0,mac=$MAC" \
	"$@"
