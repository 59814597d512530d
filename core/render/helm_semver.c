/*
 * helm_semver — does a chart version satisfy the version a HelmRelease
 * asks for?  Semantic versions and the constraint grammar Flux's
 * source-controller reads chart versions with (Masterminds semver v3):
 * exact versions, x-ranges, comparisons, tilde, caret and hyphen ranges,
 * "," or spaces for and, "||" for or.  Parts left out or written x, X or
 * * make a comparator "dirty", which widens it the way that library does.
 *
 * Owns only this arithmetic; the text is Git's and a record's, so nothing
 * is copied into fixed buffers.  Never prints.
 */
#include "render/render.h"

#include <ctype.h>
#include <string.h>

#include "base/base.h"

typedef struct semver {
	unsigned long long major, minor, patch;
	const char *pre;          /* pre-release identifiers (no '-'), or NULL */
	size_t prelen;
} semver;

typedef enum op {
	OP_TILDE_OR_EQ = 0, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET,
} op;

typedef struct comparator {
	op op;
	semver v;
	bool dirty, minor_dirty, patch_dirty;
} comparator;

static bool wild(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

static int number(unsigned long long *out, const char *s, size_t n)
{
	size_t i;

	*out = 0;
	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (unsigned long long)(s[i] - '0');
	}
	return 0;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.';
}

/*
 * Parses [v]MAJOR[.MINOR[.PATCH]][-PRE][+BUILD] from s[0..n).  With
 * `wildcards`, a part may be x, X or * (or missing), which sets the dirty
 * flags of c; without, missing parts are 0 and wildcards are errors.
 */
static int parse_version(semver *v, comparator *c, const char *s, size_t n, bool wildcards)
{
	const char *end = s + n, *p = s, *q;
	unsigned long long *part[3] = { &v->major, &v->minor, &v->patch };
	int i;

	memset(v, 0, sizeof(*v));
	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (p == end || *p != '.')
				break;
			p++;
		}
		for (q = p; q < end && *q != '.' && *q != '-' && *q != '+'; q++)
			;
		if (wildcards && wild(p, (size_t)(q - p))) {
			p = q;
			break;
		}
		if (number(part[i], p, (size_t)(q - p)) < 0)
			return -1;
		p = q;
	}
	if (wildcards && c && i < 3) {
		c->dirty = true;
		c->minor_dirty = i == 1;
		c->patch_dirty = i == 2;
		/* a wildcard part (and every part after it) counts as 0 */
		if (i == 0)
			v->major = 0;
		if (i <= 1)
			v->minor = 0;
		v->patch = 0;
		/* skip what follows a wildcard up to a pre-release or build */
		while (p < end && (*p == '.' || *p == 'x' || *p == 'X' || *p == '*'))
			p++;
	}
	if (p < end && *p == '-') {
		for (q = ++p; q < end && *q != '+'; q++)
			if (!ident_char(*q))
				return -1;
		if (q == p)
			return -1;
		v->pre = p;
		v->prelen = (size_t)(q - p);
		p = q;
	}
	if (p < end && *p == '+') {
		for (q = ++p; q < end; q++)
			if (!ident_char(*q))
				return -1;
		if (q == p)
			return -1;
		p = q;
	}
	return p == end ? 0 : -1;
}

/* Pre-release precedence (semver §11): identifier by identifier, numbers
 * numerically and below words, words in ASCII order, more identifiers
 * after fewer when the rest is equal. */
static int cmp_pre(const semver *a, const semver *b)
{
	const char *pa = a->pre, *pb = b->pre, *ea = a->pre + a->prelen, *eb = b->pre + b->prelen;

	if (!a->pre || !b->pre)
		return !a->pre && !b->pre ? 0 : !a->pre ? 1 : -1;
	while (pa < ea && pb < eb) {
		const char *qa = memchr(pa, '.', (size_t)(ea - pa)), *qb = memchr(pb, '.', (size_t)(eb - pb));
		size_t la, lb;
		unsigned long long na, nb;
		bool numa, numb;
		int r;

		qa = qa ? qa : ea;
		qb = qb ? qb : eb;
		la = (size_t)(qa - pa);
		lb = (size_t)(qb - pb);
		numa = number(&na, pa, la) == 0;
		numb = number(&nb, pb, lb) == 0;
		if (numa && numb) {
			if (na != nb)
				return na < nb ? -1 : 1;
		} else if (numa != numb) {
			return numa ? -1 : 1;
		} else if ((r = memcmp(pa, pb, la < lb ? la : lb)) != 0 || la != lb) {
			return r ? (r < 0 ? -1 : 1) : (la < lb ? -1 : 1);
		}
		pa = qa < ea ? qa + 1 : ea;
		pb = qb < eb ? qb + 1 : eb;
	}
	return pa < ea ? 1 : pb < eb ? -1 : 0;
}

static int cmp_version(const semver *a, const semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return cmp_pre(a, b);
}

static bool tilde(const semver *v, const comparator *c)
{
	if (cmp_version(v, &c->v) < 0)
		return false;
	/* ~0.0.0 accepts everything */
	if (c->v.major == 0 && c->v.minor == 0 && c->v.patch == 0 &&
	    !c->minor_dirty && !c->patch_dirty)
		return true;
	if (v->major != c->v.major)
		return false;
	return v->minor == c->v.minor || c->minor_dirty;
}

