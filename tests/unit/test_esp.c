/* ESP engine round trips and the receiver's checks, table-driven over
 * transforms x families x encapsulation x ESN (DPDK test_ipsec.c style).
 * Pipe A encapsulates with an outbound SA, pipe B decapsulates with the
 * mirrored inbound SA; malformed packets must end in their named counter
 * while the valid packets around them still pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/inet.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

struct xform {
	enum fp_cipher c;
	enum fp_integ i;
	uint8_t ckey_len, akey_len;
};

static const struct xform xforms[] = {
	{FP_CIPHER_AES_GCM_128, FP_INTEG_NONE, 20, 0},
	{FP_CIPHER_AES_GCM_256, FP_INTEG_NONE, 36, 0},
	{FP_CIPHER_CHACHA20_POLY1305, FP_INTEG_NONE, 36, 0},
	{FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA1_96, 16, 20},
	{FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA256_128, 32, 32},
	{FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA384_192, 32, 48},
	{FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA512_256, 32, 64},
};

struct pair {
	struct fp_pipe a, b;    /* a sends, b receives */
	uint32_t out, in;
	struct fp_sa_params p;
};

static void addr_set(struct fp_addr *a, int af, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->af = (uint8_t)af;
	if (af == FP_AF_INET) {
		a->a[0] = 198, a->a[1] = 51, a->a[2] = 100, a->a[3] = last;
	} else {
		a->a[0] = 0x20, a->a[1] = 0x01, a->a[2] = 0x0d, a->a[3] = 0xb8, a->a[15] = last;
	}
}

static void sel_set(struct fp_selector *s, int af)
{
	memset(s, 0, sizeof(*s));
	fp_prefix_parse(&s->local, af == FP_AF_INET ? "10.1.0.0/24" : "2001:db8:1::/64");
	fp_prefix_parse(&s->remote, af == FP_AF_INET ? "10.2.0.0/24" : "2001:db8:2::/64");
}

/* inner_af: selectors; outer_af: endpoints. */
static void pair_setup(struct pair *x, const struct xform *xf, int outer_af, int inner_af,
		       bool encap, bool esn, uint16_t window, uint8_t mode)
{
	const char *err = NULL;
	struct fp_sa_params *p = &x->p;
	memset(x, 0, sizeof(*x));
	assert_int_equal(fp_pipe_init(&x->a, 0, false, 16, FP_CRYPTO_AUTO), 0);
	assert_int_equal(fp_pipe_init(&x->b, 1, false, 16, FP_CRYPTO_AUTO), 0);
	p->spi = 0x1234;
	p->mode = mode;
	p->esn = esn;
	p->key.cipher = xf->c;
	p->key.integ = xf->i;
	p->key.ckey_len = xf->ckey_len;
	p->key.akey_len = xf->akey_len;
	for (unsigned i = 0; i < sizeof(p->key.ckey); i++)
		p->key.ckey[i] = (uint8_t)(i * 7 + 1);
	for (unsigned i = 0; i < sizeof(p->key.akey); i++)
		p->key.akey[i] = (uint8_t)(i * 3 + 5);
	if (encap)
		p->encap_sport = p->encap_dport = 4500;
	sel_set(&p->sel, inner_af);
	/* A's view: local .1, remote .2, outbound */
	p->dir = FP_SA_OUT;
	addr_set(&p->local, outer_af, 1);
	addr_set(&p->remote, outer_af, 2);
	assert_int_equal(fp_sa_install(x->a.db, p, &x->out, &err), 0);
	/* B's view: mirrored, inbound */
	struct fp_sa_params q = *p;
	q.dir = FP_SA_IN;
	q.replay_window = window;
	addr_set(&q.local, outer_af, 2);
	addr_set(&q.remote, outer_af, 1);
	struct fp_selector s = q.sel;
	q.sel.local = s.remote;
	q.sel.remote = s.local;
	assert_int_equal(fp_sa_install(x->b.db, &q, &x->in, &err), 0);
}

static void pair_teardown(struct pair *x)
{
	fp_pipe_fini(&x->a);
	fp_pipe_fini(&x->b);
}

