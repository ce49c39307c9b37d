/*
 * rewrite.c - IIS URL Rewrite inbound rules evaluated for one request
 * (rewrite.h); rewrite/compile.c builds what this runs.
 */
#include "rewrite/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- evaluation ---- */

/* A growing string. */
struct sbuf {
    char *p;
    size_t n, cap;
    bool over; /* passed REWRITE_MAX_EXPANDED */
    bool oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->over || b->oom)
        return;
    if (b->n + n > REWRITE_MAX_EXPANDED) {
        b->over = true;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;
        while (cap < b->n + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void
sb_addc(struct sbuf *b, char c)
{
    sb_add(b, &c, 1);
}

/* Captured groups, copied: group i is text[off[i] .. off[i] + len[i]), len SIZE_MAX when unset. */
struct caps {
    struct sbuf text;
    size_t n;
    size_t off[REWRITE_MAX_CAPTURES];
    size_t len[REWRITE_MAX_CAPTURES];
};

static void
caps_reset(struct caps *c)
{
    c->text.n = 0;
    c->text.over = false;
    c->n = 0;
}

static void
caps_add(struct caps *c, const char *s, size_t n, bool set)
{
    if (c->n >= REWRITE_MAX_CAPTURES)
        return;
    c->off[c->n] = c->text.n;
    c->len[c->n] = set ? n : (size_t)-1;
    if (set)
        sb_add(&c->text, s, n);
    c->n++;
}

static void
caps_get(const struct caps *c, unsigned i, const char **s, size_t *n)
{
    *s = "";
    *n = 0;
    if (i < c->n && c->len[i] != (size_t)-1 && c->text.p != NULL) {
        *s = c->text.p + c->off[i];
        *n = c->len[i];
    }
}

/* Where expansions of one rule look things up. */
struct evalctx {
    struct rewrite_state *st;
    const struct rewrite_env *env;
    struct caps *r; /* {R:n} */
    struct caps *c; /* {C:n} */
    const char *query;
    size_t query_len;
    bool has_query;
    int error; /* 0, or set when a PCRE2 limit or memory failed */
};

/* Expansion modes: how expanded text is put into the result. */
enum xmode {
    X_RAW, /* condition inputs, values: as they are */
    X_URL, /* urls: back-references of the (decoded) path encoded, the rest made safe */
};

static bool
unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* A byte never sent raw in a URL: controls, space, non-ASCII, and RFC 3986's excluded. */
static bool
unsafe_in_url(unsigned char c)
{
    return c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL;
}

static void
pct(struct sbuf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = {'%', hex[c >> 4], hex[c & 15]};

    sb_add(b, e, 3);
}

/* Appends s: in X_URL, path text decoded from the request is encoded again (path = true). */
static void
put(struct sbuf *b, const char *s, size_t n, enum xmode mode, bool path)
{
    size_t i, from = 0;

    if (mode == X_RAW) {
        sb_add(b, s, n);
        return;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool enc = unsafe_in_url(c) || (path && (c == '%' || c == '?' || c == '#'));
        if (!enc)
            continue;
        sb_add(b, s + from, i - from);
        pct(b, c);
        from = i + 1;
    }
    sb_add(b, s + from, n - from);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void
apply_func(struct sbuf *out, enum tfunc f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (f) {
        case F_TOLOWER:
            sb_addc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
            break;
        case F_URLENCODE:
        case F_ESCAPE:
            if (unreserved(c))
                sb_addc(out, (char)c);
            else if (f == F_URLENCODE && c == ' ')
                sb_addc(out, '+');
            else
                pct(out, c);
            break;
        case F_URLDECODE:
            if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
                sb_addc(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
                i += 2;
            } else {
                sb_addc(out, c == '+' ? ' ' : (char)c);
            }
            break;
        }
    }
}

static const char *
var_value(struct evalctx *x, const char *name, size_t *len)
{
    const char *v = rewrite_state_var(x->st, name);

    if (v != NULL) {
        *len = strlen(v);
        return v;
    }
    if (strcasecmp(name, "QUERY_STRING") == 0) {
        *len = x->has_query ? x->query_len : 0;
        return x->has_query ? x->query : "";
    }
    *len = 0;
    if (x->env->get_var == NULL)
        return "";
    v = x->env->get_var(x->env->ctx, name, len);
    if (v == NULL) {
        *len = 0;
        return "";
    }
    return v;
}

static void
expand(struct evalctx *x, const struct tmpl *t, enum xmode mode, struct sbuf *out)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct seg *g = &t->segs[i];
        const char *s;
        size_t n;
        struct sbuf in = {0};
        switch (g->kind) {
        case SEG_LIT:
            put(out, g->text, g->len, mode, false);
            break;
        case SEG_R:
            caps_get(x->r, g->n, &s, &n);
            put(out, s, n, mode, true);
            break;
        case SEG_C:
            caps_get(x->c, g->n, &s, &n);
            put(out, s, n, mode, false);
            break;
        case SEG_VAR:
            s = var_value(x, g->text, &n);
            put(out, s, n, mode, false);
            break;
        case SEG_FUNC: {
            struct sbuf f = {0};
            expand(x, g->inner, X_RAW, &in);
            apply_func(&f, g->func, in.p != NULL ? in.p : "", in.n);
            put(out, f.p != NULL ? f.p : "", f.n, mode, false);
            out->over |= in.over | f.over;
            out->oom |= in.oom | f.oom;
            free(f.p);
            free(in.p);
            break;
        }
        }
    }
}

