/*
 * yaml — YAML streams to JSON values (see data.h), built on libyaml events.
 *
 * Typing rules, found by running `kubectl kustomize` (v5.5) on ConfigMaps
 * whose data held each scalar; tests/fixtures/yaml/typing.tsv holds them as
 * a table that tests/integration/yaml_typing.sh re-checks against kubectl.
 * They are go-yaml v3's resolution followed by Go's encoding/json:
 *
 *  - Quoted and block scalars are strings.  Plain scalars:
 *  - null: "", "~", "null", "Null", "NULL" (not "nUll").
 *  - bool: "true", "True", "TRUE", "false", "False", "FALSE" only;
 *    yes/no/on/off/y/n in any case stay strings.
 *  - ".inf", "-.inf", "+.inf", ".nan" (lower, Capitalised or UPPER) are
 *    floats JSON cannot hold: kustomize fails, so do we (with a position).
 *    "inf", "Inf", "NaN", "infinity" are strings.
 *  - Timestamps, tried first when the text starts with four digits and '-':
 *    Go's time.Parse with "2006-1-2T15:4:5.999999999Z07:00", the same with
 *    't', "2006-1-2 15:4:5.999999999" (one or more spaces, no zone) and
 *    "2006-1-2".  Month and day take one or two digits, so do hour, minute
 *    and second; dates are checked (2026-02-30 stays a string); the fraction
 *    may follow '.' or ',' and is cut to 9 digits; the zone is "Z" or
 *    "±hh:mm" ("+0200" fails).  The result is the string Go's RFC3339Nano
 *    prints: "2026-11-26" → "2026-11-26T00:00:00Z",
 *    "2026-1-2 3:04:05" → "2026-01-02T03:04:05Z", a zero offset → "Z",
 *    "+02:00" kept, ".500" → ".5", ".000" dropped.
 *  - Numbers, for text starting with a digit, '+', '-' or '.': every '_' is
 *    removed first (so "_10" is a string but "1__0" is 10 and "10_" is 10),
 *    except that after a leading '.' an '_' must stand between two digits
 *    (".5_0" → 0.5, "._5" is a string).
 *    Integers as Go's ParseInt(s, 0, 64): optional sign, 0x/0o/0b prefixes
 *    in either case, a leading 0 means octal ("010" → 8, "0_10" → 8), a
 *    prefix needs at least 3 characters ("0x" is a string).  Beyond int64,
 *    unsigned values up to 2^64-1 are integers in Go; jansson cannot hold
 *    them, so they become reals here (rounded).  Otherwise the float syntax
 *    ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ parsed as a
 *    double: "08" → 8, "012345678" → 12345678, "1." → 1, "-.5" → -0.5;
 *    overflow ("1e400") stays a string, underflow ("1e-400") is 0.
 *    Hex floats, "1e", "1:20", "1,000", "1.2.3" are strings.
 *  - A float whose value is integral and within int64 is emitted as an
 *    integer ("1e3" → 1000, "1.0" → 1, "-0.0" → 0), because Go's JSON
 *    writes it without a fraction and kustomize reads it back as an int.
 *  - Everything else is a string.
 *
 * Tags: !!str keeps the text; !!int, !!float, !!bool, !!null and
 * !!timestamp resolve the text (even when quoted) and fail when it is not
 * of that type (an int is a valid !!float; "1.5" is not an !!int); !!binary
 * decodes base64; "!" is ignored; other tags (!foo) give the text as a
 * string; tags on mappings and sequences are ignored.
 *
 * Keys: keys of a document's top-level mapping are the key text itself
 * ("1: a" → "1", "0x1F: b" → "0x1F"; a null key is refused); deeper, a
 * key that is not a string (1, true, null, a timestamp, a collection) is an
 * error, as in kustomize.  Duplicate keys are an error.  A plain "<<"
 * merges a mapping or a sequence of mappings: explicit keys win wherever
 * they stand, then earlier merged mappings win; a second "<<" in one
 * mapping or a value that is not a mapping is an error.  A quoted or
 * tagged "<<" key is dropped with its value, exactly as kustomize does.
 *
 * Structure: the builder keeps its own stack (libyaml's parser is not
 * recursive either), so depth is bounded by limits->max_depth, not by the
 * C stack.  Aliases are expanded by deep copy; the nodes they add are
 * counted against max_alias_nodes before copying, so a "billion laughs"
 * document fails after a few kilobytes of work.
 */
