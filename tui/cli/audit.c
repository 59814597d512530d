/*
 * audit — `kdrift audit show` and `kdrift audit verify`: read and check
 * the tamper-evident audit log.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/base.h"
#include "cli.h"

/* The log path: --log, else $KDRIFT_AUDIT_LOG, else the XDG default. */
static int audit_path(char **out, const char *flag)
{
	const char *env = getenv("KDRIFT_AUDIT_LOG");

	if (flag || (env && env[0])) {
		*out = strdup(flag ? flag : env);
		return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	return kd_audit_default_path(out);
}

struct show_ctx {
	bool json;
	size_t shown;
};

static int show_one(const kd_audit_record *rec, void *arg)
{
	struct show_ctx *ctx = arg;
	kd_buf line = KD_BUF_INIT;
	int rc = 0;

	if (ctx->json) {
		char *text = json_dumps(rec->json, JSON_COMPACT | JSON_SORT_KEYS);

		if (!text)
			return kd_error_set(KD_ENOMEM, "out of memory");
		puts(text);
		free(text);
	} else if ((rc = kd_audit_record_summary(&line, rec)) == 0) {
		puts(kd_buf_cstr(&line));
	}
	kd_buf_free(&line);
	ctx->shown++;
	return rc;
}

static int audit_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "cluster", required_argument, NULL, 'c' },
		{ "action", required_argument, NULL, 'a' },
		{ "log", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	kd_audit_filter filter = { 0 };
	struct show_ctx ctx = { 0 };
	const char *log_flag = NULL;
	char *path = NULL;
	int64_t now = kd_audit_now_ms();
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (kd_audit_parse_time(c == 's' ? &filter.since_ms : &filter.until_ms,
						optarg, now) < 0)
				return kd_cli_usage_error("audit", "--%s: %s",
							  c == 's' ? "since" : "until",
							  kd_error_last());
			break;
		case 'c': filter.cluster = optarg; break;
		case 'a': filter.action = optarg; break;
		case 'l': log_flag = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				ctx.json = true;
			else if (strcmp(optarg, "text") != 0)
				return kd_cli_usage_error("audit", "unknown output format '%s'", optarg);
			break;
		case ':':
			return kd_cli_usage_error("audit", "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option("audit", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return kd_cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
	if (audit_path(&path, log_flag) < 0)
		return kd_cli_fail("audit show");
	rc = kd_audit_read(path, &filter, show_one, &ctx);
	free(path);
	if (rc < 0)
		return kd_cli_fail("audit show");
	if (!ctx.json && ctx.shown == 0)
		fprintf(stderr, "kdrift: audit show: no records match\n");
	return KD_EXIT_OK;
}

/* What the checks beyond the chain found, so "chain intact" is never read
 * as more than it is. */
static void print_anchor(const char *path, const kd_audit_verify_result *res)
{
	switch (res->anchor_state) {
	case KD_AUDIT_ANCHOR_NONE:
		printf("%s: no anchor: a cut tail, an emptied log or a rewritten chain cannot "
		       "be detected\n", path);
		break;
	case KD_AUDIT_ANCHOR_MATCH:
		printf("%s: anchor: the head is the anchored one (seq %lld)\n", path,
		       (long long)res->anchor.seq);
		break;
	case KD_AUDIT_ANCHOR_MISMATCH:
		printf("%s: anchor: seq %lld, does NOT hold (see above)\n", path,
		       (long long)res->anchor.seq);
		break;
	case KD_AUDIT_ANCHOR_INVALID:
		printf("%s: anchor: unreadable\n", path);
		break;
	}
	if (res->keyed)
		printf("%s: keyed: %zu MACs checked, %zu records from before the key\n", path,
		       res->macs, res->unkeyed);
	else if (res->macs > 0)
		printf("%s: %zu records carry a MAC; set %s to check them\n", path, res->macs,
		       KD_AUDIT_KEY_ENV);
}

static int audit_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "head", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_audit_verify_result *res = NULL;
	kd_audit_verify_opts vo = { 0 };
	kd_audit_head *heads = NULL;
	const char *log_flag = NULL;
	char *path = NULL;
	size_t i;
	int c, rc;

	optind = 1;
	opterr = 0;
	/* Each --head is a parsed array element; argc bounds how many. */
	heads = calloc((size_t)argc, sizeof(*heads));
	if (!heads)
		return kd_cli_fail("audit verify");
	vo.heads = heads;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': log_flag = optarg; break;
		case 'k': vo.key_file = optarg; break;
		case 'h':
			if (kd_audit_head_parse(&heads[vo.n_heads], optarg) < 0) {
				free(heads);
				return kd_cli_usage_error("audit", "--head: %s", kd_error_last());
			}
			vo.n_heads++;
			break;
		default:
			free(heads);
			return kd_cli_unknown_option("audit", argv[optind - 1]);
		}
	}
	if (optind != argc) {
		free(heads);
		return kd_cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
	}
	if (audit_path(&path, log_flag) < 0) {
		free(heads);
		return kd_cli_fail("audit verify");
	}
	rc = kd_audit_verify_with(&res, path, &vo);
	free(heads);
	if (rc < 0) {
		kd_error_wrap(rc, "%s: ", path);
		free(path);
		return kd_cli_fail("audit verify");
	}
	for (i = 0; i < res->n_problems; i++)
		printf("%s: %s: %s\n", path, kd_audit_problem_name(res->problems[i].kind),
		       res->problems[i].message);
	print_anchor(path, res);
	printf("%s: %zu records, %zu lines, head %s (seq %lld): %s\n", path, res->records,
	       res->lines, res->head, (long long)res->head_seq,
	       res->ok ? "chain intact" : "CHAIN BROKEN");
	rc = res->ok ? KD_EXIT_OK : KD_EXIT_DRIFT;
	kd_audit_verify_result_free(res);
	free(path);
	return rc;
}

int kd_cli_audit(int argc, char **argv)
{
	if (argc < 2)
		return kd_cli_usage_error("audit", "expected 'show' or 'verify'");
	if (strcmp(argv[1], "show") == 0)
		return audit_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify(argc - 1, argv + 1);
	return kd_cli_usage_error("audit", "unknown subcommand '%s'", argv[1]);
}