/* Matches p on s[0..n): 1 match (captures into caps unless negated), 0 no match, -1 error. */
static int
pat_match(struct evalctx *x, const struct pat *p, const char *s, size_t n, struct caps *caps)
{
    bool m;
    int rc;

    if (p->syntax == REWRITE_EXACT_MATCH) {
        m = n == p->len &&
            (p->ignore_case ? strncasecmp(s, p->text, n) == 0 : memcmp(s, p->text, n) == 0);
        if (m && !p->negate && caps != NULL) {
            caps_reset(caps);
            caps_add(caps, s, n, true);
        }
    } else {
        pcre2_match_data *md = x->st->match_data;
        pcre2_match_context *mc = NULL;
        if (md == NULL) {
            md = pcre2_match_data_create(REWRITE_MAX_CAPTURES, NULL);
            if (md == NULL)
                return -1;
            x->st->match_data = md;
        }
        mc = pcre2_match_context_create(NULL);
        if (mc == NULL)
            return -1;
        pcre2_set_match_limit(mc, REWRITE_MATCH_LIMIT);
        pcre2_set_depth_limit(mc, REWRITE_DEPTH_LIMIT);
        rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, 0, 0, md, mc);
        pcre2_match_context_free(mc);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
            return -1;
        m = rc >= 0;
        if (m && !p->negate && caps != NULL) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            uint32_t count = pcre2_get_ovector_count(md), ncap = 0;
            pcre2_pattern_info(p->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
            caps_reset(caps);
            for (uint32_t i = 0; i <= ncap && i < count; i++) {
                bool set = (int)i < rc && ov[2 * i] != PCRE2_UNSET;
                caps_add(caps, set ? s + ov[2 * i] : "", set ? ov[2 * i + 1] - ov[2 * i] : 0, set);
            }
        }
    }
    if (caps != NULL && caps->text.oom)
        return -1;
    return m != p->negate;
}

/* One condition: 1 holds, 0 does not, -1 error.  Its captures go to tmp. */
static int
cond_holds(struct evalctx *x, const struct cond *c, struct caps *tmp)
{
    struct sbuf in = {0};
    int r = -1, kind;

    expand(x, &c->input, X_RAW, &in);
    if (in.oom || in.over)
        goto out;
    if (c->match_type == REWRITE_MATCH_PATTERN) {
        r = pat_match(x, &c->pat, in.p != NULL ? in.p : "", in.n, tmp);
        goto out;
    }
    kind = x->env->file_kind != NULL
               ? x->env->file_kind(x->env->ctx, in.p != NULL ? in.p : "", in.n)
               : REWRITE_KIND_NONE;
    r = (c->match_type == REWRITE_MATCH_IS_FILE ? kind == REWRITE_KIND_FILE
                                                : kind == REWRITE_KIND_DIRECTORY) != c->pat.negate;
    if (tmp != NULL)
        caps_reset(tmp);
out:
    free(in.p);
    return r;
}

