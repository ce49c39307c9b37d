/*
 * parse.c - text -> element tree.
 *
 * libxml2's SAX2 parser checks well-formedness and decodes attribute values;
 * the lexer gives the byte ranges.  Both see the elements in document order,
 * so the k-th startElement callback is the lexer's k-th element.  No DOM is
 * built: a configuration with 100 000 mappings would cost several times its
 * size in libxml2 nodes.  Attribute values equal to their raw text (no
 * entity, no normalised whitespace) are not copied.
 *
 * A configuration is untrusted input: no DTD (the lexer refuses <!DOCTYPE
 * and the internalSubset callback stops the parser), no entity substitution,
 * no network.
 */
#include "config/parse.h"

#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/diag.h"
#include "config/lexer.h"
#include "config/facts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

struct sax_state {
    struct certmap_config *cfg;
    struct lex *lx;
    size_t next;          /* index of the next lexer element */
    struct cnode **stack; /* open elements */
    size_t *lexi;         /* the lexer element of each open element */
    size_t depth, cap;
    bool failed; /* tree building failed (message below) */
    char msg[512];
    unsigned line;
    bool xml_error; /* libxml2 reported an error */
    char xml_msg[512];
    unsigned xml_line;
    xmlParserCtxtPtr ctxt;
    const char **names; /* interned element and attribute names (INTERN_SLOTS) */
    size_t nnames;
    size_t packed; /* serve-only: values moved to cfg->text[0..packed) so far */
};

#define INTERN_SLOTS 1024

static void
sax_fail(struct sax_state *st, unsigned line, const char *msg)
{
    if (!st->failed) {
        st->failed = true;
        st->line = line;
        snprintf(st->msg, sizeof(st->msg), "%s", msg);
    }
    xmlStopParser(st->ctxt);
}

/*
 * Element and attribute names repeat (100 000 times "add", "userName",
 * "certificate"): one arena copy each.  The table stops taking new names when
 * half full, so a file of unique names costs what it would without it.
 */
static const char *
intern(struct sax_state *st, const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;
    char *p;

    if (len > 64 || st->names == NULL)
        return cfg_arena_strndup(&st->cfg->arena, s, len);
    for (size_t k = 0; k < len; k++)
        h = (h ^ (unsigned char)s[k]) * 16777619u;
    for (i = h & (INTERN_SLOTS - 1); st->names[i] != NULL; i = (i + 1) & (INTERN_SLOTS - 1))
        if (strncmp(st->names[i], s, len) == 0 && st->names[i][len] == '\0')
            return st->names[i];
    p = cfg_arena_strndup(&st->cfg->arena, s, len);
    if (p != NULL && st->nnames < INTERN_SLOTS / 2) {
        st->names[i] = p;
        st->nnames++;
    }
    return p;
}

/*
 * Without entity substitution (XML_PARSE_NOENT stays off: a configuration is
 * untrusted), libxml2 hands "&amp;" and "&#38;" over as the text "&#38;", to
 * be resolved by a tree builder; every other reference is already decoded and
 * no other '&' can remain (undeclared entities are errors).
 */
