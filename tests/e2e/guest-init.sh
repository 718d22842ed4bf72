#!/bin/busybox sh
# /init of the test guest's initramfs. It reads what to do from vnet.* words
# on the kernel command line and reports each result on the console (ttyS0)
# as one line starting with "VNET-E2E: ", which the host side greps for:
#
#   vnet.resolve=NAMES  look each NAME (comma-separated) up (A record)
#                       through the DHCP-given DNS
#   vnet.fetch=URL      fetch URL with wget and print the body's first line
#   vnet.serve=PORT     serve /index.html (and /cgi-bin/poweroff) on PORT
#   vnet.token=WORD     put WORD in the served page (default: the MAC)
#   vnet.hold=SECONDS   stay up this long after "ready" (default 60)
#   vnet.dhcp=0         skip DHCP (only with vnet.probe=1 or for debugging)
#   vnet.probe=1        print "VNET-E2E: probe ok" and power off at once
#
# Markers, in order: init, lease, router, dns, domain, resolved|error,
# fetched|error, serving, ready, poweroff. Any failure prints
# "VNET-E2E: error WHAT ..."; a guest without a lease powers off at once.
# The guest powers off when /cgi-bin/poweroff is fetched or "hold" runs out;
# QEMU runs with -no-reboot, so "reboot -f" ends QEMU.

/bin/busybox mkdir -p /proc /sys /dev /tmp /run /etc /bin /sbin /www/cgi-bin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
exec </dev/console >/dev/console 2>&1
# Keep kernel messages from splitting marker lines from here on.
echo 1 >/proc/sys/kernel/printk

say() {
	echo "VNET-E2E: $*"
}

# arg KEY: the value of vnet.KEY= on the kernel command line.
arg() {
	for w in $(cat /proc/cmdline); do
		case "$w" in
		vnet."$1"=*) echo "${w#*=}"; return 0 ;;
		esac
	done
	return 1
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

finish() {
	say "poweroff $1 at $(uptime_s)"
	sync
	reboot -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

say "init $(uname -r) at $(uptime_s)"

if [ "$(arg probe)" = 1 ]; then
	say "probe ok"
	finish probe
fi

for m in virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio \
	 virtio_pci failover net_failover virtio_net; do
	out=$(insmod /lib/modules/$m.ko 2>&1) || case "$out" in
		*exists*) ;;	# built into this kernel
		*) say "error insmod $m: $out" ;;
	esac
	[ "$(arg debug)" = 1 ] && say "insmod $m at $(uptime_s)"
done

i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -e /sys/class/net/eth0 ]; then
	say "error no eth0 (links: $(ls /sys/class/net | tr '\n' ' '))"
	finish error
fi
mac=$(cat /sys/class/net/eth0/address)
say "link eth0 $mac at $(uptime_s)"
ip link set lo up
ip link set eth0 up

if [ "$(arg dhcp)" != 0 ]; then
	# -q: quit once bound; -n: give up after -t tries; the script
	# configures eth0 and prints the lease markers.
	if ! udhcpc -i eth0 -s /etc/udhcpc.script -q -n -f -t 15 -T 2 -A 1 \
		-x hostname:vnet-e2e >/tmp/udhcpc.log 2>&1; then
		say "error no lease: $(tail -n 3 /tmp/udhcpc.log | tr '\n' ' ')"
		finish error
	fi
	say "lease-time $(uptime_s)"
fi

dns=$(sed -n 's/^nameserver //p' /etc/resolv.conf 2>/dev/null | head -n1)

names=$(arg resolve) && for name in $(echo "$names" | tr ',' ' '); do
	if [ -z "$dns" ]; then
		say "error resolve $name: no DNS server from DHCP"
		continue
	fi
	out=$(timeout 15 nslookup -type=a "$name" "$dns" 2>&1)
	# The answer's addresses follow the "Name:" line; the server's own
	# "Address:" line comes before it.
	addr=$(echo "$out" | sed -n '/^Name:/,$s/^Address:[ \t]*//p' | head -n1)
	if [ -n "$addr" ]; then
		say "resolved $name $addr"
	else
		say "error resolve $name: $(echo "$out" | tr '\n\t' '  ')"
	fi
done

url=$(arg fetch) && {
	if timeout 30 wget -q -O /tmp/body "$url" 2>/tmp/wget.err; then
		say "fetched $(tr -d '\r' </tmp/body | head -n1)"
	else
		say "error fetch $url: $(tr '\n' ' ' </tmp/wget.err)"
	fi
}

port=$(arg serve) && {
	token=$(arg token) || token=$mac
	echo "vnet-e2e guest $token" >/www/index.html
	cat >/www/cgi-bin/poweroff <<'CGI'
#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "powering off"
touch /tmp/poweroff
CGI
	chmod 755 /www/cgi-bin/poweroff
	if httpd -p "$port" -h /www; then
		say "serving $port"
	else
		say "error serve $port"
	fi
}

hold=$(arg hold) || hold=60
say "ready at $(uptime_s)"
i=0
while [ $i -lt $((hold * 5)) ]; do
	if [ -e /tmp/poweroff ]; then
		sleep 0.2	# let httpd finish the reply
		finish requested
	fi
	sleep 0.2
	i=$((i + 1))
done
finish timeout
