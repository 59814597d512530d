/*
 * rows — one object's diff as display rows (see diff.h): both sides
 * normalised, the live side pruned to what the comparison counts, written
 * as YAML, aligned line by line, each differing line tied to its drifted
 * field, unchanged runs folded, and the one-column order.
 *
 * Owns how a diff looks as lines, for every face; never prints and never
 * decides widths, colours or where an attribution is drawn.
 */
#include "diff/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* The alignment table has one cell per pair of differing lines (the
 * common head and tail stripped first); beyond this the differing middle
 * is shown as one replaced block (the table would pass 64 MiB). */
#define MAX_LCS_CELLS ((size_t)16 << 20)

/* kd_yaml_emit refuses deeper values; pruning stops at the same depth. */
#define MAX_DEPTH 1000

enum { DESIRED = 0, LIVE = 1 };

struct kd_diff_rows_mem {
	char *yaml[2];          /* each side's YAML, its newlines now NULs */
	json_t *positions[2];   /* line pointers borrow these keys */
	char **owned;           /* live pointers rewritten to live indices */
	size_t nowned;
};

/* A live array that pruning shortened or reordered: where each element
 * stood in the live object (so lines keep live indices). */
typedef struct remap {
	const json_t *array;
	size_t *orig;
} remap;

typedef struct build {
	kd_diff_rows *rs;
	const kd_diff_result *diff;
	remap *maps;
	size_t nmaps;
	kd_buf ptr;
} build;

typedef struct side {
	char **line;
	const char **ptr;
	uint64_t *hash;
	size_t n;
} side;

