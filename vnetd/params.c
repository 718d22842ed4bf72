/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A method's parameters: typed look-ups that explain a refusal in the call's
 * error, and the check that a call names no parameter its method does not
 * know (a typo must not be silently ignored). rpc.c has already made sure
 * params, when present, is an object.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vnetd.h"

int rpc_fail(struct rpc_call *call, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->err.msg, sizeof(call->err.msg), fmt, ap);
	va_end(ap);
	return code;
}

/* The value of @key, or NULL when it is absent or JSON null. */
static struct json_object *param(const struct rpc_call *call, const char *key)
{
	struct json_object *v;

	if (!call->params || !json_object_object_get_ex(call->params, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

int rpc_params_only(struct rpc_call *call, const char *const *known)
{
	if (!call->params)
		return 0;
	json_object_object_foreach(call->params, key, val) {
		const char *const *k;

		(void)val;
		for (k = known; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (!*k)
			return rpc_fail(call, -EINVAL, "unknown parameter '%s'", key);
	}
	return 0;
}

int rpc_param_string(struct rpc_call *call, const char *key, bool required, const char **out)
{
	struct json_object *v = param(call, key);

	*out = NULL;
	if (!v)
		return required ? rpc_fail(call, -EINVAL, "parameter '%s' is missing", key) : 0;
	if (!json_object_is_type(v, json_type_string))
		return rpc_fail(call, -EINVAL, "parameter '%s' is a %s; a string is expected", key,
				json_type_to_name(json_object_get_type(v)));
	*out = json_object_get_string(v);
	return 0;
}

int rpc_param_bool(struct rpc_call *call, const char *key, bool def, bool *out)
{
	struct json_object *v = param(call, key);

	*out = def;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return rpc_fail(call, -EINVAL, "parameter '%s' is a %s; true or false is expected", key,
				json_type_to_name(json_object_get_type(v)));
	*out = json_object_get_boolean(v);
	return 0;
}

int rpc_param_int(struct rpc_call *call, const char *key, int64_t min, int64_t max, int64_t def,
		  int64_t *out)
{
	struct json_object *v = param(call, key);

	*out = def;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return rpc_fail(call, -EINVAL, "parameter '%s' is a %s; an integer is expected", key,
				json_type_to_name(json_object_get_type(v)));
	*out = json_object_get_int64(v);
	if (*out < min || *out > max)
		return rpc_fail(call, -EINVAL, "parameter '%s' is %lld; allowed %lld..%lld", key,
				(long long)*out, (long long)min, (long long)max);
	return 0;
}

int rpc_param_network(struct rpc_call *call, const char *key, struct vnetd_network **net)
{
	const char *name;
	int r;

	r = rpc_param_string(call, key, true, &name);
	if (r < 0)
		return r;
	*net = vnetd_find(call->d, name);
	if (!*net)
		return rpc_fail(call, -ENOENT, "network '%s' does not exist", name);
	return 0;
}
