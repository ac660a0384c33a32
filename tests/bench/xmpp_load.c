/* xmpp_load.c - libstrophe load generator for bench_xmpp.py (bench.xmpp.cmds_per_s).
 *
 * usage: xmpp_load [-tls] [-timeout S] [-text T] [-cpu PID[,PID...]]
 *                  HOST PORT BOT_JID PASSWORD N_PER_PERSON JID1 [JID2 ...]
 *
 * One xmpp_ctx, one connection per person (all with PASSWORD).  Default clear text
 * (XMPP_CONN_FLAG_DISABLE_TLS); -tls: STARTTLS mandatory, self-signed cert accepted.
 *   1. log every person in (initial presence);
 *   2. warm-up: each person sends one direct chat T (default "whoami") to BOT_JID and
 *      waits for its answer;
 *   3. each person queues N_PER_PERSON direct chats T at once, all people together,
 *      and the clock runs until every person has N_PER_PERSON answers (type chat,
 *      from BOT_JID's bare JID, with a body).
 * Prints "elapsed_s=<s> answers=<n> per_s=<n/s> half_s=<s> max_gap_s=<s> gap_after=<n>
 * others=<n> self_cpu_s=<s>[ cpu_s=<s>,...]" on stdout and exits 0 (half_s: until half the
 * answers were in; max_gap_s: the longest silence between two answers, after gap_after of
 * them; others: messages that were not answers from the bot; self_cpu_s:
 * this process's CPU time during the burst; cpu_s: that of each -cpu PID, from
 * /proc/PID/stat, in the order given).  On a timeout
 * (-timeout, default 120 s for the burst, 30 s for log-in and warm-up) or a lost
 * connection it says which person is short of what on stderr and exits 2 (3: usage
 * or set-up).
 *
 * Why the loop is hand-written: a single xmpp_run_once() reads at most one buffer per
 * connection, and with TLS the bytes already decrypted inside the TLS layer do not
 * wake its select() (it still waits the full timeout).  So while stanzas keep coming
 * we call it with timeout 0 and only sleep (1 ms) after a pass that handled nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <strophe.h>

#define MAX_PIDS 8

struct person {
	const char *jid;
	xmpp_conn_t *conn;
	int online;   /* session established */
	int gone;     /* disconnected (or failed) */
	long answers; /* answers from the bot, warm-up included */
};

static xmpp_ctx_t *ctx;
static struct person *people;
static int npeople;
static const char *bot_bare;  /* BOT_JID without resource */
static size_t bot_bare_len;
static long handled;          /* stanzas handled: "did the last pass make progress" */
static long others;           /* chat messages from someone else (or errors) */
static int stopping;          /* expected disconnects from here on */
static int verbose;           /* XMPP_LOAD_VERBOSE: phases and progress on stderr */
static double start;
static int burst;             /* the clock runs: track the pace of the answers */
static long burst_answers;    /* answers so far in the burst, all people */
static double last_answer;    /* when the previous one arrived (burst start at first) */
static double max_gap;        /* longest wait between two answers in the burst ... */
static long gap_after;        /* ... and how many answers had arrived before it */
static double half_at;        /* when half the burst's answers were in */
static long half;

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of pid, -1 if unreadable. */
static double
proc_cpu_s(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *s = strrchr(buf, ')'); /* the command name may hold spaces */
	unsigned long ut, st;
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* 1 if from's bare JID is the bot's (case-insensitive). */
static int
from_bot(const char *from)
{
	if (!from || strncasecmp(from, bot_bare, bot_bare_len) != 0)
		return 0;
	return from[bot_bare_len] == '\0' || from[bot_bare_len] == '/';
}

static int
on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct person *p = ud;
	const char *type = xmpp_stanza_get_type(st);
	(void)conn;
	handled++;
	if (type && strcmp(type, "chat") == 0 && from_bot(xmpp_stanza_get_from(st)) &&
	    xmpp_stanza_get_child_by_name(st, "body")) {
		p->answers++;
		if (burst) {
			double t = now_s();
			if (t - last_answer > max_gap)
				max_gap = t - last_answer, gap_after = burst_answers;
			last_answer = t;
			if (++burst_answers == half)
				half_at = t;
		}
	}
	else if (!type || strcmp(type, "headline") != 0)
		others++;
	return 1;
}

