/*
 * Tests for core/accept*.c: accepting drift into a cluster's own layer in
 * real Git repositories (made with libgit2, checked with the `git`
 * command), pushed to a bare remote, re-rendered to prove the accepted
 * fields now equal live.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "act/act.h"
#include "base/base.h"
#include "data/data.h"
#include "render/render.h"
#include "source/source.h"
#include "git_helpers.h"

#define LAYER "clusters/us-east-prod-1/web"
#define PATCH_FILE LAYER "/kdrift-accepted/deployment-web-api.yaml"
#define ADA "Ada Lovelace <ada@example.org>"

typedef struct fx {
	char dir[256];
	char work[300];
	char bare[300];
	char start[41];     /* main before the test */
	kd_fleet *fleet;
	json_t *rendered;   /* the layer rendered at start */
} fx;

static const json_t *find(const json_t *objs, const char *kind, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o)
		if (strcmp(kd_json_str(o, "kind"), kind) == 0 &&
		    strcmp(kd_json_str(json_object_get(o, "metadata"), "name"), name) == 0)
			return o;
	return NULL;
}

/* The cluster layer rendered (natively) at a revision of the work repo. */
static json_t *render_at(const char *repo, const char *rev)
{
	kd_source_opts so = { 0 };
	kd_source *src = NULL;
	json_t *objs = NULL;

	so.revision = rev;
	assert_int_equal(kd_source_open(&src, repo, &so), 0);
	if (kd_kustomize_build(&objs, src, LAYER, NULL) < 0)
		fail_msg("%s", kd_error_last());
	kd_source_free(src);
	return objs;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *root = getenv("KDRIFT_ROOT");
	kd_buf data = KD_BUF_INIT;
	char path[512];

	git_libgit2_init();
	snprintf(f->dir, sizeof(f->dir), "%s/kd-accept-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->work, sizeof(f->work), "%s/work", f->dir);
	snprintf(f->bare, sizeof(f->bare), "%s/remote.git", f->dir);
	free(th_run(NULL, "cp -r '%s/tests/fixtures/accept/fleet' '%s'",
		    root ? root : ".", f->work));
	th_init(f->work, false);
	th_commit_all(f->start, f->work, "fleet");
	th_init(f->bare, true);
	th_set_origin(f->work, f->bare);
	free(th_run(NULL, "git -C '%s' push -q origin main 2>&1", f->work));
	snprintf(path, sizeof(path), "%s/kdrift.yaml", f->work);
	assert_int_equal(kd_buf_read_file(&data, path, 0), 0);
	assert_int_equal(kd_fleet_parse(&f->fleet, data.data, data.len, "kdrift.yaml"), 0);
	kd_buf_free(&data);
	f->rendered = render_at(f->work, "main");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	th_remove_all(f->dir);
	kd_fleet_free(f->fleet);
	json_decref(f->rendered);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* Live: scaled to 5, api's image and LOG_LEVEL changed by hand, containers
 * listed in another order than in Git, plus what the server adds. */
static json_t *live_deployment(const fx *f)
{
	json_t *live = json_deep_copy(find(f->rendered, "Deployment", "api"));
	json_t *pod, *containers, *api, *env;

	assert_non_null(live);
	json_object_set_new(json_object_get(live, "spec"), "replicas", json_integer(5));
	pod = json_object_get(json_object_get(json_object_get(live, "spec"), "template"), "spec");
	containers = json_object_get(pod, "containers");
	api = json_incref(json_array_get(containers, 0));
	json_array_remove(containers, 0);
	json_array_append_new(containers, api);               /* [proxy, api] */
	json_object_set_new(api, "image", json_string("registry.example.org/web/api:1.1"));
	env = json_object_get(api, "env");                   /* [REGION, LOG_LEVEL] */
	json_object_set_new(json_array_get(env, 1), "value", json_string("debug"));
	json_object_set_new(json_object_get(live, "metadata"), "uid", json_string("5f1c"));
	json_object_set_new(json_object_get(live, "metadata"), "resourceVersion", json_string("812"));
	json_object_set_new(live, "status", json_pack("{s:i}", "replicas", 5));
	return live;
}

static const char *const deploy_fields[] = {
	"/spec/replicas",
	"/spec/template/spec/containers/1/image",
	"/spec/template/spec/containers/1/env/1/value",
};

static void base_opts(kd_accept_opts *o, fx *f, const json_t *desired, const json_t *live)
{
	memset(o, 0, sizeof(*o));
	o->repo = f->work;
	o->fleet = f->fleet;
	o->cluster = "us-east-prod-1";
	o->app = "web";
	o->desired = desired;
	o->live = live;
	o->fields = deploy_fields;
	o->nfields = 3;
	o->reason = "Scaled up for the launch; api 1.1 hot-fixed in place";
	o->identity = ADA;
}

static json_t *parse_yaml(const char *text)
{
	json_t *doc = NULL;

	if (kd_yaml_parse_one(&doc, NULL, text, strlen(text), "t", NULL) < 0)
		fail_msg("%s", kd_error_last());
	return doc;
}

static json_t *show_yaml(const char *repo, const char *rev, const char *path)
{
	char *text = th_run(NULL, "git -C '%s' show '%s:%s'", repo, rev, path);
	json_t *doc = parse_yaml(text);

	free(text);
	return doc;
}

static void assert_no_drift_at(const json_t *rendered, const json_t *live,
			       const char *const *fields, size_t n)
{
	kd_diff_result *res = NULL;
	const json_t *got = find(rendered, "Deployment", "api");
	size_t i, j;

	assert_non_null(got);
	assert_int_equal(kd_diff_objects(&res, got, live, NULL), 0);
	for (i = 0; i < res->nfields; i++) {
		const char *p = res->fields[i].live_path ? res->fields[i].live_path
							 : res->fields[i].path;

		for (j = 0; j < n; j++)
			if (strncmp(p, fields[j], strlen(fields[j])) == 0)
				fail_msg("%s still drifts", p);
	}
	kd_diff_result_free(res);
}

static void test_accept_into_overlay(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f), *patch, *want, *after;
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char remote[41], local[41], *out, *preview;
	int rc;

	/* Uncommitted work elsewhere is neither committed nor touched. */
	th_write(f->work, "apps/web/base/service.yaml", "# being rewritten\n");
	th_write(f->work, "notes.txt", "untracked\n");
	base_opts(&o, f, desired, live);
	/* A dry run shows the files and writes nothing. */
	o.dry_run = true;
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	o.dry_run = false;
	assert_string_equal(res->commit, "");
	assert_false(res->pushed);
	assert_false(res->local_updated);
	th_rev(remote, f->bare, "main");
	assert_string_equal(remote, f->start);
	preview = res->file_text;
	res->file_text = NULL;
	kd_accept_result_free(res);

	rc = kd_accept_run(&res, &o);
	if (rc < 0)
		fail_msg("%s", kd_error_last());
	assert_string_equal(res->file_text, preview);
	out = th_run(NULL, "git -C '%s' show main:" PATCH_FILE, f->work);
	assert_string_equal(out, preview);
	assert_non_null(strstr(out, "# Live state accepted into Git"));
	free(out);
	free(preview);
	assert_true(res->pushed);
	assert_true(res->local_updated);
	assert_null(res->note);
	assert_int_equal(res->attempts, 1);
	assert_string_equal(res->file, PATCH_FILE);
	assert_string_equal(res->kustomization, LAYER "/kustomization.yaml");
	th_rev(remote, f->bare, "main");
	th_rev(local, f->work, "main");
	assert_string_equal(remote, res->commit);
	assert_string_equal(local, res->commit);

	/* Author, committer, subject and trailers. */
	out = th_run(NULL, "git -C '%s' log -1 --format='%%an <%%ae>|%%cn <%%ce>|%%s' main", f->work);
	assert_string_equal(out, ADA "|" ADA "|Accept drift in us-east-prod-1: Deployment web/api "
			    "spec.replicas, spec.template.spec.containers[api].image, "
			    "spec.template.spec.containers[api].env[LOG_LEVEL].value\n");
	free(out);
	out = th_run(NULL, "git -C '%s' log -1 --format='%%(trailers:key=Reason,valueonly)"
		     "%%(trailers:key=Accepted-By,valueonly)%%(trailers:key=Kdrift-Cluster,valueonly)' main",
		     f->work);
	assert_string_equal(out, "Scaled up for the launch; api 1.1 hot-fixed in place\n" ADA "\nus-east-prod-1\n\n");
	free(out);
	out = th_run(NULL, "git -C '%s' log -1 --format=%%b main", f->work);
	assert_non_null(strstr(out, "Scaled up for the launch"));
	free(out);

	/* The patch holds only the accepted fields, keyed to the right elements. */
	patch = show_yaml(f->work, "main", PATCH_FILE);
	want = parse_yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n"
			  "spec:\n  replicas: 5\n  template:\n    spec:\n      containers:\n"
			  "      - name: api\n        image: registry.example.org/web/api:1.1\n"
			  "        env:\n        - name: LOG_LEVEL\n          value: debug\n");
	assert_true(kd_json_equal(patch, want));
	json_decref(patch);
	json_decref(want);

	/* The kustomization gained exactly one line; its comments stayed. */
	out = th_run(NULL, "git -C '%s' diff -U0 %s main -- " LAYER "/kustomization.yaml"
		     " | grep '^[-+]' | grep -v '^+++' | grep -v '^---'", f->work, f->start);
	assert_string_equal(out, "+  - path: kdrift-accepted/deployment-web-api.yaml\n");
	free(out);

	/* The checked-out work tree followed; the other changes are as they were. */
	out = th_run(NULL, "git -C '%s' status --porcelain", f->work);
	assert_string_equal(out, " M apps/web/base/service.yaml\n?? notes.txt\n");
	free(out);
	out = th_run(NULL, "git -C '%s' show --name-only --format= main", f->work);
	assert_string_equal(out, LAYER "/kdrift-accepted/deployment-web-api.yaml\n"
			    LAYER "/kustomization.yaml\n");
	free(out);

	/* Rendered again: the accepted fields equal live, natively and with kubectl. */
	after = render_at(f->work, res->commit);
	assert_no_drift_at(after, live, deploy_fields, 3);
	json_decref(after);
	out = th_run(NULL, "kubectl kustomize '%s/" LAYER "' 2>&1 | grep -E 'replicas:|image:|value: debug'", f->work);
	assert_string_equal(out, "  replicas: 5\n"
			    "          value: debug\n"
			    "        image: registry.example.org/web/api:1.1\n"
			    "      - image: registry.example.org/web/proxy:2.3\n");
	free(out);
	free(th_run(NULL, "git -C '%s' fsck --strict 2>&1 && git -C '%s' fsck --strict 2>&1",
		    f->work, f->bare));
	kd_accept_result_free(res);
	json_decref(live);
}

