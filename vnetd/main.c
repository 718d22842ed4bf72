/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetd: options, start-up (load, adopt, autostart), the loop, shutdown.
 * Stopping vnetd removes nothing from the kernel; only network.stop does.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "vnetd.h"
#include "attach.h"

/* A safety net under the monitors: look at everything now and then. */
#define PERIODIC_RECONCILE_USEC (60ULL * 1000 * 1000)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vnetd [OPTIONS]\n"
		"Keeps vnet's virtual networks as their definitions say.\n\n"
		"  -f, --foreground       log to stderr instead of syslog\n"
		"  -s, --socket PATH      control socket (default /run/vnet/vnetd.sock)\n"
		"      --socket-mode MODE its permissions (default 0660, owner root, group vnet);\n"
		"                         0666 lets every user read (list, get, events)\n"
		"  -c, --config-dir DIR   network definitions (default /etc/vnet)\n"
		"  -r, --run-dir DIR      runtime state (default /run/vnet)\n"
		"      --state-dir DIR    persistent state (default /var/lib/vnet)\n"
		"  -l, --log-level LEVEL  err, warning, notice, info (default), debug\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n");
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
	struct vnetd *d = userdata;

	log_info("signal %d: exiting; networks stay as they are", (int)si->ssi_signo);
	sd_event_exit(d->event, 0);
	return 0;
}

static int on_periodic(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vnetd *d = userdata;

	reconcile_all(d, "periodic");
	attach_sweep(d);
	sd_event_source_set_time_relative(src, PERIODIC_RECONCILE_USEC);
	sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	return 0;
}

/*
 * One vnetd per network namespace: two would fight over the same table and
 * bridges. Abstract socket names belong to the namespace and vanish with the
 * process (even on SIGKILL), so binding one is the lock.
 */
static int lock_namespace(void)
{
	static const char name[] = "\0vnetd";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, name, sizeof(name) - 1);
	if (bind(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + sizeof(name) - 1) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Adopt what the last vnetd left running, then start autostart networks. */
static void startup(struct vnetd *d)
{
	reconcile_all(d, "start");
	for (struct vnetd_network *net = d->networks; net; net = net->next) {
		struct vnet_error err = { "" };

		if (net->active || !net->autostart)
			continue;
		if (network_start(d, net, &err) < 0)
			log_err("network '%s': autostart failed: %s", net->name, err.msg);
		else
			event_emit(d, "network.started", net->name, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "config-dir", required_argument, NULL, 'c' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct vnetd d = { 0 };
	struct vnet_error verr = { "" };
	sd_event_source *periodic = NULL;
	const char *socket_path = "/run/vnet/vnetd.sock", *config_dir = "/etc/vnet";
	const char *run_dir = "/run/vnet", *state_dir = "/var/lib/vnet";
	int level = LOG_INFO, lock_fd = -1, c, r;
	sigset_t mask;

	d.socket_mode = 0660;

	while ((c = getopt_long(argc, argv, "fs:c:r:l:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'm': {
			char *end;
			unsigned long m = strtoul(optarg, &end, 8);

			if (*optarg == '\0' || *end || m > 0777) {
				fprintf(stderr, "vnetd: socket mode '%s' is not an octal mode such as 0660\n", optarg);
				return 2;
			}
			d.socket_mode = m;
			break;
		}
		case 'c':
			config_dir = optarg;
			break;
		case 'r':
			run_dir = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'l':
			level = log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "vnetd: log level '%s' is not one of err, warning, notice, info, debug\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vnetd %s\n", VNETD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vnetd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* under systemd stderr goes to the journal, which is what we want */
	log_open(d.foreground || getenv("JOURNAL_STREAM"), level);

	d.socket_path = strdup(socket_path);
	d.config_dir = strdup(config_dir);
	d.run_dir = strdup(run_dir);
	d.state_dir = strdup(state_dir);
	if (!d.socket_path || !d.config_dir || !d.run_dir || !d.state_dir) {
		r = -ENOMEM;
		goto out;
	}
	lock_fd = lock_namespace();
	if (lock_fd < 0) {
		r = lock_fd;
		if (r == -EADDRINUSE)
			log_err("another vnetd already manages this network namespace");
		else
			log_err("taking the namespace lock: %s", strerror(-r));
		goto out;
	}
	r = vnet_ctx_new(&d.ctx, NULL, &verr);
	if (r < 0) {
		log_err("opening libvnet: %s", verr.msg[0] ? verr.msg : strerror(-r));
		goto out;
	}
	if ((r = mkdir_p(d.run_dir, 0755)) < 0 || (r = mkdir_p(d.state_dir, 0755)) < 0 ||
	    (r = mkdir_p(d.config_dir, 0755)) < 0) {
		log_err("creating the config, run and state dirs: %s", strerror(-r));
		goto out;
	}
	r = sd_event_default(&d.event);
	if (r < 0)
		goto out;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sd_event_add_signal(d.event, NULL, SIGTERM, on_signal, &d);
	sd_event_add_signal(d.event, NULL, SIGINT, on_signal, &d);
	sd_event_now(d.event, CLOCK_MONOTONIC, &d.started_usec);

	r = store_load(&d);
	if (r < 0) {
		log_err("loading definitions from %s: %s", d.config_dir, strerror(-r));
		goto out;
	}
	r = dhcp_init(&d);
	if (r < 0)
		goto out;
	r = attach_load(&d);
	if (r < 0)
		log_warn("reading the ports recorded under %s/ports: %s, ignoring", d.run_dir, strerror(-r));
	r = monitor_start(&d);
	if (r < 0) {
		log_err("starting the netlink monitor: %s", strerror(-r));
		goto out;
	}
	startup(&d);
	/* listen last: a client never sees a half-adopted daemon */
	r = rpc_listen(&d);
	if (r < 0) {
		log_err("control socket %s: %s", d.socket_path, strerror(-r));
		goto out;
	}
	sd_event_add_time_relative(d.event, &periodic, CLOCK_MONOTONIC, PERIODIC_RECONCILE_USEC,
				   1000 * 1000, on_periodic, &d);
	r = trim_start(&d);
	if (r < 0)
		log_warn("setting up heap trimming: %s, ignoring", strerror(-r));
	sd_notify(0, "READY=1\nSTATUS=serving");
	log_info("vnetd %s ready", VNETD_VERSION);
	r = sd_event_loop(d.event);
	sd_notify(0, "STOPPING=1");
out:
	sd_event_source_disable_unref(periodic);
	trim_free(&d);
	sd_event_source_disable_unref(d.reconcile_source);
	rpc_free(&d);
	monitor_free(&d);
	hostroutes_free(&d);
	dhcp_free(&d);
	attach_free_all(&d);
	while (d.networks) {
		struct vnetd_network *n = d.networks;

		d.networks = n->next;
		network_free(n);
	}
	sd_event_unref(d.event);
	vnet_ctx_unref(d.ctx);
	free(d.socket_path);
	free(d.config_dir);
	free(d.run_dir);
	free(d.state_dir);
	if (lock_fd >= 0)
		close(lock_fd);
	return r < 0 ? 1 : 0;
}
