/*
 * Tests for core/render/helm.c and helm_semver.c: release records in the
 * formats Helm's secrets and configmaps drivers write (tests/fixtures/helm,
 * made by tests/tools/helm_record.py), broken ones, the manifest's objects,
 * Flux's and Argo CD's release names, Git compared with a record, and the
 * semver constraints Flux reads chart versions with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "data/data.h"
#include "diff/diff.h"
#include "render/render.h"

static json_t *fixture(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf path = KD_BUF_INIT, data = KD_BUF_INIT;
	json_t *v = NULL;

	assert_int_equal(kd_buf_printf(&path, "%s/tests/fixtures/helm/%s",
				       root && *root ? root : ".", name), 0);
	assert_int_equal(kd_buf_read_file(&data, kd_buf_cstr(&path), 0), 0);
	if (kd_yaml_parse_one(&v, NULL, kd_buf_cstr(&data), data.len, name, NULL) != 0)
		fail_msg("%s", kd_error_last());
	kd_buf_free(&path);
	kd_buf_free(&data);
	return v;
}

static json_t *yaml(const char *text)
{
	json_t *v = NULL;

	if (kd_yaml_parse_one(&v, NULL, text, strlen(text), "test", NULL) != 0)
		fail_msg("%s", kd_error_last());
	return v;
}

static const char *str_at(const json_t *obj, const char *pointer)
{
	json_t *v = NULL;

	if (kd_json_pointer_get(&v, obj, pointer) != 0)
		return NULL;
	return json_string_value(v);
}

/* ---- records ---------------------------------------------------------------- */

static void test_secret_record(void **state)
{
	json_t *rec = fixture("record-secret.json"), *rel = NULL, *values = fixture("values.yaml");

	(void)state;
	/* the Secret's data is base64 of the driver's text, itself base64 of gzip */
	assert_null(strchr(str_at(rec, "/data/release"), '{'));
	if (kd_helm_record_decode(&rel, rec) != 0)
		fail_msg("%s", kd_error_last());
	assert_string_equal(str_at(rel, "/name"), "edge");
	assert_string_equal(str_at(rel, "/namespace"), "ingress");
	assert_int_equal(json_integer_value(json_object_get(rel, "version")), 3);
	assert_string_equal(str_at(rel, "/chart/metadata/name"), "edge-router");
	assert_string_equal(str_at(rel, "/chart/metadata/version"), "1.4.2");
	assert_string_equal(str_at(rel, "/info/status"), "deployed");
	assert_string_equal(str_at(rel, "/info/last_deployed"), "2026-01-05T10:00:00.000000000Z");
	assert_true(kd_json_equal(json_object_get(rel, "config"), values));
	assert_non_null(strstr(str_at(rel, "/manifest"), "# Source: edge-router/templates/"));
	/* what kdrift never reads is not kept */
	assert_null(json_object_get(json_object_get(rel, "chart"), "templates"));
	assert_null(json_object_get(rel, "hooks"));
	json_decref(rel);
	json_decref(rec);
	json_decref(values);
}

static void test_configmap_and_uncompressed_records(void **state)
{
	json_t *rec = fixture("record-configmap.json"), *rel = NULL;

	(void)state;
	if (kd_helm_record_decode(&rel, rec) != 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(json_integer_value(json_object_get(rel, "version")), 2);
	assert_string_equal(str_at(rel, "/chart/metadata/version"), "1.4.2");
	json_decref(rel);
	json_decref(rec);
	/* written before Helm compressed records: read as it is */
	rec = fixture("record-uncompressed.json");
	if (kd_helm_record_decode(&rel, rec) != 0)
		fail_msg("%s", kd_error_last());
	assert_string_equal(str_at(rel, "/name"), "edge");
	json_decref(rel);
	json_decref(rec);
}

static void broken(const char *file, int code, const char *words)
{
	json_t *rec = fixture(file), *rel = NULL;

	assert_int_equal(kd_helm_record_decode(&rel, rec), code);
	assert_null(rel);
	/* the message names the record, then what is wrong with it */
	assert_non_null(strstr(kd_error_last(), "Helm release record Secret ingress/sh.helm.release.v1.edge.v3: "));
	if (!strstr(kd_error_last(), words))
		fail_msg("'%s' does not say '%s'", kd_error_last(), words);
	json_decref(rec);
}

static void test_broken_records(void **state)
{
	json_t *rec, *rel = NULL;

	(void)state;
	broken("record-truncated.json", KD_EINVAL, "gzip: the data ends early");
	broken("record-corrupt.json", KD_EINVAL, "gzip: ");
	broken("record-not-base64.json", KD_EINVAL, "not base64");
	broken("record-not-json.json", KD_EINVAL, "not JSON");
	/* not a record at all */
	rec = yaml("{apiVersion: v1, kind: Service, metadata: {name: x}}");
	assert_int_equal(kd_helm_record_decode(&rel, rec), KD_EINVAL);
	json_decref(rec);
	rec = yaml("{apiVersion: v1, kind: Secret, metadata: {name: x, namespace: n}, data: {other: eA==}}");
	assert_int_equal(kd_helm_record_decode(&rel, rec), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "no data.release"));
	json_decref(rec);
	/* Secret bytes the API server would never serve */
	rec = yaml("{apiVersion: v1, kind: Secret, metadata: {name: x, namespace: n}, data: {release: 'a b'}}");
	assert_int_equal(kd_helm_record_decode(&rel, rec), KD_EINVAL);
	json_decref(rec);
}

