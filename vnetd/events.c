/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events: what changed, sent to every client that called events.subscribe
 * as a JSON-RPC notification {"method":"event","params":{...}}.
 */
#include <time.h>

#include "vnetd.h"

void event_emit(struct vnetd *d, const char *event, const char *network, struct json_object *extra)
{
	struct json_object *p = json_object_new_object();
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_object_add(p, "event", json_object_new_string(event));
	if (network)
		json_object_object_add(p, "network", json_object_new_string(network));
	json_object_object_add(p, "time", json_object_new_double(ts.tv_sec + ts.tv_nsec / 1e9));
	if (extra) {
		json_object_object_foreach(extra, key, val)
			json_object_object_add(p, key, json_object_get(val));
		json_object_put(extra);
	}
	log_info("event %s%s%s", event, network ? " network " : "", network ? network : "");
	rpc_broadcast(d, "event", p);
}
