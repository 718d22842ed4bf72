/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetctl without vnetd: the printer's text and JSON from the same calls,
 * argument parsing, and whole command lines run against a fake JSON-RPC
 * server on a socket in a temporary directory that records each request and
 * answers from a script. What is checked is vnetctl's own behaviour: the
 * requests it sends, what it prints, and its exit codes.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testlib.h"
#include "client.h"
#include "print.h"
#include "vnetctl.h"

/* ---- the printer ---- */

static char *print_both(bool json, void (*fn)(struct printer *p))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct printer *p = printer_new(f, json, false);

	fn(p);
	printer_free(p);
	fclose(f);
	return buf;
}

static void table_calls(struct printer *p)
{
	static const char *const headers[] = { "NAME", "MODE", "ACTIVE", NULL };

	print_table_open(p, NULL, headers);
	print_row_open(p);
	print_string(p, PRINT_ANY, "name", NULL, "default");
	print_string(p, PRINT_ANY, "mode", NULL, "nat");
	print_bool(p, PRINT_ANY, "active", NULL, true);
	print_uint(p, PRINT_JSON, "mtu", NULL, 1500);
	print_row_close(p);
	print_row_open(p);
	print_string(p, PRINT_ANY, "name", NULL, "lab");
	print_string(p, PRINT_ANY, "mode", NULL, "isolated");
	print_bool(p, PRINT_ANY, "active", NULL, false);
	print_uint(p, PRINT_JSON, "mtu", NULL, 9000);
	print_row_close(p);
	print_table_close(p);
}

static void test_print_table(void)
{
	char *text = print_both(false, table_calls), *json = print_both(true, table_calls);

	CU_ASSERT_STRING_EQUAL(text,
			       "NAME     MODE      ACTIVE\n"
			       "default  nat       yes\n"
			       "lab      isolated  no\n");
	CU_ASSERT_STRING_EQUAL(json,
			       "[{\"name\":\"default\",\"mode\":\"nat\",\"active\":true,\"mtu\":1500},"
			       "{\"name\":\"lab\",\"mode\":\"isolated\",\"active\":false,\"mtu\":9000}]\n");
	free(text);
	free(json);
}

static void record_calls(struct printer *p)
{
	print_open_object(p, NULL);
	print_text(p, "started network '%s'\n", "default");
	print_string(p, PRINT_JSON, "name", NULL, "default");
	print_int(p, PRINT_ANY, "delta", "delta %s\n", -3);
	print_null(p, PRINT_ANY, "note", "note %s\n");
	print_close_object(p);
}

static void test_print_text_only_and_json_only(void)
{
	char *text = print_both(false, record_calls), *json = print_both(true, record_calls);

	CU_ASSERT_STRING_EQUAL(text, "started network 'default'\ndelta -3\nnote -\n");
	CU_ASSERT_STRING_EQUAL(json, "{\"name\":\"default\",\"delta\":-3,\"note\":null}\n");
	free(text);
	free(json);
}

static struct json_object *outline_input;

static void outline_calls(struct printer *p)
{
	print_value(p, PRINT_ANY, NULL, NULL, outline_input);
}

static void test_print_outline(void)
{
	char *text, *json;

	outline_input = json_tokener_parse(
		"{\"name\":\"default\",\"mode\":\"nat\",\"autostart\":true,"
		"\"ipv4\":{\"address\":\"192.168.122.1/24\",\"nat\":{\"uplink\":\"eth0\"}},"
		"\"forwards\":[{\"proto\":\"tcp\",\"port\":8080},{\"proto\":\"udp\",\"port\":\"53-54\"}],"
		"\"peers\":[\"10.0.0.1\",\"10.0.0.2\"],\"tags\":[],\"uplink\":null,\"up\":0.032695000000000002}");
	text = print_both(false, outline_calls);
	json = print_both(true, outline_calls);
	CU_ASSERT_STRING_EQUAL(text,
			       "name:      default\n"
			       "mode:      nat\n"
			       "autostart: yes\n"
			       "ipv4:\n"
			       "  address: 192.168.122.1/24\n"
			       "  nat:\n"
			       "    uplink: eth0\n"
			       "forwards:\n"
			       "  - proto: tcp\n"
			       "    port:  8080\n"
			       "  - proto: udp\n"
			       "    port:  53-54\n"
			       "peers:     10.0.0.1, 10.0.0.2\n"
			       "tags:      -\n"
			       "uplink:    -\n"
			       "up:        0.032695\n");
	/* JSON is what came in, member for member. */
	{
		struct json_object *back = json_tokener_parse(json);

		CU_ASSERT_TRUE(json_object_equal(back, outline_input));
		json_object_put(back);
	}
	json_object_put(outline_input);
	free(text);
	free(json);
}

static void test_print_utf8_width(void)
{
	static const char *const headers[] = { "A", "B", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct printer *p = printer_new(f, false, false);

	print_table_open(p, NULL, headers);
	print_row_open(p);
	print_string(p, PRINT_ANY, "a", NULL, "h\xc3\xa9");  /* "hé": 2 columns, 3 bytes */
	print_string(p, PRINT_ANY, "b", NULL, "x");
	print_row_close(p);
	print_row_open(p);
	print_string(p, PRINT_ANY, "a", NULL, "abc");
	print_row_close(p);
	print_table_close(p);
	printer_free(p);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "A    B\nh\xc3\xa9   x\nabc  -\n");
	free(buf);
}