static void test_accept_merges_with_earlier_patch(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f), *patch;
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	static const char *const first[] = { "/spec/replicas" };
	static const char *const second[] = { "/spec/template/spec/containers/1/image" };
	char *out;

	base_opts(&o, f, desired, live);
	o.fields = first;
	o.nfields = 1;
	assert_int_equal(kd_accept_run(&res, &o), 0);
	kd_accept_result_free(res);
	o.fields = second;
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	patch = show_yaml(f->work, "main", PATCH_FILE);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(patch, "spec"), "replicas")), 5);
	{
		json_t *c0 = NULL;

		assert_int_equal(kd_json_pointer_get(&c0, patch, "/spec/template/spec/containers/0"), 0);
		assert_string_equal(kd_json_str(c0, "name"), "api");
		assert_string_equal(kd_json_str(c0, "image"), "registry.example.org/web/api:1.1");
	}
	json_decref(patch);
	/* Listed once. */
	out = th_run(NULL, "git -C '%s' show main:" LAYER "/kustomization.yaml | grep -c kdrift-accepted", f->work);
	assert_string_equal(out, "1\n");
	free(out);
	kd_accept_result_free(res);
	json_decref(live);
}

static int concurrent_done;

/* Pushes a commit to the remote from another clone, as a colleague would:
 * it edits the same kustomization (a comment line at its end). */
