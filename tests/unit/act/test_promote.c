/*
 * Tests for core/act/accept_promote.c: promoting a cluster's live values
 * into a shared layer (accept --to) in a real Git repository made from
 * tests/fixtures/between/repo (base, production and staging overlays, a
 * layer per cluster; replicas 5 in prod-b's own layer).  What the
 * operator relies on: the clusters whose desired state changes are named
 * with what they will do, the layer must be one the cluster includes, and
 * a closer layer's value is never silently left to win.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "act/act.h"
#include "base/base.h"
#include "data/data.h"
#include "render/render.h"
#include "source/source.h"
#include "git_helpers.h"

#define OVERLAY "overlays/production/web"
#define PATCH_FILE OVERLAY "/kdrift-accepted/deployment-web-web.yaml"
#define IMAGE "/spec/template/spec/containers/0/image"
#define HOTFIX "registry.example/web:1.0.1-hotfix"
#define ADA "Ada Lovelace <ada@example.org>"

typedef struct fx {
	char dir[256];
	char work[300];
	char bare[300];
	char start[41];
	kd_fleet *fleet;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf data = KD_BUF_INIT;
	char path[512];

	git_libgit2_init();
	snprintf(f->dir, sizeof(f->dir), "%s/kd-promote-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->work, sizeof(f->work), "%s/work", f->dir);
	free(th_run(NULL, "cp -r '%s/tests/fixtures/between/repo' '%s'",
		    root ? root : ".", f->work));
	th_init(f->work, false);
	th_commit_all(f->start, f->work, "fleet");
	snprintf(f->bare, sizeof(f->bare), "%s/remote.git", f->dir);
	th_init(f->bare, true);
	th_set_origin(f->work, f->bare);
	free(th_run(NULL, "git -C '%s' push -q origin main 2>&1", f->work));
	snprintf(path, sizeof(path), "%s/kdrift.yaml", f->work);
	assert_int_equal(kd_buf_read_file(&data, path, 0), 0);
	assert_int_equal(kd_fleet_parse(&f->fleet, data.data, data.len, "kdrift.yaml"), 0);
	kd_buf_free(&data);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	th_remove_all(f->dir);
	kd_fleet_free(f->fleet);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* The cluster's Deployment as the app renders it at rev (new). */
static json_t *deployment_at(const fx *f, const char *cluster, const char *rev)
{
	kd_source_opts so = { 0 };
	kd_source *src = NULL;
	json_t *objs = NULL, *o, *found = NULL;
	size_t i;

	so.revision = rev;
	assert_int_equal(kd_source_open(&src, f->work, &so), 0);
	if (kd_render_app(&objs, src, f->fleet, kd_fleet_cluster(f->fleet, cluster),
			  kd_fleet_app(f->fleet, "web")) < 0)
		fail_msg("%s", kd_error_last());
	json_array_foreach(objs, i, o)
		if (strcmp(kd_json_str(o, "kind"), "Deployment") == 0)
			found = json_deep_copy(o);
	assert_non_null(found);
	json_decref(objs);
	kd_source_free(src);
	return found;
}

static void set_at(json_t *obj, const char *pointer, json_t *v)
{
	assert_int_equal(kd_json_pointer_set(obj, pointer, v, false), 0);
}

/* A published state holding one live Deployment of app web. */
typedef struct fake_state {
	kd_cluster_state st;
	kd_app_state app;
	kd_resource res;
} fake_state;

static void fake(fake_state *s, const char *cluster, json_t *live)
{
	memset(s, 0, sizeof(*s));
	s->res.api_version = "apps/v1";
	s->res.kind = "Deployment";
	s->res.namespace = "web";
	s->res.name = "web";
	s->res.live = live;
	s->app.name = "web";
	s->app.resources = &s->res;
	s->app.nresources = 1;
	s->st.name = (char *)cluster;
	s->st.reachable = true;
	s->st.apps = &s->app;
	s->st.napps = 1;
}

static void base_opts(kd_accept_opts *o, const fx *f, const char *cluster,
		      const json_t *desired, const json_t *live, const char *const *fields)
{
	memset(o, 0, sizeof(*o));
	o->repo = f->work;
	o->fleet = f->fleet;
	o->cluster = cluster;
	o->app = "web";
	o->desired = desired;
	o->live = live;
	o->fields = fields;
	o->nfields = 1;
	o->reason = "the hotfix is good everywhere";
	o->identity = ADA;
	o->to = OVERLAY;
}

