/* SPDX-License-Identifier: MIT
 *
 * machine.h — the one machine model every backend runs: a CPU, guest-physical RAM, the port-I/O and MMIO
 * buses that devices register on, virtual time, and the backend interface (the lecture's "basic blocks of
 * a virtual machine monitor").  Devices never call each other directly; interrupt lines are small objects
 * (TinyEMU's irq idea) and time is the retired-instruction count.
 */
#ifndef REVISOR_MACHINE_H
#define REVISOR_MACHINE_H

#include <stdint.h>
#include <stdio.h>
#include "cpu/cpu.h"

/* ---- the I/O buses ------------------------------------------------------------------------------ */
/* One handler type for port I/O and MMIO alike (kvmtool): addr is relative to the registered base. */
typedef void (*io_fn)(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write);

enum bus_kind { BUS_PIO, BUS_MMIO };

struct io_range {
	uint32_t base, len;
	io_fn fn;
	void *opaque;
	const char *name;
};

struct bus {
	struct io_range *r;  /* sorted by base, non-overlapping */
	int n, cap;
};

int bus_register(struct machine *m, enum bus_kind kind, uint32_t base, uint32_t len, io_fn fn,
		 void *opaque, const char *name);
uint32_t pio_read(struct machine *m, uint16_t port, unsigned len);   /* unclaimed ports read all-ones */
void pio_write(struct machine *m, uint16_t port, unsigned len, uint32_t v);
const struct io_range *bus_find(const struct bus *b, uint32_t addr);

/* ---- -d logging categories (m->log_mask; output to m->log) ---------------------------------------- */
#define LOG_IN_ASM       0x01u   /* each newly decoded guest instruction, disassembled */
#define LOG_INT          0x02u   /* interrupts and exceptions as they are delivered */
#define LOG_CPU_RESET    0x04u   /* CPU state when the guest starts */
#define LOG_EXIT         0x08u   /* why the run stopped */
#define LOG_GUEST_ERRORS 0x10u   /* guest misuse of devices */
#define LOG_HASH         0x20u   /* with "exit": the final machine state hash (src/snapshot.c) */
#define LOG_WORLDS       0x40u   /* binary translator: every world switch from the TC to the VMM (src/bt/) */
#define LOG_OUT_ASM      0x80u   /* binary translator: each new CCF's host code (src/bt/listing.c) */

/* ---- why a run stops ---------------------------------------------------------------------------- */
enum stop_reason {
	STOP_NONE,
	STOP_LIMIT,        /* reached cpu.icount_limit (a budget, a seek target) */
	STOP_EXIT,         /* guest wrote to the debug-exit port: exit_status holds (value << 1) | 1 */
	STOP_TRIPLE_FAULT, /* shutdown: an exception while delivering a double fault */
	STOP_DEAD_HALT,    /* HLT with interrupts disabled and nothing that can wake the CPU */
	STOP_BREAKPOINT,   /* the debugger asked to stop here */
	STOP_USER,         /* the user quit (Ctrl-A x, gdb kill) */
	STOP_RESET,        /* the guest asked for a reset (i8042 0xFE, triple fault with -no-reboot off) */
	STOP_ERROR,        /* the VMM itself hit an error it reported */
};

/* ---- virtual time ------------------------------------------------------------------------------- */
/* A timer fires when cpu.icount reaches its deadline; the run loop never executes past the earliest
 * deadline, so a device event always lands at the same instruction count (determinism contract). */
struct vtimer {
	uint64_t deadline;       /* UINT64_MAX when not armed */
	void (*fire)(void *opaque);
	void *opaque;
	struct vtimer *next;
};

/* ---- the backend interface ---------------------------------------------------------------------- */
/* A CPU backend runs the guest on the shared machine model (TinyEMU-style table of functions). */
struct backend {
	const char *name;                          /* "interp", "bt", "kvm" */
	int (*init)(struct machine *m);            /* 0, or -1 with a message printed */
	/* Run until m->stop is set or cpu.icount reaches cpu.icount_limit; returns m->stop. */
	enum stop_reason (*run)(struct machine *m);
	/* Guest-physical bytes [pa, pa+len) were written by something other than a CPU store (DMA, the
	 * loader, the debugger): drop cached decodings/translations of them. */
	void (*code_written)(struct machine *m, uint32_t pa, uint32_t len);
	void (*fini)(struct machine *m);
};

/* ---- the machine ---------------------------------------------------------------------------------- */
struct machine {
	struct cpu cpu;
	uint8_t *ram;
	uint32_t ram_size;         /* bytes, a multiple of 4 KiB */
	struct bus pio, mmio;

	/* Code tracking for the decoded-instruction cache (and later the translation cache): a RAM page
	 * that holds cached code gets no TLB write tag, so the first store to it takes the slow path,
	 * which bumps page_gen[] (invalidating every cached decoding of that page) and clears page_code[]. */
	uint8_t *page_code;        /* per 4 KiB physical page: nonzero while cached code exists */
	uint32_t *page_gen;        /* per page: generation, bumped on each invalidating write */

