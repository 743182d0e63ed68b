# LESS_THAN: is a < b? Digits are compared from the least significant end; the flag is
# rewritten at every differing digit, so the most significant difference decides. A longer
# operand wins as soon as the shorter one runs out.
machine LESS_THAN(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move HEAD1 right; move HEAD2 right; OUTPUT := False; -> q1

  q1 (HEAD1 = x, HEAD2 = y) if x > y: move HEAD1 right; move HEAD2 right; OUTPUT := False; -> q1
  q1 (HEAD1 = x, HEAD2 = y) if x < y: move HEAD1 right; move HEAD2 right; OUTPUT := True; -> q1
  q1 (HEAD1 = x, HEAD2 = y) if x == y: move HEAD1 right; move HEAD2 right; -> q1
  q1 (HEAD1 = _, HEAD2 = _): finish OUTPUT; -> qH
  q1 (HEAD1 = x, HEAD2 = _): OUTPUT := False; finish OUTPUT; -> qH
  q1 (HEAD1 = _, HEAD2 = y): OUTPUT := True; finish OUTPUT; -> qH

  render q0 as "LESS_THAN, q0, " HEAD1 HEAD2 " [OUTPUT]" OUTPUT
  render q1 as "LESS_THAN, q1,  " HEAD1 " " HEAD2 " [OUTPUT]" OUTPUT
  render qH as "LESS_THAN, qH,  " HEAD1 " " HEAD2 " " OUTPUT
