/*
 * Tests for core/compare: the classes of cells, their sources, the two
 * outlier rules, masking, --all, values shortened in the middle, explain
 * and topology, over cluster states built here the way the engine
 * publishes them (desired objects shared between clusters that render
 * alike, provenance maps, diffs with their field managers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "compare/compare.h"
#include "data/data.h"
#include "engine/engine.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (!v)
		fail_msg("bad JSON in test: %s (%s)", text, e.text);
	return v;
}

static json_t *deployment(int replicas, const char *image)
{
	json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i, s:{s:{s:[{s:s, s:s}]}}}}",
			      "apiVersion", "apps/v1", "kind", "Deployment",
			      "metadata", "name", "web", "namespace", "web",
			      "spec", "replicas", replicas, "template", "spec", "containers",
			      "name", "web", "image", image);

	assert_non_null(d);
	return d;
}

/* The provenance map of deployment(): one entry per leaf, replicas and
 * image from the files given. */
static json_t *prov_of(const char *replicas_file, int replicas_line, bool accepted)
{
	json_t *p = J("{\"/apiVersion\":[{\"file\":\"base/d.yaml\",\"line\":1,\"step\":\"resource\",\"value\":\"apps/v1\"}],"
		      "\"/kind\":[{\"file\":\"base/d.yaml\",\"line\":2,\"step\":\"resource\",\"value\":\"Deployment\"}],"
		      "\"/metadata/name\":[{\"file\":\"base/d.yaml\",\"line\":4,\"step\":\"resource\",\"value\":\"web\"}],"
		      "\"/metadata/namespace\":[{\"file\":\"kdrift.yaml\",\"line\":9,\"step\":\"app namespace\",\"value\":\"web\"}],"
		      "\"/spec/template/spec/containers/0/name\":[{\"file\":\"base/d.yaml\",\"line\":11,\"step\":\"resource\",\"value\":\"web\"}],"
		      "\"/spec/template/spec/containers/0/image\":[{\"file\":\"base/d.yaml\",\"line\":12,\"step\":\"resource\",\"value\":\"registry.example/web:1.0.0\"}]}");
	json_t *e = json_pack("[{s:s, s:i, s:s, s:i}]", "file", replicas_file, "line", replicas_line,
			      "step", accepted ? "accepted patch" : "patch (strategic merge)", "value", 0);

	if (accepted)
		json_object_set_new(json_array_get(e, 0), "accepted", json_true());
	json_object_set_new(p, "/spec/replicas", e);
	return p;
}

/* A cluster state with one app `web` holding one resource (returned). */
static kd_cluster_state *make_state(const char *name, const char *env, kd_resource **res)
{
	kd_cluster_state *st = kd_cluster_state_new(name);
	kd_app_state *app;

	assert_non_null(st);
	if (env)
		json_object_set_new(st->labels, "env", json_string(env));
	st->reachable = true;
	app = kd_cluster_state_add_app(st, "web");
	assert_non_null(app);
	*res = kd_app_state_add_resource(app, "apps/v1", "Deployment", "web", "web");
	assert_non_null(*res);
	(*res)->status = KD_STATUS_SYNCED;
	return st;
}

/* A diff with one field changed live by `manager`. */
static kd_diff_result *drift(const char *path, json_t *desired, json_t *live, const char *manager)
{
	kd_diff_result *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->status = KD_DIFF_DRIFTED;
	d->fields = calloc(1, sizeof(*d->fields));
	d->nfields = 1;
	d->fields[0].path = strdup(path);
	d->fields[0].live_path = strdup(path);
	d->fields[0].desired = desired;
	d->fields[0].live = live;
	d->fields[0].kind = KD_DIFF_CHANGED;
	d->fields[0].manager = strdup(manager);
	d->fields[0].time = strdup("2026-12-01T10:00:00Z");
	return d;
}

/* The seed's story: replicas 3 in production, 5 in prod-b's own layer, 2
 * in staging; prod-c hot-fixed its image with kubectl set image. */
typedef struct fleet5 {
	kd_cluster_state *st[5];
	kd_resource *r[5];
	json_t *prod, *prodb, *stg;          /* desired objects, shared */
	json_t *pprod, *pprodb, *pstg;       /* their provenance */
} fleet5;

