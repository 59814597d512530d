/*
 * diff — `kdrift diff CLUSTER [APP [KIND/NAMESPACE/NAME]]`: the
 * normalised desired and live objects as YAML, compared line by line, Git
 * as '---' and the cluster as '+++', each changed field followed by the
 * field manager that wrote it.
 *
 * The live side leaves out what the comparison ignores (server defaults:
 * fields only the cluster has and that are not drift), so the diff shows
 * exactly what `kdrift check` counts.  Every line is sanitised before it
 * reaches the terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "cli.h"
#include "diff/diff.h"
#include "engine/engine.h"
#include "data/data.h"

#define CONTEXT 3
#define MAX_LCS_CELLS ((size_t)16 << 20)

typedef struct yline {
	char *text;
	char *ptr;              /* JSON pointer of the field the line shows */
} yline;

typedef struct ydoc {
	yline *l;
	size_t n;
} ydoc;

/* ---- YAML lines with their JSON pointers ---------------------------------- */

enum { FR_MAP, FR_LIST, FR_PENDING };

typedef struct frame {
	int type;
	size_t indent;
	char *ptr;
	long next;
} frame;

static char *ptr_join(const char *base, const char *token)
{
	kd_buf b = KD_BUF_INIT;

	kd_buf_puts(&b, base);
	kd_buf_putc(&b, '/');
	for (; *token; token++) {
		if (*token == '~')
			kd_buf_puts(&b, "~0");
		else if (*token == '/')
			kd_buf_puts(&b, "~1");
		else
			kd_buf_putc(&b, *token);
	}
	return kd_buf_detach(&b);
}

/* Parses "KEY: value" / "KEY:" (KEY plain or quoted); false when the text
 * is not a mapping entry.  *value points after ": " (or to ""). */
static bool parse_key(kd_buf *key, const char **value, const char *s)
{
	const char *p = s;

	kd_buf_clear(key);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			kd_buf_putc(key, *p);
		}
		if (*p != '"')
			return false;
		p++;
	} else if (*p == '\'') {
		for (p++; *p; p++) {
			if (*p == '\'' && p[1] == '\'')
				p++;
			else if (*p == '\'')
				break;
			kd_buf_putc(key, *p);
		}
		if (*p != '\'')
			return false;
		p++;
	} else {
		const char *colon = p;

		while ((colon = strchr(colon, ':')) && colon[1] && colon[1] != ' ')
			colon++;
		if (!colon || colon == p)
			return false;
		kd_buf_add(key, p, (size_t)(colon - p));
		p = colon;
	}
	if (*p != ':' || (p[1] && p[1] != ' '))
		return false;
	*value = p[1] ? p + 2 : p + 1;
	return true;
}

static bool is_dash(const char *c)
{
	return c[0] == '-' && (c[1] == ' ' || c[1] == '\0');
}

