/*
 * save.c - writes the tree back by patching the original text.
 *
 * libxml2's serializer would rewrite quotes, "<a />" spacing, line endings and
 * the byte order mark, so a file that IIS or an admin wrote would change in
 * places nobody touched.  Instead every element read from the file is copied
 * from its original bytes, except:
 *   - an element whose attributes changed gets a regenerated start tag
 *     (attribute order kept, new attributes appended, IIS's `<a b="1" />`);
 *   - a deleted element disappears with the indentation of its line;
 *   - a new element is written before its parent's end tag (or at its place
 *     among new siblings) with the indentation of its siblings, and a
 *     self-closing parent that gains children is expanded.
 * New text uses the file's line ending (CRLF or LF).
 */
#include "config/save.h"

#include "config/tree.h"
#include "config/document.h"
#include "config/lexer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *buf;
    size_t len, cap;
    bool oom;
};

struct sctx {
    const char *text; /* the original */
    struct out o;
    const char *eol;
    char unit[32]; /* one level of indentation */
};

static void
put(struct out *o, const char *s, size_t n)
{
    if (o->oom || n == 0)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t ncap = o->cap ? o->cap : 4096;
        char *p;
        while (o->len + n + 1 > ncap)
            ncap *= 2;
        p = realloc(o->buf, ncap);
        if (p == NULL) {
            o->oom = true;
            return;
        }
        o->buf = p;
        o->cap = ncap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void
put_escaped(struct out *o, const char *v, size_t len)
{
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (v[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\t':
            rep = "&#x9;";
            break;
        case '\n':
            rep = "&#xA;";
            break;
        case '\r':
            rep = "&#xD;";
            break;
        default:
            continue;
        }
        put(o, v + run, i - run);
        puts_(o, rep);
        run = i + 1;
    }
    put(o, v + run, len - run);
}

static size_t
line_start(const char *t, size_t pos)
{
    while (pos > 0 && t[pos - 1] != '\n')
        pos--;
    return pos;
}

static bool
blank(const char *t, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (t[i] != ' ' && t[i] != '\t')
            return false;
    return true;
}

/* Indentation of an element read from the text ("" when not first on its line). */
static void
indent_of(const struct sctx *s, const struct cnode *n, char *buf, size_t size)
{
    size_t ls = line_start(s->text, n->st_beg), len = n->st_beg - ls;

    buf[0] = '\0';
    if (!blank(s->text, ls, n->st_beg) || len >= size)
        return;
    memcpy(buf, s->text + ls, len);
    buf[len] = '\0';
}

static bool
has_live_children(const struct cnode *n)
{
    for (const struct cnode *c = n->first; c != NULL; c = c->next)
        if (cfg_node_live(c))
            return true;
    return false;
}

static void
put_start_tag(struct sctx *s, const struct cnode *n, bool empty)
{
    puts_(&s->o, "<");
    puts_(&s->o, n->name);
    for (uint32_t i = 0; i < n->nattrs; i++) {
        const struct cattr *a = &n->attrs[i];
        puts_(&s->o, " ");
        puts_(&s->o, a->name);
        puts_(&s->o, "=\"");
        put_escaped(&s->o, a->value != NULL ? a->value : a->ref, a->len);
        puts_(&s->o, "\"");
    }
    puts_(&s->o, empty ? " />" : ">");
}

static void emit_orig(struct sctx *s, const struct cnode *n);

static void
emit_new(struct sctx *s, const struct cnode *n, const char *indent)
{
    char child_indent[256];
    bool kids = has_live_children(n);

    put_start_tag(s, n, !kids);
    if (!kids)
        return;
    snprintf(child_indent, sizeof(child_indent), "%s%s", indent, s->unit);
    for (const struct cnode *c = n->first; c != NULL; c = c->next) {
        if (!cfg_node_live(c))
            continue;
        puts_(&s->o, s->eol);
        puts_(&s->o, child_indent);
        if (c->flags & CN_ORIG)
            emit_orig(s, c); /* cannot happen: text nodes never move under new ones */
        else
            emit_new(s, c, child_indent);
    }
    puts_(&s->o, s->eol);
    puts_(&s->o, indent);
    puts_(&s->o, "</");
    puts_(&s->o, n->name);
    puts_(&s->o, ">");
}

/* Indentation for new children of n: that of its last element child on its own line. */
static void
child_indent_of(const struct sctx *s, const struct cnode *n, const char *mine, char *buf,
                size_t size)
{
    for (const struct cnode *c = n->last; c != NULL; c = c->prev) {
        if (!(c->flags & CN_ORIG))
            continue;
        size_t ls = line_start(s->text, c->st_beg);
        if (ls > n->st_end && blank(s->text, ls, c->st_beg)) {
            indent_of(s, c, buf, size);
            return;
        }
    }
    snprintf(buf, size, "%s%s", mine, s->unit);
}

static void
emit_orig(struct sctx *s, const struct cnode *n)
{
    const char *t = s->text;
    char mine[256], kid[256];
    bool kids = has_live_children(n), wrote_new = false;
    size_t cursor;

    indent_of(s, n, mine, sizeof(mine));
    child_indent_of(s, n, mine, kid, sizeof(kid));
    if (n->flags & CN_SELF_CLOSING) {
        if (n->flags & CN_DIRTY) {
            put_start_tag(s, n, !kids);
        } else if (!kids) {
            put(&s->o, t + n->st_beg, n->st_end - n->st_beg);
        } else {
            size_t e = n->st_end - 2; /* drop "/>" and the spaces before it */
            while (e > n->st_beg &&
                   (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\n' || t[e - 1] == '\r'))
                e--;
            put(&s->o, t + n->st_beg, e - n->st_beg);
            puts_(&s->o, ">");
        }
        if (!kids)
            return;
        for (const struct cnode *c = n->first; c != NULL; c = c->next) {
            if (!cfg_node_live(c))
                continue;
            puts_(&s->o, s->eol);
            puts_(&s->o, kid);
            emit_new(s, c, kid);
        }
        puts_(&s->o, s->eol);
        puts_(&s->o, mine);
        puts_(&s->o, "</");
        puts_(&s->o, n->name);
        puts_(&s->o, ">");
        return;
    }
    if (n->flags & CN_DIRTY)
        put_start_tag(s, n, false);
    else
        put(&s->o, t + n->st_beg, n->st_end - n->st_beg);
    cursor = n->st_end;
    for (const struct cnode *c = n->first; c != NULL; c = c->next) {
        if (c->flags & CN_ORIG) {
            if (!cfg_node_live(c)) {
                size_t ls = line_start(t, c->st_beg), lb = ls;
                /* alone on its line: drop the line break before it and its indentation */
                if (ls > cursor && blank(t, ls, c->st_beg)) {
                    lb = ls - 1;
                    if (lb > cursor && t[lb - 1] == '\r')
                        lb--;
                } else {
                    lb = c->st_beg;
                }
                put(&s->o, t + cursor, lb - cursor);
                cursor = c->et_end;
                continue;
            }
            put(&s->o, t + cursor, c->st_beg - cursor);
            emit_orig(s, c);
            cursor = c->et_end;
        } else if (cfg_node_live(c)) {
            puts_(&s->o, s->eol);
            puts_(&s->o, kid);
            emit_new(s, c, kid);
            wrote_new = true;
        }
    }
    if (wrote_new && memchr(t + cursor, '\n', n->et_beg - cursor) == NULL &&
        blank(t, cursor, n->et_beg)) {
        /* "<a></a>" that gained children: close on a line of its own */
        puts_(&s->o, s->eol);
        puts_(&s->o, mine);
    } else {
        put(&s->o, t + cursor, n->et_beg - cursor);
    }
    put(&s->o, t + n->et_beg, n->et_end - n->et_beg);
}

static void
detect_style(struct sctx *s, const struct certmap_config *cfg)
{
    const char *nl = memchr(cfg->text, '\n', cfg->text_len);
    char root[256], child[256];

    s->eol = nl != NULL && nl > cfg->text && nl[-1] == '\r' ? "\r\n" : "\n";
    strcpy(s->unit, "    ");
    indent_of(s, cfg->root, root, sizeof(root));
    for (const struct cnode *c = cfg->root->first; c != NULL; c = c->next) {
        size_t rl = strlen(root), cl;
        if (!(c->flags & CN_ORIG))
            continue;
        if (line_start(s->text, c->st_beg) <= cfg->root->st_beg)
            continue;
        indent_of(s, c, child, sizeof(child));
        cl = strlen(child);
        if (cl > rl && cl - rl < sizeof(s->unit) && strncmp(child, root, rl) == 0) {
            memcpy(s->unit, child + rl, cl - rl);
            s->unit[cl - rl] = '\0';
        }
        break;
    }
}

int
cfg_save_document(struct certmap_config *cfg, char **out, size_t *out_len)
{
    struct sctx s = {.text = cfg->text};

    *out = NULL;
    detect_style(&s, cfg);
    put(&s.o, cfg->text, cfg->root->st_beg);
    emit_orig(&s, cfg->root);
    put(&s.o, cfg->text + cfg->root->et_end, cfg->text_len - cfg->root->et_end);
    if (s.o.oom || s.o.buf == NULL) {
        free(s.o.buf);
        return -1;
    }
    *out = s.o.buf;
    *out_len = s.o.len;
    return 0;
}

struct rebase {
    struct lex *lx;
    size_t k;
    const char *text;
    size_t len;
    bool bad;
};

static void
rebase_node(struct rebase *r, struct cnode *n)
{
    const struct lex_elem *le;

    if (r->k >= r->lx->n) {
        r->bad = true;
        return;
    }
    le = &r->lx->elems[r->k++];
    n->st_beg = le->st_beg;
    n->st_end = le->st_end;
    n->et_beg = le->et_beg;
    n->et_end = le->et_end;
    n->line = le->line;
    n->flags = (n->flags & ~(CN_DIRTY | CN_SELF_CLOSING)) | CN_ORIG |
               (le->self_closing ? CN_SELF_CLOSING : 0);
    if (cfg_lex_attrs(r->text, r->len, le, r->lx) != 0)
        r->bad = true;
    for (uint32_t i = 0; i < n->nattrs && !r->bad; i++)
        for (size_t j = 0; j < r->lx->nattrs; j++) {
            const struct lex_attr *la = &r->lx->attrs[j];
            if (la->name_len == strlen(n->attrs[i].name) &&
                memcmp(r->text + la->name_beg, n->attrs[i].name, la->name_len) == 0)
                n->attrs[i].line = la->line;
        }
    for (struct cnode *c = n->first, *next; c != NULL; c = next) {
        next = c->next;
        if (!cfg_node_live(c)) {
            c->flags &= ~CN_ORIG;
            cfg_node_delete(NULL, c); /* unlinks */
            continue;
        }
        rebase_node(r, c);
    }
}

void
cfg_save_rebase(struct certmap_config *cfg, char *text, size_t len)
{
    struct lex lx = {0};
    struct rebase r = {.lx = &lx, .text = text, .len = len};
    char msg[128];
    unsigned line;

    if (cfg_lex_run(text, len, &lx, msg, sizeof(msg), &line) != 0)
        r.bad = true;
    else
        rebase_node(&r, cfg->root);
    if (r.bad || r.k != lx.n)
        cfg->can_commit = false; /* cannot happen: the text was just re-parsed */
    cfg_lex_free(&lx);
    cfg->text = text;
    cfg->text_len = len;
    cfg->gen++;
}
