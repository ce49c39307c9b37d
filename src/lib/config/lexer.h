/*
 * lexer.h - byte ranges of the tags of a well-formed document (lexer.c).
 */
#ifndef CERTMAP_CONFIG_LEXER_H
#define CERTMAP_CONFIG_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lex_attr {
    uint32_t name_beg, name_len;
    uint32_t val_beg, val_len; /* inside the quotes */
    uint32_t line;
};

/* Offsets are 32-bit: configurations are bounded well below 4 GiB. */
struct lex_elem {
    uint32_t name_beg, name_len;
    uint32_t st_beg, st_end, et_beg, et_end;
    uint32_t line;
    bool self_closing;
};

struct lex {
    struct lex_elem *elems;
    size_t n, cap;
    struct lex_attr *attrs; /* attributes of one element, from cfg_lex_attrs() */
    size_t nattrs, capattrs;
};

/*
 * Tokenizes text into lx->elems (attributes are checked but not kept: they
 * are read again per element by cfg_lex_attrs(), which keeps the memory of a
 * large file to a few bytes per element).  -1 and msg/line when it is not a
 * document this lexer understands.
 */
int cfg_lex_run(const char *text, size_t len, struct lex *lx, char *msg, size_t msgsize,
                unsigned *line);
/*
 * The same lexer fed a text as it arrives (a serve-only parse reads the file
 * in chunks and lexes each one before libxml2 sees it): cfg_lex_begin() with
 * the length the text will have, then cfg_lex_feed() with text[0..avail) each
 * time more has arrived (one buffer, growing; bytes before
 * cfg_lex_pending() are never read again), the last time with final set,
 * then cfg_lex_end().  A token that does not end within avail is lexed again
 * from its start at the next feed, so the elements, lines and messages are
 * those of cfg_lex_run() on the whole text.  Between feeds lx->elems holds
 * every element whose start tag has been read (its et_beg/et_end once its
 * end tag has been).  0, or -1 and msg/line as cfg_lex_run(); after -1 do
 * not feed again.
 */
struct lex_stream {
    size_t total;  /* length of the whole text */
    size_t i;      /* first byte not yet lexed */
    uint32_t line; /* line at i */
    bool started;  /* the byte order mark has been looked for */
    size_t *stack; /* open elements (indices into lx->elems) */
    size_t depth, capstack;
    char *open_names; /* their names, one after another: the text of a start tag may be gone
                         (given back) when its end tag is read */
    size_t open_len, open_cap;
};

void cfg_lex_begin(struct lex_stream *ls, size_t total);
int cfg_lex_feed(struct lex_stream *ls, const char *text, size_t avail, bool final, struct lex *lx,
                 char *msg, size_t msgsize, unsigned *line);
/* The first byte of the text the lexer may still read. */
size_t cfg_lex_pending(const struct lex_stream *ls);
void cfg_lex_end(struct lex_stream *ls);

/* Fills lx->attrs/nattrs with the attributes of element e (from a successful cfg_lex_run). */
int cfg_lex_attrs(const char *text, size_t len, const struct lex_elem *e, struct lex *lx);
void cfg_lex_free(struct lex *lx);

#endif
