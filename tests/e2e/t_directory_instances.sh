# Two certmapd instances, one directory, one ticket-key file (issue 13's
# deployment, docs/instances.md): slapd with the memberof overlay, so
# alice's group comes from her memberOf attribute alone (no groupBaseDn).
# alice, mapped by her strong X509:<I>..<SR>.. string, is admitted on both
# instances with LOGON_USER alice, and her group webadmins is her role there
# (/admin/ allows only it; bob, mapped but in no group, gets 401.2).  A TLS
# session from instance 1 resumes on instance 2 as alice.  Removing her
# mapping attribute refuses her on both within cacheSeconds, a resumed
# session included.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/dir_lib.sh"
h_init
DIR_MEMBEROF=1
DIR_GROUP_BASE=""
dir_init
dir_start
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
ou: groups"
dir_person alice "altSecurityIdentities: $(dir_ad_string alice '<I>')"
dir_person bob "altSecurityIdentities: $(dir_ad_string bob '<SKI>')"
# the group after its member: the overlay writes memberOf into alice's entry
dir_add "dn: cn=webadmins,ou=groups,$DIR_BASE
objectClass: groupOfNames
cn: webadmins
member: uid=alice,ou=people,$DIR_BASE"
ldapsearch -x -LLL -H "ldap://127.0.0.1:$LPORT" -D "$DIR_ROOT" -w secret \
    -b "uid=alice,ou=people,$DIR_BASE" -s base memberOf >"$T/memberof.out" 2>&1
grep -qi "^memberOf: cn=webadmins,ou=groups,$DIR_BASE" "$T/memberof.out" ||
    h_fail "slapd's memberof overlay did not give alice memberOf: $(cat "$T/memberof.out")"

printf 'user=[<!--#echo var="LOGON_USER"-->] auth=[<!--#echo var="AUTH_TYPE"-->]\n' >"$WWW/whoami.shtml"
dir_site
dir_admin
KEYS=$T/ticket.keys
"$CERTMAP" ticket-keys rotate --file "$KEYS" >"$T/cli.out" 2>&1 || h_fail "ticket-keys rotate: $(cat "$T/cli.out")"
H_SERVER+=" ticketKeyFile=\"$KEYS\""
dir_cfg cacheSeconds=\"2\" negativeCacheSeconds=\"1\" timeoutSeconds=\"2\"
dir_cfg_write
grep -q 'groupBaseDn=""' "$CFG" || h_fail "groupBaseDn is set: roles would not come from memberOf alone"
# Instance 2: the same configuration on another port, with its own logs.
h_port PORT2
mkdir -p "$T/logs2"
sed -e "s/127\.0\.0\.1:$PORT:/127.0.0.1:$PORT2:/g" -e "s#\"$LOGDIR#\"$T/logs2#g" "$CFG" >"$T/second.config"
grep -q "127.0.0.1:$PORT2:" "$T/second.config" || h_fail "no second configuration"
h_start
h_start_instance "$T/second.config" "$PORT2" "$T/certmapd2.out"

# on instance N (1 or 2): LOGDIR and PORT of that instance for the command that follows
on() {
    local n=$1
    shift
    if [ "$n" = 1 ]; then "$@"; else PORT=$PORT2 LOGDIR=$T/logs2 "$@"; fi
}

for n in 1 2; do
    on $n req alice /whoami.shtml
    expect_status 200
    expect_body_contains "user=[alice] auth=[SSL/PCT]"
    on $n expect_log 1 alice 200 0 /whoami.shtml
    on $n req alice /admin/
    expect_status 200
    expect_body_contains "admin page"
    on $n req bob /
    expect_status 200
    on $n req bob /admin/
    expect_status 401 2
done

# a session made on instance 1 resumes on instance 2, as alice
tls_req localhost alice -tls1_3 -sess_out "$T/sess"
[ "$TLS_STATUS" = 200 ] || h_fail "alice on instance 1: HTTP $TLS_STATUS"
[ -s "$T/sess" ] || h_fail "no session from instance 1"
TLS_PATH=/admin/ on 2 tls_req localhost - -tls1_3 -sess_in "$T/sess"
[ "$TLS_REUSED" = 1 ] || h_fail "instance 1's session not resumed on instance 2"
[ "$TLS_STATUS" = 200 ] || h_fail "resumed on instance 2: HTTP $TLS_STATUS"
on 2 expect_log 1 alice 200 0 /admin/

# alice's mapping goes: refused on both within cacheSeconds, the resumed session too
dir_modify "dn: uid=alice,ou=people,$DIR_BASE
changetype: modify
delete: altSecurityIdentities"
sleep 2.5
for n in 1 2; do
    on $n req alice /
    expect_status 401 2
    on $n expect_log 1 - 401 2 /
done
on 2 tls_req localhost - -tls1_3 -sess_in "$T/sess"
[ "$TLS_STATUS" = 401 ] || h_fail "alice's resumed session after the removal: HTTP $TLS_STATUS, expected 401"

kill -TERM "$INSTANCE_PID"
h_stop
dir_stop
h_pass
