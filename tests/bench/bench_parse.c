/*
 * bench_parse.c - what parsing in the limited worker process costs, in one
 * process and run: every mail of tests/fixtures/mail/ parsed ROUNDS times in
 * process (mime_parse) and through a parsebox (one request and answer over
 * pipes each), then a 10 MB mail with a base64 body both ways.  Prints
 * "name: value" lines:
 *   bench.parse.inline_per_s        fixture mails parsed per second in process
 *   bench.parse.isolated_per_s      the same through the parsebox worker
 *   bench.parse.isolated_vs_inline  their ratio
 *   bench.parse.worker_start_ms     parsebox_new to the first answer (spawn, limits, charsets, filter)
 *   bench.parse.big_inline_ms / big_isolated_ms  the 10 MB mail
 * usage: bench_parse WORKER_BINARY [ROUNDS]
 */
#include "mime.h"
#include "parsebox.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mail {
	char *raw;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
load(struct mail **out)
{
	DIR *d = opendir("tests/fixtures/mail");
	struct dirent *e;
	size_t n = 0;
	*out = NULL;
	while (d && (e = readdir(d)) != NULL) {
		char path[512], tmp[65536];
		struct buf b = BUF_INIT;
		size_t k;
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "tests/fixtures/mail/%s", e->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
			buf_add(&b, tmp, k);
		fclose(f);
		*out = xrealloc(*out, (n + 1) * sizeof **out);
		(*out)[n].len = b.len;
		(*out)[n++].raw = buf_detach(&b);
	}
	if (d)
		closedir(d);
	return n;
}

/* About 10 MB: a text/plain body of base64 lines. */
static char *
big_mail(size_t *len)
{
	static const char line[] = "R3LDvMOfZSBhdXMgS8O2bG4sIGVpbiBsYW5nZXIgVGV4dCBmw7xyIGRlbiBUZXN0LiBaZWlsZS4K\r\n";
	struct buf b = BUF_INIT;
	buf_adds(&b, "From: Big <big@example.com>\r\nSubject: big\r\nContent-Type: text/plain; charset=utf-8\r\n"
	             "Content-Transfer-Encoding: base64\r\n\r\n");
	while (b.len < 10u * 1000 * 1000)
		buf_add(&b, line, sizeof line - 1);
	*len = b.len;
	return buf_detach(&b);
}

int
main(int argc, char **argv)
{
	struct mail *v;
	size_t n = load(&v), blen;
	int rounds = argc > 2 ? atoi(argv[2]) : 100;
	struct parsebox_limits lim = PARSEBOX_LIMITS_DEFAULT;
	struct parsebox *pb;
	struct parsed_mail m;
	double t0, t_in, t_box, t_start;
	char *big;

	if (argc < 2 || !n) {
		fprintf(stderr, "usage: bench_parse WORKER_BINARY [ROUNDS] (from the repository root)\n");
		return 2;
	}
	log_open(0, LOG_LVL_ERR);
	t0 = now();
	pb = parsebox_new(argv[1], &lim);
	if (parsebox_parse(pb, v[0].raw, v[0].len, NULL, &m) < -1) {
		fprintf(stderr, "bench_parse: the worker does not answer\n");
		return 1;
	}
	parsed_mail_free(&m);
	t_start = now() - t0;

	t0 = now();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			mime_parse(v[i].raw, v[i].len, NULL, &m);
			parsed_mail_free(&m);
		}
	t_in = now() - t0;
	t0 = now();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			parsebox_parse(pb, v[i].raw, v[i].len, NULL, &m);
			parsed_mail_free(&m);
		}
	t_box = now() - t0;
	printf("bench.parse.mails: %zu\n", (size_t)rounds * n);
	printf("bench.parse.inline_per_s: %.0f\n", (double)rounds * (double)n / t_in);
	printf("bench.parse.isolated_per_s: %.0f\n", (double)rounds * (double)n / t_box);
	printf("bench.parse.isolated_vs_inline: %.2f\n", t_in / t_box);
	printf("bench.parse.worker_start_ms: %.1f\n", t_start * 1e3);

	big = big_mail(&blen);
	t0 = now();
	mime_parse(big, blen, NULL, &m);
	t_in = now() - t0;
	parsed_mail_free(&m);
	t0 = now();
	parsebox_parse(pb, big, blen, NULL, &m);
	t_box = now() - t0;
	parsed_mail_free(&m);
	printf("bench.parse.big_inline_ms: %.1f\n", t_in * 1e3);
	printf("bench.parse.big_isolated_ms: %.1f\n", t_box * 1e3);
	free(big);
	parsebox_free(pb);
	for (size_t i = 0; i < n; i++)
		free(v[i].raw);
	free(v);
	return 0;
}
