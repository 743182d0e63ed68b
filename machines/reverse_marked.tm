# REVERSE_MARKED: the digits of a below its top digit (a marker), in reverse order: the tape
# is read from the top down and written from the bottom up. QUOTIENT_DIGITS writes a quotient
# most significant digit first with a marker 1 on top (so that its last zeros survive);
# REVERSE_MARKED(1021) is 120. Leading zeros of the result are trimmed.
machine REVERSE_MARKED(a)
  head HEAD on a
  output OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move HEAD right; -> q1
  # Walk to the top, then step back onto the marker, and below it.
  q1 (HEAD = x): move HEAD right; -> q1
  q1 (HEAD = _): move HEAD left; -> q2
  q2 (HEAD = x): move HEAD left; -> q3

  q3 (HEAD = x): put x on OUTPUT; move OUTPUT right; move HEAD left; -> q3
  q3 (HEAD = ^): -> q4
  # Trim: step back over zeros at the top; the last digit written is what OUTPUT reads.
  q4 (OUTPUT = 0): move OUTPUT left; -> q4
  q4 (OUTPUT = d) if d != 0: finish OUTPUT; -> qH
  q4 (OUTPUT = ^): finish OUTPUT; -> qH
