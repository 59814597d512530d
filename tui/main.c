/*
 * main — kdrift's entry point: the command line goes to kd_cli_main
 * (tui/cli/cli.c), which dispatches to a subcommand or opens the UI.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return kd_cli_main(argc, argv);
}
