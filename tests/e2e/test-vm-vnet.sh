#!/bin/sh
# The real VM on a vnet network: vnetd (the one just built) runs a NAT
# network with DHCP and DNS (its own dnsmasq) and a port forward; a QEMU
# guest gets its NIC from vnet-bridge-helper (-netdev bridge,helper=), which
# asks vnetd for a tap as an open fd. The guest must get its lease from
# vnet's dnsmasq, resolve names through the gateway, fetch a page from an
# outside host through NAT and serve a page the outside host reaches through
# vnet's port forward. vnetd restarted under the running guest keeps its
# fd-held tap in port.list and the forward working. When QEMU ends, its tap
# and vnetd's port entry go. A second guest on -netdev tap,fd= from
# examples/vnet-tap-fd (vnetd's MAC) gets a dynamic lease that port.list
# shows next to its tap.
#
# Topology (inside `unshare -n -m -p`; nothing touches the machine's own
# namespaces or /etc):
#
#   guest eth0 --tap (vnetd, fd to QEMU)-- vnetbr-e2e 192.168.122.1/24
#                                          [vnetd's dnsmasq; nft table inet vnet]
#                      e2eup 203.0.113.1/24 --veth-- eth0 203.0.113.10/24
#                                                    netns "out": httpd :8000
#
# Environment: as test-vm-kit.sh (VNET_E2E_CACHE, VNET_E2E_BOOT_TIMEOUT,
# VNET_E2E_KEEP=1); VNET_TOP_BUILDDIR (set by make check) finds vnetd,
# vnetctl and vnet-bridge-helper.
set -u

here=$(cd "$(dirname "$0")" && pwd)
B=${VNET_TOP_BUILDDIR:-$(cd "$here/../.." && pwd)}

