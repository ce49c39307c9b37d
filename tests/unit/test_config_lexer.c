/*
 * Unit tests for lexer.c fed as the text arrives (cfg_lex_feed): at every
 * split of a document, and with the bytes already lexed wiped as a
 * serve-only parse gives them back, it finds the elements, the verdict, the
 * message and the line that cfg_lex_run() finds in the whole text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/lexer.h"

struct lexed {
    struct lex lx;
    int ret;
    char msg[128];
    unsigned line;
};

static void
lex_whole(const char *text, size_t len, struct lexed *w)
{
    memset(w, 0, sizeof(*w));
    w->ret = cfg_lex_run(text, len, &w->lx, w->msg, sizeof(w->msg), &w->line);
}

/*
 * Feeds text in pieces of step bytes (the last piece final) from a copy in
 * which everything before cfg_lex_pending() is wiped after each feed.
 */
static void
lex_fed(const char *text, size_t len, size_t step, struct lexed *f)
{
    char *buf = malloc(len + 1);
    struct lex_stream ls;
    size_t avail = 0;

    assert_non_null(buf);
    memset(buf, '#', len + 1);
    memset(f, 0, sizeof(*f));
    cfg_lex_begin(&ls, len);
    for (;;) {
        size_t more = len - avail < step ? len - avail : step;
        memcpy(buf + avail, text + avail, more);
        avail += more;
        f->ret =
            cfg_lex_feed(&ls, buf, avail, avail == len, &f->lx, f->msg, sizeof(f->msg), &f->line);
        if (f->ret != 0 || avail == len)
            break;
        assert_true(cfg_lex_pending(&ls) <= avail);
        memset(buf, 0, cfg_lex_pending(&ls));
    }
    cfg_lex_end(&ls);
    free(buf);
}

static void
assert_same(const char *doc, const struct lexed *w, const struct lexed *f, size_t step)
{
    if (w->ret != f->ret)
        fail_msg("step %zu of \"%s\": result %d, whole text %d", step, doc, f->ret, w->ret);
    if (w->ret != 0) {
        assert_string_equal(f->msg, w->msg);
        assert_int_equal(f->line, w->line);
        return;
    }
    assert_int_equal(f->lx.n, w->lx.n);
    for (size_t i = 0; i < w->lx.n; i++) {
        const struct lex_elem *a = &w->lx.elems[i], *b = &f->lx.elems[i];
        assert_int_equal(a->name_beg, b->name_beg);
        assert_int_equal(a->name_len, b->name_len);
        assert_int_equal(a->st_beg, b->st_beg);
        assert_int_equal(a->st_end, b->st_end);
        assert_int_equal(a->et_beg, b->et_beg);
        assert_int_equal(a->et_end, b->et_end);
        assert_int_equal(a->line, b->line);
        assert_int_equal(a->self_closing, b->self_closing);
    }
}

static const char *const docs[] = {
    "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<configuration>\n  <!-- a <comment> -->\n"
    "  <a x=\"1\"\n     y='two\nlines' />\n  <b><![CDATA[ <not/> ]]><c/></b>\n"
    "  <?pi stuff?>\n</configuration>\n",
    "<r><oneToOneMappings><add certificate=\"MIIB\" userName=\"u\" /><add certificate=\"MIIC\""
    " /></oneToOneMappings><x:y xmlns:x=\"urn:a\"></x:y></r>",
    "<r>text &amp; more<s>\r\n</s>  </r  >",
    /* refused, each at its place */
    "<r><a></b></r>",
    "<r><!-- never ends </r>",
    "<!DOCTYPE r><r/>",
    "<r><a x></a></r>",
    "<r><a x=\"1></a></r>",
    "<r>\n<a>\n</a>\n",
    "no markup at all",
    "<r/>\n<",
    "</r>",
    "<",
    "",
};

static void
test_every_split(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(docs) / sizeof(docs[0]); k++) {
        size_t len = strlen(docs[k]);
        struct lexed w, f;

        lex_whole(docs[k], len, &w);
        for (size_t step = 1; step <= len + 1; step++) {
            lex_fed(docs[k], len, step, &f);
            assert_same(docs[k], &w, &f, step);
            cfg_lex_free(&f.lx);
        }
        cfg_lex_free(&w.lx);
    }
}

/* A mismatched end tag is caught with its start tag's text long given back. */
static void
test_end_tag_after_wipe(void **state)
{
    static const char doc[] = "<root><a><b/></a><c></a></root>";
    struct lexed w, f;

    (void)state;
    lex_whole(doc, sizeof(doc) - 1, &w);
    assert_int_equal(w.ret, -1);
    assert_string_equal(w.msg, "end tag does not match start tag");
    lex_fed(doc, sizeof(doc) - 1, 1, &f);
    assert_same(doc, &w, &f, 1);
    cfg_lex_free(&w.lx);
    cfg_lex_free(&f.lx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_end_tag_after_wipe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
