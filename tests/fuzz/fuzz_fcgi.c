/*
 * fuzz_fcgi.c - libFuzzer target for the FastCGI record decoder and the CGI
 * response head parser (src/lib/fcgi.c): what a FastCGI application, or
 * anything listening where one should be, sends to certmapd.
 *
 * The first input byte picks the piece size (1..256) in which the rest is
 * fed to the decoder, as exact-size heap copies so that ASan catches a read
 * past a piece.  The same bytes are then decoded in one piece.  Invariants
 * (abort on violation):
 *  - a call never consumes more than it was given, reports FCGI_EV_NONE only
 *    when it consumed everything, and data events point inside the piece;
 *  - the split does not matter: same STDOUT and STDERR bytes, same end
 *    (END_REQUEST and its statuses, or the same error);
 *  - after an error or the end, the decoder consumes nothing more;
 *  - the STDOUT bytes' head, when one ends within them, either parses or is
 *    refused with a reason; a parsed head's fields lie inside it, and its
 *    status is 200..599.
 *
 * fuzz-sources: src/lib/fcgi.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_fcgi: invariant failed at line %d: %s\n", __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OUT 65536

struct result {
    unsigned char out[MAX_OUT];
    size_t nout;
    size_t nerr;
    int end; /* 0 running, 1 END_REQUEST, 2 error */
    const char *why;
    uint32_t app;
    unsigned proto;
};

static void
run(const uint8_t *data, size_t size, size_t step, struct result *r)
{
    struct fcgi_decoder d;
    size_t at = 0;

    memset(r, 0, sizeof(*r));
    fcgi_decoder_init(&d, 1);
    while (at < size && r->end == 0) {
        size_t n = size - at < step ? size - at : step;
        unsigned char *piece = malloc(n);
        const unsigned char *p = piece;
        CHECK(piece != NULL);
        memcpy(piece, data + at, n);
        at += n;
        for (;;) {
            struct fcgi_event ev;
            size_t used = fcgi_decode(&d, p, n, &ev);
            CHECK(used <= n);
            if (ev.kind == FCGI_EV_STDOUT || ev.kind == FCGI_EV_STDERR) {
                CHECK(ev.len >= 1 && ev.data >= p && ev.data + ev.len <= p + used);
                if (ev.kind == FCGI_EV_STDOUT) {
                    size_t k = ev.len < MAX_OUT - r->nout ? ev.len : MAX_OUT - r->nout;
                    memcpy(r->out + r->nout, ev.data, k);
                    r->nout += k;
                } else {
                    r->nerr += ev.len;
                }
            }
            p += used;
            n -= used;
            if (ev.kind == FCGI_EV_NONE) {
                CHECK(n == 0);
                break;
            }
            if (ev.kind == FCGI_EV_ERROR || ev.kind == FCGI_EV_END) {
                struct fcgi_event again;
                r->end = ev.kind == FCGI_EV_END ? 1 : 2;
                r->why = ev.why;
                r->app = ev.app_status;
                r->proto = ev.protocol_status;
                CHECK(ev.kind == FCGI_EV_END || ev.why != NULL);
                if (n > 0) {
                    CHECK(fcgi_decode(&d, p, n, &again) == 0);
                    CHECK(again.kind == FCGI_EV_ERROR);
                    if (r->end == 1) {
                        r->end = 2; /* bytes after the end: an error at this position */
                        r->why = again.why;
                    }
                }
                break;
            }
        }
        free(piece);
    }
    if (r->end == 1 && at < size) {
        /* the end came at a piece's last byte and more pieces follow */
        struct fcgi_event again;
        CHECK(fcgi_decode(&d, data + at, size - at, &again) == 0);
        CHECK(again.kind == FCGI_EV_ERROR);
        r->end = 2;
        r->why = again.why;
    }
}

static void
check_head(const unsigned char *out, size_t n)
{
    size_t end = fcgi_head_end((const char *)out, n);
    struct fcgi_head *h;
    const char *why = NULL;
    char *copy;

    if (end == 0)
        return;
    CHECK(end <= n);
    copy = malloc(end);
    h = malloc(sizeof(*h));
    CHECK(copy != NULL && h != NULL);
    memcpy(copy, out, end);
    if (fcgi_head_parse(copy, end, h, &why) == 0) {
        CHECK(h->status >= 200 && h->status <= 599);
        CHECK(h->nfields <= FCGI_HEAD_MAX_FIELDS);
        for (size_t i = 0; i < h->nfields; i++) {
            const struct fcgi_field *f = &h->fields[i];
            CHECK(f->name >= copy && f->name + f->name_len <= copy + end && f->name_len > 0);
            CHECK(f->value >= copy && f->value + f->value_len <= copy + end);
        }
        CHECK(h->content_type != NULL || h->location != NULL || h->status != 0);
    } else {
        CHECK(why != NULL && why[0] != '\0');
    }
    free(copy);
    free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct result a, b;
    size_t step;

    if (size < 1)
        return 0;
    step = (size_t)data[0] + 1;
    run(data + 1, size - 1, step, &a);
    run(data + 1, size - 1, size, &b);
    CHECK(a.nout == b.nout && memcmp(a.out, b.out, a.nout) == 0);
    CHECK(a.end == b.end);
    if (a.end == 2)
        CHECK(strcmp(a.why, b.why) == 0);
    CHECK(a.nerr == b.nerr);
    if (a.end == 1)
        CHECK(a.app == b.app && a.proto == b.proto);
    check_head(a.out, a.nout);
    return 0;
}
