/* The configuration snapshot: the ASA objects one to one.
 *
 * A snapshot is immutable once loaded; reload builds a new one and running
 * sessions keep the one they were admitted under.  Names (pools, policies,
 * tunnel groups, trustpoints) are checked to resolve at load time, so every
 * lookup below succeeds for names taken from the same snapshot.
 * src/config has no I/O beyond reading the file and no OpenSSL.
 */
#ifndef SSLVPND_CONFIG_H
#define SSLVPND_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/certmap.h"
#include "sslvpnd/dap.h"
#include "sslvpnd/ldapmap.h"
#include "sslvpnd/timerange.h"
#include "sslvpnd/log.h"

enum {
	CFG_NAME_MAX = 65,    /* names incl. NUL (ASA allows 64) */
	CFG_PATH_MAX = 256,
	CFG_URL_MAX = 256,
	CFG_LIST_MAX = 16,
	CFG_CIPHERS_MAX = 1024,
	CFG_MAX_ERRORS = 64,
	CFG_PROFILE_MAX = 256 * 1024, /* an AnyConnect profile file */
	CFG_CDATA_MAX = 1024,        /* anyconnect-custom-data value */
};

/* ---- group-policy attributes (gpattrs.def) */
enum gp_attr {
#define GPATTR(id, key, type, dflt, min, max, allowed) GPA_##id,
#include "sslvpnd/gpattrs.def"
#undef GPATTR
	GPA__COUNT
};

enum gp_type { GPT_INT, GPT_STR, GPT_ENUM, GPT_LIST, GPT_BOOL };

/* "Not set" inherits; an explicit none stops inheritance. */
enum gp_state { GP_UNSET = 0, GP_NONE, GP_VALUE };

struct gp_value {
	enum gp_state state;
	long long num;     /* GPT_INT, GPT_BOOL */
	char *str;         /* GPT_STR, GPT_ENUM */
	char **list;       /* GPT_LIST */
	size_t n_list;
	int line;          /* where it was set, 0 if not */
};

struct gp_attr_info {
	const char *key;
	enum gp_type type;
	const char *dflt;
	long long min, max;
	const char *allowed; /* "a|b|c" or NULL */
};
extern const struct gp_attr_info gp_attr_table[GPA__COUNT];

struct cfg_group_policy {
	char name[CFG_NAME_MAX];
	int line;
	struct gp_value attr[GPA__COUNT];
};

/* ---- the other objects */
struct cfg_name_list {
	size_t n;
	char v[CFG_LIST_MAX][CFG_NAME_MAX];
};

struct cfg_general {
	int workers;                 /* 0 = one per CPU */
	char user[CFG_NAME_MAX];     /* workers and secmod drop to this user */
	char group[CFG_NAME_MAX];
	int user_line, group_line;   /* where they were set, 0 = default */
	char state_dir[CFG_PATH_MAX];
	int cookie_timeout;          /* seconds a session without tunnel survives */
	int address_reuse_window;    /* seconds a released address waits for its
				      * last owner; 0 = as long as it is free */
};

struct cfg_logging {
	enum log_format format;
	int to_syslog;               /* else stderr */
	int facility;                /* LOG_LOCAL4 ... */
	int debug;                   /* 0..255 */
	int trap;                    /* logging trap: most verbose level sent to
				      * logging hosts, -1 = none (the ASA's default) */
	int buffered;                /* logging buffered LEVEL, -1 = none */
	int buffer_size;             /* logging buffer-size (bytes) */
	int timestamp;               /* logging timestamp */
	int device_id;               /* enum cfg_devid: logging device-id */
	char device_id_string[64];   /* logging device-id string S */
};
enum cfg_devid { CFG_DEVID_NONE = 0, CFG_DEVID_HOSTNAME = 1, CFG_DEVID_STRING = 2 };

/* logging_messages = ( { id; level; enabled; } ): the ASA's "logging
 * message ID level L" and "no logging message ID". */
struct cfg_log_message {
	char unnamed[1];             /* list elements lead with a name: none */
	int id;
	int level;                   /* -1: the event's own */
	int enabled;
	int line;
};

/* logging_hosts = ( { interface; address; protocol; port; format; } ): the
 * ASA's "logging host IF ADDR [udp/PORT | tcp/PORT] [format ...]". */
