/* SPDX-License-Identifier: MIT
 *
 * pc.c — the PC platform: builds a machine, plugs the devices into its buses, wires the interrupt lines
 * the way a PC board does, boots the guest, and runs the backend until something ends the run.
 *
 * Interrupt wiring (what the board's traces do):
 *   ISA IRQ n (PIT 0, keyboard 1, COM1 4, RTC 8, IDE 14) ──> 8259A PIC input n
 *                                                        └─> I/O APIC pin n (IRQ0 goes to pin 2)
 *   PIC INT output ──> local APIC LINT0 (ExtINT, "virtual wire" mode after reset) ──> CPU INTR
 *   I/O APIC ──(APIC bus message)──> local APIC
 * The CPU asks for a vector with m->irq_ack (the INTA cycle): the local APIC answers first; an ExtINT
 * request is passed on to the PIC.
 *
 * The run loop is the VMM's side of the world switch: run the backend, then look at why it stopped
 * (kvmtool's shape).  Everything from the host — console bytes, the RTC's date — comes through the event
 * layer (replay/event.c).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pc.h"
#include "machine.h"
#include "console.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/interp.h"
#include "cpu/mem.h"
#include "boot/boot.h"
#include "replay/event.h"
#include "dev/irq.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/uart.h"
#include "dev/cmos.h"
#include "dev/i8042.h"
#include "dev/lapic.h"
#include "dev/ioapic.h"
#include "dev/debugport.h"
#include "dev/disk.h"
#include "dev/ide.h"
#include "dev/cga.h"
#include "boot/mptable.h"
#include "snapshot.h"
#include "debugger/gdbstub.h"

struct pc {
	struct pc_config cfg;
	struct machine *m;
	struct events ev;
	struct pic *pic;
	struct pit *pit;
	struct uart *com1;
	struct cmos *cmos;
	struct i8042 *kbd;
	struct lapic *lapic;
	struct ioapic *ioapic;
	struct debugport *dbg;
	struct ide *ide;
	struct cga *cga;
	FILE *serial_out;     /* -serial file:PATH */
	int serial_stdio;
	int reboot_failed;    /* pc_step could not reboot the guest (pc_finish returns 2) */
	int muted;            /* replay re-executing to seek: the console has shown this output already */
	struct gdbstub *gdb;  /* -gdb / -s: the GDB stub runs the machine (debugger/) */
};

/* ---- configuration ------------------------------------------------------------------------------ */

void pc_config_defaults(struct pc_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mem_mib = 128;
	cfg->serial = SERIAL_STDIO;
#if defined(__x86_64__)
	cfg->accel = "bt";        /* the binary translator (docs/bt.md): the default where it can run */
#else
	cfg->accel = "interp";
#endif
	cfg->rtc_base = -1;
}

int pc_parse_log(struct pc_config *cfg, const char *items, char *err)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "in_asm", LOG_IN_ASM }, { "out_asm", LOG_OUT_ASM }, { "int", LOG_INT }, { "cpu_reset", LOG_CPU_RESET },
		{ "exit", LOG_EXIT }, { "guest_errors", LOG_GUEST_ERRORS }, { "hash", LOG_HASH },
		{ "worlds", LOG_WORLDS },
	};
	char *copy = strdup(items), *save = NULL, *tok;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned k;
		for (k = 0; k < sizeof names / sizeof names[0]; k++)
			if (!strcmp(tok, names[k].name))
				break;
		if (k == sizeof names / sizeof names[0]) {
			sprintf(err, "unknown log item '%.64s' (in_asm, out_asm, int, cpu_reset, exit, guest_errors, hash, worlds)", tok);
			rc = -1;
			break;
		}
		cfg->log_mask |= names[k].bit;
	}
	free(copy);
	return rc;
}

int pc_parse_date(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!end || *end)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* ---- wiring ------------------------------------------------------------------------------------- */

/* An ISA interrupt line changed level: it reaches both the PIC input and the I/O APIC pin (the MP
 * table tells the guest that IRQ0 arrives on pin 2, as on PC hardware). */
static void isa_irq_set(void *opaque, int n, int level)
{
	struct pc *pc = opaque;

	pic_set_irq(pc->pic, n, level);
	ioapic_set_irq(pc->ioapic, n == 0 ? 2 : n, level);
}

/* The local APIC's INTR output is the CPU's interrupt input. */
static void cpu_intr(void *opaque, int n, int level)
{
	struct pc *pc = opaque;

	(void)n;
	machine_set_irq_pending(pc->m, level);
}

