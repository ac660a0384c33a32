/*
 * test_authres.c - authres_parse() reads Authentication-Results values as RFC
 * 8601 defines them (every Appendix B example, comments everywhere, quoted
 * ids and values, versions, the "none" form) and refuses garbage;
 * authres_proof() gives DKIM/DMARC proof only from the topmost header of our
 * authserv-id, only for a dmarc=pass with our From domain or an aligned
 * dkim=pass header.d, and never for the attacks the old substring test let
 * through.  The fuzz seeds in tests/fixtures/authres/ ("headers\x01id\x01from",
 * named CASE.none / CASE.dkim / CASE.dmarc after the expected proof) are
 * checked here too (run from the repository root).
 */
#include "authres.h"
#include "t.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <time.h>

static struct authres A;
static const char *WHY;

#define ID "mx.example.test"
#define FROM "example.test"

/* Parse v into A (freed by the next call); the result must not point into v. */
static int
parse(const char *v)
{
	char *copy = xstrdup(v);
	int rc;
	authres_free(&A);
	rc = authres_parse(copy, &A);
	memset(copy, 'X', strlen(copy));
	free(copy);
	return rc;
}

static enum authres_proof
proof(const char *headers, const char *id, const char *from)
{
	WHY = NULL;
	return authres_proof(headers, id, from, &WHY);
}

/* Value of ptype.property in result i of A, or NULL. */
static const char *
prop(size_t i, const char *ptype, const char *property)
{
	if (i >= A.nres)
		return NULL;
	for (size_t j = 0; j < A.res[i].nprops; j++)
		if (!strcmp(A.res[i].props[j].ptype, ptype) && !strcmp(A.res[i].props[j].property, property))
			return A.res[i].props[j].value;
	return NULL;
}

#define CHECK_RES(i, m, r)                                                                                             \
	do {                                                                                                           \
		CHECK(A.nres > (i));                                                                                   \
		if (A.nres > (i)) {                                                                                    \
			CHECK_STR(A.res[i].method, m);                                                                 \
			CHECK_STR(A.res[i].result, r);                                                                 \
		}                                                                                                      \
	} while (0)
#define CHECK_PROOF(h, id, from, expect, why)                                                                          \
	do {                                                                                                           \
		CHECK(proof((h), (id), (from)) == (expect));                                                           \
		CHECK_STR(WHY, why);                                                                                   \
	} while (0)
#define CHECK_NONE(h) CHECK(proof((h), ID, FROM) == AUTHRES_NONE)

/* ---- RFC 8601 Appendix B ---- */

/* B.1: no header at all. */
static void
test_rfc_b1_no_header(void)
{
	CHECK_PROOF(NULL, "example.com", "example.com", AUTHRES_NONE, "no Authentication-Results header");
	CHECK_PROOF("", "example.com", "example.com", AUTHRES_NONE, "no Authentication-Results header");
	CHECK_PROOF(" \n\t\n", "example.com", "example.com", AUTHRES_NONE, "no Authentication-Results header");
}

/* B.2: service provided, no authentication done. */
static void
test_rfc_b2_none(void)
{
	CHECK(parse("example.org 1; none") == 0);
	CHECK_STR(A.authserv_id, "example.org");
	CHECK(A.version == 1);
	CHECK(A.nres == 0 && A.res == NULL);
	CHECK_PROOF("example.org 1; none", "example.org", "example.org", AUTHRES_NONE, "no dkim or dmarc pass");
}

/* B.3: service provided, authentication done. */
static void
test_rfc_b3_spf(void)
{
	static const char h[] = "example.com;\r\n          spf=pass smtp.mailfrom=example.net";
	CHECK(parse(h) == 0);
	CHECK_STR(A.authserv_id, "example.com");
	CHECK(A.nres == 1);
	CHECK_RES(0, "spf", "pass");
	CHECK(A.res[0].reason == NULL);
	CHECK(A.res[0].nprops == 1);
	CHECK_STR(prop(0, "smtp", "mailfrom"), "example.net");
	CHECK_PROOF(h, "example.com", "example.net", AUTHRES_NONE, "no dkim or dmarc pass");
}

/* B.4: several authentications by one MTA, in two headers. */
static void
test_rfc_b4_single_mta(void)
{
	static const char h1[] = "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; "
				 "spf=pass smtp.mailfrom=example.net";
	static const char h2[] = "example.com; iprev=pass policy.iprev=192.0.2.200";
	CHECK(parse(h1) == 0);
	CHECK(A.nres == 2);
	CHECK_RES(0, "auth", "pass");
	CHECK_STR(prop(0, "smtp", "auth"), "sender@example.net");
	CHECK_RES(1, "spf", "pass");
	CHECK_STR(prop(1, "smtp", "mailfrom"), "example.net");
	CHECK(parse(h2) == 0);
	CHECK_RES(0, "iprev", "pass");
	CHECK_STR(prop(0, "policy", "iprev"), "192.0.2.200");
	/* RFC 7601's version of the example */
	CHECK(parse("example.com; sender-id=pass header.from=example.net") == 0);
	CHECK_RES(0, "sender-id", "pass");
	CHECK_STR(prop(0, "header", "from"), "example.net");
	CHECK_PROOF("example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass "
		    "smtp.mailfrom=example.net\nexample.com; iprev=pass policy.iprev=192.0.2.200",
		    "example.com", "example.net", AUTHRES_NONE, "no dkim or dmarc pass");
}

