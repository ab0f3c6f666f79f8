/* Sequence numbers across restarts: the state file (seqfile.h) read back
 * as written, every malformed line refused with its file and line, and the
 * gateway side (seqkeep.h): a restart goes on from the saved block, a key
 * change starts over, and a block reaches the SA only once it is on disk. */
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
		struct fp_seqfile_entry *e = &a.sf_e[a.sf_n++];
		snprintf(e->se_map, sizeof(e->se_map), "map-%u", i);
		e->se_map_seq = 10 * i;
		e->se_out = (struct fp_seqfile_dir){.sd_spi = 0x1001 + i, .sd_seq = UINT64_MAX - i};
		e->se_in = (struct fp_seqfile_dir){.sd_spi = 0xffffffffu - i, .sd_seq = i};
		memset(e->se_out.sd_key_id, 0xa0 + (int)i, sizeof(e->se_out.sd_key_id));
		memset(e->se_in.sd_key_id, (int)i, sizeof(e->se_in.sd_key_id));
	}
	assert_int_equal(fp_seqfile_save(&a, d.path, err, sizeof(err)), 0);
	assert_int_equal(stat(d.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fp_seqfile_load(&b, d.path, err, sizeof(err)), 0);
	assert_int_equal(b.sf_n, 3);
	for (unsigned i = 0; i < 3; i++) { /* field by field: padding is not the file's */
		const struct fp_seqfile_entry *x = &a.sf_e[i], *y = &b.sf_e[i];
		const struct fp_seqfile_dir *xd[2] = {&x->se_out, &x->se_in}, *yd[2] = {&y->se_out, &y->se_in};
		assert_string_equal(x->se_map, y->se_map);
		assert_int_equal(x->se_map_seq, y->se_map_seq);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(xd[k]->sd_spi, yd[k]->sd_spi);
			assert_true(xd[k]->sd_seq == yd[k]->sd_seq);
			assert_memory_equal(xd[k]->sd_key_id, yd[k]->sd_key_id, FP_CRYPTO_KEY_ID_LEN);
		}
	}
	assert_non_null(fp_seqfile_find(&b, "map-2", 20));
	assert_null(fp_seqfile_find(&b, "map-2", 10));
	/* a missing file is a first start, not an error */
	assert_int_equal(fp_seqfile_load(&b, "/nonexistent/x.state", err, sizeof(err)), 0);
	assert_int_equal(b.sf_n, 0);
	/* one that cannot be read is an error naming it */
	assert_int_equal(fp_seqfile_load(&b, d.dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, d.dir));
	tmp_remove(&d);
}

#define ID "0123456789abcdef0123456789abcdef"
#define GOOD "CM 10 out 0x00001001 " ID " 4194304 in 0x00002001 " ID " 17\n"

/* Each refused with "PATH:LINE: what": never a fresh start from a file
 * that says something fpvpnd cannot read. */