static void test_release_text_decode(void **state)
{
	json_t *rel = NULL;

	(void)state;
	/* base64 of plain JSON (no gzip magic) */
	assert_int_equal(kd_helm_release_decode(&rel, "eyJuYW1lIjoiYSJ9", 16), 0);
	assert_string_equal(str_at(rel, "/name"), "a");
	json_decref(rel);
	/* JSON that is not an object */
	assert_int_equal(kd_helm_release_decode(&rel, "WzFd", 4), KD_EINVAL);
	assert_null(rel);
	assert_int_equal(kd_helm_release_decode(&rel, "", 0), KD_EINVAL);
}

static json_t *record_stub(const char *kind, const char *name, const char *status,
			   const char *version)
{
	json_t *r = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}}}", "apiVersion", "v1",
			      "kind", kind, "metadata", "name", "x", "labels", "owner", "helm",
			      "status", status, "name", name);
	kd_buf key = KD_BUF_INIT;

	kd_buf_printf(&key, "sh.helm.release.v1.%s.v%s", name, version);
	json_object_set_new(json_object_get(r, "metadata"), "name", json_string(kd_buf_cstr(&key)));
	json_object_set_new(json_object_get(json_object_get(r, "metadata"), "labels"), "version",
			    json_string(version));
	kd_buf_free(&key);
	return r;
}

static void test_record_find(void **state)
{
	json_t *recs = json_array(), *other;
	const json_t *r;

	(void)state;
	json_array_append_new(recs, record_stub("Secret", "edge", "deployed", "3"));
	json_array_append_new(recs, record_stub("Secret", "edge", "deployed", "12"));
	json_array_append_new(recs, record_stub("Secret", "edge", "superseded", "13"));
	json_array_append_new(recs, record_stub("ConfigMap", "edge", "deployed", "12"));
	json_array_append_new(recs, record_stub("Secret", "edge-canary", "deployed", "40"));
	json_array_append_new(recs, record_stub("Service", "edge", "deployed", "50"));
	/* a version compared as a number (12 > 3), the deployed one only, a
	 * Secret before a ConfigMap of the same version, the name exact */
	r = kd_helm_record_find(recs, "edge");
	assert_non_null(r);
	assert_string_equal(str_at(r, "/metadata/name"), "sh.helm.release.v1.edge.v12");
	assert_string_equal(str_at(r, "/kind"), "Secret");
	assert_null(kd_helm_record_find(recs, "edg"));
	assert_null(kd_helm_record_find(recs, "missing"));
	/* without labels, the object's name tells the release and revision */
	other = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s}}}", "apiVersion", "v1", "kind", "ConfigMap",
			  "metadata", "name", "sh.helm.release.v1.my.app.v7", "labels",
			  "owner", "helm", "status", "deployed");
	json_array_append_new(recs, other);
	r = kd_helm_record_find(recs, "my.app");
	assert_non_null(r);
	assert_string_equal(str_at(r, "/metadata/name"), "sh.helm.release.v1.my.app.v7");
	json_decref(recs);
}

/* ---- the manifest ---------------------------------------------------------- */

/* A cluster whose discovery says the opposite of the built-in table for
 * two kinds. */
static bool upside_down(void *ctx, const char *api_version, const char *kind)
{
	(void)api_version;
	(*(int *)ctx)++;
	return strcmp(kind, "ServiceAccount") != 0;
}