/* An inner UDP packet from 10.1.0.5 to 10.2.0.9 (or the IPv6 twins). */
static struct fp_pkt *inner_make(int af, uint32_t payload, uint8_t tag)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint32_t hl = af == FP_AF_INET ? FP_IPV4_HLEN : FP_IPV6_HLEN;
	uint8_t *h = fp_pkt_put(p, hl + FP_UDP_HLEN + payload);
	memset(h, 0, hl);
	if (af == FP_AF_INET) {
		h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
		fp_put16(h + 2, (uint16_t)p->len);
		h[12] = 10, h[13] = 1, h[15] = 5, h[16] = 10, h[17] = 2, h[19] = 9;
		fp_ipv4_csum_set(h);
	} else {
		h[0] = 0x60, h[6] = FP_IPPROTO_UDP, h[7] = 64;
		fp_put16(h + 4, (uint16_t)(p->len - hl));
		h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[13] = 1, h[23] = 5;
		h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[29] = 2, h[39] = 9;
	}
	uint8_t *u = h + hl;
	fp_put16(u, 1000), fp_put16(u + 2, 2000), fp_put16(u + 4, (uint16_t)(FP_UDP_HLEN + payload));
	fp_put16(u + 6, 0);
	for (uint32_t i = 0; i < payload; i++)
		u[FP_UDP_HLEN + i] = (uint8_t)(tag + i);
	return p;
}

static uint16_t encap(struct pair *x, struct fp_pkt **v, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		v[i]->sa = x->out;
	return fp_esp_outb_process(&x->a, v, n);
}

static uint16_t decap(struct pair *x, struct fp_pkt **v, uint16_t n)
{
	uint16_t hit = fp_classify_inb(&x->b, v, n);
	return fp_esp_inb_process(&x->b, v, hit);
}

static void roundtrip_case(const struct xform *xf, int oaf, int iaf, bool encap_udp, bool esn)
{
	static const uint32_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 100, 500, 1400, 8000};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	struct pair x;
	struct fp_pkt *v[N], *orig[N];
	pair_setup(&x, xf, oaf, iaf, encap_udp, esn, 64, FP_SA_TUNNEL);
	if (esn) { /* cross the 2^32 boundary mid-burst; B has seen up to there */
		fp_sadb_sa(x.a.db, x.out)->sa_seq = 0xfffffffaull;
		fp_sadb_sa(x.b.db, x.in)->sa_replay.top = 0xfffffffaull;
	}
	for (unsigned i = 0; i < N; i++) {
		v[i] = inner_make(iaf, sizes[i], (uint8_t)i);
		orig[i] = inner_make(iaf, sizes[i], (uint8_t)i);
	}
	assert_int_equal(encap(&x, v, N), N);
	for (unsigned i = 0; i < N; i++) {
		uint8_t *h = v[i]->data;
		assert_int_equal(h[0] >> 4, oaf);
		uint8_t proto = oaf == FP_AF_INET ? h[9] : h[6];
		assert_int_equal(proto, encap_udp ? FP_IPPROTO_UDP : FP_IPPROTO_ESP);
	}
	uint16_t got = decap(&x, v, N);
	if (got != N) {
		fprintf(stderr, "case %s/%s outer %d inner %d encap %d esn %d:", fp_cipher_info(xf->c)->name,
			fp_integ_info(xf->i)->name, oaf, iaf, encap_udp, esn);
		for (unsigned i = got; i < N; i++)
			fprintf(stderr, " %s", fp_drop_name(v[i]->drop));
		fprintf(stderr, "\n");
	}
	assert_int_equal(got, N);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(v[i]->len, orig[i]->len);
		assert_memory_equal(v[i]->data, orig[i]->data, orig[i]->len);
		free(v[i]);
		free(orig[i]);
	}
	struct fp_sa_stats st;
	fp_sa_query(x.b.db, x.in, &st);
	assert_true(st.pkts == N);
	pair_teardown(&x);
}

static void test_roundtrip(void **state)
{
	(void)state;
	static const int afs[] = {FP_AF_INET, FP_AF_INET6};
	for (unsigned t = 0; t < sizeof(xforms) / sizeof(xforms[0]); t++)
		for (unsigned o = 0; o < 2; o++)
			for (unsigned i = 0; i < 2; i++)
				for (int e = 0; e < 2; e++)
					for (int esn = 0; esn < 2; esn++)
						roundtrip_case(&xforms[t], afs[o], afs[i], e, esn);
}

/* Build one valid ESP packet through pipe a. */
static struct fp_pkt *esp_one(struct pair *x, uint8_t tag)
{
	struct fp_pkt *p = inner_make(FP_AF_INET, 64, tag);
	assert_int_equal(encap(x, &p, 1), 1);
	return p;
}

static struct fp_pkt *pkt_copy(const struct fp_pkt *src)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	memcpy(fp_pkt_put(p, src->len), src->data, src->len);
	return p;
}

struct bad_case {
	const char *what;
	enum fp_drop why;
	void (*mangle)(struct pair *x, struct fp_pkt *p);
};

