/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetctl status, vnetctl events */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vnetctl.h"

const struct cmd_opt events_opts[] = {
	{ "count", 'n', "N", "exit after N events" },
	{ NULL, 0, NULL, NULL },
};

int cmd_status(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, NULL, "daemon.status", NULL, &result);
	if (r)
		return r;
	if (result)
		print_value(ctl->p, PRINT_ANY, NULL, NULL, result);
	json_object_put(result);
	return 0;
}

/* A word that needs no quotes in a "key=value" line. */
static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s == ' ' || *s == '"' || *s == '\\' || *s == '=' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/*
 * One event: text is one line, "[TIME] EVENT key=value ...", with the time
 * (UTC) and the event's name (its "event" or "type" member) first; JSON is
 * the params object, one a line.
 */
static void print_event(struct printer *p, struct json_object *params)
{
	static const char *const name_keys[] = { "event", "type" };
	struct json_object *tv = NULL;
	const char *name_key = NULL;
	char buf[4096];

	if (!json_object_is_type(params, json_type_object)) {
		print_value(p, PRINT_ANY, NULL, "%s\n", params);
		return;
	}
	for (size_t i = 0; i < VNET_TOOLS_ARRAY_SIZE(name_keys) && !name_key; i++)
		if (json_object_object_get_ex(params, name_keys[i], NULL))
			name_key = name_keys[i];

	print_open_object(p, NULL);
	if (json_object_object_get_ex(params, "time", &tv) &&
	    (json_object_is_type(tv, json_type_double) || json_object_is_type(tv, json_type_int))) {
		double t = json_object_get_double(tv);
		time_t sec = (time_t)t;
		struct tm tm;

		if (gmtime_r(&sec, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm))
			print_text(p, "%s.%03dZ ", buf, (int)((t - (double)sec) * 1000) % 1000);
		else
			tv = NULL;
	} else {
		tv = NULL;
	}
	if (name_key) {
		struct json_object *v;

		json_object_object_get_ex(params, name_key, &v);
		print_value(p, PRINT_ANY, name_key, "%s", v);
	} else {
		print_text(p, "event");
	}
	json_object_object_foreach(params, k, v) {
		const char *s;

		if (name_key && !strcmp(k, name_key))
			continue;
		if (tv && !strcmp(k, "time")) {
			print_value(p, PRINT_JSON, k, NULL, v);
			continue;
		}
		print_value(p, PRINT_JSON, k, NULL, v);
		s = print_scalar_text(v, buf, sizeof(buf));
		if (plain_word(s)) {
			print_text(p, " %s=%s", k, s);
		} else {
			/* Quote with JSON's rules, so a line reads back unambiguously. */
			struct json_object *str = json_object_new_string(s);

			print_text(p, " %s=%s", k,
				   json_object_to_json_string_ext(str, JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(str);
		}
	}
	print_text(p, "\n");
	print_close_object(p);
}

int cmd_events(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	unsigned long count = 0, seen = 0;
	int r;

	if (a->val[0]) {
		char *end;

		errno = 0;
		count = strtoul(a->val[0], &end, 10);
		if (errno || end == a->val[0] || *end || count == 0 || a->val[0][0] == '-')
			return vnetctl_usage(ctl, "count '%s' is not a positive number", a->val[0]);
	}
	r = vnetctl_call(ctl, "events", "events.subscribe", json_object_new_object(), &result);
	if (r)
		return r;
	json_object_put(result);
	printer_flush(ctl->p);

	/* Events come when they come: wait without a deadline. */
	client_set_timeout(ctl->client, -1);
	while (!count || seen < count) {
		struct json_object *msg, *method, *params = NULL;

		r = client_next(ctl->client, &msg);
		if (r < 0)
			return vnetctl_fail(ctl, "events", "%s", client_strerror(ctl->client));
		if (json_object_object_get_ex(msg, "method", &method) &&
		    !strcmp(json_object_get_string(method), "event")) {
			json_object_object_get_ex(msg, "params", &params);
			print_event(ctl->p, params);
			printer_flush(ctl->p);
			seen++;
		}
		json_object_put(msg);
	}
	return 0;
}
