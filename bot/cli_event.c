/*
 * cli_event.c - the staff command line for events: "mentorbot event
 * add|list|show|send|change|cancel", "mentorbot export attendees ID --csv"
 * and "mentorbot feed" (the public iCalendar feed).
 *
 * The commands run the same handler code as "announce" by mail and chat
 * (handlers/h_event.h) inside one transaction: the staff answer is printed,
 * everything addressed to members and rooms becomes outbox rows via
 * emit_all(), which the running daemon sends (paced by not_before).
 * Everything printed comes from templates/<[bot] language>/cli.txt (and
 * the handlers' own templates); the configuration is loaded first, so even
 * a usage error is in the configured language.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/csv.h"
#include "bot/dispatch.h"
#include "bot/emit.h"
#include "bot/ical.h"
#include "bot/site.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/h_event.h"
#include "handlers/handlers.h"
#include "state/events.h"
#include "state/state.h"

struct cli_env {
	struct config cfg;
	struct templates *tmpl;
	struct db *db;
	struct core core;
	struct hctx h;
	const char *lang; /* of what is printed: [bot] language */
};

static int
env_open(const char *conf, struct cli_env *e)
{
	memset(e, 0, sizeof *e);
	if (cli_open(conf, &e->cfg, &e->tmpl, &e->db))
		return 1;
	if (cli_core(&e->core, &e->cfg, e->tmpl, e->db) < 0) {
		cli_close(&e->cfg, e->tmpl, e->db);
		return 1;
	}
	e->h.db = e->db;
	e->h.key = e->core.key;
	e->h.cfg = &e->cfg;
	e->h.tmpl = e->tmpl;
	e->h.transport = "cli";
	e->h.ep_kind = "cli";
	e->h.ep_addr = cli_actor();
	e->h.staff = 1;
	e->lang = cli_lang(&e->cfg);
	e->h.lang = e->lang;
	e->h.body = "";
	e->h.argline = "";
	return 0;
}

static void
env_close(struct cli_env *e)
{
	hctx_free_replies(&e->h);
	cli_close(&e->cfg, e->tmpl, e->db);
}

/* Print the template key with name/value pairs (vars NULL-terminated, or NULL). */
static void
say(struct cli_env *e, FILE *f, const char *key, const char *const *vars)
{
	cli_say(f, e->tmpl, e->lang, key, vars);
}

/* "FILE: error" for a file that cannot be written (errno). */
static void
cannot_write(struct cli_env *e, const char *file)
{
	const char *vars[] = {"file", file, "error", strerror(errno), NULL};
	say(e, stderr, "cli.cannot_write", vars);
}

/* Print the answers meant for the sender (the staff member at the terminal). */
static void
print_own(struct cli_env *e, FILE *f)
{
	for (size_t i = 0; i < e->h.nreplies; i++) {
		const struct reply *r = &e->h.replies[i];
		if (r->to_kind)
			continue;
		char *t = tmpl_render(e->tmpl, e->h.lang, r->key, (const char *const *)r->vars);
		fprintf(f, "%s\n", t);
		free(t);
	}
}

/* What an event word hands its handler inside the transaction, and gets back. */
struct ev_args {
	int64_t id;
	const char *form;
	int64_t created;
	int mails, rooms;
};

/* Run step in one transaction (cli_staff_txn): 0, or 1 after printing why (the handler's
 * answer when it refused, else the database error). */
static int
in_txn(struct cli_env *e, int (*step)(struct hctx *h, void *ud), struct ev_args *a)
{
	switch (cli_staff_txn(e->db, &e->core, &e->h, step, a)) {
	case CLI_TXN_DONE:
		return 0;
	case CLI_TXN_REFUSED:
		print_own(e, stderr);
		return 1;
	case CLI_TXN_FAILED:
		break;
	}
	say(e, stderr, "cli.db_error", NULL);
	return 1;
}

static int
step_create(struct hctx *h, void *ud)
{
	struct ev_args *a = ud;
	int rc = h_event_create(h, NULL, a->form, "cli", &a->created);
	return rc == DB_OK && a->created == 0 ? 1 : rc;
}

static int
step_send(struct hctx *h, void *ud)
{
	struct ev_args *a = ud;
	return h_event_send(h, a->id, &a->mails, &a->rooms);
}

static int
step_change(struct hctx *h, void *ud)
{
	struct ev_args *a = ud;
	return h_event_change(h, a->id, a->form);
}