static void cpu_nmi(void *opaque, int n, int level)
{
	struct pc *pc = opaque;

	(void)n;
	if (level)
	{
		pc->m->cpu.nmi_pending = 1;
		pc->m->cpu.attn = 1;
	}
}

/* INTA: the local APIC answers; an ExtINT request (the PIC through LINT0) is passed to the PIC. */
static int pc_irq_ack(struct machine *m)
{
	struct pc *pc = m->dev;

	return lapic_ack(pc->lapic);
}

static int pic_extint_ack(void *opaque) { return pic_ack(opaque); }
static void eoi_to_ioapic(void *opaque, uint8_t vector) { ioapic_eoi(opaque, vector); }

/* Port 0xE9 bytes go to the host's standard error, beside the serial console. */
static void debug_console(void *opaque, uint8_t byte)
{
	struct pc *pc = opaque;

	if (!pc->muted)
		fputc(byte, stderr);
}

static void serial_tx(void *opaque, uint8_t byte)
{
	struct pc *pc = opaque;

	if (pc->muted)
		return;
	if (pc->serial_stdio)
		console_write(&byte, 1);
	else if (pc->serial_out)
		fputc(byte, pc->serial_out);
}

/* Host bytes are offered to COM1 only while the guest holds DTR (MCR bit 0, "data terminal ready"), as
 * a host with hardware flow control would: typed-ahead or piped input then waits until the guest has
 * set up its UART, instead of being thrown away by the FIFO reset of the guest's UART initialization. */
static int serial_room(void *opaque)
{
	struct uart *u = opaque;

	return (u->mcr & 0x01) ? uart_can_receive(u) : 0;
}
static void serial_put(void *opaque, uint8_t b) { uart_receive(opaque, b); }

/* ---- building the machine ------------------------------------------------------------------------- */

/* Load the guest: the MP table (so multiprocessor-aware kernels find the APICs), then the Multiboot kernel
 * or the first disk's boot sector. */
static int pc_boot(struct pc *pc, char err[512])
{
	const struct pc_config *cfg = &pc->cfg;
	struct machine *m = pc->m;
	char berr[BOOT_ERRLEN];

	if (mptable_write(m) != 0) {
		snprintf(err, 512, "-m %u: too little RAM for the MP table", cfg->mem_mib);
		return -1;
	}
	if (cfg->kernel) {
		struct multiboot_opts mo = { cfg->kernel, cfg->append, cfg->initrd };
		if (multiboot_load(m, &mo, berr)) {
			snprintf(err, 512, "%s", berr);
			return -1;
		}
	} else if (bootsector_load(m, cfg->disk[0], berr)) {
		snprintf(err, 512, "%s", berr);
		return -1;
	}
	if (m->log_mask & LOG_CPU_RESET)
		fprintf(m->log, "cpu_reset: eip=%08x eax=%08x ebx=%08x cr0=%08x cs=%04x icount %llu\n", m->cpu.eip,
			m->cpu.r[R_EAX], m->cpu.r[R_EBX], m->cpu.cr0, m->cpu.seg[S_CS].sel,
			(unsigned long long)m->cpu.icount);
	return 0;
}

/* A reset request (i8042 pulse, port 0x92, INIT IPI): power-cycle the board and boot again.  The
 * instruction count keeps running, so virtual time stays monotonic across the reboot. */
static int pc_reboot(struct pc *pc, char err[512])
{
	struct machine *m = pc->m;

	memset(m->ram, 0, m->ram_size);
	machine_code_written(m, 0, m->ram_size);
	lapic_reset(pc->lapic);
	ioapic_reset(pc->ioapic);
	pic_reset(pc->pic);
	pit_reset(pc->pit);
	uart_reset(pc->com1);
	cmos_reset(pc->cmos);
	i8042_reset(pc->kbd);
	ide_reset(pc->ide);
	cga_reset(pc->cga);
	m->cpu.halted = 0;
	m->cpu.irq_pending = 0;
	m->cpu.nmi_pending = 0;
	tlb_flush(&m->cpu);
	return pc_boot(pc, err);
}

struct pc *pc_new(const struct pc_config *cfg, char err[512])
{
	struct pc *pc = calloc(1, sizeof *pc);
	char berr[BOOT_ERRLEN];