static void test_manifest_objects(void **state)
{
	json_t *rec = fixture("record-secret.json"), *rel = NULL, *objs = NULL, *o;
	int asked = 0;
	size_t i;

	(void)state;
	assert_int_equal(kd_helm_record_decode(&rel, rec), 0);
	if (kd_helm_manifest_objects(&objs, rel, "ingress", NULL, NULL) != 0)
		fail_msg("%s", kd_error_last());
	/* manifest order, the List's items in its place */
	assert_int_equal(json_array_size(objs), 5);
	assert_string_equal(str_at(json_array_get(objs, 0), "/kind"), "ServiceAccount");
	assert_string_equal(str_at(json_array_get(objs, 3), "/kind"), "Deployment");
	assert_string_equal(str_at(json_array_get(objs, 4), "/kind"), "Service");
	/* namespaced kinds go to the release namespace unless they name one;
	 * cluster-scoped kinds stay without */
	assert_string_equal(str_at(json_array_get(objs, 0), "/metadata/namespace"), "ingress");
	assert_string_equal(str_at(json_array_get(objs, 3), "/metadata/namespace"), "ingress");
	assert_string_equal(str_at(json_array_get(objs, 4), "/metadata/namespace"), "edge-public");
	assert_null(str_at(json_array_get(objs, 2), "/metadata/namespace"));
	json_array_foreach(objs, i, o)
		assert_null(str_at(o, "/metadata/annotations/meta.helm.sh~1release-name"));
	json_decref(objs);
	/* discovery's word wins over the built-in table */
	assert_int_equal(kd_helm_manifest_objects(&objs, rel, "ingress", upside_down, &asked), 0);
	assert_true(asked >= 4);
	assert_string_equal(str_at(json_array_get(objs, 2), "/metadata/namespace"), "ingress");
	assert_null(str_at(json_array_get(objs, 0), "/metadata/namespace"));
	json_decref(objs);
	json_decref(rel);
	json_decref(rec);

	/* a release without a manifest has no objects; a broken one is named */
	rel = yaml("{name: empty}");
	assert_int_equal(kd_helm_manifest_objects(&objs, rel, "x", NULL, NULL), 0);
	assert_int_equal(json_array_size(objs), 0);
	json_decref(objs);
	json_decref(rel);
	rel = yaml("{name: bad, manifest: \"a: [\"}");
	assert_int_equal(kd_helm_manifest_objects(&objs, rel, "x", NULL, NULL), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "release x/bad manifest"));
	json_decref(rel);
}

/* ---- names ------------------------------------------------------------------------ */

static void test_short_name(void **state)
{
	char *s = NULL;

	(void)state;
	/* helm-controller's own examples */
	assert_int_equal(kd_helm_short_name(&s, "release-name"), 0);
	assert_string_equal(s, "release-name");
	free(s);
	assert_int_equal(kd_helm_short_name(&s, "release-name-with-very-long-name-which-is-longer-than-53-characters"), 0);
	assert_string_equal(s, "release-name-with-very-long-name-which-i-788ca0d0d7b0");
	free(s);
	assert_int_equal(kd_helm_short_name(&s, "another-release-name-with-very-long-name-which-is-longer-than-53-characters"), 0);
	assert_string_equal(s, "another-release-name-with-very-long-name-7e72150d5a36");
	free(s);
	/* 53 stays */
	assert_int_equal(kd_helm_short_name(&s, "12345678901234567890123456789012345678901234567890123"), 0);
	assert_int_equal(strlen(s), 53);
	assert_string_equal(s, "12345678901234567890123456789012345678901234567890123");
	free(s);
}

