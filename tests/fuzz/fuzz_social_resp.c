/*
 * fuzz_social_resp.c - libFuzzer target: any bytes as a social network's answer
 * (bot/social_net.h; the answers are untrusted).  The first byte picks the network (every
 * adapter that social_net() knows; one not linked in is skipped) and the step, the next two
 * the HTTP status, then up to a NUL the x-restli-id header, the rest is the body.  Checks:
 * the reader returns a known outcome, SN_OK only on a 2xx status, and what it fills in is a
 * string of printable characters without spaces (ids and URLs go into later URLs).
 * Seed corpus: tests/fixtures/social_resp/.
 */
#include "social_net.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_token(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = {"mastodon", "linkedin", "facebook", "x"};
	static const char *steps[] = {"verify", "limits", "create", "recent", "edit", "reply", "remove", "other"};
	if (size < 3)
		return 0;
	const struct social_net *n = social_net(names[data[0] & 3]);
	if (!n)
		return 0;
	const char *step = steps[(data[0] >> 2) & 7];
	long status = 100 + ((data[1] << 8) | data[2]) % 500;
	char *rest = xstrndup((const char *)data + 3, size - 3);
	size_t hl = strlen(rest);
	char *body = hl + 1 <= size - 3 ? xstrndup((const char *)data + 3 + hl + 1, size - 3 - hl - 1) : xstrdup("");
	const char *const tags[] = {"Mentoring", "Uni_2026"};
	struct sn_post_in p = {.key = "3kabc",
			       .lang = "de",
			       .body = "Workshop",
			       .link = "https://example.org/e/1",
			       .card_title = "Workshop",
			       .changes = "Neu",
			       .tags = tags,
			       .ntags = 2};
	struct sn_account a = {.name = n->name, .base = "http://127.0.0.1:1", .id = "5515715"};
	struct sn_resp r = {.status = status, .body = body, .len = strlen(body), .restli_id = hl ? rest : NULL};
	struct sn_result out;
	memset(&out, 0, sizeof out);
	enum sn_outcome o = n->read(&a, step, &p, &r, &out);
	if (o > SN_GONE || (o == SN_OK && (status < 200 || status > 299)))
		abort();
	check_token(out.id);
	check_token(out.url);
	if (out.account && strchr(out.account, '\n'))
		abort();
	sn_result_free(&out);
	free(body);
	free(rest);
	return 0;
}