static char *
decode_amp(struct arena *a, const char *v, size_t len, size_t *out_len)
{
    char *out = cfg_arena_alloc(a, len + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len;) {
        if (v[i] == '&' && len - i >= 5 && memcmp(v + i, "&#38;", 5) == 0) {
            out[o++] = '&';
            i += 5;
        } else {
            out[o++] = v[i++];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Matches a lexer attribute with libxml2's decoded attribute of the same name. */
static void
fill_attr(struct sax_state *st, struct cattr *ca, const struct lex_attr *la, int nb_attributes,
          const xmlChar **attributes)
{
    const char *text = st->cfg->text;
    const char *raw = text + la->val_beg;

    ca->ref = raw;
    ca->len = (uint32_t)la->val_len;
    ca->value = NULL;
    ca->line = la->line;
    for (int i = 0; i < nb_attributes; i++) {
        const char *local = (const char *)attributes[i * 5];
        const char *prefix = (const char *)attributes[i * 5 + 1];
        const char *v = (const char *)attributes[i * 5 + 3];
        const char *vend = (const char *)attributes[i * 5 + 4];
        size_t ll = strlen(local), vlen = (size_t)(vend - v);
        const char *nm = text + la->name_beg;

        if (prefix != NULL) {
            size_t pl = strlen(prefix);
            if (la->name_len != pl + 1 + ll || memcmp(nm, prefix, pl) != 0 || nm[pl] != ':' ||
                memcmp(nm + pl + 1, local, ll) != 0)
                continue;
        } else if (la->name_len != ll || memcmp(nm, local, ll) != 0) {
            continue;
        }
        if (vlen == la->val_len && memcmp(v, raw, vlen) == 0)
            return;
        ca->value = decode_amp(&st->cfg->arena, v, vlen, &vlen);
        ca->ref = NULL;
        ca->len = (uint32_t)vlen;
        if (ca->value == NULL)
            sax_fail(st, la->line, "out of memory");
        return;
    }
    /* namespace declarations are not attributes for libxml2: keep the raw text */
}

/*
 * Serve-only (document.h): the certificate of a one-to-one mapping becomes
 * its key and facts at once, the other values of n move down to the packed
 * start of the text, so that the text behind them can go (release_parsed)
 * long before the tree is complete.  A certificate that does not decode stays
 * for validation to report at its line.
 */
static void
serve_keep(struct sax_state *st, struct cnode *n)
{
    struct certmap_config *cfg = st->cfg;
    bool mapping = strcmp(n->name, "add") == 0 && n->parent != NULL &&
                   strcmp(n->parent->name, "oneToOneMappings") == 0;
    struct certmap_error e = {0};

    for (uint32_t i = 0; i < n->nattrs; i++) {
        struct cattr *a = &n->attrs[i];
        if (mapping && strcmp(a->name, "certificate") == 0) {
            if (cfg_item_cert_facts(cfg, n, a->value != NULL ? a->value : a->ref, a->len, &e) ==
                0) {
                a->value = "";
                a->ref = NULL;
                a->len = 0;
                continue;
            }
            if (e.kind == CERTMAP_ERR_NOMEM) {
                sax_fail(st, a->line, "out of memory");
                return;
            }
        }
        if (a->value != NULL || a->ref == NULL)
            continue;
        /* values come in text order: the packed end never passes one not yet moved */
        memmove(cfg->text + st->packed, a->ref, a->len);
        a->ref = cfg->text + st->packed;
        st->packed += a->len;
    }
}

/*
 * Serve-only: gives back the whole pages of the text between the packed
 * values and upto, the first byte still to be read (by the lexer's next
 * element or the next chunk).  Their contents are never read again; the
 * packed values may grow into them later (fresh pages then).
 */
static void
release_parsed(struct sax_state *st, size_t upto)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t beg = (uintptr_t)st->cfg->text + st->packed, end = (uintptr_t)st->cfg->text + upto;

    beg = (beg + page - 1) & ~(uintptr_t)(page - 1);
    end &= ~(uintptr_t)(page - 1);
    /* a failure leaves the pages where they were: nothing else depends on it */
    if (end > beg && end - beg >= ((size_t)1 << 20))
        (void)madvise((void *)beg, end - beg, MADV_DONTNEED);
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *URI,
         int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
         const xmlChar **attributes)
{
    struct sax_state *st = ctx;
    struct certmap_config *cfg = st->cfg;
    const struct lex_elem *le;
    struct cnode *n;
    size_t ll = strlen((const char *)localname), pl = prefix ? strlen((const char *)prefix) : 0;
    const char *nm;
    uint32_t nattrs;

    (void)URI;
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_defaulted;
    if (st->failed)
        return;
    if (st->next >= st->lx->n) {
        sax_fail(st, 0, "internal error: element count mismatch");
        return;
    }
    le = &st->lx->elems[st->next++];
    nm = cfg->text + le->name_beg;
    if (le->name_len != (prefix ? pl + 1 + ll : ll) ||
        memcmp(nm + (prefix ? pl + 1 : 0), localname, ll) != 0) {
        sax_fail(st, le->line, "internal error: element name mismatch");
        return;
    }
    n = cfg_node_new(cfg, NULL, NULL);
    if (n == NULL) {
        sax_fail(st, le->line, "out of memory");
        return;
    }
    if (cfg_lex_attrs(cfg->text, cfg->text_len, le, st->lx) != 0) {
        sax_fail(st, le->line, "internal error: attribute mismatch");
        return;
    }
    nattrs = (uint32_t)st->lx->nattrs;
    n->name = intern(st, nm, le->name_len);
    n->attrs = nattrs ? cfg_arena_alloc(&cfg->arena, nattrs * sizeof(*n->attrs)) : NULL;
    if (n->name == NULL || (nattrs && n->attrs == NULL)) {
        sax_fail(st, le->line, "out of memory");
        return;
    }
    n->nattrs = n->cap = nattrs;
    n->line = le->line;
    n->flags = CN_ORIG | (le->self_closing ? CN_SELF_CLOSING : 0);
    n->st_beg = le->st_beg;
    n->st_end = le->st_end;
    n->et_beg = le->et_beg;
    n->et_end = le->et_end;
    for (uint32_t i = 0; i < nattrs; i++) {
        const struct lex_attr *la = &st->lx->attrs[i];
        n->attrs[i].name = intern(st, cfg->text + la->name_beg, la->name_len);
        if (n->attrs[i].name == NULL) {
            sax_fail(st, la->line, "out of memory");
            return;
        }
        fill_attr(st, &n->attrs[i], la, nb_attributes, attributes);
    }
    if (st->depth == 0) {
        cfg->root = n;
    } else {
        cfg_node_append(st->stack[st->depth - 1], n);
    }
    if (cfg->serve_only) {
        serve_keep(st, n);
        if (st->failed)
            return;
    }
    if (st->depth == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 64;
        struct cnode **p = realloc(st->stack, ncap * sizeof(*p));
        size_t *q;
        if (p == NULL) {
            sax_fail(st, le->line, "out of memory");
            return;
        }
        st->stack = p;
        q = realloc(st->lexi, ncap * sizeof(*q));
        if (q == NULL) {
            sax_fail(st, le->line, "out of memory");
            return;
        }
        st->lexi = q;
        st->cap = ncap;
    }
    st->lexi[st->depth] = st->next - 1;
    st->stack[st->depth++] = n;
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *URI)
{
    struct sax_state *st = ctx;
    const struct lex_elem *le;
    struct cnode *n;

    (void)localname;
    (void)prefix;
    (void)URI;
    if (st->failed || st->depth == 0)
        return;
    /* a serve-only parse lexes as the text arrives: the end tag was not known at on_start */
    n = st->stack[--st->depth];
    le = &st->lx->elems[st->lexi[st->depth]];
    n->et_beg = le->et_beg;
    n->et_end = le->et_end;
}

static void
on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    struct sax_state *st = ctx;

    (void)name;
    (void)ext_id;
    (void)sys_id;
    sax_fail(st, (unsigned)xmlSAX2GetLineNumber(st->ctxt),
             "document type declarations are not allowed");
}

static void
on_error(void *ctx, xmlErrorPtr e)
{
    struct sax_state *st = ctx;
    size_t n;

    if (e == NULL || st->xml_error || e->level < XML_ERR_ERROR)
        return;
    st->xml_error = true;
    st->xml_line = e->line > 0 ? (unsigned)e->line : 0;
    snprintf(st->xml_msg, sizeof(st->xml_msg), "%s",
             e->message != NULL ? e->message : "malformed XML");
    n = strlen(st->xml_msg);
    while (n > 0 && (st->xml_msg[n - 1] == '\n' || st->xml_msg[n - 1] == ' '))
        st->xml_msg[--n] = '\0';
}

/* Only UTF-8 (or its ASCII subset): the byte-preserving save writes UTF-8 into the text. */
static int
check_encoding(const char *t, size_t len, char *msg, size_t msgsize)
{
    const char *end, *enc;

    if (len >= 2 &&
        (((unsigned char)t[0] == 0xFF && (unsigned char)t[1] == 0xFE) ||
         ((unsigned char)t[0] == 0xFE && (unsigned char)t[1] == 0xFF) || t[0] == 0 || t[1] == 0)) {
        snprintf(msg, msgsize, "only UTF-8 files are supported (this looks like UTF-16)");
        return -1;
    }
    if (len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0) {
        t += 3;
        len -= 3;
    }
    if (len < 5 || memcmp(t, "<?xml", 5) != 0)
        return 0;
    end = memmem(t, len, "?>", 2);
    if (end == NULL)
        return 0;
    enc = memmem(t, (size_t)(end - t), "encoding", 8);
    if (enc == NULL)
        return 0;
    enc += 8;
    while (enc < end && (*enc == ' ' || *enc == '=' || *enc == '"' || *enc == '\''))
        enc++;
    static const char *const ok[] = {"utf-8", "utf8", "us-ascii", "ascii"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t l = strlen(ok[i]);
        if ((size_t)(end - enc) > l && strncasecmp(enc, ok[i], l) == 0 &&
            (enc[l] == '"' || enc[l] == '\''))
            return 0;
    }
    snprintf(msg, msgsize, "only UTF-8 files are supported (encoding declared as \"%.*s\")",
             (int)strcspn(enc, "\"'?"), enc);
    return -1;
}

/*
 * Serve-only open of a file (config.c): reads the text up to want bytes (or
 * its end) from cfg->text_fd.  0, or -1 and msg.
 */
static int
read_text(struct certmap_config *cfg, size_t want, char *msg, size_t msgsize)
{
    if (cfg->text_fd < 0)
        return 0;
    if (want > cfg->text_len)
        want = cfg->text_len;
    while (cfg->text_read < want) {
        ssize_t n = read(cfg->text_fd, cfg->text + cfg->text_read, want - cfg->text_read);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(msg, msgsize, "cannot read: %s", strerror(errno));
            return -1;
        }
        if (n == 0) {
            snprintf(msg, msgsize, "file changed while being read");
            return -1;
        }
        cfg->text_read += (size_t)n;
    }
    return 0;
}