static int push(frame **st, size_t *depth, size_t *cap, int type, size_t indent, char *ptr)
{
	if (*depth == *cap) {
		frame *g = realloc(*st, (*cap ? *cap * 2 : 16) * sizeof(*g));

		if (!g) {
			free(ptr);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		*st = g;
		*cap = *cap ? *cap * 2 : 16;
	}
	(*st)[(*depth)++] = (frame){ type, indent, ptr, 0 };
	return 0;
}

/* The pointer of each line of kubectl-style YAML (lists at their key's
 * indentation, maps two deeper). */
static int annotate(ydoc *d)
{
	frame *st = NULL;
	size_t depth = 0, cap = 0, i;
	kd_buf key = KD_BUF_INIT;
	char *last = strdup("");
	int rc = 0;

	if (!last || (rc = push(&st, &depth, &cap, FR_MAP, 0, strdup(""))) < 0)
		goto cleanup;
	for (i = 0; i < d->n; i++) {
		const char *c = d->l[i].text, *value;
		size_t n = strspn(c, " ");
		frame *top;
		char *item = NULL;

		c += n;
		for (;;) {
			top = &st[depth - 1];
			if (top->type == FR_PENDING) {
				if (n == top->indent && is_dash(c)) {
					top->type = FR_LIST;
				} else if (n > top->indent) {
					top->type = FR_MAP;
					top->indent = n;
				} else {
					free(top->ptr);
					depth--;
					continue;
				}
			}
			if (depth == 1 || n > top->indent ||
			    (n == top->indent && (top->type == FR_LIST) == is_dash(c)))
				break;
			free(top->ptr);
			depth--;
		}
		if (n > top->indent || (top->type == FR_MAP && is_dash(c))) {
			d->l[i].ptr = strdup(last);      /* a block scalar's lines */
			continue;
		}
		if (top->type == FR_LIST) {
			char idx[32];

			snprintf(idx, sizeof(idx), "%ld", top->next++);
			item = ptr_join(top->ptr, idx);
			c += c[1] ? 2 : 1;
			n += 2;
			if (!item || !parse_key(&key, &value, c)) {
				d->l[i].ptr = item;
				free(last);
				last = strdup(item ? item : "");
				continue;
			}
			if ((rc = push(&st, &depth, &cap, FR_MAP, n, item)) < 0)
				goto cleanup;
			top = &st[depth - 1];
		} else if (!parse_key(&key, &value, c)) {
			d->l[i].ptr = strdup(last);
			continue;
		}
		d->l[i].ptr = ptr_join(top->ptr, kd_buf_cstr(&key));
		free(last);
		last = strdup(d->l[i].ptr ? d->l[i].ptr : "");
		if (!*value && d->l[i].ptr &&
		    (rc = push(&st, &depth, &cap, FR_PENDING, n, strdup(d->l[i].ptr))) < 0)
			goto cleanup;
	}
cleanup:
	while (depth)
		free(st[--depth].ptr);
	free(st);
	free(last);
	kd_buf_free(&key);
	return rc;
}

static void ydoc_free(ydoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->l[i].text);
		free(d->l[i].ptr);
	}
	free(d->l);
	d->l = NULL;
	d->n = 0;
}

static int ydoc_from(ydoc *d, const json_t *obj)
{
	kd_buf y = KD_BUF_INIT;
	const char *p, *nl;
	size_t cap = 0;
	int rc;

	d->l = NULL;
	d->n = 0;
	if (!obj)
		return 0;
	if ((rc = kd_yaml_emit(&y, obj)) < 0)
		return rc;
	for (p = kd_buf_cstr(&y); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		if (d->n == cap) {
			yline *g = realloc(d->l, (cap ? cap * 2 : 64) * sizeof(*g));

			if (!g) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				break;
			}
			d->l = g;
			cap = cap ? cap * 2 : 64;
		}
		d->l[d->n].ptr = NULL;
		d->l[d->n].text = strndup(p, (size_t)(nl - p) + (*nl != '\n'));
		if (!d->l[d->n++].text) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&y);
	if (rc == 0)
		rc = annotate(d);
	return rc;
}

/* ---- the live side without server defaults -------------------------------- */

static bool covered(const kd_diff_result *diff, const char *ptr)
{
	size_t i, n = strlen(ptr);

	for (i = 0; diff && i < diff->nfields; i++) {
		const char *lp = diff->fields[i].live_path;

		if (!lp)
			continue;
		if (strncmp(lp, ptr, n) == 0 && (lp[n] == '\0' || lp[n] == '/'))
			return true;   /* the field is the node or below it */
		if (strncmp(ptr, lp, strlen(lp)) == 0 && ptr[strlen(lp)] == '/')
			return true;   /* the node lies inside a reported field */
	}
	return false;
}

static void prune(json_t *live, const json_t *desired, const char *ptr,
		  const kd_diff_result *diff)
{
	const char *key;
	json_t *v;
	void *tmp;
	size_t i;

	if (json_is_object(live) && json_is_object(desired)) {
		json_object_foreach_safe(live, tmp, key, v) {
			char *p = ptr_join(ptr, key);
			const json_t *dv = json_object_get(desired, key);

			if (p && !dv && !covered(diff, p))
				json_object_del(live, key);
			else if (p && dv)
				prune(v, dv, p, diff);
			free(p);
		}
	} else if (json_is_array(live) && json_is_array(desired)) {
		for (i = 0; i < json_array_size(live); i++) {
			char idx[32], *p;

			snprintf(idx, sizeof(idx), "%zu", i);
			if (!(p = ptr_join(ptr, idx)))
				continue;
			if (i < json_array_size(desired))
				prune(json_array_get(live, i), json_array_get(desired, i), p, diff);
			free(p);
		}
	}
}

