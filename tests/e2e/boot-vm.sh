#!/bin/sh
# Boots the test guest (vm-kit.sh's kernel and initramfs) under QEMU, in the
# background, and returns once its serial console shows a marker line.
#
# Usage: boot-vm.sh --netdev SPEC --serial LOG [options]
#   --netdev SPEC    QEMU -netdev value without the id, e.g.
#                    "bridge,br=BR,helper=PATH", "tap,ifname=T,script=no,
#                    downscript=no" or "tap,fd=N" (fd N must be open in the
#                    caller; it is inherited by QEMU). "none": no NIC.
#   --serial LOG     file the guest's console goes to; QEMU's own messages
#                    go to LOG.qemu
#   --mac MAC        the NIC's MAC (default 52:54:00:e2:e0:01)
#   --append WORDS   guest instructions, e.g. "vnet.resolve=NAME
#                    vnet.fetch=URL vnet.serve=80 vnet.hold=60" (see
#                    guest-init.sh)
#   --wait-for TEXT  marker to wait for (default "VNET-E2E: ready"); may be
#                    given several times: each is waited for in turn and its
#                    time since QEMU's start printed
#   --timeout SECS   how long to wait for the last one (default 60)
#   --pidfile FILE   where to write QEMU's pid (the caller kills it; the
#                    guest also powers off by itself after vnet.hold)
#   --accel A        tcg or kvm (default: $VNET_E2E_ACCEL, else auto: kvm only
#                    when the CPU shows vmx/svm and a probe boot under KVM
#                    works, else tcg)
# Exit 0 when the markers appeared (QEMU keeps running), 1 when QEMU exited or
# the timeout passed first (QEMU is killed; the log tail goes to stderr).
# Prints "boot-vm: pid N (ACCEL)" and "boot-vm: 'MARKER' after S.sss s" on
# stdout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

netdev=
serial=
mac=52:54:00:e2:e0:01
append=
markers=
timeout=60
pidfile=
accel=${VNET_E2E_ACCEL:-auto}

die() {
	echo "boot-vm: error: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--netdev) netdev=$2; shift 2 ;;
	--serial) serial=$2; shift 2 ;;
	--mac) mac=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--wait-for) markers="$markers$2
"; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--pidfile) pidfile=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -n "$netdev" ] || die "--netdev is required"
[ -n "$serial" ] || die "--serial is required"
[ -n "$markers" ] || markers="VNET-E2E: ready
"

kit=$(sh "$here/vm-kit.sh" --print) || die "the guest is not prepared: run tests/e2e/vm-kit.sh"
eval "$kit"
qemu=${VNET_E2E_QEMU:-qemu-system-x86_64}
bios=/usr/share/qemu/qboot.rom
[ -r "$bios" ] || die "$bios missing (package qemu-system-data)"

now_ms() {
	date +%s%3N
}

# start_qemu ACCEL LOG NETARGS...: starts QEMU in the background; sets qpid.
start_qemu() {
	a=$1
	log=$2
	shift 2
	: >"$log"
	"$qemu" -accel "$a" -M pc -m 256 -smp 1 \
		-nodefaults -no-user-config -display none -monitor none \
		-no-reboot -bios "$bios" \
		-kernel "$VNET_E2E_KERNEL" -initrd "$VNET_E2E_INITRD" \
		-append "console=ttyS0 quiet panic=-1 $append" \
		-serial "file:$log" "$@" \
		</dev/null >"$log.qemu" 2>&1 &
	qpid=$!
}

# wait_marker LOG TEXT SECS: 0 when TEXT shows up in LOG, 1 when QEMU exits
# or SECS pass first.
wait_marker() {
	deadline=$(( $(now_ms) + $3 * 1000 ))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		if grep -q -F -- "$2" "$1" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$qpid" 2>/dev/null; then
			# The marker may have come just before the exit.
			grep -q -F -- "$2" "$1" 2>/dev/null && return 0
			return 1
		fi
		sleep 0.1
	done
	return 1
}

stop_qemu() {
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
}

# KVM only when it can really run our kernel: some nested /dev/kvm cannot.
# The answer is cached per host kernel and guest kernel.
pick_accel() {
	if ! grep -qE '^flags.*\b(vmx|svm)\b' /proc/cpuinfo ||
		! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo tcg
		return
	fi
	cache=$(dirname "$VNET_E2E_INITRD")
	stamp=$cache/accel-$(uname -r)-$VNET_E2E_KVERSION
	if [ -s "$stamp" ]; then
		cat "$stamp"
		return
	fi
	plog=$(mktemp)
	append_saved=$append
	append="vnet.probe=1"
	start_qemu kvm "$plog"
	if wait_marker "$plog" "VNET-E2E: probe ok" 20; then
		a=kvm
	else
		a=tcg
	fi
	stop_qemu
	append=$append_saved
	rm -f "$plog" "$plog.qemu"
	echo "$a" >"$stamp"
	echo "$a"
}

[ "$accel" = auto ] && accel=$(pick_accel)

if [ "$netdev" = none ]; then
	set --
else
	set -- -netdev "$netdev,id=net0" -device "virtio-net-pci,netdev=net0,mac=$mac"
fi
t0=$(now_ms)
start_qemu "$accel" "$serial" "$@"
[ -n "$pidfile" ] && echo "$qpid" >"$pidfile"
echo "boot-vm: pid $qpid ($accel)"
failed=
# Markers are read from a here-document so the loop runs in this shell.
while IFS= read -r marker; do
	[ -n "$marker" ] || continue
	left=$(( timeout - ( $(now_ms) - t0 ) / 1000 ))
	[ "$left" -gt 0 ] || left=1
	if ! wait_marker "$serial" "$marker" "$left"; then
		failed=$marker
		break
	fi
	t1=$(now_ms)
	echo "boot-vm: '$marker' after $(( (t1 - t0) / 1000 )).$(printf %03d $(( (t1 - t0) % 1000 ))) s"
done <<MARKERS
$markers
MARKERS
[ -z "$failed" ] && exit 0

if kill -0 "$qpid" 2>/dev/null; then
	echo "boot-vm: no '$failed' within $timeout s; stopping QEMU" >&2
	stop_qemu
else
	wait "$qpid" 2>/dev/null && rc=0 || rc=$?
	echo "boot-vm: QEMU exited ($rc) before '$failed'" >&2
fi
echo "--- $serial.qemu" >&2
tail -n 20 "$serial.qemu" >&2
echo "--- $serial (last 30 lines)" >&2
tail -n 30 "$serial" | tr -d '\r' >&2
exit 1