	if (!pc) {
		snprintf(err, 512, "out of memory");
		return NULL;
	}
	pc->cfg = *cfg;
	if (cfg->kernel) {
		size_t len;
		uint8_t *img = boot_read_file(cfg->kernel, &len, berr);
		if (!img) {
			snprintf(err, 512, "%s", berr);
			goto fail;
		}
		int ok = multiboot_probe(img, len);
		free(img);
		if (!ok) {
			snprintf(err, 512, "%s: not a multiboot image (no header with magic 0x1BADB002 and a valid "
				 "checksum in the first 8 KiB)", cfg->kernel);
			goto fail;
		}
	}
	if (cfg->serial == SERIAL_FILE) {
		/* /dev/stderr may be a socket (gdb's `target remote | ...` pipes), which cannot be opened by name:
		 * use the descriptor itself. */
		if (!strcmp(cfg->serial_path, "/dev/stderr"))
			pc->serial_out = fdopen(dup(2), "w");
		else
			pc->serial_out = fopen(cfg->serial_path, "w");
		if (!pc->serial_out) {
			snprintf(err, 512, "-serial file:%s: cannot create: %m", cfg->serial_path);
			goto fail;
		}
		setvbuf(pc->serial_out, NULL, _IONBF, 0);
	}
	pc->serial_stdio = cfg->serial == SERIAL_STDIO;

	pc->m = machine_new(cfg->mem_mib << 20);
	if (!pc->m) {
		snprintf(err, 512, "-m %u: cannot allocate guest RAM", cfg->mem_mib);
		goto fail;
	}
	struct machine *m = pc->m;
	m->dev = pc;
	m->irq_ack = pc_irq_ack;
	if (cfg->log_mask) {
		m->log_mask = cfg->log_mask;
		m->log = cfg->log_file ? fopen(cfg->log_file, "w") : stderr;
		if (!m->log) {
			snprintf(err, 512, "-D %s: cannot create: %m", cfg->log_file);
			goto fail;
		}
	}

	/* The event layer first: devices take their host inputs from it. */
	events_init(&pc->ev, m, pc->serial_stdio);
	pc->ev.rec = cfg->rec;     /* record/replay attach to the event layer (docs/replay.md) */
	pc->ev.play = cfg->play;
	m->events = &pc->ev;
	m->idle_wait = events_idle_wait;

	/* Interrupt controllers: PIC -> LAPIC LINT0 -> CPU; I/O APIC -> LAPIC. */
	pc->lapic = lapic_new(m);
	pc->ioapic = ioapic_new(m);
	pc->pic = pic_new(m);
	if (!pc->lapic || !pc->ioapic || !pc->pic) {
		snprintf(err, 512, "cannot create the interrupt controllers");
		goto fail;
	}
	pc->lapic->out = irq_line_make(cpu_intr, pc, 0);
	pc->lapic->nmi = irq_line_make(cpu_nmi, pc, 0);
	pc->lapic->extint_ack = pic_extint_ack;
	pc->lapic->extint_opaque = pc->pic;
	pc->lapic->eoi_broadcast = eoi_to_ioapic;
	pc->lapic->eoi_opaque = pc->ioapic;
	pc->ioapic->deliver = lapic_deliver;
	pc->ioapic->deliver_opaque = pc->lapic;
	pc->pic->out = lapic_lint_line(pc->lapic, 0);

	/* Devices and their interrupt wires. */
	pc->pit = pit_new(m);
	pc->com1 = uart_new(m, 0x3f8, serial_tx, pc);
	pc->cmos = cmos_new(m, events_rtc_base(&pc->ev, cfg->rtc_base), m->ram_size);
	pc->kbd = i8042_new(m);
	pc->dbg = debugport_new(m, debug_console, pc);
	pc->cga = cga_new(m);
	if (!pc->pit || !pc->com1 || !pc->cmos || !pc->kbd || !pc->dbg || !pc->cga) {
		snprintf(err, 512, "cannot create the PC devices");
		goto fail;
	}
	pc->pit->irq0 = irq_line_make(isa_irq_set, pc, 0);
	pc->com1->irq = irq_line_make(isa_irq_set, pc, 4);
	pc->cmos->irq = irq_line_make(isa_irq_set, pc, 8);
	pc->kbd->irq1 = irq_line_make(isa_irq_set, pc, 1);

