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
 *
 * Every loop is bounded by a count, a timeout or end of input.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	fprintf(stderr, "usage: bench-helper rpc SOCKET | start-wait SOCKET MS LOG -- CMD... |"
		" serve PORT | cps ADDR PORT MS\n");
	return 64;
}