static void concurrent_push(const char *step, void *arg)
{
	fx *f = arg;

	if (strcmp(step, "verified") != 0 || concurrent_done++)
		return;
	free(th_run(NULL, "cd '%s' && git clone -q remote.git other 2>&1 && cd other && "
		    "echo '# colleague was here' >> " LAYER "/kustomization.yaml && "
		    "git commit -qam 'Colleague change' && git push -q origin main 2>&1", f->dir));
}

static void test_accept_redoes_after_concurrent_push(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f), *after;
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char remote[41], local[41], *out;

	base_opts(&o, f, desired, live);
	o.step_hook = concurrent_push;
	o.step_arg = f;
	concurrent_done = 0;
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(res->attempts, 2);
	assert_true(res->pushed);
	th_rev(remote, f->bare, "main");
	assert_string_equal(remote, res->commit);
	/* Ours sits on the colleague's commit, whose edit is kept. */
	out = th_run(NULL, "git -C '%s' log --format=%%s main", f->bare);
	assert_string_equal(out, "Accept drift in us-east-prod-1: Deployment web/api spec.replicas, "
			    "spec.template.spec.containers[api].image, "
			    "spec.template.spec.containers[api].env[LOG_LEVEL].value\nColleague change\nfleet\n");
	free(out);
	out = th_run(NULL, "git -C '%s' show main:" LAYER "/kustomization.yaml | tail -1", f->bare);
	assert_string_equal(out, "# colleague was here\n");
	free(out);
	/* The checked-out local branch was behind: left alone, and said so. */
	th_rev(local, f->work, "main");
	assert_string_equal(local, f->start);
	assert_false(res->local_updated);
	assert_non_null(res->note);
	assert_non_null(strstr(res->note, "git pull"));
	after = render_at(f->work, res->commit);
	assert_no_drift_at(after, live, deploy_fields, 3);
	json_decref(after);
	kd_accept_result_free(res);
	json_decref(live);
}

