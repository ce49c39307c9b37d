/*
 * fuzz_config.c - libFuzzer target for the configuration engine: XML ->
 * schema -> effective settings.
 *
 * The input is an applicationHost.config.  certmap_config_parse() either
 * refuses it (with an error that names a place) or accepts it; an accepted
 * document is then read the way certmapd and the CLI read it: for the server
 * level, every <location path>, every site and every application path, each
 * implemented section is fetched and walked: every attribute through every
 * getter that fits its schema type, every child element and every collection
 * item, recursively.  Invariants (abort on violation):
 *  - a refused document leaves an error with a message, an accepted one has
 *    no error diagnostic; every diagnostic has a message;
 *  - saving an unchanged document gives back its bytes exactly, and
 *    re-validating it finds no error;
 *  - every schema attribute has a value (set or default); typed getters agree
 *    with the text value; enum/flags values re-parse to the same number;
 *  - a server-only section is refused below the server level;
 *  - every collection item is found again by its key.
 * Passwords are decrypted with a fixed key (00 01 ... 1f, as fuzz_envelope),
 * written at start-up into a temporary directory removed at exit.
 *
 * fuzz-sources: src/lib/error.c src/lib/fileio.c src/lib/secret.c src/lib/cert.c
 * fuzz-sources: src/lib/cert/der.c src/lib/cert/rdn.c src/lib/codec.c
 * fuzz-sources: src/lib/config/arena.c src/lib/config/tree.c src/lib/config/diag.c
 * fuzz-sources: src/lib/config/schema.c src/lib/config/value.c src/lib/config/unenforced.c
 * fuzz-sources: src/lib/config/location.c src/lib/config/handle.c src/lib/config/store.c
 * fuzz-sources: src/lib/config/collection.c src/lib/config/element.c src/lib/config/items.c
 * fuzz-sources: src/lib/config/lexer.c src/lib/config/parse.c src/lib/config/validate.c
 * fuzz-sources: src/lib/config/save.c src/lib/config/config.c src/lib/config/binding.c
 * fuzz-sources: src/lib/config/locpaths.c src/lib/config/facts.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "certmap/cert.h"
#include "certmap/config.h"
#include "config/document.h"
#include "config/schema.h"
#include "config/value.h"
#include "config/location.h"
#include "config/handle.h"
#include "config/save.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_config: invariant failed at line %d: %s\n", __LINE__, #cond);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Bounds that keep one input well under the time-out: the walk is O(locations * items). */
#define FUZZ_MAX_INPUT (256 * 1024)
#define MAX_TARGETS 48
#define MAX_DEPTH 8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmpdir[64];
static char key_path[128];
static char cfg_name[128];

static void
cleanup(void)
{
    unlink(key_path);
    rmdir(tmpdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char hex[66];
    FILE *f;

    (void)argc;
    (void)argv;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fuzz_config.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("fuzz_config: mkdtemp");
        exit(2);
    }
    snprintf(key_path, sizeof(key_path), "%s/certmap.key", tmpdir);
    snprintf(cfg_name, sizeof(cfg_name), "%s/applicationHost.config", tmpdir);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", i);
    hex[64] = '\n';
    hex[65] = '\0';
    umask(077);
    f = fopen(key_path, "w");
    if (f == NULL || fputs(hex, f) == EOF || fclose(f) != 0) {
        perror("fuzz_config: key file");
        exit(2);
    }
    atexit(cleanup);
    return 0;
}

/* The attribute's schema entry, found through the element's schema. */
static const struct schema_attr *
attr_schema(const struct certmap_element *e, const char *name)
{
    return cfg_schema_attr_find(e->schema, name);
}

