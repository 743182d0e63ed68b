# Machines whose runs leave the shape of a sweep in every way (tests/test_quiet_run.py):
# a quiet run must still end exactly where the recorded, step-by-step run ends.

# Two output tapes written in one sweep, one of them only on some steps.
machine TWO_OUT(a, b)
  head H1 on a
  head H2 on b
  register C in 0..1
  output SUM
  output CARRIES
  result SUM
  start q0
  halt qH

  q0: C := 0; move H1 right; move H2 right; -> q1
  q1 (H1 = x, H2 = y) if x + y + C >= 10:
      put x + y + C - 10 on SUM; move SUM right; put C on CARRIES; move CARRIES right; C := 1;
      move H1 right; move H2 right; -> q1
  q1 (H1 = x, H2 = y) if x + y + C < 10:
      put x + y + C on SUM; move SUM right; C := 0; move H1 right; move H2 right; -> q1
  q1 (H1 = x, H2 = _): put x on SUM; move SUM right; move H1 right; -> q1
  q1 (H1 = _, H2 = y): put y on SUM; move SUM right; move H2 right; -> q1
  q1 (H1 = _, H2 = _): finish SUM; -> qH

# A head that waits on a digit (H1 stays on each 5 for one step), and one that walks past the end.
machine WAIT(a, b)
  head H1 on a
  head H2 on b
  register SEEN in 0..1
  output OUT
  result OUT
  start q0
  halt qH

  q0: SEEN := 0; move H1 right; move H2 right; -> q1
  q1 (H1 = 5, H2 = *) if SEEN == 0: SEEN := 1; move H2 right; -> q1
  q1 (H1 = x, H2 = *) if x != 5 or SEEN == 1: SEEN := 0; put x on OUT; move OUT right; move H1 right; move H2 right; -> q1
  q1 (H1 = _, H2 = *): finish OUT; -> qH

# Sweeps, trims the zeros it wrote (reading OUT), and sweeps back out to the end of b.
machine TRIM_THEN_SWEEP(a, b)
  head H1 on a
  head H2 on b
  output OUT
  result OUT
  start q0
  halt qH

  q0: move H1 right; move H2 right; -> q1
  q1 (H1 = x): put x on OUT; move OUT right; move H1 right; -> q1
  q1 (H1 = _): -> q2
  q2 (OUT = 0): move OUT left; -> q2
  q2 (OUT = d) if d != 0: -> q3
  q2 (OUT = ^): -> q3
  q3 (H2 = y): put y on OUT; move OUT right; move H2 right; -> q3
  q3 (H2 = _): finish OUT; -> qH

# No rule reads a 7: a run over one stops there.
machine NO_SEVENS(a)
  head H on a
  output OUT
  result OUT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x) if x != 7: put x on OUT; move OUT right; move H right; -> q1
  q1 (H = _): finish OUT; -> qH

# A goto that reads the head after the step's move: the next state depends on the next digit.
machine SKIP_AFTER_NINE(a)
  head H on a
  output OUT
  result OUT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x): put x on OUT; move OUT right; move H right; -> q2 if H == 9 else q1
  q1 (H = _): finish OUT; -> qH
  q2 (H = x): move H right; -> q1
  q2 (H = _): finish OUT; -> qH

# Output actions whose outcome depends on the tape: a second put overwrites the first, a put
# after the move leaves a digit pending, a move right with nothing written and a move left of
# the first cell fail.
machine ODD_OUTPUT(a)
  head H on a
  output OUT
  result OUT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = 0): move OUT right; move H right; -> q1
  q1 (H = 1): move OUT left; move H right; -> q1
  q1 (H = 2): put 2 on OUT; move OUT right; put 5 on OUT; move H right; -> q1
  q1 (H = x) if x > 2: put 1 on OUT; put x on OUT; move OUT right; move H right; -> q1
  q1 (H = _): finish OUT; -> qH
