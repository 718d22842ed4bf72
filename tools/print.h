/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One print path for text and JSON, after iproute2's print_uint(PRINT_ANY, ...):
 * a command describes what it shows once, and the printer renders either
 * text (aligned tables, "key: value" records) or one JSON document. A value
 * printed PRINT_ANY appears in both, PRINT_TEXT only in text, PRINT_JSON only
 * in JSON, so --json can never drift from what people read.
 *
 * In JSON mode the printer builds a json-c tree and writes it at
 * printer_flush(); in text mode it writes as it goes, except inside a table,
 * whose rows are kept until print_table_close() so the columns line up.
 */
#ifndef VNET_TOOLS_PRINT_H
#define VNET_TOOLS_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

enum print_type {
	PRINT_ANY,
	PRINT_TEXT,
	PRINT_JSON,
};

struct printer;

/* printer_new - print to @out; @json selects JSON, @pretty indents it. NULL on ENOMEM. */
struct printer *printer_new(FILE *out, bool json, bool pretty);

/* printer_free - flush what is pending, then free; NULL is fine. */
void printer_free(struct printer *p);

/* printer_is_json - whether this printer renders JSON. */
bool printer_is_json(const struct printer *p);

/*
 * printer_flush - JSON: write the finished document (one line unless pretty)
 * and start a new one (a stream of events is a stream of documents).
 */
void printer_flush(struct printer *p);

/*
 * Containers. @key names the member in the enclosing JSON object (ignored in
 * arrays and at the top). In text, objects and arrays print nothing by
 * themselves.
 */
void print_open_object(struct printer *p, const char *key);
void print_close_object(struct printer *p);
void print_open_array(struct printer *p, const char *key);
void print_close_array(struct printer *p);

/*
 * Tables: a JSON array of objects, or aligned text columns under @headers
 * (NULL-terminated). Each row is print_row_open() .. print_row_close(); every
 * text-visible value printed in a row fills the next column ("-" when empty).
 */
void print_table_open(struct printer *p, const char *key, const char *const *headers);
void print_row_open(struct printer *p);
void print_row_close(struct printer *p);
void print_table_close(struct printer *p);

/*
 * Values. @fmt is the text format for the value (printf-style with one
 * conversion); NULL means just the value. Booleans read "yes"/"no" in text,
 * null reads "-".
 */
void print_string(struct printer *p, enum print_type t, const char *key, const char *fmt,
		  const char *value);
void print_int(struct printer *p, enum print_type t, const char *key, const char *fmt,
	       long long value);
void print_uint(struct printer *p, enum print_type t, const char *key, const char *fmt,
		unsigned long long value);
void print_bool(struct printer *p, enum print_type t, const char *key, const char *fmt, bool value);
void print_null(struct printer *p, enum print_type t, const char *key, const char *fmt);

/* print_text - text only, printf-style (messages such as "started network 'x'"). */
void print_text(struct printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * print_value - a whole JSON value. JSON: added as is. Text: a scalar is
 * printed with @fmt like print_string(); an object or array is rendered as an
 * indented "key: value" outline (arrays of objects as "- " items), keys
 * aligned per object, so nothing the daemon sent is hidden from text either.
 */
void print_value(struct printer *p, enum print_type t, const char *key, const char *fmt,
		 struct json_object *value);

/* print_scalar_text - a scalar JSON value as text: strings bare, yes/no, "-" for null. */
const char *print_scalar_text(struct json_object *v, char *buf, size_t len);

#endif