static void fleet5_make(fleet5 *f)
{
	static const char *const names[5] = { "prod-a", "prod-b", "prod-c", "stg-a", "stg-b" };
	size_t i;

	f->prod = deployment(3, "registry.example/web:1.0.0");
	f->prodb = deployment(5, "registry.example/web:1.0.0");
	f->stg = deployment(2, "registry.example/web:1.0.0");
	f->pprod = prov_of("overlays/production/web/replicas.yaml", 6, false);
	f->pprodb = prov_of("clusters/prod-b/web/replicas.yaml", 6, false);
	f->pstg = prov_of("base/d.yaml", 8, false);
	for (i = 0; i < 5; i++) {
		f->st[i] = make_state(names[i], i < 3 ? "production" : "staging", &f->r[i]);
		f->r[i]->desired = json_incref(i == 1 ? f->prodb : i < 3 ? f->prod : f->stg);
		f->r[i]->provenance = json_incref(i == 1 ? f->pprodb : i < 3 ? f->pprod : f->pstg);
		f->r[i]->live = json_incref(f->r[i]->desired);
	}
	f->r[2]->status = KD_STATUS_DRIFTED;
	f->r[2]->diff = drift("/spec/template/spec/containers/0/image",
			      json_string("registry.example/web:1.0.0"),
			      json_string("registry.example/web:1.0.1-hotfix"), "kubectl-set");
}

static void fleet5_free(fleet5 *f)
{
	size_t i;

	for (i = 0; i < 5; i++)
		kd_cluster_state_unref(f->st[i]);
	json_decref(f->prod);
	json_decref(f->prodb);
	json_decref(f->stg);
	json_decref(f->pprod);
	json_decref(f->pprodb);
	json_decref(f->pstg);
}

static kd_buf src_text;

static const char *source(const kd_compare_cell *c)
{
	kd_buf_clear(&src_text);
	assert_int_equal(kd_compare_source(&src_text, c), 0);
	return kd_buf_cstr(&src_text);
}

static void test_seed_story(void **state)
{
	fleet5 f;
	kd_compare *cmp = NULL;
	const kd_compare_row *rep, *img;
	size_t i;

	(void)state;
	fleet5_make(&f);
	assert_int_equal(kd_compare_build(&cmp, f.st, 5, "web", NULL), 0);
	assert_int_equal(cmp->nclusters, 5);
	assert_string_equal(cmp->group_by, "env");
	/* only the fields that differ */
	assert_int_equal(cmp->nrows, 2);
	rep = kd_compare_find(cmp, "Deployment", "web", "web", "/spec/replicas");
	img = kd_compare_find(cmp, "Deployment", "web", "web", "/spec/template/spec/containers/0/image");
	assert_non_null(rep);
	assert_non_null(img);

	/* replicas: Git declares each value, live agrees; prod-b is the odd
	 * one out of production */
	for (i = 0; i < 5; i++) {
		assert_int_equal(rep->cells[i].cls, KD_CLASS_INTENTIONAL);
		assert_true(kd_json_equal(rep->cells[i].desired, rep->cells[i].live));
		assert_int_equal(rep->cells[i].outlier, i == 1);
	}
	assert_int_equal(json_integer_value(rep->cells[1].desired), 5);
	assert_int_equal(json_integer_value(rep->cells[3].desired), 2);
	assert_true(rep->outlier);
	assert_string_equal(source(&rep->cells[0]), "overlays/production/web/replicas.yaml:6");
	assert_string_equal(source(&rep->cells[1]), "clusters/prod-b/web/replicas.yaml:6");
	assert_string_equal(source(&rep->cells[4]), "base/d.yaml:8");

	/* image: the same desired value everywhere, the hotfix live in one
	 * cluster of five */
	for (i = 0; i < 5; i++) {
		assert_string_equal(json_string_value(img->cells[i].desired), "registry.example/web:1.0.0");
		assert_int_equal(img->cells[i].cls, i == 2 ? KD_CLASS_DRIFT : KD_CLASS_INTENTIONAL);
		assert_int_equal(img->cells[i].outlier, i == 2);
		assert_string_equal(source(&img->cells[i]), "base/d.yaml:12");
	}
	assert_string_equal(json_string_value(img->cells[2].live), "registry.example/web:1.0.1-hotfix");
	assert_string_equal(img->cells[2].manager, "kubectl-set");
	assert_string_equal(img->cells[2].time, "2026-12-01T10:00:00Z");
	assert_ptr_equal(img->cells[2].resource, f.r[2]);   /* the face opens its diff */
	assert_null(img->cells[0].manager);
	assert_true(img->outlier);
	kd_compare_free(cmp);

	/* --all adds the fields that agree; grouped by a label no cluster
	 * has, the five are one group holding 3, 5, 3, 2, 2: no value has a
	 * majority, so nobody is the odd one out */
	{
		kd_compare_opts o = { "region", true };

		assert_int_equal(kd_compare_build(&cmp, f.st, 5, "web", &o), 0);
		assert_string_equal(cmp->group_by, "region");
		assert_int_equal(cmp->nrows, 7);
		rep = kd_compare_find(cmp, "Deployment", "web", "web", "/spec/replicas");
		for (i = 0; i < 5; i++)
			assert_false(rep->cells[i].outlier);
		assert_false(rep->outlier);
		assert_false(kd_compare_find(cmp, "Deployment", "web", "web", "/kind")->outlier);
		/* the hotfix is still one live value against four */
		assert_true(kd_compare_find(cmp, "Deployment", "web", "web",
					    "/spec/template/spec/containers/0/image")->cells[2].outlier);
		kd_compare_free(cmp);
	}
	fleet5_free(&f);
}

