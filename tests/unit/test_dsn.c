/*
 * test_dsn.c - dsn_parse() reads the failed recipient, status and class of
 * every seed in tests/fixtures/dsn/ (RFC 3464 and the Postfix, Exchange,
 * Gmail, qmail, Exim and OpenSMTPD free-text forms, delays, CRLF, a mail
 * that is no bounce), never reads the copy of the original message, and
 * agrees with the shared corpus's DSN samples (../shared/corpus, when
 * present: read there, not copied).  dsn_verp_addr()/dsn_verp_id()/
 * dsn_verp_ok() tie a return path to one outbox row and one recipient.
 * Run from the repository root.
 */
#include "dsn.h"
#include "t.h"
#include "tests/slurp.h"
#include "util.h"

#include <stdlib.h>
#include <sys/stat.h>

static struct dsn D;

static enum dsn_class
parse_file(const char *path)
{
	size_t len;
	char *s = slurp(path, &len);
	memset(&D, 0, sizeof D);
	if (!s)
		return (enum dsn_class) - 1;
	enum dsn_class c = dsn_parse(s, len, &D);
	free(s);
	return c;
}

static void
expect(const char *name, enum dsn_class cls, const char *form, const char *rcpt, const char *status)
{
	char *path = xasprintf("tests/fixtures/dsn/%s", name);
	enum dsn_class c = parse_file(path);
	if (c != cls || strcmp(D.form, form) != 0 || strcmp(D.rcpt, rcpt) != 0 || strcmp(D.status, status) != 0)
		printf("  %s: class %s form %s rcpt '%s' status '%s' diag '%s'\n", name, dsn_class_name(c), D.form,
		       D.rcpt, D.status, D.diag);
	CHECK(c == cls);
	CHECK_STR(D.form, form);
	CHECK_STR(D.rcpt, rcpt);
	CHECK_STR(D.status, status);
	free(path);
}

static void
rfc3464_fields_win_and_the_original_is_not_read(void)
{
	expect("postfix_rfc3464.eml", DSN_HARD, "rfc3464", "gone@example.org", "5.1.1");
	CHECK(strstr(D.diag, "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown") == D.diag);
	expect("rfc3464_delayed.eml", DSN_DELAYED, "rfc3464", "wait@example.com", "4.4.1");
	expect("crlf_soft.eml", DSN_SOFT, "rfc3464", "a@b.example", "4.2.2");
	CHECK_STR(D.diag, "452 mailbox full");
}

static void
free_text_forms(void)
{
	expect("postfix_text.eml", DSN_HARD, "postfix", "full.box@example.org", "5.2.2");
	expect("exchange.eml", DSN_HARD, "exchange", "someone@contoso.example", "5.1.10");
	expect("gmail.eml", DSN_HARD, "gmail", "nobody.here@gmail.example", "5.1.1");
	expect("gmail_delay.eml", DSN_DELAYED, "gmail", "slow@example.net", "4.3.0");
	expect("qmail.eml", DSN_HARD, "qmail", "olduser@example.com", "5.1.1");
	expect("exim.eml", DSN_HARD, "exim", "left@exim.example.net", "5.1.1");
	expect("exim_soft.eml", DSN_SOFT, "exim", "quota@exim.example.net", "4.2.2");
	expect("opensmtpd.eml", DSN_HARD, "opensmtpd", "nosuchuser@test.example", "550");
	CHECK(strstr(D.diag, "Invalid recipient") != NULL);
	expect("opensmtpd_delay.eml", DSN_DELAYED, "opensmtpd", "later@test.example", "421");
	expect("not_a_bounce.eml", DSN_NONE, "none", "", "");
}

static void
odd_input(void)
{
	CHECK(dsn_parse(NULL, 0, &D) == DSN_NONE);
	CHECK(dsn_parse("", 0, &D) == DSN_NONE);
	/* no NUL needed: the length is the end */
	static const char cut[] = "Action: failed\nStatus: 5.1.1XXXX";
	CHECK(dsn_parse(cut, sizeof cut - 5, &D) == DSN_HARD && strcmp(D.status, "5.1.1") == 0);
	/* a failure without a status is permanent; relayed and delivered are no failures */
	static const char nostatus[] = "Final-Recipient: rfc822; x@y.example\nAction: failed\n";
	CHECK(dsn_parse(nostatus, sizeof nostatus - 1, &D) == DSN_HARD);
	static const char ok[] = "Final-Recipient: rfc822; x@y.example\nAction: delivered\nStatus: 2.0.0\n";
	CHECK(dsn_parse(ok, sizeof ok - 1, &D) == DSN_NONE);
	/* the first failure of several recipients wins over an earlier delay */
	static const char two[] = "Final-Recipient: rfc822; d@y.example\nAction: delayed\nStatus: 4.0.0\n\n"
				  "Final-Recipient: rfc822; f@y.example\nAction: failed\nStatus: 5.7.1\n";
	CHECK(dsn_parse(two, sizeof two - 1, &D) == DSN_HARD && strcmp(D.rcpt, "f@y.example") == 0);
	/* a diagnostic longer than the buffer is cut, never overrun */
	char big[4000];
	int n = snprintf(big, sizeof big, "Action: failed\nDiagnostic-Code: smtp; 550 5.1.1 ");
	memset(big + n, 'a', sizeof big - (size_t)n);
	CHECK(dsn_parse(big, sizeof big, &D) == DSN_HARD && strlen(D.diag) < sizeof D.diag);
}

