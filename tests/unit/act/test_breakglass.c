/*
 * Tests for core/breakglass*.c without a cluster: sessions (reason
 * required, duration capped, one at a time, expiry by time, the state file
 * and its audit records, the open-changes list), the break-glass context
 * template and its clear refusal, and planning edits, scale, set image,
 * restart and delete (validation, patches, masked previews).
 */
#define _GNU_SOURCE  /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "act/act.h"
#include "base/base.h"
#include "fleet/fleet.h"
#include "data/data.h"
#include "kube/kube.h"

#define HOUR_MS (3600 * (int64_t)1000)
#define T0 ((int64_t)1795000000000) /* a fixed "now", 2026-11-18 */

struct scratch {
	char dir[256];
	char state[300];
	char audit[300];
	kd_breakglass_opts o;
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/kd-breakglass.XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->state, sizeof(s->state), "%s/state/kdrift/breakglass.json", s->dir);
	snprintf(s->audit, sizeof(s->audit), "%s/state/kdrift/audit.jsonl", s->dir);
	s->o.state_path = s->state;
	s->o.audit_path = s->audit;
	s->o.user = "alice";
	*state = s;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct scratch *s = *state;

	nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	return v;
}

static void test_start_needs_reason_and_caps_duration(void **state)
{
	struct scratch *s = *state;
	kd_breakglass_session *bg = NULL, *again = NULL;
	struct stat st;

	assert_int_equal(kd_breakglass_start(&bg, NULL, &s->o, "  ", NULL, 600, 3600, T0),
			 KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "needs a reason"));
	assert_int_equal(access(s->state, F_OK), -1);

	assert_int_equal(kd_breakglass_start(&bg, NULL, &s->o, "db failover", "INC-42",
					     4 * 3600, 3600, T0), 0);
	assert_true(bg->capped);
	assert_true(bg->end_ms - bg->start_ms == HOUR_MS);
	assert_string_equal(bg->user, "alice");
	assert_string_equal(bg->ticket, "INC-42");
	/* Persisted privately, and read back the same. */
	assert_int_equal(stat(s->state, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(kd_breakglass_load(&again, s->state), 0);
	assert_string_equal(again->id, bg->id);
	assert_string_equal(again->reason, "db failover");
	assert_true(again->end_ms == bg->end_ms);
	assert_true(kd_breakglass_active(again, T0 + 1000));
	assert_true(kd_breakglass_remaining_ms(again, T0 + 1000) == HOUR_MS - 1000);
	kd_breakglass_session_free(again);
	kd_breakglass_session_free(bg);
}

static void test_one_session_at_a_time_and_expiry(void **state)
{
	struct scratch *s = *state;
	kd_breakglass_session *bg = NULL, *other = NULL, *req = NULL;

	assert_int_equal(kd_breakglass_start(&bg, NULL, &s->o, "incident", NULL, 1800, 3600, T0), 0);
	assert_false(bg->capped);
	assert_int_equal(kd_breakglass_start(&other, NULL, &s->o, "another", NULL, 60, 3600,
					     T0 + 60000), KD_ECONFLICT);
	assert_non_null(strstr(kd_error_last(), bg->id));
	assert_non_null(strstr(kd_error_last(), "already active"));

	assert_int_equal(kd_breakglass_require(&req, s->state, T0 + 1000), 0);
	assert_string_equal(req->id, bg->id);
	kd_breakglass_session_free(req);
	/* Half an hour later the session is over by itself. */
	assert_int_equal(kd_breakglass_require(&req, s->state, T0 + 1800 * 1000), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "expired"));
	assert_null(req);
	assert_int_equal(kd_breakglass_remaining_ms(bg, T0 + 1800 * 1000), 0);
	/* And a new one may start. */
	assert_int_equal(kd_breakglass_start(&other, NULL, &s->o, "another", NULL, 60, 3600,
					     T0 + 1800 * 1000), 0);
	assert_string_not_equal(other->id, bg->id);
	kd_breakglass_session_free(other);
	kd_breakglass_session_free(bg);
}

