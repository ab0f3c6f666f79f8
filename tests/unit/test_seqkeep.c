/* Sequence numbers across restarts: the state file (seqfile.h) read back
 * as written, every malformed line (and an older fpvpnd's file) refused
 * with its file and line, and the gateway side (seqkeep.h): a restart goes
 * on from the saved block, whatever map, entry or SPI the key had before;
 * a new key starts over, an old one back goes on; two entries with one
 * outbound key are refused; the history is bounded; a block reaches the SA
 * only once it is on disk. */
#include <sys/stat.h>

#include "gw_fixture.h"
#include "datapath/seqkeep.h"

#define BLOCK 100u

struct tmpdir {
	char dir[64];
	char path[128];
};

static void tmp_make(struct tmpdir *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/test_seqkeep_XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/a.conf.state", d->dir);
}

static void tmp_remove(struct tmpdir *d)
{
	unlink(d->path);
	rmdir(d->dir);
}

static void file_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *file_get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void rec_fill(struct fp_seqfile_rec *r, uint32_t spi, unsigned n, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	r->sr_spi = spi;
	memcpy(r->sr_key_id, &n, sizeof(n)); /* n distinct ids */
	r->sr_key_id[FP_CRYPTO_KEY_ID_LEN - 1] = 0xee;
	r->sr_seq = seq;
}