static void test_json_shape(void **state)
{
	fleet5 f;
	kd_compare *cmp = NULL;
	json_t *doc = NULL, *field, *cell;

	(void)state;
	fleet5_make(&f);
	assert_int_equal(kd_compare_build(&cmp, f.st, 5, "web", NULL), 0);
	assert_int_equal(kd_compare_json(&doc, cmp), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "app")), "web");
	assert_int_equal(json_array_size(json_object_get(doc, "clusters")), 5);
	field = json_array_get(json_object_get(doc, "fields"), 0);
	assert_string_equal(json_string_value(json_object_get(field, "apiVersion")), "apps/v1");
	assert_string_equal(json_string_value(json_object_get(field, "kind")), "Deployment");
	assert_string_equal(json_string_value(json_object_get(field, "namespace")), "web");
	assert_string_equal(json_string_value(json_object_get(field, "name")), "web");
	assert_string_equal(json_string_value(json_object_get(field, "path")), "/spec/replicas");
	assert_true(json_is_true(json_object_get(field, "outlier")));
	cell = json_object_get(json_object_get(field, "cells"), "prod-b");
	assert_int_equal(json_integer_value(json_object_get(cell, "desired")), 5);
	assert_int_equal(json_integer_value(json_object_get(cell, "live")), 5);
	assert_string_equal(json_string_value(json_object_get(cell, "class")), "intentional");
	assert_string_equal(json_string_value(json_object_get(cell, "source")),
			    "clusters/prod-b/web/replicas.yaml:6");
	assert_true(json_is_null(json_object_get(cell, "manager")));
	assert_true(json_is_null(json_object_get(cell, "time")));
	assert_true(json_is_true(json_object_get(cell, "outlier")));
	field = json_array_get(json_object_get(doc, "fields"), 1);
	cell = json_object_get(json_object_get(field, "cells"), "prod-c");
	assert_string_equal(json_string_value(json_object_get(cell, "class")), "drift");
	assert_string_equal(json_string_value(json_object_get(cell, "manager")), "kubectl-set");
	json_decref(doc);
	kd_compare_free(cmp);
	fleet5_free(&f);
}

/* missing, unknown (unreachable cluster, app that did not render),
 * break-glass and accepted cells; unknown ones are never outliers */
