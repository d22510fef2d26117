#include "textflag.h"

// PREFETCHW is 0F 0D /1, which Go's assembler has no name for: the bytes
// below are PREFETCHW (DI) and PREFETCHW (AX).

// func touchLevelForWrite(slots unsafe.Pointer, mask uint64, pend unsafe.Pointer, n int) uint64
TEXT ·touchLevelForWrite(SB),NOSPLIT|NOFRAME,$0-40
	MOVQ slots+0(FP), AX
	MOVQ mask+8(FP), BX
	MOVQ pend+16(FP), CX
	MOVQ n+24(FP), DX
	TESTQ DX, DX
	JEQ done
loop:
	MOVQ (CX), SI           // the pending state's fingerprint
	ANDQ BX, SI             // its home slot
	LEAQ (SI)(SI*2), SI
	LEAQ (AX)(SI*8), DI     // slots + home*24
	BYTE $0x0F; BYTE $0x0D; BYTE $0x0F
	ADDQ $32, CX            // the next pendingState
	DECQ DX
	JNE loop
done:
	MOVQ $0, ret+32(FP)
	RET

// func touchWakesForWrite(wakes unsafe.Pointer, mask uint64, pend unsafe.Pointer, n int) uint64
TEXT ·touchWakesForWrite(SB),NOSPLIT|NOFRAME,$0-40
	MOVQ wakes+0(FP), AX
	MOVQ mask+8(FP), BX
	MOVQ pend+16(FP), CX
	MOVQ n+24(FP), DX
	TESTQ DX, DX
	JEQ wdone
wloop:
	MOVQ (CX), SI           // the pending state's fingerprint
	ANDQ BX, SI             // its home slot
	LEAQ (AX)(SI*4), DI     // wakes + home*4
	BYTE $0x0F; BYTE $0x0D; BYTE $0x0F
	ADDQ $32, CX
	DECQ DX
	JNE wloop
wdone:
	MOVQ $0, ret+32(FP)
	RET

// func touchForWrite(p *uint64) uint64
TEXT ·touchForWrite(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ p+0(FP), AX
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08
	MOVQ $0, ret+8(FP)
	RET

// func pause(n int)
TEXT ·pause(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ n+0(FP), AX
again:
	PAUSE
	DECQ AX
	JNZ again
	RET