/* Bytes of the text in memory: all of it, unless a serve-only open is still reading. */
static size_t
text_avail(const struct certmap_config *cfg)
{
    return cfg->text_fd >= 0 ? cfg->text_read : cfg->text_len;
}

/*
 * Serve-only: the text is lexed and handed to libxml2 a chunk at a time,
 * read from the file just before (cfg->text_fd), and what both have read
 * past goes back (release_parsed), so that the 60 MB of 100 000 mappings
 * are never in memory at once.  The findings are those of a whole-text
 * parse: the lexer reports what cfg_lex_run() would (lexer.h), and when
 * libxml2 stops early the rest is still lexed for the lexer's verdict.
 */
static void
feed_chunks(struct sax_state *st, struct lex *lx, int *lexret, char *lexmsg, size_t lexmsgsize,
            unsigned *lexline, bool *io_failed, char *iomsg, size_t iomsgsize)
{
    struct certmap_config *cfg = st->cfg;
    const size_t chunk = (size_t)256 << 10;
    struct lex_stream ls;
    size_t off = 0, avail;
    bool last = false;

    cfg_lex_begin(&ls, cfg->text_len);
    for (;;) {
        if (read_text(cfg, off + chunk, iomsg, iomsgsize) != 0) {
            *io_failed = true;
            goto out;
        }
        avail = text_avail(cfg) - off < chunk ? text_avail(cfg) : off + chunk;
        last = avail == cfg->text_len;
        if (*lexret == 0 &&
            cfg_lex_feed(&ls, cfg->text, avail, last, lx, lexmsg, lexmsgsize, lexline) != 0) {
            *lexret = -1;
            st->failed = true; /* parse on only for libxml2's verdict */
        }
        if (xmlParseChunk(st->ctxt, cfg->text + off, (int)(avail - off), last) != 0 || last ||
            st->ctxt->disableSAX)
            break;
        off = avail;
        if (!st->failed) {
            /* the first byte still read: the next element not yet seen, the lexer's, the chunk's */
            size_t upto = cfg_lex_pending(&ls) < off ? cfg_lex_pending(&ls) : off;
            if (st->next < lx->n && lx->elems[st->next].st_beg < upto)
                upto = lx->elems[st->next].st_beg;
            release_parsed(st, upto);
        }
    }
    /* libxml2 stopped first: the lexer still sees the whole text, as cfg_lex_run() would */
    while (*lexret == 0 && !last) {
        off = avail;
        if (read_text(cfg, off + chunk, iomsg, iomsgsize) != 0) {
            *io_failed = true;
            goto out;
        }
        avail = text_avail(cfg) - off < chunk ? text_avail(cfg) : off + chunk;
        last = avail == cfg->text_len;
        if (cfg_lex_feed(&ls, cfg->text, avail, last, lx, lexmsg, lexmsgsize, lexline) != 0)
            *lexret = -1;
    }
out:
    cfg_lex_end(&ls);
}