static void test_other_classes(void **state)
{
	kd_cluster_state *st[7];
	kd_resource *r[7];
	json_t *d = deployment(3, "img:1"), *p = prov_of("overlays/p/r.yaml", 6, false);
	json_t *pacc = prov_of("clusters/e/web/kdrift-accepted/deployment-web-web.yaml", 9, true);
	kd_compare *cmp = NULL;
	const kd_compare_row *rep, *img;
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		char name[8];

		snprintf(name, sizeof(name), "c%zu", i);
		if (i == 5) {
			/* c5: the app did not render */
			kd_app_state *app;

			st[i] = kd_cluster_state_new(name);
			json_object_set_new(st[i]->labels, "env", json_string("production"));
			app = kd_cluster_state_add_app(st[i], "web");
			app->reason = strdup("kustomize: boom");
			r[i] = NULL;
			continue;
		}
		st[i] = make_state(name, "production", &r[i]);
		r[i]->desired = json_incref(d);
		r[i]->provenance = json_incref(i == 4 ? pacc : p);
		r[i]->live = json_incref(d);
	}
	/* c1: the object is missing live */
	r[1]->status = KD_STATUS_MISSING;
	json_decref(r[1]->live);
	r[1]->live = NULL;
	/* c2: unreachable */
	st[2]->reason = strdup("connection refused");
	st[2]->reachable = false;
	r[2]->status = KD_STATUS_UNKNOWN;
	/* c3: changed under break-glass */
	r[3]->status = KD_STATUS_BREAKGLASS;
	r[3]->diff = drift("/spec/replicas", json_integer(3), json_integer(9), "kdrift-break-glass");
	assert_int_equal(kd_compare_build(&cmp, st, 7, "web", NULL), 0);
	rep = kd_compare_find(cmp, "Deployment", "web", "web", "/spec/replicas");
	img = kd_compare_find(cmp, "Deployment", "web", "web", "/spec/template/spec/containers/0/image");
	assert_non_null(rep);
	assert_non_null(img);
	assert_int_equal(rep->cells[0].cls, KD_CLASS_INTENTIONAL);
	assert_int_equal(rep->cells[1].cls, KD_CLASS_MISSING);
	assert_null(rep->cells[1].live);
	assert_int_equal(rep->cells[2].cls, KD_CLASS_UNKNOWN);
	assert_true(rep->cells[2].rendered);           /* desired is known from Git */
	assert_int_equal(json_integer_value(rep->cells[2].desired), 3);
	assert_null(rep->cells[2].live);
	assert_int_equal(rep->cells[3].cls, KD_CLASS_BREAKGLASS);
	assert_int_equal(json_integer_value(rep->cells[3].live), 9);
	assert_string_equal(rep->cells[3].manager, "kdrift-break-glass");
	assert_int_equal(rep->cells[4].cls, KD_CLASS_ACCEPTED);
	assert_int_equal(rep->cells[5].cls, KD_CLASS_UNKNOWN);
	assert_false(rep->cells[5].rendered);
	assert_null(rep->cells[5].desired);
	/* live, where known: 3, absent, 9, 3, 3 -> absent and 9 are the odd
	 * ones out; the unknown cells are no one's outliers */
	assert_false(rep->cells[0].outlier);
	assert_true(rep->cells[1].outlier);
	assert_false(rep->cells[2].outlier);
	assert_true(rep->cells[3].outlier);
	assert_false(rep->cells[4].outlier);
	assert_false(rep->cells[5].outlier);
	assert_int_equal(img->cells[1].cls, KD_CLASS_MISSING);
	kd_compare_free(cmp);
	for (i = 0; i < 7; i++)
		kd_cluster_state_unref(st[i]);
	json_decref(d);
	json_decref(p);
	json_decref(pacc);
}

/* Secrets: values are masks, stringData is shown under data, and equal
 * values have equal masks. */
