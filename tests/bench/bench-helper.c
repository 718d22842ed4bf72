/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-helper - the small timing tools tests/bench/run.sh needs, in one
 * binary so the script can build it with one cc call:
 *
 *   bench-helper rpc SOCKET
 *       Read JSON-RPC request lines on stdin; send each on one connection,
 *       wait for its reply line (no pipelining) and print
 *       "MICROSECONDS ok|err" per request. Error replies go to stderr.
 *   bench-helper start-wait SOCKET TIMEOUT_MS LOG -- CMD ARGS...
 *       Start CMD (stdout and stderr to LOG, in the background), then connect
 *       to SOCKET until it accepts and answers daemon.status; print
 *       "PID MICROSECONDS" (from the fork to the answer). vnetd listens only
 *       once it has adopted everything, so this is "time until reconciled".
 *   bench-helper serve PORT
 *       TCP server on every address: accept, send one byte, read until the
 *       peer closes or resets, close. Runs until killed.
 *   bench-helper cps ADDR PORT MILLISECONDS
 *       Open connections one after another for the given time: connect,
 *       read the server's byte, close with a reset (no TIME_WAIT anywhere).
 *       Print connections per second.
 *   bench-helper dhcp-host rpc SOCKET NETWORK | file HOSTSFILE PIDFILE
 *                IFACE COUNT SUBNET
 *       COUNT times: add a static DHCP host (MAC 52:54:00:b3:00:I, address
 *       SUBNET.(100+I)) - through the dhcp.host.add RPC, or by hand:
 *       append "MAC,IP" to HOSTSFILE and SIGHUP the dnsmasq of PIDFILE -
 *       then send DHCPDISCOVERs with that MAC from IFACE (raw AF_PACKET
 *       frames, broadcast flag set, one every 250 µs) until an OFFER of
 *       exactly that address comes back. Prints "ADD_US SERVED_US" per
 *       host: the add alone (RPC until its reply; append + kill) and from
 *       the start of the add to the OFFER.
 *   bench-helper attach SOCKET NETWORK COUNT cycle|bulk [persistent]
 *       The attach RPC with return_fd (the tap's fd received by
 *       SCM_RIGHTS; "persistent": without, a persistent tap), then the
 *       detach RPC and close of the fd: "cycle" does attach + detach COUNT
 *       times, "bulk" COUNT attaches (all taps held at once) and then
 *       COUNT detaches. Prints "ATTACH_US DETACH_US" per tap.
 *   bench-helper tap-hand BRIDGE COUNT cycle|bulk
 *       The same by hand, as fast as C can: open /dev/net/tun + TUNSETIFF
 *       (a tap held by its fd, like vnet's return_fd), then one
 *       RTM_NEWLINK setting MAC, MTU, master and up (acked); detach =
 *       close the fd (the kernel deletes the tap).
 *
 * Every loop is bounded by a count, a timeout or end of input.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX (64u << 20)

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read one reply line into *buf (grown as needed); bytes after the newline
 * stay in the buffer for the next call (events could follow a reply).
 */
struct lbuf {
	char *data;
	size_t len, cap;
};

static int read_line(int fd, struct lbuf *b, size_t *line_len, int timeout_ms)
{
	for (;;) {
		char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			*line_len = (size_t)(nl - b->data) + 1;
			return 0;
		}
		if (b->cap - b->len < 65536) {
			size_t cap = b->cap ? b->cap * 2 : 131072;
			char *d;

			if (cap > REPLY_MAX)
				return -EMSGSIZE;
			d = realloc(b->data, cap);
			if (!d)
				return -ENOMEM;
			b->data = d;
			b->cap = cap;
		}
		if (poll(&p, 1, timeout_ms) == 0)
			return -ETIMEDOUT;
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		b->len += (size_t)n;
	}
}

