# DIGIT_SUM: the sum of a's digits modulo 9 (a mod 9, the rule casting out nines rests on).
# A basic machine of one operand: one head walks a, S keeps the sum so far.
machine DIGIT_SUM(a)
  head HEAD on a
  register S in 0..8
  result S
  start q0
  halt qH

  q0: S := 0; move HEAD right; -> q1
  q1 (HEAD = x): S := (S + x) % 9; move HEAD right; -> q1
  q1 (HEAD = _): finish S; -> qH
