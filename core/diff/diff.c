/*
 * diff — entry points of the drift comparison (see diff.h): set-up from the
 * options and the live object's metadata, the Secret walk, results.  The
 * generic field walk is in diff_walk.c.
 */
#include "diff/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff_priv.h"
#include "base/base.h"
#include "data/data.h"

const char *const kd_diff_default_manual_managers[] = {
	"kubectl-edit", "kubectl-patch", "kubectl-set", "kubectl-label",
	"kubectl-annotate", "kubectl-replace", "kubectl-scale",
	"kdrift-break-glass", NULL,
};

const char *const kd_diff_default_appliers[] = {
	"kustomize-controller", "argocd-controller", "kdrift", NULL,
};

/* ---- Secret data -------------------------------------------------------- */

static int cmp_secret_key(kd_diff_walk *w, const json_t *dm, const json_t *lm,
			  const json_t *lam)
{
	if (kd_diff_walk_ignored(w) || (!dm && !lm))
		return 0;
	if (dm && lm)
		return json_equal(dm, lm) ? 0 : kd_diff_walk_changed(w, dm, lm);
	if (dm)
		return kd_diff_walk_removed(w, dm, false);
	if (lam || (kd_managed_owners(w->mn[w->depth]) & w->counted_owners))
		return kd_diff_walk_added(w, lm, lam || (kd_managed_owners(
			w->mn[w->depth]) & w->applier_owners));
	return 0;
}

static int cmp_secret(kd_diff_walk *w, const json_t *desired,
		      const json_t *live, const json_t *la)
{
	json_t *dm = NULL, *lm = NULL, *lam = NULL, *v;
	const kd_managed_node *mn;
	const char *key;
	int rc;

	if ((rc = kd_diff_secret_masks(&dm, desired)) < 0 ||
	    (rc = kd_diff_secret_masks(&lm, live)) < 0 ||
	    (rc = kd_diff_secret_masks(&lam, la)) < 0)
		goto cleanup;
	if ((rc = kd_diff_walk_push(w, "data", 0, 0,
		       kd_managed_field(w->mn[0], "data"))) < 0)
		goto popped;
	mn = w->mn[w->depth];
	if (kd_diff_walk_ignored(w))
		goto popped;
	json_object_foreach(dm, key, v) {
		rc = kd_diff_walk_push(w, key, 0, 0, kd_managed_field(mn, key));
		if (rc == 0)
			rc = cmp_secret_key(w, v, json_object_get(lm, key),
					    json_object_get(lam, key));
		kd_diff_walk_pop(w);
		if (rc < 0)
			goto popped;
	}
	json_object_foreach(lm, key, v) {
		if (json_object_get(dm, key))
			continue;
		rc = kd_diff_walk_push(w, key, 0, 0, kd_managed_field(mn, key));
		if (rc == 0)
			rc = cmp_secret_key(w, NULL, v, json_object_get(lam, key));
		kd_diff_walk_pop(w);
		if (rc < 0)
			goto popped;
	}
popped:
	kd_diff_walk_pop(w);
cleanup:
	json_decref(dm);
	json_decref(lm);
	json_decref(lam);
	return rc;
}

/* ---- set-up ------------------------------------------------------------- */

static const char *object_kind(const json_t *desired, const json_t *live)
{
	const char *k = kd_json_str(desired, "kind");

	return k ? k : kd_json_str(live, "kind");
}

static bool kind_is(const char *kind, const char *name)
{
	return kind && strcmp(kind, name) == 0;
}

static int add_pointer(kd_diff_walk *w, const char *ptr)
{
	const char **p = realloc(w->ptrs, (w->nptrs + 1) * sizeof(*p));

	if (!p)
		return kd_error_set(KD_ENOMEM, "out of memory");
	w->ptrs = p;
	w->ptrs[w->nptrs++] = ptr;
	return 0;
}

