/* The DTLS rule table (dtls.h): rules, their crypto and the 6-tuple CAM.
 * Install, update and delete run on the owning pipe's thread between
 * bursts, so a rule is never changed under a packet. */
#include <stdlib.h>
#include <string.h>

#include "offload/dtls_db.h"

static const char *const counter_names[FP_DTLS_CNT__COUNT] = {
#define FP_DTLS_CNT_NAME(f, name) [FP_DTLS_CNT_##f] = name,
	FP_DTLS_COUNTERS(FP_DTLS_CNT_NAME)
#undef FP_DTLS_CNT_NAME
};

const char *fp_dtls_counter_name(unsigned c)
{
	return c < FP_DTLS_CNT__COUNT ? counter_names[c] : "?";
}

uint64_t fp_dtls_counter_get(const struct fp_dtls_stats *st, unsigned c)
{
	switch (c) {
#define FP_DTLS_CNT_CASE(f, name) case FP_DTLS_CNT_##f: return st->f;
		FP_DTLS_COUNTERS(FP_DTLS_CNT_CASE)
#undef FP_DTLS_CNT_CASE
	default:
		return 0;
	}
}

struct fp_dtlsdb *fp_dtlsdb_new(uint32_t capacity, enum fp_crypto_backend be)
{
	struct fp_dtlsdb *db = calloc(1, sizeof(*db));
	uint32_t slots = 16;

	if (!db || capacity == 0 || capacity > (1u << 20))
		goto fail;
	while (slots < capacity * 2)
		slots <<= 1;
	db->db_cap = capacity;
	db->db_mask = slots - 1;
	db->db_be = be;
	db->db_rule = calloc(capacity, sizeof(*db->db_rule));
	db->db_bucket = calloc(slots, sizeof(*db->db_bucket));
	db->db_scr = aligned_alloc(64, (sizeof(*db->db_scr) + 63) / 64 * 64);
	if (!db->db_rule || !db->db_bucket || !db->db_scr)
		goto fail;
	return db;
fail:
	fp_dtlsdb_free(db);
	return NULL;
}

void fp_dtlsdb_free(struct fp_dtlsdb *db)
{
	if (!db)
		return;
	for (uint32_t i = 0; db->db_rule && i < db->db_cap; i++)
		if (db->db_rule[i].dr_live)
			fp_dtls_delete(db, i);
	free(db->db_rule);
	free(db->db_bucket);
	free(db->db_scr);
	free(db);
}

uint32_t fp_dtlsdb_held(const struct fp_dtlsdb *db)
{
	return db ? db->db_held : 0;
}

bool fp_dtls_rule_held(const struct fp_dtlsdb *db, uint32_t id)
{
	return id < db->db_cap && db->db_rule[id].dr_live && db->db_rule[id].dr_held;
}

uint32_t fp_dtlsdb_count(const struct fp_dtlsdb *db)
{
	return db->db_count;
}

uint32_t fp_dtls_rule_tag(const struct fp_dtlsdb *db, uint32_t id)
{
	return id < db->db_cap && db->db_rule[id].dr_live ? db->db_rule[id].dr_tag : FP_DTLS_NONE;
}

struct fp_dtls_stats *fp_dtlsdb_stats(struct fp_dtlsdb *db)
{
	return &db->db_st;
}

static void tuple_make(struct fp_dtls_tuple *t, const struct fp_addr *remote, uint16_t rport,
		       const struct fp_addr *local, uint16_t lport)
{
	memset(t, 0, sizeof(*t));
	t->t_af = remote->af;
	memcpy(t->t_remote, remote->a, 16);
	memcpy(t->t_local, local->a, 16);
	t->t_rport = rport;
	t->t_lport = lport;
}

uint32_t fp_dtls_cam_find(const struct fp_dtlsdb *db, const struct fp_dtls_tuple *t)
{
	uint32_t i = db->db_bucket[fp_dtls_tuple_hash(t) & db->db_mask];
	while (i) {
		const struct fp_dtls_rule *r = &db->db_rule[i - 1];
		if (fp_dtls_tuple_eq(&r->dr_tuple, t))
			return i - 1;
		i = r->dr_next;
	}
	return FP_DTLS_NONE;
}

uint32_t fp_dtls_lookup(const struct fp_dtlsdb *db, const struct fp_addr *remote,
			uint16_t remote_port, const struct fp_addr *local, uint16_t local_port)
{
	struct fp_dtls_tuple t;
	tuple_make(&t, remote, remote_port, local, local_port);
	return fp_dtls_cam_find(db, &t);
}