static int
on_other(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	(void)conn; (void)st; (void)ud;
	handled++;
	return 1;
}

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error, xmpp_stream_error_t *se, void *ud)
{
	struct person *p = ud;
	if (status == XMPP_CONN_CONNECT) {
		xmpp_handler_add(conn, on_message, NULL, "message", NULL, p);
		xmpp_handler_add(conn, on_other, NULL, "presence", NULL, p);
		xmpp_handler_add(conn, on_other, NULL, "iq", NULL, p);
		xmpp_stanza_t *pres = xmpp_presence_new(ctx);
		xmpp_send(conn, pres);
		xmpp_stanza_release(pres);
		p->online = 1;
		return;
	}
	p->online = 0;
	p->gone = 1;
	if (!stopping)
		fprintf(stderr, "xmpp_load: %s: %s (error %d%s%s)\n", p->jid,
			status == XMPP_CONN_FAIL ? "connection failed" : "disconnected", error,
			se && se->text ? ", " : "", se && se->text ? se->text : "");
}

/* Queue n direct chats `text` from p to the bot, ids unique per run. */
static void
send_cmds(struct person *p, int idx, long n, const char *text, const char *nonce, long *seq)
{
	char id[96];
	for (long k = 0; k < n; k++) {
		snprintf(id, sizeof id, "xl-%s-%d-%ld", nonce, idx, (*seq)++);
		xmpp_stanza_t *m = xmpp_message_new(ctx, "chat", bot_bare, id);
		xmpp_message_set_body(m, text);
		xmpp_send(p->conn, m);
		xmpp_stanza_release(m);
	}
}

/* Runs the loop until done(need) or the deadline; 0 when done, -1 on timeout or a lost connection. */
static int
run_until(int (*done)(long), long need, double deadline)
{
	long before = -1;
	double next_note = now_s() + 0.5;
	while (!done(need)) {
		if (verbose && now_s() > next_note) {
			long total = 0;
			for (int i = 0; i < npeople; i++)
				total += people[i].answers;
			fprintf(stderr, "xmpp_load: %.3f s: %ld answers, %ld stanzas\n", now_s() - start, total, handled);
			next_note += 0.5;
		}
		for (int i = 0; i < npeople; i++)
			if (people[i].gone)
				return -1;
		if (now_s() > deadline)
			return -1;
		/* after a pass that handled something, look again at once: more may wait
		 * in the socket or, with TLS, already decrypted where select() cannot see it */
		unsigned long wait_ms = handled != before ? 0 : 1;
		before = handled;
		xmpp_run_once(ctx, wait_ms);
	}
	return 0;
}

static int
all_online(long need)
{
	(void)need;
	for (int i = 0; i < npeople; i++)
		if (!people[i].online)
			return 0;
	return 1;
}

static int
all_answered(long need)
{
	for (int i = 0; i < npeople; i++)
		if (people[i].answers < need)
			return 0;
	return 1;
}

static void
report_short(const char *phase, long need)
{
	long total = 0;
	for (int i = 0; i < npeople; i++)
		total += people[i].answers;
	fprintf(stderr, "xmpp_load: %s failed: %ld of %ld answers (other messages: %ld)\n", phase, total,
		need * npeople, others);
	for (int i = 0; i < npeople; i++)
		if (people[i].answers < need || !people[i].online)
			fprintf(stderr, "xmpp_load:   %s: %ld of %ld answers%s%s\n", people[i].jid, people[i].answers,
				need, people[i].online ? "" : ", not logged in",
				people[i].gone ? ", connection lost" : "");
}

static void
usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-tls] [-timeout S] [-text T] [-cpu PID[,PID...]] HOST PORT BOT_JID PASSWORD N_PER_PERSON JID1 [JID2 ...]\n",
		argv0);
	exit(3);
}