/* The captures of a condition that held become the {C:n}. */
static void
take_caps(struct caps *into, const struct caps *from, bool track_all, bool produced)
{
    const char *s;
    size_t n;

    if (!produced)
        return; /* negated or IsFile: nothing captured, the earlier {C:n} stay */
    if (!track_all) {
        caps_reset(into);
        for (unsigned i = 0; i < from->n; i++) {
            caps_get(from, i, &s, &n);
            caps_add(into, s, n, from->len[i] != (size_t)-1);
        }
        return;
    }
    /* {C:0}: the last whole match; groups numbered on from the earlier conditions' */
    if (into->n == 0)
        caps_add(into, "", 0, true);
    caps_get(from, 0, &s, &n);
    /* slot 0 is replaced: the new text is appended and the offset moves to it */
    into->off[0] = into->text.n;
    into->len[0] = n;
    sb_add(&into->text, s, n);
    for (unsigned i = 1; i < from->n; i++) {
        caps_get(from, i, &s, &n);
        caps_add(into, s, n, from->len[i] != (size_t)-1);
    }
}

/* The conditions of r: 1 hold, 0 do not, -1 error. */
static int
conds_hold(struct evalctx *x, const struct rewrite_rule *r)
{
    struct caps tmp = {0};
    int ret = r->match_any ? 0 : 1;

    for (size_t i = 0; i < r->nconds; i++) {
        const struct cond *c = &r->conds[i];
        int h = cond_holds(x, c, &tmp);
        bool produced = c->match_type == REWRITE_MATCH_PATTERN && !c->pat.negate;
        if (h < 0) {
            ret = -1;
            break;
        }
        if (h == 1)
            take_caps(x->c, &tmp, r->track_all, produced);
        if (r->match_any && h == 1) {
            ret = 1;
            break;
        }
        if (!r->match_any && h == 0) {
            ret = 0;
            break;
        }
    }
    if (r->nconds == 0)
        ret = 1;
    free(tmp.text.p);
    return ret;
}

const char *
rewrite_state_var(const struct rewrite_state *st, const char *name)
{
    for (size_t i = st->nvars; i > 0; i--)
        if (strcasecmp(st->vars[i - 1].name, name) == 0)
            return st->vars[i - 1].value;
    return NULL;
}

void
rewrite_state_init(struct rewrite_state *st)
{
    memset(st, 0, sizeof(*st));
}

static void
outcome_clear(struct rewrite_state *st)
{
    free(st->url);
    free(st->query);
    free(st->reason);
    free(st->description);
    st->url = st->query = st->reason = st->description = NULL;
    st->outcome = REWRITE_NONE;
    st->status = st->substatus = 0;
    st->rule = NULL;
}

void
rewrite_state_free(struct rewrite_state *st)
{
    outcome_clear(st);
    for (size_t i = 0; i < st->nvars; i++) {
        free(st->vars[i].name);
        free(st->vars[i].value);
    }
    free(st->vars);
    free(st->ran);
    pcre2_match_data_free(st->match_data);
    memset(st, 0, sizeof(*st));
}

