#!/bin/sh
# Proves the real-VM kit with no vnet code: a guest booted by boot-vm.sh on a
# hand-made NAT network (bridge + dnsmasq + nftables, all in namespaces of
# this test's own) gets a lease, resolves names through the gateway, fetches
# a page from an "outside" host through NAT and serves a page that the
# outside host reaches through a DNAT port forward.
#
# Topology (inside `unshare -n -m -p`; nothing touches the machine's own
# namespaces or /etc):
#
#   guest eth0 --tap-- e2ebr0 192.168.122.1/24   [dnsmasq: DHCP + DNS]
#                      (this namespace: ip_forward=1, nft masquerade and
#                       203.0.113.1:8080 -> 192.168.122.57:80)
#                      e2eup 203.0.113.1/24 --veth-- eth0 203.0.113.10/24
#                                                    netns "out": httpd :8000
#
# The guest's NIC comes from QEMU's own bridge helper (-netdev bridge), which
# reads /etc/qemu/bridge.conf: that file is made on an overlay over /etc that
# exists only in this test's mount namespace. VNET_E2E_NETDEV=tap uses a tap
# made with `ip tuntap` (-netdev tap,ifname=) instead.
#
# Environment: VNET_E2E_CACHE (see vm-kit.sh), VNET_E2E_BOOT_TIMEOUT (seconds
# to "ready", default 240: a loaded machine slows TCG a lot), VNET_E2E_KEEP=1
# keeps the work directory (logs) for a look afterwards.
set -u

here=$(cd "$(dirname "$0")" && pwd)

if [ "${VNET_E2E_INNER:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (namespaces, bridge, tap)"
		exit 77
	fi
	for t in ip nft dnsmasq busybox unshare flock; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t not found (packages: iproute2 nftables dnsmasq-base busybox-static util-linux)"
			exit 1
		fi
	done
	# Set-up needs the machine's network (apt), so it runs out here.
	s=$(date +%s)
	if ! sh "$here/vm-kit.sh" >/dev/null; then
		echo "FAIL: vm-kit.sh could not prepare the guest"
		exit 1
	fi
	echo "vm-kit: ready in $(( $(date +%s) - s )) s"
	# -p with --kill-child: whatever this test starts dies with it.
	exec env VNET_E2E_INNER=1 VNET_E2E_OUTER_NETNS="$(readlink /proc/self/ns/net)" \
		unshare -n -m -p --fork --kill-child --mount-proc \
		--propagation private sh "$0" "$@"
fi

# Everything below changes links, addresses, sysctls and nftables: refuse to
# run it anywhere but in the namespace made just above.
if [ -z "${VNET_E2E_OUTER_NETNS:-}" ] ||
	[ "$(readlink /proc/self/ns/net)" = "$VNET_E2E_OUTER_NETNS" ]; then
	echo "FAIL: not in a network namespace of this test's own; refusing to go on"
	exit 1
fi

BR=e2ebr0
GW=192.168.122.1
GUEST_MAC=52:54:00:e2:e0:01
GUEST_IP=192.168.122.57
OUT_GW=203.0.113.1
OUT_IP=203.0.113.10
FWD_PORT=8080
token=$(date +%s%N)

. "$here/e2e-lib.sh"
work=$(mktemp -d /tmp/vnet-e2e.XXXXXX)
log=$work/serial.log
pids=
booted=

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	[ -s "$work/qemu.pid" ] && kill "$(cat "$work/qemu.pid")" 2>/dev/null
	if [ "${VNET_E2E_KEEP:-}" = 1 ] || [ "$e2e_fail" -gt 0 ]; then
		echo "logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The set-up must work; a failure there ends the test.
must() {
	if ! out=$("$@" 2>&1); then
		e2e_bad "set-up: $*: $out"
		finish
	fi
}

dump_logs() {
	# boot-vm.sh already showed the console of a guest that never got ready.
	files="$work/dnsmasq.log"
	[ -n "$booted" ] && files="$log $log.qemu $files"
	for f in $files; do
		[ -s "$f" ] || continue
		echo "--- $f"
		tail -n 40 "$f" | tr -d '\r'
	done
}

finish() {
	[ "$e2e_fail" -gt 0 ] && dump_logs
	e2e_finish
}

marker() {
	e2e_marker "$log" "$1"
}

# --- the host side of a NAT network, by hand ---------------------------------
mkdir -p /run/netns
must mount -t tmpfs tmpfs /run/netns
must ip link set lo up
must sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
must ip link add "$BR" type bridge
# A fixed MAC: a bridge would otherwise take its lowest port's.
must ip link set "$BR" address 52:54:00:e2:e2:01
must ip addr add "$GW/24" dev "$BR"
must ip link set "$BR" up

must ip netns add out
must ip link add e2eup type veth peer name eth0 netns out
must ip addr add "$OUT_GW/24" dev e2eup
must ip link set e2eup up
must ip -n out link set lo up
must ip -n out addr add "$OUT_IP/24" dev eth0
must ip -n out link set eth0 up

mkdir -p "$work/outside"
echo "vnet-e2e outside $token" >"$work/outside/index.html"
ip netns exec out busybox httpd -f -p "$OUT_IP:8000" -h "$work/outside" &
pids="$pids $!"

cat >"$work/nat.nft" <<NFT
table ip vnet_e2e {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $OUT_GW tcp dport $FWD_PORT dnat to $GUEST_IP:80
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade
	}
}
NFT
must nft -f "$work/nat.nft"