static void test_secret_masked(void **state)
{
	kd_cluster_state *st[3];
	kd_resource *r[3];
	json_t *a = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"namespace\":\"web\"},"
		      "\"data\":{\"password\":\"aHVudGVyMg==\"}}");
	json_t *b = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"namespace\":\"web\"},"
		      "\"stringData\":{\"password\":\"hunter2\"}}");
	json_t *c = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"namespace\":\"web\"},"
		      "\"data\":{\"password\":\"b3RoZXI=\"}}");
	json_t *objs[3] = { a, b, c }, *doc = NULL;
	kd_compare *cmp = NULL;
	const kd_compare_row *row;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		kd_app_state *app;

		st[i] = kd_cluster_state_new(i == 0 ? "a" : i == 1 ? "b" : "c");
		app = kd_cluster_state_add_app(st[i], "web");
		r[i] = kd_app_state_add_resource(app, "v1", "Secret", "web", "db");
		r[i]->status = KD_STATUS_SYNCED;
		r[i]->desired = json_incref(objs[i]);
		r[i]->live = json_incref(objs[i]);
	}
	assert_int_equal(kd_compare_build(&cmp, st, 3, "web", NULL), 0);
	assert_int_equal(cmp->nrows, 1);
	row = kd_compare_find(cmp, "Secret", "web", "db", "/data/password");
	assert_non_null(row);
	assert_non_null(strstr(json_string_value(row->cells[0].desired), "<masked:"));
	assert_true(kd_json_equal(row->cells[0].desired, row->cells[1].desired));
	assert_false(kd_json_equal(row->cells[0].desired, row->cells[2].desired));
	assert_int_equal(kd_compare_json(&doc, cmp), 0);
	text = json_dumps(doc, 0);
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "aHVudGVyMg"));
	assert_null(strstr(text, "b3RoZXI"));
	free(text);
	json_decref(doc);
	kd_compare_free(cmp);
	for (i = 0; i < 3; i++)
		kd_cluster_state_unref(st[i]);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* Generated ConfigMaps line up by their name without the content hash. */
static void test_generated_names(void **state)
{
	kd_cluster_state *st[2];
	kd_resource *r[2];
	const char *names[2] = { "cfg-aaaa", "cfg-bbbb" }, *levels[2] = { "warn", "info" };
	kd_compare *cmp = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		kd_app_state *app;

		st[i] = kd_cluster_state_new(i ? "stg" : "prod");
		app = kd_cluster_state_add_app(st[i], "web");
		r[i] = kd_app_state_add_resource(app, "v1", "ConfigMap", "web", names[i]);
		r[i]->status = KD_STATUS_SYNCED;
		r[i]->desired = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1",
					  "kind", "ConfigMap", "metadata", "name", names[i],
					  "namespace", "web", "data", "LOG_LEVEL", levels[i]);
		r[i]->live = json_incref(r[i]->desired);
		r[i]->provenance = json_pack(
			"{s:[{s:s, s:i, s:s, s:s}, {s:s, s:i, s:s, s:s}]}", "/metadata/name",
			"file", "base/k.yaml", "line", 5, "step", "configMapGenerator", "value", "cfg",
			"file", "base/k.yaml", "line", 5, "step", "configMapGenerator (hash suffix)",
			"value", names[i]);
	}
	assert_int_equal(kd_compare_build(&cmp, st, 2, "web", NULL), 0);
	assert_int_equal(cmp->nrows, 2);
	assert_non_null(kd_compare_find(cmp, "ConfigMap", "web", "cfg", "/metadata/name"));
	assert_non_null(kd_compare_find(cmp, "ConfigMap", "web", "cfg", "/data/LOG_LEVEL"));
	kd_compare_free(cmp);
	for (i = 0; i < 2; i++)
		kd_cluster_state_unref(st[i]);
}

static void expect_text(const json_t *v, size_t width, bool ascii, const char *want)
{
	kd_buf b = KD_BUF_INIT;

	assert_int_equal(kd_compare_value_text(&b, v, width, ascii), 0);
	assert_string_equal(kd_buf_cstr(&b), want);
	kd_buf_free(&b);
}

static void test_value_text(void **state)
{
	json_t *img = json_string("registry.example/web:1.0.0");
	json_t *num = json_integer(42), *ctl = json_string("a\x1b[31mb");
	json_t *obj = J("{\"a\":[1,2]}");

	(void)state;
	expect_text(img, 0, false, "registry.example/web:1.0.0");
	expect_text(img, 11, true, "regis~1.0.0");
	expect_text(img, 11, false, "regis\xe2\x80\xa6" "1.0.0");
	expect_text(num, 4, false, "42");
	expect_text(NULL, 0, false, "(absent)");
	expect_text(ctl, 0, false, "a^[[31mb");
	expect_text(obj, 0, false, "{\"a\":[1,2]}");
	assert_string_equal(kd_class_name(KD_CLASS_BREAKGLASS), "break-glass");
	assert_string_equal(kd_class_glyph(KD_CLASS_DRIFT, true), "~");
	assert_string_equal(kd_class_glyph(KD_CLASS_INTENTIONAL, true), "=");
	json_decref(img);
	json_decref(num);
	json_decref(ctl);
	json_decref(obj);
}