static void test_accept_all_drifted_fields(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f), *after;
	kd_accept_result *res = NULL;
	kd_diff_result *d = NULL;
	kd_accept_opts o;

	base_opts(&o, f, desired, live);
	o.fields = NULL;
	o.nfields = 0;
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_non_null(strstr(res->subject, "spec.replicas"));
	after = render_at(f->work, "main");
	assert_int_equal(kd_diff_objects(&d, find(after, "Deployment", "api"), live, NULL), 0);
	assert_int_equal(d->nfields, 0);
	kd_diff_result_free(d);
	json_decref(after);
	kd_accept_result_free(res);
	/* Nothing drifts any more: nothing to accept. */
	json_decref(f->rendered);
	f->rendered = render_at(f->work, "main");
	o.desired = find(f->rendered, "Deployment", "api");
	assert_int_equal(kd_accept_run(&res, &o), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "nothing to accept"));
	json_decref(live);
}

static void test_accept_gives_up_after_max_attempts(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f);
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char *out;

	base_opts(&o, f, desired, live);
	o.step_hook = concurrent_push;
	o.step_arg = f;
	o.max_attempts = 1;
	concurrent_done = 0;
	assert_int_equal(kd_accept_run(&res, &o), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "gave up after 1 attempts"));
	/* The colleague's commit is the remote's tip, untouched. */
	out = th_run(NULL, "git -C '%s' log --format=%%s main", f->bare);
	assert_string_equal(out, "Colleague change\nfleet\n");
	free(out);
	json_decref(live);
}

static void test_accept_review_branch(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f);
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char rev[41], parent[41];

	base_opts(&o, f, desired, live);
	o.review_branch = "kdrift/accept-api";
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_string_equal(res->branch, "kdrift/accept-api");
	th_rev(rev, f->bare, "kdrift/accept-api");
	assert_string_equal(rev, res->commit);
	th_rev(parent, f->bare, "kdrift/accept-api^");
	assert_string_equal(parent, f->start);
	/* main is untouched, on the remote and locally. */
	th_rev(rev, f->bare, "main");
	assert_string_equal(rev, f->start);
	th_rev(rev, f->work, "main");
	assert_string_equal(rev, f->start);
	th_rev(rev, f->work, "kdrift/accept-api");
	assert_string_equal(rev, res->commit);
	kd_accept_result_free(res);
	json_decref(live);
}

