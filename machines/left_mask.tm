# LEFT_MASK: drop the most significant digit and the zeros that follow it (10203 → 203).
# SUB uses it to remove the leading 1 of a + (99…9 - b) + 1.
machine LEFT_MASK(a)
  head HEAD on a
  output OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move HEAD right; -> q1

  q1 (HEAD = x): move HEAD right; put x on OUTPUT; move OUTPUT right; -> q1
  # Step back over the top digit; the 0 written there is never moved past, so never kept.
  q1 (HEAD = _): move OUTPUT left; put 0 on OUTPUT; -> q2

  q2 (OUTPUT = 0): move OUTPUT left; -> q2
  q2 (OUTPUT = d) if d != 0: -> qH
  q2 (OUTPUT = ^): -> qH

  render q0 as "LEFT_MASK, q0, " HEAD " [OUTPUT]" digits(OUTPUT)
  render q1 as "LEFT_MASK, q1,  " HEAD " " OUTPUT
  render q2 as "LEFT_MASK, q2,  " HEAD " " OUTPUT
  render qH as "LEFT_MASK, qH,  " HEAD " " digits(OUTPUT) or "0"