static const struct {
	const char *text;
	unsigned line;
	const char *why;
} bad_files[] = {
	{"# header\n" GOOD "CM 10 out\n", 3, "expected MAP SEQ"},
	{"CM x out 0x1001 " ID " 1 in 0x2001 " ID " 1\n", 1, "bad crypto map sequence"},
	{"CM 10 up 0x1001 " ID " 1 in 0x2001 " ID " 1\n", 1, "expected 'out'"},
	{"CM 10 out 0x1001 " ID " 1 on 0x2001 " ID " 1\n", 1, "expected 'in'"},
	{"CM 10 out 1001 " ID " 1 in 0x2001 " ID " 1\n", 1, "bad SPI"},
	{"CM 10 out 0x100000000 " ID " 1 in 0x2001 " ID " 1\n", 1, "bad SPI"},
	{"CM 10 out 0x1001 0123 1 in 0x2001 " ID " 1\n", 1, "bad key id"},
	{"CM 10 out 0x1001 " ID "zz 1 in 0x2001 " ID " 1\n", 1, "bad key id"},
	{"CM 10 out 0x1001 " ID " -1 in 0x2001 " ID " 1\n", 1, "bad sequence number"},
	{"CM 10 out 0x1001 " ID " 18446744073709551616 in 0x2001 " ID " 1\n", 1, "bad sequence number"},
	{"CM 10 out 0x1001 " ID " 12x in 0x2001 " ID " 1\n", 1, "bad sequence number"},
	{"CM 10 out 0x1001 " ID " 1 in 0x2001 " ID " 1 extra\n", 1, "expected MAP SEQ"},
	{GOOD "\n" GOOD, 3, "listed twice"},
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
		assert_int_equal(sf.sf_n, 0);
	}
	/* a line longer than any fpvpnd writes */
	char long_line[700];
	memset(long_line, 'x', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	file_put(d.path, long_line);
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: line too long"));
	file_put(d.path, "# comment\n\n  \n" GOOD);
	assert_int_equal(fp_seqfile_load(&sf, d.path, err, sizeof(err)), 0);
	assert_int_equal(sf.sf_n, 1);
	assert_int_equal(sf.sf_e[0].se_out.sd_seq, 4194304);
	assert_int_equal(sf.sf_e[0].se_in.sd_seq, 17);
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
	assert_non_null(strstr(file_get(d.path), " 100 in 0x00001001 "));
	assert_null(strstr(file_get(d.path), K36)); /* never a key */
	assert_null(strstr(file_get(d.path), K36B));
	/* under half used: nothing to do; past half: the next block */
	sent_up_to(gw, 40);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 0);
	sent_up_to(gw, 51);
	received_up_to(gw, 77);
	assert_int_equal(fp_seqkeep_tick(&k, gw), 1);
	assert_int_equal(out_limit(gw), 51 + BLOCK);
	assert_non_null(strstr(file_get(d.path), " 151 in 0x00001001 "));
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
 * and SPI, goes on. Another crypto map's saved line is kept. */
static void test_keep_key_change(void **state)
{
	(void)state;
	struct tmpdir d;
	static struct fp_seqkeep k;
	char err[256], conf[4096];
	tmp_make(&d);
	struct fp_gw *gw = keep_gw(site_a_mirror, &k, d.path);
	sent_up_to(gw, 90);
	received_up_to(gw, 33);
	assert_int_equal(fp_seqkeep_stop(&k, gw, err, sizeof(err)), 0);
	gw_free(gw);
	FILE *f = fopen(d.path, "a");
	fputs("GONE 5 out 0x00000400 " ID " 7 in 0x00000401 " ID " 8\n", f);
	fclose(f);

	/* the outbound key of site_a_mirror, changed in its first byte */
	snprintf(conf, sizeof(conf), "%s", site_a_mirror);
	char *key = strstr(conf, "outbound esp 8193 cipher ") + strlen("outbound esp 8193 cipher ");
	key[0] = key[0] == 'a' ? 'b' : 'a';
	gw = keep_gw(conf, &k, d.path);
	assert_int_equal(k.sk_continued, 1); /* inbound only */
	assert_int_equal(out_seq(gw), 0);
	assert_int_equal(out_limit(gw), BLOCK);
	assert_int_equal(fp_sa_seq_peek(tun(gw)->pipe->db, tun(gw)->sa_in), 33);
	assert_non_null(strstr(file_get(d.path), "GONE 5 out 0x00000400 " ID " 7 "));
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
	assert_int_equal(sf.sf_e[0].se_out.sd_seq, BLOCK + BLOCK);
	assert_true(sf.sf_e[0].se_out.sd_seq >= out_limit(gw));
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
	file_put(d.path, GOOD "CM 20 out 0x1\n");
	struct fp_gw *gw = gw_from(site_a_mirror, "");
	assert_int_equal(fp_seqkeep_start(&k, gw, d.path, BLOCK, err, sizeof(err)), -1);
	assert_non_null(strstr(err, d.path));
	assert_non_null(strstr(err, ":2: "));
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
	snprintf(line, sizeof(line), " %u in ", UINT32_MAX);
	assert_non_null(strstr(file_get(d.path), line));
	gw_free(gw);
	tmp_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_corrupt),
		cmocka_unit_test(test_keep_restart),
		cmocka_unit_test(test_keep_key_change),
		cmocka_unit_test(test_keep_reserve_before_limit),
		cmocka_unit_test(test_keep_corrupt_refuses),
		cmocka_unit_test(test_keep_block_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
