/*
 * rewrite/compile.c - IIS URL Rewrite inbound rules compiled once, when the
 * view is built: substitution templates ({R:n}, {C:n}, {VAR}, functions),
 * patterns (ECMAScript through PCRE2, Wildcard, ExactMatch), conditions,
 * server variable settings and actions (rewrite.h).
 */
#include "rewrite/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void tmpl_free(struct tmpl *t);

static void
tmpl_free(struct tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->segs[i].text);
        if (t->segs[i].inner != NULL) {
            tmpl_free(t->segs[i].inner);
            free(t->segs[i].inner);
        }
    }
    free(t->segs);
    t->segs = NULL;
    t->n = 0;
}

static void
pat_free(struct pat *p)
{
    pcre2_code_free(p->re);
    free(p->text);
}

static void
rule_free(struct rewrite_rule *r)
{
    if (r == NULL)
        return;
    free(r->name);
    pat_free(&r->match);
    for (size_t i = 0; i < r->nconds; i++) {
        tmpl_free(&r->conds[i].input);
        pat_free(&r->conds[i].pat);
    }
    free(r->conds);
    for (size_t i = 0; i < r->nsets; i++) {
        free(r->sets[i].name);
        tmpl_free(&r->sets[i].value);
    }
    free(r->sets);
    tmpl_free(&r->url);
    tmpl_free(&r->reason);
    tmpl_free(&r->description);
    free(r->base);
    free(r);
}

struct rewrite_store *
rewrite_store_new(void)
{
    return calloc(1, sizeof(struct rewrite_store));
}

void
rewrite_store_free(struct rewrite_store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nrules; i++)
        rule_free(s->rules[i]);
    for (size_t i = 0; i < s->nlists; i++) {
        free((void *)s->lists[i]->rules);
        free(s->lists[i]);
    }
    free(s->rules);
    free(s->lists);
    free(s);
}

char *
rewrite_dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ---- template parsing ---- */

static int
seg_push(struct tmpl *t, const struct seg *s)
{
    struct seg *v = realloc(t->segs, (t->n + 1) * sizeof(*v));

    if (v == NULL)
        return -1;
    t->segs = v;
    t->segs[t->n++] = *s;
    return 0;
}

static int
lit_push(struct tmpl *t, const char *s, size_t n)
{
    struct seg g = {SEG_LIT, NULL, n, 0, F_TOLOWER, NULL};

    if (n == 0)
        return 0;
    g.text = rewrite_dupn(s, n);
    if (g.text == NULL || seg_push(t, &g) != 0) {
        free(g.text);
        return -1;
    }
    return 0;
}

static bool
is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* The '}' closing the '{' at s[0], braces nested; NULL when none. */
static const char *
closing_brace(const char *s, const char *end)
{
    int depth = 0;

    for (const char *p = s; p < end; p++) {
        if (*p == '{')
            depth++;
        else if (*p == '}' && --depth == 0)
            return p;
    }
    return NULL;
}

static int tmpl_parse(struct tmpl *t, const char *s, size_t len, bool *oom, char *msg,
                      size_t msgsize, int depth);

/*
 * Classifies "{inner}": 1 when it is a reference or function (pushed), 0 when
 * it is literal text, -1 on error (msg, or *oom).
 */