/* B.5: different MTAs of one ADMD; the topmost (DKIM) header is the one read. */
static void
test_rfc_b5_different_mtas(void)
{
	static const char h[] = "example.com; dkim=pass (good signature) header.d=example.com\n"
				"example.com; auth=pass (cram-md5) smtp.auth=sender@example.com; "
				"spf=fail smtp.mailfrom=example.com";
	CHECK(parse("example.com; dkim=pass (good signature) header.d=example.com") == 0);
	CHECK_RES(0, "dkim", "pass");
	CHECK_STR(prop(0, "header", "d"), "example.com");
	CHECK(parse("example.com; auth=pass (cram-md5) smtp.auth=sender@example.com; spf=fail "
		    "smtp.mailfrom=example.com") == 0);
	CHECK(A.nres == 2);
	CHECK_RES(1, "spf", "fail");
	CHECK_PROOF(h, "example.com", "example.com", AUTHRES_DKIM, "aligned dkim pass");
	/* RFC 7601's version */
	CHECK_PROOF("example.com; sender-id=fail header.from=example.com; dkim=pass (good signature) "
		    "header.d=example.com",
		    "example.com", "example.com", AUTHRES_DKIM, "aligned dkim pass");
}

/* B.6: multi-tiered; header.i results are no proof. */
static void
test_rfc_b6_multi_tier(void)
{
	static const char h1[] = "example.com; dkim=pass reason=\"good signature\" header.i=@mail-router.example.net; "
				 "dkim=fail reason=\"bad signature\" header.i=@newyork.example.com";
	static const char h2[] = "example.net; dkim=pass (good signature) header.i=@newyork.example.com";
	char both[sizeof(h1) + sizeof(h2)];
	CHECK(parse(h1) == 0);
	CHECK(A.nres == 2);
	CHECK_RES(0, "dkim", "pass");
	CHECK_STR(A.res[0].reason, "good signature");
	CHECK_STR(prop(0, "header", "i"), "@mail-router.example.net");
	CHECK_RES(1, "dkim", "fail");
	CHECK_STR(A.res[1].reason, "bad signature");
	CHECK_STR(prop(1, "header", "i"), "@newyork.example.com");
	CHECK(parse(h2) == 0);
	CHECK_STR(A.authserv_id, "example.net");
	CHECK_STR(prop(0, "header", "i"), "@newyork.example.com");
	snprintf(both, sizeof(both), "%s\n%s", h1, h2);
	CHECK_PROOF(both, "example.com", "newyork.example.com", AUTHRES_NONE, "dkim pass not aligned");
	CHECK_PROOF(both, "example.net", "newyork.example.com", AUTHRES_NONE, "dkim pass not aligned");
	CHECK_PROOF(both, "example.com", "example.net", AUTHRES_NONE, "dkim pass not aligned");
}

/* B.7: comment-heavy, with versions. */
static void
test_rfc_b7_comment_heavy(void)
{
	static const char h[] = "foo.example.net (foobar) 1 (baz);\r\n"
				"    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
				"      policy (A dot can go here) . (like that) expired\r\n"
				"      (this surprised me) = (as I wasn't expecting it) 1362471462";
	CHECK(parse(h) == 0);
	CHECK_STR(A.authserv_id, "foo.example.net");
	CHECK(A.version == 1);
	CHECK(A.nres == 1);
	CHECK_RES(0, "dkim", "fail");
	CHECK(A.res[0].version == 1);
	CHECK(A.res[0].nprops == 1);
	CHECK_STR(prop(0, "policy", "expired"), "1362471462");
	CHECK_PROOF(h, "foo.example.net", "example.net", AUTHRES_NONE, "no dkim or dmarc pass");
}

/* Section 2.7.6's unknown method with a comment. */
static void
test_rfc_unknown_method(void)
{
	CHECK(parse("example.com; foo=pass bar.baz=blob (2 of 3 tests OK)") == 0);
	CHECK_RES(0, "foo", "pass");
	CHECK_STR(prop(0, "bar", "baz"), "blob");
}

/* ---- the attacks the substring test accepted ---- */

static void
test_attack_dkim_pass_foreign_d_and_dmarc_fail(void)
{
	CHECK_PROOF(ID "; dkim=pass header.d=evil.example; dmarc=fail", ID, FROM, AUTHRES_NONE, "dmarc fail");
	CHECK_PROOF(ID "; dkim=pass header.d=evil.example", ID, FROM, AUTHRES_NONE, "dkim pass not aligned");
	/* even an aligned dkim pass does not beat the MTA's own dmarc=fail (adkim=s) */
	CHECK_PROOF(ID "; dkim=pass header.d=example.test; dmarc=fail header.from=sub.example.test", ID,
		    "sub.example.test", AUTHRES_NONE, "dmarc fail");
}

static void
test_attack_dmarc_pass_foreign_from(void)
{
	CHECK_PROOF(ID "; dmarc=pass header.from=evil.example", ID, FROM, AUTHRES_NONE,
		    "dmarc result for another From domain");
	/* nor can an aligned dkim pass next to it rescue it */
	CHECK_PROOF(ID "; dkim=pass header.d=example.test; dmarc=pass header.from=evil.example", ID, FROM, AUTHRES_NONE,
		    "dmarc result for another From domain");
	CHECK_PROOF(ID "; dmarc=pass", ID, FROM, AUTHRES_NONE, "dmarc pass without header.from");
}

