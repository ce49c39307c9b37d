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
/* Fills lx->attrs/nattrs with the attributes of element e (from a successful cfg_lex_run). */
int cfg_lex_attrs(const char *text, size_t len, const struct lex_elem *e, struct lex *lx);
void cfg_lex_free(struct lex *lx);

#endif