int
cfg_parse_document(struct certmap_config *cfg, struct certmap_diags *d)
{
    struct lex lx = {0};
    struct sax_state st = {.cfg = cfg, .lx = &lx};
    xmlSAXHandler sax;
    char lexmsg[256], iomsg[256];
    unsigned lexline = 0;
    int lexret = 0, ret = -1;
    bool io_failed = false;
    const size_t chunk = (size_t)4 << 20;

    if (read_text(cfg, (size_t)256 << 10, iomsg, sizeof(iomsg)) != 0) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, 0, NULL, NULL, "%s", iomsg);
        ret = 1;
        goto out;
    }
    if (check_encoding(cfg->text, text_avail(cfg), lexmsg, sizeof(lexmsg)) != 0) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, 1, NULL, NULL, "%s", lexmsg);
        ret = 1;
        goto out;
    }
    if (!cfg->serve_only)
        lexret = cfg_lex_run(cfg->text, cfg->text_len, &lx, lexmsg, sizeof(lexmsg), &lexline);

    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.internalSubset = on_internal_subset;
    sax.serror = on_error;
    if (lexret != 0)
        st.failed = true;                               /* parse only for libxml2's verdict */
    st.names = calloc(INTERN_SLOTS, sizeof(*st.names)); /* NULL: no interning, still correct */
    st.ctxt = xmlCreatePushParserCtxt(&sax, &st, NULL, 0, cfg->name);
    if (st.ctxt == NULL) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, 0, NULL, NULL, "out of memory");
        goto out;
    }
    xmlCtxtUseOptions(st.ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    if (cfg->serve_only) {
        feed_chunks(&st, &lx, &lexret, lexmsg, sizeof(lexmsg), &lexline, &io_failed, iomsg,
                    sizeof(iomsg));
    } else {
        for (size_t off = 0;;) {
            size_t n = cfg->text_len - off < chunk ? cfg->text_len - off : chunk;
            bool last = off + n == cfg->text_len;
            if (xmlParseChunk(st.ctxt, cfg->text + off, (int)n, last) != 0 || last ||
                st.ctxt->disableSAX)
                break;
            off += n;
        }
    }
    if (io_failed) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, 0, NULL, NULL, "%s", iomsg);
        ret = 1;
    } else if (st.xml_error) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, st.xml_line, NULL, NULL, "malformed XML: %s",
                 st.xml_msg);
        ret = 1;
    } else if (lexret != 0) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, lexline, NULL, NULL, "%s", lexmsg);
        ret = 1;
    } else if (st.failed) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, st.line, NULL, NULL, "%s", st.msg);
        ret = 1;
    } else if (!st.ctxt->wellFormed || cfg->root == NULL || st.next != lx.n) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, 0, NULL, NULL, "malformed XML");
        ret = 1;
    } else {
        ret = 0;
    }
out:
    if (st.ctxt != NULL)
        xmlFreeParserCtxt(st.ctxt);
    if (cfg->text_fd >= 0) {
        close(cfg->text_fd);
        cfg->text_fd = -1;
    }
    free(st.stack);
    free(st.lexi);
    free(st.names);
    cfg_lex_free(&lx);
    if (ret != 0)
        cfg->root = NULL;
    return ret;
}
