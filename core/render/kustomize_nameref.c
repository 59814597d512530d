/*
 * kustomize_nameref — name references: after a build has renamed objects
 * (prefixes, suffixes, namespaces, content hashes, patches), every field
 * that names one of them is rewritten to its final name, once, at the end,
 * as kustomize does.
 *
 * The nameReference configuration says which fields (referrers) name
 * objects of which kind.  A value is matched against the names the
 * candidates had before (their previous ids, never the current one), then
 * narrowed by kind, by roleRef's apiGroup and kind, by namespace (a
 * cluster-scoped object or a ServiceAccount may be named from anywhere),
 * and finally by the name prefixes and suffixes the referrer and the
 * candidate collected on the way.  Several candidates that would give
 * different names are an error, as in kubectl.  A referrer that is a
 * mapping (a webhook's service, a binding's subjects) gets the referral's
 * namespace too.  Never prints.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

typedef struct ref_ctx {
	kd_kz_list *l;
	kd_kz_res *referrer;
	const kd_kz_backref_view *target;
	const kd_kz_fspec *fs;
	kd_kz_res **base;      /* candidates the referrer may name */
	size_t nbase;
	kd_kz_res **scratch;   /* room for a sieve's result */
} ref_ctx;

static bool prev_names(const kd_kz_res *r, const char *name)
{
	size_t i;

	for (i = 0; i < json_array_size(r->prev); i++)
		if (strcmp(json_string_value(json_array_get(json_array_get(r->prev, i), 1)), name) == 0)
			return true;
	return false;
}

/* Whether a previous id of r is selected by group/version/kind (empty
 * parts select anything; group and version are r's current ones). */
static bool prev_selected(const kd_kz_res *r, const char *group, const char *version,
			  const char *kind)
{
	size_t i;

	if (!kd_kz_gvk_matches(r->obj, group, version, ""))
		return false;
	for (i = 0; i < json_array_size(r->prev); i++)
		if (!kind[0] ||
		    strcmp(json_string_value(json_array_get(json_array_get(r->prev, i), 0)), kind) == 0)
			return true;
	return false;
}

/* kustomize's SameEndingSubSlice. */
static bool same_ending(const json_t *a, const json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b), i;
	const json_t *s = na <= nb ? a : b, *lg = na <= nb ? b : a;
	size_t ns = json_array_size(s), diff = json_array_size(lg) - ns;

	if (ns == 0)
		return diff == 0;
	for (i = 0; i < ns; i++)
		if (strcmp(json_string_value(json_array_get(lg, i + diff)),
			   json_string_value(json_array_get(s, i))) != 0)
			return false;
	return true;
}

static bool affixes_equal(const kd_kz_res *a, const kd_kz_res *b, bool allow_empty)
{
	if (allow_empty) {
		bool pe = !json_array_size(a->prefixes) || !json_array_size(b->prefixes);
		bool se = !json_array_size(a->suffixes) || !json_array_size(b->suffixes);

		return (pe || same_ending(a->prefixes, b->prefixes)) &&
		       (se || same_ending(a->suffixes, b->suffixes));
	}
	return same_ending(a->prefixes, b->prefixes) && same_ending(a->suffixes, b->suffixes);
}

static bool referrer_cluster_scoped(const kd_kz_res *r)
{
	return kd_kz_cluster_scoped(kd_kz_api_version(r->obj), kd_kz_kind(r->obj));
}

/* The roleRef a RoleBinding's `roleRef/name` belongs to narrows the kind. */
static bool roleref_ok(const ref_ctx *c, const kd_kz_res *cand)
{
	json_t *rr = json_object_get(c->referrer->obj, "roleRef");
	const char *g = json_string_value(json_object_get(rr, "apiGroup"));
	const char *k = json_string_value(json_object_get(rr, "kind"));
	size_t n = strlen(c->fs->path);

	if (n < 12 || strcmp(c->fs->path + n - 12, "roleRef/name") != 0 || !g || !k)
		return true;
	return prev_selected(cand, g, "", k);
}

static bool same_ns_ok(const ref_ctx *c, const kd_kz_res *cand)
{
	if (referrer_cluster_scoped(c->referrer))
		return true;
	if (kd_kz_cluster_scoped(kd_kz_api_version(cand->obj), kd_kz_kind(cand->obj)) ||
	    strcmp(kd_kz_kind(cand->obj), "ServiceAccount") == 0)
		return true;
	return strcmp(kd_kz_cur_ns(c->referrer), kd_kz_cur_ns(cand)) == 0;
}

/* Picks the referral of `name` among cands (n of them); *out NULL when
 * there is none.  `with_ns`: candidates giving the same name but other
 * namespaces are different. */