static void consume(struct lbuf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* A reply is an error when it has a top-level "error" member; vnetd writes
 * replies as json-c does, so the member name appears verbatim. */
static int is_error(const char *line, size_t len)
{
	return memmem(line, len, "\"error\":", 8) != NULL &&
	       memmem(line, len, "\"result\":", 9) == NULL;
}

static int cmd_rpc(const char *sock)
{
	struct lbuf b = { 0 };
	char *req = NULL;
	size_t reqcap = 0;
	ssize_t reqlen;
	int fd, r = 0, errors = 0;

	fd = unix_connect(sock);
	if (fd < 0) {
		fprintf(stderr, "bench-helper: connect %s: %s\n", sock, strerror(-fd));
		return 1;
	}
	while ((reqlen = getline(&req, &reqcap, stdin)) > 0) {
		long long t0, t1;
		size_t ll;

		if (req[reqlen - 1] != '\n' || reqlen == 1)
			continue;
		t0 = now_us();
		r = write_all(fd, req, (size_t)reqlen);
		if (r == 0)
			r = read_line(fd, &b, &ll, 120000);
		t1 = now_us();
		if (r < 0) {
			fprintf(stderr, "bench-helper: %s\n", strerror(-r));
			break;
		}
		if (is_error(b.data, ll)) {
			errors++;
			fprintf(stderr, "%.*s", (int)(ll > 400 ? 400 : ll), b.data);
			if (ll > 400)
				fputc('\n', stderr);
		}
		printf("%lld %s\n", t1 - t0, is_error(b.data, ll) ? "err" : "ok");
		consume(&b, ll);
	}
	fflush(stdout);
	free(req);
	free(b.data);
	close(fd);
	return r < 0 ? 1 : errors ? 2 : 0;
}

static int cmd_start_wait(const char *sock, int timeout_ms, const char *log, char **argv)
{
	static const char status[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.status\"}\n";
	struct lbuf b = { 0 };
	long long t0, deadline;
	size_t ll;
	pid_t pid;
	int fd, r;

	t0 = now_us();
	deadline = t0 + (long long)timeout_ms * 1000;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (lfd < 0 || nfd < 0)
			_exit(127);
		dup2(nfd, 0);
		dup2(lfd, 1);
		dup2(lfd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		fd = unix_connect(sock);
		if (fd >= 0)
			break;
		if (now_us() > deadline || waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "bench-helper: %s never accepted\n", sock);
			return 1;
		}
		usleep(500);
	}
	r = write_all(fd, status, sizeof(status) - 1);
	if (r == 0)
		r = read_line(fd, &b, &ll, timeout_ms);
	close(fd);
	free(b.data);
	if (r < 0) {
		fprintf(stderr, "bench-helper: daemon.status: %s\n", strerror(-r));
		return 1;
	}
	printf("%d %lld\n", (int)pid, now_us() - t0);
	return 0;
}

static int cmd_serve(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd;

	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0) {
		perror("bench-helper serve");
		return 1;
	}
	for (;;) {
		char buf[64];
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		if (write(c, "x", 1) == 1) {
			struct pollfd p = { .fd = c, .events = POLLIN };

			/* bounded: the client resets right after reading */
			while (poll(&p, 1, 1000) > 0 && read(c, buf, sizeof(buf)) > 0)
				;
		}
		close(c);
	}
}

static int cmd_cps(const char *addr, int port, int ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long long t0, end, n = 0, fails = 0;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench-helper: bad address %s\n", addr);
		return 1;
	}
	t0 = now_us();
	end = t0 + (long long)ms * 1000;
	while (now_us() < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;

		if (fd < 0)
			return 1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    poll(&p, 1, 1000) == 1 && read(fd, &c, 1) == 1)
			n++;
		else if (++fails > 1000) {
			fprintf(stderr, "bench-helper: connections to %s:%d keep failing\n", addr, port);
			close(fd);
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	printf("%.0f\n", (double)n * 1e6 / (double)(now_us() - t0));
	return 0;
}

/* ---------------------------------------------------------- RPC with fds */

/*
 * read_line() that also takes the fds sent with the bytes (SCM_RIGHTS):
 * up to *nfds of them land in fds[], any more are closed.
 */