int
main(int argc, char **argv)
{
	int tls = 0, a = 1;
	double timeout = 120;
	const char *text = "whoami";
	long pids[MAX_PIDS];
	int npids = 0;
	while (a < argc && argv[a][0] == '-') {
		if (strcmp(argv[a], "-tls") == 0)
			tls = 1, a++;
		else if (strcmp(argv[a], "-timeout") == 0 && a + 1 < argc)
			timeout = atof(argv[a + 1]), a += 2;
		else if (strcmp(argv[a], "-text") == 0 && a + 1 < argc)
			text = argv[a + 1], a += 2;
		else if (strcmp(argv[a], "-cpu") == 0 && a + 1 < argc) {
			for (char *q = argv[a + 1]; *q && npids < MAX_PIDS; q += *q == ',')
				pids[npids++] = strtol(q, &q, 10);
			a += 2;
		}
		else
			usage(argv[0]);
	}
	if (argc - a < 6)
		usage(argv[0]);
	const char *host = argv[a], *pass = argv[a + 3];
	unsigned short port = (unsigned short)atoi(argv[a + 1]);
	long per = atol(argv[a + 4]);
	if (per < 1 || timeout <= 0)
		usage(argv[0]);
	char *bare = strdup(argv[a + 2]);
	if (strchr(bare, '/'))
		*strchr(bare, '/') = '\0';
	bot_bare = bare;
	bot_bare_len = strlen(bare);
	npeople = argc - a - 5;
	people = calloc((size_t)npeople, sizeof *people);
	char nonce[32];
	snprintf(nonce, sizeof nonce, "%ld-%ld", (long)getpid(), (long)time(NULL));

	verbose = getenv("XMPP_LOAD_VERBOSE") != NULL;
	start = now_s();
	xmpp_initialize();
	xmpp_log_t *log = getenv("STROPHE_DEBUG") ? xmpp_get_default_logger(XMPP_LEVEL_DEBUG) : NULL;
	ctx = xmpp_ctx_new(NULL, log);
	for (int i = 0; i < npeople; i++) {
		struct person *p = &people[i];
		p->jid = argv[a + 5 + i];
		p->conn = xmpp_conn_new(ctx);
		xmpp_conn_set_flags(p->conn, tls ? (XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_TRUST_TLS)
						 : XMPP_CONN_FLAG_DISABLE_TLS);
		xmpp_conn_set_jid(p->conn, p->jid);
		xmpp_conn_set_pass(p->conn, pass);
		if (xmpp_connect_client(p->conn, host, port, on_conn, p) != XMPP_EOK) {
			fprintf(stderr, "xmpp_load: %s: connect to %s:%u failed\n", p->jid, host, port);
			return 3;
		}
	}

	int rc = 0;
	long seq = 0;
	if (run_until(all_online, 0, now_s() + 30) != 0) {
		report_short("log-in", 0);
		rc = 2;
		goto out;
	}
	if (verbose)
		fprintf(stderr, "xmpp_load: %.3f s: all logged in\n", now_s() - start);
	for (int i = 0; i < npeople; i++)
		send_cmds(&people[i], i, 1, text, nonce, &seq);
	if (run_until(all_answered, 1, now_s() + 30) != 0) {
		report_short("warm-up", 1);
		rc = 2;
		goto out;
	}
	for (int i = 0; i < npeople; i++)
		people[i].answers = 0; /* count the burst from 0 (the warm-up answers are in) */
	others = 0;

	double cpu0[MAX_PIDS], self0 = self_cpu_s();
	for (int i = 0; i < npids; i++)
		cpu0[i] = proc_cpu_s(pids[i]);
	double t0 = now_s();
	burst = 1;
	last_answer = t0;
	half = npeople * per / 2;
	if (verbose)
		fprintf(stderr, "xmpp_load: %.3f s: warm-up answered; burst\n", t0 - start);
	for (int i = 0; i < npeople; i++)
		send_cmds(&people[i], i, per, text, nonce, &seq);
	if (run_until(all_answered, per, t0 + timeout) != 0) {
		report_short("burst", per);
		fprintf(stderr, "xmpp_load: gave up after %.1f s\n", now_s() - t0);
		rc = 2;
		goto out;
	}
	double el = now_s() - t0;
	long total = 0;
	for (int i = 0; i < npeople; i++)
		total += people[i].answers;
	printf("elapsed_s=%.4f answers=%ld per_s=%.0f half_s=%.4f max_gap_s=%.4f gap_after=%ld others=%ld self_cpu_s=%.3f",
	       el, total, npeople * per / el, half_at - t0, max_gap, gap_after, others, self_cpu_s() - self0);
	for (int i = 0; i < npids; i++)
		printf("%s%.3f", i ? "," : " cpu_s=", proc_cpu_s(pids[i]) - cpu0[i]);
	printf("\n");
	fflush(stdout);

out:
	stopping = 1;
	for (int i = 0; i < npeople; i++)
		if (!people[i].gone)
			xmpp_disconnect(people[i].conn);
	double end = now_s() + 3;
	for (;;) {
		int live = 0;
		for (int i = 0; i < npeople; i++)
			live += !people[i].gone;
		if (!live || now_s() > end)
			break;
		xmpp_run_once(ctx, 10);
	}
	for (int i = 0; i < npeople; i++)
		xmpp_conn_release(people[i].conn);
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	free(people);
	free(bare);
	return rc;
}
