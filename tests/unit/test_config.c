/*
 * test_config.c - the INI configuration: the product.md §6 example loads,
 * every kind of mistake is reported with its line, all mistakes at once,
 * secrets from files, and the loopback-only rules for plain-text transports.
 */
#include "config.h"
#include "util.h"

#include "t.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_config.XXXXXX";

static char *
write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0600); /* secrets must be private (read_secret_file) */
	return path;
}

/* Load text as a config; returns the error count, *errs the messages with the
 * temp dir path replaced by "C" so expectations read "C:12: …". */
static int
load(const char *text, struct config *cfg, char **errs)
{
	struct buf e = BUF_INIT;
	char *path = write_file("c.ini", text);
	int n = config_load(path, cfg, &e);
	char *raw = buf_detach(&e);
	struct buf out = BUF_INIT;
	size_t pl = strlen(path);
	for (const char *p = raw; *p;) {
		if (!strncmp(p, path, pl)) {
			buf_addc(&out, 'C');
			p += pl;
		} else {
			buf_addc(&out, *p++);
		}
	}
	*errs = buf_detach(&out);
	free(raw);
	free(path);
	return n;
}

/* product.md §6, with loopback URLs and secrets inline */
static const char good_ini[] =
	"[bot]\n"
	"database    = /var/lib/mentorbot/state.db   ; SQLite file\n"
	"language    = de                            ; default reply language: de | en\n"
	"templates   = /usr/share/mentorbot/templates\n"
	"staff       = koordination@uni.example, xmpp:koord@uni.example, matrix:@koord:uni.example\n"
	"authserv_id = mx.uni.example                ; trust Authentication-Results from this MTA only\n"
	"reply_limit = 10                            ; mail replies per sender per day, then one notice\n"
	"\n"
	"[imap]\n"
	"url         = imap://127.0.0.1:10143/INBOX  ; imap://127.0.0.1:10143/INBOX on loopback\n"
	"user        = mentoring@uni.example\n"
	"password    = secret                          ; or password_file = …\n"
	"processed   = Processed                       ; where handled mail goes (else flagged \\Seen)\n"
	"quarantine  = Quarantine\n"
	"\n"
	"[smtp]\n"
	"url         = smtp://127.0.0.1:10025    ; smtp://127.0.0.1:10025 on loopback\n"
	"user        = mentoring@uni.example\n"
	"password    = secret\n"
	"from        = Mentoring-Büro <mentoring@uni.example>\n"
	"\n"
	"[xmpp]\n"
	"jid         = mentorbot@uni.example\n"
	"password    = secret\n"
	"server      = 127.0.0.1:15222                 ; optional, else SRV/DNS\n"
	"tls         = off                             ; `off` is accepted for loopback servers only\n"
	"nick        = MentorBot\n"
	"rooms       = mentoring@conference.uni.example, alumni@conference.uni.example\n"
	"\n"
	"[matrix]\n"
	"homeserver  = http://127.0.0.1:8448\n"
	"user        = @mentorbot:uni.example\n"
	"access_token = syt_token\n"
	"rooms       = !abcdef:uni.example, #alumni:uni.example\n"
	"\n"
	"[bridge]                                      ; XMPP and Matrix rooms bridged to each other\n"
	"pairs       = mentoring@conference.uni.example !abcdef:uni.example\n"
	"\n"
	"[groups]                                      ; named audiences for posts and announcements\n"
	"alumni      = xmpp:alumni@conference.uni.example, matrix:#alumni:uni.example, members:alumni\n";

