#!/bin/sh
# udhcpc's event script in the test guest: configures eth0 from the lease and
# prints it as VNET-E2E markers on the console (udhcpc's own output goes to a
# log file).
# udhcpc passes the lease in the environment: interface, ip, mask, router,
# dns, domain, serverid.
# shellcheck disable=SC2154
say() {
	echo "VNET-E2E: $*" >/dev/console
}

case "$1" in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do
		ip route add default via "$r" dev "$interface"
		break
	done
	: >/etc/resolv.conf
	for d in $dns; do
		echo "nameserver $d" >>/etc/resolv.conf
	done
	[ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
	say "lease $ip"
	say "mask ${mask:-?}"
	say "router ${router:-none}"
	say "dns ${dns:-none}"
	say "domain ${domain:-none}"
	say "server ${serverid:-?}"
	;;
leasefail|nak)
	echo "udhcpc: $1 ${message:-}"
	;;
esac
exit 0
