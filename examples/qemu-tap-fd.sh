#!/bin/sh
# A QEMU guest with a NIC on a vnet network, given to QEMU as an open tap
# (-netdev tap,fd=N): vnet-tap-fd asks vnetd for the tap, puts the fd on 3
# (3, 4, ... for several queues) and runs QEMU, which inherits it.
#
#   examples/qemu-tap-fd.sh NETWORK [QEMU OPTIONS...]
#
#   examples/qemu-tap-fd.sh default -m 512 -nographic \
#       -kernel vmlinuz -initrd initrd.img -append console=ttyS0
#
# Unlike -netdev bridge, QEMU runs no helper here, so this works with any
# QEMU and under any launcher that can pass an fd; and the MAC is the one
# vnetd chose (or QUEUES/MAC below), so `vnetctl port list` shows what the
# guest uses. vnetd checks that the user may attach (root, the vnet group,
# or an allow line in vnetd's bridge.conf). The tap is not persistent: it
# goes away when QEMU exits.
#
# Environment:
#   VNET_TAP_FD_TOOL  vnet-tap-fd (default: examples/vnet-tap-fd in the build tree)
#   VNET_SOCKET       vnetd's socket, when not /run/vnet/vnetd.sock
#   QUEUES            queues (default 1); QEMU gets fds=3:4:...,queues=N
#   MAC               the guest's MAC (default: vnetd generates one)
#   QEMU              the QEMU binary (default: qemu-system-x86_64)
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 NETWORK [QEMU OPTIONS...]" >&2
	exit 2
fi
network=$1
shift
tool=${VNET_TAP_FD_TOOL:-$(dirname "$0")/vnet-tap-fd}
queues=${QUEUES:-1}
export QEMU="${QEMU:-qemu-system-x86_64}" QUEUES="$queues"

# shellcheck disable=SC2016 # expanded by the inner sh
set -- --vnet-hdr --queues="$queues" ${MAC:+--mac="$MAC"} "$network" -- \
	sh -c '
	if [ "$QUEUES" -gt 1 ]; then
		netdev="tap,id=net0,fds=$VNET_TAP_FDS,queues=$QUEUES"
		device="virtio-net-pci,netdev=net0,mac=$VNET_MAC,mq=on,vectors=$((2 * QUEUES + 2))"
	else
		netdev="tap,id=net0,fd=$VNET_TAP_FD"
		device="virtio-net-pci,netdev=net0,mac=$VNET_MAC"
	fi
	echo "tap $VNET_TAP, mac $VNET_MAC, fds $VNET_TAP_FDS" >&2
	exec "$QEMU" -netdev "$netdev" -device "$device" "$@"' qemu-tap-fd "$@"
exec "$tool" "$@"