static int read_line_fds(int fd, struct lbuf *b, size_t *line_len, int timeout_ms, int *fds, size_t *nfds)
{
	size_t max = *nfds;

	*nfds = 0;
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 16)];
			struct cmsghdr align;
		} cbuf;
		char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct iovec iov;
		struct msghdr mh = { 0 };
		ssize_t n;

		if (nl) {
			*line_len = (size_t)(nl - b->data) + 1;
			return 0;
		}
		if (b->cap - b->len < 65536) {
			size_t cap = b->cap ? b->cap * 2 : 131072;
			char *d;

			if (cap > REPLY_MAX)
				return -EMSGSIZE;
			d = realloc(b->data, cap);
			if (!d)
				return -ENOMEM;
			b->data = d;
			b->cap = cap;
		}
		if (poll(&p, 1, timeout_ms) == 0)
			return -ETIMEDOUT;
		iov.iov_base = b->data + b->len;
		iov.iov_len = b->cap - b->len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(f));
				if (*nfds < max)
					fds[(*nfds)++] = f;
				else
					close(f);
			}
		}
		if (n == 0)
			return -ECONNRESET;
		b->len += (size_t)n;
	}
}

/* One request, its reply line in b (length *ll, consume() it after use). */
static int call(int fd, struct lbuf *b, const char *req, size_t *ll, int *fds, size_t *nfds)
{
	size_t none = 0;
	int r = write_all(fd, req, strlen(req));

	if (r == 0)
		r = read_line_fds(fd, b, ll, 60000, fds, fds ? nfds : &none);
	if (r == 0 && is_error(b->data, *ll)) {
		fprintf(stderr, "bench-helper: %.*s", (int)(*ll > 400 ? 400 : *ll), b->data);
		consume(b, *ll);
		return -EPROTO;
	}
	return r;
}

/* The string value of "key":"..." in a reply line (no escapes in tap names). */
static int json_str(const char *line, size_t len, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = memmem(line, len, pat, strlen(pat));
	if (!p)
		return -ENOENT;
	p += strlen(pat);
	e = memchr(p, '"', len - (size_t)(p - line));
	if (!e || (size_t)(e - p) >= outlen)
		return -EINVAL;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = 0;
	return 0;
}

/* ------------------------------------------------------ DHCP host add */

struct dhcp_probe {
	int fd;
	uint8_t mac[6];
	uint32_t xid;
};

static uint16_t ip_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* A DHCPDISCOVER from mac, broadcast, as a whole Ethernet frame. */
static int dhcp_discover(const struct dhcp_probe *p)
{
	uint8_t f[14 + 20 + 8 + 300] = { 0 };
	uint8_t *ip = f + 14, *udp = ip + 20, *bp = udp + 8, *o = bp + 236;
	uint16_t v;
	uint32_t x = htonl(p->xid);

	memset(f, 0xff, 6);
	memcpy(f + 6, p->mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	v = htons((uint16_t)(sizeof(f) - 14));
	memcpy(ip + 2, &v, 2);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memset(ip + 16, 0xff, 4);
	v = ip_csum(ip, 20);
	memcpy(ip + 10, &v, 2);
	udp[1] = 68;
	udp[3] = 67;
	v = htons((uint16_t)(sizeof(f) - 14 - 20));
	memcpy(udp + 4, &v, 2);        /* checksum 0: none (allowed over IPv4) */
	bp[0] = 1;                     /* BOOTREQUEST */
	bp[1] = 1;
	bp[2] = 6;
	memcpy(bp + 4, &x, 4);
	bp[10] = 0x80;                 /* broadcast flag: the OFFER comes broadcast */
	memcpy(bp + 28, p->mac, 6);
	memcpy(o, "\x63\x82\x53\x63" "\x35\x01\x01" "\x37\x02\x01\x03" "\xff", 12);
	return send(p->fd, f, sizeof(f), 0) == (ssize_t)sizeof(f) ? 0 : -errno;
}

/* 1 when the frame is a DHCPOFFER of want for our xid, else 0. */
static int dhcp_is_offer(const struct dhcp_probe *p, const uint8_t *f, size_t n, uint32_t want)
{
	const uint8_t *ip = f + 14, *bp, *o, *end = f + n;
	uint32_t xid, yi;
	size_t ihl;

	if (n < 14 + 20 + 8 + 240 || f[12] != 0x08 || f[13] != 0 || ip[9] != IPPROTO_UDP)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ip[ihl + 2] != 0 || ip[ihl + 3] != 68)
		return 0;
	bp = ip + ihl + 8;
	if (bp + 240 > end || bp[0] != 2)
		return 0;
	memcpy(&xid, bp + 4, 4);
	memcpy(&yi, bp + 16, 4);
	if (ntohl(xid) != p->xid || memcmp(bp + 28, p->mac, 6))
		return 0;
	for (o = bp + 240; o + 2 <= end && o[0] != 255; o += o[0] ? 2 + o[1] : 1)
		if (o[0] == 53 && o[1] == 1)
			return o[2] == 2 && yi == want;
	return 0;
}

