/*
 * imap_mailbox.c - the mailbox operations of the IMAP side of the mail
 * transport: SELECT, CREATE, fetching messages after a UID in bounded
 * batches, and flagging or moving them by compact UID sets.  The
 * connection (TLS, login, capabilities, IDLE, NOOP) is in imap.c; see its
 * header for the design.  Every libetpan result goes through imap_rc().
 */
#include "imap.h"
#include "imap_int.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

/* Bodies fetched per UID FETCH: bounds memory (libetpan buffers a whole
 * response) while keeping round trips few. */
#define IMAP_BATCH_MSGS 50
#define IMAP_BATCH_BYTES (8u << 20)
/* UID ranges per command line, so a scattered set never exceeds the
 * server's line limit (Dovecot: 64 KiB). */
#define IMAP_SET_RANGES 500

struct imap_meta {
	uint32_t uid;
	uint32_t size;
};

int
imap_select(struct imap *im, const char *folder, uint32_t *uidvalidity, uint32_t *uidnext)
{
	int r, rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	r = mailimap_select(im->mi, folder);
	if ((rc = imap_rc(im, r)) != IMAP_OK)
		return rc;
	if (uidvalidity)
		*uidvalidity = im->mi->imap_selection_info ? im->mi->imap_selection_info->sel_uidvalidity : 0;
	if (uidnext)
		*uidnext = im->mi->imap_selection_info ? im->mi->imap_selection_info->sel_uidnext : 0;
	return IMAP_OK;
}

/* 1 if LIST shows folder exists. */
static int
imap_folder_exists(struct imap *im, const char *folder)
{
	clist *list = NULL;
	int found = 0;
	int r = mailimap_list(im->mi, "", folder, &list);

	if (r != MAILIMAP_NO_ERROR)
		return imap_rc(im, r) == IMAP_ERR_CONN ? IMAP_ERR_CONN : 0;
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		if (mb->mb_name && strcmp(mb->mb_name, folder) == 0)
			found = 1;
	}
	mailimap_list_result_free(list);
	return found;
}

int
imap_create(struct imap *im, const char *folder)
{
	int r, rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	r = mailimap_create(im->mi, folder);
	if ((rc = imap_rc(im, r)) != IMAP_ERR_MSG)
		return rc;
	/* "Already exists" is worded differently by every server (Dovecot:
	 * NO [ALREADYEXISTS]); LIST is the portable way to tell. */
	r = imap_folder_exists(im, folder);
	if (r < 0)
		return r;
	return r ? IMAP_OK : IMAP_ERR_MSG;
}

static int
imap_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Run op on uids as compact UID sets ("3:7,9,12:14"), at most
 * IMAP_SET_RANGES ranges per command.  UID 0 (libetpan's "*") is dropped.
 */
static int
imap_for_uid_sets(struct imap *im, const uint32_t *uids, size_t n,
		  int (*op)(struct imap *, struct mailimap_set *, const void *), const void *arg)
{
	uint32_t *v;
	size_t i = 0;
	int rc = IMAP_OK;

	if (im->dead)
		return IMAP_ERR_CONN;
	if (n == 0)
		return IMAP_OK;
	v = xmalloc(n * sizeof(*v));
	memcpy(v, uids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), imap_uid_cmp);
	while (i < n && v[i] == 0)
		i++;
	while (i < n) {
		struct mailimap_set *set = mailimap_set_new_empty();
		size_t ranges = 0;

		if (!set)
			fatal("mailimap_set_new_empty: out of memory");
		while (i < n && ranges < IMAP_SET_RANGES) {
			uint32_t first = v[i];
			while (i + 1 < n && (v[i + 1] == v[i] || v[i + 1] == v[i] + 1))
				i++;
			if (mailimap_set_add_interval(set, first, v[i]) != MAILIMAP_NO_ERROR)
				fatal("mailimap_set_add_interval: out of memory");
			ranges++;
			i++;
		}
		rc = op(im, set, arg);
		mailimap_set_free(set);
		if (rc != IMAP_OK)
			break;
	}
	free(v);
	return rc;
}

