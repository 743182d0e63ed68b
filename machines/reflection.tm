# REFLECTION: a - b digit by digit where a is all nines (the nines' complement of b, padded
# to the length of a), then leading zeros trimmed from the top. SUB uses it.
machine REFLECTION(a, b)
  head HEAD1 on a
  head HEAD2 on b
  output OUTPUT
  result OUTPUT
  start q0
  halt qH
  # A shorter a would end the pass with digits of b unread: a wrong answer, not an error.
  require a >= b else "the nines' complement of b needs a 9…9 at least as long: a >= b"
  # Any a whose every digit is at least b's works; its callers give it 9…9, and so do the draws.
  sample a == fill(9, len(a))

  q0: move HEAD1 right; move HEAD2 right; -> q1

  q1 (HEAD1 = x, HEAD2 = y): move HEAD1 right; move HEAD2 right; put x - y on OUTPUT; move OUTPUT right; -> q1
  q1 (HEAD1 = x, HEAD2 = _): move HEAD1 right; put x on OUTPUT; move OUTPUT right; -> q1
  q1 (HEAD1 = _): -> q2

  # Trim: step back over the zeros at the top; the last digit written is what OUTPUT reads.
  q2 (OUTPUT = 0): move OUTPUT left; -> q2
  q2 (OUTPUT = d) if d != 0: finish OUTPUT; -> qH
  q2 (OUTPUT = ^): finish OUTPUT; -> qH

  render q0 as "REFLECTION, q0, " HEAD1 HEAD2 " [OUTPUT]" digits(OUTPUT)
  render q1 as "REFLECTION, q1,  " HEAD1 " " HEAD2 " " OUTPUT
  render q2 as "REFLECTION, q2,  " HEAD1 " " HEAD2 " " digits(OUTPUT) or "|" "[OUTPUT]"
  render qH as "REFLECTION, qH,  " HEAD1 " " HEAD2 " " digits(OUTPUT) or "|0"
