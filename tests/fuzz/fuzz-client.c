/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vnetctl and the bridge helper read from vnetd's socket. The input is
 * the byte stream the daemon sends (after the client's request): it is
 * written on a real Unix socket, the write side is shut, and the client
 * makes one call and then drains notifications, so line splitting, JSON
 * parsing, id matching, notification queueing and client_parse_error() all
 * run as in the tools. Each line that is a JSON object with an "error"
 * member also goes to client_parse_error() directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "fuzz.h"

static char dir[] = "/tmp/vnet-fuzz-client.XXXXXX";
static char path[sizeof(dir) + 8];
static int listen_fd = -1;

static void cleanup(void)
{
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(path);
		rmdir(dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(path, sizeof(path), "%s/sock", dir);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listen_fd, 4) < 0) {
		perror("fuzz-client socket");
		exit(99);
	}
	atexit(cleanup);
	return 0;
}

static void check_error_object(struct json_object *e)
{
	struct rpc_error err;
	int r = client_parse_error(e, &err);

	fuzz_assert(r == 0 || r == -EBADMSG || r == -ENOMEM);
	if (r != -ENOMEM)
		fuzz_assert(err.message != NULL);
	if (r == 0 && err.reason)
		fuzz_assert(err.data != NULL);
	rpc_error_clear(&err);
	rpc_error_clear(&err);
}

/* client_parse_error() on every line's "error" member. */
static void parse_lines(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct json_tokener *tok = json_tokener_new();
		struct json_object *o, *e;

		if (!tok)
			return;
		o = json_tokener_parse_ex(tok, (const char *)p, (int)len);
		json_tokener_free(tok);
		if (json_object_object_get_ex(o, "error", &e))
			check_error_object(e);
		json_object_put(o);
		p += len + 1;
	}
}

static bool known(int r)
{
	return r == 0 || r == -EREMOTEIO || r == -EBADMSG || r == -ECONNRESET || r == -ENOMEM;
}

static void converse(const uint8_t *data, size_t size)
{
	struct client *c = NULL;
	struct json_object *result = NULL, *msg;
	struct rpc_error err;
	int fds[4], server = -1, r;
	size_t nfds = 0, off = 0;

	if (client_connect(path, &c) < 0)
		return;
	server = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (server < 0)
		goto out;
	while (off < size) {
		ssize_t n = write(server, data + off, size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(server, SHUT_WR);
	client_set_timeout(c, 5000);

	r = client_call(c, "network.list", NULL, &result, &err, fds, 4, &nfds);
	if (!known(r))
		fuzz_fail("client_call returned %d (%s)", r, client_strerror(c));
	fuzz_assert(fuzz_terminated(client_strerror(c), 256));
	if (r == -EREMOTEIO) {
		fuzz_assert(err.message != NULL);
		rpc_error_clear(&err);
	}
	if (r != 0)
		fuzz_assert(result == NULL);
	fuzz_assert(nfds == 0);
	json_object_put(result);

	/* The rest of the stream as notifications, until it ends. */
	for (unsigned i = 0; i < 1000; i++) {
		r = client_next(c, &msg);
		if (r < 0) {
			if (!known(r))
				fuzz_fail("client_next returned %d (%s)", r, client_strerror(c));
			fuzz_assert(msg == NULL);
			break;
		}
		fuzz_assert(json_object_object_get_ex(msg, "method", NULL));
		json_object_put(msg);
	}
out:
	if (server >= 0)
		close(server);
	client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Well under the socket buffer, so writing never blocks. */
	if (size > 65536)
		return 0;
	parse_lines(data, size);
	converse(data, size);
	return 0;
}
