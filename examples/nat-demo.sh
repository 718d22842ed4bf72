#!/bin/bash
# nat-demo.sh BUILDDIR — the default NAT network, end to end, in throwaway
# namespaces: vnetd creates "default" (bridge vnetbr0, 192.168.122.0/24), a VM
# reaches an outside host through NAT, and the outside host reaches the VM
# through a port forward. The VM gets its address, route and DNS server from
# the network's dnsmasq (busybox udhcpc), and the host finds it by name. Everything runs in new network, mount and PID
# namespaces that vanish when the script ends; the machine's own network is
# never touched.
set -euo pipefail

build=$(cd "${1:?usage: nat-demo.sh BUILDDIR}" && pwd)
if [ -z "${VNET_DEMO_INSIDE:-}" ]; then
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		env VNET_DEMO_INSIDE=1 "$0" "$build"
fi

vnetd="$build/vnetd/vnetd"
vnetctl="$build/tools/vnetctl"
dir=$(mktemp -d /tmp/vnet-demo.XXXXXX)
# dnsmasq drops to nobody and re-reads its hosts files under the run dir
chmod 755 "$dir"
sock="$dir/run/vnetd.sock"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/run" "$dir/etc" "$dir/lib" "$dir/www-outside" "$dir/www-vm" /run/netns
mount -t tmpfs tmpfs /run/netns

say() { printf '%s\n' "$*"; }
ctl() { "$vnetctl" --socket "$sock" "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ip link set lo up

# The outside world: a host on the far side of an uplink.
ip netns add outside
ip link add uplink0 type veth peer name eth0 netns outside
ip addr add 203.0.113.1/24 dev uplink0
ip link set uplink0 up
in_ns outside ip addr add 203.0.113.2/24 dev eth0
in_ns outside ip link set eth0 up
in_ns outside ip link set lo up
echo "hello from the outside host" > "$dir/www-outside/index.html"
in_ns outside busybox httpd -f -vv -p 80 -h "$dir/www-outside" 2> "$dir/outside-httpd.log" &

"$vnetd" --foreground --socket "$sock" --config-dir "$dir/etc" --run-dir "$dir/run" \
	--state-dir "$dir/lib" 2> "$dir/vnetd.log" &
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
say "vnetd is running (socket $sock)"

ctl network create-default

# A VM: a namespace on a veth whose host end is a port of vnetbr0.
ip netns add vm1
ip link add vm1-port type veth peer name eth0 netns vm1
ip link set vm1-port master vnetbr0
ip link set vm1-port up
in_ns vm1 ip link set lo up
in_ns vm1 ip link set eth0 up
# What a guest's DHCP client does with the lease: address, default route.
cat > "$dir/udhcpc.sh" <<'EOS'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route replace default via "$r" dev "$interface"; done
	echo "$ip" > "$VNET_DEMO_LEASE"
	;;
deconfig) ip addr flush dev "$interface" ;;
esac
EOS
chmod 755 "$dir/udhcpc.sh"
in_ns vm1 env VNET_DEMO_LEASE="$dir/vm1.ip" busybox udhcpc -i eth0 -s "$dir/udhcpc.sh" \
	-x hostname:vm1 -q -n -t 10 -T 1 >"$dir/udhcpc.log" 2>&1
vm_ip=$(cat "$dir/vm1.ip")
say "vm1 is on vnetbr0 and got $vm_ip by DHCP"
say "the host resolves vm1.default.vnet through the gateway's DNS: $(busybox nslookup vm1.default.vnet 192.168.122.1 2>/dev/null | awk '/^Address/ && $NF != "192.168.122.1:53" {a=$NF} END {print a}')"

page=$(in_ns vm1 timeout 5 busybox wget -q -O - http://203.0.113.2/)
say "vm1 fetched http://203.0.113.2/: \"$page\""
src=""
for _ in $(seq 50); do
	src=$(sed -n 's/^\[\{0,1\}\(::ffff:\)\{0,1\}\([0-9.]*\)\]\{0,1\}:[0-9]*: url:.*/\2/p' "$dir/outside-httpd.log" | head -1)
	[ -n "$src" ] && break
	sleep 0.1
done
say "the outside host saw that request come from ${src:-?} (the host's uplink address: NAT)"

echo "hello from vm1" > "$dir/www-vm/index.html"
in_ns vm1 busybox httpd -p 80 -h "$dir/www-vm"
ctl forward add default tcp 8080 "$vm_ip:80"
page=$(in_ns outside timeout 5 busybox wget -q -O - http://203.0.113.1:8080/)
say "the outside host fetched http://203.0.113.1:8080/ through the forward: \"$page\""

ctl network list
ctl forward list default
ctl lease list default
say "done: leaving the namespaces removes everything"
