/*
 * store.c - the stored form of attribute values: canonical spelling,
 * certificates in IIS's single-line form, passwords in an encrypted envelope
 * under the configuration's key file.
 */
#include "config/store.h"

#include "config/document.h"
#include "config/schema.h"
#include "config/value.h"
#include "config/diag.h"
#include "config/handle.h"

#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"

/* ---- key ---- */

int
cfg_load_key(struct certmap_config *cfg, bool create, struct certmap_error *err)
{
    if (cfg->key_loaded)
        return 0;
    if (secret_key_load(cfg->key_file, create, cfg->key, err) != 0)
        return -1;
    cfg->key_loaded = true;
    return 0;
}

/* Checks and converts a value to what is stored; *stored is malloc'd. */
int
cfg_store_form(struct certmap_element *e, const struct schema_attr *sa, const char *value,
               char **stored, unsigned char keydigest[32], bool *has_key, struct certmap_error *err)
{
    struct certmap_config *cfg = e->cfg;
    char canon[1024], msg[768];
    unsigned long long num;

    *has_key = false;
    if (cfg_value_parse(sa, value, strlen(value), canon, sizeof(canon), &num, msg, sizeof(msg)) !=
        0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, e->schema->name, sa->name, "%s",
                          msg);
        return -1;
    }
    if (sa->type != ST_STRING) {
        *stored = strdup(canon);
        goto done;
    }
    if (sa->flags & SA_CERT) {
        unsigned char *der = NULL;
        size_t der_len = 0;
        struct certmap_error ce = {0};
        if (certmap_cert_decode(value, strlen(value), &der, &der_len, &ce) != 0) {
            certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, e->schema->name, sa->name,
                              "%s%s", cert_msg_prefix(ce.message), ce.message);
            return -1;
        }
        *stored = certmap_cert_to_iis_string(der, der_len);
        certmap_cert_sha256(der, der_len, keydigest);
        *has_key = true;
        free(der);
        goto done;
    }
    if ((sa->flags & SA_ENCRYPTED) && value[0] != '\0') {
        struct certmap_error ke = {0};
        char *check = NULL;
        if (cfg_load_key(cfg, !secret_is_envelope(value), &ke) != 0) {
            certmap_error_set(err, ke.kind, cfg->name, 0, e->schema->name, sa->name, "%s%s%s",
                              ke.file, ke.file[0] ? ": " : "", ke.message);
            return -1;
        }
        if (secret_is_envelope(value)) {
            /* an envelope given as is must be one this key opens */
            if (secret_decrypt(cfg->key, value, &check, &ke) != 0) {
                certmap_error_set(err, CERTMAP_ERR_CRYPTO, cfg->name, 0, e->schema->name, sa->name,
                                  "envelope does not decrypt with %s: %s", cfg->key_file,
                                  ke.message);
                return -1;
            }
            secret_free(check);
            *stored = strdup(value);
        } else if (secret_encrypt(cfg->key, value, stored, &ke) != 0) {
            certmap_error_set(err, ke.kind, cfg->name, 0, e->schema->name, sa->name, "%s",
                              ke.message);
            return -1;
        }
        goto done;
    }
    *stored = strdup(value);
done:
    if (*stored == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    return 0;
}
