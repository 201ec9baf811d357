/* fleet_view.c (S16): one view of the fleet through its Redis registry:
 * sslvpnctl show fleet, show vpn-sessiondb ... --fleet and
 * vpn-sessiondb logoff ... --fleet (the control socket's handlers are in
 * ctl.h), and the "logoff" message other nodes publish.  Private to
 * src/main. */
#ifndef SSLVPND_FLEET_VIEW_H
#define SSLVPND_FLEET_VIEW_H

#include <stdint.h>

struct mainctx;

/* fleet_view_req_id: the id of a deferred control request that waits on
 * the fleet's Redis (bit 0x40000000; test aaa-server's have 0x80000000).
 * One sequence for every fleet command (the views here, certhash --fleet,
 * doctor --fleet): two requests in flight never share an id. */
uint32_t fleet_view_req_id(void);

/* fleet_view_logoff_msg: "logoff all | name U | tunnel-group T" from node
 * from: this node's matching sessions are logged off as by a local
 * logoff (100891). */
void fleet_view_logoff_msg(struct mainctx *m, const char *from, const char *body);

#endif