static void
check_good(const struct config *c)
{
	CHECK_STR(c->bot.database, "/var/lib/mentorbot/state.db");
	CHECK_STR(c->bot.language, "de");
	CHECK_STR(c->bot.templates, "/usr/share/mentorbot/templates");
	CHECK(c->bot.staff.n == 3);
	CHECK_STR(c->bot.staff.n == 3 ? c->bot.staff.v[2] : NULL, "matrix:@koord:uni.example");
	CHECK_STR(c->bot.authserv_id, "mx.uni.example");
	CHECK(c->bot.reply_limit == 10);
	CHECK(c->imap.present);
	CHECK_STR(c->imap.u.scheme, "imap");
	CHECK_STR(c->imap.u.host, "127.0.0.1");
	CHECK(c->imap.u.port == 10143);
	CHECK_STR(c->imap.u.path, "INBOX");
	CHECK_STR(c->imap.user, "mentoring@uni.example");
	CHECK_STR(c->imap.password, "secret");
	CHECK_STR(c->imap.processed, "Processed");
	CHECK(c->smtp.present);
	CHECK_STR(c->smtp.from, "Mentoring-Büro <mentoring@uni.example>");
	CHECK_STR(c->smtp.from_addr, "mentoring@uni.example");
	CHECK(c->smtp.u.port == 10025);
	CHECK(c->smtp.starttls_required == 0);
	CHECK_STR(c->xmpp.server_host, "127.0.0.1");
	CHECK(c->xmpp.server_port == 15222);
	CHECK(c->xmpp.tls_required == 0);
	CHECK(c->xmpp.rooms.n == 2);
	CHECK_STR(c->matrix.u.scheme, "http");
	CHECK(c->matrix.u.port == 8448);
	CHECK_STR(c->matrix.access_token, "syt_token");
	CHECK(c->matrix.rooms.n == 2);
	CHECK(c->bridge.pairs.n == 2);
	CHECK_STR(c->bridge.pairs.n == 2 ? c->bridge.pairs.v[1] : NULL, "!abcdef:uni.example");
	CHECK(c->groups.n == 1);
	CHECK_STR(c->groups.n ? c->groups.v[0].name : NULL, "alumni");
	CHECK(c->groups.n && c->groups.v[0].members.n == 3);
	CHECK_STR(c->groups.n && c->groups.v[0].members.n == 3 ? c->groups.v[0].members.v[2] : NULL, "members:alumni");
}

static void
product_example_with_loopback_urls_loads(void)
{
	struct config c;
	char *e;
	CHECK(load(good_ini, &c, &e) == 0);
	CHECK_STR(e, "");
	check_good(&c);
	config_free(&c);
	free(e);
}

static void
secrets_from_files_first_line_only(void)
{
	struct config c;
	char *e;
	free(write_file("imap.pw", "secret\nsecond line ignored\n"));
	free(write_file("smtp.pw", "secret\r\n"));
	char *abs = write_file("xmpp.pw", "secret");
	free(write_file("matrix.token", "syt_token\n"));
	/* the same configuration, every secret from a file: relative paths are
	 * taken from the config file's directory, the xmpp one is absolute */
	char *text = xasprintf(
		"[bot]\n"
		"database    = /var/lib/mentorbot/state.db\n"
		"templates   = /usr/share/mentorbot/templates\n"
		"staff       = koordination@uni.example, xmpp:koord@uni.example, matrix:@koord:uni.example\n"
		"authserv_id = mx.uni.example\n"
		"[imap]\n"
		"url = imap://127.0.0.1:10143/INBOX\nuser = mentoring@uni.example\n"
		"password_file = imap.pw   ; first line only\n"
		"processed = Processed\n"
		"[smtp]\n"
		"url = smtp://127.0.0.1:10025\nuser = mentoring@uni.example\npassword_file = smtp.pw\n"
		"from = Mentoring-Büro <mentoring@uni.example>\n"
		"[xmpp]\n"
		"jid = mentorbot@uni.example\npassword_file = %s\nserver = 127.0.0.1:15222\ntls = off\n"
		"rooms = mentoring@conference.uni.example, alumni@conference.uni.example\n"
		"[matrix]\n"
		"homeserver = http://127.0.0.1:8448\nuser = @mentorbot:uni.example\n"
		"access_token_file = matrix.token\n"
		"rooms = !abcdef:uni.example, #alumni:uni.example\n"
		"[bridge]\npairs = mentoring@conference.uni.example !abcdef:uni.example\n"
		"[groups]\nalumni = xmpp:alumni@conference.uni.example, matrix:#alumni:uni.example, members:alumni\n",
		abs);
	CHECK(load(text, &c, &e) == 0);
	CHECK_STR(e, "");
	check_good(&c);
	config_free(&c);
	free(e);
	free(abs);
	free(text);
}

static void
unreadable_secret_file_is_an_error_with_line(void)
{
	struct config c;
	char *e;
	int n = load("[bot]\ndatabase = x.db\n[imap]\nurl = imaps://imap.uni.example\nuser = u\n"
		     "password_file = /nonexistent/pw\n",
		     &c, &e);
	CHECK(n == 1);
	CHECK(strstr(e, "C:6: cannot read password_file '/nonexistent/pw'") != NULL);
	config_free(&c);
	free(e);
	free(write_file("empty.pw", "\n"));
	n = load("[bot]\ndatabase = x.db\n[matrix]\nhomeserver = https://m.example\nuser = @b:m.example\n"
		 "access_token_file = empty.pw\n",
		 &c, &e);
	CHECK(n == 1);
	CHECK(strstr(e, "C:6: cannot read access_token_file 'empty.pw': first line is empty") != NULL);
	config_free(&c);
	free(e);
}