	/* Disks: -hda/-hdb on the primary IDE channel (the image files change only without -snapshot). */
	struct disk *d[2] = { NULL, NULL };
	for (int k = 0; k < 2; k++) {
		char derr[DISK_ERRLEN];
		if (!cfg->disk[k])
			continue;
		d[k] = disk_open(cfg->disk[k], cfg->snapshot ? DISK_SNAPSHOT : DISK_WRITABLE, derr);
		if (!d[k]) {
			snprintf(err, 512, "%s", derr);
			disk_close(d[0]);
			goto fail;
		}
	}
	pc->ide = ide_new(m, d[0], d[1]);
	if (!pc->ide) {
		disk_close(d[0]);
		disk_close(d[1]);
		snprintf(err, 512, "cannot create the IDE controller");
		goto fail;
	}
	pc->ide->irq = irq_line_make(isa_irq_set, pc, 14);
	events_connect_serial(&pc->ev, (struct serial_sink){ serial_room, serial_put, pc->com1 });

	/* The CPU backend. */
	m->backend = !strcmp(cfg->accel, "bt") ? &backend_bt : &backend_interp;
	if (m->backend->init(m) != 0) {
		if (m->backend == &backend_interp || cfg->accel_explicit) {
			snprintf(err, 512, "-accel %s: backend failed to start", cfg->accel);
			goto fail;
		}
		/* The default backend could not start (no RWX memory for a translation cache, say):
		 * the interpreter gives the same results, only slower. */
		fprintf(stderr, "revisor: the binary translator could not start; using the interpreter "
			"(-accel interp)\n");
		m->backend = &backend_interp;
		if (m->backend->init(m) != 0) {
			snprintf(err, 512, "-accel interp: backend failed to start");
			goto fail;
		}
	}
	if (cfg->one_insn_per_trace)
		interp_set_traces(m, 0);
	if (cfg->tsc_host)
		m->host_tsc = events_host_tsc;   /* not deterministic: `record` refuses it */

	if (pc_boot(pc, err))
		goto fail;
	if (cfg->loadvm) {
		/* The machine was built and booted from the same options; the snapshot replaces its state. */
		char serr[256];
		if (snapshot_load_file(m, cfg->loadvm, serr)) {
			snprintf(err, 512, "-loadvm %s: %s", cfg->loadvm, serr);
			goto fail;
		}
	}
	/* -icount-limit counts from where this run starts (0 after a boot, the snapshot's count after -loadvm). */
	m->cpu.icount_limit = cfg->icount_limit ? m->cpu.icount + cfg->icount_limit : UINT64_MAX;
	if (cfg->gdb) {
		pc->gdb = gdbstub_new(m, cfg->gdb, cfg->gdb_wait, err);
		if (!pc->gdb)
			goto fail;
	}
	return pc;
fail:
	pc_free(pc);
	return NULL;
}

void pc_free(struct pc *pc)
{
	if (!pc)
		return;
	if (pc->m) {
		if (pc->m->backend && pc->m->backend->fini)
			pc->m->backend->fini(pc->m);
		if (pc->m->log && pc->m->log != stderr)
			fclose(pc->m->log);
		if (pc->ide)
			ide_free(pc->ide);
		if (pc->cga)
			cga_free(pc->cga);
		if (pc->dbg)
			debugport_free(pc->dbg);
		if (pc->kbd)
			i8042_free(pc->kbd);
		if (pc->ioapic)
			ioapic_free(pc->ioapic);
		if (pc->lapic)
			lapic_free(pc->lapic);
		if (pc->cmos)
			cmos_free(pc->cmos);
		if (pc->com1)
			uart_free(pc->com1);
		if (pc->pit)
			pit_free(pc->pit);
		if (pc->pic)
			pic_free(pc->pic);
		gdbstub_free(pc->gdb);
		machine_free(pc->m);
	}
	if (pc->serial_out)
		fclose(pc->serial_out);
	free(pc);
}

/* ---- the end of a run ------------------------------------------------------------------------------ */