/* ---- line diff -------------------------------------------------------------- */

enum { OP_EQ, OP_DEL, OP_ADD };

typedef struct op {
	int type;
	size_t a, b;      /* line in desired (EQ, DEL) and live (EQ, ADD) */
} op;

static int line_diff(op **out, size_t *nout, const ydoc *a, const ydoc *b)
{
	size_t n = a->n, m = b->n, i, j, k = 0;
	unsigned *t = NULL;
	op *ops = calloc(n + m + 1, sizeof(*ops));

	*out = NULL;
	*nout = 0;
	if (!ops)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if ((n + 1) * (m + 1) <= MAX_LCS_CELLS &&
	    (t = calloc((n + 1) * (m + 1), sizeof(*t)))) {
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				t[i * (m + 1) + j] = strcmp(a->l[i].text, b->l[j].text) == 0
					? t[(i + 1) * (m + 1) + j + 1] + 1
					: (t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
						   ? t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1]);
	}
	for (i = j = 0; i < n || j < m;) {
		if (t && i < n && j < m && strcmp(a->l[i].text, b->l[j].text) == 0)
			ops[k++] = (op){ OP_EQ, i++, j++ };
		else if (i < n && (j == m || !t || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]))
			ops[k++] = (op){ OP_DEL, i++, 0 };
		else
			ops[k++] = (op){ OP_ADD, 0, j++ };
	}
	free(t);
	*out = ops;
	*nout = k;
	return 0;
}

/* ---- printing ----------------------------------------------------------------- */

static bool in_field(const char *ptr, const char *field)
{
	size_t n = field ? strlen(field) : 0;

	return ptr && field && strncmp(ptr, field, n) == 0 && (ptr[n] == '\0' || ptr[n] == '/');
}

static void attribution(kd_buf *b, const kd_diff_field *f, const char *indent)
{
	kd_buf_printf(b, "%s# ", indent);
	kd_cli_sanitize(b, f->path);
	kd_buf_printf(b, " %s by ", kd_diff_change_name(f->kind));
	kd_cli_sanitize(b, f->manager);
	if (f->operation || f->time) {
		kd_buf_puts(b, " (");
		kd_cli_sanitize(b, f->operation ? f->operation : "?");
		if (f->time) {
			kd_buf_puts(b, ", ");
			kd_cli_sanitize(b, f->time);
		}
		kd_buf_puts(b, ")");
	}
	if (f->never_converges)
		kd_buf_puts(b, " [never converges: the server drops this field]");
	kd_buf_puts(b, "\n");
}

/* Attribution states of the fields of one object's diff. */
enum { ATTR_TODO = 0, ATTR_PENDING, ATTR_DONE };

/* Marks every field not attributed yet that the line shows (live lines by
 * live_path, desired lines for removed fields): printed at once, or left
 * pending (defer) until the lines of the field end. */
static void attribute_line(kd_buf *b, const kd_diff_result *diff, unsigned char *done,
			   const char *ptr, bool live_side, const char *indent, bool defer)
{
	size_t i;

	for (i = 0; diff && i < diff->nfields; i++) {
		const kd_diff_field *f = &diff->fields[i];

		if (done[i] != ATTR_TODO)
			continue;
		if (live_side ? in_field(ptr, f->live_path)
			      : (f->kind == KD_DIFF_REMOVED && in_field(ptr, f->path))) {
			done[i] = defer ? ATTR_PENDING : ATTR_DONE;
			if (!defer)
				attribution(b, f, indent);
		}
	}
}

/* Prints the pending attributions whose field the next line (ptr on the
 * live side when live_side; NULL at the end of a hunk) no longer shows. */
static void flush_pending(kd_buf *b, const kd_diff_result *diff, unsigned char *done,
			  const char *ptr, bool live_side)
{
	size_t i;

	for (i = 0; diff && i < diff->nfields; i++) {
		const kd_diff_field *f = &diff->fields[i];

		if (done[i] != ATTR_PENDING)
			continue;
		if (ptr && in_field(ptr, live_side ? f->live_path : f->path))
			continue;
		done[i] = ATTR_DONE;
		attribution(b, f, "");
	}
}