static int select_referral(kd_kz_res **out, ref_ctx *c, const char *name, kd_kz_res **cands,
			   size_t n, bool with_ns)
{
	kd_kz_res **s = c->scratch;
	size_t i, m = 0, k;

	*out = NULL;
	for (i = 0; i < n; i++) {
		kd_kz_res *r = cands[i];

		if (prev_names(r, name) &&
		    prev_selected(r, c->target->group, c->target->version, c->target->kind) &&
		    roleref_ok(c, r) && same_ns_ok(c, r))
			s[m++] = r;
	}
	if (m > 1) {
		for (i = 0, k = 0; i < m; i++)
			if (affixes_equal(s[i], c->referrer, true))
				s[k++] = s[i];
		m = k;
	}
	if (m > 1) {
		for (i = 0, k = 0; i < m; i++)
			if (affixes_equal(s[i], c->referrer, false))
				s[k++] = s[i];
		m = k;
	}
	if (m == 0)
		return 0;
	for (i = 1; i < m; i++) {
		const char *n0 = kd_kz_name(s[0]->obj), *ni = kd_kz_name(s[i]->obj);

		if (strcmp(n0 ? n0 : "", ni ? ni : "") != 0 ||
		    (with_ns && strcmp(kd_kz_ns(s[0]->obj), kd_kz_ns(s[i]->obj)) != 0)) {
			kd_buf ids = KD_BUF_INIT;

			for (k = 0; k < m; k++)
				kd_buf_printf(&ids, "%s%s %s%s%s", k ? ", " : "", kd_kz_kind(s[k]->obj),
					      kd_kz_ns(s[k]->obj), kd_kz_ns(s[k]->obj)[0] ? "/" : "",
					      kd_kz_name(s[k]->obj) ? kd_kz_name(s[k]->obj) : "");
			kd_error_set(KD_EINVAL, "found multiple possible referrals for '%s' in %s %s: %s",
				     name, kd_kz_kind(c->referrer->obj),
				     kd_kz_name(c->referrer->obj) ? kd_kz_name(c->referrer->obj) : "",
				     kd_buf_cstr(&ids));
			kd_buf_free(&ids);
			return KD_EINVAL;
		}
	}
	*out = s[0];
	return 0;
}

static int set_scalar(ref_ctx *c, json_t *parent, const char *key, json_t *arr, size_t idx)
{
	json_t *v = arr ? json_array_get(arr, idx) : json_object_get(parent, key);
	kd_kz_res *ref;
	const char *name;
	int rc;

	if (!json_is_string(v))
		return 0;
	if ((rc = select_referral(&ref, c, json_string_value(v), c->base, c->nbase, false)) < 0 ||
	    !ref)
		return rc;
	name = kd_kz_name(ref->obj);
	if (!name || strcmp(name, json_string_value(v)) == 0)
		return 0;
	if (arr)
		return json_array_set_new(arr, idx, json_string(name)) < 0
			? kd_error_set(KD_ENOMEM, "out of memory") : 0;
	return kd_kz_set_str(parent, key, name);
}