static const kd_promote_effect *effect(const kd_accept_result *r, const char *cluster)
{
	size_t i;

	for (i = 0; i < r->naffected; i++)
		if (strcmp(r->affected[i].cluster, cluster) == 0)
			return &r->affected[i];
	return NULL;
}

static void test_promote_names_the_clusters_it_changes(void **state)
{
	static const char *const fields[] = { IMAGE };
	fx *f = *state;
	json_t *desired = deployment_at(f, "prod-c", "main");
	json_t *live = json_deep_copy(desired);
	json_t *a_live = deployment_at(f, "prod-a", "main");
	json_t *after;
	fake_state a;
	kd_cluster_state *states[1];
	kd_accept_opts o;
	kd_accept_result *r = NULL;
	char head[41];
	char *msg, *text;

	set_at(live, IMAGE, json_string(HOTFIX));
	fake(&a, "prod-a", a_live);
	states[0] = &a.st;
	base_opts(&o, f, "prod-c", desired, live, fields);
	o.states = states;
	o.nstates = 1;

	/* The preview: the same answer, nothing moved. */
	o.dry_run = true;
	if (kd_accept_run(&r, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(r->naffected, 3);
	assert_string_equal(r->layer, OVERLAY);
	assert_string_equal(r->file, PATCH_FILE);
	th_rev(head, f->work, "main");
	assert_string_equal(head, f->start);
	kd_accept_result_free(r);
	r = NULL;

	o.dry_run = false;
	if (kd_accept_run(&r, &o) < 0)
		fail_msg("%s", kd_error_last());
	/* Fleet order; staging shares no layer that changed. */
	assert_int_equal(r->naffected, 3);
	assert_string_equal(r->affected[0].cluster, "prod-a");
	assert_int_equal(effect(r, "prod-a")->after, KD_PROMOTE_DRIFTS);
	assert_int_equal(effect(r, "prod-b")->after, KD_PROMOTE_UNKNOWN);
	assert_int_equal(effect(r, "prod-c")->after, KD_PROMOTE_SYNCED);
	assert_null(effect(r, "stg-a"));
	assert_true(r->local_updated);
	assert_true(r->pushed);
	th_rev(head, f->bare, "main");
	assert_string_equal(head, r->commit);

	msg = th_run(NULL, "git -C '%s' log -1 --format=%%B main", f->work);
	assert_non_null(strstr(msg, "Promote drift of prod-c into " OVERLAY ": Deployment web/web"));
	assert_non_null(strstr(msg, "Clusters whose desired state changes:\n"
				     "  prod-a: drifts until synced\n"
				     "  prod-b: live state unknown\n"
				     "  prod-c: synced\n"));
	assert_non_null(strstr(msg, "Kdrift-Cluster: prod-c\nKdrift-Layer: " OVERLAY "\n"
				     "Kdrift-Affects: prod-a\nKdrift-Affects: prod-b\n"
				     "Kdrift-Affects: prod-c\n"));
	free(msg);
	text = th_run(NULL, "git -C '%s' show main:" OVERLAY "/kustomization.yaml", f->work);
	assert_non_null(strstr(text, "# production: more replicas, production log level\n"
				      "resources:\n  - ../../../base/web\npatches:\n"
				      "  - path: replicas.yaml\n"
				      "  - path: kdrift-accepted/deployment-web-web.yaml\n"));
	free(text);

	/* Every production cluster renders the hotfix; staging does not. */
	after = deployment_at(f, "prod-b", "main");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(json_object_get(json_object_get(after, "spec"),
			"template"), "spec"), "containers"), 0), "image")), HOTFIX);
	json_decref(after);
	after = deployment_at(f, "stg-a", "main");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(json_object_get(json_object_get(after, "spec"),
			"template"), "spec"), "containers"), 0), "image")), "registry.example/web:1.0.0");
	json_decref(after);

	kd_accept_result_free(r);
	json_decref(desired);
	json_decref(live);
	json_decref(a_live);
}

static int concurrent_done;

/* A colleague pushes an unrelated commit while the promote is verified. */
static void concurrent_push(const char *step, void *arg)
{
	fx *f = arg;
	char other[320];

	if (strcmp(step, "verified") != 0 || concurrent_done++)
		return;
	snprintf(other, sizeof(other), "%s/other", f->dir);
	free(th_run(NULL, "git clone -q '%s' '%s' 2>&1", f->bare, other));
	th_write(other, "NOTES.md", "colleague was here\n");
	free(th_run(NULL, "cd '%s' && git add NOTES.md && git commit -qm 'Colleague change' && "
		    "git push -q origin main 2>&1", other));
}