static int setup(kd_diff_walk *w, const json_t *desired, const json_t *live,
		 const kd_diff_opts *opts, bool trie)
{
	const char *const *manual = kd_diff_default_manual_managers;
	const char *kind = object_kind(desired, live);
	const char *ns;
	size_t r, i;
	int rc;

	if ((rc = trie ? kd_managed_parse(&w->mf, live) :
			 kd_managed_parse_entries(&w->mf, live)) < 0)
		return rc;
	w->applier = -1;
	w->mn[0] = kd_managed_root(w->mf);
	w->applier = kd_managed_latest(w->mf, kd_managed_owners(
		kd_managed_field(kd_managed_field(kd_managed_field(
			w->mn[0], "metadata"), "annotations"), KD_DIFF_LAST_APPLIED)));
	for (i = 0; i < kd_managed_count(w->mf); i++) {
		if (!kd_managed_entry_at(w->mf, i)->subresource)
			w->object_writers |= (uint64_t)1 << i;
	}
	if (opts && opts->manual_managers)
		manual = opts->manual_managers;
	for (; *manual; manual++)
		w->counted_owners |= kd_managed_entries_named(w->mf, *manual);
	/* What a server-side applier owns is exactly what it applied (no
	 * defaults, unlike an Update), so it plays last-applied's part. */
	for (i = 0; opts && opts->appliers && opts->appliers[i]; i++) {
		uint64_t mask = kd_managed_entries_named(w->mf, opts->appliers[i]);
		size_t e;

		for (e = 0; e < kd_managed_count(w->mf); e++) {
			const char *op = kd_managed_entry_at(w->mf, e)->operation;

			if ((mask & ((uint64_t)1 << e)) && op &&
			    strcmp(op, "Apply") == 0)
				w->applier_owners |= (uint64_t)1 << e;
		}
	}
	w->counted_owners |= w->applier_owners;
	for (r = 0; opts && r < opts->nignores; r++) {
		const kd_ignore_rule *rule = &opts->ignores[r];
		json_t *v;

		if (!kd_diff_rule_matches(rule, desired))
			continue;
		json_array_foreach(rule->json_pointers, i, v) {
			if (json_is_string(v) &&
			    (rc = add_pointer(w, json_string_value(v))) < 0)
				return rc;
		}
		json_array_foreach(rule->managers, i, v) {
			if (json_is_string(v))
				w->ignored_owners |= kd_managed_entries_named(
					w->mf, json_string_value(v));
		}
	}
	w->hpa = opts && opts->hpa_managed;
	w->secret = kd_diff_is_secret(desired) || kd_diff_is_secret(live);
	w->aggregated = kind_is(kind, "ClusterRole") &&
			(!kd_diff_walk_is_empty(json_object_get(desired, "aggregationRule")) ||
			 !kd_diff_walk_is_empty(json_object_get(live, "aggregationRule")));
	ns = kd_json_str(kd_json_obj(live, "metadata"), "namespace");
	w->cluster_scoped = !ns || !*ns;
	w->webhook_kind = kind_is(kind, "ValidatingWebhookConfiguration") ||
			  kind_is(kind, "MutatingWebhookConfiguration");
	w->crd = kind_is(kind, "CustomResourceDefinition");
	w->apiservice = kind_is(kind, "APIService");
	w->quota = kind_is(kind, "ResourceQuota");
	w->limitrange = kind_is(kind, "LimitRange");
	return 0;
}

/* last-applied as a document; NULL when absent or unreadable (then rules
 * 2 and 9 simply have nothing to go on).  In a synced cluster it is
 * usually desired itself, byte for byte in canonical form (kubectl writes
 * compact JSON with sorted keys): then desired is used and the parse, about
 * half the cost of a diff, is saved. */
