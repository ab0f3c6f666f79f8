/* rtnetlink for the few host changes fpvpnd makes (netlink.h): plain
 * NETLINK_ROUTE messages with a small attribute builder, no library.
 * Every request asks for an acknowledgement, so each call knows whether
 * the kernel did it, and only what this handle really added (not what
 * was there already) goes into the undo log. */
#include "io/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUF 32768u     /* one recv: a page of dump messages, or an ack */
#define NL_REQ 256u       /* the largest request: header + ifaddrmsg/rtmsg + 3 attributes */

struct nl_undo {
	uint16_t nu_type;         /* RTM_DELADDR or RTM_DELROUTE */
	int nu_ifindex;
	struct fp_prefix nu_p;
};

struct fp_netlink {
	int nl_fd;
	uint32_t nl_seq;
	struct nl_undo *nl_log;   /* what this handle added, oldest first */
	unsigned nl_n, nl_cap;
	uint8_t nl_buf[NL_BUF];
};

struct nl_req {
	struct nlmsghdr *n;
	size_t cap;
};

/* ---- messages ------------------------------------------------------------ */

static void *nl_req_init(struct nl_req *r, void *buf, size_t cap, uint16_t type,
			 uint16_t flags, size_t body)
{
	memset(buf, 0, cap);
	r->n = buf;
	r->cap = cap;
	r->n->nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	r->n->nlmsg_type = type;
	r->n->nlmsg_flags = NLM_F_REQUEST | flags;
	return NLMSG_DATA(r->n);
}

static void nl_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((uint8_t *)r->n + NLMSG_ALIGN(r->n->nlmsg_len));
	size_t total = NLMSG_ALIGN(r->n->nlmsg_len) + RTA_SPACE(len);

	if (total > r->cap) /* the fixed requests here always fit: a bug, not input */
		abort();
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->n->nlmsg_len = (uint32_t)total;
}

