/*
 * Tests for core/act/heal_policy.c (no cluster needed): the audit log, not
 * the break-glass mark alone, decides whether self-heal leaves an object
 * alone; the back-off lets two heals through, then waits longer each time
 * and starts again after a quiet spell; planning holds back what the
 * limiter says and tells when to try again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "act/act.h"
#include "audit/audit.h"
#include "base/base.h"
#include "diff/diff.h"
#include "engine/engine.h"

struct fx {
	char dir[64];
	char log[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/kd-healpol-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->log, sizeof(f->log), "%s/audit.jsonl", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void append(const struct fx *f, enum kd_audit_mode mode, const char *action,
		   char id[KD_AUDIT_ID_SIZE])
{
	kd_audit_entry e = { .mode = mode, .phase = KD_AUDIT_PHASE_INTENT, .action = action,
			     .user = "t", .host = "h", .cluster = "dev",
			     .object = { "v1", "ConfigMap", "site", "banner", NULL } };
	char intent[KD_AUDIT_ID_SIZE];

	assert_int_equal(kd_audit_append(intent, f->log, &e), 0);
	if (id)
		strcpy(id, intent);
	e.phase = KD_AUDIT_PHASE_OUTCOME;
	e.intent_id = intent;
	e.status = KD_AUDIT_STATUS_SUCCESS;
	assert_int_equal(kd_audit_append(NULL, f->log, &e), 0);
}

static json_t *banner(const char *text, const char *mark)
{
	json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1",
			      "kind", "ConfigMap", "metadata", "name", "banner",
			      "namespace", "site", "data", "text", text);

	assert_non_null(j);
	if (mark)
		json_object_set_new(json_object_get(j, "metadata"), "annotations",
				    json_pack("{s:s}", KD_REMEDY_BREAKGLASS_ANNOTATION, mark));
	return j;
}

/* A state of cluster dev whose banner drifted (marked when mark is set). */
static kd_cluster_state *drifted(const char *mark)
{
	kd_cluster_state *st = kd_cluster_state_new("dev");
	kd_app_state *app = kd_cluster_state_add_app(st, "site");
	kd_resource *r = kd_app_state_add_resource(app, "v1", "ConfigMap", "site", "banner");

	r->desired = banner("Hello", NULL);
	r->live = banner("Oops", mark);
	assert_int_equal(kd_diff_objects(&r->diff, r->desired, r->live, NULL), 0);
	r->status = mark ? KD_STATUS_BREAKGLASS : KD_STATUS_DRIFTED;
	st->reachable = true;
	st->remediation = KD_REMEDIATION_SELFHEAL;
	return st;
}

static bool holds(const struct fx *f, const char *mark)
{
	kd_heal_followup *fu = NULL;
	kd_cluster_state *st = drifted(mark);
	kd_buf why = KD_BUF_INIT;
	bool held;

	assert_int_equal(kd_heal_followup_load(&fu, f->log), 0);
	held = kd_heal_followup_holds(fu, "dev", &st->apps[0].resources[0], &why);
	if (held)
		assert_non_null(strstr(kd_buf_cstr(&why), "changed under break-glass"));
	kd_buf_free(&why);
	kd_heal_followup_free(fu);
	kd_cluster_state_unref(st);
	return held;
}

static void test_followup_decides(void **state)
{
	struct fx *f = *state;
	char bg[KD_AUDIT_ID_SIZE];

	/* No log yet: a mark nobody here knows holds; no mark does not. */
	assert_true(holds(f, "20260101T000000000Z-0123456789abcdef"));
	assert_false(holds(f, NULL));
	append(f, KD_AUDIT_MODE_BREAK_GLASS, KD_AUDIT_ACTION_BREAK_GLASS_EDIT, bg);
	assert_true(holds(f, bg));
	/* Open in the log even when the mark was lost. */
	assert_true(holds(f, NULL));
	append(f, KD_AUDIT_MODE_NORMAL, KD_AUDIT_ACTION_ACCEPT, NULL);
	/* Accepted: the mark that stays behind no longer holds. */
	assert_false(holds(f, bg));
	assert_true(holds(f, "20260101T000000000Z-0123456789abcdef"));
}

/* The audit part's answer the engine's '!' uses: the four states. */
static kd_audit_followup_state state_of(const struct fx *f, const char *mark)
{
	kd_object_id id = { "v1", "ConfigMap", "site", "banner" };
	kd_audit_followup *fu = NULL;
	const kd_audit_record *open = NULL;
	kd_audit_followup_state s;

	assert_int_equal(kd_audit_followup_load(&fu, f->log), 0);
	s = kd_audit_followup_of(fu, "dev", &id, mark, &open);
	assert_true((s == KD_FOLLOWUP_OPEN) == (open != NULL));
	assert_int_equal(kd_audit_followup_of(fu, "prod", &id, NULL, NULL), KD_FOLLOWUP_NONE);
	kd_audit_followup_free(fu);
	return s;
}

