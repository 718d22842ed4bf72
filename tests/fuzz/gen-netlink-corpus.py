#!/usr/bin/env python3
# Regenerates the netlink seed corpora from a real kernel: run as root in a
# throw-away namespace,
#   unshare -n python3 tests/fuzz/gen-netlink-corpus.py tests/fuzz/corpus
# It makes a few links of every kind libvnet knows (and one it does not),
# dumps them with RTM_GETLINK and stores each reply, then provokes a few
# error replies (with and without extended-ack text, capped and not).
import os
import socket
import struct
import subprocess
import sys

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = 1, 4, 0x200, 0x400, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IFLA_IFNAME, IFLA_LINKINFO, IFLA_EXT_MASK = 3, 18, 29
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_VXLAN_ID = 1
RTEXT_FILTER_SKIP_STATS = 1 << 3


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def msg(t, flags, seq, payload):
    return struct.pack("=IHHII", 16 + len(payload), t, flags, seq, 0) + payload


def ifinfo(index=0):
    return struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)


def split(data):
    off = 0
    while off + 16 <= len(data):
        n, t = struct.unpack_from("=IH", data, off)
        if n < 16 or off + n > len(data):
            break
        yield t, data[off:off + n]
        off += (n + 3) & ~3


def talk(sock, req, seq):
    sock.send(req)
    out = []
    while True:
        for t, m in split(sock.recv(65536)):
            out.append((t, m))
            if t in (NLMSG_ERROR, NLMSG_DONE):
                return out


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True)


def main(top):
    link_dir = os.path.join(top, "link")
    err_dir = os.path.join(top, "nl-error")
    os.makedirs(link_dir, exist_ok=True)
    os.makedirs(err_dir, exist_ok=True)

    ip("link", "add", "br0", "address", "02:00:00:00:00:01", "type", "bridge",
       "stp_state", "1", "forward_delay", "400", "ageing_time", "30000")
    ip("link", "add", "ve0", "mtu", "1400", "type", "veth", "peer", "name", "ve1")
    ip("link", "set", "ve0", "master", "br0")
    ip("link", "set", "ve0", "type", "bridge_slave", "isolated", "on", "learning", "off",
       "hairpin", "on")
    ip("link", "set", "lo", "up")
    ip("link", "add", "vx0", "type", "vxlan", "id", "42", "remote", "192.0.2.7",
       "local", "192.0.2.1", "dstport", "4789", "nolearning", "ttl", "16")
    ip("link", "add", "vx6", "type", "vxlan", "id", "16777215", "group", "ff05::1",
       "dev", "ve1", "dstport", "8472")
    ip("tuntap", "add", "dev", "tap0", "mode", "tap", "multi_queue", "vnet_hdr")
    ip("link", "set", "tap0", "master", "br0")
    ip("link", "add", "mv0", "link", "ve1", "type", "macvlan", "mode", "bridge")

    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    req = msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1,
              ifinfo() + attr(IFLA_EXT_MASK, struct.pack("=I", RTEXT_FILTER_SKIP_STATS)))
    for t, m in talk(s, req, 1):
        if t != RTM_NEWLINK:
            continue
        name = m[32:]
        off = 0
        while off + 4 <= len(name):
            n, at = struct.unpack_from("=HH", name, off)
            if n < 4:
                break
            if at == IFLA_IFNAME:
                with open(os.path.join(link_dir, name[off + 4:off + n].rstrip(b"\0").decode()), "wb") as f:
                    f.write(m)
                break
            off += (n + 3) & ~3

    # 802.1Q is missing on some kernels: a VLAN link as the kernel would
    # describe it, put together by hand (parent ifindex 2, id 100, 802.1ad).
    IFLA_MTU, IFLA_LINK, IFLA_ADDRESS = 4, 5, 1
    IFLA_VLAN_ID, IFLA_VLAN_FLAGS, IFLA_VLAN_PROTOCOL = 1, 2, 5
    vlan = msg(RTM_NEWLINK, 2, 1,
               struct.pack("=BxHiII", socket.AF_UNSPEC, 1, 9, 0x1043, 0) +
               attr(IFLA_IFNAME, b"vlan100\0") +
               attr(IFLA_ADDRESS, bytes.fromhex("020000000002")) +
               attr(IFLA_MTU, struct.pack("=I", 1496)) +
               attr(IFLA_LINK, struct.pack("=I", 2)) +
               attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"vlan\0") +
                    attr(IFLA_INFO_DATA, attr(IFLA_VLAN_PROTOCOL, struct.pack(">H", 0x88a8)) +
                         attr(IFLA_VLAN_ID, struct.pack("=H", 100)) +
                         attr(IFLA_VLAN_FLAGS, struct.pack("=II", 1, 0xffffffff)))))
    open(os.path.join(link_dir, "vlan100"), "wb").write(vlan)

    # A VNI out of range: the kernel answers with extended-ack text (and
    # the offending attribute's offset); uncapped, the error echoes our
    # request in front of the text.
    vni = msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 2,
              ifinfo() + attr(IFLA_IFNAME, b"vxbad\0") +
              attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"vxlan\0") +
                   attr(IFLA_INFO_DATA, attr(IFLA_VXLAN_ID, struct.pack("=I", 1 << 24)))))
    for t, m in talk(s, vni, 2):
        open(os.path.join(err_dir, "extack-uncapped"), "wb").write(m)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    for t, m in talk(s, vni, 3):
        open(os.path.join(err_dir, "extack-capped"), "wb").write(m)
    # An existing name: a plain EEXIST; and a successful change: an ack.
    dup = msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 4,
              ifinfo() + attr(IFLA_IFNAME, b"br0\0") +
              attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"bridge\0")))
    for t, m in talk(s, dup, 4):
        open(os.path.join(err_dir, "eexist"), "wb").write(m)
    ok = msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 5, ifinfo() + attr(IFLA_IFNAME, b"lo\0"))
    for t, m in talk(s, ok, 5):
        open(os.path.join(err_dir, "ack"), "wb").write(m)
    # A kind the kernel has no module for: EOPNOTSUPP with "Unknown device type".
    unk = msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 6,
              ifinfo() + attr(IFLA_IFNAME, b"xx0\0") +
              attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"nosuchkind\0")))
    for t, m in talk(s, unk, 6):
        open(os.path.join(err_dir, "unknown-kind"), "wb").write(m)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus")