static void m_icv(struct pair *x, struct fp_pkt *p) { (void)x; p->data[p->len - 1] ^= 1; }
static void m_trunc(struct pair *x, struct fp_pkt *p) { (void)x; p->len = 20 + 8 + 4; fp_put16(p->data + 2, (uint16_t)p->len); fp_ipv4_csum_set(p->data); }
static void m_len(struct pair *x, struct fp_pkt *p) { (void)x; p->len -= 1; fp_put16(p->data + 2, (uint16_t)p->len); fp_ipv4_csum_set(p->data); }
static void m_spi(struct pair *x, struct fp_pkt *p) { (void)x; fp_put32(p->data + 20, 0x9999); }
static void m_spi0(struct pair *x, struct fp_pkt *p) { (void)x; fp_put32(p->data + 20, 7); }
static void m_iplen(struct pair *x, struct fp_pkt *p) { (void)x; fp_put16(p->data + 2, (uint16_t)(p->len + 9)); }
static void m_frag(struct pair *x, struct fp_pkt *p) { (void)x; fp_put16(p->data + 6, 0x2000); }

static const struct bad_case bad_cases[] = {
	{"wrong ICV", FP_DROP_ICV_FAIL, m_icv},
	{"truncated", FP_DROP_ESP_TRUNCATED, m_trunc},
	{"not a block multiple", FP_DROP_ESP_BAD_LENGTH, m_len},
	{"reserved SPI", FP_DROP_BAD_SPI, m_spi0},
	{"bad IP length", FP_DROP_IP_MALFORMED, m_iplen},
};

/* Each bad packet sits between two good ones; all good ones pass. */
static void test_bad_packets(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[1], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	for (unsigned c = 0; c < sizeof(bad_cases) / sizeof(bad_cases[0]); c++) {
		struct fp_pkt *v[3] = {esp_one(&x, 1), esp_one(&x, 2), esp_one(&x, 3)};
		bad_cases[c].mangle(&x, v[1]);
		struct fp_pkt *bad = v[1];
		uint64_t before = x.b.st.drops[bad_cases[c].why];
		uint16_t hit = fp_classify_inb(&x.b, v, 3);
		uint16_t good = fp_esp_inb_process(&x.b, v, hit);
		assert_int_equal(good, 2);
		assert_int_equal(bad->drop, bad_cases[c].why);
		assert_true(x.b.st.drops[bad_cases[c].why] == before + 1);
		for (int i = 0; i < 3; i++)
			free(v[i]);
	}
	/* unknown SPI and fragments are punted to the slow path, not dropped */
	struct fp_pkt *p = esp_one(&x, 4);
	m_spi(&x, p);
	assert_int_equal(fp_classify_inb(&x.b, &p, 1), 0);
	assert_true((p->flags & FP_PKT_F_PUNT) && p->drop == FP_DROP_SPI_UNKNOWN);
	m_frag(&x, p);
	fp_classify_inb(&x.b, &p, 1);
	assert_true((p->flags & FP_PKT_F_PUNT) && p->drop == FP_DROP_IP_FRAGMENT);
	free(p);
	pair_teardown(&x);
}

/* IPv4 ESP in UDP -> raw ESP: the UDP header goes, the IP header moves up. */
static void udp_strip(struct fp_pkt *p)
{
	memmove(p->data + FP_UDP_HLEN, p->data, FP_IPV4_HLEN);
	p->data += FP_UDP_HLEN;
	p->len -= FP_UDP_HLEN;
	p->data[9] = FP_IPPROTO_ESP;
	fp_put16(p->data + 2, (uint16_t)p->len);
	fp_ipv4_csum_set(p->data);
}

/* raw IPv4 ESP -> ESP in UDP 4500 */
static void udp_wrap(struct fp_pkt *p)
{
	p->data -= FP_UDP_HLEN;
	p->len += FP_UDP_HLEN;
	memmove(p->data, p->data + FP_UDP_HLEN, FP_IPV4_HLEN);
	uint8_t *u = p->data + FP_IPV4_HLEN;
	fp_put16(u, 4500);
	fp_put16(u + 2, 4500);
	fp_put16(u + 4, (uint16_t)(p->len - FP_IPV4_HLEN));
	fp_put16(u + 6, 0);
	p->data[9] = FP_IPPROTO_UDP;
	fp_put16(p->data + 2, (uint16_t)p->len);
	fp_ipv4_csum_set(p->data);
}

/* The SPI is found but the packet came the other way (raw for a NAT-T SA,
 * in UDP for a raw one): a named drop before any ICV check, and the good
 * packets around it pass. */
