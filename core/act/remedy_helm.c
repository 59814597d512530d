/*
 * remedy_helm — what acting on Helm releases' objects (DESIGN §5, §7) adds
 * to revert and accept.
 *
 *  - A chart's object is reverted like any object; one recreated carries
 *    Helm's ownership metadata (meta.helm.sh/release-name and -namespace,
 *    app.kubernetes.io/managed-by: Helm), without which the next upgrade
 *    would refuse to adopt it.
 *  - A HelmRelease's release fields compare Git with the deployed record:
 *    no patch of the HelmRelease changes the release, so a revert leaves
 *    them to the release's controller and says so.
 *  - Accept refuses both: a chart's object is not written in Git (its
 *    desired state is the chart and its values), and accepting a record's
 *    chart version or values would pin Git to an older release.
 *
 * Never prints, never calls a cluster.
 */
#include "act_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

#define ANN_RELEASE_NAME "meta.helm.sh/release-name"
#define ANN_RELEASE_NAMESPACE "meta.helm.sh/release-namespace"
#define LABEL_MANAGED_BY "app.kubernetes.io/managed-by"

static bool selects(const char *path, const char *const *ptrs, size_t n)
{
	size_t i, l;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++) {
		l = strlen(ptrs[i]);
		if (strcmp(ptrs[i], "") == 0 || strcmp(ptrs[i], "/") == 0 ||
		    (strncmp(path, ptrs[i], l) == 0 && (path[l] == '\0' || path[l] == '/')))
			return true;
	}
	return false;
}

/* The release fields are the last helm_fields fields of the diff. */
static size_t own_fields(const kd_resource *res)
{
	size_t n = res->diff ? res->diff->nfields : 0;

	return res->helm_fields < n ? n - res->helm_fields : 0;
}

bool kd_remedy_helm_selects_release(const kd_resource *res, const char *const *ptrs,
				    size_t n)
{
	size_t i;

	for (i = own_fields(res); res->diff && i < res->diff->nfields; i++)
		if (selects(res->diff->fields[i].path, ptrs, n))
			return true;
	return false;
}

int kd_remedy_helm_behind(kd_buf *out, const kd_resource *res)
{
	return kd_buf_printf(out, "the Helm release %s is behind Git (its record, not the %s, "
			     "holds the older chart version or values): the release's controller "
			     "upgrades it (Flux: flux reconcile helmrelease); kdrift does not run Helm",
			     res->helm_release ? res->helm_release : "?", res->kind);
}

int kd_remedy_helm_view(const kd_resource **res, kd_resource *own, kd_diff_result *diff,
			const char *const *ptrs, size_t n)
{
	const kd_resource *r = *res;
	size_t i, j, nown = own_fields(r);
	kd_buf why = KD_BUF_INIT;

	if (!r->helm_fields || !r->diff)
		return 0;
	for (i = 0; i < n; i++) {
		bool mine = false;

		for (j = 0; j < nown && !mine; j++)
			mine = selects(r->diff->fields[j].path, &ptrs[i], 1);
		if (!mine && kd_remedy_helm_selects_release(r, &ptrs[i], 1)) {
			int rc = kd_remedy_helm_behind(&why, r);

			rc = rc < 0 ? rc : kd_error_set(KD_EUNSUPPORTED, "%s: %s", ptrs[i],
							kd_buf_cstr(&why));
			kd_buf_free(&why);
			return rc;
		}
	}
	if (nown == 0)
		return 1;
	*own = *r;
	*diff = *r->diff;
	diff->nfields = nown;
	own->diff = diff;
	own->helm_fields = 0;
	*res = own;
	return 0;
}

static int set_str(json_t *obj, const char *key, const char *value)
{
	if (json_object_set_new(obj, key, json_string(value)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

static json_t *child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);

	if (json_is_object(c))
		return c;
	if (!(c = json_object()) || json_object_set_new(obj, key, c) < 0)
		return NULL;
	return c;
}

int kd_remedy_helm_metadata(json_t *obj, const kd_resource *res)
{
	const char *slash;
	json_t *meta, *ann, *labels;
	char *ns;
	int rc;

	if (!res->helm_chart || !res->helm_release || !(slash = strchr(res->helm_release, '/')))
		return 0;
	if (!(meta = child(obj, "metadata")) || !(ann = child(meta, "annotations")) ||
	    !(labels = child(meta, "labels")) ||
	    !(ns = strndup(res->helm_release, (size_t)(slash - res->helm_release))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if ((rc = set_str(ann, ANN_RELEASE_NAME, slash + 1)) == 0 &&
	    (rc = set_str(ann, ANN_RELEASE_NAMESPACE, ns)) == 0)
		rc = set_str(labels, LABEL_MANAGED_BY, "Helm");
	free(ns);
	return rc;
}

int kd_act_helm_accept_check(const kd_resource *res, const char *const *ptrs, size_t n)
{
	if (res->helm_chart)
		return kd_error_set(KD_EUNSUPPORTED,
				    "%s %s is made by the chart of Helm release %s: its desired state "
				    "is the chart's templates and values, not a file in Git, so there "
				    "is no layer to accept it into.  The fix belongs in the chart's "
				    "values (spec.values of the HelmRelease, or the chart itself); "
				    "or revert the object to the release", res->kind, res->name,
				    res->helm_release ? res->helm_release : "?");
	if (res->helm_fields && kd_remedy_helm_selects_release(res, ptrs, n))
		return kd_error_set(KD_EUNSUPPORTED,
				    "%s %s: the Helm release %s is behind Git, and accepting its "
				    "record's chart version or values would pin Git to the older "
				    "release.  Change spec.chart.spec.version or spec.values in Git "
				    "yourself, or let the release's controller upgrade it",
				    res->kind, res->name, res->helm_release ? res->helm_release : "?");
	return 0;
}