	/* Dirty-page tracking for record/replay (src/snapshot.c, replay/checkpoint.c), built the same way:
	 * every store that reaches RAM through the slow path sets all bits of page_dirty[page]; a RAM page
	 * gets a TLB write tag only when it already has every bit in dirty_track, so the first store after
	 * a consumer cleared its bit (machine_dirty_clear) takes the slow path and marks the page again.
	 * DIRTY_EVER is always tracked and never cleared: a page without it has never been written and is
	 * still zero, which lets hashes and snapshots skip untouched RAM without reading it.  In a plain run
	 * that costs one slow-path store per page, once. */
	uint8_t *page_dirty;       /* per page: DIRTY_* bits, "written since that consumer last looked" */
	uint8_t dirty_track;       /* the DIRTY_* bits some consumer is currently tracking */
	uint64_t *page_hash;       /* per page: cached content hash (snapshot.c), NULL until first used */

	struct vtimer *timers;     /* sorted by deadline */
	uint64_t next_deadline;    /* = timers ? timers->deadline : UINT64_MAX */

	/* Interrupt controllers plug in here (issue: platform).  irq_ack returns the vector to deliver for
	 * the highest-priority pending interrupt and acknowledges it, or -1 if there is none anymore. */
	int (*irq_ack)(struct machine *m);

	/* Called by a backend whose CPU is halted with interrupts enabled and no timer armed: wait for host
	 * input (through the event layer) and return 0, or return -1 if nothing can ever arrive. */
	int (*idle_wait)(struct machine *m);

	const struct backend *backend;
	void *interp;              /* the interpreter's private state (decoded-instruction cache) */
	void *bt;                  /* the binary translator's private state (src/bt/bt.h), or NULL */
	struct events *events;     /* the event layer (replay/event.h): host input enters only there */
	enum stop_reason stop;
	int exit_status;           /* for STOP_EXIT */
	/* Bumped by every TLB flush (mmu.c): translated code caches linear -> physical mappings too
	 * (src/bt/).  It lives here, not in struct cpu, so that restoring a CPU state (a snapshot, a seek)
	 * can never bring an old value back: it only ever grows. */
	uint32_t tlb_epoch;
	void *dev;                 /* the platform's device state (pc.c) */
	FILE *log;                 /* -d logging, or NULL */
	/* -tsc host: RDTSC / RDMSR TSC read the host's cycle counter through the event layer
	 * (events_host_tsc), a measuring aid for the costs guest; NULL = virtual time (the default). */
	uint64_t (*host_tsc)(struct machine *m);
	unsigned log_mask;

	/* The debugger (debugger/target.c); all NULL while no debugger is attached, so a plain run pays
	 * nothing.  debug_check is called by the interpreter before each instruction while installed
	 * (nonzero: it set m->stop, do not run the instruction).  watch_hit is told of every data access
	 * that succeeded on the slow path (segmem.c); watch_pages is a bitmap of linear 4 KiB pages whose
	 * TLB entries get no read/write tags, so that every access to them takes that path. */
	int (*debug_check)(struct machine *m);
	/* With debug_check installed, debug_cont says the hook only needs to see the instructions at the
	 * breakpoint addresses listed in debug_bps (continuing to breakpoints), the first instruction of
	 * each run, and — through debug_note, which counts a hook call without acting on it — any
	 * instruction that faulted without a hook call: a translating backend may run everything else as
	 * translated code (docs/bt.md, "The debugger under bt").  debug_bps always lists the breakpoint
	 * addresses; debug_bp_gen changes whenever the list does. */
	int debug_cont;
	void (*debug_note)(struct machine *m);
	const uint32_t *debug_bps;
	unsigned debug_nbps;
	uint32_t debug_bp_gen;
	void (*watch_hit)(struct machine *m, uint32_t lin, uint32_t len, int is_write);
	uint8_t *watch_pages;
	void *debugger;
};

struct machine *machine_new(uint32_t ram_bytes);
void machine_free(struct machine *m);

/* Timers (vtime.c) */
void vtimer_arm(struct machine *m, struct vtimer *t, uint64_t deadline);
void vtimer_disarm(struct machine *m, struct vtimer *t);
void vtimer_run_due(struct machine *m);   /* fire every timer whose deadline <= icount */

/* Interrupt request from the controllers: recompute cpu.irq_pending. */
static inline void machine_set_irq_pending(struct machine *m, int pending)
{
	m->cpu.irq_pending = (uint8_t)pending;
	m->cpu.attn = 1;
}

/* Is linear page lin watched by the debugger (see watch_pages)? */
static inline int machine_page_watched(const struct machine *m, uint32_t lin)
{
	return m->watch_pages && ((m->watch_pages[lin >> 15] >> ((lin >> 12) & 7)) & 1);
}

/* Invalidate cached code for guest-physical bytes written outside the CPU's store path. */
void machine_code_written(struct machine *m, uint32_t pa, uint32_t len);

/* Dirty-page consumers (bits of page_dirty / dirty_track). */
#define DIRTY_CKPT 0x01u   /* written since the last checkpoint (replay/checkpoint.c) */
#define DIRTY_HASH 0x02u   /* written since the last state hash (src/snapshot.c) */
#define DIRTY_EVER 0x04u   /* written at all since the machine was created (RAM starts zeroed) */
#define DIRTY_ALL  0x07u
/* Clear `bits` on every page and take away TLB write tags, so the next store to each page is seen
 * (memory.c).  Starts tracking those bits (m->dirty_track |= bits). */
void machine_dirty_clear(struct machine *m, uint8_t bits);

/* Backends */
extern const struct backend backend_interp;
extern const struct backend backend_bt;      /* src/bt/bt.c: -accel bt */

#endif