static int
brace_push(struct tmpl *t, const char *in, size_t n, bool *oom, char *msg, size_t msgsize,
           int depth)
{
    static const struct {
        const char *name;
        enum tfunc f;
    } funcs[] = {{"ToLower", F_TOLOWER},
                 {"UrlEncode", F_URLENCODE},
                 {"UrlDecode", F_URLDECODE},
                 {"EscapeDataString", F_ESCAPE}};
    struct seg g = {SEG_LIT, NULL, 0, 0, F_TOLOWER, NULL};
    const char *colon = memchr(in, ':', n);
    size_t i, k;

    if (n >= 3 && n <= 4 && (in[0] == 'R' || in[0] == 'r' || in[0] == 'C' || in[0] == 'c') &&
        in[1] == ':') {
        unsigned v = 0;
        for (i = 2; i < n && in[i] >= '0' && in[i] <= '9'; i++)
            v = v * 10 + (unsigned)(in[i] - '0');
        if (i == n) {
            g.kind = (in[0] == 'R' || in[0] == 'r') ? SEG_R : SEG_C;
            g.n = v;
            if (seg_push(t, &g) != 0) {
                *oom = true;
                return -1;
            }
            return 1;
        }
    }
    if (colon != NULL) {
        k = (size_t)(colon - in);
        for (i = 0; i < k && is_name_char(in[i]); i++)
            ;
        if (k == 0 || i < k)
            return 0;
        for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
            if (strlen(funcs[i].name) == k && strncasecmp(funcs[i].name, in, k) == 0)
                break;
        if (i == sizeof(funcs) / sizeof(funcs[0])) {
            snprintf(msg, msgsize,
                     "{%.*s:...} names a rewrite map or a function certmap does not implement "
                     "(rewriteMaps are not supported; functions: ToLower, UrlEncode, UrlDecode, "
                     "EscapeDataString)",
                     (int)k, in);
            return -1;
        }
        if (depth >= 8) {
            snprintf(msg, msgsize, "functions nested more than 8 deep");
            return -1;
        }
        g.kind = SEG_FUNC;
        g.func = funcs[i].f;
        g.inner = calloc(1, sizeof(*g.inner));
        if (g.inner == NULL) {
            *oom = true;
            return -1;
        }
        if (tmpl_parse(g.inner, colon + 1, n - k - 1, oom, msg, msgsize, depth + 1) != 0 ||
            seg_push(t, &g) != 0) {
            if (!*oom && msg[0] == '\0')
                *oom = true;
            tmpl_free(g.inner);
            free(g.inner);
            return -1;
        }
        return 1;
    }
    for (i = 0; i < n && is_name_char(in[i]); i++)
        ;
    if (n == 0 || i < n)
        return 0;
    g.kind = SEG_VAR;
    g.text = rewrite_dupn(in, n);
    g.len = n;
    if (g.text == NULL || seg_push(t, &g) != 0) {
        free(g.text);
        *oom = true;
        return -1;
    }
    return 1;
}

/* Parses s[0..len) into t (appending).  0, or -1 with msg or *oom. */
static int
tmpl_parse(struct tmpl *t, const char *s, size_t len, bool *oom, char *msg, size_t msgsize,
           int depth)
{
    const char *p = s, *end = s + len, *lit = s;

    while (p < end) {
        const char *close;
        int r;
        if (*p != '{') {
            p++;
            continue;
        }
        close = closing_brace(p, end);
        if (close == NULL)
            break; /* an unbalanced '{' is text */
        if (lit_push(t, lit, (size_t)(p - lit)) != 0) {
            *oom = true;
            return -1;
        }
        r = brace_push(t, p + 1, (size_t)(close - p - 1), oom, msg, msgsize, depth);
        if (r < 0)
            return -1;
        if (r == 0) {
            lit = p; /* literal: keep it with the text that follows */
            p++;
            continue;
        }
        p = close + 1;
        lit = p;
    }
    if (lit_push(t, lit, (size_t)(end - lit)) != 0) {
        *oom = true;
        return -1;
    }
    return 0;
}

/* ---- patterns ---- */

/* The PCRE2 pattern of a Wildcard pattern: '*' -> (.*), '?' -> ., the rest literal; anchored. */
static char *
wildcard_regex(const char *w)
{
    size_t n = strlen(w);
    char *out = malloc(n * 4 + 8), *o = out;

    if (out == NULL)
        return NULL;
    *o++ = '^';
    for (const char *p = w; *p != '\0'; p++) {
        if (*p == '*') {
            memcpy(o, "(.*)", 4);
            o += 4;
        } else if (*p == '?') {
            *o++ = '.';
        } else {
            if (strchr("\\^$.|+()[]{}/-#", *p) != NULL || (unsigned char)*p < 0x20)
                *o++ = '\\';
            *o++ = *p;
        }
    }
    *o++ = '$';
    *o = '\0';
    return out;
}

