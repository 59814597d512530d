/*
 * completion — `kdrift completion bash|zsh|fish` and the hidden
 * `kdrift __complete clusters|apps|themes|keymaps` the scripts call.
 *
 * The scripts are generated from the command table of cli.c: a command's
 * flags are those its usage text lists (kd_cli_flag_next), its second
 * words those its synopsis lines name after it (`kdrift audit show`,
 * `kdrift completion bash|zsh|fish`), a flag's values the lower-case
 * choices the usage writes after it (`--output text|json`), so there is no
 * second list to keep in step.  Cluster and app names come from the fleet
 * file at completion time, theme and keymap names from the UI's built-in
 * ones.  Never writes anything but standard output.
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "source/source.h"
#include "ui/keymap.h"
#include "ui/theme.h"

/* At most this many words of one list (second words, a flag's values). */
#define MAX_WORDS 32

typedef struct words {
	const char *w[MAX_WORDS];
	size_t len[MAX_WORDS];
	size_t n;
} words;

static void words_add(words *ws, const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		if (ws->len[i] == len && strncmp(ws->w[i], w, len) == 0)
			return;
	if (ws->n < MAX_WORDS) {
		ws->w[ws->n] = w;
		ws->len[ws->n++] = len;
	}
}

/* Adds the '|'-separated lower-case choices at p ("text|json]"): a
 * choice starts with a letter and holds letters, digits and '-'; nothing
 * when p starts with anything else (PATH, NAME). */
static void add_choices(words *ws, const char *p)
{
	const char *q;

	while (*p >= 'a' && *p <= 'z') {
		for (q = p; (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'; q++)
			;
		words_add(ws, p, (size_t)(q - p));
		if (*q != '|')
			break;
		p = q + 1;
	}
}

static const char *synopsis_end(const char *usage)
{
	const char *end = strstr(usage, "\n\n");

	return end ? end : usage + strlen(usage);
}

/* The second words of a command: what its synopsis lines write after
 * "kdrift NAME " in lower case. */
static void second_words(words *ws, const kd_cli_command *c)
{
	const char *end = synopsis_end(c->usage), *p = c->usage;
	size_t n = strlen(c->name);

	ws->n = 0;
	while ((p = strstr(p, "kdrift ")) != NULL && p < end) {
		p += 7;
		if (strncmp(p, c->name, n) == 0 && p[n] == ' ')
			add_choices(ws, p + n + 1);
	}
}

/* The values a command's synopsis gives a flag: "--output text|json" (or
 * "--flag=a|b"); the prose below it is no list of choices. */
static void flag_values(words *ws, const kd_cli_command *c, const char *flag, size_t len)
{
	const char *pos = NULL, *f, *end = synopsis_end(c->usage);
	size_t flen;

	ws->n = 0;
	while ((f = kd_cli_flag_next(c->usage, &pos, &flen)) != NULL && f < end)
		if (flen == len && strncmp(f, flag, len) == 0 && (f[len] == ' ' || f[len] == '='))
			add_choices(ws, f + len + 1);
}

static void print_words(const words *ws)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		printf("%s%.*s", i ? " " : "", (int)ws->len[i], ws->w[i]);
}

/* Does a usage name this flag with a theme or keymap value? */
static const char *name_source(const char *flag, size_t len)
{
	if (len == 7 && strncmp(flag, "--theme", 7) == 0)
		return "themes";
	if (len == 8 && strncmp(flag, "--keymap", 8) == 0)
		return "keymaps";
	return NULL;
}

/* Does the synopsis (the text before the first blank line) name WORD as a
 * positional argument? */
static bool synopsis_has(const char *usage, const char *word)
{
	const char *end = strstr(usage, "\n\n"), *p = usage;
	size_t n = strlen(word);

	if (!end)
		end = usage + strlen(usage);
	while ((p = strstr(p, word)) != NULL && p < end) {
		if ((p[-1] == ' ' || p[-1] == '[') && !(p[n] >= 'A' && p[n] <= 'Z') &&
		    p[n] != '_')
			return true;
		p += n;
	}
	return false;
}

/* Prints the command's distinct flags, space-separated. */
static void print_flags(const kd_cli_command *c)
{
	const char *pos = NULL, *flag, *prev;
	size_t len, plen;
	bool seen;

	while ((flag = kd_cli_flag_next(c->usage, &pos, &len)) != NULL) {
		const char *p2 = NULL;

		seen = false;
		while ((prev = kd_cli_flag_next(c->usage, &p2, &plen)) != NULL && prev < flag)
			if (plen == len && strncmp(prev, flag, len) == 0)
				seen = true;
		if (!seen)
			printf(" %.*s", (int)len, flag);
	}
}

/* Was this flag printed before?  Remembers it if not (and if there is room). */
static bool printed(const char **seen, size_t *nseen, const char *flag, size_t len)
{
	size_t i;

	for (i = 0; i < *nseen; i++)
		if (strncmp(seen[i], flag, len) == 0 && strlen(seen[i]) >= len &&
		    !((seen[i][len] >= 'a' && seen[i][len] <= 'z') || seen[i][len] == '-'))
			return true;
	if (*nseen < 256)
		seen[(*nseen)++] = flag;
	return false;
}

/* Prints every flag that some usage shows with a value ("--repo PATH"). */
static void print_value_flags(const kd_cli_command *cmds, size_t n)
{
	const char *pos, *flag, *seen[256];
	size_t i, len, nseen = 0;

	for (i = 0; i < n; i++)
		for (pos = NULL; (flag = kd_cli_flag_next(cmds[i].usage, &pos, &len)) != NULL;)
			if ((flag[len] == ' ' || flag[len] == '=') && flag[len + 1] >= 'A' &&
			    flag[len + 1] <= 'Z' && !printed(seen, &nseen, flag, len))
				printf(" %.*s", (int)len, flag);
}

/* Prints the names of commands whose synopsis has WORD (CLUSTER, APP). */
static void print_cmds_with(const kd_cli_command *cmds, size_t n, const char *word,
			    const char *unless)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (synopsis_has(cmds[i].usage, word) &&
		    !(unless && synopsis_has(cmds[i].usage, unless)))
			printf(" %s", cmds[i].name);
}