static void test_file_roundtrip(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqfile a, b;
	char err[256];
	struct stat st;
	tmp_make(&d);
	memset(&a, 0, sizeof(a));
	for (unsigned i = 0; i < 3; i++) {
		rec_fill(&a.sf_out[a.sf_n_out++], 0, i, UINT64_MAX - i);
		rec_fill(&a.sf_in[a.sf_n_in++], 0xffffffffu - i, 100 + i, i);
	}
	assert_int_equal(fp_seqfile_save(&a, d.path, err, sizeof(err)), 0);
	assert_int_equal(stat(d.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(strstr(file_get(d.path), "\nversion 2\nout "));
	assert_int_equal(fp_seqfile_load(&b, d.path, err, sizeof(err)), 0);
	assert_int_equal(b.sf_n_out, 3);
	assert_int_equal(b.sf_n_in, 3);
	for (unsigned i = 0; i < 3; i++) { /* field by field: padding is not the file's */
		const struct fp_seqfile_rec *x[2] = {&a.sf_out[i], &a.sf_in[i]}, *y[2] = {&b.sf_out[i], &b.sf_in[i]};
		for (int k = 0; k < 2; k++) {
			assert_int_equal(x[k]->sr_spi, y[k]->sr_spi);
			assert_true(x[k]->sr_seq == y[k]->sr_seq);
			assert_memory_equal(x[k]->sr_key_id, y[k]->sr_key_id, FP_CRYPTO_KEY_ID_LEN);
		}
	}
	assert_ptr_equal(fp_seqfile_find_out(&b, a.sf_out[2].sr_key_id), &b.sf_out[2]);
	assert_null(fp_seqfile_find_out(&b, a.sf_in[2].sr_key_id));
	assert_ptr_equal(fp_seqfile_find_in(&b, 0xfffffffdu, a.sf_in[2].sr_key_id), &b.sf_in[2]);
	assert_null(fp_seqfile_find_in(&b, 0xfffffffcu, a.sf_in[2].sr_key_id));
	/* a missing file is a first start, not an error */
	assert_int_equal(fp_seqfile_load(&b, "/nonexistent/x.state", err, sizeof(err)), 0);
	assert_int_equal(b.sf_n_out + b.sf_n_in, 0);
	/* one that cannot be read is an error naming it */
	assert_int_equal(fp_seqfile_load(&b, d.dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, d.dir));
	tmp_remove(&d);
}

/* The temporary file is made anew: a link put where it goes is removed,
 * never written through, and what it pointed to is left alone. */
static void test_file_tmp_link(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqfile a, b;
	char err[256], tmp[160], victim[160];
	struct stat st;
	tmp_make(&d);
	memset(&a, 0, sizeof(a));
	rec_fill(&a.sf_out[a.sf_n_out++], 0, 1, 42);
	snprintf(tmp, sizeof(tmp), "%s.tmp", d.path);
	snprintf(victim, sizeof(victim), "%s/victim", d.dir);
	file_put(victim, "not yours\n");
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(fp_seqfile_save(&a, d.path, err, sizeof(err)), 0);
	assert_string_equal(file_get(victim), "not yours\n");
	assert_int_equal(lstat(d.path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(lstat(tmp, &st), -1);
	assert_int_equal(fp_seqfile_load(&b, d.path, err, sizeof(err)), 0);
	assert_int_equal(b.sf_out[0].sr_seq, 42);
	/* nowhere to write: the error names the temporary file */
	assert_int_equal(fp_seqfile_save(&a, "/nonexistent/x.state", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write /nonexistent/x.state.tmp: "));
	unlink(victim);
	tmp_remove(&d);
}

#define ID "0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210"
#define V2 "version 2\n"
#define GOOD V2 "out " ID " 4194304\nin 0x00002001 " ID " 17\n"

/* Each refused with "PATH:LINE: what": never a fresh start from a file
 * that says something fpvpnd cannot read. */
static const struct {
	const char *text;
	unsigned line;
	const char *why;
} bad_files[] = {
	{"# header\n" GOOD "out\n", 5, "expected out KEY-ID LAST"},
	{V2 "out " ID "\n", 2, "expected out KEY-ID LAST"},
	{V2 "in 0x1001 " ID "\n", 2, "expected in SPI KEY-ID TOP"},
	{V2 "up " ID " 1\n", 2, "expected 'out' or 'in'"},
	{V2 "version 2\n", 2, "expected 'out' or 'in'"},
	{V2 "in 1001 " ID " 1\n", 2, "bad SPI"},
	{V2 "in 0x100000000 " ID " 1\n", 2, "bad SPI"},
	{V2 "out 0123 1\n", 2, "bad key id"},
	{V2 "out " ID "zz 1\n", 2, "bad key id"},
	{V2 "out " ID " -1\n", 2, "bad sequence number"},
	{V2 "out " ID " 18446744073709551616\n", 2, "bad sequence number"},
	{V2 "in 0x1 " ID " 12x\n", 2, "bad sequence number"},
	{V2 "out " ID " 1 extra\n", 2, "expected out KEY-ID LAST"},
	{V2 "in 0x1 " ID " 1 extra more\n", 2, "too many words"},
	{GOOD "\nout " ID " 5\n", 5, "outbound key id listed twice"},
	{GOOD "in 0x00002001 " ID " 5\n", 4, "inbound SPI and key id listed twice"},
	/* an older fpvpnd's, one per crypto map entry: its history may be short */
	{"# old\nCM 10 out 0x00001001 " ID " 4194304 in 0x00002001 " ID " 17\n", 2,
	 "no 'version 2' line: written by an older fpvpnd"},
	{"out " ID " 1\n", 1, "change the manual keys on both sides, then remove this file"},
	{"", 0, "no 'version 2' line"},
	{"# only a comment\n", 1, "no 'version 2' line"},
	{"version 3\n", 1, "not version 2"},
	{"version\n", 1, "not version 2"},
};

static void test_file_corrupt(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqfile sf;
	char err[256], want[256];
	tmp_make(&d);
	for (unsigned i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		file_put(d.path, bad_files[i].text);
		err[0] = '\0';
		assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:%u: ", d.path, bad_files[i].line);
		if (!strstr(err, want) || !strstr(err, bad_files[i].why))
			fprintf(stderr, "case %u: got '%s'\n", i, err);
		assert_non_null(strstr(err, want));
		assert_non_null(strstr(err, bad_files[i].why));
		assert_int_equal(sf.sf_n_out + sf.sf_n_in, 0);
	}
	/* a line longer than any fpvpnd writes */
	char long_line[700];
	memset(long_line, 'x', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	file_put(d.path, long_line);
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: line too long"));
	file_put(d.path, "# comment\n\n  \n" GOOD "out " ID2 " 9\n");
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), 0);
	assert_int_equal(sf.sf_n_out, 2);
	assert_int_equal(sf.sf_n_in, 1);
	assert_int_equal(sf.sf_out[0].sr_seq, 4194304);
	assert_int_equal(sf.sf_out[1].sr_seq, 9);
	assert_int_equal(sf.sf_in[0].sr_spi, 0x2001);
	assert_int_equal(sf.sf_in[0].sr_seq, 17);
	tmp_remove(&d);
}

static const struct fp_gw_tunnel *tun(const struct fp_gw *gw)
{
	return &gw->tunnels[0];
}

static uint64_t out_seq(const struct fp_gw *gw)
{
	return fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_out);
}

static uint64_t out_limit(const struct fp_gw *gw)
{
	struct fp_sa_state st;
	assert_int_equal(fp_sa_export(tun(gw)->pipe->db, tun(gw)->sa_out, &st), 0);
	return st.seq_limit;
}

/* A gateway from conf whose sequence state started from path. */
static struct fp_gw *keep_gw(const char *conf, struct fp_seqkeep *k, const char *path)
{
	char err[256] = "";
	struct fp_gw *gw = gw_from(conf, "");
	int rc = fp_seqkeep_start(k, gw, path, BLOCK, err, sizeof(err));
	if (rc)
		fprintf(stderr, "seqkeep: %s\n", err);
	assert_int_equal(rc, 0);
	return gw;
}

/* The SA's sequence number moves as if it had sent up to seq. */
static void sent_up_to(struct fp_gw *gw, uint64_t seq)
{
	assert_int_equal(fp_sa_seq_resume(tun(gw)->pipe->db, tun(gw)->sa_out, seq), 0);
}

static void received_up_to(struct fp_gw *gw, uint64_t seq)
{
	assert_int_equal(fp_sa_seq_resume(tun(gw)->pipe->db, tun(gw)->sa_in, seq), 0);
}

/* A run of conf from the state at path: sent up to out, received up to
 * in, then a clean stop. */
static void run_stopped(const char *conf, const char *path, uint64_t out, uint64_t in)
{
	static struct fp_seqkeep k;
	char err[256];
	struct fp_gw *gw = keep_gw(conf, &k, path);
	sent_up_to(gw, out);
	received_up_to(gw, in);
	assert_int_equal(fp_seqkeep_stop(&k, gw, err, sizeof(err)), 0);
	gw_free(gw);
}

/* First start, crash, restart: the restarted SA goes on after the block. */
static void test_keep_restart(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char err[256];
	tmp_make(&d);
	struct fp_gw *gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(k.sk_continued, 0);
	assert_int_equal(out_limit(gw), BLOCK);
	assert_non_null(strstr(file_get(d.path), " 100\nin 0x00001001 "));
	assert_null(strstr(file_get(d.path), K36)); /* never a key */
	assert_null(strstr(file_get(d.path), K36B));
	/* under half used: nothing to do; past half: the next block */
	sent_up_to(gw, 40);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 0);
	sent_up_to(gw, 51);
	received_up_to(gw, 77);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 1);
	assert_int_equal(out_limit(gw), 51 + BLOCK);
	assert_non_null(strstr(file_get(d.path), " 151\nin 0x00001001 "));
	assert_non_null(strstr(file_get(d.path), " 77\n"));
	sent_up_to(gw, 120); /* then a crash: no stop */
	gw_free(gw);

	gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(k.sk_continued, 1);
	assert_int_equal(out_seq(gw), 151); /* the next packet is 152: above all sent */
	assert_int_equal(out_limit(gw), 151 + BLOCK);
	assert_int_equal(fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_in), 77);
	/* a clean stop writes the exact number: a clean restart skips nothing */
	sent_up_to(gw, 160);
	assert_int_equal(fp_seqkeep_stop(&k, gw, err, sizeof(err)), 0);
	gw_free(gw);
	gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(out_seq(gw), 160);
	gw_free(gw);
	tmp_remove(&d);
}

/* A new outbound key starts at 1 again; the inbound direction, same key
 * and SPI, goes on. Keys no tunnel uses now are kept. */
static void test_keep_key_change(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char conf[4096];
	tmp_make(&d);
	run_stopped(site_a_mirror, d.path, 90, 33);
	FILE *f = fopen(d.path, "a");
	fputs("out " ID " 7\nin 0x00000401 " ID " 8\n", f);
	fclose(f);

	/* the outbound key of site_a_mirror, changed in its first byte */
	snprintf(conf, sizeof(conf), "%s", site_a_mirror);
	char *key = strstr(conf, "outbound esp 8193 cipher ") + strlen("outbound esp 8193 cipher ");
	key[0] = key[0] == 'a' ? 'b' : 'a';
	struct fp_gw *gw = keep_gw(conf, &k, d.path);
	assert_int_equal(k.sk_continued, 1); /* inbound only */
	assert_int_equal(out_seq(gw), 0);
	assert_int_equal(out_limit(gw), BLOCK);
	assert_int_equal(fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_in), 33);
	assert_non_null(strstr(file_get(d.path), "out " ID " 7\n"));
	assert_non_null(strstr(file_get(d.path), "in 0x00000401 " ID " 8\n"));
	gw_free(gw);
	tmp_remove(&d);
}

