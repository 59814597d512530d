/*
 * model_filter — which nodes of the fleet tree the filters show
 * (kd_node.shown): `:filter status|labels|app|name|clear`, parsed here.
 *
 * Testing 100,000 leaves against a text is most of what a filter costs, so
 * it is done only when the filter changed, and a filter that only hides
 * more than the one before (a longer name, fewer statuses) tests only the
 * leaves still shown; what depends on the cluster or the app alone is
 * tested once per cluster or app.  Never lays the tree out (model.c).
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model_priv.h"

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

bool kd_contains_ci(const char *hay, const char *needle)
{
	const unsigned char *h = (const unsigned char *)hay, *nd = (const unsigned char *)needle;
	unsigned char first = lower(nd[0]);
	size_t k;

	if (!first)
		return true;
	for (; *h; h++) {
		if (lower(*h) != first)
			continue;
		for (k = 1; nd[k] && lower(h[k]) == lower(nd[k]); k++)
			;
		if (!nd[k])
			return true;
	}
	return false;
}

static bool filter_active(const kd_filter *f)
{
	return f->status_mask || f->labels_text || f->app || f->name;
}

void kd_filter_clear(kd_filter *f)
{
	kd_selector_free(&f->labels);
	free(f->labels_text);
	free(f->app);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

/* The answers that depend on the cluster or the app alone, kept while
 * the leaves of one cluster and app are tested (they are contiguous). */
typedef struct memo {
	size_t cluster;
	bool cluster_ok;
	const char *app;
	bool app_ok;
	const char *name;        /* the name filter in lower case, with the labels */
} memo;

/* Whether a node with no children passes the filters. */
static bool leaf_matches(const kd_model *m, const kd_node *n, memo *mm)
{
	const kd_filter *f = &m->filter;

	if (f->status_mask && !(f->status_mask & (1u << n->status)))
		return false;
	if (f->labels_text) {
		if (n->cluster == KD_NONE)
			return false;
		if (n->cluster != mm->cluster) {
			const kd_cluster_state *st = m->states[n->cluster];

			mm->cluster = n->cluster;
			mm->cluster_ok = st && kd_selector_matches(&f->labels, st->labels);
		}
		if (!mm->cluster_ok)
			return false;
	}
	if (f->app) {
		if (!n->app_name)
			return false;
		if (n->app_name != mm->app) {
			mm->app = n->app_name;
			mm->app_ok = kd_contains_ci(n->app_name, f->app);
		}
		if (!mm->app_ok)
			return false;
	}
	if (f->name) {
		const char *name = n->obj ? n->obj->name : n->hand ? n->hand->name :
				   n->level == KD_LEVEL_APP ? n->app_name : n->cluster_name;
		size_t i = (size_t)(n - m->nodes);

		/* the lower-case copy next to the others, when there is one */
		if (mm->name && m->labels.name_at[i] != KD_NONE)
			return strstr(m->labels.text + m->labels.name_at[i], mm->name) != NULL;
		if (!name || !kd_contains_ci(name, f->name))
			return false;
	}
	return true;
}

void kd_model_update_shown(kd_model *m)
{
	bool narrow = m->shown_state == KD_SHOWN_NARROWED, filtering = filter_active(&m->filter);
	memo mm = { KD_NONE, false, NULL, false, NULL };
	char *lower_name = NULL;
	size_t i;

	if (m->shown_state == KD_SHOWN_OK)
		return;
	if (m->filter.name && m->labels.built && (lower_name = strdup(m->filter.name))) {
		for (i = 0; lower_name[i]; i++)
			lower_name[i] = (char)lower((unsigned char)lower_name[i]);
		mm.name = lower_name;
	}
	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].has_children)
			m->nodes[i].shown = false;
	/* children come after their parent: bottom-up, a parent is shown
	 * when one of its children is */
	for (i = m->nnodes; i-- > 0;) {
		kd_node *n = &m->nodes[i];

		if (!n->has_children)
			n->shown = (!narrow || n->shown) && (!filtering || leaf_matches(m, n, &mm));
		if (n->shown && n->parent != KD_NONE)
			m->nodes[n->parent].shown = true;
	}
	free(lower_name);
	m->shown_state = KD_SHOWN_OK;
}

/* What a change of the filter asks of kd_node.shown. */
static void filter_changed(kd_model *m, kd_shown_state change)
{
	if (change > m->shown_state)
		m->shown_state = change;
}