/* UID STORE set +FLAGS.SILENT (flag) */
static int
imap_store_add(struct imap *im, struct mailimap_set *set, struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;
	int r;

	if (!fl || !flag || mailimap_flag_list_add(fl, flag) != MAILIMAP_NO_ERROR)
		fatal("mailimap flag list: out of memory");
	sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (!sa)
		fatal("mailimap store: out of memory");
	r = mailimap_uid_store(im->mi, set, sa);
	mailimap_store_att_flags_free(sa);
	return imap_rc(im, r);
}

static int
imap_op_seen(struct imap *im, struct mailimap_set *set, const void *arg)
{
	(void)arg;
	return imap_store_add(im, set, mailimap_flag_new_seen());
}

static int
imap_op_move(struct imap *im, struct mailimap_set *set, const void *arg)
{
	const char *folder = arg;
	int rc;

	if (im->has_move)
		return imap_rc(im, mailimap_uid_move(im->mi, set, folder));
	if ((rc = imap_rc(im, mailimap_uid_copy(im->mi, set, folder))) != IMAP_OK)
		return rc;
	if ((rc = imap_store_add(im, set, mailimap_flag_new_deleted())) != IMAP_OK)
		return rc;
	/* Without UIDPLUS, EXPUNGE also removes what other clients marked
	 * \Deleted; nothing better exists on such servers. */
	if (im->has_uidplus)
		return imap_rc(im, mailimap_uid_expunge(im->mi, set));
	return imap_rc(im, mailimap_expunge(im->mi));
}

int
imap_move(struct imap *im, const uint32_t *uids, size_t n, const char *folder)
{
	if (!folder)
		return imap_flag_seen(im, uids, n);
	return imap_for_uid_sets(im, uids, n, imap_op_move, folder);
}

int
imap_flag_seen(struct imap *im, const uint32_t *uids, size_t n)
{
	return imap_for_uid_sets(im, uids, n, imap_op_seen, NULL);
}

static int
imap_meta_cmp(const void *a, const void *b)
{
	const struct imap_meta *x = a, *y = b;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* UID and the body section (or size) of one FETCH response; 0 if it has no UID. */
static uint32_t
imap_att_parse(struct mailimap_msg_att *att, uint32_t *size, const char **body, size_t *len)
{
	uint32_t uid = 0;

	for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			if (size)
				*size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (body && st->att_data.att_body_section->sec_body_part) {
				*body = st->att_data.att_body_section->sec_body_part;
				*len = st->att_data.att_body_section->sec_length;
			}
			break;
		default:
			break;
		}
	}
	return uid;
}

/* UID + RFC822.SIZE of every message with UID > after, sorted, at most max.
 * *out is xmalloc'ed (caller frees), *n its length. */
static int
imap_fetch_meta(struct imap *im, uint32_t after, size_t max, struct imap_meta **out, size_t *n)
{
	struct mailimap_set *set = NULL;
	struct mailimap_fetch_type *ft = NULL;
	clist *list = NULL;
	struct imap_meta *m = NULL;
	size_t cnt = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	set = mailimap_set_new_interval(after + 1, 0); /* after+1:* */
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!set || !ft || mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size()) != 0)
		fatal("mailimap fetch type: out of memory");
	r = mailimap_uid_fetch(im->mi, set, ft, &list);
	if ((rc = imap_rc(im, r)) != IMAP_OK)
		goto out;
	m = xmalloc((clist_count(list) + 1) * sizeof(*m));
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		uint32_t size = 0;
		uint32_t uid = imap_att_parse(clist_content(it), &size, NULL, NULL);
		/* "*" names the last message even when its UID <= after. */
		if (uid > after)
			m[cnt++] = (struct imap_meta){uid, size};
	}
	qsort(m, cnt, sizeof(*m), imap_meta_cmp);
	/* drop duplicates (unsolicited FETCH responses may repeat a UID) */
	size_t w = 0;
	for (size_t i = 0; i < cnt; i++)
		if (w == 0 || m[w - 1].uid != m[i].uid)
			m[w++] = m[i];
	cnt = w < max ? w : max;
	*out = m;
	*n = cnt;
	m = NULL;
out:
	free(m);
	if (list)
		mailimap_fetch_list_free(list);
	if (ft)
		mailimap_fetch_type_free(ft);
	if (set)
		mailimap_set_free(set);
	return rc;
}