static void test_encap_mismatch(void **state)
{
	(void)state;
	for (int udp = 0; udp < 2; udp++) {
		struct pair x;
		pair_setup(&x, &xforms[1], FP_AF_INET, FP_AF_INET, udp, false, 64, FP_SA_TUNNEL);
		struct fp_pkt *v[3] = {esp_one(&x, 1), esp_one(&x, 2), esp_one(&x, 3)};
		if (udp)
			udp_strip(v[1]);
		else
			udp_wrap(v[1]);
		struct fp_pkt *odd = v[1];
		uint16_t hit = fp_classify_inb(&x.b, v, 3);
		assert_int_equal(fp_esp_inb_process(&x.b, v, hit), 2);
		assert_int_equal(odd->drop, FP_DROP_ENCAP_MISMATCH);
		assert_true(x.b.st.drops[FP_DROP_ENCAP_MISMATCH] == 1);
		assert_true(x.b.st.drops[FP_DROP_ICV_FAIL] == 0);
		for (int i = 0; i < 3; i++)
			free(v[i]);
		pair_teardown(&x);
	}
}

static void test_replay_in_engine(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_pkt *first = esp_one(&x, 0), *dup = pkt_copy(first);
	assert_int_equal(decap(&x, &first, 1), 1);
	assert_int_equal(decap(&x, &dup, 1), 0);
	assert_int_equal(dup->drop, FP_DROP_REPLAY);
	free(first);
	free(dup);
	/* seq 2 kept aside, 100 more pass, then seq 2 is left of the window */
	struct fp_pkt *old = esp_one(&x, 0);
	for (int i = 0; i < 100; i++) {
		struct fp_pkt *p = esp_one(&x, 1);
		assert_int_equal(decap(&x, &p, 1), 1);
		free(p);
	}
	assert_int_equal(decap(&x, &old, 1), 0);
	assert_int_equal(old->drop, FP_DROP_REPLAY_TOO_OLD);
	free(old);
	/* a duplicate inside one burst: the second copy is caught at commit */
	struct fp_pkt *a = esp_one(&x, 5), *b = pkt_copy(a);
	struct fp_pkt *v[2] = {a, b};
	assert_int_equal(decap(&x, v, 2), 1);
	assert_int_equal(b->drop, FP_DROP_REPLAY);
	free(a);
	free(b);
	/* a forged packet does not move the window */
	struct fp_pkt *f = esp_one(&x, 6), *g = pkt_copy(f);
	f->data[f->len - 1] ^= 0x80;
	assert_int_equal(decap(&x, &f, 1), 0);
	assert_int_equal(decap(&x, &g, 1), 1);
	free(f);
	free(g);
	pair_teardown(&x);
}

/* b's inbound SA moved within its pipe as an offload switch does it:
 * state exported, SA deleted, installed again held, state imported. */
static uint32_t move_held(struct pair *x, struct fp_sa_state *st)
{
	const char *err = NULL;
	struct fp_sa_params q = *fp_sa_params_get(x->b.db, x->in);
	q.key = x->p.key; /* the installed copy keeps no keys */
	assert_int_equal(fp_sa_export(x->b.db, x->in, st), 0);
	assert_int_equal(fp_sa_delete(x->b.db, x->in), 0);
	q.held = true;
	assert_int_equal(fp_sa_install(x->b.db, &q, &x->in, &err), 0);
	assert_int_equal(fp_sadb_held(x->b.db), 1);
	return x->in;
}

/* Packets of an SA waiting for its state are kept in order, not decrypted
 * against an empty window, and given back once it has its state. */
static void test_held_sa(void **state)
{
	(void)state;
	struct pair x;
	struct fp_sa_state st;
	struct fp_pkt *v[3], *back[4];
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_pkt *seen = esp_one(&x, 0), *replayed = pkt_copy(seen);
	assert_int_equal(decap(&x, &seen, 1), 1);
	free(seen);
	move_held(&x, &st);
	for (int i = 0; i < 3; i++)
		v[i] = esp_one(&x, (uint8_t)(i + 1));
	assert_int_equal(decap(&x, v, 3), 0);
	assert_int_equal(decap(&x, &replayed, 1), 0);
	assert_int_equal(x.b.n_hold, 4);
	assert_true(v[0]->flags & FP_PKT_F_TAKEN);
	assert_int_equal(x.b.st.drop_pkts, 0); /* held, not dropped */
	assert_int_equal(fp_pipe_unhold(&x.b, back, 4), 0);
	assert_int_equal(fp_sa_import(x.b.db, x.in, &st), 0);
	assert_int_equal(fp_sadb_held(x.b.db), 0);
	assert_int_equal(fp_pipe_unhold(&x.b, back, 4), 4);
	assert_ptr_equal(back[0], v[0]);
	assert_ptr_equal(back[3], replayed);
	assert_false(back[0]->flags & FP_PKT_F_TAKEN);
	assert_int_equal(decap(&x, back, 4), 3);
	assert_int_equal(replayed->drop, FP_DROP_REPLAY); /* the window came with the state */
	assert_int_equal(x.b.st.rx_pkts, 5); /* held ones counted once, when they came back */
	assert_int_equal(x.b.st.cam_hit, 5);
	assert_int_equal(x.b.st.optid_hit, 5);
	for (int i = 0; i < 4; i++)
		free(back[i]);
	pair_teardown(&x);
}

