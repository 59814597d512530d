/*
 * Helpers shared by the tests that change objects in the API simulator
 * (test_remedy_sim.c, test_breakglass_sim.c): start and stop build/kubesim
 * with one cluster "a", connections for its admin and read-only contexts and
 * for the control API, fixtures from tests/fixtures/remedy/, changes by named
 * managers, and what `kubectl apply` would have created.
 *
 * Include after cmocka.h; the includer provides nothing.
 */
#ifndef KD_TEST_SIM_HELPERS_H
#define KD_TEST_SIM_HELPERS_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "diff/diff.h"
#include "data/data.h"
#include "kube/kube.h"
#include "kubesim_proc.h"
#include "act/act.h"
#include "engine/engine.h"

static char dir[64];
static char audit_log[128];
static pid_t sim_pid = -1;
static int sim_port;
static kd_kubeconfig *kc;
static kd_kube_driver *drv;
static kd_kube_conn *ca, *cro, *ctl;

static inline int start_sim(void)
{
	static const char *const extra[] = { "--seed", "7", NULL };

	sim_pid = kubesim_start(&sim_port, dir, "a", extra);
	return sim_pid > 0 ? 0 : -1;
}

static inline int conn_for(kd_kube_conn **out, const char *context)
{
	kd_kube_target *t;

	if (kd_kube_target_new(&t, kc, context) < 0)
		return -1;
	return kd_kube_conn_new(out, drv, t, NULL, NULL);
}

static inline int sim_setup(const char *prefix)
{
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/kdrift-%s-XXXXXX", prefix);
	if (!mkdtemp(dir) || start_sim() < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/kubeconfig", dir);
	snprintf(audit_log, sizeof(audit_log), "%s/state/audit.jsonl", dir);
	if (kd_kubeconfig_load(&kc, path) < 0 || kd_kube_driver_new(&drv) < 0 ||
	    conn_for(&ca, "a") < 0 || conn_for(&cro, "a-readonly") < 0)
		return -1;
	return kubesim_control_conn(&ctl, drv, kc, "a", sim_port);
}

static inline int sim_teardown(void)
{
	char cmd[128];

	kd_kube_conn_free(ca);
	kd_kube_conn_free(cro);
	kd_kube_conn_free(ctl);
	kd_kube_driver_free(drv);
	kd_kubeconfig_free(kc);
	kubesim_stop(sim_pid);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	return v;
}

static json_t *fixture(const char *name)
{
	const char *root = getenv("KDRIFT_ROOT");
	char path[4096];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/tests/fixtures/remedy/%s", root ? root : ".", name);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	return doc;
}

/* One step of the simulator's control API (a change by a named manager). */
static inline void mutate(const char *step)
{
	kd_kube_request req = { .method = "POST", .path = "/_kubesim/clusters/a/mutate",
				.content_type = "application/json", .body = step,
				.body_len = strlen(step) };
	int status = 0;

	if (kd_kube_request_sync(NULL, &status, ctl, &req) < 0 || status >= 300)
		fail_msg("mutate %s: %d %s", step, status, kd_error_last());
}

static inline void ref_of(kd_kube_ref *ref, const json_t *obj)
{
	const kd_kube_resource *r;
	const char *av = kd_json_str(obj, "apiVersion");
	const char *slash = strchr(av, '/');
	char group[128] = "";

	if (slash)
		snprintf(group, sizeof(group), "%.*s", (int)(slash - av), av);
	if (!kd_kube_discovered(ca))
		assert_int_equal(kd_kube_discover_sync(ca), 0);
	if (kd_kube_lookup(&r, ca, group, slash ? slash + 1 : av, kd_json_str(obj, "kind")) < 0) {
		kd_kube_discovery_forget(ca);
		assert_int_equal(kd_kube_discover_sync(ca), 0);
		assert_int_equal(kd_kube_lookup(&r, ca, group, slash ? slash + 1 : av,
						kd_json_str(obj, "kind")), 0);
	}
	kd_kube_ref_for(ref, r, kd_json_str(kd_json_obj(obj, "metadata"), "namespace"),
			kd_json_str(kd_json_obj(obj, "metadata"), "name"));
}

/* The API server stores a Secret's stringData in data (the simulator
 * keeps it as sent, so the test does the server's part). */
static inline void fold_string_data(json_t *obj)
{
	json_t *sd = kd_json_obj(obj, "stringData"), *data, *v;
	kd_buf b = KD_BUF_INIT;
	const char *key;

	if (!sd)
		return;
	if (!(data = kd_json_obj(obj, "data"))) {
		data = json_object();
		json_object_set_new(obj, "data", data);
	}
	json_object_foreach(sd, key, v) {
		kd_buf_clear(&b);
		assert_int_equal(kd_base64_encode(&b, json_string_value(v), json_string_length(v)), 0);
		json_object_set_new(data, key, json_string(kd_buf_cstr(&b)));
	}
	json_object_del(obj, "stringData");
	kd_buf_free(&b);
}

/* What `kubectl apply` does for a new object: create it with the
 * last-applied annotation, as kubectl's manager. */
static inline void kubectl_apply(const json_t *desired)
{
	kd_kube_write_opts wo = { .field_manager = "kubectl-client-side-apply" };
	json_t *obj = json_deep_copy(desired), *got = NULL;
	char *la = NULL;
	kd_kube_ref ref;

	assert_int_equal(kd_remedy_last_applied(&la, desired), 0);
	assert_int_equal(kd_json_pointer_set(obj, "/metadata/annotations/"
					     "kubectl.kubernetes.io~1last-applied-configuration",
					     json_string(la), true), 0);
	fold_string_data(obj);
	ref_of(&ref, desired);
	if (kd_kube_create_sync(&got, ca, &ref, obj, &wo) < 0)
		fail_msg("create: %s", kd_error_last());
	json_decref(got);
	json_decref(obj);
	free(la);
}

static json_t *get_live(const json_t *desired)
{
	kd_kube_ref ref;
	json_t *live = NULL;

	ref_of(&ref, desired);
	if (kd_kube_get_sync(&live, ca, &ref) < 0)
		return NULL;
	return live;
}

#endif
