/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Forwards on disk: what forward.add and forward.remove acknowledged is there
 * after vnetd is SIGKILLed and started again, read back through forward.list
 * and from the kernel's map. Before every restart the table is deleted, so
 * only what vnetd stored can bring the forwards back. Also: a torn last
 * journal line, the journal folded into the definition (files stay bounded),
 * network.define over a journal, and crashes in the middle of a rewrite
 * (made with hard links that keep the files as they were at that moment).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "test-vnetd-harness.h"

#define NET "fs"
#define TO "10.60.0.10"

static struct vd vd;
static struct vc *vc;

static void put(struct json_object *o)
{
	json_object_put(o);
}

static void connect_vc(void)
{
	vc = vc_connect(vd.sock);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vc);
}

static bool call_ok(const char *method, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool call_ok(const char *method, const char *fmt, ...)
{
	struct json_object *r;
	char params[1024];
	va_list ap;
	bool good;

	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	r = vc_call(vc, method, params);
	good = ok(r) != NULL;
	put(r);
	return good;
}

static bool add_tcp(unsigned int port)
{
	return call_ok("forward.add", "{\"network\":\"" NET "\",\"proto\":\"tcp\",\"port\":%u,\"to\":\"" TO "\",\"to_port\":80}",
		       port);
}

static bool remove_tcp(unsigned int port)
{
	return call_ok("forward.remove", "{\"network\":\"" NET "\",\"proto\":\"tcp\",\"port\":%u,\"to\":\"" TO "\"}",
		       port);
}

/*
 * vd_start, with more patience on a loaded machine (or a sanitizer build):
 * a vnetd still starting after vd_start's 5 s gets 30 s more.
 */
static bool start(void)
{
	if (vd_start(&vd))
		return true;
	for (int i = 0; vd.pid > 0 && i < 600; i++) {
		struct vc *c = vc_connect(vd.sock);

		if (c) {
			vc_close(c);
			return true;
		}
		usleep(50 * 1000);
	}
	return false;
}

/* SIGKILL vnetd, delete the table it leaves, start a new vnetd. */
static void crash_and_restart(void)
{
	int st;

	vc_close(vc);
	vc = NULL;
	st = vd_stop(&vd, SIGKILL);
	CU_ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CU_ASSERT_EQUAL(tl_run("nft delete table inet vnet"), 0);
	CU_ASSERT_FATAL(start());
	connect_vc();
}

/* Everything stopped (SIGKILL), to edit files; restart_only() goes on. */
static void crash(void)
{
	vc_close(vc);
	vc = NULL;
	vd_stop(&vd, SIGKILL);
	CU_ASSERT_EQUAL(tl_run("nft delete table inet vnet"), 0);
}

static void restart_only(void)
{
	CU_ASSERT_FATAL(start());
	connect_vc();
}

/*
 * The network's tcp listen ports, sorted, one per line, from forward.list
 * (@list) or from the kernel's map fwd4any (@list false). Caller frees.
 */
static char *ports(bool list)
{
	if (list) {
		struct json_object *r = vc_call(vc, "forward.list", "{\"network\":\"" NET "\"}");
		struct json_object *a = ok(r);
		char path[128], *out;
		FILE *f;

		snprintf(path, sizeof(path), "%s/list.json", vd.dir);
		f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputs(a ? json_object_to_json_string(a) : "null", f);
		fclose(f);
		put(r);
		out = tl_capture(NULL, "jq -r '.[] | select(.proto == \"tcp\" and .to == \"%s\") | .port' %s | sort -n",
				 TO, path);
		return out;
	}
	return tl_capture(NULL, "nft -j list map inet vnet fwd4any | "
			  "jq -r '.nftables[] | select(.map) | .map.elem // [] | .[] | "
			  "select(.[1].concat[0] == \"%s\") | .[0] | (.elem.val // .) | .concat | "
			  "select(.[0] == \"tcp\") | .[1]' | sort -n",
			  TO);
}

/* The expected ports: @n of them from @first, leaving out every @skip-th (0: none). */
static char *expect_ports(unsigned int first, unsigned int n, unsigned int skip)
{
	size_t len = 0, cap = n * 8 + 1;
	char *s = malloc(cap);

	s[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		if (skip && i % skip == 0)
			continue;
		len += snprintf(s + len, cap - len, "%u\n", first + i);
	}
	return s;
}

/* forward.list and the kernel both say exactly @want. */
static void check_ports(const char *want)
{
	char *got = ports(true);

	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "forward.list has %zu bytes of ports, %zu expected\n", strlen(got), strlen(want));
	free(got);
	/* the table comes back from the reconcile at start-up */
	CU_ASSERT_TRUE(wait_until(5000, "nft list map inet vnet fwd4any >/dev/null 2>&1"));
	got = ports(false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "fwd4any has %zu bytes of ports, %zu expected\n", strlen(got), strlen(want));
	free(got);
}