static void test_promote_redoes_after_concurrent_push(void **state)
{
	static const char *const fields[] = { IMAGE };
	fx *f = *state;
	json_t *desired = deployment_at(f, "prod-c", "main");
	json_t *live = json_deep_copy(desired);
	kd_accept_opts o;
	kd_accept_result *r = NULL;
	char *out;

	set_at(live, IMAGE, json_string(HOTFIX));
	base_opts(&o, f, "prod-c", desired, live, fields);
	o.step_hook = concurrent_push;
	o.step_arg = f;
	concurrent_done = 0;
	if (kd_accept_run(&r, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(r->attempts, 2);
	assert_true(r->pushed);
	assert_int_equal(r->naffected, 3);
	out = th_run(NULL, "git -C '%s' log --format=%%s main", f->bare);
	assert_string_equal(out, "Promote drift of prod-c into " OVERLAY ": Deployment web/web "
			    "spec.template.spec.containers[web].image\nColleague change\nfleet\n");
	free(out);
	out = th_run(NULL, "git -C '%s' log -1 --format=%%B main", f->bare);
	assert_non_null(strstr(out, "  prod-c: synced\n"));
	free(out);
	kd_accept_result_free(r);
	json_decref(desired);
	json_decref(live);
}

static void test_promote_refuses_a_layer_the_cluster_lacks(void **state)
{
	static const char *const fields[] = { IMAGE };
	fx *f = *state;
	json_t *desired = deployment_at(f, "prod-c", "main");
	json_t *live = json_deep_copy(desired);
	kd_accept_opts o;
	kd_accept_result *r = NULL;
	char head[41];

	set_at(live, IMAGE, json_string(HOTFIX));
	base_opts(&o, f, "prod-c", desired, live, fields);
	o.to = "overlays/staging/web";
	assert_int_equal(kd_accept_run(&r, &o), KD_EINVAL);
	assert_null(r);
	assert_non_null(strstr(kd_error_last(), "does not include overlays/staging/web"));
	assert_non_null(strstr(kd_error_last(), "clusters/prod-c/web, overlays/production/web, base/web"));
	o.to = "../outside";
	assert_int_equal(kd_accept_run(&r, &o), KD_EPATH);
	th_rev(head, f->work, "main");
	assert_string_equal(head, f->start);
	json_decref(desired);
	json_decref(live);
}

static void test_promote_refuses_what_a_closer_layer_overrides(void **state)
{
	static const char *const fields[] = { "/spec/replicas" };
	fx *f = *state;
	json_t *desired = deployment_at(f, "prod-b", "main");
	json_t *live = json_deep_copy(desired);
	kd_accept_opts o;
	kd_accept_result *r = NULL;
	char head[41];

	set_at(live, "/spec/replicas", json_integer(7));
	base_opts(&o, f, "prod-b", desired, live, fields);
	assert_int_equal(kd_accept_run(&r, &o), KD_EINVAL);
	assert_null(r);
	assert_non_null(strstr(kd_error_last(), "clusters/prod-b/web/replicas.yaml:6"));
	assert_non_null(strstr(kd_error_last(), "closer to cluster prod-b than " OVERLAY));
	o.dry_run = true;
	assert_int_equal(kd_accept_run(&r, &o), KD_EINVAL);
	th_rev(head, f->work, "main");
	assert_string_equal(head, f->start);
	/* Into the base the same value is still overridden, by the same file. */
	o.dry_run = false;
	o.to = "base/web";
	assert_int_equal(kd_accept_run(&r, &o), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "clusters/prod-b/web/replicas.yaml:6"));
	json_decref(desired);
	json_decref(live);
}

static void test_promote_takes_fields_only(void **state)
{
	fx *f = *state;
	json_t *desired = deployment_at(f, "prod-c", "main");
	kd_accept_opts o;
	kd_accept_result *r = NULL;

	base_opts(&o, f, "prod-c", desired, NULL, NULL);
	o.nfields = 0;
	assert_int_equal(kd_accept_run(&r, &o), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "only drifted fields can be promoted"));
	json_decref(desired);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_promote_names_the_clusters_it_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_redoes_after_concurrent_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_refuses_a_layer_the_cluster_lacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_refuses_what_a_closer_layer_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_takes_fields_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