/* Fetch BODY.PEEK[] of the messages in meta[0..n) that are <= max_fetch and
 * call fn for all of them in order.  Returns 0, fn's non-zero value, or a
 * negative code; *passed counts the calls of fn. */
static int
imap_fetch_batch(struct imap *im, const struct imap_meta *meta, size_t n, size_t max_fetch, imap_msg_fn fn, void *ud,
		 size_t *passed)
{
	struct mailimap_set *set = NULL;
	struct mailimap_fetch_type *ft = NULL;
	struct mailimap_section *sec;
	clist *list = NULL;
	const char **body = NULL;
	size_t *len = NULL, want = 0;
	int r, rc = IMAP_OK;

	body = xcalloc(n, sizeof(*body));
	len = xcalloc(n, sizeof(*len));
	set = mailimap_set_new_empty();
	if (!set)
		fatal("mailimap_set_new_empty: out of memory");
	for (size_t i = 0; i < n; i++) {
		if (meta[i].size > max_fetch)
			continue;
		/* meta is sorted: extend the previous range when contiguous */
		clistiter *last = clist_end(set->set_list);
		struct mailimap_set_item *it = last ? clist_content(last) : NULL;
		if (it && it->set_last + 1 == meta[i].uid)
			it->set_last = meta[i].uid;
		else if (mailimap_set_add_interval(set, meta[i].uid, meta[i].uid) != 0)
			fatal("mailimap_set_add_interval: out of memory");
		want++;
	}
	if (want) {
		sec = mailimap_section_new(NULL);
		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		if (!sec || !ft || mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0)
			fatal("mailimap fetch type: out of memory");
		r = mailimap_uid_fetch(im->mi, set, ft, &list);
		if ((rc = imap_rc(im, r)) != IMAP_OK)
			goto out;
		for (clistiter *ci = clist_begin(list); ci; ci = clist_next(ci)) {
			const char *b = NULL;
			size_t l = 0;
			uint32_t uid = imap_att_parse(clist_content(ci), NULL, &b, &l);
			if (!b)
				continue; /* a flag update, not our data */
			struct imap_meta key = {uid, 0};
			const struct imap_meta *hit = bsearch(&key, meta, n, sizeof(*meta), imap_meta_cmp);
			if (hit) {
				body[hit - meta] = b;
				len[hit - meta] = l;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (meta[i].size > max_fetch)
			r = fn(ud, meta[i].uid, NULL, meta[i].size);
		else if (body[i])
			r = fn(ud, meta[i].uid, body[i], len[i]);
		else
			continue; /* expunged since the size fetch */
		(*passed)++;
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
out:
	if (list)
		mailimap_fetch_list_free(list);
	if (ft)
		mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	free(body);
	free(len);
	return rc;
}

int
imap_fetch_after(struct imap *im, uint32_t after_uid, size_t max, size_t max_fetch, imap_msg_fn fn, void *ud)
{
	struct imap_meta *meta = NULL;
	size_t n = 0, i = 0, passed = 0;
	int rc;

	if (im->dead)
		return IMAP_ERR_CONN;
	if (max == 0 || after_uid == UINT32_MAX)
		return 0;
	if ((rc = imap_fetch_meta(im, after_uid, max, &meta, &n)) != IMAP_OK)
		goto out;
	while (i < n) {
		size_t j = i, bodies = 0, bytes = 0;

		/* a batch: up to IMAP_BATCH_MSGS bodies / IMAP_BATCH_BYTES (at
		 * least one body); skipped (too large) messages ride along */
		while (j < n) {
			if (meta[j].size <= max_fetch) {
				if (bodies == IMAP_BATCH_MSGS || (bodies && bytes + meta[j].size > IMAP_BATCH_BYTES))
					break;
				bodies++;
				bytes += meta[j].size;
			}
			j++;
		}
		rc = imap_fetch_batch(im, meta + i, j - i, max_fetch, fn, ud, &passed);
		if (rc != 0)
			goto out;
		i = j;
	}
	rc = (int)(passed > INT_MAX ? INT_MAX : passed);
out:
	free(meta);
	return rc;
}
