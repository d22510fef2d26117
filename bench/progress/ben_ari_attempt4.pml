/* Ben-Ari's fourth attempt, the twin of examples/ben_ari_attempt4.deck
   for bench/progress.sh: one Promela step per deck card that touches
   shared state. Both stacks can back off in step forever: a
   non-progress cycle, deck's livelock. */
bool want[2];
byte incs;
proctype P(byte me) {
  byte other = 1 - me;
  want[me] = true;
  do
  :: want[other] -> want[me] = false; want[me] = true
  :: else -> break
  od;
  incs++;
  incs--;
  want[me] = false
}
init {
  atomic { run P(0); run P(1) }
}