/* A full hold queue drops, counted as ipsec-sa-moving. */
static void test_held_sa_overflow(void **state)
{
	(void)state;
	struct pair x;
	struct fp_sa_state st;
	static struct fp_pkt *back[FP_PIPE_HOLD];
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_pkt *one = esp_one(&x, 0);
	move_held(&x, &st);
	for (unsigned i = 0; i <= FP_PIPE_HOLD; i++) {
		struct fp_pkt *p = pkt_copy(one);
		assert_int_equal(decap(&x, &p, 1), 0);
		if (i == FP_PIPE_HOLD) {
			assert_false(p->flags & FP_PKT_F_TAKEN);
			free(p);
		}
	}
	assert_int_equal(x.b.st.drops[FP_DROP_SA_MOVING], 1);
	assert_int_equal(fp_sa_delete(x.b.db, x.in), 0); /* the move failed: undone */
	assert_int_equal(fp_pipe_unhold(&x.b, back, FP_PIPE_HOLD), FP_PIPE_HOLD);
	assert_int_equal(decap(&x, back, 1), 0);
	assert_true(back[0]->flags & FP_PKT_F_PUNT); /* now an unknown SPI */
	for (unsigned i = 0; i < FP_PIPE_HOLD; i++)
		free(back[i]);
	free(one);
	pair_teardown(&x);
}

/* ESN: an old packet (low half below the window, so read as the next
 * epoch) fails its ICV; the genuine packet after it in the same burst is
 * read from the committed top, not from the failed one, and passes. */
static void test_esn_burst_after_bad(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, true, 64, FP_SA_TUNNEL);
	fp_sadb_sa(x.a.db, x.out)->sa_seq = 499;
	struct fp_pkt *old = esp_one(&x, 1);
	fp_sadb_sa(x.a.db, x.out)->sa_seq = 1000;
	struct fp_pkt *good = esp_one(&x, 2);
	fp_sadb_sa(x.b.db, x.in)->sa_replay.top = 1000;
	struct fp_pkt *v[2] = {old, good};
	assert_int_equal(decap(&x, v, 2), 1);
	assert_ptr_equal(v[0], good);
	free(old);
	free(good);
	pair_teardown(&x);
}

/* A dropped packet leaves as it came (captures show what arrived), also
 * with ESN and CBC+HMAC, whose check writes the high half over the ICV. */
static void test_dropped_unchanged(void **state)
{
	(void)state;
	for (unsigned t = 0; t < sizeof(xforms) / sizeof(xforms[0]); t++) {
		struct pair x;
		pair_setup(&x, &xforms[t], FP_AF_INET, FP_AF_INET, false, true, 64, FP_SA_TUNNEL);
		struct fp_pkt *p = esp_one(&x, 3);
		p->data[p->len - 1] ^= 0x01;
		struct fp_pkt *copy = pkt_copy(p);
		assert_int_equal(decap(&x, &p, 1), 0);
		assert_int_equal(p->drop, FP_DROP_ICV_FAIL);
		assert_int_equal(p->len, copy->len);
		assert_memory_equal(p->data, copy->data, copy->len);
		free(p);
		free(copy);
		pair_teardown(&x);
	}
}

/* A packet whose SA id is stale (its slot now holds another rule's SA) is
 * sent back to the policy once, then dropped; never encrypted with it. */
static void test_outbound_rule_check(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_pkt *p = inner_make(FP_AF_INET, 64, 1);
	p->sa = x.out;
	p->rule = 7; /* the SA at x.out serves rule 0 */
	assert_int_equal(fp_esp_outb_process(&x.a, &p, 1), 0);
	assert_int_equal(p->drop, FP_DROP_NO_SA);
	assert_true(p->flags & FP_PKT_F_PUNT);
	p->flags |= FP_PKT_F_RESTEER;
	assert_int_equal(fp_esp_outb_process(&x.a, &p, 1), 0);
	assert_false(p->flags & FP_PKT_F_PUNT);
	p->rule = 0;
	assert_int_equal(fp_esp_outb_process(&x.a, &p, 1), 1);
	free(p);
	pair_teardown(&x);
}

