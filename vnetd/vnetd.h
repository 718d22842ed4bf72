/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetd: the daemon's shared state. One thread, one sd-event loop; a single
 * struct vnetd is passed to every part, nothing is global.
 */
#ifndef VNETD_H
#define VNETD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>
#include <json-c/json.h>
#include <systemd/sd-event.h>
#include <vnet/vnet.h>

#include "network.h"

#define VNETD_VERSION PACKAGE_VERSION

struct rpc_client;
struct rpc_server;
struct vnetd_monitor;
struct vnetd_hostroutes;
struct vnetd_dhcp;
struct vnetd_attach;

struct vnetd {
	sd_event *event;
	struct vnet_ctx *ctx;          /* libvnet, bound to vnetd's own namespace */

	/* options */
	char *socket_path;
	mode_t socket_mode;            /* 0660 unless --socket-mode */
	char *config_dir;
	char *run_dir;
	char *state_dir;
	bool foreground;

	struct rpc_server *rpc;
	struct vnetd_monitor *monitor;
	struct vnetd_hostroutes *hostroutes;  /* hostroutes.c: what network_check_host reads */

	/* the registry: every defined network, in definition order */
	struct vnetd_network *networks;

	/*
	 * a reconcile asked for by events, run once from the loop: of the
	 * networks marked dirty, of the table, or of everything
	 */
	sd_event_source *reconcile_source;
	bool reconcile_everything;
	bool reconcile_table;
	uint64_t started_usec;
	unsigned long reconciles, drift_repairs;

	struct vnetd_dhcp *dhcp;       /* dhcp.c: the supervised dnsmasqs */

	/* attach.c: the taps made for VMs (attach.h) */
	struct vnetd_attach *attachments;
	unsigned int n_attachments;
	unsigned int attach_next;      /* where the search for a free vnetN starts */

	struct vnetd_trim *trim;       /* trim.c: freed memory back to the kernel */
};

/* ---- trim.c --------------------------------------------------------- */

/* Trim the heap (malloc_trim) shortly after each burst of work; never while idle. */
int trim_start(struct vnetd *d);
void trim_free(struct vnetd *d);

/* ---- log.c ---------------------------------------------------------- */

void log_open(bool to_stderr, int level);
int log_level_parse(const char *s);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* ---- store.c: definitions on disk, runtime state in the run dir ------ */

int store_write_atomic(const char *dir, const char *file, const char *data);
/*
 * store_save_network - write @net's whole definition (atomically); a forward
 * journal beside it is sealed and started afresh (@journal: start one even if
 * there was none). Folds in whatever the old journal held.
 */
int store_save_network(struct vnetd *d, struct vnetd_network *net);
int store_save_network_journal(struct vnetd *d, struct vnetd_network *net, bool journal);
int store_remove_network(struct vnetd *d, const char *name);
int store_load(struct vnetd *d);
int store_save_runtime(struct vnetd *d, const struct vnetd_network *net);
int store_remove_runtime(struct vnetd *d, const char *name);
int mkdir_p(const char *path, mode_t mode);
/* store_read_file - a whole file, NUL-terminated (free *@data). */
int store_read_file(const char *path, char **data, size_t *len);

/* ---- store-journal.c: forward changes appended beside the definition -- */

/* store_hash - FNV-1a 64 of a definition file's bytes: what a journal belongs to. */
uint64_t store_hash(const char *data, size_t len);
/*
 * store_forward_log - make one forward change of @net durable before it is
 * acknowledged: a journal line (fdatasync), or, when the journal is full or
 * unusable, the whole definition. @net already holds the change.
 */
int store_forward_log(struct vnetd *d, struct vnetd_network *net, bool add,
		      const struct vnet_fw_forward *fwd);
/*
 * store_journal_seal - before NAME.json is rewritten with contents hashed
 * @new_base; 1 when there was a journal to seal, 0 when there was none.
 */
int store_journal_seal(struct vnetd *d, const char *name, uint64_t new_base);
/* store_journal_start - a fresh, empty journal for the definition just written. */
int store_journal_start(struct vnetd *d, struct vnetd_network *net, uint64_t base,
			size_t base_bytes);
int store_journal_remove(struct vnetd *d, const char *name);
/*
 * store_journal_replay - apply NAME.journal to @net just parsed from a file
 * hashed @base; 1 when the definition should be rewritten to fold it in.
 */
int store_journal_replay(struct vnetd *d, struct vnetd_network *net, uint64_t base,
			 size_t base_bytes);

/* ---- registry.c ------------------------------------------- */

struct vnetd_network *vnetd_find(struct vnetd *d, const char *name);
void vnetd_add(struct vnetd *d, struct vnetd_network *net);
void vnetd_remove(struct vnetd *d, struct vnetd_network *net);

/* ---- reconcile.c ---------------------------------------------------- */

/*
 * reconcile_network - bring one active network's kernel state in line with
 * its definition (bridge, port, addresses, sysctls); idempotent. @repaired is
 * set when something had drifted. The firewall is done by reconcile_firewall.
 */
int reconcile_network(struct vnetd *d, struct vnetd_network *net, bool *repaired,
		      struct vnet_error *err);
/* reconcile_firewall - the table from every active network, in one batch. */
int reconcile_firewall(struct vnetd *d, bool verify_first, bool *repaired, struct vnet_error *err);
/* reconcile_all - every active network plus the firewall; emits drift events. */
int reconcile_all(struct vnetd *d, const char *why);
/* reconcile_schedule - run reconcile_all once from the loop, soon. */
void reconcile_schedule(struct vnetd *d);
/* reconcile_schedule_network - soon, reconcile @net alone (an event named its links). */
void reconcile_schedule_network(struct vnetd *d, struct vnetd_network *net);
/* reconcile_schedule_firewall - soon, verify the table (and repair it). */
void reconcile_schedule_firewall(struct vnetd *d);
int network_start(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err);
int network_stop(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err);
/* network_check_host - collisions with the host: routes and foreign links. */
int network_check_host(struct vnetd *d, const struct vnetd_network *net, bool starting,
		       struct vnet_error *err);
