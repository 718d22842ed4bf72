#!/bin/bash
# tests/bench/run.sh [--quick] [--out DIR] [--build DIR] [--readme FILE]
#
# vnet's benchmarks (issue 7), each figure beside a baseline that does the
# same host work by hand as fast as a script can (ip -batch, nft -f, nft add
# element), in one run. Everything runs in new network, mount and PID
# namespaces (and named network namespaces inside them) that vanish when the
# script ends; the machine's own network is never touched.
#
#   --quick      smaller sizes (200 networks, 1,000 forwards, fewer runs)
#   --out DIR    where results.csv, results.md and bench.log go
#                (default: BUILD/bench-results)
#   --build DIR  the build tree with vnetd/vnetd (default: the source tree)
#   --readme FILE  replace the lines between "<!-- bench-results:begin"
#                and "<!-- bench-results:end" in FILE (README.md) with the
#                summary table of this run, the machine and the date
#                (tests/bench/summary.sh DIR FILE does it for a kept run)
#
# Prints a table and writes DIR/results.csv with the columns
# figure,variant,median,min,max,n,ratio,note (ratio = median / baseline's).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
quick=0
out=""
readme=""
build="$src"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--build) build=${2:?--build needs a directory}; shift ;;
	--readme) readme=${2:?--readme needs a file}; shift ;;
	-h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
	esac
	shift
done
build=$(cd "$build" && pwd)
out=${out:-$build/bench-results}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -z "${VNET_BENCH_INSIDE:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (it makes its own namespaces)" >&2; exit 1; }
	[ -x "$build/vnetd/vnetd" ] || { echo "run.sh: no $build/vnetd/vnetd; build first (or --build DIR)" >&2; exit 1; }
	args=(--out "$out" --build "$build")
	[ "$quick" = 1 ] && args+=(--quick)
	if [ -n "$readme" ]; then
		readme=$(realpath "$readme")
		grep -q '^<!-- bench-results:begin' "$readme" && grep -q '^<!-- bench-results:end' "$readme" || {
			echo "run.sh: $readme has no <!-- bench-results:begin --> ... <!-- bench-results:end --> lines" >&2
			exit 1
		}	# checked before the run, not after it
		args+=(--readme "$readme")
	fi
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		env VNET_BENCH_INSIDE=1 "$0" "${args[@]}"
fi

# ---------------------------------------------------------------- sizes
if [ "$quick" = 1 ]; then
	R1=10 NSCALE=200 NFWD=1000 RESTARTS=2 IPERF_RUNS=3 IPERF_SECS=1 CPS_RUNS=3 CPS_MS=1000
	SCALE_BUDGET=150 FWD_BUDGET=90
else
	R1=30 NSCALE=1000 NFWD=10000 RESTARTS=3 IPERF_RUNS=3 IPERF_SECS=3 CPS_RUNS=3 CPS_MS=2000
	SCALE_BUDGET=420 FWD_BUDGET=300
fi
# SCALE_BUDGET/FWD_BUDGET: seconds after which no more networks are started
# (forwards added); the buckets not reached say so. They keep the run
# bounded whatever the cost per start turns out to be.
if [ -n "${VNET_BENCH_TINY:-}" ]; then	# development only: the smallest sizes that run every step
	R1=3 NSCALE=200 NFWD=100 RESTARTS=1 IPERF_RUNS=1 IPERF_SECS=1 CPS_RUNS=1 CPS_MS=300
	SCALE_BUDGET=20 FWD_BUDGET=10
fi
BUCKETS=10	# per-add/per-start cost is reported in NSCALE/10 and NFWD/10 buckets
# figure 3 (hosts added), 5 (taps attached), and the networks with DHCP of
# 2/6/7 with their time budget in seconds
if [ "$quick" = 1 ]; then
	R3=50 R5=100 NDHCP=200 DHCP_BUDGET=90
else
	R3=100 R5=1000 NDHCP=1000 DHCP_BUDGET=400
fi
if [ -n "${VNET_BENCH_TINY:-}" ]; then
	R3=10 R5=40 NDHCP=200 DHCP_BUDGET=30
fi

vnetd="$build/vnetd/vnetd"
work=$(mktemp -d /tmp/vnet-bench.XXXXXX)
mount -t tmpfs tmpfs "$work"
mkdir -p /run/netns
mount -t tmpfs tmpfs /run/netns
rows="$out/rows.tsv"
: > "$rows"
log="$out/bench.log"
: > "$log"
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	# everything else dies with this PID namespace
}
trap cleanup EXIT

say() { printf '%s\n' "$*" | tee -a "$log" >&2; }

# --------------------------------------------------------------- helpers
bin="$work/bin"
mkdir -p "$bin"
${CC:-cc} -O2 -Wall -o "$bin/bench-helper" "$here/bench-helper.c"
helper="$bin/bench-helper"

ip link set lo up

now_us() { echo "${EPOCHREALTIME/./}"; }

# stats FILE DIV: "median min max n" of the numbers in FILE, each divided by DIV
stats() {
	sort -g "$1" | awk -v d="$2" '{ v[NR] = $1 / d }
	END {
		if (NR == 0) { print "nan nan nan 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR
	}'
}

# row FIGURE VARIANT FILE DIV [NOTE]
row() {
	local s
	s=$(stats "$3" "$4")
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(tr ' ' '\t' <<< "$s")" "${5:-}" >> "$rows"
	say "  $1 [$2]: median min max n = $s"
}

# na FIGURE VARIANT NOTE: a figure this run cannot measure, and why
na() {
	printf '%s\t%s\tn/a\tn/a\tn/a\t0\t%s\n' "$1" "$2" "$3" >> "$rows"
	say "  $1 [$2]: $3"
}

# single value row
one() {
	printf '%s\n' "$3" > "$work/one"
	row "$1" "$2" "$work/one" 1 "${4:-}"
}

# in NS CMD...: run CMD in the named network namespace without a mount
# namespace of its own (cheaper than ip netns exec; for nft/ip/helpers)
inns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }

