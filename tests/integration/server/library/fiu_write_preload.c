/* A libfiu failure point on write(2) only, for REQ-18's disk-full test (SPDX: GPL-3.0-or-later).
 *
 * libfiu's own POSIX preload (`fiu-run -x`) also wraps malloc/realloc; when a Python extension
 * with thread-local storage (pedalboard_native) is loaded, the malloc wrapper's TLS access makes
 * glibc resize the DTV through the wrapped realloc and the process aborts with a double free.
 * This wrapper has the same failure point name and errno handling, and nothing else.
 * Built with -DFIU_ENABLE (without it <fiu.h> turns fiu_fail into a stub that never fails).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fiu.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);

	if (real_write == NULL)
		real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fiu_fail("posix/io/rw/write")) {
		void *info = fiu_failinfo();
		errno = info != NULL ? (int)(long)info : EIO;
		return -1;
	}
	return real_write(fd, buf, count);
}
