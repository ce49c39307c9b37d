/*
 * pam.c - the PAM provider: pam_start(service, user) with a conversation
 * that answers the password prompt, pam_authenticate(), pam_acct_mgmt(),
 * pam_end().  No session is opened and pam_setcred() is not called: certmapd
 * does not act as the user, it only needs to know the account may log on.
 */
#include "logon/logon_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <security/pam_appl.h>

struct pam_state {
    char *service; /* owned: PAM service name (/etc/pam.d/<service>) */
};

/* What the conversation function needs; lives on the stack of pamprov_check(). */
struct conv_data {
    const char *password;
};

static void
free_responses(struct pam_response *r, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (r[i].resp != NULL) {
            OPENSSL_cleanse(r[i].resp, strlen(r[i].resp));
            free(r[i].resp);
        }
    }
    free(r);
}

/*
 * Answers the password prompt (echo off) with the password.  An echo-on
 * prompt asks for something visible (normally the user name, which PAM
 * already has): answering it with the password could show or log it, so
 * the conversation fails instead.  Informational messages are dropped: the
 * library never prints.
 */
static int
on_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
    const struct conv_data *cd = appdata;
    struct pam_response *r;
    int i, rc = PAM_CONV_ERR;

    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (i = 0; i < n; i++) {
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
            r[i].resp = strdup(cd->password);
            if (r[i].resp == NULL) {
                rc = PAM_BUF_ERR;
                goto fail;
            }
            break;
        case PAM_ERROR_MSG:
        case PAM_TEXT_INFO:
            break;
        default:
            goto fail;
        }
    }
    *resp = r;
    return PAM_SUCCESS;
fail:
    free_responses(r, n);
    return rc;
}

/* Wrong password, unknown, expired or locked account: the answer is "no". */
static int
is_refusal(int rc)
{
    switch (rc) {
    case PAM_AUTH_ERR:
    case PAM_USER_UNKNOWN:
    case PAM_MAXTRIES:
    case PAM_CRED_INSUFFICIENT:
    case PAM_PERM_DENIED:
    case PAM_ACCT_EXPIRED:
    case PAM_NEW_AUTHTOK_REQD:
    case PAM_AUTHTOK_EXPIRED:
        return 1;
    default:
        return 0;
    }
}

static int
pamprov_open(const struct logon_settings *s, void **state, struct certmap_error *err)
{
    struct pam_state *ps;
    const char *service =
        s->pam_service != NULL && s->pam_service[0] != '\0' ? s->pam_service : "certmap";

    if (strchr(service, '/') != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, "logon", "pamService",
                                 "PAM service name \"%s\" contains '/'", service);
    ps = calloc(1, sizeof(*ps));
    if (ps == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    ps->service = strdup(service);
    if (ps->service == NULL) {
        free(ps);
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    }
    *state = ps;
    return 0;
}

static enum logon_result
pamprov_check(void *state, const char *user, const char *password, struct certmap_error *err)
{
    const struct pam_state *ps = state;
    struct conv_data cd = {.password = password};
    struct pam_conv conv = {.conv = on_conv, .appdata_ptr = &cd};
    pam_handle_t *pamh = NULL;
    const char *stage = "pam_start";
    enum logon_result result = LOGON_ERROR;
    int rc;

    rc = pam_start(ps->service, user, &conv, &pamh);
    if (rc != PAM_SUCCESS) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "PAM service \"%s\": %s: %s",
                          ps->service, stage, pam_strerror(pamh, rc));
        goto out;
    }
    /* PAM_SILENT: no module may talk to a user who is not there. */
    stage = "pam_authenticate";
    rc = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
    if (rc == PAM_SUCCESS) {
        stage = "pam_acct_mgmt";
        rc = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
    }
    if (rc == PAM_SUCCESS) {
        result = LOGON_OK;
    } else if (is_refusal(rc)) {
        result = LOGON_REFUSED;
        certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL,
                          "PAM service \"%s\": %s refused \"%s\": %s", ps->service, stage, user,
                          pam_strerror(pamh, rc));
    } else {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL,
                          "PAM service \"%s\": %s failed for \"%s\": %s", ps->service, stage, user,
                          pam_strerror(pamh, rc));
    }
out:
    if (pamh != NULL)
        pam_end(pamh, rc);
    return result;
}

static void
pamprov_close(void *state)
{
    struct pam_state *ps = state;

    if (ps == NULL)
        return;
    free(ps->service);
    free(ps);
}

/* PAM authenticates; the groups come from NSS, where SSSD, LDAP and winbind publish them. */
static int
pamprov_groups(void *state, const char *user, char ***names, size_t *n, struct certmap_error *err)
{
    (void)state;
    return logon_nss_groups(user, names, n, err);
}

const struct logon_provider_ops logon_pam_provider = {
    .name = "pam",
    .open = pamprov_open,
    .check = pamprov_check,
    .close = pamprov_close,
    .groups = pamprov_groups,
};