static int nl_send(struct fp_netlink *nl, struct nlmsghdr *n)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	n->nlmsg_seq = ++nl->nl_seq;
	if (sendto(nl->nl_fd, n, n->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Calls each message of the answer to our last request until the ack (or
 * NLMSG_DONE of a dump). Returns 0, or -errno from the kernel. */
static int nl_recv(struct fp_netlink *nl, void (*each)(const struct nlmsghdr *, void *),
		   void *arg)
{
	for (;;) {
		ssize_t r = recv(nl->nl_fd, nl->nl_buf, sizeof(nl->nl_buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		size_t left = (size_t)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)nl->nl_buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != nl->nl_seq)
				continue; /* a late answer to an earlier request */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (each)
				each(h, arg);
		}
	}
}

static int nl_talk(struct fp_netlink *nl, struct nlmsghdr *n)
{
	int rc = nl_send(nl, n);

	return rc < 0 ? rc : nl_recv(nl, NULL, NULL);
}

/* ---- open ---------------------------------------------------------------- */

struct fp_netlink *fp_netlink_open(char *err, size_t errlen)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int one = 1;
	struct fp_netlink *nl = calloc(1, sizeof(*nl));

	if (!nl) {
		snprintf(err, errlen, "netlink: out of memory");
		return NULL;
	}
	nl->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->nl_fd < 0 || bind(nl->nl_fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		snprintf(err, errlen, "netlink: %s", strerror(errno));
		fp_netlink_close(nl);
		return NULL;
	}
	/* a full dump or an error then always ends our wait; not fatal */
	(void)setsockopt(nl->nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

void fp_netlink_close(struct fp_netlink *nl)
{
	if (!nl)
		return;
	if (nl->nl_fd >= 0)
		close(nl->nl_fd);
	free(nl->nl_log);
	free(nl);
}

int fp_netlink_ifindex(const char *dev)
{
	return (int)if_nametoindex(dev);
}

/* ---- undo log ------------------------------------------------------------ */

static int nl_log_add(struct fp_netlink *nl, uint16_t type, int ifindex,
		      const struct fp_prefix *p)
{
	if (nl->nl_n == nl->nl_cap) {
		unsigned cap = nl->nl_cap ? nl->nl_cap * 2 : 16;
		struct nl_undo *l = realloc(nl->nl_log, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		nl->nl_log = l;
		nl->nl_cap = cap;
	}
	nl->nl_log[nl->nl_n++] = (struct nl_undo){ type, ifindex, *p };
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

static int nl_family(const struct fp_addr *a)
{
	return a->af == FP_AF_INET ? AF_INET : AF_INET6;
}

static size_t nl_alen(const struct fp_addr *a)
{
	return a->af == FP_AF_INET ? 4 : 16;
}

/* RTM_NEWADDR / RTM_DELADDR for p on ifindex. IPv6 addresses skip DAD:
 * a TUN has no neighbours, and a tentative address cannot be bound. */
static int nl_addr(struct fp_netlink *nl, uint16_t type, uint16_t flags, int ifindex,
		   const struct fp_prefix *p)
{
	uint8_t buf[NL_REQ];
	struct nl_req r;
	struct ifaddrmsg *ifa = nl_req_init(&r, buf, sizeof(buf), type, NLM_F_ACK | flags,
					    sizeof(*ifa));
	uint32_t nodad = IFA_F_NODAD;

	ifa->ifa_family = (uint8_t)nl_family(&p->addr);
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = (uint32_t)ifindex;
	nl_attr(&r, IFA_LOCAL, p->addr.a, nl_alen(&p->addr));
	nl_attr(&r, IFA_ADDRESS, p->addr.a, nl_alen(&p->addr));
	if (p->addr.af == FP_AF_INET6)
		nl_attr(&r, IFA_FLAGS, &nodad, sizeof(nodad));
	return nl_talk(nl, r.n);
}

static int nl_fail(char *err, size_t errlen, const char *what, const struct fp_prefix *p,
		   const char *dev, int rc)
{
	char a[FP_ADDR_STRLEN];

	/* the kernel's answer to an IPv6 address on a device without IPv6 */
	bool v6_off = rc == -EACCES && p->addr.af == FP_AF_INET6;
	snprintf(err, errlen, "netlink: %s %s/%u on %s: %s%s%s%s", what,
		 fp_addr_str(&p->addr, a, sizeof(a)), p->len, dev, strerror(-rc),
		 v6_off ? " (IPv6 is disabled there: net.ipv6.conf." : "", v6_off ? dev : "",
		 v6_off ? ".disable_ipv6=0, or .default. before fpvpnd creates the device)" : "");
	return -1;
}

/* An address or route that is there already is not ours to remove later. */
static int nl_added(struct fp_netlink *nl, int rc, uint16_t undo, int ifindex,
		    const struct fp_prefix *p)
{
	if (rc == -EEXIST)
		return 0;
	if (rc < 0)
		return rc;
	return nl_log_add(nl, undo, ifindex, p);
}

int fp_netlink_addr_add(struct fp_netlink *nl, const char *dev, const struct fp_prefix *p,
			char *err, size_t errlen)
{
	int ifindex = fp_netlink_ifindex(dev);
	int rc = ifindex ? nl_addr(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, p) :
			   -ENODEV;

	rc = nl_added(nl, rc, RTM_DELADDR, ifindex, p);
	return rc < 0 ? nl_fail(err, errlen, "add address", p, dev, rc) : 0;
}

struct nl_find_addr {
	int ifindex;
	const struct fp_addr *a;
	bool found;
};

static void nl_find_addr_one(const struct nlmsghdr *h, void *arg)
{
	struct nl_find_addr *f = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	/* IPv4: IFA_LOCAL is the address (IFA_ADDRESS the peer's on a
	 * point-to-point link); IPv6 has IFA_ADDRESS only */
	unsigned want = f->a->af == FP_AF_INET ? IFA_LOCAL : IFA_ADDRESS;

	if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != f->ifindex)
		return;
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == want && RTA_PAYLOAD(a) == nl_alen(f->a) &&
		    memcmp(RTA_DATA(a), f->a->a, nl_alen(f->a)) == 0)
			f->found = true;
}

int fp_netlink_has_addr(struct fp_netlink *nl, const char *dev, const struct fp_addr *a)
{
	uint8_t buf[NL_REQ];
	struct nl_req r;
	struct nl_find_addr f = { fp_netlink_ifindex(dev), a, false };
	struct ifaddrmsg *ifa = nl_req_init(&r, buf, sizeof(buf), RTM_GETADDR, NLM_F_DUMP,
					    sizeof(*ifa));

	if (!f.ifindex)
		return 0;
	ifa->ifa_family = (uint8_t)nl_family(a);
	if (nl_send(nl, r.n) < 0 || nl_recv(nl, nl_find_addr_one, &f) < 0)
		return -1;
	return f.found;
}

/* ---- routes -------------------------------------------------------------- */

/* RTM_NEWROUTE / RTM_DELROUTE: dst through the device, main table. */
static int nl_route(struct fp_netlink *nl, uint16_t type, uint16_t flags, int ifindex,
		    const struct fp_prefix *dst)
{
	uint8_t buf[NL_REQ];
	struct nl_req r;
	struct rtmsg *rt = nl_req_init(&r, buf, sizeof(buf), type, NLM_F_ACK | flags,
				       sizeof(*rt));
	uint32_t oif = (uint32_t)ifindex;

	rt->rtm_family = (uint8_t)nl_family(&dst->addr);
	rt->rtm_dst_len = dst->len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_STATIC;
	/* as ip-route does: a route without a gateway is on-link for IPv4 */
	rt->rtm_scope = dst->addr.af == FP_AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	if (dst->len)
		nl_attr(&r, RTA_DST, dst->addr.a, nl_alen(&dst->addr));
	nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(nl, r.n);
}

int fp_netlink_route_add(struct fp_netlink *nl, const char *dev, const struct fp_prefix *dst,
			 char *err, size_t errlen)
{
	int ifindex = fp_netlink_ifindex(dev);
	int rc = ifindex ? nl_route(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifindex, dst) :
			   -ENODEV;

	rc = nl_added(nl, rc, RTM_DELROUTE, ifindex, dst);
	return rc < 0 ? nl_fail(err, errlen, "add route", dst, dev, rc) : 0;
}

/* ---- links --------------------------------------------------------------- */

int fp_netlink_link_up(struct fp_netlink *nl, const char *dev, unsigned mtu, char *err,
		       size_t errlen)
{
	uint8_t buf[NL_REQ];
	struct nl_req r;
	struct ifinfomsg *ifi = nl_req_init(&r, buf, sizeof(buf), RTM_NEWLINK, NLM_F_ACK,
					    sizeof(*ifi));
	uint32_t m = mtu;
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = fp_netlink_ifindex(dev);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu)
		nl_attr(&r, IFLA_MTU, &m, sizeof(m));
	rc = ifi->ifi_index ? nl_talk(nl, r.n) : -ENODEV;
	if (rc < 0) {
		snprintf(err, errlen, "netlink: link %s up (mtu %u): %s", dev, mtu, strerror(-rc));
		return -1;
	}
	return 0;
}

/* ---- undo ---------------------------------------------------------------- */

/* Newest first, so a route goes before the address it may lean on. What
 * is gone already (the device closed, someone removed it) is no error. */
void fp_netlink_undo(struct fp_netlink *nl)
{
	while (nl->nl_n > 0) {
		const struct nl_undo *u = &nl->nl_log[--nl->nl_n];
		if (u->nu_type == RTM_DELADDR)
			(void)nl_addr(nl, RTM_DELADDR, 0, u->nu_ifindex, &u->nu_p);
		else
			(void)nl_route(nl, RTM_DELROUTE, 0, u->nu_ifindex, &u->nu_p);
	}
}
