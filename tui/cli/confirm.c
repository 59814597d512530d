/*
 * confirm — asking before a command changes a cluster or Git (revert,
 * accept, break-glass), and reporting what a revert plan then did (revert
 * and `breakglass followup --revert`).
 *
 * Confirmation is asked on the terminal; a production cluster (label
 * env=production, or a policy that only alerts) asks for the cluster's
 * name to be typed.  Without a terminal nothing is changed unless --yes was
 * given: a script must say so explicitly.
 */
#include "cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/act.h"
#include "fleet/fleet.h"

static bool is_production(const kd_fleet *fleet, const char *cluster)
{
	const kd_cluster *c = fleet ? kd_fleet_cluster(fleet, cluster) : NULL;
	const kd_policy *p;
	const char *env;

	if (!c)
		return true;   /* unknown: be careful */
	env = json_string_value(json_object_get(c->labels, "env"));
	if (env && strcmp(env, "production") == 0)
		return true;
	p = kd_fleet_policy(fleet, c);
	return p && p->remediation == KD_REMEDIATION_ALERT;
}

static char *read_answer(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

int kd_cli_confirm(const char *cmd, const kd_fleet *fleet, const char *cluster,
		   const char *what, bool yes)
{
	bool prod = is_production(fleet, cluster);
	char *ans;
	int rc;

	if (yes)
		return KD_EXIT_OK;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "kdrift: %s: not confirmed: no terminal to ask on; nothing was "
			"changed (pass --yes to go ahead without asking)\n", cmd);
		return KD_EXIT_ERROR;
	}
	if (prod) {
		fprintf(stderr, "Cluster ");
		kd_cli_print_safe(stderr, cluster);
		fprintf(stderr, " is a production cluster.  Type its name to %s: ", what);
	} else {
		fprintf(stderr, "%s on cluster ", what);
		kd_cli_print_safe(stderr, cluster);
		fprintf(stderr, "? [y/N] ");
	}
	fflush(stderr);
	ans = read_answer();
	/* Declining is exit 2, not 1: revert's 1 means "changed meanwhile". */
	if (!ans)
		rc = KD_EXIT_ERROR;
	else if (prod)
		rc = strcmp(ans, cluster) == 0 ? KD_EXIT_OK : KD_EXIT_ERROR;
	else
		rc = (strcmp(ans, "y") == 0 || strcmp(ans, "yes") == 0) ? KD_EXIT_OK : KD_EXIT_ERROR;
	free(ans);
	if (rc != KD_EXIT_OK)
		fprintf(stderr, "kdrift: %s: not confirmed; nothing was changed\n", cmd);
	return rc;
}

void kd_cli_test_hook(void)
{
	/* Test hook: a shell command run after confirmation and just before
	 * the first write, so a test can change the object in between
	 * deterministically (the 409 path).  Never set in production. */
	const char *cmd = getenv("KDRIFT_TEST_BEFORE_WRITE");

	if (cmd && *cmd && system(cmd) != 0)
		fprintf(stderr, "kdrift: test hook failed: %s\n", cmd);
}

/* ---- a revert's outcome ---------------------------------------------------------- */

static const char *verb(const kd_remedy_action *a, bool dry)
{
	switch (a->kind) {
	case KD_REMEDY_CREATE: return dry ? "would create" : "created";
	case KD_REMEDY_PRUNE: return dry ? "would prune" : "pruned";
	default: return dry ? "would revert" : "reverted";
	}
}

int kd_cli_revert_preview(const kd_remedy_plan *plan, const kd_cluster_state *st)
{
	kd_buf preview = KD_BUF_INIT, warn = KD_BUF_INIT;
	int rc;

	if ((rc = kd_act_preview(&preview, plan)) < 0)
		goto cleanup;
	kd_cli_print_text(stdout, kd_buf_cstr(&preview));
	if (plan->nactions == 0) {
		printf("nothing to revert\n");
		rc = 0;
		goto cleanup;
	}
	fflush(stdout);
	if (kd_act_plan_hpa_warning(&warn, plan, st) == 0 && warn.len)
		kd_cli_print_text(stderr, kd_buf_cstr(&warn));
	rc = 1;
cleanup:
	kd_buf_free(&preview);
	kd_buf_free(&warn);
	return rc;
}

int kd_cli_revert_report(const kd_remedy_plan *plan, bool dry)
{
	bool conflict = false, failed = false;
	kd_buf what = KD_BUF_INIT;
	size_t i;

	for (i = 0; i < plan->nactions; i++) {
		const kd_remedy_action *a = &plan->actions[i];

		kd_buf_clear(&what);
		kd_remedy_describe(&what, a->kind_name, a->namespace, a->name);
		if (a->done && a->error == 0) {
			printf("%s ", verb(a, dry));
			kd_cli_print_safe(stdout, kd_buf_cstr(&what));
			if (a->kind == KD_REMEDY_PATCH)
				printf(" (%zu field%s)", a->nfields, a->nfields == 1 ? "" : "s");
			if (a->rv_after && !dry)
				printf(", resourceVersion %s", a->rv_after);
			if (a->audit_id[0])
				printf(", audit %s", a->audit_id);
			printf("\n");
			continue;
		}
		if (a->error == KD_ECONFLICT)
			conflict = true;
		else
			failed = true;
		printf("FAILED ");
		kd_cli_print_safe(stdout, kd_buf_cstr(&what));
		printf(": ");
		kd_cli_print_safe(stdout, a->message ? a->message :
				  a->done ? "failed" : "not attempted");
		printf("\n");
	}
	kd_buf_free(&what);
	if (failed)
		return KD_EXIT_ERROR;
	return conflict ? KD_EXIT_DRIFT : KD_EXIT_OK;
}
