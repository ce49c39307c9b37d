/*
 * rdn.c - certificate name attributes by their IIS subfield names.
 */
#include "cert/rdn.h"

#include <string.h>
#include <strings.h>

#include <openssl/obj_mac.h>

struct rdn_name {
    const char *name;
    int nid;
};

/* The IIS names first, then Windows' aliases of the same attributes. */
static const struct rdn_name rdn_names[] = {
    {"CN", NID_commonName},
    {"O", NID_organizationName},
    {"OU", NID_organizationalUnitName},
    {"C", NID_countryName},
    {"S", NID_stateOrProvinceName},
    {"L", NID_localityName},
    {"I", NID_initials},
    {"GN", NID_givenName},
    {"T", NID_title},
    {"Email", NID_pkcs9_emailAddress},
    {"ST", NID_stateOrProvinceName},
    {"E", NID_pkcs9_emailAddress},
    {"emailAddress", NID_pkcs9_emailAddress},
    {"G", NID_givenName},
    {"SN", NID_surname},
    {"STREET", NID_streetAddress},
    {"DC", NID_domainComponent},
    {"SERIALNUMBER", NID_serialNumber},
};

int
cert_rdn_nid(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(rdn_names) / sizeof(rdn_names[0]); i++)
        if (strlen(rdn_names[i].name) == len && strncasecmp(rdn_names[i].name, name, len) == 0)
            return rdn_names[i].nid;
    return 0;
}

const char *
cert_rdn_allowed(void)
{
    return "CN, O, OU, C, S, L, I, GN, T, Email, ST, E, emailAddress, G, SN, STREET, DC, "
           "SERIALNUMBER";
}
