package check

import "math/bits"

// State ids are dense and assigned level by level: the initial state is 0,
// then the states of level 1 in order of their parent keys, and so on. A
// parent key is parentID<<ordBits | ord, where ord numbers the transitions
// of the parent state (stacks in order, then choices in order). Ordering a
// level's states by parent key orders them by their lexicographically least
// shortest path, so ids do not depend on the number of workers.
const (
	ordBits  = 24
	ordMask  = 1<<ordBits - 1
	maxOrd   = 1 << ordBits // transitions one state may have
	noParent = ^uint64(0)   // the parent key of the initial state
)

// parentStore keeps, bit-packed, the parent of every state of every level
// but the first: its rank within the previous level and the number of the
// transition that led to it. With a million states in the previous level
// and up to 16 transitions a state, that is 24 bits a state.
//
// Everything lives in fixed-size chunks that are never copied: a level
// costs a 16-byte header (in chunks of headChunk headers) and its records
// in one stream of words (in chunks of streamChunk words), so that a search
// a million levels deep with one state a level holds about 16 bytes and a
// few bits a level, and growing never holds two copies. A level's records
// start where the previous level's end, at any bit, unless the level is
// written by several goroutines (see reserve); then it starts at a word
// boundary, so that goroutines writing whole multiples of 64 entries never
// share a word.
type parentStore struct {
	heads  [][]levelHead
	stream [][]uint64
	nlev   int    // levels stored, the initial one included
	end    uint64 // id after the last state of the last level
	bit    uint64 // bits of the stream used
}

// levelHead locates one level: the id of its first state, and its records
// as bit offset<<16 | rank bits<<8 | transition bits.
type levelHead struct {
	base uint64
	loc  uint64
}

const (
	headShift   = 12
	headChunk   = 1 << headShift // 64 KiB of headers
	streamShift = 13
	streamChunk = 1 << streamShift // 64 KiB of records
)

// levelRec is a view of one level's records.
type levelRec struct {
	s     *parentStore
	base  uint64 // id of the first state of the level
	n     uint64
	start uint64 // bit offset of the level's first record in the stream
	rbits uint
	obits uint
}

// init stores the initial level, of one state without a parent.
func (p *parentStore) init() {
	p.push(levelHead{base: 0, loc: 0})
	p.end = 1
}

func (p *parentStore) push(h levelHead) {
	if p.nlev>>headShift == len(p.heads) {
		p.heads = append(p.heads, make([]levelHead, headChunk))
	}
	p.heads[p.nlev>>headShift][p.nlev&(headChunk-1)] = h
	p.nlev++
}

// add appends a level of n states whose previous level's largest rank is
// maxRank and whose largest transition number is maxOrdSeen, and returns
// the view to fill its records with set. aligned starts the records on a
// word of their own.
func (p *parentStore) add(n, maxRank, maxOrdSeen uint64, aligned bool) levelRec {
	rbits, obits := uint(max(bits.Len64(maxRank), 1)), uint(max(bits.Len64(maxOrdSeen), 1))
	if aligned {
		p.bit = (p.bit + 63) &^ 63
	}
	start := p.bit
	p.bit += n * uint64(rbits+obits)
	// Room for every word the level touches, and one more, which get may
	// read past the last record.
	for need := p.bit/64 + 2; uint64(len(p.stream))*streamChunk < need; {
		p.stream = append(p.stream, make([]uint64, streamChunk))
	}
	p.push(levelHead{base: p.end, loc: start<<16 | uint64(rbits)<<8 | uint64(obits)})
	l := levelRec{s: p, base: p.end, n: n, start: start, rbits: rbits, obits: obits}
	p.end += n
	return l
}

// levels returns the number of levels stored, the initial one included.
func (p *parentStore) levels() int { return p.nlev }

// level returns level L's view.
func (p *parentStore) level(L int) levelRec {
	h := p.heads[L>>headShift][L&(headChunk-1)]
	end := p.end
	if L+1 < p.nlev {
		end = p.heads[(L+1)>>headShift][(L+1)&(headChunk-1)].base
	}
	return levelRec{s: p, base: h.base, n: end - h.base, start: h.loc >> 16,
		rbits: uint(h.loc>>8) & 0xff, obits: uint(h.loc) & 0xff}
}

// bytes is what the store holds.
func (p *parentStore) bytes() int64 {
	return int64(len(p.heads))*headChunk*16 + int64(len(p.stream))*streamChunk*8 +
		int64(cap(p.heads)+cap(p.stream))*24
}

func (p *parentStore) word(k uint64) *uint64 {
	return &p.stream[k>>streamShift][k&(streamChunk-1)]
}

func (l *levelRec) width() uint { return l.rbits + l.obits }

// set stores the parent of the level's i-th state. Entries are written in
// order, by one goroutine per range of whole multiples of 64 entries.
func (l *levelRec) set(i, rank, ord uint64) {
	w := l.width()
	v := rank<<l.obits | ord
	bit := l.start + i*uint64(w)
	k, sh := bit/64, uint(bit%64)
	*l.s.word(k) |= v << sh
	if sh+w > 64 {
		*l.s.word(k + 1) |= v >> (64 - sh)
	}
}

func (l *levelRec) get(i uint64) (rank, ord uint64) {
	w := l.width()
	bit := l.start + i*uint64(w)
	k, sh := bit/64, uint(bit%64)
	v := *l.s.word(k) >> sh
	if sh+w > 64 {
		v |= *l.s.word(k + 1) << (64 - sh)
	}
	v &= 1<<w - 1
	return v >> l.obits, v & (1<<l.obits - 1)
}