/* ---- parsers ---- */

static void test_parse_port(void)
{
	struct json_object *port;
	char why[256];

	CU_ASSERT_EQUAL(vnetctl_parse_port("8080", &port, why, sizeof(why)), 0);
	CU_ASSERT_TRUE(json_object_is_type(port, json_type_int));
	CU_ASSERT_EQUAL(json_object_get_int(port), 8080);
	json_object_put(port);

	CU_ASSERT_EQUAL(vnetctl_parse_port("8000-8010", &port, why, sizeof(why)), 0);
	CU_ASSERT_TRUE(json_object_is_type(port, json_type_string));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(port), "8000-8010");
	json_object_put(port);

	CU_ASSERT_EQUAL(vnetctl_parse_port("53-53", &port, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(json_object_get_int(port), 53);
	json_object_put(port);

	CU_ASSERT_EQUAL(vnetctl_parse_port("0", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "port '0' is not a port (1-65535) or a range LO-HI");
	CU_ASSERT_EQUAL(vnetctl_parse_port("65536", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_port("http", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_port("80-", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_port("-80", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_port("", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_port("90-80", &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "port range '90-80' runs backwards (90 > 80)");
	CU_ASSERT_PTR_NULL(port);
}

static void test_parse_target(void)
{
	struct json_object *port;
	char why[256], *addr;

	CU_ASSERT_EQUAL(vnetctl_parse_target("192.168.122.10:80", &addr, &port, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(addr, "192.168.122.10");
	CU_ASSERT_EQUAL(json_object_get_int(port), 80);
	free(addr);
	json_object_put(port);

	CU_ASSERT_EQUAL(vnetctl_parse_target("192.168.122.10", &addr, &port, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(addr, "192.168.122.10");
	CU_ASSERT_PTR_NULL(port);
	free(addr);

	CU_ASSERT_EQUAL(vnetctl_parse_target("[fd00::10]:8000", &addr, &port, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(addr, "fd00::10");
	CU_ASSERT_EQUAL(json_object_get_int(port), 8000);
	free(addr);
	json_object_put(port);

	/* The target port is where a range starts on the guest: one number. */
	CU_ASSERT_EQUAL(vnetctl_parse_target("10.0.0.1:80-90", &addr, &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "target port '80-90' is not a port (1-65535)");

	CU_ASSERT_EQUAL(vnetctl_parse_target("fd00::10", &addr, &port, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(addr, "fd00::10");
	CU_ASSERT_PTR_NULL(port);
	free(addr);

	CU_ASSERT_EQUAL(vnetctl_parse_target("[fd00::10", &addr, &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_target("[fd00::10]x", &addr, &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(vnetctl_parse_target(":80", &addr, &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "target ':80' has no address");
	CU_ASSERT_EQUAL(vnetctl_parse_target("10.0.0.1:0", &addr, &port, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NULL(addr);
}

static void test_client_messages(void)
{
	struct json_object *params = json_tokener_parse("{\"name\":\"a/b\"}"), *e;
	struct rpc_error err;
	char *line;

	line = client_format_request(7, "network.start", params);
	CU_ASSERT_STRING_EQUAL(line,
			       "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"network.start\","
			       "\"params\":{\"name\":\"a/b\"}}\n");
	free(line);
	line = client_format_request(8, "daemon.status", NULL);
	CU_ASSERT_STRING_EQUAL(line, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"daemon.status\"}\n");
	free(line);
	json_object_put(params);

	e = json_tokener_parse("{\"code\":-32000,\"message\":\"network 'x' exists\","
			       "\"data\":{\"reason\":\"EEXIST\"}}");
	CU_ASSERT_EQUAL(client_parse_error(e, &err), 0);
	CU_ASSERT_EQUAL(err.code, -32000);
	CU_ASSERT_STRING_EQUAL(err.message, "network 'x' exists");
	CU_ASSERT_STRING_EQUAL(err.reason, "EEXIST");
	rpc_error_clear(&err);
	json_object_put(e);

	e = json_tokener_parse("{\"code\":-32601}");
	CU_ASSERT_EQUAL(client_parse_error(e, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.message, "error -32601 (no message)");
	CU_ASSERT_PTR_NULL(err.reason);
	rpc_error_clear(&err);
	json_object_put(e);

	e = json_tokener_parse("{\"message\":\"no code\"}");
	CU_ASSERT_EQUAL(client_parse_error(e, &err), -EBADMSG);
	rpc_error_clear(&err);
	json_object_put(e);
}

/* ---- a fake vnetd ---- */

/*
 * The script, one step a string:
 *   "<JSON"  read one request, answer with JSON's members plus jsonrpc and
 *            the request's id ("<" alone answers {"result":null})
 *   ">TEXT"  send TEXT and a newline as they are
 *   "r"      read one request and answer nothing
 *   "F"      the next answer also carries an open fd (a pipe's write end)
 *   "x"      close the connection
 * After the script the fake waits for the client to hang up.
 */
struct fake {
	char dir[64];
	char path[100];
	int lfd;
	pthread_t thread;
	const char *const *script;
	char *requests[16];
	int nrequests;
	int pipe_rd;            /* the read end of the pipe passed by "F" */
	bool connected;
};

static int fake_send(int fd, const char *s, int pass_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)s, .iov_len = strlen(s) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* One request line (up to '\n'), or NULL when the peer hung up or went quiet for 5 s. */
static char *fake_read_line(int fd)
{
	char *line = NULL;
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c;

		if (poll(&pfd, 1, 5000) <= 0 || read(fd, &c, 1) != 1) {
			free(line);
			return NULL;
		}
		if (c == '\n')
			break;
		line = realloc(line, len + 2);
		line[len++] = c;
		line[len] = '\0';
	}
	return line ? line : strdup("");
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };
	int cfd, pass = -1;
	char c;

	if (poll(&pfd, 1, 5000) <= 0)
		return NULL;
	cfd = accept(f->lfd, NULL, NULL);
	if (cfd < 0)
		return NULL;
	f->connected = true;
	for (const char *const *step = f->script; step && *step; step++) {
		const char *s = *step;

		if (s[0] == 'F') {
			int p[2];

			if (pipe(p) == 0) {
				f->pipe_rd = p[0];
				pass = p[1];
			}
		} else if (s[0] == 'x') {
			goto out;
		} else if (s[0] == 'r') {
			char *req = fake_read_line(cfd);

			if (!req)
				goto out;
			if (f->nrequests < 16)
				f->requests[f->nrequests++] = req;
			else
				free(req);
		} else if (s[0] == '>') {
			char *line;

			if (asprintf(&line, "%s\n", s + 1) < 0 || fake_send(cfd, line, -1) < 0) {
				free(line);
				goto out;
			}
			free(line);
		} else if (s[0] == '<') {
			char *req = fake_read_line(cfd), *line;
			struct json_object *rq, *rs, *id = NULL;

			if (!req)
				goto out;
			rq = json_tokener_parse(req);
			if (f->nrequests < 16)
				f->requests[f->nrequests++] = req;
			else
				free(req);
			rs = json_tokener_parse(s[1] ? s + 1 : "{\"result\":null}");
			json_object_object_get_ex(rq, "id", &id);
			json_object_object_add(rs, "jsonrpc", json_object_new_string("2.0"));
			json_object_object_add(rs, "id", json_object_get(id));
			if (asprintf(&line, "%s\n", json_object_to_json_string_ext(rs,
				     JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) >= 0) {
				fake_send(cfd, line, pass);
				free(line);
			}
			if (pass >= 0)
				close(pass);
			pass = -1;
			json_object_put(rq);
			json_object_put(rs);
		}
	}
	/* Wait for the client to go (or 5 s). */
	pfd.fd = cfd;
	while (poll(&pfd, 1, 5000) > 0 && read(cfd, &c, 1) == 1)
		;
out:
	close(cfd);
	return NULL;
}

static struct fake *fake_start(const char *const *script)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-vnetctl.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vnetd.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(f->lfd >= 0);
	CU_ASSERT_FATAL(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(f->lfd, 4) == 0);
	f->script = script;
	f->pipe_rd = -1;
	CU_ASSERT_FATAL(pthread_create(&f->thread, NULL, fake_main, f) == 0);
	return f;
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
	for (int i = 0; i < f->nrequests; i++)
		free(f->requests[i]);
	if (f->pipe_rd >= 0)
		close(f->pipe_rd);
	free(f);
}

/* The params of recorded request @i, and a check of its method. */
static struct json_object *fake_params(struct fake *f, int i, const char *method)
{
	struct json_object *rq, *v, *params = NULL;

	CU_ASSERT_FATAL(i < f->nrequests);
	rq = json_tokener_parse(f->requests[i]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rq);
	CU_ASSERT_TRUE(json_object_object_get_ex(rq, "jsonrpc", &v) &&
		       !strcmp(json_object_get_string(v), "2.0"));
	CU_ASSERT_TRUE(json_object_object_get_ex(rq, "id", &v) && json_object_is_type(v, json_type_int));
	CU_ASSERT_TRUE(json_object_object_get_ex(rq, "method", &v) &&
		       !strcmp(json_object_get_string(v), method));
	if (json_object_object_get_ex(rq, "params", &v))
		params = json_object_get(v);
	json_object_put(rq);
	return params;
}

static void assert_params(struct fake *f, int i, const char *method, const char *expect)
{
	struct json_object *got = fake_params(f, i, method), *want = json_tokener_parse(expect);

	CU_ASSERT_TRUE(json_object_equal(got, want));
	if (!json_object_equal(got, want))
		fprintf(stderr, "params: got %s, want %s\n", json_object_to_json_string(got), expect);
	json_object_put(got);
	json_object_put(want);
}

struct run {
	int status;
	char *out, *err;
};

/* Run one vnetctl command line (words separated by spaces) against @f (NULL: a dead socket). */
static struct run vnetctl(struct fake *f, const char *line)
{
	char *copy = strdup(line), *argv[32], *save = NULL;
	int argc = 0;
	size_t olen = 0, elen = 0;
	struct run r = { 0 };
	FILE *out = open_memstream(&r.out, &olen), *err = open_memstream(&r.err, &elen);

	argv[argc++] = (char *)"vnetctl";
	argv[argc++] = (char *)"--socket";
	argv[argc++] = f ? f->path : (char *)"/nonexistent/vnetd.sock";
	for (char *w = strtok_r(copy, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	r.status = vnetctl_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	free(copy);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void test_usage_errors(void)
{
	static const char *const bad[] = {
		"network start",                 /* missing NAME */
		"network start a b",             /* one too many */
		"network frobnicate x",
		"network",
		"frobnicate",
		"forward add web tcp 8080",      /* no TO */
		"forward remove web tcp 8080",   /* no TO */
		"forward add web tcp 80-90 10.0.0.2:80-90",
		"forward add web icmp 8080 10.0.0.2",
		"forward add web tcp 0 10.0.0.2",
		"forward add web tcp 90-80 10.0.0.2",
		"forward add web tcp 80 10.0.0.2:x",
		"forward add web tcp 80 10.0.0.2 --address",
		"forward list web --bogus",
		"events --count 0",
		"attach web --queues 0",
		"attach web --owner no-such-user-here",
		"network list --names=yes",
		"--timeout -1 status",
		NULL,
	};

	/* The socket is dead: a usage error must say so before any connect (2, not 3). */
	for (const char *const *b = bad; *b; b++) {
		struct run r = vnetctl(NULL, *b);

		CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_USAGE);
		if (r.status != VNETCTL_EXIT_USAGE)
			fprintf(stderr, "'%s' exited %d: %s\n", *b, r.status, r.err);
		CU_ASSERT_STRING_EQUAL(r.out, "");
		CU_ASSERT_TRUE(strncmp(r.err, "vnetctl: ", 9) == 0);
		run_free(&r);
	}
	{
		struct run r = vnetctl(NULL, "network start");

		CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network start: expected NAME\n"
					      "Usage: vnetctl [OPTIONS] network start NAME\n");
		run_free(&r);
	}
	{
		struct run r = vnetctl(NULL, "forward add web tcp 80 10.0.0.2:x");

		CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "target port 'x' is not a port (1-65535)"));
		run_free(&r);
	}
}

static void test_help(void)
{
	struct run r = vnetctl(NULL, "--help");

	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "network create-default"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "forward add [--address ADDR] NETWORK PROTO PORT[-PORT] TO[:TOPORT]"));
	run_free(&r);

	/* -h after a command (even with bad arguments) is that command's help. */
	r = vnetctl(NULL, "forward add -h");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_TRUE(strncmp(r.out, "Usage: vnetctl [OPTIONS] forward add [--address ADDR] "
				      "NETWORK PROTO PORT[-PORT] TO[:TOPORT]\n", 80) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "-a, --address ADDR"));
	run_free(&r);

	r = vnetctl(NULL, "help dhcp");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "dhcp host add"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "dhcp host remove"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "network list"));
	run_free(&r);

	r = vnetctl(NULL, "");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_USAGE);
	run_free(&r);
}

static void test_not_running(void)
{
	struct run r = vnetctl(NULL, "network list");
	char *out;
	int status;

	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_NOCONN);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: vnetd is not running "
				      "(socket /nonexistent/vnetd.sock: No such file or directory)\n");
	run_free(&r);

	/* The same through the installed program's main() and a real exit status. */
	out = tl_capture(&status, "'%s/tools/vnetctl' --socket /nonexistent/vnetd.sock status 2>&1",
			 getenv("VNET_TOP_BUILDDIR") ? getenv("VNET_TOP_BUILDDIR") : ".");
	CU_ASSERT_EQUAL(status, VNETCTL_EXIT_NOCONN);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "vnetd is not running"));
	free(out);
}

static void test_network_list(void)
{
	static const char *const script[] = {
		"<{\"result\":[{\"name\":\"default\",\"mode\":\"nat\",\"bridge\":\"vnetbr0\","
		"\"active\":true,\"autostart\":true,\"ipv4\":\"192.168.122.1/24\",\"forwards\":2},"
		"{\"name\":\"lab\",\"mode\":\"isolated\",\"bridge\":\"vnetbr1\",\"active\":false,"
		"\"autostart\":false},{\"name\":\"obj\",\"mode\":\"routed\",\"bridge\":\"vnetbr2\","
		"\"ipv4\":{\"address\":\"10.2.0.1/24\"},\"active\":true,\"autostart\":false}]}",
		NULL,
	};
	struct fake *f = fake_start(script);
	struct run r = vnetctl(f, "network list");

	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "NAME     MODE      BRIDGE   IPV4              ACTIVE  AUTOSTART\n"
			       "default  nat       vnetbr0  192.168.122.1/24  yes     yes\n"
			       "lab      isolated  vnetbr1  -                 no      no\n"
			       "obj      routed    vnetbr2  10.2.0.1/24       yes     no\n");
	CU_ASSERT_STRING_EQUAL(r.err, "");
	assert_params(f, 0, "network.list", "{}");
	fake_stop(f);
	run_free(&r);

	/* --json anywhere on the line: every member vnetd sent, columns first. */
	f = fake_start(script);
	r = vnetctl(f, "network list --json");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "[{\"name\":\"default\",\"mode\":\"nat\",\"bridge\":\"vnetbr0\",\"active\":true,"
			       "\"autostart\":true,\"ipv4\":\"192.168.122.1/24\",\"forwards\":2},"
			       "{\"name\":\"lab\",\"mode\":\"isolated\",\"bridge\":\"vnetbr1\",\"active\":false,"
			       "\"autostart\":false},"
			       "{\"name\":\"obj\",\"mode\":\"routed\",\"bridge\":\"vnetbr2\",\"active\":true,"
			       "\"autostart\":false,\"ipv4\":{\"address\":\"10.2.0.1/24\"}}]\n");
	fake_stop(f);
	run_free(&r);

	f = fake_start(script);
	r = vnetctl(f, "network list --names");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "default\nlab\nobj\n");
	fake_stop(f);
	run_free(&r);
}

static void test_server_errors(void)
{
	static const char *const enoent[] = {
		"<{\"error\":{\"code\":-32000,\"message\":\"no such network\",\"data\":{\"reason\":\"ENOENT\"}}}",
		NULL,
	};
	static const char *const named[] = {
		"<{\"error\":{\"code\":-32000,\"message\":\"network 'web' is already active\","
		"\"data\":{\"reason\":\"EBUSY\"}}}",
		NULL,
	};
	struct fake *f = fake_start(enoent);
	struct run r = vnetctl(f, "network start web");

	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network 'web': no such network\n");
	assert_params(f, 0, "network.start", "{\"name\":\"web\"}");
	fake_stop(f);
	run_free(&r);

	/* A message that already names the network is not prefixed twice. */
	f = fake_start(named);
	r = vnetctl(f, "network start web");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network 'web' is already active\n");
	fake_stop(f);
	run_free(&r);

	/* Errors are text on stderr with --json too, and stdout stays empty. */
	f = fake_start(enoent);
	r = vnetctl(f, "--json forward list web");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network 'web': no such network\n");
	fake_stop(f);
	run_free(&r);
}

static void test_bad_replies(void)
{
	static const char *const garbage[] = { "<", ">this is not json", NULL };
	static const char *const hangup[] = { "x", NULL };
	static const char *const noresult[] = { "<{\"foo\":1}", NULL };
	static const char *const notalist[] = { "<{\"result\":{\"name\":\"x\"}}", NULL };
	static const char *const silent[] = { NULL };
	static const char *const unreadable[] = {
		"r", ">{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		"\"message\":\"parse error: the line ends inside a JSON value\",\"data\":{\"reason\":\"EINVAL\"}}}",
		NULL,
	};
	struct fake *f;
	struct run r;

	f = fake_start(hangup);
	r = vnetctl(f, "network stop web");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network 'web': vnetd closed the connection\n");
	fake_stop(f);
	run_free(&r);

	f = fake_start(noresult);
	r = vnetctl(f, "network stop web");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network 'web': vnetd's reply has neither result nor error\n");
	fake_stop(f);
	run_free(&r);

	f = fake_start(notalist);
	r = vnetctl(f, "network list");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "not a list of networks"));
	fake_stop(f);
	run_free(&r);

	/* A line that is not JSON after a good reply is the next call's problem. */
	{
		struct client *c;
		struct json_object *res;

		f = fake_start(garbage);
		CU_ASSERT_EQUAL_FATAL(client_connect(f->path, &c), 0);
		CU_ASSERT_EQUAL(client_call(c, "daemon.status", NULL, &res, NULL, NULL, 0, NULL), 0);
		CU_ASSERT_PTR_NULL(res);
		CU_ASSERT_EQUAL(client_next(c, &res), -EBADMSG);
		CU_ASSERT_STRING_EQUAL(client_strerror(c), "vnetd sent a line that is not a JSON object");
		client_free(c);
		fake_stop(f);
	}

	/* An error with a null id (vnetd could not read the request) is the answer. */
	f = fake_start(unreadable);
	r = vnetctl(f, "network start web");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: network 'web': parse error: the line ends inside a JSON value\n");
	fake_stop(f);
	run_free(&r);

	/* A daemon that never answers: the timeout ends the wait. */
	f = fake_start(silent);
	r = vnetctl(f, "-t 0.2 status");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: daemon.status: vnetd did not answer within 200 ms\n");
	fake_stop(f);
	run_free(&r);
}

static void test_forward(void)
{
	static const char *const ok[] = { "<", NULL };
	static const char *const list[] = {
		"<{\"result\":[{\"proto\":\"tcp\",\"port\":8080,\"to\":\"192.168.122.10\",\"to_port\":80},"
		"{\"proto\":\"udp\",\"address\":\"203.0.113.1\",\"port\":\"5000-5010\",\"to\":\"192.168.122.11\","
		"\"to_port\":\"5000-5010\"}]}",
		NULL,
	};
	struct fake *f = fake_start(ok);
	struct run r = vnetctl(f, "forward add web tcp 8080 192.168.122.10:80 --address 203.0.113.1");

	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "added forward tcp 203.0.113.1:8080 -> 192.168.122.10:80 on network 'web'\n");
	assert_params(f, 0, "forward.add",
		      "{\"network\":\"web\",\"proto\":\"tcp\",\"port\":8080,\"to\":\"192.168.122.10\","
		      "\"to_port\":80,\"address\":\"203.0.113.1\"}");
	fake_stop(f);
	run_free(&r);

	/* A range is the string "lo-hi"; no TOPORT means none is sent; options first works too. */
	f = fake_start(ok);
	r = vnetctl(f, "forward add --address=::1 web udp 5000-5010 [fd00::11]");
	CU_ASSERT_EQUAL(r.status, 0);
	assert_params(f, 0, "forward.add",
		      "{\"network\":\"web\",\"proto\":\"udp\",\"port\":\"5000-5010\",\"to\":\"fd00::11\","
		      "\"address\":\"::1\"}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(ok);
	r = vnetctl(f, "forward remove web tcp 8080 192.168.122.10");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "removed forward tcp 8080 -> 192.168.122.10 on network 'web'\n");
	assert_params(f, 0, "forward.remove",
		      "{\"network\":\"web\",\"proto\":\"tcp\",\"port\":8080,\"to\":\"192.168.122.10\"}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(list);
	r = vnetctl(f, "forward list web");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "PROTO  ADDRESS      PORT       TO              TO_PORT\n"
			       "tcp    -            8080       192.168.122.10  80\n"
			       "udp    203.0.113.1  5000-5010  192.168.122.11  5000-5010\n");
	assert_params(f, 0, "forward.list", "{\"network\":\"web\"}");
	fake_stop(f);
	run_free(&r);
}

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/test-vnetctl-def.XXXXXX");
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_network_define(void)
{
	static const char *const ok[] = {
		"<{\"result\":{\"name\":\"web\",\"mode\":\"nat\",\"bridge\":\"vnetbr7\",\"mtu\":1500}}",
		NULL,
	};
	static const char *const none[] = { NULL };
	const char *def = "{ \"name\": \"web\", \"mode\": \"nat\", \"bridge\": \"vnetbr7\",\n"
			  "  \"ipv4\": { \"address\": \"10.7.0.1/24\" } }\n";
	char *path = write_temp(def), *line;
	struct fake *f = fake_start(ok);
	struct run r;

	if (asprintf(&line, "network define %s", path) < 0)
		CU_FAIL_FATAL("asprintf");
	r = vnetctl(f, line);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "defined network 'web'\n");
	assert_params(f, 0, "network.define", def);
	fake_stop(f);
	run_free(&r);

	/* With --json the stored definition comes back as vnetd filled it in. */
	f = fake_start(ok);
	{
		char *jline;

		if (asprintf(&jline, "-j %s", line) < 0)
			CU_FAIL_FATAL("asprintf");
		r = vnetctl(f, jline);
		free(jline);
	}
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "{\"name\":\"web\",\"mode\":\"nat\",\"bridge\":\"vnetbr7\",\"mtu\":1500}\n");
	fake_stop(f);
	run_free(&r);
	free(line);
	unlink(path);
	free(path);

	/* A file that is not JSON is refused where it is wrong, before anything is sent. */
	path = write_temp("{ \"name\": \"web\",\n  \"mode\": nat }\n");
	f = fake_start(none);
	if (asprintf(&line, "network define %s", path) < 0)
		CU_FAIL_FATAL("asprintf");
	r = vnetctl(f, line);
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "not valid JSON (line 2, column"));
	CU_ASSERT_TRUE(strncmp(r.err, "vnetctl: /tmp/test-vnetctl-def.", 31) == 0);
	CU_ASSERT_FALSE(f->connected);
	/* The fake gives up waiting for a connection after 5 s; connect to end it now. */
	{
		struct client *c;

		if (client_connect(f->path, &c) == 0)
			client_free(c);
	}
	fake_stop(f);
	run_free(&r);
	free(line);
	unlink(path);
	free(path);

	r = vnetctl(NULL, "network define /nonexistent/web.json");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: /nonexistent/web.json: No such file or directory\n");
	run_free(&r);
}

static void test_network_info_and_status(void)
{
	static const char *const info[] = {
		"<{\"result\":{\"definition\":{\"name\":\"web\",\"mode\":\"nat\"},"
		"\"status\":{\"active\":true,\"bridge_present\":true,\"addresses\":[\"10.7.0.1/24\"]}}}",
		NULL,
	};
	static const char *const status[] = {
		"<{\"result\":{\"version\":\"0.1.0\",\"networks\":2,\"active\":1}}",
		NULL,
	};
	struct fake *f = fake_start(info);
	struct run r = vnetctl(f, "network info web");

	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "definition:\n"
			       "  name: web\n"
			       "  mode: nat\n"
			       "status:\n"
			       "  active:         yes\n"
			       "  bridge_present: yes\n"
			       "  addresses:      10.7.0.1/24\n");
	assert_params(f, 0, "network.get", "{\"name\":\"web\"}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(status);
	r = vnetctl(f, "status --pretty");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "{\n  \"version\": \"0.1.0\",\n  \"networks\": 2,\n  \"active\": 1\n}\n");
	CU_ASSERT_PTR_NULL(fake_params(f, 0, "daemon.status"));
	fake_stop(f);
	run_free(&r);
}