/* Compiles a pattern.  0, or -1 with msg (what is wrong, at which offset) or *oom. */
static int
pat_compile(struct pat *p, enum rewrite_syntax syntax, const char *text, bool ignore_case,
            bool negate, bool *oom, char *msg, size_t msgsize)
{
    char *src = NULL;
    const char *re_text = text;
    uint32_t opts = PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY;
    uint32_t ncap = 0;
    int code;
    PCRE2_SIZE off;
    int ret = -1;

    memset(p, 0, sizeof(*p));
    p->syntax = syntax;
    p->ignore_case = ignore_case;
    p->negate = negate;
    if (syntax == REWRITE_EXACT_MATCH) {
        p->len = strlen(text);
        p->text = rewrite_dupn(text, p->len);
        if (p->text == NULL) {
            *oom = true;
            return -1;
        }
        return 0;
    }
    if (syntax == REWRITE_WILDCARD) {
        src = wildcard_regex(text);
        if (src == NULL) {
            *oom = true;
            return -1;
        }
        re_text = src;
        opts |= PCRE2_DOTALL;
    }
    if (ignore_case)
        opts |= PCRE2_CASELESS;
    p->re = pcre2_compile((PCRE2_SPTR)re_text, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
    if (p->re == NULL) {
        PCRE2_UCHAR why[160];
        if (code == PCRE2_ERROR_NOMEMORY) {
            *oom = true;
            goto out;
        }
        pcre2_get_error_message(code, why, sizeof(why));
        if (syntax == REWRITE_WILDCARD)
            snprintf(msg, msgsize, "wildcard pattern \"%s\" does not compile: %s", text,
                     (const char *)why);
        else
            snprintf(msg, msgsize,
                     "pattern \"%s\" is not a valid regular expression: %s at offset %zu", text,
                     (const char *)why, (size_t)off);
        goto out;
    }
    if (pcre2_pattern_info(p->re, PCRE2_INFO_CAPTURECOUNT, &ncap) == 0 &&
        ncap >= REWRITE_MAX_CAPTURES) {
        snprintf(msg, msgsize, "pattern \"%s\" has %u capture groups (at most %d)", text,
                 (unsigned)ncap, REWRITE_MAX_CAPTURES - 1);
        pcre2_code_free(p->re);
        p->re = NULL;
        goto out;
    }
    ret = 0;
out:
    free(src);
    return ret;
}

/* ---- rules ---- */

static int
store_push_rule(struct rewrite_store *s, struct rewrite_rule *r)
{
    if (s->nrules == s->caprules) {
        size_t cap = s->caprules ? s->caprules * 2 : 16;
        struct rewrite_rule **v = realloc(s->rules, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->rules = v;
        s->caprules = cap;
    }
    r->id = (unsigned)s->nrules;
    s->rules[s->nrules++] = r;
    return 0;
}

/* Parses a template field of the rule; 0, or -1 with msg prefixed by what. */
static int
field_parse(struct tmpl *t, const char *text, const char *what, const char *rule, bool *oom,
            char *msg, size_t msgsize)
{
    char why[256] = "";

    if (tmpl_parse(t, text, strlen(text), oom, why, sizeof(why), 0) == 0)
        return 0;
    if (!*oom)
        snprintf(msg, msgsize, "%s of the rule \"%s\": %s", what, rule, why);
    return -1;
}

static int
conds_compile(struct rewrite_rule *r, const struct rewrite_rule_def *d, bool *oom, char *msg,
              size_t msgsize, unsigned *err_line)
{
    char why[300];

    r->conds = calloc(d->nconds ? d->nconds : 1, sizeof(*r->conds));
    if (r->conds == NULL) {
        *oom = true;
        return -1;
    }
    for (size_t i = 0; i < d->nconds; i++) {
        const struct rewrite_cond_def *cd = &d->conds[i];
        struct cond *c = &r->conds[i];
        *err_line = cd->line;
        r->nconds = i + 1;
        c->match_type = cd->match_type;
        if (field_parse(&c->input, cd->input, "condition input", d->name, oom, msg, msgsize) != 0)
            return -1;
        why[0] = '\0';
        if (cd->match_type == REWRITE_MATCH_PATTERN) {
            if (pat_compile(&c->pat, d->syntax, cd->pattern, cd->ignore_case, cd->negate, oom, why,
                            sizeof(why)) != 0) {
                if (!*oom)
                    snprintf(msg, msgsize, "condition of the rule \"%s\": %s", d->name, why);
                return -1;
            }
        } else {
            c->pat.negate = cd->negate;
        }
    }
    return 0;
}

static int
sets_compile(struct rewrite_rule *r, const struct rewrite_rule_def *d, bool *oom, char *msg,
             size_t msgsize, unsigned *err_line)
{
    r->sets = calloc(d->nsets ? d->nsets : 1, sizeof(*r->sets));
    if (r->sets == NULL) {
        *oom = true;
        return -1;
    }
    for (size_t i = 0; i < d->nsets; i++) {
        const struct rewrite_set_def *sd = &d->sets[i];
        struct setv *v = &r->sets[i];
        *err_line = sd->line;
        r->nsets = i + 1;
        v->replace = sd->replace;
        for (const char *p = sd->name; *p != '\0'; p++)
            if (!is_name_char(*p)) {
                snprintf(msg, msgsize,
                         "server variable name \"%s\" of the rule \"%s\": letters, digits, '_' "
                         "and '-' only",
                         sd->name, d->name);
                return -1;
            }
        if (sd->name[0] == '\0') {
            snprintf(msg, msgsize, "a serverVariables <set> of the rule \"%s\" has no name",
                     d->name);
            return -1;
        }
        v->name = rewrite_dupn(sd->name, strlen(sd->name));
        if (v->name == NULL) {
            *oom = true;
            return -1;
        }
        if (field_parse(&v->value, sd->value, "server variable value", d->name, oom, msg,
                        msgsize) != 0)
            return -1;
    }
    return 0;
}

/* The action's fields. */
static int
action_compile(struct rewrite_rule *r, const struct rewrite_rule_def *d, bool *oom, char *msg,
               size_t msgsize)
{
    r->action = d->action;
    r->append_query = d->append_query;
    r->log_rewritten = d->log_rewritten;
    r->redirect_status = d->redirect_status;
    r->status = d->status;
    r->substatus = d->substatus;
    if ((d->action == REWRITE_ACTION_REWRITE || d->action == REWRITE_ACTION_REDIRECT) &&
        d->action_url[0] == '\0') {
        snprintf(msg, msgsize, "the %s action of the rule \"%s\" has no url",
                 d->action == REWRITE_ACTION_REWRITE ? "Rewrite" : "Redirect", d->name);
        return -1;
    }
    if (d->action == REWRITE_ACTION_CUSTOM_RESPONSE && (d->status < 200 || d->status > 999)) {
        snprintf(msg, msgsize,
                 "the CustomResponse action of the rule \"%s\" needs a statusCode (200-999)",
                 d->name);
        return -1;
    }
    if (field_parse(&r->url, d->action_url, "action url", d->name, oom, msg, msgsize) != 0 ||
        field_parse(&r->reason, d->reason, "statusReason", d->name, oom, msg, msgsize) != 0 ||
        field_parse(&r->description, d->description, "statusDescription", d->name, oom, msg,
                    msgsize) != 0)
        return -1;
    return 0;
}

const struct rewrite_rule *
rewrite_rule_new(struct rewrite_store *s, const struct rewrite_rule_def *d, bool *oom, char *msg,
                 size_t msgsize, unsigned *err_line)
{
    struct rewrite_rule *r = calloc(1, sizeof(*r));
    const char *base = d->global || d->base == NULL ? "" : d->base;
    char why[300] = "";

    *oom = false;
    msg[0] = '\0';
    *err_line = d->line;
    if (r == NULL) {
        *oom = true;
        return NULL;
    }
    r->name = rewrite_dupn(d->name, strlen(d->name));
    r->base_len = strlen(base);
    while (r->base_len > 0 && base[r->base_len - 1] == '/')
        r->base_len--;
    r->base = rewrite_dupn(base, r->base_len);
    if (r->name == NULL || r->base == NULL) {
        *oom = true;
        goto fail;
    }
    r->enabled = d->enabled;
    r->stop = d->stop_processing;
    r->global = d->global;
    r->match_any = d->match_any;
    r->track_all = d->track_all;
    r->file = d->file;
    r->line = d->line;
    *err_line = d->match_line != 0 ? d->match_line : d->line;
    if (pat_compile(&r->match, d->syntax, d->url, d->ignore_case, d->negate, oom, why,
                    sizeof(why)) != 0) {
        if (!*oom)
            snprintf(msg, msgsize, "match url of the rule \"%s\": %s", d->name, why);
        goto fail;
    }
    if (conds_compile(r, d, oom, msg, msgsize, err_line) != 0 ||
        sets_compile(r, d, oom, msg, msgsize, err_line) != 0)
        goto fail;
    *err_line = d->line;
    if (action_compile(r, d, oom, msg, msgsize) != 0)
        goto fail;
    if (store_push_rule(s, r) != 0) {
        *oom = true;
        goto fail;
    }
    return r;
fail:
    rule_free(r);
    return NULL;
}

const struct rewrite_rules *
rewrite_rules_new(struct rewrite_store *s, const struct rewrite_rule *const *rules, size_t n)
{
    struct rewrite_rules *l = calloc(1, sizeof(*l));
    const struct rewrite_rule **v = malloc((n ? n : 1) * sizeof(*v));

    if (l == NULL || v == NULL)
        goto fail;
    if (s->nlists == s->caplists) {
        size_t cap = s->caplists ? s->caplists * 2 : 16;
        struct rewrite_rules **lv = realloc(s->lists, cap * sizeof(*lv));
        if (lv == NULL)
            goto fail;
        s->lists = lv;
        s->caplists = cap;
    }
    if (n > 0)
        memcpy(v, rules, n * sizeof(*v));
    l->rules = v;
    l->n = n;
    s->lists[s->nlists++] = l;
    return l;
fail:
    free(l);
    free(v);
    return NULL;
}

const char *
rewrite_rule_name(const struct rewrite_rule *r)
{
    return r->name;
}

const char *
rewrite_rule_file(const struct rewrite_rule *r)
{
    return r->file != NULL ? r->file : "";
}

unsigned
rewrite_rule_line(const struct rewrite_rule *r)
{
    return r->line;
}