static const char *
corpus_dir(void)
{
	static const char *const dirs[] = {"../shared/corpus", "../../shared/corpus"};
	struct stat st;
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		if (stat(dirs[i], &st) == 0)
			return dirs[i];
	return NULL;
}

/* EXPECTED.md: dsn_failure_* are failed DSNs, good_reply is none; delivery-status.eml a 5.1.1 failure */
static void
shared_corpus_samples(void)
{
	const char *c = corpus_dir();
	if (!c) {
		printf("skipped shared_corpus_samples: no ../shared/corpus\n");
		return;
	}
	static const char *const ccs = "ccs_calendarserver/txdav/caldav/datastore/scheduling/imip/test/data/";
	char *p = xasprintf("%s/%sdsn_failure_no_original", c, ccs);
	CHECK(parse_file(p) == DSN_HARD && strcmp(D.rcpt, "nonexistant@example.com") == 0);
	CHECK(strcmp(D.status, "5.0.0") == 0 && strcmp(D.form, "rfc3464") == 0);
	free(p);
	p = xasprintf("%s/%sdsn_failure_with_ics", c, ccs);
	CHECK(parse_file(p) == DSN_HARD);
	free(p);
	p = xasprintf("%s/%sgood_reply", c, ccs);
	CHECK(parse_file(p) == DSN_NONE);
	free(p);
	p = xasprintf("%s/nodemailer_mailparser/test/fixtures/delivery-status.eml", c);
	CHECK(parse_file(p) == DSN_HARD && strcmp(D.rcpt, "xxxx@xxxx.com") == 0 && strcmp(D.status, "5.1.1") == 0);
	free(p);
}

static void
verp_ties_row_and_recipient(void)
{
	unsigned char key[KEYED_KEY_LEN], other[KEYED_KEY_LEN];
	memset(key, 7, sizeof key);
	memset(other, 8, sizeof other);
	char *v = dsn_verp_addr(key, "mentorbot@uni.example", 4711, "Anna@Example.org");
	CHECK(strncmp(v, "mentorbot+bounce-4711.", 22) == 0 && strlen(v) == 22 + 16 + strlen("@uni.example"));
	CHECK(strchr(v, '@') - v <= 64);
	CHECK(dsn_verp_id("mentorbot@uni.example", v) == 4711);
	CHECK(dsn_verp_id("MentorBot@UNI.example", v) == 4711);
	CHECK(dsn_verp_ok(key, "mentorbot@uni.example", v, 4711, "anna@example.org"));
	CHECK(!dsn_verp_ok(key, "mentorbot@uni.example", v, 4712, "anna@example.org"));
	CHECK(!dsn_verp_ok(key, "mentorbot@uni.example", v, 4711, "bob@example.org"));
	CHECK(!dsn_verp_ok(other, "mentorbot@uni.example", v, 4711, "anna@example.org"));
	char *upper = xstrdup(v);
	for (char *q = upper; *q; q++)
		*q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
	CHECK(dsn_verp_ok(key, "mentorbot@uni.example", upper, 4711, "anna@example.org"));
	free(upper);
	CHECK(dsn_verp_id("mentorbot@uni.example", "mentorbot+ev7.abcdefghijklmnopqrstuvwxyz@uni.example") == 0);
	CHECK(dsn_verp_id("mentorbot@uni.example", "mentorbot+bounce-0.abcdefghijklmnop@uni.example") == 0);
	CHECK(dsn_verp_id("mentorbot@uni.example", "mentorbot+bounce-1x.abcdefghijklmnop@uni.example") == 0);
	CHECK(dsn_verp_id("mentorbot@uni.example", "mentorbot+bounce-5.abcdefghijklmnop@other.example") == 0);
	CHECK(dsn_verp_id("mentorbot@uni.example", "mentorbot@uni.example") == 0);
	free(v);
}

int
main(void)
{
	RUN(rfc3464_fields_win_and_the_original_is_not_read);
	RUN(free_text_forms);
	RUN(odd_input);
	RUN(shared_corpus_samples);
	RUN(verp_ties_row_and_recipient);
	return t_done();
}
