/* Tun offload (IFF_VNET_HDR, TUNSETOFFLOAD): what the worker does with a
 * packet read from a tun that hands it TCP super packets (TSO4/TSO6) and
 * packets whose TCP/UDP checksum is only partial (TUN_F_CSUM).
 *
 * Pure: no I/O, no state.  One tun read is a struct virtio_net_hdr
 * (TUNOFF_HDR bytes) and the packet; tunoff_rx turns it into the packets
 * a client must get: the plain packet with its checksum completed, or the
 * TCP super packet cut into gso_size segments, each a real packet (IPv4
 * id, length and header checksum; TCP sequence; FIN/PSH only on the last
 * segment, CWR only on the first; full TCP checksum).  The segments share
 * every header field a vpn-filter or the routing looks at (addresses,
 * ports, protocol, the SYN/RST/ACK flags), so whatever rule applies to one
 * applies to all: the caller still checks each as a packet of its own. */
#ifndef SSLVPND_TUNOFF_H
#define SSLVPND_TUNOFF_H

#include <stddef.h>
#include <stdint.h>

enum {
	TUNOFF_HDR = 10,          /* sizeof(struct virtio_net_hdr) */
	TUNOFF_SEG_MAX = 65535,   /* room a segment buffer needs */
};

typedef void (*tunoff_emit_fn)(void *arg, const uint8_t *pkt, size_t len);

/* tunoff_rx: buf/len is one tun read (header first).  Calls emit once per
 * packet, built in seg (TUNOFF_SEG_MAX bytes) for a super packet, in buf
 * itself otherwise (its partial checksum completed in place).  Returns the
 * number of packets emitted, or -1 (nothing emitted) when the header or the
 * packet does not make sense (a GSO type we did not ask for, offsets out of
 * the packet, not TCP, IPv4 fragment). */
int tunoff_rx(uint8_t *buf, size_t len, uint8_t *seg, tunoff_emit_fn emit, void *arg);

/* Userspace GRO for writes to the tun (upstream): in-order TCP segments
 * of one flow, as a client sends them in a burst, are joined into one
 * super packet written once with a vnet header (gso_type TCPV4/TCPV6,
 * gso_size the first segment's payload, partial checksum), which the
 * kernel takes as it would from a NIC's GRO.  Only plain segments join:
 * IPv4 without options or fragmentation or IPv6 without extension
 * headers, TCP with no option or only the timestamp, flags ACK or ACK|PSH,
 * a valid TCP checksum (the joined one is the kernel's to verify no more),
 * every header field but length/IPv4 id/checksum/sequence equal, the
 * sequence right after the last, no segment larger than the first, and a
 * shorter one or PSH ends the train.  Anything else goes as it is. */
struct tunoff_gro {
	size_t len;             /* packet bytes held after the header; 0: none */
	size_t l4, hl;          /* offsets of TCP and of the payload */
	uint32_t next_seq;
	uint16_t gso;           /* payload of the first segment */
	uint8_t v6, closed, psh;
	unsigned segs;
	uint8_t buf[TUNOFF_HDR + 65535];
};

/* tunoff_gro_add: 1 when the packet joined what g holds (or started it,
 * g empty); 0 when not: the caller writes g out (tunoff_gro_take) and
 * tries once more, and writes the packet as it is if that fails too. */
int tunoff_gro_add(struct tunoff_gro *g, const uint8_t *pkt, size_t len);
/* tunoff_gro_take: what g holds as one tun write (vnet header first; a
 * single segment goes with a zero header, unchanged); g is empty after.
 * Returns its length (0: nothing held) and sets *out. */
size_t tunoff_gro_take(struct tunoff_gro *g, const uint8_t **out);

/* The Internet checksum (RFC 1071) of len bytes, folded, not inverted;
 * sum is a previous result to continue from (0 to start). */
uint16_t tunoff_sum(const uint8_t *p, size_t len, uint32_t sum);

#endif
