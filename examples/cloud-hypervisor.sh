#!/bin/sh
# A Cloud Hypervisor guest with a NIC on a vnet network, given as an open
# tap (--net fd=N): vnet-tap-fd asks vnetd for the tap, puts the fd on 3
# and runs cloud-hypervisor, which inherits it.
#
#   examples/cloud-hypervisor.sh NETWORK KERNEL DISK [MORE OPTIONS...]
#
#   examples/cloud-hypervisor.sh default vmlinux focal.raw --serial tty --console off
#
# With an fd, Cloud Hypervisor needs no CAP_NET_ADMIN: vnetd made the tap,
# set its MTU, put it on the bridge and brought it up, after checking that
# the user may attach (root, the vnet group, or an allow line in vnetd's
# bridge.conf). The tap carries the virtio-net header (--vnet-hdr), which
# Cloud Hypervisor's virtio-net expects. The tap goes away when the VM exits.
#
# Environment:
#   VNET_TAP_FD_TOOL  vnet-tap-fd (default: examples/vnet-tap-fd in the build tree)
#   VNET_SOCKET       vnetd's socket, when not /run/vnet/vnetd.sock
#   QUEUES            queue pairs (default 1): fd=[3,4,...],num_queues=2*QUEUES
#   CH                the binary (default: cloud-hypervisor)
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 NETWORK KERNEL DISK [MORE OPTIONS...]" >&2
	exit 2
fi
network=$1
kernel=$2
disk=$3
shift 3
tool=${VNET_TAP_FD_TOOL:-$(dirname "$0")/vnet-tap-fd}
queues=${QUEUES:-1}
export CH="${CH:-cloud-hypervisor}" QUEUES="$queues" KERNEL="$kernel" DISK="$disk"

# shellcheck disable=SC2016 # expanded by the inner sh
exec "$tool" --vnet-hdr --queues="$queues" "$network" -- sh -c '
	fds=$(echo "$VNET_TAP_FDS" | tr : ,)
	echo "tap $VNET_TAP, mac $VNET_MAC, fds $fds" >&2
	exec "$CH" --kernel "$KERNEL" --disk path="$DISK" \
		--cmdline "console=ttyS0 root=/dev/vda1 rw" \
		--cpus boot=1 --memory size=512M \
		--net "fd=[$fds],mac=$VNET_MAC,num_queues=$((2 * QUEUES))" "$@"' cloud-hypervisor "$@"