/* network_status - the status object of network.get */
struct json_object *network_status(struct vnetd *d, struct vnetd_network *net);

/* ---- hostroutes.c: the host's routes, re-read only when they changed -- */

/* hostroutes_get - the main table's unicast routes; valid until the next call. */
int hostroutes_get(struct vnetd *d, const struct vnet_route **routes, size_t *n);
/* hostroutes_invalidate - a route changed where vnet does not manage: read again. */
void hostroutes_invalidate(struct vnetd *d);
void hostroutes_free(struct vnetd *d);

/* ---- monitor.c ------------------------------------------------------- */

int monitor_start(struct vnetd *d);
void monitor_free(struct vnetd *d);

/* ---- rpc.c ------------------------------------------------------------ */

int rpc_listen(struct vnetd *d);
void rpc_free(struct vnetd *d);
unsigned int rpc_client_count(struct vnetd *d);
/* rpc_broadcast - send a notification to every subscribed client (takes @params). */
void rpc_broadcast(struct vnetd *d, const char *method, struct json_object *params);
void rpc_client_subscribe(struct rpc_client *c);
bool rpc_client_may_write(const struct rpc_client *c);
/* rpc_client_uid / _gid - the peer's credentials (SO_PEERCRED). */
uid_t rpc_client_uid(const struct rpc_client *c);
gid_t rpc_client_gid(const struct rpc_client *c);

/* ---- events.c -------------------------------------------------------- */

/* event_emit - "network.started" etc.; @extra (may be NULL) is taken. */
void event_emit(struct vnetd *d, const char *event, const char *network,
		struct json_object *extra);

/* ---- dhcp.c: one supervised dnsmasq per network ------------------- */

/* dhcp_init - watch the host's resolv.conf (one inotify watch for all networks). */
int dhcp_init(struct vnetd *d);
/* dhcp_free - let go of every dnsmasq, leaving it running for the next vnetd. */
void dhcp_free(struct vnetd *d);
/* dhcp_network_start - write the files, adopt a running dnsmasq or start one (after the bridge has its address). */
int dhcp_network_start(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err);
/*
 * The same in two halves, so other work runs while dnsmasq starts: _begin
 * adopts or spawns, _finish waits until a spawned one is ready. A network
 * whose _begin succeeded must see _finish or dhcp_network_stop.
 */
int dhcp_network_start_begin(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err);
int dhcp_network_start_finish(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err);
/* dhcp_network_stop - stop the network's dnsmasq; its lease file stays. */
void dhcp_network_stop(struct vnetd *d, struct vnetd_network *net);
/* dhcp_network_apply - after a definition change: nothing, SIGHUP, restart, start or stop. */
int dhcp_network_apply(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err);
/* dhcp_network_ensure - reconcile: a needed dnsmasq runs; @rebind restarts it (bridge recreated). */
void dhcp_network_ensure(struct vnetd *d, struct vnetd_network *net, bool rebind);
/* dhcp_network_status - {enabled, running, pid, restarts, ...} for network.get */
struct json_object *dhcp_network_status(struct vnetd *d, struct vnetd_network *net);
/* dhcp_network_leases - lease.list's array from the lease file. */
int dhcp_network_leases(struct vnetd *d, struct vnetd_network *net, struct json_object **out);
/* dhcp_network_forget - an undefined network: its state and lease file go. */
void dhcp_network_forget(struct vnetd *d, const char *name);

/* ---- methods-dhcp.c -------------------------------------------------- */

struct rpc_call;
int m_dhcp_host_add(struct rpc_call *call);
int m_dhcp_host_remove(struct rpc_call *call);
int m_dns_host_add(struct rpc_call *call);
int m_dns_host_remove(struct rpc_call *call);
int m_lease_list(struct rpc_call *call);

/* ---- methods.c ------------------------------------------------------- */

struct rpc_call {
	struct vnetd *d;
	struct rpc_client *client;
	struct json_object *params;    /* borrowed; NULL when absent */
	struct json_object *result;    /* set by the handler on success */
	struct vnet_error err;         /* set by the handler on failure */
	struct json_object *err_data;  /* extra members of error.data (taken), or NULL */
	int fds[16];                   /* sent with the reply (SCM_RIGHTS), then closed */
	size_t n_fds;
};

/*
 * methods_dispatch - run @method. Returns 0 (call->result set), or a
 * negative errno with call->err filled; -ENOSYS for an unknown method,
 * -EPERM when @may_write is false and the method changes state.
 */
int methods_dispatch(struct rpc_call *call, const char *method, bool may_write);

/* ---- params.c: a method's parameters ---------------------------------- */

/* rpc_fail - fill call->err and return @code. */
int rpc_fail(struct rpc_call *call, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* rpc_params_only - refuse any parameter not in the NULL-ended @known. */
int rpc_params_only(struct rpc_call *call, const char *const *known);
/* Typed parameters: absent or null gives the default (or, if @required, an error). */
int rpc_param_string(struct rpc_call *call, const char *key, bool required, const char **out);
int rpc_param_bool(struct rpc_call *call, const char *key, bool def, bool *out);
int rpc_param_int(struct rpc_call *call, const char *key, int64_t min, int64_t max, int64_t def,
		  int64_t *out);
/* rpc_param_network - the network named by @key; -ENOENT when there is none. */
int rpc_param_network(struct rpc_call *call, const char *key, struct vnetd_network **net);

#endif