enum cfg_log_proto { CFG_LOG_UDP = 0, CFG_LOG_TCP = 1 };
enum cfg_log_hostfmt { CFG_LOG_BSD = 0, CFG_LOG_RFC5424 = 1 };
struct cfg_log_host {
	char unnamed[1];             /* list elements lead with a name: hosts have
				      * none (several per interface), so "" */
	char interface[CFG_NAME_MAX];
	char address[64];            /* a literal IPv4 or IPv6 address */
	int protocol;                /* enum cfg_log_proto */
	int port;                    /* 0: 514 (UDP) or 1470 (TCP), as the ASA */
	int format;                  /* enum cfg_log_hostfmt */
	int line;
};

/* metrics = { listen-port = N; }: Prometheus text over HTTP on 127.0.0.1
 * (no authentication, so never on another address); 0 = off. */
struct cfg_metrics {
	int listen_port;
};

/* limits = { ... }: what one unauthenticated client may cost (S10 item 4).
 * The worker enforces the request limits and timeouts, main the connection
 * and session counts. */
/* fleet = { ... } (S16): this node's place in a fleet sharing sessions,
 * address leases and bans on Redis.  redis "" = a node alone. */
struct cfg_fleet {
	char redis[CFG_URL_MAX];       /* host:port of the shared Redis */
	char node[64];                 /* this node's name in the fleet */
	char url[CFG_URL_MAX];         /* what phones use for this node (url1..3) */
	int slice, slices;             /* pool slice of this node (1..slices) */
	int lease_ttl;                 /* seconds an address claim lives unrefreshed */
	int heartbeat;                 /* seconds between node records */
};

struct cfg_limits {
	int max_header_bytes;        /* request line + headers */
	int max_body_bytes;          /* Content-Length */
	int xml_max_bytes;           /* config-auth document */
	int xml_max_depth;           /* nested elements */
	int xml_max_elements;        /* elements in the document */
	int handshake_timeout;       /* seconds from accept to TLS done */
	int request_timeout;         /* seconds for each whole request */
	int max_preauth_per_source;  /* connections not in a tunnel, per address */
	int max_preauth_total;       /* same, all addresses */
	int max_sessions;            /* sessions in total */
};

/* bans = { threshold = 20; window = 600; duration = 300; }: a source
 * address whose failures (bancause.def weights) reach threshold points
 * within window seconds is refused for duration seconds. */
struct cfg_bans {
	int threshold;
	int window;
	int duration;
};

struct cfg_interface {
	char name[CFG_NAME_MAX];
	char address[64];            /* "0.0.0.0", "::" or a literal address */
	uint16_t port;               /* TCP (TLS) */
	uint16_t dtls_port;          /* UDP (DTLS) */
	struct cfg_name_list trustpoints; /* identity trustpoints; empty = temporary self-signed */
	int line;
};

enum cfg_enrollment {
	CFG_ENROLL_SELF = 1,   /* identity generated and kept in the state dir */
	CFG_ENROLL_FILE,       /* identity: key + certificate (chain) from PEM files */
	CFG_ENROLL_TERMINAL,   /* CA: certificate(s) from PEM file or directory */
};

enum cfg_key_type { CFG_KEY_RSA = 1, CFG_KEY_EC };

struct cfg_trustpoint {
	char name[CFG_NAME_MAX];
	enum cfg_enrollment enrollment;
	char subject_name[256];      /* enrollment self */
	enum cfg_key_type key_type;
	int key_size;                /* RSA bits or EC curve bits (256, 384) */
	char certificate[CFG_PATH_MAX]; /* PEM file (or directory for terminal) */
	char key[CFG_PATH_MAX];      /* PEM private key (enrollment file) */
	char crl[CFG_PATH_MAX];      /* optional CRL file (CA) */
	int accept_sha1;             /* CA: SHA-1 signatures allowed in its chains */
	int ignore_expiry;           /* CA: validity dates of its chains not checked */
	struct cfg_name_list domains; /* identity: SNI names it is presented for */
	int line;
};

/* CFG_TLSV1_3 last: the older rows keep their index (wcfg order). */
enum cfg_sslver { CFG_TLSV1 = 0, CFG_TLSV1_1, CFG_TLSV1_2, CFG_DTLSV1, CFG_DTLSV1_2, CFG_TLSV1_3,
		  CFG_SSLVER__COUNT };

/* "tlsv1.2 dtlsv1.2" and a NUL */
#define CFG_SSLVER_MAX 24