/* A password or token file that its group or everyone may read is refused (as OpenSSH refuses
 * such a private key), with the file's mode and the remedy. */
static void
secret_file_open_to_others_is_refused(void)
{
	struct config c;
	char *e;
	char *path = write_file("open.pw", "secret\n");
	chmod(path, 0644);
	int n = load("[bot]\ndatabase = x.db\n[imap]\nurl = imaps://imap.uni.example\nuser = u\n"
		     "password_file = open.pw\n",
		     &c, &e);
	CHECK(n == 1);
	CHECK(strstr(e, "C:6: cannot read password_file 'open.pw': it is open to everyone (mode 0644); chmod 600 it") !=
	      NULL);
	config_free(&c);
	free(e);
	chmod(path, 0640);
	n = load("[bot]\ndatabase = x.db\n[matrix]\nhomeserver = https://m.example\nuser = @b:m.example\n"
		 "access_token_file = open.pw\n",
		 &c, &e);
	CHECK(n == 1);
	CHECK(strstr(e, "it is open to its group (mode 0640); chmod 600 it") != NULL);
	config_free(&c);
	free(e);
	chmod(path, 0400);
	n = load("[bot]\ndatabase = x.db\n[matrix]\nhomeserver = https://m.example\nuser = @b:m.example\n"
		 "access_token_file = open.pw\n",
		 &c, &e);
	CHECK(n == 0);
	config_free(&c);
	free(e);
	free(path);
}

static void
defaults_when_keys_absent(void)
{
	struct config c;
	char *e;
	CHECK(load("[bot]\ndatabase = state.db\n", &c, &e) == 0);
	CHECK_STR(e, "");
	CHECK_STR(c.bot.language, "de");
	CHECK_STR(c.bot.templates, MENTORBOT_TEMPLATES);
	CHECK(c.bot.reply_limit == 10);
	CHECK(c.retention.raw_mail_days == 30 && c.retention.chat_journal_days == 30);
	CHECK(c.retention.outbox_body_days == 30 && c.retention.journal_days == 30);
	CHECK(c.retention.left_people_days == 365 && c.retention.bounce_days == 365);
	CHECK(c.bot.max_mail_size == 10485760);
	CHECK(c.bot.flood_rate == 20);
	CHECK(c.bot.flood_burst == 10);
	CHECK_STR(c.bot.log, "stderr");
	CHECK(!c.imap.present && !c.smtp.present && !c.xmpp.present && !c.matrix.present);
	CHECK_STR(c.imap.quarantine, "Quarantine");
	CHECK(c.imap.poll_interval == 60);
	CHECK(c.xmpp.tls_required == 1);
	CHECK_STR(c.xmpp.nick, "MentorBot");
	CHECK_STR(c.bridge.relay_pattern, "^\\[([^]]+)\\] ");
	CHECK(c.bot.authserv_id == NULL);
	CHECK(c.bot.parser_memory == 256L * 1024 * 1024);
	CHECK(c.bot.parser_timeout == 10);
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = s.db\nparser_memory = 128M\nparser_timeout = 3\n", &c, &e) == 0);
	CHECK(c.bot.parser_memory == 128L * 1024 * 1024);
	CHECK(c.bot.parser_timeout == 3);
	config_free(&c);
	free(e);
	/* the parser process's code alone needs 64M; a timeout of 0 would refuse every mail */
	CHECK(load("[bot]\ndatabase = s.db\nparser_memory = 16M\nparser_timeout = 0\n", &c, &e) != 0);
	CHECK(e && strstr(e, ":3: parser_memory must be at least 64M") && strstr(e, ":4: 'parser_timeout'"));
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = s.db\nmax_mail_size = 2M\nlog = syslog\nlanguage = EN\n", &c, &e) == 0);
	CHECK(c.bot.max_mail_size == 2 * 1024 * 1024);
	CHECK_STR(c.bot.language, "en");
	CHECK_STR(c.bot.log, "syslog");
	config_free(&c);
	free(e);
}