static void cam_link(struct fp_dtlsdb *db, uint32_t id)
{
	uint32_t *b = &db->db_bucket[fp_dtls_tuple_hash(&db->db_rule[id].dr_tuple) & db->db_mask];
	db->db_rule[id].dr_next = *b;
	*b = id + 1;
}

static void cam_unlink(struct fp_dtlsdb *db, uint32_t id)
{
	uint32_t *p = &db->db_bucket[fp_dtls_tuple_hash(&db->db_rule[id].dr_tuple) & db->db_mask];
	while (*p && *p != id + 1)
		p = &db->db_rule[*p - 1].dr_next;
	if (*p)
		*p = db->db_rule[id].dr_next;
	db->db_rule[id].dr_next = 0;
}

/* One direction's keys, for the AEAD burst calls or MAC-then-encrypt. */
struct rule_crypto {
	struct fp_crypto_sa *cs;
	struct fp_mte *mte;
};

/* One direction's keys in the crypto layer's form: AES-GCM key || salt;
 * CBC key and MAC key. */
static int crypto_key(const struct fp_tls_dir_key *k, struct fp_crypto_key *ck, const char **err)
{
	const struct fp_cipher_info *ci = fp_cipher_info(k->tk_cipher);
	const struct fp_integ_info *ii = fp_integ_info(k->tk_integ);

	memset(ck, 0, sizeof(*ck));
	if (!ci || !ii || k->tk_cipher == FP_CIPHER_NULL ||
	    k->tk_cipher == FP_CIPHER_CHACHA20_POLY1305 || k->tk_key_len != ci->key_len ||
	    (!ci->aead && k->tk_mac_len != ii->key_len)) {
		*err = "cipher not offloaded for DTLS, or key length wrong";
		return -1;
	}
	ck->cipher = k->tk_cipher;
	ck->integ = ci->aead ? FP_INTEG_NONE : k->tk_integ;
	memcpy(ck->ckey, k->tk_key, k->tk_key_len);
	memcpy(ck->ckey + k->tk_key_len, k->tk_salt, ci->salt_len);
	ck->ckey_len = (uint8_t)(k->tk_key_len + ci->salt_len);
	memcpy(ck->akey, k->tk_mac, ci->aead ? 0 : k->tk_mac_len);
	ck->akey_len = ci->aead ? 0 : k->tk_mac_len;
	return 0;
}

static int crypto_new(const struct fp_tls_dir_key *k, enum fp_crypto_backend be,
		      struct rule_crypto *out, uint8_t id[FP_CRYPTO_KEY_ID_LEN], const char **err)
{
	struct fp_crypto_key ck;

	memset(out, 0, sizeof(*out));
	if (crypto_key(k, &ck, err) < 0)
		return -1;
	if (id)
		fp_crypto_key_id(&ck, id);
	if (fp_cipher_info(ck.cipher)->aead)
		out->cs = fp_crypto_sa_new(&ck, be, err);
	else
		out->mte = fp_mte_new(ck.cipher, ck.integ, ck.ckey, ck.akey, err);
	fp_crypto_cleanse(&ck, sizeof(ck));
	return out->cs || out->mte ? 0 : -1;
}

static void crypto_free(struct rule_crypto *c)
{
	fp_crypto_sa_free(c->cs);
	fp_mte_free(c->mte);
	c->cs = NULL;
	c->mte = NULL;
}

static int keys_check(const struct fp_tls_keys *k, const char **err)
{
	if (k->tk_rx.tk_cipher != k->tk_tx.tk_cipher || k->tk_rx.tk_integ != k->tk_tx.tk_integ) {
		*err = "the two directions use different transforms";
		return -1;
	}
	return 0;
}

/* Both directions built before anything of the rule changes. */
static int rule_keys(struct fp_dtlsdb *db, struct fp_dtls_rule *r, const struct fp_tls_keys *k,
		     const char **err)
{
	struct rule_crypto rx, tx, old_rx, old_tx;
	uint8_t id[FP_CRYPTO_KEY_ID_LEN];

	if (keys_check(k, err) < 0 || crypto_new(&k->tk_rx, db->db_be, &rx, NULL, err) < 0)
		return -1;
	if (crypto_new(&k->tk_tx, db->db_be, &tx, id, err) < 0) {
		crypto_free(&rx);
		return -1;
	}
	old_rx = (struct rule_crypto){ r->dr_rx_cs, r->dr_rx_mte };
	old_tx = (struct rule_crypto){ r->dr_tx_cs, r->dr_tx_mte };
	crypto_free(&old_rx);
	crypto_free(&old_tx);
	r->dr_rx_cs = rx.cs;
	r->dr_rx_mte = rx.mte;
	r->dr_tx_cs = tx.cs;
	r->dr_tx_mte = tx.mte;
	r->dr_aead = rx.cs != NULL;
	r->dr_ovh = r->dr_aead ? FP_DTLS_AEAD_NONCE + FP_DTLS_AEAD_TAG : FP_MTE_IV_LEN;
	r->dr_suite = k->tk_suite;
	memcpy(r->dr_tx_key_id, id, sizeof(id));
	return 0;
}