struct cfg_ssl {
	char server_version[CFG_SSLVER_MAX]; /* minimum: "tlsv1".."tlsv1.3" [dtlsv1|dtlsv1.2] */
	char client_version[CFG_SSLVER_MAX]; /* accepted, not applicable ("" = absent) */
	int session_resumption;      /* TLS session tickets (S11) */
	int resumption_lifetime;     /* s: a ticket key encrypts for half, opens for all */
	char cipher[CFG_SSLVER__COUNT][CFG_CIPHERS_MAX]; /* OpenSSL names, ':' separated
							* (tlsv1_3: TLS 1.3 ciphersuites) */
	/* where each list was set (else the ssl group's line; 0 when the file
	 * has no ssl group): for the errors only OpenSSL can find */
	int cipher_line[CFG_SSLVER__COUNT];
};

struct cfg_pool {
	char name[CFG_NAME_MAX];
	uint32_t first, last, mask;  /* host byte order */
	int line;
};

/* ipv6 local pool NAME PREFIX/LEN COUNT: count addresses from the prefix's
 * address upwards, each handed out as ADDR/LEN. */
struct cfg_pool6 {
	char name[CFG_NAME_MAX];
	char prefix[64];             /* as written: "2001:db8::10/64" */
	int count;
	uint8_t first[16];           /* parsed from prefix, network order */
	int plen;
	int line;
};

enum cfg_auth {
	CFG_AUTH_CERTIFICATE = 1,
	CFG_AUTH_AAA = 2,
	CFG_AUTH_AAA_CERTIFICATE = 3, /* both */
};

struct cfg_group_url {
	char url[CFG_URL_MAX];
	int enabled;
	/* parsed from url: */
	char host[CFG_URL_MAX];      /* lower case */
	uint16_t port;               /* 0 = not given (any) */
	char path[CFG_URL_MAX];      /* "/phone", "/" */
};

/* asa-compat items: ASA behaviours a tunnel group reproduces on purpose
 * where sslvpnd's default is safer (firmware labs).  One bit each;
 * config_asa_compat_items names them. */
enum cfg_asa_compat {
	CFG_ASA_COMPAT_DTLS_CIPHER = 1u << 0, /* offer the dtlsv1 suite even when it
					       * is not the TLS suite's twin (seed 000) */
	CFG_ASA_COMPAT_TEMP_EC = 1u << 1,     /* an RSA identity alone still gets the
					       * temporary EC certificate (CSCuu02848) */
	CFG_ASA_COMPAT_LB_REDIRECT = 1u << 2, /* load balancing redirects the phone
					       * tunnel group too (seed 001) */
};

struct cfg_tunnel_group {
	char name[CFG_NAME_MAX];
	struct cfg_name_list address_pools;
	struct cfg_name_list ipv6_address_pools; /* ipv6-address-pool */
	char default_group_policy[CFG_NAME_MAX];
	enum cfg_auth authentication;
	size_t n_urls;
	struct cfg_group_url urls[CFG_LIST_MAX];
	struct cfg_name_list aliases;  /* enabled group aliases */
	int without_csd;
	char username_from_certificate[16]; /* "CN", "OU", "O", "EA", "UPN" */
	struct cfg_name_list validation_trustpoints; /* CA trustpoints; empty = all */
	/* S15 external AAA: aaa_servers names ("" = none / local database) */
	char authentication_server_group[CFG_NAME_MAX + 8]; /* "NAME" or "NAME LOCAL" */
	char authorization_server_group[CFG_NAME_MAX];
	char accounting_server_group[CFG_NAME_MAX];
	int authorize_required;        /* authorization-required: refuse without a record */
	struct cfg_name_list asa_compat; /* as written; the bits are asa_compat_mask */
	unsigned asa_compat_mask;      /* enum cfg_asa_compat */
	int builtin;                   /* implicit DefaultWEBVPNGroup */
	int line;
};

/* username NAME password HASH + username NAME attributes.  Only scrypt
 * hashes are accepted (include/sslvpnd/passwd.h); the cleartext never
 * reaches the configuration. */
struct cfg_user {
	char name[CFG_NAME_MAX];
	char password[160];            /* "$scrypt$..." (PASSWD_HASH_MAX) */
	char vpn_group_policy[CFG_NAME_MAX]; /* "" = the tunnel group's default */
	char group_lock[CFG_NAME_MAX]; /* "" = no lock of its own */
	int line;
};

/* S15: aaa-server NAME protocol radius|ldap and its hosts
 * (aaa-server NAME (IF) host ADDR).  key and ldap-login-password are
 * secrets: main hands them to secmod and wipes its copy (msecmod.c), as
 * it does with the users' hashes; show running-config prints *****. */
