# The compute benchmark guest counts primes with the lecture's isPrime, in assembly and in C.
. tests/integration/lib.sh
expect_status 1 $revisor run -kernel $guests/primes.elf -append "n=2000"
expect_output "primes below 2000: 303 (asm)"
expect_status 1 $revisor run -kernel $guests/primes.elf -append "n=2000 impl=c"
expect_output "primes below 2000: 303 (c)"
exit 0
