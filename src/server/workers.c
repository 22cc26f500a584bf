/* workers.c: the supervisor of the worker processes, and their shared
 * slots (workers.h).
 *
 * The supervisor uses no libuv: it forks, and a process that has run a
 * libuv loop would hand its children that loop's descriptors and signal
 * state. It waits on a signalfd (SIGTERM, SIGINT, SIGHUP, SIGCHLD, all
 * blocked) and on the systemd relay's socket (workers_notify.c) with
 * poll(2), and it never starts a thread, so that every fork is from a
 * single-threaded process. Before forking it has loaded the
 * configuration, the tokens, the keys and the rules (main.c), so that a
 * mistake in any of them stops the start as it would a single server,
 * and so that the workers share those pages until they reload.
 *
 * Each worker gets its own listening socket, bound with SO_REUSEPORT to
 * the same address: the kernel spreads connections over the sockets,
 * where one shared socket would wake every worker for each connection.
 * The supervisor keeps a copy of each socket, so that connections queued
 * on a dead worker's socket wait for its replacement rather than being
 * reset, and closes them all first thing when told to stop. SO_REUSEPORT
 * would let a second modgate join the group unnoticed: the address is
 * first bound without it, which fails as a single server's bind would
 * when anything holds the port. */
#include "workers.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/log.h"
#include "modgate/metrics.h"
#include "server.h"
#include "webhooks.h"
#include "workers_notify.h"

/* A worker that dies is started again after this, doubled each time one
 * dies within RESTART_STABLE_MS of its start (a crash loop backs off), up
 * to RESTART_MAX_MS. */
#define RESTART_MIN_MS 100
#define RESTART_MAX_MS 10000
#define RESTART_STABLE_MS 10000
/* The supervisor's turn when no signal or message comes: restarts due. */
#define TICK_MS 100

/* In shared memory. pid is the supervisor's to write (at fork and reap);
 * the rest its worker's. */
struct slot {
    int pid;            /* 0: no process */
    int serving;        /* from its server's start to its drain */
    int ready;          /* its mg__server_ready, as last published */
    uint64_t rules_done; /* the generation of its last finished rules load */
    uint32_t hooks_seq;  /* odd while hooks are being written */
    size_t nhooks;
    struct mg_webhook_counts hooks[MG_WEBHOOKS_MAX];
};

struct shared {
    uint64_t rules_generation; /* bumped by a POST /v1/rules/reload */
};

struct mg_workers {
    int n;
    int self;           /* the worker's slot; -1 in the supervisor */
    bool replacement;   /* this worker replaces one that died */
    int *fds;           /* the listening sockets by slot; -1 once closed */
    unsigned char *block;
    size_t block_len, stride;
    /* the supervisor's */
    uint64_t *started_ms, *restart_at_ms;
    int *backoff_ms;
    bool all_started; /* every first worker got as far as serving */
    bool stopping;
    int exit_code;
    int sigfd;
    sigset_t old_mask;
    struct mg_workers_notify *notify;
};

int mg_workers_count(int setting)
{
    if (setting > 0)
        return setting;
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    if (n < 1)
        n = 1;
    return n > MG_WORKERS_MAX ? MG_WORKERS_MAX : n;
}

static struct shared *shared_of(struct mg_workers *w)
{
    return (struct shared *)w->block;
}

static struct slot *slot_of(struct mg_workers *w, int i)
{
    return (struct slot *)(w->block + w->stride * (size_t)(i + 1));
}

/* A slot: its struct slot, then its metrics (aligned). */
#define METRICS_AT ((sizeof(struct slot) + 63) / 64 * 64)

static struct mg_metrics *metrics_of(struct mg_workers *w, int i)
{
    return (struct mg_metrics *)((unsigned char *)slot_of(w, i) + METRICS_AT);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The probe: the address bound as a single server would bind it. */
static bool address_free(const struct mg_config *cfg, int *port)
{
    int fd = mg__listen_socket(cfg, false, cfg->listen_port);
    if (fd < 0)
        return false;
    struct sockaddr_storage a;
    socklen_t len = sizeof a;
    *port = cfg->listen_port;
    if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        *port = ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
                                              : ((struct sockaddr_in *)&a)->sin_port);
    close(fd);
    return true;
}

