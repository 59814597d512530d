/*
 * cli — subcommand table and dispatch (see cli.h).
 */
#include "cli.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

static int cli_version(int argc, char **argv);
static int cli_help(int argc, char **argv);

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions); words past 63 bytes are never "close". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[64][64];

	if (la > 63 || lb > 63)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* Close enough to suggest: a third of the word (at least one edit). */
static bool close_enough(size_t dist, const char *word)
{
	size_t limit = (strlen(word) + 2) / 3;

	return dist <= (limit ? limit : 1);
}

const char *kd_cli_flag_next(const char *usage, const char **pos, size_t *len)
{
	const char *p = *pos ? *pos : usage, *q;

	while ((p = strstr(p, "--")) != NULL) {
		/* A flag starts a word: "--repo", not the middle of "a--b". */
		bool start = p == usage || p[-1] == ' ' || p[-1] == '[' || p[-1] == '\n' ||
			     p[-1] == '(' || p[-1] == ',' || p[-1] == '|';   /* [--a|--b] */

		q = p + 2;
		while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')
			q++;
		if (start && q - p > 3 && q[-1] != '-') {
			*pos = q;
			*len = (size_t)(q - p);
			return p;
		}
		p = q;
	}
	return NULL;
}

static const kd_cli_command *find_command(const char *name);

int kd_cli_unknown_option(const char *cmd, const char *arg)
{
	const kd_cli_command *c = find_command(cmd);
	const char *pos = NULL, *flag;
	char word[64], cand[64], best[64] = "";
	size_t len, wlen = strcspn(arg, "="), dist, best_dist = (size_t)-1;

	snprintf(word, sizeof(word), "%.*s", (int)(wlen < 63 ? wlen : 63), arg);
	if (c && strncmp(word, "--", 2) == 0)
		while ((flag = kd_cli_flag_next(c->usage, &pos, &len)) != NULL) {
			if (len > 63)
				continue;
			snprintf(cand, sizeof(cand), "%.*s", (int)len, flag);
			dist = edit_distance(word + 2, cand + 2);
			if (dist < best_dist && close_enough(dist, word + 2)) {
				best_dist = dist;
				snprintf(best, sizeof(best), "%s", cand);
			}
		}
	fprintf(stderr, "kdrift: %s: unknown option '", cmd);
	kd_cli_print_safe(stderr, word);
	if (*best)
		fprintf(stderr, "'; did you mean '%s'?\n", best);
	else
		fprintf(stderr, "'; see 'kdrift help %s'\n", cmd);
	return KD_EXIT_ERROR;
}

