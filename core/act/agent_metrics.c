/*
 * agent_metrics — the agent's numbers in the Prometheus text exposition
 * format, version 0.0.4 (see kd_agent_metrics in act.h): a HELP and a TYPE
 * line per family, label values escaped as the format says (backslash,
 * double quote, line feed), one sample per line.
 *
 * Owns the metric names and what they mean.  Never prints.
 */
#include "act/act.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

static void label_value(kd_buf *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\')
			kd_buf_puts(b, "\\\\");
		else if (*v == '"')
			kd_buf_puts(b, "\\\"");
		else if (*v == '\n')
			kd_buf_puts(b, "\\n");
		else
			kd_buf_putc(b, *v);
	}
}

static void family(kd_buf *b, const char *name, const char *type, const char *help)
{
	kd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{cluster="C"[,k="v"]} value */
static void sample(kd_buf *b, const char *name, const char *cluster, const char *k1,
		   const char *v1, const char *k2, const char *v2, const char *value)
{
	kd_buf_printf(b, "%s{cluster=\"", name);
	label_value(b, cluster);
	if (k1) {
		kd_buf_printf(b, "\",%s=\"", k1);
		label_value(b, v1);
	}
	if (k2) {
		kd_buf_printf(b, "\",%s=\"", k2);
		label_value(b, v2);
	}
	kd_buf_printf(b, "\"} %s\n", value);
}

static void counter(kd_buf *b, const char *name, const char *cluster, const char *k,
		    const char *v, uint64_t n)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, n);
	sample(b, name, cluster, k, v, NULL, NULL, num);
}

int kd_agent_metrics_format(kd_buf *out, const char *cluster, const kd_agent_counters *c,
			    const kd_cluster_state *st)
{
	kd_buf b = KD_BUF_INIT;
	char num[64];
	size_t i;
	int k;

	family(&b, "kdrift_objects", "gauge",
	       "Objects of an app by drift status, as the last reconcile found them.");
	for (i = 0; st && i < st->napps; i++)
		for (k = 0; k < KD_STATUS_COUNT; k++) {
			snprintf(num, sizeof(num), "%u", st->apps[i].counts.n[k]);
			sample(&b, "kdrift_objects", cluster, "app", st->apps[i].name,
			       "status", kd_status_name((kd_status)k), num);
		}
	family(&b, "kdrift_app_render_error", "gauge",
	       "1 when the app did not render at the last reconcile, else 0.");
	for (i = 0; st && i < st->napps; i++)
		sample(&b, "kdrift_app_render_error", cluster, "app", st->apps[i].name, NULL, NULL,
		       st->apps[i].reason && !st->reason ? "1" : "0");
	family(&b, "kdrift_cluster_reachable", "gauge",
	       "1 when the last reconcile could read the cluster, else 0.");
	sample(&b, "kdrift_cluster_reachable", cluster, NULL, NULL, NULL, NULL,
	       st && !st->reason ? "1" : "0");
	family(&b, "kdrift_last_reconcile_timestamp_seconds", "gauge",
	       "When the last reconcile was published, in seconds since the epoch.");
	snprintf(num, sizeof(num), "%lld", (long long)c->last_reconcile);
	sample(&b, "kdrift_last_reconcile_timestamp_seconds", cluster, NULL, NULL, NULL, NULL, num);
	family(&b, "kdrift_reconcile_duration_seconds", "gauge",
	       "How long the last full read and diff of the cluster took.");
	snprintf(num, sizeof(num), "%.3f", (double)c->last_duration_ms / 1000.0);
	sample(&b, "kdrift_reconcile_duration_seconds", cluster, NULL, NULL, NULL, NULL, num);
	family(&b, "kdrift_reconciles_total", "counter", "Cluster states the agent handled.");
	counter(&b, "kdrift_reconciles_total", cluster, NULL, NULL, c->reconciles);
	family(&b, "kdrift_render_errors_total", "counter",
	       "Apps that did not render, counted at each reconcile.");
	counter(&b, "kdrift_render_errors_total", cluster, NULL, NULL, c->render_errors);
	family(&b, "kdrift_api_errors_total", "counter",
	       "Failures talking to the Kubernetes API: reading the cluster, writing reports.");
	counter(&b, "kdrift_api_errors_total", cluster, "operation", "read", c->api_errors_read);
	counter(&b, "kdrift_api_errors_total", cluster, "operation", "report", c->api_errors_report);
	family(&b, "kdrift_report_writes_total", "counter",
	       "DriftReports by outcome: written, left unchanged, conflicts read again, failed.");
	counter(&b, "kdrift_report_writes_total", cluster, "result", "written", c->reports_written);
	counter(&b, "kdrift_report_writes_total", cluster, "result", "unchanged", c->reports_unchanged);
	counter(&b, "kdrift_report_writes_total", cluster, "result", "conflict", c->reports_conflicts);
	counter(&b, "kdrift_report_writes_total", cluster, "result", "failed", c->reports_failed);
	family(&b, "kdrift_heal_actions_total", "counter",
	       "Self-heal changes made to the cluster, by outcome.");
	counter(&b, "kdrift_heal_actions_total", cluster, "result", "succeeded", c->heal_succeeded);
	counter(&b, "kdrift_heal_actions_total", cluster, "result", "failed", c->heal_failed);
	family(&b, "kdrift_alerts_total", "counter", "Newly drifted objects alerted on.");
	counter(&b, "kdrift_alerts_total", cluster, NULL, NULL, c->alerts);
	k = kd_buf_add(out, b.data, b.len);
	kd_buf_free(&b);
	return k < 0 ? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}