static void
test_attack_dkim_pass_in_mailfrom(void)
{
	static const char h[] = ID "; spf=fail smtp.mailfrom=dkim=pass@evil.example";
	CHECK(parse(h) == 0);
	CHECK(A.nres == 1);
	CHECK_RES(0, "spf", "fail");
	CHECK_STR(prop(0, "smtp", "mailfrom"), "dkim=pass@evil.example");
	CHECK_PROOF(h, ID, FROM, AUTHRES_NONE, "no dkim or dmarc pass");
	CHECK_PROOF(ID "; spf=fail smtp.mailfrom=dkim=pass@example.test", ID, FROM, AUTHRES_NONE,
		    "no dkim or dmarc pass");
	/* a quoted local-part carrying a whole fake resinfo */
	CHECK(parse(ID "; spf=pass smtp.mailfrom=\"x;dkim=pass header.d=example.test\"@evil.example") == 0);
	CHECK(A.nres == 1);
	CHECK_STR(prop(0, "smtp", "mailfrom"), "\"x;dkim=pass header.d=example.test\"@evil.example");
	CHECK_NONE(ID "; spf=pass smtp.mailfrom=\"x;dkim=pass header.d=example.test\"@evil.example");
}

static void
test_attack_dkim_pass_in_comment(void)
{
	CHECK_PROOF(ID "; spf=pass (dkim=pass header.d=example.test) smtp.mailfrom=evil.example", ID, FROM,
		    AUTHRES_NONE, "no dkim or dmarc pass");
	CHECK_NONE(ID " (; dkim=pass header.d=example.test); spf=pass smtp.mailfrom=evil.example");
	CHECK_NONE(ID "; spf=pass smtp.mailfrom=evil.example (x (y; dmarc=pass header.from=example.test) z)");
	CHECK_NONE(ID "; spf=pass smtp.mailfrom=evil.example (\\); dkim=pass header.d=example.test)");
	CHECK_NONE(ID "; dkim=fail (dkim=pass) header.d=example.test");
}

static void
test_attack_dkim_pass_in_header_i(void)
{
	CHECK_PROOF(ID "; dkim=fail header.i=dkim=pass", ID, FROM, AUTHRES_NONE, "no dkim or dmarc pass");
	CHECK_NONE(ID "; dkim=neutral header.i=\"dkim=pass header.d=example.test\"");
	/* a pass with header.i only (no header.d) is no proof either */
	CHECK_PROOF(ID "; dkim=pass header.i=@example.test", ID, FROM, AUTHRES_NONE, "dkim pass not aligned");
	CHECK_NONE(ID "; dkim=pass header.i=x@example.test header.s=sel");
}

static void
test_attack_dkim_pass_in_quotes_and_reason(void)
{
	CHECK_NONE(ID "; spf=fail reason=\"; dkim=pass header.d=example.test\" smtp.mailfrom=evil.example");
	CHECK_NONE(ID "; spf=fail reason=dkim=pass smtp.mailfrom=evil.example");
	CHECK_NONE(ID "; spf=fail smtp.mailfrom=\"\\\"; dkim=pass header.d=example.test\"");
	CHECK_NONE(ID "; x=y z.w=\"a\\\\\"; dkim=pass header.d=evil.example");
	/* a bare "dkim=pass" where a property belongs breaks the header */
	CHECK(parse(ID "; spf=fail dkim=pass header.d=example.test") == -1);
	CHECK_PROOF(ID "; spf=fail dkim=pass header.d=example.test", ID, FROM, AUTHRES_NONE,
		    "our Authentication-Results header does not parse");
	CHECK_NONE(ID "; spf=fail, dkim=pass header.d=example.test");
}

static void
test_attack_authserv_id_prefix(void)
{
	CHECK_PROOF(ID ".evil.example; dkim=pass header.d=example.test", ID, FROM, AUTHRES_NONE,
		    "no Authentication-Results from our authserv-id");
	CHECK_NONE(ID "x; dkim=pass header.d=example.test");
	CHECK_NONE("evil." ID "; dkim=pass header.d=example.test");
	CHECK_NONE("\"" ID " \"; dkim=pass header.d=example.test");
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", ID, FROM, AUTHRES_DKIM, "aligned dkim pass");
}

/* ---- alignment ---- */

static void
test_dkim_aligned(void)
{
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", ID, "example.test", AUTHRES_DKIM, "aligned dkim pass");
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", ID, "sub.example.test", AUTHRES_DKIM, "aligned dkim pass");
	CHECK(proof(ID "; dkim=pass header.d=Example.TEST.", ID, "a.b.EXAMPLE.test.") == AUTHRES_DKIM);
	CHECK(proof("MX.Example.Test; DKIM=PASS Header.D=example.test", ID, FROM) == AUTHRES_DKIM);
	/* one aligned pass among others is enough */
	CHECK(proof(ID "; dkim=fail header.d=example.test; dkim=pass header.d=evil.example; dkim=pass "
		       "header.d=example.test header.s=s1",
		    ID, FROM) == AUTHRES_DKIM);
}

