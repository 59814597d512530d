#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal, for tests of what kdrift does when a
person, not a pipe, is watching (progress lines, colour, the pager).

    pty_run.py [--rows N] [--cols N] [--stdout FILE] [--stdin-tty] -- CMD ARGS...

stderr (and stdout, unless --stdout sends it to FILE) is the pty; whatever the
command writes there is copied to our stdout byte for byte.  stdin is
/dev/null unless --stdin-tty.  Exits with the command's status.  The read
ends when the command has exited and the pty is drained, so there is no
time limit here: the suite's own deadline turns a hang into a failure."""
import fcntl
import os
import pty
import struct
import sys
import termios


def main():
    args = sys.argv[1:]
    rows, cols, out_file, stdin_tty = 24, 80, None, False
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--rows":
            rows = int(args.pop(0))
        elif opt == "--cols":
            cols = int(args.pop(0))
        elif opt == "--stdout":
            out_file = args.pop(0)
        elif opt == "--stdin-tty":
            stdin_tty = True
        else:
            sys.exit("pty_run.py: unknown option " + opt)
    if not args or len(args) < 2:
        sys.exit("usage: pty_run.py [options] -- CMD ARGS...")
    cmd = args[1:]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        if stdin_tty:
            os.dup2(slave, 0)
        else:
            fd = os.open(os.devnull, os.O_RDONLY)
            os.dup2(fd, 0)
        if out_file:
            fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
        else:
            os.dup2(slave, 1)
        os.dup2(slave, 2)
        os.close(master)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    os.close(slave)
    out = sys.stdout.buffer
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the pty
            break
        if not data:
            break
        out.write(data)
    out.flush()
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode")
             else (status >> 8))


if __name__ == "__main__":
    main()