struct mg_workers *mg_workers_new(const struct mg_config *cfg, int n)
{
    int port;
    if (!address_free(cfg, &port))
        return NULL;
    struct mg_workers *w = mg_calloc(1, sizeof *w);
    w->n = n;
    w->self = -1;
    w->sigfd = -1;
    w->fds = mg_calloc((size_t)n, sizeof *w->fds);
    w->started_ms = mg_calloc((size_t)n, sizeof *w->started_ms);
    w->restart_at_ms = mg_calloc((size_t)n, sizeof *w->restart_at_ms);
    w->backoff_ms = mg_calloc((size_t)n, sizeof *w->backoff_ms);
    for (int i = 0; i < n; i++)
        w->fds[i] = -1;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    w->stride = (METRICS_AT + mg_metrics_size() + page - 1) / page * page;
    w->block_len = w->stride * (size_t)(n + 1);
    w->block = mmap(NULL, w->block_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                    -1, 0);
    if (w->block == MAP_FAILED) {
        MG_LOG(MG_LOG_ERROR, "workers", "shared_memory_failed", "{s:s}", "error",
               strerror(errno));
        w->block = NULL;
        mg_workers_free(w);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        mg_metrics_init(metrics_of(w, i));
        w->backoff_ms[i] = RESTART_MIN_MS;
        if ((w->fds[i] = mg__listen_socket(cfg, true, port)) < 0) {
            mg_workers_free(w);
            return NULL;
        }
    }
    return w;
}

void mg_workers_free(struct mg_workers *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n; i++)
        if (w->fds[i] >= 0 && i != w->self) /* a worker's own: its server's */
            close(w->fds[i]);
    if (w->block)
        munmap(w->block, w->block_len);
    if (w->sigfd >= 0)
        close(w->sigfd);
    mg_workers_notify_free(w->notify);
    mg_free(w->fds);
    mg_free(w->started_ms);
    mg_free(w->restart_at_ms);
    mg_free(w->backoff_ms);
    mg_free(w);
}

/* In the new worker: what the supervisor holds is let go of, and the
 * signals are its server's again. */
static void become_worker(struct mg_workers *w, int i, pid_t supervisor)
{
    w->self = i;
    /* The signals stay blocked until its server handles them
     * (mg_workers_unblock_signals): a SIGTERM of a stop, or another
     * worker's SIGUSR2, that came before would kill it, where pending they
     * reach its handlers. */
    close(w->sigfd);
    w->sigfd = -1;
    mg_workers_notify_child(w->notify);
    w->notify = NULL;
    for (int k = 0; k < w->n; k++)
        if (k != i && w->fds[k] >= 0) {
            close(w->fds[k]);
            w->fds[k] = -1;
        }
    /* a supervisor killed outright (SIGKILL) takes its workers with it,
     * rather than leaving them serving with no one to restart or stop them */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != supervisor)
        raise(SIGTERM);
    mg_log_worker = i;
}

/* Forks slot i's worker; false in the child, which must go and serve. */
static bool spawn(struct mg_workers *w, int i, bool replacement)
{
    pid_t supervisor = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        w->replacement = replacement;
        become_worker(w, i, supervisor);
        return false;
    }
    if (pid < 0) {
        MG_LOG(MG_LOG_ERROR, "workers", "fork_failed", "{s:i, s:s}", "worker", i, "error",
               strerror(errno));
        w->restart_at_ms[i] = now_ms() + RESTART_MAX_MS;
        return true;
    }
    __atomic_store_n(&slot_of(w, i)->pid, (int)pid, __ATOMIC_RELEASE);
    w->started_ms[i] = now_ms();
    w->restart_at_ms[i] = 0;
    MG_LOG(MG_LOG_INFO, "workers", "worker_started", "{s:i, s:i, s:b}", "worker", i, "pid",
           (int)pid, "replacement", replacement);
    return true;
}

