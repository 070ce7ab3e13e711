# The boot paths of `revisor run`: Multiboot ELF (elsewhere), the Multiboot a.out kludge, modules
# (-initrd), a disk's boot sector (no BIOS: the sector loads the kernel through the IDE ports itself), and
# -snapshot keeping disk images unmodified while writes without it reach the image.
. tests/integration/lib.sh

# a.out kludge: a flat binary whose header gives the load addresses
expect_status 1 $revisor run -kernel $guests/hello-aout.bin
expect_output "Hello from revisor guest!"

# -initrd: two modules, page aligned, each with its command line
printf 'ABCDEFG' > $tmp/m1
printf 'xyz' > $tmp/m2
expect_status 1 $revisor run -kernel $guests/hello.elf -initrd "$tmp/m1 first arg,$tmp/m2"
expect_output "modules: 2"
expect_output "module 0: 7 bytes at .*, page aligned yes, cmdline '$tmp/m1 first arg', begins 'ABC'"
expect_output "module 1: 3 bytes at .*, page aligned yes, cmdline '$tmp/m2', begins 'xyz'"
expect_status 2 $revisor run -kernel $guests/hello.elf -initrd /nonexistent/module
expect_output "/nonexistent/module: cannot open"

# Disk boot: the boot sector at 0x7C00 in real mode, DL = 0x80
expect_status 1 $revisor run $guests/primes-2.img
expect_output "primes below 2: 0"
expect_status 1 $revisor run -hda $guests/primes-30000.img -icount-limit 2000000000
expect_output "primes below 30000: 3245"

# -snapshot: the kernel's `count` program writes the disk; the image must not change.
cp $guests/kernel-disk.img $tmp/disk.img
before=$(md5sum < $tmp/disk.img)
expect_status 1 $revisor run -kernel $guests/kernel.elf -hda $tmp/disk.img -snapshot -append autorun=count
[ "$(md5sum < $tmp/disk.img)" = "$before" ] || fail "-snapshot modified the disk image"
# Without -snapshot the write reaches the image (and a second run counts on from it).
expect_status 1 $revisor run -kernel $guests/kernel.elf -hda $tmp/disk.img -append autorun=count
first=$out
[ "$(md5sum < $tmp/disk.img)" != "$before" ] || fail "the guest's disk write did not reach the image"
expect_status 1 $revisor run -kernel $guests/kernel.elf -hda $tmp/disk.img -append autorun=count
[ "$out" != "$first" ] || fail "the counter did not advance between runs: $out"
exit 0