# dnsmasq as vnet will run it: bound to the bridge only, no system config.
# It stays root (--user=root): the default user may not exist here, and the
# lease file lives in our own directory.
dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
	--bind-interfaces --interface="$BR" --except-interface=lo \
	--no-resolv --no-hosts --no-ping --dhcp-authoritative \
	--domain=default.vnet --local=/default.vnet/ \
	--dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0,1h \
	--dhcp-host="$GUEST_MAC,$GUEST_IP,vm1" \
	--host-record=web.default.vnet,192.168.122.10 \
	--dhcp-leasefile="$work/leases" --pid-file="$work/dnsmasq.pid" \
	--log-dhcp --log-facility="$work/dnsmasq.log" 2>"$work/dnsmasq.err" &
pids="$pids $!"

# --- the guest's NIC ----------------------------------------------------------
mode=${VNET_E2E_NETDEV:-bridge}
if [ "$mode" = bridge ]; then
	mkdir -p "$work/etc-upper" "$work/etc-work"
	if mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/etc-upper,workdir=$work/etc-work" /etc 2>"$work/overlay.err"; then
		mkdir -p /etc/qemu
		echo "allow $BR" >/etc/qemu/bridge.conf
		netdev="bridge,br=$BR,helper=/usr/lib/qemu/qemu-bridge-helper"
	else
		echo "note: no overlay over /etc ($(cat "$work/overlay.err")); using a tap"
		mode=tap
	fi
fi
if [ "$mode" = tap ]; then
	must ip tuntap add dev e2etap0 mode tap
	must ip link set e2etap0 master "$BR"
	must ip link set e2etap0 up
	netdev="tap,ifname=e2etap0,script=no,downscript=no"
fi

# dnsmasq is bound once the pid file is there.
i=0
while [ ! -s "$work/dnsmasq.pid" ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$work/dnsmasq.pid" ] || { e2e_bad "dnsmasq did not start: $(cat "$work/dnsmasq.err")"; finish; }

# --- boot ---------------------------------------------------------------------
echo "booting the guest (-netdev $netdev)"
if sh "$here/boot-vm.sh" --netdev "$netdev" --mac "$GUEST_MAC" \
	--serial "$log" --pidfile "$work/qemu.pid" --timeout "${VNET_E2E_BOOT_TIMEOUT:-240}" \
	--append "vnet.resolve=web.default.vnet,vm1.default.vnet vnet.fetch=http://$OUT_IP:8000/index.html vnet.serve=80 vnet.token=$token vnet.hold=180" \
	--wait-for "VNET-E2E: init" --wait-for "VNET-E2E: lease " \
	--wait-for "VNET-E2E: ready" >"$work/boot.out" 2>&1; then
	cat "$work/boot.out"
	booted=1
	e2e_ok "guest booted ($mode) and reported ready"
else
	cat "$work/boot.out"
	e2e_bad "guest did not report ready"
	finish
fi
qpid=$(cat "$work/qemu.pid")

# --- what the guest saw ------------------------------------------------------
lease=$(marker lease)
case "$lease" in
192.168.122.*)
	last=${lease##*.}
	if [ "$last" -ge 2 ] && [ "$last" -le 254 ]; then
		e2e_ok "lease $lease is in the DHCP range 192.168.122.2-254"
	else
		e2e_bad "lease $lease is outside 192.168.122.2-254"
	fi
	;;
*) e2e_bad "lease '$lease' is not in 192.168.122.0/24" ;;
esac
e2e_check "lease is the dhcp-host address" "$GUEST_IP" "$lease"
e2e_check "router from DHCP" "$GW" "$(marker router)"
e2e_check "DNS server from DHCP" "$GW" "$(marker dns)"
e2e_check "domain from DHCP" default.vnet "$(marker domain)"
if grep -q "$GUEST_MAC" "$work/leases" 2>/dev/null; then
	e2e_ok "dnsmasq's lease file has $GUEST_MAC"
else
	e2e_bad "no lease for $GUEST_MAC in dnsmasq's lease file"
fi

e2e_check "guest resolved web.default.vnet (host-record)" 192.168.122.10 \
	"$(marker "resolved web.default.vnet")"
e2e_check "guest resolved its own name vm1.default.vnet (dhcp-host)" \
	"$GUEST_IP" "$(marker "resolved vm1.default.vnet")"
e2e_check "guest fetched the outside page through NAT" \
	"vnet-e2e outside $token" "$(marker fetched)"
e2e_check "guest serves a page on port" 80 "$(marker serving)"
errors=$(e2e_errors "$log")
[ -z "$errors" ] || e2e_bad "guest reported errors: $errors"

# --- the outside reaches the guest through the port forward ------------------
e2e_check "outside host fetched the guest's page via $OUT_GW:$FWD_PORT" \
	"vnet-e2e guest $token" \
	"$(ip netns exec out timeout 20 busybox wget -q -O - "http://$OUT_GW:$FWD_PORT/" 2>&1)"

# --- power off on request -----------------------------------------------------
ip netns exec out timeout 20 busybox wget -q -O /dev/null \
	"http://$OUT_GW:$FWD_PORT/cgi-bin/poweroff" >/dev/null 2>&1
if ! e2e_wait_gone "$qpid" 30; then
	e2e_bad "guest still running 30 s after /cgi-bin/poweroff"
elif [ -n "$(marker "poweroff requested")" ]; then
	e2e_ok "guest powered off on request"
else
	e2e_bad "QEMU ended without 'poweroff requested' ($(tr -d '\r' <"$log" | tail -n 3))"
fi

echo "timing: $(grep "'VNET-E2E: lease '" "$work/boot.out" | sed 's/.* after //') from QEMU's start to the lease; guest uptime at lease $(marker lease-time) s"
finish
