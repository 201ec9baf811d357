/* The configuration sslvpnd runs with when there is no file (design.md,
 * "Config model"): something a phone can connect to out of the box.
 *
 * - one interface "outside" on 0.0.0.0, TLS 443 and DTLS 443;
 * - no identity trustpoint, so src/tls presents a temporary self-signed
 *   certificate kept in the state directory (its hash, which phones pin,
 *   survives restarts);
 * - one CA trustpoint "trust-folder": every PEM in <state-dir>/trust;
 * - DefaultWEBVPNGroup with certificate authentication, so a phone whose
 *   MIC or LSC chains to a CA in the trust folder gets in without any setup;
 * - pool 198.19.0.1-198.19.0.254 of 198.19.0.0/24 (198.18.0.0/15 is the
 *   benchmarking range, RFC 2544: never someone's real network).
 *
 * @STATE_DIR@ becomes the effective state directory at load time.
 * Validated by check_config like any file.
 */
#include "sslvpnd/config.h"

const char config_embedded_default[] =
	"# sslvpnd embedded default configuration\n"
	"logging = {\n"
	"  destination = \"syslog\";\n"
	"  format = \"asa\";\n"
	"};\n"
	"interfaces = (\n"
	"  { name = \"outside\"; address = \"0.0.0.0\"; port = 443; dtls-port = 443; }\n"
	");\n"
	"trustpoints = (\n"
	"  { name = \"trust-folder\"; enrollment = \"terminal\";\n"
	"    certificate = \"@STATE_DIR@/trust\"; }\n"
	");\n"
	"ip_local_pools = (\n"
	"  { name = \"default-pool\"; range = \"198.19.0.1-198.19.0.254\";\n"
	"    mask = \"255.255.255.0\"; }\n"
	");\n"
	"group_policies = (\n"
	"  { name = \"DfltGrpPolicy\"; }\n"
	");\n"
	"tunnel_groups = (\n"
	"  { name = \"DefaultWEBVPNGroup\"; type = \"remote-access\";\n"
	"    authentication = \"certificate\"; address-pool = \"default-pool\";\n"
	"    default-group-policy = \"DfltGrpPolicy\"; }\n"
	");\n";