static long file_size(const char *ext)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/etc/networks/" NET ".%s", vd.dir, ext);
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/* The number of forwards in the definition file itself (not the journal). */
static long base_forwards(void)
{
	char *s = tl_capture(NULL, "jq '.forwards // [] | length' %s/etc/networks/" NET ".json", vd.dir);
	long n = s ? strtol(s, NULL, 10) : -1;

	free(s);
	return n;
}

static long log_count(const char *what)
{
	char *s = tl_capture(NULL, "grep -c -- '%s' %s", what, vd.log);
	long n = s ? strtol(s, NULL, 10) : -1;

	free(s);
	return n;
}

static void test_adds_survive_kill(void)
{
	char *want;
	bool all = true;

	for (unsigned int p = 20000; p < 20300; p++)
		all &= add_tcp(p);
	CU_ASSERT_TRUE(all);
	/*
	 * The first change wrote the definition and started the journal; the
	 * other 299 are only in the journal, which is what is tested.
	 */
	CU_ASSERT_EQUAL(base_forwards(), 1);
	CU_ASSERT_EQUAL(tl_run("test $(grep -c '^{\"add\":' %s/etc/networks/" NET ".journal) = 299", vd.dir), 0);
	CU_ASSERT_TRUE(file_size("journal") > 300 * 40);
	crash_and_restart();
	want = expect_ports(20000, 300, 0);
	check_ports(want);
	free(want);
	/* folded in at load: the definition has them, the journal is a header again */
	CU_ASSERT_EQUAL(base_forwards(), 300);
	CU_ASSERT_TRUE(file_size("journal") < 100);
}

static void test_removes_survive_kill(void)
{
	char *want;
	bool all = true;

	/* every third one goes; half of them before a crash, half after it */
	for (unsigned int i = 0; i < 150; i += 3)
		all &= remove_tcp(20000 + i);
	crash_and_restart();
	for (unsigned int i = 150; i < 300; i += 3)
		all &= remove_tcp(20000 + i);
	CU_ASSERT_TRUE(all);
	crash_and_restart();
	want = expect_ports(20000, 300, 3);
	check_ports(want);
	free(want);
}

static void test_torn_line(void)
{
	char *want;

	CU_ASSERT_TRUE(add_tcp(21000));
	crash();
	/* a write() cut short by the crash: no newline, never acknowledged */
	CU_ASSERT_EQUAL(tl_run("printf '{\"add\":{\"proto\":\"tcp\",\"port\":21001,\"to\":\"" TO "\",\"to_' >> %s/etc/networks/" NET ".journal",
			       vd.dir), 0);
	restart_only();
	CU_ASSERT_EQUAL(log_count("the last line is incomplete"), 1);
	want = expect_ports(20000, 300, 3);
	want = realloc(want, strlen(want) + 16);
	strcat(want, "21000\n");
	check_ports(want);
	/* and the journal goes on after it */
	CU_ASSERT_TRUE(add_tcp(21002));
	crash_and_restart();
	strcat(want, "21002\n");
	check_ports(want);
	free(want);
	CU_ASSERT_EQUAL(log_count("the last line is incomplete"), 1);
}