if [ "${VNET_E2E_INNER:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (namespaces, bridge, tap)"
		exit 77
	fi
	for f in vnetd/vnetd tools/vnetctl tools/vnet-bridge-helper; do
		if [ ! -x "$B/$f" ]; then
			echo "FAIL: $B/$f is not built"
			exit 1
		fi
	done
	for t in ip nft dnsmasq busybox unshare flock jq; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t not found (packages: iproute2 nftables dnsmasq-base busybox-static util-linux jq)"
			exit 1
		fi
	done
	s=$(date +%s)
	if ! sh "$here/vm-kit.sh" >/dev/null; then
		echo "FAIL: vm-kit.sh could not prepare the guest"
		exit 1
	fi
	echo "vm-kit: ready in $(( $(date +%s) - s )) s"
	exec env VNET_E2E_INNER=1 VNET_E2E_OUTER_NETNS="$(readlink /proc/self/ns/net)" \
		unshare -n -m -p --fork --kill-child --mount-proc \
		--propagation private sh "$0" "$@"
fi

if [ -z "${VNET_E2E_OUTER_NETNS:-}" ] ||
	[ "$(readlink /proc/self/ns/net)" = "$VNET_E2E_OUTER_NETNS" ]; then
	echo "FAIL: not in a network namespace of this test's own; refusing to go on"
	exit 1
fi

NET=e2e
BR=vnetbr-e2e
GW=192.168.122.1
GUEST_MAC=52:54:00:e2:e0:01
GUEST_IP=192.168.122.57
OUT_GW=203.0.113.1
OUT_IP=203.0.113.10
FWD_PORT=8080
token=$(date +%s%N)

. "$here/e2e-lib.sh"
work=$(mktemp -d /tmp/vnet-e2e-vnet.XXXXXX)
# dnsmasq runs as nobody and re-reads its files under RUN/dnsmasq
chmod 0755 "$work"
log=$work/serial.log
pids=
booted=
export VNET_SOCKET="$work/vnetd.sock"

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

must() {
	if ! out=$("$@" 2>&1); then
		e2e_bad "set-up: $*: $out"
		finish
	fi
}

dump_logs() {
	files="$work/vnetd.log $work/run/dnsmasq/$NET.log"
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

vnetctl() {
	"$B/tools/vnetctl" "$@"
}

# --- the outside host ----------------------------------------------------------
mkdir -p /run/netns
must mount -t tmpfs tmpfs /run/netns
must ip link set lo up
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

# --- vnetd and its NAT network ----------------------------------------------------
# start_vnetd: in the background, appending to its log; sets vpid.
start_vnetd() {
	"$B/vnetd/vnetd" --foreground --log-level debug --socket "$VNET_SOCKET" \
		--config-dir "$work/etc" --run-dir "$work/run" --state-dir "$work/state" \
		>>"$work/vnetd.log" 2>&1 &
	vpid=$!
	pids="$pids $vpid"
	i=0
	until vnetctl status >/dev/null 2>&1 || [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
start_vnetd
must vnetctl status

cat >"$work/$NET.json" <<JSON
{ "name": "$NET", "mode": "nat", "bridge": "$BR",
  "ipv4": { "address": "$GW/24",
            "dhcp": { "ranges": [ { "start": "192.168.122.2", "end": "192.168.122.254" } ],
                      "hosts": [ { "mac": "$GUEST_MAC", "ip": "$GUEST_IP", "name": "vm1" } ] } },
  "dns": { "domain": "default.vnet",
           "hosts": [ { "ip": "192.168.122.10", "names": [ "web" ] } ] } }
JSON
must vnetctl network define "$work/$NET.json"
must vnetctl forward add "$NET" tcp "$FWD_PORT" "$GUEST_IP:80"
must vnetctl network start "$NET"
e2e_check "vnetd's dnsmasq runs for the network" true \
	"$(vnetctl -j network info "$NET" | jq -r '.status.dnsmasq.running')"

# --- boot, the NIC from vnet-bridge-helper (QEMU passes VNET_SOCKET on) -------------
netdev="bridge,br=$BR,helper=$B/tools/vnet-bridge-helper"
echo "booting the guest (-netdev $netdev)"
if sh "$here/boot-vm.sh" --netdev "$netdev" --mac "$GUEST_MAC" \
	--serial "$log" --pidfile "$work/qemu.pid" --timeout "${VNET_E2E_BOOT_TIMEOUT:-240}" \
	--append "vnet.resolve=web.default.vnet,vm1.default.vnet vnet.fetch=http://$OUT_IP:8000/index.html vnet.serve=80 vnet.token=$token vnet.hold=180" \
	--wait-for "VNET-E2E: init" --wait-for "VNET-E2E: lease " \
	--wait-for "VNET-E2E: ready" >"$work/boot.out" 2>&1; then
	cat "$work/boot.out"
	booted=1
	e2e_ok "guest booted on vnet-bridge-helper's tap and reported ready"
else
	cat "$work/boot.out"
	e2e_bad "guest did not report ready"
	finish
fi
qpid=$(cat "$work/qemu.pid")

# --- vnetd's view of the port ---------------------------------------------------------
ports=$(vnetctl -j port list "$NET")
tap=$(echo "$ports" | jq -r 'if length == 1 then .[0].tap else empty end')
if [ -n "$tap" ]; then
	e2e_ok "port list shows one tap ($tap)"
else
	e2e_bad "port list is not one tap: $ports"
fi
e2e_check "the tap is a port of $BR" "$BR" "$(ip -j link show dev "$tap" 2>/dev/null | jq -r '.[0].master')"
e2e_check "the tap is held by QEMU, not persistent" false \
	"$(ip -d -j link show dev "$tap" 2>/dev/null | jq -r '.[0].linkinfo.info_data.persist')"

# --- what the guest saw ------------------------------------------------------------
lease=$(marker lease)
e2e_check "lease from vnet's dnsmasq is the dhcp host address" "$GUEST_IP" "$lease"
e2e_check "router from DHCP" "$GW" "$(marker router)"
e2e_check "DNS server from DHCP" "$GW" "$(marker dns)"
e2e_check "domain from DHCP" default.vnet "$(marker domain)"
e2e_check "lease list has the guest" "$GUEST_IP" \
	"$(vnetctl -j lease list "$NET" | jq -r --arg m "$GUEST_MAC" '.[] | select(.mac == $m) | .ip')"
e2e_check "guest resolved web.default.vnet (dns.hosts)" 192.168.122.10 \
	"$(marker "resolved web.default.vnet")"
e2e_check "guest resolved its own name vm1.default.vnet (dhcp host)" \
	"$GUEST_IP" "$(marker "resolved vm1.default.vnet")"
e2e_check "guest fetched the outside page through vnet's NAT" \
	"vnet-e2e outside $token" "$(marker fetched)"
e2e_check "guest serves a page on port" 80 "$(marker serving)"
errors=$(e2e_errors "$log")
[ -z "$errors" ] || e2e_bad "guest reported errors: $errors"

# --- the outside reaches the guest through vnet's port forward ----------------------
e2e_check "outside host fetched the guest's page via $OUT_GW:$FWD_PORT" \
	"vnet-e2e guest $token" \
	"$(ip netns exec out timeout 20 busybox wget -q -O - "http://$OUT_GW:$FWD_PORT/" 2>&1)"

# --- vnetd restarts under the running guest: the fd-held tap is adopted ------------
kill "$vpid"
e2e_wait_gone "$vpid" 10 || e2e_bad "vnetd did not exit on SIGTERM"
start_vnetd
e2e_check "after a vnetd restart port list still has the guest's tap" "$tap" \
	"$(vnetctl -j port list "$NET" | jq -r '.[].tap')"
e2e_check "after a vnetd restart the port forward still reaches the guest" \
	"vnet-e2e guest $token" \
	"$(ip netns exec out timeout 20 busybox wget -q -O - "http://$OUT_GW:$FWD_PORT/" 2>&1)"

# --- power off: QEMU's tap goes, and so does vnetd's entry -------------------------
ip netns exec out timeout 20 busybox wget -q -O /dev/null \
	"http://$OUT_GW:$FWD_PORT/cgi-bin/poweroff" >/dev/null 2>&1
if ! e2e_wait_gone "$qpid" 30; then
	e2e_bad "guest still running 30 s after /cgi-bin/poweroff"
elif [ -n "$(marker "poweroff requested")" ]; then
	e2e_ok "guest powered off on request"
else
	e2e_bad "QEMU ended without 'poweroff requested' ($(tr -d '\r' <"$log" | tail -n 3))"
fi
i=0
while [ $i -lt 50 ] && [ "$(vnetctl -j port list "$NET" | jq length)" != 0 ]; do
	sleep 0.1
	i=$((i + 1))
done
e2e_check "port list is empty once QEMU is gone" 0 "$(vnetctl -j port list "$NET" | jq length)"
if [ -n "$tap" ] && ip link show dev "$tap" >/dev/null 2>&1; then
	e2e_bad "tap $tap outlived QEMU"
else
	e2e_ok "tap $tap is gone with QEMU"
fi

# --- a second guest on -netdev tap,fd=3 from vnet-tap-fd, with vnetd's MAC ---------
# A dynamic lease this time, which port list then shows next to the tap.
log2=$work/serial2.log
if "$B/examples/vnet-tap-fd" --vnet-hdr "$NET" -- sh -c \
	'exec sh "$1" --netdev "tap,fd=$VNET_TAP_FD" --mac "$VNET_MAC" --serial "$2" \
		--pidfile "$3" --timeout "$4" --append "vnet.hold=120" \
		--wait-for "VNET-E2E: lease " --wait-for "VNET-E2E: ready"' \
	sh "$here/boot-vm.sh" "$log2" "$work/qemu2.pid" "${VNET_E2E_BOOT_TIMEOUT:-240}" \
	>"$work/boot2.out" 2>&1; then
	cat "$work/boot2.out"
	e2e_ok "second guest booted on vnet-tap-fd's tap and reported ready"
	lease2=$(e2e_marker "$log2" lease)
	case "$lease2" in
	192.168.122.*) e2e_ok "second guest leased $lease2 from the range" ;;
	*) e2e_bad "second guest's lease '$lease2' is not in 192.168.122.0/24" ;;
	esac
	mac2=$(vnetctl -j port list "$NET" | jq -r '.[0].mac')
	e2e_check "the guest's MAC is the one vnetd chose" "$mac2" \
		"$(e2e_marker "$log2" link | sed 's/^eth0 //; s/ at .*//')"
	i=0
	while [ $i -lt 50 ] && [ "$(vnetctl -j port list "$NET" | jq -r '.[0].ip')" != "$lease2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	e2e_check "port list shows the tap's leased address" "$lease2" \
		"$(vnetctl -j port list "$NET" | jq -r '.[0].ip')"
	kill "$(cat "$work/qemu2.pid")"
	e2e_wait_gone "$(cat "$work/qemu2.pid")" 30
	i=0
	while [ $i -lt 50 ] && [ "$(vnetctl -j port list "$NET" | jq length)" != 0 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	e2e_check "port list is empty once the second QEMU is gone" 0 "$(vnetctl -j port list "$NET" | jq length)"
else
	cat "$work/boot2.out"
	e2e_bad "second guest (vnet-tap-fd) did not report ready"
fi

echo "timing: $(grep "'VNET-E2E: lease '" "$work/boot.out" | sed 's/.* after //') from QEMU's start to the lease; guest uptime at lease $(marker lease-time) s"
finish