/* The order that makes a crash safe: a block the file does not hold yet
 * never reaches the SA. With the save failing the limit stays and the
 * engine drops what is past it; once the file can be written the block is
 * saved first, and what is on disk is never below the SA's limit. */
static void test_keep_reserve_before_limit(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	static struct fp_seqfile sf;
	char err[256];
	tmp_make(&d);
	struct fp_gw *gw = keep_gw(site_a_mirror, &k, d.path);
	sent_up_to(gw, 70);
	unlink(d.path);
	assert_int_equal(rmdir(d.dir), 0); /* nowhere to write */
	assert_int_equal(fp_seqkeep_tick(&k, gw), -1);
	assert_int_equal(out_limit(gw), BLOCK);
	assert_int_equal(k.sk_save_failed, 1);
	sent_up_to(gw, BLOCK);
	/* the next packet is past the block: dropped, never sent */
	struct fp_pkt *v[1] = {NULL};
	static const uint8_t ping[] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0,
				       10, 1, 0, 5, 10, 2, 0, 9, 8, 0, 0xf7, 0xff, 0, 0, 0, 0};
	v[0] = aligned_alloc(64, sizeof(*v[0]));
	fp_pkt_reset(v[0]);
	memcpy(fp_pkt_put(v[0], sizeof(ping)), ping, sizeof(ping));
	v[0]->sa = tun(gw)->sa_out;
	v[0]->rule = tun(gw)->rule;
	assert_int_equal(fp_esp_outb_process(tun(gw)->pipe, v, 1), 0);
	assert_int_equal(v[0]->drop, FP_DROP_SEQ_UNRESERVED);
	assert_int_equal(fp_gw_drop_count(gw, FP_DROP_SEQ_UNRESERVED), 1);
	free(v[0]);
	/* the directory is back: saved, then raised */
	assert_int_equal(mkdir(d.dir, 0700), 0);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 1);
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), 0);
	assert_int_equal(sf.sf_out[0].sr_seq, BLOCK + BLOCK);
	assert_true(sf.sf_out[0].sr_seq >= out_limit(gw));
	assert_int_equal(out_limit(gw), BLOCK + BLOCK);
	gw_free(gw);
	tmp_remove(&d);
}

