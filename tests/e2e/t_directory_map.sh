# Certificate mapping through an LDAP directory (IIS's Active Directory
# mapping, clientCertificateMappingAuthentication) against Debian's slapd
# with the shipped schema: alice is mapped by her strong X509:<I>..<SR>..
# string and is a member of group webadmins (the role /admin/ allows), bob by
# X509:<SKI>, carol only by a weak X509:<S> string (refused: allowWeakMappings
# is off), dave is not in the directory.  Then the directory goes away:
# alice's cached answer serves past cacheSeconds (maxStaleSeconds), dave gets
# 503 with Retry-After; slapd comes back and answers again; removing alice's
# mapping refuses her within cacheSeconds.  One certmapd instance (the
# harness runs one server per test; every instance asks the same directory).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/dir_lib.sh"
h_init
dir_init
dir_start
dir_base "uid=alice,ou=people,$DIR_BASE"
dir_person alice "altSecurityIdentities: $(dir_ad_string alice '<I>')"
dir_person bob "altSecurityIdentities: $(dir_ad_string bob '<SKI>')"
dir_person carol "altSecurityIdentities: X509:<S>O=certmap demo,CN=carol"

dir_site
dir_admin
dir_cfg cacheSeconds=\"2\" negativeCacheSeconds=\"1\" maxStaleSeconds=\"60\" retryAfterSeconds=\"7\" timeoutSeconds=\"2\"
dir_cfg_write
h_start

req alice /
expect_status 200
expect_body_contains "directory site"
expect_log 1 alice 200 0 /
req alice /admin/
expect_status 200
expect_body_contains "admin page"
req bob /
expect_status 200
expect_log 1 bob 200 0 /
req bob /admin/
expect_status 401 2
req carol /
expect_status 401 2
expect_log 1 - 401 2 /
grep -q 'weak mapping strings are not searched' "$LOGDIR/certmapd.log" ||
    h_fail "the refusal of carol does not say weak strings are not searched"

# certmap test-cert asks the directory the same way
"$CERTMAP" -c "$CFG" test-cert "$PKI/alice.crt" --site "Default Web Site" --path /admin/ \
    --directory >"$T/tc.out" 2>&1 || h_fail "test-cert --directory alice: $(cat "$T/tc.out")"
grep -q 'mapped to alice' "$T/tc.out" || h_fail "test-cert: $(cat "$T/tc.out")"

# the directory goes away: alice's cached answer serves past cacheSeconds, dave (never
# asked before, so nothing cached) gets 503
req alice /
expect_status 200
dir_stop
sleep 2.5
req alice /
expect_status 200
expect_log 1 alice 200 0 /
req dave /
expect_status 503
[ "$(resp_header Retry-After)" = 7 ] || h_fail "503 without Retry-After: 7: $(cat "$T/headers")"
req dave /
expect_status 503
[ "$(grep -c 'directory unreachable' "$LOGDIR/certmapd.log")" = 1 ] ||
    h_fail "the error log should say once that the directory is unreachable: $(grep directory "$LOGDIR/certmapd.log")"

# slapd comes back: answers again (the next stale hit probes it)
dir_start
req alice /
expect_status 200
sleep 1.5
req dave /
expect_status 401 2

# alice's mapping is removed: refused within cacheSeconds
dir_modify "dn: uid=alice,ou=people,$DIR_BASE
changetype: modify
delete: altSecurityIdentities"
sleep 2.5
req alice /
expect_status 401 2

h_stop
dir_stop
h_pass