static void test_end_logs_and_lists_open_changes(void **state)
{
	struct scratch *s = *state;
	kd_breakglass_session *bg = NULL, *req = NULL;
	kd_audit_list *open = NULL, *all = NULL;
	kd_audit_entry change = { 0 };
	char id[KD_AUDIT_ID_SIZE];

	assert_int_equal(kd_breakglass_end(&open, &s->o), KD_ENOTFOUND);
	assert_int_equal(kd_breakglass_start(&bg, &open, &s->o, "incident", NULL, 600, 3600, T0), 0);
	assert_int_equal(open->count, 0);
	kd_audit_list_free(open);
	/* A change made in the session (as kd_breakglass_apply logs it). */
	change.mode = KD_AUDIT_MODE_BREAK_GLASS;
	change.phase = KD_AUDIT_PHASE_OUTCOME;
	change.status = KD_AUDIT_STATUS_SUCCESS;
	change.action = KD_AUDIT_ACTION_SCALE;
	change.session = bg->id;
	change.cluster = "a";
	change.object.api_version = "apps/v1";
	change.object.kind = "Deployment";
	change.object.namespace_ = "shop";
	change.object.name = "web";
	assert_int_equal(kd_audit_append(id, s->audit, &change), 0);

	assert_int_equal(kd_breakglass_end(&open, &s->o), 0);
	assert_int_equal(open->count, 1);
	assert_string_equal(open->items[0].id, id);
	kd_audit_list_free(open);
	assert_int_equal(access(s->state, F_OK), -1);
	assert_int_equal(kd_breakglass_require(&req, s->state, T0 + 2000), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "need an active session"));

	/* Start and end are in the log, with the session. */
	assert_int_equal(kd_audit_list_load(&all, s->audit, NULL), 0);
	assert_int_equal(all->count, 3);
	assert_string_equal(all->items[0].action, "break-glass-start");
	assert_string_equal(all->items[2].action, "break-glass-end");
	assert_string_equal(kd_json_str(all->items[0].json, "session"), bg->id);
	assert_string_equal(kd_json_str(all->items[0].json, "reason"), "incident");
	kd_audit_list_free(all);

	/* The next session starts with the list of what is still open. */
	kd_breakglass_session_free(bg);
	assert_int_equal(kd_breakglass_start(&bg, &open, &s->o, "again", NULL, 60, 3600, T0 + 5000), 0);
	assert_int_equal(open->count, 1);
	kd_audit_list_free(open);
	kd_breakglass_session_free(bg);
}

static const char fleet_yaml[] =
	"apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\n"
	"clusters:\n  - name: prod\n  - name: dev\n";

static const char kubeconfig_yaml[] =
	"apiVersion: v1\nkind: Config\n"
	"clusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\n"
	"users:\n- name: u\n  user: {token: t0ps3cret}\n"
	"contexts:\n- name: prod\n  context: {cluster: c, user: u}\n"
	"- name: prod-breakglass\n  context: {cluster: c, user: u}\n"
	"- name: dev\n  context: {cluster: c, user: u}\n";

static void test_context_from_template(void **state)
{
	kd_fleet *f = NULL;
	kd_kubeconfig *kc = NULL;
	char *ctx = NULL;

	(void)state;
	assert_int_equal(kd_fleet_parse(&f, fleet_yaml, strlen(fleet_yaml), "kdrift.yaml"), 0);
	assert_int_equal(kd_kubeconfig_parse(&kc, kubeconfig_yaml, strlen(kubeconfig_yaml),
					     "kc", "."), 0);
	assert_int_equal(kd_breakglass_context(&ctx, f, kd_fleet_cluster(f, "prod"), kc), 0);
	assert_string_equal(ctx, "prod-breakglass");
	free(ctx);
	assert_int_equal(kd_breakglass_context(&ctx, f, kd_fleet_cluster(f, "dev"), kc),
			 KD_ENOTFOUND);
	assert_null(ctx);
	assert_non_null(strstr(kd_error_last(), "cluster dev has no break-glass credential"));
	assert_non_null(strstr(kd_error_last(), "'dev-breakglass'"));
	assert_null(strstr(kd_error_last(), "t0ps3cret"));
	kd_kubeconfig_free(kc);
	kd_fleet_free(f);
}

/* Every line of text at most width columns (ASCII here). */
static void assert_lines_fit(const char *text, size_t width)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true((size_t)(nl - p) <= width);
		p = nl + 1;
	}
}