/* A new epoch's numbers: RFC 6347 §4.1, each epoch counts from 0. */
static int rule_epoch(struct fp_dtls_rule *r, uint16_t epoch, uint64_t seq_out, bool in_any,
		      uint64_t in_top, const char **err)
{
	if (epoch == 0 || seq_out > FP_DTLS_SEQ_MAX || (in_any && in_top > FP_DTLS_SEQ_MAX)) {
		*err = "epoch 0 or a sequence number past 2^48";
		return -1;
	}
	r->dr_epoch = epoch;
	r->dr_seq_out = seq_out;
	fp_replay_init(&r->dr_replay, FP_DTLS_REPLAY_WINDOW, false);
	if (in_any)
		fp_replay_resume(&r->dr_replay, in_top + 1);
	return 0;
}

static int params_check(const struct fp_dtlsdb *db, const struct fp_dtls_params *p,
			const char **err)
{
	if ((p->local.af != FP_AF_INET && p->local.af != FP_AF_INET6) ||
	    p->remote.af != p->local.af) {
		*err = "endpoints not both IPv4 or both IPv6";
		return -1;
	}
	if (!p->local_port || !p->remote_port) {
		*err = "port 0";
		return -1;
	}
	if (db->db_count == db->db_cap) {
		*err = "DTLS rule table full";
		return -1;
	}
	if (fp_dtls_lookup(db, &p->remote, p->remote_port, &p->local, p->local_port) !=
	    FP_DTLS_NONE) {
		*err = "a rule for this 6-tuple exists";
		return -1;
	}
	return 0;
}

static uint32_t free_slot(const struct fp_dtlsdb *db)
{
	for (uint32_t i = 0; i < db->db_cap; i++)
		if (!db->db_rule[i].dr_live)
			return i;
	return FP_DTLS_NONE;
}

int fp_dtls_install(struct fp_dtlsdb *db, const struct fp_dtls_params *p, uint32_t *id,
		    const char **err)
{
	static const char *dummy;
	if (!err)
		err = &dummy;
	if (params_check(db, p, err) < 0)
		return -1;
	uint32_t i = free_slot(db);
	struct fp_dtls_rule *r = &db->db_rule[i];
	memset(r, 0, sizeof(*r));
	if (rule_epoch(r, p->epoch, p->seq_out, p->seq_in_any, p->seq_in_top, err) < 0 ||
	    rule_keys(db, r, &p->keys, err) < 0) {
		fp_crypto_cleanse(r, sizeof(*r));
		return -1;
	}
	r->dr_af = p->local.af;
	r->dr_inner_af = p->inner.af;
	memcpy(r->dr_inner, p->inner.a, 16);
	r->dr_inner6_set = p->inner.af == FP_AF_INET && p->inner6.af == FP_AF_INET6;
	memcpy(r->dr_inner6, p->inner6.a, 16);
	r->dr_tag = p->tag;
	tuple_make(&r->dr_tuple, &p->remote, p->remote_port, &p->local, p->local_port);
	fp_dtls_hdr_template(r, p->ttl);
	r->dr_live = true;
	r->dr_held = p->held;
	db->db_held += p->held;
	cam_link(db, i);
	db->db_count++;
	*id = i;
	return 0;
}

/* The client's new end: checked first (apply false), applied once
 * nothing else of the update can fail. */
static int update_peer(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_update *u,
		       bool apply, const char **err)
{
	struct fp_dtls_rule *r = &db->db_rule[id];
	struct fp_dtls_tuple t;
	struct fp_addr local = { .af = r->dr_af };

	memcpy(local.a, r->dr_tuple.t_local, 16);
	if (u->remote.af != r->dr_af || !u->remote_port) {
		*err = "the client's new address is not of the rule's family";
		return -1;
	}
	tuple_make(&t, &u->remote, u->remote_port, &local, r->dr_tuple.t_lport);
	uint32_t other = fp_dtls_cam_find(db, &t);
	if (other != FP_DTLS_NONE && other != id) {
		*err = "a rule for this 6-tuple exists";
		return -1;
	}
	if (!apply)
		return 0;
	cam_unlink(db, id);
	r->dr_tuple = t;
	cam_link(db, id);
	fp_dtls_hdr_template(r, r->dr_af == FP_AF_INET ? r->dr_hdr[8] : r->dr_hdr[7]);
	return 0;
}

