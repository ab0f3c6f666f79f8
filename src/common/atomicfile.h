/* Replacing a file whole: after a crash it holds the old contents or the
 * new, never part of either. Used by write memory (datapath/configure.c)
 * and the sequence state file (datapath/seqfile.c). */
#ifndef FP_ATOMICFILE_H
#define FP_ATOMICFILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the new contents to f: 0, or -1 (errno says why, or f's error
 * flag is set). */
typedef int (*fp_atomicfile_fill_fn)(FILE *f, const void *arg);

/* What a failed fsync of the directory after the rename means. */
enum fp_atomicfile_dir {
	/* nothing: the new file is whole on disk, only its name may be
	 * the old one's after a crash (write memory) */
	FP_ATOMICFILE_DIR_BEST_EFFORT,
	/* an error: the caller must not act as if the new contents were
	 * durable (the sequence state: a block is used only once saved) */
	FP_ATOMICFILE_DIR_REQUIRED,
};

/* Replace path with what fill writes. The temporary file is path + ".tmp"
 * beside it: whatever is there is unlinked, a new one is made with
 * O_EXCL | O_NOFOLLOW and mode 0600 (never a file or link someone put
 * there, never wider than 0600), written through a stdio buffer that is
 * wiped afterwards (the contents may be keys), fsynced, closed and renamed
 * over path; then path's directory is fsynced, as dir says. path is not
 * followed if it is a symbolic link: the link is replaced (resolve it
 * first to replace its target). 0, or -1 with err:
 *   "file name too long: PATH"
 *   "cannot write TMP: WHY"           (path untouched, TMP removed)
 *   "cannot rename TMP to PATH: WHY"  (path untouched, TMP removed)
 *   "cannot sync the directory of PATH: WHY" (FP_ATOMICFILE_DIR_REQUIRED
 *                                     only: path is new, maybe not durable) */
int fp_atomicfile_write(const char *path, fp_atomicfile_fill_fn fill, const void *arg,
			enum fp_atomicfile_dir dir, char *err, size_t errlen);

#endif