static int nomem(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* True when `pre` is `p` or an ancestor of it. */
static bool ptr_within(const char *p, const char *pre)
{
	size_t n;

	if (!p || !pre)
		return false;
	n = strlen(pre);
	return strncmp(p, pre, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* ---- pruning the live side ---------------------------------------------- */

enum { COVER_NONE, COVER_PART, COVER_WHOLE };

/* WHOLE: the node is (inside) a drifted field, shown as it is; PART: a
 * drifted field lies below it; NONE: nothing the diff counts is there. */
static int coverage(const kd_diff_result *diff, const char *ptr)
{
	int c = COVER_NONE;
	size_t i;

	for (i = 0; diff && i < diff->nfields; i++) {
		const char *lp = diff->fields[i].live_path;

		if (ptr_within(ptr, lp))
			return COVER_WHOLE;
		if (ptr_within(lp, ptr))
			c = COVER_PART;
	}
	return c;
}

static int prune(build *b, json_t *live, const json_t *desired, const char *name,
		 unsigned depth);

/* One child of the node at b->ptr: kept whole, dropped (*drop), or pruned
 * against its desired counterpart (NULL: none, only covered parts stay). */
static int prune_child(build *b, json_t *v, const json_t *dv, const char *name,
		       unsigned depth, bool *drop)
{
	int c = coverage(b->diff, kd_buf_cstr(&b->ptr));

	*drop = false;
	if (c == COVER_WHOLE)
		return 0;
	if (!dv && c == COVER_NONE) {
		*drop = true;
		return 0;
	}
	return prune(b, v, dv, name, depth + 1);
}

/* A kept element of a live list: where it stood, and where it goes (an
 * element matched by key at desired's place, primary j + 1; one only live
 * has right after the matched element before it). */
typedef struct slot {
	size_t orig;
	size_t primary, secondary;
} slot;

static int slot_cmp(const void *a, const void *b)
{
	const slot *x = a, *y = b;

	if (x->primary != y->primary)
		return x->primary < y->primary ? -1 : 1;
	return x->secondary < y->secondary ? -1 : x->secondary > y->secondary;
}

/* Rebuilds live from the kept elements in slot order and records where
 * each came from. */
static int rearrange(build *b, json_t *live, const slot *slots, size_t kept)
{
	size_t i;
	json_t **keep = malloc((kept ? kept : 1) * sizeof(*keep));
	size_t *orig = malloc((kept ? kept : 1) * sizeof(*orig));
	remap *maps = realloc(b->maps, (b->nmaps + 1) * sizeof(*maps));
	int rc = 0;

	if (maps)
		b->maps = maps;
	if (!keep || !orig || !maps) {
		rc = nomem();
		goto cleanup;
	}
	for (i = 0; i < kept; i++) {
		keep[i] = json_incref(json_array_get(live, slots[i].orig));
		orig[i] = slots[i].orig;
	}
	json_array_clear(live);
	for (i = 0; i < kept; i++)
		if (json_array_append_new(live, keep[i]) < 0)
			rc = nomem();
	b->maps[b->nmaps++] = (remap){ live, orig };
	orig = NULL;
cleanup:
	free(keep);
	free(orig);
	return rc;
}

/* A live list: elements matched by key (or, for a list without merge keys,
 * by position) are pruned against their desired element and put in
 * desired's order, so a list the cluster holds in another order reads as
 * the same; elements only live has stay when a drifted field touches
 * them, after the element they followed. */
static int prune_array(build *b, json_t *live, const json_t *desired, const char *name,
		       unsigned depth)
{
	size_t base = b->ptr.len, n = json_array_size(live), i, kept = 0, primary = 0;
	slot *slots = malloc((n ? n : 1) * sizeof(*slots));
	kd_mergekeys mk = { 0 };
	bool moved = false;
	int rc = 0;

	if (!slots)
		return nomem();
	if (json_is_array(desired))
		kd_mergekeys_for(&mk, name, desired, live);
	else
		desired = NULL;
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(live, i);
		const json_t *dv = NULL;
		long j = -1;
		bool drop;

		if (mk.nkeys)
			j = kd_mergekeys_find(&mk, desired, v);
		else if (i < json_array_size(desired))
			j = (long)i;
		dv = j >= 0 ? json_array_get(desired, (size_t)j) : NULL;
		kd_buf_truncate(&b->ptr, base);
		if ((rc = kd_buf_printf(&b->ptr, "/%zu", i)) < 0 ||
		    (rc = prune_child(b, v, dv, NULL, depth, &drop)) < 0)
			goto cleanup;
		if (drop)
			continue;
		if (j >= 0)
			primary = (size_t)j + 1;
		slots[kept++] = (slot){ i, primary, j >= 0 ? 0 : i + 1 };
	}
	qsort(slots, kept, sizeof(*slots), slot_cmp);
	for (i = 0; i < kept; i++)
		moved |= slots[i].orig != i;
	if (moved || kept != n)
		rc = rearrange(b, live, slots, kept);
cleanup:
	kd_buf_truncate(&b->ptr, base);
	free(slots);
	return rc;
}

/* Leaves in live only what the comparison counts: fields desired has too,
 * and live-only fields a drifted field touches.  Otherwise every server
 * default would read as a change. */
static int prune(build *b, json_t *live, const json_t *desired, const char *name,
		 unsigned depth)
{
	size_t base = b->ptr.len;
	const char *key;
	json_t *v;
	void *tmp;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return kd_error_set(KD_ELIMIT, "the object nests more than %d levels deep", MAX_DEPTH);
	if (json_is_array(live))
		return prune_array(b, live, desired, name, depth);
	if (!json_is_object(live))
		return 0;
	if (!json_is_object(desired))
		desired = NULL;
	json_object_foreach_safe(live, tmp, key, v) {
		bool drop;

		kd_buf_truncate(&b->ptr, base);
		if ((rc = kd_json_pointer_append(&b->ptr, key)) < 0 ||
		    (rc = prune_child(b, v, json_object_get(desired, key), key, depth, &drop)) < 0)
			break;
		if (drop)
			json_object_del(live, key);
	}
	kd_buf_truncate(&b->ptr, base);
	return rc;
}

/* `ptr` (a pointer into the pruned live document) with the indices the
 * elements had in the live object. */
static int translate(char **out, const build *b, const json_t *doc, const char *ptr)
{
	kd_buf o = KD_BUF_INIT, tok = KD_BUF_INIT;
	const json_t *node = doc;
	int rc = 0;

	*out = NULL;
	while (*ptr == '/' && rc == 0) {
		const char *end = strchr(ptr + 1, '/');
		size_t len = end ? (size_t)(end - ptr - 1) : strlen(ptr + 1), k;

		kd_buf_clear(&tok);
		for (k = 0; k < len && rc == 0; k++) {
			char c = ptr[1 + k];

			if (c == '~' && k + 1 < len) {
				c = ptr[2 + k] == '1' ? '/' : '~';
				k++;
			}
			rc = kd_buf_putc(&tok, c);
		}
		if (rc < 0)
			break;
		if (json_is_array(node)) {
			size_t idx = strtoul(kd_buf_cstr(&tok), NULL, 10), orig = idx, m;

			for (m = 0; m < b->nmaps; m++)
				if (b->maps[m].array == node) {
					orig = b->maps[m].orig[idx];
					break;
				}
			rc = kd_buf_printf(&o, "/%zu", orig);
			node = json_array_get(node, idx);
		} else {
			rc = kd_json_pointer_append(&o, kd_buf_cstr(&tok));
			node = json_object_get(node, kd_buf_cstr(&tok));
		}
		ptr += 1 + len;
	}
	if (rc == 0 && !(*out = kd_buf_detach(&o)))
		*out = strdup("");
	if (rc == 0 && !*out)
		rc = nomem();
	kd_buf_free(&o);
	kd_buf_free(&tok);
	return rc;
}

/* ---- one side as lines ----------------------------------------------------- */

static uint64_t hash_line(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void side_free(side *s)
{
	free(s->line);
	free(s->ptr);
	free(s->hash);
}

/* The YAML of doc as lines, each with the pointer of the deepest node that
 * starts on it (block scalar lines inherit the pointer above). */
static int side_build(build *b, side *s, const json_t *doc, int which)
{
	kd_diff_rows_mem *mem = b->rs->mem;
	kd_buf yaml = KD_BUF_INIT;
	json_t *parsed = NULL, *val;
	const char *key;
	char *p;
	size_t i, cap = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!doc)
		return 0;
	if ((rc = kd_yaml_emit(&yaml, doc)) < 0) {
		kd_buf_free(&yaml);
		return rc;
	}
	if ((rc = kd_yaml_parse_one(&parsed, &mem->positions[which], kd_buf_cstr(&yaml),
				    yaml.len, "diff", NULL)) < 0) {
		kd_buf_free(&yaml);
		return kd_error_wrap(rc, "reading back the YAML of the object");
	}
	json_decref(parsed);
	if (!(mem->yaml[which] = kd_buf_detach(&yaml)) && !(mem->yaml[which] = strdup("")))
		return nomem();
	for (p = mem->yaml[which]; *p;) {
		char *nl = strchr(p, '\n');

		if (s->n == cap) {
			char **more = realloc(s->line, (cap ? cap * 2 : 64) * sizeof(*more));

			if (!more)
				return nomem();
			s->line = more;
			cap = cap ? cap * 2 : 64;
		}
		s->line[s->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	if (!(s->ptr = calloc(s->n ? s->n : 1, sizeof(*s->ptr))) ||
	    !(s->hash = malloc((s->n ? s->n : 1) * sizeof(*s->hash))))
		return nomem();
	json_object_foreach(mem->positions[which], key, val) {
		json_int_t line = json_integer_value(json_array_get(val, 0));

		if (line >= 1 && (size_t)line <= s->n &&
		    (!s->ptr[line - 1] || strlen(key) > strlen(s->ptr[line - 1])))
			s->ptr[line - 1] = key;
	}
	for (i = 0; i < s->n; i++) {
		if (!s->ptr[i])
			s->ptr[i] = i ? s->ptr[i - 1] : "";
		s->hash[i] = hash_line(s->line[i]);
	}
	if (which == LIVE && b->nmaps) {
		char **owned = calloc(s->n ? s->n : 1, sizeof(*owned));

		if (!owned)
			return nomem();
		mem->owned = owned;
		mem->nowned = s->n;
		for (i = 0; i < s->n; i++) {
			if ((rc = translate(&owned[i], b, doc, s->ptr[i])) < 0)
				return rc;
			s->ptr[i] = owned[i];
		}
	}
	return 0;
}

/* ---- alignment ---------------------------------------------------------------- */

static bool same(const side *L, size_t i, const side *R, size_t j)
{
	return L->hash[i] == R->hash[j] && strcmp(L->line[i], R->line[j]) == 0;
}

static void add_row(kd_diff_rows *rs, const side *L, size_t i, const side *R, size_t j)
{
	kd_diff_row *r = &rs->rows[rs->nrows++];

	memset(r, 0, sizeof(*r));
	r->fold = KD_DIFF_NO_FOLD;
	if (L) {
		r->desired.text = L->line[i];
		r->desired.pointer = L->ptr[i];
		r->desired.number = i + 1;
	}
	if (R) {
		r->live.text = R->line[j];
		r->live.pointer = R->ptr[j];
		r->live.number = j + 1;
	}
	r->kind = L && R ? (same(L, i, R, j) ? KD_DIFF_ROW_SAME : KD_DIFF_ROW_CHANGED)
		: L ? KD_DIFF_ROW_REMOVED : KD_DIFF_ROW_ADDED;
}

/* A common head and tail, a longest common subsequence of the lines in
 * between (ties: desired lines first, so each run of differing lines is
 * its desired lines, then its live lines), and within a run desired line k
 * paired with live line k. */
static int align(kd_diff_rows *rs, const side *L, const side *R)
{
	size_t head = 0, tail = 0, n, m, i, j;
	uint32_t *t = NULL;

	if (!(rs->rows = malloc((L->n + R->n + 1) * sizeof(*rs->rows))))
		return nomem();
	while (head < L->n && head < R->n && same(L, head, R, head))
		head++;
	while (tail < L->n - head && tail < R->n - head &&
	       same(L, L->n - 1 - tail, R, R->n - 1 - tail))
		tail++;
	n = L->n - head - tail;
	m = R->n - head - tail;
	for (i = 0; i < head; i++)
		add_row(rs, L, i, R, i);
	if (n && m && (n + 1) * (m + 1) <= MAX_LCS_CELLS) {
		if (!(t = calloc((n + 1) * (m + 1), sizeof(*t))))
			return nomem();
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				t[i * (m + 1) + j] = same(L, head + i, R, head + j) ?
					t[(i + 1) * (m + 1) + j + 1] + 1 :
					t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1] ?
					t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1];
	}
	i = j = 0;
	while (i < n || j < m) {
		size_t di = i, dj = j;

		if (t) {
			while (di < n || dj < m) {
				if (di < n && dj < m && same(L, head + di, R, head + dj))
					break;
				if (dj >= m || (di < n && t[(di + 1) * (m + 1) + dj] >=
						       t[di * (m + 1) + dj + 1]))
					di++;
				else
					dj++;
			}
		} else {
			di = n;
			dj = m;
		}
		while (i < di || j < dj) {
			add_row(rs, i < di ? L : NULL, head + i, j < dj ? R : NULL, head + j);
			i += i < di;
			j += j < dj;
		}
		if (i < n && j < m) {
			add_row(rs, L, head + i, R, head + j);
			i++;
			j++;
		}
	}
	for (i = 0; i < tail; i++)
		add_row(rs, L, L->n - tail + i, R, R->n - tail + i);
	free(t);
	return 0;
}

/* ---- what the rows show ---------------------------------------------------------- */

/* The deepest drifted field whose pointer (path, or live_path when live)
 * holds the line's node. */
static const kd_diff_field *field_of(const kd_diff_result *diff, const char *ptr, bool live)
{
	const kd_diff_field *best = NULL;
	size_t i, bestlen = 0;

	for (i = 0; diff && ptr && i < diff->nfields; i++) {
		const kd_diff_field *f = &diff->fields[i];
		const char *fp = live ? f->live_path : f->path;

		/* An added field's path uses live indices: never a desired line. */
		if (!live && f->kind == KD_DIFF_ADDED)
			continue;
		if (ptr_within(ptr, fp) && (!best || strlen(fp) > bestlen)) {
			best = f;
			bestlen = strlen(fp);
		}
	}
	return best;
}

/* The bytes of each line that differ from the other: the common head and
 * tail left out, on character boundaries. */
static void highlight(kd_diff_row *r)
{
	const char *a = r->desired.text, *b = r->live.text;
	size_t la = strlen(a), lb = strlen(b), h = 0, t = 0;

	while (h < la && h < lb && a[h] == b[h])
		h++;
	while (h > 0 && (((unsigned char)a[h] & 0xc0) == 0x80 ||
			 ((unsigned char)b[h] & 0xc0) == 0x80))
		h--;
	while (t < la - h && t < lb - h && a[la - 1 - t] == b[lb - 1 - t])
		t++;
	while (t > 0 && (((unsigned char)a[la - t] & 0xc0) == 0x80 ||
			 ((unsigned char)b[lb - t] & 0xc0) == 0x80))
		t--;
	r->desired.change_start = r->live.change_start = h;
	r->desired.change_end = la - t;
	r->live.change_end = lb - t;
}

static int attribute(kd_diff_rows *rs, const kd_diff_result *diff)
{
	bool *seen = NULL;
	size_t k, i, n = diff ? diff->nfields : 0;

	if (n && !(seen = calloc(n, sizeof(*seen))))
		return nomem();
	for (k = 0; k < rs->nrows; k++) {
		kd_diff_row *r = &rs->rows[k];
		const kd_diff_field *d, *l;

		if (r->kind == KD_DIFF_ROW_SAME)
			continue;
		rs->nchanges++;
		if (r->kind == KD_DIFF_ROW_CHANGED)
			highlight(r);
		d = r->desired.field = field_of(diff, r->desired.pointer, false);
		l = r->live.field = field_of(diff, r->live.pointer, true);
		if (d && l)
			r->field = strlen(l->path) > strlen(d->path) ||
				   (strlen(l->path) == strlen(d->path) && l < d) ? l : d;
		else
			r->field = d ? d : l;
		r->field_start = r->field && (k == 0 || rs->rows[k - 1].field != r->field);
		if (d)
			seen[d - diff->fields] = true;
		if (l)
			seen[l - diff->fields] = true;
	}
	if (n && !(rs->unplaced = malloc(n * sizeof(*rs->unplaced)))) {
		free(seen);
		return nomem();
	}
	for (i = 0; i < n; i++)
		if (!seen[i])
			rs->unplaced[rs->nunplaced++] = &diff->fields[i];
	free(seen);
	return 0;
}

/* Folds the middle of every run of unchanged rows (all of it when the
 * object has no change), keeping context beside each change. */
static int fold(kd_diff_rows *rs)
{
	size_t i = 0;

	while (i < rs->nrows) {
		size_t start = i, len, before, after, k;

		if (rs->rows[i].kind != KD_DIFF_ROW_SAME) {
			i++;
			continue;
		}
		while (i < rs->nrows && rs->rows[i].kind == KD_DIFF_ROW_SAME)
			i++;
		len = i - start;
		before = start == 0 ? 0 : KD_DIFF_ROWS_CONTEXT;
		after = i == rs->nrows ? 0 : KD_DIFF_ROWS_CONTEXT;
		if (len < before + after + 2)
			continue;
		if (rs->nfolds % 16 == 0) {
			kd_diff_fold *f = realloc(rs->folds, (rs->nfolds + 16) * sizeof(*f));

			if (!f)
				return nomem();
			rs->folds = f;
		}
		rs->folds[rs->nfolds] = (kd_diff_fold){ start + before, len - before - after };
		for (k = 0; k < rs->folds[rs->nfolds].count; k++)
			rs->rows[start + before + k].fold = rs->nfolds;
		rs->nfolds++;
	}
	return 0;
}

/* The one-column order: a run of differing rows as its desired lines,
 * then its live lines, as a unified diff prints them. */
static int unify(kd_diff_rows *rs)
{
	size_t k = 0, n = 0, e, x;

	if (!(rs->unified = malloc((rs->nrows * 2 + 1) * sizeof(*rs->unified))))
		return nomem();
	while (k < rs->nrows) {
		if (rs->rows[k].kind == KD_DIFF_ROW_SAME) {
			rs->unified[n++] = (kd_diff_uline){ k++, KD_DIFF_SIDE_BOTH };
			continue;
		}
		for (e = k; e < rs->nrows && rs->rows[e].kind != KD_DIFF_ROW_SAME; e++)
			;
		for (x = k; x < e; x++)
			if (rs->rows[x].desired.text)
				rs->unified[n++] = (kd_diff_uline){ x, KD_DIFF_SIDE_DESIRED };
		for (x = k; x < e; x++)
			if (rs->rows[x].live.text)
				rs->unified[n++] = (kd_diff_uline){ x, KD_DIFF_SIDE_LIVE };
		k = e;
	}
	rs->nunified = n;
	return 0;
}

/* status and metadata.managedFields of the raw object, back into its
 * normalised copy (they hold no Secret values). */
static int add_metadata(json_t *norm, const json_t *raw)
{
	json_t *status, *mf, *meta;

	if (!norm || !raw)
		return 0;
	if ((status = json_object_get(raw, "status")) &&
	    json_object_set(norm, "status", status) < 0)
		return nomem();
	mf = json_object_get(json_object_get(raw, "metadata"), "managedFields");
	meta = json_object_get(norm, "metadata");
	if (mf && json_is_object(meta) && json_object_set(meta, "managedFields", mf) < 0)
		return nomem();
	return 0;
}

int kd_diff_rows_new(kd_diff_rows **out, const json_t *desired, const json_t *live,
		     const kd_diff_result *diff, const kd_diff_rows_opts *opts)
{
	const kd_diff_opts *dopts = opts ? opts->diff : NULL;
	kd_diff_rows *rs = calloc(1, sizeof(*rs));
	build b = { rs, diff, NULL, 0, KD_BUF_INIT };
	json_t *nd = NULL, *nl = NULL;
	side L, R;
	size_t i;
	int rc;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	memset(&R, 0, sizeof(R));
	if (!rs || !(rs->mem = calloc(1, sizeof(*rs->mem)))) {
		rc = nomem();
		goto cleanup;
	}
	if ((desired && !json_is_object(desired)) || (live && !json_is_object(live)) ||
	    (!desired && !live)) {
		rc = kd_error_set(KD_EINVAL, "diff rows need a desired or a live object");
		goto cleanup;
	}
	/* A missing or extra object is normalised against itself. */
	rc = kd_diff_normalize(desired ? &nd : NULL, live ? &nl : NULL,
			       desired ? desired : live, live ? live : desired, dopts);
	if (rc < 0)
		goto cleanup;
	if (nd && nl && (rc = prune(&b, nl, nd, NULL, 0)) < 0)
		goto cleanup;
	if (opts && opts->metadata &&
	    ((rc = add_metadata(nd, desired)) < 0 || (rc = add_metadata(nl, live)) < 0))
		goto cleanup;
	if ((rc = side_build(&b, &L, nd, DESIRED)) < 0 ||
	    (rc = side_build(&b, &R, nl, LIVE)) < 0 ||
	    (rc = align(rs, &L, &R)) < 0 || (rc = attribute(rs, diff)) < 0 ||
	    (rc = fold(rs)) < 0 || (rc = unify(rs)) < 0)
		goto cleanup;
	rs->ndesired = L.n;
	rs->nlive = R.n;
	*out = rs;
	rs = NULL;
cleanup:
	for (i = 0; i < b.nmaps; i++)
		free(b.maps[i].orig);
	free(b.maps);
	kd_buf_free(&b.ptr);
	side_free(&L);
	side_free(&R);
	json_decref(nd);
	json_decref(nl);
	kd_diff_rows_free(rs);
	return rc;
}

void kd_diff_rows_free(kd_diff_rows *rs)
{
	size_t i;

	if (!rs)
		return;
	if (rs->mem) {
		for (i = 0; i < 2; i++) {
			free(rs->mem->yaml[i]);
			json_decref(rs->mem->positions[i]);
		}
		for (i = 0; i < rs->mem->nowned; i++)
			free(rs->mem->owned[i]);
		free(rs->mem->owned);
		free(rs->mem);
	}
	free(rs->rows);
	free(rs->folds);
	free(rs->unified);
	free(rs->unplaced);
	free(rs);
}

int kd_diff_field_describe(kd_buf *out, const kd_diff_field *f)
{
	int rc = kd_buf_printf(out, "%s %s by %s", f->path, kd_diff_change_name(f->kind),
			       f->manager);

	if (rc == 0 && (f->operation || f->time))
		rc = kd_buf_printf(out, " (%s%s%s)", f->operation ? f->operation : "?",
				   f->time ? ", " : "", f->time ? f->time : "");
	if (rc == 0 && f->never_converges)
		rc = kd_buf_puts(out, " [never converges: the server drops this field]");
	if (rc == 0 && f->removed_from_git)
		rc = kd_buf_puts(out, " [removed from Git: the next apply deletes it]");
	return rc;
}
