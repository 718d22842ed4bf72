#!/bin/sh
# Prepares what tests/e2e needs to boot a real Linux guest, once, and caches it:
#   - Debian packages: qemu-system-x86, qemu-system-data (qboot.rom),
#     busybox-static, cpio (installed with apt-get when missing)
#   - Debian's cloud kernel (linux-image-*-cloud-amd64), fetched with
#     apt-get download and unpacked with dpkg-deb -x (never installed)
#   - an initramfs: busybox-static, the virtio-net modules, guest-init.sh
#
# Usage: vm-kit.sh [--print]   (--print: only print the variables, offline)
# Prints, for `eval`:
#   VNET_E2E_KERNEL=/cache/kernel/VERSION/vmlinuz
#   VNET_E2E_INITRD=/cache/initramfs-VERSION-HASH.cpio.gz
#   VNET_E2E_KVERSION=6.1.0-NN-cloud-amd64
#
# Environment:
#   VNET_E2E_CACHE       cache directory (default /var/cache/vnet-e2e for
#                        root, else ${XDG_CACHE_HOME:-$HOME/.cache}/vnet-e2e)
#   VNET_E2E_KERNEL_PKG  kernel package to use (default: what the
#                        linux-image-cloud-amd64 meta-package depends on;
#                        a cached kernel is reused unless VNET_E2E_REFRESH=1)
#   VNET_E2E_NO_INSTALL  set to 1 to never call apt-get install
# Everything else goes to stderr. Safe to run concurrently (flock).
set -eu

here=$(cd "$(dirname "$0")" && pwd)

# The guest's modules, in load order (LAB.md: this is what virtio-net needs
# on Debian's cloud kernel).
MODULES="virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio
virtio_pci failover net_failover virtio_net"

log() {
	echo "vm-kit: $*" >&2
}

die() {
	echo "vm-kit: error: $*" >&2
	exit 1
}

if [ -n "${VNET_E2E_CACHE:-}" ]; then
	cache=$VNET_E2E_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/vnet-e2e
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/vnet-e2e
fi
if [ "${1:-}" = "--print" ]; then
	[ -d "$cache" ] || die "nothing cached in $cache; run vm-kit.sh"
else
	mkdir -p "$cache"
fi
cache=$(cd "$cache" && pwd)

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	log "apt-get update"
	apt-get update -q >&2 || die "apt-get update failed"
	apt_updated=1
}

# Installs the Debian packages named when the file after each is missing.
ensure_packages() {
	missing=
	while [ $# -gt 0 ]; do
		[ -e "$2" ] || missing="$missing $1"
		shift 2
	done
	[ -z "$missing" ] && return 0
	[ "${VNET_E2E_NO_INSTALL:-}" = 1 ] &&
		die "missing packages:$missing (VNET_E2E_NO_INSTALL=1)"
	[ "$(id -u)" = 0 ] || die "missing packages:$missing; install them as root"
	log "installing$missing"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing >&2; then
		apt_update
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $missing >&2 ||
			die "apt-get install$missing failed"
	fi
}

# The kernel package: explicit, else the one already cached, else what the
# meta-package points at now.
resolve_kernel_pkg() {
	if [ -n "${VNET_E2E_KERNEL_PKG:-}" ]; then
		echo "$VNET_E2E_KERNEL_PKG"
		return 0
	fi
	if [ "${VNET_E2E_REFRESH:-}" != 1 ] && [ -s "$cache/kernel-pkg" ]; then
		cat "$cache/kernel-pkg"
		return 0
	fi
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' |
		head -n1)
	if [ -z "$pkg" ]; then
		apt_update
		pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' |
			head -n1)
	fi
	[ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64 with apt-cache"
	echo "$pkg"
}