/* New numbers under the same keys would send a nonce twice: the same
 * session's keys only move to a higher epoch (a new session's keys, of
 * a new handshake, start again at epoch 1). */
static bool update_same_keys(const struct fp_dtls_rule *r, const struct fp_dtls_update *u,
			     const char **err)
{
	struct fp_crypto_key ck;
	uint8_t id[FP_CRYPTO_KEY_ID_LEN];

	if (u->epoch > r->dr_epoch || crypto_key(&u->keys.tk_tx, &ck, err) < 0)
		return false; /* bad keys: refused by rule_keys with their own reason */
	fp_crypto_key_id(&ck, id);
	fp_crypto_cleanse(&ck, sizeof(ck));
	if (fp_crypto_memcmp(id, r->dr_tx_key_id, sizeof(id)))
		return false;
	*err = "the rule's own keys again at an epoch not above its own";
	return true;
}

/* All or nothing: what can fail is checked or built before anything of
 * the rule changes. */
int fp_dtls_update(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_update *u,
		   const char **err)
{
	static const char *dummy;
	struct fp_dtls_rule *r = fp_dtls_rule_get(db, id);
	struct fp_dtls_rule next;
	bool keys = u->fields & FP_DTLS_UPD_KEYS, peer = u->fields & FP_DTLS_UPD_PEER;

	if (!err)
		err = &dummy;
	if (!r) {
		*err = "no such DTLS rule";
		return -1;
	}
	if ((keys && update_same_keys(r, u, err)) || (peer && update_peer(db, id, u, false, err) < 0))
		return -1;
	if (keys) {
		next = *r;
		if (rule_epoch(&next, u->epoch, u->seq_out, u->seq_in_any, u->seq_in_top, err) < 0 ||
		    rule_keys(db, r, &u->keys, err) < 0) /* swaps r's crypto only on success */
			return -1;
		r->dr_epoch = next.dr_epoch;
		r->dr_seq_out = next.dr_seq_out;
		r->dr_replay = next.dr_replay;
		fp_crypto_cleanse(&next, sizeof(next));
	}
	if (peer)
		update_peer(db, id, u, true, err);
	return 0;
}

int fp_dtls_delete(struct fp_dtlsdb *db, uint32_t id)
{
	struct fp_dtls_rule *r = fp_dtls_rule_get(db, id);
	if (!r)
		return -1;
	cam_unlink(db, id);
	db->db_held -= r->dr_held;
	struct rule_crypto rx = { r->dr_rx_cs, r->dr_rx_mte }, tx = { r->dr_tx_cs, r->dr_tx_mte };
	crypto_free(&rx);
	crypto_free(&tx);
	fp_crypto_cleanse(r, sizeof(*r));
	db->db_count--;
	return 0;
}

int fp_dtls_query(const struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_rule_stats *out)
{
	if (id >= db->db_cap || !db->db_rule[id].dr_live)
		return -1;
	const struct fp_dtls_rule *r = &db->db_rule[id];
	*out = r->dr_cnt;
	out->seq_out = r->dr_seq_out;
	out->seq_in_top = r->dr_replay.top;
	out->epoch = r->dr_epoch;
	out->suite = r->dr_suite;
	return 0;
}

int fp_dtls_export(const struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_state *st)
{
	if (id >= db->db_cap || !db->db_rule[id].dr_live)
		return -1;
	const struct fp_dtls_rule *r = &db->db_rule[id];
	memset(st, 0, sizeof(*st));
	st->epoch = r->dr_epoch;
	st->seq_out = r->dr_seq_out;
	st->replay.top = r->dr_replay.top;
	memcpy(st->replay.bits, r->dr_replay.bits, sizeof(st->replay.bits));
	st->ip_id = r->dr_ip_id;
	return fp_dtls_query(db, id, &st->cnt);
}

int fp_dtls_import(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_state *st)
{
	struct fp_dtls_rule *r = fp_dtls_rule_get(db, id);
	if (!r || st->epoch != r->dr_epoch)
		return -1;
	if (st->seq_out > r->dr_seq_out)
		r->dr_seq_out = st->seq_out;
	if (st->replay.top >= r->dr_replay.top) { /* the same ring size: 64 + one spare word */
		r->dr_replay.top = st->replay.top;
		memcpy(r->dr_replay.bits, st->replay.bits, sizeof(st->replay.bits));
	}
	r->dr_ip_id = st->ip_id;
	r->dr_cnt = st->cnt;
	db->db_held -= r->dr_held;
	r->dr_held = false;
	return 0;
}
