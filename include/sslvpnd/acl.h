/* Access lists (ASA `access-list NAME standard|extended ...`): one entry
 * parsed into a compact struct, and printed back in canonical ASA syntax.
 * Pure: no I/O, no allocation.  The parser lives in src/policy/acl.c and
 * is linked into the config library, which stores parsed entries. */
#ifndef SSLVPND_ACL_H
#define SSLVPND_ACL_H

#include <stddef.h>
#include <stdint.h>

enum acl_type { ACL_STANDARD = 1, ACL_EXTENDED = 2 };

enum {
	ACL_MAX_ENTRIES = 64,   /* entries of one access list */
	ACL_TEXT_MAX = 160,     /* one entry as text, canonical form included */
	ACL_REMARK_MAX = 101,   /* remark text: 100 characters, as the ASA */
	ACL_PROTO_IP = -1,      /* "ip": any protocol */
};

/* Address family of an address operand.  `any` covers both (ASA 9.x),
 * any4 / any6 are ACL_AF_4 / ACL_AF_6 with plen 0. */
enum acl_af { ACL_AF_ANY = 0, ACL_AF_4 = 4, ACL_AF_6 = 6 };

struct acl_addr {
	uint8_t af;             /* enum acl_af */
	uint8_t plen;           /* prefix length: 0..32 / 0..128 */
	uint8_t a[16];          /* network byte order; IPv4 in a[0..3] */
};

enum acl_op { ACL_OP_NONE = 0, ACL_OP_EQ, ACL_OP_NEQ, ACL_OP_LT, ACL_OP_GT, ACL_OP_RANGE };

struct acl_port {
	uint8_t op;             /* enum acl_op */
	uint16_t lo, hi;        /* eq/neq/lt/gt: lo; range: lo..hi */
};

struct acl_entry {
	uint8_t permit;         /* 1 permit, 0 deny */
	uint8_t remark;         /* a `remark` line: matches nothing */
	char remark_text[ACL_REMARK_MAX]; /* its text, printed back */
	int16_t proto;          /* ACL_PROTO_IP or 0..255 (extended only) */
	struct acl_addr src;    /* extended only */
	struct acl_addr dst;    /* standard: the network */
	struct acl_port sport, dport;
	int line;               /* config line, 0 when unknown */
};

/* acl_type_parse: "standard" / "extended" -> enum; -1 otherwise. */
int acl_type_parse(const char *s);
const char *acl_type_name(enum acl_type t);

/* acl_parse_entry: one entry, without the "access-list NAME TYPE" prefix:
 *   standard  permit|deny (A M | host A | any | any4 | any6 | X:Y::/N)
 *   extended  permit|deny PROTO SRC [PORT] DST [PORT]
 *             PROTO ip|tcp|udp|icmp|icmp6|gre|esp|ah|0..255
 *             SRC/DST as above; PORT: eq|neq|lt|gt P | range P1 P2 (tcp/udp),
 *             P a number or a well-known name (www, https, telnet, ...)
 *   either    remark TEXT
 * Masks must be contiguous and the address must have no host bits outside
 * them (the ASA refuses "IP address,mask doesn't pair").  Returns 0, or -1
 * with *why a static reason. */
int acl_parse_entry(enum acl_type t, const char *text, struct acl_entry *out,
		    const char **why);

/* acl_format_entry: the canonical ASA text of e (an entry of type t) (what acl_parse_entry reads
 * back to the same struct); "remark" entries print as "remark TEXT".  Returns
 * the length, or -1 when it does not fit. */
int acl_format_entry(enum acl_type t, const struct acl_entry *e, char *buf,
		     size_t len);

/* acl_format_addr: "any", "any4", "host A", "A M", "X::/N". */
int acl_format_addr(const struct acl_addr *a, char *buf, size_t len);

/* acl_prefix4: IPv4 network and mask (network byte order) of an address
 * operand; 0 or -1 when it is not IPv4 (any: -1, any4: 0.0.0.0/0). */
int acl_prefix4(const struct acl_addr *a, uint32_t *addr, uint32_t *mask);

#endif
