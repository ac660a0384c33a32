/*
 * mailaddr.c - mail addresses: is it a mailbox (RFC 5321/6531), and the
 * addr-spec and display name of a header value ("Name <a@b>").  Pure
 * functions of untrusted text; any thread.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mailout.h"
#include "util.h"

int
mail_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int
mail_addr_valid(const char *a)
{
	/* RFC 5321 Mailbox: Local-part "@" (Domain / address-literal), with RFC 6531's UTF-8 */
	const char *at = a ? strrchr(a, '@') : NULL;
	if (!at || at == a || strlen(a) > 254 || (size_t)(at - a) > 64)
		return 0;
	if (a[0] == '"') {
		/* Quoted-string: qtextSMTP / quoted-pairSMTP, ending right before the '@' */
		const char *q = a + 1;
		for (; q < at && *q != '"'; q++) {
			if (*q == '\\') {
				if (++q >= at || (unsigned char)*q < 0x20 || *q == 0x7f)
					return 0;
			} else if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				return 0;
			}
		}
		if (q + 1 != at || *q != '"')
			return 0;
	} else {
		/* Dot-string: atoms separated by single dots */
		if (a[0] == '.' || at[-1] == '.')
			return 0;
		for (const char *q = a; q < at; q++) {
			if (*q == '.' && q[1] == '.')
				return 0;
			if (!mail_atext((unsigned char)*q) && *q != '.' && (unsigned char)*q < 0x80)
				return 0;
		}
	}
	const char *d = at + 1;
	size_t dl = strlen(d);
	if (dl == 0 || dl > 253)
		return 0;
	if (d[0] == '[')
		return d[dl - 1] == ']' && dl > 2 && strspn(d + 1, "0123456789abcdefABCDEF.:IPv-") == dl - 2;
	/* Domain: labels of letters, digits and inner hyphens, 1..63 characters */
	size_t label = 0;
	for (const char *q = d;; q++) {
		if (*q == '.' || !*q) {
			if (label == 0 || q[-1] == '-')
				return 0;
			if (!*q)
				break;
			label = 0;
			continue;
		}
		if (label == 0 && *q == '-')
			return 0;
		if (!isalnum((unsigned char)*q) && *q != '-' && (unsigned char)*q < 0x80)
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* Check and lower-case an addr-spec in place; 0 ok, -1 not an address. */
static int
addr_check(char *a)
{
	if (!mail_addr_valid(a))
		return -1;
	str_lower_ascii(a);
	return 0;
}

/* Split "Name <addr>", "\"Last, First\" <addr>", "addr (comment)" or
 * "addr" into a display name (unquoted, may be "") and an addr-spec
 * (lower case).  Both allocated; 0 ok, -1 when no address (nothing set). */
int
mail_addr_parse(const char *s, char **name_out, char **addr_out)
{
	char *t = header_sanitize(s);
	char *lt = NULL, *addr = NULL;
	struct buf name = BUF_INIT;
	int inq = 0, depth = 0, ret = -1;

	for (char *q = t; *q; q++) {
		if (inq) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '"')
				inq = 0;
		} else if (depth) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '(')
				depth++;
			else if (*q == ')')
				depth--;
		} else if (*q == '"') {
			inq = 1;
		} else if (*q == '(') {
			depth = 1;
		} else if (*q == '<') {
			lt = q;
			break;
		}
	}
	if (lt) {
		char *gt = strchr(lt, '>');
		if (!gt)
			goto out;
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		/* display name: unquote, drop escapes */
		*lt = '\0';
		char *n = str_trim(t);
		for (char *q = n; *q; q++) {
			if (*q == '"')
				continue;
			if (*q == '\\' && q[1])
				q++;
			buf_addc(&name, *q);
		}
	} else {
		/* bare address, possibly with a (comment) */
		struct buf a = BUF_INIT;
		int d = 0;
		for (char *q = t; *q; q++) {
			if (*q == '(')
				d++;
			else if (*q == ')' && d)
				d--;
			else if (!d)
				buf_addc(&a, *q);
		}
		addr = buf_detach(&a);
	}
	char *trimmed = str_trim(addr);
	if (addr_check(trimmed) < 0)
		goto out;
	*addr_out = xstrdup(trimmed);
	char *nm = buf_detach(&name);
	*name_out = xstrdup(str_trim(nm));
	free(nm);
	ret = 0;
out:
	buf_free(&name);
	free(addr);
	free(t);
	return ret;
}

char *
addr_spec(const char *s)
{
	char *name = NULL, *addr = NULL;
	if (!s || mail_addr_parse(s, &name, &addr) < 0)
		return NULL;
	free(name);
	return addr;
}
