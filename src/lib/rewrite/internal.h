/*
 * rewrite/internal.h - what the URL Rewrite compiler (rewrite/compile.c)
 * builds and the evaluator (rewrite.c) runs: compiled templates, patterns,
 * conditions, variable settings and rules.  Internal to the rewrite module.
 */
#ifndef CERTMAP_REWRITE_INTERNAL_H
#define CERTMAP_REWRITE_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include "rewrite.h"

/* ---- templates: url, condition inputs, variable values ---- */

enum seg_kind {
    SEG_LIT,  /* text as written */
    SEG_R,    /* {R:n} */
    SEG_C,    /* {C:n} */
    SEG_VAR,  /* {NAME} */
    SEG_FUNC, /* {Func:inner} */
};

enum tfunc {
    F_TOLOWER,
    F_URLENCODE,
    F_URLDECODE,
    F_ESCAPE,
};

struct tmpl;

struct seg {
    enum seg_kind kind;
    char *text; /* SEG_LIT: the text, SEG_VAR: the name (owned, NUL-terminated) */
    size_t len;
    unsigned n;         /* SEG_R, SEG_C: group */
    enum tfunc func;    /* SEG_FUNC */
    struct tmpl *inner; /* SEG_FUNC (owned) */
};

struct tmpl {
    struct seg *segs;
    size_t n;
};

/* ---- patterns ---- */

struct pat {
    enum rewrite_syntax syntax;
    bool ignore_case;
    bool negate;
    pcre2_code *re; /* ECMAScript and Wildcard */
    char *text;     /* ExactMatch: the pattern (owned) */
    size_t len;
};

struct cond {
    struct tmpl input;
    enum rewrite_match_type match_type;
    struct pat pat;
};

struct setv {
    char *name;
    struct tmpl value;
    bool replace;
};

struct rewrite_rule {
    unsigned id; /* index in the store: a bit of rewrite_state.ran */
    char *name;
    bool enabled, stop, global, match_any, track_all;
    struct pat match;
    struct cond *conds;
    size_t nconds;
    struct setv *sets;
    size_t nsets;
    enum rewrite_action action;
    struct tmpl url;
    bool append_query, log_rewritten;
    unsigned redirect_status, status, substatus;
    struct tmpl reason, description;
    char *base; /* "" or "/app" */
    size_t base_len;
    const char *file;
    unsigned line;
};

struct rewrite_store {
    struct rewrite_rule **rules;
    size_t nrules, caprules;
    struct rewrite_rules **lists;
    size_t nlists, caplists;
};

/* A NUL-terminated copy of s[0..n) (malloc), NULL when memory runs out. */
char *rewrite_dupn(const char *s, size_t n);

#endif