#include "data/data.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/base.h"

const kd_yaml_limits kd_yaml_default_limits = {
	256,
	64u * 1024 * 1024,
	1000000,
};

typedef struct frame {
	json_t *value;       /* object or array under construction */
	bool is_map;
	bool top_map;        /* a document's top-level mapping */
	json_t *key;         /* pending key of a mapping, or NULL */
	int key_mode;        /* 0: expect key, 1: value, 2: merge value, 3: drop */
	size_t path_len;     /* length of this node's JSON pointer */
	char *anchor;
	size_t nodes;        /* nodes in this subtree */
	size_t height;       /* levels below this node */
	size_t *key_lines;   /* line of each explicit key, in insertion order */
	size_t nkeys, keys_cap;
	json_t *merges;      /* array of mappings to merge at the end */
	bool saw_merge;
	yaml_mark_t merge_mark;
} frame;

typedef struct anchor {
	json_t *value;
	size_t nodes;
	size_t height;
} anchor;

typedef struct state {
	const char *name;
	const kd_yaml_limits *lim;
	frame *stack;
	size_t depth, cap;
	kd_buf path;
	json_t *positions;   /* per document, or NULL when not wanted */
	json_t *root;
	bool have_root;
	json_t *anchor_index; /* name -> index into anchors */
	anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t alias_nodes;
	size_t suppress;     /* > 0 while inside a value that is not kept */
	json_t *empty;       /* pointers of empty plain nulls in this document, or NULL */
	bool want_empty;     /* collect them */
	bool last_key_wins;  /* a repeated key replaces the earlier value */
	bool go_folded;      /* KD_YAML_GO_FOLDED */
} state;

static int fail_at(const state *st, yaml_mark_t m, int code, const char *msg)
{
	return kd_error_set(code, "%s:%zu:%zu: %s", st->name, m.line + 1,
			    m.column + 1, msg);
}

static int wrap_at(const state *st, yaml_mark_t m, int code)
{
	return kd_error_wrap(code, "%s:%zu:%zu: ", st->name, m.line + 1, m.column + 1);
}

/* Appends "/" and one RFC 6901 reference token ("~" -> "~0", "/" -> "~1"). */
static int pointer_append(kd_buf *path, const char *token)
{
	int rc = kd_buf_putc(path, '/');

	for (; rc == 0 && *token; token++) {
		if (*token == '~')
			rc = kd_buf_puts(path, "~0");
		else if (*token == '/')
			rc = kd_buf_puts(path, "~1");
		else
			rc = kd_buf_putc(path, *token);
	}
	return rc;
}

