/*
 * cli — kdrift's headless subcommands (render, version, help, ...).
 *
 * Owns argument parsing and all output of the command-line interface.
 * Exit codes: 0 success, 1 drift found (check/diff), 2 usage or other error.
 */
#ifndef KD_CLI_H
#define KD_CLI_H

int kd_cli_main(int argc, char **argv);

#endif
