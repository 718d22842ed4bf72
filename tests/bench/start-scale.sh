#!/bin/bash
# start-scale.sh BUILDDIR [N] [nodhcp] — how network.start's cost grows with
# the number of networks already running (opt-in: root, not in make check).
#
# One vnetd in throwaway network, mount and PID namespaces; a client on one
# connection defines and starts N NAT networks (10.A.B.1/24, with DHCP and
# DNS unless "nodhcp") one after another and times every call. Prints, per
# bucket of 100 networks, the median and mean of network.start and of
# network.define, the CPU time per network that vnetd and all dnsmasqs
# used in the bucket (define + start, and whatever a start made the other
# processes do), and the ratio of the last bucket's median to the first's
# (flat is ≤ 1.5). A CSV with every call goes to $VNET_BENCH_CSV if set.
#
# VNET_BENCH_WRAP runs vnetd under a wrapper, e.g.
#   VNET_BENCH_WRAP="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out"
# VNET_BENCH_STRACE=FILE counts vnetd's syscalls (strace -c -f) into FILE.
set -euo pipefail

build=$(cd "${1:?usage: start-scale.sh BUILDDIR [N] [nodhcp]}" && pwd)
n=${2:-300}
dhcp=${3:-dhcp}
if [ -z "${VNET_SCALE_INSIDE:-}" ]; then
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		env VNET_SCALE_INSIDE=1 "$0" "$build" "$n" "$dhcp"
fi

vnetd="$build/vnetd/vnetd"
dir=$(mktemp -d /tmp/vnet-start-scale.XXXXXX)
chmod 755 "$dir"
sock="$dir/run/vnetd.sock"
mkdir -p "$dir/run" "$dir/etc" "$dir/lib" /run/netns
mount -t tmpfs tmpfs /run/netns
# the run dir is a tmpfs, as /run is on a real host
mount -t tmpfs tmpfs "$dir/run"
ip link set lo up

wrap=()
if [ -n "${VNET_BENCH_STRACE:-}" ]; then
	wrap=(strace -c -f -o "$VNET_BENCH_STRACE")
elif [ -n "${VNET_BENCH_WRAP:-}" ]; then
	read -r -a wrap <<< "$VNET_BENCH_WRAP"
fi
"${wrap[@]}" "$vnetd" --foreground --log-level warning --socket "$sock" --config-dir "$dir/etc" \
	--run-dir "$dir/run" --state-dir "$dir/lib" 2> "$dir/vnetd.log" &
vnetd_pid=$!
trap 'kill -TERM $vnetd_pid 2>/dev/null; wait $vnetd_pid 2>/dev/null; umount -l "$dir/run"; rm -rf "$dir"' EXIT
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.05; done

python3 - "$sock" "$n" "$dhcp" "${VNET_BENCH_CSV:-}" <<'EOF'
import json, os, socket, statistics, sys, time

path, n, dhcp, csv = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "dhcp", sys.argv[4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rb")
ident = 0

def call(method, params):
    global ident
    ident += 1
    t = time.perf_counter()
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": ident, "method": method,
                           "params": params}) + "\n").encode())
    reply = json.loads(f.readline())
    ms = (time.perf_counter() - t) * 1000
    if "error" in reply:
        sys.exit("%s %s: %s" % (method, params.get("name"), reply["error"]))
    return ms

def cpu_ms():
    """CPU time used so far by vnetd and by all dnsmasqs (schedstat: ns,
    not rounded to ticks per process): unlike wall time it does not change
    with the machine's load, and it shows work done by processes the client
    does not wait for."""
    vnetd = dnsmasq = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                comm = f.read().strip()
            with open("/proc/%s/schedstat" % pid) as f:
                ns = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if comm == "vnetd":
            vnetd += ns
        elif comm == "dnsmasq":
            dnsmasq += ns
    return vnetd / 1e6, dnsmasq / 1e6

rows = []
print("%9s %12s %12s %13s %13s %13s %13s" % ("networks", "start med", "start mean",
                                    "define med", "define mean", "vnetd cpu", "dnsmasq cpu"))
cpu0 = cpu_ms()
bucket = []
first = None
for i in range(1, n + 1):
    a, b = i // 250 + 100, i % 250
    net = {"name": "n%d" % i, "mode": "nat", "bridge": "vs%d" % i,
           "ipv4": {"address": "10.%d.%d.1/24" % (a, b)}}
    if dhcp:
        net["ipv4"]["dhcp"] = {"ranges": [{"start": "10.%d.%d.10" % (a, b),
                                           "end": "10.%d.%d.200" % (a, b)}]}
        net["dns"] = {"domain": "n%d.vnet" % i, "forwarders": ["192.0.2.53"]}
    d = call("network.define", net)
    st = call("network.start", {"name": net["name"]})
    rows.append((i, d, st))
    bucket.append((d, st))
    if i % 100 == 0 or i == n:
        sm = statistics.median(x[1] for x in bucket)
        if first is None:
            first = sm
        cpu = cpu_ms()
        print("%4d-%-4d %9.1f ms %9.1f ms %10.1f ms %10.1f ms %10.1f ms %10.1f ms" % (
            i - len(bucket) + 1, i, sm, statistics.mean(x[1] for x in bucket),
            statistics.median(x[0] for x in bucket), statistics.mean(x[0] for x in bucket),
            (cpu[0] - cpu0[0]) / len(bucket), (cpu[1] - cpu0[1]) / len(bucket)),
            flush=True)
        cpu0 = cpu
        last = sm
        bucket = []
print("start median, last bucket / first bucket: %.2f" % (last / first))
if csv:
    with open(csv, "w") as out:
        out.write("network,define_ms,start_ms\n")
        for r in rows:
            out.write("%d,%.3f,%.3f\n" % r)
EOF
running=$(pgrep -c -x dnsmasq || true)
echo "dnsmasq processes: $running"

# A restart with all of them running: from exec until the control socket
# exists, which vnetd binds only once it has adopted every network (and its
# dnsmasq). Figure 6 of tests/bench/run.sh also counts lost packets.
kill -TERM $vnetd_pid
wait $vnetd_pid 2>/dev/null || true
rm -f "$sock"
t0=$(date +%s%N)
"$vnetd" --foreground --log-level warning --socket "$sock" --config-dir "$dir/etc" \
	--run-dir "$dir/run" --state-dir "$dir/lib" 2>> "$dir/vnetd.log" &
vnetd_pid=$!
# vnetd binds its socket only after startup's reconcile pass
until [ -S "$sock" ]; do
	kill -0 $vnetd_pid 2>/dev/null || { echo "vnetd died at restart" >&2; exit 1; }
	sleep 0.001
done
t1=$(date +%s%N)
echo "restart with $n networks: reconciled and answering in $(( (t1 - t0) / 1000000 )) ms" \
	"(dnsmasq processes: $(pgrep -c -x dnsmasq || true))"