static int
step_cancel(struct hctx *h, void *ud)
{
	struct ev_args *a = ud;
	return h_event_cancel(h, a->id, &a->mails);
}

/* "--name value" options of the form, as "Field: value" lines. */
static const struct {
	const char *opt, *field;
} form_opts[] = {
	{"--title", "Title"},       {"--date", "Date"},
	{"--start", "Start"},       {"--end", "End"},
	{"--place", "Place"},       {"--url", "Online"},
	{"--online", "Online"},     {"--capacity", "Capacity"},
	{"--audience", "Audience"}, {"--description", "Description"},
	{"--public", "Public"},     {"--guests", "Guests"},
	{"--claim-hours", "Claim"}, {"--remind-hours", "Remind"},
};

/* argv[from..] as form text.  NULL (printed) on an unknown option. */
static char *
form_from_opts(struct cli_env *e, int argc, char **argv, int from)
{
	struct buf b = BUF_INIT;
	for (int i = from; i < argc; i++) {
		const char *field = NULL;
		for (size_t k = 0; k < ARRAY_LEN(form_opts) && !field; k++)
			if (strcmp(argv[i], form_opts[k].opt) == 0)
				field = form_opts[k].field;
		if (!field || i + 1 >= argc) {
			const char *vars[] = {"option", argv[i], NULL};
			say(e, stderr, "cli.event.bad_option", vars);
			buf_free(&b);
			return NULL;
		}
		/* a value is one line: newlines would start another field */
		char *v = xstrdup(argv[++i]);
		for (char *p = v; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		buf_addf(&b, "%s: %s\n", field, v);
		free(v);
	}
	return buf_detach(&b);
}

static int
parse_id(struct cli_env *e, const char *s, int64_t *id)
{
	if (!s || hctx_parse_id(s, id) != 0) {
		const char *vars[] = {"id", s ? s : "", NULL};
		say(e, stderr, "cli.event.bad_id", vars);
		return 1;
	}
	return 0;
}

static int
ev_add(struct cli_env *e, int64_t id, int argc, char **argv)
{
	char *form = form_from_opts(e, argc, argv, 1);
	if (!form)
		return 2;
	struct ev_args a = {.form = form};
	int rc = in_txn(e, step_create, &a);
	free(form);
	if (rc)
		return 1;
	char n[24];
	snprintf(n, sizeof n, "%lld", (long long)a.created);
	const char *vars[] = {"id", n, NULL};
	say(e, stdout, "cli.event.created", vars);
	print_own(e, stdout);
	return 0;
}

/* The status word of "event list" in the configured language (allocated). */
static char *
status_word(struct cli_env *e, const char *status)
{
	static const char *const known[] = {"draft", "announced", "cancelled"};
	for (size_t i = 0; i < ARRAY_LEN(known); i++)
		if (status && strcmp(status, known[i]) == 0) {
			char key[40];
			snprintf(key, sizeof key, "cli.event.list.%s", known[i]);
			return cli_text(e->tmpl, e->lang, key, NULL);
		}
	return xstrdup(status ? status : "");
}

/* Characters (not bytes) of a UTF-8 string: the width a column is padded to. */
static int
u8_width(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
ev_list(struct cli_env *e, int64_t id, int argc, char **argv)
{
	struct event *v;
	size_t n;
	if (state_events(e->db, EVENT_LIST_ALL, now_s(), &v, &n) != DB_OK)
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct when_tm a;
		when_epoch_to_local(v[i].start, &a);
		struct rsvp_counts c;
		state_rsvp_counts(e->db, v[i].id, &c);
		char going[16], waiting[16], maybe[16], declined[16];
		snprintf(going, sizeof going, "%d", c.going);
		snprintf(waiting, sizeof waiting, "%d", c.waiting);
		snprintf(maybe, sizeof maybe, "%d", c.maybe);
		snprintf(declined, sizeof declined, "%d", c.declined);
		const char *vars[] = {"going", going, "waiting", waiting, "maybe", maybe, "declined", declined, NULL};
		char *st = status_word(e, v[i].status);
		char *answers = cli_text(e->tmpl, e->lang, "cli.event.list.answers", vars);
		int pad = 9 - u8_width(st);
		/* the columns: id, status (padded to 9), date and time, title, answers */
		printf("%lld\t%s%*s\t%04d-%02d-%02d %02d:%02d\t%s\t%s\n", (long long)v[i].id, st, pad > 0 ? pad : 0, "",
		       a.year, a.mon, a.day, a.hour, a.min, v[i].title, answers);
		free(answers);
		free(st);
	}
	events_free(v, n);
	return 0;
}

static int
ev_show(struct cli_env *e, int64_t id, int argc, char **argv)
{
	char *t = NULL;
	int rc = h_event_preview_text(&e->h, id, &t);
	if (rc == DB_NOTFOUND) {
		char n[24];
		snprintf(n, sizeof n, "%lld", (long long)id);
		const char *vars[] = {"id", n, NULL};
		say(e, stderr, "cli.event.not_found", vars);
		return 1;
	}
	if (rc != DB_OK)
		return 1;
	struct rsvp_counts c;
	struct event ev;
	state_rsvp_counts(e->db, id, &c);
	state_event_get(e->db, id, &ev);
	char seq[16], going[16], seats[16], waiting[16], maybe[16], declined[16];
	snprintf(seq, sizeof seq, "%d", ev.sequence);
	snprintf(going, sizeof going, "%d", c.going);
	snprintf(seats, sizeof seats, "%d", c.seats);
	snprintf(waiting, sizeof waiting, "%d", c.waiting);
	snprintf(maybe, sizeof maybe, "%d", c.maybe);
	snprintf(declined, sizeof declined, "%d", c.declined);
	const char *vars[] = {"uid",     ev.uid,  "sequence", seq,   "going",    going,    "seats", seats,
			      "waiting", waiting, "maybe",    maybe, "declined", declined, NULL};
	printf("%s\n", t);
	say(e, stdout, "cli.event.show", vars);
	event_free(&ev);
	free(t);
	return 0;
}

static int
ev_send(struct cli_env *e, int64_t id, int argc, char **argv)
{
	struct ev_args a = {.id = id};
	if (in_txn(e, step_send, &a))
		return 1;
	char n[24], m[16], r[16];
	snprintf(n, sizeof n, "%lld", (long long)id);
	snprintf(m, sizeof m, "%d", a.mails);
	snprintf(r, sizeof r, "%d", a.rooms);
	const char *vars[] = {"id", n, "mails", m, "rooms", r, NULL};
	say(e, stdout, "cli.event.announced", vars);
	for (size_t i = 0; i < e->h.nreplies; i++) /* invitations that no mail could carry */
		if (!e->h.replies[i].to_kind && strcmp(e->h.replies[i].key, "transports.event.mail_off") == 0) {
			char *t = tmpl_render(e->tmpl, e->h.lang, e->h.replies[i].key,
					      (const char *const *)e->h.replies[i].vars);
			fprintf(stderr, "%s\n", t);
			free(t);
		}
	return 0;
}

static int
ev_change(struct cli_env *e, int64_t id, int argc, char **argv)
{
	char *form = form_from_opts(e, argc, argv, 2);
	if (!form)
		return 2;
	if (!*form) {
		free(form);
		say(e, stderr, "cli.event.nothing_to_change", NULL);
		return 2;
	}
	struct ev_args a = {.id = id, .form = form};
	int rc = in_txn(e, step_change, &a);
	free(form);
	if (rc)
		return 1;
	print_own(e, stdout);
	return 0;
}

static int
ev_cancel(struct cli_env *e, int64_t id, int argc, char **argv)
{
	struct ev_args a = {.id = id};
	if (in_txn(e, step_cancel, &a))
		return 1;
	print_own(e, stdout);
	return 0;
}

/* The words of "mentorbot event"; argv[0] is the word, id the event of those that need one (argv[1]). */
static const struct {
	const char *name;
	int needs_id;
	int (*run)(struct cli_env *e, int64_t id, int argc, char **argv);
} event_words[] = {
	{.name = "add", .needs_id = 0, .run = ev_add},       {.name = "list", .needs_id = 0, .run = ev_list},
	{.name = "show", .needs_id = 1, .run = ev_show},     {.name = "send", .needs_id = 1, .run = ev_send},
	{.name = "change", .needs_id = 1, .run = ev_change}, {.name = "cancel", .needs_id = 1, .run = ev_cancel},
};

int
cli_event(const char *conf, int argc, char **argv)
{
	struct cli_env e;
	if (env_open(conf, &e))
		return 1;
	const char *sub = argc >= 1 ? argv[0] : NULL;
	if (!sub || strcmp(sub, "help") == 0 || strcmp(sub, "--help") == 0) {
		say(&e, sub ? stdout : stderr, "cli.event.usage", NULL);
		env_close(&e);
		return sub ? 0 : 2;
	}
	size_t w = 0;
	while (w < ARRAY_LEN(event_words) && strcmp(event_words[w].name, sub) != 0)
		w++;
	int64_t id = 0;
	int rc;
	if (w == ARRAY_LEN(event_words)) {
		const char *vars[] = {"sub", sub, NULL};
		say(&e, stderr, "cli.event.unknown_sub", vars);
		rc = 2;
	} else if (event_words[w].needs_id && parse_id(&e, argc > 1 ? argv[1] : NULL, &id)) {
		rc = 2;
	} else {
		rc = event_words[w].run(&e, id, argc, argv);
	}
	env_close(&e);
	return rc;
}

/* "--out FILE" among argv, or NULL. */
static const char *
out_opt(int argc, char **argv)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0)
			return argv[i + 1];
	return NULL;
}