static void test_flux_release_names(void **state)
{
	kd_helm_release r;
	json_t *o;

	(void)state;
	o = yaml("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
		 "metadata: {name: edge, namespace: flux-system}\n"
		 "spec:\n  chart: {spec: {chart: edge-router, version: '1.4.x', sourceRef: {kind: HelmRepository, name: r}}}\n"
		 "  values: {replicaCount: 2}\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_string_equal(r.name, "edge");
	assert_string_equal(r.namespace, "flux-system");
	assert_string_equal(r.storage_namespace, "flux-system");
	assert_string_equal(r.chart, "edge-router");
	assert_string_equal(r.version, "1.4.x");
	assert_string_equal(r.version_path, "/spec/chart/spec/version");
	assert_string_equal(r.values_path, "/spec/values");
	assert_int_equal(json_integer_value(json_object_get(r.values, "replicaCount")), 2);
	assert_false(r.values_from);
	kd_helm_release_clear(&r);
	json_decref(o);

	/* targetNamespace: "[targetNamespace-]name" and the objects there;
	 * storageNamespace moves only the records; valuesFrom a Secret */
	o = yaml("apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\n"
		 "metadata: {name: edge, namespace: flux-system}\n"
		 "spec:\n  targetNamespace: ingress\n  storageNamespace: helm-records\n"
		 "  chart: {spec: {chart: ./charts/edge, sourceRef: {kind: GitRepository, name: r}}}\n"
		 "  valuesFrom: [{kind: ConfigMap, name: a}, {kind: Secret, name: b}]\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_string_equal(r.name, "ingress-edge");
	assert_string_equal(r.namespace, "ingress");
	assert_string_equal(r.storage_namespace, "helm-records");
	assert_null(r.chart);        /* a path in Git names no chart to compare */
	assert_null(r.version);
	assert_true(r.values_from);
	assert_true(r.secret_values);
	kd_helm_release_clear(&r);
	json_decref(o);

	/* releaseName wins, and is shortened as the controller does */
	o = yaml("apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\n"
		 "metadata: {name: edge, namespace: apps}\n"
		 "spec:\n  targetNamespace: ingress\n"
		 "  releaseName: release-name-with-very-long-name-which-is-longer-than-53-characters\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_string_equal(r.name, "release-name-with-very-long-name-which-i-788ca0d0d7b0");
	assert_string_equal(r.namespace, "ingress");
	assert_string_equal(r.storage_namespace, "apps");
	kd_helm_release_clear(&r);
	json_decref(o);

	/* not a release: another kind, another group version, an Application
	 * of a Git directory */
	o = yaml("{apiVersion: helm.toolkit.fluxcd.io/v1, kind: HelmRelease, metadata: {name: a}}");
	assert_int_equal(kd_helm_release_of(&r, o), 0);
	json_decref(o);
	o = yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}");
	assert_int_equal(kd_helm_release_of(&r, o), 0);
	json_decref(o);
	o = yaml("{apiVersion: argoproj.io/v1alpha1, kind: Application, metadata: {name: a},"
		 " spec: {source: {repoURL: r, path: apps/a}, destination: {namespace: a}}}");
	assert_int_equal(kd_helm_release_of(&r, o), 0);
	json_decref(o);
	o = yaml("{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, metadata: {namespace: a}}");
	assert_int_equal(kd_helm_release_of(&r, o), KD_EINVAL);
	json_decref(o);
}

static void test_argo_release_names(void **state)
{
	kd_helm_release r;
	json_t *o;

	(void)state;
	o = yaml("apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
		 "metadata: {name: edge, namespace: argocd}\n"
		 "spec:\n  destination: {server: 'https://kubernetes.default.svc', namespace: ingress}\n"
		 "  source:\n    repoURL: https://charts.example.com\n    chart: edge-router\n"
		 "    targetRevision: 1.4.2\n    helm:\n      releaseName: edge-public\n"
		 "      values: |\n        replicaCount: 3\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_string_equal(r.name, "edge-public");
	assert_string_equal(r.namespace, "ingress");
	assert_string_equal(r.storage_namespace, "ingress");
	assert_string_equal(r.chart, "edge-router");
	assert_string_equal(r.version, "1.4.2");
	assert_string_equal(r.version_path, "/spec/source/targetRevision");
	assert_string_equal(r.values_path, "/spec/source/helm/values");
	assert_int_equal(json_integer_value(json_object_get(r.values, "replicaCount")), 3);
	kd_helm_release_clear(&r);
	json_decref(o);

	/* the one chart of several sources; a chart in Git has no chart version */
	o = yaml("apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
		 "metadata: {name: edge, namespace: argocd}\n"
		 "spec:\n  destination: {namespace: ingress}\n  sources:\n"
		 "  - {repoURL: https://git.example.com/values, ref: values}\n"
		 "  - {repoURL: https://git.example.com/charts, path: charts/edge,"
		 " helm: {valuesObject: {a: 1}, valueFiles: [$values/edge.yaml]}}\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_string_equal(r.name, "edge");
	assert_null(r.version);
	assert_null(r.version_path);
	assert_string_equal(r.values_path, "/spec/sources/1/helm/valuesObject");
	assert_true(r.values_from);
	kd_helm_release_clear(&r);
	json_decref(o);
}

/* ---- Git against the record -------------------------------------------------- */

static const kd_diff_field *field(const kd_diff_result *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].path, path) == 0)
			return &d->fields[i];
	return NULL;
}

static void test_compare(void **state)
{
	json_t *rec = fixture("record-secret.json"), *rel = NULL, *o;
	kd_diff_result *d = NULL;
	const kd_diff_field *f;
	kd_helm_release r;

	(void)state;
	assert_int_equal(kd_helm_record_decode(&rel, rec), 0);
	/* Git as deployed: nothing */
	o = yaml("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: edge, namespace: ingress}\n"
		 "spec:\n  chart: {spec: {chart: edge-router, version: '>=1.4.0 <1.5.0'}}\n"
		 "  values: {replicaCount: 2, controller: {logLevel: info, proxyBodySize: 8m},"
		 " service: {type: ClusterIP}}\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_int_equal(kd_helm_compare(&d, &r, rel), 0);
	assert_int_equal(d->status, KD_DIFF_SYNCED);
	assert_int_equal(d->nfields, 0);
	kd_diff_result_free(d);
	kd_helm_release_clear(&r);
	json_decref(o);

	/* Git ahead: a newer version, changed, new and dropped values */
	o = yaml("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: edge, namespace: ingress}\n"
		 "spec:\n  chart: {spec: {chart: edge-router, version: 1.5.0}}\n"
		 "  values: {replicaCount: 3, controller: {logLevel: info, extra: {a~b/c: true}},"
		 " service: {type: ClusterIP, annotations: {}}}\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_int_equal(kd_helm_compare(&d, &r, rel), 0);
	assert_int_equal(d->status, KD_DIFF_DRIFTED);
	assert_int_equal(d->nfields, 4);
	f = field(d, "/spec/chart/spec/version");
	assert_non_null(f);
	assert_int_equal(f->kind, KD_DIFF_CHANGED);
	assert_string_equal(json_string_value(f->desired), "1.5.0");
	assert_string_equal(json_string_value(f->live), "1.4.2");
	assert_string_equal(f->manager, "helm");
	assert_string_equal(f->time, "2026-01-05T10:00:00.000000000Z");
	assert_null(f->live_path);
	{
		/* no line of the live HelmRelease shows the record's value: the
		 * field's own line says both */
		kd_buf line = KD_BUF_INIT;

		assert_int_equal(kd_diff_field_describe(&line, f), 0);
		assert_string_equal(kd_buf_cstr(&line), "/spec/chart/spec/version: \"1.5.0\" -> "
				    "\"1.4.2\" changed by helm (Update, 2026-01-05T10:00:00.000000000Z)");
		kd_buf_free(&line);
	}
	f = field(d, "/spec/values/replicaCount");
	assert_non_null(f);
	assert_int_equal(json_integer_value(f->live), 2);
	f = field(d, "/spec/values/controller/extra/a~0b~1c");
	assert_non_null(f);
	assert_int_equal(f->kind, KD_DIFF_REMOVED);
	f = field(d, "/spec/values/controller/proxyBodySize");
	assert_non_null(f);
	assert_int_equal(f->kind, KD_DIFF_ADDED);
	assert_string_equal(json_string_value(f->live), "8m");
	assert_null(field(d, "/spec/values/service/annotations"));   /* {} equals absent */
	kd_diff_result_free(d);
	kd_helm_release_clear(&r);
	json_decref(o);

	/* another chart; values partly from a Secret: only Git's keys count,
	 * and the record's values are masked */
	o = yaml("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: edge, namespace: ingress}\n"
		 "spec:\n  chart: {spec: {chart: other-router}}\n"
		 "  valuesFrom: [{kind: Secret, name: s}]\n  values: {replicaCount: 5}\n");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_int_equal(kd_helm_compare(&d, &r, rel), 0);
	assert_int_equal(d->nfields, 2);
	assert_non_null(field(d, "/spec/chart/spec/chart"));
	f = field(d, "/spec/values/replicaCount");
	assert_non_null(f);
	assert_non_null(strstr(json_string_value(f->live), "<masked:"));
	assert_int_equal(json_integer_value(f->desired), 5);
	kd_diff_result_free(d);
	kd_helm_release_clear(&r);
	json_decref(o);

	/* no values in Git: every value the record has is drift */
	o = yaml("{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, metadata: {name: edge},"
		 " spec: {chart: {spec: {chart: edge-router, version: '*'}}}}");
	assert_int_equal(kd_helm_release_of(&r, o), 1);
	assert_int_equal(kd_helm_compare(&d, &r, rel), 0);
	assert_int_equal(d->nfields, 4);
	assert_non_null(field(d, "/spec/values/service/type"));
	kd_diff_result_free(d);
	kd_helm_release_clear(&r);
	json_decref(o);
	json_decref(rel);
	json_decref(rec);
}

/* ---- semver -------------------------------------------------------------------------- */

static void matches(const char *constraint, const char *version, bool want)
{
	bool got = !want;

	if (kd_helm_version_matches(&got, constraint, version) != 0)
		fail_msg("'%s' / '%s': %s", constraint, version, kd_error_last());
	if (got != want)
		fail_msg("'%s' %s '%s'", version, want ? "should satisfy" : "should not satisfy", constraint);
}

static void test_semver(void **state)
{
	bool b;

	(void)state;
	matches("1.4.2", "1.4.2", true);
	matches("v1.4.2", "1.4.2", true);
	matches("1.4.2", "v1.4.2", true);
	matches("=1.4.2", "1.4.3", false);
	matches("1.4.2", "1.4.2+build.7", true);
	matches("*", "1.4.2", true);
	matches("*", "1.5.0-rc.1", false);
	matches("1.4.x", "1.4.9", true);
	matches("1.4.x", "1.5.0", false);
	matches("1.4", "1.4.7", true);
	matches("1", "1.9.0", true);
	matches("1", "2.0.0", false);
	matches(">=1.4.0 <1.5.0", "1.4.99", true);
	matches(">=1.4.0, <1.5.0", "1.5.0", false);
	matches(">= 1.4.0", "2.0.0", true);
	matches(">1.4", "1.4.9", false);
	matches(">1.4", "1.5.0", true);
	matches(">1", "1.9.9", false);
	matches("<=1.4", "1.4.9", true);
	matches("<=1.4", "1.5.0", false);
	matches("<2.0.0", "1.99.0", true);
	matches("!=1.4.2", "1.4.2", false);
	matches("!=1.4.2", "1.4.3", true);
	matches("!=1.4.x", "1.4.3", false);
	matches("!=1.4.x", "1.5.0", true);
	matches("~1.4.1", "1.4.9", true);
	matches("~1.4.1", "1.5.0", false);
	matches("~1.4.1", "1.4.0", false);
	matches("~1", "1.9.0", true);
	matches("~>1.4", "1.4.2", true);
	matches("^1.4.1", "1.9.0", true);
	matches("^1.4.1", "2.0.0", false);
	matches("^0.4.1", "0.4.9", true);
	matches("^0.4.1", "0.5.0", false);
	matches("^0.0.3", "0.0.3", true);
	matches("^0.0.3", "0.0.4", false);
	matches("1.2 - 1.4.5", "1.4.5", true);
	matches("1.2 - 1.4.5", "1.4.6", false);
	matches("1.2 - 1.4.5", "1.1.9", false);
	matches("1.3.x || >=2.1", "1.3.4", true);
	matches("1.3.x || >=2.1", "2.0.0", false);
	matches("1.3.x || >=2.1", "2.1.0", true);
	/* pre-releases: only where the comparator names one; ordered by semver */
	matches(">=1.0.0-rc.1", "1.0.0-rc.2", true);
	matches(">=1.0.0-rc.10", "1.0.0-rc.9", false);
	matches(">=1.0.0-alpha", "1.0.0-alpha.1", true);
	matches("<1.0.0-beta", "1.0.0-alpha.9", true);
	matches("<1.0.0", "1.0.0-rc.1", false);
	matches("1.0.0-rc.1", "1.0.0-rc.1", true);
	/* nonsense is an error, not a match */
	assert_int_equal(kd_helm_version_matches(&b, ">=one", "1.0.0"), KD_EINVAL);
	assert_int_equal(kd_helm_version_matches(&b, "1.0.0", "latest"), KD_EINVAL);
	assert_int_equal(kd_helm_version_matches(&b, "", "1.0.0"), KD_EINVAL);
	assert_int_equal(kd_helm_version_matches(&b, "1.0 ||", "1.0.0"), KD_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_record),
		cmocka_unit_test(test_configmap_and_uncompressed_records),
		cmocka_unit_test(test_broken_records),
		cmocka_unit_test(test_release_text_decode),
		cmocka_unit_test(test_record_find),
		cmocka_unit_test(test_manifest_objects),
		cmocka_unit_test(test_short_name),
		cmocka_unit_test(test_flux_release_names),
		cmocka_unit_test(test_argo_release_names),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_semver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
