/*
 * authz.h - IIS URL Authorization (system.webServer/security/authorization):
 * compiled rule lists and the one evaluator certmapd and `certmap test-cert`
 * share.
 *
 * Evaluation, as "Understanding IIS URL Authorization" documents it
 * (https://learn.microsoft.com/en-us/iis/manage/configuring-security/understanding-iis-url-authorization,
 * "Differences table"): Deny rules first, starting at the parent level, then
 * Allow rules starting at the parent level, each in order of appearance.  A
 * scope's effective list holds the inherited rules before its own (the view
 * builds it so), so "Deny rules in list order, then Allow rules in list order"
 * is exactly that order.  A request no rule allows is refused, so an empty
 * list refuses everyone.
 *
 * Matching:
 *   users  "*" every user, anonymous included; "?" anonymous only; any other
 *          entry is an account name.  Names compare case-insensitively, and
 *          "DOMAIN\user" and "user@DOMAIN" are one name; a name without a
 *          domain matches only a name without a domain.
 *   roles  the account's groups (Linux groups), compared like names: a role
 *          "CORP\admins" matches the group "admins@CORP" and not "admins".
 *          Anonymous requests have no groups.
 *   verbs  HTTP methods, case-insensitive; an empty list matches every verb.
 * A rule matches when its users or its roles match, and its verbs match.
 *
 * Ownership: rules and lists are created in an authz_store, immutable once
 * created, and freed with it (the view owns one per build).  Evaluating is
 * thread-safe.
 */
#ifndef CERTMAP_AUTHZ_H
#define CERTMAP_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

enum authz_access {
    AUTHZ_ALLOW = 0, /* accessType="Allow" (IIS value 0) */
    AUTHZ_DENY = 1,  /* accessType="Deny" (IIS value 1) */
};

struct authz_rule {
    enum authz_access access;
    const char *users; /* as written ("" when unset) */
    const char *roles; /* as written */
    const char *verbs; /* as written */
    const char *key;   /* collection key: users, roles, verbs lowercased, each + '\n' */
    const char *file;  /* where the <add> is written; NULL for the implicit server default */
    unsigned line;
    /* the lists, split at ',' and trimmed, empty entries dropped */
    const char *const *user_list;
    size_t nusers;
    const char *const *role_list;
    size_t nroles;
    const char *const *verb_list;
    size_t nverbs;
};

/* An effective rule list (inherited rules first). */
struct authz_rules {
    const struct authz_rule *const *rules;
    size_t n;
};

struct authz_store;

/* A new empty store, or NULL when memory runs out. */
struct authz_store *authz_store_new(void);

/* Frees the store with every rule and list created in it.  NULL is ignored. */
void authz_store_free(struct authz_store *s);

/*
 * Compiles one rule into s (the strings are copied; file is borrowed and must
 * outlive s).  NULL and msg when users and roles are both empty (IIS requires
 * at least one: such a rule would apply to nobody) or memory runs out
 * (*oom set).
 */
const struct authz_rule *authz_rule_new(struct authz_store *s, enum authz_access access,
                                        const char *users, const char *roles, const char *verbs,
                                        const char *file, unsigned line, bool *oom, char *msg,
                                        size_t msgsize);

/*
 * The collection key of a rule with these values (lowercased users, roles,
 * verbs, each followed by '\n'), in out; false when it does not fit.
 */
bool authz_key(const char *users, const char *roles, const char *verbs, char *out, size_t size);

/* A list of the n rules (copied array) in s; NULL when memory runs out. */
const struct authz_rules *authz_rules_new(struct authz_store *s,
                                          const struct authz_rule *const *rules, size_t n);

/* True when some rule of r names roles (the caller must then know the account's groups). */
bool authz_rules_need_roles(const struct authz_rules *r);

#define AUTHZ_DENIED 0
#define AUTHZ_ALLOWED 1

/*
 * Decides a request.  r NULL is an empty list.  user NULL or "" is an
 * anonymous request; roles are the account's nroles groups; verb the request
 * method.  Returns AUTHZ_ALLOWED or AUTHZ_DENIED; *decided (may be NULL) gets
 * the rule that decided, NULL when no rule matched (denied).
 */
int authz_check(const struct authz_rules *r, const char *user, const char *const *roles,
                size_t nroles, const char *verb, const struct authz_rule **decided);

/* True when two account or group names are the same name (case, DOMAIN\x and x@DOMAIN). */
bool authz_name_eq(const char *a, const char *b);

#endif