#define DHCP_RESEND_US 250
#define DHCP_WAIT_US 5000000

/* Send DISCOVERs until the OFFER of want arrives; -ETIMEDOUT after 5 s. */
static int dhcp_wait_offer(struct dhcp_probe *p, uint32_t want)
{
	long long start = now_us(), next = start;
	uint8_t f[2048];

	for (;;) {
		long long t = now_us();
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		struct timespec ts;
		ssize_t n;

		if (t - start > DHCP_WAIT_US)
			return -ETIMEDOUT;
		if (t >= next) {
			int r = dhcp_discover(p);

			if (r < 0)
				return r;
			next = t + DHCP_RESEND_US;
			continue;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (next - t) * 1000;
		if (ppoll(&pf, 1, &ts, NULL) <= 0)
			continue;
		while ((n = recv(p->fd, f, sizeof(f), MSG_DONTWAIT)) > 0)
			if (dhcp_is_offer(p, f, (size_t)n, want))
				return 0;
	}
}

static int packet_socket(const char *ifname)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	int fd;

	sa.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sa.sll_ifindex)
		return -ENODEV;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int add_by_hand(const char *hosts, const char *pidfile, const char *mac, const char *ip)
{
	char line[64], pid[32] = "";
	int fd, n, r = 0;

	fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = (int)read(fd, pid, sizeof(pid) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	fd = open(hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%s,%s\n", mac, ip);
	if (write_all(fd, line, (size_t)n) < 0)
		r = -EIO;
	close(fd);
	if (r == 0 && kill(atoi(pid), SIGHUP) < 0)
		r = -errno;
	return r;
}

static int cmd_dhcp_host(char **argv, int argc)
{
	const bool rpc = !strcmp(argv[0], "rpc");
	const char *ifname = argv[3], *subnet = argv[5];
	int count = atoi(argv[4]), sock = -1, r = 0;
	struct dhcp_probe p = { .fd = -1 };
	struct lbuf b = { 0 };

	if (argc != 6 || (!rpc && strcmp(argv[0], "file")) || count < 1 || count > 150)
		return 64;
	p.fd = packet_socket(ifname);
	if (p.fd < 0) {
		fprintf(stderr, "bench-helper: packet socket on %s: %s\n", ifname, strerror(-p.fd));
		return 1;
	}
	if (rpc) {
		sock = unix_connect(argv[1]);
		if (sock < 0) {
			fprintf(stderr, "bench-helper: connect %s: %s\n", argv[1], strerror(-sock));
			return 1;
		}
	}
	for (int i = 0; i < count && r == 0; i++) {
		char mac[24], ip[INET_ADDRSTRLEN + 8], req[512];
		struct in_addr want;
		long long t0, t1, t2;
		size_t ll;

		memcpy(p.mac, "\x52\x54\x00\xb3\x00", 5);
		p.mac[5] = (uint8_t)i;
		p.xid = (uint32_t)getpid() << 8 | (uint32_t)i;
		snprintf(mac, sizeof(mac), "52:54:00:b3:00:%02x", i);
		snprintf(ip, sizeof(ip), "%s.%d", subnet, 100 + i);
		if (inet_pton(AF_INET, ip, &want) != 1)
			return 64;
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"dhcp.host.add\","
			 "\"params\":{\"network\":\"%s\",\"mac\":\"%s\",\"ip\":\"%s\"}}\n", i, argv[2], mac, ip);
		t0 = now_us();
		if (rpc) {
			r = call(sock, &b, req, &ll, NULL, NULL);
			if (r == 0)
				consume(&b, ll);
		} else {
			r = add_by_hand(argv[1], argv[2], mac, ip);
		}
		t1 = now_us();
		if (r == 0)
			r = dhcp_wait_offer(&p, want.s_addr);
		t2 = now_us();
		if (r < 0) {
			fprintf(stderr, "bench-helper: host %s %s: %s\n", mac, ip, strerror(-r));
			break;
		}
		printf("%lld %lld\n", t1 - t0, t2 - t0);
	}
	fflush(stdout);
	free(b.data);
	if (sock >= 0)
		close(sock);
	close(p.fd);
	return r < 0 ? 1 : 0;
}

/* ------------------------------------------------------- tap attach */

#define ATTACH_MAX 4096

struct held_tap {
	char name[IFNAMSIZ];
	int fd;
};

/* bulk holds up to ATTACH_MAX fds at once */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < ATTACH_MAX + 64) {
		rl.rlim_cur = rl.rlim_max < ATTACH_MAX + 64 ? rl.rlim_max : ATTACH_MAX + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int vnet_attach_one(int fd, struct lbuf *b, const char *network, bool persistent, int id,
			   struct held_tap *t)
{
	char req[512];
	int fds[16];
	size_t ll, nfds = 16;
	int r;

	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"attach\","
		 "\"params\":{\"network\":\"%s\",\"return_fd\":%s}}\n", id, network,
		 persistent ? "false" : "true");
	t->fd = -1;
	r = call(fd, b, req, &ll, fds, &nfds);
	if (r < 0)
		return r;
	r = json_str(b->data, ll, "tap", t->name, sizeof(t->name));
	consume(b, ll);
	if (r == 0 && nfds != (persistent ? 0u : 1u))
		r = -EBADMSG;
	for (size_t k = 0; k < nfds; k++) {
		if (k == 0 && r == 0)
			t->fd = fds[k];
		else
			close(fds[k]);
	}
	if (r < 0)
		fprintf(stderr, "bench-helper: attach reply without a tap name, or with %zu fds\n", nfds);
	return r;
}