static void
test_dkim_not_aligned(void)
{
	CHECK_PROOF(ID "; dkim=pass header.d=example.test.evil.example", ID, "sub.example.test", AUTHRES_NONE,
		    "dkim pass not aligned");
	CHECK_PROOF(ID "; dkim=pass header.d=test", ID, "sub.example.test", AUTHRES_NONE, "dkim pass not aligned");
	CHECK_NONE(ID "; dkim=pass header.d=le.test");
	CHECK_NONE(ID "; dkim=pass header.d=sub.example.test"); /* a child is not a parent */
	CHECK_NONE(ID "; dkim=pass header.d=@example.test");
	CHECK_NONE(ID "; dkim=pass header.d=\"example.test \"");
	CHECK_NONE(ID "; dkim=pass header.d=example.test header.d=evil.example"); /* ambiguous */
	CHECK_NONE(ID "; dkim=pass header.d=evil.example header.i=@example.test");
	CHECK_NONE(ID "; dkim/2=pass header.d=example.test"); /* unknown method version */
	CHECK_NONE(ID "; dkim=fail header.d=example.test");
	CHECK_NONE(ID "; dkim=policy header.d=example.test");
	CHECK(proof(ID "; dkim/1=pass header.d=example.test", ID, FROM) == AUTHRES_DKIM);
}

static void
test_domain_aligned_helper(void)
{
	CHECK(authres_domain_aligned("example.test", "example.test") == 1);
	CHECK(authres_domain_aligned("example.test", "a.b.example.test") == 1);
	CHECK(authres_domain_aligned("EXAMPLE.test.", "sub.Example.Test") == 1);
	CHECK(authres_domain_aligned("example.test", "sub.example.test.") == 1);
	CHECK(authres_domain_aligned("test", "example.test") == 0);
	CHECK(authres_domain_aligned("test", "test") == 0);
	CHECK(authres_domain_aligned("ample.test", "example.test") == 0);
	CHECK(authres_domain_aligned("sub.example.test", "example.test") == 0);
	CHECK(authres_domain_aligned("example.test.evil.example", "example.test") == 0);
	CHECK(authres_domain_aligned("example..test", "a.example..test") == 0);
	CHECK(authres_domain_aligned(".example.test", "a.example.test") == 0);
	CHECK(authres_domain_aligned("example.test..", "example.test") == 0);
	CHECK(authres_domain_aligned("-x.test", "a.-x.test") == 0);
	CHECK(authres_domain_aligned("x-.test", "x-.test") == 0);
	CHECK(authres_domain_aligned("ex ample.test", "ex ample.test") == 0);
	CHECK(authres_domain_aligned("example.test", "a b.example.test") == 0);
	CHECK(authres_domain_aligned("ex\xc3\xa4mple.test", "ex\xc3\xa4mple.test") == 0);
	CHECK(authres_domain_aligned(NULL, "example.test") == 0);
	CHECK(authres_domain_aligned("example.test", NULL) == 0);
	CHECK(authres_domain_aligned("", "") == 0);
	CHECK(authres_domain_aligned(".", ".") == 0);
	CHECK(authres_domain_aligned("xn--bb-eka.at", "mail.xn--bb-eka.at") == 1);
	{
		char l63[80], l64[80];
		memset(l63, 'a', 63);
		strcpy(l63 + 63, ".test");
		memset(l64, 'a', 64);
		strcpy(l64 + 64, ".test");
		CHECK(authres_domain_aligned(l63, l63) == 1);
		CHECK(authres_domain_aligned(l64, l64) == 0);
	}
}

/* ---- dmarc ---- */

static void
test_dmarc_pass(void)
{
	CHECK_PROOF(ID "; dmarc=pass (p=reject dis=none) header.from=example.test", ID, FROM, AUTHRES_DMARC,
		    "dmarc pass");
	CHECK(proof(ID "; dmarc=pass header.from=EXAMPLE.test.", ID, "example.TEST") == AUTHRES_DMARC);
	CHECK(proof(ID "; dmarc=pass header.from=\"example.test\"", ID, FROM) == AUTHRES_DMARC);
	/* dmarc wins over dkim when both are there */
	CHECK(proof(ID "; dkim=pass header.d=example.test; dmarc=pass header.from=example.test", ID, FROM) ==
	      AUTHRES_DMARC);
	/* a dmarc "none" result neither proves nor vetoes */
	CHECK(proof(ID "; dkim=pass header.d=example.test; dmarc=none header.from=example.test", ID, FROM) ==
	      AUTHRES_DKIM);
}

static void
test_dmarc_pass_mismatching_from(void)
{
	CHECK_PROOF(ID "; dmarc=pass header.from=sub.example.test", ID, FROM, AUTHRES_NONE,
		    "dmarc result for another From domain");
	CHECK_PROOF(ID "; dmarc=pass header.from=example.test", ID, "sub.example.test", AUTHRES_NONE,
		    "dmarc result for another From domain");
	CHECK_NONE(ID "; dmarc=pass header.from=example.test header.from=evil.example");
	CHECK_NONE(ID "; dmarc=pass header.from=example.test; dmarc=pass header.from=evil.example");
	CHECK_NONE(ID "; dmarc=pass header.from=x@example.test");
	CHECK_NONE(ID "; dmarc=pass header.d=example.test");
	CHECK_NONE(ID "; dmarc=pass smtp.mailfrom=example.test");
}

/* ---- which header ---- */

static void
test_forged_below_genuine_fail(void)
{
	CHECK_PROOF(ID "; dkim=fail header.d=example.test\n" ID "; dkim=pass header.d=example.test", ID, FROM,
		    AUTHRES_NONE, "no dkim or dmarc pass");
	CHECK_NONE(ID "; spf=pass smtp.mailfrom=example.test\n" ID "; dmarc=pass header.from=example.test");
	CHECK_NONE(ID "; none\n" ID "; dkim=pass header.d=example.test");
}