static void test_seq_exhaustion(void **state)
{
	(void)state;
	struct pair x;
	struct fp_sa_event ev[4];
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	fp_sadb_sa(x.a.db, x.out)->sa_seq = UINT32_MAX - 1;
	struct fp_pkt *p = inner_make(FP_AF_INET, 10, 0), *q = inner_make(FP_AF_INET, 10, 0);
	assert_int_equal(encap(&x, &p, 1), 1);
	assert_int_equal(fp_get32(p->data + 24), UINT32_MAX);
	assert_int_equal(encap(&x, &q, 1), 0); /* never wraps to 0 */
	assert_int_equal(q->drop, FP_DROP_SEQ_EXHAUSTED);
	assert_int_equal(fp_sadb_events(x.a.db, ev, 4), 1);
	assert_int_equal(ev[0].type, FP_SA_EV_SEQ_EXHAUSTED);
	free(p);
	free(q);
	pair_teardown(&x);
}

/* Outbound past the reserved block (seqkeep.h): dropped in the named
 * counter, never sent, and sent again once the limit is raised; a move
 * keeps the limit. */
static void test_seq_unreserved(void **state)
{
	(void)state;
	struct pair x;
	struct fp_sa_stats st;
	struct fp_sa_state mv;
	struct fp_pkt *v[8];
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	assert_int_equal(fp_sa_seq_reserve(x.a.db, x.out, 5), 0);
	for (int i = 0; i < 8; i++)
		v[i] = inner_make(FP_AF_INET, 10, (uint8_t)i);
	assert_int_equal(encap(&x, v, 8), 5);
	for (int i = 0; i < 8; i++)
		assert_int_equal(v[i]->drop, i < 5 ? FP_DROP_NONE : FP_DROP_SEQ_UNRESERVED);
	assert_int_equal(fp_get32(v[4]->data + 24), 5);
	assert_int_equal(x.a.st.drops[FP_DROP_SEQ_UNRESERVED], 3);
	assert_int_equal(fp_sa_query(x.a.db, x.out, &st), 0);
	assert_int_equal(st.drops[FP_DROP_SEQ_UNRESERVED], 3);
	assert_int_equal(st.seq, 5);
	assert_int_equal(fp_sa_seq_peek(x.a.db, x.out), 5);
	assert_string_equal(fp_drop_name(FP_DROP_SEQ_UNRESERVED), "ipsec-seq-unreserved");
	for (int i = 0; i < 8; i++)
		free(v[i]);
	/* the state a move carries keeps the limit */
	assert_int_equal(fp_sa_export(x.a.db, x.out, &mv), 0);
	assert_int_equal(mv.seq_limit, 5);
	assert_int_equal(fp_sa_import(x.a.db, x.out, &mv), 0);
	/* a block saved while the move ran is not taken back by the state it carries */
	assert_int_equal(fp_sa_seq_reserve(x.a.db, x.out, 9), 0);
	assert_int_equal(fp_sa_import(x.a.db, x.out, &mv), 0);
	assert_int_equal(fp_sa_export(x.a.db, x.out, &mv), 0);
	assert_int_equal(mv.seq_limit, 9);
	/* raised: the next packets go on at 6 */
	assert_int_equal(fp_sa_seq_reserve(x.a.db, x.out, 7), 0);
	for (int i = 0; i < 3; i++)
		v[i] = inner_make(FP_AF_INET, 10, (uint8_t)i);
	assert_int_equal(encap(&x, v, 3), 2);
	assert_int_equal(fp_get32(v[0]->data + 24), 6);
	assert_int_equal(fp_get32(v[1]->data + 24), 7);
	assert_int_equal(v[2]->drop, FP_DROP_SEQ_UNRESERVED);
	for (int i = 0; i < 3; i++)
		free(v[i]);
	/* past the sequence space is still exhaustion, not a reservation */
	assert_int_equal(fp_sa_seq_reserve(x.a.db, x.out, UINT64_MAX), 0);
	fp_sadb_sa(x.a.db, x.out)->sa_seq = UINT32_MAX;
	v[0] = inner_make(FP_AF_INET, 10, 0);
	assert_int_equal(encap(&x, v, 1), 0);
	assert_int_equal(v[0]->drop, FP_DROP_SEQ_EXHAUSTED);
	free(v[0]);
	assert_int_equal(fp_sa_seq_reserve(x.b.db, x.in, 9), -1); /* only outbound SAs send */
	/* installed with a limit (clear ipsec sa): it holds from the install on */
	struct fp_sa_params p = x.p;
	uint32_t id;
	const char *err;
	assert_int_equal(fp_sa_delete(x.a.db, x.out), 0);
	p.seq = 10;
	p.seq_limit = 11;
	assert_int_equal(fp_sa_install(x.a.db, &p, &id, &err), 0);
	x.out = id;
	for (int i = 0; i < 2; i++)
		v[i] = inner_make(FP_AF_INET, 10, (uint8_t)i);
	assert_int_equal(encap(&x, v, 2), 1);
	assert_int_equal(fp_get32(v[0]->data + 24), 11);
	assert_int_equal(v[1]->drop, FP_DROP_SEQ_UNRESERVED);
	for (int i = 0; i < 2; i++)
		free(v[i]);
	pair_teardown(&x);
}