static void print_names(const kd_cli_command *cmds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf(" %s", cmds[i].name);
}

/* _kdrift_subcmds CMD: its second words; _kdrift_values CMD FLAG: the
 * flag's values (or @themes/@keymaps: names from __complete). */
static void print_word_functions(const kd_cli_command *cmds, size_t n)
{
	const char *pos, *flag, *src;
	words ws;
	size_t i, len;

	printf("_kdrift_subcmds() {\n\tcase $1 in\n");
	for (i = 0; i < n; i++) {
		second_words(&ws, &cmds[i]);
		if (!ws.n)
			continue;
		printf("\t%s) echo \"", cmds[i].name);
		print_words(&ws);
		printf("\";;\n");
	}
	printf("\tesac\n}\n_kdrift_values() {\n\tcase \"$1 $2\" in\n");
	for (i = 0; i < n; i++) {
		words done = { .n = 0 };

		for (pos = NULL; (flag = kd_cli_flag_next(cmds[i].usage, &pos, &len)) != NULL;) {
			size_t before = done.n;

			words_add(&done, flag, len);
			if (done.n == before)   /* seen already */
				continue;
			if ((src = name_source(flag, len))) {
				printf("\t\"%s %.*s\") echo @%s;;\n", cmds[i].name, (int)len, flag, src);
				continue;
			}
			flag_values(&ws, &cmds[i], flag, len);
			if (!ws.n)
				continue;
			printf("\t\"%s %.*s\") echo \"", cmds[i].name, (int)len, flag);
			print_words(&ws);
			printf("\";;\n");
		}
	}
	printf("\tesac\n}\n");
}

/* The shared part: the commands, value flags and which commands take a
 * cluster or an app, as shell variables. */