static void signal_all(struct mg_workers *w, int sig)
{
    for (int i = 0; i < w->n; i++) {
        int pid = __atomic_load_n(&slot_of(w, i)->pid, __ATOMIC_ACQUIRE);
        if (pid > 0)
            kill(pid, sig);
    }
}

static void stop(struct mg_workers *w, int sig)
{
    if (!w->stopping) {
        w->stopping = true;
        /* no connection must queue on a socket no one will accept from */
        for (int i = 0; i < w->n; i++)
            if (w->fds[i] >= 0) {
                close(w->fds[i]);
                w->fds[i] = -1;
            }
        mg_workers_notify_stopping(w->notify);
    }
    signal_all(w, sig);
}

static void check_started(struct mg_workers *w)
{
    if (w->all_started)
        return;
    for (int i = 0; i < w->n; i++)
        if (!__atomic_load_n(&slot_of(w, i)->serving, __ATOMIC_ACQUIRE))
            return;
    w->all_started = true;
}

/* A worker ended: said, and started again unless stopping. A first worker
 * that fails before it ever served fails the start, as a single server's
 * failure would. */
static void reaped(struct mg_workers *w, pid_t pid, int status)
{
    int i = 0;
    while (i < w->n && slot_of(w, i)->pid != pid)
        i++;
    if (i == w->n)
        return;
    check_started(w); /* before its slot is cleared: it may have served */
    struct slot *s = slot_of(w, i);
    __atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&s->serving, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&s->ready, 0, __ATOMIC_RELEASE);
    /* nothing writes the slot now: its counters stay in the sums, what
     * described the dead process goes, and a write it left half done is
     * closed, for its replacement to take over */
    mg_metrics_adopt(metrics_of(w, i));
    __atomic_store_n(&s->hooks_seq, (s->hooks_seq + 1) & ~1u, __ATOMIC_RELEASE);
    mg_workers_notify_gone(w->notify, i);
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    int code = WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
    /* the exit status says how the stop (or a failed start) went; a worker
     * that died and was replaced is in the log */
    if (!clean && w->exit_code == 0 && (w->stopping || !w->all_started))
        w->exit_code = code;
    if (w->stopping) {
        MG_LOG(clean ? MG_LOG_INFO : MG_LOG_WARN, "workers", "worker_stopped",
               "{s:i, s:i, s:i, s:i}", "worker", i, "pid", (int)pid, "exit_status",
               WIFEXITED(status) ? WEXITSTATUS(status) : -1, "signal",
               WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return;
    }
    uint64_t lived = now_ms() - w->started_ms[i];
    if (lived >= RESTART_STABLE_MS)
        w->backoff_ms[i] = RESTART_MIN_MS;
    int wait_ms = w->backoff_ms[i]; /* this time; the next, if it dies young, twice */
    w->backoff_ms[i] = wait_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : wait_ms * 2;
    MG_LOG(MG_LOG_ERROR, "workers", "worker_died", "{s:i, s:i, s:i, s:i, s:I, s:I}",
           "worker", i, "pid", (int)pid, "exit_status",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1, "signal",
           WIFSIGNALED(status) ? WTERMSIG(status) : 0, "lived_ms", (json_int_t)lived,
           "restart_in_ms", (json_int_t)(w->all_started ? wait_ms : 0));
    if (!w->all_started) {
        stop(w, SIGTERM);
        return;
    }
    w->restart_at_ms[i] = now_ms() + (uint64_t)wait_ms;
}


static int live(struct mg_workers *w)
{
    int k = 0;
    for (int i = 0; i < w->n; i++)
        k += slot_of(w, i)->pid > 0;
    return k;
}