static void test_accept_refuses_secret_values(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Secret", "api-token");
	json_t *live = json_deep_copy(desired), *patch;
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	static const char *const data[] = { "/data/token" };
	static const char *const label[] = { "/metadata/labels/rotated" };
	char rev[41];

	json_object_set_new(json_object_get(live, "data"), "token", json_string("bmV3"));
	json_object_set_new(json_object_get(live, "metadata"), "labels",
			    json_pack("{s:s}", "rotated", "yes"));
	base_opts(&o, f, desired, live);
	o.fields = data;
	o.nfields = 1;
	assert_int_equal(kd_accept_run(&res, &o), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "Secret values are never written to Git"));
	assert_null(strstr(kd_error_last(), "bmV3"));
	/* All drifted fields include the value: refused too. */
	o.nfields = 0;
	assert_int_equal(kd_accept_run(&res, &o), KD_EINVAL);
	th_rev(rev, f->bare, "main");
	assert_string_equal(rev, f->start);
	/* Its labels are not values. */
	o.fields = label;
	o.nfields = 1;
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	patch = show_yaml(f->work, "main", LAYER "/kdrift-accepted/secret-web-api-token.yaml");
	assert_null(json_object_get(patch, "data"));
	assert_string_equal(kd_json_str(json_object_get(json_object_get(patch, "metadata"), "labels"),
					"rotated"), "yes");
	json_decref(patch);
	kd_accept_result_free(res);
	json_decref(live);
}

static void test_accept_missing_becomes_delete_patch(void **state)
{
	fx *f = *state;
	const json_t *svc = find(f->rendered, "Service", "api");
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	json_t *patch, *after;

	base_opts(&o, f, svc, NULL);
	o.reason = "The service moved to the mesh";
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(res->kind, KD_ACCEPT_ABSENT);
	assert_string_equal(res->subject, "Accept drift in us-east-prod-1: remove Service web/api");
	patch = show_yaml(f->work, "main", LAYER "/kdrift-accepted/service-web-api.yaml");
	assert_string_equal(kd_json_str(patch, "$patch"), "delete");
	assert_string_equal(kd_json_str(patch, "kind"), "Service");
	json_decref(patch);
	after = render_at(f->work, "main");
	assert_null(find(after, "Service", "api"));
	assert_non_null(find(after, "Deployment", "api"));
	json_decref(after);
	kd_accept_result_free(res);
}

static void test_accept_extra_becomes_resource(void **state)
{
	fx *f = *state;
	json_t *live = parse_yaml(
		"apiVersion: v1\nkind: ConfigMap\n"
		"metadata:\n  name: feature-flags\n  namespace: web\n  uid: 9a7e\n"
		"  resourceVersion: \"77\"\n  creationTimestamp: \"2026-11-25T10:00:00Z\"\n"
		"  managedFields: [{manager: kubectl-create, operation: Update}]\n"
		"  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: \"{}\"\n"
		"data:\n  beta: \"on\"\n");
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	json_t *file, *after, *want;
	char *out;

	base_opts(&o, f, NULL, live);
	o.reason = "Flags are managed per cluster now";
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_int_equal(res->kind, KD_ACCEPT_RESOURCE);
	file = show_yaml(f->work, "main", LAYER "/kdrift-accepted/configmap-web-feature-flags.yaml");
	want = parse_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: feature-flags, namespace: web}\n"
			  "data:\n  beta: \"on\"\n");
	assert_true(kd_json_equal(file, want));
	json_decref(file);
	json_decref(want);
	out = th_run(NULL, "git -C '%s' show main:" LAYER "/kustomization.yaml | grep -A2 '^resources:'", f->work);
	assert_string_equal(out, "resources:\n"
			    "  - ../../../apps/web/overlays/production   # shared by every production cluster\n"
			    "  - kdrift-accepted/configmap-web-feature-flags.yaml\n");
	free(out);
	after = render_at(f->work, "main");
	assert_non_null(find(after, "ConfigMap", "feature-flags"));
	json_decref(after);
	kd_accept_result_free(res);
	json_decref(live);
}

static void test_accept_needs_a_cluster_layer(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f);
	kd_accept_result *res = NULL;
	kd_accept_opts o;

	base_opts(&o, f, desired, live);
	o.app = "web-shared";
	assert_int_equal(kd_accept_run(&res, &o), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "path: clusters/{{name}}/web-shared"));
	assert_non_null(strstr(kd_error_last(), "kdrift.yaml"));
	o.app = "web";
	o.reason = "  ";
	assert_int_equal(kd_accept_run(&res, &o), KD_EINVAL);
	json_decref(live);
}

