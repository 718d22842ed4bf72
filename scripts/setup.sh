#!/bin/bash
# Installs what vnet needs from Debian's packages and builds it, out of tree,
# in _build/FLAVOUR (default: plain; "asan": AddressSanitizer + UBSan).
# Safe to run again: it only installs what is missing and rebuilds what changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-default}

packages=(
	# build
	gcc make autoconf automake libtool pkg-config xz-utils
	libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev
	libsystemd-dev libjson-c-dev libcunit1-dev
	# what the tests and the demo drive
	iproute2 nftables dnsmasq-base busybox-static isc-dhcp-client iperf3 procps
	# the real-VM tests: QEMU, qboot, and cpio for the guest initramfs
	qemu-system-x86 qemu-system-data cpio
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi

case "$flavour" in
default) flags=(--enable-werror) ;;
asan) flags=(--enable-werror --enable-sanitizers) ;;
*) echo "setup: unknown flavour '$flavour' (default or asan)" >&2; exit 2 ;;
esac

build="$top/_build/$flavour"
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	"$top/configure" --quiet "${flags[@]}"
fi
make -s -j"$(nproc)" >/dev/null
echo "setup: built $build"
