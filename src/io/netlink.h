/* The few host network changes fpvpnd makes, through rtnetlink (no
 * ip(8) child processes): addresses on the TUN devices it creates, and
 * routes for the crypto maps' remote networks into them. Everything added
 * is remembered and removed again by fp_netlink_undo(). */
#ifndef FP_NETLINK_H
#define FP_NETLINK_H

#include <stddef.h>

#include "common/addr.h"

struct fp_netlink;

struct fp_netlink *fp_netlink_open(char *err, size_t errlen);
void fp_netlink_close(struct fp_netlink *nl);   /* does not undo */

int fp_netlink_ifindex(const char *dev);        /* 0 if no such device */
/* Does dev exist and carry address a? */
int fp_netlink_has_addr(struct fp_netlink *nl, const char *dev, const struct fp_addr *a);
int fp_netlink_addr_add(struct fp_netlink *nl, const char *dev, const struct fp_prefix *p,
			char *err, size_t errlen);
int fp_netlink_route_add(struct fp_netlink *nl, const char *dev, const struct fp_prefix *dst,
			 char *err, size_t errlen);
int fp_netlink_link_up(struct fp_netlink *nl, const char *dev, unsigned mtu, char *err,
		       size_t errlen);
/* Remove every address and route this handle added, newest first. */
void fp_netlink_undo(struct fp_netlink *nl);

#endif