static void
test_genuine_pass_above_forged_fail(void)
{
	CHECK_PROOF(ID "; dkim=pass header.d=example.test\n" ID "; dkim=fail header.d=example.test; dmarc=fail", ID,
		    FROM, AUTHRES_DKIM, "aligned dkim pass");
	CHECK(proof(ID "; dmarc=pass header.from=example.test\n" ID "; garbage", ID, FROM) == AUTHRES_DMARC);
}

static void
test_other_authserv_ids_ignored(void)
{
	CHECK_PROOF("other.example; dkim=pass header.d=example.test\n" ID "; dkim=fail header.d=example.test", ID, FROM,
		    AUTHRES_NONE, "no dkim or dmarc pass");
	CHECK_PROOF("other.example; dmarc=pass header.from=example.test", ID, FROM, AUTHRES_NONE,
		    "no Authentication-Results from our authserv-id");
	CHECK_PROOF("other.example; dkim=fail\n\n" ID "; dkim=pass header.d=example.test\nthird.example; x=y", ID, FROM,
		    AUTHRES_DKIM, "aligned dkim pass");
	/* another id's header may be any mess (Microsoft's has no id at all) */
	CHECK(proof("spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=evil.example; dkim=none (message not signed) "
		    "header.d=none;dmarc=none action=none header.from=evil.example;compauth=fail reason=001\n" ID
		    "; dkim=pass header.d=example.test",
		    ID, FROM) == AUTHRES_DKIM);
	CHECK(proof("other.example; ((broken\n" ID "; dkim=pass header.d=example.test", ID, FROM) == AUTHRES_DKIM);
}

/* Ours not readable: stop, do not fall through to a forgery below. */
static void
test_unreadable_or_broken_ours_fails_closed(void)
{
	CHECK_PROOF("(unclosed " ID "; dkim=fail\n" ID "; dkim=pass header.d=example.test", ID, FROM, AUTHRES_NONE,
		    "an Authentication-Results header above ours has no readable authserv-id");
	CHECK_PROOF("; dkim=fail\n" ID "; dkim=pass header.d=example.test", ID, FROM, AUTHRES_NONE,
		    "an Authentication-Results header above ours has no readable authserv-id");
	CHECK_PROOF(ID "; dkim=fail (unclosed\n" ID "; dkim=pass header.d=example.test", ID, FROM, AUTHRES_NONE,
		    "our Authentication-Results header does not parse");
	CHECK_PROOF(ID " 2; dkim=pass header.d=example.test", ID, FROM, AUTHRES_NONE,
		    "our Authentication-Results header has an unsupported version");
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", NULL, FROM, AUTHRES_NONE, "no authserv-id configured");
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", "", FROM, AUTHRES_NONE, "no authserv-id configured");
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", ID, NULL, AUTHRES_NONE, "no From domain");
	CHECK_PROOF(ID "; dkim=pass header.d=example.test", ID, "", AUTHRES_NONE, "no From domain");
	CHECK(authres_proof(ID "; dkim=pass header.d=example.test", ID, FROM, NULL) == AUTHRES_DKIM);
}

/* ---- syntax ---- */

static void
test_comments_everywhere(void)
{
	static const char h[] = "mx.example.test (comment; dkim=pass) ; dkim (x) = (y) pass (z) header.d=example.test";
	CHECK(parse(h) == 0);
	CHECK_STR(A.authserv_id, ID);
	CHECK(A.nres == 1);
	CHECK_RES(0, "dkim", "pass");
	CHECK_STR(prop(0, "header", "d"), "example.test");
	CHECK_PROOF(h, ID, FROM, AUTHRES_DKIM, "aligned dkim pass");
	CHECK(parse("(a)" ID "(b(c)d)1(e);(f)dkim(g)/(h)1(i)=(j)pass(k)reason(l)=(m)\"r\"(n)header(o).(p)d(q)=(r)"
		    "example.test(s)") == 0);
	CHECK(A.version == 1);
	CHECK_RES(0, "dkim", "pass");
	CHECK_STR(A.res[0].reason, "r");
	CHECK_STR(prop(0, "header", "d"), "example.test");
	CHECK(parse(ID "; spf=pass (a \\( b \\) c) smtp.mailfrom=x (\xc3\xa4 utf-8 \x01 ctl)") == 0);
	CHECK_STR(prop(0, "smtp", "mailfrom"), "x");
}

static void
test_quoted_authserv_id_and_pvalues(void)
{
	static const char h[] = "\"mx.example.test\"; dkim=pass header.d=\"example.test\" header.b=\"ab/c+d==\"";
	CHECK(parse(h) == 0);
	CHECK_STR(A.authserv_id, ID);
	CHECK_STR(prop(0, "header", "d"), "example.test");
	CHECK_STR(prop(0, "header", "b"), "ab/c+d==");
	CHECK_PROOF(h, ID, FROM, AUTHRES_DKIM, "aligned dkim pass");
	CHECK(parse("\"a \\\"b\\\" c\"; x=y p.q=\"v \\\\ w\"r.s=t") == 0);
	CHECK_STR(A.authserv_id, "a \"b\" c");
	CHECK_STR(prop(0, "p", "q"), "v \\ w");
	CHECK_STR(prop(0, "r", "s"), "t");
	CHECK(parse("mx; smtp=pass smtp.mailfrom=\"john doe\"@example.test") == 0);
	CHECK_STR(prop(0, "smtp", "mailfrom"), "\"john doe\"@example.test");
	CHECK(parse("mx; x=y p.q=\"\"") == 0);
	CHECK_STR(prop(0, "p", "q"), "");
	CHECK(parse("\"\"; none") == -1); /* empty id */
	CHECK(parse("mx; x=y p.q=\"a\"@") == -1);
	CHECK(parse("mx; x=y p.q=\"unclosed") == -1);
	CHECK(parse("mx; x=y p.q=\"a\\") == -1);
}