static void test_create_default(void)
{
	static const char *const moved[] = {
		"<{\"result\":{\"definition\":{\"name\":\"default\",\"mode\":\"nat\",\"bridge\":\"vnetbr0\","
		"\"ipv4\":{\"address\":\"192.168.123.1/24\"}},\"active\":true,"
		"\"note\":\"192.168.122.0/24 is taken (route on eth0); using 192.168.123.0/24\"}}",
		NULL,
	};
	static const char *const plain[] = {
		"<{\"result\":{\"name\":\"lab\",\"mode\":\"nat\",\"bridge\":\"labbr\","
		"\"ipv4\":{\"address\":\"192.168.124.1/24\"}}}",
		NULL,
	};
	struct fake *f = fake_start(moved);
	struct run r = vnetctl(f, "network create-default");

	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "started network 'default': nat, bridge vnetbr0, 192.168.123.1/24\n"
			       "note: 192.168.122.0/24 is taken (route on eth0); using 192.168.123.0/24\n");
	assert_params(f, 0, "network.create-default", "{}");
	fake_stop(f);
	run_free(&r);

	/* Options, and a bare definition without a note: vnetctl says why itself. */
	f = fake_start(plain);
	r = vnetctl(f, "network create-default --name lab --bridge labbr --no-start");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "defined network 'lab': nat, bridge labbr, 192.168.124.1/24\n"
			       "note: 192.168.122.0/24 is taken on this host; 'lab' uses 192.168.124.1/24\n");
	assert_params(f, 0, "network.create-default", "{\"name\":\"lab\",\"bridge\":\"labbr\",\"start\":false}");
	fake_stop(f);
	run_free(&r);
}

