#!/bin/bash
# forward-scale.sh BUILDDIR [N] — how forward.add and forward.remove grow
# with the number of forwards a network already has (opt-in: root, not in
# make check).
#
# One vnetd in throwaway network, mount and PID namespaces, its directories
# on a tmpfs as in run.sh (VNET_BENCH_DISK=DIR puts them under DIR instead,
# to see what fsync costs on a real disk). A client on one connection
# defines and starts one NAT network, adds N forwards one by one (tcp
# 10000+i -> 10.250.0.10:80) and then removes them in the same order, timing
# every call. Prints, per bucket of N/10 calls, the median, mean and maximum
# of each; vnetd's CPU time, bytes written and write calls per call (from
# /proc/PID/stat and /proc/PID/io: steadier than wall-clock time on a busy
# machine); the ratio of the last bucket's median to the first's (flat is
# <= 1.5); and the size of the definition and journal files after the adds.
#
# VNET_BENCH_WRAP runs vnetd under a wrapper, e.g.
#   VNET_BENCH_WRAP="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out"
# VNET_BENCH_STRACE=FILE counts vnetd's syscalls (strace -c -f) into FILE.
# VNET_BENCH_CG_DUMP=1 (with callgrind as the wrapper) dumps the counts at
# every bucket's end (callgrind_control -d), one file per bucket.
# VNET_BENCH_ADDS_ONLY=1 skips the removals and instead, after the adds,
# SIGKILLs vnetd and times a new one: start to the first forward.list, which
# must have all N forwards back (from the definition and its journal).
set -euo pipefail

build=$(cd "${1:?usage: forward-scale.sh BUILDDIR [N]}" && pwd)
n=${2:-1000}
if [ -z "${VNET_SCALE_INSIDE:-}" ]; then
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		env VNET_SCALE_INSIDE=1 "$0" "$build" "$n"
fi

vnetd="$build/vnetd/vnetd"
dir=$(mktemp -d "${VNET_BENCH_DISK:-/tmp}/vnet-forward-scale.XXXXXX")
[ -n "${VNET_BENCH_DISK:-}" ] || mount -t tmpfs tmpfs "$dir"
chmod 755 "$dir"
sock="$dir/run/vnetd.sock"
mkdir -p "$dir/run" "$dir/etc" "$dir/lib" /run/netns
mount -t tmpfs tmpfs /run/netns
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
cleanup() {
	kill -TERM $vnetd_pid 2>/dev/null || true
	wait $vnetd_pid 2>/dev/null || true
	[ -n "${VNET_BENCH_DISK:-}" ] || umount "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1200); do [ -S "$sock" ] && break; sleep 0.05; done

python3 - "$sock" "$n" "$dir/etc/networks" "${VNET_BENCH_ADDS_ONLY:-}" "$vnetd_pid" \
	"${VNET_BENCH_CG_DUMP:-}" <<'EOF'
import json, os, socket, statistics, subprocess, sys, time

path, n, netdir, adds_only = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
pid, cg_dump = int(sys.argv[5]), sys.argv[6] == "1"
tick = os.sysconf("SC_CLK_TCK")

def counters():
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    io = {}
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            k, v = line.split(":")
            io[k] = int(v)
    return (int(st[11]) + int(st[12])) / tick * 1000, io["wchar"], io["syscw"]
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
        sys.exit("%s %s: %s" % (method, params, reply["error"]))
    return ms

call("network.define", {"name": "fwnet", "mode": "nat", "bridge": "vfw",
                        "ipv4": {"address": "10.250.0.1/24"}})
call("network.start", {"name": "fwnet"})

def fwd(i):
    return {"network": "fwnet", "proto": "tcp", "port": 10000 + i,
            "to": "10.250.0.10", "to_port": 80}

def run(method):
    bucket = max(n // 10, 1)
    meds = []
    print("%-14s %12s %10s %10s %10s %10s %11s %8s" % (method, "calls", "median ms", "mean ms",
          "max ms", "cpu ms", "B written", "writes"))
    times = []
    if cg_dump:
        subprocess.run(["callgrind_control", "-d"], stdout=subprocess.DEVNULL)
    c0 = counters()
    for i in range(n):
        times.append(call(method, fwd(i)))
        if len(times) == bucket or i == n - 1:
            c1 = counters()
            k = len(times)
            meds.append(statistics.median(times))
            print("%-14s %5d-%-6d %10.3f %10.3f %10.3f %10.3f %11.0f %8.2f" % ("", i + 2 - k, i + 1,
                  meds[-1], statistics.mean(times), max(times), (c1[0] - c0[0]) / k,
                  (c1[1] - c0[1]) / k, (c1[2] - c0[2]) / k))
            if cg_dump:
                subprocess.run(["callgrind_control", "-d"], stdout=subprocess.DEVNULL)
            c0 = counters()
            times = []
    print("%-14s last/first median: %.2f" % ("", meds[-1] / meds[0]))

run("forward.add")
sizes = []
for name in sorted(os.listdir(netdir)):
    sizes.append("%s %d B" % (name, os.path.getsize(os.path.join(netdir, name))))
print("files after the adds:", ", ".join(sizes))
if not adds_only:
    run("forward.remove")
EOF

if [ "${VNET_BENCH_ADDS_ONLY:-}" = 1 ]; then
	kill -KILL $vnetd_pid
	wait $vnetd_pid 2>/dev/null || true
	rm -f "$sock"
	t0=${EPOCHREALTIME/./}
	"${wrap[@]}" "$vnetd" --foreground --log-level warning --socket "$sock" --config-dir "$dir/etc" \
		--run-dir "$dir/run" --state-dir "$dir/lib" 2>> "$dir/vnetd.log" &
	vnetd_pid=$!
	python3 - "$sock" "$n" "$t0" <<'EOF'
import json, socket, sys, time

path, n, t0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1e6
while True:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        break
    except OSError:
        time.sleep(0.005)
f = s.makefile("rb")
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"forward.list","params":{"network":"fwnet"}}\n')
got = len(json.loads(f.readline())["result"])
print("restart after SIGKILL: %.3f s to forward.list, which has %d of %d forwards"
      % (time.time() - t0, got, n))
EOF
fi