/* A restarted daemon goes on (fp_sa_seq_resume): outbound after the number
 * saved, inbound with everything up to the saved top taken as seen; never
 * backwards. */
static void test_seq_resume(void **state)
{
	(void)state;
	struct pair x;
	struct fp_pkt *v[3];
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	assert_int_equal(fp_sa_seq_resume(x.a.db, x.out, 1000), 0);
	assert_int_equal(fp_sa_seq_resume(x.a.db, x.out, 10), 0); /* not backwards */
	v[0] = inner_make(FP_AF_INET, 10, 0);
	assert_int_equal(encap(&x, v, 1), 1);
	assert_int_equal(fp_get32(v[0]->data + 24), 1001);
	/* b saw up to 1001 before its restart: 1001 again is a replay, 1002 passes */
	struct fp_pkt *dup = pkt_copy(v[0]);
	assert_int_equal(fp_sa_seq_resume(x.b.db, x.in, 1001), 0);
	assert_int_equal(fp_sa_seq_peek(x.b.db, x.in), 1001);
	assert_int_equal(decap(&x, &dup, 1), 0);
	assert_int_equal(dup->drop, FP_DROP_REPLAY);
	v[1] = inner_make(FP_AF_INET, 10, 1);
	v[2] = inner_make(FP_AF_INET, 10, 2);
	assert_int_equal(encap(&x, v + 1, 2), 2);
	struct fp_pkt *later = v[2];
	assert_int_equal(decap(&x, &later, 1), 1); /* 1003 first: 1002 still in the window */
	assert_int_equal(decap(&x, &v[1], 1), 1);
	for (int i = 0; i < 3; i++)
		free(v[i]);
	free(dup);
	pair_teardown(&x);
}

static void test_lifetime(void **state)
{
	(void)state;
	struct pair x;
	struct fp_sa_event ev[8];
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_sa_update u = {.fields = FP_SA_UPD_LIFETIME, .life_pkts_soft = 3, .life_pkts_hard = 5};
	const char *err;
	assert_int_equal(fp_sa_update(x.a.db, x.out, &u, &err), 0);
	unsigned sent = 0;
	for (int i = 0; i < 8; i++) {
		struct fp_pkt *p = inner_make(FP_AF_INET, 10, 0);
		sent += encap(&x, &p, 1);
		if (i >= 5)
			assert_int_equal(p->drop, FP_DROP_SA_EXPIRED);
		free(p);
	}
	assert_int_equal(sent, 5);
	assert_int_equal(fp_sadb_events(x.a.db, ev, 8), 2);
	assert_int_equal(ev[0].type, FP_SA_EV_SOFT_PKTS);
	assert_int_equal(ev[1].type, FP_SA_EV_HARD_PKTS);
	pair_teardown(&x);
}

/* The hard limit holds inside one burst too: 8 packets in one call, a
 * limit of 5 packets, 5 go; a byte limit stops at the packet that crosses
 * it. */
static void test_lifetime_in_burst(void **state)
{
	(void)state;
	struct pair x;
	struct fp_pkt *v[8];
	const char *err;
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_sa_update u = {.fields = FP_SA_UPD_LIFETIME, .life_pkts_hard = 5};
	assert_int_equal(fp_sa_update(x.a.db, x.out, &u, &err), 0);
	for (int i = 0; i < 8; i++)
		v[i] = inner_make(FP_AF_INET, 10, 0);
	assert_int_equal(encap(&x, v, 8), 5);
	for (int i = 0; i < 8; i++)
		free(v[i]);
	pair_teardown(&x);
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	u = (struct fp_sa_update){.fields = FP_SA_UPD_LIFETIME, .life_bytes_hard = 100};
	assert_int_equal(fp_sa_update(x.a.db, x.out, &u, &err), 0);
	for (int i = 0; i < 8; i++) /* 38 bytes each: 38, 76, 114 */
		v[i] = inner_make(FP_AF_INET, 10, 0);
	assert_int_equal(encap(&x, v, 8), 3);
	for (int i = 0; i < 8; i++)
		free(v[i]);
	pair_teardown(&x);
}

