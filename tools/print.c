/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text or JSON from one set of print calls. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

#define PRINT_MAX_DEPTH 32

struct table {
	size_t ncols;
	const char *const *headers;
	char **cells;           /* rows * ncols, row-major; NULL: empty */
	size_t nrows, cap;
	size_t col;             /* next column in the current row */
	bool in_row;
};

struct printer {
	FILE *out;
	bool json, pretty;
	/* JSON: the document and the containers open in it */
	struct json_object *root;
	struct json_object *stack[PRINT_MAX_DEPTH];
	int depth;
	/* text: the table being filled, if any */
	struct table *table;
};

struct printer *printer_new(FILE *out, bool json, bool pretty)
{
	struct printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	p->json = json;
	p->pretty = pretty;
	return p;
}

static void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void printer_free(struct printer *p)
{
	if (!p)
		return;
	if (p->table)
		print_table_close(p);
	printer_flush(p);
	free(p);
}

bool printer_is_json(const struct printer *p)
{
	return p->json;
}

void printer_flush(struct printer *p)
{
	if (p->json && p->root) {
		int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
			    (p->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
				       : JSON_C_TO_STRING_PLAIN);

		fprintf(p->out, "%s\n", json_object_to_json_string_ext(p->root, flags));
		json_object_put(p->root);
		p->root = NULL;
		p->depth = 0;
	}
	fflush(p->out);
}

/* Add @v (taken) to the open JSON container, or make it the document. */
static void json_add(struct printer *p, const char *key, struct json_object *v)
{
	struct json_object *top;

	if (p->depth == 0) {
		if (p->root && key && json_object_is_type(p->root, json_type_object)) {
			json_object_object_add(p->root, key, v);
			return;
		}
		if (!p->root && key) {
			/* A keyed value at the top makes the document an object. */
			p->root = json_object_new_object();
			json_object_object_add(p->root, key, v);
			return;
		}
		json_object_put(p->root);
		p->root = v;
		return;
	}
	top = p->stack[p->depth - 1];
	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key ? key : "", v);
}

static void json_push(struct printer *p, const char *key, struct json_object *v)
{
	json_add(p, key, v);
	if (p->depth < PRINT_MAX_DEPTH)
		p->stack[p->depth++] = v;
}

static void json_pop(struct printer *p)
{
	if (p->depth > 0)
		p->depth--;
}

void print_open_object(struct printer *p, const char *key)
{
	if (p->json)
		json_push(p, key, json_object_new_object());
}

void print_close_object(struct printer *p)
{
	if (p->json)
		json_pop(p);
}

void print_open_array(struct printer *p, const char *key)
{
	if (p->json)
		json_push(p, key, json_object_new_array());
}

void print_close_array(struct printer *p)
{
	if (p->json)
		json_pop(p);
}

