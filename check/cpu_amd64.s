#include "textflag.h"

// PREFETCHW is 0F 0D /1, which Go's assembler has no name for: the bytes
// below are PREFETCHW (DI) and PREFETCHW (AX).

// func touchHomesForWrite(table unsafe.Pointer, mask uint64, size uintptr, pend unsafe.Pointer, n int) uint64
TEXT ·touchHomesForWrite(SB),NOSPLIT|NOFRAME,$0-48
	MOVQ table+0(FP), AX
	MOVQ mask+8(FP), BX
	MOVQ size+16(FP), R8
	MOVQ pend+24(FP), CX
	MOVQ n+32(FP), DX
	TESTQ DX, DX
	JEQ done
loop:
	MOVQ (CX), SI           // the pending state's fingerprint
	ANDQ BX, SI             // its home slot
	IMULQ R8, SI
	LEAQ (AX)(SI*1), DI     // table + home*size
	BYTE $0x0F; BYTE $0x0D; BYTE $0x0F
	ADDQ $32, CX            // the next pendingState
	DECQ DX
	JNE loop
done:
	MOVQ $0, ret+40(FP)
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
