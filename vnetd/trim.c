/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Giving freed memory back. A burst of work (starting many networks, a
 * reconcile pass over all of them, a large request) leaves glibc's heap
 * with free chunks between live ones; glibc returns only the top of the
 * heap by itself, so the pages of those holes stay resident for good
 * (about 0.9 MiB of vnetd's 6.4 MiB RSS with 200 networks). malloc_trim()
 * also releases whole free pages inside the heap (MADV_DONTNEED).
 *
 * It runs once the loop has done some work, TRIM_DELAY_USEC after the
 * first event of a burst: at most a few times a second while busy, never
 * while idle. A post source sees every dispatch; it arms a one-shot timer
 * unless that is already armed or the dispatch was the timer itself.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "vnetd.h"

#define TRIM_DELAY_USEC (200ULL * 1000)
#define TRIM_ACCURACY_USEC (50ULL * 1000)

struct vnetd_trim {
	sd_event_source *post;
	sd_event_source *timer;
	bool trimmed;          /* the last dispatch was the timer: no work to follow up */
};

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vnetd_trim *t = userdata;

	malloc_trim(0);
	t->trimmed = true;
	return 0;
}

static int on_post(sd_event_source *src, void *userdata)
{
	struct vnetd_trim *t = userdata;
	int enabled = SD_EVENT_OFF;

	if (t->trimmed) {
		t->trimmed = false;
		return 0;
	}
	if (sd_event_source_get_enabled(t->timer, &enabled) >= 0 && enabled != SD_EVENT_OFF)
		return 0;
	if (sd_event_source_set_time_relative(t->timer, TRIM_DELAY_USEC) >= 0)
		sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
	return 0;
}

int trim_start(struct vnetd *d)
{
	struct vnetd_trim *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	d->trim = t;
	/* armed now: start-up (adopting every network) was a burst too */
	r = sd_event_add_time_relative(d->event, &t->timer, CLOCK_MONOTONIC, TRIM_DELAY_USEC,
				       TRIM_ACCURACY_USEC, on_timer, t);
	if (r < 0)
		return r;
	r = sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
	if (r < 0)
		return r;
	return sd_event_add_post(d->event, &t->post, on_post, t);
}

void trim_free(struct vnetd *d)
{
	struct vnetd_trim *t = d->trim;

	if (!t)
		return;
	sd_event_source_disable_unref(t->post);
	sd_event_source_disable_unref(t->timer);
	free(t);
	d->trim = NULL;
}
