# Bad input never crashes revisor: one clear line and exit status 2.
. tests/integration/lib.sh
expect_status 2 $revisor run -kernel /nonexistent/kernel
expect_output "/nonexistent/kernel: cannot open"
printf 'not a kernel at all' > $tmp/junk
expect_status 2 $revisor run -kernel $tmp/junk
expect_output "not a multiboot image"
expect_status 2 $revisor run --bogus-option
expect_output "unknown option"
expect_status 2 $revisor run -kernel $guests/hello.elf -m 1
expect_output "-m"
expect_status 2 $revisor run
expect_output "nothing to boot"
expect_status 2 $revisor frobnicate
# A multiboot header whose ELF is truncated: a header-only file.
printf '\x02\xb0\xad\x1b\x00\x00\x00\x00\xfe\x4f\x52\xe4' > $tmp/hdr-only
expect_status 2 $revisor run -kernel $tmp/hdr-only
expect_output "not an ELF file"
# An empty disk image
: > $tmp/empty.img
expect_status 2 $revisor run $tmp/empty.img
expect_output "empty.img: disk image is empty"
# --help works and names the options
expect_status 0 $revisor --help
expect_output "-kernel FILE"
exit 0
