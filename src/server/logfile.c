/* logfile.c - log files opened without following links, created with a known owner and mode. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfile.h"

#define LOGFILE_MODE 0640
/* setgid: files the service creates after the drop (a new day, a rotation) inherit adm. */
#define LOGFILE_DIR_MODE 02750

/* Set once by main() before threads start (logfile_set_owner()), then only read. */
static uid_t logfile_uid = (uid_t)-1;
static gid_t logfile_gid = (gid_t)-1;

void
logfile_set_owner(uid_t uid, gid_t gid)
{
    logfile_uid = uid;
    logfile_gid = gid;
}

gid_t
logfile_group(gid_t gid)
{
    char buf[4096];
    struct group gr, *res = NULL;

    /* Debian: adm reads the system's logs (/var/log/syslog, nginx's, apache2's). */
    if (getgrnam_r("adm", &gr, buf, sizeof(buf), &res) == 0 && res != NULL)
        return res->gr_gid;
    return gid;
}

/* Gives a file or directory certmapd just created to the log owner. 0, or -1 and errno. */
static int
give(int fd, mode_t mode)
{
    /* Only root gives files away; after the drop the directory's setgid bit sets the group. */
    if (geteuid() == 0 && (logfile_uid != (uid_t)-1 || logfile_gid != (gid_t)-1) &&
        fchown(fd, logfile_uid, logfile_gid) != 0)
        return -1;
    /* open() and mkdir() applied the umask; the mode documented is the mode wanted. */
    return fchmod(fd, mode);
}

int
logfile_open(const char *path, struct certmap_error *err)
{
    const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
    struct stat st;
    int fd, tries;

    for (tries = 0; tries < 2; tries++) {
        fd = open(path, flags | O_CREAT | O_EXCL, LOGFILE_MODE);
        if (fd >= 0) {
            if (give(fd, LOGFILE_MODE) != 0) {
                certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                                  "cannot give the new log file its owner and mode 0640: %s",
                                  strerror(errno));
                goto fail;
            }
            return fd;
        }
        if (errno != EEXIST)
            break;
        fd = open(path, flags);
        if (fd >= 0 || errno != ENOENT)
            break; /* ENOENT: removed between the two opens, create it again */
    }
    if (fd < 0) {
        if (errno == ELOOP)
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                              "is a symbolic link, not followed (a log is never written through "
                              "a link: remove it)");
        else
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot open: %s",
                              strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                          "not a regular file: not used as a log");
        goto fail;
    }
    /* A hard link to another file would redirect the appends as a symbolic link does. */
    if (st.st_nlink != 1) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                          "has %lu hard links: not used as a log (it may be another file)",
                          (unsigned long)st.st_nlink);
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

int
logfile_mkdirs(const char *dir)
{
    char tmp[PATH_MAX];
    size_t i, len = strlen(dir);
    int fd;

    if (len == 0 || len >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(tmp, dir, len + 1);
    for (i = 1; i <= len; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        tmp[i] = '\0';
        if (mkdir(tmp, LOGFILE_DIR_MODE) == 0) {
            fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0)
                return -1;
            if (give(fd, LOGFILE_DIR_MODE) != 0) {
                close(fd);
                return -1;
            }
            close(fd);
        } else if (errno != EEXIST) {
            return -1;
        }
        tmp[i] = dir[i];
    }
    return 0;
}