static void unified(kd_buf *b, const ydoc *a, const ydoc *l, const op *ops, size_t n,
		    const kd_diff_result *diff, unsigned char *done)
{
	size_t i = 0, k;

	while (i < n) {
		size_t start, end, as = 0, ls = 0, ac = 0, lc = 0;

		while (i < n && ops[i].type == OP_EQ)
			i++;
		if (i == n)
			break;
		start = i > CONTEXT ? i - CONTEXT : 0;
		for (end = i; end < n; end++) {
			size_t run = 0;

			while (end + run < n && ops[end + run].type == OP_EQ)
				run++;
			if (end + run == n || run > 2 * CONTEXT) {
				end += run < CONTEXT ? run : CONTEXT;
				break;
			}
			end += run;
		}
		for (k = start; k < end; k++) {
			ac += ops[k].type != OP_ADD;
			lc += ops[k].type != OP_DEL;
		}
		/* the first line of each side in the hunk */
		for (k = start; k < end; k++)
			if (ops[k].type != OP_ADD) { as = ops[k].a; break; }
		for (k = start; k < end; k++)
			if (ops[k].type != OP_DEL) { ls = ops[k].b; break; }
		kd_buf_printf(b, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? as + 1 : as, ac,
			      lc ? ls + 1 : ls, lc);
		for (k = start; k < end; k++) {
			const yline *y = ops[k].type == OP_ADD ? &l->l[ops[k].b] : &a->l[ops[k].a];

			/* a field's attribution follows its last line */
			flush_pending(b, diff, done, ops[k].type == OP_EQ ? NULL : y->ptr,
				      ops[k].type == OP_ADD);
			kd_buf_putc(b, ops[k].type == OP_EQ ? ' ' : ops[k].type == OP_DEL ? '-' : '+');
			kd_cli_sanitize(b, y->text);
			kd_buf_puts(b, "\n");
			if (ops[k].type != OP_EQ)
				attribute_line(b, diff, done, y->ptr, ops[k].type == OP_ADD, "", true);
		}
		flush_pending(b, diff, done, NULL, false);
		i = end;
	}
}

static void cell(kd_buf *b, const char *text, size_t width, bool pad)
{
	kd_buf s = KD_BUF_INIT;
	size_t len, cols = 0, i;

	kd_cli_sanitize(&s, text ? text : "");
	len = s.len;
	for (i = 0; i < len && cols < width; i++)
		if (((unsigned char)s.data[i] & 0xc0) != 0x80)
			cols++;
	/* i is at a character boundary once cols reached width */
	while (i < len && ((unsigned char)s.data[i] & 0xc0) == 0x80)
		i++;
	kd_buf_add(b, s.data, i);
	if (i < len && i > 0) {
		/* mark the cut */
		kd_buf_truncate(b, b->len - 1);
		kd_buf_putc(b, '>');
	}
	while (pad && cols++ < width)
		kd_buf_putc(b, ' ');
	kd_buf_free(&s);
}

static void side_by_side(kd_buf *b, const ydoc *a, const ydoc *l, const op *ops, size_t n,
			 const kd_diff_result *diff, unsigned char *done, size_t width)
{
	size_t col = width > 7 ? (width - 3) / 2 : 2, i = 0, k;
	kd_buf indent = KD_BUF_INIT;

	for (k = 0; k < col + 3; k++)
		kd_buf_putc(&indent, ' ');
	while (i < n) {
		size_t dels = 0, adds = 0, r;

		if (ops[i].type == OP_EQ) {
			cell(b, a->l[ops[i].a].text, col, true);
			kd_buf_puts(b, "   ");
			cell(b, l->l[ops[i].b].text, col, false);
			kd_buf_puts(b, "\n");
			i++;
			continue;
		}
		while (i + dels < n && ops[i + dels].type == OP_DEL)
			dels++;
		while (i + dels + adds < n && ops[i + dels + adds].type == OP_ADD)
			adds++;
		for (r = 0; r < dels || r < adds; r++) {
			const yline *dl = r < dels ? &a->l[ops[i + r].a] : NULL;
			const yline *ll = r < adds ? &l->l[ops[i + dels + r].b] : NULL;

			cell(b, dl ? dl->text : "", col, true);
			kd_buf_puts(b, dl && ll ? " | " : dl ? " < " : " > ");
			cell(b, ll ? ll->text : "", col, false);
			kd_buf_puts(b, "\n");
			if (dl)
				attribute_line(b, diff, done, dl->ptr, false, "", false);
			if (ll)
				attribute_line(b, diff, done, ll->ptr, true, kd_buf_cstr(&indent), false);
		}
		i += dels + adds;
	}
	kd_buf_free(&indent);
}