static bool caret(const semver *v, const comparator *c)
{
	if (cmp_version(v, &c->v) < 0)
		return false;
	if (c->v.major > 0 || c->minor_dirty)
		return v->major == c->v.major;
	if (v->major > 0)
		return false;
	if (c->v.minor > 0 || c->patch_dirty)
		return v->minor == c->v.minor;
	if (v->minor > 0)
		return false;
	return v->patch == c->v.patch;
}

static bool not_equal(const semver *v, const comparator *c)
{
	if (c->dirty) {
		if (v->pre && !c->v.pre)
			return false;
		if (c->v.major != v->major)
			return true;
		if (c->minor_dirty)
			return false;
		if (c->v.minor != v->minor)
			return true;
		if (c->patch_dirty)
			return (v->pre || c->v.pre) && cmp_pre(v, &c->v) != 0;
		if (c->v.patch != v->patch)
			return true;
	}
	return cmp_version(v, &c->v) != 0;
}

static bool satisfies(const semver *v, const comparator *c)
{
	if (c->op == OP_NE)
		return not_equal(v, c);
	/* a pre-release satisfies only comparators that name one */
	if (v->pre && !c->v.pre)
		return false;
	switch (c->op) {
	case OP_TILDE_OR_EQ:
		return c->dirty ? tilde(v, c) : cmp_version(v, &c->v) == 0;
	case OP_TILDE:
		return tilde(v, c);
	case OP_CARET:
		return caret(v, c);
	case OP_LT:
		return cmp_version(v, &c->v) < 0;
	case OP_GE:
		return cmp_version(v, &c->v) >= 0;
	case OP_GT:
		if (!c->dirty)
			return cmp_version(v, &c->v) > 0;
		if (v->major != c->v.major)
			return v->major > c->v.major;
		if (c->minor_dirty)
			return false;
		if (c->patch_dirty)
			return v->minor > c->v.minor;
		return cmp_version(v, &c->v) > 0;
	case OP_LE:
		if (!c->dirty)
			return cmp_version(v, &c->v) <= 0;
		if (v->major > c->v.major)
			return false;
		return !(v->major == c->v.major && v->minor > c->v.minor && !c->minor_dirty);
	default:
		return false;
	}
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (isspace((unsigned char)*p) || *p == ','))
		p++;
	return p;
}

static bool version_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == '*';
}

static void read_op(op *o, const char **pp, const char *end)
{
	static const struct { const char *text; op op; } ops[] = {
		{ "!=", OP_NE }, { ">=", OP_GE }, { "=>", OP_GE }, { "<=", OP_LE },
		{ "=<", OP_LE }, { "~>", OP_TILDE }, { ">", OP_GT }, { "<", OP_LT },
		{ "~", OP_TILDE }, { "^", OP_CARET }, { "=", OP_TILDE_OR_EQ },
	};
	size_t i, n;

	*o = OP_TILDE_OR_EQ;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i].text);
		if ((size_t)(end - *pp) >= n && strncmp(*pp, ops[i].text, n) == 0) {
			*o = ops[i].op;
			*pp += n;
			return;
		}
	}
}

/* Does v satisfy every comparator of one "and" group (text [p, end))? */
static int group_matches(bool *out, const semver *v, const char *p, const char *end)
{
	bool all = true, any = false;

	p = skip_space(p, end);
	while (p < end) {
		comparator c;
		const char *q;

		memset(&c, 0, sizeof(c));
		read_op(&c.op, &p, end);
		while (p < end && isspace((unsigned char)*p))
			p++;
		for (q = p; q < end && version_char(*q); q++)
			;
		if (q == p || parse_version(&c.v, &c, p, (size_t)(q - p), true) < 0)
			return -1;
		p = q;
		/* "A - B": from A to B, both included */
		q = p;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (c.op == OP_TILDE_OR_EQ && q > p && q < end && *q == '-' &&
		    q + 1 < end && isspace((unsigned char)q[1])) {
			comparator hi;

			memset(&hi, 0, sizeof(hi));
			hi.op = OP_LE;
			for (q += 1; q < end && isspace((unsigned char)*q); q++)
				;
			for (p = q; q < end && version_char(*q); q++)
				;
			if (q == p || parse_version(&hi.v, &hi, p, (size_t)(q - p), true) < 0)
				return -1;
			p = q;
			c.op = OP_GE;
			all = all && satisfies(v, &c) && satisfies(v, &hi);
		} else {
			all = all && satisfies(v, &c);
		}
		any = true;
		p = skip_space(p, end);
	}
	if (!any)
		return -1;
	*out = all;
	return 0;
}

int kd_helm_version_matches(bool *out, const char *constraint, const char *version)
{
	const char *p, *end, *bar;
	semver v;
	bool ok = false;

	*out = false;
	if (!version || parse_version(&v, NULL, version, strlen(version), false) < 0)
		return kd_error_set(KD_EINVAL, "'%s' is not a semantic version", version ? version : "");
	if (!constraint)
		return kd_error_set(KD_EINVAL, "no version constraint");
	p = constraint;
	end = constraint + strlen(constraint);
	for (;;) {
		bool g = false;

		bar = strstr(p, "||");
		if (group_matches(&g, &v, p, bar ? bar : end) < 0)
			return kd_error_set(KD_EINVAL, "'%s' is not a version constraint", constraint);
		ok = ok || g;
		if (!bar)
			break;
		p = bar + 2;
	}
	*out = ok;
	return 0;
}