static void test_explain(void **state)
{
	json_t *d = deployment(5, "img:1"), *p = J("{\"/spec/replicas\":["
		"{\"file\":\"base/d.yaml\",\"line\":8,\"step\":\"resource\",\"value\":2},"
		"{\"file\":\"overlays/production/web/replicas.yaml\",\"line\":6,\"step\":\"patch (strategic merge)\",\"value\":3},"
		"{\"file\":\"clusters/prod-b/web/replicas.yaml\",\"line\":6,\"step\":\"patch (strategic merge)\",\"value\":5}]}");
	json_t *s = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"},"
		      "\"data\":{\"password\":\"aHVudGVyMg==\"}}");
	json_t *sp = J("{\"/data/password\":[{\"file\":\"s.yaml\",\"line\":6,\"step\":\"resource\","
		       "\"value\":\"aHVudGVyMg==\"}]}");
	json_t *out = NULL;
	kd_buf line = KD_BUF_INIT;
	char *text;

	(void)state;
	assert_int_equal(kd_explain_json(&out, d, p, "/spec/replicas"), 0);
	assert_string_equal(json_string_value(json_object_get(out, "path")), "/spec/replicas");
	assert_int_equal(json_integer_value(json_object_get(out, "value")), 5);
	assert_int_equal(json_array_size(json_object_get(out, "chain")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(out, "chain"), 0),
							      "file")), "base/d.yaml");
	json_decref(out);
	/* a map: every field below it */
	assert_int_equal(kd_explain_json(&out, d, p, "/spec"), 0);
	assert_true(json_is_array(out));
	assert_int_equal(json_array_size(out), 3);
	json_decref(out);
	assert_int_equal(kd_explain_json(&out, d, p, NULL), 0);
	assert_int_equal(json_array_size(out), 7);
	json_decref(out);
	assert_int_equal(kd_explain_json(&out, d, p, "/spec/nope"), KD_ENOTFOUND);
	assert_int_equal(kd_explain_line(&line, d, p, "/spec/replicas", false), 0);
	assert_string_equal(kd_buf_cstr(&line),
			    "replicas: 5 \xe2\x86\x90 clusters/prod-b/web/replicas.yaml:6 (patch (strategic merge))"
			    " \xe2\x86\x90 overlays/production/web/replicas.yaml:6 (patch (strategic merge))"
			    " \xe2\x86\x90 base/d.yaml:8 (resource)");
	kd_buf_clear(&line);
	/* Secret values are masks, in the value and along the chain */
	assert_int_equal(kd_explain_json(&out, s, sp, "/data/password"), 0);
	text = json_dumps(out, 0);
	assert_null(strstr(text, "aHVudGVyMg"));
	assert_non_null(strstr(text, "<masked:"));
	free(text);
	json_decref(out);
	assert_int_equal(kd_explain_line(&line, s, sp, "/data/password", true), 0);
	assert_null(strstr(kd_buf_cstr(&line), "aHVudGVyMg"));
	assert_non_null(strstr(kd_buf_cstr(&line), " <- s.yaml:6 (resource)"));
	kd_buf_free(&line);
	json_decref(d);
	json_decref(p);
	json_decref(s);
	json_decref(sp);
}

static const kd_topology_field *tfield(const kd_topology_app *a, const char *path)
{
	size_t i;

	for (i = 0; i < a->nfields; i++)
		if (strcmp(a->fields[i].path, path) == 0)
			return &a->fields[i];
	fail_msg("no field %s", path);
	return NULL;
}

