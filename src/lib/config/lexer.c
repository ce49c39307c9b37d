/*
 * lexer.c - byte ranges of every element's tags in an XML text.
 *
 * libxml2 decides whether a document is well-formed and decodes attribute
 * values; it cannot say where in the bytes a tag starts and ends, which the
 * byte-preserving save needs.  This scanner walks the same text and records,
 * for each element in document order, its start tag, end tag and attribute
 * ranges, with the line of each '<'.  It only has to understand well-formed
 * UTF-8 documents; anything else is reported and libxml2's message preferred.
 */
#include "config/lexer.h"

#include "config/document.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
count_nl(const char *p, size_t n)
{
    uint32_t c = 0;
    const char *end = p + n;

    while (p < end) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (p == NULL)
            break;
        c++;
        p++;
    }
    return c;
}

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_name_end(char c)
{
    return is_ws(c) || c == '/' || c == '>' || c == '=' || c == '<';
}

/* Position just past the terminator found from i, or (size_t)-1. */
static size_t
find_end(const char *t, size_t len, size_t i, const char *term)
{
    size_t tl = strlen(term);

    while (i + tl <= len) {
        const char *p = memchr(t + i, term[0], len - i);
        if (p == NULL)
            return (size_t)-1;
        i = (size_t)(p - t);
        if (i + tl <= len && memcmp(t + i, term, tl) == 0)
            return i + tl;
        i++;
    }
    return (size_t)-1;
}