static const kd_cli_command commands[] = {
	{ "render", "print the desired objects of an app for a cluster",
	  "usage: kdrift render [--repo PATH|URL] [--revision REV] [--fleet FILE]\n"
	  "                     [--worktree] [--vars FILE] [--strict-substitution]\n"
	  "                     [--output yaml|json] CLUSTER APP\n"
	  "       kdrift render --all [--repo PATH|URL] [--revision REV] [--fleet FILE]\n"
	  "                     [--worktree] [--vars FILE] [--output yaml|json]\n"
	  "       kdrift render --dir DIR [--load-restrictor none] [--output yaml|json]\n"
	  "\n"
	  "Renders what Git says CLUSTER should run for APP, as a YAML stream (or a\n"
	  "JSON array with --output json).  APP is a fleet app (path, applicationSet\n"
	  "or fluxKustomizations) or the name of one Application an applicationSet\n"
	  "app generates for CLUSTER.  --all renders every app of every cluster in\n"
	  "one process and prints a table of object counts (\"-\": the app does not\n"
	  "target the cluster) followed by the errors; it exits 2 when any failed.\n"
	  "--dir renders one directory the way `kubectl kustomize DIR` would.\n"
	  "\n"
	  "  --repo PATH|URL   the GitOps repository (default: the current directory)\n"
	  "  --revision REV    branch, tag or commit to read (default: HEAD)\n"
	  "  --worktree        read the work tree instead of a commit\n"
	  "  --fleet FILE      the fleet file inside the repository (default: kdrift.yaml)\n"
	  "  --all             every app of every cluster, as a table\n"
	  "  --vars FILE       ConfigMaps/Secrets that exist only in the cluster, for\n"
	  "                    Flux postBuild.substituteFrom\n"
	  "  --strict-substitution  a Flux variable without value or default is an error\n"
	  "  --dir DIR         render a directory of the local file system\n"
	  "  --load-restrictor none  let --dir's kustomizations load files from\n"
	  "                    anywhere in the repository, as Flux does\n"
	  "  -o, --output FMT  yaml (default) or json\n",
	  kd_cli_render },
	{ "convert", "convert a YAML stream to JSON (or back) as Kubernetes does",
	  "usage: kdrift convert [--output json|yaml] [FILE|-]\n"
	  "\n"
	  "Reads a YAML (or JSON) stream and prints it as a JSON array of documents\n"
	  "(default) or as a YAML stream, typing scalars exactly as kubectl does.\n",
	  kd_cli_convert },
	{ "ui", "browse the fleet's drift in the terminal (the default in a terminal)",
	  "usage: kdrift ui [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	  "                 [--kubeconfig FILE] [-l SELECTOR] [--cluster NAME]... [--app NAME]\n"
	  "                 [--timeout D] [--theme NAME] [--keymap NAME] [--ascii]\n"
	  "                 [--mouse|--no-mouse] [--read-only] [--no-self-heal] [--unmanaged]\n"
	  "                 [--from-reports [--reports-namespace NS]]\n"
	  "\n"
	  "Shows every cluster, app and object with its drift status as a tree, and\n"
	  "Git and live side by side for any object.  Keys and colours come from\n"
	  "keymaps and themes (see kdrift-keys(5)); ? lists every key.  `kdrift` with\n"
	  "no command starts it when stdin and stdout are a terminal.\n"
	  "\n"
	  "  --repo PATH|URL     the GitOps repository (default: the current directory)\n"
	  "  --revision REV      branch, tag or commit to read (default: HEAD)\n"
	  "  --worktree          read the work tree instead of a commit\n"
	  "  --fleet FILE        the fleet file inside the repository (default: kdrift.yaml)\n"
	  "  --kubeconfig FILE   default: $KUBECONFIG, else ~/.kube/config\n"
	  "  -l, --selector SEL  only clusters whose labels match (env=production)\n"
	  "  --cluster NAME      only this cluster (repeatable)\n"
	  "  --app NAME          only this app\n"
	  "  --timeout D         per-cluster deadline of one reconcile (default 30s)\n"
	  "  --theme NAME        default, light, high-contrast, mono, or a file\n"
	  "  --keymap NAME       default, vim, emacs, or a file\n"
	  "                      (both default to the settings file's, see kdrift(1) FILES)\n"
	  "  --ascii             ASCII glyphs only (automatic outside UTF-8 locales)\n"
	  "  --mouse             enable the mouse (click selects, wheel scrolls)\n"
	  "  --no-mouse          leave the mouse to the terminal (the default; overrides\n"
	  "                      the settings file's mouse: true)\n"
	  "  --read-only         never offer to change a cluster or Git\n"
	  "  --no-self-heal      start with self-heal of selfHeal clusters paused (H resumes)\n"
	  "  --from-reports      show what each cluster's kdrift agent reported (one\n"
	  "                      read per cluster); acting on a cluster reads it directly\n"
	  "  --reports-namespace NS  where the agents write (default kdrift-system)\n"
	  "  --unmanaged         under each cluster, a node (\xe2\x9c\x8e, ASCII #) of the objects\n"
	  "                      made by hand in its managed namespaces (as check --unmanaged)\n",
	  kd_ui_main },
	{ "check", "compare the fleet with Git once and report drift",
	  "usage: kdrift check [--repo PATH|URL] [--revision REV] [--worktree]\n"
	  "                    [--fleet FILE] [--kubeconfig FILE] [--clusters SELECTOR]\n"
	  "                    [--app NAME] [--timeout D] [--output text|json|junit]\n"
	  "                    [--verbose] [--heal [--webhook URL]] [--unmanaged]\n"
	  "                    [--from-reports [--reports-namespace NS]] [--quiet]\n"
	  "\n"
	  "Renders every app for every selected cluster, reads the clusters' live\n"
	  "objects and reports each resource as synced, drifted (with the field\n"
	  "manager that changed each field), missing, extra, break-glass or unknown.\n"
	  "Exit status: 0 all synced, 1 drift found, 2 errors (an unreachable\n"
	  "cluster or an app that does not render included).\n"
	  "\n"
	  "  --repo PATH|URL      the GitOps repository (default: the current directory)\n"
	  "  --revision REV       branch, tag or commit to read (default: HEAD)\n"
	  "  --worktree           read the work tree instead of a commit\n"
	  "  --fleet FILE         the fleet file inside the repository (default: kdrift.yaml)\n"
	  "  --kubeconfig FILE    kubeconfig (default: $KUBECONFIG or ~/.kube/config)\n"
	  "  --clusters SELECTOR  only clusters whose labels match (env=prod,region in (a,b))\n"
	  "  --app NAME           only this app (and the clusters it is deployed to)\n"
	  "  --timeout D          per-cluster deadline such as 30s or 2m (default: 30s)\n"
	  "  -o, --output FMT     text (default), json or junit\n"
	  "  -v, --verbose        text: list synced resources too\n"
	  "  --heal               apply the fleet's policy first: revert drift on selfHeal\n"
	  "                       clusters (never objects awaiting break-glass follow-up),\n"
	  "                       report drift on alert clusters\n"
	  "  --webhook URL        with --heal: POST new alert drift there as JSON (Slack's\n"
	  "                       `text` field); default: the policy's webhook\n"
	  "  --from-reports       read each cluster's DriftReports (written by `kdrift\n"
	  "                       agent`) instead of its objects: one list per cluster, no\n"
	  "                       rendering; a cluster without an agent and a report older\n"
	  "                       than three of its agent's intervals are unknown\n"
	  "  --reports-namespace NS  where the agents write (default kdrift-system)\n"
	  "  --unmanaged          also list, per cluster, the objects made by hand in the\n"
	  "                       namespaces the apps manage: in no app, owned by nothing,\n"
	  "                       written by no controller (exit 1 when there are any)\n"
	  "  -q, --quiet          no progress line on stderr (shown only on a terminal:\n"
	  "                       clusters read, unreachable, seconds)\n",
	  kd_cli_check },
	{ "diff", "show the differences of one cluster, app or object",
	  "usage: kdrift diff [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	  "                   [--kubeconfig FILE] [--timeout D] [--side-by-side]\n"
	  "                   [--from-reports [--reports-namespace NS]] [--quiet]\n"
	  "                   [--color auto|always|never] [--no-pager]\n"
	  "                   CLUSTER [APP [KIND/NAMESPACE/NAME]]\n"
	  "\n"
	  "Prints a unified diff per object that differs, Git as '---' and the\n"
	  "cluster as '+++', both normalised as `kdrift check` compares them; each\n"
	  "changed field is followed by who changed it (field manager, operation,\n"
	  "time).  Secret values are masked.  Exit status as for check.  On a\n"
	  "terminal removed lines are red and added ones green, and output taller\n"
	  "than the screen goes through $PAGER (default less, with LESS=FRX when\n"
	  "LESS is unset; PAGER=cat or empty: none), as git does.\n"
	  "\n"
	  "  --repo, --revision, --worktree, --fleet, --kubeconfig, --timeout, --quiet:\n"
	  "                       as for check\n"
	  "  --color WHEN         auto (default: on a terminal, unless NO_COLOR is set),\n"
	  "                       always or never\n"
	  "  --no-pager           never start a pager\n"
	  "  --side-by-side       two columns, Git left and the cluster right\n"
	  "  -W, --width N        total width of --side-by-side (default: $COLUMNS or 160)\n"
	  "  --from-reports       the fields of the agent's DriftReport (no objects: each\n"
	  "                       field with its Git and cluster values)\n",
	  kd_cli_diff },
	{ "compare", "line one app up across clusters: what differs, and is it intentional?",
	  "usage: kdrift compare [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	  "                      [--kubeconfig FILE] [--timeout S] [--clusters SELECTOR]\n"
	  "                      [--group-by LABEL] [--all] [--output text|json] [--quiet] APP\n"
	  "\n"
	  "Reads every cluster APP is deployed to and prints a row for each field\n"
	  "(JSON pointer) whose desired or live value differs between any two of\n"
	  "them, a column per cluster.  Each cell has a class: intentional (Git sets\n"
	  "the value for that cluster and live agrees), accepted (set by a patch kdrift\n"
	  "accepted into Git), drift (live differs; who changed it and when), break-glass,\n"
	  "missing or unknown; and the FILE:LINE that set its desired value.  Outliers\n"
	  "are marked: a live value a strict minority of the clusters with the same\n"
	  "desired value hold (a hotfix in one cluster), and a desired value Git sets\n"
	  "for a strict minority of a group of clusters sharing the --group-by label.\n"
	  "Secret values are masked.\n"
	  "\n"
	  "  --repo, --revision, --worktree, --fleet, --kubeconfig, --timeout, --quiet:\n"
	  "                       as for check\n"
	  "  --clusters SELECTOR  only clusters whose labels match (env=production)\n"
	  "  --group-by LABEL     the label that groups clusters (default: env)\n"
	  "  --all                also the fields that agree everywhere\n"
	  "  -o, --output FMT     text (default) or json\n",
	  kd_cli_compare },
	{ "explain", "show the chain of layers and steps that set a field",
	  "usage: kdrift explain [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	  "                      [--output text|json] CLUSTER APP KIND/NAMESPACE/NAME [POINTER]\n"
	  "\n"
	  "Renders APP for CLUSTER from Git and prints, for the field at POINTER (a\n"
	  "JSON pointer such as /spec/replicas) or for every field of the object, each\n"
	  "step that set it, oldest first: the file and line, the step (resource,\n"
	  "patch, component, namespace, images, generator, replacement, Flux postBuild\n"
	  "variable with its ConfigMap or Secret key, ApplicationSet parameter and the\n"
	  "cluster label it read, accepted patch with its commit) and the value.  The\n"
	  "last step's value is the rendered value.  Secret values are masked.  No\n"
	  "cluster is read.\n"
	  "\n"
	  "  --repo, --revision, --worktree, --fleet: as for render\n"
	  "  -o, --output FMT     text (default) or json\n",
	  kd_cli_explain },
	{ "topology", "classify every field as fleet-wide, per environment or per cluster",
	  "usage: kdrift topology [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	  "                       [--kubeconfig FILE] [--timeout S] [--clusters SELECTOR]\n"
	  "                       [--app APP] [--group-by LABEL] [--output text|json] [--quiet]\n"
	  "\n"
	  "For every field of every app (or of APP): its scope (fleet: the same desired\n"
	  "value everywhere; environment: constant within each --group-by group and\n"
	  "different between them; cluster: differs within a group), the files that\n"
	  "declare it and the values.  Then the contradictions: a field declared per\n"
	  "cluster but equal everywhere (it could move to a shared layer), and a field\n"
	  "declared in a layer several clusters share whose live value differs in\n"
	  "some cluster.  Secret values are masked.\n"
	  "\n"
	  "  --repo, --revision, --worktree, --fleet, --kubeconfig, --timeout, --quiet:\n"
	  "                       as for check\n"
	  "  --clusters SELECTOR  only clusters whose labels match\n"
	  "  --app APP            only this app\n"
	  "  --group-by LABEL     the label that groups clusters (default: env)\n"
	  "  -o, --output FMT     text (default) or json\n",
	  kd_cli_topology },
	{ "revert", "put a cluster's drifted objects back to what Git says",
	  "usage: kdrift revert [--repo PATH|URL] [--revision REV] [--worktree] [--fleet FILE]\n"
	  "                     [--kubeconfig FILE] [--timeout D] [--path POINTER]...\n"
	  "                     [--prune] [--dry-run] [--yes] [--reason TEXT] [--ticket T]\n"
	  "                     [--quiet] CLUSTER APP [KIND/NAMESPACE/NAME]\n"
	  "\n"
	  "Reads CLUSTER once, plans the revert of APP (or of one object, or of some\n"
	  "of its fields with --path) and shows it: the patch per object as YAML, the\n"
	  "objects to create and to prune, and what is left alone and why.  After\n"
	  "confirmation on the terminal (a production cluster asks for its name) it\n"
	  "writes each change with the version that was read as a precondition, so\n"
	  "an object changed meanwhile is never overwritten.  Every write is in the\n"
	  "audit log.  Exit status: 0 done, 1 some object changed since it was read\n"
	  "(nothing of it overwritten; run again), 2 errors.\n"
	  "\n"
	  "  --repo, --revision, --worktree, --fleet, --kubeconfig, --timeout, --quiet:\n"
	  "                     as for check\n"
	  "  -p, --path POINTER  only this drifted field and those below it (repeatable)\n"
	  "  --prune             delete extra objects too, when the cluster's policy allows\n"
	  "  -n, --dry-run       send the changes as a server-side dry run; nothing changes\n"
	  "  -y, --yes           do not ask (needed without a terminal)\n"
	  "  --reason TEXT, --ticket T  recorded in the audit log\n",
	  kd_cli_revert },
	{ "accept", "make a cluster's live values intentional: commit them to its layer in Git",
	  "usage: kdrift accept [--repo PATH] [--revision REV] [--fleet FILE]\n"
	  "                     [--kubeconfig FILE] [--timeout D] [--path POINTER]...\n"
	  "                     --reason TEXT [--branch NAME] [--author \"Name <email>\"]\n"
	  "                     [--to LAYER] [--no-push] [--yes] CLUSTER APP KIND/NAMESPACE/NAME\n"
	  "\n"
	  "Writes the live values of the object's drifted fields (or of those --path\n"
	  "selects) into the cluster's own layer of the app: a patch file under\n"
	  "kdrift-accepted/ listed in the layer's kustomization.  A missing object is\n"
	  "accepted as absent, an extra one as a new resource.  Shows the file and the\n"
	  "kustomization line, asks for confirmation, commits with the reason and\n"
	  "pushes (redoing the edit if the remote moved).  Secret values are never\n"
	  "written to Git.  With --to the values are promoted into a shared layer the\n"
	  "cluster's path includes (an environment overlay, the base); the preview and\n"
	  "the commit name every cluster whose desired state changes and which of them\n"
	  "will drift until synced.\n"
	  "\n"
	  "  --repo PATH         the local GitOps repository (default: the current directory)\n"
	  "  -p, --path POINTER  only this drifted field and those below it (repeatable)\n"
	  "  --to LAYER          promote into this shared layer (a directory of the repository)\n"
	  "  -m, --reason TEXT   why (required; in the commit message)\n"
	  "  -b, --branch NAME   commit to this branch for review instead\n"
	  "  --author ID         \"Name <email>\" (default: the repository's user)\n"
	  "  --no-push           commit locally only\n"
	  "  -y, --yes           do not ask (needed without a terminal)\n",
	  kd_cli_accept },
	{ "breakglass", "time-boxed, logged manual changes to clusters",
	  "usage: kdrift breakglass start --reason TEXT [--ticket T] [--duration D]\n"
	  "       kdrift breakglass status\n"
	  "       kdrift breakglass edit CLUSTER KIND/NAMESPACE/NAME\n"
	  "       kdrift breakglass scale CLUSTER KIND/NAMESPACE/NAME REPLICAS\n"
	  "       kdrift breakglass set-image CLUSTER KIND/NAMESPACE/NAME CONTAINER=IMAGE\n"
	  "       kdrift breakglass restart CLUSTER KIND/NAMESPACE/NAME\n"
	  "       kdrift breakglass delete CLUSTER KIND/NAMESPACE/NAME\n"
	  "       kdrift breakglass end\n"
	  "       kdrift breakglass followup [--revert AUDIT-ID [--reason TEXT]]\n"
	  "  (changes and --revert also take [--repo PATH|URL] [--revision REV]\n"
	  "   [--fleet FILE] [--kubeconfig FILE] [--yes] [--dry-run])\n"
	  "\n"
	  "A session is started with a reason and lasts --duration (e.g. 1h30m; at most\n"
	  "the fleet's breakGlass.maxDuration).  Inside it, changes are made with the\n"
	  "cluster's break-glass credential (breakGlass.context), shown as a patch and\n"
	  "confirmed first; each is written to the audit log before and after the call\n"
	  "and the object is annotated with the audit id.  `edit` opens $EDITOR on\n"
	  "the live object as YAML (Secret values masked; editing them is refused).\n"
	  "`end` lists every object changed under break-glass that awaits follow-up:\n"
	  "accept it into Git, revert it, or leave it flagged.  Outside an active\n"
	  "session every change is refused.  `followup` lists the changes awaiting\n"
	  "follow-up; with --revert AUDIT-ID it reverts, with the normal credential,\n"
	  "only the fields that object's open break-glass changes set (other drift\n"
	  "of it stays), shown and confirmed like `kdrift revert`.\n",
	  kd_cli_breakglass },
	{ "audit", "show or verify the audit log of every change kdrift made",
	  "usage: kdrift audit show [--since TIME] [--until TIME] [--cluster NAME]\n"
	  "                         [--action ACTION] [--log FILE] [--output text|json]\n"
	  "       kdrift audit verify [--log FILE] [--key-file FILE] [--head 'SEQ HASH']...\n"
	  "\n"
	  "The audit log holds one JSON record per line, each carrying the SHA-256 of\n"
	  "the one before.  `show` lists records (TIME is RFC 3339, a date, or an age\n"
	  "such as 30m, 2h or 7d); `verify` checks the chain and reports edited,\n"
	  "removed, reordered, duplicated and malformed records and a truncated last\n"
	  "line; against the anchor (FILE.head) a cut tail, an emptied log, records\n"
	  "not appended by kdrift and a rewritten chain; with a key\n"
	  "($KDRIFT_AUDIT_KEY_FILE) every record's MAC.  It exits 1 when it finds any.\n"
	  "\n"
	  "  --log FILE   the log (default: $KDRIFT_AUDIT_LOG, else\n"
	  "               $XDG_STATE_HOME/kdrift/audit.jsonl)\n"
	  "  --key-file FILE  the key (default: $KDRIFT_AUDIT_KEY_FILE)\n"
	  "  --head 'SEQ HASH'  a head kept elsewhere, e.g. a commit's\n"
	  "               Kdrift-Audit-Head trailer; it must be in the log\n",
	  kd_cli_audit },
	{ "init", "write a first kdrift.yaml from the repository's layout and the kubeconfig",
	  "usage: kdrift init [--repo PATH] [--kubeconfig FILE] [--force] [--dry-run]\n"
	  "\n"
	  "Examines the repository's work tree and the kubeconfig's contexts and\n"
	  "writes PATH/kdrift.yaml: Flux clusters (clusters/NAME or any directory a\n"
	  "flux-system sync points at) with a fluxKustomizations app, Argo CD\n"
	  "ApplicationSets as applicationSet apps over the kubeconfig's contexts,\n"
	  "clusters/NAME/APP directories as path apps clusters/{{name}}/APP, and\n"
	  "overlays/ENV directories as path apps over the contexts.  Clusters get\n"
	  "the context of their name; env and region labels are guessed from the\n"
	  "names.  It prints what it found, what it guessed (each guess is a comment\n"
	  "in the file) and what it could not map.  The file is checked to load\n"
	  "before it is written, atomically.  Commit it: the other commands read the\n"
	  "committed fleet file (or the work tree with --worktree).\n"
	  "\n"
	  "  --repo PATH        the local repository (default: the current directory)\n"
	  "  --kubeconfig FILE  default: $KUBECONFIG, else ~/.kube/config\n"
	  "  --force            replace an existing kdrift.yaml\n"
	  "  -n, --dry-run      print the file (and the report on stderr); write nothing\n",
	  kd_cli_init },
	{ "agent", "run in a cluster: report its drift as DriftReports, heal, serve metrics",
	  "usage: kdrift agent --cluster NAME [--repo PATH|URL] [--revision REV] [--fleet FILE]\n"
	  "                    [--interval D] [--once] [--metrics-addr HOST:PORT]\n"
	  "                    [--kubeconfig FILE --context NAME] [--namespace NS] [--timeout D]\n"
	  "                    [--git-username U] [--git-token-file FILE]\n"
	  "                    [--git-ssh-key-file FILE --git-known-hosts FILE] [--webhook URL]\n"
	  "\n"
	  "Runs inside cluster NAME (as the fleet file names it) with the pod's service\n"
	  "account: clones the repository (fetched again every interval), renders the\n"
	  "cluster's apps, watches its objects and diffs them like `kdrift check`,\n"
	  "applies the fleet's policy for the cluster (selfHeal: revert, logged to the\n"
	  "audit log; alert: report new drift to the webhook) and writes one\n"
	  "DriftReport per app into NS, only when it changed (unchanged reports are\n"
	  "confirmed once per interval; readers take a report older than three\n"
	  "intervals as stale).  `kdrift check --from-reports` and the UI read them.\n"
	  "Runs until SIGTERM; --once reconciles, reports and exits.  Options also\n"
	  "come from KDRIFT_CLUSTER, KDRIFT_REPO, KDRIFT_REVISION, KDRIFT_INTERVAL,\n"
	  "KDRIFT_GIT_USERNAME, KDRIFT_GIT_TOKEN_FILE, KDRIFT_GIT_SSH_KEY_FILE and\n"
	  "KDRIFT_GIT_KNOWN_HOSTS.\n"
	  "\n"
	  "  --cluster NAME        the cluster the agent runs in (required)\n"
	  "  --repo PATH|URL       the GitOps repository (default: the current directory)\n"
	  "  --revision REV        branch, tag or commit (default: the default branch)\n"
	  "  --interval D          Git fetch and report confirmation (default 5m)\n"
	  "  --once                reconcile and report once, then exit\n"
	  "  --metrics-addr ADDR   serve /metrics, /healthz and /readyz on HOST:PORT\n"
	  "  --kubeconfig FILE, --context NAME  reach the cluster this way instead\n"
	  "  --namespace NS        where the DriftReports go (default kdrift-system)\n"
	  "  --timeout D           per-reconcile deadline (default 30s)\n"
	  "  --git-username U      HTTPS user for --git-token-file (default: git)\n"
	  "  --git-token-file FILE HTTPS token or password, read at each fetch\n"
	  "  --git-ssh-key-file FILE  SSH private key; needs --git-known-hosts FILE\n"
	  "  --webhook URL         alerts go there instead of the policy's webhook\n",
	  kd_cli_agent },
	{ "policy", "write admission policies: only GitOps may change what the fleet manages",
	  "usage: kdrift policy export --format kyverno|gatekeeper|vap [--clusters SELECTOR]\n"
	  "                            [--audit] [--output FILE] [--repo PATH|URL]\n"
	  "                            [--revision REV] [--worktree] [--fleet FILE]\n"
	  "\n"
	  "Renders every app of the selected clusters and writes admission policies\n"
	  "for what they manage: the namespaced kinds they declare, in the namespaces\n"
	  "they use, and their cluster-scoped objects by name.  Creating, changing or\n"
	  "deleting those is left only to the GitOps appliers (prevention.appliers and\n"
	  "applierGroups in the fleet file; by default Flux's and Argo CD's\n"
	  "controllers), the break-glass group (breakGlass.group) and Kubernetes' own\n"
	  "controllers and nodes.  Status and other subresources are never matched.\n"
	  "Formats: a Kyverno ClusterPolicy, a Gatekeeper ConstraintTemplate with its\n"
	  "constraints (add DELETE to Gatekeeper's webhook operations to cover\n"
	  "deletes), or a ValidatingAdmissionPolicy with its binding (Kubernetes\n"
	  "1.30+).  Apply with --audit first: refusals are then only reported.\n"
	  "\n"
	  "  --format FMT         kyverno, gatekeeper or vap\n"
	  "  --clusters SELECTOR  only clusters whose labels match (default: all)\n"
	  "  --audit              report instead of refusing (Kyverno Audit, Gatekeeper\n"
	  "                       warn, ValidatingAdmissionPolicy Audit and Warn)\n"
	  "  -o, --output FILE    write FILE (atomically) instead of standard output\n"
	  "  --repo, --revision, --worktree, --fleet: as for check\n",
	  kd_cli_policy },
	{ "completion", "print a shell completion script (bash, zsh or fish)",
	  "usage: kdrift completion bash|zsh|fish\n"
	  "\n"
	  "Prints a script completing kdrift's commands, their flags, subcommands\n"
	  "and flag values (output formats, theme and keymap names, ...), and the\n"
	  "clusters and apps of the fleet file (of the repository the command line\n"
	  "names, else the current directory).  bash: eval \"$(kdrift completion bash)\" in ~/.bashrc; zsh:\n"
	  "kdrift completion zsh > a directory of $fpath, as _kdrift; fish:\n"
	  "kdrift completion fish > ~/.config/fish/completions/kdrift.fish\n",
	  kd_cli_completion },
	{ "version", "print kdrift's version", "usage: kdrift version\n",
	  cli_version },
	{ "help", "show help for a command", "usage: kdrift help [COMMAND]\n",
	  cli_help },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const kd_cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const kd_cli_command *kd_cli_commands(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

static void print_overview(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kdrift COMMAND [OPTIONS] [ARGS]\n\n"
		   "kdrift shows and fixes drift between a GitOps repository and a fleet\n"
		   "of Kubernetes clusters.\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'kdrift help COMMAND' for a command's options.\n");
}

static int cli_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return kd_cli_usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("kdrift %s\n", KD_VERSION);
	return KD_EXIT_OK;
}