static void print_tables(const kd_cli_command *cmds, size_t n)
{
	printf("_kdrift_cmds=\"");
	print_names(cmds, n);
	printf("\"\n_kdrift_value_flags=\"");
	print_value_flags(cmds, n);
	printf("\"\n_kdrift_cluster_cmds=\"");
	print_cmds_with(cmds, n, "CLUSTER", NULL);
	printf("\"\n_kdrift_app_cmds=\"");
	print_cmds_with(cmds, n, "APP", "CLUSTER");
	printf("\"\n");
	print_word_functions(cmds, n);
}

static void print_flag_cases(const kd_cli_command *cmds, size_t n, const char *var)
{
	size_t i;

	for (i = 0; i < n; i++) {
		printf("\t\t%s) %s=\"", cmds[i].name, var);
		print_flags(&cmds[i]);
		printf("\" ;;\n");
	}
}

/* bash and zsh share the word walk: which --repo/--fleet/--revision were
 * given (passed on to __complete) and how many positional words precede. */
static const char walk[] =
	"\tlocal i w skip= npos=0 src=()\n"
	"\tfor ((i = 2; i < cword; i++)); do\n"
	"\t\tw=${words[i]}\n"
	"\t\tif [ -n \"$skip\" ]; then skip=; continue; fi\n"
	"\t\tcase \" $_kdrift_value_flags \" in *\" $w \"*) skip=1;; esac\n"
	"\t\tcase $w in\n"
	"\t\t--repo|--fleet|--revision) src+=(\"$w\" \"${words[i+1]}\");;\n"
	"\t\t--worktree) src+=(\"$w\");;\n"
	"\t\t-*) ;;\n"
	"\t\t*) [ -z \"$skip\" ] && npos=$((npos + 1));;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\t[ -n \"$(_kdrift_subcmds \"$cmd\")\" ] && [ $npos -gt 0 ] && npos=$((npos - 1))\n"
	"\tlocal what=\n"
	"\tcase $prev in\n"
	"\t--cluster) what=clusters;;\n"
	"\t--app) what=apps;;\n"
	"\tesac\n"
	"\tif [ -z \"$what\" ] && [ -z \"$skip\" ]; then\n"
	"\t\tif [[ \" $_kdrift_cluster_cmds \" == *\" $cmd \"* ]]; then\n"
	"\t\t\tcase $npos in 0) what=clusters;; 1) what=apps;; esac\n"
	"\t\telif [[ \" $_kdrift_app_cmds \" == *\" $cmd \"* ]] && [ $npos = 0 ]; then\n"
	"\t\t\twhat=apps\n"
	"\t\tfi\n"
	"\tfi\n";