# daemon NS DIR: start vnetd in NS with its dirs under DIR; sets VPID and
# VSTART_US (fork to first daemon.status answer)
daemon() {
	local ns=$1 dir=$2 r
	mkdir -p "$dir/etc" "$dir/run" "$dir/lib"
	r=$("$helper" start-wait "$dir/run/vnetd.sock" 120000 "$dir/vnetd.log" -- \
		ip netns exec "$ns" "$vnetd" --foreground --socket "$dir/run/vnetd.sock" \
		--config-dir "$dir/etc" --run-dir "$dir/run" --state-dir "$dir/lib")
	VPID=${r% *}
	VSTART_US=${r#* }
	pids+=("$VPID")
}

# stop_daemon PID: SIGTERM and wait (bounded) until it is gone
stop_daemon() {
	local p=$1 i
	kill -TERM "$p"
	for i in $(seq 2000); do
		[ -e "/proc/$p" ] || return 0
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.005
	done
	say "vnetd $p did not exit within 10 s"
	return 1
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# rpc SOCK REQFILE TIMESFILE: send each request, µs per request to TIMESFILE
rpc() {
	"$helper" rpc "$1" < "$2" > "$work/rpc.out" 2>> "$log" || {
		say "rpc: some requests failed (see $log)"
	}
	awk '{ print $1 }' "$work/rpc.out" > "$3"
	if grep -q ' err$' "$work/rpc.out"; then
		say "rpc: $(grep -c ' err$' "$work/rpc.out") of $(wc -l < "$work/rpc.out") requests answered with an error"
	fi
}

req() { printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$1" "$2" "$3"; }

# network i: bridge vbI, gateway 10.(I/256).(I%256).1/24
subnet() { echo "10.$(( $1 / 256 )).$(( $1 % 256 ))"; }
netdef() { printf '{"name":"n%d","mode":"nat","bridge":"vb%d","ipv4":{"address":"%s.1/24"}}' "$1" "$1" "$(subnet "$1")"; }

# The hand-written baseline: the same layout as vnet's (a vmap per hook to
# one chain set per network), created and removed by ip -batch and nft -f.
hand_layout() {
	cat <<-'EOF'
	table inet hand {
		map from_if { type ifname : verdict; }
		map to_if { type ifname : verdict; }
		map in_if { type ifname : verdict; }
		map post_if { type ifname : verdict; }
		map fwd4any { type inet_proto . inet_service : ipv4_addr . inet_service; }
		chain forward { type filter hook forward priority filter; policy accept;
			iifname vmap @from_if; oifname vmap @to_if; }
		chain input { type filter hook input priority filter; policy accept;
			iifname vmap @in_if; }
		chain prerouting { type nat hook prerouting priority dstnat; policy accept;
			fib daddr type local dnat ip to meta l4proto . th dport map @fwd4any; }
		chain postrouting { type nat hook postrouting priority srcnat; policy accept;
			iifname vmap @post_if; }
	}
	EOF
}

hand_start_ip() {
	printf 'link add name vb%d address 02:00:00:00:%02x:%02x type bridge\n' "$1" $(( $1 / 256 )) $(( $1 % 256 ))
	printf 'addr add %s.1/24 dev vb%d\nlink set vb%d up\n' "$(subnet "$1")" "$1" "$1"
}

hand_start_nft() {
	local i=$1 s
	s="$(subnet "$1").0/24"
	cat <<-EOF
	add chain inet hand n${i}_from
	add rule inet hand n${i}_from ip saddr $s accept
	add rule inet hand n${i}_from reject
	add chain inet hand n${i}_to
	add rule inet hand n${i}_to ct state established,related accept
	add rule inet hand n${i}_to ip daddr $s ct status dnat accept
	add rule inet hand n${i}_to reject
	add chain inet hand n${i}_in
	add rule inet hand n${i}_in udp dport { 53, 67 } accept
	add rule inet hand n${i}_in tcp dport 53 accept
	add chain inet hand n${i}_post
	add rule inet hand n${i}_post ip saddr $s ip daddr != $s masquerade
	add element inet hand from_if { "vb$i" : jump n${i}_from }
	add element inet hand to_if { "vb$i" : jump n${i}_to }
	add element inet hand in_if { "vb$i" : jump n${i}_in }
	add element inet hand post_if { "vb$i" : jump n${i}_post }
	EOF
}

hand_stop_ip() { printf 'link del vb%d\n' "$1"; }

hand_stop_nft() {
	local i=$1 c
	printf 'delete element inet hand %s { "vb%d" }\n' from_if "$i" to_if "$i" in_if "$i" post_if "$i"
	for c in from to in post; do
		printf 'flush chain inet hand n%d_%s\ndelete chain inet hand n%d_%s\n' "$i" "$c" "$i" "$c"
	done
}

# A fresh namespace for a baseline, forwarding on as vnet turns it on.
hand_ns() {
	ip netns add "$1"
	inns "$1" ip link set lo up
	inns "$1" sysctl -qw net.ipv4.ip_forward=1
	hand_layout | inns "$1" nft -f -
}

# ---------------------------------------------------------------- machine
RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
say "vnet benchmarks ($([ $quick = 1 ] && echo quick || echo full)): $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo),"\
" kernel $(uname -r), $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
say "vnet: $({ git -C "$build" describe --always --dirty 2>/dev/null || git -C "$src" describe --always --dirty 2>/dev/null; } || echo "a build without git"), $vnetd"

if command -v libvirtd >/dev/null 2>&1; then
	LIBVIRT_NOTE="libvirt: installed but not driven by this script yet"
else
	LIBVIRT_NOTE="libvirt: not installed"
fi
say "$LIBVIRT_NOTE"

# vnetd has DHCP when its binary knows dnsmasq (branch dhcpint)
if grep -q -a 'dhcp-leasefile' "$vnetd"; then HAVE_DHCP=1; else HAVE_DHCP=0; fi

# ================================================ 1. start and stop (NAT)
say "1. start/stop of one NAT network, $R1 times"
ip netns add v1
daemon v1 "$work/v1"
req 1 network.define "$(netdef 1)" > "$work/f1-def"
rpc "$work/v1/run/vnetd.sock" "$work/f1-def" "$work/f1-def.t"
: > "$work/f1.req"
for i in $(seq "$R1"); do
	req $((2 * i)) network.start '{"name":"n1"}' >> "$work/f1.req"
	req $((2 * i + 1)) network.stop '{"name":"n1"}' >> "$work/f1.req"
done
rpc "$work/v1/run/vnetd.sock" "$work/f1.req" "$work/f1.t"
sed -n 'p;n' "$work/f1.t" > "$work/f1-start.t"
sed -n 'n;p' "$work/f1.t" > "$work/f1-stop.t"
stop_daemon "$VPID"

hand_ns b1
hand_start_ip 1 > "$work/b1-start.ip"; hand_start_nft 1 > "$work/b1-start.nft"
hand_stop_ip 1 > "$work/b1-stop.ip"; hand_stop_nft 1 > "$work/b1-stop.nft"
: > "$work/b1-start.t"; : > "$work/b1-stop.t"
for i in $(seq "$R1"); do
	t0=$(now_us)
	ip -n b1 -batch "$work/b1-start.ip"
	inns b1 nft -f "$work/b1-start.nft"
	t1=$(now_us)
	ip -n b1 -batch "$work/b1-stop.ip"
	inns b1 nft -f "$work/b1-stop.nft"
	t2=$(now_us)
	echo $((t1 - t0)) >> "$work/b1-start.t"
	echo $((t2 - t1)) >> "$work/b1-stop.t"
done
ip netns del b1
row "1 network start, no DHCP (ms)" baseline "$work/b1-start.t" 1000 "ip -batch + nft -f"
row "1 network start, no DHCP (ms)" vnet "$work/f1-start.t" 1000 "network.start RPC"
row "1 network stop, no DHCP (ms)" baseline "$work/b1-stop.t" 1000 "ip -batch + nft -f"
row "1 network stop, no DHCP (ms)" vnet "$work/f1-stop.t" 1000 "network.stop RPC"

# The same start by hand with DHCP: ip -batch (bridge, address, the VM's
# port) + nft -f + dnsmasq started directly with the options vnet gives it
# (docs/dhcp.md; a static host, so no ping delay), until udhcpc in the VM
# has its lease. Stop: kill dnsmasq, ip -batch, nft -f.
dhcp_conf() {	# dhcp_conf DIR I
	local s
	s=$(subnet "$2")
	cat <<-EOF
	interface=vb$2
	except-interface=lo
	bind-interfaces
	pid-file=$1/dnsmasq.pid
	dhcp-leasefile=$1/dnsmasq.leases
	no-hosts
	no-resolv
	domain-needed
	domain=n$2.vnet
	local=/n$2.vnet/
	expand-hosts
	dhcp-authoritative
	dhcp-no-override
	dhcp-range=$s.2,$s.254,255.255.255.0,1h
	dhcp-lease-max=253
	dhcp-host=52:54:00:00:00:10,$s.10
	EOF
}
hand_ns b1d
ip netns add b1dvm
ip link add vmp netns b1d type veth peer name eth0 netns b1dvm
inns b1dvm ip link set eth0 address 52:54:00:00:00:10
inns b1dvm ip link set eth0 up
inns b1d ip link set vmp up
mkdir -p "$work/b1d"
dhcp_conf "$work/b1d" 1 > "$work/b1d/dnsmasq.conf"
{ hand_start_ip 1; echo "link set vmp master vb1"; } > "$work/b1d-start.ip"
printf '#!/bin/sh\nexit 0\n' > "$work/udhcpc.sh"; chmod +x "$work/udhcpc.sh"
: > "$work/b1d-start.t"; : > "$work/b1d-stop.t"
for i in $(seq "$R1"); do
	rm -f "$work/b1d/dnsmasq.leases"
	t0=$(now_us)
	ip -n b1d -batch "$work/b1d-start.ip"
	inns b1d nft -f "$work/b1-start.nft"
	inns b1d dnsmasq --conf-file="$work/b1d/dnsmasq.conf"
	inns b1dvm timeout 10 busybox udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$work/udhcpc.sh" >/dev/null 2>&1 ||
		say "    udhcpc got no lease from the hand-started dnsmasq"
	t1=$(now_us)
	kill "$(cat "$work/b1d/dnsmasq.pid")"
	ip -n b1d -batch "$work/b1-stop.ip"
	inns b1d nft -f "$work/b1-stop.nft"
	t2=$(now_us)
	echo $((t1 - t0)) >> "$work/b1d-start.t"
	echo $((t2 - t1)) >> "$work/b1d-stop.t"
done
ip netns del b1dvm; ip netns del b1d
row "1 network start with DHCP, until dnsmasq answers (ms)" baseline "$work/b1d-start.t" 1000 \
	"ip -batch + nft -f + dnsmasq + udhcpc lease"
row "1 network stop with DHCP (ms)" baseline "$work/b1d-stop.t" 1000 "kill dnsmasq + ip -batch + nft -f"
if [ "$HAVE_DHCP" = 1 ]; then
	# the same with vnetd: network.start, the VM's port onto the bridge,
	# udhcpc until the lease; then network.stop
	ip netns add v1d
	ip netns add v1dvm
	ip link add vmp netns v1d type veth peer name eth0 netns v1dvm
	inns v1dvm ip link set eth0 address 52:54:00:00:00:10
	inns v1dvm ip link set eth0 up
	inns v1d ip link set vmp up
	daemon v1d "$work/v1d"
	req 1 network.define '{"name":"d1","mode":"nat","bridge":"vb1","ipv4":{"address":"10.0.1.1/24","dhcp":{"ranges":[{"start":"10.0.1.2","end":"10.0.1.254"}],"hosts":[{"mac":"52:54:00:00:00:10","ip":"10.0.1.10"}]}}}' > "$work/v1d.req"
	rpc "$work/v1d/run/vnetd.sock" "$work/v1d.req" "$work/v1d.t"
	req 2 network.start '{"name":"d1"}' > "$work/v1d-start.req"
	req 3 network.stop '{"name":"d1"}' > "$work/v1d-stop.req"
	: > "$work/v1d-start.t"; : > "$work/v1d-stop.t"
	for i in $(seq "$R1"); do
		t0=$(now_us)
		"$helper" rpc "$work/v1d/run/vnetd.sock" < "$work/v1d-start.req" > /dev/null 2>> "$log"
		inns v1d ip link set vmp master vb1
		inns v1dvm timeout 10 busybox udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$work/udhcpc.sh" >/dev/null 2>&1 ||
			say "    udhcpc got no lease from vnetd's dnsmasq"
		t1=$(now_us)
		"$helper" rpc "$work/v1d/run/vnetd.sock" < "$work/v1d-stop.req" > /dev/null 2>> "$log"
		t2=$(now_us)
		echo $((t1 - t0)) >> "$work/v1d-start.t"
		echo $((t2 - t1)) >> "$work/v1d-stop.t"
	done
	stop_daemon "$VPID"
	ip netns del v1dvm; ip netns del v1d
	row "1 network start with DHCP, until dnsmasq answers (ms)" vnet "$work/v1d-start.t" 1000 \
		"network.start + port + udhcpc lease"
	row "1 network stop with DHCP (ms)" vnet "$work/v1d-stop.t" 1000 "network.stop RPC"
else
	na "1 network start with DHCP, until dnsmasq answers (ms)" vnet "not yet measurable: needs DHCP in vnetd (branch dhcpint)"
fi

# ============================== 2. scale, 6. restart, 7. memory (one vnetd)
say "2. scale: $NSCALE NAT networks one after another; 6. restart; 7. memory"
ip netns add sc
ip netns add scout
ip netns add scvm
daemon sc "$work/sc"
SOCK="$work/sc/run/vnetd.sock"
one "7 vnetd RSS, 0 networks (MiB)" vnet "$(awk -v k="$(rss_kib "$VPID")" 'BEGIN { printf "%.2f", k / 1024 }')"

# the outside host (for the ping flow through NAT during restarts)
ip link add up0 netns sc type veth peer name eth0 netns scout
inns sc ip addr add 203.0.113.1/24 dev up0
inns sc ip link set up0 up
inns scout ip addr add 203.0.113.2/24 dev eth0
inns scout ip link set eth0 up
inns scout ip link set lo up

: > "$work/sc-def.req"; : > "$work/sc-start.req"
for i in $(seq 0 $((NSCALE - 1))); do
	req "$i" network.define "$(netdef "$i")" >> "$work/sc-def.req"
	req "$i" network.start "{\"name\":\"n$i\"}" >> "$work/sc-start.req"
done
rpc "$SOCK" "$work/sc-def.req" "$work/sc-def.t"
row "2 network define, $NSCALE one after another (ms)" vnet "$work/sc-def.t" 1000 "network.define RPC (definition written to tmpfs)"

# restart_measure COUNT [NS [WHAT]]: RESTARTS restarts of the vnetd of NS
# (default sc; its dirs under $work/NS), each with a 10 ms ping flow from a
# VM (namespace NSvm) on the first network through NAT to the outside host;
# WHAT names the networks in the rows ("networks", "networks with DHCP")
restart_measure() {
	local n=$1 ns=${2:-sc} what=${3:-networks} k r sent got tag
	tag="$ns-$n"
	: > "$work/rs-$tag.t"; : > "$work/rs-$tag.lost"
	for k in $(seq "$RESTARTS"); do
		ip netns exec "${ns}vm" busybox ping -i 0.01 203.0.113.2 > "$work/ping.out" 2>&1 &
		local pp=$!
		sleep 0.3
		stop_daemon "$VPID"
		daemon "$ns" "$work/$ns"
		echo "$VSTART_US" >> "$work/rs-$tag.t"
		sleep 0.3
		kill -INT "$pp"; wait "$pp" || true
		sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$work/ping.out")
		got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$work/ping.out")
		echo $(( ${sent:-0} - ${got:-0} )) >> "$work/rs-$tag.lost"
		say "    restart with $n $what: $((VSTART_US / 1000)) ms until daemon.status answers; ping $got/$sent"
	done
	row "6 vnetd restart with $n $what, until reconciled (ms)" vnet "$work/rs-$tag.t" 1000 \
		"fork of ip netns exec vnetd to first daemon.status answer (vnetd listens after adopting)"
	row "6 pings lost (10 ms flow through NAT) during restart, $n $what" vnet "$work/rs-$tag.lost" 1
	one "7 vnetd RSS after restart, $n $what (MiB)" vnet "$(awk -v k="$(rss_kib "$VPID")" 'BEGIN { printf "%.2f", k / 1024 }')"
}

# start_upto N: start networks until N are active or the budget is spent
NSTARTED=0
: > "$work/sc-start.t"
start_upto() {
	local k
	while [ "$NSTARTED" -lt "$1" ] && [ $((SECONDS - scale_t0)) -lt "$SCALE_BUDGET" ]; do
		k=$(( $1 - NSTARTED < 10 ? $1 - NSTARTED : 10 ))
		sed -n "$((NSTARTED + 1)),$((NSTARTED + k))p" "$work/sc-start.req" > "$work/part.req"
		rpc "$SOCK" "$work/part.req" "$work/part.t"
		cat "$work/part.t" >> "$work/sc-start.t"
		NSTARTED=$((NSTARTED + k))
	done
	if [ "$NSTARTED" -lt "$1" ]; then
		say "    the ${SCALE_BUDGET} s budget for starting networks ran out after $NSTARTED networks"
	fi
}
rss_row() { one "7 vnetd RSS, $1 networks (MiB)" vnet "$(awk -v k="$(rss_kib "$VPID")" 'BEGIN { printf "%.2f", k / 1024 }')"; }

scale_t0=$SECONDS
start_upto 1
# the VM on n0's bridge
ip link add vmp netns sc type veth peer name eth0 netns scvm
inns sc ip link set vmp master vb0
inns sc ip link set vmp up
inns scvm ip link set lo up
inns scvm ip addr add 10.0.0.10/24 dev eth0
inns scvm ip link set eth0 up
inns scvm ip route add default via 10.0.0.1
inns scvm busybox ping -c 1 -W 2 203.0.113.2 >/dev/null 2>&1 || say "    warning: the VM on n0 cannot reach the outside host"
start_upto 200
rss_row "$NSTARTED"
restart_measure "$NSTARTED"
if [ "$NSCALE" -gt 200 ]; then
	[ "$NSTARTED" -ge 200 ] && start_upto "$NSCALE"
	if [ "$NSTARTED" -gt 200 ]; then
		rss_row "$NSTARTED"
		restart_measure "$NSTARTED"
	fi
	if [ "$NSTARTED" -lt "$NSCALE" ]; then
		na "6 vnetd restart with $NSCALE networks, until reconciled (ms)" vnet \
			"not reached: the ${SCALE_BUDGET} s budget for starting networks ran out after $NSTARTED"
		na "7 vnetd RSS, $NSCALE networks (MiB)" vnet \
			"not reached: the ${SCALE_BUDGET} s budget for starting networks ran out after $NSTARTED"
	fi
else
	na "6 vnetd restart with 1000 networks, until reconciled (ms)" vnet "run without --quick"
fi
na "6/7 restart and memory" baseline "no daemon in the by-hand baseline"
stop_daemon "$VPID"
ip netns del scvm; ip netns del scout; ip netns del sc

# baseline scale: ip -batch + nft -f per network in a fresh namespace
hand_ns bsc
: > "$work/bsc-start.t"
for i in $(seq 0 $((NSCALE - 1))); do
	hand_start_ip "$i" > "$work/bsc-$i.ip"
	hand_start_nft "$i" > "$work/bsc-$i.nft"
done
for i in $(seq 0 $((NSCALE - 1))); do
	t0=$(now_us)
	ip -n bsc -batch "$work/bsc-$i.ip"
	inns bsc nft -f "$work/bsc-$i.nft"
	t1=$(now_us)
	echo $((t1 - t0)) >> "$work/bsc-start.t"
done
ip netns del bsc
bs=$((NSCALE / BUCKETS))
for b in $(seq 0 $((BUCKETS - 1))); do
	lo=$((b * bs + 1)); hi=$(((b + 1) * bs))
	sed -n "${lo},${hi}p" "$work/bsc-start.t" > "$work/bb.t"
	sed -n "${lo},${hi}p" "$work/sc-start.t" > "$work/vb.t"
	row "2 start of networks $lo-$hi (ms)" baseline "$work/bb.t" 1000
	if [ -s "$work/vb.t" ]; then
		row "2 start of networks $lo-$hi (ms)" vnet "$work/vb.t" 1000
	else
		na "2 start of networks $lo-$hi (ms)" vnet \
			"not reached: the ${SCALE_BUDGET} s budget for starting networks ran out after $NSTARTED"
	fi
done

# ================================ 3. DHCP host add, 5. tap attach/detach
# Both in one vnetd: a NAT network h3 (10.3.0.1/24) whose DHCP serves
# static hosts only (no range, so an unknown MAC gets no answer at all and
# the first OFFER of the wanted address is the one that counts), and a VM
# namespace whose eth0 is a port of its bridge. bench-helper does the add
# and the DHCP client in one process (no process start in the figure):
# dhcp.host.add, then a raw DHCPDISCOVER from that MAC every 250 µs until
# dnsmasq offers exactly that address. The baseline is a dnsmasq started by
# hand with the very config vnetd wrote (paths changed): append the host to
# its dhcp-hostsfile, SIGHUP, the same client.
say "3. DHCP host added to a running network until dnsmasq offers it, $R3 hosts; 5. tap attach/detach, $R5 times"
if [ "$HAVE_DHCP" = 1 ]; then
	ip netns add f3
	ip netns add f3vm
	ip link add vmp netns f3 type veth peer name eth0 netns f3vm
	inns f3vm ip link set eth0 up
	inns f3 ip link set vmp up
	daemon f3 "$work/f3"
	req 1 network.define '{"name":"h3","mode":"nat","bridge":"vb3","ipv4":{"address":"10.3.0.1/24","dhcp":{"ranges":[]}}}' > "$work/f3.req"
	req 2 network.start '{"name":"h3"}' >> "$work/f3.req"
	rpc "$work/f3/run/vnetd.sock" "$work/f3.req" "$work/f3.t"
	inns f3 ip link set vmp master vb3
	inns f3vm "$helper" dhcp-host rpc "$work/f3/run/vnetd.sock" h3 eth0 "$R3" 10.3.0 > "$work/f3-host.out" 2>> "$log" ||
		say "    dhcp-host (vnet) failed after $(wc -l < "$work/f3-host.out") hosts (see $log)"
	awk '{ print $1 }' "$work/f3-host.out" > "$work/f3-add.t"
	awk '{ print $2 }' "$work/f3-host.out" > "$work/f3-served.t"
	# the same dnsmasq by hand: vnetd's config with the paths moved
	mkdir -p "$work/b3"
	sed -e "s#$work/f3/run/dnsmasq/#$work/b3/#g" -e "s#$work/f3/lib/dnsmasq/#$work/b3/#g" \
		-e '/^# Started as/d' "$work/f3/run/dnsmasq/h3.conf" > "$work/b3/h3.conf"
	hostsfile=$(sed -n 's/^dhcp-hostsfile=//p' "$work/b3/h3.conf")
	pidfile=$(sed -n 's/^pid-file=//p' "$work/b3/h3.conf")
	for f in $(sed -n 's/^\(dhcp-hostsfile\|addn-hosts\|servers-file\)=//p' "$work/b3/h3.conf"); do : > "$f"; done

	# 5: attach + detach cycles of fd-held taps (vnet: attach with
	# return_fd, detach + close; by hand: TUNSETIFF + RTM_NEWLINK, close)
	# and of vnet's persistent taps, in alternating blocks: a deleted tap
	# leaves work in the kernel that the next tap made soon after pays for,
	# whoever makes it, so no variant may always come after another. Then
	# bulk: R5 taps attached and held at once, then all detached.
	ip netns add b5
	ip -n b5 -batch - <<-'EOF'
		link add name vb5 address 02:00:00:00:00:b5 type bridge
		link set vb5 up
	EOF
	: > "$work/f5.out"; : > "$work/f5p.out"; : > "$work/b5.out"
	for blk in 1 2 3 4; do
		inns f3vm "$helper" attach "$work/f3/run/vnetd.sock" h3 $((R5 / 4)) cycle >> "$work/f5.out" 2>> "$log" ||
			say "    attach (vnet, fd) failed (see $log)"
		inns b5 "$helper" tap-hand vb5 $((R5 / 4)) cycle >> "$work/b5.out" 2>> "$log" ||
			say "    tap-hand failed (see $log)"
		inns f3vm "$helper" attach "$work/f3/run/vnetd.sock" h3 $((R5 / 4)) cycle persistent >> "$work/f5p.out" 2>> "$log" ||
			say "    attach (vnet, persistent) failed (see $log)"
	done
	inns f3vm "$helper" attach "$work/f3/run/vnetd.sock" h3 "$R5" bulk > "$work/f5b.out" 2>> "$log" ||
		say "    attach (vnet, bulk) failed after $(wc -l < "$work/f5b.out") (see $log)"
	sleep 2
	inns b5 "$helper" tap-hand vb5 "$R5" bulk > "$work/b5b.out" 2>> "$log" ||
		say "    tap-hand (bulk) failed after $(wc -l < "$work/b5b.out") (see $log)"
	ip netns del b5
	stop_daemon "$VPID"
	cp "$work/f3/vnetd.log" "$out/vnetd-fig3-5.log"	# for the stalls, if any
	inns f3 ip link del vb3
	kill "$(cat "$work/f3/run/dnsmasq/h3.pid")" 2>/dev/null || true
	ip netns del f3vm; ip netns del f3

	ip netns add b3
	ip netns add b3vm
	ip -n b3 -batch - <<-'EOF'
		link add name vb3 address 02:00:00:00:00:b3 type bridge
		addr add 10.3.0.1/24 dev vb3
		link set vb3 up
	EOF
	ip link add vmp netns b3 type veth peer name eth0 netns b3vm
	inns b3vm ip link set eth0 up
	inns b3 ip link set vmp master vb3
	inns b3 ip link set vmp up
	inns b3 dnsmasq --conf-file="$work/b3/h3.conf"
	inns b3vm "$helper" dhcp-host file "$hostsfile" "$pidfile" eth0 "$R3" 10.3.0 > "$work/b3-host.out" 2>> "$log" ||
		say "    dhcp-host (by hand) failed after $(wc -l < "$work/b3-host.out") hosts (see $log)"
	awk '{ print $1 }' "$work/b3-host.out" > "$work/b3-add.t"
	awk '{ print $2 }' "$work/b3-host.out" > "$work/b3-served.t"
	kill "$(cat "$pidfile")" 2>/dev/null || true
	ip netns del b3vm; ip netns del b3

	row "3 DHCP host add, until dnsmasq offers it (ms)" baseline "$work/b3-served.t" 1000 \
		"append to dnsmasq's dhcp-hostsfile + SIGHUP; raw DHCPDISCOVER every 0.25 ms until the OFFER"
	row "3 DHCP host add, until dnsmasq offers it (ms)" vnet "$work/f3-served.t" 1000 \
		"dhcp.host.add RPC, then the same DISCOVERs until the OFFER"
	row "3 DHCP host add, the call alone (ms)" baseline "$work/b3-add.t" 1000 "append + kill -HUP (from C)"
	row "3 DHCP host add, the call alone (ms)" vnet "$work/f3-add.t" 1000 "dhcp.host.add RPC until its reply"
	cols() { awk '{ print $1 }' "$work/$1.out" > "$work/$1-attach.t"; awk '{ print $2 }' "$work/$1.out" > "$work/$1-detach.t"; }
	for v in b5 f5 f5p b5b f5b; do cols "$v"; done
	row "5 tap attach, fd returned, attach + detach cycles, $R5 times (ms)" baseline "$work/b5-attach.t" 1000 \
		"C: open /dev/net/tun + TUNSETIFF + one RTM_NEWLINK (MAC, MTU, master, up)"
	row "5 tap attach, fd returned, attach + detach cycles, $R5 times (ms)" vnet "$work/f5-attach.t" 1000 \
		"attach RPC with return_fd until the reply and its fd (SCM_RIGHTS)"
	row "5 tap detach, attach + detach cycles, $R5 times (ms)" baseline "$work/b5-detach.t" 1000 "close of the fd (the kernel deletes the tap)"
	row "5 tap detach, attach + detach cycles, $R5 times (ms)" vnet "$work/f5-detach.t" 1000 "detach RPC + close of the fd"
	row "5 tap attach, persistent tap, cycles, $R5 times (ms)" vnet "$work/f5p-attach.t" 1000 "attach RPC without return_fd"
	row "5 tap detach, persistent tap, cycles, $R5 times (ms)" vnet "$work/f5p-detach.t" 1000 "detach RPC (deletes the tap)"
	bs=$((R5 / BUCKETS))
	for rng in "1 $bs" "$((R5 - bs + 1)) $R5"; do
		set -- $rng
		for v in b5b f5b; do sed -n "$1,$2p" "$work/$v-attach.t" > "$work/$v-part.t"; done
		row "5 tap attach of taps $1-$2, all $R5 held (ms)" baseline "$work/b5b-part.t" 1000 "as above"
		row "5 tap attach of taps $1-$2, all $R5 held (ms)" vnet "$work/f5b-part.t" 1000 "as above"
	done
	row "5 tap detach, $R5 taps held (ms)" baseline "$work/b5b-detach.t" 1000 "close of each fd"
	row "5 tap detach, $R5 taps held (ms)" vnet "$work/f5b-detach.t" 1000 "detach RPC + close of each fd"
else
	na "3 DHCP host add, until dnsmasq offers it (ms)" vnet "not yet measurable: needs DHCP in vnetd (branch dhcpint)"
	na "5 tap attach, fd returned, attach + detach cycles, $R5 times (ms)" vnet "not yet measurable: needs DHCP in vnetd (branch dhcpint)"
fi

# ====================== 2, 6 and 7 with DHCP: NDHCP NAT networks with dnsmasq
# One more vnetd, every network with a DHCP range (one dnsmasq each): the
# start cost with DHCP in buckets, vnetd's RSS and the dnsmasqs' total PSS
# (smaps_rollup of the pids in vnetd's pid files) at 0, 200 and NDHCP, and
# the restart with all of them (vnetd adopts the running dnsmasqs) under the
# same ping flow through NAT as above.
# dnsmasq_pss DIR: PSS_MIB = MiB of Pss over the dnsmasqs of DIR/run/dnsmasq/*.pid,
# DNSMASQ_N = how many run
dnsmasq_pss() {
	local f p kib=0 n=0 k
	for f in "$1"/run/dnsmasq/*.pid; do
		[ -e "$f" ] || continue
		p=$(cat "$f")
		k=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
		kib=$((kib + ${k:-0})); n=$((n + 1))
	done
	DNSMASQ_N=$n
	PSS_MIB=$(awk -v k="$kib" 'BEGIN { printf "%.2f", k / 1024 }')
}
if [ "$HAVE_DHCP" = 1 ]; then
	say "2/6/7 with DHCP: $NDHCP NAT networks with dnsmasq one after another; restart; memory"
	ip netns add dh; ip netns add dhout; ip netns add dhvm
	daemon dh "$work/dh"
	SOCK="$work/dh/run/vnetd.sock"
	dnsmasq_pss "$work/dh"
	one "7 total dnsmasq PSS, 0 networks with DHCP (MiB)" vnet "$PSS_MIB" "$DNSMASQ_N dnsmasq processes"
	ip link add up0 netns dh type veth peer name eth0 netns dhout
	inns dh ip addr add 203.0.113.1/24 dev up0
	inns dh ip link set up0 up
	inns dhout ip addr add 203.0.113.2/24 dev eth0
	inns dhout ip link set eth0 up
	inns dhout ip link set lo up
	: > "$work/dh-def.req"; : > "$work/dh-start.req"
	for i in $(seq 0 $((NDHCP - 1))); do
		s=$(subnet "$i")
		req "$i" network.define "$(printf '{"name":"d%d","mode":"nat","bridge":"vd%d","ipv4":{"address":"%s.1/24","dhcp":{"ranges":[{"start":"%s.2","end":"%s.254"}]}}}' "$i" "$i" "$s" "$s" "$s")" >> "$work/dh-def.req"
		req "$i" network.start "{\"name\":\"d$i\"}" >> "$work/dh-start.req"
	done
	rpc "$SOCK" "$work/dh-def.req" "$work/dh-def.t"
	DSTARTED=0
	: > "$work/dh-start.t"
	dh_t0=$SECONDS
	dh_upto() {	# start DHCP networks until $1 are active or the budget is spent
		local k
		while [ "$DSTARTED" -lt "$1" ] && [ $((SECONDS - dh_t0)) -lt "$DHCP_BUDGET" ]; do
			k=$(( $1 - DSTARTED < 10 ? $1 - DSTARTED : 10 ))
			sed -n "$((DSTARTED + 1)),$((DSTARTED + k))p" "$work/dh-start.req" > "$work/part.req"
			rpc "$SOCK" "$work/part.req" "$work/part.t"
			cat "$work/part.t" >> "$work/dh-start.t"
			DSTARTED=$((DSTARTED + k))
		done
		[ "$DSTARTED" -ge "$1" ] ||
			say "    the ${DHCP_BUDGET} s budget for starting DHCP networks ran out after $DSTARTED networks"
	}
	dh_mem() {
		one "7 vnetd RSS, $DSTARTED networks with DHCP (MiB)" vnet "$(awk -v k="$(rss_kib "$VPID")" 'BEGIN { printf "%.2f", k / 1024 }')"
		dnsmasq_pss "$work/dh"
		one "7 total dnsmasq PSS, $DSTARTED networks with DHCP (MiB)" vnet "$PSS_MIB" "$DNSMASQ_N dnsmasq processes"
	}
	dh_upto 1
	ip link add vmp netns dh type veth peer name eth0 netns dhvm
	inns dh ip link set vmp master vd0
	inns dh ip link set vmp up
	inns dhvm ip link set lo up
	inns dhvm ip addr add 10.0.0.10/24 dev eth0
	inns dhvm ip link set eth0 up
	inns dhvm ip route add default via 10.0.0.1
	inns dhvm busybox ping -c 1 -W 2 203.0.113.2 >/dev/null 2>&1 || say "    warning: the VM on d0 cannot reach the outside host"
	dh_upto 200
	dh_mem
	[ "$NDHCP" -gt 200 ] && dh_upto "$NDHCP" && dh_mem
	restart_measure "$DSTARTED" dh "networks with DHCP"
	dnsmasq_pss "$work/dh"
	say "    after the restart: $DNSMASQ_N dnsmasq processes, $PSS_MIB MiB PSS in all"
	bs=$((NDHCP / BUCKETS))
	for b in $(seq 0 $((BUCKETS - 1))); do
		lo=$((b * bs + 1)); hi=$(((b + 1) * bs))
		sed -n "${lo},${hi}p" "$work/dh-start.t" > "$work/vb.t"
		if [ -s "$work/vb.t" ]; then
			row "2 start with DHCP of networks $lo-$hi (ms)" vnet "$work/vb.t" 1000 "network.start RPC (dnsmasq started, pid file seen)"
		else
			na "2 start with DHCP of networks $lo-$hi (ms)" vnet \
				"not reached: the ${DHCP_BUDGET} s budget ran out after $DSTARTED"
		fi
	done
	na "2 start with DHCP of networks" baseline "not measured: one dnsmasq per network by hand costs what figure 1's start with DHCP does"
	stop_daemon "$VPID"
	for f in "$work"/dh/run/dnsmasq/*.pid; do kill "$(cat "$f")" 2>/dev/null || true; done
	ip netns del dhvm; ip netns del dhout; ip netns del dh
else
	na "7 total dnsmasq PSS (MiB)" vnet "not yet measurable: needs DHCP in vnetd (branch dhcpint)"
fi

# ====================================================== 4. forwards
# topo NS: router NS with uplink up0 (203.0.113.1) to NS-out (203.0.113.2)
# and a VM NS-vm (10.250.0.10) on bridge vfw of 10.250.0.1/24
topo_outside() {
	local ns=$1
	ip netns add "$ns-out"; ip netns add "$ns-vm"
	ip link add up0 netns "$ns" type veth peer name eth0 netns "$ns-out"
	inns "$ns" ip addr add 203.0.113.1/24 dev up0
	inns "$ns" ip link set up0 up
	inns "$ns-out" ip addr add 203.0.113.2/24 dev eth0
	inns "$ns-out" ip link set eth0 up
	inns "$ns-out" ip link set lo up
	ip link add vmp netns "$ns" type veth peer name eth0 netns "$ns-vm"
	inns "$ns" ip link set vmp master vfw
	inns "$ns" ip link set vmp up
	inns "$ns-vm" ip link set lo up
	inns "$ns-vm" ip addr add 10.250.0.10/24 dev eth0
	inns "$ns-vm" ip link set eth0 up
	inns "$ns-vm" ip route add default via 10.250.0.1
	inns "$ns-vm" "$helper" serve 80 &
	pids+=($!)
}

# cps NS PORT FILE: CPS_RUNS runs of connections per second through the forward
cps_runs() {
	local k
	: > "$3"
	for k in $(seq "$CPS_RUNS"); do
		inns "$1-out" "$helper" cps 203.0.113.1 "$2" "$CPS_MS" >> "$3" || true
	done
}

say "4. port forwards: $NFWD added one by one"
ip netns add fw
daemon fw "$work/fw"
SOCK="$work/fw/run/vnetd.sock"
req 1 network.define '{"name":"fwnet","mode":"nat","bridge":"vfw","ipv4":{"address":"10.250.0.1/24"}}' > "$work/fw.req"
req 2 network.start '{"name":"fwnet"}' >> "$work/fw.req"
rpc "$SOCK" "$work/fw.req" "$work/fw.t"
topo_outside fw
: > "$work/fwadd.req"
for i in $(seq 0 $((NFWD - 1))); do
	req "$i" forward.add "{\"network\":\"fwnet\",\"proto\":\"tcp\",\"port\":$((10000 + i)),\"to\":\"10.250.0.10\",\"to_port\":80}" >> "$work/fwadd.req"
done
sed -n '1,10p' "$work/fwadd.req" > "$work/fwa.req"
rpc "$SOCK" "$work/fwa.req" "$work/fwadd.t"
cps_runs fw 10000 "$work/fw-cps10.c"
NADDED=10
fwd_t0=$SECONDS
while [ "$NADDED" -lt "$NFWD" ] && [ $((SECONDS - fwd_t0)) -lt "$FWD_BUDGET" ]; do
	k=$(( NFWD - NADDED < 500 ? NFWD - NADDED : 500 ))
	sed -n "$((NADDED + 1)),$((NADDED + k))p" "$work/fwadd.req" > "$work/fwa.req"
	rpc "$SOCK" "$work/fwa.req" "$work/fwa.t"
	cat "$work/fwa.t" >> "$work/fwadd.t"
	NADDED=$((NADDED + k))
done
[ "$NADDED" -lt "$NFWD" ] && say "    the ${FWD_BUDGET} s budget for adding forwards ran out after $NADDED"
cps_runs fw 10000 "$work/fw-cpsN.c"
one "7 vnetd RSS, 1 network with $NADDED forwards (MiB)" vnet "$(awk -v k="$(rss_kib "$VPID")" 'BEGIN { printf "%.2f", k / 1024 }')"
stop_daemon "$VPID"

# baseline: the hand table, one nft process per added element
hand_ns hfw
ip -n hfw -batch - <<-'EOF'
	link add name vfw address 02:00:00:00:fa:00 type bridge
	addr add 10.250.0.1/24 dev vfw
	link set vfw up
EOF
inns hfw nft -f - <<-'EOF'
	add chain inet hand post
	add rule inet hand post ip saddr 10.250.0.0/24 ip daddr != 10.250.0.0/24 masquerade
	add element inet hand post_if { "vfw" : jump post }
EOF
topo_outside hfw
: > "$work/hfwadd.t"
hadd() {
	local i t0 t1
	for i in $(seq "$1" "$2"); do
		t0=$(now_us)
		inns hfw nft add element inet hand fwd4any "{ tcp . $((10000 + i)) : 10.250.0.10 . 80 }"
		t1=$(now_us)
		echo $((t1 - t0)) >> "$work/hfwadd.t"
	done
}
hadd 0 9
cps_runs hfw 10000 "$work/hfw-cps10.c"
hadd 10 $((NFWD - 1))
cps_runs hfw 10000 "$work/hfw-cpsN.c"

bs=$((NFWD / BUCKETS))
for b in $(seq 0 $((BUCKETS - 1))); do
	lo=$((b * bs + 1)); hi=$(((b + 1) * bs))
	sed -n "${lo},${hi}p" "$work/hfwadd.t" > "$work/bb.t"
	sed -n "${lo},${hi}p" "$work/fwadd.t" > "$work/vb.t"
	row "4 forward add $lo-$hi (ms)" baseline "$work/bb.t" 1000 "nft add element"
	if [ -s "$work/vb.t" ]; then
		row "4 forward add $lo-$hi (ms)" vnet "$work/vb.t" 1000 "forward.add RPC"
	else
		na "4 forward add $lo-$hi (ms)" vnet "not reached: the ${FWD_BUDGET} s budget ran out after $NADDED"
	fi
done
row "4 connections/s through a forward, 10 forwards" baseline "$work/hfw-cps10.c" 1 "higher is better"
row "4 connections/s through a forward, 10 forwards" vnet "$work/fw-cps10.c" 1 "higher is better"
row "4 connections/s through a forward, $NFWD forwards" baseline "$work/hfw-cpsN.c" 1 "higher is better"
row "4 connections/s through a forward, $NFWD forwards" vnet "$work/fw-cpsN.c" 1 \
	"higher is better$([ "$NADDED" -lt "$NFWD" ] && echo "; vnet had only $NADDED forwards (budget)")"

# ================================ 8. NAT throughput and new connections/s
# Two routers side by side, each with the topology of topo_outside: v8 has
# vnetd's table (one NAT network on bridge vfw), h8 a minimal hand-written
# one (a single masquerade rule, no filtering). Runs alternate between them
# (vnet, baseline, baseline, vnet, ...) so both see the same load from the
# rest of the machine; besides each variant's median the figure reports the
# median, min and max of the per-pair ratios, which cancel most of that
# load. Throughput is one TCP stream of large (GSO) packets, where the
# ruleset hardly matters; new connections/s (each one a new conntrack entry
# through the NAT chains, closed with a reset) is where it does. Not pinned
# to CPUs: on a shared 2-core machine pinning made runs slower and noisier.
if [ "$quick" = 1 ]; then F8_PAIRS=5 F8_CPS_PAIRS=3; else F8_PAIRS=10 F8_CPS_PAIRS=6; fi
F8_SECS=1 F8_CPS_MS=1000
if [ -n "${VNET_BENCH_TINY:-}" ]; then F8_PAIRS=1 F8_CPS_PAIRS=1 F8_CPS_MS=300; fi
say "8. NAT path: iperf3 ${F8_SECS}s x $F8_PAIRS pairs, new connections/s x $F8_CPS_PAIRS pairs, vnet and baseline alternating"
ip netns add v8
daemon v8 "$work/v8"
req 1 network.define '{"name":"natnet","mode":"nat","bridge":"vfw","ipv4":{"address":"10.250.0.1/24"}}' > "$work/v8.req"
req 2 network.start '{"name":"natnet"}' >> "$work/v8.req"
rpc "$work/v8/run/vnetd.sock" "$work/v8.req" "$work/v8.t"
topo_outside v8
ip netns add h8
inns h8 ip link set lo up
inns h8 sysctl -qw net.ipv4.ip_forward=1
ip -n h8 -batch - <<-'EOF'
	link add name vfw address 02:00:00:00:fa:00 type bridge
	addr add 10.250.0.1/24 dev vfw
	link set vfw up
EOF
inns h8 nft -f - <<-'EOF'
	table inet hand {
		chain postrouting { type nat hook postrouting priority srcnat; policy accept;
			ip saddr 10.250.0.0/24 ip daddr != 10.250.0.0/24 masquerade; }
	}
EOF
topo_outside h8
for ns in v8 h8; do
	inns "$ns-out" iperf3 -s -D -I "$work/$ns-iperf.pid" >/dev/null 2>&1
	inns "$ns-out" "$helper" serve 8080 &
	pids+=($!)
done
sleep 0.3
for ns in v8 h8; do pids+=("$(cat "$work/$ns-iperf.pid")"); done

f8_tcp() {
	inns "$1-vm" timeout $((F8_SECS + 10)) iperf3 -c 203.0.113.2 -t "$F8_SECS" -J 2>/dev/null |
		jq '.end.sum_received.bits_per_second / 1e9' 2>/dev/null || true
}
f8_cps() { inns "$1-vm" "$helper" cps 203.0.113.2 8080 "$F8_CPS_MS" 2>> "$log" || true; }

# f8_pairs FUNC PAIRS STEM: STEM.v, STEM.h and STEM.r (vnet / baseline per pair)
f8_pairs() {
	local k a b
	: > "$3.v"; : > "$3.h"; : > "$3.r"
	for k in $(seq "$2"); do
		if [ $((k % 2)) = 1 ]; then a=$("$1" v8); b=$("$1" h8); else b=$("$1" h8); a=$("$1" v8); fi
		[ -n "$a" ] && echo "$a" >> "$3.v"
		[ -n "$b" ] && echo "$b" >> "$3.h"
		[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) print a / b }' >> "$3.r"
	done
}
f8_pairs f8_tcp "$F8_PAIRS" "$work/f8-tcp"
f8_pairs f8_cps "$F8_CPS_PAIRS" "$work/f8-cps"
stop_daemon "$VPID"
f8="8 NAT throughput VM -> outside, iperf3 ${F8_SECS}s (Gbit/s)"
row "$f8" baseline "$work/f8-tcp.h" 1 "minimal ruleset: one masquerade rule; higher is better"
row "$f8" vnet "$work/f8-tcp.v" 1 "vnet's ruleset; higher is better"
row "$f8, vnet / baseline per pair" vnet "$work/f8-tcp.r" 1 "runs alternate; 1.00 = as fast as the minimal ruleset"
f8="8 new connections/s VM -> outside through NAT"
row "$f8" baseline "$work/f8-cps.h" 1 "minimal ruleset; higher is better"
row "$f8" vnet "$work/f8-cps.v" 1 "vnet's ruleset; higher is better"
row "$f8, vnet / baseline per pair" vnet "$work/f8-cps.r" 1 "runs alternate; 1.00 = as fast as the minimal ruleset"

na "libvirt column" libvirt "$LIBVIRT_NOTE"

# ================================================================ report
{
	echo "figure,variant,median,min,max,n,ratio,note"
	awk -F'\t' '
	{ fig[NR] = $1; var[NR] = $2; line[NR] = $0; if ($2 == "baseline" && $3 != "n/a") base[$1] = $3 }
	END {
		for (i = 1; i <= NR; i++) {
			split(line[i], f, "\t")
			r = ""
			if (f[3] != "n/a" && (f[1] in base) && base[f[1]] + 0 != 0)
				r = sprintf("%.2f", f[3] / base[f[1]])
			gsub(/"/, "\"\"", f[1]); gsub(/"/, "\"\"", f[7])
			printf "\"%s\",%s,%s,%s,%s,%s,%s,\"%s\"\n", f[1], f[2], f[3], f[4], f[5], f[6], r, f[7]
		}
	}' "$rows"
} > "$out/results.csv"

awk -F'\t' '
	{ fig[NR] = $1; line[NR] = $0; if ($2 == "baseline" && $3 != "n/a") base[$1] = $3 }
	END {
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", "figure", "variant", "median", "min", "max", "n", "ratio", "note"
		print "|---|---|---:|---:|---:|---:|---:|---|"
		for (i = 1; i <= NR; i++) {
			split(line[i], f, "\t")
			r = ""
			if (f[3] != "n/a" && (f[1] in base) && base[f[1]] + 0 != 0)
				r = sprintf("%.2f", f[3] / base[f[1]])
			printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6], r, f[7]
		}
	}' "$rows" > "$out/results.md"
cat "$out/results.md"
say "written: $out/results.csv, $out/results.md, $out/bench.log"

# ======================================================= README summary
# summary.sh makes the short table (summary.md) from rows.tsv and what it
# needs to know of this run, and with --readme puts it into the README
{
	for v in QUICK NSCALE NFWD NDHCP R5 BUCKETS RUN_DATE RUN_COMMIT RUN_TIME MACHINE LIBVIRT_NOTE; do
		case $v in
		QUICK) val=$quick ;;
		RUN_TIME) val="$((SECONDS / 60)) min $((SECONDS % 60)) s" ;;
		RUN_COMMIT) val=$({ git -C "$build" describe --always --dirty 2>/dev/null || git -C "$src" describe --always --dirty 2>/dev/null; } || echo "(a build without git)") ;;
		MACHINE) val="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo "?")" ;;
		*) val=${!v} ;;
		esac
		printf '%s=%q\n' "$v" "$val"
	done
} > "$out/run.env"
"$here/summary.sh" "$out" ${readme:+"$readme"}
