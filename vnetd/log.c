/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging: stderr in the foreground (journald adds its own time stamps, so
 * none here), syslog otherwise. The level is process state by nature, kept
 * here rather than threaded through every call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "vnetd.h"

static struct {
	bool to_stderr;
	int level;
} log_state = { true, LOG_INFO };

void log_open(bool to_stderr, int level)
{
	log_state.to_stderr = to_stderr;
	log_state.level = level;
	if (!to_stderr)
		openlog("vnetd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_level_parse(const char *s)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcasecmp(s, levels[i].name))
			return levels[i].level;
	return -1;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_state.level)
		return;
	va_start(ap, fmt);
	if (log_state.to_stderr) {
		char line[2048];
		int n, m;

		/*
		 * "<N>" prefixes let journald keep the priority under systemd.
		 * stderr is unbuffered: one line, one write (lines do not mix
		 * with a child's, and a busy daemon makes a third of the calls).
		 */
		n = snprintf(line, sizeof(line), "<%d>vnetd: ", prio);
		m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
		if (m >= 0 && (size_t)(n + m) < sizeof(line) - 1) {
			line[n + m] = '\n';
			fwrite(line, 1, (size_t)(n + m + 1), stderr);
		} else {
			/* too long for the buffer: as it was, in pieces */
			va_end(ap);
			va_start(ap, fmt);
			fprintf(stderr, "<%d>vnetd: ", prio);
			vfprintf(stderr, fmt, ap);
			fputc('\n', stderr);
		}
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}