enum cfg_aaa_protocol { CFG_AAA_RADIUS, CFG_AAA_LDAP };
enum cfg_aaa_reactivation { CFG_AAA_DEPLETION, CFG_AAA_TIMED };
enum { CFG_AAA_SECRET_MAX = 128, CFG_AAA_RADIUS_AUTH_PORT = 1645 };

struct cfg_aaa_host {
	char address[CFG_NAME_MAX];
	char interface[CFG_NAME_MAX];
	char key[CFG_AAA_SECRET_MAX];  /* RADIUS shared secret (wiped in main) */
	int authentication_port;
	int accounting_port;
	int timeout;                   /* seconds per attempt */
	int retry_interval;            /* seconds between retransmissions */
	char server_type[16];          /* ldap: auto, microsoft, openldap, ... */
	char ldap_base_dn[256];
	int ldap_scope;                /* 0 onelevel, 1 subtree */
	char ldap_naming_attribute[CFG_NAME_MAX];
	char ldap_login_dn[256];
	char ldap_login_password[CFG_AAA_SECRET_MAX]; /* wiped in main */
	int ldap_over_ssl;
	char ldap_attribute_map[CFG_NAME_MAX];
	char ldap_ca_trustpoint[CFG_NAME_MAX]; /* CA of ldap-over-ssl */
	int line;
};

struct cfg_aaa_server {
	char name[CFG_NAME_MAX];
	int protocol;                  /* enum cfg_aaa_protocol */
	int max_failed_attempts;
	int reactivation_mode;         /* enum cfg_aaa_reactivation */
	int deadtime;                  /* minutes (ASA), depletion mode */
	int interim_accounting_update; /* seconds between Interim-Updates, 0 = none */
	int dynamic_authorization;     /* RADIUS: accept CoA / Disconnect (RFC 5176) */
	int dynamic_authorization_port;
	struct cfg_aaa_host *hosts;
	size_t n_hosts;
	int line;
};

/* access-list NAME standard|extended ...: entries parsed at load time
 * (include/sslvpnd/acl.h), in file order. */
struct cfg_acl {
	char name[CFG_NAME_MAX];
	int type;                      /* enum acl_type */
	size_t n;
	struct acl_entry e[ACL_MAX_ENTRIES];
	int line;
};

/* crypto ca certificate map NAME + webvpn certificate-group-map NAME ... TG:
 * every rule must hold; maps are tried in file order. */
struct cfg_certmap {
	char name[CFG_NAME_MAX];
	char tunnel_group[CFG_NAME_MAX];
	size_t n;
	struct certmap_rule r[CERTMAP_MAX_RULES];
	int line;
};

/* ldap attribute-map NAME: map-name and map-value rows (ldapmap.h). */
struct cfg_ldap_map {
	char name[CFG_NAME_MAX];
	size_t n_names;
	struct ldapmap_name names[LDAPMAP_MAX_ROWS];
	size_t n_values;
	struct ldapmap_value values[LDAPMAP_MAX_ROWS];
	int line;
};

/* time-range NAME: absolute start / end (0 = open) and periodic windows
 * (none = every day, all day). */
struct cfg_time_range {
	char name[CFG_NAME_MAX];
	size_t n_periodic;
	struct tr_periodic periodic[TR_MAX_PERIODIC];
	int64_t start, end;            /* timerange_key values; 0 = none */
	int line;
};

/* Strings that may hold blanks ("disk0:/file.pkg 1"). */
struct cfg_text_list {
	size_t n;
	char v[CFG_LIST_MAX][CFG_PATH_MAX];
};

/* vpn load-balancing: not a cluster (no load exchange between nodes); a
 * login addressed to cluster-address (the Host the client asked for) is
 * redirected to the peers in turn, this node included when listed by its
 * own address.  Peers are base URLs (no path: the request's is kept). */
struct cfg_load_balancing {
	int participate;               /* participate */
	char cluster_address[CFG_URL_MAX]; /* cluster ip address / cluster fqdn */
	size_t n_peers;
	struct cfg_group_url peers[CFG_LIST_MAX];
};