static void test_transport_and_window(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[4], FP_AF_INET, FP_AF_INET, true, false, 512, FP_SA_TRANSPORT);
	/* transport mode: the packet's own addresses stay; selectors are not checked */
	struct fp_pkt *p = inner_make(FP_AF_INET, 300, 9), *o = inner_make(FP_AF_INET, 300, 9);
	assert_int_equal(encap(&x, &p, 1), 1);
	assert_int_equal(p->data[9], FP_IPPROTO_UDP);
	assert_int_equal(fp_get16(p->data + 20), 4500);
	/* the receiver sees it addressed to itself */
	memcpy(p->data + 16, x.p.remote.a, 4);
	fp_ipv4_csum_set(p->data);
	assert_int_equal(decap(&x, &p, 1), 1);
	assert_int_equal(p->len, o->len);
	assert_memory_equal(p->data + 20, o->data + 20, o->len - 20);
	assert_int_equal(p->data[9], FP_IPPROTO_UDP);
	const char *why;
	assert_false(fp_sa_can_offload(fp_sa_params_get(x.b.db, x.in), &why));
	free(p);
	free(o);
	pair_teardown(&x);
}

/* A packet the buffer cannot hold once encapsulated is the engine's own
 * failure: a drop that also counts as an error packet. */
static void test_too_big_is_error(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_pkt *p = inner_make(FP_AF_INET, FP_PKT_BUF_SIZE - FP_PKT_HEADROOM - 40, 0);
	assert_int_equal(encap(&x, &p, 1), 0);
	assert_int_equal(p->drop, FP_DROP_TOO_BIG);
	assert_true(x.a.st.err_pkts == 1 && x.a.st.drop_pkts == 1);
	free(p);
	pair_teardown(&x);
}

static void test_selector(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x, &xforms[0], FP_AF_INET, FP_AF_INET, false, false, 64, FP_SA_TUNNEL);
	struct fp_pkt *p = inner_make(FP_AF_INET, 10, 0);
	p->data[12] = 192; /* source outside 10.1.0.0/24 */
	fp_ipv4_csum_set(p->data);
	assert_int_equal(encap(&x, &p, 1), 1);
	assert_int_equal(decap(&x, &p, 1), 0);
	assert_int_equal(p->drop, FP_DROP_SELECTOR_MISMATCH);
	assert_true(x.b.st.filtering_drop == 1);
	free(p);
	pair_teardown(&x);
}

static void test_sadb_tables(void **state)
{
	(void)state;
	struct fp_sadb *db = fp_sadb_new(64, FP_CRYPTO_AUTO);
	struct fp_sa_params p;
	uint32_t ids[64];
	const char *err;
	memset(&p, 0, sizeof(p));
	p.dir = FP_SA_IN;
	p.replay_window = 64;
	p.key.cipher = FP_CIPHER_AES_GCM_128;
	p.key.ckey_len = 20;
	addr_set(&p.local, FP_AF_INET, 1);
	addr_set(&p.remote, FP_AF_INET, 2);
	for (uint32_t i = 0; i < 64; i++) {
		p.spi = 0x1000 + i * 64; /* collide in low bits */
		assert_int_equal(fp_sa_install(db, &p, &ids[i], &err), 0);
	}
	p.spi = 0x5000;
	assert_int_equal(fp_sa_install(db, &p, &ids[0], &err), -1); /* full */
	for (uint32_t i = 0; i < 64; i += 2)
		assert_int_equal(fp_sa_delete(db, ids[i]), 0);
	for (uint32_t i = 0; i < 64; i++) {
		uint32_t id = fp_sadb_lookup_in(db, 0x1000 + i * 64, &p.local);
		assert_true(i % 2 ? id == ids[i] : id == FP_SA_NONE);
	}
	p.spi = 0x1000 + 64;
	assert_int_equal(fp_sa_install(db, &p, &ids[1], &err), -1); /* duplicate SPI */
	p.spi = 10;
	assert_int_equal(fp_sa_install(db, &p, &ids[0], &err), -1); /* reserved */
	fp_sadb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_packets),
		cmocka_unit_test(test_encap_mismatch),
		cmocka_unit_test(test_replay_in_engine),
		cmocka_unit_test(test_held_sa),
		cmocka_unit_test(test_held_sa_overflow),
		cmocka_unit_test(test_outbound_rule_check),
		cmocka_unit_test(test_esn_burst_after_bad),
		cmocka_unit_test(test_dropped_unchanged),
		cmocka_unit_test(test_seq_exhaustion),
		cmocka_unit_test(test_seq_unreserved),
		cmocka_unit_test(test_seq_resume),
		cmocka_unit_test(test_lifetime),
		cmocka_unit_test(test_lifetime_in_burst),
		cmocka_unit_test(test_transport_and_window),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_too_big_is_error),
		cmocka_unit_test(test_sadb_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