static void test_events(void)
{
	static const char *const script[] = {
		/* An event that races ahead of the subscribe reply must not be lost. */
		">{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"network.defined\",\"network\":\"web\"}}",
		"<{\"result\":{}}",
		">{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"network.started\","
		"\"network\":\"web\",\"time\":1800000000.25,\"bridge\":\"vnetbr7\"}}",
		">{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"drift.repaired\","
		"\"network\":\"web\",\"what\":\"bridge vnetbr7 was deleted\"}}",
		NULL,
	};
	static const char *const hangup[] = { "<{\"result\":{}}", "x", NULL };
	struct fake *f = fake_start(script);
	struct run r = vnetctl(f, "events --count 3");

	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "network.defined network=web\n"
			       "2027-01-15T08:00:00.250Z network.started network=web bridge=vnetbr7\n"
			       "drift.repaired network=web what=\"bridge vnetbr7 was deleted\"\n");
	assert_params(f, 0, "events.subscribe", "{}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(script);
	r = vnetctl(f, "events -n 2 --json");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "{\"event\":\"network.defined\",\"network\":\"web\"}\n"
			       "{\"event\":\"network.started\",\"network\":\"web\",\"time\":1800000000.25,"
			       "\"bridge\":\"vnetbr7\"}\n");
	fake_stop(f);
	run_free(&r);

	f = fake_start(hangup);
	r = vnetctl(f, "events");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: events: vnetd closed the connection\n");
	fake_stop(f);
	run_free(&r);
}