static int vnet_detach_one(int fd, struct lbuf *b, int id, struct held_tap *t)
{
	char req[512];
	size_t ll;
	int r;

	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"detach\","
		 "\"params\":{\"tap\":\"%s\"}}\n", id, t->name);
	r = call(fd, b, req, &ll, NULL, NULL);
	if (r == 0)
		consume(b, ll);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return r;
}

static void rta_put(struct nlmsghdr *n, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* MAC, MTU, master and up in one acked RTM_NEWLINK. */
static int tap_link_setup(int nl, int ifindex, const uint8_t mac[6], uint32_t mtu, uint32_t master, uint32_t seq)
{
	union {
		char buf[512];
		struct nlmsghdr align;
	} m = { 0 };
	struct nlmsghdr *n = &m.align;
	struct ifinfomsg *ifi;
	ssize_t got;

	n->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	n->nlmsg_type = RTM_NEWLINK;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = seq;
	ifi = NLMSG_DATA(n);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	rta_put(n, IFLA_ADDRESS, mac, 6);
	rta_put(n, IFLA_MTU, &mtu, 4);
	rta_put(n, IFLA_MASTER, &master, 4);
	if (send(nl, n, n->nlmsg_len, 0) < 0)
		return -errno;
	got = recv(nl, m.buf, sizeof(m.buf), 0);
	if (got < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || n->nlmsg_type != NLMSG_ERROR)
		return -EBADMSG;
	return ((struct nlmsgerr *)NLMSG_DATA(n))->error;
}

/* By hand: a tap held by its fd, on the bridge, up. */
static int hand_attach_one(int nl, uint32_t master, int i, struct held_tap *t)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xb5, (uint8_t)(i >> 8), (uint8_t)i };
	int r = 0;

	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "htap%d", i);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0)
		r = -errno;
	if (r == 0)
		r = tap_link_setup(nl, (int)if_nametoindex(ifr.ifr_name), mac, 1500, master, (uint32_t)i + 1);
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	return r;
}