static void test_missing_credentials(void **state)
{
	kd_fleet *f = NULL, *many = NULL;
	kd_kubeconfig *kc = NULL;
	json_t *missing = NULL;
	kd_buf text = KD_BUF_INIT, yaml = KD_BUF_INIT;
	int i;

	(void)state;
	assert_int_equal(kd_fleet_parse(&f, fleet_yaml, strlen(fleet_yaml), "kdrift.yaml"), 0);
	assert_int_equal(kd_kubeconfig_parse(&kc, kubeconfig_yaml, strlen(kubeconfig_yaml),
					     "kc", "."), 0);
	assert_int_equal(kd_breakglass_missing(&missing, f, kc), 0);
	assert_int_equal(json_array_size(missing), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(missing, 0), "cluster")), "dev");
	assert_string_equal(json_string_value(json_object_get(json_array_get(missing, 0), "context")),
			    "dev-breakglass");
	assert_int_equal(kd_breakglass_missing_text(&text, missing, f->nclusters, 80, 3), 0);
	assert_non_null(strstr(kd_buf_cstr(&text), "'dev-breakglass') for 1 of 2"));
	assert_non_null(strstr(kd_buf_cstr(&text), "clusters: dev\n"));
	assert_lines_fit(kd_buf_cstr(&text), 80);
	json_decref(missing);

	/* Nobody has one: said as such; nothing to say when everyone has one. */
	kd_buf_clear(&text);
	assert_int_equal(kd_breakglass_missing(&missing, f, NULL), 0);
	assert_int_equal(json_array_size(missing), 2);
	assert_int_equal(kd_breakglass_missing_text(&text, missing, 2, 40, 3), 0);
	assert_non_null(strstr(kd_buf_cstr(&text), "No cluster has a break-glass credential"));
	assert_lines_fit(kd_buf_cstr(&text), 40);
	json_decref(missing);
	kd_buf_clear(&text);
	missing = json_array();
	assert_int_equal(kd_breakglass_missing_text(&text, missing, 2, 80, 3), 0);
	assert_int_equal(text.len, 0);
	json_decref(missing);

	/* Forty clusters without one: three lines of 60 columns, the rest counted. */
	kd_buf_puts(&yaml, "apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n");
	kd_buf_puts(&yaml, "  - name: prod\n");
	for (i = 0; i < 40; i++)
		kd_buf_printf(&yaml, "  - name: cluster-%02d-eu-west\n", i);
	assert_int_equal(kd_fleet_parse(&many, yaml.data, yaml.len, "kdrift.yaml"), 0);
	assert_int_equal(kd_breakglass_missing(&missing, many, kc), 0);
	assert_int_equal(json_array_size(missing), 40);
	kd_buf_clear(&text);
	assert_int_equal(kd_breakglass_missing_text(&text, missing, many->nclusters, 60, 3), 0);
	assert_lines_fit(kd_buf_cstr(&text), 60);
	assert_non_null(strstr(kd_buf_cstr(&text), "for 40 of 41 clusters"));
	assert_non_null(strstr(kd_buf_cstr(&text), "more\n"));
	{
		size_t lines = 0;
		for (const char *p = kd_buf_cstr(&text); *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 3);
	}
	json_decref(missing);
	kd_buf_free(&text);
	kd_buf_free(&yaml);
	kd_kubeconfig_free(kc);
	kd_fleet_free(f);
	kd_fleet_free(many);
}

static const char *deploy =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
	"\"namespace\":\"shop\",\"uid\":\"u-1\",\"resourceVersion\":\"41\","
	"\"managedFields\":[{\"manager\":\"kubectl\"}]},\"spec\":{\"replicas\":3,"
	"\"template\":{\"spec\":{\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"}],"
	"\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1\"},"
	"{\"name\":\"sidecar\",\"image\":\"envoy:1\"}]}}},\"status\":{\"replicas\":3}}";