static int record_position(state *st, yaml_mark_t m)
{
	json_t *pos;

	if (!st->positions || st->suppress)
		return 0;
	pos = json_pack("[II]", (json_int_t)m.line + 1, (json_int_t)m.column + 1);
	if (!pos || json_object_set_new(st->positions, kd_buf_cstr(&st->path), pos) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* Sets the path to the pointer of the next child of the top frame and
 * records where it starts.  For mapping values this happens when the key
 * is complete (the key's mark), so it is skipped here. */
static int begin_child(state *st, yaml_mark_t m)
{
	frame *f;
	char idx[32];
	int rc;

	if (st->depth == 0) {
		kd_buf_truncate(&st->path, 0);
		return record_position(st, m);
	}
	f = &st->stack[st->depth - 1];
	if (f->is_map)
		return 0;
	kd_buf_truncate(&st->path, f->path_len);
	snprintf(idx, sizeof(idx), "/%zu", json_array_size(f->value));
	rc = kd_buf_puts(&st->path, idx);
	if (rc < 0)
		return rc;
	return record_position(st, m);
}

static bool expecting_key(const state *st)
{
	return st->depth > 0 && st->stack[st->depth - 1].is_map &&
	       st->stack[st->depth - 1].key_mode == 0;
}

static int remember_anchor(state *st, const char *name, json_t *v, size_t nodes, size_t height)
{
	json_t *idx;
	anchor *a;

	if (!name)
		return 0;
	idx = json_object_get(st->anchor_index, name);
	if (idx) {
		a = &st->anchors[json_integer_value(idx)];
		json_decref(a->value);
	} else {
		if (st->nanchors == st->anchors_cap) {
			size_t cap = st->anchors_cap ? st->anchors_cap * 2 : 16;
			anchor *p = realloc(st->anchors, cap * sizeof(*p));

			if (!p)
				return kd_error_set(KD_ENOMEM, "out of memory");
			st->anchors = p;
			st->anchors_cap = cap;
		}
		if (json_object_set_new(st->anchor_index, name,
					json_integer((json_int_t)st->nanchors)) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		a = &st->anchors[st->nanchors++];
	}
	a->value = json_incref(v);
	a->nodes = nodes;
	a->height = height;
	return 0;
}

static void forget_anchors(state *st)
{
	size_t i;

	for (i = 0; i < st->nanchors; i++)
		json_decref(st->anchors[i].value);
	st->nanchors = 0;
	json_object_clear(st->anchor_index);
}

/* Merges the "<<" sources into a finished mapping: keys already present
 * (explicit ones, or from an earlier source) win. */
static int apply_merges(state *st, frame *f)
{
	size_t i;
	json_t *src, *v;
	const char *k;

	json_array_foreach(f->merges, i, src) {
		json_object_foreach(src, k, v) {
			if (json_object_get(f->value, k))
				continue;
			if (json_object_set_new(f->value, k, json_deep_copy(v)) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
			if (st->positions && !st->suppress) {
				int rc;

				kd_buf_truncate(&st->path, f->path_len);
				rc = pointer_append(&st->path, k);
				if (rc == 0)
					rc = record_position(st, f->merge_mark);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

/* Names the line of the first definition: jansson keeps insertion order,
 * and merged keys are only added once the mapping ends. */
static int duplicate_key(const state *st, const frame *f, const char *key, yaml_mark_t m)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	json_object_foreach(f->value, k, v) {
		if (strcmp(k, key) == 0 && i < f->nkeys)
			return kd_error_set(KD_EINVAL,
					    "%s:%zu:%zu: mapping key \"%s\" already defined at line %zu",
					    st->name, m.line + 1, m.column + 1, key, f->key_lines[i]);
		i++;
	}
	return kd_error_set(KD_EINVAL, "%s:%zu:%zu: mapping key \"%s\" already defined",
			    st->name, m.line + 1, m.column + 1, key);
}

/* A key is complete: check it, set the value's pointer, record the key's
 * position as the value's. */
static int take_key(state *st, frame *f, json_t *key, kd_yaml_type type,
		    bool plain, const char *raw, size_t rawlen, yaml_mark_t m)
{
	int rc;

	if (type == KD_YAML_MERGE && plain) {
		json_decref(key);
		if (f->saw_merge)
			return fail_at(st, m, KD_EINVAL, "duplicate merge key");
		f->saw_merge = true;
		f->merge_mark = m;
		f->key_mode = 2;
		st->suppress++;
		return 0;
	}
	if (!plain && json_is_string(key) && strcmp(json_string_value(key), "<<") == 0) {
		json_decref(key);
		f->key_mode = 3;
		st->suppress++;
		return 0;
	}
	if (f->top_map && raw && type != KD_YAML_STR && type != KD_YAML_NULL) {
		json_decref(key);
		key = json_stringn(raw, rawlen);
		if (!key)
			return kd_error_set(KD_ENOMEM, "out of memory");
	} else if (type != KD_YAML_STR || !json_is_string(key)) {
		json_decref(key);
		if (!raw)
			return fail_at(st, m, KD_EINVAL, "mapping key is not a string");
		return kd_error_set(KD_EINVAL, "%s:%zu:%zu: mapping key %.*s%s is not a string (quote it)",
				    st->name, m.line + 1, m.column + 1,
				    (int)(rawlen > 64 ? 64 : rawlen), raw, rawlen > 64 ? "..." : "");
	}
	if (json_object_get(f->value, json_string_value(key))) {
		if (st->last_key_wins) {
			json_object_del(f->value, json_string_value(key));
		} else {
			rc = duplicate_key(st, f, json_string_value(key), m);
			json_decref(key);
			return rc;
		}
	}
	if (f->nkeys == f->keys_cap) {
		size_t cap = f->keys_cap ? f->keys_cap * 2 : 8;
		size_t *p = realloc(f->key_lines, cap * sizeof(*p));

		if (!p) {
			json_decref(key);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		f->key_lines = p;
		f->keys_cap = cap;
	}
	f->key_lines[f->nkeys++] = m.line + 1;
	f->key = key;
	f->key_mode = 1;
	kd_buf_truncate(&st->path, f->path_len);
	rc = pointer_append(&st->path, json_string_value(key));
	if (rc < 0)
		return rc;
	return record_position(st, m);
}

/* A value (scalar, alias or finished collection) is complete: attach it to
 * its parent, or make it the document's root.  Steals v. */
static int attach(state *st, json_t *v, size_t nodes, size_t height, yaml_mark_t m)
{
	frame *f;
	int rc = 0;

	if (st->depth == 0) {
		st->root = v;
		st->have_root = true;
		return 0;
	}
	f = &st->stack[st->depth - 1];
	f->nodes += nodes;
	if (height + 1 > f->height)
		f->height = height + 1;
	if (!f->is_map) {
		if (json_array_append_new(f->value, v) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		return 0;
	}
	switch (f->key_mode) {
	case 1:
		rc = json_object_set_new(f->value, json_string_value(f->key), v) < 0
			     ? kd_error_set(KD_ENOMEM, "out of memory") : 0;
		json_decref(f->key);
		f->key = NULL;
		break;
	case 2:
		st->suppress--;
		if (json_is_object(v)) {
			rc = json_array_append(f->merges, v) < 0
				     ? kd_error_set(KD_ENOMEM, "out of memory") : 0;
		} else if (json_is_array(v)) {
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e) {
				if (!json_is_object(e)) {
					rc = fail_at(st, m, KD_EINVAL,
						     "map merge requires map or sequence of maps as the value");
					break;
				}
				if (json_array_append(f->merges, e) < 0) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					break;
				}
			}
		} else {
			rc = fail_at(st, m, KD_EINVAL,
				     "map merge requires map or sequence of maps as the value");
		}
		json_decref(v);
		break;
	default:
		st->suppress--;
		json_decref(v);
		break;
	}
	f->key_mode = 0;
	return rc;
}

static bool is_blank_ch(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The value of a folded scalar once kustomize has written it back in folded
 * style and read it again.  Go's YAML emitter decides whether a line break
 * ending a content line needs an extra break (so that reading does not fold
 * it into a space) by looking at the start of the whole value instead of at
 * the next line: when the value's first character after any breaks is not
 * blank, every such break gets one, which adds a newline before each
 * more-indented line; otherwise none does, which folds the breaks between
 * normal lines.  *out is NULL when the value stays as it is.
 */
static int go_folded(char **out, size_t *out_len, const char *v, size_t len)
{
	kd_buf b = KD_BUF_INIT;
	size_t i = 0, k = 0;
	bool extra, breaks = true, leading = true, changed = false;

	*out = NULL;
	while (k < len && v[k] == '\n')
		k++;
	extra = k < len && !is_blank_ch(v[k]);
	while (i < len) {
		if (v[i] != '\n') {
			if (breaks)
				leading = is_blank_ch(v[i]);
			breaks = false;
			if (kd_buf_putc(&b, v[i]) < 0)
				goto oom;
			i++;
			continue;
		}
		if (!breaks && !leading) {
			size_t j = i, run;
			bool next_blank;

			while (j < len && v[j] == '\n')
				j++;
			run = j - i;
			next_blank = j < len && is_blank_ch(v[j]);
			if (extra && next_blank) {
				/* one more newline before the more-indented line */
				if (kd_buf_putc(&b, '\n') < 0)
					goto oom;
				changed = true;
			} else if (!extra && j < len && !next_blank) {
				/* the first break of the run folds away */
				if (kd_buf_add(&b, " ", run == 1 ? 1 : 0) < 0)
					goto oom;
				changed = true;
				i++;
				breaks = run > 1;
				continue;
			}
		}
		if (kd_buf_putc(&b, '\n') < 0)
			goto oom;
		breaks = true;
		i++;
	}
	if (!changed) {
		kd_buf_free(&b);
		return 0;
	}
	*out_len = b.len;
	*out = kd_buf_detach(&b);
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
oom:
	kd_buf_free(&b);
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int on_scalar(state *st, const yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *tag = (const char *)ev->data.scalar.tag;
	kd_yaml_type type;
	json_t *v = NULL;
	char *refolded = NULL;
	int rc;

	if (st->go_folded && ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE &&
	    !expecting_key(st)) {
		if ((rc = go_folded(&refolded, &len, text, len)) < 0)
			return rc;
		if (refolded)
			text = refolded;
	}
	rc = kd_yaml_resolve_scalar(&v, &type, text, len, tag, plain);
	free(refolded);
	text = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if (rc < 0)
		return wrap_at(st, ev->start_mark, rc);
	if (ev->data.scalar.anchor) {
		rc = remember_anchor(st, (const char *)ev->data.scalar.anchor, v, 1, 0);
		if (rc < 0)
			goto fail;
	}
	if (expecting_key(st))
		return take_key(st, &st->stack[st->depth - 1], v, type,
				plain && !tag, text, len, ev->start_mark);
	rc = begin_child(st, ev->start_mark);
	if (rc < 0)
		goto fail;
	/* kustomize's merge keeps a null written as null or ~ but drops one
	 * written as nothing: remember where those are */
	if (st->want_empty && !st->suppress && json_is_null(v) && len == 0 && plain) {
		if ((!st->empty && !(st->empty = json_object())) ||
		    json_object_set_new(st->empty, kd_buf_cstr(&st->path), json_true()) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto fail;
		}
	}
	return attach(st, v, 1, 0, ev->start_mark);
fail:
	json_decref(v);
	return rc;
}

static int on_alias(state *st, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *idx = json_object_get(st->anchor_index, name);
	anchor *a;
	json_t *copy;
	int rc;

	if (!idx)
		return kd_error_set(KD_EINVAL, "%s:%zu:%zu: unknown anchor '%s' referenced",
				    st->name, ev->start_mark.line + 1,
				    ev->start_mark.column + 1, name);
	a = &st->anchors[json_integer_value(idx)];
	if (a->nodes > st->lim->max_alias_nodes - st->alias_nodes)
		return kd_error_set(KD_ELIMIT, "%s:%zu:%zu: aliases expand to more than %zu nodes",
				    st->name, ev->start_mark.line + 1,
				    ev->start_mark.column + 1, st->lim->max_alias_nodes);
	if (st->depth + a->height > st->lim->max_depth)
		return kd_error_set(KD_ELIMIT, "%s:%zu:%zu: alias nests deeper than %zu levels",
				    st->name, ev->start_mark.line + 1,
				    ev->start_mark.column + 1, st->lim->max_depth);
	st->alias_nodes += a->nodes;
	if (expecting_key(st)) {
		if (!json_is_string(a->value))
			return fail_at(st, ev->start_mark, KD_EINVAL,
				       "mapping key is not a string (quote it)");
		return take_key(st, &st->stack[st->depth - 1], json_incref(a->value),
				KD_YAML_STR, false, NULL, 0, ev->start_mark);
	}
	copy = json_deep_copy(a->value);
	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = begin_child(st, ev->start_mark);
	if (rc < 0) {
		json_decref(copy);
		return rc;
	}
	return attach(st, copy, a->nodes, a->height, ev->start_mark);
}

static int on_start(state *st, const yaml_event_t *ev, bool is_map)
{
	const yaml_char_t *anchor_name = is_map ? ev->data.mapping_start.anchor
					       : ev->data.sequence_start.anchor;
	frame *f;
	int rc;

	if (expecting_key(st))
		return fail_at(st, ev->start_mark, KD_EINVAL,
			       "a mapping key must be a scalar");
	if (st->depth >= st->lim->max_depth)
		return kd_error_set(KD_ELIMIT, "%s:%zu:%zu: nesting deeper than %zu levels",
				    st->name, ev->start_mark.line + 1,
				    ev->start_mark.column + 1, st->lim->max_depth);
	rc = begin_child(st, ev->start_mark);
	if (rc < 0)
		return rc;
	if (st->depth == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		frame *p = realloc(st->stack, cap * sizeof(*p));

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory");
		st->stack = p;
		st->cap = cap;
	}
	f = &st->stack[st->depth];
	memset(f, 0, sizeof(*f));
	f->is_map = is_map;
	f->top_map = is_map && st->depth == 0;
	f->path_len = st->path.len;
	f->nodes = 1;
	f->value = is_map ? json_object() : json_array();
	if (!f->value)
		return kd_error_set(KD_ENOMEM, "out of memory");
	st->depth++;
	if (anchor_name) {
		f->anchor = strdup((const char *)anchor_name);
		if (!f->anchor)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if (is_map) {
		f->merges = json_array();
		if (!f->merges)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

static void frame_release(frame *f)
{
	json_decref(f->value);
	json_decref(f->key);
	json_decref(f->merges);
	free(f->key_lines);
	free(f->anchor);
}

static int on_end(state *st, const yaml_event_t *ev)
{
	frame f = st->stack[st->depth - 1];
	int rc = 0;

	if (f.is_map && json_array_size(f.merges) > 0)
		rc = apply_merges(st, &f);
	st->depth--;
	if (rc == 0)
		rc = remember_anchor(st, f.anchor, f.value, f.nodes, f.height);
	if (rc == 0) {
		rc = attach(st, f.value, f.nodes, f.height, ev->start_mark);
		f.value = NULL;
	}
	frame_release(&f);
	return rc;
}

/* libyaml reports reader errors (bad UTF-8) by byte offset only. */
static yaml_mark_t mark_from_offset(const char *data, size_t len, size_t offset)
{
	yaml_mark_t m = { offset, 0, 0 };
	size_t i;

	for (i = 0; i < offset && i < len; i++) {
		if (data[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)data[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static int parser_error(const state *st, const yaml_parser_t *p, const char *data, size_t len)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "malformed YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return kd_error_set(KD_ENOMEM, "%s: out of memory while parsing YAML", st->name);
	if (p->error == YAML_READER_ERROR) {
		size_t at = p->problem_offset;

		/* For a bad continuation byte, point at the character's start. */
		if (strstr(problem, "trailing") && at > 0 && at <= len) {
			while (at > 0 && ((unsigned char)data[at - 1] & 0xc0) == 0x80)
				at--;
			if (at > 0 && ((unsigned char)data[at - 1] & 0xc0) == 0xc0)
				at--;
		}
		m = mark_from_offset(data, len, at);
		return kd_error_set(KD_EINVAL, "%s:%zu:%zu: %s (byte 0x%02x at offset %zu)",
				    st->name, m.line + 1, m.column + 1, problem,
				    (unsigned)(p->problem_value & 0xff), p->problem_offset);
	}
	if (p->context && (p->context_mark.line != m.line || p->context_mark.column != m.column))
		return kd_error_set(KD_EINVAL, "%s:%zu:%zu: %s %s (started at line %zu, column %zu)",
				    st->name, m.line + 1, m.column + 1, problem, p->context,
				    p->context_mark.line + 1, p->context_mark.column + 1);
	if (p->context)
		return kd_error_set(KD_EINVAL, "%s:%zu:%zu: %s %s", st->name, m.line + 1,
				    m.column + 1, problem, p->context);
	return fail_at(st, m, KD_EINVAL, problem);
}

static void state_reset_document(state *st)
{
	while (st->depth > 0)
		frame_release(&st->stack[--st->depth]);
	json_decref(st->root);
	st->root = NULL;
	st->have_root = false;
	json_decref(st->positions);
	st->positions = NULL;
	kd_buf_truncate(&st->path, 0);
	st->suppress = 0;
	json_decref(st->empty);
	st->empty = NULL;
	forget_anchors(st);
}

int kd_yaml_parse(json_t **out, json_t **positions, const char *data,
		  size_t len, const char *name, const kd_yaml_limits *limits)
{
	return kd_yaml_parse_ex(out, positions, NULL, data, len, name, limits, 0);
}

int kd_yaml_parse_ex(json_t **out, json_t **positions, json_t **empty_nulls,
		     const char *data, size_t len, const char *name,
		     const kd_yaml_limits *limits, unsigned flags)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	state st;
	json_t *docs = NULL, *poss = NULL, *empties = NULL;
	bool done = false;
	int rc = 0;

	*out = NULL;
	if (positions)
		*positions = NULL;
	if (empty_nulls)
		*empty_nulls = NULL;
	memset(&st, 0, sizeof(st));
	st.want_empty = empty_nulls != NULL;
	st.last_key_wins = (flags & KD_YAML_LAST_KEY_WINS) != 0;
	st.go_folded = (flags & KD_YAML_GO_FOLDED) != 0;
	st.name = name ? name : "<input>";
	st.lim = limits ? limits : &kd_yaml_default_limits;
	if (len > st.lim->max_bytes)
		return kd_error_set(KD_ELIMIT, "%s:1:1: YAML input of %zu bytes exceeds the limit of %zu bytes",
				    st.name, len, st.lim->max_bytes);
	if (!yaml_parser_initialize(&parser))
		return kd_error_set(KD_ENOMEM, "out of memory");
	/* libyaml asserts on a NULL input, even an empty one. */
	yaml_parser_set_input_string(&parser, (const unsigned char *)(data ? data : ""),
				     data ? len : 0);
	docs = json_array();
	poss = positions ? json_array() : NULL;
	empties = empty_nulls ? json_array() : NULL;
	st.anchor_index = json_object();
	if (!docs || (positions && !poss) || (empty_nulls && !empties) || !st.anchor_index) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(&st, &parser, data, len);
			goto cleanup;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			/* The alias budget is for the whole stream, so many
			 * small bombs in many documents fail as one would. */
			state_reset_document(&st);
			if (positions && !(st.positions = json_object()))
				rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		case YAML_DOCUMENT_END_EVENT:
			/* Empty documents (nothing, or only comments) and
			 * documents that are just null are skipped. */
			if (st.have_root && !json_is_null(st.root)) {
				if (json_array_append(docs, st.root) < 0 ||
				    (poss && json_array_append(poss, st.positions) < 0) ||
				    (empties && json_array_append(empties, st.empty ? st.empty
								  : json_null()) < 0))
					rc = kd_error_set(KD_ENOMEM, "out of memory");
			}
			state_reset_document(&st);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&st, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&st, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&st, &ev, false);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&st, &ev, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&st, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc < 0)
			goto cleanup;
	}
	*out = docs;
	docs = NULL;
	if (positions) {
		*positions = poss;
		poss = NULL;
	}
	if (empty_nulls) {
		*empty_nulls = empties;
		empties = NULL;
	}
cleanup:
	state_reset_document(&st);
	json_decref(st.anchor_index);
	free(st.anchors);
	free(st.stack);
	kd_buf_free(&st.path);
	json_decref(docs);
	json_decref(poss);
	json_decref(empties);
	yaml_parser_delete(&parser);
	return rc;
}

int kd_yaml_parse_one(json_t **out, json_t **positions, const char *data,
		      size_t len, const char *name, const kd_yaml_limits *limits)
{
	json_t *docs = NULL, *poss = NULL;
	int rc;

	*out = NULL;
	if (positions)
		*positions = NULL;
	/* Positions are always collected so that a second document can be
	 * pointed at. */
	rc = kd_yaml_parse(&docs, &poss, data, len, name, limits);
	if (rc < 0)
		return rc;
	if (json_array_size(docs) > 1) {
		json_t *at = json_object_get(json_array_get(poss, 1), "");

		rc = kd_error_set(KD_EINVAL, "%s:%lld:%lld: expected one YAML document, found %zu",
				  name ? name : "<input>",
				  (long long)json_integer_value(json_array_get(at, 0)),
				  (long long)json_integer_value(json_array_get(at, 1)),
				  json_array_size(docs));
		goto cleanup;
	}
	if (json_array_size(docs) == 1) {
		*out = json_incref(json_array_get(docs, 0));
		if (positions)
			*positions = json_incref(json_array_get(poss, 0));
	} else {
		*out = json_null();
		if (positions && !(*positions = json_object()))
			rc = kd_error_set(KD_ENOMEM, "out of memory");
	}
cleanup:
	json_decref(docs);
	json_decref(poss);
	return rc;
}
