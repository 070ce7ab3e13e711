/* SPDX-License-Identifier: MIT
 *
 * tdesc.c — the target description gdb reads with qXfer:features:read:target.xml (GDB manual, appendix
 * "Target Descriptions").  It tells gdb which registers exist, their sizes and types, and so the layout
 * of the g/G packets: every register, in the order listed here, numbered from 0.
 *
 * Two features.  "org.gnu.gdb.i386.core" is the one gdb's i386 support requires, with the names it looks
 * for: the eight general registers, eip, eflags, the six segment selectors, the x87 stack st0-st7 (80-bit
 * extended) and the x87 control registers.  We describe no SSE feature: the CPU has none, and gdb's i386
 * code accepts an x87-only description.  "org.revisor.i386.system" adds the system registers a kernel
 * student wants to see (CR0, CR2, CR3, CR4, GDTR, IDTR, LDTR, TR); gdb knows nothing special about them
 * and simply shows them (`info registers cr3`, `p/x $cr0`, `info all-registers`).
 */
#include <string.h>
#include "debugger/tdesc.h"

static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"  <architecture>i386</architecture>\n"
	"  <feature name=\"org.gnu.gdb.i386.core\">\n"
	/* EFLAGS as named bits (SDM vol. 1, 3.4.3), so `info registers` prints [ IF ZF ... ]. */
	"    <flags id=\"x86_eflags\" size=\"4\">\n"
	"      <field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
	"      <field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
	"      <field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
	"      <field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
	"      <field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
	"      <field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>\n"
	"      <field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>\n"
	"      <field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
	"      <field name=\"ID\" start=\"21\" end=\"21\"/>\n"
	"    </flags>\n"
	"    <reg name=\"eax\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
	"    <reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
	"    <reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n"
	"    <reg name=\"eflags\" bitsize=\"32\" type=\"x86_eflags\"/>\n"
	"    <reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"    <reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"    <reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"    <reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"  </feature>\n"
	"  <feature name=\"org.revisor.i386.system\">\n"
	"    <reg name=\"cr0\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"    <reg name=\"cr2\" bitsize=\"32\" type=\"data_ptr\" group=\"system\"/>\n"
	"    <reg name=\"cr3\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"    <reg name=\"cr4\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"    <reg name=\"gdtr\" bitsize=\"32\" type=\"data_ptr\" group=\"system\"/>\n"
	"    <reg name=\"gdtr_limit\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"    <reg name=\"idtr\" bitsize=\"32\" type=\"data_ptr\" group=\"system\"/>\n"
	"    <reg name=\"idtr_limit\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"    <reg name=\"ldtr\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"    <reg name=\"tr\" bitsize=\"32\" type=\"int\" group=\"system\"/>\n"
	"  </feature>\n"
	"</target>\n";

const char *tdesc_get(const char *annex, size_t *len)
{
	if (strcmp(annex, "target.xml") != 0)
		return NULL;
	*len = sizeof target_xml - 1;
	return target_xml;
}
