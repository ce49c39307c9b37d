# certmapd -t and certmap validate know <certmap><directory>: the
# bindPasswordFile (missing, not a file, empty, open to others, unreadable
# by the service account), the caFile, the uri and baseDn, each an error at
# the element's file:line.  With --directory they also bind and search once:
# slapd up -> fine; a refused bind -> error; slapd down -> a warning (-t exits
# 2 on any warning, validate only on errors) naming the cause.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/dir_lib.sh"
h_init
dir_init
dir_start
dir_base "uid=alice,ou=people,$DIR_BASE"
dir_person alice "altSecurityIdentities: $(dir_ad_string alice '<I>')"

cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:" server "clientCaFile=\"$PKI/ca.crt\""
cfg_raw '  <location path="Default Web Site">
    <system.webServer><security>
      <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" />
      <authentication>
        <anonymousAuthentication enabled="false" />
        <clientCertificateMappingAuthentication enabled="true" />
      </authentication>
    </security></system.webServer>
  </location>'
PW=$T/ldap/bind.pw

# write ATTRS...: the configuration with the directory element and ATTRS.
write() {
    dir_cfg timeoutSeconds=\"2\" "$@"
    dir_cfg_write
    LINE=$(grep -n '<directory ' "$CFG" | cut -d: -f1)
    [ -n "$LINE" ] || h_fail "no <directory> in the configuration"
}

# pwfile FILE: the written configuration's bindPasswordFile becomes FILE.
pwfile() {
    sed -i "s#bindPasswordFile=\"[^\"]*\"#bindPasswordFile=\"$1\"#" "$CFG"
    grep -qF "bindPasswordFile=\"$1\"" "$CFG" || h_fail "bindPasswordFile not set to $1"
}

# t_fine [ARGS]: certmapd -t ARGS exits 0 and says the configuration is fine; validate too.
t_fine() {
    "$CERTMAPD" -t -c "$CFG" "$@" >"$T/t.out" 2>&1 || h_fail "certmapd -t $*: exit $?: $(cat "$T/t.out")"
    grep -q "the configuration $CFG is fine" "$T/t.out" || h_fail "certmapd -t $*: $(cat "$T/t.out")"
    "$CERTMAP" -c "$CFG" validate "$@" >"$T/v.out" 2>&1 || h_fail "validate $*: exit $?: $(cat "$T/v.out")"
    grep -q ' 0 errors, 0 warnings' "$T/v.out" || h_fail "validate $*: $(cat "$T/v.out")"
}

# t_finding SEVERITY ATTR REGEX [ARGS]: certmapd -t ARGS exits 2 with
# "$CFG:$LINE: SEVERITY: directory: ATTR: REGEX"; validate prints it too and
# exits 2 on an error, 0 on a warning.
t_finding() {
    local sev=$1 attr=$2 re=$3 rc want
    shift 3
    "$CERTMAPD" -t -c "$CFG" "$@" >"$T/t.out" 2>&1
    rc=$?
    [ $rc = 2 ] || h_fail "$attr: certmapd -t $* exit $rc, expected 2: $(cat "$T/t.out")"
    grep -qE -- "^certmapd: $CFG:$LINE: $sev: directory: $attr: $re" "$T/t.out" ||
        h_fail "$attr: no '$CFG:$LINE: $sev: directory: $attr: $re' in: $(cat "$T/t.out")"
    "$CERTMAP" -c "$CFG" validate "$@" >"$T/v.out" 2>&1
    rc=$?
    want=0
    [ "$sev" = error ] && want=2
    [ $rc = $want ] || h_fail "$attr: validate $* exit $rc, expected $want: $(cat "$T/v.out")"
    grep -qE -- "^$CFG:$LINE: $sev: directory: $attr: $re" "$T/v.out" ||
        h_fail "$attr: validate does not say it: $(cat "$T/v.out")"
}

write caFile=\"$PKI/ca.crt\"
t_fine
t_fine --directory

# the bind password file: a secret, read as certmapd reads it
chmod 0644 "$PW"
t_finding error bindPasswordFile "$PW: mode 0644: the bind password is open to every user"
chmod 0620 "$PW"
t_finding error bindPasswordFile "$PW: mode 0620: the bind password is open to writes by its group"
chmod 0640 "$PW"
t_fine
chmod 0600 "$PW"
: >"$T/empty.pw"
chmod 0600 "$T/empty.pw"
pwfile "$T/empty.pw"
t_finding error bindPasswordFile "$T/empty.pw: .*the file holds no password"
pwfile "$T/nosuch.pw"
t_finding error bindPasswordFile "$T/nosuch.pw: No such file or directory"
mkdir -p "$T/pwdir"
pwfile "$T/pwdir"
t_finding error bindPasswordFile "$T/pwdir is not a regular file"
# readable by root (who runs this), not by the service account certmapd drops to
SAVED=$H_SERVER
H_SERVER+=' user="nobody"'
write
t_finding error bindPasswordFile "$PW: the service account nobody cannot (read it|enter)"
H_SERVER=$SAVED

# caFile, uri, baseDn
printf 'not a certificate\n' >"$T/junk.pem"
write caFile=\"$T/junk.pem\"
t_finding error caFile ".*junk.pem"
sed -i "s#uri=\"ldap://127.0.0.1:$LPORT\"#uri=\"ldap://\"#" "$CFG"
t_finding error uri '"ldap://" names no host'
write
sed -i "s#uri=\"ldap://127.0.0.1:$LPORT\"#uri=\"ldap://127.0.0.1:$LPORT/dc=org\"#" "$CFG"
t_finding error uri ".* has a DN, attributes, filter or extensions"
write
sed -i "s#baseDn=\"ou=people,$DIR_BASE\"#baseDn=\"people\"#" "$CFG"
t_finding error baseDn '"people" is not a distinguished name'

# --directory: a refused bind is an error, a directory that does not answer a warning
write
printf 'wrong\n' >"$PW"
t_fine
t_finding error uri "the directory refuses: .*bind: Invalid credentials" --directory
printf 'secret\n' >"$PW"
t_fine --directory
dir_stop
t_fine
t_finding warning uri "directory unreachable: ldap://127.0.0.1:$LPORT: .*Can't contact LDAP server; certmapd starts" --directory
dir_start
t_fine --directory

# --directory is for -t only
"$CERTMAPD" -c "$CFG" --directory >"$T/u.out" 2>&1
[ $? = 2 ] || h_fail "--directory without -t: not a usage error: $(cat "$T/u.out")"
grep -q -- "--directory goes with -t" "$T/u.out" || h_fail "--directory without -t: $(cat "$T/u.out")"
dir_stop
h_pass