/* A corrupt file stops the start, naming the file and line. */
static void test_keep_corrupt_refuses(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char err[256] = "";
	tmp_make(&d);
	file_put(d.path, GOOD "out 0x1\n");
	struct fp_gw *gw = gw_from(site_a_mirror, "");
	assert_int_equal(fp_seqkeep_start(&k, gw, d.path, BLOCK, err, sizeof(err)), -1);
	assert_non_null(strstr(err, d.path));
	assert_non_null(strstr(err, ":4: "));
	gw_free(gw);
	tmp_remove(&d);
}

/* Without ESN the block stops at 2^32-1: exhaustion, never a wrap. */
static void test_keep_block_end(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char line[256];
	tmp_make(&d);
	struct fp_gw *gw = keep_gw(site_a_mirror, &k, d.path);
	sent_up_to(gw, UINT32_MAX - 30);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 1);
	assert_int_equal(out_limit(gw), UINT32_MAX);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 0); /* nothing more to reserve */
	snprintf(line, sizeof(line), " %u\nin ", UINT32_MAX);
	assert_non_null(strstr(file_get(d.path), line));
	gw_free(gw);
	tmp_remove(&d);
}

/* base with every "from" replaced by "to", into out. */
static const char *conf_sub(char *out, size_t n, const char *base, const char *from, const char *to)
{
	size_t used = 0, lf = strlen(from), lt = strlen(to);
	for (const char *p = base; *p;) {
		bool hit = strncmp(p, from, lf) == 0;
		const char *src = hit ? to : p;
		size_t len = hit ? lt : 1;
		assert_true(used + len < n);
		memcpy(out + used, src, len);
		used += len;
		p += hit ? lf : 1;
	}
	out[used] = '\0';
	return out;
}