static void
retention_section(void)
{
	struct config c;
	char *e;
	CHECK(load("[bot]\ndatabase = s.db\n[retention]\nraw_mail_days = 7\nchat_journal_days = 3\n"
		   "outbox_body_days = 10\njournal_days = 60\nleft_people_days = 730\nbounce_days = 90\n",
		   &c, &e) == 0);
	CHECK(c.retention.raw_mail_days == 7 && c.retention.chat_journal_days == 3);
	CHECK(c.retention.outbox_body_days == 10 && c.retention.journal_days == 60);
	CHECK(c.retention.left_people_days == 730 && c.retention.bounce_days == 90);
	config_free(&c);
	free(e);
	/* [bot] retention_days is the old name of raw_mail_days */
	CHECK(load("[bot]\ndatabase = s.db\nretention_days = 12\n", &c, &e) == 0);
	CHECK(c.retention.raw_mail_days == 12);
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = s.db\nretention_days = 12\n[retention]\nraw_mail_days = 5\n", &c, &e) != 0);
	CHECK(e && strstr(e, ":3: both [bot] retention_days"));
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = s.db\n[retention]\nbounce_days = -1\nlogs_days = 3\n", &c, &e) != 0);
	CHECK(e && strstr(e, ":4: 'bounce_days'") && strstr(e, ":5: unknown key 'logs_days' in [retention]"));
	config_free(&c);
	free(e);
}

/* One line of input → the exact error expected. */
struct err_case {
	const char *text;
	const char *expect;
};