static int cli_help(int argc, char **argv)
{
	const kd_cli_command *cmd;

	if (argc < 2) {
		print_overview(stdout);
		return KD_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "kdrift: no such command '%s'\n\n", argv[1]);
		print_overview(stderr);
		return KD_EXIT_ERROR;
	}
	fputs(cmd->usage, stdout);
	return KD_EXIT_OK;
}

int kd_cli_fail(const char *cmd)
{
	const char *msg = kd_error_last();

	/* Messages quote clusters and Git (an API server's Status, a name
	 * from a file): shown inert like all such text, newlines kept. */
	fprintf(stderr, "kdrift: %s: ", cmd);
	if (*msg)
		kd_cli_print_text(stderr, msg);
	else
		fputc('\n', stderr);
	return KD_EXIT_ERROR;
}

int kd_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	const kd_cli_command *c = find_command(cmd);
	va_list ap;

	fprintf(stderr, "kdrift: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	if (c)
		fputs(c->usage, stderr);
	return KD_EXIT_ERROR;
}

int kd_cli_main(int argc, char **argv)
{
	const kd_cli_command *cmd;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		print_overview(stdout);
		return KD_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0)
		return cli_version(1, argv + 1);
	/* No command, perhaps global options (`kdrift --repo R`): the UI on a
	 * terminal, whose options they are; elsewhere a usage error. */
	if (argc < 2 || argv[1][0] == '-') {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return kd_ui_main(argc, argv);
		print_overview(stderr);
		return KD_EXIT_ERROR;
	}
	if (strcmp(argv[1], "__complete") == 0)   /* hidden: the completion scripts' */
		return kd_cli_complete(argc - 1, argv + 1);
	cmd = find_command(argv[1]);
	if (!cmd) {
		const char *best = NULL;
		size_t i, dist, best_dist = (size_t)-1;

		for (i = 0; i < NCOMMANDS; i++) {
			dist = edit_distance(argv[1], commands[i].name);
			if (dist < best_dist && close_enough(dist, argv[1])) {
				best_dist = dist;
				best = commands[i].name;
			}
		}
		fputs("kdrift: unknown command '", stderr);
		kd_cli_print_safe(stderr, argv[1]);
		if (best)
			fprintf(stderr, "'; did you mean '%s'?\n", best);
		else
			fputs("'; run 'kdrift --help' for the commands\n", stderr);
		return KD_EXIT_ERROR;
	}
	return cmd->run(argc - 1, argv + 1);
}