static void print_bash(const kd_cli_command *cmds, size_t n)
{
	printf("# kdrift completion for bash: eval \"$(kdrift completion bash)\"\n");
	print_tables(cmds, n);
	printf("_kdrift() {\n"
	       "\tlocal words=(\"${COMP_WORDS[@]}\") cword=$COMP_CWORD\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tlocal cmd=${COMP_WORDS[1]} flags=\n"
	       "\tCOMPREPLY=()\n"
	       "\tif [ \"$cword\" -le 1 ] && [[ $cur != -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$_kdrift_cmds\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\t[[ $cmd == -* || $cword -le 1 ]] && cmd=ui   # kdrift --repo R: the UI's options\n"
	       "\tcase $cmd in\n");
	print_flag_cases(cmds, n, "flags");
	printf("\tesac\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tlocal vals=$(_kdrift_values \"$cmd\" \"$prev\")\n"
	       "\tcase $vals in\n"
	       "\t@*) COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" __complete ${vals#@} "
	       "2>/dev/null)\" -- \"$cur\")); return;;\n"
	       "\t?*) COMPREPLY=($(compgen -W \"$vals\" -- \"$cur\")); return;;\n"
	       "\tesac\n"
	       "\tif [ \"$cword\" = 2 ] && [ -n \"$(_kdrift_subcmds \"$cmd\")\" ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(_kdrift_subcmds \"$cmd\")\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "%s"
	       "\tif [ -n \"$what\" ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" __complete \"$what\" "
	       "\"${src[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
	       "\telif [ \"$cmd\" = help ] && [ \"$cword\" = 2 ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$_kdrift_cmds\" -- \"$cur\"))\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\tfi\n"
	       "}\n"
	       "complete -F _kdrift kdrift\n", walk);
}

static void print_zsh(const kd_cli_command *cmds, size_t n)
{
	printf("#compdef kdrift\n"
	       "# kdrift completion for zsh: kdrift completion zsh > \"${fpath[1]}/_kdrift\"\n");
	print_tables(cmds, n);
	printf("_kdrift() {\n"
	       "\temulate -L zsh -o ksh_arrays\n"
	       "\tlocal cword=$((CURRENT - 1)) cmd=${words[1]} prev=${words[CURRENT-2]}\n"
	       "\tlocal cur=${words[CURRENT-1]} flags=\n"
	       "\tif (( cword <= 1 )) && [[ $cur != -* ]]; then\n"
	       "\t\tcompadd -- ${=_kdrift_cmds}\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\t[[ $cmd == -* ]] || (( cword <= 1 )) && cmd=ui\n"
	       "\tcase $cmd in\n");
	print_flag_cases(cmds, n, "flags");
	printf("\tesac\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tcompadd -- ${=flags}\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tlocal vals=$(_kdrift_values \"$cmd\" \"$prev\") subs=$(_kdrift_subcmds \"$cmd\")\n"
	       "\tif [[ $vals == @* ]]; then\n"
	       "\t\tcompadd -- ${(f)\"$(${words[0]} __complete ${vals#@} 2>/dev/null)\"}\n"
	       "\t\treturn\n"
	       "\telif [[ -n $vals ]]; then\n"
	       "\t\tcompadd -- ${=vals}\n"
	       "\t\treturn\n"
	       "\telif [[ $cword == 2 && -n $subs ]]; then\n"
	       "\t\tcompadd -- ${=subs}\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "%s"
	       "\tif [[ -n $what ]]; then\n"
	       "\t\tcompadd -- ${(f)\"$(${words[0]} __complete $what \"${src[@]}\" 2>/dev/null)\"}\n"
	       "\telif [[ $cmd == help && $cword == 2 ]]; then\n"
	       "\t\tcompadd -- ${=_kdrift_cmds}\n"
	       "\telse\n"
	       "\t\t_files\n"
	       "\tfi\n"
	       "}\n"
	       "if [[ ${funcstack[1]} == _kdrift ]]; then _kdrift \"$@\"; "
	       "else compdef _kdrift kdrift; fi\n", walk);
}

/* A fish single-quoted word: \ and ' escaped. */
static void fish_quote(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\\' || *s == '\'')
			putchar('\\');
		putchar(*s);
	}
	putchar('\'');
}