struct cfg_webvpn {
	int tunnel_group_list;         /* tunnel-group-list enable */
	int csd;                       /* csd enable: host scan required unless
					* the tunnel group says without-csd */
	char csd_image[CFG_PATH_MAX];  /* accepted, not served */
	int hsts;                      /* hsts / enable */
	int hsts_max_age;              /* seconds */
	int hsts_include_sub_domains;
	int hsts_preload;
	/* accepted, not applicable on sslvpnd (SF_NA: sslvpnd -t notices) */
	struct cfg_text_list anyconnect_image;
	int anyconnect_essentials, cache, error_recovery;
};

/* webvpn / anyconnect profiles NAME disk0:/FILE: the file is read at load
 * time (main; workers are told the bytes), so a missing file is a config
 * error with the line, and a reload picks up a changed file. */
struct cfg_ac_profile {
	char name[CFG_NAME_MAX];
	char file[CFG_PATH_MAX];
	uint8_t *data;                 /* the file's bytes */
	size_t len;
	int line;
};

/* webvpn / anyconnect-custom-attr TYPE [description TEXT] */
struct cfg_ac_cattr {
	char type[CFG_NAME_MAX];
	char description[256];
	int line;
};

/* anyconnect-custom-data TYPE NAME VALUE: several per type, so no name
 * leads the element (duplicates of TYPE+NAME are checked on their own). */
struct cfg_ac_cdata {
	char unnamed[1];
	char type[CFG_NAME_MAX];
	char name[CFG_NAME_MAX];
	char value[CFG_CDATA_MAX];
	int line;
};

/* dynamic-access-policy-record NAME (include/sslvpnd/dap.h): priority,
 * action, user-message, network-acl and the criteria of dap.xml.  The
 * record named DfltAccessPolicy has no criteria and no priority (-1); it
 * is always present (builtin when the file does not declare it). */
struct cfg_dap {
	char name[CFG_NAME_MAX];
	char description[128];
	int priority;                  /* higher number, higher priority */
	int action;                    /* enum dap_action */
	char user_message[DAP_MESSAGE_MAX];
	struct cfg_name_list network_acls; /* extended access lists */
	struct dap_criteria aaa;
	struct dap_criteria endpoint;
	int builtin;                   /* implicit DfltAccessPolicy */
	int line;
};

struct cfg_errors;

struct sslvpnd_config {
	char source[CFG_PATH_MAX];     /* file name, or "<embedded default>" */
	int embedded;
	struct cfg_general general;
	struct cfg_logging logging;
	struct cfg_log_host *log_hosts;
	size_t n_log_hosts;
	struct cfg_log_message *log_messages;
	size_t n_log_messages;
	struct cfg_metrics metrics;
	struct cfg_fleet fleet;
	struct cfg_limits limits;
	struct cfg_bans bans;
	struct cfg_ssl ssl;
	struct cfg_webvpn webvpn;
	struct cfg_load_balancing load_balancing;
	struct cfg_interface *interfaces;
	size_t n_interfaces;
	struct cfg_trustpoint *trustpoints;
	size_t n_trustpoints;
	struct cfg_pool *pools;
	size_t n_pools;
	struct cfg_pool6 *pools6;      /* ipv6 local pools */
	size_t n_pools6;
	struct cfg_acl *acls;          /* access lists */
	size_t n_acls;
	struct cfg_certmap *certmaps;  /* certificate-to-tunnel-group maps */
	size_t n_certmaps;
	struct cfg_ldap_map *ldap_maps; /* ldap attribute-map */
	size_t n_ldap_maps;
	struct cfg_time_range *time_ranges; /* read by vpn-access-hours */
	size_t n_time_ranges;
	struct cfg_group_policy *policies;   /* DfltGrpPolicy always present */
	size_t n_policies;
	struct cfg_tunnel_group *tunnel_groups; /* DefaultWEBVPNGroup always present */
	size_t n_tunnel_groups;
	struct cfg_user *users;        /* local user database */
	size_t n_users;
	struct cfg_aaa_server *aaa_servers; /* S15 external AAA server groups */
	size_t n_aaa_servers;
	struct cfg_dap *daps;          /* DAP records; DfltAccessPolicy always present */
	size_t n_daps;
	struct cfg_ac_profile *ac_profiles; /* anyconnect profiles */
	size_t n_ac_profiles;
	struct cfg_ac_cattr *ac_cattrs;     /* anyconnect-custom-attr */
	size_t n_ac_cattrs;
	struct cfg_ac_cdata *ac_cdata;      /* anyconnect-custom-data */
	size_t n_ac_cdata;
	struct cfg_errors *notices;         /* accepted, not applicable: sslvpnd -t */
};

