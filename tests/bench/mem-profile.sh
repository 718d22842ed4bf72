#!/bin/bash
# mem-profile.sh BUILDDIR [COUNTS] [dhcp|nodhcp] [OUTDIR] — where vnetd's
# memory is (docs/memory.md), opt-in: root, not part of make check.
#
# One vnetd in throwaway network, mount and PID namespaces; a client defines
# and starts NAT networks (10.A.B.1/24; with DHCP and DNS if "dhcp") up to
# each count of COUNTS (default 200,1000), and at 0 and at each count prints
# vnetd's VmRSS, Pss, RssAnon, RssFile (KiB) and writes OUTDIR/nN.txt: every
# mapping's Rss, Pss, Shared/Private Clean/Dirty and Anonymous from
# /proc/PID/smaps, summed by mapping name. Then ROUNDS (default 1) rounds of
# stopping and starting every network, with a snapshot after each half.
# Snapshots are taken 0.5 s after the last request, so vnetd has trimmed its
# heap (vnetd/trim.c). VNET_BENCH_WRAP runs vnetd under a wrapper
# (e.g. "heaptrack -o FILE"); the figures are then the wrapper's.
set -euo pipefail

build=$(cd "${1:?usage: mem-profile.sh BUILDDIR [COUNTS] [dhcp|nodhcp] [OUTDIR]}" && pwd)
counts=${2:-200,1000}
dhcp=${3:-nodhcp}
out=$(realpath -m "${4:-$build/mem-profile}")
if [ -z "${VNET_MEM_INSIDE:-}" ]; then
	mkdir -p "$out"
	exec unshare --net --mount --pid --fork --mount-proc --propagation private \
		env VNET_MEM_INSIDE=1 "$0" "$build" "$counts" "$dhcp" "$out"
fi

dir=$(mktemp -d /tmp/vnet-mem-profile.XXXXXX)
chmod 755 "$dir"
sock="$dir/run/vnetd.sock"
mkdir -p "$dir/run" "$dir/etc" "$dir/lib" /run/netns
mount -t tmpfs tmpfs /run/netns
ip link set lo up

wrap=()
[ -n "${VNET_BENCH_WRAP:-}" ] && read -r -a wrap <<< "$VNET_BENCH_WRAP"
"${wrap[@]}" "$build/vnetd/vnetd" --foreground --log-level warning --socket "$sock" \
	--config-dir "$dir/etc" --run-dir "$dir/run" --state-dir "$dir/lib" 2> "$dir/vnetd.log" &
vnetd_pid=$!
trap 'kill -TERM $vnetd_pid 2>/dev/null; wait $vnetd_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.05; done

python3 - "$sock" "$counts" "$dhcp" "$vnetd_pid" "$out" "${ROUNDS:-1}" <<'EOF'
import collections, json, socket, sys, time

path, counts, dhcp, pid, out, rounds = sys.argv[1:7]
counts = [int(x) for x in counts.split(",")]
dhcp, rounds = dhcp == "dhcp", int(rounds)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rb")
ident = 0

def call(method, params):
    global ident
    ident += 1
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": ident, "method": method,
                           "params": params}) + "\n").encode())
    while True:
        reply = json.loads(f.readline())
        if reply.get("id") == ident:
            break
    if "error" in reply:
        sys.exit("%s %s: %s" % (method, params.get("name"), reply["error"]))

KEYS = ["Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Anonymous"]

def smaps_table():
    by = collections.OrderedDict()
    name = None
    for line in open("/proc/%s/smaps" % pid):
        w = line.split()
        if not w[0].endswith(":"):
            name = w[5].rsplit("/", 1)[-1] if len(w) > 5 else "[anon]"
            by.setdefault(name, collections.Counter())
        elif w[0][:-1] in KEYS:
            by[name][w[0][:-1]] += int(w[1])
    rows = ["%-28s" % "mapping (KiB)" + "".join("%14s" % k for k in KEYS)]
    total = collections.Counter()
    for n, c in sorted(by.items(), key=lambda x: -x[1]["Rss"]):
        total += c
        if c["Rss"]:
            rows.append("%-28s" % n[:28] + "".join("%14d" % c[k] for k in KEYS))
    rows.append("%-28s" % "total" + "".join("%14d" % total[k] for k in KEYS))
    return "\n".join(rows) + "\n"

def snap(tag):
    time.sleep(0.5)
    st = dict((l.split(":")[0], (l.split() + [""])[1]) for l in open("/proc/%s/status" % pid))
    ro = dict((l.split()[0][:-1], l.split()[1]) for l in open("/proc/%s/smaps_rollup" % pid)
              if l.split()[0].endswith(":"))
    open("%s/%s.txt" % (out, tag), "w").write(smaps_table())
    print("%-16s VmRSS %6s  Pss %6s  RssAnon %6s  RssFile %6s" %
          (tag, st["VmRSS"], ro["Pss"], st["RssAnon"], st["RssFile"]), flush=True)

snap("n0")
i = 0
for c in counts:
    while i < c:
        i += 1
        a, b = i // 250 + 100, i % 250
        net = {"name": "n%d" % i, "mode": "nat", "bridge": "vm%d" % i,
               "ipv4": {"address": "10.%d.%d.1/24" % (a, b)}}
        if dhcp:
            net["ipv4"]["dhcp"] = {"ranges": [{"start": "10.%d.%d.10" % (a, b),
                                               "end": "10.%d.%d.200" % (a, b)}]}
            net["dns"] = {"domain": "n%d.vnet" % i, "forwarders": ["192.0.2.53"]}
        call("network.define", net)
        call("network.start", {"name": net["name"]})
    snap("n%d" % c)
for r in range(1, rounds + 1):
    for j in range(1, i + 1):
        call("network.stop", {"name": "n%d" % j})
    snap("stopped-%d" % r)
    for j in range(1, i + 1):
        call("network.start", {"name": "n%d" % j})
    snap("started-%d" % r)
EOF
echo "per-mapping tables: $out/"
