/* Temporary file, fsync, rename, fsync of the directory (atomicfile.h). */
#include "common/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <string.h>
#include <unistd.h>

#define ATOMICFILE_BUF 16384

/* A fresh temporary file: one left by a crash (or put there by someone
 * else) is removed, never written through. */
static int atomicfile_open(const char *tmp)
{
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	return open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* fd filled, flushed and on disk, then closed: 0, or -1 with errno. */
static int atomicfile_fill(int fd, fp_atomicfile_fill_fn fill, const void *arg)
{
	char buf[ATOMICFILE_BUF];
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	errno = 0;
	int rc = fill(f, arg) == 0 && fflush(f) == 0 && !ferror(f) && fsync(fd) == 0 ? 0 : -1;
	int saved = errno ? errno : EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -1, saved = errno;
	OPENSSL_cleanse(buf, sizeof(buf)); /* stdio's own would be freed with the keys in it */
	errno = saved;
	return rc;
}

/* The rename is durable once the directory is on disk too. */
static int atomicfile_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path); /* the caller checked the length */
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int fp_atomicfile_write(const char *path, fp_atomicfile_fill_fn fill, const void *arg,
			enum fp_atomicfile_dir dir, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "file name too long: %.64s...", path);
		return -1;
	}
	int fd = atomicfile_open(tmp);
	if (fd < 0 || atomicfile_fill(fd, fill, arg) < 0) {
		int e = errno;
		if (fd >= 0)
			unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(e));
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (atomicfile_sync_dir(path) < 0 && dir == FP_ATOMICFILE_DIR_REQUIRED) {
		snprintf(err, errlen, "cannot sync the directory of %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