/* site_a_mirror with its outbound key's first digit changed. */
static const char *conf_key2(char *out, size_t n)
{
	return conf_sub(out, n, site_a_mirror, "esp 8193 cipher a0", "esp 8193 cipher b0");
}

/* What the key had before goes with it, wherever it is configured now: the
 * outbound numbers go on above those sent under the key, the inbound top
 * of the SPI and key stays (the crypto map name and entry are not in the
 * packet). Each was a restart from 1 when the state was found by map name
 * and entry: nonce reuse. */
static const struct {
	const char *what, *from, *to;
	uint64_t in; /* the inbound top after: the same SPI and key go on */
} moved_keys[] = {
	{"entry renumbered CM 10 -> CM 20", "CM 10 ", "CM 20 ", 33},
	{"map renamed CM -> VP", "crypto map CM ", "crypto map VP ", 33},
	{"new outbound SPI 8193 -> 8195", "outbound esp 8193", "outbound esp 8195", 33},
	{"new inbound SPI 4097 -> 4099", "inbound esp 4097", "inbound esp 4099", 0},
};

static void test_keep_follows_key(void **state)
{
	(void)state;
	static struct fp_seqkeep k;
	char conf[4096];
	for (unsigned i = 0; i < sizeof(moved_keys) / sizeof(moved_keys[0]); i++) {
		struct tmpdir d;
		tmp_make(&d);
		run_stopped(site_a_mirror, d.path, 5000, 33);
		struct fp_gw *gw = keep_gw(conf_sub(conf, sizeof(conf), site_a_mirror, moved_keys[i].from, moved_keys[i].to),
			     &k, d.path);
		if (out_seq(gw) != 5000 || fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_in) != moved_keys[i].in)
			fprintf(stderr, "%s: out %llu in %llu\n", moved_keys[i].what,
				(unsigned long long)out_seq(gw),
				(unsigned long long)fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_in));
		assert_int_equal(out_seq(gw), 5000); /* the next packet is 5001 */
		assert_int_equal(out_limit(gw), 5000 + BLOCK);
		assert_int_equal(fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_in), moved_keys[i].in);
		assert_int_equal(k.sk_continued, 1);
		gw_free(gw);
		tmp_remove(&d);
	}
}