int
cli_export_attendees(const char *conf, int argc, char **argv)
{
	struct cli_env e;
	if (env_open(conf, &e))
		return 1;
	int i = 0;
	if (i < argc && strcmp(argv[i], "attendees") == 0)
		i++;
	int64_t id = 0;
	if (parse_id(&e, i < argc ? argv[i] : NULL, &id)) {
		env_close(&e);
		return 2;
	}
	const char *out = out_opt(argc, argv);
	struct event ev;
	int rc = state_event_get(e.db, id, &ev);
	if (rc != DB_OK) {
		if (rc == DB_NOTFOUND) {
			char n[24];
			snprintf(n, sizeof n, "%lld", (long long)id);
			const char *vars[] = {"id", n, NULL};
			say(&e, stderr, "cli.export.no_event", vars);
		}
		event_free(&ev);
		env_close(&e);
		return 1;
	}
	event_free(&ev);
	struct rsvp *v;
	size_t n;
	if (state_rsvps(e.db, id, &v, &n) != DB_OK) {
		env_close(&e);
		return 1;
	}
	FILE *f = out ? fopen(out, "w") : stdout;
	if (!f) {
		cannot_write(&e, out);
		rsvps_free(v, n);
		env_close(&e);
		return 1;
	}
	csv_bom(f);
	cli_csv_header(f, e.tmpl, e.lang, "cli.csv.attendees");
	rc = 0;
	for (size_t k = 0; k < n; k++) {
		char *name = NULL, *addr = NULL;
		struct invitation inv;
		if (h_event_person_label(&e.h, v[k].person_id, &name, &addr) != DB_OK) {
			rc = 1;
			break;
		}
		if (state_invitation_get(e.db, id, v[k].person_id, &inv) == DB_OK) {
			free(addr);
			addr = inv.address;
			inv.address = NULL;
		}
		free(inv.address);
		free(inv.msgid);
		char g[16], upd[32];
		snprintf(g, sizeof g, "%d", v[k].guests);
		struct when_tm a;
		when_epoch_to_local(v[k].updated, &a);
		snprintf(upd, sizeof upd, "%04d-%02d-%02d %02d:%02d", a.year, a.mon, a.day, a.hour, a.min);
		const char *att = v[k].attended < 0 ? "" : v[k].attended ? "1" : "0";
		const char *row[] = {name, addr, v[k].answer, v[k].status, g, v[k].comment, att, upd};
		csv_row(f, row, ARRAY_LEN(row));
		free(name);
		free(addr);
	}
	rsvps_free(v, n);
	if (out && fclose(f) != 0) {
		cannot_write(&e, out);
		rc = 1;
	} else if (!out) {
		fflush(stdout);
	}
	env_close(&e);
	return rc;
}

int
cli_feed(const char *conf, int argc, char **argv)
{
	const char *out = out_opt(argc, argv);
	struct cli_env e;
	if (env_open(conf, &e))
		return 1;
	char *cal = NULL;
	int rc = site_ical_feed(e.db, e.tmpl, e.h.lang, &cal); /* the same feed as the public page's */
	int status = 0;
	if (rc != ICAL_OK) {
		if (rc >= ICAL_ERR_NOT_REPLY) {
			const char *vars[] = {"error", ical_strerror(rc), NULL};
			say(&e, stderr, "cli.feed.failed", vars);
		}
		status = 1;
	} else {
		FILE *f = out ? fopen(out, "w") : stdout;
		if (!f) {
			cannot_write(&e, out);
			status = 1;
		} else {
			fputs(cal, f);
			if (out && fclose(f) != 0) {
				cannot_write(&e, out);
				status = 1;
			} else if (!out) {
				fflush(stdout);
			}
		}
	}
	free(cal);
	env_close(&e);
	return status;
}
