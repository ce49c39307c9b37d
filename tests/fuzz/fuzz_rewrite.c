/*
 * fuzz_rewrite.c - libFuzzer target for URL Rewrite rules (src/lib/rewrite.c):
 * the template parser ({R:n}, {C:n}, {VAR}, functions, rewrite map
 * references), the pattern compilers (PCRE2, Wildcard, ExactMatch) and the
 * evaluator.
 *
 * The input's first byte picks the syntax, ignoreCase, negate, the action and
 * MatchAny; then up to seven lines: match url, condition input, condition
 * pattern, action url, a server variable value, the request path and its
 * query.  Invariants (abort on violation):
 *  - a rule either compiles or names why (msg not empty, no allocation failure);
 *  - the outcome is one of the documented ones; a Redirect's Location and an
 *    absolute URL hold no control character or space (they go into headers);
 *    a local rewrite's path starts with '/' and holds no control character;
 *  - errors carry status 500 and sub-status 50 or 51;
 *  - a second evaluation in the same state never runs the rule again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *
get_var(void *ctx, const char *name, size_t *len)
{
    (void)ctx;
    if (strcmp(name, "HTTP_HOST") == 0) {
        *len = 11;
        return "example.com";
    }
    return NULL;
}

static int
file_kind(void *ctx, const char *path, size_t len)
{
    (void)ctx;
    return len > 0 && path[len - 1] == '/' ? REWRITE_KIND_DIRECTORY : REWRITE_KIND_NONE;
}

static bool
clean(const char *s, bool space_ok)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || (!space_ok && *s == ' '))
            return false;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf, *line[7] = {"", "", "", "", "", "/", NULL};
    struct rewrite_cond_def cond;
    struct rewrite_set_def set;
    struct rewrite_rule_def d;
    struct rewrite_store *s;
    const struct rewrite_rule *r;
    const struct rewrite_rules *l;
    const char *allow[] = {"X_VAR"};
    struct rewrite_env env = {get_var, file_kind, NULL, allow, 1};
    struct rewrite_state st;
    enum rewrite_outcome o;
    char msg[512];
    unsigned lineno, flags;
    bool oom;
    size_t n = 0;

    if (size < 1 || size > 4096)
        return 0;
    flags = data[0];
    buf = malloc(size);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    for (char *p = buf; n < 7; n++) {
        char *nl = strchr(p, '\n');
        line[n] = p;
        if (nl == NULL) {
            n++;
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    memset(&d, 0, sizeof(d));
    d.name = "fuzz";
    d.enabled = true;
    d.syntax = (enum rewrite_syntax)(flags % 3);
    d.ignore_case = flags & 4;
    d.negate = flags & 8;
    d.match_any = flags & 16;
    d.track_all = flags & 128;
    d.action = (enum rewrite_action)((flags >> 5) % 5);
    d.url = line[0];
    cond = (struct rewrite_cond_def){
        line[1], (flags & 64) ? REWRITE_MATCH_IS_DIRECTORY : REWRITE_MATCH_PATTERN,
        line[2], true,
        false,   2};
    d.conds = &cond;
    d.nconds = line[1][0] != '\0';
    set = (struct rewrite_set_def){"X_VAR", line[4], true, 3};
    d.sets = &set;
    d.nsets = 1;
    d.action_url = line[3];
    d.append_query = true;
    d.redirect_status = 302;
    d.status = 404;
    d.reason = line[4];
    d.description = "";
    d.base = (flags & 1) ? "/app" : "";
    d.file = "fuzz.config";
    d.line = 1;
    s = rewrite_store_new();
    if (s == NULL)
        goto out;
    r = rewrite_rule_new(s, &d, &oom, msg, sizeof(msg), &lineno);
    CHECK(!oom);
    if (r == NULL) {
        CHECK(msg[0] != '\0');
        goto out;
    }
    l = rewrite_rules_new(s, &r, 1);
    CHECK(l != NULL);
    rewrite_state_init(&st);
    {
        const char *path = line[5][0] == '/' ? line[5] : "/";
        const char *query = line[6];
        o = rewrite_run(&st, NULL, l, path, strlen(path), query, query != NULL ? strlen(query) : 0,
                        &env);
        CHECK(o >= REWRITE_NONE && o <= REWRITE_ERROR);
        if (o == REWRITE_REDIRECT || o == REWRITE_ABSOLUTE)
            CHECK(st.url != NULL && clean(st.url, false));
        if (o == REWRITE_LOCAL)
            CHECK(st.url != NULL && st.url[0] == '/' && clean(st.url, false));
        if (o == REWRITE_ERROR)
            CHECK(st.status == 500 && (st.substatus == 50 || st.substatus == 51));
        for (size_t i = 0; i < st.nvars; i++)
            CHECK(clean(st.vars[i].value, true) || strchr(st.vars[i].value, '\t') != NULL);
        /* the rule ran: a second pass leaves the request as it is */
        if (o != REWRITE_ERROR) {
            o = rewrite_run(&st, NULL, l, path, strlen(path), query,
                            query != NULL ? strlen(query) : 0, &env);
            CHECK(o == REWRITE_NONE);
        }
    }
    rewrite_state_free(&st);
out:
    rewrite_store_free(s);
    free(buf);
    return 0;
}