struct cfg_error {
	char file[CFG_PATH_MAX];
	int line;                      /* 0 when not tied to a line */
	char msg[256];
};

struct cfg_errors {
	size_t n;
	size_t dropped;                /* errors beyond CFG_MAX_ERRORS */
	struct cfg_error e[CFG_MAX_ERRORS];
};

#define CFG_DEFAULT_PATH SYSCONFDIR "/sslvpnd/sslvpnd.conf"
#define CFG_DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/sslvpnd"
#define CFG_EMBEDDED_NAME "<embedded default>"

/* config_load: read and validate `path`; NULL loads the embedded default
 * (design.md: one interface 0.0.0.0:443, temporary self-signed identity,
 * certificate authentication against the CA files in <state-dir>/trust,
 * pool 198.19.0.0/24).  state_dir, when not NULL, overrides general.state-dir
 * (command line --state-dir).  Collects every error into errs (file:line) and
 * returns 0 with *out set, or -1 with *out NULL when anything is wrong.
 * Unknown keys, wrong types, out-of-range values, duplicate names and
 * references to missing names are all errors. */
int config_load(const char *path, const char *state_dir,
		struct sslvpnd_config **out, struct cfg_errors *errs);

/* config_load_string: as config_load from text; `name` is used in errors. */
int config_load_string(const char *text, const char *name, const char *state_dir,
		       struct sslvpnd_config **out, struct cfg_errors *errs);

/* The embedded default configuration text (with @STATE_DIR@ unexpanded). */
extern const char config_embedded_default[];

void config_free(struct sslvpnd_config *cfg);

/* Print every error as "file:line: message" (one per line). */
void config_errors_print(FILE *fp, const struct cfg_errors *errs);

/* config_dump: print the effective configuration (every key, defaults
 * included, in the config file syntax) - sslvpnd -T.  Returns 0 / -1. */
int config_dump(FILE *fp, const struct sslvpnd_config *cfg);

/* The asa-compat item names, in bit order (enum cfg_asa_compat), NULL
 * ended; and the bit of one name (0 if unknown). */
extern const char *const config_asa_compat_items[];
unsigned config_asa_compat_bit(const char *name);
/* config_asa_compat_any: 1 when some tunnel group has the item bit. */
int config_asa_compat_any(const struct sslvpnd_config *cfg, unsigned bit);

/* Lookups by exact (case-sensitive, as the ASA) name; NULL if absent. */
const struct cfg_tunnel_group *config_tunnel_group(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_group_policy *config_group_policy(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_pool *config_pool(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_pool6 *config_pool6(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_trustpoint *config_trustpoint(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_interface *config_interface(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_user *config_user(const struct sslvpnd_config *cfg, const char *name);
/* config_aaa_server: the aaa_servers group of that name, NULL when none. */
const struct cfg_aaa_server *config_aaa_server(const struct sslvpnd_config *cfg,
					      const char *name);
/* config_aaa_group: split authentication-server-group text "NAME" or
 * "NAME LOCAL" into name (len bytes) and *local; -1 when malformed. */
int config_aaa_group(const char *text, char *name, size_t len, int *local);
const struct cfg_acl *config_acl(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_ldap_map *config_ldap_map(const struct sslvpnd_config *cfg,
					   const char *name);
const struct cfg_time_range *config_time_range(const struct sslvpnd_config *cfg,
					       const char *name);
const struct cfg_dap *config_dap(const struct sslvpnd_config *cfg, const char *name);
const struct cfg_ac_profile *config_ac_profile(const struct sslvpnd_config *cfg,
					       const char *name);
const struct cfg_ac_cdata *config_ac_cdata(const struct sslvpnd_config *cfg,
					   const char *type, const char *name);

/* group-policy anyconnect-profiles entry "NAME [type user|vpn-mgmt]":
 * 0 with name and *mgmt set, or -1 with *why. */
int config_parse_ac_profile_ref(const char *s, char name[CFG_NAME_MAX], int *mgmt,
				const char **why);
/* group-policy anyconnect-custom entry "TYPE value NAME" or "TYPE none":
 * 0 with type and name ("" for none) set, or -1 with *why. */
int config_parse_ac_custom(const char *s, char type[CFG_NAME_MAX], char name[CFG_NAME_MAX],
			   const char **why);

/* config_notices_print: "file:line: notice: ..." for every key accepted
 * without effect (not applicable on sslvpnd), as sslvpnd -t prints them. */
void config_notices_print(FILE *fp, const struct sslvpnd_config *cfg);

#endif
