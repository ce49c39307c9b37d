/*
 * win32.h - the sc-win32-status IIS writes for an answer.
 *
 * IIS logs, next to status and sub-status, the Windows error that decided the
 * request; Log Parser queries, SIEM rules and Microsoft's troubleshooting
 * steps key on it.  certmap answers the same way, so the table lives here,
 * shared by certmapd's W3C log and `certmap test-cert`.
 */
#ifndef CERTMAP_WIN32_H
#define CERTMAP_WIN32_H

/* Windows error codes certmap reports (winerror.h values). */
#define WIN32_OK 0UL
#define WIN32_FILE_NOT_FOUND 2UL        /* ERROR_FILE_NOT_FOUND */
#define WIN32_PATH_NOT_FOUND 3UL        /* ERROR_PATH_NOT_FOUND */
#define WIN32_ACCESS_DENIED 5UL         /* ERROR_ACCESS_DENIED */
#define WIN32_INVALID_DATA 13UL         /* ERROR_INVALID_DATA (500.19: a bad configuration file) */
#define WIN32_LOCK_VIOLATION 33UL       /* ERROR_LOCK_VIOLATION (500.19: a locked section) */
#define WIN32_NETNAME_DELETED 64UL      /* ERROR_NETNAME_DELETED (the client went away) */
#define WIN32_LOGON_FAILURE 1326UL      /* ERROR_LOGON_FAILURE */
#define WIN32_CONNECTION_ABORTED 1236UL /* ERROR_CONNECTION_ABORTED */
#define WIN32_CERT_E_EXPIRED 0x800B0101UL         /* CERT_E_EXPIRED: outside its validity period */
#define WIN32_CERT_E_UNTRUSTEDROOT 0x800B0109UL   /* CERT_E_UNTRUSTEDROOT */
#define WIN32_CERT_E_WRONG_USAGE 0x800B0110UL     /* CERT_E_WRONG_USAGE: no clientAuth usage */
#define WIN32_TRUST_E_CERT_SIGNATURE 0x80096004UL /* TRUST_E_CERT_SIGNATURE */
#define WIN32_CRYPT_E_REVOKED 0x80092010UL        /* CRYPT_E_REVOKED */
#define WIN32_CRYPT_E_REVOCATION_OFFLINE 0x80092013UL /* CRYPT_E_REVOCATION_OFFLINE */

/*
 * The sc-win32-status of an answer status.substatus.  cert_verify is the
 * OpenSSL verification result of the client certificate (X509_V_OK when
 * none or not relevant): it tells the certificate errors of 403.13, 403.16
 * and 403.17 apart as Windows' chain engine does.  0 when IIS logs none.
 */
unsigned long win32_status(int status, int substatus, long cert_verify);

/* The Windows name of a code ("ERROR_LOGON_FAILURE", "CERT_E_EXPIRED"), or NULL if unknown. */
const char *win32_name(unsigned long code);

#endif