/* Reads one attribute through every getter that fits its type. */
static void
walk_attr(struct certmap_config *cfg, struct certmap_element *e, const char *name)
{
    const struct schema_attr *sa = attr_schema(e, name);
    struct certmap_error err;
    const char *v, *file;
    unsigned line;
    bool b;
    unsigned long long u, num;
    unsigned flags;
    char canon[1024], msg[256], *s;

    CHECK(sa != NULL);
    v = certmap_element_get(e, name);
    CHECK(v != NULL);
    if (certmap_element_source(e, name, &file, &line) == 0)
        CHECK(file != NULL);
    (void)certmap_element_is_set(e, name);
    certmap_error_clear(&err);
    switch (sa->type) {
    case ST_BOOL:
        if (certmap_element_get_bool(e, name, &b, &err) == 0)
            CHECK(strcmp(v, b ? "true" : "false") == 0);
        else
            CHECK(err.message[0] != '\0' && v[0] == '\0' && sa->def == NULL);
        break;
    case ST_UINT:
    case ST_INT64:
        if (certmap_element_get_uint(e, name, &u, &err) == 0) {
            CHECK(cfg_value_parse(sa, v, strlen(v), NULL, 0, &num, msg, sizeof(msg)) == 0);
            CHECK(num == u);
        } else {
            CHECK(err.message[0] != '\0' && v[0] == '\0' && sa->def == NULL);
        }
        break;
    case ST_ENUM:
    case ST_FLAGS:
        if (certmap_element_get_flags(e, name, &flags, &err) == 0) {
            CHECK(cfg_value_parse(sa, v, strlen(v), canon, sizeof(canon), &num, msg, sizeof(msg)) ==
                  0);
            CHECK(num == flags);
            /* the canonical spelling denotes the same value */
            CHECK(cfg_value_parse(sa, canon, strlen(canon), NULL, 0, &num, msg, sizeof(msg)) == 0);
            CHECK(num == flags);
            if (sa->type == ST_FLAGS) {
                cfg_value_format_flags(sa, flags, canon, sizeof(canon));
                CHECK(cfg_value_parse(sa, canon, strlen(canon), NULL, 0, &num, msg, sizeof(msg)) ==
                      0);
                CHECK(num == flags);
            }
        } else {
            CHECK(err.message[0] != '\0' && v[0] == '\0' && sa->def == NULL);
        }
        break;
    case ST_STRING:
        if (sa->flags & SA_ENCRYPTED) {
            s = NULL;
            if (certmap_element_get_secret(e, name, &s, &err) == 0) {
                CHECK(s != NULL);
                OPENSSL_cleanse(s, strlen(s));
                free(s);
            } else {
                CHECK(s == NULL && err.message[0] != '\0');
            }
        } else if (v[0] != '\0' && !(sa->flags & SA_CERT)) {
            /* what the server does with paths, host names and log directories */
            s = certmap_config_expand_path(cfg, v, &err);
            if (s == NULL)
                CHECK(err.message[0] != '\0');
            free(s);
        }
        break;
    }
}

/* "a|b" of the key attributes of an item, as certmap_collection_find() takes it; NULL if unusable.
 */
static char *
item_key_text(struct certmap_element *item, const struct schema_elem *se)
{
    char *out = NULL, *p;
    size_t len = 0;

    for (const struct schema_attr *a = se->attrs; a->name != NULL; a++) {
        const char *v;
        if (!(a->flags & SA_KEY))
            continue;
        v = certmap_element_get(item, a->name);
        /* '|' and newline are the separators of composite keys */
        if (v == NULL || strpbrk(v, "|\n") != NULL) {
            free(out);
            return NULL;
        }
        p = realloc(out, len + strlen(v) + 2);
        if (p == NULL) {
            free(out);
            return NULL;
        }
        out = p;
        if (len > 0)
            out[len++] = '|';
        memcpy(out + len, v, strlen(v) + 1);
        len += strlen(v);
    }
    return out;
}

static void walk_element(struct certmap_config *cfg, struct certmap_element *e, unsigned depth);

static void
walk_collection(struct certmap_config *cfg, struct certmap_collection *c, unsigned depth)
{
    size_t n = certmap_collection_count(c);
    const struct schema_coll *sc = c->schema;

    for (size_t i = 0; i < n; i++) {
        struct certmap_element *item = certmap_collection_item(c, i);
        char *key;

        CHECK(item != NULL);
        (void)certmap_element_is_inherited(item);
        walk_element(cfg, item, depth + 1);
        key = item_key_text(item, sc->item);
        if (key == NULL)
            continue;
        if (strcmp(certmap_element_name(item), sc->add) == 0) {
            struct certmap_element *found = certmap_collection_find(c, key);
            bool cert = false;
            for (const struct schema_attr *a = sc->item->attrs; a->name != NULL; a++)
                cert = cert || (a->flags & SA_CERT);
            if (cert) {
                unsigned char *der = NULL;
                size_t der_len = 0;
                /* an item whose certificate decodes is found by it */
                if (certmap_cert_decode(key, strlen(key), &der, &der_len, NULL) == 0)
                    CHECK(found != NULL);
                free(der);
            } else {
                CHECK(found != NULL);
            }
        }
        free(key);
    }
    CHECK(certmap_collection_item(c, n) == NULL);
}

static void
walk_element(struct certmap_config *cfg, struct certmap_element *e, unsigned depth)
{
    struct certmap_error err;
    const char *file;
    unsigned line;
    size_t n;

    if (depth > MAX_DEPTH)
        return;
    CHECK(certmap_element_name(e) != NULL);
    (void)certmap_element_source(e, NULL, &file, &line);
    n = certmap_element_attr_count(e);
    for (size_t i = 0; i < n; i++) {
        const char *name = certmap_element_attr_name(e, i);
        CHECK(name != NULL);
        walk_attr(cfg, e, name);
    }
    CHECK(certmap_element_get(e, "noSuchAttribute") == NULL);
    if (e->schema->children != NULL)
        for (const struct schema_child *ch = e->schema->children; ch->name != NULL; ch++) {
            struct certmap_element *k;
            certmap_error_clear(&err);
            k = certmap_element_child(e, ch->name, &err);
            CHECK(k != NULL);
            walk_element(cfg, k, depth + 1);
            if (ch->elem->coll != NULL) {
                struct certmap_collection *c = certmap_element_collection(e, ch->name, &err);
                CHECK(c != NULL);
                walk_collection(cfg, c, depth);
            }
        }
    if (e->schema->coll != NULL) {
        struct certmap_collection *c = certmap_element_collection(e, NULL, &err);
        CHECK(c != NULL);
        walk_collection(cfg, c, depth);
    }
}