static void test_compaction(void)
{
	long max_journal = 0, json, journal, before = base_forwards();
	bool all = true;
	char *want;

	CU_ASSERT_TRUE(remove_tcp(21000));
	CU_ASSERT_TRUE(remove_tcp(21002));
	/* churn: the same forward added and removed; the definition does not grow */
	for (unsigned int i = 0; i < 1500; i++) {
		all &= add_tcp(30000);
		all &= remove_tcp(30000);
		journal = file_size("journal");
		if (journal > max_journal)
			max_journal = journal;
	}
	CU_ASSERT_TRUE(all);
	json = file_size("json");
	/* 3,000 changes of ~80 bytes would be 240 kB; folded in at 64 KiB (or the definition's size) */
	CU_ASSERT_TRUE(max_journal > 32 * 1024);
	CU_ASSERT_TRUE(max_journal <= (json > 65536 ? json : 65536) + 200);
	/* growth: 2,000 new forwards; folded in as the journal passes the definition */
	for (unsigned int p = 40000; p < 42000; p++) {
		all &= add_tcp(p);
		json = file_size("json");
		journal = file_size("journal");
		if (journal > (json > 65536 ? json : 65536) + 200) {
			CU_FAIL("the journal outgrew its bound");
			fprintf(stderr, "journal %ld B, definition %ld B\n", journal, json);
			break;
		}
	}
	CU_ASSERT_TRUE(all);
	CU_ASSERT_TRUE(base_forwards() > before + 500);
	crash_and_restart();
	want = expect_ports(20000, 300, 3);
	{
		char *more = expect_ports(40000, 2000, 0);

		want = realloc(want, strlen(want) + strlen(more) + 1);
		strcat(want, more);
		free(more);
	}
	check_ports(want);
	free(want);
	/* remove them again (the definition shrinks at the next fold) */
	for (unsigned int p = 40000; p < 42000; p++)
		all &= remove_tcp(p);
	CU_ASSERT_TRUE(all);
	crash_and_restart();
	want = expect_ports(20000, 300, 3);
	check_ports(want);
	free(want);
}

#define DEF "{\"name\":\"" NET "\",\"bridge\":\"vbr-fs\",\"ipv4\":{\"address\":\"10.60.0.1/24\"}"

static void test_define_over_journal(void)
{
	/* a journal with changes, then a definition with one forward of its own */
	CU_ASSERT_TRUE(add_tcp(50000));
	CU_ASSERT_TRUE(add_tcp(50001));
	CU_ASSERT_TRUE(file_size("journal") > 100);
	CU_ASSERT_TRUE(call_ok("network.define", DEF ",\"forwards\":[{\"proto\":\"tcp\",\"port\":50002,\"to\":\"" TO "\",\"to_port\":80}]}"));
	crash_and_restart();
	check_ports("50002\n");
	CU_ASSERT_TRUE(add_tcp(50003));
	crash_and_restart();
	check_ports("50002\n50003\n");
}

/*
 * A crash in the middle of network.define's rewrite: hard links keep the
 * definition and the journal as they were, and what the old journal had
 * appended to it (its seal).
 */
static void test_define_cut_short(void)
{
	const char *d = vd.dir;

	CU_ASSERT_TRUE(add_tcp(50004));
	CU_ASSERT_TRUE(tl_run("ln %s/etc/networks/" NET ".journal %s/old.journal && "
			      "ln %s/etc/networks/" NET ".json %s/old.json", d, d, d, d) == 0);
	CU_ASSERT_TRUE(call_ok("network.define", DEF ",\"forwards\":[{\"proto\":\"tcp\",\"port\":50005,\"to\":\"" TO "\"}]}"));
	CU_ASSERT_EQUAL(tl_run("grep -q replaced-by %s/old.journal", d), 0);

	/* cut after the new definition was renamed in, before the new journal: the new state */
	crash();
	CU_ASSERT_EQUAL(tl_run("cp %s/old.journal %s/etc/networks/" NET ".journal", d, d), 0);
	restart_only();
	CU_ASSERT_EQUAL(log_count("already folded into"), 1);
	check_ports("50005\n");

	/* cut after the seal, before the rename: the old state, its journal up to the seal */
	crash();
	CU_ASSERT_EQUAL(tl_run("cp %s/old.journal %s/etc/networks/" NET ".journal && "
			       "cp %s/old.json %s/etc/networks/" NET ".json", d, d, d, d), 0);
	restart_only();
	check_ports("50002\n50003\n50004\n");

	/* a definition edited by hand while vnetd was away: the journal's changes still apply */
	CU_ASSERT_TRUE(add_tcp(50006));
	crash();
	CU_ASSERT_EQUAL(tl_run("jq '.autostart = false' %s/etc/networks/" NET ".json > %s/edit.json && "
			       "mv %s/edit.json %s/etc/networks/" NET ".json", d, d, d, d), 0);
	restart_only();
	CU_ASSERT_EQUAL(log_count("edited by hand"), 1);
	check_ports("50002\n50003\n50004\n50006\n");
}

