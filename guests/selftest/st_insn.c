/* SPDX-License-Identifier: MIT
 *
 * st_insn.c — selftest checks of ordinary instructions whose corner cases emulators get wrong: CPUID,
 * RDTSC, basic x87 arithmetic and compare status (SDM Vol. 1 ch. 8), string instructions with REP and
 * DF, CMPXCHG8B, BT/BTS with bit-string addressing beyond the operand, SHLD/SHRD (Vol. 2 entries).
 */
#include "st.h"

static void st_cpuid(void)
{
	uint32_t r[4];
	char vendor[13];

	cpuid(0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	int printable = 1;
	for (int i = 0; i < 12; i++)
		printable &= vendor[i] >= 0x20 && vendor[i] < 0x7f;
	CHECK("cpuid-vendor", r[0] >= 1 && printable, "max leaf %x, vendor '%s'", r[0], vendor);
	cpuid(1, r);
	/* What this suite relies on: FPU(0) PSE(3) TSC(4) CX8(8) APIC(9). */
	uint32_t want = 1 << 0 | 1 << 3 | 1 << 4 | 1 << 8 | 1 << 9;
	CHECK("cpuid-features", (r[3] & want) == want && ((r[0] >> 8) & 0xf) >= 5,
	      "leaf 1 eax %x edx %x: want family >= 5 and bits %x", r[0], r[3], want);
}

static void st_rdtsc(void)
{
	uint64_t first = rdtsc(), prev = first, t;
	int ok = 1;
	for (int i = 0; i < 1000; i++) {
		t = rdtsc();
		if (t < prev)
			ok = 0;
		prev = t;
	}
	CHECK("rdtsc-monotonic", ok && prev > first, "first %llx last %llx", first, prev);
}

/* x87: 1.5 + 2.25 = 3.75; * 4 = 15; fsqrt(16) = 4; fcom sets C3/C2/C0 (SDM Vol. 1 Table 8-6). */
static void st_x87(void)
{
	static double a = 1.5, b = 2.25, four = 4.0, sixteen = 16.0, sum, prod, root;
	uint16_t sw_lt, sw_eq, sw_gt;

	__asm__ volatile("fninit\n\t"
			 "fldl %3\n\tfaddl %4\n\tfstl %0\n\t"          /* 3.75 */
			 "fmull %5\n\tfstpl %1\n\t"                    /* 15 */
			 "fldl %6\n\tfsqrt\n\tfstpl %2"
			 : "=m"(sum), "=m"(prod), "=m"(root) : "m"(a), "m"(b), "m"(four), "m"(sixteen));
	CHECK("x87-fadd", sum == 3.75, "1.5 + 2.25 = %d/100", (int)(sum * 100));
	CHECK("x87-fmul", prod == 15.0, "3.75 * 4 = %d/100", (int)(prod * 100));
	CHECK("x87-fsqrt", root == 4.0, "sqrt(16) = %d/100", (int)(root * 100));
	__asm__ volatile("fldl %1\n\tfcoml %2\n\tfnstsw %%ax\n\tfstp %%st(0)" : "=a"(sw_lt) : "m"(a), "m"(b));
	__asm__ volatile("fldl %1\n\tfcoml %2\n\tfnstsw %%ax\n\tfstp %%st(0)" : "=a"(sw_eq) : "m"(b), "m"(b));
	__asm__ volatile("fldl %1\n\tfcoml %2\n\tfnstsw %%ax\n\tfstp %%st(0)" : "=a"(sw_gt) : "m"(b), "m"(a));
	/* C0 = bit 8, C2 = bit 10, C3 = bit 14 (TOP, bits 11-13, is 7 with one value loaded). */
	CHECK("x87-fcom-less", (sw_lt & 0x4500) == 0x0100, "status word %x, want C0 only", sw_lt);
	CHECK("x87-fcom-equal", (sw_eq & 0x4500) == 0x4000, "status word %x, want C3 only", sw_eq);
	CHECK("x87-fcom-greater", (sw_gt & 0x4500) == 0x0000, "status word %x, want none", sw_gt);
}

static void st_string(void)
{
	static uint8_t buf[64];
	uint32_t esi, edi, ecx;
	int ok = 1;

	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)i;
	/* Forward rep movsb: copy 16 bytes from buf to buf+32. */
	__asm__ volatile("cld\n\trep movsb" : "=S"(esi), "=D"(edi), "=c"(ecx) : "S"(buf), "D"(buf + 32), "c"(16)
			 : "memory");
	for (int i = 0; i < 16; i++)
		ok &= buf[32 + i] == i;
	CHECK("rep-movsb-forward", ok && esi == (uint32_t)buf + 16 && edi == (uint32_t)buf + 48 && ecx == 0,
	      "esi %x edi %x ecx %x", esi - (uint32_t)buf, edi - (uint32_t)buf, ecx);
	/* Backward (DF = 1) overlapping move of bytes 0..15 to 4..19, from the top down: memmove-safe. */
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)i;
	__asm__ volatile("std\n\trep movsb\n\tcld" : "=S"(esi), "=D"(edi), "=c"(ecx)
			 : "S"(buf + 15), "D"(buf + 19), "c"(16) : "memory");
	ok = 1;
	for (int i = 0; i < 16; i++)
		ok &= buf[4 + i] == i;
	CHECK("rep-movsb-backward-df", ok && esi == (uint32_t)buf - 1 && edi == (uint32_t)buf + 3,
	      "esi %d edi %d, buf[4] %d buf[19] %d", (int)(esi - (uint32_t)buf), (int)(edi - (uint32_t)buf), buf[4],
	      buf[19]);
	/* rep stosl fills dwords. */
	__asm__ volatile("cld\n\trep stosl" : "=D"(edi), "=c"(ecx) : "D"(buf), "c"(4), "a"(0x11223344) : "memory");
	CHECK("rep-stosl", ((uint32_t *)buf)[3] == 0x11223344 && edi == (uint32_t)buf + 16, "word %x edi+%d",
	      ((uint32_t *)buf)[3], (int)(edi - (uint32_t)buf));
	/* repe cmpsb stops after the first mismatch (index 5), with ECX counting what is left. */
	static uint8_t x[8] = "abcdeXgh", y[8] = "abcdeYgh";
	uint8_t zf;
	__asm__ volatile("cld\n\trepe cmpsb\n\tsetz %3" : "=S"(esi), "=D"(edi), "=c"(ecx), "=q"(zf)
			 : "S"(x), "D"(y), "c"(8));
	CHECK("repe-cmpsb", !zf && ecx == 2 && esi == (uint32_t)x + 6, "zf %d ecx %d esi+%d", zf, ecx,
	      (int)(esi - (uint32_t)x));
	/* repne scasb backwards finds the last 'c'. */
	__asm__ volatile("std\n\trepne scasb\n\tcld" : "=D"(edi), "=c"(ecx) : "D"(x + 7), "c"(8), "a"('c'));
	CHECK("repne-scasb-df", edi == (uint32_t)x + 1 && ecx == 2, "edi+%d ecx %d", (int)(edi - (uint32_t)x), ecx);
}

