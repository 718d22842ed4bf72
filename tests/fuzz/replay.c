/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A driver for the fuzz targets without libFuzzer, run by make check (and
 * so under --enable-sanitizers too): every file of the target's corpus and
 * of its crashes directory, then a fixed series of inputs mutated from the
 * corpus with a seeded generator, so every run feeds the same bytes.
 *
 *   fuzz-TARGET [DIR|FILE]...
 *
 * Without arguments the directories are $VNET_TOP_SRCDIR/tests/fuzz/corpus/
 * TARGET and .../crashes/TARGET. VNET_FUZZ_ITERATIONS (default 10000) sets how
 * many mutated inputs follow, VNET_FUZZ_SECONDS (default 5) bounds the time
 * they may take. When an input kills the process its bytes are written to
 * fuzz-TARGET.crash next to the program first, ready to be replayed as a
 * FILE argument.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif

#define FUZZ_MAX_INPUT (64u << 10)
#define FUZZ_MAX_SEEDS 256

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct input {
	uint8_t *data;
	size_t size;
};

static struct input seeds[FUZZ_MAX_SEEDS];
static size_t n_seeds;

/* What is being run now, for the crash handler (which may only write()). */
static const uint8_t *current;
static size_t current_size;
static char crash_path[4096];

static void save_current(void)
{
	int fd;

	if (!current)
		return;
	fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t off = 0;

		while (off < current_size) {
			ssize_t n = write(fd, current + off, current_size - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		close(fd);
		(void)!write(STDERR_FILENO, "input saved as ", 15);
		(void)!write(STDERR_FILENO, crash_path, strlen(crash_path));
		(void)!write(STDERR_FILENO, "\n", 1);
	}
	current = NULL;
}

static void on_fatal(int sig)
{
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_set_death_callback(void (*callback)(void));
#endif

/* Run one input from an exactly sized heap copy, so reading past it is caught. */
static void run(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	memcpy(copy, data, size);
	current = copy;
	current_size = size;
	LLVMFuzzerTestOneInput(copy, size);
	current = NULL;
	free(copy);
}

static int read_file(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096;
	int r = 0;

	if (!f)
		return -errno;
	in->size = 0;
	in->data = malloc(cap);
	while (in->data) {
		size_t n = fread(in->data + in->size, 1, cap - in->size, f);

		in->size += n;
		if (n == 0 || in->size >= FUZZ_MAX_INPUT)
			break;
		if (in->size == cap) {
			uint8_t *d = realloc(in->data, cap * 2);

			if (!d) {
				free(in->data);
				in->data = NULL;
				break;
			}
			in->data = d;
			cap *= 2;
		}
	}
	if (!in->data)
		r = -ENOMEM;
	else if (ferror(f))
		r = -EIO;
	fclose(f);
	if (r < 0)
		free(in->data);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay @path (a file, or every file of a directory in name order) and keep it as a seed. */
static int replay_path(const char *path, bool must_exist, size_t *count)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (stat(path, &st) < 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		struct input in;

		r = read_file(path, &in);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(-r));
			return r;
		}
		run(in.data, in.size);
		(*count)++;
		if (n_seeds < FUZZ_MAX_SEEDS)
			seeds[n_seeds++] = in;
		else
			free(in.data);
		return 0;
	}

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				break;
			}
			names = v;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = replay_path(names[i], true, count);
		free(names[i]);
	}
	free(names);
	return r;
}

/* xorshift64*: the same series on every machine. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* Values that tend to sit on boundaries: lengths, types, signs. */
static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 20, 31, 32, 63, 64, 127, 128, 255, 256,
	0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};

/* Bytes that matter to the text parsers. */
static const char tokens[] = "\0\n\r\t \"\\/:.-*[]{},0123456789abcdefx";