/* K1 (sent 1..5000), then K2, then K1 again: K1 goes on at 5001, and K2's
 * numbers are kept for its own return. After a crash too. */
static void test_keep_key_back(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char conf[4096];
	tmp_make(&d);
	run_stopped(site_a_mirror, d.path, 5000, 0);
	struct fp_gw *gw = keep_gw(conf_key2(conf, sizeof(conf)), &k, d.path);
	assert_int_equal(out_seq(gw), 0); /* a new key: from 1 */
	sent_up_to(gw, 300);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 1); /* then a crash: K2's block end saved */
	gw_free(gw);
	gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(out_seq(gw), 5000);
	sent_up_to(gw, 6000);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 1); /* crash again */
	gw_free(gw);
	gw = keep_gw(conf_key2(conf, sizeof(conf)), &k, d.path);
	assert_int_equal(out_seq(gw), 300 + BLOCK);
	gw_free(gw);
	gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(out_seq(gw), 6000 + BLOCK);
	gw_free(gw);
	tmp_remove(&d);
}

/* A second entry, to another peer, under the outbound key of entry 10. */
#define ENTRY_20(out_spi, out_key) \
	"access-list VPN2 extended permit ip 10.1.0.0 255.255.255.0 10.3.0.0 255.255.255.0\n" \
	"crypto map CM 20 match address VPN2\n" \
	"crypto map CM 20 set peer 198.51.100.3\n" \
	"crypto map CM 20 set ikev2 ipsec-proposal GCM\n" \
	"crypto map CM 20 set session-key inbound esp 4099 cipher " K36 "\n" \
	"crypto map CM 20 set session-key outbound esp " out_spi " cipher " out_key "\n"

/* An outbound key that is an inbound key too (another entry's, or the
 * entry's own) is one the peer sends under as well: refused, naming both. */
static void test_keep_key_both_ways_refused(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char err[512] = "";
	tmp_make(&d);
	struct fp_gw *gw = gw_from(site_a_mirror, ENTRY_20("8195", K36));
	assert_int_equal(fp_seqkeep_start(&k, gw, d.path, BLOCK, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "crypto map CM 20: its outbound session key is the inbound "
				    "session key of crypto map CM 10"));
	assert_null(strstr(err, K36));
	gw_free(gw);
	gw = gw_from(site_b, "crypto map CM 10 set session-key outbound esp 4097 cipher " K36B "\n");
	assert_int_equal(fp_seqkeep_start(&k, gw, d.path, BLOCK, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "crypto map CM 10: its outbound session key is the inbound "
				    "session key of crypto map CM 10"));
	assert_int_equal(access(d.path, F_OK), -1);
	gw_free(gw);
	tmp_remove(&d);
}

/* Two entries with one outbound key would both send 1, 2, 3... under it:
 * the start is refused, naming both; with keys of their own both run. */
static void test_keep_shared_key_refused(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char err[512] = "";
	tmp_make(&d);
	struct fp_gw *gw = gw_from(site_a_mirror, ENTRY_20("8195", K36B));
	assert_int_equal(gw->n_tunnels, 2);
	assert_int_equal(fp_seqkeep_start(&k, gw, d.path, BLOCK, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "crypto map CM 10 and crypto map CM 20 have the same outbound session key"));
	assert_null(strstr(err, K36B)); /* never the key */
	assert_int_equal(access(d.path, F_OK), -1);
	gw_free(gw);
	gw = gw_from(site_a_mirror, ENTRY_20("8195", "c0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"));
	assert_int_equal(fp_seqkeep_start(&k, gw, d.path, BLOCK, err, sizeof(err)), 0);
	assert_int_equal(k.sk_file.sf_n_out, 2);
	gw_free(gw);
	tmp_remove(&d);
}

/* The history keeps FP_SEQFILE_KEYS keys of each direction, the most
 * recently used first: a key found last goes first, and with one more
 * than room the one unused the longest falls out. */