static void test_later_commands(void)
{
	static const char *const ok[] = { "<", NULL };
	static const char *const attach[] = {
		"<{\"result\":{\"tap\":\"vnet0\",\"mac\":\"52:54:00:12:34:56\",\"network\":\"web\"}}",
		NULL,
	};
	static const char *const leases[] = {
		"<{\"result\":[{\"mac\":\"52:54:00:00:00:10\",\"ip\":\"10.7.0.10\",\"hostname\":\"db\","
		"\"expires\":1800000000}]}",
		NULL,
	};
	static const char *const ports[] = {
		"<{\"result\":{\"ports\":[{\"tap\":\"vnet0\",\"mac\":\"52:54:00:12:34:56\",\"owner\":1000,"
		"\"ip\":\"10.7.0.23\"},{\"tap\":\"vm1\",\"mac\":\"52:54:00:aa:bb:cc\"}]}}",
		NULL,
	};
	struct fake *f = fake_start(ok);
	struct run r = vnetctl(f, "dhcp host add web 52:54:00:00:00:10 10.7.0.10 --name db");

	CU_ASSERT_EQUAL(r.status, 0);
	assert_params(f, 0, "dhcp.host.add",
		      "{\"network\":\"web\",\"mac\":\"52:54:00:00:00:10\",\"ip\":\"10.7.0.10\",\"name\":\"db\"}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(ok);
	r = vnetctl(f, "dhcp host remove web 52:54:00:00:00:10");
	CU_ASSERT_EQUAL(r.status, 0);
	assert_params(f, 0, "dhcp.host.remove", "{\"network\":\"web\",\"mac\":\"52:54:00:00:00:10\"}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(leases);
	r = vnetctl(f, "lease list web");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "MAC                IP         HOSTNAME  EXPIRES (UTC)\n"
			       "52:54:00:00:00:10  10.7.0.10  db        2027-01-15 08:00:00\n");
	fake_stop(f);
	run_free(&r);

	/* JSON keeps the number of seconds. */
	f = fake_start(leases);
	r = vnetctl(f, "lease list web --json");
	CU_ASSERT_STRING_EQUAL(r.out, "[{\"mac\":\"52:54:00:00:00:10\",\"ip\":\"10.7.0.10\","
				      "\"hostname\":\"db\",\"expires\":1800000000}]\n");
	fake_stop(f);
	run_free(&r);

	f = fake_start(attach);
	r = vnetctl(f, "attach web --owner 1000:0 --queues 4 --vnet-hdr");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "attached tap 'vnet0' (mac 52:54:00:12:34:56) to network 'web'\n");
	assert_params(f, 0, "attach",
		      "{\"network\":\"web\",\"uid\":1000,\"gid\":0,\"queues\":4,\"vnet_hdr\":true}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(attach);
	r = vnetctl(f, "attach web --tap vm1 --mac 52:54:00:aa:bb:cc --owner root --isolated");
	CU_ASSERT_EQUAL(r.status, 0);
	assert_params(f, 0, "attach",
		      "{\"network\":\"web\",\"tap\":\"vm1\",\"mac\":\"52:54:00:aa:bb:cc\",\"uid\":0,"
		      "\"isolated\":true}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(ok);
	r = vnetctl(f, "detach vm1");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "detached tap 'vm1'\n");
	assert_params(f, 0, "detach", "{\"tap\":\"vm1\"}");
	fake_stop(f);
	run_free(&r);

	f = fake_start(ports);
	r = vnetctl(f, "port list web");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "TAP    MAC                OWNER  IP\n"
			       "vnet0  52:54:00:12:34:56  1000   10.7.0.23\n"
			       "vm1    52:54:00:aa:bb:cc  -      -\n");
	assert_params(f, 0, "port.list", "{\"network\":\"web\"}");
	fake_stop(f);
	run_free(&r);

	/* A null where a list belongs is vnetd's mistake, said plainly. */
	f = fake_start(ok);
	r = vnetctl(f, "port list web");
	CU_ASSERT_EQUAL(r.status, VNETCTL_EXIT_FAIL);
	CU_ASSERT_STRING_EQUAL(r.err, "vnetctl: port.list: vnetd's answer is not a list of ports\n");
	fake_stop(f);
	run_free(&r);
}

