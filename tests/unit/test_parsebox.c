/*
 * test_parsebox.c - mail parsed in the limited worker process: the same
 * answer as in process for every fixture and for the charsets that need
 * iconv modules; bombs refused there too; a worker that is killed mid-parse,
 * overruns its time, crashes, runs out of memory or answers garbage is
 * reported and replaced; the seccomp filter really blocks open().
 *
 * The worker is the real daemon binary: $MENTORBOT, else ./mentorbot
 * (build/asan/mentorbot for the sanitizer build of this test), run from the
 * repository root as tests/run.sh does.
 */
#include "mime.h"
#include "parsebox.h"
#include "t.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *exe;

static struct parsebox *
box(size_t memory, int timeout_ms)
{
	struct parsebox_limits l = PARSEBOX_LIMITS_DEFAULT;
	if (memory)
		l.memory = memory;
	if (timeout_ms)
		l.timeout_ms = timeout_ms;
	return parsebox_new(exe, &l);
}

static int
str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Every field of two parsed mails equal?  Prints the first difference. */
static int
same_mail(const struct parsed_mail *a, const struct parsed_mail *b)
{
#define S(f)                                                                                                           \
	do {                                                                                                           \
		if (!str_same(a->f, b->f)) {                                                                           \
			printf("  %s differs: \"%.60s\" / \"%.60s\"\n", #f, a->f ? a->f : "(null)",                    \
			       b->f ? b->f : "(null)");                                                                \
			return 0;                                                                                      \
		}                                                                                                      \
	} while (0)
#define I(f)                                                                                                           \
	do {                                                                                                           \
		if (a->f != b->f) {                                                                                    \
			printf("  %s differs: %d / %d\n", #f, a->f, b->f);                                             \
			return 0;                                                                                      \
		}                                                                                                      \
	} while (0)
	S(from_addr);
	S(from_name);
	S(reply_to);
	S(to_addr);
	S(rcpt_addrs);
	S(return_path);
	S(subject);
	S(message_id);
	S(in_reply_to);
	S(references);
	S(auth_results);
	S(date);
	S(content_language);
	S(text);
	S(calendar);
	S(calendar_method);
	S(auto_reason);
	S(bounce_rcpt);
	S(error);
	I(from_count);
	I(text_from_html);
	I(is_auto);
	I(is_bounce);
	I(nparts);
#undef S
#undef I
	return 1;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	if (!f) {
		*len = 0;
		return xstrdup("");
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return b.p ? buf_detach(&b) : xstrdup("");
}

/* raw parsed in process and in pb: the same answer */
static int
same_both_ways(struct parsebox *pb, const char *raw, size_t len, const struct mail_caps *caps)
{
	struct parsed_mail a, b;
	int ra = mime_parse(raw, len, caps, &a), rb = parsebox_parse(pb, raw, len, caps, &b), ok;
	ok = ra == rb && same_mail(&a, &b);
	parsed_mail_free(&a);
	parsed_mail_free(&b);
	return ok;
}

static void
test_fixtures_same_in_worker_as_in_process(void)
{
	struct parsebox *pb = box(0, 0);
	DIR *d = opendir("tests/fixtures/mail");
	struct dirent *e;
	int n = 0;
	pid_t pid = 0;
	CHECK(d != NULL);
	while (d && (e = readdir(d)) != NULL) {
		char path[512];
		size_t len;
		char *raw;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "tests/fixtures/mail/%s", e->d_name);
		raw = slurp(path, &len);
		if (!same_both_ways(pb, raw, len, NULL))
			printf("  fixture %s differs\n", e->d_name);
		CHECK(same_both_ways(pb, raw, len, NULL));
		free(raw);
		if (!pid)
			pid = parsebox_worker_pid(pb);
		n++;
	}
	if (d)
		closedir(d);
	CHECK(n >= 20);
	CHECK(pid > 0 && parsebox_worker_pid(pb) == pid); /* one worker served them all */
	/* hand-made mails: no headers, empty, a NUL, two From */
	CHECK(same_both_ways(pb, "", 0, NULL));
	CHECK(same_both_ways(pb, "no headers here", 15, NULL));
	CHECK(same_both_ways(pb, "From: a@x.test\nSubject: a\0b\n\nbody\0nul\n", 37, NULL));
	CHECK(same_both_ways(pb, "From: a@x.test\nFrom: b@x.test\nSubject: s\n\nb\n", 44, NULL));
	{
		/* over the size cap: the headers only, in the worker as in process */
		struct mail_caps small = {64, 20, 500};
		const char *big = "From: Big <big@x.test>\nSubject: big\nMessage-ID: <b@x>\n\nmore than sixty-four "
				  "bytes of body\n";
		CHECK(same_both_ways(pb, big, strlen(big), &small));
		CHECK(same_both_ways(pb, "no headers at all, and longer than sixty-four bytes, too .........", 66,
				     &small));
	}
	parsebox_free(pb);
}

/* Charsets whose gconv modules the worker loads before its filter forbids open(). */
static void
test_charsets_decode_the_same(void)
{
	static const char *const cs[] = {"ISO-2022-JP", "Shift_JIS",    "EUC-JP",     "EUC-KR",   "GB2312",
					 "GBK",         "GB18030",      "Big5",       "KOI8-R",   "KOI8-U",
					 "ISO-8859-2",  "windows-1251", "ISO-8859-7", "UTF-16LE", "TIS-620"};
	static const char *const text[] = {"日本語のメールです。",
					   "日本語のメールです。",
					   "日本語のメールです。",
					   "한국어 메일입니다.",
					   "中文邮件。",
					   "中文邮件。",
					   "中文邮件。",
					   "中文郵件。",
					   "Привет, мир.",
					   "Привіт, світ.",
					   "Dobrý den, Łódź.",
					   "Привет, мир.",
					   "Καλημέρα.",
					   "Grüße, 世界.",
					   "สวัสดีครับ"};
	struct parsebox *pb = box(0, 0);
	for (size_t i = 0; i < ARRAY_LEN(cs); i++) {
		iconv_t cd = iconv_open(cs[i], "UTF-8");
		char out[256], *ip = (char *)text[i], *op = out;
		size_t il = strlen(text[i]), ol = sizeof out;
		struct buf m = BUF_INIT;
		struct parsed_mail a;
		CHECK(cd != (iconv_t)-1);
		if (cd == (iconv_t)-1)
			continue;
		CHECK(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
		iconv(cd, NULL, NULL, &op, &ol);
		iconv_close(cd);
		buf_addf(&m,
			 "From: c@x.test\nSubject: cs\nContent-Type: text/plain; charset=\"%s\"\n"
			 "Content-Transfer-Encoding: 8bit\n\n",
			 cs[i]);
		buf_add(&m, out, (size_t)(op - out));
		CHECK(same_both_ways(pb, m.p, m.len, NULL));
		CHECK(parsebox_parse(pb, m.p, m.len, NULL, &a) == 0);
		if (strcmp(a.text, text[i]) != 0)
			printf("  %s: \"%s\" instead of \"%s\"\n", cs[i], a.text, text[i]);
		CHECK_STR(a.text, text[i]);
		parsed_mail_free(&a);
		buf_free(&m);
	}
	parsebox_free(pb);
}

static void
test_bombs_refused_in_worker_too(void)
{
	struct parsebox *pb = box(0, 0);
	struct buf b = BUF_INIT;
	struct parsed_mail m;
	pid_t pid;
	buf_adds(&b, "From: bomb@example.com\r\nSubject: bomb\r\n");
	for (int i = 0; i < 30000; i++)
		buf_addf(&b, "Content-Type : multipart/mixed; boundary=b%dx\r\n\r\n--b%dx\r\n", i, i);
	CHECK(parsebox_parse(pb, b.p, b.len, NULL, &m) == 0);
	CHECK(m.error && strstr(m.error, "MIME nesting too deep"));
	CHECK_STR(m.from_addr, "bomb@example.com");
	parsed_mail_free(&m);
	pid = parsebox_worker_pid(pb);
	CHECK(same_both_ways(pb, b.p, b.len, NULL));
	CHECK(parsebox_worker_pid(pb) == pid);
	buf_free(&b);
	parsebox_free(pb);
}

struct spin_arg {
	struct parsebox *pb;
	int rc;
	struct parsed_mail out;
};

static void *
spin_thread(void *p)
{
	struct spin_arg *a = p;
	a->rc = parsebox_test(a->pb, PARSEBOX_TEST_SPIN, &a->out);
	return NULL;
}

/* a normal mail still parses, in a worker other than old */
static void
check_restarted(struct parsebox *pb, pid_t old)
{
	struct parsed_mail m;
	const char *raw = "From: after@x.test\nSubject: after\n\nhelp\n";
	CHECK(parsebox_parse(pb, raw, strlen(raw), NULL, &m) == 0);
	CHECK(m.error == NULL);
	CHECK_STR(m.from_addr, "after@x.test");
	CHECK(parsebox_worker_pid(pb) > 0 && parsebox_worker_pid(pb) != old);
	parsed_mail_free(&m);
}

static void
test_worker_killed_mid_parse_is_reported_and_restarted(void)
{
	struct parsebox *pb = box(0, 20000);
	struct spin_arg a = {pb, 0, {0}};
	pthread_t th;
	pid_t pid = 0;
	pthread_create(&th, NULL, spin_thread, &a);
	for (int i = 0; i < 400 && !(pid = parsebox_worker_pid(pb)); i++)
		usleep(5000);
	usleep(200 * 1000);
	CHECK(pid > 0);
	if (pid > 0)
		kill(pid, SIGKILL);
	pthread_join(th, NULL);
	CHECK(a.rc == PARSEBOX_FAILED);
	CHECK_STR(a.out.error, "parser crashed (signal 9)");
	parsed_mail_free(&a.out);
	check_restarted(pb, pid);
	parsebox_free(pb);
}

static void
test_timeout_kills_and_restarts(void)
{
	struct parsebox *pb = box(0, 300);
	struct parsed_mail m;
	struct timespec t0, t1;
	pid_t pid;
	CHECK(parsebox_test(pb, PARSEBOX_TEST_OPEN, &m) == 0); /* the worker runs */
	parsed_mail_free(&m);
	pid = parsebox_worker_pid(pb);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(parsebox_test(pb, PARSEBOX_TEST_SPIN, &m) == PARSEBOX_FAILED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_STR(m.error, "parser timed out (1 s)");
	CHECK(t1.tv_sec - t0.tv_sec < 3);
	CHECK(parsebox_worker_pid(pb) == 0);
	CHECK(kill(pid, 0) < 0 && errno == ESRCH); /* killed and reaped */
	parsed_mail_free(&m);
	check_restarted(pb, pid);
	parsebox_free(pb);
}

static void
test_malformed_answer_is_a_crash(void)
{
	struct parsebox *pb = box(0, 0);
	struct parsed_mail m;
	pid_t pid;
	CHECK(parsebox_test(pb, PARSEBOX_TEST_GARBAGE, &m) == PARSEBOX_FAILED);
	CHECK_STR(m.error, "parser answered malformed data");
	CHECK(m.from_addr == NULL && m.text == NULL);
	parsed_mail_free(&m);
	pid = parsebox_worker_pid(pb);
	CHECK(pid == 0);
	check_restarted(pb, pid);
	parsebox_free(pb);
}

/* A crash is reported; under ASan the sanitizer's report still reaches stderr. */
static void
test_crash_reported_with_sanitizer_report(void)
{
	struct parsebox *pb = box(0, 0);
	struct parsed_mail m;
	char tmpl[] = "/tmp/mentorbot-pbtest.XXXXXX", log[4096] = "";
	int fd = mkstemp(tmpl), saved = dup(2);
	ssize_t n;
	fflush(stderr);
	dup2(fd, 2);
	CHECK(parsebox_test(pb, PARSEBOX_TEST_CRASH, &m) == PARSEBOX_FAILED);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, log, sizeof log - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmpl);
	if (T_ASAN) {
		CHECK(m.error && strncmp(m.error, "parser ", 7) == 0);
		/* UBSan sees the NULL store first; either way a sanitizer report came out */
		CHECK(strstr(log, "AddressSanitizer: SEGV") != NULL || strstr(log, "runtime error:") != NULL);
	} else {
		CHECK_STR(m.error, "parser crashed (signal 11)");
	}
	parsed_mail_free(&m);
	check_restarted(pb, 0);
	parsebox_free(pb);
}

static void
test_seccomp_blocks_open(void)
{
	struct parsebox *pb = box(0, 0);
	struct parsed_mail m;
	CHECK(parsebox_test(pb, PARSEBOX_TEST_OPEN, &m) == 0);
	CHECK_STR(m.error, "open: blocked (Operation not permitted)");
	parsed_mail_free(&m);
	parsebox_free(pb);
}

/* A legitimate mail that needs more memory than the worker may have: it dies,
 * and a headers-only parse in a fresh worker still names the sender. */
static void
test_out_of_memory_reported_with_sender(void)
{
	struct parsebox *pb = box(64u * 1024 * 1024, 0);
	struct mail_caps caps = {64u * 1024 * 1024, 20, 500};
	struct buf b = BUF_INIT;
	struct parsed_mail m;
	static const char b64line[] =
		"R3LDvMOfZSBhdXMgS8O2bG4sIGVpbiBsYW5nZXIgVGV4dCBmw7xyIGRlbiBUZXN0LiBaZWlsZS4K\r\n";
	buf_adds(&b, "From: Big Sender <big@example.com>\r\nTo: bot@example.test\r\nSubject: help me\r\n"
		     "Message-ID: <oom@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n");
	while (b.len < 40u * 1024 * 1024)
		buf_add(&b, b64line, sizeof b64line - 1);
	CHECK(parsebox_parse(pb, b.p, b.len, &caps, &m) == PARSEBOX_FAILED);
	CHECK(m.error && strncmp(m.error, "parser ", 7) == 0);
	printf("  40 MB mail with 64 MB for the parser: %s\n", m.error ? m.error : "-");
	CHECK_STR(m.from_addr, "big@example.com");
	CHECK_STR(m.subject, "help me");
	CHECK_STR(m.message_id, "oom@example.com");
	CHECK(m.from_count == 1);
	CHECK_STR(m.text, "");
	parsed_mail_free(&m);
	check_restarted(pb, 0);
	buf_free(&b);
	parsebox_free(pb);
}

struct par_arg {
	struct parsebox *pb;
	int bad;
};

static void *
par_thread(void *p)
{
	struct par_arg *a = p;
	size_t len;
	char *raw = slurp("tests/fixtures/mail/gmail_en.eml", &len);
	for (int i = 0; i < 40; i++)
		if (!same_both_ways(a->pb, raw, len, NULL))
			a->bad++;
	free(raw);
	return NULL;
}

static void
test_two_threads_share_one_worker(void)
{
	struct parsebox *pb = box(0, 0);
	struct par_arg a = {pb, 0}, b = {pb, 0};
	pthread_t t1, t2;
	pthread_create(&t1, NULL, par_thread, &a);
	pthread_create(&t2, NULL, par_thread, &b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(a.bad == 0 && b.bad == 0);
	parsebox_free(pb);
}

static void
test_unstartable_worker_is_unavailable(void)
{
	struct parsebox_limits l = PARSEBOX_LIMITS_DEFAULT;
	struct parsebox *pb = parsebox_new("/nonexistent/mentorbot", &l);
	struct parsed_mail m;
	CHECK(parsebox_parse(pb, "From: a@x.test\n\nx\n", 18, NULL, &m) == PARSEBOX_UNAVAILABLE);
	CHECK_STR(m.error, "parser unavailable");
	parsed_mail_free(&m);
	parsebox_free(pb);
}

int
main(void)
{
	exe = getenv("MENTORBOT");
	if (!exe || !*exe)
		exe = T_ASAN ? "build/asan/mentorbot" : "./mentorbot";
	if (access(exe, X_OK) < 0) {
		printf("FAIL test_parsebox: no worker binary %s (make mentorbot / make asan, or set MENTORBOT)\n", exe);
		return 1;
	}
	log_open(0, LOG_LVL_ERR);
	RUN(test_fixtures_same_in_worker_as_in_process);
	RUN(test_charsets_decode_the_same);
	RUN(test_bombs_refused_in_worker_too);
	RUN(test_worker_killed_mid_parse_is_reported_and_restarted);
	RUN(test_timeout_kills_and_restarts);
	RUN(test_malformed_answer_is_a_crash);
	RUN(test_crash_reported_with_sanitizer_report);
	RUN(test_seccomp_blocks_open);
	RUN(test_out_of_memory_reported_with_sender);
	RUN(test_two_threads_share_one_worker);
	RUN(test_unstartable_worker_is_unavailable);
	return t_done();
}