static int set_mapping(ref_ctx *c, json_t *m)
{
	json_t *name = json_object_get(m, "name");
	json_t *nsv = json_object_get(m, "namespace");
	kd_kz_res **cands = c->base, **own = NULL, *ref;
	size_t n = c->nbase, i;
	const char *old;
	int rc;

	if (!name)
		return kd_error_set(KD_EINVAL, "path config error; no 'name' field in node");
	if (!json_is_string(name))
		return 0;
	old = json_string_value(name);
	if (nsv) {
		/* by the namespace the candidates started in, else their current one */
		const char *ns = json_is_string(nsv) ? json_string_value(nsv) : "";
		int pass;

		if (!(own = malloc((c->nbase ? c->nbase : 1) * sizeof(*own))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (pass = 0, n = 0; pass < 2 && n == 0; pass++)
			for (i = 0; i < c->nbase; i++) {
				kd_kz_res *r = c->base[i];
				const char *rns = pass == 0 ? kd_kz_org_ns(r) : kd_kz_cur_ns(r);

				if (strcmp(rns, KD_KZ_NO_NAMESPACE) != 0 && strcmp(rns, ns) == 0)
					own[n++] = r;
			}
		cands = own;
	}
	rc = select_referral(&ref, c, old, cands, n, true);
	free(own);
	if (rc < 0 || !ref)
		return rc;
	if (kd_kz_name(ref->obj) && strcmp(kd_kz_name(ref->obj), old) == 0 && !kd_kz_ns(ref->obj)[0])
		return 0;
	if (kd_kz_name(ref->obj) && (rc = kd_kz_set_str(m, "name", kd_kz_name(ref->obj))) < 0)
		return rc;
	if (!kd_kz_ns(ref->obj)[0])
		return 0;
	return kd_kz_set_str(m, "namespace", kd_kz_ns(ref->obj));
}

static int set_ref(json_t *parent, const char *key, void *arg)
{
	ref_ctx *c = arg;
	json_t *v = json_object_get(parent, key);
	size_t i;
	int rc;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_object(v))
		return set_mapping(c, v);
	if (!json_is_array(v))
		return set_scalar(c, parent, key, NULL, 0);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);

		if (json_is_null(e))
			continue;
		if (json_is_object(e))
			rc = set_mapping(c, e);
		else if (json_is_array(e))
			rc = kd_error_set(KD_EINVAL, "a name reference must be a string or a mapping");
		else
			rc = set_scalar(c, NULL, NULL, v, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Namespaces of a RoleBinding's ServiceAccount subjects: their objects may
 * be named from it although they live elsewhere. */
static int binding_namespaces(json_t **out, const kd_kz_res *r)
{
	json_t *subjects = json_object_get(r->obj, "subjects");
	size_t i;

	*out = NULL;
	if (strcmp(kd_kz_kind(r->obj), "RoleBinding") != 0 || !json_is_array(subjects))
		return 0;
	for (i = 0; i < json_array_size(subjects); i++) {
		json_t *s = json_array_get(subjects, i);
		json_t *ns = json_object_get(s, "namespace");
		const char *kind = json_string_value(json_object_get(s, "kind"));

		if (!ns || !kind || strcmp(kind, "ServiceAccount") != 0)
			continue;
		if (!json_is_string(ns))
			return kd_error_set(KD_EINVAL, "Invalid Input: namespace is blank for resource "
					    "RoleBinding %s", kd_kz_name(r->obj) ? kd_kz_name(r->obj) : "");
		if ((!*out && !(*out = json_object())) ||
		    json_object_set_new(*out, json_string_value(ns), json_true()) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/* The resources `r` may name: all for a cluster-scoped referrer, else the
 * cluster-scoped ones, those in its namespace and, for a RoleBinding,
 * those in its subjects' namespaces. */
static int could_be_named(ref_ctx *c, kd_kz_res *r)
{
	json_t *bns = NULL;
	size_t i;
	int rc;

	c->nbase = 0;
	if ((rc = binding_namespaces(&bns, r)) < 0)
		return rc;
	for (i = 0; i < c->l->n; i++) {
		kd_kz_res *t = &c->l->v[i];

		if (referrer_cluster_scoped(r) ||
		    kd_kz_cluster_scoped(kd_kz_api_version(t->obj), kd_kz_kind(t->obj)) ||
		    strcmp(kd_kz_cur_ns(t), kd_kz_cur_ns(r)) == 0 ||
		    json_object_get(bns, kd_kz_ns(t->obj)))
			c->base[c->nbase++] = t;
	}
	json_decref(bns);
	return 0;
}

/* Whether r's original id is selected by fs's gvk. */
static bool referrer_selected(const kd_kz_res *r, const kd_kz_fspec *fs)
{
	if (fs->kind[0] && strcmp(fs->kind, kd_kz_org_kind(r)) != 0)
		return false;
	return kd_kz_gvk_matches(r->obj, fs->group, fs->version, "");
}

static int apply_spec(ref_ctx *c, const kd_kz_fspec *fs, bool *ready)
{
	kd_kz_fspec own = *fs;
	int rc;

	if (!referrer_selected(c->referrer, fs))
		return 0;
	if (!*ready) {
		if ((rc = could_be_named(c, c->referrer)) < 0)
			return rc;
		*ready = true;
	}
	/* the filter runs on the referrer whatever its current kind */
	own.group = own.version = own.kind = "";
	c->fs = fs;
	return kd_kz_fs_apply(c->referrer->obj, &own, KD_KZ_CREATE_NONE, set_ref, c);
}

int kd_kz_fix_references(kd_kz_list *l)
{
	kd_kz_backref_view *views = NULL;
	size_t nv, i, v, j;
	ref_ctx c;
	int rc = 0;

	if (l->n == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.base = malloc(l->n * sizeof(*c.base));
	c.scratch = malloc(l->n * sizeof(*c.scratch));
	nv = kd_kz_backrefs(&l->tc, NULL, 0);
	views = calloc(nv ? nv : 1, sizeof(*views));
	if (!c.base || !c.scratch || !views) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	nv = kd_kz_backrefs(&l->tc, views, nv);
	for (i = 0; i < l->n && rc == 0; i++) {
		bool ready = false;

		c.referrer = &l->v[i];
		for (v = 0; v < nv && rc == 0; v++) {
			c.target = &views[v];
			for (j = 0; j < views[v].nbase && rc == 0; j++)
				rc = apply_spec(&c, &views[v].base[j], &ready);
			for (j = 0; views[v].extra && j < views[v].extra->n && rc == 0; j++)
				rc = apply_spec(&c, &views[v].extra->v[j], &ready);
		}
		if (rc < 0 && rc != KD_ENOMEM)
			rc = kd_error_wrap(rc, "updating name references in %s %s: ",
					   kd_kz_kind(c.referrer->obj),
					   kd_kz_name(c.referrer->obj) ? kd_kz_name(c.referrer->obj) : "");
	}
cleanup:
	free(views);
	free(c.base);
	free(c.scratch);
	return rc;
}
