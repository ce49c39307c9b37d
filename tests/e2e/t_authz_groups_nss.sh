# URL Authorization by role with the PAM logon provider: the roles are the
# account's groups through NSS (getgrouplist), here nss_wrapper's passwd and
# group files (libnss-wrapper), the passwords pam_wrapper + pam_matrix's.
# alice is in "Admins" (roles compare case-insensitively), carol is not.
. "$(dirname "$0")/harness.sh"
h_init
matrix=$(h_pam_matrix) || exit 1
nssw=""
for f in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do
    [ -f "$f" ] && nssw=$f && break
done
[ -n "$nssw" ] || h_fail "libnss_wrapper.so not found (apt-get install -y libnss-wrapper)"
mkdir -p "$T/pam" "$WWW/admins"
printf 'alice:alice-secret:certmap\ncarol:carol-secret:certmap\n' >"$T/passdb"
for kind in auth account password session; do
    printf '%s required %s passdb=%s\n' "$kind" "$matrix" "$T/passdb"
done >"$T/pam/certmap"
printf 'alice:x:5001:6001::/nonexistent:/bin/false\ncarol:x:5003:6003::/nonexistent:/bin/false\n' >"$T/passwd"
printf 'alice:x:6001:\ncarol:x:6003:\nAdmins:x:6100:alice\nusers:x:6101:alice,carol\n' >"$T/group"
h_pam_wrapper_env "$T/pam"
# nss_wrapper joins pam_wrapper in the preload list (after ASan's runtime)
for i in "${!H_ENV[@]}"; do
    case ${H_ENV[$i]} in
    LD_PRELOAD=*) H_ENV[$i]="${H_ENV[$i]} $nssw" ;;
    esac
done
H_ENV+=("NSS_WRAPPER_PASSWD=$T/passwd" "NSS_WRAPPER_GROUP=$T/group")

printf 'root page\n' >"$WWW/index.html"
printf 'page admins\n' >"$WWW/admins/index.html"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-secret
cfg_map carol carol carol-secret
cfg_raw '  <location path="Default Web Site/admins">
    <system.webServer><security><authorization>
      <remove users="*" roles="" verbs="" />
      <add accessType="Allow" roles="admins" />
    </authorization></security></system.webServer>
  </location>'
H_LOGON='provider="pam" pamService="certmap" cacheSeconds="300" negativeCacheSeconds="1"'
h_start

req alice /
expect_status 200
req alice /admins/
expect_status 200
expect_body_contains "page admins"
expect_log 1 alice 200 0 /admins/
req carol /
expect_status 200
req carol /admins/
expect_status 401 2
expect_body_lacks "page admins"
expect_log 1 carol 401 2 /admins/

h_stop
h_pass