/* One signal from the signalfd. */
static void on_signal(struct mg_workers *w, int sig)
{
    if (sig == SIGTERM || sig == SIGINT) {
        MG_LOG(MG_LOG_INFO, "workers", "signal", "{s:s, s:i}", "signal",
               sig == SIGTERM ? "SIGTERM" : "SIGINT", "workers", live(w));
        stop(w, sig);
    } else if (sig == SIGHUP && !w->stopping) {
        MG_LOG(MG_LOG_INFO, "workers", "sighup", "{s:s}", "note",
               "every worker reloads the configuration");
        mg_workers_notify_reloading(w->notify);
        signal_all(w, SIGHUP);
    }
}

/* The supervisor's loop; false in a worker forked from it. */
static bool supervise_loop(struct mg_workers *w)
{
    int relay = mg_workers_notify_fd(w->notify);
    while (!(w->stopping && live(w) == 0)) {
        struct pollfd fds[2] = {{w->sigfd, POLLIN, 0}, {relay, POLLIN, 0}};
        if (poll(fds, relay >= 0 ? 2 : 1, TICK_MS) < 0 && errno != EINTR)
            break;
        struct signalfd_siginfo si;
        while (read(w->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
            if (si.ssi_signo != SIGCHLD)
                on_signal(w, (int)si.ssi_signo);
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            reaped(w, pid, status);
        if (relay >= 0 && (fds[1].revents & POLLIN))
            mg_workers_notify_read(w->notify, w);
        check_started(w);
        uint64_t now = now_ms();
        for (int i = 0; i < w->n && !w->stopping; i++)
            if (w->restart_at_ms[i] && now >= w->restart_at_ms[i] && !spawn(w, i, true))
                return false;
    }
    return true;
}

bool mg_workers_supervise(struct mg_workers *w, int *code, int *slot, int *listen_fd)
{
    sigset_t mask;
    sigemptyset(&mask);
    int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&mask, sigs[i]);
    /* SIGUSR2 is for workers (worker.c): blocked here, never read */
    sigset_t blocked = mask;
    sigaddset(&blocked, SIGUSR2);
    sigprocmask(SIG_BLOCK, &blocked, &w->old_mask);
    w->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    w->notify = mg_workers_notify_new(w->n);
    MG_LOG(MG_LOG_INFO, "workers", "starting", "{s:i, s:i}", "workers", w->n, "pid",
           (int)getpid());
    bool supervisor = true;
    for (int i = 0; i < w->n && supervisor; i++)
        supervisor = spawn(w, i, false);
    if (supervisor)
        supervisor = supervise_loop(w);
    if (!supervisor) {
        *slot = w->self;
        *listen_fd = w->fds[w->self];
        return false;
    }
    sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
    MG_LOG(MG_LOG_INFO, "workers", "stopped", "{s:i}", "exit_status", w->exit_code);
    *code = w->exit_code;
    return true;
}

/* ---- a worker's view ---- */

struct mg_metrics *mg_workers_metrics(struct mg_workers *w)
{
    return metrics_of(w, w->self);
}

void mg_workers_serving(struct mg_workers *w, bool serving)
{
    __atomic_store_n(&slot_of(w, w->self)->serving, serving ? 1 : 0, __ATOMIC_RELEASE);
}

void mg_workers_ready(struct mg_workers *w, bool ready)
{
    __atomic_store_n(&slot_of(w, w->self)->ready, ready ? 1 : 0, __ATOMIC_RELEASE);
}

bool mg_workers_others_ready(struct mg_workers *w)
{
    for (int i = 0; i < w->n; i++) {
        struct slot *s = slot_of(w, i);
        if (i != w->self && __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) > 0 &&
            !__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
            return false;
    }
    return true;
}

size_t mg_workers_all_metrics(struct mg_workers *w, const struct mg_metrics **out)
{
    size_t k = 0;
    for (int i = 0; i < w->n; i++) /* a dead worker's counters still count */
        out[k++] = metrics_of(w, i);
    return k;
}

void mg_workers_unblock_signals(struct mg_workers *w)
{
    sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
}

bool mg_workers_is_replacement(const struct mg_workers *w)
{
    return w->replacement;
}

uint64_t mg_workers_rules_asked(struct mg_workers *w)
{
    uint64_t gen =
        __atomic_add_fetch(&shared_of(w)->rules_generation, 1, __ATOMIC_ACQ_REL);
    for (int i = 0; i < w->n; i++) {
        int pid = __atomic_load_n(&slot_of(w, i)->pid, __ATOMIC_ACQUIRE);
        if (i != w->self && pid > 0)
            kill(pid, SIGUSR2);
    }
    return gen;
}

uint64_t mg_workers_rules_generation(struct mg_workers *w)
{
    return __atomic_load_n(&shared_of(w)->rules_generation, __ATOMIC_ACQUIRE);
}

void mg_workers_rules_loaded(struct mg_workers *w, uint64_t gen)
{
    struct slot *s = slot_of(w, w->self);
    if (gen > __atomic_load_n(&s->rules_done, __ATOMIC_RELAXED))
        __atomic_store_n(&s->rules_done, gen, __ATOMIC_RELEASE);
}

bool mg_workers_rules_caught_up(struct mg_workers *w, uint64_t gen)
{
    for (int i = 0; i < w->n; i++) {
        struct slot *s = slot_of(w, i);
        if (i == w->self || __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) <= 0 ||
            !__atomic_load_n(&s->serving, __ATOMIC_ACQUIRE))
            continue;
        if (__atomic_load_n(&s->rules_done, __ATOMIC_ACQUIRE) < gen)
            return false;
    }
    return true;
}