static int
grow(void **arr, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return 0;
    ncap = *cap == 0 ? 256 : *cap * 2;
    while (ncap < need)
        ncap *= 2;
    p = realloc(*arr, ncap * size);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

struct lexstate {
    bool keep_attrs; /* store attributes in lx->attrs (cfg_lex_attrs) or only check them */
    const char *t;
    size_t len, i;
    uint32_t line;
    size_t *stack;
    size_t depth, capstack;
    char *open_names; /* names of the open elements (lex_stream) */
    size_t open_len, open_cap;
    struct lex *lx;
    char *msg;
    size_t msgsize;
};

static int
fail(struct lexstate *s, const char *what)
{
    snprintf(s->msg, s->msgsize, "%s", what);
    return -1;
}

static int
skip_ws(struct lexstate *s)
{
    while (s->i < s->len && is_ws(s->t[s->i])) {
        if (s->t[s->i] == '\n')
            s->line++;
        s->i++;
    }
    return s->i < s->len ? 0 : -1;
}

static int
lex_attr(struct lexstate *s)
{
    struct lex *lx = s->lx;
    struct lex_attr scratch, *a = &scratch;
    size_t b = s->i;
    const char *q;

    while (s->i < s->len && !is_name_end(s->t[s->i]))
        s->i++;
    if (s->i == b)
        return fail(s, "malformed start tag");
    if (s->keep_attrs) {
        if (grow((void **)&lx->attrs, &lx->capattrs, lx->nattrs + 1, sizeof(*lx->attrs)) != 0)
            return fail(s, "out of memory");
        a = &lx->attrs[lx->nattrs++];
    }
    a->name_beg = (uint32_t)b;
    a->name_len = (uint32_t)(s->i - b);
    a->line = s->line;
    if (skip_ws(s) != 0 || s->t[s->i] != '=')
        return fail(s, "attribute without value");
    s->i++;
    if (skip_ws(s) != 0 || (s->t[s->i] != '"' && s->t[s->i] != '\''))
        return fail(s, "attribute value not quoted");
    q = memchr(s->t + s->i + 1, s->t[s->i], s->len - s->i - 1);
    if (q == NULL)
        return fail(s, "unterminated attribute value");
    a->val_beg = (uint32_t)(s->i + 1);
    a->val_len = (uint32_t)((size_t)(q - s->t) - a->val_beg);
    s->line += count_nl(s->t + a->val_beg, a->val_len);
    s->i = (size_t)(q - s->t) + 1;
    return 0;
}

/* Attributes from s->i up to the end of the start tag; sets *self_closing. */
static int
lex_tag_rest(struct lexstate *s, bool *self_closing)
{
    for (;;) {
        if (skip_ws(s) != 0)
            return fail(s, "unterminated start tag");
        if (s->t[s->i] == '/' && s->i + 1 < s->len && s->t[s->i + 1] == '>') {
            s->i += 2;
            *self_closing = true;
            return 0;
        }
        if (s->t[s->i] == '>') {
            s->i++;
            *self_closing = false;
            return 0;
        }
        if (lex_attr(s) != 0)
            return -1;
    }
}

static int
lex_start_tag(struct lexstate *s)
{
    struct lex *lx = s->lx;
    struct lex_elem *e;
    size_t idx, b;
    bool sc = false;

    if (grow((void **)&lx->elems, &lx->cap, lx->n + 1, sizeof(*lx->elems)) != 0)
        return fail(s, "out of memory");
    idx = lx->n++;
    e = &lx->elems[idx];
    memset(e, 0, sizeof(*e));
    e->st_beg = (uint32_t)s->i;
    e->line = s->line;
    b = ++s->i;
    while (s->i < s->len && !is_name_end(s->t[s->i]))
        s->i++;
    if (s->i == b)
        return fail(s, "malformed start tag");
    e->name_beg = (uint32_t)b;
    e->name_len = (uint32_t)(s->i - b);
    if (lex_tag_rest(s, &sc) != 0)
        return -1;
    e->self_closing = sc;
    e->st_end = (uint32_t)s->i;
    if (sc) {
        e->et_beg = e->et_end = e->st_end;
        return 0;
    }
    if (grow((void **)&s->stack, &s->capstack, s->depth + 1, sizeof(*s->stack)) != 0 ||
        grow((void **)&s->open_names, &s->open_cap, s->open_len + e->name_len, 1) != 0)
        return fail(s, "out of memory");
    memcpy(s->open_names + s->open_len, s->t + e->name_beg, e->name_len);
    s->open_len += e->name_len;
    s->stack[s->depth++] = idx;
    return 0;
}

int
cfg_lex_attrs(const char *text, size_t len, const struct lex_elem *e, struct lex *lx)
{
    char msg[64];
    struct lexstate s = {.keep_attrs = true,
                         .t = text,
                         .len = len,
                         .line = e->line,
                         .lx = lx,
                         .msg = msg,
                         .msgsize = sizeof(msg)};
    bool sc;

    lx->nattrs = 0;
    s.i = (size_t)e->name_beg + e->name_len;
    return lex_tag_rest(&s, &sc);
}

static int
lex_end_tag(struct lexstate *s)
{
    struct lex_elem *e;
    size_t b, beg = s->i;

    s->i += 2;
    b = s->i;
    while (s->i < s->len && !is_name_end(s->t[s->i]))
        s->i++;
    if (s->depth == 0)
        return fail(s, "end tag without start tag");
    e = &s->lx->elems[s->stack[--s->depth]];
    s->open_len -= e->name_len;
    if (s->i - b != e->name_len || memcmp(s->t + b, s->open_names + s->open_len, e->name_len) != 0)
        return fail(s, "end tag does not match start tag");
    if (skip_ws(s) != 0 || s->t[s->i] != '>')
        return fail(s, "malformed end tag");
    s->i++;
    e->et_beg = (uint32_t)beg;
    e->et_end = (uint32_t)s->i;
    return 0;
}

void
cfg_lex_begin(struct lex_stream *ls, size_t total)
{
    memset(ls, 0, sizeof(*ls));
    ls->total = total;
    ls->line = 1;
}

size_t
cfg_lex_pending(const struct lex_stream *ls)
{
    return ls->i;
}

void
cfg_lex_end(struct lex_stream *ls)
{
    free(ls->stack);
    free(ls->open_names);
    ls->stack = NULL;
    ls->open_names = NULL;
}

/*
 * Lexes the token at the next '<' of s (and counts the lines before it).
 * 1 when there is no '<' before s->len, 0 when lexed, -1 on failure.
 */
static int
lex_token(struct lexstate *s)
{
    const char *text = s->t;
    size_t len = s->len;
    const char *lt = memchr(text + s->i, '<', len - s->i);
    size_t p, end;

    if (lt == NULL)
        return 1;
    p = (size_t)(lt - text);
    s->line += count_nl(text + s->i, p - s->i);
    s->i = p;
    if (p + 1 >= len)
        return fail(s, "truncated markup");
    if (text[p + 1] == '?' || (p + 3 < len && memcmp(text + p, "<!--", 4) == 0) ||
        (p + 8 < len && memcmp(text + p, "<![CDATA[", 9) == 0)) {
        const char *term = text[p + 1] == '?' ? "?>" : text[p + 2] == '-' ? "-->" : "]]>";
        end = find_end(text, len, p + 2, term);
        if (end == (size_t)-1)
            return fail(s, "unterminated comment or processing instruction");
        s->line += count_nl(text + p, end - p);
        s->i = end;
        return 0;
    }
    if (text[p + 1] == '!')
        return fail(s, "document type declarations are not allowed");
    if (text[p + 1] == '/')
        return lex_end_tag(s);
    return lex_start_tag(s);
}

int
cfg_lex_feed(struct lex_stream *ls, const char *text, size_t avail, bool final, struct lex *lx,
             char *msg, size_t msgsize, unsigned *line)
{
    struct lexstate s = {.t = text,
                         .len = avail,
                         .i = ls->i,
                         .line = ls->line,
                         .stack = ls->stack,
                         .depth = ls->depth,
                         .capstack = ls->capstack,
                         .open_names = ls->open_names,
                         .open_len = ls->open_len,
                         .open_cap = ls->open_cap,
                         .lx = lx,
                         .msg = msg,
                         .msgsize = msgsize};
    int ret = -1, r = 0;

    if (ls->total >= UINT32_MAX) {
        fail(&s, "file too large");
        goto out;
    }
    if (!ls->started) {
        if (avail < 3 && !final) {
            ret = 0;
            goto out;
        }
        if (avail >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
            s.i = 3;
        ls->started = true;
    }
    while (s.i < avail) {
        size_t i0 = s.i, n0 = lx->n, d0 = s.depth, o0 = s.open_len;
        uint32_t l0 = s.line;

        r = lex_token(&s);
        if (r == 0)
            continue;
        if (!final) {
            /* the token may end in bytes still to come: again from its start next time */
            s.i = i0;
            s.line = l0;
            lx->n = n0;
            s.depth = d0;
            s.open_len = o0;
            r = 0;
        }
        break;
    }
    if (r < 0)
        goto out;
    if (final) {
        if (s.depth != 0) {
            fail(&s, "unclosed element");
            goto out;
        }
        if (lx->n == 0) {
            fail(&s, "no root element");
            goto out;
        }
    }
    ret = 0;
out:
    if (ret != 0 && line != NULL)
        *line = s.line;
    ls->i = s.i;
    ls->line = s.line;
    ls->stack = s.stack;
    ls->depth = s.depth;
    ls->capstack = s.capstack;
    ls->open_names = s.open_names;
    ls->open_len = s.open_len;
    ls->open_cap = s.open_cap;
    return ret;
}

int
cfg_lex_run(const char *text, size_t len, struct lex *lx, char *msg, size_t msgsize, unsigned *line)
{
    struct lex_stream ls;
    int ret;

    cfg_lex_begin(&ls, len);
    ret = cfg_lex_feed(&ls, text, len, true, lx, msg, msgsize, line);
    cfg_lex_end(&ls);
    return ret;
}

void
cfg_lex_free(struct lex *lx)
{
    if (lx == NULL)
        return;
    free(lx->elems);
    free(lx->attrs);
    memset(lx, 0, sizeof(*lx));
}