static void test_accept_local_only_with_dirty_worktree(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f);
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char rev[41], *out;

	free(th_run(NULL, "git -C '%s' config user.name 'Repo Person' && "
		    "git -C '%s' config user.email repo@example.org && "
		    "git -C '%s' remote remove origin", f->work, f->work, f->work));
	th_write(f->work, "README.local", "an untracked file stays\n");
	th_write(f->work, LAYER "/kustomization.yaml", "# half-done local edit\n");
	base_opts(&o, f, desired, live);
	o.identity = NULL;
	assert_int_equal(kd_accept_run(&res, &o), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "uncommitted changes"));
	th_rev(rev, f->work, "main");
	assert_string_equal(rev, f->start);
	/* Once the edit is stashed the commit lands, by the repository's user. */
	free(th_run(NULL, "git -C '%s' checkout -q -- " LAYER, f->work));
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_false(res->pushed);
	assert_true(res->local_updated);
	out = th_run(NULL, "git -C '%s' log -1 --format='%%an <%%ae>' main", f->work);
	assert_string_equal(out, "Repo Person <repo@example.org>\n");
	free(out);
	out = th_run(NULL, "git -C '%s' status --porcelain", f->work);
	assert_string_equal(out, "?? README.local\n");
	free(out);
	kd_accept_result_free(res);
	json_decref(live);
}

static void test_accept_branch_in_linked_worktree(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f);
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char rev[41], inside[400];

	free(th_run(NULL, "git -C '%s' worktree add -q -b release '%s/release' 2>&1 && "
		    "git -C '%s' push -q origin release 2>&1", f->work, f->dir, f->work));
	base_opts(&o, f, desired, live);
	o.branch = "release";
	/* Any path inside the repository will do. */
	snprintf(inside, sizeof(inside), "%s/clusters", f->work);
	o.repo = inside;
	/* Pushed, but the other work tree's branch is left to its owner. */
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_true(res->pushed);
	assert_false(res->local_updated);
	assert_non_null(strstr(res->note, "another work tree"));
	th_rev(rev, f->work, "release");
	assert_string_equal(rev, f->start);
	kd_accept_result_free(res);
	/* Without a remote nothing can be published: refused. */
	free(th_run(NULL, "git -C '%s' remote remove origin", f->work));
	assert_int_equal(kd_accept_run(&res, &o), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), "another work tree"));
	th_rev(rev, f->work, "release");
	assert_string_equal(rev, f->start);
	json_decref(live);
}

static void test_accept_into_bare_repository(void **state)
{
	fx *f = *state;
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f), *after;
	kd_accept_result *res = NULL;
	kd_accept_opts o;
	char rev[41];

	base_opts(&o, f, desired, live);
	o.repo = f->bare;
	if (kd_accept_run(&res, &o) < 0)
		fail_msg("%s", kd_error_last());
	assert_false(res->pushed);
	assert_true(res->local_updated);
	th_rev(rev, f->bare, "main");
	assert_string_equal(rev, res->commit);
	after = render_at(f->bare, "main");
	assert_no_drift_at(after, live, deploy_fields, 3);
	json_decref(after);
	free(th_run(NULL, "git -C '%s' fsck --strict 2>&1", f->bare));
	kd_accept_result_free(res);
	json_decref(live);
}

/* --- Killed at each step --- */

static const char *kill_at;

static void kill_hook(const char *step, void *arg)
{
	(void)arg;
	if (strcmp(step, kill_at) == 0)
		raise(SIGKILL);
}

