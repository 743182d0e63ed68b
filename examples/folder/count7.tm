# COUNT7: how many of a's digits are 7, modulo 10 (N holds one digit, so the head view stays finite).
# A basic machine of one operand: one head walks a.
machine COUNT7(a)
  head HEAD on a
  register N in 0..9
  result N
  start q0
  halt qH

  q0: N := 0; move HEAD right; -> q1
  q1 (HEAD = 7): N := (N + 1) % 10; move HEAD right; -> q1
  q1 (HEAD = x) if x != 7: move HEAD right; -> q1
  q1 (HEAD = _): finish N; -> qH