static void
each_error_kind_reported_with_its_line(void)
{
	static const struct err_case cases[] = {
		{"[bot]\ndatabase = d\n[imap]\nurl = imaps://h/INBOX\nuser = u\npassword = p\nx = 1\n",
		 "C:7: unknown key 'x' in [imap]\n"},
		{"[bot]\ndatabase = d\n[mail]\nurl = x\n", "C:3: unknown section [mail]\n"},
		{"[bot]\ndatabase = d\nlanguage = fr\n", "C:3: language must be 'de' or 'en', not 'fr'\n"},
		{"[bot]\ndatabase = d\nreply_limit = ten\n",
		 "C:3: 'reply_limit' must be a whole number from 0 to 100000, not 'ten'\n"},
		{"[bot]\ndatabase = d\nreply_limit = 10x\n",
		 "C:3: 'reply_limit' must be a whole number from 0 to 100000, not '10x'\n"},
		{"[bot]\ndatabase = d\ndatabase = e\n",
		 "C:3: duplicate key 'database' in [bot] (first set at line 2)\n"},
		{"[bot]\ndatabase = d\nDataBase = e\n",
		 "C:3: duplicate key 'database' in [bot] (first set at line 2)\n"},
		{"database = d\n", "C:1: key 'database' outside of any [section]\n"
				   "C:0: missing required key 'database' in [bot]\n"},
		{"[bot]\ndatabase\n", "C:2: expected 'key = value'\nC:1: missing required key 'database' in [bot]\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = imaps//h\nuser = u\npassword = p\n",
		 "C:4: malformed URL 'imaps//h' for 'url' (expected scheme://host[:port][/path])\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = imaps://h:99999/\nuser = u\npassword = p\n",
		 "C:4: malformed URL 'imaps://h:99999/' for 'url' (expected scheme://host[:port][/path])\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = imaps://u:pw@h/\nuser = u\npassword = p\n",
		 "C:4: malformed URL 'imaps://u:pw@h/' for 'url' (expected scheme://host[:port][/path])\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = smtps://h\nuser = u\npassword = p\n",
		 "C:4: URL 'smtps://h': scheme must be imaps:// (or imap:// to a loopback host)\n"},
		{"[bot]\ndatabase = d\n[smtp]\nurl = imaps://h\nfrom = a@b.example\n",
		 "C:4: URL 'imaps://h': scheme must be smtps:// or smtp://\n"},
		{"[bot]\ndatabase = d\n[matrix]\nhomeserver = ftp://m\nuser = @u:m\naccess_token = t\n",
		 "C:4: homeserver 'ftp://m': scheme must be https:// (or http:// to a loopback host)\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = imap://imap.uni.example/INBOX\nuser = u\npassword = p\n",
		 "C:4: plain-text imap:// refused for non-loopback host 'imap.uni.example': use imaps://\n"},
		{"[bot]\ndatabase = d\n[matrix]\nhomeserver = http://matrix.uni.example\nuser = @u:m\naccess_token = "
		 "t\n",
		 "C:4: plain-text http:// refused for non-loopback homeserver 'matrix.uni.example': use https://\n"},
		{"[bot]\ndatabase = d\n[xmpp]\njid = b@x\npassword = p\nserver = xmpp.uni.example\ntls = off\n",
		 "C:7: tls = off refused for non-loopback server 'xmpp.uni.example'\n"},
		{"[bot]\ndatabase = d\n[xmpp]\njid = b@x\npassword = p\ntls = off\n",
		 "C:6: tls = off needs 'server' set to a loopback address\n"},
		{"[bot]\ndatabase = d\n[xmpp]\njid = b@x\npassword = p\ntls = maybe\n",
		 "C:6: tls must be 'required' or 'off', not 'maybe'\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = imaps://h\nuser = u\n",
		 "C:3: missing required key 'password' (or 'password_file') in [imap]\n"},
		{"[bot]\ndatabase = d\n[smtp]\nuser = u\npassword = p\n",
		 "C:3: missing required key 'url' in [smtp]\nC:3: missing required key 'from' in [smtp]\n"},
		{"[bot]\ndatabase = d\n[xmpp]\nrooms = r@c\n",
		 "C:3: missing required key 'jid' in [xmpp]\n"
		 "C:3: missing required key 'password' (or 'password_file') in [xmpp]\n"},
		{"[bot]\ndatabase = d\n[matrix]\n",
		 "C:3: missing required key 'homeserver' in [matrix]\nC:3: missing required key 'user' in [matrix]\n"
		 "C:3: missing required key 'access_token' (or 'access_token_file') in [matrix]\n"},
		{"[bot]\ndatabase = d\n[imap]\nurl = imaps://h\nuser = u\npassword = p\npassword_file = f\n",
		 "C:7: both 'password' and 'password_file' given in [imap]\n"},
		{"[bot]\ndatabase = d\n[smtp]\nurl = smtps://h\nfrom = Mentoring-Büro\n",
		 "C:5: from 'Mentoring-Büro' has no valid mail address (expected \"Name <addr>\" or addr)\n"},
		{"[bot]\ndatabase = d\n[xmpp]\njid = b@x\npassword = p\n[matrix]\nhomeserver = https://m\n"
		 "user = @u:m\naccess_token = t\n[bridge]\npairs = r@c !a:m, lonely@c\n",
		 "C:11: bridge pair 'lonely@c' must be \"xmppRoom matrixRoom\"\n"},
		{"[bot]\ndatabase = d\n[bridge]\npairs = r@c !a:m\n",
		 "C:4: [bridge] pairs need both [xmpp] and [matrix]\n"},
		{"[bot]\ndatabase = d\n[groups]\nalumni = a@b\nAlumni = c@d\n",
		 "C:5: duplicate group 'alumni' in [groups]\n"},
		{"[bot]\ndatabase = d\n[groups]\nempty = , ,\n", "C:4: group 'empty' has no members\n"},
		{"[bot]\ndatabase =\n", "C:2: empty value for 'database' in [bot]\n"},
		{"[bot\ndatabase = d\n",
		 "C:1: section header without ']'\nC:0: missing required key 'database' in [bot]\n"},
		{"[bot]\ndatabase = d\nmax_mail_size = 10X\n",
		 "C:3: 'max_mail_size' must be a size like 10485760, 512K or 10M, not '10X'\n"},
		{"[bot]\ndatabase = d\n[smtp]\nurl = smtps://h\nfrom = a@b.example\nca_file = /nonexistent/ca.pem\n",
		 "C:6: cannot read ca_file '/nonexistent/ca.pem': No such file or directory\n"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct config c;
		char *e;
		int n = load(cases[i].text, &c, &e);
		int lines = 0;
		for (const char *q = cases[i].expect; *q; q++)
			lines += *q == '\n';
		if (strcmp(e, cases[i].expect) != 0 || n != lines)
			printf("  case %zu: got %d error(s):\n%s", i, n, e);
		CHECK_STR(e, cases[i].expect);
		CHECK(n == lines);
		config_free(&c);
		free(e);
	}
}

static void
all_errors_reported_not_just_the_first(void)
{
	struct config c;
	char *e;
	int n = load("[bot]\n"
		     "language = xx\n"              /* 2 */
		     "reply_limit = -1\n"           /* 3 */
		     "colour = blue\n"              /* 4 */
		     "[imap]\n"                     /* 5 */
		     "url = imap://mail.example\n"  /* 6 */
		     "url = imaps://mail.example\n" /* 7 */
		     "[nope]\n"                     /* 8 */
		     "whatever = 1\n",              /* inside an unknown section: not reported again */
		     &c, &e);
	CHECK(n == 9);
	CHECK(strstr(e, "C:2: language") != NULL);
	CHECK(strstr(e, "C:3: 'reply_limit'") != NULL);
	CHECK(strstr(e, "C:4: unknown key 'colour' in [bot]") != NULL);
	CHECK(strstr(e, "C:6: plain-text imap://") != NULL);
	CHECK(strstr(e, "C:7: duplicate key 'url' in [imap] (first set at line 6)") != NULL);
	CHECK(strstr(e, "C:8: unknown section [nope]") != NULL);
	CHECK(strstr(e, "C:1: missing required key 'database' in [bot]") != NULL);
	CHECK(strstr(e, "C:5: missing required key 'user' in [imap]") != NULL);
	CHECK(strstr(e, "C:5: missing required key 'password' (or 'password_file') in [imap]") != NULL);
	config_free(&c);
	free(e);
}

static void
smtp_plain_to_remote_requires_starttls(void)
{
	struct config c;
	char *e;
	CHECK(load("[bot]\ndatabase = d\n[smtp]\nurl = smtp://smtp.uni.example:587\nfrom = a@b.example\n", &c, &e) ==
	      0);
	CHECK_STR(e, "");
	CHECK(c.smtp.starttls_required == 1);
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = d\n[smtp]\nurl = smtps://smtp.uni.example\nfrom = a@b.example\n", &c, &e) == 0);
	CHECK(c.smtp.starttls_required == 0);
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = d\n[smtp]\nurl = smtp://[::1]:10025\nfrom = a@b.example\n", &c, &e) == 0);
	CHECK(c.smtp.starttls_required == 0);
	CHECK_STR(c.smtp.u.host, "::1");
	config_free(&c);
	free(e);
	/* imap:// and xmpp tls = off are fine on loopback, in any spelling */
	CHECK(load("[bot]\ndatabase = d\n[imap]\nurl = imap://localhost/Other%20Box\nuser = u\npassword = p\n"
		   "[xmpp]\njid = b@x\npassword = p\nserver = [::1]:5222\ntls = off\n",
		   &c, &e) == 0);
	CHECK_STR(e, "");
	CHECK_STR(c.imap.u.path, "Other Box");
	CHECK_STR(c.xmpp.server_host, "::1");
	CHECK(c.xmpp.server_port == 5222);
	config_free(&c);
	free(e);
}

static void
inline_comments_and_semicolons_in_values(void)
{
	struct config c;
	char *e;
	CHECK(load("; comment\n# comment\n[bot]  ; trailing\ndatabase = a;b.db ; comment\n"
		   "authserv_id = mx#1 # comment\ntemplates=t\t; tab comment\n",
		   &c, &e) == 0);
	CHECK_STR(e, "");
	CHECK_STR(c.bot.database, "a;b.db");
	CHECK_STR(c.bot.authserv_id, "mx#1");
	CHECK_STR(c.bot.templates, "t");
	config_free(&c);
	free(e);
	/* '#' opens a comment only when followed by white space: Matrix aliases survive */
	CHECK(load("[bot]\ndatabase = d\n[matrix]\nhomeserver = https://m.example\nuser = @b:m\naccess_token = t\n"
		   "rooms = !a:m, #alumni:m # the alias\n",
		   &c, &e) == 0);
	CHECK_STR(e, "");
	CHECK(c.matrix.rooms.n == 2);
	CHECK_STR(c.matrix.rooms.n == 2 ? c.matrix.rooms.v[1] : NULL, "#alumni:m");
	config_free(&c);
	free(e);
}

static void
bom_and_crlf_tolerated(void)
{
	struct config c;
	char *e;
	CHECK(load("\xEF\xBB\xBF[bot]\r\ndatabase = s.db\r\nlanguage = en\r\n\r\n[groups]\r\nstaff = a@b, c@d\r\n", &c,
		   &e) == 0);
	CHECK_STR(e, "");
	CHECK_STR(c.bot.database, "s.db");
	CHECK_STR(c.bot.language, "en");
	CHECK(c.groups.n == 1 && c.groups.v[0].members.n == 2);
	CHECK_STR(c.groups.n ? c.groups.v[0].members.v[1] : NULL, "c@d");
	config_free(&c);
	free(e);
	/* a CRLF file's error still names the right line */
	CHECK(load("\xEF\xBB\xBF[bot]\r\ndatabase = s.db\r\nbogus = 1\r\n", &c, &e) == 1);
	CHECK_STR(e, "C:3: unknown key 'bogus' in [bot]\n");
	config_free(&c);
	free(e);
}

/* Every error of a BOM + CRLF file names its own line, the errors of libinih's kind
 * (bad lines) and of ours (keys, values, the second pass) alike. */
static void
every_error_keeps_its_line_with_bom_and_crlf(void)
{
	struct config c;
	char *e;
	int n = load("\xEF\xBB\xBF; comment\r\n"  /* 1 */
		     "[bot]\r\n"                  /* 2 */
		     "database = s.db\r\n"        /* 3 */
		     "no equals sign\r\n"         /* 4 */
		     "reply_limit = many\r\n"     /* 5 */
		     "[bot] trailing\r\n"         /* 6 */
		     "staff: a@b.example = x\r\n" /* 7: ':' before '=' is no separator */
		     "[imap\r\n"                  /* 8 */
		     "url = imaps://h\r\n"        /* 9: inside the broken header: not reported */
		     "[xmpp]\r\n"                 /* 10: present, so its required keys are missing */
		     "\r\n",
		     &c, &e);
	CHECK_STR(e, "C:4: expected 'key = value'\n"
		     "C:5: 'reply_limit' must be a whole number from 0 to 100000, not 'many'\n"
		     "C:6: unexpected text after [bot]\n"
		     "C:7: unknown key 'staff: a@b.example' in [bot]\n"
		     "C:8: section header without ']'\n"
		     "C:10: missing required key 'jid' in [xmpp]\n"
		     "C:10: missing required key 'password' (or 'password_file') in [xmpp]\n");
	CHECK(n == 7);
	CHECK(c.xmpp.present && !c.imap.present);
	config_free(&c);
	free(e);
}

/* Lines are not cut at libinih's default 200 bytes; one longer than the limit is an error
 * with its line, and the lines after it keep their numbers. */
static void
long_lines(void)
{
	struct config c;
	char *e;
	struct buf b = BUF_INIT;
	buf_addf(&b, "[bot]\ndatabase = s.db\nstaff = ");
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%sstaff%d@uni.example", i ? ", " : "", i);
	buf_addf(&b, "\nreply_limit = 7\n");
	char *text = buf_detach(&b);
	CHECK(strlen(text) > 20000);
	CHECK(load(text, &c, &e) == 0);
	CHECK_STR(e, "");
	CHECK(c.bot.staff.n == 1000);
	CHECK_STR(c.bot.staff.n == 1000 ? c.bot.staff.v[999] : NULL, "staff999@uni.example");
	CHECK(c.bot.reply_limit == 7);
	config_free(&c);
	free(e);
	free(text);
	/* one byte over the limit */
	char *big = xmalloc(65538);
	memset(big, 'x', 65537);
	big[65537] = '\0';
	text = xasprintf("[bot]\ndatabase = s.db\nauthserv_id = %s\nlanguage = fr\n", big + 14);
	CHECK(strlen("authserv_id = ") + strlen(big + 14) == 65537);
	CHECK(load(text, &c, &e) == 2);
	CHECK_STR(e, "C:3: line longer than 65536 bytes\nC:4: language must be 'de' or 'en', not 'fr'\n");
	CHECK(c.bot.authserv_id == NULL);
	config_free(&c);
	free(e);
	free(text);
	/* exactly the limit is fine */
	big[65536] = '\0';
	text = xasprintf("[bot]\ndatabase = s.db\nauthserv_id = %s\n", big + 14);
	CHECK(load(text, &c, &e) == 0);
	CHECK(c.bot.authserv_id && strlen(c.bot.authserv_id) == 65536 - 14);
	config_free(&c);
	free(e);
	free(text);
	free(big);
}

/* An indented line is a line of its own, not the continuation of the value above
 * (libinih's multi-line values are off); a file without a final newline is read whole. */
static void
indented_lines_and_no_final_newline(void)
{
	struct config c;
	char *e;
	CHECK(load("[bot]\n  database = s.db\n\tlanguage = en\n    [xmpp]\n  jid = b@x\n  password = p\n"
		   "  rooms = a@c,\n    b@c",
		   &c, &e) == 1);
	CHECK_STR(e, "C:8: expected 'key = value'\n");
	CHECK_STR(c.bot.language, "en");
	CHECK(c.xmpp.rooms.n == 1);
	config_free(&c);
	free(e);
	CHECK(load("[bot]\ndatabase = s.db\nlanguage = en", &c, &e) == 0);
	CHECK_STR(c.bot.language, "en");
	config_free(&c);
	free(e);
}

static void
missing_file_reported_at_line_0(void)
{
	struct config c;
	struct buf e = BUF_INIT;
	CHECK(config_load("/nonexistent/mentorbot.ini", &c, &e) == 1);
	CHECK(e.p && !strncmp(e.p, "/nonexistent/mentorbot.ini:0: cannot read configuration", 55));
	config_free(&c);
	buf_free(&e);
}

static void
url_parse_accepts_and_rejects(void)
{
	struct url_parts u;
	CHECK(url_parse("IMAPS://Mail.Example:993/INBOX/Sub", &u) == 0);
	CHECK_STR(u.scheme, "imaps");
	CHECK_STR(u.host, "Mail.Example");
	CHECK(u.port == 993);
	CHECK_STR(u.path, "INBOX/Sub");
	url_parts_free(&u);
	CHECK(url_parse("smtp://[::1]", &u) == 0);
	CHECK_STR(u.host, "::1");
	CHECK(u.port == 0);
	CHECK_STR(u.path, "");
	url_parts_free(&u);
	static const char *bad[] = {"",
				    "imaps:/h",
				    "://h",
				    "imaps://",
				    "imaps://h:",
				    "imaps://h:0",
				    "imaps://h:x",
				    "imaps://h?x",
				    "imaps://h/a b",
				    "imaps://h/%zz",
				    "imaps://[::1",
				    "imaps://u@h",
				    "imaps://h/%00"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (url_parse(bad[i], &u) == 0) {
			printf("  accepted '%s'\n", bad[i]);
			CHECK(!"malformed URL accepted");
			url_parts_free(&u);
		}
	}
}

static void
strlist_split_trims_and_drops_empty(void)
{
	struct strlist l = {0};
	strlist_split(&l, " a , ,b,, c ", ',');
	CHECK(l.n == 3);
	CHECK_STR(l.n == 3 ? l.v[0] : NULL, "a");
	CHECK_STR(l.n == 3 ? l.v[2] : NULL, "c");
	strlist_free(&l);
	CHECK(l.n == 0 && l.v == NULL);
}

/* A configuration runs with any transports that receive commands: chat only, mail only, both;
 * not with none, and not with [imap] but no [smtp] (mail could not be answered); [smtp] alone
 * only sends and is no inbound transport */
static void
transport_subsets_that_can_run(void)
{
	const char *imap = "[imap]\nurl = imaps://imap.uni.example\nuser = u\npassword = p\n";
	const char *smtp = "[smtp]\nurl = smtps://smtp.uni.example\nfrom = bot@uni.example\n";
	const char *xmpp = "[xmpp]\njid = bot@uni.example\npassword = p\n";
	const char *matrix = "[matrix]\nhomeserver = https://m.example\nuser = @b:m.example\naccess_token = t\n";
	const struct {
		const char *a, *b, *c;
		enum config_transports want;
	} t[] = {
		{xmpp, "", "", CONFIG_TRANSPORTS_OK},     {matrix, "", "", CONFIG_TRANSPORTS_OK},
		{xmpp, matrix, "", CONFIG_TRANSPORTS_OK}, {xmpp, smtp, "", CONFIG_TRANSPORTS_OK},
		{imap, smtp, "", CONFIG_TRANSPORTS_OK},   {imap, smtp, matrix, CONFIG_TRANSPORTS_OK},
		{"", "", "", CONFIG_NO_INBOUND},          {smtp, "", "", CONFIG_NO_INBOUND},
		{imap, "", "", CONFIG_IMAP_WITHOUT_SMTP}, {imap, xmpp, "", CONFIG_IMAP_WITHOUT_SMTP},
	};
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		char *text = xasprintf("[bot]\ndatabase = d\n%s%s%s", t[i].a, t[i].b, t[i].c);
		struct config c;
		char *e;
		CHECK(load(text, &c, &e) == 0); /* the file itself is fine: run and check-config decide */
		CHECK(config_transports_check(&c) == t[i].want);
		if (config_transports_check(&c) != t[i].want)
			printf("  case %zu\n", i);
		config_free(&c);
		free(e);
		free(text);
	}
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(product_example_with_loopback_urls_loads);
	RUN(secrets_from_files_first_line_only);
	RUN(unreadable_secret_file_is_an_error_with_line);
	RUN(secret_file_open_to_others_is_refused);
	RUN(defaults_when_keys_absent);
	RUN(retention_section);
	RUN(each_error_kind_reported_with_its_line);
	RUN(all_errors_reported_not_just_the_first);
	RUN(smtp_plain_to_remote_requires_starttls);
	RUN(inline_comments_and_semicolons_in_values);
	RUN(bom_and_crlf_tolerated);
	RUN(every_error_keeps_its_line_with_bom_and_crlf);
	RUN(long_lines);
	RUN(indented_lines_and_no_final_newline);
	RUN(missing_file_reported_at_line_0);
	RUN(url_parse_accepts_and_rejects);
	RUN(strlist_split_trims_and_drops_empty);
	RUN(transport_subsets_that_can_run);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", tmpdir);
	free(cmd);
	return t_done();
}