static void killed_at(fx *f, const char *step, bool remote)
{
	const json_t *desired = find(f->rendered, "Deployment", "api");
	json_t *live = live_deployment(f);
	kd_accept_opts o;
	char rev[41];
	pid_t pid;
	int st = 0;

	if (!remote)
		free(th_run(NULL, "git -C '%s' remote remove origin", f->work));
	base_opts(&o, f, desired, live);
	kill_at = step;
	o.step_hook = kill_hook;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		kd_accept_result *res = NULL;

		kd_accept_run(&res, &o);
		_exit(3); /* the step was never reached */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	free(th_run(NULL, "git -C '%s' fsck --strict --no-dangling 2>&1", f->work));
	free(th_run(NULL, "git -C '%s' fsck --strict --no-dangling 2>&1", f->bare));
	/* Each branch is where it was or at a complete commit. */
	th_rev(rev, remote ? f->bare : f->work, "main");
	if (strcmp(rev, f->start) != 0) {
		json_t *patch = show_yaml(remote ? f->bare : f->work, "main", PATCH_FILE);
		json_t *after = render_at(remote ? f->bare : f->work, "main");

		assert_non_null(patch);
		assert_no_drift_at(after, live, deploy_fields, 3);
		json_decref(patch);
		json_decref(after);
	}
	if (strcmp(step, "objects") == 0 || strcmp(step, "verified") == 0)
		assert_string_equal(rev, f->start);
	else
		assert_string_not_equal(rev, f->start);
	/* A later run completes normally (killed between the ref update and
	 * the checkout, the work tree is stale first: the documented repair). */
	o.step_hook = NULL;
	{
		kd_accept_result *res = NULL;

		if (!remote && strcmp(step, "ref") == 0) {
			assert_int_equal(kd_accept_run(&res, &o), KD_ECONFLICT);
			free(th_run(NULL, "git -C '%s' checkout -q HEAD -- " LAYER, f->work));
		}

		if (kd_accept_run(&res, &o) < 0)
			fail_msg("after a kill at %s: %s", step, kd_error_last());
		/* Never a second, empty commit. */
		if (strcmp(step, "objects") != 0 && strcmp(step, "verified") != 0)
			assert_string_equal(res->commit, rev);
		kd_accept_result_free(res);
	}
	json_decref(live);
}

static void test_accept_killed_after_objects(void **state) { killed_at(*state, "objects", true); }
static void test_accept_killed_after_verify(void **state) { killed_at(*state, "verified", true); }
static void test_accept_killed_after_push(void **state) { killed_at(*state, "pushed", true); }
static void test_accept_killed_after_ref(void **state) { killed_at(*state, "ref", true); }
static void test_accept_killed_local_objects(void **state) { killed_at(*state, "objects", false); }
static void test_accept_killed_local_ref(void **state) { killed_at(*state, "ref", false); }

/* --- The pure parts --- */

static void test_accept_build_patch_removed_fields(void **state)
{
	json_t *desired = parse_yaml(
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\n"
		"spec:\n  paused: false\n  template:\n    spec:\n      containers:\n"
		"      - name: a\n        args: [x, y]\n      - name: b\n");
	json_t *live = parse_yaml(
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\n"
		"spec:\n  template:\n    spec:\n      containers:\n"
		"      - name: a\n        args: [x]\n");
	json_t *patch = NULL, *names = NULL, *want;
	static const char *const fields[] = {
		"/spec/paused",                               /* removed key */
		"/spec/template/spec/containers/1",           /* removed element */
		"/spec/template/spec/containers/0/args/0",    /* atomic list: whole */
	};
	char *name = NULL;

	(void)state;
	assert_int_equal(kd_accept_build_patch(&patch, &names, desired, live, fields, 3), 0);
	want = parse_yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\n"
			  "spec:\n  paused: null\n  template:\n    spec:\n      containers:\n"
			  "      - {name: b, $patch: delete}\n      - {name: a, args: [x]}\n");
	assert_true(kd_json_equal(patch, want));
	assert_string_equal(json_string_value(json_array_get(names, 1)),
			    "spec.template.spec.containers[b]");
	assert_int_equal(kd_accept_file_name(&name, live), 0);
	assert_string_equal(name, "deployment-n-a.yaml");
	free(name);
	json_decref(patch);
	json_decref(names);
	json_decref(want);
	json_decref(desired);
	json_decref(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accept_into_overlay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_merges_with_earlier_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_redoes_after_concurrent_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_all_drifted_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_gives_up_after_max_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_review_branch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_refuses_secret_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_missing_becomes_delete_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_extra_becomes_resource, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_needs_a_cluster_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_local_only_with_dirty_worktree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_branch_in_linked_worktree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_into_bare_repository, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_killed_after_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_killed_after_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_killed_after_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_killed_after_ref, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_killed_local_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_killed_local_ref, setup, teardown),
		cmocka_unit_test(test_accept_build_patch_removed_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
