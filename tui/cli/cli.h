/*
 * cli — kdrift's headless subcommands.
 *
 * Owns argument parsing, dispatch and the output of the command-line
 * interface.  Exit codes: 0 success, 1 drift found (check, diff), 2 usage
 * or any other error.
 *
 * Each subcommand lives in its own file, named after it (check.c, diff.c,
 * revert.c, accept.c, breakglass.c, audit.c, render.c, init.c, policy.c;
 * `ui` is tui/ui/main.c), and is listed once in the command table of
 * cli.c.  What several commands share lives in files of its own, never in
 * a command's file: options.c (engine options, the settings file's
 * defaults, object arguments), print.c (sanitised output), reconcile.c
 * (reading clusters, exit statuses), progress.c (the progress line while
 * clusters are read), pager.c (colour and a pager on a terminal),
 * confirm.c (asking before a write); heal.c is `check --heal`.  A command's
 * file uses only this header's functions from those files and cli.c, never
 * another command's.
 */
#ifndef KD_CLI_H
#define KD_CLI_H

#include <stddef.h>
#include <stdio.h>

#define KD_VERSION "0.1.0"

enum { KD_EXIT_OK = 0, KD_EXIT_DRIFT = 1, KD_EXIT_ERROR = 2 };

struct kd_buf;
struct kd_counts;
struct kd_cluster_state;
struct kd_engine;
struct kd_engine_opts;
struct kd_fleet;
struct json_t;

typedef struct kd_cli_command {
	const char *name;
	const char *summary;   /* one line for `kdrift --help` */
	const char *usage;     /* full text for `kdrift help NAME` */
	int (*run)(int argc, char **argv);
} kd_cli_command;

/* ---- cli.c: the command table and dispatch ------------------------------ */

int kd_cli_main(int argc, char **argv);
/* The command table (completion.c generates its scripts from it). */
const kd_cli_command *kd_cli_commands(size_t *n);

/* Prints "kdrift: CMD: message" for the last core error and returns 2. */
int kd_cli_fail(const char *cmd);

/* Prints the command's usage to stderr and returns 2. */
int kd_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "kdrift: CMD: unknown option 'ARG'" with the closest of the
 * command's flags (those its usage text lists), if one is close; returns 2. */
int kd_cli_unknown_option(const char *cmd, const char *arg);
/* The next "--flag" in a usage text (*pos NULL at first): its start, with
 * *len its length; NULL after the last. */
const char *kd_cli_flag_next(const char *usage, const char **pos, size_t *len);

/* ---- the subcommands, one file each -------------------------------------- */

int kd_cli_render(int argc, char **argv);      /* render.c */
int kd_cli_convert(int argc, char **argv);     /* render.c */
int kd_ui_main(int argc, char **argv);         /* tui/ui/main.c */
int kd_cli_check(int argc, char **argv);       /* check.c */
int kd_cli_diff(int argc, char **argv);        /* diff.c */
int kd_cli_revert(int argc, char **argv);      /* revert.c */
int kd_cli_accept(int argc, char **argv);      /* accept.c */
int kd_cli_breakglass(int argc, char **argv);  /* breakglass.c */
int kd_cli_audit(int argc, char **argv);       /* audit.c */
int kd_cli_init(int argc, char **argv);        /* init.c */
int kd_cli_agent(int argc, char **argv);       /* agent.c */
int kd_cli_policy(int argc, char **argv);      /* policy.c: policy export */
int kd_cli_compare(int argc, char **argv);     /* compare.c */
int kd_cli_explain(int argc, char **argv);     /* explain.c */
int kd_cli_topology(int argc, char **argv);    /* topology.c */
int kd_cli_completion(int argc, char **argv);  /* completion.c */
int kd_cli_complete(int argc, char **argv);    /* completion.c: __complete */

/* ---- options.c: what every command parses the same way ------------------ */

/* The long options of every command that reads the fleet and its clusters,
 * for a getopt_long table (a macro, so each command's table is built at
 * compile time); kd_cli_engine_opt parses them. */
#define KD_CLI_ENGINE_OPTIONS \
	{ "repo", required_argument, NULL, 'r' }, \
	{ "revision", required_argument, NULL, 'R' }, \
	{ "worktree", no_argument, NULL, 'w' }, \
	{ "fleet", required_argument, NULL, 'f' }, \
	{ "kubeconfig", required_argument, NULL, 'k' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "quiet", no_argument, NULL, 'q' }

/* --timeout takes a duration (30s, 2m) from one second to this. */
#define KD_CLI_TIMEOUT_MAX_S 3600

/* Handles an engine option (getopt letters r R w f k c a t q): 0 handled,
 * 1 not one of them, 2 after a usage error. */
int kd_cli_engine_opt(struct kd_engine_opts *o, int c, const char *arg, const char *cmd);

/* The user's settings file (core's userconf: $XDG_CONFIG_HOME/kdrift/config),
 * read on first use; each problem goes to `warn` (NULL: "kdrift: warning:
 * FILE:LINE:COLUMN: ..." on stderr).  Never NULL: without a file, nothing
 * is set. */
struct kd_userconf;
const struct kd_userconf *kd_cli_userconf(void (*warn)(void *ctx, const char *msg), void *ctx);
/* Fills what no flag set from the settings file: repo, and kubeconfig when
 * $KUBECONFIG is unset too (flags > environment > file > defaults).  Every
 * command calls it after parsing, before the engine starts. */
void kd_cli_engine_defaults(struct kd_engine_opts *o);
/* --repo's default for the commands that read only Git: the settings
 * file's repo, else ".". */
const char *kd_cli_default_repo(void);

