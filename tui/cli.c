/*
 * cli — subcommand dispatch (see cli.h).
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#define KD_VERSION "0.1.0"

static int usage(FILE *f)
{
	fprintf(f, "usage: kdrift COMMAND [OPTIONS]\n");
	return f == stderr ? 2 : 0;
}

int kd_cli_main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "version") == 0) {
		printf("kdrift %s\n", KD_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
		return usage(stdout);
	fprintf(stderr, "kdrift: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