/*
 * A full disk: a change that cannot be stored is refused and undone, in the
 * kernel too, and a rewrite that failed after its seal is not appended to.
 */
static void test_disk_full(void)
{
	struct json_object *r;
	char *got;

	CU_ASSERT_TRUE(add_tcp(50007));
	/* the journal's last page has room for a seal and a line; nothing else fits */
	tl_run("dd if=/dev/zero of=%s/fill bs=64k >/dev/null 2>&1", vd.dir);
	r = vc_call(vc, "network.define", DEF ",\"forwards\":[]}");
	CU_ASSERT_TRUE(err_is(r, "ENOSPC", NULL));
	put(r);
	r = vc_call(vc, "forward.add", "{\"network\":\"" NET "\",\"proto\":\"tcp\",\"port\":50008,\"to\":\"" TO "\"}");
	CU_ASSERT_TRUE(err_is(r, "ENOSPC", "storing the forward"));
	put(r);
	got = ports(false);
	CU_ASSERT_PTR_NULL(strstr(got ? got : "", "50008"));
	free(got);
	CU_ASSERT_EQUAL(tl_run("rm %s/fill", vd.dir), 0);
	CU_ASSERT_TRUE(add_tcp(50009));
	crash_and_restart();
	check_ports("50002\n50003\n50004\n50006\n50007\n50009\n");
}

static void test_undefine_forgets(void)
{
	CU_ASSERT_TRUE(call_ok("network.stop", "{\"name\":\"" NET "\"}"));
	CU_ASSERT_TRUE(call_ok("network.undefine", "{\"name\":\"" NET "\"}"));
	CU_ASSERT_EQUAL(file_size("json"), -1);
	CU_ASSERT_EQUAL(file_size("journal"), -1);
	/* a network of the same name starts with no forwards */
	CU_ASSERT_TRUE(call_ok("network.define", DEF "}"));
	CU_ASSERT_TRUE(call_ok("network.start", "{\"name\":\"" NET "\"}"));
	crash_and_restart();
	check_ports("");
}

static int suite_init(void)
{
	vd_setup(&vd);
	if (!start())
		return -1;
	vc = vc_connect(vd.sock);
	if (!vc)
		return -1;
	if (!call_ok("network.define", DEF "}") || !call_ok("network.start", "{\"name\":\"" NET "\"}"))
		return -1;
	return 0;
}

static int suite_clean(void)
{
	vc_close(vc);
	if (CU_get_number_of_failures())
		vd_dump_log(&vd);
	vd_stop(&vd, SIGTERM);
	return 0;
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "adds survive SIGKILL", test_adds_survive_kill },
		{ "removes survive SIGKILL", test_removes_survive_kill },
		{ "a torn last line", test_torn_line },
		{ "the journal is folded in", test_compaction },
		{ "network.define over a journal", test_define_over_journal },
		{ "network.define cut short", test_define_cut_short },
		{ "a full disk", test_disk_full },
		{ "undefine forgets", test_undefine_forgets },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd forward store", suite_init, suite_clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	tl_init_root();
	return tl_run_suites(suites);
}
