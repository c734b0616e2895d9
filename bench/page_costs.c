/* What a page costs this machine's kernel, beside BENCHMARKS.md's rounds (issue 17): a first
 * touch of fresh anonymous memory (a page fault), and a 4 KiB read of a cached file page by
 * pread (with the zero-fill redb does first) against a copy from an mmap of the file; and what
 * a process's exit costs per page it touched (a child touches 256 MiB and exits: the time from
 * its last touch until its parent's waitpid returns, per page; the kernel frees them first).
 *
 * Usage: cc -O2 bench/page_costs.c -o /tmp/page_costs && /tmp/page_costs FILE
 * FILE: a file of at least 1 GiB, read once first so that its first GiB is in the page cache
 * (the 1 M store's essor.redb in BENCHMARKS.md). Prints microseconds per page, three rounds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Microseconds an exit takes per page of 4 KiB the process had touched. */
static double exit_per_page(void) {
    const size_t size = (size_t)256 << 20;
    int stamp[2];
    if (pipe(stamp) != 0) return -1;
    pid_t child = fork();
    if (child == 0) {
        char *touched = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(touched, size, MADV_NOHUGEPAGE);
        for (size_t at = 0; at < size; at += 4096) touched[at] = 1;
        double t = now();
        if (write(stamp[1], &t, sizeof t) != sizeof t) _exit(1);
        _exit(0);
    }
    double t;
    if (child < 0 || read(stamp[0], &t, sizeof t) != sizeof t) return -1;
    waitpid(child, 0, 0);
    close(stamp[0]);
    close(stamp[1]);
    return (now() - t) / (size / 4096) * 1e6;
}

int main(int argc, char **argv) {
    const size_t region = (size_t)1 << 30, pages = region / 4096;
    const int reads = 46000; /* a 1,000-title round's reads at 1 M */
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    static char chunk[1 << 20];
    for (size_t at = 0; at < region; at += sizeof chunk)
        if (pread(fd, chunk, sizeof chunk, at) <= 0) break;
    char *buf = aligned_alloc(4096, 4096);
    long sum = 0;
    for (int round = 0; round < 3; round++) {
        char *fresh = mmap(0, region, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(fresh, region, MADV_NOHUGEPAGE);
        double t = now();
        for (size_t at = 0; at < region; at += 4096) fresh[at] = 1;
        double faults = (now() - t) / pages * 1e6;
        munmap(fresh, region);

        srand(round + 1);
        t = now();
        for (int i = 0; i < reads; i++) {
            off_t at = (off_t)(rand() % pages) * 4096;
            memset(buf, 0, 4096);
            if (pread(fd, buf, 4096, at) != 4096) return 1;
            sum += buf[7];
        }
        double preads = (now() - t) / reads * 1e6;

        char *mapped = mmap(0, region, PROT_READ, MAP_SHARED, fd, 0);
        double copies[2];
        for (int pass = 0; pass < 2; pass++) {
            srand(round + 1);
            t = now();
            for (int i = 0; i < reads; i++) {
                off_t at = (off_t)(rand() % pages) * 4096;
                memset(buf, 0, 4096);
                memcpy(buf, mapped + at, 4096);
                sum += buf[7];
            }
            copies[pass] = (now() - t) / reads * 1e6;
        }
        munmap(mapped, region);
        printf("fault %.2f us, pread %.2f us, mmap copy %.2f us first, %.2f us mapped, exit %.3f us "
               "a page touched (%ld)\n",
               faults, preads, copies[0], copies[1], exit_per_page(), sum);
    }
    return 0;
}
