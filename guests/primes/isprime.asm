; isprime.asm — the lectures' isPrime listing ("Binary translation: VMware" slide), as nasm source.
; int isPrime_asm(int a): cdecl wrapper around the lecture's register convention (a in EDI, result in EAX).
; The body between isPrime and the returns is the listing line for line, so `-d in_asm` output and the
; translator's CCFs can be compared with the slide.
	bits 32
	section .text
	global isPrime_asm
isPrime_asm:
	push edi
	push esi
	mov edi, [esp + 12]
	call isPrime
	pop esi
	pop edi
	ret

isPrime:
	mov ecx, edi        ; ecx = edi (a)
	mov esi, 2          ; i = 2
	cmp esi, ecx        ; is i >= a?
	jge prime           ; jump if yes
nexti:
	mov eax, ecx        ; set eax = a
	cdq                 ; sign-extend
	idiv esi            ; a % i
	test edx, edx       ; is remainder zero?
	jz notPrime         ; jump if yes
	inc esi             ; i++
	cmp esi, ecx        ; is i >= a?
	jl nexti            ; jump if no
prime:
	mov eax, 1          ; return value in eax
	ret
notPrime:
	xor eax, eax        ; eax = 0
	ret