/* A text filter that becomes `now` from `before`. */
static kd_shown_state text_change(const char *before, const char *now)
{
	if (!before && !now)
		return KD_SHOWN_OK;
	if (before && now && strcmp(before, now) == 0)
		return KD_SHOWN_OK;
	/* a text holding the old one matches fewer names */
	return now && (!before || kd_contains_ci(now, before)) ? KD_SHOWN_NARROWED : KD_SHOWN_STALE;
}

static int set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = NULL;
	if (value && *value && !(*dst = strdup(value)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

static int parse_statuses(unsigned *mask, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int rc = 0;

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	*mask = 0;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int s = strcmp(tok, "problems") == 0 ? -2 : kd_status_parse(tok);

		if (s == -2) {
			*mask |= ~(1u << KD_STATUS_SYNCED) & ((1u << KD_STATUS_COUNT) - 1);
		} else if (s < 0) {
			rc = kd_error_set(KD_EINVAL, "unknown status '%s' (synced, drifted, missing, "
					  "extra, break-glass, unknown, problems)", tok);
			break;
		} else {
			*mask |= 1u << s;
		}
	}
	free(copy);
	return rc;
}

int kd_model_filter(kd_model *m, const char *expr)
{
	kd_filter *f = &m->filter;
	const char *arg;
	size_t klen;
	int rc = 0;

	while (*expr == ' ')
		expr++;
	klen = strcspn(expr, " ");
	arg = expr + klen;
	while (*arg == ' ')
		arg++;
	if (klen == 0 || strncmp(expr, "clear", klen) == 0) {
		filter_changed(m, filter_active(f) ? KD_SHOWN_STALE : KD_SHOWN_OK);
		kd_filter_clear(f);
	} else if (strncmp(expr, "status", klen) == 0) {
		unsigned mask = 0;

		if (*arg && (rc = parse_statuses(&mask, arg)) < 0)
			return rc;
		/* 0 is every status */
		filter_changed(m, mask == f->status_mask ? KD_SHOWN_OK :
			       mask && (!f->status_mask || !(mask & ~f->status_mask)) ?
			       KD_SHOWN_NARROWED : KD_SHOWN_STALE);
		f->status_mask = mask;
	} else if (strncmp(expr, "labels", klen) == 0) {
		kd_selector sel;

		filter_changed(m, text_change(f->labels_text, *arg ? arg : NULL) == KD_SHOWN_OK ?
			       KD_SHOWN_OK : KD_SHOWN_STALE);
		if (!*arg) {
			kd_selector_free(&f->labels);
			rc = set_str(&f->labels_text, NULL);
		} else {
			if ((rc = kd_selector_parse_text(&sel, arg)) < 0)
				return rc;
			kd_selector_free(&f->labels);
			f->labels = sel;
			rc = set_str(&f->labels_text, arg);
		}
	} else if (strncmp(expr, "app", klen) == 0) {
		filter_changed(m, text_change(f->app, *arg ? arg : NULL));
		rc = set_str(&f->app, arg);
	} else if (strncmp(expr, "name", klen) == 0) {
		filter_changed(m, text_change(f->name, *arg ? arg : NULL));
		rc = set_str(&f->name, arg);
	} else {
		return kd_error_set(KD_EINVAL, "unknown filter '%.*s' (status, labels, app, name, clear)",
				    (int)klen, expr);
	}
	if (rc < 0)
		return rc;
	m->layout_change = KD_NONE;
	return kd_model_relayout(m);
}

int kd_filter_describe(kd_buf *out, const kd_filter *f)
{
	int s, rc = 0, first = 1;

	if (f->status_mask) {
		rc = kd_buf_puts(out, "status=");
		for (s = 0; rc == 0 && s < KD_STATUS_COUNT; s++)
			if (f->status_mask & (1u << s)) {
				rc = kd_buf_printf(out, "%s%s", first ? "" : ",", kd_status_name((kd_status)s));
				first = 0;
			}
	}
	if (rc == 0 && f->labels_text)
		rc = kd_buf_printf(out, "%slabels=%s", out->len ? " " : "", f->labels_text);
	if (rc == 0 && f->app)
		rc = kd_buf_printf(out, "%sapp~%s", out->len ? " " : "", f->app);
	if (rc == 0 && f->name)
		rc = kd_buf_printf(out, "%sname~%s", out->len ? " " : "", f->name);
	return rc;
}
