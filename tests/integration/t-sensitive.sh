# The lecture's sensitive-but-unprivileged instructions: at CPL 3 they neither trap nor act as at CPL 0.
. tests/integration/lib.sh
expect_status 1 $revisor run -kernel $guests/sensitive.elf
expect_output "| popf (clear IF)        | 0   | no         | tried to clear IF, IF is now 0"
expect_output "| popf (clear IF)        | 3   | no         | tried to clear IF, IF is still 1 (no trap!"
expect_output "| push %cs               | 3   | no         | pushed 1b: RPL reveals CPL 3"
expect_output "| sgdt                   | 3   | no         | GDT base"
expect_output "| smsw                   | 3   | no         | MSW 11 (PE=1"
expect_output "| str                    | 3   | no         | TR = 28"
expect_output "| pop %ds (0x10)         | 3   | #GP(10)"
expect_output "| int \$0x40 (DPL 0)      | 3   | #GP(202)"
exit 0