static json_t *last_applied(const json_t *live, const json_t *desired)
{
	const char *text = kd_json_str(
		kd_json_obj(kd_json_obj(live, "metadata"), "annotations"),
		KD_DIFF_LAST_APPLIED);
	kd_buf canon = KD_BUF_INIT;
	size_t len;
	json_t *doc;

	if (!text)
		return NULL;
	len = strlen(text);
	while (len && text[len - 1] == '\n')
		len--;
	if (kd_json_canonical(&canon, desired) == 0 && canon.len == len &&
	    memcmp(canon.data, text, len) == 0) {
		kd_buf_free(&canon);
		return json_incref((json_t *)desired);
	}
	kd_error_clear();
	kd_buf_free(&canon);
	doc = json_loads(text, 0, NULL);
	if (doc && !json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* One walk.  The quick one (trie false) reads managedFields without their
 * trie, which is most of a diff's cost.  Ownership decides nothing but who
 * a reported field is attributed to, unless an entry makes live-only fields
 * count or is ignored: so when no entry does and the walk reports nothing,
 * the quick walk's answer (synced) is the full walk's.  Otherwise it gives
 * up (1), and the full walk answers, errors included. */
static int walk(kd_diff_result **out, const json_t *desired, const json_t *live,
		const json_t *la, const kd_diff_opts *opts, bool trie)
{
	kd_diff_walk w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.res = calloc(1, sizeof(*w.res));
	if (!w.res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = setup(&w, desired, live, opts, trie);
	if (!trie && (rc < 0 || w.counted_owners || w.ignored_owners)) {
		rc = 1;
		goto cleanup;
	}
	w.no_paths = !trie && w.nptrs == 0;
	if (w.no_paths && opts && opts->memo) {
		/* everything besides the values and the path that decides a
		 * field's verdict in the quick walk */
		w.memo = opts->memo;
		w.memo_flags = (unsigned)w.hpa | (unsigned)w.secret << 1 |
			       (unsigned)w.aggregated << 2 | (unsigned)w.cluster_scoped << 3 |
			       (unsigned)w.webhook_kind << 4 | (unsigned)w.crd << 5 |
			       (unsigned)w.apiservice << 6 | (unsigned)w.quota << 7 |
			       (unsigned)w.limitrange << 8;
	}
	if (rc == 0 && w.secret)
		rc = cmp_secret(&w, desired, live, la);
	if (rc == 0)
		rc = kd_diff_walk_node(&w, desired, live, la);
	if (!trie && (rc < 0 || w.res->nfields || kd_managed_check_memo(live, w.memo) < 0)) {
		rc = 1;
		goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	w.res->status = w.res->nfields ? KD_DIFF_DRIFTED : KD_DIFF_SYNCED;
	*out = w.res;
	w.res = NULL;
cleanup:
	if (rc == 1)
		kd_error_clear();
	kd_diff_result_free(w.res);
	kd_managed_free(w.mf);
	free(w.ptrs);
	kd_buf_free(&w.dpath);
	kd_buf_free(&w.lpath);
	return rc;
}

int kd_diff_objects(kd_diff_result **out, const json_t *desired,
		    const json_t *live, const kd_diff_opts *opts)
{
	json_t *la;
	int rc;

	*out = NULL;
	if (!json_is_object(desired) || !json_is_object(live))
		return kd_error_set(KD_EINVAL,
				    "diff needs a desired and a live object");
	if (opts && opts->last_applied)
		la = json_incref((json_t *)opts->last_applied);
	else
		la = last_applied(live, desired);
	if ((rc = walk(out, desired, live, la, opts, false)) == 1)
		rc = walk(out, desired, live, la, opts, true);
	if (rc < 0) {
		const char *name = kd_json_str(kd_json_obj(desired, "metadata"),
					       "name");

		kd_error_wrap(rc, "%s %s: ", object_kind(desired, live) ?
			      object_kind(desired, live) : "object",
			      name ? name : "(unnamed)");
	}
	json_decref(la);
	return rc;
}

void kd_diff_result_free(kd_diff_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nfields; i++)
		kd_diff_walk_field_clear(&res->fields[i]);
	free(res->fields);
	free(res);
}

int kd_diff_status_of(const json_t *desired, const json_t *live,
		      const kd_diff_opts *opts)
{
	kd_diff_result *res;
	int rc = kd_diff_objects(&res, desired, live, opts);

	if (rc < 0)
		return rc;
	rc = (int)res->status;
	kd_diff_result_free(res);
	return rc;
}
