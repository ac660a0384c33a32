/*
 * test_reload.c - SIGHUP's comparison of two configurations (bot/reload.h):
 * which changed keys are live and which wait for a restart, the rooms to join
 * and to leave, and that keeping the restart keys gives the running values
 * back while the live ones take the new values.
 */
#include "config.h"
#include "reload.h"
#include "util.h"

#include "t.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_reload.XXXXXX";

static const char base_ini[] = "[bot]\n"
			       "database = /var/lib/mentorbot/state.db\n"
			       "staff = koord@uni.example\n"
			       "reply_limit = 10\n"
			       "[imap]\n"
			       "url = imap://127.0.0.1:10143/INBOX\nuser = bot@uni.example\npassword = secret\n"
			       "[smtp]\n"
			       "url = smtp://127.0.0.1:10025\nfrom = Bot <bot@uni.example>\n"
			       "[xmpp]\n"
			       "jid = bot@uni.example\npassword = secret\nserver = 127.0.0.1:15222\ntls = off\n"
			       "rooms = a@conference.uni.example, b@conference.uni.example\n"
			       "[matrix]\n"
			       "homeserver = http://127.0.0.1:8448\nuser = @bot:uni.example\naccess_token = tok\n"
			       "rooms = !one:uni.example, #two:uni.example\n"
			       "[groups]\n"
			       "alumni = members:alumni\n";

/* base_ini with each "from" line replaced by "to" (or appended to [bot] when from is NULL). */
static struct config *
load_edit(const char *from, const char *to)
{
	char *text;
	if (!from) {
		text = xasprintf("[bot]\n%s\n%s", to, base_ini + strlen("[bot]\n"));
	} else {
		const char *at = strstr(base_ini, from);
		if (!at) {
			printf("  no '%s' in the base\n", from);
			exit(2);
		}
		text = xasprintf("%.*s%s%s", (int)(at - base_ini), base_ini, to, at + strlen(from));
	}
	char *path = xasprintf("%s/c.ini", tmpdir);
	FILE *fp = fopen(path, "w");
	if (!fp)
		exit(2);
	fputs(text, fp);
	fclose(fp);
	struct config *c = xcalloc(1, sizeof *c);
	struct buf e = BUF_INIT;
	if (config_load(path, c, &e) != 0) {
		printf("  unexpected errors: %s", e.p);
		exit(2);
	}
	buf_free(&e);
	free(path);
	free(text);
	return c;
}

static void
drop(struct config *c)
{
	config_free(c);
	free(c);
}

static int
has(const char *const *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], key) == 0)
			return 1;
	return 0;
}

/* One edit → exactly one changed key, live or restart. */
struct one_case {
	const char *from, *to; /* from NULL: "to" is added to [bot] */
	const char *key;
	int restart;
};

