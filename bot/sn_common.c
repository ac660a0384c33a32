/*
 * sn_common.c - what the adapters of the bearer-token networks share (see social_net.h):
 * freeing requests and results, the common reading of an HTTP status, and the table of
 * adapters.
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

/* Weak while the adapters are being written: an adapter not linked in is not offered. */
extern const struct social_net sn_mastodon __attribute__((weak));
extern const struct social_net sn_linkedin __attribute__((weak));
extern const struct social_net sn_facebook __attribute__((weak));
extern const struct social_net sn_x __attribute__((weak));

const struct social_net *
social_net(const char *name)
{
	const struct social_net *all[] = {&sn_mastodon, &sn_linkedin, &sn_facebook, &sn_x};
	for (size_t i = 0; i < ARRAY_LEN(all); i++)
		if (all[i] && all[i]->name && strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