static void test_fd_passing(void)
{
	static const char *const script[] = {
		"F", "<{\"result\":{\"tap\":\"vnet3\"}}",
		"<{\"result\":{}}",
		NULL,
	};
	struct fake *f = fake_start(script);
	struct json_object *res;
	struct client *c;
	size_t nfds = 0;
	int fds[2] = { -1, -1 };
	char buf[8] = { 0 };

	CU_ASSERT_EQUAL_FATAL(client_connect(f->path, &c), 0);
	CU_ASSERT_EQUAL(client_call(c, "attach", json_tokener_parse("{\"network\":\"web\",\"return_fd\":true}"),
				    &res, NULL, fds, 2, &nfds), 0);
	CU_ASSERT_EQUAL(nfds, 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(res, "tap")), "vnet3");
	json_object_put(res);
	/* The fd is the pipe's write end: what goes in comes out at the fake's read end. */
	CU_ASSERT_EQUAL(write(fds[0], "tap", 3), 3);
	close(fds[0]);
	CU_ASSERT_EQUAL(read(f->pipe_rd, buf, sizeof(buf) - 1), 3);
	CU_ASSERT_STRING_EQUAL(buf, "tap");
	/* A reply without fds hands none out. */
	CU_ASSERT_EQUAL(client_call(c, "daemon.status", NULL, &res, NULL, fds, 2, &nfds), 0);
	CU_ASSERT_EQUAL(nfds, 0);
	json_object_put(res);
	client_free(c);
	fake_stop(f);
}

int main(void)
{
	CU_TestInfo printer[] = {
		{ "table", test_print_table },
		{ "text only and json only", test_print_text_only_and_json_only },
		{ "outline", test_print_outline },
		{ "utf-8 width", test_print_utf8_width },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo parsing[] = {
		{ "port", test_parse_port },
		{ "target", test_parse_target },
		{ "client messages", test_client_messages },
		{ "usage errors", test_usage_errors },
		{ "help", test_help },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo fake[] = {
		{ "not running", test_not_running },
		{ "network list", test_network_list },
		{ "server errors", test_server_errors },
		{ "bad replies", test_bad_replies },
		{ "forward", test_forward },
		{ "network define", test_network_define },
		{ "network info and status", test_network_info_and_status },
		{ "create-default", test_create_default },
		{ "events", test_events },
		{ "later commands", test_later_commands },
		{ "fd passing", test_fd_passing },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "printer", NULL, NULL, NULL, NULL, printer },
		{ "parsing", NULL, NULL, NULL, NULL, parsing },
		{ "fake vnetd", NULL, NULL, NULL, NULL, fake },
		CU_SUITE_INFO_NULL,
	};

	return tl_run_suites(suites);
}
