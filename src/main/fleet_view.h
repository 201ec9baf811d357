/* fleet_view.c (S16): one view of the fleet through its Redis registry:
 * sslvpnctl show fleet, show vpn-sessiondb ... --fleet and
 * vpn-sessiondb logoff ... --fleet (the control socket's handlers are in
 * ctl.h), and the "logoff" message other nodes publish.  Private to
 * src/main. */
#ifndef SSLVPND_FLEET_VIEW_H
#define SSLVPND_FLEET_VIEW_H

struct mainctx;

/* fleet_view_logoff_msg: "logoff all | name U | tunnel-group T" from node
 * from: this node's matching sessions are logged off as by a local
 * logoff (100891). */
void fleet_view_logoff_msg(struct mainctx *m, const char *from, const char *body);

#endif