static void test_keep_history_bound(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	static struct fp_seqfile sf;
	char err[256];
	uint8_t mine[FP_CRYPTO_KEY_ID_LEN];
	tmp_make(&d);
	struct fp_gw *gw = keep_gw(site_a_mirror, &k, d.path);
	memcpy(mine, k.sk_file.sf_out[0].sr_key_id, sizeof(mine));
	gw_free(gw);
	/* full, with this tunnel's key last */
	memset(&sf, 0, sizeof(sf));
	for (unsigned i = 0; i < FP_SEQFILE_KEYS - 1; i++)
		rec_fill(&sf.sf_out[sf.sf_n_out++], 0, i, 10 + i);
	rec_fill(&sf.sf_out[sf.sf_n_out], 0, 0, 777);
	memcpy(sf.sf_out[sf.sf_n_out++].sr_key_id, mine, sizeof(mine));
	assert_int_equal(fp_seqfile_save(&sf, d.path, err, sizeof(err)), 0);
	gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(out_seq(gw), 777);
	assert_int_equal(k.sk_forgotten, 0);
	gw_free(gw);
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), 0);
	assert_int_equal(sf.sf_n_out, FP_SEQFILE_KEYS);
	assert_memory_equal(sf.sf_out[0].sr_key_id, mine, sizeof(mine));
	assert_int_equal(sf.sf_out[1].sr_seq, 10);
	/* full of others: the last (unused the longest) falls out */
	for (unsigned i = 0; i < FP_SEQFILE_KEYS; i++)
		rec_fill(&sf.sf_out[i], 0, i, 10 + i);
	assert_int_equal(fp_seqfile_save(&sf, d.path, err, sizeof(err)), 0);
	gw = keep_gw(site_a_mirror, &k, d.path);
	assert_int_equal(out_seq(gw), 0);
	assert_int_equal(k.sk_forgotten, 1);
	gw_free(gw);
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), 0);
	assert_int_equal(sf.sf_n_out, FP_SEQFILE_KEYS);
	assert_memory_equal(sf.sf_out[0].sr_key_id, mine, sizeof(mine));
	assert_int_equal(sf.sf_out[1].sr_seq, 10);
	assert_int_equal(sf.sf_out[FP_SEQFILE_KEYS - 1].sr_seq, 10 + FP_SEQFILE_KEYS - 2);
	tmp_remove(&d);
}

/* A --state path longer than fpvpnd keeps is refused, never cut short to
 * another file's name. */
static void test_keep_path_too_long(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	static char path[sizeof(k.sk_path) + 64];
	char err[256] = "", cut[160];
	tmp_make(&d);
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/", d.dir);
	while (n < sizeof(k.sk_path) - 2)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "./");
	n = sizeof(k.sk_path) - 2;
	snprintf(path + n, sizeof(path) - n, "s.state"); /* cut at 4095 bytes: .../s */
	struct fp_gw *gw = gw_from(site_a_mirror, "");
	assert_int_equal(fp_seqkeep_start(&k, gw, path, BLOCK, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "state file name too long"));
	snprintf(cut, sizeof(cut), "%s/s", d.dir);
	assert_int_equal(access(cut, F_OK), -1);
	gw_free(gw);
	unlink(cut);
	tmp_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_tmp_link),
		cmocka_unit_test(test_file_corrupt),
		cmocka_unit_test(test_keep_restart),
		cmocka_unit_test(test_keep_key_change),
		cmocka_unit_test(test_keep_reserve_before_limit),
		cmocka_unit_test(test_keep_corrupt_refuses),
		cmocka_unit_test(test_keep_block_end),
		cmocka_unit_test(test_keep_follows_key),
		cmocka_unit_test(test_keep_key_back),
		cmocka_unit_test(test_keep_shared_key_refused),
		cmocka_unit_test(test_keep_key_both_ways_refused),
		cmocka_unit_test(test_keep_history_bound),
		cmocka_unit_test(test_keep_path_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