static void test_followup_states(void **state)
{
	struct fx *f = *state;
	char bg[KD_AUDIT_ID_SIZE];

	assert_int_equal(state_of(f, NULL), KD_FOLLOWUP_NONE);
	assert_int_equal(state_of(f, "20260101T000000000Z-0123456789abcdef"), KD_FOLLOWUP_UNKNOWN);
	append(f, KD_AUDIT_MODE_BREAK_GLASS, KD_AUDIT_ACTION_BREAK_GLASS_EDIT, bg);
	assert_int_equal(state_of(f, bg), KD_FOLLOWUP_OPEN);
	append(f, KD_AUDIT_MODE_NORMAL, KD_AUDIT_ACTION_ACCEPT, NULL);
	assert_int_equal(state_of(f, bg), KD_FOLLOWUP_DONE);
	assert_int_equal(state_of(f, NULL), KD_FOLLOWUP_NONE);
	assert_int_equal(kd_audit_followup_of(NULL, "dev", &(kd_object_id){ "v1", "ConfigMap", "site", "banner" },
					      bg, NULL), KD_FOLLOWUP_UNKNOWN);
	kd_audit_followup_free(NULL);
}

static void test_limiter(void **state)
{
	kd_heal_limiter *l = NULL;
	unsigned n = 0;

	(void)state;
	assert_int_equal(kd_heal_limiter_new(&l, 1000, 8000), 0);
	assert_int_equal(kd_heal_limiter_wait(l, "k", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kd_heal_limiter_note(l, "k", 100), 0);
	assert_int_equal(kd_heal_limiter_wait(l, "k", 100, NULL), 0);
	assert_int_equal(kd_heal_limiter_note(l, "k", 200), 0);
	/* The third heal in a row waits base, then doubles up to max. */
	assert_int_equal(kd_heal_limiter_wait(l, "k", 200, &n), 1000);
	assert_int_equal(n, 2);
	assert_int_equal(kd_heal_limiter_wait(l, "other", 200, NULL), 0);
	assert_int_equal(kd_heal_limiter_note(l, "k", 1200), 0);
	assert_int_equal(kd_heal_limiter_wait(l, "k", 1200, NULL), 2000);
	assert_int_equal(kd_heal_limiter_note(l, "k", 3200), 0);
	assert_int_equal(kd_heal_limiter_note(l, "k", 7200), 0);
	assert_int_equal(kd_heal_limiter_note(l, "k", 15200), 0);
	assert_int_equal(kd_heal_limiter_wait(l, "k", 15200, NULL), 8000);
	/* Quiet for more than twice the maximum: a fresh start. */
	assert_int_equal(kd_heal_limiter_wait(l, "k", 15200 + 16001, &n), 0);
	assert_int_equal(n, 0);
	kd_heal_limiter_free(l);
	kd_heal_limiter_free(NULL);
}

static void test_plan_backs_off(void **state)
{
	kd_cluster_state *st = drifted(NULL);
	kd_heal_limiter *l = NULL;
	kd_remedy_plan *plan = NULL;
	kd_buf key = KD_BUF_INIT;
	int64_t retry = -1;

	(void)state;
	assert_int_equal(kd_heal_limiter_new(&l, 30000, 0), 0);
	assert_int_equal(kd_heal_plan(&plan, &retry, st, NULL, l, 1000), 0);
	assert_int_equal(plan->nactions, 1);
	assert_int_equal(retry, 0);
	kd_remedy_plan_free(plan);
	assert_int_equal(kd_heal_object_key(&key, "dev", "v1", "ConfigMap", "site", "banner"), 0);
	assert_int_equal(kd_heal_limiter_note(l, kd_buf_cstr(&key), 1000), 0);
	assert_int_equal(kd_heal_limiter_note(l, kd_buf_cstr(&key), 2000), 0);
	assert_int_equal(kd_heal_plan(&plan, &retry, st, NULL, l, 2000), 0);
	assert_int_equal(plan->nactions, 0);
	assert_int_equal(plan->nskipped, 1);
	assert_string_equal(plan->skipped[0].what, "ConfigMap site/banner");
	assert_non_null(strstr(plan->skipped[0].reason, "self-heal backs off"));
	assert_int_equal(retry, 30000);
	kd_remedy_plan_free(plan);
	kd_buf_free(&key);
	kd_heal_limiter_free(l);
	kd_cluster_state_unref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_followup_decides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_followup_states, setup, teardown),
		cmocka_unit_test(test_limiter),
		cmocka_unit_test(test_plan_backs_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