static size_t mutate(uint8_t *buf, size_t size, size_t cap)
{
	unsigned rounds = 1 + (unsigned)rnd_below(4);

	for (unsigned i = 0; i < rounds; i++) {
		size_t pos = rnd_below(size), len;
		uint32_t v;

		switch (rnd_below(10)) {
		case 0: /* flip a bit */
			if (size)
				buf[pos] ^= (uint8_t)(1u << rnd_below(8));
			break;
		case 1: /* a random byte */
			if (size)
				buf[pos] = (uint8_t)rnd();
			break;
		case 2: /* an interesting 8/16/32-bit value, either byte order */
			v = interesting[rnd_below(VNET_FUZZ_ARRAY_SIZE(interesting))];
			len = (size_t)1 << rnd_below(3);
			if (rnd() & 1)
				v = __builtin_bswap32(v) >> (8 * (4 - len));
			if (size >= len) {
				pos = rnd_below(size - len + 1);
				memcpy(buf + pos, &v, len);
			}
			break;
		case 3: /* a token byte */
			if (size)
				buf[pos] = (uint8_t)tokens[rnd_below(sizeof(tokens) - 1)];
			break;
		case 4: /* insert a few bytes */
			len = 1 + rnd_below(8);
			if (size + len <= cap) {
				pos = rnd_below(size + 1);
				memmove(buf + pos + len, buf + pos, size - pos);
				for (size_t j = 0; j < len; j++)
					buf[pos + j] = (rnd() & 1) ? (uint8_t)rnd() :
						(uint8_t)tokens[rnd_below(sizeof(tokens) - 1)];
				size += len;
			}
			break;
		case 5: /* delete a range */
			if (size) {
				len = 1 + rnd_below(size - pos < 16 ? size - pos : 16);
				memmove(buf + pos, buf + pos + len, size - pos - len);
				size -= len;
			}
			break;
		case 6: /* truncate */
			size = rnd_below(size + 1);
			break;
		case 7: /* copy a chunk over another place */
			if (size > 1) {
				size_t from = rnd_below(size);

				len = 1 + rnd_below(size - (from > pos ? from : pos));
				memmove(buf + pos, buf + from, len);
			}
			break;
		case 8: /* splice in part of another seed */
			if (n_seeds) {
				const struct input *o = &seeds[rnd_below(n_seeds)];
				size_t from = rnd_below(o->size);

				len = rnd_below(o->size - from + 1);
				if (pos + len > cap)
					len = cap - pos;
				memcpy(buf + pos, o->data + from, len);
				if (pos + len > size)
					size = pos + len;
			}
			break;
		default: /* duplicate a chunk in place (repeats attributes, nests) */
			if (size) {
				len = 1 + rnd_below(size - pos < 64 ? size - pos : 64);
				if (size + len <= cap) {
					memmove(buf + pos + len, buf + pos, size - pos);
					size += len;
				}
			}
			break;
		}
	}
	return size;
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "%s='%s' is not a number; using %lu\n", name, s, dflt);
		return dflt;
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long iterations = env_ulong("VNET_FUZZ_ITERATIONS", 10000);
	unsigned long seconds = env_ulong("VNET_FUZZ_SECONDS", 5);
	const char *top = getenv("VNET_TOP_SRCDIR"), *slash;
	size_t files = 0, done = 0;
	uint8_t *buf;
	double start;
	int r = 0;

	slash = strrchr(argv[0], '/');
	snprintf(crash_path, sizeof(crash_path), "%.*sfuzz-%s.crash",
		 slash ? (int)(slash - argv[0] + 1) : 0, argv[0], FUZZ_TARGET);
	signal(SIGABRT, on_fatal);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's own SEGV handler explains the fault, then calls this. */
	__sanitizer_set_death_callback(save_current);
#else
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGILL, on_fatal);
#endif
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	if (argc > 1) {
		for (int i = 1; i < argc && r == 0; i++)
			r = replay_path(argv[i], true, &files);
	} else {
		char *corpus, *crashes;

		if (!top)
			top = ".";
		if (asprintf(&corpus, "%s/tests/fuzz/corpus/%s", top, FUZZ_TARGET) < 0 ||
		    asprintf(&crashes, "%s/tests/fuzz/crashes/%s", top, FUZZ_TARGET) < 0)
			return 99;
		r = replay_path(corpus, true, &files);
		if (r == 0)
			r = replay_path(crashes, false, &files);
		free(corpus);
		free(crashes);
	}
	if (r < 0)
		return 99;

	/* A fixed seed per target: a failure here comes back on every run. */
	rng_state = 0x9e3779b97f4a7c15ull;
	for (const char *p = FUZZ_TARGET; *p; p++)
		rng_state = (rng_state ^ (uint8_t)*p) * 0x100000001b3ull;
	buf = malloc(FUZZ_MAX_INPUT);
	if (!buf)
		return 99;
	start = now();
	for (; done < iterations; done++) {
		size_t size = 0;

		if (n_seeds) {
			const struct input *s = &seeds[rnd_below(n_seeds)];

			memcpy(buf, s->data, s->size);
			size = s->size;
		}
		/* Several rounds on the same input wander further from the seed. */
		size = mutate(buf, size, FUZZ_MAX_INPUT);
		if (rnd_below(4) == 0)
			size = mutate(buf, size, FUZZ_MAX_INPUT);
		run(buf, size);
		if ((done & 63) == 0 && now() - start > (double)seconds)
			break;
	}
	free(buf);
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i].data);
	printf("fuzz-%s: %zu corpus inputs, %zu mutated inputs in %.1f s: no failure\n",
	       FUZZ_TARGET, files, done, now() - start);
	return 0;
}