int mg_workers_slot_of(struct mg_workers *w, int pid)
{
    for (int i = 0; i < w->n; i++)
        if (pid > 0 && __atomic_load_n(&slot_of(w, i)->pid, __ATOMIC_ACQUIRE) == pid)
            return i;
    return -1;
}

bool mg_workers_slot_alive(struct mg_workers *w, int slot)
{
    return __atomic_load_n(&slot_of(w, slot)->pid, __ATOMIC_ACQUIRE) > 0;
}

void mg_workers_publish_webhooks(struct mg_workers *w, const struct mg_webhook_counts *c,
                                 size_t n)
{
    struct slot *s = slot_of(w, w->self);
    __atomic_store_n(&s->hooks_seq, s->hooks_seq + 1, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(s->hooks, c, n * sizeof *c);
    __atomic_store_n(&s->nhooks, n, __ATOMIC_RELAXED);
    __atomic_store_n(&s->hooks_seq, s->hooks_seq + 1, __ATOMIC_RELEASE);
}

/* Slot i's webhook counters into out; how many. A seqlock, bounded: a
 * writer killed mid-write is skipped (0). */
static size_t read_webhooks(struct mg_workers *w, int i, struct mg_webhook_counts *out)
{
    struct slot *s = slot_of(w, i);
    for (int tries = 0; tries < MG_SEQ_TRIES; tries++) {
        uint32_t seq = __atomic_load_n(&s->hooks_seq, __ATOMIC_ACQUIRE);
        if (seq & 1)
            continue;
        size_t n = __atomic_load_n(&s->nhooks, __ATOMIC_RELAXED);
        if (n > MG_WEBHOOKS_MAX)
            n = MG_WEBHOOKS_MAX;
        memcpy(out, s->hooks, n * sizeof s->hooks[0]);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&s->hooks_seq, __ATOMIC_RELAXED) == seq)
            return n;
    }
    return 0;
}

size_t mg_workers_own_webhooks(struct mg_workers *w, struct mg_webhook_counts *out)
{
    return w->self >= 0 ? read_webhooks(w, w->self, out) : 0;
}

size_t mg_workers_all_webhooks(struct mg_workers *w, struct mg_webhook_counts (*out)[MG_WEBHOOKS_MAX],
                               size_t *n)
{
    for (int i = 0; i < w->n; i++)
        n[i] = read_webhooks(w, i, out[i]);
    return (size_t)w->n;
}
