/*
 * win32.c - sc-win32-status as IIS writes it.
 *
 * Sources: Microsoft, "The HTTP status code in IIS 7 and later versions"
 * (learn.microsoft.com/troubleshoot/developer/webapps/iis/www-administration-management/http-status-code)
 * for the sub-statuses, the examples of the IIS client-certificate
 * troubleshooting pages (401.1 with 1326, 401.2 and 403.7 with 5, 403.16
 * with 2148204809) and winerror.h for the values of the certificate errors.
 */
#include "win32.h"

#include <stddef.h>

#include <openssl/x509_vfy.h>

/* The chain engine's error for the OpenSSL verification result of a 403.16. */
static unsigned long
untrusted_error(long v)
{
    switch (v) {
    case X509_V_ERR_INVALID_PURPOSE:
        return WIN32_CERT_E_WRONG_USAGE;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
        return WIN32_TRUST_E_CERT_SIGNATURE;
    default:
        /* self-signed, an issuer the server does not trust or does not know, anything
           else: IIS logs CERT_E_UNTRUSTEDROOT for these 403.16 answers */
        return WIN32_CERT_E_UNTRUSTEDROOT;
    }
}

unsigned long
win32_status(int status, int substatus, long cert_verify)
{
    switch (status) {
    case 401:
        /* 401.1 logon failed; 401.2 no module authenticated or URL authorization refused;
           401.3 the file's ACL refused the account */
        return substatus == 1 ? WIN32_LOGON_FAILURE : substatus >= 2 ? WIN32_ACCESS_DENIED : 0;
    case 403:
        switch (substatus) {
        case 13:
            /* 403.13 is a revoked certificate, or a revocation status that could not be
               established (no CRL, a CRL out of date or unverifiable) */
            return cert_verify == X509_V_ERR_CERT_REVOKED || cert_verify == X509_V_OK
                       ? WIN32_CRYPT_E_REVOKED
                       : WIN32_CRYPT_E_REVOCATION_OFFLINE;
        case 16:
            return untrusted_error(cert_verify);
        case 17:
            return WIN32_CERT_E_EXPIRED;
        case 0:
            return 0;
        default:
            /* 403.4 SSL required, 403.5 SSL 128, 403.6 IP rejected, 403.7 certificate
               required, 403.12 mapper denied: IIS logs access denied */
            return WIN32_ACCESS_DENIED;
        }
    case 404:
        return WIN32_FILE_NOT_FOUND;
    case 500:
        return substatus == 19 ? WIN32_INVALID_DATA : 0;
    default:
        return 0;
    }
}

const char *
win32_name(unsigned long code)
{
    static const struct {
        unsigned long code;
        const char *name;
    } names[] = {
        {WIN32_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND"},
        {WIN32_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND"},
        {WIN32_ACCESS_DENIED, "ERROR_ACCESS_DENIED"},
        {WIN32_INVALID_DATA, "ERROR_INVALID_DATA"},
        {WIN32_LOCK_VIOLATION, "ERROR_LOCK_VIOLATION"},
        {WIN32_NETNAME_DELETED, "ERROR_NETNAME_DELETED"},
        {WIN32_LOGON_FAILURE, "ERROR_LOGON_FAILURE"},
        {WIN32_CONNECTION_ABORTED, "ERROR_CONNECTION_ABORTED"},
        {WIN32_CERT_E_EXPIRED, "CERT_E_EXPIRED"},
        {WIN32_CERT_E_UNTRUSTEDROOT, "CERT_E_UNTRUSTEDROOT"},
        {WIN32_CERT_E_WRONG_USAGE, "CERT_E_WRONG_USAGE"},
        {WIN32_TRUST_E_CERT_SIGNATURE, "TRUST_E_CERT_SIGNATURE"},
        {WIN32_CRYPT_E_REVOKED, "CRYPT_E_REVOKED"},
        {WIN32_CRYPT_E_REVOCATION_OFFLINE, "CRYPT_E_REVOCATION_OFFLINE"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].code == code)
            return names[i].name;
    return NULL;
}
