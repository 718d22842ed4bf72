#!/bin/bash
# dhcp-scale.sh BUILDDIR [N] — the flat-cost check of docs/dhcp.md, opt-in
# (not part of make check; needs root, takes minutes at N=1000).
#
# Starts one vnetd in throwaway network, mount and PID namespaces, defines
# and starts N isolated networks with DHCP and DNS (10.A.B.1/24), and prints
# every 100 networks how long the last 100 network.start calls took, so a cost
# that grows with N shows as a growing column. At the end it checks that N
# dnsmasqs run, that none holds an inotify instance, and that the last
# network still hands out a lease and answers DNS.
set -euo pipefail

build=$(cd "${1:?usage: dhcp-scale.sh BUILDDIR [N]}" && pwd)
n=${2:-1000}
if [ -z "${VNET_SCALE_INSIDE:-}" ]; then
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		env VNET_SCALE_INSIDE=1 "$0" "$build" "$n"
fi

vnetd="$build/vnetd/vnetd"
vnetctl="$build/tools/vnetctl"
dir=$(mktemp -d /tmp/vnet-scale.XXXXXX)
chmod 755 "$dir"
sock="$dir/run/vnetd.sock"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/run" "$dir/etc" "$dir/lib" /run/netns
mount -t tmpfs tmpfs /run/netns
ip link set lo up

ctl() { "$vnetctl" --socket "$sock" "$@"; }
now_ms() { date +%s%3N; }

"$vnetd" --foreground --log-level warning --socket "$sock" --config-dir "$dir/etc" \
	--run-dir "$dir/run" --state-dir "$dir/lib" 2> "$dir/vnetd.log" &
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

printf '%8s %14s %14s\n' networks "last-100 (ms)" "per net (ms)"
t0=$(now_ms)
for i in $(seq 1 "$n"); do
	a=$((i / 250 + 100)) b=$((i % 250))
	printf '{"name":"n%d","mode":"isolated","bridge":"vs%d","ipv4":{"address":"10.%d.%d.1/24","dhcp":{"ranges":[{"start":"10.%d.%d.10","end":"10.%d.%d.200"}]}},"dns":{"domain":"n%d.vnet","forwarders":["192.0.2.53"]}}\n' \
		"$i" "$i" "$a" "$b" "$a" "$b" "$a" "$b" "$i" | ctl network define - >/dev/null
	ctl network start "n$i" >/dev/null
	if ((i % 100 == 0)); then
		t1=$(now_ms)
		printf '%8d %14d %14d\n' "$i" $((t1 - t0)) $(((t1 - t0) / 100))
		t0=$t1
	fi
done

running=$(pgrep -c -x dnsmasq || true)
inotify=0
for p in $(pgrep -x dnsmasq); do
	if ls -l "/proc/$p/fd" 2>/dev/null | grep -q inotify; then inotify=$((inotify + 1)); fi
done
echo "dnsmasq processes: $running (expected $n); with an inotify instance: $inotify (expected 0)"

# the last network still serves
a=$((n / 250 + 100)) b=$((n % 250))
ip netns add client
ip link add vsc type veth peer name eth0 netns client
ip link set vsc master "vs$n" up
ip -n client link set eth0 up
cat > "$dir/udhcpc.sh" <<'EOS'
#!/bin/sh
case "$1" in bound|renew) ip addr add "$ip/$mask" dev "$interface"; echo "$ip" ;; esac
EOS
chmod 755 "$dir/udhcpc.sh"
lease=$(ip netns exec client busybox udhcpc -i eth0 -s "$dir/udhcpc.sh" -q -n -t 10 -T 1 -x hostname:last 2>/dev/null | tail -1)
echo "lease on network n$n: ${lease:-none}"
name=$(ip netns exec client busybox nslookup "last.n$n.vnet" "10.$a.$b.1" 2>/dev/null | awk '/^Address/ {a=$NF} END {print a}')
echo "last.n$n.vnet resolves to: ${name:-nothing}"
ctl status
[ "$running" -eq "$n" ] && [ "$inotify" -eq 0 ] && [ -n "$lease" ] && [ "$name" = "$lease" ]
