# A certificate from the trusted CA whose extended key usage is serverAuth
# only is not valid for client authentication: 403.16, even when mapped.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map noclient alice alice-pw
h_start

req noclient /
expect_status 403 16
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 16 /

h_stop
h_pass