void print_table_open(struct printer *p, const char *key, const char *const *headers)
{
	struct table *t;

	if (p->json) {
		print_open_array(p, key);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->headers = headers;
	while (headers[t->ncols])
		t->ncols++;
	table_free(p->table);
	p->table = t;
}

void print_row_open(struct printer *p)
{
	struct table *t = p->table;

	if (p->json) {
		print_open_object(p, NULL);
		return;
	}
	if (!t)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

		if (!cells)
			return;
		t->cells = cells;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	t->col = 0;
	t->in_row = true;
}

void print_row_close(struct printer *p)
{
	if (p->json) {
		print_close_object(p);
		return;
	}
	if (p->table)
		p->table->in_row = false;
}

static size_t text_width(const char *s)
{
	size_t w = 0;

	/* Count characters, not bytes, so UTF-8 names keep columns straight. */
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

void print_table_close(struct printer *p)
{
	struct table *t = p->table;
	size_t *width;

	if (p->json) {
		print_close_array(p);
		return;
	}
	if (!t)
		return;
	p->table = NULL;
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		goto out;
	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = text_width(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t w = text_width(s ? s : "-");

			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->headers[c] : t->cells[(r - 1) * t->ncols + c];

			if (!s || !*s)
				s = "-";
			fputs(s, p->out);
			if (c + 1 < t->ncols)
				pad(p->out, width[c] - text_width(s) + 2);
		}
		fputc('\n', p->out);
	}
	free(width);
out:
	table_free(t);
}

/* Text output of one formatted value: a cell in a table row, or straight out. */
static void text_emit(struct printer *p, const char *s)
{
	struct table *t = p->table;

	if (t && t->in_row) {
		if (t->col < t->ncols) {
			size_t i = (t->nrows - 1) * t->ncols + t->col;

			free(t->cells[i]);
			t->cells[i] = strdup(s);
			t->col++;
		}
		return;
	}
	fputs(s, p->out);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void text_fmt_str(struct printer *p, const char *fmt, const char *value)
{
	char *s;

	if (!fmt) {
		text_emit(p, value);
		return;
	}
	if (asprintf(&s, fmt, value) < 0)
		return;
	text_emit(p, s);
	free(s);
}
#pragma GCC diagnostic pop

void print_string(struct printer *p, enum print_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (p->json) {
		if (t != PRINT_TEXT)
			json_add(p, key, value ? json_object_new_string(value) : NULL);
		return;
	}
	if (t != PRINT_JSON)
		text_fmt_str(p, fmt, value ? value : "-");
}

void print_int(struct printer *p, enum print_type t, const char *key, const char *fmt,
	       long long value)
{
	char buf[32];

	if (p->json) {
		if (t != PRINT_TEXT)
			json_add(p, key, json_object_new_int64(value));
		return;
	}
	if (t != PRINT_JSON) {
		snprintf(buf, sizeof(buf), "%lld", value);
		text_fmt_str(p, fmt, buf);
	}
}

void print_uint(struct printer *p, enum print_type t, const char *key, const char *fmt,
		unsigned long long value)
{
	char buf[32];

	if (p->json) {
		if (t != PRINT_TEXT)
			json_add(p, key, json_object_new_uint64(value));
		return;
	}
	if (t != PRINT_JSON) {
		snprintf(buf, sizeof(buf), "%llu", value);
		text_fmt_str(p, fmt, buf);
	}
}

void print_bool(struct printer *p, enum print_type t, const char *key, const char *fmt, bool value)
{
	if (p->json) {
		if (t != PRINT_TEXT)
			json_add(p, key, json_object_new_boolean(value));
		return;
	}
	if (t != PRINT_JSON)
		text_fmt_str(p, fmt, value ? "yes" : "no");
}

void print_null(struct printer *p, enum print_type t, const char *key, const char *fmt)
{
	if (p->json) {
		if (t != PRINT_TEXT)
			json_add(p, key, NULL);
		return;
	}
	if (t != PRINT_JSON)
		text_fmt_str(p, fmt, "-");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void print_text(struct printer *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (p->json)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	text_emit(p, s);
	free(s);
}
#pragma GCC diagnostic pop

const char *print_scalar_text(struct json_object *v, char *buf, size_t len)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "-";
	case json_type_boolean:
		return json_object_get_boolean(v) ? "yes" : "no";
	case json_type_string:
		return json_object_get_string(v);
	case json_type_double:
		/* json-c writes doubles with 17 digits (0.032695000000000002); people want fewer. */
		snprintf(buf, len, "%.15g", json_object_get_double(v));
		return buf;
	case json_type_object:
	case json_type_array:
		/* Compact JSON where a single cell has to hold a structure. */
		snprintf(buf, len, "%s",
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		return buf;
	default:
		snprintf(buf, len, "%s", json_object_get_string(v));
		return buf;
	}
}

static bool is_scalar(struct json_object *v)
{
	return !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array);
}

static bool array_of_scalars(struct json_object *a)
{
	size_t n = json_object_array_length(a);

	for (size_t i = 0; i < n; i++)
		if (!is_scalar(json_object_array_get_idx(a, i)))
			return false;
	return true;
}

static void outline_object(struct printer *p, struct json_object *o, int indent, const char *first);

/* One "key: value" line, or "key:" and the structure below it. */
static void outline_member(struct printer *p, const char *prefix, const char *key, size_t keyw,
			   struct json_object *v, int indent)
{
	char buf[4096];

	fprintf(p->out, "%s%s:", prefix, key);
	if (is_scalar(v)) {
		pad(p->out, keyw - text_width(key) + 1);
		fprintf(p->out, "%s\n", print_scalar_text(v, buf, sizeof(buf)));
		return;
	}
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		if (n == 0 || array_of_scalars(v)) {
			pad(p->out, keyw - text_width(key) + 1);
			if (n == 0)
				fputs("-", p->out);
			for (size_t i = 0; i < n; i++)
				fprintf(p->out, "%s%s", i ? ", " : "",
					print_scalar_text(json_object_array_get_idx(v, i), buf,
							  sizeof(buf)));
			fputc('\n', p->out);
			return;
		}
		fputc('\n', p->out);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);

			if (json_object_is_type(e, json_type_object)) {
				outline_object(p, e, indent + 4, "- ");
			} else {
				pad(p->out, (size_t)indent + 2);
				fprintf(p->out, "- %s\n", print_scalar_text(e, buf, sizeof(buf)));
			}
		}
		return;
	}
	if (json_object_object_length(v) == 0) {
		pad(p->out, keyw - text_width(key) + 1);
		fputs("-\n", p->out);
		return;
	}
	fputc('\n', p->out);
	outline_object(p, v, indent + 2, NULL);
}

/*
 * Members of @o at @indent; with @first ("- "), the first line is written
 * two columns to the left behind that marker, as a list item.
 */
static void outline_object(struct printer *p, struct json_object *o, int indent, const char *first)
{
	char prefix[128];
	size_t keyw = 0;
	bool head = true;

	json_object_object_foreach(o, k, v0) {
		(void)v0;
		if (text_width(k) > keyw)
			keyw = text_width(k);
	}
	if (json_object_object_length(o) == 0 && first) {
		pad(p->out, (size_t)indent - 2);
		fprintf(p->out, "%s-\n", first);
		return;
	}
	json_object_object_foreach(o, key, v) {
		int n = indent < 100 ? indent : 100;

		if (head && first)
			snprintf(prefix, sizeof(prefix), "%*s%s", n - 2, "", first);
		else
			snprintf(prefix, sizeof(prefix), "%*s", n, "");
		head = false;
		outline_member(p, prefix, key, keyw, v, indent);
	}
}

void print_value(struct printer *p, enum print_type t, const char *key, const char *fmt,
		 struct json_object *value)
{
	char buf[4096];

	if (p->json) {
		if (t != PRINT_TEXT)
			json_add(p, key, json_object_get(value));
		return;
	}
	if (t == PRINT_JSON)
		return;
	if (is_scalar(value) || (p->table && p->table->in_row)) {
		text_fmt_str(p, fmt, print_scalar_text(value, buf, sizeof(buf)));
		return;
	}
	if (key) {
		outline_member(p, "", key, text_width(key), value, 0);
		return;
	}
	if (json_object_is_type(value, json_type_object)) {
		outline_object(p, value, 0, NULL);
	} else {
		size_t n = json_object_array_length(value);

		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(value, i);

			if (json_object_is_type(e, json_type_object))
				outline_object(p, e, 2, "- ");
			else
				fprintf(p->out, "- %s\n", print_scalar_text(e, buf, sizeof(buf)));
		}
	}
}
