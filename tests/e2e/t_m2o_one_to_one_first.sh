# One-to-one mappings are consulted before many-to-one: alice (mapped
# one-to-one) logs on as alice although the many-to-one rule for the demo
# CA's subjects matches her too; carol (no one-to-one mapping) is admitted
# by the many-to-one mapping as partner.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_account partner partner-pw
cfg_m2o "certmap demo" partner partner-pw
cfg_m2o_rule Subject O "certmap demo"
h_start

req alice /
expect_status 200
expect_log 1 alice 200 0 /

req carol /
expect_status 200
expect_log 1 partner 200 0 /

h_stop
h_pass