static void object_name(kd_buf *b, const char *cluster, const char *app, const kd_resource *r)
{
	kd_cli_sanitize(b, cluster);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, app);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, r->kind);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, r->namespace);
	kd_buf_puts(b, "/");
	kd_cli_sanitize(b, r->name);
}

static int print_resource(kd_buf *b, const kd_fleet *fleet, const char *cluster,
			  const char *app, const kd_resource *r, bool sbs, size_t width)
{
	kd_diff_opts opts = {
		.ignores = fleet->ignores, .nignores = fleet->nignores,
		.hpa_managed = r->hpa_managed,
	};
	json_t *d = NULL, *l = NULL;
	ydoc yd = { 0 }, yl = { 0 };
	op *ops = NULL;
	size_t nops = 0, i;
	unsigned char *done = NULL;
	int rc = 0;

	if (r->desired && (rc = kd_diff_normalize(&d, NULL, r->desired,
						  r->live ? r->live : r->desired, &opts)) < 0)
		goto cleanup;
	if (r->live && (rc = kd_diff_normalize(NULL, &l, r->desired ? r->desired : r->live,
					       r->live, &opts)) < 0)
		goto cleanup;
	if (d && l)
		prune(l, d, "", r->diff);
	if ((rc = ydoc_from(&yd, d)) < 0 || (rc = ydoc_from(&yl, l)) < 0 ||
	    (rc = line_diff(&ops, &nops, &yd, &yl)) < 0)
		goto cleanup;
	if (r->diff && r->diff->nfields && !(done = calloc(r->diff->nfields, sizeof(*done)))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	kd_buf_puts(b, "--- git/");
	object_name(b, cluster, app, r);
	kd_buf_puts(b, r->desired ? "\n" : " (not in Git)\n");
	kd_buf_puts(b, "+++ live/");
	object_name(b, cluster, app, r);
	kd_buf_puts(b, r->live ? "\n" : " (not in the cluster)\n");
	if (r->reason) {
		kd_buf_printf(b, "# %s: ", kd_status_name(r->status));
		kd_cli_sanitize(b, r->reason);
		kd_buf_puts(b, "\n");
	}
	if (sbs)
		side_by_side(b, &yd, &yl, ops, nops, r->diff, done, width);
	else
		unified(b, &yd, &yl, ops, nops, r->diff, done);
	/* fields whose lines the diff could not place (or that show no line) */
	for (i = 0; r->diff && i < r->diff->nfields; i++)
		if (done[i] == ATTR_TODO)
			attribution(b, &r->diff->fields[i], "");
cleanup:
	free(done);
	free(ops);
	ydoc_free(&yd);
	ydoc_free(&yl);
	json_decref(d);
	json_decref(l);
	return rc;
}

/* KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped object. */
static bool object_matches(const kd_resource *r, const char *spec)
{
	const char *s1 = strchr(spec, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	size_t kl = s1 ? (size_t)(s1 - spec) : 0;

	if (!s1 || strlen(r->kind) != kl || strncasecmp(r->kind, spec, kl) != 0)
		return false;
	if (!s2)
		return !*r->namespace && strcmp(r->name, s1 + 1) == 0;
	return strlen(r->namespace) == (size_t)(s2 - s1 - 1) &&
	       strncmp(r->namespace, s1 + 1, (size_t)(s2 - s1 - 1)) == 0 &&
	       strcmp(r->name, s2 + 1) == 0;
}

static int run_diff(kd_engine *e, const char *app_name, const char *object, bool sbs,
		    size_t width)
{
	kd_cluster_state *st = kd_store_get(kd_engine_store(e), 0);
	kd_counts sum = { { 0 } };
	kd_buf out = KD_BUF_INIT;
	bool found = false, errors = false;
	size_t i, j;
	int rc = KD_EXIT_ERROR;

	if (!st) {
		kd_error_set(KD_ERROR, "no result for the cluster");
		return kd_cli_fail("diff");
	}
	if (st->reason) {
		fprintf(stderr, "kdrift: diff: cluster ");
		kd_cli_print_safe(stderr, st->name);
		fprintf(stderr, " is unknown: ");
		kd_cli_print_safe(stderr, st->reason);
		fprintf(stderr, "\n");
		goto cleanup;
	}
	for (i = 0; i < st->napps; i++) {
		const kd_app_state *a = &st->apps[i];

		if (a->reason) {
			fprintf(stderr, "kdrift: diff: app ");
			kd_cli_print_safe(stderr, a->name);
			fprintf(stderr, ": ");
			kd_cli_print_safe(stderr, a->reason);
			fprintf(stderr, "\n");
			errors = true;
		}
		for (j = 0; j < a->nresources; j++) {
			const kd_resource *r = &a->resources[j];

			if (object && !object_matches(r, object))
				continue;
			found = true;
			sum.n[r->status]++;
			if (r->status == KD_STATUS_SYNCED)
				continue;
			if (r->status == KD_STATUS_UNKNOWN) {
				fprintf(stderr, "kdrift: diff: %s/%s/%s: ", r->kind, r->namespace, r->name);
				kd_cli_print_safe(stderr, r->reason ? r->reason : "unknown");
				fprintf(stderr, "\n");
				continue;
			}
			if (print_resource(&out, st->fleet, st->name, a->name, r, sbs, width) < 0) {
				rc = kd_cli_fail("diff");
				goto cleanup;
			}
		}
	}
	if (object && !found) {
		kd_error_set(KD_ENOTFOUND, "no object %s in %s%s%s", object, st->name,
			     app_name ? "/" : "", app_name ? app_name : "");
		rc = kd_cli_fail("diff");
		goto cleanup;
	}
	if (fwrite(kd_buf_cstr(&out), 1, out.len, stdout) != out.len || fflush(stdout)) {
		kd_error_set(KD_EIO, "cannot write output");
		rc = kd_cli_fail("diff");
		goto cleanup;
	}
	rc = kd_cli_exit_for(&sum, errors);
cleanup:
	kd_buf_free(&out);
	kd_cluster_state_unref(st);
	return rc;
}

int kd_cli_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		KD_CLI_ENGINE_OPTIONS,
		{ "side-by-side", no_argument, NULL, 's' },
		{ "width", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_engine_opts opts = { 0 };
	const char *names[2] = { NULL, NULL }, *object = NULL, *cols = getenv("COLUMNS");
	kd_engine *e = NULL;
	bool sbs = false;
	long width = cols ? strtol(cols, NULL, 10) : 0;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":sW:h", longopts, NULL)) != -1) {
		/* getopt gives no 'c' or 'a' here: diff names its cluster and app */
		if ((rc = kd_cli_engine_opt(&opts, c, optarg, "diff")) == 0)
			continue;
		if (rc == KD_EXIT_ERROR)
			return KD_EXIT_ERROR;
		switch (c) {
		case 's': sbs = true; break;
		case 'W':
			width = strtol(optarg, NULL, 10);
			if (width < 20 || width > 10000)
				return kd_cli_usage_error("diff", "--width needs 20 to 10000 columns");
			break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", "diff", NULL });
		case ':':
			return kd_cli_usage_error("diff", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_usage_error("diff", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 1 || argc - optind > 3)
		return kd_cli_usage_error("diff", "expected CLUSTER [APP [KIND/NAMESPACE/NAME]]");
	names[0] = argv[optind];
	opts.clusters = names;
	opts.app = argc - optind > 1 ? argv[optind + 1] : NULL;
	object = argc - optind > 2 ? argv[optind + 2] : NULL;
	if (object && !strchr(object, '/'))
		return kd_cli_usage_error("diff", "an object is KIND/NAMESPACE/NAME (or KIND/NAME), not '%s'", object);
	if (width < 20)
		width = 160;
	if (kd_engine_new(&e, &opts) < 0 || kd_engine_run_once(e) < 0) {
		kd_engine_free(e);
		return kd_cli_fail("diff");
	}
	if (kd_store_cluster_count(kd_engine_store(e)) == 0) {
		kd_engine_free(e);
		kd_error_set(KD_ENOTFOUND, "app '%s' is not deployed to cluster '%s'",
			     opts.app ? opts.app : "?", names[0]);
		return kd_cli_fail("diff");
	}
	rc = run_diff(e, opts.app, object, sbs, (size_t)width);
	kd_engine_free(e);
	return rc;
}
