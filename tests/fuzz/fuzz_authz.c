/*
 * fuzz_authz.c - libFuzzer target for URL Authorization rules (src/lib/authz.c):
 * the comma-list parser of users, roles and verbs, the name comparison
 * (DOMAIN\user = user@DOMAIN) and the evaluator.
 *
 * The input is up to eight lines: users, roles, verbs of rule 1 (a Deny),
 * users, roles of rule 2 (an Allow for every verb), then the request's user
 * ("" anonymous), its groups (comma-separated) and its method.  Invariants
 * (abort on violation):
 *  - a compiled rule's lists hold no empty entry and no entry with blanks at
 *    either end; its key is its three values lowercased, each + '\n';
 *  - authz_name_eq is symmetric and reflexive;
 *  - the decision is the documented one: denied when the Deny rule matches
 *    (deciding rule 1), else allowed by rule 2 when it matches, else denied
 *    with no deciding rule; Deny wins whatever the order of the rules;
 *  - adding users="*" to the Allow rule admits every request the Deny rule
 *    does not refuse.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void
check_lists(const struct authz_rule *r)
{
    const char *const *lists[3] = {r->user_list, r->role_list, r->verb_list};
    size_t n[3] = {r->nusers, r->nroles, r->nverbs};
    char key[4096];

    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < n[k]; i++) {
            size_t len = strlen(lists[k][i]);
            CHECK(len > 0);
            CHECK(lists[k][i][0] != ' ' && lists[k][i][len - 1] != ' ');
            CHECK(strchr(lists[k][i], ',') == NULL);
        }
    if (authz_key(r->users, r->roles, r->verbs, key, sizeof(key)))
        CHECK(strcmp(key, r->key) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *line[8] = {0}, *p, msg[256], *groups[64];
    const struct authz_rule *deny, *allow, *allow_all, *d = NULL, *v[2];
    struct authz_store *s = NULL;
    size_t ngroups = 0;
    bool oom;
    int ret;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    p = buf;
    for (int i = 0; i < 8; i++) {
        line[i] = p;
        p = strchr(p, '\n');
        if (p == NULL) {
            for (int k = i + 1; k < 8; k++)
                line[k] = "";
            break;
        }
        *p++ = '\0';
    }
    for (char *g = line[6]; *g != '\0' && ngroups < 64;) {
        groups[ngroups++] = g;
        g = strchr(g, ',');
        if (g == NULL)
            break;
        *g++ = '\0';
    }
    CHECK(authz_name_eq(line[0], line[0]));
    CHECK(authz_name_eq(line[0], line[5]) == authz_name_eq(line[5], line[0]));

    s = authz_store_new();
    if (s == NULL)
        goto out;
    deny = authz_rule_new(s, AUTHZ_DENY, line[0], line[1], line[2], "f", 1, &oom, msg, sizeof(msg));
    allow = authz_rule_new(s, AUTHZ_ALLOW, line[3], line[4], "", "f", 2, &oom, msg, sizeof(msg));
    if (deny == NULL || allow == NULL)
        goto out;
    check_lists(deny);
    check_lists(allow);
    {
        const struct authz_rule *one[1] = {deny};
        const struct authz_rule *two[1] = {allow};
        int denied_by_deny = authz_check(authz_rules_new(s, one, 1), line[5],
                                         (const char *const *)groups, ngroups, line[7], &d);
        bool deny_matches = d == deny;
        int by_allow = authz_check(authz_rules_new(s, two, 1), line[5], (const char *const *)groups,
                                   ngroups, line[7], &d);
        bool allow_matches = d == allow;

        CHECK(denied_by_deny == AUTHZ_DENIED);
        CHECK(by_allow == (allow_matches ? AUTHZ_ALLOWED : AUTHZ_DENIED));
        /* both orders decide alike */
        v[0] = allow;
        v[1] = deny;
        ret = authz_check(authz_rules_new(s, v, 2), line[5], (const char *const *)groups, ngroups,
                          line[7], &d);
        CHECK(ret == (!deny_matches && allow_matches ? AUTHZ_ALLOWED : AUTHZ_DENIED));
        CHECK(d == (deny_matches ? deny : allow_matches ? allow : NULL));
        v[0] = deny;
        v[1] = allow;
        CHECK(authz_check(authz_rules_new(s, v, 2), line[5], (const char *const *)groups, ngroups,
                          line[7], NULL) == ret);
        /* users="*" admits whatever the Deny rule does not refuse */
        allow_all = authz_rule_new(s, AUTHZ_ALLOW, "*", "", "", "f", 3, &oom, msg, sizeof(msg));
        if (allow_all != NULL) {
            v[1] = allow_all;
            CHECK(authz_check(authz_rules_new(s, v, 2), line[5], (const char *const *)groups,
                              ngroups, line[7],
                              NULL) == (deny_matches ? AUTHZ_DENIED : AUTHZ_ALLOWED));
        }
    }
out:
    authz_store_free(s);
    free(buf);
    return 0;
}
