/*
 * fuzz_authres.c - libFuzzer target: any bytes through authres_parse(),
 * authres_proof() and authres_domain_aligned().  The input is split at its
 * first two NUL or \x01 bytes into headers, authserv-id and From domain
 * (missing parts default to "mx.example.test" / "example.test").  Checks:
 * a refused header comes back zeroed; every string of a parsed one is there,
 * keywords lower-cased; a claimed proof has a parsed header behind it (the
 * first of our id that parses, with dmarc=pass and our header.from, or
 * dkim=pass with an aligned header.d); alignment means suffix at a dot.
 * Seed corpus: tests/fixtures/authres/.
 */
#include "authres.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_keyword(const char *s)
{
	if (!s || !*s)
		abort();
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			abort();
}

static void
check_parsed(int rc, const struct authres *a)
{
	if (rc == -1) {
		if (a->authserv_id || a->res || a->nres || a->version)
			abort();
		return;
	}
	if (rc != 0 || !a->authserv_id || !*a->authserv_id || a->version < 0 || a->nres > AUTHRES_MAX_RESULTS)
		abort();
	if ((a->nres == 0) != (a->res == NULL))
		abort();
	for (size_t i = 0; i < a->nres; i++) {
		const struct authres_res *r = &a->res[i];
		check_keyword(r->method);
		check_keyword(r->result);
		if (r->version < 0 || r->nprops > AUTHRES_MAX_PROPS || (r->nprops == 0) != (r->props == NULL))
			abort();
		if (r->reason)
			(void)strlen(r->reason);
		for (size_t j = 0; j < r->nprops; j++) {
			check_keyword(r->props[j].ptype);
			check_keyword(r->props[j].property);
			if (!r->props[j].value)
				abort();
			(void)strlen(r->props[j].value);
		}
	}
}

/* d aligned with f by the definition, independent of authres.c: a suffix of f
 * (ignoring case and one trailing dot) at a label boundary, d with a dot. */
static int
suffix_at_dot(const char *d, const char *f)
{
	size_t nd = strlen(d), nf = strlen(f);
	if (nd && d[nd - 1] == '.')
		nd--;
	if (nf && f[nf - 1] == '.')
		nf--;
	if (!nd || !memchr(d, '.', nd) || nf < nd || strncasecmp(f + nf - nd, d, nd) != 0)
		return 0;
	return nf == nd || f[nf - nd - 1] == '.';
}

static int
same_domain(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na && a[na - 1] == '.')
		na--;
	if (nb && b[nb - 1] == '.')
		nb--;
	return na && na == nb && strncasecmp(a, b, na) == 0;
}

/* Does the header have what the proof p claims? */
static int
backs(const struct authres *a, enum authres_proof p, const char *from)
{
	if (a->version != 1)
		return 0;
	for (size_t i = 0; i < a->nres; i++) {
		const struct authres_res *r = &a->res[i];
		if (r->version != 1 || strcmp(r->result, "pass") != 0)
			continue;
		for (size_t j = 0; j < r->nprops; j++) {
			const struct authres_prop *pr = &r->props[j];
			if (strcmp(pr->ptype, "header") != 0)
				continue;
			if (p == AUTHRES_DMARC && !strcmp(r->method, "dmarc") && !strcmp(pr->property, "from") &&
			    same_domain(pr->value, from))
				return 1;
			if (p == AUTHRES_DKIM && !strcmp(r->method, "dkim") && !strcmp(pr->property, "d") &&
			    suffix_at_dot(pr->value, from))
				return 1;
		}
	}
	return 0;
}

/* The proof must come from the first header of our id that parses. */
static void
check_proof(const char *headers, const char *id, const char *from, enum authres_proof p, const char *why)
{
	const char *s, *e;

	if (!why || !*why)
		abort();
	if (p == AUTHRES_NONE)
		return;
	if (p != AUTHRES_DKIM && p != AUTHRES_DMARC)
		abort();
	for (s = headers; s && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, '\n');
		char *line = xstrndup(s, e ? (size_t)(e - s) : strlen(s));
		struct authres a;
		int ok = authres_parse(line, &a) == 0 && strcasecmp(a.authserv_id, id) == 0;
		free(line);
		if (ok) {
			int b = backs(&a, p, from);
			authres_free(&a);
			if (!b)
				abort();
			return;
		}
		authres_free(&a);
	}
	abort(); /* a proof without any header of our id */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1), *id = NULL, *from = NULL;
	const char *why = NULL;
	struct authres a;
	enum authres_proof p;
	int rc;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i < size; i++)
		if (buf[i] == '\0' || buf[i] == '\x01') {
			buf[i] = '\0';
			if (!id)
				id = buf + i + 1;
			else {
				from = buf + i + 1;
				break;
			}
		}
	if (!id || !*id)
		id = "mx.example.test";
	if (!from)
		from = "example.test";

	/* the whole first part as one header value (it may hold '\n') */
	rc = authres_parse(buf, &a);
	check_parsed(rc, &a);
	authres_free(&a);
	if (a.authserv_id || a.res || a.nres)
		abort();

	p = authres_proof(buf, id, from, &why);
	check_proof(buf, id, from, p, why);

	if (authres_domain_aligned(id, from) && !suffix_at_dot(id, from))
		abort();
	free(buf);
	return 0;
}