/* KIND/NAMESPACE/NAME or KIND/NAME (namespace ""), copied. */
typedef struct kd_cli_object { char *kind, *namespace, *name; } kd_cli_object;
int kd_cli_parse_object(kd_cli_object *o, const char *spec);
void kd_cli_object_free(kd_cli_object *o);

/* ---- print.c: output of text from clusters and Git ---------------------- */

/* Appends text from a cluster or Git with control characters shown inert. */
void kd_cli_sanitize(struct kd_buf *out, const char *s);
void kd_cli_print_safe(FILE *f, const char *s);
/* Prints a JSON document (json_dumps flags) and a newline on stdout: JSON
 * output stays exact, so it is never sanitised. */
int kd_cli_print_json(const struct json_t *doc, size_t flags);
/* Prints multi-line text from a cluster or Git, each line sanitised. */
void kd_cli_print_text(FILE *f, const char *text);
/* True unless the locale is UTF-8: glyphs fall back to ASCII. */
_Bool kd_cli_ascii(void);

/* ---- reconcile.c: reading clusters, and the exit status ----------------- */

/* Adds a cluster's counts (an app that did not render counts as unknown). */
void kd_cli_count(struct kd_counts *sum, const struct kd_cluster_state *st);
/* 0 all synced, 1 drift, 2 any unknown or errors. */
int kd_cli_exit_for(const struct kd_counts *c, _Bool errors);
/* confirm.c: prints a revert plan's preview and, on stderr, the warning
 * for replicas an HPA manages: 1, or 0 (after "nothing to revert") when
 * the plan has nothing to do, < 0 with the error set. */
struct kd_remedy_plan;
int kd_cli_revert_preview(const struct kd_remedy_plan *plan, const struct kd_cluster_state *st);
/* confirm.c: prints each action of an executed revert plan with its
 * outcome; returns the exit status they add up to (1: a conflict). */
int kd_cli_revert_report(const struct kd_remedy_plan *plan, _Bool dry);
/* Reconciles one cluster (and app) once with the objects kept; 0 with
 * *engine and *state set (the state holds the fleet it was read with),
 * else the exit status after printing the error. */
int kd_cli_reconcile(struct kd_engine **engine, struct kd_cluster_state **state,
		     struct kd_engine_opts *opts, const char *cmd, const char *cluster,
		     const char *app);
/* Reads every selected cluster once, rendering with provenance (compare,
 * topology): *states holds the published states (*n of them); 0, or the
 * exit status after printing the error. */
int kd_cli_states(struct kd_engine **engine, struct kd_cluster_state ***states, size_t *n,
		  struct kd_engine_opts *opts, const char *cmd);
void kd_cli_states_free(struct kd_cluster_state **states, size_t n);
/* Reads every cluster `app` is deployed to once, keeping the live objects
 * (a promote says which clusters will drift), and finds `cluster` among
 * them (*state borrowed from *states); 0, or the exit status after
 * printing the error. */
int kd_cli_states_app(struct kd_engine **engine, struct kd_cluster_state ***states, size_t *n,
		      struct kd_cluster_state **state, struct kd_engine_opts *opts,
		      const char *cmd, const char *cluster, const char *app);

/* ---- progress.c: a progress line on stderr while clusters are read ------ */

/* --quiet (an engine option, so every command that reads clusters has it):
 * no progress line. */
void kd_cli_set_quiet(_Bool on);
_Bool kd_cli_quiet(void);
/* kd_engine_run_once, with `clusters N/M · K unreachable · T s` redrawn on
 * stderr while it runs when stderr is a terminal and not --quiet; the line
 * is cleared before it returns.  Every command reads clusters through it. */
int kd_cli_run_once(struct kd_engine *e);

/* ---- pager.c: colour and a pager for long output on a terminal ---------- */

typedef enum kd_cli_color { KD_CLI_COLOR_AUTO, KD_CLI_COLOR_ALWAYS, KD_CLI_COLOR_NEVER } kd_cli_color;

/* SGR sequences for coloured output (git's: removed red, added green). */
#define KD_SGR_RESET "\033[m"
#define KD_SGR_BOLD "\033[1m"
#define KD_SGR_RED "\033[31m"
#define KD_SGR_GREEN "\033[32m"
#define KD_SGR_YELLOW "\033[33m"
#define KD_SGR_CYAN "\033[36m"

/* --color=auto|always|never: 0, or -1 for another word. */
int kd_cli_color_parse(kd_cli_color *out, const char *arg);
/* Whether stdout gets colour: always, never, or (auto) when it is a
 * terminal, NO_COLOR is unset or empty and TERM is not dumb. */
_Bool kd_cli_color_on(kd_cli_color mode);
/* Writes `out` to stdout, through $PAGER (default less with LESS=FRX)
 * when `pager` is true, stdout is a terminal and the text is taller than
 * it; 0, or KD_EIO when stdout cannot be written. */
int kd_cli_page(const struct kd_buf *out, _Bool pager);

/* ---- confirm.c: before a command changes a cluster or Git --------------- */

/* Asks on the terminal (production clusters: type the name); 0 go ahead,
 * 2 declined or refused (no terminal and no --yes), after saying so. */
int kd_cli_confirm(const char *cmd, const struct kd_fleet *fleet, const char *cluster,
		   const char *what, _Bool yes);
/* Runs $KDRIFT_TEST_BEFORE_WRITE (tests only) just before the first write. */
void kd_cli_test_hook(void);

/* ---- heal.c: check --heal ------------------------------------------------ */

/* Self-heal and alert over the engine's published states (prints what it
 * did); returns the exit status. */
int kd_cli_heal(struct kd_engine *e, const char *kubeconfig, const char *webhook);

#endif