static void
test_version_after_id(void)
{
	CHECK(parse(ID " 1; dkim=pass header.d=example.test") == 0);
	CHECK(A.version == 1);
	CHECK(parse(ID "  (c) 1 (d) ; none") == 0);
	CHECK(A.version == 1);
	CHECK(parse(ID "; none") == 0);
	CHECK(A.version == 1);
	CHECK(parse(ID " 2; none") == 0);
	CHECK(A.version == 2);
	CHECK(parse(ID "1; none") == 0); /* that is the id "mx.example.test1" */
	CHECK_STR(A.authserv_id, ID "1");
	CHECK(parse("\"" ID "\"1; none") == -1);
	CHECK(parse(ID " 1x; none") == -1);
	CHECK(parse(ID " 1 2; none") == -1);
	CHECK(parse(ID " 1234567890; none") == -1);
	CHECK(parse(ID " 123456789; none") == 0);
	CHECK(parse(ID "; dkim/ 7 =pass") == 0);
	CHECK(A.res[0].version == 7);
	CHECK(parse(ID "; dkim/=pass") == -1);
	CHECK(parse(ID "; dkim/1x=pass") == -1);
	CHECK(proof(ID " 1; dkim=pass header.d=example.test", ID, FROM) == AUTHRES_DKIM);
}

static void
test_none_no_result(void)
{
	CHECK(parse(ID "; none") == 0);
	CHECK(A.nres == 0);
	CHECK(parse(ID ";NONE (nothing) ") == 0);
	CHECK(parse(ID "; none;") == 0);
	CHECK(parse(ID "; none; dkim=pass header.d=example.test") == -1);
	CHECK(parse(ID "; none dkim=pass") == -1);
	CHECK(parse(ID "; spf=pass smtp.mailfrom=x; none") == -1);
	CHECK(parse(ID "; none=pass") == 0); /* a method named none */
	CHECK_RES(0, "none", "pass");
	CHECK(parse(ID "; nonexistent=pass") == 0);
	CHECK_NONE(ID "; none");
}

static void
test_lenient_forms(void)
{
	/* trailing and doubled ";" */
	CHECK(parse(ID "; spf=pass smtp.mailfrom=example.test;") == 0);
	CHECK(A.nres == 1);
	CHECK(parse(ID ";; spf=pass smtp.mailfrom=example.test ;  ; dkim=none ;") == 0);
	CHECK(A.nres == 2);
	CHECK(parse(ID ";") == 0);
	CHECK(A.nres == 0);
	/* unquoted values with tspecials, as rspamd and others write them */
	CHECK(parse(ID
		    "; dkim=pass header.d=example.test header.s=sel header.b=ab/CD+e=; spf=pass "
		    "smtp.helo=[192.0.2.1] smtp.mailfrom=a+b@example.test; iprev=pass policy.iprev=2001:db8::1") == 0);
	CHECK(A.nres == 3);
	CHECK_STR(prop(0, "header", "b"), "ab/CD+e=");
	CHECK_STR(prop(1, "smtp", "helo"), "[192.0.2.1]");
	CHECK_STR(prop(1, "smtp", "mailfrom"), "a+b@example.test");
	CHECK_STR(prop(2, "policy", "iprev"), "2001:db8::1");
	/* reason after the props */
	CHECK(parse(ID "; dkim=fail header.d=example.test reason=\"bad sig\"") == 0);
	CHECK_STR(A.res[0].reason, "bad sig");
	CHECK(parse(ID "; dkim=fail reason=a reason=b") == -1);
	CHECK(parse(ID "; dkim=fail reason.x=a") == 0);
	CHECK_STR(prop(0, "reason", "x"), "a");
	/* white space may be folded */
	CHECK(parse(ID ";\r\n\tdkim=pass\r\n header.d=example.test") == 0);
	CHECK_STR(prop(0, "header", "d"), "example.test");
	/* keywords are lower-cased, values kept */
	CHECK(parse("MX.Example.Test; DKIM=Pass Header.D=Example.Test") == 0);
	CHECK_STR(A.authserv_id, "MX.Example.Test");
	CHECK_RES(0, "dkim", "pass");
	CHECK_STR(prop(0, "header", "d"), "Example.Test");
	/* UTF-8 in values and quoted ids */
	CHECK(parse("\"\xc3\xa9xampl\xc3\xa9.org\"; dkim=pass header.i=Pel\xc3\xa9@example.com") == 0);
	CHECK_STR(A.authserv_id, "\xc3\xa9xampl\xc3\xa9.org");
	CHECK_STR(prop(0, "header", "i"), "Pel\xc3\xa9@example.com");
}

