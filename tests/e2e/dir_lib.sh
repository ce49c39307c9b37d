# tests/e2e/dir_lib.sh - a throwaway OpenLDAP server for the t_directory_*
# tests: Debian's slapd on loopback with an mdb database in $T/ldap, the
# shipped schema (dist/certmap-ad.schema), an LDAPS listener with the test
# PKI's server certificate, and certmapd's <certmap><directory> pointing at it.
# Source after harness.sh and h_init.
#
#   dir_init                 writes slapd.conf, claims LPORT (ldap) and SPORT (ldaps)
#   dir_start / dir_stop     starts slapd (bounded wait) / stops it (killed at exit)
#   dir_add LDIF             adds entries as the root DN
#   dir_modify LDIF          modifies entries as the root DN
#   dir_ad_string WHO FORM   the mapping string of $PKI/WHO.crt ("I-SR", "SKI")
#   dir_cfg ATTRS...         <certmap><directory> with the standard attributes and ATTRS
#
# DIR_MEMBEROF=1 before dir_init loads slapd's memberof overlay (groupOfNames
# members get memberOf); DIR_GROUP_BASE (default ou=groups,$DIR_BASE) is the
# groupBaseDn dir_cfg_write writes ("" for memberOf alone).

SLAPD=${SLAPD:-/usr/sbin/slapd}
LPORT=""
SPORT=""
SLAPD_PID=""
DIR_BASE="dc=example,dc=org"
DIR_ROOT="cn=admin,$DIR_BASE"

dir_init() {
    [ -x "$SLAPD" ] && command -v ldapadd >/dev/null ||
        h_fail "slapd and ldap-utils are needed (scripts/install-deps test)"
    h_port LPORT
    h_port SPORT
    mkdir -p "$T/ldap/db"
    printf 'secret\n' >"$T/ldap/bind.pw"
    chmod 0600 "$T/ldap/bind.pw"
    cat >"$T/ldap/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $H_SRCDIR/dist/certmap-ad.schema
pidfile $T/ldap/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $PKI/ca.crt
TLSCertificateFile $PKI/server.crt
TLSCertificateKeyFile $PKI/server.key
database mdb
maxsize 16777216
suffix "$DIR_BASE"
rootdn "$DIR_ROOT"
rootpw secret
directory $T/ldap/db
index altSecurityIdentities eq
CONF
    if [ -n "${DIR_MEMBEROF:-}" ]; then
        sed -i 's/^moduleload back_mdb$/moduleload back_mdb\nmoduleload memberof/' "$T/ldap/slapd.conf"
        printf 'overlay memberof\n' >>"$T/ldap/slapd.conf"
    fi
    H_DIR_EXTRA=""
}

dir_start() {
    local i
    "$SLAPD" -d 0 -f "$T/ldap/slapd.conf" \
        -h "ldap://127.0.0.1:$LPORT/ ldaps://127.0.0.1:$SPORT/" >>"$T/ldap/slapd.out" 2>&1 &
    SLAPD_PID=$!
    H_BG_PIDS+=("$SLAPD_PID")
    for i in $(seq 1 $((50 * H_SLOW))); do
        if ldapsearch -x -H "ldap://127.0.0.1:$LPORT" -b "" -s base >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$SLAPD_PID" 2>/dev/null || h_fail "slapd exited: $(tail -5 "$T/ldap/slapd.out")"
        sleep 0.1
    done
    h_fail "slapd did not answer on port $LPORT"
}

dir_stop() {
    [ -n "$SLAPD_PID" ] || return 0
    kill "$SLAPD_PID" 2>/dev/null
    for _ in $(seq 1 100); do
        kill -0 "$SLAPD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$SLAPD_PID" 2>/dev/null
    wait "$SLAPD_PID" 2>/dev/null
    SLAPD_PID=""
}

dir_add() {
    ldapadd -x -H "ldap://127.0.0.1:$LPORT" -D "$DIR_ROOT" -w secret >"$T/ldap/add.out" 2>&1 <<<"$1" ||
        h_fail "ldapadd: $(cat "$T/ldap/add.out")"
}

dir_modify() {
    ldapmodify -x -H "ldap://127.0.0.1:$LPORT" -D "$DIR_ROOT" -w secret >"$T/ldap/add.out" 2>&1 <<<"$1" ||
        h_fail "ldapmodify: $(cat "$T/ldap/add.out")"
}

# The strong mapping string of $PKI/$1.crt whose tag is $2 ("<I>", "<SKI>").
dir_ad_string() {
    "$CERTMAP" cert-string --ad-mapping "$PKI/$1.crt" | grep -F "X509:$2" | head -1
}

# The base entries: the people and groups OUs, and the group "webadmins" holding $1 (a DN).
dir_base() {
    dir_add "dn: $DIR_BASE
objectClass: dcObject
objectClass: organization
dc: example
o: example

dn: ou=people,$DIR_BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$DIR_BASE
objectClass: organizationalUnit
ou: groups

dn: cn=webadmins,ou=groups,$DIR_BASE
objectClass: groupOfNames
cn: webadmins
member: $1"
}

# An account uid=$1 with the extra attribute lines $2.
dir_person() {
    dir_add "dn: uid=$1,ou=people,$DIR_BASE
objectClass: inetOrgPerson
objectClass: certmapMappedAccount
uid: $1
cn: $1
sn: $1
$2"
}

# <certmap><directory> over plain ldap:// (loopback: startTls="false") with ATTRS added.
dir_cfg() {
    H_DIR_EXTRA="$*"
}

# Writes the configuration with the directory element (cfg_write, then the element inserted).
dir_cfg_write() {
    cfg_write
    local el="    <directory uri=\"ldap://127.0.0.1:$LPORT\" baseDn=\"ou=people,$DIR_BASE\" bindDn=\"$DIR_ROOT\" bindPasswordFile=\"$T/ldap/bind.pw\" groupBaseDn=\"${DIR_GROUP_BASE-ou=groups,$DIR_BASE}\" startTls=\"false\" $H_DIR_EXTRA />"
    awk -v el="$el" '{print} /^  <certmap>$/ {print el}' "$CFG" >"$CFG.tmp" && mv "$CFG.tmp" "$CFG"
}

# dir_site: "Default Web Site" (index.html "directory site") requiring a
# client certificate that only the directory maps (no anonymous access).
dir_site() {
    printf 'directory site\n' >"$WWW/index.html"
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:"
    cfg_raw '  <location path="Default Web Site">
    <system.webServer><security>
      <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" />
      <authentication>
        <anonymousAuthentication enabled="false" />
        <clientCertificateMappingAuthentication enabled="true" />
      </authentication>
    </security></system.webServer>
  </location>'
}

# dir_admin: /admin/ (index.html "admin page") open to the role webadmins only.
dir_admin() {
    mkdir -p "$WWW/admin"
    printf 'admin page\n' >"$WWW/admin/index.html"
    cfg_raw '  <location path="Default Web Site/admin">
    <system.webServer><security><authorization>
      <remove users="*" />
      <add accessType="Allow" roles="webadmins" />
    </authorization></security></system.webServer>
  </location>'
}

# dir_std_site: alice in the directory, mapped by her strong X509:<I>...<SR>...
# string, and dir_site.
dir_std_site() {
    dir_base "uid=alice,ou=people,$DIR_BASE"
    dir_person alice "altSecurityIdentities: $(dir_ad_string alice '<I>')"
    dir_site
}
