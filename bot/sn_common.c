/*
 * sn_common.c - what the adapters of the bearer-token networks share (see social_net.h):
 * freeing requests and results, the common reading of an HTTP status, and the table of
 * adapters (bot/sn_mastodon.c, sn_linkedin.c, sn_facebook.c, sn_x.c).
 */
#include <stdlib.h>
#include <string.h>

#include "social_net.h"
#include "util.h"

void
sn_req_free(struct sn_req *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->body);
	for (size_t i = 0; i < SN_MAX_HEADERS && r->headers[i]; i++)
		free(r->headers[i]);
	memset(r, 0, sizeof *r);
}

void
sn_result_free(struct sn_result *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->url);
	free(r->err);
	free(r->account);
	memset(r, 0, sizeof *r);
}

enum sn_outcome
sn_status_outcome(long status)
{
	if (status >= 200 && status < 300)
		return SN_OK;
	if (status == 401)
		return SN_AUTH;
	if (status == 404 || status == 410)
		return SN_GONE;
	if (status == 429 || status >= 500)
		return SN_RETRY;
	return SN_FAIL;
}

const struct social_net *
social_net(const char *name)
{
	const struct social_net *all[] = {&sn_mastodon, &sn_linkedin, &sn_facebook, &sn_x};
	for (size_t i = 0; i < ARRAY_LEN(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