static void report_state(struct pc *pc, const char *why)
{
	struct cpu *c = &pc->m->cpu;
	uint32_t fl = cpu_get_eflags(c);
	static const char *sn[] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

	fprintf(stderr, "revisor: %s at instruction %llu\n", why, (unsigned long long)c->icount);
	fprintf(stderr, "  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x ebp=%08x esp=%08x\n",
		c->r[R_EAX], c->r[R_EBX], c->r[R_ECX], c->r[R_EDX], c->r[R_ESI], c->r[R_EDI], c->r[R_EBP], c->r[R_ESP]);
	fprintf(stderr, "  eip=%08x eflags=%08x cpl=%u cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n", c->eip, fl, c->cpl,
		c->cr0, c->cr2, c->cr3, c->cr4);
	for (unsigned s = 0; s < NSEGS; s++)
		fprintf(stderr, "  %-4s=%04x base=%08x limit=%08x attr=%04x%s", sn[s], c->seg[s].sel, c->seg[s].base,
			c->seg[s].limit, c->seg[s].attr, s % 2 ? "\n" : "");
	fprintf(stderr, "  gdtr=%08x:%04x idtr=%08x:%04x\n", c->gdtr.base, c->gdtr.limit, c->idtr.base, c->idtr.limit);
	interp_report_recent(pc->m, stderr);
}

int pc_run(struct pc *pc)
{
	enum stop_reason why;

	if (pc->serial_stdio)
		console_open();
	why = pc_step(pc);
	console_close();
	return pc_finish(pc, why);
}

enum stop_reason pc_step(struct pc *pc)
{
	struct machine *m = pc->m;
	enum stop_reason why;
	char err[512];

	for (;;) {
		/* With a debugger attached, the GDB stub runs the backend for gdb (debugger/session.c). */
		why = pc->gdb ? gdbstub_run(pc->gdb) : m->backend->run(m);
		if (why != STOP_RESET || pc->cfg.no_reboot)
			return why;
		if (m->log_mask & LOG_EXIT)
			fprintf(m->log, "exit: the guest requested a reset: rebooting at icount %llu\n",
				(unsigned long long)m->cpu.icount);
		if (pc_reboot(pc, err)) {
			console_close();
			fprintf(stderr, "revisor: reboot: %s\n", err);
			pc->reboot_failed = 1;
			return STOP_ERROR;
		}
	}
}

int pc_finish(struct pc *pc, enum stop_reason why)
{
	struct machine *m = pc->m;
	int status;

	if (pc->reboot_failed)
		return 2;
	if (pc->cfg.savevm) {
		char serr[256];
		if (snapshot_save_file(m, pc->cfg.savevm, serr)) {
			fprintf(stderr, "revisor: -savevm %s: %s\n", pc->cfg.savevm, serr);
			return 2;
		}
		fprintf(stderr, "revisor: saved the machine at instruction %llu to %s\n",
			(unsigned long long)m->cpu.icount, pc->cfg.savevm);
	}
	switch (why) {
	case STOP_EXIT:
		status = m->exit_status;
		break;
	case STOP_LIMIT:
		fprintf(stderr, "revisor: instruction limit reached (%llu instructions)\n",
			(unsigned long long)m->cpu.icount);
		status = 0;
		break;
	case STOP_USER:
		status = 0;
		break;
	case STOP_TRIPLE_FAULT:
		report_state(pc, "triple fault (shutdown)");
		status = 3;
		break;
	case STOP_DEAD_HALT:
		report_state(pc, "the guest halted with interrupts disabled and nothing to wake it");
		status = 4;
		break;
	case STOP_RESET:
		report_state(pc, "the guest requested a reset (-no-reboot)");
		status = 5;
		break;
	default:
		report_state(pc, "internal error");
		status = 6;
		break;
	}
	if (pc->cga && !cga_is_blank(pc->cga)) {
		fprintf(stderr, "revisor: CGA text screen at exit:\n");
		cga_render(pc->cga, stderr);
	}
	if ((m->log_mask & LOG_EXIT) && (m->log_mask & LOG_HASH))   /* -d exit,hash: docs/replay.md */
		fprintf(m->log, "exit: reason %d status %d icount %llu hash %016llx\n", why, status,
			(unsigned long long)m->cpu.icount, (unsigned long long)machine_state_hash(m));
	else if (m->log_mask & LOG_EXIT)
		fprintf(m->log, "exit: reason %d status %d icount %llu\n", why, status, (unsigned long long)m->cpu.icount);
	gdbstub_exited(pc->gdb, status);   /* gdb, if attached, learns that the run is over */
	return status;
}

void pc_get_parts(struct pc *pc, struct pc_parts *out)
{
	*out = (struct pc_parts){ pc->m, &pc->ev, pc->pic, pc->pit, pc->com1, pc->cmos, pc->kbd,
				  pc->lapic, pc->ioapic, pc->ide, pc->cga };
}

struct machine *pc_machine(struct pc *pc) { return pc->m; }
void pc_mute_output(struct pc *pc, int on) { pc->muted = on; }