static void print_fish(const kd_cli_command *cmds, size_t n)
{
	const char *pos, *flag;
	size_t i, len;

	printf("# kdrift completion for fish: kdrift completion fish | source\n"
	       "complete -c kdrift -f\n");
	for (i = 0; i < n; i++) {
		printf("complete -c kdrift -n __fish_use_subcommand -a %s -d ", cmds[i].name);
		fish_quote(cmds[i].summary);
		putchar('\n');
	}
	for (i = 0; i < n; i++) {
		words ws, done;

		second_words(&ws, &cmds[i]);
		if (ws.n) {
			printf("complete -c kdrift -n '__fish_seen_subcommand_from %s; and not "
			       "__fish_seen_subcommand_from ", cmds[i].name);
			print_words(&ws);
			printf("' -a '");
			print_words(&ws);
			printf("'\n");
		}
		done.n = 0;
		for (pos = NULL; (flag = kd_cli_flag_next(cmds[i].usage, &pos, &len)) != NULL;) {
			const char *src = name_source(flag, len);
			size_t before = done.n;

			words_add(&done, flag, len);
			if (done.n == before && before < MAX_WORDS)   /* shown twice in the usage */
				continue;
			printf("complete -c kdrift -n '__fish_seen_subcommand_from %s' -l %.*s",
			       cmds[i].name, (int)len - 2, flag + 2);
			flag_values(&ws, &cmds[i], flag, len);
			if (src) {
				printf(" -x -a '(kdrift __complete %s)'", src);
			} else if (ws.n) {
				printf(" -x -a '");
				print_words(&ws);
				putchar('\'');
			}
			putchar('\n');
		}
	}
	printf("complete -c kdrift -n '__fish_seen_subcommand_from");
	print_cmds_with(cmds, n, "CLUSTER", NULL);
	printf("' -a '(kdrift __complete clusters)'\n");
	printf("complete -c kdrift -n '__fish_seen_subcommand_from");
	print_cmds_with(cmds, n, "APP", NULL);
	printf("' -a '(kdrift __complete apps)'\n");
	printf("complete -c kdrift -n '__fish_seen_subcommand_from help' -a '");
	print_names(cmds, n);
	printf("'\n");
}

int kd_cli_completion(int argc, char **argv)
{
	size_t n;
	const kd_cli_command *cmds = kd_cli_commands(&n);

	if (argc != 2)
		return kd_cli_usage_error("completion", "expected bash, zsh or fish");
	if (strcmp(argv[1], "bash") == 0)
		print_bash(cmds, n);
	else if (strcmp(argv[1], "zsh") == 0)
		print_zsh(cmds, n);
	else if (strcmp(argv[1], "fish") == 0)
		print_fish(cmds, n);
	else
		return kd_cli_usage_error("completion", "no completion for shell '%s'", argv[1]);
	return KD_EXIT_OK;
}

int kd_cli_complete(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "revision", required_argument, NULL, 'R' },
		{ "worktree", no_argument, NULL, 'w' },
		{ "fleet", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	/* Completing while editing: the work tree unless a revision is named. */
	kd_source_opts sopts = { .worktree = true };
	const char *repo = kd_cli_default_repo(), *fleet_file = NULL;
	kd_source *src = NULL;
	kd_fleet *fleet = NULL;
	size_t i;
	int c, rc = KD_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'R': sopts.revision = optarg; sopts.worktree = false; break;
		case 'w': sopts.worktree = true; break;
		case 'f': fleet_file = optarg; break;
		default: return KD_EXIT_ERROR;   /* quiet: shells call this */
		}
	}
	if (argc - optind != 1)
		return KD_EXIT_ERROR;
	/* the UI's built-in themes and keymaps; a file path is the shell's */
	if (strcmp(argv[optind], "themes") == 0 || strcmp(argv[optind], "keymaps") == 0) {
		const char *const *names = strcmp(argv[optind], "themes") == 0 ?
					   kd_theme_builtin_names : kd_keymap_builtin_names;

		for (i = 0; names[i]; i++)
			printf("%s\n", names[i]);
		return KD_EXIT_OK;
	}
	if (strcmp(argv[optind], "clusters") != 0 && strcmp(argv[optind], "apps") != 0)
		return KD_EXIT_ERROR;
	if (kd_source_open(&src, repo, &sopts) < 0 || kd_fleet_load(&fleet, src, fleet_file) < 0) {
		rc = KD_EXIT_ERROR;
		goto cleanup;
	}
	/* Names are DNS-1123 (clusters) or checked by the fleet file; still
	 * printed inert, as they come from Git. */
	if (strcmp(argv[optind], "clusters") == 0)
		for (i = 0; i < fleet->nclusters; i++) {
			kd_cli_print_safe(stdout, fleet->clusters[i].name);
			putchar('\n');
		}
	else
		for (i = 0; i < fleet->napps; i++) {
			kd_cli_print_safe(stdout, fleet->apps[i].name);
			putchar('\n');
		}
cleanup:
	kd_fleet_free(fleet);
	kd_source_free(src);
	return rc;
}
