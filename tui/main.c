/*
 * main — argument parsing and subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	return kd_cli_main(argc, argv);
}