static void
test_deep_and_unbalanced_comments(void)
{
	char deep[2 * AUTHRES_MAX_COMMENT_DEPTH + 128], *w;
	int i;

	w = deep + sprintf(deep, ID "; dkim=pass ");
	for (i = 0; i < AUTHRES_MAX_COMMENT_DEPTH; i++)
		*w++ = '(';
	for (i = 0; i < AUTHRES_MAX_COMMENT_DEPTH; i++)
		*w++ = ')';
	strcpy(w, " header.d=example.test");
	CHECK(parse(deep) == 0);
	CHECK(proof(deep, ID, FROM) == AUTHRES_DKIM);
	w = deep + sprintf(deep, ID "; dkim=pass ");
	for (i = 0; i < AUTHRES_MAX_COMMENT_DEPTH + 1; i++)
		*w++ = '(';
	for (i = 0; i < AUTHRES_MAX_COMMENT_DEPTH + 1; i++)
		*w++ = ')';
	strcpy(w, " header.d=example.test");
	CHECK(parse(deep) == -1);
	CHECK(proof(deep, ID, FROM) == AUTHRES_NONE);

	CHECK(parse(ID "; dkim=pass header.d=example.test (unclosed") == -1);
	CHECK(parse(ID "; dkim=pass header.d=example.test ((a)") == -1);
	CHECK(parse(ID "; dkim=pass (a)) header.d=example.test") == -1);
	CHECK(parse(ID "; dkim=pass header.d=example.test)") == -1);
	CHECK(parse(ID "; dkim=pass header.d=\"example.test\")") == -1);
	CHECK(parse(ID " (; dkim=pass header.d=example.test") == -1);
	CHECK(parse(ID "; dkim=pass header.d=example.test (\\") == -1);
	CHECK(parse(ID "; dkim=pass header.d=example.test (\\)") == -1);
	CHECK(parse(ID "; dkim=pass header.d=example.test (\\))") == 0);
	CHECK(parse(")" ID "; none") == -1);
	CHECK_NONE(ID "; dkim=pass (a)) header.d=example.test");
	CHECK_NONE(ID " (; dkim=pass header.d=example.test");
}

static void
test_empty_and_garbage(void)
{
	static const char *bad[] = {
		"",
		"   ",
		";",
		"; dkim=pass header.d=example.test",
		ID,
		ID " ",
		ID " (c)",
		ID " dkim=pass",
		ID ":",
		ID "; =pass",
		ID "; dkim",
		ID "; dkim=",
		ID "; dkim pass",
		ID "; dkim=pass header",
		ID "; dkim=pass header.",
		ID "; dkim=pass header.d",
		ID "; dkim=pass header.d=",
		ID "; dkim=pass header.d= ;",
		ID "; dkim=pass .d=x",
		ID "; dkim=pass header.=x",
		ID "; dkim=pass header..d=x",
		ID "; dkim=-pass",
		ID "; -dkim=pass",
		ID "; dkim=pass\x01header.d=x",
		ID "; dkim=pass header.d=x\x7f",
		ID "; dkim=p\xc3\xa4ss",
		ID "; dkim=pass header.d=x\"y\"",
		ID "; dkim=pass header.d=x\\y",
		"\"unclosed; none",
		"@; none",
		"mx/1; none",
		"\xff\xfe\xfd",
		"((((((((((",
		"\\",
		"\"",
	};
	CHECK(authres_parse(NULL, &A) == -1);
	CHECK(A.authserv_id == NULL && A.res == NULL && A.nres == 0 && A.version == 0);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (parse(bad[i]) != -1)
			printf("  accepted: %s\n", bad[i]);
		CHECK(parse(bad[i]) == -1);
		CHECK(A.authserv_id == NULL && A.res == NULL && A.nres == 0 && A.version == 0);
		CHECK(proof(bad[i], ID, FROM) == AUTHRES_NONE);
	}
	/* free is idempotent and takes NULL */
	CHECK(parse(ID "; dkim=pass header.d=example.test") == 0);
	authres_free(&A);
	authres_free(&A);
	authres_free(NULL);
	CHECK(A.authserv_id == NULL && A.nres == 0);
}

static void
test_limits(void)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, ID);
	for (int i = 0; i < AUTHRES_MAX_RESULTS; i++)
		buf_adds(&b, "; a=b");
	CHECK(parse(b.p) == 0);
	CHECK(A.nres == AUTHRES_MAX_RESULTS);
	buf_adds(&b, "; a=b");
	CHECK(parse(b.p) == -1);
	buf_free(&b);
	buf_adds(&b, ID "; dkim=pass");
	for (int i = 0; i < AUTHRES_MAX_PROPS; i++)
		buf_adds(&b, " x.y=z");
	CHECK(parse(b.p) == 0);
	CHECK(A.nres == 1 && A.res[0].nprops == AUTHRES_MAX_PROPS);
	buf_adds(&b, " x.y=z");
	CHECK(parse(b.p) == -1);
	buf_free(&b);
}