/*
 * cycle: attach, detach, COUNT times; bulk: COUNT attaches (all taps held),
 * then COUNT detaches. "ATTACH_US DETACH_US" per tap either way.
 */
static int cmd_attach(const char *path, const char *bridge, const char *network, int count, bool bulk,
		      bool persistent)
{
	struct held_tap *t = calloc((size_t)count, sizeof(*t));
	long long *ta = calloc((size_t)count, sizeof(*ta)), *td = calloc((size_t)count, sizeof(*td));
	uint32_t master = 0;
	struct lbuf b = { 0 };
	int fd = -1, done = 0, r = 0;

	if (!t || !ta || !td || count < 1 || count > ATTACH_MAX)
		return 64;
	raise_nofile();
	if (bridge) {
		master = if_nametoindex(bridge);
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (!master || fd < 0) {
			fprintf(stderr, "bench-helper: no bridge %s or no rtnetlink\n", bridge);
			return 1;
		}
	} else {
		fd = unix_connect(path);
		if (fd < 0) {
			fprintf(stderr, "bench-helper: connect %s: %s\n", path, strerror(-fd));
			return 1;
		}
	}
	for (int pass = 0; pass < (bulk ? 2 : 1) && r == 0; pass++) {
		for (int i = 0; i < count && r == 0; i++) {
			long long t0 = now_us(), t1;

			if (pass == 0)
				r = bridge ? hand_attach_one(fd, master, i, &t[i]) :
					     vnet_attach_one(fd, &b, network, persistent, 2 * i, &t[i]);
			t1 = now_us();
			if (pass == 0)
				ta[i] = t1 - t0;
			if (r < 0 || (bulk && pass == 0))
				continue;
			if (bridge) {
				close(t[i].fd);
				t[i].fd = -1;
			} else {
				r = vnet_detach_one(fd, &b, 2 * i + 1, &t[i]);
			}
			td[i] = now_us() - t1;
			done = i + 1;
		}
	}
	for (int i = 0; i < done; i++)
		printf("%lld %lld\n", ta[i], td[i]);
	fflush(stdout);
	free(b.data);
	free(t);
	free(ta);
	free(td);
	close(fd);
	if (r < 0)
		fprintf(stderr, "bench-helper: attach/detach after %d: %s\n", done, strerror(-r));
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "rpc"))
		return cmd_rpc(argv[2]);
	if (argc >= 7 && !strcmp(argv[1], "start-wait") && !strcmp(argv[5], "--"))
		return cmd_start_wait(argv[2], atoi(argv[3]), argv[4], argv + 6);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return cmd_serve(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "cps"))
		return cmd_cps(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 8 && !strcmp(argv[1], "dhcp-host"))
		return cmd_dhcp_host(argv + 2, argc - 2);
	if ((argc == 6 || (argc == 7 && !strcmp(argv[6], "persistent"))) && !strcmp(argv[1], "attach") &&
	    (!strcmp(argv[5], "cycle") || !strcmp(argv[5], "bulk")))
		return cmd_attach(argv[2], NULL, argv[3], atoi(argv[4]), !strcmp(argv[5], "bulk"), argc == 7);
	if (argc == 5 && !strcmp(argv[1], "tap-hand") && (!strcmp(argv[4], "cycle") || !strcmp(argv[4], "bulk")))
		return cmd_attach(NULL, argv[2], NULL, atoi(argv[3]), !strcmp(argv[4], "bulk"), false);
	fprintf(stderr, "usage: bench-helper rpc SOCKET | start-wait SOCKET MS LOG -- CMD... |"
		" serve PORT | cps ADDR PORT MS |\n"
		"  dhcp-host rpc SOCKET NETWORK|file HOSTS PIDFILE IFACE COUNT SUBNET |\n"
		"  attach SOCKET NETWORK COUNT cycle|bulk [persistent] | tap-hand BRIDGE COUNT cycle|bulk\n");
	return 64;
}