static enum rewrite_outcome fail(struct rewrite_state *st, const struct rewrite_rule *r,
                                 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum rewrite_outcome
fail(struct rewrite_state *st, const struct rewrite_rule *r, const char *fmt, ...)
{
    char why[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    outcome_clear(st);
    st->outcome = REWRITE_ERROR;
    st->status = 500;
    /* IIS: 500.51 for global rules (GL_PRE_BEGIN_REQUEST), 500.50 for distributed rules */
    st->substatus = r != NULL && r->global ? 51 : 50;
    st->rule = r;
    if (r != NULL)
        snprintf(st->error, sizeof(st->error), "%s:%u: rule \"%s\": %s", rewrite_rule_file(r),
                 r->line, r->name, why);
    else
        snprintf(st->error, sizeof(st->error), "%s", why);
    return st->outcome;
}

/* Marks r as run; false when it ran already in this request.  -1 on allocation failure. */
static int
mark_ran(struct rewrite_state *st, const struct rewrite_rule *r)
{
    size_t w = r->id / 64;
    uint64_t bit = (uint64_t)1 << (r->id % 64);

    if (w >= st->nran) {
        size_t n = w + 1 > st->nran * 2 ? w + 1 : st->nran * 2;
        uint64_t *v = realloc(st->ran, n * sizeof(*v));
        if (v == NULL)
            return -1;
        memset(v + st->nran, 0, (n - st->nran) * sizeof(*v));
        st->ran = v;
        st->nran = n;
    }
    if (st->ran[w] & bit)
        return 0;
    st->ran[w] |= bit;
    return 1;
}

static bool
allowed(const struct rewrite_env *env, const char *name)
{
    for (size_t i = 0; i < env->nallowed; i++)
        if (strcasecmp(env->allowed[i], name) == 0)
            return true;
    return false;
}

/* serverVariables/set of a rule that matched.  0, or -1 with st failed. */
static int
apply_sets(struct evalctx *x, const struct rewrite_rule *r)
{
    struct rewrite_state *st = x->st;

    for (size_t i = 0; i < r->nsets; i++) {
        const struct setv *v = &r->sets[i];
        struct sbuf val = {0};
        size_t n;
        if (!r->global && !allowed(x->env, v->name)) {
            fail(st, r,
                 "server variable %s may not be set: add it to "
                 "system.webServer/rewrite/allowedServerVariables",
                 v->name);
            return -1;
        }
        (void)var_value(x, v->name, &n);
        if (!v->replace && n > 0)
            continue;
        expand(x, &v->value, X_RAW, &val);
        if (val.oom || val.over) {
            free(val.p);
            fail(st, r, "value of server variable %s: %s", v->name,
                 val.over ? "longer than the bound" : "out of memory");
            return -1;
        }
        for (size_t k = 0; k < val.n; k++)
            if (((unsigned char)val.p[k] < 0x20 && val.p[k] != '\t') || val.p[k] == 0x7f) {
                free(val.p);
                fail(st, r, "value of server variable %s holds a control character", v->name);
                return -1;
            }
        if (st->nvars == st->cap_vars) {
            size_t cap = st->cap_vars ? st->cap_vars * 2 : 4;
            struct rewrite_var *nv = realloc(st->vars, cap * sizeof(*nv));
            if (nv == NULL) {
                free(val.p);
                fail(st, r, "out of memory");
                return -1;
            }
            st->vars = nv;
            st->cap_vars = cap;
        }
        st->vars[st->nvars].name = rewrite_dupn(v->name, strlen(v->name));
        st->vars[st->nvars].value = val.p != NULL ? val.p : rewrite_dupn("", 0);
        if (st->vars[st->nvars].name == NULL || st->vars[st->nvars].value == NULL) {
            free(st->vars[st->nvars].name);
            free(st->vars[st->nvars].value);
            fail(st, r, "out of memory");
            return -1;
        }
        st->nvars++;
    }
    return 0;
}

/* The request as the rules see it during a pass. */
struct cur {
    struct sbuf path;  /* '/' first */
    struct sbuf query; /* without '?' */
    bool has_query;
};

/* The input of rule r for path, or NULL when the path is outside the rule's base. */
static const char *
rule_input(const struct rewrite_rule *r, const struct cur *c, size_t *len)
{
    const char *p = c->path.p;
    size_t n = c->path.n;

    if (r->base_len > 0) {
        if (n < r->base_len || strncasecmp(p, r->base, r->base_len) != 0 ||
            (n > r->base_len && p[r->base_len] != '/'))
            return NULL;
        p += r->base_len;
        n -= r->base_len;
    }
    if (n > 0 && p[0] == '/') {
        p++;
        n--;
    }
    *len = n;
    return p;
}

static bool
is_absolute(const char *u)
{
    return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

/* url + the current query when append: '&' after a query url has, '?' otherwise. */
static void
with_query(struct sbuf *out, const char *url, size_t n, const struct cur *c, bool append)
{
    sb_add(out, url, n);
    if (append && c->has_query && c->query.n > 0) {
        sb_addc(out, memchr(url, '?', n) != NULL ? '&' : '?');
        /* the parser admits no control character in a query; made safe here all the same */
        put(out, c->query.p, c->query.n, X_URL, false);
    }
}

/* A local Rewrite: c becomes the new path and query.  0, or -1 (memory). */
static int
rewrite_local(const struct rewrite_rule *r, const char *u, size_t n, struct cur *c)
{
    const char *q = memchr(u, '?', n);
    size_t plen = q != NULL ? (size_t)(q - u) : n;
    struct sbuf np = {0}, nq = {0};
    bool has_q = c->has_query;

    if (plen == 0 || u[0] != '/') {
        sb_add(&np, r->base, r->base_len);
        sb_addc(&np, '/');
    }
    sb_add(&np, u, plen);
    if (q != NULL) {
        sb_add(&nq, q + 1, n - plen - 1);
        if (r->append_query && c->has_query && c->query.n > 0) {
            if (nq.n > 0)
                sb_addc(&nq, '&');
            put(&nq, c->query.p, c->query.n, X_URL, false);
        }
        has_q = true;
    } else if (r->append_query) {
        if (c->has_query)
            put(&nq, c->query.p != NULL ? c->query.p : "", c->query.n, X_URL, false);
    } else {
        has_q = false;
    }
    if (np.oom || nq.oom || np.over || nq.over) {
        free(np.p);
        free(nq.p);
        return -1;
    }
    free(c->path.p);
    free(c->query.p);
    c->path = np;
    c->query = nq;
    c->has_query = has_q;
    return 0;
}

enum rule_step {
    STEP_NEXT,  /* go on with the next rule */
    STEP_STOP,  /* stopProcessing: end this list */
    STEP_FINAL, /* the outcome is decided */
};

/* true when s holds a control character other than HTAB (RFC 9112 reason-phrase). */
static bool
has_ctl(const char *s)
{
    for (; *s != '\0'; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
            return true;
    return false;
}

/* The action of r, which matched. */
static enum rule_step
act(struct evalctx *x, const struct rewrite_rule *r, struct cur *c, bool *changed)
{
    struct rewrite_state *st = x->st;
    struct sbuf u = {0}, out = {0};
    enum rule_step step = r->stop ? STEP_STOP : STEP_NEXT;

    switch (r->action) {
    case REWRITE_ACTION_NONE:
        return step;
    case REWRITE_ACTION_ABORT_REQUEST:
        outcome_clear(st);
        st->outcome = REWRITE_ABORT;
        st->rule = r;
        return STEP_FINAL;
    case REWRITE_ACTION_CUSTOM_RESPONSE: {
        struct sbuf a = {0}, b = {0};
        expand(x, &r->reason, X_RAW, &a);
        expand(x, &r->description, X_RAW, &b);
        outcome_clear(st);
        st->outcome = REWRITE_CUSTOM;
        st->rule = r;
        st->status = r->status;
        st->substatus = r->substatus;
        st->reason = a.p != NULL ? a.p : rewrite_dupn("", 0);
        st->description = b.p != NULL ? b.p : rewrite_dupn("", 0);
        if (a.oom || b.oom || a.over || b.over || st->reason == NULL || st->description == NULL)
            fail(st, r, "statusReason or statusDescription: too long or out of memory");
        else if (has_ctl(st->reason) || has_ctl(st->description))
            /* the reason goes on the status line: a CR LF would start a header of its own */
            fail(st, r, "statusReason or statusDescription: a control character");
        return STEP_FINAL;
    }
    case REWRITE_ACTION_REWRITE:
    case REWRITE_ACTION_REDIRECT:
        break;
    }
    expand(x, &r->url, X_URL, &u);
    if (u.oom || u.over) {
        free(u.p);
        fail(st, r, "url: %s", u.over ? "longer than the bound" : "out of memory");
        return STEP_FINAL;
    }
    if (u.p == NULL)
        sb_add(&u, "", 0);
    if (r->action == REWRITE_ACTION_REWRITE && !is_absolute(u.p)) {
        if (rewrite_local(r, u.p, u.n, c) != 0) {
            free(u.p);
            fail(st, r, "rewritten url too long");
            return STEP_FINAL;
        }
        free(u.p);
        *changed = true;
        st->rewritten = true;
        st->rule = r;
        st->log_rewritten = st->log_rewritten || r->log_rewritten;
        return step;
    }
    if (r->action == REWRITE_ACTION_REDIRECT && !is_absolute(u.p) && u.p[0] != '/') {
        /* relative to the rule's base, as the client would resolve it from the rule's directory */
        sb_add(&out, r->base, r->base_len);
        sb_addc(&out, '/');
    }
    with_query(&out, u.p, u.n, c, r->append_query);
    free(u.p);
    if (out.oom || out.over) {
        free(out.p);
        fail(st, r, "url too long");
        return STEP_FINAL;
    }
    outcome_clear(st);
    st->url = out.p;
    st->rule = r;
    if (r->action == REWRITE_ACTION_REDIRECT) {
        st->outcome = REWRITE_REDIRECT;
        st->status = r->redirect_status;
    } else {
        st->outcome = REWRITE_ABSOLUTE;
        st->log_rewritten = st->log_rewritten || r->log_rewritten;
    }
    return STEP_FINAL;
}

/* One rule.  Sets *changed on a local rewrite. */
static enum rule_step
run_rule(struct rewrite_state *st, const struct rewrite_env *env, const struct rewrite_rule *r,
         struct cur *c, bool *changed)
{
    struct caps rc = {0}, cc = {0};
    struct evalctx x = {st, env, &rc, &cc, c->query.p, c->query.n, c->has_query, 0};
    enum rule_step step = STEP_NEXT;
    const char *in;
    size_t n;
    int m;

    in = rule_input(r, c, &n);
    if (in == NULL)
        return STEP_NEXT;
    m = mark_ran(st, r);
    if (m < 0) {
        fail(st, r, "out of memory");
        return STEP_FINAL;
    }
    if (m == 0 || !r->enabled)
        return STEP_NEXT;
    m = pat_match(&x, &r->match, in, n, &rc);
    if (m == 1)
        m = conds_hold(&x, r);
    if (m < 0) {
        fail(st, r, "a pattern could not be matched (PCRE2 match or depth limit, or memory)");
        step = STEP_FINAL;
    } else if (m == 1) {
        if (apply_sets(&x, r) != 0)
            step = STEP_FINAL;
        else
            step = act(&x, r, c, changed);
    }
    free(rc.text.p);
    free(cc.text.p);
    return step;
}

/* Runs one list on c.  true when the outcome is final. */
static bool
run_list(struct rewrite_state *st, const struct rewrite_env *env, const struct rewrite_rules *l,
         struct cur *c, bool *changed)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        enum rule_step s = run_rule(st, env, l->rules[i], c, changed);
        if (s == STEP_FINAL)
            return true;
        if (s == STEP_STOP)
            break;
    }
    return false;
}

enum rewrite_outcome
rewrite_run(struct rewrite_state *st, const struct rewrite_rules *global,
            const struct rewrite_rules *rules, const char *path, size_t path_len, const char *query,
            size_t query_len, const struct rewrite_env *env)
{
    struct cur c = {{0}, {0}, query != NULL};
    bool changed = false, final;

    outcome_clear(st);
    if (++st->passes > REWRITE_MAX_PASSES)
        return fail(st, NULL,
                    "rewrite loop: the request was rewritten %d times (at most %d passes)",
                    REWRITE_MAX_PASSES, REWRITE_MAX_PASSES);
    sb_add(&c.path, path, path_len);
    if (query != NULL)
        sb_add(&c.query, query, query_len);
    if (c.path.oom || c.query.oom || c.path.over || c.query.over) {
        fail(st, NULL, "request path or query too long for the rewrite rules");
        goto out;
    }
    /* Global rules first; when they rewrite, the rewritten path's own scope has the next say. */
    final = run_list(st, env, global, &c, &changed);
    if (!final && !changed)
        final = run_list(st, env, rules, &c, &changed);
    if (!final && changed) {
        st->outcome = REWRITE_LOCAL;
        st->url = c.path.p;
        st->query = c.has_query ? (c.query.p != NULL ? c.query.p : rewrite_dupn("", 0)) : NULL;
        c.path.p = NULL;
        if (c.has_query)
            c.query.p = NULL;
        if (st->url == NULL || (c.has_query && st->query == NULL))
            fail(st, st->rule, "out of memory");
    }
out:
    free(c.path.p);
    free(c.query.p);
    return st->outcome;
}
