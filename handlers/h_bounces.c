/*
 * h_bounces.c - see h_bounces.h.
 */
#include "handlers/h_bounces.h"

#include <stdio.h>
#include <stdlib.h>

#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/h_staff.h"
#include "state/bounces.h"
#include "state/state.h"

int
staff_undeliverable_text(struct db *db, const struct templates *t, const char *lang, int always, char **out)
{
	struct undeliverable *u = NULL;
	size_t n = 0;
	*out = NULL;
	int rc = state_undeliverable_list(db, &u, &n);
	if (rc != DB_OK || (n == 0 && !always)) {
		undeliverable_free(u, n);
		return rc;
	}
	struct buf b = BUF_INIT;
	char count[24];
	snprintf(count, sizeof count, "%zu", n);
	const char *hv[] = {"count", count, NULL};
	char *head = tmpl_render(t, lang, "staff.undeliverable", hv);
	buf_addf(&b, "%s", head);
	free(head);
	for (size_t i = 0; i < n; i++) {
		char since[32], id[24];
		staff_date(u[i].since, 0, since, sizeof since);
		snprintf(id, sizeof id, "%lld", (long long)u[i].person_id);
		const char *vars[] = {"address", u[i].address,
				      "since",   since,
				      "status",  u[i].status ? u[i].status : "",
				      "reason",  u[i].reason ? u[i].reason : "",
				      "name",    u[i].person_name ? u[i].person_name : "",
				      "id",      id,
				      NULL};
		char *line = tmpl_render(
			t, lang, u[i].person_id ? "staff.undeliverable.item_person" : "staff.undeliverable.item", vars);
		buf_addf(&b, "\n%s", line);
		free(line);
	}
	undeliverable_free(u, n);
	*out = buf_detach(&b);
	return DB_OK;
}