static void st_cx8(void)
{
	static uint64_t m = 0x1122334455667788ull;
	uint32_t lo, hi;
	uint8_t zf;
	/* Equal: ZF=1 and ECX:EBX stored.  Not equal: ZF=0 and EDX:EAX loaded (SDM CMPXCHG8B). */
	__asm__ volatile("cmpxchg8b %0\n\tsetz %1" : "+m"(m), "=q"(zf), "=a"(lo), "=d"(hi)
			 : "a"(0x55667788), "d"(0x11223344), "b"(0xaaaaaaaa), "c"(0xbbbbbbbb));
	CHECK("cmpxchg8b-equal", zf && m == 0xbbbbbbbbaaaaaaaaull, "zf %d m %llx", zf, m);
	__asm__ volatile("cmpxchg8b %0\n\tsetz %1" : "+m"(m), "=q"(zf), "=a"(lo), "=d"(hi)
			 : "a"(1), "d"(2), "b"(3), "c"(4));
	CHECK("cmpxchg8b-not-equal", !zf && lo == 0xaaaaaaaa && hi == 0xbbbbbbbb && m == 0xbbbbbbbbaaaaaaaaull,
	      "zf %d edx:eax %x:%x m %llx", zf, hi, lo, m);
}

static void st_bitops(void)
{
	static uint32_t bits[4];
	uint8_t cf1, cf2, cf3;
	/* A register bit offset addresses a bit string: bit 100 is bit 4 of the dword at +12 (SDM BT). */
	__asm__ volatile("btsl %2, %0\n\tsetc %1" : "+m"(bits[0]), "=q"(cf1) : "r"(100) : "memory");
	__asm__ volatile("btsl %2, %0\n\tsetc %1" : "+m"(bits[0]), "=q"(cf2) : "r"(100) : "memory");
	CHECK("bts-memory-bitstring", bits[3] == 0x10 && bits[0] == 0 && !cf1 && cf2, "bits[3] %x bits[0] %x cf %d %d",
	      bits[3], bits[0], cf1, cf2);
	/* A negative offset reaches below the operand: bit -1 is bit 7 of the byte before it. */
	__asm__ volatile("btsl %2, %0\n\tsetc %1" : "+m"(bits[1]), "=q"(cf3) : "r"(-1) : "memory");
	CHECK("bts-memory-negative-offset", bits[0] == 0x80000000u && !cf3, "bits[0] %x cf %d", bits[0], cf3);
	__asm__ volatile("btl %2, %1\n\tsetc %0" : "=q"(cf1) : "m"(bits[0]), "r"(31));
	__asm__ volatile("btl %2, %1\n\tsetc %0" : "=q"(cf2) : "m"(bits[0]), "r"(30));
	CHECK("bt-memory", cf1 && !cf2, "cf %d %d", cf1, cf2);
}

static void st_shift(void)
{
	uint32_t r;
	uint8_t cf;
	__asm__("shld $4, %2, %0\n\tsetc %1" : "=r"(r), "=q"(cf) : "r"(0x9abcdef0), "0"(0x12345678));
	CHECK("shld-imm", r == 0x23456789 && cf == 1, "got %x cf %d, want 23456789 cf 1", r, cf);
	__asm__("shrd %%cl, %2, %0\n\tsetc %1" : "=r"(r), "=q"(cf) : "r"(0xaabbccdd), "c"(8), "0"(0x12345678));
	CHECK("shrd-cl", r == 0xdd123456 && cf == 0, "got %x cf %d, want dd123456 cf 0", r, cf);
	__asm__("shrd %%cl, %2, %0\n\tsetc %1" : "=r"(r), "=q"(cf) : "r"(0xaabbccdd), "c"(36), "0"(0x12345680));
	CHECK("shrd-count-mod-32", r == 0xd1234568 && cf == 0, "got %x cf %d, want d1234568 cf 0", r, cf);
}

void st_insn(void)
{
	st_cpuid();
	st_rdtsc();
	st_x87();
	st_string();
	st_cx8();
	st_bitops();
	st_shift();
}