static void test_topology(void **state)
{
	fleet5 f;
	kd_topology *t = NULL;
	json_t *doc = NULL, *fields;
	const kd_topology_app *a;
	const kd_topology_field *tf;
	size_t i;
	bool per_cluster = false, shared = false;

	(void)state;
	fleet5_make(&f);
	/* a label every cluster's own layer sets to the same value */
	for (i = 0; i < 5; i++) {
		char file[64];
		json_t *e;

		snprintf(file, sizeof(file), "clusters/c%zu/web/kustomization.yaml", i);
		e = json_pack("[{s:s, s:i, s:s, s:s}]", "file", file, "line", 3, "step",
			      "commonLabels", "value", "web");
		/* a fresh desired object per cluster, as per-cluster layers render */
		json_decref(f.r[i]->desired);
		f.r[i]->desired = json_deep_copy(i == 1 ? f.prodb : i < 3 ? f.prod : f.stg);
		json_object_set_new(json_object_get(f.r[i]->desired, "metadata"), "labels",
				    json_pack("{s:s}", "team", "web"));
		json_decref(f.r[i]->provenance);
		f.r[i]->provenance = json_deep_copy(i == 1 ? f.pprodb : i < 3 ? f.pprod : f.pstg);
		json_object_set_new(f.r[i]->provenance, "/metadata/labels/team", e);
	}
	assert_int_equal(kd_topology_build(&t, f.st, 5, NULL, NULL), 0);
	assert_int_equal(t->napps, 1);
	a = &t->apps[0];
	assert_string_equal(a->name, "web");
	assert_int_equal(a->nclusters, 5);
	tf = tfield(a, "/spec/template/spec/containers/0/image");
	assert_int_equal(tf->scope, KD_SCOPE_FLEET);
	assert_int_equal(json_array_size(tf->declared_in), 1);
	tf = tfield(a, "/spec/replicas");
	assert_int_equal(tf->scope, KD_SCOPE_CLUSTER);   /* prod-b differs within production */
	assert_int_equal(json_array_size(tf->declared_in), 3);
	assert_int_equal(json_array_size(tf->values), 3);
	assert_int_equal(tf->value_of[0], tf->value_of[2]);
	assert_int_equal(tf->value_of[3], tf->value_of[4]);
	for (i = 0; i < a->ncontradictions; i++) {
		const kd_contradiction *c = &a->contradictions[i];
		const char *path = a->fields[c->field].path;

		if (c->kind == KD_CONTRA_PER_CLUSTER_EQUAL && strcmp(path, "/metadata/labels/team") == 0) {
			per_cluster = true;
			assert_int_equal(json_array_size(c->files), 5);
		}
		if (c->kind == KD_CONTRA_SHARED_LIVE_DIFFERS &&
		    strcmp(path, "/spec/template/spec/containers/0/image") == 0) {
			shared = true;
			assert_int_equal(json_array_size(c->clusters), 1);
			assert_string_equal(json_string_value(json_array_get(c->clusters, 0)), "prod-c");
		}
	}
	assert_true(per_cluster);
	assert_true(shared);
	assert_int_equal(a->ncontradictions, 2);
	assert_int_equal(kd_topology_json(&doc, t), 0);
	fields = json_object_get(json_array_get(json_object_get(doc, "apps"), 0), "fields");
	assert_true(json_array_size(fields) > 0);
	assert_int_equal(json_array_size(json_object_get(doc, "contradictions")), 2);
	json_decref(doc);
	kd_topology_free(t);

	/* environment scope: grouped by env, replicas without prod-b's
	 * layer would be constant per group; by region (none) one group */
	f.r[1]->desired = (json_decref(f.r[1]->desired), json_deep_copy(f.r[0]->desired));
	json_decref(f.r[1]->provenance);
	f.r[1]->provenance = json_incref(f.r[0]->provenance);
	assert_int_equal(kd_topology_build(&t, f.st, 5, "web", NULL), 0);
	assert_int_equal(tfield(&t->apps[0], "/spec/replicas")->scope, KD_SCOPE_ENVIRONMENT);
	kd_topology_free(t);
	assert_int_equal(kd_topology_build(&t, f.st, 5, "web", "region"), 0);
	assert_int_equal(tfield(&t->apps[0], "/spec/replicas")->scope, KD_SCOPE_CLUSTER);
	kd_topology_free(t);
	assert_int_equal(kd_topology_build(&t, f.st, 5, "nope", NULL), KD_ENOTFOUND);
	fleet5_free(&f);
}

static int teardown(void **state)
{
	(void)state;
	kd_buf_free(&src_text);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_story),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_other_classes),
		cmocka_unit_test(test_secret_masked),
		cmocka_unit_test(test_generated_names),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_topology),
	};

	return cmocka_run_group_tests_name("compare", tests, NULL, teardown);
}
