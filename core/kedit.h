/*
 * kedit — adds one entry to a list of a kustomization.yaml without
 * re-serialising the file, so its comments, key order, quoting and blank
 * lines survive an automated edit that a reviewer will read as a diff.
 *
 * The edit is textual: the top-level key (`patches:`, `resources:`) is found
 * at column 0; a block list gets one more "- ENTRY" line after its last
 * item, at the indentation its items already use; an empty or null value
 * (`patches: []`, `patches:`) becomes a block list; a one-line flow list
 * (`resources: [a, b]`) gets ", ENTRY" before its closing bracket; a file
 * without the key gets "KEY:" and the item appended at its end, indented
 * like the file's other top-level lists.  CRLF files stay CRLF.  Anything
 * else (a multi-line flow list, an alias, a flow-style document) is refused
 * with KD_EUNSUPPORTED rather than guessed at.
 *
 * Every edit is checked by parsing the result: it must equal the original
 * document with exactly the entry appended to that list, or nothing is
 * returned.  Never touches files; callers pass bytes.
 */
#ifndef KD_KEDIT_H
#define KD_KEDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Appends `entry` to the list under top-level key `key` of the YAML text
 * `text` (named `name` in messages) and puts the whole new text in *out
 * (replacing its contents).  `entry` is a string ("dir/file.yaml") or an
 * object with one string member ({"path": "dir/file.yaml"}); strings must be
 * plain-safe: letters, digits and "._/-" only.  When the list already holds
 * the entry (or, for an object entry, an element with the same "path"),
 * *out receives the text unchanged and *added is false.
 */
int kd_kedit_list_add(kd_buf *out, bool *added, const char *text, size_t len,
		      const char *name, const char *key, const json_t *entry);

#endif