static void
each_key_is_live_or_needs_a_restart(void)
{
	static const struct one_case cases[] = {
		{"staff = koord@uni.example\n", "staff = koord@uni.example, neu@uni.example\n", "[bot] staff", 0},
		{"reply_limit = 10\n", "reply_limit = 3\n", "[bot] reply_limit", 0},
		{NULL, "unknown_reply_limit = 5", "[bot] unknown_reply_limit", 0},
		{NULL, "flood_rate = 5", "[bot] flood_rate", 0},
		{NULL, "flood_burst = 5", "[bot] flood_burst", 0},
		{NULL, "post_interval = 9", "[bot] post_interval", 0},
		{NULL, "language = en", "[bot] language", 0},
		{NULL, "templates = /elsewhere", "[bot] templates", 0},
		{NULL, "authserv_id = mx.uni.example", "[bot] authserv_id", 0},
		{"alumni = members:alumni\n", "alumni = members:alumni\nall = members:all\n", "[groups]", 0},
		{"[groups]\n", "[retention]\nbounce_days = 3\n[groups]\n", "[retention] bounce_days", 0},
		{"[groups]\n", "[network]\ncontact_open = 1\n[groups]\n", "[network] contact_open", 0},
		{"[groups]\n", "[offers]\ndays = 5\n[groups]\n", "[offers] days", 0},
		{"[groups]\n", "[bridge]\nrelay_accounts = @b:x\n[groups]\n", "[bridge] relay_accounts", 0},
		{"database = /var/lib/mentorbot/state.db\n", "database = /tmp/other.db\n", "[bot] database", 1},
		{NULL, "log = syslog", "[bot] log", 1},
		{NULL, "max_mail_size = 1M", "[bot] max_mail_size", 1},
		{NULL, "parser_memory = 512M", "[bot] parser_memory", 1},
		{NULL, "parser_timeout = 30", "[bot] parser_timeout", 1},
		{NULL, "announce_rate = 1", "[bot] announce_rate", 1},
		{"imap://127.0.0.1:10143/INBOX", "imap://127.0.0.1:10144/INBOX", "[imap] url", 1},
		{"user = bot@uni.example\npassword = secret\n[smtp]", "user = x@uni.example\npassword = secret\n[smtp]",
		 "[imap] user", 1},
		{"password = secret\n[smtp]", "password = other\n[smtp]", "[imap] password", 1},
		{"from = Bot <bot@uni.example>", "from = Bot <bot2@uni.example>", "[smtp] from", 1},
		{"server = 127.0.0.1:15222", "server = 127.0.0.1:15223", "[xmpp] server", 1},
		{"tls = off\n", "tls = off\nnick = Other\n", "[xmpp] nick", 1},
		{"access_token = tok", "access_token = tok2", "[matrix] access_token", 1},
		{"homeserver = http://127.0.0.1:8448", "homeserver = http://127.0.0.1:8449", "[matrix] homeserver", 1},
		{"[groups]\n", "[bridge]\npairs = a@conference.uni.example !one:uni.example\n[groups]\n",
		 "[bridge] pairs", 1},
	};
	struct config *old = load_edit("", "");
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct config *new = load_edit(cases[i].from, cases[i].to);
		struct reload_diff d;
		reload_diff(old, new, &d);
		const char *const *want = cases[i].restart ? d.restart : d.live;
		size_t nwant = cases[i].restart ? d.nrestart : d.nlive;
		if (!(d.nlive + d.nrestart == 1 && nwant == 1 && has(want, nwant, cases[i].key)))
			printf("  case %zu (%s): %zu live, %zu restart, first '%s'\n", i, cases[i].key, d.nlive,
			       d.nrestart,
			       d.nlive      ? d.live[0]
			       : d.nrestart ? d.restart[0]
					    : "");
		CHECK(d.nlive + d.nrestart == 1);
		CHECK(nwant == 1 && has(want, nwant, cases[i].key));
		CHECK(reload_key_restart(cases[i].key) == cases[i].restart);
		reload_diff_free(&d);
		drop(new);
	}
	/* the same file again: nothing */
	struct config *same = load_edit("", "");
	struct reload_diff d;
	reload_diff(old, same, &d);
	CHECK(d.nlive == 0 && d.nrestart == 0);
	CHECK(d.xmpp_join.n == 0 && d.xmpp_leave.n == 0 && d.matrix_join.n == 0 && d.matrix_leave.n == 0);
	reload_diff_free(&d);
	drop(same);
	drop(old);
	CHECK(reload_key_restart("[nope] x") == -1);
	CHECK(reload_key_restart("[imap]") == 1);
}

static void
rooms_to_join_and_leave(void)
{
	struct config *old = load_edit("", "");
	/* XMPP: case does not matter, order neither; Matrix: exact */
	struct config *new = load_edit("rooms = a@conference.uni.example, b@conference.uni.example\n",
				       "rooms = B@Conference.uni.example, c@conference.uni.example\n");
	struct reload_diff d;
	reload_diff(old, new, &d);
	CHECK(d.nlive == 1 && has(d.live, d.nlive, "[xmpp] rooms") && d.nrestart == 0);
	CHECK(d.xmpp_join.n == 1 && d.xmpp_leave.n == 1);
	CHECK_STR(d.xmpp_join.n ? d.xmpp_join.v[0] : NULL, "c@conference.uni.example");
	CHECK_STR(d.xmpp_leave.n ? d.xmpp_leave.v[0] : NULL, "a@conference.uni.example");
	CHECK(d.matrix_join.n == 0 && d.matrix_leave.n == 0);
	reload_diff_free(&d);
	drop(new);

	new = load_edit("rooms = !one:uni.example, #two:uni.example\n",
			"rooms = #two:uni.example, #Three:uni.example, !one:uni.example\n");
	reload_diff(old, new, &d);
	CHECK(d.nlive == 1 && has(d.live, d.nlive, "[matrix] rooms"));
	CHECK(d.matrix_join.n == 1 && d.matrix_leave.n == 0);
	CHECK_STR(d.matrix_join.n ? d.matrix_join.v[0] : NULL, "#Three:uni.example");
	reload_diff_free(&d);
	drop(new);

	/* only the order changed: no change at all */
	new = load_edit("rooms = a@conference.uni.example, b@conference.uni.example\n",
			"rooms = b@conference.uni.example, a@conference.uni.example\n");
	reload_diff(old, new, &d);
	CHECK(d.nlive == 0 && d.nrestart == 0);
	reload_diff_free(&d);
	drop(new);
	drop(old);
}