static void test_plan_edit(void **state)
{
	json_t *old = parse(deploy), *new_obj = parse(deploy), *want;
	kd_breakglass_change *ch = NULL;

	(void)state;
	/* Nothing changed (server fields differ but are not part of an edit). */
	json_object_set_new(kd_json_obj(new_obj, "metadata"), "resourceVersion", json_string("1"));
	json_object_del(new_obj, "status");
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", old, new_obj), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "changes nothing"));
	/* Renaming is not an edit. */
	json_object_set_new(kd_json_obj(new_obj, "metadata"), "name", json_string("web2"));
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", old, new_obj), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "metadata.name from 'web' to 'web2'"));
	json_object_set_new(kd_json_obj(new_obj, "metadata"), "name", json_string("web"));

	assert_int_equal(kd_json_pointer_set(new_obj, "/spec/template/spec/containers/1/image",
					     json_string("envoy:2"), false), 0);
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", old, new_obj), 0);
	assert_int_equal(ch->kind, KD_BREAKGLASS_EDIT);
	assert_int_equal(ch->patch_type, KD_KUBE_PATCH_STRATEGIC);
	want = parse("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		     "[{\"name\":\"sidecar\",\"image\":\"envoy:2\"}]}}}}");
	assert_true(kd_json_equal(ch->patch, want));
	assert_string_equal(ch->resource_version, "41");
	assert_non_null(strstr(ch->preview, "# break-glass: edit Deployment shop/web on cluster a"));
	assert_non_null(strstr(ch->preview, "image: envoy:2"));
	json_decref(want);
	kd_breakglass_change_free(ch);
	json_decref(old);
	json_decref(new_obj);
}

static void test_plan_edit_secret_preview_masked(void **state)
{
	json_t *old = parse("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\","
			    "\"namespace\":\"shop\",\"uid\":\"u\",\"resourceVersion\":\"5\"},"
			    "\"data\":{\"password\":\"aHVudGVyMg==\"}}");
	json_t *new_obj = json_deep_copy(old);
	kd_breakglass_change *ch = NULL;

	(void)state;
	assert_int_equal(kd_json_pointer_set(new_obj, "/data/password",
					     json_string("bmV3LXNlY3JldA=="), false), 0);
	assert_int_equal(kd_breakglass_plan_edit(&ch, "a", old, new_obj), 0);
	assert_null(strstr(ch->preview, "bmV3LXNlY3JldA=="));
	assert_non_null(strstr(ch->preview, "password: <masked>"));
	kd_breakglass_change_free(ch);
	json_decref(old);
	json_decref(new_obj);
}

static void test_plan_scale_image_restart_delete(void **state)
{
	json_t *live = parse(deploy), *want, *cm;
	kd_breakglass_change *ch = NULL;

	(void)state;
	assert_int_equal(kd_breakglass_plan_scale(&ch, "a", live, -1), KD_EINVAL);
	assert_int_equal(kd_breakglass_plan_scale(&ch, "a", live, 5), 0);
	want = parse("{\"spec\":{\"replicas\":5}}");
	assert_true(kd_json_equal(ch->patch, want));
	json_decref(want);
	assert_non_null(strstr(ch->preview, "3 -> 5 replicas"));
	kd_breakglass_change_free(ch);

	assert_int_equal(kd_breakglass_plan_set_image(&ch, "a", live, "db", "x"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "no container named 'db' (there are: web, sidecar, init)"));
	assert_int_equal(kd_breakglass_plan_set_image(&ch, "a", live, "init", "busybox:2"), 0);
	want = parse("{\"spec\":{\"template\":{\"spec\":{\"initContainers\":"
		     "[{\"name\":\"init\",\"image\":\"busybox:2\"}]}}}}");
	assert_true(kd_json_equal(ch->patch, want));
	json_decref(want);
	kd_breakglass_change_free(ch);

	assert_int_equal(kd_breakglass_plan_restart(&ch, "a", live, T0), 0);
	want = parse("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
		     "{\"kubectl.kubernetes.io/restartedAt\":\"2026-11-18T11:06:40Z\"}}}}}");
	assert_true(kd_json_equal(ch->patch, want));
	json_decref(want);
	kd_breakglass_change_free(ch);

	assert_int_equal(kd_breakglass_plan_delete(&ch, "a", live), 0);
	assert_null(ch->patch);
	assert_string_equal(ch->uid, "u-1");
	assert_string_equal(ch->resource_version, "41");
	kd_breakglass_change_free(ch);

	cm = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		   "\"resourceVersion\":\"3\"}}");
	assert_int_equal(kd_breakglass_plan_restart(&ch, "a", cm, T0), KD_EUNSUPPORTED);
	assert_int_equal(kd_breakglass_plan_set_image(&ch, "a", cm, "x", "y"), KD_EUNSUPPORTED);
	assert_int_equal(kd_breakglass_plan_scale(&ch, "a", cm, 2), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "ConfigMap c has no spec.replicas"));
	json_decref(cm);
	json_decref(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_needs_reason_and_caps_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_session_at_a_time_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_logs_and_lists_open_changes, setup, teardown),
		cmocka_unit_test(test_context_from_template),
		cmocka_unit_test(test_missing_credentials),
		cmocka_unit_test(test_plan_edit),
		cmocka_unit_test(test_plan_edit_secret_preview_masked),
		cmocka_unit_test(test_plan_scale_image_restart_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
