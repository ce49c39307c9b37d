# Logon through PAM (provider="pam") with pam_wrapper + pam_matrix, so that no
# system account is needed: a mapping with the right password is 200, a
# wrong password or an account PAM refuses for this service is 401.1.
. "$(dirname "$0")/harness.sh"
h_init
matrix=$(h_pam_matrix) || exit 1
mkdir -p "$T/pam"
printf 'alice:alice-secret:certmap\ncarol:carol-secret:other-service\n' >"$T/passdb"
for kind in auth account password session; do
    printf '%s required %s passdb=%s\n' "$kind" "$matrix" "$T/passdb"
done >"$T/pam/certmap"
h_pam_wrapper_env "$T/pam"

printf 'certmap e2e pam\n' >"$WWW/index.html"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-secret
cfg_map bob alice wrong-secret
cfg_map carol carol carol-secret
H_LOGON='provider="pam" pamService="certmap" cacheSeconds="300" negativeCacheSeconds="1"'
h_start

req alice /
expect_status 200
expect_body_contains "certmap e2e pam"
expect_log 1 alice 200 0 /

req bob /
expect_status 401 1
expect_body_lacks "certmap e2e pam"
expect_log 1 - 401 1 /

# pam_matrix's account stage allows carol only for "other-service".
req carol /
expect_status 401 1
expect_log 1 - 401 1 /

# Change alice's password in the PAM database: the cached success still
# serves (cacheSeconds=300), proving logons are not per request.
printf 'alice:changed:certmap\ncarol:carol-secret:other-service\n' >"$T/passdb"
req alice /
expect_status 200

h_stop
h_pass