/* Adds a copy of t to the targets unless present. */
static void
add_target(char **targets, size_t *n, const char *t)
{
    if (*n >= MAX_TARGETS || t == NULL)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(targets[i], t) == 0)
            return;
    targets[*n] = strdup(t);
    if (targets[*n] != NULL)
        (*n)++;
}

/* The locations to read: the document's, each site, each site/application. */
static size_t
collect_targets(struct certmap_config *cfg, char **targets)
{
    struct certmap_error err;
    struct certmap_element *sites;
    struct certmap_collection *c, *apps;
    size_t n = 0, count = certmap_config_location_count(cfg);
    char buf[2048];

    add_target(targets, &n, "");
    for (size_t i = 0; i < count; i++) {
        const char *p = certmap_config_location_path(cfg, i);
        CHECK(p != NULL);
        add_target(targets, &n, p);
    }
    CHECK(certmap_config_location_path(cfg, count) == NULL);
    sites = certmap_config_get_section(cfg, CERTMAP_SECTION_SITES, NULL, &err);
    CHECK(sites != NULL);
    c = certmap_element_collection(sites, NULL, &err);
    CHECK(c != NULL);
    for (size_t i = 0; i < certmap_collection_count(c); i++) {
        struct certmap_element *site = certmap_collection_item(c, i);
        const char *name = certmap_element_get(site, "name");
        add_target(targets, &n, name);
        apps = certmap_element_collection(site, NULL, &err);
        CHECK(apps != NULL);
        for (size_t j = 0; j < certmap_collection_count(apps); j++) {
            const char *path = certmap_element_get(certmap_collection_item(apps, j), "path");
            snprintf(buf, sizeof(buf), "%s%s%s", name, path[0] == '/' ? "" : "/", path);
            add_target(targets, &n, buf);
        }
    }
    return n;
}

static void
read_everything(struct certmap_config *cfg)
{
    char *targets[MAX_TARGETS];
    size_t n = collect_targets(cfg, targets);
    char norm[2048];

    for (size_t t = 0; t < n; t++) {
        cfg_loc_normalize(targets[t], norm, sizeof(norm));
        for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++) {
            struct certmap_error err;
            struct certmap_element *sec;
            certmap_error_clear(&err);
            sec = certmap_config_get_section(cfg, s->path, targets[t], &err);
            if ((s->flags & SS_SERVER_ONLY) && norm[0] != '\0') {
                CHECK(sec == NULL && err.message[0] != '\0');
                continue;
            }
            CHECK(sec != NULL);
            walk_element(cfg, sec, 0);
        }
    }
    for (size_t t = 0; t < n; t++)
        free(targets[t]);
}

/*
 * certmapd's serve-only open (values packed while parsing, mapping
 * certificates kept as facts) reaches the verdict and the findings of a
 * normal open.
 */
static void
check_serve_only(const uint8_t *data, size_t size, bool loaded, const struct certmap_diags *want)
{
    struct certmap_open_options opts = {.key_file = key_path, .serve_only = true};
    struct certmap_diags diags = {0};
    struct certmap_error err;
    struct certmap_config *cfg;

    cfg = certmap_config_parse(cfg_name, (const char *)data, size, &opts, &diags, &err);
    CHECK((cfg != NULL) == loaded);
    CHECK(diags.errors == want->errors && diags.item_errors == want->item_errors);
    certmap_config_close(cfg);
    certmap_diags_free(&diags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct certmap_open_options opts = {.key_file = key_path};
    struct certmap_diags diags = {0}, again = {0};
    struct certmap_error err;
    struct certmap_config *cfg;
    char *saved = NULL;
    size_t saved_len = 0;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    certmap_error_clear(&err);
    cfg = certmap_config_parse(cfg_name, (const char *)data, size, &opts, &diags, &err);
    for (size_t i = 0; i < diags.count; i++)
        CHECK(diags.items[i].err.message[0] != '\0');
    check_serve_only(data, size, cfg != NULL, &diags);
    if (cfg == NULL) {
        CHECK(err.kind != CERTMAP_ERR_NONE && err.message[0] != '\0');
        goto out;
    }
    /* what loads has item errors at most (broken mappings), never a structural one */
    CHECK(diags.errors == diags.item_errors);
    CHECK(cfg_save_document(cfg, &saved, &saved_len) == 0);
    CHECK(saved_len == size && memcmp(saved, data, size) == 0);
    read_everything(cfg);
    CHECK(certmap_config_validate(cfg, &again) == (diags.errors == 0 ? 0 : -1));
    CHECK(again.errors == diags.errors && again.item_errors == diags.item_errors);
out:
    free(saved);
    certmap_config_close(cfg);
    certmap_diags_free(&diags);
    certmap_diags_free(&again);
    return 0;
}