/* A section added or removed is one restart key, and the whole section stays as it runs
 * (its rooms too); nothing inside it is reported on its own. */
static void
section_added_or_removed_needs_a_restart(void)
{
	struct config *old = load_edit("", "");
	const char *xmpp = "[xmpp]\njid = bot@uni.example\npassword = secret\nserver = 127.0.0.1:15222\ntls = off\n"
			   "rooms = a@conference.uni.example, b@conference.uni.example\n";
	struct config *new = load_edit(xmpp, "");
	struct reload_diff d;
	reload_diff(old, new, &d);
	CHECK(d.nrestart == 1 && has(d.restart, d.nrestart, "[xmpp]"));
	CHECK(d.nlive == 0 && d.xmpp_leave.n == 0);
	reload_diff_free(&d);
	reload_keep_restart(new, old);
	CHECK(new->xmpp.present &&new->xmpp.rooms.n == 2);
	CHECK_STR(new->xmpp.jid, "bot@uni.example");
	CHECK(new->xmpp.tls_required == 0 && new->xmpp.server_port == 15222);
	reload_diff(old, new, &d);
	CHECK(d.nlive == 0 && d.nrestart == 0);
	reload_diff_free(&d);
	drop(new);
	/* and the other way: a new [xmpp] is not started, so it is not there yet */
	struct config *small = load_edit(xmpp, "");
	new = load_edit("", "");
	reload_diff(small, new, &d);
	CHECK(d.nrestart == 1 && has(d.restart, d.nrestart, "[xmpp]"));
	reload_diff_free(&d);
	reload_keep_restart(new, small);
	CHECK(!new->xmpp.present &&new->xmpp.jid == NULL &&new->xmpp.rooms.n == 0);
	drop(new);
	drop(small);
	drop(old);
}

/* After keeping: the restart keys have the running values, the live ones the new values. */
static void
keep_restart_takes_running_values_only_for_restart_keys(void)
{
	struct config *old = load_edit("", "");
	struct config *new = load_edit("[bot]\ndatabase = /var/lib/mentorbot/state.db\nstaff = koord@uni.example\n"
				       "reply_limit = 10\n[imap]\nurl = imap://127.0.0.1:10143/INBOX\n",
				       "[bot]\ndatabase = /tmp/new.db\nstaff = neu@uni.example\nreply_limit = 4\n"
				       "parser_timeout = 99\n[imap]\nurl = imap://localhost:2000/Other\n");
	reload_keep_restart(new, old);
	CHECK_STR(new->bot.database, "/var/lib/mentorbot/state.db");
	CHECK(new->bot.parser_timeout == 10);
	CHECK_STR(new->imap.url, "imap://127.0.0.1:10143/INBOX");
	CHECK_STR(new->imap.u.host, "127.0.0.1");
	CHECK(new->imap.u.port == 10143);
	CHECK_STR(new->imap.u.path, "INBOX");
	CHECK_STR(new->imap.password, "secret");
	CHECK(new->bot.staff.n == 1);
	CHECK_STR(new->bot.staff.n ? new->bot.staff.v[0] : NULL, "neu@uni.example");
	CHECK(new->bot.reply_limit == 4);
	struct reload_diff d;
	reload_diff(old, new, &d);
	CHECK(d.nrestart == 0);
	CHECK(d.nlive == 2 && has(d.live, d.nlive, "[bot] staff") && has(d.live, d.nlive, "[bot] reply_limit"));
	reload_diff_free(&d);
	drop(new);
	drop(old);
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(each_key_is_live_or_needs_a_restart);
	RUN(rooms_to_join_and_leave);
	RUN(section_added_or_removed_needs_a_restart);
	RUN(keep_restart_takes_running_values_only_for_restart_keys);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", tmpdir);
	free(cmd);
	return t_done();
}
