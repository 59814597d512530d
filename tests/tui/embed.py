#!/usr/bin/env python3
"""Writes tui/ui/keymap_data.c and tui/ui/theme_data.c from keymaps/*.keys and
themes/*.theme, so the compiled-in defaults are the data files.

    tests/tui/embed.py [--check]

--check compares instead of writing and exits 1 when a file is stale
(tests/tui/data.sh runs it)."""
import glob
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def c_string(text):
    out = []
    for line in text.splitlines(True):
        esc = line.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
        out.append('\t"%s"' % esc)
    return '\n'.join(out) if out else '\t""'


def generate(kind, pattern, ext, what):
    files = sorted(glob.glob(os.path.join(root, pattern)))
    names = [os.path.basename(f)[:-len(ext)] for f in files]
    lines = ['/*',
             ' * %s_data — the %s compiled in.  Generated from %s by' % (kind, what, pattern.replace('*', 'NAME')),
             ' * tests/tui/embed.py; edit the data files and rerun it (a test checks).',
             ' */',
             '#include "%s.h"' % kind,
             '',
             '#include <string.h>',
             '']
    for n, f in zip(names, files):
        with open(f, encoding='utf-8') as fh:
            text = fh.read()
        lines.append('static const char %s_%s[] =' % (kind, n.replace('-', '_')))
        lines.append(c_string(text) + ';')
        lines.append('')
    lines.append('const char *const kd_%s_builtin_names[] = {' % kind)
    for n in names:
        lines.append('\t"%s",' % n)
    lines.append('\tNULL,')
    lines.append('};')
    lines.append('')
    lines.append('const char *kd_%s_builtin(const char *name)' % kind)
    lines.append('{')
    for n in names:
        lines.append('\tif (strcmp(name, "%s") == 0)' % n)
        lines.append('\t\treturn %s_%s;' % (kind, n.replace('-', '_')))
    lines.append('\treturn NULL;')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def main():
    check = '--check' in sys.argv[1:]
    stale = 0
    for kind, pattern, ext, what in (('keymap', 'keymaps/*.keys', '.keys', 'keymaps'),
                                     ('theme', 'themes/*.theme', '.theme', 'themes')):
        text = generate(kind, pattern, ext, what)
        path = os.path.join(root, 'tui', 'ui', kind + '_data.c')
        if check:
            try:
                with open(path, encoding='utf-8') as fh:
                    cur = fh.read()
            except OSError:
                cur = None
            if cur != text:
                print('stale: tui/ui/%s_data.c differs from %s' % (kind, pattern))
                stale = 1
        else:
            with open(path, 'w', encoding='utf-8') as fh:
                fh.write(text)
    return stale


if __name__ == '__main__':
    sys.exit(main())
