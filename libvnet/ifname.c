/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interface names as Linux accepts them (dev_valid_name()). */
#include <ctype.h>
#include <string.h>

#include "internal.h"

VNET_EXPORT int vnet_ifname_check(const char *field, const char *name, struct vnet_error *err)
{
	size_t len;

	if (!name || !*name)
		return vnet_error_set(err, -EINVAL, "%s is empty", field);
	len = strlen(name);
	if (len > VNET_IFNAMSIZ - 1)
		return vnet_error_set(err, -EINVAL, "%s '%s' is %zu bytes; Linux allows at most %d",
				      field, name, len, VNET_IFNAMSIZ - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return vnet_error_set(err, -EINVAL, "%s '%s' is not allowed", field, name);
	for (const char *p = name; *p; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return vnet_error_set(err, -EINVAL,
					      "%s '%s' contains '%s'; names may not contain '/', ':' or whitespace",
					      field, name,
					      *p == '/' ? "/" : *p == ':' ? ":" : "whitespace");
		if (!isprint((unsigned char)*p))
			return vnet_error_set(err, -EINVAL,
					      "%s contains a non-printable byte 0x%02x", field,
					      (unsigned char)*p);
	}
	return 0;
}
