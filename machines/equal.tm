# EQUAL: is a == b? Walks both operands together and stops at the first difference.
machine EQUAL(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move HEAD1 right; move HEAD2 right; OUTPUT := True; -> q1

  q1 (HEAD1 = x, HEAD2 = y) if x == y: move HEAD1 right; move HEAD2 right; -> q1
  q1 (HEAD1 = x, HEAD2 = y) if x != y: OUTPUT := False; finish OUTPUT; -> qH
  q1 (HEAD1 = _, HEAD2 = _): finish OUTPUT; -> qH
  q1 (HEAD1 = x, HEAD2 = _): OUTPUT := False; finish OUTPUT; -> qH
  q1 (HEAD1 = _, HEAD2 = y): OUTPUT := False; finish OUTPUT; -> qH

  render q0 as "EQUAL, q0, " HEAD1 HEAD2 " [OUTPUT]" OUTPUT
  render q1 as "EQUAL, q1,  " HEAD1 " " HEAD2 " [OUTPUT]" OUTPUT
  render qH as "EQUAL, qH,  " HEAD1 " " HEAD2 " " OUTPUT