/* ~1 MB inputs of each kind; a quadratic step would take minutes. */
static void
test_long_input_linear(void)
{
	const size_t MB = 1024 * 1024;
	clock_t t0 = clock();
	struct buf b = BUF_INIT;
	char *s = xmalloc(MB + 1);
	double secs;

	/* a 1 MB comment */
	memset(s, 'a', MB);
	s[MB] = '\0';
	buf_addf(&b, ID "; dkim=pass (%s) header.d=example.test", s);
	CHECK(proof(b.p, ID, FROM) == AUTHRES_DKIM);
	buf_free(&b);
	/* an unclosed one */
	buf_addf(&b, ID "; dkim=pass header.d=example.test (%s", s);
	CHECK(proof(b.p, ID, FROM) == AUTHRES_NONE);
	buf_free(&b);
	/* an unclosed quoted-string, and a huge token value */
	buf_addf(&b, ID "; dkim=pass reason=\"%s", s);
	CHECK(parse(b.p) == -1);
	buf_free(&b);
	buf_addf(&b, ID "; dkim=pass header.d=%s", s);
	CHECK(parse(b.p) == 0);
	CHECK(strlen(prop(0, "header", "d")) == MB);
	buf_free(&b);
	buf_addf(&b, "%s; none", s);
	CHECK(parse(b.p) == 0);
	CHECK(proof(b.p, ID, FROM) == AUTHRES_NONE);
	buf_free(&b);
	/* 1 MB of quoted-pairs */
	for (size_t i = 0; i < MB; i += 2)
		memcpy(s + i, "\\x", 2);
	buf_addf(&b, ID "; dkim=pass reason=\"%s\" header.d=example.test", s);
	CHECK(parse(b.p) == 0);
	CHECK(A.nres == 1 && A.res[0].reason && strlen(A.res[0].reason) == MB / 2);
	CHECK(proof(b.p, ID, FROM) == AUTHRES_DKIM);
	buf_free(&b);
	/* 1 MB of "(": too deep at once; of "()": fine */
	memset(s, '(', MB);
	buf_addf(&b, ID "; dkim=pass %s", s);
	CHECK(parse(b.p) == -1);
	buf_free(&b);
	for (size_t i = 0; i < MB; i += 2)
		memcpy(s + i, "()", 2);
	buf_addf(&b, ID "%s;%s dkim=pass%sheader.d=example.test%s", s, s, s, s);
	CHECK(proof(b.p, ID, FROM) == AUTHRES_DKIM);
	buf_free(&b);
	/* 1 MB of ";" and of results (over the cap) */
	memset(s, ';', MB);
	buf_addf(&b, ID "%s", s);
	CHECK(parse(b.p) == 0);
	buf_free(&b);
	buf_adds(&b, ID);
	while (b.len < MB)
		buf_adds(&b, "; a=b");
	CHECK(parse(b.p) == -1);
	buf_free(&b);
	/* 1 MB of other headers, ours last */
	while (b.len < MB)
		buf_adds(&b, "other.example; dkim=pass header.d=example.test (x)\n");
	buf_adds(&b, ID "; dkim=pass header.d=example.test");
	CHECK(proof(b.p, ID, FROM) == AUTHRES_DKIM);
	buf_free(&b);
	free(s);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	printf("  1 MB inputs: %.2f s CPU\n", secs);
	CHECK(secs < 10.0);
}

/* ---- the fuzz seeds ---- */

#define SEEDS "tests/fixtures/authres"

static void
test_fixtures(void)
{
	DIR *d = opendir(SEEDS);
	struct dirent *e;
	int n = 0;

	if (!d) {
		printf("  cannot open %s (run from the repository root)\n", SEEDS);
		CHECK(d != NULL);
		return;
	}
	while ((e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');
		enum authres_proof expect;
		char path[512], raw[8192], *id, *from;
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.' || !dot)
			continue;
		if (!strcmp(dot, ".none"))
			expect = AUTHRES_NONE;
		else if (!strcmp(dot, ".dkim"))
			expect = AUTHRES_DKIM;
		else if (!strcmp(dot, ".dmarc"))
			expect = AUTHRES_DMARC;
		else
			continue;
		snprintf(path, sizeof(path), SEEDS "/%s", e->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		len = fread(raw, 1, sizeof(raw) - 1, f);
		fclose(f);
		raw[len] = '\0';
		id = strchr(raw, '\x01');
		from = id ? strchr(id + 1, '\x01') : NULL;
		CHECK(from != NULL);
		if (!from)
			continue;
		*id++ = '\0';
		*from++ = '\0';
		if (proof(raw, id, from) != expect) {
			printf("  %s: %s\n", e->d_name, WHY);
			CHECK(!"fixture gives the wrong proof");
		}
		n++;
	}
	closedir(d);
	printf("  %d seeds\n", n);
	CHECK(n >= 20);
}

int
main(void)
{
	RUN(test_rfc_b1_no_header);
	RUN(test_rfc_b2_none);
	RUN(test_rfc_b3_spf);
	RUN(test_rfc_b4_single_mta);
	RUN(test_rfc_b5_different_mtas);
	RUN(test_rfc_b6_multi_tier);
	RUN(test_rfc_b7_comment_heavy);
	RUN(test_rfc_unknown_method);
	RUN(test_attack_dkim_pass_foreign_d_and_dmarc_fail);
	RUN(test_attack_dmarc_pass_foreign_from);
	RUN(test_attack_dkim_pass_in_mailfrom);
	RUN(test_attack_dkim_pass_in_comment);
	RUN(test_attack_dkim_pass_in_header_i);
	RUN(test_attack_dkim_pass_in_quotes_and_reason);
	RUN(test_attack_authserv_id_prefix);
	RUN(test_dkim_aligned);
	RUN(test_dkim_not_aligned);
	RUN(test_domain_aligned_helper);
	RUN(test_dmarc_pass);
	RUN(test_dmarc_pass_mismatching_from);
	RUN(test_forged_below_genuine_fail);
	RUN(test_genuine_pass_above_forged_fail);
	RUN(test_other_authserv_ids_ignored);
	RUN(test_unreadable_or_broken_ours_fails_closed);
	RUN(test_comments_everywhere);
	RUN(test_quoted_authserv_id_and_pvalues);
	RUN(test_version_after_id);
	RUN(test_none_no_result);
	RUN(test_lenient_forms);
	RUN(test_deep_and_unbalanced_comments);
	RUN(test_empty_and_garbage);
	RUN(test_limits);
	RUN(test_long_input_linear);
	RUN(test_fixtures);
	authres_free(&A);
	return t_done();
}