fetch_kernel() {
	pkg=$1
	kver=${pkg#linux-image-}
	kdir=$cache/kernel/$kver
	[ -s "$kdir/vmlinuz" ] && [ -e "$kdir/.complete" ] && return 0

	dl=$cache/debs
	mkdir -p "$dl"
	if ! ls "$dl/${pkg}_"*.deb >/dev/null 2>&1; then
		log "downloading $pkg"
		# apt-get download writes to the current directory, which its
		# sandbox user (_apt) cannot; as root it would fall back with a
		# warning, so say so up front.
		sandbox=
		[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
		# shellcheck disable=SC2086
		if ! (cd "$dl" && apt-get download -q $sandbox "$pkg" >&2); then
			apt_update
			# shellcheck disable=SC2086
			(cd "$dl" && apt-get download -q $sandbox "$pkg" >&2) ||
				die "apt-get download $pkg failed"
		fi
	fi
	deb=$(ls "$dl/${pkg}_"*.deb | tail -n1)

	tmp=$cache/unpack.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$tmp"
	rm -rf "$kdir"
	mkdir -p "$kdir/modules"
	cp "$tmp/boot/vmlinuz-$kver" "$kdir/vmlinuz"
	for m in $MODULES; do
		f=$(find "$tmp/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" \
			-o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)
		[ -n "$f" ] || die "$m not found in $pkg"
		case "$f" in
		*.ko.xz) xz -dc "$f" >"$kdir/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$kdir/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$kdir/modules/$m.ko" ;;
		*) cp "$f" "$kdir/modules/$m.ko" ;;
		esac
	done
	rm -rf "$tmp"
	echo "$pkg" >"$kdir/package"
	: >"$kdir/.complete"
	# Only the kernel and a few modules are kept; the .deb can go.
	rm -f "$dl/${pkg}_"*.deb
}

# The initramfs is named after the kernel and a hash of everything in it that
# comes from this tree, so an edit to the guest scripts rebuilds it.
initrd_path() {
	kver=$1
	h=$( (cat "$here/guest-init.sh" "$here/guest-udhcpc.sh"; echo "$MODULES";
		ls -l /bin/busybox) | sha256sum | cut -c1-12)
	echo "$cache/initramfs-$kver-$h.cpio.gz"
}

build_initrd() {
	kver=$1
	out=$2
	[ -s "$out" ] && return 0
	kdir=$cache/kernel/$kver
	root=$cache/initrd.$$
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/sbin" "$root/dev" "$root/proc" "$root/sys" \
		"$root/tmp" "$root/etc" "$root/lib/modules" "$root/www/cgi-bin"
	file -L /bin/busybox | grep -q 'statically linked' ||
		die "/bin/busybox is not static (install busybox-static)"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$here/guest-init.sh" "$root/init"
	cp "$here/guest-udhcpc.sh" "$root/etc/udhcpc.script"
	chmod 755 "$root/init" "$root/etc/udhcpc.script"
	cp "$kdir/modules/"*.ko "$root/lib/modules/"
	# The kernel opens /dev/console before /init runs; without the node
	# early output is lost (init remounts devtmpfs over /dev anyway).
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$root/dev/console" c 5 1
	fi
	log "building $(basename "$out")"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
	# Drop initramfs images of older guest scripts for this kernel.
	for old in "$cache/initramfs-$kver-"*.cpio.gz; do
		[ "$old" = "$out" ] || rm -f "$old"
	done
}

print_vars() {
	echo "VNET_E2E_KERNEL=$cache/kernel/$1/vmlinuz"
	echo "VNET_E2E_INITRD=$2"
	echo "VNET_E2E_KVERSION=$1"
}

main() {
	ensure_packages \
		qemu-system-x86 /usr/bin/qemu-system-x86_64 \
		qemu-system-data /usr/share/qemu/qboot.rom \
		busybox-static /bin/busybox \
		cpio /usr/bin/cpio \
		file /usr/bin/file
	# busybox (dynamic) also provides /bin/busybox; the initramfs needs
	# the static one.
	if ! file -L /bin/busybox | grep -q 'statically linked'; then
		ensure_packages busybox-static /nonexistent
	fi

	pkg=$(resolve_kernel_pkg)
	kver=${pkg#linux-image-}
	fetch_kernel "$pkg"
	echo "$pkg" >"$cache/kernel-pkg"
	initrd=$(initrd_path "$kver")
	build_initrd "$kver" "$initrd"
	print_vars "$kver" "$initrd"
}

if [ "${1:-}" = "--print" ]; then
	pkg=$(cat "$cache/kernel-pkg" 2>/dev/null) || die "nothing cached in $cache"
	kver=${pkg#linux-image-}
	initrd=$(initrd_path "$kver")
	[ -s "$initrd" ] || die "no initramfs for $kver in $cache; run vm-kit.sh"
	print_vars "$kver" "$initrd"
	exit 0
fi

# One set-up at a time per cache (tests may run in parallel).
exec 9>"$cache/.lock"
flock 9
main
